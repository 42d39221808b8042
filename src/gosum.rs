//! go.sum files. (being written)
