//! What a request asks for, read without trusting a byte of it: the
//! request target turned into a [`ProxyFile`] (or refused), and the
//! headers `serve` honours (`Range`, `If-None-Match`, `If-Modified-Since`,
//! `If-Range`, `Accept-Encoding`), each by RFC 9110's rules.
//!
//! The path is percent-decoded here and then parsed by
//! [`crate::goproxy::parse`], the one GOPROXY layout parser; no filesystem
//! path is ever built from it. Refused before parsing: a target longer than
//! [`MAX_TARGET`], a malformed `%` escape, an encoded `/` (`%2F`: a path
//! component must not hide a separator), NUL and other control characters,
//! and bytes that are not UTF-8. The parser then refuses `..`, `.`, empty
//! components, backslashes, invalid `!` escapes and upper-case letters.

use std::time::SystemTime;

use crate::goproxy::{self, ProxyFile};

/// The longest request target accepted (path and query), in bytes. Module
/// paths and versions are far shorter; cmd/go's own limits are smaller.
pub const MAX_TARGET: usize = 4096;

/// What the request path names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `/healthz`.
    Health,
    /// A GOPROXY file.
    File(ProxyFile),
}

/// Why a request target is refused (status 400 or 414).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadTarget {
    /// Longer than [`MAX_TARGET`].
    #[error("request target longer than {MAX_TARGET} bytes")]
    TooLong,
    /// Not an absolute path (`*`, an absolute URL, empty).
    #[error("request target is not an absolute path")]
    NotAbsolute,
    /// A `%` not followed by two hex digits.
    #[error("malformed percent-escape")]
    BadEscape,
    /// `%2F` or `%5C`: a separator hidden in a component.
    #[error("encoded slash or backslash")]
    EncodedSlash,
    /// NUL or another control character, or bytes that are not UTF-8.
    #[error("control character or invalid UTF-8 in path")]
    BadBytes,
    /// Not a GOPROXY file.
    #[error("{0}")]
    Layout(#[from] goproxy::LayoutError),
}

impl BadTarget {
    /// The HTTP status for this refusal.
    pub fn status(&self) -> u16 {
        match self {
            BadTarget::TooLong => 414,
            _ => 400,
        }
    }
}

/// Reads a request target (`/path?query`; the query is ignored, as the
/// go command sends none).
pub fn parse_target(target: &str) -> Result<Target, BadTarget> {
    if target.len() > MAX_TARGET {
        return Err(BadTarget::TooLong);
    }
    let path = target.split_once('?').map_or(target, |(p, _)| p);
    let Some(raw) = path.strip_prefix('/') else {
        return Err(BadTarget::NotAbsolute);
    };
    let decoded = percent_decode(raw)?;
    if decoded.chars().any(char::is_control) {
        return Err(BadTarget::BadBytes);
    }
    if decoded == "healthz" {
        return Ok(Target::Health);
    }
    Ok(Target::File(goproxy::parse(&decoded)?))
}

fn percent_decode(raw: &str) -> Result<String, BadTarget> {
    if !raw.contains('%') {
        return Ok(raw.to_string());
    }
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'%' {
            out.push(bytes[i]);
            i += 1;
            continue;
        }
        let hex = bytes.get(i + 1..i + 3).ok_or(BadTarget::BadEscape)?;
        let hex = std::str::from_utf8(hex).map_err(|_| BadTarget::BadEscape)?;
        let b = u8::from_str_radix(hex, 16).map_err(|_| BadTarget::BadEscape)?;
        if b == b'/' || b == b'\\' {
            return Err(BadTarget::EncodedSlash);
        }
        out.push(b);
        i += 3;
    }
    String::from_utf8(out).map_err(|_| BadTarget::BadBytes)
}

/// A `Range` request resolved against a file of `len` bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeAnswer {
    /// No usable range (absent, not `bytes=`, several ranges): the whole
    /// file, status 200.
    Whole,
    /// Bytes `start..end` (end exclusive), status 206.
    Part {
        /// First byte.
        start: u64,
        /// One past the last byte.
        end: u64,
    },
    /// No byte of the file is in the range: status 416.
    Unsatisfiable,
}

/// Resolves a `Range` header value (RFC 9110 §14.1.2, one range only; a
/// multi-range request gets the whole file, which §14.2 allows).
pub fn parse_range(value: &str, len: u64) -> RangeAnswer {
    let Some(spec) = value.trim().strip_prefix("bytes=") else {
        return RangeAnswer::Whole;
    };
    if spec.contains(',') {
        return RangeAnswer::Whole;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return RangeAnswer::Whole;
    };
    let num = |s: &str| -> Option<u64> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse().ok()
    };
    match (first.trim(), last.trim()) {
        ("", suffix) => match num(suffix) {
            Some(0) => RangeAnswer::Unsatisfiable,
            Some(n) if len > 0 => RangeAnswer::Part {
                start: len.saturating_sub(n),
                end: len,
            },
            Some(_) => RangeAnswer::Unsatisfiable,
            None => RangeAnswer::Whole,
        },
        (a, b) => {
            let Some(start) = num(a) else {
                return RangeAnswer::Whole;
            };
            let end = if b.is_empty() {
                len
            } else {
                match num(b) {
                    Some(last) if last >= start => last.saturating_add(1).min(len),
                    _ => return RangeAnswer::Whole,
                }
            };
            if start >= len {
                RangeAnswer::Unsatisfiable
            } else {
                RangeAnswer::Part { start, end }
            }
        }
    }
}

/// Whether an `If-None-Match` value matches `etag` (weak comparison, as
/// RFC 9110 §13.1.2 asks for it).
pub fn none_match(value: &str, etag: &str) -> bool {
    let strip = |t: &str| t.trim().trim_start_matches("W/").to_string();
    let want = strip(etag);
    value.split(',').map(strip).any(|t| t == "*" || t == want)
}

/// Whether a resource modified at `modified` counts as unchanged for an
/// `If-Modified-Since` value (an unparsable date is ignored).
pub fn not_modified_since(value: &str, modified: SystemTime) -> bool {
    let Ok(since) = httpdate::parse_http_date(value.trim()) else {
        return false;
    };
    // HTTP dates have whole seconds.
    let secs = |t: SystemTime| {
        t.duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
    };
    secs(modified) <= secs(since)
}

/// Whether `Accept-Encoding` accepts gzip (`gzip` or `*` with a q-value
/// above zero).
pub fn accepts_gzip(value: &str) -> bool {
    let mut star = None;
    for part in value.split(',') {
        let mut fields = part.split(';');
        let coding = fields.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = fields
            .filter_map(|p| p.trim().strip_prefix("q="))
            .filter_map(|q| q.trim().parse::<f32>().ok())
            .next()
            .unwrap_or(1.0);
        match coding.as_str() {
            "gzip" | "x-gzip" => return q > 0.0,
            "*" => star = Some(q > 0.0),
            _ => {}
        }
    }
    star.unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::goproxy::Artifact;
    use crate::module::ModVersion;

    #[test]
    fn targets_are_parsed_or_refused() {
        assert_eq!(
            parse_target("/example.com/!upper/@v/v1.0.0+incompatible.zip"),
            Ok(Target::File(ProxyFile::Version {
                module: ModVersion::new("example.com/Upper", "v1.0.0+incompatible"),
                artifact: Artifact::Zip,
            }))
        );
        // An escaped `!` and `+` decode to the same file.
        assert_eq!(
            parse_target("/example.com/%21upper/@v/v1.0.0%2Bincompatible.zip"),
            parse_target("/example.com/!upper/@v/v1.0.0+incompatible.zip")
        );
        assert_eq!(parse_target("/healthz?x=1"), Ok(Target::Health));
        assert!(matches!(
            parse_target("/example.com/m/@latest"),
            Ok(Target::File(ProxyFile::Latest { .. }))
        ));
        for (bad, want) in [
            ("/example.com/../etc/@v/list", 400),
            ("/example.com/%2e%2e/etc/@v/list", 400),
            ("/example.com%2fm/@v/list", 400),
            ("/example.com%5cm/@v/list", 400),
            ("/example.com/m/@v/v1.0.0.zip%00", 400),
            ("/example.com/m/@v/%zz.zip", 400),
            ("/example.com/m/@v/%e", 400),
            ("/example.com/m/@v/%ff.zip", 400),
            ("/example.com/!!m/@v/list", 400),
            ("/example.com/Upper/@v/list", 400),
            ("/example.com//m/@v/list", 400),
            ("/example.com/m/@v/v1.0.0.exe", 400),
            ("*", 400),
            ("http://evil/x", 400),
        ] {
            let got = parse_target(bad).expect_err(bad);
            assert_eq!(got.status(), want, "{bad}: {got}");
        }
        let long = format!("/{}/@v/list", "a".repeat(MAX_TARGET));
        assert_eq!(parse_target(&long), Err(BadTarget::TooLong));
    }

    #[test]
    fn ranges_follow_rfc_9110() {
        use RangeAnswer::*;
        assert_eq!(parse_range("bytes=0-9", 100), Part { start: 0, end: 10 });
        assert_eq!(
            parse_range("bytes=90-", 100),
            Part {
                start: 90,
                end: 100
            }
        );
        assert_eq!(
            parse_range("bytes=90-200", 100),
            Part {
                start: 90,
                end: 100
            }
        );
        assert_eq!(
            parse_range("bytes=-10", 100),
            Part {
                start: 90,
                end: 100
            }
        );
        assert_eq!(parse_range("bytes=-200", 100), Part { start: 0, end: 100 });
        assert_eq!(parse_range("bytes=100-", 100), Unsatisfiable);
        assert_eq!(parse_range("bytes=-0", 100), Unsatisfiable);
        assert_eq!(parse_range("bytes=0-1,5-6", 100), Whole);
        assert_eq!(parse_range("bytes=9-3", 100), Whole);
        assert_eq!(parse_range("items=0-1", 100), Whole);
        assert_eq!(parse_range("bytes=x-1", 100), Whole);
        assert_eq!(parse_range("bytes=0-0", 0), Unsatisfiable);
    }

    #[test]
    fn validators_and_encodings() {
        assert!(none_match("\"a\", \"b\"", "\"b\""));
        assert!(none_match("W/\"b\"", "\"b\""));
        assert!(none_match("*", "\"b\""));
        assert!(!none_match("\"c\"", "\"b\""));
        let t = httpdate::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        assert!(not_modified_since("Sun, 06 Nov 1994 08:49:37 GMT", t));
        assert!(!not_modified_since("Sun, 06 Nov 1994 08:49:36 GMT", t));
        assert!(!not_modified_since("yesterday", t));
        assert!(accepts_gzip("gzip, deflate, br"));
        assert!(accepts_gzip("br;q=1.0, gzip;q=0.5"));
        assert!(!accepts_gzip("gzip;q=0"));
        assert!(accepts_gzip("*"));
        assert!(!accepts_gzip("identity"));
        assert!(!accepts_gzip(""));
    }
}
