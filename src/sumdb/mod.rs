//! The Go checksum database (<https://go.dev/design/25530-sumdb>,
//! golang.org/x/mod/sumdb): the pieces a client needs to verify what a
//! database (or a static tree standing in for one) serves.
//!
//! - [`note`]: signed notes — verifier and signer keys, `Open` with its
//!   exact acceptance rules, `Sign`.
//! - [`tlog`]: the transparency log — RFC 6962 record and node hashes,
//!   stored-hash indexes, tree hashes, the tree note and lookup record
//!   formats, hash tiles (paths, hashes within them) and the tile reader
//!   that authenticates every tile against the signed tree before any hash
//!   is used (inclusion and consistency come from it, as in the go client).
//!
//! Written here rather than taken from a crate: the only Rust ports
//! (tlog_tiles, signed_note) pin duplicate majors of sha2, base64,
//! thiserror and ed25519-dalek, and predate the 2026 fixes (every tile
//! checked against its parent). Hashing uses [`crate::dirhash::Sha256`];
//! Ed25519 uses aws-lc-rs, already linked for TLS, whose verification is
//! the cofactorless check Go's `crypto/ed25519` makes.
//!
//! Not here (yet): the HTTP client with GOSUMDB/GONOSUMDB configuration and
//! its caches, and the offline bundle the snapshot writes.

pub mod client;
pub mod config;
pub mod note;
pub mod tlog;
