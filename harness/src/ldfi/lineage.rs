//! The lineage of every run so far: the merged provenance graph of
//! [`dedalus::provenance::graph`], and what the search learns from runs
//! beyond it (the negative-support hypotheses they refute).
//!
//! Tuples are keyed by (relation, values, time), so a derivation seen in one
//! run is known in every other: this is the "learn its lineage" step of LDFI.

use dedalus::analysis::Reachability;
use dedalus::eval::Run;
pub(crate) use dedalus::provenance::graph::{
    AbsentAtom, Cause, KeyId, MergedMessage, ProvenanceGraph as Lineage,
};

/// The negative support of `atom`: every known message, to any node, of a
/// relation from which the atom's relation is reachable, sent before the
/// atom was checked. Disturbing one of them might make it appear.
pub(crate) fn suspects<'s>(
    g: &'s Lineage,
    atom: &'s AbsentAtom,
    reach: &'s Reachability,
) -> impl Iterator<Item = (u32, &'s MergedMessage)> + 's {
    g.messages().iter().enumerate().filter_map(move |(m, msg)| {
        (msg.from != msg.to && msg.sent < atom.time && reach.reaches(msg.rel, atom.rel))
            .then_some((m as u32, msg))
    })
}

/// Negative-support hypotheses refuted by runs: `(atom, message)` means a run
/// disturbed the message and the atom still did not appear, so the message
/// alone is no longer suspected of creating it. Without this, "any disturbed
/// message might create it" never weakens, and the search enumerates ever
/// larger combinations of irrelevant faults.
#[derive(Default)]
pub(crate) struct Refutations {
    refuted: rustc_hash::FxHashSet<(AbsentAtom, u32)>,
    /// Atoms whose negative support the formula used.
    pub watched: std::collections::BTreeSet<AbsentAtom>,
}

impl Refutations {
    /// Whether `msg` is no longer suspected of creating `atom`.
    pub fn refuted(&self, atom: &AbsentAtom, msg: u32) -> bool {
        self.refuted.contains(&(atom.clone(), msg))
    }

    /// Learns from a run under `faults`.
    pub fn learn(
        &mut self,
        g: &Lineage,
        reach: &Reachability,
        run: &Run,
        faults: &crate::faults::FaultSet,
    ) {
        for atom in &self.watched {
            let appeared = run.rows(atom.rel, atom.time).any(|r| {
                atom.pattern
                    .iter()
                    .zip(r.values.iter())
                    .all(|(p, v)| p.is_none_or(|p| p == *v))
            });
            if appeared {
                continue;
            }
            for (m, msg) in suspects(g, atom, reach) {
                if disturbs(faults, msg) {
                    self.refuted.insert((atom.clone(), m));
                }
            }
        }
    }
}

/// Whether `faults` stop or delay `msg`.
pub(crate) fn disturbs(faults: &crate::faults::FaultSet, msg: &MergedMessage) -> bool {
    use crate::faults::Fault;
    faults.iter().any(|f| match *f {
        Fault::Omission { from, to, time } | Fault::Delay { from, to, time, .. } => {
            (from, to, time) == (msg.from, msg.to, msg.sent)
        }
        Fault::Crash { node, time } => node == msg.from && time <= msg.sent,
    })
}
