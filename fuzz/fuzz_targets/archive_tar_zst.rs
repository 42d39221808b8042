#![no_main]
//! The archive reader on arbitrary .tar.zst bytes.
#[path = "archive.rs"]
mod archive;
libfuzzer_sys::fuzz_target!(|data: &[u8]| archive::run(data, "a.tar.zst"));
