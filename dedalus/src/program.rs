//! A checked program: what the evaluator compiles.
//!
//! Produced only by [`crate::check::check`], so every invariant listed on
//! [`Program`] holds for any value a caller can obtain.

use crate::syntax::SourceMap;
use crate::syntax::ast::{Fact, Rule};

/// Index of a relation in [`Program::relations`].
pub type RelId = u32;
/// Index of a rule in [`Program::rules`].
pub type RuleId = u32;

/// Name of the runtime crash oracle `crash(Observer, Node, T)`.
pub const CRASH: &str = "crash";

/// One relation of a program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Relation {
    /// Its name.
    pub name: String,
    /// Its number of columns.
    pub arity: usize,
    /// Evaluation stratum of deductive rules deriving it (0 for relations no
    /// deductive rule derives). Within a timestep, a relation depends only on
    /// relations of its own or lower strata, and negatively (through `notin`
    /// or an aggregate) only on strictly lower ones.
    pub stratum: u32,
}

/// A program that passed every static check of `docs/dedalus.md` §3.
///
/// Invariants: relation names are unique and sorted, `crash` is always present
/// with arity 3 and never derived; every atom's arity matches its relation;
/// every rule is safe and has a positive body atom; its first body literal is
/// an atom whose first argument is not `_`; `@async` heads have an argument;
/// aggregates occur only in heads; facts are ground.
#[derive(Clone, Debug)]
pub struct Program {
    /// The source files the program was read from (for diagnostics and patches).
    pub sources: SourceMap,
    /// All relations, sorted by name.
    pub relations: Vec<Relation>,
    /// All rules, in load order (files in order, includes expanded where written).
    pub rules: Vec<Rule>,
    /// All facts, in load order.
    pub facts: Vec<Fact>,
    /// Number of strata (one more than the largest [`Relation::stratum`]).
    pub strata: u32,
}

impl Program {
    /// The id of the relation called `name`.
    pub fn relation(&self, name: &str) -> Option<RelId> {
        self.relations
            .binary_search_by(|r| r.name.as_str().cmp(name))
            .ok()
            .map(|i| i as RelId)
    }
}
