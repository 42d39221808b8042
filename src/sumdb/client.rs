//! A checksum-database client with the go command's rules
//! (golang.org/x/mod/sumdb `Client`, cmd/go modfetch/sumdb.go): a lookup is
//! trusted only once its record is proved included in the newest signed
//! tree the client knows, and a newer tree only once the known one is
//! proved a prefix of it.
//!
//! [`Client::lookup`] of `path@version` (or `path@version/go.mod`):
//! 1. the lookup response (from the cache, else the remote) is split into
//!    record id, record text and signed tree note;
//! 2. the note must be signed by the configured key; its tree is merged
//!    with the latest known one (`<name>/latest` in the config): an older or
//!    equal tree must hash the same within the latest tree, a newer one must
//!    contain the latest as a prefix and becomes the latest — a failure is
//!    "server misbehavior", a security error;
//! 3. the record's leaf hash is read through tiles of the latest tree
//!    ([`super::tlog::TileHashReader`], every tile authenticated);
//! 4. the answer is the lines of the *authenticated record text* for that
//!    module version, and there must be one (the 2026 fixes: lines outside
//!    the record are ignored, an answer without the module's line is
//!    refused).
//!
//! Tiles come from the cache (exact, or a cached full tile cut down to a
//! partial one), else the remote (exact, or the full tile cut down), and
//! are cached once authenticated, as the go client does: each tile once
//! per client, and never one the cache gave (its `tileSaved` set).
//!
//! Not here: HTTP, GOSUMDB parsing and the GOPROXY `supported` probe (the
//! [`ClientOps`] implementation does I/O); GONOSUMDB (callers do not look
//! up private modules).

use std::collections::HashSet;
use std::sync::Mutex;

use super::note::{self, NoteError, Verifier, Verifiers};
use super::tlog::{self, Tile, TileHashReader, TileReader, TlogError, Tree};

/// What a client reads and writes; the caller decides where (a server, a
/// static tree, a bundle, memory).
pub trait ClientOps: Sync {
    /// `GET <database>/<path>` (`lookup/…` or `tile/…`); `Ok(None)` when
    /// the database has no such file.
    fn read_remote(&self, path: &str) -> Result<Option<Vec<u8>>, String>;
    /// A config file (`<name>/latest`); `None` when absent.
    fn read_config(&self, file: &str) -> Result<Option<Vec<u8>>, String>;
    /// Replaces a config file's contents.
    fn write_config(&self, file: &str, data: &[u8]) -> Result<(), String>;
    /// A cached file (`<name>/lookup/…`, `<name>/tile/…`).
    fn read_cache(&self, file: &str) -> Option<Vec<u8>>;
    /// Caches a file.
    fn write_cache(&self, file: &str, data: &[u8]);
}

/// Why a lookup failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    /// The database has no record for the module version.
    #[error("{module}: not found in the checksum database {db}")]
    NotFound {
        /// `path@version`.
        module: String,
        /// The database name.
        db: String,
    },
    /// The remote or cache could not be read.
    #[error("{module}: reading the checksum database {db}: {message}")]
    Io {
        /// `path@version` (or the file) being read.
        module: String,
        /// The database name.
        db: String,
        /// What failed.
        message: String,
    },
    /// A signed note that does not verify with the configured key.
    #[error("{module}: reading tree note of {db}: {error} (SECURITY ERROR)")]
    Note {
        /// `path@version` being looked up.
        module: String,
        /// The database name.
        db: String,
        /// The note error.
        error: NoteError,
    },
    /// Log data that does not parse or does not verify (a record not in
    /// the tree, an inconsistent tile).
    #[error("{module}: verifying against the checksum database {db}: {error} (SECURITY ERROR)")]
    Log {
        /// `path@version`.
        module: String,
        /// The database name.
        db: String,
        /// The log error.
        error: TlogError,
    },
    /// The record text does not hash to the leaf the log holds for it.
    #[error(
        "{module}: cannot authenticate record data in server response from {db} (SECURITY ERROR)"
    )]
    Unauthenticated {
        /// `path@version`.
        module: String,
        /// The database name.
        db: String,
    },
    /// The authenticated record has no line for the module version.
    #[error("{module}: the checksum database {db} answered without a line for it (SECURITY ERROR)")]
    NoLine {
        /// `path@version`.
        module: String,
        /// The database name.
        db: String,
    },
    /// Two signed trees that cannot both be true: the database forked.
    #[error(
        "SECURITY ERROR: go.sum database server misbehavior detected! {db}: tree {older} is not a prefix of tree {newer} (checking {module})"
    )]
    Misbehavior {
        /// `path@version` being looked up.
        module: String,
        /// The database name.
        db: String,
        /// The older tree's size.
        older: i64,
        /// The newer tree's size.
        newer: i64,
    },
}

impl ClientError {
    /// Everything but a missing record or an I/O failure is a security
    /// matter.
    pub fn is_security(&self) -> bool {
        !matches!(self, ClientError::NotFound { .. } | ClientError::Io { .. })
    }
}

/// A lookup proved in the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Its lookup path (`lookup/<escaped path>@<escaped version>`).
    pub lookup: String,
    /// The record id.
    pub id: i64,
    /// The record text (go.sum lines).
    pub text: Vec<u8>,
    /// The lines for the version asked.
    pub lines: Vec<String>,
}

/// The latest verified tree and its signed note.
#[derive(Debug, Clone)]
struct Latest {
    tree: Tree,
    note: Vec<u8>,
}

/// A checksum-database client.
pub struct Client<O: ClientOps> {
    name: String,
    verifiers: Verifiers,
    ops: O,
    latest: Mutex<Option<Latest>>,
    /// Tiles already in the cache (read from it, or saved this run): a
    /// proof that reads them again does not write them again.
    saved: Mutex<HashSet<Tile>>,
}

impl<T: ClientOps + ?Sized> ClientOps for &T {
    fn read_remote(&self, path: &str) -> Result<Option<Vec<u8>>, String> {
        (**self).read_remote(path)
    }
    fn read_config(&self, file: &str) -> Result<Option<Vec<u8>>, String> {
        (**self).read_config(file)
    }
    fn write_config(&self, file: &str, data: &[u8]) -> Result<(), String> {
        (**self).write_config(file, data)
    }
    fn read_cache(&self, file: &str) -> Option<Vec<u8>> {
        (**self).read_cache(file)
    }
    fn write_cache(&self, file: &str, data: &[u8]) {
        (**self).write_cache(file, data)
    }
}

impl<O: ClientOps> Client<O> {
    /// A client of the database whose key is `verifier` (its name names
    /// the database), doing I/O through `ops`. One client should serve a
    /// whole run: it holds the latest tree.
    pub fn new(verifier: Verifier, ops: O) -> Self {
        Client {
            name: verifier.name().to_string(),
            verifiers: Verifiers::new(vec![verifier]),
            ops,
            latest: Mutex::new(None),
            saved: Mutex::new(HashSet::new()),
        }
    }

    /// The database name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The latest tree this client has verified (or read from its config).
    pub fn latest(&self, module: &str) -> Result<Tree, ClientError> {
        Ok(self.load_latest(module)?.tree)
    }

    /// The latest signed tree note, once a lookup has run.
    pub fn latest_note(&self) -> Option<Vec<u8>> {
        self.latest.lock().ok()?.as_ref().map(|l| l.note.clone())
    }

    fn load_latest(&self, module: &str) -> Result<Latest, ClientError> {
        let mut guard = self
            .latest
            .lock()
            .map_err(|_| self.io(module, "lock poisoned"))?;
        if let Some(l) = guard.as_ref() {
            return Ok(l.clone());
        }
        let file = format!("{}/latest", self.name);
        let l = match self
            .ops
            .read_config(&file)
            .map_err(|e| self.io(module, &e))?
        {
            Some(note) if !note.is_empty() => {
                let tree = self.open_tree(module, &note)?;
                Latest { tree, note }
            }
            _ => Latest {
                tree: Tree {
                    n: 0,
                    hash: tlog::empty_tree_hash(),
                },
                note: Vec::new(),
            },
        };
        *guard = Some(l.clone());
        Ok(l)
    }

    fn io(&self, module: &str, message: &str) -> ClientError {
        ClientError::Io {
            module: module.to_string(),
            db: self.name.clone(),
            message: message.to_string(),
        }
    }

    fn log(&self, module: &str, error: TlogError) -> ClientError {
        // A tile that could not be read is an I/O failure, not a lie.
        if let TlogError::Read(message) = error {
            return self.io(module, &message);
        }
        ClientError::Log {
            module: module.to_string(),
            db: self.name.clone(),
            error,
        }
    }

    fn open_tree(&self, module: &str, msg: &[u8]) -> Result<Tree, ClientError> {
        let n = note::open(msg, &self.verifiers).map_err(|error| ClientError::Note {
            module: module.to_string(),
            db: self.name.clone(),
            error,
        })?;
        tlog::parse_tree(n.text.as_bytes()).map_err(|e| self.log(module, e))
    }

    /// Whether `older` is a prefix of `newer`, read through `newer`'s tiles.
    fn check_trees(&self, module: &str, older: &Tree, newer: &Tree) -> Result<(), ClientError> {
        let tiles = Tiles { client: self };
        let h = TileHashReader::new(*newer, &tiles)
            .tree_hash(older.n)
            .map_err(|e| self.log(module, e))?;
        if h != older.hash {
            return Err(ClientError::Misbehavior {
                module: module.to_string(),
                db: self.name.clone(),
                older: older.n,
                newer: newer.n,
            });
        }
        Ok(())
    }

    /// Merges a signed tree into the latest known one.
    fn merge_latest(&self, module: &str, msg: &[u8]) -> Result<(), ClientError> {
        let latest = self.load_latest(module)?;
        // The very note already verified and merged (every lookup of a run
        // at one head carries it): its signature and tree were checked
        // then, and a tree is its own prefix.
        if !latest.note.is_empty() && latest.note == msg {
            return Ok(());
        }
        let tree = self.open_tree(module, msg)?;
        if tree.n <= latest.tree.n {
            return self.check_trees(module, &tree, &latest.tree);
        }
        self.check_trees(module, &latest.tree, &tree)?;
        let mut guard = self
            .latest
            .lock()
            .map_err(|_| self.io(module, "lock poisoned"))?;
        // Another lookup may have moved further meanwhile; keep the newest.
        if guard.as_ref().is_none_or(|l| l.tree.n < tree.n) {
            *guard = Some(Latest {
                tree,
                note: msg.to_vec(),
            });
            self.ops
                .write_config(&format!("{}/latest", self.name), msg)
                .map_err(|e| self.io(module, &e))?;
        }
        Ok(())
    }

    /// The authenticated go.sum lines for `path` at `version` (which may
    /// end in `/go.mod`).
    pub fn lookup(&self, path: &str, version: &str) -> Result<Vec<String>, ClientError> {
        self.lookup_record(path, version).map(|r| r.lines)
    }

    /// [`Client::lookup`], with the proved record itself.
    pub fn lookup_record(&self, path: &str, version: &str) -> Result<Record, ClientError> {
        let module = format!("{path}@{version}");
        let bare = version.strip_suffix("/go.mod").unwrap_or(version);
        let escaped = match (
            crate::module::escape_path(path),
            crate::module::escape_version(bare),
        ) {
            (Ok(p), Ok(v)) => format!("{p}@{v}"),
            _ => return Err(self.io(&module, "cannot escape the module path or version")),
        };
        let cache_file = format!("{}/lookup/{escaped}", self.name);
        let (data, remote) = match self.ops.read_cache(&cache_file) {
            Some(d) if !d.is_empty() => (d, false),
            _ => match self
                .ops
                .read_remote(&format!("lookup/{escaped}"))
                .map_err(|e| self.io(&module, &e))?
            {
                Some(d) => (d, true),
                None => {
                    return Err(ClientError::NotFound {
                        module,
                        db: self.name.clone(),
                    });
                }
            },
        };
        let (id, text, note_msg) = tlog::parse_record(&data).map_err(|e| self.log(&module, e))?;
        self.merge_latest(&module, note_msg)?;
        let latest = self.load_latest(&module)?;
        if id >= latest.tree.n {
            return Err(self.log(&module, TlogError::NotInTree(latest.tree.n)));
        }
        let tiles = Tiles { client: self };
        let ok = TileHashReader::new(latest.tree, &tiles)
            .check_record(id, text)
            .map_err(|e| self.log(&module, e))?;
        if !ok {
            return Err(ClientError::Unauthenticated {
                module,
                db: self.name.clone(),
            });
        }
        if remote {
            self.ops.write_cache(&cache_file, &data);
        }
        let prefix = format!("{path} {version} ");
        let lines: Vec<String> = String::from_utf8_lossy(text)
            .lines()
            .filter(|l| l.starts_with(&prefix))
            .map(str::to_string)
            .collect();
        if lines.is_empty() {
            return Err(ClientError::NoLine {
                module,
                db: self.name.clone(),
            });
        }
        Ok(Record {
            lookup: format!("lookup/{escaped}"),
            id,
            text: text.to_vec(),
            lines,
        })
    }

    /// Merges a signed tree from elsewhere (an earlier bundle's head) into
    /// the latest one, exactly as a lookup's tree is merged (signature, then
    /// one tree proved a prefix of the other), and returns it.
    pub fn merge_note(&self, label: &str, note: &[u8]) -> Result<Tree, ClientError> {
        self.merge_latest(label, note)?;
        self.open_tree(label, note)
    }

    /// A record from elsewhere (an earlier archive's lookup: its path, id
    /// and text), proved included in the latest tree. Its `lines` are
    /// empty: nothing was asked about a version.
    pub fn prove_record(&self, lookup: &str, id: i64, text: &[u8]) -> Result<Record, ClientError> {
        let latest = self.load_latest(lookup)?;
        if id < 0 || id >= latest.tree.n {
            return Err(self.log(lookup, TlogError::NotInTree(latest.tree.n)));
        }
        let tiles = Tiles { client: self };
        let ok = TileHashReader::new(latest.tree, &tiles)
            .check_record(id, text)
            .map_err(|e| self.log(lookup, e))?;
        if !ok {
            return Err(ClientError::Unauthenticated {
                module: lookup.to_string(),
                db: self.name.clone(),
            });
        }
        Ok(Record {
            lookup: lookup.to_string(),
            id,
            text: text.to_vec(),
            lines: Vec::new(),
        })
    }

    /// What the offline go command needs to verify `records` with no
    /// database (rule R1 of the offline experiments): each lookup rewritten
    /// to carry the client's latest signed tree (every record is proved in
    /// it), and the tiles that prove each record in that tree, plus the
    /// tree's right edge. With `older` trees (earlier bundles' heads, each
    /// already merged), also the tiles that prove each of them a prefix of
    /// the latest ("R1 + proofs"): a go client whose own latest tree is one
    /// of them (a GOPATH that used the earlier bundle, lookups it cached)
    /// moves on to the new head offline. Files are (path under
    /// `sumdb/<name>/`, bytes), sorted, `supported` included. Every tile is
    /// authenticated again.
    pub fn bundle(
        &self,
        records: &[Record],
        older: &[Tree],
    ) -> Result<Vec<(String, Vec<u8>)>, ClientError> {
        let module = "(bundle)";
        let latest = self.load_latest(module)?;
        let mut out: std::collections::BTreeMap<String, Vec<u8>> = Default::default();
        out.insert("supported".into(), Vec::new());
        let mut indexes = Vec::new();
        for r in records {
            let mut body = tlog::format_record(r.id, &r.text).map_err(|e| self.log(module, e))?;
            body.extend_from_slice(&latest.note);
            out.insert(r.lookup.clone(), body);
            indexes.push(tlog::stored_hash_index(0, r.id));
        }
        // The bundle holds the very bytes each proof authenticated (read
        // again, a tile could differ: a cache changed in between).
        let tiles = Authenticated {
            tiles: Tiles { client: self },
            kept: Default::default(),
        };
        let reader = TileHashReader::new(latest.tree, &tiles);
        // All records at once: each tile is authenticated once, however
        // many records it proves (the union of their proofs, the same tiles
        // as one proof per record).
        if !indexes.is_empty() {
            let hashes = reader
                .read_hashes(&indexes)
                .map_err(|e| self.log(module, e))?;
            for (r, h) in records.iter().zip(&hashes) {
                if *h != tlog::record_hash(&r.text) {
                    return Err(ClientError::Unauthenticated {
                        module: r.lookup.clone(),
                        db: self.name.clone(),
                    });
                }
            }
        }
        for old in older.iter().filter(|t| t.n > 0 && t.n <= latest.tree.n) {
            if reader.tree_hash(old.n).map_err(|e| self.log(module, e))? != old.hash {
                return Err(ClientError::Misbehavior {
                    module: module.to_string(),
                    db: self.name.clone(),
                    older: old.n,
                    newer: latest.tree.n,
                });
            }
        }
        let kept = tiles
            .kept
            .into_inner()
            .map_err(|_| self.io(module, "lock poisoned"))?;
        out.extend(kept);
        Ok(out.into_iter().collect())
    }

    fn mark_saved(&self, t: &Tile) {
        if let Ok(mut saved) = self.saved.lock() {
            saved.insert(*t);
        }
    }

    fn read_tile(&self, t: &Tile) -> Result<Vec<u8>, TlogError> {
        let want = t.w as usize * tlog::HASH_SIZE;
        let full = Tile { w: 1 << t.h, ..*t };
        let cached = |tile: &Tile| {
            self.ops
                .read_cache(&format!("{}/{}", self.name, tile.path()))
        };
        if let Some(d) = cached(t).filter(|d| d.len() == want) {
            self.mark_saved(t);
            return Ok(d);
        }
        if !t.is_full()
            && let Some(d) = cached(&full).filter(|d| d.len() >= want)
        {
            // The full tile is cached: the partial one need not be.
            self.mark_saved(t);
            return Ok(d[..want].to_vec());
        }
        let remote = |tile: &Tile| {
            self.ops
                .read_remote(&tile.path())
                .map_err(|e| TlogError::Read(format!("{}: {e}", tile.path())))
        };
        if let Some(d) = remote(t)? {
            return Ok(d);
        }
        if !t.is_full()
            && let Some(d) = remote(&full)?
            && d.len() >= want
        {
            return Ok(d[..want].to_vec());
        }
        Err(TlogError::Read(format!("{}: not found", t.path())))
    }
}

/// The client's tile source: cache, then remote, cached once verified.
struct Tiles<'c, O: ClientOps> {
    client: &'c Client<O>,
}

impl<O: ClientOps> TileReader for Tiles<'_, O> {
    fn read_tiles(&self, tiles: &[Tile]) -> Result<Vec<Vec<u8>>, TlogError> {
        tiles.iter().map(|t| self.client.read_tile(t)).collect()
    }

    fn save_tiles(&self, tiles: &[Tile], data: &[Vec<u8>]) {
        for (t, d) in tiles.iter().zip(data) {
            // Marked before the write, so concurrent proofs write it once.
            let fresh = self
                .client
                .saved
                .lock()
                .map(|mut saved| saved.insert(*t))
                .unwrap_or(true);
            if fresh {
                self.client
                    .ops
                    .write_cache(&format!("{}/{}", self.client.name, t.path()), d);
            }
        }
    }
}

/// [`Tiles`] that also keeps each tile handed back as authenticated, by
/// path, with the bytes that were checked.
struct Authenticated<'c, O: ClientOps> {
    tiles: Tiles<'c, O>,
    kept: Mutex<std::collections::BTreeMap<String, Vec<u8>>>,
}

impl<O: ClientOps> TileReader for Authenticated<'_, O> {
    fn read_tiles(&self, tiles: &[Tile]) -> Result<Vec<Vec<u8>>, TlogError> {
        self.tiles.read_tiles(tiles)
    }

    fn save_tiles(&self, tiles: &[Tile], data: &[Vec<u8>]) {
        self.tiles.save_tiles(tiles, data);
        if let Ok(mut kept) = self.kept.lock() {
            for (t, d) in tiles.iter().zip(data) {
                kept.entry(t.path()).or_insert_with(|| d.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::sumdb::note::{Note, Signer};

    /// An in-memory database: records, their log, lookups served at a
    /// chosen head, tiles from the stored hashes; a cache and config.
    struct Db {
        signer: Signer,
        records: Vec<(String, String, Vec<u8>)>,
        stored: Vec<tlog::Hash>,
        remote: Mutex<BTreeMap<String, Vec<u8>>>,
        config: Mutex<BTreeMap<String, Vec<u8>>>,
        cache: Mutex<BTreeMap<String, Vec<u8>>>,
        /// Refuse partial level-0 tiles (a mirror that keeps full ones).
        full_only: std::sync::atomic::AtomicBool,
        /// Every cache write, in order.
        written: Mutex<Vec<String>>,
        /// A cached file read back changed after its first read (a cache
        /// rewritten under the client).
        changes_after_read: Mutex<Option<String>>,
        reads: Mutex<BTreeMap<String, usize>>,
    }

    impl Db {
        fn new(change: Option<usize>) -> Db {
            Self::sized(change, 300)
        }

        fn sized(change: Option<usize>, count: usize) -> Db {
            let signer = Signer::from_seed("test.db", &[7u8; 32]).unwrap();
            let records: Vec<(String, String, Vec<u8>)> = (0..count)
                .map(|i| {
                    let (p, v) = (format!("example.com/m{i}"), "v1.0.0".to_string());
                    let h = if Some(i) == change {
                        "h1:forked="
                    } else {
                        "h1:abc="
                    };
                    let text = format!("{p} {v} {h}\n{p} {v}/go.mod h1:def=\n").into_bytes();
                    (p, v, text)
                })
                .collect();
            let texts: Vec<Vec<u8>> = records.iter().map(|r| r.2.clone()).collect();
            let stored = tlog::stored_hashes(&texts);
            Db {
                signer,
                records,
                stored,
                remote: Default::default(),
                config: Default::default(),
                cache: Default::default(),
                full_only: Default::default(),
                written: Default::default(),
                changes_after_read: Default::default(),
                reads: Default::default(),
            }
        }

        fn note_at(&self, n: i64) -> Vec<u8> {
            let tree = tlog::tree_of(n, &self.stored);
            let text = tlog::format_tree(&tree);
            note::sign(
                &Note {
                    text,
                    sigs: vec![],
                    unverified: vec![],
                },
                &[&self.signer],
            )
            .unwrap()
            .into_bytes()
        }

        /// Serves record `i`'s lookup with the tree note of size `head`.
        fn serve(&self, i: usize, head: i64) {
            let (p, v, text) = &self.records[i];
            let mut body = tlog::format_record(i as i64, text).unwrap();
            body.extend(self.note_at(head));
            self.remote
                .lock()
                .unwrap()
                .insert(format!("lookup/{p}@{v}"), body);
        }

        fn verifier(&self) -> Verifier {
            self.signer.verifier()
        }
    }

    impl ClientOps for Db {
        fn read_remote(&self, path: &str) -> Result<Option<Vec<u8>>, String> {
            if let Some(d) = self.remote.lock().unwrap().get(path) {
                return Ok(Some(d.clone()));
            }
            let Ok(t) = Tile::parse(path) else {
                return Ok(None);
            };
            if t.l == 0 && !t.is_full() && self.full_only.load(std::sync::atomic::Ordering::Relaxed)
            {
                return Ok(None);
            }
            let last = (t.n << t.h) + i64::from(t.w);
            let size = (self.records.len() as i64) >> ((t.l as u32) * u32::from(t.h));
            Ok((last <= size).then(|| tlog::tile_data(&t, &self.stored)))
        }
        fn read_config(&self, file: &str) -> Result<Option<Vec<u8>>, String> {
            Ok(self.config.lock().unwrap().get(file).cloned())
        }
        fn write_config(&self, file: &str, data: &[u8]) -> Result<(), String> {
            self.config
                .lock()
                .unwrap()
                .insert(file.to_string(), data.to_vec());
            Ok(())
        }
        fn read_cache(&self, file: &str) -> Option<Vec<u8>> {
            let mut reads = self.reads.lock().unwrap();
            let n = reads.entry(file.to_string()).or_insert(0);
            *n += 1;
            let mut data = self.cache.lock().unwrap().get(file).cloned();
            if *n > 1
                && self.changes_after_read.lock().unwrap().as_deref() == Some(file)
                && let Some(d) = data.as_mut()
                && let Some(last) = d.last_mut()
            {
                *last ^= 1;
            }
            data
        }
        fn write_cache(&self, file: &str, data: &[u8]) {
            self.written.lock().unwrap().push(file.to_string());
            self.cache
                .lock()
                .unwrap()
                .insert(file.to_string(), data.to_vec());
        }
    }

    #[test]
    fn lookups_at_several_heads_verify_and_advance_latest() {
        let db = Db::new(None);
        db.serve(3, 5);
        db.serve(200, 260);
        db.serve(10, 20);
        let c = Client::new(db.verifier(), &db);
        assert_eq!(
            c.lookup("example.com/m3", "v1.0.0").unwrap(),
            ["example.com/m3 v1.0.0 h1:abc="]
        );
        assert_eq!(c.latest("x").unwrap().n, 5);
        assert_eq!(
            c.lookup("example.com/m200", "v1.0.0/go.mod").unwrap(),
            ["example.com/m200 v1.0.0/go.mod h1:def="]
        );
        assert_eq!(c.latest("x").unwrap().n, 260);
        // An older head is checked against the latest, which stays.
        c.lookup("example.com/m10", "v1.0.0").unwrap();
        assert_eq!(c.latest("x").unwrap().n, 260);
        assert_eq!(
            db.config.lock().unwrap().get("test.db/latest").cloned(),
            Some(db.note_at(260))
        );
        // A fresh client with the same config and cache needs no remote.
        db.remote.lock().unwrap().clear();
        let again = Client::new(db.verifier(), &db);
        again.lookup("example.com/m3", "v1.0.0").unwrap();
    }

    /// `err` is a tile that does not hash to its parent or the signed root.
    fn assert_inconsistent_tile(err: &ClientError) {
        assert!(
            matches!(
                err,
                ClientError::Log {
                    error: TlogError::InconsistentTile(_),
                    ..
                }
            ),
            "{err}"
        );
    }

    /// A bundle authenticates all its records' tiles at once, and holds
    /// exactly what the records' proofs one by one would read: each
    /// lookup, the tiles of each record's proof (the tree's right edge
    /// included) and `supported`.
    #[test]
    fn a_bundle_holds_each_records_proof_and_nothing_else() {
        struct Stored<'a>(&'a [tlog::Hash]);
        impl tlog::TileReader for Stored<'_> {
            fn read_tiles(&self, tiles: &[Tile]) -> Result<Vec<Vec<u8>>, TlogError> {
                Ok(tiles.iter().map(|t| tlog::tile_data(t, self.0)).collect())
            }
        }
        let db = Db::sized(None, 70_000);
        let head = 69_999;
        let ids = [0usize, 255, 256, 40_000, 65_535, 65_536, 69_998];
        for &i in &ids {
            db.serve(i, head);
        }
        let c = Client::new(db.verifier(), &db);
        let records: Vec<Record> = ids
            .iter()
            .map(|&i| {
                let (p, v, _) = &db.records[i];
                c.lookup_record(p, v).unwrap()
            })
            .collect();
        let bundle: BTreeMap<String, Vec<u8>> =
            c.bundle(&records, &[]).unwrap().into_iter().collect();

        let tree = tlog::tree_of(head, &db.stored);
        let stored = Stored(&db.stored);
        let reader = TileHashReader::new(tree, &stored);
        let mut want: BTreeMap<String, Vec<u8>> = BTreeMap::new();
        want.insert("supported".into(), Vec::new());
        for (r, &i) in records.iter().zip(&ids) {
            want.insert(r.lookup.clone(), bundle[&r.lookup].clone());
            let plan = reader
                .plan(&[tlog::stored_hash_index(0, i as i64)])
                .unwrap();
            for t in &plan.tiles {
                want.insert(t.path(), tlog::tile_data(t, &db.stored));
            }
        }
        assert!(want.len() > ids.len() + 8, "the proofs share few tiles");
        assert_eq!(
            bundle.keys().collect::<Vec<_>>(),
            want.keys().collect::<Vec<_>>()
        );
        assert_eq!(bundle, want);
        // Each lookup names its record and the head.
        for (r, &i) in records.iter().zip(&ids) {
            let (id, text, note) = tlog::parse_record(&bundle[&r.lookup]).unwrap();
            assert_eq!((id, text), (i as i64, &db.records[i].2[..]));
            assert_eq!(note, &db.note_at(head)[..]);
        }
        // Every tile is authenticated again, all at once: a tile changed in
        // the cache after the lookups fails the bundle.
        let again = Client::new(db.verifier(), &db);
        assert_eq!(
            again
                .bundle(&records, &[])
                .unwrap()
                .into_iter()
                .collect::<BTreeMap<_, _>>(),
            bundle
        );
        // Each tile in turn (the lookups cached them all; a tile changed
        // there is what a fresh client reads).
        let tile_paths: Vec<&String> = want.keys().filter(|k| k.starts_with("tile/")).collect();
        assert!(tile_paths.contains(&&"tile/8/0/256".to_string()));
        for path in tile_paths {
            let key = format!("test.db/{path}");
            let good = db.cache.lock().unwrap()[&key].clone();
            let mut bad = good.clone();
            bad[good.len() - 1] ^= 1;
            db.cache.lock().unwrap().insert(key.clone(), bad);
            let err = Client::new(db.verifier(), &db)
                .bundle(&records, &[])
                .unwrap_err();
            assert_inconsistent_tile(&err);
            assert!(err.is_security(), "{path}: {err}");
            db.cache.lock().unwrap().insert(key, good);
        }
        // A tile that changes after it was checked does not reach the
        // bundle: it holds the bytes that were authenticated.
        db.reads.lock().unwrap().clear();
        *db.changes_after_read.lock().unwrap() = Some("test.db/tile/8/0/256".into());
        let held: BTreeMap<String, Vec<u8>> = Client::new(db.verifier(), &db)
            .bundle(&records, &[])
            .unwrap()
            .into_iter()
            .collect();
        assert_eq!(held, bundle);
    }

    /// Each tile is written to the cache once per client however many
    /// proofs read it, and a tile the cache gave is never written back (the
    /// go client's `tileSaved`).
    #[test]
    fn each_tile_is_cached_once_and_cached_tiles_are_not_written_back() {
        let db = Db::sized(None, 600);
        for i in 0..40 {
            db.serve(i * 13, 600);
        }
        let c = Client::new(db.verifier(), &db);
        for i in 0..40 {
            c.lookup(&format!("example.com/m{}", i * 13), "v1.0.0")
                .unwrap();
            c.lookup(&format!("example.com/m{}", i * 13), "v1.0.0/go.mod")
                .unwrap();
        }
        let written = db.written.lock().unwrap().clone();
        let tiles: Vec<&String> = written.iter().filter(|f| f.contains("/tile/")).collect();
        assert!(!tiles.is_empty());
        let unique: std::collections::BTreeSet<&String> = tiles.iter().copied().collect();
        assert_eq!(
            tiles.len(),
            unique.len(),
            "tiles written again: {} writes of {} tiles",
            tiles.len(),
            unique.len()
        );
        // Each lookup cached once, when it came from the remote.
        assert_eq!(
            written.iter().filter(|f| f.contains("/lookup/")).count(),
            40
        );
        // A second client with the same cache reads everything from it and
        // writes nothing.
        db.written.lock().unwrap().clear();
        db.remote.lock().unwrap().clear();
        let again = Client::new(db.verifier(), &db);
        for i in 0..40 {
            again
                .lookup(&format!("example.com/m{}", i * 13), "v1.0.0")
                .unwrap();
        }
        assert_eq!(db.written.lock().unwrap().len(), 0);
    }

    /// Serves `body` as the lookup of `example.com/<m>@v1.0.0` and returns
    /// the error a fresh client gets for it.
    fn refused(db: &Db, m: &str, body: Vec<u8>) -> ClientError {
        db.remote
            .lock()
            .unwrap()
            .insert(format!("lookup/example.com/{m}@v1.0.0"), body);
        Client::new(db.verifier(), db)
            .lookup(&format!("example.com/{m}"), "v1.0.0")
            .unwrap_err()
    }

    #[test]
    fn tampering_is_a_security_error() {
        let db = Db::new(None);
        db.serve(3, 300);
        let key = "lookup/example.com/m3@v1.0.0".to_string();
        let good = db.remote.lock().unwrap()[&key].clone();
        let text = String::from_utf8(good.clone()).unwrap();
        // A changed hash in the record.
        let bad = text.replacen("h1:abc=", "h1:abd=", 1);
        let err = refused(&db, "m3", bad.into_bytes());
        assert!(matches!(err, ClientError::Unauthenticated { .. }), "{err}");
        assert!(err.is_security());
        // A changed tree hash in the note.
        let tree_line = tlog::format_tree(&tlog::tree_of(300, &db.stored));
        let hash_line = tree_line.lines().nth(2).unwrap();
        let mut flipped = hash_line.to_string();
        flipped.replace_range(0..1, if hash_line.starts_with('A') { "B" } else { "A" });
        let bad = text.replacen(hash_line, &flipped, 1);
        let err = refused(&db, "m3", bad.into_bytes());
        assert!(matches!(err, ClientError::Note { .. }), "{err}");
        // A record looked up under another module's name has no line for it.
        db.remote.lock().unwrap().insert(key.clone(), good.clone());
        let err = refused(&db, "m4", good.clone());
        assert!(matches!(err, ClientError::NoLine { .. }), "{err}");
        // A changed tile (nothing cached: earlier lookups cached theirs).
        db.cache.lock().unwrap().clear();
        let tile = "tile/8/0/000".to_string();
        let mut data = tlog::tile_data(&Tile::parse(&tile).unwrap(), &db.stored);
        data[40] ^= 1;
        db.remote.lock().unwrap().insert(tile, data);
        let err = Client::new(db.verifier(), &db)
            .lookup("example.com/m3", "v1.0.0")
            .unwrap_err();
        assert_inconsistent_tile(&err);
        // Another key's note.
        let other = Signer::from_seed("test.db", &[8u8; 32]).unwrap().verifier();
        db.remote.lock().unwrap().remove("tile/8/0/000");
        let err = Client::new(other, &db)
            .lookup("example.com/m3", "v1.0.0")
            .unwrap_err();
        assert!(matches!(err, ClientError::Note { .. }), "{err}");
    }

    /// A client that has verified a head still checks every note that is
    /// not byte for byte that head: a note at the same tree with a changed
    /// signature, or a changed tree hash, is refused.
    #[test]
    fn a_known_head_does_not_excuse_a_different_note() {
        let db = Db::new(None);
        db.serve(3, 300);
        db.serve(4, 300);
        let c = Client::new(db.verifier(), &db);
        c.lookup("example.com/m3", "v1.0.0").unwrap();
        let key = "lookup/example.com/m4@v1.0.0".to_string();
        let good = String::from_utf8(db.remote.lock().unwrap()[&key].clone()).unwrap();
        // The signature line is the last one: flip a byte of its base64.
        let sig = good.trim_end().lines().last().unwrap().to_string();
        let mut flipped = sig.clone();
        let at = sig.len() - 3;
        let with = if &sig[at..at + 1] == "A" { "B" } else { "A" };
        flipped.replace_range(at..at + 1, with);
        db.remote
            .lock()
            .unwrap()
            .insert(key.clone(), good.replacen(&sig, &flipped, 1).into_bytes());
        let err = c.lookup("example.com/m4", "v1.0.0").unwrap_err();
        assert!(matches!(err, ClientError::Note { .. }), "{err}");
        let tree_line = tlog::format_tree(&tlog::tree_of(300, &db.stored));
        let hash_line = tree_line.lines().nth(2).unwrap();
        let mut changed = hash_line.to_string();
        changed.replace_range(0..1, if hash_line.starts_with('A') { "B" } else { "A" });
        db.remote.lock().unwrap().insert(
            key.clone(),
            good.replacen(hash_line, &changed, 1).into_bytes(),
        );
        let err = c.lookup("example.com/m4", "v1.0.0").unwrap_err();
        assert!(matches!(err, ClientError::Note { .. }), "{err}");
        // The good answer still verifies.
        db.remote.lock().unwrap().insert(key, good.into_bytes());
        c.lookup("example.com/m4", "v1.0.0").unwrap();
    }

    /// A database that shows two histories to one client (a fork) is
    /// caught when the second contradicts the latest tree.
    #[test]
    fn a_forked_log_is_misbehavior() {
        let honest = Db::new(None);
        honest.serve(3, 100);
        let c = Client::new(honest.verifier(), &honest);
        c.lookup("example.com/m3", "v1.0.0").unwrap();
        let forked = Db::new(Some(50));
        forked.serve(3, 200);
        // The client's state (latest 100 of the honest log) against the fork.
        forked
            .config
            .lock()
            .unwrap()
            .insert("test.db/latest".into(), honest.note_at(100));
        let err = Client::new(forked.verifier(), &forked)
            .lookup("example.com/m3", "v1.0.0")
            .unwrap_err();
        assert!(
            matches!(
                err,
                ClientError::Misbehavior {
                    older: 100,
                    newer: 200,
                    ..
                }
            ),
            "{err}"
        );
    }

    /// Partial tiles may be answered by the full tile, cut down (the go
    /// client's fallback), from the remote or from the cache.
    #[test]
    fn full_tiles_stand_in_for_partial_ones() {
        use std::sync::atomic::Ordering::Relaxed;
        // Head 300 of a 600-record log needs tile/8/0/001.p/44; the remote
        // only has the full tile/8/0/001.
        let db = Db::sized(None, 600);
        db.full_only.store(true, Relaxed);
        db.serve(3, 300);
        let c = Client::new(db.verifier(), &db);
        c.lookup("example.com/m3", "v1.0.0").unwrap();
        // From the cache: a cached full tile answers, the remote has none.
        let db = Db::sized(None, 600);
        db.full_only.store(true, Relaxed);
        db.serve(3, 300);
        let full = Tile::parse("tile/8/0/001").unwrap();
        db.cache.lock().unwrap().insert(
            "test.db/tile/8/0/001".into(),
            tlog::tile_data(&full, &db.stored),
        );
        db.remote
            .lock()
            .unwrap()
            .insert("tile/8/0/001".into(), b"not this".to_vec());
        let c = Client::new(db.verifier(), &db);
        c.lookup("example.com/m3", "v1.0.0").unwrap();
        // Neither: the partial tile cannot be had.
        let db = Db::sized(None, 300);
        db.full_only.store(true, Relaxed);
        db.serve(3, 300);
        let err = Client::new(db.verifier(), &db)
            .lookup("example.com/m3", "v1.0.0")
            .unwrap_err();
        assert!(matches!(err, ClientError::Io { .. }), "{err}");
        assert!(!err.is_security(), "a missing tile is not a lie");
    }
}
