//! Conformance: modfile (owned by the helper writing src/modfile).
