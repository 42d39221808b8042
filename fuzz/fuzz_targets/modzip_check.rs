#![no_main]
//! The module zip checker and h1 hashing on arbitrary zip bytes: errors,
//! never panics, and hashing never reads past declared sizes.
use modsnap::module::ModVersion;
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let m = ModVersion::new("example.com/m", "v1.0.0");
    let path = std::path::Path::new("fuzz.zip");
    let _ = modsnap::modzip::check_zip_reader(&m, &mut std::io::Cursor::new(data), path);
    let _ = modsnap::dirhash::hash_zip(std::io::Cursor::new(data), path);
});
