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

mod encode;
mod lineage;

use std::collections::BTreeSet;
use std::time::Instant;

use dedalus::value::Value;
use rayon::prelude::*;
use z3::ast::Bool;

use crate::faults::FaultSet;
use crate::search::{Budget, Progress, Searcher};
use crate::target::Target;
use crate::{Error, Outcome};

use encode::{Encoder, minimal_sets, reachability};
use lineage::Lineage;

/// Fault sets solved for (and run in parallel) per round.
const BATCH: usize = 8;

/// Searches `target`'s fault space lineage-first.
pub fn search(
    target: &Target,
    budget: &Budget,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Outcome, Error> {
    let start = Instant::now();
    let mut s = Searcher::new(target, "ldfi", budget, start);
    let program = target.evaluator().program();
    let reach = reachability(program);
    let nodes: Vec<Value> = target
        .space
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
        .collect();
    let pre = program
        .relation("pre")
        .expect("targets have a specification");
    let post = program
        .relation("post")
        .expect("targets have a specification");
    let eot = target.space.eot;
    let blockers = encode::blockers(program, &reach, pre);

    let mut lineage = Lineage::default();
    let mut tried: BTreeSet<FaultSet> = BTreeSet::new();
    let none = FaultSet::none();
    tried.insert(none.clone());
    let run = target.run(&none)?;
    if s.record(none, run, &mut |r| lineage.learn(r))? {
        return s.finish(progress);
    }
    loop {
        if let Some(reason) = s.exhausted() {
            return s.inconclusive(reason, progress);
        }
        progress(&s.progress());
        let candidates = z3::with_z3_config(&z3::Config::new(), || {
            let mut enc = Encoder::new(&lineage, &target.space, program, &reach, nodes.clone());
            let goals: Vec<(Bool, Bool)> = lineage
                .keys_of(pre, eot)
                .iter()
                .filter_map(|&p| {
                    let values = &lineage.key_data[p as usize].2;
                    let q = lineage.key(post, eot, values)?;
                    Some((enc.holds(p, true), enc.holds(q, false).not()))
                })
                .collect();
            if std::env::var_os("LDFI_DEBUG").is_some() {
                for (p, q) in &goals {
                    eprintln!(
                        "goal: pre {} / not post {}",
                        p.to_string()
                            .split_whitespace()
                            .collect::<Vec<_>>()
                            .join(" "),
                        q.to_string()
                            .split_whitespace()
                            .collect::<Vec<_>>()
                            .join(" ")
                    );
                }
            }
            // Non-vacuous breaks first; then the ones that may also lose `pre`.
            let first = Bool::or(
                &goals
                    .iter()
                    .map(|(p, q)| Bool::and(&[p.clone(), q.clone()]))
                    .collect::<Vec<_>>(),
            );
            let sets = minimal_sets(&mut enc, &first, &tried, BATCH);
            if !sets.is_empty() {
                return sets;
            }
            let vacuous = Bool::or(&goals.iter().map(|(_, q)| q.clone()).collect::<Vec<_>>());
            let sets = minimal_sets(&mut enc, &vacuous, &tried, BATCH);
            if !sets.is_empty() {
                return sets;
            }
            let g = &lineage;
            let present: Vec<u32> = blockers
                .iter()
                .flat_map(|&rel| (1..=eot).flat_map(move |t| g.keys_of(rel, t).iter().copied()))
                .collect();
            let unblock: Vec<Bool> = present
                .into_iter()
                .map(|k| enc.holds(k, false).not())
                .collect();
            minimal_sets(&mut enc, &Bool::or(&unblock), &tried, BATCH)
        });
        if std::env::var_os("LDFI_DEBUG").is_some() {
            eprintln!("candidates: {candidates:?}");
        }
        let mut batch = Vec::new();
        for set in candidates {
            let norm = set.normalized();
            let fresh = !tried.contains(&norm);
            tried.insert(set);
            tried.insert(norm.clone());
            if fresh && target.space.admits(&norm) {
                batch.push(norm);
            }
        }
        if batch.is_empty() {
            return s.finish(progress);
        }
        batch.truncate(s.runs_left());
        let runs: Vec<Result<dedalus::eval::Run, Error>> =
            batch.par_iter().map(|f| target.run(f)).collect();
        for (faults, run) in batch.into_iter().zip(runs) {
            if s.record(faults, run?, &mut |r| lineage.learn(r))? {
                return s.finish(progress);
            }
        }
    }
}
