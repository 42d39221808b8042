//! Operations: one function per subcommand. Each takes plain inputs or an
//! options struct, does the work through the Go-concept modules, and returns
//! data; the CLI decides what to print and which exit code that means
//! ([`crate::classify`]).
//!
//! Shared by the operations: [`resolve`] (inputs, merged go.sum, graphs),
//! [`plan`] (what an archive must hold), [`fetch`] (the verified artifact
//! store), [`progress`] (the reporting seam the CLI draws) and [`finding`]
//! (verify's typed records).

pub mod coderepo;
pub mod doctor;
pub mod fetch;
pub mod finding;
pub mod hash;
pub mod plan;
pub mod progress;
pub mod resolve;
pub mod restore;
pub mod serve;
pub mod snapshot;
pub mod sumcheck;
pub mod sumjoin;
pub mod toolchains;
pub mod vendor;

/// `GOWORK`, for the commands that read projects.
pub use crate::project::GoWork;
pub mod verify;
