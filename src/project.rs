//! Reading a Go project's inputs: a module (go.mod + go.sum) or a workspace
//! (go.work + go.work.sum + every `use`d module's go.mod and go.sum).
//!
//! The main go.mod files are parsed strictly, as the go command does for
//! main modules; go.sum files are read as the go command reads them
//! (`go.work.sum` first, then each module's go.sum).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::dirhash::Sha256;

use crate::archive::manifest::Input;
use crate::fsutil::{self, FsError};
use crate::gosum::{GoSum, GoSumError};
use crate::graph::MainModule;
use crate::modfile::{self, Replace, WorkFile};

/// Why a project could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    /// The directory has neither go.mod nor go.work.
    #[error("`{}`: no go.mod or go.work here; hint: run modsnap in (or pass) a Go module's directory", dir.display())]
    NotAModule {
        /// The directory given.
        dir: PathBuf,
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
    /// Reading a file failed.
    #[error(transparent)]
    Fs(#[from] FsError),
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

impl Project {
    /// Loads the project in `dir`: go.work when present there, else go.mod.
    pub fn load(dir: &Path) -> Result<Project, ProjectError> {
        let mut digests = BTreeMap::new();
        let mut read = |rel: &str| -> Result<Option<Vec<u8>>, FsError> {
            let path = dir.join(rel);
            match std::fs::read(&path) {
                Ok(data) => {
                    digests.insert(rel.to_string(), hex::encode(Sha256::digest(&data)));
                    Ok(Some(data))
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(FsError::new("read", &path, e)),
            }
        };
        if let Some(work_data) = read("go.work")? {
            let work = modfile::parse_work(&display(dir, "go.work"), &work_data)?;
            let mut gosum = GoSum::new();
            if let Some(data) = read("go.work.sum")? {
                gosum.add_file(&display(dir, "go.work.sum"), &data)?;
            }
            let mut mains = Vec::new();
            for u in &work.uses {
                let rel = u.path.trim_end_matches('/');
                let gomod_rel = format!("{rel}/go.mod");
                let Some(data) = read(&gomod_rel)? else {
                    return Err(ProjectError::NotAModule { dir: dir.join(rel) });
                };
                mains.push(main_module(dir, rel, &gomod_rel, &data)?);
                if let Some(sum) = read(&format!("{rel}/go.sum"))? {
                    gosum.add_file(&display(dir, &format!("{rel}/go.sum")), &sum)?;
                }
            }
            let go = work.go.as_ref().map(|g| g.version.clone());
            let toolchain = work.toolchain.as_ref().map(|t| t.name.clone());
            return Ok(Project {
                dir: dir.to_owned(),
                mains,
                work: Some(work),
                gosum,
                go,
                toolchain,
                digests,
            });
        }
        let Some(data) = read("go.mod")? else {
            return Err(ProjectError::NotAModule {
                dir: dir.to_owned(),
            });
        };
        let main = main_module(dir, ".", "go.mod", &data)?;
        let mut gosum = GoSum::new();
        if let Some(sum) = read("go.sum")? {
            gosum.add_file(&display(dir, "go.sum"), &sum)?;
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
            digests,
        })
    }

    /// go.work's replacements and the directory they are relative to.
    pub fn workspace_replace(&self) -> Option<(&[Replace], String)> {
        self.work
            .as_ref()
            .map(|w| (w.replace.as_slice(), ".".to_string()))
    }

    /// The manifest's record of this input.
    pub fn manifest_input(&self) -> Input {
        Input {
            dir: self.dir.to_string_lossy().replace('\\', "/"),
            modules: self.mains.iter().map(|m| m.path.clone()).collect(),
            go: self.go.clone(),
            toolchain: self.toolchain.clone(),
            files: self.digests.clone(),
        }
    }
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
