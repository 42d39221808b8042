//! Private modules from git: fixture repositories made here with the `git`
//! binary, reached as `https://git.corp.example/…` through a test-only
//! `url.<base>.insteadOf` (GIT_CONFIG_GLOBAL) that sends them to local bare
//! repositories. The real go command computes go.sum from the same
//! repositories; modsnap's snapshot must verify against it (its `h1:`
//! hashes equal go's for every version), and the offline go builds from the
//! restored tree.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::cmd::TestContext;
use crate::support::go::{GoEnv, go_or_skip};

/// `git`, or `None` after a loud skip (a failure with
/// `MODSNAP_REQUIRE_GIT=1`, as `.ci/run` sets).
pub(crate) fn git_or_skip(test: &str) -> Option<()> {
    if Command::new("git")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        return Some(());
    }
    if std::env::var("MODSNAP_REQUIRE_GIT").is_ok_and(|v| v == "1") {
        panic!("{test}: git is required (MODSNAP_REQUIRE_GIT=1) but is not installed");
    }
    eprintln!(
        "\n!!!!!!!! SKIPPED {test}: git is not installed (set MODSNAP_REQUIRE_GIT=1 to fail instead) !!!!!!!!\n"
    );
    None
}

/// Fixture repositories under `root`, and the git configuration that
/// reaches them.
struct Repos {
    root: PathBuf,
    gitconfig: PathBuf,
}

impl Repos {
    fn new(root: &Path) -> Repos {
        let gitconfig = root.join("gitconfig");
        std::fs::write(
            &gitconfig,
            format!(
                "[url \"file://{}/remote/\"]\n\tinsteadOf = https://git.corp.example/\n[user]\n\tname = t\n\temail = t@example.com\n[init]\n\tdefaultBranch = main\n[protocol \"file\"]\n\tallow = always\n",
                root.display()
            ),
        )
        .unwrap();
        Repos {
            root: root.to_owned(),
            gitconfig,
        }
    }

    fn git(&self, dir: &Path, args: &[&str], date: Option<&str>) {
        let mut c = Command::new("git");
        c.args(args)
            .current_dir(dir)
            .env("GIT_CONFIG_GLOBAL", &self.gitconfig)
            .env("GIT_CONFIG_NOSYSTEM", "1");
        if let Some(d) = date {
            c.env("GIT_AUTHOR_DATE", d).env("GIT_COMMITTER_DATE", d);
        }
        let out = c.output().unwrap();
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// A work tree `name` whose commits are pushed to the bare
    /// `remote/<name>`.
    fn work(&self, name: &str) -> PathBuf {
        let work = self.root.join("work").join(name);
        std::fs::create_dir_all(&work).unwrap();
        self.git(&work, &["init", "-q"], None);
        let bare = self.root.join("remote").join(name);
        std::fs::create_dir_all(&bare).unwrap();
        self.git(&bare, &["init", "-q", "--bare"], None);
        self.git(
            &work,
            &["remote", "add", "origin", bare.to_str().unwrap()],
            None,
        );
        work
    }

    fn commit(&self, work: &Path, files: &[(&str, &str)], date: &str, tags: &[&str]) {
        for (name, data) in files {
            let p = work.join(name);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, data).unwrap();
        }
        self.git(work, &["add", "-A"], None);
        self.git(work, &["commit", "-q", "-m", "c"], Some(date));
        for t in tags {
            self.git(work, &["tag", t], None);
        }
        self.git(
            work,
            &["push", "-q", "origin", "HEAD:refs/heads/main", "--tags"],
            None,
        );
    }

    fn head(&self, work: &Path) -> String {
        let out = Command::new("git")
            .args(["rev-parse", "HEAD"])
            .current_dir(work)
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }
}

const M: &str = "git.corp.example/team/repo.git";

/// `modsnap snapshot PROJ -o ARCHIVE` with GOPROXY=direct and `vars`;
/// panics with stderr unless it succeeds.
fn snapshot_direct(ctx: &TestContext, proj: &Path, archive: &Path, vars: &[(&str, String)]) {
    let mut c = ctx.modsnap(&[
        "snapshot",
        proj.to_str().unwrap(),
        "-o",
        archive.to_str().unwrap(),
        "--no-sumdb",
        "--no-toolchains",
    ]);
    c.env("GOPROXY", "direct");
    for (k, v) in vars {
        c.env(k, v);
    }
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "snapshot: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn private_git_modules_are_zipped_and_hashed_exactly_as_go_does() {
    let test = "private_git_modules_are_zipped_and_hashed_exactly_as_go_does";
    let Some(()) = git_or_skip(test) else { return };
    let Some(go) = go_or_skip(test) else { return };
    let tmp = tempfile::tempdir().unwrap();
    let repos = Repos::new(tmp.path());

    // team/repo: a root module, a module in sub/ (prefixed tags, inheriting
    // the root LICENSE), a nested module the root zip must leave out, a
    // vendor directory, a v2 major-version subdirectory, CRLF, an
    // export-ignore attribute (ignored, as go ignores it), a symlink.
    let repo = repos.work("team/repo");
    repos.commit(
        &repo,
        &[
            ("go.mod", &format!("module {M}\n\ngo 1.21\n")),
            ("LICENSE", "root license\n"),
            ("a.go", "package repo\n\nconst A = 1\n"),
            ("crlf.txt", "one\r\ntwo\r\n"),
            (".gitattributes", "ignored.txt export-ignore\n"),
            ("ignored.txt", "kept despite export-ignore\n"),
            ("vendor/modules.txt", "# vendored\n"),
            ("vendor/x/y.go", "package y\n"),
            ("nested/go.mod", &format!("module {M}/nested\n")),
            ("nested/n.go", "package nested\n"),
            ("sub/go.mod", &format!("module {M}/sub\n\ngo 1.21\n")),
            ("sub/s.go", "package sub\n\nconst S = 2\n"),
            ("v2/go.mod", &format!("module {M}/v2\n\ngo 1.21\n")),
            ("v2/b.go", "package repo\n\nconst B = 2\n"),
        ],
        "2024-01-02T03:04:05Z",
        &["v1.0.0", "sub/v0.1.0", "v2.0.0"],
    );
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("a.go", repo.join("link.go")).unwrap();
    }
    repos.commit(
        &repo,
        &[("a.go", "package repo\n\nconst A = 11\n")],
        "2024-02-03T04:05:06Z",
        &["v1.1.0"],
    );
    repos.commit(
        &repo,
        &[("c.go", "package repo\n\nconst C = 3\n")],
        "2024-03-04T05:06:07Z",
        &[],
    );
    let head = repos.head(&repo);
    let pseudo = format!("v1.1.1-0.20240304050607-{}", &head[..12]);
    // team/old: no go.mod, tagged v2.0.0 → v2.0.0+incompatible.
    let old = repos.work("team/old");
    repos.commit(
        &old,
        &[
            ("old.go", "package old\n\nconst O = 1\n"),
            ("LICENSE", "old\n"),
        ],
        "2023-05-06T07:08:09Z",
        &["v2.0.0"],
    );
    // The other two pseudo-version forms: no tag at all (v0.0.0-…), and
    // after a pre-release tag (v1.2.0-rc.1.0.…).
    let bare = repos.work("team/bare");
    repos.commit(
        &bare,
        &[
            (
                "go.mod",
                "module git.corp.example/team/bare.git\n\ngo 1.21\n",
            ),
            ("b.go", "package bare\n\nconst X = 8\n"),
        ],
        "2022-02-03T04:05:06Z",
        &[],
    );
    let bare_pseudo = format!("v0.0.0-20220203040506-{}", &repos.head(&bare)[..12]);
    let pre = repos.work("team/pre");
    repos.commit(
        &pre,
        &[
            (
                "go.mod",
                "module git.corp.example/team/pre.git\n\ngo 1.21\n",
            ),
            ("p.go", "package pre\n\nconst Y = 1\n"),
        ],
        "2022-03-04T05:06:07Z",
        &["v1.2.0-rc.1"],
    );
    repos.commit(
        &pre,
        &[("p.go", "package pre\n\nconst Y = 10\n")],
        "2022-03-05T05:06:07Z",
        &[],
    );
    let pre_pseudo = format!("v1.2.0-rc.1.0.20220305050607-{}", &repos.head(&pre)[..12]);

    // The consumer project, tidied by the real go from the repositories.
    let proj = tmp.path().join("proj");
    std::fs::create_dir_all(&proj).unwrap();
    std::fs::write(
        proj.join("go.mod"),
        format!(
            "module example.com/consumer\n\ngo 1.21\n\nrequire (\n\t{M} {pseudo}\n\t{M}/sub v0.1.0\n\t{M}/v2 v2.0.0\n\tgit.corp.example/team/old.git v2.0.0+incompatible\n\tgit.corp.example/team/bare.git {bare_pseudo}\n\tgit.corp.example/team/pre.git {pre_pseudo}\n)\n"
        ),
    )
    .unwrap();
    std::fs::write(
        proj.join("main.go"),
        format!(
            "package main\n\nimport (\n\t\"fmt\"\n\n\trepo \"{M}\"\n\t\"{M}/sub\"\n\trepo2 \"{M}/v2\"\n\t\"git.corp.example/team/old.git\"\n\t\"git.corp.example/team/bare.git\"\n\t\"git.corp.example/team/pre.git\"\n)\n\nfunc main() {{ fmt.Println(repo.A, repo.C, sub.S, repo2.B, old.O, bare.X, pre.Y) }}\n"
        ),
    )
    .unwrap();
    let online = GoEnv::new(go.clone())
        .var("GOPROXY", "direct")
        .var("GOPRIVATE", "git.corp.example")
        .var("GIT_CONFIG_GLOBAL", repos.gitconfig.to_str().unwrap())
        .var("GIT_CONFIG_NOSYSTEM", "1")
        .var("GOFLAGS", "-modcacherw -mod=mod");
    online.run(&proj, &["mod", "tidy"]);
    let dl = online.run(&proj, &["mod", "download", "-json", "all"]);
    let gosum = std::fs::read_to_string(proj.join("go.sum")).unwrap();
    assert!(gosum.contains(&format!("{M} {pseudo} h1:")), "{gosum}");

    // modsnap snapshots the same modules from the same repositories: every
    // zip and go.mod is checked against go's go.sum. A dead GOPROXY and a
    // checksum database nobody can reach show that private modules never
    // go to either.
    let ctx = TestContext::new();
    let archive = tmp.path().join("deps.tar");
    let out = ctx
        .modsnap(&[
            "snapshot",
            proj.to_str().unwrap(),
            "-o",
            archive.to_str().unwrap(),
            "--no-toolchains",
        ])
        .env("GOPROXY", "http://127.0.0.1:9")
        .env("GOSUMDB", "sum.golang.org")
        .env("GOPRIVATE", "git.corp.example")
        .env("GIT_CONFIG_GLOBAL", &repos.gitconfig)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "snapshot: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Every h1 of go's `mod download -json` is the manifest's.
    let manifest: serde_json::Value = {
        let mut ar = tar::Archive::new(std::fs::File::open(&archive).unwrap());
        let mut e = ar.entries().unwrap().next().unwrap().unwrap();
        serde_json::from_reader(&mut e).unwrap()
    };
    let text = String::from_utf8(dl.stdout).unwrap();
    let mut compared = 0;
    for doc in serde_json::Deserializer::from_str(&text).into_iter::<serde_json::Value>() {
        let doc = doc.unwrap();
        let (path, version) = (
            doc["Path"].as_str().unwrap(),
            doc["Version"].as_str().unwrap(),
        );
        let entry = manifest["modules"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["path"] == path && m["version"] == version)
            .unwrap_or_else(|| panic!("{path}@{version} not in the manifest"));
        if let Some(sum) = doc["Sum"].as_str() {
            assert_eq!(entry["zip_h1"], sum, "{path}@{version} zip");
            compared += 1;
        }
        assert_eq!(entry["mod_h1"], doc["GoModSum"], "{path}@{version} go.mod");
    }
    assert_eq!(compared, 6, "{text}");

    // The zips hold what go's do: the nested module and vendored package
    // left out, the symlink omitted, the export-ignored file kept, CRLF
    // kept, the root LICENSE in sub's zip.
    let zip_of = |name: &str| -> std::collections::BTreeMap<String, Vec<u8>> {
        let mut ar = tar::Archive::new(std::fs::File::open(&archive).unwrap());
        let mut data = Vec::new();
        for e in ar.entries().unwrap() {
            let mut e = e.unwrap();
            if e.path().unwrap().to_string_lossy() == name {
                std::io::Read::read_to_end(&mut e, &mut data).unwrap();
            }
        }
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(data)).expect(name);
        (0..z.len())
            .map(|i| {
                let mut f = z.by_index(i).unwrap();
                let mut d = Vec::new();
                std::io::Read::read_to_end(&mut f, &mut d).unwrap();
                (f.name().unwrap().to_string(), d)
            })
            .collect()
    };
    let root = zip_of(&format!("{M}/@v/{pseudo}.zip"));
    let p = format!("{M}@{pseudo}/");
    let files: Vec<String> = root
        .keys()
        .map(|k| k.trim_start_matches(&p).to_string())
        .collect();
    assert_eq!(
        files,
        [
            ".gitattributes",
            "LICENSE",
            "a.go",
            "c.go",
            "crlf.txt",
            "go.mod",
            "ignored.txt",
            "vendor/modules.txt"
        ],
        "the nested module, the vendored package, the symlink and the other modules' directories are left out"
    );
    assert_eq!(root[&format!("{p}crlf.txt")], b"one\r\ntwo\r\n");
    let sub = zip_of(&format!("{M}/sub/@v/v0.1.0.zip"));
    assert_eq!(sub[&format!("{M}/sub@v0.1.0/LICENSE")], b"root license\n");
    let old_zip = zip_of("git.corp.example/team/old.git/@v/v2.0.0+incompatible.zip");
    assert_eq!(old_zip.len(), 2, "{:?}", old_zip.keys());

    // verify proves offline that the archive holds what the project needs.
    let (code, stdout, err) = ctx.run(&[
        "verify",
        archive.to_str().unwrap(),
        "--project",
        proj.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "verify: {stdout}{err}");

    // Offline: the restored tree builds the project with the same go.sum.
    let tree = tmp.path().join("tree");
    let (code, _, err) = ctx.run(&[
        "restore",
        archive.to_str().unwrap(),
        "--proxy",
        tree.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let offline = GoEnv::new(go)
        .var("GOPROXY", &format!("file://{}", tree.display()))
        .var("GONOPROXY", "none")
        .var("GOPRIVATE", "git.corp.example")
        .var("GOFLAGS", "-modcacherw -mod=mod");
    let run = offline.run(&proj, &["run", "."]);
    assert_eq!(
        String::from_utf8_lossy(&run.stdout).trim(),
        "11 3 2 2 1 8 10"
    );
    offline.run(&proj, &["mod", "verify"]);
}

#[test]
fn version_control_failures_are_one_line_and_write_nothing() {
    let test = "version_control_failures_are_one_line_and_write_nothing";
    let Some(()) = git_or_skip(test) else { return };
    let go = go_or_skip(test);
    let tmp = tempfile::tempdir().unwrap();
    let repos = Repos::new(tmp.path());
    let repo = repos.work("team/repo");
    repos.commit(
        &repo,
        &[
            ("go.mod", &format!("module {M}\n\ngo 1.21\n")),
            ("a.go", "package repo\n"),
        ],
        "2024-01-02T03:04:05Z",
        &["v1.0.0", "v3.0.0"],
    );
    // File names that differ only in case: go refuses to zip them.
    let clash = repos.work("team/clash");
    repos.commit(
        &clash,
        &[
            (
                "go.mod",
                "module git.corp.example/team/clash.git\n\ngo 1.21\n",
            ),
            ("README.md", "upper\n"),
            ("Readme.md", "mixed\n"),
        ],
        "2024-01-02T03:04:05Z",
        &["v1.0.0"],
    );
    let ctx = TestContext::new();
    let case = |name: &str, require: &str, vars: &[(&str, &str)]| -> (i32, String, bool) {
        let proj = tmp.path().join(name);
        std::fs::create_dir_all(&proj).unwrap();
        std::fs::write(
            proj.join("go.mod"),
            format!("module example.com/consumer\n\ngo 1.21\n\nrequire {require}\n"),
        )
        .unwrap();
        // The go.mod line is right for the clash repository (so its zip is
        // reached), made up for the others (they fail before it matters).
        let (path, _) = require.split_once(' ').unwrap();
        let mod_h1 =
            modsnap::dirhash::hash_go_mod(format!("module {path}\n\ngo 1.21\n").as_bytes());
        std::fs::write(
            proj.join("go.sum"),
            format!(
                "{require} h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n{require}/go.mod {mod_h1}\n"
            ),
        )
        .unwrap();
        let archive = tmp.path().join(format!("{name}.tar"));
        let mut c = ctx.modsnap(&[
            "snapshot",
            proj.to_str().unwrap(),
            "-o",
            archive.to_str().unwrap(),
            "--no-sumdb",
            "--no-toolchains",
        ]);
        c.env("GOPROXY", "http://127.0.0.1:9")
            .env("GOPRIVATE", "git.corp.example")
            .env("GIT_CONFIG_GLOBAL", &repos.gitconfig)
            .env("GIT_CONFIG_NOSYSTEM", "1");
        for (k, v) in vars {
            c.env(k, v);
        }
        let out = c.output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stderr).into_owned(),
            archive.exists(),
        )
    };
    for (name, require, vars, want_code, want) in [
        (
            "tag",
            format!("{M} v1.9.9"),
            vec![],
            1,
            "unknown revision v1.9.9 (no such tag in https://git.corp.example/team/repo)",
        ),
        (
            "commit",
            format!("{M} v0.0.0-20240102030405-0123456789ab"),
            vec![],
            1,
            "unknown revision 0123456789ab: the pseudo-version names a commit",
        ),
        (
            "notime",
            format!("{M} v1.0.1-0.20250102030405-{}", &repos.head(&repo)[..12]),
            vec![],
            1,
            "does not match version-control timestamp (expected 20240102030405)",
        ),
        (
            "tampered",
            format!("{M} v1.0.0"),
            vec![],
            3,
            "checksum mismatch (SECURITY ERROR)",
        ),
        (
            "nobase",
            format!("{M} v1.5.1-0.20240102030405-{}", &repos.head(&repo)[..12]),
            vec![],
            1,
            "invalid pseudo-version: preceding tag (v1.5.0) not found",
        ),
        (
            "canonical",
            format!("{M} v1.0.1-0.20240102030405-{}", &repos.head(&repo)[..12]),
            vec![],
            1,
            "invalid pseudo-version: tag (v1.0.0) found on revision",
        ),
        (
            "v1notag",
            format!("{M} v1.0.0-20240102030405-{}", &repos.head(&repo)[..12]),
            vec![],
            1,
            "invalid pseudo-version: major version without preceding tag must be v0, not v1",
        ),
        (
            "nogomod",
            format!("{M}/v3 v3.0.0"),
            vec![],
            1,
            "go.mod has non-.../v3 module path \"git.corp.example/team/repo.git\" (and .../v3/go.mod does not exist) at revision v3.0.0",
        ),
        (
            "host",
            "git.corp.example/team/nothere.git v1.0.0".to_string(),
            vec![],
            1,
            "no secure protocol found for repository git.corp.example/team/nothere",
        ),
        (
            "notmodule",
            format!("{M}/other v1.0.0"),
            vec![],
            1,
            "unknown revision other/v1.0.0",
        ),
        (
            "govcs",
            format!("{M} v1.0.0"),
            vec![("GOVCS", "private:none")],
            2,
            "GOVCS disallows using git for private git.corp.example/team/repo.git",
        ),
        (
            "clash",
            "git.corp.example/team/clash.git v1.0.0".to_string(),
            vec![],
            1,
            "case-insensitive file name collision: \"README.md\" and \"Readme.md\"",
        ),
        (
            "discovery",
            "corp.example/plain/path v1.0.0".to_string(),
            vec![("GOPRIVATE", "corp.example")],
            1,
            "cannot find its repository",
        ),
    ] {
        let (code, stderr, written) = case(name, &require, &vars);
        assert_eq!(code, want_code, "{name}: {stderr}");
        assert!(stderr.contains(want), "{name}: want {want:?} in {stderr}");
        let errors: Vec<&str> = stderr
            .lines()
            .filter(|l| l.starts_with("modsnap: error:"))
            .collect();
        assert_eq!(errors.len(), 1, "{name}: one error line: {stderr}");
        assert!(!written, "{name}: no archive");
        // The pseudo-version refusals are go's own words: go says the same
        // of the same repository.
        if let Some(go) = &go
            && matches!(
                name,
                "commit" | "notime" | "nobase" | "canonical" | "v1notag"
            )
        {
            let query = require.replacen(' ', "@", 1);
            let out = GoEnv::new(go.clone())
                .var("GOPROXY", "direct")
                .var("GOPRIVATE", "git.corp.example")
                .var("GIT_CONFIG_GLOBAL", repos.gitconfig.to_str().unwrap())
                .var("GIT_CONFIG_NOSYSTEM", "1")
                .cmd(tmp.path(), &["mod", "download", "-json", &query])
                .output()
                .unwrap();
            let said = String::from_utf8_lossy(&out.stdout);
            let go_words = want.split(": the pseudo-version").next().unwrap();
            assert!(
                !out.status.success() && said.contains(go_words),
                "{name}: go says {said}"
            );
        }
    }
}

/// A plain-HTTP server that is both the `?go-get=1` host for every name
/// (through HTTP_PROXY: requests arrive in absolute form) and refuses
/// CONNECT, so https discovery fails and GOINSECURE's http is used, as it
/// would be against an internal http-only server.
struct GoGet {
    addr: String,
    log: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl GoGet {
    fn start(pages: Vec<(String, String)>) -> GoGet {
        use std::io::{BufRead, BufReader, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let l2 = log.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(mut conn) = conn else { continue };
                let mut reader = BufReader::new(conn.try_clone().unwrap());
                let mut line = String::new();
                if reader.read_line(&mut line).is_err() {
                    continue;
                }
                loop {
                    let mut h = String::new();
                    if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
                        break;
                    }
                }
                let target = line.split_whitespace().nth(1).unwrap_or("").to_string();
                l2.lock().unwrap().push(line.trim().to_string());
                if line.starts_with("CONNECT") {
                    let _ = conn.write_all(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                    continue;
                }
                let path = target
                    .trim_start_matches("http://")
                    .split('?')
                    .next()
                    .unwrap_or("")
                    .to_string();
                let body = pages
                    .iter()
                    .find(|(p, _)| *p == path)
                    .map(|(_, b)| b.clone());
                let resp = match body {
                    Some(b) => format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{b}",
                        b.len()
                    ),
                    None => {
                        "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                            .to_string()
                    }
                };
                let _ = conn.write_all(resp.as_bytes());
            }
        });
        GoGet { addr, log }
    }
}

#[test]
fn go_import_discovery_finds_repositories_and_proxies_as_go_does() {
    let test = "go_import_discovery_finds_repositories_and_proxies_as_go_does";
    let Some(()) = git_or_skip(test) else { return };
    let Some(go) = go_or_skip(test) else { return };
    let tmp = tempfile::tempdir().unwrap();
    let repos = Repos::new(tmp.path());
    let lib = repos.work("team/lib");
    repos.commit(
        &lib,
        &[
            ("go.mod", "module corp.example/team/lib\n\ngo 1.21\n"),
            ("l.go", "package lib\n\nconst L = 5\n"),
            (
                "sub/go.mod",
                "module corp.example/team/lib/sub\n\ngo 1.21\n",
            ),
            ("sub/s.go", "package sub\n\nconst S = 6\n"),
        ],
        "2024-04-05T06:07:08Z",
        &["v1.0.0", "sub/v1.0.0"],
    );
    // corp.example/proxied comes from a GOPROXY its go-import tag names.
    let proxied = crate::support::proxy::ModuleSource::load_in("vcs", "proxied");
    let tree = crate::support::proxy::ProxyTree::new(&[proxied]);
    let proxy = crate::support::proxy::Server::start(tree.dir.path());
    let meta = |content: &str| {
        format!("<html><head><meta name=\"go-import\" content=\"{content}\"></head></html>")
    };
    let lib_page = meta("corp.example/team/lib git https://git.corp.example/team/lib");
    let gg = GoGet::start(vec![
        ("corp.example/team/lib".into(), lib_page.clone()),
        ("corp.example/team/lib/sub".into(), lib_page),
        (
            "corp.example/proxied".into(),
            meta(&format!("corp.example/proxied mod {}", proxy.url())),
        ),
    ]);
    let proj = tmp.path().join("proj");
    std::fs::create_dir_all(&proj).unwrap();
    std::fs::write(
        proj.join("go.mod"),
        "module example.com/consumer\n\ngo 1.21\n\nrequire (\n\tcorp.example/team/lib v1.0.0\n\tcorp.example/team/lib/sub v1.0.0\n\tcorp.example/proxied v1.0.0\n)\n",
    )
    .unwrap();
    std::fs::write(
        proj.join("main.go"),
        "package main\n\nimport (\n\t\"fmt\"\n\n\t\"corp.example/proxied\"\n\t\"corp.example/team/lib\"\n\t\"corp.example/team/lib/sub\"\n)\n\nfunc main() { fmt.Println(lib.L, sub.S, proxied.P) }\n",
    )
    .unwrap();
    let forward = format!("http://{}", gg.addr);
    let vars: Vec<(&str, String)> = vec![
        ("GOPRIVATE", "corp.example".into()),
        ("GOINSECURE", "corp.example".into()),
        ("HTTP_PROXY", forward.clone()),
        ("HTTPS_PROXY", forward.clone()),
        ("NO_PROXY", "127.0.0.1".into()),
        (
            "GIT_CONFIG_GLOBAL",
            repos.gitconfig.to_string_lossy().into_owned(),
        ),
        ("GIT_CONFIG_NOSYSTEM", "1".into()),
    ];
    let mut online = GoEnv::new(go.clone())
        .var("GOPROXY", "direct")
        .var("GOFLAGS", "-modcacherw -mod=mod");
    for (k, v) in &vars {
        online = online.var(k, v);
    }
    online.run(&proj, &["mod", "tidy"]);
    let go_sum = std::fs::read_to_string(proj.join("go.sum")).unwrap();
    assert!(
        go_sum.contains("corp.example/proxied v1.0.0 h1:"),
        "{go_sum}"
    );
    let go_asked = gg.log.lock().unwrap().len();
    assert!(go_asked > 0, "go asked the discovery host");

    let ctx = TestContext::new();
    let archive = tmp.path().join("deps.tar");
    snapshot_direct(&ctx, &proj, &archive, &vars);
    let log = gg.log.lock().unwrap().clone();
    assert!(
        log[go_asked..]
            .iter()
            .any(|l| l.starts_with("GET http://corp.example/team/lib/sub?go-get=1")),
        "modsnap asked for the sub-module's page and confirmed it on the prefix's: {log:?}"
    );
    assert!(
        proxy.log().iter().any(|p| p.ends_with("/@v/v1.0.0.zip")),
        "the mod proxy served the zip"
    );

    // Offline, from the restored tree, with go's go.sum.
    let tree_dir = tmp.path().join("tree");
    let (code, _, err) = ctx.run(&[
        "restore",
        archive.to_str().unwrap(),
        "--proxy",
        tree_dir.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    drop(proxy);
    let offline = GoEnv::new(go)
        .var("GOPROXY", &format!("file://{}", tree_dir.display()))
        .var("GONOPROXY", "none")
        .var("GOPRIVATE", "corp.example")
        .var("GOFLAGS", "-modcacherw -mod=mod");
    let run = offline.run(&proj, &["run", "."]);
    assert_eq!(String::from_utf8_lossy(&run.stdout).trim(), "5 6 7");
}

#[test]
fn ssh_transport_through_git_ssh_command() {
    // No sshd in CI: GIT_SSH_COMMAND runs git-upload-pack on the local
    // bare repository, which is what an ssh server would run; the URL is
    // git+ssh://, chosen because https does not answer (as go chooses).
    let test = "ssh_transport_through_git_ssh_command";
    let Some(()) = git_or_skip(test) else { return };
    let Some(go) = go_or_skip(test) else { return };
    let tmp = tempfile::tempdir().unwrap();
    let repos = Repos::new(tmp.path());
    let work = repos.work("team/sshrepo");
    repos.commit(
        &work,
        &[
            (
                "go.mod",
                "module git.corp.example/team/sshrepo.git\n\ngo 1.21\n",
            ),
            ("s.go", "package sshrepo\n\nconst V = 9\n"),
        ],
        "2024-06-07T08:09:10Z",
        &["v1.0.0"],
    );
    // A configuration without the https rewrite, and a simple ssh variant.
    let gitconfig = tmp.path().join("gitconfig-ssh");
    std::fs::write(&gitconfig, "[ssh]\n\tvariant = simple\n").unwrap();
    let shim = tmp.path().join("ssh-shim");
    let log = tmp.path().join("ssh.log");
    std::fs::write(
        &shim,
        format!(
            "#!/bin/sh\nfor last; do :; done\necho \"$@\" >> '{log}'\npath=$(eval echo \"${{last#git-upload-pack }}\")\nexec git-upload-pack \"{root}/remote$path\"\n",
            log = log.display(),
            root = tmp.path().display()
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&shim, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let proj = tmp.path().join("proj");
    std::fs::create_dir_all(&proj).unwrap();
    std::fs::write(
        proj.join("go.mod"),
        "module example.com/consumer\n\ngo 1.21\n\nrequire git.corp.example/team/sshrepo.git v1.0.0\n",
    )
    .unwrap();
    std::fs::write(
        proj.join("main.go"),
        "package main\n\nimport (\n\t\"fmt\"\n\n\t\"git.corp.example/team/sshrepo.git\"\n)\n\nfunc main() { fmt.Println(sshrepo.V) }\n",
    )
    .unwrap();
    let vars = [
        ("GOPRIVATE", "git.corp.example".to_string()),
        (
            "GIT_CONFIG_GLOBAL",
            gitconfig.to_string_lossy().into_owned(),
        ),
        ("GIT_CONFIG_NOSYSTEM", "1".to_string()),
        ("GIT_SSH_COMMAND", shim.to_string_lossy().into_owned()),
    ];
    let mut online = GoEnv::new(go)
        .var("GOPROXY", "direct")
        .var("GOFLAGS", "-modcacherw -mod=mod");
    for (k, v) in &vars {
        online = online.var(k, v);
    }
    online.run(&proj, &["mod", "tidy"]);
    std::fs::remove_file(&log).unwrap();
    let ctx = TestContext::new();
    let archive = tmp.path().join("deps.tar");
    snapshot_direct(&ctx, &proj, &archive, &vars);
    let used = std::fs::read_to_string(&log).unwrap();
    assert!(
        used.contains("git.corp.example git-upload-pack '/team/sshrepo'"),
        "{used}"
    );
}

/// `git http-backend` behind a minimal HTTP/1.1 server (CGI), with basic
/// authentication: git's smart HTTP protocol, as a Git server speaks it.
struct HttpBackend {
    port: u16,
    log: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl HttpBackend {
    fn start(project_root: &Path, user: &'static str, pass: &'static str) -> HttpBackend {
        use std::io::{BufRead, BufReader, Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (l2, root) = (log.clone(), project_root.to_owned());
        let want_auth = format!(
            "Basic {}",
            base64::Engine::encode(
                &base64::engine::general_purpose::STANDARD,
                format!("{user}:{pass}")
            )
        );
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(mut conn) = conn else { continue };
                let (l3, root, want_auth) = (l2.clone(), root.clone(), want_auth.clone());
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(conn.try_clone().unwrap());
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let mut headers = Vec::new();
                    loop {
                        let mut h = String::new();
                        if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
                            break;
                        }
                        if let Some((k, v)) = h.trim_end().split_once(':') {
                            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
                        }
                    }
                    let get =
                        |k: &str| headers.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
                    let mut parts = line.split_whitespace();
                    let method = parts.next().unwrap_or("").to_string();
                    let target = parts.next().unwrap_or("").to_string();
                    let authorized = get("authorization").as_deref() == Some(want_auth.as_str());
                    l3.lock()
                        .unwrap()
                        .push(format!("{method} {target} auth={authorized}"));
                    if !authorized {
                        let _ = conn.write_all(b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"git\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                        return;
                    }
                    let mut body = Vec::new();
                    if let Some(n) = get("content-length").and_then(|v| v.parse::<usize>().ok()) {
                        body.resize(n, 0);
                        reader.read_exact(&mut body).unwrap();
                    } else if get("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
                        loop {
                            let mut size = String::new();
                            reader.read_line(&mut size).unwrap();
                            let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
                            let mut chunk = vec![0u8; n + 2];
                            reader.read_exact(&mut chunk).unwrap();
                            if n == 0 {
                                break;
                            }
                            body.extend_from_slice(&chunk[..n]);
                        }
                    }
                    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
                    let mut cgi = Command::new("git");
                    cgi.arg("http-backend")
                        .env("GIT_PROJECT_ROOT", &root)
                        .env("GIT_HTTP_EXPORT_ALL", "1")
                        .env("REQUEST_METHOD", &method)
                        .env("PATH_INFO", path)
                        .env("QUERY_STRING", query)
                        .env("CONTENT_LENGTH", body.len().to_string())
                        .env("REMOTE_USER", "u")
                        .env("REMOTE_ADDR", "127.0.0.1")
                        .stdin(std::process::Stdio::piped())
                        .stdout(std::process::Stdio::piped());
                    for (h, var) in [
                        ("content-type", "CONTENT_TYPE"),
                        ("content-encoding", "HTTP_CONTENT_ENCODING"),
                        ("git-protocol", "GIT_PROTOCOL"),
                    ] {
                        if let Some(v) = get(h) {
                            cgi.env(var, v);
                        }
                    }
                    let mut child = cgi.spawn().unwrap();
                    child.stdin.take().unwrap().write_all(&body).unwrap();
                    let mut out = Vec::new();
                    child.stdout.take().unwrap().read_to_end(&mut out).unwrap();
                    let _ = child.wait();
                    let split = out
                        .windows(4)
                        .position(|w| w == b"\r\n\r\n")
                        .map(|i| (i, 4))
                        .or_else(|| out.windows(2).position(|w| w == b"\n\n").map(|i| (i, 2)))
                        .unwrap_or((out.len(), 0));
                    let head = String::from_utf8_lossy(&out[..split.0]).into_owned();
                    let mut status = "200 OK".to_string();
                    let mut resp = String::new();
                    for h in head.lines() {
                        if let Some(s) = h.strip_prefix("Status:") {
                            status = s.trim().to_string();
                        } else if !h.is_empty() {
                            resp.push_str(h);
                            resp.push_str("\r\n");
                        }
                    }
                    let payload = &out[(split.0 + split.1).min(out.len())..];
                    let _ = conn.write_all(
                        format!("HTTP/1.1 {status}\r\n{resp}Content-Length: {}\r\nConnection: close\r\n\r\n", payload.len()).as_bytes(),
                    );
                    let _ = conn.write_all(payload);
                });
            }
        });
        HttpBackend { port, log }
    }
}

#[test]
fn git_over_http_with_a_credential_helper_and_refused_without() {
    let test = "git_over_http_with_a_credential_helper_and_refused_without";
    let Some(()) = git_or_skip(test) else { return };
    let Some(go) = go_or_skip(test) else { return };
    let tmp = tempfile::tempdir().unwrap();
    let repos = Repos::new(tmp.path());
    let work = repos.work("team/web");
    repos.commit(
        &work,
        &[
            (
                "go.mod",
                "module git.corp.example/team/web.git\n\ngo 1.21\n",
            ),
            ("w.go", "package web\n\nconst W = 4\n"),
        ],
        "2024-07-08T09:10:11Z",
        &["v1.0.0"],
    );
    let server = HttpBackend::start(&tmp.path().join("remote"), "ci", "s3cret-token");
    let base = format!(
        "[url \"http://127.0.0.1:{}/\"]\n\tinsteadOf = https://git.corp.example/\n",
        server.port
    );
    let with_helper = tmp.path().join("gitconfig-http");
    std::fs::write(
        &with_helper,
        format!("{base}[credential]\n\thelper = \"!f() {{ echo username=ci; echo password=s3cret-token; }}; f\"\n"),
    )
    .unwrap();
    let without = tmp.path().join("gitconfig-noauth");
    std::fs::write(&without, &base).unwrap();
    let proj = tmp.path().join("proj");
    std::fs::create_dir_all(&proj).unwrap();
    std::fs::write(
        proj.join("go.mod"),
        "module example.com/consumer\n\ngo 1.21\n\nrequire git.corp.example/team/web.git v1.0.0\n",
    )
    .unwrap();
    std::fs::write(
        proj.join("main.go"),
        "package main\n\nimport (\n\t\"fmt\"\n\n\t\"git.corp.example/team/web.git\"\n)\n\nfunc main() { fmt.Println(web.W) }\n",
    )
    .unwrap();
    let online = GoEnv::new(go)
        .var("GOPROXY", "direct")
        .var("GOPRIVATE", "git.corp.example")
        .var("GIT_CONFIG_GLOBAL", with_helper.to_str().unwrap())
        .var("GIT_CONFIG_NOSYSTEM", "1")
        .var("GOFLAGS", "-modcacherw -mod=mod");
    online.run(&proj, &["mod", "tidy"]);
    let snapshot = |config: &Path, out: &Path| {
        let ctx = TestContext::new();
        let o = ctx
            .modsnap(&[
                "snapshot",
                proj.to_str().unwrap(),
                "-o",
                out.to_str().unwrap(),
                "--no-sumdb",
                "--no-toolchains",
                "--cache-dir",
                tmp.path()
                    .join(format!(
                        "cache-{}",
                        out.file_name().unwrap().to_string_lossy()
                    ))
                    .to_str()
                    .unwrap(),
            ])
            .env("GOPROXY", "direct")
            .env("GOPRIVATE", "git.corp.example")
            .env("GIT_CONFIG_GLOBAL", config)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .output()
            .unwrap();
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let good = tmp.path().join("good.tar");
    let (code, stderr) = snapshot(&with_helper, &good);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        server
            .log
            .lock()
            .unwrap()
            .iter()
            .any(|l| l.contains("git-upload-pack auth=true")),
        "smart HTTP through http-backend: {:?}",
        server.log.lock().unwrap()
    );
    // Without credentials: refused, one line, the secret nowhere, nothing written.
    let bad = tmp.path().join("bad.tar");
    let (code, stderr) = snapshot(&without, &bad);
    assert_eq!(code, Some(1), "{stderr}");
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("modsnap: error:"))
        .collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    assert!(
        errors[0].contains("git.corp.example/team/web.git@v1.0.0")
            && errors[0].contains("no secure protocol found")
            && errors[0].contains("git ls-remote -q https://git.corp.example/team/web")
            && errors[0].contains("terminal prompts disabled"),
        "{stderr}"
    );
    assert!(!stderr.contains("s3cret-token"));
    assert!(!bad.exists());
}
