//! Small string helpers with Go's exact semantics: `path.Clean`,
//! `path.Split`, `strconv.Quote`, the case-fold key of `strToFold`, and the
//! toolchain-version comparison of `go/version` that the vendor rule needs.

use std::collections::BTreeSet;
use std::fmt::Write as _;

/// Whether `p` equals Go's `path.Clean(p)`.
pub(crate) fn is_clean(p: &[u8]) -> bool {
    clean(p) == p
}

/// Go's `path.Clean` over bytes (only `/` and `.` matter, so bytes suffice).
pub(crate) fn clean(p: &[u8]) -> Vec<u8> {
    if p.is_empty() {
        return b".".to_vec();
    }
    let rooted = p[0] == b'/';
    let mut parts: Vec<&[u8]> = Vec::new();
    for elem in p.split(|&b| b == b'/') {
        match elem {
            b"" | b"." => {}
            b".." => {
                if parts.last().is_some_and(|last| *last != b"..") {
                    parts.pop();
                } else if !rooted {
                    parts.push(elem);
                }
            }
            _ => parts.push(elem),
        }
    }
    let mut out = Vec::with_capacity(p.len());
    if rooted {
        out.push(b'/');
    }
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push(b'/');
        }
        out.extend_from_slice(part);
    }
    if out.is_empty() {
        out.push(b'.');
    }
    out
}

/// Go's `path.Split`: everything up to and including the last `/`, and the rest.
pub(crate) fn split(p: &[u8]) -> (&[u8], &[u8]) {
    match p.iter().rposition(|&b| b == b'/') {
        Some(i) => p.split_at(i + 1),
        None => (&[], p),
    }
}

/// Go's `strconv.Quote` applied to a byte string (invalid UTF-8 bytes become
/// `\xNN`). Printability follows Go's `unicode.IsPrint` closely enough for
/// the paths and versions that reach error messages.
pub(crate) fn go_quote(s: &[u8]) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for chunk in s.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\u{7}' => out.push_str("\\a"),
                '\u{8}' => out.push_str("\\b"),
                '\u{c}' => out.push_str("\\f"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                '\u{b}' => out.push_str("\\v"),
                c if is_print(c) => out.push(c),
                c if (c as u32) < 0x80 => {
                    let _ = write!(out, "\\x{:02x}", c as u32);
                }
                c if (c as u32) < 0x10000 => {
                    let _ = write!(out, "\\u{:04x}", c as u32);
                }
                c => {
                    let _ = write!(out, "\\U{:08x}", c as u32);
                }
            }
        }
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
    out.push('"');
    out
}

/// An approximation of Go's `unicode.IsPrint` without Unicode tables:
/// controls, separators other than U+0020, format characters, private use
/// and non-characters are not printable.
fn is_print(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    let u = c as u32;
    let format_or_private = matches!(
        u,
        0xAD | 0x600..=0x605
            | 0x61C
            | 0x6DD
            | 0x70F
            | 0x180E
            | 0x200B..=0x200F
            | 0x202A..=0x202E
            | 0x2060..=0x206F
            | 0xFEFF
            | 0xFFF9..=0xFFFB
            | 0xE000..=0xF8FF
            | 0xF0000..
    );
    !format_or_private && (u & 0xFFFE) != 0xFFFE
}

/// The key under which Go's `strToFold` groups names: two names get the same
/// key exactly when Go's collision checker treats them as the same file.
///
/// Go walks each rune's `unicode.SimpleFold` orbit to its smallest member and
/// then lower-cases ASCII. Rust has no `SimpleFold`, so each rune's class is
/// rebuilt as the closure under its single-rune upper- and lower-case
/// mappings (plus U+0130, whose simple lower case `i` Rust only offers as a
/// full, two-rune mapping), and the smallest member is taken.
pub(crate) fn str_to_fold(s: &str) -> String {
    if s.bytes().all(|b| b.is_ascii() && !b.is_ascii_uppercase()) {
        return s.to_owned();
    }
    s.chars().map(fold_char).collect()
}

fn fold_char(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    let mut seen = BTreeSet::from([c]);
    let mut queue = vec![c];
    while let Some(x) = queue.pop() {
        let special = (x == '\u{130}').then_some('i');
        for next in [single(x.to_lowercase()), single(x.to_uppercase()), special]
            .into_iter()
            .flatten()
        {
            if seen.insert(next) {
                queue.push(next);
            }
        }
    }
    let min = seen.first().copied().unwrap_or(c);
    min.to_ascii_lowercase()
}

fn single(mut it: impl Iterator<Item = char>) -> Option<char> {
    let first = it.next()?;
    it.next().is_none().then_some(first)
}

/// Go's `go/version.Lang`: the language version (`go1.21`) of a toolchain
/// version (`go1.21.3`), or `""` when `v` is not a valid Go version.
pub(crate) fn go_lang(v: &str) -> String {
    let Some(parsed) = v.strip_prefix("go").and_then(GoVersion::parse) else {
        return String::new();
    };
    if parsed.major == "1" && parsed.minor == "0" {
        format!("go{}", parsed.major)
    } else {
        format!("go{}.{}", parsed.major, parsed.minor)
    }
}

/// Go's `go/version.Compare(v, w)` as an [`std::cmp::Ordering`]; invalid
/// versions sort before valid ones and equal each other.
pub(crate) fn go_compare(v: &str, w: &str) -> std::cmp::Ordering {
    fn parse(x: &str) -> GoVersion<'_> {
        x.strip_prefix("go")
            .and_then(GoVersion::parse)
            .unwrap_or_default()
    }
    let (a, b) = (parse(v), parse(w));
    cmp_int(a.major, b.major)
        .then_with(|| cmp_int(a.minor, b.minor))
        .then_with(|| cmp_int(a.patch, b.patch))
        .then_with(|| a.kind.cmp(b.kind))
        .then_with(|| cmp_int(a.pre, b.pre))
}

/// A parsed Go toolchain version (cmd/go/internal/gover syntax).
#[derive(Default, Clone, Copy)]
struct GoVersion<'a> {
    major: &'a str,
    minor: &'a str,
    patch: &'a str,
    kind: &'a str,
    pre: &'a str,
}

impl<'a> GoVersion<'a> {
    fn parse(x: &'a str) -> Option<Self> {
        let mut v = GoVersion::default();
        let (major, rest) = cut_int(x)?;
        v.major = major;
        if rest.is_empty() {
            v.minor = "0";
            v.patch = "0";
            return Some(v);
        }
        let (minor, rest) = cut_int(rest.strip_prefix('.')?)?;
        v.minor = minor;
        if rest.is_empty() {
            // Before 1.21 a missing patch meant ".0"; since then `1.21` is
            // the language version, which sorts before `1.21.0`.
            if cmp_int(minor, "21").is_lt() {
                v.patch = "0";
            }
            return Some(v);
        }
        if let Some(rest) = rest.strip_prefix('.') {
            let (patch, rest) = cut_int(rest)?;
            if !rest.is_empty() {
                return None;
            }
            v.patch = patch;
            return Some(v);
        }
        let kind_len = rest.bytes().take_while(|b| !b.is_ascii_digit()).count();
        let (kind, rest) = rest.split_at(kind_len);
        if kind.is_empty() || !kind.bytes().all(|b| b.is_ascii_lowercase()) {
            return None;
        }
        v.kind = kind;
        if rest.is_empty() {
            return Some(v);
        }
        let (pre, rest) = cut_int(rest)?;
        if !rest.is_empty() {
            return None;
        }
        v.pre = pre;
        Some(v)
    }
}

/// A leading decimal number without leading zeros, and the rest.
fn cut_int(x: &str) -> Option<(&str, &str)> {
    let n = x.bytes().take_while(u8::is_ascii_digit).count();
    if n == 0 || (x.starts_with('0') && n != 1) {
        return None;
    }
    Some(x.split_at(n))
}

/// Compares decimal strings numerically (no leading zeros, so length first).
fn cmp_int(x: &str, y: &str) -> std::cmp::Ordering {
    x.len().cmp(&y.len()).then_with(|| x.cmp(y))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_matches_go() {
        for (input, want) in [
            ("", "."),
            ("a/b", "a/b"),
            ("a//b", "a/b"),
            ("a/./b", "a/b"),
            ("a/../b", "b"),
            ("../a", "../a"),
            ("/../a", "/a"),
            ("a/", "a"),
            ("/", "/"),
            ("a/..", "."),
            ("..", ".."),
            ("../..", "../.."),
        ] {
            assert_eq!(clean(input.as_bytes()), want.as_bytes(), "clean({input:?})");
        }
    }

    #[test]
    fn quote_matches_go() {
        assert_eq!(go_quote(b"a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(go_quote(b"\xff"), r#""\xff""#);
        assert_eq!(go_quote(b"\x01\n"), r#""\x01\n""#);
        assert_eq!(go_quote("é\u{200b}".as_bytes()), "\"é\\u200b\"");
    }

    #[test]
    fn fold_classes() {
        assert_eq!(str_to_fold("go.mod"), "go.mod");
        assert_eq!(str_to_fold("GO.MOD"), "go.mod");
        // Kelvin sign, long s and final sigma fold with their ASCII/Greek kin.
        assert_eq!(str_to_fold("\u{212a}"), str_to_fold("k"));
        assert_eq!(str_to_fold("\u{17f}"), str_to_fold("S"));
        assert_eq!(str_to_fold("ς"), str_to_fold("Σ"));
        assert_eq!(str_to_fold("σ"), str_to_fold("Σ"));
        assert_eq!(str_to_fold("ß"), str_to_fold("\u{1e9e}"));
        // Go's strToFold maps U+0130 and U+0131 onto i.
        assert_eq!(str_to_fold("\u{130}"), "i");
        assert_eq!(str_to_fold("\u{131}"), "i");
        assert_ne!(str_to_fold("é"), str_to_fold("e"));
    }

    #[test]
    fn go_versions() {
        use std::cmp::Ordering::*;
        assert_eq!(go_lang("go1.21.3"), "go1.21");
        assert_eq!(go_lang("go1.22rc2"), "go1.22");
        assert_eq!(go_lang("go1"), "go1");
        assert_eq!(go_lang("go1.0"), "go1");
        assert_eq!(go_lang("go1.x"), "");
        assert_eq!(go_lang("1.21"), "");
        assert_eq!(go_compare("go1.24.0", "go1.24"), Greater);
        assert_eq!(go_compare("go1.24rc1", "go1.24"), Greater);
        assert_eq!(go_compare("go1.24rc1", "go1.24.0"), Less);
        assert_eq!(go_compare("go1.23.9", "go1.24"), Less);
        assert_eq!(go_compare("", "go1.24"), Less);
        assert_eq!(go_compare("go1.100", "go1.24"), Greater);
        assert_eq!(go_compare("go2", "go1.24"), Greater);
        assert_eq!(go_compare("go1.20", "go1.20.0"), Equal);
    }
}
