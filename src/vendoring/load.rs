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

use crate::graph::{GoModSource, Graph};
use crate::imports::{ScanError, Tags, is_standard_import_path, is_standard_package, scan_dir};
use crate::module::{self, ModVersion};

use super::VendorError;
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
    /// Whether the Go file heads read while loading a package stay
    /// remembered afterwards (vendoring reads them again to plan its
    /// files); a load that only checks forgets them package by package.
    pub(crate) keep_heads: bool,
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
            keep_heads: true,
            package_errors: Vec::new(),
        }
    }

    /// The package errors [`Loader::load_all`] went past.
    pub(crate) fn take_package_errors(&mut self) -> Vec<VendorError> {
        std::mem::take(&mut self.package_errors)
    }

    /// The tree of `loc`, opened on first use.
    pub(crate) fn tree(&mut self, loc: &Loc) -> Result<&Tree, VendorError> {
        if !self.trees.contains_key(loc) {
            let tree = self.opener().open(loc)?;
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
    pub(crate) fn load_all(&mut self) -> Result<BTreeMap<String, Package>, VendorError> {
        let mut queue: VecDeque<(String, String)> = VecDeque::new();
        let mut have = BTreeSet::new();
        for m in self.mains {
            for p in walk_main(&m.root, &m.path, &m.ignore)? {
                if have.insert(p.clone()) {
                    queue.push_back((p, String::new()));
                }
            }
        }
        for m in self.mains {
            for t in &m.tools {
                queue.push_back((t.clone(), format!("tool directive of {}", m.path)));
            }
        }
        let mut seen = BTreeSet::new();
        let mut out = BTreeMap::new();
        let tags = Tags::any();
        let keep_heads = self.keep_heads;
        while let Some((path, importer)) = queue.pop_front() {
            if !seen.insert(path.clone()) {
                continue;
            }
            let (loc, dir) = match self.resolve(&path, &importer) {
                Ok(Resolved::Std) => continue,
                Ok(Resolved::Found(loc, dir)) => (loc, dir),
                Err(e) if e.is_package_error() => {
                    self.package_errors.push(e);
                    continue;
                }
                Err(e) => return Err(e),
            };
            let tree = self.tree(&loc)?;
            let scanned = scan_dir(&TreeDir { tree, dir: &dir }, &tags).map_err(|e| match e {
                ScanError::NoGo => VendorError::NoGoFiles {
                    path: path.clone(),
                    dir: tree.location().join(&dir),
                },
                ScanError::Read { name, source } => VendorError::Read {
                    path: tree.location().join(&dir).join(name),
                    message: source.to_string(),
                },
            });
            if !keep_heads {
                tree.forget_heads(&dir);
            }
            let scan = match scanned {
                Ok(scan) => scan,
                Err(e) if e.is_package_error() => {
                    self.package_errors.push(e);
                    continue;
                }
                Err(e) => return Err(e),
            };
            let mut imports = scan.imports;
            if matches!(loc, Loc::Main(_)) {
                imports.extend(scan.test_imports);
            }
            for imp in imports {
                if !dropped_import(&imp) && !seen.contains(&imp) {
                    queue.push_back((imp, path.clone()));
                }
            }
            out.insert(path, Package { loc, dir });
        }
        Ok(out)
    }
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
