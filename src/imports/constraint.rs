//! Build constraints: `//go:build` expressions and legacy `// +build`
//! lines (go/build/constraint), their evaluation against a tag set with
//! cmd/go's `"*"` special case (cmd/go/internal/imports/build.go), and the
//! file-header rules of `ShouldBuild`.

use std::collections::BTreeSet;
use std::fmt;

use super::text::{all_tag_chars, decode_rune, fields, is_tag_char, lossy, trim_space};

/// Go's limit on the number of terms in a `//go:build` expression.
const MAX_SIZE: usize = 1000;
/// Go's limit on the number of `,`/space joins in a `// +build` line.
const MAX_OLD_SIZE: usize = 100;

/// A parsed build constraint expression (go/build/constraint's `Expr`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    /// A single tag, like `linux` or `go1.21`.
    Tag(String),
    /// `!X`.
    Not(Box<Expr>),
    /// `X && Y`.
    And(Box<Expr>, Box<Expr>),
    /// `X || Y`.
    Or(Box<Expr>, Box<Expr>),
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Tag(t) => f.write_str(t),
            Expr::Not(x) => match **x {
                Expr::Tag(_) | Expr::Not(_) => write!(f, "!{x}"),
                _ => write!(f, "!({x})"),
            },
            Expr::And(x, y) => {
                write_operand(f, x, true)?;
                f.write_str(" && ")?;
                write_operand(f, y, true)
            }
            Expr::Or(x, y) => {
                write_operand(f, x, false)?;
                f.write_str(" || ")?;
                write_operand(f, y, false)
            }
        }
    }
}

fn write_operand(f: &mut fmt::Formatter<'_>, x: &Expr, in_and: bool) -> fmt::Result {
    let paren = match x {
        Expr::Or(..) => in_and,
        Expr::And(..) => !in_and,
        _ => false,
    };
    if paren {
        write!(f, "({x})")
    } else {
        write!(f, "{x}")
    }
}

/// Why a line is not a usable build constraint. The messages are Go's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConstraintError {
    /// The line is neither `//go:build` nor `// +build`.
    #[error("not a build constraint")]
    NotConstraint,
    /// A `//go:build` expression with a syntax error at byte `offset` of
    /// the expression text.
    #[error("{message}")]
    Syntax {
        /// Byte offset in the (trimmed) expression.
        offset: usize,
        /// Go's message, like `unexpected token )` or `missing close paren`.
        message: String,
    },
    /// A `// +build` line with more than 100 `,`/space joins.
    #[error("expression too complex for // +build lines")]
    TooComplex,
}

fn syntax(offset: usize, message: impl Into<String>) -> ConstraintError {
    ConstraintError::Syntax {
        offset,
        message: message.into(),
    }
}

impl Expr {
    /// Parses a `//go:build` or `// +build` line (go/build/constraint's
    /// `Parse`). A trailing newline is allowed; other newlines are not.
    pub fn parse(line: &str) -> Result<Expr, ConstraintError> {
        parse_line(line.as_bytes())
    }

    /// Evaluates the expression with `has` deciding each tag (plain
    /// boolean logic, go/build/constraint's `Eval`).
    pub fn eval(&self, has: &mut impl FnMut(&str) -> bool) -> bool {
        match self {
            Expr::Tag(t) => has(t),
            Expr::Not(x) => !x.eval(has),
            Expr::And(x, y) => x.eval(has) && y.eval(has),
            Expr::Or(x, y) => x.eval(has) || y.eval(has),
        }
    }

    /// Evaluates the expression against `tags` as cmd/go does: with
    /// [`Tags::any`], every valid tag except `ignore` evaluates to the
    /// current preference, which starts `true` and flips under each `!`.
    pub fn matches(&self, tags: &Tags) -> bool {
        self.eval_prefer(tags, true)
    }

    fn eval_prefer(&self, tags: &Tags, prefer: bool) -> bool {
        match self {
            Expr::Tag(t) => tags.match_tag(t, prefer),
            Expr::Not(x) => !x.eval_prefer(tags, !prefer),
            Expr::And(x, y) => x.eval_prefer(tags, prefer) && y.eval_prefer(tags, prefer),
            Expr::Or(x, y) => x.eval_prefer(tags, prefer) || y.eval_prefer(tags, prefer),
        }
    }
}

fn not(x: Expr) -> Expr {
    Expr::Not(Box::new(x))
}
fn and(x: Expr, y: Expr) -> Expr {
    Expr::And(Box::new(x), Box::new(y))
}
fn or(x: Expr, y: Expr) -> Expr {
    Expr::Or(Box::new(x), Box::new(y))
}

pub(super) fn parse_line(line: &[u8]) -> Result<Expr, ConstraintError> {
    if let Some(text) = split_go_build(line) {
        return parse_go_build_expr(text);
    }
    if let Some(text) = split_plus_build(line) {
        return parse_plus_build_expr(text);
    }
    Err(ConstraintError::NotConstraint)
}

fn single_line(line: &[u8]) -> Option<&[u8]> {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    (!line.contains(&b'\n')).then_some(line)
}

/// The expression of a `//go:build` line, trimmed; `None` if the line is not
/// one (`//go:buildx` is not).
fn split_go_build(line: &[u8]) -> Option<&[u8]> {
    let line = single_line(line)?;
    if !line.starts_with(b"//go:build") {
        return None;
    }
    let rest = &trim_space(line)[b"//go:build".len()..];
    let trimmed = trim_space(rest);
    if trimmed.len() == rest.len() && !rest.is_empty() {
        return None;
    }
    Some(trimmed)
}

/// The expression of a `// +build` line, trimmed; `None` if the line is not
/// one.
fn split_plus_build(line: &[u8]) -> Option<&[u8]> {
    let line = single_line(line)?;
    let line = trim_space(line.strip_prefix(b"//")?);
    let rest = line.strip_prefix(b"+build")?;
    let trimmed = trim_space(rest);
    if trimmed.len() == rest.len() && !rest.is_empty() {
        return None;
    }
    Some(trimmed)
}

/// Whether `line` is a `//go:build` line (go/build/constraint `IsGoBuild`).
pub fn is_go_build(line: &str) -> bool {
    split_go_build(line.as_bytes()).is_some()
}

/// Whether `line` is a `// +build` line (go/build/constraint
/// `IsPlusBuild`); `//+build x` counts.
pub fn is_plus_build(line: &str) -> bool {
    split_plus_build(line.as_bytes()).is_some()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    End,
    LParen,
    RParen,
    Bang,
    AndAnd,
    OrOr,
    Tag,
}

struct ExprParser<'a> {
    s: &'a [u8],
    i: usize,
    tok: Tok,
    tag: &'a [u8],
    pos: usize,
    size: usize,
}

impl<'a> ExprParser<'a> {
    fn lex(&mut self) -> Result<(), ConstraintError> {
        while self.i < self.s.len() && matches!(self.s[self.i], b' ' | b'\t') {
            self.i += 1;
        }
        self.pos = self.i;
        let Some(&c) = self.s.get(self.i) else {
            self.tok = Tok::End;
            return Ok(());
        };
        let simple = match c {
            b'(' => Some(Tok::LParen),
            b')' => Some(Tok::RParen),
            b'!' => Some(Tok::Bang),
            _ => None,
        };
        if let Some(t) = simple {
            self.i += 1;
            self.tok = t;
            return Ok(());
        }
        if c == b'&' || c == b'|' {
            if self.s.get(self.i + 1) != Some(&c) {
                return Err(syntax(self.i, format!("invalid syntax at {}", c as char)));
            }
            self.i += 2;
            self.tok = if c == b'&' { Tok::AndAnd } else { Tok::OrOr };
            return Ok(());
        }
        let start = self.i;
        let mut end = start;
        loop {
            let (r, n) = decode_rune(&self.s[end..]);
            match r {
                Some(r) if is_tag_char(r) => end += n,
                _ => break,
            }
        }
        if end == start {
            let (r, _) = decode_rune(&self.s[start..]);
            let r = r.unwrap_or('\u{FFFD}');
            return Err(syntax(start, format!("invalid syntax at {r}")));
        }
        self.i = end;
        self.tok = Tok::Tag;
        self.tag = &self.s[start..end];
        Ok(())
    }

    fn tok_text(&self) -> String {
        match self.tok {
            Tok::End => String::new(),
            Tok::LParen => "(".into(),
            Tok::RParen => ")".into(),
            Tok::Bang => "!".into(),
            Tok::AndAnd => "&&".into(),
            Tok::OrOr => "||".into(),
            Tok::Tag => lossy(self.tag),
        }
    }

    fn or(&mut self) -> Result<Expr, ConstraintError> {
        let mut x = self.and()?;
        while self.tok == Tok::OrOr {
            x = or(x, self.and()?);
        }
        Ok(x)
    }

    fn and(&mut self) -> Result<Expr, ConstraintError> {
        let mut x = self.not()?;
        while self.tok == Tok::AndAnd {
            x = and(x, self.not()?);
        }
        Ok(x)
    }

    fn not(&mut self) -> Result<Expr, ConstraintError> {
        self.size += 1;
        if self.size > MAX_SIZE {
            return Err(syntax(self.pos, "build expression too large"));
        }
        self.lex()?;
        if self.tok == Tok::Bang {
            self.lex()?;
            if self.tok == Tok::Bang {
                return Err(syntax(self.pos, "double negation not allowed"));
            }
            return Ok(not(self.atom()?));
        }
        self.atom()
    }

    fn atom(&mut self) -> Result<Expr, ConstraintError> {
        match self.tok {
            Tok::LParen => {
                let open = self.pos;
                let x = self.or().map_err(|e| match e {
                    ConstraintError::Syntax { offset, message }
                        if message == "unexpected end of expression" =>
                    {
                        syntax(offset, "missing close paren")
                    }
                    e => e,
                })?;
                if self.tok != Tok::RParen {
                    return Err(syntax(open, "missing close paren"));
                }
                self.lex()?;
                Ok(x)
            }
            Tok::Tag => {
                let t = Expr::Tag(lossy(self.tag));
                self.lex()?;
                Ok(t)
            }
            Tok::End => Err(syntax(self.pos, "unexpected end of expression")),
            _ => Err(syntax(
                self.pos,
                format!("unexpected token {}", self.tok_text()),
            )),
        }
    }
}

fn parse_go_build_expr(text: &[u8]) -> Result<Expr, ConstraintError> {
    let mut p = ExprParser {
        s: text,
        i: 0,
        tok: Tok::End,
        tag: b"",
        pos: 0,
        size: 0,
    };
    let x = p.or()?;
    if p.tok != Tok::End {
        return Err(syntax(p.pos, format!("unexpected token {}", p.tok_text())));
    }
    Ok(x)
}

/// Legacy syntax: space-separated clauses are ORed, comma-separated
/// literals ANDed, `!` negates; a malformed literal becomes the tag
/// `ignore`, and so does an empty line.
fn parse_plus_build_expr(text: &[u8]) -> Result<Expr, ConstraintError> {
    let mut size = 0;
    let mut x: Option<Expr> = None;
    for clause in fields(text) {
        let mut y: Option<Expr> = None;
        for lit in clause.split(|&b| b == b',') {
            let z = if lit.starts_with(b"!!") || lit == b"!" {
                Expr::Tag("ignore".into())
            } else {
                let (neg, word) = match lit.strip_prefix(b"!") {
                    Some(w) => (true, w),
                    None => (false, lit),
                };
                let t = if !word.is_empty() && all_tag_chars(word) {
                    Expr::Tag(lossy(word))
                } else {
                    Expr::Tag("ignore".into())
                };
                if neg { not(t) } else { t }
            };
            y = Some(match y {
                None => z,
                Some(y) => {
                    size += 1;
                    if size > MAX_OLD_SIZE {
                        return Err(ConstraintError::TooComplex);
                    }
                    and(y, z)
                }
            });
        }
        let y = y.unwrap_or_else(|| Expr::Tag("ignore".into()));
        x = Some(match x {
            None => y,
            Some(x) => {
                size += 1;
                if size > MAX_OLD_SIZE {
                    return Err(ConstraintError::TooComplex);
                }
                or(x, y)
            }
        });
    }
    Ok(x.unwrap_or_else(|| Expr::Tag("ignore".into())))
}

/// GOOS values cmd/go knows (internal/syslist `KnownOS`, Go 1.26).
pub const KNOWN_OS: &[&str] = &[
    "aix",
    "android",
    "darwin",
    "dragonfly",
    "freebsd",
    "hurd",
    "illumos",
    "ios",
    "js",
    "linux",
    "nacl",
    "netbsd",
    "openbsd",
    "plan9",
    "solaris",
    "wasip1",
    "windows",
    "zos",
];

/// GOOS values that satisfy the `unix` tag (internal/syslist `UnixOS`).
pub const UNIX_OS: &[&str] = &[
    "aix",
    "android",
    "darwin",
    "dragonfly",
    "freebsd",
    "hurd",
    "illumos",
    "ios",
    "linux",
    "netbsd",
    "openbsd",
    "solaris",
];

/// GOARCH values cmd/go knows (internal/syslist `KnownArch`, Go 1.26).
pub const KNOWN_ARCH: &[&str] = &[
    "386",
    "amd64",
    "amd64p32",
    "arm",
    "armbe",
    "arm64",
    "arm64be",
    "loong64",
    "mips",
    "mipsle",
    "mips64",
    "mips64le",
    "mips64p32",
    "mips64p32le",
    "ppc",
    "ppc64",
    "ppc64le",
    "riscv",
    "riscv64",
    "s390",
    "s390x",
    "sparc",
    "sparc64",
    "wasm",
];

/// The set of build tags a file is judged against: either cmd/go's
/// `AnyTags()` (`{"*"}`, used by `go mod vendor` and the `all` walk) or a
/// concrete set like `imports.Tags()` (GOOS, GOARCH, compiler, `cgo`,
/// release tags, `-tags`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tags {
    any: bool,
    goos: String,
    set: BTreeSet<String>,
}

impl Tags {
    /// cmd/go's `AnyTags()`: every valid tag except `ignore` is both true
    /// and false; file-name GOOS/GOARCH suffixes never exclude a file; a
    /// file importing `"C"` is kept.
    pub fn any() -> Tags {
        Tags {
            any: true,
            goos: String::new(),
            set: BTreeSet::new(),
        }
    }

    /// A concrete set for `goos`/`goarch` with the `gc` compiler tag, as
    /// `imports.Tags()` starts. Add `cgo`, release tags and `-tags` with
    /// [`Tags::with_cgo`], [`Tags::with_release_tags`] and [`Tags::with`].
    pub fn new(goos: &str, goarch: &str) -> Tags {
        let mut set = BTreeSet::new();
        set.insert(goos.to_string());
        set.insert(goarch.to_string());
        set.insert("gc".to_string());
        Tags {
            any: false,
            goos: goos.to_string(),
            set,
        }
    }

    /// Adds one tag (a `-tags` entry, a tool tag like `amd64.v1`, ...).
    pub fn with(mut self, tag: &str) -> Tags {
        self.set.insert(tag.to_string());
        self
    }

    /// Adds the `cgo` tag when `enabled`.
    pub fn with_cgo(self, enabled: bool) -> Tags {
        if enabled { self.with("cgo") } else { self }
    }

    /// Adds the release tags `go1.1` … `go1.<minor>`.
    pub fn with_release_tags(mut self, minor: u32) -> Tags {
        for i in 1..=minor {
            self.set.insert(format!("go1.{i}"));
        }
        self
    }

    /// Whether this is the [`Tags::any`] set.
    pub fn is_any(&self) -> bool {
        self.any
    }

    /// Whether `tag` is literally in the set (no aliases, no `"*"` rule).
    pub fn contains(&self, tag: &str) -> bool {
        self.set.contains(tag)
    }

    /// cmd/go's `matchTag`: invalid tag names are false; under
    /// [`Tags::any`] every other tag except `ignore` is `prefer`; otherwise
    /// set membership plus the `android`→`linux`, `illumos`→`solaris`,
    /// `ios`→`darwin` and GOOS→`unix` implications.
    pub fn match_tag(&self, name: &str, prefer: bool) -> bool {
        if !name.chars().all(is_tag_char) {
            return false;
        }
        if self.any && !name.is_empty() && name != "ignore" {
            return prefer;
        }
        if self.set.contains(name) {
            return true;
        }
        match name {
            "linux" => self.set.contains("android"),
            "solaris" => self.set.contains("illumos"),
            "darwin" => self.set.contains("ios"),
            "unix" => UNIX_OS.contains(&self.goos.as_str()),
            _ => false,
        }
    }
}

/// cmd/go's `MatchFile`: whether a file name's `_GOOS`, `_GOARCH` or
/// `_GOOS_GOARCH` suffix (before the first `.`, ignoring a final `_test`
/// and everything before the first `_`) matches `tags`. Always true for
/// [`Tags::any`].
pub fn match_file(name: &str, tags: &Tags) -> bool {
    if tags.any {
        return true;
    }
    let name = name.split('.').next().unwrap_or("");
    let Some(i) = name.find('_') else {
        return true;
    };
    let mut parts: Vec<&str> = name[i..].split('_').collect();
    if parts.last() == Some(&"test") {
        parts.pop();
    }
    let n = parts.len();
    let os = |s: &str| KNOWN_OS.contains(&s);
    let arch = |s: &str| KNOWN_ARCH.contains(&s);
    if n >= 2 && os(parts[n - 2]) && arch(parts[n - 1]) {
        return tags.match_tag(parts[n - 2], true) && tags.match_tag(parts[n - 1], true);
    }
    if n >= 1 && (os(parts[n - 1]) || arch(parts[n - 1])) {
        return tags.match_tag(parts[n - 1], true);
    }
    true
}

/// Error from scanning a file header: two `//go:build` lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct MultipleGoBuild;

/// The leading comment region of a file (`parseFileHeader`): the byte
/// length of the part where `// +build` lines count (up to the last blank
/// line before the first non-comment line), and the `//go:build` line.
pub(super) fn parse_file_header(content: &[u8]) -> Result<(usize, Option<&[u8]>), MultipleGoBuild> {
    let mut end = 0;
    let mut rest = content;
    let mut ended = false;
    let mut in_slash_star = false;
    let mut go_build: Option<&[u8]> = None;
    'lines: while !rest.is_empty() {
        let raw = match rest.iter().position(|&b| b == b'\n') {
            Some(i) => {
                let l = &rest[..i];
                rest = &rest[i + 1..];
                l
            }
            None => std::mem::take(&mut rest),
        };
        let mut line = trim_space(raw);
        if line.is_empty() && !ended {
            end = content.len() - rest.len();
            continue;
        }
        if !line.starts_with(b"//") {
            ended = true;
        }
        if !in_slash_star && is_go_build_comment(line) {
            if go_build.is_some() {
                return Err(MultipleGoBuild);
            }
            go_build = Some(line);
        }
        while !line.is_empty() {
            if in_slash_star {
                match find(line, b"*/") {
                    Some(i) => {
                        in_slash_star = false;
                        line = trim_space(&line[i + 2..]);
                        continue;
                    }
                    None => continue 'lines,
                }
            }
            if line.starts_with(b"//") {
                continue 'lines;
            }
            if let Some(after) = line.strip_prefix(b"/*") {
                in_slash_star = true;
                line = trim_space(after);
                continue;
            }
            break 'lines;
        }
    }
    Ok((end, go_build))
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn is_go_build_comment(line: &[u8]) -> bool {
    let Some(rest) = line.strip_prefix(b"//go:build") else {
        return false;
    };
    // `line` is already trimmed.
    rest.is_empty() || trim_space(rest).len() < rest.len()
}

/// cmd/go's `ShouldBuild`: whether a file with this header (the content
/// [`read_imports`](super::read_imports) returns, or the whole file) may be
/// part of a build under `tags`.
///
/// A `//go:build` line anywhere in the leading comments decides alone; a
/// malformed one, or two of them, make the file unbuildable. Without one,
/// every `// +build` line before the last blank line that precedes the
/// first non-comment line must hold (malformed literals mean `ignore`; a
/// line Go cannot parse at all is skipped).
pub fn should_build(content: &[u8], tags: &Tags) -> bool {
    let Ok((end, go_build)) = parse_file_header(content) else {
        return false;
    };
    if let Some(line) = go_build {
        return match parse_line(line) {
            Ok(x) => x.matches(tags),
            Err(_) => false,
        };
    }
    let mut ok = true;
    for raw in content[..end].split(|&b| b == b'\n') {
        let line = trim_space(raw);
        if !line.starts_with(b"//") || find(line, b"+build").is_none() {
            continue;
        }
        if split_plus_build(line).is_none() {
            continue;
        }
        if let Ok(x) = parse_line(line)
            && !x.matches(tags)
        {
            ok = false;
        }
    }
    ok
}

/// Like [`should_build`], but for go/build's `UseAllFiles` scan: `Err` with
/// go/build's message when the header has two `//go:build` lines or an
/// unparsable one (go/build rejects such a `.go` file even when it uses
/// all files).
pub(super) fn header_error(content: &[u8]) -> Option<String> {
    match parse_file_header(content) {
        Err(MultipleGoBuild) => Some("multiple //go:build comments".into()),
        Ok((_, Some(line))) => match parse_line(line) {
            Ok(_) => None,
            Err(e) => Some(format!("parsing //go:build line: {e}")),
        },
        Ok((_, None)) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn any(src: &str) -> bool {
        should_build(src.as_bytes(), &Tags::any())
    }

    fn gb(expr: &str) -> String {
        format!("//go:build {expr}\n\npackage p\n")
    }

    fn pb(expr: &str) -> String {
        format!("// +build {expr}\n\npackage p\n")
    }

    /// The AnyTags truth table of the notes (§1.3), row by row.
    #[test]
    fn any_tags_truth_table() {
        for e in [
            "linux",
            "!linux",
            "linux && !linux",
            "foo",
            "unix",
            "go1.99",
        ] {
            assert!(any(&gb(e)), "{e}");
        }
        assert!(!any(&gb("ignore")));
        assert!(any(&gb("!ignore")));
        assert!(!any(&gb("linux && ignore")));
        assert!(any(&gb("ignore || linux")));
        for e in ["!!x", "!", "a$b"] {
            assert!(!any(&pb(e)), "+build {e}");
        }
        assert!(any(&pb("!a$b")));
        assert!(!any("// +build\n\npackage p\n"));
        for e in ["linux &&", "", "!!x", "(a", "a b", "a & b"] {
            assert!(!any(&gb(e)), "go:build {e:?}");
        }
        let big = vec!["a"; 1001].join(" || ");
        assert!(!any(&gb(&big)));
        let ok = vec!["a"; 1000].join(" || ");
        assert!(any(&gb(&ok)));
        assert!(!any("//go:build linux\n//go:build darwin\n\npackage p\n"));
    }

    #[test]
    fn go_build_wins_over_plus_build() {
        assert!(any("// +build ignore\n//go:build linux\n\npackage p\n"));
        assert!(!any("//go:build ignore\n// +build linux\n\npackage p\n"));
        // //go:build counts even without a blank line before package.
        assert!(!any("//go:build ignore\npackage p\n"));
        // ...but not inside /* */ or after the package clause.
        assert!(any("/*\n//go:build ignore\n*/\npackage p\n"));
        assert!(any("package p\n//go:build ignore\n"));
        // //go:buildx is not a //go:build line.
        assert!(any("//go:buildignore\n\npackage p\n"));
    }

    #[test]
    fn plus_build_position_rules() {
        // No blank line before package: the +build line is a doc comment.
        assert!(any("// +build ignore\npackage p\n"));
        // Before the last blank line preceding package: counts.
        assert!(!any("// +build ignore\n\n// doc\npackage p\n"));
        assert!(!any("// +build ignore\n// more\n\npackage p\n"));
        // After the last blank line: does not count.
        assert!(any("// hi\n\n// +build ignore\npackage p\n"));
        // //+build without a space counts; //  +build too.
        assert!(!any("//+build ignore\n\npackage p\n"));
        assert!(!any("//   +build ignore\n\npackage p\n"));
        // +buildx is not a +build line.
        assert!(any("// +buildignore\n\npackage p\n"));
        // Several lines are ANDed.
        assert!(!any("// +build linux\n// +build ignore\n\npackage p\n"));
        // Space = OR, comma = AND.
        assert!(any(&pb("ignore linux")));
        assert!(!any(&pb("ignore,linux")));
        assert!(!any(&pb("a,,b")));
        // A /* comment ends the region.
        assert!(any("/* x */\n// +build ignore\n\npackage p\n"));
        // More than 100 joins: Go cannot parse the line, so it is skipped.
        let many = vec!["ignore"; 102].join(" ");
        assert!(any(&pb(&many)));
        let limit = vec!["ignore"; 101].join(" ");
        assert!(!any(&pb(&limit)));
    }

    #[test]
    fn concrete_tags() {
        let t = Tags::new("android", "arm64")
            .with_cgo(true)
            .with_release_tags(26);
        let yes = |e: &str| should_build(gb(e).as_bytes(), &t);
        assert!(yes(
            "linux && unix && android && arm64 && cgo && go1.26 && gc"
        ));
        assert!(!yes("go1.27") && !yes("darwin") && !yes("!linux") && !yes("ignore"));
        let ios = Tags::new("ios", "arm64");
        assert!(should_build(gb("darwin && unix").as_bytes(), &ios));
        let sol = Tags::new("illumos", "amd64");
        assert!(should_build(gb("solaris").as_bytes(), &sol));
        let win = Tags::new("windows", "amd64");
        assert!(!should_build(gb("unix").as_bytes(), &win));
        assert!(should_build(pb("linux windows").as_bytes(), &win));
        assert!(!should_build(pb("linux,windows").as_bytes(), &win));
    }

    #[test]
    fn match_file_suffixes() {
        let t = Tags::new("linux", "amd64");
        assert!(match_file("x_linux.go", &t));
        assert!(match_file("x_linux_amd64_test.go", &t));
        assert!(!match_file("x_windows.go", &t));
        assert!(!match_file("x_arm64.go", &t));
        assert!(!match_file("x_linux_arm64.go", &t));
        assert!(match_file("linux.go", &t)); // no prefix before _
        assert!(!match_file("_windows.go", &t));
        assert!(match_file("x_foo.go", &t));
        assert!(!match_file("x_windows.foo.go", &t)); // cut at the first dot
        assert!(match_file("x_windows_foo.go", &t));
        let android = Tags::new("android", "arm");
        assert!(match_file("x_linux.go", &android));
        assert!(match_file("x_windows.go", &Tags::any()));
    }

    #[test]
    fn parse_errors_have_go_messages() {
        let msg = |s: &str| Expr::parse(s).unwrap_err().to_string();
        assert_eq!(msg("//go:build"), "unexpected end of expression");
        assert_eq!(msg("//go:build (a"), "missing close paren");
        assert_eq!(msg("//go:build (a ||"), "missing close paren");
        assert_eq!(msg("//go:build a)"), "unexpected token )");
        assert_eq!(msg("//go:build !!a"), "double negation not allowed");
        assert_eq!(msg("//go:build a & b"), "invalid syntax at &");
        assert_eq!(msg("//go:build a-b"), "invalid syntax at -");
        assert_eq!(msg("//go:build a b"), "unexpected token b");
        assert_eq!(msg("// hello"), "not a build constraint");
        let big = format!("//go:build {}", vec!["a"; 1001].join("&&"));
        assert_eq!(msg(&big), "build expression too large");
        let ok = Expr::parse("//go:build (linux || darwin) && !cgo").unwrap();
        assert_eq!(ok.to_string(), "(linux || darwin) && !cgo");
        assert_eq!(
            Expr::parse("// +build a,!b c").unwrap().to_string(),
            "(a && !b) || c"
        );
        assert!(is_plus_build("//+build a") && !is_plus_build("// +buildx"));
        assert!(is_go_build("//go:build a") && !is_go_build("//go:buildx"));
    }

    #[test]
    fn invalid_tag_names_are_false_even_under_any() {
        let t = Tags::any();
        assert!(!t.match_tag("a-b", true));
        assert!(!t.match_tag("ignore", true));
        assert!(!t.match_tag("", true));
        assert!(t.match_tag("x", true) && !t.match_tag("x", false));
    }
}
