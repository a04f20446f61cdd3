//! Provenance of one run, recorded during evaluation (never reconstructed).
//!
//! Every tuple-at-time has a [`TupleId`] and one or more [`Origin`]s: the base
//! fact that seeded it, the runtime crash oracle, each rule [`Firing`] that
//! derived it (deductive or `@next`), or each delivered [`Message`] that
//! carried it. A firing records its rule, the full variable binding, its
//! positive premises as tuple ids and the negated atoms it checked absent.
//! Messages record every firing that sent them and their fate under the fault
//! schedule (delivered, lost and why, delayed and until when).
//!
//! This module owns the data and the walks over it; `eval` fills it in.
//! [`graph`] merges the provenance of many runs into one graph, keyed by
//! what a tuple is in every run.

pub mod graph;

use crate::program::{RelId, RuleId};
use crate::value::Value;

/// A timestep, `1..=EOT`.
pub type Time = u32;
/// A tuple at a time in one run.
pub type TupleId = u32;
/// A rule firing in one run.
pub type FiringId = u32;
/// A message in one run.
pub type MessageId = u32;
/// A node: an index into the run's node list.
pub type NodeId = u32;

/// Why a tuple holds at its time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Origin {
    /// The fact at this index of [`crate::Program::facts`].
    Fact(u32),
    /// The runtime crash oracle (`crash(Observer, Node, T)`).
    Crash,
    /// A deductive firing at the same time, or an `@next` firing at the time before.
    Firing(FiringId),
    /// A message that arrived at this time.
    Message(MessageId),
}

/// What a firing produced.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Conclusion {
    /// A tuple (deductive: same time; `@next`: next time).
    Tuple(TupleId),
    /// A message (`@async`), whatever its fate.
    Message(MessageId),
}

/// A span of one of the store's arenas.
type Span32 = (u32, u32);

fn slice<T>(arena: &[T], (s, e): Span32) -> &[T] {
    &arena[s as usize..e as usize]
}

/// A negated body atom that was checked absent: `notin rel(pattern)@time`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Absent {
    /// The relation.
    pub rel: RelId,
    /// The time at which it was read.
    pub time: Time,
    pattern: Span32,
}

/// One rule instance that fired.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Firing {
    /// The rule.
    pub rule: RuleId,
    /// The time at which its body held.
    pub time: Time,
    /// The node where it fired (its location).
    pub location: NodeId,
    /// What it produced.
    pub conclusion: Conclusion,
    binding: Span32,
    premises: Span32,
    absent: Span32,
}

/// What happened to a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Fate {
    /// Arrived at `sent + 1`.
    Delivered,
    /// Lost by an omission.
    Omitted,
    /// Lost because its sender had crashed (at the given time, `<= sent`).
    Crashed(Time),
    /// Delayed by `d` timesteps: arrives at `sent + 1 + d` (maybe after EOT).
    Delayed(u32),
}

/// One message: a tuple of an `@async` relation from one node to another.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Message {
    /// The relation.
    pub rel: RelId,
    /// The sender.
    pub from: NodeId,
    /// The destination.
    pub to: NodeId,
    /// When it was sent.
    pub sent: Time,
    /// What happened to it.
    pub fate: Fate,
    /// When it arrived, if it did by EOT.
    pub received: Option<Time>,
    /// The tuple it became at `received`.
    pub delivered: Option<TupleId>,
    values: Span32,
    senders: Span32,
}

/// The provenance store of a run: origins per tuple, firings, messages.
///
/// Variable-length parts live in flat arenas; the accessors hand out slices.
#[derive(Clone, Debug, Default)]
pub struct Provenance {
    /// `origins[starts[t]..starts[t+1]]` are tuple `t`'s origins, sorted.
    starts: Vec<u32>,
    origins: Vec<Origin>,
    firings: Vec<Firing>,
    messages: Vec<Message>,
    values: Vec<Value>,
    tuple_ids: Vec<TupleId>,
    absents: Vec<Absent>,
    patterns: Vec<Option<Value>>,
    /// `(tuple, origin)` pairs until [`Provenance::seal`] sorts them.
    pending_origins: Vec<(TupleId, Origin)>,
    /// `(message, firing)` pairs until [`Provenance::seal`] groups them.
    pending_senders: Vec<(MessageId, FiringId)>,
}

impl Provenance {
    /// Every origin of `tuple`, sorted (facts, crash oracle, firings, messages).
    pub fn origins(&self, tuple: TupleId) -> &[Origin] {
        let t = tuple as usize;
        &self.origins[self.starts[t] as usize..self.starts[t + 1] as usize]
    }

    /// Number of tuples (ids are `0..tuple_count()`).
    pub fn tuple_count(&self) -> usize {
        self.starts.len().saturating_sub(1)
    }

    /// The firing `id`.
    pub fn firing(&self, id: FiringId) -> &Firing {
        &self.firings[id as usize]
    }

    /// All firings, by id.
    pub fn firings(&self) -> &[Firing] {
        &self.firings
    }

    /// The values of a firing's named variables, in order of first appearance
    /// in the rule; empty for an aggregate firing (which stands for a group).
    pub fn binding(&self, f: &Firing) -> &[Value] {
        slice(&self.values, f.binding)
    }

    /// A firing's positive premises, in body order (for an aggregate: every
    /// tuple any binding of its group used, sorted).
    pub fn firing_premises(&self, f: &Firing) -> &[TupleId] {
        slice(&self.tuple_ids, f.premises)
    }

    /// The negated atoms a firing checked absent.
    pub fn absent(&self, f: &Firing) -> &[Absent] {
        slice(&self.absents, f.absent)
    }

    /// The values an absent atom was looked up with; `None` for `_`.
    pub fn pattern(&self, a: &Absent) -> &[Option<Value>] {
        slice(&self.patterns, a.pattern)
    }

    /// The message `id`.
    pub fn message(&self, id: MessageId) -> &Message {
        &self.messages[id as usize]
    }

    /// All messages, by id (in order of sending).
    pub fn messages(&self) -> &[Message] {
        &self.messages
    }

    /// A message's tuple (its first value is the destination).
    pub fn message_values(&self, m: &Message) -> &[Value] {
        slice(&self.values, m.values)
    }

    /// Every firing that sent a message (the same message sent by several
    /// bindings is one message).
    pub fn senders(&self, m: &Message) -> &[FiringId] {
        slice(&self.tuple_ids, m.senders)
    }

    /// The premises one origin rests on: a firing's positive premises; for a
    /// message, the premises of every firing that sent it.
    pub fn premises(&self, origin: Origin) -> Vec<TupleId> {
        match origin {
            Origin::Fact(_) | Origin::Crash => Vec::new(),
            Origin::Firing(f) => self.firing_premises(self.firing(f)).to_vec(),
            Origin::Message(m) => self
                .senders(self.message(m))
                .iter()
                .flat_map(|&f| self.firing_premises(self.firing(f)).iter().copied())
                .collect(),
        }
    }

    /// Every tuple `tuple` transitively rests on (itself included), in
    /// increasing id order.
    pub fn lineage(&self, tuple: TupleId) -> Vec<TupleId> {
        let mut seen = vec![false; self.tuple_count()];
        let mut stack = vec![tuple];
        seen[tuple as usize] = true;
        while let Some(t) = stack.pop() {
            for &o in self.origins(t) {
                for p in self.premises(o) {
                    if !std::mem::replace(&mut seen[p as usize], true) {
                        stack.push(p);
                    }
                }
            }
        }
        (0..seen.len() as TupleId)
            .filter(|&t| seen[t as usize])
            .collect()
    }

    /// The leaves of `tuple`'s lineage: tuples with a base origin (a fact or
    /// the crash oracle), in increasing id order.
    pub fn leaves(&self, tuple: TupleId) -> Vec<TupleId> {
        self.lineage(tuple)
            .into_iter()
            .filter(|&t| {
                self.origins(t)
                    .iter()
                    .any(|o| matches!(o, Origin::Fact(_) | Origin::Crash))
            })
            .collect()
    }

    /// Approximate heap bytes held by the store.
    pub fn heap_bytes(&self) -> usize {
        use std::mem::size_of;
        self.starts.capacity() * 4
            + self.origins.capacity() * size_of::<Origin>()
            + self.firings.capacity() * size_of::<Firing>()
            + self.messages.capacity() * size_of::<Message>()
            + self.values.capacity() * size_of::<Value>()
            + self.tuple_ids.capacity() * 4
            + self.absents.capacity() * size_of::<Absent>()
            + self.patterns.capacity() * size_of::<Option<Value>>()
    }

    // ---- recording (used by the evaluator) ----

    /// Records that `tuple` holds because of `origin`.
    pub(crate) fn add_origin(&mut self, tuple: TupleId, origin: Origin) {
        self.pending_origins.push((tuple, origin));
    }

    /// Starts a firing; its conclusion is set by [`Provenance::conclude`].
    pub(crate) fn add_firing(
        &mut self,
        rule: RuleId,
        time: Time,
        location: NodeId,
        binding: &[Value],
        premises: &[TupleId],
        absent: impl IntoIterator<Item = (RelId, Time, Vec<Option<Value>>)>,
    ) -> FiringId {
        let b0 = self.values.len() as u32;
        self.values.extend_from_slice(binding);
        let p0 = self.tuple_ids.len() as u32;
        self.tuple_ids.extend_from_slice(premises);
        let a0 = self.absents.len() as u32;
        for (rel, at, pattern) in absent {
            let s = self.patterns.len() as u32;
            self.patterns.extend(pattern);
            self.absents.push(Absent {
                rel,
                time: at,
                pattern: (s, self.patterns.len() as u32),
            });
        }
        let id = self.firings.len() as FiringId;
        self.firings.push(Firing {
            rule,
            time,
            location,
            conclusion: Conclusion::Tuple(TupleId::MAX),
            binding: (b0, self.values.len() as u32),
            premises: (p0, self.tuple_ids.len() as u32),
            absent: (a0, self.absents.len() as u32),
        });
        id
    }

    /// Sets what firing `f` produced.
    pub(crate) fn conclude(&mut self, f: FiringId, c: Conclusion) {
        self.firings[f as usize].conclusion = c;
        match c {
            Conclusion::Tuple(t) => self.add_origin(t, Origin::Firing(f)),
            Conclusion::Message(m) => self.pending_senders.push((m, f)),
        }
    }

    /// Adds a message (senders are added with [`Provenance::conclude`]).
    pub(crate) fn add_message(
        &mut self,
        rel: RelId,
        values: &[Value],
        (from, to, sent): (NodeId, NodeId, Time),
        fate: Fate,
        received: Option<Time>,
    ) -> MessageId {
        let v0 = self.values.len() as u32;
        self.values.extend_from_slice(values);
        self.messages.push(Message {
            rel,
            from,
            to,
            sent,
            fate,
            received,
            delivered: None,
            values: (v0, self.values.len() as u32),
            senders: (0, 0),
        });
        (self.messages.len() - 1) as MessageId
    }

    /// Records the tuple a message became on arrival.
    pub(crate) fn deliver(&mut self, m: MessageId, tuple: TupleId) {
        self.messages[m as usize].delivered = Some(tuple);
        self.add_origin(tuple, Origin::Message(m));
    }

    /// Reserves room for a run of about the given sizes (tuples, firings,
    /// messages), to avoid regrowing the arenas.
    pub(crate) fn reserve(&mut self, (tuples, firings, messages): (usize, usize, usize)) {
        self.pending_origins.reserve(tuples + firings);
        self.firings.reserve(firings);
        self.values.reserve(firings * 3 + messages * 2);
        self.tuple_ids.reserve(firings * 2 + messages);
        self.messages.reserve(messages);
        self.pending_senders.reserve(messages);
    }

    /// Groups the recorded origins per tuple and senders per message, once
    /// evaluation is over and `tuples` tuples exist.
    pub(crate) fn seal(&mut self, tuples: usize) {
        // Counting sort by tuple (origins arrive nearly in order), then sort
        // each tuple's few origins.
        let pending = std::mem::take(&mut self.pending_origins);
        let mut starts = vec![0u32; tuples + 1];
        for &(t, _) in &pending {
            starts[t as usize + 1] += 1;
        }
        for i in 0..tuples {
            starts[i + 1] += starts[i];
        }
        let mut next = starts.clone();
        let mut origins = vec![Origin::Crash; pending.len()];
        for (t, o) in pending {
            origins[next[t as usize] as usize] = o;
            next[t as usize] += 1;
        }
        // Deduplicate within each tuple's slice, compacting in place.
        let mut w = 0usize;
        for t in 0..tuples {
            let (a, b) = (starts[t] as usize, starts[t + 1] as usize);
            starts[t] = w as u32;
            let slice = &mut origins[a..b];
            slice.sort_unstable();
            let mut last = None;
            for i in a..b {
                let o = origins[i];
                if last != Some(o) {
                    origins[w] = o;
                    w += 1;
                    last = Some(o);
                }
            }
        }
        starts[tuples] = w as u32;
        origins.truncate(w);
        self.starts = starts;
        self.origins = origins;
        let mut senders = std::mem::take(&mut self.pending_senders);
        senders.sort_unstable();
        let mut i = 0;
        for (m, msg) in self.messages.iter_mut().enumerate() {
            let s = self.tuple_ids.len() as u32;
            while i < senders.len() && senders[i].0 as usize == m {
                self.tuple_ids.push(senders[i].1);
                i += 1;
            }
            msg.senders = (s, self.tuple_ids.len() as u32);
        }
    }
}
