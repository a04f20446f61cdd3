//! The crash: from its time on, every message a node sends to another node
//! is lost (docs/dedalus.md §5), whatever else happens to it. Admissible at
//! `1..=EOT`, once per node, at most `crashes` nodes in a fault set.

use super::{Bounds, Envelope, Fault, FaultProblem, node_name};
use crate::provenance::{NodeId, Time};

/// `crash a@2`.
pub(super) fn describe(node: NodeId, time: Time, nodes: &[String]) -> String {
    format!("crash {}@{time}", node_name(nodes, node))
}

/// `--crash a,2`.
pub(super) fn flag(node: NodeId, time: Time, nodes: &[String]) -> String {
    format!("--crash {}", subject(node, time, nodes))
}

/// `a,2`: the flag's value, which error messages quote.
pub(super) fn subject(node: NodeId, time: Time, nodes: &[String]) -> String {
    format!("{},{time}", node_name(nodes, node))
}

/// Its part of a message's fate: the crash time of `of`, if it is this node.
pub(super) fn crash_of(node: NodeId, time: Time, of: NodeId) -> Option<Time> {
    (node == of).then_some(time)
}

/// Whether it may happen under `bounds` (its node id aside).
pub(super) fn check(time: Time, bounds: &Bounds) -> Result<(), FaultProblem> {
    if time == 0 || time > bounds.eot {
        return Err(FaultProblem::CrashOutsideTime { eot: bounds.eot });
    }
    Ok(())
}

/// The admissible crashes of `node` under `bounds` (none without a crash
/// budget), earliest first.
pub(super) fn admissible(bounds: &Bounds, node: NodeId) -> impl Iterator<Item = Fault> + use<> {
    let last = if bounds.crashes == 0 { 0 } else { bounds.eot };
    (1..=last).map(move |time| Fault::Crash { node, time })
}

/// The crashes that would silence the messages of `e`: its sender's, at
/// each time up to the send (none for a node's messages to itself, or
/// without a crash budget), earliest first.
pub(super) fn silencing(bounds: &Bounds, e: Envelope) -> impl Iterator<Item = Fault> + use<> {
    let last = if e.from == e.to || bounds.crashes == 0 {
        0
    } else {
        e.sent.min(bounds.eot)
    };
    (1..=last).map(move |time| Fault::Crash { node: e.from, time })
}
