//! One HTTP GET (or HEAD) against a proxy, streamed into a file (cmd/go
//! `web/http.go` `get`, `securityPreservingHTTPClient`; `modfetch/proxy.go`
//! `getBody`, `Zip`).
//!
//! - Only status 200 is success; any other status is an error carrying the
//!   start of a plain-text body (see [`super::error`]).
//! - Redirects: at most 10 requests in a chain, and never from an https URL
//!   to a non-https one.
//! - Timeouts: a connect timeout, and a read timeout that limits the *idle*
//!   time between reads, so a large zip on a slow link is never cut off by a
//!   total deadline (crates.md §2.3).
//! - TLS: rustls with the OS trust store plus the caller's extra PEM files
//!   (crates.md §2.4). HTTP proxies: [`super::httpproxy`], never reqwest's
//!   own environment handling.
//!
//! Retrying is the caller's job ([`super::retry`]); this module only
//! classifies each failure.

use std::error::Error as _;
use std::path::Path;
use std::time::Duration;

use crate::dirhash::Digester;
use reqwest::{StatusCode, Url};
use tokio::io::AsyncWriteExt;

use super::auth::Credential;
use super::error::{Cause, DETAIL_READ_LIMIT, detail_allowed, format_detail};
use super::httpproxy::ProxyRules;
use super::list::ProxyConfigError;
use super::redact::redact;
use super::retry::parse_retry_after;

/// Where and how a download is written.
pub(crate) struct Sink<'a> {
    pub dest: Dest<'a>,
    /// Bodies larger than this fail.
    pub limit: u64,
    /// Whether the artifact is a zip (for Go's "zip file too large" text).
    pub zip: bool,
    pub progress: &'a (dyn Fn(u64) + Send + Sync),
}

/// Where a download's bytes go.
#[derive(Clone, Copy)]
pub(crate) enum Dest<'a> {
    /// A file (the caller's temporary file), written from its start.
    File(&'a Path),
    /// Memory, for small files the caller reads at once (the checksum
    /// database's lookups and tiles): no file to create, read back and
    /// remove for each. What a completed attempt received replaces the
    /// contents.
    Memory(&'a std::sync::Mutex<Vec<u8>>),
}

/// A [`Dest`] open for one attempt.
pub(crate) enum Writer<'a> {
    File {
        file: tokio::fs::File,
        path: &'a Path,
    },
    Memory {
        buf: Vec<u8>,
        into: &'a std::sync::Mutex<Vec<u8>>,
    },
}

impl<'a> Writer<'a> {
    /// Opens `dest` for an attempt, emptied.
    pub(crate) async fn open(dest: Dest<'a>) -> Result<Writer<'a>, Cause> {
        Ok(match dest {
            Dest::File(path) => Writer::File {
                file: open_sink(path).await.map_err(|e| local_cause(path, &e))?,
                path,
            },
            Dest::Memory(into) => Writer::Memory {
                buf: Vec::new(),
                into,
            },
        })
    }

    pub(crate) async fn write(&mut self, data: &[u8]) -> Result<(), Cause> {
        match self {
            Writer::File { file, path } => file
                .write_all(data)
                .await
                .map_err(|e| local_cause(path, &e)),
            Writer::Memory { buf, .. } => {
                buf.extend_from_slice(data);
                Ok(())
            }
        }
    }

    /// Ends a complete attempt: the file flushed, or the bytes handed over.
    pub(crate) async fn finish(self) -> Result<(), Cause> {
        match self {
            Writer::File { mut file, path } => {
                file.flush().await.map_err(|e| local_cause(path, &e))
            }
            Writer::Memory { buf, into } => {
                let mut got = into
                    .lock()
                    .map_err(|_| Cause::Local("download buffer lock poisoned".into()))?;
                *got = buf;
                Ok(())
            }
        }
    }
}

/// A completed download.
pub(crate) struct Done {
    pub size: u64,
    pub digests: crate::dirhash::Digests,
}

/// A failed attempt, with the server's `Retry-After` if it sent one.
pub(crate) struct Failed {
    pub cause: Cause,
    pub retry_after: Option<Duration>,
    /// For a 4xx answer: its status line and headers, as GOAUTH commands
    /// read them on stdin (`HTTP/1.1 401 Unauthorized\nName: value\n\n`).
    pub head: Option<String>,
}

impl From<Cause> for Failed {
    fn from(cause: Cause) -> Failed {
        Failed {
            cause,
            retry_after: None,
            head: None,
        }
    }
}

/// The status line and headers of `resp`, GOAUTH's stdin format.
pub(crate) fn response_head(resp: &reqwest::Response) -> String {
    let mut out = format!("{:?} {}\n", resp.version(), resp.status());
    for (name, value) in resp.headers() {
        out.push_str(&format!(
            "{}: {}\n",
            name.as_str(),
            String::from_utf8_lossy(value.as_bytes())
        ));
    }
    out.push('\n');
    out
}

/// Settings for [`build_client`].
pub(crate) struct ClientSettings<'a> {
    pub connect_timeout: Duration,
    pub read_timeout: Duration,
    pub user_agent: &'a str,
    pub proxies: ProxyRules,
    pub certs: Vec<reqwest::Certificate>,
}

/// Builds the one reqwest client all requests share.
pub(crate) fn build_client(s: ClientSettings<'_>) -> Result<reqwest::Client, ProxyConfigError> {
    let redirects = reqwest::redirect::Policy::custom(|attempt| {
        match refuse_redirect(attempt.previous(), attempt.url()) {
            Some(msg) => attempt.error(msg),
            None => attempt.follow(),
        }
    });
    let mut builder = reqwest::Client::builder()
        .connect_timeout(s.connect_timeout)
        .read_timeout(s.read_timeout)
        .user_agent(s.user_agent)
        .redirect(redirects)
        .http2_adaptive_window(true)
        .tls_certs_merge(s.certs);
    builder = if s.proxies.is_empty() {
        builder.no_proxy()
    } else {
        let rules = s.proxies;
        builder.proxy(reqwest::Proxy::custom(move |url| rules.proxy_for(url)))
    };
    builder
        .build()
        .map_err(|e| ProxyConfigError::Client(describe(&e)))
}

/// Why a redirect to `next` must not be followed, given the URLs requested
/// so far (the first is the original request): Go's `checkRedirect` stops
/// after 10 requests, and `securityPreservingHTTPClient` refuses to leave
/// https.
fn refuse_redirect(previous: &[Url], next: &Url) -> Option<String> {
    if previous.len() >= 10 {
        return Some("stopped after 10 redirects".into());
    }
    let started_secure = previous.first().is_some_and(|u| u.scheme() == "https");
    if started_secure && next.scheme() != "https" {
        let from = previous
            .last()
            .map(|u| redact(u.as_str()))
            .unwrap_or_default();
        return Some(format!(
            "redirected from secure URL {from} to insecure URL {}",
            redact(next.as_str())
        ));
    }
    None
}

/// Reads every CA bundle; a file that cannot be read or holds no
/// certificate is an error naming it.
pub(crate) fn load_certs(
    files: &[std::path::PathBuf],
) -> Result<Vec<reqwest::Certificate>, ProxyConfigError> {
    let mut certs = Vec::new();
    for path in files {
        let bad = |reason: String| ProxyConfigError::CaFile {
            path: path.clone(),
            reason,
        };
        let pem = crate::fsutil::read(path).map_err(|e| bad(e.source.to_string()))?;
        let found = reqwest::Certificate::from_pem_bundle(&pem)
            .map_err(|e| bad(format!("not a PEM certificate bundle: {}", describe(&e))))?;
        if found.is_empty() {
            return Err(bad("no PEM certificates in the file".into()));
        }
        certs.extend(found);
    }
    Ok(certs)
}

/// GETs `url` into `sink`, with `auth`'s headers; `answered` is told
/// whether the answer, if one came, kept its connection open.
pub(crate) async fn get(
    client: &reqwest::Client,
    url: &Url,
    auth: Option<&Credential>,
    sink: &Sink<'_>,
    answered: &(dyn Fn(bool) + Send + Sync),
) -> Result<Done, Failed> {
    let mut req = client.get(url.clone());
    if let Some(auth) = auth {
        req = auth.apply(req);
    }
    let mut resp = req.send().await.map_err(|e| Failed::from(classify(&e)))?;
    answered(keeps_connection(&resp));
    let status = resp.status();
    if status != StatusCode::OK {
        let mut failed = status_failure(resp).await;
        if let (Cause::Status { detail, .. }, Some(auth)) = (&mut failed.cause, auth) {
            *detail = auth.scrub(detail);
        }
        return Err(failed);
    }
    let announced = resp.content_length();
    if announced.is_some_and(|n| n > sink.limit) {
        return Err(too_large(sink).into());
    }
    let mut out = Writer::open(sink.dest).await?;
    let mut hasher = Digester::new();
    let mut size = 0u64;
    loop {
        let chunk = match resp.chunk().await {
            Ok(Some(chunk)) => chunk,
            Ok(None) => break,
            Err(e) => return Err(classify(&e).into()),
        };
        let n = chunk.len() as u64;
        size += n;
        if size > sink.limit {
            return Err(too_large(sink).into());
        }
        hasher.update(&chunk);
        out.write(&chunk).await?;
        (sink.progress)(n);
    }
    if let Some(want) = announced
        && size < want
    {
        return Err(Cause::Truncated { got: size, want }.into());
    }
    out.finish().await?;
    Ok(Done {
        size,
        digests: hasher.finalize(),
    })
}

/// Opens the download's destination for writing from its start, emptied.
/// The caller's temporary file exists already, and opening it with
/// `O_TRUNC` (what `File::create` does) would mark it on ext4 for a
/// writeback when it is closed (`auto_da_alloc`), costing CPU and I/O on
/// every download; only a file a failed attempt left bytes in is truncated.
async fn open_sink(dest: &Path) -> std::io::Result<tokio::fs::File> {
    let file = tokio::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(dest)
        .await?;
    if file.metadata().await?.len() > 0 {
        file.set_len(0).await?;
    }
    Ok(file)
}

/// HEADs `url`: `Ok(Some(len))` on 200 with a Content-Length, `Ok(None)` on
/// 200 without one, `Err` otherwise; `answered` as for [`get`].
pub(crate) async fn head(
    client: &reqwest::Client,
    url: &Url,
    auth: Option<&Credential>,
    answered: &(dyn Fn(bool) + Send + Sync),
) -> Result<Option<u64>, Cause> {
    let mut req = client.head(url.clone());
    if let Some(auth) = auth {
        req = auth.apply(req);
    }
    let resp = req.send().await.map_err(|e| classify(&e))?;
    answered(keeps_connection(&resp));
    if resp.status() != StatusCode::OK {
        return Err(Cause::Status {
            code: resp.status().as_u16(),
            reason: reason(resp.status()),
            detail: String::new(),
        });
    }
    Ok(resp
        .headers()
        .get(reqwest::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok()))
}

/// Whether the connection `resp` came on stays open for another request
/// (RFC 9112 §9.3): HTTP/1.1 unless it says `Connection: close`, HTTP/1.0
/// only when it says `Connection: keep-alive`, HTTP/2 and later always.
pub(crate) fn keeps_connection(resp: &reqwest::Response) -> bool {
    let says = |token: &str| {
        resp.headers()
            .get_all(reqwest::header::CONNECTION)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|t| t.trim().eq_ignore_ascii_case(token))
    };
    match resp.version() {
        reqwest::Version::HTTP_09 => false,
        reqwest::Version::HTTP_10 => says("keep-alive") && !says("close"),
        reqwest::Version::HTTP_11 => !says("close"),
        _ => true,
    }
}

fn too_large(sink: &Sink<'_>) -> Cause {
    Cause::TooLarge {
        zip: sink.zip,
        limit: sink.limit,
    }
}

fn local_cause(dest: &Path, e: &std::io::Error) -> Cause {
    Cause::Local(format!("`{}`: {e}", dest.display()))
}

fn reason(status: StatusCode) -> String {
    status.canonical_reason().unwrap_or("").to_string()
}

/// Turns a non-200 response into a failure, reading the start of a
/// plain-text body for the message.
async fn status_failure(mut resp: reqwest::Response) -> Failed {
    let status = resp.status();
    let head = status.is_client_error().then(|| response_head(&resp));
    let retry_after = resp
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_retry_after);
    let content_type = resp
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let mut detail = String::new();
    if detail_allowed(content_type.as_deref()) {
        let mut body = Vec::new();
        let mut complete = true;
        // A broken error body only loses the detail, never the status.
        while let Ok(Some(chunk)) = resp.chunk().await {
            body.extend_from_slice(&chunk);
            if body.len() >= DETAIL_READ_LIMIT {
                body.truncate(DETAIL_READ_LIMIT);
                complete = false;
                break;
            }
        }
        detail = format_detail(&body, complete);
    }
    Failed {
        cause: Cause::Status {
            code: status.as_u16(),
            reason: reason(status),
            detail,
        },
        retry_after,
        head,
    }
}

/// Classifies a reqwest error by what went wrong.
fn classify(e: &reqwest::Error) -> Cause {
    let text = describe(e);
    let lower = text.to_ascii_lowercase();
    if e.is_redirect() {
        Cause::Redirect(text)
    } else if e.is_timeout() {
        Cause::Timeout(error_chain(e))
    } else if e.is_dns() {
        Cause::Dns(text)
    } else if [
        "certificate",
        "tls",
        "handshake",
        "corrupt message",
        "alert",
    ]
    .iter()
    .any(|k| lower.contains(k))
    {
        Cause::Tls(text)
    } else if e.is_connect() {
        Cause::Connect(text)
    } else if e.is_body() || e.is_decode() || e.is_request() {
        Cause::Body(text)
    } else {
        Cause::Other(text)
    }
}

/// The messages of `e`'s sources, joined with `: `, without reqwest's own
/// top line (it carries the URL) and without hyper's uninformative
/// wrappers; redacted in case a URL slipped in.
pub(crate) fn error_chain(e: &reqwest::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut source = e.source();
    while let Some(s) = source {
        let msg = s.to_string();
        // A source's message may embed its own sources ("a: b"); keep only
        // the part not repeated below.
        let msg = match s.source().map(|inner| inner.to_string()) {
            Some(inner) if !inner.is_empty() && msg.ends_with(&inner) => msg
                [..msg.len() - inner.len()]
                .trim_end_matches([':', ' '])
                .to_string(),
            _ => msg,
        };
        // Wrappers that add nothing: hyper's "client error (Connect)",
        // reqwest's nested kind lines, the resolver's own prefixes.
        let useless = msg.is_empty()
            || msg.starts_with("client error (")
            || [
                "request or response body error",
                "error sending request",
                "error decoding response body",
                "dns error",
                "error resolving DNS",
                "operation timed out",
            ]
            .contains(&msg.as_str());
        if !useless && parts.last() != Some(&msg) {
            parts.push(msg);
        }
        source = s.source();
    }
    redact(&parts.join(": "))
}

/// [`error_chain`], or reqwest's kind line ("error sending request", …)
/// when the chain says nothing more.
pub(crate) fn describe(e: &reqwest::Error) -> String {
    let chain = error_chain(e);
    if chain.is_empty() {
        e.without_url_ref()
    } else {
        chain
    }
}

trait WithoutUrlRef {
    fn without_url_ref(&self) -> String;
}

impl WithoutUrlRef for reqwest::Error {
    fn without_url_ref(&self) -> String {
        let full = self.to_string();
        match full.find(" for url (") {
            Some(i) => full[..i].to_string(),
            None => full,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls(list: &[&str]) -> Vec<Url> {
        list.iter().map(|u| Url::parse(u).unwrap()).collect()
    }

    /// A server that echoes the request's credentials in its error body
    /// never gets them printed.
    #[test]
    fn echoed_credentials_are_scrubbed() {
        use base64::Engine as _;
        let token = base64::engine::general_purpose::STANDARD.encode("ci:hunter2");
        let body = format!(
            "denied: Authorization: Basic {token}\n\tpassword hunter2 rejected; authorization: bearer xyz, retry"
        );
        let got = Credential::basic("ci", Some("hunter2")).scrub(&body);
        assert!(!got.contains("hunter2"), "{got}");
        assert!(!got.contains(&token), "{got}");
        assert!(!got.contains("xyz"), "{got}");
        assert!(got.contains("denied") && got.contains("retry"), "{got}");
        assert_eq!(
            Credential::basic("ci", None).scrub("plain 403"),
            "plain 403"
        );
    }

    #[test]
    fn redirects_never_leave_https() {
        let prev = urls(&["https://p.example/a", "https://cdn.example/b"]);
        let next = Url::parse("http://cdn.example/c").unwrap();
        assert_eq!(
            refuse_redirect(&prev, &next).unwrap(),
            "redirected from secure URL https://cdn.example/b to insecure URL http://cdn.example/c"
        );
        assert!(refuse_redirect(&prev, &Url::parse("https://x.example/").unwrap()).is_none());
        // Starting on http, anything goes (Go checks the original request).
        let prev = urls(&["http://p.example/a"]);
        assert!(refuse_redirect(&prev, &Url::parse("http://q.example/").unwrap()).is_none());
        assert!(refuse_redirect(&prev, &Url::parse("https://q.example/").unwrap()).is_none());
    }

    #[test]
    fn at_most_ten_requests() {
        let nine: Vec<Url> = (0..9)
            .map(|i| Url::parse(&format!("http://h/{i}")).unwrap())
            .collect();
        let next = Url::parse("http://h/next").unwrap();
        assert!(refuse_redirect(&nine, &next).is_none());
        let ten: Vec<Url> = (0..10)
            .map(|i| Url::parse(&format!("http://h/{i}")).unwrap())
            .collect();
        assert_eq!(
            refuse_redirect(&ten, &next).unwrap(),
            "stopped after 10 redirects"
        );
    }

    #[test]
    fn redirect_messages_are_redacted() {
        let prev = urls(&["https://u:pw@p.example/a"]);
        let msg = refuse_redirect(&prev, &Url::parse("http://u:pw@q.example/").unwrap()).unwrap();
        assert!(!msg.contains(":pw@") && msg.contains("xxxxx@"), "{msg}");
    }
}
