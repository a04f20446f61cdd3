//! The partition's part of the solver formula ([`dedalus::faults::partition`]
//! owns the rest): its variable, and its slots, the envelopes it cuts. The
//! searches never choose a partition (they range over its omissions one by
//! one), but a formula over a given fault set may name one.

use dedalus::faults::{Envelope, Side};
use dedalus::provenance::Time;

use super::formula::Slot;

/// `p_LEFT_RIGHT_START_END`, a side's nodes by id joined with `.`.
pub(super) fn var_name(left: Side, right: Side, start: Time, end: Time) -> String {
    let side = |s: Side| {
        s.nodes()
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join(".")
    };
    format!("p_{}_{}_{start}_{end}", side(left), side(right))
}

/// The envelopes it cuts.
pub(super) fn slots(cut: Vec<Envelope>) -> Vec<Slot> {
    cut.into_iter().map(Slot::Envelope).collect()
}
