//! go.mod and go.work files, read as `golang.org/x/mod/modfile` reads them
//! (`read.go`, `rule.go`, `work.go`; <https://go.dev/ref/mod#go-mod-file>,
//! <https://go.dev/ref/mod#go-work-file>).
//!
//! Two layers, as in Go:
//!
//! - **Syntax** ([`parse_syntax`], [`FileSyntax`]): the lexer (spaces, `//`
//!   comments, `( ) [ ] { } ,` as tokens, `"…"` and `` `…` `` strings,
//!   identifiers as runs of other printable characters) and the tree of
//!   lines, `verb ( … )` blocks and comment blocks, with each comment
//!   attached to a nearby element. `/* */` comments, a byte order mark and
//!   other non-printable characters are rejected.
//! - **Directives**: [`parse`] (Go's `Parse` with a nil fixer) interprets
//!   `module`, `go`, `toolchain`, `godebug`, `require`, `exclude`,
//!   `replace`, `retract`, `tool` and `ignore`, canonicalizing versions;
//!   [`parse_lax`] (Go's `ParseLax`, used for dependencies) keeps only
//!   `module`, `go`, `require`, `retract` and `ignore` and skips everything
//!   else; [`parse_with_fixer`] takes a [`VersionFixer`]; [`parse_work`]
//!   reads go.work (always strict).
//!
//! Errors carry the file, line and column and use Go's wording, so
//! `go.mod:3: unknown directive: foo` reads as it does from the go command
//! (which, like Go, leaves out a column of 1). Traps worth knowing: `=>`
//! must be surrounded by spaces, backquoted strings are rejected as
//! directive arguments even though the reference allows them, `require x v1`
//! is accepted as `v1.0.0`, and `// indirect;` alone is *not* indirect.
//!
//! Deliberate differences from Go: tokens hold text, not bytes, so invalid
//! UTF-8 (which Go accepts anywhere a printable character may appear)
//! is read as U+FFFD; such a path fails `module::check_path` later anyway.
//! Go's `unicode.IsPrint` is approximated without Unicode tables (see
//! `quote.rs`). The syntax tree keeps tokens as written, where Go rewrites
//! them to their canonical spelling.
//!
//! Not provided: the formatter (`Format`) and the editing API
//! (`AddRequire`, `SetRequire`, `DropReplace`, `Cleanup`, ...): modsnap
//! reads go.mod files and never rewrites them.
//!
//! Hand-written rather than built on the gomod-parser or gomod-rs crates,
//! because they do not unquote strings, mis-detect `// indirect;`, reject
//! unknown directives in dependencies' go.mod files (which Go ignores), or
//! silently stop at a bad line instead of reporting it.

mod error;
mod quote;
mod rule;
mod syntax;
mod work;

pub use error::{ErrorKind, LineError, ParseError, QuoteError};
pub use rule::{
    Exclude, FixError, GoStmt, Godebug, Ignore, ModFile, ModuleStmt, Replace, Require, Retract,
    Tool, ToolchainStmt, VersionFixer, auto_quote, is_directory_path, module_path, must_quote,
    parse, parse_lax, parse_lax_with_fixer, parse_with_fixer,
};
pub use syntax::{
    Comment, CommentBlock, Comments, FileSyntax, Line, LineBlock, Paren, Position, Stmt,
    parse_syntax,
};
pub use work::{Use, WorkFile, parse_work};

#[cfg(test)]
mod tests;
