//! Wat-provenance of one tuple of a run (Wat-provenance: "the cause of an
//! output is a minimal sub-trace of the input that suffices to produce it,
//! closed under supertrace").
//!
//! The *trace* of a Dedalus run is its inputs: the facts that hold in it and
//! the individual messages delivered between different nodes. A sub-trace
//! `W` is a *witness* of a tuple if replaying the run with only `W`'s
//! inputs still produces the tuple; a replay holds every fact of `W` and
//! delivers only the messages that the run delivered and `W` keeps (a
//! message the replay sends that the run never sent, or that `W` leaves
//! out, is lost). `W` is *closed under supertrace* if every sub-trace
//! between `W` and the whole run produces the tuple too, so that adding
//! back inputs the run had can never take the tuple away — which is what
//! makes the answer right for `notin` (an input that blocks a negation
//! belongs to the answer). The wat-provenance is the set of subset-minimal
//! closed witnesses.
//!
//! Inputs that cannot matter are pruned first: facts and messages whose
//! relation the tuple's relation does not depend on (through any rule, of
//! either polarity), and inputs after the tuple's time. They stay in every
//! replay. When at most [`MAX_EXACT`] candidates remain, the answer is exact
//! by replay ([`mod@search`]); beyond, or when the search runs out of
//! replays or time, it is the tuple's lineage (the inputs its recorded
//! derivations used), labelled an approximation with the reason.
//!
//! - [`mod@replay`]: replays of the run with a sub-trace of its inputs;
//! - [`mod@search`]: the exact search, smallest witnesses first, pruned by
//!   the polarity of each input;
//! - [`mod@answer`]: the answer as a person or a script reads it.
//!
//! This module owns the search; it knows nothing of fault search or specs.

pub mod answer;
pub mod replay;
pub mod search;

use std::collections::BTreeSet;

use dedalus::eval::{Cancel, EvalError, Run};
use dedalus::provenance::{Fate, MessageId, NodeId, Origin, Time, TupleId};
use serde::Serialize;

pub use answer::{Explained, ShownInput, ShownWitness, explain};

/// The most candidate inputs answered exactly (2^16 sub-traces at most).
pub const MAX_EXACT: usize = 16;

/// Replays an exact answer may take before it falls back to lineage:
/// enough for every sub-trace of [`MAX_EXACT`] candidates (replays are
/// memoised, so no search over at most that many needs more; the cap
/// guards the search's own bookkeeping).
pub const MAX_REPLAYS: usize = 1 << MAX_EXACT;

/// One input of a run.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Input {
    /// The fact at this index of [`dedalus::Program::facts`].
    Fact(usize),
    /// One message delivered in the run between different nodes.
    Message(Delivered),
}

/// A message the run delivered, ordered by send time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Delivered {
    /// Send time.
    pub sent: Time,
    /// Sender.
    pub from: NodeId,
    /// Receiver.
    pub to: NodeId,
    /// Its index in the run's message log ([`Run::messages`]).
    pub id: MessageId,
}

/// A sub-trace that produces the tuple, as a sorted set of inputs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Witness {
    /// Its inputs, facts first, then messages by send time.
    pub inputs: Vec<Input>,
}

/// Why an answer is the lineage approximation rather than exact.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Approximation {
    /// More candidate inputs than [`MAX_EXACT`].
    TooManyInputs {
        /// The candidates after pruning.
        candidates: usize,
    },
    /// The exact search needed more than [`MAX_REPLAYS`] replays.
    ReplayCap {
        /// Replays made before giving up.
        replays: usize,
    },
    /// The deadline passed during the exact search.
    Deadline {
        /// Replays made before it passed.
        replays: usize,
    },
}

impl Approximation {
    /// Why, in a few words: `more than 16 candidate inputs to replay
    /// exactly`, `the exact search hit its cap of 16384 replays`, ...
    pub fn describe(&self) -> String {
        match self {
            Approximation::TooManyInputs { .. } => {
                format!("more than {MAX_EXACT} candidate inputs to replay exactly")
            }
            Approximation::ReplayCap { replays } => {
                format!("the exact search hit its cap of {MAX_REPLAYS} replays ({replays} made)")
            }
            Approximation::Deadline { replays } => {
                format!("the deadline passed during the exact search ({replays} replays made)")
            }
        }
    }
}

/// The answer to "why does this tuple hold?".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WatProvenance {
    /// The minimal witnesses closed under supertrace, smallest first (exact),
    /// or the one lineage witness (approximate).
    pub witnesses: Vec<Witness>,
    /// `None` when the answer is exact (checked by replay); otherwise why not.
    pub approximation: Option<Approximation>,
    /// The inputs that survived pruning.
    pub candidates: Vec<Input>,
    /// Replays evaluated.
    pub replays: usize,
}

impl WatProvenance {
    /// Whether the answer is exact (checked by replay).
    pub fn exact(&self) -> bool {
        self.approximation.is_none()
    }
}

/// Why no answer could be computed.
#[derive(Debug, thiserror::Error)]
pub enum WhyError {
    /// A replay failed (a runtime error under fewer inputs, a budget).
    #[error("a replay with fewer inputs failed: {0}")]
    Replay(#[source] EvalError),
    /// The whole trace, replayed, does not produce the tuple (a bug).
    #[error("the run replayed with all its inputs does not produce the tuple")]
    NotReproduced,
    /// [`produces`] was asked to remove more than 64 inputs.
    #[error("at most 64 inputs can be removed from a replay, not {0}")]
    TooManyRemoved(usize),
    /// Interrupted (SIGINT, SIGTERM).
    #[error("interrupted")]
    Interrupted,
}

/// The inputs of `run` that may matter to `goal` (see the module docs on
/// pruning): every other input is kept in every replay.
pub fn candidates(run: &Run, goal: TupleId) -> Vec<Input> {
    let t = run.tuple(goal);
    let program = run.program();
    let reach = search::polarity(program, t.rel);
    let mut candidates = Vec::new();
    for (i, f) in program.facts().iter().enumerate() {
        let Some(r) = program.relation(&f.atom.name.name) else {
            continue;
        };
        if f.time >= 1 && f.time <= u64::from(t.time) && reach[r as usize].any() {
            candidates.push(Input::Fact(i));
        }
    }
    for (id, m) in run.messages().iter().enumerate() {
        if delivered(m) && m.received.is_some_and(|r| r <= t.time) && reach[m.rel as usize].any() {
            candidates.push(Input::Message(Delivered {
                sent: m.sent,
                from: m.from,
                to: m.to,
                id: id as MessageId,
            }));
        }
    }
    candidates.sort();
    candidates
}

/// Whether message `m` is an input of its run: between different nodes,
/// and delivered.
fn delivered(m: &dedalus::provenance::Message) -> bool {
    m.from != m.to && !matches!(m.fate, Fate::Omitted | Fate::Crashed(_)) && m.received.is_some()
}

/// Whether `run` replayed without the inputs `removed` still produces
/// `goal` (the check every exact answer rests on).
pub fn produces(run: &Run, goal: TupleId, removed: &[Input]) -> Result<bool, WhyError> {
    if removed.len() > 64 {
        return Err(WhyError::TooManyRemoved(removed.len()));
    }
    // The removed inputs as the candidates, none of them kept.
    let replay = replay::Replayer::new(run, goal, removed, Cancel::never())?;
    replay.replay(0).map(|(b, _)| b).map_err(WhyError::Replay)
}

/// Computes the wat-provenance of tuple `goal` of `run` (see the module docs).
pub fn wat(run: &Run, goal: TupleId) -> Result<WatProvenance, WhyError> {
    wat_until(run, goal, &Cancel::never())
}

/// [`wat`], giving up the exact search when `cancel`'s deadline passes (the
/// answer is then the lineage, labelled so) and with
/// [`WhyError::Interrupted`] when its flag is set.
pub fn wat_until(run: &Run, goal: TupleId, cancel: &Cancel) -> Result<WatProvenance, WhyError> {
    let candidates = candidates(run, goal);
    if candidates.len() > MAX_EXACT {
        let why = Approximation::TooManyInputs {
            candidates: candidates.len(),
        };
        return Ok(lineage_answer(run, goal, candidates, 0, why));
    }
    let replayer = replay::Replayer::new(run, goal, &candidates, cancel.clone())?;
    let polarity = search::polarity(run.program(), run.tuple(goal).rel);
    let signs: Vec<search::Sign> = candidates
        .iter()
        .map(|i| polarity[relation_of(run, i) as usize])
        .collect();
    let mut s = search::Search::new(&replayer, signs);
    match s.run() {
        Ok(masks) => {
            let mut witnesses: Vec<Witness> = masks
                .into_iter()
                .map(|m| Witness {
                    inputs: (0..candidates.len())
                        .filter(|&i| m & (1 << i) != 0)
                        .map(|i| candidates[i].clone())
                        .collect(),
                })
                .collect();
            witnesses.sort_by(|a, b| {
                a.inputs
                    .len()
                    .cmp(&b.inputs.len())
                    .then_with(|| a.inputs.cmp(&b.inputs))
            });
            Ok(WatProvenance {
                witnesses,
                approximation: None,
                candidates,
                replays: s.replays(),
            })
        }
        Err(search::Stop::Cap) => {
            let replays = s.replays();
            let why = Approximation::ReplayCap { replays };
            Ok(lineage_answer(run, goal, candidates, replays, why))
        }
        Err(search::Stop::Deadline) => {
            let replays = s.replays();
            let why = Approximation::Deadline { replays };
            Ok(lineage_answer(run, goal, candidates, replays, why))
        }
        Err(search::Stop::Error(e)) => Err(e),
    }
}

/// The relation of an input.
fn relation_of(run: &Run, input: &Input) -> dedalus::RelId {
    match *input {
        Input::Fact(i) => {
            let f = &run.program().facts()[i];
            run.program()
                .relation(&f.atom.name.name)
                .expect("a candidate fact's relation exists")
        }
        Input::Message(d) => run.messages()[d.id as usize].rel,
    }
}

/// The approximation: the inputs the tuple's recorded derivations used.
fn lineage_answer(
    run: &Run,
    goal: TupleId,
    candidates: Vec<Input>,
    replays: usize,
    why: Approximation,
) -> WatProvenance {
    let prov = run.provenance();
    let mut inputs = BTreeSet::new();
    for t in prov.lineage(goal).into_iter().chain([goal]) {
        for o in prov.origins(t) {
            match *o {
                Origin::Fact(i) => {
                    inputs.insert(Input::Fact(i as usize));
                }
                Origin::Message(id) => {
                    let m = prov.message(id);
                    if delivered(m) {
                        inputs.insert(Input::Message(Delivered {
                            sent: m.sent,
                            from: m.from,
                            to: m.to,
                            id,
                        }));
                    }
                }
                Origin::Crash | Origin::Firing(_) => {}
            }
        }
    }
    WatProvenance {
        witnesses: vec![Witness {
            inputs: inputs.into_iter().collect(),
        }],
        approximation: Some(why),
        candidates,
        replays,
    }
}
