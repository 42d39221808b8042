//! Reading archives safely: every entry is checked before a byte of it is
//! written anywhere, and every byte against the manifest.
//!
//! Refused: absolute paths, `..` or `.` components, backslashes, empty
//! components, symlinks, hard links, device files and FIFOs, duplicate
//! entries, and any name that is not `modsnap.json` or a GOPROXY tree file
//! (`<escaped module path>/@v/{list,<escaped version>.info|.mod|.zip}`).
//! `modsnap.json` must come first, so the rest can be verified as it
//! streams past; a file the manifest does not describe, a size or SHA-256
//! that differs, or a described file that never comes (a truncated archive)
//! is reported with the entry's name.
//!
//! The format is recognised by content (tar, gzip, zstd, zip magic), not by
//! file name. Compressed and zip archives are read once, as a stream. A
//! plain `.tar` is random access: [`TarIndex`] first walks its headers only
//! (all the checks above except the digests, and every described file
//! found), then files are read at their offsets — copied by several workers
//! ([`extract`]), or opened one at a time ([`TarIndex::open_file`], which
//! `modsnap vendor` uses to read module zips in place). Either way a file
//! counts as read only once its digest matched: extraction writes into a
//! directory the caller discards on error, and `open_file` hashes a file
//! before handing it out.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::classify::{Classify, ErrorClass};
use crate::dirhash::Sha256;

use super::manifest::{FORMAT, FileEntry, Manifest};
use super::{Format, MANIFEST_NAME};
use crate::fsutil::FsError;
use crate::goproxy::{self, Artifact, ProxyFile};
use crate::module;

/// Why an archive cannot be read or trusted.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// Reading the archive file failed.
    #[error(transparent)]
    Fs(#[from] FsError),
    /// Not a tar, tar.gz, tar.zst or zip file.
    #[error("`{}`: not a modsnap archive (not a tar, tar.gz, tar.zst or zip file)", path.display())]
    UnknownFormat {
        /// The archive.
        path: PathBuf,
    },
    /// The container is corrupt or truncated.
    #[error("`{}`: corrupt or truncated archive: {detail}", path.display())]
    Corrupt {
        /// The archive.
        path: PathBuf,
        /// What the reader said.
        detail: String,
    },
    /// An entry that must never be extracted.
    #[error("`{}`: refusing entry {}: {reason}", path.display(), module::quote(name))]
    UnsafeEntry {
        /// The archive.
        path: PathBuf,
        /// The entry name (lossily decoded).
        name: String,
        /// Why it is refused.
        reason: String,
    },
    /// The manifest is missing, not first, or not valid.
    #[error("`{}`: {detail}", path.display())]
    BadManifest {
        /// The archive.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// An entry's bytes differ from what the manifest says.
    #[error("`{}`: entry {} is corrupt or tampered with: {detail} (SECURITY ERROR)", path.display(), module::quote(name))]
    Tampered {
        /// The archive.
        path: PathBuf,
        /// The entry.
        name: String,
        /// Expected versus found.
        detail: String,
    },
    /// The manifest describes files the archive lacks.
    #[error("`{}`: truncated or incomplete archive: {} file(s) described by the manifest are missing, first {}", path.display(), count, module::quote(first))]
    Missing {
        /// The archive.
        path: PathBuf,
        /// The first missing file.
        first: String,
        /// How many are missing.
        count: usize,
    },
    /// The callback failed.
    #[error("{0}")]
    Sink(String),
}

impl Classify for ReadError {
    /// Everything but local I/O means the archive's content is not what its
    /// manifest says: a security matter.
    fn class(&self) -> ErrorClass {
        match self {
            ReadError::Fs(_) | ReadError::Sink(_) => ErrorClass::Failure,
            // Files absent, nothing wrong present: stale or cut off.
            ReadError::Missing { .. } => ErrorClass::Incomplete,
            _ => ErrorClass::Security,
        }
    }
}

/// What kind of GOPROXY tree file an entry is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryKind {
    /// `modsnap.json`.
    Manifest,
    /// `<path>/@v/list` for module `path`.
    List {
        /// The module path (unescaped).
        module: String,
    },
    /// `sumdb/<name>/…`: a checksum-database file (described in the
    /// manifest's `sumdb.files`).
    Sumdb,
    /// `<path>/@v/<version>.<ext>`.
    Artifact {
        /// The module path (unescaped).
        module: String,
        /// The version (unescaped).
        version: String,
        /// `.info`, `.mod` or `.zip`.
        artifact: Artifact,
    },
}

/// Checks an entry name and says what it is, or why it is refused: the
/// manifest, or a GOPROXY tree file ([`crate::goproxy::parse`]) of a kind
/// archives hold.
pub fn classify(name: &str) -> Result<EntryKind, String> {
    if name == MANIFEST_NAME {
        return Ok(EntryKind::Manifest);
    }
    match goproxy::parse(name).map_err(|e| e.to_string())? {
        ProxyFile::List { module } => Ok(EntryKind::List { module }),
        ProxyFile::Version { module, artifact } => Ok(EntryKind::Artifact {
            module: module.path,
            version: module.version,
            artifact,
        }),
        ProxyFile::Sumdb { .. } => Ok(EntryKind::Sumdb),
        ProxyFile::Latest { .. } => Err("not a file modsnap archives hold (`@latest`)".into()),
    }
}

/// Sniffs the container format from the first bytes.
pub fn sniff(path: &Path) -> Result<Format, ReadError> {
    let mut f = File::open(path).map_err(|e| FsError::new("open", path, e))?;
    let mut head = [0u8; 512];
    let mut n = 0;
    while n < head.len() {
        match f.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(FsError::new("read", path, e).into()),
        }
    }
    let head = &head[..n];
    if head.starts_with(&[0x1f, 0x8b]) {
        Ok(Format::TarGz)
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Ok(Format::TarZst)
    } else if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        Ok(Format::Zip)
    } else if n >= 262 && &head[257..262] == b"ustar" {
        Ok(Format::Tar)
    } else {
        Err(ReadError::UnknownFormat {
            path: path.to_owned(),
        })
    }
}

/// A verified entry handed to the caller: its name, kind and a reader over
/// its bytes. The bytes are hashed as the caller reads them; the reader
/// must be read to the end.
pub struct Entry<'a> {
    /// The entry name.
    pub name: &'a str,
    /// What it is.
    pub kind: &'a EntryKind,
    /// The manifest's description (`None` for `@v/list` files, which are
    /// checked against the manifest's versions instead).
    pub described: Option<&'a FileEntry>,
    /// The bytes.
    pub reader: &'a mut dyn Read,
}

/// Reads the manifest only (the first entry).
pub fn read_manifest(path: &Path) -> Result<Manifest, ReadError> {
    walk(path, Check::Fast, &mut |_| Ok(false), &mut |_| Ok(()))?.ok_or_else(|| {
        ReadError::BadManifest {
            path: path.to_owned(),
            detail: "no modsnap.json in the archive".into(),
        }
    })
}

/// Reads every entry, verifying it against the manifest, and hands each to
/// `sink`. Returns the manifest. Fails on the first unsafe, unexpected or
/// tampered entry, and when described files are missing at the end.
pub fn read_all(
    path: &Path,
    check: Check,
    sink: &mut dyn FnMut(Entry<'_>) -> Result<(), String>,
) -> Result<Manifest, ReadError> {
    walk(path, check, &mut |_| Ok(true), sink)?.ok_or_else(|| ReadError::BadManifest {
        path: path.to_owned(),
        detail: "no modsnap.json in the archive".into(),
    })
}

/// Reads the whole archive, verifying every entry, and writes each entry
/// for which `place` gives a relative path to `dir/<path>` (created
/// exclusively, parents as needed). Returns the manifest and the files
/// written (relative path → entry name).
///
/// A plain `.tar` is first indexed (names, types and the manifest checked
/// before a byte is written), then its files are copied and verified by one
/// worker per core reading at their offsets; other formats stream once.
pub fn extract(
    path: &Path,
    dir: &Path,
    check: Check,
    place: &(dyn Fn(&str, &EntryKind) -> Option<String> + Sync),
) -> Result<(Manifest, BTreeMap<String, String>), ReadError> {
    if let Some(index) = TarIndex::open(path)? {
        let written = index.extract(dir, check, place)?;
        return Ok((index.manifest, written));
    }
    let mut written = BTreeMap::new();
    let manifest = read_all(path, check, &mut |entry| {
        let Some(rel) = place(entry.name, entry.kind) else {
            return Ok(());
        };
        let dest = dir.join(&rel);
        let mut f = create_file(&dest)?;
        crate::fsutil::copy_large(entry.reader, &mut f)
            .map_err(|e| format!("write `{}`: {e}", dest.display()))?;
        written.insert(rel, entry.name.to_string());
        Ok(())
    })?;
    Ok((manifest, written))
}

/// Creates `dest` exclusively, with its parents.
fn create_file(dest: &Path) -> Result<File, String> {
    crate::fsutil::debris::check_interrupted().map_err(|e| e.to_string())?;
    if let Some(parent) = dest.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("create `{}`: {e}", parent.display()))?;
    }
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(dest)
        .map_err(|e| format!("create `{}`: {e}", dest.display()))
}

/// One file of a plain `.tar`, located but not yet read.
#[derive(Debug, Clone)]
struct Located {
    name: String,
    kind: EntryKind,
    offset: u64,
    size: u64,
    described: Option<Described>,
    list: Option<String>,
}

/// A plain `.tar` archive whose entries have all been checked by name and
/// type, the manifest read, and every described file found — without reading
/// the files' bytes. Bytes are read, and verified, on demand: by
/// [`TarIndex::extract`], or one file at a time by [`TarIndex::open_file`]
/// (`modsnap vendor` reads module zips in place this way).
pub struct TarIndex {
    path: PathBuf,
    /// The archive, opened once: every window reads this file (by offset),
    /// so an archive replaced on disk during the run is not read from.
    file: Arc<File>,
    manifest: Manifest,
    entries: Vec<Located>,
    by_name: BTreeMap<String, usize>,
}

impl TarIndex {
    /// Indexes `path` when it is a plain `.tar` (`None` for other formats).
    pub fn open(path: &Path) -> Result<Option<TarIndex>, ReadError> {
        if sniff(path)? != Format::Tar {
            return Ok(None);
        }
        let corrupt = |detail: String| ReadError::Corrupt {
            path: path.to_owned(),
            detail,
        };
        let file = File::open(path).map_err(|e| FsError::new("open", path, e))?;
        let file_len = file
            .metadata()
            .map_err(|e| FsError::new("stat", path, e))?
            .len();
        let shared = Arc::new(
            file.try_clone()
                .map_err(|e| FsError::new("open", path, e))?,
        );
        let mut checker = Checker::new(path);
        let mut entries = Vec::new();
        let mut ar = tar::Archive::new(file);
        for entry in ar.entries_with_seek().map_err(|e| corrupt(e.to_string()))? {
            let mut entry = entry.map_err(|e| corrupt(e.to_string()))?;
            let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
            let et = entry.header().entry_type();
            if et.is_dir() {
                classify_dir(&name).map_err(|reason| checker.unsafe_entry(&name, reason))?;
                continue;
            }
            let size = entry.size();
            let offset = entry.raw_file_position();
            if offset.checked_add(size).is_none_or(|end| end > file_len) {
                return Err(corrupt(format!(
                    "entry `{name}` is cut short ({size} bytes at offset {offset}, file has {file_len})"
                )));
            }
            match checker.admit(&name, kind_of(et), size, &mut entry)? {
                Admitted::Manifest => {}
                Admitted::File {
                    kind,
                    described,
                    list,
                } => entries.push(Located {
                    name,
                    kind,
                    offset,
                    size,
                    described,
                    list,
                }),
            }
        }
        let Some(manifest) = checker.manifest.take() else {
            return Err(ReadError::BadManifest {
                path: path.to_owned(),
                detail: "no modsnap.json in the archive".into(),
            });
        };
        checker.finish()?;
        let by_name = entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.name.clone(), i))
            .collect();
        Ok(Some(TarIndex {
            path: path.to_owned(),
            file: shared,
            manifest,
            entries,
            by_name,
        }))
    }

    /// The manifest.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// Reads entry `e`'s bytes at its offset, digesting them and handing
    /// each chunk to `out`; then checks the digests.
    fn copy_verified(
        &self,
        archive: &File,
        e: &Located,
        check: Check,
        buf: &mut [u8],
        out: &mut dyn FnMut(&[u8]) -> Result<(), String>,
    ) -> Result<(), ReadError> {
        let described = match e.described {
            Some(d) => Some(d.get(&self.manifest).ok_or_else(|| ReadError::Tampered {
                path: self.path.clone(),
                name: e.name.clone(),
                detail: "its manifest description is gone".into(),
            })?),
            None => None,
        };
        let mut digester = Digester::new(described, check);
        let mut pos = 0u64;
        while pos < e.size {
            let want = buf.len().min((e.size - pos) as usize);
            let n = read_at(archive, &mut buf[..want], e.offset + pos)
                .map_err(|err| FsError::new("read", &self.path, err))?;
            if n == 0 {
                return Err(ReadError::Corrupt {
                    path: self.path.clone(),
                    detail: format!("entry `{}` is cut short", e.name),
                });
            }
            digester.update(&buf[..n]);
            out(&buf[..n]).map_err(ReadError::Sink)?;
            pos += n as u64;
        }
        digester
            .verify(described, e.list.as_deref())
            .map_err(|detail| ReadError::Tampered {
                path: self.path.clone(),
                name: e.name.clone(),
                detail,
            })
    }

    /// Verifies every file and writes those `place` names under `dir`, one
    /// worker per core (at most 8). On failure the error of the first bad
    /// entry in archive order is returned; what was written stays in `dir`
    /// for the caller to discard.
    pub fn extract(
        &self,
        dir: &Path,
        check: Check,
        place: &(dyn Fn(&str, &EntryKind) -> Option<String> + Sync),
    ) -> Result<BTreeMap<String, String>, ReadError> {
        let written = crate::parallel::map_with(
            &self.entries,
            8,
            || -> Result<_, ReadError> { Ok((self.file.clone(), vec![0u8; 1 << 20])) },
            |(archive, buf), e| {
                let Some(rel) = place(&e.name, &e.kind) else {
                    self.copy_verified(archive, e, check, buf, &mut |_| Ok(()))?;
                    return Ok(None);
                };
                let dest = dir.join(&rel);
                let mut f = create_file(&dest).map_err(ReadError::Sink)?;
                self.copy_verified(archive, e, check, buf, &mut |chunk| {
                    f.write_all(chunk)
                        .map_err(|err| format!("write `{}`: {err}", dest.display()))
                })?;
                Ok(Some((rel, e.name.clone())))
            },
        )?;
        Ok(written.into_iter().flatten().collect())
    }

    /// Entry `name` (a file the manifest describes), verified in full
    /// before this returns, as a seekable reader over its bytes in the
    /// archive.
    pub fn open_file(&self, name: &str, check: Check) -> Result<Window, ReadError> {
        let (window, e) = self.window(name)?;
        let mut buf = vec![0u8; (1 << 20).min(e.size.max(1) as usize)];
        self.copy_verified(&window.file, e, check, &mut buf, &mut |_| Ok(()))?;
        Ok(window)
    }

    /// Entry `name` again, as [`TarIndex::open_file`] gave it, without
    /// verifying its bytes once more: for a caller that already had it from
    /// `open_file` (the archive is a local file being read, not a download).
    pub fn reopen_file(&self, name: &str) -> Result<Window, ReadError> {
        Ok(self.window(name)?.0)
    }

    fn window(&self, name: &str) -> Result<(Window, &Located), ReadError> {
        let Some(&i) = self.by_name.get(name) else {
            return Err(ReadError::Missing {
                path: self.path.clone(),
                first: name.to_string(),
                count: 1,
            });
        };
        let e = &self.entries[i];
        let window = Window {
            file: self.file.clone(),
            start: e.offset,
            len: e.size,
            pos: 0,
        };
        Ok((window, e))
    }

    /// Every file entry's name, in archive order (the manifest excluded).
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|e| e.name.as_str())
    }

    /// Whether the archive holds entry `name`.
    pub fn contains(&self, name: &str) -> bool {
        self.by_name.contains_key(name)
    }

    /// Every file entry, in archive order, as located by the index (bytes
    /// not read): what `modsnap serve` builds its catalog from.
    pub fn files(&self) -> impl Iterator<Item = IndexedFile<'_>> {
        self.entries.iter().map(|e| IndexedFile {
            name: &e.name,
            kind: &e.kind,
            offset: e.offset,
            size: e.size,
            described: e.described.and_then(|d| d.get(&self.manifest)),
            list: e.list.as_deref(),
        })
    }

    /// Reads entry `name` in full and checks it against the manifest
    /// (BLAKE3 when recorded, else SHA-256), without handing out the bytes.
    pub fn verify_file(&self, name: &str) -> Result<(), ReadError> {
        self.open_file(name, Check::Fast).map(drop)
    }

    /// The archive file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// One file of an indexed `.tar`: where its bytes are and what the
/// manifest says of them.
#[derive(Debug, Clone, Copy)]
pub struct IndexedFile<'a> {
    /// The entry name (a GOPROXY tree path).
    pub name: &'a str,
    /// What it is.
    pub kind: &'a EntryKind,
    /// The offset of its bytes in the archive file.
    pub offset: u64,
    /// Its size.
    pub size: u64,
    /// The manifest's description (`None` for `@v/list` files).
    pub described: Option<&'a FileEntry>,
    /// For an `@v/list`, the text the manifest implies.
    pub list: Option<&'a str>,
}

/// A read-only, seekable view of one entry's bytes inside the archive file.
#[derive(Debug)]
pub struct Window {
    file: Arc<File>,
    start: u64,
    len: u64,
    pos: u64,
}

impl Read for Window {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos >= self.len {
            return Ok(0);
        }
        let want = buf.len().min((self.len - self.pos) as usize);
        let n = read_at(&self.file, &mut buf[..want], self.start + self.pos)?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for Window {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let target = match to {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::End(d) => self.len.checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        let Some(target) = target else {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "seek before the start of the entry",
            ));
        };
        self.pos = target;
        Ok(target)
    }
}

/// Reads at an offset without moving a shared cursor.
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    loop {
        #[cfg(unix)]
        let r = std::os::unix::fs::FileExt::read_at(file, buf, offset);
        #[cfg(windows)]
        let r = std::os::windows::fs::FileExt::seek_read(file, buf, offset);
        match r {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            r => return r,
        }
    }
}

fn kind_of(et: tar::EntryType) -> Result<(), String> {
    if et.is_file() {
        Ok(())
    } else if et.is_symlink() || et.is_hard_link() {
        Err("links are not allowed".to_string())
    } else {
        Err(format!("not a regular file (tar type {:?})", et))
    }
}

/// Per-archive verification state.
struct Checker<'p> {
    path: &'p Path,
    manifest: Option<Manifest>,
    described: BTreeMap<String, Described>,
    lists: BTreeMap<String, String>,
    seen: BTreeSet<String>,
}

/// Where the manifest describes a file: not a copy of its description
/// (an index of a large archive would hold every name and digest twice).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Described {
    /// `modules[m].files`, the `k`-th value.
    Module(usize, usize),
    /// `sumdb.files[k]`.
    Sumdb(usize),
}

impl Described {
    fn get(self, m: &Manifest) -> Option<&FileEntry> {
        match self {
            Described::Module(i, k) => m.modules.get(i)?.files.values().nth(k),
            Described::Sumdb(k) => m.sumdb.as_ref()?.files.get(k),
        }
    }
}

impl<'p> Checker<'p> {
    fn new(path: &'p Path) -> Checker<'p> {
        Checker {
            path,
            manifest: None,
            described: BTreeMap::new(),
            lists: BTreeMap::new(),
            seen: BTreeSet::new(),
        }
    }

    fn tampered(&self, name: &str, detail: String) -> ReadError {
        ReadError::Tampered {
            path: self.path.to_owned(),
            name: name.to_string(),
            detail,
        }
    }

    fn set_manifest(&mut self, bytes: &[u8]) -> Result<&Manifest, ReadError> {
        let m: Manifest = serde_json::from_slice(bytes).map_err(|e| ReadError::BadManifest {
            path: self.path.to_owned(),
            detail: format!("modsnap.json is not valid: {e}"),
        })?;
        if m.format != FORMAT {
            return Err(ReadError::BadManifest {
                path: self.path.to_owned(),
                detail: format!(
                    "unsupported manifest format `{}` (this modsnap reads `{FORMAT}`)",
                    m.format
                ),
            });
        }
        for (k, f) in m.sumdb.iter().flat_map(|s| &s.files).enumerate() {
            if !f.name.starts_with("sumdb/") {
                return Err(ReadError::BadManifest {
                    path: self.path.to_owned(),
                    detail: format!("sumdb file {} is not under sumdb/", f.name),
                });
            }
            self.described.insert(f.name.clone(), Described::Sumdb(k));
        }
        let mut versions: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (i, me) in m.modules.iter().enumerate() {
            for (k, f) in me.files.values().enumerate() {
                self.described
                    .insert(f.name.clone(), Described::Module(i, k));
            }
            versions
                .entry(me.path.clone())
                .or_default()
                .push(me.version.clone());
        }
        for (p, vs) in versions {
            let name = goproxy::list_name(&p).map_err(|e| ReadError::BadManifest {
                path: self.path.to_owned(),
                detail: format!("in the manifest: {e}"),
            })?;
            self.lists.insert(name, goproxy::list_text(vs));
        }
        self.manifest = Some(m);
        Ok(self.manifest.as_ref().expect("just set"))
    }

    fn finish(&self) -> Result<(), ReadError> {
        let missing: Vec<&String> = self
            .described
            .keys()
            .chain(self.lists.keys())
            .filter(|n| !self.seen.contains(*n))
            .collect();
        if let Some(first) = missing.first() {
            return Err(ReadError::Missing {
                path: self.path.to_owned(),
                first: (*first).clone(),
                count: missing.len(),
            });
        }
        Ok(())
    }
}

/// Which of the manifest's digests are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// BLAKE3 when the manifest records it, else SHA-256 (restore, vendor).
    Fast,
    /// SHA-256 always, and BLAKE3 too when recorded (`modsnap verify`).
    Both,
}

/// The digests of one entry, computed as its bytes pass.
struct Digester {
    sha256: Option<Sha256>,
    blake3: Option<Box<blake3::Hasher>>,
    n: u64,
}

impl Digester {
    /// What to compute for `described` (`None`: a `@v/list`, checked by
    /// SHA-256 against the text the manifest implies).
    fn new(described: Option<&FileEntry>, check: Check) -> Digester {
        let has_b3 = described.is_some_and(|d| d.blake3.is_some());
        Digester {
            sha256: (check == Check::Both || !has_b3).then(Sha256::new),
            blake3: has_b3.then(|| Box::new(blake3::Hasher::new())),
            n: 0,
        }
    }

    fn update(&mut self, buf: &[u8]) {
        if let Some(h) = &mut self.sha256 {
            h.update(buf);
        }
        if let Some(h) = &mut self.blake3 {
            h.update(buf);
        }
        self.n += buf.len() as u64;
    }

    /// Compares with the manifest; the error is the detail for
    /// [`ReadError::Tampered`].
    fn verify(self, described: Option<&FileEntry>, list: Option<&str>) -> Result<(), String> {
        let sha = self.sha256.map(|h| hex::encode(h.finalize()));
        let b3 = self.blake3.map(|h| h.finalize().to_hex().to_string());
        if let Some(d) = described {
            if self.n != d.size {
                return Err(format!(
                    "manifest says {} bytes, archive has {} bytes",
                    d.size, self.n
                ));
            }
            if let Some(sha) = sha
                && sha != d.sha256
            {
                return Err(format!(
                    "manifest says sha256 {}, archive has sha256 {sha}",
                    d.sha256
                ));
            }
            if let (Some(b3), Some(want)) = (b3, &d.blake3)
                && &b3 != want
            {
                return Err(format!(
                    "manifest says blake3 {want}, archive has blake3 {b3}"
                ));
            }
        } else if let Some(text) = list {
            let want = hex::encode(Sha256::digest(text.as_bytes()));
            if sha.as_deref() != Some(want.as_str()) {
                return Err("version list differs from the manifest's versions".into());
            }
        }
        Ok(())
    }
}

/// A reader that digests what passes through it.
struct Hashing<'r> {
    inner: &'r mut dyn Read,
    digester: Digester,
    /// The archive itself failed to read (truncated, corrupt stream): kept
    /// so that a sink's write error is not blamed for it.
    read_error: Option<String>,
}

impl Read for Hashing<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let k = match self.inner.read(buf) {
            Ok(k) => k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => return Err(e),
            Err(e) => {
                self.read_error = Some(e.to_string());
                return Err(e);
            }
        };
        self.digester.update(&buf[..k]);
        Ok(k)
    }
}

/// What [`Checker::admit`] found an entry to be.
enum Admitted {
    /// The manifest, now parsed and set in the checker.
    Manifest,
    /// A file the manifest describes (or a `@v/list` it implies).
    File {
        kind: EntryKind,
        described: Option<Described>,
        list: Option<String>,
    },
}

impl Checker<'_> {
    fn unsafe_entry(&self, name: &str, reason: String) -> ReadError {
        ReadError::UnsafeEntry {
            path: self.path.to_owned(),
            name: name.to_string(),
            reason,
        }
    }

    /// Checks an entry's name and type, in archive order: safe name,
    /// regular file, no duplicate, manifest first, described by it. Reads
    /// `r` only for the manifest.
    fn admit(
        &mut self,
        name: &str,
        kind_ok: Result<(), String>,
        size_hint: u64,
        r: &mut dyn Read,
    ) -> Result<Admitted, ReadError> {
        kind_ok.map_err(|reason| self.unsafe_entry(name, reason))?;
        let kind = classify(name).map_err(|reason| self.unsafe_entry(name, reason))?;
        if !self.seen.insert(name.to_string()) {
            return Err(self.unsafe_entry(name, "duplicate entry".into()));
        }
        if kind == EntryKind::Manifest {
            if self.seen.len() != 1 {
                return Err(ReadError::BadManifest {
                    path: self.path.to_owned(),
                    detail: "modsnap.json must be the first entry".into(),
                });
            }
            if size_hint > 64 << 20 {
                return Err(self.tampered(name, "manifest larger than 64 MiB".into()));
            }
            let mut bytes = Vec::new();
            r.take(64 << 20)
                .read_to_end(&mut bytes)
                .map_err(|e| ReadError::Corrupt {
                    path: self.path.to_owned(),
                    detail: format!("at entry {}: {e}", module::quote(name)),
                })?;
            self.set_manifest(&bytes)?;
            return Ok(Admitted::Manifest);
        }
        if self.manifest.is_none() {
            return Err(ReadError::BadManifest {
                path: self.path.to_owned(),
                detail: "modsnap.json must be the first entry".into(),
            });
        }
        let described = self.described.get(name).copied();
        let list = self.lists.get(name).cloned();
        if described.is_none() && list.is_none() {
            return Err(self.tampered(name, "not described by modsnap.json".into()));
        }
        if let Some(d) = described.and_then(|d| self.manifest.as_ref().and_then(|m| d.get(m)))
            && d.size != size_hint
        {
            return Err(self.tampered(
                name,
                format!(
                    "manifest says {} bytes, archive has {size_hint} bytes",
                    d.size
                ),
            ));
        }
        Ok(Admitted::File {
            kind,
            described,
            list,
        })
    }
}

/// Drives the checker over the container. `on_manifest` returns whether to
/// go on past the manifest.
fn walk(
    path: &Path,
    check: Check,
    on_manifest: &mut dyn FnMut(&Manifest) -> Result<bool, ReadError>,
    sink: &mut dyn FnMut(Entry<'_>) -> Result<(), String>,
) -> Result<Option<Manifest>, ReadError> {
    let format = sniff(path)?;
    let mut checker = Checker::new(path);
    let corrupt = |e: &dyn std::fmt::Display| ReadError::Corrupt {
        path: path.to_owned(),
        detail: e.to_string(),
    };
    let open = || File::open(path).map_err(|e| ReadError::from(FsError::new("open", path, e)));
    let mut handle = |name: &str,
                      kind_ok: Result<(), String>,
                      size_hint: u64,
                      r: &mut dyn Read,
                      checker: &mut Checker<'_>|
     -> Result<bool, ReadError> {
        let (kind, described, list) = match checker.admit(name, kind_ok, size_hint, r)? {
            Admitted::Manifest => {
                return match &checker.manifest {
                    Some(m) => on_manifest(m),
                    None => Ok(false),
                };
            }
            Admitted::File {
                kind,
                described,
                list,
            } => (kind, described, list),
        };
        let described = match described {
            Some(d) => Some(
                checker
                    .manifest
                    .as_ref()
                    .and_then(|m| d.get(m))
                    .cloned()
                    .ok_or_else(|| {
                        checker.tampered(name, "its manifest description is gone".into())
                    })?,
            ),
            None => None,
        };
        let mut hashing = Hashing {
            inner: r,
            digester: Digester::new(described.as_ref(), check),
            read_error: None,
        };
        let cut = |detail: &str| ReadError::Corrupt {
            path: path.to_owned(),
            detail: format!("at entry {}: {detail}", module::quote(name)),
        };
        let sunk = sink(Entry {
            name,
            kind: &kind,
            described: described.as_ref(),
            reader: &mut hashing,
        });
        if let Some(detail) = &hashing.read_error {
            return Err(cut(detail));
        }
        sunk.map_err(ReadError::Sink)?;
        // Whatever the sink left unread still counts.
        io::copy(&mut hashing, &mut io::sink()).map_err(|e| cut(&e.to_string()))?;
        hashing
            .digester
            .verify(described.as_ref(), list.as_deref())
            .map_err(|detail| checker.tampered(name, detail))?;
        Ok(true)
    };
    match format {
        Format::Tar | Format::TarGz | Format::TarZst => {
            let file = BufReader::with_capacity(1 << 20, open()?);
            let reader: Box<dyn Read> = match format {
                Format::TarGz => Box::new(flate2::read::GzDecoder::new(file)),
                Format::TarZst => Box::new(
                    zstd::stream::read::Decoder::with_buffer(file).map_err(|e| corrupt(&e))?,
                ),
                _ => Box::new(file),
            };
            let mut ar = tar::Archive::new(reader);
            let mut last: Option<String> = None;
            for entry in ar.entries().map_err(|e| corrupt(&e))? {
                let mut entry = entry.map_err(|e| match &last {
                    Some(l) => corrupt(&format!("after entry {}: {e}", module::quote(l))),
                    None => corrupt(&format!("at its first entry: {e}")),
                })?;
                let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
                last = Some(name.clone());
                let et = entry.header().entry_type();
                if et.is_dir() {
                    // Directory entries are harmless (tar tools add them);
                    // they are not created, files' parents are.
                    classify_dir(&name).map_err(|reason| ReadError::UnsafeEntry {
                        path: path.to_owned(),
                        name: name.clone(),
                        reason,
                    })?;
                    continue;
                }
                let kind_ok = kind_of(et);
                let size = entry.header().size().unwrap_or(0);
                let go_on = handle(&name, kind_ok, size, &mut entry, &mut checker)?;
                if !go_on {
                    return Ok(checker.manifest.take());
                }
            }
        }
        Format::Zip => {
            let mut ar = zip::ZipArchive::new(BufReader::new(open()?)).map_err(|e| corrupt(&e))?;
            // The zip crate collapses duplicate names; count raw entries.
            let mut names = BTreeSet::new();
            for i in 0..ar.len() {
                let mut f = ar.by_index(i).map_err(|e| corrupt(&e))?;
                let name = String::from_utf8_lossy(f.name_raw()).into_owned();
                if !names.insert(name.clone()) {
                    return Err(ReadError::UnsafeEntry {
                        path: path.to_owned(),
                        name,
                        reason: "duplicate entry".into(),
                    });
                }
                if f.is_dir() {
                    continue;
                }
                let kind_ok = if f.is_symlink() {
                    Err("links are not allowed".to_string())
                } else {
                    Ok(())
                };
                let size = f.size();
                let go_on = handle(&name, kind_ok, size, &mut f, &mut checker)?;
                if !go_on {
                    return Ok(checker.manifest.take());
                }
            }
            check_zip_entry_count(path)?;
        }
    }
    if checker.manifest.is_none() {
        return Err(ReadError::BadManifest {
            path: path.to_owned(),
            detail: "no modsnap.json in the archive".into(),
        });
    }
    checker.finish()?;
    Ok(checker.manifest.take())
}

fn classify_dir(name: &str) -> Result<(), String> {
    let trimmed = name.trim_end_matches('/');
    if trimmed.starts_with('/') || trimmed.contains('\\') {
        return Err("absolute path or forbidden character".into());
    }
    if trimmed
        .split('/')
        .any(|p| p.is_empty() || p == "." || p == "..")
    {
        return Err("path is not clean".into());
    }
    Ok(())
}

/// The zip crate's `len()` hides duplicate names; compare it with the
/// end-of-central-directory record's entry count.
fn check_zip_entry_count(path: &Path) -> Result<(), ReadError> {
    let mut f = File::open(path).map_err(|e| FsError::new("open", path, e))?;
    let len = f
        .metadata()
        .map_err(|e| FsError::new("stat", path, e))?
        .len();
    let tail = len.min(66 * 1024);
    f.seek(SeekFrom::Start(len - tail))
        .map_err(|e| FsError::new("read", path, e))?;
    let mut buf = Vec::with_capacity(tail as usize);
    f.read_to_end(&mut buf)
        .map_err(|e| FsError::new("read", path, e))?;
    let Some(pos) = buf.windows(4).rposition(|w| w == b"PK\x05\x06") else {
        return Ok(());
    };
    if buf.len() < pos + 12 {
        return Ok(());
    }
    let total = u16::from_le_bytes([buf[pos + 10], buf[pos + 11]]) as usize;
    let ar = zip::ZipArchive::new(BufReader::new(
        File::open(path).map_err(|e| FsError::new("open", path, e))?,
    ))
    .map_err(|e| ReadError::Corrupt {
        path: path.to_owned(),
        detail: e.to_string(),
    })?;
    if total != 0xffff && total != ar.len() {
        return Err(ReadError::UnsafeEntry {
            path: path.to_owned(),
            name: "(central directory)".into(),
            reason: format!(
                "{total} entries recorded but {} distinct names: duplicate entries",
                ar.len()
            ),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classify_accepts_only_proxy_tree_files() {
        assert_eq!(classify("modsnap.json"), Ok(EntryKind::Manifest));
        assert_eq!(
            classify("example.com/!upper/@v/v1.0.0-!beta.zip"),
            Ok(EntryKind::Artifact {
                module: "example.com/Upper".into(),
                version: "v1.0.0-Beta".into(),
                artifact: Artifact::Zip
            })
        );
        assert_eq!(
            classify("example.com/m/@v/list"),
            Ok(EntryKind::List {
                module: "example.com/m".into()
            })
        );
        for bad in [
            "/etc/passwd",
            "../x/@v/list",
            "example.com/m/@v/../../../etc/passwd",
            "example.com/m/@v/v1.0.0.exe",
            "example.com//m/@v/list",
            "example.com/m/./@v/list",
            "example.com\\m/@v/list",
            "example.com/m/@v/sub/v1.0.0.zip",
            "example.com/Upper/@v/v1.0.0.zip",
            "README",
            "@v/list",
            "example.com/m/@latest",
            "sumdb/../x",
        ] {
            assert!(classify(bad).is_err(), "{bad} must be refused");
        }
        // Checksum-database files are entries of their own kind (each must
        // still be described by the manifest to be admitted).
        assert_eq!(
            classify("sumdb/sum.golang.org/supported"),
            Ok(EntryKind::Sumdb)
        );
    }
}
