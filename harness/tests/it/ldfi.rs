//! Tests: LDFI verdicts against exhaustive search.

use std::path::PathBuf;

use harness::{
    Budget, Exhaustive, FaultSpace, Lineage, Portfolio, Random, SearchStrategy, Target, Verdict,
};

pub(crate) const BCAST: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../protocols/doc_example.ded"
));

pub(crate) fn target(src: &str, nodes: &[&str], eot: u32, eff: u32, crashes: u32) -> Target {
    let program = dedalus::load_str("test.ded", src).unwrap_or_else(|e| panic!("{e}"));
    let space = FaultSpace {
        nodes: nodes.iter().map(|n| n.to_string()).collect(),
        eot,
        eff,
        crashes,
        max_delay: 0,
        omissions: true,
    };
    Target::new(vec![PathBuf::from("test.ded")], &program, space).unwrap_or_else(|e| panic!("{e}"))
}

fn verdict(t: &Target, s: impl SearchStrategy) -> (String, usize) {
    let o =
        harness::search(t, s, &Budget::default(), &mut |_| {}).unwrap_or_else(|e| panic!("{e}"));
    (o.verdict.name().to_string(), o.runs)
}

#[test]
fn broadcast_is_caught_in_two_runs() {
    let t = target(BCAST, &["a", "b", "c"], 4, 2, 0);
    let o = harness::search(&t, Portfolio::default(), &Budget::default(), &mut |_| {}).unwrap();
    assert!(matches!(o.verdict, Verdict::Violated));
    // The failure-free run, and the lineage member's (its own failure-free
    // run and the one fault it proposed first).
    assert_eq!(o.runs, 3);
    let cx = o.counterexample().unwrap();
    assert_eq!(cx.faults.len(), 1);
    assert!(
        cx.replay
            .starts_with("ldfi run test.ded --nodes a,b,c --eot 4 --eff 2 --omit a,"),
        "{}",
        cx.replay
    );
}

#[test]
fn retry_broadcast_matches_exhaustive() {
    let retry = format!("{BCAST}\nbcast(N, P)@next :- bcast(N, P);");
    for (eot, eff, crashes) in [(4, 2, 0), (4, 2, 1), (4, 3, 1), (5, 3, 0)] {
        let t = target(&retry, &["a", "b", "c"], eot, eff, crashes);
        let (l, runs) = verdict(&t, Portfolio::default());
        let (e, all) = verdict(&t, Exhaustive);
        assert_eq!(
            l, e,
            "bounds {eot}/{eff}/{crashes}: ldfi {l} in {runs} runs, exhaustive {e} in {all}"
        );
    }
}

/// Brute force: every subset of the elements that hits every member and has
/// no proper subset that does.
fn brute_minimal_hitting_sets(family: &[Vec<u32>]) -> Vec<Vec<u32>> {
    let mut elements: Vec<u32> = family.iter().flatten().copied().collect();
    elements.sort_unstable();
    elements.dedup();
    let hits = |mask: u32| {
        family.iter().all(|m| {
            m.iter()
                .any(|e| mask & (1 << elements.iter().position(|x| x == e).unwrap()) != 0)
        })
    };
    let n = elements.len();
    let mut out = Vec::new();
    for mask in 0u32..(1 << n) {
        let minimal = hits(mask) && (0..n).all(|i| mask & (1 << i) == 0 || !hits(mask & !(1 << i)));
        if minimal {
            out.push(
                (0..n)
                    .filter(|&i| mask & (1 << i) != 0)
                    .map(|i| elements[i])
                    .collect(),
            );
        }
    }
    out
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]

    /// z3's enumeration yields exactly the minimal hitting sets, smallest first.
    #[test]
    fn z3_minimal_sets_equal_brute_force(family in proptest::collection::vec(proptest::collection::vec(0u32..9, 1..4), 1..6)) {
        let mut z3_sets = harness::ldfi::minimal_hitting_sets(&family);
        let sizes: Vec<usize> = z3_sets.iter().map(Vec::len).collect();
        let mut sorted = sizes.clone();
        sorted.sort_unstable();
        proptest::prop_assert_eq!(&sizes, &sorted, "not smallest first");
        let mut brute = brute_minimal_hitting_sets(&family);
        z3_sets.sort();
        brute.sort();
        proptest::prop_assert_eq!(z3_sets, brute);
    }
}

/// b adopts the first value it hears; a's value is sent first. Only a delay
/// of a's message by 2 lets c's overtake it (a delay of 1 makes them arrive
/// together; an omission loses x, making the run vacuous).
const RACE: &str = r#"
val(B, V)@async :- origin(N, V, B);
got(B, V) :- val(B, V);
got(B, V)@next :- got(B, V);
first(B, V) :- val(B, V), notin adopted(B);
adopted(B)@next :- first(B, _);
adopted(B)@next :- adopted(B);
chose(B, V) :- first(B, V);
chose(B, V)@next :- chose(B, V);
origin("a", "x", "b")@1; origin("c", "y", "b")@2;
pre(B) :- got(B, "x");
post(B) :- chose(B, "x");
"#;

pub(crate) fn race(max_delay: u32) -> Target {
    let program = dedalus::load_str("race.ded", RACE).unwrap_or_else(|e| panic!("{e}"));
    let space = FaultSpace {
        nodes: vec!["a".into(), "b".into(), "c".into()],
        eot: 5,
        eff: 2,
        crashes: 0,
        max_delay,
        omissions: true,
    };
    Target::new(vec![PathBuf::from("race.ded")], &program, space).unwrap()
}

#[test]
fn delays_are_searched_like_exhaustive_search() {
    for (max_delay, expected) in [(1, "holds"), (2, "violated"), (3, "violated")] {
        let t = race(max_delay);
        let (l, runs) = verdict(&t, Portfolio::default());
        let (e, all) = verdict(&t, Exhaustive);
        assert_eq!(
            (l.as_str(), e.as_str()),
            (expected, expected),
            "max_delay {max_delay}: ldfi in {runs} runs, exhaustive in {all}"
        );
    }
    let o = harness::search(
        &race(2),
        Portfolio::default(),
        &Budget::default(),
        &mut |_| {},
    )
    .unwrap();
    let cx = o.counterexample().unwrap();
    assert!(
        cx.replay.contains("--max-delay 2 --delay a,b,1,2"),
        "{}",
        cx.replay
    );
}

#[test]
fn all_collects_every_minimal_counterexample() {
    let t = target(BCAST, &["a", "b", "c"], 4, 2, 0);
    let budget = Budget {
        all: true,
        ..Budget::default()
    };
    let o = harness::search(&t, Portfolio::default(), &budget, &mut |_| {}).unwrap();
    let mut found: Vec<String> = o
        .counterexamples
        .iter()
        .map(|c| c.faults.describe(&t.space().nodes))
        .collect();
    found.sort();
    assert_eq!(found, vec!["omit a->b@1", "omit a->c@1"]);
}

#[test]
fn exhaustive_search_refuses_spaces_it_cannot_finish() {
    let t = target(BCAST, &["a", "b", "c"], 11, 10, 1);
    let err = harness::search(&t, Exhaustive, &Budget::default(), &mut |_| {}).unwrap_err();
    assert!(err.to_string().contains("would not finish"), "{err}");
}

#[test]
fn a_run_limit_says_what_ran_without_naming_flags() {
    let t = target(BCAST, &["a", "b", "c"], 4, 2, 0);
    let reason = |strategy: &dyn SearchStrategy, max_runs| {
        let budget = Budget {
            max_runs: Some(max_runs),
            ..Budget::default()
        };
        match harness::search(&t, strategy, &budget, &mut |_| {})
            .unwrap()
            .verdict
        {
            Verdict::Inconclusive { reason } => reason,
            other => panic!("expected inconclusive, got {other:?}"),
        }
    };
    // Lineage makes the failure-free run even under a limit of 0.
    let zero = reason(&Lineage, 0);
    assert!(
        zero.starts_with(
            "stopped at the run limit (0 runs) after 1 run (the failure-free run is always made)"
        ),
        "{zero}"
    );
    let one = reason(&Lineage, 1);
    assert!(
        one.starts_with("stopped at the run limit (1 run) after 1 run;"),
        "{one}"
    );
    // Random search makes no failure-free run first.
    let random = reason(&Random { seed: 0 }, 0);
    assert_eq!(random, "stopped at the run limit (0 runs) after 0 runs");
    for r in [zero, one, random] {
        assert!(!r.contains("--"), "a library message names a flag: {r}");
    }
}

/// The portfolio's members race, but what it reports does not depend on
/// who was fastest: the same counterexample, runs and shrinking every time,
/// and the counterexample is subset-minimal (dropping any fault makes the
/// run good).
#[test]
fn the_portfolio_reports_the_same_minimal_counterexample_every_time() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs");
    for name in ["async_primary_backup.yaml", "paxos_quorum1.yaml"] {
        let spec = harness::Spec::load(&dir.join(name)).unwrap();
        let t = harness::target_of(&spec).unwrap();
        let once = || {
            let o =
                harness::search(&t, Portfolio::default(), &Budget::default(), &mut |_| {}).unwrap();
            let cx = o.counterexample().expect("a counterexample");
            (cx.faults.clone(), o.runs, o.shrink_runs)
        };
        let first = once();
        for _ in 0..3 {
            assert_eq!(once(), first, "{name}");
        }
        for f in first.0.iter() {
            let fewer: harness::FaultSet = first.0.iter().filter(|g| *g != f).copied().collect();
            let run = t.run(&fewer).unwrap();
            assert!(
                !matches!(t.judge(&run), harness::Judgement::Violated(_)),
                "{name}: {f:?} is not needed"
            );
        }
    }
}
