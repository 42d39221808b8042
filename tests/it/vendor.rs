//! `modsnap::vendoring` against `go mod vendor` / `go work vendor`: each
//! `testdata/projects/vendor-*` project is vendored by the real go command
//! (empty module cache, the fixture GOPROXY on loopback) and by
//! [`modsnap::vendoring::vendor`] from a proxy tree on disk; the two trees must
//! match name for name, byte for byte and mode for mode, and the go command
//! must build and vet from modsnap's tree offline. `vendor-fail-*` projects
//! make the go command fail; modsnap must fail too and leave the previous
//! vendor directory as it was.
//!
//! Each differential fixture also has a golden tree, `vendor.golden.txt`
//! beside its go.mod (every entry and its contents, txtar-style),
//! so that `modsnap vendor` is pinned on a machine without `go`: modsnap's
//! tree must always match it, and go's must too when go is present. Run
//! with `MODSNAP_UPDATE_GOLDEN=1` (and `go` on PATH) to rewrite the golden
//! files from go's own trees; tests never write into testdata otherwise.

use std::collections::BTreeMap;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use modsnap::vendoring::{ProxyDir, VendorError, VendorOptions, vendor};

use crate::support::go::{GoEnv, go_or_skip};
use crate::support::proxy::{ModuleSource, ProxyTree, Server, testdata};

/// One entry of a directory tree: kind, permission bits, contents.
#[derive(Debug, PartialEq, Eq)]
enum Node {
    Dir(u32),
    File(u32, Vec<u8>),
    Symlink(PathBuf),
}

fn snapshot(root: &Path) -> BTreeMap<String, Node> {
    let mut out = BTreeMap::new();
    if !root.exists() {
        return out;
    }
    for e in walkdir::WalkDir::new(root).min_depth(1).sort_by_file_name() {
        let e = e.expect("walk");
        let rel = e
            .path()
            .strip_prefix(root)
            .expect("prefix")
            .to_string_lossy()
            .into_owned();
        let md = std::fs::symlink_metadata(e.path()).expect("lstat");
        let node = if md.file_type().is_symlink() {
            Node::Symlink(std::fs::read_link(e.path()).expect("readlink"))
        } else if md.is_dir() {
            Node::Dir(md.mode() & 0o7777)
        } else {
            Node::File(md.mode() & 0o7777, std::fs::read(e.path()).expect("read"))
        };
        out.insert(rel, node);
    }
    out
}

/// Copies a project, keeping symlinks as symlinks.
fn copy_tree(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).expect("mkdir");
    for e in walkdir::WalkDir::new(src).min_depth(1) {
        let e = e.expect("walk");
        let to = dst.join(e.path().strip_prefix(src).expect("prefix"));
        let ft = e.file_type();
        if ft.is_symlink() {
            let target = std::fs::read_link(e.path()).expect("readlink");
            std::os::unix::fs::symlink(target, &to).expect("symlink");
        } else if ft.is_dir() {
            std::fs::create_dir_all(&to).expect("mkdir");
        } else {
            std::fs::copy(e.path(), &to).expect("copy");
        }
    }
}

struct Fixture {
    tree: ProxyTree,
    server: Server,
}

fn fixture() -> Fixture {
    let tree = ProxyTree::new(&ModuleSource::load_all());
    let server = Server::start(tree.dir.path());
    Fixture { tree, server }
}

fn go_env(go: PathBuf, fx: &Fixture, gocache: &Path) -> GoEnv {
    GoEnv::new(go)
        .var("GOPROXY", &fx.server.url())
        .var("GOCACHE", &gocache.to_string_lossy())
}

/// modsnap's options for vendoring `dir` as the go command would by
/// default (no cgo, GOWORK unset, no `-e`).
fn options(dir: &Path) -> VendorOptions {
    VendorOptions {
        project_dir: dir.to_owned(),
        out_dir: None,
        cgo_enabled: false,
        gowork: Default::default(),
        allow_errors: false,
    }
}

fn project(name: &str) -> PathBuf {
    testdata().join("projects").join(name)
}

fn is_workspace(dir: &Path) -> bool {
    dir.join("go.work").exists()
}

/// A build cache shared by the tests (the module caches stay per test).
fn shared_gocache() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("vendor-gocache")
}

fn go_vendor(env: &GoEnv, dir: &Path) -> std::process::Output {
    let mut cmd = if is_workspace(dir) {
        env.cmd(dir, &["work", "vendor"])
    } else {
        env.cmd(dir, &["mod", "vendor"])
    };
    if is_workspace(dir) {
        cmd.env("GOWORK", dir.join("go.work"));
    }
    cmd.output().expect("run go")
}

fn render(tree: &BTreeMap<String, Node>) -> String {
    tree.iter()
        .map(|(k, v)| match v {
            Node::Dir(m) => format!("{k}/ {m:o}"),
            Node::File(m, c) => format!("{k} {m:o} {} bytes", c.len()),
            Node::Symlink(t) => format!("{k} -> {}", t.display()),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The golden rendering of a vendor tree: one header line per entry
/// (`-- path/ --`, `-- path --`, `-- path -> target --`), each file's
/// contents after its header. Modes follow the umask, so they are left to
/// the go comparison and the umask test.
fn golden_text(tree: &BTreeMap<String, Node>) -> String {
    let mut out = String::new();
    for (k, v) in tree {
        match v {
            Node::Dir(_) => out.push_str(&format!("-- {k}/ --\n")),
            Node::Symlink(t) => out.push_str(&format!("-- {k} -> {} --\n", t.display())),
            Node::File(_, c) => {
                out.push_str(&format!("-- {k} --\n"));
                match std::str::from_utf8(c) {
                    Ok(text) => {
                        out.push_str(text);
                        if !text.is_empty() && !text.ends_with('\n') {
                            out.push_str("\n-- (no final newline) --\n");
                        }
                    }
                    Err(_) => out.push_str(&format!("(binary, {} bytes)\n", c.len())),
                }
            }
        }
    }
    out
}

fn golden_path(name: &str) -> PathBuf {
    project(name).join("vendor.golden.txt")
}

/// Vendors `name` with modsnap and compares with the golden tree, then,
/// when `go` is present, vendors it with go and compares the two trees.
fn differential(name: &str) {
    let fx = fixture();
    let work = tempfile::tempdir().expect("tempdir");
    let theirs = work.path().join("go");
    let ours = work.path().join("modsnap");
    copy_tree(&project(name), &theirs);
    copy_tree(&project(name), &ours);

    // A stale vendor directory must be replaced wholesale.
    std::fs::create_dir_all(ours.join("vendor/stale")).expect("mkdir");
    std::fs::write(ours.join("vendor/stale/old.go"), "package stale\n").expect("write");
    let report = vendor(&options(&ours), &ProxyDir::new(fx.tree.dir.path()))
        .unwrap_or_else(|e| panic!("{name}: modsnap vendor failed: {e}"));
    assert_eq!(report.out_dir, ours.join("vendor"));
    let b = snapshot(&ours.join("vendor"));
    let update = std::env::var("MODSNAP_UPDATE_GOLDEN").is_ok_and(|v| v == "1");
    let golden = std::fs::read_to_string(golden_path(name)).unwrap_or_default();
    if !update {
        assert_eq!(
            golden_text(&b),
            golden,
            "{name}: modsnap's vendor tree differs from {} (rerun with MODSNAP_UPDATE_GOLDEN=1 and go on PATH to regenerate it from go)",
            golden_path(name).display()
        );
    }

    let Some(go) = go_or_skip(&format!(
        "vendor::{name} (against go; the golden tree was checked)"
    )) else {
        return;
    };
    let gocache = shared_gocache();
    let env = go_env(go.clone(), &fx, &gocache);
    let out = go_vendor(&env, &theirs);
    assert!(
        out.status.success(),
        "{name}: go vendor failed ({}):\n{}",
        env.version(),
        String::from_utf8_lossy(&out.stderr)
    );
    let a = snapshot(&theirs.join("vendor"));
    if update {
        std::fs::write(golden_path(name), golden_text(&a)).expect("write golden tree");
    }
    if a != b {
        let ta = std::fs::read_to_string(theirs.join("vendor/modules.txt")).unwrap_or_default();
        let tb = std::fs::read_to_string(ours.join("vendor/modules.txt")).unwrap_or_default();
        panic!(
            "{name}: vendor trees differ\n--- go:\n{}\n--- modsnap:\n{}\n--- go modules.txt:\n{ta}\n--- modsnap modules.txt:\n{tb}",
            render(&a),
            render(&b)
        );
    }
    assert!(!a.is_empty(), "{name}: nothing vendored");
    assert_eq!(report.wrote, a.contains_key("modules.txt"));
    let files = a.values().filter(|n| matches!(n, Node::File(..))).count();
    assert_eq!(report.files, files, "{name}: report counts files");
    // No staging or old trees left beside the target.
    let leftovers: Vec<String> = std::fs::read_dir(&ours)
        .expect("readdir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("modsnap-"))
        .collect();
    assert!(leftovers.is_empty(), "{name}: leftovers {leftovers:?}");

    // The go command builds and vets offline from modsnap's tree.
    let offline = GoEnv::new(go)
        .var("GOFLAGS", "-mod=vendor")
        .var("GOPROXY", "off")
        .var("GOCACHE", &gocache.to_string_lossy());
    // In a workspace `./...` must name the used modules' directories.
    let patterns: Vec<String> = if is_workspace(&ours) {
        std::fs::read_to_string(ours.join("go.work"))
            .expect("go.work")
            .lines()
            .map(str::trim)
            .filter(|l| l.starts_with("./"))
            .map(|l| format!("{l}/..."))
            .collect()
    } else {
        vec!["./...".to_string()]
    };
    for verb in ["build", "vet"] {
        let mut args = vec![verb];
        args.extend(patterns.iter().map(String::as_str));
        let mut cmd = offline.cmd(&ours, &args);
        if is_workspace(&ours) {
            cmd.env("GOWORK", ours.join("go.work"));
        }
        let out = cmd.output().expect("run go");
        assert!(
            out.status.success(),
            "{name}: go {} on modsnap's vendor tree failed:\n{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// `name` makes the go command fail; modsnap must fail with an error
/// matching `expect` and leave the previous vendor directory untouched.
fn failure(name: &str, expect: fn(&VendorError) -> bool, wording: &str) {
    let go = go_or_skip(&format!("vendor::{name}"));
    let fx = fixture();
    let work = tempfile::tempdir().expect("tempdir");
    if let Some(go) = go {
        let theirs = work.path().join("go");
        copy_tree(&project(name), &theirs);
        let env = go_env(go, &fx, &shared_gocache());
        let out = go_vendor(&env, &theirs);
        assert!(
            !out.status.success(),
            "{name}: go vendor unexpectedly succeeded"
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(wording),
            "{name}: go's error changed: {stderr}"
        );
    }
    let ours = work.path().join("modsnap");
    copy_tree(&project(name), &ours);
    std::fs::create_dir_all(ours.join("vendor/keep")).expect("mkdir");
    std::fs::write(ours.join("vendor/keep/k.go"), "package keep\n").expect("write");
    let before = snapshot(&ours.join("vendor"));
    let err = vendor(&options(&ours), &ProxyDir::new(fx.tree.dir.path()))
        .expect_err("modsnap vendor must fail");
    let msg = err.to_string();
    assert!(expect(&err), "{name}: unexpected error: {msg}");
    assert!(msg.contains(wording), "{name}: {msg:?} lacks {wording:?}");
    assert!(!msg.contains('\n'), "{name}: multi-line error {msg:?}");
    assert_eq!(
        before,
        snapshot(&ours.join("vendor")),
        "{name}: old vendor dir changed"
    );
    let leftovers: Vec<String> = std::fs::read_dir(&ours)
        .expect("readdir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("modsnap-"))
        .collect();
    assert!(leftovers.is_empty(), "{name}: leftovers {leftovers:?}");
}

#[test]
fn go113_no_annotations_gomod_copied() {
    differential("vendor-go113");
}

#[test]
fn no_go_line_unpruned() {
    differential("vendor-nogoline");
}

#[test]
fn go116_explicit_test_embeds() {
    differential("vendor-go116");
}

#[test]
fn go121_replacements_local_dirs_nested_paths() {
    differential("vendor-replace");
}

#[test]
fn go122_embeds_narrowed_test_only_dirs() {
    differential("vendor-go122");
}

#[test]
fn go124_tools() {
    differential("vendor-go124");
}

#[test]
fn go125_ignore_directives() {
    differential("vendor-go125");
}

#[test]
fn workspace() {
    differential("vendor-ws");
}

#[test]
fn fails_on_ambiguous_import() {
    failure(
        "vendor-fail-ambiguous",
        |e| {
            matches!(e, VendorError::AmbiguousImport { modules, .. }
                if modules == &["example.com/v/amb v1.0.0", "example.com/v/amb/sub v1.0.0"])
        },
        "ambiguous import: found package example.com/v/amb/sub in multiple modules",
    );
}

/// A go ≥ 1.17 go.mod that does not list a module providing an imported
/// package: go refuses (`updates to go.mod needed`), and so does modsnap.
#[test]
fn fails_on_untidy_go_mod() {
    failure(
        "vendor-fail-untidy",
        |e| matches!(e, VendorError::GoModUpdatesNeeded { modules } if modules == &["example.com/e"]),
        "updates to go.mod needed",
    );
}

/// Two modules replaced by one directory: go refuses to load packages
/// (cmd/go `checkMultiplePaths`), and so does modsnap.
#[test]
fn fails_on_one_directory_for_two_module_paths() {
    failure(
        "vendor-fail-twopaths",
        |e| {
            matches!(e, VendorError::Graph(modsnap::graph::GraphError::TwoPaths { first, second, .. })
                if first == "example.com/a" && second == "example.com/b")
        },
        "./shared@ used for two different module paths (example.com/a and example.com/b)",
    );
}

/// The two-paths check covers what the go command checks: the roots of a
/// pruned module (its go.mod's requirements), not a pruned leaf. Here `a`
/// (a root) and `c` (only required by a's go.mod) are both replaced by
/// ./x: go vendors it, and so does modsnap, identically.
#[test]
fn one_directory_for_a_root_and_a_pruned_leaf_is_allowed() {
    let files = [
        (
            "go.mod",
            "module example.com/m\n\ngo 1.21\n\nrequire example.com/a v1.0.0\n\nreplace (\n\texample.com/a v1.0.0 => ./x\n\texample.com/c v1.0.0 => ./x\n)\n",
        ),
        ("m.go", "package m\n\nimport _ \"example.com/a\"\n"),
        (
            "x/go.mod",
            "module example.com/a\n\ngo 1.21\n\nrequire example.com/c v1.0.0\n",
        ),
        ("x/a.go", "package a\n"),
    ];
    let work = tempfile::tempdir().expect("tempdir");
    let ours = work.path().join("modsnap");
    let theirs = work.path().join("go");
    for root in [&ours, &theirs] {
        for (p, t) in files {
            std::fs::create_dir_all(root.join(p).parent().unwrap()).unwrap();
            std::fs::write(root.join(p), t).unwrap();
        }
    }
    let empty = tempfile::tempdir().expect("tempdir");
    vendor(&options(&ours), &ProxyDir::new(empty.path()))
        .unwrap_or_else(|e| panic!("modsnap vendor failed: {e}"));
    let Some(go) = go_or_skip("vendor::one_directory_for_a_root_and_a_pruned_leaf_is_allowed")
    else {
        return;
    };
    let out = GoEnv::new(go)
        .cmd(&theirs, &["mod", "vendor"])
        .output()
        .expect("run go");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        snapshot(&theirs.join("vendor")) == snapshot(&ours.join("vendor")),
        "trees differ"
    );
}

/// A pruned graph where a directory replacement requires another one that
/// provides no package: go reads neither x's go.mod nor anything it
/// requires, and lists x in modules.txt without packages.
#[test]
fn replacement_dirs_past_a_pruned_edge() {
    differential("replace-dirs");
}

/// Nothing to vendor, as go decides it: a module without dependencies and a
/// go.work that uses no module leave no vendor directory (a stale one is
/// removed), while a workspace whose module has no dependencies still gets
/// modules.txt with its `## workspace` line.
#[test]
fn nothing_to_vendor_matches_go() {
    let go = go_or_skip("vendor::nothing_to_vendor_matches_go");
    let fx = fixture();
    for (name, wrote) in [
        ("vendor-none", false),
        ("vendor-ws-empty", false),
        ("vendor-ws-nodeps", true),
    ] {
        let work = tempfile::tempdir().expect("tempdir");
        let theirs = work.path().join("go");
        let ours = work.path().join("modsnap");
        for dir in [&theirs, &ours] {
            copy_tree(&project(name), dir);
            std::fs::create_dir_all(dir.join("vendor/stale")).expect("mkdir");
            std::fs::write(dir.join("vendor/stale/old.go"), "package stale\n").expect("write");
        }
        let report = vendor(&options(&ours), &ProxyDir::new(fx.tree.dir.path()))
            .unwrap_or_else(|e| panic!("{name}: modsnap vendor failed: {e}"));
        assert_eq!(report.wrote, wrote, "{name}");
        let b = snapshot(&ours.join("vendor"));
        let expected = if wrote {
            "-- modules.txt --\n## workspace\n"
        } else {
            ""
        };
        assert_eq!(golden_text(&b), expected, "{name}");
        let Some(go) = &go else { continue };
        let env = go_env(go.clone(), &fx, &shared_gocache());
        let out = go_vendor(&env, &theirs);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{name}: {stderr}");
        assert_eq!(
            stderr.contains("go: no dependencies to vendor"),
            !wrote,
            "{name}: {stderr}"
        );
        assert_eq!(snapshot(&theirs.join("vendor")), b, "{name}: trees differ");
    }
}

#[test]
fn fails_on_missing_package() {
    failure(
        "vendor-fail-missing",
        |e| matches!(e, VendorError::MissingPackage { path, .. } if path == "example.com/v/outer/nothere"),
        "no required module provides package example.com/v/outer/nothere",
    );
}

/// Every missing package is reported, in one line, as the go command
/// reports each.
#[test]
fn fails_on_missing_packages_naming_them_all() {
    failure(
        "vendor-fail-manymissing",
        |e| {
            matches!(e, VendorError::Packages(all) if all.len() == 2
                && all.iter().all(|e| matches!(e, VendorError::MissingPackage { .. })))
        },
        "no required module provides package example.com/nomod/pkg",
    );
    failure(
        "vendor-fail-manymissing",
        |_| true,
        "no required module provides package example.com/v/outer/nothere",
    );
}

/// `-e`: the packages that fail are reported and left out, the rest is
/// written, byte for byte as `go mod vendor -e` writes it.
#[test]
fn allow_errors_vendors_the_rest_as_go_does() {
    let name = "vendor-fail-manymissing";
    let fx = fixture();
    let work = tempfile::tempdir().expect("tempdir");
    let ours = work.path().join("modsnap");
    copy_tree(&project(name), &ours);
    let report = vendor(
        &VendorOptions {
            allow_errors: true,
            ..options(&ours)
        },
        &ProxyDir::new(fx.tree.dir.path()),
    )
    .unwrap_or_else(|e| panic!("{name}: modsnap vendor -e failed: {e}"));
    assert!(report.wrote);
    assert_eq!(report.warnings.len(), 2, "{:?}", report.warnings);
    let b = snapshot(&ours.join("vendor"));
    assert!(
        b.contains_key("example.com/v/outer/outer.go"),
        "{}",
        render(&b)
    );
    let Some(go) = go_or_skip("vendor::allow_errors_vendors_the_rest_as_go_does") else {
        return;
    };
    let theirs = work.path().join("go");
    copy_tree(&project(name), &theirs);
    let env = go_env(go, &fx, &shared_gocache());
    let out = env
        .cmd(&theirs, &["mod", "vendor", "-e"])
        .output()
        .expect("run go");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "go mod vendor -e: {stderr}");
    assert!(stderr.contains("example.com/nomod/pkg"), "{stderr}");
    let a = snapshot(&theirs.join("vendor"));
    assert!(
        a == b,
        "trees differ\n--- go:\n{}\n--- modsnap:\n{}",
        render(&a),
        render(&b)
    );
}

#[test]
fn fails_on_unmatched_embed_in_ignored_file() {
    failure(
        "vendor-fail-embed",
        |e| matches!(e, VendorError::Embed { .. }),
        "go: resolving embeds in example.com/v/badembed: pattern missing.txt: no matching files found",
    );
}

#[test]
fn fails_on_malformed_go_build_line() {
    failure(
        "vendor-fail-header",
        |e| matches!(e, VendorError::EmbedScan { .. }),
        "internal error: failed to find embedded files of example.com/v/badheader",
    );
}

#[test]
fn fails_on_replacement_inside_vendor() {
    failure(
        "vendor-fail-replvendor",
        |e| matches!(e, VendorError::ReplacementInVendor { .. }),
        "go: replacement path ./vendor/local inside vendor directory",
    );
}

#[test]
fn modes_follow_umask_and_drop_exec_bits() {
    // Run without go: the project's own files are the only inputs here.
    let fx = fixture();
    let work = tempfile::tempdir().expect("tempdir");
    let ours = work.path().join("p");
    copy_tree(&project("vendor-replace"), &ours);
    let lic = ours.join("local/LICENSE");
    std::fs::set_permissions(&lic, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let out = work.path().join("elsewhere/vendor");
    let report = vendor(
        &VendorOptions {
            project_dir: ours.clone(),
            out_dir: Some(out.clone()),
            cgo_enabled: false,
            gowork: Default::default(),
            allow_errors: false,
        },
        &ProxyDir::new(fx.tree.dir.path()),
    )
    .expect("vendor");
    assert_eq!(report.out_dir, out);
    assert!(!ours.join("vendor").exists(), "-o must not write vendor/");
    // Probe the umask the way the go command experiences it.
    let probe = work.path().join("probe");
    std::fs::write(&probe, "").expect("probe");
    let file_mode = std::fs::metadata(&probe).expect("stat").mode() & 0o777;
    let probe_dir = work.path().join("probe-dir");
    std::fs::create_dir(&probe_dir).expect("probe dir");
    let dir_mode = std::fs::metadata(&probe_dir).expect("stat").mode() & 0o777;
    let md = std::fs::metadata(out.join("example.com/v/local/LICENSE")).expect("stat");
    assert_eq!(md.mode() & 0o777, file_mode, "exec bit must be dropped");
    let d = std::fs::metadata(out.join("example.com/v/local")).expect("stat");
    assert_eq!(d.mode() & 0o777, dir_mode);
    // Symlinked files in a local replacement are not copied.
    assert!(!out.join("example.com/v/local/link.go").exists());
    assert!(out.join("example.com/v/local/.editorconfig").exists());
}

/// `modsnap vendor ARCHIVE`: the CLI path, from a real snapshot archive
/// (module files read out of the archive, verified against its manifest),
/// equals `go mod vendor` / `go work vendor`.
#[test]
fn cli_vendor_from_archive_matches_go() {
    let Some(go) = go_or_skip("vendor::cli_vendor_from_archive_matches_go") else {
        return;
    };
    let fx = fixture();
    let work = tempfile::tempdir().expect("tempdir");
    let gocache = shared_gocache();
    // `.tar` archives are read in place; other formats are unpacked first.
    for (name, ext) in [
        ("vendor-go116", "tar"),
        ("vendor-replace", "tar.zst"),
        ("vendor-ws", "tar"),
    ] {
        let archive = work.path().join(format!("{name}.{ext}"));
        let out = crate::support::cmd::modsnap(&["snapshot"])
            .arg(project(name))
            .arg("-o")
            .arg(&archive)
            .arg("--cache-dir")
            .arg(work.path().join("cache"))
            .arg("--no-gomodcache")
            .env("GOPROXY", fx.server.url())
            .env("GOSUMDB", ProxyTree::gosumdb())
            .env("GOENV", "off")
            .env("HOME", work.path())
            .output()
            .expect("run modsnap");
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );

        let theirs = work.path().join(name).join("go");
        let ours = work.path().join(name).join("modsnap");
        copy_tree(&project(name), &theirs);
        copy_tree(&project(name), &ours);
        let env = go_env(go.clone(), &fx, &gocache);
        let o = go_vendor(&env, &theirs);
        assert!(
            o.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let out = crate::support::cmd::modsnap(&["vendor"])
            .arg(&archive)
            .arg("--project")
            .arg(&ours)
            .arg("--json")
            .env("CGO_ENABLED", "0")
            .output()
            .expect("run modsnap");
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("--json");
        assert_eq!(report["wrote"], true);
        let (a, b) = (
            snapshot(&theirs.join("vendor")),
            snapshot(&ours.join("vendor")),
        );
        assert!(
            a == b,
            "{name}: trees differ\n--- go:\n{}\n--- modsnap:\n{}",
            render(&a),
            render(&b)
        );
    }

    // A tampered archive: exit 3, and the existing vendor/ is left alone.
    let archive = work.path().join("vendor-go116.tar");
    let mut bytes = std::fs::read(&archive).expect("read");
    // Flip a byte inside the first module zip stored in the tar.
    let zip_at = bytes
        .windows(4)
        .position(|w| w == b"PK\x03\x04")
        .expect("a zip in the archive");
    bytes[zip_at + 40] ^= 0x55;
    let bad = work.path().join("bad.tar");
    std::fs::write(&bad, &bytes).expect("write");
    let ours = work.path().join("vendor-go116").join("modsnap");
    // `modsnap vendor archive --project dir` must exit 3 saying `needle`
    // and leave dir/vendor as it was.
    let refused = |archive: &Path, dir: &Path, needle: &str| {
        let before = snapshot(&dir.join("vendor"));
        let out = crate::support::cmd::modsnap(&["vendor"])
            .arg(archive)
            .arg("--project")
            .arg(dir)
            .output()
            .expect("run modsnap");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(3), "{}: {stderr}", dir.display());
        assert!(stderr.contains(needle), "{}: {stderr}", dir.display());
        assert_eq!(snapshot(&dir.join("vendor")), before);
    };
    refused(&bad, &ours, "tampered");

    // A project whose go.sum says other hashes than the archive's: the
    // archive was made for other sums. Exit 3, vendor/ untouched.
    for suffix in ["", "/go.mod"] {
        let other = work.path().join(format!("other-sums{}", suffix.len()));
        copy_tree(&ours, &other);
        let gosum = std::fs::read_to_string(other.join("go.sum")).expect("go.sum");
        let mut changed = false;
        let edited: Vec<String> = gosum
            .lines()
            .map(|l| {
                let f: Vec<&str> = l.split(' ').collect();
                let is_mod = f[1].ends_with("/go.mod");
                if !changed && is_mod != suffix.is_empty() {
                    changed = true;
                    format!("{} {} h1:{}=", f[0], f[1], "A".repeat(43))
                } else {
                    l.to_string()
                }
            })
            .collect();
        assert!(changed, "no go.sum line to change");
        std::fs::write(other.join("go.sum"), edited.join("\n") + "\n").expect("write go.sum");
        refused(&archive, &other, "not made for this go.sum");
    }
}
