//! The checksum database kept on offline, proved with the real go command
//! from restored trees and the fixture database (its own key): what go
//! verifies through the shipped bundle (`go mod download` of a removed
//! go.sum line, `go get` of a stored version go.mod does not name, `go mod
//! tidy` from an empty go.sum), what it refuses (a tampered lookup, note,
//! tile or zip — each also found by `modsnap verify --proxy`), with a
//! request log showing that no database file go asked for was missing.
//! Then bundles signed at different tree heads in one tree: `snapshot
//! --link` and the join rules of `ops::sumjoin`, with a GOPATH that used
//! the earlier archive.

use std::path::{Path, PathBuf};

use crate::support::cmd::run;
use crate::support::fixture::{Fixture, copy_dir, project};
use crate::support::go::{GoEnv, go_or_skip};
use crate::support::proxy::{ModuleSource, Server};

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

/// `modsnap verify ARGS` with GOSUMDB naming the test database's key, so
/// the bundles are re-checked.
fn verify_with_key(args: &[&str]) -> (i32, String, String) {
    let ctx = crate::support::cmd::TestContext::new();
    let mut c = ctx.modsnap(&[&["verify"], args].concat());
    c.env("GOSUMDB", Fixture::gosumdb());
    crate::support::cmd::split(c.output().unwrap())
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
    let (a, b) = fx.linked_snapshots();
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
    let (code, stdout, stderr) = verify_with_key(&[b.to_str().unwrap()]);
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

#[test]
fn the_offline_go_verifies_what_go_sum_lacks_and_refuses_tampering() {
    let fx = Fixture::new();
    let both = fx.out("both.tar");
    let (code, _, stderr) = fx.snapshot(&[
        &project("pruned"),
        &project("unpruned"),
        "-o",
        both.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    let tree = fx.tmp.path().join("tree");
    restore(&both, &tree);
    let Some(go) = go_or_skip("the_offline_go_verifies_what_go_sum_lacks_and_refuses_tampering")
    else {
        return;
    };
    // The tree served over loopback HTTP, so every request is logged.
    let server = Server::start(&tree);
    let online_tree = |url: &str| {
        GoEnv::new(go.clone())
            .var("GOPROXY", url)
            .var("GONOPROXY", "none")
            .var("GOSUMDB", &Fixture::gosumdb())
    };
    let run_go = |env: &GoEnv, dir: &Path, args: &[&str]| {
        let o = env.cmd(dir, args).output().unwrap();
        (
            o.status.success(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };

    // 1. go mod download of a module whose go.sum lines were removed.
    let pa = project_without(&fx, "pruned", "example.com/a", "dl");
    let (ok, stderr) = run_go(
        &online_tree(&server.url()),
        &pa,
        &["mod", "download", "example.com/a"],
    );
    assert!(ok, "go mod download: {stderr}");
    // 2. go get of a version the snapshot holds (for the other project)
    // and this go.mod does not name.
    let pu = fx.tmp.path().join("get");
    copy_dir(Path::new(&project("unpruned")), &pu);
    let (ok, stderr) = run_go(
        &online_tree(&server.url()),
        &pu,
        &["get", "example.com/Upper/Case@v1.0.0"],
    );
    assert!(ok, "go get: {stderr}");
    let sum = std::fs::read_to_string(pu.join("go.sum")).unwrap();
    assert!(sum.contains("example.com/Upper/Case v1.0.0 h1:"), "{sum}");
    // 3. go mod tidy from an empty go.sum: go.sum comes back as it was.
    let pt = fx.tmp.path().join("tidy");
    copy_dir(Path::new(&project("pruned")), &pt);
    std::fs::write(pt.join("go.sum"), "").unwrap();
    let (ok, stderr) = run_go(&online_tree(&server.url()), &pt, &["mod", "tidy"]);
    assert!(ok, "go mod tidy: {stderr}");
    assert_eq!(
        std::fs::read_to_string(pt.join("go.sum")).unwrap(),
        std::fs::read_to_string(Path::new(&project("pruned")).join("go.sum")).unwrap()
    );
    // Every database file go asked for was there (a missing retraction
    // lookup fails silently), and it did ask.
    let asked: Vec<String> = server
        .log()
        .into_iter()
        .filter(|p| p.starts_with("/sumdb/"))
        .collect();
    assert!(asked.iter().any(|p| p.contains("/lookup/")), "{asked:?}");
    let missing: Vec<&String> = asked
        .iter()
        .filter(|p| !tree.join(&p[1..]).is_file())
        .collect();
    assert!(
        missing.is_empty(),
        "go asked for database files the tree lacks: {missing:?}"
    );

    // 4. Tampering, one file at a time: go refuses as the experiments
    // note lists, and `modsnap verify --proxy` names the same file first.
    let lookup = format!("{DB}/lookup/example.com/a@v1.0.0");
    let tile = walkdir::WalkDir::new(tree.join(DB).join("tile/8/0"))
        .into_iter()
        .filter_map(Result::ok)
        .find(|e| e.file_type().is_file())
        .map(|e| e.path().strip_prefix(&tree).unwrap().display().to_string())
        .expect("a level-0 tile");
    let flip = |data: &mut Vec<u8>, at: usize| {
        data[at] = if data[at] == b'A' { b'B' } else { b'A' };
    };
    let evil_zip = {
        let mut m = ModuleSource::load("graph-a");
        m.files.push(("evil.go".into(), b"package a\n".to_vec()));
        m.zip()
    };
    // (label, file, change, what go says, what verify says)
    type Case<'a> = (
        &'a str,
        String,
        Box<dyn Fn(&mut Vec<u8>) + 'a>,
        &'a str,
        &'a str,
    );
    let cases: Vec<Case> = vec![
        (
            "lookup",
            lookup.clone(),
            Box::new(|d: &mut Vec<u8>| {
                let i = String::from_utf8_lossy(d).find("h1:").unwrap() + 3;
                flip(d, i)
            }),
            "cannot authenticate record data",
            "cannot authenticate record data",
        ),
        (
            "note",
            lookup.clone(),
            Box::new(|d: &mut Vec<u8>| {
                // The root hash: the third line of the note.
                let text = String::from_utf8_lossy(d).into_owned();
                let note = text.find("\n\n").unwrap() + 2;
                let hash = note + text[note..].match_indices('\n').nth(1).unwrap().0 + 1;
                flip(d, hash)
            }),
            "invalid signature for key",
            "invalid signature for key",
        ),
        (
            "tile",
            tile.clone(),
            Box::new(|d: &mut Vec<u8>| d[0] ^= 1),
            "inconsistent tile",
            "inconsistent tile",
        ),
        (
            "zip",
            "example.com/a/@v/v1.0.0.zip".to_string(),
            Box::new(move |d: &mut Vec<u8>| *d = evil_zip.clone()),
            "checksum mismatch",
            "example.com/a@v1.0.0",
        ),
    ];
    for (label, file, change, go_says, verify_says) in cases {
        let bad = fx.tmp.path().join(format!("bad-{label}"));
        copy_dir(&tree, &bad);
        let path = bad.join(&file);
        let mut data = std::fs::read(&path).unwrap();
        change(&mut data);
        std::fs::write(&path, &data).unwrap();
        let env = GoEnv::new(go.clone())
            .var("GOPROXY", &format!("file://{}", bad.display()))
            .var("GONOPROXY", "none")
            .var("GOSUMDB", &Fixture::gosumdb())
            .var("HTTPS_PROXY", "http://127.0.0.1:9")
            .var("HTTP_PROXY", "http://127.0.0.1:9");
        let proj = project_without(&fx, "pruned", "example.com/a", &format!("p-{label}"));
        let (ok, stderr) = run_go(&env, &proj, &["mod", "download", "example.com/a"]);
        assert!(!ok, "{label}: go must refuse");
        assert!(stderr.contains(go_says), "{label}: {stderr}");
        let (code, stdout, stderr) = verify_with_key(&[
            "--proxy",
            bad.to_str().unwrap(),
            "--project",
            &project("pruned"),
        ]);
        assert_eq!(code, 3, "{label}: {stdout}{stderr}");
        assert!(
            stdout.contains(verify_says)
                && (label == "zip"
                    || stdout.contains(file.strip_prefix(&format!("{DB}/")).unwrap())),
            "{label}: {stdout}"
        );
    }
}

/// Zips go.sum lacks that several projects share are looked up and named
/// once; one that another project's go.sum covers ships with its lookup
/// and is no gap.
#[test]
fn shared_gaps_are_filled_once_and_covered_ones_are_no_gap() {
    let fx = Fixture::new();
    let copy = fx.tmp.path().join("unpruned-copy");
    copy_dir(Path::new(&project("unpruned")), &copy);
    let out = fx.out("shared.tar");
    let (code, _, stderr) = fx.snapshot(&[
        &project("unpruned"),
        copy.to_str().unwrap(),
        &project("replace"),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    let line = stderr
        .lines()
        .find(|l| l.contains("were verified with it and stored"))
        .unwrap_or_else(|| panic!("{stderr}"));
    for m in ["example.com/c@v1.0.0", "example.com/f@v1.0.0"] {
        assert_eq!(line.matches(m).count(), 1, "{line}");
    }
    assert!(!stderr.contains("will fail"), "{stderr}");
    let names = crate::support::fixture::tar_names(&out);
    assert!(
        names.contains(&format!("{DB}/lookup/example.com/d@v1.0.0")),
        "{names:?}"
    );
}

/// verify --project counts a zip go.sum lacks as filled only when the tree
/// also holds its database lookup: after an unlinked later bundle was kept
/// out of a tree, its filled zips are gaps again, and verify says so.
#[test]
fn a_filled_zip_without_its_lookup_is_still_a_gap() {
    let fx = Fixture::new();
    let a = fx.out("a.tar");
    let (code, _, stderr) = fx.snapshot(&[&project("vendor-go122"), "-o", a.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    fx.tree.grow_sumdb(100);
    let b = fx.out("b.tar");
    let (code, _, stderr) = fx.snapshot(&[&project("unpruned"), "-o", b.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    let tree = fx.tmp.path().join("tree");
    restore(&a, &tree);
    assert!(restore(&b, &tree).contains("no offline database coverage"));
    let verify = |tree: &Path| {
        verify_with_key(&[
            "--proxy",
            tree.to_str().unwrap(),
            "--project",
            &project("unpruned"),
        ])
    };
    let (_, stdout, stderr) = verify(&tree);
    assert!(
        stderr.contains("will fail") && stderr.contains("example.com/c@v1.0.0"),
        "{stdout}{stderr}"
    );
    // The same archive alone: filled, no warning.
    let alone = fx.tmp.path().join("alone");
    restore(&b, &alone);
    let (code, stdout, stderr) = verify(&alone);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(!stderr.contains("will fail"), "{stderr}");
}

/// A database whose record for a version holds only its `/go.mod` line
/// (the go command checks only the line it needs): an archive that needs
/// only that version's go.mod snapshots and verifies with the database's
/// key, the bundle re-checked line by line.
#[test]
fn a_record_with_only_the_go_mod_line_serves_a_go_mod_only_version() {
    // Which versions the project needs only the go.mod of.
    let probe = Fixture::new();
    let a = probe.out("a.tar");
    let (code, _, stderr) = probe.snapshot(&[&project("pruned"), "-o", a.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    let go_mod_only: Vec<(String, String)> = modsnap::archive::read::read_manifest(&a)
        .unwrap()
        .modules
        .into_iter()
        .filter(|m| m.zip_h1.is_none() && m.mod_h1.is_some())
        .map(|m| (m.path, m.version))
        .collect();
    assert!(!go_mod_only.is_empty(), "the project needs no go.mod alone");

    let fx = Fixture::new();
    fx.tree.sumdb_records_without_zip_lines(&go_mod_only);
    let b = fx.out("b.tar");
    let (code, _, stderr) = fx.snapshot(&[&project("pruned"), "-o", b.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    // The bundle holds those records as the database wrote them.
    let tree = fx.tmp.path().join("tree");
    restore(&b, &tree);
    let (path, version) = &go_mod_only[0];
    let lookup = lookups(&b)
        .into_iter()
        .find(|l| l.ends_with(&format!("{path}@{version}")))
        .expect("a lookup for the go.mod-only version");
    let text = std::fs::read_to_string(tree.join(&lookup)).unwrap();
    assert!(
        text.contains(&format!("{path} {version}/go.mod h1:")),
        "{text}"
    );
    assert!(!text.contains(&format!("{path} {version} h1:")), "{text}");
    let (code, stdout, stderr) = verify_with_key(&[b.to_str().unwrap()]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(!stderr.contains("SECURITY"), "{stderr}");
    assert!(
        !stderr.contains("not re-checked"),
        "the bundle was not re-checked: {stderr}"
    );
    // The restored tree's database files, re-checked against its own
    // go.mod files.
    let (code, stdout, stderr) = verify_with_key(&[
        "--proxy",
        tree.to_str().unwrap(),
        "--project",
        &project("pruned"),
    ]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(!stderr.contains("SECURITY"), "{stderr}");
}
