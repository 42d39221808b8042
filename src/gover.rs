//! Go's version rules, in one place: the syntax and ordering of Go versions
//! as cmd/go/internal/gover and go/version define them (`1.16`, `1.21.3`,
//! `1.22rc1`; toolchain names `go1.21.3`), and the go.mod `go`/`toolchain`
//! line syntax of golang.org/x/mod/modfile (`GoVersionRE`, `laxGoVersionRE`,
//! `ToolchainRE`).
//!
//! The rule that trips people: before Go 1.21, `1.N` meant `1.N.0`, so a
//! prerelease `1.17rc1` is older than `1.17` — the go command does not prune
//! a `go 1.17rc1` module's graph, and `go mod vendor` writes no `go 1.17`
//! annotations for it. From 1.21 on `1.N` names the language version, the
//! earliest of the `1.N` line, so `1.21 < 1.21rc1 < 1.21.0`.
//!
//! Used by the module graph (pruning at 1.17), the vendor rules, the import
//! loader, the module zip rules (the Go 1.24 vendor rule) and the go.mod
//! parser. Not here: toolchain selection (`GOTOOLCHAIN`), which needs the
//! list of released versions.

use std::cmp::Ordering;

/// A parsed Go version (`gover.version`): decimal fields as written, with
/// an implied `.0` patch before 1.21.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct GoVersion<'a> {
    /// `1` in `1.21.3`.
    pub major: &'a str,
    /// `21` in `1.21.3`.
    pub minor: &'a str,
    /// `3` in `1.21.3`; `""` for a language version (`1.21`) or prerelease.
    pub patch: &'a str,
    /// `rc` in `1.22rc1`.
    pub kind: &'a str,
    /// `1` in `1.22rc1`.
    pub pre: &'a str,
}

impl<'a> GoVersion<'a> {
    /// Parses a Go version without the `go` prefix, as `gover.parse`; `None`
    /// when it is not one (`1.21.x`, `v1.21`, `1.017`, `1.21.3rc1`).
    pub fn parse(x: &'a str) -> Option<GoVersion<'a>> {
        let mut v = GoVersion::default();
        let (major, rest) = cut_int(x)?;
        v.major = major;
        if rest.is_empty() {
            v.minor = "0";
            v.patch = "0";
            return Some(v);
        }
        let (minor, rest) = cut_int(rest.strip_prefix('.')?)?;
        v.minor = minor;
        if rest.is_empty() {
            // Before 1.21 a missing patch meant ".0"; since then `1.21` is
            // the language version, which sorts before `1.21.0`.
            if cmp_int(minor, "21").is_lt() {
                v.patch = "0";
            }
            return Some(v);
        }
        if let Some(rest) = rest.strip_prefix('.') {
            // No prereleases of patch releases (`1.21.3rc1`).
            let (patch, rest) = cut_int(rest)?;
            if !rest.is_empty() {
                return None;
            }
            v.patch = patch;
            return Some(v);
        }
        let kind_len = rest.bytes().take_while(|b| !b.is_ascii_digit()).count();
        let (kind, rest) = rest.split_at(kind_len);
        if kind.is_empty() || !kind.bytes().all(|b| b.is_ascii_lowercase()) {
            return None;
        }
        v.kind = kind;
        if rest.is_empty() {
            return Some(v);
        }
        let (pre, rest) = cut_int(rest)?;
        if !rest.is_empty() {
            return None;
        }
        v.pre = pre;
        Some(v)
    }
}

/// `gover.Compare(v, w)`: invalid versions sort before valid ones and equal
/// each other.
pub fn compare(v: &str, w: &str) -> Ordering {
    let (a, b) = (
        GoVersion::parse(v).unwrap_or_default(),
        GoVersion::parse(w).unwrap_or_default(),
    );
    cmp_int(a.major, b.major)
        .then_with(|| cmp_int(a.minor, b.minor))
        .then_with(|| cmp_int(a.patch, b.patch))
        .then_with(|| a.kind.cmp(b.kind))
        .then_with(|| cmp_int(a.pre, b.pre))
}

/// `gover.Lang`: the language version of `v` (`1.21` for `1.21.3` and
/// `1.21rc1`, `1` for `1.0`), or `""` when `v` is not a Go version.
pub fn lang(v: &str) -> String {
    match GoVersion::parse(v) {
        None => String::new(),
        Some(p) if p.major == "1" && p.minor == "0" => p.major.to_string(),
        Some(p) => format!("{}.{}", p.major, p.minor),
    }
}

/// Whether the Go version `v` (a go.mod `go` line) is at least `1.<minor>`,
/// by [`compare`]. An unparsable version is older than everything.
pub fn go_version_at_least(v: &str, minor: u64) -> bool {
    GoVersion::parse(v).is_some() && compare(v, &format!("1.{minor}")).is_ge()
}

/// go/version's `Compare` over toolchain names (`go1.21.3`, `go1.21.3-custom`:
/// a `-suffix` is cut first); names without the `go` prefix are invalid.
pub fn toolchain_compare(v: &str, w: &str) -> Ordering {
    let strip = |x: &'_ str| -> String {
        let x = x.split('-').next().unwrap_or_default();
        match x.strip_prefix("go") {
            Some(rest) if GoVersion::parse(rest).is_some() => rest.to_string(),
            _ => String::new(),
        }
    };
    compare(&strip(v), &strip(w))
}

/// cmd/go's `gover.FromToolchain`: the Go version of a toolchain name
/// (`go1.21.3-custom` → `1.21.3`; a suffix after a space, tab or `-` is
/// cut), `None` for a name without the `go` prefix, with a path separator,
/// or whose version is not valid.
pub fn from_toolchain(name: &str) -> Option<&str> {
    if name.contains(['/', '\\']) {
        return None;
    }
    let v = name.strip_prefix("go")?;
    let v = v.split([' ', '\t', '-']).next().unwrap_or_default();
    GoVersion::parse(v).is_some().then_some(v)
}

/// `gover.IsLang`: whether `v` is a language version (`1.21`, not `1.21.0`
/// or `1.21rc1`).
pub fn is_lang(v: &str) -> bool {
    GoVersion::parse(v).is_some_and(|p| p.patch.is_empty() && p.kind.is_empty())
        && v.matches('.').count() == 1
}

/// go/version's `Lang` over toolchain names: `go1.21` for `go1.21.3`, `""`
/// when `v` is not a valid toolchain name.
pub fn toolchain_lang(v: &str) -> String {
    match v.strip_prefix("go").map(lang) {
        Some(l) if !l.is_empty() => format!("go{l}"),
        _ => String::new(),
    }
}

/// x/mod's `GoVersionRE`, the syntax of a strict go.mod `go` line:
/// `^([1-9][0-9]*)\.(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))?([a-z]+[0-9]+)?$`.
/// Stricter than [`GoVersion::parse`] in one way (`1` alone, `1.21rc` are
/// refused) and looser in another (`1.21.3rc1` is accepted).
pub fn is_go_mod_version(v: &str) -> bool {
    let Some(rest) = strip_number(v, false)
        .and_then(|r| r.strip_prefix('.'))
        .and_then(|r| strip_number(r, true))
    else {
        return false;
    };
    let rest = match rest.strip_prefix('.') {
        Some(r) => match strip_number(r, true) {
            Some(r) => r,
            None => return false,
        },
        None => rest,
    };
    if rest.is_empty() {
        return true;
    }
    let digits = rest.trim_start_matches(|c: char| c.is_ascii_lowercase());
    digits.len() < rest.len() && !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// x/mod's `laxGoVersionRE` (`^v?(([1-9][0-9]*)\.(0|[1-9][0-9]*))([^0-9].*)$`):
/// the `major.minor` prefix of a sloppy `go` line such as `1.18.x` or `v1.2`,
/// which the lax parser keeps.
pub fn lax_go_mod_version(v: &str) -> Option<&str> {
    let body = v.strip_prefix('v').unwrap_or(v);
    let rest = strip_number(body, false)?.strip_prefix('.')?;
    let after = rest.trim_start_matches(|c: char| c.is_ascii_digit());
    let minor = &rest[..rest.len() - after.len()];
    if minor.is_empty() || (minor.len() > 1 && minor.starts_with('0')) {
        return None;
    }
    // `[^0-9].*`: at least one more character, then no newline (Go's `.`).
    let mut tail = after.chars();
    (tail.next().is_some() && !tail.as_str().contains('\n'))
        .then(|| &body[..body.len() - after.len()])
}

/// x/mod's `ToolchainRE` (`^default$|^go1($|\.)`), the syntax of a go.mod
/// `toolchain` line.
pub fn is_toolchain_name(name: &str) -> bool {
    name == "default" || name == "go1" || name.starts_with("go1.")
}

/// A leading decimal number without leading zeros, and the rest.
fn cut_int(x: &str) -> Option<(&str, &str)> {
    let n = x.bytes().take_while(u8::is_ascii_digit).count();
    if n == 0 || (x.starts_with('0') && n != 1) {
        return None;
    }
    Some(x.split_at(n))
}

/// Strips a decimal number without leading zeros (`0` itself only when
/// `zero_ok`) from the start of `s`.
fn strip_number(s: &str, zero_ok: bool) -> Option<&str> {
    let rest = s.trim_start_matches(|c: char| c.is_ascii_digit());
    let digits = &s[..s.len() - rest.len()];
    let ok = match digits.as_bytes() {
        [] => false,
        [b'0'] => zero_ok,
        [b'0', ..] => false,
        _ => true,
    };
    ok.then_some(rest)
}

/// Compares decimal strings numerically (no leading zeros, so length first).
fn cmp_int(x: &str, y: &str) -> Ordering {
    x.len().cmp(&y.len()).then_with(|| x.cmp(y))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cmp::Ordering::*;

    /// The go command's answers, checked with go 1.26 (`go mod vendor`
    /// writes `## explicit; go 1.16` annotations only from `go 1.17` on, and
    /// not for `go 1.17rc1`).
    #[test]
    fn prereleases_before_1_21_are_older_than_their_release() {
        assert!(!go_version_at_least("1.17rc1", 17));
        assert!(!go_version_at_least("1.17beta1", 17));
        assert!(go_version_at_least("1.17", 17));
        assert!(go_version_at_least("1.17.0", 17));
        assert!(go_version_at_least("1.17.1", 17));
        assert!(go_version_at_least("1.21rc1", 21));
        assert!(go_version_at_least("1.22", 17));
        assert!(go_version_at_least("1.22rc1", 22));
        assert!(go_version_at_least("1.22.0", 22));
        assert!(go_version_at_least("1.100", 22));
        assert!(go_version_at_least("2", 22));
        assert!(!go_version_at_least("1.16", 17));
        assert!(!go_version_at_least("1", 17));
        for invalid in ["", "1.017", "1.21.x", "go1.21", "v1.21", "1.21.3rc1"] {
            assert!(!go_version_at_least(invalid, 1), "{invalid:?}");
        }
    }

    #[test]
    fn compare_and_lang_match_gover() {
        assert_eq!(compare("1.24.0", "1.24"), Greater);
        assert_eq!(compare("1.24rc1", "1.24"), Greater);
        assert_eq!(compare("1.24rc1", "1.24.0"), Less);
        assert_eq!(compare("1.17rc1", "1.17"), Less);
        assert_eq!(compare("1.20", "1.20.0"), Equal);
        assert_eq!(compare("", "1.24"), Less);
        assert_eq!(compare("x", ""), Equal);
        assert_eq!(lang("1.21.3"), "1.21");
        assert_eq!(lang("1.22rc2"), "1.22");
        assert_eq!(lang("1.0"), "1");
        assert_eq!(lang("1.x"), "");
    }

    #[test]
    fn toolchain_names_match_go_version() {
        assert_eq!(toolchain_lang("go1.21.3"), "go1.21");
        assert_eq!(toolchain_lang("go1.22rc2"), "go1.22");
        assert_eq!(toolchain_lang("go1"), "go1");
        assert_eq!(toolchain_lang("go1.0"), "go1");
        assert_eq!(toolchain_lang("go1.x"), "");
        assert_eq!(toolchain_lang("1.21"), "");
        assert_eq!(toolchain_compare("go1.24.0", "go1.24"), Greater);
        assert_eq!(toolchain_compare("go1.24rc1", "go1.24"), Greater);
        assert_eq!(toolchain_compare("go1.24rc1", "go1.24.0"), Less);
        assert_eq!(toolchain_compare("go1.23.9", "go1.24"), Less);
        assert_eq!(toolchain_compare("", "go1.24"), Less);
        assert_eq!(toolchain_compare("go1.100", "go1.24"), Greater);
        assert_eq!(toolchain_compare("go2", "go1.24"), Greater);
        assert_eq!(toolchain_compare("go1.20", "go1.20.0"), Equal);
    }

    #[test]
    fn go_mod_syntax_matches_x_mod_regexps() {
        for ok in ["1.21", "1.21.3", "1.21rc1", "1.0", "1.21.3rc1", "2.0"] {
            assert!(is_go_mod_version(ok), "{ok}");
        }
        for bad in ["1", "1.021", "01.2", "1.21rc", "1.21.x", "v1.21", ""] {
            assert!(!is_go_mod_version(bad), "{bad}");
        }
        assert_eq!(lax_go_mod_version("1.18.x"), Some("1.18"));
        assert_eq!(lax_go_mod_version("v1.2.3-pre"), Some("1.2"));
        assert_eq!(lax_go_mod_version("1.18"), None);
        assert!(is_toolchain_name("go1.21.3") && is_toolchain_name("default"));
        assert!(!is_toolchain_name("go2") && !is_toolchain_name("1.21"));
    }
}
