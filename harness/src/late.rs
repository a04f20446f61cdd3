//! Why an event came when it did, over runs of a target: the temporal
//! provenance of `nemo::temporal` (the Zeno method) with each fault's
//! counterfactual replay, as typed results that every output renders.
//!
//! Two questions:
//!
//! - [`between`]: the delay between two events of one run, attributed to
//!   its causes;
//! - [`post`]: why `post` came later in a search's counterexample than in
//!   the failure-free run, or not at all before EOT (the run is then
//!   carried on past EOT to see whether it ever would). The delay is
//!   measured from `pre`'s trigger ([`trigger`]).
//!
//! Each fault of the run is removed in turn and the run replayed: the
//! actual change of the delay is shown beside the weight the annotation
//! gave the fault. This module owns the answers; the CLI parses and
//! renders.

use std::fmt::Write as _;

use dedalus::eval::{Cancel, EvalError, Evaluator, Run, RunConfig};
use dedalus::provenance::{Origin, Time, TupleId};
use dedalus::value::Value;
use nemo::temporal::{Cause, Counterfactual, Late, LateError, RunEvents, Sequencing, Via};
use serde::Serialize;

use crate::{FaultSet, Outcome, Target, Verdict};

/// Why a delay could not be explained.
#[derive(Debug, thiserror::Error)]
pub enum ExplainError {
    /// The temporal query (a tuple not established at its time, unrelated
    /// events).
    #[error(transparent)]
    Late(#[from] LateError),
    /// A run or a replay failed (or was interrupted, or timed out).
    #[error(transparent)]
    Eval(#[from] EvalError),
    /// The target could not run.
    #[error(transparent)]
    Target(#[from] crate::Error),
    /// The counterexample breaks no `pre`/`post` pair.
    #[error("the counterexample has no pre tuple without post (a runtime error?)")]
    NoViolation,
    /// The program has no `post` relation.
    #[error("the program has no post relation")]
    NoPost,
}

impl ExplainError {
    /// Whether the answer was given up on a signal.
    pub fn interrupted(&self) -> bool {
        matches!(
            self,
            ExplainError::Eval(EvalError::Interrupted { .. })
                | ExplainError::Target(crate::Error::Eval(EvalError::Interrupted { .. }))
        )
    }
}

/// One cause of a delay, as every output shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CauseView {
    /// The event (`(and N similar)` once aggregated).
    pub vertex: String,
    /// `INS`, `DRV`, `SND`, `RCV` or `LOSS`.
    pub kind: &'static str,
    /// Its node.
    pub node: String,
    /// The interval it is responsible for.
    pub interval: [i64; 2],
    /// The delay it contributed.
    pub weight: i64,
    /// Why it hangs off its parent other than as a precondition: `queued
    /// behind, same node`, `retry after loss`, `re-sent while held back`,
    /// `waited for notin`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub edge: Option<&'static str>,
    /// The causes below it, largest weight first.
    pub children: Vec<CauseView>,
}

impl CauseView {
    /// The view of `c` and its subtree.
    pub fn of(c: &Cause) -> CauseView {
        CauseView {
            vertex: c.vertex(),
            kind: c.kind.name(),
            node: c.node.clone(),
            interval: [c.interval.0, c.interval.1],
            weight: c.weight,
            edge: edge(c.via),
            children: c.children.iter().map(CauseView::of).collect(),
        }
    }

    /// The tree as text, one cause a line.
    pub fn text(&self) -> String {
        fn line(out: &mut String, c: &CauseView, depth: usize) {
            // Deep chains (a long @next counter) indent no further than
            // this, and say their depth instead.
            const DEEPEST: usize = 40;
            let indent = if depth > DEEPEST {
                format!("{}[depth {depth}] ", "  ".repeat(DEEPEST))
            } else {
                "  ".repeat(depth)
            };
            let via = c.edge.map_or_else(String::new, |e| format!("  ({e})"));
            let _ = writeln!(
                out,
                "{:>4}  {indent}{} {} on {} [{}, {}]{via}",
                c.weight, c.kind, c.vertex, c.node, c.interval[0], c.interval[1]
            );
            for k in &c.children {
                line(out, k, depth + 1);
            }
        }
        let mut out = String::from("weight  cause (kind, event, node, interval)\n");
        line(&mut out, self, 0);
        out
    }
}

/// The reason shown on an edge of the tree.
fn edge(via: Via) -> Option<&'static str> {
    match via {
        Via::Root | Via::Causal => None,
        Via::Sequencing(Sequencing::Local) => Some("queued behind, same node"),
        Via::Sequencing(Sequencing::Retry) => Some("retry after loss"),
        Via::Sequencing(Sequencing::Delay) => Some("re-sent while held back"),
        Via::Sequencing(Sequencing::Negation) => Some("waited for notin"),
    }
}

/// The explained delay between two events of one run.
#[derive(Clone, Debug, Serialize)]
pub struct Explained {
    /// The earlier event.
    pub from: String,
    /// The later event.
    pub to: String,
    /// Steps between them.
    pub delay: i64,
    /// Its causes.
    pub tree: CauseView,
    /// When the later event came.
    #[serde(skip)]
    pub to_time: Time,
    /// The tree as nemo built it (for the HTML report).
    #[serde(skip)]
    pub cause: Cause,
}

impl Explained {
    fn of(run: &Run, late: &Late, from: TupleId, to: TupleId) -> Explained {
        Explained {
            from: run.show_tuple(from),
            to: run.show_tuple(to),
            delay: late.delay(),
            tree: CauseView::of(&late.tree),
            to_time: run.tuple(to).time,
            cause: late.tree.clone(),
        }
    }
}

/// One fault of the run, its annotated weight and its replay without it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FaultReplay {
    /// The fault as a command-line flag.
    pub fault: String,
    /// The delay the annotation attributes to the fault's own events
    /// (`None` when there is no delay to annotate).
    pub weight: Option<i64>,
    /// The delay in the replay without it (`None`: the later event never
    /// follows there).
    pub delay: Option<i64>,
    /// The replay's delay less the delay with the fault.
    pub change: Option<i64>,
}

impl FaultReplay {
    fn of(c: &Counterfactual) -> FaultReplay {
        FaultReplay {
            fault: c.fault.clone(),
            weight: Some(c.weight),
            delay: c.delay,
            change: c.change,
        }
    }
}

/// The answer of [`between`].
#[derive(Clone, Debug, Serialize)]
pub struct Between {
    /// The delay and its causes.
    #[serde(flatten)]
    pub late: Explained,
    /// Each fault of the run, removed and the run replayed.
    pub faults: Vec<FaultReplay>,
    /// The line that replays the run.
    pub replay: String,
}

impl Between {
    /// The answer as text.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let l = &self.late;
        let _ = writeln!(
            out,
            "late: {} came {} after {}",
            l.to,
            steps(l.delay),
            l.from
        );
        out.push('\n');
        out.push_str(&l.tree.text());
        if !self.faults.is_empty() {
            out.push('\n');
            out.push_str(&faults_text(&self.faults, "the delay"));
        }
        let _ = writeln!(out, "\nreplay: {}", self.replay);
        out
    }
}

/// Explains the delay from tuple `from` to tuple `to` of `run` (evaluated
/// by `eval` under `cfg`, replayed by `replay`), replaying the run without
/// each of its faults within `cancel`.
pub fn between(
    eval: &Evaluator,
    cfg: &RunConfig,
    run: &Run,
    (from, to): (TupleId, TupleId),
    replay: String,
    cancel: &Cancel,
) -> Result<Between, ExplainError> {
    let l = nemo::temporal::late(run, from, to)?;
    let faults = nemo::temporal::counterfactuals(
        eval,
        cfg,
        run,
        &l.events,
        &l.annotation,
        (from, to),
        cancel,
    )?;
    Ok(Between {
        late: Explained::of(run, &l, from, to),
        faults: faults.iter().map(FaultReplay::of).collect(),
        replay,
    })
}

/// The answer of [`post`].
#[derive(Clone, Debug, Serialize)]
pub struct PostLate {
    /// The `post` tuple missing at EOT in the counterexample (`None`: no
    /// counterexample).
    pub post: Option<String>,
    /// The search's verdict: `holds`, `holds vacuously`, `violated`,
    /// `inconclusive`, `interrupted`.
    pub verdict: &'static str,
    /// The run's EOT.
    pub eot: Time,
    /// Post's delay in the failure-free run.
    pub good: Option<Explained>,
    /// Post's delay in the counterexample (carried on past EOT).
    pub counterexample: Option<Explained>,
    /// How far the counterexample was carried on.
    pub extended_to: Option<Time>,
    /// When post held in the counterexample and was gone by EOT.
    pub came_and_went: Option<Time>,
    /// Each fault of the counterexample, removed and the run replayed.
    pub faults: Vec<FaultReplay>,
    /// The line that replays the counterexample.
    pub replay: Option<String>,
    /// The counterexample's faults in words.
    #[serde(skip)]
    pub described: String,
}

/// The verdict in words, `holds vacuously` when no run had a `pre` tuple.
fn verdict_name(outcome: &Outcome) -> &'static str {
    match outcome.verdict {
        Verdict::Holds if outcome.vacuous() => "holds vacuously",
        ref v => v.name(),
    }
}

/// Explains why `post` came late (or never) in the first counterexample of
/// the search `outcome` over `target`, within `cancel`.
pub fn post(target: &Target, outcome: &Outcome, cancel: &Cancel) -> Result<PostLate, ExplainError> {
    let space = target.space();
    let Some(cx) = outcome.counterexample() else {
        return Ok(PostLate {
            post: None,
            verdict: verdict_name(outcome),
            eot: space.eot,
            good: None,
            counterexample: None,
            extended_to: None,
            came_and_went: None,
            faults: Vec::new(),
            replay: None,
            described: String::new(),
        });
    };
    let bad = &cx.run;
    let Some(missing) = bad.violations().and_then(|v| v.into_iter().next()) else {
        return Err(ExplainError::NoViolation);
    };
    let Some(post_rel) = bad.program().relation("post") else {
        return Err(ExplainError::NoPost);
    };
    let shown = bad.show_atom(post_rel, &missing);
    let run_of = |faults: &FaultSet, eot: Time| -> Result<Run, EvalError> {
        let cfg = RunConfig {
            eot,
            eff: space.eff,
            max_delay: space.max_delay,
            faults: faults.clone(),
            limits: target.limits,
        };
        target.evaluator().run_until(&cfg, cancel)
    };
    let good = run_of(&FaultSet::none(), space.eot)?;
    let good_answer = match values_in(bad, &good, &missing) {
        Some(v) => post_answer(&good, &v, 1)?,
        None => None,
    };
    // Post is missing at EOT in the counterexample: where a stretch of it
    // began after EOT in the run carried on under the same faults (a
    // stretch that ended before EOT came and went).
    let horizon = (space.eot * 3 + space.max_delay + 2).min(dedalus::eval::MAX_EOT);
    let cfg = RunConfig {
        eot: horizon,
        eff: space.eff,
        max_delay: space.max_delay,
        faults: cx.faults.clone(),
        limits: target.limits,
    };
    let came_and_went = (1..=space.eot).find(|&t| bad.find(post_rel, &missing, t).is_some());
    let longer = target.evaluator().run_until(&cfg, cancel)?;
    let bad_answer = match values_in(bad, &longer, &missing) {
        Some(v) => post_answer(&longer, &v, space.eot + 1)?,
        None => None,
    };
    let faults = match &bad_answer {
        Some(a) => nemo::temporal::counterfactuals(
            target.evaluator(),
            &cfg,
            &longer,
            &a.late.events,
            &a.late.annotation,
            (a.from, a.to),
            cancel,
        )?
        .iter()
        .map(FaultReplay::of)
        .collect(),
        None => {
            // Post never comes: for each fault, the run without it and
            // post's delay there (within EOT); no weight, no finite change.
            let mut out = Vec::new();
            for f in cx.faults.iter() {
                let rest: FaultSet = cx.faults.iter().filter(|g| *g != f).copied().collect();
                let run = run_of(&rest, space.eot)?;
                let delay = match values_in(bad, &run, &missing) {
                    Some(v) => post_answer(&run, &v, 1)?.map(|a| a.late.delay()),
                    None => None,
                };
                let one: FaultSet = std::iter::once(*f).collect();
                out.push(FaultReplay {
                    fault: one.flags(&space.nodes),
                    weight: None,
                    delay,
                    change: None,
                });
            }
            out
        }
    };
    Ok(PostLate {
        post: Some(shown),
        verdict: verdict_name(outcome),
        eot: space.eot,
        good: good_answer
            .as_ref()
            .map(|a| Explained::of(&good, &a.late, a.from, a.to)),
        counterexample: bad_answer
            .as_ref()
            .map(|a| Explained::of(&longer, &a.late, a.from, a.to)),
        extended_to: Some(horizon),
        came_and_went,
        faults,
        replay: Some(cx.replay.clone()),
        described: cx.faults.describe(&space.nodes),
    })
}

impl PostLate {
    /// The answer as text.
    pub fn text(&self) -> String {
        let Some(shown) = &self.post else {
            let verdict = self.verdict.to_uppercase();
            return format!(
                "no counterexample ({verdict}): post is never missing at EOT, so never late\n"
            );
        };
        let mut out = String::new();
        let _ = writeln!(
            out,
            "late: {shown} is missing at EOT {} in the counterexample ({})",
            self.eot, self.described
        );
        match &self.good {
            Some(a) => {
                let _ = writeln!(
                    out,
                    "  failure-free run: {} came {} after {}",
                    a.to,
                    steps(a.delay),
                    a.from
                );
            }
            None => {
                let _ = writeln!(out, "  failure-free run: {shown} never holds either");
            }
        }
        if let Some(t) = self.came_and_went {
            let _ = writeln!(
                out,
                "  counterexample:   {shown} held at t={t} but was gone by EOT {}",
                self.eot
            );
        }
        match (&self.counterexample, self.extended_to) {
            (Some(a), extended) => {
                let after = match extended {
                    Some(h) if a.to_time > self.eot => {
                        format!(" (after EOT: the run carried on to t={h})")
                    }
                    _ => String::new(),
                };
                let _ = writeln!(
                    out,
                    "  counterexample:   {} came {} after {}{after}",
                    a.to,
                    steps(a.delay),
                    a.from
                );
            }
            (None, Some(h)) => {
                let _ = writeln!(
                    out,
                    "  counterexample:   {shown} never comes (the run carried on to t={h})"
                );
            }
            (None, None) => {}
        }
        if let Some(a) = &self.good {
            let _ = writeln!(out, "\nfailure-free run, why {}:", steps(a.delay));
            out.push_str(&a.tree.text());
        }
        if let Some(a) = &self.counterexample {
            let _ = writeln!(out, "\ncounterexample, why {}:", steps(a.delay));
            out.push_str(&a.tree.text());
            out.push('\n');
            out.push_str(&faults_text(&self.faults, "post's delay"));
        } else if !self.faults.is_empty() {
            out.push_str("\nfaults, each removed and the run replayed:\n");
            let width = self.faults.iter().map(|c| c.fault.len()).max().unwrap_or(0);
            for c in &self.faults {
                let then = match c.delay {
                    Some(d) => format!("post comes, {} after the same start", steps(d)),
                    None => "post still never comes by EOT".to_string(),
                };
                let _ = writeln!(out, "  {:<width$}  replayed: {then}", c.fault);
            }
        }
        if let Some(r) = &self.replay {
            let _ = writeln!(out, "\nreplay: {r}");
        }
        out
    }
}

fn steps(n: i64) -> String {
    format!("{n} step{}", if n == 1 { "" } else { "s" })
}

fn faults_text(faults: &[FaultReplay], what: &str) -> String {
    let mut out = String::from("faults, each removed and the run replayed:\n");
    let width = faults.iter().map(|c| c.fault.len()).max().unwrap_or(0);
    for c in faults {
        let actual = match (c.delay, c.change) {
            (Some(d), Some(ch)) => format!("{what} would be {d} ({ch:+})"),
            _ => format!("{what} would not arise (the later event never follows)"),
        };
        let _ = writeln!(
            out,
            "  {:<width$}  annotated weight {}  replayed: {actual}",
            c.fault,
            c.weight.unwrap_or(0)
        );
    }
    out
}

/// The values of `values` (from `src`) in `dst`'s interner.
fn values_in(src: &Run, dst: &Run, values: &[Value]) -> Option<Vec<Value>> {
    values
        .iter()
        .map(|&v| match v {
            Value::Int(_) => Some(v),
            Value::Str(s) => dst
                .interner()
                .get(src.interner().resolve(s))
                .map(Value::Str),
        })
        .collect()
}

/// Where `--post` measures `post`'s delay from: `pre`'s trigger, the fact
/// that completed `pre`'s preconditions — of the facts (established at
/// their time) in the lineage of both `pre` and `post`, the latest, ties
/// broken by their text. Without a `pre` tuple to go by, the earliest fact
/// in `post`'s lineage.
pub fn trigger(run: &Run, events: &RunEvents, values: &[Value], post: TupleId) -> Option<TupleId> {
    let prov = run.provenance();
    let facts = |t: TupleId| -> Vec<TupleId> {
        prov.leaves(t)
            .into_iter()
            .filter(|&id| {
                events.established(id)
                    && prov
                        .origins(id)
                        .iter()
                        .any(|o| matches!(o, Origin::Fact(_)))
            })
            .collect()
    };
    let of_post = facts(post);
    let pre = run.program().relation("pre").and_then(|rel| {
        (1..=run.tuple(post).time)
            .rev()
            .find_map(|t| run.find(rel, values, t))
    });
    if let Some(pre) = pre {
        let of_pre = facts(pre);
        let shared = of_post.iter().copied().filter(|id| of_pre.contains(id));
        let latest =
            shared.min_by_key(|&id| (std::cmp::Reverse(run.tuple(id).time), run.show_tuple(id)));
        if latest.is_some() {
            return latest;
        }
    }
    of_post
        .into_iter()
        .min_by_key(|&id| (run.tuple(id).time, run.show_tuple(id)))
}

/// One run's answer for `--post`: where `post` came, and why then.
struct PostAnswer {
    from: TupleId,
    to: TupleId,
    late: Late,
}

/// Where `post(values)` was first established at or after `from` in `run`,
/// and why then (measured from `pre`'s trigger).
fn post_answer(
    run: &Run,
    values: &[Value],
    from: Time,
) -> Result<Option<PostAnswer>, ExplainError> {
    let Some(rel) = run.program().relation("post") else {
        return Ok(None);
    };
    let events = nemo::temporal::events(run).map_err(LateError::from)?;
    let Some(to) =
        nemo::temporal::dedalus::established_at_or_after(run, &events, rel, values, from)
    else {
        return Ok(None);
    };
    let Some(from) = trigger(run, &events, values, to) else {
        return Ok(None);
    };
    let late = nemo::temporal::late_in(run, events, from, to)?;
    Ok(Some(PostAnswer { from, to, late }))
}
