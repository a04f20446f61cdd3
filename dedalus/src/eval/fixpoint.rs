//! The semi-naive fixpoint of one stratum at one timestep (docs/dedalus.md
//! §4), shared by runs ([`super::engine`]) and groundings
//! ([`super::ground`]).

use rustc_hash::FxHashMap;

use crate::program::RelId;
use crate::provenance::Time;

use super::Shared;
use super::compile::Rule;

/// The rounds of a stratum's semi-naive fixpoint, shared by runs and
/// groundings: which relations grew since the last round, the row counts
/// before and after (`prev`, `cur`), and the variants to fire. A round
/// costs what changed, not the size of the program (a chain of 100,000
/// rules takes 100,000 rounds of one rule each).
pub(super) struct Rounds {
    pub prev: Vec<u32>,
    pub cur: Vec<u32>,
    /// Relations that grew in the previous round.
    last: Vec<RelId>,
    /// Relations that grew since the last round began, and a flag each.
    grown: Vec<RelId>,
    flag: Vec<bool>,
}

impl Rounds {
    /// Starts a stratum with the row counts `lens` at its start.
    pub fn new(lens: Vec<u32>) -> Rounds {
        let n = lens.len();
        Rounds {
            prev: lens.clone(),
            cur: lens,
            last: Vec::new(),
            grown: Vec::new(),
            flag: vec![false; n],
        }
    }

    /// Notes that `rel` got a row.
    pub fn grew(&mut self, rel: RelId) {
        if !self.flag[rel as usize] {
            self.flag[rel as usize] = true;
            self.grown.push(rel);
        }
    }

    /// Begins the next round, `len` giving a relation's row count now: the
    /// variants to fire, in rule then variant order (`None`: the fixpoint
    /// is reached).
    pub fn next(
        &mut self,
        readers: &FxHashMap<RelId, Vec<(u32, u32)>>,
        len: impl Fn(RelId) -> u32,
    ) -> Option<Vec<(u32, u32)>> {
        if self.grown.is_empty() {
            return None;
        }
        for &r in &self.last {
            self.prev[r as usize] = self.cur[r as usize];
        }
        let mut fire = Vec::new();
        for &r in &self.grown {
            self.flag[r as usize] = false;
            self.prev[r as usize] = self.cur[r as usize];
            self.cur[r as usize] = len(r);
            if let Some(rs) = readers.get(&r) {
                fire.extend_from_slice(rs);
            }
        }
        self.last = std::mem::take(&mut self.grown);
        fire.sort_unstable();
        fire.dedup();
        Some(fire)
    }
}

/// What a stratum's semi-naive fixpoint needs of what it evaluates: a run
/// ([`Engine`]) or a grounding (module `ground`).
pub(super) trait Fixpoint {
    type Error;
    /// The rounds of the stratum being evaluated (`None` outside one).
    fn rounds(&mut self) -> &mut Option<Rounds>;
    /// Row counts of every relation at `t`.
    fn lens(&self, t: Time) -> Vec<u32>;
    /// Row count of `rel` at `t`.
    fn len(&self, t: Time, rel: RelId) -> u32;
    /// Evaluates one plan of `rule` (`variant`: the delta atom, or `None`
    /// for the full plan) over the row ranges `cur`/`prev`.
    fn fire(
        &mut self,
        t: Time,
        rule: &Rule,
        variant: Option<usize>,
        cur: &[u32],
        prev: &[u32],
    ) -> Result<(), Self::Error>;
    /// Called before each round after the first (a run checks its deadline).
    fn round(&mut self, _t: Time) -> Result<(), Self::Error> {
        Ok(())
    }
}

/// The semi-naive fixpoint of stratum `stratum`'s deductive rules at `t`:
/// every rule's full plan once, then rounds of the variants whose delta
/// relation grew ([`Rounds`]), until nothing grows.
pub(super) fn fixpoint<F: Fixpoint>(
    f: &mut F,
    sh: &Shared,
    t: Time,
    stratum: usize,
) -> Result<(), F::Error> {
    let rules = &sh.strata[stratum];
    let start = f.lens(t);
    let zero = vec![0; start.len()];
    *f.rounds() = Some(Rounds::new(start.clone()));
    for &r in rules {
        f.fire(t, &sh.compiled.rules[r], None, &start, &zero)?;
    }
    loop {
        let mut rounds = f.rounds().take().expect("in a stratum");
        let Some(fire) = rounds.next(&sh.readers[stratum], |r| f.len(t, r)) else {
            return Ok(());
        };
        let (cur, prev) = (
            std::mem::take(&mut rounds.cur),
            std::mem::take(&mut rounds.prev),
        );
        *f.rounds() = Some(rounds);
        f.round(t)?;
        let mut result = Ok(());
        for (pos, v) in fire {
            let rule = &sh.compiled.rules[rules[pos as usize]];
            let atom = rule.variants[v as usize].0;
            if rule.pos[atom].at.is_some_and(|n| n != t) {
                continue;
            }
            result = f.fire(t, rule, Some(atom), &cur, &prev);
            if result.is_err() {
                break;
            }
        }
        let rounds = f.rounds().as_mut().expect("in a stratum");
        (rounds.cur, rounds.prev) = (cur, prev);
        result?;
    }
}
