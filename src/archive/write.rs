//! Writing archives: aside, then renamed into place.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use super::{ArchiveError, Format, MANIFEST_NAME};
use crate::fsutil::FsError;

/// One file of the archive: its path inside the archive (forward slashes)
/// and where its bytes are now.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ArchiveEntry {
    /// Path inside the archive.
    pub name: String,
    /// The file holding the bytes.
    pub source: PathBuf,
}

/// Writes `manifest` (as `modsnap.json`) and `entries` to `out` in the
/// format its extension names. The archive is written to a temporary file
/// beside `out` and renamed over it only when complete, so a failure leaves
/// no archive behind. `mtime` is stamped on every entry.
pub fn write_archive(
    out: &Path,
    manifest: &[u8],
    entries: &[ArchiveEntry],
    mtime: u64,
) -> Result<(), ArchiveError> {
    write_archive_aside(out, manifest.to_vec(), entries, mtime)?.persist()
}

/// A complete archive in its temporary file beside its destination, not
/// yet renamed into place; dropping it removes the file.
#[derive(Debug)]
pub struct PendingArchive {
    tmp: tempfile::NamedTempFile,
    out: PathBuf,
}

impl PendingArchive {
    /// Renames the archive into place.
    pub fn persist(self) -> Result<(), ArchiveError> {
        let out = self.out;
        self.tmp.persist(&out).map_err(|e| {
            ArchiveError::Fs(FsError::new("rename archive into place at", &out, e.error))
        })?;
        Ok(())
    }
}

/// [`write_archive`] up to the rename: the caller persists the archive
/// when whatever else it waits for has succeeded. The manifest's bytes are
/// let go once written (with zips' file digests they are a few MiB).
pub fn write_archive_aside(
    out: &Path,
    mut manifest: Vec<u8>,
    entries: &[ArchiveEntry],
    mtime: u64,
) -> Result<PendingArchive, ArchiveError> {
    let format = Format::from_path(out).ok_or_else(|| ArchiveError::UnknownFormat {
        path: out.to_owned(),
    })?;
    let mut sorted: Vec<&ArchiveEntry> = entries.iter().collect();
    sorted.sort();
    let dir = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".modsnap-").suffix(".partial");
    // Readable as any file the user creates (0666 less the umask), not
    // tempfile's 0600: CI runners often read archives as another user.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    let tmp = builder
        .tempfile_in(&dir)
        .map_err(|e| FsError::new("create temporary file in", &dir, e))?;
    let file = tmp
        .reopen()
        .map_err(|e| FsError::new("open", tmp.path(), e))?;
    let werr = |e: io::Error| ArchiveError::Fs(FsError::new("write", out, e));
    let manifest = &mut manifest;
    match format {
        Format::Tar => {
            let f = write_plain_tar(file, manifest, &sorted, mtime)?;
            finish_file(f, out)?;
        }
        Format::TarGz => {
            let gz = flate2::GzBuilder::new()
                .mtime(0)
                .operating_system(255)
                .write(
                    BufWriter::with_capacity(1 << 20, file),
                    flate2::Compression::new(6),
                );
            let gz = write_tar(gz, manifest, &sorted, mtime)?;
            let w = gz.finish().map_err(werr)?;
            finish_file(w.into_inner().map_err(|e| werr(e.into_error()))?, out)?;
        }
        Format::TarZst => {
            let mut enc = zstd::stream::Encoder::new(BufWriter::with_capacity(1 << 20, file), 3)
                .map_err(werr)?;
            let workers = std::thread::available_parallelism()
                .map_or(1, |n| n.get())
                .clamp(1, 8) as u32;
            enc.multithread(workers).map_err(werr)?;
            enc.include_checksum(true).map_err(werr)?;
            let enc = write_tar(enc, manifest, &sorted, mtime)?;
            let w = enc.finish().map_err(werr)?;
            finish_file(w.into_inner().map_err(|e| werr(e.into_error()))?, out)?;
        }
        Format::Zip => {
            let f = write_zip(file, out, manifest, &sorted, mtime)?;
            finish_file(f, out)?;
        }
    }
    Ok(PendingArchive {
        tmp,
        out: out.to_owned(),
    })
}

fn finish_file(f: File, out: &Path) -> Result<(), ArchiveError> {
    f.sync_all()
        .map_err(|e| ArchiveError::Fs(FsError::new("sync", out, e)))
}

/// An entry's source file, opened, and its length.
fn open_source(e: &ArchiveEntry) -> Result<(File, u64), FsError> {
    let f = File::open(&e.source).map_err(|err| FsError::new("open", &e.source, err))?;
    let len = f
        .metadata()
        .map_err(|err| FsError::new("stat", &e.source, err))?
        .len();
    Ok((f, len))
}

fn tar_header(size: u64, mtime: u64) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(tar::EntryType::Regular);
    h.set_size(size);
    h.set_mode(0o644);
    h.set_mtime(mtime);
    h.set_uid(0);
    h.set_gid(0);
    // Empty user and group names: new_gnu leaves them zeroed.
    h
}

fn write_tar<W: Write>(
    w: W,
    manifest: &mut Vec<u8>,
    entries: &[&ArchiveEntry],
    mtime: u64,
) -> Result<W, ArchiveError> {
    let mut b = tar::Builder::new(w);
    b.mode(tar::HeaderMode::Deterministic);
    let werr = |e: io::Error| ArchiveError::Fs(FsError::new("write", Path::new("archive"), e));
    let mut h = tar_header(manifest.len() as u64, mtime);
    b.append_data(&mut h, MANIFEST_NAME, manifest.as_slice())
        .map_err(werr)?;
    drop(std::mem::take(manifest));
    for e in entries {
        let (f, len) = open_source(e)?;
        let mut h = tar_header(len, mtime);
        b.append_data(&mut h, &e.name, io::BufReader::with_capacity(1 << 16, f))
            .map_err(|err| FsError::new("add to archive", &e.source, err))?;
    }
    b.into_inner().map_err(werr)
}

/// The same bytes as [`write_tar`] into a plain file, with each entry's
/// data copied file to file by the kernel (`io::copy` between two files is
/// `copy_file_range` on Linux) instead of through a buffer: the headers are
/// the tar crate's (GNU long names included), written through a `Builder`
/// into memory with no data, then the data, then its padding.
fn write_plain_tar(
    mut out: File,
    manifest: &mut Vec<u8>,
    entries: &[&ArchiveEntry],
    mtime: u64,
) -> Result<File, ArchiveError> {
    let werr = |e: io::Error| ArchiveError::Fs(FsError::new("write", Path::new("archive"), e));
    let mut headers = tar::Builder::new(Vec::new());
    headers.mode(tar::HeaderMode::Deterministic);
    let mut h = tar_header(manifest.len() as u64, mtime);
    headers
        .append_data(&mut h, MANIFEST_NAME, manifest.as_slice())
        .map_err(werr)?;
    drop(std::mem::take(manifest));
    for e in entries {
        let (mut f, len) = open_source(e)?;
        let mut h = tar_header(len, mtime);
        // No data: the builder writes the header blocks and no padding.
        headers
            .append_data(&mut h, &e.name, io::empty())
            .map_err(|err| FsError::new("add to archive", &e.source, err))?;
        out.write_all(&std::mem::take(headers.get_mut()))
            .map_err(werr)?;
        let copied = io::copy(&mut f, &mut out)
            .map_err(|err| FsError::new("add to archive", &e.source, err))?;
        if copied != len {
            return Err(ArchiveError::Fs(FsError::new(
                "add to archive",
                &e.source,
                io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!("the file changed size while it was copied ({len} → {copied} bytes)"),
                ),
            )));
        }
        let pad = (512 - len % 512) % 512;
        out.write_all(&[0u8; 512][..pad as usize]).map_err(werr)?;
    }
    out.write_all(&std::mem::take(headers.get_mut()))
        .map_err(werr)?;
    // The end of the archive: two zero blocks, as `Builder::finish` writes.
    out.write_all(&[0u8; 1024]).map_err(werr)?;
    Ok(out)
}

fn write_zip(
    file: File,
    out: &Path,
    manifest: &mut Vec<u8>,
    entries: &[&ArchiveEntry],
    mtime: u64,
) -> Result<File, ArchiveError> {
    let zerr = |source| ArchiveError::Zip {
        path: out.to_owned(),
        source,
    };
    let time = zip_time(mtime);
    let base = zip::write::SimpleFileOptions::default()
        .last_modified_time(time)
        .system(zip::System::Unix)
        .unix_permissions(0o644)
        .large_file(false);
    let deflated = base
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(6));
    let stored = base.compression_method(zip::CompressionMethod::Stored);
    let mut w = zip::ZipWriter::new(BufWriter::with_capacity(1 << 20, file));
    w.start_file(MANIFEST_NAME, deflated).map_err(zerr)?;
    w.write_all(manifest)
        .map_err(|e| FsError::new("write", out, e))?;
    drop(std::mem::take(manifest));
    for e in entries {
        let (mut f, len) = open_source(e)?;
        let opts = if e.name.ends_with(".zip") {
            stored
        } else {
            deflated
        };
        let opts = opts.large_file(len >= u32::MAX as u64);
        w.start_file(e.name.as_str(), opts).map_err(zerr)?;
        io::copy(&mut f, &mut w).map_err(|err| FsError::new("add to archive", &e.source, err))?;
    }
    let buf = w.finish().map_err(zerr)?;
    buf.into_inner()
        .map_err(|e| ArchiveError::Fs(FsError::new("write", out, e.into_error())))
}

/// A zip (MS-DOS) timestamp for a Unix time; DOS time starts in 1980, so
/// earlier times (including 0) become 1980-01-01 00:00:00.
fn zip_time(unix: u64) -> zip::DateTime {
    let days = unix / 86400;
    let secs = unix % 86400;
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    if !(1980..=2107).contains(&y) {
        return zip::DateTime::default();
    }
    zip::DateTime::from_date_and_time(
        y as u16,
        m as u8,
        d as u8,
        (secs / 3600) as u8,
        ((secs % 3600) / 60) as u8,
        (secs % 60) as u8,
    )
    .unwrap_or_default()
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)] // tests set up their own files
mod tests {
    use super::*;

    #[test]
    fn zip_time_conversion() {
        assert_eq!(zip_time(0), zip::DateTime::default());
        let t = zip_time(1_700_000_000); // 2023-11-14T22:13:20Z
        assert_eq!(
            (t.year(), t.month(), t.day(), t.hour(), t.minute()),
            (2023, 11, 14, 22, 13)
        );
    }

    /// The kernel-copy tar writer gives the bytes of the buffered one
    /// (through `tar::Builder`), long GNU names and every padding included.
    #[test]
    fn plain_tar_is_the_builder_s_tar() {
        let dir = tempfile::tempdir().unwrap();
        let long = format!(
            "{}/@v/v0.0.0-20240102030405-abcdefabcdef.zip",
            "x".repeat(120)
        );
        let mut entries = Vec::new();
        for (i, size) in [0usize, 1, 511, 512, 513, 70_000].into_iter().enumerate() {
            let src = dir.path().join(format!("f{i}"));
            std::fs::write(&src, vec![b'a' + i as u8; size]).unwrap();
            let name = if i == 2 {
                long.clone()
            } else {
                format!("m{i}/@v/v1.0.0.zip")
            };
            entries.push(ArchiveEntry { name, source: src });
        }
        let refs: Vec<&ArchiveEntry> = entries.iter().collect();
        let buffered = write_tar(Vec::new(), &mut b"{\"manifest\":1}".to_vec(), &refs, 42).unwrap();
        let out = dir.path().join("plain.tar");
        let f = File::create(&out).unwrap();
        write_plain_tar(f, &mut b"{\"manifest\":1}".to_vec(), &refs, 42).unwrap();
        assert_eq!(std::fs::read(&out).unwrap(), buffered);
    }

    #[test]
    fn every_format_is_deterministic_and_atomic() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("src");
        std::fs::create_dir(&src).unwrap();
        std::fs::write(src.join("b"), b"bbbb").unwrap();
        std::fs::write(src.join("a"), b"aaaa").unwrap();
        let entries = vec![
            ArchiveEntry {
                name: "x/@v/v1.0.0.zip".into(),
                source: src.join("b"),
            },
            ArchiveEntry {
                name: "x/@v/list".into(),
                source: src.join("a"),
            },
        ];
        for ext in ["tar", "tar.gz", "tar.zst", "zip"] {
            let one = dir.path().join(format!("one.{ext}"));
            let two = dir.path().join(format!("two.{ext}"));
            write_archive(&one, b"{}", &entries, 0).unwrap();
            let mut reversed = entries.clone();
            reversed.reverse();
            write_archive(&two, b"{}", &reversed, 0).unwrap();
            assert_eq!(
                std::fs::read(&one).unwrap(),
                std::fs::read(&two).unwrap(),
                "{ext}"
            );
        }
        // Unknown extension: nothing written.
        let bad = dir.path().join("out.rar");
        assert!(matches!(
            write_archive(&bad, b"{}", &entries, 0),
            Err(ArchiveError::UnknownFormat { .. })
        ));
        // A missing source: error, and neither the output nor a temp file is left.
        let missing = vec![ArchiveEntry {
            name: "m".into(),
            source: src.join("missing"),
        }];
        let out = dir.path().join("fail.tar");
        assert!(write_archive(&out, b"{}", &missing, 0).is_err());
        assert!(!out.exists());
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().starts_with(".modsnap-"))
            .collect();
        assert!(leftovers.is_empty());
    }
}
