//! The omission's part of the solver formula ([`dedalus::faults::omission`]
//! owns the rest): its variable. It occupies its envelope.

use dedalus::provenance::{NodeId, Time};

/// `o_FROM_TO_T`.
pub(super) fn var_name(from: NodeId, to: NodeId, time: Time) -> String {
    format!("o_{from}_{to}_{time}")
}
