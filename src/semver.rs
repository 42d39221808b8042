//! Go's semantic versions: the rules of `golang.org/x/mod/semver`
//! (`semver/semver.go`; see also <https://go.dev/ref/mod#versions>).
//!
//! A Go semantic version is `vMAJOR[.MINOR[.PATCH[-PRERELEASE][+BUILD]]]`:
//!
//! - the leading `v` is mandatory;
//! - `vMAJOR` and `vMAJOR.MINOR` are shorthands for `vMAJOR.0.0` and
//!   `vMAJOR.MINOR.0`, allowed only without prerelease or build suffixes;
//! - numbers have no leading zeros; numeric prerelease identifiers have no
//!   leading zeros either, build identifiers may;
//! - precedence ignores build metadata (`v2.0.0+incompatible` equals
//!   `v2.0.0`); every invalid string compares equal to every other invalid
//!   string and below every valid version.
//!
//! Numbers are compared as decimal strings (by length, then bytes), so there
//! is no overflow limit: `v1.2.99999999999999999999` is a valid version.
//!
//! This is hand-written rather than built on the `semver` crate because no
//! crate has Go's exact semantics: that crate rejects the `v` prefix and the
//! short forms, and orders build metadata, whereas Go ignores it.
//!
//! Not provided: Go's deprecated `ByVersion` type (use [`sort`] or
//! [`compare`]).

use std::cmp::Ordering;

/// The pieces of a valid version, borrowed from the input.
#[derive(Debug, Clone, Copy)]
struct Parsed<'a> {
    major: &'a str,
    minor: &'a str,
    patch: &'a str,
    /// What a short form (`v1`, `v1.2`) lacks: `".0.0"`, `".0"` or `""`.
    short: &'static str,
    /// `-...` including the dash, or empty.
    prerelease: &'a str,
    /// `+...` including the plus, or empty.
    build: &'a str,
}

/// Splits a leading decimal number without extra leading zeros off `s`.
fn take_number(s: &str) -> Option<(&str, &str)> {
    let end = s.bytes().take_while(u8::is_ascii_digit).count();
    if end == 0 || (end > 1 && s.starts_with('0')) {
        return None;
    }
    Some(s.split_at(end))
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-'
}

fn is_numeric(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_digit())
}

/// Checks a `.`-separated identifier list (without its leading `-`/`+`):
/// non-empty identifiers of `[0-9A-Za-z-]`; with `strict_numbers`, numeric
/// identifiers must not have leading zeros.
fn valid_identifiers(s: &str, strict_numbers: bool) -> bool {
    s.split('.').all(|id| {
        !id.is_empty()
            && id.bytes().all(is_ident_byte)
            && !(strict_numbers && id.len() > 1 && id.starts_with('0') && is_numeric(id))
    })
}

fn parse(v: &str) -> Option<Parsed<'_>> {
    let rest = v.strip_prefix('v')?;
    let (major, rest) = take_number(rest)?;
    if rest.is_empty() {
        return Some(Parsed {
            major,
            minor: "0",
            patch: "0",
            short: ".0.0",
            prerelease: "",
            build: "",
        });
    }
    let (minor, rest) = take_number(rest.strip_prefix('.')?)?;
    if rest.is_empty() {
        return Some(Parsed {
            major,
            minor,
            patch: "0",
            short: ".0",
            prerelease: "",
            build: "",
        });
    }
    let (patch, rest) = take_number(rest.strip_prefix('.')?)?;
    let (before_build, build) = match rest.find('+') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    if !before_build.is_empty() {
        let ids = before_build.strip_prefix('-')?;
        if !valid_identifiers(ids, true) {
            return None;
        }
    }
    if !build.is_empty() && !valid_identifiers(&build[1..], false) {
        return None;
    }
    Some(Parsed {
        major,
        minor,
        patch,
        short: "",
        prerelease: before_build,
        build,
    })
}

/// Reports whether `v` is a valid Go semantic version (Go's `IsValid`).
pub fn is_valid(v: &str) -> bool {
    parse(v).is_some()
}

/// The canonical form of `v`: short forms completed with `.0`, build
/// metadata dropped; `""` when `v` is invalid (Go's `Canonical`).
///
/// Two versions have equal precedence exactly when their canonical forms are
/// equal strings.
pub fn canonical(v: &str) -> String {
    match parse(v) {
        None => String::new(),
        Some(p) if !p.build.is_empty() => v[..v.len() - p.build.len()].to_string(),
        Some(p) => format!("{v}{}", p.short),
    }
}

/// The major version prefix, e.g. `"v2"` for `"v2.1.0"`; `""` when invalid
/// (Go's `Major`).
pub fn major(v: &str) -> String {
    match parse(v) {
        Some(p) => v[..1 + p.major.len()].to_string(),
        None => String::new(),
    }
}

/// The `major.minor` prefix, e.g. `"v2.1"` for `"v2.1.0"` and `"v2.0"` for
/// `"v2"`; `""` when invalid (Go's `MajorMinor`).
pub fn major_minor(v: &str) -> String {
    match parse(v) {
        Some(p) => format!("v{}.{}", p.major, p.minor),
        None => String::new(),
    }
}

/// The prerelease suffix including its `-`, e.g. `"-pre"` for
/// `"v2.1.0-pre+meta"`; `""` when none or invalid (Go's `Prerelease`).
pub fn prerelease(v: &str) -> String {
    parse(v)
        .map(|p| p.prerelease.to_string())
        .unwrap_or_default()
}

/// The build suffix including its `+`, e.g. `"+meta"` for `"v2.1.0+meta"`;
/// `""` when none or invalid (Go's `Build`).
pub fn build(v: &str) -> String {
    parse(v).map(|p| p.build.to_string()).unwrap_or_default()
}

/// Compares two decimal strings without leading zeros.
fn compare_number(x: &str, y: &str) -> Ordering {
    x.len().cmp(&y.len()).then_with(|| x.cmp(y))
}

/// Compares prereleases (each `""` or `-id.id...`) by semver precedence.
fn compare_prerelease(x: &str, y: &str) -> Ordering {
    match (x.is_empty(), y.is_empty()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Greater,
        (false, true) => return Ordering::Less,
        (false, false) => {}
    }
    let mut xs = x[1..].split('.');
    let mut ys = y[1..].split('.');
    loop {
        match (xs.next(), ys.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(a), Some(b)) => {
                let ord = match (is_numeric(a), is_numeric(b)) {
                    (true, true) => compare_number(a, b),
                    (true, false) => Ordering::Less,
                    (false, true) => Ordering::Greater,
                    (false, false) => a.cmp(b),
                };
                if ord != Ordering::Equal {
                    return ord;
                }
            }
        }
    }
}

/// Compares two versions by semver precedence (Go's `Compare`).
///
/// Build metadata is ignored; invalid versions are equal to each other and
/// less than every valid version.
pub fn compare(v: &str, w: &str) -> Ordering {
    match (parse(v), parse(w)) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(a), Some(b)) => compare_number(a.major, b.major)
            .then_with(|| compare_number(a.minor, b.minor))
            .then_with(|| compare_number(a.patch, b.patch))
            .then_with(|| compare_prerelease(a.prerelease, b.prerelease)),
    }
}

/// The argument with the greater precedence, `w` on a tie.
///
/// Go's deprecated `Max` returns the *canonical* form of that argument; this
/// borrowing variant returns the argument itself, so
/// `canonical(max(v, w)) == ` Go's `Max(v, w)`. Use [`max_canonical`] for
/// Go's exact result.
pub fn max<'a>(v: &'a str, w: &'a str) -> &'a str {
    if compare(v, w) == Ordering::Greater {
        v
    } else {
        w
    }
}

/// Go's `Max` exactly: the canonical form of the greater version (`""` when
/// both are invalid).
pub fn max_canonical(v: &str, w: &str) -> String {
    canonical(max(v, w))
}

/// Sorts versions by precedence, breaking ties by byte-wise string order
/// (Go's `Sort`). Invalid versions come first.
pub fn sort<S: AsRef<str>>(list: &mut [S]) {
    list.sort_by(|a, b| {
        let (a, b) = (a.as_ref(), b.as_ref());
        compare(a, b).then_with(|| a.cmp(b))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_forms_only_without_suffixes() {
        assert_eq!(canonical("v1"), "v1.0.0");
        assert_eq!(canonical("v1.2"), "v1.2.0");
        assert!(!is_valid("v1-pre"));
        assert!(!is_valid("v1.2+meta"));
        assert!(!is_valid("v01.2.3"));
        assert!(!is_valid("1.2.3"));
        assert!(!is_valid("v1.2.3-"));
        assert!(!is_valid("v1.2.3+"));
        assert!(!is_valid("v1.2.3-01"));
        assert!(is_valid("v1.2.3+01"));
    }

    #[test]
    fn huge_numbers_compare_numerically() {
        assert_eq!(
            compare("v1.2.100000000000000000", "v1.2.99999999999999999"),
            Ordering::Greater
        );
        assert_eq!(
            compare("v1.0.0-beta.11", "v1.0.0-beta.2"),
            Ordering::Greater
        );
        assert_eq!(compare("v2.0.0+incompatible", "v2.0.0"), Ordering::Equal);
    }

    #[test]
    fn max_ties_return_second() {
        assert_eq!(max("v1.0.0", "v1.0.0+x"), "v1.0.0+x");
        assert_eq!(max("v1.2", "v1.0.0"), "v1.2");
        assert_eq!(max_canonical("v1.2", "v1.0.0"), "v1.2.0");
        assert_eq!(max_canonical("bad", "junk"), "");
    }
}
