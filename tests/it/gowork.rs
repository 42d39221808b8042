//! `GOWORK` and go.work files in parent directories, as the go command
//! reads them (cmd/go `FindGoWork`): a module inside a workspace is in
//! workspace mode (so `snapshot` and `verify` take the whole workspace and
//! `vendor` refuses as `go mod vendor` does), `GOWORK=off` selects module
//! mode, `GOWORK=/abs/file.work` selects that file, and a relative value is
//! a usage error.

use std::path::Path;

use crate::support::cmd::TestContext;
use crate::support::fixture::{Fixture, copy_dir, project};
use crate::support::go::{GoEnv, go_or_skip};

/// Runs modsnap in `dir` with `GOWORK` set (or unset).
fn modsnap(dir: &Path, gowork: Option<&str>, args: &[&str]) -> (i32, String, String) {
    let ctx = TestContext::new();
    let mut c = ctx.modsnap(args);
    c.current_dir(dir);
    if let Some(v) = gowork {
        c.env("GOWORK", v);
    }
    crate::support::cmd::split(c.output().expect("run modsnap"))
}

fn tree_of(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for e in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let e = e.expect("walk");
        if e.file_type().is_file() {
            let rel = e.path().strip_prefix(dir).expect("prefix");
            out.push((
                rel.display().to_string(),
                std::fs::read(e.path()).expect("read"),
            ));
        }
    }
    out
}

#[test]
fn gowork_selects_the_mode_as_go_does() {
    let fx = Fixture::new();
    let ws = fx.tmp.path().join("ws");
    copy_dir(Path::new(&project("workspace")), &ws);
    // A module under the go.work that it does not use.
    std::fs::create_dir_all(ws.join("stray")).unwrap();
    std::fs::write(
        ws.join("stray/go.mod"),
        "module example.com/stray\n\ngo 1.22\n",
    )
    .unwrap();
    let app = ws.join("app");
    let archive = fx.out("ws.tar");

    // snapshot in a module of the workspace takes the whole workspace.
    let (code, _, stderr) = fx.snapshot_in(
        Some(&app),
        &[".", "-o", archive.to_str().unwrap()],
        &[("GOPROXY", fx.server.url().as_str())],
    );
    assert_eq!(code, 0, "{stderr}");
    let manifest = modsnap::archive::read::read_manifest(&archive).unwrap();
    assert_eq!(
        manifest.inputs[0].modules,
        ["example.com/ws/app", "example.com/ws/lib"]
    );
    assert!(manifest.inputs[0].files.contains_key("go.work"));
    // GOWORK=off: the module alone.
    let single = fx.out("app.tar");
    let (code, _, stderr) = fx.snapshot_in(
        Some(&app),
        &[".", "-o", single.to_str().unwrap()],
        &[("GOPROXY", fx.server.url().as_str()), ("GOWORK", "off")],
    );
    assert_eq!(code, 0, "{stderr}");
    let manifest = modsnap::archive::read::read_manifest(&single).unwrap();
    assert_eq!(manifest.inputs[0].modules, ["example.com/ws/app"]);

    // vendor in a module of a workspace: refused as `go mod vendor` is.
    let (code, _, stderr) = modsnap(&app, None, &["vendor", archive.to_str().unwrap()]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("'go mod vendor' cannot be run in workspace mode")
            && stderr.contains("GOWORK=off"),
        "{stderr}"
    );
    assert!(!app.join("vendor").exists());
    // A relative GOWORK is a usage error, in go's words.
    let (code, _, stderr) = modsnap(
        &app,
        Some("go.work"),
        &["vendor", archive.to_str().unwrap()],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("invalid GOWORK: not an absolute path"),
        "{stderr}"
    );
    // A module the go.work does not use.
    let (code, _, stderr) = modsnap(
        &ws.join("stray"),
        None,
        &["verify", archive.to_str().unwrap(), "--project", "."],
    );
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("is contained in a module that is not one of the workspace modules"),
        "{stderr}"
    );
    // Also from a directory inside that module.
    std::fs::create_dir_all(ws.join("stray/sub")).unwrap();
    let (code, _, stderr) = modsnap(
        &ws.join("stray/sub"),
        None,
        &["verify", archive.to_str().unwrap(), "--project", "."],
    );
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("stray"), "{stderr}");
    // verify --project from inside the workspace checks the workspace.
    let (code, stdout, stderr) = modsnap(
        &app,
        None,
        &["verify", archive.to_str().unwrap(), "--project", "."],
    );
    assert_eq!(code, 0, "{stdout}{stderr}");

    // GOWORK=off vendors the module alone; GOWORK=<file> from elsewhere
    // vendors the workspace; both as the go command writes them.
    let ours_mod = fx.tmp.path().join("ours-mod");
    copy_dir(&ws, &ours_mod);
    let (code, _, stderr) = modsnap(
        &ours_mod.join("app"),
        Some("off"),
        &["vendor", single.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{stderr}");
    let ours_ws = fx.tmp.path().join("ours-ws");
    copy_dir(&ws, &ours_ws);
    let ours_work = ours_ws.join("go.work");
    let (code, _, stderr) = modsnap(
        &ours_ws,
        Some(ours_work.to_str().unwrap()),
        &["vendor", archive.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{stderr}");

    let Some(go) = go_or_skip("gowork::gowork_selects_the_mode_as_go_does") else {
        return;
    };
    let env = GoEnv::new(go).var("GOPROXY", &fx.server.url());
    let theirs_mod = fx.tmp.path().join("theirs-mod");
    copy_dir(&ws, &theirs_mod);
    let mut c = env.cmd(&theirs_mod.join("app"), &["mod", "vendor"]);
    c.env_remove("GOWORK");
    let o = c.output().unwrap();
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("cannot be run in workspace mode"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    env.run(&theirs_mod.join("app"), &["mod", "vendor"]); // GOWORK=off
    assert_eq!(
        tree_of(&theirs_mod.join("app/vendor")),
        tree_of(&ours_mod.join("app/vendor"))
    );
    let theirs_ws = fx.tmp.path().join("theirs-ws");
    copy_dir(&ws, &theirs_ws);
    let mut c = env.cmd(&theirs_ws, &["work", "vendor"]);
    c.env("GOWORK", theirs_ws.join("go.work"));
    let o = c.output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        tree_of(&theirs_ws.join("vendor")),
        tree_of(&ours_ws.join("vendor"))
    );
}

/// Writes `files` (path, contents) under `root`.
fn write_tree(root: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
}

/// Runs `modsnap vendor` of `dir` from an empty archive-less tree: these
/// projects need nothing but their own directories.
fn vendor_here(dir: &Path) -> Result<(), String> {
    let empty = tempfile::tempdir().unwrap();
    modsnap::vendoring::vendor(
        &modsnap::vendoring::VendorOptions {
            project_dir: dir.to_owned(),
            out_dir: None,
            cgo_enabled: false,
            gowork: Default::default(),
            allow_errors: false,
        },
        &modsnap::vendoring::ProxyDir::new(empty.path()),
    )
    .map(|_| ())
    .map_err(|e| e.to_string())
}

/// The go command's workspace checks, each with the real go beside it:
/// directory replacements compared as directories (one directory written
/// two ways is fine, two directories for one module are not), one module
/// path used twice, and go.work replacing a workspace module at all
/// versions.
#[test]
fn workspace_rules_match_go() {
    let x = [
        ("shared/go.mod", "module example.com/x\n\ngo 1.22\n"),
        ("shared/x.go", "package x\n\nfunc X() {}\n"),
    ];
    let a = |replace: &str| {
        format!(
            "module example.com/a\n\ngo 1.22\n\nrequire example.com/x v1.0.0\n\nreplace example.com/x => {replace}\n"
        )
    };
    let b = |replace: &str| {
        format!(
            "module example.com/b\n\ngo 1.22\n\nrequire example.com/x v1.0.0\n\nreplace example.com/x => {replace}\n"
        )
    };
    let uses = "go 1.22\n\nuse (\n\t./a\n\t./sub/b\n)\n";
    let code = "package a\n\nimport \"example.com/x\"\n\nfunc A() { x.X() }\n";
    type Case = (&'static str, Vec<(String, String)>, Option<&'static str>);
    let cases: Vec<Case> = vec![
        (
            "one directory written two ways",
            vec![
                ("go.work".into(), uses.into()),
                ("a/go.mod".into(), a("../shared")),
                ("a/a.go".into(), code.into()),
                ("sub/b/go.mod".into(), b("../../shared")),
            ],
            None,
        ),
        (
            "two directories for one module",
            vec![
                ("go.work".into(), uses.into()),
                ("a/go.mod".into(), a("./vx")),
                ("a/a.go".into(), code.into()),
                (
                    "a/vx/go.mod".into(),
                    "module example.com/x\n\ngo 1.22\n".into(),
                ),
                ("a/vx/x.go".into(), "package x\n\nfunc X() {}\n".into()),
                ("sub/b/go.mod".into(), b("./vx")),
                (
                    "sub/b/vx/go.mod".into(),
                    "module example.com/x\n\ngo 1.22\n".into(),
                ),
            ],
            Some("conflicting replacements for example.com/x"),
        ),
        (
            "one module path twice",
            vec![
                ("go.work".into(), uses.into()),
                (
                    "a/go.mod".into(),
                    a("../shared").replace("example.com/a", "example.com/b"),
                ),
                ("sub/b/go.mod".into(), b("../../shared")),
            ],
            Some("module example.com/b appears multiple times in workspace"),
        ),
        (
            "go.work replaces a workspace module",
            vec![
                (
                    "go.work".into(),
                    format!("{uses}\nreplace example.com/b => ./a\n"),
                ),
                ("a/go.mod".into(), a("../shared")),
                ("sub/b/go.mod".into(), b("../../shared")),
            ],
            Some("workspace module example.com/b is replaced at all versions in the go.work file"),
        ),
    ];
    let go = go_or_skip("gowork::workspace_rules_match_go");
    for (name, files, want_err) in cases {
        let tmp = tempfile::tempdir().unwrap();
        let ours = tmp.path().join("ours");
        let files: Vec<(&str, &str)> = files
            .iter()
            .map(|(p, t)| (p.as_str(), t.as_str()))
            .collect();
        write_tree(&ours, &x);
        write_tree(&ours, &files);
        let got = vendor_here(&ours);
        match want_err {
            None => assert!(got.is_ok(), "{name}: {got:?}"),
            Some(w) => assert!(
                got.as_ref().is_err_and(|e| e.contains(w)),
                "{name}: {got:?}"
            ),
        }
        let Some(go) = &go else { continue };
        let theirs = tmp.path().join("theirs");
        write_tree(&theirs, &x);
        write_tree(&theirs, &files);
        let mut c = GoEnv::new(go.clone()).cmd(&theirs, &["work", "vendor"]);
        c.env("GOWORK", theirs.join("go.work"));
        let o = c.output().unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr);
        match want_err {
            None => {
                assert!(o.status.success(), "{name}: go: {stderr}");
                assert_eq!(
                    tree_of(&theirs.join("vendor")),
                    tree_of(&ours.join("vendor")),
                    "{name}"
                );
            }
            Some(w) => assert!(
                !o.status.success() && stderr.contains(w),
                "{name}: go: {stderr}"
            ),
        }
    }
}

/// `x/..` names the directory itself: a go.work inside x does not apply
/// (the go command's working directory is clean).
#[test]
fn gowork_search_starts_from_the_clean_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let m = tmp.path().join("m");
    write_tree(
        &m,
        &[
            ("go.mod", "module example.com/m\n\ngo 1.22\n"),
            ("x/go.work", "go 1.22\n"),
        ],
    );
    let found = modsnap::ops::GoWork::Search.find(&m.join("x/.."));
    assert!(
        found.as_ref().is_none_or(|f| !f.starts_with(&m)),
        "{found:?}"
    );
    assert_eq!(
        modsnap::ops::GoWork::Search.find(&m.join("x")),
        Some(m.join("x/go.work"))
    );
}
