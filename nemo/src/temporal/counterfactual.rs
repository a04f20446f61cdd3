//! The counterfactual check of a delay's annotation: remove each injected
//! fault, re-run, and set the actual change in the queried delay beside the
//! weight the annotation gave the fault.
//!
//! A fault's weight is the delay its events contributed themselves (their
//! own slices, not those they handed on): the `LOSS` of each message it
//! dropped, the hold of each message it held back (and that message's
//! stretched `SND` while a later copy was sent), not the normal one-step
//! transit. The annotation says how
//! much of the delay passed *in* those events; the replay says how much
//! the delay would shrink (or grow) without the fault, which also counts
//! what the fault set in motion (a timer that had to expire, a retry).

use dedalus::eval::{Cancel, EvalError, Evaluator, Run, RunConfig};
use dedalus::faults::{Envelope, Fault, FaultSet};
use dedalus::provenance::{Fate, Message, Time, TupleId};
use dedalus::value::Value;

use super::annotate::Annotation;
use super::dedalus::{RunEvents, events};
use super::graph::Instant;
use super::query::t_query;

/// One fault of the run, its annotated weight and its replay.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Counterfactual {
    /// The fault as a command-line flag: `--omit a,b,1`, `--crash a,2`,
    /// `--delay a,b,1,2`.
    pub fault: String,
    /// The delay the annotation attributes to the fault's own events.
    pub weight: Instant,
    /// The queried delay in the run without the fault; `None` when `to`
    /// never followed `from` there.
    pub delay: Option<Instant>,
    /// `delay - ` the delay with the fault.
    pub change: Option<Instant>,
}

/// For each fault of `cfg`: its weight in `annotation` (over `run`'s
/// `events`), and the queried delay from `from` to `to` (tuples of `run`)
/// once the run is re-evaluated without it (each replay giving up when
/// `cancel` says so).
pub fn counterfactuals(
    eval: &Evaluator,
    cfg: &RunConfig,
    run: &Run,
    events_of_run: &RunEvents,
    annotation: &Annotation,
    (from, to): (TupleId, TupleId),
    cancel: &Cancel,
) -> Result<Vec<Counterfactual>, EvalError> {
    let delay = annotation.weight;
    let mut out = Vec::new();
    for fault in cfg.faults.iter() {
        let mut without = cfg.clone();
        without.faults = FaultSet::none();
        for other in cfg.faults.iter().filter(|f| *f != fault) {
            without.faults.insert(*other);
        }
        let weight = own_weight(run, events_of_run, annotation, |m| hits(fault, m));
        let replay = eval.run_until(&without, cancel)?;
        let after = replayed_delay(run, &replay, from, to);
        out.push(Counterfactual {
            fault: fault.flag(run.nodes()),
            weight,
            delay: after,
            change: after.map(|d| d - delay),
        });
    }
    Ok(out)
}

/// Whether `fault` is what happened to message `m`.
fn hits(fault: &Fault, m: &Message) -> bool {
    fault.explains(Envelope::new(m.from, m.to, m.sent), m.fate)
}

/// The sum of the own slices (weight less what was handed on) of the
/// annotation entries that are the receive, loss or hold of a message `hit`.
fn own_weight(
    run: &Run,
    events: &RunEvents,
    annotation: &Annotation,
    hit: impl Fn(&Message) -> bool,
) -> Instant {
    let mut targets = std::collections::BTreeSet::new();
    for (id, m) in run.messages().iter().enumerate() {
        if !hit(m) {
            continue;
        }
        // A delay weighs its holds only: the normal one-step transit would
        // have passed without it.
        if !matches!(m.fate, Fate::Delayed(_))
            && let Some((_, Some(after))) = events.message(id as u32)
        {
            targets.insert(after);
        }
        targets.extend(events.held(id as u32).iter().copied());
    }
    annotation
        .entries()
        .into_iter()
        .filter(|a| targets.contains(&a.vertex))
        .map(|a| a.weight - a.children.iter().map(|c| c.weight).sum::<Instant>())
        .sum()
}

/// The delay from `from` to `to` in `replay`: the stretch of `from` that
/// begins nearest its time in the original run, and the first stretch of
/// `to` that begins at or after it.
fn replayed_delay(run: &Run, replay: &Run, from: TupleId, to: TupleId) -> Option<Instant> {
    let ev = events(replay).ok()?;
    let (f, t) = (run.tuple(from), run.tuple(to));
    let fv = same_values(run, replay, f.values)?;
    let tv = same_values(run, replay, t.values)?;
    let starts = |values: &[Value], rel| -> Vec<TupleId> {
        (1..=replay.eot())
            .filter_map(|time| replay.find(rel, values, time))
            .filter(|&id| ev.established(id))
            .collect()
    };
    let from2 = starts(&fv, f.rel).into_iter().min_by_key(|&id| {
        (
            replay.tuple(id).time.abs_diff(f.time),
            replay.tuple(id).time,
        )
    })?;
    let at: Time = replay.tuple(from2).time;
    let to2 = starts(&tv, t.rel)
        .into_iter()
        .find(|&id| replay.tuple(id).time >= at)?;
    let q = t_query(&ev.graph, ev.event_of(from2), ev.event_of(to2)).ok()?;
    Some(q.delay())
}

/// `values` of `run` as values of `replay` (the same program, so the same
/// strings; interned anew).
fn same_values(run: &Run, replay: &Run, values: &[Value]) -> Option<Vec<Value>> {
    values
        .iter()
        .map(|&v| match v {
            Value::Int(_) => Some(v),
            Value::Str(s) => replay
                .interner()
                .get(run.interner().resolve(s))
                .map(Value::Str),
        })
        .collect()
}
