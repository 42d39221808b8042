//! Module zip rules (golang.org/x/mod/zip). STUB: helper C replaces this.
#![allow(missing_docs)]
#![allow(unused_variables)]
use crate::module::ModVersion;
#[derive(Debug, thiserror::Error)]
pub enum ZipError {
    #[error(transparent)]
    Io(crate::fsutil::FsError),
    #[error("{0}")]
    Rule(String),
}
pub fn check_zip_file(m: &ModVersion, zip: &std::path::Path) -> Result<(), ZipError> {
    unimplemented!()
}
