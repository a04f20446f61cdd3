//! The delay's part of the solver formula ([`dedalus::faults::delay`] owns
//! the rest): its variable. It occupies its envelope.

use dedalus::provenance::{NodeId, Time};

/// `d_FROM_TO_T_BY`.
pub(super) fn var_name(from: NodeId, to: NodeId, time: Time, by: u32) -> String {
    format!("d_{from}_{to}_{time}_{by}")
}
