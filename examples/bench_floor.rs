//! The floor of `modsnap snapshot` on this machine, for `bench/snapshot.sh`:
//! the work no snapshot of the same graph can skip, measured on the same
//! bytes, each step as fast as this machine does it.
//!
//! 1. **fetch**: GET every `.info`, `.mod` and `.zip` the archive holds from
//!    the proxy, `JOBS` (16) at a time over one connection pool, bodies
//!    discarded;
//! 2. **hash**: every zip entry inflated and SHA-256-hashed (the `h1:`),
//!    one zip per core at a time, zips read from the archive in memory;
//! 3. **blake3**: the archive hashed once with BLAKE3 (its manifest's
//!    digest).
//!
//! The floor is the sum of the three (what they cost one after the other;
//! overlapping fetch and hashing could go below it). Prints one JSON line.
//!
//! `cargo run --release --example bench_floor -- PROXY_URL ARCHIVE.tar`
//!
//! With `--vendor ARCHIVE.tar VENDOR_DIR` it measures the floor of
//! `modsnap vendor` instead (for `bench/restore.sh`), on the modules
//! `VENDOR_DIR/modules.txt` lists: (1) BLAKE3 of their zips as stored in
//! the archive (its manifest check), (2) inflate + SHA-256 of each file
//! vendored, read from those zips (the check of each file against the
//! digests the manifest lists, which hash to go.sum's `h1:`), one zip per
//! core, and
//! (3) writing the vendored files again (read from VENDOR_DIR, written to a
//! new tree beside it, which is then removed), one module per core.

use std::io::Read;
use std::sync::Arc;
use std::time::Instant;

use futures_util::StreamExt;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let [_, flag, archive, vendor] = &args[..]
        && flag == "--vendor"
    {
        return vendor_floor(archive, std::path::Path::new(vendor));
    }
    let [_, proxy, archive] = &args[..] else {
        eprintln!("usage: bench_floor PROXY_URL ARCHIVE.tar");
        std::process::exit(2);
    };
    let proxy = proxy.trim_end_matches('/').to_string();

    // The archive's module files, and its zips' bytes (read before any
    // timing starts).
    let mut names = Vec::new();
    let mut zips: Vec<Vec<u8>> = Vec::new();
    let mut ar = tar::Archive::new(std::fs::File::open(archive).expect("open archive"));
    for entry in ar.entries().expect("read archive") {
        let mut entry = entry.expect("archive entry");
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let ext = name.rsplit('.').next().unwrap_or("");
        if !name.contains("/@v/") || !["info", "mod", "zip"].contains(&ext) {
            continue;
        }
        if ext == "zip" {
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).expect("read zip");
            zips.push(bytes);
        }
        names.push(name);
    }
    let zip_bytes: usize = zips.iter().map(Vec::len).sum();

    // 1. fetch.
    let jobs: usize = modsnap::env::var("JOBS")
        .and_then(|v| v.parse().ok())
        .unwrap_or(16);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let client = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client");
    let t = Instant::now();
    let fetched: usize = rt.block_on(async {
        futures_util::stream::iter(names.iter())
            .map(|name| {
                let (client, url) = (
                    client.clone(),
                    format!("{proxy}/{}", modsnap::goproxy::url_path(name)),
                );
                async move {
                    let mut resp = client.get(&url).send().await.expect("GET");
                    assert!(resp.status().is_success(), "{url}: {}", resp.status());
                    let mut n = 0;
                    while let Some(chunk) = resp.chunk().await.expect("body") {
                        n += chunk.len();
                    }
                    n
                }
            })
            .buffer_unordered(jobs)
            .fold(0, |a, n| async move { a + n })
            .await
    });
    let fetch_s = t.elapsed().as_secs_f64();

    // 2. hash: inflate + SHA-256 of every entry, one zip per core.
    let nzips = zips.len();
    let t = Instant::now();
    let inflated = hash_zips(zips, None);
    let hash_s = t.elapsed().as_secs_f64();

    // 3. BLAKE3 of the archive.
    let t = Instant::now();
    let mut h = blake3::Hasher::new();
    h.update_reader(std::fs::File::open(archive).expect("open archive"))
        .expect("read archive");
    std::hint::black_box(h.finalize());
    let blake3_s = t.elapsed().as_secs_f64();
    let archive_bytes = std::fs::metadata(archive).map_or(0, |m| m.len());

    println!(
        "{{\"files\":{},\"fetched_bytes\":{fetched},\"zips\":{},\"zip_bytes\":{zip_bytes},\"inflated_bytes\":{inflated},\"archive_bytes\":{archive_bytes},\"fetch_s\":{fetch_s:.3},\"hash_s\":{hash_s:.3},\"blake3_s\":{blake3_s:.3},\"floor_s\":{:.3}}}",
        names.len(),
        nzips,
        fetch_s + hash_s + blake3_s
    );
}

/// Inflates and SHA-256-hashes every entry of every zip (only the entries
/// named in `only`, when given), one zip per core; returns the bytes
/// inflated.
fn hash_zips(zips: Vec<Vec<u8>>, only: Option<&std::collections::HashSet<String>>) -> usize {
    let zips = Arc::new(zips);
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    std::thread::scope(|s| {
        let workers: Vec<_> = (0..cores)
            .map(|_| {
                let (zips, next) = (zips.clone(), next.clone());
                s.spawn(move || {
                    let mut total = 0usize;
                    let mut buf = vec![0u8; 256 * 1024];
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(z) = zips.get(i) else { break };
                        let mut ar =
                            zip::ZipArchive::new(std::io::Cursor::new(&z[..])).expect("zip");
                        for j in 0..ar.len() {
                            if let Some(only) = only
                                && !ar
                                    .name_for_index(j)
                                    .is_some_and(|n| n.is_ok_and(|n| only.contains(n.as_ref())))
                            {
                                continue;
                            }
                            let mut e = ar.by_index(j).expect("entry");
                            let mut h = modsnap::dirhash::Sha256::new();
                            loop {
                                let n = e.read(&mut buf).expect("inflate");
                                if n == 0 {
                                    break;
                                }
                                total += n;
                                h.update(&buf[..n]);
                            }
                            std::hint::black_box(h.finalize());
                        }
                    }
                    total
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().expect("worker")).sum()
    })
}

/// `--vendor ARCHIVE VENDOR_DIR`: see the module doc.
#[allow(clippy::disallowed_methods)] // a scratch tree the floor removes at once
fn vendor_floor(archive: &str, vendor: &std::path::Path) {
    let modules_txt = std::fs::read_to_string(vendor.join("modules.txt")).expect("modules.txt");
    // `# path version` (a `=> replacement` after it is not in the archive
    // when it is a directory; its zip then is not hashed by modsnap either).
    let mut wanted = std::collections::HashSet::new();
    // vendor/ directory (the module path) → the zip's `path@version`.
    let mut dirs: Vec<(String, String)> = Vec::new();
    for line in modules_txt.lines() {
        let Some(rest) = line.strip_prefix("# ") else {
            continue;
        };
        let words: Vec<&str> = rest.split_whitespace().collect();
        match &words[..] {
            [old, _, "=>", new, newv] | [old, "=>", new, newv] if newv.starts_with('v') => {
                wanted.insert(format!("{new}@{newv}"));
                dirs.push((old.to_string(), format!("{new}@{newv}")));
            }
            [path, version, ..] if version.starts_with('v') => {
                wanted.insert(format!("{path}@{version}"));
                dirs.push((path.to_string(), format!("{path}@{version}")));
            }
            _ => {}
        }
    }
    // Longest module path first: a file belongs to the deepest module.
    dirs.sort_by_key(|(d, _)| std::cmp::Reverse(d.len()));
    let mut zips: Vec<Vec<u8>> = Vec::new();
    let mut ar = tar::Archive::new(std::fs::File::open(archive).expect("open archive"));
    for entry in ar.entries().expect("read archive") {
        let mut entry = entry.expect("archive entry");
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let Some(stem) = name.strip_suffix(".zip") else {
            continue;
        };
        let Some((path, version)) = stem.rsplit_once("/@v/") else {
            continue;
        };
        let path = path.rsplit_once("download/").map_or(path, |(_, p)| p);
        let (Ok(path), Ok(version)) = (
            modsnap::module::unescape_path(path),
            modsnap::module::unescape_version(version),
        ) else {
            continue;
        };
        let id = format!("{path}@{version}");
        if wanted.contains(&id) {
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).expect("read zip");
            zips.push(bytes);
        }
    }
    let zip_bytes: usize = zips.iter().map(Vec::len).sum();

    // 1. BLAKE3 of the vendored zips.
    let t = Instant::now();
    for z in &zips {
        std::hint::black_box(blake3::hash(z));
    }
    let blake3_s = t.elapsed().as_secs_f64();
    // The vendored files, and the zip entries they come from.
    let mut files = Vec::new();
    let mut stack = vec![vendor.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).expect("read vendor dir") {
            let e = e.expect("dir entry");
            if e.file_type().expect("file type").is_dir() {
                stack.push(e.path());
            } else {
                files.push(e.path());
            }
        }
    }
    files.sort();
    let mut used = std::collections::HashSet::new();
    for f in &files {
        let rel = f.strip_prefix(vendor).expect("inside vendor");
        let rel = rel.to_string_lossy().replace('\\', "/");
        if let Some((dir, zip)) = dirs.iter().find(|(d, _)| {
            rel.strip_prefix(d.as_str())
                .is_some_and(|r| r.starts_with('/'))
        }) {
            used.insert(format!("{zip}{}", &rel[dir.len()..]));
        }
    }
    // 2. Each vendored file inflated and hashed.
    let nzips = zips.len();
    let t = Instant::now();
    let inflated = hash_zips(zips, Some(&used));
    let hash_s = t.elapsed().as_secs_f64();
    // 3. The vendored files written again, one module directory per core.
    let out = vendor.with_file_name(".floor-vendor");
    let _ = std::fs::remove_dir_all(&out);
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let next = std::sync::atomic::AtomicUsize::new(0);
    let t = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..cores {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(64, std::sync::atomic::Ordering::Relaxed);
                    let Some(chunk) = files.get(i..(i + 64).min(files.len())) else {
                        break;
                    };
                    if chunk.is_empty() {
                        break;
                    }
                    for f in chunk {
                        let rel = f.strip_prefix(vendor).expect("inside vendor");
                        let dst = out.join(rel);
                        std::fs::create_dir_all(dst.parent().expect("parent")).expect("mkdir");
                        let bytes = std::fs::read(f).expect("read");
                        std::fs::write(&dst, bytes).expect("write");
                    }
                }
            });
        }
    });
    let write_s = t.elapsed().as_secs_f64();
    std::fs::remove_dir_all(&out).expect("remove the floor's tree");
    println!(
        "{{\"zips\":{nzips},\"zip_bytes\":{zip_bytes},\"inflated_bytes\":{inflated},\"files\":{},\"blake3_s\":{blake3_s:.3},\"hash_s\":{hash_s:.3},\"write_s\":{write_s:.3},\"floor_s\":{:.3}}}",
        files.len(),
        blake3_s + hash_s + write_s
    );
}
