//! `h1:` hashes over file trees, as recorded in go.sum and the checksum
//! database (golang.org/x/mod/sumdb/dirhash).
//!
//! `Hash1` is `"h1:"` followed by the standard, padded base64 of the SHA-256
//! of a *summary*: one line per file, sorted byte-wise by name, each line the
//! lower-case hex SHA-256 of the content, two spaces, the name and `\n`
//! (<https://go.dev/ref/mod#go-sum-files>).
//!
//! Three inputs matter to the go command, and each has a function here:
//! - [`hash_zip`]: every entry of a module zip's central directory, *including
//!   directory entries* (hashed as empty content), named verbatim with their
//!   `module@version/` prefix. This is the go.sum zip line and `.ziphash`.
//! - [`hash_go_mod`]: the `.mod` bytes under the single name `go.mod`. This
//!   is the `/go.mod` line.
//! - [`hash_dir`]: the regular files under an extracted module directory,
//!   named `module@version/rel`, *without* directory entries. This is what
//!   `go mod verify` compares with the zip's hash.
//!
//! Files are streamed through the hasher, never held in memory whole.
//!
//! A zip's summary can be rebuilt from its entry names and the list of its
//! entries' digests ([`FileDigests`], which snapshot keeps in the archive
//! manifest): [`hash_listed`] gives the h1 of such a list, and once that
//! equals go.sum's line, every digest in the list is as good as go.sum's —
//! a reader can then check just the files it uses, one by one (vendor).
//!
//! Not here: which files a module zip may contain ([`crate::modzip`]), and
//! reading or writing go.sum ([`crate::gosum`]).

use crate::seekbuf::SeekBufReader;
use std::fs::File;
use std::io::{self, Read, Seek};
use std::path::{Path, PathBuf};

use base64::Engine as _;

/// SHA-256, computed with aws-lc's assembly implementation (the library
/// rustls already links), which is about twice as fast as portable code on
/// CPUs without SHA extensions. Every hash in modsnap goes through it.
#[derive(Clone)]
pub struct Sha256(aws_lc_rs::digest::Context);

impl Default for Sha256 {
    fn default() -> Self {
        Self::new()
    }
}

impl Sha256 {
    /// A fresh hasher.
    pub fn new() -> Self {
        Sha256(aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA256))
    }

    /// Feeds bytes.
    pub fn update(&mut self, data: impl AsRef<[u8]>) {
        self.0.update(data.as_ref());
    }

    /// The digest.
    pub fn finalize(self) -> [u8; 32] {
        let d = self.0.finish();
        let mut out = [0u8; 32];
        out.copy_from_slice(d.as_ref());
        out
    }

    /// The digest of `data`.
    pub fn digest(data: impl AsRef<[u8]>) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(data);
        h.finalize()
    }
}

/// The two digests modsnap records for every stored file (an archive
/// manifest's `sha256` and `blake3`), computed in one pass over its bytes:
/// while it downloads, or when a cached copy is read for its checks.
#[derive(Clone, Default)]
pub struct Digester {
    sha256: Sha256,
    blake3: blake3::Hasher,
    size: u64,
}

/// What a [`Digester`] computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Digests {
    /// Bytes hashed.
    pub size: u64,
    /// Their SHA-256.
    pub sha256: [u8; 32],
    /// Their BLAKE3.
    pub blake3: [u8; 32],
}

impl Digester {
    /// A fresh pair of hashers.
    pub fn new() -> Digester {
        Digester::default()
    }

    /// Feeds bytes to both.
    pub fn update(&mut self, data: &[u8]) {
        self.sha256.update(data);
        self.blake3.update(data);
        self.size += data.len() as u64;
    }

    /// Both digests.
    pub fn finalize(self) -> Digests {
        Digests {
            size: self.size,
            sha256: self.sha256.finalize(),
            blake3: *self.blake3.finalize().as_bytes(),
        }
    }

    /// The digests of `data`.
    pub fn digest(data: &[u8]) -> Digests {
        let mut d = Digester::new();
        d.update(data);
        d.finalize()
    }

    /// The digests of everything `reader` yields.
    pub fn digest_reader<R: Read>(reader: R) -> io::Result<Digests> {
        let mut d = Digester::new();
        read_chunks(reader, 256 * 1024, |chunk| d.update(chunk))?;
        Ok(d.finalize())
    }
}

/// The `h1:` hash of an empty file list (`Hash1` over nothing).
pub const EMPTY_H1: &str = "h1:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";

/// Why a hash could not be computed.
#[derive(Debug, thiserror::Error)]
pub enum DirHashError {
    /// Go's Hash1 refuses names containing a newline: they would forge
    /// summary lines.
    #[error("file name {name:?} contains a newline, which h1 hashes do not support")]
    NewlineInName {
        /// The offending name, lossily decoded.
        name: String,
    },
    /// Reading a file (or zip entry) failed.
    #[error("`{}`: {source}", path.display())]
    Io {
        /// The file or zip that could not be read.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// The zip archive is unreadable or malformed.
    #[error("`{}`: not a readable zip archive: {source}", path.display())]
    Zip {
        /// The zip file.
        path: PathBuf,
        /// The zip reader's error.
        source: zip::result::ZipError,
    },
    /// Two central-directory entries share a name. Go's `HashZip` would hash
    /// the later entry's content twice; modsnap refuses such zips instead of
    /// guessing, and the module zip rules reject them anyway.
    #[error("`{}`: zip has more than one entry named {name:?}", path.display())]
    DuplicateZipEntry {
        /// The zip file.
        path: PathBuf,
        /// The duplicated entry name.
        name: String,
    },
    /// The central directory names an entry twice (the zip reader keeps
    /// one of them, so which is not known).
    #[error("`{}`: zip has two entries with the same name", path.display())]
    DuplicateZipNames {
        /// The zip file.
        path: PathBuf,
    },
    /// A list of entry digests not as long as the zip's entries.
    #[error("the list of file digests has {digests} entries for a zip of {names}")]
    ListLength {
        /// The zip's entries.
        names: usize,
        /// The list's digests.
        digests: usize,
    },
    /// A name given twice with a list of digests.
    #[error("the zip has more than one entry named {name:?}")]
    DuplicateListedName {
        /// The duplicated name.
        name: String,
    },
}

/// The running summary of a `Hash1` computation: add (name, content digest)
/// pairs in any order, then [`Summary::finish`].
#[derive(Debug, Default, Clone)]
pub struct Summary {
    lines: Vec<(Vec<u8>, [u8; 32])>,
}

impl Summary {
    /// An empty summary.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a file by name and the SHA-256 of its content.
    pub fn add(&mut self, name: &[u8], sha256: [u8; 32]) -> Result<(), DirHashError> {
        if name.contains(&b'\n') {
            return Err(DirHashError::NewlineInName {
                name: String::from_utf8_lossy(name).into_owned(),
            });
        }
        self.lines.push((name.to_vec(), sha256));
        Ok(())
    }

    /// Records a file by name, hashing its content from `reader`.
    pub fn add_reader<R: Read>(
        &mut self,
        name: &[u8],
        reader: R,
    ) -> io::Result<Result<(), DirHashError>> {
        let digest = sha256_reader(reader)?;
        Ok(self.add(name, digest))
    }

    /// The summary text that is hashed: `hex  name\n` per file, sorted by name.
    pub fn text(&self) -> Vec<u8> {
        let mut lines: Vec<&(Vec<u8>, [u8; 32])> = self.lines.iter().collect();
        // Go sorts the names with sort.Strings (byte-wise); a stable sort
        // keeps equal names in input order, which Go's sort may not, but
        // equal names give equal lines only when contents agree. Callers
        // reject duplicate names before they get here.
        lines.sort_by(|a, b| a.0.cmp(&b.0));
        let mut out = Vec::with_capacity(lines.len() * 100);
        for (name, digest) in lines {
            out.extend_from_slice(hex::encode(digest).as_bytes());
            out.extend_from_slice(b"  ");
            out.extend_from_slice(name);
            out.push(b'\n');
        }
        out
    }

    /// The `h1:` hash of the summary.
    pub fn finish(&self) -> String {
        let digest = Sha256::digest(self.text());
        format!(
            "h1:{}",
            base64::engine::general_purpose::STANDARD.encode(digest)
        )
    }
}

/// SHA-256 of everything `reader` yields, streamed in 64 KiB chunks.
pub fn sha256_reader<R: Read>(reader: R) -> io::Result<[u8; 32]> {
    let mut hasher = Sha256::new();
    read_chunks(reader, 64 * 1024, |chunk| hasher.update(chunk))?;
    Ok(hasher.finalize())
}

/// Feeds everything `reader` yields to `each`, `size` bytes at a time.
fn read_chunks<R: Read>(mut reader: R, size: usize, mut each: impl FnMut(&[u8])) -> io::Result<()> {
    let mut buf = vec![0u8; size];
    loop {
        match reader.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => each(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// `Hash1` over named in-memory files (the function Go's tests call).
pub fn hash1<N: AsRef<[u8]>, C: AsRef<[u8]>>(files: &[(N, C)]) -> Result<String, DirHashError> {
    let mut summary = Summary::new();
    for (name, content) in files {
        summary.add(name.as_ref(), Sha256::digest(content.as_ref()))?;
    }
    Ok(summary.finish())
}

/// The `/go.mod` hash: `Hash1` over the single file `go.mod` with the
/// `.mod` endpoint's bytes (not the go.mod inside the zip).
pub fn hash_go_mod(data: &[u8]) -> String {
    let mut summary = Summary::new();
    // "go.mod" has no newline, so add cannot fail.
    let _ = summary.add(b"go.mod", Sha256::digest(data));
    summary.finish()
}

/// The zip hash of the module zip at `path` (Go's `dirhash.HashZip`).
pub fn hash_zip_file(path: &Path) -> Result<String, DirHashError> {
    hash_zip_file_with(path, 1)
}

/// [`hash_zip_file`] with the entries shared among `threads` threads, each
/// reading the file through its own handle: a large zip (a 50 MB module
/// inflates to half a gigabyte) would otherwise keep one core busy while
/// the others wait for it. The result is the same; the summary is sorted
/// by name whatever order the entries are hashed in.
pub fn hash_zip_file_with(path: &Path, threads: usize) -> Result<String, DirHashError> {
    hash_zip_file_listed(path, threads).map(|(h1, _)| h1)
}

/// The SHA-256 of each entry of a module zip, in central-directory order
/// (directory entries as empty content): the list a zip's `h1:` summary is
/// made of.
pub type FileDigests = Vec<[u8; 32]>;

/// [`hash_zip_file_with`], with the list of entry digests it summarized.
pub fn hash_zip_file_listed(
    path: &Path,
    threads: usize,
) -> Result<(String, FileDigests), DirHashError> {
    let open = || -> Result<zip::ZipArchive<SeekBufReader<File>>, DirHashError> {
        let file = File::open(path).map_err(|source| DirHashError::Io {
            path: path.to_owned(),
            source,
        })?;
        open_zip(file, path)
    };
    let mut archive = open()?;
    let names = entry_names(&mut archive, path)?;
    let threads = threads.clamp(1, names.len().max(1));
    if threads == 1 {
        let digests = hash_entries(&mut archive, 0..names.len(), path)?;
        return summarize_listed(&names, digests);
    }
    let mut archives = vec![archive];
    for _ in 1..threads {
        archives.push(open()?);
    }
    let parts: Vec<Result<EntryDigests, DirHashError>> = std::thread::scope(|s| {
        let workers: Vec<_> = archives
            .into_iter()
            .enumerate()
            .map(|(t, mut ar)| {
                let n = names.len();
                s.spawn(move || hash_entries(&mut ar, (t..n).step_by(threads), path))
            })
            .collect();
        workers
            .into_iter()
            .map(|w| {
                w.join().unwrap_or_else(|_| {
                    Err(DirHashError::Io {
                        path: path.to_owned(),
                        source: io::Error::other("a hashing thread panicked"),
                    })
                })
            })
            .collect()
    });
    let mut digests = Vec::with_capacity(names.len());
    for part in parts {
        digests.extend(part?);
    }
    summarize_listed(&names, digests)
}

/// The zip hash of a module zip read from `reader` (unbuffered: it is read
/// through a [`SeekBufReader`] here); `path` names it in errors.
pub fn hash_zip<R: Read + Seek>(reader: R, path: &Path) -> Result<String, DirHashError> {
    hash_zip_listed(reader, path).map(|(h1, _)| h1)
}

/// [`hash_zip`], with the list of entry digests it summarized.
pub fn hash_zip_listed<R: Read + Seek>(
    reader: R,
    path: &Path,
) -> Result<(String, FileDigests), DirHashError> {
    let mut archive = open_zip(reader, path)?;
    let names = entry_names(&mut archive, path)?;
    let digests = hash_entries(&mut archive, 0..names.len(), path)?;
    summarize_listed(&names, digests)
}

/// The SHA-256 of the entries of the zip read from `reader` at `indices`
/// (central-directory order), inflated and checked as for [`hash_zip`].
pub fn entry_digests<R: Read + Seek>(
    reader: R,
    path: &Path,
    indices: &[usize],
) -> Result<Vec<(usize, [u8; 32])>, DirHashError> {
    let mut archive = open_zip(reader, path)?;
    hash_entries(&mut archive, indices.iter().copied(), path)
}

/// The `h1:` hash of the zip read from `reader` if its entries' digests
/// are `digests` ([`hash_listed`] with the zip's own entry names): reads
/// the central directory only, no local header and no entry's contents.
pub fn hash_listed_zip<R: Read + Seek>(
    reader: R,
    path: &Path,
    digests: &[[u8; 32]],
) -> Result<String, DirHashError> {
    let mut archive = open_zip(reader, path)?;
    let names = entry_names(&mut archive, path)?;
    hash_listed(&names, digests)
}

/// The `h1:` hash of a zip whose entries, in central-directory order, are
/// named `names` and have the contents `digests` lists: equal to go.sum's
/// line only if the list is the zip's (SHA-256 preimage resistance). A
/// list of another length, or a name given twice, has no hash.
pub fn hash_listed<N: AsRef<[u8]>>(
    names: &[N],
    digests: &[[u8; 32]],
) -> Result<String, DirHashError> {
    if names.len() != digests.len() {
        return Err(DirHashError::ListLength {
            names: names.len(),
            digests: digests.len(),
        });
    }
    let mut seen = std::collections::HashSet::new();
    let mut summary = Summary::new();
    for (name, digest) in names.iter().zip(digests) {
        let name = name.as_ref();
        if !seen.insert(name) {
            return Err(DirHashError::DuplicateListedName {
                name: String::from_utf8_lossy(name).into_owned(),
            });
        }
        summary.add(name, *digest)?;
    }
    Ok(summary.finish())
}

/// `reader` as a zip archive, buffered by a [`SeekBufReader`]: the zip
/// crate seeks to every entry's local header, which a `std::io::BufReader`
/// would answer with a refill per entry.
fn open_zip<R: Read + Seek>(
    reader: R,
    path: &Path,
) -> Result<zip::ZipArchive<SeekBufReader<R>>, DirHashError> {
    let buffered =
        SeekBufReader::with_capacity(256 * 1024, reader).map_err(|source| DirHashError::Io {
            path: path.to_owned(),
            source,
        })?;
    zip::ZipArchive::new(buffered).map_err(|source| DirHashError::Zip {
        path: path.to_owned(),
        source,
    })
}

/// Every entry's raw name, in central-directory order; a name that appears
/// twice is refused, as Go's `HashZip` refuses it.
fn entry_names<R: Read + Seek>(
    archive: &mut zip::ZipArchive<R>,
    path: &Path,
) -> Result<Vec<Vec<u8>>, DirHashError> {
    // The central directory's names, in its order (no local header is
    // read: an entry is checked against its digest when it is read).
    if archive.has_duplicate_names() {
        return Err(DirHashError::DuplicateZipNames {
            path: path.to_owned(),
        });
    }
    let mut names = Vec::with_capacity(archive.len());
    let mut seen = std::collections::HashSet::new();
    for name in archive.file_names_raw() {
        if !seen.insert(name) {
            return Err(DirHashError::DuplicateZipEntry {
                path: path.to_owned(),
                name: String::from_utf8_lossy(name).into_owned(),
            });
        }
        names.push(name.to_vec());
    }
    Ok(names)
}

/// Entry indices with the SHA-256 of their contents.
type EntryDigests = Vec<(usize, [u8; 32])>;

/// The SHA-256 of each entry in `indices`, inflated (one inflater for all).
/// An entry inflating to more or fewer bytes than its header declares, or
/// not matching its CRC-32, is refused, as Go's archive/zip refuses it
/// (`zip: checksum error`, `ErrFormat`); a zip bomb costs at most its
/// declared sizes.
fn hash_entries<R: Read + Seek>(
    archive: &mut zip::ZipArchive<R>,
    indices: impl Iterator<Item = usize>,
    path: &Path,
) -> Result<EntryDigests, DirHashError> {
    // One inflater per zip, not per thread: the download pool's many
    // threads would each keep one.
    let inflater = &mut crate::zipentry::Inflater::new();
    let mut out = Vec::new();
    for i in indices {
        let entry = archive
            .by_index_raw(i)
            .map_err(|source| DirHashError::Zip {
                path: path.to_owned(),
                source,
            })?;
        let name = String::from_utf8_lossy(entry.name_raw()).into_owned();
        let mut h = Sha256::new();
        inflater
            .stream(entry, u64::MAX, &mut |chunk| {
                h.update(chunk);
                Ok(())
            })
            .map_err(|e| DirHashError::Io {
                path: path.to_owned(),
                source: io::Error::new(io::ErrorKind::InvalidData, format!("entry {name:?}: {e}")),
            })?;
        out.push((i, h.finalize()));
    }
    Ok(out)
}

/// The h1 of `names` and their digests, with the digests in entry order.
fn summarize_listed(
    names: &[Vec<u8>],
    mut digests: EntryDigests,
) -> Result<(String, FileDigests), DirHashError> {
    let mut summary = Summary::new();
    for (i, digest) in &digests {
        summary.add(&names[*i], *digest)?;
    }
    digests.sort_unstable_by_key(|d| d.0);
    Ok((summary.finish(), digests.into_iter().map(|d| d.1).collect()))
}

/// The files under `dir` as `go mod verify` names them: `prefix/rel`, with
/// forward slashes, directories left out (Go's `dirhash.DirFiles`). Like Go's
/// `filepath.Walk`, symbolic links are not followed while walking but are
/// listed as files.
pub fn dir_files(dir: &Path, prefix: &str) -> Result<Vec<(String, PathBuf)>, DirHashError> {
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(dir).follow_links(false) {
        let entry = entry.map_err(|e| {
            let path = e.path().unwrap_or(dir).to_owned();
            DirHashError::Io {
                path,
                source: e
                    .into_io_error()
                    .unwrap_or_else(|| io::Error::other("walk failed")),
            }
        })?;
        if entry.file_type().is_dir() {
            continue;
        }
        let rel = entry.path().strip_prefix(dir).unwrap_or(entry.path());
        let mut name = String::from(prefix);
        for comp in rel.components() {
            if !name.is_empty() {
                name.push('/');
            }
            name.push_str(&comp.as_os_str().to_string_lossy());
        }
        files.push((name, entry.path().to_owned()));
    }
    Ok(files)
}

/// The hash `go mod verify` computes for an extracted module directory
/// (Go's `dirhash.HashDir(dir, "path@version", Hash1)`).
pub fn hash_dir(dir: &Path, prefix: &str) -> Result<String, DirHashError> {
    let mut summary = Summary::new();
    for (name, path) in dir_files(dir, prefix)? {
        let io_err = |source| DirHashError::Io {
            path: path.clone(),
            source,
        };
        let file = File::open(&path).map_err(io_err)?;
        let digest = sha256_reader(file).map_err(io_err)?;
        summary.add(name.as_bytes(), digest)?;
    }
    Ok(summary.finish())
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)] // tests set up their own files
mod tests {
    use super::*;

    fn write_zip(path: &Path, entries: &[(&str, Vec<u8>)]) {
        let mut w = zip::ZipWriter::new(File::create(path).unwrap());
        for (name, data) in entries {
            let opts = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            w.start_file(*name, opts).unwrap();
            std::io::Write::write_all(&mut w, data).unwrap();
        }
        w.finish().unwrap();
    }

    /// Rewrites the little-endian u32 `from` to `to` in the zip at `path`.
    fn patch_u32(path: &Path, from: u32, to: u32) {
        let mut data = std::fs::read(path).unwrap();
        crate::zipentry::tests::patch(&mut data, from, to);
        std::fs::write(path, data).unwrap();
    }

    /// The h1 of a zip whose entry lies about its CRC-32 or its size is an
    /// error on both hash paths (one thread, several), never a hash.
    #[test]
    fn a_zip_lying_about_an_entry_crc_or_size_has_no_hash() {
        let dir = tempfile::tempdir().unwrap();
        let data = vec![b'x'; 0x0BAD];
        let crc = crc32fast::hash(&data);
        for (what, from, to) in [
            ("crc", crc, crc ^ 1),
            ("size", 0x0BAD, 0x0BAC),
            ("size", 0x0BAD, 0x0BAE),
        ] {
            let zip = dir.path().join(format!("{what}-{to}.zip"));
            write_zip(
                &zip,
                &[
                    ("example.com/m@v1.0.0/a.go", data.clone()),
                    ("example.com/m@v1.0.0/b.go", b"package m\n".to_vec()),
                ],
            );
            assert!(hash_zip_file(&zip).is_ok());
            patch_u32(&zip, from, to);
            for threads in [1, 2] {
                let e = hash_zip_file_with(&zip, threads)
                    .expect_err(what)
                    .to_string();
                assert!(e.contains("a.go"), "{what}, {threads} threads: {e}");
            }
            let e = hash_zip(File::open(&zip).unwrap(), &zip).expect_err(what);
            assert!(e.to_string().contains("a.go"), "{what}: {e}");
        }
    }

    /// Entries shared among threads give the hash one thread gives.
    #[test]
    fn parallel_zip_hash_is_the_sequential_one() {
        let dir = tempfile::tempdir().unwrap();
        let zip = dir.path().join("m.zip");
        let entries: Vec<(String, Vec<u8>)> = (0..37)
            .map(|i| {
                let data: Vec<u8> = (0..i * 997).map(|j| (j * 31 % 251) as u8).collect();
                (format!("example.com/m@v1.0.0/f{i:02}.go"), data)
            })
            .collect();
        let refs: Vec<(&str, Vec<u8>)> = entries
            .iter()
            .map(|(n, d)| (n.as_str(), d.clone()))
            .collect();
        write_zip(&zip, &refs);
        let one = hash_zip_file(&zip).unwrap();
        let want = hash1(&entries).unwrap();
        assert_eq!(one, want);
        for threads in [2, 3, 8, 100] {
            assert_eq!(
                hash_zip_file_with(&zip, threads).unwrap(),
                want,
                "{threads}"
            );
        }
        // (Duplicate names are refused before the entries are shared out:
        // `entry_names`, the same for every thread count.)
        // A flipped byte in an entry's data fails on every thread count,
        // whichever thread reads it.
        let mut bytes = std::fs::read(&zip).unwrap();
        let at = bytes.len() / 2;
        bytes[at] ^= 0xff;
        let bad = dir.path().join("bad.zip");
        std::fs::write(&bad, &bytes).unwrap();
        for threads in [1, 2, 3, 8] {
            assert!(
                !hash_zip_file_with(&bad, threads).is_ok_and(|h| h == want),
                "{threads}"
            );
        }
        let empty = dir.path().join("empty.zip");
        write_zip(&empty, &[]);
        assert_eq!(hash_zip_file_with(&empty, 4).unwrap(), EMPTY_H1);
    }

    #[test]
    fn empty_list_hash() {
        let none: [(&str, &str); 0] = [];
        assert_eq!(hash1(&none).unwrap(), EMPTY_H1);
    }

    #[test]
    fn summary_is_sorted_bytewise() {
        let a = hash1(&[("b", "1"), ("a", "2"), ("B", "3")]).unwrap();
        let b = hash1(&[("B", "3"), ("a", "2"), ("b", "1")]).unwrap();
        assert_eq!(a, b);
        let mut s = Summary::new();
        s.add(b"b", [0; 32]).unwrap();
        s.add(b"B", [0; 32]).unwrap();
        let text = String::from_utf8(s.text()).unwrap();
        assert!(text.find("  B\n").unwrap() < text.find("  b\n").unwrap());
    }

    #[test]
    fn newline_in_name_is_refused() {
        assert!(matches!(
            hash1(&[("a\nb", "")]),
            Err(DirHashError::NewlineInName { .. })
        ));
    }

    #[test]
    fn go_mod_hash_matches_go() {
        // The hash go itself drops from go.sum: an empty go.mod (Go's
        // modfetch emptyGoModHash).
        assert_eq!(
            hash_go_mod(b""),
            "h1:G7mAYYxgmS0lVkHyy2hEOLQCFB0DlQFTMLWggykrydY="
        );
    }
}
