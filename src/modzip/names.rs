//! Small string helpers with Go's exact semantics: `strconv.Quote` and the
//! case-fold key of `strToFold` (slash paths are in [`crate::slashpath`]).

use std::collections::BTreeSet;
use std::fmt::Write as _;

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
