//! Where module files come from: a [`ModuleSource`] gives a dependency's
//! `.mod` bytes and its module zip as a seekable reader (a file, or a
//! window into an archive); [`Tree`] reads one module's
//! files either straight out of that zip (random access by entry, one file
//! at a time) or from a directory on disk (main modules and directory
//! replacements).

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{self, Read, Seek};
use std::path::{Path, PathBuf};

use crate::classify::{Classify, ErrorClass};
use crate::goproxy::{self, Artifact};
use crate::imports::{DirEntry, EntryKind, FileTree, NodeKind, SourceDir};
use crate::module::ModVersion;

/// Why a module's files could not be had. A source that failed because of
/// a deeper error (an archive entry failing its manifest check, a go.sum
/// mismatch) carries it as its `source`, with its class, so the caller can
/// report that error as what it is.
#[derive(Debug, thiserror::Error)]
#[error("{module}: {message}")]
pub struct SourceError {
    /// The module (`path@version`).
    pub module: String,
    /// What went wrong.
    pub message: String,
    /// The error underneath, if any.
    #[source]
    pub source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
    /// Its class (a failed check is a security matter).
    pub class: ErrorClass,
}

impl SourceError {
    /// A plain failure (missing file, unreadable entry).
    pub fn new(module: impl Into<String>, message: impl Into<String>) -> SourceError {
        SourceError {
            module: module.into(),
            message: message.into(),
            source: None,
            class: ErrorClass::Failure,
        }
    }

    /// A failure caused by `e`, which keeps its text and class.
    pub fn caused_by<E>(m: &ModVersion, e: E) -> SourceError
    where
        E: std::error::Error + Classify + Send + Sync + 'static,
    {
        SourceError {
            module: m.to_string(),
            message: e.to_string(),
            class: e.class(),
            source: Some(Box::new(e)),
        }
    }

    /// The underlying error, when it is an `E`; else `self` unchanged.
    pub fn downcast<E: std::error::Error + 'static>(mut self) -> Result<E, SourceError> {
        match self.source.take().map(|s| s.downcast::<E>()) {
            Some(Ok(e)) => Ok(*e),
            Some(Err(other)) => {
                self.source = Some(other);
                Err(self)
            }
            None => Err(self),
        }
    }
}

impl Classify for SourceError {
    fn class(&self) -> ErrorClass {
        self.class
    }
}

/// A source of dependency module files: the `.mod` file and the module zip
/// of a module version, as a GOPROXY serves them. Shared by the threads that
/// write the vendor tree, each of which opens the zips it copies from.
pub trait ModuleSource: Sync {
    /// The go.mod of `m` (the proxy's `.mod` file).
    fn go_mod(&self, m: &ModVersion) -> Result<Vec<u8>, SourceError>;
    /// `m`'s module zip, opened; it is read entry by entry, never
    /// unpacked.
    fn open_zip(&self, m: &ModVersion) -> Result<OpenedZip, SourceError>;
    /// True when `m`'s zip was checked earlier in this run against the
    /// module zip rules and the hash go.sum has for it (snapshot's
    /// downloads, a tree `verify` has just checked), so that reading it
    /// does not need the check again. go.sum's lines are still required as
    /// the go command requires them.
    fn zip_verified(&self, _m: &ModVersion) -> bool {
        false
    }
    /// Checks `m`'s zip against what the source itself vouches for it by
    /// (an archive's manifest digest), for a source whose
    /// [`ModuleSource::open_zip`] leaves that check to this call. The
    /// checked source calls it on a worker, with its own checks of the
    /// zip, and every vendor run waits for them before anything read is
    /// used.
    fn verify_zip(&self, _m: &ModVersion) -> Result<(), SourceError> {
        Ok(())
    }
    /// The digest of each entry of `m`'s zip, when the source keeps them
    /// beside it (an archive's manifest): untrusted until the checked
    /// source has hashed them with the zip's names to go.sum's line. `Err`
    /// when what it keeps is malformed.
    fn zip_file_digests(
        &self,
        _m: &ModVersion,
    ) -> Option<Result<crate::dirhash::FileDigests, String>> {
        None
    }
}

/// Checks each entry a [`Tree`] reads against a list of entry digests
/// (set by the checked source when a zip's files are checked one by one
/// instead of the whole zip at once).
pub(crate) trait EntryCheck: Send + Sync {
    /// Whether entry `index` (named `name`) hashes to its listed digest;
    /// a mismatch is recorded as a security failure and returned.
    fn check(&self, index: usize, name: &str, digest: [u8; 32]) -> io::Result<()>;
    /// Entry `index` was read in part (a Go file's head, for its imports
    /// and build constraints): the checked source hashes it whole before
    /// the run's result is used, unless [`EntryCheck::check`] covers it.
    fn read_in_part(&self, index: usize, name: &str);
    /// Entry `index` could not be read as its zip headers describe it (a
    /// bad CRC-32, a size that lies, a broken stream): recorded as a
    /// security failure, as the whole-zip check would have found it.
    fn unreadable(&self, index: usize, name: &str, error: &str);
}

/// Bytes a module zip can be read from: anything seekable.
pub trait ZipBytes: Read + Seek {}
impl<T: Read + Seek> ZipBytes for T {}

/// A module zip as a [`ModuleSource`] hands it out.
pub struct OpenedZip {
    /// Where it is, for messages (a file, or `archive/entry`).
    pub location: PathBuf,
    /// Its bytes.
    pub bytes: Box<dyn ZipBytes>,
    /// When set, every entry read from it is checked against its listed
    /// digest (an entry read in part, once the run is done).
    pub(crate) entries: Option<std::sync::Arc<dyn EntryCheck>>,
}

impl OpenedZip {
    /// A zip at `location`, read from `bytes`.
    pub fn new(location: PathBuf, bytes: Box<dyn ZipBytes>) -> OpenedZip {
        OpenedZip {
            location,
            bytes,
            entries: None,
        }
    }
}

/// A [`ModuleSource`] over a GOPROXY tree on disk:
/// `<root>/<escaped path>/@v/<escaped version>.{mod,zip}`.
#[derive(Debug, Clone)]
pub struct ProxyDir {
    root: PathBuf,
}

impl ProxyDir {
    /// The tree rooted at `root`.
    pub fn new(root: impl Into<PathBuf>) -> ProxyDir {
        ProxyDir { root: root.into() }
    }

    fn file(&self, m: &ModVersion, artifact: Artifact) -> Result<PathBuf, SourceError> {
        let name = goproxy::file_name(m, artifact)
            .map_err(|e| SourceError::new(m.to_string(), e.to_string()))?;
        Ok(self.root.join(name))
    }
}

impl ModuleSource for ProxyDir {
    fn go_mod(&self, m: &ModVersion) -> Result<Vec<u8>, SourceError> {
        let path = self.file(m, Artifact::Mod)?;
        std::fs::read(&path)
            .map_err(|e| SourceError::new(m.to_string(), format!("read `{}`: {e}", path.display())))
    }

    fn open_zip(&self, m: &ModVersion) -> Result<OpenedZip, SourceError> {
        let path = self.file(m, Artifact::Zip)?;
        let file = File::open(&path).map_err(|e| {
            SourceError::new(
                m.to_string(),
                if e.kind() == io::ErrorKind::NotFound {
                    format!("no module zip at `{}`", path.display())
                } else {
                    format!("open `{}`: {e}", path.display())
                },
            )
        })?;
        Ok(OpenedZip::new(path, Box::new(file)))
    }
}

/// One module's file tree, addressed by slash-separated paths relative to
/// the module root ("" is the root).
pub(crate) enum Tree {
    /// A module zip: entries under `<path>@<version>/`.
    Zip(Box<ZipTree>),
    /// A directory on disk.
    Dir(PathBuf),
}

/// A zip tree's buffered bytes, and the zip reader over them.
type ZipBytesReader = crate::seekbuf::SeekBufReader<Box<dyn ZipBytes>>;
type ZipReader = zip::ZipArchive<ZipBytesReader>;

/// A module zip opened for random access.
pub(crate) struct ZipTree {
    path: PathBuf,
    /// The reader; `None` once [`Tree::index_only`] dropped it.
    archive: RefCell<Option<ZipReader>>,
    /// Relative file name → entry index.
    files: BTreeMap<String, usize>,
    /// Checks every entry read, when the zip's files are checked one by one.
    entries: Option<std::sync::Arc<dyn EntryCheck>>,
    /// Heads of Go files read so far (see [`crate::imports::read_go_head`]):
    /// loading, the file filter and embed scanning each read them. Only the
    /// bytes the import reader looked at are kept (~1 KiB a file).
    heads: RefCell<HashMap<String, (Vec<u8>, bool)>>,
    /// Files read whole and kept until written out or forgotten
    /// ([`Tree::keep_whole`]); their heads are read from here.
    whole: RefCell<HashMap<String, Vec<u8>>>,
}

impl ZipTree {
    /// The entry index of `rel`.
    fn index(&self, rel: &str) -> io::Result<usize> {
        self.files
            .get(rel)
            .copied()
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "not in module zip"))
    }

    /// Entry `i`'s raw (still compressed) bytes, from the tree's reader.
    fn raw_entry(
        reader: &mut Option<ZipReader>,
        i: usize,
    ) -> io::Result<zip::read::ZipFile<'_, ZipBytesReader>> {
        reader
            .as_mut()
            .ok_or_else(|| io::Error::other("module zip opened for its file list only"))?
            .by_index_raw(i)
            .map_err(io::Error::other)
    }
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

impl Tree {
    /// Opens `zip`, the module zip of `m`.
    pub(crate) fn open_zip(m: &ModVersion, zip: OpenedZip) -> io::Result<Tree> {
        let buffered = crate::seekbuf::SeekBufReader::with_capacity(16 * 1024, zip.bytes)?;
        let archive = zip::ZipArchive::new(buffered).map_err(io::Error::other)?;
        let prefix = format!("{}@{}/", m.path, m.version);
        let mut files = BTreeMap::new();
        for i in 0..archive.len() {
            let Some(Ok(name)) = archive.name_for_index(i) else {
                continue;
            };
            let Some(rel) = name.strip_prefix(&prefix) else {
                continue;
            };
            if rel.is_empty() || rel.ends_with('/') {
                continue;
            }
            files.entry(rel.to_string()).or_insert(i);
        }
        Ok(Tree::Zip(Box::new(ZipTree {
            path: zip.location,
            archive: RefCell::new(Some(archive)),
            files,
            entries: zip.entries,
            heads: RefCell::new(HashMap::new()),
            whole: RefCell::new(HashMap::new()),
        })))
    }

    /// The tree without its zip reader: its file list (and directory
    /// listings) only, for a holder that never reads a file from it. The
    /// zip crate's central directory and the read buffer are freed.
    pub(crate) fn index_only(self) -> Tree {
        if let Tree::Zip(z) = &self {
            z.archive.borrow_mut().take();
        }
        self
    }

    /// Where the tree lives (for messages).
    pub(crate) fn location(&self) -> &Path {
        match self {
            Tree::Zip(z) => &z.path,
            Tree::Dir(d) => d,
        }
    }

    /// Drops the remembered heads, and the files kept whole, of the files
    /// directly in `dir`.
    pub(crate) fn forget_heads(&self, dir: &str) {
        if let Tree::Zip(z) = self {
            let prefix = dir_prefix(dir);
            let elsewhere = |k: &String| {
                k.strip_prefix(&prefix)
                    .is_none_or(|name| name.contains('/'))
            };
            z.heads.borrow_mut().retain(|k, _| elsewhere(k));
            z.whole.borrow_mut().retain(|k, _| elsewhere(k));
        }
    }

    /// The size the zip's central directory gives `rel` (`None` for a
    /// directory tree, a file not in the zip, or a tree kept for its file
    /// list only).
    pub(crate) fn declared_size(&self, rel: &str) -> Option<u64> {
        let Tree::Zip(z) = self else {
            return None;
        };
        let i = z.index(rel).ok()?;
        let reader = z.archive.borrow();
        reader.as_ref()?.by_index_data(i).ok().map(|e| e.size())
    }

    /// Keeps `data`, the whole of `rel` as read (and checked) from the zip:
    /// reads of `rel` are answered from it until [`Tree::take_whole`] or
    /// [`Tree::forget_heads`].
    pub(crate) fn keep_whole(&self, rel: String, data: Vec<u8>) {
        if let Tree::Zip(z) = self {
            z.whole.borrow_mut().insert(rel, data);
        }
    }

    /// The whole of `rel`, if kept, no longer kept.
    pub(crate) fn take_whole(&self, rel: &str) -> Option<Vec<u8>> {
        match self {
            Tree::Zip(z) => z.whole.borrow_mut().remove(rel),
            Tree::Dir(_) => None,
        }
    }

    /// Whether the files read from it are checked one by one (see
    /// [`EntryCheck`]).
    pub(crate) fn checks_files(&self) -> bool {
        matches!(self, Tree::Zip(z) if z.entries.is_some())
    }

    /// Whether this is a local directory (nested go.mod files count).
    pub(crate) fn is_local(&self) -> bool {
        matches!(self, Tree::Dir(_))
    }

    /// The entries directly in `dir`, sorted by name. A missing directory
    /// has no entries.
    pub(crate) fn entries(&self, dir: &str) -> io::Result<Vec<DirEntry>> {
        match self {
            Tree::Zip(z) => {
                let prefix = dir_prefix(dir);
                let mut out: BTreeMap<String, EntryKind> = BTreeMap::new();
                for name in z
                    .files
                    .range(prefix.clone()..)
                    .map(|(k, _)| k)
                    .take_while(|k| k.starts_with(&prefix))
                {
                    let rest = &name[prefix.len()..];
                    match rest.split_once('/') {
                        Some((d, _)) => {
                            out.insert(d.to_string(), EntryKind::Dir);
                        }
                        None => {
                            out.entry(rest.to_string()).or_insert(EntryKind::Regular);
                        }
                    }
                }
                Ok(out.into_iter().map(|(n, k)| DirEntry::new(n, k)).collect())
            }
            Tree::Dir(root) => {
                let path = root.join(dir);
                let mut out = match crate::imports::RealDir::new(&path).entries() {
                    Ok(v) => v,
                    Err(e)
                        if matches!(
                            e.kind(),
                            io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
                        ) =>
                    {
                        Vec::new()
                    }
                    Err(e) => return Err(e),
                };
                out.sort_by(|a, b| a.name.cmp(&b.name));
                Ok(out)
            }
        }
    }

    /// Whether `rel` is a regular file (symlinks to files count on disk, as
    /// `os.Stat` follows them).
    pub(crate) fn is_file(&self, rel: &str) -> bool {
        match self {
            Tree::Zip(z) => z.files.contains_key(rel),
            Tree::Dir(root) => std::fs::metadata(root.join(rel)).is_ok_and(|m| m.is_file()),
        }
    }

    /// Whether `dir` holds a `.go` file, whatever its build constraints
    /// (cmd/go's `IsGoDir`).
    pub(crate) fn has_go_files(&self, dir: &str) -> io::Result<bool> {
        Ok(self.entries(dir)?.iter().any(|e| {
            e.name.ends_with(".go")
                && matches!(e.kind, EntryKind::Regular | EntryKind::SymlinkToRegular)
        }))
    }

    /// The whole contents of `rel`.
    pub(crate) fn read(&self, rel: &str) -> io::Result<Vec<u8>> {
        if let Tree::Zip(z) = self
            && let Some(data) = z.whole.borrow().get(rel)
        {
            return Ok(data.clone());
        }
        let mut out = Vec::new();
        self.copy_to(rel, &mut out)?;
        Ok(out)
    }

    /// At least the first `limit` bytes of `rel`, and whether that is all.
    pub(crate) fn read_prefix(&self, rel: &str, limit: usize) -> io::Result<(Vec<u8>, bool)> {
        match self {
            Tree::Zip(z) => {
                if let Some(data) = z.whole.borrow().get(rel) {
                    let n = limit.min(data.len());
                    return Ok((data[..n].to_vec(), n == data.len()));
                }
                let i = z.index(rel)?;
                let mut reader = z.archive.borrow_mut();
                let entry = ZipTree::raw_entry(&mut reader, i)?;
                let mut out = Vec::with_capacity(limit.min(entry.size() as usize));
                let mut h = z.entries.as_ref().map(|_| crate::dirhash::Sha256::new());
                let streamed = crate::zipentry::with_inflater(|inf| {
                    inf.stream(entry, limit as u64, &mut |c| {
                        if let Some(h) = h.as_mut() {
                            h.update(c);
                        }
                        out.extend_from_slice(c);
                        Ok(())
                    })
                })
                .inspect_err(|e| {
                    if let Some(check) = &z.entries {
                        check.unreadable(i, rel, &e.to_string());
                    }
                })?;
                // Checked one by one: a whole entry now, a head once the
                // run is done (most are copied, and checked then).
                if let (Some(check), Some(h)) = (&z.entries, h) {
                    if streamed.whole {
                        check.check(i, rel, h.finalize())?;
                    } else {
                        check.read_in_part(i, rel);
                    }
                }
                Ok((out, streamed.whole))
            }
            Tree::Dir(root) => crate::imports::RealDir::new(root).read_prefix(rel, limit),
        }
    }

    /// Streams `rel` into `w`.
    pub(crate) fn copy_to(&self, rel: &str, w: &mut dyn io::Write) -> io::Result<u64> {
        match self {
            Tree::Zip(z) => {
                let i = z.index(rel)?;
                let mut reader = z.archive.borrow_mut();
                let entry = ZipTree::raw_entry(&mut reader, i)?;
                // Checked one by one: hashed as it is copied (the copy is
                // only staged; the tree is swapped in once every check has
                // passed).
                let mut h = z.entries.as_ref().map(|_| crate::dirhash::Sha256::new());
                let mut write_failed = false;
                let streamed = crate::zipentry::with_inflater(|inf| {
                    inf.stream(entry, u64::MAX, &mut |c| {
                        if let Some(h) = h.as_mut() {
                            h.update(c);
                        }
                        w.write_all(c).inspect_err(|_| write_failed = true)
                    })
                })
                .inspect_err(|e| {
                    // A failed local write is not the zip's fault.
                    if let Some(check) = &z.entries
                        && !write_failed
                    {
                        check.unreadable(i, rel, &e.to_string());
                    }
                })?;
                if let (Some(check), Some(h)) = (&z.entries, h) {
                    check.check(i, rel, h.finalize())?;
                }
                Ok(streamed.bytes)
            }
            Tree::Dir(root) => {
                let mut f = File::open(root.join(rel))?;
                io::copy(&mut f, w)
            }
        }
    }

    /// The files and directories below `dir`, relative to it, for embed
    /// resolution (symlinks and special files are kept as such, never
    /// followed).
    pub(crate) fn file_tree(&self, dir: &str) -> io::Result<FileTree> {
        let mut tree = FileTree::default();
        match self {
            Tree::Zip(z) => {
                let prefix = dir_prefix(dir);
                for name in z
                    .files
                    .range(prefix.clone()..)
                    .map(|(k, _)| k)
                    .take_while(|k| k.starts_with(&prefix))
                {
                    tree.insert(name[prefix.len()..].to_string(), NodeKind::File);
                }
            }
            Tree::Dir(root) => {
                let base = root.join(dir);
                let mut stack = vec![(base.clone(), String::new())];
                while let Some((path, rel)) = stack.pop() {
                    let rd = match std::fs::read_dir(&path) {
                        Ok(rd) => rd,
                        Err(e) if rel.is_empty() && e.kind() == io::ErrorKind::NotFound => {
                            break;
                        }
                        Err(e) => return Err(e),
                    };
                    for e in rd {
                        let e = e?;
                        let name = e.file_name().to_string_lossy().into_owned();
                        let child = join(&rel, &name);
                        let ft = e.file_type()?;
                        let kind = if ft.is_dir() {
                            stack.push((e.path(), child.clone()));
                            NodeKind::Dir
                        } else if ft.is_file() {
                            NodeKind::File
                        } else if ft.is_symlink() {
                            NodeKind::Symlink
                        } else {
                            NodeKind::Other
                        };
                        tree.insert(child, kind);
                    }
                }
            }
        }
        Ok(tree)
    }
}

/// One directory of a [`Tree`] as an [`imports::SourceDir`](SourceDir).
pub(crate) struct TreeDir<'a> {
    /// The tree.
    pub(crate) tree: &'a Tree,
    /// The directory, relative to the module root.
    pub(crate) dir: &'a str,
}

impl SourceDir for TreeDir<'_> {
    fn entries(&self) -> io::Result<Vec<DirEntry>> {
        self.tree.entries(self.dir)
    }

    fn read(&self, name: &str) -> io::Result<Vec<u8>> {
        self.tree.read(&join(self.dir, name))
    }

    fn read_prefix(&self, name: &str, limit: usize) -> io::Result<(Vec<u8>, bool)> {
        self.tree.read_prefix(&join(self.dir, name), limit)
    }

    fn remembered_head(&self, name: &str) -> Option<(Vec<u8>, bool)> {
        match self.tree {
            Tree::Zip(z) => z.heads.borrow().get(&join(self.dir, name)).cloned(),
            Tree::Dir(_) => None,
        }
    }

    fn remember_head(&self, name: &str, head: &[u8], whole: bool) {
        if let Tree::Zip(z) = self.tree {
            z.heads
                .borrow_mut()
                .insert(join(self.dir, name), (head.to_vec(), whole));
        }
    }
}

/// The zip-name prefix of the files below `dir` ("" for the module root).
fn dir_prefix(dir: &str) -> String {
    if dir.is_empty() {
        String::new()
    } else {
        format!("{dir}/")
    }
}
