//! Property tests on random stratified programs, facts and fault schedules
//! ([`generator`]): the semi-naive engine against a naive oracle ([`naive`]),
//! provenance soundness and completeness, message fates against the
//! schedule; aggregates against a direct computation ([`aggregates`]).
//!
//! Case counts are modest so that the module runs in a few seconds; set
//! `PROPTEST_CASES` (e.g. 40000) for a deeper search.

mod aggregates;
mod generator;
mod naive;

use std::collections::BTreeSet;

use dedalus::eval::{Evaluator, Run, RunConfig};
use dedalus::load_str;
use dedalus::provenance::{Conclusion, Fate, Origin};
use dedalus::syntax::ast::{Arg, HeadTime, Literal};
use dedalus::value::Value;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};

pub(crate) use generator::schedule;
use generator::{Case, NODES};
use naive::{Env, Msg, Row, V};
use schedule::FaultSchedule;

// ---------------------------------------------------------------- helpers

/// `cases` cases, or `PROPTEST_CASES` if set (for a deeper search); no
/// regression files.
fn config(cases: u32) -> Config {
    let env = std::env::var("PROPTEST_CASES").ok();
    Config {
        cases: env.and_then(|n| n.parse().ok()).unwrap_or(cases),
        failure_persistence: None,
        ..Config::default()
    }
}

/// The case's run, or `None` if the program does not check. A targeted
/// case's faults are first aimed at the failure-free run's messages.
fn evaluate(case: &mut Case) -> Option<Run> {
    let program = load_str("gen.ded", &case.src).ok()?;
    let ev = Evaluator::new(&program, &NODES).expect("nodes are fine");
    let mut cfg = RunConfig::new(case.eot);
    cfg.eff = case.eff;
    cfg.max_delay = case.max_delay;
    if case.targeted {
        let free = ev.run(&cfg).unwrap_or_else(|e| panic!("{e}\n{case:?}"));
        let sent = free.messages().iter().map(|m| {
            let (from, to) = (free.node_name(m.from), free.node_name(m.to));
            (from.to_string(), to.to_string(), m.sent)
        });
        case.target(&sent.collect::<Vec<_>>());
    }
    cfg.faults = case.faults.resolve(&NODES);
    Some(ev.run(&cfg).unwrap_or_else(|e| panic!("{e}\n{case:?}")))
}

/// Runs a generated case through `check`, naming the final schedule on failure.
fn property(
    mut case: Case,
    check: impl FnOnce(&Case, &Run) -> Result<(), TestCaseError>,
) -> Result<(), TestCaseError> {
    let run = evaluate(&mut case);
    prop_assume!(run.is_some(), "the program does not check");
    check(&case, &run.unwrap()).map_err(|e| match e {
        TestCaseError::Fail(why) => TestCaseError::fail(format!("{why}\nwith {case:?}")),
        reject => reject,
    })
}

fn v(run: &Run, x: Value) -> V {
    match x {
        Value::Int(i) => V::Int(i),
        Value::Str(s) => V::Str(run.interner().resolve(s).to_string()),
    }
}

fn row(run: &Run, xs: &[Value]) -> Row {
    xs.iter().map(|&x| v(run, x)).collect()
}

fn rel_name(run: &Run, rel: u32) -> &str {
    &run.program().relations()[rel as usize].name
}

fn node_v(run: &Run, n: u32) -> V {
    V::Str(run.node_name(n).to_string())
}

fn messages(run: &Run) -> Vec<Msg> {
    let p = run.provenance();
    let msg = |m: &dedalus::provenance::Message| {
        let to = run.node_name(m.to).to_string();
        let (rel, vals) = (
            rel_name(run, m.rel).to_string(),
            row(run, p.message_values(m)),
        );
        (
            m.sent,
            run.node_name(m.from).to_string(),
            to,
            rel,
            vals,
            m.received,
        )
    };
    run.messages().iter().map(msg).collect()
}

// ---------------------------------------------------------------- properties

/// Every relation at every time, and every message, as the naive oracle has them.
fn check_against_naive(case: &Case, run: &Run) -> Result<(), TestCaseError> {
    let oracle = naive::evaluate(run.program(), &NODES, case.eot, &case.faults);
    for r in run.program().relations() {
        for t in 1..=case.eot {
            let got: BTreeSet<Row> = run
                .relation_at(&r.name, t)
                .iter()
                .map(|x| row(run, x))
                .collect();
            prop_assert_eq!(
                &got,
                &oracle.tables[t as usize][&r.name],
                "{}@{}",
                r.name,
                t
            );
        }
    }
    let got = messages(run);
    let set: BTreeSet<Msg> = got.iter().cloned().collect();
    prop_assert_eq!(got.len(), set.len(), "a message is listed twice");
    prop_assert_eq!(set, oracle.messages);
    Ok(())
}

/// Each firing re-derives its conclusion from its rule, binding and premises.
fn check_soundness(_: &Case, run: &Run) -> Result<(), TestCaseError> {
    let prov = run.provenance();
    for f in prov.firings() {
        let rule = &run.program().rules()[f.rule as usize];
        if rule.head.args.iter().any(|a| matches!(a, Arg::Agg(_))) {
            continue; // checked by `aggregates_match_a_direct_computation`
        }
        let names = run.rule_vars(f.rule);
        let binding = prov.binding(f);
        prop_assert_eq!(names.len(), binding.len());
        let env: Env = names
            .iter()
            .cloned()
            .zip(binding.iter().map(|&x| v(run, x)))
            .collect();
        let at = |a: &dedalus::syntax::ast::BodyAtom| a.time.map_or(f.time, |n| n as u32);
        // Positive premises, in body order, match the atoms under the binding.
        let premises = prov.firing_premises(f);
        prop_assert_eq!(premises.len(), naive::atoms(rule, false).count());
        for (a, &p) in naive::atoms(rule, false).zip(premises) {
            let tuple = run.tuple(p);
            prop_assert_eq!(rel_name(run, tuple.rel), &a.atom.name.name);
            prop_assert_eq!(tuple.time, at(a));
            prop_assert!(naive::unify(
                &a.atom.args,
                &row(run, tuple.values),
                &mut env.clone()
            ));
        }
        for l in &rule.body {
            if let Literal::Cmp(c) = l {
                prop_assert!(naive::holds(c, &env), "comparison {:?}", c.op);
            }
        }
        // Negated atoms: recorded with their pattern, and really absent.
        let absent = prov.absent(f);
        prop_assert_eq!(absent.len(), naive::atoms(rule, true).count());
        for (a, ab) in naive::atoms(rule, true).zip(absent) {
            prop_assert_eq!(rel_name(run, ab.rel), &a.atom.name.name);
            prop_assert_eq!(ab.time, at(a));
            let pattern: Vec<Option<V>> = prov
                .pattern(ab)
                .iter()
                .map(|x| x.map(|x| v(run, x)))
                .collect();
            let expected: Vec<Option<V>> = a
                .atom
                .args
                .iter()
                .map(|x| match x {
                    Arg::Expr(e) => naive::eval(e, &env),
                    Arg::Agg(_) => unreachable!(),
                })
                .collect();
            prop_assert_eq!(&pattern, &expected);
            if (1..=f.time).contains(&ab.time) {
                for r in run.rows(ab.rel, ab.time) {
                    prop_assert!(
                        !naive::unify(&a.atom.args, &row(run, r.values), &mut env.clone()),
                        "{} holds, yet firing {:?} checked it absent",
                        run.show_tuple(r.id),
                        f
                    );
                }
            }
        }
        // Location: the first argument of the first literal.
        let loc = match &rule.body[0] {
            Literal::Atom(a) if !a.negated => row(run, run.tuple(premises[0]).values)[0].clone(),
            Literal::Atom(a) => naive::eval(
                match &a.atom.args[0] {
                    Arg::Expr(e) => e,
                    Arg::Agg(_) => unreachable!(),
                },
                &env,
            )
            .unwrap(),
            Literal::Cmp(_) => unreachable!("checked programs start with an atom"),
        };
        prop_assert_eq!(&loc, &node_v(run, f.location));
        // Conclusion: the head under the binding, at the right time (rules
        // with `@next`/`@async` heads are not evaluated at EOT).
        if rule.time != HeadTime::Now {
            prop_assert!(f.time < run.eot(), "{:?} fired at EOT", rule.time);
        }
        let head = naive::head(rule, &env);
        let head_rel = run.program().relation(&rule.head.name.name).unwrap();
        match (rule.time, f.conclusion) {
            (HeadTime::Now | HeadTime::Next, Conclusion::Tuple(id)) => {
                let tuple = run.tuple(id);
                let dt = u32::from(rule.time == HeadTime::Next);
                prop_assert_eq!((tuple.rel, tuple.time), (head_rel, f.time + dt));
                prop_assert_eq!(row(run, tuple.values), head);
            }
            (HeadTime::Async, Conclusion::Message(m)) => {
                let m = prov.message(m);
                prop_assert_eq!((m.rel, m.from, m.sent), (head_rel, f.location, f.time));
                prop_assert_eq!(&node_v(run, m.to), &head[0]);
                prop_assert_eq!(row(run, prov.message_values(m)), head);
            }
            (kind, c) => prop_assert!(false, "a {kind:?} rule concluded {c:?}"),
        }
    }
    Ok(())
}

/// Every tuple has an origin, and every origin stands for that tuple.
fn check_completeness(case: &Case, run: &Run) -> Result<(), TestCaseError> {
    let prov = run.provenance();
    prop_assert_eq!(prov.tuple_count(), run.tuple_count());
    for id in 0..run.tuple_count() as u32 {
        let tuple = run.tuple(id);
        let (name, vals) = (rel_name(run, tuple.rel), row(run, tuple.values));
        prop_assert_eq!(run.find(tuple.rel, tuple.values, tuple.time), Some(id));
        let origins = prov.origins(id);
        prop_assert!(!origins.is_empty(), "{} has no origin", run.show_tuple(id));
        for &o in origins {
            match o {
                Origin::Fact(i) => {
                    let fact = &run.program().facts()[i as usize];
                    prop_assert_eq!(
                        (&fact.atom.name.name[..], fact.time),
                        (name, u64::from(tuple.time))
                    );
                    let folded: Row = fact
                        .atom
                        .args
                        .iter()
                        .map(|a| match a {
                            Arg::Expr(e) => naive::eval(e, &Env::new()).unwrap(),
                            Arg::Agg(_) => unreachable!(),
                        })
                        .collect();
                    prop_assert_eq!(&folded, &vals);
                }
                Origin::Crash => {
                    prop_assert_eq!(name, "crash");
                    prop_assert!(NODES.iter().any(|n| vals[0] == V::Str(n.to_string())));
                    prop_assert!(
                        case.faults
                            .crashes
                            .iter()
                            .any(|c| vals[1..] == [V::Str(c.node.clone()), V::Int(c.time.into())])
                    );
                }
                Origin::Firing(fid) => {
                    prop_assert_eq!(prov.firing(fid).conclusion, Conclusion::Tuple(id));
                }
                Origin::Message(m) => {
                    let m = prov.message(m);
                    prop_assert_eq!((m.received, m.delivered), (Some(tuple.time), Some(id)));
                    prop_assert_eq!(m.rel, tuple.rel);
                    prop_assert_eq!(row(run, prov.message_values(m)), vals.clone());
                }
            }
        }
    }
    Ok(())
}

/// Each message's fate and arrival follow from the schedule (§5, §10).
fn check_fates(case: &Case, run: &Run) -> Result<(), TestCaseError> {
    let f: &FaultSchedule = &case.faults;
    for (id, m) in run.messages().iter().enumerate() {
        let (from, to, sent) = (run.node_name(m.from), run.node_name(m.to), m.sent);
        prop_assert!(sent < case.eot, "sent at EOT: {m:?}");
        let crash = f
            .crashes
            .iter()
            .find(|c| c.node == from && c.time <= sent && from != to);
        let omitted = f
            .omissions
            .iter()
            .any(|o| (&o.from[..], &o.to[..], o.time) == (from, to, sent));
        let delay = f
            .delays
            .iter()
            .find(|d| (&d.from[..], &d.to[..], d.time) == (from, to, sent));
        let expected = match (crash, omitted, delay) {
            (Some(c), _, _) => Fate::Crashed(c.time),
            (None, true, _) => Fate::Omitted,
            (None, false, Some(d)) => Fate::Delayed(d.by),
            (None, false, None) => Fate::Delivered,
        };
        prop_assert_eq!(m.fate, expected, "{:?}", m);
        let arrival = match m.fate {
            Fate::Delivered => Some(sent + 1),
            Fate::Delayed(d) => Some(sent + 1 + d),
            Fate::Omitted | Fate::Crashed(_) => None,
        };
        prop_assert_eq!(m.received, arrival.filter(|&a| a <= case.eot), "{:?}", m);
        prop_assert_eq!(m.delivered.is_some(), m.received.is_some());
        for &f in run.provenance().senders(m) {
            prop_assert_eq!(
                run.provenance().firing(f).conclusion,
                Conclusion::Message(id as u32)
            );
        }
        prop_assert!(
            !run.provenance().senders(m).is_empty(),
            "message without sender"
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(1000))]

    #[test]
    fn semi_naive_agrees_with_naive(case in generator::case()) {
        property(case, check_against_naive)?;
    }
}

proptest! {
    #![proptest_config(config(500))]

    #[test]
    fn provenance_is_sound(case in generator::case()) {
        property(case, check_soundness)?;
    }

    #[test]
    fn provenance_is_complete(case in generator::case()) {
        property(case, check_completeness)?;
    }

    #[test]
    fn message_fates_follow_the_schedule(case in generator::case()) {
        property(case, check_fates)?;
    }
}

/// Most generated programs check, and the runs exercise what the properties
/// are about (rules firing, negation, messages, faults hitting them).
#[test]
fn generated_programs_mostly_check_and_do_things() {
    let mut runner = TestRunner::deterministic();
    let strategy = generator::case();
    let [mut ok, mut fire, mut neg, mut sent, mut hit] = [0; 5];
    for _ in 0..200 {
        let mut case = strategy.new_tree(&mut runner).unwrap().current();
        let Some(run) = evaluate(&mut case) else {
            continue;
        };
        let prov = run.provenance();
        // Ignore the persistence rules `p(..)@next :- p(..);`.
        let own = |f: &&dedalus::provenance::Firing| {
            run.program().rules()[f.rule as usize].body.len() > 1
        };
        ok += 1;
        fire += usize::from(prov.firings().iter().filter(own).count() > 0);
        neg += usize::from(prov.firings().iter().any(|f| !prov.absent(f).is_empty()));
        sent += usize::from(!run.messages().is_empty());
        hit += usize::from(run.messages().iter().any(|m| m.fate != Fate::Delivered));
    }
    eprintln!(
        "of 200: {ok} check, {fire} fire a rule, {neg} a negation, {sent} send, {hit} lose or delay"
    );
    assert!(ok >= 160, "only {ok} of 200 generated programs check");
    assert!(
        fire >= 100 && neg >= 60 && sent >= 50 && hit >= 20,
        "the generator has gone dull"
    );
}
