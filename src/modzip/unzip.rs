//! Extracting a module zip (x/mod `Unzip`).

use std::collections::{BTreeSet, HashMap};
use std::ffi::OsString;
use std::fs;
use std::io::{self, BufWriter, Read, Write};
use std::path::{Component, Path, PathBuf};

use super::check::check_zip_file;
use super::{Error, FileError, Reason, Violation};
use crate::module::ModVersion;

/// Extracts the module zip at `zip_path` for `m` into `dir`, as Go's `Unzip`.
///
/// `dir` must be absent (it is created, with any missing parents) or empty.
/// The zip must pass every [`check_zip`](super::check_zip) rule first. Each
/// file is then created exclusively, streamed from the zip, and left
/// read-only (mode 0444 on Unix); an entry whose data is longer or shorter
/// than its declared size is an error. Directory entries are not extracted,
/// so empty directories do not appear.
///
/// On any error, everything this call created is removed again.
pub fn unzip(dir: &Path, m: &ModVersion, zip_path: &Path) -> Result<(), Error> {
    // Like Go, an unreadable `dir` counts as empty; creating it fails later.
    if fs::read_dir(dir).is_ok_and(|mut it| it.next().is_some()) {
        return Err(Error::TargetNotEmpty {
            dir: dir.to_owned(),
        });
    }
    let mut file = fs::File::open(zip_path).map_err(|e| Error::io("open", zip_path, e))?;
    let (entries, cf) = check_zip_file(m, &mut file, zip_path)?;
    cf.to_result(zip_path)?;

    let buffered = crate::seekbuf::SeekBufReader::with_capacity(256 * 1024, file)
        .map_err(|e| Error::io("read", zip_path, e))?;
    let mut archive = zip::ZipArchive::new(buffered).map_err(|e| Error::NotAZip {
        path: zip_path.to_owned(),
        detail: e.to_string(),
    })?;
    // The zip crate keys entries by name; find each of ours by the position
    // of its central-directory record instead, which cannot be ambiguous.
    let mut index_at = HashMap::new();
    for i in 0..archive.len() {
        if let Ok(entry) = archive.by_index_data(i) {
            index_at.insert(entry.central_header_start(), i);
        }
    }

    let mut created = Created::start(dir)?;
    let prefix = format!("{}@{}/", m.path, m.version);
    for e in &entries {
        let Some(rel) = e.name.strip_prefix(prefix.as_bytes()) else {
            continue; // cannot happen: every entry passed the prefix rule
        };
        if rel.is_empty() || rel.ends_with(b"/") {
            continue;
        }
        let name = String::from_utf8_lossy(&e.name).into_owned();
        let dst = safe_join(dir, rel).ok_or_else(|| unsafe_name(zip_path, &name))?;
        let index = *index_at
            .get(&e.central_header_start)
            .ok_or_else(|| Error::NotAZip {
                path: zip_path.to_owned(),
                detail: format!("the zip reader does not see entry {name}"),
            })?;
        created.note(&dst);
        crate::fsutil::debris::check_interrupted().map_err(|err| Error::io("create", &dst, err))?;
        if let Some(parent) = dst.parent() {
            fs::create_dir_all(parent).map_err(|err| Error::io("create directory", parent, err))?;
        }
        let out = create_read_only(&dst).map_err(|err| Error::io("create", &dst, err))?;
        let entry = archive.by_index(index).map_err(|err| Error::Entry {
            zip: zip_path.to_owned(),
            name: name.clone(),
            source: io::Error::other(err),
        })?;
        let declared = e.uncompressed_size;
        let mut data = entry.take(declared.saturating_add(1));
        let mut w = BufWriter::with_capacity(64 * 1024, out);
        let copied = copy(&mut data, &mut w).map_err(|err| match err {
            // The zip crate stops at the declared size itself; report that as
            // Go does. (Its wording is pinned by this module's tests.)
            CopyError::Read(source) if source.to_string().contains(ZIP_CRATE_TOO_LONG) => {
                Error::SizeMismatch {
                    zip: zip_path.to_owned(),
                    name: name.clone(),
                    declared,
                    larger: true,
                }
            }
            CopyError::Read(source) => Error::Entry {
                zip: zip_path.to_owned(),
                name: name.clone(),
                source,
            },
            CopyError::Write(source) => Error::io("write", &dst, source),
        })?;
        // Go neither syncs nor keeps the file open; flushing is enough.
        w.into_inner()
            .map_err(|err| Error::io("write", &dst, err.into_error()))?;
        if copied != declared {
            return Err(Error::SizeMismatch {
                zip: zip_path.to_owned(),
                name,
                declared,
                larger: copied > declared,
            });
        }
    }
    created.keep();
    Ok(())
}

/// How the `zip` crate words a stream longer than its entry's declared size.
const ZIP_CRATE_TOO_LONG: &str = "larger than its declared uncompressed size";

fn unsafe_name(zip_path: &Path, name: &str) -> Error {
    Error::Rules {
        path: zip_path.to_owned(),
        violation: Violation::Files {
            first: FileError {
                path: name.to_owned(),
                reason: Reason::InvalidPath {
                    message: "file path is not safe to extract".to_owned(),
                },
            },
            others: 0,
        },
    }
}

/// `dir` joined with the slash path `rel`, if every element is a plain name
/// (a second line of defence behind the file-path rules).
fn safe_join(dir: &Path, rel: &[u8]) -> Option<PathBuf> {
    let rel = std::str::from_utf8(rel).ok()?;
    let mut out = dir.to_owned();
    for elem in rel.split('/') {
        let mut comps = Path::new(elem).components();
        match (comps.next(), comps.next()) {
            (Some(Component::Normal(c)), None) if c == elem && !elem.contains(['\\', ':']) => {
                out.push(c)
            }
            _ => return None,
        }
    }
    Some(out)
}

#[cfg(unix)]
fn create_read_only(path: &Path) -> io::Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt as _;
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o444)
        .open(path)
}

#[cfg(not(unix))]
fn create_read_only(path: &Path) -> io::Result<fs::File> {
    let file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    let mut perms = file.metadata()?.permissions();
    perms.set_readonly(true);
    fs::set_permissions(path, perms)?;
    Ok(file)
}

enum CopyError {
    Read(io::Error),
    Write(io::Error),
}

/// Streams `r` into `w` in chunks, telling read errors from write errors.
fn copy(r: &mut impl Read, w: &mut impl Write) -> Result<u64, CopyError> {
    let mut buf = vec![0u8; 64 * 1024];
    let mut total = 0u64;
    loop {
        let n = match r.read(&mut buf) {
            Ok(0) => return Ok(total),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(CopyError::Read(e)),
        };
        w.write_all(&buf[..n]).map_err(CopyError::Write)?;
        total += n as u64;
    }
}

/// What [`unzip`] created, removed again unless the extraction succeeds.
struct Created {
    /// The target directory.
    dir: PathBuf,
    /// The highest directory that did not exist before, if `dir` was absent.
    new_root: Option<PathBuf>,
    /// Top-level names created inside a pre-existing (empty) `dir`.
    children: BTreeSet<OsString>,
    keep: bool,
}

impl Created {
    fn start(dir: &Path) -> Result<Self, Error> {
        let new_root = dir
            .ancestors()
            .take_while(|a| !a.as_os_str().is_empty() && fs::symlink_metadata(a).is_err())
            .last()
            .map(Path::to_owned);
        let created = Created {
            dir: dir.to_owned(),
            new_root,
            children: BTreeSet::new(),
            keep: false,
        };
        fs::create_dir_all(dir).map_err(|e| Error::io("create directory", dir, e))?;
        Ok(created)
    }

    /// Records that something at `dst` (below `dir`) is about to be created.
    fn note(&mut self, dst: &Path) {
        if self.new_root.is_some() {
            return;
        }
        if let Some(Component::Normal(first)) = dst
            .strip_prefix(&self.dir)
            .ok()
            .and_then(|r| r.components().next())
        {
            self.children.insert(first.to_owned());
        }
    }

    fn keep(mut self) {
        self.keep = true;
    }
}

impl Drop for Created {
    fn drop(&mut self) {
        if self.keep {
            return;
        }
        if let Some(root) = &self.new_root {
            let _ = fs::remove_dir_all(root);
        }
        // `children` only holds names when `dir` existed (and was empty).
        for name in &self.children {
            let path = self.dir.join(name);
            let _ = match fs::symlink_metadata(&path) {
                Ok(m) if m.is_dir() => fs::remove_dir_all(&path),
                _ => fs::remove_file(&path),
            };
        }
    }
}
