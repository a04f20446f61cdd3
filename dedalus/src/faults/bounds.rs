//! The bounds that make a fault admissible (docs/dedalus.md §5), the
//! validator of bounds and node sets, and the errors of both.

use std::collections::BTreeSet;

use super::{Envelope, Fault, FaultSet, crash, delay, node_name, omission};
use crate::provenance::{NodeId, Time};

/// The largest end of time a run accepts (every timestep keeps its tables).
pub const MAX_EOT: Time = 100_000;

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
        crash::silencing(self, e)
    }

    /// The admissible crashes of `node`, earliest first (none without a
    /// crash budget).
    pub fn crashes_of(&self, node: NodeId) -> impl Iterator<Item = Fault> + use<> {
        crash::admissible(self, node)
    }

    /// The admissible omission and delays of `e` itself (none for a node's
    /// messages to itself, or at or after EFF): the omission first (if
    /// omissions are admissible), then delays by 1..=max_delay.
    pub fn message_faults(&self, e: Envelope) -> impl Iterator<Item = Fault> + use<> {
        omission::admissible(self, e)
            .into_iter()
            .chain(delay::admissible(self, e))
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
            if f.nodes().iter().any(|&n| n as usize >= nodes) {
                return fails(FaultProblem::UnknownNode { nodes });
            }
            if let Err(problem) = f.check(self) {
                return fails(problem);
            }
            if f.envelopes().into_iter().any(|e| !hit.insert(e)) {
                return fails(f.twice());
            }
            if let Some((node, _)) = f.crash()
                && !crashed.insert(node)
            {
                return fails(FaultProblem::CrashesTwice);
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
        let what = self.fault.subject(nodes);
        let omission = matches!(self.fault, Fault::Omission { .. });
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
                self.fault.plural()
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
            FaultProblem::PartitionSides => {
                format!("{what}: each side names at least one node, and no node is on both sides")
            }
            FaultProblem::EmptyInterval => {
                format!("{what}: the interval of send times is empty (START > END)")
            }
            FaultProblem::CrashesTwice => format!(
                "node `{}` crashes twice: a node crashes at most once",
                self.fault
                    .crash()
                    .map_or_else(String::new, |(c, _)| node_name(nodes, c))
            ),
        }
    }
}

/// What is wrong with a fault ([`FaultError`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
    /// A partition whose sides are empty or share a node.
    PartitionSides,
    /// A partition whose interval of send times is empty.
    EmptyInterval,
}
