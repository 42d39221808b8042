//! The module graph: which go.mod files the go command reads, and which
//! module versions minimal version selection picks
//! (<https://go.dev/ref/mod#minimal-version-selection>,
//! <https://go.dev/ref/mod#graph-pruning>; cmd/go/internal/modload
//! `readModGraph`, `goModSummary`).
//!
//! The loader is sans-IO: it says which go.mod files it needs next
//! ([`GraphLoader::pending`]), the caller fetches them (concurrently, from a
//! proxy, a cache or an archive) and hands the bytes back
//! ([`GraphLoader::provide`]), until nothing is pending. It loads the graph
//! the way `go list -m all` does — the *full* module graph, not the lazy
//! subset a `go build` may get away with — so everything any offline go
//! command reads is covered:
//!
//! - The roots are the main modules' requirements. With a pruned main module
//!   (go ≥ 1.17) each root's go.mod is read, and a requirement's go.mod is
//!   read only when the module requiring it is itself unpruned (go < 1.17 or
//!   no go line), in which case its whole closure is read unpruned. An
//!   unpruned main module reads every reachable go.mod.
//! - In a workspace the roots are the main modules themselves: each one's
//!   requirements are read with that module's own pruning (a pruned main
//!   module's requirements' go.mod files, and no deeper). Then, until
//!   nothing changes, every selected version higher than one that a main
//!   module (or a module reloaded this way) requires is read with
//!   workspace pruning: its go.mod and its requirements' go.mod files.
//! - `replace` (from go.work, then the main module: exact version first, then
//!   the wildcard) decides whose go.mod is read: a module replacement's
//!   go.mod is fetched under the replacement's path and version; a directory
//!   replacement's go.mod comes from disk and needs no go.sum line.
//! - `exclude` in the main module(s) drops requirements on excluded versions
//!   found in dependencies' go.mod files.
//! - Dependencies' go.mod files are parsed in lax mode; the `go` and
//!   `toolchain` pseudo-requirements are not modules and are ignored.
//!
//! Not here: fetching ([`crate::ops`] does it), package loading (which
//! modules provide imported packages), retractions and deprecations (only
//! queries consult them), and toolchain switching.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use crate::modfile::{self, ModFile, Replace};
use crate::module::ModVersion;
use crate::semver;

/// A module version whose go.mod the loader needs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum GoModSource {
    /// Fetch `<path>/@v/<version>.mod` (after replacement).
    Module(ModVersion),
    /// Read `<dir>/go.mod` from disk: a directory replacement, relative to
    /// the directory of the file that declared it.
    Dir(String),
}

/// Why the graph cannot be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GraphError {
    /// A dependency's go.mod does not parse.
    #[error("{module}: parsing go.mod: {message}")]
    Parse {
        /// The module (as required, `path@version`).
        module: String,
        /// The parser's message.
        message: String,
    },
    /// A fetched go.mod has no module line.
    #[error("{module}: parsing go.mod: missing module line")]
    MissingModuleLine {
        /// The module whose go.mod was fetched.
        module: String,
    },
    /// A fetched go.mod declares another path.
    #[error(
        "{module}: parsing go.mod: module declares its path as: {declared} but was required as: {required}"
    )]
    PathMismatch {
        /// The module whose go.mod was fetched.
        module: String,
        /// The path its module line declares.
        declared: String,
        /// The path it was required as.
        required: String,
    },
    /// One module version (or directory) provides two module paths: a
    /// replacement target that is also in the build list under its own
    /// path, or two modules replaced by the same module or directory.
    #[error("go: {target}@{version} used for two different module paths ({first} and {second})")]
    TwoPaths {
        /// The replacement's path (or directory, as written).
        target: String,
        /// Its version (empty for a directory).
        version: String,
        /// The first module path using it, in build-list order.
        first: String,
        /// The other.
        second: String,
    },
    /// Two workspace modules replace the same module differently.
    #[error(
        "go: conflicting replacements for {module}: {a} and {b}; hint: use `go work edit -replace {module}=[override]` to resolve"
    )]
    ConflictingReplacements {
        /// The replaced module.
        module: String,
        /// One replacement.
        a: String,
        /// The other.
        b: String,
    },
}

/// A main module: its path, parsed go.mod and the directory it lives in.
#[derive(Debug, Clone)]
pub struct MainModule {
    /// Its module path.
    pub path: String,
    /// Its go.mod, parsed strictly.
    pub file: ModFile,
    /// Its directory, relative paths in its `replace` lines are relative to it.
    pub dir: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Pruning {
    Pruned,
    Unpruned,
    Workspace,
}

#[derive(Debug, Clone)]
struct Summary {
    require: Vec<ModVersion>,
    pruning: Pruning,
}

/// The loaded graph.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    /// Every module version that appears in the graph (selected or not),
    /// with the versions it requires when its go.mod was read.
    pub nodes: BTreeMap<ModVersion, Option<Vec<ModVersion>>>,
    /// The selected version of every module path (the build list), main
    /// modules excluded.
    pub selected: BTreeMap<String, String>,
    /// Every go.mod fetched from a proxy, under the replacement's identity
    /// (what go.sum's `/go.mod` lines must cover).
    pub go_mods_read: BTreeSet<ModVersion>,
    /// Go.mod files read from disk (directory replacements).
    pub dirs_read: BTreeSet<String>,
    /// The replace directives the graph was loaded with.
    pub replacements: Replacements,
}

/// The replace directives in force, answering cmd/go's
/// `modload.Replacement`: go.work's first (exact version, then the
/// wildcard), then each main module's in `use` order, the last match
/// winning; a main module itself (no version) is never replaced.
#[derive(Debug, Clone, Default)]
pub struct Replacements {
    work: Option<(Vec<Replace>, String)>,
    mains: Vec<(Vec<Replace>, String)>,
    main_paths: BTreeSet<String>,
}

/// One answer of [`Replacements::lookup`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Replacement<'a> {
    /// What replaces the module (a directory when the version is empty).
    pub new: &'a ModVersion,
    /// The directory of the file that declared it (relative paths are
    /// relative to it).
    pub dir: &'a str,
    /// Declared in go.work.
    pub from_work: bool,
}

impl Replacements {
    fn new(mains: &[MainModule], workspace: Option<(&[Replace], &str)>) -> Replacements {
        Replacements {
            work: workspace.map(|(r, d)| (r.to_vec(), d.to_string())),
            mains: mains
                .iter()
                .map(|m| (m.file.replace.clone(), m.dir.clone()))
                .collect(),
            main_paths: mains.iter().map(|m| m.path.clone()).collect(),
        }
    }

    /// Exact version first, then the wildcard; later lines win, as in the
    /// go command's replacement map.
    fn find<'r>(list: &'r [Replace], m: &ModVersion) -> Option<&'r ModVersion> {
        list.iter()
            .rev()
            .find(|r| r.old == *m)
            .or_else(|| {
                list.iter()
                    .rev()
                    .find(|r| r.old.path == m.path && r.old.version.is_empty())
            })
            .map(|r| &r.new)
    }

    /// Where `m`'s go.mod and code come from: itself, the module that
    /// replaces it, or the directory that does (relative to the project).
    pub fn source(&self, m: &ModVersion) -> GoModSource {
        match self.lookup(m) {
            Some(r) if r.new.version.is_empty() => {
                GoModSource::Dir(crate::slashpath::join_unclean(r.dir, &r.new.path))
            }
            Some(r) => GoModSource::Module(r.new.clone()),
            None => GoModSource::Module(m.clone()),
        }
    }

    /// What replaces `m`, if anything.
    pub fn lookup(&self, m: &ModVersion) -> Option<Replacement<'_>> {
        if m.version.is_empty() && self.main_paths.contains(&m.path) {
            return None;
        }
        if let Some((list, dir)) = &self.work {
            if let Some(new) = Self::find(list, m) {
                return Some(Replacement {
                    new,
                    dir,
                    from_work: true,
                });
            }
            // A path go.work replaces (at any version) is not replaced by
            // the modules' go.mod files at all.
            if list.iter().any(|r| r.old.path == m.path) {
                return None;
            }
        }
        self.mains.iter().rev().find_map(|(list, dir)| {
            Self::find(list, m).map(|new| Replacement {
                new,
                dir,
                from_work: false,
            })
        })
    }
}

impl Graph {
    /// The build list: every selected module version (main modules
    /// excluded), sorted by path.
    pub fn build_list(&self) -> Vec<ModVersion> {
        self.selected
            .iter()
            .map(|(p, v)| ModVersion {
                path: p.clone(),
                version: v.clone(),
            })
            .collect()
    }

    /// cmd/go's `checkMultiplePaths` (run when packages are loaded) over
    /// `list`, in order: no module version or directory may provide two
    /// module paths. The go command checks the requirement roots (the
    /// main modules and, in module mode, the main go.mod's requirements),
    /// or the whole build list when it has loaded the full graph (an
    /// unpruned main module).
    pub fn check_multiple_paths(
        &self,
        list: impl IntoIterator<Item = ModVersion>,
    ) -> Result<(), GraphError> {
        let mut first: BTreeMap<GoModSource, (String, ModVersion)> = BTreeMap::new();
        for m in list {
            let shown = self
                .replacements
                .lookup(&m)
                .map_or_else(|| m.clone(), |r| r.new.clone());
            match first.get(&self.actual(&m)) {
                None => {
                    first.insert(self.actual(&m), (m.path.clone(), shown));
                }
                Some((prev, _)) if *prev != m.path => {
                    return Err(GraphError::TwoPaths {
                        target: shown.path,
                        version: shown.version,
                        first: prev.clone(),
                        second: m.path,
                    });
                }
                Some(_) => {}
            }
        }
        Ok(())
    }

    /// What provides `m`'s code: itself, or its replacement — also for a
    /// module whose go.mod the graph never read (a pruned leaf replaced by
    /// a directory needs nothing from any proxy).
    pub fn actual(&self, m: &ModVersion) -> GoModSource {
        self.replacements.source(m)
    }
}

/// Loads a module graph from go.mod files supplied by the caller.
pub struct GraphLoader {
    mains: Vec<MainModule>,
    main_paths: BTreeSet<String>,
    workspace: bool,
    replace: Replacements,
    exclude: BTreeSet<ModVersion>,
    /// (module, pruning) pairs enqueued, to stop cycles.
    enqueued: BTreeSet<(ModVersion, Pruning)>,
    /// Enqueued keys waiting for their summary.
    waiting: BTreeMap<ModVersion, Vec<Pruning>>,
    /// Summaries loaded so far.
    summaries: BTreeMap<ModVersion, Summary>,
    /// Sources requested and not yet provided.
    requested: BTreeMap<GoModSource, Vec<ModVersion>>,
    /// Sources to hand out on the next `pending` call.
    queue: VecDeque<GoModSource>,
    graph: Graph,
    /// Workspace fix-point state.
    ws_seen: BTreeSet<ModVersion>,
    ws_paths: BTreeSet<String>,
    errors: Vec<GraphError>,
}

fn pruning_of(file: &ModFile) -> Pruning {
    match &file.go {
        Some(g) if crate::gover::go_version_at_least(&g.version, 17) => Pruning::Pruned,
        _ => Pruning::Unpruned,
    }
}

impl GraphLoader {
    /// A loader for one main module, or for the `use`d modules of a
    /// workspace (`workspace_replace` are go.work's replacements, relative
    /// to `workspace_dir`).
    pub fn new(
        mains: Vec<MainModule>,
        workspace: Option<(&[Replace], &str)>,
    ) -> Result<GraphLoader, GraphError> {
        // cmd/go (modload `makeMainModules`): in a workspace, two modules
        // may not replace one module version differently — directory
        // targets compared once made relative to the workspace, not as
        // written — unless go.work replaces that path itself.
        let mut seen: BTreeMap<ModVersion, ModVersion> = BTreeMap::new();
        let mut exclude = BTreeSet::new();
        for m in &mains {
            let mut own = BTreeSet::new();
            for r in &m.file.replace {
                let Some((ws, _)) = workspace else { break };
                if ws.iter().any(|x| x.old.path == r.old.path) {
                    continue;
                }
                let new = if r.new.version.is_empty() {
                    ModVersion::new(
                        crate::slashpath::clean(&crate::slashpath::join_unclean(
                            &m.dir,
                            &r.new.path,
                        )),
                        "",
                    )
                } else {
                    r.new.clone()
                };
                if let Some(prev) = seen.get(&r.old)
                    && !own.contains(&r.old)
                    && *prev != new
                {
                    return Err(GraphError::ConflictingReplacements {
                        module: r.old.to_string(),
                        a: prev.to_string(),
                        b: new.to_string(),
                    });
                }
                own.insert(r.old.clone());
                seen.insert(r.old.clone(), new);
            }
            for e in &m.file.exclude {
                exclude.insert(e.module.clone());
            }
        }
        let replace = Replacements::new(&mains, workspace);
        let main_paths = mains.iter().map(|m| m.path.clone()).collect();
        let mut loader = GraphLoader {
            mains,
            main_paths,
            workspace: workspace.is_some(),
            replace,
            exclude,
            enqueued: BTreeSet::new(),
            waiting: BTreeMap::new(),
            summaries: BTreeMap::new(),
            requested: BTreeMap::new(),
            queue: VecDeque::new(),
            graph: Graph::default(),
            ws_seen: BTreeSet::new(),
            ws_paths: BTreeSet::new(),
            errors: Vec::new(),
        };
        loader.start();
        Ok(loader)
    }

    fn start(&mut self) {
        let mains = self.mains.clone();
        if self.workspace {
            // The roots are the main modules themselves, loaded with
            // workspace pruning: each main module's requirements are read
            // with that module's own pruning (so a pruned main module's
            // requirements' go.mod files are read, and no deeper), and the
            // main module paths seed the fix-point in `workspace_fixpoint`.
            for m in &mains {
                let key = ModVersion {
                    path: m.path.clone(),
                    version: String::new(),
                };
                let require: Vec<ModVersion> = self
                    .filter_requirements(&m.file)
                    .into_iter()
                    .filter(|r| !self.exclude.contains(r))
                    .collect();
                for r in &require {
                    self.add_node(r);
                }
                self.summaries.insert(
                    key.clone(),
                    Summary {
                        require,
                        pruning: pruning_of(&m.file),
                    },
                );
                self.ws_paths.insert(m.path.clone());
                self.enqueue(key, Pruning::Workspace);
            }
        } else if let Some(m) = mains.first() {
            let pruning = pruning_of(&m.file);
            // An excluded version the main module requires is ignored (cmd/go
            // `rootsFromModFile`: "ignoring requirement on excluded version").
            let require: Vec<ModVersion> = self
                .filter_requirements(&m.file)
                .into_iter()
                .filter(|r| !self.exclude.contains(r))
                .collect();
            for r in require {
                self.add_node(&r);
                self.enqueue(r, pruning);
            }
        }
    }

    fn filter_requirements(&self, file: &ModFile) -> Vec<ModVersion> {
        file.require
            .iter()
            .map(|r| r.module.clone())
            .filter(|m| m.path != "go" && m.path != "toolchain")
            .collect()
    }

    fn add_node(&mut self, m: &ModVersion) {
        self.graph.nodes.entry(m.clone()).or_insert(None);
        let sel = self
            .graph
            .selected
            .entry(m.path.clone())
            .or_insert_with(|| m.version.clone());
        if semver::compare(&m.version, sel) == std::cmp::Ordering::Greater {
            *sel = m.version.clone();
        }
    }

    fn enqueue(&mut self, m: ModVersion, pruning: Pruning) {
        if m.version == "none" {
            return;
        }
        if !self.enqueued.insert((m.clone(), pruning)) {
            return;
        }
        if self.summaries.contains_key(&m) {
            self.expand(&m, pruning);
            return;
        }
        let first = !self.waiting.contains_key(&m);
        self.waiting.entry(m.clone()).or_default().push(pruning);
        if first {
            let src = self.replace.source(&m);
            let list = self.requested.entry(src.clone()).or_default();
            if list.is_empty() {
                self.queue.push_back(src);
            }
            list.push(m);
        }
    }

    fn expand(&mut self, m: &ModVersion, pruning: Pruning) {
        let Some(summary) = self.summaries.get(m).cloned() else {
            return;
        };
        let next = if pruning == Pruning::Unpruned {
            Pruning::Unpruned
        } else {
            summary.pruning
        };
        for r in summary.require {
            if pruning != Pruning::Pruned || summary.pruning == Pruning::Unpruned {
                self.enqueue(r, next);
            }
        }
    }

    /// The go.mod files needed next. Empty when loading is complete.
    pub fn pending(&mut self) -> Vec<GoModSource> {
        while self.workspace
            && self.queue.is_empty()
            && self.requested.is_empty()
            && self.workspace_fixpoint()
        {}
        self.queue.drain(..).collect()
    }

    /// The selected version of `path`, as the go command's module graph
    /// has it: a main module's is the empty version, above every other.
    fn selected_of(&self, path: &str) -> String {
        if self.main_paths.contains(path) {
            return String::new();
        }
        self.graph.selected.get(path).cloned().unwrap_or_default()
    }

    /// One round of cmd/go's workspace reload (modload `readModGraph`):
    /// each module whose dependencies may provide packages in `all` (the
    /// main modules to begin with) is loaded at its selected version with
    /// workspace pruning, and so is every selected version higher than one
    /// such a module requires. Returns whether anything new was enqueued.
    fn workspace_fixpoint(&mut self) -> bool {
        let newer = |sel: &str, req: &str| match (sel.is_empty(), req.is_empty()) {
            (true, false) => true,
            (false, false) => semver::compare(sel, req) == std::cmp::Ordering::Greater,
            _ => false,
        };
        let mut needs = BTreeSet::new();
        for p in &self.ws_paths {
            let m = ModVersion {
                path: p.clone(),
                version: self.selected_of(p),
            };
            if !self.ws_seen.contains(&m) {
                needs.insert(m);
                continue;
            }
            let Some(summary) = self.summaries.get(&m) else {
                continue;
            };
            for r in &summary.require {
                let s = ModVersion {
                    path: r.path.clone(),
                    version: self.selected_of(&r.path),
                };
                if newer(&s.version, &r.version) && !self.ws_seen.contains(&s) {
                    needs.insert(s);
                }
            }
        }
        let any = !needs.is_empty();
        for m in needs {
            self.ws_seen.insert(m.clone());
            self.ws_paths.insert(m.path.clone());
            self.enqueue(m, Pruning::Workspace);
        }
        any
    }

    /// Hands over the go.mod bytes for `src`.
    pub fn provide(&mut self, src: &GoModSource, data: &[u8]) -> Result<(), GraphError> {
        let Some(waiting_mods) = self.requested.remove(src) else {
            return Ok(());
        };
        match src {
            GoModSource::Module(actual) => {
                self.graph.go_mods_read.insert(actual.clone());
            }
            GoModSource::Dir(d) => {
                self.graph.dirs_read.insert(d.clone());
            }
        }
        for m in waiting_mods {
            let name = format!("{m}");
            let file = modfile::parse_lax("go.mod", data).map_err(|e| GraphError::Parse {
                module: name.clone(),
                message: e.to_string(),
            })?;
            if let GoModSource::Module(actual) = src {
                let declared = file
                    .module
                    .as_ref()
                    .map(|x| x.path.clone())
                    .unwrap_or_default();
                if declared.is_empty() {
                    return Err(GraphError::MissingModuleLine {
                        module: actual.to_string(),
                    });
                }
                if declared != m.path && declared != actual.path {
                    return Err(GraphError::PathMismatch {
                        module: actual.to_string(),
                        declared,
                        required: m.path.clone(),
                    });
                }
            }
            let require: Vec<ModVersion> = self
                .filter_requirements(&file)
                .into_iter()
                .filter(|r| !self.exclude.contains(r))
                .collect();
            for r in &require {
                self.add_node(r);
            }
            self.graph.nodes.insert(m.clone(), Some(require.clone()));
            self.summaries.insert(
                m.clone(),
                Summary {
                    require,
                    pruning: pruning_of(&file),
                },
            );
            for pruning in self.waiting.remove(&m).unwrap_or_default() {
                self.expand(&m, pruning);
            }
        }
        Ok(())
    }

    /// Records that `src` will not be provided because go.sum lacks its hash;
    /// the caller reports those together, so this is not an error here.
    pub fn fail_missing(&mut self, src: &GoModSource) {
        self.requested.remove(src);
    }

    /// Records that `src` could not be had; loading goes on, and
    /// [`GraphLoader::finish`] reports the first such error.
    pub fn fail(&mut self, src: &GoModSource, err: GraphError) {
        self.requested.remove(src);
        self.errors.push(err);
    }

    /// The loaded graph, once [`GraphLoader::pending`] is empty.
    pub fn finish(self) -> Result<Graph, GraphError> {
        if let Some(e) = self.errors.into_iter().next() {
            return Err(e);
        }
        let mut graph = self.graph;
        for p in &self.main_paths {
            graph.selected.remove(p);
        }
        graph.replacements = self.replace;
        Ok(graph)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `go 1.17rc1` module is not pruned (the go command agrees: it writes
    /// no `go` annotations in vendor/modules.txt for it); `go 1.17`,
    /// `1.17.0`, `1.21rc1` and `1.22` are.
    #[test]
    fn pruning_follows_go_version_rules() {
        let of = |go: &str| {
            let text = format!("module example.com/m\n\ngo {go}\n");
            pruning_of(&crate::modfile::parse("go.mod", text.as_bytes()).expect("parse"))
        };
        assert_eq!(of("1.17rc1"), Pruning::Unpruned);
        assert_eq!(of("1.17beta1"), Pruning::Unpruned);
        assert_eq!(of("1.16"), Pruning::Unpruned);
        assert_eq!(of("1.17"), Pruning::Pruned);
        assert_eq!(of("1.17.0"), Pruning::Pruned);
        assert_eq!(of("1.21rc1"), Pruning::Pruned);
        assert_eq!(of("1.22"), Pruning::Pruned);
        assert_eq!(of("1.22.0"), Pruning::Pruned);
    }
}
