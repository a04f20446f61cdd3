//! Tests: the run semantics of docs/dedalus.md §4-§10, clause by clause.

use crate::props::schedule::{Crash, Delay, FaultSchedule, Omission};
use dedalus::eval::{EvalError, Evaluator, Run, RunConfig};
use dedalus::load_str;
use dedalus::provenance::{Fate, Origin};

pub(crate) const BCAST: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../protocols/doc_example.ded"
));

pub(crate) fn omit(from: &str, to: &str, time: u32) -> Omission {
    Omission {
        from: from.into(),
        to: to.into(),
        time,
    }
}

pub(crate) fn crash(node: &str, time: u32) -> Crash {
    Crash {
        node: node.into(),
        time,
    }
}

pub(crate) fn run_with(
    src: &str,
    nodes: &[&str],
    eot: u32,
    eff: u32,
    faults: FaultSchedule,
) -> Result<Run, EvalError> {
    let program = load_str("test.ded", src).unwrap_or_else(|e| panic!("{e}"));
    let ev = Evaluator::new(&program, nodes)?;
    let mut cfg = RunConfig::new(eot);
    cfg.eff = eff;
    cfg.max_delay = 3;
    cfg.faults = faults.resolve(nodes);
    ev.run(&cfg)
}

pub(crate) fn run(src: &str, nodes: &[&str], eot: u32, eff: u32, faults: FaultSchedule) -> Run {
    run_with(src, nodes, eot, eff, faults).unwrap_or_else(|e| panic!("{e}"))
}

/// `rel(args)` rows at `t`, rendered and sorted.
pub(crate) fn rows(run: &Run, rel: &str, t: u32) -> Vec<String> {
    let r = run.program().relation(rel).expect("relation exists");
    run.relation_at(rel, t)
        .iter()
        .map(|v| run.show_atom(r, v))
        .collect()
}

fn abc() -> [&'static str; 3] {
    ["a", "b", "c"]
}

#[test]
fn example_failure_free_delivers_everywhere_and_holds() {
    let r = run(BCAST, &abc(), 4, 2, FaultSchedule::none());
    assert_eq!(
        rows(&r, "log", 4),
        vec![
            r#"log("a", "hello")"#,
            r#"log("b", "hello")"#,
            r#"log("c", "hello")"#
        ]
    );
    assert_eq!(r.violations(), Some(vec![]));
    assert_eq!(r.pre_count(), 2);
}

#[test]
fn example_dropping_a_to_b_violates() {
    let faults = FaultSchedule {
        omissions: vec![omit("a", "b", 1)],
        ..Default::default()
    };
    let r = run(BCAST, &abc(), 4, 2, faults);
    assert_eq!(
        rows(&r, "log", 4),
        vec![r#"log("a", "hello")"#, r#"log("c", "hello")"#]
    );
    let v: Vec<String> = r
        .violations()
        .unwrap()
        .iter()
        .map(|row| r.show_atom(0, row))
        .collect();
    assert_eq!(v.len(), 1, "c logs without b: {v:?}");
    assert!(rows(&r, "pre", 4).contains(&r#"pre("c", "hello")"#.to_string()));
    assert!(rows(&r, "post", 4).is_empty());
}

#[test]
fn example_retry_survives_omissions_but_not_loss_then_crash() {
    let retry = format!("{BCAST}\nbcast(N, P)@next :- bcast(N, P);");
    let all_omissions = FaultSchedule {
        omissions: vec![omit("a", "b", 1), omit("a", "c", 1)],
        ..Default::default()
    };
    let r = run(&retry, &abc(), 4, 2, all_omissions);
    assert_eq!(r.violations(), Some(vec![]));
    assert_eq!(rows(&r, "log", 4).len(), 3);
    let loss_then_crash = FaultSchedule {
        omissions: vec![omit("a", "b", 1)],
        crashes: vec![crash("a", 2)],
        ..Default::default()
    };
    let r = run(&retry, &abc(), 4, 2, loss_then_crash);
    assert_eq!(r.violations().unwrap().len(), 1);
}

#[test]
fn example_crash_at_one_is_vacuous() {
    let faults = FaultSchedule {
        crashes: vec![crash("a", 1)],
        ..Default::default()
    };
    let r = run(BCAST, &abc(), 4, 2, faults);
    assert_eq!(rows(&r, "log", 4), vec![r#"log("a", "hello")"#]);
    assert_eq!(r.pre_count(), 0);
    assert_eq!(r.violations(), Some(vec![]));
}

#[test]
fn crashed_node_keeps_computing_and_receiving() {
    let src = r#"
        tick(N, T + 1)@next :- tick(N, T);
        got(M, N)@async :- tick(N, _), peer(N, M);
        peer(N, M)@next :- peer(N, M);
        tick("a", 1)@1; tick("b", 1)@1; peer("a", "b")@1; peer("b", "a")@1;
    "#;
    let faults = FaultSchedule {
        crashes: vec![crash("a", 2)],
        ..Default::default()
    };
    let r = run(src, &["a", "b"], 4, 4, faults);
    // a still ticks after crashing, and still receives from b.
    assert_eq!(
        rows(&r, "tick", 4),
        vec![r#"tick("a", 4)"#, r#"tick("b", 4)"#]
    );
    assert!(rows(&r, "got", 4).contains(&r#"got("a", "b")"#.to_string()));
    // b heard from a at 2 (sent at 1, before the crash), never after.
    assert!(rows(&r, "got", 2).contains(&r#"got("b", "a")"#.to_string()));
    assert!(!rows(&r, "got", 3).contains(&r#"got("b", "a")"#.to_string()));
    let lost: Vec<_> = r
        .messages()
        .iter()
        .filter(|m| matches!(m.fate, Fate::Crashed(2)))
        .collect();
    assert_eq!(lost.len(), 2, "a's sends at 2 and 3 are lost");
}

#[test]
fn crash_oracle_rows_hold_everywhere_at_every_time() {
    let src = r#"seen(N, X, T) :- alive(N), crash(N, X, T); alive(N)@next :- alive(N); alive("a")@1; alive("b")@1;"#;
    let faults = FaultSchedule {
        crashes: vec![crash("b", 3)],
        ..Default::default()
    };
    let r = run(src, &["a", "b"], 4, 4, faults);
    for t in 1..=4 {
        assert_eq!(
            rows(&r, "crash", t),
            vec![r#"crash("a", "b", 3)"#, r#"crash("b", "b", 3)"#],
            "t={t}"
        );
    }
    assert_eq!(rows(&r, "seen", 1).len(), 2);
}

#[test]
fn delays_arrive_late_and_after_eot_never() {
    let src = r#"m(M, N)@async :- s(N, M); s(N, M)@next :- s(N, M); s("a", "b")@1;"#;
    let faults = FaultSchedule {
        delays: vec![
            Delay {
                from: "a".into(),
                to: "b".into(),
                time: 1,
                by: 2,
            },
            Delay {
                from: "a".into(),
                to: "b".into(),
                time: 3,
                by: 3,
            },
        ],
        ..Default::default()
    };
    let r = run(src, &["a", "b"], 5, 4, faults);
    let arrivals: Vec<(u32, Option<u32>, Fate)> = r
        .messages()
        .iter()
        .map(|m| (m.sent, m.received, m.fate))
        .collect();
    assert_eq!(
        arrivals,
        vec![
            (1, Some(4), Fate::Delayed(2)),
            (2, Some(3), Fate::Delivered),
            (3, None, Fate::Delayed(3)),
            (4, Some(5), Fate::Delivered)
        ]
    );
    assert!(rows(&r, "m", 2).is_empty());
    assert_eq!(rows(&r, "m", 4), vec![r#"m("b", "a")"#]);
}

#[test]
fn self_messages_are_never_lost_and_nothing_is_sent_at_eot() {
    let src = r#"m(N, N)@async :- s(N); s(N)@next :- s(N); s("a")@1;"#;
    let faults = FaultSchedule {
        crashes: vec![crash("a", 1)],
        ..Default::default()
    };
    let r = run(src, &["a", "b"], 3, 3, faults);
    let sent: Vec<u32> = r.messages().iter().map(|m| m.sent).collect();
    assert_eq!(sent, vec![1, 2]);
    assert!(r.messages().iter().all(|m| m.fate == Fate::Delivered));
}

#[test]
fn messages_only_to_declared_nodes_and_rules_only_at_nodes() {
    let src = r#"
        m(D, N)@async :- s(N, D);
        local(N) :- s(N, _);
        s("a", "b")@1; s("a", "zz")@1; s("ghost", "a")@1;
    "#;
    let r = run(src, &["a", "b"], 2, 2, FaultSchedule::none());
    assert_eq!(r.messages().len(), 1, "no message to zz, none from ghost");
    assert_eq!(
        rows(&r, "local", 1),
        vec![r#"local("a")"#],
        "ghost is not a node"
    );
    // Facts are seeded whatever their first argument.
    assert_eq!(rows(&r, "s", 1).len(), 3);
}

#[test]
fn omissions_only_before_eff() {
    let faults = FaultSchedule {
        omissions: vec![omit("a", "b", 2)],
        ..Default::default()
    };
    let err = run_with(BCAST, &abc(), 4, 2, faults).unwrap_err();
    assert!(
        err.to_string().contains("before EFF") || err.to_string().contains("< EFF"),
        "{err}"
    );
    let self_omit = FaultSchedule {
        omissions: vec![omit("a", "a", 1)],
        ..Default::default()
    };
    assert!(run_with(BCAST, &abc(), 4, 2, self_omit).is_err());
}

#[test]
fn body_at_n_reads_absolute_time_and_is_empty_outside() {
    let src = r#"
        p(N, T)@next :- p(N, T);
        first(N, T) :- clock_(N), p(N, T)@1;
        future(N) :- clock_(N), notin p(N, _)@9;
        clock_(N)@next :- clock_(N);
        p("a", 1)@1; p("a", 2)@2; clock_("a")@1;
    "#;
    let r = run(src, &["a"], 3, 3, FaultSchedule::none());
    assert_eq!(rows(&r, "first", 3), vec![r#"first("a", 1)"#]);
    assert_eq!(rows(&r, "future", 3), vec![r#"future("a")"#]);
}

#[test]
fn aggregates_count_distinct_bindings_of_named_variables() {
    let src = r#"
        vote(N, V, W) :- ballot(N, V, W);
        tally(N, count<V>) :- vote(N, V, _);
        total(N, sum<W>) :- vote(N, _, W);
        low(N, min<W>) :- vote(N, _, W);
        high(N, max<V>) :- vote(N, V, _);
        ballot("a", "x", 1)@1; ballot("a", "x", 2)@1; ballot("a", "y", 2)@1;
    "#;
    let r = run(src, &["a"], 1, 1, FaultSchedule::none());
    assert_eq!(
        rows(&r, "tally", 1),
        vec![r#"tally("a", 2)"#],
        "x and y: wildcard column ignored"
    );
    assert_eq!(
        rows(&r, "total", 1),
        vec![r#"total("a", 3)"#],
        "distinct W: 1 and 2"
    );
    assert_eq!(rows(&r, "low", 1), vec![r#"low("a", 1)"#]);
    assert_eq!(rows(&r, "high", 1), vec![r#"high("a", "y")"#]);
}

#[test]
fn negation_sees_the_completed_lower_stratum() {
    let src = r#"
        reach(N, X) :- edge(N, X);
        reach(N, Y) :- reach(N, X), edge2(N, X, Y);
        edge2(N, X, Y) :- e(N, X, Y);
        unreached(N, Y) :- node_(N, Y), notin reach(N, Y);
        edge("a", "b")@1; e("a", "b", "c")@1; e("a", "c", "d")@1;
        node_("a", "b")@1; node_("a", "c")@1; node_("a", "d")@1; node_("a", "e")@1;
    "#;
    let r = run(src, &["a"], 1, 1, FaultSchedule::none());
    assert_eq!(rows(&r, "unreached", 1), vec![r#"unreached("a", "e")"#]);
}

#[test]
fn runtime_errors_name_rule_and_binding() {
    let src = "q(N, X / Y) :- p(N, X, Y);\np(\"a\", 4, 0)@1;";
    let err = run_with(src, &["a"], 1, 1, FaultSchedule::none())
        .unwrap_err()
        .to_string();
    assert!(err.contains("division by zero"), "{err}");
    assert!(err.contains("test.ded:1:1"), "{err}");
    assert!(err.contains("Y = 0"), "{err}");
    let src = "q(N, X + 1) :- p(N, X);\np(\"a\", \"s\")@1;";
    let err = run_with(src, &["a"], 1, 1, FaultSchedule::none())
        .unwrap_err()
        .to_string();
    assert!(err.contains("arithmetic on a string"), "{err}");
    let src = "q(N) :- p(N, X), X < 3;\np(\"a\", \"s\")@1;";
    assert!(run_with(src, &["a"], 1, 1, FaultSchedule::none()).is_err());
}

#[test]
fn runaway_programs_stop_with_an_error() {
    let src = "p(N, X + 1) :- p(N, X);\np(\"a\", 0)@1;";
    let program = load_str("t.ded", src).unwrap();
    let ev = Evaluator::new(&program, &["a"]).unwrap();
    let mut cfg = RunConfig::new(1);
    cfg.limits.step_tuples = 1000;
    let err = ev.run(&cfg).unwrap_err();
    assert!(
        matches!(err, EvalError::Runaway { ref relation, .. } if relation == "p"),
        "{err}"
    );
}

#[test]
fn provenance_records_every_derivation_and_message() {
    let retry = format!("{BCAST}\nbcast(N, P)@next :- bcast(N, P);");
    let r = run(&retry, &abc(), 4, 2, FaultSchedule::none());
    let log = r.program().relation("log").unwrap();
    let hello = r.find(log, &r.relation_at("log", 3)[1], 3).unwrap(); // log("b","hello")@3
    assert_eq!(r.show_tuple(hello), r#"log("b", "hello")@3"#);
    let origins = r.provenance().origins(hello);
    // Persisted from @2, and delivered again by a's retry sent at 2.
    assert!(
        origins.iter().any(|o| matches!(o, Origin::Firing(_))),
        "{origins:?}"
    );
    assert!(
        origins.iter().any(|o| matches!(o, Origin::Message(_))),
        "{origins:?}"
    );
    let leaves = r.provenance().leaves(hello);
    let shown: Vec<String> = leaves.iter().map(|&t| r.show_tuple(t)).collect();
    assert!(
        shown.contains(&r#"bcast("a", "hello")@1"#.to_string()),
        "{shown:?}"
    );
    assert!(
        shown.contains(&r#"node("a", "b")@1"#.to_string()),
        "{shown:?}"
    );
}

#[test]
fn json_has_the_documented_shape() {
    let faults = FaultSchedule {
        omissions: vec![omit("a", "b", 1)],
        ..Default::default()
    };
    let r = run(BCAST, &abc(), 4, 2, faults);
    let j = r.to_json();
    assert_eq!(j["eot"], 4);
    assert_eq!(j["nodes"], serde_json::json!(["a", "b", "c"]));
    assert_eq!(j["tables"]["log"][0], serde_json::json!(["a", "hello", 1]));
    assert!(j["tables"]["crash"].as_array().unwrap().is_empty());
    assert_eq!(
        j["messages"][0],
        serde_json::json!({"relation": "log", "from": "a", "to": "b", "sent": 1, "received": null, "fate": "lost"})
    );
    let keys: Vec<&String> = j["tables"].as_object().unwrap().keys().collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
}

/// The fault model of a failure-free run, for groundings.
struct Reliable;

impl dedalus::eval::ground::Channels for Reliable {
    fn reliable(&self, _: u32, _: u32, _: u32) -> bool {
        true
    }
    fn max_delay(&self, _: u32, _: u32, _: u32) -> u32 {
        0
    }
    fn crashes(&self) -> bool {
        false
    }
}

#[test]
fn a_sum_does_not_depend_on_the_order_of_its_terms() {
    // MAX + 1 - 2 fits in 64 bits, though MAX + 1 alone does not: in every
    // order of the facts the run and the grounding give the same total.
    let facts = [
        "w(\"a\", 9223372036854775807)@1;",
        "w(\"a\", 1)@1;",
        "w(\"a\", 0 - 2)@1;",
    ];
    let rule = "total(N, sum<W>) :- w(N, W);\n";
    let orders = [[0, 1, 2], [1, 0, 2], [2, 1, 0], [1, 2, 0]];
    for order in orders {
        let src = format!("{rule}{}\n", order.map(|i| facts[i]).join("\n"));
        let r = run(&src, &["a"], 1, 1, FaultSchedule::none());
        assert_eq!(
            rows(&r, "total", 1),
            vec![r#"total("a", 9223372036854775806)"#],
            "{order:?}"
        );
        let program = load_str("test.ded", &src).unwrap();
        let ev = Evaluator::new(&program, &["a"]).unwrap();
        let g = ev
            .ground(1, &Reliable, dedalus::eval::ground::GroundLimits::default())
            .unwrap_or_else(|e| panic!("{order:?}: {e}"));
        let total = program.relation("total").unwrap();
        let ids: Vec<_> = g.rows(total, 1).collect();
        assert_eq!(ids.len(), 1, "{order:?}");
        assert_eq!(g.show(ids[0]), r#"total("a", 9223372036854775806)@1"#);
    }
    // A total beyond 64 bits is the overflow error, whatever the order.
    for order in [[0, 1], [1, 0]] {
        let both = ["w(\"a\", 9223372036854775807)@1;", "w(\"a\", 2)@1;"];
        let src = format!("{rule}{}\n", order.map(|i| both[i]).join("\n"));
        let err = run_with(&src, &["a"], 1, 1, FaultSchedule::none())
            .unwrap_err()
            .to_string();
        assert!(err.contains("integer overflow"), "{order:?}: {err}");
    }
}

#[test]
fn a_grounding_gives_up_when_told_to() {
    let src = "p(1)@1;\np(X)@next :- p(X);\n";
    let program = load_str("test.ded", src).unwrap();
    let ev = Evaluator::new(&program, &["a"]).unwrap();
    let flag = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let cancel = dedalus::eval::Cancel {
        deadline: None,
        flag: Some(flag),
    };
    let limits = dedalus::eval::ground::GroundLimits::default();
    let err = ev
        .ground_until(1000, &Reliable, limits, &cancel)
        .expect_err("cancelled");
    assert!(
        matches!(err, dedalus::eval::ground::GroundError::Cancelled(_)),
        "{err}"
    );
    // Not cancelled, the same grounding completes.
    assert!(
        ev.ground_until(1000, &Reliable, limits, &dedalus::eval::Cancel::never())
            .is_ok()
    );
}
