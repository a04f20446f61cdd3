//! What a grounding is: its tuples-at-time, rule instances, messages and
//! aggregate groups, and how each tuple can come to hold
//! ([`super`] builds one).

use std::sync::Arc;

use crate::program::{RelId, RuleId};
use crate::provenance::{NodeId, Time, TupleId};
use crate::syntax::ast::AggFn;
use crate::value::{Interner, Value};

use super::super::table::Table;
use super::super::{EvalError, Shared};

/// What the fault model admits, as the grounding needs it.
pub trait Channels {
    /// Whether every admissible run delivers a message `from -> to` (two
    /// different nodes) sent at `sent` at `sent + 1`.
    fn reliable(&self, from: NodeId, to: NodeId, sent: Time) -> bool;
    /// The largest extra delay such a message may take (0: none).
    fn max_delay(&self, from: NodeId, to: NodeId, sent: Time) -> u32;
    /// Whether any node may crash (the crash oracle may hold rows).
    fn crashes(&self) -> bool;
}

/// Index of a rule instance in a [`Grounding`].
pub type InstanceId = u32;
/// Index of a message in a [`Grounding`].
pub type GroundMessageId = u32;
/// Index of an aggregate group in a [`Grounding`].
pub type GroupId = u32;

/// One way a tuple-at-time can come to hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// A fact of the program (always holds).
    Fact,
    /// The crash oracle: holds iff `node` crashes at `time`.
    Crash {
        /// The crashing node.
        node: NodeId,
        /// Its crash time.
        time: Time,
    },
    /// A rule instance (deductive at the same time, `@next` from the time before).
    Fire(InstanceId),
    /// An aggregate group yielding its output number `output`.
    Aggregate {
        /// The group.
        group: GroupId,
        /// Index into [`Group::outputs`].
        output: u32,
    },
    /// The arrival of a message `delay` steps late (0: on time).
    Arrival {
        /// The message.
        message: GroundMessageId,
        /// Extra steps in flight.
        delay: u32,
    },
}

/// A ground rule instance: it fires iff every `pos` tuple holds and no `neg` tuple does.
#[derive(Clone, Debug)]
pub struct Instance {
    /// The rule.
    pub rule: RuleId,
    /// When its body is evaluated.
    pub time: Time,
    /// Where it fires.
    pub location: NodeId,
    /// Positive premises.
    pub pos: Box<[TupleId]>,
    /// Possible tuples matching its `notin` atoms (none of them certain).
    pub neg: Box<[TupleId]>,
}

/// Who may send a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sender {
    /// A rule instance with an `@async` head.
    Fire(InstanceId),
    /// An `@async` aggregate: the group yields `output`, and some of its
    /// instances located at `location` fire.
    Aggregate {
        /// The group.
        group: GroupId,
        /// Index into [`Group::outputs`].
        output: u32,
        /// The sending node.
        location: NodeId,
    },
}

/// A message some admissible run may send: sent iff some sender does.
#[derive(Clone, Debug)]
pub struct GroundMessage {
    /// Its relation.
    pub rel: RelId,
    /// Sender.
    pub from: NodeId,
    /// Destination.
    pub to: NodeId,
    /// Send time.
    pub sent: Time,
    /// The tuple.
    pub values: Box<[Value]>,
    /// Who may send it.
    pub senders: Vec<Sender>,
}

/// One distinct binding of an aggregate group's named variables.
#[derive(Clone, Debug)]
pub struct Binding {
    /// The instances with this binding: the binding counts iff one fires.
    pub instances: Vec<InstanceId>,
    /// The aggregated variable's value, per aggregate of the head.
    pub values: Box<[Value]>,
}

/// An aggregate group of one rule at one time.
#[derive(Clone, Debug)]
pub struct Group {
    /// The rule.
    pub rule: RuleId,
    /// When.
    pub time: Time,
    /// The aggregate functions of the head, in head order.
    pub funs: Box<[AggFn]>,
    /// The distinct bindings that may belong to the group.
    pub bindings: Vec<Binding>,
    /// The value tuples (one value per aggregate) the group may yield.
    pub outputs: Vec<Box<[Value]>>,
    /// Every binding is certain: the one output is exact.
    pub exact: bool,
}

/// Bounds on the size of a grounding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GroundLimits {
    /// Tuple-at-times, over all times.
    pub tuples: usize,
    /// Rule instances, over all times.
    pub instances: usize,
    /// Values one aggregate group may take.
    pub aggregate_values: usize,
}

impl Default for GroundLimits {
    fn default() -> GroundLimits {
        GroundLimits {
            tuples: 4_000_000,
            instances: 8_000_000,
            aggregate_values: 4096,
        }
    }
}

/// Why a program could not be grounded.
#[derive(Debug, thiserror::Error)]
pub enum GroundError {
    /// The grounding grew past a limit.
    #[error(
        "the symbolic grounding passed {limit} {what} (relation `{relation}` has the most: {count}); \
         lower EOT, the node count or max_delay"
    )]
    TooLarge {
        /// `tuples`, `rule instances` or `aggregate values`.
        what: &'static str,
        /// The limit.
        limit: usize,
        /// The relation with the most of them.
        relation: String,
        /// How many it has.
        count: usize,
    },
    /// A rule may raise a runtime error in some admissible run.
    #[error("a rule may fail in some admissible run: {0}")]
    Runtime(#[source] EvalError),
    /// The grounding gave up: interrupted (Ctrl-C) or past its deadline
    /// (an [`EvalError::Interrupted`] or [`EvalError::TimedOut`]).
    #[error("the grounding stopped: {0}")]
    Cancelled(#[source] EvalError),
}

/// Every tuple-at-time some admissible run may hold, and how.
pub struct Grounding {
    pub(super) shared: Arc<Shared>,
    pub(super) eot: Time,
    pub(super) tables: Vec<Vec<Table>>,
    pub(super) tuples: Vec<(RelId, Time, u32)>,
    pub(super) certain: Vec<bool>,
    pub(super) sources: Vec<Vec<Source>>,
    pub(super) instances: Vec<Instance>,
    pub(super) messages: Vec<GroundMessage>,
    pub(super) groups: Vec<Group>,
}

impl std::fmt::Debug for Grounding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Grounding")
            .field("eot", &self.eot)
            .field("tuples", &self.tuples.len())
            .field("instances", &self.instances.len())
            .field("messages", &self.messages.len())
            .finish_non_exhaustive()
    }
}

impl Grounding {
    /// End of time.
    pub fn eot(&self) -> Time {
        self.eot
    }

    /// The strings of the program and node set.
    pub fn interner(&self) -> &Interner {
        &self.shared.interner
    }

    /// Number of tuple-at-times.
    pub fn tuple_count(&self) -> usize {
        self.tuples.len()
    }

    /// Number of rule instances.
    pub fn instance_count(&self) -> usize {
        self.instances.len()
    }

    /// The relation, time and values of tuple `id`.
    pub fn tuple(&self, id: TupleId) -> (RelId, Time, &[Value]) {
        let (rel, t, row) = self.tuples[id as usize];
        (rel, t, self.tables[t as usize][rel as usize].row(row))
    }

    /// Whether `id` holds in every admissible run.
    pub fn is_certain(&self, id: TupleId) -> bool {
        self.certain[id as usize]
    }

    /// The ways `id` can come to hold.
    pub fn sources(&self, id: TupleId) -> &[Source] {
        &self.sources[id as usize]
    }

    /// Instance `i`.
    pub fn instance(&self, i: InstanceId) -> &Instance {
        &self.instances[i as usize]
    }

    /// Message `m`.
    pub fn message(&self, m: GroundMessageId) -> &GroundMessage {
        &self.messages[m as usize]
    }

    /// Number of messages.
    pub fn message_count(&self) -> usize {
        self.messages.len()
    }

    /// Group `g`.
    pub fn group(&self, g: GroupId) -> &Group {
        &self.groups[g as usize]
    }

    /// The tuple `rel(values)` at `t`, if some admissible run may hold it.
    pub fn find(&self, rel: RelId, values: &[Value], t: Time) -> Option<TupleId> {
        if t == 0 || t > self.eot {
            return None;
        }
        let table = &self.tables[t as usize][rel as usize];
        table.find(values).map(|r| table.id(r))
    }

    /// The tuples of `rel` at `t`.
    pub fn rows(&self, rel: RelId, t: Time) -> impl Iterator<Item = TupleId> + '_ {
        let table = (t >= 1 && t <= self.eot).then(|| &self.tables[t as usize][rel as usize]);
        (0..table.map_or(0, Table::len)).map(move |r| table.expect("non-empty").id(r))
    }

    /// `rel(v1, v2)` as text.
    pub fn show(&self, id: TupleId) -> String {
        let (rel, t, vals) = self.tuple(id);
        let args: Vec<String> = vals
            .iter()
            .map(|&v| self.shared.interner.display(v).to_string())
            .collect();
        format!(
            "{}({})@{t}",
            self.shared.program.relations()[rel as usize].name,
            args.join(", ")
        )
    }
}
