#![no_main]
//! go.sum parsing: errors, never panics.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = modsnap::gosum::GoSum::parse("go.sum", data);
});
