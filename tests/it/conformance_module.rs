//! Conformance: module (owned by the helper writing src/module).
