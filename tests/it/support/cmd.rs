//! Running the modsnap binary under test, hermetically.

use std::path::Path;
use std::process::{Command, Output};

/// A `modsnap` command with proxy and Go variables cleared, so nothing
/// from the developer's or CI's environment leaks in.
pub fn modsnap(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_modsnap"));
    c.args(args);
    for v in [
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
        "NETRC",
        "SSL_CERT_FILE",
        "SSL_CERT_DIR",
        "SOURCE_DATE_EPOCH",
    ] {
        c.env_remove(v);
    }
    c.env("MODSNAP_NO_PROGRESS", "1").env("NO_COLOR", "1");
    c
}

/// Runs modsnap and returns (exit code, stdout, stderr).
pub fn run(args: &[&str]) -> (i32, String, String) {
    let out = modsnap(args).output().expect("run modsnap");
    split(out)
}

/// Runs modsnap in `dir`.
pub fn run_in(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = modsnap(args)
        .current_dir(dir)
        .output()
        .expect("run modsnap");
    split(out)
}

fn split(out: Output) -> (i32, String, String) {
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
