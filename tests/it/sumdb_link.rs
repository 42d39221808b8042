//! Checksum-database bundles signed at different tree heads, in one tree:
//! `snapshot --link` ships an earlier archive's lookups again at the new
//! head with the tiles proving the old head a prefix of it, and restore
//! joins bundles by the rules of `ops::sumjoin`. Proved with the real go
//! command offline, with a GOPATH that used the earlier archive.

use std::path::{Path, PathBuf};

use crate::support::cmd::run;
use crate::support::fixture::{Fixture, copy_dir, project};
use crate::support::go::{GoEnv, go_or_skip};

const DB: &str = "sumdb/modsnap.test/sumdb";

/// The tree size in a lookup file's signed note.
fn lookup_head(file: &Path) -> i64 {
    let text = std::fs::read_to_string(file).unwrap();
    let note = &text[text.find("\n\n").unwrap() + 2..];
    note.lines().nth(1).unwrap().parse().unwrap()
}

fn lookups(archive: &Path) -> Vec<String> {
    let m = modsnap::archive::read::read_manifest(archive).unwrap();
    m.sumdb
        .unwrap()
        .files
        .into_iter()
        .map(|f| f.name)
        .filter(|n| n.contains("/lookup/"))
        .collect()
}

fn restore(archive: &Path, tree: &Path) -> String {
    let (code, _, stderr) = run(&[
        "restore",
        archive.to_str().unwrap(),
        "--proxy",
        tree.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    stderr
}

/// A copy of a fixture project without the go.sum lines of `module`.
fn project_without(fx: &Fixture, name: &str, module: &str, copy: &str) -> PathBuf {
    let dir = fx.tmp.path().join(copy);
    copy_dir(Path::new(&project(name)), &dir);
    let sum = std::fs::read_to_string(dir.join("go.sum")).unwrap();
    let kept: String = sum
        .lines()
        .filter(|l| !l.starts_with(&format!("{module} ")))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_ne!(kept, sum, "{module} has no go.sum line in {name}");
    std::fs::write(dir.join("go.sum"), kept).unwrap();
    dir
}

#[test]
fn linked_bundles_join_across_heads_and_keep_an_older_gopath_working() {
    let fx = Fixture::new();
    // The log holds the fixture modules and 300 more records (level-1
    // tiles), then grows to 700 more between the two snapshots.
    fx.tree.grow_sumdb(300);
    let a = fx.out("a.tar");
    let (code, _, stderr) = fx.snapshot(&[&project("unpruned"), "-o", a.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    fx.tree.grow_sumdb(700);
    let b = fx.out("b.tar");
    let (code, _, stderr) = fx.snapshot(&[
        &project("pruned"),
        "-o",
        b.to_str().unwrap(),
        "--link",
        a.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    let b0 = fx.out("b0.tar");
    let (code, _, stderr) = fx.snapshot(&[&project("pruned"), "-o", b0.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");

    // The manifest names the link; the linked archive's lookups are in the
    // new bundle.
    let ma = modsnap::archive::read::read_manifest(&a)
        .unwrap()
        .sumdb
        .unwrap();
    let mb = modsnap::archive::read::read_manifest(&b)
        .unwrap()
        .sumdb
        .unwrap();
    let (h1, h2) = (ma.head.unwrap(), mb.head.unwrap());
    assert!(h1 > 300 && h2 > h1 + 300, "{h1} {h2}");
    assert_eq!(mb.links.len(), 1, "{:?}", mb.links);
    assert_eq!(
        (mb.links[0].archive.as_str(), mb.links[0].tree),
        ("a.tar", h1)
    );
    let (la, lb, lb0) = (lookups(&a), lookups(&b), lookups(&b0));
    for l in &la {
        assert!(lb.contains(l), "{l} missing from the linked bundle");
    }
    assert!(lb0.iter().any(|l| !la.contains(l)), "b0 must add lookups");
    // verify re-checks the link offline (signature, prefix proof; the
    // tampered cases are in integrity.rs).
    let ctx = crate::support::cmd::TestContext::new();
    let mut c = ctx.modsnap(&["verify", b.to_str().unwrap()]);
    c.env("GOSUMDB", Fixture::gosumdb());
    let (code, stdout, stderr) = crate::support::cmd::split(c.output().unwrap());
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(!stderr.contains("not re-checked"), "{stderr}");
    // `ls --json` shows the head and the link.
    let (_, stdout, _) = run(&["ls", b.to_str().unwrap(), "--json"]);
    let ls: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(ls["sumdb"]["head"].as_i64(), Some(h2), "{ls}");
    assert_eq!(ls["sumdb"]["links"][0]["tree"].as_i64(), Some(h1), "{ls}");
    let gained = lb0
        .iter()
        .find(|l| !la.contains(l))
        .unwrap()
        .strip_prefix(&format!("{DB}/lookup/"))
        .unwrap()
        .to_string();

    // Restore order does not matter for a linked pair.
    let one = fx.tmp.path().join("a-then-b");
    assert!(!restore(&a, &one).contains("warning"));
    let stderr = restore(&b, &one);
    assert!(!stderr.contains("warning"), "{stderr}");
    assert_eq!(
        lookup_head(&one.join(DB).join("lookup/example.com/a@v1.0.0")),
        h2
    );
    let two = fx.tmp.path().join("b-then-a");
    restore(&b, &two);
    let stderr = restore(&a, &two);
    assert!(!stderr.contains("warning"), "{stderr}");
    assert_eq!(
        lookup_head(&two.join(DB).join("lookup/example.com/a@v1.0.0")),
        h2
    );
    // An unlinked later bundle is not mixed in: the tree's is kept, and
    // the modules that lose offline coverage are named with the reason.
    let three = fx.tmp.path().join("a-then-b0");
    restore(&a, &three);
    let stderr = restore(&b0, &three);
    assert!(
        stderr.contains("no offline database coverage")
            && stderr.contains("--link")
            && stderr.contains(&format!("tree#{h2}, the tree's at tree#{h1}")),
        "{stderr}"
    );
    let gained_module = {
        let (p, v) = gained.rsplit_once('@').unwrap();
        format!(
            "{}@{}",
            modsnap::module::unescape_path(p).unwrap(),
            modsnap::module::unescape_version(v).unwrap()
        )
    };
    assert!(stderr.contains(&gained_module), "{stderr}");
    assert!(!three.join(DB).join("lookup").join(&gained).exists());
    assert_eq!(
        lookup_head(&three.join(DB).join("lookup/example.com/a@v1.0.0")),
        h1
    );

    let Some(go) = go_or_skip("linked_bundles_join_across_heads_and_keep_an_older_gopath_working")
    else {
        return;
    };
    let offline = |tree: &Path, env: GoEnv| {
        env.var("GOPROXY", &format!("file://{}", tree.display()))
            .var("GONOPROXY", "none")
            .var("GOSUMDB", &Fixture::gosumdb())
            .var("HTTPS_PROXY", "http://127.0.0.1:9")
            .var("HTTP_PROXY", "http://127.0.0.1:9")
    };
    let gained_path = gained_module.split('@').next().unwrap().to_string();
    let go_ok = |env: &GoEnv, dir: &Path, module: &str, what: &str| {
        let o = env.cmd(dir, &["mod", "download", module]).output().unwrap();
        assert!(
            o.status.success(),
            "{what}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    };
    // A GOPATH that used the earlier archive's tree (its latest head is
    // h1, its module cache holds lookups signed at h1)…
    let tree = fx.tmp.path().join("tree");
    restore(&a, &tree);
    let env = offline(&tree, GoEnv::new(go.clone()));
    let pa = project_without(&fx, "unpruned", "example.com/a", "pa");
    go_ok(&env, &pa, "example.com/a", "the earlier archive alone");
    let latest = env
        .root
        .path()
        .join("gopath/pkg/sumdb/modsnap.test/sumdb/latest");
    assert!(
        std::fs::read_to_string(&latest)
            .unwrap()
            .contains(&format!("\n{h1}\n"))
    );
    // …moves on to the linked later archive's head offline.
    restore(&b, &tree);
    let pb = project_without(&fx, "pruned", &gained_path, "pb");
    go_ok(
        &env,
        &pb,
        &gained_path,
        "the linked archive over the earlier one, same GOPATH",
    );
    assert!(
        std::fs::read_to_string(&latest)
            .unwrap()
            .contains(&format!("\n{h2}\n"))
    );
    let pa2 = project_without(&fx, "unpruned", "example.com/a", "pa2");
    let fresh_cache = offline(&tree, GoEnv::new(go.clone()));
    go_ok(
        &fresh_cache,
        &pa2,
        "example.com/a",
        "a fresh GOPATH on the joined tree",
    );

    // Without --link the same GOPATH cannot move to the later head: this is
    // what the link is for (go fails reading a proof tile).
    let unlinked = fx.tmp.path().join("unlinked");
    restore(&b0, &unlinked);
    let env2 = offline(&unlinked, GoEnv::new(go.clone()));
    let gopath_latest = env2
        .root
        .path()
        .join("gopath/pkg/sumdb/modsnap.test/sumdb/latest");
    std::fs::create_dir_all(gopath_latest.parent().unwrap()).unwrap();
    // The h1 head as the earlier run left it.
    let h1_note = {
        let text = std::fs::read_to_string(
            fx.tmp
                .path()
                .join("a-then-b0")
                .join(DB)
                .join("lookup/example.com/a@v1.0.0"),
        )
        .unwrap();
        text[text.find("\n\n").unwrap() + 2..].to_string()
    };
    std::fs::write(&gopath_latest, h1_note).unwrap();
    let pb2 = project_without(&fx, "pruned", &gained_path, "pb2");
    let o = env2
        .cmd(&pb2, &["mod", "download", &gained_path])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success(),
        "an unlinked bundle cannot prove the older head"
    );
    assert!(
        stderr.contains(&format!("initializing sumdb.Client: checking tree#{h1}"))
            && stderr.contains("/tile/"),
        "{stderr}"
    );

    // The module cache layout joins the same way, and the go command
    // verifies from the bundle in its own cache (GOPROXY=off).
    let cache = fx.tmp.path().join("modcache");
    for archive in [&a, &b] {
        let (code, _, stderr) = run(&[
            "restore",
            archive.to_str().unwrap(),
            "--modcache",
            cache.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{stderr}");
        assert!(!stderr.contains("warning"), "{stderr}");
    }
    let cached = cache.join("cache/download").join(DB);
    assert_eq!(lookup_head(&cached.join("lookup/example.com/a@v1.0.0")), h2);
    let env3 = GoEnv::new(go.clone())
        .var("GOMODCACHE", cache.to_str().unwrap())
        .var("GOPROXY", "off")
        .var("GONOPROXY", "none")
        .var("GOSUMDB", &Fixture::gosumdb())
        .var("HTTPS_PROXY", "http://127.0.0.1:9")
        .var("HTTP_PROXY", "http://127.0.0.1:9");
    let pb3 = project_without(&fx, "pruned", &gained_path, "pb3");
    go_ok(
        &env3,
        &pb3,
        &gained_path,
        "the restored module cache with GOPROXY=off",
    );
    let after = std::fs::read_to_string(pb3.join("go.sum")).unwrap();
    assert!(after.contains(&format!("{gained_path} ")), "{after}");
}

#[test]
fn link_to_an_archive_without_a_bundle_is_refused_and_nothing_written() {
    let fx = Fixture::new();
    let plain = fx.out("plain.tar");
    let (code, _, stderr) = fx.snapshot(&[
        &project("unpruned"),
        "-o",
        plain.to_str().unwrap(),
        "--no-sumdb",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let out = fx.out("linked.tar");
    let (code, _, stderr) = fx.snapshot(&[
        &project("pruned"),
        "-o",
        out.to_str().unwrap(),
        "--link",
        plain.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("plain.tar") && stderr.contains("no checksum-database bundle to link to"),
        "{stderr}"
    );
    assert!(!out.exists());
    // --link needs the database.
    let (code, _, stderr) = fx.snapshot(&[
        &project("pruned"),
        "-o",
        out.to_str().unwrap(),
        "--link",
        plain.to_str().unwrap(),
        "--no-sumdb",
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(!out.exists());
}
