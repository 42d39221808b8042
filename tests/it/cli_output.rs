//! What the CLI prints, pinned with insta snapshots (`tests/it/snapshots/`;
//! review changes with `cargo insta review`). Temporary paths, ports,
//! timings and retry delays are filtered out; everything else — wording,
//! order, counts, sizes — is part of the interface.

use std::path::Path;

use crate::support::cmd::TestContext;
use crate::support::fixture::{Fixture, project};
use crate::support::proxy::Fault;

/// Runs `f` with the filters every CLI snapshot needs.
fn filtered(f: impl FnOnce()) {
    let mut settings = insta::Settings::clone_current();
    // First: the checkout itself may live under /tmp (CI clones there).
    settings.add_filter(&regex_escape(&project("")), "[PROJECTS]/");
    settings.add_filter(r"127\.0\.0\.1:\d+", "127.0.0.1:[PORT]");
    settings.add_filter(r"/tmp/[^\s`'\x22,):]+", "[TMP]");
    settings.add_filter(r"\(\d+ ms\)", "([N] ms)");
    settings.add_filter(r"in \d+(\.\d+)?(ns|µs|ms|s)\b", "in [DELAY]");
    settings.add_filter(r"in \d+\.\d+ s\b", "in [SECS] s");
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(f);
}

fn regex_escape(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            if "\\.+*?()|[]{}^$".contains(c) {
                vec!['\\', c]
            } else {
                vec![c]
            }
        })
        .collect()
}

/// Lines of `text` that start with `prefix`, sorted (concurrent requests
/// finish in any order).
fn sorted_lines(text: &str, prefix: &str) -> String {
    let mut lines: Vec<&str> = text.lines().filter(|l| l.starts_with(prefix)).collect();
    lines.sort();
    lines.join("\n")
}

/// One 503 for one go.mod, then normal service.
fn busy_once(fx: &Fixture) {
    fx.server.fault(
        "/example.com/b/@v/v1.1.0.mod",
        Fault::Status {
            code: 503,
            body: "busy".into(),
            times: Some(1),
            headers: vec![],
        },
    );
}

#[test]
fn verbose_shows_each_request_and_its_outcome() {
    let fx = Fixture::new();
    busy_once(&fx);
    let out = fx.out("pruned.tar");
    let (code, _, stderr) = fx.snapshot(&["-v", &project("pruned"), "-o", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    filtered(|| {
        insta::assert_snapshot!("verbose_requests", sorted_lines(&stderr, "modsnap: GET"));
        insta::assert_snapshot!("verbose_retry", sorted_lines(&stderr, "modsnap: warning:"));
    });

    // Without -v: the retry warning only.
    let out2 = fx.out("again.tar");
    std::fs::remove_dir_all(fx.tmp.path().join("cache")).unwrap();
    busy_once(&fx);
    let (code, _, stderr) = fx.snapshot(&[&project("pruned"), "-o", out2.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("modsnap: GET"), "{stderr}");
    assert_eq!(
        sorted_lines(&stderr, "modsnap: warning:").lines().count(),
        1,
        "{stderr}"
    );
}

#[test]
fn dry_run_prints_the_plan() {
    let fx = Fixture::new();
    let (code, stdout, stderr) = fx.snapshot(&[&project("pruned"), "--dry-run"]);
    assert_eq!(code, 0, "{stderr}");
    filtered(|| insta::assert_snapshot!("dry_run_pruned", stdout));
}

/// A restored tree with one zip deleted and one go.mod rewritten, checked
/// against the project: both findings, in text and in JSON.
#[test]
fn verify_names_missing_and_corrupt_files_in_text_and_json() {
    let fx = Fixture::new();
    let archive = fx.out("pruned.tar");
    let (code, _, stderr) = fx.snapshot(&[&project("pruned"), "-o", archive.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    let ctx = TestContext::new();
    let tree = fx.out("tree");
    let (code, _, stderr) = ctx.run(&[
        "restore",
        archive.to_str().unwrap(),
        "--proxy",
        tree.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    std::fs::remove_file(tree.join("example.com/b/@v/v1.1.0.zip")).unwrap();
    std::fs::write(
        tree.join("example.com/c/@v/v1.0.0.mod"),
        "module example.com/c\n\nrequire example.com/evil v1.0.0\n",
    )
    .unwrap();
    let args = [
        "verify",
        "--proxy",
        tree.to_str().unwrap(),
        "--project",
        &project("pruned"),
    ];
    let (code, stdout, stderr) = ctx.run(&args);
    assert_eq!(code, 3, "{stderr}");
    let mut json_args = args.to_vec();
    json_args.push("--json");
    let (jcode, json, _) = ctx.run(&json_args);
    assert_eq!(jcode, 3);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    filtered(|| {
        insta::assert_snapshot!("verify_findings_text", format!("{stdout}---\n{stderr}"));
        insta::assert_json_snapshot!("verify_findings_json", v, {".projects" => "[PROJECTS]"});
    });
}

#[test]
fn ls_lists_paths_versions_files_and_sizes() {
    let fx = Fixture::new();
    let archive = fx.out("pruned.tar");
    let (code, _, stderr) = fx.snapshot(&[&project("pruned"), "-o", archive.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    let (code, stdout, stderr) = TestContext::new().run(&["ls", archive.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    filtered(|| insta::assert_snapshot!("ls_pruned", stdout));
}

/// Bad input gets one line naming the file and line, and exit 1.
#[test]
fn malformed_inputs_get_one_line_naming_file_and_line() {
    let ctx = TestContext::new();
    let dir = ctx.root().join("bad");
    std::fs::create_dir_all(&dir).unwrap();
    let mut outputs = String::new();
    for (name, gomod, gosum) in [
        (
            "unknown directive",
            "module example.com/bad\n\ngo 1.22\n\nfrobnicate x\n",
            "",
        ),
        (
            "bad require version",
            "module example.com/bad\n\ngo 1.22\n\nrequire example.com/a master\n",
            "",
        ),
        (
            "go.sum line with two fields",
            "module example.com/bad\n\ngo 1.22\n",
            "example.com/a v1.0.0\n",
        ),
    ] {
        std::fs::write(dir.join("go.mod"), gomod).unwrap();
        std::fs::write(dir.join("go.sum"), gosum).unwrap();
        let out = Path::new(ctx.root()).join("x.tar");
        let (code, stdout, stderr) = ctx.run(&[
            "snapshot",
            dir.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ]);
        assert_eq!(code, 1, "{name}: {stderr}");
        assert!(stdout.is_empty(), "{name}: {stdout}");
        assert_eq!(stderr.lines().count(), 1, "{name}: {stderr}");
        assert!(!out.exists(), "{name}: an archive was written");
        outputs.push_str(&format!("{name}: {stderr}"));
    }
    filtered(|| insta::assert_snapshot!("malformed_inputs", outputs));
}

/// With `--json`, a failure still prints a document on stdout: the error's
/// kind (its exit class), message, module and URL.
#[test]
fn json_failures_print_an_error_document() {
    let fx = Fixture::new();
    fx.server.fault(
        "/example.com/b/@v/v1.1.0.zip",
        Fault::Replace(b"PK\x05\x06not really a zip".to_vec()),
    );
    let out = fx.out("pruned.tar");
    let (code, stdout, stderr) =
        fx.snapshot(&["--json", &project("pruned"), "-o", out.to_str().unwrap()]);
    assert_eq!(code, 3, "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["schema"], 1);
    assert_eq!(v["error"]["kind"], "security");
    assert_eq!(v["error"]["module"], "example.com/b@v1.1.0");

    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", dead.local_addr().unwrap());
    drop(dead);
    let (code, stdout, _) = fx.snapshot_with(
        &["--json", &project("pruned"), "-o", out.to_str().unwrap()],
        &[("GOPROXY", url.as_str())],
    );
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    // Which request fails first varies; its shape does not.
    assert_eq!(v["schema"], 1);
    assert_eq!(v["error"]["kind"], "failure");
    let failed = v["error"]["url"].as_str().unwrap();
    assert!(failed.starts_with(&format!("{url}/example.com/")), "{v}");
    assert!(v["error"]["module"].as_str().unwrap().contains('@'), "{v}");
    let message = v["error"]["message"].as_str().unwrap();
    assert!(
        message.contains(failed) && message.contains("cannot connect"),
        "{v}"
    );
}

/// `--version` names the commit when built from a checkout; completions
/// and the man page are generated from the same command definitions; `-q`
/// silences summaries on every command.
#[test]
fn version_completions_man_page_and_quiet() {
    let ctx = TestContext::new();
    let (code, stdout, _) = ctx.run(&["--version"]);
    assert_eq!(code, 0);
    assert!(
        stdout.starts_with(&format!("modsnap {}", env!("CARGO_PKG_VERSION"))),
        "{stdout}"
    );
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let (code, stdout, stderr) = ctx.run(&["completions", shell]);
        assert_eq!(code, 0, "{stderr}");
        assert!(
            stdout.contains("snapshot") && stdout.contains("doctor"),
            "{shell}"
        );
    }
    let (code, stdout, _) = ctx.run(&["man"]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains(".TH modsnap 1") && stdout.contains("Exit codes"),
        "{stdout}"
    );
    let (_, help, _) = ctx.run(&["snapshot", "--help"]);
    assert!(help.contains("Examples:"), "{help}");

    let fx = Fixture::new();
    let archive = fx.out("pruned.tar");
    let (code, _, stderr) =
        fx.snapshot(&["-q", &project("pruned"), "-o", archive.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(stderr.is_empty(), "{stderr}");
    let tree = fx.out("tree");
    for args in [
        vec!["-q", "verify", archive.to_str().unwrap()],
        vec![
            "-q",
            "restore",
            archive.to_str().unwrap(),
            "--proxy",
            tree.to_str().unwrap(),
        ],
    ] {
        // With the test database's key, verify re-checks the bundle quietly
        // (without it, it would warn that it could not).
        let mut c = ctx.modsnap(&args);
        c.env("GOSUMDB", Fixture::gosumdb());
        let (code, _, stderr) = crate::support::cmd::split(c.output().expect("run modsnap"));
        assert_eq!(code, 0, "{args:?}: {stderr}");
        assert!(stderr.is_empty(), "{args:?}: {stderr}");
    }
}
