//! How an archive's checksum-database bundle joins the bundle a tree
//! already holds (restore, both layouts: `sumdb/<name>/` of a GOPROXY tree,
//! `cache/download/sumdb/<name>/` of a module cache).
//!
//! The go command cannot combine lookups signed at different tree heads by
//! union (the offline experiments: `checking tree#A against tree#B: reading
//! …/tile/…: no such file`), so a tree keeps **one head per database**:
//!
//! - no bundle there yet, or the same head: the files are united;
//! - this archive's head is newer, its tiles prove the tree's head a prefix
//!   of it, and it holds every lookup the tree holds (an archive made with
//!   `snapshot --link` naming what was restored before): it supersedes the
//!   tree's bundle — lookups are replaced, tiles added;
//! - the tree's head is newer and already proves this archive's head and
//!   holds its lookups (the later archive was restored first): nothing to
//!   do;
//! - anything else cannot be joined offline: the tree's bundle is kept, so
//!   what works keeps working, and the archive's module versions the tree
//!   does not cover are named in a warning with the reason.
//!
//! The decision reads tree sizes and hashes from the notes without checking
//! signatures, and proves prefixes with [`crate::sumdb::tlog`] over the
//! files on disk: it only chooses which files to place. What is placed was
//! verified against the archive's manifest; signatures are checked by the
//! go command and by `modsnap verify`.

use std::collections::BTreeMap;
use std::path::Path;

use crate::fsutil::FsError;
use crate::sumdb::tlog::{self, Tile, TileHashReader, TileReader, TlogError, Tree};

/// What to place of an archive's database files.
#[derive(Debug, Default)]
pub struct JoinPlan {
    /// Relative paths to move from staging into the target (replacing a
    /// lookup there when the archive's bundle supersedes the tree's), tiles
    /// before lookups.
    pub place: Vec<String>,
    /// Files already there (the same bytes, or covered by the tree's newer
    /// bundle).
    pub kept: usize,
    /// What loses offline database coverage, and why.
    pub warnings: Vec<String>,
}

/// A parsed lookup file: record id, record text, signed note.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Lookup {
    id: i64,
    text: Vec<u8>,
    note: Vec<u8>,
}

fn parse_lookup(data: &[u8]) -> Option<Lookup> {
    let (id, text, note) = tlog::parse_record(data).ok()?;
    Some(Lookup {
        id,
        text: text.to_vec(),
        note: note.to_vec(),
    })
}

/// The tree a note names, signatures not checked.
fn note_tree(note: &[u8]) -> Option<Tree> {
    tlog::parse_tree(crate::sumdb::note::text_unverified(note)?).ok()
}

/// `path@version` from `lookup/<escaped path>@<escaped version>`.
fn lookup_module(sub: &str) -> String {
    crate::goproxy::parse_sumdb_lookup(sub).map_or_else(|| sub.to_string(), |m| m.to_string())
}

/// Tiles read from a database directory, a missing partial tile cut from
/// the full one as the go command does.
struct DirTiles<'a>(&'a Path);

impl TileReader for DirTiles<'_> {
    fn read_tiles(&self, tiles: &[Tile]) -> Result<Vec<Vec<u8>>, TlogError> {
        tiles
            .iter()
            .map(|t| {
                let want = t.w as usize * tlog::HASH_SIZE;
                let full = Tile { w: 1 << t.h, ..*t };
                for candidate in [*t, full] {
                    if let Ok(d) = std::fs::read(self.0.join(candidate.path()))
                        && d.len() >= want
                    {
                        return Ok(d[..want].to_vec());
                    }
                }
                Err(TlogError::Read(format!("{}: not found", t.path())))
            })
            .collect()
    }
}

/// Whether the tiles in `dir` prove `old` a prefix of `head`.
fn proves(dir: &Path, head: &Tree, old: &Tree) -> bool {
    old.n <= head.n
        && TileHashReader::new(*head, &DirTiles(dir))
            .tree_hash(old.n)
            .is_ok_and(|h| h == old.hash)
}

/// The lookups under `dir/lookup/`, by path under `dir`.
fn existing_lookups(dir: &Path) -> Result<BTreeMap<String, Option<Lookup>>, FsError> {
    let mut out = BTreeMap::new();
    let root = dir.join("lookup");
    if !root.is_dir() {
        return Ok(out);
    }
    for e in walkdir::WalkDir::new(&root).sort_by_file_name() {
        let e = e.map_err(|e| {
            let p = e.path().unwrap_or(&root).to_owned();
            FsError::new("read directory", &p, e.into())
        })?;
        if !e.file_type().is_file() {
            continue;
        }
        let Ok(rel) = e.path().strip_prefix(dir) else {
            continue;
        };
        let data = crate::fsutil::read(e.path())?;
        out.insert(
            rel.to_string_lossy().replace('\\', "/"),
            parse_lookup(&data),
        );
    }
    Ok(out)
}

/// Plans how the database files of an archive, staged in `staging` under
/// the relative paths of `files` (relative path → entry name
/// `sumdb/<name>/…`), join what `target` holds.
pub fn plan(
    staging: &Path,
    target: &Path,
    files: &BTreeMap<String, String>,
) -> Result<JoinPlan, FsError> {
    // Per database directory: (its path relative to the target, files by
    // path under it).
    let mut groups: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for (rel, name) in files {
        let Ok(crate::goproxy::ProxyFile::Sumdb {
            name: db,
            rest: sub,
        }) = crate::goproxy::parse(name)
        else {
            continue;
        };
        let Some(base) = rel.strip_suffix(name.as_str()) else {
            continue;
        };
        groups
            .entry(format!("{base}sumdb/{db}"))
            .or_default()
            .insert(sub, rel.clone());
    }
    let mut out = JoinPlan::default();
    for (dir, subs) in groups {
        join_one(
            &staging.join(&dir),
            &target.join(&dir),
            &dir,
            &subs,
            &mut out,
        )?;
    }
    // Tiles first, lookups last: a go command reading the tree while the
    // restore runs, or a restore cut short, never finds a lookup signed at
    // a head whose proofs are not there yet.
    out.place
        .sort_by_key(|rel| (rel.contains("/lookup/"), rel.clone()));
    Ok(out)
}

fn same_file(a: &Path, b: &Path) -> Result<Option<bool>, FsError> {
    match std::fs::symlink_metadata(b) {
        Ok(md) if md.is_file() => Ok(Some(crate::fsutil::read(a)? == crate::fsutil::read(b)?)),
        Ok(_) => Ok(Some(false)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(FsError::new("stat", b, e)),
    }
}

fn join_one(
    new_dir: &Path,
    old_dir: &Path,
    label: &str,
    subs: &BTreeMap<String, String>,
    out: &mut JoinPlan,
) -> Result<(), FsError> {
    let mut new_lookups: BTreeMap<String, Option<Lookup>> = BTreeMap::new();
    for sub in subs.keys().filter(|s| s.starts_with("lookup/")) {
        let data = crate::fsutil::read(&new_dir.join(sub))?;
        new_lookups.insert(sub.clone(), parse_lookup(&data));
    }
    let old_lookups = existing_lookups(old_dir)?;
    let heads = |m: &BTreeMap<String, Option<Lookup>>| -> Option<Vec<Vec<u8>>> {
        let mut notes: Vec<Vec<u8>> = Vec::new();
        for l in m.values() {
            let l = l.as_ref()?;
            if !notes.contains(&l.note) {
                notes.push(l.note.clone());
            }
        }
        Some(notes)
    };
    // Every file of the archive, placed unless the same bytes are there;
    // `replace` allows lookups with other bytes to be replaced.
    let unite = |replace: bool, out: &mut JoinPlan| -> Result<Option<String>, FsError> {
        let mut place = Vec::new();
        let mut kept = 0;
        for (sub, rel) in subs {
            match same_file(&new_dir.join(sub), &old_dir.join(sub))? {
                None => place.push(rel.clone()),
                Some(true) => kept += 1,
                Some(false) if sub.starts_with("lookup/") && replace => place.push(rel.clone()),
                // The same head, a lookup with other signatures: either verifies.
                Some(false) if sub.starts_with("lookup/") => kept += 1,
                Some(false) => return Ok(Some(sub.clone())),
            }
        }
        out.place.extend(place);
        out.kept += kept;
        Ok(None)
    };
    let lost = |why: String, out: &mut JoinPlan| {
        let missing: Vec<String> = new_lookups
            .iter()
            .filter(|(sub, l)| {
                old_lookups.get(*sub).is_none_or(|o| match (o, l) {
                    (Some(o), Some(l)) => o.id != l.id || o.text != l.text,
                    _ => true,
                })
            })
            .map(|(sub, _)| lookup_module(sub))
            .collect();
        if missing.is_empty() {
            return;
        }
        out.warnings.push(format!(
            "checksum database in {label}: {} module version(s) of this archive have no offline database coverage in this tree ({why}); go.sum still covers what it lists. The tree's bundle is kept. Restore into an empty tree, or snapshot again with --link naming the archive(s) already restored here. Not covered: {}",
            missing.len(),
            missing.join(", ")
        ));
    };

    let (Some(new_heads), Some(old_heads)) = (heads(&new_lookups), heads(&old_lookups)) else {
        lost(
            "a lookup file there or in the archive does not parse".into(),
            out,
        );
        return Ok(());
    };
    if old_heads.is_empty() || new_heads.is_empty() {
        if let Some(sub) = unite(false, out)? {
            lost(format!("`{sub}` is already there with other bytes"), out);
        }
        return Ok(());
    }
    let trees = |notes: &[Vec<u8>]| -> Option<Tree> {
        match notes {
            [one] => note_tree(one),
            _ => None,
        }
    };
    let (Some(new), Some(old)) = (trees(&new_heads), trees(&old_heads)) else {
        lost(
            "the tree's or the archive's lookups are signed at more than one head".into(),
            out,
        );
        return Ok(());
    };
    let holds_all = |big: &BTreeMap<String, Option<Lookup>>,
                     small: &BTreeMap<String, Option<Lookup>>| {
        small.iter().all(|(sub, l)| match (big.get(sub), l) {
            (Some(Some(b)), Some(l)) => b.id == l.id && b.text == l.text,
            _ => false,
        })
    };
    let heads_text = format!(
        "this archive's bundle is signed at tree#{}, the tree's at tree#{}",
        new.n, old.n
    );
    if new == old {
        if let Some(sub) = unite(false, out)? {
            lost(format!("`{sub}` is already there with other bytes"), out);
        }
    } else if new.n > old.n {
        if !proves(new_dir, &new, &old) {
            lost(
                format!(
                    "{heads_text}, and this archive does not prove the tree's head (it was not snapshotted with --link naming the archive restored here)"
                ),
                out,
            );
        } else if !holds_all(&new_lookups, &old_lookups) {
            lost(
                format!("{heads_text}, and this archive lacks some of the tree's lookups"),
                out,
            );
        } else if let Some(sub) = unite(true, out)? {
            lost(format!("`{sub}` is already there with other bytes"), out);
        }
    } else if proves(old_dir, &old, &new) && holds_all(&old_lookups, &new_lookups) {
        // The tree's newer bundle already covers this archive.
        out.kept += subs.len();
    } else {
        lost(
            format!("{heads_text}, and the tree's bundle does not prove and hold this archive's"),
            out,
        );
    }
    Ok(())
}
