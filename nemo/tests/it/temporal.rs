//! Temporal provenance: the scenarios of Zeno's Figure 5 (b)–(f) with the
//! annotations the paper gives, a property test over generated event
//! graphs, and Dedalus runs (a retry after a loss, a held-back message, a
//! wait for `notin`) with their counterfactual replays.

use dedalus::eval::{Evaluator, RunConfig};
use dedalus::faults::{Fault, FaultSet};
use nemo::temporal::{
    Annotation, Cause, Event, EventGraph, EventId, Instant, Kind, Sequencing, Via, annotate,
    counterfactuals, explain, late, t_query,
};
use proptest::prelude::*;

/// An event graph written the way Figure 5 draws it.
#[derive(Default)]
struct Scenario {
    graph: EventGraph,
    names: Vec<String>,
}

impl Scenario {
    fn ev(&mut self, kind: Kind, node: &str, name: &str, (ts, te): (Instant, Instant)) -> EventId {
        self.names.push(name.to_string());
        self.graph
            .add(Event {
                kind,
                node: node.into(),
                relation: name.trim_start_matches('+').to_string(),
                label: name.into(),
                interval: (ts, te),
            })
            .expect("a valid event")
    }

    fn causes(&mut self, effect: EventId, causes: &[EventId]) {
        for &c in causes {
            self.graph.cause(effect, c).expect("a valid causal edge");
        }
    }

    /// Annotation weight of the event called `name` (summed over entries;
    /// `None` when it took no slice).
    fn weight(a: &Annotation, names: &[String], name: &str) -> Option<Instant> {
        let ws: Vec<Instant> = a
            .entries()
            .into_iter()
            .filter(|e| names[e.vertex as usize] == name)
            .map(|e| e.weight)
            .collect();
        (!ws.is_empty()).then(|| ws.iter().sum())
    }

    fn annotate(&mut self, from: EventId, to: EventId) -> (Annotation, Cause) {
        self.graph.sequence_nodes();
        let q = t_query(&self.graph, from, to).expect("causally related");
        let a = annotate(&self.graph, &q);
        let tree = explain(&self.graph, &q, &a);
        (a, tree)
    }
}

fn labels(c: &Cause, out: &mut Vec<String>) {
    out.push(c.label.clone());
    for k in &c.children {
        labels(k, out);
    }
}

/// Figure 5(b): linear provenance. A took 1s itself and 4s waiting for B;
/// B 2s itself and 2s waiting for C.
#[test]
fn figure_5b_linear_chain() {
    let mut s = Scenario::default();
    let z = s.ev(Kind::Ins, "X", "Z", (0, 0));
    let c = s.ev(Kind::Drv, "X", "C", (0, 2));
    let b = s.ev(Kind::Drv, "X", "B", (2, 4));
    let a = s.ev(Kind::Drv, "X", "A", (4, 5));
    s.causes(c, &[z]);
    s.causes(b, &[c]);
    s.causes(a, &[b]);
    let (ann, tree) = s.annotate(z, a);
    let w = |n| Scenario::weight(&ann, &s.names, n);
    assert_eq!(
        (w("A"), w("B"), w("C"), w("Z")),
        (Some(5), Some(4), Some(2), None)
    );
    // INS(Z) has no weight but stays: it is on the causal path (§5.1).
    let mut shown = Vec::new();
    labels(&tree, &mut shown);
    assert_eq!(shown, ["A", "B", "C", "Z"]);
}

/// The two-node scenario of Figure 5(c) with the timings of Figure 16(a),
/// in half-seconds: B finished at 4s and gets 4s, E's branch the 2s after
/// it (DRV(E) 1.5s, RCV(+E) 0.5s of its own), A 1s of its own.
fn figure_5c(with_f: bool) -> (Scenario, EventId, EventId) {
    let mut s = Scenario::default();
    let z = s.ev(Kind::Ins, "X", "Z", (0, 0));
    let c = s.ev(Kind::Drv, "X", "C", (0, 4));
    let snd_c = s.ev(Kind::Snd, "X", "+C", (4, 4));
    let b = s.ev(Kind::Drv, "X", "B", (4, 8));
    let rcv_c = s.ev(Kind::Rcv, "Y", "+C", (4, 6));
    if with_f {
        let g = s.ev(Kind::Ins, "Y", "G", (5, 5));
        let f = s.ev(Kind::Drv, "Y", "F", (6, 7));
        s.causes(f, &[g]);
    }
    let e = s.ev(Kind::Drv, "Y", "E", (if with_f { 7 } else { 6 }, 11));
    let snd_e = s.ev(Kind::Snd, "Y", "+E", (11, 11));
    let rcv_e = s.ev(Kind::Rcv, "X", "+E", (11, 12));
    let a = s.ev(Kind::Drv, "X", "A", (12, 14));
    s.causes(c, &[z]);
    s.causes(snd_c, &[c]);
    s.causes(b, &[c]);
    s.graph.deliver(snd_c, rcv_c).expect("valid");
    s.causes(e, &[rcv_c]);
    s.causes(snd_e, &[e]);
    s.graph.deliver(snd_e, rcv_e).expect("valid");
    s.causes(a, &[b, rcv_e]);
    (s, z, a)
}

#[test]
fn figure_5c_preconditions_in_order_of_completion() {
    let (mut s, z, a) = figure_5c(false);
    let (ann, _) = s.annotate(z, a);
    let w = |n| Scenario::weight(&ann, &s.names, n);
    // In seconds: A 7, B 4, C 2, RCV(+E) 2, DRV(E) 1.5; RCV(+C) ended
    // before B did, so it took no slice.
    assert_eq!(w("A"), Some(14));
    assert_eq!(w("B"), Some(8));
    assert_eq!(w("C"), Some(4));
    assert_eq!(w("+E"), Some(4 + 3)); // RCV(+E) 2s, SND(+E) 1.5s
    assert_eq!(w("E"), Some(3));
    assert_eq!(w("+C"), None);
    // The speedup intervals of Figure 16(a): each vertex's own slice.
    let own: Vec<(String, Instant)> = ann
        .entries()
        .into_iter()
        .map(|e| {
            let handed: Instant = e.children.iter().map(|c| c.weight).sum();
            (s.names[e.vertex as usize].clone(), e.weight - handed)
        })
        .filter(|(_, w)| *w > 0)
        .collect();
    let own: Vec<(&str, Instant)> = own.iter().map(|(n, w)| (n.as_str(), *w)).collect();
    assert_eq!(own, [("A", 2), ("B", 4), ("C", 4), ("+E", 1), ("E", 3)]);
}

/// Figure 5(d): an off-path branch (no causal path from Z to F) gets the
/// 3s that A waited after the on-path branch finished at 4s.
#[test]
fn figure_5d_off_path_branch() {
    let mut s = Scenario::default();
    let z = s.ev(Kind::Ins, "X", "Z", (0, 0));
    let c = s.ev(Kind::Drv, "X", "C", (0, 2));
    let b = s.ev(Kind::Drv, "X", "B", (2, 4));
    let f = s.ev(Kind::Ins, "Y", "F", (1, 1));
    let e = s.ev(Kind::Drv, "Y", "E", (1, 6));
    let snd = s.ev(Kind::Snd, "Y", "+E", (6, 6));
    let rcv = s.ev(Kind::Rcv, "X", "+E", (6, 7));
    let a = s.ev(Kind::Drv, "X", "A", (7, 8));
    s.causes(c, &[z]);
    s.causes(b, &[c]);
    s.causes(e, &[f]);
    s.causes(snd, &[e]);
    s.graph.deliver(snd, rcv).expect("valid");
    s.causes(a, &[b, rcv]);
    let (ann, tree) = s.annotate(z, a);
    let w = |n| Scenario::weight(&ann, &s.names, n);
    assert_eq!(w("A"), Some(8));
    assert_eq!(w("B"), Some(4));
    let rcv_weight = ann
        .entries()
        .into_iter()
        .find(|x| x.vertex == rcv)
        .map(|x| x.weight);
    assert_eq!(
        rcv_weight,
        Some(3),
        "the off-path branch gets the remaining 3s"
    );
    assert_eq!(w("E"), Some(2));
    // INS(F) took no slice but is a cause of a weighted vertex: kept.
    let mut shown = Vec::new();
    labels(&tree, &mut shown);
    assert!(shown.contains(&"F".to_string()));
}

/// Figure 5(e): B is ready at once, but A waits 3s behind the causally
/// unrelated I, K and H; the remaining delay goes down the local chain.
#[test]
fn figure_5e_sequencing_delay() {
    let mut s = Scenario::default();
    let z = s.ev(Kind::Ins, "X", "Z", (0, 0));
    let b = s.ev(Kind::Drv, "X", "B", (0, 1));
    let j = s.ev(Kind::Ins, "W", "J", (0, 0));
    let i = s.ev(Kind::Drv, "X", "I", (1, 2));
    let k = s.ev(Kind::Drv, "X", "K", (2, 3));
    let h = s.ev(Kind::Drv, "X", "H", (3, 4));
    let a = s.ev(Kind::Drv, "X", "A", (4, 5));
    s.causes(b, &[z]);
    s.causes(i, &[j]);
    s.causes(k, &[j]);
    s.causes(h, &[j]);
    s.causes(a, &[b]);
    let (ann, tree) = s.annotate(z, a);
    let w = |n| Scenario::weight(&ann, &s.names, n);
    assert_eq!(
        (w("A"), w("B"), w("H"), w("K"), w("I")),
        (Some(5), Some(1), Some(1), Some(1), Some(1))
    );
    let seq: Vec<Via> = tree.children.iter().map(|c| c.via).collect();
    assert_eq!(
        seq.iter()
            .filter(|v| **v == Via::Sequencing(Sequencing::Local))
            .count(),
        3
    );
}

/// §5.2 on Figure 5(e) with three similar derivations queued in front of A:
/// one aggregated cause of weight 3.
#[test]
fn similar_sequencing_delays_aggregate() {
    let mut s = Scenario::default();
    let z = s.ev(Kind::Ins, "X", "Z", (0, 0));
    let b = s.ev(Kind::Drv, "X", "B", (0, 1));
    let rpc: Vec<EventId> = (1..4)
        .map(|t| s.ev(Kind::Drv, "X", "rpc", (t, t + 1)))
        .collect();
    let a = s.ev(Kind::Drv, "X", "A", (4, 5));
    s.causes(b, &[z]);
    s.causes(a, &[b]);
    let (_, tree) = s.annotate(z, a);
    let agg: Vec<&Cause> = tree
        .children
        .iter()
        .filter(|c| c.relation == "rpc")
        .collect();
    assert_eq!(agg.len(), 1);
    assert_eq!(agg[0].weight, 3);
    assert_eq!(agg[0].events, rpc);
    assert_eq!(agg[0].interval, (1, 4));
    assert_eq!(agg[0].vertex(), "rpc (and 2 similar)");
}

/// Figure 5(f): as (c), with an unrelated F derived before E. INS(G) and
/// DRV(F) are in the temporal provenance but contribute nothing: pruned.
#[test]
fn figure_5f_prunes_zero_delay_subgraphs() {
    let (mut s, z, a) = figure_5c(true);
    let (ann, tree) = s.annotate(z, a);
    let q = t_query(&s.graph, z, a).expect("related");
    let named = |n: &str| s.names.iter().position(|x| x == n).expect("exists") as EventId;
    assert!(
        q.contains(named("F")) && q.contains(named("G")),
        "on the sequencing path"
    );
    let w = |n| Scenario::weight(&ann, &s.names, n);
    assert_eq!((w("A"), w("B"), w("E")), (Some(14), Some(8), Some(3)));
    assert_eq!((w("F"), w("G")), (None, None));
    let mut shown = Vec::new();
    labels(&tree, &mut shown);
    assert!(!shown.contains(&"F".to_string()) && !shown.contains(&"G".to_string()));
    assert!(shown.contains(&"Z".to_string()));
}

#[test]
fn malformed_graphs_and_queries_are_errors() {
    let mut s = Scenario::default();
    let a = s.ev(Kind::Drv, "X", "A", (0, 3));
    let b = s.ev(Kind::Drv, "X", "B", (2, 4));
    let c = s.ev(Kind::Ins, "Y", "C", (5, 5));
    assert!(s.graph.cause(b, a).is_err(), "A ends after B starts");
    assert!(
        s.graph.sequence(a, c, Sequencing::Local).is_err(),
        "two nodes"
    );
    assert!(
        s.graph
            .add(Event {
                kind: Kind::Ins,
                node: "X".into(),
                relation: "bad".into(),
                label: "bad".into(),
                interval: (3, 2),
            })
            .is_err()
    );
    assert!(t_query(&s.graph, a, c).is_err(), "not causally related");
    assert!(t_query(&s.graph, c, a).is_err(), "from after to");
}

/// A random valid event graph: events in order of start, causes among the
/// earlier events that ended by then.
fn event_graph() -> impl Strategy<Value = (EventGraph, EventId, EventId)> {
    prop::collection::vec((0u8..3, 0i64..3, 0i64..4, 0u8..5, any::<u64>()), 2..40).prop_map(
        |spec| {
            let mut g = EventGraph::new();
            let mut t = 0;
            for (i, &(node, gap, len, kind, picks)) in spec.iter().enumerate() {
                t += gap;
                let kind =
                    [Kind::Ins, Kind::Drv, Kind::Snd, Kind::Rcv, Kind::Loss][usize::from(kind)];
                let v = g
                    .add(Event {
                        kind,
                        node: format!("n{node}"),
                        relation: format!("r{}", picks % 3),
                        label: format!("e{i}"),
                        interval: (t, t + len),
                    })
                    .expect("valid");
                for j in 0..v {
                    if picks >> (j % 64) & 1 == 1 && g.event(j).end() <= t {
                        g.cause(v, j).expect("ends in time");
                    }
                }
            }
            g.sequence_nodes();
            let to = (g.len() - 1) as EventId;
            // e1: the earliest-starting cause of e2, transitively.
            let mut seen = vec![false; g.len()];
            let mut stack = vec![to];
            let mut from = to;
            while let Some(u) = stack.pop() {
                if std::mem::replace(&mut seen[u as usize], true) {
                    continue;
                }
                if (g.event(u).start(), u) < (g.event(from).start(), from) {
                    from = u;
                }
                stack.extend_from_slice(g.causes(u));
            }
            (g, from, to)
        },
    )
}

fn check_entry(a: &Annotation) -> Result<(), TestCaseError> {
    prop_assert!(a.weight >= 0);
    prop_assert_eq!(a.weight, a.interval.1 - a.interval.0);
    let mut kids: Vec<&Annotation> = a.children.iter().collect();
    kids.sort_by_key(|k| k.interval);
    for (i, k) in kids.iter().enumerate() {
        prop_assert!(k.weight <= a.weight, "a child outweighs its parent");
        prop_assert!(a.interval.0 <= k.interval.0 && k.interval.1 <= a.interval.1);
        if i > 0 {
            prop_assert!(kids[i - 1].interval.1 <= k.interval.0, "slices overlap");
        }
        check_entry(k)?;
    }
    Ok(())
}

fn check_cause(c: &Cause) -> Result<(), TestCaseError> {
    prop_assert!(c.weight >= 0);
    for k in &c.children {
        prop_assert!(k.weight <= c.weight);
        check_cause(k)?;
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// The root's annotation is te - ts of the query; no vertex has a
    /// negative weight or one larger than its parent's; the slices handed
    /// down never overlap, so the delay is never counted twice.
    #[test]
    fn annotations_add_up((g, from, to) in event_graph()) {
        let q = t_query(&g, from, to).expect("e1 is a cause of e2");
        let a = annotate(&g, &q);
        prop_assert_eq!(a.weight, g.event(to).end() - g.event(from).start());
        prop_assert_eq!(a.weight, q.delay());
        check_entry(&a)?;
        let tree = explain(&g, &q, &a);
        prop_assert_eq!(tree.weight, q.delay());
        check_cause(&tree)?;
    }
}

/// A sender that re-sends every timestep until acknowledged.
const RETRY: &str = r#"
    req(S, C, X)@async :- pending(C, S, X), notin acked(C, X);
    pending(C, S, X)@next :- pending(C, S, X), notin acked(C, X);
    ack(C, X)@async :- req(S, C, X);
    acked(C, X) :- ack(C, X);
    acked(C, X)@next :- acked(C, X);
    pending("c", "s", 1)@1;
"#;

fn retry_run(cfg_faults: FaultSet) -> (Evaluator, RunConfig) {
    let program = dedalus::load_str("retry.ded", RETRY).expect("loads");
    let eval = Evaluator::new(&program, &["c", "s"]).expect("compiles");
    let mut cfg = RunConfig::new(10);
    cfg.eff = 6;
    cfg.max_delay = 3;
    cfg.faults = cfg_faults;
    (eval, cfg)
}

fn tuple(run: &dedalus::eval::Run, rel: &str, t: u32) -> u32 {
    let rel = run.program().relation(rel).expect("relation");
    run.rows(rel, t).next().expect("holds").id
}

/// Two lost requests: the acknowledgement comes 2 steps late and the
/// losses carry that weight (retry-after-loss edges). The replays show
/// what the annotation cannot: without the first loss the first request
/// gets through (2 steps earlier), without the second only the second
/// retry does (1 step earlier).
#[test]
fn retries_after_losses_carry_the_delay() {
    // Nodes c = 0, s = 1.
    let omit = |time| Fault::Omission {
        from: 0,
        to: 1,
        time,
    };
    let (eval, cfg) = retry_run(FaultSet::from_iter([omit(1), omit(2)]));
    let run = eval.run(&cfg).expect("runs");
    let from = tuple(&run, "pending", 1);
    let to = tuple(&run, "acked", 5);
    let l = late(&run, from, to).expect("explained");
    assert_eq!(l.delay(), 4);
    assert_eq!(l.tree.weight, 4);
    let losses: Instant = l
        .annotation
        .entries()
        .into_iter()
        .filter(|a| l.events.graph.event(a.vertex).kind == Kind::Loss)
        .map(|a| a.weight - a.children.iter().map(|c| c.weight).sum::<Instant>())
        .sum();
    assert_eq!(losses, 2, "each loss cost one step");
    let retry = l
        .annotation
        .entries()
        .into_iter()
        .any(|a| a.via == Via::Sequencing(Sequencing::Retry));
    assert!(retry, "the retry follows the loss");
    let cf = counterfactuals(
        &eval,
        &cfg,
        &run,
        &l.events,
        &l.annotation,
        (from, to),
        &dedalus::eval::Cancel::never(),
    )
    .expect("replays");
    let rows: Vec<(&str, Instant, Option<Instant>)> = cf
        .iter()
        .map(|c| (c.fault.as_str(), c.weight, c.change))
        .collect();
    assert_eq!(
        rows,
        [("--omit c,s,1", 1, Some(-2)), ("--omit c,s,2", 1, Some(-1))]
    );
}

/// A delayed request: its RCV spans the hold, and removing the delay
/// gives the delay back (the retries were acknowledged first otherwise).
#[test]
fn a_held_back_message_weighs_its_hold() {
    let program = dedalus::load_str(
        "once.ded",
        r#"
        req(S, C, X)@async :- start(C, S, X);
        ack(C, X)@async :- req(S, C, X);
        start("c", "s", 1)@1;
    "#,
    )
    .expect("loads");
    let eval = Evaluator::new(&program, &["c", "s"]).expect("compiles");
    let mut cfg = RunConfig::new(8);
    cfg.max_delay = 3;
    cfg.faults.insert(Fault::Delay {
        from: 0,
        to: 1,
        time: 1,
        by: 3,
    });
    let run = eval.run(&cfg).expect("runs");
    let from = tuple(&run, "start", 1);
    let to = tuple(&run, "ack", 6);
    let l = late(&run, from, to).expect("explained");
    assert_eq!(l.delay(), 5);
    let rcv = l
        .annotation
        .entries()
        .into_iter()
        .find(|a| {
            let e = l.events.graph.event(a.vertex);
            e.kind == Kind::Rcv && e.relation == "req"
        })
        .map(|a| a.weight);
    assert_eq!(rcv, Some(4), "one step in flight and three held back");
    let cf = counterfactuals(
        &eval,
        &cfg,
        &run,
        &l.events,
        &l.annotation,
        (from, to),
        &dedalus::eval::Cancel::never(),
    )
    .expect("replays");
    assert_eq!(cf.len(), 1);
    // The fault weighs the hold alone, not the normal one-step transit,
    // and agrees with its replay.
    assert_eq!(
        (cf[0].weight, cf[0].delay, cf[0].change),
        (3, Some(2), Some(-3))
    );
}

/// A derivation that waits for `notin lock` is sequenced after the lock's
/// last holding, which takes the wait.
#[test]
fn a_wait_for_notin_goes_to_the_blocking_tuple() {
    let program = dedalus::load_str(
        "lock.ded",
        r#"
        want(N)@next :- want(N);
        tick(N, T + 1)@next :- tick(N, T);
        lock(N)@next :- lock(N), tick(N, T), T < 3;
        go(N) :- want(N), notin lock(N);
        want("a")@1; lock("a")@1; tick("a", 1)@1;
    "#,
    )
    .expect("loads");
    let eval = Evaluator::new(&program, &["a"]).expect("compiles");
    let run = eval.run(&RunConfig::new(6)).expect("runs");
    let from = tuple(&run, "want", 1);
    let to = tuple(&run, "go", 4);
    let l = late(&run, from, to).expect("explained");
    assert_eq!(l.delay(), 3);
    let waited = l
        .annotation
        .entries()
        .into_iter()
        .find(|a| a.via == Via::Sequencing(Sequencing::Negation))
        .map(|a| (l.events.graph.event(a.vertex).label.clone(), a.weight));
    assert_eq!(waited, Some(("lock(\"a\") held until t=3".to_string(), 3)));
    // Asking about a tuple that merely persisted is an error that says
    // where its stretch began.
    let persisted = tuple(&run, "want", 3);
    let err = late(&run, from, persisted).expect_err("not established at 3");
    assert!(err.to_string().contains("since t=1"), "{err}");
}

/// A node serves a request only when not `busy`; `busy` ends when the
/// worker's `fin` arrives, delayed 2 steps (Zeno §2.3, §4.5, Figure 5(e)):
/// the wait rests on what ended `busy` (the delayed `fin`, whose hold
/// weighs 2) and on what kept it alive (`busy`'s start); the delay fault's
/// weight agrees with its replay.
#[test]
fn a_wait_for_notin_blames_the_delayed_event_that_ended_it() {
    let program = dedalus::load_str(
        "busy.ded",
        r#"
        busy(N)@next :- busy(N), notin fin(N, _);
        busy(N) :- start(N);
        work(W, N)@async :- start(N), worker(N, W);
        fin(N, W)@async :- work(W, N);
        served(N, R) :- req(N, R), notin busy(N);
        req(N, R)@next :- req(N, R), notin served(N, R);
        start("n")@1; worker("n", "w")@1; req("n", "r")@2;
    "#,
    )
    .expect("loads");
    let eval = Evaluator::new(&program, &["n", "w"]).expect("compiles");
    let mut cfg = RunConfig::new(8);
    cfg.max_delay = 3;
    cfg.faults.insert(Fault::Delay {
        from: 1,
        to: 0,
        time: 2,
        by: 2,
    });
    let run = eval.run(&cfg).expect("runs");
    let from = tuple(&run, "req", 2);
    let to = tuple(&run, "served", 6);
    let l = late(&run, from, to).expect("explained");
    assert_eq!(l.delay(), 4);
    let entries = l.annotation.entries();
    let label = |a: &&nemo::temporal::Annotation| l.events.graph.event(a.vertex).label.clone();
    let wait = entries
        .iter()
        .find(|a| a.via == Via::Sequencing(Sequencing::Negation))
        .expect("the wait for notin busy");
    assert!(
        label(wait).starts_with("busy(\"n\") held until t=5, ended by fin"),
        "{}",
        label(wait)
    );
    assert_eq!(wait.weight, 4);
    // Its children: the fin that ended busy (3 steps: held back 2, then
    // the normal transit) ...
    let fin = wait
        .children
        .iter()
        .find(|c| l.events.graph.event(c.vertex).relation == "fin")
        .expect("the fin that ended busy is in the tree");
    assert_eq!(fin.weight, 3);
    let hold = fin
        .children
        .iter()
        .find(|c| label(c).contains("sent@2 held back by a delay of 2"))
        .expect("the hold");
    assert_eq!(hold.weight, 2);
    // ... and, in the tree a person reads, what kept busy alive.
    fn find<'c>(c: &'c nemo::temporal::Cause, part: &str) -> Option<&'c nemo::temporal::Cause> {
        if c.label.contains(part) {
            return Some(c);
        }
        c.children.iter().find_map(|k| find(k, part))
    }
    let shown = find(&l.tree, "held until t=5").expect("the wait is shown");
    assert!(find(shown, "busy(\"n\")@1").is_some(), "{shown:?}");
    assert_eq!(
        find(shown, "sent@2 held back by a delay of 2").map(|c| c.weight),
        Some(2)
    );
    let cf = counterfactuals(
        &eval,
        &cfg,
        &run,
        &l.events,
        &l.annotation,
        (from, to),
        &dedalus::eval::Cancel::never(),
    )
    .expect("replays");
    assert_eq!(
        (cf[0].weight, cf[0].delay, cf[0].change),
        (2, Some(2), Some(-2))
    );
}

/// A request held back by a delay is re-sent meanwhile: the retry follows
/// the held copy (a held-by-delay edge), which takes the wait.
#[test]
fn a_retry_while_a_copy_is_held_back_follows_the_hold() {
    let (eval, cfg) = retry_run(FaultSet::from_iter([Fault::Delay {
        from: 0,
        to: 1,
        time: 1,
        by: 3,
    }]));
    let run = eval.run(&cfg).expect("runs");
    let from = tuple(&run, "pending", 1);
    let to = tuple(&run, "acked", 4);
    let l = late(&run, from, to).expect("explained");
    assert_eq!(l.delay(), 3);
    let held = l
        .annotation
        .entries()
        .into_iter()
        .find(|a| a.via == Via::Sequencing(Sequencing::Delay))
        .map(|a| (l.events.graph.event(a.vertex).label.clone(), a.weight));
    assert_eq!(
        held,
        Some((
            "req(\"s\", \"c\", 1) c->s sent@1 held back by a delay of 3, in flight at t=2"
                .to_string(),
            1
        ))
    );
    let cf = counterfactuals(
        &eval,
        &cfg,
        &run,
        &l.events,
        &l.annotation,
        (from, to),
        &dedalus::eval::Cancel::never(),
    )
    .expect("replays");
    assert_eq!(
        cf[0].change,
        Some(-1),
        "without the delay the first copy arrives"
    );
}
