//! `modsnap verify` and `modsnap ls`: proving, offline, that an archive (or
//! a restored GOPROXY tree) is intact and holds everything a project needs.
//!
//! An archive is checked entry by entry against its manifest (sizes and
//! SHA-256, see [`crate::archive::read`]), then deeper: every `.mod` must
//! hash to the manifest's `/go.mod` hash, every `.zip` must pass the module
//! zip rules and hash to the manifest's zip hash.
//!
//! With projects, the same computation as `snapshot` runs with no network:
//! the module graph is loaded from the archive's (or tree's) go.mod files,
//! verified against the projects' go.sum, and every artifact the plan needs
//! must be present and hash to go.sum. Every missing or corrupt artifact is
//! named, not just the first.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

use super::fetch::{ArtifactError, Stats, Store};
use super::finding::{Finding, Problem};
use super::plan::plan;
use super::progress::Reporter;
use super::resolve::{ResolveError, load_projects, resolve};
use crate::archive::Manifest;
use crate::archive::read::{self as aread, Check, EntryKind, ReadError};
use crate::classify::{Classify, ErrorClass};
use crate::dirhash;
use crate::fsutil::FsError;
use crate::goproxy::Artifact;
use crate::module::ModVersion;
use crate::modzip;

/// What to verify.
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// An archive, or
    pub archive: Option<PathBuf>,
    /// a restored GOPROXY tree.
    pub proxy: Option<PathBuf>,
    /// Projects whose needs must be covered.
    pub projects: Vec<PathBuf>,
    /// `GOWORK` for the projects.
    pub gowork: crate::project::GoWork,
    /// `GOSUMDB`: the key an archive's checksum-database bundle is checked
    /// with (sum.golang.org's built-in key is always known).
    pub gosumdb: super::sumcheck::GoSumDb,
}

/// Why verification could not run at all (as opposed to finding problems,
/// which the report lists).
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// The archive is unreadable, unsafe or tampered with.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// A project, its graph or its go.sum could not be read.
    #[error(transparent)]
    Resolve(Box<ResolveError>),
    /// Local I/O failed.
    #[error(transparent)]
    Fs(#[from] FsError),
    /// Neither an archive nor a tree was given, or `--proxy` without
    /// projects.
    #[error("{0}")]
    Usage(String),
}

impl From<ResolveError> for VerifyError {
    fn from(e: ResolveError) -> Self {
        VerifyError::Resolve(Box::new(e))
    }
}

impl Classify for VerifyError {
    fn class(&self) -> ErrorClass {
        match self {
            VerifyError::Read(e) => e.class(),
            VerifyError::Resolve(e) => e.class(),
            VerifyError::Fs(_) => ErrorClass::Failure,
            VerifyError::Usage(_) => ErrorClass::Usage,
        }
    }
}

/// The findings.
#[derive(Debug, Clone, Default, Serialize)]
pub struct VerifyReport {
    /// Module versions in the archive (0 for a tree).
    pub modules: usize,
    /// Files checked.
    pub files: usize,
    /// Projects checked for completeness.
    pub projects: Vec<String>,
    /// Artifacts a project needs that are absent.
    pub missing: Vec<Finding>,
    /// Artifacts present with the wrong bytes, or breaking a rule.
    pub corrupt: Vec<Finding>,
    /// Non-fatal findings.
    pub warnings: Vec<String>,
}

impl VerifyReport {
    /// True when nothing is missing or corrupt.
    pub fn ok(&self) -> bool {
        self.missing.is_empty() && self.corrupt.is_empty()
    }
}

/// Runs the checks `opts` asks for; the project checks run on `rt` (the
/// CLI's runtime), progress goes to `reporter`.
pub fn verify(
    rt: &tokio::runtime::Runtime,
    opts: &VerifyOptions,
    reporter: &dyn Reporter,
) -> Result<VerifyReport, VerifyError> {
    let mut report = VerifyReport::default();
    let staging;
    let mut toolchains = None;
    let tree: PathBuf = match (&opts.archive, &opts.proxy) {
        (Some(archive), None) => {
            // Without projects, a plain .tar is checked where it lies.
            if opts.projects.is_empty()
                && let Some(index) = aread::TarIndex::open(archive)?
            {
                check_in_place(&index, &mut report)?;
                let open = |name: &str| {
                    let mut r = index.reopen_file(name).ok()?;
                    let mut data = Vec::new();
                    std::io::Read::read_to_end(&mut r, &mut data).ok()?;
                    Some(data)
                };
                bundle_findings(index.manifest(), &opts.gosumdb, &open, &mut report);
                return Ok(report);
            }
            staging = tempfile::Builder::new()
                .prefix("modsnap-verify-")
                .tempdir()
                .map_err(|e| FsError::new("create temporary directory", Path::new("."), e))?;
            let manifest = unpack(archive, staging.path(), &mut report)?;
            deep_check(staging.path(), &manifest, &mut report);
            let dir = staging.path().to_owned();
            let open = move |name: &str| std::fs::read(dir.join(name)).ok();
            bundle_findings(&manifest, &opts.gosumdb, &open, &mut report);
            toolchains = manifest.toolchains.clone();
            staging.path().to_owned()
        }
        (None, Some(dir)) => {
            if opts.projects.is_empty() {
                return Err(VerifyError::Usage(
                    "verify --proxy needs --project DIR: a tree has no manifest, so only a project's go.sum can vouch for it".into(),
                ));
            }
            for check in super::sumcheck::verify_tree_bundles(dir, &opts.gosumdb) {
                record_bundle(check, &mut report);
            }
            dir.clone()
        }
        _ => {
            return Err(VerifyError::Usage(
                "give an archive or --proxy DIR (not both)".into(),
            ));
        }
    };
    if !opts.projects.is_empty() {
        check_projects(
            rt,
            &tree,
            &opts.projects,
            &ProjectChecks {
                gowork: &opts.gowork,
                gosumdb: &opts.gosumdb,
                toolchains: toolchains.as_ref(),
            },
            reporter,
            &mut report,
        )?;
    }
    Ok(report)
}

/// Unpacks the archive's artifacts into `dir` as a GOPROXY tree, verified
/// against the manifest as they stream.
fn unpack(archive: &Path, dir: &Path, report: &mut VerifyReport) -> Result<Manifest, VerifyError> {
    let (manifest, written) = aread::extract(archive, dir, Check::Both, &|name, kind| {
        matches!(kind, EntryKind::Artifact { .. } | EntryKind::Sumdb).then(|| name.to_string())
    })?;
    report.files = written.len();
    report.modules = manifest.modules.len();
    Ok(manifest)
}

/// Bytes a stored file is checked from: a file, or a window into a `.tar`.
trait ReadSeek: std::io::Read + std::io::Seek + Send {}
impl<T: std::io::Read + std::io::Seek + Send> ReadSeek for T {}

/// [`unpack`] and [`deep_check`] for an indexed `.tar`, reading every
/// entry in place, one worker per core: each file's SHA-256 and BLAKE3
/// against the manifest (the first mismatch is an error, as when
/// unpacking), then every `.mod` and zip `h1:` and the zip rules.
fn check_in_place(index: &aread::TarIndex, report: &mut VerifyReport) -> Result<(), VerifyError> {
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    let names: Vec<&str> = index.names().collect();
    crate::parallel::map(&names, workers, |name| {
        index.open_file(name, Check::Both).map(|_| ())
    })?;
    let manifest = index.manifest();
    report.modules = manifest.modules.len();
    report.files = manifest.modules.iter().map(|m| m.files.len()).sum();
    let found = crate::parallel::map(&manifest.modules, workers, |m| {
        Ok::<_, VerifyError>(module_findings(m, &|name| {
            index
                .reopen_file(name)
                .ok()
                .map(|w| Box::new(w) as Box<dyn ReadSeek>)
        }))
    })?;
    report.corrupt.extend(found.into_iter().flatten());
    Ok(())
}

/// What is wrong with one module's stored `.mod` and zip (recomputed `h1:`
/// against the manifest, and the zip rules); `open` gives an entry's bytes.
fn module_findings(
    m: &crate::archive::manifest::ModuleEntry,
    open: &(dyn Fn(&str) -> Option<Box<dyn ReadSeek>> + Sync),
) -> Vec<Finding> {
    let id = ModVersion::new(m.path.clone(), m.version.clone());
    let invalid = |a: Artifact, detail: String| Finding::new(&id, a, Problem::Invalid { detail });
    let mut out = Vec::new();
    if let (Some(f), Some(want)) = (m.file(crate::goproxy::Artifact::Mod), &m.mod_h1) {
        let mut data = Vec::new();
        match open(&f.name).map(|mut w| std::io::Read::read_to_end(&mut w, &mut data)) {
            Some(Ok(_)) => {
                let got = dirhash::hash_go_mod(&data);
                if &got != want {
                    out.push(Finding::new(
                        &id,
                        Artifact::Mod,
                        Problem::HashMismatch {
                            got,
                            want: want.clone(),
                        },
                    ));
                }
            }
            _ => out.push(Finding::new(&id, Artifact::Mod, Problem::Unreadable)),
        }
    }
    if let (Some(f), Some(want)) = (m.file(crate::goproxy::Artifact::Zip), &m.zip_h1) {
        let Some(mut w) = open(&f.name) else {
            out.push(Finding::new(&id, Artifact::Zip, Problem::Unreadable));
            return out;
        };
        let at = Path::new(&f.name);
        let rules = modzip::check_zip_reader(&id, &mut w, at).and_then(|cf| cf.to_result(at));
        if let Err(e) = rules {
            out.push(invalid(Artifact::Zip, e.to_string()));
            return out;
        }
        let hashed = std::io::Seek::seek(&mut w, std::io::SeekFrom::Start(0))
            .map_err(|e| e.to_string())
            .and_then(|_| dirhash::hash_zip_listed(w, at).map_err(|e| e.to_string()));
        match hashed {
            // The entry digests the manifest keeps for vendor must be the
            // zip's own: a reader trusts them once they hash to go.sum's.
            Ok((got, listed)) if &got == want => match m.zip_file_digests() {
                Some(Ok(kept)) if kept != listed => out.push(invalid(
                    Artifact::Zip,
                    "the manifest's digests of its files (zip_files) are not the zip's".into(),
                )),
                Some(Err(e)) => out.push(invalid(Artifact::Zip, e)),
                _ => {}
            },
            Ok((got, _)) => out.push(Finding::new(
                &id,
                Artifact::Zip,
                Problem::HashMismatch {
                    got,
                    want: want.clone(),
                },
            )),
            Err(e) => out.push(invalid(Artifact::Zip, e)),
        }
    }
    out
}

/// The checksum-database bundle re-checked offline
/// ([`super::sumcheck::verify_bundle`]): what does not verify is corrupt.
fn bundle_findings(
    manifest: &Manifest,
    gosumdb: &super::sumcheck::GoSumDb,
    open: &(dyn Fn(&str) -> Option<Vec<u8>> + Sync),
    report: &mut VerifyReport,
) {
    record_bundle(
        super::sumcheck::verify_bundle(manifest, gosumdb, open),
        report,
    );
}

fn record_bundle(check: super::sumcheck::BundleCheck, report: &mut VerifyReport) {
    report.warnings.extend(check.unchecked);
    for (module, detail) in check.bad {
        report.corrupt.push(Finding {
            module,
            artifact: "sumdb lookup".to_string(),
            problem: Problem::Invalid { detail },
        });
    }
}

/// Recomputes the h1 hashes and zip rules of every stored `.mod` and `.zip`
/// of a tree unpacked in `dir`.
fn deep_check(dir: &Path, manifest: &Manifest, report: &mut VerifyReport) {
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    let open = |name: &str| -> Option<Box<dyn ReadSeek>> {
        std::fs::File::open(dir.join(name))
            .ok()
            .map(|f| Box::new(f) as Box<dyn ReadSeek>)
    };
    let found = crate::parallel::map(&manifest.modules, workers, |m| {
        Ok::<_, VerifyError>(module_findings(m, &open))
    });
    if let Ok(found) = found {
        report.corrupt.extend(found.into_iter().flatten());
    }
}

/// The snapshot computation against `tree`, offline: every planned
/// artifact must be there and hash to go.sum.
/// What [`check_projects`] needs besides the tree and the projects.
struct ProjectChecks<'a> {
    gowork: &'a crate::project::GoWork,
    gosumdb: &'a super::sumcheck::GoSumDb,
    /// How the archive's snapshot chose toolchains (`None` for a tree).
    toolchains: Option<&'a crate::archive::manifest::ToolchainRecord>,
}

fn check_projects(
    rt: &tokio::runtime::Runtime,
    tree: &Path,
    dirs: &[PathBuf],
    checks: &ProjectChecks<'_>,
    reporter: &dyn Reporter,
    report: &mut VerifyReport,
) -> Result<(), VerifyError> {
    let gowork = checks.gowork;
    // Two projects whose go.sum files disagree is a security error, as in
    // snapshot, not a list of "missing" hashes.
    let (projects, gosum) = load_projects(dirs, gowork)?;
    let scratch = tempfile::Builder::new()
        .prefix("modsnap-verify-cache-")
        .tempdir()
        .map_err(|e| FsError::new("create temporary directory", Path::new("."), e))?;
    let store = Store {
        cache: scratch.path().to_owned(),
        gomodcache: Some(tree.to_owned()),
        client: None,
        vcs: None,
        stats: Arc::new(Stats::default()),
        progress: Arc::new(|_| {}),
    };
    let mut verified_zips = std::collections::HashSet::new();
    rt.block_on(async {
        let resolved = resolve(&projects, &gosum, &store, 8, reporter).await?;
        report.missing.extend(resolved.unavailable.iter().cloned());
        report.corrupt.extend(resolved.corrupt.iter().cloned());
        report
            .warnings
            .extend(super::resolve::version_warnings(&projects));
        report.warnings.extend(resolved.warnings.iter().cloned());
        // Zips go.sum lacks that the tree holds with their database lookup
        // (snapshot fetched them verified through the checksum database,
        // and the tree's bundle was re-checked above) are no gap; without
        // the lookup the go command cannot verify them offline.
        let db = match checks.gosumdb {
            super::sumcheck::GoSumDb::On { verifier, .. } => Some(verifier.name().to_string()),
            super::sumcheck::GoSumDb::Off => None,
        };
        let filled = |m: &ModVersion| -> bool {
            let (Some(db), Ok(zip), Ok(lookup)) = (
                db.as_deref(),
                crate::goproxy::file_name(m, Artifact::Zip),
                crate::goproxy::sumdb_lookup(m),
            ) else {
                return false;
            };
            let lookup = crate::goproxy::sumdb_name(db, &lookup);
            tree.join(zip).is_file() && tree.join(lookup).is_file()
        };
        for (dir, gaps) in &resolved.download {
            let left: Vec<ModVersion> = gaps.iter().filter(|m| !filled(m)).cloned().collect();
            report
                .warnings
                .extend(super::resolve::download_gap_warning(dir, &left));
        }
        // The toolchain each project's `toolchain` line switches to, for
        // this machine's platform.
        let (missing, warnings) = super::toolchains::missing(&projects, tree, checks.toolchains);
        for m in missing {
            report
                .missing
                .push(Finding::new(&m, Artifact::Zip, Problem::Missing));
        }
        report.warnings.extend(warnings);
        let plan = plan(&resolved.graphs, &gosum);
        let mut gaps = Vec::new();
        reporter.phase("checking", plan.len() as u64);

        for p in plan.values() {
            let m = p.module();
            let mut record = |a: Artifact, r: Result<(), ArtifactError>| match r {
                Ok(()) => {}
                Err(ArtifactError::Unavailable { artifact, .. }) => report
                    .missing
                    .push(Finding::new(&m, artifact, Problem::Missing)),
                Err(e) => report.corrupt.push(Finding::new(
                    &m,
                    a,
                    Problem::Invalid {
                        detail: e.to_string(),
                    },
                )),
            };
            let info = if p.info {
                store.info(&m).await.map(|_| ())
            } else {
                Ok(())
            };
            match info {
                // Only module queries stat a version whose .mod and .zip no
                // go command reads (snapshot records such gaps).
                Err(ArtifactError::Unavailable { .. })
                    if p.mod_h1.is_none() && p.zip_h1.is_none() =>
                {
                    gaps.push(super::finding::info_gap_warning(&m, "the archive has none"));
                }
                r => record(Artifact::Info, r),
            }
            if p.mod_h1.is_some() && !resolved.mods.contains_key(&m) {
                record(Artifact::Mod, store.go_mod(&m, &gosum).await.map(|_| ()));
            }
            if let Some(h) = &p.zip_h1 {
                let file = gosum
                    .zip_hash_file(&m.path, &m.version)
                    .unwrap_or("go.sum")
                    .to_string();
                let r = store.zip(&m, h, &file).await.map(|_| ());
                if r.is_ok() {
                    verified_zips.insert(m.clone());
                }
                record(Artifact::Zip, r);
            }
            reporter.item_done();
        }
        report.warnings.append(&mut gaps);
        Ok::<(), VerifyError>(())
    })?;
    // The packages the main modules build and test must all load from
    // the tree, as `go build` will need them. This finds what the artifact
    // checks cannot (a module providing an imported package with no zip
    // line in go.sum); when those already found a problem, loading would
    // only stop at it again.
    let source = CheckedTree {
        tree: crate::vendoring::ProxyDir::new(tree),
        zips: &verified_zips,
    };
    let clean = report.missing.is_empty() && report.corrupt.is_empty();
    for p in projects.iter().filter(|_| clean) {
        if let Err(e) = crate::vendoring::check_packages(p, &source) {
            if p.work.is_some() && e.is_missing_go_mod_sum() {
                continue; // warned about by resolve
            }
            let module = match &e {
                crate::vendoring::VendorError::Source(se) => se.module.clone(),
                _ => p.dir.display().to_string(),
            };
            let detail = format!("the go command cannot build the project's packages: {e}");
            if e.is_security() {
                report.corrupt.push(Finding {
                    module,
                    artifact: Artifact::Zip.to_string(),
                    problem: Problem::Invalid { detail },
                });
            } else {
                report.missing.push(Finding {
                    module,
                    artifact: Artifact::Zip.to_string(),
                    problem: Problem::Unbuildable { detail },
                });
            }
        }
    }
    report.missing.sort();
    report.missing.dedup();
    report.corrupt.sort();
    report.corrupt.dedup();
    report.projects = projects
        .iter()
        .map(|p| p.dir.display().to_string())
        .collect();
    Ok(())
}

/// One row of `modsnap ls`.
#[derive(Debug, Clone, Serialize)]
pub struct LsRow {
    /// Module path.
    pub path: String,
    /// Version.
    pub version: String,
    /// Stored kinds (`info`, `mod`, `zip`).
    pub files: Vec<String>,
    /// Total bytes stored.
    pub bytes: u64,
    /// The zip's size, if stored.
    pub zip_bytes: Option<u64>,
}

/// The modules an archive holds, from its manifest. Unless
/// `manifest_only`, the archive's entries are checked first as restore
/// checks them (names, types, every described file present with its size;
/// for compressed formats and zips, which cannot be indexed without reading
/// them, every entry is also read and its digest checked), so a truncated
/// or unsafe archive is not listed as if it were whole.
pub fn ls(archive: &Path, manifest_only: bool) -> Result<(Manifest, Vec<LsRow>), VerifyError> {
    let manifest = if manifest_only {
        aread::read_manifest(archive)?
    } else if let Some(index) = aread::TarIndex::open(archive)? {
        index.manifest().clone()
    } else {
        aread::read_all(archive, aread::Check::Fast, &mut |_| Ok(()))?
    };
    let rows = manifest
        .modules
        .iter()
        .map(|m| LsRow {
            path: m.path.clone(),
            version: m.version.clone(),
            files: m.files.keys().cloned().collect(),
            bytes: m.files.values().map(|f| f.size).sum(),
            zip_bytes: m.file(crate::goproxy::Artifact::Zip).map(|f| f.size),
        })
        .collect();
    Ok((manifest, rows))
}

/// The tree as a module source for the package check, knowing which zips
/// were verified above (so the check does not hash them again).
struct CheckedTree<'a> {
    tree: crate::vendoring::ProxyDir,
    zips: &'a std::collections::HashSet<ModVersion>,
}

impl crate::vendoring::ModuleSource for CheckedTree<'_> {
    fn go_mod(&self, m: &ModVersion) -> Result<Vec<u8>, crate::vendoring::SourceError> {
        self.tree.go_mod(m)
    }

    fn open_zip(
        &self,
        m: &ModVersion,
    ) -> Result<crate::vendoring::OpenedZip, crate::vendoring::SourceError> {
        self.tree.open_zip(m)
    }

    fn zip_verified(&self, m: &ModVersion) -> bool {
        self.zips.contains(m)
    }
}
