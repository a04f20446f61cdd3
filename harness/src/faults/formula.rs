//! The fault model as a z3 formula, shared by the lineage encoding
//! ([`crate::ldfi`]) and the symbolic one ([`crate::symbolic`]): one boolean
//! per fault (each kind names its own, see [`omission`](super::omission),
//! [`crash`](super::crash), [`delay`](super::delay)), the fate rule
//! [`dedalus::faults::fate`] as a formula ([`FaultVars::arrives`]), and the
//! admissibility constraints of a chosen set ([`FaultVars::admissibility`]).

use std::collections::BTreeMap;

use dedalus::faults::{Envelope, Fault, FaultLookup, MessageFault};
use dedalus::provenance::{NodeId, Time};
use rustc_hash::FxHashMap;
use z3::ast::Bool;

use super::{FaultSpace, crash, delay, omission, partition};

/// What a fault occupies: a chosen set holds at most one fault per slot,
/// and crashes at most `crashes` nodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Slot {
    /// The messages of one envelope take at most one fault of their own.
    Envelope(Envelope),
    /// A node crashes at most once.
    Node(NodeId),
}

/// The variable name and the slots of `f`, by its kind.
fn name(f: &Fault) -> String {
    match *f {
        Fault::Omission { from, to, time } => omission::var_name(from, to, time),
        Fault::Crash { node, time } => crash::var_name(node, time),
        Fault::Delay { from, to, time, by } => delay::var_name(from, to, time, by),
        Fault::Partition {
            left,
            right,
            start,
            end,
        } => partition::var_name(left, right, start, end),
    }
}

/// The slots `f` occupies, by its kind.
fn slots(f: &Fault) -> Vec<Slot> {
    match *f {
        Fault::Omission { .. } | Fault::Delay { .. } => {
            f.envelopes().into_iter().map(Slot::Envelope).collect()
        }
        Fault::Crash { node, .. } => crash::slots(node),
        Fault::Partition { .. } => partition::slots(f.envelopes()),
    }
}

/// The boolean variables of the faults of one formula, created on first use
/// (named by their kind, nodes by id: `o_FROM_TO_T`, `c_NODE_T`,
/// `d_FROM_TO_T_BY`).
#[derive(Default)]
pub(crate) struct FaultVars {
    /// Every variable, by fault.
    pub by_fault: BTreeMap<Fault, Bool>,
    /// `crashed_by(node, t)`, the prefix disjunctions built so far.
    crashed_by: FxHashMap<(NodeId, Time), Bool>,
}

impl FaultVars {
    /// The variable of `f`.
    pub fn get(&mut self, f: Fault) -> Bool {
        self.by_fault
            .entry(f)
            .or_insert_with(|| Bool::new_const(name(&f)))
            .clone()
    }

    /// The number of variables.
    pub fn len(&self) -> usize {
        self.by_fault.len()
    }

    /// `node` has crashed at or before `t`: the disjunction of its
    /// admissible crashes up to `t`, built as a chain of prefixes (shared
    /// between calls: EOT may be large).
    pub fn crashed_by(&mut self, space: &FaultSpace, node: NodeId, t: Time) -> Bool {
        if space.crashes == 0 || t == 0 {
            return Bool::from_bool(false);
        }
        let t = t.min(space.eot);
        let mut from = t;
        while from > 1 && !self.crashed_by.contains_key(&(node, from)) {
            from -= 1;
        }
        let mut acc = match self.crashed_by.get(&(node, from)) {
            Some(b) => b.clone(),
            None => {
                let b = self.get(Fault::Crash { node, time: from });
                self.crashed_by.insert((node, from), b.clone());
                b
            }
        };
        for u in from + 1..=t {
            let c = self.get(Fault::Crash { node, time: u });
            acc = Bool::or(&[acc, c]);
            self.crashed_by.insert((node, u), acc.clone());
        }
        acc
    }

    /// The messages of `e` arrive `delay` steps late (0: on time): the rule
    /// of [`dedalus::faults::fate`] as a formula. A node's messages to
    /// itself always arrive on time; a crash of the sender at or before the
    /// send ([`FaultVars::crashed_by`]) wins over anything else; otherwise
    /// they are on time iff none of the admissible faults of `e` itself
    /// ([`dedalus::faults::Bounds::message_faults`]) is chosen, and late by
    /// `delay` iff the fault that delays them by that much is.
    pub fn arrives(&mut self, space: &FaultSpace, e: Envelope, delay: u32) -> Bool {
        if e.from == e.to {
            return Bool::from_bool(delay == 0);
        }
        let alive = self.crashed_by(space, e.from, e.sent).not();
        let own = space.bounds().message_faults(e);
        if delay > 0 {
            let late = own
                .filter(|f| f.message_fault(e) == Some(MessageFault::Delayed(delay)))
                .map(|f| self.get(f))
                .collect::<Vec<_>>();
            if late.is_empty() {
                return Bool::from_bool(false);
            }
            return Bool::and(&[alive, Bool::or(&late)]);
        }
        let mut all = vec![alive];
        for f in own {
            all.push(self.get(f).not());
        }
        Bool::and(&all)
    }

    /// The admissibility of the chosen faults: at most one per slot (a
    /// message takes at most one omission or delay; a node crashes at most
    /// once), and at most `crashes` nodes crash.
    pub fn admissibility(&self, space: &FaultSpace) -> Vec<Bool> {
        let mut out = Vec::new();
        let mut per_slot: BTreeMap<Slot, Vec<Bool>> = BTreeMap::new();
        for (f, b) in &self.by_fault {
            for s in slots(f) {
                per_slot.entry(s).or_default().push(b.clone());
            }
        }
        let mut crashed = Vec::new();
        for (slot, bs) in &per_slot {
            if bs.len() > 1 {
                out.push(z3::ast::atmost(bs.iter(), 1));
            }
            if let Slot::Node(_) = slot {
                crashed.push(Bool::or(bs));
            }
        }
        if crashed.len() > space.crashes as usize {
            out.push(z3::ast::atmost(crashed.iter(), space.crashes));
        }
        out
    }
}
