//! The debugging queries of the Nemo paper (§3.4) over [`Graph`]s.
//!
//! - `DiffC := leaves(normalize(ProvC_good) − normalize(Prov_failed))`
//!   against the good run *closest* to the failed one (the fewest
//!   normalised events apart), not always the failure-free run (§3.4.1);
//! - `SkelDiffC := leaves((∩ normalize(ProvC_good_i)) − normalize(Prov_failed))`
//!   over every good run that established `pre` (§3.4.2);
//! - the triggers of `pre` and `post`: per tuple, the time it first holds
//!   and the rules that established it then;
//! - the hazard window: from when `pre` holds in the failed run until
//!   `post` held in the closest good run.
//!
//! The failed run's side of each difference is its *whole* provenance, not
//! only `post`'s (which is empty when `post` never held): an event is on the
//! frontier only if it did not happen at all in the failed run.
//!
//! Every answer names rules by `file:line:col`.

use dedalus::eval::Run;
use dedalus::provenance::{FiringId, Origin, Time, TupleId};
use serde::Serialize;

use crate::graph::{Const, Graph, Vertex, is_persistence};

/// The graphs of one run that the queries read.
#[derive(Clone, Debug)]
pub struct RunGraphs {
    /// Provenance of every `pre` tuple at EOT.
    pub pre: Graph,
    /// Provenance of every `post` tuple at EOT.
    pub post: Graph,
    /// Provenance of every tuple of the run, normalised; of `pre` and
    /// `post` only what holds at EOT (a `post` that held for a while and
    /// was lost again is not established).
    pub whole: Graph,
}

impl RunGraphs {
    /// The graphs of `run`.
    pub fn of(run: &Run) -> RunGraphs {
        let program = run.program();
        let eot = Some(run.eot());
        let spec = |rel: Option<dedalus::RelId>| rel.is_some_and(|r| program.is_spec_relation(r));
        let whole = Graph::of_run(run)
            .prop(|v| match v {
                Vertex::Goal(g) => !spec(program.relation(&g.rel)) || g.time == eot,
                Vertex::Firing(f) => !spec(program.head(f.rule)) || f.time == eot,
            })
            .normalize();
        RunGraphs {
            pre: Graph::of_relation(run, dedalus::program::PRE),
            post: Graph::of_relation(run, dedalus::program::POST),
            whole,
        }
    }
}

/// One vertex of a frontier: an event of the good run(s) that never
/// happened in the failed run, although everything it rests on did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Frontier {
    /// The event.
    pub event: String,
    /// The event as a typed vertex.
    pub vertex: Vertex,
    /// The rules that produced it in the good run(s), `file:line:col`.
    pub rules: Vec<String>,
    /// What did not happen, in words.
    pub why: String,
}

/// When a tuple first held, and which rules established it then.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Trigger {
    /// `pre` or `post`.
    pub relation: String,
    /// The tuple's arguments.
    pub args: Vec<Const>,
    /// The node it holds on (its first argument), if that is a node.
    pub node: Option<String>,
    /// The first time it holds.
    pub time: Time,
    /// The rules that derived it at that time, `file:line:col`.
    pub rules: Vec<String>,
    /// The rules that established, at their first time, what those rules
    /// read (the protocol events behind a specification rule).
    pub via: Vec<String>,
}

/// The window in which faults can separate `pre` from `post`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Hazard {
    /// The violated tuple's arguments.
    pub args: Vec<Const>,
    /// When `pre` first holds in the failed run.
    pub pre_from: Time,
    /// When `post` first held in the closest good run (`None`: never).
    pub post_at: Option<Time>,
}

/// What the queries say about one failed run.
#[derive(Clone, Debug, Serialize)]
pub struct Debugging {
    /// Index (into the good runs given) of the run closest to the failed one.
    pub closest: usize,
    /// `DiffC` against the closest good run.
    pub diff: Vec<Frontier>,
    /// `SkelDiffC` over every good run given.
    pub skeleton: Vec<Frontier>,
    /// The frontier of the whole closest good run, not only of `post`'s
    /// provenance: `leaves(normalize(Prov_good) − normalize(Prov_failed))`.
    /// It names what a negated premise hid from `DiffC` (the message whose
    /// absence let a `notin` turn true).
    pub missing: Vec<Frontier>,
    /// Triggers of `pre` in the failed run.
    pub pre_triggers: Vec<Trigger>,
    /// Triggers of `post` in the closest good run.
    pub post_triggers: Vec<Trigger>,
    /// One hazard window per violated tuple.
    pub hazards: Vec<Hazard>,
}

/// Runs every query for `failed` against `good` (runs in which `pre` held
/// and the specification too). `None` if no good run established `pre`:
/// there is nothing to compare against.
pub fn debug(failed: &Run, good: &[&Run]) -> Option<Debugging> {
    let good: Vec<(usize, &Run)> = good
        .iter()
        .copied()
        .enumerate()
        .filter(|(_, r)| r.pre_count() > 0)
        .collect();
    if good.is_empty() {
        return None;
    }
    let bad = RunGraphs::of(failed);
    let graphs: Vec<RunGraphs> = good.iter().map(|(_, r)| RunGraphs::of(r)).collect();
    let bad_ids = bad.whole.ids();
    let (pos, _) = graphs
        .iter()
        .enumerate()
        .min_by_key(|(i, g)| (g.whole.ids().symmetric_difference(&bad_ids).count(), *i))
        .expect("non-empty");
    let (closest, closest_run) = good[pos];
    let good_post = graphs[pos].post.normalize();
    let program = failed.program();
    let diff = frontier(program, &good_post.difference(&bad.whole), &good_post);
    let good_whole = &graphs[pos].whole;
    let missing = frontier(program, &good_whole.difference(&bad.whole), good_whole);
    let normals: Vec<Graph> = graphs.iter().map(|g| g.post.normalize()).collect();
    let skeleton_graph = Graph::intersect_all(&normals);
    let all_good = normals.iter().fold(Graph::new(), |acc, g| acc.union(g));
    let skeleton = frontier(program, &skeleton_graph.difference(&bad.whole), &all_good);
    let pre_triggers = triggers(failed, "pre");
    let post_triggers = triggers(closest_run, "post");
    let hazards = failed
        .violations()
        .unwrap_or_default()
        .iter()
        .filter_map(|row| {
            let args: Vec<Const> = row
                .iter()
                .map(|&v| Const::of(failed.interner(), v))
                .collect();
            let pre_from = pre_triggers.iter().find(|t| t.args == args)?.time;
            let post_at = post_triggers
                .iter()
                .find(|t| t.args == args)
                .map(|t| t.time);
            Some(Hazard {
                args,
                pre_from,
                post_at,
            })
        })
        .collect();
    Some(Debugging {
        closest,
        diff,
        skeleton,
        missing,
        pre_triggers,
        post_triggers,
        hazards,
    })
}

/// The leaves of `difference`, each with the rules that produced it in `full`.
fn frontier(program: &dedalus::Program, difference: &Graph, full: &Graph) -> Vec<Frontier> {
    difference
        .leaves()
        .into_iter()
        .map(|v| {
            let (rules, why) = match v {
                Vertex::Goal(g) => {
                    let mut rules: Vec<String> = full
                        .children(&v.id())
                        .into_iter()
                        .filter_map(|c| match c {
                            Vertex::Firing(f) => Some(f.location.clone()),
                            Vertex::Goal(_) => None,
                        })
                        .collect();
                    rules.dedup();
                    let why = match &g.from {
                        Some(from) => format!("the message from {from} never arrived"),
                        None => "never derived".to_string(),
                    };
                    (rules, why)
                }
                Vertex::Firing(f) => {
                    let negated: Vec<String> = program
                        .rules()
                        .get(f.rule as usize)
                        .map(|r| {
                            r.body
                                .iter()
                                .filter(|l| matches!(l, dedalus::syntax::ast::Literal::Atom(a) if a.negated))
                                .map(ToString::to_string)
                                .collect()
                        })
                        .unwrap_or_default();
                    let why = if negated.is_empty() {
                        format!(
                            "the rule did not fire on {}: its premises all held, but not at the \
                             same time (one came too late)",
                            f.node
                        )
                    } else {
                        format!(
                            "the rule did not fire on {}: its positive premises held, so a \
                             negated one was true ({}), or a premise came too late",
                            f.node,
                            negated.join(", ")
                        )
                    };
                    (vec![f.location.clone()], why)
                }
            };
            Frontier {
                event: v.to_string(),
                vertex: v.clone(),
                rules,
                why,
            }
        })
        .collect()
}

/// Per tuple of `rel` at EOT: the first time it holds (continuously up to
/// EOT), the rules that derived it then (persistence excluded), and the
/// protocol rules that established what those rules read.
pub fn triggers(run: &Run, rel: &str) -> Vec<Trigger> {
    let Some(r) = run.program().relation(rel) else {
        return Vec::new();
    };
    let prov = run.provenance();
    let mut out: Vec<Trigger> = run
        .rows(r, run.eot())
        .map(|tup| {
            let (time, firings) = establishing(run, tup.id);
            let rules = locations(run, &firings);
            let mut via = Vec::new();
            for &f in &firings {
                for &p in prov.firing_premises(prov.firing(f)) {
                    via.extend(establishing(run, p).1);
                }
            }
            let via = locations(run, &via);
            let args: Vec<Const> = tup
                .values
                .iter()
                .map(|&v| Const::of(run.interner(), v))
                .collect();
            let node = match args.first() {
                Some(Const::Str(s)) if run.nodes().contains(s) => Some(s.clone()),
                _ => None,
            };
            Trigger {
                relation: rel.to_string(),
                args,
                node,
                time,
                rules,
                via,
            }
        })
        .collect();
    out.sort_by(|a, b| a.args.cmp(&b.args));
    out
}

/// The first time `tuple` holds (continuously up to its own time) and the
/// non-persistence firings that derived it then (for a message: its senders).
pub fn establishing(run: &Run, tuple: TupleId) -> (Time, Vec<FiringId>) {
    let prov = run.provenance();
    let tup = run.tuple(tuple);
    let mut time = tup.time;
    while time > 1 && run.find(tup.rel, tup.values, time - 1).is_some() {
        time -= 1;
    }
    let id = run.find(tup.rel, tup.values, time).expect("holds");
    let mut firings = Vec::new();
    for &o in prov.origins(id) {
        match o {
            Origin::Firing(f) => firings.push(f),
            Origin::Message(m) => firings.extend(prov.senders(prov.message(m))),
            Origin::Fact(_) | Origin::Crash => {}
        }
    }
    firings.retain(|&f| !is_persistence(&run.program().rules()[prov.firing(f).rule as usize]));
    (time, firings)
}

fn locations(run: &Run, firings: &[FiringId]) -> Vec<String> {
    let mut out: Vec<String> = firings
        .iter()
        .map(|&f| run.rule_location(run.provenance().firing(f).rule))
        .collect();
    out.sort();
    out.dedup();
    out
}
