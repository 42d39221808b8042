//! The import-block reader shared by cmd/go (`imports.ReadImports`) and
//! go/build (`readGoInfo`): a byte-level lexer that accepts `package x`
//! followed by import declarations and stops at the first other token.

use super::text::{lossy, unquote};

/// Why [`read_imports`] failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    /// A NUL byte was read (Go's `errNUL`). Unlike syntax errors this is
    /// reported: cmd/go's ScanDir fails with it, while `go mod vendor`'s
    /// file filter keeps such a file.
    #[error("unexpected NUL in input")]
    Nul,
}

/// What [`read_imports`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportsRead<'a> {
    /// The bytes [`should_build`](super::should_build) must judge: the file
    /// (without a leading UTF-8 BOM) up to the first token after the
    /// imports, or the whole file when the reader hit a syntax error or
    /// the end of input.
    pub header: &'a [u8],
    /// The import path literals as written, quotes included (`"fmt"`,
    /// `` `C` ``), in file order.
    pub quoted: Vec<String>,
    /// Whether the reader stopped at a token after the imports, having
    /// looked at nothing past `header` (and one byte): then any longer
    /// input starting with the same bytes reads the same. See
    /// [`read_go_head`](super::read_go_head).
    pub stopped: bool,
    /// When `stopped`: how many bytes of the input the reader looked at.
    /// Those bytes alone read the same (see [`read_go_head`]).
    ///
    /// [`read_go_head`]: super::read_go_head
    pub consumed: usize,
}

impl ImportsRead<'_> {
    /// The import paths, unquoted as `strconv.Unquote` does; literals that
    /// do not unquote are dropped, as cmd/go drops them.
    pub fn paths(&self) -> Vec<String> {
        self.quoted
            .iter()
            .filter_map(|q| unquote(q.as_bytes()).map(|p| lossy(&p)))
            .collect()
    }

    /// Whether the file has the literal `import "C"` (cmd/go's cgo test
    /// compares the quoted text, so `` `C` `` does not count).
    pub fn imports_c(&self) -> bool {
        self.quoted.iter().any(|q| q == "\"C\"")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Failure {
    Syntax,
    Nul,
}

/// The reader state. `peek` holds the last consumed byte when it has been
/// looked at but not taken (0 means none; a real 0 byte is an error).
struct Lexer<'a> {
    src: &'a [u8],
    pos: usize,
    peek: u8,
    fail: Option<Failure>,
    eof: bool,
    quoted: Vec<(usize, usize)>,
    package: Option<(usize, usize)>,
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80
}

impl<'a> Lexer<'a> {
    fn new(src: &'a [u8]) -> Self {
        let src = src.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(src);
        Lexer {
            src,
            pos: 0,
            peek: 0,
            fail: None,
            eof: false,
            quoted: Vec::new(),
            package: None,
        }
    }

    fn syntax_error(&mut self) {
        if self.fail.is_none() {
            self.fail = Some(Failure::Syntax);
        }
    }

    /// Consumes one byte; 0 at end of input (setting `eof`) or on a NUL
    /// byte (recording the error unless one is already recorded).
    fn read_byte(&mut self) -> u8 {
        let Some(&c) = self.src.get(self.pos) else {
            self.eof = true;
            return 0;
        };
        self.pos += 1;
        if c == 0 && self.fail.is_none() {
            self.fail = Some(Failure::Nul);
        }
        c
    }

    fn ok(&self) -> bool {
        self.fail.is_none()
    }

    /// The next byte, optionally skipping spaces, `;` and comments.
    fn peek_byte(&mut self, skip_space: bool) -> u8 {
        if !self.ok() {
            return 0;
        }
        let mut c = if self.peek != 0 {
            self.peek
        } else {
            self.read_byte()
        };
        while self.ok() && !self.eof && skip_space {
            match c {
                b' ' | b'\x0c' | b'\t' | b'\r' | b'\n' | b';' => {
                    c = self.read_byte();
                }
                b'/' => {
                    c = self.read_byte();
                    if c == b'/' {
                        while c != b'\n' && self.ok() && !self.eof {
                            c = self.read_byte();
                        }
                    } else if c == b'*' {
                        let mut c1 = 0;
                        while (c != b'*' || c1 != b'/') && self.ok() {
                            if self.eof {
                                self.syntax_error();
                            }
                            c = c1;
                            c1 = self.read_byte();
                        }
                    } else {
                        self.syntax_error();
                    }
                    c = self.read_byte();
                }
                _ => break,
            }
        }
        self.peek = c;
        c
    }

    fn next_byte(&mut self, skip_space: bool) -> u8 {
        let c = self.peek_byte(skip_space);
        self.peek = 0;
        c
    }

    fn read_keyword(&mut self, kw: &[u8]) {
        self.peek_byte(true);
        for &k in kw {
            if self.next_byte(false) != k {
                self.syntax_error();
                return;
            }
        }
        if is_ident(self.peek_byte(false)) {
            self.syntax_error();
        }
    }

    fn read_ident(&mut self) -> Option<(usize, usize)> {
        let c = self.peek_byte(true);
        if !is_ident(c) {
            self.syntax_error();
            return None;
        }
        let start = self.pos - 1;
        while is_ident(self.peek_byte(false)) {
            self.peek = 0;
        }
        let end = if self.ok() && !self.eof {
            self.pos - 1
        } else {
            self.pos
        };
        Some((start, end))
    }

    fn read_string(&mut self) {
        match self.next_byte(true) {
            b'`' => {
                let start = self.pos - 1;
                while self.ok() {
                    if self.next_byte(false) == b'`' {
                        self.quoted.push((start, self.pos));
                        break;
                    }
                    if self.eof {
                        self.syntax_error();
                    }
                }
            }
            b'"' => {
                let start = self.pos - 1;
                while self.ok() {
                    let c = self.next_byte(false);
                    if c == b'"' {
                        self.quoted.push((start, self.pos));
                        break;
                    }
                    if self.eof || c == b'\n' {
                        self.syntax_error();
                    }
                    if c == b'\\' {
                        self.next_byte(false);
                    }
                }
            }
            _ => self.syntax_error(),
        }
    }

    fn read_import(&mut self) {
        let c = self.peek_byte(true);
        if c == b'.' {
            self.peek = 0;
        } else if is_ident(c) {
            self.read_ident();
        }
        self.read_string();
    }

    /// Runs the grammar: `package` ident, then import declarations while
    /// the next token starts with `i`.
    fn run(&mut self) {
        self.read_keyword(b"package");
        self.package = self.read_ident();
        while self.peek_byte(true) == b'i' {
            self.read_keyword(b"import");
            if self.peek_byte(true) == b'(' {
                self.next_byte(false);
                while self.peek_byte(true) != b')' && self.ok() {
                    self.read_import();
                }
                self.next_byte(false);
            } else {
                self.read_import();
            }
        }
    }

    fn quoted_strings(&self) -> Vec<String> {
        self.quoted
            .iter()
            .map(|&(s, e)| lossy(&self.src[s..e]))
            .collect()
    }
}

/// cmd/go's `imports.ReadImports(f, false, &list)`: reads the package
/// clause and import declarations of a Go file.
///
/// `;` counts as a space, comments are skipped, a leading UTF-8 BOM is
/// dropped. A syntax error is not reported: the header becomes the whole
/// file and the imports read so far are kept. A NUL byte anywhere the
/// reader looked (which, after a syntax error, is the rest of the file) is
/// an error.
pub fn read_imports(src: &[u8]) -> Result<ImportsRead<'_>, ReadError> {
    let mut lx = Lexer::new(src);
    lx.run();
    if lx.ok() && !lx.eof {
        return Ok(ImportsRead {
            header: &lx.src[..lx.pos - 1],
            quoted: lx.quoted_strings(),
            stopped: true,
            consumed: lx.pos + (src.len() - lx.src.len()),
        });
    }
    if lx.fail == Some(Failure::Syntax) {
        lx.fail = None;
        while lx.ok() && !lx.eof {
            lx.read_byte();
        }
    }
    if lx.fail == Some(Failure::Nul) {
        return Err(ReadError::Nul);
    }
    Ok(ImportsRead {
        header: &lx.src[..lx.pos],
        quoted: lx.quoted_strings(),
        stopped: false,
        consumed: src.len(),
    })
}

/// What go/build's reader saw in a file (the part of `readGoInfo` before
/// go/parser runs).
pub(super) struct GoBuildRead<'a> {
    /// The file without a leading BOM.
    pub body: &'a [u8],
    /// The header go/build parses and evaluates constraints on.
    pub header: &'a [u8],
    /// Quoted import literals.
    pub quoted: Vec<String>,
    /// The package name, if the reader got that far.
    pub package: Option<String>,
    /// Whether the reader hit a syntax error (then go/parser almost surely
    /// rejects the header too).
    pub syntax_error: bool,
}

/// go/build's `readGoInfo` reader: like [`read_imports`], but a NUL is an
/// error only if seen before the reader stopped (the rest of the file is
/// read without checks).
pub(super) fn read_go_build(src: &[u8]) -> Result<GoBuildRead<'_>, ReadError> {
    let mut lx = Lexer::new(src);
    lx.run();
    let header_len = if lx.ok() && !lx.eof {
        lx.pos - 1
    } else {
        match lx.fail {
            Some(Failure::Nul) => return Err(ReadError::Nul),
            _ => lx.src.len(),
        }
    };
    Ok(GoBuildRead {
        body: lx.src,
        header: &lx.src[..header_len],
        quoted: lx.quoted_strings(),
        package: lx.package.map(|(s, e)| lossy(&lx.src[s..e])),
        syntax_error: lx.fail == Some(Failure::Syntax),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Input with `ℙ` where the reader should stop (go's read_test.go
    /// convention): the header must be exactly the text before it.
    fn stops_at_marker(src: &str) {
        let (before, _) = src.split_once('ℙ').unwrap();
        let whole = src.replace('ℙ', "");
        let got = read_imports(whole.as_bytes()).unwrap();
        let want = before.strip_prefix('\u{feff}').unwrap_or(before);
        assert_eq!(String::from_utf8_lossy(got.header), want, "{src:?}");
    }

    #[test]
    fn stops_after_imports() {
        stops_at_marker(r#"package p; import "x";ℙvar x = 1"#);
        stops_at_marker("package p\nimport \"x\"\nℙfunc f() {}");
        stops_at_marker("\u{feff}package p; import \"x\";ℙvar x = 1");
        stops_at_marker(
            "package p\n\n// c\n\nimport \"x\"\nimport _ \"x\"\nimport a \"x\"\n/* c */\nimport (\n\t\"x\" /* c */\n\t_ \"x\"\n\ta \"x\" // c\n\t`x`\n\t_ /*c*/ `x`\n)\nimport ()\nimport()import()\nimport();import()\n\nℙvar x = 1\n",
        );
    }

    #[test]
    fn collects_imports_in_order() {
        let src = "package p\nimport (\n\t\"a\"; _ \"b\"\n\t. \"c\"\n\tx `d`\n\t\"e\\x41\"\n\t\"bad\\q\"\n)\nimport \"C\"\nfunc f() {}\n";
        let r = read_imports(src.as_bytes()).unwrap();
        assert_eq!(r.quoted.len(), 7);
        assert_eq!(r.paths(), vec!["a", "b", "c", "d", "eA", "C"]);
        assert!(r.imports_c());
        let raw_c = read_imports(b"package p; import `C`; var x int").unwrap();
        assert!(!raw_c.imports_c());
        assert_eq!(raw_c.paths(), vec!["C"]);
    }

    #[test]
    fn eof_returns_whole_file() {
        let r = read_imports(b"package p; import \"x\"").unwrap();
        assert_eq!(r.header, b"package p; import \"x\"");
        assert_eq!(r.paths(), vec!["x"]);
        let r = read_imports(b"package p").unwrap();
        assert_eq!(r.header, b"package p");
    }

    #[test]
    fn syntax_errors_keep_imports_and_return_everything() {
        let src = b"package p\nimport (\n\"a\"\n+\n\"b\"\n)\nfunc f() {}\n";
        let r = read_imports(src).unwrap();
        assert_eq!(r.header, &src[..]);
        assert_eq!(r.paths(), vec!["a"]);
        // An identifier is an alias, even a numeric one.
        let src = b"package p\nimport (\n\"a\"\n123\n\"b\"\n)\nfunc f() {}\n";
        let r = read_imports(src).unwrap();
        assert_eq!(r.paths(), vec!["a", "b"]);
        assert!(r.header.ends_with(b")\n"));
        // A lone `/` where a comment or token could start.
        let src = b"package p\nimport \"a\"\n/ x\nimport \"b\"\n";
        let r = read_imports(src).unwrap();
        assert_eq!(r.header, &src[..]);
        assert_eq!(r.paths(), vec!["a"]);
        // Unterminated comment, string, raw string.
        for src in [
            &b"package p /* x"[..],
            b"package p; import \"x",
            b"package p; import \"x\ny\"",
            b"package p; import `x",
            b"packagex p",
            b"package",
            b"package p; import x y",
        ] {
            let r = read_imports(src).unwrap();
            assert_eq!(r.header, src, "{:?}", String::from_utf8_lossy(src));
        }
    }

    #[test]
    fn nul_bytes() {
        assert_eq!(read_imports(b"package p\x00").unwrap_err(), ReadError::Nul);
        assert_eq!(
            read_imports(b"package p // \x00\nimport \"x\"").unwrap_err(),
            ReadError::Nul
        );
        // After a syntax error the rest of the file is read and checked.
        assert_eq!(
            read_imports(b"package p; import 1\nvar x = \"\x00\"").unwrap_err(),
            ReadError::Nul
        );
        // After a clean stop it is not looked at.
        let r = read_imports(b"package p; import \"x\"\nvar x = \"\x00\"").unwrap();
        assert_eq!(r.paths(), vec!["x"]);
        // go/build's reader does not check the rest after a syntax error.
        assert!(read_go_build(b"package p; import 1\nvar x = \"\x00\"").is_ok());
        assert!(read_go_build(b"package p\x00").is_err());
    }

    #[test]
    fn package_name_for_go_build() {
        let r = read_go_build(b"package p_test\nimport \"embed\"\nvar x").unwrap();
        assert_eq!(r.package.as_deref(), Some("p_test"));
        assert_eq!(r.header, b"package p_test\nimport \"embed\"\n");
        let r = read_go_build(b"package q").unwrap();
        assert_eq!(r.package.as_deref(), Some("q"));
    }
}
