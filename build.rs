//! Records the version string of `modsnap --version`: the package version,
//! and the commit it is built from when the source is a git checkout and git
//! is installed (a source tree without `.git` builds too).

fn main() {
    println!("cargo:rerun-if-changed=.git/HEAD");
    println!("cargo:rerun-if-changed=.git/refs");
    let commit = std::process::Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    let version = env!("CARGO_PKG_VERSION");
    match commit {
        Some(c) => println!("cargo:rustc-env=MODSNAP_VERSION={version} ({c})"),
        None => println!("cargo:rustc-env=MODSNAP_VERSION={version}"),
    }
}
