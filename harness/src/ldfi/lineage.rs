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

/// Whether `faults` stop or delay `msg` ([`crate::faults::fate`]).
pub(crate) fn disturbs(faults: &crate::faults::FaultSet, msg: &MergedMessage) -> bool {
    faults.fate(msg.envelope()) != dedalus::provenance::Fate::Delivered
}

#[cfg(test)]
mod tests {
    use super::super::testing::{SEND, target};
    use super::*;
    use crate::faults::{Fault, FaultSet};
    use dedalus::value::Value;

    fn set(faults: &[Fault]) -> FaultSet {
        faults.iter().copied().collect()
    }

    #[test]
    fn disturbs_knows_which_fault_stops_which_message() {
        let msg = MergedMessage {
            rel: 0,
            from: 0,
            to: 1,
            sent: 2,
            senders: Vec::new(),
        };
        let omit = |from, to, time| Fault::Omission { from, to, time };
        let crash = |node, time| Fault::Crash { node, time };
        assert!(disturbs(&set(&[omit(0, 1, 2)]), &msg));
        assert!(!disturbs(&set(&[omit(0, 1, 1)]), &msg), "another send time");
        assert!(
            !disturbs(&set(&[omit(1, 0, 2)]), &msg),
            "the other direction"
        );
        assert!(
            disturbs(&set(&[crash(0, 1)]), &msg),
            "crashed before sending"
        );
        assert!(disturbs(&set(&[crash(0, 2)]), &msg), "crashed when sending");
        assert!(!disturbs(&set(&[crash(0, 3)]), &msg), "crashed after");
        assert!(
            !disturbs(&set(&[crash(1, 1)]), &msg),
            "the receiver crashed"
        );
        let delay = Fault::Delay {
            from: 0,
            to: 1,
            time: 2,
            by: 1,
        };
        assert!(disturbs(&set(&[delay]), &msg));
        assert!(!disturbs(&FaultSet::none(), &msg));
    }

    #[test]
    fn suspects_are_earlier_messages_of_relations_leading_to_the_atom() {
        let t = target(SEND, 3, 2, 0);
        let program = t.evaluator().program();
        let reach = Reachability::of(program);
        let mut g = Lineage::for_evaluator(t.evaluator());
        g.learn(&t.run(&FaultSet::none()).unwrap());
        let rel = |n: &str| program.relation(n).unwrap();
        let b = Value::Str(t.evaluator().interner().get("b").unwrap());
        let atom = |name: &str, time| AbsentAtom {
            rel: rel(name),
            time,
            pattern: vec![Some(b), Some(Value::Int(1))].into(),
        };
        // `log` at b is reachable from the message `log` a sent at 1.
        let log3 = atom("log", 3);
        let found: Vec<u32> = suspects(&g, &log3, &reach).map(|(m, _)| m).collect();
        assert_eq!(found, [0]);
        assert_eq!(g.messages()[0].rel, rel("log"));
        // Not before it was sent; not for a relation it cannot lead to.
        assert_eq!(suspects(&g, &atom("log", 1), &reach).count(), 0);
        assert_eq!(suspects(&g, &atom("want", 3), &reach).count(), 0);
    }

    #[test]
    fn a_run_that_disturbs_a_suspect_without_the_atom_appearing_refutes_it() {
        // `late` would appear if b's log arrived late; it never does here.
        let src = format!("{SEND}\n late(N, X) :- done(N, X), notin want(N, X);");
        let t = target(&src, 3, 2, 0);
        let program = t.evaluator().program();
        let reach = Reachability::of(program);
        let mut g = Lineage::for_evaluator(t.evaluator());
        g.learn(&t.run(&FaultSet::none()).unwrap());
        let b = Value::Str(t.evaluator().interner().get("b").unwrap());
        let late = AbsentAtom {
            rel: program.relation("late").unwrap(),
            time: 3,
            pattern: vec![Some(b), None].into(),
        };
        let mut r = Refutations::default();
        r.watched.insert(late.clone());
        assert!(!r.refuted(&late, 0));
        // A run that leaves the message alone refutes nothing.
        let free = t.run(&FaultSet::none()).unwrap();
        r.learn(&g, &reach, &free, &FaultSet::none());
        assert!(!r.refuted(&late, 0));
        let lost = set(&[Fault::Omission {
            from: 0,
            to: 1,
            time: 1,
        }]);
        let run = t.run(&lost).unwrap();
        g.learn(&run);
        r.learn(&g, &reach, &run, &lost);
        assert!(r.refuted(&late, 0));
    }
}
