//! Delay annotations (Zeno §4.3–4.5, Figure 6) and the two readability
//! steps of §5: pruning zero-delay subgraphs and aggregating similar ones.
//!
//! [`annotate`] is ANNOTATE line by line: a vertex responsible for
//! `[ts, te]` weighs `te - ts`; its functional children, in order of
//! completion, each take the slice from the previous completion to their
//! own (lines 9–16); whatever remains between the last precondition and
//! the vertex's own start goes down its local sequencing chain (lines
//! 17–23). The result is the annotation tree: each entry a vertex with the
//! interval it is responsible for, and the entries it handed slices to.
//!
//! [`explain`] turns it into what a person reads: the weighted entries,
//! plus every zero-weight vertex with a causal path to a weighted one (the
//! rest is pruned, §5.1), with similar subtrees along sequencing chains
//! merged and their weights summed (§5.2).

use std::collections::BTreeSet;

use super::graph::{EventGraph, EventId, Instant, Kind, Sequencing};
use super::query::TQuery;

/// How an entry of the tree hangs off its parent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Via {
    /// The root of the query.
    Root,
    /// A functional child: a precondition, the sent tuple, the send.
    Causal,
    /// A predecessor along the local sequencing chain (and why).
    Sequencing(Sequencing),
}

/// One entry of the annotation tree: `vertex` is responsible for the delay
/// during `interval`, of which `children` took parts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Annotation {
    /// The event.
    pub vertex: EventId,
    /// The interval it is responsible for (ends where the event ends).
    pub interval: (Instant, Instant),
    /// `interval.1 - interval.0`.
    pub weight: Instant,
    /// How it hangs off its parent.
    pub via: Via,
    /// The entries it handed parts of its interval to, in the order handed.
    pub children: Vec<Annotation>,
}

impl Annotation {
    /// Every entry of the tree, depth first, the root first.
    pub fn entries(&self) -> Vec<&Annotation> {
        let mut out = Vec::new();
        let mut stack = vec![self];
        while let Some(a) = stack.pop() {
            out.push(a);
            stack.extend(a.children.iter().rev());
        }
        out
    }
}

/// ANNOTATE(e2, [ts(e1), te(e2)]) over the temporal provenance `query`.
pub fn annotate(graph: &EventGraph, query: &TQuery) -> Annotation {
    let (ts, te) = query.interval;
    annotate_at(graph, query, query.to, (ts, te), Via::Root).unwrap_or(Annotation {
        vertex: query.to,
        interval: (te, te),
        weight: 0,
        via: Via::Root,
        children: Vec::new(),
    })
}

/// ANNOTATE(v, [ts, te]) (Figure 6); `None` for an empty interval (line 4).
fn annotate_at(
    graph: &EventGraph,
    query: &TQuery,
    v: EventId,
    (ts, te): (Instant, Instant),
    via: Via,
) -> Option<Annotation> {
    debug_assert_eq!(te, graph.event(v).end(), "line 3");
    if ts >= te {
        return None;
    }
    let mut children = Vec::new();
    // Lines 9-16: functional children in order of completion.
    let mut functional: Vec<EventId> = graph
        .causes(v)
        .iter()
        .copied()
        .filter(|&c| query.contains(c))
        .collect();
    functional.sort_by_key(|&c| (graph.event(c).end(), graph.event(c).start(), c));
    let mut t = ts;
    for c in functional {
        let end = graph.event(c).end();
        if end >= t {
            let via = if graph.is_wait(c) {
                Via::Sequencing(Sequencing::Negation)
            } else {
                Via::Causal
            };
            children.extend(annotate_at(graph, query, c, (t, end), via));
            t = end;
        }
    }
    // Lines 17-23: what remains before v started goes down the local
    // sequencing chain. A predecessor that ended before the next event
    // started (an idle node) leaves that gap to the later event.
    let mut s = sequencing_child(graph, query, v);
    let mut e = graph.event(v).start();
    while t < e {
        let Some((u, why)) = s else { break };
        let ev = graph.event(u);
        children.extend(annotate_at(
            graph,
            query,
            u,
            (t.max(ev.start()).min(ev.end()), ev.end()),
            Via::Sequencing(why),
        ));
        e = ev.start();
        s = sequencing_child(graph, query, u);
    }
    Some(Annotation {
        vertex: v,
        interval: (ts, te),
        weight: te - ts,
        via,
        children,
    })
}

/// SEQUENCING-CHILD(v): its local predecessor, within the query's events.
fn sequencing_child(
    graph: &EventGraph,
    query: &TQuery,
    v: EventId,
) -> Option<(EventId, Sequencing)> {
    graph
        .local_predecessor(v)
        .filter(|&(u, _)| query.contains(u))
}

/// One cause of a delay as a person reads it: an event (or several similar
/// ones aggregated), its weight, and the causes below it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cause {
    /// The events it stands for (more than one once aggregated), sorted.
    pub events: Vec<EventId>,
    /// What they are.
    pub kind: Kind,
    /// Their node.
    pub node: String,
    /// Their relation.
    pub relation: String,
    /// The label of the first event.
    pub label: String,
    /// The interval it is responsible for (the hull, once aggregated); for
    /// a zero-weight cause, the event's own interval.
    pub interval: (Instant, Instant),
    /// The delay it contributed (summed, once aggregated).
    pub weight: Instant,
    /// How it hangs off its parent.
    pub via: Via,
    /// The causes below it, largest weight first.
    pub children: Vec<Cause>,
}

impl Cause {
    /// `label`, with `(and N similar)` once aggregated.
    pub fn vertex(&self) -> String {
        match self.events.len() {
            0 | 1 => self.label.clone(),
            n => format!("{} (and {} similar)", self.label, n - 1),
        }
    }

    /// Number of causes in the tree (this one included).
    pub fn size(&self) -> usize {
        1 + self.children.iter().map(Cause::size).sum::<usize>()
    }
}

/// The annotated temporal provenance of `query` as a person reads it: the
/// annotation tree, pruned (§5.1) and aggregated (§5.2).
pub fn explain(graph: &EventGraph, query: &TQuery, annotation: &Annotation) -> Cause {
    let mut shown = BTreeSet::new();
    for a in annotation.entries() {
        shown.insert(a.vertex);
    }
    let mut tree = prune(graph, query, annotation, &mut shown);
    aggregate(&mut tree);
    tree
}

/// The annotation tree with, under each weighted vertex, its functional
/// children that took no slice and their provenance: they lie on a causal
/// path to a weighted vertex, so §5.1 keeps them. Each such vertex appears
/// once (where first met, depth first); zero-weight vertices reached only
/// along sequencing edges are hidden.
fn prune(
    graph: &EventGraph,
    query: &TQuery,
    a: &Annotation,
    shown: &mut BTreeSet<EventId>,
) -> Cause {
    // The vertex's own unweighted causes first, so that they hang off it
    // rather than off a weighted descendant that shares them.
    let sliced: BTreeSet<EventId> = a.children.iter().map(|c| c.vertex).collect();
    let own: Vec<EventId> = graph
        .causes(a.vertex)
        .iter()
        .copied()
        .filter(|&c| query.contains(c) && !sliced.contains(&c) && shown.insert(c))
        .collect();
    let mut children: Vec<Cause> = own
        .into_iter()
        .map(|c| context(graph, query, c, shown))
        .collect();
    children.extend(a.children.iter().map(|c| prune(graph, query, c, shown)));
    sort(&mut children);
    let mut cause = leaf(graph, a.vertex, a.via);
    cause.interval = a.interval;
    cause.weight = a.weight;
    cause.children = children;
    cause
}

/// A zero-weight cause and its provenance (vertices not shown yet).
fn context(graph: &EventGraph, query: &TQuery, v: EventId, shown: &mut BTreeSet<EventId>) -> Cause {
    let mut cause = leaf(graph, v, Via::Causal);
    for &c in graph.causes(v) {
        if query.contains(c) && shown.insert(c) {
            cause.children.push(context(graph, query, c, shown));
        }
    }
    sort(&mut cause.children);
    cause
}

fn leaf(graph: &EventGraph, v: EventId, via: Via) -> Cause {
    let e = graph.event(v);
    Cause {
        events: vec![v],
        kind: e.kind,
        node: e.node.clone(),
        relation: e.relation.clone(),
        label: e.label.clone(),
        interval: e.interval,
        weight: 0,
        via,
        children: Vec::new(),
    }
}

/// Largest weight first, then the latest, then by label and events.
fn sort(causes: &mut [Cause]) {
    causes.sort_by(|a, b| {
        b.weight
            .cmp(&a.weight)
            .then(b.interval.1.cmp(&a.interval.1))
            .then_with(|| a.label.cmp(&b.label))
            .then_with(|| a.events.cmp(&b.events))
    });
}

/// Two causes are similar when they share kind, relation and node (§5.2).
fn similar(a: &Cause, b: &Cause) -> bool {
    a.kind == b.kind && a.relation == b.relation && a.node == b.node
}

/// §5.2: under every cause, the children reached along sequencing edges
/// that are similar merge into one, recursively; then the same below.
fn aggregate(cause: &mut Cause) {
    let children = std::mem::take(&mut cause.children);
    let mut out: Vec<Cause> = Vec::new();
    for c in children {
        let lateral = matches!(c.via, Via::Sequencing(_));
        match out
            .iter_mut()
            .find(|o| lateral && matches!(o.via, Via::Sequencing(_)) && similar(o, &c))
        {
            Some(o) => merge(o, c),
            None => out.push(c),
        }
    }
    for c in &mut out {
        aggregate(c);
    }
    sort(&mut out);
    cause.children = out;
}

/// Merges `b` into the similar `a`: weights add, intervals join, similar
/// children merge pairwise and the others hang off the merged vertex.
fn merge(a: &mut Cause, b: Cause) {
    a.weight += b.weight;
    a.interval = (
        a.interval.0.min(b.interval.0),
        a.interval.1.max(b.interval.1),
    );
    a.events.extend(b.events);
    a.events.sort_unstable();
    a.events.dedup();
    for c in b.children {
        match a
            .children
            .iter_mut()
            .find(|o| o.via == c.via && similar(o, &c))
        {
            Some(o) => merge(o, c),
            None => a.children.push(c),
        }
    }
}
