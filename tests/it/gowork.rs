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
