//! Bounded model checking of the program itself: exact verdicts.
//!
//! The program is grounded over every tuple-at-time some admissible run can
//! hold ([`dedalus::eval::ground`]), encoded as one formula whose models are
//! exactly the admissible runs ([`encode`]), and z3 is asked for a run in
//! which some `pre(x)` holds at EOT without `post(x)`. UNSAT is a proof for
//! the whole bounded fault space, negation, aggregates, crashes and delays
//! included; SAT is a fault set, made smallest with the solver (a bound on
//! the number of faults tightened until UNSAT) and confirmed by a concrete
//! run. An encoding and an evaluator that disagree are an internal error,
//! never a silent verdict. Lineage (module [`crate::ldfi`]) stays what it is
//! best at: finding shallow bugs in a few runs and explaining them.

mod encode;

use std::time::{Duration, Instant};

use dedalus::eval::ground::GroundLimits;
use dedalus::eval::{Cancel, Run};
use z3::ast::Bool;
use z3::{Params, SatResult, Solver};

use crate::faults::{Fault, FaultSet, FaultSpace};
use crate::search::{Budget, Progress, Searcher};
use crate::solver::{NoAnswer, interruptible};
use crate::target::{Judgement, Target};
use crate::verdict::Proof;
use crate::{Error, Outcome};

pub use encode::Size;

/// What a symbolic check cost.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Stats {
    /// The size of the formula.
    pub size: Size,
    /// Time to ground the program.
    pub ground: Duration,
    /// Time to build the formula.
    pub encode: Duration,
    /// Time in the solver (the query and the minimisation).
    pub solve: Duration,
    /// Solver calls.
    pub solver_calls: u32,
    /// Some admissible run may hold a `pre` tuple at EOT (else every run is vacuous).
    pub pre_possible: bool,
}

/// The answer of a symbolic check.
#[derive(Debug)]
pub enum Answer {
    /// No admissible fault schedule violates the specification.
    Holds(Stats),
    /// A violating fault set, smallest by number of faults, and its run.
    Violated {
        /// The faults.
        faults: FaultSet,
        /// The run under them (it violates the specification).
        run: Box<Run>,
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
        self.crashes == 0 && sent >= self.eff
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

/// Decides whether some admissible fault set violates `target`'s
/// specification, giving up when `cancel` says so (Ctrl-C, the deadline).
pub fn decide(target: &Target, cancel: &Cancel) -> Result<Answer, Error> {
    let mut stats = Stats::default();
    let space = &target.space;
    let t0 = Instant::now();
    let grounding = match target
        .evaluator()
        .ground(space.eot, space, GroundLimits::default())
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
    let (pre, post) = (
        program
            .relation("pre")
            .expect("targets have a specification"),
        program
            .relation("post")
            .expect("targets have a specification"),
    );
    let eot = space.eot;
    let solved = interruptible(cancel, || {
        let t1 = Instant::now();
        let mut enc = encode::Encoder::new(&grounding, space);
        let pres: Vec<_> = grounding.rows(pre, eot).collect();
        stats.pre_possible = !pres.is_empty();
        let mut goal = Vec::with_capacity(pres.len());
        for p in pres {
            let vals = grounding.tuple(p).2;
            let q = grounding.find(post, vals, eot);
            let (hp, hq) = (enc.holds(Some(p)), enc.holds(q));
            goal.push(Bool::and(&[hp, hq.not()]));
        }
        enc.close();
        let solver = Solver::new();
        // Ctrl-C is ours (see `interruptible`), not z3's.
        let mut params = Params::new();
        params.set_bool("ctrl_c", false);
        solver.set_params(&params);
        for c in &enc.constraints {
            solver.assert(c);
        }
        solver.assert(Bool::or(&goal));
        stats.size = enc.size();
        stats.encode = t1.elapsed();
        let t2 = Instant::now();
        let vars: Vec<(Fault, Bool)> = enc.faults.iter().map(|(f, b)| (*f, b.clone())).collect();
        stats.solver_calls += 1;
        let mut best = match solver.check() {
            SatResult::Unsat => {
                stats.solve = t2.elapsed();
                return Ok(None);
            }
            SatResult::Sat => decode(&solver, &vars),
            SatResult::Unknown => {
                return Err(NoAnswer(format!(
                    "the solver (z3) gave no answer ({})",
                    solver
                        .get_reason_unknown()
                        .unwrap_or_else(|| "unknown".into())
                )));
            }
        };
        // Smallest: tighten a bound on the number of faults until UNSAT (an
        // interrupted tightening keeps the best set so far).
        let all: Vec<&Bool> = vars.iter().map(|(_, b)| b).collect();
        while !best.is_empty() && !cancel.interrupted() && !cancel.timed_out() {
            solver.push();
            solver.assert(z3::ast::atmost(all.iter().copied(), best.len() as u32 - 1));
            stats.solver_calls += 1;
            let smaller = (solver.check() == SatResult::Sat).then(|| decode(&solver, &vars));
            solver.pop(1);
            match smaller {
                Some(s) => best = s,
                None => break,
            }
        }
        stats.solve = t2.elapsed();
        Ok(Some(best.normalized()))
    });
    let faults = match solved {
        Ok(None) => return Ok(Answer::Holds(stats)),
        Ok(Some(faults)) => faults,
        Err(NoAnswer(reason)) => return Ok(Answer::Unknown { reason, stats }),
    };
    let run = target.run_until(&faults, cancel)?;
    if !matches!(target.judge(&run), Judgement::Violated(_)) {
        return Err(Error::Internal(format!(
            "the symbolic encoding and the evaluator disagree: the formula says {} violates the \
             specification, but its run does not (replay: {})",
            faults.describe(&space.nodes),
            target.replay(&faults)
        )));
    }
    Ok(Answer::Violated {
        faults,
        run: Box::new(run),
        stats,
    })
}

/// The faults a model chose.
fn decode(solver: &Solver, vars: &[(Fault, Bool)]) -> FaultSet {
    let Some(model) = solver.get_model() else {
        return FaultSet::none();
    };
    vars.iter()
        .filter(|(_, b)| model.eval(b, true).and_then(|v| v.as_bool()) == Some(true))
        .map(|(f, _)| *f)
        .collect()
}

/// The symbolic strategy: the failure-free run, then the formula alone.
pub fn search(
    target: &Target,
    budget: &Budget,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Outcome, Error> {
    let mut s = Searcher::new(target, "symbolic", budget, Instant::now());
    let cancel = s.cancel();
    let none = FaultSet::none();
    let run = target.run_until(&none, &cancel);
    if s.record(none, run, &mut |_| {})? {
        return s.finish(progress);
    }
    match decide(target, &cancel)? {
        Answer::Holds(stats) => s.certify(Proof::Symbolic(stats), progress),
        Answer::Violated { faults, run, stats } => {
            s.symbolic(stats);
            s.record(faults, Ok(*run), &mut |_| {})?;
            s.finish(progress)
        }
        Answer::Unknown { reason, stats } => {
            s.symbolic(stats);
            s.inconclusive(reason, progress)
        }
    }
}
