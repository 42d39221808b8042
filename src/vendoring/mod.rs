//! `go mod vendor` / `go work vendor` without a `go` binary: writes a
//! `vendor/` directory byte for byte identical to the go command's, reading
//! dependency files straight out of module zips.
//!
//! The rules follow cmd/go (Go 1.26): `RunVendor`, `vendorPkg`, `copyDir`,
//! `copyMetadata`, `matchPotentialSourceFile`, `moduleLine` and
//! `checkPathCollisions` in cmd/go/internal/modcmd/vendor.go (and
//! workcmd/vendor.go, which runs the same code for a go.work); package
//! loading from modload/load.go, search.go and import.go; replacements and
//! go versions from modload/modfile.go and build.go; embeds from go/build
//! and cmd/go/internal/load/pkg.go (`resolveEmbed`). Split by concern:
//!
//! - [`source`](ModuleSource): where dependency files come from
//!   ([`ProxyDir`] over a GOPROXY tree); zips are read entry by entry.
//! - `load`: the `all` package set and which module provides each package.
//! - `files`: which files of each package are copied (sources, metadata
//!   from parent directories, embeds).
//! - [`modules_txt`]: the `vendor/modules.txt` format and thresholds.
//! - `checked`: every go.mod and zip read from the source is checked
//!   against the project's go.sum and the module zip rules, as the go
//!   command checks downloads; a module go.sum does not cover is refused.
//! - `write`: staging, verification and the swap into place.
//!
//! Deliberately not done: `-e` (every error is fatal), `-v`, cgo-dependent
//! embed scanning beyond the [`VendorOptions::cgo_enabled`] switch, and
//! go.mod consistency checks the go command makes in `-mod=readonly` (an
//! untidy go.mod may vendor here where the go command refuses).

mod checked;
mod files;
mod load;
pub mod modules_txt;
mod source;
mod write;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use crate::classify::{Classify, ErrorClass};
use crate::gover::go_version_at_least;
use crate::graph::{GoModSource, Graph, GraphError, MainModule};
use crate::imports::EmbedPatternError;
use crate::modfile;
use crate::module::{self, ModVersion};
use crate::project::{GoModFetcher, GoWork, Project, ProjectError};

pub use modules_txt::{Annotations, ModuleBlock, module_line, render};
pub use source::{ModuleSource, OpenedZip, ProxyDir, SourceError, ZipBytes};

use load::{Loader, Loc, Main};

/// What to vendor and where.
#[derive(Debug, Clone, Default)]
pub struct VendorOptions {
    /// The module or workspace directory (holding go.mod, or go.work).
    pub project_dir: PathBuf,
    /// Where to write; default `<project_dir>/vendor` (the go command's
    /// `-o`).
    pub out_dir: Option<PathBuf>,
    /// go/build's `CgoEnabled` for embed scanning: files importing `"C"`
    /// contribute `//go:embed` patterns only when set (the go command takes
    /// it from `CGO_ENABLED` or the platform default).
    pub cgo_enabled: bool,
    /// `GOWORK`: a directory in workspace mode is vendored as `go work
    /// vendor` when it is the workspace's own, and refused as `go mod
    /// vendor` refuses it otherwise.
    pub gowork: GoWork,
    /// `-e`, as `go mod vendor -e`: packages that fail to load (missing,
    /// ambiguous, invalid, without Go files) are reported and left out,
    /// and the rest is written. Integrity errors still stop everything.
    pub allow_errors: bool,
}

/// What [`vendor`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VendorReport {
    /// The directory written (or removed, when nothing was vendored).
    pub out_dir: PathBuf,
    /// Module lines in modules.txt.
    pub modules: usize,
    /// Vendored packages.
    pub packages: usize,
    /// Files written, modules.txt included.
    pub files: usize,
    /// `false` when there was nothing to vendor: like the go command ("go:
    /// no dependencies to vendor"), no vendor directory is left.
    pub wrote: bool,
    /// With [`VendorOptions::allow_errors`], the package errors gone past
    /// (those packages are not vendored).
    pub warnings: Vec<String>,
}

/// Why vendoring failed; each is a case where `go mod vendor` fails too.
#[derive(Debug, thiserror::Error)]
pub enum VendorError {
    /// go.mod / go.work / go.sum could not be read.
    #[error(transparent)]
    Project(#[from] ProjectError),
    /// The module graph could not be loaded.
    #[error(transparent)]
    Graph(#[from] GraphError),
    /// A module's files are not in the source.
    #[error("module files: {0}")]
    Source(SourceError),
    /// A dependency's go.mod does not parse.
    #[error("{module}: parsing go.mod: {message}")]
    GoMod {
        /// The module.
        module: String,
        /// The parser's message.
        message: String,
    },
    /// An import path the go command rejects.
    #[error("{importer}: invalid import path {path:?}: {reason}")]
    InvalidImport {
        /// The import path.
        path: String,
        /// The importing package.
        importer: String,
        /// Why.
        reason: String,
    },
    /// More than one module provides the package (modules listed shortest
    /// path first, as the go command lists them).
    #[error("ambiguous import: found package {path} in multiple modules: {}", modules.join(", "))]
    AmbiguousImport {
        /// The import path.
        path: String,
        /// The providing modules (`path version`).
        modules: Vec<String>,
    },
    /// No module in the build list provides the package.
    #[error("{importer}: no required module provides package {path}")]
    MissingPackage {
        /// The import path.
        path: String,
        /// The importing package (or the tool directive).
        importer: String,
    },
    /// The package directory has `.go` files but none builds under any tags.
    #[error("package {path}: build constraints exclude all Go files in {}", dir.display())]
    NoGoFiles {
        /// The import path.
        path: String,
        /// Its directory.
        dir: PathBuf,
    },
    /// go/build rejected a file while collecting embed patterns.
    #[error("internal error: failed to find embedded files of {package}: {message}")]
    EmbedScan {
        /// The package.
        package: String,
        /// go/build's complaint.
        message: String,
    },
    /// An embed pattern is invalid or matches nothing embeddable.
    #[error("go: resolving embeds in {package}: {error}")]
    Embed {
        /// The package.
        package: String,
        /// The pattern and reason.
        error: EmbedPatternError,
    },
    /// Two vendored module paths differ only in case.
    #[error("go.mod: case-insensitive import collision: {a:?} and {b:?}")]
    CaseCollision {
        /// One module path.
        a: String,
        /// The other.
        b: String,
    },
    /// A relative replacement directory lies inside `vendor`.
    #[error("go: replacement path {path} inside vendor directory")]
    ReplacementInVendor {
        /// The replacement path as written.
        path: String,
    },
    /// Reading a source file or directory failed.
    #[error("read `{}`: {message}", path.display())]
    Read {
        /// The path (inside a module zip: the zip's path then the entry).
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// Writing the vendor tree failed (the previous tree is untouched).
    #[error("{op} `{}`: {message}", path.display())]
    Write {
        /// The operation.
        op: &'static str,
        /// The path.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// A go.mod or module zip does not hash to the project's go.sum line.
    #[error(transparent)]
    Checksum(Box<ChecksumMismatch>),
    /// A module zip breaks the module zip rules.
    #[error("{module}: `{}`: {detail} (SECURITY ERROR)", location.display())]
    BadZip {
        /// `path@version`.
        module: String,
        /// Where the zip came from.
        location: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// A go ≥ 1.17 go.mod lacks a requirement on a module that provides a
    /// loaded package (the go command would have to update go.mod).
    #[error(
        "go: updates to go.mod needed; to update it: go mod tidy ({} provide(s) imported packages but go.mod does not require it)",
        modules.join(", ")
    )]
    GoModUpdatesNeeded {
        /// The modules missing from go.mod.
        modules: Vec<String>,
    },
    /// The directory is in workspace mode through a go.work elsewhere.
    #[error(
        "go: 'go mod vendor' cannot be run in workspace mode (`{}` is in the workspace of `{}`); vendor the workspace with `modsnap vendor --project {}` (as `go work vendor`), or set GOWORK=off to exit workspace mode",
        dir.display(), work.display(), work.display()
    )]
    WorkspaceMode {
        /// The directory given.
        dir: PathBuf,
        /// The workspace's directory.
        work: PathBuf,
    },
    /// Several package errors, all reported (in the order found).
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Packages(Vec<VendorError>),
    /// A bug in modsnap.
    #[error("internal error: {0}")]
    Internal(String),
}

/// A source error caused by a vendoring error (a go.sum check of the
/// checked source) is that error.
impl From<SourceError> for VendorError {
    fn from(e: SourceError) -> Self {
        match e.downcast::<VendorError>() {
            Ok(inner) => inner,
            Err(e) => VendorError::Source(e),
        }
    }
}

impl VendorError {
    /// An error in one package (the go command's loader records it on the
    /// package and goes on; `-e` vendors the rest).
    pub fn is_package_error(&self) -> bool {
        matches!(
            self,
            VendorError::MissingPackage { .. }
                | VendorError::AmbiguousImport { .. }
                | VendorError::InvalidImport { .. }
                | VendorError::NoGoFiles { .. }
        )
    }

    /// The package errors of one load as one error: the error itself when
    /// there is one, [`VendorError::Packages`] when there are more.
    fn from_package_errors(mut errors: Vec<VendorError>) -> Option<VendorError> {
        match errors.len() {
            0 => None,
            1 => errors.pop(),
            _ => Some(VendorError::Packages(errors)),
        }
    }

    /// A go.mod the graph reads has no go.sum line: in a workspace the go
    /// command tolerates that for some commands (and snapshot warns).
    pub fn is_missing_go_mod_sum(&self) -> bool {
        matches!(self, VendorError::Source(e) if e.message.starts_with(checked::MISSING_GO_MOD_SUM))
    }
}

impl Classify for VendorError {
    /// Module bytes that failed verification against go.sum or the module
    /// zip rules are a security matter, as is a source that failed one.
    fn class(&self) -> ErrorClass {
        match self {
            VendorError::Checksum(_) | VendorError::BadZip { .. } => ErrorClass::Security,
            VendorError::Source(e) => e.class(),
            VendorError::Project(e) => e.class(),
            _ => ErrorClass::Failure,
        }
    }
}

impl From<crate::fsutil::FsError> for VendorError {
    fn from(e: crate::fsutil::FsError) -> Self {
        VendorError::Read {
            path: e.path,
            message: e.source.to_string(),
        }
    }
}

/// A go.mod or module zip whose bytes do not hash to go.sum's line.
#[derive(Debug, thiserror::Error)]
#[error(
    "verifying {module}: checksum mismatch: `{}` ({what}) hashes to {got}, but {gosum} says {want}; the module files were not made for this go.sum, or were tampered with (SECURITY ERROR)",
    location.display()
)]
pub struct ChecksumMismatch {
    /// `path@version`, with `/go.mod` for a go.mod.
    pub module: String,
    /// `go.mod` or `zip`.
    pub what: &'static str,
    /// Where the bytes came from.
    pub location: PathBuf,
    /// Their hash.
    pub got: String,
    /// go.sum's.
    pub want: String,
    /// The go.sum file.
    pub gosum: String,
}

/// Whether the replacement path `p`, cleaned, is `vendor` or below it
/// (cmd/go's `str.HasFilePathPrefix(filepath.Clean(p), "vendor")`).
fn inside_vendor(p: &str) -> bool {
    let c = crate::slashpath::clean(p);
    c == "vendor" || c.starts_with("vendor/")
}

/// What replaces `m` ([`crate::graph::Replacements`]), with paths as
/// modules.txt prints them: in a workspace, a main module's relative
/// directory replacement is re-expressed relative to the go.work directory.
fn replacement_shown(project: &Project, graph: &Graph, m: &ModVersion) -> Option<ModVersion> {
    let r = graph.replacements.lookup(m)?;
    if r.from_work
        || project.work.is_none()
        || !r.new.version.is_empty()
        || r.new.path.starts_with('/')
    {
        return Some(r.new.clone());
    }
    let rel = crate::slashpath::clean(&format!("{}/{}", r.dir, r.new.path));
    let path = if modfile::is_directory_path(&rel) {
        rel
    } else {
        format!("./{rel}")
    };
    Some(ModVersion::new(path, ""))
}

/// Loads the module graph of `project`, reading go.mod files from `source`
/// (and directory replacements from disk).
fn load_graph(project: &Project, source: &dyn ModuleSource) -> Result<Graph, VendorError> {
    struct FromSource<'a>(&'a dyn ModuleSource);
    impl GoModFetcher for FromSource<'_> {
        type Error = VendorError;
        async fn fetch(
            &mut self,
            batch: Vec<ModVersion>,
        ) -> Vec<(ModVersion, Result<Vec<u8>, VendorError>)> {
            batch
                .into_iter()
                .map(|m| {
                    let r = self.0.go_mod(&m).map_err(VendorError::from);
                    (m, r)
                })
                .collect()
        }
        fn failed(&mut self, _: &ModVersion, e: VendorError) -> Result<(), VendorError> {
            Err(e)
        }
    }
    project.load_graph_now(&mut FromSource(source))
}

/// The `go` line of the go.mod actually used for `m` (after replacement).
fn module_go_version(
    project: &Project,
    graph: &crate::graph::Graph,
    source: &dyn ModuleSource,
    m: &ModVersion,
) -> Result<Option<String>, VendorError> {
    if let Some(main) = project.mains.iter().find(|x| x.path == m.path) {
        return Ok(main.file.go.as_ref().map(|g| g.version.clone()));
    }
    let data = match graph.actual(m) {
        GoModSource::Module(a) => source.go_mod(&a)?,
        GoModSource::Dir(d) => match crate::project::read_dir_go_mod(&project.dir, &d) {
            Ok(d) => d,
            Err(_) => return Ok(None),
        },
    };
    let f = modfile::parse_lax("go.mod", &data).map_err(|e| VendorError::GoMod {
        module: m.to_string(),
        message: e.to_string(),
    })?;
    Ok(f.go.map(|g| g.version))
}

/// Case folding for the collision check (cmd/go's `str.ToFold`, simple
/// per-character folding).
fn fold(s: &str) -> String {
    s.chars().flat_map(char::to_lowercase).collect()
}

/// Writes the vendor directory for the project in `opts.project_dir` as
/// `go mod vendor` (or `go work vendor` when a go.work is there) would,
/// taking dependency files from `source`.
///
/// The new tree is written beside the target and swapped in only when
/// complete; on error the previous directory is untouched. When there is
/// nothing to vendor, the target is removed and no modules.txt is written
/// (in a workspace that uses a module, modules.txt always holds at least
/// `## workspace`; one that uses none vendors nothing, as in go).
pub fn vendor(
    opts: &VendorOptions,
    source: &dyn ModuleSource,
) -> Result<VendorReport, VendorError> {
    let project = Project::load_with(&opts.project_dir, &opts.gowork)?;
    if project.is_workspace_of_another_dir(&opts.project_dir) {
        return Err(VendorError::WorkspaceMode {
            dir: opts.project_dir.clone(),
            work: project.dir.clone(),
        });
    }
    let checked = checked::Checked::new(source, &project.gosum);
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| checked.work());
        }
        let result = {
            // Closed on every way out, a panic too: the check workers wait
            // on the queue, and the scope would wait on them for ever.
            let _close = checked::CloseOnDrop(&checked);
            vendor_checked(opts, &project, &checked)
        };
        settled(result, &checked)
    })
}

/// Loads the packages `go mod vendor` (and so `go build` and `go test` of
/// the main modules' packages) would load for `project`, with every file
/// read from `source` checked as
/// [`vendor`] checks it, and writes nothing. Fails as `go build` would on a
/// module that provides a needed package but has no zip line in go.sum
/// (`missing go.sum entry …; to add it: go mod download MOD`), on a
/// missing package, or on bytes that fail their go.sum check. Returns how
/// many packages were loaded.
pub fn check_packages(project: &Project, source: &dyn ModuleSource) -> Result<usize, VendorError> {
    let checked = checked::Checked::new(source, &project.gosum);
    // Zips are checked inline: no vendor tree is written, so there is
    // nothing to overlap the checks with.
    checked.close();
    let result = (|| {
        let inputs = load_inputs(project, &checked)?;
        let mut loader = inputs.loader(project, &checked);
        let packages = loader.load_all()?;
        if let Some(e) = VendorError::from_package_errors(loader.take_package_errors()) {
            return Err(e);
        }
        inputs.check_loaded(project, &packages)?;
        Ok(packages.len())
    })();
    settled(result, &checked)
}

/// A run's result once every queued zip check has finished: a security
/// failure found by a worker explains whatever error the run itself saw (a
/// source error, a half-read zip).
fn settled<T>(
    result: Result<T, VendorError>,
    checked: &checked::Checked<'_>,
) -> Result<T, VendorError> {
    match (result, checked.settle()) {
        (_, Err(e)) if e.is_security() => Err(e),
        (Ok(_), Err(e)) => Err(e),
        (r, _) => r,
    }
}

/// What package loading starts from: the graph, the main modules' go
/// version, the main modules and the roots of the graph.
struct Inputs {
    graph: Graph,
    main_go: String,
    mains: Vec<Main>,
    roots: BTreeSet<String>,
    unpruned: bool,
}

impl Inputs {
    /// What the go command checks once packages are loaded: no module
    /// version provides two module paths (the graph's rule), then the
    /// pruned-graph invariant ([`Inputs::check_roots`]).
    fn check_loaded(
        &self,
        project: &Project,
        packages: &BTreeMap<String, load::Package>,
    ) -> Result<(), VendorError> {
        let mains = project
            .mains
            .iter()
            .map(|m| ModVersion::new(m.path.clone(), ""));
        if project.work.is_some() {
            // The roots are the main modules, which nothing replaces.
        } else if self.unpruned {
            self.graph
                .check_multiple_paths(mains.chain(self.graph.build_list()))?;
        } else {
            // The roots in the go command's order: sorted by path.
            let mut roots: Vec<ModVersion> = project
                .mains
                .iter()
                .flat_map(|m| m.file.require.iter().map(|r| r.module.clone()))
                .collect();
            module::sort(&mut roots);
            self.graph.check_multiple_paths(mains.chain(roots))?;
        }
        self.check_roots(project, packages)
    }

    /// The pruned-graph invariant (go ≥ 1.17): every module that provides a
    /// package the main module loads is listed in its go.mod. Otherwise
    /// the go command wants to add it and, with `-mod=readonly` (the
    /// default), refuses: `go: updates to go.mod needed`. Workspaces and
    /// unpruned main modules are not checked.
    fn check_roots(
        &self,
        project: &Project,
        packages: &BTreeMap<String, load::Package>,
    ) -> Result<(), VendorError> {
        if project.work.is_some() || self.unpruned {
            return Ok(());
        }
        let required: BTreeSet<&str> = project
            .mains
            .iter()
            .flat_map(|m| m.file.require.iter().map(|r| r.module.path.as_str()))
            .collect();
        let missing: BTreeSet<String> = packages
            .values()
            .filter_map(|p| match &p.loc {
                Loc::Dep(m) if !required.contains(m.path.as_str()) => Some(m.path.clone()),
                _ => None,
            })
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        Err(VendorError::GoModUpdatesNeeded {
            modules: missing.into_iter().collect(),
        })
    }

    fn loader<'a>(&'a self, project: &'a Project, source: &'a dyn ModuleSource) -> Loader<'a> {
        Loader::new(
            &project.dir,
            &self.mains,
            &self.graph,
            self.roots.clone(),
            self.unpruned,
            source,
        )
    }
}

fn load_inputs(project: &Project, source: &dyn ModuleSource) -> Result<Inputs, VendorError> {
    let workspace = project.work.is_some();
    let main_go = match (&project.work, &project.go) {
        (_, Some(v)) => v.clone(),
        (Some(_), None) => "1.18".to_string(),
        (None, None) => "1.16".to_string(),
    };
    let graph = load_graph(project, source)?;
    let mains: Vec<Main> = project
        .mains
        .iter()
        .map(|m: &MainModule| Main {
            path: m.path.clone(),
            root: project.dir.join(&m.dir),
            ignore: m.file.ignore.iter().map(|i| i.path.clone()).collect(),
            tools: m.file.tool.iter().map(|t| t.path.clone()).collect(),
        })
        .collect();
    let roots: BTreeSet<String> = project
        .mains
        .iter()
        .flat_map(|m| m.file.require.iter().map(|r| r.module.path.clone()))
        .collect();
    let unpruned = !workspace && !go_version_at_least(&main_go, 17);
    Ok(Inputs {
        graph,
        main_go,
        mains,
        roots,
        unpruned,
    })
}

/// `MODSNAP_LOG=modsnap::phase=debug`: when each step of a vendor run ends.
fn phase(name: &str, started: std::time::Instant) {
    tracing::debug!(
        target: "modsnap::phase",
        "vendor: {name} at {:.3} s",
        started.elapsed().as_secs_f64()
    );
}

fn vendor_checked(
    opts: &VendorOptions,
    project: &Project,
    checked: &checked::Checked<'_>,
) -> Result<VendorReport, VendorError> {
    let source: &dyn ModuleSource = checked;
    // A go.work that uses no module is not a workspace to the go command:
    // it loads a stand-in main module with no go.work, finds no packages,
    // and vendors nothing (no `## workspace` line).
    let workspace = project.work.is_some() && !project.mains.is_empty();
    if project.work.is_some() && !workspace {
        tracing::warn!("\"all\" matched no packages");
    }
    let started = std::time::Instant::now();
    let inputs = load_inputs(project, source)?;
    let (graph, main_go) = (&inputs.graph, &inputs.main_go);
    let ann = Annotations::for_version(main_go, workspace || project.go.is_some());
    let out_dir = opts
        .out_dir
        .clone()
        .unwrap_or_else(|| project.dir.join("vendor"));
    let staging = write::Staging::early(&out_dir)?;
    let mut loader = inputs.loader(project, source);
    loader.plan = Some(load::PlanInputs {
        main_go: main_go.clone(),
        cgo_enabled: opts.cgo_enabled,
        staging: staging.as_ref().map(|s| s.path().to_owned()),
    });
    let packages = loader.load_all()?;
    let mut planned = loader.take_planned();
    phase("packages loaded", started);
    let package_errors = loader.take_package_errors();
    let warnings: Vec<String> = if opts.allow_errors {
        package_errors.iter().map(ToString::to_string).collect()
    } else if let Some(e) = VendorError::from_package_errors(package_errors) {
        return Err(e);
    } else {
        Vec::new()
    };
    inputs.check_loaded(project, &packages)?;

    // Group vendored packages by module.
    let mut modpkgs: BTreeMap<ModVersion, Vec<String>> = BTreeMap::new();
    for (path, pkg) in &packages {
        if let Loc::Dep(m) = &pkg.loc {
            modpkgs.entry(m.clone()).or_default().push(path.clone());
        }
    }
    let mut folded: BTreeMap<String, String> = BTreeMap::new();
    for m in modpkgs.keys() {
        let f = fold(&m.path);
        match folded.get(&f) {
            Some(other) if *other != m.path => {
                return Err(VendorError::CaseCollision {
                    a: m.path.clone(),
                    b: other.clone(),
                });
            }
            _ => {
                folded.insert(f, m.path.clone());
            }
        }
    }

    let mut explicit: BTreeSet<ModVersion> = BTreeSet::new();
    if ann.explicit {
        for m in &project.mains {
            for r in &m.file.require {
                explicit.insert(r.module.clone());
            }
        }
    }
    let mut vendor_mods: Vec<ModVersion> = explicit.iter().cloned().collect();
    vendor_mods.extend(modpkgs.keys().filter(|m| !explicit.contains(m)).cloned());
    module::sort(&mut vendor_mods);

    let check = |r: &Option<ModVersion>| -> Result<(), VendorError> {
        match r {
            Some(r) if inside_vendor(&r.path) => Err(VendorError::ReplacementInVendor {
                path: r.path.clone(),
            }),
            _ => Ok(()),
        }
    };
    let mut blocks = Vec::new();
    let mut written: BTreeSet<ModVersion> = BTreeSet::new();
    for m in &vendor_mods {
        let replacement = replacement_shown(project, graph, m);
        check(&replacement)?;
        written.insert(m.clone());
        let go = if ann.go_versions {
            let selected = graph
                .selected
                .get(&m.path)
                .map(|v| ModVersion::new(m.path.clone(), v.clone()))
                .unwrap_or_else(|| m.clone());
            module_go_version(project, graph, source, &selected)?
        } else {
            None
        };
        blocks.push(ModuleBlock {
            module: m.clone(),
            replacement,
            explicit: explicit.contains(m),
            go,
            packages: modpkgs.get(m).cloned().unwrap_or_default(),
        });
    }
    let mut trailing = Vec::new();
    if ann.explicit {
        for main in &project.mains {
            if let Some(w) = &project.work {
                for r in &w.replace {
                    if written.insert(r.old.clone()) {
                        check(&Some(r.new.clone()))?;
                        trailing.push((r.old.clone(), r.new.clone()));
                    }
                }
            }
            for r in &main.file.replace {
                if !written.insert(r.old.clone()) {
                    continue;
                }
                if let Some(new) = replacement_shown(project, graph, &r.old) {
                    check(&Some(new.clone()))?;
                    trailing.push((r.old.clone(), new));
                }
            }
        }
    }
    let text = render(workspace, &blocks, &trailing);

    // Plan the files, module by module in modules.txt order.
    let mut plan = files::Plan::default();
    let mut npkgs = 0;
    for b in &blocks {
        let mut pkgs = b.packages.clone();
        pkgs.sort();
        for p in pkgs {
            let pkg = packages
                .get(&p)
                .ok_or_else(|| VendorError::Internal(format!("lost package {p}")))?;
            let files = planned
                .remove(&p)
                .ok_or_else(|| VendorError::Internal(format!("no files planned for {p}")))?;
            files::add_package(&mut plan, &mut loader, &p, &b.module.path, pkg, files)?;
            npkgs += 1;
        }
    }

    phase("files planned", started);
    let modules_txt = (!text.is_empty()).then_some(text.as_str());
    let nfiles = write::write_tree(&out_dir, staging, &plan, modules_txt, &loader, &|| {
        let settled = checked.settle();
        phase("zips checked", started);
        settled
    })?;
    Ok(VendorReport {
        out_dir,
        modules: blocks.len(),
        packages: npkgs,
        files: nfiles,
        wrote: modules_txt.is_some(),
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vendor_prefix() {
        assert!(inside_vendor("./vendor/x"));
        assert!(inside_vendor("vendor"));
        assert!(inside_vendor("a/../vendor/b"));
        assert!(!inside_vendor("./vendorx"));
        assert!(!inside_vendor("../vendor/x"));
        assert!(!inside_vendor("/abs/vendor/x"));
    }

    #[test]
    fn folding() {
        assert_eq!(fold("Example.com/Upper"), fold("example.com/upper"));
        assert_ne!(fold("a/b"), fold("a/c"));
    }
}
