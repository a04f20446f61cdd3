//! Running independent jobs on a few threads while handling their results
//! in order (`ldfi hunt --jobs`): the output is that of a sequential run,
//! whatever finishes first.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

enum Event<T> {
    Started(usize),
    Done(usize, T),
}

/// Runs `work(0..n)` on `jobs` threads (the calling thread alone when
/// `jobs` is 1), taking jobs in index order. On the calling thread,
/// `started(i)` is called as job `i` starts and `done(i, result)` for each
/// job in index order. `stop()` is asked before each job starts; once it
/// says yes no further job starts (those running finish). Returns how many
/// jobs ran.
pub(super) fn in_order<T: Send>(
    n: usize,
    jobs: usize,
    work: impl Fn(usize) -> T + Sync,
    stop: impl Fn() -> bool + Sync,
    mut started: impl FnMut(usize),
    mut done: impl FnMut(usize, T),
) -> usize {
    if jobs <= 1 {
        for i in 0..n {
            if stop() {
                return i;
            }
            started(i);
            done(i, work(i));
        }
        return n;
    }
    let next = AtomicUsize::new(0);
    let (tx, rx) = mpsc::channel();
    std::thread::scope(|scope| {
        for _ in 0..jobs.min(n) {
            let tx = tx.clone();
            let (next, work, stop) = (&next, &work, &stop);
            scope.spawn(move || {
                loop {
                    if stop() {
                        break;
                    }
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    if i >= n {
                        break;
                    }
                    let _ = tx.send(Event::Started(i));
                    let result = work(i);
                    if tx.send(Event::Done(i, result)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let mut waiting = BTreeMap::new();
        let mut emitted = 0;
        for event in rx {
            match event {
                Event::Started(i) => started(i),
                Event::Done(i, result) => {
                    waiting.insert(i, result);
                    while let Some(result) = waiting.remove(&emitted) {
                        done(emitted, result);
                        emitted += 1;
                    }
                }
            }
        }
        emitted
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_in_order_whatever_finishes_first() {
        for jobs in [1, 2, 4, 9] {
            let mut seen = Vec::new();
            let ran = in_order(
                8,
                jobs,
                |i| {
                    // Early jobs finish last.
                    std::thread::sleep(std::time::Duration::from_millis(8 * (8 - i as u64)));
                    i * i
                },
                || false,
                |_| {},
                |i, r| seen.push((i, r)),
            );
            assert_eq!(ran, 8);
            assert_eq!(seen, (0..8).map(|i| (i, i * i)).collect::<Vec<_>>());
        }
    }

    #[test]
    fn stop_prevents_new_jobs() {
        let count = AtomicUsize::new(0);
        let ran = in_order(
            100,
            3,
            |_| count.fetch_add(1, Ordering::SeqCst),
            || count.load(Ordering::SeqCst) >= 5,
            |_| {},
            |_, _| {},
        );
        assert!((5..=8).contains(&ran), "ran {ran}");
    }
}
