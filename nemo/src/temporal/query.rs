//! `T-QUERY(e1, e2)` (Zeno §4.2): the events that explain the delay between
//! two causally related events.
//!
//! Built exactly as the paper does: the classical provenance `P` of `e2`
//! (everything `e2` causally rests on, which must include `e1`), augmented,
//! for every causal edge `(c, v)` of the result that is not also a
//! sequencing edge, with the local sequencing path from `c` to `v` (the
//! events `v`'s node processed in between) and the provenance of every
//! event on such a path — repeated until nothing new is added.

use std::collections::BTreeSet;

use super::graph::{EventGraph, EventId, Instant};

/// Why a temporal query cannot be answered.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QueryError {
    /// `e1` is not in the provenance of `e2`.
    #[error("`{from}` is not a cause of `{to}`: no causal path joins them")]
    Unrelated {
        /// `e1`'s label.
        from: String,
        /// `e2`'s label.
        to: String,
    },
    /// `e1` starts after `e2` ends.
    #[error("`{from}` starts after `{to}` ends")]
    Order {
        /// `e1`'s label.
        from: String,
        /// `e2`'s label.
        to: String,
    },
}

/// The answer to `T-QUERY(e1, e2)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TQuery {
    /// `e1`.
    pub from: EventId,
    /// `e2`, the root of the provenance.
    pub to: EventId,
    /// The delay in question: `[ts(e1), te(e2)]`.
    pub interval: (Instant, Instant),
    /// The events of the temporal provenance `P'`.
    pub events: BTreeSet<EventId>,
}

impl TQuery {
    /// `te(e2) - ts(e1)`.
    pub fn delay(&self) -> Instant {
        self.interval.1 - self.interval.0
    }

    /// Whether `v` belongs to the temporal provenance.
    pub fn contains(&self, v: EventId) -> bool {
        self.events.contains(&v)
    }
}

/// `T-QUERY(e1, e2)` over `graph`.
pub fn t_query(graph: &EventGraph, e1: EventId, e2: EventId) -> Result<TQuery, QueryError> {
    let (ev1, ev2) = (graph.event(e1), graph.event(e2));
    if ev1.start() > ev2.end() {
        return Err(QueryError::Order {
            from: ev1.label.clone(),
            to: ev2.label.clone(),
        });
    }
    let mut events = BTreeSet::new();
    add_provenance(graph, e2, &mut events);
    if !events.contains(&e1) {
        return Err(QueryError::Unrelated {
            from: ev1.label.clone(),
            to: ev2.label.clone(),
        });
    }
    // Causal edges whose sequencing path has been added already.
    let mut done: BTreeSet<EventId> = BTreeSet::new();
    loop {
        let pending: Vec<EventId> = events.difference(&done).copied().collect();
        if pending.is_empty() {
            break;
        }
        for v in pending {
            done.insert(v);
            for &c in graph.causes(v) {
                if graph.sequenced(c, v) {
                    continue;
                }
                for s in sequencing_path(graph, c, v) {
                    add_provenance(graph, s, &mut events);
                }
            }
        }
    }
    Ok(TQuery {
        from: e1,
        to: e2,
        interval: (ev1.start(), ev2.end()),
        events,
    })
}

/// Adds `v` and everything it causally rests on.
fn add_provenance(graph: &EventGraph, v: EventId, into: &mut BTreeSet<EventId>) {
    let mut stack = vec![v];
    while let Some(u) = stack.pop() {
        if into.insert(u) {
            stack.extend_from_slice(graph.causes(u));
        }
    }
}

/// The events on the local sequencing path from `c` to `v` (both
/// excluded): `v`'s predecessors, back until `c` or until the chain passes
/// `c`'s end (when `c` happened on another node, or the chain skips it).
fn sequencing_path(graph: &EventGraph, c: EventId, v: EventId) -> Vec<EventId> {
    let end = graph.event(c).end();
    let mut out = Vec::new();
    let mut s = graph.local_predecessor(v).map(|(p, _)| p);
    while let Some(u) = s {
        if u == c || graph.event(u).end() < end {
            break;
        }
        out.push(u);
        // The chain only moves back in time; a long flat stretch of
        // instantaneous events ends where the next one ends before `c`.
        s = graph.local_predecessor(u).map(|(p, _)| p);
    }
    out
}
