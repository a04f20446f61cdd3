//! The event graph of temporal provenance (Zeno §3.3 and §4.1).
//!
//! Vertices are events — [`Kind::Ins`], [`Kind::Drv`], [`Kind::Snd`],
//! [`Kind::Rcv`] and [`Kind::Loss`] — each on a node with a processing
//! interval `[ts, te]`. Two kinds of edges connect them:
//!
//! - **causal** edges from an event to the events it directly rests on (its
//!   *functional children*: a derivation's preconditions, the tuple a send
//!   carried, the send a receive or a loss belongs to);
//! - **sequencing** edges: the *local* one from the event processed
//!   immediately before on the same node (at most one per event, possibly
//!   labelled with the off-path cause it stands for, see [`Sequencing`]),
//!   and the *remote* one from a send to its receive.
//!
//! The graph checks what the annotation algorithm relies on: a cause ends
//! no later than its effect starts, and so does a local predecessor. It
//! knows nothing of Dedalus; [`super::dedalus`] builds one from a run.

use std::fmt;

/// An event's index in its [`EventGraph`].
pub type EventId = u32;

/// A point in time of an event graph (Dedalus timesteps, or any unit).
pub type Instant = i64;

/// What an event is (Zeno §3.3, plus a lost message).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// A base tuple was inserted.
    Ins,
    /// A rule derived a tuple.
    Drv,
    /// A message was sent.
    Snd,
    /// A message was received.
    Rcv,
    /// A message was lost (an omission, or its sender had crashed).
    Loss,
}

impl Kind {
    /// `INS`, `DRV`, `SND`, `RCV` or `LOSS`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Ins => "INS",
            Kind::Drv => "DRV",
            Kind::Snd => "SND",
            Kind::Rcv => "RCV",
            Kind::Loss => "LOSS",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why an event has its local sequencing predecessor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Sequencing {
    /// The event processed immediately before on the same node.
    Local,
    /// A retry that follows the loss of the previous copy of its message.
    Retry,
    /// A message held back by a delay: the hold precedes the delivery.
    Delay,
    /// An event that waited for a `notin` premise to become true: it follows
    /// the last time the blocking tuple held.
    Negation,
}

impl Sequencing {
    /// `local`, `retry after loss`, `held by delay`, `waited for notin`.
    pub fn describe(self) -> &'static str {
        match self {
            Sequencing::Local => "local",
            Sequencing::Retry => "retry after loss",
            Sequencing::Delay => "held by delay",
            Sequencing::Negation => "waited for notin",
        }
    }
}

/// One event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// What it is.
    pub kind: Kind,
    /// The node it happened on.
    pub node: String,
    /// The relation of the tuple it concerns (aggregation compares these).
    pub relation: String,
    /// How it reads, e.g. `log("b", "hi")@3`.
    pub label: String,
    /// When the node processed it: `[ts, te]`, `ts <= te`.
    pub interval: (Instant, Instant),
}

impl Event {
    /// The start of its processing interval.
    pub fn start(&self) -> Instant {
        self.interval.0
    }

    /// The end of its processing interval.
    pub fn end(&self) -> Instant {
        self.interval.1
    }
}

/// A malformed event graph.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GraphError {
    /// An interval ends before it starts.
    #[error("event `{0}` ends before it starts")]
    Interval(String),
    /// An edge names an event the graph does not have.
    #[error("no event {0} in the graph")]
    Unknown(EventId),
    /// A cause (or predecessor) ends after its effect (successor) starts.
    #[error("`{from}` ends after `{to}` starts, so it cannot precede it")]
    Order {
        /// The earlier event's label.
        from: String,
        /// The later event's label.
        to: String,
    },
    /// A local sequencing edge between events of different nodes.
    #[error("`{from}` and `{to}` are on different nodes: a local sequencing edge needs one node")]
    Nodes {
        /// The predecessor's label.
        from: String,
        /// The successor's label.
        to: String,
    },
    /// A second local predecessor for one event.
    #[error("`{0}` already has a local sequencing predecessor")]
    Predecessor(String),
}

/// Events and their causal and sequencing edges.
#[derive(Clone, Debug, Default)]
pub struct EventGraph {
    events: Vec<Event>,
    /// `causes[v]`: v's functional children, in insertion order.
    causes: Vec<Vec<EventId>>,
    /// `local[v]`: v's local sequencing predecessor and why.
    local: Vec<Option<(EventId, Sequencing)>>,
    /// `remote[v]`: the send whose receive v is.
    remote: Vec<Option<EventId>>,
    /// `wait[v]`: v is a wait for a `notin` premise to become true.
    wait: Vec<bool>,
}

impl EventGraph {
    /// An empty graph.
    pub fn new() -> EventGraph {
        EventGraph::default()
    }

    /// Adds an event; its id.
    pub fn add(&mut self, event: Event) -> Result<EventId, GraphError> {
        if event.interval.1 < event.interval.0 {
            return Err(GraphError::Interval(event.label));
        }
        self.events.push(event);
        self.causes.push(Vec::new());
        self.local.push(None);
        self.remote.push(None);
        self.wait.push(false);
        Ok((self.events.len() - 1) as EventId)
    }

    /// Records that `cause` directly caused `effect` (a causal edge).
    pub fn cause(&mut self, effect: EventId, cause: EventId) -> Result<(), GraphError> {
        self.precedes(cause, effect)?;
        if !self.causes[effect as usize].contains(&cause) {
            self.causes[effect as usize].push(cause);
        }
        Ok(())
    }

    /// Records that `pred` was processed immediately before `succ` on their
    /// node, for the reason `why` (a local sequencing edge).
    pub fn sequence(
        &mut self,
        pred: EventId,
        succ: EventId,
        why: Sequencing,
    ) -> Result<(), GraphError> {
        self.precedes(pred, succ)?;
        let (p, s) = (&self.events[pred as usize], &self.events[succ as usize]);
        if p.node != s.node {
            return Err(GraphError::Nodes {
                from: p.label.clone(),
                to: s.label.clone(),
            });
        }
        if self.local[succ as usize].is_some() {
            return Err(GraphError::Predecessor(s.label.clone()));
        }
        self.local[succ as usize] = Some((pred, why));
        Ok(())
    }

    /// Records that `rcv` received what `snd` sent: a remote sequencing edge,
    /// and a causal one.
    pub fn deliver(&mut self, snd: EventId, rcv: EventId) -> Result<(), GraphError> {
        self.cause(rcv, snd)?;
        self.remote[rcv as usize] = Some(snd);
        Ok(())
    }

    fn precedes(&self, a: EventId, b: EventId) -> Result<(), GraphError> {
        let ea = self.events.get(a as usize).ok_or(GraphError::Unknown(a))?;
        let eb = self.events.get(b as usize).ok_or(GraphError::Unknown(b))?;
        if a == b || ea.end() > eb.start() {
            return Err(GraphError::Order {
                from: ea.label.clone(),
                to: eb.label.clone(),
            });
        }
        Ok(())
    }

    /// Marks `v` as a wait for a `notin` premise: its effect waited for it
    /// to end (the annotation says so on the edge).
    pub fn wait(&mut self, v: EventId) {
        if let Some(w) = self.wait.get_mut(v as usize) {
            *w = true;
        }
    }

    /// Whether `v` is a wait for a `notin` premise.
    pub fn is_wait(&self, v: EventId) -> bool {
        self.wait.get(v as usize).copied().unwrap_or(false)
    }

    /// The event `id`.
    pub fn event(&self, id: EventId) -> &Event {
        &self.events[id as usize]
    }

    /// All events, by id.
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// Number of events.
    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// Whether the graph has no event.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// `v`'s functional children (its direct causes).
    pub fn causes(&self, v: EventId) -> &[EventId] {
        &self.causes[v as usize]
    }

    /// `v`'s local sequencing predecessor and why, if any.
    pub fn local_predecessor(&self, v: EventId) -> Option<(EventId, Sequencing)> {
        self.local[v as usize]
    }

    /// The send a receive `v` belongs to (its remote sequencing edge).
    pub fn remote_predecessor(&self, v: EventId) -> Option<EventId> {
        self.remote[v as usize]
    }

    /// Whether `a` and `b` are joined by a sequencing edge `a -> b`.
    pub fn sequenced(&self, a: EventId, b: EventId) -> bool {
        self.local[b as usize].is_some_and(|(p, _)| p == a) || self.remote[b as usize] == Some(a)
    }

    /// Links every event without a local predecessor to the event processed
    /// immediately before it on its node: the latest event (by end, start,
    /// then id) that ends no later than it starts. Events added later are
    /// not linked.
    pub fn sequence_nodes(&mut self) {
        let mut by_node: std::collections::BTreeMap<&str, Vec<EventId>> = Default::default();
        for (i, e) in self.events.iter().enumerate() {
            by_node
                .entry(e.node.as_str())
                .or_default()
                .push(i as EventId);
        }
        let key = |e: &Event, id: EventId| (e.end(), e.start(), id);
        let mut links = Vec::new();
        for ids in by_node.values_mut() {
            ids.sort_by_key(|&i| key(&self.events[i as usize], i));
            for (pos, &v) in ids.iter().enumerate() {
                if self.local[v as usize].is_some() {
                    continue;
                }
                let start = self.events[v as usize].start();
                // The latest event before v in the order that ends by v's start.
                let limit = ids[..pos].partition_point(|&u| self.events[u as usize].end() <= start);
                if limit > 0 {
                    links.push((ids[limit - 1], v));
                }
            }
        }
        for (p, v) in links {
            self.local[v as usize] = Some((p, Sequencing::Local));
        }
    }
}
