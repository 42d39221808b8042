//! Getting one verified artifact: from modsnap's cache, from the go
//! command's module cache, or from the GOPROXY — and never trusting any of
//! them.
//!
//! Every `.mod` is checked against its go.sum `/go.mod` line and every `.zip`
//! against its go.sum zip line and the module zip rules before it is used;
//! an `.info` must be JSON naming the requested version. Cache hits are
//! re-verified the same way (a cache is only a place bytes may come from).
//! A downloaded file lands in modsnap's cache only after it verified, by
//! rename from a temporary file in the same directory, so a failed or
//! interrupted run leaves nothing half-written.
//!
//! `.info` files are stored in one canonical form, `{"Version":…,"Time":…}`
//! (what the go command itself writes to its cache), so an archive does not
//! depend on whether an `.info` came from a proxy or a cache.

// Errors here carry their full context (module, URL, both hashes) by
// design; they are returned once per run, so their size does not matter.
#![allow(clippy::result_large_err)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Deserialize;

use crate::classify::{Classify, ErrorClass};
use crate::dirhash;
use crate::fsutil::{FsError, debris};
use crate::gosum::{GoSum, SumCheck};
use crate::module::ModVersion;
use crate::modzip;
use crate::proxy::{Artifact, Client, FetchError};

/// A verification failure: the bytes are not the ones go.sum (or the
/// protocol) promises. Always a security matter, never retried.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// The computed hash differs from go.sum's.
    #[error(
        "verifying {module} {what}: checksum mismatch (SECURITY ERROR): downloaded from {from}: computed {computed}, but {gosum} has {expected}; hint: the module source or your go.sum has been tampered with or corrupted; do not use these bytes"
    )]
    HashMismatch {
        /// `path@version`.
        module: String,
        /// `zip` or `go.mod`.
        what: &'static str,
        /// Where the bytes came from (redacted URL or cache path).
        from: String,
        /// The hash computed over the bytes.
        computed: String,
        /// The hash go.sum records.
        expected: String,
        /// The go.sum file that records it.
        gosum: String,
    },
    /// The zip breaks the module zip rules.
    #[error("verifying {module} zip from {from}: {error}")]
    ZipRules {
        /// `path@version`.
        module: String,
        /// Where the bytes came from.
        from: String,
        /// The rule broken.
        error: modzip::Error,
    },
    /// The zip could not be hashed (unreadable, duplicate names, ...).
    #[error("verifying {module} zip from {from}: {error}")]
    ZipUnreadable {
        /// `path@version`.
        module: String,
        /// Where the bytes came from.
        from: String,
        /// Why.
        error: dirhash::DirHashError,
    },
    /// The `.info` is not JSON or names another version.
    #[error("verifying {module} .info from {from}: {reason}")]
    Info {
        /// `path@version`.
        module: String,
        /// Where the bytes came from.
        from: String,
        /// What is wrong.
        reason: String,
    },
}

/// Why an artifact could not be had.
#[derive(Debug, thiserror::Error)]
pub enum ArtifactError {
    /// Its bytes failed verification.
    #[error(transparent)]
    Verify(#[from] VerifyError),
    /// No proxy could serve it.
    #[error(transparent)]
    Fetch(#[from] FetchError),
    /// Local I/O failed.
    #[error(transparent)]
    Fs(#[from] FsError),
    /// An offline store does not have the artifact.
    #[error("{module}: {artifact} is missing")]
    Unavailable {
        /// `path@version`.
        module: String,
        /// Which file.
        artifact: Artifact,
    },
    /// Fetching from version control failed.
    #[error(transparent)]
    Vcs(#[from] super::coderepo::VcsError),
    /// A background task died.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Classify for ArtifactError {
    fn class(&self) -> ErrorClass {
        match self {
            ArtifactError::Verify(_) => ErrorClass::Security,
            ArtifactError::Vcs(e) => e.class(),
            _ => ErrorClass::Failure,
        }
    }

    fn module(&self) -> Option<String> {
        match self {
            ArtifactError::Verify(
                VerifyError::HashMismatch { module, .. }
                | VerifyError::ZipRules { module, .. }
                | VerifyError::ZipUnreadable { module, .. }
                | VerifyError::Info { module, .. },
            )
            | ArtifactError::Unavailable { module, .. } => Some(module.clone()),
            ArtifactError::Fetch(e) if !e.version().is_empty() => {
                Some(format!("{}@{}", e.path(), e.version()))
            }
            ArtifactError::Fetch(e) => Some(e.path().to_string()),
            _ => None,
        }
    }

    fn url(&self) -> Option<String> {
        match self {
            ArtifactError::Fetch(e) => e.first_url(),
            _ => None,
        }
    }
}

/// Where artifacts come from and go to.
#[derive(Clone)]
pub struct Store {
    /// modsnap's own cache (`<dir>/download/<escaped path>/@v/...`); also
    /// where fresh downloads are kept.
    pub cache: PathBuf,
    /// The go command's module cache download dir
    /// (`$GOMODCACHE/cache/download`), read only.
    pub gomodcache: Option<PathBuf>,
    /// The GOPROXY client; `None` means offline (cache only).
    pub client: Option<Client>,
    /// Version control, for modules the settings send `direct`; `None`:
    /// such modules are an error naming the setting that sends them there.
    pub vcs: Option<Arc<super::coderepo::VcsSource>>,
    /// Counters for the summary line.
    pub stats: Arc<Stats>,
    /// Called with each chunk of downloaded bytes.
    pub progress: Arc<dyn Fn(u64) + Send + Sync>,
}

/// What a run did, for the summary line.
#[derive(Debug, Default)]
pub struct Stats {
    /// Artifacts served from a cache.
    pub cache_hits: AtomicU64,
    /// Artifacts downloaded.
    pub downloads: AtomicU64,
    /// Bytes downloaded.
    pub downloaded_bytes: AtomicU64,
}

/// A verified artifact on disk.
#[derive(Debug, Clone)]
pub struct Verified {
    /// The file holding the verified bytes.
    pub path: PathBuf,
    /// Its size.
    pub size: u64,
    /// Its SHA-256, hex.
    pub sha256: String,
    /// Its BLAKE3, hex (computed in the same pass as the SHA-256).
    pub blake3: String,
    /// For zips and mods: the h1 computed.
    pub h1: Option<String>,
    /// For zips: the digest of each entry, which the h1 summarizes.
    pub file_digests: Option<dirhash::FileDigests>,
}

impl Store {
    fn cache_path(&self, rel: &str) -> PathBuf {
        self.cache.join("download").join(rel)
    }

    /// Gets the `.mod` of `m`, verified against `gosum` (the caller has
    /// checked that go.sum has the line).
    pub async fn go_mod(
        &self,
        m: &ModVersion,
        gosum: &GoSum,
    ) -> Result<(Verified, Vec<u8>), ArtifactError> {
        self.go_mod_with(m, gosum, None).await
    }

    /// [`Store::go_mod`], and when go.sum has no line for it, verified
    /// against `proved` instead (a hash the checksum database proved), so
    /// that no `.mod` is ever kept unverified because go.sum lacks it.
    pub async fn go_mod_with(
        &self,
        m: &ModVersion,
        gosum: &GoSum,
        proved: Option<&str>,
    ) -> Result<(Verified, Vec<u8>), ArtifactError> {
        let rel = crate::goproxy::file_name(m, Artifact::Mod)
            .map_err(|e| ArtifactError::Internal(e.to_string()))?;
        let check = |data: &[u8], source: &str| -> Result<String, VerifyError> {
            let h1 = dirhash::hash_go_mod(data);
            match gosum.check_go_mod(&m.path, &m.version, &h1) {
                SumCheck::Missing if proved.is_some_and(|p| p != h1) => {
                    Err(VerifyError::HashMismatch {
                        module: m.to_string(),
                        what: "go.mod",
                        from: source.to_string(),
                        computed: h1,
                        expected: proved.unwrap_or_default().to_string(),
                        gosum: "the checksum database".to_string(),
                    })
                }
                SumCheck::Match => Ok(h1),
                SumCheck::Mismatch { expected, file } => Err(VerifyError::HashMismatch {
                    module: m.to_string(),
                    what: "go.mod",
                    from: source.to_string(),
                    computed: h1,
                    expected,
                    gosum: file,
                }),
                SumCheck::Missing => Ok(h1),
            }
        };
        for candidate in self.cached_candidates(&rel) {
            if let Ok(data) = std::fs::read(&candidate) {
                // A cached file that fails verification is ignored, not fatal:
                // it is re-fetched and the fresh bytes decide. Offline there
                // is nothing to re-fetch, so the failure is the answer.
                match check(&data, &candidate.to_string_lossy()) {
                    Ok(h1) => {
                        self.stats.cache_hits.fetch_add(1, Ordering::Relaxed);
                        return Ok((verified(&candidate, &data, Some(h1)), data));
                    }
                    Err(e) if self.client.is_none() => return Err(e.into()),
                    Err(_) => {}
                }
            }
        }
        let (tmp, source, _) = self.download(m, Artifact::Mod, &rel).await?;
        let data = std::fs::read(tmp.path()).map_err(|e| FsError::new("read", tmp.path(), e))?;
        let h1 = check(&data, &source)?;
        let path = self.keep(tmp, &rel)?;
        Ok((verified(&path, &data, Some(h1)), data))
    }

    /// Gets the `.zip` of `m`, verified against the module zip rules and its
    /// go.sum hash `expected` (from `gosum_file`).
    pub async fn zip(
        &self,
        m: &ModVersion,
        expected: &str,
        gosum_file: &str,
    ) -> Result<Verified, ArtifactError> {
        let rel = crate::goproxy::file_name(m, Artifact::Zip)
            .map_err(|e| ArtifactError::Internal(e.to_string()))?;
        for candidate in self.cached_candidates(&rel) {
            if candidate.is_file() {
                let from = candidate.to_string_lossy().into_owned();
                match verify_zip(m, &candidate, expected, gosum_file, &from, None).await {
                    Ok(v) => {
                        self.stats.cache_hits.fetch_add(1, Ordering::Relaxed);
                        return Ok(v);
                    }
                    Err(e) if self.client.is_none() => return Err(e),
                    Err(_) => {}
                }
            }
        }
        let (tmp, source, known) = self.download(m, Artifact::Zip, &rel).await?;
        let v = verify_zip(m, tmp.path(), expected, gosum_file, &source, Some(known)).await?;
        let path = self.keep(tmp, &rel)?;
        Ok(Verified { path, ..v })
    }

    /// Gets the `.info` of `m` in canonical form.
    pub async fn info(&self, m: &ModVersion) -> Result<Verified, ArtifactError> {
        let rel = crate::goproxy::file_name(m, Artifact::Info)
            .map_err(|e| ArtifactError::Internal(e.to_string()))?;
        // Our own cache holds canonical .info files; the go command's holds
        // re-marshalled ones, which canonicalize to the same bytes.
        for candidate in self.cached_candidates(&rel) {
            if let Ok(data) = std::fs::read(&candidate) {
                match canonical_info(m, &data, &candidate.to_string_lossy()) {
                    Ok(canon) => {
                        self.stats.cache_hits.fetch_add(1, Ordering::Relaxed);
                        if canon == data {
                            return Ok(verified(&candidate, &data, None));
                        }
                        return self.keep_bytes(&rel, &canon);
                    }
                    Err(e) if self.client.is_none() => return Err(e.into()),
                    Err(_) => {}
                }
            }
        }
        let (tmp, source, _) = self.download(m, Artifact::Info, &rel).await?;
        let data = std::fs::read(tmp.path()).map_err(|e| FsError::new("read", tmp.path(), e))?;
        let canon = canonical_info(m, &data, &source)?;
        self.keep_bytes(&rel, &canon)
    }

    fn cached_candidates(&self, rel: &str) -> Vec<PathBuf> {
        let mut out = vec![self.cache_path(rel)];
        if let Some(gmc) = &self.gomodcache {
            out.push(gmc.join(rel));
        }
        out
    }

    async fn download(
        &self,
        m: &ModVersion,
        a: Artifact,
        rel: &str,
    ) -> Result<(tempfile::NamedTempFile, String, dirhash::Digests), ArtifactError> {
        let Some(client) = &self.client else {
            return Err(ArtifactError::Unavailable {
                module: m.to_string(),
                artifact: a,
            });
        };
        let target = self.cache_path(rel);
        let dir = target.parent().unwrap_or(&self.cache).to_owned();
        std::fs::create_dir_all(&dir).map_err(|e| FsError::new("create directory", &dir, e))?;
        let tmp = crate::fsutil::partial_in(&dir)?;
        let progress = self.progress.clone();
        let fetched = client
            .fetch(&m.path, &m.version, a, tmp.path(), &move |n| progress(n))
            .await;
        let fetched = match fetched {
            Err(e) if e.is_direct() && self.vcs.is_some() => {
                return self.build_from_vcs(m, a, tmp).await;
            }
            Err(e) => {
                debris::unregister(tmp.path());
                return Err(e.into());
            }
            Ok(f) => f,
        };
        self.stats.downloads.fetch_add(1, Ordering::Relaxed);
        self.stats
            .downloaded_bytes
            .fetch_add(fetched.size, Ordering::Relaxed);
        let mut source = format!("{}/{rel}", fetched.proxy.trim_end_matches('/'));
        if crate::proxy::looks_like_html(tmp.path()) {
            // Said beside whatever check then fails on these bytes.
            source.push_str(&format!(
                " (the server returned an HTML page, not a {a} file: a login page or captive portal?)"
            ));
        }
        let digests = dirhash::Digests {
            size: fetched.size,
            sha256: fetched.sha256,
            blake3: fetched.blake3,
        };
        Ok((tmp, source, digests))
    }

    /// `m`'s artifact built from its repository into `tmp` (the go
    /// command's direct fetch), with its digest for the caller's checks.
    async fn build_from_vcs(
        &self,
        m: &ModVersion,
        a: Artifact,
        tmp: tempfile::NamedTempFile,
    ) -> Result<(tempfile::NamedTempFile, String, dirhash::Digests), ArtifactError> {
        let Some(vcs) = self.vcs.clone() else {
            return Err(ArtifactError::Internal("no version-control source".into()));
        };
        let (m2, path) = (m.clone(), tmp.path().to_owned());
        let done = tokio::task::spawn_blocking(move || -> Result<_, ArtifactError> {
            let source = vcs.fetch(&m2, a, &path)?;
            let f = std::fs::File::open(&path).map_err(|e| FsError::new("open", &path, e))?;
            let digests =
                dirhash::Digester::digest_reader(f).map_err(|e| FsError::new("read", &path, e))?;
            Ok((source, digests))
        })
        .await
        .map_err(|e| ArtifactError::Internal(e.to_string()));
        match done {
            Ok(Ok((source, known))) => {
                self.stats.downloads.fetch_add(1, Ordering::Relaxed);
                Ok((tmp, source, known))
            }
            Ok(Err(e)) | Err(e) => {
                debris::unregister(tmp.path());
                Err(e)
            }
        }
    }

    fn keep(&self, tmp: tempfile::NamedTempFile, rel: &str) -> Result<PathBuf, ArtifactError> {
        let target = self.cache_path(rel);
        crate::fsutil::persist(tmp, &target)?;
        Ok(target)
    }

    fn keep_bytes(&self, rel: &str, data: &[u8]) -> Result<Verified, ArtifactError> {
        let target = self.cache_path(rel);
        crate::fsutil::write_aside(&target, data)?;
        Ok(verified(&target, data, None))
    }
}

fn verified(path: &Path, data: &[u8], h1: Option<String>) -> Verified {
    let d = dirhash::Digester::digest(data);
    Verified {
        path: path.to_owned(),
        size: d.size,
        sha256: hex::encode(d.sha256),
        blake3: hex::encode(d.blake3),
        h1,
        file_digests: None,
    }
}

/// Zip verification is CPU work (inflate + SHA-256): at most one per core
/// runs at a time, whatever the download concurrency, which also bounds the
/// threads (and allocator arenas) it touches.
fn cpu_slots() -> &'static tokio::sync::Semaphore {
    static SLOTS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    SLOTS.get_or_init(|| {
        tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
    })
}

/// Zips at least this large (compressed) are hashed on every core.
const PARALLEL_HASH_BYTES: u64 = 4 << 20;

/// Checks a zip against the module zip rules and its go.sum hash. `known`
/// is the digests computed while downloading, when there was a download,
/// so the file is not read once more for them.
async fn verify_zip(
    m: &ModVersion,
    path: &Path,
    expected: &str,
    gosum_file: &str,
    source: &str,
    known: Option<dirhash::Digests>,
) -> Result<Verified, ArtifactError> {
    let (m2, path2, source2) = (m.clone(), path.to_owned(), source.to_string());
    let _slot = cpu_slots()
        .acquire()
        .await
        .map_err(|e| ArtifactError::Internal(e.to_string()))?;
    type Hashed = (String, dirhash::FileDigests, dirhash::Digests);
    let (h1, listed, digests) =
        tokio::task::spawn_blocking(move || -> Result<Hashed, VerifyError> {
            let rules = |error| VerifyError::ZipRules {
                module: m2.to_string(),
                from: source2.clone(),
                error,
            };
            modzip::check_zip(&m2, &path2)
                .map_err(rules)?
                .to_result(&path2)
                .map_err(rules)?;
            // A large zip is hashed on every core, so that the last big
            // module of a run does not keep one core busy alone.
            let size = known.map_or_else(
                || std::fs::metadata(&path2).map_or(0, |md| md.len()),
                |d| d.size,
            );
            let threads = if size >= PARALLEL_HASH_BYTES {
                std::thread::available_parallelism().map_or(1, |n| n.get())
            } else {
                1
            };
            let (h1, listed) = dirhash::hash_zip_file_listed(&path2, threads).map_err(|error| {
                VerifyError::ZipUnreadable {
                    module: m2.to_string(),
                    from: source2.clone(),
                    error,
                }
            })?;
            if let Some(digests) = known {
                return Ok((h1, listed, digests));
            }
            let unreadable = |e: std::io::Error| VerifyError::Info {
                module: m2.to_string(),
                from: source2.clone(),
                reason: e.to_string(),
            };
            let f = std::fs::File::open(&path2).map_err(unreadable)?;
            let digests = dirhash::Digester::digest_reader(f).map_err(unreadable)?;
            Ok((h1, listed, digests))
        })
        .await
        .map_err(|e| ArtifactError::Internal(e.to_string()))??;
    if h1 != expected {
        return Err(VerifyError::HashMismatch {
            module: m.to_string(),
            what: "zip",
            from: source.to_string(),
            computed: h1,
            expected: expected.to_string(),
            gosum: gosum_file.to_string(),
        }
        .into());
    }
    Ok(Verified {
        path: path.to_owned(),
        size: digests.size,
        sha256: hex::encode(digests.sha256),
        blake3: hex::encode(digests.blake3),
        h1: Some(h1),
        file_digests: Some(listed),
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RevInfo {
    version: String,
    #[serde(default)]
    time: Option<String>,
}

/// Parses an `.info` body, checks it names `m`'s version, and returns the
/// canonical bytes `{"Version":"…","Time":"…"}`.
pub fn canonical_info(m: &ModVersion, data: &[u8], source: &str) -> Result<Vec<u8>, VerifyError> {
    let err = |reason: String| VerifyError::Info {
        module: m.to_string(),
        from: source.to_string(),
        reason,
    };
    let info: RevInfo = serde_json::from_slice(data)
        .map_err(|e| err(format!("invalid response from proxy: {e}")))?;
    if info.version != m.version {
        return Err(err(format!(
            "proxy returned info for version {} instead of requested version {}",
            info.version, m.version
        )));
    }
    // Field order as the go command marshals RevInfo: Version, then Time.
    #[derive(serde::Serialize)]
    #[serde(rename_all = "PascalCase")]
    struct Canonical<'a> {
        version: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        time: Option<&'a str>,
    }
    Ok(serde_json::to_vec(&Canonical {
        version: &info.version,
        time: info.time.as_deref(),
    })
    .unwrap_or_default())
}
