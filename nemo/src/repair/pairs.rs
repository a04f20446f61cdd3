//! Pairs: two families' candidates together where each alone fixes half of
//! the bug — an ordering (hold the early message) plus a retry (re-send the
//! lost one) for a race whose message may also be lost.

use super::{Candidate, Evidence, RepairFamily, ordering, retry};

/// An ordering plus a retry.
pub struct Pairs;

impl RepairFamily for Pairs {
    fn name(&self) -> &'static str {
        "ordering+retry"
    }

    fn rationale(&self) -> &'static str {
        "a race whose message can also be lost needs both the buffer and the retry"
    }

    fn propose(&self, e: &Evidence<'_>) -> Result<Vec<Candidate>, String> {
        let order = ordering::ordering(e.program, e.good, e.failed)?;
        let again = retry::retries(e.program, e.good, e.failed)?;
        order
            .combine(&again)
            .map(|c| vec![c])
            .ok_or_else(|| "the ordering and the retry replace the same rule".into())
    }
}
