//! Reading the contents of zip entries through one inflater reused from
//! entry to entry: the reader behind every pass over a module zip's files
//! (the `h1:` hash, the package loader's file heads, vendored copies).
//!
//! The zip crate's `ZipArchive::by_index` builds a fresh inflater for each
//! entry (with zlib-rs: a 47 KiB state and a 32 KiB read buffer). A
//! snapshot of the bench project reads 30,000 entries, so 2.4 GB was
//! allocated and freed in 80 KiB pieces (heaptrack; bench/README.md).
//! [`Inflater`] reads an entry's raw bytes (`by_index_raw`) and inflates
//! them with a `flate2::Decompress` that is reset, not rebuilt, between
//! entries. (Measured alone, this did not move peak RSS; what did was the
//! package check forgetting file heads, `vendoring::load`.)
//!
//! The checks are Go's `archive/zip` reader's: an entry inflating to more or
//! fewer bytes than its header declares is refused, and so is a whole entry
//! whose CRC-32 differs from a non-zero declared one (Go skips the check
//! when the header says 0). Only stored and deflated entries are read (the
//! only methods a module zip may use, `modzip`); an encrypted one is refused.
//!
//! Not here: finding entries (the zip crate parses the central directory),
//! names, or the module zip rules.

use std::io::{self, Read};

use flate2::{Decompress, FlushDecompress, Status};

/// Why an entry's contents could not be read.
#[derive(Debug, thiserror::Error)]
pub enum EntryError {
    /// The entry holds more bytes than its header declares.
    #[error("it holds more bytes than its header says ({declared})")]
    Longer {
        /// The declared size.
        declared: u64,
    },
    /// The entry holds fewer bytes than its header declares.
    #[error("it holds {got} bytes, its header says {declared}")]
    Shorter {
        /// The bytes it holds.
        got: u64,
        /// The declared size.
        declared: u64,
    },
    /// The contents do not match the declared CRC-32 (Go: `zip: checksum error`).
    #[error("zip: checksum error")]
    Checksum,
    /// A compression method a module zip may not use.
    #[error("unsupported compression method {0}")]
    Method(String),
    /// An encrypted entry.
    #[error("the entry is encrypted")]
    Encrypted,
    /// A broken deflate stream.
    #[error("invalid deflate data: {0}")]
    Corrupt(String),
    /// Reading the zip failed.
    #[error("{0}")]
    Io(#[from] io::Error),
}

impl From<EntryError> for io::Error {
    fn from(e: EntryError) -> io::Error {
        match e {
            EntryError::Io(e) => e,
            other => io::Error::new(io::ErrorKind::InvalidData, other),
        }
    }
}

/// How much of an entry [`Inflater::stream`] delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Streamed {
    /// Bytes handed on.
    pub bytes: u64,
    /// Whether that is the whole entry (then its size and CRC-32 were
    /// checked).
    pub whole: bool,
}

const BUF: usize = 32 * 1024;

/// One inflater and its buffers, for any number of entries read one after
/// another.
pub struct Inflater {
    dec: Decompress,
    input: Box<[u8]>,
    output: Box<[u8]>,
}

impl Default for Inflater {
    fn default() -> Self {
        Inflater::new()
    }
}

impl Inflater {
    /// A raw-deflate inflater with 32 KiB buffers.
    pub fn new() -> Inflater {
        Inflater {
            dec: Decompress::new(false),
            input: vec![0u8; BUF].into_boxed_slice(),
            output: vec![0u8; BUF].into_boxed_slice(),
        }
    }

    /// Hands the contents of `entry` (opened with `by_index_raw`) to `each`
    /// in chunks, stopping once `limit` bytes were handed on (`u64::MAX`:
    /// all of it). When the entry's declared size is within `limit` the
    /// whole entry is read and checked (size and CRC-32) before this
    /// returns; an error from `each` stops the read and is returned.
    pub fn stream<R: Read + ?Sized>(
        &mut self,
        mut entry: zip::read::ZipFile<'_, R>,
        limit: u64,
        each: &mut dyn FnMut(&[u8]) -> io::Result<()>,
    ) -> Result<Streamed, EntryError> {
        if entry.encrypted() {
            return Err(EntryError::Encrypted);
        }
        let declared = entry.size();
        let want_crc = entry.crc32();
        let whole = declared <= limit;
        // A whole read goes one byte past the declared size to see a lie.
        let cap = if whole {
            declared.saturating_add(1)
        } else {
            limit
        };
        let method = entry.compression();
        let mut crc = crc32fast::Hasher::new();
        let mut total = 0u64;
        let mut deliver = |chunk: &[u8], total: &mut u64| -> Result<bool, EntryError> {
            let room = cap - *total;
            let n = (chunk.len() as u64).min(room) as usize;
            if whole {
                crc.update(&chunk[..n]);
                if *total + chunk.len() as u64 > declared {
                    return Err(EntryError::Longer { declared });
                }
            }
            each(&chunk[..n])?;
            *total += n as u64;
            Ok(*total >= cap)
        };
        match method {
            zip::CompressionMethod::Stored => loop {
                let n = read_some(&mut entry, &mut self.output)?;
                if n == 0 || deliver(&self.output[..n], &mut total)? {
                    break;
                }
            },
            zip::CompressionMethod::Deflated => {
                self.dec.reset(false);
                let (mut start, mut end) = (0usize, 0usize);
                let mut eof = false;
                loop {
                    if start == end && !eof {
                        end = read_some(&mut entry, &mut self.input)?;
                        start = 0;
                        eof = end == 0;
                    }
                    let (in0, out0) = (self.dec.total_in(), self.dec.total_out());
                    let status = self
                        .dec
                        .decompress(
                            &self.input[start..end],
                            &mut self.output,
                            FlushDecompress::None,
                        )
                        .map_err(|e| EntryError::Corrupt(e.to_string()))?;
                    start += (self.dec.total_in() - in0) as usize;
                    let produced = (self.dec.total_out() - out0) as usize;
                    if produced > 0 && deliver(&self.output[..produced], &mut total)? {
                        break;
                    }
                    match status {
                        Status::StreamEnd => break,
                        // Input to hand (or none left) and room for output,
                        // yet no progress: a stream cut short, or one the
                        // inflater cannot go on with; never a busy loop.
                        _ if produced == 0 && self.dec.total_in() == in0 => {
                            return Err(EntryError::Corrupt("unexpected end of stream".into()));
                        }
                        _ => {}
                    }
                }
            }
            other => return Err(EntryError::Method(format!("{other:?}"))),
        }
        if !whole {
            return Ok(Streamed {
                bytes: total,
                whole: total >= declared,
            });
        }
        if total < declared {
            return Err(EntryError::Shorter {
                got: total,
                declared,
            });
        }
        if want_crc != 0 && crc.finalize() != want_crc {
            return Err(EntryError::Checksum);
        }
        Ok(Streamed {
            bytes: total,
            whole: true,
        })
    }
}

thread_local! {
    static THREAD_INFLATER: std::cell::RefCell<Option<Inflater>> = const { std::cell::RefCell::new(None) };
}

/// Runs `f` with this thread's inflater, made on first use and kept for
/// the thread's life (one per thread, not one per open zip: the package
/// loader keeps hundreds of zips open). A nested call gets a fresh one.
pub fn with_inflater<T>(f: impl FnOnce(&mut Inflater) -> T) -> T {
    THREAD_INFLATER.with(|cell| match cell.try_borrow_mut() {
        Ok(mut slot) => f(slot.get_or_insert_with(Inflater::new)),
        Err(_) => f(&mut Inflater::new()),
    })
}

fn read_some<R: Read + ?Sized>(r: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match r.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::io::{Cursor, Write};

    fn zip_of(files: &[(&str, &[u8], zip::CompressionMethod)]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, data, method) in files {
            let opts = zip::write::SimpleFileOptions::default().compression_method(*method);
            w.start_file(*name, opts).unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    fn read_all(
        inf: &mut Inflater,
        zip: &[u8],
        i: usize,
        limit: u64,
    ) -> Result<Vec<u8>, EntryError> {
        let mut ar = zip::ZipArchive::new(Cursor::new(zip)).unwrap();
        let mut out = Vec::new();
        inf.stream(ar.by_index_raw(i).unwrap(), limit, &mut |c| {
            out.extend_from_slice(c);
            Ok(())
        })?;
        Ok(out)
    }

    fn big() -> Vec<u8> {
        (0..300_000u32)
            .flat_map(|i| (i % 251).to_le_bytes())
            .collect()
    }

    #[test]
    fn same_bytes_as_the_zip_crate_for_every_entry_with_one_inflater() {
        let data = big();
        let z = zip_of(&[
            ("a", b"hello", zip::CompressionMethod::Deflated),
            ("b", &data, zip::CompressionMethod::Deflated),
            ("c", &data[..70_000], zip::CompressionMethod::Stored),
            ("d", b"", zip::CompressionMethod::Deflated),
        ]);
        let mut inf = Inflater::new();
        let mut ar = zip::ZipArchive::new(Cursor::new(&z)).unwrap();
        for i in 0..4 {
            let mut want = Vec::new();
            ar.by_index(i).unwrap().read_to_end(&mut want).unwrap();
            assert_eq!(
                read_all(&mut inf, &z, i, u64::MAX).unwrap(),
                want,
                "entry {i}"
            );
        }
    }

    #[test]
    fn a_prefix_stops_at_the_limit_and_is_not_whole() {
        let data = big();
        let z = zip_of(&[("b", &data, zip::CompressionMethod::Deflated)]);
        let mut inf = Inflater::new();
        let mut ar = zip::ZipArchive::new(Cursor::new(&z)).unwrap();
        let mut out = Vec::new();
        let s = inf
            .stream(ar.by_index_raw(0).unwrap(), 2048, &mut |c| {
                out.extend_from_slice(c);
                Ok(())
            })
            .unwrap();
        assert_eq!(
            s,
            Streamed {
                bytes: 2048,
                whole: false
            }
        );
        assert_eq!(out, data[..2048]);
        // A limit at the size reads it whole.
        let n = data.len() as u64;
        assert_eq!(read_all(&mut inf, &z, 0, n).unwrap(), data);
    }

    /// Rewrites every occurrence of `from` (a little-endian u32 field) in
    /// the local header and the central directory (also used by dirhash's
    /// tests).
    pub(crate) fn patch(z: &mut [u8], from: u32, to: u32) {
        let (f, t) = (from.to_le_bytes(), to.to_le_bytes());
        let mut n = 0;
        for i in 0..z.len() - 4 {
            if z[i..i + 4] == f {
                z[i..i + 4].copy_from_slice(&t);
                n += 1;
            }
        }
        assert!(n >= 2, "field found in both headers");
    }

    #[test]
    fn a_size_lie_either_way_and_a_bad_crc_are_refused() {
        for method in [
            zip::CompressionMethod::Deflated,
            zip::CompressionMethod::Stored,
        ] {
            let data = vec![7u8; 0x0BAD];
            let z = zip_of(&[("a", &data, method)]);
            let mut inf = Inflater::new();
            let mut smaller = z.clone();
            patch(&mut smaller, 0x0BAD, 0x0BAC);
            if method == zip::CompressionMethod::Deflated {
                let e = read_all(&mut inf, &smaller, 0, u64::MAX).unwrap_err();
                assert!(
                    matches!(e, EntryError::Longer { declared: 0x0BAC }),
                    "{method:?}: {e}"
                );
            }
            let crc = crc32fast::hash(&data);
            let mut bad = z.clone();
            patch(&mut bad, crc, crc ^ 1);
            let e = read_all(&mut inf, &bad, 0, u64::MAX).unwrap_err();
            assert!(matches!(e, EntryError::Checksum), "{method:?}: {e}");
            // The inflater is still good for the next entry.
            assert_eq!(read_all(&mut inf, &z, 0, u64::MAX).unwrap(), data);
        }
        let data = vec![7u8; 0x0BAD];
        let z = zip_of(&[("a", &data, zip::CompressionMethod::Deflated)]);
        let mut larger = z.clone();
        patch(&mut larger, 0x0BAD, 0x0BAE);
        let e = read_all(&mut Inflater::new(), &larger, 0, u64::MAX).unwrap_err();
        assert!(
            matches!(
                e,
                EntryError::Shorter {
                    got: 0x0BAD,
                    declared: 0x0BAE
                }
            ),
            "{e}"
        );
    }

    #[test]
    fn a_truncated_deflate_stream_is_an_error_not_a_hang() {
        let data = big();
        let z = zip_of(&[("b", &data, zip::CompressionMethod::Deflated)]);
        let mut ar = zip::ZipArchive::new(Cursor::new(&z)).unwrap();
        let (start, len) = {
            let e = ar.by_index_raw(0).unwrap();
            (
                e.data_start().unwrap() as usize,
                e.compressed_size() as usize,
            )
        };
        // Zero the second half of the compressed data.
        let mut broken = z.clone();
        broken[start + len / 2..start + len].fill(0);
        assert!(read_all(&mut Inflater::new(), &broken, 0, u64::MAX).is_err());
    }
}
