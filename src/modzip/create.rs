//! Creating a module zip (x/mod `zip.Create`, `zip.CreateFromDir`): the
//! producer side, for modules fetched from version control, which no proxy
//! zipped.
//!
//! The files kept are exactly [`check_files`]'s valid ones (vendored
//! packages by the module's go version, nested modules, symbolic links and
//! the root `.hg_archival.txt` left out), in the order given, each named
//! `<path>@<version>/<file>`; any invalid file, a non-canonical version or
//! a module path that fails `module::check` stops creation, as in Go.
//! [`create_from_dir`] lists a directory as `CreateFromDir` does (also
//! skipping `.bzr`/`.git`/`.hg`/`.svn` and directories holding a `go.mod`).
//!
//! The go.sum `h1:` hash depends only on the names and contents, not on the
//! zip's bytes, so the container is modsnap's own deterministic one: entries
//! deflated, every timestamp the zip epoch (1980-01-01), mode 0644. A file
//! that yields more bytes than its declared size is an error (it changed
//! while being zipped), as in Go.

use std::collections::HashMap;
use std::io::{self, Read, Seek, Write};
use std::path::Path;

use super::check::{check_module, list_dir, lossy};
use super::{Error, SourceFile, check_files};
use crate::module::ModVersion;

/// What [`create`] wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Created {
    /// The files in the zip, relative to the module root, in order.
    pub files: Vec<String>,
    /// Their total uncompressed size.
    pub bytes: u64,
}

/// Writes the module zip of `m` holding `files` to `out`.
pub fn create<F: SourceFile, W: Write + Seek>(
    out: W,
    m: &ModVersion,
    files: &[F],
) -> Result<Created, Error> {
    check_module(m)?;
    let cf = check_files(files);
    if let Some(text) = cf.error_text() {
        return Err(Error::Create {
            module: m.to_string(),
            detail: text,
        });
    }
    let by_path: HashMap<String, &F> = files.iter().map(|f| (lossy(f.path()), f)).collect();
    let mut zw = zip::ZipWriter::new(out);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o644);
    let prefix = format!("{}@{}/", m.path, m.version);
    let write_err = |e: zip::result::ZipError| Error::Create {
        module: m.to_string(),
        detail: format!("writing the zip: {e}"),
    };
    let mut created = Created::default();
    for path in &cf.valid {
        let Some(f) = by_path.get(path) else {
            continue;
        };
        let size = f.lstat().map_err(|e| io_err(m, path, e))?.size;
        zw.start_file(format!("{prefix}{path}"), options)
            .map_err(write_err)?;
        let mut r = f.open().map_err(|e| io_err(m, path, e))?.take(size + 1);
        let n = io::copy(&mut r, &mut zw).map_err(|e| io_err(m, path, e))?;
        if n > size {
            return Err(Error::Create {
                module: m.to_string(),
                detail: format!("file {path:?} is larger than declared size"),
            });
        }
        created.files.push(path.clone());
        created.bytes += n;
    }
    zw.finish().map_err(write_err)?;
    Ok(created)
}

/// Writes the module zip of `m` from the files under `dir`
/// (x/mod `CreateFromDir`).
pub fn create_from_dir<W: Write + Seek>(
    out: W,
    m: &ModVersion,
    dir: &Path,
) -> Result<Created, Error> {
    check_module(m)?;
    let (files, _omitted) = list_dir(dir)?;
    create(out, m, &files)
}

fn io_err(m: &ModVersion, path: &str, e: io::Error) -> Error {
    Error::Create {
        module: m.to_string(),
        detail: format!("reading {path:?}: {e}"),
    }
}
