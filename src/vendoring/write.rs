//! Writing the planned tree: into a fresh staging directory beside the
//! target, checked, then swapped into place, so a failure leaves the old
//! `vendor/` as it was and no partial tree behind.
//!
//! Files are created with [`std::fs::File::create_new`] (mode 0666 less the
//! umask) and directories with [`std::fs::create_dir`] (0777 less the umask),
//! as the go command's `os.Create`/`os.MkdirAll` do; contents are streamed,
//! so the executable bit and timestamps of the sources are never carried.
//!
//! Files are not fsync'd one by one (the go command does not either, and
//! 9,000 fsyncs cost seconds on a real disk): the swap protects against
//! errors and interruptions of modsnap, not against power loss.

use std::collections::BTreeMap;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use super::VendorError;
use super::files::Plan;
use super::load::{Loader, Loc, Opener};
use super::source::Tree;
use crate::fsutil;

fn fs_err(op: &'static str, path: &Path, e: std::io::Error) -> VendorError {
    VendorError::Write {
        op,
        path: path.to_owned(),
        message: e.to_string(),
    }
}

/// A staging directory removed on drop unless it was swapped into place.
pub(crate) struct Staging {
    path: PathBuf,
    done: bool,
    _tracked: crate::fsutil::debris::Tracked,
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

/// A fresh sibling of `target` named `.<name>.<tag>-<pid>-<n>`, created
/// with `create`; the leading dot keeps it out of package walks.
fn sibling(target: &Path, tag: &str, create: bool) -> Result<PathBuf, VendorError> {
    let parent = target.parent().unwrap_or(Path::new("."));
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "vendor".into());
    for n in 0..1000 {
        let p = parent.join(format!(".{name}.{tag}-{}-{n}", std::process::id()));
        if create {
            match std::fs::create_dir(&p) {
                Ok(()) => return Ok(p),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(fs_err("create directory", &p, e)),
            }
        } else if std::fs::symlink_metadata(&p).is_err() {
            return Ok(p);
        }
    }
    Err(VendorError::Internal(format!(
        "no free temporary name beside `{}`",
        target.display()
    )))
}

impl Staging {
    /// A fresh staging directory beside `target`, made before packages are
    /// loaded so the loader's workers can write the files they read whole
    /// straight into it; `None` when `target`'s parent does not exist yet
    /// (it is made, with the staging directory, once loading succeeded).
    pub(crate) fn early(target: &Path) -> Result<Option<Staging>, VendorError> {
        let parent = target.parent().unwrap_or(Path::new("."));
        if !parent.as_os_str().is_empty() && !parent.is_dir() {
            return Ok(None);
        }
        Staging::create(target).map(Some)
    }

    fn create(target: &Path) -> Result<Staging, VendorError> {
        let parent = target.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent).map_err(|e| fs_err("create directory", parent, e))?;
        // Debris of runs that died: their staging, and an old tree they had
        // moved aside after the new one was in place.
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "vendor".into());
        crate::fsutil::debris::remove_stale(parent, &format!(".{name}.modsnap-new-"));
        if target.exists() {
            crate::fsutil::debris::remove_stale(parent, &format!(".{name}.modsnap-old-"));
        }
        let path = sibling(target, "modsnap-new", true)?;
        Ok(Staging {
            _tracked: crate::fsutil::debris::track(&path),
            path,
            done: false,
        })
    }

    /// Its path.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

/// Writes `plan` and `modules_txt` (none when `None`) as the new contents
/// of `target`, replacing whatever was there only once everything is
/// written: in `staging` (which may already hold the files of
/// [`Plan::written`]), or a staging directory made now. With nothing to
/// write (`plan` empty and no modules.txt) the target is removed, as the
/// go command leaves no vendor directory then. Returns the number of files
/// written.
pub(crate) fn write_tree(
    target: &Path,
    staging: Option<Staging>,
    plan: &Plan,
    modules_txt: Option<&str>,
    loader: &Loader<'_>,
    settle: &dyn Fn() -> Result<(), VendorError>,
) -> Result<usize, VendorError> {
    if modules_txt.is_none() && plan.files.is_empty() {
        drop(staging);
        settle()?;
        remove_any(target)?;
        return Ok(0);
    }
    let mut staging = match staging {
        Some(s) => s,
        None => Staging::create(target)?,
    };
    let root = staging.path.clone();
    for d in &plan.dirs {
        let p = root.join(d);
        std::fs::create_dir_all(&p).map_err(|e| fs_err("create directory", &p, e))?;
    }
    let mut written = copy_files(&root, plan, loader.opener())?;
    tracing::debug!(target: "modsnap::phase", "vendor: {} files copied", written.sizes.len());
    written
        .sizes
        .extend(plan.written.iter().map(|(dst, n)| (dst, *n)));
    let mut count = written.sizes.len();
    if let Some(text) = modules_txt {
        let p = root.join("modules.txt");
        let mut f = std::fs::File::create_new(&p).map_err(|e| fs_err("create", &p, e))?;
        f.write_all(text.as_bytes())
            .map_err(|e| fs_err("write", &p, e))?;
        count += 1;
    }
    // Verify: every planned file is present, a regular file, and as long
    // as what was copied into it.
    for (dst, len) in &written.sizes {
        let p = root.join(dst);
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.is_file() && m.len() == *len => {}
            Ok(m) if m.is_file() => {
                return Err(fs_err(
                    "write",
                    &p,
                    std::io::Error::other(format!("wrote {} bytes of {len}", m.len())),
                ));
            }
            _ => {
                return Err(fs_err(
                    "verify",
                    &p,
                    std::io::Error::other("missing after write"),
                ));
            }
        }
    }
    if written.sizes.len() != plan.files.len() {
        return Err(VendorError::Internal(format!(
            "{} files planned, {} written",
            plan.files.len(),
            written.sizes.len()
        )));
    }
    // Every byte copied came from module files that passed their checks.
    settle()?;
    // Swap: move the old tree aside, move the new one in, drop the old.
    let old = if std::fs::symlink_metadata(target).is_ok() {
        let aside = sibling(target, "modsnap-old", false)?;
        fsutil::rename(target, &aside, "rename").map_err(|e| fs_err("rename", target, e.source))?;
        Some(aside)
    } else {
        None
    };
    if let Err(e) = fsutil::rename(&root, target, "rename") {
        if let Some(aside) = &old {
            let _ = fsutil::rename(aside, target, "rename");
        }
        return Err(fs_err("rename", &root, e.source));
    }
    staging.done = true;
    if let Some(aside) = old {
        remove_any(&aside)?;
    }
    Ok(count)
}

/// The files [`copy_files`] wrote: destination (relative to the staging
/// root) and the number of bytes copied into it.
struct Written<'p> {
    sizes: Vec<(&'p String, u64)>,
}

/// Copies the planned files not written yet into `root`, one worker per
/// core (at most 4), each taking whole modules from a shared queue and
/// opening its own reader of the module's files. On failure the error for the first module
/// in plan order is returned.
fn copy_files<'p>(
    root: &Path,
    plan: &'p Plan,
    opener: Opener<'_>,
) -> Result<Written<'p>, VendorError> {
    let mut groups: BTreeMap<&Loc, Vec<(&String, &String)>> = BTreeMap::new();
    for (dst, (loc, src)) in &plan.files {
        if !plan.written.contains_key(dst) {
            groups.entry(loc).or_default().push((dst, src));
        }
    }
    let groups: Vec<(&Loc, Vec<(&String, &String)>)> = groups.into_iter().collect();
    let sizes = crate::parallel::map(&groups, 4, |(loc, files)| {
        copy_module(root, &opener.open(loc)?, files)
    })?;
    Ok(Written {
        sizes: sizes.into_iter().flatten().collect(),
    })
}

/// Copies one module's planned files (`dst`, `src`) out of `tree`; the
/// number of bytes copied into each. The directories were made from the
/// plan beforehand.
fn copy_module<'p>(
    root: &Path,
    tree: &Tree,
    files: &[(&'p String, &String)],
) -> Result<Vec<(&'p String, u64)>, VendorError> {
    let mut sizes = Vec::with_capacity(files.len());
    for (dst, src) in files {
        let p = root.join(dst);
        crate::fsutil::debris::check_interrupted().map_err(|e| fs_err("create", &p, e))?;
        let file = std::fs::File::create_new(&p).map_err(|e| fs_err("create", &p, e))?;
        let mut w = BufWriter::with_capacity(64 << 10, file);
        let n = tree.copy_to(src, &mut w).map_err(|e| VendorError::Read {
            path: tree.location().join(src.as_str()),
            message: e.to_string(),
        })?;
        w.into_inner()
            .map_err(|e| fs_err("write", &p, e.into_error()))?;
        sizes.push((*dst, n));
    }
    Ok(sizes)
}

fn remove_any(p: &Path) -> Result<(), VendorError> {
    match std::fs::symlink_metadata(p) {
        Ok(m) if m.is_dir() => std::fs::remove_dir_all(p).map_err(|e| fs_err("remove", p, e)),
        Ok(_) => std::fs::remove_file(p).map_err(|e| fs_err("remove", p, e)),
        Err(_) => Ok(()),
    }
}
