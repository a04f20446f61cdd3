//! A program under test with its bounds: runs fault sets and judges them.

use std::path::PathBuf;

use dedalus::Program;
use dedalus::eval::{Cancel, Evaluator, Limits, Run, RunConfig};

use crate::Error;
use crate::faults::{FaultSet, FaultSpace};
use crate::verdict::{Counterexample, Datum, replay_line};

/// How one run fared against the specification (docs/dedalus.md §6).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Judgement {
    /// Every `pre` tuple has its `post`.
    Correct,
    /// No `pre` tuple at all: vacuously correct.
    Vacuous,
    /// These `pre` tuples have no `post`.
    Violated(Vec<Vec<Datum>>),
}

/// A checked program, its files and the fault space to search.
#[derive(Debug, Clone)]
pub struct Target {
    /// The program's files, as given (for replay lines).
    pub files: Vec<PathBuf>,
    space: FaultSpace,
    /// The runaway budget of every run.
    pub limits: Limits,
    eval: Evaluator,
}

impl Target {
    /// Compiles `program` for the space's nodes after checking the bounds
    /// and that the program has a specification.
    ///
    /// `max_delay` is clamped to EOT − 2: a message sent at t ≥ 1 and delayed
    /// longer arrives after EOT, a run no different from a larger delay's,
    /// while every extra delay value costs the search variables.
    pub fn new(
        files: Vec<PathBuf>,
        program: &Program,
        mut space: FaultSpace,
    ) -> Result<Target, Error> {
        space.validate()?;
        space.max_delay = space.max_delay.min(space.eot.saturating_sub(2));
        match program.spec() {
            Ok(_) => {}
            Err(dedalus::SpecError::Arity { pre: a, post: b }) => {
                return Err(Error::Specification(format!(
                    "the specification is malformed: `pre` has {a} column{} but `post` has {b}; \
                     pre(x) => post(x) pairs tuples of the same arity",
                    if a == 1 { "" } else { "s" }
                )));
            }
            Err(_) => return Err(Error::NoSpecification),
        }
        let eval = Evaluator::new(program, &space.nodes)?;
        Ok(Target {
            files,
            space,
            limits: Limits::default(),
            eval,
        })
    }

    /// Sets the fault model: whether messages may be lost by omission
    /// (`false`: reliable, unordered channels, where messages are only late
    /// or silenced by a crash). The nodes and bounds stay as validated.
    pub fn set_omissions(&mut self, omissions: bool) {
        self.space.omissions = omissions;
    }

    /// The fault space (validated, `max_delay` clamped; fixed for the
    /// target's life, since the program is compiled for its nodes).
    pub fn space(&self) -> &FaultSpace {
        &self.space
    }

    /// The compiled program.
    pub fn evaluator(&self) -> &Evaluator {
        &self.eval
    }

    /// Evaluates the run with `faults` (an error if a fault names a node
    /// the target does not have, or lies outside its bounds).
    pub fn run(&self, faults: &FaultSet) -> Result<Run, Error> {
        self.run_until(faults, &Cancel::never())
    }

    /// Evaluates the run with `faults`, giving up when `cancel` says so.
    pub fn run_until(&self, faults: &FaultSet, cancel: &Cancel) -> Result<Run, Error> {
        Ok(self.eval.run_until(&self.config(faults), cancel)?)
    }

    fn config(&self, faults: &FaultSet) -> RunConfig {
        RunConfig {
            eot: self.space.eot,
            eff: self.space.eff,
            max_delay: self.space.max_delay,
            faults: faults.clone(),
            limits: self.limits,
        }
    }

    /// The runtime error (docs/dedalus.md §8) that stops the run with
    /// `faults`, with the run up to it; `None` if the run reaches EOT or
    /// stops for another reason.
    pub fn runtime_error(&self, faults: &FaultSet) -> Option<(String, Run)> {
        match self
            .eval
            .run_to_error(&self.config(faults), &Cancel::never())
        {
            Err((e @ dedalus::eval::EvalError::Runtime { .. }, Some(partial))) => {
                Some((e.to_string(), *partial))
            }
            _ => None,
        }
    }

    /// A fault set under which a run stops with a runtime error, made
    /// subset-minimal like [`Target::shrink`]: a finding, not a certificate.
    /// `None` if the failure-free run itself fails (a plain program error).
    pub fn shrink_error(&self, faults: FaultSet) -> Option<(Counterexample, usize)> {
        let (mut error, mut run) = self.runtime_error(&faults)?;
        let mut faults = faults;
        let mut extra = 0;
        let mut i = 0;
        while i < faults.len() {
            let fewer: FaultSet = faults
                .iter()
                .enumerate()
                .filter(|&(j, _)| j != i)
                .map(|(_, f)| *f)
                .collect();
            extra += 1;
            match self.runtime_error(&fewer) {
                Some((e, r)) => {
                    faults = fewer;
                    (error, run) = (e, r);
                }
                None => i += 1,
            }
        }
        if faults.is_empty() {
            return None;
        }
        let replay = self.replay(&faults);
        Some((
            Counterexample {
                faults,
                violated: Vec::new(),
                run,
                replay,
                error: Some(error),
            },
            extra,
        ))
    }

    /// Checks the specification on a run.
    pub fn judge(&self, run: &Run) -> Judgement {
        let violations = run.violations().unwrap_or_default();
        if !violations.is_empty() {
            Judgement::Violated(
                violations
                    .iter()
                    .map(|r| Datum::row(r, run.interner()))
                    .collect(),
            )
        } else if run.pre_count() == 0 {
            Judgement::Vacuous
        } else {
            Judgement::Correct
        }
    }

    /// The replay command of a fault set.
    pub fn replay(&self, faults: &FaultSet) -> String {
        replay_line(&self.files, &self.space, faults)
    }

    /// Makes a violating fault set subset-minimal by dropping faults one at a
    /// time while the run still violates; returns the counterexample and the
    /// number of extra runs. [`Error::NotViolated`] if `run` does not
    /// violate the specification.
    pub fn shrink(&self, faults: FaultSet, run: Run) -> Result<(Counterexample, usize), Error> {
        self.shrink_until(faults, run, &Cancel::never())
    }

    /// [`Target::shrink`], stopping early when `cancel` says so (Ctrl-C,
    /// --timeout): the counterexample then still violates the
    /// specification but may not be minimal.
    pub fn shrink_until(
        &self,
        faults: FaultSet,
        run: Run,
        cancel: &Cancel,
    ) -> Result<(Counterexample, usize), Error> {
        use dedalus::eval::EvalError;
        // A run, or `None` once `cancel` stops the shrinking.
        let attempt = |set: &FaultSet| match self.run_until(set, cancel) {
            Ok(run) => Ok(Some(run)),
            Err(Error::Eval(EvalError::Interrupted { .. } | EvalError::TimedOut { .. })) => {
                Ok(None)
            }
            Err(e) => Err(e),
        };
        let not_violated = |faults: &FaultSet| Error::NotViolated {
            faults: faults.describe(&self.space.nodes),
        };
        if !matches!(self.judge(&run), Judgement::Violated(_)) {
            return Err(not_violated(&faults));
        }
        let (mut faults, mut run) = (faults, run);
        let mut extra = 0;
        let mut i = 0;
        let mut stopped = false;
        while i < faults.len() {
            let fewer: FaultSet = faults
                .iter()
                .enumerate()
                .filter(|&(j, _)| j != i)
                .map(|(_, f)| *f)
                .collect();
            let Some(candidate) = attempt(&fewer)? else {
                stopped = true;
                break;
            };
            extra += 1;
            if matches!(self.judge(&candidate), Judgement::Violated(_)) {
                faults = fewer;
                run = candidate;
            } else {
                i += 1;
            }
        }
        // Then each delay as short as still violates: 1, 2, 4, ... below it.
        for f in faults.iter().copied().collect::<Vec<_>>() {
            let crate::faults::Fault::Delay { from, to, time, by } = f else {
                continue;
            };
            let mut shorter = 1;
            while shorter < by && !stopped {
                let candidate_set: FaultSet = faults
                    .iter()
                    .map(|&g| {
                        if g == f {
                            crate::faults::Fault::Delay {
                                from,
                                to,
                                time,
                                by: shorter,
                            }
                        } else {
                            g
                        }
                    })
                    .collect();
                let Some(candidate) = attempt(&candidate_set)? else {
                    stopped = true;
                    break;
                };
                extra += 1;
                if matches!(self.judge(&candidate), Judgement::Violated(_)) {
                    faults = candidate_set;
                    run = candidate;
                    break;
                }
                shorter = shorter.saturating_mul(2);
            }
        }
        let Judgement::Violated(violated) = self.judge(&run) else {
            // Shrinking keeps the run violating; say so rather than panic.
            return Err(not_violated(&faults));
        };
        let replay = self.replay(&faults);
        Ok((
            Counterexample {
                faults,
                violated,
                run,
                replay,
                error: None,
            },
            extra,
        ))
    }
}
