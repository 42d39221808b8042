//! Errors with positions, as x/mod's `modfile.Error` and `modfile.ErrorList`.

use std::fmt;

use super::quote::{quote, quote_rune};
use super::syntax::Position;
use crate::module::ModuleError;

/// Everything parsing a go.mod or go.work file found wrong, in file order:
/// Go's `modfile.ErrorList`.
///
/// A syntax error (from the lexer or the block structure) stops parsing, so
/// the list then holds exactly that one error. Directive errors are collected:
/// every bad line is reported. Displayed one error per line, as Go does.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ParseError {
    /// The individual errors; never empty.
    pub errors: Vec<LineError>,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.errors.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

/// One error at a position in a go.mod or go.work file: Go's `modfile.Error`.
///
/// Displayed exactly as Go does: `file:line:col: ` (the column is left out
/// when it is 1, i.e. for every directive error on a top-level line), then
/// `verb path: ` or `verb: ` when the error concerns a module path or
/// directive, then the message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct LineError {
    /// The file name given to the parser.
    pub file: String,
    /// Where the error is: the start of the offending line for directive
    /// errors, the lexer's position for syntax errors.
    pub pos: Position,
    /// The directive (`require`, `replace`, ...) for version and module path
    /// errors.
    pub verb: Option<String>,
    /// The module path the error concerns, when there is one.
    pub module_path: Option<String>,
    /// What is wrong.
    pub kind: ErrorKind,
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.pos.column > 1 {
            write!(f, "{}:{}:{}: ", self.file, self.pos.line, self.pos.column)?;
        } else if self.pos.line > 0 {
            write!(f, "{}:{}: ", self.file, self.pos.line)?;
        } else if !self.file.is_empty() {
            write!(f, "{}: ", self.file)?;
        }
        match (&self.verb, &self.module_path) {
            (Some(verb), Some(path)) => write!(f, "{verb} {path}: ")?,
            (Some(verb), None) => write!(f, "{verb}: ")?,
            _ => {}
        }
        write!(f, "{}", self.kind)
    }
}

/// What is wrong, worded exactly as golang.org/x/mod/modfile words it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ErrorKind {
    /// A character that cannot start a token: a control or format
    /// character, a non-ASCII space, or a byte order mark.
    #[error("unexpected input character {}", quote_rune(*.0))]
    UnexpectedCharacter(char),
    /// `/*` anywhere outside a comment or string.
    #[error("mod files must use // comments (not /* */ comments)")]
    BlockComment,
    /// A quoted string still open at the end of the file.
    #[error("unexpected EOF in string")]
    EofInString,
    /// A quoted string still open at the end of the line.
    #[error("unexpected newline in string")]
    NewlineInString,
    /// A `verb (` block without its closing `)`.
    #[error("syntax error (unterminated block started at {file}:{line}:{column})")]
    UnterminatedBlock {
        /// The file name.
        file: String,
        /// Line of the block's first token.
        line: usize,
        /// Column of the block's first token.
        column: usize,
    },
    /// Something after a block's closing `)` on the same line.
    #[error("syntax error (expected newline after closing paren)")]
    ExpectedNewlineAfterParen,
    /// A line whose first token is not a directive known in this mode.
    #[error("unknown directive: {0}")]
    UnknownDirective(String),
    /// A block whose verb is unknown, not allowed as a block, or more than
    /// one token.
    #[error("unknown block type: {0}")]
    UnknownBlockType(String),
    /// A second `module`, `go` or `toolchain` line (the directive name).
    #[error("repeated {0} statement")]
    Repeated(&'static str),
    /// `go`, `toolchain`, `tool` or `ignore` without exactly one argument.
    #[error("{0} directive expects exactly one argument")]
    ExpectsOneArgument(&'static str),
    /// A `go` version not matching `1.N`, `1.N.P` or `1.NrcP`.
    #[error("invalid go version '{0}': must match format 1.23.0")]
    InvalidGoVersion(String),
    /// A `toolchain` name not matching `go1…` or `default`.
    #[error("invalid toolchain version '{0}': must match format go1.23.0 or default")]
    InvalidToolchain(String),
    /// Wrong arguments for a directive; the text is Go's usage line, e.g.
    /// `require module/path v1.2.3`.
    #[error("usage: {0}")]
    Usage(String),
    /// A token that is not a valid quoted string, or an unquoted one
    /// containing a quote character.
    #[error("invalid quoted string: {0}")]
    InvalidQuotedString(QuoteError),
    /// A version that is not (or cannot be canonicalized to) semver.
    #[error("version {} invalid: {reason}", quote(.version))]
    InvalidVersion {
        /// The version as written (unquoted when it was quoted).
        version: String,
        /// Why, e.g. `must be of the form v1.2.3`.
        reason: String,
    },
    /// A module path `module.SplitPathVersion` rejects.
    #[error("invalid module path")]
    InvalidModulePath,
    /// A version whose major version disagrees with the path's `/vN` or
    /// `.vN` suffix (`module.CheckPathMajor`).
    #[error("{0}")]
    PathMajor(ModuleError),
    /// The version fixer rejected a version.
    #[error("{0}")]
    Fixer(String),
    /// `replace a => b@v1`.
    #[error("replacement module must match format 'path version', not 'path@version'")]
    ReplacementPathAtVersion,
    /// `replace a => b` where `b` is not a directory path.
    #[error(
        "replacement module without version must be directory path (rooted or starting with . or ..)"
    )]
    ReplacementWithoutVersion,
    /// `replace a => dir\sub` on a system whose separator is `/`.
    #[error("replacement directory appears to be Windows path (on a non-windows system)")]
    WindowsDirectory,
    /// `replace a => ./dir v1.0.0`.
    #[error("replacement module directory path {} cannot have version", quote(.0))]
    DirectoryWithVersion(String),
    /// A malformed `retract` version interval; the text is Go's, e.g.
    /// `expected ',' after version`.
    #[error("{0}")]
    RetractInterval(&'static str),
    /// Extra tokens after a `retract` version or interval.
    #[error("unexpected token after version: {}", quote(.0))]
    UnexpectedTokenAfterVersion(String),
    /// `retract` with a version fixer but no `module` line.
    #[error("no module directive found, so retract cannot be used")]
    RetractWithoutModule,
}

/// Why a token is not a valid string (the text after `invalid quoted string: `).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum QuoteError {
    /// A `"…"` token that Go's `strconv.Unquote` rejects (bad escape).
    #[error("invalid syntax")]
    InvalidSyntax,
    /// An unquoted token containing `"`, `'` or `` ` ``; this includes every
    /// backquoted raw string, which go.mod directives never accept.
    #[error("unquoted string cannot contain quote")]
    ContainsQuote,
}
