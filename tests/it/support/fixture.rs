//! The snapshot fixture shared by the end-to-end tests: the fixture proxy
//! (every `testdata/modules` module, served on loopback) with a scratch
//! directory, and small archive and tree helpers.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::cmd::modsnap;
use super::proxy::{ModuleSource, ProxyTree, Server, testdata};

/// A fixture proxy (tree + loopback server) and a scratch directory.
pub struct Fixture {
    pub tree: ProxyTree,
    pub server: Server,
    pub tmp: tempfile::TempDir,
}

impl Fixture {
    pub fn new() -> Fixture {
        // The fixture modules and the fixture toolchains.
        let mut modules = ModuleSource::load_all();
        modules.extend(ModuleSource::load_all_in("toolchains"));
        let tree = ProxyTree::new(&modules);
        let server = Server::start(tree.dir.path());
        Fixture {
            tree,
            server,
            tmp: tempfile::tempdir().unwrap(),
        }
    }

    /// Runs `modsnap snapshot` with GOPROXY at the fixture server, a cache in
    /// the scratch dir and the go module cache ignored.
    pub fn snapshot(&self, args: &[&str]) -> (i32, String, String) {
        self.snapshot_with(args, &[("GOPROXY", self.server.url().as_str())])
    }

    /// `GOSUMDB` naming the fixture proxy's test checksum database, which
    /// every snapshot run here checks go.sum against (unless `vars`
    /// override it).
    pub fn gosumdb() -> String {
        ProxyTree::gosumdb()
    }

    pub fn snapshot_with(&self, args: &[&str], vars: &[(&str, &str)]) -> (i32, String, String) {
        self.snapshot_in(None, args, vars)
    }

    /// [`Fixture::snapshot_with`], run in `cwd` when given.
    pub fn snapshot_in(
        &self,
        cwd: Option<&Path>,
        args: &[&str],
        vars: &[(&str, &str)],
    ) -> (i32, String, String) {
        let cache = self.tmp.path().join("cache");
        let mut c = modsnap(&["snapshot"]);
        if let Some(d) = cwd {
            c.current_dir(d);
        }
        c.args(args)
            .arg("--cache-dir")
            .arg(&cache)
            .arg("--no-gomodcache")
            .env("GOENV", "off")
            .env("GOSUMDB", ProxyTree::gosumdb())
            .env("HOME", self.tmp.path());
        for (k, v) in vars {
            c.env(k, v);
        }
        let out = c.output().expect("run modsnap");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    pub fn out(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }

    /// Two archives whose database bundles are signed at different heads,
    /// the later one linked to the earlier: `a.tar` (project unpruned) with
    /// the log at the fixture modules plus 300 records (level-1 tiles), then
    /// the log grown to 700 more and `b.tar` (project pruned, `--link
    /// a.tar`).
    pub fn linked_snapshots(&self) -> (PathBuf, PathBuf) {
        self.tree.grow_sumdb(300);
        let a = self.out("a.tar");
        let (code, _, stderr) = self.snapshot(&[&project("unpruned"), "-o", a.to_str().unwrap()]);
        assert_eq!(code, 0, "{stderr}");
        self.tree.grow_sumdb(700);
        let b = self.out("b.tar");
        let (code, _, stderr) = self.snapshot(&[
            &project("pruned"),
            "-o",
            b.to_str().unwrap(),
            "--link",
            a.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{stderr}");
        (a, b)
    }
}

pub fn project(name: &str) -> String {
    testdata()
        .join("projects")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

/// The file names inside a tar archive.
/// Every regular file under `dir` (none if it does not exist): relative
/// path → bytes.
pub fn tree_files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    if !dir.exists() {
        return out;
    }
    for e in walkdir::WalkDir::new(dir) {
        let e = e.unwrap();
        if e.file_type().is_file() {
            let rel = e
                .path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            out.insert(rel, std::fs::read(e.path()).unwrap());
        }
    }
    out
}

/// Every entry of a tar archive, in order: name and bytes.
pub fn tar_entries(archive: &Path) -> Vec<(String, Vec<u8>)> {
    let mut ar = tar::Archive::new(std::fs::File::open(archive).unwrap());
    ar.entries()
        .unwrap()
        .map(|e| {
            let mut e = e.unwrap();
            let name = e.path().unwrap().to_string_lossy().into_owned();
            let mut data = Vec::new();
            std::io::Read::read_to_end(&mut e, &mut data).unwrap();
            (name, data)
        })
        .collect()
}

pub fn tar_names(archive: &Path) -> BTreeSet<String> {
    let mut ar = tar::Archive::new(std::fs::File::open(archive).unwrap());
    ar.entries()
        .unwrap()
        .map(|e| e.unwrap().path().unwrap().to_string_lossy().into_owned())
        .collect()
}

/// Unpacks a tar archive into `dir`.
pub fn untar(archive: &Path, dir: &Path) {
    let mut ar = tar::Archive::new(std::fs::File::open(archive).unwrap());
    ar.unpack(dir).unwrap();
}

/// Copies a directory tree (files and directories).
pub fn copy_dir(from: &Path, to: &Path) {
    for e in walkdir::WalkDir::new(from) {
        let e = e.unwrap();
        let rel = e.path().strip_prefix(from).unwrap();
        let dest = to.join(rel);
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(e.path(), &dest).unwrap();
        }
    }
}
