//! Filesystem helpers that put the path into every error, and atomic writes.
//!
//! Every write modsnap makes to a user's tree goes through a temporary file
//! (or directory) beside the target and a rename at the end, so a failed or
//! interrupted run never leaves half-written output.

use std::io;
use std::path::{Path, PathBuf};

/// A filesystem operation that failed, with the path it was about.
#[derive(Debug, thiserror::Error)]
#[error("{op} `{}`: {source}", path.display())]
pub struct FsError {
    /// What was being done ("read", "write", "create directory", ...).
    pub op: &'static str,
    /// The path involved.
    pub path: PathBuf,
    /// The underlying error.
    pub source: io::Error,
}

impl FsError {
    /// Wraps `source` with `op` and `path`.
    pub fn new(op: &'static str, path: &Path, source: io::Error) -> Self {
        Self {
            op,
            path: path.to_owned(),
            source,
        }
    }
}

/// Reads a whole file; for small inputs such as go.mod and go.sum.
pub fn read(path: &Path) -> Result<Vec<u8>, FsError> {
    std::fs::read(path).map_err(|e| FsError::new("read", path, e))
}

/// Copies everything from `r` to `w` through a 1 MiB buffer: far fewer
/// system calls than `std::io::copy`'s 8 KiB one when unpacking hundreds of
/// megabytes. Returns the bytes copied.
pub fn copy_large(r: &mut dyn std::io::Read, w: &mut dyn std::io::Write) -> std::io::Result<u64> {
    let mut buf = vec![0u8; 1 << 20];
    let mut total = 0u64;
    loop {
        let n = match r.read(&mut buf) {
            Ok(0) => return Ok(total),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        w.write_all(&buf[..n])?;
        total += n as u64;
    }
}
