//! Buffered reading that survives seeks: the reader every module-zip reader
//! in modsnap wraps its file in.
//!
//! `std::io::BufReader` throws its buffer away on every absolute seek, and
//! the zip crate seeks to each entry's local header before reading it
//! (`by_index`, `by_index_raw`): over a zip of many small entries each
//! entry then costs a whole buffer refill (measured: 8 GB read for a 325 MB
//! archive's vendored zips with a 256 KiB buffer; bench/README.md). Module
//! zips' entries lie one after another, so [`SeekBufReader`] only moves its
//! cursor when a seek lands in the bytes it holds.
//!
//! Not here: any knowledge of zips; writing.

/// A buffered reader that keeps its buffer across seeks landing inside it:
/// such a seek only moves the cursor; any other seek is passed on. Reads at
/// least as large as the buffer bypass it.
pub struct SeekBufReader<R> {
    inner: R,
    buf: Box<[u8]>,
    /// Where `buf[0]` is in `inner`; `inner` is positioned at
    /// `start + filled`.
    start: u64,
    pos: usize,
    filled: usize,
}

impl<R: std::io::Read + std::io::Seek> SeekBufReader<R> {
    /// Buffers `inner`, which is read from where it is now.
    pub fn with_capacity(capacity: usize, mut inner: R) -> std::io::Result<SeekBufReader<R>> {
        let start = inner.stream_position()?;
        Ok(SeekBufReader {
            inner,
            buf: vec![0u8; capacity.max(1)].into_boxed_slice(),
            start,
            pos: 0,
            filled: 0,
        })
    }

    fn here(&self) -> u64 {
        self.start + self.pos as u64
    }
}

impl<R: std::io::Read + std::io::Seek> std::io::Read for SeekBufReader<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.pos == self.filled {
            self.start = self.here();
            self.pos = 0;
            self.filled = 0;
            if out.len() >= self.buf.len() {
                let n = self.inner.read(out)?;
                self.start += n as u64;
                return Ok(n);
            }
            self.filled = self.inner.read(&mut self.buf)?;
        }
        let n = out.len().min(self.filled - self.pos);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

impl<R: std::io::Read + std::io::Seek> std::io::Seek for SeekBufReader<R> {
    fn seek(&mut self, to: std::io::SeekFrom) -> std::io::Result<u64> {
        let target = match to {
            std::io::SeekFrom::Start(n) => Some(n),
            std::io::SeekFrom::Current(d) => self.here().checked_add_signed(d),
            std::io::SeekFrom::End(_) => None,
        };
        if let Some(t) = target
            && t >= self.start
            && t <= self.start + self.filled as u64
        {
            self.pos = (t - self.start) as usize;
            return Ok(t);
        }
        let at = match (to, target) {
            (std::io::SeekFrom::End(d), _) => self.inner.seek(std::io::SeekFrom::End(d))?,
            (_, Some(t)) => self.inner.seek(std::io::SeekFrom::Start(t))?,
            (_, None) => {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    "seek before the start of the file",
                ));
            }
        };
        self.start = at;
        self.pos = 0;
        self.filled = 0;
        Ok(at)
    }
}

#[cfg(test)]
mod tests {
    use super::SeekBufReader;
    use proptest::prelude::*;
    use std::io::{Cursor, Read, Seek, SeekFrom};

    /// Counts the bytes read from the inner reader.
    struct Counted {
        inner: Cursor<Vec<u8>>,
        read: u64,
    }
    impl Read for Counted {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.inner.read(buf)?;
            self.read += n as u64;
            Ok(n)
        }
    }
    impl Seek for Counted {
        fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
            self.inner.seek(to)
        }
    }

    #[derive(Debug, Clone)]
    enum Op {
        Read(usize),
        Start(u64),
        Current(i64),
        End(i64),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (0usize..300).prop_map(Op::Read),
            (0u64..1200).prop_map(Op::Start),
            (-300i64..300).prop_map(Op::Current),
            (-1100i64..10).prop_map(Op::End),
        ]
    }

    proptest! {
        /// Whatever the reads and seeks, the bytes and positions are a
        /// plain cursor's.
        #[test]
        fn reads_and_seeks_as_the_unbuffered_file(ops in prop::collection::vec(op(), 1..60), cap in 1usize..200) {
            let data: Vec<u8> = (0..1000u32).map(|i| (i * 7 % 251) as u8).collect();
            let mut want = Cursor::new(data.clone());
            let mut got = SeekBufReader::with_capacity(cap, Cursor::new(data)).unwrap();
            for op in ops {
                match op {
                    Op::Read(n) => {
                        let (mut a, mut b) = (vec![0u8; n], vec![0u8; n]);
                        let na = want.read(&mut a).unwrap();
                        // A buffered read may return fewer bytes: read until
                        // as many came, or the end.
                        let mut nb = 0;
                        while nb < na {
                            let k = got.read(&mut b[nb..na]).unwrap();
                            if k == 0 { break; }
                            nb += k;
                        }
                        prop_assert_eq!(&a[..na], &b[..nb]);
                    }
                    Op::Start(n) => prop_assert_eq!(want.seek(SeekFrom::Start(n)).ok(), got.seek(SeekFrom::Start(n)).ok()),
                    Op::Current(d) => prop_assert_eq!(want.seek(SeekFrom::Current(d)).ok(), got.seek(SeekFrom::Current(d)).ok()),
                    Op::End(d) => prop_assert_eq!(want.seek(SeekFrom::End(d)).ok(), got.seek(SeekFrom::End(d)).ok()),
                }
                prop_assert_eq!(want.stream_position().unwrap(), got.stream_position().unwrap());
            }
        }
    }

    #[test]
    fn a_seek_into_the_buffer_does_not_read_again() {
        let data = vec![1u8; 10_000];
        let inner = Counted {
            inner: Cursor::new(data),
            read: 0,
        };
        let mut r = SeekBufReader::with_capacity(4096, inner).unwrap();
        let mut b = [0u8; 30];
        // Header-sized reads at offsets one after another, as the zip crate
        // reads local headers.
        for at in (0..4000).step_by(100) {
            r.seek(SeekFrom::Start(at)).unwrap();
            r.read_exact(&mut b).unwrap();
        }
        assert_eq!(r.inner.read, 4096, "one fill served every header");
        // A large read goes straight through.
        r.seek(SeekFrom::Start(5000)).unwrap();
        let mut big = vec![0u8; 5000];
        r.read_exact(&mut big).unwrap();
        assert_eq!(r.inner.read, 4096 + 5000);
    }
}
