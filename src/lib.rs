//! modsnap: make Go builds work without the network.
//!
//! On a connected machine modsnap reads a Go project's `go.mod`/`go.sum`,
//! resolves the module graph as the `go` command would, fetches every module
//! artifact from the GOPROXY, verifies each against `go.sum`, and packs them
//! into one deterministic archive. On an air-gapped machine the archive turns
//! back into a GOPROXY tree, a module cache or a `vendor/` directory.
//!
//! # Architecture
//!
//! Dependencies point one way, from the CLI down to pure Go concepts; the
//! `layering` integration test enforces the table below.
//!
//! | layer | modules | what they are |
//! |---|---|---|
//! | L4 | [`cli`], [`env`](mod@env) | the only code that knows clap, terminals, env vars, the async runtime and exit codes |
//! | L3 | [`ops`], [`project`], [`graph`], [`archive`], [`vendoring`] | operations: one function per subcommand, returning data; a project's inputs and the graph-loading loop; the module graph; the archive format; `go mod vendor` |
//! | L2 | [`proxy`], [`serve`], [`codehost`], [`fsutil`] | the network code: the GOPROXY client, the HTTP server of `modsnap serve`, git for modules fetched direct; filesystem I/O with paths in every error |
//! | L1 | [`modfile`], [`gosum`], [`modzip`], [`imports`] | file formats and their rules |
//! | L0 | [`semver`], [`gover`], [`slashpath`], [`module`], [`goproxy`], [`classify`], [`dirhash`], [`parallel`], [`toolchain`], [`vcs`] | pure values and algorithms |
#![warn(missing_docs)]

pub mod archive;
pub mod classify;
pub mod cli;
pub mod codehost;
pub mod dirhash;
pub mod env;
pub mod fsutil;
pub mod goproxy;
pub mod gosum;
pub mod gover;
pub mod graph;
pub mod imports;
pub mod modfile;
pub mod module;
pub mod modzip;
pub mod ops;
pub mod parallel;
pub mod project;
pub mod proxy;
pub mod seekbuf;
pub mod semver;
pub mod serve;
pub mod slashpath;
pub mod sumdb;
pub mod toolchain;
pub mod vcs;
pub mod vendoring;
pub mod zipentry;
