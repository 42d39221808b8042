//! The HTTP side of `modsnap serve`: a read-only GOPROXY server
//! (<https://go.dev/ref/mod#goproxy-protocol>) over whatever [`Files`]
//! gives it.
//!
//! Built on hyper (with hyper-util's protocol detection and graceful
//! shutdown) on the tokio runtime modsnap already uses, rather than a web
//! framework: there is no routing to do — every request target goes through
//! [`request::parse_target`] and [`crate::goproxy::parse`], and everything
//! else is header handling that a GOPROXY needs exactly:
//!
//! - HTTP/1.1 with keep-alive, and HTTP/2 (prior knowledge on plain TCP,
//!   ALPN `h2` with TLS); optional TLS with rustls (`--tls-cert/--tls-key`).
//! - GET and HEAD only (405 otherwise); `Content-Length` always;
//!   `Content-Type` by file kind (`application/zip`, `application/json`,
//!   `text/plain; charset=utf-8`, `application/octet-stream` for tiles).
//! - `ETag` and `Last-Modified` from the content (given by [`Files`], so
//!   stable across restarts), `If-None-Match` / `If-Modified-Since` → 304;
//!   `Range` (one range) for zips, with `If-Range`; gzip for text responses
//!   when the client accepts it, never for zips or tiles.
//! - Hostile clients: a header read timeout (slowloris), an idle timeout
//!   (a connection moving no bytes is closed, also mid-response), a bound
//!   on open connections (further ones wait in the listen backlog), and
//!   bodies streamed from the file in chunks — a client that goes away
//!   stops the reads.
//! - One access-log record per request, handed to the caller's logger.
//! - Graceful shutdown: when the shutdown future resolves the listener is
//!   closed (new connections are refused), in-flight responses finish,
//!   idle keep-alive connections are closed.
//!
//! Not here: what is served, and its integrity — [`Files`]
//! (`ops::serve`) answers each [`ProxyFile`] and has verified it first.

pub mod request;

use std::convert::Infallible;
use std::fs::File;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode, header};
use http_body_util::{BodyExt, Full, StreamBody, combinators::UnsyncBoxBody};
use hyper::body::{Frame, Incoming};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;

use crate::goproxy::ProxyFile;
use request::{RangeAnswer, Target};

/// The bytes of a served file.
#[derive(Debug, Clone)]
pub enum Body {
    /// Held in memory (computed lists, small files).
    Memory(Bytes),
    /// `len` bytes of an open file from `offset` (an entry of a `.tar`
    /// archive, or a whole file of a tree).
    File {
        /// The open file (read with positioned reads: shared by requests).
        file: Arc<File>,
        /// Where the bytes start.
        offset: u64,
    },
}

/// What a file is, for `Content-Type` and compression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentKind {
    /// A module zip: `application/zip`, ranges, never compressed.
    Zip,
    /// `.info`, `@latest`: `application/json`.
    Json,
    /// `.mod`, `@v/list`, database lookups: `text/plain; charset=utf-8`.
    Text,
    /// Database tiles: `application/octet-stream`.
    Binary,
}

impl ContentKind {
    fn content_type(self) -> &'static str {
        match self {
            ContentKind::Zip => "application/zip",
            ContentKind::Json => "application/json",
            ContentKind::Text => "text/plain; charset=utf-8",
            ContentKind::Binary => "application/octet-stream",
        }
    }

    fn compressible(self) -> bool {
        matches!(self, ContentKind::Json | ContentKind::Text)
    }
}

/// A file ready to be served: verified, with validators derived from its
/// content.
#[derive(Debug, Clone)]
pub struct Resource {
    /// Its size.
    pub len: u64,
    /// What it is.
    pub kind: ContentKind,
    /// A strong entity tag, quoted (`"…"`), derived from the bytes.
    pub etag: String,
    /// When its content dates from (a version's `.info` time), if known.
    pub modified: Option<SystemTime>,
    /// The bytes.
    pub body: Body,
}

/// The answer to a request for a GOPROXY file.
#[derive(Debug)]
pub enum Found {
    /// Serve this.
    Resource(Resource),
    /// 404 with this one-line body.
    NotFound(String),
    /// Held, but it cannot be served (it failed its integrity check, or
    /// could not be read): 500; the detail is logged, not sent.
    Failed(String),
}

/// What `serve` serves: answers a parsed request path.
pub trait Files: Send + Sync + 'static {
    /// The file `file` names.
    fn find(&self, file: &ProxyFile) -> impl Future<Output = Found> + Send;
}

/// One request, as the access log records it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AccessRecord {
    /// The client's address.
    pub remote: String,
    /// `GET`, `HEAD`, …
    pub method: String,
    /// The request target as sent.
    pub target: String,
    /// `HTTP/1.1`, `HTTP/2.0`.
    pub protocol: String,
    /// The response status.
    pub status: u16,
    /// The response body's length (what was planned to be sent).
    pub bytes: u64,
    /// Time to the response head, in milliseconds.
    pub ms: f64,
    /// Why the request failed, for 4xx/5xx.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// Where access-log records go.
pub type AccessLog = Arc<dyn Fn(&AccessRecord) + Send + Sync>;

/// PEM files for TLS.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    /// The certificate chain.
    pub cert: PathBuf,
    /// The private key.
    pub key: PathBuf,
}

/// How to serve.
#[derive(Clone)]
pub struct ServeOptions {
    /// Where to listen.
    pub listen: SocketAddr,
    /// TLS, if any.
    pub tls: Option<TlsFiles>,
    /// The most connections open at once.
    pub max_connections: usize,
    /// How long a client may take to send a request's headers (and the TLS
    /// handshake).
    pub header_timeout: Duration,
    /// How long a connection may move no bytes before it is closed.
    pub idle_timeout: Duration,
    /// How long shutdown waits for in-flight responses.
    pub drain_timeout: Duration,
    /// Access-log sink (`None`: no access log).
    pub access_log: Option<AccessLog>,
}

/// Why the server could not start or run.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The address cannot be listened on.
    #[error("cannot listen on {addr}: {source}; hint: choose another --listen address or port")]
    Listen {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: io::Error,
    },
    /// The TLS certificate or key is unusable.
    #[error("`{}`: {detail}", path.display())]
    Tls {
        /// The PEM file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
}

impl crate::classify::Classify for ServeError {
    fn class(&self) -> crate::classify::ErrorClass {
        match self {
            ServeError::Listen { .. } => crate::classify::ErrorClass::Failure,
            ServeError::Tls { .. } => crate::classify::ErrorClass::Usage,
        }
    }
}

/// A bound listener, not yet serving.
pub struct Server {
    listener: TcpListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
    opts: ServeOptions,
}

/// What a finished server did.
#[derive(Debug, Clone, Copy, Default)]
pub struct ServeSummary {
    /// Connections accepted.
    pub connections: u64,
    /// Connections still open when the drain timeout ended them.
    pub cut_off: usize,
}

impl Server {
    /// Binds the listen address and loads the TLS files. Must be called on
    /// the runtime.
    pub async fn bind(opts: ServeOptions) -> Result<Server, ServeError> {
        let tls = match &opts.tls {
            Some(files) => Some(tls_acceptor(files)?),
            None => None,
        };
        let listener =
            TcpListener::bind(opts.listen)
                .await
                .map_err(|source| ServeError::Listen {
                    addr: opts.listen,
                    source,
                })?;
        Ok(Server {
            listener,
            tls,
            opts,
        })
    }

    /// The address actually bound (a port of 0 is chosen by the system).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Whether clients must speak TLS.
    pub fn is_tls(&self) -> bool {
        self.tls.is_some()
    }

    /// Serves `files` until `shutdown` resolves, then stops accepting and
    /// lets in-flight responses finish (at most the drain timeout).
    pub async fn run<F: Files>(
        self,
        files: Arc<F>,
        shutdown: impl Future<Output = ()>,
    ) -> ServeSummary {
        let Server {
            listener,
            tls,
            opts,
        } = self;
        let opts = Arc::new(opts);
        let graceful = hyper_util::server::graceful::GracefulShutdown::new();
        let slots = Arc::new(tokio::sync::Semaphore::new(opts.max_connections.max(1)));
        let mut summary = ServeSummary::default();
        tokio::pin!(shutdown);
        loop {
            let permit = tokio::select! {
                p = slots.clone().acquire_owned() => match p {
                    Ok(p) => p,
                    Err(_) => break,
                },
                () = &mut shutdown => break,
            };
            let (stream, remote) = tokio::select! {
                r = listener.accept() => match r {
                    Ok(conn) => conn,
                    Err(e) => {
                        // EMFILE and friends: back off instead of spinning.
                        tracing::warn!("serve: accept failed: {e}");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
                () = &mut shutdown => break,
            };
            summary.connections += 1;
            let _ = stream.set_nodelay(true);
            let watcher = graceful.watcher();
            let files = files.clone();
            let opts = opts.clone();
            let tls = tls.clone();
            tokio::spawn(async move {
                let _permit = permit;
                match tls {
                    None => serve_connection(stream, remote, files, opts, watcher).await,
                    Some(acceptor) => {
                        let handshake =
                            tokio::time::timeout(opts.header_timeout, acceptor.accept(stream))
                                .await;
                        if let Ok(Ok(stream)) = handshake {
                            serve_connection(stream, remote, files, opts, watcher).await;
                        }
                    }
                }
            });
        }
        // New connections are refused from here on.
        drop(listener);
        if tokio::time::timeout(opts.drain_timeout, graceful.shutdown())
            .await
            .is_err()
        {
            summary.cut_off = 1;
        }
        summary
    }
}

fn tls_acceptor(files: &TlsFiles) -> Result<tokio_rustls::TlsAcceptor, ServeError> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let bad = |path: &Path, detail: String| ServeError::Tls {
        path: path.to_owned(),
        detail,
    };
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&files.cert)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| {
            bad(
                &files.cert,
                format!("cannot read the certificate chain: {e}"),
            )
        })?;
    if certs.is_empty() {
        return Err(bad(&files.cert, "no certificate in the file".into()));
    }
    let key = PrivateKeyDer::from_pem_file(&files.key)
        .map_err(|e| bad(&files.key, format!("cannot read the private key: {e}")))?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| bad(&files.cert, e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| bad(&files.key, format!("certificate and key do not fit: {e}")))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}

async fn serve_connection<F, S>(
    stream: S,
    remote: SocketAddr,
    files: Arc<F>,
    opts: Arc<ServeOptions>,
    watcher: hyper_util::server::graceful::Watcher,
) where
    F: Files,
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let started = Instant::now();
    let activity = Arc::new(AtomicU64::new(0));
    let io = TokioIo::new(Tracked {
        inner: stream,
        started,
        last: activity.clone(),
    });
    let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(opts.header_timeout)
        .keep_alive(true);
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_concurrent_streams(128)
        .keep_alive_interval(None);
    let idle = opts.idle_timeout;
    let remote_text = remote.to_string();
    let service = hyper::service::service_fn(move |req: Request<Incoming>| {
        let files = files.clone();
        let opts = opts.clone();
        let remote = remote_text.clone();
        async move { Ok::<_, Infallible>(handle(&*files, &opts, &remote, req).await) }
    });
    let conn = builder.serve_connection(io, service);
    let conn = watcher.watch(conn.into_owned());
    tokio::select! {
        _ = conn => {}
        // Dropping the connection closes it, mid-response too.
        () = idle_watch(started, activity, idle) => {}
    }
}

/// Resolves once the connection has moved no bytes for `idle`.
async fn idle_watch(started: Instant, last: Arc<AtomicU64>, idle: Duration) {
    let idle_ms = idle.as_millis() as u64;
    loop {
        let now = started.elapsed().as_millis() as u64;
        let quiet = now.saturating_sub(last.load(Ordering::Relaxed));
        if quiet >= idle_ms {
            return;
        }
        tokio::time::sleep(Duration::from_millis(idle_ms - quiet)).await;
    }
}

/// A stream that records when bytes last moved.
struct Tracked<S> {
    inner: S,
    started: Instant,
    last: Arc<AtomicU64>,
}

impl<S> Tracked<S> {
    fn touch(&self) {
        self.last
            .store(self.started.elapsed().as_millis() as u64, Ordering::Relaxed);
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Tracked<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(r, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.touch();
        }
        r
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Tracked<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.touch();
        }
        r
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.touch();
        }
        r
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

type RespBody = UnsyncBoxBody<Bytes, io::Error>;

fn full(bytes: impl Into<Bytes>) -> RespBody {
    Full::new(bytes.into())
        .map_err(|never: Infallible| match never {})
        .boxed_unsync()
}

/// The chunk size of streamed bodies.
const CHUNK: usize = 256 * 1024;

/// Bodies up to this size are read in one go.
const SMALL: u64 = 64 * 1024;

fn file_stream(file: Arc<File>, start: u64, end: u64) -> RespBody {
    let stream = futures_util::stream::try_unfold((file, start), move |(file, pos)| async move {
        if pos >= end {
            return Ok(None);
        }
        let want = CHUNK.min((end - pos) as usize);
        let f = file.clone();
        let chunk = tokio::task::spawn_blocking(move || read_exact_at(&f, pos, want))
            .await
            .map_err(io::Error::other)??;
        let n = chunk.len() as u64;
        Ok(Some((Frame::data(chunk), (file, pos + n))))
    });
    StreamBody::new(stream).boxed_unsync()
}

/// Reads `len` bytes at `offset`; a short file is an error (it changed
/// since it was indexed).
fn read_exact_at(file: &File, offset: u64, len: usize) -> io::Result<Bytes> {
    let mut buf = vec![0u8; len];
    let mut done = 0;
    while done < len {
        #[cfg(unix)]
        let r = std::os::unix::fs::FileExt::read_at(file, &mut buf[done..], offset + done as u64);
        #[cfg(windows)]
        let r =
            std::os::windows::fs::FileExt::seek_read(file, &mut buf[done..], offset + done as u64);
        match r {
            Ok(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "file is shorter than when it was indexed",
                ));
            }
            Ok(n) => done += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(Bytes::from(buf))
}

async fn read_body(body: &Body, start: u64, end: u64) -> io::Result<Bytes> {
    match body {
        Body::Memory(b) => Ok(b.slice(start as usize..end as usize)),
        Body::File { file, offset } => {
            let f = file.clone();
            let at = offset + start;
            let len = (end - start) as usize;
            tokio::task::spawn_blocking(move || read_exact_at(&f, at, len))
                .await
                .map_err(io::Error::other)?
        }
    }
}

fn gzip(data: &[u8]) -> io::Result<Vec<u8>> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data)?;
    enc.finish()
}

/// Text responses above this size are not compressed (none is, in
/// practice: go.mod files and lists are small).
const GZIP_MAX: u64 = 1 << 20;

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: RespBody,
    len: u64,
    detail: Option<String>,
}

fn text_answer(status: StatusCode, text: String, detail: Option<String>) -> Answer {
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(ContentKind::Text.content_type()),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    let len = text.len() as u64;
    Answer {
        status,
        headers,
        body: full(text),
        len,
        detail,
    }
}

async fn handle<F: Files>(
    files: &F,
    opts: &ServeOptions,
    remote: &str,
    req: Request<Incoming>,
) -> Response<RespBody> {
    let started = Instant::now();
    let method = req.method().clone();
    let target = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    let head = method == Method::HEAD;
    let answer = answer(files, &req, &method, &target).await;
    if let Some(log) = &opts.access_log {
        log(&AccessRecord {
            remote: remote.to_string(),
            method: method.to_string(),
            target: target.clone(),
            protocol: format!("{:?}", req.version()),
            status: answer.status.as_u16(),
            bytes: answer.len,
            ms: started.elapsed().as_secs_f64() * 1000.0,
            detail: answer.detail.clone(),
        });
    }
    let mut resp = Response::new(if head {
        full(Bytes::new())
    } else {
        answer.body
    });
    *resp.status_mut() = answer.status;
    *resp.headers_mut() = answer.headers;
    if let Ok(v) = HeaderValue::from_str(&answer.len.to_string())
        && answer.status != StatusCode::NOT_MODIFIED
    {
        resp.headers_mut().insert(header::CONTENT_LENGTH, v);
    }
    resp
}

async fn answer<F: Files>(
    files: &F,
    req: &Request<Incoming>,
    method: &Method,
    target: &str,
) -> Answer {
    if method != Method::GET && method != Method::HEAD {
        let mut a = text_answer(
            StatusCode::METHOD_NOT_ALLOWED,
            "method not allowed: this GOPROXY is read-only (GET, HEAD)\n".into(),
            None,
        );
        a.headers
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return a;
    }
    let file = match request::parse_target(target) {
        Ok(Target::Health) => return text_answer(StatusCode::OK, "ok\n".into(), None),
        Ok(Target::File(file)) => file,
        Err(e) => {
            let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
            return text_answer(status, format!("bad request: {e}\n"), Some(e.to_string()));
        }
    };
    let resource = match files.find(&file).await {
        Found::Resource(r) => r,
        Found::NotFound(text) => {
            return text_answer(StatusCode::NOT_FOUND, format!("{text}\n"), None);
        }
        Found::Failed(detail) => {
            return text_answer(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal error: this file cannot be served (it failed its check or could not be read; the server log says which)\n".into(),
                Some(detail),
            );
        }
    };
    respond(req, resource).await
}

fn header_str(req: &Request<Incoming>, name: header::HeaderName) -> Option<&str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

async fn respond(req: &Request<Incoming>, r: Resource) -> Answer {
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(r.kind.content_type()),
    );
    let gz = r.kind.compressible()
        && r.len <= GZIP_MAX
        && header_str(req, header::ACCEPT_ENCODING).is_some_and(request::accepts_gzip);
    let etag = if gz {
        format!("{}-gzip\"", r.etag.trim_end_matches('"'))
    } else {
        r.etag.clone()
    };
    if let Ok(v) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, v);
    }
    if let Some(t) = r.modified
        && let Ok(v) = HeaderValue::from_str(&httpdate::fmt_http_date(t))
    {
        headers.insert(header::LAST_MODIFIED, v);
    }
    if r.kind.compressible() {
        headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    }
    if r.kind == ContentKind::Zip {
        headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    }
    // Conditional requests (RFC 9110 §13.2.2: If-None-Match wins).
    let unchanged = match header_str(req, header::IF_NONE_MATCH) {
        Some(v) => request::none_match(v, &etag),
        None => match (header_str(req, header::IF_MODIFIED_SINCE), r.modified) {
            (Some(v), Some(t)) => request::not_modified_since(v, t),
            _ => false,
        },
    };
    if unchanged {
        return Answer {
            status: StatusCode::NOT_MODIFIED,
            headers,
            body: full(Bytes::new()),
            len: 0,
            detail: None,
        };
    }
    let range = match header_str(req, header::RANGE) {
        Some(v)
            if r.kind == ContentKind::Zip
                && header_str(req, header::IF_RANGE).is_none_or(|ir| ir.trim() == etag) =>
        {
            request::parse_range(v, r.len)
        }
        _ => RangeAnswer::Whole,
    };
    let (status, start, end) = match range {
        RangeAnswer::Whole => (StatusCode::OK, 0, r.len),
        RangeAnswer::Part { start, end } => {
            if let Ok(v) = HeaderValue::from_str(&format!("bytes {start}-{}/{}", end - 1, r.len)) {
                headers.insert(header::CONTENT_RANGE, v);
            }
            (StatusCode::PARTIAL_CONTENT, start, end)
        }
        RangeAnswer::Unsatisfiable => {
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{}", r.len)) {
                headers.insert(header::CONTENT_RANGE, v);
            }
            return Answer {
                status: StatusCode::RANGE_NOT_SATISFIABLE,
                headers,
                body: full(Bytes::new()),
                len: 0,
                detail: None,
            };
        }
    };
    if gz {
        let data = match read_body(&r.body, 0, r.len).await.and_then(|b| gzip(&b)) {
            Ok(d) => d,
            Err(e) => return read_failed(e),
        };
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        let len = data.len() as u64;
        return Answer {
            status,
            headers,
            body: full(data),
            len,
            detail: None,
        };
    }
    let len = end - start;
    let body = match &r.body {
        Body::Memory(b) => full(b.slice(start as usize..end as usize)),
        Body::File { .. } if len <= SMALL => match read_body(&r.body, start, end).await {
            Ok(b) => full(b),
            Err(e) => return read_failed(e),
        },
        Body::File { file, offset } => file_stream(file.clone(), offset + start, offset + end),
    };
    Answer {
        status,
        headers,
        body,
        len,
        detail: None,
    }
}

fn read_failed(e: io::Error) -> Answer {
    text_answer(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal error: the file could not be read\n".into(),
        Some(format!("read failed: {e}")),
    )
}
