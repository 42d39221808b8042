//! `modsnap restore`, `verify` and `ls`: the air-gapped half, proven with
//! the real go command offline, and hostile archives refused.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::support::cmd::modsnap;
use crate::support::fixture::{Fixture, copy_dir, project, tar_names};
use crate::support::go::{GoEnv, go_or_skip};

fn run(args: &[&str]) -> (i32, String, String) {
    let out = modsnap(args).output().expect("run modsnap");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Snapshots `names` from a fixture proxy into one tar, then stops the proxy.
fn archive_of(names: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let fx = Fixture::new();
    let out = fx.out("snap.tar");
    let mut args: Vec<String> = names.iter().map(|n| project(n)).collect();
    args.extend(["-o".to_string(), out.to_string_lossy().into_owned()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, _, stderr) = fx.snapshot(&args);
    assert_eq!(code, 0, "{stderr}");
    let Fixture { tmp, server, .. } = fx;
    drop(server);
    (tmp, out)
}

/// KEY=VALUE lines as printed by restore.
fn env_lines(stdout: &str) -> Vec<(String, String)> {
    stdout
        .lines()
        .map(|l| {
            let (k, v) = l
                .split_once('=')
                .unwrap_or_else(|| panic!("not an env line: {l}"));
            (k.to_string(), v.to_string())
        })
        .collect()
}

fn snapshot_entries(archive: &Path) -> Vec<(String, Vec<u8>)> {
    crate::support::fixture::tar_entries(archive)
}

/// Writes a tar from raw (name, type, data, link) entries, bypassing the tar
/// crate's path checks so hostile names can be written.
/// A raw tar entry: name, type, data.
type RawEntry = (String, tar::EntryType, Vec<u8>);

fn write_tar(path: &Path, entries: &[RawEntry]) {
    let mut b = tar::Builder::new(std::fs::File::create(path).unwrap());
    for (name, ty, data) in entries {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(*ty);
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        {
            let gnu = h.as_gnu_mut().unwrap();
            let bytes = name.as_bytes();
            gnu.name[..bytes.len()].copy_from_slice(bytes);
        }
        if *ty == tar::EntryType::Symlink || *ty == tar::EntryType::Link {
            h.set_link_name("/etc/passwd").unwrap();
        }
        h.set_cksum();
        b.append(&h, &data[..]).unwrap();
    }
    b.finish().unwrap();
}

fn tree_listing(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    crate::support::fixture::tree_files(dir)
}

#[test]
fn restored_trees_build_offline_with_the_real_go() {
    let Some(go) = go_or_skip("restored_trees_build_offline_with_the_real_go") else {
        return;
    };
    for name in ["pruned", "unpruned", "replace", "workspace"] {
        let (tmp, archive) = archive_of(&[name]);
        let workspace = name == "workspace";
        let pkgs: &[&str] = if workspace {
            &["./app/...", "./lib/..."]
        } else {
            &["./..."]
        };

        // --proxy: every offline go command, with exactly the printed lines.
        let proxy = tmp.path().join("proxy");
        let (code, stdout, stderr) = run(&[
            "restore",
            archive.to_str().unwrap(),
            "--proxy",
            proxy.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{name}: {stderr}");
        let work = tmp.path().join("work");
        copy_dir(Path::new(&project(name)), &work);
        let mut env = GoEnv::new(go.clone())
            .var("GOSUMDB", "sum.golang.org")
            .var("HTTPS_PROXY", "http://127.0.0.1:9")
            .var("HTTP_PROXY", "http://127.0.0.1:9")
            .var("GOPRIVATE", "example.com/Upper");
        for (k, v) in env_lines(&stdout) {
            env = env.var(&k, &v);
        }
        if workspace {
            env = env.var("GOWORK", work.join("go.work").to_str().unwrap());
        }
        let mut cmds: Vec<Vec<&str>> = vec![vec!["list", "-m", "all"]];
        if name != "unpruned" {
            cmds.push(vec!["mod", "download"]);
        }
        cmds.push([&["build"][..], pkgs].concat());
        cmds.push([&["test"][..], pkgs].concat());
        if workspace {
            cmds.push(vec!["work", "vendor", "-o", "vendor-out"]);
        } else {
            cmds.push(vec!["mod", "verify"]);
            cmds.push(vec!["mod", "vendor", "-o", "vendor-out"]);
        }
        for args in &cmds {
            env.run(&work, args);
        }

        // --modcache: GOMODCACHE + GOPROXY=off as printed.
        let mc = tmp.path().join("modcache");
        let (code, stdout, stderr) = run(&[
            "restore",
            archive.to_str().unwrap(),
            "--modcache",
            mc.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{name}: {stderr}");
        let lines = env_lines(&stdout);
        assert!(
            lines.contains(&("GOPROXY".to_string(), "off".to_string())),
            "{stdout}"
        );
        let mut env = GoEnv::new(go.clone())
            .var("HTTPS_PROXY", "http://127.0.0.1:9")
            .var("HTTP_PROXY", "http://127.0.0.1:9");
        for (k, v) in lines {
            env = env.var(&k, &v);
        }
        if workspace {
            env = env.var("GOWORK", work.join("go.work").to_str().unwrap());
        }
        env.run(&work, &[&["build"][..], pkgs].concat());
        if !workspace {
            let out = env.run(&work, &["mod", "verify"]);
            assert!(String::from_utf8_lossy(&out.stdout).contains("all modules verified"));
        }
        // The cache has go's own layout: .ziphash beside each zip, read-only files.
        let ziphash =
            std::fs::read_to_string(mc.join("cache/download/example.com/a/@v/v1.0.0.ziphash"));
        if let Ok(h) = ziphash {
            assert_eq!(h, "h1:w0UGFpMWAM3GF6uQysMqPMA7RPCzU1dUmImxjk4FEFk=");
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let mode = std::fs::metadata(mc.join("example.com/a@v1.0.0/a.go"))
                    .unwrap()
                    .permissions()
                    .mode();
                assert_eq!(mode & 0o777, 0o444);
            }
        }
    }
}

#[test]
fn verify_proves_completeness_and_names_what_is_missing() {
    let (tmp, archive) = archive_of(&["pruned"]);
    let a = archive.to_str().unwrap();
    let (code, _, stderr) = run(&["verify", a, "--project", &project("pruned")]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("ok") && stderr.contains("complete for"),
        "{stderr}"
    );

    // Another project's needs are not all there: each gap is named.
    let (code, stdout, stderr) = run(&["verify", a, "--project", &project("replace")]);
    assert_eq!(code, 4, "missing only is incomplete: {stderr}");
    assert!(
        stdout.contains("missing example.com/fork@v1.0.1 .mod"),
        "{stdout}"
    );
    assert!(
        stdout.contains("missing example.com/excl@v1.1.0"),
        "{stdout}"
    );

    // A restored tree with one zip deleted and one go.mod corrupted.
    let proxy = tmp.path().join("proxy");
    let (code, _, stderr) = run(&["restore", a, "--proxy", proxy.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    let (code, _, stderr) = run(&[
        "verify",
        "--proxy",
        proxy.to_str().unwrap(),
        "--project",
        &project("pruned"),
    ]);
    assert_eq!(code, 0, "{stderr}");
    std::fs::remove_file(proxy.join("example.com/!upper/!case/@v/v1.0.0.zip")).unwrap();
    std::fs::write(
        proxy.join("example.com/old/@v/v1.0.0.mod"),
        "module example.com/old\n",
    )
    .unwrap();
    let (code, stdout, stderr) = run(&[
        "verify",
        "--proxy",
        proxy.to_str().unwrap(),
        "--project",
        &project("pruned"),
    ]);
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stdout.contains("missing example.com/Upper/Case@v1.0.0 .zip"),
        "{stdout}"
    );
    assert!(
        stdout.contains("corrupt example.com/old@v1.0.0 .mod"),
        "{stdout}"
    );
    assert!(stderr.contains("FAILED: 1 missing, 1 corrupt"), "{stderr}");

    // --json
    let (_, stdout, _) = run(&[
        "verify",
        "--proxy",
        proxy.to_str().unwrap(),
        "--project",
        &project("pruned"),
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["missing"].as_array().unwrap().len(), 1);
}

#[test]
fn ls_lists_modules() {
    let (_tmp, archive) = archive_of(&["pruned"]);
    let (code, stdout, stderr) = run(&["ls", archive.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("PATH"), "{stdout}");
    assert!(
        stdout.contains("example.com/Upper/Case") && stdout.contains("info,mod,zip"),
        "{stdout}"
    );
    assert!(
        stdout.contains("example.com/pseudo") && stdout.contains(" info "),
        "{stdout}"
    );
    assert!(
        stdout
            .trim_end()
            .lines()
            .last()
            .unwrap()
            .starts_with("14 modules"),
        "{stdout}"
    );
    let (_, stdout, _) = run(&["ls", archive.to_str().unwrap(), "--json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["schema"], 1);
    assert_eq!(v["modules"].as_array().unwrap().len(), 14);
}

#[test]
fn hostile_or_damaged_archives_are_refused_and_the_target_is_untouched() {
    let (tmp, archive) = archive_of(&["unpruned"]);
    let good = snapshot_entries(&archive);
    let file = tar::EntryType::Regular;
    let target = tmp.path().join("target");
    std::fs::create_dir_all(target.join("keep")).unwrap();
    std::fs::write(target.join("keep/me"), b"precious").unwrap();
    let before = tree_listing(&target);

    let zip_idx = good.iter().position(|(n, _)| n.ends_with(".zip")).unwrap();
    let mut cases: Vec<(&str, Vec<RawEntry>, &str)> = Vec::new();
    let base: Vec<RawEntry> = good
        .iter()
        .map(|(n, d)| (n.clone(), file, d.clone()))
        .collect();
    let with = |extra: RawEntry| {
        let mut v = base.clone();
        v.push(extra);
        v
    };
    cases.push((
        "absolute",
        with(("/tmp/evil/@v/list".into(), file, b"x".to_vec())),
        "/tmp/evil",
    ));
    cases.push((
        "traversal",
        with((
            "example.com/a/@v/../../../../evil".into(),
            file,
            b"x".to_vec(),
        )),
        "evil",
    ));
    cases.push((
        "symlink",
        with((
            "example.com/a/@v/v9.0.0.zip".into(),
            tar::EntryType::Symlink,
            vec![],
        )),
        "links",
    ));
    cases.push((
        "hardlink",
        with((
            "example.com/a/@v/v9.0.0.mod".into(),
            tar::EntryType::Link,
            vec![],
        )),
        "links",
    ));
    cases.push((
        "device",
        with((
            "example.com/a/@v/v9.0.0.info".into(),
            tar::EntryType::Char,
            vec![],
        )),
        "not a regular file",
    ));
    cases.push(("duplicate", with(base[zip_idx].clone()), "duplicate"));
    cases.push((
        "unknown file",
        with(("README".into(), file, b"hi".to_vec())),
        "README",
    ));
    let mut tampered = base.clone();
    tampered[zip_idx].2[40] ^= 0xff;
    cases.push(("tampered", tampered, &base[zip_idx].0));
    let truncated: Vec<_> = base[..base.len() - 2].to_vec();
    cases.push(("truncated", truncated, "missing"));
    let mut reordered = base.clone();
    reordered.swap(0, 1);
    cases.push(("manifest not first", reordered, "first entry"));

    for (what, entries, needle) in cases {
        let bad = tmp.path().join(format!("{}.tar", what.replace(' ', "-")));
        write_tar(&bad, &entries);
        for flag in ["--proxy", "--modcache"] {
            let (code, _, stderr) = run(&[
                "restore",
                bad.to_str().unwrap(),
                flag,
                target.to_str().unwrap(),
            ]);
            // A cut-off archive is incomplete (4); anything else here is a
            // security matter (3).
            let want = if what == "truncated" { 4 } else { 3 };
            assert_eq!(code, want, "{what} {flag}: {stderr}");
            assert!(stderr.contains(needle), "{what} {flag}: {stderr}");
            assert!(!stderr.contains("panicked"));
            assert_eq!(
                tree_listing(&target),
                before,
                "{what} {flag}: target changed"
            );
        }
        let (code, _, stderr) = run(&["verify", bad.to_str().unwrap()]);
        let want = if what == "truncated" { 4 } else { 3 };
        assert_eq!(code, want, "verify {what}: {stderr}");
        assert!(stderr.contains(needle), "verify {what}: {stderr}");
    }
    assert!(!tmp.path().join("evil").exists() && !Path::new("/tmp/evil").exists());
    // No staging directories are left behind.
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".modsnap-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// The manifest's `files` entry for `name`, as mutable JSON.
fn manifest_file<'a>(m: &'a mut serde_json::Value, name: &str) -> &'a mut serde_json::Value {
    m["modules"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .flat_map(|me| me["files"].as_object_mut().unwrap().values_mut())
        .find(|f| f["name"] == name)
        .unwrap()
}

#[test]
fn manifest_digests_are_checked_and_cut_archives_refused() {
    let (tmp, archive) = archive_of(&["pruned"]);
    let good = snapshot_entries(&archive);
    let file = tar::EntryType::Regular;
    let zip_idx = good.iter().position(|(n, _)| n.ends_with(".zip")).unwrap();
    let zip_name = good[zip_idx].0.clone();
    let with_manifest = |edit: &dyn Fn(&mut serde_json::Value)| -> Vec<RawEntry> {
        let mut m: serde_json::Value = serde_json::from_slice(&good[0].1).unwrap();
        edit(&mut m);
        let mut v: Vec<RawEntry> = good
            .iter()
            .map(|(n, d)| (n.clone(), file, d.clone()))
            .collect();
        v[0].2 = serde_json::to_vec_pretty(&m).unwrap();
        v
    };
    let restore = |bad: &Path| {
        let target = tmp.path().join("target");
        let (code, _, stderr) = run(&[
            "restore",
            bad.to_str().unwrap(),
            "--proxy",
            target.to_str().unwrap(),
        ]);
        let written = target.exists();
        let _ = std::fs::remove_dir_all(&target);
        (code, stderr, written)
    };
    let verify = |bad: &Path| {
        let (code, _, stderr) = run(&["verify", bad.to_str().unwrap()]);
        (code, stderr)
    };

    // The archive with the zip's `field` digest in the manifest forged.
    let forged = |field: &str| {
        let bad = tmp.path().join(format!("forged-{field}.tar"));
        write_tar(
            &bad,
            &with_manifest(&|m| {
                manifest_file(m, &zip_name)[field] = "00".repeat(32).into();
            }),
        );
        bad
    };

    // A forged BLAKE3 is refused by restore (which checks it) and verify.
    let bad = forged("blake3");
    let (code, stderr, written) = restore(&bad);
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stderr.contains(&zip_name) && stderr.contains("blake3"),
        "{stderr}"
    );
    assert!(!written, "nothing may be written");
    let (code, stderr) = verify(&bad);
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("blake3"), "{stderr}");

    // A forged SHA-256 with a true BLAKE3: restore checks only BLAKE3 and
    // passes; verify checks both and names the entry.
    let bad = forged("sha256");
    let (code, stderr, _) = restore(&bad);
    assert_eq!(code, 0, "{stderr}");
    let (code, stderr) = verify(&bad);
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stderr.contains(&zip_name) && stderr.contains("sha256"),
        "{stderr}"
    );

    // An archive from before BLAKE3 was recorded: restores, and a changed
    // byte is still caught (by SHA-256).
    let strip = |m: &mut serde_json::Value| {
        for me in m["modules"].as_array_mut().unwrap() {
            for f in me["files"].as_object_mut().unwrap().values_mut() {
                f.as_object_mut().unwrap().remove("blake3");
            }
        }
    };
    let old = tmp.path().join("old.tar");
    write_tar(&old, &with_manifest(&strip));
    let (code, stderr, written) = restore(&old);
    assert_eq!(code, 0, "{stderr}");
    assert!(written);
    let mut tampered = with_manifest(&strip);
    tampered[zip_idx].2[40] ^= 0xff;
    let bad = tmp.path().join("old-tampered.tar");
    write_tar(&bad, &tampered);
    let (code, stderr, written) = restore(&bad);
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stderr.contains(&zip_name) && stderr.contains("sha256"),
        "{stderr}"
    );
    assert!(!written);

    // An archive cut in the middle of a zip's bytes.
    let bytes = std::fs::read(&archive).unwrap();
    let at = bytes
        .windows(good[zip_idx].1.len().min(64))
        .position(|w| w == &good[zip_idx].1[..w.len()])
        .unwrap();
    let bad = tmp.path().join("cut.tar");
    std::fs::write(&bad, &bytes[..at + good[zip_idx].1.len() / 2]).unwrap();
    let (code, stderr, written) = restore(&bad);
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains(&zip_name), "{stderr}");
    assert!(!written);
    let (code, stderr) = verify(&bad);
    assert_eq!(code, 3, "{stderr}");
}

#[test]
fn restoring_twice_merges_and_conflicts_change_nothing() {
    let (tmp1, a1) = archive_of(&["pruned"]);
    let (_tmp2, a2) = archive_of(&["unpruned"]);
    let proxy = tmp1.path().join("proxy");
    for a in [&a1, &a2, &a1] {
        let (code, _, stderr) = run(&[
            "restore",
            a.to_str().unwrap(),
            "--proxy",
            proxy.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{stderr}");
    }
    // b has v1.0.0 from the unpruned snapshot and v1.1.0 from both.
    assert_eq!(
        std::fs::read_to_string(proxy.join("example.com/b/@v/list")).unwrap(),
        "v1.0.0\nv1.1.0\n"
    );
    let names = tar_names(&a2);
    assert!(names.contains("example.com/b/@v/v1.0.0.mod"));
    assert!(proxy.join("example.com/b/@v/v1.0.0.mod").is_file());

    // A file with other bytes is a conflict: an error, and nothing changes.
    std::fs::write(
        proxy.join("example.com/a/@v/v1.0.0.mod"),
        "module example.com/a\n// changed\n",
    )
    .unwrap();
    let before = tree_listing(&proxy);
    let (code, _, stderr) = run(&[
        "restore",
        a1.to_str().unwrap(),
        "--proxy",
        proxy.to_str().unwrap(),
    ]);
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stderr.contains("example.com/a/@v/v1.0.0.mod") && stderr.contains("different content"),
        "{stderr}"
    );
    assert_eq!(tree_listing(&proxy), before);

    // Module cache: a second restore of the same archive is a no-op.
    let mc = tmp1.path().join("mc");
    for _ in 0..2 {
        let (code, _, stderr) = run(&[
            "restore",
            a1.to_str().unwrap(),
            "--modcache",
            mc.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{stderr}");
    }
    let (_, _, stderr) = run(&[
        "restore",
        a1.to_str().unwrap(),
        "--modcache",
        mc.to_str().unwrap(),
    ]);
    assert!(stderr.contains("0 files written"), "{stderr}");
}

#[test]
fn env_file_is_sourceable() {
    let (tmp, archive) = archive_of(&["unpruned"]);
    let proxy = tmp.path().join("with space");
    let env_file = tmp.path().join("env.sh");
    let (code, stdout, stderr) = run(&[
        "restore",
        archive.to_str().unwrap(),
        "--proxy",
        proxy.to_str().unwrap(),
        "--env-file",
        env_file.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            ". '{}' && printf '%s\\n' \"$GOPROXY\" \"$GONOPROXY\"",
            env_file.display()
        ))
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&out.stdout);
    let lines = env_lines(&stdout);
    assert_eq!(printed.lines().next().unwrap(), lines[0].1);
    assert_eq!(lines[0].1, format!("file://{}", proxy.display()));
    assert_eq!(printed.lines().nth(1).unwrap(), "none");
}
