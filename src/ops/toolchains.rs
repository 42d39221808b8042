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

use std::path::Path;

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
    let v = v.strip_prefix("go").unwrap_or(v);
    crate::gover::GoVersion::parse(v)?;
    // `1.22` is the language version: the oldest Go of that line is
    // go1.22.0, as for a `go` line.
    Some(toolchain::from_go_line(v))
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
            .filter(|t| t != "default" && crate::gover::from_toolchain(t).is_some()),
    }
}

/// Whether `name` is a custom build (`go1.22.3-corp`): the go command
/// looks for it on PATH and downloads it only from a proxy that has it.
fn is_custom(name: &str) -> bool {
    crate::gover::from_toolchain(name).is_some_and(|v| name.len() != v.len() + 2)
}

/// The toolchain names to capture (sorted, unique), language versions
/// resolved against the proxy's list, and warnings for the ones left out
/// (custom builds a project names: the go command finds those on PATH).
pub async fn names(
    client: &Client,
    projects: &[Project],
    opts: &ToolchainOptions,
) -> Result<(Vec<String>, Vec<String>), ToolchainError> {
    if opts.skip {
        return Ok(Default::default());
    }
    let mut warnings = Vec::new();
    let mut out: Vec<String> = Vec::new();
    for p in projects {
        let Some(t) = project_target(p, opts.min_go.as_deref()) else {
            continue;
        };
        if is_custom(&t) {
            warnings.push(format!(
                "{}: toolchain {t} is a custom build: the go command runs it from PATH, and no proxy publishes it; not captured",
                p.dir.display()
            ));
            continue;
        }
        out.push(t);
    }
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
    Ok((out, warnings))
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

/// For `verify --project`: the toolchains the projects switch to that the
/// tree in `dir` lacks for this machine's platform, and warnings. With the
/// archive's record of how its snapshot chose toolchains, exactly what that
/// snapshot should have captured is required (nothing when it captured
/// none on purpose; a warning when this platform was not asked for);
/// without one (a tree, an older archive), each `toolchain` line's.
pub fn missing(
    projects: &[Project],
    dir: &Path,
    record: Option<&crate::archive::manifest::ToolchainRecord>,
) -> (Vec<ModVersion>, Vec<String>) {
    let host = Platform::host();
    let mut warnings = Vec::new();
    let min_go = match record {
        Some(r) if r.skipped.is_some() => return (Vec::new(), warnings),
        Some(r) => r.min_go.clone(),
        None => None,
    };
    let mut out = Vec::new();
    for p in projects {
        let Some(name) = project_target(p, min_go.as_deref()) else {
            continue;
        };
        if is_custom(&name) {
            continue;
        }
        if let Some(r) = record
            && !r.platforms.contains(&host.to_string())
        {
            warnings.push(format!(
                "{}: toolchain {name} was captured for {} only, not for this machine ({host})",
                p.dir.display(),
                r.platforms.join(", ")
            ));
            continue;
        }
        let m = ModVersion::new(
            toolchain::MODULE.to_string(),
            toolchain::module_version(&name, &host),
        );
        let present =
            crate::goproxy::file_name(&m, Artifact::Zip).is_ok_and(|zip| dir.join(zip).is_file());
        if !present && !out.contains(&m) {
            out.push(m);
        }
    }
    (out, warnings)
}
