//! The check the go command never makes: every go.sum hash an archive
//! relies on, compared with the checksum database (GOSUMDB) at snapshot
//! time. The go command consults the database only for hashes go.sum
//! lacks; a go.sum that was poisoned before it was committed (with a
//! malicious proxy behind it) passes every go command. modsnap looks up
//! each module version whose zip or go.mod hash the plan stores, proves
//! each answer against the log ([`crate::sumdb::client`]), and refuses a
//! disagreement as a security error naming both hashes and the go.sum line.
//!
//! Private modules (GONOSUMDB, which defaults to GOPRIVATE) are never
//! looked up. Verified lookups, tiles and the latest tree are cached under
//! `<cache>/sumdb/<name>/`, so a second snapshot asks the database nothing
//! new.
//!
//! The verified lookups and the tiles proving them become the archive's
//! bundle ([`Client::bundle`], rule R1: one signed head). `--link` names
//! earlier archives: their lookups are proved again at the new head and
//! shipped too, with the tiles proving each earlier head a prefix of the
//! new one, so that a tree holding both archives — and a GOPATH or module
//! cache that used the earlier one — keeps verifying offline
//! ([`crate::ops::sumjoin`] decides how bundles combine at restore).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use futures_util::StreamExt;

use super::plan::Planned;
use crate::archive::manifest::SumdbLink;
use crate::classify::{Classify, ErrorClass};
use crate::gosum::GoSum;
use crate::module::ModVersion;
use crate::proxy::{Client as ProxyClient, SumdbRoute};
use crate::sumdb::client::{Client, ClientError, ClientOps};
pub use crate::sumdb::config::{GoSumDb, GoSumDbError};

/// How snapshot consults the checksum database.
#[derive(Debug, Clone)]
pub struct SumdbOptions {
    /// `GOSUMDB`.
    pub gosumdb: GoSumDb,
    /// `GONOSUMDB` (GOPRIVATE when unset): paths never looked up.
    pub gonosumdb: String,
    /// Earlier archives whose bundles this snapshot's bundle links to
    /// (`--link`).
    pub link: Vec<PathBuf>,
}

/// An earlier archive's checksum-database bundle, read to link a new one
/// to it.
#[derive(Debug, Clone)]
pub struct LinkedBundle {
    /// The archive's file name.
    pub archive: String,
    /// The database.
    pub name: String,
    /// The signed tree notes its lookups carry (one in bundles modsnap
    /// writes), sorted.
    pub notes: Vec<Vec<u8>>,
    /// Its lookups: (path under `sumdb/<name>/`, record id, record text).
    pub records: Vec<(String, i64, Vec<u8>)>,
}

/// What the check did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SumdbReport {
    /// The database.
    pub name: String,
    /// Module versions whose hashes were confirmed.
    pub checked: usize,
    /// Module versions skipped as private (GONOSUMDB/GOPRIVATE).
    pub private: usize,
    /// Zips go.sum has no hash for that offline `go mod download` wants,
    /// with the hash the database proved for each: the snapshot fetches
    /// them verified against it, and the bundle carries their lookups.
    pub filled: Vec<Filled>,
    /// The toolchains to capture (`golang.org/toolchain` module versions),
    /// with the hashes the database proved for each.
    pub toolchains: Vec<Filled>,
    /// The tree size of the head the bundle is signed at.
    pub head: Option<i64>,
    /// The earlier bundles it proves.
    #[serde(skip)]
    pub links: Vec<SumdbLink>,
    /// The files the offline go command needs to verify those lookups
    /// (path under `sumdb/<name>/`, bytes), sorted; a snapshot empties it
    /// once they are staged for the archive.
    #[serde(skip)]
    pub bundle: Vec<(String, Vec<u8>)>,
}

/// A go.sum line the checksum database contradicts.
#[derive(Debug, thiserror::Error)]
#[error(
    "{module}: go.sum says {gosum_hash} ({file}: `{line}`), but the checksum database {db} says {db_hash}; the go.sum line does not match the public log — it was written from a tampered download or edited (SECURITY ERROR)"
)]
pub struct GoSumMismatch {
    /// `path@version[/go.mod]`.
    pub module: String,
    /// The go.sum hash.
    pub gosum_hash: String,
    /// The file it came from.
    pub file: String,
    /// The whole go.sum line.
    pub line: String,
    /// The database.
    pub db: String,
    /// The database's hash.
    pub db_hash: String,
}

/// A module version go.sum has no zip hash for, with the hashes the
/// database proved for it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Filled {
    /// The module version.
    #[serde(serialize_with = "as_string")]
    pub module: ModVersion,
    /// Its zip hash.
    pub zip_h1: String,
    /// Its go.mod hash, when the record has one.
    pub mod_h1: Option<String>,
}

fn as_string<S: serde::Serializer>(m: &ModVersion, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(m)
}

/// Why the check failed.
#[derive(Debug, thiserror::Error)]
pub enum SumdbError {
    /// go.sum and the database disagree.
    #[error(transparent)]
    Mismatch(Box<GoSumMismatch>),
    /// A lookup failed or did not verify.
    #[error(
        "{0}; hint: pass --no-sumdb (or set GOSUMDB=off) to snapshot without the checksum database check"
    )]
    Client(#[from] ClientError),
    /// Local I/O for the cache.
    #[error("checksum database cache: {0}")]
    Cache(String),
    /// A toolchain to capture that the database has no record of (no such
    /// release, or not for that platform), or could not be asked about.
    #[error(
        "toolchain {module} cannot be captured: {detail}; hint: check the name and --platform (the proxy lists golang.org/toolchain versions), or pass --no-toolchains"
    )]
    Toolchain {
        /// The `golang.org/toolchain` module version.
        module: String,
        /// What the database said.
        detail: String,
    },
    /// An archive named by `--link` cannot be linked to.
    #[error("--link {archive}: {detail}")]
    Link {
        /// The archive.
        archive: String,
        /// What is wrong.
        detail: String,
        /// Whether the archive failed its own checks.
        security: bool,
    },
}

impl Classify for SumdbError {
    fn class(&self) -> ErrorClass {
        match self {
            SumdbError::Mismatch(_) => ErrorClass::Security,
            SumdbError::Client(e) if e.is_security() => ErrorClass::Security,
            SumdbError::Link { security: true, .. } => ErrorClass::Security,
            _ => ErrorClass::Failure,
        }
    }
}

/// One tile's fetch result, shared by the lookups that need it.
type TileSlot = std::sync::Mutex<Slot>;

/// Where a tile fetched this run is.
#[derive(Default)]
enum Slot {
    /// Not fetched yet.
    #[default]
    Empty,
    /// Fetched (`None`: the server has no such tile), not yet verified.
    Fetched(Option<Vec<u8>>),
    /// Verified and saved in the cache on disk: read from there, so the
    /// run does not hold every tile in memory (4 MiB for the bench
    /// project) while its downloads go on.
    Saved,
}

/// The database's files through the proxy client, with the cache on disk.
struct Ops {
    client: ProxyClient,
    /// Found on the first remote read: nothing is asked when the cache
    /// answers everything.
    route: std::sync::Mutex<Option<SumdbRoute>>,
    url: Option<String>,
    name: String,
    /// Tiles fetched this run: concurrent lookups fetch each tile once,
    /// and different tiles at the same time (one slot per tile, so the map
    /// is locked only to find the slot).
    tiles: std::sync::Mutex<BTreeMap<String, std::sync::Arc<TileSlot>>>,
    /// Tiles above level 0 read from the cache or saved to it this run,
    /// kept in memory: every proof climbs through the same few (17 for the
    /// bench project's 508 lookups), and reading one back from the cache is
    /// four system calls each time. Like the cache's, they are
    /// authenticated on every use. At most [`HOT_TILES`] of them.
    hot: std::sync::Mutex<std::collections::HashMap<String, Vec<u8>>>,
    cache: PathBuf,
    rt: tokio::runtime::Handle,
}

/// How many upper-level tiles [`Ops`] keeps in memory (8 KiB each).
const HOT_TILES: usize = 256;

impl Ops {
    fn path(&self, file: &str) -> PathBuf {
        self.cache.join(file)
    }

    /// Whether `file` (`<name>/tile/<h>/<level>/…`) is a hash tile above
    /// level 0.
    fn is_upper_tile(&self, file: &str) -> bool {
        file.strip_prefix(&self.name)
            .and_then(|f| f.strip_prefix("/tile/"))
            .and_then(|f| f.split('/').nth(1))
            .is_some_and(|level| level != "0" && level != "data")
    }

    fn keep_hot(&self, file: &str, data: &[u8]) {
        if let Ok(mut hot) = self.hot.lock()
            && hot.len() < HOT_TILES
        {
            hot.insert(file.to_string(), data.to_vec());
        }
    }

    fn write(&self, file: &str, data: &[u8]) -> Result<(), String> {
        // Concurrent lookups save the same tiles: each writes its own
        // partial file.
        crate::fsutil::write_aside(&self.path(file), data).map_err(|e| e.to_string())
    }
}

impl Ops {
    /// One remote read, through the route found on first use.
    fn fetch(&self, path: &str) -> Result<Option<Vec<u8>>, String> {
        let route = {
            let mut guard = self.route.lock().map_err(|_| "lock poisoned".to_string())?;
            match guard.as_ref() {
                Some(r) => r.clone(),
                None => {
                    let r = self
                        .rt
                        .block_on(self.client.sumdb_route(&self.name, self.url.as_deref()))
                        .map_err(|e| e.to_string())?;
                    *guard = Some(r.clone());
                    r
                }
            }
        };
        self.rt
            .block_on(self.client.sumdb_get(&self.name, &route, path))
            .map_err(|e| e.to_string())
    }
}

impl ClientOps for Ops {
    fn read_remote(&self, path: &str) -> Result<Option<Vec<u8>>, String> {
        // Each tile once per run, however many lookups need it at once.
        if path.starts_with("tile/") {
            let slot = {
                let mut tiles = self.tiles.lock().map_err(|_| "lock poisoned".to_string())?;
                tiles.entry(path.to_string()).or_default().clone()
            };
            let mut got = slot.lock().map_err(|_| "lock poisoned".to_string())?;
            match &*got {
                Slot::Fetched(t) => return Ok(t.clone()),
                Slot::Saved => {
                    if let Some(t) = self.read_cache(&format!("{}/{path}", self.name)) {
                        return Ok(Some(t));
                    }
                }
                Slot::Empty => {}
            }
            let t = self.fetch(path)?;
            *got = Slot::Fetched(t.clone());
            return Ok(t);
        }
        self.fetch(path)
    }

    fn read_config(&self, file: &str) -> Result<Option<Vec<u8>>, String> {
        match std::fs::read(self.path(file)) {
            Ok(d) => Ok(Some(d)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.to_string()),
        }
    }

    fn write_config(&self, file: &str, data: &[u8]) -> Result<(), String> {
        self.write(file, data)
    }

    fn read_cache(&self, file: &str) -> Option<Vec<u8>> {
        let upper = self.is_upper_tile(file);
        if upper && let Some(d) = self.hot.lock().ok()?.get(file) {
            return Some(d.clone());
        }
        let d = std::fs::read(self.path(file))
            .ok()
            .filter(|d| !d.is_empty())?;
        if upper {
            self.keep_hot(file, &d);
        }
        Some(d)
    }

    fn write_cache(&self, file: &str, data: &[u8]) {
        if let Err(e) = self.write(file, data) {
            tracing::debug!("sumdb cache: {e}");
            return;
        }
        if self.is_upper_tile(file) {
            self.keep_hot(file, data);
        }
        // A verified tile on disk: its fetched bytes can go.
        let key = file.strip_prefix(&format!("{}/", self.name));
        if let Some(key) = key.filter(|k| k.starts_with("tile/")) {
            let slot = self.tiles.lock().ok().and_then(|t| t.get(key).cloned());
            if let Some(slot) = slot
                && let Ok(mut got) = slot.lock()
            {
                *got = Slot::Saved;
            }
        }
    }
}

/// One hash to confirm: the module version, whether it is the go.mod's,
/// the go.sum hash.
struct Want {
    module: ModVersion,
    go_mod: bool,
    /// `None` for a zip go.sum lacks, looked up to be filled in.
    hash: Option<String>,
    /// A toolchain to capture: looked up whatever GONOSUMDB says (the go
    /// command always verifies toolchains through the database), and a
    /// failure is an error.
    toolchain: bool,
}

/// Reads the checksum-database bundle of an earlier archive (any format,
/// every entry verified against its manifest): its lookups and their
/// signed heads.
pub fn read_linked(path: &Path) -> Result<LinkedBundle, SumdbError> {
    use crate::archive::read::{self as aread, Check, EntryKind};
    let archive = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let fail = |detail: String, security: bool| SumdbError::Link {
        archive: path.display().to_string(),
        detail,
        security,
    };
    let read_err = |e: aread::ReadError| fail(e.to_string(), e.class() == ErrorClass::Security);
    let is_lookup = |name: &str| name.starts_with("sumdb/") && name.contains("/lookup/");
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let manifest = if let Some(index) = aread::TarIndex::open(path).map_err(read_err)? {
        let names: Vec<String> = index
            .names()
            .filter(|n| is_lookup(n))
            .map(str::to_string)
            .collect();
        for n in names {
            let mut w = index.open_file(&n, Check::Both).map_err(read_err)?;
            let mut data = Vec::new();
            std::io::Read::read_to_end(&mut w, &mut data)
                .map_err(|e| fail(format!("{n}: {e}"), true))?;
            files.insert(n, data);
        }
        index.manifest().clone()
    } else {
        aread::read_all(path, Check::Both, &mut |e| {
            if matches!(e.kind, EntryKind::Sumdb) && is_lookup(e.name) {
                let mut data = Vec::new();
                e.reader.read_to_end(&mut data).map_err(|x| x.to_string())?;
                files.insert(e.name.to_string(), data);
            } else {
                std::io::copy(e.reader, &mut std::io::sink()).map_err(|x| x.to_string())?;
            }
            Ok(())
        })
        .map_err(read_err)?
    };
    let name = manifest
        .sumdb
        .as_ref()
        .and_then(|r| r.name.clone())
        .filter(|_| !files.is_empty())
        .ok_or_else(|| {
            fail(
                "the archive has no checksum-database bundle to link to (it was written with --no-sumdb or GOSUMDB=off, or by an older modsnap)".into(),
                false,
            )
        })?;
    let prefix = format!("sumdb/{name}/");
    let mut notes: Vec<Vec<u8>> = Vec::new();
    let mut records = Vec::new();
    for (entry, data) in files {
        let Some(rel) = entry.strip_prefix(&prefix) else {
            continue;
        };
        let (id, text, note) = crate::sumdb::tlog::parse_record(&data)
            .map_err(|e| fail(format!("{entry}: {e}"), true))?;
        if !notes.iter().any(|n| n == note) {
            notes.push(note.to_vec());
        }
        records.push((rel.to_string(), id, text.to_vec()));
    }
    // The heads it proves itself (its own --link): a chain of links keeps
    // proving every earlier head.
    for l in manifest.sumdb.iter().flat_map(|r| r.links.iter()) {
        let note = l.note.as_bytes().to_vec();
        if !notes.contains(&note) {
            notes.push(note);
        }
    }
    notes.sort();
    Ok(LinkedBundle {
        archive,
        name,
        notes,
        records,
    })
}

/// What [`check`] looks up.
pub struct Wanted<'a> {
    /// The plan: every zip and go.mod hash in it is confirmed.
    pub plan: &'a BTreeMap<ModVersion, Planned>,
    /// The merged go.sum (to name the file of a disagreeing line).
    pub gosum: &'a GoSum,
    /// Zips go.sum lacks that offline `go mod download` wants: filled in
    /// when the database has them.
    pub fill_zips: &'a [ModVersion],
    /// Toolchain module versions to capture: each must be there.
    pub toolchains: &'a [ModVersion],
}

/// Confirms every zip and go.mod hash of the plan with the database, and
/// looks up the zips and toolchains to fill in.
pub async fn check(
    client: &ProxyClient,
    opts: &SumdbOptions,
    wanted: &Wanted<'_>,
    cache_dir: &Path,
    jobs: usize,
) -> Result<Option<SumdbReport>, SumdbError> {
    let Wanted {
        plan,
        gosum,
        fill_zips,
        toolchains,
    } = *wanted;
    let GoSumDb::On { verifier, url, .. } = &opts.gosumdb else {
        return Ok(None);
    };
    let name = verifier.name().to_string();
    let mut report = SumdbReport {
        name: name.clone(),
        ..Default::default()
    };
    let mut wants: BTreeMap<ModVersion, Vec<Want>> = BTreeMap::new();
    for p in plan.values() {
        let m = p.module();
        if crate::module::match_prefix_patterns(&opts.gonosumdb, &m.path) {
            if p.zip_h1.is_some() || p.mod_h1.is_some() {
                report.private += 1;
            }
            continue;
        }
        for (go_mod, hash) in [(false, &p.zip_h1), (true, &p.mod_h1)] {
            if let Some(hash) = hash {
                wants.entry(m.clone()).or_default().push(Want {
                    module: m.clone(),
                    go_mod,
                    hash: Some(hash.clone()),
                    toolchain: false,
                });
            }
        }
    }
    for m in fill_zips {
        if crate::module::match_prefix_patterns(&opts.gonosumdb, &m.path)
            || plan.get(m).is_some_and(|p| p.zip_h1.is_some())
        {
            continue;
        }
        wants.entry(m.clone()).or_default().push(Want {
            module: m.clone(),
            go_mod: false,
            hash: None,
            toolchain: false,
        });
    }
    for m in toolchains {
        wants.entry(m.clone()).or_default().push(Want {
            module: m.clone(),
            go_mod: false,
            hash: None,
            toolchain: true,
        });
    }
    let linked = {
        let paths = opts.link.clone();
        tokio::task::spawn_blocking(move || {
            paths
                .iter()
                .map(|p| read_linked(p))
                .collect::<Result<Vec<_>, _>>()
        })
        .await
        .map_err(|e| SumdbError::Cache(format!("link task: {e}")))??
    };
    for l in &linked {
        if l.name != name {
            return Err(SumdbError::Link {
                archive: l.archive.clone(),
                detail: format!(
                    "its bundle is of the checksum database {}, and this snapshot checks with {name} (GOSUMDB)",
                    l.name
                ),
                security: false,
            });
        }
    }
    if wants.is_empty() && linked.is_empty() {
        return Ok(Some(report));
    }
    let ops = Ops {
        client: client.clone(),
        route: std::sync::Mutex::new(None),
        tiles: Default::default(),
        hot: Default::default(),
        url: url.clone(),
        name: name.clone(),
        cache: cache_dir.join("sumdb"),
        rt: tokio::runtime::Handle::current(),
    };
    // One client for the run: it holds the latest tree every lookup is
    // proved in.
    let db = std::sync::Arc::new(Client::new(verifier.clone(), ops));
    let results = futures_util::stream::iter(wants.into_values())
        .map(|group| {
            let db = db.clone();
            tokio::task::spawn_blocking(move || {
                let mut found = Vec::new();
                for w in &group {
                    let v = if w.go_mod {
                        format!("{}/go.mod", w.module.version)
                    } else {
                        w.module.version.clone()
                    };
                    match db.lookup_record(&w.module.path, &v) {
                        Ok(r) => found.push(Some(r)),
                        // A zip to fill in that the database cannot give
                        // stays a gap; a lie is still an error.
                        Err(e) if w.hash.is_none() && !w.toolchain && !e.is_security() => {
                            found.push(None)
                        }
                        Err(e) if w.toolchain && !e.is_security() => {
                            return Err(SumdbError::Toolchain {
                                module: w.module.to_string(),
                                detail: e.to_string(),
                            });
                        }
                        Err(e) => return Err(e.into()),
                    }
                }
                Ok::<_, SumdbError>((group, found))
            })
        })
        .buffer_unordered(jobs.max(1))
        .collect::<Vec<_>>()
        .await;
    let mut first_err: Option<SumdbError> = None;
    let mut records = Vec::new();
    for r in results {
        let r = r.map_err(|e| SumdbError::Cache(format!("lookup task: {e}")))?;
        let (group, found) = match r {
            Ok(x) => x,
            Err(e) => {
                // A security failure outranks any other.
                if first_err
                    .as_ref()
                    .is_none_or(|f| f.class() != ErrorClass::Security)
                {
                    first_err = Some(e);
                }
                continue;
            }
        };
        let confirms = group.iter().any(|w| w.hash.is_some());
        for (w, record) in group.iter().zip(found) {
            let Some(record) = record else {
                continue;
            };
            let lines = &record.lines;
            let (path, version) = (&w.module.path, &w.module.version);
            let key_version = if w.go_mod {
                format!("{version}/go.mod")
            } else {
                version.clone()
            };
            let db_hash = lines
                .iter()
                .filter_map(|l| l.split(' ').nth(2))
                .find(|h| h.starts_with("h1:"))
                .unwrap_or("(no h1 line)")
                .to_string();
            let Some(want) = &w.hash else {
                if db_hash.starts_with("h1:") {
                    // `go mod download` fetches the version's go.mod too:
                    // its hash is in the same authenticated record.
                    let mod_prefix = format!("{path} {version}/go.mod h1:");
                    let mod_hash = String::from_utf8_lossy(&record.text)
                        .lines()
                        .find_map(|l| l.strip_prefix(&mod_prefix))
                        .map(|h| format!("h1:{h}"));
                    let f = Filled {
                        module: w.module.clone(),
                        zip_h1: db_hash,
                        mod_h1: mod_hash,
                    };
                    if w.toolchain {
                        report.toolchains.push(f);
                    } else {
                        report.filled.push(f);
                    }
                    if !records
                        .iter()
                        .any(|r: &crate::sumdb::client::Record| r.lookup == record.lookup)
                    {
                        records.push(record);
                    }
                }
                continue;
            };
            if &db_hash != want {
                let file = if w.go_mod {
                    gosum.go_mod_hash_file(path, version)
                } else {
                    gosum.zip_hash_file(path, version)
                }
                .unwrap_or("go.sum")
                .to_string();
                return Err(SumdbError::Mismatch(Box::new(GoSumMismatch {
                    module: format!("{path}@{key_version}"),
                    gosum_hash: want.clone(),
                    line: format!("{path} {key_version} {want}"),
                    file,
                    db: name.clone(),
                    db_hash,
                })));
            }
            if !records
                .iter()
                .any(|r: &crate::sumdb::client::Record| r.lookup == record.lookup)
            {
                records.push(record);
            }
        }
        if confirms {
            report.checked += 1;
        }
    }
    if let Some(e) = first_err {
        return Err(e);
    }
    let (bundle, links, head) = tokio::task::spawn_blocking(move || {
        // Each earlier head proved a prefix of the latest (or the latest
        // moved on to it), then each earlier record proved in the latest.
        let mut older = Vec::new();
        let mut links = Vec::new();
        for l in &linked {
            let label = format!("--link {}", l.archive);
            for note in &l.notes {
                let tree = db.merge_note(&label, note)?;
                older.push(tree);
                links.push(SumdbLink {
                    archive: l.archive.clone(),
                    note: String::from_utf8_lossy(note).into_owned(),
                    tree: tree.n,
                    lookups: l.records.len(),
                });
            }
        }
        for l in &linked {
            for (lookup, id, text) in &l.records {
                if !records.iter().any(|r| &r.lookup == lookup) {
                    records.push(db.prove_record(lookup, *id, text)?);
                }
            }
        }
        records.sort_by(|a, b| a.lookup.cmp(&b.lookup));
        let bundle = db.bundle(&records, &older)?;
        let head = db.latest("(bundle)")?.n;
        Ok::<_, ClientError>((bundle, links, head))
    })
    .await
    .map_err(|e| SumdbError::Cache(format!("bundle task: {e}")))??;
    report.bundle = bundle;
    report.links = links;
    report.head = Some(head);
    Ok(Some(report))
}

/// An archive's bundle, read offline: database files come from `open`
/// (entry name → bytes), nothing is cached or written.
struct BundleOps<'a> {
    prefix: String,
    open: &'a (dyn Fn(&str) -> Option<Vec<u8>> + Sync),
}

impl ClientOps for BundleOps<'_> {
    fn read_remote(&self, path: &str) -> Result<Option<Vec<u8>>, String> {
        Ok((self.open)(&format!("{}{path}", self.prefix)))
    }
    fn read_config(&self, _file: &str) -> Result<Option<Vec<u8>>, String> {
        Ok(None)
    }
    fn write_config(&self, _file: &str, _data: &[u8]) -> Result<(), String> {
        Ok(())
    }
    fn read_cache(&self, _file: &str) -> Option<Vec<u8>> {
        None
    }
    fn write_cache(&self, _file: &str, _data: &[u8]) {}
}

/// What [`verify_bundle`] found.
#[derive(Debug, Default)]
pub struct BundleCheck {
    /// Lookups that do not verify, or disagree with the manifest's hashes:
    /// (module, what is wrong).
    pub bad: Vec<(String, String)>,
    /// Why the bundle could not be checked (no key for its database).
    pub unchecked: Option<String>,
    /// Lookups verified.
    pub verified: usize,
}

/// Re-checks an archive's checksum-database bundle offline, as a fresh go
/// client would read it: every lookup's signed tree note against the
/// database key (`GOSUMDB`'s when it names the same database, else the
/// built-in key of sum.golang.org), every record proved through the
/// bundle's tiles, each record's hashes equal to the manifest's for that
/// module version, and each linked head (`--link`) signed and proved a
/// prefix of the bundle's head.
pub fn verify_bundle(
    manifest: &crate::archive::Manifest,
    gosumdb: &GoSumDb,
    open: &(dyn Fn(&str) -> Option<Vec<u8>> + Sync),
) -> BundleCheck {
    let Some(rec) = &manifest.sumdb else {
        return BundleCheck::default();
    };
    let Some(name) = rec.name.as_deref().filter(|_| !rec.files.is_empty()) else {
        return BundleCheck::default();
    };
    let lookups: Vec<&str> = rec.files.iter().map(|f| f.name.as_str()).collect();
    let expected = |path: &str, version: &str| {
        manifest
            .modules
            .iter()
            .find(|m| m.path == path && m.version == version)
            .map_or((None, None), |m| (m.zip_h1.clone(), m.mod_h1.clone()))
    };
    check_bundle(
        &Bundle {
            what: "the archive's",
            name,
            entries: &lookups,
            links: &rec.links,
            head: rec.head,
        },
        gosumdb,
        &expected,
        open,
    )
}

/// Re-checks the checksum-database bundles of a GOPROXY tree (`sumdb/<name>/`
/// wherever a `supported` file is) as [`verify_bundle`] does, each record's
/// hashes compared with the tree's own `.zip` and `.mod` for that version
/// (recomputed): what the offline go command would refuse is found first.
pub fn verify_tree_bundles(dir: &Path, gosumdb: &GoSumDb) -> Vec<BundleCheck> {
    let root = dir.join("sumdb");
    let mut names = Vec::new();
    for e in walkdir::WalkDir::new(&root)
        .sort_by_file_name()
        .into_iter()
        .flatten()
    {
        if e.file_type().is_file()
            && e.file_name() == "supported"
            && let Some(rel) = e.path().parent().and_then(|p| p.strip_prefix(&root).ok())
        {
            names.push(rel.to_string_lossy().replace('\\', "/"));
        }
    }
    let open = |name: &str| std::fs::read(dir.join(name)).ok();
    let expected = |path: &str, version: &str| {
        let m = ModVersion::new(path.to_string(), version.to_string());
        let file = |a| {
            crate::goproxy::file_name(&m, a)
                .ok()
                .map(|n| dir.join(n))
                .filter(|p| p.is_file())
        };
        let zip = file(crate::goproxy::Artifact::Zip)
            .and_then(|p| crate::dirhash::hash_zip_file(&p).ok());
        let gomod = file(crate::goproxy::Artifact::Mod)
            .and_then(|p| std::fs::read(p).ok())
            .map(|d| crate::dirhash::hash_go_mod(&d));
        (zip, gomod)
    };
    names
        .iter()
        .map(|name| {
            let base = root.join(name);
            let entries: Vec<String> = walkdir::WalkDir::new(base.join("lookup"))
                .sort_by_file_name()
                .into_iter()
                .flatten()
                .filter(|e| e.file_type().is_file())
                .filter_map(|e| {
                    let rel = e.path().strip_prefix(dir).ok()?;
                    Some(rel.to_string_lossy().replace('\\', "/"))
                })
                .collect();
            let entries: Vec<&str> = entries.iter().map(String::as_str).collect();
            check_bundle(
                &Bundle {
                    what: "the tree's",
                    name,
                    entries: &entries,
                    links: &[],
                    head: None,
                },
                gosumdb,
                &expected,
                &open,
            )
        })
        .collect()
}

/// A bundle to check: the database, its files (entry names
/// `sumdb/<name>/…`; only lookups are read directly), what it links to.
struct Bundle<'a> {
    what: &'a str,
    name: &'a str,
    entries: &'a [&'a str],
    links: &'a [SumdbLink],
    head: Option<i64>,
}

/// The zip and go.mod hashes a module version must have.
type Expected<'a> = dyn Fn(&str, &str) -> (Option<String>, Option<String>) + 'a;

fn check_bundle(
    b: &Bundle<'_>,
    gosumdb: &GoSumDb,
    expected: &Expected<'_>,
    open: &(dyn Fn(&str) -> Option<Vec<u8>> + Sync),
) -> BundleCheck {
    let mut out = BundleCheck::default();
    let name = b.name;
    let verifier = match gosumdb {
        GoSumDb::On { verifier, .. } if verifier.name() == name => verifier.clone(),
        _ if name == "sum.golang.org" => {
            match crate::sumdb::note::Verifier::parse(crate::sumdb::config::SUM_GOLANG_ORG) {
                Ok(v) => v,
                Err(e) => {
                    out.unchecked = Some(e.to_string());
                    return out;
                }
            }
        }
        _ => {
            out.unchecked = Some(format!(
                "{} checksum-database bundle (database {name}) was not re-checked: modsnap has no key for it; set GOSUMDB to its key (`{name}+…`) to check it",
                b.what
            ));
            return out;
        }
    };
    let ops = BundleOps {
        prefix: format!("sumdb/{name}/"),
        open,
    };
    let client = Client::new(verifier, ops);
    let db_prefix = format!("sumdb/{name}/");
    for entry in b.entries {
        let Some(rest) = entry
            .strip_prefix(&db_prefix)
            .filter(|r| r.starts_with("lookup/"))
        else {
            continue;
        };
        let Some(ModVersion { path, version }) = crate::goproxy::parse_sumdb_lookup(rest) else {
            out.bad
                .push((entry.to_string(), "not a lookup file name".into()));
            continue;
        };
        let module = format!("{path}@{version}");
        let (zip, gomod) = expected(&path, &version);
        // The record must have a line for what the archive relies on, as
        // the go command asks: a version needed only for its go.mod by its
        // `/go.mod` line (a database may hold no other for it).
        let asked = if zip.is_none() && gomod.is_some() {
            format!("{version}/go.mod")
        } else {
            version.clone()
        };
        let record = match client.lookup_record(&path, &asked) {
            Ok(r) => r,
            Err(e) => {
                out.bad.push((module, format!("{entry}: {e}")));
                continue;
            }
        };
        let text = String::from_utf8_lossy(&record.text).into_owned();
        for (want, key) in [(zip, version.clone()), (gomod, format!("{version}/go.mod"))] {
            if let Some(want) = want {
                let line = format!("{path} {key} {want}");
                if !text.lines().any(|l| l == line) {
                    out.bad.push((
                        module.clone(),
                        format!("{key} hashes to {want}, and the checksum database's record ({entry}) says otherwise"),
                    ));
                }
            }
        }
        out.verified += 1;
    }
    // Each linked head must be signed and a prefix of the bundle's head,
    // proved through the bundle's own tiles.
    for l in b.links {
        let label = format!("linked head tree#{} ({})", l.tree, l.archive);
        match client.merge_note(&label, l.note.as_bytes()) {
            Ok(t) if t.n == l.tree => {}
            Ok(t) => out.bad.push((
                label,
                format!(
                    "the manifest says tree#{}, the note says tree#{}",
                    l.tree, t.n
                ),
            )),
            Err(e) => out.bad.push((label, e.to_string())),
        }
    }
    if let (Some(head), Ok(latest)) = (b.head, client.latest("(bundle)"))
        && out.verified > 0
        && latest.n != head
    {
        out.bad.push((
            format!("sumdb/{name}"),
            format!(
                "the manifest says the bundle is signed at tree#{head}, its lookups carry tree#{}",
                latest.n
            ),
        ));
    }
    out
}
