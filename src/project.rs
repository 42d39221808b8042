//! Reading a Go project's inputs: a module (go.mod + go.sum) or a workspace
//! (go.work + go.work.sum + every `use`d module's go.mod and go.sum).
//!
//! The main go.mod files are parsed strictly, as the go command does for
//! main modules; go.sum files are read as the go command reads them
//! (`go.work.sum` first, then each module's go.sum).
//!
//! [`Project::load_graph`] is the one loop that drives
//! [`crate::graph::GraphLoader`] for every command: directory replacements
//! are read from disk here, module go.mod files come from a
//! [`GoModFetcher`] (the fetch store online, an archive or tree offline).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::dirhash::Sha256;

use crate::archive::manifest::Input;
use crate::fsutil::{self, FsError};
use crate::gosum::{GoSum, GoSumError};
use crate::graph::{GoModSource, Graph, GraphError, GraphLoader, MainModule};
use crate::modfile::{self, Replace, WorkFile};
use crate::module::ModVersion;

/// Why a project could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    /// The directory has neither go.mod nor go.work.
    #[error("`{}`: no go.mod or go.work here; hint: run modsnap in (or pass) a Go module's directory", dir.display())]
    NotAModule {
        /// The directory given.
        dir: PathBuf,
    },
    /// `GOWORK` is neither `off` nor an absolute path.
    #[error(
        "invalid GOWORK: not an absolute path ({value:?}); hint: set GOWORK=off for module mode, or to the absolute path of a go.work file"
    )]
    BadGoWork {
        /// The value.
        value: String,
    },
    /// `GOWORK` names a file that does not exist.
    #[error("reading go.work: `{}` does not exist; hint: fix GOWORK, or set GOWORK=off for module mode", file.display())]
    NoGoWork {
        /// The file.
        file: PathBuf,
    },
    /// A module directory under a go.work that does not use it.
    #[error("`{}`: directory is contained in a module that is not one of the workspace modules listed in `{}`; hint: add it with `go work use`, or set GOWORK=off for module mode", dir.display(), work.display())]
    NotInWorkspace {
        /// The module directory.
        dir: PathBuf,
        /// The go.work file.
        work: PathBuf,
    },
    /// A workspace the go command refuses.
    #[error("{file}: {detail}")]
    Workspace {
        /// The go.work file.
        file: String,
        /// Go's words.
        detail: String,
    },
    /// A go.mod or go.work does not parse.
    #[error("{0}")]
    Parse(#[from] modfile::ParseError),
    /// A main go.mod has no module line.
    #[error("`{}`: no module directive; hint: add `module <path>` as the go command requires", file.display())]
    NoModuleLine {
        /// The go.mod file.
        file: PathBuf,
    },
    /// A go.sum is malformed.
    #[error(transparent)]
    GoSum(#[from] GoSumError),
    /// A module path in go.mod, go.work or go.sum that the go command
    /// refuses (its words: `malformed module path "x": reason`).
    #[error("{file}:{line}: {error}")]
    BadPath {
        /// The file.
        file: String,
        /// The line.
        line: usize,
        /// Go's complaint.
        error: crate::module::ModuleError,
    },
    /// A go.work `use`s one directory twice.
    #[error("{file}:{line}: path {path} appears multiple times in workspace")]
    DuplicateUse {
        /// The go.work file.
        file: String,
        /// The line of the second `use`.
        line: usize,
        /// The directory.
        path: String,
    },
    /// An input file that cannot be a go.mod, go.work or go.sum: not a
    /// regular file, or larger than [`MAX_INPUT`].
    #[error("`{}`: {detail}; hint: point modsnap at the project's own files", path.display())]
    BadInput {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// Reading a file failed.
    #[error(transparent)]
    Fs(#[from] FsError),
}

impl crate::classify::Classify for ProjectError {
    /// A bad `GOWORK` is a usage error; the rest are failures.
    fn class(&self) -> crate::classify::ErrorClass {
        match self {
            ProjectError::BadGoWork { .. } => crate::classify::ErrorClass::Usage,
            _ => crate::classify::ErrorClass::Failure,
        }
    }
}

/// The largest go.mod, go.work or go.sum modsnap reads (64 MiB; the largest
/// real go.sum files are a few MB). Bounds memory for a hostile input, such
/// as a go.sum linked to `/dev/zero`.
pub const MAX_INPUT: u64 = 64 << 20;

/// Reads an input file: `None` when it does not exist; an error when it is
/// not a regular file or is larger than [`MAX_INPUT`].
fn read_input(path: &Path) -> Result<Option<Vec<u8>>, ProjectError> {
    use std::io::Read as _;
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(FsError::new("read", path, e).into()),
    };
    let md = file.metadata().map_err(|e| FsError::new("stat", path, e))?;
    let bad = |detail: String| ProjectError::BadInput {
        path: path.to_owned(),
        detail,
    };
    if !md.is_file() {
        return Err(bad("not a regular file".into()));
    }
    let mut data = Vec::new();
    file.take(MAX_INPUT + 1)
        .read_to_end(&mut data)
        .map_err(|e| FsError::new("read", path, e))?;
    if data.len() as u64 > MAX_INPUT {
        return Err(bad(format!("larger than {} MiB", MAX_INPUT >> 20)));
    }
    Ok(Some(data))
}

/// Reads a project's input files (under its directory), recording the
/// SHA-256 of each one read for the manifest.
struct InputFiles<'a> {
    dir: &'a Path,
    digests: BTreeMap<String, String>,
}

impl<'a> InputFiles<'a> {
    fn new(dir: &'a Path) -> Self {
        InputFiles {
            dir,
            digests: BTreeMap::new(),
        }
    }

    /// [`read_input`] of `dir/rel`, its digest recorded when it exists.
    fn read(&mut self, rel: &str) -> Result<Option<Vec<u8>>, ProjectError> {
        let data = read_input(&self.dir.join(rel))?;
        if let Some(data) = &data {
            self.digests
                .insert(rel.to_string(), hex::encode(Sha256::digest(data)));
        }
        Ok(data)
    }
}

/// Every module path in a go.sum must be one the go command could have
/// written: modsnap fetches what each line names.
fn check_gosum_paths(file: &str, data: &[u8]) -> Result<(), ProjectError> {
    for (i, line) in String::from_utf8_lossy(data).lines().enumerate() {
        let Some(path) = line.split_whitespace().next() else {
            continue;
        };
        crate::module::check_path(path).map_err(|error| ProjectError::BadPath {
            file: file.to_string(),
            line: i + 1,
            error,
        })?;
    }
    Ok(())
}

/// A loaded project.
#[derive(Debug, Clone)]
pub struct Project {
    /// The directory as given (used in messages and the manifest).
    pub dir: PathBuf,
    /// The main modules (one, or the workspace's `use`d modules).
    pub mains: Vec<MainModule>,
    /// go.work, in workspace mode.
    pub work: Option<WorkFile>,
    /// Every sum the go command would consult.
    pub gosum: GoSum,
    /// The effective `go` line (go.work's in a workspace).
    pub go: Option<String>,
    /// The effective `toolchain` line.
    pub toolchain: Option<String>,
    /// SHA-256 of every input file read, by path relative to `dir`.
    pub digests: BTreeMap<String, String>,
}

/// `GOWORK`, as the go command reads it (cmd/go/internal/modload
/// `FindGoWork`): which go.work, if any, puts a directory in workspace mode.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum GoWork {
    /// Unset, empty or `auto`: the first go.work in the directory or one of
    /// its parents.
    #[default]
    Search,
    /// `off`: module mode, whatever go.work files are around.
    Off,
    /// An absolute path: that file (its sums in `<name>.sum` beside it).
    File(PathBuf),
}

impl GoWork {
    /// Reads a `GOWORK` value; a relative path is refused in go's words.
    pub fn parse(value: Option<&str>) -> Result<GoWork, ProjectError> {
        match value {
            None | Some("") | Some("auto") => Ok(GoWork::Search),
            Some("off") => Ok(GoWork::Off),
            Some(p) if Path::new(p).is_absolute() => Ok(GoWork::File(PathBuf::from(p))),
            Some(p) => Err(ProjectError::BadGoWork {
                value: p.to_string(),
            }),
        }
    }

    /// The go.work file for a command run in `dir`, if any.
    pub fn find(&self, dir: &Path) -> Option<PathBuf> {
        match self {
            GoWork::Off => None,
            GoWork::File(f) => Some(f.clone()),
            GoWork::Search => {
                // The directory made absolute and cleaned lexically, as the
                // go command's working directory is (`x/..` is the current
                // directory, not a way through x).
                let start = absolute_clean(dir);
                start
                    .ancestors()
                    .map(|d| d.join("go.work"))
                    .find(|f| f.is_file())
            }
        }
    }
}

impl Project {
    /// Loads the project in `dir` as the go command run there would see it
    /// with `GOWORK` unset: the workspace of the first go.work in `dir` or
    /// a parent, else the module in `dir`.
    pub fn load(dir: &Path) -> Result<Project, ProjectError> {
        Self::load_with(dir, &GoWork::Search)
    }

    /// Loads the project in `dir` under `gowork`: a workspace (the go.work
    /// file's directory becomes the project directory; a module in `dir`
    /// must be one it uses, as the go command requires), or the module in
    /// `dir`.
    pub fn load_with(dir: &Path, gowork: &GoWork) -> Result<Project, ProjectError> {
        let Some(work) = gowork.find(dir) else {
            return Self::load_module(dir);
        };
        let name = work
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let parent = work.parent().unwrap_or(Path::new("/"));
        let same = |a: &Path, b: &Path| {
            std::fs::canonicalize(a).ok().is_some()
                && std::fs::canonicalize(a).ok() == std::fs::canonicalize(b).ok()
        };
        // Keep the directory as typed when it is the workspace's own.
        let ws_dir = if same(dir, parent) {
            dir.to_owned()
        } else {
            parent.to_owned()
        };
        let project = Self::load_workspace(&ws_dir, &name)?;
        // The module `dir` is in (cmd/go `findModuleRoot`, stopping at the
        // workspace's own directory, which the user asked for by naming
        // it) must be one the workspace uses: the go command cannot build
        // its packages otherwise.
        if !same(dir, &ws_dir) {
            let start = absolute_clean(dir);
            let root = start
                .ancestors()
                .take_while(|d| !same(d, &ws_dir))
                .find(|d| d.join("go.mod").is_file());
            if let Some(root) = root
                && !project
                    .mains
                    .iter()
                    .any(|m| same(&ws_dir.join(&m.dir), root))
            {
                return Err(ProjectError::NotInWorkspace {
                    dir: root.to_owned(),
                    work: work.clone(),
                });
            }
        }
        Ok(project)
    }

    /// Whether this is a workspace loaded for a directory other than the
    /// workspace's own (a module inside it, or any directory with `GOWORK`
    /// naming a file elsewhere): there `go mod vendor` refuses to run.
    pub fn is_workspace_of_another_dir(&self, dir: &Path) -> bool {
        self.work.is_some()
            && std::fs::canonicalize(dir).ok() != std::fs::canonicalize(&self.dir).ok()
    }

    fn load_workspace(dir: &Path, work_name: &str) -> Result<Project, ProjectError> {
        // cmd/go: the sums file is GOWORK + ".sum".
        let sum_name = format!("{work_name}.sum");
        let mut inputs = InputFiles::new(dir);
        let Some(work_data) = inputs.read(work_name)? else {
            return Err(ProjectError::NoGoWork {
                file: dir.join(work_name),
            });
        };
        let work = modfile::parse_work(&display(dir, work_name), &work_data)?;
        let mut gosum = GoSum::new();
        if let Some(data) = inputs.read(&sum_name)? {
            gosum.add_file(&display(dir, &sum_name), &data)?;
            check_gosum_paths(&display(dir, &sum_name), &data)?;
        }
        let mut mains = Vec::new();
        let mut used = std::collections::BTreeSet::new();
        for u in &work.uses {
            let clean = dir.join(u.path.trim_end_matches('/'));
            let clean: PathBuf = clean.components().collect();
            if !used.insert(clean.clone()) {
                return Err(ProjectError::DuplicateUse {
                    file: display(dir, work_name),
                    line: u.pos.line,
                    path: clean.display().to_string(),
                });
            }
            let rel = u.path.trim_end_matches('/');
            let gomod_rel = format!("{rel}/go.mod");
            let Some(data) = inputs.read(&gomod_rel)? else {
                return Err(ProjectError::NotAModule { dir: dir.join(rel) });
            };
            mains.push(main_module(dir, rel, &gomod_rel, &data)?);
            if let Some(sum) = inputs.read(&format!("{rel}/go.sum"))? {
                gosum.add_file(&display(dir, &format!("{rel}/go.sum")), &sum)?;
                check_gosum_paths(&display(dir, &format!("{rel}/go.sum")), &sum)?;
            }
        }
        let go = work.go.as_ref().map(|g| g.version.clone());
        let toolchain = work.toolchain.as_ref().map(|t| t.name.clone());
        check_workspace_modules(dir, work_name, &work, &mains)?;
        Ok(Project {
            dir: dir.to_owned(),
            mains,
            work: Some(work),
            gosum,
            go,
            toolchain,
            digests: inputs.digests,
        })
    }

    fn load_module(dir: &Path) -> Result<Project, ProjectError> {
        let mut inputs = InputFiles::new(dir);
        let Some(data) = inputs.read("go.mod")? else {
            return Err(ProjectError::NotAModule {
                dir: dir.to_owned(),
            });
        };
        let main = main_module(dir, ".", "go.mod", &data)?;
        let mut gosum = GoSum::new();
        if let Some(sum) = inputs.read("go.sum")? {
            gosum.add_file(&display(dir, "go.sum"), &sum)?;
            check_gosum_paths(&display(dir, "go.sum"), &sum)?;
        }
        let go = main.file.go.as_ref().map(|g| g.version.clone());
        let toolchain = main.file.toolchain.as_ref().map(|t| t.name.clone());
        Ok(Project {
            dir: dir.to_owned(),
            mains: vec![main],
            work: None,
            gosum,
            go,
            toolchain,
            digests: inputs.digests,
        })
    }

    /// go.work's replacements and the directory they are relative to.
    pub fn workspace_replace(&self) -> Option<(&[Replace], String)> {
        self.work
            .as_ref()
            .map(|w| (w.replace.as_slice(), ".".to_string()))
    }

    /// The manifest's record of this input, its directory relative to
    /// `base` (the first input's directory, which is recorded as `.`):
    /// both with symbolic links resolved, so the record does not depend on
    /// the current directory or on how the directory was typed.
    pub fn manifest_input(&self, base: &Path) -> Input {
        let canonical = |d: &Path| std::fs::canonicalize(d).unwrap_or_else(|_| d.to_owned());
        let dir = pathdiff::diff_paths(canonical(&self.dir), canonical(base))
            .map(|d| d.to_string_lossy().replace('\\', "/"))
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| ".".to_string());
        Input {
            dir,
            modules: self.mains.iter().map(|m| m.path.clone()).collect(),
            go: self.go.clone(),
            toolchain: self.toolchain.clone(),
            files: self.digests.clone(),
        }
    }
}

/// `dir` made absolute (against the current directory) and cleaned
/// lexically.
fn absolute_clean(dir: &Path) -> PathBuf {
    let abs = std::path::absolute(dir).unwrap_or_else(|_| dir.to_owned());
    PathBuf::from(crate::slashpath::clean(&abs.to_string_lossy()))
}

/// cmd/go's checks on a workspace's main modules (modload
/// `makeMainModules`): one module path used twice, and a go.work
/// replacement of a workspace module at all versions, are errors.
fn check_workspace_modules(
    dir: &Path,
    work_name: &str,
    work: &WorkFile,
    mains: &[MainModule],
) -> Result<(), ProjectError> {
    let file = display(dir, work_name);
    let mut paths = std::collections::BTreeSet::new();
    for m in mains {
        if !paths.insert(m.path.as_str()) {
            return Err(ProjectError::Workspace {
                file,
                detail: format!("module {} appears multiple times in workspace", m.path),
            });
        }
    }
    if let Some(r) = work
        .replace
        .iter()
        .find(|r| r.old.version.is_empty() && paths.contains(r.old.path.as_str()))
    {
        return Err(ProjectError::Workspace {
            file,
            detail: format!(
                "workspace module {} is replaced at all versions in the go.work file. To fix, remove the replacement from the go.work file or specify the version at which to replace the module.",
                r.old.path
            ),
        });
    }
    Ok(())
}

fn display(dir: &Path, rel: &str) -> String {
    dir.join(rel).to_string_lossy().into_owned()
}

fn main_module(
    dir: &Path,
    rel: &str,
    gomod_rel: &str,
    data: &[u8],
) -> Result<MainModule, ProjectError> {
    let name = display(dir, gomod_rel);
    let file = modfile::parse(&name, data)?;
    let path = file
        .module
        .as_ref()
        .map(|m| m.path.clone())
        .filter(|p| !p.is_empty())
        .ok_or_else(|| ProjectError::NoModuleLine {
            file: dir.join(gomod_rel),
        })?;
    // The go command checks the main module's path and every required
    // path when it loads the module graph.
    let line = file.module.as_ref().map_or(1, |m| m.pos.line);
    if path.contains('\u{fffd}') && std::str::from_utf8(data).is_err() {
        return Err(ProjectError::BadPath {
            file: name,
            line,
            error: crate::module::ModuleError::InvalidPath {
                kind: crate::module::PathKind::Module,
                path: path.clone(),
                reason: "invalid UTF-8".into(),
            },
        });
    }
    // A replaced requirement is never fetched under its own path: the go
    // command accepts `require stdlike v0.0.0` with `replace stdlike => ./x`.
    for r in file
        .require
        .iter()
        .filter(|r| !file.replace.iter().any(|p| p.old.path == r.module.path))
    {
        crate::module::check_path(&r.module.path).map_err(|error| ProjectError::BadPath {
            file: name.clone(),
            line: r.pos.line,
            error,
        })?;
    }
    Ok(MainModule {
        path,
        file,
        dir: rel.to_string(),
    })
}

/// Reads `<project dir>/<rel>/go.mod` for a directory replacement.
pub fn read_dir_go_mod(project_dir: &Path, rel: &str) -> Result<Vec<u8>, FsError> {
    fsutil::read(&project_dir.join(rel).join("go.mod"))
}

/// Where [`Project::load_graph`] gets dependencies' go.mod files from.
#[allow(async_fn_in_trait)] // used with static dispatch only
pub trait GoModFetcher {
    /// What a fetch can fail with.
    type Error: From<GraphError> + From<FsError>;

    /// The go.mod bytes of each module of `batch` (every go.mod the loader
    /// can use next, so a fetcher may get them concurrently), in any order.
    async fn fetch(
        &mut self,
        batch: Vec<ModVersion>,
    ) -> Vec<(ModVersion, Result<Vec<u8>, Self::Error>)>;

    /// A fetch of `m` failed with `e`: `Err` stops loading with that error;
    /// `Ok` means the fetcher recorded it and the graph is loaded without
    /// `m`'s requirements.
    fn failed(&mut self, m: &ModVersion, e: Self::Error) -> Result<(), Self::Error>;
}

impl Project {
    /// Loads this project's module graph ([`GraphLoader`]), asking `fetcher`
    /// for dependencies' go.mod files batch by batch.
    pub async fn load_graph<F: GoModFetcher>(&self, fetcher: &mut F) -> Result<Graph, F::Error> {
        let ws = self.workspace_replace();
        let mut loader = GraphLoader::new(
            self.mains.clone(),
            ws.as_ref().map(|(r, d)| (*r, d.as_str())),
        )?;
        loop {
            let pending = loader.pending();
            if pending.is_empty() {
                break;
            }
            let mut batch = Vec::new();
            for src in pending {
                match &src {
                    GoModSource::Dir(d) => {
                        let data = read_dir_go_mod(&self.dir, d)?;
                        loader.provide(&src, &data)?;
                    }
                    GoModSource::Module(m) => batch.push(m.clone()),
                }
            }
            for (m, r) in fetcher.fetch(batch).await {
                let src = GoModSource::Module(m);
                match r {
                    Ok(data) => loader.provide(&src, &data)?,
                    Err(e) => {
                        if let GoModSource::Module(m) = &src {
                            fetcher.failed(m, e)?;
                        }
                        loader.fail_missing(&src);
                    }
                }
            }
        }
        Ok(loader.finish()?)
    }

    /// [`Project::load_graph`] for a fetcher that never waits (its `fetch`
    /// completes without suspending, as a local source's does).
    pub fn load_graph_now<F: GoModFetcher>(&self, fetcher: &mut F) -> Result<Graph, F::Error> {
        futures_util::FutureExt::now_or_never(self.load_graph(fetcher))
            .expect("a fetcher that never suspends completes in one poll")
    }
}
