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

use dedalus::eval::Run;
use dedalus::eval::ground::{GroundError, GroundLimits};
use z3::ast::Bool;
use z3::{Params, SatResult, Solver};

use crate::faults::{Fault, FaultSet, FaultSpace};
use crate::search::{Budget, Progress, Searcher};
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
/// specification, giving up at `deadline`.
pub fn decide(target: &Target, deadline: Option<Instant>) -> Result<Answer, Error> {
    let mut stats = Stats::default();
    let space = &target.space;
    let t0 = Instant::now();
    let grounding = match target
        .evaluator()
        .ground(space.eot, space, GroundLimits::default())
    {
        Ok(g) => g,
        Err(e @ (GroundError::TooLarge { .. } | GroundError::Runtime(_))) => {
            stats.ground = t0.elapsed();
            return Ok(Answer::Unknown {
                reason: format!("no symbolic proof: {e}"),
                stats,
            });
        }
        Err(e) => return Err(Error::Internal(e.to_string())),
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
    z3::with_z3_config(&z3::Config::new(), || {
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
        for c in &enc.constraints {
            solver.assert(c);
        }
        solver.assert(Bool::or(&goal));
        stats.size = enc.size();
        stats.encode = t1.elapsed();
        let t2 = Instant::now();
        let check = |solver: &Solver, stats: &mut Stats| -> Option<SatResult> {
            if let Some(d) = deadline {
                let left = d.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return None;
                }
                let mut params = Params::new();
                params.set_u32(
                    "timeout",
                    left.as_millis().clamp(1, u32::MAX as u128) as u32,
                );
                solver.set_params(&params);
            }
            stats.solver_calls += 1;
            Some(solver.check())
        };
        let vars: Vec<(Fault, Bool)> = enc.faults.iter().map(|(f, b)| (*f, b.clone())).collect();
        let unknown = |solver: &Solver, stats: Stats| Answer::Unknown {
            reason: format!(
                "the solver gave no answer ({})",
                solver
                    .get_reason_unknown()
                    .unwrap_or_else(|| "timeout".into())
            ),
            stats,
        };
        let mut best = match check(&solver, &mut stats) {
            Some(SatResult::Unsat) => {
                stats.solve = t2.elapsed();
                return Ok(Answer::Holds(stats));
            }
            Some(SatResult::Sat) => decode(&solver, &vars),
            _ => {
                stats.solve = t2.elapsed();
                return Ok(unknown(&solver, stats));
            }
        };
        // Smallest: tighten a bound on the number of faults until UNSAT (an
        // answer that runs out of time keeps the best set so far).
        let all: Vec<&Bool> = vars.iter().map(|(_, b)| b).collect();
        while !best.is_empty() {
            solver.push();
            solver.assert(z3::ast::atmost(all.iter().copied(), best.len() as u32 - 1));
            let r = check(&solver, &mut stats);
            let smaller = (r == Some(SatResult::Sat)).then(|| decode(&solver, &vars));
            solver.pop(1);
            match smaller {
                Some(s) => best = s,
                None => break,
            }
        }
        stats.solve = t2.elapsed();
        let faults = best.normalized();
        let run = target.run(&faults)?;
        if !matches!(target.judge(&run), Judgement::Violated(_)) {
            return Err(Error::Internal(format!(
                "the symbolic encoding and the evaluator disagree: the formula says {} violates the \
                 specification, but its run does not (replay: {}); please report this with the program",
                faults.describe(&space.nodes),
                target.replay(&faults)
            )));
        }
        Ok(Answer::Violated {
            faults,
            run: Box::new(run),
            stats,
        })
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
    let none = FaultSet::none();
    let run = target.run(&none)?;
    if s.record(none, run, &mut |_| {})? {
        return s.finish(progress);
    }
    let deadline = budget.timeout.map(|t| s.start() + t);
    match decide(target, deadline)? {
        Answer::Holds(stats) => s.certify(Proof::Symbolic(stats), progress),
        Answer::Violated { faults, run, stats } => {
            s.symbolic(stats);
            s.record(faults, *run, &mut |_| {})?;
            s.finish(progress)
        }
        Answer::Unknown { reason, stats } => {
            s.symbolic(stats);
            s.inconclusive(reason, progress)
        }
    }
}
