//! The GOPROXY client against loopback fixture proxies: fall-through rules,
//! retries, timeouts, error text, credentials and wire encoding
//! (`modsnap::proxy`; go.dev/ref/mod#goproxy-protocol).
//!
//! Everything is offline and bounded: tiny retry delays, sub-second read
//! timeouts, and every test wrapped in an overall time limit.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use modsnap::dirhash::Sha256;
use modsnap::proxy::{Artifact, Client, DirectReason, FetchError, Fetched, ProxyConfig, RouteEnd};

use crate::support::proxy::{Connections, Fault, ModuleSource, ProxyTree, Request, Server};

const RETRIES: u32 = 3;

/// A config for tests: the given GOPROXY, fast retries and timeouts.
fn cfg(goproxy: &str) -> ProxyConfig {
    ProxyConfig {
        goproxy: goproxy.to_string(),
        connect_timeout: Duration::from_secs(2),
        read_timeout: Duration::from_secs(2),
        max_retries: RETRIES,
        retry_base: Duration::from_millis(1),
        retry_max: Duration::from_millis(10),
        ..ProxyConfig::default()
    }
}

fn client(cfg: ProxyConfig) -> Client {
    Client::new(cfg).expect("valid proxy config")
}

/// Runs `f` with an upper time bound so that no test can hang.
async fn bounded<T>(f: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(30), f)
        .await
        .expect("test exceeded its time bound")
}

fn modules() -> Vec<ModuleSource> {
    ModuleSource::load_all()
}

fn module(name_path: &str) -> ModuleSource {
    modules()
        .into_iter()
        .find(|m| m.path == name_path)
        .unwrap_or_else(|| panic!("no fixture module {name_path}"))
}

/// A server over a tree holding every fixture module.
fn full_server() -> (ProxyTree, Server) {
    let tree = ProxyTree::new(&modules());
    let server = Server::start(tree.dir.path());
    (tree, server)
}

/// A server over an empty tree: every request is a 404.
fn empty_server() -> (ProxyTree, Server) {
    let tree = ProxyTree::new(&[]);
    let server = Server::start(tree.dir.path());
    (tree, server)
}

/// Fetches into a fresh temp file; returns the result and the file bytes.
async fn fetch(
    c: &Client,
    path: &str,
    version: &str,
    what: Artifact,
) -> (Result<Fetched, FetchError>, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("download.tmp");
    let r = c.fetch(path, version, what, &dest, &|_| {}).await;
    let bytes = std::fs::read(&dest).unwrap_or_default();
    (r, bytes)
}

fn expect_err(r: Result<Fetched, FetchError>) -> FetchError {
    match r {
        Ok(f) => panic!("expected an error, got {f:?}"),
        Err(e) => e,
    }
}

/// The request log's decoded path for an artifact.
fn wire_path(m: &ModuleSource, ext: &str) -> String {
    format!(
        "/{}/@v/{}.{ext}",
        crate::support::proxy::escape(&m.path),
        crate::support::proxy::escape(&m.version)
    )
}

fn count(server: &Server) -> usize {
    server.requests().len()
}

fn status(code: u16, body: &str) -> Fault {
    Fault::Status {
        code,
        body: body.to_string(),
        times: None,
        headers: vec![],
    }
}

fn status_times(code: u16, times: usize) -> Fault {
    Fault::Status {
        code,
        body: format!("injected {code}\n"),
        times: Some(times),
        headers: vec![],
    }
}

// ---------------------------------------------------------------------------
// Happy path, hashing, wire encoding

#[tokio::test]
async fn fetches_every_artifact_with_hash_and_progress() {
    bounded(async {
        let (tree, server) = full_server();
        let c = client(cfg(&server.url()));
        for m in modules() {
            for (what, ext) in [
                (Artifact::Info, "info"),
                (Artifact::Mod, "mod"),
                (Artifact::Zip, "zip"),
            ] {
                let dir = tempfile::tempdir().unwrap();
                let dest = dir.path().join("x");
                let seen = Arc::new(AtomicU64::new(0));
                let s2 = seen.clone();
                let progress = move |n: u64| {
                    s2.fetch_add(n, Ordering::SeqCst);
                };
                let got = c
                    .fetch(&m.path, &m.version, what, &dest, &progress)
                    .await
                    .unwrap_or_else(|e| panic!("{}: {e}", m.id()));
                let want = std::fs::read(tree.file(&m.path, &m.version, ext)).unwrap();
                assert_eq!(std::fs::read(&dest).unwrap(), want, "{} {ext}", m.id());
                assert_eq!(got.size, want.len() as u64);
                assert_eq!(got.sha256, Sha256::digest(&want));
                assert_eq!(got.proxy, server.url());
                assert_eq!(seen.load(Ordering::SeqCst), want.len() as u64);
            }
            let (r, bytes) = fetch(&c, &m.path, "", Artifact::List).await;
            r.unwrap();
            assert_eq!(
                bytes,
                std::fs::read(tree.at_v(&m.path).join("list")).unwrap()
            );
        }
    })
    .await;
}

#[tokio::test]
async fn bang_is_percent_encoded_and_plus_sent_raw() {
    bounded(async {
        let (_tree, server) = full_server();
        let c = client(cfg(&server.url()));
        let upper = module("example.com/Upper/Case");
        let incompat = module("example.com/incompat");
        let beta = module("example.com/unicode");
        fetch(&c, &upper.path, &upper.version, Artifact::Zip)
            .await
            .0
            .unwrap();
        fetch(&c, &incompat.path, &incompat.version, Artifact::Mod)
            .await
            .0
            .unwrap();
        fetch(&c, &beta.path, &beta.version, Artifact::Info)
            .await
            .0
            .unwrap();
        let raw: Vec<String> = server.requests().into_iter().map(|r| r.raw_path).collect();
        assert_eq!(
            raw,
            [
                "/example.com/%21upper/%21case/@v/v1.0.0.zip",
                "/example.com/incompat/@v/v2.0.0+incompatible.mod",
                "/example.com/unicode/@v/v1.1.0-%21beta.2.info",
            ]
        );
    })
    .await;
}

#[tokio::test]
async fn base_path_and_trailing_slash_are_kept() {
    bounded(async {
        let m = module("example.com/major/v2");
        let tree = ProxyTree::new(&modules());
        // Serve the tree one level down: /sub/<module>/@v/...
        let outer = tempfile::tempdir().unwrap();
        std::fs::create_dir(outer.path().join("sub")).unwrap();
        copy_dir(tree.dir.path(), &outer.path().join("sub"));
        let server = Server::start(outer.path());
        let c = client(cfg(&format!("{}/sub/", server.url())));
        fetch(&c, &m.path, &m.version, Artifact::Mod)
            .await
            .0
            .unwrap();
        assert_eq!(server.log(), [format!("/sub{}", wire_path(&m, "mod"))]);
    })
    .await;
}

fn copy_dir(from: &Path, to: &Path) {
    for e in walkdir::WalkDir::new(from) {
        let e = e.unwrap();
        let rel = e.path().strip_prefix(from).unwrap();
        let dst = to.join(rel);
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&dst).unwrap();
        } else {
            std::fs::copy(e.path(), &dst).unwrap();
        }
    }
}

#[test]
fn client_is_send_sync_and_cheap_to_clone() {
    fn check<T: Send + Sync + Clone + 'static>() {}
    check::<Client>();
    fn check_err<T: std::error::Error + Send + Sync + 'static>() {}
    check_err::<FetchError>();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_fetches_share_one_client() {
    bounded(async {
        let (_tree, server) = full_server();
        let c = client(cfg(&server.url()));
        let mut set = tokio::task::JoinSet::new();
        for m in modules() {
            let c = c.clone();
            set.spawn(async move {
                let dir = tempfile::tempdir().unwrap();
                c.fetch(
                    &m.path,
                    &m.version,
                    Artifact::Zip,
                    &dir.path().join("z"),
                    &|_| {},
                )
                .await
                .map(|f| f.size)
            });
        }
        while let Some(r) = set.join_next().await {
            assert!(r.unwrap().unwrap() > 0);
        }
        assert_eq!(count(&server), modules().len());
    })
    .await;
}

/// Fetches every fixture module's `.info`, `.mod` and `.zip`, all at once,
/// through one client; returns how many requests the server had at once.
async fn fetch_all_at_once(connections: Connections) -> usize {
    let tree = ProxyTree::new(&modules());
    let server = Server::start_with(tree.dir.path(), connections);
    // Long enough that every request sent at once is at the server together.
    server.delay_all(Duration::from_millis(150));
    let c = client(cfg(&server.url()));
    let mut set = tokio::task::JoinSet::new();
    for m in modules() {
        for what in [Artifact::Info, Artifact::Mod, Artifact::Zip] {
            let c = c.clone();
            let m = m.clone();
            set.spawn(async move {
                let dir = tempfile::tempdir().unwrap();
                c.fetch(&m.path, &m.version, what, &dir.path().join("f"), &|_| {})
                    .await
                    .map(|f| f.size)
            });
        }
    }
    while let Some(r) = set.join_next().await {
        assert!(r.unwrap().unwrap() > 0);
    }
    assert_eq!(count(&server), 3 * modules().len());
    server.max_in_flight()
}

/// A server that closes its connection after every answer (Python's
/// `http.server`: HTTP/1.0) must accept a connection per request, and a
/// burst overflows a small listen backlog: it gets at most four requests at
/// once. A server that keeps its connections gets all the caller sends.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_server_closing_every_connection_gets_four_requests_at_a_time() {
    bounded(async {
        assert!(modules().len() * 3 > 16, "enough requests to see the limit");
        for connections in [Connections::Http10, Connections::Close] {
            let most = fetch_all_at_once(connections).await;
            assert!(
                (2..=4).contains(&most),
                "{connections:?}: {most} requests at once, want 2 to 4"
            );
        }
        let most = fetch_all_at_once(Connections::KeepAlive).await;
        assert!(
            most > 16,
            "keep-alive: only {most} requests at once, want all {} (no limit)",
            modules().len() * 3
        );
    })
    .await;
}

// ---------------------------------------------------------------------------
// GOPROXY list semantics

#[tokio::test]
async fn comma_falls_through_on_404_and_410_only() {
    bounded(async {
        let m = module("example.com/major/v2");
        for (code, falls_through) in [
            (404, true),
            (410, true),
            (403, false),
            (401, false),
            (500, false),
        ] {
            let (_ta, a) = full_server();
            let (_tb, b) = full_server();
            a.fault(&wire_path(&m, "zip"), status(code, "nope\n"));
            let c = client(cfg(&format!("{},{}", a.url(), b.url())));
            let (r, _) = fetch(&c, &m.path, &m.version, Artifact::Zip).await;
            let retried = if code >= 500 { RETRIES as usize } else { 0 };
            assert_eq!(count(&a), 1 + retried, "{code}: requests to A");
            if falls_through {
                assert_eq!(r.unwrap().proxy, b.url(), "{code}");
                assert_eq!(count(&b), 1, "{code}: requests to B");
            } else {
                let e = expect_err(r);
                assert!(!e.is_not_found(), "{code}: {e}");
                assert!(e.to_string().contains(&format!("{code} ")), "{e}");
                assert_eq!(count(&b), 0, "{code}: B must not be asked after `,`");
            }
        }
    })
    .await;
}

#[tokio::test]
async fn pipe_falls_through_on_any_error() {
    bounded(async {
        let m = module("example.com/major/v2");
        for fault in [
            status(403, "forbidden\n"),
            status(500, "boom\n"),
            Fault::Reset,
        ] {
            let (_ta, a) = full_server();
            let (_tb, b) = full_server();
            a.fault(&wire_path(&m, "mod"), fault.clone());
            let c = client(cfg(&format!("{}|{}", a.url(), b.url())));
            let got = fetch(&c, &m.path, &m.version, Artifact::Mod).await.0;
            assert_eq!(got.unwrap().proxy, b.url(), "{fault:?}");
            assert_eq!(count(&b), 1);
            assert!(count(&a) >= 1);
        }
        // A refused connection falls through too.
        let dead = dead_url();
        let (_tb, b) = full_server();
        let c = client(cfg(&format!("{dead}|{}", b.url())));
        fetch(&c, &m.path, &m.version, Artifact::Mod)
            .await
            .0
            .unwrap();
    })
    .await;
}

#[tokio::test]
async fn all_not_found_is_not_found() {
    bounded(async {
        let (_ta, a) = empty_server();
        let (_tb, b) = empty_server();
        let c = client(cfg(&format!("{},{}", a.url(), b.url())));
        let e = expect_err(
            fetch(&c, "example.com/missing", "v1.0.0", Artifact::Info)
                .await
                .0,
        );
        assert!(e.is_not_found(), "{e}");
        assert!(!e.is_direct());
        let msg = e.to_string();
        assert!(
            msg.contains(&format!(
                "GET {}/example.com/missing/@v/v1.0.0.info: 404 Not Found",
                a.url()
            )),
            "{msg}"
        );
        assert!(
            msg.contains(&format!(
                "then GET {}/example.com/missing/@v/v1.0.0.info: 404 Not Found",
                b.url()
            )),
            "{msg}"
        );
    })
    .await;
}

#[tokio::test]
async fn off_disables_lookups() {
    bounded(async {
        let c = client(cfg("off"));
        let e = expect_err(fetch(&c, "example.com/m", "v1.0.0", Artifact::Mod).await.0);
        assert_eq!(
            e.to_string(),
            "example.com/m@v1.0.0 .mod: module lookup disabled by GOPROXY=off"
        );
        assert!(e.is_not_found());
        assert_eq!(c.route("example.com/m").end, RouteEnd::Off);

        // A proxy before `off` is asked first; anything after is ignored.
        let (_ta, a) = empty_server();
        let (_tb, b) = full_server();
        let c = client(cfg(&format!("{},off,{}", a.url(), b.url())));
        let m = module("example.com/major/v2");
        let e = expect_err(fetch(&c, &m.path, &m.version, Artifact::Mod).await.0);
        assert!(
            e.to_string()
                .ends_with("404 Not Found, server response: \"not found\"; then module lookup disabled by GOPROXY=off"),
            "{e}"
        );
        assert_eq!((count(&a), count(&b)), (1, 0));
    })
    .await;
}

#[tokio::test]
async fn direct_is_an_explained_error() {
    bounded(async {
        let (_ta, a) = empty_server();
        let goproxy = format!("{},direct,{}", a.url(), "https://never.invalid");
        let c = client(cfg(&goproxy));
        let e = expect_err(fetch(&c, "example.com/m", "v1.0.0", Artifact::Zip).await.0);
        assert!(e.is_direct() && !e.is_not_found());
        let msg = e.to_string();
        assert!(msg.starts_with("example.com/m@v1.0.0 .zip: GET "), "{msg}");
        assert!(
            msg.contains(
                "404 Not Found, server response: \"not found\"; then this module would be fetched directly from version control"
            ),
            "{msg}"
        );
        assert!(
            msg.contains(&format!("GOPROXY={goproxy} reaches its `direct` entry")),
            "{msg}"
        );
        assert!(
            msg.contains("modsnap does not fetch from version control"),
            "{msg}"
        );
        assert!(msg.contains("list a proxy that serves it"), "{msg}");
        assert!(!msg.contains('\n'));
        let route = c.route("example.com/m");
        assert_eq!(route.proxies.len(), 1);
        assert!(matches!(
            route.end,
            RouteEnd::Direct(DirectReason::Goproxy { .. })
        ));
    })
    .await;
}

#[tokio::test]
async fn gonoproxy_match_goes_direct_before_any_proxy() {
    bounded(async {
        let (_tree, server) = full_server();
        let m = module("example.com/major/v2");
        // GOPROXY=off does not help: the implicit noproxy entry comes first.
        for goproxy in [server.url(), "off".to_string()] {
            let c = client(ProxyConfig {
                gonoproxy: "corp.example,example.com/major".into(),
                ..cfg(&goproxy)
            });
            let e = expect_err(fetch(&c, &m.path, &m.version, Artifact::Mod).await.0);
            let msg = e.to_string();
            assert!(e.is_direct(), "{msg}");
            assert!(
                msg.contains("matches pattern `example.com/major` of GONOPROXY=corp.example,example.com/major"),
                "{msg}"
            );
            assert!(msg.contains("GONOPROXY=none"), "{msg}");
            assert!(msg.contains("GOPRIVATE"), "{msg}");
            assert_eq!(count(&server), 0, "no proxy may be asked");
            assert_eq!(
                c.route(&m.path).end,
                RouteEnd::Direct(DirectReason::Gonoproxy {
                    pattern: "example.com/major".into(),
                    gonoproxy: "corp.example,example.com/major".into()
                })
            );
            // Non-matching paths use the proxies.
            assert!(!matches!(
                c.route("example.com/incompat").end,
                RouteEnd::Direct(DirectReason::Gonoproxy { .. })
            ));
        }
        // With GONOPROXY=none the module comes from the proxy.
        let c = client(ProxyConfig {
            gonoproxy: "none".into(),
            ..cfg(&server.url())
        });
        fetch(&c, &m.path, &m.version, Artifact::Mod).await.0.unwrap();
    })
    .await;
}

#[test]
fn bad_goproxy_values_are_rejected_up_front() {
    let err = |g: &str| {
        Client::new(cfg(g))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    };
    assert!(err("/srv/proxy").starts_with("invalid proxy URL missing scheme: /srv/proxy"));
    assert_eq!(
        err("file://localhost/srv/proxy"),
        "invalid file:// proxy URL with non-path elements: file://localhost/srv/proxy"
    );
    assert_eq!(
        err("ftp://proxy.example"),
        "invalid proxy URL scheme (must be https, http, file): ftp://proxy.example"
    );
    assert_eq!(
        err(" , "),
        "GOPROXY list is not the empty string, but contains no entries"
    );
    // Entries after `direct` are never validated (forward compatibility).
    assert!(Client::new(cfg("direct,ftp://x")).is_ok());
    // Host-only entries get https://.
    let c = client(cfg("proxy.example/go,direct"));
    assert_eq!(
        c.route("m.example/x").proxies[0].url,
        "https://proxy.example/go"
    );
}

// ---------------------------------------------------------------------------
// Retries

#[tokio::test]
async fn transient_statuses_are_retried_then_succeed() {
    bounded(async {
        let m = module("example.com/incompat");
        for code in [500, 502, 503, 504] {
            let (_t, server) = full_server();
            server.fault(&wire_path(&m, "zip"), status_times(code, 2));
            let c = client(cfg(&server.url()));
            let got = fetch(&c, &m.path, &m.version, Artifact::Zip).await;
            got.0.unwrap_or_else(|e| panic!("{code}: {e}"));
            assert_eq!(count(&server), 3, "{code}");
        }
    })
    .await;
}

#[tokio::test]
async fn gives_up_after_max_retries_and_says_so() {
    bounded(async {
        let m = module("example.com/incompat");
        let (_t, server) = full_server();
        server.fault(&wire_path(&m, "zip"), status(503, "maintenance\n"));
        let c = client(cfg(&server.url()));
        let e = expect_err(fetch(&c, &m.path, &m.version, Artifact::Zip).await.0);
        assert_eq!(count(&server), 1 + RETRIES as usize);
        assert!(e.to_string().ends_with("(after 3 retries)"), "{e}");
    })
    .await;
}

#[tokio::test]
async fn too_many_requests_honours_retry_after_capped_at_retry_max() {
    bounded(async {
        let m = module("example.com/incompat");
        let (_t, server) = full_server();
        server.fault(
            &wire_path(&m, "info"),
            Fault::Status {
                code: 429,
                body: "slow down\n".into(),
                times: Some(1),
                headers: vec![("Retry-After".into(), "1".into())],
            },
        );
        let c = client(ProxyConfig {
            retry_max: Duration::from_millis(300),
            ..cfg(&server.url())
        });
        let start = Instant::now();
        fetch(&c, &m.path, &m.version, Artifact::Info)
            .await
            .0
            .unwrap();
        let took = start.elapsed();
        assert_eq!(count(&server), 2);
        assert!(
            took >= Duration::from_millis(300),
            "Retry-After ignored: {took:?}"
        );
        assert!(
            took < Duration::from_millis(1000),
            "Retry-After not capped: {took:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn not_found_is_never_retried() {
    bounded(async {
        for code in [404, 410] {
            let (_t, server) = empty_server();
            server.fault("/example.com/m/@v/v1.0.0.zip", status(code, "gone\n"));
            let c = client(cfg(&server.url()));
            let e = expect_err(fetch(&c, "example.com/m", "v1.0.0", Artifact::Zip).await.0);
            assert!(e.is_not_found());
            assert_eq!(count(&server), 1, "{code} must not be retried");
            assert!(!e.to_string().contains("retr"), "{e}");
        }
        // Other client errors are not retried either.
        let (_t, server) = empty_server();
        server.fault("/example.com/m/@v/v1.0.0.zip", status(403, "no\n"));
        let c = client(cfg(&server.url()));
        expect_err(fetch(&c, "example.com/m", "v1.0.0", Artifact::Zip).await.0);
        assert_eq!(count(&server), 1);
    })
    .await;
}

#[tokio::test]
async fn connection_reset_is_retried() {
    bounded(async {
        let m = module("example.com/major/v2");
        let (_t, server) = full_server();
        server.fault(&wire_path(&m, "zip"), Fault::Reset);
        let c = client(cfg(&server.url()));
        let e = expect_err(fetch(&c, &m.path, &m.version, Artifact::Zip).await.0);
        assert_eq!(count(&server), 1 + RETRIES as usize);
        let msg = e.to_string();
        eprintln!("{msg}");
        assert!(msg.contains("connection broke"), "{msg}");
        assert!(msg.contains("(after 3 retries)"), "{msg}");
    })
    .await;
}

#[tokio::test]
async fn truncated_body_is_retried_and_reported() {
    bounded(async {
        let m = module("example.com/major/v2");
        let (_t, server) = full_server();
        server.fault(&wire_path(&m, "zip"), Fault::Truncate(10));
        let c = client(cfg(&server.url()));
        let e = expect_err(fetch(&c, &m.path, &m.version, Artifact::Zip).await.0);
        assert_eq!(count(&server), 1 + RETRIES as usize);
        let msg = e.to_string();
        eprintln!("{msg}");
        assert!(
            msg.contains("connection broke") || msg.contains("ended after 10 of"),
            "{msg}"
        );
    })
    .await;
}

#[tokio::test]
async fn slow_response_times_out() {
    bounded(async {
        let m = module("example.com/major/v2");
        let (_t, server) = full_server();
        server.fault(&wire_path(&m, "mod"), Fault::Delay(Duration::from_secs(5)));
        let c = client(ProxyConfig {
            read_timeout: Duration::from_millis(300),
            max_retries: 1,
            ..cfg(&server.url())
        });
        let start = Instant::now();
        let e = expect_err(fetch(&c, &m.path, &m.version, Artifact::Mod).await.0);
        assert!(
            start.elapsed() < Duration::from_secs(4),
            "{:?}",
            start.elapsed()
        );
        let msg = e.to_string();
        eprintln!("{msg}");
        assert!(msg.contains("timed out"), "{msg}");
        assert!(msg.contains("(after 1 retry)"), "{msg}");
        assert_eq!(count(&server), 2);
    })
    .await;
}

// ---------------------------------------------------------------------------
// Error text

#[tokio::test]
async fn error_names_module_urls_each_proxy_status_and_body_start() {
    bounded(async {
        let m = module("example.com/major/v2");
        let (_ta, a) = full_server();
        let (_tb, b) = full_server();
        a.fault(
            &wire_path(&m, "zip"),
            status(503, "proxy overloaded\nupstream sum.golang.org: server misbehaving\n\nsecret internals"),
        );
        b.fault(&wire_path(&m, "zip"), status(403, "forbidden by policy\n"));
        let (_tc, c3) = full_server();
        let goproxy = format!("{}|{},{}", a.url(), b.url(), c3.url());
        let c = client(cfg(&goproxy));
        let e = expect_err(fetch(&c, &m.path, &m.version, Artifact::Zip).await.0);
        let msg = e.to_string();
        let want = format!(
            "example.com/major/v2@v2.3.4 .zip: GET {a}/example.com/major/v2/@v/v2.3.4.zip: 503 Service Unavailable, server response: \"proxy overloaded\\n\\tupstream sum.golang.org: server misbehaving\" (after 3 retries); then GET {b}/example.com/major/v2/@v/v2.3.4.zip: 403 Forbidden, server response: \"forbidden by policy\"",
            a = a.url(),
            b = b.url()
        );
        assert_eq!(msg, want);
        assert!(!msg.contains('\n'));
        assert_eq!(count(&c3), 0);
        assert_eq!((e.path(), e.version(), e.artifact()), (m.path.as_str(), m.version.as_str(), Artifact::Zip));
    })
    .await;
}

#[tokio::test]
async fn non_text_error_bodies_are_not_shown() {
    bounded(async {
        // The fixture always says text/plain; a control character must
        // suppress the body anyway.
        let (_t, server) = empty_server();
        server.fault(
            "/example.com/m/@v/v1.0.0.mod",
            status(500, "evil \u{1b}[2J clear\n"),
        );
        let c = client(ProxyConfig {
            max_retries: 0,
            ..cfg(&server.url())
        });
        let e = expect_err(fetch(&c, "example.com/m", "v1.0.0", Artifact::Mod).await.0);
        assert!(e.to_string().ends_with("500 Internal Server Error"), "{e}");
    })
    .await;
}

/// A loopback URL nothing listens on.
fn dead_url() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    drop(l);
    format!("http://{addr}")
}

#[tokio::test]
async fn connect_refused_is_reported() {
    bounded(async {
        let dead = dead_url();
        let c = client(ProxyConfig {
            max_retries: 1,
            ..cfg(&dead)
        });
        let e = expect_err(fetch(&c, "example.com/m", "v1.0.0", Artifact::Mod).await.0);
        let msg = e.to_string();
        eprintln!("{msg}");
        assert!(
            msg.contains(&format!(
                "GET {dead}/example.com/m/@v/v1.0.0.mod: cannot connect"
            )),
            "{msg}"
        );
        assert!(msg.to_lowercase().contains("refused"), "{msg}");
        // Nothing listens there: retrying cannot help, so it is not retried.
        assert!(!msg.contains("retr"), "{msg}");
    })
    .await;
}

#[tokio::test]
async fn dns_failure_is_reported_without_hanging() {
    bounded(async {
        let c = client(ProxyConfig {
            max_retries: 1,
            connect_timeout: Duration::from_secs(3),
            ..cfg("http://modsnap-test.invalid")
        });
        let start = Instant::now();
        let e = expect_err(fetch(&c, "example.com/m", "v1.0.0", Artifact::Mod).await.0);
        let msg = e.to_string();
        eprintln!("{msg}");
        assert!(
            msg.contains("DNS lookup failed") || msg.contains("timed out"),
            "{msg}"
        );
        assert!(
            msg.contains("http://modsnap-test.invalid/example.com/m/@v/v1.0.0.mod"),
            "{msg}"
        );
        assert!(start.elapsed() < Duration::from_secs(15));
    })
    .await;
}

#[tokio::test]
async fn tls_failure_is_reported() {
    bounded(async {
        // Speak TLS to a plain-HTTP server.
        let (_t, server) = empty_server();
        let url = server.url().replace("http://", "https://");
        let c = client(ProxyConfig {
            max_retries: 0,
            ..cfg(&url)
        });
        let e = expect_err(fetch(&c, "example.com/m", "v1.0.0", Artifact::Mod).await.0);
        eprintln!("{e}");
        assert!(e.to_string().contains("TLS handshake failed"), "{e}");
    })
    .await;
}

#[tokio::test]
async fn oversized_small_artifact_is_refused() {
    bounded(async {
        let m = module("example.com/major/v2");
        let (_t, server) = full_server();
        server.fault(
            &wire_path(&m, "mod"),
            Fault::Replace(vec![b'x'; (16 << 20) + 1]),
        );
        let c = client(cfg(&server.url()));
        let e = expect_err(fetch(&c, &m.path, &m.version, Artifact::Mod).await.0);
        assert!(e.to_string().contains("downloaded file too large"), "{e}");
        assert_eq!(count(&server), 1, "not retried");
    })
    .await;
}

#[tokio::test]
async fn invalid_module_path_or_version_is_refused_without_requests() {
    bounded(async {
        let (_t, server) = full_server();
        let c = client(cfg(&server.url()));
        expect_err(fetch(&c, "-bad.example/m", "v1.0.0", Artifact::Mod).await.0);
        let e = expect_err(fetch(&c, "example.com/m", "v1.0", Artifact::Zip).await.0);
        assert!(e.to_string().contains("not canonical"), "{e}");
        assert_eq!(count(&server), 0);
    })
    .await;
}

// ---------------------------------------------------------------------------
// Redirects

#[tokio::test]
async fn redirects_are_followed_up_to_a_limit() {
    bounded(async {
        let m = module("example.com/major/v2");
        let (_ta, a) = empty_server();
        let (_tb, b) = full_server();
        a.fault(
            &wire_path(&m, "mod"),
            Fault::Redirect(format!("{}{}", b.url(), wire_path(&m, "mod"))),
        );
        let c = client(cfg(&a.url()));
        let got = fetch(&c, &m.path, &m.version, Artifact::Mod).await;
        got.0.unwrap();
        assert_eq!((count(&a), count(&b)), (1, 1));

        // A redirect loop stops after 10 requests, with no retries.
        let (_tl, l) = empty_server();
        l.fault(
            "/example.com/m/@v/v1.0.0.mod",
            Fault::Redirect(format!("{}/example.com/m/@v/v1.0.0.mod", l.url())),
        );
        let c = client(cfg(&l.url()));
        let e = expect_err(fetch(&c, "example.com/m", "v1.0.0", Artifact::Mod).await.0);
        assert!(e.to_string().contains("stopped after 10 redirects"), "{e}");
        assert_eq!(count(&l), 10);
    })
    .await;
}

// ---------------------------------------------------------------------------
// Credentials

#[tokio::test]
async fn credentials_are_never_sent_over_http_nor_shown() {
    bounded(async {
        let (_t, server) = full_server();
        let m = module("example.com/major/v2");
        let url = server.url().replace("http://", "http://alice:hunter2@");
        let c = client(cfg(&format!("{url}|{}", server.url())));
        let debug = format!("{c:?} {:?}", cfg(&url));
        assert!(
            !debug.contains("hunter2") && !debug.contains("alice"),
            "{debug}"
        );
        // The first entry is refused without a request; `|` moves on.
        let got = fetch(&c, &m.path, &m.version, Artifact::Mod)
            .await
            .0
            .unwrap();
        assert_eq!(got.proxy, server.url());
        assert_eq!(count(&server), 1);
        assert!(no_auth(&server.requests()));

        // With `,` the refusal is terminal and explained.
        let c = client(cfg(&url));
        let e = expect_err(fetch(&c, &m.path, &m.version, Artifact::Mod).await.0);
        let msg = e.to_string();
        assert!(
            msg.contains("refusing to pass credentials to insecure URL"),
            "{msg}"
        );
        assert!(msg.contains("http://xxxxx@127.0.0.1:"), "{msg}");
        for shown in [
            msg.clone(),
            format!("{e:?}"),
            format!("{:?}", c.route(&m.path)),
            c.route(&m.path).to_string(),
        ] {
            assert!(
                !shown.contains("hunter2") && !shown.contains("alice"),
                "{shown}"
            );
        }
        assert_eq!(count(&server), 1);
    })
    .await;
}

#[tokio::test]
async fn https_userinfo_never_appears_in_errors() {
    bounded(async {
        let dead = dead_url().replace("http://", "https://bob:swordfish@");
        let c = client(ProxyConfig {
            max_retries: 0,
            ..cfg(&dead)
        });
        let e = expect_err(fetch(&c, "example.com/m", "v1.0.0", Artifact::Mod).await.0);
        for shown in [e.to_string(), format!("{e:?}"), format!("{c:?}")] {
            assert!(
                !shown.contains("swordfish") && !shown.contains("bob"),
                "{shown}"
            );
        }
        assert!(e.to_string().contains("https://xxxxx@127.0.0.1:"), "{e}");
    })
    .await;
}

fn no_auth(reqs: &[Request]) -> bool {
    reqs.iter()
        .all(|r| r.headers.iter().all(|(k, _)| k != "authorization"))
}

#[tokio::test]
async fn netrc_is_never_sent_over_http() {
    bounded(async {
        let (_t, server) = full_server();
        let m = module("example.com/major/v2");
        let dir = tempfile::tempdir().unwrap();
        let netrc = dir.path().join("netrc");
        let port = server.url().rsplit(':').next().unwrap().to_string();
        std::fs::write(
            &netrc,
            format!("machine 127.0.0.1:{port} login alice password hunter2\nmachine 127.0.0.1 login alice password hunter2\n"),
        )
        .unwrap();
        let c = client(ProxyConfig {
            netrc: Some(netrc),
            ..cfg(&server.url())
        });
        fetch(&c, &m.path, &m.version, Artifact::Mod).await.0.unwrap();
        assert_eq!(count(&server), 1);
        assert!(no_auth(&server.requests()));
        assert!(!format!("{c:?}").contains("hunter2"));
    })
    .await;
}

#[test]
fn missing_netrc_is_no_credentials() {
    let c = Client::new(ProxyConfig {
        netrc: Some(PathBuf::from("/nonexistent/modsnap/netrc")),
        ..cfg("https://proxy.example")
    });
    assert!(c.is_ok());
}

#[test]
fn bad_ca_file_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.pem");
    std::fs::write(&junk, "this is not a certificate\n").unwrap();
    let missing = dir.path().join("missing.pem");
    for file in [junk, missing] {
        let e = Client::new(ProxyConfig {
            ca_files: vec![file.clone()],
            ..cfg("https://proxy.example")
        })
        .expect_err("must fail");
        let msg = e.to_string();
        assert!(
            msg.starts_with(&format!("CA certificate file `{}`", file.display())),
            "{msg}"
        );
    }
}

// ---------------------------------------------------------------------------
// HTTP proxies

#[tokio::test]
async fn http_proxy_is_used_but_never_for_loopback() {
    bounded(async {
        let m = module("example.com/major/v2");
        let (_tp, forward) = empty_server();
        // A remote GOPROXY goes through HTTP_PROXY (absolute-form request).
        let remote = "http://goproxy.modsnap-test.invalid";
        let absolute = format!("{remote}{}", wire_path(&m, "mod"));
        forward.fault(
            &absolute,
            Fault::Replace(b"module example.com/major/v2\n".to_vec()),
        );
        let c = client(ProxyConfig {
            http_proxy: Some(forward.url()),
            ..cfg(remote)
        });
        let got = fetch(&c, &m.path, &m.version, Artifact::Mod).await;
        assert_eq!(got.1, b"module example.com/major/v2\n");
        assert_eq!(forward.log(), [absolute]);

        // NO_PROXY exempts it: the name is then resolved directly and fails.
        forward.clear_log();
        let c = client(ProxyConfig {
            http_proxy: Some(forward.url()),
            no_proxy: Some("modsnap-test.invalid".into()),
            max_retries: 0,
            ..cfg(remote)
        });
        expect_err(fetch(&c, &m.path, &m.version, Artifact::Mod).await.0);
        assert_eq!(count(&forward), 0);

        // A loopback GOPROXY is reached directly even with HTTP_PROXY set.
        let (_t, server) = full_server();
        let c = client(ProxyConfig {
            http_proxy: Some(forward.url()),
            https_proxy: Some(forward.url()),
            ..cfg(&server.url())
        });
        fetch(&c, &m.path, &m.version, Artifact::Mod)
            .await
            .0
            .unwrap();
        assert_eq!((count(&server), count(&forward)), (1, 0));
    })
    .await;
}

// ---------------------------------------------------------------------------
// file:// proxies

fn file_url(p: &Path) -> String {
    format!("file://{}", p.display())
}

#[tokio::test]
async fn file_proxy_serves_and_missing_files_fall_through() {
    bounded(async {
        let tree = ProxyTree::new(&modules());
        let empty = ProxyTree::new(&[]);
        let (_ts, server) = empty_server();
        let m = module("example.com/Upper/Case");
        let goproxy = format!(
            "{},{},{}",
            file_url(empty.dir.path()),
            file_url(tree.dir.path()),
            server.url()
        );
        let c = client(cfg(&goproxy));
        for (what, ext) in [
            (Artifact::Info, "info"),
            (Artifact::Mod, "mod"),
            (Artifact::Zip, "zip"),
        ] {
            let (r, bytes) = fetch(&c, &m.path, &m.version, what).await;
            let got = r.unwrap();
            let want = std::fs::read(tree.file(&m.path, &m.version, ext)).unwrap();
            assert_eq!(bytes, want);
            assert_eq!(got.sha256, Sha256::digest(&want));
            assert_eq!(got.proxy, file_url(tree.dir.path()));
        }
        assert_eq!(count(&server), 0);

        // Missing everywhere: not found, naming the file paths.
        let e = expect_err(
            fetch(&c, "example.com/Nope", "v1.0.0", Artifact::Mod)
                .await
                .0,
        );
        assert!(e.is_not_found(), "{e}");
        let msg = e.to_string();
        assert!(
            msg.contains(&format!(
                "read {}/example.com/!nope/@v/v1.0.0.mod: no such file",
                file_url(empty.dir.path())
            )),
            "{msg}"
        );
        assert_eq!(count(&server), 1);
    })
    .await;
}

#[cfg(unix)]
#[tokio::test]
async fn unreadable_file_is_terminal_after_comma() {
    use std::os::unix::fs::PermissionsExt;
    bounded(async {
        let tree = ProxyTree::new(&modules());
        let m = module("example.com/major/v2");
        let f = tree.file(&m.path, &m.version, "mod");
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o000)).unwrap();
        if std::fs::read(&f).is_ok() {
            eprintln!("skipping: running with privileges that ignore file modes");
            return;
        }
        let (_t, server) = full_server();
        let c = client(cfg(&format!(
            "{},{}",
            file_url(tree.dir.path()),
            server.url()
        )));
        let e = expect_err(fetch(&c, &m.path, &m.version, Artifact::Mod).await.0);
        assert!(
            e.to_string().contains("permission denied (403 Forbidden)"),
            "{e}"
        );
        assert!(!e.is_not_found());
        assert_eq!(count(&server), 0);
    })
    .await;
}

// ---------------------------------------------------------------------------
// Sizes

#[tokio::test]
async fn size_uses_head_and_file_metadata() {
    bounded(async {
        let tree = ProxyTree::new(&modules());
        let (_t, server) = full_server();
        let (_te, empty) = empty_server();
        let m = module("example.com/major/v2");
        let want = std::fs::metadata(tree.file(&m.path, &m.version, "zip"))
            .unwrap()
            .len();
        let c = client(cfg(&format!("{},{}", empty.url(), server.url())));
        assert_eq!(c.size(&m.path, &m.version, Artifact::Zip).await, Some(want));
        assert!(
            server
                .requests()
                .iter()
                .all(|r| r.path == wire_path(&m, "zip"))
        );
        assert_eq!(
            c.size("example.com/nope", "v1.0.0", Artifact::Zip).await,
            None
        );
        let c = client(cfg(&file_url(tree.dir.path())));
        assert_eq!(c.size(&m.path, &m.version, Artifact::Zip).await, Some(want));
        assert_eq!(
            c.size("example.com/nope", "v1.0.0", Artifact::Zip).await,
            None
        );
        let c = client(cfg("off"));
        assert_eq!(c.size(&m.path, &m.version, Artifact::Zip).await, None);
    })
    .await;
}

// ---------------------------------------------------------------------------
// Differential: the real go command against the same fixture servers

/// The raw request paths ending in `.info`, `.mod` or `.zip`, sorted.
fn artifact_requests(server: &Server) -> Vec<String> {
    let mut v: Vec<String> = server
        .requests()
        .into_iter()
        .map(|r| r.raw_path)
        .filter(|p| p.ends_with(".info") || p.ends_with(".mod") || p.ends_with(".zip"))
        .collect();
    v.sort();
    v.dedup();
    v
}

#[tokio::test]
async fn wire_paths_match_go_mod_download() {
    let Some(go) = crate::support::go::go_or_skip("wire_paths_match_go_mod_download") else {
        return;
    };
    bounded(async {
        let (_t, server) = full_server();
        let env = crate::support::go::GoEnv::new(go).var("GOPROXY", &server.url());
        let dir = tempfile::tempdir().unwrap();
        let ids: Vec<String> = modules().iter().map(ModuleSource::id).collect();
        let mut args = vec!["mod", "download", "-json"];
        args.extend(ids.iter().map(String::as_str));
        env.run(dir.path(), &args);
        let by_go = artifact_requests(&server);

        server.clear_log();
        let c = client(cfg(&server.url()));
        for m in modules() {
            for what in [Artifact::Info, Artifact::Mod, Artifact::Zip] {
                fetch(&c, &m.path, &m.version, what).await.0.unwrap();
            }
        }
        assert_eq!(artifact_requests(&server), by_go);
    })
    .await;
}

#[tokio::test]
async fn fall_through_matches_go() {
    let Some(go) = crate::support::go::go_or_skip("fall_through_matches_go") else {
        return;
    };
    bounded(async {
        let m = module("example.com/major/v2");
        let id = m.id();
        // (A's status for every artifact of m, separator) → does B get asked?
        for (code, sep) in [(404, ","), (410, ","), (403, ","), (403, "|"), (500, "|")] {
            let (_ta, a) = full_server();
            let (_tb, b) = full_server();
            for ext in ["info", "mod", "zip"] {
                a.fault(&wire_path(&m, ext), status(code, "injected\n"));
            }
            let goproxy = format!("{}{sep}{}", a.url(), b.url());
            let env = crate::support::go::GoEnv::new(go.clone()).var("GOPROXY", &goproxy);
            let dir = tempfile::tempdir().unwrap();
            let out = env
                .cmd(dir.path(), &["mod", "download", "-json", &id])
                .output()
                .unwrap();
            let go_ok = out.status.success();
            let go_asked_b = !b.requests().is_empty();

            a.clear_log();
            b.clear_log();
            let c = client(ProxyConfig {
                max_retries: 0,
                ..cfg(&goproxy)
            });
            let ours = fetch(&c, &m.path, &m.version, Artifact::Mod).await.0;
            assert_eq!(
                ours.is_ok(),
                go_ok,
                "{code}{sep}: go said {}",
                String::from_utf8_lossy(&out.stdout)
            );
            assert_eq!(!b.requests().is_empty(), go_asked_b, "{code}{sep}");
        }
    })
    .await;
}

#[test]
fn goproxy_validation_matches_go() {
    let Some(go) = crate::support::go::go_or_skip("goproxy_validation_matches_go") else {
        return;
    };
    for goproxy in [
        "/srv/proxy",
        "file://localhost/srv/proxy",
        "ftp://proxy.example",
        ",",
    ] {
        let env = crate::support::go::GoEnv::new(go.clone()).var("GOPROXY", goproxy);
        let dir = tempfile::tempdir().unwrap();
        let out = env
            .cmd(
                dir.path(),
                &["mod", "download", "-json", "example.com/m@v1.0.0"],
            )
            .output()
            .unwrap();
        let go_text = String::from_utf8_lossy(&out.stdout).to_string()
            + &String::from_utf8_lossy(&out.stderr);
        let ours = Client::new(cfg(goproxy))
            .expect_err("must be rejected")
            .to_string();
        let core = ours.split(';').next().unwrap();
        assert!(
            go_text.contains(core),
            "GOPROXY={goproxy}: go said {go_text}, we said {ours}"
        );
    }
}
