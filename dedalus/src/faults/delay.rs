//! The delay: the messages of one [`Envelope`] arrive `by` steps late
//! (docs/dedalus.md §5). Admissible between different nodes at
//! `1 <= t < EFF`, by `1..=max_delay`.

use super::{Bounds, Envelope, Fault, FaultProblem, MessageFault, node_name};

/// `delay a->b@1 by 2`.
pub(super) fn describe(e: Envelope, by: u32, nodes: &[String]) -> String {
    format!(
        "delay {}->{}@{} by {by}",
        node_name(nodes, e.from),
        node_name(nodes, e.to),
        e.sent
    )
}

/// `--delay a,b,1,2`.
pub(super) fn flag(e: Envelope, by: u32, nodes: &[String]) -> String {
    format!("--delay {}", subject(e, by, nodes))
}

/// `a,b,1,2`: the flag's value, which error messages quote.
pub(super) fn subject(e: Envelope, by: u32, nodes: &[String]) -> String {
    format!(
        "{},{},{},{by}",
        node_name(nodes, e.from),
        node_name(nodes, e.to),
        e.sent
    )
}

/// Its part of a message's fate: the messages of its envelope are held back.
pub(super) fn message_fault(hit: Envelope, by: u32, e: Envelope) -> Option<MessageFault> {
    (hit == e).then_some(MessageFault::Delayed(by))
}

/// Whether it may happen under `bounds` (its node ids aside).
pub(super) fn check(e: Envelope, by: u32, bounds: &Bounds) -> Result<(), FaultProblem> {
    if e.from == e.to {
        return Err(FaultProblem::SelfMessage);
    }
    if !bounds.faulty(e.sent) {
        return Err(FaultProblem::AfterEff { eff: bounds.eff });
    }
    if by == 0 || by > bounds.max_delay {
        return Err(FaultProblem::DelayOutOfRange {
            max_delay: bounds.max_delay,
        });
    }
    Ok(())
}

/// The admissible delays of `e` under `bounds`, shortest first.
pub(super) fn admissible(bounds: &Bounds, e: Envelope) -> impl Iterator<Item = Fault> + use<> {
    let on = e.from != e.to && bounds.faulty(e.sent);
    let last = if on { bounds.max_delay } else { 0 };
    (1..=last).map(move |by| Fault::Delay {
        from: e.from,
        to: e.to,
        time: e.sent,
        by,
    })
}
