//! `modsnap snapshot`: resolve, download, verify and pack a project's whole
//! module graph into one archive.
//!
//! What goes in is what every offline go command in the main module(s) will
//! ask for (see [`plan`] for the rule and its sources): `.mod` for every
//! module version whose go.mod the go command reads, `.zip` for every module
//! version with a zip line in go.sum, `.info` for every module in the build
//! list, every zip and each path's highest version, and an `@v/list` per
//! module path.
//!
//! Nothing is fetched without a go.sum hash to check it against, except
//! `.info` files, which the protocol does not authenticate (they must still
//! parse and name the requested version).

// Errors here carry their full context (module, URL, both hashes) by
// design; they are returned once per run, so their size does not matter.
#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use futures_util::StreamExt;
use serde::Serialize;

use super::fetch::{ArtifactError, Stats, Store, Verified};
use super::plan::{Planned, plan};
use super::progress::Reporter;
use super::resolve::{ResolveError, Resolved, load_projects, resolve};
use crate::archive::manifest::{
    FORMAT, FileEntry, Manifest, ModuleEntry, SumdbRecord, Unavailable,
};
use crate::archive::{self, ArchiveEntry, ArchiveError};
use crate::classify::{Classify, ErrorClass};
use crate::fsutil::FsError;
use crate::gosum::GoSum;
use crate::module::ModVersion;
use crate::project::{GoWork, Project};
use crate::proxy::{Artifact, Client, ProxyConfig};
use crate::vendoring::{self, ModuleSource, OpenedZip, SourceError, VendorError};

/// What to snapshot and how.
#[derive(Clone)]
pub struct SnapshotOptions {
    /// `GOWORK`: which go.work puts the directories in workspace mode.
    pub gowork: GoWork,
    /// The checksum-database check of go.sum; `Err` says why it is skipped.
    pub sumdb: Result<super::sumcheck::SumdbOptions, String>,
    /// Which Go toolchains to capture.
    pub toolchains: super::toolchains::ToolchainOptions,
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
    /// Fetch modules the settings send `direct` from version control
    /// (`None`: such modules are an error).
    pub vcs: Option<super::coderepo::VcsConfig>,
    /// The go command's `$GOMODCACHE`, reused read-only when present.
    pub gomodcache: Option<PathBuf>,
    /// The mtime stamped on archive entries (`SOURCE_DATE_EPOCH`, else 0).
    pub mtime: u64,
    /// Write the archive even when the main modules' packages cannot be
    /// built from it (a warning instead of [`SnapshotError::Incomplete`]).
    pub allow_incomplete: bool,
}

/// Why a snapshot failed.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    /// The inputs, their go.sum lines or their graphs could not be loaded.
    #[error(transparent)]
    Resolve(#[from] ResolveError),
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
    /// The go command could not build the main modules' packages from the
    /// snapshot (a module providing an imported package has no zip line in
    /// go.sum, a package no module provides, …).
    #[error(
        "{}: the go command could not build this project's packages from the snapshot: {error}; nothing was written (pass --allow-incomplete to write it anyway)",
        dir.display()
    )]
    Incomplete {
        /// The project.
        dir: PathBuf,
        /// What the package loader found.
        error: Box<VendorError>,
    },
    /// The checksum database disagrees with go.sum, or cannot be used.
    #[error(transparent)]
    Sumdb(#[from] super::sumcheck::SumdbError),
    /// A toolchain that cannot be captured.
    #[error(transparent)]
    Toolchain(#[from] super::toolchains::ToolchainError),
    /// A module path cannot be escaped (should have been caught earlier).
    #[error("{0}")]
    Internal(String),
}

impl Classify for SnapshotError {
    fn class(&self) -> ErrorClass {
        match self {
            SnapshotError::Sumdb(e) => e.class(),
            SnapshotError::Toolchain(e) => e.class(),
            SnapshotError::Resolve(e) => e.class(),
            SnapshotError::Artifact(e) => e.class(),
            SnapshotError::Incomplete { error, .. } => error.class(),
            _ => ErrorClass::Failure,
        }
    }

    fn module(&self) -> Option<String> {
        match self {
            SnapshotError::Resolve(e) => e.module(),
            SnapshotError::Artifact(e) => e.module(),
            _ => None,
        }
    }

    fn url(&self) -> Option<String> {
        match self {
            SnapshotError::Resolve(e) => e.url(),
            SnapshotError::Artifact(e) => e.url(),
            _ => None,
        }
    }
}

/// What a snapshot did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SnapshotReport {
    /// The archive written (absent for a dry run).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<PathBuf>,
    /// Module versions stored.
    pub modules: usize,
    /// Module files stored (`.info`, `.mod`, `.zip`; the manifest and `@v/list` files not counted).
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
    /// The toolchains captured (`golang.org/toolchain` module versions,
    /// with their zip sizes).
    pub toolchains: Vec<(String, u64)>,
    /// Things the user should know that did not stop the snapshot.
    pub warnings: Vec<String>,
    /// The checksum-database check (absent when skipped).
    pub sumdb: Option<super::sumcheck::SumdbReport>,
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

/// Runs a snapshot on `rt` (the CLI's runtime).
pub fn snapshot(
    rt: &tokio::runtime::Runtime,
    opts: &SnapshotOptions,
    reporter: Arc<dyn Reporter>,
) -> Result<SnapshotReport, SnapshotError> {
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
    let (projects, gosum) = load_projects(&opts.dirs, &opts.gowork)?;
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
        vcs: opts.vcs.clone().map(|cfg| {
            Arc::new(super::coderepo::VcsSource::new(
                &opts.cache_dir,
                cfg,
                Some((client.clone(), opts.proxy.clone())),
            ))
        }),
        stats: stats.clone(),
        progress: Arc::new(move |n| rep.bytes(n)),
    };
    let jobs = opts.jobs.max(1);

    // 1. The module graph of every input, and the go.mod files it reads.
    let Resolved {
        graphs,
        warnings,
        download,
        mods,
        unavailable,
        ..
    } = resolve(&projects, &gosum, &store, jobs, reporter.as_ref()).await?;
    if let Some(e) = unavailable.into_iter().next() {
        return Err(SnapshotError::Internal(e.to_string()));
    }

    // 2. The plan.
    let mut plan = plan(&graphs, &gosum);
    let mut report = SnapshotReport {
        warnings: super::resolve::version_warnings(&projects)
            .into_iter()
            .chain(warnings)
            .collect(),
        ..Default::default()
    };
    // The zips offline `go mod download` wants that go.sum lacks: filled
    // in through the checksum database below when it is on.
    let mut fill_zips: Vec<ModVersion> = download
        .iter()
        .flat_map(|(_, gaps)| gaps.iter().cloned())
        .collect();
    fill_zips.sort();
    fill_zips.dedup();
    // What is left of each project's gaps once `covered` ones ship with a
    // database lookup.
    let gap_warnings = |covered: &std::collections::BTreeSet<ModVersion>| -> Vec<String> {
        download
            .iter()
            .filter_map(|(dir, gaps)| {
                let left: Vec<ModVersion> = gaps
                    .iter()
                    .filter(|m| !covered.contains(*m))
                    .cloned()
                    .collect();
                super::resolve::download_gap_warning(dir, &left)
            })
            .collect()
    };
    // The toolchains the projects switch to (and those named), for each
    // platform: verified through the database, so captured only with it.
    let (toolchain_names, toolchain_warnings) =
        super::toolchains::names(&client, &projects, &opts.toolchains).await?;
    report.warnings.extend(toolchain_warnings);
    let toolchain_mods = match &opts.sumdb {
        Ok(_) => super::toolchains::modules(&toolchain_names, &opts.toolchains.platforms),
        Err(why) => {
            if !toolchain_names.is_empty() {
                report.warnings.push(format!(
                    "toolchain(s) {} not captured: the go command accepts a toolchain only through the checksum database, and it is off ({why})",
                    toolchain_names.join(", ")
                ));
            }
            Vec::new()
        }
    };
    if opts.dry_run {
        report.warnings.extend(gap_warnings(&Default::default()));
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

    // 3 and 4, at once: every go.sum hash the archive relies on, confirmed
    // by the checksum database (the check the go command never makes),
    // while every remaining artifact downloads, each verified against
    // go.sum. Nothing is written until both are done, so a disagreement
    // still leaves no archive; the zips only the database has a hash for
    // download afterwards.
    let download_list = |plan: &BTreeMap<ModVersion, Planned>, only: Option<&[ModVersion]>| {
        let mut list = Vec::new();
        for p in plan.values() {
            let m = p.module();
            if only.is_some_and(|o| !o.contains(&m)) {
                continue;
            }
            if p.info {
                list.push((m.clone(), Artifact::Info, None));
            }
            if let Some(h) = &p.mod_h1
                && !mods.contains_key(&m)
            {
                list.push((m.clone(), Artifact::Mod, Some(h.clone())));
            }
            if let Some(h) = &p.zip_h1 {
                list.push((m.clone(), Artifact::Zip, Some(h.clone())));
            }
        }
        list
    };
    let first = download_list(&plan, None);
    reporter.phase("downloading", first.len() as u64);
    let (checked, mut results) = {
        let check = async {
            match &opts.sumdb {
                Ok(sopts) => Some(
                    super::sumcheck::check(
                        &client,
                        sopts,
                        &super::sumcheck::Wanted {
                            plan: &plan,
                            gosum: &gosum,
                            fill_zips: &fill_zips,
                            toolchains: &toolchain_mods,
                        },
                        &opts.cache_dir,
                        jobs,
                    )
                    .await,
                ),
                Err(_) => None,
            }
        };
        let downloads = download_all(&store, &gosum, first, jobs, reporter.as_ref());
        tokio::pin!(check, downloads);
        // A database disagreement stops the downloads at once.
        tokio::select! {
            c = &mut check => {
                if let Some(Err(e)) = c {
                    return Err(e.into());
                }
                (c, downloads.await)
            }
            r = &mut downloads => (check.await, r),
        }
    };
    let sumdb_record = match (checked, &opts.sumdb) {
        (Some(r), _) => {
            let mut r = r?;
            // Filled zips are stored like any other, verified against the
            // database's hash as they download.
            let mut filled = Vec::new();
            for f in r
                .iter()
                .flat_map(|r| r.filled.iter().chain(r.toolchains.iter()))
            {
                let p = plan.entry(f.module.clone()).or_insert_with(|| Planned {
                    path: f.module.path.clone(),
                    version: f.module.version.clone(),
                    ..Default::default()
                });
                p.zip_h1 = Some(f.zip_h1.clone());
                // A go.mod go.sum has a line for was downloaded already.
                let mod_known = p.mod_h1.is_some();
                if !mod_known {
                    p.mod_h1 = f.mod_h1.clone();
                }
                let info_known = p.info;
                p.info = true;
                filled.push((f.module.clone(), info_known, mod_known));
            }
            if !filled.is_empty() {
                let modules: Vec<ModVersion> = filled.iter().map(|f| f.0.clone()).collect();
                let list: Vec<_> = download_list(&plan, Some(&modules))
                    .into_iter()
                    .filter(|(m, a, _)| {
                        let (info_known, mod_known) = filled
                            .iter()
                            .find(|f| &f.0 == m)
                            .map_or((false, false), |f| (f.1, f.2));
                        match a {
                            Artifact::Info => !info_known,
                            Artifact::Mod => !mod_known,
                            _ => true,
                        }
                    })
                    .collect();
                reporter.phase("downloading what go.sum lacks", list.len() as u64);
                let toolchain = |m: &ModVersion| m.path == crate::toolchain::MODULE;
                for (m, a, r) in download_all(&store, &gosum, list, jobs, reporter.as_ref()).await {
                    match r {
                        // A filled-in file the proxy will not give is only
                        // what it was before: a gap for `go mod download`.
                        // A toolchain must be there; a lie is always fatal.
                        Err(e) if !toolchain(&m) && !matches!(e, ArtifactError::Verify(_)) => {
                            report.warnings.push(format!(
                                "{m} {}: not stored (go.sum has no hash for it; offline `go mod download` will fail on it): {e}",
                                a.ext()
                            ));
                            if let Some(p) = plan.get_mut(&m) {
                                match a {
                                    Artifact::Zip => p.zip_h1 = None,
                                    Artifact::Mod => p.mod_h1 = None,
                                    _ => p.info = false,
                                }
                            }
                        }
                        r => results.push((m, a, r)),
                    }
                }
            }
            // Covered: zips filled in, and zips another project's go.sum
            // has (confirmed, their lookups shipped) unless private.
            if let Some(r) = r.as_mut() {
                r.filled
                    .retain(|f| plan.get(&f.module).is_some_and(|p| p.zip_h1.is_some()));
            }
            let covered: std::collections::BTreeSet<ModVersion> = fill_zips
                .iter()
                .filter(|m| {
                    plan.get(*m).is_some_and(|p| p.zip_h1.is_some())
                        && (r
                            .as_ref()
                            .is_some_and(|r| r.filled.iter().any(|f| &f.module == *m))
                            || opts.sumdb.as_ref().is_ok_and(|s| {
                                !crate::module::match_prefix_patterns(&s.gonosumdb, &m.path)
                            }))
                })
                .cloned()
                .collect();
            report.warnings.extend(gap_warnings(&covered));
            let record = r.as_ref().map(|r| SumdbRecord {
                name: Some(r.name.clone()),
                checked: r.checked,
                private: r.private,
                head: r.head,
                links: r.links.clone(),
                ..Default::default()
            });
            report.sumdb = r;
            record
        }
        (None, Err(why)) => {
            report.warnings.extend(gap_warnings(&Default::default()));
            Some(SumdbRecord {
                skipped: Some(why.clone()),
                ..Default::default()
            })
        }
        (None, Ok(_)) => None,
    };
    let mut got: BTreeMap<(ModVersion, &'static str), Verified> = BTreeMap::new();
    for (m, v) in mods {
        got.insert((m, Artifact::Mod.ext()), v);
    }
    let mut first_err = None;
    let mut unavailable = Vec::new();
    for (m, a, r) in results {
        match r {
            Ok(v) => {
                got.insert((m, a.ext()), v);
            }
            // An `.info` no build needs (a pruned leaf of the build list, a
            // path's highest go.mod-only version) that the proxy refuses
            // does not stop the snapshot: it is recorded and warned about.
            Err(e)
                if a == Artifact::Info
                    && !matches!(e, ArtifactError::Verify(_))
                    && plan
                        .get(&m)
                        .is_some_and(|p| p.mod_h1.is_none() && p.zip_h1.is_none()) =>
            {
                let why = e.to_string();
                report
                    .warnings
                    .push(super::finding::info_gap_warning(&m, &why));
                if let Some(p) = plan.get_mut(&m) {
                    p.info = false;
                }
                unavailable.push(Unavailable {
                    path: m.path.clone(),
                    version: m.version.clone(),
                    file: "info".to_string(),
                    reason: why,
                });
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

    // 5. The archive's manifest and entries.
    let (mut manifest, mut entries, lists_dir) = assemble(&projects, &plan, &mut got)?;
    unavailable.sort();
    manifest.unavailable = unavailable;
    manifest.sumdb = sumdb_record;
    manifest.toolchains = Some(crate::archive::manifest::ToolchainRecord {
        skipped: if opts.toolchains.skip {
            Some("--no-toolchains".into())
        } else {
            opts.sumdb
                .as_ref()
                .err()
                .map(|why| format!("the checksum database is off ({why})"))
        },
        min_go: opts.toolchains.min_go.clone(),
        platforms: opts
            .toolchains
            .platforms
            .iter()
            .map(ToString::to_string)
            .collect(),
    });
    if let (Some(r), Some(record)) = (report.sumdb.as_mut(), manifest.sumdb.as_mut()) {
        // Written out and let go: the bundle is a few MiB the package
        // check below does not need.
        for (i, (rel, data)) in std::mem::take(&mut r.bundle).into_iter().enumerate() {
            let name = crate::goproxy::sumdb_name(&r.name, &rel);
            let file = lists_dir.path().join(format!("sumdb-{i}"));
            crate::fsutil::write_file(&file, &data)?;
            record.files.push(FileEntry {
                name: name.clone(),
                size: data.len() as u64,
                sha256: hex::encode(crate::dirhash::Sha256::digest(&data)),
                blake3: Some(blake3::hash(&data).to_hex().to_string()),
            });
            entries.push(ArchiveEntry { name, source: file });
        }
        record.files.sort_by(|a, b| a.name.cmp(&b.name));
    }
    report.toolchains = manifest
        .modules
        .iter()
        .filter(|m| m.path == crate::toolchain::MODULE)
        .map(|m| {
            let size = m.file(Artifact::Zip).map_or(0, |f| f.size);
            (m.version.clone(), size)
        })
        .collect();
    report.modules = manifest.modules.len();
    // Counted as verify, restore and ls count: stored module files, not
    // the `@v/list` files derived from them.
    report.files = manifest.modules.iter().map(|m| m.files.len()).sum();
    report.bytes = manifest
        .modules
        .iter()
        .flat_map(|m| m.files.values())
        .map(|f| f.size)
        .sum();
    // 6. The archive, written aside while every package the main modules
    // build and test is loaded from the downloads (the go command's own
    // rule: a module that provides an imported package needs its zip line
    // in go.sum); it is renamed into place only when that check passes.
    reporter.phase("checking", projects.len() as u64);
    let manifest_json = manifest.to_json();
    // Its JSON is all the writer needs (the file digests make it a few MiB).
    drop(manifest);
    let check = || -> Result<Vec<String>, SnapshotError> {
        let downloaded = Downloaded(&got);
        let mut warnings = Vec::new();
        for p in &projects {
            if let Err(error) = vendoring::check_packages(p, &downloaded) {
                // A workspace's go.sum gaps were warned about above.
                let warned = p.work.is_some() && error.is_missing_go_mod_sum();
                if !opts.allow_incomplete && !warned {
                    return Err(SnapshotError::Incomplete {
                        dir: p.dir.clone(),
                        error: Box::new(error),
                    });
                }
                warnings.push(format!(
                    "{}: the go command will not build this project's packages from the snapshot: {error}",
                    p.dir.display()
                ));
            }
            reporter.item_done();
        }
        Ok(warnings)
    };
    let (written, checked) = std::thread::scope(|s| {
        let writer = s.spawn(|| {
            archive::write_archive_aside(&opts.output, manifest_json, &entries, opts.mtime)
        });
        let checked = check();
        (writer.join(), checked)
    });
    // A failed check drops the written archive, which removes it.
    report.warnings.extend(checked?);
    reporter.phase("writing", 0);
    written
        .map_err(|_| SnapshotError::Internal("the archive writer panicked".into()))??
        .persist()?;
    drop(lists_dir);
    report.archive_bytes = std::fs::metadata(&opts.output)
        .map(|m| m.len())
        .unwrap_or(0);
    report.output = Some(opts.output.clone());
    report.plan = plan.into_values().collect();
    fill_stats(&mut report, &stats, start);
    Ok(report)
}

/// The verified files of this run as a module source for the package
/// check.
struct Downloaded<'a>(&'a BTreeMap<(ModVersion, &'static str), Verified>);

impl Downloaded<'_> {
    fn file(&self, m: &ModVersion, a: Artifact) -> Result<&Path, SourceError> {
        self.0
            .get(&(m.clone(), a.ext()))
            .map(|v| v.path.as_path())
            .ok_or_else(|| SourceError::new(m.to_string(), format!("no {a} in the snapshot")))
    }
}

impl ModuleSource for Downloaded<'_> {
    fn go_mod(&self, m: &ModVersion) -> Result<Vec<u8>, SourceError> {
        let path = self.file(m, Artifact::Mod)?;
        std::fs::read(path)
            .map_err(|e| SourceError::new(m.to_string(), format!("read `{}`: {e}", path.display())))
    }

    fn open_zip(&self, m: &ModVersion) -> Result<OpenedZip, SourceError> {
        let path = self.file(m, Artifact::Zip)?;
        let file = std::fs::File::open(path).map_err(|e| {
            SourceError::new(m.to_string(), format!("open `{}`: {e}", path.display()))
        })?;
        Ok(OpenedZip::new(path.to_owned(), Box::new(file)))
    }

    /// Every zip here was verified as it downloaded (or was read from a
    /// cache), against the zip rules and go.sum.
    fn zip_verified(&self, m: &ModVersion) -> bool {
        self.0.contains_key(&(m.clone(), Artifact::Zip.ext()))
    }
}

fn fill_stats(report: &mut SnapshotReport, stats: &Stats, start: Instant) {
    report.cache_hits = stats.cache_hits.load(Ordering::Relaxed);
    report.downloads = stats.downloads.load(Ordering::Relaxed);
    report.downloaded_bytes = stats.downloaded_bytes.load(Ordering::Relaxed);
    report.seconds = (start.elapsed().as_secs_f64() * 1000.0).round() / 1000.0;
}

/// Downloads `list` (module, artifact, expected hash), `jobs` at a time,
/// each verified as it streams: go.mod files against go.sum, zips against
/// the hash given.
async fn download_all(
    store: &Store,
    gosum: &GoSum,
    list: Vec<(ModVersion, Artifact, Option<String>)>,
    jobs: usize,
    reporter: &dyn Reporter,
) -> Vec<(ModVersion, Artifact, Result<Verified, ArtifactError>)> {
    futures_util::stream::iter(list)
        .map(|(m, a, h)| async move {
            let r = match a {
                Artifact::Info => store.info(&m).await,
                // The expected hash is go.sum's, or for a go.mod only the
                // checksum database had a hash for, the database's.
                Artifact::Mod => store
                    .go_mod_with(&m, gosum, h.as_deref())
                    .await
                    .map(|(v, _)| v),
                _ => {
                    let expected = h.unwrap_or_default();
                    let file = gosum_file(gosum, &m).unwrap_or_default();
                    store.zip(&m, &expected, &file).await
                }
            };
            reporter.item_done();
            (m, a, r)
        })
        .buffer_unordered(jobs)
        .collect::<Vec<_>>()
        .await
}

fn gosum_file(gosum: &GoSum, m: &ModVersion) -> Option<String> {
    gosum.zip_hash_file(&m.path, &m.version).map(str::to_string)
}

/// The manifest and archive entries; `@v/list` files are written into a
/// temporary directory that must outlive the archive writing.
fn assemble(
    projects: &[Project],
    plan: &BTreeMap<ModVersion, Planned>,
    got: &mut BTreeMap<(ModVersion, &'static str), Verified>,
) -> Result<(Manifest, Vec<ArchiveEntry>, tempfile::TempDir), SnapshotError> {
    let mut manifest = Manifest {
        format: FORMAT.to_string(),
        modsnap_version: env!("CARGO_PKG_VERSION").to_string(),
        inputs: projects
            .iter()
            .map(|p| p.manifest_input(projects.first().map_or(&p.dir, |f| &f.dir)))
            .collect(),
        modules: Vec::new(),
        unavailable: Vec::new(),
        sumdb: None,
        toolchains: None,
    };
    let mut entries = Vec::new();
    let mut versions: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (m, p) in plan {
        let mut me = ModuleEntry {
            path: m.path.clone(),
            version: m.version.clone(),
            zip_h1: p.zip_h1.clone(),
            mod_h1: p.mod_h1.clone(),
            // Moved into the manifest: the run holds each list once.
            zip_files: got
                .get_mut(&(m.clone(), Artifact::Zip.ext()))
                .and_then(|v| v.file_digests.take())
                .map(|d| crate::archive::manifest::encode_file_digests(&d)),
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
                    blake3: Some(v.blake3.clone()),
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
        crate::fsutil::write_file(&file, crate::goproxy::list_text(vs).as_bytes())?;
        let name =
            crate::goproxy::list_name(&path).map_err(|e| SnapshotError::Internal(e.to_string()))?;
        entries.push(ArchiveEntry { name, source: file });
    }
    Ok((manifest, entries, lists))
}

/// The default number of concurrent downloads.
pub fn default_jobs() -> usize {
    16
}
