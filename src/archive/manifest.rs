//! `modsnap.json`: what an archive holds and the hashes that prove it.
//!
//! The manifest records the inputs (each main module's path, go and
//! toolchain lines, and SHA-256 digests of its go.mod/go.sum/go.work), and
//! for every module version the files stored with their sizes and SHA-256
//! digests, plus the go.sum `h1:` hashes of the zip and go.mod. Restoring
//! or verifying re-hashes every file against it and names the exact file
//! that differs.
//!
//! What it protects against: accidental or malicious changes to the archive
//! after it was written. Its guarantee is "matches the inputs' go.sum",
//! which is only as strong as that go.sum.
//!
//! Two digests per file. SHA-256 is what other tools speak (compare a zip
//! with `sha256sum`, a proxy, a mirror). BLAKE3 is what modsnap checks when
//! unpacking: it is a 256-bit cryptographic hash like SHA-256 but runs
//! several times faster on CPUs without SHA extensions (on the 2-core
//! benchmark machine, 326 MB: SHA-256 1.3 s, BLAKE3 ≈0.15 s), so verifying
//! an archive costs about what writing it out does. `blake3` is optional in
//! the JSON so archives written before it existed still read (their SHA-256
//! is checked instead); `modsnap verify` checks both.
//!
//! Everything serialized is sorted (`BTreeMap`, sorted `Vec`s) so the JSON
//! is byte-identical for the same inputs.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The manifest format this modsnap writes and reads.
pub const FORMAT: &str = "modsnap/1";

/// The whole manifest.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always [`FORMAT`].
    pub format: String,
    /// The modsnap version that wrote the archive.
    pub modsnap_version: String,
    /// The projects snapshotted.
    pub inputs: Vec<Input>,
    /// Every module version stored, sorted by path then version.
    pub modules: Vec<ModuleEntry>,
    /// Files the snapshot wanted but could not get and the build does not
    /// need (an `.info` a proxy refused for a module whose `.mod` and
    /// `.zip` no go command reads), sorted. Absent when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unavailable: Vec<Unavailable>,
    /// The checksum-database check of go.sum made at snapshot time (absent
    /// in archives written before it existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sumdb: Option<SumdbRecord>,
    /// How the snapshot chose Go toolchains to capture (absent in archives
    /// written before it could).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub toolchains: Option<ToolchainRecord>,
}

/// How a snapshot chose the Go toolchains it holds (they are modules of
/// `golang.org/toolchain` in `modules`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolchainRecord {
    /// Why none was captured (`--no-toolchains`, the database off).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
    /// `--min-go`: `go` lines newer than it counted too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_go: Option<String>,
    /// The platforms captured (`linux/amd64`).
    #[serde(default)]
    pub platforms: Vec<String>,
}

/// What the snapshot's checksum-database check did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SumdbRecord {
    /// The database, when checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Module versions whose go.sum hashes the database confirmed.
    #[serde(default)]
    pub checked: usize,
    /// Module versions not looked up as private (GONOSUMDB/GOPRIVATE).
    #[serde(default)]
    pub private: usize,
    /// Why the check was skipped (`GOSUMDB=off`, `--no-sumdb`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
    /// The tree size of the signed head every stored lookup carries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head: Option<i64>,
    /// Earlier archives' bundles this one proves (`snapshot --link`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<SumdbLink>,
    /// The database files stored (`sumdb/<name>/supported`, lookups,
    /// tiles) so the offline go command can verify what go.sum lacks,
    /// sorted by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<FileEntry>,
}

/// An earlier archive's bundle that an archive's bundle links to: its
/// lookups are stored again at the new head, and the tiles proving its head
/// a prefix of the new one are stored too.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SumdbLink {
    /// The earlier archive's file name.
    pub archive: String,
    /// The tree size of its head.
    pub tree: i64,
    /// Its signed head (the note text with its signatures).
    pub note: String,
    /// How many lookups it held.
    pub lookups: usize,
}

/// A file left out of the archive because the proxy would not give it, and
/// which offline builds do not need.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Unavailable {
    /// Module path.
    pub path: String,
    /// Version.
    pub version: String,
    /// The file kind (`info`).
    pub file: String,
    /// What the proxy answered.
    pub reason: String,
}

/// One main module (or workspace) that was snapshotted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Input {
    /// The project's directory relative to the first input's, which is
    /// `.` (forward slashes, symbolic links resolved): the same inputs give
    /// the same manifest whatever the current directory and however the
    /// directories were typed.
    pub dir: String,
    /// Module paths of the main modules (several for a workspace).
    pub modules: Vec<String>,
    /// The `go` line of go.mod (go.work in a workspace), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub go: Option<String>,
    /// The `toolchain` line, if any. Toolchains are not captured yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub toolchain: Option<String>,
    /// SHA-256 (hex) of each input file, by name relative to `dir`.
    pub files: BTreeMap<String, String>,
}

/// One module version and the files stored for it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModuleEntry {
    /// Module path (unescaped).
    pub path: String,
    /// Version (unescaped).
    pub version: String,
    /// The go.sum hash of the zip, when the zip is stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zip_h1: Option<String>,
    /// The go.sum hash of the go.mod.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mod_h1: Option<String>,
    /// The SHA-256 of each entry of the zip, in its central-directory
    /// order, concatenated, in standard base64 (absent in archives from
    /// before modsnap kept them). Untrusted like the rest of the manifest:
    /// a reader trusts it only once the summary it makes with the zip's
    /// entry names hashes to go.sum's line ([`crate::dirhash::hash_listed`]);
    /// then it can check the files it uses one by one instead of hashing
    /// the whole zip.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zip_files: Option<String>,
    /// Stored files by kind (`info`, `mod`, `zip`).
    pub files: BTreeMap<String, FileEntry>,
}

impl ModuleEntry {
    /// The stored file of kind `a` (`.info`, `.mod`, `.zip`), if any.
    pub fn file(&self, a: crate::goproxy::Artifact) -> Option<&FileEntry> {
        self.files.get(a.ext())
    }

    /// [`ModuleEntry::zip_files`] decoded: `None` when absent, `Err` when
    /// it is not base64 of whole digests.
    pub fn zip_file_digests(&self) -> Option<Result<crate::dirhash::FileDigests, String>> {
        use base64::Engine as _;
        let text = self.zip_files.as_ref()?;
        let bytes = match base64::engine::general_purpose::STANDARD.decode(text) {
            Ok(b) => b,
            Err(e) => return Some(Err(format!("zip_files is not base64: {e}"))),
        };
        let chunks = bytes.chunks_exact(32);
        if !chunks.remainder().is_empty() {
            return Some(Err(format!(
                "zip_files holds {} bytes, not a whole number of SHA-256 digests",
                bytes.len()
            )));
        }
        Some(Ok(chunks
            .map(|c| {
                let mut d = [0u8; 32];
                d.copy_from_slice(c);
                d
            })
            .collect()))
    }
}

/// The manifest form of a zip's entry digests ([`ModuleEntry::zip_files`]).
pub fn encode_file_digests(digests: &[[u8; 32]]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(digests.concat())
}

/// A stored file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    /// Path inside the archive.
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256 of the bytes, lower-case hex.
    pub sha256: String,
    /// BLAKE3 of the bytes, lower-case hex (absent in archives from before
    /// modsnap recorded it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blake3: Option<String>,
}

/// BLAKE3 of a file's bytes, lower-case hex, read in 1 MiB chunks.
pub fn blake3_file(path: &std::path::Path) -> std::io::Result<String> {
    let mut hasher = blake3::Hasher::new();
    let mut f = std::fs::File::open(path)?;
    let mut buf = vec![0u8; 1 << 20];
    loop {
        match std::io::Read::read(&mut f, &mut buf) {
            Ok(0) => break,
            Ok(n) => {
                hasher.update(&buf[..n]);
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(hasher.finalize().to_hex().to_string())
}

impl Manifest {
    /// The manifest as pretty, stable JSON with a trailing newline.
    pub fn to_json(&self) -> Vec<u8> {
        let mut out = serde_json::to_vec_pretty(self).unwrap_or_default();
        out.push(b'\n');
        out
    }

    /// The entry of module `path` at `version`.
    pub fn module(&self, path: &str, version: &str) -> Option<&ModuleEntry> {
        self.modules
            .iter()
            .find(|e| e.path == path && e.version == version)
    }
}
