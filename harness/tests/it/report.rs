//! Tests: the report model and its renderers (text, JSON, saved YAML, the
//! run and why renderers) agree with the search outcome they render.

use harness::report::saved::SavedCounterexample;
use harness::report::{self, MessageFate, Report};
use harness::{Budget, Expect, FaultSet, Portfolio, Verdict};
use serde_json::Value as Json;

use crate::ldfi::{BCAST, target};

fn violated() -> (harness::Target, harness::Outcome) {
    let t = target(BCAST, &["a", "b", "c"], 4, 2, 0);
    let o = harness::search(&t, Portfolio::default(), &Budget::default(), &mut |_| {}).unwrap();
    assert!(matches!(o.verdict, Verdict::Violated));
    (t, o)
}

#[test]
fn the_json_document_is_the_model_serialised() {
    let (t, o) = violated();
    let good = t.run(&FaultSet::none()).unwrap();
    let r = Report::new(&o).seed(Some(9)).good_run(&good);
    let json: Json = serde_json::from_str(&report::json(&r).unwrap()).unwrap();
    assert_eq!(json["verdict"], "violated");
    assert_eq!(json["runs"], o.runs);
    assert_eq!(json["seed"], 9);
    assert_eq!(json["counterexample"], json["counterexamples"][0]);
    let cx = &r.counterexamples[0];
    assert_eq!(json["counterexample"]["replay"], cx.replay.as_str());
    let messages = json["counterexample"]["messages"].as_array().unwrap();
    assert_eq!(messages.len(), cx.run.messages.len());
    for (m, j) in cx.run.messages.iter().zip(messages) {
        assert_eq!(j["from"], m.from.as_str());
        assert_eq!(j["sent"], m.sent);
        assert_eq!(j["fate"], serde_json::to_value(m.fate).unwrap());
    }
    // Without a spec there is no `spec`, `expect` or `met`; the fields only
    // renderers read stay out of the document.
    for absent in ["spec", "expect", "met", "bounds", "strategy", "good"] {
        assert!(json.get(absent).is_none(), "{absent}: {json}");
    }
    assert_eq!(r.strategy, harness::portfolio::ID);
    assert_eq!(r.bounds.nodes, ["a", "b", "c"]);
}

#[test]
fn the_failing_run_departs_from_the_good_run_it_is_compared_with() {
    let (t, o) = violated();
    let good = t.run(&FaultSet::none()).unwrap();
    let r = Report::new(&o).good_run(&good);
    let good = r.good.as_ref().expect("the good run");
    assert!(good.faults.omissions.is_empty());
    assert!(
        good.messages
            .iter()
            .all(|m| m.fate == MessageFate::Delivered)
    );
    let bad = &r.counterexamples[0].run;
    assert_eq!(bad.faults.omissions.len(), 1);
    let (from, to, sent) = &bad.faults.omissions[0];
    let lost: Vec<_> = bad
        .messages
        .iter()
        .filter(|m| m.fate == MessageFate::Omitted)
        .collect();
    assert_eq!(lost.len(), 1);
    assert_eq!(
        (&lost[0].from, &lost[0].to, lost[0].sent),
        (from, to, *sent)
    );
    assert_eq!(lost[0].received, None);
    // The same message, delivered, in the good run.
    assert!(
        good.messages
            .iter()
            .any(|m| m.from == *from && m.to == *to && m.sent == *sent && m.tuple == lost[0].tuple)
    );
}

#[test]
fn text_shows_each_message_of_the_trace_and_the_replay_line() {
    let (_, o) = violated();
    let r = Report::new(&o);
    let text = report::text::outcome(&r);
    assert!(text.starts_with("VIOLATED: "), "{text}");
    assert!(text.contains("strategy portfolio;"), "{text}");
    let cx = &r.counterexamples[0];
    assert!(
        text.contains(&format!("counterexample: {}\n", cx.summary)),
        "{text}"
    );
    assert!(
        text.contains(&report::text::messages(&cx.run.messages)),
        "{text}"
    );
    assert!(
        text.contains(&format!("  replay: {}\n", cx.replay)),
        "{text}"
    );
    assert!(text.contains("LOST (omission)"), "{text}");
}

#[test]
fn a_saved_counterexample_reads_back_its_program_bounds_and_faults() {
    let (_, o) = violated();
    let r = Report::new(&o);
    let cx = &r.counterexamples[0];
    let saved = SavedCounterexample::new(&r, cx, vec!["../p.ded".into()]);
    let yaml = saved.to_yaml().unwrap();
    // Keys sorted, as every saved file has them.
    let keys: Vec<&str> = yaml
        .lines()
        .filter(|l| !l.starts_with([' ', '-']))
        .map(|l| l.split(':').next().unwrap())
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    let back = SavedCounterexample::from_yaml(&yaml).unwrap();
    assert_eq!(back.program, ["../p.ded"]);
    assert_eq!(back.nodes, r.bounds.nodes);
    assert_eq!((back.eot, back.eff), (4, 2));
    assert_eq!(back.faults, cx.run.faults);
    assert!(SavedCounterexample::from_yaml("program: [x]\n").is_err());
}

#[test]
fn an_expectation_is_met_only_by_its_verdict() {
    let (_, o) = violated();
    let mut spec = harness::Spec::load(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs/simple_broadcast.yaml"),
    )
    .unwrap();
    for (expect, met) in [
        (Some(Expect::Violated), true),
        (Some(Expect::Holds), false),
        (Some(Expect::Vacuous), false),
        (None, true),
    ] {
        spec.expect = expect;
        let r = Report::new(&o).spec(&spec);
        assert_eq!(r.met(), met, "{expect:?}");
        assert_eq!(r.expectation.map(|e| e.met), expect.map(|_| met));
        let text = report::text::check(&r);
        assert!(text.starts_with("spec "), "{text}");
        assert_eq!(
            text.contains("expectation NOT met"),
            expect.is_some() && !met,
            "{text}"
        );
    }
}

#[test]
fn why_finds_a_tuple_or_says_what_holds_instead() {
    let t = target(BCAST, &["a", "b", "c"], 4, 2, 0);
    let run = t.run(&FaultSet::none()).unwrap();
    let id = report::why::goal(&run, "log(\"b\", \"hello\")@3", 4).unwrap();
    let tree = report::why::tree(&run, id);
    assert!(tree.starts_with("why log(\"b\", \"hello\")@3:\n"), "{tree}");
    assert!(tree.contains("message a -> b sent at"), "{tree}");
    let absent = report::why::goal(&run, "log(\"b\", \"bye\")@3", 4).unwrap_err();
    assert!(
        matches!(absent, report::why::GoalError::Absent { .. }),
        "{absent}"
    );
    assert!(
        absent.to_string().contains("`log` at t=3 holds:"),
        "{absent}"
    );
    let garbage = report::why::goal(&run, "log(\"b\",", 4).unwrap_err();
    assert!(
        matches!(
            garbage,
            report::why::GoalError::NotATuple {
                rendered: Some(_),
                ..
            }
        ),
        "{garbage}"
    );
    assert!(!garbage.to_string().contains("--"), "{garbage}");
}

#[test]
fn check_reports_a_counterexample_beside_the_failure_free_run() {
    let spec =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs/simple_broadcast.yaml");
    let r = harness::check(&spec).unwrap();
    r.assert_violated();
    assert!(r.met());
    assert_eq!(r.expect(), Some(Expect::Violated));
    let good = r.good.as_ref().expect("the failure-free run");
    assert!(good.faults.omissions.is_empty());
    assert_eq!(good.messages.len(), r.counterexamples[0].run.messages.len());
}
