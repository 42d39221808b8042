//! Reading artifacts from a `file://` GOPROXY entry (cmd/go `web/http.go`
//! `getFile`; <https://go.dev/ref/mod#goproxy-protocol>).
//!
//! The file is opened directly. As in Go, a missing file counts as a 404
//! (the next entry is tried even after `,`) and a permission error as a 403
//! (terminal after `,`); other errors are reported as they are. The same
//! size limits and SHA-256 hashing as for HTTP apply. Local reads are not
//! retried.

use std::io::ErrorKind;
use std::path::Path;

use crate::dirhash::Digester;
use tokio::io::AsyncReadExt;

use super::error::Cause;
use super::http::{Done, Sink, Writer};

fn open_error(e: &std::io::Error) -> Cause {
    match e.kind() {
        ErrorKind::NotFound => Cause::FileNotFound,
        ErrorKind::PermissionDenied => Cause::FilePermission,
        _ => Cause::File(e.to_string()),
    }
}

/// Copies `src` into `sink`.
pub(crate) async fn copy(src: &Path, sink: &Sink<'_>) -> Result<Done, Cause> {
    let mut input = tokio::fs::File::open(src)
        .await
        .map_err(|e| open_error(&e))?;
    let mut output = Writer::open(sink.dest).await?;
    let mut hasher = Digester::new();
    let mut size = 0u64;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = input
            .read(&mut buf)
            .await
            .map_err(|e| Cause::File(e.to_string()))?;
        if n == 0 {
            break;
        }
        size += n as u64;
        if size > sink.limit {
            return Err(Cause::TooLarge {
                zip: sink.zip,
                limit: sink.limit,
            });
        }
        hasher.update(&buf[..n]);
        output.write(&buf[..n]).await?;
        (sink.progress)(n as u64);
    }
    output.finish().await?;
    Ok(Done {
        size,
        digests: hasher.finalize(),
    })
}

/// The size of `src`: `Ok(None)` when it is not a regular file.
pub(crate) async fn size(src: &Path) -> Result<Option<u64>, Cause> {
    let meta = tokio::fs::metadata(src).await.map_err(|e| open_error(&e))?;
    Ok(meta.is_file().then_some(meta.len()))
}
