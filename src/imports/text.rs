//! Byte-level text helpers with Go's semantics: source files are bytes that
//! may hold invalid UTF-8, and Go's `bytes.TrimSpace`, `strings.Fields` and
//! `utf8.DecodeRune` treat each invalid byte as a one-byte `U+FFFD` that is
//! neither a space nor a letter.

use super::tagrunes::TAG_RUNES;

/// Decodes the rune at the start of `b`: `(Some(c), len)` for valid UTF-8,
/// `(None, 1)` for an invalid byte (Go's `RuneError, 1`), `(None, 0)` at the
/// end of input.
pub(super) fn decode_rune(b: &[u8]) -> (Option<char>, usize) {
    let Some(&first) = b.first() else {
        return (None, 0);
    };
    if first < 0x80 {
        return (Some(first as char), 1);
    }
    let want = match first {
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => return (None, 1),
    };
    match b.get(..want).and_then(|s| std::str::from_utf8(s).ok()) {
        Some(s) => (s.chars().next(), want),
        None => (None, 1),
    }
}

/// Decodes the rune at the end of `b`, like Go's `utf8.DecodeLastRune`.
fn decode_last_rune(b: &[u8]) -> (Option<char>, usize) {
    if b.is_empty() {
        return (None, 0);
    }
    let lo = b.len().saturating_sub(4);
    for start in (lo..b.len()).rev() {
        let (c, n) = decode_rune(&b[start..]);
        if c.is_some() && start + n == b.len() {
            return (c, n);
        }
    }
    (None, 1)
}

/// Go's `unicode.IsSpace`; Rust's `char::is_whitespace` is the same set
/// (Unicode `White_Space`).
pub(super) fn is_space(c: char) -> bool {
    c.is_whitespace()
}

/// Go's `bytes.TrimSpace`.
pub(super) fn trim_space(mut b: &[u8]) -> &[u8] {
    loop {
        match decode_rune(b) {
            (Some(c), n) if is_space(c) => b = &b[n..],
            _ => break,
        }
    }
    loop {
        match decode_last_rune(b) {
            (Some(c), n) if is_space(c) => b = &b[..b.len() - n],
            _ => break,
        }
    }
    b
}

/// Go's `strings.Fields`: the non-empty runs between Unicode spaces.
pub(super) fn fields(b: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut start = None;
    let mut i = 0;
    while i < b.len() {
        let (c, n) = decode_rune(&b[i..]);
        let space = c.is_some_and(is_space);
        match (space, start) {
            (true, Some(s)) => {
                out.push(&b[s..i]);
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
        i += n;
    }
    if let Some(s) = start {
        out.push(&b[s..]);
    }
    out
}

/// Whether `c` may appear in a build tag: Go's `unicode.IsLetter`,
/// `unicode.IsDigit`, `_` or `.`.
pub(super) fn is_tag_char(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric() || c == '_' || c == '.';
    }
    let u = c as u32;
    TAG_RUNES
        .binary_search_by(|&(lo, hi)| {
            if hi < u {
                std::cmp::Ordering::Less
            } else if lo > u {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

/// Whether every rune of `b` is a tag character (invalid UTF-8 is not).
pub(super) fn all_tag_chars(b: &[u8]) -> bool {
    let mut i = 0;
    while i < b.len() {
        let (c, n) = decode_rune(&b[i..]);
        if !c.is_some_and(is_tag_char) {
            return false;
        }
        i += n;
    }
    true
}

/// Go's `strconv.Unquote` over bytes: `"…"` with escapes, `` `…` `` raw
/// (carriage returns dropped), `'…'` a single rune. `None` on a syntax error.
/// Invalid UTF-8 in a `"` literal becomes `U+FFFD`, as in Go.
pub(super) fn unquote(s: &[u8]) -> Option<Vec<u8>> {
    let (&quote, rest) = s.split_first()?;
    if s.len() < 2 {
        return None;
    }
    match quote {
        b'`' => {
            let body = &rest[..rest.len() - 1];
            if rest.last() != Some(&b'`') || body.contains(&b'`') {
                return None;
            }
            Some(body.iter().copied().filter(|&b| b != b'\r').collect())
        }
        b'"' | b'\'' => {
            let mut out = Vec::new();
            let mut i = 1;
            let mut count = 0;
            loop {
                let &c = s.get(i)?;
                if c == quote {
                    break;
                }
                if quote == b'\'' && count == 1 {
                    return None;
                }
                if c == b'\n' {
                    return None;
                }
                i += unquote_char(&s[i..], quote, &mut out)?;
                count += 1;
            }
            if i + 1 != s.len() || (quote == b'\'' && count != 1) {
                return None;
            }
            Some(out)
        }
        _ => None,
    }
}

/// One character of a quoted literal (Go's `strconv.UnquoteChar`): appends
/// its value to `out` and returns how many bytes it used.
fn unquote_char(s: &[u8], quote: u8, out: &mut Vec<u8>) -> Option<usize> {
    let c = *s.first()?;
    if c >= 0x80 {
        let (r, n) = decode_rune(s);
        let mut buf = [0u8; 4];
        out.extend_from_slice(r.unwrap_or('\u{FFFD}').encode_utf8(&mut buf).as_bytes());
        return Some(n);
    }
    if c != b'\\' {
        out.push(c);
        return Some(1);
    }
    let e = *s.get(1)?;
    let simple = match e {
        b'a' => Some(7),
        b'b' => Some(8),
        b'f' => Some(12),
        b'n' => Some(b'\n'),
        b'r' => Some(b'\r'),
        b't' => Some(b'\t'),
        b'v' => Some(11),
        b'\\' => Some(b'\\'),
        b'\'' | b'"' if e == quote => Some(e),
        _ => None,
    };
    if let Some(v) = simple {
        out.push(v);
        return Some(2);
    }
    match e {
        b'x' | b'u' | b'U' => {
            let n = match e {
                b'x' => 2,
                b'u' => 4,
                _ => 8,
            };
            let digits = s.get(2..2 + n)?;
            let mut v: u32 = 0;
            for &d in digits {
                v = (v << 4) | (d as char).to_digit(16)?;
            }
            if e == b'x' {
                out.push(v as u8);
            } else {
                let ch = char::from_u32(v)?;
                let mut buf = [0u8; 4];
                out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
            }
            Some(2 + n)
        }
        b'0'..=b'7' => {
            let digits = s.get(1..4)?;
            let mut v: u32 = 0;
            for &d in digits {
                if !(b'0'..=b'7').contains(&d) {
                    return None;
                }
                v = (v << 3) | u32::from(d - b'0');
            }
            if v > 255 {
                return None;
            }
            out.push(v as u8);
            Some(4)
        }
        _ => None,
    }
}

/// Bytes to a `String`, replacing invalid UTF-8 with `U+FFFD`.
pub(super) fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_unicode_spaces_but_not_invalid_bytes() {
        assert_eq!(trim_space(" \u{a0}x\u{3000}\t".as_bytes()), b"x");
        assert_eq!(trim_space(b" \xffx "), b"\xffx");
        assert_eq!(trim_space(b"   "), b"");
    }

    #[test]
    fn fields_split_on_unicode_space() {
        assert_eq!(
            fields("a  b\u{2003}c ".as_bytes()),
            vec![&b"a"[..], b"b", b"c"]
        );
        assert!(fields(b"  ").is_empty());
    }

    #[test]
    fn tag_chars_follow_go_categories() {
        assert!(is_tag_char('a') && is_tag_char('9') && is_tag_char('_') && is_tag_char('.'));
        assert!(is_tag_char('é') && is_tag_char('٣')); // L, Nd
        assert!(!is_tag_char('Ⅻ')); // Nl: Rust says alphanumeric, Go says no
        assert!(!is_tag_char('-') && !is_tag_char('$'));
        assert!(!all_tag_chars(b"a\xff"));
    }

    #[test]
    fn unquote_like_strconv() {
        assert_eq!(unquote(br#""a\tb""#).unwrap(), b"a\tb");
        assert_eq!(unquote(b"`a\\n\rb`").unwrap(), b"a\\nb");
        assert_eq!(unquote(br#""\x41\101\u00e9""#).unwrap(), "AAé".as_bytes());
        assert_eq!(unquote(br#"'x'"#).unwrap(), b"x");
        assert!(unquote(br#"'xy'"#).is_none());
        assert!(unquote(br#""\q""#).is_none());
        assert!(unquote(br#""\'""#).is_none());
        assert!(unquote(b"\"a\nb\"").is_none());
        assert!(unquote(br#""abc"#).is_none());
        assert!(unquote(br#""a"b""#).is_none());
        assert!(unquote(br#""\400""#).is_none());
        assert!(unquote(br#""\ud800""#).is_none());
        assert_eq!(unquote(b"\"\xff\"").unwrap(), "\u{FFFD}".as_bytes());
        assert!(unquote(b"\"").is_none());
    }
}
