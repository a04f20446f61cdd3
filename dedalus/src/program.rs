//! A checked program: what the evaluator compiles.
//!
//! Produced only by [`crate::check::check`], so every invariant listed on
//! [`Program`] holds for any value a caller can obtain: the fields are
//! private and read through accessors, and nothing changes a program once
//! checked. Relation names are resolved once, here: each rule comes with its
//! [`ResolvedRule`] (head and body relations as [`RelId`]s), and
//! [`Program::spec`] names the specification's relations, so nothing
//! downstream looks a relation up by its name.

use crate::syntax::SourceMap;
use crate::syntax::ast::{Arg, Expr, Fact, HeadTime, Literal, Rule};

/// Index of a relation in [`Program::relations`].
pub type RelId = u32;
/// Index of a rule in [`Program::rules`].
pub type RuleId = u32;

/// Name of the runtime crash oracle `crash(Observer, Node, T)`.
pub const CRASH: &str = "crash";
/// Name of the specification's antecedent relation.
pub const PRE: &str = "pre";
/// Name of the specification's consequent relation.
pub const POST: &str = "post";

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

/// A rule's relations, resolved to ids.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvedRule {
    /// The relation of its head.
    pub head: RelId,
    /// Deductive, `@next` or `@async`.
    pub time: HeadTime,
    /// Its body atoms, in written order (comparisons are left out).
    pub atoms: Vec<ResolvedAtom>,
    /// Some head argument is an aggregate.
    pub aggregates: bool,
}

/// One body atom of a rule, its relation resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResolvedAtom {
    /// Its index in the rule's body literals.
    pub literal: usize,
    /// Its relation.
    pub rel: RelId,
    /// `notin` was written.
    pub negated: bool,
}

/// The specification's relations: whenever `pre(x)` holds at EOT, `post(x)`
/// must hold too.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Spec {
    /// The antecedent `pre`.
    pub pre: RelId,
    /// The consequent `post`.
    pub post: RelId,
}

/// Why a program has no usable specification.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SpecError {
    /// `pre` or `post` (or both) is not a relation of the program.
    #[error("the program defines no specification: it needs both `pre` and `post` relations")]
    Missing,
    /// `pre` and `post` have different arities.
    #[error("`pre` has {pre} columns but `post` has {post}")]
    Arity {
        /// The arity of `pre`.
        pre: usize,
        /// The arity of `post`.
        post: usize,
    },
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
    sources: SourceMap,
    relations: Vec<Relation>,
    rules: Vec<Rule>,
    resolved: Vec<ResolvedRule>,
    facts: Vec<Fact>,
    strata: u32,
}

impl Program {
    /// Assembles a program that passed the checks (see [`crate::check`]):
    /// every atom names one of `relations`.
    pub(crate) fn new(
        sources: SourceMap,
        relations: Vec<Relation>,
        rules: Vec<Rule>,
        facts: Vec<Fact>,
        strata: u32,
    ) -> Program {
        let mut program = Program {
            sources,
            relations,
            rules,
            resolved: Vec::new(),
            facts,
            strata,
        };
        program.resolved = program.rules().iter().map(|r| program.resolve(r)).collect();
        program
    }

    /// The ids of `rule`'s relations. Checked programs name only known
    /// relations; an unknown one (never produced) would read as `crash`,
    /// which no rule derives.
    fn resolve(&self, rule: &Rule) -> ResolvedRule {
        let id = |name: &str| {
            self.relation(name)
                .or_else(|| self.relation(CRASH))
                .unwrap_or_default()
        };
        ResolvedRule {
            head: id(&rule.head.name.name),
            time: rule.time,
            atoms: rule
                .body
                .iter()
                .enumerate()
                .filter_map(|(literal, l)| match l {
                    Literal::Atom(a) => Some(ResolvedAtom {
                        literal,
                        rel: id(&a.atom.name.name),
                        negated: a.negated,
                    }),
                    Literal::Cmp(_) => None,
                })
                .collect(),
            aggregates: rule.head.args.iter().any(|a| matches!(a, Arg::Agg(_))),
        }
    }

    /// The id of the relation called `name`.
    pub fn relation(&self, name: &str) -> Option<RelId> {
        self.relations
            .binary_search_by(|r| r.name.as_str().cmp(name))
            .ok()
            .map(|i| i as RelId)
    }

    /// The source files the program was read from (for diagnostics and patches).
    pub fn sources(&self) -> &SourceMap {
        &self.sources
    }

    /// All relations, sorted by name (a [`RelId`] indexes this).
    pub fn relations(&self) -> &[Relation] {
        &self.relations
    }

    /// All rules, in load order (files in order, includes expanded where
    /// written; a [`RuleId`] indexes this).
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// All rules with their relations resolved, in the order of [`Program::rules`].
    pub fn resolved_rules(&self) -> &[ResolvedRule] {
        &self.resolved
    }

    /// The relation of rule `rule`'s head (`None` for an id not of this program).
    pub fn head(&self, rule: RuleId) -> Option<RelId> {
        self.resolved.get(rule as usize).map(|r| r.head)
    }

    /// Where rule `rule` runs: the first argument of its first body literal
    /// (`None` for an id not of this program).
    pub fn location(&self, rule: RuleId) -> Option<&Expr> {
        rule_location(self.rules.get(rule as usize)?)
    }

    /// All facts, in load order.
    pub fn facts(&self) -> &[Fact] {
        &self.facts
    }

    /// The same program with only the facts `keep` says yes to (by index
    /// in load order). Facts are data: the rules, relations and strata of a
    /// checked program stay valid without any of them.
    pub fn with_facts(&self, mut keep: impl FnMut(usize) -> bool) -> Program {
        let mut program = self.clone();
        let mut i = 0;
        program.facts.retain(|_| {
            i += 1;
            keep(i - 1)
        });
        program
    }

    /// Number of strata (one more than the largest [`Relation::stratum`]).
    pub fn strata(&self) -> u32 {
        self.strata
    }

    /// The specification's relations `pre` and `post` (same arity).
    pub fn spec(&self) -> Result<Spec, SpecError> {
        match (self.relation(PRE), self.relation(POST)) {
            (Some(pre), Some(post)) => {
                let arity = |r: RelId| self.relations[r as usize].arity;
                if arity(pre) == arity(post) {
                    Ok(Spec { pre, post })
                } else {
                    Err(SpecError::Arity {
                        pre: arity(pre),
                        post: arity(post),
                    })
                }
            }
            _ => Err(SpecError::Missing),
        }
    }

    /// Whether `rel` is `pre` or `post`.
    pub fn is_spec_relation(&self, rel: RelId) -> bool {
        Some(rel) == self.relation(PRE) || Some(rel) == self.relation(POST)
    }
}

/// Where `rule` runs: the first argument of its first body literal, if that
/// is an atom with an argument (always so in a checked program).
pub fn rule_location(rule: &Rule) -> Option<&Expr> {
    match rule.body.first() {
        Some(Literal::Atom(a)) => match a.atom.args.first() {
            Some(Arg::Expr(e)) => Some(e),
            _ => None,
        },
        _ => None,
    }
}
