//! Running one job per item on a few threads: the CPU- and file-bound loops
//! of restore, vendor and snapshot (copy and verify archive entries, copy
//! vendored files, digest stored files).
//!
//! Workers take items in order from a shared counter, so long and short
//! items balance themselves; after the first failure no new item is
//! started, and the error reported is that of the lowest-indexed failing
//! item, so a run with several bad items names the same one every time.
//!
//! Not here: async work (downloads use tokio), or cancelling an item that
//! has already started.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// How many workers to use for `items` items: one per core, at most `max`,
/// at least one.
pub fn workers(items: usize, max: usize) -> usize {
    std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(max)
        .min(items)
        .max(1)
}

/// Runs `f` on every item on up to `max` threads, each with its own state
/// from `init` (an open file, a buffer). Returns the results in item order,
/// or the error of the lowest-indexed failing item (or of `init`). A panic
/// in a worker is a bug and is resumed on the caller's thread.
pub fn map_with<T, S, R, E>(
    items: &[T],
    max: usize,
    init: impl Fn() -> Result<S, E> + Sync,
    f: impl Fn(&mut S, &T) -> Result<R, E> + Sync,
) -> Result<Vec<R>, E>
where
    T: Sync,
    R: Send,
    E: Send,
{
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let first_error: Mutex<Option<(usize, E)>> = Mutex::new(None);
    let fail = |i: usize, e: E| {
        failed.store(true, Ordering::Relaxed);
        if let Ok(mut first) = first_error.lock()
            && first.as_ref().is_none_or(|(j, _)| i < *j)
        {
            *first = Some((i, e));
        }
    };
    let mut results: Vec<(usize, R)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers(items.len(), max))
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    let mut state = match init() {
                        Ok(s) => s,
                        Err(e) => {
                            fail(0, e);
                            return done;
                        }
                    };
                    while !failed.load(Ordering::Relaxed) {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break };
                        match f(&mut state, item) {
                            Ok(r) => done.push((i, r)),
                            Err(e) => fail(i, e),
                        }
                    }
                    done
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    if let Some((_, e)) = first_error.into_inner().ok().flatten() {
        return Err(e);
    }
    results.sort_by_key(|(i, _)| *i);
    Ok(results.into_iter().map(|(_, r)| r).collect())
}

/// [`map_with`] without per-worker state.
pub fn map<T, R, E>(
    items: &[T],
    max: usize,
    f: impl Fn(&T) -> Result<R, E> + Sync,
) -> Result<Vec<R>, E>
where
    T: Sync,
    R: Send,
    E: Send,
{
    map_with(items, max, || Ok(()), |(), item| f(item))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_keep_item_order() {
        let items: Vec<u32> = (0..1000).collect();
        let out: Result<Vec<u32>, ()> = map(&items, 8, |x| Ok(x * 2));
        assert_eq!(
            out.unwrap(),
            items.iter().map(|x| x * 2).collect::<Vec<_>>()
        );
    }

    #[test]
    fn the_lowest_failing_item_is_reported() {
        let items: Vec<u32> = (0..1000).collect();
        for _ in 0..20 {
            let out = map(&items, 8, |&x| if x % 97 == 50 { Err(x) } else { Ok(x) });
            assert_eq!(out, Err(50));
        }
    }

    #[test]
    fn each_worker_has_its_own_state() {
        let items: Vec<u32> = (0..100).collect();
        let out: Result<Vec<usize>, ()> = map_with(
            &items,
            4,
            || Ok(Vec::new()),
            |seen: &mut Vec<u32>, &x| {
                seen.push(x);
                Ok(seen.len())
            },
        );
        let out = out.unwrap();
        assert_eq!(out[0], 1);
        // Every worker that took an item counted from 1 in its own state.
        let firsts = out.iter().filter(|&&n| n == 1).count();
        assert!((1..=workers(100, 4)).contains(&firsts), "{firsts}");
        assert_eq!(out.iter().filter(|&&n| n > 1).count(), 100 - firsts);
    }
}
