//! `modsnap snapshot`: resolve, download, verify and pack a project's whole
//! module graph into one archive.
//!
//! What goes in is what every offline go command in the main module(s) will
//! ask for (see [`plan`] for the rule and its sources): `.mod` for every
//! module version whose go.mod the go command reads, `.zip` for every module
//! version with a zip line in go.sum, `.info` for every version stored and
//! every module in the build list, and an `@v/list` per module path.
//!
//! Nothing is fetched without a go.sum hash to check it against, except
//! `.info` files, which the protocol does not authenticate (they must still
//! parse and name the requested version).

// Errors here carry their full context (module, URL, both hashes) by
// design; they are returned once per run, so their size does not matter.
#![allow(clippy::result_large_err)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde::Serialize;

use super::fetch::{ArtifactError, Stats, Store, Verified};
use crate::archive::manifest::{FORMAT, FileEntry, Manifest, ModuleEntry};
use crate::archive::{self, ArchiveEntry, ArchiveError};
use crate::fsutil::FsError;
use crate::gosum::GoSum;
use crate::graph::{GoModSource, Graph, GraphError, GraphLoader};
use crate::module::ModVersion;
use crate::project::{Project, ProjectError, read_dir_go_mod};
use crate::proxy::{Artifact, Client, ProxyConfig};

/// What to snapshot and how.
#[derive(Clone)]
pub struct SnapshotOptions {
    /// Project directories (modules or workspaces).
    pub dirs: Vec<PathBuf>,
    /// The archive to write; its extension picks the format.
    pub output: PathBuf,
    /// Plan only: fetch go.mod files to resolve the graph, then report what
    /// would be fetched without writing anything.
    pub dry_run: bool,
    /// Concurrent downloads.
    pub jobs: usize,
    /// GOPROXY and network settings.
    pub proxy: ProxyConfig,
    /// modsnap's cache directory.
    pub cache_dir: PathBuf,
    /// The go command's `$GOMODCACHE`, reused read-only when present.
    pub gomodcache: Option<PathBuf>,
    /// The mtime stamped on archive entries (`SOURCE_DATE_EPOCH`, else 0).
    pub mtime: u64,
}

/// Progress callbacks, implemented by the CLI (a progress bar on a
/// terminal, nothing otherwise).
pub trait Reporter: Send + Sync {
    /// A new phase starts (`resolving`, `downloading`, `writing`).
    fn phase(&self, name: &str, total_items: u64);
    /// One item of the current phase is done.
    fn item_done(&self);
    /// Bytes arrived from the network.
    fn bytes(&self, n: u64);
}

/// A reporter that reports nothing.
pub struct Silent;

impl Reporter for Silent {
    fn phase(&self, _: &str, _: u64) {}
    fn item_done(&self) {}
    fn bytes(&self, _: u64) {}
}

/// Why a snapshot failed.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    /// An input project could not be read.
    #[error(transparent)]
    Project(#[from] ProjectError),
    /// The module graph could not be loaded.
    #[error(transparent)]
    Graph(#[from] GraphError),
    /// go.sum lacks hashes the snapshot needs.
    #[error("{}", missing_message(.dirs, .lines))]
    MissingSums {
        /// The project directories concerned.
        dirs: Vec<String>,
        /// The missing go.sum keys (`path version[/go.mod]`).
        lines: Vec<String>,
    },
    /// Two inputs' go.sum files disagree about a hash.
    #[error(
        "go.sum files disagree about {key}: {a} in {a_file}, {b} in {b_file} (SECURITY ERROR); hint: one of them is wrong; run `go mod verify` in each project"
    )]
    ConflictingSums {
        /// The go.sum key.
        key: String,
        /// One hash.
        a: String,
        /// Where it is recorded.
        a_file: String,
        /// The other hash.
        b: String,
        /// Where it is recorded.
        b_file: String,
    },
    /// Fetching or verifying an artifact failed.
    #[error(transparent)]
    Artifact(#[from] ArtifactError),
    /// The proxy configuration is invalid.
    #[error(transparent)]
    ProxyConfig(#[from] crate::proxy::ProxyConfigError),
    /// Writing the archive failed.
    #[error(transparent)]
    Archive(#[from] ArchiveError),
    /// Local I/O failed.
    #[error(transparent)]
    Fs(#[from] FsError),
    /// The archive cannot be written where `-o` says; found before any
    /// download.
    #[error("`{}`: {detail}; nothing was downloaded", path.display())]
    Output {
        /// The output path.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// A module path cannot be escaped (should have been caught earlier).
    #[error("{0}")]
    Internal(String),
}

fn missing_message(dirs: &[String], lines: &[String]) -> String {
    let shown: Vec<&str> = lines.iter().take(20).map(String::as_str).collect();
    let more = if lines.len() > shown.len() {
        format!(" (and {} more)", lines.len() - shown.len())
    } else {
        String::new()
    };
    format!(
        "go.sum is missing {} hash(es) the go command needs: {}{more}; hint: run `go mod tidy` in {} and snapshot again",
        lines.len(),
        shown.join(", "),
        dirs.join(", ")
    )
}

impl SnapshotError {
    /// True when content failed verification (exit code 3).
    pub fn is_verification_failure(&self) -> bool {
        matches!(
            self,
            SnapshotError::Artifact(ArtifactError::Verify(_))
                | SnapshotError::ConflictingSums { .. }
        )
    }
}

/// One module version in the plan.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Planned {
    /// Module path.
    pub path: String,
    /// Version.
    pub version: String,
    /// Store `.info`.
    pub info: bool,
    /// The go.mod hash when `.mod` is stored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mod_h1: Option<String>,
    /// The zip hash when `.zip` is stored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zip_h1: Option<String>,
    /// The zip's size, when known (cache or a HEAD request).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zip_size: Option<u64>,
}

/// What a snapshot did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SnapshotReport {
    /// The archive written (absent for a dry run).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<PathBuf>,
    /// Module versions stored.
    pub modules: usize,
    /// Files stored (manifest excluded).
    pub files: usize,
    /// Bytes of stored files.
    pub bytes: u64,
    /// Archive size.
    pub archive_bytes: u64,
    /// Artifacts taken from a cache.
    pub cache_hits: u64,
    /// Artifacts downloaded.
    pub downloads: u64,
    /// Bytes downloaded.
    pub downloaded_bytes: u64,
    /// Wall time in seconds.
    pub seconds: f64,
    /// `toolchain` lines of the inputs (not captured yet).
    pub toolchains: Vec<String>,
    /// Things the user should know that did not stop the snapshot.
    pub warnings: Vec<String>,
    /// The plan, per module version.
    pub plan: Vec<Planned>,
}

/// The archive's directory must exist and be writable before anything is
/// fetched.
fn check_output(out: &Path) -> Result<(), SnapshotError> {
    let dir = match out.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let bad = |detail: &str| SnapshotError::Output {
        path: out.to_owned(),
        detail: detail.to_string(),
    };
    if !dir.is_dir() {
        return Err(bad("the output directory does not exist"));
    }
    if out.is_dir() {
        return Err(bad("is a directory; give the archive's file name"));
    }
    if !crate::fsutil::can_write_dir(dir) {
        return Err(bad("the output directory is not writable"));
    }
    Ok(())
}

/// Runs a snapshot on a fresh multi-threaded runtime.
pub fn snapshot(
    opts: &SnapshotOptions,
    reporter: Arc<dyn Reporter>,
) -> Result<SnapshotReport, SnapshotError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| SnapshotError::Internal(format!("cannot start the async runtime: {e}")))?;
    rt.block_on(run(opts, reporter))
}

async fn run(
    opts: &SnapshotOptions,
    reporter: Arc<dyn Reporter>,
) -> Result<SnapshotReport, SnapshotError> {
    let start = Instant::now();
    if !opts.dry_run {
        check_output(&opts.output)?;
    }
    let projects = opts
        .dirs
        .iter()
        .map(|d| Project::load(d))
        .collect::<Result<Vec<_>, _>>()?;
    let gosum = merged_sums(&projects)?;
    let client = Client::new(opts.proxy.clone())?;
    let stats = Arc::new(Stats::default());
    let rep = reporter.clone();
    let store = Store {
        cache: opts.cache_dir.clone(),
        gomodcache: opts
            .gomodcache
            .as_ref()
            .map(|g| g.join(crate::goproxy::MODCACHE_DOWNLOAD)),
        client: Some(client.clone()),
        stats: stats.clone(),
        progress: Arc::new(move |n| rep.bytes(n)),
    };
    let jobs = opts.jobs.max(1);

    // 1. The module graph of every input, and the go.mod files it reads.
    let Resolved {
        graphs,
        warnings,
        mods,
        unavailable,
        ..
    } = resolve(&projects, &gosum, &store, jobs, reporter.as_ref()).await?;
    if let Some(e) = unavailable.into_iter().next() {
        return Err(SnapshotError::Internal(e));
    }

    // 2. The plan.
    let mut plan = plan(&graphs, &gosum);
    let mut report = SnapshotReport {
        toolchains: projects
            .iter()
            .filter_map(|p| p.toolchain.clone())
            .collect(),
        warnings,
        ..Default::default()
    };
    if opts.dry_run {
        let sizes =
            futures_util::stream::iter(plan.values().filter(|p| p.zip_h1.is_some()).cloned())
                .map(|p| {
                    let client = client.clone();
                    async move {
                        let m = ModVersion {
                            path: p.path.clone(),
                            version: p.version.clone(),
                        };
                        let size = client.size(&m.path, &m.version, Artifact::Zip).await;
                        (m, size)
                    }
                })
                .buffer_unordered(jobs)
                .collect::<Vec<_>>()
                .await;
        for (m, size) in sizes {
            if let Some(p) = plan.get_mut(&m) {
                p.zip_size = size;
            }
        }
        report.modules = plan.len();
        report.files = plan
            .values()
            .map(|p| p.info as usize + p.mod_h1.is_some() as usize + p.zip_h1.is_some() as usize)
            .sum();
        report.bytes = plan.values().filter_map(|p| p.zip_size).sum();
        report.plan = plan.into_values().collect();
        fill_stats(&mut report, &stats, start);
        return Ok(report);
    }

    // 3. Every remaining artifact, concurrently, verified.
    let total: u64 = plan
        .values()
        .map(|p| {
            p.info as u64
                + (p.mod_h1.is_some() && !mods.contains_key(&mv(p))) as u64
                + p.zip_h1.is_some() as u64
        })
        .sum();
    reporter.phase("downloading", total);
    let mut jobs_list = Vec::new();
    for p in plan.values() {
        let m = mv(p);
        if p.info {
            jobs_list.push((m.clone(), Artifact::Info, None));
        }
        if let Some(h) = &p.mod_h1
            && !mods.contains_key(&m)
        {
            jobs_list.push((m.clone(), Artifact::Mod, Some(h.clone())));
        }
        if let Some(h) = &p.zip_h1 {
            jobs_list.push((m.clone(), Artifact::Zip, Some(h.clone())));
        }
    }
    let results = futures_util::stream::iter(jobs_list)
        .map(|(m, a, h)| {
            let store = store.clone();
            let gosum = &gosum;
            let reporter = reporter.clone();
            async move {
                let r = match a {
                    Artifact::Info => store.info(&m).await,
                    Artifact::Mod => store.go_mod(&m, gosum).await.map(|(v, _)| v),
                    _ => {
                        let expected = h.unwrap_or_default();
                        let file = gosum_file(gosum, &m).unwrap_or_default();
                        store.zip(&m, &expected, &file).await
                    }
                };
                reporter.item_done();
                (m, a, r)
            }
        })
        .buffer_unordered(jobs)
        .collect::<Vec<_>>()
        .await;
    let mut got: BTreeMap<(ModVersion, &'static str), Verified> = BTreeMap::new();
    for (m, v) in mods {
        got.insert((m, Artifact::Mod.ext()), v);
    }
    let mut first_err = None;
    for (m, a, r) in results {
        match r {
            Ok(v) => {
                got.insert((m, a.ext()), v);
            }
            Err(e) => {
                // A verification failure outranks a network failure.
                let is_verify = matches!(e, ArtifactError::Verify(_));
                match &first_err {
                    Some(ArtifactError::Verify(_)) => {}
                    _ if is_verify || first_err.is_none() => first_err = Some(e),
                    _ => {}
                }
            }
        }
    }
    if let Some(e) = first_err {
        return Err(e.into());
    }

    // 4. The archive.
    reporter.phase("writing", 0);
    let (manifest, entries, lists_dir) = assemble(&projects, &plan, &got)?;
    report.modules = manifest.modules.len();
    report.files = entries.len();
    report.bytes = manifest
        .modules
        .iter()
        .flat_map(|m| m.files.values())
        .map(|f| f.size)
        .sum();
    archive::write_archive(&opts.output, &manifest.to_json(), &entries, opts.mtime)?;
    drop(lists_dir);
    report.archive_bytes = std::fs::metadata(&opts.output)
        .map(|m| m.len())
        .unwrap_or(0);
    report.output = Some(opts.output.clone());
    report.plan = plan.into_values().collect();
    fill_stats(&mut report, &stats, start);
    Ok(report)
}

fn fill_stats(report: &mut SnapshotReport, stats: &Stats, start: Instant) {
    report.cache_hits = stats.cache_hits.load(Ordering::Relaxed);
    report.downloads = stats.downloads.load(Ordering::Relaxed);
    report.downloaded_bytes = stats.downloaded_bytes.load(Ordering::Relaxed);
    report.seconds = (start.elapsed().as_secs_f64() * 1000.0).round() / 1000.0;
}

fn mv(p: &Planned) -> ModVersion {
    ModVersion {
        path: p.path.clone(),
        version: p.version.clone(),
    }
}

fn gosum_file(gosum: &GoSum, m: &ModVersion) -> Option<String> {
    gosum.zip_hash_file(&m.path, &m.version).map(str::to_string)
}

/// Every input's go.sum in one set; two files disagreeing about a key's
/// `h1:` hash is a security error.
/// The projects' go.sum lines merged; two different `h1:` hashes for one
/// module version are a security error naming both files.
pub(crate) fn merged_sums(projects: &[Project]) -> Result<GoSum, SnapshotError> {
    let mut merged = GoSum::new();
    for p in projects {
        if let Some((key, a, a_file, b, b_file)) = merged.merge_checked(&p.gosum) {
            return Err(SnapshotError::ConflictingSums {
                key,
                a,
                a_file,
                b,
                b_file,
            });
        }
    }
    Ok(merged)
}

/// The module graphs of a set of projects, resolved through a store.
pub struct Resolved {
    /// One graph per project.
    pub graphs: Vec<Graph>,
    /// Non-fatal findings (workspace go.sum gaps).
    pub warnings: Vec<String>,
    /// The go.mod files read, verified.
    pub mods: BTreeMap<ModVersion, Verified>,
    /// go.mod files the store could not provide (offline stores only), as
    /// `path@version .mod` (the graph is incomplete where they are).
    pub unavailable: Vec<String>,
    /// go.mod files an offline store holds with the wrong bytes.
    pub corrupt: Vec<String>,
}

/// Loads every project's module graph, fetching (or, for an offline store,
/// looking up) each go.mod it reads, verified against go.sum. A go.sum line
/// missing in module mode is an error listing all of them; in workspace
/// mode it is a warning (see below).
pub async fn resolve(
    projects: &[Project],
    gosum: &GoSum,
    store: &Store,
    jobs: usize,
    reporter: &dyn Reporter,
) -> Result<Resolved, SnapshotError> {
    reporter.phase("resolving", 0);
    let mut graphs = Vec::new();
    let mut missing: BTreeSet<String> = BTreeSet::new();
    let mut missing_dirs = Vec::new();
    let mut warnings = Vec::new();
    let mut unavailable = Vec::new();
    let mut corrupt = Vec::new();
    let mut mods: BTreeMap<ModVersion, Verified> = BTreeMap::new();
    for p in projects {
        let (graph, miss, unav, bad) =
            load_graph(p, gosum, store, jobs, &mut mods, reporter).await?;
        unavailable.extend(unav);
        corrupt.extend(bad);
        if miss.is_empty() {
        } else if p.work.is_some() {
            // In workspace mode the go command does not insist on go.sum
            // lines (cmd/go modload `mustHaveSums` is false): it asks the
            // checksum database, and commands such as `go list -m all` carry
            // on without the go.mod files it cannot verify. Nothing can be
            // verified offline without the hash, so these are left out.
            warnings.push(format!(
                "{}: go.work.sum and the modules' go.sum lack {} go.mod hash(es) the go command reads ({}); they are not in the snapshot, so offline the go command will skip them or ask the checksum database; run `go mod download` in the workspace while online to record them",
                p.dir.display(),
                miss.len(),
                miss.iter().cloned().collect::<Vec<_>>().join(", ")
            ));
        } else {
            missing_dirs.push(p.dir.display().to_string());
            missing.extend(miss);
        }
        graphs.push(graph);
    }
    if !missing.is_empty() {
        return Err(SnapshotError::MissingSums {
            dirs: missing_dirs,
            lines: missing.into_iter().collect(),
        });
    }
    Ok(Resolved {
        graphs,
        warnings,
        mods,
        unavailable,
        corrupt,
    })
}

/// Loads one project's graph, fetching each go.mod it needs (verified
/// against go.sum) `jobs` at a time. Returns the graph and the go.sum keys
/// it found missing.
async fn load_graph(
    p: &Project,
    gosum: &GoSum,
    store: &Store,
    jobs: usize,
    mods: &mut BTreeMap<ModVersion, Verified>,
    reporter: &dyn Reporter,
) -> Result<(Graph, BTreeSet<String>, Vec<String>, Vec<String>), SnapshotError> {
    let ws = p.workspace_replace();
    let mut unavailable = Vec::new();
    let mut corrupt = Vec::new();
    let mut loader = GraphLoader::new(p.mains.clone(), ws.as_ref().map(|(r, d)| (*r, d.as_str())))?;
    let mut missing = BTreeSet::new();
    loop {
        let pending = loader.pending();
        if pending.is_empty() {
            break;
        }
        let fetched = futures_util::stream::iter(pending)
            .map(|src| {
                let store = store.clone();
                async move {
                    let r = match &src {
                        GoModSource::Dir(d) => read_dir_go_mod(&p.dir, d)
                            .map(|data| (None, data))
                            .map_err(SnapshotError::Fs),
                        GoModSource::Module(m) => {
                            if gosum.go_mod_hash(&m.path, &m.version).is_none() {
                                Err(SnapshotError::MissingSums {
                                    dirs: vec![],
                                    lines: vec![format!("{} {}/go.mod", m.path, m.version)],
                                })
                            } else {
                                store
                                    .go_mod(m, gosum)
                                    .await
                                    .map(|(v, data)| (Some((m.clone(), v)), data))
                                    .map_err(SnapshotError::from)
                            }
                        }
                    };
                    (src, r)
                }
            })
            .buffer_unordered(jobs)
            .collect::<Vec<_>>()
            .await;
        for (src, r) in fetched {
            reporter.item_done();
            match r {
                Ok((v, data)) => {
                    if let Some((m, v)) = v {
                        mods.insert(m, v);
                    }
                    loader.provide(&src, &data)?;
                }
                Err(SnapshotError::MissingSums { lines, .. }) => {
                    missing.extend(lines);
                    loader.fail_missing(&src);
                }
                Err(SnapshotError::Artifact(ArtifactError::Unavailable { module, what })) => {
                    unavailable.push(format!("{module} {what}"));
                    loader.fail_missing(&src);
                }
                // Offline (verify), bad bytes are a finding to report with
                // the others; online they stop the snapshot.
                Err(SnapshotError::Artifact(ArtifactError::Verify(e)))
                    if store.client.is_none() =>
                {
                    if let GoModSource::Module(m) = &src {
                        corrupt.push(format!("{m} .mod: {e}"));
                    }
                    loader.fail_missing(&src);
                }
                Err(e) => return Err(e),
            }
        }
    }
    Ok((loader.finish()?, missing, unavailable, corrupt))
}

/// The artifacts to store, from the loaded graphs and go.sum.
///
/// - `.mod`: every go.mod the graph reads (under the replacement's identity)
///   and every `/go.mod` line in go.sum — `go mod tidy` keeps exactly the
///   go.mod sums some go command needs (cmd/go modload `keepSums`), so these
///   cover `go list -m all`, `go mod verify`, `go mod tidy` and lazy builds;
/// - `.zip`: every zip line in go.sum — those are the modules that provide
///   packages (or could, for ambiguous-import checks);
/// - `.info`: every version stored, plus every module in the build list
///   (`go list -m all` and build-info stamping stat them).
pub fn plan(graphs: &[Graph], gosum: &GoSum) -> BTreeMap<ModVersion, Planned> {
    let mut plan: BTreeMap<ModVersion, Planned> = BTreeMap::new();
    fn entry<'a>(plan: &'a mut BTreeMap<ModVersion, Planned>, m: &ModVersion) -> &'a mut Planned {
        plan.entry(m.clone()).or_insert_with(|| Planned {
            path: m.path.clone(),
            version: m.version.clone(),
            info: true,
            ..Default::default()
        })
    }
    for (path, key_version) in gosum.keys() {
        let (version, is_mod) = match key_version.strip_suffix("/go.mod") {
            Some(v) => (v, true),
            None => (key_version, false),
        };
        let m = ModVersion {
            path: path.to_string(),
            version: version.to_string(),
        };
        if is_mod {
            if let Some(h) = gosum.go_mod_hash(path, version) {
                entry(&mut plan, &m).mod_h1 = Some(h.to_string());
            }
        } else if let Some(h) = gosum.zip_hash(path, version) {
            entry(&mut plan, &m).zip_h1 = Some(h.to_string());
        }
    }
    for g in graphs {
        for m in &g.go_mods_read {
            let h = gosum.go_mod_hash(&m.path, &m.version).map(str::to_string);
            entry(&mut plan, m).mod_h1 = h;
        }
        for m in g.build_list() {
            if let GoModSource::Module(actual) = g.actual(&m) {
                entry(&mut plan, &actual);
            }
        }
    }
    plan
}

/// The manifest and archive entries; `@v/list` files are written into a
/// temporary directory that must outlive the archive writing.
fn assemble(
    projects: &[Project],
    plan: &BTreeMap<ModVersion, Planned>,
    got: &BTreeMap<(ModVersion, &'static str), Verified>,
) -> Result<(Manifest, Vec<ArchiveEntry>, tempfile::TempDir), SnapshotError> {
    let mut manifest = Manifest {
        format: FORMAT.to_string(),
        modsnap_version: env!("CARGO_PKG_VERSION").to_string(),
        inputs: projects.iter().map(Project::manifest_input).collect(),
        modules: Vec::new(),
    };
    let blake3 = blake3_all(got)?;
    let mut entries = Vec::new();
    let mut versions: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (m, p) in plan {
        let mut me = ModuleEntry {
            path: m.path.clone(),
            version: m.version.clone(),
            zip_h1: p.zip_h1.clone(),
            mod_h1: p.mod_h1.clone(),
            files: BTreeMap::new(),
        };
        for a in Artifact::VERSIONED {
            let k = a.ext();
            let Some(v) = got.get(&(m.clone(), k)) else {
                continue;
            };
            let name = crate::goproxy::file_name(m, a)
                .map_err(|e| SnapshotError::Internal(e.to_string()))?;
            me.files.insert(
                k.to_string(),
                FileEntry {
                    name: name.clone(),
                    size: v.size,
                    sha256: v.sha256.clone(),
                    blake3: blake3.get(&v.path).cloned(),
                },
            );
            entries.push(ArchiveEntry {
                name,
                source: v.path.clone(),
            });
        }
        versions
            .entry(m.path.clone())
            .or_default()
            .push(m.version.clone());
        manifest.modules.push(me);
    }
    let lists = tempfile::tempdir()
        .map_err(|e| FsError::new("create temporary directory", Path::new("."), e))?;
    for (i, (path, vs)) in versions.into_iter().enumerate() {
        let file = lists.path().join(format!("list-{i}"));
        std::fs::write(&file, crate::goproxy::list_text(vs))
            .map_err(|e| FsError::new("write", &file, e))?;
        let name =
            crate::goproxy::list_name(&path).map_err(|e| SnapshotError::Internal(e.to_string()))?;
        entries.push(ArchiveEntry { name, source: file });
    }
    Ok((manifest, entries, lists))
}

/// BLAKE3 of every verified file, one worker per core. The files were just
/// verified and are in the page cache; this pass costs a fraction of a
/// second for hundreds of MB (see [`crate::archive::manifest`]).
fn blake3_all(
    got: &BTreeMap<(ModVersion, &'static str), Verified>,
) -> Result<BTreeMap<PathBuf, String>, SnapshotError> {
    let paths: Vec<&Path> = got.values().map(|v| v.path.as_path()).collect();
    let digests = crate::parallel::map(&paths, 8, |p| {
        archive::manifest::blake3_file(p).map_err(|e| FsError::new("read", p, e))
    })?;
    Ok(paths.iter().map(|p| p.to_path_buf()).zip(digests).collect())
}

/// The default number of concurrent downloads.
pub fn default_jobs() -> usize {
    16
}

/// The default per-request timeouts used by the CLI.
pub fn default_timeouts() -> (Duration, Duration) {
    (Duration::from_secs(30), Duration::from_secs(60))
}
