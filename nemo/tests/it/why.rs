//! Tests: wat-provenance. The key-value store examples of the wat talk
//! encoded in Dedalus (protocols/kv_*.ded) get their exact answers; every
//! exact answer equals brute force over all sub-traces; too many candidate
//! inputs give the lineage, labelled an approximation.

use dedalus::eval::{Evaluator, Run, RunConfig};
use dedalus::provenance::TupleId;
use nemo::why::{Input, WatProvenance, candidates, produces, wat};

fn run_of(file: &str, nodes: &[&str], eot: u32) -> Run {
    let path = format!("{}/../protocols/{file}", env!("CARGO_MANIFEST_DIR"));
    let program = dedalus::load_files(&[path]).expect("loads");
    let eval = Evaluator::new(&program, nodes).expect("compiles");
    eval.run(&RunConfig::new(eot)).expect("runs")
}

fn run_src(src: &str, nodes: &[&str], eot: u32) -> Run {
    let program = dedalus::load_str("t.ded", src).expect("loads");
    let eval = Evaluator::new(&program, nodes).expect("compiles");
    eval.run(&RunConfig::new(eot)).expect("runs")
}

/// The tuple shown as `rel(args)@t`.
fn tuple(run: &Run, shown: &str) -> TupleId {
    (0..run.tuple_count() as TupleId)
        .find(|&t| run.show_tuple(t) == shown)
        .unwrap_or_else(|| panic!("{shown} does not hold"))
}

/// Each witness as the sorted source texts of its inputs (facts as
/// written, messages as `from->to@sent`).
fn shown(run: &Run, answer: &WatProvenance) -> Vec<Vec<String>> {
    answer
        .witnesses
        .iter()
        .map(|w| w.inputs.iter().map(|i| input(run, i)).collect())
        .collect()
}

fn input(run: &Run, i: &Input) -> String {
    match *i {
        Input::Fact(f) => {
            let program = run.program();
            program
                .sources()
                .snippet(program.facts()[f].span)
                .trim_end_matches(';')
                .to_string()
        }
        Input::Message(d) => {
            let m = &run.messages()[d.id as usize];
            format!(
                "{}->{}@{} {}",
                run.node_name(d.from),
                run.node_name(d.to),
                d.sent,
                run.show_atom(m.rel, run.provenance().message_values(m))
            )
        }
    }
}

/// The wat-provenance by brute force: every sub-trace of the candidates
/// replayed, the closed ones kept, the minimal of those.
fn brute_force(run: &Run, goal: TupleId) -> Vec<Vec<Input>> {
    let cands = candidates(run, goal);
    let n = cands.len();
    assert!(n <= 10, "{n} candidates: too many for brute force");
    let holds: Vec<bool> = (0u32..1 << n)
        .map(|kept| {
            let removed: Vec<Input> = (0..n)
                .filter(|&i| kept & (1 << i) == 0)
                .map(|i| cands[i].clone())
                .collect();
            produces(run, goal, &removed).expect("replays")
        })
        .collect();
    let closed = |w: u32| (0u32..1 << n).all(|s| s & w != w || holds[s as usize]);
    let mut out: Vec<Vec<Input>> = (0u32..1 << n)
        .filter(|&w| closed(w))
        .filter(|&w| (0..n).all(|i| w & (1 << i) == 0 || !closed(w & !(1 << i))))
        .map(|w| {
            let mut v: Vec<Input> = (0..n)
                .filter(|&i| w & (1 << i) != 0)
                .map(|i| cands[i].clone())
                .collect();
            v.sort();
            v
        })
        .collect();
    out.sort_by(|a, b| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
    out
}

fn check_exact(run: &Run, goal: TupleId, expected: &[&[&str]]) {
    let answer = wat(run, goal).expect("answers");
    assert!(answer.exact());
    let expected: Vec<Vec<String>> = expected
        .iter()
        .map(|w| w.iter().map(|s| s.to_string()).collect())
        .collect();
    assert_eq!(shown(run, &answer), expected);
    let witnesses: Vec<Vec<Input>> = answer.witnesses.iter().map(|w| w.inputs.clone()).collect();
    assert_eq!(
        witnesses,
        brute_force(run, goal),
        "differs from brute force"
    );
}

#[test]
fn the_most_recent_set_wins() {
    let run = run_of("kv_last_set.ded", &["kv"], 8);
    let goal = tuple(&run, r#"answer("kv", "b", 1)@8"#);
    // Not set(b, 2)@1: the later set(b, 1) overwrites it, so adding it back
    // never changes the answer; it is in no minimal witness.
    let answer = wat(&run, goal).unwrap();
    assert_eq!(
        shown(&run, &answer),
        vec![vec![
            r#"set("kv", "b", 1)@4"#.to_string(),
            r#"get("kv", "b")@8"#.to_string()
        ]]
    );
    // Brute force over 2^8 sub-traces agrees.
    assert_eq!(answer.candidates.len(), 8);
    let witnesses: Vec<Vec<Input>> = answer.witnesses.iter().map(|w| w.inputs.clone()).collect();
    assert_eq!(witnesses, brute_force(&run, goal));
}

#[test]
fn set_add_sub_need_the_whole_trace_of_their_key() {
    let run = run_of("kv_arith.ded", &["kv"], 4);
    check_exact(
        &run,
        tuple(&run, r#"answer("kv", "x", 6)@4"#),
        &[&[
            r#"set("kv", "x", 5)@1"#,
            r#"add("kv", "x", 3)@2"#,
            r#"sub("kv", "x", 2)@3"#,
            r#"get("kv", "x")@4"#,
        ]],
    );
    // The value after the add needs the set and the add only.
    check_exact(
        &run,
        tuple(&run, r#"val("kv", "x", 8)@2"#),
        &[&[r#"set("kv", "x", 5)@1"#, r#"add("kv", "x", 3)@2"#]],
    );
}

#[test]
fn a_difference_needs_the_input_that_blocks_its_notin() {
    let run = run_of("kv_pardon.ded", &["db", "admin", "auditor"], 3);
    let pardon = [
        "issue_pardon(\"auditor\", \"db\", \"u\")@1",
        "auditor->db@1 pardon(\"db\", \"auditor\", \"u\")",
    ];
    check_exact(
        &run,
        tuple(&run, r#"allowed("db", "u")@2"#),
        &[
            &[r#"member("db", "u")@1"#, pardon[0], pardon[1]],
            &[r#"invited("db", "u")@2"#, pardon[0], pardon[1]],
        ],
    );
    // Membership alone produces it (a witness), but is not closed: adding
    // back the ban takes it away.
    let goal = tuple(&run, r#"allowed("db", "u")@2"#);
    let cands = candidates(&run, goal);
    let all_but_membership: Vec<Input> = cands
        .iter()
        .filter(|i| input(&run, i) != r#"member("db", "u")@1"#)
        .cloned()
        .collect();
    assert!(produces(&run, goal, &all_but_membership).unwrap());
    let without_pardon: Vec<Input> = cands
        .iter()
        .filter(|i| pardon.contains(&input(&run, i).as_str()))
        .cloned()
        .collect();
    assert!(!produces(&run, goal, &without_pardon).unwrap());
    // At t=1 nothing has arrived: membership is the whole answer.
    check_exact(
        &run,
        tuple(&run, r#"allowed("db", "u")@1"#),
        &[&[r#"member("db", "u")@1"#]],
    );
}

#[test]
fn many_candidates_give_the_lineage_labelled_approximate() {
    let mut src = String::from("seen(N, count<X>) :- vote(N, X);\n");
    for i in 0..20 {
        src += &format!("vote(\"a\", {i})@1;\n");
    }
    let run = run_src(&src, &["a"], 1);
    let goal = tuple(&run, r#"seen("a", 20)@1"#);
    let answer = wat(&run, goal).unwrap();
    assert!(!answer.exact());
    assert_eq!(answer.candidates.len(), 20);
    assert_eq!(answer.witnesses.len(), 1);
    assert_eq!(answer.witnesses[0].inputs.len(), 20);
    // With few candidates the same program is answered exactly: the count
    // needs every vote.
    let mut small = String::from("seen(N, count<X>) :- vote(N, X);\n");
    for i in 0..4 {
        small += &format!("vote(\"a\", {i})@1;\n");
    }
    let run = run_src(&small, &["a"], 1);
    let goal = tuple(&run, r#"seen("a", 4)@1"#);
    let answer = wat(&run, goal).unwrap();
    assert!(answer.exact());
    assert_eq!(answer.witnesses.len(), 1);
    assert_eq!(answer.witnesses[0].inputs.len(), 4);
}

/// Inputs are individual messages: a replay delivers only messages the run
/// delivered. Dropping `block` makes the replay send `q`, which the run
/// never sent on the same channel batch, so it is not delivered and `goal`
/// still holds: `block` is in no witness (wat-provenance, issue 18 item 1).
#[test]
fn a_message_the_run_never_sent_is_not_delivered_by_a_replay() {
    let run = run_src(
        "p(B)@async :- go(A, B);\nq(B)@async :- go(A, B), notin block(A);\n\
         goal(B) :- p(B), notin q(B);\ngo(\"a\",\"b\")@1;\nblock(\"a\")@1;\n",
        &["a", "b"],
        3,
    );
    check_exact(
        &run,
        tuple(&run, r#"goal("b")@2"#),
        &[&[r#"go("a","b")@1"#, r#"a->b@1 p("b")"#]],
    );
}

/// The program of [`fifteen_inputs_with_a_notin_blocker_answer_exactly`]:
/// `goal` needs one of `votes` votes and the pardon that blocks the ban.
fn pardoned_votes(votes: usize) -> String {
    let mut src = String::from(
        "goal(N) :- v(N, X), notin ban(N);\nban(N) :- bad(N), notin pardon(N);\n\
         bad(\"a\")@1;\npardon(\"a\")@1;\n",
    );
    for i in 0..votes {
        src += &format!("v(\"a\", {i})@1;\n");
    }
    src
}

/// 15 candidate inputs, one of which blocks a `notin` (a pardon): exact,
/// every witness a vote and the pardon (the lineage would miss the pardon).
#[test]
fn fifteen_inputs_with_a_notin_blocker_answer_exactly() {
    let run = run_src(&pardoned_votes(13), &["a"], 2);
    let goal = tuple(&run, r#"goal("a")@1"#);
    let answer = wat(&run, goal).unwrap();
    assert_eq!(answer.candidates.len(), 15);
    assert!(answer.exact(), "{:?}", answer.approximation);
    let expected: Vec<Vec<String>> = (0..13)
        .map(|i| vec![r#"pardon("a")@1"#.to_string(), format!(r#"v("a", {i})@1"#)])
        .collect();
    assert_eq!(shown(&run, &answer), expected);
    // 16 inputs too, and the same answer as brute force on a smaller case.
    let run = run_src(&pardoned_votes(14), &["a"], 2);
    let answer = wat(&run, tuple(&run, r#"goal("a")@1"#)).unwrap();
    assert_eq!(answer.candidates.len(), 16);
    assert!(answer.exact(), "{:?}", answer.approximation);
    assert_eq!(answer.witnesses.len(), 14);
    let run = run_src(&pardoned_votes(5), &["a"], 2);
    check_exact(
        &run,
        tuple(&run, r#"goal("a")@1"#),
        &(0..5)
            .map(|i| vec![r#"pardon("a")@1"#.to_string(), format!(r#"v("a", {i})@1"#)])
            .collect::<Vec<_>>()
            .iter()
            .map(|w| w.iter().map(String::as_str).collect::<Vec<_>>())
            .collect::<Vec<_>>()
            .iter()
            .map(Vec::as_slice)
            .collect::<Vec<_>>(),
    );
}

/// Through an aggregate, inputs have both polarities: closedness is then
/// checked over their supertraces, and the answer is still exact.
#[test]
fn inputs_through_an_aggregate_are_answered_exactly() {
    let mut src = String::from(
        "seen(N, count<X>) :- v(N, X);\ngoal(N) :- seen(N, C), C >= 1, notin ban(N);\n\
         ban(N) :- bad(N), notin pardon(N);\nbad(\"a\")@1;\npardon(\"a\")@1;\n",
    );
    for i in 0..8 {
        src += &format!("v(\"a\", {i})@1;\n");
    }
    let run = run_src(&src, &["a"], 2);
    let goal = tuple(&run, r#"goal("a")@1"#);
    let answer = wat(&run, goal).unwrap();
    assert!(answer.exact(), "{:?}", answer.approximation);
    assert_eq!(answer.candidates.len(), 10);
    let witnesses: Vec<Vec<Input>> = answer.witnesses.iter().map(|w| w.inputs.clone()).collect();
    assert_eq!(witnesses, brute_force(&run, goal));
    assert_eq!(witnesses.len(), 8, "a vote and the pardon, for each vote");
}

/// A fallback says why: more candidates than can be replayed exactly.
#[test]
fn a_fallback_names_its_reason() {
    let run = run_src(&pardoned_votes(20), &["a"], 2);
    let answer = wat(&run, tuple(&run, r#"goal("a")@1"#)).unwrap();
    assert_eq!(
        answer.approximation,
        Some(nemo::why::Approximation::TooManyInputs { candidates: 22 })
    );
}

/// Inputs the tuple cannot depend on are pruned, and inputs after it too.
#[test]
fn pruning_keeps_only_inputs_that_can_matter() {
    let run = run_src(
        "p(N, X) :- q(N, X);\nr(N, X) :- s(N, X);\nq(\"a\", 1)@1;\ns(\"a\", 1)@1;\nq(\"a\", 2)@2;\n",
        &["a"],
        2,
    );
    let goal = tuple(&run, r#"p("a", 1)@1"#);
    assert_eq!(candidates(&run, goal), vec![Input::Fact(0)]);
}

// The random program generator of the dedalus property tests (safe and
// stratified by construction: negation, aggregates, messages, delays).
#[path = "../../../dedalus/tests/it/props/generator.rs"]
#[allow(dead_code)]
mod generator;

mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 64,
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        /// On generated programs and runs with faults, the exact answer is
        /// brute force's, and every witness, replayed, produces the tuple.
        #[test]
        fn wat_equals_brute_force(case in generator::case(), pick in any::<u16>()) {
            let program = dedalus::load_str("gen.ded", &case.src).expect("generated programs load");
            let eval = Evaluator::new(&program, &generator::NODES).expect("compiles");
            let mut cfg = RunConfig::new(case.eot);
            cfg.eff = case.eff;
            cfg.max_delay = case.max_delay;
            cfg.faults = case.faults.resolve(&generator::NODES);
            let run = eval.run(&cfg);
            prop_assume!(run.is_ok());
            let run = run.unwrap();
            let goals: Vec<TupleId> = (0..run.tuple_count() as TupleId)
                .filter(|&t| candidates(&run, t).len() <= 8)
                .collect();
            prop_assume!(!goals.is_empty());
            let goal = goals[pick as usize % goals.len()];
            let answer = wat(&run, goal);
            prop_assume!(answer.is_ok());
            let answer = answer.unwrap();
            prop_assert!(answer.exact());
            let witnesses: Vec<Vec<Input>> =
                answer.witnesses.iter().map(|w| w.inputs.clone()).collect();
            prop_assert_eq!(&witnesses, &brute_force(&run, goal), "{}\n{}", case.src, run.show_tuple(goal));
            let cands = candidates(&run, goal);
            for w in &witnesses {
                let removed: Vec<Input> = cands.iter().filter(|i| !w.contains(i)).cloned().collect();
                prop_assert!(produces(&run, goal, &removed).unwrap());
            }
        }
    }
}
