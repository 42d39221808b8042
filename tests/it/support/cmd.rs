//! Running the modsnap binary under test, hermetically: every command runs
//! in a [`TestContext`] — its own HOME, XDG cache and config directories,
//! GOPATH and (empty) GOMODCACHE, `GOENV=off`, every proxy and Go setting
//! of the developer's or CI's environment cleared, no progress bars, and a
//! 1 ms first retry delay (`MODSNAP_RETRY_BASE_MS`, documented in the
//! README) so tests of retries do not wait through real backoff.

use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use tempfile::TempDir;

/// Variables cleared from every modsnap command.
const CLEARED: &[&str] = &[
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "no_proxy",
    "GOPROXY",
    "GOFLAGS",
    "GOPRIVATE",
    "GONOPROXY",
    "GONOSUMDB",
    "GOSUMDB",
    "GOINSECURE",
    "GOWORK",
    "GOTOOLCHAIN",
    "NETRC",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "SOURCE_DATE_EPOCH",
    "MODSNAP_LOG",
    "CGO_ENABLED",
];

/// A hermetic home for modsnap commands; commands made from one context
/// share its caches.
#[derive(Clone)]
pub struct TestContext {
    root: Arc<TempDir>,
}

impl Default for TestContext {
    fn default() -> Self {
        Self::new()
    }
}

impl TestContext {
    /// A fresh context under a new temporary directory.
    pub fn new() -> TestContext {
        let root = tempfile::Builder::new()
            .prefix("modsnap-test-")
            .tempdir()
            .expect("temp dir");
        for d in ["home", "cache", "config", "gopath"] {
            std::fs::create_dir_all(root.path().join(d)).expect("create context dir");
        }
        TestContext {
            root: Arc::new(root),
        }
    }

    /// The context's root directory.
    pub fn root(&self) -> &Path {
        self.root.path()
    }

    /// modsnap's default cache in this context.
    pub fn cache_dir(&self) -> PathBuf {
        self.root().join("cache/modsnap")
    }

    /// A `modsnap` command in this context.
    pub fn modsnap(&self, args: &[&str]) -> Modsnap {
        let mut c = Command::new(env!("CARGO_BIN_EXE_modsnap"));
        c.args(args);
        for v in CLEARED {
            c.env_remove(v);
        }
        let root = self.root();
        c.env("HOME", root.join("home"))
            .env("XDG_CACHE_HOME", root.join("cache"))
            .env("XDG_CONFIG_HOME", root.join("config"))
            .env("GOPATH", root.join("gopath"))
            .env("GOMODCACHE", root.join("gopath/pkg/mod"))
            .env("GOENV", "off")
            .env("MODSNAP_RETRY_BASE_MS", "1")
            .env("MODSNAP_NO_PROGRESS", "1")
            .env("NO_COLOR", "1");
        Modsnap {
            cmd: c,
            _ctx: self.clone(),
        }
    }

    /// Runs modsnap and returns (exit code, stdout, stderr).
    pub fn run(&self, args: &[&str]) -> (i32, String, String) {
        split(self.modsnap(args).output().expect("run modsnap"))
    }
}

/// A modsnap [`Command`] that keeps its context alive.
pub struct Modsnap {
    cmd: Command,
    _ctx: TestContext,
}

impl Deref for Modsnap {
    type Target = Command;
    fn deref(&self) -> &Command {
        &self.cmd
    }
}

impl DerefMut for Modsnap {
    fn deref_mut(&mut self) -> &mut Command {
        &mut self.cmd
    }
}

/// A `modsnap` command in a fresh context of its own.
pub fn modsnap(args: &[&str]) -> Modsnap {
    TestContext::new().modsnap(args)
}

/// Runs modsnap in a fresh context and returns (exit code, stdout, stderr).
pub fn run(args: &[&str]) -> (i32, String, String) {
    TestContext::new().run(args)
}

/// Runs modsnap in `dir`, in a fresh context.
pub fn run_in(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = modsnap(args)
        .current_dir(dir)
        .output()
        .expect("run modsnap");
    split(out)
}

/// (exit code, stdout, stderr) of a finished command.
pub fn split(out: Output) -> (i32, String, String) {
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
