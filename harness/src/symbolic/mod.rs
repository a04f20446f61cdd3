//! Bounded model checking of the program itself: exact verdicts.
//!
//! The program is grounded over every tuple-at-time some admissible run can
//! hold ([`dedalus::eval::ground`]), encoded as one formula whose models are
//! exactly the admissible runs (module `encode`), and z3 is asked for a run in
//! which some `pre(x)` holds at EOT without `post(x)`. UNSAT is a proof for
//! the whole bounded fault space, negation, aggregates, crashes and delays
//! included; SAT is a fault set, made smallest with the solver (a bound on
//! the number of faults tightened until UNSAT) and confirmed by a concrete
//! run. An encoding and an evaluator that disagree are an internal error,
//! never a silent verdict. Lineage (module [`crate::ldfi`]) stays what it is
//! best at: finding shallow bugs in a few runs and explaining them.

mod encode;

use std::time::Instant;

use dedalus::eval::ground::GroundLimits;
use dedalus::eval::{Cancel, Run};
use z3::ast::Bool;
use z3::{Params, SatResult, Solver, Tactic};

use crate::faults::{Fault, FaultSet, FaultSpace};
use crate::search::{Budget, Covered, Progress, Searcher};
use crate::solver::{NoAnswer, interruptible};
use crate::strategy::{SearchStrategy, StrategyId};
use crate::target::{Judgement, Target};
use crate::verdict::Proof;
use crate::{Error, Outcome};

pub use crate::solver::Stats;

/// The answer of a symbolic check.
#[derive(Debug)]
pub enum Answer {
    /// No admissible fault schedule violates the specification.
    Holds(Stats),
    /// Violating fault sets, each with its run (which violates): the first
    /// is smallest by number of faults; asked for all, every subset-minimal
    /// one, smallest first.
    Violated {
        /// The fault sets and their runs.
        counterexamples: Vec<(FaultSet, Box<Run>)>,
        /// Asked for all: whether every subset-minimal set is listed (else
        /// the enumeration stopped at its limit or was interrupted).
        complete: bool,
        /// What it cost.
        stats: Stats,
    },
    /// No answer: the formula could not be built or solved in time.
    Unknown {
        /// Why.
        reason: String,
        /// What it cost so far.
        stats: Stats,
    },
}

impl dedalus::eval::ground::Channels for FaultSpace {
    fn reliable(&self, _from: u32, _to: u32, sent: u32) -> bool {
        // Without omissions and delays, only a crash can disturb a message.
        self.crashes == 0 && (sent >= self.eff || (!self.omissions && self.max_delay == 0))
    }

    fn max_delay(&self, _from: u32, _to: u32, sent: u32) -> u32 {
        if sent >= 1 && sent < self.eff {
            self.max_delay
        } else {
            0
        }
    }

    fn crashes(&self) -> bool {
        self.crashes > 0
    }
}

/// At most this many counterexamples are enumerated when all are asked for.
pub const MAX_ALL: usize = 1000;

/// Which violating fault sets [`decide`] asks the solver for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Goal {
    /// The solver's first model, as it comes (to be shrunk by replay).
    First,
    /// One set smallest by number of faults.
    Smallest,
    /// Every subset-minimal set (at most [`MAX_ALL`]), smallest first.
    All,
}

/// Decides whether some admissible fault set violates `target`'s
/// specification, giving up when `cancel` says so (Ctrl-C, the deadline),
/// with the violating sets `want` asks for.
pub fn decide(target: &Target, cancel: &Cancel, want: Goal) -> Result<Answer, Error> {
    let all = want == Goal::All;
    let mut stats = Stats::default();
    let space = target.space();
    let t0 = Instant::now();
    let grounding =
        match target
            .evaluator()
            .ground_until(space.eot, space, GroundLimits::default(), cancel)
        {
            Ok(g) => g,
            Err(e) => {
                stats.ground = t0.elapsed();
                return Ok(Answer::Unknown {
                    reason: format!("no symbolic proof: {e}"),
                    stats,
                });
            }
        };
    stats.ground = t0.elapsed();
    let program = target.evaluator().program();
    let dedalus::Spec { pre, post } = program.spec().map_err(|_| Error::NoSpecification)?;
    let eot = space.eot;
    let solved = interruptible(cancel, || {
        let t1 = Instant::now();
        let mut enc = encode::Encoder::new(&grounding, space);
        let pres: Vec<_> = grounding.rows(pre, eot).collect();
        let mut goal = Vec::with_capacity(pres.len());
        let mut some_pre = Vec::with_capacity(pres.len());
        for p in pres {
            let vals = grounding.tuple(p).2;
            let q = grounding.find(post, vals, eot);
            let (hp, hq) = (enc.holds(Some(p)), enc.holds(q));
            some_pre.push(hp.clone());
            goal.push(Bool::and(&[hp, hq.not()]));
        }
        enc.close();
        // A Boolean and pseudo-Boolean formula asked for one model (or a
        // proof) goes to a SAT-oriented tactic chain (counts bit-blasted by
        // card2bv); integer sums and ranks, and the minimisations (many
        // incremental calls, which a tactic solver would redo from
        // scratch), to z3's default solver.
        let solver = if enc.boolean() && want == Goal::First {
            [
                "simplify",
                "propagate-values",
                "card2bv",
                "bit-blast",
                "sat",
            ]
            .into_iter()
            .map(Tactic::new)
            .reduce(|a, b| a.and_then(&b))
            .expect("a non-empty chain")
            .solver()
        } else {
            Solver::new()
        };
        // Ctrl-C is ours (see `interruptible`), not z3's.
        let mut params = Params::new();
        params.set_bool("ctrl_c", false);
        solver.set_params(&params);
        for c in &enc.constraints {
            solver.assert(c);
        }
        solver.push();
        solver.assert(Bool::or(&goal));
        stats.size = enc.size();
        stats.encode = t1.elapsed();
        let t2 = Instant::now();
        let vars: Vec<(Fault, Bool)> = enc
            .faults
            .by_fault
            .iter()
            .map(|(f, b)| (*f, b.clone()))
            .collect();
        let stopped = || cancel.interrupted() || cancel.timed_out();
        let mut found = Vec::new();
        let mut complete = false;
        // Once interrupted, z3 may drop assertions and answer `sat` with
        // nothing asserted: no answer after a cancel is trusted.
        let interrupted = || NoAnswer("the solver (z3) was interrupted".into());
        loop {
            stats.solver_calls += 1;
            let result = solver.check();
            if stopped() {
                if found.is_empty() {
                    return Err(interrupted());
                }
                break;
            }
            match result {
                SatResult::Unsat => {
                    complete = true;
                    break;
                }
                SatResult::Sat => {}
                SatResult::Unknown if !found.is_empty() => break,
                SatResult::Unknown => {
                    return Err(NoAnswer(format!(
                        "the solver (z3) gave no answer ({})",
                        solver
                            .get_reason_unknown()
                            .unwrap_or_else(|| "unknown".into())
                    )));
                }
            }
            // An interrupted check may claim `sat` without a model: no answer.
            let model = match want {
                Goal::First => decode(&solver, &vars),
                Goal::Smallest | Goal::All => smallest(&solver, &vars, &mut stats, &stopped),
            };
            let Some(set) = model else {
                if found.is_empty() {
                    return Err(interrupted());
                }
                break;
            };
            // Its supersets are not minimal.
            let lits: Vec<Bool> = vars
                .iter()
                .filter(|(f, _)| set.iter().any(|g| g == f))
                .map(|(_, b)| b.not())
                .collect();
            solver.assert(Bool::or(&lits));
            found.push(set.normalized());
            if !all || found.len() >= MAX_ALL || stopped() || lits.is_empty() {
                break;
            }
        }
        stats.pre_reachable = !found.is_empty();
        if found.is_empty() {
            // A proof: is it vacuous? Some admissible run holding a `pre`?
            solver.pop(1);
            solver.assert(Bool::or(&some_pre));
            stats.solver_calls += 1;
            let result = solver.check();
            if stopped() {
                return Err(interrupted());
            }
            stats.pre_reachable = match result {
                SatResult::Sat => true,
                SatResult::Unsat => false,
                SatResult::Unknown => {
                    return Err(NoAnswer(format!(
                        "the solver (z3) gave no answer on whether any run holds a pre tuple ({})",
                        solver
                            .get_reason_unknown()
                            .unwrap_or_else(|| "unknown".into())
                    )));
                }
            };
        }
        stats.solve = t2.elapsed();
        Ok((found, complete))
    });
    let (sets, complete) = match solved {
        Ok((sets, _)) if sets.is_empty() => return Ok(Answer::Holds(stats)),
        Ok(found) => found,
        Err(NoAnswer(reason)) => return Ok(Answer::Unknown { reason, stats }),
    };
    let mut counterexamples = Vec::with_capacity(sets.len());
    for faults in sets {
        let run = match target.run_until(&faults, cancel) {
            Ok(run) => run,
            Err(Error::Eval(
                dedalus::eval::EvalError::Interrupted { .. }
                | dedalus::eval::EvalError::TimedOut { .. },
            )) if counterexamples.is_empty() => {
                let reason = "the run confirming the solver's counterexample was cut short".into();
                return Ok(Answer::Unknown { reason, stats });
            }
            Err(Error::Eval(
                dedalus::eval::EvalError::Interrupted { .. }
                | dedalus::eval::EvalError::TimedOut { .. },
            )) => break,
            Err(e) => return Err(e),
        };
        if !matches!(target.judge(&run), Judgement::Violated(_)) {
            return Err(Error::Internal(format!(
                "the symbolic encoding and the evaluator disagree: the formula says {} violates the \
                 specification, but its run does not (replay: {})",
                faults.describe(&space.nodes),
                target.replay(&faults)
            )));
        }
        counterexamples.push((faults, Box::new(run)));
    }
    Ok(Answer::Violated {
        counterexamples,
        complete,
        stats,
    })
}

/// The model's fault set made smallest: a bound on the number of faults
/// tightened until UNSAT (an interrupted tightening keeps the best so far).
fn smallest(
    solver: &Solver,
    vars: &[(Fault, Bool)],
    stats: &mut Stats,
    stopped: &dyn Fn() -> bool,
) -> Option<FaultSet> {
    let mut best = decode(solver, vars)?;
    let all: Vec<&Bool> = vars.iter().map(|(_, b)| b).collect();
    while !best.is_empty() && !stopped() {
        solver.push();
        solver.assert(z3::ast::atmost(all.iter().copied(), best.len() as u32 - 1));
        stats.solver_calls += 1;
        let sat = solver.check() == SatResult::Sat && !stopped();
        let smaller = sat.then(|| decode(solver, vars)).flatten();
        solver.pop(1);
        match smaller {
            Some(s) => best = s,
            None => break,
        }
    }
    Some(best)
}

/// The faults the solver's model chose (`None`: it has no model).
fn decode(solver: &Solver, vars: &[(Fault, Bool)]) -> Option<FaultSet> {
    let model = solver.get_model()?;
    Some(
        vars.iter()
            .filter(|(_, b)| model.eval(b, true).and_then(|v| v.as_bool()) == Some(true))
            .map(|(f, _)| *f)
            .collect(),
    )
}

/// The certificate of an unsatisfiable formula: what it covers and the
/// size of the formula (and that it holds vacuously, if no admissible run
/// holds a `pre` tuple).
pub(crate) fn certificate(covered: &Covered, st: &Stats) -> String {
    format!(
        "no admissible fault schedule violates the specification for {}: proved symbolically \
         (one formula of every admissible run: {} ground tuples, {} in the cone of pre/post, {} variables, \
         {} constraints; unsatisfiable){}",
        covered.bounds(),
        st.size.ground_tuples,
        st.size.cone,
        st.size.variables,
        st.size.constraints,
        if st.pre_reachable {
            ""
        } else {
            "; but no admissible run ever holds a `pre` tuple at EOT: the specification holds vacuously"
        }
    )
}

/// The symbolic encoding alone: the failure-free run, then the formula;
/// its certificate is the unsatisfiable formula.
#[derive(Clone, Copy, Debug, Default)]
pub struct Symbolic;

/// The identity of [`Symbolic`].
pub const ID: StrategyId = StrategyId::new("symbolic");

impl SearchStrategy for Symbolic {
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
        let run = target.run_until(&none, &cancel);
        if s.record(none, run, &mut |_| {})? {
            return s.finish(progress);
        }
        progress(&s.solving());
        let goal = if budget.all {
            Goal::All
        } else {
            Goal::Smallest
        };
        match decide(target, &cancel, goal)? {
            Answer::Holds(stats) => {
                let statement = |covered: &Covered| certificate(covered, &stats);
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
                if budget.all && !complete {
                    let reason = format!("stopped listing counterexamples after {MAX_ALL}");
                    return s.inconclusive(reason, progress);
                }
                s.finish(progress)
            }
            Answer::Unknown { reason, stats } => {
                s.symbolic(stats);
                s.inconclusive(reason, progress)
            }
        }
    }
}
