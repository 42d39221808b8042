//! `modsnap vendor`: a vendor/ directory written straight from an archive,
//! byte for byte what `go mod vendor` (or `go work vendor`) writes.
//!
//! From a plain `.tar` archive (the default format) nothing is unpacked: the
//! archive is indexed (every entry's name and type checked, the manifest
//! read), and each `.mod` and module zip the vendor run needs is verified
//! against the manifest's digest and then read in place, one package file
//! at a time. Other formats are first unpacked, verified, into a private
//! temporary GOPROXY tree. The vendor tree itself is produced by
//! [`crate::vendoring`], which writes aside and swaps.
//!
//! What vouches for the bytes, for every archive format alike: the
//! archive reader checks each file against the manifest's digest, and the
//! vendor run itself ([`crate::vendoring`]) checks every `.mod` and zip it
//! reads against the project's go.sum and the module zip rules, refusing
//! modules go.sum does not cover — the go command's rule for downloads.
//! When the manifest keeps a zip's entry digests (`zip_files`), the zip is
//! checked file by file: the list must hash to go.sum's line with the
//! zip's names, and every file vendor reads must match its digest; files
//! it does not use are not read (`modsnap verify` checks every byte).

pub use crate::vendoring::VendorOptions;
use std::io::Read;
use std::path::Path;

use super::progress::Reporter;
use crate::archive::read::{self as aread, Check, EntryKind, ReadError, TarIndex};
use crate::classify::{Classify, ErrorClass};
use crate::fsutil::FsError;
use crate::module::ModVersion;
use crate::proxy::Artifact;
use crate::vendoring::{
    self, ModuleSource, OpenedZip, ProxyDir, SourceError, VendorError, VendorReport,
};

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

impl Classify for VendorOpError {
    fn class(&self) -> ErrorClass {
        match self {
            VendorOpError::Read(e) => e.class(),
            VendorOpError::Vendor(e) => e.class(),
            VendorOpError::Fs(_) => ErrorClass::Failure,
        }
    }
}

/// Writes `project`'s vendor directory (or `out_dir`) from `archive`.
pub fn vendor_from_archive(
    archive: &Path,
    opts: &VendorOptions,
    reporter: &dyn Reporter,
) -> Result<VendorReport, VendorOpError> {
    reporter.phase("vendoring", 0);
    if let Some(index) = TarIndex::open(archive)? {
        let source = InPlace::new(archive, &index);
        return vendoring::vendor(opts, &source).map_err(|e| match e {
            // An archive entry that failed its check is reported as what
            // it is, not as a module source error.
            VendorError::Source(se) => match se.downcast::<VendorOpError>() {
                Ok(inner) => inner,
                Err(se) => VendorOpError::Vendor(VendorError::Source(se)),
            },
            e => VendorOpError::Vendor(e),
        });
    }
    let tree = tempfile::Builder::new()
        .prefix("modsnap-vendor-")
        .tempdir()
        .map_err(|e| FsError::new("create temporary directory", Path::new("."), e))?;
    let (manifest, _) = aread::extract(
        archive,
        tree.path(),
        Check::Fast,
        &|name, kind| match kind {
            EntryKind::Artifact {
                artifact: Artifact::Mod | Artifact::Zip,
                ..
            } => Some(name.to_string()),
            _ => None,
        },
    )?;
    let source = Unpacked {
        dir: ProxyDir::new(tree.path()),
        manifest,
    };
    Ok(vendoring::vendor(opts, &source)?)
}

/// A [`ModuleSource`] reading `.mod` files and zips in place from an
/// indexed `.tar`, each checked against the manifest before use. A failed
/// check travels as the source error's `source`.
struct InPlace<'a> {
    archive: &'a Path,
    index: &'a TarIndex,
}

impl<'a> InPlace<'a> {
    fn new(archive: &'a Path, index: &'a TarIndex) -> InPlace<'a> {
        InPlace { archive, index }
    }

    fn fail(&self, m: &ModVersion, e: VendorOpError) -> SourceError {
        SourceError::caused_by(m, e)
    }

    /// The archive entry of `m`'s `.mod` or `.zip`.
    fn entry_name(&self, m: &ModVersion, a: Artifact) -> Result<String, SourceError> {
        crate::goproxy::file_name(m, a).map_err(|e| SourceError::new(m.to_string(), e.to_string()))
    }

    fn missing(&self, m: &ModVersion, what: &str) -> SourceError {
        SourceError::new(
            m.to_string(),
            format!(
                "the archive `{}` has no {what} for it; snapshot this project again",
                self.archive.display()
            ),
        )
    }
}

impl ModuleSource for InPlace<'_> {
    fn go_mod(&self, m: &ModVersion) -> Result<Vec<u8>, SourceError> {
        let name = self.entry_name(m, Artifact::Mod)?;
        if !self.index.contains(&name) {
            return Err(self.missing(m, ".mod file"));
        }
        let mut data = Vec::new();
        self.index
            .open_file(&name, Check::Fast)
            .map_err(|e| self.fail(m, e.into()))?
            .read_to_end(&mut data)
            .map_err(|e| self.fail(m, FsError::new("read", self.archive, e).into()))?;
        Ok(data)
    }

    /// `m`'s zip, not verified here: [`InPlace::verify_zip`] checks it
    /// against the manifest on one of the vendor run's check workers, off
    /// the path of package loading, and the run uses nothing it read
    /// before that check has passed. (Only the checked source of
    /// [`vendoring::vendor`] ever reads from this source.)
    fn open_zip(&self, m: &ModVersion) -> Result<OpenedZip, SourceError> {
        let name = self.entry_name(m, Artifact::Zip)?;
        if !self.index.contains(&name) {
            return Err(self.missing(m, "module zip"));
        }
        let window = self
            .index
            .reopen_file(&name)
            .map_err(|e| self.fail(m, e.into()))?;
        Ok(OpenedZip::new(self.archive.join(&name), Box::new(window)))
    }

    fn verify_zip(&self, m: &ModVersion) -> Result<(), SourceError> {
        let name = self.entry_name(m, Artifact::Zip)?;
        if !self.index.contains(&name) {
            return Err(self.missing(m, "module zip"));
        }
        self.index
            .open_file(&name, Check::Fast)
            .map(drop)
            .map_err(|e| self.fail(m, e.into()))
    }

    /// The entry digests the manifest keeps for `m`'s zip (archives since
    /// they were kept): vendor then checks just the files it uses.
    fn zip_file_digests(
        &self,
        m: &ModVersion,
    ) -> Option<Result<crate::dirhash::FileDigests, String>> {
        self.index
            .manifest()
            .module(&m.path, &m.version)?
            .zip_file_digests()
    }
}

/// An unpacked archive's GOPROXY tree, with the entry digests its manifest
/// keeps (as [`InPlace`] gives them).
struct Unpacked {
    dir: ProxyDir,
    manifest: crate::archive::manifest::Manifest,
}

impl ModuleSource for Unpacked {
    fn go_mod(&self, m: &ModVersion) -> Result<Vec<u8>, SourceError> {
        self.dir.go_mod(m)
    }

    fn open_zip(&self, m: &ModVersion) -> Result<OpenedZip, SourceError> {
        self.dir.open_zip(m)
    }

    fn zip_file_digests(
        &self,
        m: &ModVersion,
    ) -> Option<Result<crate::dirhash::FileDigests, String>> {
        self.manifest
            .module(&m.path, &m.version)?
            .zip_file_digests()
    }
}
