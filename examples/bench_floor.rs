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

use std::io::Read;
use std::sync::Arc;
use std::time::Instant;

use futures_util::StreamExt;

fn main() {
    let args: Vec<String> = std::env::args().collect();
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
    let zips = Arc::new(zips);
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let t = Instant::now();
    let inflated: usize = std::thread::scope(|s| {
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
    });
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
        zips.len(),
        fetch_s + hash_s + blake3_s
    );
}
