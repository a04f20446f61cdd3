//! What every z3 call of the harness shares: a fresh context that Ctrl-C
//! and the deadline interrupt, and an answer type in which `unknown` is
//! never mistaken for `unsat`.

use dedalus::eval::Cancel;

/// Why the solver gave no answer: it was interrupted, ran out of time or
/// failed. Never a proof that no fault set exists.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoAnswer(pub String);

/// Runs `work` in a fresh z3 context that a watcher thread interrupts as
/// soon as `cancel` says so (Ctrl-C or the deadline): the interrupted call
/// returns `unknown`, which the enumeration reports as [`NoAnswer`]. A
/// panic inside the z3 bindings (they panic when z3 fails, e.g. out of
/// memory) is a [`NoAnswer`] too, not a crash.
pub(crate) fn interruptible<R: Send + Sync>(
    cancel: &Cancel,
    work: impl FnOnce() -> Result<R, NoAnswer> + Send + Sync,
) -> Result<R, NoAnswer> {
    use std::sync::atomic::{AtomicBool, Ordering};
    z3::with_z3_config(&z3::Config::new(), || {
        let ctx = z3::Context::thread_local();
        let handle = ctx.handle();
        let done = AtomicBool::new(false);
        std::thread::scope(|scope| {
            let watcher = scope.spawn(|| {
                // Again and again: z3 forgets an interrupt when the next
                // check starts.
                while !done.load(Ordering::Acquire) {
                    if cancel.interrupted() || cancel.timed_out() {
                        handle.interrupt();
                    }
                    std::thread::park_timeout(std::time::Duration::from_millis(10));
                }
            });
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work))
                .unwrap_or_else(|panic| {
                    let what = panic
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_else(|| "no message".into());
                    Err(NoAnswer(format!("the solver (z3) failed: {what}")))
                });
            done.store(true, Ordering::Release);
            watcher.thread().unpark();
            result
        })
    })
}

/// The size of a formula.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Size {
    /// Ground tuple-at-times.
    pub ground_tuples: usize,
    /// Ground rule instances.
    pub instances: usize,
    /// Tuples in the cone of the specification (encoded).
    pub cone: usize,
    /// Boolean and integer variables of the formula.
    pub variables: usize,
    /// Constraints asserted.
    pub constraints: usize,
}

/// What a symbolic check cost.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Stats {
    /// The size of the formula.
    pub size: Size,
    /// Time to ground the program.
    pub ground: std::time::Duration,
    /// Time to build the formula.
    pub encode: std::time::Duration,
    /// Time in the solver (the query and the minimisation).
    pub solve: std::time::Duration,
    /// Solver calls.
    pub solver_calls: u32,
    /// Some admissible run holds a `pre` tuple at EOT (decided exactly by
    /// the solver when the specification holds; a certificate without one
    /// is vacuous).
    pub pre_reachable: bool,
}
