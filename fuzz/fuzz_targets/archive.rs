//! Shared body of the archive targets: whatever the bytes, reading an
//! archive never panics, and an extracted tree stays inside its directory.

use std::path::Path;

use modsnap::archive::read::{self, Check};

pub fn run(data: &[u8], name: &str) {
    let Ok(dir) = tempfile::tempdir() else { return };
    let path = dir.path().join(name);
    if std::fs::write(&path, data).is_err() {
        return;
    }
    let _ = read::read_manifest(&path);
    let _ = read::read_all(&path, Check::Both, &mut |e| {
        let mut sink = std::io::sink();
        std::io::copy(e.reader, &mut sink).map(|_| ()).map_err(|e| e.to_string())
    });
    let out = dir.path().join("out");
    let _ = std::fs::create_dir(&out);
    let _ = read::extract(&path, &out, Check::Fast, &|n, _| Some(n.to_string()));
    for e in walk(&out) {
        assert!(e.starts_with(&out), "escaped: {}", e.display());
    }
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            }
            out.push(p);
        }
    }
    out
}
