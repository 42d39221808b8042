//! `modsnap serve`: the GOPROXY protocol over HTTP from archives and trees,
//! HTTP semantics, hostile clients, integrity, merging, shutdown, TLS, and
//! the real go command through it (and through nginx serving a restored
//! tree).

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::support::cmd::run;
use crate::support::fixture::{Fixture, copy_dir, project};
use crate::support::go::{GoEnv, go_or_skip};
use crate::support::serve::{Served, parse, raw};

/// Snapshots `names` into `<tmp>/<file>` from a fresh fixture proxy.
fn archive(names: &[&str], file: &str) -> (tempfile::TempDir, PathBuf) {
    let fx = Fixture::new();
    let out = fx.out(file);
    let mut args: Vec<String> = names.iter().map(|n| project(n)).collect();
    args.extend(["-o".to_string(), out.to_string_lossy().into_owned()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, _, stderr) = fx.snapshot(&args);
    assert_eq!(code, 0, "{stderr}");
    let Fixture { tmp, .. } = fx;
    (tmp, out)
}

/// Every file entry of a tar: name → bytes.
fn entries(archive: &Path) -> BTreeMap<String, Vec<u8>> {
    crate::support::fixture::tar_entries(archive)
        .into_iter()
        .filter(|(n, _)| n != "modsnap.json")
        .collect()
}

fn content_type(name: &str) -> &'static str {
    if name.ends_with(".zip") {
        "application/zip"
    } else if name.ends_with(".info") {
        "application/json"
    } else if name.contains("/tile/") {
        "application/octet-stream"
    } else {
        "text/plain; charset=utf-8"
    }
}

fn gunzip(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(data)
        .read_to_end(&mut out)
        .unwrap();
    out
}

#[test]
fn serves_an_archive_as_a_goproxy_with_http_semantics() {
    let (_tmp, ar) = archive(&["pruned"], "snap.tar");
    let files = entries(&ar);
    let s = Served::start(&[&ar], &[]);
    assert_eq!(
        s.stdout,
        [format!("GOPROXY={}", s.url), "GONOPROXY=none".to_string()]
    );

    // Every file, byte for byte, with its length and type.
    for (name, data) in &files {
        let r = s.get(&format!("/{name}"), &[]);
        assert_eq!(r.status, 200, "{name}: {}", r.text());
        assert_eq!(&r.body, data, "{name}");
        assert_eq!(
            r.header("content-length"),
            Some(data.len().to_string().as_str())
        );
        assert_eq!(r.header("content-type"), Some(content_type(name)), "{name}");
        assert!(
            r.header("etag").is_some_and(|e| e.starts_with('"')),
            "{name}"
        );
    }
    // Upper case and +incompatible names arrive escaped, and percent-encoded.
    let upper = "example.com/!upper/!case/@v/v1.0.0.mod";
    assert!(files.contains_key(upper));
    let r = s.get("/example.com/%21upper/%21case/@v/v1.0.0.mod", &[]);
    assert_eq!(r.body, files[upper]);
    let incompat = "example.com/incompat/@v/v2.0.0+incompatible.zip";
    assert_eq!(s.get(&format!("/{incompat}"), &[]).body, files[incompat]);
    assert_eq!(
        s.get("/example.com/incompat/@v/v2.0.0%2Bincompatible.zip", &[])
            .body,
        files[incompat]
    );

    // HEAD: the same head, no body.
    let zip = "/example.com/a/@v/v1.0.0.zip";
    let get = s.get(zip, &[]);
    let head = raw(
        &s.addr,
        format!("HEAD {zip} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes(),
    );
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    for h in [
        "content-length",
        "content-type",
        "etag",
        "last-modified",
        "accept-ranges",
    ] {
        assert_eq!(head.header(h), get.header(h), "{h}");
        assert!(get.header(h).is_some(), "{h}");
    }

    // Validators: If-None-Match and If-Modified-Since give 304.
    let etag = get.header("etag").unwrap().to_string();
    let modified = get.header("last-modified").unwrap().to_string();
    let info: serde_json::Value =
        serde_json::from_slice(&files["example.com/a/@v/v1.0.0.info"]).unwrap();
    let t = info["Time"].as_str().unwrap();
    let want = httpdate::fmt_http_date(httpdate::parse_http_date(&rfc3339_as_http(t)).unwrap());
    assert_eq!(modified, want, "Last-Modified is the .info time");
    let r = s.get(zip, &[("If-None-Match", &etag)]);
    assert_eq!((r.status, r.body.len()), (304, 0));
    let r = s.get(zip, &[("If-None-Match", "\"other\"")]);
    assert_eq!(r.status, 200);
    let r = s.get(zip, &[("If-Modified-Since", &modified)]);
    assert_eq!(r.status, 304);

    // Range for zips: one range, suffix, unsatisfiable, If-Range.
    let whole = &files["example.com/a/@v/v1.0.0.zip"];
    let r = s.get(zip, &[("Range", "bytes=0-9")]);
    assert_eq!(r.status, 206);
    assert_eq!(r.body, whole[..10]);
    assert_eq!(
        r.header("content-range"),
        Some(format!("bytes 0-9/{}", whole.len()).as_str())
    );
    let r = s.get(zip, &[("Range", "bytes=-5")]);
    assert_eq!(r.body, whole[whole.len() - 5..]);
    let r = s.get(zip, &[("Range", &format!("bytes={}-", whole.len()))]);
    assert_eq!(r.status, 416);
    let r = s.get(zip, &[("Range", "bytes=0-9"), ("If-Range", "\"stale\"")]);
    assert_eq!((r.status, r.body.len()), (200, whole.len()));
    let r = s.get("/example.com/a/@v/v1.0.0.mod", &[("Range", "bytes=0-1")]);
    assert_eq!(r.status, 200, "ranges are for zips only");

    // gzip for text only, when asked for.
    let r = s.get(
        "/example.com/a/@v/v1.0.0.mod",
        &[("Accept-Encoding", "gzip")],
    );
    assert_eq!(r.header("content-encoding"), Some("gzip"));
    assert_eq!(r.header("vary"), Some("Accept-Encoding"));
    assert_eq!(gunzip(&r.body), files["example.com/a/@v/v1.0.0.mod"]);
    assert_ne!(
        r.header("etag"),
        s.get("/example.com/a/@v/v1.0.0.mod", &[])
            .header("etag")
            .map(str::to_string)
            .as_deref()
    );
    let r = s.get(zip, &[("Accept-Encoding", "gzip")]);
    assert_eq!(r.header("content-encoding"), None);
    assert_eq!(&r.body, whole);

    // @latest is computed: the highest release with an .info.
    let r = s.get("/example.com/a/@latest", &[]);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/json"));
    let list = String::from_utf8(files["example.com/a/@v/list"].clone()).unwrap();
    let highest = list.lines().last().unwrap();
    let latest: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(latest["Version"], highest);

    // Misses: 404 with the line the go command prints.
    let r = s.get("/example.com/a/@v/v9.9.9.info", &[]);
    assert_eq!(r.status, 404);
    assert_eq!(
        r.text(),
        "not found: example.com/a@v9.9.9: not in this snapshot\n"
    );
    assert_eq!(s.get("/example.com/nothere/@v/list", &[]).status, 404);
    assert_eq!(s.get("/example.com/nothere/@latest", &[]).status, 404);
    let r = s.get("/healthz", &[]);
    assert_eq!((r.status, r.text().as_str()), (200, "ok\n"));

    // Keep-alive: two requests on one connection.
    let mut c = TcpStream::connect(&s.addr).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    for _ in 0..2 {
        c.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        let mut buf = [0u8; 512];
        let n = c.read(&mut buf).unwrap();
        assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
    }

    // HTTP/2 (prior knowledge on plain TCP).
    let rt = tokio::runtime::Runtime::new().unwrap();
    let h2 = reqwest::Client::builder()
        .no_proxy()
        .http2_prior_knowledge()
        .build()
        .unwrap();
    let (version, body) = rt.block_on(async {
        let r = h2.get(format!("{}{zip}", s.url)).send().await.unwrap();
        (r.version(), r.bytes().await.unwrap())
    });
    assert_eq!(version, reqwest::Version::HTTP_2);
    assert_eq!(&body[..], &whole[..]);

    // The access log has a line per request; ETag and Last-Modified are the
    // same after a restart.
    let log = s.stderr();
    assert!(
        log.lines()
            .any(|l| l.contains("\"GET /example.com/a/@v/v9.9.9.info HTTP/1.1\" 404")),
        "{log}"
    );
    drop(s);
    let s2 = Served::start(&[&ar], &["--json"]);
    let again = s2.get(zip, &[]);
    assert_eq!(again.header("etag"), Some(etag.as_str()));
    assert_eq!(again.header("last-modified"), Some(modified.as_str()));
    let log = s2.stderr();
    let line = log
        .lines()
        .find(|l| l.starts_with('{'))
        .unwrap_or_else(|| panic!("no JSON access log line: {log}"));
    let rec: serde_json::Value = serde_json::from_str(line).unwrap();
    assert_eq!(rec["status"], 200);
    assert_eq!(rec["target"], zip);
}

/// `2019-10-29T22:00:17Z` as an HTTP date.
fn rfc3339_as_http(t: &str) -> String {
    let out = std::process::Command::new("date")
        .args(["-u", "-d", t, "+%a, %d %b %Y %H:%M:%S GMT"])
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

#[test]
fn hostile_requests_are_refused() {
    let (_tmp, ar) = archive(&["pruned"], "snap.tar");
    let s = Served::start(
        &[&ar],
        &[
            "--header-timeout",
            "1",
            "--idle-timeout",
            "2",
            "--max-connections",
            "4",
        ],
    );
    for (path, want) in [
        ("/example.com/../etc/passwd", 400),
        ("/example.com/%2e%2e/a/@v/list", 400),
        ("/%2e%2e/%2e%2e/etc/passwd", 400),
        ("/example.com%2fa/@v/list", 400),
        ("/example.com/a/@v/v1.0.0.zip%00", 400),
        ("/example.com/a/@v/%zz.zip", 400),
        ("/example.com/!!a/@v/list", 400),
        ("/example.com/A/@v/list", 400),
        ("/example.com/a/@v/v1.0.0.exe", 400),
        ("/example.com/a/@v/", 400),
        ("/etc/passwd", 400),
        ("/", 400),
    ] {
        let r = s.get(path, &[]);
        assert_eq!(r.status, want, "{path}: {}", r.text());
    }
    let long = format!("/{}/@v/list", "a".repeat(5000));
    assert_eq!(s.get(&long, &[]).status, 414);
    for method in ["POST", "PUT", "DELETE", "OPTIONS"] {
        let r = raw(
            &s.addr,
            format!("{method} /example.com/a/@v/list HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").as_bytes(),
        );
        assert_eq!(r.status, 405, "{method}");
        assert_eq!(r.header("allow"), Some("GET, HEAD"));
    }
    // A raw NUL or space in the request line never reaches the parser.
    let r = raw(
        &s.addr,
        b"GET /a\0b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(r.status, 400);

    // Slowloris: headers that never finish are cut off by the header timeout.
    let started = Instant::now();
    let mut c = TcpStream::connect(&s.addr).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
    c.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    let mut rest = Vec::new();
    let _ = c.read_to_end(&mut rest);
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(5),
        "slow headers held for {took:?}"
    );
    // An idle keep-alive connection is closed by the idle timeout.
    let started = Instant::now();
    let mut c = TcpStream::connect(&s.addr).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
    c.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut all = Vec::new();
    let _ = c.read_to_end(&mut all);
    assert!(all.starts_with(b"HTTP/1.1 200"));
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(8),
        "idle connection closed after {took:?}"
    );

    // At most 4 connections: a fifth waits until one closes.
    let held: Vec<TcpStream> = (0..4)
        .map(|_| {
            let mut c = TcpStream::connect(&s.addr).unwrap();
            c.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                .unwrap();
            let mut buf = [0u8; 256];
            c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
            let n = c.read(&mut buf).unwrap();
            assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
            c
        })
        .collect();
    let mut fifth = TcpStream::connect(&s.addr).unwrap();
    fifth
        .set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    fifth
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut buf = [0u8; 256];
    assert!(
        fifth.read(&mut buf).is_err(),
        "a fifth connection was served"
    );
    drop(held);
    fifth
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut all = Vec::new();
    let _ = fifth.read_to_end(&mut all);
    assert!(
        all.starts_with(b"HTTP/1.1 200"),
        "{:?}",
        String::from_utf8_lossy(&all)
    );
    assert_eq!(s.get("/healthz", &[]).status, 200, "the server is still up");
}

/// Overwrites bytes of `name`'s data inside a plain tar, in place.
fn tamper(archive: &Path, name: &str) {
    let mut ar = tar::Archive::new(std::fs::File::open(archive).unwrap());
    let offset = ar
        .entries_with_seek()
        .unwrap()
        .map(|e| e.unwrap())
        .find(|e| e.path().unwrap().to_string_lossy() == name)
        .map(|e| e.raw_file_position())
        .unwrap();
    let mut data = std::fs::read(archive).unwrap();
    data[offset as usize] ^= 0x20;
    std::fs::write(archive, data).unwrap();
}

#[test]
fn files_failing_their_check_are_never_served() {
    let (_tmp, ar) = archive(&["pruned"], "snap.tar");
    tamper(&ar, "example.com/a/@v/v1.0.0.zip");
    tamper(&ar, "example.com/b/@v/v1.1.0.mod");
    let s = Served::start(&[&ar], &[]);
    let log = s.stderr();
    assert!(
        log.contains("\"example.com/b/@v/v1.1.0.mod\" is not served"),
        "a small file is checked at start-up: {log}"
    );
    for _ in 0..2 {
        for path in [
            "/example.com/a/@v/v1.0.0.zip",
            "/example.com/b/@v/v1.1.0.mod",
        ] {
            let r = s.get(path, &[]);
            assert_eq!(r.status, 500, "{path}");
            assert!(!r.text().contains("PK"), "no byte of it is sent");
        }
    }
    let log = s.stderr();
    assert!(
        log.contains("not serving \"example.com/a/@v/v1.0.0.zip\"")
            && log.contains("manifest says blake3"),
        "{log}"
    );
    // The rest is served.
    assert_eq!(s.get("/example.com/e/@v/v1.0.0.zip", &[]).status, 200);
}

#[test]
fn sources_merge_as_restore_merges_them() {
    let (tmp, a) = archive(&["pruned"], "a.tar");
    let (_tmp2, b) = archive(&["unpruned"], "b.tar");
    let tree = tmp.path().join("tree");
    let (code, _, err) = run(&[
        "restore",
        a.to_str().unwrap(),
        "--proxy",
        tree.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let (fa, fb) = (entries(&a), entries(&b));
    let s = Served::start(&[&a, &b, &tree], &[]);
    // Lists are unions; every file of both is there.
    for (name, data) in fa.iter().chain(fb.iter()) {
        let r = s.get(&format!("/{name}"), &[]);
        assert_eq!(r.status, 200, "{name}");
        if name.ends_with("/@v/list") {
            let got: Vec<String> = r.text().lines().map(str::to_string).collect();
            let want = String::from_utf8_lossy(data);
            for v in want.lines() {
                assert!(
                    got.iter().any(|g| g == v),
                    "{name}: {v} missing from {got:?}"
                );
            }
        } else if !name.starts_with("sumdb/") {
            assert_eq!(&r.body, data, "{name}");
        }
    }
    drop(s);

    // A file whose bytes differ stops start-up, naming both sources.
    let info = tree.join("example.com/a/@v/v1.0.0.info");
    let mut perms = std::fs::metadata(&info).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&info, perms).unwrap();
    let mut text = std::fs::read(&info).unwrap();
    text[2] ^= 0x01;
    std::fs::write(&info, &text).unwrap();
    let (code, err) = Served::try_start(&[&a, &tree], &[]).err().expect("refused");
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("\"example.com/a/@v/v1.0.0.info\" differs between")
            && err.contains(a.to_str().unwrap())
            && err.contains(tree.to_str().unwrap()),
        "{err}"
    );

    // Compressed archives are refused with a hint.
    let zst = tmp.path().join("a.tar.zst");
    let mut enc = zstd::Encoder::new(std::fs::File::create(&zst).unwrap(), 1).unwrap();
    enc.write_all(&std::fs::read(&a).unwrap()).unwrap();
    enc.finish().unwrap();
    let (code, err) = Served::try_start(&[&zst], &[]).err().expect("refused");
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("zstd-compressed") && err.contains("modsnap restore"),
        "{err}"
    );
}

/// A tree with one large zip (and the files a version has), for shutdown
/// and disconnect tests.
fn big_tree(dir: &Path, size: usize) -> Vec<u8> {
    let at_v = dir.join("example.com/big/@v");
    std::fs::create_dir_all(&at_v).unwrap();
    let mut data = vec![0u8; size];
    let mut x: u32 = 12345;
    for b in &mut data {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
        *b = (x >> 16) as u8;
    }
    std::fs::write(at_v.join("v1.0.0.zip"), &data).unwrap();
    std::fs::write(at_v.join("v1.0.0.mod"), "module example.com/big\n").unwrap();
    std::fs::write(
        at_v.join("v1.0.0.info"),
        r#"{"Version":"v1.0.0","Time":"2024-01-02T03:04:05Z"}"#,
    )
    .unwrap();
    std::fs::write(at_v.join("list"), "v1.0.0\n").unwrap();
    data
}

#[test]
fn shutdown_lets_a_download_in_flight_finish_and_disconnects_cost_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let data = big_tree(tmp.path(), 24 << 20);
    let mut s = Served::start(&[tmp.path()], &[]);
    let req = format!(
        "GET /example.com/big/@v/v1.0.0.zip HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
        s.addr
    );
    // Clients that go away mid-zip: the server carries on.
    for _ in 0..20 {
        let mut c = TcpStream::connect(&s.addr).unwrap();
        c.write_all(req.as_bytes()).unwrap();
        let mut buf = [0u8; 4096];
        let _ = c.read(&mut buf).unwrap();
    }
    assert_eq!(s.get("/healthz", &[]).status, 200);

    // A slow download, then SIGTERM: it completes; new connections are refused.
    let mut c = TcpStream::connect(&s.addr).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    c.write_all(req.as_bytes()).unwrap();
    let mut got = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    let n = c.read(&mut buf).unwrap();
    got.extend_from_slice(&buf[..n]);
    s.signal("TERM");
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        TcpStream::connect(&s.addr).is_err(),
        "the listener is closed during shutdown"
    );
    loop {
        std::thread::sleep(Duration::from_millis(2));
        match c.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) => panic!("download cut off after {} bytes: {e}", got.len()),
        }
    }
    let r = parse(&got);
    assert_eq!(r.status, 200);
    assert_eq!(r.body.len(), data.len());
    assert!(r.body == data, "the download in flight completed intact");
    let code = s.child.wait().unwrap().code();
    assert_eq!(code, Some(0), "{}", s.stderr());
    assert!(
        s.stderr().contains("serve: shutting down"),
        "{}",
        s.stderr()
    );
}

#[test]
fn tls_with_http2_by_alpn() {
    let tmp = tempfile::tempdir().unwrap();
    let data = big_tree(tmp.path(), 100_000);
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    let (cert_file, key_file) = (tmp.path().join("cert.pem"), tmp.path().join("key.pem"));
    std::fs::write(&cert_file, cert.pem()).unwrap();
    std::fs::write(&key_file, key.serialize_pem()).unwrap();
    let s = Served::start(
        &[tmp.path()],
        &[
            "--tls-cert",
            cert_file.to_str().unwrap(),
            "--tls-key",
            key_file.to_str().unwrap(),
        ],
    );
    assert!(s.url.starts_with("https://127.0.0.1:"), "{}", s.url);
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let client = reqwest::Client::builder()
        .no_proxy()
        .tls_certs_only([reqwest::Certificate::from_pem(cert.pem().as_bytes()).unwrap()])
        .build()
        .unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (version, body) = rt.block_on(async {
        let r = client
            .get(format!("{}/example.com/big/@v/v1.0.0.zip", s.url))
            .send()
            .await
            .unwrap();
        (r.version(), r.bytes().await.unwrap())
    });
    assert_eq!(version, reqwest::Version::HTTP_2);
    assert!(body[..] == data[..]);

    // A key that does not match is a usage error naming the file.
    let other = rcgen::KeyPair::generate().unwrap();
    std::fs::write(&key_file, other.serialize_pem()).unwrap();
    let (code, err) = Served::try_start(
        &[tmp.path()],
        &[
            "--tls-cert",
            cert_file.to_str().unwrap(),
            "--tls-key",
            key_file.to_str().unwrap(),
        ],
    )
    .err()
    .expect("refused");
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("key.pem"), "{err}");
}

/// Every file under `dir`: relative path → bytes (lock files excluded).
fn tree_files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    crate::support::fixture::tree_files(dir)
        .into_iter()
        .filter(|(n, _)| !n.ends_with(".lock"))
        .collect()
}

/// One go command's result, with the proxy and the environment's own
/// directories replaced by placeholders.
fn outcome(env: &GoEnv, dir: &Path, args: &[&str], proxy: &str) -> String {
    let out = env.cmd(dir, args).output().unwrap();
    let norm = |b: &[u8]| {
        String::from_utf8_lossy(b)
            .replace(proxy, "PROXY")
            .replace(env.root.path().to_str().unwrap(), "ROOT")
    };
    // How a failure is worded depends on the transport (`404 Not Found`
    // against `no such file or directory`): only the exit code and stdout
    // are compared then.
    let stderr = if out.status.success() {
        norm(&out.stderr)
    } else {
        "(failed)".to_string()
    };
    format!(
        "$ go {}\nexit {:?}\n{}\n{stderr}",
        args.join(" "),
        out.status.code(),
        norm(&out.stdout),
    )
}

#[test]
fn the_go_command_gets_the_same_answers_from_serve_as_from_a_file_tree() {
    let Some(go) =
        go_or_skip("the_go_command_gets_the_same_answers_from_serve_as_from_a_file_tree")
    else {
        return;
    };
    for name in ["pruned", "unpruned", "replace", "workspace"] {
        let (tmp, ar) = archive(&[name], "snap.tar");
        let tree = tmp.path().join("tree");
        let (code, _, err) = run(&[
            "restore",
            ar.to_str().unwrap(),
            "--proxy",
            tree.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{err}");
        let s = Served::start(&[&ar], &[]);
        let work = tmp.path().join("work");
        copy_dir(Path::new(&project(name)), &work);
        let workspace = name == "workspace";
        let file_url = format!("file://{}", tree.display());
        let env_for = |proxy: &str| {
            let mut env = GoEnv::new(go.clone())
                .var("GOPROXY", proxy)
                .var("GONOPROXY", "none")
                .var("GOSUMDB", &Fixture::gosumdb())
                .var("HTTPS_PROXY", "http://127.0.0.1:9")
                .var("HTTP_PROXY", "http://127.0.0.1:9");
            if workspace {
                env = env.var("GOWORK", work.join("go.work").to_str().unwrap());
            }
            env
        };
        let (file_env, serve_env) = (env_for(&file_url), env_for(&s.url));
        let paths = String::from_utf8(
            file_env
                .run(
                    &work,
                    &[
                        "list",
                        "-m",
                        "-f",
                        "{{if not .Main}}{{.Path}}{{end}}",
                        "all",
                    ],
                )
                .stdout,
        )
        .unwrap();
        let pkgs: &[&str] = if workspace {
            &["./app/...", "./lib/..."]
        } else {
            &["./..."]
        };
        let mut cmds: Vec<Vec<String>> =
            vec![vec!["mod".into(), "download".into(), "-json".into()]];
        let deps: Vec<String> = paths
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect();
        cmds.push(
            [
                vec!["list".into(), "-m".into(), "-versions".into()],
                deps.clone(),
            ]
            .concat(),
        );
        for p in paths.lines().filter(|l| !l.is_empty()) {
            cmds.push(vec!["list".into(), "-m".into(), format!("{p}@latest")]);
        }
        cmds.push(
            [
                &["build".to_string()][..],
                &pkgs.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
            ]
            .concat(),
        );
        if !workspace {
            cmds.push(vec!["mod".into(), "verify".into()]);
        }
        for args in &cmds {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let via_file = outcome(&file_env, &work, &args, &file_url);
            let via_serve = outcome(&serve_env, &work, &args, &s.url);
            assert_eq!(via_serve, via_file, "{name}");
            if std::env::var_os("MODSNAP_TEST_DUMP").is_some() {
                eprintln!("{name}: {via_serve}");
            }
            // What a build needs must work, not merely fail alike.
            if matches!(args[0], "build" | "mod") || args.contains(&"-versions") {
                assert!(
                    via_serve.contains("\nexit Some(0)\n"),
                    "{name}: {via_serve}"
                );
            }
        }
        // The module caches the two filled are the same, file for file.
        let (a, b) = (
            tree_files(&file_env.modcache().join("cache/download")),
            tree_files(&serve_env.modcache().join("cache/download")),
        );
        assert!(!a.is_empty(), "{name}");
        assert_eq!(
            a.keys().collect::<Vec<_>>(),
            b.keys().collect::<Vec<_>>(),
            "{name}"
        );
        assert!(a == b, "{name}: module caches differ");
        let log = s.stderr();
        assert!(log.contains("/@v/list HTTP/1.1\" 200"), "{name}: {log}");
    }
}

/// The nginx binary, or `None` after a loud skip (a failure with
/// `MODSNAP_REQUIRE_NGINX=1`, as `.ci/run` sets after installing it).
fn nginx_or_skip(test: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .chain([PathBuf::from("/usr/sbin")])
        .map(|d| d.join("nginx"))
        .find(|p| p.is_file());
    if found.is_some() {
        return found;
    }
    if std::env::var("MODSNAP_REQUIRE_NGINX").is_ok_and(|v| v == "1") {
        panic!("{test}: nginx is required (MODSNAP_REQUIRE_NGINX=1) but is not installed");
    }
    eprintln!(
        "\n!!!!!!!! SKIPPED {test}: nginx is not installed (set MODSNAP_REQUIRE_NGINX=1 to fail instead) !!!!!!!!\n"
    );
    None
}

/// The README's nginx configuration for a restored tree, with the paths a
/// test needs (and `master_process off`, so it runs as the test's user).
fn nginx_conf(tree: &Path, dir: &Path, port: u16) -> String {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme
        .find("```nginx\n")
        .expect("README has an nginx block")
        + 9;
    let server = &readme[start..start + readme[start..].find("```").unwrap()];
    let server = server
        .replace("listen 8080;", &format!("listen 127.0.0.1:{port};"))
        .replace("/srv/goproxy", tree.to_str().unwrap());
    let d = dir.display();
    format!(
        "daemon off;\nmaster_process off;\npid {d}/nginx.pid;\nerror_log {d}/error.log;\nevents {{ worker_connections 256; }}\n\
         http {{\n  access_log {d}/access.log;\n  client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n  \
         fastcgi_temp_path {d}/fastcgi;\n  uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n{server}\n}}\n"
    )
}

#[test]
fn nginx_serves_a_restored_tree_to_the_offline_go() {
    let test = "nginx_serves_a_restored_tree_to_the_offline_go";
    let Some(go) = go_or_skip(test) else { return };
    let Some(nginx) = nginx_or_skip(test) else {
        return;
    };
    let (tmp, ar) = archive(&["pruned"], "snap.tar");
    let tree = tmp.path().join("tree");
    let (code, _, err) = run(&[
        "restore",
        ar.to_str().unwrap(),
        "--proxy",
        tree.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let ndir = tmp.path().join("nginx");
    std::fs::create_dir_all(&ndir).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    std::fs::write(ndir.join("nginx.conf"), nginx_conf(&tree, &ndir, port)).unwrap();
    let mut child = std::process::Command::new(&nginx)
        .args([
            "-p",
            ndir.to_str().unwrap(),
            "-c",
            ndir.join("nginx.conf").to_str().unwrap(),
        ])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(status)) = child.try_wait() {
            let mut err = String::new();
            let _ = child.stderr.take().unwrap().read_to_string(&mut err);
            panic!(
                "nginx exited ({status}): {err} {}",
                std::fs::read_to_string(ndir.join("error.log")).unwrap_or_default()
            );
        }
        assert!(Instant::now() < deadline, "nginx did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    let _nginx = Kill(child);
    let url = format!("http://127.0.0.1:{port}");

    // Content types as the README config sets them.
    let addr = format!("127.0.0.1:{port}");
    for (path, ty) in [
        ("/example.com/a/@v/v1.0.0.zip", "application/zip"),
        ("/example.com/a/@v/v1.0.0.info", "application/json"),
        ("/example.com/a/@v/v1.0.0.mod", "text/plain"),
        ("/example.com/a/@v/list", "text/plain"),
    ] {
        let r = raw(
            &addr,
            format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes(),
        );
        assert_eq!(r.status, 200, "{path}");
        assert!(
            r.header("content-type").is_some_and(|t| t.starts_with(ty)),
            "{path}: {:?}",
            r.header("content-type")
        );
    }
    let r = raw(
        &addr,
        b"GET /example.com/a/@v/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert_ne!(r.status, 200, "no directory listings");

    let work = tmp.path().join("work");
    copy_dir(Path::new(&project("pruned")), &work);
    let env_for = |proxy: &str| {
        GoEnv::new(go.clone())
            .var("GOPROXY", proxy)
            .var("GONOPROXY", "none")
            .var("GOSUMDB", &Fixture::gosumdb())
            .var("HTTPS_PROXY", "http://127.0.0.1:9")
            .var("HTTP_PROXY", "http://127.0.0.1:9")
    };
    let via_nginx = env_for(&url);
    let file_url = format!("file://{}", tree.display());
    let via_file = env_for(&file_url);
    for args in [
        &["mod", "download"][..],
        &["list", "-m", "all"],
        &["build", "./..."],
        &["mod", "verify"],
        &["list", "-m", "example.com/pseudo@latest"],
    ] {
        let (n, f) = (via_nginx.run(&work, args), via_file.run(&work, args));
        assert_eq!(n.stdout, f.stdout, "go {}", args.join(" "));
    }
    let (a, b) = (
        tree_files(&via_file.modcache().join("cache/download")),
        tree_files(&via_nginx.modcache().join("cache/download")),
    );
    assert!(a == b, "module caches differ");
    let log = std::fs::read_to_string(ndir.join("access.log")).unwrap();
    for want in [
        // The go command percent-encodes `!`; `+` goes as is.
        "GET /example.com/%21upper/%21case/@v/v1.0.0.zip HTTP/1.1\" 200",
        "GET /example.com/incompat/@v/v2.0.0+incompatible.zip HTTP/1.1\" 200",
    ] {
        assert!(log.contains(want), "{want} not in {log}");
    }
}

#[test]
fn the_checksum_database_is_served_from_the_archive_bundle() {
    let Some(go) = go_or_skip("the_checksum_database_is_served_from_the_archive_bundle") else {
        return;
    };
    let (tmp, ar) = archive(&["pruned"], "snap.tar");
    let s = Served::start(&[&ar], &[]);
    // go mod tidy from an empty go.sum: every hash comes from the database
    // through serve, and go.sum comes back as it was.
    let work = tmp.path().join("tidy");
    copy_dir(Path::new(&project("pruned")), &work);
    std::fs::write(work.join("go.sum"), "").unwrap();
    let env = GoEnv::new(go)
        .var("GOPROXY", &s.url)
        .var("GONOPROXY", "none")
        .var("GOSUMDB", &Fixture::gosumdb())
        .var("HTTPS_PROXY", "http://127.0.0.1:9");
    env.run(&work, &["mod", "tidy"]);
    assert_eq!(
        std::fs::read_to_string(work.join("go.sum")).unwrap(),
        std::fs::read_to_string(Path::new(&project("pruned")).join("go.sum")).unwrap()
    );
    let log = s.stderr();
    let db: Vec<&str> = log.lines().filter(|l| l.contains(" /sumdb/")).collect();
    assert!(
        db.iter().any(|l| l.contains("/supported HTTP/1.1\" 200")),
        "{log}"
    );
    assert!(
        db.iter()
            .any(|l| l.contains("/lookup/") && l.contains("\" 200 ")),
        "{log}"
    );
    assert!(
        db.iter()
            .any(|l| l.contains("/tile/") && l.contains("\" 200 ")),
        "{log}"
    );
}
