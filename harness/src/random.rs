//! The baseline a user would otherwise reach for: uniformly random
//! admissible fault sets, from a ChaCha generator seeded by one printed
//! `u64`, so that every random search is replayable.
//!
//! Random search can find counterexamples but never certify: without one it
//! ends `inconclusive` after its run budget.

use std::time::Instant;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::faults::{Envelope, Fault, FaultSet, FaultSpace};
use crate::search::{Budget, Progress, Searcher};
use crate::strategy::{SearchStrategy, StrategyId};
use crate::target::Target;
use crate::{Error, Outcome};

/// Runs when the budget sets no run limit.
pub const DEFAULT_RUNS: usize = 1000;

/// Draws one fault set uniformly from `space`.
pub fn sample(space: &FaultSpace, rng: &mut impl Rng) -> FaultSet {
    let mut set = FaultSet::none();
    // Crash sets: choose k nodes with weight C(n,k)·EOT^k, then the nodes and times.
    let n = space.node_count();
    let weights: Vec<f64> = (0..=space.crashes.min(n))
        .map(|k| crate::faults::binomial(n, k) * (space.eot as f64).powi(k as i32))
        .collect();
    let total: f64 = weights.iter().sum();
    let mut pick = rng.random::<f64>() * total;
    let mut k = 0;
    for (i, w) in weights.iter().enumerate() {
        k = i as u32;
        if pick < *w {
            break;
        }
        pick -= w;
    }
    let mut nodes: Vec<u32> = (0..n).collect();
    for i in 0..k as usize {
        let j = rng.random_range(i..nodes.len());
        nodes.swap(i, j);
        set.insert(Fault::Crash {
            node: nodes[i],
            time: rng.random_range(1..=space.eot),
        });
    }
    // Each message is untouched or takes one of its admissible faults
    // (an omission unless the channels are reliable, a delay by each
    // admissible amount), uniformly.
    let bounds = space.bounds();
    for (from, to, time) in space.channels() {
        let own: Vec<Fault> = bounds
            .message_faults(Envelope::new(from, to, time))
            .collect();
        match rng.random_range(0..1 + own.len() as u32) {
            0 => {}
            i => set.insert(own[i as usize - 1]),
        }
    }
    set
}

/// Random search from one seed: never certifies.
#[derive(Clone, Copy, Debug, Default)]
pub struct Random {
    /// The seed of the generator.
    pub seed: u64,
}

/// The identity of [`Random`].
pub const ID: StrategyId = StrategyId::new("random");

impl SearchStrategy for Random {
    fn id(&self) -> StrategyId {
        ID
    }

    fn certifies(&self) -> bool {
        false
    }

    fn seed(&self) -> Option<u64> {
        Some(self.seed)
    }

    fn search(
        &self,
        target: &Target,
        budget: &Budget,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<Outcome, Error> {
        let mut budget = budget.clone();
        budget.max_runs.get_or_insert(DEFAULT_RUNS);
        let mut s = Searcher::new(target, ID, &budget, Instant::now());
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        loop {
            if let Some(reason) = s.exhausted() {
                return s.inconclusive(reason, progress);
            }
            let faults = sample(target.space(), &mut rng).normalized();
            let run = target.run_until(&faults, &s.cancel());
            if s.record(faults, run, &mut |_| {})? {
                return s.finish(progress);
            }
        }
    }
}
