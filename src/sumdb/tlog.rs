//! The checksum database's transparency log (golang.org/x/mod/sumdb/tlog,
//! RFC 6962 §2.1): record and node hashes, the stored-hash order, tree
//! hashes, the tree note and lookup record formats, and hash tiles.
//!
//! [`TileHashReader`] is how a client trusts anything: given a signed tree
//! (size and root hash) it plans the tiles holding the hashes asked for,
//! fetches them through a [`TileReader`], recomputes the root from the
//! tree's right-edge tiles, checks every other tile against its parent's
//! hash (the 2026 fix: *every* tile, including the first ones of a chain),
//! and only then returns hashes. A record's leaf hash read this way proves
//! its inclusion; the tree hash of an older size read this way proves the
//! older tree is a prefix (consistency), exactly as the go client does.

use std::collections::HashMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::dirhash::Sha256;

/// A SHA-256 hash in the log.
pub type Hash = [u8; 32];

/// The size of one hash.
pub const HASH_SIZE: usize = 32;

/// The largest tree size accepted (2^48 records, millions of times the
/// public log): Go accepts any int64, but hash indexes of sizes near 2^63
/// overflow, and a note claiming one can only be hostile.
pub const MAX_TREE_SIZE: i64 = 1 << 48;

/// The tile height the go command uses.
pub const TILE_HEIGHT: u8 = 8;

/// Why log data is refused. The texts follow the go client's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TlogError {
    /// A tree note that does not parse.
    #[error("malformed tree note")]
    MalformedTree,
    /// A lookup record that does not parse.
    #[error("malformed record data")]
    MalformedRecord,
    /// Record text the log never holds (empty, blank lines, control
    /// characters, no final newline).
    #[error("invalid record text {0:?}")]
    BadRecordText(String),
    /// A tile path that is not canonical.
    #[error("malformed tile path {0:?}")]
    BadTilePath(String),
    /// A tile whose length is not what was asked for.
    #[error("read {got} bytes for tile {tile}, expected {want}")]
    TileLength {
        /// The tile's path.
        tile: String,
        /// Bytes read.
        got: usize,
        /// Bytes expected.
        want: usize,
    },
    /// The tiles do not reproduce the signed tree hash, or a tile does not
    /// hash to its parent's entry: the server (or a bundle) is lying.
    #[error("downloaded inconsistent tile {0}")]
    InconsistentTile(String),
    /// A hash index outside the tree.
    #[error("indexes not in tree of size {0}")]
    NotInTree(i64),
    /// A tile that cannot hold the hash asked of it.
    #[error("index {index} is not in tile {tile}")]
    WrongTile {
        /// The stored-hash index.
        index: i64,
        /// The tile.
        tile: String,
    },
    /// The tile reader failed.
    #[error("reading tiles: {0}")]
    Read(String),
}

/// The leaf hash of a record: SHA-256(0x00 ‖ text).
pub fn record_hash(text: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(text);
    h.finalize()
}

/// The hash of an interior node: SHA-256(0x01 ‖ left ‖ right).
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize()
}

/// The hash of the empty tree, SHA-256 of nothing.
pub fn empty_tree_hash() -> Hash {
    Sha256::digest([])
}

/// Where the `n`th hash at `level` is stored in the log's linear order:
/// level L's n'th hash comes right after level L+1's (2n+1)'th, and level
/// 0's n'th at n + n/2 + n/4 + … .
pub fn stored_hash_index(level: u32, n: i64) -> i64 {
    let mut n = n;
    for _ in 0..level {
        n = 2 * n + 1;
    }
    let mut i = 0i64;
    while n > 0 {
        i += n;
        n >>= 1;
    }
    i + i64::from(level)
}

/// The (level, n) of a stored-hash index: the inverse of
/// [`stored_hash_index`].
pub fn split_stored_hash_index(index: i64) -> (u32, i64) {
    // The level-0 record stored last before `index`: stored_hash_index(0,
    // n) < 2n, so n lies in [index/2, index/2 + log2(index)].
    let mut n = index / 2;
    let mut at = stored_hash_index(0, n);
    loop {
        // Record n+1 adds one hash plus one per subtree it completes.
        let next = at + 1 + i64::from((n + 1).trailing_zeros());
        if next > index {
            break;
        }
        n += 1;
        at = next;
    }
    let level = (index - at) as u32;
    (level, n >> level)
}

/// How many hashes a log of `n` records stores.
pub fn stored_hash_count(n: i64) -> i64 {
    if n == 0 {
        return 0;
    }
    let mut count = stored_hash_index(0, n - 1) + 1;
    let mut i = (n - 1) as u64;
    while i & 1 != 0 {
        count += 1;
        i >>= 1;
    }
    count
}

/// The largest power of two below `n` (n > 1) and its log.
fn maxpow2(n: i64) -> (i64, u32) {
    let mut l = 0u32;
    while (1i64 << (l + 1)) < n {
        l += 1;
    }
    (1i64 << l, l)
}

/// The stored-hash indexes of the maximal complete subtrees covering
/// records [lo, hi), left to right.
fn sub_tree_index(mut lo: i64, hi: i64) -> Vec<i64> {
    let mut out = Vec::new();
    while lo < hi {
        let (k, level) = maxpow2(hi - lo + 1);
        out.push(stored_hash_index(level, lo >> level));
        lo += k;
    }
    out
}

/// The root from the subtree hashes of [`sub_tree_index`]: folded from the
/// right.
fn fold_sub_trees(hashes: &[Hash]) -> Hash {
    let mut iter = hashes.iter().rev();
    let mut h = *iter.next().unwrap_or(&empty_tree_hash());
    for left in iter {
        h = node_hash(left, &h);
    }
    h
}

/// A signed tree: its size and root hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tree {
    /// Records in the tree.
    pub n: i64,
    /// The root hash.
    pub hash: Hash,
}

/// The tree note text: `go.sum database tree\n<N>\n<base64 hash>\n`.
pub fn format_tree(tree: &Tree) -> String {
    format!(
        "go.sum database tree\n{}\n{}\n",
        tree.n,
        STANDARD.encode(tree.hash)
    )
}

/// Parses a tree note text (extra lines after the hash are ignored, as
/// the go client ignores them).
pub fn parse_tree(text: &[u8]) -> Result<Tree, TlogError> {
    let text = std::str::from_utf8(text).map_err(|_| TlogError::MalformedTree)?;
    let rest = text
        .strip_prefix("go.sum database tree\n")
        .ok_or(TlogError::MalformedTree)?;
    if text.len() > 1_000_000 {
        return Err(TlogError::MalformedTree);
    }
    let mut lines = rest.splitn(3, '\n');
    let (Some(n), Some(h), Some(_)) = (lines.next(), lines.next(), lines.next()) else {
        return Err(TlogError::MalformedTree);
    };
    let canonical =
        !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) && (n == "0" || !n.starts_with('0'));
    let n: i64 = n
        .parse()
        .ok()
        .filter(|n| canonical && *n <= MAX_TREE_SIZE)
        .ok_or(TlogError::MalformedTree)?;
    let hash: Hash = STANDARD
        .decode(h)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or(TlogError::MalformedTree)?;
    Ok(Tree { n, hash })
}

/// Whether `text` is record text the log can hold: UTF-8 with no control
/// characters but newlines, no blank line, ending in a newline.
fn is_valid_record_text(text: &[u8]) -> bool {
    let Ok(s) = std::str::from_utf8(text) else {
        return false;
    };
    !s.is_empty()
        && s.ends_with('\n')
        && !s.contains("\n\n")
        && !s.chars().any(|c| c < ' ' && c != '\n')
}

/// A lookup record: `<id>\n<text>\n` (the text's lines, then a blank line).
pub fn format_record(id: i64, text: &[u8]) -> Result<Vec<u8>, TlogError> {
    if !is_valid_record_text(text) {
        return Err(TlogError::BadRecordText(
            String::from_utf8_lossy(text).into_owned(),
        ));
    }
    let mut out = format!("{id}\n").into_bytes();
    out.extend_from_slice(text);
    out.push(b'\n');
    Ok(out)
}

/// Splits a lookup response into (id, record text, rest): the rest is the
/// signed tree note that follows the record's blank line.
pub fn parse_record(msg: &[u8]) -> Result<(i64, &[u8], &[u8]), TlogError> {
    let bad = TlogError::MalformedRecord;
    let nl = msg.iter().position(|&b| b == b'\n').ok_or(bad.clone())?;
    let id = std::str::from_utf8(&msg[..nl]).map_err(|_| bad.clone())?;
    let canonical = !id.is_empty()
        && id.bytes().all(|b| b.is_ascii_digit())
        && (id == "0" || !id.starts_with('0'));
    let id: i64 = id
        .parse()
        .ok()
        .filter(|id| canonical && *id < MAX_TREE_SIZE)
        .ok_or(bad.clone())?;
    let body = &msg[nl + 1..];
    let end = body
        .windows(2)
        .position(|w| w == b"\n\n")
        .ok_or(bad.clone())?;
    let text = &body[..end + 1];
    if !is_valid_record_text(text) {
        return Err(bad);
    }
    Ok((id, text, &body[end + 2..]))
}

/// A hash tile: `w` consecutive hashes at tree level `l·h` (or, for
/// `l == -1`, record data) starting at index `n·2^h`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Tile {
    /// Height (the go command uses 8).
    pub h: u8,
    /// Tile level; -1 is the data tile.
    pub l: i32,
    /// Tile index at that level.
    pub n: i64,
    /// Width: hashes in the tile (2^h when full).
    pub w: u32,
}

impl Tile {
    /// Whether the tile is full.
    pub fn is_full(&self) -> bool {
        self.w == 1 << self.h
    }

    /// Its path: `tile/<h>/<l|data>/<n in base-1000 elements, all but the
    /// last prefixed x>[.p/<w>]`.
    pub fn path(&self) -> String {
        let mut n = self.n;
        let mut s = format!("{:03}", n % 1000);
        while n >= 1000 {
            n /= 1000;
            s = format!("x{:03}/{s}", n % 1000);
        }
        let partial = if self.is_full() {
            String::new()
        } else {
            format!(".p/{}", self.w)
        };
        let level = if self.l == -1 {
            "data".to_string()
        } else {
            self.l.to_string()
        };
        format!("tile/{}/{level}/{s}{partial}", self.h)
    }

    /// Parses a tile path; only the canonical form [`Tile::path`] writes is
    /// accepted.
    pub fn parse(path: &str) -> Result<Tile, TlogError> {
        let bad = || TlogError::BadTilePath(path.to_string());
        let mut f: Vec<&str> = path.split('/').collect();
        if f.len() < 4 || f[0] != "tile" {
            return Err(bad());
        }
        let h: u8 = f[1].parse().map_err(|_| bad())?;
        let data = f[2] == "data";
        let l: i32 = if data {
            -1
        } else {
            f[2].parse().map_err(|_| bad())?
        };
        if !(1..=30).contains(&h) || (l < 0 && !data) {
            return Err(bad());
        }
        let mut w: u32 = 1 << h;
        let k = f.len() - 2;
        let stripped;
        if let Some(s) = f[k].strip_suffix(".p") {
            let ww: u32 = f[k + 1].parse().map_err(|_| bad())?;
            if ww == 0 || ww >= w {
                return Err(bad());
            }
            w = ww;
            stripped = s.to_string();
            f[k] = &stripped;
            f.pop();
        }
        let mut n = 0i64;
        for s in &f[3..] {
            let s = s.strip_prefix('x').unwrap_or(s);
            let v: i64 = s.parse().map_err(|_| bad())?;
            if !(0..1000).contains(&v) {
                return Err(bad());
            }
            n = n
                .checked_mul(1000)
                .and_then(|x| x.checked_add(v))
                .ok_or_else(bad)?;
        }
        let t = Tile { h, l, n, w };
        if t.path() != path {
            return Err(bad());
        }
        Ok(t)
    }

    /// The tile holding stored hash `index`, the smallest one that does
    /// (its width ends at the hash), and the byte range of the hashes the
    /// stored hash is computed from.
    fn for_index(h: u8, index: i64) -> (Tile, usize, usize) {
        let (level, n) = split_stored_hash_index(index);
        let h32 = u32::from(h);
        let l = level / h32;
        let within = level - l * h32;
        let tn = (n << within) >> h32;
        let n_in = n - ((tn << h32) >> within);
        let tile = Tile {
            h,
            l: l as i32,
            n: tn,
            w: ((n_in + 1) << within) as u32,
        };
        let start = ((n_in << within) as usize) * HASH_SIZE;
        let end = (((n_in + 1) << within) as usize) * HASH_SIZE;
        (tile, start, end)
    }

    /// The tile `k` levels above, widened to the tree of size `n`'s right
    /// edge (partial when the tree ends inside it); `None` past the edge.
    fn parent(&self, k: i32, n: i64) -> Option<Tile> {
        let mut t = *self;
        t.l += k;
        t.n >>= (k as u32) * u32::from(t.h);
        t.w = 1 << t.h;
        let max = n >> ((t.l as u32) * u32::from(t.h));
        let start = t.n << t.h;
        if start + i64::from(t.w) >= max {
            if start >= max {
                return None;
            }
            t.w = (max - start) as u32;
        }
        Some(t)
    }
}

/// The hash of a power-of-two run of hashes in a tile.
fn tile_hash(data: &[u8]) -> Hash {
    if data.len() == HASH_SIZE {
        let mut h = [0u8; 32];
        h.copy_from_slice(data);
        return h;
    }
    let mid = data.len() / 2;
    node_hash(&tile_hash(&data[..mid]), &tile_hash(&data[mid..]))
}

/// Stored hash `index` from tile `t`'s `data`.
pub fn hash_from_tile(t: &Tile, data: &[u8], index: i64) -> Result<Hash, TlogError> {
    if !(1..=30).contains(&t.h) || t.l < 0 || t.l >= 64 || t.w < 1 || t.w > 1 << t.h {
        return Err(TlogError::BadTilePath(t.path()));
    }
    if data.len() < t.w as usize * HASH_SIZE {
        return Err(TlogError::TileLength {
            tile: t.path(),
            got: data.len(),
            want: t.w as usize * HASH_SIZE,
        });
    }
    let (t1, start, end) = Tile::for_index(t.h, index);
    if t.l != t1.l || t.n != t1.n || t.w < t1.w {
        return Err(TlogError::WrongTile {
            index,
            tile: t.path(),
        });
    }
    Ok(tile_hash(&data[start..end]))
}

/// Where tiles come from (a server, a bundle, a cache), all at once so a
/// reader can fetch them concurrently.
pub trait TileReader {
    /// The bytes of each tile, in order.
    fn read_tiles(&self, tiles: &[Tile]) -> Result<Vec<Vec<u8>>, TlogError>;

    /// Called with tiles once they are authenticated (a cache may keep
    /// them).
    fn save_tiles(&self, _tiles: &[Tile], _data: &[Vec<u8>]) {}
}

/// Reads stored hashes of a signed tree through tiles, authenticating
/// every tile before any hash is returned.
pub struct TileHashReader<'a, R: TileReader + ?Sized> {
    tree: Tree,
    reader: &'a R,
    height: u8,
}

impl<'a, R: TileReader + ?Sized> TileHashReader<'a, R> {
    /// A reader for `tree` with the go command's tiles ([`TILE_HEIGHT`]).
    pub fn new(tree: Tree, reader: &'a R) -> Self {
        Self::with_height(tree, reader, TILE_HEIGHT)
    }

    /// A reader for `tree` with tiles of height `height` (1 to 30).
    pub fn with_height(tree: Tree, reader: &'a R, height: u8) -> Self {
        TileHashReader {
            tree,
            reader,
            height: height.clamp(1, 30),
        }
    }

    /// The tiles [`TileHashReader::read_hashes`] fetches for `indexes`:
    /// the tree's right-edge tiles first (they reproduce the root), then,
    /// for each index, the chain of full tiles from the first ancestor
    /// already planned down to the tile holding it. Also returns how many
    /// of the tiles are right-edge tiles, each subtree's tile, and each
    /// index's tile.
    pub fn plan(&self, indexes: &[i64]) -> Result<Plan, TlogError> {
        let n = self.tree.n;
        let h = self.height;
        let mut tiles: Vec<Tile> = Vec::new();
        // Where each tile is in `tiles`: a plan for many indexes (a bundle's
        // records) stays linear in their number.
        let mut at: HashMap<Tile, usize> = HashMap::new();
        let stx = sub_tree_index(0, n);
        let mut stx_tile = Vec::with_capacity(stx.len());
        for &x in &stx {
            let (t, _, _) = Tile::for_index(h, x);
            let t = t.parent(0, n).ok_or(TlogError::NotInTree(n))?;
            match at.get(&t) {
                Some(&j) => stx_tile.push(j),
                None => {
                    at.insert(t, tiles.len());
                    stx_tile.push(tiles.len());
                    tiles.push(t);
                }
            }
        }
        let edge = tiles.len();
        let limit = stored_hash_index(0, n);
        let mut index_tile = Vec::with_capacity(indexes.len());
        for &x in indexes {
            if x < 0 || x >= limit {
                return Err(TlogError::NotInTree(n));
            }
            let (t, _, _) = Tile::for_index(h, x);
            // Up to the first ancestor already planned…
            let mut k = 0;
            let found = loop {
                let p = t.parent(k, n).ok_or(TlogError::NotInTree(n))?;
                if let Some(&j) = at.get(&p) {
                    break j;
                }
                k += 1;
            };
            if k == 0 {
                index_tile.push(found);
                continue;
            }
            // …then back down, parents before children; a tile with a
            // parent is full.
            let mut own = found;
            for kk in (0..k).rev() {
                let p = t.parent(kk, n).ok_or(TlogError::NotInTree(n))?;
                if !p.is_full() {
                    return Err(TlogError::InconsistentTile(p.path()));
                }
                own = tiles.len();
                at.insert(p, own);
                tiles.push(p);
            }
            index_tile.push(own);
        }
        Ok(Plan {
            tiles,
            edge,
            stx,
            stx_tile,
            index_tile,
        })
    }

    /// The stored hashes at `indexes`, each authenticated against the tree.
    pub fn read_hashes(&self, indexes: &[i64]) -> Result<Vec<Hash>, TlogError> {
        let plan = self.plan(indexes)?;
        let data = self.reader.read_tiles(&plan.tiles)?;
        if data.len() != plan.tiles.len() {
            return Err(TlogError::Read(format!(
                "{} tiles for {} asked",
                data.len(),
                plan.tiles.len()
            )));
        }
        for (t, d) in plan.tiles.iter().zip(&data) {
            if d.len() != t.w as usize * HASH_SIZE {
                return Err(TlogError::TileLength {
                    tile: t.path(),
                    got: d.len(),
                    want: t.w as usize * HASH_SIZE,
                });
            }
        }
        // The right-edge tiles must reproduce the signed root.
        let mut sub = Vec::with_capacity(plan.stx.len());
        for (x, &j) in plan.stx.iter().zip(&plan.stx_tile) {
            sub.push(hash_from_tile(&plan.tiles[j], &data[j], *x)?);
        }
        if self.tree.n > 0 && fold_sub_trees(&sub) != self.tree.hash {
            return Err(TlogError::InconsistentTile(
                plan.tiles
                    .iter()
                    .take(plan.edge)
                    .map(Tile::path)
                    .collect::<Vec<_>>()
                    .join(", "),
            ));
        }
        // Every other tile must hash to its parent's entry.
        let mut at: HashMap<Tile, usize> = HashMap::with_capacity(plan.tiles.len());
        for (j, t) in plan.tiles.iter().enumerate() {
            at.entry(*t).or_insert(j);
        }
        for i in plan.edge..plan.tiles.len() {
            let t = plan.tiles[i];
            let p = t
                .parent(1, self.tree.n)
                .ok_or(TlogError::InconsistentTile(t.path()))?;
            let &j = at.get(&p).ok_or(TlogError::InconsistentTile(t.path()))?;
            let want = hash_from_tile(
                &p,
                &data[j],
                stored_hash_index((p.l as u32) * u32::from(p.h), t.n),
            )?;
            if want != tile_hash(&data[i]) {
                return Err(TlogError::InconsistentTile(t.path()));
            }
        }
        self.reader.save_tiles(&plan.tiles, &data);
        indexes
            .iter()
            .zip(&plan.index_tile)
            .map(|(x, &j)| hash_from_tile(&plan.tiles[j], &data[j], *x))
            .collect()
    }

    /// The tree hash of the first `n` records (n ≤ the tree's size): for
    /// an older tree, equal to its signed hash exactly when it is a prefix
    /// of this one.
    pub fn tree_hash(&self, n: i64) -> Result<Hash, TlogError> {
        if n == 0 {
            return Ok(empty_tree_hash());
        }
        let hashes = self.read_hashes(&sub_tree_index(0, n))?;
        Ok(fold_sub_trees(&hashes))
    }

    /// Whether record `id`'s leaf hash in this tree is `record_hash(text)`.
    pub fn check_record(&self, id: i64, text: &[u8]) -> Result<bool, TlogError> {
        if id < 0 || id >= self.tree.n {
            return Err(TlogError::NotInTree(self.tree.n));
        }
        let got = self.read_hashes(&[stored_hash_index(0, id)])?;
        Ok(got.first() == Some(&record_hash(text)))
    }
}

/// The tiles a [`TileHashReader`] reads for some hashes.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Every tile, right-edge tiles first, parents before children.
    pub tiles: Vec<Tile>,
    /// How many of `tiles` are the right-edge tiles.
    pub edge: usize,
    stx: Vec<i64>,
    stx_tile: Vec<usize>,
    index_tile: Vec<usize>,
}

/// Every stored hash of a log, in stored order, from its records' texts:
/// what a server (or a test database) keeps.
pub fn stored_hashes(records: &[Vec<u8>]) -> Vec<Hash> {
    let mut out: Vec<Hash> = Vec::new();
    for (i, r) in records.iter().enumerate() {
        let mut h = record_hash(r);
        out.push(h);
        // Each completed subtree adds its hash.
        let mut n = i as u64;
        let mut level = 0u32;
        while n & 1 == 1 {
            let left_index = stored_hash_index(level, (i as i64 >> level) - 1);
            let left = out[left_index as usize];
            h = node_hash(&left, &h);
            out.push(h);
            n >>= 1;
            level += 1;
        }
    }
    out
}

/// The tree of a log from its stored hashes.
pub fn tree_of(n: i64, stored: &[Hash]) -> Tree {
    let hash = if n == 0 {
        empty_tree_hash()
    } else {
        let hashes: Vec<Hash> = sub_tree_index(0, n)
            .into_iter()
            .map(|x| stored[x as usize])
            .collect();
        fold_sub_trees(&hashes)
    };
    Tree { n, hash }
}

/// The bytes of hash tile `t` of a log of `n` records, from its stored
/// hashes (the hashes at level `t.l·t.h`, `t.w` of them from `t.n·2^h`).
pub fn tile_data(t: &Tile, stored: &[Hash]) -> Vec<u8> {
    let level = (t.l as u32) * u32::from(t.h);
    let mut out = Vec::with_capacity(t.w as usize * HASH_SIZE);
    for i in 0..i64::from(t.w) {
        let x = stored_hash_index(level, (t.n << t.h) + i);
        out.extend_from_slice(&stored[x as usize]);
    }
    out
}

/// The tiles a log stores when it grows from `old` to `new` records (Go's
/// `NewTiles`): at each level, the tiles completed in between and the new
/// partial tile at the right edge.
pub fn new_tiles(h: u8, old: i64, new: i64) -> Vec<Tile> {
    let hh = u32::from(h);
    let mut out = Vec::new();
    let mut level = 0u32;
    while hh * level < 63 && new >> (hh * level) > 0 {
        let old_n = old >> (hh * level);
        let new_n = new >> (hh * level);
        if old_n != new_n {
            for n in (old_n >> hh)..(new_n >> hh) {
                out.push(Tile {
                    h,
                    l: level as i32,
                    n,
                    w: 1 << h,
                });
            }
            let n = new_n >> hh;
            let w = new_n - (n << hh);
            if w > 0 {
                out.push(Tile {
                    h,
                    l: level as i32,
                    n,
                    w: w as u32,
                });
            }
        }
        level += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Serves tiles of a log from its stored hashes, optionally corrupting
    /// one tile, and records what was asked.
    struct Log {
        stored: Vec<Hash>,
        corrupt: Option<String>,
        asked: std::sync::Mutex<Vec<String>>,
    }

    impl TileReader for Log {
        fn read_tiles(&self, tiles: &[Tile]) -> Result<Vec<Vec<u8>>, TlogError> {
            Ok(tiles
                .iter()
                .map(|t| {
                    self.asked.lock().unwrap().push(t.path());
                    let mut d = tile_data(t, &self.stored);
                    if self.corrupt.as_deref() == Some(&t.path()) {
                        d[0] ^= 1;
                    }
                    d
                })
                .collect())
        }
    }

    fn log(n: usize) -> (Vec<Vec<u8>>, Log) {
        let records: Vec<Vec<u8>> = (0..n).map(|i| format!("leaf {i}\n").into_bytes()).collect();
        let stored = stored_hashes(&records);
        assert_eq!(stored.len() as i64, stored_hash_count(n as i64));
        let log = Log {
            stored,
            corrupt: None,
            asked: Default::default(),
        };
        (records, log)
    }

    #[test]
    fn absurd_sizes_are_refused_not_overflowed() {
        let zero = STANDARD.encode([0u8; 32]);
        let huge = format!("go.sum database tree\n{}\n{zero}\n", i64::MAX);
        assert_eq!(parse_tree(huge.as_bytes()), Err(TlogError::MalformedTree));
        let record = format!("{}\nm v1.0.0 h1:x=\n\n", i64::MAX);
        assert!(parse_record(record.as_bytes()).is_err());
        let ok = format!("go.sum database tree\n{MAX_TREE_SIZE}\n{zero}\n");
        assert_eq!(parse_tree(ok.as_bytes()).unwrap().n, MAX_TREE_SIZE);
        // Planning at the largest size does not overflow.
        let log = Log {
            stored: Vec::new(),
            corrupt: None,
            asked: Default::default(),
        };
        let tree = Tree {
            n: MAX_TREE_SIZE,
            hash: [0; 32],
        };
        let plan = TileHashReader::new(tree, &log)
            .plan(&[stored_hash_index(0, MAX_TREE_SIZE - 1)])
            .unwrap();
        assert!(!plan.tiles.is_empty());
    }

    #[test]
    fn stored_hash_index_round_trips() {
        for index in 0..5000 {
            let (level, n) = split_stored_hash_index(index);
            assert_eq!(stored_hash_index(level, n), index, "{index}");
        }
    }

    /// As x/mod's TestTree (height 2) and with the go command's height 8:
    /// every record of every tree size is proved included, and every
    /// smaller tree is proved a prefix, through authenticated tiles only.
    #[test]
    fn inclusion_and_consistency_through_tiles() {
        for (h, size) in [(2u8, 100usize), (8, 700)] {
            let (records, log) = log(size);
            let sizes: Vec<usize> = if h == 2 {
                (1..=size).collect()
            } else {
                vec![1, 255, 256, 257, 511, 513, 700]
            };
            for &n in &sizes {
                let tree = tree_of(n as i64, &log.stored);
                let r = TileHashReader::with_height(tree, &log, h);
                for id in [0, n / 2, n - 1] {
                    assert!(
                        r.check_record(id as i64, &records[id]).unwrap(),
                        "{h} {n} {id}"
                    );
                    assert!(!r.check_record(id as i64, b"other\n").unwrap());
                }
                for m in [0, 1, n / 3, n] {
                    let older = tree_of(m as i64, &log.stored);
                    assert_eq!(r.tree_hash(m as i64).unwrap(), older.hash, "{h} {n} {m}");
                }
                assert!(r.check_record(n as i64, &records[0]).is_err());
            }
        }
    }

    /// Any changed byte of any tile a read uses is caught: a right-edge
    /// tile breaks the root, a chain tile (the first of its chain too,
    /// the 2026 fix) breaks its parent's hash.
    #[test]
    fn every_tampered_tile_is_caught() {
        let (records, mut log) = log(70_000);
        let tree = tree_of(70_000, &log.stored);
        let id = 1234;
        let plan = TileHashReader::new(tree, &log)
            .plan(&[stored_hash_index(0, id)])
            .unwrap();
        assert!(plan.tiles.len() > plan.edge, "a chain below the edge");
        for t in plan.tiles.clone() {
            log.corrupt = Some(t.path());
            let r = TileHashReader::new(tree, &log);
            let err = r.check_record(id, &records[id as usize]).unwrap_err();
            assert!(
                matches!(err, TlogError::InconsistentTile(_)),
                "{}: {err}",
                t.path()
            );
        }
        log.corrupt = None;
        assert!(
            TileHashReader::new(tree, &log)
                .check_record(id, &records[id as usize])
                .unwrap()
        );
    }

    /// The closed form of the tiles a lookup needs (go-modules-B §2.4): the
    /// right-edge partial tiles (highest level first, the order the go
    /// client plans them in), then one full tile per level below the edge.
    /// Also: with 70,000 records the tree has 6 subtrees but 3 edge tiles,
    /// which is where the pre-2026 parent check began too late.
    #[test]
    fn tiles_for_one_record_match_the_worked_example() {
        let tree = Tree {
            n: 41_234_567,
            hash: [0; 32],
        };
        let log = Log {
            stored: Vec::new(),
            corrupt: None,
            asked: Default::default(),
        };
        let plan = TileHashReader::new(tree, &log)
            .plan(&[stored_hash_index(0, 1_234_567)])
            .unwrap();
        let paths: Vec<String> = plan.tiles.iter().map(Tile::path).collect();
        assert_eq!(
            paths,
            [
                "tile/8/3/000.p/2",
                "tile/8/2/002.p/117",
                "tile/8/1/629.p/48",
                "tile/8/0/x161/072.p/135",
                "tile/8/2/000",
                "tile/8/1/018",
                "tile/8/0/x004/822",
            ]
        );
    }
}
