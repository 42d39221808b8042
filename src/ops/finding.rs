//! What `verify` found wrong, as typed records (module, artifact, problem)
//! that the text output and `--json` both render.

use std::fmt;

use serde::Serialize;

use crate::goproxy::Artifact;
use crate::module::ModVersion;

/// One problem with one stored file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Finding {
    /// `path@version`.
    pub module: String,
    /// `.info`, `.mod` or `.zip`.
    pub artifact: String,
    /// What is wrong.
    #[serde(flatten)]
    pub problem: Problem,
}

/// What is wrong with a stored file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum Problem {
    /// A project needs it and it is not there.
    Missing,
    /// Not there, and the go command cannot build the project's packages
    /// without it (a module providing an imported package with no zip line
    /// in go.sum, a package no module provides).
    Unbuildable {
        /// What the package loader found.
        detail: String,
    },
    /// It is there and hashes to something else.
    HashMismatch {
        /// The hash of the bytes present.
        got: String,
        /// The hash the manifest (or go.sum) records.
        want: String,
    },
    /// It is there and cannot be read.
    Unreadable,
    /// It breaks a rule (the module zip rules, go.sum, the `.info` format).
    Invalid {
        /// The rule broken, as the checker says it.
        detail: String,
    },
}

impl Finding {
    /// A finding about `artifact` of `m`.
    pub fn new(m: &ModVersion, artifact: Artifact, problem: Problem) -> Finding {
        Finding {
            module: m.to_string(),
            artifact: artifact.to_string(),
            problem,
        }
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.module, self.artifact)?;
        match &self.problem {
            Problem::Missing => Ok(()),
            Problem::HashMismatch { got, want } => {
                write!(f, ": hashes to {got}, manifest says {want}")
            }
            Problem::Unreadable => write!(f, ": cannot be read"),
            Problem::Invalid { detail } | Problem::Unbuildable { detail } => {
                write!(f, ": {detail}")
            }
        }
    }
}

/// Why a missing `.info` is not a missing build input: only module queries
/// stat such a version (`go list -m all`, `go mod download` with no
/// arguments reports it), never a build, test or vendor.
pub fn info_gap_warning(m: &ModVersion, why: &str) -> String {
    format!(
        "{m}: no .info ({why}); builds, tests and vendoring need nothing else of this module, but offline `go list -m all` will fail on it"
    )
}
