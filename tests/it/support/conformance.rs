//! Access to golang.org/x/mod's own test vectors, read in place from
//! `MODSNAP_CONFORMANCE_DIR` (default `../shared/conformance`). They are the
//! reference's data and are never copied into this repository.
//!
//! When the directory is missing the tests say so loudly and pass, except in
//! CI (`CI` or `MODSNAP_REQUIRE_CONFORMANCE` set), where they fail.

use std::path::PathBuf;

use serde_json::Value;

/// The `xmod` vector directory, or `None` (after a loud message) when it is
/// absent outside CI. Panics in CI when it is absent.
pub fn xmod_dir() -> Option<PathBuf> {
    let base = std::env::var_os("MODSNAP_CONFORMANCE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance"));
    let dir = base.join("xmod");
    if dir.join("README.md").is_file() {
        return Some(dir);
    }
    let msg = format!(
        "conformance vectors not found at `{}` (set MODSNAP_CONFORMANCE_DIR)",
        dir.display()
    );
    let required = std::env::var_os("CI").is_some_and(|v| !v.is_empty())
        || std::env::var_os("MODSNAP_REQUIRE_CONFORMANCE").is_some_and(|v| !v.is_empty());
    if required {
        panic!("{msg}; they are required in CI");
    }
    eprintln!("\n!!!!!!!! SKIPPED: {msg} !!!!!!!!\n");
    None
}

/// Loads `xmod/<name>` as JSON; `None` when the vectors are absent.
pub fn load(name: &str) -> Option<Value> {
    let path = xmod_dir()?.join(name);
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    Some(serde_json::from_str(&text).unwrap_or_else(|e| panic!("parse {}: {e}", path.display())))
}

/// Loads a table and checks its declared row count; `None` when the vectors
/// are absent (the loader has already said so loudly).
pub fn table(name: &str) -> Option<Value> {
    let doc = load(name)?;
    let declared = doc["count"].as_u64().expect("count");
    assert_eq!(cases(&doc).len() as u64, declared, "{name}: row count");
    Some(doc)
}

/// A vector string that must be UTF-8.
pub fn s(v: &Value) -> String {
    text(v).unwrap_or_else(|| panic!("expected UTF-8 string, got {v}"))
}

/// A boolean field (absent = false, Go's zero value).
pub fn flag(v: &Value) -> bool {
    v.as_bool().unwrap_or(false)
}

/// The `cases` array of a vector file.
pub fn cases(doc: &Value) -> &Vec<Value> {
    doc["cases"]
        .as_array()
        .expect("vector file has a `cases` array")
}

/// A vector string: a JSON string, or `{"$bytes_hex": ..}` for a Go string
/// that is not UTF-8 (returned as raw bytes).
pub fn bytes(v: &Value) -> Vec<u8> {
    match v {
        Value::String(s) => s.as_bytes().to_vec(),
        Value::Object(o) if o.contains_key("$bytes_hex") => {
            hex_decode(o["$bytes_hex"].as_str().expect("hex string"))
        }
        Value::Null => Vec::new(),
        other => panic!("not a vector string: {other}"),
    }
}

/// A vector string that must be UTF-8, or `None` when it is raw bytes.
pub fn text(v: &Value) -> Option<String> {
    String::from_utf8(bytes(v)).ok()
}

fn hex_decode(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex digit"))
        .collect()
}

/// A parsed txtar archive (golang.org/x/tools/txtar): a comment, then
/// `-- name --` marker lines, each followed by that file's content.
pub struct Txtar {
    /// Text before the first marker.
    pub comment: String,
    /// Files in order, duplicates kept.
    pub files: Vec<(String, Vec<u8>)>,
}

impl Txtar {
    /// Parses txtar bytes.
    pub fn parse(data: &[u8]) -> Txtar {
        let mut comment = Vec::new();
        let mut files: Vec<(String, Vec<u8>)> = Vec::new();
        for line in data.split_inclusive(|&b| b == b'\n') {
            let trimmed = line.strip_suffix(b"\n").unwrap_or(line);
            let trimmed = trimmed.strip_suffix(b"\r").unwrap_or(trimmed);
            if trimmed.starts_with(b"-- ") && trimmed.ends_with(b" --") && trimmed.len() >= 6 {
                let name = String::from_utf8_lossy(&trimmed[3..trimmed.len() - 3])
                    .trim()
                    .to_string();
                files.push((name, Vec::new()));
                continue;
            }
            match files.last_mut() {
                Some((_, content)) => content.extend_from_slice(line),
                None => comment.extend_from_slice(line),
            }
        }
        Txtar {
            comment: String::from_utf8_lossy(&comment).into_owned(),
            files,
        }
    }

    /// The `key=value` pairs of the comment (`#` starts a comment line).
    pub fn header(&self, key: &str) -> Option<String> {
        self.comment.lines().find_map(|l| {
            let l = l.trim();
            if l.starts_with('#') {
                return None;
            }
            let (k, v) = l.split_once('=')?;
            (k.trim() == key).then(|| v.trim().to_string())
        })
    }

    /// The content of the file named `name`, if any.
    pub fn file(&self, name: &str) -> Option<&[u8]> {
        self.files
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, c)| c.as_slice())
    }
}
