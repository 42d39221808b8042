//! Writes a checksum database for the benchmarks (bench/sumdb.sh): records
//! for every module version of a GOPROXY-layout directory (its `.zip` and
//! `.mod` hashes), spread through a log padded with made-up records to
//! `--size` (so that, as in sum.golang.org, each lookup needs its own
//! level-0 tile and the proofs climb several tile levels), signed with a
//! fixed bench key, laid out under `<dir>/sumdb/<name>/` as the Go module
//! proxy's passthrough serves it. Prints the `GOSUMDB` value.
//!
//!     cargo run --release --example bench_sumdb -- DIR [SIZE]
//!
//! Not a modsnap feature: a fixture generator, like the test database in
//! tests/it/support/proxy.rs, at benchmark scale.

// A fixture generator writing into a bench directory it owns: the
// library's write-aside rules (clippy.toml) do not apply.
#![allow(clippy::disallowed_methods)]

use std::path::{Path, PathBuf};

use modsnap::sumdb::{note, tlog};

const NAME: &str = "bench.modsnap.test";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().ok_or("usage: bench_sumdb DIR [SIZE]")?);
    let size: usize = args.next().map_or(Ok(1 << 20), |s| s.parse())?;
    let signer = note::Signer::from_seed(NAME, &[7u8; 32])?;

    // Every module version with a .mod, sorted.
    let mut versions: Vec<(String, String, PathBuf)> = Vec::new();
    for e in walkdir::WalkDir::new(&dir).sort_by_file_name() {
        let e = e?;
        let p = e.path();
        if !e.file_type().is_file() || p.extension().is_none_or(|x| x != "mod") {
            continue;
        }
        let rel = p.strip_prefix(&dir)?.to_string_lossy().into_owned();
        let Some((module, file)) = rel.rsplit_once("/@v/") else {
            continue;
        };
        if rel.starts_with("sumdb/") || rel.starts_with("cache/") {
            continue;
        }
        let version = file.trim_end_matches(".mod");
        let (Ok(path), Ok(version)) = (
            modsnap::module::unescape_path(module),
            modsnap::module::unescape_version(version),
        ) else {
            continue;
        };
        versions.push((path, version, p.to_owned()));
    }
    let mut texts: Vec<Vec<u8>> = Vec::with_capacity(versions.len());
    for (path, version, mod_file) in &versions {
        let gomod = modsnap::dirhash::hash_go_mod(&std::fs::read(mod_file)?);
        let zip = mod_file.with_file_name(format!(
            "{}.zip",
            mod_file
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_suffix(".mod"))
                .unwrap_or_default()
        ));
        let mut text = String::new();
        if zip.is_file() {
            let h = modsnap::dirhash::hash_zip_file(&zip)?;
            text.push_str(&format!("{path} {version} {h}\n"));
        }
        text.push_str(&format!("{path} {version}/go.mod {gomod}\n"));
        texts.push(text.into_bytes());
    }
    let n = size.max(texts.len());
    let step = n / texts.len().max(1);
    let mut records: Vec<Vec<u8>> = Vec::with_capacity(n);
    let mut ids = Vec::with_capacity(texts.len());
    let mut next = texts.iter();
    for i in 0..n {
        if i % step == step / 2 && ids.len() < texts.len() {
            ids.push(i as i64);
            records.push(next.next().cloned().unwrap_or_default());
        } else {
            records.push(format!("pad.invalid/m{i} v1.0.0/go.mod h1:{i:0>43}=\n").into_bytes());
        }
    }
    let stored = tlog::stored_hashes(&records);
    let tree = tlog::tree_of(n as i64, &stored);
    let signed = note::sign(
        &note::Note {
            text: tlog::format_tree(&tree),
            sigs: vec![],
            unverified: vec![],
        },
        &[&signer],
    )?;
    let root = dir.join("sumdb").join(NAME);
    if root.exists() {
        std::fs::remove_dir_all(&root)?;
    }
    write(&root.join("supported"), b"")?;
    for ((path, version, _), id) in versions.iter().zip(&ids) {
        let mut body = tlog::format_record(*id, &records[*id as usize])?;
        body.extend_from_slice(signed.as_bytes());
        let name = format!(
            "lookup/{}@{}",
            modsnap::module::escape_path(path)?,
            modsnap::module::escape_version(version)?
        );
        write(&root.join(name), &body)?;
    }
    let tiles = tlog::new_tiles(tlog::TILE_HEIGHT, 0, n as i64);
    for t in &tiles {
        write(&root.join(t.path()), &tlog::tile_data(t, &stored))?;
    }
    eprintln!(
        "bench_sumdb: {} module versions among {n} records, {} tiles, under {}",
        ids.len(),
        tiles.len(),
        root.display()
    );
    println!("{}", signer.verifier().encode());
    Ok(())
}

fn write(p: &Path, data: &[u8]) -> std::io::Result<()> {
    if let Some(d) = p.parent() {
        std::fs::create_dir_all(d)?;
    }
    std::fs::write(p, data)
}
