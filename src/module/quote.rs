//! Go's `%q` formatting (`strconv.Quote` / `strconv.QuoteRune`), so that error
//! messages read exactly like the `go` command's.
//!
//! Runes that Go's `unicode.IsPrint` rejects are escaped as `\xHH`,
//! `\uHHHH` or `\UHHHHHHHH`; printability comes from a table of Go's own
//! (Unicode 15.0.0) answers. Input is `&str`, so the invalid-UTF-8 case of
//! Go's quoting does not arise.

use std::fmt::Write as _;

use super::unicode::is_print;

fn push_escaped(out: &mut String, c: char, quote: char) {
    match c {
        '\x07' => out.push_str("\\a"),
        '\x08' => out.push_str("\\b"),
        '\x0c' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\x0b' => out.push_str("\\v"),
        '\\' => out.push_str("\\\\"),
        _ if c == quote => {
            out.push('\\');
            out.push(c);
        }
        _ if is_print(c) => out.push(c),
        _ => {
            let u = u32::from(c);
            // Writing to a String cannot fail.
            let _ = if u < 0x20 || u == 0x7f {
                write!(out, "\\x{u:02x}")
            } else if u < 0x10000 {
                write!(out, "\\u{u:04x}")
            } else {
                write!(out, "\\U{u:08x}")
            };
        }
    }
}

/// `s` as Go's `%q` / `strconv.Quote` writes it: double-quoted, with Go
/// escapes.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        push_escaped(&mut out, c, '"');
    }
    out.push('"');
    out
}

/// `c` as Go's `%q` of a rune / `strconv.QuoteRune` writes it, e.g. `'+'`.
pub fn quote_rune(c: char) -> String {
    let mut out = String::with_capacity(4);
    out.push('\'');
    push_escaped(&mut out, c, '\'');
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_like_go() {
        assert_eq!(quote("a\"b\\c'"), r#""a\"b\\c'""#);
        assert_eq!(quote("\t\x01\x7f"), r#""\t\x01\x7f""#);
        assert_eq!(quote("испытание☺"), "\"испытание☺\"");
        assert_eq!(quote("\u{200b}\u{85}"), r#""\u200b\u0085""#);
        assert_eq!(quote_rune('\''), r"'\''");
        assert_eq!(quote_rune('"'), "'\"'");
        assert_eq!(quote_rune('+'), "'+'");
    }
}
