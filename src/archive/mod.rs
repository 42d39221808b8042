//! The modsnap archive: one deterministic file holding a static GOPROXY tree
//! (`<escaped path>/@v/{list,<v>.info,<v>.mod,<v>.zip}`) and a `modsnap.json`
//! manifest at its root.
//!
//! Anyone without modsnap can unpack it and point `GOPROXY=file:///…` at the
//! result; modsnap itself reads the manifest to verify every byte.
//!
//! Determinism: the same entries give byte-identical output. Entries are
//! written with `modsnap.json` first and the rest sorted by path; every entry
//! has mode 0644, uid/gid 0, no user or group names, and the same mtime
//! (`SOURCE_DATE_EPOCH` when the caller passes it, else 0). Compressors run
//! with fixed settings; zstd's multi-threaded output does not depend on the
//! number of workers.
//!
//! Module zips are already compressed, so they are never recompressed inside
//! a `.zip` archive (stored), and tar archives keep their bytes as they are.
//!
//! Not here: deciding what goes in (see [`crate::ops`]), or unpacking.

pub mod manifest;
mod write;

pub use manifest::Manifest;
pub use write::{ArchiveEntry, PendingArchive, write_archive, write_archive_aside};

pub mod read;

use std::path::Path;

/// The file name of the manifest at the archive root.
pub const MANIFEST_NAME: &str = "modsnap.json";

/// Archive container formats, chosen by the output file's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `.tar`: uncompressed.
    Tar,
    /// `.tar.gz` / `.tgz`.
    TarGz,
    /// `.tar.zst`.
    TarZst,
    /// `.zip`: module zips stored, small files deflated.
    Zip,
}

impl Format {
    /// The format named by `path`'s extension, if any.
    pub fn from_path(path: &Path) -> Option<Format> {
        let name = path.file_name()?.to_str()?.to_ascii_lowercase();
        if name.ends_with(".tar.gz") || name.ends_with(".tgz") {
            Some(Format::TarGz)
        } else if name.ends_with(".tar.zst") || name.ends_with(".tzst") {
            Some(Format::TarZst)
        } else if name.ends_with(".tar") {
            Some(Format::Tar)
        } else if name.ends_with(".zip") {
            Some(Format::Zip)
        } else {
            None
        }
    }
}

/// Why an archive could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    /// The output name has no known extension.
    #[error("`{}`: unknown archive format; use a name ending in .tar, .tar.gz, .tgz, .tar.zst or .zip", path.display())]
    UnknownFormat {
        /// The output path.
        path: std::path::PathBuf,
    },
    /// Reading an entry's source or writing the archive failed.
    #[error(transparent)]
    Fs(#[from] crate::fsutil::FsError),
    /// The zip writer failed.
    #[error("writing zip archive `{}`: {source}", path.display())]
    Zip {
        /// The output path.
        path: std::path::PathBuf,
        /// The zip crate's error.
        source: zip::result::ZipError,
    },
}
