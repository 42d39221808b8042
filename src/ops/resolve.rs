//! Loading the inputs of a run: the projects, their go.sum lines merged
//! (a disagreement is a security error), and each project's module graph
//! with every go.mod it reads verified against go.sum. Shared by `snapshot`
//! (online, through the fetch store) and `verify --project` (offline,
//! against an archive's tree).

// Errors here carry their full context (module, both hashes, both files).
#![allow(clippy::result_large_err)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use futures_util::StreamExt;

use super::fetch::{ArtifactError, Store, Verified};
use super::finding::{Finding, Problem};
use super::progress::Reporter;
use crate::classify::{Classify, ErrorClass};
use crate::fsutil::FsError;
use crate::goproxy::Artifact;
use crate::gosum::{GoSum, SumConflict};
use crate::graph::{Graph, GraphError};
use crate::module::ModVersion;
use crate::project::{GoModFetcher, GoWork, Project, ProjectError};

/// Why the inputs or their graphs could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    /// An input project could not be read.
    #[error(transparent)]
    Project(#[from] ProjectError),
    /// The module graph could not be loaded.
    #[error(transparent)]
    Graph(#[from] GraphError),
    /// go.sum lacks hashes the go command needs.
    #[error("{}", missing_message(.dirs, .lines))]
    MissingSums {
        /// The project directories concerned.
        dirs: Vec<String>,
        /// The missing go.sum keys (`path version[/go.mod]`).
        lines: Vec<String>,
    },
    /// Two inputs' go.sum files disagree about a hash.
    #[error(transparent)]
    ConflictingSums(#[from] SumConflict),
    /// Fetching or verifying a go.mod failed.
    #[error(transparent)]
    Artifact(#[from] ArtifactError),
    /// Local I/O failed.
    #[error(transparent)]
    Fs(#[from] FsError),
}

impl Classify for ResolveError {
    fn class(&self) -> ErrorClass {
        match self {
            ResolveError::ConflictingSums(_) => ErrorClass::Security,
            ResolveError::Project(e) => e.class(),
            ResolveError::Artifact(e) => e.class(),
            _ => ErrorClass::Failure,
        }
    }

    fn module(&self) -> Option<String> {
        match self {
            ResolveError::Artifact(e) => e.module(),
            _ => None,
        }
    }

    fn url(&self) -> Option<String> {
        match self {
            ResolveError::Artifact(e) => e.url(),
            _ => None,
        }
    }
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

/// Reads every project in `dirs` (in workspace mode as `gowork` says) and
/// merges their go.sum lines.
pub fn load_projects(
    dirs: &[PathBuf],
    gowork: &GoWork,
) -> Result<(Vec<Project>, GoSum), ResolveError> {
    let projects = dirs
        .iter()
        .map(|d| Project::load_with(d, gowork))
        .collect::<Result<Vec<_>, _>>()?;
    let gosum = merged_sums(&projects)?;
    Ok((projects, gosum))
}

/// Warnings about `go` and `toolchain` lines that name a Go release newer
/// than the newest modsnap knows ([`crate::imports::STD_GO_VERSION`]): the
/// go command on the air-gapped side will want to switch to a toolchain
/// that likely does not exist there (`go.mod requires go >= 1.99.0`).
pub fn version_warnings(projects: &[Project]) -> Vec<String> {
    let known = crate::imports::STD_GO_VERSION;
    let mut out = Vec::new();
    for p in projects {
        if let Some(go) = &p.go
            && crate::gover::toolchain_compare(&format!("go{go}"), known).is_gt()
        {
            out.push(format!(
                "{}: `go {go}` is newer than any Go release modsnap knows ({known}); the go command will refuse to build with an older Go (`go.mod requires go >= {go}`) or try to download toolchain go{go}, which is not in the snapshot",
                p.dir.display()
            ));
        }
        if let Some(t) = &p.toolchain
            && t != "default"
            && crate::gover::toolchain_compare(t, known).is_gt()
        {
            out.push(format!(
                "{}: `toolchain {t}` is newer than any Go release modsnap knows ({known}); the go command will try to download it, and it is not in the snapshot",
                p.dir.display()
            ));
        }
    }
    out
}

/// The zips `go mod download` with no arguments downloads that go.sum has
/// no hash for, which the go command verifies through the checksum
/// database instead (cmd/go modcmd download.go: in a workspace or a go <
/// 1.17 module it downloads the whole build list, in a go ≥ 1.17 module the
/// modules go.mod requires). Builds, tests and vendoring need only the zips
/// go.sum lists, so they are not affected. Sorted.
pub fn download_gaps(project: &Project, graph: &Graph, gosum: &GoSum) -> Vec<ModVersion> {
    let whole = project.work.is_some()
        || project
            .go
            .as_deref()
            .is_none_or(|g| !crate::gover::go_version_at_least(g, 17));
    let wanted: Vec<ModVersion> = if whole {
        graph.build_list()
    } else {
        project
            .mains
            .iter()
            .flat_map(|m| m.file.require.iter())
            .filter_map(|r| {
                let v = graph.selected.get(&r.module.path)?;
                Some(ModVersion::new(r.module.path.clone(), v.clone()))
            })
            .collect()
    };
    let mut gaps: Vec<ModVersion> = wanted
        .iter()
        .filter_map(|m| match graph.actual(m) {
            crate::graph::GoModSource::Module(a)
                if gosum.zip_hash(&a.path, &a.version).is_none() =>
            {
                Some(a)
            }
            _ => None,
        })
        .collect();
    gaps.sort();
    gaps.dedup();
    gaps
}

/// The warning for download gaps ([`download_gaps`]) that nothing fills.
pub fn download_gap_warning(dir: &Path, gaps: &[ModVersion]) -> Option<String> {
    if gaps.is_empty() {
        return None;
    }
    let shown: Vec<String> = gaps.iter().take(10).map(ToString::to_string).collect();
    let more = if gaps.len() > shown.len() {
        format!(" and {} more", gaps.len() - shown.len())
    } else {
        String::new()
    };
    Some(format!(
        "{}: offline `go mod download` (no arguments) will fail: it downloads {} zip(s) that go.sum has no hash for ({}{more}), which the go command then checks with the checksum database; builds, tests and vendoring do not need them",
        dir.display(),
        gaps.len(),
        shown.join(", ")
    ))
}

/// The projects' go.sum lines merged; two different `h1:` hashes for one
/// module version are a security error naming both files.
pub fn merged_sums(projects: &[Project]) -> Result<GoSum, ResolveError> {
    let mut merged = GoSum::new();
    for p in projects {
        merged.merge_checked(&p.gosum)?;
    }
    Ok(merged)
}

/// The module graphs of a set of projects, resolved through a store.
pub struct Resolved {
    /// One graph per project.
    pub graphs: Vec<Graph>,
    /// Non-fatal findings (workspace go.sum gaps).
    pub warnings: Vec<String>,
    /// Per project directory, the zips offline `go mod download` wants and
    /// go.sum has no hash for ([`download_gaps`]); the caller says which
    /// remain unfilled ([`download_gap_warning`]).
    pub download: Vec<(PathBuf, Vec<ModVersion>)>,
    /// The go.mod files read, verified.
    pub mods: BTreeMap<ModVersion, Verified>,
    /// go.mod files the store could not provide (offline stores only; the
    /// graph is incomplete where they are).
    pub unavailable: Vec<Finding>,
    /// go.mod files an offline store holds with the wrong bytes.
    pub corrupt: Vec<Finding>,
}

/// Gets go.mod files from the fetch store, `jobs` at a time, each verified
/// against go.sum, and sorts failures into what stops loading and what is
/// recorded.
struct StoreFetcher<'a> {
    store: &'a Store,
    gosum: &'a GoSum,
    jobs: usize,
    reporter: &'a dyn Reporter,
    mods: &'a mut BTreeMap<ModVersion, Verified>,
    missing: BTreeSet<String>,
    unavailable: Vec<Finding>,
    corrupt: Vec<Finding>,
}

impl GoModFetcher for StoreFetcher<'_> {
    type Error = ResolveError;

    async fn fetch(
        &mut self,
        batch: Vec<ModVersion>,
    ) -> Vec<(ModVersion, Result<Vec<u8>, ResolveError>)> {
        let (store, gosum) = (self.store, self.gosum);
        let got = futures_util::stream::iter(batch)
            .map(|m| async move {
                let r = if gosum.go_mod_hash(&m.path, &m.version).is_none() {
                    Err(ResolveError::MissingSums {
                        dirs: vec![],
                        lines: vec![format!("{} {}/go.mod", m.path, m.version)],
                    })
                } else {
                    store.go_mod(&m, gosum).await.map_err(ResolveError::from)
                };
                (m, r)
            })
            .buffer_unordered(self.jobs)
            .collect::<Vec<_>>()
            .await;
        got.into_iter()
            .map(|(m, r)| {
                self.reporter.item_done();
                match r {
                    Ok((v, data)) => {
                        self.mods.insert(m.clone(), v);
                        (m, Ok(data))
                    }
                    Err(e) => (m, Err(e)),
                }
            })
            .collect()
    }

    fn failed(&mut self, m: &ModVersion, e: ResolveError) -> Result<(), ResolveError> {
        match e {
            ResolveError::MissingSums { lines, .. } => self.missing.extend(lines),
            ResolveError::Artifact(ArtifactError::Unavailable { artifact, .. }) => self
                .unavailable
                .push(Finding::new(m, artifact, Problem::Missing)),
            // Offline (verify), bad bytes are a finding to report with the
            // others; online they stop the snapshot.
            ResolveError::Artifact(ArtifactError::Verify(e)) if self.store.client.is_none() => {
                self.corrupt.push(Finding::new(
                    m,
                    Artifact::Mod,
                    Problem::Invalid {
                        detail: e.to_string(),
                    },
                ))
            }
            e => return Err(e),
        }
        Ok(())
    }
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
) -> Result<Resolved, ResolveError> {
    reporter.phase("resolving", 0);
    let mut graphs = Vec::new();
    let mut missing: BTreeSet<String> = BTreeSet::new();
    let mut missing_dirs = Vec::new();
    let mut warnings = Vec::new();
    let mut download = Vec::new();
    let mut unavailable = Vec::new();
    let mut corrupt = Vec::new();
    let mut mods: BTreeMap<ModVersion, Verified> = BTreeMap::new();
    for p in projects {
        let mut fetcher = StoreFetcher {
            store,
            gosum,
            jobs: jobs.max(1),
            reporter,
            mods: &mut mods,
            missing: BTreeSet::new(),
            unavailable: Vec::new(),
            corrupt: Vec::new(),
        };
        let graph = p.load_graph(&mut fetcher).await?;
        let miss = std::mem::take(&mut fetcher.missing);
        unavailable.append(&mut fetcher.unavailable);
        corrupt.append(&mut fetcher.corrupt);
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
        // Against this project's own sums: another input's go.sum does not
        // help the go command here.
        let gaps = download_gaps(p, &graph, &p.gosum);
        if !gaps.is_empty() {
            download.push((p.dir.clone(), gaps));
        }
        graphs.push(graph);
    }
    if !missing.is_empty() {
        return Err(ResolveError::MissingSums {
            dirs: missing_dirs,
            lines: missing.into_iter().collect(),
        });
    }
    Ok(Resolved {
        graphs,
        warnings,
        download,
        mods,
        unavailable,
        corrupt,
    })
}
