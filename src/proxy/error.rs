//! Errors from fetching one artifact, written so that a single line tells
//! what was fetched, from where, and how each GOPROXY entry failed.
//!
//! HTTP failures follow cmd/go `web/api.go` (`HTTPError`, `formatErrorDetail`):
//! only 200 is success, 404 and 410 mean "not found", and a `text/plain`
//! error body (charset utf-8, us-ascii or none) is shown, cut at the first
//! blank line, to 8 lines / 648 bytes, and suppressed entirely when it is not
//! valid UTF-8 or holds non-printable characters. modsnap shows that detail
//! quoted and escaped so that the message stays on one line.

use std::fmt;

use super::Artifact;
use super::list::DirectReason;

/// How one request to one proxy entry failed.
#[derive(Debug, Clone)]
pub(crate) enum Cause {
    /// A non-200 HTTP answer.
    Status {
        code: u16,
        reason: String,
        detail: String,
    },
    /// A `file://` artifact that does not exist (Go's synthetic 404).
    FileNotFound,
    /// A `file://` artifact that may not be read (Go's synthetic 403).
    FilePermission,
    /// Any other `file://` read error.
    File(String),
    /// The host name did not resolve.
    Dns(String),
    /// The TCP connection failed (refused, unreachable, ...).
    Connect(String),
    /// The TLS handshake failed (certificate, protocol).
    Tls(String),
    /// No progress within the connect or read timeout.
    Timeout(String),
    /// The connection broke while the response was being read.
    Body(String),
    /// The body ended before its announced Content-Length.
    Truncated { got: u64, want: u64 },
    /// The body exceeds the artifact's size limit.
    TooLarge { zip: bool, limit: u64 },
    /// A redirect was refused.
    Redirect(String),
    /// `http://user:pass@…`: credentials are never sent in clear text.
    InsecureCredentials,
    /// Another request error.
    Other(String),
    /// Writing the downloaded bytes locally failed.
    Local(String),
    /// The request went through an HTTP proxy (HTTPS_PROXY/HTTP_PROXY) and
    /// failed below HTTP: the proxy is named (credentials redacted).
    ViaProxy { proxy: String, cause: Box<Cause> },
    /// One attempt took longer than the per-file deadline.
    Deadline(std::time::Duration),
    /// Not asked: the proxy was marked down earlier in the run (why).
    MarkedDown(String),
}

impl Cause {
    /// The HTTP status, when the server answered with one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Cause::Status { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// Go's "not exist": the next entry is tried even after `,`.
    pub fn is_not_found(&self) -> bool {
        matches!(
            self,
            Cause::Status {
                code: 404 | 410,
                ..
            } | Cause::FileNotFound
        )
    }

    /// Worth retrying the same URL. Failures that will not fix themselves
    /// within a run are not retried, so a `|` list moves on at once: a name
    /// that does not resolve (only a temporary resolver failure is
    /// retried), a refused connection (nothing listens there), a rejected
    /// certificate, and 4xx other than 429.
    pub fn is_transient(&self) -> bool {
        match self {
            Cause::Status { code, .. } => *code == 429 || (500..600).contains(code),
            Cause::Dns(e) => e.to_ascii_lowercase().contains("temporary"),
            Cause::Connect(e) => !e.to_ascii_lowercase().contains("refused"),
            Cause::Timeout(_) | Cause::Body(_) | Cause::Truncated { .. } => true,
            // A server too slow to deliver a file in the deadline will be as
            // slow on a retry.
            // A handshake cut short may be a flaky middlebox; a rejected
            // certificate will not fix itself.
            Cause::Tls(e) => !e.to_ascii_lowercase().contains("certificate"),
            Cause::ViaProxy { cause, .. } => cause.is_transient(),
            _ => false,
        }
    }
}

impl Cause {
    /// A failure to reach the proxy at all (DNS, connect, TLS, no answer in
    /// time), as opposed to an answer: what marks a proxy down for the run.
    pub fn is_connection_level(&self) -> bool {
        match self {
            Cause::Dns(_) | Cause::Connect(_) | Cause::Tls(_) | Cause::Timeout(_) => true,
            Cause::ViaProxy { cause, .. } => cause.is_connection_level(),
            _ => false,
        }
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cause::Status {
                code,
                reason,
                detail,
            } => {
                write!(f, "{code} {reason}")?;
                if !detail.is_empty() {
                    write!(f, ", server response: {detail:?}")?;
                }
                if *code == 401 {
                    f.write_str("; the server wants credentials: give them through GOAUTH (`.netrc` with `machine <host[:port]>`, `git <dir>`, or a command; see `go help goauth`) or userinfo in the GOPROXY URL")?;
                }
                Ok(())
            }
            Cause::FileNotFound => f.write_str("no such file (404 Not Found)"),
            Cause::FilePermission => f.write_str("permission denied (403 Forbidden)"),
            Cause::File(e) => write!(f, "cannot read file: {e}"),
            Cause::Dns(e) => write!(f, "DNS lookup failed: {e}"),
            Cause::Connect(e) => write!(f, "cannot connect: {e}"),
            Cause::Tls(e) => write!(f, "TLS handshake failed: {e}"),
            Cause::Timeout(e) if e.is_empty() => f.write_str("timed out waiting for the server"),
            Cause::Timeout(e) => write!(f, "timed out: {e}"),
            Cause::Body(e) => write!(f, "connection broke while reading the response: {e}"),
            Cause::Truncated { got, want } => write!(
                f,
                "response body ended after {got} of {want} bytes (Content-Length)"
            ),
            Cause::TooLarge { zip: true, .. } => f.write_str("downloaded zip file too large"),
            Cause::TooLarge { zip: false, limit } => {
                write!(f, "downloaded file too large (limit {limit} bytes)")
            }
            Cause::Redirect(e) => write!(f, "redirect refused: {e}"),
            Cause::InsecureCredentials => {
                f.write_str("refusing to pass credentials to insecure URL (use https://)")
            }
            Cause::Other(e) => f.write_str(e),
            Cause::Local(e) => write!(f, "cannot write the download: {e}"),
            Cause::Deadline(d) => write!(
                f,
                "the download took longer than {} s (the per-file deadline; raise it with --timeout)",
                d.as_secs()
            ),
            Cause::MarkedDown(reason) => write!(
                f,
                "skipped: this proxy was marked down earlier in the run ({reason})"
            ),
            Cause::ViaProxy { proxy, cause } => write!(
                f,
                "through the HTTP proxy {proxy} (from HTTPS_PROXY/HTTP_PROXY): {cause}; the proxy failed or could not reach the server"
            ),
        }
    }
}

/// What happened at one GOPROXY entry.
#[derive(Debug, Clone)]
pub(crate) enum Outcome {
    /// A proxy request failed (after `retries` retries).
    Proxy {
        /// What was requested: the redacted URL, or `file://…` path.
        url: String,
        cause: Cause,
        retries: u32,
    },
    /// `off`.
    Off,
    /// `direct`, or a GONOPROXY match.
    Direct(DirectReason),
}

impl Outcome {
    fn is_not_found(&self) -> bool {
        match self {
            Outcome::Proxy { cause, .. } => cause.is_not_found(),
            Outcome::Off => true,
            Outcome::Direct(_) => false,
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Proxy {
                url,
                cause,
                retries,
            } => {
                let verb = if url.starts_with("file:") {
                    "read"
                } else {
                    "GET"
                };
                write!(f, "{verb} {url}: {cause}")?;
                match retries {
                    0 => Ok(()),
                    1 => f.write_str(" (after 1 retry)"),
                    n => write!(f, " (after {n} retries)"),
                }
            }
            Outcome::Off => f.write_str("module lookup disabled by GOPROXY=off"),
            Outcome::Direct(reason) => write!(
                f,
                "this module would be fetched directly from version control because {reason}; modsnap does not fetch from version control (no VCS/direct mode): {}",
                reason.hint()
            ),
        }
    }
}

/// Fetching one artifact failed at every GOPROXY entry that was tried.
///
/// `Display` is one line: `<module>@<version> <artifact>: <entry failure>;
/// then <entry failure>…`, each failure naming the (redacted) URL, the
/// cause (DNS, connect, TLS, timeout, HTTP status with the start of the
/// server's message, …) and the retries made.
#[derive(Debug, Clone)]
pub struct FetchError {
    pub(crate) path: String,
    pub(crate) version: String,
    pub(crate) what: Artifact,
    pub(crate) kind: ErrorKind,
}

#[derive(Debug, Clone)]
pub(crate) enum ErrorKind {
    /// The module path or version cannot be put in a proxy URL.
    Invalid(String),
    /// What each GOPROXY entry said, in order.
    Tried(Vec<Outcome>),
}

impl FetchError {
    /// True when every GOPROXY entry tried said "not found" (HTTP 404/410,
    /// a missing `file://` file) or was `off`: the artifact does not exist
    /// as far as this configuration can tell.
    pub fn is_not_found(&self) -> bool {
        match &self.kind {
            ErrorKind::Invalid(_) => false,
            ErrorKind::Tried(outcomes) => {
                !outcomes.is_empty() && outcomes.iter().all(Outcome::is_not_found)
            }
        }
    }

    /// True when the module would have to be fetched `direct` (from version
    /// control), which modsnap does not do.
    pub fn is_direct(&self) -> bool {
        matches!(&self.kind, ErrorKind::Tried(o) if o.iter().any(|o| matches!(o, Outcome::Direct(_))))
    }

    /// The module path.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The version (empty for [`Artifact::List`]).
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The artifact.
    pub fn artifact(&self) -> Artifact {
        self.what
    }

    /// The first URL that was tried and failed (credentials masked).
    pub fn first_url(&self) -> Option<String> {
        match &self.kind {
            ErrorKind::Tried(outcomes) => outcomes.iter().find_map(|o| match o {
                Outcome::Proxy { url, .. } => Some(url.clone()),
                _ => None,
            }),
            ErrorKind::Invalid(_) => None,
        }
    }
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.what {
            Artifact::List => write!(f, "{} {}: ", self.path, self.what)?,
            _ => write!(f, "{}@{} {}: ", self.path, self.version, self.what)?,
        }
        match &self.kind {
            ErrorKind::Invalid(e) => f.write_str(e),
            ErrorKind::Tried(outcomes) => {
                for (i, o) in outcomes.iter().enumerate() {
                    if i > 0 {
                        f.write_str("; then ")?;
                    }
                    write!(f, "{o}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for FetchError {}

/// Maximum lines of a server's error message shown (Go's
/// `maxErrorDetailLines`).
const MAX_DETAIL_LINES: usize = 8;
/// Maximum bytes of a server's error message shown (`maxErrorDetailBytes`).
const MAX_DETAIL_BYTES: usize = MAX_DETAIL_LINES * 81;
/// How much of an error body is read at most.
pub(crate) const DETAIL_READ_LIMIT: usize = 4096;

/// Whether an error body with this Content-Type is shown at all: only
/// `text/plain` with charset utf-8, us-ascii or none.
pub(crate) fn detail_allowed(content_type: Option<&str>) -> bool {
    let Some(ct) = content_type else {
        return false;
    };
    let mut parts = ct.split(';');
    let media = parts.next().unwrap_or("").trim();
    if !media.eq_ignore_ascii_case("text/plain") {
        return false;
    }
    for p in parts {
        if let Some((k, v)) = p.split_once('=')
            && k.trim().eq_ignore_ascii_case("charset")
        {
            let v = v.trim().trim_matches('"').to_ascii_lowercase();
            return v.is_empty() || v == "utf-8" || v == "us-ascii";
        }
    }
    true
}

/// The part of an error body that is shown, by Go's rules; lines are
/// joined with `\n\t` as Go does (the caller escapes it onto one line).
/// `complete` is false when the body was cut at [`DETAIL_READ_LIMIT`]: a
/// UTF-8 sequence split by the cut is then dropped rather than rejected.
pub(crate) fn format_detail(body: &[u8], complete: bool) -> String {
    let text = match std::str::from_utf8(body) {
        Ok(t) => t,
        Err(e) if !complete && e.error_len().is_none() => {
            // Cut in the middle of a character by our read limit.
            std::str::from_utf8(&body[..e.valid_up_to()]).unwrap_or("")
        }
        Err(_) => return String::new(),
    };
    if text.chars().any(|c| !is_graphic_or_space(c)) {
        return String::new();
    }
    let mut out = String::new();
    for (i, line) in text.split('\n').enumerate() {
        if line.trim().is_empty() {
            break;
        }
        if i > 0 {
            out.push_str("\n\t");
        }
        if i >= MAX_DETAIL_LINES {
            out.push_str("[Truncated: too many lines.]");
            break;
        }
        if out.len() + line.len() > MAX_DETAIL_BYTES {
            out.push_str("[Truncated: too long.]");
            break;
        }
        out.push_str(line);
    }
    out
}

/// An approximation of Go's `unicode.IsGraphic(c) || unicode.IsSpace(c)`:
/// rejects control characters other than white space, and the format
/// characters that can reorder or hide terminal text.
fn is_graphic_or_space(c: char) -> bool {
    if c.is_whitespace() {
        return !matches!(c, '\u{2028}' | '\u{2029}');
    }
    !c.is_control()
        && !matches!(c,
            '\u{00AD}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{E000}'..='\u{F8FF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detail_is_cut_at_the_first_blank_line() {
        assert_eq!(
            format_detail(b"not found: x\n\nmore\n", true),
            "not found: x"
        );
        assert_eq!(format_detail(b"a\nb\n", true), "a\n\tb");
        assert_eq!(format_detail(b"\nhidden", true), "");
        assert_eq!(format_detail(b"a\n   \nb", true), "a");
    }

    #[test]
    fn detail_is_limited_to_8_lines_and_648_bytes() {
        let many: String = (0..12).map(|i| format!("line {i}\n")).collect();
        let d = format_detail(many.as_bytes(), true);
        assert_eq!(d.matches("\n\t").count(), 8);
        assert!(d.ends_with("line 7\n\t[Truncated: too many lines.]"), "{d}");

        let long = "x".repeat(700);
        assert_eq!(
            format_detail(long.as_bytes(), true),
            "[Truncated: too long.]"
        );
        let two = format!("{}\n{}", "a".repeat(600), "b".repeat(60));
        assert_eq!(
            format_detail(two.as_bytes(), true),
            format!("{}\n\t[Truncated: too long.]", "a".repeat(600))
        );
    }

    #[test]
    fn unprintable_or_invalid_bodies_are_suppressed() {
        assert_eq!(format_detail(b"evil \x1b[31mred", true), "");
        assert_eq!(format_detail(b"\xff\xfe", true), "");
        assert_eq!(format_detail("bidi \u{202E}trick".as_bytes(), true), "");
        assert_eq!(
            format_detail("caf\u{e9}\ttab".as_bytes(), true),
            "caf\u{e9}\ttab"
        );
        // A character split by the read limit is dropped, not fatal.
        let mut cut = b"ok ".to_vec();
        cut.extend_from_slice(&"\u{e9}".as_bytes()[..1]);
        assert_eq!(format_detail(&cut, false), "ok ");
        assert_eq!(format_detail(&cut, true), "");
    }

    #[test]
    fn only_plain_text_bodies_are_shown() {
        assert!(detail_allowed(Some("text/plain")));
        assert!(detail_allowed(Some("text/plain; charset=utf-8")));
        assert!(detail_allowed(Some("Text/Plain; Charset=\"US-ASCII\"")));
        assert!(!detail_allowed(Some("text/plain; charset=latin1")));
        assert!(!detail_allowed(Some("text/html")));
        assert!(!detail_allowed(None));
    }

    #[test]
    fn causes_classify() {
        let status = |code| Cause::Status {
            code,
            reason: String::new(),
            detail: String::new(),
        };
        assert!(status(404).is_not_found() && !status(404).is_transient());
        assert!(status(410).is_not_found());
        assert!(!status(403).is_not_found() && !status(403).is_transient());
        assert!(status(429).is_transient() && status(500).is_transient());
        assert!(status(503).is_transient() && !status(501).is_not_found());
        assert!(Cause::FileNotFound.is_not_found());
        assert!(!Cause::FilePermission.is_not_found());
        assert!(Cause::Truncated { got: 1, want: 2 }.is_transient());
        assert!(
            !Cause::TooLarge {
                zip: true,
                limit: 1
            }
            .is_transient()
        );
        assert!(!Cause::Tls("invalid peer certificate: UnknownIssuer".into()).is_transient());
        assert!(Cause::Tls("tls handshake eof".into()).is_transient());
        assert!(
            !Cause::Dns("failed to lookup address information: Name or service not known".into())
                .is_transient()
        );
        assert!(
            Cause::Dns(
                "failed to lookup address information: Temporary failure in name resolution".into()
            )
            .is_transient()
        );
        assert!(
            !Cause::Connect("tcp connect error: Connection refused (os error 111)".into())
                .is_transient()
        );
        assert!(
            Cause::Connect("tcp connect error: Network is unreachable (os error 101)".into())
                .is_transient()
        );
    }
}
