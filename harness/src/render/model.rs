//! The neutral input of every renderer: plain data, no runs, no graphs, no
//! solver. The adapters in [`super::adapt`] fill these from today's
//! outcomes, diagnoses and repairs; anything else that can fill them (a
//! serialised report) renders the same way.

use crate::report::Conclusion;
use crate::spec::Expect;

/// Everything one check's report shows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CheckView {
    /// What was checked: the spec file, or the program files.
    pub title: String,
    /// The spec's description, if any.
    pub description: Option<String>,
    /// The bounds, as (name, value) pairs in display order.
    pub bounds: Vec<(String, String)>,
    /// The strategy that ran.
    pub strategy: String,
    /// The verdict (shown in words: `holds`, `violated`, `holds vacuously`...).
    pub verdict: Conclusion,
    /// Whether the verdict is good news.
    pub tone: Tone,
    /// Runs evaluated.
    pub runs: usize,
    /// Wall time of the search, in milliseconds.
    pub elapsed_ms: u64,
    /// What a certificate covers, for a `holds`.
    pub certificate: Option<String>,
    /// The spec's expectation and whether it was met, in words.
    pub expectation: Option<String>,
    /// The first counterexample.
    pub counterexample: Option<CounterexampleView>,
    /// Spacetime diagrams, shown side by side (the good run first).
    pub lanes: Vec<Lanes>,
    /// Provenance graphs, the good run's first.
    pub graphs: Vec<GraphView>,
    /// Where the failed run departed from the good ones.
    pub findings: Vec<Finding>,
    /// Repair candidates, verified ones first.
    pub patches: Vec<PatchView>,
    /// Temporal provenance: why events came when they did (`ldfi late
    /// --post --report`), the good run's first.
    pub delays: Vec<DelayTree>,
    /// Remarks that fit nowhere else.
    pub notes: Vec<String>,
}

/// Whether a verdict is good news, bad news or neither.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Tone {
    /// A certificate, or an expectation met.
    Good,
    /// A counterexample.
    Bad,
    /// Inconclusive, interrupted, vacuous.
    #[default]
    Neutral,
}

/// The weighted delay tree of one delay (Zeno's annotation, pruned and
/// aggregated): which events are responsible for which part of it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DelayTree {
    /// What is explained (`failure-free run: post("b") came 1 step after pre("b")`).
    pub title: String,
    /// The whole delay, in timesteps: the root's weight.
    pub delay: i64,
    /// The causes, depth first, the root first and, under each parent,
    /// the largest weight first.
    pub causes: Vec<DelayCause>,
}

/// One vertex of a [`DelayTree`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DelayCause {
    /// Its depth in the tree (the root: 0).
    pub depth: usize,
    /// The event (`log("b", "x")`, `(and 2 similar)` once aggregated).
    pub vertex: String,
    /// What kind of event, as nemo abbreviates it (`DRV`, `SND`, `RCV`...).
    pub kind: String,
    /// Where it happened.
    pub node: String,
    /// How it hangs off its parent (empty: causally; else the sequencing,
    /// e.g. `retry after loss`).
    pub via: String,
    /// The interval of the delay it is responsible for.
    pub interval: (i64, i64),
    /// The part of the delay it is responsible for (its children's
    /// weights included).
    pub weight: i64,
    /// Its own slice: its weight less what its children took.
    pub own: i64,
}

/// A counterexample as reports print it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CounterexampleView {
    /// The faults, described (`omit a->b@1, crash c@2`).
    pub faults: String,
    /// The violated `pre` tuples, e.g. `pre("v1") holds at EOT without post("v1")`.
    pub violated: Vec<String>,
    /// The runtime error that stopped the run, if any.
    pub error: Option<String>,
    /// The command line that replays it.
    pub replay: String,
}

/// One run as a spacetime diagram: a lane per node, time downward.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Lanes {
    /// The caption (`failure-free run`, `counterexample`).
    pub title: String,
    /// The nodes, one lane each, in order.
    pub nodes: Vec<String>,
    /// The last timestep.
    pub eot: u32,
    /// End of finite failures (no omission from then on).
    pub eff: u32,
    /// The messages.
    pub messages: Vec<LaneMessage>,
    /// Crash points: (index into `nodes`, time).
    pub crashes: Vec<(usize, u32)>,
}

/// One message of a spacetime diagram.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LaneMessage {
    /// The sender (index into the nodes).
    pub from: usize,
    /// The destination (index into the nodes).
    pub to: usize,
    /// When it was sent.
    pub sent: u32,
    /// When it arrived, if it did by EOT.
    pub received: Option<u32>,
    /// What happened to it.
    pub fate: MessageFate,
    /// The tuple it carried, e.g. `replicate("r1", "primary", "v1")`.
    pub label: String,
}

/// What happened to a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageFate {
    /// Arrived on time.
    Delivered,
    /// Arrived late by this many timesteps (or after EOT).
    Delayed(u32),
    /// Lost by an omission.
    Omitted,
    /// Never sent on: its sender had crashed.
    CrashSilenced,
}

/// A provenance graph ready to lay out.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GraphView {
    /// The caption.
    pub title: String,
    /// A file-name-safe name for the DOT file written beside the report.
    pub slug: String,
    /// The vertices.
    pub vertices: Vec<GraphVertex>,
    /// Edges from a derived vertex to what it rests on (indices into `vertices`).
    pub edges: Vec<(usize, usize)>,
}

/// One vertex of a [`GraphView`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GraphVertex {
    /// A stable identity (the same event has the same id in every run).
    pub id: String,
    /// What it shows.
    pub label: String,
    /// A tuple or a rule firing.
    pub kind: VertexKind,
    /// How the Nemo difference marks it.
    pub highlight: Highlight,
}

/// A tuple or a rule firing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VertexKind {
    /// A tuple (at a time, until normalised).
    Goal,
    /// A rule instance.
    Firing,
}

/// How the Nemo difference marks a vertex.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Highlight {
    /// Happened in both runs (or nothing to compare).
    #[default]
    None,
    /// Happened in the good run, never in the failed one.
    Missing,
    /// On the skeleton difference (`SkelDiffC`): every good run did it, the failed one did not.
    Skeleton,
    /// On the frontier (`DiffC`): where the failed run departed.
    Frontier,
}

/// Which query a finding answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Query {
    /// `DiffC` against the closest good run.
    DiffC,
    /// `SkelDiffC` over every good run.
    SkelDiffC,
    /// The frontier of the whole closest good run.
    Missing,
}

impl Query {
    /// The stable rule id of its SARIF results.
    pub fn rule_id(self) -> &'static str {
        match self {
            Query::DiffC => "ldfi/diffc-frontier",
            Query::SkelDiffC => "ldfi/skeleton-difference",
            Query::Missing => "ldfi/missing-event",
        }
    }

    /// The query's name as the Nemo paper writes it.
    pub fn name(self) -> &'static str {
        match self {
            Query::DiffC => "DiffC",
            Query::SkelDiffC => "SkelDiffC",
            Query::Missing => "missing",
        }
    }
}

/// One frontier vertex: an event of the good run(s) the failed run lacks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// The query that found it.
    pub query: Query,
    /// The event, e.g. `replicate("r1", "primary", "v1")`.
    pub event: String,
    /// What did not happen, in words.
    pub why: String,
    /// The rules that produced it in the good run(s).
    pub rules: Vec<SourceLocation>,
}

/// A place in a `.ded` file.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct SourceLocation {
    /// The file, as the program was loaded.
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
}

impl SourceLocation {
    /// Parses `file:line:col`; `None` if it is not of that shape.
    pub fn parse(s: &str) -> Option<SourceLocation> {
        let mut parts = s.rsplitn(3, ':');
        let column = parts.next()?.parse().ok()?;
        let line = parts.next()?.parse().ok()?;
        let file = parts.next().filter(|f| !f.is_empty())?.to_string();
        Some(SourceLocation { file, line, column })
    }
}

impl std::fmt::Display for SourceLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// One repair candidate and what the search made of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PatchView {
    /// `correction`, `retry`, `ordering`...
    pub kind: String,
    /// What it does, in one sentence.
    pub summary: String,
    /// A unified diff.
    pub diff: String,
    /// Whether the search verified it.
    pub status: PatchStatus,
    /// Runs the verification made.
    pub runs: usize,
    /// The same change as line replacements per file (for SARIF fixes).
    pub edits: Vec<FileEdit>,
    /// The robustness ladder, one mark per rung (empty: not climbed).
    pub ladder: Vec<RungView>,
}

/// One rung of a candidate's robustness ladder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RungView {
    /// The rung (`EFF=EOT`, `EOT+3`, ...).
    pub rung: String,
    /// Its bounds.
    pub bounds: String,
    /// Whether the candidate holds there (`None`: undecided).
    pub holds: Option<bool>,
    /// For a failed rung: the counterexample, and its replay line.
    pub counterexample: Option<(String, String)>,
}

/// What the search made of a candidate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PatchStatus {
    /// No counterexample at the same bounds.
    Verified {
        /// What the certificate covers.
        certificate: String,
    },
    /// `pre` no longer holds without faults: it fixes nothing.
    Vacuous,
    /// The search still breaks it.
    Broken {
        /// The faults.
        faults: String,
        /// The command that replays the failure on the patched program.
        replay: String,
    },
    /// Rejected for another reason.
    Rejected {
        /// Why.
        reason: String,
    },
}

impl PatchStatus {
    /// `verified`, `vacuous`, `still broken` or `rejected`.
    pub fn name(&self) -> &'static str {
        match self {
            PatchStatus::Verified { .. } => "verified",
            PatchStatus::Vacuous => "vacuous",
            PatchStatus::Broken { .. } => "still broken",
            PatchStatus::Rejected { .. } => "rejected",
        }
    }
}

/// The changes a patch makes to one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileEdit {
    /// The file (relative to the current directory where it lies below it).
    pub path: String,
    /// Its replacements, top to bottom, in the original's line numbers.
    pub replacements: Vec<LineReplacement>,
}

/// Whole lines replaced by new text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineReplacement {
    /// The first line replaced (1-based; for a pure insertion, the line it goes before).
    pub start_line: u32,
    /// How many lines are deleted (0 for a pure insertion).
    pub deleted: u32,
    /// The text put in their place (whole lines, each ending in a newline).
    pub inserted: String,
}

/// One spec of a hunt, for the CI formats.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HuntRow {
    /// The spec file.
    pub spec: String,
    /// Its description.
    pub description: Option<String>,
    /// The expected verdict, if the spec says.
    pub expected: Option<Expect>,
    /// The verdict, or [`Conclusion::Error`].
    pub verdict: Conclusion,
    /// Whether the expectation was met.
    pub met: bool,
    /// Runs evaluated (none for an error).
    pub runs: Option<usize>,
    /// Wall time in milliseconds (none for an error).
    pub elapsed_ms: Option<u64>,
    /// Why the spec could not be checked, or the reason of an inconclusive search.
    pub error: Option<String>,
    /// Where the error is, when it is at a place in a file (a syntax error
    /// in a `.ded` file).
    pub location: Option<SourceLocation>,
    /// What a certificate covers.
    pub certificate: Option<String>,
    /// The first counterexample.
    pub counterexample: Option<CounterexampleView>,
    /// Where the failed run departed (frontier rules).
    pub findings: Vec<Finding>,
    /// Repair candidates, verified ones first.
    pub patches: Vec<PatchView>,
}
