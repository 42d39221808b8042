//! Reaching a checksum database the way the go command does
//! (cmd/go/internal/modfetch/sumdb.go `dbClient.initBase`): each GOPROXY
//! entry is asked for `sumdb/<name>/supported`; the first that answers 200
//! serves every database file from then on (its 404s are errors, no fall
//! back); entries that answer 404/410 (and `off`/`direct`, which end the
//! list) are passed over, and when none supports it the database's own
//! `https://<name>` is used. A GOSUMDB URL (`name+key URL`) is used as is,
//! bypassing proxies and the probe. Any other failure of the probe makes
//! the database unavailable.
//!
//! Requests go through the same retries, health tracking, credentials and
//! error reports as module downloads.

use super::error::Outcome;
use super::http::{Dest, Sink};
use super::list::{Base, Entry};
use super::{Client, Target};
use crate::goproxy::url_path;

/// Largest checksum-database file read (lookups are a few hundred bytes,
/// tiles 8 KiB).
const MAX_SUMDB_FILE: u64 = 1 << 20;

/// The health slot of a database's own URL (not a GOPROXY entry).
const DIRECT_SLOT: usize = usize::MAX - 1;

/// Where a checksum database's files are read from.
#[derive(Clone)]
pub struct SumdbRoute {
    base: Base,
    slot: usize,
    prefix: String,
    /// The base shown in messages (credentials masked).
    pub shown: String,
}

impl std::fmt::Debug for SumdbRoute {
    /// Only the masked base: the route may hold credentials.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SumdbRoute({})", self.shown)
    }
}

/// Why a checksum-database file could not be read.
#[derive(Debug, Clone, thiserror::Error)]
#[error("checksum database {db}: {detail}")]
pub struct SumdbFetchError {
    /// The database name.
    pub db: String,
    /// What each request said.
    pub detail: String,
}

impl Client {
    /// Finds how to reach database `name` (`url` from GOSUMDB when given).
    pub async fn sumdb_route(
        &self,
        name: &str,
        url: Option<&str>,
    ) -> Result<SumdbRoute, SumdbFetchError> {
        let fail = |detail: String| SumdbFetchError {
            db: name.to_string(),
            detail,
        };
        if let Some(url) = url {
            let base = super::list::parse_base(url).map_err(|e| fail(e.to_string()))?;
            return Ok(SumdbRoute {
                base,
                slot: DIRECT_SLOT,
                prefix: String::new(),
                shown: super::redact::redact(url),
            });
        }
        let probe = std::sync::Mutex::new(Vec::new());
        let supported = format!("sumdb/{name}/supported");
        let target = Target {
            wire: url_path(&supported),
            rel: supported,
        };
        let sink = Sink {
            dest: Dest::Memory(&probe),
            limit: MAX_SUMDB_FILE,
            zip: false,
            progress: &|_| {},
        };
        let mut tried = Vec::new();
        let mut last_error: Option<String> = None;
        // As cmd/go's TryProxies: a 404/410 passes to the next entry, and
        // so does any error after `|`; reaching `direct` or `off` means the
        // database's own URL; otherwise the most telling error (a proxy
        // error over a not-found) makes the database unavailable.
        for (index, entry) in self.inner.list.entries.iter().enumerate() {
            let Entry::Proxy {
                base,
                shown,
                fall_back_on_error,
            } = entry
            else {
                last_error = None;
                break;
            };
            match self
                .fetch_from(index, base, &target, &sink, *fall_back_on_error)
                .await
            {
                Ok(_) => {
                    return Ok(SumdbRoute {
                        base: base.clone(),
                        slot: index,
                        prefix: format!("sumdb/{name}/"),
                        shown: format!("{shown}/sumdb/{name}"),
                    });
                }
                Err(o) => {
                    let not_found = is_not_found(&o);
                    tried.push(o.to_string());
                    if !not_found {
                        last_error = Some(o.to_string());
                        if !*fall_back_on_error {
                            break;
                        }
                    }
                }
            }
        }
        if let Some(e) = last_error {
            return Err(fail(format!(
                "{e}; the go command would find the database unavailable too"
            )));
        }
        let direct = format!("https://{name}");
        let base = super::list::parse_base(&direct).map_err(|e| fail(e.to_string()))?;
        tracing::debug!(
            "sumdb {name}: not supported by any GOPROXY entry ({tried:?}); using {direct}"
        );
        Ok(SumdbRoute {
            base,
            slot: DIRECT_SLOT,
            prefix: String::new(),
            shown: direct,
        })
    }

    /// Reads `rest` (`lookup/…`, `tile/…`) of the database (into memory:
    /// its files are at most [`MAX_SUMDB_FILE`]): `Ok(None)` when the
    /// database has no such file.
    pub async fn sumdb_get(
        &self,
        db: &str,
        route: &SumdbRoute,
        rest: &str,
    ) -> Result<Option<Vec<u8>>, SumdbFetchError> {
        let rel = format!("{}{rest}", route.prefix);
        let target = Target {
            wire: url_path(&rel),
            rel,
        };
        let got = std::sync::Mutex::new(Vec::new());
        let sink = Sink {
            dest: Dest::Memory(&got),
            limit: MAX_SUMDB_FILE,
            zip: false,
            progress: &|_| {},
        };
        match self
            .fetch_from(route.slot, &route.base, &target, &sink, false)
            .await
        {
            Ok(_) => got.into_inner().map(Some).map_err(|_| SumdbFetchError {
                db: db.to_string(),
                detail: "download buffer lock poisoned".into(),
            }),
            Err(o) if is_not_found(&o) => Ok(None),
            Err(o) => Err(SumdbFetchError {
                db: db.to_string(),
                detail: o.to_string(),
            }),
        }
    }
}

fn is_not_found(o: &Outcome) -> bool {
    matches!(o, Outcome::Proxy { cause, .. } if cause.is_not_found())
}
