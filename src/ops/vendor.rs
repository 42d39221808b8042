//! `modsnap vendor`: a vendor/ directory written straight from an archive,
//! byte for byte what `go mod vendor` (or `go work vendor`) writes.
//!
//! From a plain `.tar` archive (the default format) nothing is unpacked: the
//! archive is indexed (every entry's name and type checked, the manifest
//! read), and each `.mod` and module zip the vendor run needs is verified
//! against the manifest's digest and then read in place, one package file
//! at a time. Other formats are first unpacked, verified, into a private
//! temporary GOPROXY tree. The vendor tree itself is produced by
//! [`crate::vendor`], which writes aside and swaps.
//!
//! What vouches for the bytes: each `.mod` used is hashed and compared with
//! the project's go.sum (as the go command does); for each zip used, the
//! archive's bytes must match the manifest's digest, and the manifest's
//! `h1:` must equal the project's go.sum line — so an archive made for other
//! sums is refused. The zip's `h1:` itself is not recomputed here (that
//! means inflating and hashing every file of every module, several seconds
//! for a large graph); the go command trusts its module cache the same way.
//! `modsnap verify ARCHIVE` recomputes every `h1:`; run it once when an
//! archive arrives.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::fetch::tree_name;
use crate::archive::manifest::ModuleEntry;
use crate::archive::read::{self as aread, Check, EntryKind, ReadError, TarIndex};
use crate::dirhash;
use crate::fsutil::FsError;
use crate::gosum::GoSum;
use crate::module::ModVersion;
use crate::project::Project;
use crate::proxy::Artifact;
use crate::vendor::{
    self, ModuleSource, OpenedZip, ProxyDir, SourceError, VendorError, VendorOptions, VendorReport,
};

/// Why `modsnap vendor` failed. The previous vendor/ is untouched.
#[derive(Debug, thiserror::Error)]
pub enum VendorOpError {
    /// The archive is unreadable, unsafe or tampered with.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// A file in the archive does not hash to the project's go.sum line.
    #[error(
        "{module}: the archive's {what} has {archive}, but {gosum} says {expected}; the archive was not made for this go.sum, or was tampered with (SECURITY ERROR)"
    )]
    Mismatch {
        /// `path@version`.
        module: String,
        /// `go.mod` or `zip`.
        what: &'static str,
        /// The archive's hash (computed for a go.mod; the manifest's for a
        /// zip).
        archive: String,
        /// go.sum's.
        expected: String,
        /// The go.sum file.
        gosum: String,
    },
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
        match self {
            VendorOpError::Read(e) => e.is_verification_failure(),
            VendorOpError::Mismatch { .. } => true,
            _ => false,
        }
    }
}

/// Writes `project`'s vendor directory (or `out_dir`) from `archive`.
pub fn vendor_from_archive(
    archive: &Path,
    project: &Path,
    out_dir: Option<PathBuf>,
    cgo_enabled: bool,
) -> Result<VendorReport, VendorOpError> {
    let opts = VendorOptions {
        project_dir: project.to_owned(),
        out_dir,
        cgo_enabled,
    };
    if let Some(index) = TarIndex::open(archive)? {
        // A project that does not load is reported by the vendor run itself.
        let gosum = Project::load(project).ok().map(|p| p.gosum);
        let source = InPlace::new(archive, &index, gosum.as_ref());
        let result = vendor::vendor(&opts, &source);
        if let Some(e) = source.failure.into_inner().ok().flatten() {
            return Err(e);
        }
        return Ok(result?);
    }
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
    Ok(vendor::vendor(&opts, &ProxyDir::new(tree.path()))?)
}

/// A [`ModuleSource`] reading `.mod` files and zips in place from an
/// indexed `.tar`, each verified before use. The first verification
/// failure is kept in `failure` (the vendor run sees a plain source error
/// and stops), so the caller can report it as what it is.
struct InPlace<'a> {
    archive: &'a Path,
    index: &'a TarIndex,
    modules: BTreeMap<(&'a str, &'a str), &'a ModuleEntry>,
    gosum: Option<&'a GoSum>,
    failure: Mutex<Option<VendorOpError>>,
    /// Entries already verified (a zip is opened again by the thread that
    /// copies from it).
    verified: Mutex<BTreeSet<String>>,
}

impl<'a> InPlace<'a> {
    fn new(archive: &'a Path, index: &'a TarIndex, gosum: Option<&'a GoSum>) -> InPlace<'a> {
        let modules = index
            .manifest()
            .modules
            .iter()
            .map(|me| ((me.path.as_str(), me.version.as_str()), me))
            .collect();
        InPlace {
            archive,
            index,
            modules,
            gosum,
            failure: Mutex::new(None),
            verified: Mutex::new(BTreeSet::new()),
        }
    }

    /// Records `e` (the first one wins) and turns it into a source error.
    fn fail(&self, m: &ModVersion, e: VendorOpError) -> SourceError {
        let message = e.to_string();
        if let Ok(mut first) = self.failure.lock() {
            first.get_or_insert(e);
        }
        SourceError {
            module: m.to_string(),
            message,
        }
    }

    /// The archive entry of `m`'s `.mod` or `.zip`.
    fn entry_name(&self, m: &ModVersion, a: Artifact) -> Result<String, SourceError> {
        tree_name(m, a).map_err(|e| SourceError {
            module: m.to_string(),
            message: e.to_string(),
        })
    }

    fn missing(&self, m: &ModVersion, what: &str) -> SourceError {
        SourceError {
            module: m.to_string(),
            message: format!(
                "the archive `{}` has no {what} for it; snapshot this project again",
                self.archive.display()
            ),
        }
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
        if let Some(want) = self.gosum.and_then(|g| g.go_mod_hash(&m.path, &m.version)) {
            let got = dirhash::hash_go_mod(&data);
            if got != want {
                return Err(self.fail(
                    m,
                    VendorOpError::Mismatch {
                        module: m.to_string(),
                        what: "go.mod",
                        archive: got,
                        expected: want.to_string(),
                        gosum: "go.sum".into(),
                    },
                ));
            }
        }
        Ok(data)
    }

    fn open_zip(&self, m: &ModVersion) -> Result<OpenedZip, SourceError> {
        let name = self.entry_name(m, Artifact::Zip)?;
        if !self.index.contains(&name) {
            return Err(self.missing(m, "module zip"));
        }
        let recorded = self
            .modules
            .get(&(m.path.as_str(), m.version.as_str()))
            .and_then(|me| me.zip_h1.as_deref());
        if let Some(want) = self.gosum.and_then(|g| g.zip_hash(&m.path, &m.version))
            && recorded != Some(want)
        {
            return Err(self.fail(
                m,
                VendorOpError::Mismatch {
                    module: m.to_string(),
                    what: "zip",
                    archive: recorded.unwrap_or("(no h1 recorded)").to_string(),
                    expected: want.to_string(),
                    gosum: self
                        .gosum
                        .and_then(|g| g.zip_hash_file(&m.path, &m.version))
                        .unwrap_or("go.sum")
                        .to_string(),
                },
            ));
        }
        let seen = self.verified.lock().is_ok_and(|v| v.contains(&name));
        let window = if seen {
            self.index.reopen_file(&name)
        } else {
            self.index.open_file(&name, Check::Fast)
        }
        .map_err(|e| self.fail(m, e.into()))?;
        if let Ok(mut v) = self.verified.lock() {
            v.insert(name.clone());
        }
        Ok(OpenedZip {
            location: self.archive.join(&name),
            bytes: Box::new(window),
        })
    }
}
