//! `modsnap vendor`: a vendor/ directory written straight from an archive,
//! byte for byte what `go mod vendor` (or `go work vendor`) writes.
//!
//! The archive's `.mod` and `.zip` files are verified against its manifest
//! as they stream into a private temporary GOPROXY tree (module zips stay
//! zipped: package files are read out of them one by one); the vendor tree
//! itself is produced by [`crate::vendor`], which writes aside and swaps.

use std::path::{Path, PathBuf};

use crate::archive::read::{self as aread, Check, EntryKind, ReadError};
use crate::fsutil::FsError;
use crate::vendor::{self, ProxyDir, VendorError, VendorOptions, VendorReport};

/// Why `modsnap vendor` failed. The previous vendor/ is untouched.
#[derive(Debug, thiserror::Error)]
pub enum VendorOpError {
    /// The archive is unreadable, unsafe or tampered with.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// The go command would fail too (ambiguous import, missing package, …).
    #[error(transparent)]
    Vendor(#[from] VendorError),
    /// Local I/O failed.
    #[error(transparent)]
    Fs(#[from] FsError),
}

impl VendorOpError {
    /// True when the archive failed verification (exit code 3).
    pub fn is_verification_failure(&self) -> bool {
        matches!(self, VendorOpError::Read(e) if e.is_verification_failure())
    }
}

/// Writes `project`'s vendor directory (or `out_dir`) from `archive`.
pub fn vendor_from_archive(
    archive: &Path,
    project: &Path,
    out_dir: Option<PathBuf>,
    cgo_enabled: bool,
) -> Result<VendorReport, VendorOpError> {
    let tree = tempfile::Builder::new()
        .prefix("modsnap-vendor-")
        .tempdir()
        .map_err(|e| FsError::new("create temporary directory", Path::new("."), e))?;
    aread::extract(
        archive,
        tree.path(),
        Check::Fast,
        &|name, kind| match kind {
            EntryKind::Artifact { ext, .. } if ext == "mod" || ext == "zip" => {
                Some(name.to_string())
            }
            _ => None,
        },
    )?;
    let opts = VendorOptions {
        project_dir: project.to_owned(),
        out_dir,
        cgo_enabled,
    };
    Ok(vendor::vendor(&opts, &ProxyDir::new(tree.path()))?)
}
