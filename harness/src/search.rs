//! What every search strategy shares: budgets, progress, and the
//! bookkeeping of runs and counterexamples.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use dedalus::eval::{Cancel, EvalError, Run};

use crate::Error;
use crate::faults::{Combinations, FaultSet, FaultSpace};
use crate::strategy::StrategyId;
use crate::target::{Judgement, Target};
use crate::verdict::{Counterexample, Outcome, Proof, Verdict};

/// Limits on a search, and whether to stop at the first counterexample.
#[derive(Clone, Debug, Default)]
pub struct Budget {
    /// Stop (inconclusive) after this many runs (the failure-free run,
    /// which every strategy makes first, is made even under a limit of 0).
    pub max_runs: Option<usize>,
    /// Stop (inconclusive) after this much wall time.
    pub timeout: Option<Duration>,
    /// Keep going after a counterexample, collecting all of them.
    pub all: bool,
    /// Stop (`interrupted`) as soon as this flag is raised: the CLI raises
    /// it on Ctrl-C. Runs and solver calls in flight are abandoned, never
    /// mistaken for an answer.
    pub interrupt: Option<Arc<AtomicBool>>,
    /// Told about every run the search makes (see [`SearchObserver`]).
    pub observer: Option<Observer>,
}

/// How one run of a search fared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RunVerdict {
    /// Every `pre` tuple has its `post`.
    Correct,
    /// No `pre` tuple at all.
    Vacuous,
    /// Some `pre` tuple has no `post`.
    Violated,
    /// The run stopped with a runtime error.
    Failed,
}

/// One run a search made, as its observer sees it.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct Observation<'a> {
    /// The faults it ran under.
    pub faults: &'a FaultSet,
    /// How it fared.
    pub verdict: RunVerdict,
    /// The run itself (`None` for a run that failed), to look at; an
    /// observer that wants to keep it says so (see [`SearchObserver::observe`]).
    pub run: Option<&'a Run>,
}

/// Something told about every run a search records, in the order the
/// search records them (the runs that shrink a counterexample excepted):
/// the good runs `nemo` compares a failure with, the fault sets tried, a
/// progress display.
pub trait SearchObserver: Send {
    /// Called once per run. Returning true asks for the run itself: the
    /// search hands over a correct or vacuous run (which it no longer
    /// needs) through [`SearchObserver::keep`]; a violating run it still
    /// shrinks is not handed over.
    fn observe(&mut self, seen: &Observation<'_>) -> bool;

    /// Receives a run [`SearchObserver::observe`] asked for.
    fn keep(&mut self, faults: FaultSet, run: Run) {
        let _ = (faults, run);
    }
}

/// A shared [`SearchObserver`], as a [`Budget`] holds it: the caller keeps
/// its own `Arc` to read what the observer gathered once the search is done.
#[derive(Clone)]
pub struct Observer(Arc<Mutex<dyn SearchObserver>>);

impl<T: SearchObserver + 'static> From<Arc<Mutex<T>>> for Observer {
    fn from(observer: Arc<Mutex<T>>) -> Observer {
        Observer(observer)
    }
}

impl std::fmt::Debug for Observer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Observer")
    }
}

impl Observer {
    fn lock(&self) -> std::sync::MutexGuard<'_, dyn SearchObserver + 'static> {
        // A panic in an earlier observer call poisons nothing we rely on.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Budget {
    /// This budget with its timeout at most `timeout` (a spec's own
    /// `timeout:`): the shorter of the two wins.
    pub fn within(&self, timeout: Option<Duration>) -> Budget {
        let timeout = match (self.timeout, timeout) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        Budget {
            timeout,
            ..self.clone()
        }
    }

    /// Whether the interrupt flag is raised.
    pub fn interrupted(&self) -> bool {
        self.interrupt
            .as_ref()
            .is_some_and(|f| f.load(Ordering::Relaxed))
    }
}

/// A progress report, sent before each round of runs.
#[derive(Clone, Debug)]
pub struct Progress {
    /// Runs so far.
    pub runs: usize,
    /// Counterexamples so far.
    pub counterexamples: usize,
    /// Time so far.
    pub elapsed: Duration,
    /// What the search is doing now.
    pub phase: Phase,
}

/// What a search is doing, for progress displays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Phase {
    /// Running fault sets.
    Runs,
    /// The symbolic check: grounding, encoding and solving the formula.
    Symbolic,
}

impl Phase {
    /// `runs` or `symbolic check`.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Runs => "runs",
            Phase::Symbolic => "symbolic check",
        }
    }
}

/// What a certificate covers: the fault space searched and the runs made.
pub(crate) struct Covered<'a> {
    /// The fault space.
    pub space: &'a FaultSpace,
    /// Its size.
    pub combinations: Combinations,
    /// Runs evaluated.
    pub runs: usize,
}

impl Covered<'_> {
    /// `nodes a,b,c, EOT 5, EFF 3, crashes 0, max_delay 0 (4096 admissible
    /// fault combinations)`.
    pub fn bounds(&self) -> String {
        let s = self.space;
        format!(
            "nodes {}, EOT {}, EFF {}, crashes {}, max_delay {}{} ({} admissible fault combinations)",
            s.nodes.join(","),
            s.eot,
            s.eff,
            s.crashes,
            s.max_delay,
            s.model_note(),
            self.combinations
        )
    }
}

/// How an inconclusive outcome says that a run under faults passed the
/// runaway budget.
const UNJUDGED: &str =
    "a run under faults passed the runaway budget, so it can be neither judged nor replayed";

/// `1 run`, `2 runs`.
fn runs(n: usize) -> String {
    format!("{n} run{}", if n == 1 { "" } else { "s" })
}

/// The state of one search.
pub(crate) struct Searcher<'t> {
    target: &'t Target,
    strategy: StrategyId,
    budget: &'t Budget,
    start: Instant,
    runs: usize,
    vacuous: usize,
    shrink_runs: usize,
    found: Vec<Counterexample>,
    symbolic: Option<crate::solver::Stats>,
    /// A run gave up (deadline or interrupt): nothing may be certified.
    gave_up: bool,
    /// Why a run under faults could not be judged (it passed the runaway
    /// budget): nothing may be certified.
    unjudged: Option<String>,
}

impl<'t> Searcher<'t> {
    pub fn new(
        target: &'t Target,
        strategy: StrategyId,
        budget: &'t Budget,
        start: Instant,
    ) -> Self {
        Searcher {
            target,
            strategy,
            budget,
            start,
            runs: 0,
            vacuous: 0,
            shrink_runs: 0,
            found: Vec::new(),
            symbolic: None,
            gave_up: false,
            unjudged: None,
        }
    }

    /// The target searched.
    pub fn target(&self) -> &'t Target {
        self.target
    }

    /// The budget searched within.
    pub fn budget(&self) -> &'t Budget {
        self.budget
    }

    /// The counterexamples found so far.
    pub fn found(&self) -> &[Counterexample] {
        &self.found
    }

    /// When the search started.
    pub fn start(&self) -> Instant {
        self.start
    }

    /// Takes over what another search of the same target found (a strategy
    /// this one composes): its runs, counterexamples and solver cost. An
    /// outcome that gave up leaves this search unable to certify.
    pub fn adopt(&mut self, other: Outcome) {
        self.runs += other.runs;
        self.vacuous += other.vacuous;
        self.shrink_runs += other.shrink_runs;
        if other.symbolic.is_some() {
            self.symbolic = other.symbolic;
        }
        for cx in other.counterexamples {
            if !self.found.iter().any(|c| c.faults == cx.faults) {
                self.found.push(cx);
            }
        }
        match other.verdict {
            Verdict::Interrupted => self.gave_up = true,
            Verdict::Inconclusive { reason }
                if self.unjudged.is_none() && reason.contains(UNJUDGED) =>
            {
                self.unjudged = Some(reason);
            }
            _ => {}
        }
    }

    /// Records what a symbolic check cost.
    pub fn symbolic(&mut self, stats: crate::solver::Stats) {
        self.symbolic = Some(stats);
    }

    /// Runs the budget still allows.
    pub fn runs_left(&self) -> usize {
        self.budget
            .max_runs
            .map_or(usize::MAX, |m| m.saturating_sub(self.runs))
    }

    /// When runs and solver calls must give up: the deadline of the
    /// budget's time limit and the interrupt flag.
    pub fn cancel(&self) -> Cancel {
        Cancel {
            deadline: self.budget.timeout.map(|t| self.start + t),
            flag: self.budget.interrupt.clone(),
        }
    }

    /// Why the search must stop now, if it must.
    pub fn exhausted(&self) -> Option<String> {
        if self.budget.interrupted() {
            return Some("interrupted".into());
        }
        if let Some(limit) = self.budget.max_runs
            && self.runs >= limit
        {
            let mut reason = format!(
                "stopped at the run limit ({}) after {}",
                runs(limit),
                runs(self.runs)
            );
            if self.runs > limit {
                reason.push_str(" (the failure-free run is always made)");
            }
            return Some(reason);
        }
        match self.budget.timeout {
            Some(t) if self.start.elapsed() >= t => Some(format!(
                "stopped at the time limit ({:.1} s)",
                t.as_secs_f64()
            )),
            _ => None,
        }
    }

    pub fn progress(&self) -> crate::search::Progress {
        Progress {
            runs: self.runs,
            counterexamples: self.found.len(),
            elapsed: self.start.elapsed(),
            phase: Phase::Runs,
        }
    }

    /// The progress report sent before the symbolic check.
    pub fn solving(&self) -> crate::search::Progress {
        Progress {
            phase: Phase::Symbolic,
            ..self.progress()
        }
    }

    /// Accounts for one run; `learn` sees every run. Returns true when the
    /// search should stop (a counterexample and not `--all`, or a run that
    /// gave up at the deadline or on an interrupt: the search then ends
    /// `inconclusive` or `interrupted`, see [`Searcher::finish`]).
    pub fn record(
        &mut self,
        faults: FaultSet,
        run: Result<Run, Error>,
        learn: &mut dyn FnMut(&Run),
    ) -> Result<bool, Error> {
        let run = match run {
            Ok(run) => run,
            Err(Error::Eval(EvalError::Interrupted { .. } | EvalError::TimedOut { .. })) => {
                self.gave_up = true;
                return Ok(true);
            }
            // A run only faults make pass the runaway budget can be neither
            // judged nor replayed: no certificate may cover it.
            Err(Error::Eval(e @ EvalError::Runaway { .. })) if !faults.is_empty() => {
                self.observe(&faults, RunVerdict::Failed, None);
                self.runs += 1;
                self.unjudged = Some(format!(
                    "{UNJUDGED} ({}): {e}",
                    faults.describe(&self.target.space().nodes)
                ));
                return Ok(true);
            }
            // A runtime error only faults trigger is a finding, never
            // grounds for a certificate (without faults, a program error).
            Err(Error::Eval(e @ EvalError::Runtime { .. })) => {
                self.observe(&faults, RunVerdict::Failed, None);
                let Some((cx, extra)) = self.target.shrink_error(faults) else {
                    return Err(Error::Eval(e));
                };
                self.runs += 1;
                self.shrink_runs += extra;
                if !self.found.iter().any(|c| c.faults == cx.faults) {
                    self.found.push(cx);
                }
                return Ok(!self.budget.all);
            }
            Err(e) => return Err(e),
        };
        self.runs += 1;
        learn(&run);
        let judgement = self.target.judge(&run);
        let verdict = match judgement {
            Judgement::Correct => RunVerdict::Correct,
            Judgement::Vacuous => RunVerdict::Vacuous,
            Judgement::Violated(_) => RunVerdict::Violated,
        };
        let wanted = self.observe(&faults, verdict, Some(&run));
        match judgement {
            Judgement::Correct => {
                self.hand_over(wanted, faults, run);
                Ok(false)
            }
            Judgement::Vacuous => {
                self.vacuous += 1;
                self.hand_over(wanted, faults, run);
                Ok(false)
            }
            Judgement::Violated(_) => {
                let (cx, extra) = self.shrink(faults, run)?;
                self.shrink_runs += extra;
                if !self.found.iter().any(|c| c.faults == cx.faults) {
                    self.found.push(cx);
                }
                Ok(!self.budget.all)
            }
        }
    }

    /// A violating fault set shrunk by replay to a subset-minimal one, and
    /// checked: without any one of its faults the run does not violate the
    /// specification (a one-pass shrink can leave a fault that a later
    /// removal made redundant; the check finds it and shrinks again). With
    /// the extra runs made. Stopped early by the deadline or an interrupt,
    /// the set still violates but may not be minimal.
    fn shrink(&self, faults: FaultSet, run: Run) -> Result<(Counterexample, usize), Error> {
        let cancel = self.cancel();
        let (faults, run, chunks) = self.halve(faults, run);
        let (mut cx, mut extra) = self.target.shrink_until(faults, run, &cancel)?;
        extra += chunks;
        'check: loop {
            for i in 0..cx.faults.len() {
                if cancel.interrupted() || cancel.timed_out() {
                    break 'check;
                }
                let fewer: FaultSet = cx
                    .faults
                    .iter()
                    .enumerate()
                    .filter(|&(j, _)| j != i)
                    .map(|(_, f)| *f)
                    .collect();
                extra += 1;
                let Ok(run) = self.target.run_until(&fewer, &cancel) else {
                    continue;
                };
                if matches!(self.target.judge(&run), Judgement::Violated(_)) {
                    let (smaller, more) = self.target.shrink_until(fewer, run, &cancel)?;
                    (cx, extra) = (smaller, extra + more);
                    continue 'check;
                }
            }
            break;
        }
        Ok((cx, extra))
    }

    /// Delta debugging's coarse steps (Zeller and Hildebrandt, 2002): drops
    /// whole chunks of a violating set while the run still violates,
    /// halving the chunks when none can go, so that a large random set
    /// shrinks in logarithmically many runs before the fault-by-fault pass.
    /// With the runs made.
    fn halve(&self, faults: FaultSet, run: Run) -> (FaultSet, Run, usize) {
        let cancel = self.cancel();
        let (mut faults, mut run) = (faults, run);
        let mut runs = 0;
        let mut parts = 2;
        while faults.len() >= 4 && parts < faults.len() {
            let all: Vec<_> = faults.iter().copied().collect();
            let size = all.len().div_ceil(parts);
            let mut dropped = None;
            for chunk in 0..parts {
                if cancel.interrupted() || cancel.timed_out() {
                    return (faults, run, runs);
                }
                let rest: FaultSet = all
                    .iter()
                    .enumerate()
                    .filter(|&(i, _)| i / size != chunk)
                    .map(|(_, f)| *f)
                    .collect();
                if rest.len() == all.len() {
                    continue;
                }
                runs += 1;
                if let Ok(r) = self.target.run_until(&rest, &cancel)
                    && matches!(self.target.judge(&r), Judgement::Violated(_))
                {
                    dropped = Some((rest, r));
                    break;
                }
            }
            match dropped {
                Some((rest, r)) => {
                    (faults, run) = (rest, r);
                    parts = (parts - 1).max(2);
                }
                None => parts *= 2,
            }
        }
        (faults, run, runs)
    }

    /// Tells the budget's observer, if any, about a run; whether it wants
    /// the run itself.
    fn observe(&self, faults: &FaultSet, verdict: RunVerdict, run: Option<&Run>) -> bool {
        self.budget.observer.as_ref().is_some_and(|o| {
            o.lock().observe(&Observation {
                faults,
                verdict,
                run,
            })
        })
    }

    /// Hands `run` to the observer if it asked for it.
    fn hand_over(&self, wanted: bool, faults: FaultSet, run: Run) {
        if let (true, Some(o)) = (wanted, &self.budget.observer) {
            o.lock().keep(faults, run);
        }
    }

    fn outcome(self, verdict: Verdict, proof: Option<(Proof, String)>) -> Outcome {
        let (proof, statement) = proof.unzip();
        Outcome {
            verdict,
            proof,
            statement,
            symbolic: self.symbolic,
            counterexamples: self.found,
            space: self.target.space().clone(),
            files: self.target.files.clone(),
            combinations: self.target.space().combinations(),
            runs: self.runs,
            vacuous: self.vacuous,
            shrink_runs: self.shrink_runs,
            strategy: self.strategy,
            elapsed: self.start.elapsed(),
        }
    }

    /// The search stopped at a counterexample, or ended without one and
    /// without a proof (which certifies nothing; a run that gave up makes it
    /// as [`Searcher::inconclusive`]).
    pub fn finish(mut self, progress: &mut dyn FnMut(&Progress)) -> Result<Outcome, Error> {
        if let Some(reason) = self.unjudged.take()
            && self.found.is_empty()
        {
            return self.inconclusive(reason, progress);
        }
        if self.gave_up || self.budget.interrupted() {
            let reason = self
                .exhausted()
                .unwrap_or_else(|| "a run gave up before EOT".into());
            return self.inconclusive(reason, progress);
        }
        progress(&self.progress());
        let verdict = if self.found.is_empty() {
            Verdict::Inconclusive {
                reason: "the search ended without a counterexample and without a proof".into(),
            }
        } else {
            Verdict::Violated
        };
        Ok(self.outcome(verdict, None))
    }

    /// No admissible fault set violates the specification, by `proof`
    /// (counterexamples found on the way, under `all`, still stand);
    /// `certificate` states what that covers, in one sentence.
    pub fn certify(
        mut self,
        proof: Proof,
        certificate: impl FnOnce(&Covered) -> String,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<Outcome, Error> {
        if let Some(reason) = self.unjudged.take()
            && self.found.is_empty()
        {
            return self.inconclusive(reason, progress);
        }
        if self.gave_up || self.budget.interrupted() {
            let reason = self
                .exhausted()
                .unwrap_or_else(|| "a run gave up before EOT".into());
            return self.inconclusive(reason, progress);
        }
        progress(&self.progress());
        if let Proof::Symbolic(stats) = &proof {
            self.symbolic = Some(stats.clone());
        }
        if self.found.is_empty() {
            let space = self.target.space();
            let statement = certificate(&Covered {
                space,
                combinations: space.combinations(),
                runs: self.runs,
            });
            Ok(self.outcome(Verdict::Holds, Some((proof, statement))))
        } else {
            Ok(self.outcome(Verdict::Violated, None))
        }
    }

    /// A budget ran out (or the solver could not answer, or the search was
    /// interrupted): a violation found so far still stands, a certificate
    /// does not.
    pub fn inconclusive(
        self,
        reason: String,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<Outcome, Error> {
        progress(&self.progress());
        // The deadline or an interrupt explain a solver's `unknown` best.
        let reason = match self.exhausted() {
            Some(budget) if !reason.starts_with(&budget) => format!("{budget}; {reason}"),
            _ => reason,
        };
        let verdict = if !self.found.is_empty() {
            Verdict::Violated
        } else if self.budget.interrupted() {
            Verdict::Interrupted
        } else {
            Verdict::Inconclusive { reason }
        };
        Ok(self.outcome(verdict, None))
    }
}
