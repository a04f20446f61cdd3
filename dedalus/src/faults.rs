//! The fault model of a run (docs/dedalus.md §5): what a fault is, a set of
//! them, the bounds that make a set admissible, and the one rule that
//! decides a message's fate under a fault set.
//!
//! Faults name nodes by [`NodeId`] (an index into the run's node list); names
//! are resolved only at the edges (flags, spec files, printing), through
//! [`FaultSet::describe`], [`FaultSet::flags`] and [`Fault::describe`].
//!
//! This module owns the vocabulary and the semantics; which fault sets to
//! try is the business of the harness's search strategies.

use std::collections::BTreeSet;

use crate::provenance::{Fate, NodeId, Time};

/// The largest end of time a run accepts (every timestep keeps its tables).
pub const MAX_EOT: Time = 100_000;

/// One fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Fault {
    /// The messages `from -> to` sent at `time` are lost (`time < EFF`).
    Omission {
        /// Sender.
        from: NodeId,
        /// Destination.
        to: NodeId,
        /// Send time.
        time: Time,
    },
    /// From `time` on, every message `node` sends to another node is lost.
    Crash {
        /// The node.
        node: NodeId,
        /// When.
        time: Time,
    },
    /// The message `from -> to` sent at `time` arrives `by` steps late.
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
#[non_exhaustive]
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
            Fault::Crash { .. } => None,
        }
    }

    /// The node and time of a crash (`None` for a message fault).
    pub fn crash(&self) -> Option<(NodeId, Time)> {
        match *self {
            Fault::Crash { node, time } => Some((node, time)),
            _ => None,
        }
    }

    /// Whether this fault, on its own, changes the fate of the messages of
    /// `e` ([`fate`] of `e` under `{self}` is not [`Fate::Delivered`]).
    pub fn affects(&self, e: Envelope) -> bool {
        fate(self, e) != Fate::Delivered
    }

    /// `omit a->b@1`, `crash a@2`, `delay a->b@1 by 2`.
    pub fn describe(&self, nodes: &[String]) -> String {
        let n = |i| node_name(nodes, i);
        match *self {
            Fault::Omission { from, to, time } => format!("omit {}->{}@{time}", n(from), n(to)),
            Fault::Crash { node, time } => format!("crash {}@{time}", n(node)),
            Fault::Delay { from, to, time, by } => {
                format!("delay {}->{}@{time} by {by}", n(from), n(to))
            }
        }
    }

    /// The `ldfi run` flag that injects this fault: `--omit a,b,1`.
    pub fn flag(&self, nodes: &[String]) -> String {
        let n = |i| node_name(nodes, i);
        match *self {
            Fault::Omission { from, to, time } => format!("--omit {},{},{time}", n(from), n(to)),
            Fault::Crash { node, time } => format!("--crash {},{time}", n(node)),
            Fault::Delay { from, to, time, by } => {
                format!("--delay {},{},{time},{by}", n(from), n(to))
            }
        }
    }
}

/// A fault on its own, as a fault set of one.
impl FaultLookup for Fault {
    fn crash_of(&self, node: NodeId) -> Option<Time> {
        self.crash().filter(|&(n, _)| n == node).map(|(_, t)| t)
    }

    fn message_fault(&self, e: Envelope) -> Option<MessageFault> {
        match *self {
            Fault::Omission { .. } if self.envelope() == Some(e) => Some(MessageFault::Omitted),
            Fault::Delay { by, .. } if self.envelope() == Some(e) => {
                Some(MessageFault::Delayed(by))
            }
            _ => None,
        }
    }
}

/// What the fate of a message depends on: when its sender crashed, and the
/// omission or delay on its envelope. Implemented by [`FaultSet`] and by
/// the evaluator's index of one run's faults; [`fate`] is the rule.
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

/// A set of faults, kept sorted (omissions, then crashes, then delays).
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

    /// The `--omit/--crash/--delay` flags that reproduce this set.
    pub fn flags(&self, nodes: &[String]) -> String {
        self.0
            .iter()
            .map(|f| f.flag(nodes))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// A short human description: `omit a->b@1, crash a@2`.
    pub fn describe(&self, nodes: &[String]) -> String {
        if self.is_empty() {
            return "no faults".into();
        }
        self.0
            .iter()
            .map(|f| f.describe(nodes))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl FaultLookup for FaultSet {
    fn crash_of(&self, node: NodeId) -> Option<Time> {
        self.0.iter().find_map(|f| match *f {
            Fault::Crash { node: n, time } if n == node => Some(time),
            _ => None,
        })
    }

    fn message_fault(&self, e: Envelope) -> Option<MessageFault> {
        let lo = Fault::Omission {
            from: e.from,
            to: e.to,
            time: e.sent,
        };
        if self.0.contains(&lo) {
            return Some(MessageFault::Omitted);
        }
        let lo = Fault::Delay {
            from: e.from,
            to: e.to,
            time: e.sent,
            by: 0,
        };
        self.0.range(lo..).next().and_then(|f| match *f {
            Fault::Delay { from, to, time, by } if Envelope::new(from, to, time) == e => {
                Some(MessageFault::Delayed(by))
            }
            _ => None,
        })
    }
}

impl FaultSet {
    /// The crash time of `node`, if it crashes.
    pub fn crash_of(&self, node: NodeId) -> Option<Time> {
        FaultLookup::crash_of(self, node)
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

/// The bounds of a fault space besides its nodes: end of time, end of
/// finite failures, the crash budget and the largest delay.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Bounds {
    /// End of time: the last timestep.
    pub eot: Time,
    /// End of finite failures: omissions and delays only at `t < eff`.
    pub eff: Time,
    /// At most this many nodes crash.
    pub crashes: u32,
    /// Largest delay (0: no delays).
    pub max_delay: u32,
    /// Whether messages may be lost by omission. `false` is the model of
    /// reliable, unordered channels: a message may be late (a delay) but is
    /// lost only through its sender's crash.
    pub omissions: bool,
}

/// Why bounds or a node set are impossible. Each variant knows the spec
/// key ([`BoundsError::key`]) and the command-line flag
/// ([`BoundsError::flag`]) it is about, so that every front end can point
/// at what to fix.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BoundsError {
    /// The node set is empty.
    #[error("at least one node is needed")]
    NoNodes,
    /// A node is listed twice.
    #[error("node `{0}` is listed twice")]
    DuplicateNode(String),
    /// A node name breaks the naming rule ([`check_node_name`]).
    #[error("{message}")]
    NodeName {
        /// The name.
        name: String,
        /// What is wrong with it.
        message: String,
    },
    /// EOT is 0.
    #[error("EOT must be at least 1")]
    NoTime,
    /// EOT is beyond [`MAX_EOT`].
    #[error("EOT {eot} is beyond what a run can hold (at most {max})")]
    EotTooLarge {
        /// The EOT asked for.
        eot: Time,
        /// [`MAX_EOT`].
        max: Time,
    },
    /// EFF is after EOT.
    #[error("EFF ({eff}) may not exceed EOT ({eot}): faults after the end of time cannot happen")]
    EffAfterEot {
        /// End of finite failures.
        eff: Time,
        /// End of time.
        eot: Time,
    },
    /// More crashes than nodes.
    #[error("crashes ({crashes}) may not exceed the number of nodes ({nodes})")]
    TooManyCrashes {
        /// The crash budget.
        crashes: u32,
        /// The number of nodes.
        nodes: usize,
    },
}

impl BoundsError {
    /// The spec-file key the error is about (`eff`).
    pub fn key(&self) -> &'static str {
        match self {
            BoundsError::NoNodes | BoundsError::DuplicateNode(_) | BoundsError::NodeName { .. } => {
                "nodes"
            }
            BoundsError::NoTime | BoundsError::EotTooLarge { .. } => "eot",
            BoundsError::EffAfterEot { .. } => "eff",
            BoundsError::TooManyCrashes { .. } => "crashes",
        }
    }

    /// The command-line flag the error is about (`--eff`).
    pub fn flag(&self) -> &'static str {
        match self.key() {
            "eot" => "--eot",
            "eff" => "--eff",
            "crashes" => "--crashes",
            _ => "--nodes",
        }
    }
}

/// Checks one node name: letters, digits, `_`, `.` and `-` only, not
/// starting with `-`. Names appear in replay lines that people paste into
/// shells, in flags split at commas, and in file names.
pub fn check_node_name(name: &str) -> Result<(), BoundsError> {
    let bad = |message: String| {
        Err(BoundsError::NodeName {
            name: name.to_string(),
            message,
        })
    };
    if name.is_empty() {
        return bad("a node name may not be empty".into());
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "_.-".contains(*c)))
    {
        return bad(format!(
            "node name `{}` contains {}: node names may contain only letters, digits, `_`, `.` and `-`",
            name.escape_debug(),
            if c.is_whitespace() {
                "a space".to_string()
            } else {
                format!("`{}`", c.escape_debug())
            }
        ));
    }
    if name.starts_with('-') {
        return bad(format!(
            "node name `{name}` starts with `-`: it would read as a flag"
        ));
    }
    Ok(())
}

/// Checks that a node set is not empty and names no node twice (any names:
/// the evaluator runs whatever nodes it is given).
pub fn check_node_set(nodes: &[impl AsRef<str>]) -> Result<(), BoundsError> {
    if nodes.is_empty() {
        return Err(BoundsError::NoNodes);
    }
    let mut seen = BTreeSet::new();
    for n in nodes {
        if !seen.insert(n.as_ref()) {
            return Err(BoundsError::DuplicateNode(n.as_ref().to_string()));
        }
    }
    Ok(())
}

impl Bounds {
    /// Checks the times alone: `1 <= EOT <= MAX_EOT`, `EFF <= EOT`.
    pub fn check_times(&self) -> Result<(), BoundsError> {
        if self.eot == 0 {
            return Err(BoundsError::NoTime);
        }
        if self.eot > MAX_EOT {
            return Err(BoundsError::EotTooLarge {
                eot: self.eot,
                max: MAX_EOT,
            });
        }
        if self.eff > self.eot {
            return Err(BoundsError::EffAfterEot {
                eff: self.eff,
                eot: self.eot,
            });
        }
        Ok(())
    }

    /// Checks the bounds with their node set: the one validator behind
    /// spec files, the command line and the harness's targets.
    pub fn validate(&self, nodes: &[impl AsRef<str>]) -> Result<(), BoundsError> {
        if nodes.is_empty() {
            return Err(BoundsError::NoNodes);
        }
        self.check_times()?;
        if self.crashes as usize > nodes.len() {
            return Err(BoundsError::TooManyCrashes {
                crashes: self.crashes,
                nodes: nodes.len(),
            });
        }
        for n in nodes {
            check_node_name(n.as_ref())?;
        }
        check_node_set(nodes)
    }

    /// Whether omissions and delays may hit messages sent at `t`.
    pub fn faulty(&self, t: Time) -> bool {
        t >= 1 && t < self.eff
    }

    /// The crashes that would silence the messages of `e`: its sender's,
    /// at each time up to the send (none for a node's messages to itself,
    /// or without a crash budget), earliest first.
    pub fn silencing_crashes(&self, e: Envelope) -> impl Iterator<Item = Fault> + use<> {
        let last = if e.from == e.to || self.crashes == 0 {
            0
        } else {
            e.sent.min(self.eot)
        };
        (1..=last).map(move |time| Fault::Crash { node: e.from, time })
    }

    /// The admissible omission and delays of `e` itself (none for a node's
    /// messages to itself, or at or after EFF): the omission first (if
    /// omissions are admissible), then delays by 1..=max_delay.
    pub fn message_faults(&self, e: Envelope) -> impl Iterator<Item = Fault> + use<> {
        let on = e.from != e.to && self.faulty(e.sent);
        let Envelope { from, to, sent } = e;
        let omission = (on && self.omissions).then_some(Fault::Omission {
            from,
            to,
            time: sent,
        });
        let delays = if on { self.max_delay } else { 0 };
        omission
            .into_iter()
            .chain((1..=delays).map(move |by| Fault::Delay {
                from,
                to,
                time: sent,
                by,
            }))
    }

    /// The admissible fault of `e` itself that disturbs it the most: its
    /// omission, or without omissions its longest delay (`None` for a
    /// node's messages to itself, at or after EFF, or with neither).
    pub fn disturbance(&self, e: Envelope) -> Option<Fault> {
        if self.omissions {
            self.message_faults(e).next()
        } else {
            self.message_faults(e).last()
        }
    }

    /// The one admissible fault that disturbs the messages of `e` as late as
    /// possible: its [`Bounds::disturbance`] before EFF, else its sender's
    /// crash at the send time (`None`: nothing can touch them).
    pub fn latest_stop(&self, e: Envelope) -> Option<Fault> {
        self.disturbance(e)
            .or_else(|| self.silencing_crashes(e).last())
    }

    /// Checks that `faults` fits a run of `nodes` nodes within these bounds,
    /// the crash budget aside (a single run may crash any number of nodes):
    /// every node id exists; omissions and delays only between different
    /// nodes at `1 <= t < EFF`, delays by `1..=max_delay`, at most one of
    /// them per envelope; crashes at `1..=EOT`, at most one per node.
    pub fn check_faults(&self, faults: &FaultSet, nodes: usize) -> Result<(), FaultError> {
        let mut crashed = BTreeSet::new();
        let mut hit = BTreeSet::new();
        for &f in faults.iter() {
            let fails = |problem| Err(FaultError { fault: f, problem });
            let exists = |n: NodeId| (n as usize) < nodes;
            match f {
                Fault::Omission { from, to, time } | Fault::Delay { from, to, time, .. } => {
                    let omission = matches!(f, Fault::Omission { .. });
                    if !exists(from) || !exists(to) {
                        return fails(FaultProblem::UnknownNode { nodes });
                    }
                    if from == to {
                        return fails(FaultProblem::SelfMessage);
                    }
                    if omission && !self.omissions {
                        return fails(FaultProblem::NoOmissions);
                    }
                    if !self.faulty(time) {
                        return fails(FaultProblem::AfterEff { eff: self.eff });
                    }
                    if let Fault::Delay { by, .. } = f
                        && (by == 0 || by > self.max_delay)
                    {
                        return fails(FaultProblem::DelayOutOfRange {
                            max_delay: self.max_delay,
                        });
                    }
                    if !hit.insert(Envelope::new(from, to, time)) {
                        return fails(if omission {
                            FaultProblem::TwiceOmitted
                        } else {
                            FaultProblem::TwoMessageFaults
                        });
                    }
                }
                Fault::Crash { node, time } => {
                    if !exists(node) {
                        return fails(FaultProblem::UnknownNode { nodes });
                    }
                    if time == 0 || time > self.eot {
                        return fails(FaultProblem::CrashOutsideTime { eot: self.eot });
                    }
                    if !crashed.insert(node) {
                        return fails(FaultProblem::CrashesTwice);
                    }
                }
            }
        }
        Ok(())
    }
}

/// A fault that does not fit a run ([`Bounds::check_faults`]). Its
/// `Display` names nodes by id (`#0`); [`FaultError::describe`] by name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaultError {
    /// The fault.
    pub fault: Fault,
    /// What is wrong with it.
    pub problem: FaultProblem,
}

impl std::error::Error for FaultError {}

impl std::fmt::Display for FaultError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe(&[]))
    }
}

impl FaultError {
    /// The message with node names: `omission a,b,3: omissions are allowed
    /// only at 1 <= t < EFF (2)`.
    pub fn describe(&self, nodes: &[String]) -> String {
        let n = |i| node_name(nodes, i);
        let (what, omission) = match self.fault {
            Fault::Omission { from, to, time } => {
                (format!("omission {},{},{time}", n(from), n(to)), true)
            }
            Fault::Crash { node, time } => (format!("crash {},{time}", n(node)), false),
            Fault::Delay { from, to, time, by } => {
                (format!("delay {},{},{time},{by}", n(from), n(to)), false)
            }
        };
        match self.problem {
            FaultProblem::UnknownNode { nodes } => {
                format!("{what}: it names a node that does not exist (there are {nodes} nodes)")
            }
            FaultProblem::SelfMessage if omission => {
                format!("{what}: a node's messages to itself are never lost")
            }
            FaultProblem::SelfMessage => {
                format!("{what}: delays apply only between different nodes")
            }
            FaultProblem::AfterEff { eff } => format!(
                "{what}: {} are allowed only at 1 <= t < EFF ({eff})",
                if omission { "omissions" } else { "delays" }
            ),
            FaultProblem::DelayOutOfRange { max_delay } => {
                format!("{what}: the delay must be within 1..=max_delay ({max_delay})")
            }
            FaultProblem::TwiceOmitted => "an omission is listed twice".into(),
            FaultProblem::TwoMessageFaults => {
                format!("{what}: a message takes at most one omission or delay")
            }
            FaultProblem::CrashOutsideTime { eot } => {
                format!("{what}: crash times are within 1..=EOT ({eot})")
            }
            FaultProblem::NoOmissions => {
                format!(
                    "{what}: the channels are reliable here (no omissions): messages may only be late"
                )
            }
            FaultProblem::CrashesTwice => format!(
                "node `{}` crashes twice: a node crashes at most once",
                self.fault.crash().map_or_else(String::new, |(c, _)| n(c))
            ),
        }
    }
}

/// What is wrong with a fault ([`FaultError`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FaultProblem {
    /// It names a node id past the node list.
    UnknownNode {
        /// The number of nodes.
        nodes: usize,
    },
    /// An omission or delay of a node's message to itself.
    SelfMessage,
    /// An omission or delay at or after EFF (or at time 0).
    AfterEff {
        /// End of finite failures.
        eff: Time,
    },
    /// A delay of 0 or beyond `max_delay`.
    DelayOutOfRange {
        /// The largest delay.
        max_delay: u32,
    },
    /// The same omission twice (only possible in a list of flags).
    TwiceOmitted,
    /// An envelope with both an omission and a delay, or two delays.
    TwoMessageFaults,
    /// A crash at time 0 or after EOT.
    CrashOutsideTime {
        /// End of time.
        eot: Time,
    },
    /// A node crashing twice.
    CrashesTwice,
    /// An omission where the channels are reliable (no omissions).
    NoOmissions,
}
