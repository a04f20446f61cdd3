//! Provenance graphs of runs and the graph algebra of the Nemo paper (§3.3).
//!
//! A [`Graph`] holds typed vertices — [`Goal`]s (a tuple at a time) and
//! [`Firing`]s (a rule instance that derived a goal or sent a message) — on
//! `petgraph`, with edges pointing from what was derived to what it rests
//! on: goal → firing → premise goals. Leaves are therefore base facts (or,
//! after a difference, the frontier where a run departed from another).
//!
//! Identity across runs is a [`VertexId`]: the relation and arguments of a
//! goal, or the rule and variable binding of a firing, plus the time while a
//! graph is not normalised. Runs of different fault schedules — even of a
//! patched program — agree on these keys, never on formatted labels.
//! [`Graph::normalize`] collapses `@next` persistence chains and hides the
//! run-specific times, so that "the same event" matches whenever it happened.
//!
//! This module owns graphs and their operators; what to ask of them lives in
//! [`crate::queries`].

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use dedalus::RuleId;
use dedalus::eval::Run;
use dedalus::provenance::graph::TupleKey;
use dedalus::provenance::{Origin, Time, TupleId};
use dedalus::syntax::ast::{Arg, HeadTime, Literal, Rule, eq_ignoring_spans};
use dedalus::value::Value;
use petgraph::Direction;
use petgraph::graph::{DiGraph, NodeIndex};
use serde::Serialize;

/// A value owned by a graph, comparable across runs (and across programs,
/// whose interners differ).
pub use dedalus::provenance::graph::Const;

/// How a rule's head relates in time to its body.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleKind {
    /// Same timestep.
    Deductive,
    /// `@next`: the next timestep on the same node.
    Next,
    /// `@async`: a message.
    Async,
}

impl RuleKind {
    /// The kind of `rule`.
    pub fn of(rule: &Rule) -> RuleKind {
        match rule.time {
            HeadTime::Now => RuleKind::Deductive,
            HeadTime::Next => RuleKind::Next,
            HeadTime::Async => RuleKind::Async,
        }
    }
}

/// Whether `rule` is a persistence rule `r(args)@next :- r(args);`.
pub fn is_persistence(rule: &Rule) -> bool {
    match (rule.time, rule.body.as_slice()) {
        (HeadTime::Next, [Literal::Atom(a)]) => {
            !a.negated
                && a.time.is_none()
                && eq_ignoring_spans(&a.atom, &rule.head)
                && rule.head.args.iter().all(|x| matches!(x, Arg::Expr(_)))
        }
        _ => false,
    }
}

/// What makes two vertices "the same event", whatever the run.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(tag = "vertex", rename_all = "lowercase")]
pub enum Key {
    /// A tuple.
    Goal {
        /// Its relation.
        rel: String,
        /// Its arguments.
        args: Vec<Const>,
    },
    /// A rule instance.
    Firing {
        /// The rule (an index into the program's rules).
        rule: RuleId,
        /// The values of the rule's named variables, in binding order.
        binding: Vec<Const>,
    },
}

/// A vertex's identity in a graph: its [`Key`] and, until normalised, its time.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct VertexId {
    /// The event.
    pub key: Key,
    /// When it happened; `None` once normalised.
    pub time: Option<Time>,
}

/// A tuple at a time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Goal {
    /// Its relation.
    pub rel: String,
    /// Its arguments.
    pub args: Vec<Const>,
    /// The node it lives on (its first argument), if that is a node.
    pub node: Option<String>,
    /// When it holds (the earliest time once normalised).
    pub time: Option<Time>,
    /// It arrived as a message from this node.
    pub from: Option<String>,
}

/// A rule instance that fired.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Firing {
    /// The rule.
    pub rule: RuleId,
    /// The rule's source location, `file:line:col`.
    pub location: String,
    /// Deductive, `@next` or `@async`.
    pub kind: RuleKind,
    /// A persistence rule `r(args)@next :- r(args);`.
    pub persistence: bool,
    /// The variable binding: names and values, in binding order.
    pub binding: Vec<(String, Const)>,
    /// The node it fired on.
    pub node: String,
    /// When its body held (the earliest time once normalised).
    pub time: Option<Time>,
}

/// A vertex of a provenance graph.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Vertex {
    /// A tuple at a time.
    Goal(Goal),
    /// A rule instance.
    Firing(Firing),
}

impl Vertex {
    /// The vertex's identity.
    pub fn id(&self) -> VertexId {
        match self {
            Vertex::Goal(g) => VertexId {
                key: Key::Goal {
                    rel: g.rel.clone(),
                    args: g.args.clone(),
                },
                time: g.time,
            },
            Vertex::Firing(f) => VertexId {
                key: Key::Firing {
                    rule: f.rule,
                    binding: f.binding.iter().map(|(_, v)| v.clone()).collect(),
                },
                time: f.time,
            },
        }
    }

    /// When it happened.
    pub fn time(&self) -> Option<Time> {
        match self {
            Vertex::Goal(g) => g.time,
            Vertex::Firing(f) => f.time,
        }
    }

    fn with_time(&self, time: Option<Time>) -> Vertex {
        let mut v = self.clone();
        match &mut v {
            Vertex::Goal(g) => g.time = time,
            Vertex::Firing(f) => f.time = time,
        }
        v
    }

    /// Whether this is a firing of a persistence rule.
    pub fn is_persistence(&self) -> bool {
        matches!(self, Vertex::Firing(f) if f.persistence)
    }
}

impl fmt::Display for Vertex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Vertex::Goal(g) => {
                write!(f, "{}(", g.rel)?;
                for (i, a) in g.args.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{a}")?;
                }
                f.write_str(")")?;
                if let Some(t) = g.time {
                    write!(f, "@{t}")?;
                }
                Ok(())
            }
            Vertex::Firing(r) => {
                write!(f, "rule {} on {}", r.location, r.node)?;
                if let Some(t) = r.time {
                    write!(f, " at t={t}")?;
                }
                let vars: Vec<String> = r.binding.iter().map(|(n, v)| format!("{n}={v}")).collect();
                if !vars.is_empty() {
                    write!(f, " [{}]", vars.join(", "))?;
                }
                Ok(())
            }
        }
    }
}

/// A provenance graph: typed vertices, edges from derived to premise.
#[derive(Clone, Debug, Default)]
pub struct Graph {
    g: DiGraph<Vertex, ()>,
    index: BTreeMap<VertexId, NodeIndex>,
}

impl PartialEq for Graph {
    /// Equal vertex identities and equal edges (attributes are not compared).
    fn eq(&self, other: &Graph) -> bool {
        self.ids() == other.ids() && self.edges() == other.edges()
    }
}

impl Graph {
    /// An empty graph.
    pub fn new() -> Graph {
        Graph::default()
    }

    /// Adds `v` unless a vertex with its identity is there; returns its identity.
    pub fn add_vertex(&mut self, v: Vertex) -> VertexId {
        let id = v.id();
        if !self.index.contains_key(&id) {
            let ix = self.g.add_node(v);
            self.index.insert(id.clone(), ix);
        }
        id
    }

    /// Adds the edge `from -> to` (both must be vertices; no duplicates, no
    /// self-loops). Returns whether it was added.
    pub fn add_edge(&mut self, from: &VertexId, to: &VertexId) -> bool {
        let (Some(&a), Some(&b)) = (self.index.get(from), self.index.get(to)) else {
            return false;
        };
        if a == b || self.g.contains_edge(a, b) {
            return false;
        }
        self.g.add_edge(a, b, ());
        true
    }

    /// Number of vertices.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// Whether the graph has no vertex.
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// Whether a vertex has this identity.
    pub fn contains(&self, id: &VertexId) -> bool {
        self.index.contains_key(id)
    }

    /// The vertex with this identity.
    pub fn vertex(&self, id: &VertexId) -> Option<&Vertex> {
        self.index.get(id).map(|&ix| &self.g[ix])
    }

    /// Every vertex, sorted by identity.
    pub fn vertices(&self) -> impl Iterator<Item = &Vertex> + '_ {
        self.index.values().map(|&ix| &self.g[ix])
    }

    /// Every vertex identity, sorted.
    pub fn ids(&self) -> BTreeSet<VertexId> {
        self.index.keys().cloned().collect()
    }

    /// Every edge, sorted.
    pub fn edges(&self) -> BTreeSet<(VertexId, VertexId)> {
        self.g
            .edge_indices()
            .filter_map(|e| self.g.edge_endpoints(e))
            .map(|(a, b)| (self.g[a].id(), self.g[b].id()))
            .collect()
    }

    /// What `id` rests on (its out-neighbours), sorted.
    pub fn children(&self, id: &VertexId) -> Vec<&Vertex> {
        self.neighbours(id, Direction::Outgoing)
    }

    /// What rests on `id` (its in-neighbours), sorted.
    pub fn parents(&self, id: &VertexId) -> Vec<&Vertex> {
        self.neighbours(id, Direction::Incoming)
    }

    fn neighbours(&self, id: &VertexId, dir: Direction) -> Vec<&Vertex> {
        let Some(&ix) = self.index.get(id) else {
            return Vec::new();
        };
        let mut out: Vec<&Vertex> = self
            .g
            .neighbors_directed(ix, dir)
            .map(|n| &self.g[n])
            .collect();
        out.sort_by_key(|v| v.id());
        out
    }

    /// The subgraph on the vertices `keep` admits (edges between them kept).
    fn induced(&self, keep: impl Fn(&VertexId) -> bool) -> Graph {
        let mut out = Graph::new();
        for (id, &ix) in &self.index {
            if keep(id) {
                out.add_vertex(self.g[ix].clone());
            }
        }
        for (a, b) in self.edges() {
            out.add_edge(&a, &b);
        }
        out
    }

    /// `A ∪ B`: every vertex and edge of either (attributes from `self` first).
    pub fn union(&self, other: &Graph) -> Graph {
        let mut out = self.clone();
        for v in other.vertices() {
            out.add_vertex(v.clone());
        }
        for (a, b) in other.edges() {
            out.add_edge(&a, &b);
        }
        out
    }

    /// `A ∩ B`: the vertices and edges both have.
    pub fn intersection(&self, other: &Graph) -> Graph {
        let mut out = Graph::new();
        for v in self.vertices() {
            if other.contains(&v.id()) {
                out.add_vertex(v.clone());
            }
        }
        let theirs = other.edges();
        for e in self.edges() {
            if theirs.contains(&e) {
                out.add_edge(&e.0, &e.1);
            }
        }
        out
    }

    /// The intersection of many graphs (empty for none).
    pub fn intersect_all<'a>(graphs: impl IntoIterator<Item = &'a Graph>) -> Graph {
        let mut it = graphs.into_iter();
        let Some(first) = it.next() else {
            return Graph::new();
        };
        it.fold(first.clone(), |acc, g| acc.intersection(g))
    }

    /// `A − B`: what is left of `A` once the vertices of `B` are removed.
    pub fn difference(&self, other: &Graph) -> Graph {
        self.induced(|id| !other.contains(id))
    }

    /// The standard form: persistence firings removed, each persistence chain
    /// collapsed into one vertex (the attributes of its earliest member),
    /// times hidden. Idempotent.
    pub fn normalize(&self) -> Graph {
        let mut out = Graph::new();
        let mut earliest: BTreeMap<VertexId, (Option<Time>, &Vertex)> = BTreeMap::new();
        for v in self.vertices().filter(|v| !v.is_persistence()) {
            let id = VertexId {
                key: v.id().key,
                time: None,
            };
            let e = earliest.entry(id).or_insert((v.time(), v));
            if v.time() < e.0 || e.0.is_none() && v.time().is_some() {
                *e = (v.time(), v);
            }
        }
        for (_, v) in earliest.values() {
            out.add_vertex(v.with_time(None));
        }
        for (a, b) in self.edges() {
            let (va, vb) = (self.vertex(&a), self.vertex(&b));
            if va.is_some_and(Vertex::is_persistence) || vb.is_some_and(Vertex::is_persistence) {
                continue;
            }
            let na = VertexId {
                key: a.key,
                time: None,
            };
            let nb = VertexId {
                key: b.key,
                time: None,
            };
            out.add_edge(&na, &nb);
        }
        // A goal held through persistence and derived earlier is one vertex
        // now, so its edges to the real firings are already there.
        out
    }

    /// Vertices without an outgoing edge (what nothing else explains).
    pub fn leaves(&self) -> Vec<&Vertex> {
        self.index
            .values()
            .filter(|&&ix| {
                self.g
                    .neighbors_directed(ix, Direction::Outgoing)
                    .next()
                    .is_none()
            })
            .map(|&ix| &self.g[ix])
            .collect()
    }

    /// Vertices without an incoming edge.
    pub fn roots(&self) -> Vec<&Vertex> {
        self.index
            .values()
            .filter(|&&ix| {
                self.g
                    .neighbors_directed(ix, Direction::Incoming)
                    .next()
                    .is_none()
            })
            .map(|&ix| &self.g[ix])
            .collect()
    }

    /// The subgraph of everything reachable from any of `from` (included).
    pub fn reachable(&self, from: &[VertexId]) -> Graph {
        let mut seen: BTreeSet<VertexId> = BTreeSet::new();
        let mut stack: Vec<NodeIndex> = from
            .iter()
            .filter_map(|id| self.index.get(id).copied())
            .collect();
        while let Some(ix) = stack.pop() {
            if seen.insert(self.g[ix].id()) {
                stack.extend(self.g.neighbors_directed(ix, Direction::Outgoing));
            }
        }
        self.induced(|id| seen.contains(id))
    }

    /// `prop`: the subgraph of the vertices for which `pred` holds.
    pub fn prop(&self, pred: impl Fn(&Vertex) -> bool) -> Graph {
        self.induced(|id| self.vertex(id).is_some_and(&pred))
    }

    /// The graph in Graphviz DOT.
    pub fn to_dot(&self) -> String {
        let mut out = String::from("digraph provenance {\n");
        let ids: BTreeMap<&VertexId, usize> = self.index.keys().zip(0..).collect();
        for (id, &n) in &ids {
            let v = self.vertex(id).expect("indexed");
            let shape = match v {
                Vertex::Goal(_) => "ellipse",
                Vertex::Firing(_) => "box",
            };
            let label = v.to_string().replace('\\', "\\\\").replace('"', "\\\"");
            out.push_str(&format!("  v{n} [shape={shape}, label=\"{label}\"];\n"));
        }
        for (a, b) in self.edges() {
            out.push_str(&format!("  v{} -> v{};\n", ids[&a], ids[&b]));
        }
        out.push_str("}\n");
        out
    }

    /// The provenance of every tuple of relation `rel` at EOT (empty if the
    /// relation does not exist).
    pub fn of_relation(run: &Run, rel: &str) -> Graph {
        let Some(r) = run.program().relation(rel) else {
            return Graph::new();
        };
        let roots: Vec<TupleId> = run.rows(r, run.eot()).map(|t| t.id).collect();
        Graph::of_tuples(run, &roots)
    }

    /// The provenance of every tuple of the run, at every time, and the
    /// firings that sent messages which never arrived (a send happened even
    /// when its message was lost).
    pub fn of_run(run: &Run) -> Graph {
        let all: Vec<TupleId> = (0..run.tuple_count() as TupleId).collect();
        let mut out = Graph::of_tuples(run, &all);
        let prov = run.provenance();
        for m in prov.messages().iter().filter(|m| m.delivered.is_none()) {
            for &f in prov.senders(m) {
                let fv = out.add_vertex(firing_vertex(run, f));
                for &p in prov.firing_premises(prov.firing(f)) {
                    let pv = goal_vertex(run, p).id();
                    out.add_edge(&fv, &pv);
                }
            }
        }
        out
    }

    /// The provenance of the given tuples: their goals, the firings that
    /// derived them (or sent the messages they arrived as), recursively.
    pub fn of_tuples(run: &Run, roots: &[TupleId]) -> Graph {
        let mut out = Graph::new();
        let mut done: BTreeMap<TupleId, VertexId> = BTreeMap::new();
        let mut stack: Vec<TupleId> = roots.to_vec();
        let prov = run.provenance();
        while let Some(t) = stack.pop() {
            if done.contains_key(&t) {
                continue;
            }
            let goal = out.add_vertex(goal_vertex(run, t));
            done.insert(t, goal.clone());
            let mut firings = Vec::new();
            for &o in prov.origins(t) {
                match o {
                    Origin::Fact(_) | Origin::Crash => {}
                    Origin::Firing(f) => firings.push(f),
                    Origin::Message(m) => firings.extend(prov.senders(prov.message(m))),
                }
            }
            for f in firings {
                let fv = out.add_vertex(firing_vertex(run, f));
                out.add_edge(&goal, &fv);
                for &p in prov.firing_premises(prov.firing(f)) {
                    let pv = match done.get(&p) {
                        Some(id) => id.clone(),
                        None => {
                            stack.push(p);
                            out.add_vertex(goal_vertex(run, p))
                        }
                    };
                    out.add_edge(&fv, &pv);
                }
            }
        }
        out
    }
}

fn goal_vertex(run: &Run, t: TupleId) -> Vertex {
    let tup = run.tuple(t);
    let prov = run.provenance();
    let node = tup.values.first().and_then(|&v| match v {
        Value::Str(s) => {
            let name = run.interner().resolve(s);
            run.nodes()
                .iter()
                .any(|n| n == name)
                .then(|| name.to_string())
        }
        Value::Int(_) => None,
    });
    let from = prov.origins(t).iter().find_map(|&o| match o {
        Origin::Message(m) => Some(run.node_name(prov.message(m).from).to_string()),
        _ => None,
    });
    let key = TupleKey::of(run, t);
    Vertex::Goal(Goal {
        rel: key.rel,
        args: key.args,
        node,
        time: Some(key.time),
        from,
    })
}

fn firing_vertex(run: &Run, f: u32) -> Vertex {
    let prov = run.provenance();
    let firing = prov.firing(f);
    let rule = &run.program().rules()[firing.rule as usize];
    let names = run.rule_vars(firing.rule);
    let binding = names
        .iter()
        .zip(prov.binding(firing))
        .map(|(n, &v)| (n.clone(), Const::of(run.interner(), v)))
        .collect();
    Vertex::Firing(Firing {
        rule: firing.rule,
        location: run.rule_location(firing.rule),
        kind: RuleKind::of(rule),
        persistence: is_persistence(rule),
        binding,
        node: run.node_name(firing.location).to_string(),
        time: Some(firing.time),
    })
}
