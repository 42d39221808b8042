//! cmd/go's `imports.ScanDir`: the imports and test imports of one package
//! directory, over any source of directory entries and file contents.

use std::collections::BTreeSet;
use std::io;
use std::path::{Path, PathBuf};

use super::constraint::{Tags, match_file, should_build};
use super::read::read_imports;

/// What a directory entry is, as far as the scanners care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// A regular file.
    Regular,
    /// A directory.
    Dir,
    /// A symbolic link whose target is a regular file.
    SymlinkToRegular,
    /// A symbolic link whose target is a directory.
    SymlinkToDir,
    /// Anything else: a broken symlink, a device, a socket, ...
    Other,
}

/// One entry of a package directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirEntry {
    /// The base name.
    pub name: String,
    /// What it is.
    pub kind: EntryKind,
}

impl DirEntry {
    /// An entry named `name` of kind `kind`.
    pub fn new(name: impl Into<String>, kind: EntryKind) -> DirEntry {
        DirEntry {
            name: name.into(),
            kind,
        }
    }
}

/// A package directory: its entries and a way to read its files. Implement
/// it over a module zip to scan without extracting; [`RealDir`] reads the
/// filesystem.
pub trait SourceDir {
    /// The entries directly in the directory (any order).
    fn entries(&self) -> io::Result<Vec<DirEntry>>;
    /// The contents of the file `name` in the directory.
    fn read(&self, name: &str) -> io::Result<Vec<u8>>;
    /// At least the first `limit` bytes of `name` (all of it when shorter),
    /// and whether that is the whole file. Sources where reading part of
    /// a file is cheaper (a zip entry is inflated only that far) override
    /// this; the default reads the whole file.
    fn read_prefix(&self, name: &str, limit: usize) -> io::Result<(Vec<u8>, bool)> {
        let _ = limit;
        Ok((self.read(name)?, true))
    }
    /// A head of `name` kept by [`SourceDir::remember_head`] (and whether
    /// it is the whole file), for sources that keep them: the go command's
    /// steps read the same file heads several times.
    fn remembered_head(&self, name: &str) -> Option<(Vec<u8>, bool)> {
        let _ = name;
        None
    }
    /// Keeps a head of `name` for later [`read_go_head`] calls.
    fn remember_head(&self, name: &str, head: &[u8], whole: bool) {
        let _ = (name, head, whole);
    }
}

/// How much of a Go file is read, in turn, to find its package clause and
/// imports: most import blocks end within the first 2 KiB, almost all within
/// 16 KiB; past that the whole file is read.
const HEAD_PREFIXES: [usize; 2] = [2 << 10, 16 << 10];

/// The bytes of Go file `name` that the go command's import reader needs:
/// a prefix when the reader stops inside it (and `need_all` does not ask
/// for more, e.g. a file importing "embed" whose `//go:embed` comments can
/// be anywhere), else the whole file. Reading only the head is what
/// cmd/go's `imports.ReadImports` does too; the result of
/// [`read_imports`] (and go/build's reader) on it equals that on the whole
/// file.
pub fn read_go_head(
    dir: &dyn SourceDir,
    name: &str,
    need_all: &dyn Fn(&super::ImportsRead<'_>) -> bool,
) -> io::Result<Vec<u8>> {
    if let Some((head, whole)) = dir.remembered_head(name) {
        if whole {
            return Ok(head);
        }
        if let Ok(r) = read_imports(&head)
            && r.stopped
            && !need_all(&r)
        {
            return Ok(head);
        }
        return dir.read(name);
    }
    for limit in HEAD_PREFIXES {
        let (mut head, whole) = dir.read_prefix(name, limit)?;
        if whole {
            dir.remember_head(name, &head, true);
            return Ok(head);
        }
        let verdict = match read_imports(&head) {
            Ok(r) if r.stopped => Some((r.consumed, need_all(&r))),
            _ => None,
        };
        if let Some((consumed, all)) = verdict {
            // Only the bytes the reader looked at matter.
            head.truncate(consumed);
            dir.remember_head(name, &head, false);
            if all {
                break;
            }
            return Ok(head);
        }
    }
    dir.read(name)
}

/// A [`SourceDir`] on the real filesystem.
#[derive(Debug, Clone)]
pub struct RealDir {
    path: PathBuf,
}

impl RealDir {
    /// The directory at `path`.
    pub fn new(path: impl Into<PathBuf>) -> RealDir {
        RealDir { path: path.into() }
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl SourceDir for RealDir {
    fn entries(&self) -> io::Result<Vec<DirEntry>> {
        let mut out = Vec::new();
        for e in std::fs::read_dir(&self.path)? {
            let e = e?;
            let name = e.file_name().to_string_lossy().into_owned();
            let ft = e.file_type()?;
            let kind = if ft.is_file() {
                EntryKind::Regular
            } else if ft.is_dir() {
                EntryKind::Dir
            } else if ft.is_symlink() {
                match std::fs::metadata(e.path()) {
                    Ok(m) if m.is_file() => EntryKind::SymlinkToRegular,
                    Ok(m) if m.is_dir() => EntryKind::SymlinkToDir,
                    _ => EntryKind::Other,
                }
            } else {
                EntryKind::Other
            };
            out.push(DirEntry { name, kind });
        }
        Ok(out)
    }

    fn read(&self, name: &str) -> io::Result<Vec<u8>> {
        std::fs::read(self.path.join(name))
    }

    fn read_prefix(&self, name: &str, limit: usize) -> io::Result<(Vec<u8>, bool)> {
        let f = std::fs::File::open(self.path.join(name))?;
        let len = f.metadata()?.len();
        let mut out = Vec::with_capacity(limit.min(len as usize));
        io::Read::read_to_end(&mut io::Read::take(f, limit as u64), &mut out)?;
        let whole = (out.len() as u64) >= len;
        Ok((out, whole))
    }
}

/// The result of [`scan_dir`]: sorted, deduplicated import paths.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scan {
    /// Imports of non-test files. `"C"` is included when a cgo file was
    /// scanned; callers building a package graph drop it.
    pub imports: Vec<String>,
    /// Imports of `_test.go` files (package `p` and `p_test` alike).
    pub test_imports: Vec<String>,
}

/// Why [`scan_dir`] failed.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// No file was usable (cmd/go's `ErrNoGo`): the directory is not a
    /// package under these tags.
    #[error("no Go source files")]
    NoGo,
    /// The directory listing or a file could not be read, or a file holds
    /// a NUL byte where the import reader looked.
    #[error("reading {name}: {source}")]
    Read {
        /// The file name ("" for the directory listing).
        name: String,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
}

/// cmd/go's `imports.ScanDir(dir, tags)`.
///
/// Considers regular files and symlinks to regular files whose names end
/// in `.go`, do not start with `_` or `.`, and pass [`match_file`]. A file
/// importing `"C"` is skipped unless `tags` has `cgo` or is [`Tags::any`];
/// a file failing [`should_build`] is skipped. Imports of `_test.go` files
/// go to [`Scan::test_imports`]; literals that do not unquote are dropped.
pub fn scan_dir(dir: &dyn SourceDir, tags: &Tags) -> Result<Scan, ScanError> {
    let mut entries = dir.entries().map_err(|source| ScanError::Read {
        name: String::new(),
        source,
    })?;
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    let mut imports = BTreeSet::new();
    let mut test_imports = BTreeSet::new();
    let mut files = 0usize;
    for e in entries {
        let name = e.name;
        let file_like = matches!(e.kind, EntryKind::Regular | EntryKind::SymlinkToRegular);
        if !file_like
            || name.starts_with('_')
            || name.starts_with('.')
            || !name.ends_with(".go")
            || !match_file(&name, tags)
        {
            continue;
        }
        let src = read_go_head(dir, &name, &|_| false).map_err(|source| ScanError::Read {
            name: name.clone(),
            source,
        })?;
        let read = read_imports(&src).map_err(|err| ScanError::Read {
            name: name.clone(),
            source: io::Error::new(io::ErrorKind::InvalidData, err),
        })?;
        if read.imports_c() && !tags.is_any() && !tags.contains("cgo") {
            continue;
        }
        if !should_build(read.header, tags) {
            continue;
        }
        files += 1;
        let target = if name.ends_with("_test.go") {
            &mut test_imports
        } else {
            &mut imports
        };
        target.extend(read.paths());
    }
    if files == 0 {
        return Err(ScanError::NoGo);
    }
    Ok(Scan {
        imports: imports.into_iter().collect(),
        test_imports: test_imports.into_iter().collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    struct Mem(BTreeMap<String, (EntryKind, Vec<u8>)>);

    impl SourceDir for Mem {
        fn entries(&self) -> io::Result<Vec<DirEntry>> {
            Ok(self
                .0
                .iter()
                .map(|(n, (k, _))| DirEntry::new(n.clone(), *k))
                .collect())
        }
        fn read(&self, name: &str) -> io::Result<Vec<u8>> {
            self.0
                .get(name)
                .map(|(_, c)| c.clone())
                .ok_or_else(|| io::Error::from(io::ErrorKind::NotFound))
        }
    }

    fn mem(files: &[(&str, EntryKind, &str)]) -> Mem {
        Mem(files
            .iter()
            .map(|(n, k, c)| (n.to_string(), (*k, c.as_bytes().to_vec())))
            .collect())
    }

    use EntryKind::*;

    #[test]
    fn splits_tests_skips_hidden_and_ignored() {
        let d = mem(&[
            ("a.go", Regular, "package p\nimport (\"fmt\"; \"os\")\n"),
            ("b_test.go", Regular, "package p_test\nimport \"testing\"\n"),
            ("c.go", SymlinkToRegular, "package p\nimport \"io\"\n"),
            ("_d.go", Regular, "package p\nimport \"hidden1\"\n"),
            (".e.go", Regular, "package p\nimport \"hidden2\"\n"),
            (
                "f.go",
                Regular,
                "//go:build ignore\n\npackage main\nimport \"ignored\"\n",
            ),
            ("g.go", Other, "package p\nimport \"broken\"\n"),
            ("h_windows.go", Regular, "package p\nimport \"win\"\n"),
            (
                "i.go",
                Regular,
                "package p\nimport \"C\"\nimport \"cgoonly\"\n",
            ),
            ("x.txt", Regular, "package p\nimport \"txt\"\n"),
        ]);
        let s = scan_dir(&d, &Tags::any()).unwrap();
        assert_eq!(s.imports, vec!["C", "cgoonly", "fmt", "io", "os", "win"]);
        assert_eq!(s.test_imports, vec!["testing"]);
        let linux = Tags::new("linux", "amd64");
        let s = scan_dir(&d, &linux).unwrap();
        assert_eq!(s.imports, vec!["fmt", "io", "os"]);
        let s = scan_dir(&d, &linux.clone().with_cgo(true)).unwrap();
        assert_eq!(s.imports, vec!["C", "cgoonly", "fmt", "io", "os"]);
    }

    #[test]
    fn no_go_and_nul() {
        let d = mem(&[("f.go", Regular, "// +build ignore\n\npackage p\n")]);
        assert!(matches!(scan_dir(&d, &Tags::any()), Err(ScanError::NoGo)));
        let d = mem(&[("f_test.go", Regular, "package p\n")]);
        assert!(scan_dir(&d, &Tags::any()).is_ok());
        let d = mem(&[("f.go", Regular, "package p\x00")]);
        let e = scan_dir(&d, &Tags::any()).unwrap_err().to_string();
        assert_eq!(e, "reading f.go: unexpected NUL in input");
    }
}
