//! Go string literal rules that go.mod parsing relies on: `strconv.Unquote`,
//! `strconv.Quote`/`QuoteRune`, `unicode.IsPrint` and `utf8.DecodeRune`.
//!
//! Rust has no Unicode general-category table in `std`, so [`is_print`]
//! approximates Go's `unicode.IsPrint`: control, format, separator,
//! private-use and noncharacter code points and the wholly unassigned planes
//! are non-printable; scattered unassigned code points inside assigned planes
//! count as printable. Real go.mod files never contain such characters.

/// Go's `utf8.DecodeRune`: the rune at the start of `b` and its length in
/// bytes. Invalid UTF-8 decodes as U+FFFD of length 1, as in Go, so that
/// column numbers match. `b` must not be empty.
pub(crate) fn decode_rune(b: &[u8]) -> (char, usize) {
    let n = match b[0] {
        0x00..=0x7f => 1,
        0xc2..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf4 => 4,
        _ => return (char::REPLACEMENT_CHARACTER, 1),
    };
    match b.get(..n).map(std::str::from_utf8) {
        Some(Ok(s)) => (s.chars().next().unwrap_or(char::REPLACEMENT_CHARACTER), n),
        _ => (char::REPLACEMENT_CHARACTER, 1),
    }
}

/// Go's `unicode.IsPrint` (letters, marks, numbers, punctuation, symbols and
/// the ASCII space), approximated as described in the module doc.
pub(crate) fn is_print(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    let u = u32::from(c);
    let format = matches!(
        u,
        0x00ad
            | 0x0600..=0x0605
            | 0x061c
            | 0x06dd
            | 0x070f
            | 0x0890..=0x0891
            | 0x08e2
            | 0x180e
            | 0x200b..=0x200f
            | 0x202a..=0x202e
            | 0x2060..=0x2064
            | 0x2066..=0x206f
            | 0xfeff
            | 0xfff9..=0xfffb
            | 0x110bd
            | 0x110cd
            | 0x13430..=0x1343f
            | 0x1bca0..=0x1bca3
            | 0x1d173..=0x1d17a
            | 0xe0001
            | 0xe0020..=0xe007f
    );
    let private_use = matches!(u, 0xe000..=0xf8ff | 0xf0000..=0x10ffff);
    let noncharacter = matches!(u, 0xfdd0..=0xfdef) || u & 0xfffe == 0xfffe;
    let unassigned_plane = matches!(u, 0x323b0..=0xdffff)
        || (matches!(u, 0xe0000..=0xeffff) && !matches!(u, 0xe0100..=0xe01ef));
    !(format || private_use || noncharacter || unassigned_plane)
}

/// Go's `strconv.Unquote` for a `"…"` or `` `…` `` literal, or `None` when
/// Go would report `invalid syntax`. The result is bytes because `\xNN` and
/// octal escapes may produce invalid UTF-8, exactly as in Go.
pub(crate) fn unquote(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    if b.len() < 2 {
        return None;
    }
    match b[0] {
        b'`' => {
            let inner = s.strip_prefix('`')?.strip_suffix('`')?;
            if inner.contains('`') {
                return None;
            }
            // Carriage returns are discarded from raw string values.
            Some(inner.bytes().filter(|&c| c != b'\r').collect())
        }
        b'"' => unquote_interpreted(&b[1..]),
        _ => None,
    }
}

/// The body of a `"` literal after the opening quote, up to and including
/// the closing quote, which must be the last byte.
fn unquote_interpreted(mut rest: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(rest.len());
    loop {
        let (&c, tail) = rest.split_first()?;
        match c {
            b'"' => return tail.is_empty().then_some(out),
            b'\n' => return None,
            b'\\' => {
                let (&e, tail) = tail.split_first()?;
                rest = tail;
                match e {
                    b'a' => out.push(0x07),
                    b'b' => out.push(0x08),
                    b'f' => out.push(0x0c),
                    b'n' => out.push(b'\n'),
                    b'r' => out.push(b'\r'),
                    b't' => out.push(b'\t'),
                    b'v' => out.push(0x0b),
                    b'\\' => out.push(b'\\'),
                    b'"' => out.push(b'"'),
                    b'x' | b'u' | b'U' => {
                        let n = match e {
                            b'x' => 2,
                            b'u' => 4,
                            _ => 8,
                        };
                        let digits = rest.get(..n)?;
                        let mut v: u32 = 0;
                        for &d in digits {
                            v = v << 4 | char::from(d).to_digit(16)?;
                        }
                        rest = &rest[n..];
                        if e == b'x' {
                            out.push(u8::try_from(v).ok()?);
                        } else {
                            let ch = char::from_u32(v)?;
                            out.extend_from_slice(ch.encode_utf8(&mut [0; 4]).as_bytes());
                        }
                    }
                    b'0'..=b'7' => {
                        let digits = rest.get(..2)?;
                        let mut v = u32::from(e - b'0');
                        for &d in digits {
                            if !(b'0'..=b'7').contains(&d) {
                                return None;
                            }
                            v = v << 3 | u32::from(d - b'0');
                        }
                        rest = &rest[2..];
                        out.push(u8::try_from(v).ok()?);
                    }
                    _ => return None,
                }
            }
            c if c >= 0x80 => {
                // A multi-byte rune; invalid UTF-8 becomes U+FFFD as in Go.
                let (r, n) = decode_rune(rest);
                out.extend_from_slice(r.encode_utf8(&mut [0; 4]).as_bytes());
                rest = &rest[n..];
            }
            _ => {
                out.push(c);
                rest = tail;
            }
        }
    }
}

/// Appends the Go escape sequence for a non-printable rune.
fn push_escaped(out: &mut String, c: char) {
    use std::fmt::Write as _;
    match c {
        '\u{07}' => out.push_str("\\a"),
        '\u{08}' => out.push_str("\\b"),
        '\u{0c}' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\u{0b}' => out.push_str("\\v"),
        c if c < ' ' || c == '\u{7f}' => {
            let _ = write!(out, "\\x{:02x}", u32::from(c));
        }
        c if u32::from(c) < 0x10000 => {
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        }
        c => {
            let _ = write!(out, "\\U{:08x}", u32::from(c));
        }
    }
}

/// Go's `strconv.Quote` (also `%q` of a string).
pub(crate) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if is_print(c) => out.push(c),
            c => push_escaped(&mut out, c),
        }
    }
    out.push('"');
    out
}

/// Go's `strconv.QuoteRune` (also `%q` of a rune).
pub(crate) fn quote_rune(c: char) -> String {
    let mut out = String::from("'");
    match c {
        '\'' | '\\' => {
            out.push('\\');
            out.push(c);
        }
        c if is_print(c) => out.push(c),
        c => push_escaped(&mut out, c),
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unquote_matches_go() {
        let ok = |s: &str| unquote(s).map(|b| String::from_utf8_lossy(&b).into_owned());
        assert_eq!(ok(r#""a\tb""#).as_deref(), Some("a\tb"));
        assert_eq!(ok(r#""\u00e9\x41\101\"""#).as_deref(), Some("éAA\""));
        assert_eq!(ok("`a\r\\nb`").as_deref(), Some("a\\nb"));
        assert_eq!(unquote(r#""\xff""#), Some(vec![0xff]));
        for bad in [
            r#""\'""#,
            r#""\q""#,
            r#""\400""#,
            r#""\ud800""#,
            "\"a\nb\"",
            "\"a\"b\"",
            "\"",
            "`a`b`",
            "'a'",
        ] {
            assert_eq!(unquote(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn quote_matches_go() {
        assert_eq!(
            quote("a b\"\\\u{1}\u{85}é\u{10ffff}"),
            r#""a b\"\\\x01\u0085é\U0010ffff""#
        );
        assert_eq!(quote_rune('\u{feff}'), r"'\ufeff'");
        assert_eq!(quote_rune('\u{b}'), r"'\v'");
    }

    #[test]
    fn decode_rune_is_bytewise_on_invalid_input() {
        assert_eq!(decode_rune(b"\xe2\x82a"), (char::REPLACEMENT_CHARACTER, 1));
        assert_eq!(decode_rune("é".as_bytes()), ('é', 2));
        assert_eq!(
            decode_rune(b"\xed\xa0\x80"),
            (char::REPLACEMENT_CHARACTER, 1)
        );
    }
}
