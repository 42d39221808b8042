//! Module zip files: which files a module zip may contain, and how one is
//! checked and extracted (golang.org/x/mod/zip, `zip/zip.go`;
//! <https://go.dev/ref/mod#zip-files>).
//!
//! A module zip holds the files of one module version, each named
//! `<module>@<version>/<file path>`. The go command rejects a zip whose names
//! could not be extracted the same way on every platform:
//!
//! - every name starts with `path@version/`; the rest is clean (Go's
//!   `path.Clean`) and a valid file path (`module::check_file_path`);
//! - no two names are equal under Unicode case folding, no file is listed
//!   twice, and no path is both a file and a directory;
//! - a `go.mod` (in any letter case) may only appear as exactly `go.mod` at
//!   the root;
//! - the zip, and the total uncompressed size of its files, are at most
//!   [`MAX_ZIP_FILE`] bytes; the root `go.mod` and `LICENSE` at most
//!   [`MAX_GO_MOD`] and [`MAX_LICENSE`] bytes.
//!
//! [`check_files`] and [`check_dir`] apply the producer-side rules to a file
//! list or a directory: they also sort out files that `go mod` leaves out of
//! zips (vendored packages, nested modules, `.hg_archival.txt`, symbolic links
//! and other irregular files). [`check_zip`] and [`unzip`] apply the
//! consumer-side rules to a downloaded zip. All of them return a
//! [`CheckedFiles`] report rather than stopping at the first problem; its
//! [`Display`](std::fmt::Display) matches x/mod's test output byte for byte.
//!
//! Everything streams: a zip is read through its central directory and each
//! entry is copied in chunks, so a 500 MiB zip is never held in memory.
//!
//! [`create`] and [`create_from_dir`] write a module zip from a file list
//! or a directory (Go's `Create`, `CreateFromDir`), for modules that come
//! from version control rather than a proxy.
//!
//! Deliberately not here:
//! - reading files from a repository (`CreateFromVCS`): that is the VCS
//!   fetcher's, which hands [`create`] the files of one revision;
//! - hashing, which lives in [`crate::dirhash`] (as in x/mod, where
//!   `zip` "does not provide hashing").

mod central;
mod check;
mod create;
mod names;
mod unzip;

use std::fmt;
use std::io::{self, Read};
use std::path::PathBuf;

pub use check::{check_dir, check_files, check_zip, check_zip_reader, is_vendored_package};
pub use create::{Created, create, create_from_dir};
pub use unzip::unzip;

use crate::module::ModuleError;

/// Largest module zip file, and largest total uncompressed size of its
/// files, in bytes (500 MiB; Go's `MaxZipFile`).
pub const MAX_ZIP_FILE: u64 = 500 << 20;

/// Largest root `go.mod` in a module zip, in bytes (16 MiB; Go's `MaxGoMod`).
pub const MAX_GO_MOD: u64 = 16 << 20;

/// Largest root `LICENSE` in a module zip, in bytes (16 MiB; Go's
/// `MaxLICENSE`).
pub const MAX_LICENSE: u64 = 16 << 20;

/// A file that may go into a module zip: one entry of a list, a directory
/// or a zip (Go's `zip.File` interface).
pub trait SourceFile {
    /// The slash-separated path from the module root, as given (bytes,
    /// because names in zips and on Unix file systems need not be UTF-8).
    fn path(&self) -> &[u8];

    /// The file's type and size; for a symbolic link, the link itself.
    fn lstat(&self) -> io::Result<FileInfo>;

    /// The content of a regular file.
    fn open(&self) -> io::Result<Box<dyn Read + '_>>;
}

impl<T: SourceFile + ?Sized> SourceFile for &T {
    fn path(&self) -> &[u8] {
        (**self).path()
    }
    fn lstat(&self) -> io::Result<FileInfo> {
        (**self).lstat()
    }
    fn open(&self) -> io::Result<Box<dyn Read + '_>> {
        (**self).open()
    }
}

impl<T: SourceFile + ?Sized> SourceFile for Box<T> {
    fn path(&self) -> &[u8] {
        (**self).path()
    }
    fn lstat(&self) -> io::Result<FileInfo> {
        (**self).lstat()
    }
    fn open(&self) -> io::Result<Box<dyn Read + '_>> {
        (**self).open()
    }
}

/// What [`SourceFile::lstat`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileInfo {
    /// The kind of file.
    pub kind: FileKind,
    /// The size in bytes (Go treats sizes of 2⁶³ and more as negative).
    pub size: u64,
}

/// The kinds of file the zip rules tell apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// A regular file: the only kind that goes into a zip.
    Regular,
    /// A directory.
    Dir,
    /// A symbolic link (always omitted, golang.org/issue/27093).
    Symlink,
    /// A device, socket, pipe or other irregular file (omitted).
    Other,
}

/// An in-memory regular file: given bytes, or a declared size of zero bytes
/// produced on demand (so size limits can be checked without buffers).
#[derive(Debug, Clone)]
pub struct MemFile {
    path: Vec<u8>,
    data: Option<Vec<u8>>,
    size: u64,
}

impl MemFile {
    /// A file at `path` holding `data`.
    pub fn new(path: impl Into<Vec<u8>>, data: impl Into<Vec<u8>>) -> Self {
        let data = data.into();
        Self {
            path: path.into(),
            size: data.len() as u64,
            data: Some(data),
        }
    }

    /// A file at `path` of `size` zero bytes, none of them stored.
    pub fn zeros(path: impl Into<Vec<u8>>, size: u64) -> Self {
        Self {
            path: path.into(),
            data: None,
            size,
        }
    }

    /// A file at `path` whose declared size is `size` but whose content is
    /// `data` (which may disagree, as in Go's `size_is_a_lie` tests).
    pub fn with_declared_size(
        path: impl Into<Vec<u8>>,
        data: impl Into<Vec<u8>>,
        size: u64,
    ) -> Self {
        Self {
            path: path.into(),
            data: Some(data.into()),
            size,
        }
    }
}

impl SourceFile for MemFile {
    fn path(&self) -> &[u8] {
        &self.path
    }
    fn lstat(&self) -> io::Result<FileInfo> {
        Ok(FileInfo {
            kind: FileKind::Regular,
            size: self.size,
        })
    }
    fn open(&self) -> io::Result<Box<dyn Read + '_>> {
        Ok(match &self.data {
            Some(d) => Box::new(d.as_slice()),
            None => Box::new(io::repeat(0).take(self.size)),
        })
    }
}

/// The verdict on a set of files (Go's `CheckedFiles`). Every file checked
/// lands in exactly one of `valid`, `omitted` and `invalid`.
///
/// Paths are as given to the check (zip entry names for [`check_zip`],
/// `dir/rel` for [`check_dir`]), decoded lossily where they are not UTF-8.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckedFiles {
    /// Files that belong in (or may be extracted from) the zip, in order.
    pub valid: Vec<String>,
    /// Files that `go mod` silently leaves out of zips, with the reason.
    pub omitted: Vec<FileError>,
    /// Files that make the set unacceptable, with the rule broken.
    pub invalid: Vec<FileError>,
    /// Set when the total size (or the zip file itself) is over the limit.
    pub size_error: Option<SizeError>,
}

impl CheckedFiles {
    /// Whether the files form an acceptable module zip.
    pub fn is_valid(&self) -> bool {
        self.size_error.is_none() && self.invalid.is_empty()
    }

    /// The text of Go's `CheckedFiles.Err()`: the size error if any, else
    /// every invalid file on its own line; `None` when valid.
    pub fn error_text(&self) -> Option<String> {
        if let Some(e) = &self.size_error {
            return Some(e.to_string());
        }
        if self.invalid.is_empty() {
            return None;
        }
        let lines: Vec<String> = self.invalid.iter().map(ToString::to_string).collect();
        Some(lines.join("\n"))
    }

    /// `Ok` when valid, else [`Error::Rules`] naming `source` (the zip or
    /// directory checked) and the first rule broken.
    pub fn to_result(&self, source: impl Into<PathBuf>) -> Result<(), Error> {
        let violation = if let Some(e) = &self.size_error {
            Violation::Size(e.clone())
        } else if let Some(first) = self.invalid.first() {
            Violation::Files {
                first: first.clone(),
                others: self.invalid.len() - 1,
            }
        } else {
            return Ok(());
        };
        Err(Error::Rules {
            path: source.into(),
            violation,
        })
    }
}

/// Formats the report exactly as x/mod's tests do (`formatCheckedFiles`):
/// a `valid:`, an `omitted:` and an `invalid:` section.
impl fmt::Display for CheckedFiles {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "valid:")?;
        for p in &self.valid {
            writeln!(f, "{p}")?;
        }
        writeln!(f, "\nomitted:")?;
        for e in &self.omitted {
            writeln!(f, "{e}")?;
        }
        writeln!(f, "\ninvalid:")?;
        for e in &self.invalid {
            writeln!(f, "{e}")?;
        }
        Ok(())
    }
}

/// A file that was omitted or is invalid, and why (Go's `FileError`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileError {
    /// The file's path, as in [`CheckedFiles`].
    pub path: String,
    /// The rule that applies.
    pub reason: Reason,
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.reason)
    }
}

/// Why a file is omitted from, or invalid in, a module zip. The texts are
/// Go's, word for word.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Reason {
    /// Invalid: `path.Clean` would change the path.
    #[error("file path is not clean")]
    PathNotClean,
    /// Invalid: the path is absolute.
    #[error("file path is not relative")]
    PathNotRelative,
    /// Invalid: `module::check_file_path` rejects the path.
    #[error("{message}")]
    InvalidPath {
        /// The check's message, e.g. `malformed file path "a'": invalid char '\''`.
        message: String,
    },
    /// Invalid: a root `go.mod` spelled in another case.
    #[error("go.mod files must have lowercase names")]
    GoModCase,
    /// Invalid: a `go.mod` below the root of a zip.
    #[error("go.mod file not in module root directory")]
    GoModNotInRoot,
    /// Invalid: the root `go.mod` is over [`MAX_GO_MOD`].
    #[error("go.mod file too large (max size is {MAX_GO_MOD} bytes)")]
    GoModTooLarge,
    /// Invalid: the root `LICENSE` is over [`MAX_LICENSE`].
    #[error("LICENSE file too large (max size is {MAX_LICENSE} bytes)")]
    LicenseTooLarge,
    /// Invalid: a zip entry outside `path@version/`.
    #[error("path does not have prefix {}", names::go_quote(.prefix.as_bytes()))]
    MissingPrefix {
        /// The required prefix, `path@version/`.
        prefix: String,
    },
    /// Invalid: two paths equal under Unicode case folding.
    #[error(
        "case-insensitive file name collision: {} and {}",
        names::go_quote(.first.as_bytes()),
        names::go_quote(.second.as_bytes())
    )]
    CaseCollision {
        /// The path seen first.
        first: String,
        /// The path that collides with it.
        second: String,
    },
    /// Invalid: a path used both as a file and as a directory.
    #[error("entry {} is both a file and a directory", names::go_quote(.path.as_bytes()))]
    FileAndDirectory {
        /// The path in question (possibly a parent of the entry).
        path: String,
    },
    /// Invalid: the same file listed twice.
    #[error("multiple entries for file {}", names::go_quote(.path.as_bytes()))]
    Duplicate {
        /// The duplicated path.
        path: String,
    },
    /// Invalid: the file's type and size could not be read.
    #[error("{message}")]
    Stat {
        /// The I/O error's text.
        message: String,
    },
    /// Omitted: a `.bzr`, `.git`, `.hg` or `.svn` directory.
    #[error("directory is a version control repository")]
    VcsDirectory,
    /// Omitted: a file in a vendored package (see [`is_vendored_package`]).
    #[error("file is in vendor directory")]
    Vendored,
    /// Omitted: a file in a nested module (a directory with its own go.mod).
    #[error("file is in another module")]
    InSubmodule,
    /// Omitted: a directory holding a nested module.
    #[error("directory is in another module")]
    SubmoduleDirectory,
    /// Omitted: the `.hg_archival.txt` that `hg archive` inserts.
    #[error("file is inserted by 'hg archive' and is always omitted")]
    HgArchival,
    /// Omitted: a symbolic link.
    #[error("file is a symbolic link")]
    Symlink,
    /// Omitted: a device, pipe, socket or other irregular file.
    #[error("not a regular file")]
    NotRegular,
}

/// A size limit broken by the files as a whole.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SizeError {
    /// The files of a list or directory add up to more than [`MAX_ZIP_FILE`].
    #[error("module source tree too large (max size is {MAX_ZIP_FILE} bytes)")]
    SourceTreeTooLarge,
    /// A zip's entries declare more than [`MAX_ZIP_FILE`] bytes in total.
    #[error(
        "total uncompressed size of module contents too large (max size is {MAX_ZIP_FILE} bytes)"
    )]
    ContentsTooLarge,
    /// The zip file itself is over [`MAX_ZIP_FILE`].
    #[error("module zip file is too large ({size} bytes; limit is {MAX_ZIP_FILE} bytes)")]
    ZipFileTooLarge {
        /// The zip file's size in bytes.
        size: u64,
    },
}

/// The rule a failing [`CheckedFiles`] breaks, for [`Error::Rules`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Violation {
    /// A size limit.
    Size(SizeError),
    /// One or more invalid files; the first is named.
    Files {
        /// The first invalid file.
        first: FileError,
        /// How many more invalid files there are.
        others: usize,
    },
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Violation::Size(e) => write!(f, "{e}"),
            Violation::Files { first, others: 0 } => write!(f, "{first}"),
            Violation::Files { first, others: 1 } => write!(f, "{first} (and 1 more invalid file)"),
            Violation::Files { first, others } => {
                write!(f, "{first} (and {others} more invalid files)")
            }
        }
    }
}

/// Why a module zip or directory could not be checked or extracted.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The version is not canonical (`v1.0.0+meta`, `v1.0`).
    #[error(
        "version {} is not canonical (should be {})",
        names::go_quote(.version.as_bytes()),
        names::go_quote(.canonical.as_bytes())
    )]
    NonCanonicalVersion {
        /// The version given.
        version: String,
        /// Its canonical form (empty if it has none).
        canonical: String,
    },
    /// The module path and version do not pass `module::check`.
    #[error("{0}")]
    InvalidModule(#[from] ModuleError),
    /// The files break a module zip rule (see the [`CheckedFiles`] report).
    #[error("`{}`: {violation}", path.display())]
    Rules {
        /// The zip file or directory checked.
        path: PathBuf,
        /// The rule broken.
        violation: Violation,
    },
    /// The file is not a zip archive that Go would read.
    #[error("`{}`: not a valid zip file ({detail})", path.display())]
    NotAZip {
        /// The zip file.
        path: PathBuf,
        /// What is wrong with it.
        detail: String,
    },
    /// A filesystem operation failed.
    #[error("{op} `{}`: {source}", path.display())]
    Io {
        /// What was being done ("open", "read", "create", ...).
        op: &'static str,
        /// The path involved.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// [`create`] refused the module or its files, or could not write.
    #[error("create zip for {module}: {detail}")]
    Create {
        /// `path@version`.
        module: String,
        /// Go's error text (each invalid file on its own line).
        detail: String,
    },
    /// [`unzip`]'s target directory already has content.
    #[error("target directory `{}` exists and is not empty", dir.display())]
    TargetNotEmpty {
        /// The target directory.
        dir: PathBuf,
    },
    /// An entry's data did not match its declared uncompressed size.
    #[error(
        "`{}`: uncompressed size of file {name} is {} than declared size ({declared} bytes)",
        zip.display(),
        if *.larger { "larger" } else { "smaller" }
    )]
    SizeMismatch {
        /// The zip file.
        zip: PathBuf,
        /// The entry's full name.
        name: String,
        /// The size the central directory declares.
        declared: u64,
        /// Whether the data was longer (else shorter) than declared.
        larger: bool,
    },
    /// An entry could not be read or decompressed.
    #[error("`{}`: reading {name}: {source}", zip.display())]
    Entry {
        /// The zip file.
        zip: PathBuf,
        /// The entry's full name.
        name: String,
        /// The underlying error.
        source: io::Error,
    },
}

impl Error {
    fn io(op: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        Error::Io {
            op,
            path: path.into(),
            source,
        }
    }
}
