//! Temporal provenance: why an event happened *when* it did (the Zeno
//! method, "Zeno: diagnosing performance problems with temporal
//! provenance", §4–5 and its appendix).
//!
//! - [`mod@graph`]: a general event graph — `INS`, `DRV`, `SND`, `RCV` and
//!   `LOSS` vertices with processing intervals, causal edges, local and
//!   remote sequencing edges and the off-path causes — testable apart from
//!   Dedalus;
//! - [`mod@query`]: `T-QUERY(e1, e2)`, the classical provenance of `e2`
//!   augmented with the sequencing paths and their provenance;
//! - [`mod@annotate`]: ANNOTATE of Figure 6, then pruning of zero-delay
//!   subgraphs and aggregation of similar ones (§5);
//! - [`mod@dedalus`]: the event graph of a Dedalus run, and how timesteps map
//!   to processing intervals;
//! - [`mod@counterfactual`]: each injected fault removed, the run re-evaluated,
//!   and the actual change of the queried delay beside the fault's weight.
//!
//! [`late`] answers one query over a run end to end.

pub mod annotate;
pub mod counterfactual;
pub mod dedalus;
pub mod graph;
pub mod query;

pub use annotate::{Annotation, Cause, Via, annotate, explain};
pub use counterfactual::{Counterfactual, counterfactuals};
pub use dedalus::{RunEvents, events};
pub use graph::{Event, EventGraph, EventId, GraphError, Instant, Kind, Sequencing};
pub use query::{QueryError, TQuery, t_query};

use ::dedalus::eval::Run;
use ::dedalus::provenance::{Time, TupleId};

/// Why a delay between two tuples of a run cannot be explained.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LateError {
    /// The tuple held at the timestep before: it was not established at its
    /// own timestep.
    #[error(
        "{tuple} was not derived at t={at}: it has held without interruption since t={since} \
         (ask about {since_tuple})"
    )]
    NotEstablished {
        /// The tuple as asked.
        tuple: String,
        /// Its time as asked.
        at: Time,
        /// When its stretch began.
        since: Time,
        /// The tuple at that time.
        since_tuple: String,
    },
    /// The query itself.
    #[error(transparent)]
    Query(#[from] QueryError),
    /// The run's event graph (a bug, if it ever shows).
    #[error("the run's event graph is malformed: {0}")]
    Graph(#[from] GraphError),
}

/// The explained delay between two events of a run.
#[derive(Clone, Debug)]
pub struct Late {
    /// The run's event graph.
    pub events: RunEvents,
    /// The temporal provenance.
    pub query: TQuery,
    /// Its annotation tree (Figure 6).
    pub annotation: Annotation,
    /// The tree a person reads (pruned and aggregated).
    pub tree: Cause,
}

impl Late {
    /// `te(to) - ts(from)`: the root's weight.
    pub fn delay(&self) -> Instant {
        self.query.delay()
    }
}

/// Explains the delay between tuple `from` and tuple `to` of `run`; both
/// must have been established at their own timestep.
pub fn late(run: &Run, from: TupleId, to: TupleId) -> Result<Late, LateError> {
    let events = events(run)?;
    late_in(run, events, from, to)
}

/// [`late`] over an event graph already built for `run`.
pub fn late_in(
    run: &Run,
    events: RunEvents,
    from: TupleId,
    to: TupleId,
) -> Result<Late, LateError> {
    for id in [from, to] {
        if !events.established(id) {
            let t = run.tuple(id);
            let mut since = t.time;
            while since > 1 && run.find(t.rel, t.values, since - 1).is_some() {
                since -= 1;
            }
            return Err(LateError::NotEstablished {
                tuple: run.show_tuple(id),
                at: t.time,
                since,
                since_tuple: format!("{}@{since}", run.show_atom(t.rel, t.values)),
            });
        }
    }
    let query = t_query(&events.graph, events.event_of(from), events.event_of(to))?;
    let annotation = annotate(&events.graph, &query);
    let tree = explain(&events.graph, &query, &annotation);
    Ok(Late {
        events,
        query,
        annotation,
        tree,
    })
}
