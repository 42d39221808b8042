//! The progress seam: every long operation reports phases, items and bytes
//! through a [`Reporter`]; the CLI draws it (a bar on a terminal, nothing
//! otherwise). Operations never print.

/// Progress callbacks, implemented by the CLI.
pub trait Reporter: Send + Sync {
    /// A new phase starts (`resolving`, `downloading`, `writing`,
    /// `checking`, `extracting`, `vendoring`), with its number of items when
    /// known (0 when not).
    fn phase(&self, name: &str, total_items: u64);
    /// One item of the current phase is done.
    fn item_done(&self);
    /// Bytes arrived from the network (or were read, for local phases).
    fn bytes(&self, n: u64);
}

/// A reporter that reports nothing.
pub struct Silent;

impl Reporter for Silent {
    fn phase(&self, _: &str, _: u64) {}
    fn item_done(&self) {}
    fn bytes(&self, _: u64) {}
}
