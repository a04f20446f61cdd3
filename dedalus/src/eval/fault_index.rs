//! One run's faults, indexed for the fate of each message it sends: the
//! evaluator's [`FaultLookup`] (the rule itself is [`crate::faults::fate`]).

use rustc_hash::FxHashMap;

use crate::faults::{Envelope, FaultLookup, FaultSet, MessageFault};
use crate::provenance::{NodeId, Time};

/// One run's faults, indexed for the fate of each message it sends.
pub(super) struct FaultIndex {
    crash_time: Vec<Option<Time>>,
    messages: FxHashMap<Envelope, MessageFault>,
}

impl FaultIndex {
    /// `set` must have been checked against the `nodes` nodes.
    pub(super) fn new(set: &FaultSet, nodes: usize) -> FaultIndex {
        let mut index = FaultIndex {
            crash_time: vec![None; nodes],
            messages: FxHashMap::default(),
        };
        for f in set {
            if let Some((n, t)) = f.crash() {
                index.crash_time[n as usize] = Some(t);
            }
            for e in f.envelopes() {
                if let Some(what) = f.message_fault(e) {
                    index.messages.insert(e, what);
                }
            }
        }
        index
    }
}

impl FaultLookup for FaultIndex {
    #[inline]
    fn crash_of(&self, node: NodeId) -> Option<Time> {
        self.crash_time[node as usize]
    }

    #[inline]
    fn message_fault(&self, e: Envelope) -> Option<MessageFault> {
        if self.messages.is_empty() {
            return None;
        }
        self.messages.get(&e).copied()
    }
}
