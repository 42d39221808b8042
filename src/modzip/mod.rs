//! Module zip rules (golang.org/x/mod/zip). STUB: helper C replaces this.
#![allow(missing_docs)]
