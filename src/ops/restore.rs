//! `modsnap restore`: an archive becomes a static GOPROXY tree, or a Go
//! module cache, on the air-gapped machine.
//!
//! Both targets are written the same safe way. The target is locked
//! (`.modsnap.lock`, an advisory lock, so concurrent restores into one tree
//! take turns and no `@v/list` loses a version). Every entry is checked and
//! verified against the manifest while it streams into a staging directory
//! *inside* the target (`.modsnap-restore-<pid>-…`: the same filesystem even
//! when the target is a mount point, so the final moves are renames).
//! Merged `@v/list` files are written in staging too; free space,
//! writability and conflicts are checked before the first move, and the
//! move phase is renames only — artifacts first, lists last, so the go
//! command never sees a version whose files are not there yet. Restoring
//! into a tree that already holds other snapshots merges: identical files
//! are kept, `@v/list` files become unions, and a file whose bytes differ
//! from the archive's is an error before anything is moved — never a silent
//! overwrite. A restore interrupted by a signal removes its staging; one
//! killed outright leaves it for the next restore into the target to remove.
//!
//! The module cache layout is the go command's (cmd/go modfetch
//! `cache.go`, `fetch.go`; <https://go.dev/ref/mod#module-cache>):
//! `cache/download/<escaped path>/@v/<escaped version>.{info,mod,zip,ziphash}`
//! with `@v/list` naming the versions that have a `.mod`, and each module's
//! files extracted read-only under `<escaped path>@<escaped version>/`
//! (the zip checked against the module zip rules first). `.ziphash` holds
//! the zip's `h1:` hash, recomputed here, not copied from the manifest.
//!
//! Not here: fetching anything (restore never opens a network connection),
//! toolchains, the checksum database.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::progress::Reporter;
use crate::archive::Manifest;
use crate::archive::read::{self as aread, Check, EntryKind, ReadError};
use crate::classify::{Classify, ErrorClass};
use crate::dirhash;
use crate::fsutil::{self, FsError};
use crate::goproxy::{self, Artifact, MODCACHE_DOWNLOAD};
use crate::module::{self, ModVersion};
use crate::modzip;

/// Why a restore failed. Nothing was moved into the target.
#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    /// The archive is unreadable, unsafe or tampered with.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// Local I/O failed.
    #[error(transparent)]
    Fs(#[from] FsError),
    /// The target already holds different bytes under the same name.
    #[error("`{}` already exists with different content than the archive's {} ({} conflicting file(s)); nothing was changed; hint: restore into an empty directory, or remove the conflicting files", target.display(), module::quote(name), count)]
    Conflict {
        /// The first conflicting target file.
        target: PathBuf,
        /// Its archive entry.
        name: String,
        /// How many files conflict.
        count: usize,
    },
    /// The target cannot take the restore; found before anything moved.
    #[error("`{}`: {detail}; nothing was changed", target.display())]
    Unfit {
        /// The target directory.
        target: PathBuf,
        /// What is wrong (space, permissions).
        detail: String,
    },
    /// A move into place failed part way.
    #[error("restore stopped after moving {moved} of {total} files into `{}`: {source}; every file moved is complete — run the same restore again to finish", target.display())]
    Interrupted {
        /// The target directory.
        target: PathBuf,
        /// Files (and module directories) already moved.
        moved: usize,
        /// How many were to be moved.
        total: usize,
        /// The failure.
        source: FsError,
    },
    /// A module zip in the archive breaks the module zip rules or does not
    /// hash to the manifest's `h1:`.
    #[error("{module}: {detail} (SECURITY ERROR)")]
    BadZip {
        /// `path@version`.
        module: String,
        /// What is wrong.
        detail: String,
    },
}

impl Classify for RestoreError {
    fn class(&self) -> ErrorClass {
        match self {
            RestoreError::Read(e) => e.class(),
            RestoreError::BadZip { .. } | RestoreError::Conflict { .. } => ErrorClass::Security,
            RestoreError::Fs(_) | RestoreError::Unfit { .. } | RestoreError::Interrupted { .. } => {
                ErrorClass::Failure
            }
        }
    }
}

/// What a restore did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct RestoreReport {
    /// The target directory (absolute).
    pub target: PathBuf,
    /// Module versions in the archive.
    pub modules: usize,
    /// Files written.
    pub written: usize,
    /// Files already present with identical bytes.
    pub kept: usize,
    /// The environment lines that make the go command use the target.
    pub env: Vec<(String, String)>,
    /// Things the user should know that did not stop the restore.
    pub warnings: Vec<String>,
}

fn absolute(p: &Path) -> Result<PathBuf, FsError> {
    if p.is_absolute() {
        return Ok(p.to_owned());
    }
    let cwd =
        std::env::current_dir().map_err(|e| FsError::new("find current directory for", p, e))?;
    Ok(cwd.join(p))
}

/// The prefix of staging directories inside a target.
const STAGING: &str = ".modsnap-restore-";

/// A target directory, locked for this restore, with its staging
/// directory inside it. Dropping it removes the staging, the lock file and,
/// when the restore did not finish and this restore created the target,
/// the (then empty) target directory.
struct Target {
    dir: PathBuf,
    staging: Option<tempfile::TempDir>,
    tracked: Option<crate::fsutil::debris::Tracked>,
    lock: crate::fsutil::LockFile,
    created: bool,
    done: bool,
}

impl Target {
    /// Creates and locks `dir`, removes staging debris that dead restores
    /// left in it, checks that it is writable and has room for `needed`
    /// bytes, and makes the staging directory.
    fn open(dir: &Path, needed: u64) -> Result<Target, RestoreError> {
        let dir = absolute(dir)?;
        let created = !dir.exists();
        fs::create_dir_all(&dir).map_err(|e| FsError::new("create directory", &dir, e))?;
        let unfit = |detail: String| {
            if created {
                let _ = fs::remove_dir(&dir);
            }
            RestoreError::Unfit {
                target: dir.clone(),
                detail,
            }
        };
        if !crate::fsutil::can_write_dir(&dir) {
            return Err(unfit("the directory is not writable".into()));
        }
        let lock = crate::fsutil::LockFile::acquire(&dir.join(".modsnap.lock"), || {
            tracing::warn!(
                "waiting for another restore into {} to finish",
                dir.display()
            );
        })?;
        // From here on, dropping `t` undoes what was done.
        let mut t = Target {
            dir: dir.clone(),
            staging: None,
            tracked: None,
            lock,
            created,
            done: false,
        };
        crate::fsutil::debris::remove_stale(&dir, STAGING);
        if let Some(free) = crate::fsutil::available_space(&dir)
            && free < needed
        {
            return Err(RestoreError::Unfit {
                target: dir,
                detail: format!(
                    "not enough free space: the archive needs {needed} bytes, {free} are free"
                ),
            });
        }
        let staging = tempfile::Builder::new()
            .prefix(&crate::fsutil::debris::prefix(STAGING))
            .tempdir_in(&dir)
            .map_err(|e| FsError::new("create staging directory in", &dir, e))?;
        t.tracked = Some(crate::fsutil::debris::track(staging.path()));
        t.staging = Some(staging);
        Ok(t)
    }

    fn staging(&self) -> &Path {
        self.staging
            .as_ref()
            .map_or(Path::new("/nonexistent"), |s| s.path())
    }
}

impl Drop for Target {
    fn drop(&mut self) {
        if let Some(s) = self.staging.take() {
            let _ = s.close();
        }
        self.tracked.take();
        self.lock.remove();
        if self.created && !self.done {
            let _ = fs::remove_dir(&self.dir);
        }
    }
}

/// Bytes the archive's files take once unpacked (lists are not counted:
/// they are small).
fn archive_bytes(archive: &Path) -> Result<u64, RestoreError> {
    let manifest = aread::read_manifest(archive)?;
    Ok(manifest
        .modules
        .iter()
        .flat_map(|m| m.files.values())
        .map(|f| f.size)
        .sum())
}

fn same_bytes(a: &Path, b: &Path) -> Result<bool, FsError> {
    let la = fs::metadata(a)
        .map_err(|e| FsError::new("stat", a, e))?
        .len();
    let lb = fs::metadata(b)
        .map_err(|e| FsError::new("stat", b, e))?
        .len();
    if la != lb {
        return Ok(false);
    }
    let ha = dirhash::sha256_reader(io::BufReader::new(
        fs::File::open(a).map_err(|e| FsError::new("open", a, e))?,
    ))
    .map_err(|e| FsError::new("read", a, e))?;
    let hb = dirhash::sha256_reader(io::BufReader::new(
        fs::File::open(b).map_err(|e| FsError::new("open", b, e))?,
    ))
    .map_err(|e| FsError::new("read", b, e))?;
    Ok(ha == hb)
}

/// A rename into the target, planned before any is made.
struct Move {
    from: PathBuf,
    to: PathBuf,
    /// Make the moved directory read-only (extracted modules).
    read_only: bool,
}

/// Plans the moves of staged files into `target`, finding every conflict
/// first (an error before anything moves). Returns (moves, kept).
/// Staged files: path in the target → archive entry name.
type Staged = BTreeMap<String, String>;

/// Staged files split into the checksum-database bundle (entry names under
/// `sumdb/`) and the rest.
fn split_sumdb(staged: Staged) -> (Staged, Staged) {
    staged
        .into_iter()
        .partition(|(_, name)| name.starts_with("sumdb/"))
}

/// The moves of a checksum-database bundle, as [`super::sumjoin`] joins it
/// with what the target holds, and the warnings naming what loses offline
/// database coverage.
fn plan_sumdb_moves(
    staging: &Path,
    target: &Path,
    files: &BTreeMap<String, String>,
) -> Result<(Vec<Move>, usize, Vec<String>), RestoreError> {
    let join = super::sumjoin::plan(staging, target, files)?;
    let moves = join
        .place
        .iter()
        .map(|rel| Move {
            from: staging.join(rel),
            to: target.join(rel),
            read_only: false,
        })
        .collect();
    Ok((moves, join.kept, join.warnings))
}

fn plan_moves(
    staging: &Path,
    target: &Path,
    files: &BTreeMap<String, String>,
) -> Result<(Vec<Move>, usize), RestoreError> {
    let mut conflicts = Vec::new();
    let mut moves = Vec::new();
    let mut kept = 0;
    for (rel, name) in files {
        let dest = target.join(rel);
        let src = staging.join(rel);
        match fs::symlink_metadata(&dest) {
            Ok(md) if md.is_file() => {
                if same_bytes(&src, &dest)? {
                    kept += 1;
                } else {
                    conflicts.push((dest, name.clone()));
                }
            }
            Ok(_) => conflicts.push((dest, name.clone())),
            Err(e) if e.kind() == io::ErrorKind::NotFound => moves.push(Move {
                from: src,
                to: dest,
                read_only: false,
            }),
            Err(e) => return Err(FsError::new("stat", &dest, e).into()),
        }
    }
    if let Some((target, name)) = conflicts.first() {
        return Err(RestoreError::Conflict {
            target: target.clone(),
            name: name.clone(),
            count: conflicts.len(),
        });
    }
    Ok((moves, kept))
}

/// Checks that every existing directory a move lands in is writable, then
/// makes the moves in order. A failure part way says what moved.
fn commit(target: &Path, moves: &[Move]) -> Result<(), RestoreError> {
    let mut seen = BTreeSet::new();
    for m in moves {
        // The nearest existing ancestor is where a directory is created.
        let mut dir = m.to.parent();
        while let Some(d) = dir {
            if !seen.insert(d.to_owned()) {
                break;
            }
            if d.exists() {
                if !crate::fsutil::can_write_dir(d) {
                    return Err(RestoreError::Unfit {
                        target: target.to_owned(),
                        detail: format!("`{}` is not writable", d.display()),
                    });
                }
                break;
            }
            dir = d.parent();
        }
    }
    for (i, m) in moves.iter().enumerate() {
        let step = || -> Result<(), FsError> {
            if let Some(parent) = m.to.parent() {
                fs::create_dir_all(parent)
                    .map_err(|e| FsError::new("create directory", parent, e))?;
            }
            fsutil::rename(&m.from, &m.to, "move into place")
        };
        if let Err(source) = step() {
            return Err(RestoreError::Interrupted {
                target: target.to_owned(),
                moved: i,
                total: moves.len(),
                source,
            });
        }
        if m.read_only {
            make_dirs_read_only(&m.to);
        }
    }
    Ok(())
}

/// Stages `<base>/<escaped path>/@v/list` for every module path of the
/// manifest with the versions `keep` selects: the union with the target's
/// list, written in staging and moved over it (a rename, so readers see the
/// old list or the new one). Lists that would not change are left alone.
fn stage_lists(
    target: &Path,
    staging: &Path,
    base: &str,
    manifest: &Manifest,
    keep: impl Fn(&crate::archive::manifest::ModuleEntry) -> bool,
) -> Result<Vec<Move>, FsError> {
    let mut versions: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for m in manifest.modules.iter().filter(|m| keep(m)) {
        versions
            .entry(m.path.clone())
            .or_default()
            .insert(m.version.clone());
    }
    let mut moves = Vec::new();
    for (path, vs) in versions {
        let rel = Path::new(base).join(
            goproxy::list_name(&path)
                .map_err(|e| FsError::new("escape", Path::new(&path), io::Error::other(e)))?,
        );
        let dest = target.join(&rel);
        let old = match fs::read_to_string(&dest) {
            Ok(text) => Some(text),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(FsError::new("read", &dest, e)),
        };
        let mut all = vs;
        if let Some(text) = &old {
            all.extend(goproxy::list_versions(text).map(str::to_string));
        }
        let text = goproxy::list_text(all);
        if old.as_deref() == Some(text.as_str()) {
            continue;
        }
        let staged = staging.join(&rel);
        if let Some(dir) = staged.parent() {
            fs::create_dir_all(dir).map_err(|e| FsError::new("create directory", dir, e))?;
        }
        let mut f = fs::File::create(&staged).map_err(|e| FsError::new("create", &staged, e))?;
        f.write_all(text.as_bytes())
            .map_err(|e| FsError::new("write", &staged, e))?;
        moves.push(Move {
            from: staged,
            to: dest,
            read_only: false,
        });
    }
    Ok(moves)
}

/// The environment lines that make the go command read `proxy_dir` as its
/// only module source, checks left on.
///
/// `GONOPROXY=none` because a `GOPRIVATE` setting would otherwise send
/// private module paths straight to version control, bypassing the tree
/// even with a file:// GOPROXY (cmd/go modfetch `proxyList`: a non-empty
/// GONOPROXY puts a `noproxy` entry first). GOSUMDB stays at its default:
/// a complete go.sum means the checksum database is never consulted.
pub fn proxy_env(proxy_dir: &Path) -> Vec<(String, String)> {
    let url = format!("file://{}", proxy_dir.to_string_lossy().replace('\\', "/"));
    vec![("GOPROXY".into(), url), ("GONOPROXY".into(), "none".into())]
}

/// `GOTOOLCHAIN=auto` added to `env` when the archive holds toolchains: a
/// machine image may set `GOTOOLCHAIN=local` in `$GOROOT/go.env`, which
/// would keep the go command from switching to them.
fn with_toolchain_env(
    mut env: Vec<(String, String)>,
    manifest: &Manifest,
) -> Vec<(String, String)> {
    if manifest
        .modules
        .iter()
        .any(|m| m.path == crate::toolchain::MODULE)
    {
        env.push(("GOTOOLCHAIN".into(), "auto".into()));
    }
    env
}

/// Restores `archive` as a GOPROXY tree in `target`.
pub fn restore_proxy(
    archive: &Path,
    target: &Path,
    reporter: &dyn Reporter,
) -> Result<RestoreReport, RestoreError> {
    let mut t = Target::open(target, archive_bytes(archive)?)?;
    reporter.phase("extracting", 0);
    let (manifest, staged) =
        aread::extract(
            archive,
            t.staging(),
            Check::Fast,
            &|name, kind| match kind {
                EntryKind::Artifact { .. } | EntryKind::Sumdb => {
                    reporter.item_done();
                    Some(name.to_string())
                }
                _ => None,
            },
        )?;
    let (sumdb, staged) = split_sumdb(staged);
    let (mut moves, mut kept) = plan_moves(t.staging(), &t.dir, &staged)?;
    let (sumdb_moves, sumdb_kept, warning) = plan_sumdb_moves(t.staging(), &t.dir, &sumdb)?;
    moves.extend(sumdb_moves);
    kept += sumdb_kept;
    let written = moves.len();
    moves.extend(stage_lists(&t.dir, t.staging(), "", &manifest, |_| true)?);
    commit(&t.dir, &moves)?;
    t.done = true;
    Ok(RestoreReport {
        env: with_toolchain_env(proxy_env(&t.dir), &manifest),
        target: t.dir.clone(),
        modules: manifest.modules.len(),
        written,
        kept,
        warnings: warning,
    })
}

/// Restores `archive` as a Go module cache (`GOMODCACHE`) in `target`.
pub fn restore_modcache(
    archive: &Path,
    target: &Path,
    reporter: &dyn Reporter,
) -> Result<RestoreReport, RestoreError> {
    let mut t = Target::open(target, archive_bytes(archive)?)?;
    reporter.phase("extracting", 0);
    let (manifest, mut staged) = aread::extract(
        archive,
        t.staging(),
        Check::Fast,
        &|name, kind| match kind {
            // The module cache keeps the go command's database cache in the
            // same layout (cache/download/sumdb/<name>/lookup|tile).
            EntryKind::Artifact { .. } | EntryKind::Sumdb => {
                reporter.item_done();
                Some(format!("{MODCACHE_DOWNLOAD}/{name}"))
            }
            _ => None,
        },
    )?;
    let (sumdb, rest) = split_sumdb(staged);
    staged = rest;
    // Verify each zip, write its .ziphash, and extract it, all in staging.
    let zips: Vec<(ModVersion, String, String)> = manifest
        .modules
        .iter()
        .filter_map(|m| {
            m.file(crate::goproxy::Artifact::Zip).map(|f| {
                (
                    ModVersion {
                        path: m.path.clone(),
                        version: m.version.clone(),
                    },
                    f.name.clone(),
                    m.zip_h1.clone().unwrap_or_default(),
                )
            })
        })
        .collect();
    reporter.phase("unpacking", zips.len() as u64);
    let extracted = crate::parallel::map(&zips, 8, |(m, name, want)| {
        let r = unpack_module(
            t.staging(),
            m,
            name,
            want,
            m.path != crate::toolchain::MODULE,
        );
        reporter.item_done();
        r
    })?;
    // An extracted directory already in the target is kept when its
    // .ziphash is the same; anything else there is a conflict. Checked
    // before anything moves.
    let mut dir_moves = Vec::new();
    for (ziphash_rel, dir_rel, name) in &extracted {
        let Some(dir_rel) = dir_rel else {
            staged.insert(ziphash_rel.clone(), name.clone());
            continue;
        };
        let existing = t.dir.join(dir_rel);
        if existing.exists() {
            let theirs = t.dir.join(ziphash_rel);
            if !(theirs.is_file() && same_bytes(&t.staging().join(ziphash_rel), &theirs)?) {
                return Err(RestoreError::Conflict {
                    target: existing,
                    name: name.clone(),
                    count: 1,
                });
            }
        } else {
            dir_moves.push(Move {
                from: t.staging().join(dir_rel),
                to: existing,
                read_only: true,
            });
        }
        staged.insert(ziphash_rel.clone(), name.clone());
    }
    let (mut moves, mut kept) = plan_moves(t.staging(), &t.dir, &staged)?;
    moves.extend(dir_moves);
    let (sumdb_moves, sumdb_kept, sumdb_warning) = plan_sumdb_moves(t.staging(), &t.dir, &sumdb)?;
    moves.extend(sumdb_moves);
    kept += sumdb_kept;
    let written = moves.len();
    // @v/list in the module cache names the versions that have a .mod.
    moves.extend(stage_lists(
        &t.dir,
        t.staging(),
        MODCACHE_DOWNLOAD,
        &manifest,
        |m| m.file(Artifact::Mod).is_some(),
    )?);
    commit(&t.dir, &moves)?;
    t.done = true;
    Ok(RestoreReport {
        env: with_toolchain_env(
            vec![
                ("GOMODCACHE".into(), t.dir.to_string_lossy().into_owned()),
                ("GOPROXY".into(), "off".into()),
                ("GONOPROXY".into(), "none".into()),
            ],
            &manifest,
        ),
        target: t.dir.clone(),
        modules: manifest.modules.len(),
        written,
        kept,
        warnings: sumdb_warning,
    })
}

/// Checks and hashes one staged zip, writes its `.ziphash`, and (when
/// `extract`) extracts it to `<escaped path>@<escaped version>/` in
/// staging. Returns the `.ziphash`'s and the directory's relative paths,
/// and a label. Toolchains are not extracted: the go command unpacks a
/// toolchain itself on first use (making its binaries executable, putting
/// its `_go.mod` files back), from the verified zip.
fn unpack_module(
    staging: &Path,
    m: &ModVersion,
    name: &str,
    want: &str,
    extract: bool,
) -> Result<(String, Option<String>, String), RestoreError> {
    let bad = |detail: String| RestoreError::BadZip {
        module: m.to_string(),
        detail,
    };
    let zip = staging.join(MODCACHE_DOWNLOAD).join(name);
    let h1 = dirhash::hash_zip_file(&zip).map_err(|e| bad(e.to_string()))?;
    if h1 != want {
        return Err(bad(format!("zip hashes to {h1}, manifest says {want}")));
    }
    let ziphash_rel = format!(
        "{MODCACHE_DOWNLOAD}/{}",
        goproxy::ziphash_name(m).map_err(|e| bad(e.to_string()))?
    );
    let ziphash = staging.join(&ziphash_rel);
    fsutil::write_file(&ziphash, h1.as_bytes())?;
    if !extract {
        return Ok((ziphash_rel, None, name.to_string()));
    }
    let dir_rel = goproxy::modcache_dir(m).map_err(|e| bad(e.to_string()))?;
    let dir = staging.join(&dir_rel);
    modzip::unzip(&dir, m, &zip).map_err(|e| bad(e.to_string()))?;
    Ok((ziphash_rel, Some(dir_rel), name.to_string()))
}

/// Makes the extracted module directories read-only, as the go command
/// leaves them (modfetch `makeDirsReadOnly`).
pub fn make_dirs_read_only(dir: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for entry in walkdir::WalkDir::new(dir)
            .contents_first(true)
            .into_iter()
            .flatten()
        {
            if entry.file_type().is_dir() {
                let _ = fs::set_permissions(entry.path(), fs::Permissions::from_mode(0o555));
            }
        }
    }
}
