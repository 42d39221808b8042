//! Conformance: modzip (owned by the helper writing src/modzip).
