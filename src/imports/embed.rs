//! `//go:embed`: collecting patterns as go/build does (`readGoInfo`,
//! `parseGoEmbed`, the `UseAllFiles` package scan in `Import`) and
//! resolving them to files as cmd/go's `load.resolveEmbed` does.

use std::collections::{BTreeMap, BTreeSet};

use crate::module::{check_file_path, path_match};

use super::constraint::header_error;
use super::read::read_go_build;
use super::scan::{EntryKind, SourceDir};
use super::text::{decode_rune, is_space, lossy, unquote};

/// Why go/build could not use a `.go` file (its `readGoInfo`/`matchFile`
/// failed or the header does not parse); `go mod vendor` treats this as a
/// fatal "failed to find embedded files".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GoFileError {
    /// A NUL byte in the part go/build reads first.
    #[error("unexpected NUL in input")]
    Nul,
    /// Two `//go:build` lines, or one that does not parse.
    #[error("{0}")]
    Constraint(String),
    /// The package clause or imports are malformed (go/parser would fail).
    #[error("syntax error in package clause or imports")]
    Syntax,
    /// An import path go/build rejects.
    #[error("invalid import path: {0}")]
    InvalidImport(String),
}

/// What go/build learns from one `.go` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoFileInfo {
    /// The package clause name.
    pub package: String,
    /// The import paths, in file order.
    pub imports: Vec<String>,
    /// The `//go:embed` arguments, in file order (empty unless the file
    /// imports `"embed"`).
    pub embeds: Vec<String>,
}

/// go/build's view of a `.go` file under `UseAllFiles`: package name,
/// imports and, when the file imports `"embed"`, the arguments of every
/// well-formed `//go:embed` comment.
///
/// Comments are found with a Go tokenizer over the whole file, so
/// `//go:embed` inside string, rune or raw-string literals or `/* */`
/// comments does not count, while one in the file header or after code on
/// the same line does (Go 1.26 scans tokens, it no longer requires the
/// directive at the start of a line). Arguments are bare words, `"…"` or
/// `` `…` `` separated by Unicode spaces; a line that does not split that
/// way is dropped.
///
/// Approximation: go/parser is not reimplemented. A header is rejected when
/// the import reader hit a syntax error, when it is not valid UTF-8, or
/// when an import path does not unquote or is not a valid Go import
/// string; go/parser also rejects some rarer forms this accepts (e.g. two
/// import declarations on one line without `;`).
pub fn read_go_info(src: &[u8]) -> Result<GoFileInfo, GoFileError> {
    let r = read_go_build(src).map_err(|_| GoFileError::Nul)?;
    if let Some(msg) = header_error(r.header) {
        return Err(GoFileError::Constraint(msg));
    }
    if r.syntax_error || std::str::from_utf8(r.header).is_err() {
        return Err(GoFileError::Syntax);
    }
    let package = r.package.clone().ok_or(GoFileError::Syntax)?;
    let mut imports = Vec::new();
    for q in &r.quoted {
        let path = unquote(q.as_bytes()).ok_or(GoFileError::Syntax)?;
        let path = lossy(&path);
        if !is_valid_import(&path) {
            return Err(GoFileError::InvalidImport(path));
        }
        imports.push(path);
    }
    let embeds = if imports.iter().any(|p| p == "embed") {
        embed_directives(r.body)
    } else {
        Vec::new()
    };
    Ok(GoFileInfo {
        package,
        imports,
        embeds,
    })
}

/// The `//go:embed` patterns of one file, as go/build collects them (see
/// [`read_go_info`]); empty when the file does not import `"embed"`.
pub fn embed_patterns(src: &[u8]) -> Result<Vec<String>, GoFileError> {
    read_go_info(src).map(|i| i.embeds)
}

/// go/build's `isValidImport`.
fn is_valid_import(s: &str) -> bool {
    const ILLEGAL: &str = "!\"#$%&'()*,:;<=>?[\\]^{|}`\u{FFFD}";
    !s.is_empty()
        && s.chars()
            .all(|c| !c.is_whitespace() && !c.is_control() && !ILLEGAL.contains(c) && is_graphic(c))
}

/// An approximation of Go's `unicode.IsGraphic` (L, M, N, P, S, Zs) that
/// errs towards accepting: control, format, private-use, unassigned and
/// non-space separator runes are rejected.
fn is_graphic(c: char) -> bool {
    !matches!(c, '\u{AD}' | '\u{600}'..='\u{605}' | '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{FEFF}' | '\u{E000}'..='\u{F8FF}' | '\u{FFF9}'..='\u{FFFB}')
}

/// Every `//` comment of a Go source text, as go/scanner returns them
/// (carriage returns removed), skipping literals and `/* */` comments.
fn line_comments(src: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut i = 0;
    let n = src.len();
    while i < n {
        match src[i] {
            b'/' if src.get(i + 1) == Some(&b'/') => {
                let end = src[i..]
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(n, |p| i + p);
                out.push(
                    src[i..end]
                        .iter()
                        .copied()
                        .filter(|&b| b != b'\r')
                        .collect(),
                );
                i = end;
            }
            b'/' if src.get(i + 1) == Some(&b'*') => {
                let body = &src[i + 2..];
                i = match body.windows(2).position(|w| w == b"*/") {
                    Some(p) => i + 2 + p + 2,
                    None => n,
                };
            }
            b'`' => {
                i = match src[i + 1..].iter().position(|&b| b == b'`') {
                    Some(p) => i + 1 + p + 1,
                    None => n,
                };
            }
            q @ (b'"' | b'\'') => {
                i += 1;
                while i < n {
                    let c = src[i];
                    if c == b'\n' {
                        break;
                    }
                    i += 1;
                    if c == q {
                        break;
                    }
                    if c == b'\\' && i < n && src[i] != b'\n' {
                        i += 1;
                    }
                }
            }
            _ => i += 1,
        }
    }
    out
}

/// The arguments of every well-formed `//go:embed` comment in `src`.
fn embed_directives(src: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    for c in line_comments(src) {
        if !c.starts_with(b"//go:embed") {
            continue;
        }
        if let Some(list) = directive_args(&c, b"go", b"embed").and_then(parse_args) {
            out.extend(list);
        }
    }
    out
}

/// go/ast `ParseDirective`: the argument text of `//tool:name args` when the
/// comment is that directive.
fn directive_args<'a>(c: &'a [u8], tool: &[u8], name: &[u8]) -> Option<&'a [u8]> {
    let rest = c.strip_prefix(b"//")?;
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    if !rest.first().is_some_and(|&b| alnum(b)) {
        return None;
    }
    let colon = rest.iter().position(|&b| b == b':')?;
    if colon == 0 || colon + 1 >= rest.len() {
        return None;
    }
    if !(0..=colon + 1).all(|i| i == colon || alnum(rest[i])) {
        return None;
    }
    if &rest[..colon] != tool {
        return None;
    }
    let after = &rest[colon + 1..];
    let name_end = find_space(after).unwrap_or(after.len());
    if &after[..name_end] != name {
        return None;
    }
    let args = skip_space(&after[name_end..]);
    Some(trim_right_space(args))
}

fn find_space(b: &[u8]) -> Option<usize> {
    let mut i = 0;
    while i < b.len() {
        let (c, n) = decode_rune(&b[i..]);
        if c.is_some_and(is_space) {
            return Some(i);
        }
        i += n;
    }
    None
}

fn skip_space(mut b: &[u8]) -> &[u8] {
    while let (Some(c), n) = decode_rune(b) {
        if !is_space(c) {
            break;
        }
        b = &b[n..];
    }
    b
}

fn trim_right_space(b: &[u8]) -> &[u8] {
    let mut end = b.len();
    // Scan forward so that multi-byte spaces are recognised.
    let mut i = 0;
    let mut last_non_space = 0;
    while i < b.len() {
        let (c, n) = decode_rune(&b[i..]);
        i += n;
        if !c.is_some_and(is_space) {
            last_non_space = i;
        }
    }
    if last_non_space < end {
        end = last_non_space;
    }
    &b[..end]
}

/// go/ast `Directive.ParseArgs`.
fn parse_args(mut s: &[u8]) -> Option<Vec<String>> {
    let mut out = Vec::new();
    s = skip_space(s);
    while !s.is_empty() {
        match s[0] {
            q @ (b'"' | b'`') => {
                let len = quoted_prefix(s, q)?;
                let arg = unquote(&s[..len])?;
                s = &s[len..];
                if !s.is_empty() && !decode_rune(s).0.is_some_and(is_space) {
                    return None;
                }
                out.push(lossy(&arg));
            }
            _ => {
                let end = find_space(s).unwrap_or(s.len());
                out.push(lossy(&s[..end]));
                s = &s[end..];
            }
        }
        s = skip_space(s);
    }
    Some(out)
}

/// The length of the quoted literal at the start of `s` (Go's
/// `strconv.QuotedPrefix`), or `None` when it is malformed.
fn quoted_prefix(s: &[u8], q: u8) -> Option<usize> {
    if q == b'`' {
        let end = s[1..].iter().position(|&b| b == b'`')? + 2;
        return Some(end);
    }
    let mut i = 1;
    loop {
        let &c = s.get(i)?;
        if c == b'"' {
            let len = i + 1;
            return unquote(&s[..len]).map(|_| len);
        }
        if c == b'\n' {
            return None;
        }
        i += if c == b'\\' { 2 } else { 1 };
    }
}

/// Embed patterns of a package directory, as go/build's `ImportDir` with
/// `UseAllFiles` reports them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PackageEmbeds {
    /// Patterns from non-test files (`EmbedPatterns`), sorted, deduplicated.
    pub embeds: Vec<String>,
    /// Patterns from `_test.go` files of the package (`TestEmbedPatterns`).
    pub test_embeds: Vec<String>,
    /// Patterns from `package x_test` files (`XTestEmbedPatterns`).
    pub xtest_embeds: Vec<String>,
    /// Set when go/build saw two package names and that was its first
    /// complaint (a `MultiplePackageError`, which `go mod vendor`
    /// tolerates): the two names.
    pub multiple_packages: Option<(String, String)>,
}

impl PackageEmbeds {
    /// The patterns `go mod vendor` resolves: only [`embeds`] when the main
    /// module's go version is 1.22 or later, else all three lists.
    ///
    /// [`embeds`]: PackageEmbeds::embeds
    pub fn for_vendor(&self, main_go_version: &str) -> Vec<String> {
        if crate::gover::go_version_at_least(main_go_version, 22) {
            return self.embeds.clone();
        }
        let mut all = self.embeds.clone();
        all.extend(self.test_embeds.iter().cloned());
        all.extend(self.xtest_embeds.iter().cloned());
        all
    }
}

/// Why [`package_embeds`] found nothing to use.
#[derive(Debug, thiserror::Error)]
pub enum PackageEmbedError {
    /// No usable `.go` file (go/build's `NoGoError`): `go mod vendor` then
    /// copies no embeds.
    #[error("no buildable Go source files")]
    NoGo,
    /// The first file go/build rejected (`go mod vendor` fails with
    /// "internal error: failed to find embedded files").
    #[error("{file}: {reason}")]
    BadFile {
        /// The file name.
        file: String,
        /// What was wrong.
        reason: String,
    },
    /// The directory or a file could not be read.
    #[error("reading {name}: {source}")]
    Io {
        /// The entry name ("" for the directory listing).
        name: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

/// go/build `ImportDir` with `UseAllFiles` (what `go mod vendor` runs on
/// each vendored package): the embed patterns of every `.go` file whose
/// name does not start with `_` or `.`, ignoring build constraints and
/// GOOS/GOARCH suffixes.
///
/// Files importing `"C"` contribute only when `cgo_enabled` (go/build's
/// `CgoEnabled`, from `CGO_ENABLED` or the platform default). A file whose
/// package clause is `package documentation` is ignored. `#cgo` directive
/// errors are not detected.
pub fn package_embeds(
    dir: &dyn SourceDir,
    cgo_enabled: bool,
) -> Result<PackageEmbeds, PackageEmbedError> {
    let mut entries = dir.entries().map_err(|source| PackageEmbedError::Io {
        name: String::new(),
        source,
    })?;
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    let mut first_bad: Option<PackageEmbedError> = None;
    let mut multiple: Option<(String, String)> = None;
    fn bad(e: PackageEmbedError, first: &mut Option<PackageEmbedError>) {
        if first.is_none() {
            *first = Some(e);
        }
    }
    let mut name_of_pkg = String::new();
    let mut go_files = 0usize;
    let (mut emb, mut test, mut xtest) = (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
    for e in &entries {
        if matches!(e.kind, EntryKind::Dir | EntryKind::SymlinkToDir) {
            continue;
        }
        let name = &e.name;
        if name.starts_with('_') || name.starts_with('.') || !name.ends_with(".go") {
            continue;
        }
        let info = super::read_go_head(dir, name, &|r| r.paths().iter().any(|p| p == "embed"))
            .map_err(|err| err.to_string())
            .and_then(|src| read_go_info(&src).map_err(|e| e.to_string()));
        let info = match info {
            Ok(i) => i,
            Err(reason) => {
                bad(
                    PackageEmbedError::BadFile {
                        file: name.clone(),
                        reason,
                    },
                    &mut first_bad,
                );
                continue;
            }
        };
        let mut pkg = info.package.clone();
        if pkg == "documentation" {
            continue;
        }
        let is_test = name.ends_with("_test.go");
        let mut is_xtest = false;
        if is_test && pkg.ends_with("_test") && name_of_pkg != pkg {
            is_xtest = true;
            pkg.truncate(pkg.len() - "_test".len());
        }
        if name_of_pkg.is_empty() {
            name_of_pkg = pkg.clone();
        } else if pkg != name_of_pkg {
            if first_bad.is_none() && multiple.is_none() {
                multiple = Some((name_of_pkg.clone(), pkg.clone()));
            }
            bad(
                PackageEmbedError::BadFile {
                    file: name.clone(),
                    reason: format!("found packages {name_of_pkg} and {pkg}"),
                },
                &mut first_bad,
            );
        }
        let imports_c = info.imports.iter().any(|p| p == "C");
        if imports_c && is_test {
            bad(
                PackageEmbedError::BadFile {
                    file: name.clone(),
                    reason: format!("use of cgo in test {name} not supported"),
                },
                &mut first_bad,
            );
        }
        let is_cgo = imports_c && !is_test;
        let target = if is_cgo {
            if !cgo_enabled {
                continue;
            }
            &mut emb
        } else if is_xtest {
            &mut xtest
        } else if is_test {
            &mut test
        } else {
            &mut emb
        };
        go_files += 1;
        target.extend(info.embeds);
    }
    if let Some(e) = first_bad {
        // A MultiplePackageError as go/build's first complaint is tolerated.
        let tolerated = multiple.is_some();
        if !tolerated {
            return Err(e);
        }
    }
    if go_files == 0 {
        return Err(PackageEmbedError::NoGo);
    }
    Ok(PackageEmbeds {
        embeds: emb.into_iter().collect(),
        test_embeds: test.into_iter().collect(),
        xtest_embeds: xtest.into_iter().collect(),
        multiple_packages: multiple,
    })
}

/// The kind of an entry in a [`FileTree`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    /// A regular file.
    File,
    /// A directory.
    Dir,
    /// A symbolic link (never followed: embedding one is an error).
    Symlink,
    /// Anything else (device, socket, ...).
    Other,
}

/// A file tree for embed resolution, given as relative slash-separated
/// paths: a module zip's entries, or a walk of a local directory. Parent
/// directories are implied.
#[derive(Debug, Clone, Default)]
pub struct FileTree {
    nodes: BTreeMap<String, NodeKind>,
}

impl FileTree {
    /// A tree from `(path, kind)` pairs (`a/b.txt`, no leading `/`).
    pub fn new<I, S>(entries: I) -> FileTree
    where
        I: IntoIterator<Item = (S, NodeKind)>,
        S: Into<String>,
    {
        let mut t = FileTree::default();
        for (p, k) in entries {
            t.insert(p.into(), k);
        }
        t
    }

    /// Adds one entry and its parent directories.
    pub fn insert(&mut self, path: String, kind: NodeKind) {
        let mut dir = path.as_str();
        while let Some(i) = dir.rfind('/') {
            dir = &dir[..i];
            self.nodes.entry(dir.to_string()).or_insert(NodeKind::Dir);
        }
        self.nodes.insert(path, kind);
    }

    fn kind(&self, path: &str) -> Option<NodeKind> {
        if path.is_empty() {
            return Some(NodeKind::Dir);
        }
        self.nodes.get(path).copied()
    }

    /// Names directly inside `dir` ("" is the root), sorted.
    fn children(&self, dir: &str) -> Vec<(String, NodeKind)> {
        let prefix = if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}/")
        };
        self.nodes
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .filter(|(k, _)| !k[prefix.len()..].contains('/') && k.len() > prefix.len())
            .map(|(k, v)| (k[prefix.len()..].to_string(), *v))
            .collect()
    }
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

/// Why an embed pattern could not be resolved; displays as cmd/go's
/// `pattern <p>: <reason>`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("pattern {pattern}: {reason}")]
pub struct EmbedPatternError {
    /// The pattern as written (with any `all:` prefix).
    pub pattern: String,
    /// Go's message, like `no matching files found`.
    pub reason: String,
}

/// cmd/go's `validEmbedPattern` plus the `path.Match` syntax check.
pub fn valid_embed_pattern(pattern: &str) -> bool {
    let glob = pattern.strip_prefix("all:").unwrap_or(pattern);
    path_match(glob, "").is_ok() && glob != "." && valid_fs_path(glob)
}

/// Go's `io/fs.ValidPath`.
fn valid_fs_path(p: &str) -> bool {
    p == "." || p.split('/').all(|e| !e.is_empty() && e != "." && e != "..")
}

/// cmd/go's `isBadEmbedName`.
fn is_bad_embed_name(name: &str) -> bool {
    check_file_path(name).is_err() || matches!(name, "" | ".bzr" | ".hg" | ".git" | ".svn")
}

fn has_meta(s: &str) -> bool {
    s.contains(['*', '?', '[', '\\'])
}

/// filepath.Glob below `pkg_dir`: `*` and `?` do not cross `/`, and hidden
/// names match like any other.
fn glob(tree: &FileTree, pkg_dir: &str, pattern: &str) -> Vec<String> {
    if !has_meta(pattern) {
        let full = join(pkg_dir, pattern);
        return if tree.kind(&full).is_some() {
            vec![full]
        } else {
            Vec::new()
        };
    }
    let mut current = vec![pkg_dir.to_string()];
    for elem in pattern.split('/') {
        let mut next = Vec::new();
        for dir in &current {
            if tree.kind(dir) != Some(NodeKind::Dir) {
                continue;
            }
            if has_meta(elem) {
                for (name, _) in tree.children(dir) {
                    if path_match(elem, &name).unwrap_or(false) {
                        next.push(join(dir, &name));
                    }
                }
            } else {
                let p = join(dir, elem);
                if tree.kind(&p).is_some() {
                    next.push(p);
                }
            }
        }
        current = next;
    }
    current
}

/// cmd/go's `load.ResolveEmbed` over a [`FileTree`]: the files (relative to
/// `pkg_dir`, sorted, unique) that `patterns` embed.
///
/// An `all:` prefix keeps `.`/`_` names inside matched directories.
/// Matching a directory walks it, skipping `.`/`_` names (unless `all:`),
/// bad names (`module::check_file_path`, `.bzr .git .hg .svn`), nested
/// modules (a directory with `go.mod`) and non-regular files. Errors:
/// `invalid pattern syntax`, `no matching files found`, `cannot embed …:
/// in different module`, `… invalid name …`, `cannot embed irregular file
/// …`, `cannot embed directory …: contains no embeddable files`.
pub fn resolve_embed(
    tree: &FileTree,
    pkg_dir: &str,
    patterns: &[String],
) -> Result<Vec<String>, EmbedPatternError> {
    let pkg_dir = pkg_dir.trim_matches('/');
    let mut all_files = BTreeSet::new();
    let mut dir_ok: BTreeSet<String> = BTreeSet::new();
    let rel_of = |p: &str| -> String {
        if pkg_dir.is_empty() {
            p.to_string()
        } else {
            p[pkg_dir.len() + 1..].to_string()
        }
    };
    for pattern in patterns {
        let fail = |reason: String| EmbedPatternError {
            pattern: pattern.clone(),
            reason,
        };
        let (glob_pat, all) = match pattern.strip_prefix("all:") {
            Some(g) => (g, true),
            None => (pattern.as_str(), false),
        };
        if path_match(glob_pat, "").is_err() || glob_pat == "." || !valid_fs_path(glob_pat) {
            return Err(fail("invalid pattern syntax".into()));
        }
        let mut list = BTreeSet::new();
        for file in glob(tree, pkg_dir, glob_pat) {
            let rel = rel_of(&file);
            let Some(kind) = tree.kind(&file) else {
                continue;
            };
            let what = if kind == NodeKind::Dir {
                "directory"
            } else {
                "file"
            };
            let mut dir = file.clone();
            while dir.len() > pkg_dir.len() && !dir_ok.contains(&dir) {
                if tree.kind(&join(&dir, "go.mod")).is_some() {
                    return Err(fail(format!(
                        "cannot embed {what} {rel}: in different module"
                    )));
                }
                if dir != file && tree.kind(&dir) != Some(NodeKind::Dir) {
                    return Err(fail(format!(
                        "cannot embed {what} {rel}: in non-directory {}",
                        rel_of(&dir)
                    )));
                }
                dir_ok.insert(dir.clone());
                let elem = dir.rsplit('/').next().unwrap_or("").to_string();
                if is_bad_embed_name(&elem) {
                    return Err(fail(if dir == file {
                        format!("cannot embed {what} {rel}: invalid name {elem}")
                    } else {
                        format!("cannot embed {what} {rel}: in invalid directory {elem}")
                    }));
                }
                dir = match dir.rfind('/') {
                    Some(i) => dir[..i].to_string(),
                    None => String::new(),
                };
            }
            match kind {
                NodeKind::File => {
                    list.insert(rel);
                }
                NodeKind::Dir => {
                    let mut count = 0;
                    walk(tree, &file, all, &mut |path| {
                        count += 1;
                        list.insert(rel_of(path));
                    })
                    .map_err(|(path, name)| {
                        fail(format!(
                            "cannot embed file {}: invalid name {name}",
                            rel_of(&path)
                        ))
                    })?;
                    if count == 0 {
                        return Err(fail(format!(
                            "cannot embed directory {rel}: contains no embeddable files"
                        )));
                    }
                }
                NodeKind::Symlink | NodeKind::Other => {
                    return Err(fail(format!("cannot embed irregular file {rel}")));
                }
            }
        }
        if list.is_empty() {
            return Err(fail("no matching files found".into()));
        }
        all_files.extend(list);
    }
    Ok(all_files.into_iter().collect())
}

/// Walks `dir` in lexical order, calling `found` for each embeddable
/// regular file; `Err((path, name))` for a file with a bad name.
fn walk(
    tree: &FileTree,
    dir: &str,
    all: bool,
    found: &mut dyn FnMut(&str),
) -> Result<(), (String, String)> {
    for (name, kind) in tree.children(dir) {
        let path = join(dir, &name);
        let hidden = name.starts_with('.') || name.starts_with('_');
        if is_bad_embed_name(&name) || (hidden && !all) {
            if kind == NodeKind::Dir || hidden {
                continue;
            }
            return Err((path, name));
        }
        match kind {
            NodeKind::Dir => {
                if tree.kind(&join(&path, "go.mod")).is_some() {
                    continue;
                }
                walk(tree, &path, all, found)?;
            }
            NodeKind::File => found(&path),
            NodeKind::Symlink | NodeKind::Other => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pats(src: &str) -> Vec<String> {
        embed_patterns(src.as_bytes()).unwrap()
    }

    #[test]
    fn needs_embed_import() {
        assert!(pats("package p\n//go:embed x\nvar s string\n").is_empty());
        assert_eq!(
            pats("package p\nimport _ \"embed\"\n//go:embed x y\nvar s string\n"),
            vec!["x", "y"]
        );
    }

    #[test]
    fn skips_literals_and_block_comments() {
        let src = "package p\nimport \"embed\"\nvar a = \"//go:embed no1\"\nvar a2 = \"\n//go:embed yes0\nvar b = `\n//go:embed no2\n`\nvar c = '\"'\n/*\n//go:embed no3\n*/\n\t //go:embed yes1\nvar d embed.FS\nvar e = \"a\\\"//go:embed no4\"\nvar f int //go:embed yes2\n";
        // An unterminated "…" ends at the newline, as in go/scanner.
        assert_eq!(pats(src), vec!["yes0", "yes1", "yes2"]);
    }

    #[test]
    fn quoted_args_and_malformed_lines() {
        let src = "package p\nimport \"embed\"\n//go:embed \"a b\" `c d` e\\x\n//go:embed \"bad\"x\n//go:embed \"unterminated\n//go:embedx nope\n//go:embed\t\"\\u00e9\"\r\nvar f embed.FS\n";
        assert_eq!(pats(src), vec!["a b", "c d", "e\\x", "é"]);
    }

    #[test]
    fn header_problems_are_errors() {
        assert_eq!(
            embed_patterns(b"//go:build a\n//go:build b\n\npackage p\n").unwrap_err(),
            GoFileError::Constraint("multiple //go:build comments".into())
        );
        assert!(matches!(
            embed_patterns(b"//go:build (\n\npackage p\n").unwrap_err(),
            GoFileError::Constraint(_)
        ));
        assert_eq!(
            embed_patterns(b"package p\nimport \"a b\"\n").unwrap_err(),
            GoFileError::InvalidImport("a b".into())
        );
        assert_eq!(
            embed_patterns(b"package p\x00").unwrap_err(),
            GoFileError::Nul
        );
        // A NUL after the header is fine for go/build.
        assert_eq!(
            embed_patterns(b"package p\nimport \"embed\"\n//go:embed a\nvar x = \"\x00\"\n")
                .unwrap(),
            vec!["a"]
        );
    }

    fn tree(paths: &[&str]) -> FileTree {
        FileTree::new(paths.iter().map(|p| {
            if let Some(d) = p.strip_suffix('/') {
                (d.to_string(), NodeKind::Dir)
            } else if let Some(l) = p.strip_suffix('@') {
                (l.to_string(), NodeKind::Symlink)
            } else {
                (p.to_string(), NodeKind::File)
            }
        }))
    }

    fn resolve(t: &FileTree, pats: &[&str]) -> Result<Vec<String>, String> {
        let pats: Vec<String> = pats.iter().map(|s| s.to_string()).collect();
        resolve_embed(t, "pkg", &pats).map_err(|e| e.to_string())
    }

    #[test]
    fn resolves_globs_and_dirs() {
        let t = tree(&[
            "pkg/a.txt",
            "pkg/.h.txt",
            "pkg/d/x.txt",
            "pkg/d/.y",
            "pkg/d/_z",
            "pkg/d/sub/w.txt",
            "pkg/d/.hid/v.txt",
            "pkg/d/nested/go.mod",
            "pkg/d/nested/n.txt",
            "pkg/d/.git/config",
            "pkg/d/link@",
            "pkg/e/",
            "pkg/m/go.mod",
            "pkg/m/f.txt",
            "pkg/only/.x",
        ]);
        assert_eq!(resolve(&t, &["*.txt"]).unwrap(), vec![".h.txt", "a.txt"]);
        assert_eq!(resolve(&t, &["d"]).unwrap(), vec!["d/sub/w.txt", "d/x.txt"]);
        assert_eq!(
            resolve(&t, &["all:d"]).unwrap(),
            vec!["d/.hid/v.txt", "d/.y", "d/_z", "d/sub/w.txt", "d/x.txt"]
        );
        assert_eq!(
            resolve(&t, &["d/*"]).unwrap_err(),
            "pattern d/*: cannot embed directory d/.git: invalid name .git"
        );
        assert_eq!(resolve(&t, &["*/x.txt"]).unwrap(), vec!["d/x.txt"]);
        assert_eq!(
            resolve(&t, &["nope"]).unwrap_err(),
            "pattern nope: no matching files found"
        );
        assert_eq!(
            resolve(&t, &["../x"]).unwrap_err(),
            "pattern ../x: invalid pattern syntax"
        );
        assert_eq!(
            resolve(&t, &["["]).unwrap_err(),
            "pattern [: invalid pattern syntax"
        );
        assert_eq!(
            resolve(&t, &["."]).unwrap_err(),
            "pattern .: invalid pattern syntax"
        );
        assert_eq!(
            resolve(&t, &["all:."]).unwrap_err(),
            "pattern all:.: invalid pattern syntax"
        );
        assert_eq!(
            resolve(&t, &["/a.txt"]).unwrap_err(),
            "pattern /a.txt: invalid pattern syntax"
        );
        assert_eq!(
            resolve(&t, &["m/f.txt"]).unwrap_err(),
            "pattern m/f.txt: cannot embed file m/f.txt: in different module"
        );
        assert_eq!(
            resolve(&t, &["d/link"]).unwrap_err(),
            "pattern d/link: cannot embed irregular file d/link"
        );
        assert_eq!(
            resolve(&t, &["e"]).unwrap_err(),
            "pattern e: cannot embed directory e: contains no embeddable files"
        );
        assert_eq!(
            resolve(&t, &["only"]).unwrap_err(),
            "pattern only: cannot embed directory only: contains no embeddable files"
        );
        assert_eq!(resolve(&t, &["all:only"]).unwrap(), vec!["only/.x"]);
        assert_eq!(
            resolve(&t, &["a.txt", "a.txt", "*.txt"]).unwrap(),
            vec![".h.txt", "a.txt"]
        );
        assert!(valid_embed_pattern("all:x/*.txt") && !valid_embed_pattern("x//y"));
    }
}
