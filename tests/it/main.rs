//! modsnap's integration tests: one binary, one module per area.
//!
//! Network assumptions: none. Every test runs offline; servers are started on
//! loopback inside the test. Tests that need the `go` binary skip loudly when
//! it is missing, and fail instead when `MODSNAP_REQUIRE_GO=1` (CI).

// Tests own their environment and scratch files: the library's rules on
// reading the environment and writing files (clippy.toml) do not apply.
#![allow(clippy::disallowed_methods)]

mod support;

mod cli_hash;
mod cli_output;
mod conformance_dirhash;
mod conformance_modfile;
mod conformance_module;
mod conformance_modzip;
mod conformance_sumdb;
mod field;
mod goauth;
mod gowork;
mod hash_differential;
mod imports;
mod integrity;
mod layering;
mod proxy_client;
mod restore;
mod serve;
mod snapshot;
mod sumdb_offline;
mod toolchains;
mod vcs_direct;
mod vendor;
