//! Wat-provenance of one tuple of a run (Wat-provenance: "the cause of an
//! output is a minimal sub-trace of the input that suffices to produce it,
//! closed under supertrace").
//!
//! The *trace* of a Dedalus run is its inputs: the facts that hold in it and
//! the messages delivered between different nodes, a message input being
//! one channel batch `from -> to` sent at one time (the grain at which the
//! fault model loses messages). A sub-trace `W` is a *witness* of a tuple if
//! replaying the run with only `W`'s inputs (every other fact removed, every
//! other message dropped) still produces the tuple; it is *closed under
//! supertrace* if every sub-trace between `W` and the whole run does too,
//! so that adding back inputs the run had can never take the tuple away —
//! which is what makes the answer right for `notin` (an input that blocks a
//! negation belongs to the answer). The wat-provenance is the set of
//! subset-minimal closed witnesses.
//!
//! Inputs that cannot matter are pruned first: facts and messages whose
//! relation the tuple's relation does not depend on (through any rule, of
//! either polarity), and inputs after the tuple's time. They stay in every
//! replay. When at most [`MAX_EXACT`] candidates remain, the answer is exact
//! by replay; beyond, it is the tuple's lineage (the inputs its recorded
//! derivations used), labelled an approximation.
//!
//! This module owns the search; it knows nothing of fault search or specs.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use dedalus::Program;
use dedalus::eval::{Evaluator, Run, RunConfig};
use dedalus::faults::{Fault, FaultSet};
use dedalus::provenance::{Fate, NodeId, Origin, Time, TupleId};
use rayon::prelude::*;

/// The most candidate inputs answered exactly (2^16 sub-traces at most).
pub const MAX_EXACT: usize = 16;

/// Replays an exact answer may take before it falls back to lineage.
const MAX_REPLAYS: usize = 1 << 13;

/// One input of a run.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Input {
    /// The fact at this index of [`Program::facts`].
    Fact(usize),
    /// The messages `from -> to` sent at `sent`, delivered in the run.
    Message {
        /// Sender.
        from: NodeId,
        /// Receiver.
        to: NodeId,
        /// Send time.
        sent: Time,
    },
}

/// A sub-trace that produces the tuple, as a sorted set of inputs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Witness {
    /// Its inputs, facts first, then messages by send time.
    pub inputs: Vec<Input>,
}

/// The answer to "why does this tuple hold?".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WatProvenance {
    /// The minimal witnesses closed under supertrace, smallest first (exact),
    /// or the one lineage witness (approximate).
    pub witnesses: Vec<Witness>,
    /// Whether the answer is exact (checked by replay).
    pub exact: bool,
    /// The inputs that survived pruning.
    pub candidates: Vec<Input>,
    /// Replays evaluated.
    pub replays: usize,
}

/// Why no answer could be computed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WhyError {
    /// A replay failed (a runtime error under fewer inputs, a budget).
    #[error("a replay with fewer inputs failed: {0}")]
    Replay(String),
}

/// The inputs of `run` that may matter to `goal`, and the run's delivered
/// channel batches (see the module docs on pruning).
fn candidates_of(run: &Run, goal: TupleId) -> (Vec<Input>, Delivered) {
    let t = run.tuple(goal);
    let program = run.program();
    let reach = depends_on(program, t.rel);
    let delivered = delivered_channels(run);
    let mut candidates = Vec::new();
    for (i, f) in program.facts().iter().enumerate() {
        let Some(r) = program.relation(&f.atom.name.name) else {
            continue;
        };
        if f.time >= 1 && f.time <= u64::from(t.time) && reach[r as usize] {
            candidates.push(Input::Fact(i));
        }
    }
    for (&(from, to, sent), (rels, received)) in &delivered {
        if *received <= t.time && rels.iter().any(|&r| reach[r as usize]) {
            candidates.push(Input::Message { from, to, sent });
        }
    }
    (candidates, delivered)
}

/// The inputs of `run` that may matter to `goal`: every other input is
/// kept in every replay.
pub fn candidates(run: &Run, goal: TupleId) -> Vec<Input> {
    candidates_of(run, goal).0
}

/// Whether `run` replayed without the inputs `removed` still produces
/// `goal` (the check every exact answer rests on).
pub fn produces(run: &Run, goal: TupleId, removed: &[Input]) -> Result<bool, WhyError> {
    let (_, delivered) = candidates_of(run, goal);
    let mut replay = Replay::new(run, goal, &delivered);
    replay.holds(&removed.iter().collect::<Vec<_>>())
}

/// Computes the wat-provenance of tuple `goal` of `run` (see the module docs).
pub fn wat(run: &Run, goal: TupleId) -> Result<WatProvenance, WhyError> {
    let (candidates, delivered) = candidates_of(run, goal);
    if candidates.len() > MAX_EXACT {
        return Ok(lineage_answer(run, goal, candidates, 0));
    }
    let mut replay = Replay::new(run, goal, &delivered);
    match exact(&mut replay, &candidates)? {
        Some(witnesses) => Ok(WatProvenance {
            witnesses,
            exact: true,
            candidates,
            replays: replay.count,
        }),
        None => Ok(lineage_answer(run, goal, candidates, replay.count)),
    }
}

/// The approximation: the inputs the tuple's recorded derivations used.
fn lineage_answer(
    run: &Run,
    goal: TupleId,
    candidates: Vec<Input>,
    replays: usize,
) -> WatProvenance {
    let prov = run.provenance();
    let mut inputs = BTreeSet::new();
    for t in prov.lineage(goal).into_iter().chain([goal]) {
        for o in prov.origins(t) {
            match *o {
                Origin::Fact(i) => {
                    inputs.insert(Input::Fact(i as usize));
                }
                Origin::Message(m) => {
                    let m = prov.message(m);
                    if m.from != m.to {
                        inputs.insert(Input::Message {
                            from: m.from,
                            to: m.to,
                            sent: m.sent,
                        });
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
        exact: false,
        candidates,
        replays,
    }
}

/// `out[r]`: relation `goal` depends on relation `r` (through any rule).
fn depends_on(program: &Program, goal: dedalus::RelId) -> Vec<bool> {
    use dedalus::syntax::ast::Literal;
    let n = program.relations().len();
    let mut out = vec![false; n];
    out[goal as usize] = true;
    let mut changed = true;
    while changed {
        changed = false;
        for rule in program.rules() {
            let Some(h) = program.relation(&rule.head.name.name) else {
                continue;
            };
            if !out[h as usize] {
                continue;
            }
            for lit in &rule.body {
                if let Literal::Atom(a) = lit
                    && let Some(b) = program.relation(&a.atom.name.name)
                    && !out[b as usize]
                {
                    out[b as usize] = true;
                    changed = true;
                }
            }
        }
    }
    out
}

/// A channel batch: the messages `from -> to` sent at one time.
type Channel = (NodeId, NodeId, Time);

/// The channel batches delivered in `run` between different nodes: their
/// relations and arrival time.
type Delivered = BTreeMap<Channel, (BTreeSet<dedalus::RelId>, Time)>;

fn delivered_channels(run: &Run) -> Delivered {
    let mut out = Delivered::new();
    for m in run.messages() {
        if m.from == m.to || matches!(m.fate, Fate::Omitted | Fate::Crashed(_)) {
            continue;
        }
        let Some(received) = m.received else {
            continue;
        };
        let e = out
            .entry((m.from, m.to, m.sent))
            .or_insert_with(|| (BTreeSet::new(), received));
        e.0.insert(m.rel);
    }
    out
}

/// Replays of one run with some of its inputs removed.
struct Replay<'r> {
    run: &'r Run,
    rel: dedalus::RelId,
    time: Time,
    /// The goal's values as text (replays intern values afresh).
    shown: Vec<String>,
    delivered: &'r Delivered,
    /// One compiled program per set of removed facts.
    evaluators: HashMap<BTreeSet<usize>, Evaluator>,
    count: usize,
}

impl<'r> Replay<'r> {
    fn new(run: &'r Run, goal: TupleId, delivered: &'r Delivered) -> Replay<'r> {
        let t = run.tuple(goal);
        Replay {
            run,
            rel: t.rel,
            time: t.time,
            shown: t.values.iter().map(|&v| run.show_value(v)).collect(),
            delivered,
            evaluators: HashMap::new(),
            count: 0,
        }
    }

    /// Whether the goal holds with the inputs `removed` taken away.
    fn holds(&mut self, removed: &[&Input]) -> Result<bool, WhyError> {
        Ok(self.replay(removed)?.0)
    }

    /// Whether the goal holds with the inputs `removed` taken away, and the
    /// kept channel batches on which that replay sent nothing (dropping
    /// them too would replay the very same run).
    fn replay(&mut self, removed: &[&Input]) -> Result<(bool, BTreeSet<Channel>), WhyError> {
        let eval = self.prepare(removed)?;
        self.count += 1;
        self.evaluate(&eval, removed)
    }

    /// The program compiled without the facts in `removed` (cached: one
    /// compilation per set of removed facts).
    fn prepare(&mut self, removed: &[&Input]) -> Result<Evaluator, WhyError> {
        let facts: BTreeSet<usize> = removed
            .iter()
            .filter_map(|i| match i {
                Input::Fact(f) => Some(*f),
                Input::Message { .. } => None,
            })
            .collect();
        if let Some(e) = self.evaluators.get(&facts) {
            return Ok(e.clone());
        }
        let program = self.run.program().with_facts(|i| !facts.contains(&i));
        let e = Evaluator::new(&program, self.run.nodes())
            .map_err(|e| WhyError::Replay(e.to_string()))?;
        self.evaluators.insert(facts, e.clone());
        Ok(e)
    }

    /// [`Replay::replay`] on a program `prepare` compiled for `removed`.
    fn evaluate(
        &self,
        eval: &Evaluator,
        removed: &[&Input],
    ) -> Result<(bool, BTreeSet<Channel>), WhyError> {
        let dropped: BTreeSet<Channel> = removed
            .iter()
            .filter_map(|i| match **i {
                Input::Message { from, to, sent } => Some((from, to, sent)),
                Input::Fact(_) => None,
            })
            .collect();
        let run = self.run;
        let replayed = eval
            .run(&self.config(&dropped))
            .map_err(|e| WhyError::Replay(e.to_string()))?;
        let name = &run.program().relations()[self.rel as usize].name;
        let holds = replayed.relation_at(name, self.time).iter().any(|row| {
            row.len() == self.shown.len()
                && row
                    .iter()
                    .zip(&self.shown)
                    .all(|(&v, s)| replayed.show_value(v) == *s)
        });
        let mut silent: BTreeSet<Channel> = self
            .delivered
            .keys()
            .filter(|k| !dropped.contains(k))
            .copied()
            .collect();
        for m in replayed.messages() {
            silent.remove(&(m.from, m.to, m.sent));
        }
        Ok((holds, silent))
    }

    /// The run's schedule, with every channel batch that is not a kept
    /// delivered one omitted: a sub-trace holds no message the run did not
    /// deliver, and none of the `dropped` ones.
    fn config(&self, dropped: &BTreeSet<Channel>) -> RunConfig {
        let run = self.run;
        let eot = run.eot();
        let original = run.faults();
        let names = run.nodes();
        let kept = |k: &Channel| self.delivered.contains_key(k) && !dropped.contains(k);
        let mut omissions = Vec::new();
        let n = names.len() as NodeId;
        for sent in 1..eot {
            for from in 0..n {
                for to in 0..n {
                    if from != to && !kept(&(from, to, sent)) {
                        omissions.push(Fault::Omission {
                            from,
                            to,
                            time: sent,
                        });
                    }
                }
            }
        }
        let mut faults: FaultSet = omissions.into_iter().collect();
        let mut max_delay = 0;
        for f in original.iter() {
            match *f {
                Fault::Delay { from, to, time, by } if kept(&(from, to, time)) => {
                    max_delay = max_delay.max(by);
                    faults.insert(*f);
                }
                Fault::Crash { .. } => faults.insert(*f),
                // Recomputed above from what the sub-trace keeps.
                Fault::Omission { .. } | Fault::Delay { .. } | Fault::Partition { .. } => {}
            }
        }
        let mut cfg = RunConfig::new(eot);
        cfg.eff = eot;
        cfg.max_delay = max_delay;
        cfg.faults = faults;
        cfg
    }
}

/// The exact answer: the minimal sub-traces all of whose supertraces
/// produce the goal, searched from the whole trace down. A sub-trace is
/// explored only when all its one-larger supertraces are closed witnesses
/// (closedness is upward-closed, so nothing below a failure can be one).
/// `None` when the replay budget runs out.
fn exact(replay: &mut Replay<'_>, candidates: &[Input]) -> Result<Option<Vec<Witness>>, WhyError> {
    let n = candidates.len();
    let full: u32 = (1 << n) - 1;
    // Results by kept mask; one replay answers every mask that differs
    // from it only by channels it left silent.
    let mut known: HashMap<u32, bool> = HashMap::new();
    let bit_of: HashMap<Channel, u32> = candidates
        .iter()
        .enumerate()
        .filter_map(|(i, c)| match *c {
            Input::Message { from, to, sent } => Some(((from, to, sent), 1 << i)),
            Input::Fact(_) => None,
        })
        .collect();
    let removed = |mask: u32| -> Vec<&Input> {
        (0..n)
            .filter(|&i| mask & (1 << i) == 0)
            .map(|i| &candidates[i])
            .collect()
    };
    // Records a replay's result for `mask` and every sub-mask of the
    // channels it left silent.
    let learn = |known: &mut HashMap<u32, bool>, mask: u32, b: bool, silent: &BTreeSet<Channel>| {
        let silent: u32 = silent
            .iter()
            .filter_map(|c| bit_of.get(c))
            .fold(0, |a, b| a | b);
        let mut sub = silent;
        loop {
            known.insert(mask & !sub, b);
            if sub == 0 {
                break;
            }
            sub = (sub - 1) & silent;
        }
    };
    let (b, silent) = replay.replay(&removed(full))?;
    learn(&mut known, full, b, &silent);
    if !b {
        return Err(WhyError::Replay(
            "the run replayed with all its inputs does not produce the tuple".into(),
        ));
    }
    // closed[s]: every supertrace of `s` (within the run) produces the goal.
    let mut closed: HashMap<u32, bool> = HashMap::new();
    closed.insert(full, true);
    let mut level = vec![full];
    while !level.is_empty() {
        let mut next = BTreeSet::new();
        for &s in &level {
            for i in 0..n {
                if s & (1 << i) == 0 {
                    continue;
                }
                let child = s & !(1 << i);
                let parents_closed = (0..n)
                    .filter(|&j| child & (1 << j) == 0)
                    .all(|j| closed.get(&(child | (1 << j))) == Some(&true));
                if parents_closed {
                    next.insert(child);
                }
            }
        }
        // The level's unknown sub-traces, compiled in order, replayed in
        // parallel (results do not depend on the order).
        let unknown: Vec<u32> = next
            .iter()
            .copied()
            .filter(|m| !known.contains_key(m))
            .collect();
        if replay.count + unknown.len() > MAX_REPLAYS {
            return Ok(None);
        }
        let mut jobs = Vec::with_capacity(unknown.len());
        for &mask in &unknown {
            jobs.push((mask, replay.prepare(&removed(mask))?));
        }
        replay.count += jobs.len();
        let shared: &Replay<'_> = replay;
        let results: Vec<_> = jobs
            .par_iter()
            .map(|(mask, eval)| shared.evaluate(eval, &removed(*mask)).map(|r| (*mask, r)))
            .collect();
        for r in results {
            let (mask, (b, silent)) = r?;
            learn(&mut known, mask, b, &silent);
        }
        let mut good = Vec::new();
        for child in next {
            let ok = known[&child];
            closed.insert(child, ok);
            if ok {
                good.push(child);
            }
        }
        level = good;
    }
    let mut witnesses: Vec<Witness> = closed
        .iter()
        .filter(|&(&s, &ok)| {
            ok && (0..n).all(|i| s & (1 << i) == 0 || closed.get(&(s & !(1 << i))) != Some(&true))
        })
        .map(|(&s, _)| Witness {
            inputs: (0..n)
                .filter(|&i| s & (1 << i) != 0)
                .map(|i| candidates[i].clone())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect(),
        })
        .collect();
    witnesses.sort_by(|a, b| {
        a.inputs
            .len()
            .cmp(&b.inputs.len())
            .then_with(|| a.inputs.cmp(&b.inputs))
    });
    Ok(Some(witnesses))
}
