//! Writes a large synthetic modsnap archive for `bench/serve.sh`'s
//! start-up measurement: `MODULES` module versions (`bench.modsnap.test/mNNNNN
//! v1.0.0`), each with an `.info`, a `.mod` and a `.zip` of `ZIP_BYTES`
//! deterministic pseudo-random bytes, a manifest with their real SHA-256 and
//! BLAKE3 digests, and one `@v/list` per module — what `modsnap serve` indexes
//! and checks at start-up. The zips are not real module zips (serve checks
//! digests, not zip rules; `modsnap verify` would refuse them).
//!
//! `cargo run --release --example bench_big_archive -- OUT.tar MODULES ZIP_BYTES`

use std::collections::BTreeMap;
use std::io::Write;

use modsnap::archive::manifest::{FORMAT, FileEntry, Manifest, ModuleEntry};
use modsnap::goproxy::{self, Artifact};
use modsnap::module::ModVersion;

fn zip_bytes(i: usize, len: usize) -> Vec<u8> {
    let mut x = (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(&x.to_le_bytes());
    }
    out.truncate(len);
    out
}

fn files_of(i: usize, zip_len: usize) -> (ModVersion, Vec<(Artifact, Vec<u8>)>) {
    let m = ModVersion::new(format!("bench.modsnap.test/m{i:05}"), "v1.0.0");
    let info = format!(
        r#"{{"Version":"v1.0.0","Time":"2024-01-01T00:00:{:02}Z"}}"#,
        i % 60
    );
    let gomod = format!("module {}\n\ngo 1.22\n", m.path);
    (
        m,
        vec![
            (Artifact::Info, info.into_bytes()),
            (Artifact::Mod, gomod.into_bytes()),
            (Artifact::Zip, zip_bytes(i, zip_len)),
        ],
    )
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 4 {
        eprintln!("usage: bench_big_archive OUT.tar MODULES ZIP_BYTES");
        std::process::exit(2);
    }
    let out = &args[1];
    let n: usize = args[2].parse().expect("MODULES");
    let zip_len: usize = args[3].parse().expect("ZIP_BYTES");

    // Pass 1: digests for the manifest.
    let mut manifest = Manifest {
        format: FORMAT.to_string(),
        modsnap_version: "bench".into(),
        ..Default::default()
    };
    for i in 0..n {
        let (m, files) = files_of(i, zip_len);
        let mut entry = ModuleEntry {
            path: m.path.clone(),
            version: m.version.clone(),
            zip_h1: Some("h1:synthetic".into()),
            mod_h1: Some("h1:synthetic".into()),
            zip_files: None,
            files: BTreeMap::new(),
        };
        for (a, data) in &files {
            let name = goproxy::file_name(&m, *a).unwrap();
            entry.files.insert(
                a.ext().to_string(),
                FileEntry {
                    name,
                    size: data.len() as u64,
                    sha256: hex::encode(aws_lc_rs::digest::digest(
                        &aws_lc_rs::digest::SHA256,
                        data,
                    )),
                    blake3: Some(blake3::hash(data).to_hex().to_string()),
                },
            );
        }
        manifest.modules.push(entry);
    }
    // Pass 2: the tar, manifest first.
    let file = std::fs::File::create(out).expect("create");
    let mut tar = tar::Builder::new(std::io::BufWriter::with_capacity(1 << 20, file));
    let mut add = |name: &str, data: &[u8]| {
        let mut h = tar::Header::new_ustar();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_mtime(0);
        h.set_entry_type(tar::EntryType::Regular);
        tar.append_data(&mut h, name, data).expect("append");
    };
    add("modsnap.json", &serde_json::to_vec(&manifest).unwrap());
    for i in 0..n {
        let (m, files) = files_of(i, zip_len);
        for (a, data) in &files {
            add(&goproxy::file_name(&m, *a).unwrap(), data);
        }
        add(
            &goproxy::list_name(&m.path).unwrap(),
            goproxy::list_text([m.version.clone()]).as_bytes(),
        );
    }
    tar.into_inner().unwrap().flush().unwrap();
}
