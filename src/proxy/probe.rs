//! Probing the GOPROXY list layer by layer, for `modsnap doctor`: for each
//! proxy a module path is routed to, in order — DNS (the addresses), TCP
//! connect, then one real request (`<module>/@v/list`, which also proves
//! TLS and any HTTP proxy in between), and `sumdb/<name>/supported`
//! (whether the proxy also serves the checksum database). Credentials go
//! only where [`super::Client::fetch`] would send them.
//!
//! For an https proxy reached without an HTTP proxy in between, the TLS
//! layer is probed on its own ([`super::tlsprobe`]): the certificate's
//! subject, issuer and expiry, and whether the system roots or only the
//! custom CA bundle trust it.

use std::time::Instant;

use serde::Serialize;

use super::error::Cause;
use super::http::{self, Sink};
use super::list::{Base, Entry};
use super::{Client, shown_url};

/// One layer's result.
#[derive(Debug, Clone, Serialize)]
pub struct ProbeStep {
    /// `dns`, `tcp`, `http`, `sumdb` or `file`.
    pub layer: &'static str,
    /// Whether it worked.
    pub ok: bool,
    /// What was found (addresses, status, error).
    pub detail: String,
    /// How long it took, in milliseconds.
    pub ms: u64,
}

/// The probe of one GOPROXY entry.
#[derive(Debug, Clone, Serialize)]
pub struct Probe {
    /// The entry (credentials masked).
    pub proxy: String,
    /// The HTTP proxy requests to it go through (HTTPS_PROXY/HTTP_PROXY).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
    /// The layers, in order, up to the first that failed.
    pub steps: Vec<ProbeStep>,
    /// Which layer failed and what to change, in one line; `None` when
    /// every layer worked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diagnosis: Option<String>,
}

fn ms(t: Instant) -> u64 {
    u64::try_from(t.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// What to change for a failure at one layer.
fn advice(layer: &str, cause: &Cause, host: &str, via: Option<&str>) -> String {
    let inner = match cause {
        Cause::ViaProxy { cause, .. } => cause.as_ref(),
        c => c,
    };
    let through = via
        .map(|v| format!(" (through the HTTP proxy {v})"))
        .unwrap_or_default();
    match (layer, inner) {
        ("dns", _) | (_, Cause::Dns(_)) => format!(
            "DNS: `{host}` does not resolve from here{through} — what the go command reports as \"server misbehaving\" or \"no such host\"; check the resolver (/etc/resolv.conf), or reach the proxy through HTTPS_PROXY, or list a reachable proxy first in GOPROXY"
        ),
        ("tcp", _) | (_, Cause::Connect(_)) => format!(
            "connect: nothing accepts connections at `{host}`{through}; check the port, a firewall, or whether the proxy runs"
        ),
        (_, Cause::Timeout(_)) => format!(
            "timeout: `{host}` does not answer{through}; a firewall dropping packets, or a proxy that is down; with `|` in GOPROXY the next entry is used"
        ),
        (_, Cause::Tls(e)) if e.to_ascii_lowercase().contains("certificate") => format!(
            "TLS: the certificate of `{host}` is not trusted (an x509 error in go's words); point SSL_CERT_FILE (or SSL_CERT_DIR) at your company's CA bundle"
        ),
        (_, Cause::Tls(_)) => format!(
            "TLS: the handshake with `{host}` failed{through}; a middlebox intercepting https, or a proxy that is not https"
        ),
        (_, Cause::Status { code: 407, .. }) => format!(
            "HTTP 407: the HTTP proxy{through} wants credentials; put them in the proxy URL (HTTPS_PROXY=http://user:password@proxy:port)"
        ),
        (
            _,
            Cause::Status {
                code: 401 | 403, ..
            },
        ) => format!(
            "HTTP auth: `{host}` refuses the request; give credentials for it through GOAUTH (default: ~/.netrc or $NETRC with `machine host[:port]`; also `git <dir>` or a command, see `go help goauth`), or check GOPRIVATE/GONOPROXY for private modules"
        ),
        (_, Cause::Status { code, .. }) if *code >= 500 => format!(
            "HTTP {code}: `{host}` answers but fails; the proxy (or an HTTP proxy in between) is unhealthy; modsnap retries this, go does not"
        ),
        (_, Cause::InsecureCredentials) => {
            "credentials in an http:// GOPROXY entry are never sent; use https://".to_string()
        }
        _ => format!("`{host}`: {cause}"),
    }
}

impl Client {
    /// Probes every proxy `module` is routed to.
    pub async fn probe(&self, module: &str, sumdb: &str) -> Vec<Probe> {
        let mut out = Vec::new();
        if self.inner.list.noproxy_pattern(module).is_some() {
            return out;
        }
        for entry in &self.inner.list.entries {
            let Entry::Proxy { base, shown, .. } = entry else {
                break;
            };
            out.push(self.probe_one(base, shown, module, sumdb).await);
        }
        out
    }

    async fn probe_one(&self, base: &Base, shown: &str, module: &str, sumdb: &str) -> Probe {
        let mut probe = Probe {
            proxy: shown.to_string(),
            via: None,
            steps: Vec::new(),
            diagnosis: None,
        };
        let (url, auth) = match base {
            Base::File { root } => {
                let ok = root.is_dir();
                probe.steps.push(ProbeStep {
                    layer: "file",
                    ok,
                    detail: if ok {
                        format!("{} is a directory", root.display())
                    } else {
                        format!("{} is not a directory", root.display())
                    },
                    ms: 0,
                });
                if !ok {
                    probe.diagnosis = Some(format!(
                        "file: {} does not exist; restore an archive there (modsnap restore ARCHIVE --proxy DIR) or fix GOPROXY",
                        root.display()
                    ));
                }
                return probe;
            }
            Base::Http { url, auth } => (url, auth),
        };
        // DNS and TCP go to the HTTP proxy when one is in between.
        let via = self.inner.proxies.proxy_for(url);
        probe.via = via.as_ref().map(|p| shown_url(p, !p.username().is_empty()));
        let target = via.as_ref().unwrap_or(url);
        let host_name = target.host_str().unwrap_or("").to_string();
        let port = target.port_or_known_default().unwrap_or(443);
        let host = format!("{host_name}:{port}");
        let t = Instant::now();
        let addrs: Vec<std::net::SocketAddr> = match tokio::time::timeout(
            self.inner.connect_timeout,
            tokio::net::lookup_host((host_name.as_str(), port)),
        )
        .await
        {
            Ok(Ok(a)) => a.collect(),
            Ok(Err(e)) => {
                probe.steps.push(ProbeStep {
                    layer: "dns",
                    ok: false,
                    detail: e.to_string(),
                    ms: ms(t),
                });
                probe.diagnosis = Some(advice(
                    "dns",
                    &Cause::Dns(e.to_string()),
                    &host,
                    probe.via.as_deref(),
                ));
                return probe;
            }
            Err(_) => Vec::new(),
        };
        probe.steps.push(ProbeStep {
            layer: "dns",
            ok: !addrs.is_empty(),
            detail: addrs
                .iter()
                .map(|a| a.ip().to_string())
                .collect::<Vec<_>>()
                .join(", "),
            ms: ms(t),
        });
        let Some(addr) = addrs.first().copied() else {
            probe.diagnosis = Some(advice(
                "dns",
                &Cause::Dns("no address".into()),
                &host,
                probe.via.as_deref(),
            ));
            return probe;
        };
        let t = Instant::now();
        let connected = tokio::time::timeout(
            self.inner.connect_timeout,
            tokio::net::TcpStream::connect(addr),
        )
        .await;
        let tcp_err = match connected {
            // Closed at once: the probe only proves the connection.
            Ok(Ok(stream)) => {
                drop(stream);
                None
            }
            Ok(Err(e)) => Some(Cause::Connect(e.to_string())),
            Err(_) => Some(Cause::Timeout(format!(
                "no connection within {} s",
                self.inner.connect_timeout.as_secs()
            ))),
        };
        probe.steps.push(ProbeStep {
            layer: "tcp",
            ok: tcp_err.is_none(),
            detail: match &tcp_err {
                None => format!("connected to {addr}"),
                Some(c) => c.to_string(),
            },
            ms: ms(t),
        });
        if let Some(cause) = tcp_err {
            probe.diagnosis = Some(advice("tcp", &cause, &host, probe.via.as_deref()));
            return probe;
        }
        // TLS on its own (not through an HTTP proxy's tunnel): who the
        // certificate is for, who issued it, and which roots trust it.
        if url.scheme() == "https" && probe.via.is_none() {
            let t = Instant::now();
            let finding = match tokio::time::timeout(self.inner.connect_timeout, async {
                match tokio::net::TcpStream::connect(addr).await {
                    Ok(tcp) => Some(
                        super::tlsprobe::handshake(tcp, &host_name, &self.inner.ca_files).await,
                    ),
                    Err(_) => None,
                }
            })
            .await
            {
                Ok(Some(f)) => f,
                _ => super::tlsprobe::TlsFinding {
                    certificate: None,
                    trust: Err("no handshake within the timeout".into()),
                },
            };
            let cert = finding
                .certificate
                .unwrap_or_else(|| "no certificate".into());
            let ok = finding.trust.is_ok();
            probe.steps.push(ProbeStep {
                layer: "tls",
                ok,
                detail: match &finding.trust {
                    Ok(how) => format!("{cert}; {how}"),
                    Err(why) => format!("{cert}; not trusted: {why}"),
                },
                ms: ms(t),
            });
            if let Err(why) = finding.trust {
                probe.diagnosis = Some(advice(
                    "tls",
                    &Cause::Tls(format!("certificate: {why}")),
                    &host,
                    None,
                ));
                return probe;
            }
        }
        // One real request: TLS, the HTTP proxy, credentials, the answer.
        let Ok(list) = crate::goproxy::list_name(module) else {
            return probe;
        };
        for (layer, rel) in [
            ("http", list),
            ("sumdb", crate::goproxy::sumdb_name(sumdb, "supported")),
        ] {
            let Ok(req) = reqwest::Url::parse(&format!(
                "{}/{}",
                url.as_str().trim_end_matches('/'),
                crate::goproxy::url_path(&rel)
            )) else {
                break;
            };
            let t = Instant::now();
            let result = match self.credentials(&req, auth.as_ref()).await {
                Err(cause) => Err(cause),
                Ok(creds) => self.get_small(&req, creds, auth.is_none()).await,
            };
            let shown_req = shown_url(&req, auth.is_some());
            match result {
                Ok((size, html)) => probe.steps.push(ProbeStep {
                    layer,
                    ok: !html,
                    detail: if html {
                        format!("GET {shown_req}: 200 but an HTML page ({size} bytes): a login page or captive portal?")
                    } else if layer == "sumdb" {
                        format!("GET {shown_req}: 200: this proxy serves the checksum database {sumdb}")
                    } else {
                        format!("GET {shown_req}: 200, {size} bytes")
                    },
                    ms: ms(t),
                }),
                Err(cause) if cause.is_not_found() => probe.steps.push(ProbeStep {
                    layer,
                    ok: true,
                    detail: if layer == "sumdb" {
                        format!("GET {shown_req}: {cause}: the go command will reach {sumdb} directly (or set GONOSUMDB/GOPRIVATE for private modules)")
                    } else {
                        format!("GET {shown_req}: {cause}: the proxy answers but does not have {module}")
                    },
                    ms: ms(t),
                }),
                Err(cause) => {
                    probe.steps.push(ProbeStep {
                        layer,
                        ok: false,
                        detail: format!("GET {shown_req}: {cause}"),
                        ms: ms(t),
                    });
                    probe.diagnosis = Some(advice(layer, &cause, &host, probe.via.as_deref()));
                    return probe;
                }
            }
            if let Some(last) = probe.steps.last()
                && !last.ok
            {
                probe.diagnosis = Some(format!(
                    "HTML: `{host}` answers with a web page instead of the GOPROXY protocol: a login page or captive portal in between; log in, or reach the proxy another way"
                ));
                return probe;
            }
        }
        probe
    }

    /// One GET of a small file into a scratch file: its size and whether it
    /// looks like an HTML page.
    async fn get_small(
        &self,
        url: &reqwest::Url,
        auth: Option<std::sync::Arc<super::auth::Credential>>,
        goauth: bool,
    ) -> Result<(u64, bool), Cause> {
        let scratch = tempfile::NamedTempFile::new().map_err(|e| Cause::Local(e.to_string()))?;
        let sink = Sink {
            dest: http::Dest::File(scratch.path()),
            limit: super::MAX_SMALL_SIZE,
            zip: false,
            progress: &|_| {},
        };
        let mut done = http::get(&self.inner.http, url, auth.as_deref(), &sink, &|_| {}).await;
        // GOAUTH's second chance after a 4xx, as a download gets it.
        if let Err(failed) = &done
            && goauth
            && let Some(r) = self.reauth(url, failed, auth.as_ref()).await
        {
            done = http::get(
                &self.inner.http,
                url,
                r.credential.as_deref(),
                &sink,
                &|_| {},
            )
            .await;
            let status = match &done {
                Ok(_) => Some(200),
                Err(f) => f.cause.status(),
            };
            self.inner.auth.settle(&r, status).await;
        }
        let done = done.map_err(|f| f.cause)?;
        Ok((done.size, super::looks_like_html(scratch.path())))
    }
}
