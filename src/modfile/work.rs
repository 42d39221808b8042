//! go.work files (x/mod `modfile/work.go` and `WorkFile.add` in `rule.go`;
//! <https://go.dev/ref/mod#go-work-file>).

use super::error::{ErrorKind, LineError, ParseError};
use super::rule::{
    Fault, Fix, GoStmt, Godebug, Replace, ToolchainStmt, parse_godebug, parse_replace, parse_string,
};
use super::syntax::{FileSyntax, Line, Position, Stmt, parse_syntax};

/// A parsed go.work file: Go's `modfile.WorkFile` without the editing API.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkFile {
    /// The `go` directive.
    pub go: Option<GoStmt>,
    /// The `toolchain` directive.
    pub toolchain: Option<ToolchainStmt>,
    /// `godebug` directives; they override the modules' ones.
    pub godebug: Vec<Godebug>,
    /// `use` directives: the workspace's module directories.
    pub uses: Vec<Use>,
    /// `replace` directives; they override the modules' ones.
    pub replace: Vec<Replace>,
    /// The syntax tree, with every comment.
    pub syntax: FileSyntax,
}

/// A `use dir` directive.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Use {
    /// The module directory, unquoted, as written (relative to the go.work
    /// file unless absolute).
    pub path: String,
    /// Where the directive's line starts.
    pub pos: Position,
}

/// Parses a go.work file (Go's `ParseWork(file, data, nil)`).
///
/// go.work parsing is always strict: `go` must match the strict version
/// syntax, versions are canonicalized, and anything but `go`, `toolchain`,
/// `godebug`, `use` and `replace` is an error. Only `godebug`, `use` and
/// `replace` may be blocks.
pub fn parse_work(file: &str, data: &[u8]) -> Result<WorkFile, ParseError> {
    let syntax = parse_syntax(file, data)?;
    let mut f = WorkFile::default();
    let mut errors = Vec::new();
    let add = |f: &mut WorkFile,
               errors: &mut Vec<LineError>,
               line: &Line,
               verb: &str,
               args: &mut [String]| {
        if let Err(fault) = add_directive(f, line.start, verb, args) {
            errors.push(fault.at(file, line.start));
        }
    };
    for stmt in &syntax.stmts {
        match stmt {
            Stmt::Comments(_) => {}
            Stmt::Line(line) => {
                let mut tokens = line.tokens.clone();
                let verb = tokens[0].clone();
                add(&mut f, &mut errors, line, &verb, &mut tokens[1..]);
            }
            Stmt::Block(block) => {
                let verb = block.tokens.join(" ");
                if !matches!(verb.as_str(), "godebug" | "use" | "replace") {
                    errors
                        .push(Fault::from(ErrorKind::UnknownBlockType(verb)).at(file, block.start));
                    continue;
                }
                for line in &block.lines {
                    let mut args = line.tokens.clone();
                    add(&mut f, &mut errors, line, &verb, &mut args);
                }
            }
        }
    }
    if !errors.is_empty() {
        return Err(ParseError { errors });
    }
    f.syntax = syntax;
    Ok(f)
}

/// Go's `WorkFile.add`.
fn add_directive(
    f: &mut WorkFile,
    pos: Position,
    verb: &str,
    args: &mut [String],
) -> Result<(), Fault> {
    match verb {
        "go" => {
            if f.go.is_some() {
                return Err(ErrorKind::Repeated("go").into());
            }
            let [version] = args else {
                return Err(ErrorKind::ExpectsOneArgument("go").into());
            };
            if !crate::gover::is_go_mod_version(version) {
                return Err(ErrorKind::InvalidGoVersion(version.clone()).into());
            }
            f.go = Some(GoStmt {
                version: version.clone(),
                pos,
            });
        }
        "toolchain" => {
            if f.toolchain.is_some() {
                return Err(ErrorKind::Repeated("toolchain").into());
            }
            let [name] = args else {
                return Err(ErrorKind::ExpectsOneArgument("toolchain").into());
            };
            if !crate::gover::is_toolchain_name(name) {
                return Err(ErrorKind::InvalidToolchain(name.clone()).into());
            }
            f.toolchain = Some(ToolchainStmt {
                name: name.clone(),
                pos,
            });
        }
        "godebug" => {
            let (key, value) = parse_godebug(args)?;
            f.godebug.push(Godebug { key, value, pos });
        }
        "use" => {
            let [arg] = args else {
                return Err(ErrorKind::Usage("use local/dir".into()).into());
            };
            let path =
                parse_string(arg).map_err(|e| Fault::from(ErrorKind::InvalidQuotedString(e)))?;
            f.uses.push(Use { path, pos });
        }
        "replace" => {
            let (old, new) = parse_replace(verb, args, Fix::Canonical)?;
            f.replace.push(Replace { old, new, pos });
        }
        _ => return Err(ErrorKind::UnknownDirective(verb.to_string()).into()),
    }
    Ok(())
}
