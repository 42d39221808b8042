//! The GOPROXY protocol client: the only code in modsnap that opens network
//! connections (<https://go.dev/ref/mod#goproxy-protocol>; cmd/go
//! `modfetch/proxy.go`, `modfetch/repo.go`, `web/http.go`, `web/api.go`,
//! `auth/`).
//!
//! [`Client::fetch`] downloads one artifact of one module version —
//! `$base/<escaped path>/@v/list`, `…/@v/<escaped version>.info`, `.mod` or
//! `.zip` — walking the GOPROXY list the way the go command does: `,` falls
//! through to the next entry only on "not found" (HTTP 404/410, a missing
//! `file://` file), `|` on any error, `off` and `direct` end the list, and
//! GONOPROXY/GOPRIVATE matches go `direct` before any proxy is asked
//! (`list.rs`). Bodies are streamed into the caller's file while being
//! hashed; nothing is held in memory.
//!
//! On top of Go's behaviour modsnap retries transient failures (connect
//! errors, timeouts, broken or short bodies, 5xx, 429) with jittered
//! exponential backoff (`retry.rs`); the go command does not retry.
//!
//! Deliberately not done here:
//! - `direct` (version-control) fetching: a module routed there fails with an
//!   error naming the setting responsible and what to change;
//! - the checksum database, go.sum verification, `@latest` and version
//!   queries: callers verify the bytes using [`Fetched::sha256`];
//! - reading the environment: the CLI resolves GOPROXY, GOAUTH, NETRC,
//!   HTTPS_PROXY… into a [`ProxyConfig`].
//!
//! Credentials (`auth.rs`): a GOPROXY entry's userinfo, else what GOAUTH
//! gives for the URL (`.netrc`, `git credential fill`, commands), on https
//! only; after a 4xx over https GOAUTH is asked again for that URL and the
//! request is resent once with what it gives.

mod auth;
mod error;
mod file;
mod health;
mod http;
mod httpproxy;
mod list;
mod netrc;
mod pacing;
mod probe;
mod redact;
mod retry;
mod sumdb;
mod tlsprobe;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;

pub use error::FetchError;
pub use list::{DirectReason, ProxyConfigError, Route, RouteEnd, RouteProxy};
pub use probe::{Probe, ProbeStep};
pub use redact::redact;

use error::{Cause, ErrorKind, Outcome};
use http::Sink;
use list::{Base, Entry, ProxyList};
use retry::Backoff;
pub use sumdb::{SumdbFetchError, SumdbRoute};

use crate::module;

/// The `tracing` target of the request log: one line per request and its
/// outcome (shown by `modsnap -v`, like the go command's `-x`).
pub const REQUEST_LOG: &str = "modsnap::request";

/// Go's default GOPROXY.
pub const DEFAULT_GOPROXY: &str = "https://proxy.golang.org,direct";

/// Size limit of a downloaded module zip: 500 MiB (Go's
/// `codehost.MaxZipFile`).
pub const MAX_ZIP_SIZE: u64 = 500 << 20;

/// Size limit of the other artifacts (`list`, `.info`, `.mod`): 16 MiB, the
/// limit Go applies to go.mod files (`codehost.MaxGoMod`).
pub const MAX_SMALL_SIZE: u64 = 16 << 20;

/// Everything the client needs to know, resolved by the CLI from the go
/// environment. `Default` gives Go's defaults.
#[derive(Clone)]
pub struct ProxyConfig {
    /// Raw GOPROXY. Empty means Go's default, [`DEFAULT_GOPROXY`].
    pub goproxy: String,
    /// Raw GONOPROXY, already defaulted to GOPRIVATE.
    pub gonoproxy: String,
    /// Raw GOINSECURE. Go applies it only to direct (version-control)
    /// fetches, so it does not change proxy requests; kept for `route`
    /// explanations and parity.
    pub goinsecure: String,
    /// Raw GOAUTH; empty means Go's default, `netrc`.
    pub goauth: String,
    /// The `.netrc` file ($NETRC or ~/.netrc), read when GOAUTH has
    /// `netrc`; `None` means none. A missing file is the same as an empty
    /// one.
    pub netrc: Option<PathBuf>,
    /// HTTP_PROXY: the proxy for `http://` requests.
    pub http_proxy: Option<String>,
    /// HTTPS_PROXY: the proxy for `https://` requests.
    pub https_proxy: Option<String>,
    /// NO_PROXY: hosts, domains, IPs and CIDR blocks reached without a proxy.
    pub no_proxy: Option<String>,
    /// Extra PEM CA bundles (SSL_CERT_FILE, the files of SSL_CERT_DIR, a
    /// `--ca-file`), trusted in addition to the OS roots.
    pub ca_files: Vec<PathBuf>,
    /// Time allowed to establish a connection (including DNS and TLS).
    pub connect_timeout: Duration,
    /// Longest idle time between two reads of a response; not a deadline
    /// for the whole download.
    pub read_timeout: Duration,
    /// Retries after a transient failure, per proxy entry and artifact.
    pub max_retries: u32,
    /// Backoff before the first retry (doubling after each, jittered).
    pub retry_base: Duration,
    /// Longest time one attempt at one file may take, however steadily the
    /// bytes arrive (a server dripping bytes never trips `read_timeout`).
    pub file_deadline: Duration,
    /// Longest wait between two attempts, also capping `Retry-After`.
    pub retry_max: Duration,
    /// The User-Agent header.
    pub user_agent: String,
}

impl Default for ProxyConfig {
    fn default() -> Self {
        ProxyConfig {
            goproxy: DEFAULT_GOPROXY.to_string(),
            gonoproxy: String::new(),
            goinsecure: String::new(),
            goauth: String::new(),
            netrc: None,
            http_proxy: None,
            https_proxy: None,
            no_proxy: None,
            ca_files: Vec::new(),
            connect_timeout: Duration::from_secs(30),
            read_timeout: Duration::from_secs(60),
            max_retries: 5,
            retry_base: Duration::from_millis(500),
            file_deadline: Duration::from_secs(600),
            retry_max: Duration::from_secs(30),
            user_agent: concat!("modsnap/", env!("CARGO_PKG_VERSION")).to_string(),
        }
    }
}

impl fmt::Debug for ProxyConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProxyConfig")
            .field("goproxy", &redact(&self.goproxy))
            .field("gonoproxy", &self.gonoproxy)
            .field("goinsecure", &self.goinsecure)
            .field("goauth", &self.goauth)
            .field("netrc", &self.netrc)
            .field("http_proxy", &redact::redact_opt(&self.http_proxy))
            .field("https_proxy", &redact::redact_opt(&self.https_proxy))
            .field("no_proxy", &self.no_proxy)
            .field("ca_files", &self.ca_files)
            .field("connect_timeout", &self.connect_timeout)
            .field("read_timeout", &self.read_timeout)
            .field("max_retries", &self.max_retries)
            .field("retry_base", &self.retry_base)
            .field("file_deadline", &self.file_deadline)
            .field("retry_max", &self.retry_max)
            .field("user_agent", &self.user_agent)
            .finish()
    }
}

pub use crate::goproxy::Artifact;

/// Whether a downloaded file starts like an HTML page (`<!DOCTYPE html`,
/// `<html`, after optional whitespace and a byte-order mark): a login page
/// or captive portal answering in the proxy's place. No `.info`, `.mod`,
/// `@v/list` or zip does.
pub fn looks_like_html(path: &Path) -> bool {
    let mut head = [0u8; 64];
    let n = std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read(&mut f, &mut head))
        .unwrap_or(0);
    let text = String::from_utf8_lossy(&head[..n]).to_ascii_lowercase();
    let text = text.trim_start_matches('\u{feff}').trim_start();
    text.starts_with("<!doctype html") || text.starts_with("<html")
}

/// The size limit for an artifact: [`MAX_ZIP_SIZE`] for zips,
/// [`MAX_SMALL_SIZE`] for the rest.
pub fn size_limit(a: Artifact) -> u64 {
    match a {
        Artifact::Zip => MAX_ZIP_SIZE,
        _ => MAX_SMALL_SIZE,
    }
}

/// A successful download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// Bytes written to the destination.
    pub size: u64,
    /// SHA-256 of those bytes.
    pub sha256: [u8; 32],
    /// BLAKE3 of those bytes.
    pub blake3: [u8; 32],
    /// The GOPROXY entry that served it (base URL, userinfo masked).
    pub proxy: String,
}

/// A GOPROXY client. Cheap to clone; clones share one connection pool.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    proxies: httpproxy::ProxyRules,
    list: ProxyList,
    auth: auth::GoAuth,
    backoff: Backoff,
    max_retries: u32,
    file_deadline: Duration,
    connect_timeout: Duration,
    ca_files: Vec<PathBuf>,
    health: health::Health,
    pacing: pacing::Pacing,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("goproxy", &self.inner.list.goproxy_shown)
            .field("gonoproxy", &self.inner.list.gonoproxy)
            .field("auth", &self.inner.auth)
            .field("max_retries", &self.inner.max_retries)
            .finish_non_exhaustive()
    }
}

/// The request for one artifact, with its path escaped.
struct Target {
    /// `<escaped path>/@v/<escaped version>.<ext>` (or `@v/list`), for files.
    rel: String,
    /// The same, percent-encoded for a URL path.
    wire: String,
}

impl Target {
    fn new(path: &str, version: &str, what: Artifact) -> Result<Target, String> {
        if what.is_versioned()
            && what != Artifact::Info
            && module::canonical_version(version) != version
        {
            return Err(format!(
                "version `{version}` is not canonical (only .info accepts a version query)"
            ));
        }
        let m = module::ModVersion::new(path, version);
        let rel = crate::goproxy::file_name(&m, what).map_err(|e| e.to_string())?;
        let wire = crate::goproxy::url_path(&rel);
        Ok(Target { rel, wire })
    }
}

impl Client {
    /// Parses and validates the configuration like the go command does at
    /// startup (every GOPROXY entry is checked up front), reads `.netrc` and
    /// the CA files, and builds the HTTP client.
    pub fn new(cfg: ProxyConfig) -> Result<Client, ProxyConfigError> {
        let goproxy = if cfg.goproxy.is_empty() {
            DEFAULT_GOPROXY
        } else {
            cfg.goproxy.as_str()
        };
        let list = ProxyList::parse(goproxy, &cfg.gonoproxy)?;
        let auth = auth::GoAuth::new(&cfg.goauth, cfg.netrc.clone())
            .map_err(|reason| ProxyConfigError::BadGoAuth { reason })?;
        let certs = http::load_certs(&cfg.ca_files)?;
        let proxies = httpproxy::ProxyRules::new(
            cfg.http_proxy.as_deref(),
            cfg.https_proxy.as_deref(),
            cfg.no_proxy.as_deref(),
        );
        if let Some((var, value)) = proxies.invalid.clone() {
            return Err(ProxyConfigError::BadHttpProxy { var, value });
        }
        let http = http::build_client(http::ClientSettings {
            connect_timeout: cfg.connect_timeout,
            read_timeout: cfg.read_timeout,
            user_agent: &cfg.user_agent,
            proxies: proxies.clone(),
            certs,
        })?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                proxies,
                auth,
                backoff: Backoff {
                    base: cfg.retry_base,
                    max: cfg.retry_max,
                },
                max_retries: cfg.max_retries,
                file_deadline: cfg.file_deadline,
                connect_timeout: cfg.connect_timeout,
                ca_files: cfg.ca_files.clone(),
                health: health::Health::default(),
                pacing: pacing::Pacing::new(list.entries.len()),
                list,
            }),
        })
    }

    /// How `path` would be fetched: the proxies tried in order, and what
    /// comes after them (`off`, `direct` and why, or nothing).
    pub fn route(&self, path: &str) -> Route {
        self.inner.list.route(path)
    }

    /// Downloads `path@version`'s artifact (`version` is ignored for
    /// [`Artifact::List`]) into `dest`, which is created or truncated; the
    /// caller picks a temporary path and renames it after verifying.
    ///
    /// The body is streamed to `dest` while being hashed; `progress` is
    /// called with the size of each chunk written. A retried download starts
    /// `dest` over, so `progress` may report more bytes than the final size.
    pub async fn fetch(
        &self,
        path: &str,
        version: &str,
        what: Artifact,
        dest: &Path,
        progress: &(dyn Fn(u64) + Send + Sync),
    ) -> Result<Fetched, FetchError> {
        let fail = |kind| FetchError {
            path: path.to_string(),
            version: version.to_string(),
            what,
            kind,
        };
        let target = Target::new(path, version, what).map_err(|e| fail(ErrorKind::Invalid(e)))?;
        let sink = Sink {
            dest: http::Dest::File(dest),
            limit: size_limit(what),
            zip: what == Artifact::Zip,
            progress,
        };
        let route = self.route(path);
        let mut outcomes = Vec::new();
        if let RouteEnd::Direct(reason @ DirectReason::Gonoproxy { .. }) = route.end {
            outcomes.push(Outcome::Direct(reason));
            return Err(fail(ErrorKind::Tried(outcomes)));
        }
        for (index, entry) in self.inner.list.entries.iter().enumerate() {
            let (base, shown, fall_back_on_error) = match entry {
                Entry::Off => {
                    outcomes.push(Outcome::Off);
                    break;
                }
                Entry::Direct => {
                    if let RouteEnd::Direct(reason) = &route.end {
                        outcomes.push(Outcome::Direct(reason.clone()));
                    }
                    break;
                }
                Entry::Proxy {
                    base,
                    shown,
                    fall_back_on_error,
                } => (base, shown, *fall_back_on_error),
            };
            match self
                .fetch_from(index, base, &target, &sink, fall_back_on_error)
                .await
            {
                Ok(done) => {
                    return Ok(Fetched {
                        size: done.size,
                        sha256: done.digests.sha256,
                        blake3: done.digests.blake3,
                        proxy: shown.clone(),
                    });
                }
                Err(outcome) => {
                    let not_found =
                        matches!(&outcome, Outcome::Proxy { cause, .. } if cause.is_not_found());
                    tracing::debug!("{path} {what}: {outcome}");
                    outcomes.push(outcome);
                    if !not_found && !fall_back_on_error {
                        break;
                    }
                }
            }
        }
        Err(fail(ErrorKind::Tried(outcomes)))
    }

    /// The size of an artifact without downloading it: the Content-Length
    /// of a HEAD request (or the file size for `file://`), from the first
    /// entry that has it. `None` when unknown for any reason; not retried.
    pub async fn size(&self, path: &str, version: &str, what: Artifact) -> Option<u64> {
        let target = Target::new(path, version, what).ok()?;
        if self.inner.list.noproxy_pattern(path).is_some() {
            return None;
        }
        for (index, entry) in self.inner.list.entries.iter().enumerate() {
            let Entry::Proxy {
                base,
                fall_back_on_error,
                ..
            } = entry
            else {
                return None;
            };
            if let health::Gate::Skip(_) = self.inner.health.gate(index) {
                if *fall_back_on_error {
                    continue;
                }
                return None;
            }
            let result = match base {
                Base::File { root } => file::size(&root.join(&target.rel)).await,
                Base::Http { url, auth } => {
                    let url = artifact_url(url, &target).ok()?;
                    let auth = self.credentials(&url, auth.as_ref()).await.ok()?;
                    let _slot = self.inner.pacing.admit(index).await;
                    let answered = |keeps| self.answered(index, &url, keeps);
                    http::head(&self.inner.http, &url, auth.as_deref(), &answered).await
                }
            };
            match result {
                Ok(size) => return size,
                Err(cause) if cause.is_not_found() || *fall_back_on_error => continue,
                Err(_) => return None,
            }
        }
        None
    }

    /// One GOPROXY entry, with retries.
    async fn fetch_from(
        &self,
        index: usize,
        base: &Base,
        target: &Target,
        sink: &Sink<'_>,
        fall_back_on_error: bool,
    ) -> Result<http::Done, Outcome> {
        match base {
            Base::File { root } => {
                let src = root.join(&target.rel);
                let got = file::copy(&src, sink).await;
                match &got {
                    Ok(done) => tracing::info!(
                        target: REQUEST_LOG,
                        "read file://{}: {} bytes",
                        src.display(),
                        done.size
                    ),
                    Err(cause) => {
                        tracing::info!(target: REQUEST_LOG, "read file://{}: {cause}", src.display())
                    }
                }
                got.map_err(|cause| Outcome::Proxy {
                    url: format!("file://{}", src.display()),
                    cause,
                    retries: 0,
                })
            }
            Base::Http {
                url: base_url,
                auth,
            } => {
                let url = artifact_url(base_url, target).map_err(|cause| Outcome::Proxy {
                    url: shown_url(base_url, auth.is_some()),
                    cause,
                    retries: 0,
                })?;
                let shown = shown_url(&url, auth.is_some());
                let userinfo = auth.is_some();
                let mut auth = self
                    .credentials(&url, auth.as_ref())
                    .await
                    .map_err(|cause| Outcome::Proxy {
                        url: shown.clone(),
                        cause,
                        retries: 0,
                    })?;
                // GOAUTH's second chance after a 4xx: asked once per fetch.
                let mut reauthed: Option<auth::Refreshed> = None;
                let skipped = |reason: String, retries: u32| Outcome::Proxy {
                    url: shown.clone(),
                    cause: Cause::MarkedDown(reason),
                    retries,
                };
                // Retries are for when there is nothing else to ask: a probe
                // of a proxy that is down, and a connection-level failure
                // with a `|` entry after this one, are not retried (the
                // proxy is marked down and the next entry asked at once).
                let max_retries = match self.inner.health.gate(index) {
                    health::Gate::Skip(reason) => return Err(skipped(reason, 0)),
                    health::Gate::Probe => 0,
                    health::Gate::Open => self.inner.max_retries,
                };
                let mut retries = 0;
                let answered = |keeps| self.answered(index, &url, keeps);
                loop {
                    // Waiting for a slot is not the request's time.
                    let slot = self.inner.pacing.admit(index).await;
                    let started = std::time::Instant::now();
                    let deadline = self.inner.file_deadline;
                    let got = match tokio::time::timeout(
                        deadline,
                        http::get(&self.inner.http, &url, auth.as_deref(), sink, &answered),
                    )
                    .await
                    {
                        Ok(r) => r.map_err(|f| self.via_proxy(&url, f)),
                        Err(_) => Err(Cause::Deadline(deadline).into()),
                    };
                    drop(slot);
                    let ms = started.elapsed().as_millis();
                    match &got {
                        Ok(done) => tracing::info!(
                            target: REQUEST_LOG,
                            "GET {shown}: {} bytes ({ms} ms)",
                            done.size
                        ),
                        Err(failed) => {
                            tracing::info!(target: REQUEST_LOG, "GET {shown}: {} ({ms} ms)", failed.cause)
                        }
                    }
                    match (&reauthed, &got) {
                        (None, Err(failed)) if !userinfo => {
                            if let Some(r) = self.reauth(&url, failed, auth.as_ref()).await {
                                tracing::info!(target: REQUEST_LOG, "GOAUTH gave new credentials for {shown}; resending");
                                auth = r.credential.clone();
                                reauthed = Some(r);
                                continue;
                            }
                        }
                        (Some(r), got) if !r.settled() => {
                            let status = match got {
                                Ok(_) => Some(200),
                                Err(f) => f.cause.status(),
                            };
                            self.inner.auth.settle(r, status).await;
                        }
                        _ => {}
                    }
                    let base_shown = shown_base(&url);
                    match got {
                        Ok(done) => {
                            if self.inner.health.mark_up(index) {
                                tracing::warn!("proxy {base_shown} answers again");
                            }
                            return Ok(done);
                        }
                        Err(failed)
                            if failed.cause.is_transient()
                                && retries < max_retries
                                && !(fall_back_on_error && failed.cause.is_connection_level())
                                && self.inner.health.down_reason(index).is_none() =>
                        {
                            let delay = self.inner.backoff.delay(retries, failed.retry_after);
                            retries += 1;
                            tracing::warn!(
                                "spurious network error ({} tries remaining): GET {shown}: {}; retrying in {delay:.1?}",
                                max_retries + 1 - retries,
                                failed.cause,
                            );
                            tokio::time::sleep(delay).await;
                        }
                        Err(failed) => {
                            if failed.cause.is_connection_level() {
                                // Another request may have marked it down
                                // while this one was retrying.
                                if let Some(reason) = self.inner.health.down_reason(index)
                                    && failed.cause.is_transient()
                                    && retries < max_retries
                                    && !fall_back_on_error
                                {
                                    return Err(skipped(reason, retries));
                                }
                                let reason = failed.cause.to_string();
                                if self.inner.health.mark_down(index, reason.clone()) {
                                    tracing::warn!(
                                        "proxy {base_shown} marked down for this run: {reason}; requests skip it (and go on to the next GOPROXY entry after `|`), one probe every {} s",
                                        health::HALF_OPEN_AFTER.as_secs()
                                    );
                                }
                            }
                            return Err(Outcome::Proxy {
                                url: shown,
                                cause: failed.cause,
                                retries,
                            });
                        }
                    }
                }
            }
        }
    }

    /// Records for entry `index`'s gate (`pacing.rs`) whether an answer from
    /// `url` kept its connection.
    fn answered(&self, index: usize, url: &Url, keeps_connection: bool) {
        if self.inner.pacing.answered(index, keeps_connection) {
            tracing::info!(
                target: REQUEST_LOG,
                "{} closes its connection after every answer: at most {} requests at a time to it",
                shown_base(url),
                pacing::ONE_SHOT_LIMIT
            );
        }
    }

    /// Names the HTTP proxy in a failure below HTTP, when one was used.
    fn via_proxy(&self, url: &Url, mut failed: http::Failed) -> http::Failed {
        let below_http = matches!(
            failed.cause,
            Cause::Dns(_) | Cause::Connect(_) | Cause::Tls(_) | Cause::Timeout(_) | Cause::Other(_)
        );
        if below_http && let Some(p) = self.inner.proxies.proxy_for(url) {
            let shown = format!(
                "{}://{}:{}",
                p.scheme(),
                p.host_str().unwrap_or(""),
                p.port_or_known_default().unwrap_or(0)
            );
            failed.cause = Cause::ViaProxy {
                proxy: shown,
                cause: Box::new(failed.cause),
            };
        }
        failed
    }

    /// GETs a page (a `?go-get=1` discovery page) with this client's TLS
    /// roots, HTTP proxies and `.netrc` credentials: its text, at most
    /// `limit` bytes. The error names the URL (credentials masked) and how
    /// the request failed.
    pub async fn get_page(&self, url: &str, limit: usize) -> Result<String, String> {
        let parsed = Url::parse(url).map_err(|e| format!("{}: {e}", redact(url)))?;
        let shown = redact(url);
        let mut auth = self
            .credentials(&parsed, None)
            .await
            .map_err(|c| format!("{shown}: {c}"))?;
        let mut reauthed: Option<auth::Refreshed> = None;
        let mut resp = loop {
            let mut req = self.inner.http.get(parsed.clone());
            if let Some(auth) = &auth {
                req = auth.apply(req);
            }
            let resp = req
                .send()
                .await
                .map_err(|e| format!("{shown}: {}", http::describe(&e)))?;
            let status = resp.status();
            if let Some(r) = &reauthed {
                self.inner.auth.settle(r, Some(status.as_u16())).await;
            } else if status.is_client_error() && parsed.scheme() == "https" {
                let head = http::response_head(&resp);
                if let Some(r) = self
                    .inner
                    .auth
                    .refresh(parsed.as_str(), &head, auth.as_ref())
                    .await
                {
                    auth = r.credential.clone();
                    reauthed = Some(r);
                    continue;
                }
            }
            if !status.is_success() {
                return Err(format!("{shown}: {status}"));
            }
            break resp;
        };
        let mut body = Vec::new();
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| format!("{shown}: {}", http::describe(&e)))?
        {
            body.extend_from_slice(&chunk);
            if body.len() > limit {
                return Err(format!("{shown}: page larger than {limit} bytes"));
            }
        }
        Ok(String::from_utf8_lossy(&body).into_owned())
    }

    /// The credential for a request to `url`: the GOPROXY entry's own
    /// userinfo, else what GOAUTH has for the URL; only ever over https (Go
    /// refuses userinfo on `http://` and applies GOAUTH to https only). The
    /// go command matches GOAUTH prefixes against the URL with its
    /// userinfo, so an entry with userinfo gets nothing from GOAUTH.
    async fn credentials(
        &self,
        url: &Url,
        userinfo: Option<&(String, Option<String>)>,
    ) -> Result<Option<Arc<auth::Credential>>, Cause> {
        let https = url.scheme() == "https";
        if let Some((user, pass)) = userinfo {
            if !https {
                return Err(Cause::InsecureCredentials);
            }
            return Ok(Some(Arc::new(auth::Credential::basic(
                user,
                pass.as_deref(),
            ))));
        }
        if !https {
            return Ok(None);
        }
        Ok(self.inner.auth.lookup(url.as_str()).await)
    }

    /// After `failed`, an answer to an https request to `url` sent with
    /// `sent`: when it is a 4xx and GOAUTH now has another credential for
    /// the URL, that credential (the request is then sent once more).
    async fn reauth(
        &self,
        url: &Url,
        failed: &http::Failed,
        sent: Option<&Arc<auth::Credential>>,
    ) -> Option<auth::Refreshed> {
        let head = failed.head.as_deref()?;
        if url.scheme() != "https" {
            return None;
        }
        self.inner.auth.refresh(url.as_str(), head, sent).await
    }
}

/// `url` as shown in messages: userinfo, which is kept apart from the URL,
/// appears as the redaction mask so the reader knows credentials were set.
fn shown_url(url: &Url, has_userinfo: bool) -> String {
    let s = redact(url.as_str());
    match (has_userinfo, s.split_once("://")) {
        (true, Some((scheme, rest))) => format!("{scheme}://{}@{rest}", redact::MASK),
        _ => s,
    }
}

/// The host part of `url`, as health messages name a proxy
/// (`https://proxy.corp:8443`), without userinfo or path.
fn shown_base(url: &Url) -> String {
    match url.port() {
        Some(p) => format!("{}://{}:{p}", url.scheme(), url.host_str().unwrap_or("")),
        None => format!("{}://{}", url.scheme(), url.host_str().unwrap_or("")),
    }
}

/// `$base/<wire path>`.
fn artifact_url(base: &Url, target: &Target) -> Result<Url, Cause> {
    let s = format!("{}/{}", base.as_str().trim_end_matches('/'), target.wire);
    Url::parse(&s).map_err(|e| Cause::Other(format!("cannot build the request URL: {e}")))
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)] // tests set up their own files
mod tests {
    use super::*;

    #[test]
    fn targets() {
        let t = Target::new("example.com/Upper", "v1.1.0-Beta", Artifact::Zip).unwrap();
        assert_eq!(t.rel, "example.com/!upper/@v/v1.1.0-!beta.zip");
        assert_eq!(t.wire, "example.com/%21upper/@v/v1.1.0-%21beta.zip");
        let t = Target::new("example.com/m", "", Artifact::List).unwrap();
        assert_eq!(t.rel, "example.com/m/@v/list");
        assert!(Target::new("example.com/m", "v1.0", Artifact::Zip).is_err());
        assert!(Target::new("example.com/m", "master", Artifact::Info).is_ok());
        assert!(Target::new("example.com/m", "a/b", Artifact::Info).is_err());
        assert!(Target::new("-bad/path", "v1.0.0", Artifact::Mod).is_err());
    }

    #[test]
    fn artifact_urls_keep_the_base_path_and_escapes() {
        let t = Target::new("example.com/Upper", "v1.0.0", Artifact::Mod).unwrap();
        let base = Url::parse("https://proxy.example/go/").unwrap();
        assert_eq!(
            artifact_url(&base, &t).unwrap().as_str(),
            "https://proxy.example/go/example.com/%21upper/@v/v1.0.0.mod"
        );
        let base = Url::parse("http://127.0.0.1:8080").unwrap();
        assert_eq!(
            artifact_url(&base, &t).unwrap().as_str(),
            "http://127.0.0.1:8080/example.com/%21upper/@v/v1.0.0.mod"
        );
    }

    #[tokio::test]
    async fn credentials_only_over_https() {
        let dir = tempfile::tempdir().unwrap();
        let netrc = dir.path().join("netrc");
        std::fs::write(
            &netrc,
            "machine p.example login alice password s3cret\nmachine q.example:8443 login bob password pw2\n",
        )
        .unwrap();
        let c = Client::new(ProxyConfig {
            netrc: Some(netrc),
            goproxy: "https://p.example".into(),
            ..ProxyConfig::default()
        })
        .unwrap();
        let url = |s: &str| Url::parse(s).unwrap();
        let basic = |u: &str, p: &str| Some(Arc::new(auth::Credential::basic(u, Some(p))));
        assert_eq!(
            c.credentials(&url("https://p.example/m/@v/list"), None)
                .await
                .unwrap(),
            basic("alice", "s3cret")
        );
        assert_eq!(
            c.credentials(&url("http://p.example/m/@v/list"), None)
                .await
                .unwrap(),
            None
        );
        assert_eq!(
            c.credentials(&url("https://q.example:8443/m/@v/list"), None)
                .await
                .unwrap(),
            basic("bob", "pw2")
        );
        assert_eq!(
            c.credentials(&url("https://q.example/m/@v/list"), None)
                .await
                .unwrap(),
            None
        );
        // Userinfo in the GOPROXY entry wins over .netrc; over http it is refused.
        let info = ("carol".to_string(), Some("pw3".to_string()));
        assert_eq!(
            c.credentials(&url("https://p.example/x"), Some(&info))
                .await
                .unwrap(),
            basic("carol", "pw3")
        );
        assert!(matches!(
            c.credentials(&url("http://p.example/x"), Some(&info)).await,
            Err(Cause::InsecureCredentials)
        ));
    }

    #[test]
    fn config_debug_is_redacted() {
        let cfg = ProxyConfig {
            goproxy: "https://alice:hunter2@p.example,direct".into(),
            https_proxy: Some("http://bob:swordfish@corp-proxy:3128".into()),
            ..ProxyConfig::default()
        };
        let d = format!("{cfg:?}");
        for secret in ["alice", "hunter2", "bob", "swordfish"] {
            assert!(!d.contains(secret), "{d}");
        }
    }
}
