//! One classification of every error a run can end with, so that the exit
//! code (README "Exit codes") is decided in one place: each library error
//! type says which class it is ([`Classify`]), and the CLI maps the class
//! to a code. An error that wraps another delegates to it.

/// What kind of failure ended a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// Anything else: network, unreadable files, malformed inputs, missing
    /// go.sum lines (exit 1).
    Failure,
    /// The command line was wrong (exit 2).
    Usage,
    /// Content failed verification: a hash mismatch, a zip breaking the
    /// module zip rules, a tampered or unsafe archive — a security matter
    /// (exit 3).
    Security,
    /// Files a build needs are missing (a stale or cut-off archive, a tree
    /// without a project's modules), and nothing present is wrong (exit 4).
    Incomplete,
}

/// An error that knows its [`ErrorClass`].
pub trait Classify {
    /// This error's class.
    fn class(&self) -> ErrorClass;

    /// Whether it is [`ErrorClass::Security`].
    fn is_security(&self) -> bool {
        self.class() == ErrorClass::Security
    }

    /// The module (`path@version`) the error is about, when there is one.
    fn module(&self) -> Option<String> {
        None
    }

    /// The URL that failed (credentials masked), when there is one.
    fn url(&self) -> Option<String> {
        None
    }
}

impl<T: Classify + ?Sized> Classify for Box<T> {
    fn class(&self) -> ErrorClass {
        (**self).class()
    }
    fn module(&self) -> Option<String> {
        (**self).module()
    }
    fn url(&self) -> Option<String> {
        (**self).url()
    }
}

impl ErrorClass {
    /// The name `--json` error objects carry (`failure`, `usage`,
    /// `security`, `incomplete`).
    pub fn name(self) -> &'static str {
        match self {
            ErrorClass::Failure => "failure",
            ErrorClass::Usage => "usage",
            ErrorClass::Security => "security",
            ErrorClass::Incomplete => "incomplete",
        }
    }
}
