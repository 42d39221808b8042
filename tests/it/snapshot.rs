//! `modsnap snapshot` end to end, against a loopback fixture proxy built from
//! `testdata/modules`, on the fixture projects in `testdata/projects`
//! (go.sum files there were written by the real `go mod tidy`).

use std::collections::BTreeSet;
use std::path::Path;

use crate::support::fixture::{Fixture, copy_dir, project, tar_names, untar};
use crate::support::go::{GoEnv, go_or_skip};
use crate::support::proxy::{Fault, ModuleSource, Server};

#[test]
fn pruned_project_snapshot_holds_what_go_needs() {
    let fx = Fixture::new();
    let out = fx.out("pruned.tar");
    let (code, _, stderr) = fx.snapshot(&[&project("pruned"), "-o", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("snapshot: 14 modules"), "{stderr}");
    let names = tar_names(&out);
    // Zips for every zip line of go.sum, including upper-case and
    // +incompatible paths, escaped.
    for n in [
        "modsnap.json",
        "example.com/!upper/!case/@v/v1.0.0.zip",
        "example.com/incompat/@v/v2.0.0+incompatible.zip",
        "example.com/unicode/@v/v1.1.0-!beta.2.zip",
        "example.com/based/v3/@v/v3.2.4-0.20230405060708-0123456789ab.zip",
        "gopkg.in/fixture.v1/@v/v1.0.1.zip",
        "example.com/b/@v/v1.1.0.zip",
    ] {
        assert!(names.contains(n), "missing {n}: {names:?}");
    }
    // The unpruned closure under example.com/old: go.mod files but no zips.
    for n in [
        "example.com/c/@v/v1.0.0.mod",
        "example.com/d/@v/v1.0.0.mod",
        "example.com/f/@v/v1.0.0.mod",
    ] {
        assert!(names.contains(n), "missing {n}");
    }
    for n in [
        "example.com/c/@v/v1.0.0.zip",
        "example.com/b/@v/v1.0.0.zip",
        "example.com/b/@v/v1.0.0.mod",
    ] {
        assert!(!names.contains(n), "unexpected {n}");
    }
    // A pruned-out module in the build list: only its .info (go list -m all).
    assert!(names.contains("example.com/pseudo/@v/v0.0.0-20240102030405-abcdefabcdef.info"));
    assert!(!names.contains("example.com/pseudo/@v/v0.0.0-20240102030405-abcdefabcdef.mod"));
    // Every stored zip has an .info, and every stored path an @v/list.
    for n in names
        .iter()
        .filter(|n| n.ends_with(".mod") || n.ends_with(".zip"))
    {
        if n.ends_with(".zip") {
            let info = format!("{}.info", &n[..n.len() - 4]);
            assert!(names.contains(&info), "no {info}");
        }
        let list = format!("{}/list", &n[..n.rfind('/').unwrap()]);
        assert!(names.contains(&list), "no {list}");
    }

    // The manifest describes every file with its size and SHA-256.
    let dir = fx.tmp.path().join("unpacked");
    untar(&out, &dir);
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("modsnap.json")).unwrap()).unwrap();
    assert_eq!(manifest["format"], "modsnap/1");
    assert_eq!(manifest["inputs"][0]["modules"][0], "example.com/pruned");
    assert_eq!(manifest["inputs"][0]["go"], "1.22");
    let mut described = 0;
    let module_files = manifest["modules"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|m| m["files"].as_object().unwrap().values().cloned());
    // The checksum-database bundle is described the same way.
    let sumdb_files = manifest["sumdb"]["files"].as_array().unwrap().clone();
    assert!(sumdb_files.len() > 10, "{sumdb_files:?}");
    for f in module_files.chain(sumdb_files) {
        let data = std::fs::read(dir.join(f["name"].as_str().unwrap())).unwrap();
        assert_eq!(f["size"].as_u64().unwrap(), data.len() as u64);
        let sha = modsnap::dirhash::sha256_reader(&data[..]).unwrap();
        assert_eq!(f["sha256"].as_str().unwrap(), hex_of(&sha));
        assert_eq!(
            f["blake3"].as_str().unwrap(),
            blake3::hash(&data).to_hex().as_str()
        );
        described += 1;
    }
    let lists = names.iter().filter(|n| n.ends_with("/list")).count();
    assert_eq!(
        described + lists + 1,
        names.len(),
        "every file but lists and the manifest is described"
    );
    // @v/list names the stored versions, semver-sorted.
    let list = std::fs::read_to_string(dir.join("example.com/b/@v/list")).unwrap();
    assert_eq!(list, "v1.1.0\n");
}

fn hex_of(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn snapshot_is_deterministic_and_second_run_uses_the_cache() {
    let fx = Fixture::new();
    let one = fx.out("one.tar.zst");
    let two = fx.out("two.tar.zst");
    let (code, _, stderr) = fx.snapshot(&[&project("pruned"), "-o", one.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    let first_requests = fx.server.log().len();
    assert!(first_requests > 20, "{first_requests}");
    fx.server.clear_log();
    let (code, stdout, stderr) =
        fx.snapshot(&[&project("pruned"), "-o", two.to_str().unwrap(), "--json"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        fx.server.log(),
        Vec::<String>::new(),
        "second run must not touch the network"
    );
    assert_eq!(
        std::fs::read(&one).unwrap(),
        std::fs::read(&two).unwrap(),
        "byte-identical archives"
    );
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["downloads"], 0);
    assert!(report["cache_hits"].as_u64().unwrap() >= 37, "{report}");

    // Every format is deterministic; SOURCE_DATE_EPOCH sets the mtime.
    for ext in ["tar", "tar.gz", "zip"] {
        let a = fx.out(&format!("a.{ext}"));
        let b = fx.out(&format!("b.{ext}"));
        for p in [&a, &b] {
            let (code, _, stderr) = fx.snapshot_with(
                &[&project("pruned"), "-o", p.to_str().unwrap()],
                &[("GOPROXY", "off"), ("SOURCE_DATE_EPOCH", "1700000000")],
            );
            assert_eq!(code, 0, "{ext}: {stderr}");
        }
        assert_eq!(
            std::fs::read(&a).unwrap(),
            std::fs::read(&b).unwrap(),
            "{ext}"
        );
    }
    let mut ar = tar::Archive::new(std::fs::File::open(fx.out("a.tar")).unwrap());
    for e in ar.entries().unwrap() {
        let e = e.unwrap();
        assert_eq!(e.header().mtime().unwrap(), 1_700_000_000);
        assert_eq!(e.header().mode().unwrap(), 0o644);
        assert_eq!(e.header().uid().unwrap(), 0);
    }
}

/// The archive does not depend on how the project directories were typed
/// or where modsnap ran: the first input is recorded as `.`, the others
/// relative to it.
#[test]
fn archive_is_independent_of_how_directories_are_typed() {
    let fx = Fixture::new();
    let root = fx.tmp.path().join("root");
    copy_dir(Path::new(&project("pruned")), &root.join("svc"));
    copy_dir(Path::new(&project("replace")), &root.join("other"));
    let abs = root.join("svc");
    let dotted = format!("{}/./", abs.display());
    let runs: [(&Path, &str, &str); 3] = [
        (&root, "svc", "other"),
        (&abs, ".", "../other"),
        (fx.tmp.path(), &dotted, "root/svc/../other"),
    ];
    let mut archives = Vec::new();
    for (i, (cwd, a, b)) in runs.iter().enumerate() {
        let out = fx.out(&format!("typed-{i}.tar"));
        let (code, _, stderr) = fx.snapshot_in(
            Some(cwd),
            &[a, b, "-o", out.to_str().unwrap()],
            &[("GOPROXY", fx.server.url().as_str())],
        );
        assert_eq!(code, 0, "{a} {b}: {stderr}");
        archives.push(std::fs::read(&out).unwrap());
    }
    assert!(archives[0] == archives[1], "svc vs .");
    assert!(archives[0] == archives[2], "svc vs absolute/./");
    let dir = fx.tmp.path().join("typed");
    untar(&fx.out("typed-0.tar"), &dir);
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("modsnap.json")).unwrap()).unwrap();
    assert_eq!(manifest["inputs"][0]["dir"], ".");
    assert_eq!(manifest["inputs"][1]["dir"], "../other");
}

#[test]
fn several_projects_share_one_archive() {
    let fx = Fixture::new();
    let both = fx.out("both.tar");
    let (code, stdout, stderr) = fx.snapshot(&[
        &project("pruned"),
        &project("unpruned"),
        &project("replace"),
        &project("workspace"),
        "-o",
        both.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let names = tar_names(&both);
    // Shared modules are stored once; each project's needs are all there.
    for n in [
        "example.com/a/@v/v1.0.0.zip",
        "example.com/b/@v/v1.0.0.zip",
        "example.com/b/@v/v1.1.0.zip",
        "example.com/fork/@v/v1.0.1.zip",
        "example.com/excl/@v/v1.1.0.zip",
    ] {
        assert!(names.contains(n), "missing {n}");
    }
    assert_eq!(
        names
            .iter()
            .filter(|n| *n == "example.com/a/@v/v1.0.0.zip")
            .count(),
        1
    );
    // Replaced and excluded versions are not fetched.
    for n in [
        "example.com/orig/@v/v1.0.0.zip",
        "example.com/orig/@v/v1.0.0.mod",
        "example.com/excl/@v/v1.2.0.mod",
    ] {
        assert!(!names.contains(n), "unexpected {n}");
    }
    assert!(
        !fx.server.log().iter().any(|p| p.contains("excl/@v/v1.2.0")),
        "excluded version requested"
    );
    assert_eq!(
        report["modules"].as_u64().unwrap() as usize,
        names.iter().filter(|n| n.ends_with(".info")).count()
    );
}

#[test]
fn missing_gosum_lines_are_listed_and_nothing_is_written() {
    let fx = Fixture::new();
    let proj = fx.tmp.path().join("proj");
    copy_dir(Path::new(&project("pruned")), &proj);
    let sum = std::fs::read_to_string(proj.join("go.sum")).unwrap();
    let trimmed: String = sum
        .lines()
        .filter(|l| {
            !l.starts_with("example.com/f v1.0.0/go.mod")
                && !l.starts_with("example.com/a v1.0.0/go.mod")
        })
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(proj.join("go.sum"), trimmed).unwrap();
    let out = fx.out("x.tar");
    let (code, stdout, stderr) =
        fx.snapshot(&[proj.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(stdout, "");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("example.com/a v1.0.0/go.mod"), "{stderr}");
    assert!(stderr.contains("go mod tidy"), "{stderr}");
    assert!(!out.exists());
    // Nothing was fetched without a hash to check it against.
    assert!(
        !fx.server
            .log()
            .iter()
            .any(|p| p.ends_with("/example.com/a/@v/v1.0.0.mod"))
    );
}

#[test]
fn hash_mismatch_is_a_security_error() {
    let fx = Fixture::new();
    let m = ModuleSource::load("graph-a");
    let mut tampered = m.clone();
    tampered
        .files
        .push(("evil.go".into(), b"package a\n".to_vec()));
    fx.server.fault(
        "/example.com/a/@v/v1.0.0.zip",
        Fault::Replace(tampered.zip()),
    );
    let out = fx.out("x.tar");
    let (code, _, stderr) = fx.snapshot(&[&project("pruned"), "-o", out.to_str().unwrap()]);
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("SECURITY ERROR"), "{stderr}");
    assert!(stderr.contains("example.com/a@v1.0.0"), "{stderr}");
    assert!(
        stderr.contains("h1:w0UGFpMWAM3GF6uQysMqPMA7RPCzU1dUmImxjk4FEFk="),
        "go.sum hash shown: {stderr}"
    );
    assert!(!out.exists());
    // The tampered bytes never reach the cache.
    assert!(
        !fx.tmp
            .path()
            .join("cache/download/example.com/a/@v/v1.0.0.zip")
            .exists()
    );

    // A tampered go.mod too.
    let fx = Fixture::new();
    fx.server.fault(
        "/example.com/old/@v/v1.0.0.mod",
        Fault::Replace(b"module example.com/old\n".to_vec()),
    );
    let (code, _, stderr) = fx.snapshot(&[&project("pruned"), "-o", out.to_str().unwrap()]);
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stderr.contains("go.mod") && stderr.contains("checksum mismatch"),
        "{stderr}"
    );
}

#[test]
fn transient_failures_are_retried_and_fall_through_works() {
    let fx = Fixture::new();
    fx.server.fault(
        "/example.com/a/@v/v1.0.0.zip",
        Fault::Status {
            code: 503,
            body: "try later".into(),
            times: Some(2),
            headers: vec![],
        },
    );
    fx.server
        .fault("/example.com/e/@v/v1.0.0.zip", Fault::Truncate(10));
    let out = fx.out("x.tar");
    let (code, _, stderr) = fx.snapshot(&[&project("pruned"), "-o", out.to_str().unwrap()]);
    // Truncate is permanent here, so e fails after its retries; a's 503s pass.
    assert_ne!(code, 0);
    assert!(stderr.contains("example.com/e@v1.0.0"), "{stderr}");
    let a_tries = fx
        .server
        .log()
        .iter()
        .filter(|p| *p == "/example.com/a/@v/v1.0.0.zip")
        .count();
    assert_eq!(a_tries, 3, "two 503s then success");

    // A comma list falls through a 404 to the next proxy.
    let fx = Fixture::new();
    let empty = tempfile::tempdir().unwrap();
    let first = Server::start(empty.path());
    let goproxy = format!("{},{}", first.url(), fx.server.url());
    let (code, _, stderr) = fx.snapshot_with(
        &[&project("unpruned"), "-o", out.to_str().unwrap()],
        &[("GOPROXY", goproxy.as_str())],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(first.log().len() >= 10);
    // And stops at a 500 that does not go away.
    let fx = Fixture::new();
    let broken = Server::start(empty.path());
    broken.fault(
        "/example.com/a/@v/v1.0.0.mod",
        Fault::Status {
            code: 500,
            body: "server misbehaving".into(),
            times: None,
            headers: vec![],
        },
    );
    let goproxy = format!("{},{}", broken.url(), fx.server.url());
    let (code, _, stderr) = fx.snapshot_with(
        &[&project("unpruned"), "-o", out.to_str().unwrap()],
        &[("GOPROXY", goproxy.as_str())],
    );
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("500") && stderr.contains("server misbehaving"),
        "{stderr}"
    );
    assert!(
        !fx.server
            .log()
            .iter()
            .any(|p| p == "/example.com/a/@v/v1.0.0.mod"),
        "',' must not fall through a 500"
    );
}

#[test]
fn dry_run_plans_without_writing() {
    let fx = Fixture::new();
    let out = fx.out("never.tar");
    let (code, stdout, stderr) =
        fx.snapshot(&[&project("pruned"), "-o", out.to_str().unwrap(), "--dry-run"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(!out.exists());
    assert!(
        stdout.contains("example.com/Upper/Case v1.0.0 info mod zip ("),
        "{stdout}"
    );
    assert!(
        stdout.lines().last().unwrap().starts_with("14 modules"),
        "{stdout}"
    );
    // Zips are sized, not downloaded.
    let zip_gets: Vec<_> = fx
        .server
        .requests()
        .into_iter()
        .filter(|r| r.method == "GET" && r.path.ends_with(".zip"))
        .collect();
    assert!(zip_gets.is_empty(), "{zip_gets:?}");
}

#[test]
fn bad_inputs_fail_cleanly() {
    let fx = Fixture::new();
    let out = fx.out("x.tar");
    let empty = tempfile::tempdir().unwrap();
    let (code, _, stderr) =
        fx.snapshot(&[empty.path().to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(stderr.contains("no go.mod or go.work"), "{stderr}");
    std::fs::write(
        empty.path().join("go.mod"),
        "module example.com/x\n\nrequire example.com/a\n",
    )
    .unwrap();
    let (code, _, stderr) =
        fx.snapshot(&[empty.path().to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(stderr.contains("go.mod:3"), "file and line named: {stderr}");
    let (code, _, stderr) =
        fx.snapshot(&[&project("pruned"), "-o", fx.out("x.rar").to_str().unwrap()]);
    assert_eq!(code, 2, "{stderr}");
    let (code, _, stderr) = fx.snapshot_with(
        &[&project("pruned"), "-o", out.to_str().unwrap()],
        &[("GOPROXY", "off")],
    );
    assert_eq!(code, 1);
    assert!(stderr.contains("GOPROXY=off"), "{stderr}");
    assert!(!out.exists());
}

/// The differential check: with empty caches and the fixture proxy, run the
/// go commands an offline CI runs, record every artifact go fetched
/// successfully, and require each to be in the archive; then run the same
/// commands against the unpacked archive alone, with the network closed, and
/// require the same outcome. Both sides have the fixture checksum database
/// (online through the proxy, offline from the archive's bundle): `go mod
/// download` in a go 1.16 module wants zips go.sum has no hash for and
/// verifies them through it, so snapshot must have fetched them (verified
/// through the same database) and shipped their lookups.
#[test]
fn archive_holds_every_artifact_go_requests() {
    let Some(go) = go_or_skip("archive_holds_every_artifact_go_requests") else {
        return;
    };
    for name in ["pruned", "unpruned", "replace", "replace-dirs", "workspace"] {
        let fx = Fixture::new();
        let out = fx.out("snap.tar");
        fx.server.clear_log();
        let (code, _, stderr) = fx.snapshot(&[&project(name), "-o", out.to_str().unwrap()]);
        assert_eq!(code, 0, "{name}: {stderr}");
        // The go 1.16 module's `go mod download` wants zips go.sum lacks:
        // filled in through the database, so nothing is left to warn of.
        assert!(!stderr.contains("will fail"), "{name}: {stderr}");
        assert_eq!(
            stderr.contains("were verified with it and stored"),
            name == "unpruned",
            "{name}: {stderr}"
        );
        // (The checksum-database check is modsnap's own: the go command
        // asks the database nothing while go.sum is complete.)
        let ours: BTreeSet<String> = fx
            .server
            .log()
            .into_iter()
            .filter(|p| !p.starts_with("/sumdb/"))
            .collect();
        let mut asked_by_go: BTreeSet<String> = BTreeSet::new();
        let names = tar_names(&out);

        let workspace = name == "workspace";
        let pkgs: &[&str] = if workspace {
            &["./app/...", "./lib/..."]
        } else {
            &["./..."]
        };
        let mut cmds: Vec<Vec<&str>> = vec![vec!["mod", "download"], vec!["list", "-m", "all"]];
        cmds.push([&["build"][..], pkgs].concat());
        cmds.push([&["test", "-run", "XXX"][..], pkgs].concat());
        if workspace {
            cmds.push(vec!["work", "vendor", "-o", "vendor-out"]);
        } else {
            cmds.push(vec!["mod", "verify"]);
            cmds.push(vec!["mod", "vendor", "-o", "vendor-out"]);
        }

        let online_dir = fx.tmp.path().join("online");
        copy_dir(Path::new(&project(name)), &online_dir);
        let online = GoEnv::new(go.clone())
            .var("GOPROXY", &fx.server.url())
            .var("GOSUMDB", &Fixture::gosumdb());
        let kept = online.modcache().join("cache/download");
        let online = if workspace {
            online.var("GOWORK", online_dir.join("go.work").to_str().unwrap())
        } else {
            online
        };
        let mut outcomes = Vec::new();
        let mut succeeded = 0;
        for args in &cmds {
            fx.server.clear_log();
            let o = online.cmd(&online_dir, args).output().unwrap();
            asked_by_go.extend(fx.server.log());
            outcomes.push(o.status.success());
            if !o.status.success() {
                continue;
            }
            succeeded += 1;
            let fetched: BTreeSet<String> = fx
                .server
                .log()
                .into_iter()
                .map(|p| p.trim_start_matches('/').to_string())
                .filter(|p| fx.tree.dir.path().join(p).is_file())
                // Only what go accepted: a go.mod it could not verify (no
                // go.sum line, no checksum database) is not kept in its cache.
                .filter(|p| kept.join(p).is_file())
                .collect();
            let missing: Vec<&String> = fetched.iter().filter(|p| !names.contains(*p)).collect();
            assert!(
                missing.is_empty(),
                "{name}: `go {}` fetched {missing:?}, which the archive lacks",
                args.join(" ")
            );
        }
        // And the other way round: modsnap asks for nothing the go command
        // does not (a module a directory replaces, a go.mod past a pruned
        // edge, a module outside go's graph).
        let extra: Vec<&String> = ours.difference(&asked_by_go).collect();
        assert!(
            extra.is_empty(),
            "{name}: modsnap requested {extra:?}, which no go command asks for"
        );
        assert!(
            succeeded >= cmds.len() - 1,
            "{name}: most commands must work online: {outcomes:?}"
        );

        // Offline: only the unpacked archive, the network closed.
        let tree = fx.tmp.path().join("tree");
        untar(&out, &tree);
        let offline_dir = fx.tmp.path().join("offline");
        copy_dir(Path::new(&project(name)), &offline_dir);
        let offline = GoEnv::new(go.clone())
            .var("GOPROXY", &format!("file://{}", tree.display()))
            .var("GOSUMDB", &Fixture::gosumdb())
            .var("HTTPS_PROXY", "http://127.0.0.1:9")
            .var("HTTP_PROXY", "http://127.0.0.1:9");
        let offline = if workspace {
            offline.var("GOWORK", offline_dir.join("go.work").to_str().unwrap())
        } else {
            offline
        };
        for (args, ok_online) in cmds.iter().zip(&outcomes) {
            let o = offline.cmd(&offline_dir, args).output().unwrap();
            assert_eq!(
                o.status.success(),
                *ok_online,
                "{name}: `go {}` offline vs online; stderr:\n{}",
                args.join(" "),
                String::from_utf8_lossy(&o.stderr)
            );
        }
        assert!(
            outcomes.iter().all(|ok| *ok),
            "{name}: every command works online: {outcomes:?}"
        );
    }
}

/// In workspace mode go.sum lines are not required: a go.mod the go command
/// reads but cannot verify offline is left out with a warning. The go.mod
/// files go never reads in a workspace (requirements of a pruned
/// dependency, such as example.com/c here, whose hashes only go.work.sum
/// has) are not asked for at all.
#[test]
fn workspace_without_go_work_sum_warns_instead_of_failing() {
    let fx = Fixture::new();
    let proj = fx.tmp.path().join("ws");
    copy_dir(Path::new(&project("workspace")), &proj);
    std::fs::remove_file(proj.join("go.work.sum")).unwrap();
    let sum = std::fs::read_to_string(proj.join("app/go.sum")).unwrap();
    let sum: String = sum
        .lines()
        .filter(|l| !l.starts_with("example.com/b v1.0.0/go.mod"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(proj.join("app/go.sum"), sum).unwrap();
    let out = fx.out("ws.tar");
    fx.server.clear_log();
    let (code, _, stderr) = fx.snapshot(&[proj.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("warning:") && stderr.contains("example.com/b v1.0.0/go.mod"),
        "{stderr}"
    );
    assert!(!stderr.contains("example.com/c"), "{stderr}");
    let names = tar_names(&out);
    assert!(
        !names.contains("example.com/b/@v/v1.0.0.mod"),
        "nothing unverifiable is stored"
    );
    assert!(names.contains("example.com/b/@v/v1.0.0.zip"));
    assert!(
        !fx.server
            .log()
            .iter()
            .any(|p| p.starts_with("/example.com/c/")),
        "example.com/c is never asked for"
    );
}

/// #12 item 9: in a workspace the go command reads the go.mod files of the
/// main modules' requirements and no deeper (example.com/b is pruned, so
/// example.com/c's go.mod is never read). Without go.work.sum, which is the
/// only file with c's hashes, snapshot has nothing to warn about, `verify
/// --project` says complete, and `modsnap vendor` writes what `go work
/// vendor` writes — the three agree with each other and with go.
#[test]
fn workspace_reads_no_go_mod_past_a_pruned_requirement() {
    let fx = Fixture::new();
    let proj = fx.tmp.path().join("ws");
    copy_dir(Path::new(&project("workspace")), &proj);
    std::fs::remove_file(proj.join("go.work.sum")).unwrap();
    let out = fx.out("ws.tar");
    let (code, _, stderr) = fx.snapshot(&[proj.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    // Only `go mod download`, which wants every build-list zip in a
    // workspace, needs c's zip, which go.sum has no hash for: snapshot
    // fetches it verified through the checksum database and ships its
    // lookup (without the database, it warns instead).
    assert!(!stderr.contains("go.mod hash"), "{stderr}");
    assert!(!stderr.contains("will fail"), "{stderr}");
    let names = tar_names(&out);
    for n in [
        "example.com/c/@v/v1.0.0.zip",
        "sumdb/modsnap.test/sumdb/lookup/example.com/c@v1.0.0",
    ] {
        assert!(names.contains(n), "{n}: {names:?}");
    }
    let plain = fx.out("ws-plain.tar");
    let (code, _, stderr) = fx.snapshot(&[
        proj.to_str().unwrap(),
        "-o",
        plain.to_str().unwrap(),
        "--no-sumdb",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("`go mod download` (no arguments) will fail")
            && stderr.contains("example.com/c@v1.0.0"),
        "{stderr}"
    );
    assert!(!tar_names(&plain).contains("example.com/c/@v/v1.0.0.zip"));
    // (verify with the database the offline go will use: c's zip is
    // covered by its lookup there.)
    let ctx = crate::support::cmd::TestContext::new();
    let mut c = ctx.modsnap(&[
        "verify",
        out.to_str().unwrap(),
        "--project",
        proj.to_str().unwrap(),
    ]);
    c.env("GOSUMDB", Fixture::gosumdb());
    let (code, stdout, stderr) = crate::support::cmd::split(c.output().unwrap());
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(!stderr.contains("go.mod hash"), "{stderr}");
    assert!(!stderr.contains("will fail"), "{stderr}");
    let (code, _, stderr) = crate::support::cmd::run(&[
        "vendor",
        out.to_str().unwrap(),
        "--project",
        proj.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    let ours = std::fs::read_to_string(proj.join("vendor/modules.txt")).unwrap();

    let Some(go) = go_or_skip("workspace_reads_no_go_mod_past_a_pruned_requirement") else {
        return;
    };
    let theirs = fx.tmp.path().join("theirs");
    copy_dir(Path::new(&project("workspace")), &theirs);
    std::fs::remove_file(theirs.join("go.work.sum")).unwrap();
    let env = GoEnv::new(go)
        .var("GOPROXY", &fx.server.url())
        .var("GOWORK", theirs.join("go.work").to_str().unwrap());
    fx.server.clear_log();
    env.run(&theirs, &["work", "vendor"]);
    let asked = fx.server.log();
    assert!(
        !asked.iter().any(|p| p.starts_with("/example.com/c/")),
        "go work vendor never reads c: {asked:?}"
    );
    assert_eq!(
        ours,
        std::fs::read_to_string(theirs.join("vendor/modules.txt")).unwrap()
    );

    // Offline, `go mod download` with no arguments verifies c's zip
    // through the shipped database; from the --no-sumdb archive it fails.
    for (archive, ok) in [(&out, true), (&plain, false)] {
        let tree = fx.tmp.path().join(format!("tree-{ok}"));
        let (code, _, stderr) = crate::support::cmd::run(&[
            "restore",
            archive.to_str().unwrap(),
            "--proxy",
            tree.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{stderr}");
        let ws = fx.tmp.path().join(format!("ws-{ok}"));
        copy_dir(Path::new(&project("workspace")), &ws);
        std::fs::remove_file(ws.join("go.work.sum")).unwrap();
        let o = GoEnv::new(env.go.clone())
            .var("GOPROXY", &format!("file://{}", tree.display()))
            .var("GONOPROXY", "none")
            .var("GOSUMDB", &Fixture::gosumdb())
            .var("GOWORK", ws.join("go.work").to_str().unwrap())
            .var("HTTPS_PROXY", "http://127.0.0.1:9")
            .var("HTTP_PROXY", "http://127.0.0.1:9")
            .cmd(&ws, &["mod", "download"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.success(), ok, "go mod download offline: {stderr}");
        if !ok {
            assert!(stderr.contains("example.com/c@v1.0.0"), "{stderr}");
        }
    }
}

/// The check the go command never makes: a poisoned go.sum (its line for
/// example.com/a written from a tampered zip) with a proxy serving that
/// tampered zip is self-consistent, so every go command accepts it — and
/// so does `snapshot --no-sumdb`. With the checksum database check (the
/// default), the go.sum line disagrees with the public log: a security
/// error naming the module, both hashes and the go.sum line, and nothing is
/// written. The manifest records whether and how the check ran.
/// Concurrent lookups ask the database for each tile once (the run's tile
/// map, then the cache on disk once the tile is verified and saved), and a
/// second snapshot with the same cache asks it for no lookup or tile.
#[test]
fn the_database_is_asked_for_each_tile_once_and_for_nothing_the_cache_has() {
    let fx = Fixture::new();
    let asked = |kind: &str| -> Vec<String> {
        fx.server
            .log()
            .into_iter()
            .filter(|p| p.contains("/sumdb/") && p.contains(kind))
            .collect()
    };
    let one = fx.out("one.tar");
    let (code, _, stderr) = fx.snapshot(&[&project("pruned"), "-o", one.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    let tiles = asked("/tile/");
    assert!(!tiles.is_empty(), "the check read tiles");
    assert!(!asked("/lookup/").is_empty(), "the check looked modules up");
    let unique: BTreeSet<&String> = tiles.iter().collect();
    assert_eq!(unique.len(), tiles.len(), "a tile asked twice: {tiles:?}");

    fx.server.clear_log();
    let two = fx.out("two.tar");
    let (code, _, stderr) = fx.snapshot(&[&project("pruned"), "-o", two.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    let again: Vec<String> = [asked("/tile/"), asked("/lookup/")].concat();
    assert!(again.is_empty(), "asked again: {again:?}");
    assert_eq!(
        std::fs::read(&one).unwrap(),
        std::fs::read(&two).unwrap(),
        "the same archive from the cache"
    );
}

#[test]
fn a_poisoned_go_sum_is_caught_by_the_checksum_database() {
    let fx = Fixture::new();
    let m = ModuleSource::load("graph-a");
    let mut tampered = m.clone();
    tampered
        .files
        .push(("evil.go".into(), b"package a\n".to_vec()));
    let zip = tampered.zip();
    let poisoned = {
        let f = fx.tmp.path().join("evil.zip");
        std::fs::write(&f, &zip).unwrap();
        modsnap::dirhash::hash_zip_file(&f).unwrap()
    };
    fx.server
        .fault("/example.com/a/@v/v1.0.0.zip", Fault::Replace(zip));
    let proj = fx.tmp.path().join("proj");
    copy_dir(Path::new(&project("pruned")), &proj);
    let sum = std::fs::read_to_string(proj.join("go.sum")).unwrap();
    let honest = sum
        .lines()
        .find(|l| l.starts_with("example.com/a v1.0.0 h1:"))
        .unwrap()
        .split(' ')
        .nth(2)
        .unwrap()
        .to_string();
    std::fs::write(proj.join("go.sum"), sum.replace(&honest, &poisoned)).unwrap();
    let dir = proj.to_str().unwrap();

    let out = fx.out("checked.tar");
    let (code, _, stderr) = fx.snapshot(&[dir, "-o", out.to_str().unwrap()]);
    assert_eq!(code, 3, "{stderr}");
    for want in [
        "example.com/a@v1.0.0",
        poisoned.as_str(),
        honest.as_str(),
        "go.sum",
        "SECURITY ERROR",
    ] {
        assert!(stderr.contains(want), "{want} in {stderr}");
    }
    assert!(!out.exists(), "nothing is written");

    let skipped = fx.out("skipped.tar");
    let (code, _, stderr) = fx.snapshot(&[dir, "-o", skipped.to_str().unwrap(), "--no-sumdb"]);
    assert_eq!(
        code, 0,
        "without the check the poisoned go.sum passes: {stderr}"
    );
    let manifest = modsnap::archive::read::read_manifest(&skipped).unwrap();
    assert_eq!(
        manifest.sumdb.unwrap().skipped.as_deref(),
        Some("--no-sumdb")
    );

    // Honest go.sum: checked, and the manifest says by which database and
    // how many; GOSUMDB=off is recorded as such; private modules are never
    // looked up.
    let fx = Fixture::new();
    let out = fx.out("ok.tar");
    fx.server.clear_log();
    let (code, _, stderr) = fx.snapshot_with(
        &[&project("pruned"), "-o", out.to_str().unwrap()],
        &[
            ("GOPROXY", fx.server.url().as_str()),
            ("GONOSUMDB", "example.com/a"),
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let record = modsnap::archive::read::read_manifest(&out)
        .unwrap()
        .sumdb
        .unwrap();
    assert_eq!(record.name.as_deref(), Some("modsnap.test/sumdb"));
    assert!(record.checked >= 10, "{record:?}");
    assert_eq!(record.private, 1, "{record:?}");
    let log = fx.server.log();
    assert!(
        log.iter()
            .any(|p| p.contains("/sumdb/modsnap.test/sumdb/lookup/example.com/b@"))
    );
    assert!(
        !log.iter().any(|p| p.contains("/lookup/example.com/a@")),
        "{log:?}"
    );
    let off = fx.out("off.tar");
    let (code, _, stderr) = fx.snapshot_with(
        &[&project("pruned"), "-o", off.to_str().unwrap()],
        &[("GOPROXY", fx.server.url().as_str()), ("GOSUMDB", "off")],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        modsnap::archive::read::read_manifest(&off)
            .unwrap()
            .sumdb
            .unwrap()
            .skipped
            .as_deref(),
        Some("GOSUMDB=off")
    );
    // A GOSUMDB the go command refuses is a usage error.
    let (code, _, stderr) = fx.snapshot_with(
        &[&project("pruned"), "-o", off.to_str().unwrap()],
        &[("GOSUMDB", "a b c")],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("invalid GOSUMDB: too many fields"),
        "{stderr}"
    );
}

/// The checksum database kept on in the air gap: the archive carries, for
/// every module version it checked, a lookup signed at one tree head and the
/// tiles proving it (rule R1 of the offline experiments). From the restored
/// tree alone, with the test database configured as GOSUMDB and a fresh
/// GOPATH, the real go verifies what go.sum lacks — `go mod download` of a
/// module whose go.sum lines were removed works — and refuses a tampered
/// lookup the way the go command refuses one.
#[test]
fn the_offline_go_verifies_through_the_shipped_database() {
    let fx = Fixture::new();
    let out = fx.out("db.tar");
    let (code, _, stderr) = fx.snapshot(&[&project("pruned"), "-o", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    let manifest = modsnap::archive::read::read_manifest(&out).unwrap();
    let files = manifest.sumdb.unwrap().files;
    let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
    assert!(
        names.contains(&"sumdb/modsnap.test/sumdb/supported"),
        "{names:?}"
    );
    assert!(
        names.contains(&"sumdb/modsnap.test/sumdb/lookup/example.com/a@v1.0.0"),
        "{names:?}"
    );
    assert!(names.iter().any(|n| n.contains("/tile/8/0/")), "{names:?}");
    // `ls` shows the coverage, in text and JSON.
    let (code, stdout, _) = crate::support::cmd::run(&["ls", out.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains("checksum database modsnap.test/sumdb:") && stdout.contains("lookups"),
        "{stdout}"
    );
    let (_, stdout, _) = crate::support::cmd::run(&["ls", out.to_str().unwrap(), "--json"]);
    let ls: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert!(ls["sumdb"]["lookups"].as_u64().unwrap() >= 10, "{ls}");
    let tree = fx.tmp.path().join("tree");
    let (code, _, stderr) = crate::support::cmd::run(&[
        "restore",
        out.to_str().unwrap(),
        "--proxy",
        tree.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");

    let Some(go) = go_or_skip("the_offline_go_verifies_through_the_shipped_database") else {
        return;
    };
    let proj = fx.tmp.path().join("proj");
    copy_dir(Path::new(&project("pruned")), &proj);
    let sum = std::fs::read_to_string(proj.join("go.sum")).unwrap();
    let trimmed: String = sum
        .lines()
        .filter(|l| !l.starts_with("example.com/a v1.0.0"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(proj.join("go.sum"), &trimmed).unwrap();
    let offline = |tree: &Path| {
        GoEnv::new(go.clone())
            .var("GOPROXY", &format!("file://{}", tree.display()))
            .var("GONOPROXY", "none")
            .var("GOSUMDB", &Fixture::gosumdb())
            .var("HTTPS_PROXY", "http://127.0.0.1:9")
            .var("HTTP_PROXY", "http://127.0.0.1:9")
    };
    let o = offline(&tree)
        .cmd(&proj, &["mod", "download", "example.com/a"])
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "go mod download verified through the shipped database: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    // go wrote the lines it verified back into go.sum, as online.
    let after = std::fs::read_to_string(proj.join("go.sum")).unwrap();
    assert!(after.contains("example.com/a v1.0.0 h1:"), "{after}");

    // A tampered lookup: a fresh GOPATH and module cache, and go refuses.
    std::fs::write(proj.join("go.sum"), &trimmed).unwrap();
    let lookup = tree.join("sumdb/modsnap.test/sumdb/lookup/example.com/a@v1.0.0");
    let text = std::fs::read_to_string(&lookup).unwrap();
    let i = text.find("h1:").unwrap() + 3;
    let mut bytes = text.into_bytes();
    bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
    std::fs::write(&lookup, bytes).unwrap();
    let o = offline(&tree)
        .cmd(&proj, &["mod", "download", "example.com/a"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "a tampered lookup must be refused");
    assert!(
        stderr.contains("cannot authenticate record data"),
        "{stderr}"
    );
}

/// The database's answers are proved, not trusted, on the online path too:
/// a lookup or a tile changed on the way (served by the fixture proxy with
/// one byte altered) is a security error at snapshot, and nothing is
/// written.
#[test]
fn a_tampered_lookup_or_tile_from_the_database_is_refused() {
    let root = "/sumdb/modsnap.test/sumdb";
    // The test log's level-0 tile (its path depends on how many fixture
    // modules there are).
    let tile = {
        let fx = Fixture::new();
        let base = fx.tree.dir.path().join(&root[1..]);
        walkdir::WalkDir::new(base.join("tile/8/0"))
            .into_iter()
            .filter_map(Result::ok)
            .find(|e| e.file_type().is_file())
            .map(|e| e.path().strip_prefix(&base).unwrap().display().to_string())
            .expect("a level-0 tile")
    };
    for (file, wording) in [
        (
            "lookup/example.com/a@v1.0.0",
            "cannot authenticate record data",
        ),
        (tile.as_str(), "inconsistent tile"),
    ] {
        let fx = Fixture::new();
        let path = format!("{root}/{file}");
        let mut data = std::fs::read(fx.tree.dir.path().join(&path[1..])).unwrap();
        let i = if file.starts_with("lookup/") {
            String::from_utf8_lossy(&data).find("h1:").unwrap() + 3
        } else {
            40
        };
        data[i] = if data[i] == b'A' { b'B' } else { b'A' };
        fx.server.fault(&path, Fault::Replace(data));
        let out = fx.out("x.tar");
        let (code, _, stderr) = fx.snapshot(&[&project("pruned"), "-o", out.to_str().unwrap()]);
        assert_eq!(code, 3, "{file}: {stderr}");
        assert!(
            stderr.contains(wording) && stderr.contains("SECURITY ERROR"),
            "{file}: {stderr}"
        );
        assert!(!out.exists(), "{file}: nothing is written");
    }
}
