//! `modsnap doctor`: the checklist of the "why can't CI download modules"
//! articles as one command. It shows each go setting that decides where
//! modules come from (with where its value came from), how the project's
//! required modules are routed (a proxy, `direct`, no checksum database),
//! then probes each proxy of the route layer by layer
//! ([`crate::proxy::Client::probe`]) and ends with one line per failure
//! naming the layer and what to change.
//!
//! Not here: reading the environment (the CLI passes the settings), and
//! fixing anything.

use std::path::PathBuf;

use serde::Serialize;

use crate::module::match_prefix_patterns;
use crate::project::Project;
use crate::proxy::{Client, Probe, ProxyConfig, RouteEnd};

/// One setting as the CLI resolved it.
#[derive(Debug, Clone, Serialize)]
pub struct Setting {
    /// The variable.
    pub name: String,
    /// Its value (credentials masked), `""` when unset.
    pub value: String,
    /// `environment`, `env_file` or `default`.
    pub source: String,
}

/// What to diagnose.
#[derive(Debug, Clone)]
pub struct DoctorOptions {
    /// `GOWORK` for the project directory.
    pub gowork: crate::project::GoWork,
    /// A project directory (optional: without one, a well-known module is
    /// probed).
    pub dir: Option<PathBuf>,
    /// The network settings, as snapshot would use them.
    pub proxy: ProxyConfig,
    /// The settings to show.
    pub settings: Vec<Setting>,
    /// GOSUMDB (the database's name first).
    pub gosumdb: String,
    /// GONOSUMDB (defaulted to GOPRIVATE).
    pub gonosumdb: String,
}

/// How one required module is routed.
#[derive(Debug, Clone, Serialize)]
pub struct ModuleRoute {
    /// The module path.
    pub module: String,
    /// The proxies it is asked, in order, and what comes after.
    pub route: String,
    /// Whether the checksum database is consulted for it.
    pub checksum_database: bool,
}

/// What doctor found.
#[derive(Debug, Clone, Serialize)]
pub struct DoctorReport {
    /// The settings.
    pub settings: Vec<Setting>,
    /// The project directory, if one was read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    /// The main modules' requirements and their routes.
    pub modules: Vec<ModuleRoute>,
    /// The module whose `@v/list` the probes request.
    pub probe_module: String,
    /// One probe per proxy of its route.
    pub probes: Vec<Probe>,
    /// One line per failure: the layer and what to change.
    pub diagnosis: Vec<String>,
}

impl DoctorReport {
    /// True when every probe worked.
    pub fn ok(&self) -> bool {
        self.diagnosis.is_empty()
    }
}

/// Why doctor could not run.
#[derive(Debug, thiserror::Error)]
pub enum DoctorError {
    /// The project could not be read.
    #[error(transparent)]
    Project(#[from] crate::project::ProjectError),
    /// The proxy settings are invalid.
    #[error(transparent)]
    ProxyConfig(#[from] crate::proxy::ProxyConfigError),
}

impl crate::classify::Classify for DoctorError {
    fn class(&self) -> crate::classify::ErrorClass {
        crate::classify::ErrorClass::Failure
    }
}

/// The module probed when there is no project.
pub const DEFAULT_PROBE_MODULE: &str = "golang.org/x/mod";

/// Runs the checks on `rt`.
pub fn doctor(
    rt: &tokio::runtime::Runtime,
    opts: &DoctorOptions,
) -> Result<DoctorReport, DoctorError> {
    let client = Client::new(opts.proxy.clone())?;
    let project = match &opts.dir {
        Some(d) => Some(Project::load_with(d, &opts.gowork)?),
        None => None,
    };
    let mut modules = Vec::new();
    let sumdb_off = opts.gosumdb.split_whitespace().next() == Some("off");
    if let Some(p) = &project {
        let mut seen = std::collections::BTreeSet::new();
        for main in &p.mains {
            for r in &main.file.require {
                if !seen.insert(r.module.path.clone()) {
                    continue;
                }
                let route = client.route(&r.module.path);
                let mut parts: Vec<String> = route.proxies.iter().map(|p| p.url.clone()).collect();
                match &route.end {
                    RouteEnd::Direct(reason) => parts.push(format!("direct ({reason})")),
                    RouteEnd::Off => parts.push("off".into()),
                    RouteEnd::Exhausted => {}
                }
                modules.push(ModuleRoute {
                    module: r.module.path.clone(),
                    route: parts.join(" then "),
                    checksum_database: !sumdb_off
                        && !match_prefix_patterns(&opts.gonosumdb, &r.module.path),
                });
            }
        }
    }
    // Probe with a module the proxies are asked for.
    let probe_module = modules
        .iter()
        .find(|m| !m.route.starts_with("direct"))
        .map(|m| m.module.clone())
        .unwrap_or_else(|| DEFAULT_PROBE_MODULE.to_string());
    let sumdb_name = opts
        .gosumdb
        .split_whitespace()
        .next()
        .and_then(|n| n.split('+').next())
        .unwrap_or("sum.golang.org")
        .to_string();
    let probes = rt.block_on(client.probe(&probe_module, &sumdb_name));
    let diagnosis = probes
        .iter()
        .filter_map(|p| p.diagnosis.as_ref().map(|d| format!("{}: {d}", p.proxy)))
        .collect();
    Ok(DoctorReport {
        settings: opts.settings.clone(),
        project: project.map(|p| p.dir.display().to_string()),
        modules,
        probe_module,
        probes,
        diagnosis,
    })
}
