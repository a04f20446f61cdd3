//! Exhaustive search: every admissible fault set, smallest first. The ground
//! truth that LDFI's verdicts are measured against (on small bounds).
//!
//! Message faults on a sender that has already crashed are skipped: the
//! message is lost anyway ([`dedalus::faults::fate`]: a crash wins), so the
//! run is identical to one already counted.

use std::time::Instant;

use rayon::prelude::*;

use crate::faults::{Envelope, Fault, FaultSet, FaultSpace};
use crate::search::{Budget, Progress, Searcher};
use crate::strategy::{SearchStrategy, StrategyId};
use crate::target::Target;
use crate::{Error, Outcome};

/// Every distinct admissible fault set (crash-subsumed message faults
/// dropped), ordered by size, then by the sets' order.
pub fn all_sets(space: &FaultSpace) -> Vec<FaultSet> {
    let n = space.node_count();
    let bounds = space.bounds();
    let mut crash_sets: Vec<Vec<Fault>> = vec![Vec::new()];
    for node in 0..n {
        let mut more = Vec::new();
        for cs in &crash_sets {
            if cs.len() < space.crashes as usize {
                for crash in bounds.crashes_of(node) {
                    let mut c = cs.clone();
                    c.push(crash);
                    more.push(c);
                }
            }
        }
        crash_sets.extend(more);
    }
    let mut out = Vec::new();
    for crashes in crash_sets {
        let base: FaultSet = crashes.iter().copied().collect();
        let channels: Vec<Envelope> = space
            .channels()
            .into_iter()
            .map(|(from, to, t)| Envelope::new(from, to, t))
            .filter(|&e| !matches!(base.fate(e), dedalus::provenance::Fate::Crashed(_)))
            .collect();
        let mut sets = vec![base];
        for e in channels {
            let mut more = Vec::new();
            for s in &sets {
                for f in bounds.message_faults(e) {
                    let mut o = s.clone();
                    o.insert(f);
                    more.push(o);
                }
            }
            sets.extend(more);
        }
        out.extend(sets);
    }
    out.sort_by(|a, b| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
    out
}

/// Spaces larger than this are refused: enumerating them would not finish.
pub const MAX_COMBINATIONS: u64 = 2_000_000;

/// Every admissible fault set, run in parallel chunks (results taken in
/// order); its certificate says that every one was run.
#[derive(Clone, Copy, Debug, Default)]
pub struct Exhaustive;

/// The identity of [`Exhaustive`].
pub const ID: StrategyId = StrategyId::new("exhaustive");

impl SearchStrategy for Exhaustive {
    fn id(&self) -> StrategyId {
        ID
    }

    fn certifies(&self) -> bool {
        true
    }

    fn search(
        &self,
        target: &Target,
        budget: &Budget,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<Outcome, Error> {
        search(Searcher::new(target, ID, budget, Instant::now()), progress)
    }
}

/// Runs every admissible fault set with `s`'s bookkeeping.
pub(crate) fn search(
    mut s: Searcher<'_>,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Outcome, Error> {
    let target = s.target();
    let size = target.space().combinations();
    if size.exact().is_none_or(|n| n > MAX_COMBINATIONS) {
        return Err(Error::TooManyCombinations {
            combinations: size.to_string(),
            max: MAX_COMBINATIONS,
        });
    }
    let sets = all_sets(target.space());
    for chunk in sets.chunks(64) {
        if let Some(reason) = s.exhausted() {
            return s.inconclusive(reason, progress);
        }
        progress(&s.progress());
        let chunk = &chunk[..chunk.len().min(s.runs_left())];
        let cancel = s.cancel();
        let runs: Vec<_> = chunk
            .par_iter()
            .map(|f| target.run_until(f, &cancel))
            .collect();
        for (faults, run) in chunk.iter().zip(runs) {
            if s.record(faults.clone(), run, &mut |_| {})? {
                return s.finish(progress);
            }
        }
    }
    s.certify(
        crate::verdict::Proof::Exhaustive,
        |covered| {
            format!(
                "no counterexample for {}: every admissible fault set was run ({} runs)",
                covered.bounds(),
                covered.runs
            )
        },
        progress,
    )
}
