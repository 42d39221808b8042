//! Proxy health for one run: a circuit breaker per GOPROXY entry.
//!
//! The go command asks a dead proxy again for every module; with a `|`
//! list that costs a timeout (or a DNS lookup, or a refused connection, plus
//! modsnap's retries) per request. Here a proxy that failed at the
//! connection level — DNS, connect, TLS, a connect or read timeout — after
//! its retries is marked down for the rest of the run: requests skip it at
//! once (and fall through on `|`, as after any error; `,` stops as go
//! does), and requests already retrying it stop. After
//! [`HALF_OPEN_AFTER`] one request is let through as a probe; success marks
//! the proxy up again, failure keeps it down for another period.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a proxy stays down before one probe request is let through.
pub(crate) const HALF_OPEN_AFTER: Duration = Duration::from_secs(15);

#[derive(Debug)]
struct Down {
    since: Instant,
    reason: String,
    probing: bool,
}

/// Whether a request may use an entry.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Gate {
    /// The entry is healthy.
    Open,
    /// The entry is down but due for a probe: this request is it.
    Probe,
    /// The entry is down (why).
    Skip(String),
}

/// The health of every entry of one client's GOPROXY list.
#[derive(Debug, Default)]
pub(crate) struct Health {
    down: Mutex<HashMap<usize, Down>>,
}

impl Health {
    /// May a request use entry `index` now?
    pub fn gate(&self, index: usize) -> Gate {
        let Ok(mut down) = self.down.lock() else {
            return Gate::Open;
        };
        match down.get_mut(&index) {
            None => Gate::Open,
            Some(d) if !d.probing && d.since.elapsed() >= HALF_OPEN_AFTER => {
                d.probing = true;
                Gate::Probe
            }
            Some(d) => Gate::Skip(d.reason.clone()),
        }
    }

    /// Why entry `index` is down, if it is.
    pub fn down_reason(&self, index: usize) -> Option<String> {
        let down = self.down.lock().ok()?;
        down.get(&index).map(|d| d.reason.clone())
    }

    /// Marks entry `index` down; true when it was up before (the caller
    /// says so once).
    pub fn mark_down(&self, index: usize, reason: String) -> bool {
        let Ok(mut down) = self.down.lock() else {
            return false;
        };
        let was_up = !down.contains_key(&index);
        down.insert(
            index,
            Down {
                since: Instant::now(),
                reason,
                probing: false,
            },
        );
        was_up
    }

    /// Entry `index` answered: it is up; true when it was down before.
    pub fn mark_up(&self, index: usize) -> bool {
        self.down
            .lock()
            .map(|mut d| d.remove(&index).is_some())
            .unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn down_entries_are_skipped_until_a_probe_succeeds() {
        let h = Health::default();
        assert_eq!(h.gate(0), Gate::Open);
        assert!(h.mark_down(0, "DNS lookup failed".into()));
        assert!(!h.mark_down(0, "again".into()));
        assert_eq!(h.gate(0), Gate::Skip("again".into()));
        assert_eq!(h.gate(1), Gate::Open);
        // Due for a probe: exactly one request gets it.
        if let Ok(mut d) = h.down.lock() {
            d.get_mut(&0).unwrap().since -= HALF_OPEN_AFTER;
        }
        assert_eq!(h.gate(0), Gate::Probe);
        assert!(matches!(h.gate(0), Gate::Skip(_)));
        assert!(h.mark_up(0));
        assert_eq!(h.gate(0), Gate::Open);
        assert_eq!(h.down_reason(0), None);
    }
}
