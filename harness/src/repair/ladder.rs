//! The robustness ladder and counterexample-guided verification.
//!
//! A patch verified at the spec's bounds may hold only because of them: a
//! retry that lands because omissions stop at EFF, a quorum that is reached
//! because the run ends before anything else can go wrong. The ladder
//! re-checks a program on stress bounds derived from the spec's, one
//! dimension at a time ([`Rung`]): omissions allowed up to EOT, three more
//! steps, one more crash, one more step of delay — always in the spec's
//! fault model (reliable channels stay reliable). The same ladder applied
//! to the original program says which dimensions its bug lives in.
//!
//! Every check goes through a [`Verifier`], which first replays every
//! counterexample collected so far (a run is microseconds) and runs the
//! full search only on survivors; a counterexample the search finds joins
//! the set. It counts what it did ([`Effort`]).

use std::fmt::Write as _;
use std::path::PathBuf;

use serde::Serialize;

use crate::Error;
use crate::api::search;
use crate::faults::{FaultSet, FaultSpace};
use crate::portfolio::Portfolio;
use crate::search::Budget;
use crate::target::{Judgement, Target};
use crate::verdict::Verdict;

/// One set of bounds of the ladder.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rung {
    /// The spec's own bounds.
    Spec,
    /// Omissions (and delays) allowed up to EOT: EFF = EOT.
    EffAtEot,
    /// Three more steps: EOT + 3 and EFF + 3.
    LongerRun,
    /// One more crash (where the node count allows).
    MoreCrashes,
    /// One more step of delay: `max_delay` + 1.
    LongerDelay,
}

impl Rung {
    /// Every rung, in the order shown.
    pub const ALL: [Rung; 5] = [
        Rung::Spec,
        Rung::EffAtEot,
        Rung::LongerRun,
        Rung::MoreCrashes,
        Rung::LongerDelay,
    ];

    /// The rung's short name, as shown in a row of marks.
    pub fn label(self) -> &'static str {
        match self {
            Rung::Spec => "spec",
            Rung::EffAtEot => "EFF=EOT",
            Rung::LongerRun => "EOT+3",
            Rung::MoreCrashes => "crash+1",
            Rung::LongerDelay => "delay+1",
        }
    }

    /// The rung's bounds derived from the spec's `space`; `None` where the
    /// rung adds nothing (EFF already at EOT) or the bounds do not allow it
    /// (every node but one may already crash; delays longer than the run).
    pub fn bounds(self, space: &FaultSpace) -> Option<FaultSpace> {
        let mut s = space.clone();
        match self {
            Rung::Spec => {}
            Rung::EffAtEot => {
                if s.eff >= s.eot {
                    return None;
                }
                s.eff = s.eot;
            }
            Rung::LongerRun => {
                s.eot += 3;
                s.eff += 3;
            }
            Rung::MoreCrashes => {
                if s.crashes as usize + 1 >= s.nodes.len() {
                    return None;
                }
                s.crashes += 1;
            }
            Rung::LongerDelay => {
                // Target::new clamps delays to EOT - 2.
                if s.max_delay + 1 > s.eot.saturating_sub(2) {
                    return None;
                }
                s.max_delay += 1;
            }
        }
        Some(s)
    }

    /// Why a program that holds at the spec's bounds but not on this rung
    /// holds there.
    pub fn only_because(self) -> &'static str {
        match self {
            Rung::Spec => "it holds nowhere",
            Rung::EffAtEot => "holds only because omissions stop at EFF",
            Rung::LongerRun => "holds only because the run ends at EOT",
            Rung::MoreCrashes => "holds only because no more nodes crash",
            Rung::LongerDelay => "holds only because no message is later than max_delay",
        }
    }

    /// The dimension a bug that shows on this rung lives in.
    pub fn dimension(self) -> &'static str {
        match self {
            Rung::Spec => "the spec's bounds",
            Rung::EffAtEot => "late omissions",
            Rung::LongerRun => "a longer run",
            Rung::MoreCrashes => "one more crash",
            Rung::LongerDelay => "longer delays",
        }
    }
}

/// What one check at one rung found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "mark", rename_all = "snake_case")]
pub enum Mark {
    /// No admissible schedule violates the specification.
    Holds,
    /// A counterexample.
    Broken {
        /// The faults, described.
        faults: String,
        /// The command that replays it.
        replay: String,
        /// Whether a known counterexample found it (no search needed).
        replayed: bool,
    },
    /// The search could not decide (budget, interrupt, `pre` unreachable).
    Inconclusive {
        /// Why.
        detail: String,
    },
}

impl Mark {
    /// `✓`, `✗` or `?`.
    pub fn symbol(&self) -> &'static str {
        match self {
            Mark::Holds => "✓",
            Mark::Broken { .. } => "✗",
            Mark::Inconclusive { .. } => "?",
        }
    }
}

/// One rung, checked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Step {
    /// Which rung.
    pub rung: Rung,
    /// Its bounds, e.g. `EOT 9, EFF 7, crashes 1, max_delay 0`.
    pub bounds: String,
    /// What the check found.
    pub mark: Mark,
}

/// The rungs checked for one program, in [`Rung::ALL`] order (rungs the
/// bounds do not allow are left out).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Ladder {
    /// The rungs.
    pub steps: Vec<Step>,
}

impl Ladder {
    /// Rungs on which the program holds.
    pub fn held(&self) -> usize {
        self.steps.iter().filter(|s| s.mark == Mark::Holds).count()
    }

    /// Whether it holds on every rung.
    pub fn holds_everywhere(&self) -> bool {
        self.steps.iter().all(|s| s.mark == Mark::Holds)
    }

    /// The rungs on which it does not hold.
    pub fn failed(&self) -> impl Iterator<Item = &Step> {
        self.steps.iter().filter(|s| s.mark != Mark::Holds)
    }

    /// One row of marks: `✓ spec  ✗ EFF=EOT  ✓ EOT+3`.
    pub fn marks(&self) -> String {
        let mut out = String::new();
        for s in &self.steps {
            if !out.is_empty() {
                out.push_str("  ");
            }
            let _ = write!(out, "{} {}", s.mark.symbol(), s.rung.label());
        }
        out
    }

    /// For a program that holds at the spec's bounds but not on every
    /// rung: why it holds (`holds only because omissions stop at EFF`).
    pub fn caveat(&self) -> Option<String> {
        let spec_holds = self
            .steps
            .iter()
            .any(|s| s.rung == Rung::Spec && s.mark == Mark::Holds);
        let broken: Vec<&str> = self
            .steps
            .iter()
            .filter(|s| matches!(s.mark, Mark::Broken { .. }))
            .map(|s| s.rung.only_because())
            .collect();
        (spec_holds && !broken.is_empty()).then(|| broken.join("; "))
    }
}

/// What the verification of candidates cost.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Effort {
    /// Programs checked (candidates, and the original on the ladder).
    pub checks: usize,
    /// Known counterexamples replayed before a search.
    pub replays: usize,
    /// Full searches.
    pub searches: usize,
    /// Solver calls the searches made.
    pub solver_calls: u64,
    /// Runs the searches and replays made.
    pub runs: usize,
}

/// Checks programs at given bounds, counterexample first: every fault set
/// that broke a program so far is replayed before a full search.
#[derive(Debug, Default)]
pub struct Verifier {
    known: Vec<FaultSet>,
    /// What it did so far.
    pub effort: Effort,
}

/// What a [`Verifier`] check found.
#[derive(Debug)]
pub enum Verification {
    /// The search proved it.
    Holds {
        /// The certificate.
        certificate: String,
    },
    /// A counterexample.
    Broken(Mark),
    /// Undecided.
    Inconclusive(String),
}

impl Verifier {
    /// Remembers a fault set that broke some program.
    pub fn learn(&mut self, faults: &FaultSet) {
        if !faults.is_empty() && !self.known.contains(faults) {
            self.known.push(faults.clone());
        }
    }

    /// Checks `target` at its own bounds: every known counterexample that
    /// is admissible there first, then the exact search.
    pub fn check(&mut self, target: &Target, budget: &Budget) -> Result<Verification, Error> {
        self.effort.checks += 1;
        for faults in &self.known {
            if !target.space().admits(faults) {
                continue;
            }
            self.effort.replays += 1;
            self.effort.runs += 1;
            let run = target.run(faults)?;
            if let Judgement::Violated(_) = target.judge(&run) {
                let (cx, extra) = target.shrink(faults.clone(), run)?;
                self.effort.runs += extra;
                return Ok(Verification::Broken(Mark::Broken {
                    faults: cx.faults.describe(&target.space().nodes),
                    replay: cx.replay,
                    replayed: true,
                }));
            }
        }
        self.effort.searches += 1;
        let outcome = search(target, Portfolio::default(), budget, &mut |_| {})?;
        self.effort.runs += outcome.runs;
        self.effort.solver_calls += outcome
            .symbolic
            .as_ref()
            .map_or(0, |s| u64::from(s.solver_calls));
        Ok(match (&outcome.verdict, outcome.counterexample()) {
            (Verdict::Holds, _) if !outcome.vacuous() => Verification::Holds {
                certificate: outcome.certificate(),
            },
            (Verdict::Violated, Some(cx)) => {
                let mark = Mark::Broken {
                    faults: cx.faults.describe(&target.space().nodes),
                    replay: cx.replay.clone(),
                    replayed: false,
                };
                let faults = cx.faults.clone();
                self.learn(&faults);
                Verification::Broken(mark)
            }
            (Verdict::Holds, _) => {
                Verification::Inconclusive("holds vacuously: `pre` is never reached".into())
            }
            (v, _) => Verification::Inconclusive(v.name().to_string()),
        })
    }

    /// The ladder of a program (its files and loaded program) whose check at
    /// the spec's bounds gave `spec`: every other rung checked in turn.
    pub fn ladder(
        &mut self,
        base: &Target,
        files: &[PathBuf],
        program: &dedalus::Program,
        spec: Mark,
        budget: &Budget,
    ) -> Result<Ladder, Error> {
        let mut steps = vec![Step {
            rung: Rung::Spec,
            bounds: bounds_text(base.space()),
            mark: spec,
        }];
        for rung in &Rung::ALL[1..] {
            let Some(space) = rung.bounds(base.space()) else {
                continue;
            };
            let bounds = bounds_text(&space);
            let mut t = Target::new(files.to_vec(), program, space)?;
            t.limits = base.limits;
            let mark = match self.check(&t, budget)? {
                Verification::Holds { .. } => Mark::Holds,
                Verification::Broken(m) => m,
                Verification::Inconclusive(detail) => Mark::Inconclusive { detail },
            };
            steps.push(Step {
                rung: *rung,
                bounds,
                mark,
            });
        }
        Ok(Ladder { steps })
    }
}

/// `EOT 6, EFF 4, crashes 1, max_delay 0`.
fn bounds_text(s: &FaultSpace) -> String {
    format!(
        "EOT {}, EFF {}, crashes {}, max_delay {}{}",
        s.eot,
        s.eff,
        s.crashes,
        s.max_delay,
        s.model_note()
    )
}
