//! The built-in strategies by name: the one registry the command line (and
//! any caller choosing by name) picks from. Adding a strategy is its module
//! and one entry here.

use crate::exhaustive::Exhaustive;
use crate::ldfi::Lineage;
use crate::portfolio::Portfolio;
use crate::random::Random;
use crate::strategy::SearchStrategy;
use crate::symbolic::Symbolic;

/// One registered strategy.
#[derive(Clone, Copy, Debug)]
pub struct Entry {
    /// Its command-line name.
    pub name: &'static str,
    /// Other names it is accepted under (kept for scripts).
    pub aliases: &'static [&'static str],
    /// One line of help.
    pub about: &'static str,
    /// Whether it takes a seed.
    pub seeded: bool,
    make: fn(u64) -> Box<dyn SearchStrategy>,
}

impl Entry {
    /// The strategy, with `seed` if it is seeded (ignored otherwise).
    pub fn strategy(&self, seed: u64) -> Box<dyn SearchStrategy> {
        (self.make)(seed)
    }
}

/// Every built-in strategy, the default first.
pub const ALL: &[Entry] = &[
    Entry {
        name: "portfolio",
        aliases: &["ldfi"],
        about: "The symbolic proof beside cheap runs (random and lineage-guided fault sets); \
                the first counterexample wins, only the proof certifies (the default)",
        seeded: false,
        make: |_| Box::new(Portfolio::default()),
    },
    Entry {
        name: "symbolic",
        aliases: &[],
        about: "The symbolic encoding alone: bounded model checking (exact; certifies)",
        seeded: false,
        make: |_| Box::new(Symbolic),
    },
    Entry {
        name: "lineage",
        aliases: &[],
        about: "Lineage-driven fault injection alone, Molly's method (never certifies)",
        seeded: false,
        make: |_| Box::new(Lineage),
    },
    Entry {
        name: "random",
        aliases: &[],
        about: "Uniformly random fault sets from --seed (cannot certify)",
        seeded: true,
        make: |seed| Box::new(Random { seed }),
    },
    Entry {
        name: "exhaustive",
        aliases: &[],
        about: "Every admissible fault set (small bounds only; certifies)",
        seeded: false,
        make: |_| Box::new(Exhaustive),
    },
];

/// The registered strategy called `name` (or one of its aliases).
pub fn named(name: &str) -> Option<&'static Entry> {
    ALL.iter()
        .find(|e| e.name == name || e.aliases.contains(&name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_entry_builds_the_strategy_it_names() {
        for e in ALL {
            let s = e.strategy(7);
            assert_eq!(s.id().name(), e.name);
            assert_eq!(
                serde_json::to_value(s.id()).unwrap(),
                serde_json::Value::from(e.name)
            );
            assert_eq!(s.seed(), e.seeded.then_some(7));
            // Only the strategies that can prove a `holds` certify.
            assert_eq!(
                s.certifies(),
                ["portfolio", "symbolic", "exhaustive"].contains(&e.name)
            );
        }
        assert_eq!(named("ldfi").map(|e| e.name), Some("portfolio"));
        assert!(named("nonesuch").is_none());
    }
}
