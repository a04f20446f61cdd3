//! The fault model of a run (docs/dedalus.md §5): what a fault is, a set of
//! them, the bounds that make a set admissible, and the one rule that
//! decides a message's fate under a fault set.
//!
//! Each fault kind is one module that owns everything about it: its
//! syntax (description and flag), its part of a message's fate, whether it
//! is admissible under the [`Bounds`], and its admissible instances
//! ([`omission`], [`crash`], [`delay`], [`partition`]). [`Fault`] is the registry: one
//! variant per kind, whose methods dispatch to the kind's module with
//! exhaustive matches, so that a new kind is listed by the compiler at
//! every site it must reach. The harness adds each kind's solver
//! variables and constraints in `harness::faults`.
//!
//! Faults name nodes by [`NodeId`] (an index into the run's node list); names
//! are resolved only at the edges (flags, spec files, printing), through
//! [`FaultSet::describe`], [`FaultSet::flags`] and [`Fault::describe`].
//!
//! This module owns the vocabulary and the semantics; which fault sets to
//! try is the business of the harness's search strategies.

use std::collections::BTreeSet;

use crate::provenance::{Fate, NodeId, Time};

pub use partition::Side;

mod bounds;
pub mod crash;
pub mod delay;
pub mod omission;
pub mod partition;

pub use bounds::{
    Bounds, BoundsError, FaultError, FaultProblem, MAX_EOT, check_node_name, check_node_set,
};

/// One fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Fault {
    /// The messages `from -> to` sent at `time` are lost (`time < EFF`):
    /// [`omission`].
    Omission {
        /// Sender.
        from: NodeId,
        /// Destination.
        to: NodeId,
        /// Send time.
        time: Time,
    },
    /// From `time` on, every message `node` sends to another node is lost:
    /// [`crash`].
    Crash {
        /// The node.
        node: NodeId,
        /// When.
        time: Time,
    },
    /// The message `from -> to` sent at `time` arrives `by` steps late:
    /// [`delay`].
    Delay {
        /// Sender.
        from: NodeId,
        /// Destination.
        to: NodeId,
        /// Send time.
        time: Time,
        /// Extra steps in flight.
        by: u32,
    },
    /// Every message between `left` and `right` sent at `start..=end` is
    /// lost: [`partition`].
    Partition {
        /// One side.
        left: Side,
        /// The other side.
        right: Side,
        /// The first send time cut.
        start: Time,
        /// The last send time cut.
        end: Time,
    },
}

/// The address of the messages sent from one node to another at one time:
/// what an omission or a delay hits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Envelope {
    /// Sender.
    pub from: NodeId,
    /// Destination.
    pub to: NodeId,
    /// Send time.
    pub sent: Time,
}

impl Envelope {
    /// The messages `from -> to` sent at `sent`.
    pub fn new(from: NodeId, to: NodeId, sent: Time) -> Envelope {
        Envelope { from, to, sent }
    }
}

/// What a fault does to the messages of one [`Envelope`] itself (a crash
/// acts on every envelope of its node instead).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MessageFault {
    /// Lost.
    Omitted,
    /// Delivered this many steps late.
    Delayed(u32),
}

/// The node `n` of `nodes` by name, or `#n` when there is no such node (a
/// fault built by hand may name any id; printing it must not fail).
pub fn node_name(nodes: &[String], n: NodeId) -> String {
    nodes
        .get(n as usize)
        .cloned()
        .unwrap_or_else(|| format!("#{n}"))
}

impl Fault {
    /// The envelope an omission or a delay hits (`None` for a crash).
    pub fn envelope(&self) -> Option<Envelope> {
        match *self {
            Fault::Omission { from, to, time } | Fault::Delay { from, to, time, .. } => {
                Some(Envelope::new(from, to, time))
            }
            Fault::Crash { .. } | Fault::Partition { .. } => None,
        }
    }

    /// Every envelope whose messages this fault acts on by itself (a crash
    /// acts on its node's messages through [`FaultLookup::crash_of`]).
    pub fn envelopes(&self) -> Vec<Envelope> {
        match *self {
            Fault::Partition {
                left,
                right,
                start,
                end,
            } => partition::envelopes(left, right, start, end).collect(),
            Fault::Omission { .. } | Fault::Delay { .. } | Fault::Crash { .. } => {
                self.envelope().into_iter().collect()
            }
        }
    }

    /// The node and time of a crash (`None` for a message fault).
    pub fn crash(&self) -> Option<(NodeId, Time)> {
        match *self {
            Fault::Crash { node, time } => Some((node, time)),
            Fault::Omission { .. } | Fault::Delay { .. } | Fault::Partition { .. } => None,
        }
    }

    /// The nodes this fault names.
    pub fn nodes(&self) -> Vec<NodeId> {
        match *self {
            Fault::Omission { from, to, .. } | Fault::Delay { from, to, .. } => vec![from, to],
            Fault::Crash { node, .. } => vec![node],
            Fault::Partition { left, right, .. } => left.nodes().chain(right.nodes()).collect(),
        }
    }

    /// Whether this fault, on its own, changes the fate of the messages of
    /// `e` ([`fate`] of `e` under `{self}` is not [`Fate::Delivered`]).
    pub fn affects(&self, e: Envelope) -> bool {
        fate(self, e) != Fate::Delivered
    }

    /// Whether this fault is what happened to a message of `e` whose fate
    /// was `fate`: it alone deals that kind of fate to `e`.
    pub fn explains(&self, e: Envelope, fate: Fate) -> bool {
        match (self::fate(self, e), fate) {
            (Fate::Delivered, _) => false,
            (Fate::Crashed(_), Fate::Crashed(_)) | (Fate::Delayed(_), Fate::Delayed(_)) => true,
            (mine, theirs) => mine == theirs,
        }
    }

    /// `omit a->b@1`, `crash a@2`, `delay a->b@1 by 2`.
    pub fn describe(&self, nodes: &[String]) -> String {
        match *self {
            Fault::Omission { from, to, time } => omission::describe(from, to, time, nodes),
            Fault::Crash { node, time } => crash::describe(node, time, nodes),
            Fault::Delay { by, .. } => delay::describe(self.hit(), by, nodes),
            Fault::Partition {
                left,
                right,
                start,
                end,
            } => partition::describe(left, right, start, end, nodes),
        }
    }

    /// The `ldfi run` flag that injects this fault: `--omit a,b,1`.
    pub fn flag(&self, nodes: &[String]) -> String {
        match *self {
            Fault::Omission { from, to, time } => omission::flag(from, to, time, nodes),
            Fault::Crash { node, time } => crash::flag(node, time, nodes),
            Fault::Delay { by, .. } => delay::flag(self.hit(), by, nodes),
            Fault::Partition {
                left,
                right,
                start,
                end,
            } => partition::flag(left, right, start, end, nodes),
        }
    }

    /// The fault as its kind and flag value, for error messages:
    /// `omission a,b,3`.
    pub fn subject(&self, nodes: &[String]) -> String {
        match *self {
            Fault::Omission { from, to, time } => {
                format!("omission {}", omission::subject(from, to, time, nodes))
            }
            Fault::Crash { node, time } => format!("crash {}", crash::subject(node, time, nodes)),
            Fault::Delay { by, .. } => format!("delay {}", delay::subject(self.hit(), by, nodes)),
            Fault::Partition {
                left,
                right,
                start,
                end,
            } => format!(
                "partition {}",
                partition::subject(left, right, start, end, nodes)
            ),
        }
    }

    /// Whether the fault may happen under `bounds`, its node ids and the
    /// faults beside it aside ([`Bounds::check_faults`] checks those).
    pub fn check(&self, bounds: &Bounds) -> Result<(), FaultProblem> {
        match *self {
            Fault::Omission { .. } => omission::check(self.hit(), bounds),
            Fault::Crash { time, .. } => crash::check(time, bounds),
            Fault::Delay { by, .. } => delay::check(self.hit(), by, bounds),
            Fault::Partition {
                left,
                right,
                start,
                end,
            } => partition::check(left, right, start, end, bounds),
        }
    }

    /// The kind, plural: `omissions`, `crashes`, `delays`, `partitions`.
    pub fn plural(&self) -> &'static str {
        match self {
            Fault::Omission { .. } => "omissions",
            Fault::Crash { .. } => "crashes",
            Fault::Delay { .. } => "delays",
            Fault::Partition { .. } => "partitions",
        }
    }

    /// What a second fault on an envelope this one already hits is called.
    pub(crate) fn twice(&self) -> FaultProblem {
        match self {
            Fault::Omission { .. } => FaultProblem::TwiceOmitted,
            Fault::Delay { .. } | Fault::Crash { .. } | Fault::Partition { .. } => {
                FaultProblem::TwoMessageFaults
            }
        }
    }

    /// The envelope of a message fault (unused for a crash).
    fn hit(&self) -> Envelope {
        self.envelope().unwrap_or(Envelope::new(0, 0, 0))
    }
}

/// A fault on its own, as a fault set of one.
impl FaultLookup for Fault {
    fn crash_of(&self, of: NodeId) -> Option<Time> {
        match *self {
            Fault::Crash { node, time } => crash::crash_of(node, time, of),
            Fault::Omission { .. } | Fault::Delay { .. } | Fault::Partition { .. } => None,
        }
    }

    fn message_fault(&self, e: Envelope) -> Option<MessageFault> {
        match *self {
            Fault::Omission { .. } => omission::message_fault(self.hit(), e),
            Fault::Delay { by, .. } => delay::message_fault(self.hit(), by, e),
            Fault::Partition {
                left,
                right,
                start,
                end,
            } => partition::message_fault(left, right, start, end, e),
            Fault::Crash { .. } => None,
        }
    }
}

/// What the fate of a message depends on: when its sender crashed, and the
/// omission or delay on its envelope. Implemented by [`Fault`], by
/// [`FaultSet`] and by the evaluator's index of one run's faults; [`fate`]
/// is the rule.
pub trait FaultLookup {
    /// The crash time of `node`, if it crashes.
    fn crash_of(&self, node: NodeId) -> Option<Time>;
    /// The omission or delay on `e`, if any.
    fn message_fault(&self, e: Envelope) -> Option<MessageFault>;
}

/// The fate of the messages of `e` under `faults` (docs/dedalus.md §5): a
/// node's messages to itself always arrive; a crash of the sender at or
/// before the send time silences them, whatever else happens to them; then
/// an omission loses them and a delay holds them back. Every part of the
/// tool that reasons about a message's fate (the evaluator, the lineage and
/// symbolic encodings, the exhaustive enumeration) follows this rule.
#[inline]
pub fn fate(faults: &impl FaultLookup, e: Envelope) -> Fate {
    if e.from == e.to {
        return Fate::Delivered;
    }
    if let Some(ct) = faults.crash_of(e.from).filter(|&ct| ct <= e.sent) {
        return Fate::Crashed(ct);
    }
    match faults.message_fault(e) {
        Some(MessageFault::Omitted) => Fate::Omitted,
        Some(MessageFault::Delayed(d)) => Fate::Delayed(d),
        None => Fate::Delivered,
    }
}

impl Fate {
    /// When a message sent at `sent` with this fate arrives (`None`: lost,
    /// or delayed past the largest time).
    pub fn arrival(self, sent: Time) -> Option<Time> {
        match self {
            Fate::Delivered => sent.checked_add(1),
            // Past `Time::MAX` is past EOT: never delivered, never wrapped.
            Fate::Delayed(d) => sent.checked_add(1).and_then(|a| a.checked_add(d)),
            Fate::Omitted | Fate::Crashed(_) => None,
        }
    }
}

/// A set of faults, kept sorted (omissions, then crashes, delays and
/// partitions).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FaultSet(BTreeSet<Fault>);

impl FaultSet {
    /// The empty set: a failure-free run.
    pub fn none() -> FaultSet {
        FaultSet::default()
    }

    /// Number of faults.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True for the failure-free set.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The faults, in order.
    pub fn iter(&self) -> impl Iterator<Item = &Fault> {
        self.0.iter()
    }

    /// Adds a fault.
    pub fn insert(&mut self, f: Fault) {
        self.0.insert(f);
    }

    /// Whether `f` is in the set.
    pub fn contains(&self, f: &Fault) -> bool {
        self.0.contains(f)
    }

    /// The fate of the messages of `e` under this set ([`fate`]).
    pub fn fate(&self, e: Envelope) -> Fate {
        fate(self, e)
    }

    /// The same run with message faults that a crash already implies removed
    /// (a message from a crashed sender is lost whatever else happens to it).
    pub fn normalized(&self) -> FaultSet {
        let crashes: FaultSet = self
            .0
            .iter()
            .filter(|f| f.crash().is_some())
            .copied()
            .collect();
        FaultSet(
            self.0
                .iter()
                .copied()
                .filter(|f| {
                    f.envelope()
                        .is_none_or(|e| !matches!(crashes.fate(e), Fate::Crashed(_)))
                })
                .collect(),
        )
    }

    /// The `--omit/--crash/--delay/--partition` flags that reproduce this set.
    pub fn flags(&self, nodes: &[String]) -> String {
        self.0
            .iter()
            .map(|f| f.flag(nodes))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// A short human description: `omit a->b@1, crash a@2`. Omissions
    /// that are exactly a partition of at least four messages are shown as
    /// that partition (`partition a|b,c@1..2`).
    pub fn describe(&self, nodes: &[String]) -> String {
        if self.is_empty() {
            return "no faults".into();
        }
        let faults: Vec<Fault> = self.0.iter().copied().collect();
        let shown = partition::shown(&faults);
        let covered: BTreeSet<Fault> = shown.iter().flat_map(|(_, c)| c.iter().copied()).collect();
        shown
            .iter()
            .map(|(p, _)| p.describe(nodes))
            .chain(
                faults
                    .iter()
                    .filter(|f| !covered.contains(f))
                    .map(|f| f.describe(nodes)),
            )
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The crash time of `node`, if it crashes.
    pub fn crash_of(&self, node: NodeId) -> Option<Time> {
        FaultLookup::crash_of(self, node)
    }
}

impl FaultLookup for FaultSet {
    fn crash_of(&self, node: NodeId) -> Option<Time> {
        self.0.iter().find_map(|f| f.crash_of(node))
    }

    fn message_fault(&self, e: Envelope) -> Option<MessageFault> {
        // A message takes at most one fault of its own
        // ([`Bounds::check_faults`]); the set is ordered by kind, then by
        // envelope, so each kind's candidates are one range.
        let omission = Fault::Omission {
            from: e.from,
            to: e.to,
            time: e.sent,
        };
        let delay = Fault::Delay {
            from: e.from,
            to: e.to,
            time: e.sent,
            by: 0,
        };
        let partitions = Fault::Partition {
            left: Side::default(),
            right: Side::default(),
            start: 0,
            end: 0,
        };
        [omission, delay]
            .into_iter()
            .find_map(|lo| self.0.range(lo..).next().and_then(|f| f.message_fault(e)))
            .or_else(|| self.0.range(partitions..).find_map(|f| f.message_fault(e)))
    }
}

impl FromIterator<Fault> for FaultSet {
    fn from_iter<I: IntoIterator<Item = Fault>>(iter: I) -> FaultSet {
        FaultSet(iter.into_iter().collect())
    }
}

impl<'a> IntoIterator for &'a FaultSet {
    type Item = &'a Fault;
    type IntoIter = std::collections::btree_set::Iter<'a, Fault>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}
