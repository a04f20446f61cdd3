//! The provenance of many runs merged into one graph, and the identity of a
//! tuple across runs.
//!
//! A [`TupleKey`] names a tuple-at-time by its relation's name, its values
//! and its time, so it means the same in every run, of every fault schedule
//! and of every program (a patched program has its own relation ids and its
//! own interner). A [`ProvenanceGraph`] merges what runs derived: tuples are
//! matched by key, firings by rule, location, binding and head, messages by
//! relation, endpoints, send time and values, so a derivation seen in one
//! run is known in every other (the "learn its lineage" step of LDFI).
//!
//! A key's [`Cause`]s are base facts, crash-oracle rows, rule firings (with
//! their premises and the negated atoms they checked absent) and messages
//! (with every firing that sent them, and how late they arrived).
//! [`ProvenanceGraph::to_petgraph`] gives the graph as a `petgraph` graph.
//!
//! This module owns the merge; what a fault search asks of the graph lives
//! with the search.

use std::fmt;

use rustc_hash::FxHashMap as HashMap;

use super::{Conclusion, NodeId, Origin, Time, TupleId};
use crate::eval::{Evaluator, Run};
use crate::program::{RelId, RuleId};
use crate::value::{Interner, Sym, Value};

/// A value that means the same in every run, of every program (whose
/// interners differ): an integer or the text of a string.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(untagged)]
pub enum Const {
    /// An integer.
    Int(i64),
    /// A string.
    Str(String),
}

impl Const {
    /// The value `v` of a run whose strings `interner` holds.
    pub fn of(interner: &Interner, v: Value) -> Const {
        match v {
            Value::Int(n) => Const::Int(n),
            Value::Str(s) => Const::Str(interner.resolve(s).to_string()),
        }
    }

    /// Every value of `row`, in order.
    pub fn row(interner: &Interner, row: &[Value]) -> Vec<Const> {
        row.iter().map(|&v| Const::of(interner, v)).collect()
    }
}

impl fmt::Display for Const {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Const::Int(n) => write!(f, "{n}"),
            Const::Str(s) => write!(f, "\"{s}\""),
        }
    }
}

/// A tuple-at-time, the same in every run: relation name, values, time.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct TupleKey {
    /// The relation's name.
    pub rel: String,
    /// The values.
    pub args: Vec<Const>,
    /// When it holds.
    pub time: Time,
}

impl TupleKey {
    /// The key of tuple `t` of `run`.
    pub fn of(run: &Run, t: TupleId) -> TupleKey {
        let tuple = run.tuple(t);
        TupleKey {
            rel: run.program().relations()[tuple.rel as usize].name.clone(),
            args: Const::row(run.interner(), tuple.values),
            time: tuple.time,
        }
    }
}

impl fmt::Display for TupleKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}(", self.rel)?;
        for (i, a) in self.args.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{a}")?;
        }
        write!(f, ")@{}", self.time)
    }
}

/// A tuple-at-time in a [`ProvenanceGraph`].
pub type KeyId = u32;

/// Why a key holds, in some run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Cause {
    /// A base fact: holds in every run.
    Base,
    /// A crash-oracle row: holds iff `node` crashes at `at`.
    Crash {
        /// The node that crashes.
        node: NodeId,
        /// When.
        at: Time,
    },
    /// A rule firing (an index into [`ProvenanceGraph::firings`]).
    Firing(u32),
    /// A message (an index into [`ProvenanceGraph::messages`]) arriving
    /// `delay` steps late (0: on time).
    Message {
        /// The message.
        msg: u32,
        /// How late it arrived.
        delay: u32,
    },
}

/// A negated atom a firing checked absent: `notin rel(pattern)@time`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AbsentAtom {
    /// The relation.
    pub rel: RelId,
    /// When it was read.
    pub time: Time,
    /// The values it was looked up with; `None` for `_`.
    pub pattern: Box<[Option<Value>]>,
}

/// A firing, as seen in some run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MergedFiring {
    /// The rule (of the program whose run showed it first).
    pub rule: RuleId,
    /// Its positive premises.
    pub premises: Vec<KeyId>,
    /// The negated atoms it checked absent.
    pub absent: Vec<AbsentAtom>,
}

/// A message, as seen in some run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MergedMessage {
    /// Its relation.
    pub rel: RelId,
    /// The sender.
    pub from: NodeId,
    /// The destination.
    pub to: NodeId,
    /// When it was sent.
    pub sent: Time,
    /// Every firing that sent it, in any run.
    pub senders: Vec<u32>,
}

impl MergedMessage {
    /// Its sender, destination and send time: what a fault hits.
    pub fn envelope(&self) -> crate::faults::Envelope {
        crate::faults::Envelope::new(self.from, self.to, self.sent)
    }
}

/// A message's identity: relation, sender, destination, send time, values.
type MessageKey = (RelId, NodeId, NodeId, Time, Box<[Value]>);

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct FiringKey {
    rule: RuleId,
    time: Time,
    location: NodeId,
    binding: Box<[Value]>,
    head: Box<[Value]>,
}

/// The provenance of every run merged so far.
///
/// Relations, nodes and string values have the graph's own ids, so runs of
/// different evaluators merge by name; a graph made by
/// [`ProvenanceGraph::for_evaluator`] keeps that evaluator's ids, so its
/// [`RelId`]s, [`NodeId`]s and [`Value`]s can be used with the graph as they
/// are.
#[derive(Clone, Debug, Default)]
pub struct ProvenanceGraph {
    interner: Interner,
    relations: Vec<String>,
    relation_ids: HashMap<String, RelId>,
    nodes: Vec<String>,
    keys: HashMap<(RelId, Time, Box<[Value]>), KeyId>,
    tuples: Vec<(RelId, Time, Box<[Value]>)>,
    causes: Vec<Vec<Cause>>,
    firing_ids: HashMap<FiringKey, u32>,
    firings: Vec<MergedFiring>,
    message_ids: HashMap<MessageKey, u32>,
    messages: Vec<MergedMessage>,
    by_rel_time: HashMap<(RelId, Time), Vec<KeyId>>,
}

/// How one run's ids map to the graph's.
struct Translation {
    rels: Vec<RelId>,
    nodes: Vec<NodeId>,
    syms: Vec<Sym>,
}

impl Translation {
    fn value(&self, v: Value) -> Value {
        match v {
            Value::Str(s) => Value::Str(self.syms[s.0 as usize]),
            v => v,
        }
    }

    fn values(&self, vs: &[Value]) -> Box<[Value]> {
        vs.iter().map(|&v| self.value(v)).collect()
    }
}

impl ProvenanceGraph {
    /// An empty graph.
    pub fn new() -> ProvenanceGraph {
        ProvenanceGraph::default()
    }

    /// An empty graph for the runs of `eval`, keeping its relation, node
    /// and value ids.
    pub fn for_evaluator(eval: &Evaluator) -> ProvenanceGraph {
        let mut g = ProvenanceGraph {
            interner: eval.interner().clone(),
            ..ProvenanceGraph::default()
        };
        for r in eval.program().relations() {
            g.relation_id(&r.name);
        }
        for n in eval.nodes() {
            g.node_id(n);
        }
        g
    }

    /// The strings of the graph's values.
    pub fn interner(&self) -> &Interner {
        &self.interner
    }

    /// The name of relation `rel` (empty for an unknown id).
    pub fn relation_name(&self, rel: RelId) -> &str {
        self.relations.get(rel as usize).map_or("", String::as_str)
    }

    /// The id of the relation called `name`, if a run had it.
    pub fn relation(&self, name: &str) -> Option<RelId> {
        self.relation_ids.get(name).copied()
    }

    /// The name of node `n` (empty for an unknown id).
    pub fn node_name(&self, n: NodeId) -> &str {
        self.nodes.get(n as usize).map_or("", String::as_str)
    }

    /// Number of keys (ids are `0..len()`).
    pub fn len(&self) -> usize {
        self.tuples.len()
    }

    /// Whether no run added anything.
    pub fn is_empty(&self) -> bool {
        self.tuples.is_empty()
    }

    /// Relation, time and values of key `k`.
    pub fn tuple(&self, k: KeyId) -> (RelId, Time, &[Value]) {
        let (rel, time, values) = &self.tuples[k as usize];
        (*rel, *time, values)
    }

    /// The run-independent key of `k`.
    pub fn tuple_key(&self, k: KeyId) -> TupleKey {
        let (rel, time, values) = self.tuple(k);
        TupleKey {
            rel: self.relation_name(rel).to_string(),
            args: Const::row(&self.interner, values),
            time,
        }
    }

    /// The graph's key for `key`, if some run had that tuple.
    pub fn find(&self, key: &TupleKey) -> Option<KeyId> {
        let rel = self.relation(&key.rel)?;
        let values: Option<Vec<Value>> = key
            .args
            .iter()
            .map(|c| match c {
                Const::Int(n) => Some(Value::Int(*n)),
                Const::Str(s) => self.interner.get(s).map(Value::Str),
            })
            .collect();
        self.key(rel, key.time, &values?)
    }

    /// The key of `rel(values)@time`, if any run had it.
    pub fn key(&self, rel: RelId, time: Time, values: &[Value]) -> Option<KeyId> {
        self.keys.get(&(rel, time, values.into())).copied()
    }

    /// Every cause of key `k` seen in some run, sorted, without duplicates.
    pub fn causes(&self, k: KeyId) -> &[Cause] {
        &self.causes[k as usize]
    }

    /// Every firing, by index.
    pub fn firings(&self) -> &[MergedFiring] {
        &self.firings
    }

    /// Every message (delivered or not), by index.
    pub fn messages(&self) -> &[MergedMessage] {
        &self.messages
    }

    /// All known keys of `rel` at `time`.
    pub fn keys_of(&self, rel: RelId, time: Time) -> &[KeyId] {
        self.by_rel_time
            .get(&(rel, time))
            .map_or(&[], Vec::as_slice)
    }

    /// Every known key of `rel` at `time` matching `pattern` (`None`: any value).
    pub fn matching(&self, rel: RelId, time: Time, pattern: &[Option<Value>]) -> Vec<KeyId> {
        self.keys_of(rel, time)
            .iter()
            .copied()
            .filter(|&k| {
                pattern
                    .iter()
                    .zip(self.tuples[k as usize].2.iter())
                    .all(|(p, v)| p.is_none_or(|p| p == *v))
            })
            .collect()
    }

    fn relation_id(&mut self, name: &str) -> RelId {
        if let Some(&r) = self.relation_ids.get(name) {
            return r;
        }
        let r = self.relations.len() as RelId;
        self.relations.push(name.to_string());
        self.relation_ids.insert(name.to_string(), r);
        r
    }

    fn node_id(&mut self, name: &str) -> NodeId {
        if let Some(n) = self.nodes.iter().position(|n| n == name) {
            return n as NodeId;
        }
        self.nodes.push(name.to_string());
        (self.nodes.len() - 1) as NodeId
    }

    fn translation(&mut self, run: &Run) -> Translation {
        let interner = run.interner();
        Translation {
            rels: run
                .program()
                .relations()
                .iter()
                .map(|r| self.relation_id(&r.name))
                .collect(),
            nodes: run.nodes().iter().map(|n| self.node_id(n)).collect(),
            syms: (0..interner.len() as u32)
                .map(|s| self.interner.intern(interner.resolve(Sym(s))))
                .collect(),
        }
    }

    fn intern(&mut self, rel: RelId, time: Time, values: Box<[Value]>) -> KeyId {
        let key = (rel, time, values);
        if let Some(&k) = self.keys.get(&key) {
            return k;
        }
        let k = self.tuples.len() as KeyId;
        self.tuples.push(key.clone());
        self.keys.insert(key, k);
        self.causes.push(Vec::new());
        self.by_rel_time.entry((rel, time)).or_default().push(k);
        k
    }

    fn add_cause(&mut self, k: KeyId, c: Cause) {
        let list = &mut self.causes[k as usize];
        if let Err(i) = list.binary_search(&c) {
            list.insert(i, c);
        }
    }

    /// Merges everything `run` derived, and every message it sent, into the graph.
    pub fn learn(&mut self, run: &Run) {
        let tr = self.translation(run);
        let prov = run.provenance();
        let n = run.tuple_count();
        let mut key_of = Vec::with_capacity(n);
        for id in 0..n as TupleId {
            let t = run.tuple(id);
            key_of.push(self.intern(tr.rels[t.rel as usize], t.time, tr.values(t.values)));
        }
        let mut firing_of: HashMap<u32, u32> = HashMap::default();
        let mut cx = Learning {
            run,
            tr: &tr,
            key_of: &key_of,
            seen: &mut firing_of,
        };
        for id in 0..n as TupleId {
            let k = key_of[id as usize];
            for &o in prov.origins(id) {
                let c = match o {
                    Origin::Fact(_) => Cause::Base,
                    Origin::Crash => {
                        let vals = run.tuple(id).values;
                        let node = match vals.get(1) {
                            Some(&Value::Str(s)) => run
                                .nodes()
                                .iter()
                                .position(|n| n == run.interner().resolve(s)),
                            _ => None,
                        };
                        match (node, vals.get(2)) {
                            (Some(node), Some(&Value::Int(at))) => Cause::Crash {
                                node: tr.nodes[node],
                                at: at as Time,
                            },
                            _ => Cause::Base,
                        }
                    }
                    Origin::Firing(f) => Cause::Firing(self.learn_firing(&mut cx, f)),
                    Origin::Message(m) => {
                        let msg = prov.message(m);
                        Cause::Message {
                            msg: self.learn_message(&mut cx, m),
                            delay: msg.received.map_or(0, |r| r - msg.sent - 1),
                        }
                    }
                };
                self.add_cause(k, c);
            }
        }
        // Lost messages matter too (negative support looks at them).
        for m in 0..prov.messages().len() as u32 {
            self.learn_message(&mut cx, m);
        }
    }

    fn learn_firing(&mut self, cx: &mut Learning<'_>, f: u32) -> u32 {
        if let Some(&g) = cx.seen.get(&f) {
            return g;
        }
        let (run, tr) = (cx.run, cx.tr);
        let prov = run.provenance();
        let firing = prov.firing(f);
        let head = match firing.conclusion {
            Conclusion::Tuple(t) => tr.values(run.tuple(t).values),
            Conclusion::Message(m) => tr.values(prov.message_values(prov.message(m))),
        };
        let key = FiringKey {
            rule: firing.rule,
            time: firing.time,
            location: tr.nodes[firing.location as usize],
            binding: tr.values(prov.binding(firing)),
            head,
        };
        let g = match self.firing_ids.get(&key) {
            Some(&g) => g,
            None => {
                let g = self.firings.len() as u32;
                self.firings.push(MergedFiring {
                    rule: firing.rule,
                    premises: prov
                        .firing_premises(firing)
                        .iter()
                        .map(|&p| cx.key_of[p as usize])
                        .collect(),
                    absent: prov
                        .absent(firing)
                        .iter()
                        .map(|a| AbsentAtom {
                            rel: tr.rels[a.rel as usize],
                            time: a.time,
                            pattern: prov
                                .pattern(a)
                                .iter()
                                .map(|p| p.map(|v| tr.value(v)))
                                .collect(),
                        })
                        .collect(),
                });
                self.firing_ids.insert(key, g);
                g
            }
        };
        cx.seen.insert(f, g);
        g
    }

    fn learn_message(&mut self, cx: &mut Learning<'_>, m: u32) -> u32 {
        let (run, tr) = (cx.run, cx.tr);
        let prov = run.provenance();
        let msg = prov.message(m);
        let (rel, from, to) = (
            tr.rels[msg.rel as usize],
            tr.nodes[msg.from as usize],
            tr.nodes[msg.to as usize],
        );
        let key = (rel, from, to, msg.sent, tr.values(prov.message_values(msg)));
        let senders: Vec<u32> = prov
            .senders(msg)
            .iter()
            .map(|&f| self.learn_firing(cx, f))
            .collect();
        let g = match self.message_ids.get(&key) {
            Some(&g) => g,
            None => {
                let g = self.messages.len() as u32;
                self.messages.push(MergedMessage {
                    rel,
                    from,
                    to,
                    sent: msg.sent,
                    senders: Vec::new(),
                });
                self.message_ids.insert(key, g);
                g
            }
        };
        let list = &mut self.messages[g as usize].senders;
        for s in senders {
            if !list.contains(&s) {
                list.push(s);
            }
        }
        g
    }

    /// The graph as a `petgraph` graph, edges pointing from what was
    /// derived to what it rests on: a tuple to the firings and messages that
    /// gave it, a message to the firings that sent it, a firing to its
    /// premises. Vertex `i` of each kind is added in index order (tuples,
    /// then firings, then messages), so the view is the same for the same
    /// graph.
    pub fn to_petgraph(&self) -> petgraph::graph::DiGraph<Vertex, ()> {
        use petgraph::graph::NodeIndex;
        let mut out = petgraph::graph::DiGraph::new();
        let tuples: Vec<NodeIndex> = (0..self.tuples.len() as u32)
            .map(|k| out.add_node(Vertex::Tuple(k)))
            .collect();
        let firings: Vec<NodeIndex> = (0..self.firings.len() as u32)
            .map(|f| out.add_node(Vertex::Firing(f)))
            .collect();
        let messages: Vec<NodeIndex> = (0..self.messages.len() as u32)
            .map(|m| out.add_node(Vertex::Message(m)))
            .collect();
        for (k, causes) in self.causes.iter().enumerate() {
            for c in causes {
                match *c {
                    Cause::Base | Cause::Crash { .. } => {}
                    Cause::Firing(f) => {
                        out.update_edge(tuples[k], firings[f as usize], ());
                    }
                    Cause::Message { msg, .. } => {
                        out.update_edge(tuples[k], messages[msg as usize], ());
                    }
                }
            }
        }
        for (f, firing) in self.firings.iter().enumerate() {
            for &p in &firing.premises {
                out.update_edge(firings[f], tuples[p as usize], ());
            }
        }
        for (m, msg) in self.messages.iter().enumerate() {
            for &s in &msg.senders {
                out.update_edge(messages[m], firings[s as usize], ());
            }
        }
        out
    }
}

/// A vertex of [`ProvenanceGraph::to_petgraph`]: an index into the graph.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Vertex {
    /// A key ([`ProvenanceGraph::tuple`]).
    Tuple(KeyId),
    /// A firing ([`ProvenanceGraph::firings`]).
    Firing(u32),
    /// A message ([`ProvenanceGraph::messages`]).
    Message(u32),
}

/// One run being merged: its ids in the graph so far.
struct Learning<'a> {
    run: &'a Run,
    tr: &'a Translation,
    key_of: &'a [KeyId],
    seen: &'a mut HashMap<u32, u32>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::RunConfig;
    use crate::faults::Fault;

    const BCAST: &str = r#"
        node(N, M)@next :- node(N, M);
        log(N, P)@next :- log(N, P);
        log(M, P)@async :- bcast(N, P), node(N, M);
        log(N, P) :- bcast(N, P);
        node("a", "b")@1; bcast("a", "hello")@1;
    "#;

    fn run(text: &str, omit: bool) -> Run {
        let program = crate::load_str("b.ded", text).expect("checks");
        let eval = Evaluator::new(&program, &["a", "b"]).expect("compiles");
        let mut cfg = RunConfig::new(3);
        if omit {
            cfg.faults.insert(Fault::Omission {
                from: 0,
                to: 1,
                time: 1,
            });
        }
        eval.run(&cfg).expect("runs")
    }

    fn key(rel: &str, args: &[&str], time: Time) -> TupleKey {
        TupleKey {
            rel: rel.into(),
            args: args.iter().map(|a| Const::Str(a.to_string())).collect(),
            time,
        }
    }

    #[test]
    fn a_lost_message_leaves_its_tuple_to_the_runs_that_delivered_it() {
        let lossy = run(BCAST, true);
        let mut g = ProvenanceGraph::new();
        g.learn(&lossy);
        let at_b = key("log", &["b", "hello"], 2);
        assert_eq!(g.find(&at_b), None, "b never got it");
        // The message was sent and lost: the graph still knows it.
        assert_eq!(g.messages().len(), 1);
        assert_eq!(g.messages()[0].senders.len(), 1);

        g.learn(&run(BCAST, false));
        let k = g.find(&at_b).expect("the failure-free run derived it");
        assert_eq!(g.tuple_key(k), at_b);
        assert_eq!(g.messages().len(), 1, "the same message in both runs");
        assert!(
            matches!(g.causes(k), [Cause::Message { msg: 0, delay: 0 }]),
            "{:?}",
            g.causes(k)
        );
        // Learning a run again adds nothing.
        let size = (g.len(), g.firings().len(), g.messages().len());
        g.learn(&lossy);
        assert_eq!(size, (g.len(), g.firings().len(), g.messages().len()));
    }

    #[test]
    fn runs_of_programs_with_other_ids_merge_by_name() {
        // Another program: an extra relation and an extra string before the
        // broadcast's, so its relation ids and symbols differ.
        let patched = format!("{BCAST}\n aaa(\"zzz\", \"first\")@1;");
        let a = run(BCAST, false);
        let b = run(&patched, false);
        assert_ne!(
            a.program().relation("log"),
            b.program().relation("log"),
            "the test needs different relation ids"
        );
        let mut g = ProvenanceGraph::new();
        g.learn(&a);
        let before = g.len();
        g.learn(&b);
        // Only `aaa`'s fact is new.
        assert_eq!(g.len(), before + 1);
        let k = g.find(&key("log", &["b", "hello"], 3)).expect("known");
        assert_eq!(g.relation_name(g.tuple(k).0), "log");
        assert_eq!(g.find(&key("log", &["b", "bye"], 3)), None);
        assert_eq!(g.find(&key("nope", &[], 1)), None);
    }

    #[test]
    fn for_evaluator_keeps_the_evaluators_ids() {
        let program = crate::load_str("b.ded", BCAST).expect("checks");
        let eval = Evaluator::new(&program, &["a", "b"]).expect("compiles");
        let r = eval.run(&RunConfig::new(3)).expect("runs");
        let mut g = ProvenanceGraph::for_evaluator(&eval);
        g.learn(&r);
        let log = program.relation("log").expect("log");
        assert_eq!(g.relation("log"), Some(log));
        assert_eq!(g.node_name(1), "b");
        for row in r.rows(log, 3) {
            assert!(g.key(log, 3, row.values).is_some(), "same values, same ids");
        }
    }

    #[test]
    fn the_petgraph_view_points_from_tuples_to_what_they_rest_on() {
        let r = run(BCAST, false);
        let mut g = ProvenanceGraph::new();
        g.learn(&r);
        let pg = g.to_petgraph();
        assert_eq!(
            pg.node_count(),
            g.len() + g.firings().len() + g.messages().len()
        );
        let k = g.find(&key("log", &["b", "hello"], 2)).expect("delivered");
        let at = |v: Vertex| pg.node_indices().find(|&i| pg[i] == v).expect("vertex");
        let below: Vec<Vertex> = pg.neighbors(at(Vertex::Tuple(k))).map(|i| pg[i]).collect();
        assert_eq!(below, [Vertex::Message(0)]);
        let senders: Vec<Vertex> = pg
            .neighbors(at(Vertex::Message(0)))
            .map(|i| pg[i])
            .collect();
        assert!(matches!(senders.as_slice(), [Vertex::Firing(_)]));
        // Base facts are leaves.
        let fact = g.find(&key("bcast", &["a", "hello"], 1)).expect("fact");
        assert_eq!(g.causes(fact), [Cause::Base]);
        assert_eq!(pg.neighbors(at(Vertex::Tuple(fact))).count(), 0);
        // No cycles through time: every edge goes to an earlier or same time.
        assert!(!petgraph::algo::is_cyclic_directed(&pg));
    }
}
