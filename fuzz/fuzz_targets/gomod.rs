#![no_main]
//! go.mod parsing, strict and lax: errors, never panics.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = modsnap::modfile::parse("go.mod", data);
    let _ = modsnap::modfile::parse_lax("go.mod", data);
    let _ = modsnap::modfile::module_path(data);
});
