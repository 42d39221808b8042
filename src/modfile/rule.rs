//! go.mod directives (x/mod `modfile/rule.go`): the meaning of each line of
//! the syntax tree, in strict (`Parse`) and lax (`ParseLax`) mode.

use super::error::{ErrorKind, LineError, ParseError, QuoteError};
use super::quote::{is_print, quote, unquote};
use super::syntax::{Comments, FileSyntax, Line, LineBlock, Position, Stmt, parse_syntax};
use crate::module::{self, ModVersion};

/// A parsed go.mod file: Go's `modfile.File` without the editing API.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModFile {
    /// The `module` directive.
    pub module: Option<ModuleStmt>,
    /// The `go` directive.
    pub go: Option<GoStmt>,
    /// The `toolchain` directive (always `None` in lax mode).
    pub toolchain: Option<ToolchainStmt>,
    /// `godebug` directives (always empty in lax mode).
    pub godebug: Vec<Godebug>,
    /// `require` directives in file order; duplicates are kept, as in Go.
    pub require: Vec<Require>,
    /// `exclude` directives (always empty in lax mode).
    pub exclude: Vec<Exclude>,
    /// `replace` directives (always empty in lax mode).
    pub replace: Vec<Replace>,
    /// `retract` directives.
    pub retract: Vec<Retract>,
    /// `tool` directives (always empty in lax mode).
    pub tool: Vec<Tool>,
    /// `ignore` directives.
    pub ignore: Vec<Ignore>,
    /// The syntax tree, with every comment.
    pub syntax: FileSyntax,
}

/// The `module` directive.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModuleStmt {
    /// The module path, unquoted. Not validated here: that is
    /// `module::check_path`'s job, as in Go.
    pub path: String,
    /// The text of a `Deprecated:` paragraph in the directive's comments,
    /// without the prefix; empty when the module is not deprecated.
    pub deprecated: String,
    /// Where the directive's line starts.
    pub pos: Position,
}

/// The `go` directive.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GoStmt {
    /// The language version, e.g. `1.23` or `1.21rc1`. In lax mode a
    /// version such as `1.18.x` or `v1.2` is truncated to `major.minor`.
    pub version: String,
    /// Where the directive's line starts.
    pub pos: Position,
}

/// The `toolchain` directive.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ToolchainStmt {
    /// The toolchain name, e.g. `go1.21.3` or `default`.
    pub name: String,
    /// Where the directive's line starts.
    pub pos: Position,
}

/// A `godebug key=value` directive.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Godebug {
    /// The setting name (before the first `=`).
    pub key: String,
    /// The value (after the first `=`).
    pub value: String,
    /// Where the directive's line starts.
    pub pos: Position,
}

/// A `require path version` directive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Require {
    /// The required module; the version is canonical unless a version fixer
    /// said otherwise.
    pub module: ModVersion,
    /// Whether the line carries an `// indirect` comment (Go's `isIndirect`:
    /// the first end-of-line comment is exactly `indirect`, or starts with
    /// the word `indirect;` followed by more words).
    pub indirect: bool,
    /// Where the directive's line starts.
    pub pos: Position,
}

/// An `exclude path version` directive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exclude {
    /// The excluded module version.
    pub module: ModVersion,
    /// Where the directive's line starts.
    pub pos: Position,
}

/// A `replace old [version] => new [version]` directive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replace {
    /// The replaced module; an empty version replaces every version.
    pub old: ModVersion,
    /// The replacement: a module path and version, or a directory path
    /// (see [`is_directory_path`]) with an empty version.
    pub new: ModVersion,
    /// Where the directive's line starts.
    pub pos: Position,
}

impl Replace {
    /// Whether the replacement is a local directory rather than a module.
    pub fn is_directory(&self) -> bool {
        self.new.version.is_empty()
    }
}

/// A `retract version` or `retract [low, high]` directive.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Retract {
    /// The lowest retracted version (inclusive).
    pub low: String,
    /// The highest retracted version (inclusive); equal to `low` for a
    /// single version.
    pub high: String,
    /// The comment text on the line, or on its block when the line has
    /// none: `//` and surrounding spaces stripped, lines joined by `\n`.
    pub rationale: String,
    /// Where the directive's line starts.
    pub pos: Position,
}

/// A `tool path` directive.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tool {
    /// The tool's package path, unquoted.
    pub path: String,
    /// Where the directive's line starts.
    pub pos: Position,
}

/// An `ignore path` directive.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ignore {
    /// The ignored slash path, unquoted.
    pub path: String,
    /// Where the directive's line starts.
    pub pos: Position,
}

/// Why a [`VersionFixer`] refused a version.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FixError {
    /// Like a Go `*module.ModuleError`: reported as `verb path: message`.
    #[error("{0}")]
    Module(String),
    /// Any other error: reported with the position only.
    #[error("{0}")]
    Other(String),
}

/// Go's `modfile.VersionFixer`: given a module path and a version as
/// written, returns the version to use. The go command uses one to resolve
/// branch names and short versions in the main module's go.mod.
pub type VersionFixer<'a> = &'a dyn Fn(&str, &str) -> Result<String, FixError>;

/// Parses a go.mod file strictly (Go's `Parse(file, data, nil)`): every
/// directive is checked, unknown ones are errors, and versions are
/// canonicalized (`v1.2` becomes `v1.2.0`, `+build` metadata is dropped).
///
/// Use this for the main module's go.mod.
pub fn parse(file: &str, data: &[u8]) -> Result<ModFile, ParseError> {
    parse_to_file(file, data, None, Strictness::Strict)
}

/// Parses a go.mod file leniently (Go's `ParseLax(file, data, nil)`), as the
/// go command does for every dependency's go.mod.
///
/// Only `module`, `go`, `require`, `retract` and `ignore` are interpreted;
/// every other directive or block, known or not, is skipped without error.
/// Errors in the kept directives are still reported, except malformed
/// `retract` lines, which are dropped. A `go` version such as `1.18.x` is
/// truncated to `1.18`.
pub fn parse_lax(file: &str, data: &[u8]) -> Result<ModFile, ParseError> {
    parse_to_file(file, data, None, Strictness::Lax)
}

/// [`parse`] with a version fixer (Go's `Parse(file, data, fix)`): `fix`
/// replaces canonicalization for `require`, `exclude`, `replace` and
/// `retract` versions. Retracted versions are fixed against the `module`
/// path, so a `retract` without a `module` line is an error here.
pub fn parse_with_fixer(
    file: &str,
    data: &[u8],
    fix: VersionFixer<'_>,
) -> Result<ModFile, ParseError> {
    parse_to_file(file, data, Some(fix), Strictness::Strict)
}

/// [`parse_lax`] with a version fixer (Go's `ParseLax(file, data, fix)`).
pub fn parse_lax_with_fixer(
    file: &str,
    data: &[u8],
    fix: VersionFixer<'_>,
) -> Result<ModFile, ParseError> {
    parse_to_file(file, data, Some(fix), Strictness::Lax)
}

/// Go's `modfile.ModulePath`: the module path from go.mod text, found by a
/// lenient line scan that ignores every other problem in the file. Both
/// `"…"` and `` `…` `` quoting are accepted here (unlike in [`parse`]).
/// Returns `None` when there is no usable `module` line.
pub fn module_path(data: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(data);
    for line in text.split('\n') {
        let line = line.find("//").map_or(line, |i| &line[..i]).trim();
        let Some(rest) = line.strip_prefix("module") else {
            continue;
        };
        let arg = rest.trim();
        if arg.len() == rest.len() || arg.is_empty() {
            continue;
        }
        if arg.starts_with('"') || arg.starts_with('`') {
            let path = unquote(arg).map(|b| String::from_utf8_lossy(&b).into_owned())?;
            return (!path.is_empty()).then_some(path);
        }
        return Some(arg.to_string());
    }
    None
}

/// Go's `modfile.IsDirectoryPath`: whether a replacement target is a local
/// directory rather than a module path. Both Unix and Windows forms count,
/// because go.mod files move between systems: `.`, `..`, and paths starting
/// with `./`, `../`, `.\`, `..\`, `/`, `\` or a drive letter and colon.
pub fn is_directory_path(path: &str) -> bool {
    let b = path.as_bytes();
    path == "."
        || path == ".."
        || ["./", ".\\", "../", "..\\", "/", "\\"]
            .iter()
            .any(|p| path.starts_with(p))
        || (b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':')
}

/// Go's `modfile.MustQuote`: whether `s` needs quoting to be one token.
pub fn must_quote(s: &str) -> bool {
    let multi = s.len() > 1;
    s.chars().any(|c| match c {
        ' ' | '"' | '\'' | '`' => true,
        '(' | ')' | '[' | ']' | '{' | '}' | ',' => multi,
        c => !is_print(c),
    }) || s.is_empty()
        || s.contains("//")
        || s.contains("/*")
}

/// Go's `modfile.AutoQuote`: `s` as a go.mod token, quoted only if needed.
pub fn auto_quote(s: &str) -> String {
    if must_quote(s) {
        quote(s)
    } else {
        s.to_string()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Strictness {
    Strict,
    Lax,
}

/// How versions are normalized (Go's `fix` argument).
#[derive(Clone, Copy)]
pub(super) enum Fix<'a> {
    /// `fix == nil`: canonicalize with `module.CanonicalVersion`.
    Canonical,
    /// Go's `dontFixRetract`: keep as written.
    Keep,
    /// A caller's fixer.
    With(VersionFixer<'a>),
}

/// A directive error before its file and position are known.
pub(super) struct Fault {
    verb: Option<String>,
    module_path: Option<String>,
    kind: ErrorKind,
}

impl Fault {
    pub(super) fn at(self, file: &str, pos: Position) -> LineError {
        LineError {
            file: file.to_string(),
            pos,
            verb: self.verb,
            module_path: self.module_path,
            kind: self.kind,
        }
    }

    /// An error about a version of `path` in directive `verb` (Go wraps
    /// these in an `Error` carrying the verb and, if not empty, the path).
    fn about(verb: &str, path: &str, kind: ErrorKind) -> Fault {
        Fault {
            verb: Some(verb.to_string()),
            module_path: (!path.is_empty()).then(|| path.to_string()),
            kind,
        }
    }
}

impl From<ErrorKind> for Fault {
    fn from(kind: ErrorKind) -> Self {
        Fault {
            verb: None,
            module_path: None,
            kind,
        }
    }
}

/// Go's `parseString`: unquotes a `"…"` token; any other token must not
/// contain a quote character (so backquoted raw strings are rejected).
/// Like Go, rewrites the token to its canonical spelling.
pub(super) fn parse_string(token: &mut String) -> Result<String, QuoteError> {
    let value = if token.starts_with('"') {
        let bytes = unquote(token).ok_or(QuoteError::InvalidSyntax)?;
        String::from_utf8_lossy(&bytes).into_owned()
    } else if token.contains(['"', '\'', '`']) {
        return Err(QuoteError::ContainsQuote);
    } else {
        token.clone()
    };
    *token = auto_quote(&value);
    Ok(value)
}

fn parse_string_arg(token: &mut String) -> Result<String, Fault> {
    parse_string(token).map_err(|e| ErrorKind::InvalidQuotedString(e).into())
}

/// Go's `parseVersion`: unquotes, then fixes or canonicalizes a version.
pub(super) fn parse_version(
    verb: &str,
    path: &str,
    token: &mut String,
    fix: Fix<'_>,
) -> Result<String, Fault> {
    let written = token.clone();
    let t = parse_string(token).map_err(|e| {
        Fault::about(
            verb,
            path,
            ErrorKind::InvalidVersion {
                version: written,
                reason: e.to_string(),
            },
        )
    })?;
    let v = match fix {
        Fix::Keep => t,
        Fix::With(fix) => fix(path, &t).map_err(|e| match e {
            FixError::Module(msg) => Fault::about(verb, path, ErrorKind::Fixer(msg)),
            FixError::Other(msg) => ErrorKind::Fixer(msg).into(),
        })?,
        Fix::Canonical => {
            let cv = module::canonical_version(&t);
            if cv.is_empty() {
                let reason = "must be of the form v1.2.3".to_string();
                return Err(Fault::about(
                    verb,
                    path,
                    ErrorKind::InvalidVersion { version: t, reason },
                ));
            }
            cv
        }
    };
    token.clone_from(&v);
    Ok(v)
}

/// Go's `modulePathMajor`: the `/vN` or `.vN` suffix of a module path.
fn path_major(path: &str) -> Result<String, ErrorKind> {
    module::split_path_version(path)
        .map(|(_, major)| major.to_string())
        .ok_or(ErrorKind::InvalidModulePath)
}

/// Go's `parseVersionInterval`: a version or `[low, high]` at the start of
/// `args`. Returns the interval and how many tokens it used.
fn parse_version_interval(
    verb: &str,
    path: &str,
    args: &mut [String],
    fix: Fix<'_>,
) -> Result<(String, String, usize), Fault> {
    let interval = |msg: &'static str| Fault::from(ErrorKind::RetractInterval(msg));
    match args.first().map(String::as_str) {
        None | Some("(") => return Err(interval("expected '[' or version")),
        Some("[") => {}
        Some(_) => {
            let v = parse_version(verb, path, &mut args[0], fix)?;
            return Ok((v.clone(), v, 1));
        }
    }
    let low = match args.get_mut(1) {
        None => return Err(interval("expected version after '['")),
        Some(tok) => parse_version(verb, path, tok, fix)?,
    };
    if args.get(2).is_none_or(|t| t != ",") {
        return Err(interval("expected ',' after version"));
    }
    let high = match args.get_mut(3) {
        None => return Err(interval("expected version after ','")),
        Some(tok) => parse_version(verb, path, tok, fix)?,
    };
    if args.get(4).is_none_or(|t| t != "]") {
        return Err(interval("expected ']' after version"));
    }
    Ok((low, high, 5))
}

/// Go's `parseReplace`, shared by go.mod and go.work.
pub(super) fn parse_replace(
    verb: &str,
    args: &mut [String],
    fix: Fix<'_>,
) -> Result<(ModVersion, ModVersion), Fault> {
    let arrow = if args.len() >= 2 && args[1] == "=>" {
        1
    } else {
        2
    };
    if args.len() < arrow + 2 || args.len() > arrow + 3 || args[arrow] != "=>" {
        return Err(ErrorKind::Usage(format!(
            "{verb} module/path [v1.2.3] => other/module v1.4\n\t or {verb} module/path [v1.2.3] => ../local/directory"
        ))
        .into());
    }
    let old_path = parse_string_arg(&mut args[0])?;
    let major = path_major(&old_path).map_err(|k| Fault::about(verb, &old_path, k))?;
    let mut old_version = String::new();
    if arrow == 2 {
        old_version = parse_version(verb, &old_path, &mut args[1], fix)?;
        module::check_path_major(&old_version, &major)
            .map_err(|e| Fault::about(verb, &old_path, ErrorKind::PathMajor(e)))?;
    }
    let new_path = parse_string_arg(&mut args[arrow + 1])?;
    let mut new_version = String::new();
    if args.len() == arrow + 2 {
        if !is_directory_path(&new_path) {
            return Err(if new_path.contains('@') {
                ErrorKind::ReplacementPathAtVersion
            } else {
                ErrorKind::ReplacementWithoutVersion
            }
            .into());
        }
        if std::path::MAIN_SEPARATOR == '/' && new_path.contains('\\') {
            return Err(ErrorKind::WindowsDirectory.into());
        }
    } else {
        new_version = parse_version(verb, &new_path, &mut args[arrow + 2], fix)?;
        if is_directory_path(&new_path) {
            return Err(ErrorKind::DirectoryWithVersion(new_path).into());
        }
    }
    Ok((
        ModVersion {
            path: old_path,
            version: old_version,
        },
        ModVersion {
            path: new_path,
            version: new_version,
        },
    ))
}

/// A `godebug key=value` argument list, shared by go.mod and go.work.
pub(super) fn parse_godebug(args: &[String]) -> Result<(String, String), Fault> {
    let usage = || Fault::from(ErrorKind::Usage("godebug key=value".into()));
    let [arg] = args else {
        return Err(usage());
    };
    if arg.contains(['"', '`', '\'', ',']) {
        return Err(usage());
    }
    let (key, value) = arg.split_once('=').ok_or_else(usage)?;
    Ok((key.to_string(), value.to_string()))
}

/// Go's `parseDirectiveComment`: the comment text of a line, or of its
/// block when the line has none.
fn directive_comment(block: Option<&LineBlock>, line: &Line) -> String {
    let mut comments: &Comments = &line.comments;
    if let Some(block) = block
        && comments.before.is_empty()
        && comments.suffix.is_empty()
    {
        comments = &block.comments;
    }
    let lines: Vec<&str> = comments
        .before
        .iter()
        .chain(&comments.suffix)
        .filter_map(|c| c.token.strip_prefix("//"))
        .map(str::trim)
        .collect();
    lines.join("\n")
}

/// Go's `deprecatedRE` (`(?s)(?:^|\n\n)Deprecated: *(.*?)(?:$|\n\n)`): the
/// first paragraph starting with `Deprecated:`, without that prefix.
fn deprecation(text: &str) -> String {
    const KEY: &str = "Deprecated:";
    let b = text.as_bytes();
    let body = if text.starts_with(KEY) {
        Some(KEY.len())
    } else {
        (0..b.len())
            .find(|&i| b[i..].starts_with(b"\n\nDeprecated:"))
            .map(|i| i + 2 + KEY.len())
    };
    let Some(body) = body else {
        return String::new();
    };
    let msg = text[body..].trim_start_matches(' ');
    msg.find("\n\n").map_or(msg, |i| &msg[..i]).to_string()
}

/// Go's `isIndirect`.
fn is_indirect(line: &Line) -> bool {
    let Some(first) = line.comments.suffix.first() else {
        return false;
    };
    let text = first.token.strip_prefix("//").unwrap_or(&first.token);
    let words: Vec<&str> = text.split_whitespace().collect();
    matches!(words.as_slice(), ["indirect"]) || (words.len() > 1 && words[0] == "indirect;")
}

fn parse_to_file(
    file: &str,
    data: &[u8],
    fix: Option<VersionFixer<'_>>,
    strictness: Strictness,
) -> Result<ModFile, ParseError> {
    let syntax = parse_syntax(file, data)?;
    let mut builder = Builder {
        f: ModFile::default(),
        errors: Vec::new(),
        retract_tokens: Vec::new(),
        file,
        fix: fix.map_or(Fix::Canonical, Fix::With),
        strict: strictness == Strictness::Strict,
    };
    for stmt in &syntax.stmts {
        match stmt {
            Stmt::Comments(_) => {}
            Stmt::Line(line) => {
                let mut tokens = line.tokens.clone();
                builder.add(None, line, &mut tokens);
            }
            Stmt::Block(block) => {
                let verb = block.tokens.join(" ");
                let known = matches!(
                    verb.as_str(),
                    "module"
                        | "godebug"
                        | "require"
                        | "exclude"
                        | "replace"
                        | "retract"
                        | "tool"
                        | "ignore"
                );
                if !known {
                    if builder.strict {
                        builder.errors.push(
                            Fault::from(ErrorKind::UnknownBlockType(verb)).at(file, block.start),
                        );
                    }
                    continue;
                }
                for line in &block.lines {
                    let mut tokens = Vec::with_capacity(line.tokens.len() + 1);
                    tokens.push(verb.clone());
                    tokens.extend(line.tokens.iter().cloned());
                    builder.add(Some(block), line, &mut tokens);
                }
            }
        }
    }
    builder.fix_retracts();
    let Builder { mut f, errors, .. } = builder;
    if !errors.is_empty() {
        return Err(ParseError { errors });
    }
    f.syntax = syntax;
    Ok(f)
}

struct Builder<'a> {
    f: ModFile,
    errors: Vec<LineError>,
    /// For each retract, its line's tokens as the first pass left them
    /// (Go's fixRetract re-reads the rewritten `Line.Token`).
    retract_tokens: Vec<Vec<String>>,
    file: &'a str,
    fix: Fix<'a>,
    strict: bool,
}

impl Builder<'_> {
    /// Go's `File.add`. `tokens` is `[verb, args...]`.
    fn add(&mut self, block: Option<&LineBlock>, line: &Line, tokens: &mut [String]) {
        let verb = tokens[0].clone();
        if !self.strict
            && !matches!(
                verb.as_str(),
                "go" | "module" | "retract" | "require" | "ignore"
            )
        {
            return;
        }
        let args = &mut tokens[1..];
        if let Err(fault) = self.add_directive(block, line, &verb, args) {
            self.errors.push(fault.at(self.file, line.start));
        }
        if verb == "retract" && self.f.retract.len() > self.retract_tokens.len() {
            // Single-line retracts keep their verb among the tokens; block
            // lines do not (the verb here is synthesized).
            let line_tokens = if line.in_block {
                args.to_vec()
            } else {
                tokens.to_vec()
            };
            self.retract_tokens.push(line_tokens);
        }
    }

    fn add_directive(
        &mut self,
        block: Option<&LineBlock>,
        line: &Line,
        verb: &str,
        args: &mut [String],
    ) -> Result<(), Fault> {
        let pos = line.start;
        match verb {
            "go" => {
                if self.f.go.is_some() {
                    return Err(ErrorKind::Repeated("go").into());
                }
                let [version] = args else {
                    return Err(ErrorKind::ExpectsOneArgument("go").into());
                };
                let mut version = version.clone();
                if !crate::gover::is_go_mod_version(&version) {
                    match crate::gover::lax_go_mod_version(&version).filter(|_| !self.strict) {
                        Some(v) => version = v.to_string(),
                        None => return Err(ErrorKind::InvalidGoVersion(version).into()),
                    }
                }
                self.f.go = Some(GoStmt { version, pos });
            }
            "toolchain" => {
                if self.f.toolchain.is_some() {
                    return Err(ErrorKind::Repeated("toolchain").into());
                }
                let [name] = args else {
                    return Err(ErrorKind::ExpectsOneArgument("toolchain").into());
                };
                if !crate::gover::is_toolchain_name(name) {
                    return Err(ErrorKind::InvalidToolchain(name.clone()).into());
                }
                self.f.toolchain = Some(ToolchainStmt {
                    name: name.clone(),
                    pos,
                });
            }
            "module" => {
                if self.f.module.is_some() {
                    return Err(ErrorKind::Repeated("module").into());
                }
                let deprecated = deprecation(&directive_comment(block, line));
                // Go records the directive even when its argument is bad.
                self.f.module = Some(ModuleStmt {
                    path: String::new(),
                    deprecated,
                    pos,
                });
                let [arg] = args else {
                    return Err(ErrorKind::Usage("module module/path".into()).into());
                };
                let path = parse_string_arg(arg)?;
                if let Some(m) = self.f.module.as_mut() {
                    m.path = path;
                }
            }
            "godebug" => {
                let (key, value) = parse_godebug(args)?;
                self.f.godebug.push(Godebug { key, value, pos });
            }
            "require" | "exclude" => {
                let [path_tok, version_tok] = args else {
                    return Err(ErrorKind::Usage(format!("{verb} module/path v1.2.3")).into());
                };
                let path = parse_string_arg(path_tok)?;
                let version = parse_version(verb, &path, version_tok, self.fix)?;
                let major = path_major(&path)?;
                module::check_path_major(&version, &major)
                    .map_err(|e| Fault::about(verb, &path, ErrorKind::PathMajor(e)))?;
                let module = ModVersion { path, version };
                if verb == "require" {
                    self.f.require.push(Require {
                        module,
                        indirect: is_indirect(line),
                        pos,
                    });
                } else {
                    self.f.exclude.push(Exclude { module, pos });
                }
            }
            "replace" => {
                let (old, new) = parse_replace(verb, args, self.fix)?;
                self.f.replace.push(Replace { old, new, pos });
            }
            "retract" => {
                let rationale = directive_comment(block, line);
                let (low, high, used) = match parse_version_interval(verb, "", args, Fix::Keep) {
                    Ok(interval) => interval,
                    // Lax mode drops retractions it cannot read: future
                    // syntax must not break dependencies' go.mod files.
                    Err(_) if !self.strict => return Ok(()),
                    Err(fault) => return Err(fault),
                };
                if let Some(extra) = args.get(used).filter(|_| self.strict) {
                    return Err(ErrorKind::UnexpectedTokenAfterVersion(extra.clone()).into());
                }
                self.f.retract.push(Retract {
                    low,
                    high,
                    rationale,
                    pos,
                });
            }
            "tool" | "ignore" => {
                let [arg] = args else {
                    let name = if verb == "tool" { "tool" } else { "ignore" };
                    return Err(ErrorKind::ExpectsOneArgument(name).into());
                };
                let path = parse_string_arg(arg)?;
                if verb == "tool" {
                    self.f.tool.push(Tool { path, pos });
                } else {
                    self.f.ignore.push(Ignore { path, pos });
                }
            }
            _ => return Err(ErrorKind::UnknownDirective(verb.to_string()).into()),
        }
        Ok(())
    }

    /// Go's `fixRetract`: with a caller's fixer, retracted versions are
    /// fixed once the module path is known, which may be after them.
    fn fix_retracts(&mut self) {
        let Fix::With(_) = self.fix else {
            return;
        };
        let path = self
            .f
            .module
            .as_ref()
            .map(|m| m.path.clone())
            .unwrap_or_default();
        for (retract, tokens) in self.f.retract.iter_mut().zip(&mut self.retract_tokens) {
            if path.is_empty() {
                self.errors
                    .push(Fault::from(ErrorKind::RetractWithoutModule).at(self.file, retract.pos));
                return;
            }
            let args = match tokens.first() {
                Some(first) if first == "retract" => &mut tokens[1..],
                _ => &mut tokens[..],
            };
            match parse_version_interval("retract", &path, args, self.fix) {
                Ok((low, high, _)) => {
                    retract.low = low;
                    retract.high = high;
                }
                Err(fault) => self.errors.push(fault.at(self.file, retract.pos)),
            }
        }
    }
}
