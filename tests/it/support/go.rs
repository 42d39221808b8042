//! Running the real `go` command hermetically, as the reference.
//!
//! Tests that need `go` call [`go_or_skip`]: when `go` is not on PATH they
//! print a loud skip message and return `None`, unless
//! `MODSNAP_REQUIRE_GO=1` (as `.ci/run` sets), in which case they fail.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tempfile::TempDir;

/// The `go` binary, or `None` after a loud skip message.
pub fn go_or_skip(test: &str) -> Option<PathBuf> {
    if let Some(go) = find_on_path("go") {
        return Some(go);
    }
    let required = std::env::var("MODSNAP_REQUIRE_GO").is_ok_and(|v| v == "1");
    if required {
        panic!("{test}: the `go` binary is required (MODSNAP_REQUIRE_GO=1) but is not on PATH");
    }
    eprintln!(
        "\n!!!!!!!! SKIPPED {test}: `go` is not on PATH (set MODSNAP_REQUIRE_GO=1 to fail instead) !!!!!!!!\n"
    );
    None
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// A hermetic Go environment: its own GOPATH, module cache and build cache
/// under a temp dir, no user config, no proxies, local toolchain only.
pub struct GoEnv {
    /// The `go` binary.
    pub go: PathBuf,
    /// Root of GOPATH, GOMODCACHE, GOCACHE and HOME.
    pub root: TempDir,
    /// Extra variables, applied last (e.g. GOPROXY).
    pub vars: Vec<(String, String)>,
}

impl GoEnv {
    /// A fresh environment using `go`.
    pub fn new(go: PathBuf) -> GoEnv {
        GoEnv {
            go,
            root: tempfile::tempdir().expect("temp dir"),
            vars: Vec::new(),
        }
    }

    /// Sets (or overrides) a variable for every command.
    pub fn var(mut self, k: &str, v: &str) -> GoEnv {
        self.vars.retain(|(key, _)| key != k);
        self.vars.push((k.to_string(), v.to_string()));
        self
    }

    /// GOMODCACHE of this environment.
    pub fn modcache(&self) -> PathBuf {
        self.root.path().join("gopath/pkg/mod")
    }

    /// A `go` command in `dir` with the hermetic environment.
    pub fn cmd(&self, dir: &Path, args: &[&str]) -> Command {
        let root = self.root.path();
        let mut c = Command::new(&self.go);
        c.args(args).current_dir(dir).env_clear();
        c.env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", root.join("home"))
            .env("GOPATH", root.join("gopath"))
            .env("GOMODCACHE", self.modcache())
            .env("GOCACHE", root.join("gocache"))
            .env("TMPDIR", std::env::temp_dir())
            .env("GOTOOLCHAIN", "local")
            .env("GOENV", "off")
            .env("GOWORK", "off")
            .env("GOFLAGS", "-modcacherw")
            .env("GOSUMDB", "off")
            .env("GOPROXY", "off")
            .env("CGO_ENABLED", "0");
        for (k, v) in &self.vars {
            c.env(k, v);
        }
        c
    }

    /// Runs `go args...` in `dir` and returns its output; panics with both
    /// streams and `go version` when it fails.
    pub fn run(&self, dir: &Path, args: &[&str]) -> Output {
        let out = self.cmd(dir, args).output().expect("run go");
        if !out.status.success() {
            panic!(
                "`go {}` failed ({}) with {}:\nstdout:\n{}\nstderr:\n{}",
                args.join(" "),
                out.status,
                self.version(),
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        out
    }

    /// `go version`, for failure messages.
    pub fn version(&self) -> String {
        Command::new(&self.go)
            .arg("version")
            .env("GOTOOLCHAIN", "local")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_else(|e| format!("go version failed: {e}"))
    }
}
