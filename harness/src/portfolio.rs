//! The default strategy: a portfolio of strategies run side by side.
//!
//! After the failure-free run, three members start at once on the
//! available cores: lineage-guided fault sets ([`crate::ldfi`], a run cap:
//! two rounds, smallest sets first), random fault sets ([`crate::random`], a
//! fixed seed and run cap) and the symbolic check ([`crate::symbolic`], the
//! first model of its formula). A
//! counterexample wins and cancels the rest; only the symbolic proof can end
//! the search with `holds` (and cancels the rest at once).
//!
//! **Determinism.** The members race, but what the portfolio reports does
//! not depend on who was fastest: each member is deterministic on its own
//! (a seeded generator, a run cap, z3's first model), and a member's
//! counterexample is taken only once every member before it, in the order
//! lineage, random, symbolic, has ended without one. The price is bounded:
//! a random counterexample waits for at most the lineage member's two
//! rounds, a symbolic one also for the random member's capped runs.
//! Each counterexample is shrunk by replay to a subset-minimal set, checked
//! fault by fault (see `Searcher`).
//!
//! Where the symbolic check cannot answer (a grounding too large, a rule
//! that may fail at runtime, the solver out of time), a space small enough
//! is searched exhaustively (which certifies), any other by lineage rounds
//! (which do not).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::faults::FaultSet;
use crate::ldfi::{self, Learned, Lineage};
use crate::random::Random;
use crate::search::{Budget, Covered, Progress, Searcher};
use crate::strategy::{SearchStrategy, StrategyId};
use crate::symbolic::{self, Answer, Goal};
use crate::target::Target;
use crate::verdict::{Outcome, Proof};
use crate::{Error, exhaustive};

/// The default strategy (see the module docs).
#[derive(Clone, Copy, Debug, Default)]
pub struct Portfolio {
    /// Make the counterexample smallest by number of faults (the solver
    /// tightens a bound) within [`SMALLEST_CAP`], else keep the
    /// subset-minimal one and say so.
    pub smallest: bool,
}

/// The identity of [`Portfolio`].
pub const ID: StrategyId = StrategyId::new("portfolio");

/// The random member's seed.
pub const RANDOM_SEED: u64 = 0;

/// The random member's runs.
pub const RANDOM_RUNS: usize = 500;

/// The lineage member's runs (its failure-free run included).
pub const LINEAGE_RUNS: usize = 17;

/// Spaces at most this large are searched exhaustively when the symbolic
/// check cannot answer.
pub const EXHAUSTIVE_FALLBACK: u64 = 4096;

/// How long `smallest` may take before it keeps the subset-minimal
/// counterexample.
pub const SMALLEST_CAP: Duration = Duration::from_secs(10);

/// The members, in the order their counterexamples are preferred.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Member {
    Lineage = 0,
    Random = 1,
    Symbolic = 2,
}

/// What a member ended with.
enum Ended {
    /// A run strategy's outcome.
    Runs(Box<Result<Outcome, Error>>),
    /// The symbolic check's answer.
    Symbolic(Result<Answer, Error>),
}

impl Ended {
    /// Whether it found a counterexample (or failed: an error, too, ends
    /// the race at its place in the order).
    fn decisive(&self) -> bool {
        match self {
            Ended::Runs(o) => {
                o.as_ref()
                    .as_ref()
                    .is_ok_and(|o| !o.counterexamples.is_empty())
                    || o.is_err()
            }
            Ended::Symbolic(Ok(a)) => !matches!(a, Answer::Unknown { .. }),
            Ended::Symbolic(Err(_)) => true,
        }
    }
}

impl SearchStrategy for Portfolio {
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
        let mut s = Searcher::new(target, ID, budget, Instant::now());
        let cancel = s.cancel();
        let none = FaultSet::none();
        let mut learned = Learned::new(target);
        let run = target.run_until(&none, &cancel);
        if s.record(none, run, &mut |r| learned.learn(r))? {
            return s.finish(progress);
        }
        progress(&s.solving());
        if budget.all {
            return every(s, learned, progress);
        }
        for (_, ended) in race(&s) {
            match ended {
                Ended::Runs(outcome) => s.adopt((*outcome)?),
                Ended::Symbolic(answer) => match answer? {
                    Answer::Holds(stats) => {
                        let statement = |covered: &Covered| symbolic::certificate(covered, &stats);
                        return s.certify(Proof::Symbolic(stats.clone()), statement, progress);
                    }
                    Answer::Violated {
                        counterexamples,
                        stats,
                        ..
                    } => {
                        s.symbolic(stats);
                        for (faults, run) in counterexamples {
                            s.record(faults, Ok(*run), &mut |_| {})?;
                        }
                    }
                    Answer::Unknown { reason, stats } => {
                        s.symbolic(stats);
                        if s.found().is_empty() {
                            return fallback(s, learned, progress, &reason);
                        }
                    }
                },
            }
        }
        let outcome = s.finish(progress)?;
        if self.smallest {
            return smallest(target, budget, outcome);
        }
        Ok(outcome)
    }
}

/// Runs the members side by side until the outcome is decided (see the
/// module docs): the ends that count, in order (a proof alone; else every
/// member up to the first that decided).
fn race(s: &Searcher<'_>) -> Vec<(Member, Ended)> {
    let target = s.target();
    let budget = s.budget();
    let flags: Vec<Arc<AtomicBool>> = (0..3).map(|_| Arc::new(AtomicBool::new(false))).collect();
    let timeout = budget
        .timeout
        .map(|t| t.saturating_sub(s.start().elapsed()));
    let member_budget = |m: Member, runs: usize| Budget {
        max_runs: Some(runs.min(s.runs_left())),
        timeout,
        all: false,
        interrupt: Some(flags[m as usize].clone()),
        observer: budget.observer.clone(),
    };
    let random = member_budget(Member::Random, RANDOM_RUNS);
    let lineage = member_budget(Member::Lineage, LINEAGE_RUNS);
    let symbolic = dedalus::eval::Cancel {
        deadline: timeout.map(|t| Instant::now() + t),
        flag: Some(flags[Member::Symbolic as usize].clone()),
    };
    let mut ended: Vec<Option<Ended>> = vec![None, None, None];
    std::thread::scope(|scope| {
        let (tx, rx) = mpsc::channel();
        {
            let tx = tx.clone();
            let budget = &random;
            scope.spawn(move || {
                let o = Random { seed: RANDOM_SEED }.search(target, budget, &mut |_| {});
                let _ = tx.send((Member::Random, Ended::Runs(Box::new(o))));
            });
        }
        {
            let tx = tx.clone();
            let budget = &lineage;
            scope.spawn(move || {
                let o = Lineage.search(target, budget, &mut |_| {});
                let _ = tx.send((Member::Lineage, Ended::Runs(Box::new(o))));
            });
        }
        {
            let tx = tx.clone();
            let cancel = &symbolic;
            scope.spawn(move || {
                let a = symbolic::decide(target, cancel, Goal::First);
                let _ = tx.send((Member::Symbolic, Ended::Symbolic(a)));
            });
        }
        drop(tx);
        let stop_after = |m: usize| {
            for f in &flags[m + 1..] {
                f.store(true, Ordering::Relaxed);
            }
        };
        loop {
            if budget.interrupted() {
                stop_after(0);
                flags[0].store(true, Ordering::Relaxed);
            }
            match rx.recv_timeout(Duration::from_millis(10)) {
                Ok((m, e)) => ended[m as usize] = Some(e),
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
            // A proof ends the race at once: no member can find anything.
            if let Some(Ended::Symbolic(Ok(Answer::Holds(_)))) = &ended[2] {
                stop_after(0);
                flags[0].store(true, Ordering::Relaxed);
                continue;
            }
            // The first member in order that decided, once every member
            // before it has ended: the rest are cancelled.
            for (m, e) in ended.iter().enumerate() {
                match e {
                    None => break,
                    Some(e) if e.decisive() => {
                        stop_after(m);
                        break;
                    }
                    Some(_) => {}
                }
            }
        }
    });
    // A proof alone, or the first decisive member and those before it;
    // members cancelled after a decision are dropped.
    let members = [Member::Lineage, Member::Random, Member::Symbolic];
    if let Some(Ended::Symbolic(Ok(Answer::Holds(_)))) = &ended[2] {
        return vec![(Member::Symbolic, ended.swap_remove(2).expect("the proof"))];
    }
    let mut out = Vec::new();
    for (m, e) in members.into_iter().zip(ended) {
        let Some(e) = e else { break };
        let decisive = e.decisive();
        out.push((m, e));
        if decisive {
            break;
        }
    }
    out
}

/// `--all`: the symbolic enumeration of every subset-minimal
/// counterexample, with lineage rounds where it cannot answer.
fn every(
    mut s: Searcher<'_>,
    learned: Learned,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Outcome, Error> {
    let cancel = s.cancel();
    match symbolic::decide(s.target(), &cancel, Goal::All)? {
        Answer::Holds(stats) => {
            let statement = |covered: &Covered| symbolic::certificate(covered, &stats);
            s.certify(Proof::Symbolic(stats.clone()), statement, progress)
        }
        Answer::Violated {
            counterexamples,
            complete,
            stats,
        } => {
            s.symbolic(stats);
            for (faults, run) in counterexamples {
                s.record(faults, Ok(*run), &mut |_| {})?;
            }
            if complete {
                return s.finish(progress);
            }
            let reason = format!(
                "the symbolic enumeration stopped after {} counterexamples",
                symbolic::MAX_ALL
            );
            ldfi::search(s, Some(learned), progress, &reason)
        }
        Answer::Unknown { reason, stats } => {
            s.symbolic(stats);
            fallback(s, learned, progress, &reason)
        }
    }
}

/// Where the symbolic check gave no answer (`reason`): a small space is
/// run exhaustively (a certificate), any other by lineage rounds.
fn fallback(
    s: Searcher<'_>,
    learned: Learned,
    progress: &mut dyn FnMut(&Progress),
    reason: &str,
) -> Result<Outcome, Error> {
    let small = s
        .target()
        .space()
        .combinations()
        .exact()
        .is_some_and(|n| n <= EXHAUSTIVE_FALLBACK);
    if small && s.exhausted().is_none() {
        exhaustive::search(s, progress)
    } else {
        ldfi::search(s, Some(learned), progress, reason)
    }
}

/// `outcome`'s counterexample made smallest by number of faults by the
/// solver, within [`SMALLEST_CAP`] (and the budget); past it the
/// subset-minimal one stays, and the outcome says so.
fn smallest(target: &Target, budget: &Budget, mut outcome: Outcome) -> Result<Outcome, Error> {
    if outcome.counterexamples.is_empty() {
        return Ok(outcome);
    }
    let deadline = Instant::now() + SMALLEST_CAP;
    let cancel = dedalus::eval::Cancel {
        deadline: Some(match budget.timeout {
            Some(t) => deadline.min(Instant::now() + t.saturating_sub(outcome.elapsed)),
            None => deadline,
        }),
        flag: budget.interrupt.clone(),
    };
    match symbolic::decide(target, &cancel, Goal::Smallest)? {
        Answer::Violated {
            counterexamples,
            stats,
            ..
        } => {
            if let Some((faults, run)) = counterexamples.into_iter().next() {
                let cx = target.shrink(faults, *run)?.0;
                outcome.counterexamples = vec![cx];
                outcome.symbolic = Some(stats);
            }
        }
        // Past the cap the subset-minimal counterexample stays (the
        // outcome does not say so yet: the result model has no notes).
        Answer::Unknown { stats, .. } => outcome.symbolic = Some(stats),
        Answer::Holds(_) => {
            return Err(Error::Internal(
                "the symbolic encoding finds no counterexample where a run showed one".into(),
            ));
        }
    }
    Ok(outcome)
}
