//! The report model: everything a check found, in one serialisable value
//! that every output format renders.
//!
//! A [`Report`] is built from a search [`Outcome`] (plus the spec, the
//! seed and the failure-free run where there are any) and holds only
//! plain data: names instead of node ids, values instead of interned ones,
//! each counterexample with its fault set and its message trace. The
//! renderers read nothing else:
//!
//! - [`text`]: what `ldfi check` prints;
//! - [`json`]: the machine-readable document (derived from the model; its
//!   shape is stable, so fields that renderers need but scripts never had
//!   are kept out of it, each marked "not in the JSON document");
//! - [`saved`]: a counterexample as the YAML file `ldfi run --counterexample`
//!   replays;
//! - [`hunt`]: the summary of checking a directory of specs;
//! - [`sweep`]: one spec checked at increasing EOT (`ldfi sweep`);
//! - [`files`]: where reports go, and the one function that writes every
//!   output file (atomically, never through a symbolic link).
//!
//! The module knows nothing of [`crate::render`]: the HTML and CI formats
//! read this model from there, and what a failed assertion writes is in
//! [`crate::render::failure`].
//!
//! The renderers of one run as evaluated (tables, messages, a spacetime
//! listing, the specification at EOT) are in [`run`], the provenance tree
//! of one tuple in [`why`].

pub mod files;
pub mod hunt;
pub(crate) mod markup;
pub mod run;
pub mod saved;
pub mod sweep;
pub mod text;
pub mod why;

use std::time::Duration;

use dedalus::eval::Run;
use dedalus::provenance::{Fate, Time};
use serde::{Serialize, Serializer};

use crate::faults::{Fault, FaultSet, FaultSpace};
use crate::spec::{Expect, Spec};
use crate::strategy::StrategyId;
use crate::verdict::{Counterexample, Datum, Outcome, Proof, Verdict};

/// Everything one check found. Serialised, it is the JSON document of
/// `ldfi check --format json` (see [`json`]).
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct Report {
    /// The spec file checked, as given (`None` when the program files and
    /// bounds came from elsewhere, e.g. the command line).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spec: Option<String>,
    /// The spec's description. Not in the JSON document.
    #[serde(skip)]
    pub description: Option<String>,
    /// The program files, as given (replay lines name them so). Not in the
    /// JSON document.
    #[serde(skip)]
    pub program: Vec<String>,
    /// The bounds searched. Not in the JSON document.
    #[serde(skip)]
    pub bounds: Bounds,
    /// The strategy that searched. Not in the JSON document.
    #[serde(skip)]
    pub strategy: StrategyId,
    /// The seed of a randomised strategy (replays the same search).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// The conclusion, the evidence and the cost of the search.
    #[serde(flatten)]
    pub outcome: OutcomeReport,
    /// Every counterexample, in the order found (more than one only when
    /// the search was asked for all).
    pub counterexamples: Vec<CounterexampleReport>,
    /// What the spec expected and whether the verdict meets it.
    #[serde(flatten)]
    pub expectation: Option<Expectation>,
    /// The failure-free run, which a counterexample's run departs from
    /// (where it was given with [`Report::good_run`]). Not in the JSON
    /// document.
    #[serde(skip)]
    pub good: Option<RunTrace>,
}

/// The bounds of a search: the fault space.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Bounds {
    /// The nodes, in order.
    pub nodes: Vec<String>,
    /// End of time: runs last this many timesteps.
    pub eot: Time,
    /// End of finite failures: messages may be lost or delayed only before it.
    pub eff: Time,
    /// How many nodes may crash.
    pub crashes: u32,
    /// The largest message delay (0: none).
    pub max_delay: u32,
    /// Whether messages may be lost (false: reliable, unordered channels,
    /// where messages are only late, or silenced by a crash).
    pub omissions: bool,
}

impl Bounds {
    fn of(space: &FaultSpace) -> Bounds {
        Bounds {
            nodes: space.nodes.clone(),
            eot: space.eot,
            eff: space.eff,
            crashes: space.crashes,
            max_delay: space.max_delay,
            omissions: space.omissions,
        }
    }
}

/// The conclusion of a search, what it rests on and what it cost.
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct OutcomeReport {
    /// `holds`, `violated`, `inconclusive` (with its reason) or `interrupted`.
    #[serde(serialize_with = "verdict_name")]
    pub verdict: Verdict,
    /// What a `holds` rests on.
    pub proof: Option<ProofKind>,
    /// What a `holds` covers, in one sentence.
    pub certificate: Option<String>,
    /// The size of the symbolic formula, where one was built.
    pub symbolic: Option<SymbolicReport>,
    /// Runs evaluated (the failure-free one included, shrinking excluded).
    pub runs: usize,
    /// Runs without a single `pre` tuple.
    pub vacuous_runs: usize,
    /// A certificate under which no run ever held a `pre` tuple: nothing
    /// was checked.
    pub vacuous: bool,
    /// Extra runs spent making counterexamples subset-minimal. Not in the
    /// JSON document.
    #[serde(skip)]
    pub shrink_runs: usize,
    /// The number of admissible fault combinations, as printed (`4096`,
    /// `1.2e18`).
    pub combinations: String,
    /// Its base-10 logarithm.
    pub combinations_log10: f64,
    /// Wall time.
    #[serde(rename = "elapsed_ms", serialize_with = "millis")]
    pub elapsed: Duration,
}

/// What a certificate rests on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum ProofKind {
    /// Every admissible fault set was run.
    Exhaustive,
    /// The formula of every admissible run is unsatisfiable with a violation.
    Symbolic,
}

/// The size and cost of a symbolic check.
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct SymbolicReport {
    /// Ground tuples-at-time of the relaxed run.
    pub ground_tuples: usize,
    /// Those in the cone of `pre`/`post`.
    pub cone: usize,
    /// Ground rule instances.
    pub instances: usize,
    /// Solver variables.
    pub variables: usize,
    /// Solver constraints.
    pub constraints: usize,
    /// Solver calls.
    pub solver_calls: u32,
    /// Time to ground. Not in the JSON document.
    #[serde(skip)]
    pub ground: Duration,
    /// Time to encode. Not in the JSON document.
    #[serde(skip)]
    pub encode: Duration,
    /// Time in the solver. Not in the JSON document.
    #[serde(skip)]
    pub solve: Duration,
}

/// A fault set under which the specification fails, as reports show it.
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct CounterexampleReport {
    /// The faults in one line (`omit a->b@1, crash c@2`, or `fails without
    /// faults`). Not in the JSON document.
    #[serde(skip)]
    pub summary: String,
    /// The failing run: its faults and every message it sent.
    #[serde(flatten)]
    pub run: RunTrace,
    /// The `pre` tuples left without their `post` at EOT (empty when the
    /// run stopped with `error`).
    pub violated: Vec<Vec<Datum>>,
    /// The runtime error that stopped the run before EOT, if any.
    pub error: Option<String>,
    /// The command line that reproduces the run exactly.
    pub replay: String,
}

/// One run as a spacetime diagram sees it: the faults injected and every
/// message sent, with its fate.
#[derive(Clone, Debug, Default, Serialize)]
#[non_exhaustive]
pub struct RunTrace {
    /// The faults of the run.
    #[serde(flatten)]
    pub faults: FaultLists,
    /// Every message, ordered by send time, sender, receiver and content.
    pub messages: Vec<MessageReport>,
}

/// A fault set by kind, with node names (serialised as arrays, the form
/// the saved counterexample files use).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct FaultLists {
    /// Lost messages: `(from, to, sent at)`.
    pub omissions: Vec<(String, String, Time)>,
    /// Crashed nodes: `(node, from time)`.
    pub crashes: Vec<(String, Time)>,
    /// Late messages: `(from, to, sent at, delay)`.
    pub delays: Vec<(String, String, Time, u32)>,
    /// Partitions, as written: `a|b,c@2..4` (left out when there is none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub partitions: Vec<dedalus::faults::partition::Written>,
}

impl FaultLists {
    /// `faults` with the node names of `nodes`.
    pub fn new(faults: &FaultSet, nodes: &[String]) -> FaultLists {
        let n = |i: u32| {
            nodes
                .get(i as usize)
                .cloned()
                .unwrap_or_else(|| i.to_string())
        };
        let mut out = FaultLists::default();
        for f in faults.iter() {
            match *f {
                Fault::Omission { from, to, time } => out.omissions.push((n(from), n(to), time)),
                Fault::Crash { node, time } => out.crashes.push((n(node), time)),
                Fault::Delay { from, to, time, by } => {
                    out.delays.push((n(from), n(to), time, by));
                }
                Fault::Partition {
                    left,
                    right,
                    start,
                    end,
                } => out.partitions.push(dedalus::faults::partition::Written {
                    left: left.nodes().map(&n).collect(),
                    right: right.nodes().map(&n).collect(),
                    start,
                    end,
                }),
            }
        }
        out
    }
}

/// One message of a run and what became of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct MessageReport {
    /// The relation of the `@async` head that sent it.
    pub relation: String,
    /// The tuple it carries.
    pub tuple: Vec<Datum>,
    /// The sender.
    pub from: String,
    /// The receiver.
    pub to: String,
    /// When it was sent.
    pub sent: Time,
    /// When it was received (`None`: never, or after EOT).
    pub received: Option<Time>,
    /// What became of it.
    pub fate: MessageFate,
    /// How late it was, when delayed.
    pub delay: Option<u32>,
    /// When its sender crashed, when that lost it. Not in the JSON document.
    #[serde(skip)]
    pub crashed_at: Option<Time>,
}

/// What became of a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MessageFate {
    /// Received one step after it was sent.
    Delivered,
    /// Lost to an omission.
    Omitted,
    /// Lost because its sender had crashed.
    Crashed,
    /// Received late (or after EOT).
    Delayed,
}

impl MessageReport {
    /// The atom it carries, as source text (`log("b", "data")`).
    pub fn atom(&self) -> String {
        let args: Vec<String> = self.tuple.iter().map(ToString::to_string).collect();
        format!("{}({})", self.relation, args.join(", "))
    }
}

impl RunTrace {
    /// The faults and messages of `run` (run with `faults`).
    pub fn new(run: &Run, faults: &FaultSet) -> RunTrace {
        RunTrace {
            faults: FaultLists::new(faults, run.nodes()),
            messages: message_reports(run),
        }
    }
}

/// Every message of `run`, ordered as [`Run::sorted_messages`].
pub fn message_reports(run: &Run) -> Vec<MessageReport> {
    let prov = run.provenance();
    run.sorted_messages()
        .into_iter()
        .map(|m| {
            let (fate, delay, crashed_at) = match m.fate {
                Fate::Delivered => (MessageFate::Delivered, None, None),
                Fate::Omitted => (MessageFate::Omitted, None, None),
                Fate::Crashed(t) => (MessageFate::Crashed, None, Some(t)),
                Fate::Delayed(d) => (MessageFate::Delayed, Some(d), None),
            };
            MessageReport {
                relation: run.program().relations()[m.rel as usize].name.clone(),
                tuple: Datum::row(prov.message_values(m), run.interner()),
                from: run.node_name(m.from).to_string(),
                to: run.node_name(m.to).to_string(),
                sent: m.sent,
                received: m.received,
                fate,
                delay,
                crashed_at,
            }
        })
        .collect()
}

/// What a spec expected and whether the verdict meets it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Expectation {
    /// The verdict the spec expects.
    pub expect: Expect,
    /// Whether the verdict is that one.
    pub met: bool,
}

impl CounterexampleReport {
    /// `cx` with the node names of `nodes`.
    pub fn new(cx: &Counterexample, nodes: &[String]) -> CounterexampleReport {
        CounterexampleReport {
            summary: if cx.faults.is_empty() {
                "fails without faults".to_string()
            } else {
                cx.faults.describe(nodes)
            },
            run: RunTrace {
                faults: FaultLists::new(&cx.faults, nodes),
                messages: message_reports(&cx.run),
            },
            violated: cx.violated.clone(),
            error: cx.error.clone(),
            replay: cx.replay.clone(),
        }
    }
}

impl Report {
    /// The report of `outcome`, without a spec (see [`Report::spec`]).
    pub fn new(outcome: &Outcome) -> Report {
        let s = &outcome.space;
        let vacuous = outcome.vacuous();
        Report {
            spec: None,
            description: None,
            program: outcome
                .files
                .iter()
                .map(|f| f.display().to_string())
                .collect(),
            bounds: Bounds::of(s),
            strategy: outcome.strategy,
            seed: None,
            outcome: OutcomeReport {
                verdict: outcome.verdict.clone(),
                proof: outcome.proof.as_ref().map(|p| match p {
                    Proof::Exhaustive => ProofKind::Exhaustive,
                    Proof::Symbolic(_) => ProofKind::Symbolic,
                }),
                certificate: outcome.statement.clone(),
                symbolic: outcome.symbolic.as_ref().map(|st| SymbolicReport {
                    ground_tuples: st.size.ground_tuples,
                    cone: st.size.cone,
                    instances: st.size.instances,
                    variables: st.size.variables,
                    constraints: st.size.constraints,
                    solver_calls: st.solver_calls,
                    ground: st.ground,
                    encode: st.encode,
                    solve: st.solve,
                }),
                runs: outcome.runs,
                vacuous_runs: outcome.vacuous,
                vacuous,
                shrink_runs: outcome.shrink_runs,
                combinations: outcome.combinations.to_string(),
                combinations_log10: outcome.combinations.log10,
                elapsed: outcome.elapsed,
            },
            counterexamples: outcome
                .counterexamples
                .iter()
                .map(|cx| CounterexampleReport::new(cx, &s.nodes))
                .collect(),
            expectation: None,
            good: None,
        }
    }

    /// With the spec that was checked: its path, description and expected
    /// verdict.
    pub fn spec(mut self, spec: &Spec) -> Report {
        self.spec = Some(spec.path.display().to_string());
        self.description.clone_from(&spec.description);
        self.expectation = spec.expect.map(|expect| Expectation {
            expect,
            met: meets(&self.outcome, Some(expect)),
        });
        self
    }

    /// With the seed of the randomised strategy that searched.
    pub fn seed(mut self, seed: Option<u64>) -> Report {
        self.seed = seed;
        self
    }

    /// With the failure-free run, which counterexamples depart from.
    pub fn good_run(mut self, run: &Run) -> Report {
        self.good = Some(RunTrace::new(run, &FaultSet::none()));
        self
    }

    /// The conclusion.
    pub fn verdict(&self) -> &Verdict {
        &self.outcome.verdict
    }

    /// The first counterexample.
    pub fn counterexample(&self) -> Option<&CounterexampleReport> {
        self.counterexamples.first()
    }

    /// The expected verdict, if the spec names one.
    pub fn expect(&self) -> Option<Expect> {
        self.expectation.map(|e| e.expect)
    }

    /// Whether the verdict is what the spec expects; without an expectation,
    /// whether the search reached a verdict that checked something (not
    /// inconclusive, interrupted or vacuous).
    pub fn met(&self) -> bool {
        meets(&self.outcome, self.expect())
    }

    /// The verdict as the expectation line names it: `vacuous` for a
    /// vacuous certificate, else the verdict's name.
    pub fn got(&self) -> &'static str {
        self.conclusion().name()
    }

    /// The verdict, a vacuous certificate told apart.
    pub fn conclusion(&self) -> Conclusion {
        Conclusion::of(&self.outcome.verdict, self.outcome.vacuous)
    }
}

/// What became of one check, as reports name it: the [`Verdict`] without
/// its details, a vacuous certificate told apart, or an error that stopped
/// the check. Serialised as its [`Conclusion::name`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Conclusion {
    /// A certificate that checked something.
    Holds,
    /// A certificate under which no run ever held a `pre` tuple.
    Vacuous,
    /// A counterexample.
    Violated,
    /// A budget ran out first (the default: nothing concluded).
    #[default]
    Inconclusive,
    /// Stopped by a signal.
    Interrupted,
    /// The check could not run (the spec or program does not load...).
    Error,
}

impl Conclusion {
    /// `verdict`, a certificate that is `vacuous` told apart.
    pub fn of(verdict: &Verdict, vacuous: bool) -> Conclusion {
        match verdict {
            Verdict::Holds if vacuous => Conclusion::Vacuous,
            Verdict::Holds => Conclusion::Holds,
            Verdict::Violated => Conclusion::Violated,
            Verdict::Inconclusive { .. } => Conclusion::Inconclusive,
            Verdict::Interrupted => Conclusion::Interrupted,
        }
    }

    /// One word: `holds`, `vacuous`, `violated`, `inconclusive`,
    /// `interrupted` or `error`.
    pub fn name(self) -> &'static str {
        match self {
            Conclusion::Holds => "holds",
            Conclusion::Vacuous => "vacuous",
            Conclusion::Violated => "violated",
            Conclusion::Inconclusive => "inconclusive",
            Conclusion::Interrupted => "interrupted",
            Conclusion::Error => "error",
        }
    }

    /// As a sentence says it: `holds vacuously` for [`Conclusion::Vacuous`],
    /// else [`Conclusion::name`].
    pub fn words(self) -> &'static str {
        match self {
            Conclusion::Vacuous => "holds vacuously",
            other => other.name(),
        }
    }

    /// Whether the check reached a verdict (neither a budget, a signal nor
    /// an error stopped it).
    pub fn reached(self) -> bool {
        matches!(
            self,
            Conclusion::Holds | Conclusion::Vacuous | Conclusion::Violated
        )
    }
}

impl std::fmt::Display for Conclusion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Whether `outcome` meets `expect` (see [`Report::met`]).
fn meets(outcome: &OutcomeReport, expect: Option<Expect>) -> bool {
    match (expect, &outcome.verdict) {
        (_, Verdict::Inconclusive { .. } | Verdict::Interrupted) => false,
        // A certificate over runs without any `pre` checked nothing.
        (expect, Verdict::Holds) if outcome.vacuous => expect == Some(Expect::Vacuous),
        (None, _) => true,
        (Some(Expect::Holds), Verdict::Holds) | (Some(Expect::Violated), Verdict::Violated) => true,
        _ => false,
    }
}

fn verdict_name<S: Serializer>(v: &Verdict, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(v.name())
}

fn millis<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(d.as_millis() as u64)
}

/// The JSON document with `counterexample`, the first of `counterexamples`
/// (or null), beside them.
#[derive(Serialize)]
struct Document<'a> {
    #[serde(flatten)]
    report: &'a Report,
    counterexample: Option<&'a CounterexampleReport>,
}

/// The machine-readable report on one line (no trailing newline): keys
/// sorted, `verdict`, `proof` (`symbolic` or `exhaustive` for a `holds`,
/// else null), `certificate`, `symbolic` (the size of the formula where
/// one was built), `runs`, `vacuous_runs`, `vacuous`, `combinations` (a
/// string) and `combinations_log10`, `elapsed_ms`, `counterexample` (the
/// first, or null) and `counterexamples` (each with `omissions`,
/// `crashes`, `delays`, `violated`, `error`, `replay` and its `messages`:
/// relation, tuple, from, to, sent, received, fate — `delivered`,
/// `omitted`, `crashed` or `delayed` — and delay); `spec`, `seed`,
/// `expect` and `met` where there are any.
pub fn json(report: &Report) -> Result<String, serde_json::Error> {
    to_sorted_json(&Document {
        report,
        counterexample: report.counterexample(),
    })
}

/// `value` as JSON with every object's keys sorted (byte-identical output
/// whatever the field order of the types).
pub(crate) fn to_sorted_json(value: &impl Serialize) -> Result<String, serde_json::Error> {
    serde_json::to_value(value).map(|v| v.to_string())
}
