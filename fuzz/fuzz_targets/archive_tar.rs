#![no_main]
//! The archive reader on arbitrary .tar bytes.
#[path = "archive.rs"]
mod archive;
libfuzzer_sys::fuzz_target!(|data: &[u8]| archive::run(data, "a.tar"));
