//! Which Go toolchains a snapshot captures, and which a project needs.
//!
//! A project makes the go command switch toolchains (GOTOOLCHAIN=auto) by
//! its `toolchain` line, or by a `go` line newer than the Go a CI runs
//! ([`crate::toolchain::switch_target`]). snapshot captures, for each main
//! module or workspace, the toolchain it would switch to — the `toolchain`
//! line, and the `go` line only when told the oldest Go the CI runs
//! (`--min-go`), since without it every `go` line would count — plus any
//! named with `--toolchain` (a language version such as `go1.26` is
//! resolved to its newest release in the proxy's `golang.org/toolchain`
//! list), for each platform asked for. Each becomes a module version of
//! `golang.org/toolchain` whose zip is verified against the checksum
//! database (toolchain zips are never in go.sum: the go command accepts
//! them only through the database, [`super::sumcheck`]).
//!
//! Not here: the download and the database lookups (snapshot and
//! sumcheck do them like any module's), unpacking (the go command unpacks
//! a toolchain itself, with its own post-processing).

use std::path::{Path, PathBuf};

use crate::module::ModVersion;
use crate::project::Project;
use crate::proxy::{Artifact, Client};
use crate::toolchain;
pub use crate::toolchain::{MODULE, Platform};

/// What snapshot captures.
#[derive(Debug, Clone, Default)]
pub struct ToolchainOptions {
    /// Capture nothing (`--no-toolchains`).
    pub skip: bool,
    /// The oldest Go the CI runs (`go1.22.3`): `go` lines newer than it
    /// count too.
    pub min_go: Option<String>,
    /// Toolchains named on the command line (`go1.26.11`, `go1.26`).
    pub extra: Vec<String>,
    /// Platforms to capture each for.
    pub platforms: Vec<Platform>,
}

/// `--min-go`: `1.22.3` or `go1.22.3` as a toolchain name; `None` when it
/// is not a Go version.
pub fn parse_min_go(v: &str) -> Option<String> {
    let name = if v.starts_with("go") {
        v.to_string()
    } else {
        format!("go{v}")
    };
    crate::gover::toolchain_compare(&name, "go1")
        .is_ge()
        .then_some(name)
}

/// Why a toolchain cannot be captured.
#[derive(Debug, thiserror::Error)]
pub enum ToolchainError {
    /// A name that is not a toolchain, or a language version with no
    /// release in the proxy's list.
    #[error(
        "toolchain {name}: {detail}; hint: name a release such as go1.26.11 (the proxy lists golang.org/toolchain versions), or pass --no-toolchains"
    )]
    Unknown {
        /// The name given.
        name: String,
        /// What is wrong.
        detail: String,
    },
}

impl crate::classify::Classify for ToolchainError {
    fn class(&self) -> crate::classify::ErrorClass {
        crate::classify::ErrorClass::Failure
    }
}

/// The toolchain a project makes the go command switch to, and why.
pub fn project_target(p: &Project, min_go: Option<&str>) -> Option<String> {
    match min_go {
        Some(min) => toolchain::switch_target(p.go.as_deref(), p.toolchain.as_deref(), min),
        None => p
            .toolchain
            .clone()
            .filter(|t| t != "default" && (t.starts_with("go") || t.contains("-go"))),
    }
}

/// The toolchain names to capture (sorted, unique), language versions
/// resolved against the proxy's list.
pub async fn names(
    client: &Client,
    projects: &[Project],
    opts: &ToolchainOptions,
) -> Result<Vec<String>, ToolchainError> {
    if opts.skip {
        return Ok(Vec::new());
    }
    let mut out: Vec<String> = projects
        .iter()
        .filter_map(|p| project_target(p, opts.min_go.as_deref()))
        .collect();
    let mut listed: Option<Vec<String>> = None;
    for name in &opts.extra {
        let bad = |detail: &str| ToolchainError::Unknown {
            name: name.clone(),
            detail: detail.to_string(),
        };
        if !crate::gover::is_toolchain_name(name) || name == "default" {
            return Err(bad("not a toolchain name"));
        }
        if !toolchain::is_language_version(name) {
            out.push(name.clone());
            continue;
        }
        if listed.is_none() {
            listed = Some(list(client).await.map_err(|e| bad(&e))?);
        }
        let lang = crate::gover::toolchain_lang(name);
        let found = toolchain::newest_of_line(&lang, listed.iter().flatten().map(String::as_str))
            .ok_or_else(|| bad("a language version with no release in the proxy's list"))?;
        out.push(found);
    }
    out.sort_by(|a, b| crate::gover::toolchain_compare(a, b).then_with(|| a.cmp(b)));
    out.dedup();
    Ok(out)
}

/// The toolchain names the proxy lists (any platform).
async fn list(client: &Client) -> Result<Vec<String>, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let dest = dir.path().join("list");
    client
        .fetch(toolchain::MODULE, "", Artifact::List, &dest, &|_| {})
        .await
        .map_err(|e| e.to_string())?;
    let text = crate::fsutil::read(&dest).map_err(|e| e.to_string())?;
    Ok(String::from_utf8_lossy(&text)
        .lines()
        .filter_map(|v| toolchain::parse_module_version(v.trim()).map(|(n, _)| n))
        .collect())
}

/// The `golang.org/toolchain` module versions of `names` × `platforms`.
pub fn modules(names: &[String], platforms: &[Platform]) -> Vec<ModVersion> {
    let mut out = Vec::new();
    for n in names {
        for p in platforms {
            out.push(ModVersion::new(
                toolchain::MODULE.to_string(),
                toolchain::module_version(n, p),
            ));
        }
    }
    out
}

/// For `verify --project`: each project's toolchain (its `toolchain`
/// line) the tree in `dir` holds no zip of for this machine's platform, as
/// (project directory, module version).
pub fn missing_in_tree(projects: &[Project], dir: &Path) -> Vec<(PathBuf, ModVersion)> {
    let host = Platform::host();
    projects
        .iter()
        .filter_map(|p| {
            let name = project_target(p, None)?;
            let m = ModVersion::new(
                toolchain::MODULE.to_string(),
                toolchain::module_version(&name, &host),
            );
            let zip = crate::goproxy::file_name(&m, Artifact::Zip).ok()?;
            (!dir.join(zip).is_file()).then(|| (p.dir.clone(), m))
        })
        .collect()
}
