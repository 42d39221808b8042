//! `modsnap serve`: what is served, from which archives and trees, and
//! proof that it is what the snapshot verified. The HTTP side is
//! [`crate::serve`]; this module is its [`Files`].
//!
//! **Sources.** A plain `.tar` archive is read in place
//! ([`TarIndex`]: names, types and the manifest checked at start-up, then
//! each file read at its offset). A compressed or zip archive is refused
//! with a hint to restore it (or decompress it) first: serving it would
//! mean unpacking it somewhere, which `restore` already does safely. A
//! directory is a restored GOPROXY tree (or a module cache's
//! `cache/download`); files whose names are not GOPROXY files (locks,
//! staging, `.ziphash`) are skipped.
//!
//! **Merging** follows `restore`: identical files are shared, `@v/list`
//! files become the union of the versions, and a file whose bytes differ
//! between two sources stops start-up, naming both. Checksum-database
//! files follow the same byte rule (restore's join of bundles signed at
//! different heads needs a tree: restore both archives into one and serve
//! it).
//!
//! **Integrity.** Archive files are checked against the manifest (BLAKE3
//! when recorded, else SHA-256): every small file (`.info`, `.mod`, lists,
//! database files) at start-up, each zip in full on its first request, then
//! remembered — a file that fails is never served (500, and an error log
//! line naming it). A tree has no manifest: its files were verified when
//! restored (and `modsnap verify --proxy` checks them again); serve hashes
//! each on first read for its `ETag`, and compares a tree file with an
//! archive's copy of the same name at start-up.
//!
//! **Computed answers.** `@v/list` is the union of the versions the sources
//! hold (pseudo-versions included, as restore writes it). `@latest`, never
//! stored, is the `.info` of the version a proxy reports as latest, by the
//! go command's rule (cmd/go `modfetch/proxy.go` and `modload/query.go`):
//! the highest release if there is one, else the highest pre-release, else
//! the pseudo-version with the latest time (`latestFromList`), considering
//! only versions whose `.info` is held. `ETag` is the content's digest;
//! `Last-Modified` is the version's `.info` time (lists: their newest
//! version's), so both are the same across restarts.
//!
//! Not here: HTTP, TLS, timeouts ([`crate::serve`]); writing anything.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use tokio::sync::OnceCell;

use crate::archive::read::{self as aread, EntryKind, ReadError, TarIndex};
use crate::archive::{Format, manifest::FileEntry};
use crate::classify::{Classify, ErrorClass};
use crate::fsutil::FsError;
use crate::goproxy::{self, Artifact, ProxyFile};
use crate::module::{self, ModVersion};
use crate::serve::{Body, ContentKind, Files, Found, Resource};

/// Why `serve` cannot start. Nothing was served.
#[derive(Debug, thiserror::Error)]
pub enum ServeSourceError {
    /// An archive is unreadable, unsafe or tampered with.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// Local I/O failed.
    #[error(transparent)]
    Fs(#[from] FsError),
    /// A compressed or zip archive.
    #[error("`{}`: serve reads plain .tar archives in place, and this one is {format}; hint: restore it once (modsnap restore {} --proxy DIR) and serve DIR, or decompress it to a .tar", path.display(), path.display())]
    Compressed {
        /// The archive.
        path: PathBuf,
        /// Its format.
        format: &'static str,
    },
    /// Two sources hold different bytes under one name.
    #[error("{} differs between `{}` and `{}` ({count} conflicting file(s)); nothing is served; hint: serve them separately, or restore both into one tree (restore reports what cannot be joined) and serve that", module::quote(name), first.display(), second.display())]
    Conflict {
        /// The first conflicting file.
        name: String,
        /// One source holding it.
        first: PathBuf,
        /// Another, with different bytes.
        second: PathBuf,
        /// How many names conflict.
        count: usize,
    },
    /// Nothing to serve.
    #[error("no archive or tree to serve")]
    NoSources,
}

impl Classify for ServeSourceError {
    fn class(&self) -> ErrorClass {
        match self {
            ServeSourceError::Read(e) => e.class(),
            ServeSourceError::Fs(_) => ErrorClass::Failure,
            ServeSourceError::Compressed { .. } | ServeSourceError::NoSources => ErrorClass::Usage,
            ServeSourceError::Conflict { .. } => ErrorClass::Failure,
        }
    }
}

/// Where a source's file is.
#[derive(Debug)]
enum Loc {
    /// An entry of source `src`'s `.tar`, at `offset`.
    Tar { offset: u64 },
    /// A file of source `src`'s tree.
    Tree { path: PathBuf },
}

/// One held file.
#[derive(Debug)]
struct Held {
    src: usize,
    name: String,
    loc: Loc,
    size: u64,
    kind: ContentKind,
    modified: Option<SystemTime>,
    /// The `ETag` the manifest implies (archives).
    described: Option<String>,
    /// The `ETag` once verified (archives) or hashed (trees); an error is
    /// remembered too, and the file is never served.
    state: OnceCell<Result<String, String>>,
}

/// One source.
enum Source {
    Archive {
        index: Box<TarIndex>,
        file: Arc<File>,
    },
    Tree {
        dir: PathBuf,
    },
}

impl Source {
    fn label(&self) -> &Path {
        match self {
            Source::Archive { index, .. } => index.path(),
            Source::Tree { dir } => dir,
        }
    }
}

/// A computed `@v/list`.
struct List {
    text: Bytes,
    etag: String,
    modified: Option<SystemTime>,
}

/// Everything served, merged from the sources.
pub struct Catalog {
    sources: Vec<Arc<Source>>,
    files: HashMap<String, Arc<Held>>,
    lists: HashMap<String, List>,
    latest: HashMap<String, Arc<Held>>,
}

/// What start-up found.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct CatalogReport {
    /// The sources, as given.
    pub sources: Vec<PathBuf>,
    /// Files served (lists and `@latest` excluded).
    pub files: usize,
    /// Module versions with a file served.
    pub module_versions: usize,
    /// Module paths with an `@v/list`.
    pub modules: usize,
    /// Checksum databases with files served (`sum.golang.org`).
    pub sumdbs: Vec<String>,
    /// Files verified at start-up.
    pub verified: usize,
    /// Files that failed verification at start-up (never served).
    pub failed: Vec<String>,
    /// Files held by more than one source (identical).
    pub shared: usize,
    /// How long start-up took.
    #[serde(skip)]
    pub took: Duration,
}

/// A candidate for one name, before merging.
struct Candidate {
    src: usize,
    loc: Loc,
    size: u64,
    described: Option<Digest>,
}

/// The digests the manifest records for a file, as bytes (a large
/// archive's catalog must not copy every name and hex string again).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Digest {
    sha256: [u8; 32],
    blake3: Option<[u8; 32]>,
}

impl Digest {
    /// A malformed hex digest becomes zeros: the file then fails its
    /// check against the manifest when read, and is never served.
    fn of(d: &FileEntry) -> Digest {
        let parse = |h: &str| {
            let mut out = [0u8; 32];
            hex::decode_to_slice(h, &mut out)
                .map(|()| out)
                .unwrap_or([0u8; 32])
        };
        Digest {
            sha256: parse(&d.sha256),
            blake3: d.blake3.as_deref().map(parse),
        }
    }

    fn etag(&self) -> String {
        etag_of(&hex::encode(self.blake3.unwrap_or(self.sha256)))
    }
}

fn kind_of(file: &ProxyFile) -> ContentKind {
    match file {
        ProxyFile::Version { artifact, .. } => match artifact {
            Artifact::Zip => ContentKind::Zip,
            Artifact::Info | Artifact::Latest => ContentKind::Json,
            Artifact::Mod | Artifact::List => ContentKind::Text,
        },
        ProxyFile::List { .. } => ContentKind::Text,
        ProxyFile::Latest { .. } => ContentKind::Json,
        ProxyFile::Sumdb { rest, .. } if rest.starts_with("tile/") => ContentKind::Binary,
        ProxyFile::Sumdb { .. } => ContentKind::Text,
    }
}

fn etag_of(hex: &str) -> String {
    format!("\"{}\"", &hex[..hex.len().min(32)])
}

impl Catalog {
    /// Opens and merges `paths` (archives and trees). Blocking: call it
    /// off the async workers.
    pub fn open(paths: &[PathBuf]) -> Result<(Catalog, CatalogReport), ServeSourceError> {
        let started = std::time::Instant::now();
        if paths.is_empty() {
            return Err(ServeSourceError::NoSources);
        }
        let mut sources = Vec::new();
        let mut candidates: BTreeMap<String, Vec<Candidate>> = BTreeMap::new();
        let mut versions: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (src, path) in paths.iter().enumerate() {
            let md = std::fs::metadata(path).map_err(|e| FsError::new("stat", path, e))?;
            if md.is_dir() {
                scan_tree(src, path, &mut candidates, &mut versions)?;
                sources.push(Arc::new(Source::Tree { dir: path.clone() }));
                continue;
            }
            let Some(index) = TarIndex::open(path)? else {
                return Err(ServeSourceError::Compressed {
                    path: path.clone(),
                    format: match aread::sniff(path)? {
                        Format::TarGz => "gzip-compressed",
                        Format::TarZst => "zstd-compressed",
                        Format::Zip => "a zip file",
                        Format::Tar => "a tar file",
                    },
                });
            };
            for f in index.files() {
                match f.kind {
                    EntryKind::List { module } => {
                        if let Some(text) = f.list {
                            versions
                                .entry(module.clone())
                                .or_default()
                                .extend(goproxy::list_versions(text).map(str::to_string));
                        }
                    }
                    EntryKind::Manifest => {}
                    EntryKind::Artifact { .. } | EntryKind::Sumdb => candidates
                        .entry(f.name.to_string())
                        .or_default()
                        .push(Candidate {
                            src,
                            loc: Loc::Tar { offset: f.offset },
                            size: f.size,
                            described: f.described.map(Digest::of),
                        }),
                }
            }
            let file = File::open(path).map_err(|e| FsError::new("open", path, e))?;
            sources.push(Arc::new(Source::Archive {
                index: Box::new(index),
                file: Arc::new(file),
            }));
        }
        let mut report = CatalogReport {
            sources: paths.to_vec(),
            ..Default::default()
        };
        let chosen = merge(&sources, candidates, &mut report)?;
        // Small files are verified (archives) or read (trees) now; `.info`
        // times give Last-Modified.
        let small: Vec<&(String, Candidate)> = chosen
            .iter()
            .filter(|(name, _)| !name.ends_with(".zip"))
            .collect();
        let checked = crate::parallel::map(&small, 8, |(name, c)| {
            Ok::<_, std::convert::Infallible>(check_small(&sources[c.src], name, c))
        })
        .unwrap_or_default();
        let mut times: HashMap<ModVersion, SystemTime> = HashMap::new();
        let mut files = HashMap::with_capacity(chosen.len());
        let mut held_versions = BTreeSet::new();
        let mut sumdbs = BTreeSet::new();
        let mut early: HashMap<String, Result<String, String>> = HashMap::new();
        for ((name, _), result) in small.iter().zip(checked) {
            match &result {
                Ok((_, Some(t))) => {
                    if let Ok(ProxyFile::Version { module, .. }) = goproxy::parse(name) {
                        times.insert(module, *t);
                    }
                    report.verified += 1;
                }
                Ok(_) => report.verified += 1,
                Err(detail) => {
                    tracing::error!("serve: {} is not served: {detail}", module::quote(name));
                    report.failed.push(name.clone());
                }
            }
            early.insert(name.clone(), result.map(|(etag, _)| etag));
        }
        for (name, c) in chosen {
            let Ok(file) = goproxy::parse(&name) else {
                continue;
            };
            let modified = match &file {
                ProxyFile::Version { module, .. } => {
                    held_versions.insert(module.clone());
                    times.get(module).copied()
                }
                ProxyFile::Sumdb { name, .. } => {
                    sumdbs.insert(name.clone());
                    None
                }
                _ => None,
            };
            let state = OnceCell::new();
            if let Some(result) = early.remove(&name) {
                let _ = state.set(result);
            }
            files.insert(
                name.clone(),
                Arc::new(Held {
                    src: c.src,
                    kind: kind_of(&file),
                    name,
                    loc: c.loc,
                    size: c.size,
                    modified,
                    described: c.described.as_ref().map(Digest::etag),
                    state,
                }),
            );
        }
        let mut lists = HashMap::new();
        let mut latest = HashMap::new();
        for (path, vs) in &versions {
            let text = goproxy::list_text(vs.iter().cloned());
            let modified = vs
                .iter()
                .filter_map(|v| times.get(&ModVersion::new(path.clone(), v.clone())))
                .max()
                .copied();
            lists.insert(
                path.clone(),
                List {
                    etag: etag_of(&blake3::hash(text.as_bytes()).to_hex()),
                    text: Bytes::from(text),
                    modified,
                },
            );
            let with_info: Vec<&str> = vs
                .iter()
                .map(String::as_str)
                .filter(|v| {
                    goproxy::file_name(&ModVersion::new(path.clone(), *v), Artifact::Info)
                        .is_ok_and(|n| files.contains_key(&n))
                })
                .collect();
            if let Some(v) = latest_version(&with_info)
                && let Ok(n) = goproxy::file_name(&ModVersion::new(path.clone(), v), Artifact::Info)
                && let Some(h) = files.get(&n)
            {
                latest.insert(path.clone(), h.clone());
            }
        }
        report.files = files.len();
        report.module_versions = held_versions.len();
        report.modules = lists.len();
        report.sumdbs = sumdbs.into_iter().collect();
        report.took = started.elapsed();
        Ok((
            Catalog {
                sources,
                files,
                lists,
                latest,
            },
            report,
        ))
    }

    async fn ready(&self, held: &Arc<Held>) -> Result<String, String> {
        let h = held.clone();
        let src = self.sources[held.src].clone();
        held.state
            .get_or_init(|| async move {
                tokio::task::spawn_blocking(move || check_full(&src, &h))
                    .await
                    .unwrap_or_else(|e| Err(format!("check failed: {e}")))
            })
            .await
            .clone()
    }

    async fn serve_held(&self, held: &Arc<Held>, kind: ContentKind) -> Found {
        match self.ready(held).await {
            Ok(etag) => Found::Resource(Resource {
                len: held.size,
                kind,
                etag,
                modified: held.modified,
                body: match (&held.loc, &*self.sources[held.src]) {
                    (Loc::Tar { offset }, Source::Archive { file, .. }) => Body::File {
                        file: file.clone(),
                        offset: *offset,
                    },
                    (Loc::Tree { path }, _) => match File::open(path) {
                        Ok(f) => Body::File {
                            file: Arc::new(f),
                            offset: 0,
                        },
                        Err(e) => {
                            return self.failed(held, format!("open `{}`: {e}", path.display()));
                        }
                    },
                    (Loc::Tar { .. }, Source::Tree { .. }) => {
                        return self.failed(held, "internal: location mismatch".into());
                    }
                },
            }),
            Err(detail) => self.failed(held, detail),
        }
    }

    fn failed(&self, held: &Held, detail: String) -> Found {
        let line = format!(
            "{} from `{}`: {detail}",
            module::quote(&held.name),
            self.sources[held.src].label().display()
        );
        tracing::error!("serve: not serving {line}");
        Found::Failed(line)
    }
}

impl Files for Catalog {
    async fn find(&self, file: &ProxyFile) -> Found {
        let not_found =
            |what: String| Found::NotFound(format!("not found: {what}: not in this snapshot"));
        match file {
            ProxyFile::Version { module, artifact } => {
                let Ok(name) = goproxy::file_name(module, *artifact) else {
                    return not_found(module.to_string());
                };
                match self.files.get(&name) {
                    Some(h) => self.serve_held(h, h.kind).await,
                    None => not_found(module.to_string()),
                }
            }
            ProxyFile::List { module } => match self.lists.get(module) {
                Some(l) => Found::Resource(Resource {
                    len: l.text.len() as u64,
                    kind: ContentKind::Text,
                    etag: l.etag.clone(),
                    modified: l.modified,
                    body: Body::Memory(l.text.clone()),
                }),
                None => not_found(module.clone()),
            },
            ProxyFile::Latest { module } => match self.latest.get(module) {
                Some(h) => self.serve_held(h, ContentKind::Json).await,
                None => not_found(format!("{module}@latest")),
            },
            ProxyFile::Sumdb { name, rest } => {
                let key = goproxy::sumdb_name(name, rest);
                match self.files.get(&key) {
                    Some(h) => self.serve_held(h, h.kind).await,
                    None => not_found(key),
                }
            }
        }
    }
}

/// Walks a tree, adding its GOPROXY files as candidates and its lists'
/// versions.
fn scan_tree(
    src: usize,
    dir: &Path,
    candidates: &mut BTreeMap<String, Vec<Candidate>>,
    versions: &mut BTreeMap<String, BTreeSet<String>>,
) -> Result<(), ServeSourceError> {
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.map_err(|e| {
            let path = e.path().unwrap_or(dir).to_owned();
            FsError::new("read", &path, e.into())
        })?;
        if !entry.file_type().is_file() {
            continue;
        }
        let Ok(rel) = entry.path().strip_prefix(dir) else {
            continue;
        };
        let Some(rel) = rel.to_str() else { continue };
        let name = rel.replace('\\', "/");
        match goproxy::parse(&name) {
            Ok(ProxyFile::List { module }) => {
                let text = std::fs::read_to_string(entry.path())
                    .map_err(|e| FsError::new("read", entry.path(), e))?;
                versions
                    .entry(module)
                    .or_default()
                    .extend(goproxy::list_versions(&text).map(str::to_string));
            }
            Ok(ProxyFile::Version { .. } | ProxyFile::Sumdb { .. }) => {
                let size = entry
                    .metadata()
                    .map_err(|e| FsError::new("stat", entry.path(), e.into()))?
                    .len();
                candidates.entry(name).or_default().push(Candidate {
                    src,
                    loc: Loc::Tree {
                        path: entry.path().to_owned(),
                    },
                    size,
                    described: None,
                });
            }
            // `@latest` is computed; anything else is not a GOPROXY file.
            Ok(ProxyFile::Latest { .. }) | Err(_) => {}
        }
    }
    Ok(())
}

/// One candidate per name: identical copies shared, differing bytes an
/// error. An archive's copy is preferred (it has a manifest to check).
fn merge(
    sources: &[Arc<Source>],
    candidates: BTreeMap<String, Vec<Candidate>>,
    report: &mut CatalogReport,
) -> Result<Vec<(String, Candidate)>, ServeSourceError> {
    let mut chosen = Vec::with_capacity(candidates.len());
    let mut conflict: Option<(String, usize, usize)> = None;
    let mut count = 0;
    for (name, mut cs) in candidates {
        if cs.len() > 1 {
            report.shared += 1;
            let first = cs.iter().position(|c| c.described.is_some()).unwrap_or(0);
            let keep = cs.swap_remove(first);
            for other in &cs {
                if !same_bytes(&keep, other)? {
                    count += 1;
                    if conflict.is_none() {
                        conflict = Some((name.clone(), keep.src, other.src));
                    }
                }
            }
            chosen.push((name, keep));
        } else if let Some(c) = cs.pop() {
            chosen.push((name, c));
        }
    }
    if let Some((name, a, b)) = conflict {
        let (a, b) = (a.min(b), a.max(b));
        return Err(ServeSourceError::Conflict {
            name,
            first: sources[a].label().to_owned(),
            second: sources[b].label().to_owned(),
            count,
        });
    }
    Ok(chosen)
}

/// Whether two candidates hold the same bytes: sizes, then the manifests'
/// digests, hashing a tree's file where one side has no manifest.
fn same_bytes(a: &Candidate, b: &Candidate) -> Result<bool, FsError> {
    if a.size != b.size {
        return Ok(false);
    }
    let blake = [a, b]
        .iter()
        .all(|c| c.described.as_ref().is_none_or(|d| d.blake3.is_some()));
    let digest = |c: &Candidate| -> Result<[u8; 32], FsError> {
        if let Some(d) = &c.described {
            return Ok(if blake {
                d.blake3.unwrap_or_default()
            } else {
                d.sha256
            });
        }
        let Loc::Tree { path } = &c.loc else {
            return Ok([0u8; 32]);
        };
        let mut f = File::open(path).map_err(|e| FsError::new("open", path, e))?;
        let read = |e| FsError::new("read", path, e);
        if blake {
            let mut h = blake3::Hasher::new();
            std::io::copy(&mut f, &mut h).map_err(read)?;
            Ok(*h.finalize().as_bytes())
        } else {
            let mut h = crate::dirhash::Sha256::new();
            let mut buf = vec![0u8; 1 << 20];
            loop {
                let n = std::io::Read::read(&mut f, &mut buf).map_err(read)?;
                if n == 0 {
                    break;
                }
                h.update(&buf[..n]);
            }
            Ok(h.finalize())
        }
    };
    Ok(digest(a)? == digest(b)?)
}

/// Checks a small file at start-up: the `ETag`, and for an `.info` its time.
fn check_small(
    source: &Source,
    name: &str,
    c: &Candidate,
) -> Result<(String, Option<SystemTime>), String> {
    let data = match (&c.loc, source) {
        (Loc::Tar { .. }, Source::Archive { index, .. }) => {
            let mut w = index
                .open_file(name, aread::Check::Fast)
                .map_err(|e| e.to_string())?;
            let mut data = Vec::with_capacity(c.size as usize);
            std::io::Read::read_to_end(&mut w, &mut data).map_err(|e| e.to_string())?;
            data
        }
        (Loc::Tree { path }, _) => {
            std::fs::read(path).map_err(|e| format!("read `{}`: {e}", path.display()))?
        }
        _ => return Err("internal: location mismatch".into()),
    };
    let etag = match &c.described {
        Some(d) => d.etag(),
        None => etag_of(&blake3::hash(&data).to_hex()),
    };
    let time = name.ends_with(".info").then(|| info_time(&data)).flatten();
    Ok((etag, time))
}

/// Checks a file in full on its first request: an archive's against the
/// manifest, a tree's hashed (and its size compared with start-up's).
fn check_full(source: &Source, held: &Held) -> Result<String, String> {
    match (&held.loc, source) {
        (Loc::Tar { .. }, Source::Archive { index, .. }) => {
            index.verify_file(&held.name).map_err(|e| e.to_string())?;
            held.described
                .clone()
                .ok_or_else(|| "not described by the manifest".to_string())
        }
        (Loc::Tree { path }, _) => {
            let mut f = File::open(path).map_err(|e| format!("open `{}`: {e}", path.display()))?;
            let mut hasher = blake3::Hasher::new();
            let n = std::io::copy(&mut f, &mut hasher)
                .map_err(|e| format!("read `{}`: {e}", path.display()))?;
            if n != held.size {
                return Err(format!(
                    "`{}` changed since start-up ({} bytes, was {})",
                    path.display(),
                    n,
                    held.size
                ));
            }
            Ok(etag_of(&hasher.finalize().to_hex()))
        }
        _ => Err("internal: location mismatch".into()),
    }
}

/// The `Time` of an `.info` file.
fn info_time(data: &[u8]) -> Option<SystemTime> {
    #[derive(serde::Deserialize)]
    struct Info {
        #[serde(rename = "Time")]
        time: Option<String>,
    }
    let info: Info = serde_json::from_slice(data).ok()?;
    parse_rfc3339(info.time.as_deref()?)
}

/// An RFC 3339 time as Go's `time.RFC3339` writes it
/// (`2006-01-02T15:04:05Z`, optional fraction, `Z` or `±hh:mm`).
fn parse_rfc3339(s: &str) -> Option<SystemTime> {
    let b = s.as_bytes();
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> { s.get(r)?.parse().ok() };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, min, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let mut rest = &s[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        rest = &frac[digits..];
    }
    let offset = match rest {
        "Z" => 0,
        r if r.len() == 6 && (r.starts_with('+') || r.starts_with('-')) && &r[3..4] == ":" => {
            let h: i64 = r[1..3].parse().ok()?;
            let m: i64 = r[4..6].parse().ok()?;
            let o = h * 3600 + m * 60;
            if r.starts_with('-') { -o } else { o }
        }
        _ => return None,
    };
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || min > 59 || sec > 60 {
        return None;
    }
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146097 + doe - 719468;
    let secs = days * 86400 + hour * 3600 + min * 60 + sec - offset;
    let secs = u64::try_from(secs).ok()?;
    Some(SystemTime::UNIX_EPOCH + Duration::from_secs(secs))
}

/// The version a proxy reports at `@latest` among `versions`: the highest
/// release, else the highest pre-release, else the pseudo-version with the
/// latest time.
fn latest_version<'a>(versions: &[&'a str]) -> Option<&'a str> {
    let tagged = |release: bool| {
        versions
            .iter()
            .copied()
            .filter(|v| !module::is_pseudo_version(v))
            .filter(|v| crate::semver::prerelease(v).is_empty() == release)
            .reduce(|a, b| crate::semver::max(a, b))
    };
    // Ties keep the first in list order, as `bestTime.Before(ft)` does.
    let mut best: Option<(&'a str, module::PseudoTime)> = None;
    for v in versions.iter().copied() {
        if !module::is_pseudo_version(v) {
            continue;
        }
        let Ok(t) = module::pseudo_version_time(v) else {
            continue;
        };
        if best.is_none_or(|(_, bt)| bt < t) {
            best = Some((v, t));
        }
    }
    tagged(true)
        .or_else(|| tagged(false))
        .or(best.map(|(v, _)| v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latest_follows_the_go_command() {
        assert_eq!(
            latest_version(&[
                "v1.0.0",
                "v1.2.0-pre",
                "v1.1.0",
                "v0.0.0-20240101000000-abcdefabcdef"
            ]),
            Some("v1.1.0")
        );
        assert_eq!(
            latest_version(&["v1.2.0-pre", "v1.3.0-rc.1"]),
            Some("v1.3.0-rc.1")
        );
        assert_eq!(
            latest_version(&[
                "v0.0.0-20240101000000-abcdefabcdef",
                "v1.0.1-0.20230101000000-abcdefabcdef",
            ]),
            Some("v0.0.0-20240101000000-abcdefabcdef"),
            "the pseudo-version with the latest time, not the highest"
        );
        assert_eq!(latest_version(&[]), None);
    }

    #[test]
    fn rfc3339_times() {
        let t = |s| {
            parse_rfc3339(s).map(|t| t.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs())
        };
        assert_eq!(t("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(t("2019-10-29T22:00:17Z"), Some(1572386417));
        assert_eq!(t("2019-10-29T22:00:17.123456Z"), Some(1572386417));
        assert_eq!(t("2019-10-30T00:00:17+02:00"), Some(1572386417));
        assert_eq!(t("2019-10-29 22:00:17Z"), None);
        assert_eq!(t("2019-13-29T22:00:17Z"), None);
        assert_eq!(t(""), None);
    }
}
