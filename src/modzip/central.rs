//! A reader for a zip file's central directory that keeps every entry.
//!
//! The `zip` crate indexes entries by name and silently collapses duplicate
//! names, but Go's `archive/zip` keeps them, and `CheckZip` reports each
//! duplicate where it occurs. So the checks read the central directory here
//! (names verbatim, declared sizes, header offsets), the way Go's
//! `zip.NewReader` does, and only extraction uses the `zip` crate.
//!
//! Only the end-of-central-directory records and the central directory are
//! read, never entry data, and through a buffered reader.

use std::io::{self, BufReader, Read, Seek, SeekFrom};

/// One central-directory record, as Go's `zip.File` sees it.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    /// The name bytes, verbatim.
    pub name: Vec<u8>,
    /// The declared uncompressed size (zip64-aware).
    pub uncompressed_size: u64,
    /// Where this entry's central-directory record starts in the file.
    pub central_header_start: u64,
}

/// Why the central directory could not be read.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// The file could not be read.
    Io(io::Error),
    /// The bytes are not a zip file Go would accept; the text says why.
    Format(&'static str),
}

impl From<io::Error> for ReadError {
    fn from(e: io::Error) -> Self {
        if e.kind() == io::ErrorKind::UnexpectedEof {
            ReadError::Format("unexpected end of file")
        } else {
            ReadError::Io(e)
        }
    }
}

const EOCD_SIG: [u8; 4] = *b"PK\x05\x06";
const EOCD_LEN: usize = 22;
const ZIP64_LOCATOR_SIG: [u8; 4] = *b"PK\x06\x07";
const ZIP64_LOCATOR_LEN: u64 = 20;
const ZIP64_EOCD_SIG: [u8; 4] = *b"PK\x06\x06";
const CENTRAL_SIG: [u8; 4] = *b"PK\x01\x02";
const CENTRAL_LEN: usize = 46;
const LOCAL_HEADER_LEN: u64 = 30;
const ZIP64_EXTRA_ID: u16 = 0x0001;

/// What the end-of-central-directory records say.
struct DirectoryEnd {
    records: u64,
    size: u64,
    offset: u64,
}

/// Reads every central-directory entry of the zip file `r`, which is `size`
/// bytes long.
pub(crate) fn read_entries<R: Read + Seek>(r: &mut R, size: u64) -> Result<Vec<Entry>, ReadError> {
    let (end_pos, end) = find_directory_end(r, size)?;
    // Go allows data before the archive (self-extracting zips): offsets are
    // then relative to where the archive starts.
    let base = i128::from(end_pos) - i128::from(end.size) - i128::from(end.offset);
    let mut base = if base < 0 { 0 } else { base as u64 };
    if base > 0 && starts_with_central_header(r, end.offset, size)? {
        base = 0;
    }
    let start = base
        .checked_add(end.offset)
        .filter(|&o| o < size)
        .ok_or(ReadError::Format("central directory offset out of range"))?;
    if end.records > size / LOCAL_HEADER_LEN {
        return Err(ReadError::Format("too many central directory records"));
    }

    r.seek(SeekFrom::Start(start))?;
    let mut reader = BufReader::with_capacity(64 * 1024, r);
    let mut pos = start;
    // Like Go, read records until one is malformed, then accept the list only
    // if its length matches the (16-bit truncated) count.
    let mut entries = Vec::new();
    while let Some((entry, next)) = read_central_record(&mut reader, pos)? {
        pos = next;
        entries.push(entry);
    }
    if (entries.len() as u64) & 0xffff != end.records & 0xffff {
        return Err(ReadError::Format("central directory record count mismatch"));
    }
    Ok(entries)
}

fn starts_with_central_header<R: Read + Seek>(
    r: &mut R,
    offset: u64,
    size: u64,
) -> Result<bool, ReadError> {
    if offset.saturating_add(4) > size {
        return Ok(false);
    }
    r.seek(SeekFrom::Start(offset))?;
    let mut sig = [0u8; 4];
    r.read_exact(&mut sig)?;
    Ok(sig == CENTRAL_SIG)
}

fn find_directory_end<R: Read + Seek>(
    r: &mut R,
    size: u64,
) -> Result<(u64, DirectoryEnd), ReadError> {
    let mut found = None;
    for window in [1024u64, 65 * 1024] {
        let window = window.min(size);
        let mut buf = vec![0u8; window as usize];
        r.seek(SeekFrom::Start(size - window))?;
        r.read_exact(&mut buf)?;
        if let Some(i) = find_end_signature(&buf) {
            found = Some((size - window + i as u64, buf[i..i + EOCD_LEN].to_vec()));
            break;
        }
        if window == size {
            break;
        }
    }
    let Some((mut end_pos, rec)) = found else {
        return Err(ReadError::Format("no end of central directory record"));
    };
    let mut end = DirectoryEnd {
        records: u64::from(u16_at(&rec, 10)),
        size: u64::from(u32_at(&rec, 12)),
        offset: u64::from(u32_at(&rec, 16)),
    };
    let overflowed = end.records == 0xffff || end.size == 0xffff_ffff || end.offset == 0xffff_ffff;
    if overflowed && let Some(pos) = find_zip64_end(r, end_pos)? {
        end_pos = pos;
        end = read_zip64_end(r, pos)?;
    }
    if end.offset >= size {
        return Err(ReadError::Format("central directory offset out of range"));
    }
    Ok((end_pos, end))
}

/// The offset of the last end-of-central-directory signature whose comment
/// fits in `b` (Go's `findSignatureInBlock`).
fn find_end_signature(b: &[u8]) -> Option<usize> {
    if b.len() < EOCD_LEN {
        return None;
    }
    for i in (0..=b.len() - EOCD_LEN).rev() {
        if b[i..i + 4] == EOCD_SIG {
            let comment = usize::from(u16_at(b, i + EOCD_LEN - 2));
            return (i + EOCD_LEN + comment <= b.len()).then_some(i);
        }
    }
    None
}

fn find_zip64_end<R: Read + Seek>(r: &mut R, end_pos: u64) -> Result<Option<u64>, ReadError> {
    let Some(loc) = end_pos.checked_sub(ZIP64_LOCATOR_LEN) else {
        return Ok(None);
    };
    r.seek(SeekFrom::Start(loc))?;
    let mut buf = [0u8; ZIP64_LOCATOR_LEN as usize];
    r.read_exact(&mut buf)?;
    if buf[..4] != ZIP64_LOCATOR_SIG {
        return Ok(None);
    }
    if u32_at(&buf, 4) != 0 || u32_at(&buf, 16) != 1 {
        return Err(ReadError::Format("multi-disk zip files are not supported"));
    }
    Ok(Some(u64_at(&buf, 8)))
}

fn read_zip64_end<R: Read + Seek>(r: &mut R, pos: u64) -> Result<DirectoryEnd, ReadError> {
    r.seek(SeekFrom::Start(pos))?;
    let mut buf = [0u8; 56];
    r.read_exact(&mut buf)?;
    if buf[..4] != ZIP64_EOCD_SIG {
        return Err(ReadError::Format(
            "bad zip64 end of central directory record",
        ));
    }
    Ok(DirectoryEnd {
        records: u64_at(&buf, 32),
        size: u64_at(&buf, 40),
        offset: u64_at(&buf, 48),
    })
}

/// Reads one record at `pos`; `None` when there is no well-formed record
/// there (which ends the directory, as in Go).
fn read_central_record<R: Read>(r: &mut R, pos: u64) -> Result<Option<(Entry, u64)>, ReadError> {
    let mut head = [0u8; CENTRAL_LEN];
    match read_full(r, &mut head)? {
        true => {}
        false => return Ok(None),
    }
    if head[..4] != CENTRAL_SIG {
        return Ok(None);
    }
    let compressed32 = u32_at(&head, 20);
    let uncompressed32 = u32_at(&head, 24);
    let name_len = usize::from(u16_at(&head, 28));
    let extra_len = usize::from(u16_at(&head, 30));
    let comment_len = usize::from(u16_at(&head, 32));
    let offset32 = u32_at(&head, 42);
    let mut var = vec![0u8; name_len + extra_len + comment_len];
    if !read_full(r, &mut var)? {
        return Ok(None);
    }
    let name = var[..name_len].to_vec();
    let extra = &var[name_len..name_len + extra_len];

    let mut uncompressed = u64::from(uncompressed32);
    let mut need_usize = uncompressed32 == u32::MAX;
    let mut need_csize = compressed32 == u32::MAX;
    let mut need_offset = offset32 == u32::MAX;
    let mut rest = extra;
    while rest.len() >= 4 {
        let tag = u16_at(rest, 0);
        let len = usize::from(u16_at(rest, 2));
        rest = &rest[4..];
        if rest.len() < len {
            break;
        }
        let (mut field, tail) = rest.split_at(len);
        rest = tail;
        if tag != ZIP64_EXTRA_ID {
            continue;
        }
        // The zip64 field lists only the values that overflowed, in order.
        for (needed, target) in [
            (&mut need_usize, Some(&mut uncompressed)),
            (&mut need_csize, None),
            (&mut need_offset, None),
        ] {
            if *needed {
                *needed = false;
                if field.len() < 8 {
                    return Ok(None);
                }
                if let Some(t) = target {
                    *t = u64_at(field, 0);
                }
                field = &field[8..];
            }
        }
    }
    // Go accepts a lone 0xffffffff uncompressed size (42.zip), not the others.
    if need_csize || need_offset {
        return Ok(None);
    }
    let next = pos + (CENTRAL_LEN + var.len()) as u64;
    Ok(Some((
        Entry {
            name,
            uncompressed_size: uncompressed,
            central_header_start: pos,
        },
        next,
    )))
}

/// Fills `buf`; `false` at a clean or partial end of input.
fn read_full<R: Read>(r: &mut R, buf: &mut [u8]) -> Result<bool, ReadError> {
    match r.read_exact(buf) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(false),
        Err(e) => Err(ReadError::Io(e)),
    }
}

fn u16_at(b: &[u8], i: usize) -> u16 {
    u16::from_le_bytes([b[i], b[i + 1]])
}

fn u32_at(b: &[u8], i: usize) -> u32 {
    u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]])
}

fn u64_at(b: &[u8], i: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[i..i + 8]);
    u64::from_le_bytes(a)
}
