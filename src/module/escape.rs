//! The `!` case encoding of module paths and versions used in GOPROXY URLs
//! and module-cache directory names (`golang.org/x/mod/module/module.go`:
//! `EscapePath`, `EscapeVersion`, `UnescapePath`, `UnescapeVersion`; see
//! <https://go.dev/ref/mod#goproxy-protocol>).
//!
//! Every ASCII upper-case letter becomes `!` plus its lower-case form, so
//! that no two valid paths differ only in case on a case-insensitive file
//! system; nothing else changes. Escaped text never contains upper-case
//! letters, and `!` is only ever followed by `a`–`z`.
//!
//! Zip entry names and go.sum lines use the *unescaped* forms; this module
//! does not decide where escaping applies.

use super::check::{check_file_elem, check_path};
use super::{EscapeKind, ModuleError};

/// Escapes `s`, which the caller has already validated; non-ASCII bytes and
/// `!` are refused as Go refuses them.
fn escape_string(s: &str) -> Result<String, ModuleError> {
    if s.bytes().any(|b| b == b'!' || !b.is_ascii()) {
        return Err(ModuleError::EscapeInconsistency);
    }
    let mut out = String::with_capacity(s.len() + s.len() / 4);
    for c in s.chars() {
        if c.is_ascii_uppercase() {
            out.push('!');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    Ok(out)
}

/// Reverses [`escape_string`]; `None` when `s` is not a valid encoding.
fn unescape_string(s: &str) -> Option<String> {
    let mut out = String::with_capacity(s.len());
    let mut bytes = s.bytes();
    while let Some(b) = bytes.next() {
        match b {
            b'!' => match bytes.next() {
                Some(l) if l.is_ascii_lowercase() => out.push(char::from(l.to_ascii_uppercase())),
                _ => return None,
            },
            b'A'..=b'Z' => return None,
            _ if !b.is_ascii() => return None,
            _ => out.push(char::from(b)),
        }
    }
    Some(out)
}

/// The escaped form of module path `path` (Go's `EscapePath`); fails with
/// the [`check_path`] error when `path` is not a valid module path.
///
/// `github.com/GoogleCloudPlatform/omega` → `github.com/!google!cloud!platform/omega`.
pub fn escape_path(path: &str) -> Result<String, ModuleError> {
    check_path(path)?;
    escape_string(path)
}

/// The escaped form of version `v` (Go's `EscapeVersion`).
///
/// `v` need not be semver (it may be a branch name in a query), but it must
/// be a single valid file-name element without `!`; otherwise the error is
/// `version "…" invalid: disallowed version string`.
pub fn escape_version(v: &str) -> Result<String, ModuleError> {
    if check_file_elem(v).is_err() || v.contains('!') {
        return Err(ModuleError::InvalidVersion {
            version: v.to_string(),
            pseudo: false,
            reason: "disallowed version string".into(),
        });
    }
    escape_string(v)
}

/// The module path that `escaped` encodes (Go's `UnescapePath`); fails when
/// `escaped` is not a valid encoding or decodes to an invalid module path.
pub fn unescape_path(escaped: &str) -> Result<String, ModuleError> {
    let fail = |reason: Option<String>| ModuleError::InvalidEscape {
        kind: EscapeKind::Path,
        text: escaped.to_string(),
        reason,
    };
    let path = unescape_string(escaped).ok_or_else(|| fail(None))?;
    check_path(&path).map_err(|e| fail(Some(e.to_string())))?;
    Ok(path)
}

/// The version that `escaped` encodes (Go's `UnescapeVersion`); fails when
/// `escaped` is not a valid encoding or decodes to something that is not a
/// valid file-name element.
pub fn unescape_version(escaped: &str) -> Result<String, ModuleError> {
    let v = unescape_string(escaped).ok_or_else(|| ModuleError::InvalidEscape {
        kind: EscapeKind::Version,
        text: escaped.to_string(),
        reason: None,
    })?;
    // Go quotes the decoded version in this message, not the escaped text.
    check_file_elem(&v).map_err(|reason| ModuleError::InvalidEscape {
        kind: EscapeKind::Version,
        text: v.clone(),
        reason: Some(reason),
    })?;
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_versions() {
        assert_eq!(escape_version("v1.1.0-Beta").as_deref(), Ok("v1.1.0-!beta"));
        assert_eq!(
            unescape_version("v1.1.0-!beta").as_deref(),
            Ok("v1.1.0-Beta")
        );
        let err = escape_version("v1/x").unwrap_err().to_string();
        assert_eq!(err, r#"version "v1/x" invalid: disallowed version string"#);
        assert!(escape_version("v!1").is_err());
        assert_eq!(escape_version("vé"), Err(ModuleError::EscapeInconsistency));
        assert_eq!(
            unescape_version("v!").unwrap_err().to_string(),
            r#"invalid escaped version "v!""#
        );
        assert_eq!(
            unescape_version("!con").unwrap_err().to_string(),
            r#"invalid escaped version "Con": "Con" disallowed as path element component on Windows"#
        );
        assert_eq!(
            unescape_path("x").unwrap_err().to_string(),
            r#"invalid escaped module path "x": malformed module path "x": missing dot in first path element"#
        );
    }
}
