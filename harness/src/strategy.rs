//! The search-strategy seam: the one trait every strategy implements, and
//! the identity an outcome records.
//!
//! A strategy owns how it walks the fault space; the bookkeeping every
//! strategy shares (budgets, progress, counterexamples, minimal shrinking)
//! is [`mod@crate::search`]'s `Searcher`, and a strategy that proves its
//! answer hands it its [`crate::Proof`] with the certificate in its own
//! words (what was covered, and how). A new strategy is one module with a
//! type implementing [`SearchStrategy`], registered by name in
//! [`mod@crate::strategies`]; strategies compose (the default,
//! [`crate::portfolio::Portfolio`], runs others side by side).
//!
//! This module depends on no strategy: strategies and the registry depend
//! on it.

use serde::Serialize;

use crate::search::{Budget, Progress};
use crate::target::Target;
use crate::{Error, Outcome};

/// Which strategy produced an outcome: its command-line name (`portfolio`,
/// `lineage`, `symbolic`, `random`, `exhaustive`, or a user's own), as
/// serialised and printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct StrategyId(&'static str);

impl StrategyId {
    /// The identity named `name` (its command-line name).
    pub const fn new(name: &'static str) -> StrategyId {
        StrategyId(name)
    }

    /// The command-line name.
    pub fn name(self) -> &'static str {
        self.0
    }
}

impl std::fmt::Display for StrategyId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

/// A way to search a target's fault space for a counterexample.
pub trait SearchStrategy: std::fmt::Debug + Send + Sync + std::panic::RefUnwindSafe {
    /// Which strategy this is (recorded in the outcome).
    fn id(&self) -> StrategyId;

    /// Whether the strategy can end with a certificate (`holds`); the
    /// others end `inconclusive` when they find no counterexample.
    fn certifies(&self) -> bool;

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

impl<S: SearchStrategy + ?Sized> SearchStrategy for &S {
    fn id(&self) -> StrategyId {
        (**self).id()
    }

    fn certifies(&self) -> bool {
        (**self).certifies()
    }

    fn seed(&self) -> Option<u64> {
        (**self).seed()
    }

    fn search(
        &self,
        target: &Target,
        budget: &Budget,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<Outcome, Error> {
        (**self).search(target, budget, progress)
    }
}

impl<S: SearchStrategy + ?Sized> SearchStrategy for Box<S> {
    fn id(&self) -> StrategyId {
        (**self).id()
    }

    fn certifies(&self) -> bool {
        (**self).certifies()
    }

    fn seed(&self) -> Option<u64> {
        (**self).seed()
    }

    fn search(
        &self,
        target: &Target,
        budget: &Budget,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<Outcome, Error> {
        (**self).search(target, budget, progress)
    }
}
