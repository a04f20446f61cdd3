//! The search-strategy seam: one trait every strategy implements, and the
//! typed identity an outcome records.
//!
//! A strategy owns how it walks the fault space; the bookkeeping every
//! strategy shares (budgets, progress, counterexamples, minimal shrinking)
//! is [`mod@crate::search`]'s `Searcher`, and a strategy that proves its answer
//! hands it its [`crate::Proof`] with the certificate in its own words
//! (what was covered, and how). A new
//! strategy is one module with a unit type implementing [`SearchStrategy`]
//! and a new [`StrategyId`].

use serde::Serialize;

use crate::search::{Budget, Progress};
use crate::target::Target;
use crate::{Error, Outcome};

/// Which strategy produced an outcome; serialised and printed as its
/// command-line name (`ldfi`, `lineage`, `symbolic`, `random`, `exhaustive`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum StrategyId {
    /// Lineage rounds, then the exact symbolic check (the default; can certify).
    Ldfi,
    /// Lineage-driven fault injection alone (never certifies).
    Lineage,
    /// The symbolic encoding alone (bounded model checking; can certify).
    Symbolic,
    /// Uniformly random fault sets from a seed (never certifies).
    Random,
    /// Every admissible fault set (small bounds only; can certify).
    Exhaustive,
}

impl StrategyId {
    /// The command-line name.
    pub fn name(self) -> &'static str {
        match self {
            StrategyId::Ldfi => "ldfi",
            StrategyId::Lineage => "lineage",
            StrategyId::Symbolic => "symbolic",
            StrategyId::Random => "random",
            StrategyId::Exhaustive => "exhaustive",
        }
    }

    /// Whether the strategy can end with a certificate (`holds`); the
    /// others end `inconclusive` when they find no counterexample.
    pub fn certifies(self) -> bool {
        matches!(
            self,
            StrategyId::Ldfi | StrategyId::Symbolic | StrategyId::Exhaustive
        )
    }
}

impl std::fmt::Display for StrategyId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A way to search a target's fault space for a counterexample.
pub trait SearchStrategy {
    /// Which strategy this is (recorded in the outcome).
    fn id(&self) -> StrategyId;

    /// The seed of a randomised strategy, printed with its result so that
    /// the same search can be made again.
    fn seed(&self) -> Option<u64> {
        None
    }

    /// Searches `target` within `budget`, calling `progress` before each
    /// round of runs. A verdict of `holds` carries the strategy's proof.
    fn search(
        &self,
        target: &Target,
        budget: &Budget,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<Outcome, Error>;
}

/// The built-in strategies, chosen by value (the command line's
/// `--strategy`); each variant searches with its strategy's type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Strategy {
    /// Lineage-driven fault injection (the default; can certify):
    /// [`crate::ldfi::Ldfi`].
    Ldfi,
    /// Uniformly random fault sets from a seed (cannot certify):
    /// [`crate::random::Random`].
    Random {
        /// The seed, printed with every result.
        seed: u64,
    },
    /// Every admissible fault set (small bounds only):
    /// [`crate::exhaustive::Exhaustive`].
    Exhaustive,
    /// The symbolic encoding alone (bounded model checking; can certify):
    /// [`crate::symbolic::Symbolic`].
    Symbolic,
    /// Lineage-driven fault injection alone (never certifies):
    /// [`crate::ldfi::LineageOnly`].
    Lineage,
}

impl Strategy {
    /// The strategy type behind this choice.
    fn strategy(self) -> Box<dyn SearchStrategy> {
        match self {
            Strategy::Ldfi => Box::new(crate::ldfi::Ldfi),
            Strategy::Random { seed } => Box::new(crate::random::Random { seed }),
            Strategy::Exhaustive => Box::new(crate::exhaustive::Exhaustive),
            Strategy::Symbolic => Box::new(crate::symbolic::Symbolic),
            Strategy::Lineage => Box::new(crate::ldfi::LineageOnly),
        }
    }
}

impl SearchStrategy for Strategy {
    fn id(&self) -> StrategyId {
        self.strategy().id()
    }

    fn seed(&self) -> Option<u64> {
        self.strategy().seed()
    }

    fn search(
        &self,
        target: &Target,
        budget: &Budget,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<Outcome, Error> {
        self.strategy().search(target, budget, progress)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_choice_names_its_strategy() {
        let all = [
            (Strategy::Ldfi, "ldfi", None),
            (Strategy::Lineage, "lineage", None),
            (Strategy::Symbolic, "symbolic", None),
            (Strategy::Random { seed: 7 }, "random", Some(7)),
            (Strategy::Exhaustive, "exhaustive", None),
        ];
        for (choice, name, seed) in all {
            assert_eq!(choice.id().to_string(), name);
            assert_eq!(
                serde_json::to_value(choice.id()).unwrap(),
                serde_json::Value::from(name)
            );
            assert_eq!(choice.seed(), seed);
            // Only the strategies that can prove a `holds` certify.
            assert_eq!(
                choice.id().certifies(),
                ["ldfi", "symbolic", "exhaustive"].contains(&name)
            );
        }
    }
}
