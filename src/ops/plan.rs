//! The plan: which files an archive must hold for a set of projects, so
//! that every offline go command in their main modules finds what it asks
//! for. One rule, used by `snapshot` (what to download) and `verify
//! --project` (what must be there).
//!
//! Not here: toolchain modules and checksum-database files (their own
//! issues will add plan entries), and deciding where bytes come from.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::gosum::GoSum;
use crate::graph::{GoModSource, Graph};
use crate::module::ModVersion;

/// One module version in the plan.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Planned {
    /// Module path.
    pub path: String,
    /// Version.
    pub version: String,
    /// Store `.info`.
    pub info: bool,
    /// The go.mod hash when `.mod` is stored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mod_h1: Option<String>,
    /// The zip hash when `.zip` is stored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zip_h1: Option<String>,
    /// The zip's size, when known (cache or a HEAD request).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zip_size: Option<u64>,
}

/// The artifacts to store, from the loaded graphs and go.sum.
///
/// - `.mod`: every go.mod the graph reads (under the replacement's identity)
///   and every `/go.mod` line in go.sum — `go mod tidy` keeps exactly the
///   go.mod sums some go command needs (cmd/go modload `keepSums`), so these
///   cover `go list -m all`, `go mod verify`, `go mod tidy` and lazy builds;
/// - `.zip`: every zip line in go.sum — those are the modules that provide
///   packages (or could, for ambiguous-import checks);
/// - `.info`: every module in the build list (`go list -m all` and
///   build-info stamping stat them), every version whose zip is stored
///   (`go mod download` reports each), and the highest stored version of
///   each path (what `@latest` resolves to from `@v/list`). A go.mod-only
///   version outside the build list gets none: the go command reads only
///   its `.mod`, and a proxy may refuse an `.info` no build needs.
pub fn plan(graphs: &[Graph], gosum: &GoSum) -> BTreeMap<ModVersion, Planned> {
    let mut plan: BTreeMap<ModVersion, Planned> = BTreeMap::new();
    fn entry<'a>(plan: &'a mut BTreeMap<ModVersion, Planned>, m: &ModVersion) -> &'a mut Planned {
        plan.entry(m.clone()).or_insert_with(|| Planned {
            path: m.path.clone(),
            version: m.version.clone(),
            ..Default::default()
        })
    }
    for (path, key_version) in gosum.keys() {
        let (version, is_mod) = match key_version.strip_suffix("/go.mod") {
            Some(v) => (v, true),
            None => (key_version, false),
        };
        let m = ModVersion {
            path: path.to_string(),
            version: version.to_string(),
        };
        if is_mod {
            if let Some(h) = gosum.go_mod_hash(path, version) {
                entry(&mut plan, &m).mod_h1 = Some(h.to_string());
            }
        } else if let Some(h) = gosum.zip_hash(path, version) {
            entry(&mut plan, &m).zip_h1 = Some(h.to_string());
        }
    }
    for g in graphs {
        for m in &g.go_mods_read {
            let h = gosum.go_mod_hash(&m.path, &m.version).map(str::to_string);
            entry(&mut plan, m).mod_h1 = h;
        }
        for m in g.build_list() {
            if let GoModSource::Module(actual) = g.actual(&m) {
                entry(&mut plan, &actual).info = true;
            }
        }
    }
    let mut highest: BTreeMap<&str, &str> = BTreeMap::new();
    for m in plan.keys() {
        let h = highest.entry(&m.path).or_insert(&m.version);
        if crate::semver::compare(&m.version, h).is_gt() {
            *h = &m.version;
        }
    }
    let highest: Vec<ModVersion> = highest
        .into_iter()
        .map(|(p, v)| ModVersion::new(p, v))
        .collect();
    for m in highest {
        if let Some(p) = plan.get_mut(&m) {
            p.info = true;
        }
    }
    for p in plan.values_mut() {
        p.info |= p.zip_h1.is_some();
    }
    plan
}

impl Planned {
    /// The module version planned.
    pub fn module(&self) -> ModVersion {
        ModVersion::new(self.path.clone(), self.version.clone())
    }
}
