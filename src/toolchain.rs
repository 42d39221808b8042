//! Go toolchains as the go command fetches them: module
//! `golang.org/toolchain`, version `v0.0.1-<name>.<goos>-<goarch>`, and the
//! rule that picks which one a project makes it switch to.
//!
//! Implements cmd/go/internal/toolchain `Select` in `auto` mode (the
//! `toolchain` line adopted when newer than the minimum, then the `go` line
//! — a language version ≥ 1.21 written without a patch gets `.0`,
//! issue 62278 — when newer still; `toolchain default` keeps the minimum),
//! the module version `Exec` downloads (GOOS/GOARCH of the running go
//! binary), and, for a language version named on the command line, the
//! newest release of that line among the versions a proxy lists (the
//! `toolchainRepo` view of `golang.org/toolchain/@v/list`).
//!
//! Not here: GOTOOLCHAIN parsing (`path`, `+auto` forms: the air-gapped
//! side sets it), PATH lookups of `go1.X.Y` wrappers, and on-demand
//! switching (`Switcher`: `go get go@…`), which read what the tree lists.

use std::cmp::Ordering;

use crate::gover;

/// The module toolchains are published as.
pub const MODULE: &str = "golang.org/toolchain";

/// A target platform, `goos/goarch`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Platform {
    /// `GOOS`.
    pub goos: String,
    /// `GOARCH`.
    pub goarch: String,
}

impl Platform {
    /// Parses `linux/amd64`.
    pub fn parse(s: &str) -> Option<Platform> {
        let (goos, goarch) = s.split_once('/')?;
        let ok = |p: &str| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        };
        (ok(goos) && ok(goarch)).then(|| Platform {
            goos: goos.to_string(),
            goarch: goarch.to_string(),
        })
    }

    /// The platform modsnap itself runs on, in Go's names.
    pub fn host() -> Platform {
        let goarch = match std::env::consts::ARCH {
            "x86_64" => "amd64",
            "x86" => "386",
            "aarch64" => "arm64",
            "arm" => "arm",
            "powerpc64" => "ppc64",
            "riscv64" => "riscv64",
            "s390x" => "s390x",
            "loongarch64" => "loong64",
            other => other,
        };
        Platform {
            goos: std::env::consts::OS.replace("macos", "darwin"),
            goarch: goarch.to_string(),
        }
    }
}

impl std::fmt::Display for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.goos, self.goarch)
    }
}

/// The module version of toolchain `name` (`go1.26.11`) for `p`:
/// `v0.0.1-go1.26.11.linux-amd64`.
pub fn module_version(name: &str, p: &Platform) -> String {
    format!("v0.0.1-{name}.{}-{}", p.goos, p.goarch)
}

/// The toolchain name in a `golang.org/toolchain` module version, and its
/// platform (`v0.0.1-go1.26.11.linux-amd64` → `go1.26.11`, linux/amd64).
pub fn parse_module_version(v: &str) -> Option<(String, Platform)> {
    let rest = v.strip_prefix("v0.0.1-")?;
    let (name, plat) = rest.rsplit_once('.')?;
    let (goos, goarch) = plat.split_once('-')?;
    Some((
        name.to_string(),
        Platform::parse(&format!("{goos}/{goarch}"))?,
    ))
}

/// The toolchain a `go` line stands for: `go1.22.0` for `1.22` (a language
/// version ≥ 1.21 has no toolchain of its own), `go1.20` for `1.20`,
/// `go1.22rc1` as written.
pub fn from_go_line(go: &str) -> String {
    if gover::is_lang(go) && gover::compare(go, "1.21").is_ge() {
        format!("go{go}.0")
    } else {
        format!("go{go}")
    }
}

/// The toolchain the go command switches to (cmd/go toolchain `Select`,
/// GOTOOLCHAIN=auto) for a module or workspace with these `go` and
/// `toolchain` lines, when the minimum it runs with is toolchain `min`
/// (`go1.22.3`): `None` when it keeps the minimum. `toolchain default`
/// keeps the minimum whatever the `go` line says; a `toolchain` line is
/// adopted when its version is newer than the minimum's; then a `go` line
/// newer than the version chosen so far wins. An invalid `toolchain` line
/// (the go command refuses the file) is ignored here.
pub fn switch_target(go: Option<&str>, toolchain: Option<&str>, min: &str) -> Option<String> {
    let mut min_vers = gover::from_toolchain(min)?.to_string();
    if toolchain == Some("default") {
        return None;
    }
    let mut choice = min.to_string();
    if let Some(t) = toolchain
        && let Some(tv) = gover::from_toolchain(t)
        && gover::compare(tv, &min_vers).is_gt()
    {
        choice = t.to_string();
        min_vers = tv.to_string();
    }
    if let Some(go) = go
        && gover::compare(go, &min_vers).is_gt()
    {
        choice = from_go_line(go);
    }
    (choice != min).then_some(choice)
}

/// Whether `name` is a language version (`go1.26`, ≥ 1.21) rather than a
/// toolchain: the go command has no toolchain of that name.
pub fn is_language_version(name: &str) -> bool {
    name.strip_prefix("go").is_some_and(|v| {
        v.matches('.').count() == 1
            && v.bytes().all(|b| b.is_ascii_digit() || b == b'.')
            && gover::go_version_at_least(v, 21)
    })
}

/// The newest release of language version `lang` (`go1.26`) among the
/// toolchain names in `listed` (release candidates only when no release
/// exists).
pub fn newest_of_line<'a>(lang: &str, listed: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let mut best: Option<&str> = None;
    let mut best_rc: Option<&str> = None;
    for name in listed {
        if gover::toolchain_lang(name) != lang {
            continue;
        }
        let slot = if name.contains("rc") || name.contains("beta") {
            &mut best_rc
        } else {
            &mut best
        };
        if slot.is_none_or(|b| gover::toolchain_compare(name, b) == Ordering::Greater) {
            *slot = Some(name);
        }
    }
    best.or(best_rc).map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selection_follows_go() {
        let min = "go1.22.3";
        assert_eq!(switch_target(Some("1.21"), None, min), None);
        assert_eq!(
            switch_target(Some("1.23"), None, min).as_deref(),
            Some("go1.23.0")
        );
        assert_eq!(
            switch_target(Some("1.22"), Some("go1.26.11"), min).as_deref(),
            Some("go1.26.11")
        );
        // The go line wins when newer than the toolchain line.
        assert_eq!(
            switch_target(Some("1.27.1"), Some("go1.26.11"), min).as_deref(),
            Some("go1.27.1")
        );
        assert_eq!(switch_target(Some("1.22"), Some("default"), min), None);
        // `toolchain default` ignores the go line too.
        assert_eq!(switch_target(Some("1.99"), Some("default"), min), None);
        // The go line is compared before `.0` is added: a newer rc
        // toolchain line is kept.
        assert_eq!(
            switch_target(Some("1.23"), Some("go1.23rc2"), min).as_deref(),
            Some("go1.23rc2")
        );
        // Custom suffixes compare by their version.
        assert_eq!(
            switch_target(Some("1.22"), Some("go1.99.1-custom"), min).as_deref(),
            Some("go1.99.1-custom")
        );
        assert_eq!(
            switch_target(Some("1.22"), Some("mycorp-go1.99"), min),
            None
        );
        assert_eq!(switch_target(Some("1.22"), Some("go1.21.0"), min), None);
        assert_eq!(from_go_line("1.20"), "go1.20");
        assert_eq!(from_go_line("1.23rc1"), "go1.23rc1");
    }

    #[test]
    fn module_versions_and_lines() {
        let p = Platform::parse("linux/amd64").unwrap();
        assert_eq!(
            module_version("go1.26.11", &p),
            "v0.0.1-go1.26.11.linux-amd64"
        );
        assert_eq!(
            parse_module_version("v0.0.1-go1.23rc1.darwin-arm64"),
            Some(("go1.23rc1".into(), Platform::parse("darwin/arm64").unwrap()))
        );
        assert!(Platform::parse("linux").is_none());
        assert!(is_language_version("go1.26") && !is_language_version("go1.26.1"));
        assert!(!is_language_version("go1.20"));
        let listed = ["go1.26.1", "go1.26.10", "go1.26.9", "go1.27rc1", "go1.25.3"];
        assert_eq!(
            newest_of_line("go1.26", listed).as_deref(),
            Some("go1.26.10")
        );
        assert_eq!(
            newest_of_line("go1.27", listed).as_deref(),
            Some("go1.27rc1")
        );
        assert_eq!(newest_of_line("go1.28", listed), None);
    }
}
