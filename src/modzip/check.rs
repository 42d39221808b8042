//! The checks: [`check_files`] for file lists, [`check_dir`] for directories,
//! [`check_zip`] for zip files (x/mod `CheckFiles`, `CheckDir`, `CheckZip`).

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io::{self, BufReader, Read, Seek};
use std::path::{Path, PathBuf};

use super::central::{self, Entry};
use super::names::{go_quote, str_to_fold};
use super::{
    CheckedFiles, Error, FileError, FileInfo, FileKind, MAX_GO_MOD, MAX_LICENSE, MAX_ZIP_FILE,
    Reason, SizeError, SourceFile,
};
use crate::module::{self, ModVersion};
use crate::slashpath::{is_clean, split};

/// Whether `name` is a file in a vendored package, which `go mod` leaves out
/// of module zips (x/mod `isVendoredPackage`).
///
/// Files directly in the root `vendor/` stay, files in packages below it
/// go. `go_version` is the module's go.mod `go` line in toolchain form
/// (`go1.24`, `""` without one) and matters since Go 1.24:
/// `vendor/modules.txt` is then omitted too (golang.org/issue/63395), and a
/// nested `a/vendor/x.go` stays, where older versions dropped it through an
/// index bug (golang.org/issue/37397) that the older rule keeps for the sake
/// of existing checksums.
pub fn is_vendored_package(name: &str, go_version: &str) -> bool {
    is_vendored(name.as_bytes(), go_version)
}

fn is_vendored(name: &[u8], go_version: &str) -> bool {
    let go124 = crate::gover::toolchain_compare(go_version, "go1.24").is_ge();
    if go124 && name == b"vendor/modules.txt" {
        return true;
    }
    let start = if name.starts_with(b"vendor/") {
        b"vendor/".len()
    } else if let Some(j) = find(name, b"/vendor/") {
        if go124 {
            j + b"/vendor/".len()
        } else {
            // The old rule skips only len("/vendor/") bytes from the start of
            // the name, wherever "/vendor/" was found.
            b"/vendor/".len()
        }
    } else {
        return false;
    };
    name.get(start..).is_some_and(|rest| rest.contains(&b'/'))
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The go version that decides the vendor rules: `go` + the root go.mod's
/// `go` line as a language version, or `""`.
fn go_version_of(go_mod: &[u8]) -> String {
    match crate::modfile::parse_lax("go.mod", go_mod) {
        Ok(f) => {
            f.go.map(|g| crate::gover::toolchain_lang(&format!("go{}", g.version)))
                .unwrap_or_default()
        }
        Err(_) => String::new(),
    }
}

/// Reads at most [`MAX_GO_MOD`] bytes of a root go.mod; `None` if it is
/// larger (it is then invalid anyway) or unreadable.
fn read_go_mod(mut r: impl Read) -> Option<Vec<u8>> {
    let mut data = Vec::new();
    (&mut r).take(MAX_GO_MOD + 1).read_to_end(&mut data).ok()?;
    (data.len() as u64 <= MAX_GO_MOD).then_some(data)
}

/// Whether `size` is over `limit` the way Go compares an `int64`: sizes of
/// 2⁶³ and more are negative there, hence never over a file limit.
fn over(size: u64, limit: u64) -> bool {
    i64::try_from(size).is_ok_and(|s| s > limit as i64)
}

pub(super) fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// `module::check_file_path` for a byte path: invalid UTF-8 is reported as
/// Go reports it, and a valid path is returned as `&str`.
fn check_file_path(p: &[u8]) -> Result<&str, Reason> {
    match std::str::from_utf8(p) {
        Ok(s) => match module::check_file_path(s) {
            Ok(()) => Ok(s),
            Err(e) => Err(Reason::InvalidPath {
                message: e.to_string(),
            }),
        },
        Err(_) => Err(Reason::InvalidPath {
            message: format!("malformed file path {}: invalid UTF-8", go_quote(p)),
        }),
    }
}

/// Finds case-fold collisions, duplicates and file/directory conflicts
/// (x/mod `collisionChecker`). Every parent of a path is recorded as a
/// directory.
#[derive(Default)]
struct Collisions {
    seen: HashMap<String, (String, bool)>,
}

impl Collisions {
    fn check(&mut self, path: &str, is_dir: bool) -> Result<(), Reason> {
        let (mut p, mut is_dir) = (path, is_dir);
        loop {
            match self.seen.get(&str_to_fold(p)) {
                Some((other, other_is_dir)) => {
                    if p != other {
                        return Err(Reason::CaseCollision {
                            first: other.clone(),
                            second: p.to_owned(),
                        });
                    }
                    if is_dir != *other_is_dir {
                        return Err(Reason::FileAndDirectory { path: p.to_owned() });
                    }
                    if !is_dir {
                        return Err(Reason::Duplicate { path: p.to_owned() });
                    }
                    // The same directory again: fine (parents recur).
                }
                None => {
                    self.seen.insert(str_to_fold(p), (p.to_owned(), is_dir));
                }
            }
            match p.rfind('/') {
                Some(i) if i > 0 => {
                    p = &p[..i];
                    is_dir = true;
                }
                _ => return Ok(()),
            }
        }
    }
}

/// Builds a report; a path gets at most one omitted/invalid entry.
#[derive(Default)]
struct Report {
    cf: CheckedFiles,
    errored: HashSet<Vec<u8>>,
}

impl Report {
    /// `f.lstat()`, or `None` after recording the failure as invalid.
    fn lstat<F: SourceFile>(&mut self, f: &F, path: &[u8]) -> Option<FileInfo> {
        match f.lstat() {
            Ok(info) => Some(info),
            Err(e) => {
                self.add(
                    path,
                    false,
                    Reason::Stat {
                        message: e.to_string(),
                    },
                );
                None
            }
        }
    }

    fn add(&mut self, path: &[u8], omitted: bool, reason: Reason) {
        if !self.errored.insert(path.to_vec()) {
            return;
        }
        let fe = FileError {
            path: lossy(path),
            reason,
        };
        if omitted {
            self.cf.omitted.push(fe);
        } else {
            self.cf.invalid.push(fe);
        }
    }
}

/// Sorts `files` into valid, omitted and invalid (x/mod `CheckFiles`).
///
/// Files are not opened, except the root `go.mod`, whose `go` line decides
/// the vendor rules (see [`is_vendored_package`]). Omitted: vendored files,
/// files below a directory holding a regular file named `go.mod` in any
/// case, the root `.hg_archival.txt`, symbolic links and irregular files.
/// Invalid: unclean or absolute paths, paths `module::check_file_path`
/// rejects, a root go.mod not spelled `go.mod`, stat errors, collisions and
/// duplicates, and a root `go.mod`/`LICENSE` over 16 MiB. A total over
/// [`MAX_ZIP_FILE`] sets [`CheckedFiles::size_error`].
pub fn check_files<F: SourceFile>(files: &[F]) -> CheckedFiles {
    let mut report = Report::default();

    // Directories holding a go.mod (other than the root) are other modules.
    let mut go_mod_dirs: HashSet<&[u8]> = HashSet::new();
    let mut go_version = String::new();
    for f in files {
        let p = f.path();
        let (dir, base) = split(p);
        if !base.eq_ignore_ascii_case(b"go.mod") {
            continue;
        }
        let Some(info) = report.lstat(f, p) else {
            continue;
        };
        if info.kind != FileKind::Regular {
            continue;
        }
        go_mod_dirs.insert(dir);
        let root_go_mod = dir.is_empty() && base == b"go.mod" && info.size <= MAX_GO_MOD;
        if root_go_mod && let Some(data) = f.open().ok().and_then(read_go_mod) {
            go_version = go_version_of(&data);
        }
    }
    let in_submodule = |mut p: &[u8]| loop {
        let (dir, _) = split(p);
        if dir.is_empty() {
            return false;
        }
        if go_mod_dirs.contains(dir) {
            return true;
        }
        p = &dir[..dir.len() - 1];
    };

    let mut collisions = Collisions::default();
    let mut room = MAX_ZIP_FILE;
    for f in files {
        let p = f.path();
        if !is_clean(p) {
            report.add(p, false, Reason::PathNotClean);
            continue;
        }
        if p.starts_with(b"/") {
            report.add(p, false, Reason::PathNotRelative);
            continue;
        }
        if is_vendored(p, &go_version) {
            report.add(p, true, Reason::Vendored);
            continue;
        }
        if in_submodule(p) {
            report.add(p, true, Reason::InSubmodule);
            continue;
        }
        if p == b".hg_archival.txt" {
            // Inserted by `hg archive`; the go command drops it whatever the VCS.
            report.add(p, true, Reason::HgArchival);
            continue;
        }
        let name = match check_file_path(p) {
            Ok(name) => name,
            Err(reason) => {
                report.add(p, false, reason);
                continue;
            }
        };
        if name.eq_ignore_ascii_case("go.mod") && name != "go.mod" {
            report.add(p, false, Reason::GoModCase);
            continue;
        }
        let Some(info) = report.lstat(f, p) else {
            continue;
        };
        if let Err(reason) = collisions.check(name, info.kind == FileKind::Dir) {
            report.add(p, false, reason);
            continue;
        }
        match info.kind {
            FileKind::Regular => {}
            FileKind::Symlink => {
                report.add(p, true, Reason::Symlink);
                continue;
            }
            FileKind::Dir | FileKind::Other => {
                report.add(p, true, Reason::NotRegular);
                continue;
            }
        }
        if i64::try_from(info.size).is_ok() && info.size <= room {
            room -= info.size;
        } else if report.cf.size_error.is_none() {
            report.cf.size_error = Some(SizeError::SourceTreeTooLarge);
        }
        if name == "go.mod" && over(info.size, MAX_GO_MOD) {
            report.add(p, false, Reason::GoModTooLarge);
            continue;
        }
        if name == "LICENSE" && over(info.size, MAX_LICENSE) {
            report.add(p, false, Reason::LicenseTooLarge);
            continue;
        }
        report.cf.valid.push(name.to_owned());
    }
    report.cf
}

/// A regular file found by [`check_dir`]'s walk.
pub(super) struct DirFile {
    fs_path: PathBuf,
    slash_path: Vec<u8>,
    size: u64,
}

impl SourceFile for DirFile {
    fn path(&self) -> &[u8] {
        &self.slash_path
    }
    fn lstat(&self) -> io::Result<FileInfo> {
        Ok(FileInfo {
            kind: FileKind::Regular,
            size: self.size,
        })
    }
    fn open(&self) -> io::Result<Box<dyn Read + '_>> {
        Ok(Box::new(fs::File::open(&self.fs_path)?))
    }
}

#[cfg(unix)]
fn path_bytes(p: &Path) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt as _;
    p.as_os_str().as_bytes().to_vec()
}

#[cfg(not(unix))]
fn path_bytes(p: &Path) -> Vec<u8> {
    p.to_string_lossy().replace('\\', "/").into_bytes()
}

/// The slash-separated path of `rel` (a path below the walked directory).
fn slash_path(rel: &Path) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, c) in rel.components().enumerate() {
        if i > 0 {
            out.push(b'/');
        }
        out.extend(path_bytes(Path::new(c.as_os_str())));
    }
    out
}

/// Lists `dir` as Go's `CreateFromDir` would (x/mod `listFilesInDir`): the
/// regular files, plus what the walk itself leaves out.
pub(super) fn list_dir(dir: &Path) -> Result<(Vec<DirFile>, Vec<FileError>), Error> {
    let go_version = fs::File::open(dir.join("go.mod"))
        .ok()
        .and_then(read_go_mod)
        .map(|data| go_version_of(&data))
        .unwrap_or_default();
    let mut files = Vec::new();
    let mut omitted = Vec::new();
    let mut omit = |p: &[u8], reason| {
        omitted.push(FileError {
            path: lossy(p),
            reason,
        })
    };
    let mut walk = walkdir::WalkDir::new(dir)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter();
    while let Some(entry) = walk.next() {
        let entry = entry.map_err(|e| {
            let path = e.path().unwrap_or(dir).to_owned();
            let source = e
                .into_io_error()
                .unwrap_or_else(|| io::Error::other("walk failed"));
            Error::io("walk", path, source)
        })?;
        let rel = entry.path().strip_prefix(dir).unwrap_or(entry.path());
        let mut slash = slash_path(rel);
        if slash.is_empty() {
            slash.push(b'.'); // the root itself, named as Go's filepath.Rel names it
        }
        // Go marks vendored directories and files alike, and keeps walking
        // into a vendored directory, so its files are listed too.
        if is_vendored(&slash, &go_version) {
            omit(&slash, Reason::Vendored);
            continue;
        }
        let kind = entry.file_type();
        if kind.is_dir() {
            if entry.depth() == 0 {
                continue;
            }
            let base = entry.file_name().as_encoded_bytes();
            if matches!(base, b".bzr" | b".git" | b".hg" | b".svn") {
                omit(&slash, Reason::VcsDirectory);
                walk.skip_current_dir();
                continue;
            }
            if fs::symlink_metadata(entry.path().join("go.mod")).is_ok_and(|m| !m.is_dir()) {
                omit(&slash, Reason::SubmoduleDirectory);
                walk.skip_current_dir();
            }
            continue;
        }
        if !kind.is_file() {
            omit(&slash, Reason::NotRegular);
            continue;
        }
        let meta = entry.metadata().map_err(|e| {
            Error::io(
                "stat",
                entry.path(),
                e.into_io_error()
                    .unwrap_or_else(|| io::Error::other("stat failed")),
            )
        })?;
        files.push(DirFile {
            fs_path: entry.path().to_owned(),
            slash_path: slash,
            size: meta.len(),
        });
    }
    Ok((files, omitted))
}

/// Checks the files under `dir` as `go mod` would before zipping them
/// (x/mod `CheckDir`): [`check_files`] over the directory's regular files,
/// plus the walk's own omissions (`.bzr`/`.git`/`.hg`/`.svn` directories,
/// nested-module directories, irregular files). Paths in the report are
/// `dir` joined with the relative path.
///
/// `Err` means the directory could not be walked; a report with invalid
/// files is still `Ok` (see [`CheckedFiles::to_result`]).
pub fn check_dir(dir: &Path) -> Result<CheckedFiles, Error> {
    let (files, omitted) = list_dir(dir)?;
    let mut cf = check_files(&files);
    cf.omitted.extend(omitted);
    let full = |p: &str| dir.join(p).display().to_string();
    for p in &mut cf.valid {
        *p = full(p);
    }
    for e in cf.omitted.iter_mut().chain(cf.invalid.iter_mut()) {
        e.path = full(&e.path);
    }
    Ok(cf)
}

/// Checks a downloaded module zip for `m` (x/mod `CheckZip`) from its central
/// directory alone; entry data is not read.
///
/// `Err` when the zip cannot be checked at all: a non-canonical version, a
/// module path/version that fails `module::check`, I/O errors, or a file
/// that is not a zip. Otherwise the report lists valid and invalid entries
/// (directory entries are checked but never listed as valid); an oversized
/// zip file is reported as [`SizeError::ZipFileTooLarge`] without reading
/// further.
pub fn check_zip(m: &ModVersion, zip_path: &Path) -> Result<CheckedFiles, Error> {
    let mut file = fs::File::open(zip_path).map_err(|e| Error::io("open", zip_path, e))?;
    check_zip_file(m, &mut file, zip_path).map(|(_, cf)| cf)
}

/// [`check_zip`] over any seekable reader (a window into an archive, say);
/// `zip_path` names it in errors. The central directory alone is read.
pub fn check_zip_reader<R: Read + Seek>(
    m: &ModVersion,
    r: &mut R,
    zip_path: &Path,
) -> Result<CheckedFiles, Error> {
    check_module(m)?;
    let size = r
        .seek(io::SeekFrom::End(0))
        .map_err(|e| Error::io("seek", zip_path, e))?;
    if size > MAX_ZIP_FILE {
        return Ok(CheckedFiles {
            size_error: Some(SizeError::ZipFileTooLarge { size }),
            ..CheckedFiles::default()
        });
    }
    let entries = read_entries(r, size, zip_path)?;
    Ok(check_entries(m, &entries))
}

/// [`check_zip`] over an open file, also returning the entries for
/// [`super::unzip`].
pub(super) fn check_zip_file(
    m: &ModVersion,
    file: &mut fs::File,
    zip_path: &Path,
) -> Result<(Vec<Entry>, CheckedFiles), Error> {
    check_module(m)?;
    let size = file
        .metadata()
        .map_err(|e| Error::io("stat", zip_path, e))?
        .len();
    if size > MAX_ZIP_FILE {
        let cf = CheckedFiles {
            size_error: Some(SizeError::ZipFileTooLarge { size }),
            ..CheckedFiles::default()
        };
        return Ok((Vec::new(), cf));
    }
    let entries = read_entries(file, size, zip_path)?;
    let cf = check_entries(m, &entries);
    Ok((entries, cf))
}

pub(super) fn check_module(m: &ModVersion) -> Result<(), Error> {
    let canonical = module::canonical_version(&m.version);
    if canonical != m.version {
        return Err(Error::NonCanonicalVersion {
            version: m.version.clone(),
            canonical,
        });
    }
    module::check(&m.path, &m.version)?;
    Ok(())
}

fn read_entries<R: Read + Seek>(
    r: &mut R,
    size: u64,
    zip_path: &Path,
) -> Result<Vec<Entry>, Error> {
    let mut r = BufReader::new(r);
    central::read_entries(&mut r, size).map_err(|e| match e {
        central::ReadError::Io(source) => Error::io("read", zip_path, source),
        central::ReadError::Format(detail) => Error::NotAZip {
            path: zip_path.to_owned(),
            detail: detail.to_owned(),
        },
    })
}

/// The zip-side rules over central-directory entries.
fn check_entries(m: &ModVersion, entries: &[Entry]) -> CheckedFiles {
    let prefix = format!("{}@{}/", m.path, m.version);
    let mut cf = CheckedFiles::default();
    let mut collisions = Collisions::default();
    let mut total: u64 = 0;
    for e in entries {
        let mut invalid = |reason| {
            cf.invalid.push(FileError {
                path: lossy(&e.name),
                reason,
            })
        };
        let Some(rest) = e.name.strip_prefix(prefix.as_bytes()) else {
            invalid(Reason::MissingPrefix {
                prefix: prefix.clone(),
            });
            continue;
        };
        if rest.is_empty() {
            continue;
        }
        let (rest, is_dir) = match rest.strip_suffix(b"/") {
            Some(dir) => (dir, true),
            None => (rest, false),
        };
        if !is_clean(rest) {
            invalid(Reason::PathNotClean);
            continue;
        }
        let name = match check_file_path(rest) {
            Ok(name) => name,
            Err(reason) => {
                invalid(reason);
                continue;
            }
        };
        if let Err(reason) = collisions.check(name, is_dir) {
            invalid(reason);
            continue;
        }
        if is_dir {
            continue;
        }
        let base = name.rsplit('/').next().unwrap_or(name);
        if base.eq_ignore_ascii_case("go.mod") {
            if base != name {
                invalid(Reason::GoModNotInRoot);
                continue;
            }
            if name != "go.mod" {
                invalid(Reason::GoModCase);
                continue;
            }
        }
        let size = e.uncompressed_size;
        if i64::try_from(size).is_ok() && size <= MAX_ZIP_FILE - total {
            total += size;
        } else if cf.size_error.is_none() {
            cf.size_error = Some(SizeError::ContentsTooLarge);
        }
        if name == "go.mod" && over(size, MAX_GO_MOD) {
            invalid(Reason::GoModTooLarge);
            continue;
        }
        if name == "LICENSE" && over(size, MAX_LICENSE) {
            invalid(Reason::LicenseTooLarge);
            continue;
        }
        cf.valid.push(lossy(&e.name));
    }
    cf
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vendored_rules() {
        assert!(is_vendored_package("vendor/foo/foo.go", ""));
        assert!(!is_vendored_package("vendor/foo.go", ""));
        assert!(!is_vendored_package("vendor/modules.txt", "go1.23"));
        assert!(is_vendored_package("vendor/modules.txt", "go1.24"));
        assert!(is_vendored_package("pkg/vendor/vendor.go", "go1.23"));
        assert!(!is_vendored_package("pkg/vendor/vendor.go", "go1.24"));
        assert!(is_vendored_package("pkg/vendor/a/b.go", "go1.24"));
        assert!(!is_vendored_package("vendor", ""));
        assert!(!is_vendored_package("x/vendor/", "go1.24"));
    }

    #[test]
    fn collisions_report_first_problem() {
        let mut c = Collisions::default();
        assert!(c.check("a/b.go", false).is_ok());
        assert_eq!(
            c.check("a", false),
            Err(Reason::FileAndDirectory { path: "a".into() })
        );
        assert_eq!(
            c.check("A/c.go", false),
            Err(Reason::CaseCollision {
                first: "a".into(),
                second: "A".into()
            })
        );
        assert_eq!(
            c.check("a/b.go", false),
            Err(Reason::Duplicate {
                path: "a/b.go".into()
            })
        );
        assert!(c.check("a", true).is_ok());
    }
}
