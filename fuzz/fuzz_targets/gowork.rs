#![no_main]
//! go.work parsing: errors, never panics.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = modsnap::modfile::parse_work("go.work", data);
});
