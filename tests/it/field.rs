//! The failure class from the field: dead and flaky proxies in a GOPROXY
//! list, servers that stall or drip bytes, answers that are not what they
//! claim. Every case runs against loopback servers.

use std::net::TcpListener;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::support::fixture::{Fixture, project};

/// A TCP listener that accepts connections and never answers (a black
/// hole), counting the connections it got.
struct BlackHole {
    addr: std::net::SocketAddr,
    accepted: Arc<AtomicUsize>,
}

impl BlackHole {
    fn start() -> BlackHole {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let accepted = Arc::new(AtomicUsize::new(0));
        let count = accepted.clone();
        std::thread::spawn(move || {
            let mut held = Vec::new();
            for conn in listener.incoming().flatten() {
                count.fetch_add(1, Ordering::SeqCst);
                held.push(conn);
            }
        });
        BlackHole { addr, accepted }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

/// Snapshots the `pruned` fixture project with `GOPROXY=goproxy` and
/// `--timeout 1 --retries N`: (exit code, stderr, wall time, archive).
fn snapshot_pruned(
    fx: &Fixture,
    goproxy: &str,
    retries: &str,
) -> (i32, String, Duration, std::path::PathBuf) {
    let out = fx.out("pruned.tar");
    let start = Instant::now();
    let (code, _, stderr) = fx.snapshot_with(
        &[
            &project("pruned"),
            "-o",
            out.to_str().unwrap(),
            "--timeout",
            "1",
            "--retries",
            retries,
        ],
        &[("GOPROXY", goproxy)],
    );
    (code, stderr, start.elapsed(), out)
}

/// A dead first proxy (`|`) is marked down after its first failures: the
/// other requests skip it, so the run costs about one timeout, not one per
/// request; one warning says so.
#[test]
fn a_dead_first_proxy_is_marked_down_and_skipped() {
    let fx = Fixture::new();
    let hole = BlackHole::start();
    let goproxy = format!("{}|{}", hole.url(), fx.server.url());
    let (code, stderr, took, _) = snapshot_pruned(&fx, &goproxy, "2");
    assert_eq!(code, 0, "{stderr}");
    let downs = stderr.matches("marked down for this run").count();
    assert_eq!(downs, 1, "{stderr}");
    assert!(
        stderr.contains(&format!("proxy {} marked down", hole.url())),
        "{stderr}"
    );
    // 37 files; without the breaker each would try the hole 3 times.
    let tried = hole.accepted.load(Ordering::SeqCst);
    assert!(tried <= 16 * 3, "the dead proxy got {tried} connections");
    assert!(took < Duration::from_secs(12), "took {took:?}");
}

/// A name that does not resolve is not retried, and marks the proxy down
/// at once.
#[test]
fn an_unresolvable_proxy_is_not_retried_and_falls_through() {
    let fx = Fixture::new();
    let goproxy = format!("http://proxy.modsnap-test.invalid|{}", fx.server.url());
    let out = fx.out("pruned.tar");
    let (code, _, stderr) = fx.snapshot_with(
        &["-v", &project("pruned"), "-o", out.to_str().unwrap()],
        &[("GOPROXY", goproxy.as_str())],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("spurious network error"), "{stderr}");
    assert_eq!(
        stderr.matches("marked down for this run").count(),
        1,
        "{stderr}"
    );
    let dns_tries = stderr
        .lines()
        .filter(|l| {
            l.starts_with("modsnap: GET http://proxy.modsnap-test.invalid/") && l.contains("DNS")
        })
        .count();
    assert!(dns_tries <= 16, "{dns_tries} DNS failures: {stderr}");
}

/// With `,` a dead proxy is an error, as in go (fall-through only on
/// 404/410), and the run stops quickly with one line naming the host.
#[test]
fn a_dead_proxy_before_a_comma_fails_fast() {
    let fx = Fixture::new();
    let hole = BlackHole::start();
    let goproxy = format!("{},{}", hole.url(), fx.server.url());
    let (code, stderr, took, out) = snapshot_pruned(&fx, &goproxy, "1");
    assert_eq!(code, 1, "{stderr}");
    assert!(took < Duration::from_secs(12));
    let err: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("modsnap: error:"))
        .collect();
    assert_eq!(err.len(), 1, "{stderr}");
    assert!(err[0].contains(&hole.url()), "{stderr}");
    assert!(!out.exists());
}

/// A login page served with status 200 where a go.mod was expected: still
/// a security error (exit 3), and the message says what came back.
#[test]
fn an_html_page_instead_of_a_file_is_named_as_such() {
    let fx = Fixture::new();
    fx.server.fault(
        "/example.com/b/@v/v1.1.0.mod",
        crate::support::proxy::Fault::Replace(
            b"\n<!DOCTYPE html>\n<html><body>Please log in</body></html>\n".to_vec(),
        ),
    );
    let out = fx.out("pruned.tar");
    let (code, _, stderr) = fx.snapshot(&[&project("pruned"), "-o", out.to_str().unwrap()]);
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("checksum mismatch"), "{stderr}");
    assert!(
        stderr.contains("the server returned an HTML page, not a .mod file"),
        "{stderr}"
    );
    assert!(!out.exists());
}

/// A `go` line newer than any Go release modsnap knows, and GOFLAGS that
/// change what the offline go does, are reported, not ignored.
#[test]
fn future_go_lines_and_risky_goflags_are_reported() {
    let fx = Fixture::new();
    let dir = fx.tmp.path().join("future");
    crate::support::fixture::copy_dir(std::path::Path::new(&project("pruned")), &dir);
    let gomod = std::fs::read_to_string(dir.join("go.mod")).unwrap();
    let gomod: String = gomod
        .lines()
        .map(|l| if l.starts_with("go ") { "go 1.99.0" } else { l })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(dir.join("go.mod"), gomod + "\n").unwrap();
    let out = fx.out("future.tar");
    let goproxy = fx.server.url();
    let (code, _, stderr) = fx.snapshot_with(
        &[dir.to_str().unwrap(), "-o", out.to_str().unwrap()],
        &[("GOPROXY", goproxy.as_str()), ("GOFLAGS", "-mod=mod")],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("`go 1.99.0` is newer than any Go release modsnap knows"),
        "{stderr}"
    );
    assert!(stderr.contains("has -mod=mod"), "{stderr}");
    // The same project is fine with today's go line and default GOFLAGS.
    let (code, _, stderr) = fx.snapshot(&[&project("pruned"), "-o", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("warning"), "{stderr}");
}

/// go.sum without the zip line of a module whose package the main module
/// imports: the offline `go build` would fail (`missing go.sum entry`), so
/// snapshot refuses with go's hint, `--allow-incomplete` writes the archive
/// with a warning, and `verify --project` names the gap (exit 4). The real
/// go agrees when it is there.
#[test]
fn a_missing_zip_line_for_an_imported_package_is_incomplete() {
    let fx = Fixture::new();
    let dir = fx.tmp.path().join("nozip");
    crate::support::fixture::copy_dir(std::path::Path::new(&project("pruned")), &dir);
    let gosum = std::fs::read_to_string(dir.join("go.sum")).unwrap();
    let gosum: String = gosum
        .lines()
        .filter(|l| !l.starts_with("example.com/a v1.0.0 h1:"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(dir.join("go.sum"), gosum).unwrap();
    let out = fx.out("nozip.tar");
    let args = [dir.to_str().unwrap(), "-o", out.to_str().unwrap()];
    let (code, _, stderr) = fx.snapshot(&args);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("missing go.sum entry for module providing its packages; to add it: go mod download example.com/a"),
        "{stderr}"
    );
    assert!(!out.exists(), "nothing is written");

    let mut allow = args.to_vec();
    allow.push("--allow-incomplete");
    let (code, _, stderr) = fx.snapshot(&allow);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("warning:") && stderr.contains("example.com/a"),
        "{stderr}"
    );
    let (code, stdout, stderr) = crate::support::cmd::run(&[
        "verify",
        out.to_str().unwrap(),
        "--project",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(code, 4, "{stdout}{stderr}");
    assert!(
        stdout.contains(
            "missing example.com/a@v1.0.0 .zip: the go command cannot build the project's packages"
        ),
        "{stdout}"
    );

    // The real go, offline from the restored tree, fails the same way.
    let Some(go) = crate::support::go::go_or_skip("field::a_missing_zip_line") else {
        return;
    };
    let env = offline_go(go, &out, &fx.out("tree"));
    let built = env.cmd(&dir, &["build", "./..."]).output().unwrap();
    assert!(!built.status.success());
    let go_err = String::from_utf8_lossy(&built.stderr);
    assert!(
        go_err.contains("missing go.sum entry for module providing package example.com/a"),
        "{go_err}"
    );
}

/// Restores `archive` as a GOPROXY tree in `tree` and returns a go
/// environment that reads only that tree.
fn offline_go(go: std::path::PathBuf, archive: &Path, tree: &Path) -> crate::support::go::GoEnv {
    let (code, _, stderr) = crate::support::cmd::run(&[
        "restore",
        archive.to_str().unwrap(),
        "--proxy",
        tree.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    crate::support::go::GoEnv::new(go)
        .var("GOPROXY", &format!("file://{}", tree.display()))
        .var("GONOPROXY", "none")
        .var("GOFLAGS", "-mod=readonly")
}

/// A proxy that refuses the `.info` of a pruned leaf of the build list
/// (podman v5.2.0's case): go's download, build, test, verify and vendor
/// never ask for it, only `go list -m all` does. The snapshot is written
/// with a warning and the gap recorded in the manifest; `verify --project`
/// says complete and names the one offline go command that will fail; the
/// real go, offline from the tree, builds and fails `go list -m all`.
#[test]
fn a_refused_info_no_build_needs_is_a_warning() {
    let fx = Fixture::new();
    let leaf = "example.com/pseudo@v0.0.0-20240102030405-abcdefabcdef";
    fx.server.fault(
        "/example.com/pseudo/@v/v0.0.0-20240102030405-abcdefabcdef.info",
        crate::support::proxy::Fault::Status {
            code: 403,
            body: "Forbidden".into(),
            times: None,
            headers: vec![],
        },
    );
    let out = fx.out("leaf.tar");
    let dir = project("pruned");
    let (code, _, stderr) = fx.snapshot(&[&dir, "-o", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains(&format!("warning: {leaf}: no .info"))
            && stderr.contains("403")
            && stderr.contains("offline `go list -m all` will fail on it"),
        "{stderr}"
    );
    let manifest = modsnap::archive::read::read_manifest(&out).unwrap();
    assert_eq!(manifest.unavailable.len(), 1, "{:?}", manifest.unavailable);
    assert_eq!(
        format!(
            "{}@{} {}",
            manifest.unavailable[0].path,
            manifest.unavailable[0].version,
            manifest.unavailable[0].file
        ),
        format!("{leaf} info")
    );
    let (code, stdout, stderr) =
        crate::support::cmd::run(&["verify", out.to_str().unwrap(), "--project", &dir]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stderr.contains(&format!("{leaf}: no .info (the archive has none)"))
            && stderr.contains("`go list -m all`"),
        "{stderr}"
    );
    // A refused .info that a stored zip needs still stops the snapshot.
    let fx2 = Fixture::new();
    fx2.server.fault(
        "/example.com/a/@v/v1.0.0.info",
        crate::support::proxy::Fault::Status {
            code: 403,
            body: "Forbidden".into(),
            times: None,
            headers: vec![],
        },
    );
    let (code, _, stderr) = fx2.snapshot(&[&dir, "-o", fx2.out("no.tar").to_str().unwrap()]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("example.com/a@v1.0.0 .info"), "{stderr}");

    let Some(go) =
        crate::support::go::go_or_skip("field::a_refused_info_no_build_needs_is_a_warning")
    else {
        return;
    };
    let work = fx.out("work");
    crate::support::fixture::copy_dir(Path::new(&dir), &work);
    let env = offline_go(go, &out, &fx.out("tree"));
    for args in [&["build", "./..."][..], &["mod", "verify"][..]] {
        let o = env.cmd(&work, args).output().unwrap();
        assert!(
            o.status.success(),
            "go {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let listed = env.cmd(&work, &["list", "-m", "all"]).output().unwrap();
    assert!(!listed.status.success(), "go list -m all needs the .info");
}

/// A tree restored by root is readable by any user: the real go, run as
/// `nobody`, lists versions (`@v/list`), downloads and verifies from the
/// GOPROXY tree, and reads the restored module cache. Needs root (to
/// switch users) and go; skipped loudly otherwise.
#[test]
fn restored_trees_are_readable_by_another_user() {
    let is_root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0");
    let setpriv = std::path::Path::new("/usr/bin/setpriv").exists();
    if !is_root || !setpriv {
        eprintln!(
            "\n!!!!!!!! SKIPPED field::restored_trees_are_readable_by_another_user: needs root and setpriv(1) to run go as another user !!!!!!!!\n"
        );
        return;
    }
    let Some(go) = crate::support::go::go_or_skip("field::restored_trees_are_readable") else {
        return;
    };
    use std::os::unix::fs::PermissionsExt;
    let fx = Fixture::new();
    std::fs::set_permissions(fx.tmp.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let archive = fx.out("pruned.tar");
    let (code, _, stderr) = fx.snapshot(&[&project("pruned"), "-o", archive.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    let proxy = fx.out("proxy");
    let modcache = fx.out("modcache");
    for (flag, dir) in [("--proxy", &proxy), ("--modcache", &modcache)] {
        let out = crate::support::cmd::modsnap(&["restore", archive.to_str().unwrap(), flag])
            .arg(dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let home = fx.out("nobody");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o777)).unwrap();
    let as_nobody = |vars: &[(&str, String)], args: &[&str]| {
        let mut c = std::process::Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(&go)
            .args(args)
            .current_dir(project("pruned"))
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("HOME", &home)
            .env("GOPATH", home.join("gopath"))
            .env("GOCACHE", home.join("gocache"))
            .env("GOTOOLCHAIN", "local")
            .env("GOENV", "off")
            .env("GOFLAGS", "-modcacherw");
        for (k, v) in vars {
            c.env(k, v);
        }
        c.output().unwrap()
    };
    let from_tree = [
        ("GOPROXY", format!("file://{}", proxy.display())),
        ("GONOPROXY", "none".to_string()),
    ];
    for args in [
        &["list", "-m", "-versions", "example.com/a"][..],
        &["mod", "download", "example.com/a"][..],
        &["list", "-m", "all"][..],
    ] {
        let out = as_nobody(&from_tree, args);
        assert!(
            out.status.success(),
            "go {} as nobody from the restored tree: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let from_cache = [
        ("GOMODCACHE", modcache.display().to_string()),
        ("GOPROXY", "off".to_string()),
        ("GOFLAGS", "-mod=readonly".to_string()),
    ];
    for args in [&["list", "-m", "all"][..], &["mod", "verify"][..]] {
        let out = as_nobody(&from_cache, args);
        assert!(
            out.status.success(),
            "go {} as nobody from the restored module cache: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Runs `modsnap doctor --json` outside any project with `vars`.
fn doctor(vars: &[(&str, &str)]) -> (i32, serde_json::Value, String) {
    let ctx = crate::support::cmd::TestContext::new();
    let mut c = ctx.modsnap(&["doctor", "--json", "--timeout", "2"]);
    c.current_dir(ctx.root());
    for (k, v) in vars {
        c.env(k, v);
    }
    let out = c.output().unwrap();
    let (code, stdout, stderr) = crate::support::cmd::split(out);
    let v = serde_json::from_str(&stdout).unwrap_or(serde_json::Value::Null);
    (code, v, stderr)
}

fn diagnosis(v: &serde_json::Value) -> String {
    v["diagnosis"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|d| d.as_str())
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
}

/// doctor names the failing layer for each kind of broken proxy, and is
/// content with a healthy one.
#[test]
fn doctor_diagnoses_each_layer() {
    let fx = Fixture::new();
    let healthy = fx.server.url();

    let (code, v, stderr) = doctor(&[("GOPROXY", healthy.as_str())]);
    assert_eq!(code, 0, "{v} {stderr}");
    assert_eq!(v["schema"], 1);
    assert!(diagnosis(&v).is_empty(), "{v}");
    let steps: Vec<&str> = v["probes"][0]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["layer"].as_str().unwrap())
        .collect();
    assert_eq!(steps, ["dns", "tcp", "http", "sumdb"], "{v}");
    let gp = v["settings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "GOPROXY")
        .unwrap()
        .clone();
    assert_eq!(gp["source"], "environment");

    // Nothing listens.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let (code, v, _) = doctor(&[("GOPROXY", dead.as_str())]);
    assert_eq!(code, 1);
    assert!(
        diagnosis(&v).contains("connect: nothing accepts connections"),
        "{v}"
    );

    // The name does not resolve.
    let (code, v, _) = doctor(&[("GOPROXY", "http://proxy.modsnap-test.invalid")]);
    assert_eq!(code, 1);
    assert!(
        diagnosis(&v).contains("DNS: `proxy.modsnap-test.invalid:80` does not resolve"),
        "{v}"
    );

    // 502 from the proxy.
    fx.server.fault(
        "/golang.org/x/mod/@v/list",
        crate::support::proxy::Fault::Status {
            code: 502,
            body: "bad gateway".into(),
            times: None,
            headers: vec![],
        },
    );
    let (code, v, _) = doctor(&[("GOPROXY", healthy.as_str())]);
    assert_eq!(code, 1);
    assert!(diagnosis(&v).contains("HTTP 502"), "{v}");

    // A login page with status 200.
    fx.server.fault(
        "/golang.org/x/mod/@v/list",
        crate::support::proxy::Fault::Replace(b"<html><body>Sign in</body></html>".to_vec()),
    );
    let (code, v, _) = doctor(&[("GOPROXY", healthy.as_str())]);
    assert_eq!(code, 1);
    assert!(diagnosis(&v).contains("HTML"), "{v}");

    // An HTTP proxy that wants credentials.
    let proxy = TcpListener::bind("127.0.0.1:0").unwrap();
    let proxy_url = format!("http://{}", proxy.local_addr().unwrap());
    std::thread::spawn(move || {
        use std::io::{Read, Write};
        for mut conn in proxy.incoming().flatten() {
            let mut buf = [0u8; 4096];
            let _ = conn.read(&mut buf);
            let _ = conn.write_all(
                b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"corp\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
        }
    });
    let (code, v, _) = doctor(&[
        ("GOPROXY", "http://goproxy.corp.example"),
        ("HTTP_PROXY", proxy_url.as_str()),
    ]);
    assert_eq!(code, 1);
    assert!(
        v["probes"][0]["via"]
            .as_str()
            .is_some_and(|via| via.starts_with(&proxy_url)),
        "{v}"
    );
    assert!(diagnosis(&v).contains("HTTP 407"), "{v}");
}

/// A server that answers 200 and then sends nothing more (`drip: None`),
/// or one byte every 200 ms (`drip: Some`).
fn slow_server(drip: bool) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            std::thread::spawn(move || {
                use std::io::{Read, Write};
                let mut conn = conn;
                let mut buf = [0u8; 4096];
                let _ = conn.read(&mut buf);
                let _ = conn.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\nmodule");
                loop {
                    std::thread::sleep(Duration::from_millis(200));
                    if drip && conn.write_all(b" ").is_err() {
                        return;
                    }
                }
            });
        }
    });
    url
}

/// A server that stalls mid-body trips the stall timeout; one that drips
/// bytes (never idle long enough for that) trips the per-file deadline
/// (20 × --timeout). Neither hangs the run.
#[test]
fn stalling_and_dripping_servers_time_out() {
    let fx = Fixture::new();
    for (drip, want, bound) in [(false, "timed out", 8), (true, "took longer than 20 s", 30)] {
        let url = slow_server(drip);
        let (code, stderr, took, _) = snapshot_pruned(&fx, &url, "1");
        assert_eq!(code, 1, "{stderr}");
        assert!(stderr.contains(want), "drip={drip}: {stderr}");
        assert!(stderr.contains(&url), "{stderr}");
        assert!(
            took < Duration::from_secs(bound),
            "drip={drip}: took {took:?}"
        );
    }
}

/// An https proxy whose certificate comes from a CA this machine does not
/// trust: doctor says the TLS layer failed and to set SSL_CERT_FILE; with
/// SSL_CERT_FILE pointing at the CA, every layer works.
#[test]
fn doctor_diagnoses_an_untrusted_certificate() {
    let tmp = tempfile::tempdir().unwrap();
    let server = crate::support::tls::TlsServer::start(tmp.path());
    let (code, v, _) = doctor(&[("GOPROXY", server.url.as_str())]);
    assert_eq!(code, 1, "{v}");
    let d = diagnosis(&v);
    assert!(d.contains("TLS") && d.contains("SSL_CERT_FILE"), "{v}");
    let ca = server.ca_file.to_str().unwrap();
    let tls = &v["probes"][0]["steps"][2];
    assert_eq!(tls["layer"], "tls", "{v}");
    assert!(
        tls["detail"]
            .as_str()
            .unwrap()
            .contains("issuer CN=modsnap test CA"),
        "{v}"
    );
    let (code, v, _) = doctor(&[("GOPROXY", server.url.as_str()), ("SSL_CERT_FILE", ca)]);
    assert_eq!(code, 0, "{v}");
    assert!(diagnosis(&v).is_empty(), "{v}");
    let tls = v["probes"][0]["steps"][2]["detail"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        tls.contains("trusted through the custom CA") && tls.contains("expires"),
        "{v}"
    );
}
