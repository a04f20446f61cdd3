//! What a search concludes: a counterexample, a bounded certificate, or an
//! honest "inconclusive" with the coverage reached.

use std::path::PathBuf;
use std::time::Duration;

use dedalus::eval::Run;
use dedalus::value::{Interner, Value};
use serde::Serialize;

use crate::faults::{Combinations, FaultSet, FaultSpace};

/// A value as reports print it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(untagged)]
pub enum Datum {
    /// An integer.
    Int(i64),
    /// A string.
    Str(String),
}

impl Datum {
    /// Converts a run value.
    pub fn new(v: Value, interner: &Interner) -> Datum {
        match v {
            Value::Int(i) => Datum::Int(i),
            Value::Str(s) => Datum::Str(interner.resolve(s).to_string()),
        }
    }

    /// Converts a row.
    pub fn row(vals: &[Value], interner: &Interner) -> Vec<Datum> {
        vals.iter().map(|&v| Datum::new(v, interner)).collect()
    }
}

impl std::fmt::Display for Datum {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Datum::Int(i) => write!(f, "{i}"),
            Datum::Str(s) => {
                // Control characters (ESC, BEL, CR, newline) are shown
                // escaped: a value must not drive the reader's terminal or
                // break a line of a report.
                f.write_str("\"")?;
                for c in s.chars() {
                    if c.is_control() {
                        write!(f, "{}", c.escape_default())?;
                    } else {
                        write!(f, "{c}")?;
                    }
                }
                f.write_str("\"")
            }
        }
    }
}

/// A fault set under which the specification fails: a `pre` without its
/// `post` at EOT, or a run that stops with a runtime error (§8) that only
/// these faults trigger.
#[derive(Debug)]
pub struct Counterexample {
    /// The faults (subset-minimal: removing any one makes the run correct).
    pub faults: FaultSet,
    /// The `pre` tuples left without a matching `post` at EOT (empty when
    /// the run stopped with `error`).
    pub violated: Vec<Vec<Datum>>,
    /// The failing run (tables, messages, provenance); up to the error
    /// when there is one.
    pub run: Run,
    /// The command line that reproduces the run exactly.
    pub replay: String,
    /// The runtime error that stopped the run before EOT, if any.
    pub error: Option<String>,
}

/// The conclusion of a search.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// No admissible fault set violates the specification (a bounded certificate).
    Holds,
    /// At least one fault set violates it.
    Violated,
    /// A budget ran out first: nothing is certified.
    Inconclusive {
        /// Which budget.
        reason: String,
    },
    /// Stopped by Ctrl-C before a conclusion: nothing is certified.
    Interrupted,
}

impl Verdict {
    /// `holds`, `violated`, `inconclusive` or `interrupted`.
    pub fn name(&self) -> &'static str {
        match self {
            Verdict::Holds => "holds",
            Verdict::Violated => "violated",
            Verdict::Inconclusive { .. } => "inconclusive",
            Verdict::Interrupted => "interrupted",
        }
    }
}

/// What a certificate rests on.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Proof {
    /// Every admissible fault set was run.
    Exhaustive,
    /// The formula of every admissible run is unsatisfiable with a violation.
    Symbolic(crate::solver::Stats),
}

/// Everything a search found out.
#[derive(Debug)]
pub struct Outcome {
    /// The conclusion.
    pub verdict: Verdict,
    /// What a `holds` verdict rests on (`None` for any other verdict).
    pub proof: Option<Proof>,
    /// The certificate of a `holds` verdict in one sentence, stated by the
    /// strategy that proved it (`None` for any other verdict).
    pub statement: Option<String>,
    /// What the symbolic check cost, where one ran.
    pub symbolic: Option<crate::solver::Stats>,
    /// Counterexamples, in the order found (one unless `--all`).
    pub counterexamples: Vec<Counterexample>,
    /// The search space.
    pub space: FaultSpace,
    /// The program files.
    pub files: Vec<PathBuf>,
    /// Its size.
    pub combinations: Combinations,
    /// Runs evaluated (the failure-free one included; shrinking excluded).
    pub runs: usize,
    /// Runs whose `pre` was empty (vacuously correct).
    pub vacuous: usize,
    /// Extra runs spent making counterexamples subset-minimal.
    pub shrink_runs: usize,
    /// The strategy that ran.
    pub strategy: crate::strategy::StrategyId,
    /// Wall time.
    pub elapsed: Duration,
}

impl Outcome {
    /// What a certificate covers, in one sentence, as the strategy that
    /// proved it states it ("nothing is certified" without a proof).
    pub fn certificate(&self) -> String {
        self.statement
            .clone()
            .unwrap_or_else(|| "nothing is certified".into())
    }

    /// A certificate under which no admissible run holds a `pre` tuple: the
    /// specification was never exercised (a fact placed at a misspelled
    /// node, a `pre` rule that cannot fire). Exact for a symbolic proof (the
    /// solver is asked); for an exhaustive one, every run was vacuous.
    pub fn vacuous(&self) -> bool {
        match (&self.verdict, &self.proof) {
            (Verdict::Holds, Some(Proof::Symbolic(st))) => !st.pre_reachable,
            (Verdict::Holds, _) => self.runs > 0 && self.vacuous == self.runs,
            _ => false,
        }
    }

    /// The first counterexample.
    pub fn counterexample(&self) -> Option<&Counterexample> {
        self.counterexamples.first()
    }
}

/// The command that replays one run exactly, every argument shell-quoted.
pub fn replay_line(files: &[PathBuf], space: &FaultSpace, faults: &FaultSet) -> String {
    let mut args: Vec<String> = vec!["ldfi".into(), "run".into()];
    args.extend(files.iter().map(|f| f.display().to_string()));
    args.extend([
        "--nodes".into(),
        space.nodes.join(","),
        "--eot".into(),
        space.eot.to_string(),
        "--eff".into(),
        space.eff.to_string(),
    ]);
    if space.max_delay > 0 {
        args.extend(["--max-delay".into(), space.max_delay.to_string()]);
    }
    args.extend(
        faults
            .flags(&space.nodes)
            .split_whitespace()
            .map(String::from),
    );
    args.iter()
        .map(|a| shell_word(a))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `s` as one shell word: bare when it is made of safe characters only,
/// else single-quoted.
pub fn shell_word(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+,=:".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}
