//! `modsnap serve`: flags to [`crate::serve::ServeOptions`], the catalog
//! opened off the async workers, the client set-up printed, the access log
//! written, and SIGINT/SIGTERM turned into a graceful shutdown.

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use super::args::ServeArgs;
use super::{ExitStatus, fail_json, print_info, print_json, print_stdout, quiet, terminal_safe};
use crate::ops::serve::Catalog;
use crate::serve::{AccessRecord, ServeOptions, Server, TlsFiles};

pub(crate) fn run(rt: &tokio::runtime::Runtime, args: ServeArgs) -> ExitStatus {
    let (catalog, report) = match Catalog::open(&args.sources) {
        Ok(c) => c,
        Err(e) => return fail_json(&e, args.json),
    };
    let json = args.json;
    let access_log: Option<crate::serve::AccessLog> = if quiet() {
        None
    } else {
        Some(Arc::new(move |r: &AccessRecord| write_access(r, json)))
    };
    let opts = ServeOptions {
        listen: args.listen,
        tls: match (args.tls_cert, args.tls_key) {
            (Some(cert), Some(key)) => Some(TlsFiles { cert, key }),
            _ => None,
        },
        max_connections: args.max_connections as usize,
        header_timeout: Duration::from_secs(args.header_timeout),
        idle_timeout: Duration::from_secs(args.idle_timeout),
        drain_timeout: Duration::from_secs(args.drain_timeout),
        access_log,
    };
    rt.block_on(async move {
        let server = match Server::bind(opts).await {
            Ok(s) => s,
            Err(e) => return fail_json(&e, json),
        };
        let addr = match server.local_addr() {
            Ok(a) => a,
            Err(e) => {
                print_info(&format!("error: listen address: {e}"));
                return ExitStatus::Error;
            }
        };
        let url = client_url(addr, server.is_tls());
        let env = [("GOPROXY", url.clone()), ("GONOPROXY", "none".to_string())];
        let printed = if json {
            print_json(&serde_json::json!({
                "url": url,
                "listen": addr.to_string(),
                "env": env.iter().map(|(k, v)| (k.to_string(), v.clone())).collect::<std::collections::BTreeMap<_, _>>(),
                "catalog": report,
                "startup_ms": report.took.as_secs_f64() * 1000.0,
            }))
        } else {
            let mut st = ExitStatus::Ok;
            for (k, v) in &env {
                st = print_stdout(&format!("{k}={v}"));
            }
            st
        };
        if printed != ExitStatus::Ok {
            return printed;
        }
        if !quiet() {
            let db = if report.sumdbs.is_empty() {
                String::new()
            } else {
                format!(
                    "; checksum database {} served (leave GOSUMDB at its default)",
                    report.sumdbs.join(", ")
                )
            };
            print_info(&format!(
                "serve: {} files ({} module versions of {} modules) from {} source(s) on {url}, ready in {:.2} s{db}; SIGINT or SIGTERM stops",
                report.files,
                report.module_versions,
                report.modules,
                report.sources.len(),
                report.took.as_secs_f64(),
            ));
        }
        let summary = server.run(Arc::new(catalog), shutdown_signal()).await;
        if !quiet() {
            print_info(&format!(
                "serve: stopped after {} connection(s){}",
                summary.connections,
                if summary.cut_off > 0 {
                    "; the drain timeout cut off responses still in flight"
                } else {
                    ""
                }
            ));
        }
        ExitStatus::Ok
    })
}

/// The URL clients use: the listen address, with this machine's name for
/// an unspecified (all-interfaces) address.
fn client_url(addr: std::net::SocketAddr, tls: bool) -> String {
    let scheme = if tls { "https" } else { "http" };
    if addr.ip().is_unspecified() {
        let host = rustix::system::uname()
            .nodename()
            .to_string_lossy()
            .into_owned();
        return format!("{scheme}://{host}:{}", addr.port());
    }
    format!("{scheme}://{addr}")
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let term = signal(SignalKind::terminate());
        let int = signal(SignalKind::interrupt());
        match (term, int) {
            (Ok(mut term), Ok(mut int)) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = int.recv() => {}
                }
            }
            _ => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
    print_info("serve: shutting down: no new connections; letting responses in flight finish");
}

fn write_access(r: &AccessRecord, json: bool) {
    let line = if json {
        serde_json::to_string(r).unwrap_or_default()
    } else {
        let detail = r
            .detail
            .as_deref()
            .map(|d| format!(" ({d})"))
            .unwrap_or_default();
        format!(
            "modsnap: {} \"{} {} {}\" {} {} {:.1}ms{detail}",
            r.remote, r.method, r.target, r.protocol, r.status, r.bytes, r.ms
        )
    };
    let _ = writeln!(std::io::stderr().lock(), "{}", terminal_safe(&line));
}
