//! Conformance: h1 hashes (golang.org/x/mod sumdb/dirhash tests).

use std::io::Write;

use modsnap::dirhash;

use crate::support::conformance::{cases, load};

#[test]
fn dirhash_vectors() {
    let Some(doc) = load("dirhash_hash1.json") else {
        return;
    };
    assert_eq!(doc["emptyHash_from_zip_test"], dirhash::EMPTY_H1);
    let mut checked = 0;
    for case in cases(&doc) {
        let files: Vec<(String, String)> = case["files"]
            .as_object()
            .or(case["zip_entries_in_order"].as_object())
            .expect("files")
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
            .collect();
        let got = match case["api"].as_str().unwrap() {
            "Hash1" => dirhash::hash1(&files).map_err(|e| e.to_string()),
            "HashDir" => {
                let dir = tempfile::tempdir().unwrap();
                for (name, content) in &files {
                    std::fs::write(dir.path().join(name), content).unwrap();
                }
                dirhash::hash_dir(dir.path(), case["prefix"].as_str().unwrap())
                    .map_err(|e| e.to_string())
            }
            "HashZip" => {
                let dir = tempfile::tempdir().unwrap();
                let path = dir.path().join("x.zip");
                let mut w = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
                for (name, content) in &files {
                    w.start_file(name.as_str(), zip::write::SimpleFileOptions::default())
                        .unwrap();
                    w.write_all(content.as_bytes()).unwrap();
                }
                w.finish().unwrap();
                dirhash::hash_zip_file(&path).map_err(|e| e.to_string())
            }
            other => panic!("unknown api {other}"),
        };
        match (case.get("want"), case.get("wantErr")) {
            (Some(want), _) => assert_eq!(got.as_deref(), Ok(want.as_str().unwrap()), "{case}"),
            (_, Some(_)) => assert!(got.is_err(), "want an error for {case}, got {got:?}"),
            _ => panic!("case has neither want nor wantErr: {case}"),
        }
        checked += 1;
    }
    assert_eq!(checked, 4);
}

#[test]
fn directory_entries_count_in_zip_hash_but_not_dir_hash() {
    // Trap 7 of the notes: a zip with an explicit directory entry hashes
    // differently from the same files without it, and HashDir never sees it.
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, with_dir: bool| {
        let path = dir.path().join(name);
        let mut w = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
        let o = zip::write::SimpleFileOptions::default();
        if with_dir {
            w.add_directory("m@v1.0.0/empty/", o).unwrap();
        }
        w.start_file("m@v1.0.0/a.go", o).unwrap();
        w.write_all(b"package a\n").unwrap();
        w.finish().unwrap();
        dirhash::hash_zip_file(&path).unwrap()
    };
    let plain = write("plain.zip", false);
    let with_dir = write("dir.zip", true);
    assert_ne!(plain, with_dir);
    assert_eq!(
        plain,
        dirhash::hash1(&[("m@v1.0.0/a.go", "package a\n")]).unwrap()
    );
    assert_eq!(
        with_dir,
        dirhash::hash1(&[("m@v1.0.0/a.go", "package a\n"), ("m@v1.0.0/empty/", "")]).unwrap()
    );
}
