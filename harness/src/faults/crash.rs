//! The crash's part of the solver formula ([`dedalus::faults::crash`] owns
//! the rest): its variable, and its slot, the node (which crashes at most
//! once; at most `crashes` nodes crash).

use dedalus::provenance::{NodeId, Time};

use super::formula::Slot;

/// `c_NODE_T`.
pub(super) fn var_name(node: NodeId, time: Time) -> String {
    format!("c_{node}_{time}")
}

/// The node it crashes.
pub(super) fn slots(node: NodeId) -> Vec<Slot> {
    vec![Slot::Node(node)]
}
