//! `modsnap restore`: an archive becomes a static GOPROXY tree, or a Go
//! module cache, on the air-gapped machine.
//!
//! Both targets are written the same safe way: every entry is checked and
//! verified against the manifest while it streams into a staging directory
//! beside the target ([`crate::archive::read`]); only when the whole archive
//! verified are files moved into place. Restoring into a tree that already
//! holds other snapshots merges: identical files are kept, `@v/list` files
//! become unions, and a file whose bytes differ from the archive's is an
//! error before anything is moved — never a silent overwrite.
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

use crate::archive::Manifest;
use crate::archive::read::{self as aread, Check, EntryKind, ReadError};
use crate::dirhash;
use crate::fsutil::FsError;
use crate::module::{self, ModVersion};
use crate::modzip;
use crate::semver;

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

impl RestoreError {
    /// True when content failed verification (exit code 3).
    pub fn is_verification_failure(&self) -> bool {
        match self {
            RestoreError::Read(e) => e.is_verification_failure(),
            RestoreError::BadZip { .. } | RestoreError::Conflict { .. } => true,
            RestoreError::Fs(_) => false,
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
}

fn absolute(p: &Path) -> Result<PathBuf, FsError> {
    if p.is_absolute() {
        return Ok(p.to_owned());
    }
    let cwd =
        std::env::current_dir().map_err(|e| FsError::new("find current directory for", p, e))?;
    Ok(cwd.join(p))
}

/// A staging directory beside `target` (same filesystem, so renames work),
/// removed when dropped.
fn staging_for(target: &Path) -> Result<tempfile::TempDir, FsError> {
    let parent = target
        .parent()
        .map(Path::to_owned)
        .unwrap_or_else(|| PathBuf::from("."));
    fs::create_dir_all(&parent).map_err(|e| FsError::new("create directory", &parent, e))?;
    tempfile::Builder::new()
        .prefix(".modsnap-restore-")
        .tempdir_in(&parent)
        .map_err(|e| FsError::new("create staging directory in", &parent, e))
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

/// Moves staged files into `target`: first finds every conflict (and fails
/// before touching anything), then renames. Returns (written, kept).
fn merge(
    staging: &Path,
    target: &Path,
    files: &BTreeMap<String, String>,
) -> Result<(usize, usize), RestoreError> {
    let mut conflicts = Vec::new();
    let mut to_move = Vec::new();
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
            Err(e) if e.kind() == io::ErrorKind::NotFound => to_move.push((src, dest)),
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
    let written = to_move.len();
    for (src, dest) in to_move {
        if let Some(parent) = dest.parent() {
            fs::create_dir_all(parent).map_err(|e| FsError::new("create directory", parent, e))?;
        }
        fs::rename(&src, &dest).map_err(|e| FsError::new("move into place", &dest, e))?;
    }
    Ok((written, kept))
}

/// Writes `<dir>/@v/list` as the union of what is there and `versions`.
fn merge_list(list: &Path, versions: &BTreeSet<String>) -> Result<(), FsError> {
    let mut all: BTreeSet<String> = versions.clone();
    match fs::read_to_string(list) {
        Ok(text) => all.extend(text.split_whitespace().map(str::to_string)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(FsError::new("read", list, e)),
    }
    let mut sorted: Vec<String> = all.into_iter().collect();
    semver::sort(&mut sorted);
    let mut text = sorted.join("\n");
    text.push('\n');
    if fs::read_to_string(list).is_ok_and(|old| old == text) {
        return Ok(());
    }
    let dir = list.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(|e| FsError::new("create directory", dir, e))?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .map_err(|e| FsError::new("create temporary file in", dir, e))?;
    tmp.write_all(text.as_bytes())
        .map_err(|e| FsError::new("write", list, e))?;
    tmp.persist(list)
        .map_err(|e| FsError::new("rename into place", list, e.error))?;
    Ok(())
}

/// Merges `<base>/<escaped path>/@v/list` for every module path of the
/// manifest with the versions `keep` selects.
fn merge_lists(
    base: &Path,
    manifest: &Manifest,
    keep: impl Fn(&crate::archive::manifest::ModuleEntry) -> bool,
) -> Result<(), FsError> {
    let mut versions: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for m in manifest.modules.iter().filter(|m| keep(m)) {
        versions
            .entry(m.path.clone())
            .or_default()
            .insert(m.version.clone());
    }
    for (path, vs) in &versions {
        let esc = module::escape_path(path)
            .map_err(|e| FsError::new("escape", Path::new(path), io::Error::other(e)))?;
        merge_list(&base.join(esc).join("@v/list"), vs)?;
    }
    Ok(())
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

/// Restores `archive` as a GOPROXY tree in `target`.
pub fn restore_proxy(archive: &Path, target: &Path) -> Result<RestoreReport, RestoreError> {
    let target = absolute(target)?;
    let staging = staging_for(&target)?;
    let (manifest, staged) = aread::extract(
        archive,
        staging.path(),
        Check::Fast,
        &|name, kind| match kind {
            EntryKind::Artifact { .. } => Some(name.to_string()),
            _ => None,
        },
    )?;
    let (written, kept) = merge(staging.path(), &target, &staged)?;
    merge_lists(&target, &manifest, |_| true)?;
    Ok(RestoreReport {
        env: proxy_env(&target),
        target,
        modules: manifest.modules.len(),
        written,
        kept,
    })
}

/// Restores `archive` as a Go module cache (`GOMODCACHE`) in `target`.
pub fn restore_modcache(archive: &Path, target: &Path) -> Result<RestoreReport, RestoreError> {
    let target = absolute(target)?;
    let staging = staging_for(&target)?;
    let (manifest, mut staged) = aread::extract(
        archive,
        staging.path(),
        Check::Fast,
        &|name, kind| match kind {
            EntryKind::Artifact { .. } => Some(format!("cache/download/{name}")),
            _ => None,
        },
    )?;
    // Verify each zip, write its .ziphash, and extract it, all in staging.
    let zips: Vec<(ModVersion, String)> = manifest
        .modules
        .iter()
        .filter_map(|m| {
            m.files.get("zip").map(|f| {
                (
                    ModVersion {
                        path: m.path.clone(),
                        version: m.version.clone(),
                    },
                    f.name.clone(),
                )
            })
        })
        .collect();
    let extracted = crate::parallel::map(&zips, 8, |(m, name)| {
        unpack_module(staging.path(), &manifest, m, name)
    })?;
    // An extracted directory already in the target is kept when its
    // .ziphash is the same; anything else there is a conflict. Checked
    // before anything moves.
    let mut dirs_to_move = Vec::new();
    for (ziphash_rel, dir_rel, name) in &extracted {
        let existing = target.join(dir_rel);
        if existing.exists() {
            let theirs = target.join(ziphash_rel);
            if !(theirs.is_file() && same_bytes(&staging.path().join(ziphash_rel), &theirs)?) {
                return Err(RestoreError::Conflict {
                    target: existing,
                    name: name.clone(),
                    count: 1,
                });
            }
        } else {
            dirs_to_move.push(dir_rel.clone());
        }
        staged.insert(ziphash_rel.clone(), name.clone());
    }
    let (mut written, kept) = merge(staging.path(), &target, &staged)?;
    for dir_rel in dirs_to_move {
        let dest = target.join(&dir_rel);
        if let Some(parent) = dest.parent() {
            fs::create_dir_all(parent).map_err(|e| FsError::new("create directory", parent, e))?;
        }
        fs::rename(staging.path().join(&dir_rel), &dest)
            .map_err(|e| FsError::new("move into place", &dest, e))?;
        make_dirs_read_only(&dest);
        written += 1;
    }
    // @v/list in the module cache names the versions that have a .mod.
    merge_lists(&target.join("cache/download"), &manifest, |m| {
        m.files.contains_key("mod")
    })?;
    Ok(RestoreReport {
        env: vec![
            ("GOMODCACHE".into(), target.to_string_lossy().into_owned()),
            ("GOPROXY".into(), "off".into()),
            ("GONOPROXY".into(), "none".into()),
        ],
        target,
        modules: manifest.modules.len(),
        written,
        kept,
    })
}

/// Checks and hashes one staged zip, writes its `.ziphash`, and extracts it
/// to `<escaped path>@<escaped version>/` in staging. Returns the extracted
/// `.ziphash`'s and the directory's relative paths, and a label.
fn unpack_module(
    staging: &Path,
    manifest: &Manifest,
    m: &ModVersion,
    name: &str,
) -> Result<(String, String, String), RestoreError> {
    let bad = |detail: String| RestoreError::BadZip {
        module: m.to_string(),
        detail,
    };
    let zip = staging.join("cache/download").join(name);
    let h1 = dirhash::hash_zip_file(&zip).map_err(|e| bad(e.to_string()))?;
    let want = manifest
        .modules
        .iter()
        .find(|e| e.path == m.path && e.version == m.version)
        .and_then(|e| e.zip_h1.clone())
        .unwrap_or_default();
    if h1 != want {
        return Err(bad(format!("zip hashes to {h1}, manifest says {want}")));
    }
    let ziphash_rel = format!(
        "cache/download/{}",
        name.trim_end_matches(".zip").to_string() + ".ziphash"
    );
    let ziphash = staging.join(&ziphash_rel);
    fs::write(&ziphash, h1.as_bytes()).map_err(|e| FsError::new("write", &ziphash, e))?;
    let esc_path = module::escape_path(&m.path).map_err(|e| bad(e.to_string()))?;
    let esc_ver = module::escape_version(&m.version).map_err(|e| bad(e.to_string()))?;
    let dir_rel = format!("{esc_path}@{esc_ver}");
    let dir = staging.join(&dir_rel);
    modzip::unzip(&dir, m, &zip).map_err(|e| bad(e.to_string()))?;
    Ok((ziphash_rel, dir_rel, name.to_string()))
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
