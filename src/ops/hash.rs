//! `modsnap hash`: the `h1:` hashes go.sum records, computed without `go`.
//!
//! - [`hash_zip`] checks a module zip against the module zip rules
//!   ([`crate::modzip`]) and returns its go.sum zip hash;
//! - [`hash_mod`] returns the `/go.mod` hash of a go.mod file's bytes;
//! - [`hash_dir`] returns the hash `go mod verify` computes for an extracted
//!   module directory.
//!
//! A zip that breaks a rule is an error, never a hash: the go command would
//! refuse to use it, so a hash of it would only mislead.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::classify::{Classify, ErrorClass};
use crate::dirhash::{self, DirHashError};
use crate::fsutil::{self, FsError};
use crate::gosum;
use crate::module::{self, ModVersion, ModuleError};
use crate::modzip;

/// Why a hash could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum HashError {
    /// `--module` is not a valid `path@version` for a module zip.
    #[error("invalid module `{spec}`: {source}")]
    InvalidModule {
        /// What the user gave.
        spec: String,
        /// Why it is invalid.
        source: ModuleError,
    },
    /// The version is valid but not in canonical form, which a module zip's
    /// version must be.
    #[error("invalid module `{spec}`: version is not canonical (want `{canonical}`)")]
    NonCanonical {
        /// What the user gave.
        spec: String,
        /// The canonical form of its version.
        canonical: String,
    },
    /// `--module` has no `@version`.
    #[error("invalid module `{spec}`: want `path@version`, e.g. `example.com/m@v1.2.3`")]
    MissingVersion {
        /// What the user gave.
        spec: String,
    },
    /// Reading the input failed.
    #[error(transparent)]
    Fs(#[from] FsError),
    /// Hashing failed (unreadable zip, newline in a name, ...).
    #[error(transparent)]
    DirHash(#[from] DirHashError),
    /// The zip breaks the module zip rules, or is not a zip at all.
    #[error(transparent)]
    ZipRules(modzip::Error),
}

impl Classify for HashError {
    fn class(&self) -> ErrorClass {
        match self {
            HashError::ZipRules(_) => ErrorClass::Security,
            HashError::InvalidModule { .. }
            | HashError::MissingVersion { .. }
            | HashError::NonCanonical { .. } => ErrorClass::Usage,
            _ => ErrorClass::Failure,
        }
    }
}

/// A computed hash and the go.sum line it makes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HashOutput {
    /// What was hashed: `zip`, `mod` or `dir`.
    pub kind: &'static str,
    /// The input file or directory.
    pub file: PathBuf,
    /// Module path, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Module version, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The `h1:` hash.
    pub h1: String,
    /// The go.sum line (without newline), when the module is known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gosum: Option<String>,
}

/// Parses `path@version` as given to `--module`, and checks it the way a
/// module zip's identity is checked: a valid module path and a canonical
/// version that agrees with the path's major version suffix.
pub fn parse_module_spec(spec: &str) -> Result<ModVersion, HashError> {
    let Some((path, version)) = spec.split_once('@') else {
        return Err(HashError::MissingVersion {
            spec: spec.to_string(),
        });
    };
    let invalid = |source| HashError::InvalidModule {
        spec: spec.to_string(),
        source,
    };
    module::check(path, version).map_err(invalid)?;
    let canonical = module::canonical_version(version);
    if canonical != version {
        return Err(HashError::NonCanonical {
            spec: spec.to_string(),
            canonical,
        });
    }
    Ok(ModVersion {
        path: path.to_string(),
        version: version.to_string(),
    })
}

/// Checks `zip` against the module zip rules for `m`, then hashes it.
pub fn hash_zip(zip: &Path, m: &ModVersion) -> Result<HashOutput, HashError> {
    let rules = |e: modzip::Error| match e {
        modzip::Error::Io { op, path, source } => HashError::Fs(FsError::new(op, &path, source)),
        e => HashError::ZipRules(e),
    };
    modzip::check_zip(m, zip)
        .map_err(rules)?
        .to_result(zip)
        .map_err(rules)?;
    let h1 = dirhash::hash_zip_file(zip)?;
    Ok(with_module("zip", zip, Some(m), "", h1))
}

/// The `/go.mod` hash of the go.mod file at `file`; with `m`, also its
/// go.sum line.
pub fn hash_mod(file: &Path, m: Option<&ModVersion>) -> Result<HashOutput, HashError> {
    let data = fsutil::read(file)?;
    Ok(with_module(
        "mod",
        file,
        m,
        "/go.mod",
        dirhash::hash_go_mod(&data),
    ))
}

/// The hash `go mod verify` computes for the module `m` extracted at `dir`.
pub fn hash_dir(dir: &Path, m: &ModVersion) -> Result<HashOutput, HashError> {
    if !dir.is_dir() {
        return Err(HashError::Fs(FsError::new(
            "read directory",
            dir,
            std::io::Error::new(std::io::ErrorKind::NotADirectory, "not a directory"),
        )));
    }
    let h1 = dirhash::hash_dir(dir, &m.to_string())?;
    Ok(with_module("dir", dir, Some(m), "", h1))
}

fn with_module(
    kind: &'static str,
    file: &Path,
    m: Option<&ModVersion>,
    suffix: &str,
    h1: String,
) -> HashOutput {
    HashOutput {
        kind,
        file: file.to_owned(),
        path: m.map(|m| m.path.clone()),
        version: m.map(|m| m.version.clone()),
        gosum: m.map(|m| {
            gosum::format_line(&m.path, &format!("{}{suffix}", m.version), &h1)
                .trim_end()
                .to_string()
        }),
        h1,
    }
}
