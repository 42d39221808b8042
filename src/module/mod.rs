//! Module paths and versions: the rules of `golang.org/x/mod/module`
//! (`module/module.go`, `module/pseudo.go`; see
//! <https://go.dev/ref/mod#module-path>, <https://go.dev/ref/mod#versions>,
//! <https://go.dev/ref/mod#pseudo-versions> and
//! <https://go.dev/ref/mod#goproxy-protocol>).
//!
//! - [`check_path`], [`check_import_path`], [`check_file_path`]: which
//!   strings are valid module paths, import paths and in-module file paths;
//! - [`split_path_version`], [`check_path_major`], [`check`]: the `/vN` and
//!   gopkg.in `.vN` major-version suffix and its agreement with a version;
//! - [`escape_path`], [`escape_version`] and their inverses: the `!` case
//!   encoding of GOPROXY URLs and cache directories;
//! - [`match_prefix_patterns`]: GOPRIVATE/GONOPROXY/GONOSUMDB glob lists,
//!   with a faithful port of Go's `path.Match` ([`path_match`]);
//! - [`sort`], [`canonical_version`], and the pseudo-version helpers
//!   ([`pseudo_version`], [`pseudo_version_base`], ...).
//!
//! Error values render with Go's own wording (for instance
//! `malformed module path "x": missing dot in first path element`), so
//! modsnap's messages can be compared with the `go` command's.
//!
//! Not provided: Go's `PathMajorPrefix` and `VersionError` helpers beyond
//! [`ModuleError::for_version`], and anything that needs the network or a
//! VCS (deciding whether a module *has* a go.mod, which is what makes
//! `+incompatible` legitimate, is the caller's job). Hand-written because no
//! crate implements these Go-specific rules.

mod check;
mod escape;
mod pattern;
mod pseudo;
mod quote;
mod unicode;

use std::cmp::Ordering;
use std::fmt;

use crate::semver;

pub use check::{
    check_file_path, check_import_path, check_path, check_path_major, match_path_major,
    split_path_version,
};
pub use escape::{escape_path, escape_version, unescape_path, unescape_version};
pub use pattern::{BadPattern, match_prefix_patterns, path_match};
pub use pseudo::{
    PSEUDO_VERSION_TIMESTAMP_FORMAT, PseudoTime, is_pseudo_version, is_zero_pseudo_version,
    pseudo_version, pseudo_version_base, pseudo_version_rev, pseudo_version_time,
    zero_pseudo_version,
};
pub use quote::{quote, quote_rune};

/// A module path paired with a version, Go's `module.Version`.
///
/// Both fields hold the plain (unescaped) forms. `version` may be empty (a
/// main module or a directory replacement) and, in go.sum contexts, may
/// carry a `/go.mod` suffix.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ModVersion {
    /// Module path, like `golang.org/x/text` or `rsc.io/quote/v3`.
    pub path: String,
    /// Module version, like `v1.5.2`; by convention canonical semver.
    pub version: String,
}

impl ModVersion {
    /// A `path`/`version` pair.
    pub fn new(path: impl Into<String>, version: impl Into<String>) -> Self {
        ModVersion {
            path: path.into(),
            version: version.into(),
        }
    }
}

impl fmt::Display for ModVersion {
    /// `path@version`, or just `path` when the version is empty.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.version.is_empty() {
            f.write_str(&self.path)
        } else {
            write!(f, "{}@{}", self.path, self.version)
        }
    }
}

/// Which of Go's three path grammars a path was checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PathKind {
    /// A module path ([`check_path`]).
    Module,
    /// An import (package) path ([`check_import_path`]).
    Import,
    /// A file path inside a module ([`check_file_path`]).
    File,
}

impl fmt::Display for PathKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PathKind::Module => "module",
            PathKind::Import => "import",
            PathKind::File => "file",
        })
    }
}

/// What an escaped string was supposed to encode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EscapeKind {
    /// A module path ([`unescape_path`]).
    Path,
    /// A version ([`unescape_version`]).
    Version,
}

impl fmt::Display for EscapeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            EscapeKind::Path => "module path",
            EscapeKind::Version => "version",
        })
    }
}

/// Why a module path, version or escaped string was rejected. The
/// [`Display`](fmt::Display) text is the `go` command's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModuleError {
    /// Go's `InvalidPathError`: `malformed module path "x": <reason>`.
    #[error("malformed {kind} path {}: {reason}", quote(path))]
    InvalidPath {
        /// Which grammar the path failed.
        kind: PathKind,
        /// The rejected path.
        path: String,
        /// Go's reason text, e.g. `invalid char '+'`.
        reason: String,
    },
    /// Go's `InvalidVersionError`: `version "v2.0.0" invalid: <reason>`
    /// (`pseudo-version ...` when `pseudo`).
    #[error("{} {} invalid: {reason}", if *pseudo { "pseudo-version" } else { "version" }, quote(version))]
    InvalidVersion {
        /// The rejected version.
        version: String,
        /// Whether it was examined as a pseudo-version.
        pseudo: bool,
        /// Go's reason text, e.g. `should be v0 or v1, not v2`.
        reason: String,
    },
    /// Go's `ModuleError`: an error about a particular module, rendered as
    /// `path@version: <err>` or `module path: <err>`, with the special form
    /// `path@version: invalid version: <reason>` for an invalid version.
    #[error("{}", module_error_text(path, version, source))]
    Module {
        /// The module path.
        path: String,
        /// The module version, possibly empty.
        version: String,
        /// The underlying error.
        source: Box<ModuleError>,
    },
    /// An escaped path or version that does not decode:
    /// `invalid escaped module path "x"[: <reason>]`.
    #[error("invalid escaped {kind} {}{}", quote(text), reason.as_ref().map(|r| format!(": {r}")).unwrap_or_default())]
    InvalidEscape {
        /// What the text was meant to encode.
        kind: EscapeKind,
        /// The text Go quotes: the escaped form, or for a version that
        /// decoded but is not a valid element, the decoded form.
        text: String,
        /// The check that failed after decoding, if decoding succeeded.
        reason: Option<String>,
    },
    /// Go's `internal error: inconsistency in EscapePath`: a version that is
    /// a valid file-name element but contains non-ASCII letters cannot be
    /// escaped.
    #[error("internal error: inconsistency in EscapePath")]
    EscapeInconsistency,
}

fn module_error_text(path: &str, version: &str, err: &ModuleError) -> String {
    match err {
        ModuleError::InvalidVersion {
            version: v,
            pseudo,
            reason,
        } => {
            let noun = if *pseudo { "pseudo-version" } else { "version" };
            format!("{path}@{v}: invalid {noun}: {reason}")
        }
        _ if !version.is_empty() => format!("{path}@{version}: {err}"),
        _ => format!("module {path}: {err}"),
    }
}

impl ModuleError {
    /// Attaches a module to `err` (Go's `VersionError`); an error already
    /// about exactly that module is returned unchanged.
    pub fn for_version(m: &ModVersion, err: ModuleError) -> ModuleError {
        if let ModuleError::Module { path, version, .. } = &err
            && *path == m.path
            && *version == m.version
        {
            return err;
        }
        ModuleError::Module {
            path: m.path.clone(),
            version: m.version.clone(),
            source: Box::new(err),
        }
    }
}

/// Checks that `path` is a valid module path, `version` a valid semantic
/// version, and that the two agree on the major version (Go's `Check`).
///
/// `rsc.io/quote/v2` only goes with `v2.x.y`; a path without suffix goes with
/// `v0`/`v1` or any `+incompatible` version.
pub fn check(path: &str, version: &str) -> Result<(), ModuleError> {
    check_path(path)?;
    let wrap = |source: ModuleError| ModuleError::Module {
        path: path.to_string(),
        version: String::new(),
        source: Box::new(source),
    };
    if !semver::is_valid(version) {
        return Err(wrap(ModuleError::InvalidVersion {
            version: version.to_string(),
            pseudo: false,
            reason: "not a semantic version".into(),
        }));
    }
    let path_major = split_path_version(path).map_or("", |(_, m)| m);
    check_path_major(version, path_major).map_err(wrap)
}

/// The canonical form of `v` for module purposes (Go's
/// `CanonicalVersion`): [`semver::canonical`], but keeping a
/// `+incompatible` suffix. `""` when `v` is invalid.
pub fn canonical_version(v: &str) -> String {
    let mut cv = semver::canonical(v);
    if semver::build(v) == "+incompatible" {
        cv.push_str("+incompatible");
    }
    cv
}

/// Sorts module versions (Go's `Sort`): by path byte-wise, then by semver
/// precedence of the version, with a `/go.mod`-style suffix on the version
/// sorting after the bare version.
///
/// The sort is stable: entries Go considers equal (say `v1.0.0` and
/// `v1.0.0+meta`, or two invalid versions) keep their input order, where
/// Go's unstable sort leaves their order unspecified.
pub fn sort(list: &mut [ModVersion]) {
    list.sort_by(compare_versions);
}

fn compare_versions(a: &ModVersion, b: &ModVersion) -> Ordering {
    fn split(v: &str) -> (&str, &str) {
        v.split_at(v.find('/').unwrap_or(v.len()))
    }
    a.path.cmp(&b.path).then_with(|| {
        let ((va, fa), (vb, fb)) = (split(&a.version), split(&b.version));
        if va != vb {
            semver::compare(va, vb)
        } else {
            fa.cmp(fb)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display() {
        assert_eq!(
            ModVersion::new("a.b/c", "v1.0.0").to_string(),
            "a.b/c@v1.0.0"
        );
        assert_eq!(ModVersion::new("a.b/c", "").to_string(), "a.b/c");
    }

    #[test]
    fn check_messages() {
        assert_eq!(
            check("rsc.io/quote", "v2.0.0").unwrap_err().to_string(),
            "rsc.io/quote@v2.0.0: invalid version: should be v0 or v1, not v2"
        );
        assert_eq!(
            check("rsc.io/quote", "0.1.0").unwrap_err().to_string(),
            "rsc.io/quote@0.1.0: invalid version: not a semantic version"
        );
        let e = ModuleError::for_version(
            &ModVersion::new("a.b/c", "v1.0.0"),
            ModuleError::EscapeInconsistency,
        );
        assert_eq!(
            e.to_string(),
            "a.b/c@v1.0.0: internal error: inconsistency in EscapePath"
        );
        let again = ModuleError::for_version(&ModVersion::new("a.b/c", "v1.0.0"), e.clone());
        assert_eq!(again, e);
    }

    #[test]
    fn canonical_keeps_incompatible() {
        assert_eq!(canonical_version("v2.0+incompatible"), "");
        assert_eq!(
            canonical_version("v2.0.0+incompatible"),
            "v2.0.0+incompatible"
        );
        assert_eq!(canonical_version("v2.0.0+meta"), "v2.0.0");
        assert_eq!(canonical_version("v2"), "v2.0.0");
    }

    #[test]
    fn sort_go_mod_after_bare() {
        let mut l = vec![
            ModVersion::new("b.c/x", "v1.0.0"),
            ModVersion::new("a.c/x", "v1.10.0/go.mod"),
            ModVersion::new("a.c/x", "v1.10.0"),
            ModVersion::new("a.c/x", "v1.9.0/go.mod"),
            ModVersion::new("A.c/x", "v9.0.0"),
        ];
        sort(&mut l);
        let got: Vec<String> = l.iter().map(ToString::to_string).collect();
        assert_eq!(
            got,
            [
                "A.c/x@v9.0.0",
                "a.c/x@v1.9.0/go.mod",
                "a.c/x@v1.10.0",
                "a.c/x@v1.10.0/go.mod",
                "b.c/x@v1.0.0"
            ]
        );
    }
}
