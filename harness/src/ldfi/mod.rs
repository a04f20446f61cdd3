//! Lineage-driven fault injection (Alvaro et al., SIGMOD 2015), with z3.
//!
//! Run failure-free; merge the run's lineage into one graph; ask z3 for the
//! subset-minimal fault sets under which, by everything learned so far, some
//! `pre` would hold without its `post`; run them (in parallel, results taken
//! in order); merge the lineage of each; repeat until a run violates the
//! specification or no fault set is left: a bounded certificate.
//!
//! Three kinds of fault sets, each tried only when the ones before are used up:
//!
//! 1. those that break every known derivation of some `post(x)` while its
//!    `pre(x)` still holds: the classic LDFI hypothesis;
//! 2. those that break `post(x)` but probably `pre(x)` too (probably vacuous);
//! 3. those that break a *blocker* of `pre`: a tuple of a relation that some
//!    rule leading to `pre` checks with `notin`. Lineage only explains what
//!    happened; when faults can *create* a `pre` (a crashed follower drops
//!    out of an in-sync set, so the leader acknowledges sooner), the
//!    failure-free run may even be vacuous and offer nothing to break. Making
//!    a blocker disappear is how such a `pre` appears.
//!
//! Negated atoms are encoded exactly where one rule of why-not provenance
//! suffices (module `whynot`), else through their *negative support* (messages
//! that might create them, refuted by runs). Before any certificate, a
//! sweep runs every pair of disturbances among the remaining suspects, so a
//! certificate never rests on the refutation heuristic.

mod encode;
mod lineage;
mod whynot;

use std::collections::BTreeSet;
use std::time::Instant;

use dedalus::analysis::{self, Reachability};
use dedalus::value::Value;
use rayon::prelude::*;
use z3::ast::Bool;

use crate::faults::FaultSet;
use crate::search::{Budget, Progress, Searcher};
use crate::strategy::{SearchStrategy, StrategyId};
use crate::target::Target;
use crate::{Error, Outcome};

use crate::solver::{NoAnswer, interruptible};
use encode::{Encoder, minimal_sets};
use lineage::{Lineage as LineageGraph, Refutations};

/// Fault sets solved for (and run in parallel) per round.
const BATCH: usize = 8;

/// What stays the same during one search.
struct Context<'a> {
    target: &'a Target,
    reach: Reachability,
    nodes: Vec<Value>,
    pre: dedalus::RelId,
    post: dedalus::RelId,
    blockers: Vec<dedalus::RelId>,
    exact: Vec<bool>,
    /// When solver calls and runs give up (Ctrl-C, --timeout).
    cancel: dedalus::eval::Cancel,
    /// Some rule divides by a variable: a fault may make a run stop with a
    /// runtime error through a binding no run has shown (see `sweep`).
    fallible: bool,
}

/// Lineage-driven fault injection alone, Molly's method: fast on shallow
/// bugs and the basis of explanations, but it never certifies (a `notin`
/// can turn true through a derivation no run has shown): when it runs out of
/// candidates the outcome is inconclusive.
#[derive(Clone, Copy, Debug, Default)]
pub struct Lineage;

/// The identity of [`Lineage`].
pub const ID: StrategyId = StrategyId::new("lineage");

impl SearchStrategy for Lineage {
    fn id(&self) -> StrategyId {
        ID
    }

    fn certifies(&self) -> bool {
        false
    }

    fn search(
        &self,
        target: &Target,
        budget: &Budget,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<Outcome, Error> {
        let s = Searcher::new(target, ID, budget, Instant::now());
        search(
            s,
            None,
            progress,
            "lineage alone proves nothing (use the default strategy for a proof)",
        )
    }
}

/// What lineage learned from the runs another strategy made (the
/// failure-free run a composed search starts with), to start from.
pub(crate) struct Learned(LineageGraph);

impl Learned {
    /// Nothing learned yet.
    pub fn new(target: &Target) -> Learned {
        Learned(LineageGraph::for_evaluator(target.evaluator()))
    }

    /// Learns the lineage of `run`.
    pub fn learn(&mut self, run: &dedalus::eval::Run) {
        self.0.learn(run);
    }
}

/// Lineage rounds with `s`'s bookkeeping, from the failure-free run on
/// (`free`: its lineage, when `s` already made and recorded it);
/// `no_proof` says, with an inconclusive outcome, why no proof is to be had.
pub(crate) fn search(
    mut s: Searcher<'_>,
    free: Option<Learned>,
    progress: &mut dyn FnMut(&Progress),
    no_proof: &str,
) -> Result<Outcome, Error> {
    let target = s.target();
    let cancel = s.cancel();
    let none = FaultSet::none();
    let mut lineage = match free {
        Some(Learned(lineage)) => lineage,
        None => {
            let mut lineage = LineageGraph::for_evaluator(target.evaluator());
            let run = target.run_until(&none, &cancel);
            if s.record(none.clone(), run, &mut |r| lineage.learn(r))? {
                return s.finish(progress);
            }
            lineage
        }
    };
    let program = target.evaluator().program();
    let reach = Reachability::of(program);
    let spec = program.spec().map_err(|_| Error::NoSpecification)?;
    let cx = Context {
        target,
        nodes: target
            .space()
            .nodes
            .iter()
            .map(|n| {
                Value::Str(
                    target
                        .evaluator()
                        .interner()
                        .get(n)
                        .expect("node names are interned"),
                )
            })
            .collect(),
        pre: spec.pre,
        post: spec.post,
        blockers: analysis::blockers(program, &reach, spec.pre),
        exact: analysis::exact_whynot(program, &reach, target.space().max_delay > 0),
        reach,
        cancel,
        fallible: analysis::divides_by_variables(program),
    };

    let mut refutations = Refutations::default();
    let mut tried: BTreeSet<FaultSet> = BTreeSet::new();
    tried.insert(none);
    loop {
        if let Some(reason) = s.exhausted() {
            return s.inconclusive(format!("{reason}; {no_proof}"), progress);
        }
        progress(&s.progress());
        let (candidates, watched) = match propose(&cx, &lineage, &refutations, &tried) {
            Ok(proposed) => proposed,
            // An unanswered solver call proves nothing.
            Err(NoAnswer(reason)) => return s.inconclusive(reason, progress),
        };
        refutations.watched.extend(watched);
        let mut batch = Vec::new();
        for set in candidates {
            let norm = set.normalized();
            let fresh = !tried.contains(&norm);
            tried.insert(set);
            tried.insert(norm.clone());
            if fresh && target.space().admits(&norm) {
                batch.push(norm);
            }
        }
        if batch.is_empty() {
            // Nothing left by lineage: sweep the pairs of disturbances that
            // might create a negated atom (see `sweep`) for a counterexample.
            batch = sweep(&cx, &lineage, &refutations, &tried);
            if batch.is_empty() {
                return s.inconclusive(
                    format!("lineage found no counterexample; {no_proof}"),
                    progress,
                );
            }
            for set in &batch {
                tried.insert(set.clone());
            }
        }
        batch.truncate(s.runs_left());
        // In parallel, a chunk at a time (a sweep can be large: runs are not
        // all held at once), results taken in order.
        for chunk in batch.chunks(64) {
            let runs: Vec<Result<dedalus::eval::Run, Error>> = chunk
                .par_iter()
                .map(|f| target.run_until(f, &cx.cancel))
                .collect();
            for (faults, run) in chunk.iter().zip(runs) {
                let stop = s.record(faults.clone(), run, &mut |r| {
                    lineage.learn(r);
                    refutations.learn(&lineage, &cx.reach, r, faults);
                })?;
                if stop {
                    return s.finish(progress);
                }
            }
        }
    }
}

/// Sweeps larger than this are skipped (the search ends inconclusive).
const MAX_SWEEP: usize = 50_000;

/// A last hunt for counterexamples through negation, when no proof is to be
/// had. Refutation (see `Refutations`) drops a suspect after one run; but a
/// negated atom may need *two* disturbances to appear (two lost prepares let
/// a second Paxos proposer choose another value). Every single and pair of
/// disturbances among the negative support of every watched atom that never
/// appeared is run, unless already tried. It certifies nothing: an atom may
/// need three.
fn sweep(
    cx: &Context<'_>,
    lineage: &LineageGraph,
    refutations: &Refutations,
    tried: &BTreeSet<FaultSet>,
) -> Vec<FaultSet> {
    let space = cx.target.space();
    let bounds = space.bounds();
    let mut suspects = BTreeSet::new();
    for atom in &refutations.watched {
        if !lineage
            .matching(atom.rel, atom.time, &atom.pattern)
            .is_empty()
        {
            continue;
        }
        for (_, msg) in lineage::suspects(lineage, atom, &cx.reach) {
            suspects.extend(bounds.latest_stop(msg.envelope()));
        }
    }
    if cx.fallible {
        // A division by a variable may fail under any disturbance: lineage
        // explains what was derived, not what a fault makes a rule compute.
        // Its greatest disturbance, and its sender's crash when it is sent.
        for msg in lineage.messages() {
            let e = msg.envelope();
            suspects.extend(bounds.disturbance(e));
            suspects.extend(bounds.silencing_crashes(e).last());
        }
    }
    let suspects: Vec<_> = suspects.into_iter().collect();
    let n = suspects.len();
    if n + n * n.saturating_sub(1) / 2 > MAX_SWEEP {
        return Vec::new();
    }
    let mut sets = Vec::new();
    for i in 0..n {
        for j in i..n {
            let set: FaultSet = [suspects[i], suspects[j]].into_iter().collect();
            let set = set.normalized();
            if space.admits(&set) && !tried.contains(&set) && !sets.contains(&set) {
                sets.push(set);
            }
        }
    }
    sets
}

/// The next fault sets to run, by phase (see the module docs), and the
/// negated atoms whose negative support the formulas used.
fn propose(
    cx: &Context<'_>,
    lineage: &LineageGraph,
    refutations: &Refutations,
    tried: &BTreeSet<FaultSet>,
) -> Result<(Vec<FaultSet>, Vec<lineage::AbsentAtom>), NoAnswer> {
    let program = cx.target.evaluator().program();
    let eot = cx.target.space().eot;
    // A fresh z3 context per round: the answer depends only on this round's formula.
    interruptible(&cx.cancel, || {
        let setting = encode::Setting {
            space: cx.target.space(),
            program,
            interner: cx.target.evaluator().interner(),
            reach: &cx.reach,
            nodes: &cx.nodes,
            exact: &cx.exact,
            cancel: &cx.cancel,
        };
        let mut enc = Encoder::new(lineage, &setting, refutations);
        let goals: Vec<(Bool, Bool)> = lineage
            .keys_of(cx.pre, eot)
            .iter()
            .filter_map(|&p| {
                let q = lineage.key(cx.post, eot, lineage.tuple(p).2)?;
                Some((enc.holds(p, true), enc.holds(q, false).not()))
            })
            .collect();
        let violation = Bool::or(
            &goals
                .iter()
                .map(|(p, q)| Bool::and(&[p.clone(), q.clone()]))
                .collect::<Vec<_>>(),
        );
        let mut sets = minimal_sets(&mut enc, &violation, tried, BATCH)?;
        if sets.is_empty() {
            let vacuous = Bool::or(&goals.iter().map(|(_, q)| q.clone()).collect::<Vec<_>>());
            sets = minimal_sets(&mut enc, &vacuous, tried, BATCH)?;
        }
        if sets.is_empty() {
            let present: Vec<u32> = cx
                .blockers
                .iter()
                .flat_map(|&rel| {
                    (1..=eot).flat_map(move |t| lineage.keys_of(rel, t).iter().copied())
                })
                .collect();
            let unblock: Vec<Bool> = present
                .into_iter()
                .map(|k| enc.holds(k, false).not())
                .collect();
            sets = minimal_sets(&mut enc, &Bool::or(&unblock), tried, BATCH)?;
        }
        Ok((sets, std::mem::take(&mut enc.watched)))
    })
}

/// The minimal hitting sets of `family` (each member a set of element
/// numbers), smallest first, computed by the same z3 enumeration that picks
/// fault sets: element `i` stands for a fault, a member for a derivation that
/// any of its faults breaks, and a goal falls when every derivation does.
/// Exposed so that tests can compare it with brute force.
pub fn minimal_hitting_sets(family: &[Vec<u32>]) -> Vec<Vec<u32>> {
    let fault = |i: u32| crate::faults::Fault::Omission {
        from: 0,
        to: 1,
        time: i,
    };
    z3::with_z3_config(&z3::Config::new(), || {
        let mut elements: Vec<u32> = family.iter().flatten().copied().collect();
        elements.sort_unstable();
        elements.dedup();
        let vars: Vec<_> = elements
            .iter()
            .map(|&i| (fault(i), Bool::new_const(format!("e{i}"))))
            .collect();
        let var = |i: u32| {
            vars.iter()
                .find(|(f, _)| *f == fault(i))
                .map(|(_, b)| b.clone())
                .expect("element has a variable")
        };
        let goal = Bool::and(
            &family
                .iter()
                .map(|m| Bool::or(&m.iter().map(|&i| var(i)).collect::<Vec<_>>()))
                .collect::<Vec<_>>(),
        );
        encode::enumerate(&vars, &goal, &[], &BTreeSet::new(), usize::MAX)
            .expect("z3 answers hitting-set problems without interrupts")
            .into_iter()
            .map(|set| {
                set.iter()
                    .map(|f| match *f {
                        crate::faults::Fault::Omission { time, .. } => time,
                        _ => unreachable!("only omissions are built"),
                    })
                    .collect()
            })
            .collect()
    })
}

#[cfg(test)]
mod testing {
    //! Small targets for the unit tests of the lineage encoding.

    use crate::faults::FaultSpace;
    use crate::target::Target;

    /// Node `b` is to log what `a` sends it at time 1; `gap` holds while it
    /// has not (an exact why-not relation), `done` once it has.
    pub const SEND: &str = r#"
        want(N, X)@next :- want(N, X);
        log(M, X)@async :- send(N, M, X);
        log(N, X)@next :- log(N, X);
        gap(N, X) :- want(N, X), notin log(N, X);
        done(N, X) :- want(N, X), log(N, X);
        pre(X) :- want(N, X);
        post(X) :- done(N, X);
        send("a", "b", 1)@1; want("b", 1)@1;
    "#;

    /// A target of `src` over nodes `a`, `b` (ids 0, 1).
    pub fn target(src: &str, eot: u32, eff: u32, crashes: u32) -> Target {
        let program = dedalus::load_str("t.ded", src).unwrap_or_else(|e| panic!("{e}"));
        let space = FaultSpace {
            nodes: vec!["a".into(), "b".into()],
            eot,
            eff,
            crashes,
            max_delay: 0,
            omissions: true,
        };
        Target::new(vec!["t.ded".into()], &program, space).unwrap_or_else(|e| panic!("{e}"))
    }
}
