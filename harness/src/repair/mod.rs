//! The repair loop: nemo proposes, the search disposes (design: nemo).
//!
//! [`good_runs`] is the seam that hands nemo the runs it compares a
//! counterexample with: the failure-free run and the runs with each single
//! fault of the counterexample removed, those that are correct and not
//! vacuous; [`repair`] keeps the search's own correct runs ([`KeptRuns`])
//! so that it does not run them again. [`diagnose`] runs nemo's queries on them; [`repair`] takes
//! nemo's candidates and checks each one at the target's bounds:
//!
//! 1. in scope — no edit of `pre`/`post`, no protocol rule reading them
//!    or the `crash` oracle, no location or destination that is not a node;
//! 2. it loads (the patched files are written under a work directory, which
//!    is kept so that every replay line printed stays runnable);
//! 3. non-vacuous — `pre` still holds in the patched program's failure-free run;
//! 4. verified — every counterexample known so far is replayed on it, and
//!    if none breaks it the default search (exact) finds no counterexample
//!    ([`ladder::Verifier`]);
//! 5. robust — a verified candidate is re-checked on the [`ladder`] of
//!    stress bounds derived from the spec's.
//!
//! When no single candidate holds on every rung, pairs of candidates the
//! search broke or the ladder faulted are tried together.
//! Only candidates that pass the first four are presented as repairs, those
//! holding on the most rungs first, then the smallest patch; every other
//! one is listed with why it was rejected. The original program goes up
//! the same ladder, which says which dimensions its bug lives in.

pub mod ladder;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use dedalus::eval::Run;
use nemo::{Candidate, Debugging, Patch};
use serde::Serialize;

use crate::Error;
use crate::api::search;
use crate::faults::FaultSet;
use crate::search::{Budget, Observation, Observer, RunVerdict, SearchObserver};
use crate::target::{Judgement, Target};
use crate::verdict::{Counterexample, Outcome};
use ladder::{Ladder, Mark, Verification, Verifier};

/// A run nemo may compare a counterexample with.
#[derive(Debug)]
pub struct GoodRun {
    /// The faults it ran under.
    pub faults: FaultSet,
    /// The run.
    pub run: Run,
}

/// The correct runs of a search with few faults, kept as the search makes
/// them (a [`SearchObserver`]), so that [`good_runs_kept`] need not run
/// them again.
#[derive(Debug, Default)]
pub struct KeptRuns {
    runs: BTreeMap<FaultSet, Run>,
}

impl KeptRuns {
    /// Runs with more faults than this are not kept: a good run is the
    /// counterexample (minimal, so small) with one fault removed.
    pub const MAX_FAULTS: usize = 2;
    /// At most this many runs are kept (the first ones the search made).
    pub const MAX_RUNS: usize = 256;

    /// The kept run with exactly `faults`, if any.
    pub fn get(&self, faults: &FaultSet) -> Option<&Run> {
        self.runs.get(faults)
    }

    /// Takes the kept run with exactly `faults` out, if any.
    pub fn take(&mut self, faults: &FaultSet) -> Option<Run> {
        self.runs.remove(faults)
    }

    /// Number of runs kept.
    pub fn len(&self) -> usize {
        self.runs.len()
    }

    /// Whether no run was kept.
    pub fn is_empty(&self) -> bool {
        self.runs.is_empty()
    }
}

impl SearchObserver for KeptRuns {
    fn observe(&mut self, seen: &Observation<'_>) -> bool {
        seen.verdict == RunVerdict::Correct
            && seen.faults.len() <= KeptRuns::MAX_FAULTS
            && self.runs.len() < KeptRuns::MAX_RUNS
            && !self.runs.contains_key(seen.faults)
    }

    fn keep(&mut self, faults: FaultSet, run: Run) {
        self.runs.insert(faults, run);
    }
}

/// The failure-free run and the runs with one fault of `cx` removed, keeping
/// those in which `pre` holds and the specification too.
pub fn good_runs(target: &Target, cx: &Counterexample) -> Result<Vec<GoodRun>, Error> {
    good_runs_kept(target, cx, &mut KeptRuns::default())
}

/// [`good_runs`], taking the runs a search already made out of `kept`
/// instead of running them again (the same target gives the same run).
pub fn good_runs_kept(
    target: &Target,
    cx: &Counterexample,
    kept: &mut KeptRuns,
) -> Result<Vec<GoodRun>, Error> {
    let mut sets = vec![FaultSet::none()];
    for skip in cx.faults.iter() {
        let fewer: FaultSet = cx.faults.iter().filter(|f| *f != skip).copied().collect();
        if !sets.contains(&fewer) {
            sets.push(fewer);
        }
    }
    let mut out = Vec::new();
    for faults in sets {
        let run = match kept.take(&faults) {
            Some(run) => run,
            None => target.run(&faults)?,
        };
        if target.judge(&run) == Judgement::Correct {
            out.push(GoodRun { faults, run });
        }
    }
    Ok(out)
}

/// What nemo's queries say about a counterexample.
#[derive(Debug)]
pub struct Diagnosis {
    /// The good runs compared against (see [`good_runs`]).
    pub good: Vec<GoodRun>,
    /// The queries' answers; `None` when no good run established `pre`.
    pub debugging: Option<Debugging>,
    /// The rules most likely to hold the bug, most likely first.
    pub suspects: Vec<nemo::Suspect>,
}

/// Runs nemo's queries on a counterexample of `target`.
pub fn diagnose(target: &Target, cx: &Counterexample) -> Result<Diagnosis, Error> {
    diagnose_kept(target, cx, &mut KeptRuns::default())
}

/// [`diagnose`], with good runs taken from `kept` where the search made them.
pub fn diagnose_kept(
    target: &Target,
    cx: &Counterexample,
    kept: &mut KeptRuns,
) -> Result<Diagnosis, Error> {
    let good = good_runs_kept(target, cx, kept)?;
    let runs: Vec<&Run> = good.iter().map(|g| &g.run).collect();
    let debugging = nemo::debug(&cx.run, &runs);
    let suspects = debugging
        .as_ref()
        .map(|d| nemo::suspects(&cx.run, runs[d.closest], d))
        .unwrap_or_default();
    Ok(Diagnosis {
        good,
        debugging,
        suspects,
    })
}

/// The run of `target` with `faults` as a counterexample, if it violates
/// the specification (a run the user chose to explain); `None` if it does
/// not.
pub fn chosen(target: &Target, faults: &FaultSet) -> Result<Option<Counterexample>, Error> {
    let run = target.run(faults)?;
    Ok(match target.judge(&run) {
        Judgement::Violated(violated) => Some(Counterexample {
            faults: faults.clone(),
            violated,
            run,
            replay: target.replay(faults),
            error: None,
        }),
        Judgement::Correct | Judgement::Vacuous => None,
    })
}

/// Why a candidate is not a repair.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Rejection {
    /// It edits the specification or makes the protocol read it (or `crash`).
    OutOfScope {
        /// Which rule, and how.
        detail: String,
    },
    /// The patched program does not load.
    DoesNotLoad {
        /// The diagnostics.
        detail: String,
    },
    /// `pre` no longer holds in the failure-free run of the patched program.
    Vacuous,
    /// The patched program fails without faults.
    FailsWithoutFaults,
    /// The search still finds a counterexample.
    Counterexample {
        /// The faults, described.
        faults: String,
        /// The command that replays it on the patched program.
        replay: String,
    },
    /// The search could not decide within its budget.
    Inconclusive {
        /// Why.
        detail: String,
    },
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Rejection::OutOfScope { detail } => write!(f, "out of scope: {detail}"),
            Rejection::DoesNotLoad { detail } => {
                write!(f, "the patched program does not load: {detail}")
            }
            Rejection::Vacuous => f.write_str(
                "vacuous: `pre` no longer holds in the failure-free run of the patched program",
            ),
            Rejection::FailsWithoutFaults => {
                f.write_str("the patched program violates the specification without faults")
            }
            Rejection::Counterexample { faults, replay } => {
                write!(f, "still broken by {faults}\n    replay: {replay}")
            }
            Rejection::Inconclusive { detail } => write!(f, "not verified: {detail}"),
        }
    }
}

/// One candidate, checked.
#[derive(Debug)]
pub struct Checked {
    /// What nemo proposed.
    pub candidate: Candidate,
    /// The candidate applied to the program's files.
    pub patch: Patch,
    /// Where the patched program files were written (as the program's
    /// command-line files, under their original names).
    pub files: Vec<PathBuf>,
    /// `Ok(certificate)` if verified, else why not.
    pub verdict: Result<String, Rejection>,
    /// Runs the verification made.
    pub runs: usize,
    /// The robustness ladder: for a verified candidate every rung the
    /// bounds allow, else only the spec's.
    pub ladder: Ladder,
    /// Time the check took.
    pub elapsed: Duration,
}

/// Where `ldfi repair` leaves its work, and how hard it searches.
#[derive(Clone, Debug)]
pub struct RepairOptions {
    /// The budget of each search (the original and every verification).
    pub budget: Budget,
    /// Where candidate programs are written: `workdir/k/` for candidate k.
    /// Empty: a private temporary directory, unique to the call, removed
    /// when the [`Repairs`] are dropped (replay lines point into it).
    pub workdir: PathBuf,
}

impl RepairOptions {
    /// The default budget; candidates in a private temporary directory.
    pub fn new() -> RepairOptions {
        RepairOptions {
            budget: Budget::default(),
            workdir: PathBuf::new(),
        }
    }
}

impl Default for RepairOptions {
    fn default() -> Self {
        RepairOptions::new()
    }
}

/// What the repair loop found.
#[derive(Debug)]
pub struct Repairs {
    /// The search of the original program.
    pub outcome: Outcome,
    /// nemo's queries on its first counterexample (if any).
    pub diagnosis: Option<Diagnosis>,
    /// The original program on the robustness ladder: which dimensions
    /// the bug lives in (empty when there is no counterexample).
    pub ladder: Ladder,
    /// Verified repairs, those holding on the most rungs first, then the
    /// smallest patch.
    pub verified: Vec<Checked>,
    /// Rejected candidates, in the order proposed.
    pub rejected: Vec<Checked>,
    /// Candidates nemo could not build, and why.
    pub notes: Vec<String>,
    /// What verifying the candidates cost.
    pub effort: ladder::Effort,
    /// The time budget ran out before every candidate was checked.
    pub exhausted: bool,
    /// Time for everything.
    pub elapsed: Duration,
    /// The private directory of the candidates' files, when the options
    /// named none (removed on drop).
    scratch: Option<tempfile::TempDir>,
}

impl Repairs {
    /// Whether the candidates' files (the replay lines' programs) live in
    /// a temporary directory removed with these results.
    pub fn files_are_temporary(&self) -> bool {
        self.scratch.is_some()
    }
}

/// Searches `target`; on a counterexample, diagnoses it and checks every
/// candidate repair nemo proposes (see the module docs).
pub fn repair(target: &Target, options: &RepairOptions) -> Result<Repairs, Error> {
    repair_chosen(target, options, None)
}

/// [`repair`], diagnosing and repairing `chosen` (a counterexample the user
/// picked, see [`chosen`]) instead of the search's first one; the search
/// still runs, for the program's verdict.
pub fn repair_chosen(
    target: &Target,
    options: &RepairOptions,
    chosen: Option<Counterexample>,
) -> Result<Repairs, Error> {
    let start = Instant::now();
    // The good runs nemo needs are mostly among the search's own runs.
    let kept = Arc::new(Mutex::new(KeptRuns::default()));
    let budget = Budget {
        observer: Some(Observer::from(kept.clone())),
        ..options.budget.clone()
    };
    let outcome = search(
        target,
        crate::portfolio::Portfolio { smallest: true },
        &budget,
        &mut |_| {},
    )?;
    let mut out = Repairs {
        outcome,
        diagnosis: None,
        ladder: Ladder::default(),
        verified: Vec::new(),
        rejected: Vec::new(),
        notes: Vec::new(),
        effort: ladder::Effort::default(),
        exhausted: false,
        elapsed: Duration::ZERO,
        scratch: None,
    };
    if let Some(cx) = chosen {
        out.outcome.counterexamples.insert(0, cx);
    }
    let Some(cx) = out.outcome.counterexample() else {
        out.elapsed = start.elapsed();
        return Ok(out);
    };
    if cx.error.is_some() {
        out.notes.push(
            "the counterexample is a runtime error, not a violation: no repair is proposed".into(),
        );
        out.elapsed = start.elapsed();
        return Ok(out);
    }
    let mut kept = std::mem::take(&mut *kept.lock().unwrap_or_else(|e| e.into_inner()));
    let diagnosis = diagnose_kept(target, cx, &mut kept)?;
    if let Some(debugging) = &diagnosis.debugging {
        // Synthesise from the failure-free run when it is good (its lineage
        // is the fullest), else from the closest good run.
        let basis = match diagnosis.good.first() {
            Some(g) if g.faults.is_empty() => &g.run,
            _ => &diagnosis.good[debugging.closest].run,
        };
        let program = target.evaluator().program();
        let workdir = if options.workdir.as_os_str().is_empty() {
            let dir = tempfile::Builder::new()
                .prefix("ldfi-repair-")
                .tempdir()
                .map_err(|e| Error::Io {
                    path: std::env::temp_dir(),
                    source: e,
                })?;
            let path = dir.path().to_path_buf();
            out.scratch = Some(dir);
            path
        } else {
            options.workdir.clone()
        };
        let (candidates, notes) = nemo::candidates(program, basis, &cx.run);
        out.notes = notes;
        let budget = Budget {
            observer: None,
            ..options.budget.clone()
        };
        // `budget.timeout` bounds the whole repair, not each search.
        let deadline = options.budget.timeout.map(|t| start + t);
        let mut verifier = Verifier::default();
        verifier.learn(&cx.faults);
        let spec_mark = Mark::Broken {
            faults: cx.faults.describe(&target.space().nodes),
            replay: cx.replay.clone(),
            replayed: false,
        };
        out.ladder = verifier.ladder(target, &target.files, program, spec_mark, &budget)?;
        let mut partial = Vec::new();
        let mut k = 0;
        // Two families (or a family and a pair) may propose the same edits.
        let mut seen: Vec<Vec<nemo::Edit>> = Vec::new();
        for candidate in candidates {
            if seen.contains(&candidate.edits) {
                continue;
            }
            if out_of_time(deadline) {
                out.exhausted = true;
                break;
            }
            seen.push(candidate.edits.clone());
            k += 1;
            let dir = workdir.join(k.to_string());
            let checked =
                check_candidate(target, program, candidate, &dir, &budget, &mut verifier)?;
            if checked.verdict.is_ok() {
                if !checked.ladder.holds_everywhere() {
                    partial.push((checked.candidate.clone(), checked.ladder.held()));
                }
                out.verified.push(checked);
            } else {
                if matches!(checked.verdict, Err(Rejection::Counterexample { .. })) {
                    partial.push((checked.candidate.clone(), 0));
                }
                out.rejected.push(checked);
            }
        }
        // No single candidate holds on every rung: try pairs of those the
        // search or the ladder broke (a correction plus retries, an
        // ordering plus a retry).
        // A pair is shown only if it holds on more rungs than either part.
        let mut redundant = 0;
        if !out.verified.iter().any(|c| c.ladder.holds_everywhere()) {
            for (i, (a, held_a)) in partial.iter().enumerate() {
                for (b, held_b) in &partial[i + 1..] {
                    let Some(both) = a.combine(b) else { continue };
                    if out_of_time(deadline) {
                        out.exhausted = true;
                        break;
                    }
                    if seen.contains(&both.edits) {
                        continue;
                    }
                    seen.push(both.edits.clone());
                    k += 1;
                    let dir = workdir.join(k.to_string());
                    let checked =
                        check_candidate(target, program, both, &dir, &budget, &mut verifier)?;
                    if checked.verdict.is_err() {
                        out.rejected.push(checked);
                    } else if checked.ladder.held() > (*held_a).max(*held_b) {
                        out.verified.push(checked);
                    } else {
                        redundant += 1;
                    }
                }
            }
        }
        if redundant > 0 {
            out.notes.push(format!(
                "{redundant} pair{} of candidates held on no more rungs than {} parts: not shown",
                if redundant == 1 { "" } else { "s" },
                if redundant == 1 { "its" } else { "their" }
            ));
        }
        out.verified
            .sort_by_key(|c| (std::cmp::Reverse(c.ladder.held()), c.patch.size()));
        out.effort = verifier.effort;
    } else {
        out.notes.push(
            "no good run establishes `pre`: there is nothing to compare the failure with".into(),
        );
    }
    out.diagnosis = Some(diagnosis);
    out.elapsed = start.elapsed();
    Ok(out)
}

/// Whether the repair's time budget is spent.
fn out_of_time(deadline: Option<Instant>) -> bool {
    deadline.is_some_and(|d| Instant::now() >= d)
}

/// Checks one candidate: scope, load, vacuity, search.
fn check_candidate(
    target: &Target,
    program: &dedalus::Program,
    candidate: Candidate,
    dir: &Path,
    budget: &Budget,
    verifier: &mut Verifier,
) -> Result<Checked, Error> {
    let start = Instant::now();
    let patch = candidate.patch(program);
    let mut checked = Checked {
        candidate,
        patch,
        files: Vec::new(),
        verdict: Err(Rejection::Vacuous),
        runs: 0,
        ladder: Ladder::default(),
        elapsed: Duration::ZERO,
    };
    checked.verdict = (|| {
        checked
            .candidate
            .scope(program)
            .and_then(|()| checked.candidate.locations(&target.space().nodes))
            .map_err(|detail| Rejection::OutOfScope { detail })?;
        checked.files = write_program(program, &target.files, &checked.patch, dir)?;
        let patched = dedalus::load_files(&checked.files).map_err(|d| Rejection::DoesNotLoad {
            detail: d.to_string(),
        })?;
        let mut t =
            Target::new(checked.files.clone(), &patched, target.space().clone()).map_err(|e| {
                Rejection::DoesNotLoad {
                    detail: e.to_string(),
                }
            })?;
        t.limits = target.limits;
        let free = t
            .run(&FaultSet::none())
            .map_err(|e| Rejection::DoesNotLoad {
                detail: e.to_string(),
            })?;
        match t.judge(&free) {
            Judgement::Vacuous => return Err(Rejection::Vacuous),
            Judgement::Violated(_) => return Err(Rejection::FailsWithoutFaults),
            Judgement::Correct => {}
        }
        let before = verifier.effort.runs;
        let verification = verifier
            .check(&t, budget)
            .map_err(|e| Rejection::Inconclusive {
                detail: e.to_string(),
            })?;
        checked.runs = verifier.effort.runs - before;
        match verification {
            Verification::Holds { certificate } => {
                // Up the ladder; a rung that cannot be built is undecided.
                checked.ladder = verifier
                    .ladder(&t, &checked.files, &patched, Mark::Holds, budget)
                    .unwrap_or_default();
                checked.runs = verifier.effort.runs - before;
                Ok(certificate)
            }
            Verification::Broken(mark) => {
                checked.ladder = Ladder {
                    steps: vec![ladder::Step {
                        rung: ladder::Rung::Spec,
                        bounds: String::new(),
                        mark: mark.clone(),
                    }],
                };
                match mark {
                    Mark::Broken { faults, replay, .. } => {
                        Err(Rejection::Counterexample { faults, replay })
                    }
                    _ => Err(Rejection::Inconclusive {
                        detail: "undecided".into(),
                    }),
                }
            }
            Verification::Inconclusive(detail) => Err(Rejection::Inconclusive { detail }),
        }
    })();
    checked.elapsed = start.elapsed();
    Ok(checked)
}

/// Writes every source file of `program` (patched where the patch says)
/// under `dir`, mirroring their layout below their common directory so
/// includes still resolve; returns where the command-line `files` went.
pub fn write_program(
    program: &dedalus::Program,
    files: &[PathBuf],
    patch: &Patch,
    dir: &Path,
) -> Result<Vec<PathBuf>, Rejection> {
    let io = |p: &Path, e: std::io::Error| Rejection::DoesNotLoad {
        detail: format!("cannot write `{}`: {e}", p.display()),
    };
    let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let sources: Vec<(PathBuf, String)> = program
        .sources()
        .files()
        .map(|(id, path)| {
            let text = patch.files.iter().find(|f| f.path == path).map_or_else(
                || program.sources().text(id).to_string(),
                |f| f.patched.clone(),
            );
            (canon(path), text)
        })
        .collect();
    let root = common_dir(sources.iter().map(|(p, _)| p.as_path()));
    for (path, text) in &sources {
        let to = dir.join(path.strip_prefix(&root).unwrap_or(path));
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent).map_err(|e| io(parent, e))?;
        }
        std::fs::write(&to, text).map_err(|e| io(&to, e))?;
    }
    Ok(files
        .iter()
        .map(|f| {
            let c = canon(f);
            dir.join(c.strip_prefix(&root).unwrap_or(&c))
        })
        .collect())
}

/// The deepest directory containing every path.
fn common_dir<'a>(paths: impl Iterator<Item = &'a Path>) -> PathBuf {
    let mut common: Option<PathBuf> = None;
    for p in paths {
        let parent = p.parent().unwrap_or(Path::new("")).to_path_buf();
        common = Some(match common {
            None => parent,
            Some(c) => c
                .components()
                .zip(parent.components())
                .take_while(|(a, b)| a == b)
                .map(|(a, _)| a)
                .collect(),
        });
    }
    common.unwrap_or_default()
}
