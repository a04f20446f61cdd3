//! Tests: the symbolic check is exact. On generated programs (negation,
//! aggregates, crashes, delays, positive recursion) its verdict equals
//! exhaustive search's, its counterexamples are as small as the smallest
//! exhaustive one, and every schedule it decodes violates when run (a run
//! that does not is an internal error, which fails the test).

use std::collections::BTreeSet;
use std::path::PathBuf;

use harness::{
    Budget, Exhaustive, FaultSpace, Lineage, Portfolio, SearchStrategy, Symbolic, Target, Verdict,
};
use proptest::prelude::*;

// The random program generator of the dedalus property tests (safe and
// stratified by construction), shared rather than written twice.
#[path = "../../../dedalus/tests/it/props/generator.rs"]
#[allow(dead_code)]
mod generator;

/// A specification for a generated program that its failure-free run
/// satisfies (so that only faults can break it): `pre` is a relation with
/// rows at EOT, `post` requires another relation that covers them, or the
/// absence of one that avoids them, or a count threshold the run meets, or
/// (under crashes) survival read from the crash oracle.
fn spec_for(src: &str, eot: u32, pick: &[u8; 4]) -> Option<String> {
    let program = dedalus::load_str("gen.ded", src).ok()?;
    let eval = dedalus::eval::Evaluator::new(&program, &generator::NODES).ok()?;
    let run = eval.run(&dedalus::eval::RunConfig::new(eot)).ok()?;
    let rels: Vec<(usize, usize)> = (0..5)
        .filter_map(|i| {
            let r = program.relation(&format!("p{i}"))?;
            Some((i, program.relations()[r as usize].arity))
        })
        .collect();
    let firsts = |i: usize| -> BTreeSet<String> {
        run.relation_at(&format!("p{i}"), eot)
            .iter()
            .map(|row| run.show_value(row[0]))
            .collect()
    };
    let atom = |i: usize, arity: usize, named: &[&str]| {
        let args: Vec<&str> = (0..arity)
            .map(|c| named.get(c).copied().unwrap_or("_"))
            .collect();
        format!("p{i}({})", args.join(", "))
    };
    let pres: Vec<_> = rels
        .iter()
        .filter(|(i, _)| !firsts(*i).is_empty())
        .collect();
    let &&(a, arity_a) = pres.get(pick[0] as usize % pres.len().max(1))?;
    let pre_set = firsts(a);
    let pre = format!("pre(N) :- {};\n", atom(a, arity_a, &["N"]));
    let others: Vec<_> = rels.iter().filter(|(i, _)| *i != a).collect();
    let &&(b, arity_b) = others.get(pick[1] as usize % others.len().max(1))?;
    let covers = pre_set.is_subset(&firsts(b));
    let post = match pick[2] % 4 {
        0 if covers => format!("post(N) :- pre(N), {};\n", atom(b, arity_b, &["N"])),
        1 if pre_set.is_disjoint(&firsts(b)) => {
            format!("post(N) :- pre(N), notin {};\n", atom(b, arity_b, &["N"]))
        }
        2 if arity_b >= 2 && covers => {
            let rows = run.relation_at(&format!("p{b}"), eot);
            let least = pre_set
                .iter()
                .map(|n| {
                    rows.iter()
                        .filter(|r| &run.show_value(r[0]) == n)
                        .map(|r| r[1])
                        .collect::<BTreeSet<_>>()
                        .len()
                })
                .min()?;
            format!(
                "seen(N, count<M>) :- {};\npost(N) :- pre(N), seen(N, C), C >= {least};\n",
                atom(b, arity_b, &["N", "M"])
            )
        }
        3 if covers => format!(
            "post(N) :- pre(N), notin crash(N, N, _), {};\npost(N) :- pre(N), crash(_, N, _);\n",
            atom(b, arity_b, &["N"])
        ),
        _ => return None,
    };
    Some(pre + &post)
}

fn target(
    src: &str,
    eot: u32,
    (eff, crashes, max_delay): (u32, u32, u32),
    omissions: bool,
) -> Option<Target> {
    let program = dedalus::load_str("gen.ded", src).ok()?;
    let space = FaultSpace {
        nodes: generator::NODES.iter().map(|n| n.to_string()).collect(),
        eot,
        eff,
        crashes,
        max_delay,
        omissions,
    };
    Target::new(vec![PathBuf::from("gen.ded")], &program, space).ok()
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 96,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn symbolic_equals_exhaustive(
        case in generator::case(),
        pick in any::<[u8; 4]>(),
        crashes in 0..=1u32,
    ) {
        let (eot, eff) = (case.eot.min(4), case.eff.min(3));
        let spec = spec_for(&case.src, eot, &pick);
        prop_assume!(spec.is_some());
        let src = format!("{}{}", case.src, spec.unwrap());
        // Small enough for exhaustive search to be quick.
        let t = target(&src, eot, (eff, crashes, case.max_delay.min(1)), true);
        prop_assume!(t.is_some());
        let t = t.unwrap();
        prop_assume!(t.space().combinations().exact().is_some_and(|n| n <= 20_000));
        let none = t.run(&harness::FaultSet::none()).unwrap();
        prop_assume!(t.judge(&none) == harness::Judgement::Correct);

        let exhaustive = harness::search(&t, Exhaustive, &Budget::default(), &mut |_| {});
        let symbolic = harness::search(&t, Symbolic, &Budget::default(), &mut |_| {});
        let (e, s) = match (exhaustive, symbolic) {
            (Ok(e), Ok(s)) => (e, s),
            // A runtime error in some run: exhaustive reports it, and the
            // symbolic check must not certify.
            (Err(_), Ok(s)) => {
                prop_assert!(!matches!(s.verdict, Verdict::Holds), "{src}");
                return Ok(());
            }
            (e, s) => panic!("{src}\nexhaustive: {:?}\nsymbolic: {:?}", e.map(|o| o.verdict), s.map(|o| o.verdict)),
        };
        prop_assert!(
            !matches!(s.verdict, Verdict::Inconclusive { .. }),
            "symbolic inconclusive on\n{src}\n{:?}",
            s.verdict
        );
        prop_assert_eq!(e.verdict.name(), s.verdict.name(), "on\n{}\nspace {:?}", src, t.space());
        if let (Some(ec), Some(sc)) = (e.counterexample(), s.counterexample()) {
            prop_assert_eq!(
                ec.faults.len(),
                sc.faults.len(),
                "smallest counterexamples differ: exhaustive {} vs symbolic {} on\n{}",
                ec.faults.describe(&t.space().nodes),
                sc.faults.describe(&t.space().nodes),
                src
            );
        }
    }
}

/// A small protocol assembled from `bits`: a value broadcast with optional
/// retries, relays, acknowledgements counted against a threshold, a timer
/// that gives up through `notin`, and a spec read through negation, counts
/// and the crash oracle. Varied enough that faults matter in most cases.
fn protocol(bits: u32, k: u8) -> String {
    let on = |i: u32| bits & (1 << i) != 0;
    let mut p = String::from(
        "node(N, M)@next :- node(N, M);\n\
         node(\"a\", \"b\")@1; node(\"a\", \"c\")@1; node(\"b\", \"a\")@1;\n\
         node(\"b\", \"c\")@1; node(\"c\", \"a\")@1; node(\"c\", \"b\")@1;\n\
         v(\"a\", \"x\")@1;\n\
         got(N, X)@next :- got(N, X);\n\
         got(N, X) :- v(N, X);\n\
         m(M, N, X)@async :- v(N, X), node(N, M);\n\
         got(N, X) :- m(N, _, X);\n",
    );
    if on(0) {
        p += "v(N, X)@next :- v(N, X);\n"; // retry every step
    }
    if on(1) {
        p += "v(\"b\", \"y\")@2;\n";
    }
    if on(2) {
        p += "r(M, N, X)@async :- m(N, _, X), node(N, M);\ngot(N, X) :- r(N, _, X);\n"; // relay
    }
    if on(3) {
        p += "ack(S, N, X)@async :- m(N, S, X);\nacks(S, N, X) :- ack(S, N, X);\nacks(S, N, X)@next :- acks(S, N, X);\n";
        p += "nacks(S, X, count<N>) :- acks(S, N, X);\n";
    }
    if on(4) {
        p += "timer(\"a\", 1)@1; timer(\"b\", 1)@1; timer(\"c\", 1)@1;\n";
        p += "timer(N, T + 1)@next :- timer(N, T), T < 3;\ntimeout(N) :- timer(N, 3), notin got(N, _);\ntimeout(N)@next :- timeout(N);\n";
    }
    if on(5) {
        p += "miss(N, X) :- got(S, X), node(S, N), notin got(N, X);\n";
    } else {
        p += "miss(N, X) :- v(S, X), node(S, N), notin got(N, X);\n";
    }
    if on(6) {
        p += "abort(X)@async :- timeout(N), v(S, X), node(N, S);\ngave_up(X) :- abort(X);\ngave_up(X)@next :- gave_up(X);\n";
    }
    let kk = 1 + k % 2;
    let pre = match (bits >> 8) % 4 {
        0 => "pre(X) :- got(N, X), notin crash(N, N, _);\n".to_string(),
        1 if on(3) => format!("pre(X) :- nacks(_, X, C), C >= {kk};\n"),
        2 => "pre(X) :- got(\"b\", X);\n".to_string(),
        _ => "pre(X) :- got(\"a\", X);\n".to_string(),
    };
    let post = match (bits >> 10) % 5 {
        0 => "post(X) :- got(\"a\", X), pre(X), notin miss(_, X);\n".to_string(),
        1 if on(3) => format!("post(X) :- got(\"a\", X), pre(X), nacks(_, X, C), C >= {kk};\n"),
        2 => "post(X) :- got(\"a\", X), pre(X), got(\"c\", X);\n".to_string(),
        3 if on(4) => "post(X) :- got(\"a\", X), pre(X), notin timeout(_);\n".to_string(),
        4 if on(6) => "post(X) :- got(\"a\", X), pre(X), notin gave_up(X);\n".to_string(),
        _ => "post(X) :- got(\"a\", X), pre(X), got(N, X), node(N, _), notin crash(N, N, _), notin miss(N, X);\npost(X) :- got(\"a\", X), pre(X), crash(_, _, _);\n".to_string(),
    };
    p + &pre + &post
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 128,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Protocol-shaped programs, where faults matter: the same equalities,
    /// under the full fault model and under reliable channels (delays and
    /// crashes only).
    #[test]
    fn symbolic_equals_exhaustive_on_protocols(
        bits in any::<u32>(),
        k in any::<u8>(),
        eot in 3..=5u32,
        eff in 2..=3u32,
        crashes in 0..=1u32,
        max_delay in 0..=2u32,
        omissions in any::<bool>(),
    ) {
        let src = protocol(bits, k);
        let t = target(&src, eot, (eff, crashes, max_delay), omissions)
            .unwrap_or_else(|| panic!("{src}"));
        prop_assume!(t.space().combinations().exact().is_some_and(|n| n <= 30_000));
        let e = harness::search(&t, Exhaustive, &Budget::default(), &mut |_| {})
            .unwrap_or_else(|err| panic!("{err}\n{src}"));
        let s = harness::search(&t, Symbolic, &Budget::default(), &mut |_| {})
            .unwrap_or_else(|err| panic!("{err}\n{src}"));
        prop_assert_eq!(e.verdict.name(), s.verdict.name(), "on\n{}\nspace {:?}", src, t.space());
        if let (Some(ec), Some(sc)) = (e.counterexample(), s.counterexample()) {
            prop_assert_eq!(
                ec.faults.len(),
                sc.faults.len(),
                "smallest counterexamples differ: exhaustive {} vs symbolic {} on\n{}",
                ec.faults.describe(&t.space().nodes),
                sc.faults.describe(&t.space().nodes),
                src
            );
        }
    }
}

/// A count threshold behind `notin` that needs three losses: the case the
/// pair sweep of the lineage search could not see (it certified it).
#[test]
fn three_losses_behind_a_count_threshold() {
    let src = r#"
        report(P, B)@next :- report(P, B);
        report("p1", "b")@1; report("p2", "b")@1; report("p3", "b")@1; report("p4", "b")@1;
        got(B, P)@async :- report(P, B);
        got(B, P)@next :- got(B, P);
        tally(B, count<P>) :- got(B, P);
        enough(B) :- tally(B, C), C >= 2;
        enough(B)@next :- enough(B);
        worry(B) :- got(B, _), notin enough(B);
        worry(B)@next :- worry(B);
        pre(B) :- got(B, _);
        post(B) :- got(B, _), notin worry(B);
    "#;
    let program = dedalus::load_str("t.ded", src).unwrap();
    let space = FaultSpace {
        nodes: ["b", "p1", "p2", "p3", "p4"].map(String::from).to_vec(),
        eot: 4,
        eff: 2,
        crashes: 0,
        max_delay: 0,
        omissions: true,
    };
    let t = Target::new(vec![PathBuf::from("t.ded")], &program, space).unwrap();
    for strategy in [
        &Portfolio::default() as &dyn SearchStrategy,
        &Symbolic,
        &Exhaustive,
    ] {
        let o = harness::search(&t, strategy, &Budget::default(), &mut |_| {}).unwrap();
        assert!(
            matches!(o.verdict, Verdict::Violated),
            "{strategy:?}: {:?}",
            o.verdict
        );
        assert_eq!(o.counterexample().unwrap().faults.len(), 3, "{strategy:?}");
    }
    let o = harness::search(&t, Lineage, &Budget::default(), &mut |_| {}).unwrap();
    assert!(
        !matches!(o.verdict, Verdict::Holds),
        "lineage alone must never certify"
    );
}

/// Positive recursion within a timestep cannot support itself: without the
/// least-fixpoint ranks the formula would let `reach` hold through the
/// cycle of `link`s alone after the hello is lost, and claim a violation
/// that no run has (an internal error).
#[test]
fn positive_cycles_need_a_foundation() {
    let src = r#"
        link(N, M)@next :- link(N, M);
        link("a", "b")@1; link("b", "a")@1; start("a")@1;
        hello(M)@async :- start(N), link(N, M);
        got(N) :- hello(N);
        got(N)@next :- got(N);
        reach(N) :- got(N);
        reach(N) :- link(N, M), reach(M);
        pre(N) :- link(N, _), notin got("b");
        post(N) :- link(N, _), notin reach(N);
    "#;
    let program = dedalus::load_str("t.ded", src).unwrap();
    let space = FaultSpace {
        nodes: ["a", "b"].map(String::from).to_vec(),
        eot: 3,
        eff: 2,
        crashes: 0,
        max_delay: 0,
        omissions: true,
    };
    let t = Target::new(vec![PathBuf::from("t.ded")], &program, space).unwrap();
    let e = harness::search(&t, Exhaustive, &Budget::default(), &mut |_| {}).unwrap();
    let s = harness::search(&t, Symbolic, &Budget::default(), &mut |_| {})
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(e.verdict, Verdict::Holds));
    assert!(matches!(s.verdict, Verdict::Holds), "{:?}", s.verdict);
}

/// Checks `src` with the symbolic strategy and exhaustive search: both give
/// `verdict`, with counterexamples of `faults` faults.
fn agree(src: &str, nodes: &[&str], bounds: (u32, u32, u32, u32), verdict: &str, faults: usize) {
    let program = dedalus::load_str("t.ded", src).unwrap_or_else(|e| panic!("{e}"));
    let (eot, eff, crashes, max_delay) = bounds;
    let space = FaultSpace {
        nodes: nodes.iter().map(|n| n.to_string()).collect(),
        eot,
        eff,
        crashes,
        max_delay,
        omissions: true,
    };
    let t = Target::new(vec![PathBuf::from("t.ded")], &program, space).unwrap();
    for strategy in [&Exhaustive as &dyn SearchStrategy, &Symbolic] {
        let o = harness::search(&t, strategy, &Budget::default(), &mut |_| {})
            .unwrap_or_else(|e| panic!("{strategy:?}: {e}"));
        assert_eq!(o.verdict.name(), verdict, "{strategy:?}");
        if let Some(cx) = o.counterexample() {
            assert_eq!(
                cx.faults.len(),
                faults,
                "{strategy:?}: {}",
                cx.faults.describe(&t.space().nodes)
            );
        }
    }
}

/// Exact aggregates: `tally(S, X, 1)` means exactly one acknowledgement,
/// `low(S, X, "c")` that no smaller value came, `total(S, X, 4)` exactly
/// that sum. Each spec holds; an aggregate encoded loosely would claim a
/// violation that no run has (an internal error).
#[test]
fn aggregates_are_exact() {
    let acks = r#"
        v("a", "x")@1;
        m(M, N, X)@async :- v(N, X), peer(N, M);
        peer(N, M)@next :- peer(N, M);
        peer("a", "b")@1; peer("a", "c")@1;
        ack(S, N, X)@async :- m(N, S, X);
        acks(S, N, X) :- ack(S, N, X);
        acks(S, N, X)@next :- acks(S, N, X);
        weight(S, N, W)@next :- weight(S, N, W);
        weight("a", "b", 3)@1; weight("a", "c", 4)@1;
    "#;
    let specs = [
        "tally(S, X, count<N>) :- acks(S, N, X);
         missing(S, X) :- acks(S, N, X), peer(S, M), notin acks(S, M, X);
         pre(X) :- tally(S, X, 1);
         post(X) :- tally(S, X, 1), missing(S, X);",
        r#"low(S, X, min<N>) :- acks(S, N, X);
         pre(X) :- low(S, X, "c");
         post(X) :- low(S, X, "c"), notin acks(S, "b", X);"#,
        r#"total(S, X, sum<W>) :- acks(S, N, X), weight(S, N, W);
         pre(X) :- total(S, X, 4);
         post(X) :- total(S, X, 4), notin acks(S, "b", X);"#,
    ];
    for spec in specs {
        agree(
            &format!("{acks}{spec}"),
            &["a", "b", "c"],
            (4, 3, 0, 0),
            "holds",
            0,
        );
    }
}

/// A message two steps late misses a deadline that one step late meets (a
/// lost one is no violation): the delay amount is part of the fault.
#[test]
fn delays_have_amounts() {
    let src = r#"
        v("a", "x")@1;
        m(M, X)@async :- v(N, X), peer(N, M);
        peer(N, M)@next :- peer(N, M);
        peer("a", "b")@1;
        got(N, X) :- m(N, X);
        got(N, X)@next :- got(N, X);
        clock_b("b", 1)@1;
        clock_b(N, T + 1)@next :- clock_b(N, T);
        late(N) :- clock_b(N, 4), got(N, "x"), notin got(N, "x")@3;
        late(N)@next :- late(N);
        pre(N) :- clock_b(N, _);
        post(N) :- clock_b(N, _), notin late(N);
    "#;
    agree(src, &["a", "b"], (5, 2, 0, 2), "violated", 1);
    agree(src, &["a", "b"], (5, 2, 0, 1), "holds", 0);
}

/// `--all`: the symbolic enumeration lists exactly the subset-minimal
/// counterexamples that exhaustive search finds (every violating set,
/// shrunk).
#[test]
fn all_minimal_counterexamples_equal_exhaustive() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs");
    let budget = Budget {
        all: true,
        ..Budget::default()
    };
    for name in [
        "simple_broadcast_small.yaml",
        "async_primary_backup_small.yaml",
        "count_threshold_small.yaml",
    ] {
        let spec = harness::Spec::load(&dir.join(name)).unwrap();
        let t = harness::target_of(&spec).unwrap();
        let sets = |s: &dyn SearchStrategy| {
            let o = harness::search(&t, s, &budget, &mut |_| {}).unwrap();
            assert!(matches!(o.verdict, Verdict::Violated), "{name} {s:?}");
            o.counterexamples
                .iter()
                .map(|c| c.faults.clone())
                .collect::<BTreeSet<_>>()
        };
        let e = sets(&Exhaustive);
        assert_eq!(sets(&Symbolic), e, "{name}");
        assert_eq!(sets(&Portfolio::default()), e, "{name}");
    }
}
