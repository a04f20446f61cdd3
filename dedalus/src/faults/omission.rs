//! The omission: the messages of one [`Envelope`] are lost (Molly §3; docs/dedalus.md §5).
//! Admissible between different nodes at `1 <= t < EFF`, unless the
//! channels are reliable.

use super::{Bounds, Envelope, Fault, FaultProblem, MessageFault, node_name};
use crate::provenance::{NodeId, Time};

/// `omit a->b@1`.
pub(super) fn describe(from: NodeId, to: NodeId, time: Time, nodes: &[String]) -> String {
    format!(
        "omit {}->{}@{time}",
        node_name(nodes, from),
        node_name(nodes, to)
    )
}

/// `--omit a,b,1`.
pub(super) fn flag(from: NodeId, to: NodeId, time: Time, nodes: &[String]) -> String {
    format!("--omit {}", subject(from, to, time, nodes))
}

/// `a,b,1`: the flag's value, which error messages quote.
pub(super) fn subject(from: NodeId, to: NodeId, time: Time, nodes: &[String]) -> String {
    format!("{},{},{time}", node_name(nodes, from), node_name(nodes, to))
}

/// Its part of a message's fate: the messages of its envelope are lost.
pub(super) fn message_fault(hit: Envelope, e: Envelope) -> Option<MessageFault> {
    (hit == e).then_some(MessageFault::Omitted)
}

/// Whether it may happen under `bounds` (its node ids aside).
pub(super) fn check(e: Envelope, bounds: &Bounds) -> Result<(), FaultProblem> {
    if e.from == e.to {
        return Err(FaultProblem::SelfMessage);
    }
    if !bounds.omissions {
        return Err(FaultProblem::NoOmissions);
    }
    if !bounds.faulty(e.sent) {
        return Err(FaultProblem::AfterEff { eff: bounds.eff });
    }
    Ok(())
}

/// The admissible omission of `e` under `bounds`, if any.
pub(super) fn admissible(bounds: &Bounds, e: Envelope) -> Option<Fault> {
    (bounds.omissions && e.from != e.to && bounds.faulty(e.sent)).then_some(Fault::Omission {
        from: e.from,
        to: e.to,
        time: e.sent,
    })
}
