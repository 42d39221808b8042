//! The package set `go mod vendor` copies, and which module provides each
//! package (cmd/go/internal/modload: `LoadPackages` with the `all` pattern
//! and `UseVendorAll` in load.go, `matchPackages` in search.go,
//! `importFromModules`/`dirInModule` in import.go).
//!
//! Roots are every package found by walking the main modules (skipping
//! `.`/`_`/`testdata` directories, `ignore` directives, nested modules and
//! everything below a `vendor` directory) plus the `tool` packages. Every
//! loaded package's imports are loaded; main-module packages also load their
//! test imports; dependencies' tests never are. Build constraints use
//! [`Tags::any`]. `"C"` and `appengine` imports are dropped, standard-library
//! packages are recognised from the embedded list, and a std-looking path no
//! module provides is silently skipped (`SilenceMissingStdImports`).

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, mpsc};

use crate::graph::{GoModSource, Graph};
use crate::imports::{ScanError, Tags, is_standard_import_path, is_standard_package, scan_dir};
use crate::module::{self, ModVersion};

use super::VendorError;
use super::files::{PackageFiles, package_files, read_go_files_whole};
use super::source::{ModuleSource, Tree, TreeDir};

/// Which module tree a package lives in.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Loc {
    /// The main module at this index.
    Main(usize),
    /// A dependency at its selected version (before replacement).
    Dep(ModVersion),
}

/// A loaded package that is not in the standard library.
#[derive(Debug, Clone)]
pub(crate) struct Package {
    /// Where its files are.
    pub(crate) loc: Loc,
    /// Its directory, relative to the module root.
    pub(crate) dir: String,
}

/// A main module as the loader needs it.
pub(crate) struct Main {
    /// The module path.
    pub(crate) path: String,
    /// Its root directory.
    pub(crate) root: PathBuf,
    /// Its `ignore` directives.
    pub(crate) ignore: Vec<String>,
    /// Its `tool` directives.
    pub(crate) tools: Vec<String>,
}

/// The loader's inputs and its cache of opened module trees.
pub(crate) struct Loader<'a> {
    pub(crate) project_dir: &'a Path,
    pub(crate) mains: &'a [Main],
    pub(crate) graph: &'a Graph,
    /// Module paths required by the main modules (the requirement roots).
    pub(crate) roots: BTreeSet<String>,
    /// Unpruned main module (go < 1.17): resolve against the full graph.
    pub(crate) unpruned: bool,
    pub(crate) source: &'a dyn ModuleSource,
    trees: HashMap<Loc, Tree>,
    /// When set, each dependency package's files to vendor are worked out
    /// as it is scanned ([`Loader::take_planned`]).
    pub(crate) plan: Option<PlanInputs>,
    planned: HashMap<String, PackageFiles>,
    /// Errors in single packages (missing, ambiguous, invalid, no Go
    /// files), in the order found: loading goes on past them, as the go
    /// command's loader does, so all are reported together.
    package_errors: Vec<VendorError>,
}

/// Opens the [`Tree`] of a [`Loc`]: main modules and directory
/// replacements on disk, other modules from the source's zip.
#[derive(Clone, Copy)]
pub(crate) struct Opener<'a> {
    project_dir: &'a Path,
    mains: &'a [Main],
    graph: &'a Graph,
    source: &'a dyn ModuleSource,
}

impl Opener<'_> {
    /// A fresh tree for `loc`.
    pub(crate) fn open(&self, loc: &Loc) -> Result<Tree, VendorError> {
        Ok(match loc {
            Loc::Main(i) => Tree::Dir(self.mains[*i].root.clone()),
            Loc::Dep(m) => match self.graph.actual(m) {
                GoModSource::Dir(d) => Tree::Dir(self.project_dir.join(d)),
                GoModSource::Module(actual) => {
                    let zip = self.source.open_zip(&actual)?;
                    let location = zip.location.clone();
                    Tree::open_zip(&actual, zip).map_err(|e| VendorError::Read {
                        path: location,
                        message: e.to_string(),
                    })?
                }
            },
        })
    }
}

enum Resolved {
    /// The standard library, or a std-looking path nothing provides.
    Std,
    Found(Loc, String),
}

fn dropped_import(p: &str) -> bool {
    p == "C"
        || p == "appengine"
        || p.starts_with("appengine/")
        || p == "appengine_internal"
        || p.starts_with("appengine_internal/")
}

fn path_dir(p: &str) -> &str {
    match p.rfind('/') {
        Some(i) => &p[..i],
        None => ".",
    }
}

impl<'a> Loader<'a> {
    pub(crate) fn new(
        project_dir: &'a Path,
        mains: &'a [Main],
        graph: &'a Graph,
        roots: BTreeSet<String>,
        unpruned: bool,
        source: &'a dyn ModuleSource,
    ) -> Loader<'a> {
        Loader {
            project_dir,
            mains,
            graph,
            roots,
            unpruned,
            source,
            trees: HashMap::new(),
            plan: None,
            planned: HashMap::new(),
            package_errors: Vec::new(),
        }
    }

    /// The package errors [`Loader::load_all`] went past.
    pub(crate) fn take_package_errors(&mut self) -> Vec<VendorError> {
        std::mem::take(&mut self.package_errors)
    }

    /// The tree of `loc`, opened on first use, for its file list only
    /// (files are read by the scanning workers and the copy, from trees of
    /// their own).
    pub(crate) fn tree(&mut self, loc: &Loc) -> Result<&Tree, VendorError> {
        if !self.trees.contains_key(loc) {
            let tree = self.opener().open(loc)?.index_only();
            self.trees.insert(loc.clone(), tree);
        }
        self.trees
            .get(loc)
            .ok_or_else(|| VendorError::Internal("tree cache".into()))
    }

    /// What opens trees, shareable across threads.
    pub(crate) fn opener(&self) -> Opener<'a> {
        Opener {
            project_dir: self.project_dir,
            mains: self.mains,
            graph: self.graph,
            source: self.source,
        }
    }

    fn module_path<'s>(&'s self, loc: &'s Loc) -> &'s str {
        match loc {
            Loc::Main(i) => &self.mains[*i].path,
            Loc::Dep(m) => &m.path,
        }
    }

    /// cmd/go's `dirInModule`: the package directory of `path` inside the
    /// module at `loc`, if it holds any `.go` file and (for local trees) no
    /// nested go.mod lies between it and the module root.
    fn dir_in_module(&mut self, path: &str, loc: &Loc) -> Result<Option<String>, VendorError> {
        let mpath = self.module_path(loc).to_string();
        let rel = if path == mpath {
            String::new()
        } else if let Some(r) = path.strip_prefix(&mpath).and_then(|r| r.strip_prefix('/')) {
            r.to_string()
        } else {
            return Ok(None);
        };
        let tree = self.tree(loc)?;
        if tree.is_local() {
            let mut d = rel.as_str();
            while !d.is_empty() {
                if tree.is_file(&format!("{d}/go.mod")) {
                    return Ok(None);
                }
                d = match d.rfind('/') {
                    Some(i) => &d[..i],
                    None => "",
                };
            }
        }
        let has = tree.has_go_files(&rel).map_err(|e| VendorError::Read {
            path: tree.location().join(&rel),
            message: e.to_string(),
        })?;
        Ok(has.then_some(rel))
    }

    fn candidate(&self, prefix: &str, full: bool) -> Option<Loc> {
        if let Some(i) = self.mains.iter().position(|m| m.path == prefix) {
            return Some(Loc::Main(i));
        }
        if !full && !self.roots.contains(prefix) {
            return None;
        }
        let v = self.graph.selected.get(prefix)?;
        if v == "none" {
            return None;
        }
        Some(Loc::Dep(ModVersion::new(prefix, v.clone())))
    }

    /// cmd/go's `importFromModules` for `path`, imported by `importer`.
    fn resolve(&mut self, path: &str, importer: &str) -> Result<Resolved, VendorError> {
        let invalid = |reason: String| VendorError::InvalidImport {
            path: path.to_string(),
            importer: importer.to_string(),
            reason,
        };
        if path.contains('@') {
            return Err(invalid("import path should not have @version".into()));
        }
        if path == "."
            || path == ".."
            || path.starts_with("./")
            || path.starts_with("../")
            || path.starts_with('/')
        {
            return Err(invalid(
                "relative or absolute import paths are not supported in module mode".into(),
            ));
        }
        if matches!(path, "all" | "std" | "cmd" | "tool" | "work") {
            return Err(invalid("not an importable package".into()));
        }
        module::check_import_path(path).map_err(|e| invalid(e.to_string()))?;

        let is_std = is_standard_import_path(path) && is_standard_package(path);
        let mut found: Vec<(Loc, String)> = Vec::new();
        let passes: &[bool] = if self.unpruned {
            &[true]
        } else {
            &[false, true]
        };
        for &full in passes {
            let mut prefix = path;
            while prefix != "." {
                if let Some(loc) = self.candidate(prefix, full)
                    && let Some(dir) = self.dir_in_module(path, &loc)?
                {
                    found.push((loc, dir));
                }
                prefix = path_dir(prefix);
            }
            let total = found.len() + usize::from(is_std);
            if total > 1 {
                found.reverse();
                let mut modules: Vec<String> = found
                    .iter()
                    .map(|(loc, _)| match loc {
                        Loc::Main(i) => self.mains[*i].path.clone(),
                        Loc::Dep(m) => format!("{} {}", m.path, m.version),
                    })
                    .collect();
                if is_std {
                    modules.push("std".into());
                }
                return Err(VendorError::AmbiguousImport {
                    path: path.to_string(),
                    modules,
                });
            }
            if is_std {
                return Ok(Resolved::Std);
            }
            if let Some((loc, dir)) = found.pop() {
                return Ok(Resolved::Found(loc, dir));
            }
        }
        if is_standard_import_path(path) {
            return Ok(Resolved::Std);
        }
        Err(VendorError::MissingPackage {
            path: path.to_string(),
            importer: importer.to_string(),
        })
    }

    /// Loads the `all` package set: every non-std package, by import path.
    ///
    /// Packages are resolved and taken in the go command's order, on this
    /// thread; the directories are scanned (their Go file heads inflated
    /// and read, and with [`Loader::plan`] set, the files to vendor worked
    /// out) on worker threads as soon as a package is queued. Each module
    /// goes to one worker, which keeps its tree open, so no zip is read by
    /// two scanners. Results and errors come out in queue order, as from a
    /// sequential load.
    pub(crate) fn load_all(&mut self) -> Result<BTreeMap<String, Package>, VendorError> {
        let mut roots: Vec<(String, String)> = Vec::new();
        let mut have = BTreeSet::new();
        for m in self.mains {
            for p in walk_main(&m.root, &m.path, &m.ignore)? {
                if have.insert(p.clone()) {
                    roots.push((p, String::new()));
                }
            }
        }
        for m in self.mains {
            for t in &m.tools {
                roots.push((t.clone(), format!("tool directive of {}", m.path)));
            }
        }
        let workers = std::thread::available_parallelism()
            .map_or(2, |n| n.get())
            .clamp(1, 4);
        let scans = Scans::new(workers);
        let opener = self.opener();
        let plan = self.plan.clone();
        std::thread::scope(|s| {
            let mut queues = Vec::new();
            for i in 0..workers {
                let (tx, rx) = mpsc::channel::<ScanJob>();
                queues.push(tx);
                let (scans, plan) = (&scans, plan.as_ref());
                s.spawn(move || scans.work(i, rx, opener, plan));
            }
            let result = self.load_queued(roots, &queues, &scans);
            scans.stop.store(true, Ordering::Relaxed);
            drop(queues);
            result
        })
    }

    fn load_queued(
        &mut self,
        roots: Vec<(String, String)>,
        queues: &[mpsc::Sender<ScanJob>],
        scans: &Scans,
    ) -> Result<BTreeMap<String, Package>, VendorError> {
        let mut queue: VecDeque<(String, String)> = VecDeque::new();
        // Each path is resolved when first queued (with that importer, the
        // one a sequential load would name) and its directory sent to be
        // scanned; what resolving found is taken when it is dequeued.
        let mut resolved = HashMap::new();
        let mut seen = BTreeSet::new();
        type Resolutions = HashMap<String, Result<Resolved, VendorError>>;
        let enqueue = |this: &mut Self,
                       resolved: &mut Resolutions,
                       queue: &mut VecDeque<(String, String)>,
                       path: String,
                       importer: String| {
            if !resolved.contains_key(&path) {
                let r = this.resolve(&path, &importer);
                if let Ok(Resolved::Found(loc, dir)) = &r {
                    let job = ScanJob {
                        path: path.clone(),
                        loc: loc.clone(),
                        dir: dir.clone(),
                    };
                    // A worker that is gone is noticed when its result is
                    // waited for.
                    let _ = queues[route(loc, queues.len())].send(job);
                }
                resolved.insert(path.clone(), r);
            }
            queue.push_back((path, importer));
        };
        for (p, importer) in roots {
            enqueue(self, &mut resolved, &mut queue, p, importer);
        }
        let mut out = BTreeMap::new();
        while let Some((path, importer)) = queue.pop_front() {
            if !seen.insert(path.clone()) {
                continue;
            }
            // Every path is resolved when first queued (and its scan sent
            // then); resolving it here would wait on a scan never sent.
            let Some(r) = resolved.remove(&path) else {
                return Err(VendorError::Internal(format!(
                    "package {path} (imported by {importer}) was queued unresolved"
                )));
            };
            let (loc, dir) = match r {
                Ok(Resolved::Std) => continue,
                Ok(Resolved::Found(loc, dir)) => (loc, dir),
                Err(e) if e.is_package_error() => {
                    self.package_errors.push(e);
                    continue;
                }
                Err(e) => return Err(e),
            };
            let scanned = scans.wait(&path, route(&loc, queues.len()))?;
            let scan = match scanned.scan {
                Ok(scan) => scan,
                Err(e) if e.is_package_error() => {
                    self.package_errors.push(e);
                    continue;
                }
                Err(e) => return Err(e),
            };
            if let Some(files) = scanned.files {
                self.planned.insert(path.clone(), files);
            }
            let mut imports = scan.imports;
            if matches!(loc, Loc::Main(_)) {
                imports.extend(scan.test_imports);
            }
            for imp in imports {
                if !dropped_import(&imp) && !seen.contains(&imp) {
                    enqueue(self, &mut resolved, &mut queue, imp, path.clone());
                }
            }
            out.insert(path, Package { loc, dir });
        }
        Ok(out)
    }

    /// The files to vendor of the packages loaded, by import path, when
    /// [`Loader::plan`] was set (dependencies only).
    pub(crate) fn take_planned(&mut self) -> HashMap<String, PackageFiles> {
        std::mem::take(&mut self.planned)
    }
}

/// What the loader's workers need to work out a package's files to vendor
/// while they scan it: the main modules' go version, and whether cgo is on.
#[derive(Clone)]
pub(crate) struct PlanInputs {
    pub(crate) main_go: String,
    pub(crate) cgo_enabled: bool,
    /// Where the new vendor tree is being written, if it exists yet: the
    /// workers write each package's Go files there as they go.
    pub(crate) staging: Option<PathBuf>,
}

/// A package directory to scan.
struct ScanJob {
    path: String,
    loc: Loc,
    dir: String,
}

/// What a worker found in a package directory.
struct Scanned {
    scan: Result<crate::imports::Scan, VendorError>,
    files: Option<PackageFiles>,
}

/// The worker a module's packages are scanned on.
fn route(loc: &Loc, workers: usize) -> usize {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    loc.hash(&mut h);
    (h.finish() % workers.max(1) as u64) as usize
}

/// The scans done, and which workers have stopped.
struct Scans {
    state: Mutex<ScanState>,
    ready: Condvar,
    /// Set once the load is over (done or failed): queued scans are dropped.
    stop: AtomicBool,
}

struct ScanState {
    done: HashMap<String, Scanned>,
    exited: Vec<bool>,
}

/// Marks a worker stopped, however it stops.
struct Exited<'s> {
    scans: &'s Scans,
    worker: usize,
}

impl Drop for Exited<'_> {
    fn drop(&mut self) {
        let mut state = match self.scans.state.lock() {
            Ok(s) => s,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Some(e) = state.exited.get_mut(self.worker) {
            *e = true;
        }
        self.scans.ready.notify_all();
    }
}

impl Scans {
    fn new(workers: usize) -> Scans {
        Scans {
            state: Mutex::new(ScanState {
                done: HashMap::new(),
                exited: vec![false; workers],
            }),
            ready: Condvar::new(),
            stop: AtomicBool::new(false),
        }
    }

    /// Scans the jobs sent to worker `worker` until the sender is dropped.
    fn work(
        &self,
        worker: usize,
        jobs: mpsc::Receiver<ScanJob>,
        opener: Opener<'_>,
        plan: Option<&PlanInputs>,
    ) {
        let _exited = Exited {
            scans: self,
            worker,
        };
        let mut trees: HashMap<Loc, Tree> = HashMap::new();
        let tags = Tags::any();
        for job in jobs {
            if self.stop.load(Ordering::Relaxed) {
                return;
            }
            let scanned = scan_job(&job, &mut trees, opener, plan, &tags);
            match self.state.lock() {
                Ok(mut state) => {
                    state.done.insert(job.path, scanned);
                }
                Err(_) => return,
            }
            self.ready.notify_all();
        }
    }

    /// The scan of `path`, once worker `worker` has done it.
    fn wait(&self, path: &str, worker: usize) -> Result<Scanned, VendorError> {
        let poisoned = || VendorError::Internal("package scan state poisoned".into());
        let mut state = self.state.lock().map_err(|_| poisoned())?;
        loop {
            if let Some(s) = state.done.remove(path) {
                return Ok(s);
            }
            if state.exited.get(worker).copied().unwrap_or(true) {
                return Err(VendorError::Internal(format!(
                    "the worker scanning {path} stopped"
                )));
            }
            state = self.ready.wait(state).map_err(|_| poisoned())?;
        }
    }
}

/// Scans `job`'s directory in its module's tree (opened on first use and
/// kept), and with `plan`, works out a dependency package's files to
/// vendor. The file heads read are dropped once the package is done.
fn scan_job(
    job: &ScanJob,
    trees: &mut HashMap<Loc, Tree>,
    opener: Opener<'_>,
    plan: Option<&PlanInputs>,
    tags: &Tags,
) -> Scanned {
    let tree = match trees.entry(job.loc.clone()) {
        std::collections::hash_map::Entry::Occupied(o) => o.into_mut(),
        std::collections::hash_map::Entry::Vacant(v) => match opener.open(&job.loc) {
            Ok(t) => v.insert(t),
            Err(e) => {
                return Scanned {
                    scan: Err(e),
                    files: None,
                };
            }
        },
    };
    let dir = &job.dir;
    if let (Some(_), Loc::Dep(_), false) = (plan, &job.loc, tree.is_local()) {
        // The Go files are read whole, once: most are vendored, and the
        // rest of those checked file by file would be read whole anyway
        // (a file's head cannot be checked alone).
        read_go_files_whole(tree, dir, tree.checks_files());
    }
    let scan = scan_dir(&TreeDir { tree, dir }, tags).map_err(|e| match e {
        ScanError::NoGo => VendorError::NoGoFiles {
            path: job.path.clone(),
            dir: tree.location().join(dir),
        },
        ScanError::Read { name, source } => VendorError::Read {
            path: tree.location().join(dir).join(name),
            message: source.to_string(),
        },
    });
    let files = match (plan, &job.loc, &scan) {
        (Some(p), Loc::Dep(_), Ok(_)) => Some(package_files(
            tree,
            &job.path,
            dir,
            &p.main_go,
            p.cgo_enabled,
            p.staging.as_deref(),
        )),
        _ => None,
    };
    tree.forget_heads(dir);
    Scanned { scan, files }
}

/// `/x/` normalisation of an ignore pattern or directory.
fn normalize(p: &str) -> String {
    let mut s = p.to_string();
    if !s.starts_with('/') {
        s.insert(0, '/');
    }
    if !s.ends_with('/') {
        s.push('/');
    }
    s
}

/// Whether the slash path `rel` (relative to the module root) is excluded
/// by `ignore` directives: `./x` anchors at the root, `x` matches anywhere.
fn ignored(rel: &str, ignore: &[String]) -> bool {
    if rel.is_empty() {
        return false;
    }
    let dir = normalize(rel);
    ignore.iter().any(|p| match p.strip_prefix("./") {
        Some(anchored) => dir.starts_with(&normalize(anchored)),
        None => dir.contains(&normalize(p)),
    })
}

/// The package import paths in a main module (cmd/go's `walkPkgs` with
/// go.mod and vendor pruning), sorted.
fn walk_main(root: &Path, mod_path: &str, ignore: &[String]) -> Result<Vec<String>, VendorError> {
    let mut out = Vec::new();
    let mut stack = vec![String::new()];
    let tags = Tags::any();
    while let Some(rel) = stack.pop() {
        let abs = root.join(&rel);
        let elem = rel.rsplit('/').next().unwrap_or("");
        if !rel.is_empty() && abs.join("go.mod").metadata().is_ok_and(|m| !m.is_dir()) {
            continue;
        }
        let name = if rel.is_empty() {
            mod_path.to_string()
        } else {
            format!("{mod_path}/{rel}")
        };
        if name != "builtin" {
            match scan_dir(&crate::imports::RealDir::new(&abs), &tags) {
                Err(ScanError::NoGo) => {}
                _ => out.push(name),
            }
        }
        if elem == "vendor" {
            continue;
        }
        let rd = std::fs::read_dir(&abs).map_err(|e| VendorError::Read {
            path: abs.clone(),
            message: e.to_string(),
        })?;
        let mut subdirs = Vec::new();
        for e in rd {
            let e = e.map_err(|e| VendorError::Read {
                path: abs.clone(),
                message: e.to_string(),
            })?;
            if !e.file_type().is_ok_and(|t| t.is_dir()) {
                continue;
            }
            let n = e.file_name().to_string_lossy().into_owned();
            if n.starts_with('.') || n.starts_with('_') || n == "testdata" {
                continue;
            }
            let child = if rel.is_empty() {
                n
            } else {
                format!("{rel}/{n}")
            };
            if ignored(&child, ignore) {
                continue;
            }
            subdirs.push(child);
        }
        subdirs.sort();
        stack.extend(subdirs.into_iter().rev());
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ignore_patterns() {
        let ig = vec!["./gen".to_string(), "node_modules".to_string()];
        assert!(ignored("gen", &ig));
        assert!(ignored("gen/sub", &ig));
        assert!(!ignored("a/gen", &ig));
        assert!(!ignored("generated", &ig));
        assert!(ignored("web/node_modules", &ig));
        assert!(ignored("node_modules/x", &ig));
        assert!(!ignored("", &ig));
    }

    #[test]
    fn dropped() {
        assert!(dropped_import("C"));
        assert!(dropped_import("appengine"));
        assert!(dropped_import("appengine/datastore"));
        assert!(dropped_import("appengine_internal/x"));
        assert!(!dropped_import("appengines"));
        assert!(!dropped_import("example.com/appengine"));
    }
}
