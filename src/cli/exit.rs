//! Exit codes, which scripts and CI depend on: they are part of the interface.

/// modsnap's exit statuses (documented in README.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0: success.
    Ok,
    /// 1: any other failure (I/O, network, malformed input files).
    Error,
    /// 2: the command line was wrong.
    Usage,
    /// 3: content failed verification: a hash mismatch, a zip that breaks
    /// the module zip rules, a tampered archive. Always a security matter.
    VerifyFailed,
    /// 4: files are missing (an incomplete archive or tree), and nothing
    /// present failed verification.
    Incomplete,
}

impl From<ExitStatus> for std::process::ExitCode {
    fn from(s: ExitStatus) -> Self {
        std::process::ExitCode::from(match s {
            ExitStatus::Ok => 0,
            ExitStatus::Error => 1,
            ExitStatus::Usage => 2,
            ExitStatus::VerifyFailed => 3,
            ExitStatus::Incomplete => 4,
        })
    }
}

impl From<crate::classify::ErrorClass> for ExitStatus {
    fn from(c: crate::classify::ErrorClass) -> Self {
        use crate::classify::ErrorClass;
        match c {
            ErrorClass::Failure => ExitStatus::Error,
            ErrorClass::Usage => ExitStatus::Usage,
            ErrorClass::Security => ExitStatus::VerifyFailed,
            ErrorClass::Incomplete => ExitStatus::Incomplete,
        }
    }
}
