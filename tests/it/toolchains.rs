//! Go toolchains offline: snapshot captures the toolchain a project's
//! `toolchain` line switches to (a fixture toolchain module whose `bin/go`
//! only says its version, as in the go command's own script tests, signed
//! into the fixture checksum database), and the real go, older than that
//! line, switches to it from the restored tree with GOTOOLCHAIN=auto and
//! the network closed; a tampered toolchain zip fails as go fails, a
//! missing one with go's `toolchain not available`, and `verify --project`
//! names it first.

use std::path::Path;

use crate::support::cmd::run;
use crate::support::fixture::{Fixture, copy_dir, project, tar_names};
use crate::support::go::{GoEnv, go_or_skip};
use crate::support::proxy::{Fault, ModuleSource};

const TC: &str = "golang.org/toolchain@v0.0.1-go1.99.1.linux-amd64";
const ZIP: &str = "golang.org/toolchain/@v/v0.0.1-go1.99.1.linux-amd64.zip";

fn verify_with_key(args: &[&str]) -> (i32, String, String) {
    let ctx = crate::support::cmd::TestContext::new();
    let mut c = ctx.modsnap(args);
    c.env("GOSUMDB", Fixture::gosumdb());
    crate::support::cmd::split(c.output().expect("run modsnap"))
}

#[test]
fn the_offline_go_switches_to_a_captured_toolchain() {
    let fx = Fixture::new();
    let out = fx.out("tc.tar");
    let (code, _, stderr) = fx.snapshot(&[
        &project("toolchain"),
        "-o",
        out.to_str().unwrap(),
        "--platform",
        "linux/amd64",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("toolchain: golang.org/toolchain v0.0.1-go1.99.1.linux-amd64"),
        "{stderr}"
    );
    let names = tar_names(&out);
    for n in [
        ZIP,
        "golang.org/toolchain/@v/v0.0.1-go1.99.1.linux-amd64.mod",
        "golang.org/toolchain/@v/v0.0.1-go1.99.1.linux-amd64.info",
        "sumdb/modsnap.test/sumdb/lookup/golang.org/toolchain@v0.0.1-go1.99.1.linux-amd64",
    ] {
        assert!(names.contains(n), "{n}: {names:?}");
    }
    let (code, stdout, _) = run(&["ls", out.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains("golang.org/toolchain") && stdout.contains("v0.0.1-go1.99.1.linux-amd64"),
        "{stdout}"
    );
    // Without the database a toolchain cannot be verified: not captured.
    let plain = fx.out("plain.tar");
    let (code, _, stderr) = fx.snapshot(&[
        &project("toolchain"),
        "-o",
        plain.to_str().unwrap(),
        "--no-sumdb",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("go1.99.1 not captured"), "{stderr}");
    assert!(!tar_names(&plain).contains(ZIP));
    // A toolchain nobody publishes.
    let (code, _, stderr) = fx.snapshot(&[
        &project("toolchain"),
        "-o",
        fx.out("none.tar").to_str().unwrap(),
        "--toolchain",
        "go1.26",
        "--platform",
        "linux/amd64",
    ]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("toolchain go1.26"), "{stderr}");

    let tree = fx.tmp.path().join("tree");
    let (code, stdout, stderr) = run(&[
        "restore",
        out.to_str().unwrap(),
        "--proxy",
        tree.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        format!("{stdout}{stderr}").contains("GOTOOLCHAIN=auto"),
        "{stdout}{stderr}"
    );
    let proj = fx.tmp.path().join("proj");
    copy_dir(Path::new(&project("toolchain")), &proj);
    let (code, stdout, stderr) = verify_with_key(&[
        "verify",
        "--proxy",
        tree.to_str().unwrap(),
        "--project",
        proj.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stdout}{stderr}");

    // A tree without the toolchain: verify names it.
    let missing = fx.tmp.path().join("missing");
    copy_dir(&tree, &missing);
    std::fs::remove_file(missing.join(ZIP)).unwrap();
    let (code, stdout, stderr) = verify_with_key(&[
        "verify",
        "--proxy",
        missing.to_str().unwrap(),
        "--project",
        proj.to_str().unwrap(),
    ]);
    assert_ne!(code, 0, "{stdout}{stderr}");
    assert!(
        stdout.contains(TC) && stdout.contains("missing"),
        "{stdout}"
    );

    let Some(go) = go_or_skip("the_offline_go_switches_to_a_captured_toolchain") else {
        return;
    };
    if modsnap::toolchain::Platform::host().to_string() != "linux/amd64" {
        eprintln!("SKIP: the fixture toolchain is for linux/amd64 only");
        return;
    }
    let go_version = |tree: &Path| {
        let o = GoEnv::new(go.clone())
            .var("GOTOOLCHAIN", "auto")
            .var("GOPROXY", &format!("file://{}", tree.display()))
            .var("GONOPROXY", "none")
            .var("GOSUMDB", &Fixture::gosumdb())
            .var("HTTPS_PROXY", "http://127.0.0.1:9")
            .var("HTTP_PROXY", "http://127.0.0.1:9")
            .cmd(&proj, &["version"])
            .output()
            .unwrap();
        (
            o.status.success(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let (ok, stdout, stderr) = go_version(&tree);
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("go1.99.1 linux/amd64 (modsnap fixture toolchain)"),
        "{stdout}{stderr}"
    );
    let (ok, _, stderr) = go_version(&missing);
    assert!(!ok);
    assert!(stderr.contains("toolchain not available"), "{stderr}");
    // A toolchain zip with other contents (the .info and .mod unchanged).
    let bad = fx.tmp.path().join("bad");
    copy_dir(&tree, &bad);
    let mut evil = ModuleSource::load_in("toolchains", "go1.99.1-linux-amd64");
    evil.files
        .push(("bin/evil".into(), b"#!/bin/sh\necho evil\n".to_vec()));
    std::fs::write(bad.join(ZIP), evil.zip()).unwrap();
    let (ok, _, stderr) = go_version(&bad);
    assert!(!ok, "a tampered toolchain must be refused");
    assert!(
        stderr.contains("checksum mismatch") && stderr.contains("SECURITY ERROR"),
        "{stderr}"
    );
    let (code, stdout, stderr) = verify_with_key(&[
        "verify",
        "--proxy",
        bad.to_str().unwrap(),
        "--project",
        proj.to_str().unwrap(),
    ]);
    assert_eq!(code, 3, "{stdout}{stderr}");
    assert!(stdout.contains(TC), "{stdout}");
}

/// A toolchain is never in go.sum: its zip and go.mod are held to the
/// hashes the checksum database proved. A proxy serving other bytes for
/// either is a security error (exit 3) and nothing is written.
#[test]
fn a_toolchain_the_proxy_changed_is_refused() {
    let evil_zip = {
        let mut m = ModuleSource::load_in("toolchains", "go1.99.1-linux-amd64");
        m.files
            .push(("bin/evil".into(), b"#!/bin/sh\necho evil\n".to_vec()));
        m.zip()
    };
    for (ext, body) in [
        ("zip", evil_zip),
        ("mod", b"module golang.org/evil\n".to_vec()),
    ] {
        let fx = Fixture::new();
        fx.server.fault(
            &format!("/golang.org/toolchain/@v/v0.0.1-go1.99.1.linux-amd64.{ext}"),
            Fault::Replace(body),
        );
        let out = fx.out("tc.tar");
        let (code, _, stderr) = fx.snapshot(&[
            &project("toolchain"),
            "-o",
            out.to_str().unwrap(),
            "--platform",
            "linux/amd64",
        ]);
        assert_eq!(code, 3, "{ext}: {stderr}");
        assert!(
            stderr.contains("SECURITY ERROR") && stderr.contains(TC),
            "{ext}: {stderr}"
        );
        assert!(!out.exists(), "{ext}");
    }
}

/// verify --project asks exactly for what the archive's snapshot meant to
/// capture: nothing after `--no-toolchains`, nothing when `--min-go` says
/// the CI's go is new enough; a custom build is not fetched (the go command
/// runs it from PATH), with a warning.
#[test]
fn verify_follows_how_the_snapshot_chose_toolchains() {
    let fx = Fixture::new();
    let proj = fx.tmp.path().join("proj");
    copy_dir(Path::new(&project("toolchain")), &proj);
    for (label, extra) in [
        ("none", vec!["--no-toolchains"]),
        ("newer-ci", vec!["--min-go", "1.99.2"]),
    ] {
        let out = fx.out(&format!("{label}.tar"));
        let mut args = vec![proj.to_str().unwrap(), "-o", out.to_str().unwrap()];
        args.extend(extra);
        let (code, _, stderr) = fx.snapshot(&args);
        assert_eq!(code, 0, "{label}: {stderr}");
        assert!(!tar_names(&out).contains(ZIP), "{label}");
        let (code, stdout, stderr) = verify_with_key(&[
            "verify",
            out.to_str().unwrap(),
            "--project",
            proj.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{label}: {stdout}{stderr}");
    }
    // --min-go also counts go lines: `go 1.99` with a CI at 1.22.3
    // switches to go1.99.0, which nobody publishes (exit 1, with a hint).
    let goline = fx.tmp.path().join("goline");
    copy_dir(Path::new(&project("toolchain")), &goline);
    std::fs::write(goline.join("go.mod"), "module example.com/tc\n\ngo 1.99\n").unwrap();
    let (code, _, stderr) = fx.snapshot(&[
        goline.to_str().unwrap(),
        "-o",
        fx.out("goline.tar").to_str().unwrap(),
        "--min-go",
        "1.22.3",
        "--platform",
        "linux/amd64",
    ]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("golang.org/toolchain@v0.0.1-go1.99.0.linux-amd64 cannot be captured")
            && stderr.contains("--no-toolchains"),
        "{stderr}"
    );
    // `toolchain default` keeps the minimum, whatever the go line says.
    std::fs::write(
        goline.join("go.mod"),
        "module example.com/tc\n\ngo 1.99\n\ntoolchain default\n",
    )
    .unwrap();
    let (code, _, stderr) = fx.snapshot(&[
        goline.to_str().unwrap(),
        "-o",
        fx.out("default.tar").to_str().unwrap(),
        "--min-go",
        "1.22.3",
    ]);
    assert_eq!(code, 0, "{stderr}");
    // A custom build.
    std::fs::write(
        goline.join("go.mod"),
        "module example.com/tc\n\ngo 1.22\n\ntoolchain go1.99.1-corp\n",
    )
    .unwrap();
    let (code, _, stderr) = fx.snapshot(&[
        goline.to_str().unwrap(),
        "-o",
        fx.out("custom.tar").to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("go1.99.1-corp is a custom build"),
        "{stderr}"
    );
}
