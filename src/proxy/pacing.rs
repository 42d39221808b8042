//! How many requests one GOPROXY entry is sent at once.
//!
//! modsnap runs `--jobs` downloads at a time (16 by default). A server that
//! keeps its connections open (HTTP/1.1 keep-alive, HTTP/2: proxy.golang.org,
//! Athens, Artifactory, nginx or `modsnap serve` over a tree) takes them on a
//! few reused connections. A server that closes the connection after every
//! answer (HTTP/1.0 as Python's `http.server` speaks it, or `Connection:
//! close`) must accept a new connection for each request, and the simple
//! servers that work this way listen with a small backlog (Python's
//! `socketserver`: 5). Sixteen connects at once overflow its accept queue;
//! the kernel drops the SYNs and the client sends them again only after a
//! second (bench/README.md: 2.3–3.6 s for the small bench project at 16 at
//! once, 1.0 s at 4). So each entry's requests pass a gate:
//! - until the entry's first answer, at most [`ONE_SHOT_LIMIT`] at once
//!   (nothing is known about the server yet; this costs one round trip);
//! - if that answer kept its connection, the gate opens for the rest of the
//!   run (only `--jobs` bounds the requests);
//! - if it closed it, at most [`ONE_SHOT_LIMIT`] at once for the rest of the
//!   run.
//!
//! The first answer decides, whatever its status: servers that keep
//! connections still close one now and then (nginx after 1,000 requests on
//! one connection), which must not slow the run down. A request holds its
//! slot only while it is on the wire, not while it waits to be retried.
//!
//! The go command has no such gate: it downloads GOMAXPROCS modules at a
//! time, which on a small machine never overflows such a server.
//! Deliberately not done: adapting to measured connect times or loss (the
//! two server kinds above are the cases seen), and any gate for `file://`
//! entries or discovery pages (`?go-get=1`), which are other hosts.

use std::sync::atomic::{AtomicU8, Ordering};

use tokio::sync::{Semaphore, SemaphorePermit};

/// Requests at once to a server that closes every connection (and to any
/// server before its first answer): below Python `socketserver`'s default
/// backlog of 5.
pub(crate) const ONE_SHOT_LIMIT: usize = 4;

const UNKNOWN: u8 = 0;
const KEEPS: u8 = 1;
const CLOSES: u8 = 2;

/// One entry's gate.
#[derive(Debug)]
struct Gate {
    state: AtomicU8,
    /// Closed once the entry is known to keep its connections: waiters are
    /// then let through at once.
    slots: Semaphore,
}

/// The gates of every entry of one client's GOPROXY list, by index.
#[derive(Debug)]
pub(crate) struct Pacing {
    gates: Vec<Gate>,
}

/// Held while a request is on the wire; `None` inside when the entry's gate
/// is open.
pub(crate) struct Slot<'a>(#[allow(dead_code)] Option<SemaphorePermit<'a>>);

impl Pacing {
    /// Gates for `entries` entries, each not yet answered.
    pub fn new(entries: usize) -> Pacing {
        Pacing {
            gates: (0..entries)
                .map(|_| Gate {
                    state: AtomicU8::new(UNKNOWN),
                    slots: Semaphore::new(ONE_SHOT_LIMIT),
                })
                .collect(),
        }
    }

    /// Waits until a request to entry `index` may be sent.
    pub async fn admit(&self, index: usize) -> Slot<'_> {
        let Some(gate) = self.gates.get(index) else {
            return Slot(None);
        };
        if gate.state.load(Ordering::Acquire) == KEEPS {
            return Slot(None);
        }
        // Err: the semaphore was closed because the entry keeps connections.
        Slot(gate.slots.acquire().await.ok())
    }

    /// Records whether an answer from entry `index` kept its connection;
    /// only the entry's first answer counts. Returns true when this answer
    /// was the one that found the entry closing its connections.
    pub fn answered(&self, index: usize, keeps_connection: bool) -> bool {
        let Some(gate) = self.gates.get(index) else {
            return false;
        };
        let next = if keeps_connection { KEEPS } else { CLOSES };
        let decided = gate
            .state
            .compare_exchange(UNKNOWN, next, Ordering::AcqRel, Ordering::Acquire)
            .is_ok();
        if decided && keeps_connection {
            gate.slots.close();
        }
        decided && !keeps_connection
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    async fn admitted_now(p: &Pacing, index: usize) -> Option<Slot<'_>> {
        tokio::time::timeout(Duration::from_millis(20), p.admit(index))
            .await
            .ok()
    }

    #[tokio::test]
    async fn before_an_answer_four_at_once() {
        let p = Pacing::new(2);
        let mut held = Vec::new();
        for _ in 0..ONE_SHOT_LIMIT {
            held.push(admitted_now(&p, 0).await.expect("a free slot"));
        }
        assert!(admitted_now(&p, 0).await.is_none(), "a fifth must wait");
        // Entries are independent.
        assert!(admitted_now(&p, 1).await.is_some());
        held.pop();
        assert!(admitted_now(&p, 0).await.is_some(), "a freed slot admits");
    }

    #[tokio::test]
    async fn a_kept_connection_opens_the_gate_and_lets_waiters_through() {
        let p = Pacing::new(1);
        let held: Vec<_> =
            futures_util::future::join_all((0..ONE_SHOT_LIMIT).map(|_| p.admit(0))).await;
        let waiting = p.admit(0);
        assert!(!p.answered(0, true));
        assert!(
            tokio::time::timeout(Duration::from_millis(20), waiting)
                .await
                .is_ok(),
            "a waiter is let through once the server keeps connections"
        );
        let many: Vec<_> = futures_util::future::join_all((0..64).map(|_| p.admit(0))).await;
        assert_eq!(many.len(), 64);
        // A later closing answer does not shut the gate again.
        assert!(!p.answered(0, false));
        assert!(admitted_now(&p, 0).await.is_some());
        drop(held);
    }

    #[tokio::test]
    async fn a_closed_connection_keeps_four_at_once() {
        let p = Pacing::new(1);
        assert!(p.answered(0, false), "the first closing answer is reported");
        assert!(
            !p.answered(0, true),
            "a later kept connection does not open it"
        );
        let mut held = Vec::new();
        for _ in 0..ONE_SHOT_LIMIT {
            held.push(admitted_now(&p, 0).await.expect("a free slot"));
        }
        assert!(admitted_now(&p, 0).await.is_none());
        // An index beyond the list is never gated.
        assert!(admitted_now(&p, 7).await.is_some());
    }
}
