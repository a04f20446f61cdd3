//! One small protocol per repair family, with a good and a failed run:
//! each test fails when its family is removed from the registry.

use dedalus::Program;
use dedalus::eval::{Evaluator, Run, RunConfig};
use dedalus::faults::Fault;
use nemo::Candidate;

/// A fault, by node names: `Omit(from, to, t)` or `Delay(from, to, t, by)`.
enum F {
    Omit(&'static str, &'static str, u32),
    Delay(&'static str, &'static str, u32, u32),
}

fn run(program: &Program, nodes: &[&str], eot: u32, faults: &[F]) -> Run {
    let eval = Evaluator::new(program, nodes).expect("compiles");
    let mut cfg = RunConfig::new(eot);
    cfg.eff = eot - 1;
    cfg.max_delay = 2;
    let id = |n: &str| eval.node_id(n).expect("a node");
    cfg.faults = faults
        .iter()
        .map(|f| match *f {
            F::Omit(from, to, time) => Fault::Omission {
                from: id(from),
                to: id(to),
                time,
            },
            F::Delay(from, to, time, by) => Fault::Delay {
                from: id(from),
                to: id(to),
                time,
                by,
            },
        })
        .collect();
    eval.run(&cfg).expect("runs")
}

/// The candidates of `kind` for `src`'s failure under `faults` (the
/// failure-free run is the good one).
fn proposed(src: &str, nodes: &[&str], eot: u32, faults: &[F], kind: &str) -> Vec<Candidate> {
    let program = dedalus::load_str("family.ded", src).expect("loads");
    let good = run(&program, nodes, eot, &[]);
    assert!(
        good.violations().expect("spec").is_empty(),
        "good run fails"
    );
    assert!(good.pre_count() > 0, "good run is vacuous");
    let failed = run(&program, nodes, eot, faults);
    assert!(
        !failed.violations().expect("spec").is_empty(),
        "the faults do not break it"
    );
    let (cands, _) = nemo::candidates(&program, &good, &failed);
    let mine: Vec<Candidate> = cands
        .into_iter()
        .filter(|c| c.kind.name() == kind)
        .collect();
    // Every candidate loads.
    for c in &mine {
        let patch = c.patch(&program);
        dedalus::load_str("patched.ded", &patch.files[0].patched).expect("patched loads");
        assert!(c.scope(&program).is_ok());
    }
    mine
}

/// A received value stored without `@next`: it is joined with a token that
/// a delay makes arrive one step later, when the value is gone.
const VANISHING: &str = r#"
peer(A, C)@next :- peer(A, C);
tok(C)@next :- tok(C);
done(C, V)@next :- done(C, V);
sent(A, V)@next :- sent(A, V);
data(C, V)@async :- put(A, V), peer(A, C);
token(C, B)@async :- start(B), peer(B, C);
sent(A, V) :- put(A, V);
stored(C, V) :- data(C, V);
tok(C) :- token(C, _);
done(C, V) :- stored(C, V), tok(C);
peer("a", "c")@1; peer("b", "c")@1;
put("a", "v")@1; start("b")@1;
pre(V) :- sent(_, V);
post(V) :- done(_, V);
"#;

#[test]
fn persistence_keeps_the_received_value() {
    let c = proposed(
        VANISHING,
        &["a", "b", "c"],
        6,
        &[F::Delay("b", "c", 1, 1)],
        "persistence",
    );
    let rules: Vec<String> = c.iter().flat_map(Candidate::rules).collect();
    assert!(
        rules.contains(&"stored(X1, X2)@next :- stored(X1, X2);".to_string()),
        "{rules:?}"
    );
}

/// A quorum write that reports success after one acknowledgement of three.
const QUORUM: &str = r#"
rep(C, R)@next :- rep(C, R);
stored(R, V)@next :- stored(R, V);
acked(C, R)@next :- acked(C, R);
write(R, C, V)@async :- put(C, V), rep(C, R);
stored(R, V) :- write(R, _, V);
ack(C, R)@async :- write(R, C, _);
acked(C, R) :- ack(C, R);
nacks(C, count<R>) :- acked(C, R);
ok(C) :- nacks(C, N), N >= 1;
ok(C)@next :- ok(C);
rep("c", "r1")@1; rep("c", "r2")@1; rep("c", "r3")@1;
put("c", "v")@1;
val(C, V)@next :- val(C, V);
val("c", "v")@1;
pre(V) :- ok(C), val(C, V);
post(V) :- stored(R1, V), stored(R2, V), R1 != R2;
"#;

#[test]
fn threshold_requires_one_more_acknowledgement() {
    let c = proposed(
        QUORUM,
        &["c", "r1", "r2", "r3"],
        6,
        &[F::Omit("c", "r2", 1), F::Omit("c", "r3", 1)],
        "threshold",
    );
    assert_eq!(
        c.len(),
        1,
        "{:?}",
        c.iter().map(|c| &c.summary).collect::<Vec<_>>()
    );
    assert_eq!(c[0].rules(), ["ok(C) :- nacks(C, N), N >= 2;"]);
}

/// A leader that counts acknowledgements across entries.
const LOG: &str = r#"
follower(L, F)@next :- follower(L, F);
entry(L, I)@next :- entry(L, I);
acked(L, F, I)@next :- acked(L, F, I);
log(F, I)@next :- log(F, I);
committed(L, I)@next :- committed(L, I);
entry(L, I) :- new(L, I);
append(F, L, I)@async :- new(L, I), follower(L, F);
log(F, I) :- append(F, _, I);
ack(L, F, I)@async :- append(F, L, I);
acked(L, F, I) :- ack(L, F, I);
nacks(L, count<F>) :- acked(L, F, I);
committed(L, I) :- nacks(L, N), N >= 2, entry(L, I);
follower("l", "f1")@1; follower("l", "f2")@1;
new("l", "e1")@1; new("l", "e2")@2;
pre(I) :- committed(_, I);
post(I) :- log(F1, I), log(F2, I), F1 != F2;
"#;

#[test]
fn grouping_counts_per_entry() {
    let c = proposed(
        LOG,
        &["l", "f1", "f2"],
        7,
        &[F::Omit("l", "f1", 2), F::Omit("l", "f2", 2)],
        "grouping",
    );
    let per_entry = c
        .iter()
        .find(|c| c.summary.contains("by `I`"))
        .unwrap_or_else(|| panic!("{:?}", c.iter().map(|c| &c.summary).collect::<Vec<_>>()));
    assert_eq!(
        per_entry.rules(),
        [
            "nacks(L, I, count<F>) :- acked(L, F, I);",
            "committed(L, I) :- nacks(L, I, N), N >= 2, entry(L, I);",
        ]
    );
}

/// A coordinator whose deadline branch commits where it must abort.
const DEADLINE: &str = r#"
part(C, P)@next :- part(C, P);
vote(C, P)@next :- vote(C, P);
decision(C, D)@next :- decision(C, D);
prepare(P, C)@async :- begin(C), part(C, P);
yes(C, P)@async :- prepare(P, C);
vote(C, P) :- yes(C, P);
nyes(C, count<P>) :- vote(C, P);
voted(C) :- nyes(C, N), N >= 2;
decision(C, "commit") :- voted(C);
decision(C, "abort") :- refused(C, _);
decision(C, "commit") :- timeout(C), notin voted(C);
part("c", "p1")@1; part("c", "p2")@1;
begin("c")@1; timeout("c")@4;
pre(C) :- decision(C, "commit");
post(C) :- voted(C);
"#;

#[test]
fn fallback_aborts_on_the_deadline() {
    let c = proposed(
        DEADLINE,
        &["c", "p1", "p2"],
        6,
        &[F::Omit("p1", "c", 2)],
        "fallback",
    );
    assert_eq!(c.len(), 1);
    assert_eq!(
        c[0].rules(),
        ["decision(C, \"abort\") :- timeout(C), notin voted(C);"]
    );
}

/// A retried increment keyed by its attempt number: applied twice when the
/// first attempt's acknowledgement is lost.
const COUNTER: &str = r#"
target(C, R)@next :- target(C, R);
issued(C, Op, A)@next :- issued(C, Op, A);
acked(C, Op)@next :- acked(C, Op);
ledger(R, Op, Att, A)@next :- ledger(R, Op, Att, A);
incr(R, C, Op, 1, A)@async :- first(C), issued(C, Op, A), target(C, R);
incr(R, C, Op, 2, A)@async :- again(C), issued(C, Op, A), target(C, R), notin acked(C, Op);
ledger(R, Op, Att, A) :- incr(R, _, Op, Att, A);
done(C, Op)@async :- incr(R, C, Op, _, _);
acked(C, Op) :- done(C, Op);
value(R, sum<A>) :- ledger(R, Op, Att, A);
intended(C, sum<A>) :- issued(C, Op, A);
target("app", "ctr")@1; issued("app", "o1", 5)@1; first("app")@1; again("app")@3;
pre(R, V) :- value(R, V);
post(R, V) :- value(R, V), intended(C, I), V <= I;
"#;

#[test]
fn idempotence_keys_the_ledger_without_the_attempt() {
    let c = proposed(
        COUNTER,
        &["app", "ctr"],
        6,
        &[F::Omit("ctr", "app", 2)],
        "idempotence",
    );
    assert_eq!(
        c.len(),
        1,
        "{:?}",
        c.iter().map(|c| &c.summary).collect::<Vec<_>>()
    );
    assert_eq!(
        c[0].rules(),
        [
            "ledger(R, Op, A)@next :- ledger(R, Op, A);",
            "ledger(R, Op, A) :- incr(R, _, Op, Att, A);",
            "value(R, sum<A>) :- ledger(R, Op, A);",
        ]
    );
}
