//! Module, import and file path validity, and major-version suffixes
//! (`golang.org/x/mod/module/module.go`: `CheckPath`, `CheckImportPath`,
//! `CheckFilePath`, `SplitPathVersion`, `CheckPathMajor`; see
//! <https://go.dev/ref/mod#module-path> and
//! <https://go.dev/ref/mod#major-version-suffixes>).
//!
//! The three path checks share one element grammar and differ in the
//! characters allowed, whether an element may start with `.`, whether the
//! path may start with `-`, and whether the Windows short-name rule
//! (`~` followed by digits) applies. Module paths also need a lower-case
//! domain-like first element and a well-formed `/vN` (or gopkg.in `.vN`)
//! suffix.
//!
//! Module and import paths are ASCII-only. File names also accept
//! non-ASCII letters, decided by a table of Go's own `unicode.IsLetter`
//! (Unicode 15.0.0), not by Rust's broader `char::is_alphabetic`.

use super::quote::{quote, quote_rune};
use super::{ModuleError, PathKind};
use crate::semver;

/// Windows reserved device names, matched case-insensitively against the
/// part of an element before its first dot.
const BAD_WINDOWS_NAMES: [&str; 22] = [
    "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8",
    "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
];

/// Characters allowed in a module path element.
fn mod_path_ok(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~')
}

/// Characters allowed in an import path element: module ones plus `+`.
fn import_path_ok(c: char) -> bool {
    mod_path_ok(c) || c == '+'
}

/// Characters allowed in a file name: ASCII letters, digits, space and
/// `!#$%&()+,-.=@[]^_{}~`, plus non-ASCII letters.
fn file_name_ok(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric() || "!#$%&()+,-.=@[]^_{}~ ".contains(c)
    } else {
        super::unicode::is_letter(c)
    }
}

/// Checks one path element; returns Go's reason text (without the path).
fn check_elem(elem: &str, kind: PathKind) -> Result<(), String> {
    if elem.is_empty() {
        return Err("empty path element".into());
    }
    if elem.bytes().all(|b| b == b'.') {
        return Err(format!("invalid path element {}", quote(elem)));
    }
    if elem.starts_with('.') && kind == PathKind::Module {
        return Err("leading dot in path element".into());
    }
    if elem.ends_with('.') {
        return Err("trailing dot in path element".into());
    }
    let char_ok = match kind {
        PathKind::Module => mod_path_ok,
        PathKind::Import => import_path_ok,
        PathKind::File => file_name_ok,
    };
    if let Some(c) = elem.chars().find(|&c| !char_ok(c)) {
        return Err(format!("invalid char {}", quote_rune(c)));
    }
    let short = elem.split('.').next().unwrap_or(elem);
    if BAD_WINDOWS_NAMES
        .iter()
        .any(|bad| bad.eq_ignore_ascii_case(short))
    {
        return Err(format!(
            "{} disallowed as path element component on Windows",
            quote(short)
        ));
    }
    if kind != PathKind::File
        && let Some((_, digits)) = short.rsplit_once('~')
        && !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
    {
        return Err("trailing tilde and digits in path element".into());
    }
    Ok(())
}

/// The element check used for versions in escaping (`checkElem(v, filePath)`).
pub(super) fn check_file_elem(elem: &str) -> Result<(), String> {
    check_elem(elem, PathKind::File)
}

/// Checks a whole slash-separated path; returns Go's reason text.
fn check_any_path(path: &str, kind: PathKind) -> Result<(), String> {
    if path.is_empty() {
        return Err("empty string".into());
    }
    if path.starts_with('-') && kind != PathKind::File {
        return Err("leading dash".into());
    }
    if path.contains("//") {
        return Err("double slash".into());
    }
    if path.ends_with('/') {
        return Err("trailing slash".into());
    }
    path.split('/').try_for_each(|elem| check_elem(elem, kind))
}

fn invalid(kind: PathKind, path: &str, reason: String) -> ModuleError {
    ModuleError::InvalidPath {
        kind,
        path: path.to_string(),
        reason,
    }
}

/// Checks that `path` is a valid module path (Go's `CheckPath`).
///
/// A module path is a valid import path without `+`, whose elements do not
/// start with `.`, whose first element is a lower-case ASCII domain-like name
/// containing a dot and not starting with `-`, and whose final `/vN` (or
/// gopkg.in `.vN`) suffix, if any, is well formed.
pub fn check_path(path: &str) -> Result<(), ModuleError> {
    let fail = |reason: String| Err(invalid(PathKind::Module, path, reason));
    if let Err(reason) = check_any_path(path, PathKind::Module) {
        return fail(reason);
    }
    let first = path.split('/').next().unwrap_or(path);
    if first.is_empty() {
        return fail("leading slash".into());
    }
    if !first.contains('.') {
        return fail("missing dot in first path element".into());
    }
    if path.starts_with('-') {
        return fail("leading dash in first path element".into());
    }
    if let Some(c) = first
        .chars()
        .find(|&c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.'))
    {
        return fail(format!(
            "invalid char {} in first path element",
            quote_rune(c)
        ));
    }
    if split_path_version(path).is_none() {
        return fail("invalid version".into());
    }
    Ok(())
}

/// Checks that `path` is a valid import path (Go's `CheckImportPath`):
/// non-empty slash-separated elements of ASCII letters, digits and `+-._~`,
/// no element all dots or ending in a dot, no leading `-`, no Windows
/// reserved names, no `~digits` short-name suffix.
pub fn check_import_path(path: &str) -> Result<(), ModuleError> {
    check_any_path(path, PathKind::Import).map_err(|reason| invalid(PathKind::Import, path, reason))
}

/// Checks that `path` is a valid slash-separated file path inside a module
/// (Go's `CheckFilePath`): like an import path but also allowing space,
/// `!#$%&()+,-.=@[]^_{}~`, Unicode letters, a leading `-`, elements starting
/// with `.`, and `~digits` suffixes.
pub fn check_file_path(path: &str) -> Result<(), ModuleError> {
    check_any_path(path, PathKind::File).map_err(|reason| invalid(PathKind::File, path, reason))
}

/// Splits `path` into `(prefix, path_major)` with `prefix + path_major ==
/// path` (Go's `SplitPathVersion`).
///
/// `path_major` is `""` or `/vN` with N ≥ 2 and no leading zero; for
/// `gopkg.in/` paths it is `.vN` (N may be 0) optionally followed by
/// `-unstable`. Returns `None` (Go's `ok == false`) for a malformed suffix
/// such as `/v1`, `/v0`, `/v2.0`, or a gopkg.in path without `.vN`.
pub fn split_path_version(path: &str) -> Option<(&str, &str)> {
    if path.starts_with("gopkg.in/") {
        return split_gopkg_in(path);
    }
    let bytes = path.as_bytes();
    let tail = bytes
        .iter()
        .rev()
        .take_while(|b| b.is_ascii_digit() || **b == b'.')
        .count();
    let i = bytes.len() - tail;
    if i <= 1 || tail == 0 || bytes[i - 1] != b'v' || bytes[i - 2] != b'/' {
        return Some((path, ""));
    }
    let (prefix, major) = path.split_at(i - 2);
    let number = &major[2..];
    if number.contains('.') || number.starts_with('0') || major == "/v1" {
        return None;
    }
    Some((prefix, major))
}

fn split_gopkg_in(path: &str) -> Option<(&str, &str)> {
    let stem = path.strip_suffix("-unstable").unwrap_or(path);
    let bytes = stem.as_bytes();
    let digits = bytes
        .iter()
        .rev()
        .take_while(|b| b.is_ascii_digit())
        .count();
    let i = bytes.len() - digits;
    if i <= 1 || bytes[i - 1] != b'v' || bytes[i - 2] != b'.' {
        return None;
    }
    let (prefix, major) = path.split_at(i - 2);
    // Go accepts `.v-unstable` here (no digits but a suffix); keep that.
    let rest = &major[2..];
    if rest.is_empty() || (rest.starts_with('0') && major != ".v0") {
        return None;
    }
    Some((prefix, major))
}

/// Checks that version `v` agrees with a path's major suffix `path_major`
/// as returned by [`split_path_version`] (Go's `CheckPathMajor`).
///
/// No suffix accepts `v0`, `v1` and any `+incompatible` version; `/vN` and
/// `.vN` accept major `vN`; gopkg.in `.v1` also accepts any `v0.0.0-`
/// pseudo-version. The error reads `version "v2.0.0" invalid: should be v0
/// or v1, not v2`.
pub fn check_path_major(version: &str, path_major: &str) -> Result<(), ModuleError> {
    let mut want = path_major;
    if want.starts_with(".v") {
        want = want.strip_suffix("-unstable").unwrap_or(want);
    }
    if version.starts_with("v0.0.0-") && want == ".v1" {
        return Ok(());
    }
    let m = semver::major(version);
    let expected = if want.is_empty() {
        if m == "v0" || m == "v1" || semver::build(version) == "+incompatible" {
            return Ok(());
        }
        "v0 or v1"
    } else if let Some(n) = want.strip_prefix('/').or_else(|| want.strip_prefix('.')) {
        if m == n {
            return Ok(());
        }
        n
    } else {
        want
    };
    Err(ModuleError::InvalidVersion {
        version: version.to_string(),
        pseudo: false,
        reason: format!("should be {expected}, not {m}"),
    })
}

/// Reports whether version `v` agrees with `path_major` (Go's
/// `MatchPathMajor`); see [`check_path_major`].
pub fn match_path_major(version: &str, path_major: &str) -> bool {
    check_path_major(version, path_major).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_text_matches_go() {
        let e = |r: Result<(), ModuleError>| r.err().map(|e| e.to_string()).unwrap_or_default();
        assert_eq!(
            e(check_path("x.y+/z")),
            r#"malformed module path "x.y+/z": invalid char '+'"#
        );
        assert_eq!(
            e(check_path("x")),
            r#"malformed module path "x": missing dot in first path element"#
        );
        assert_eq!(
            e(check_path("X.y/z")),
            r#"malformed module path "X.y/z": invalid char 'X' in first path element"#
        );
        assert_eq!(
            e(check_path("x.y/z/v1")),
            r#"malformed module path "x.y/z/v1": invalid version"#
        );
        assert_eq!(
            e(check_import_path("x.y/com1.txt")),
            r#"malformed import path "x.y/com1.txt": "com1" disallowed as path element component on Windows"#
        );
        assert_eq!(
            e(check_file_path("a/..")),
            r#"malformed file path "a/..": invalid path element "..""#
        );
        assert_eq!(
            e(check_import_path("x/z~1")),
            r#"malformed import path "x/z~1": trailing tilde and digits in path element"#
        );
        assert_eq!(
            e(check_path_major("v2.0.0", "")),
            r#"version "v2.0.0" invalid: should be v0 or v1, not v2"#
        );
        assert_eq!(
            e(check_path_major("v1.0.0", ".v2-unstable")),
            r#"version "v1.0.0" invalid: should be v2, not v1"#
        );
    }

    #[test]
    fn file_letters() {
        assert!(check_file_path("über/café.go").is_ok());
        assert!(check_file_path("ⅰ.go").is_err());
        assert!(check_file_path("हि.go").is_err());
    }

    #[test]
    fn gopkg_in_unstable() {
        assert_eq!(
            split_path_version("gopkg.in/yaml.v2-unstable"),
            Some(("gopkg.in/yaml", ".v2-unstable"))
        );
        assert_eq!(split_path_version("gopkg.in/yaml.v02"), None);
        assert_eq!(split_path_version("gopkg.in/yaml"), None);
        assert_eq!(split_path_version("x.y/v"), Some(("x.y/v", "")));
    }
}
