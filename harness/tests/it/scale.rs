//! Tests: hunting at scale (`ldfi hunt --shard/--jobs/--quiet`), `ldfi
//! sweep`, and what a failed `assert_holds` leaves for the test's reader.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use crate::cli::{BROADCAST, Scratch, ldfi};

fn spec(program: &str, eot: u32, eff: u32, expect: &str) -> String {
    format!(
        "program: [../{program}]\nnodes: [a, b, c]\neot: {eot}\neff: {eff}\ncrashes: 0\nexpect: {expect}\n"
    )
}

/// Best-effort broadcast (loses a message) and its retrying version
/// (certified), each as a program and a spec.
fn corpus() -> Scratch {
    let s = Scratch::new("scale");
    s.write("bcast.ded", BROADCAST)
        .write(
            "retry.ded",
            &format!("{BROADCAST}bcast(N, P)@next :- bcast(N, P);\n"),
        )
        .write("specs/bcast.yaml", &spec("bcast.ded", 4, 2, "violated"))
        .write("specs/retry.yaml", &spec("retry.ded", 4, 2, "holds"));
    s
}

fn spec_names(ran: &Json) -> Vec<String> {
    ran["specs"]
        .as_array()
        .expect("a specs array")
        .iter()
        .map(|e| e["spec"].as_str().expect("a spec name").to_string())
        .collect()
}

#[test]
fn shards_cover_every_spec_exactly_once() {
    let s = Scratch::new("shards");
    // Specs that fail to load are quick and still listed in the summary.
    let names: Vec<String> = (0..5).map(|i| format!("s{i}.yaml")).collect();
    for n in &names {
        s.write(&format!("specs/{n}"), "program: []\n");
    }
    for shards in [1, 2, 3, 5, 7] {
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for k in 1..=shards {
            let shard = format!("{k}/{shards}");
            let ran = ldfi(
                s.path(),
                &["hunt", "specs", "--shard", &shard, "--format", "json"],
            );
            let got = spec_names(&ran.json());
            let expect_code = if got.is_empty() { 0 } else { 2 };
            assert_eq!(ran.code, expect_code, "{shard}: {}", ran.stderr);
            for name in got {
                *seen.entry(name).or_default() += 1;
            }
        }
        let all: BTreeMap<String, usize> = names.iter().map(|n| (n.clone(), 1)).collect();
        assert_eq!(seen, all, "{shards} shards");
    }
}

#[test]
fn bad_shards_and_jobs_are_clear_errors() {
    let s = corpus();
    for (args, why) in [
        (&["--shard", "0/3"][..], "K must be between 1 and N"),
        (&["--shard", "4/3"], "K must be between 1 and N"),
        (&["--shard", "x"], "expected K/N"),
        (&["--shard", "1/0"], "N must be at least 1"),
        (&["--jobs", "0"], "at least 1"),
    ] {
        let mut all = vec!["hunt", "specs"];
        all.extend(args);
        let ran = ldfi(s.path(), &all);
        assert_eq!(ran.code, 2, "{args:?}");
        assert!(ran.stderr.contains(why), "{args:?}: {}", ran.stderr);
        assert!(ran.stdout.is_empty(), "{args:?}: {}", ran.stdout);
    }
}

#[test]
fn parallel_hunts_print_what_a_sequential_one_does() {
    let s = corpus();
    s.write("specs/broken.yaml", "program: [../nope.ded]\n");
    let without_times = |j: &str| {
        let ran = ldfi(
            s.path(),
            &["hunt", "specs", "--format", "json", "--jobs", j],
        );
        assert_eq!(ran.code, 2, "{}", ran.stderr);
        let mut doc = ran.json();
        for e in doc["specs"].as_array_mut().expect("specs") {
            e["ms"] = Json::Null;
        }
        (doc, ran.stderr)
    };
    let (one, _) = without_times("1");
    let (three, stderr) = without_times("3");
    assert_eq!(one, three);
    assert_eq!(
        spec_names(&one),
        ["bcast.yaml", "broken.yaml", "retry.yaml"]
    );
    for line in [
        "[1/3] bcast.yaml ... violated",
        "[2/3] broken.yaml ... error",
        "[3/3] retry.yaml ... holds",
    ] {
        assert!(stderr.contains(line), "{line}:\n{stderr}");
    }
}

#[test]
fn quiet_hunts_say_nothing_but_errors() {
    let s = corpus();
    let ran = ldfi(s.path(), &["hunt", "specs", "--quiet"]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert_eq!(ran.stderr, "");
    assert!(ran.stdout.contains("2 of 2 met"), "{}", ran.stdout);
    s.write("specs/broken.yaml", "program: [../nope.ded]\n");
    let ran = ldfi(s.path(), &["hunt", "specs", "-q"]);
    assert_eq!(ran.code, 2);
    assert!(
        ran.stderr.contains("broken.yaml") && !ran.stderr.contains("[1/3]"),
        "{}",
        ran.stderr
    );
}

#[test]
fn a_spec_timeout_bounds_its_search_in_a_hunt() {
    let s = corpus();
    s.write(
        "specs/retry.yaml",
        &format!("{}timeout: 0.000001\n", spec("retry.ded", 4, 2, "holds")),
    );
    let ran = ldfi(s.path(), &["hunt", "specs", "--format", "json"]);
    assert_eq!(ran.code, 2, "{}", ran.stderr);
    let doc = ran.json();
    assert_eq!(doc["specs"][1]["verdict"], "inconclusive", "{doc}");
}

/// The sweep's JSON document and the plot it wrote, parsed.
fn sweep(s: &Scratch, extra: &[&str]) -> (i32, Json, Vec<(String, usize)>) {
    let mut args = vec!["sweep", "--format", "json", "--plot", "plot.svg"];
    args.extend(extra);
    let ran = ldfi(s.path(), &args);
    let doc = ran.json();
    let svg = std::fs::read_to_string(s.path().join("plot.svg")).expect("the plot is written");
    let xml = roxmltree::Document::parse(&svg).expect("the plot is well-formed XML");
    let mut marks: BTreeMap<String, usize> = BTreeMap::new();
    for node in xml.descendants().filter(|n| n.has_tag_name("circle")) {
        *marks
            .entry(node.attribute("class").unwrap_or("").to_string())
            .or_default() += 1;
    }
    (ran.code, doc, marks.into_iter().collect())
}

#[test]
fn a_sweep_certifies_increasing_eots_and_plots_each() {
    let s = corpus();
    let (code, doc, marks) = sweep(
        &s,
        &["specs/retry.yaml", "--budget", "120", "--max-eot", "7"],
    );
    assert_eq!(code, 0, "{doc}");
    let rows = doc["rows"].as_array().expect("rows");
    let eots: Vec<(u64, u64)> = rows
        .iter()
        .map(|r| (r["eot"].as_u64().unwrap(), r["eff"].as_u64().unwrap()))
        .collect();
    // From the spec's EOT 4, keeping its EOT - EFF gap of 2.
    assert_eq!(eots, [(4, 2), (5, 3), (6, 4), (7, 5)]);
    assert!(rows.iter().all(|r| r["verdict"] == "holds"), "{doc}");
    assert_eq!(doc["deepest"]["eot"], 7);
    assert_eq!(doc["stopped"], "max-eot");
    assert_eq!(marks, [("runs".to_string(), 4), ("time".to_string(), 4)]);
}

#[test]
fn a_sweep_stops_at_the_first_counterexample() {
    let s = corpus();
    let (code, doc, marks) = sweep(&s, &["specs/bcast.yaml", "--budget", "120", "--from", "1"]);
    assert_eq!(code, 1, "{doc}");
    let rows = doc["rows"].as_array().expect("rows");
    let (last, before) = rows.split_last().expect("rows");
    assert_eq!(last["verdict"], "violated");
    assert!(
        last["replay"]
            .as_str()
            .is_some_and(|r| r.starts_with("ldfi run ") && r.contains("--omit")),
        "{doc}"
    );
    assert!(before.iter().all(|r| r["verdict"] != "violated"), "{doc}");
    assert_eq!(doc["stopped"], "counterexample");
    let deepest_holds = before.iter().rev().find(|r| r["verdict"] == "holds");
    assert_eq!(
        doc["deepest"]["eot"],
        deepest_holds.map_or(Json::Null, |r| r["eot"].clone())
    );
    assert_eq!(marks[0].1, rows.len());

    // The text form names the deepest certified EOT and the replay line.
    let ran = ldfi(
        s.path(),
        &[
            "sweep",
            "specs/bcast.yaml",
            "--budget",
            "120",
            "--plot",
            "p.svg",
        ],
    );
    assert_eq!(ran.code, 1);
    assert!(
        ran.stdout.contains("stopped: a counterexample at EOT 4"),
        "{}",
        ran.stdout
    );
    assert!(ran.stdout.contains("replay: ldfi run "), "{}", ran.stdout);
}

#[test]
fn a_sweep_out_of_budget_is_inconclusive_not_certified() {
    let s = corpus();
    let (code, doc, _) = sweep(&s, &["specs/retry.yaml", "--budget", "0.000001"]);
    assert_eq!(doc["stopped"], "budget", "{doc}");
    let rows = doc["rows"].as_array().expect("rows");
    if let Some(last) = rows.last() {
        assert_ne!(last["verdict"], "holds", "{doc}");
    }
    assert_eq!(code, 2);
    let bad = ldfi(s.path(), &["sweep", "specs/retry.yaml", "--budget", "0"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("positive"), "{}", bad.stderr);
    s.write("specs/gone.yaml", &spec("nope.ded", 4, 2, "holds"));
    let gone = ldfi(s.path(), &["sweep", "specs/gone.yaml", "--budget", "10"]);
    assert_eq!(gone.code, 2);
    assert!(gone.stderr.contains("nope.ded"), "{}", gone.stderr);
    assert!(gone.stdout.is_empty(), "{}", gone.stdout);
}

#[test]
fn a_failed_assertion_names_the_counterexample_and_the_files_it_wrote() {
    let s = corpus();
    s.write(
        "specs/scale_assert_bcast.yaml",
        &spec("bcast.ded", 4, 2, "holds"),
    );
    let report = harness::check(s.path().join("specs/scale_assert_bcast.yaml")).expect("checks");
    for assertion in [
        harness::Report::assert_holds as fn(&harness::Report),
        harness::Report::assert_expected,
    ] {
        let panic = std::panic::catch_unwind(|| assertion(&report)).expect_err("it fails");
        let message = panic
            .downcast_ref::<String>()
            .expect("a formatted message")
            .clone();
        assert!(
            message.contains("expected the specification to hold"),
            "{message}"
        );
        assert!(message.contains("replay: ldfi run "), "{message}");
        let path_of = |what: &str| {
            let line = message
                .lines()
                .find_map(|l| l.strip_prefix(what))
                .unwrap_or_else(|| panic!("no `{what}` line:\n{message}"));
            std::path::PathBuf::from(line)
        };
        let yaml = std::fs::read_to_string(path_of("counterexample file: ")).expect("written");
        let saved =
            harness::report::saved::SavedCounterexample::from_yaml(&yaml).expect("replayable");
        assert_eq!((saved.eot, saved.eff), (4, 2));
        assert!(std::path::Path::new(&saved.program[0]).is_absolute());
        let text = std::fs::read_to_string(path_of("report file: ")).expect("written");
        assert!(text.contains("violated"), "{text}");
        assert!(
            path_of("report file: ").starts_with(harness::report::files::dir()),
            "{message}"
        );
        // The HTML report: the spacetime diagrams of the failure-free run
        // and the counterexample, drawn from the report model.
        let html = std::fs::read_to_string(path_of("html report: ")).expect("written");
        assert!(html.contains("<svg"), "{html}");
        assert!(html.contains("failure-free run"), "{html}");
        assert!(html.contains("counterexample: omit"), "{html}");
        assert!(
            path_of("html report: ").starts_with(harness::report::files::dir()),
            "{message}"
        );
    }
    // In a test binary, the files go to the target directory.
    if std::env::var_os("LDFI_REPORTS").is_none() {
        assert!(harness::report::files::dir().ends_with("ldfi-reports"));
    }

    // An assertion that holds writes nothing and says nothing.
    let holds = harness::check(s.path().join("specs/retry.yaml")).expect("checks");
    holds.assert_holds();
    holds.assert_expected();
}

#[test]
fn searches_say_when_they_start_the_symbolic_check() {
    let s = corpus();
    let spec = harness::Spec::load(&s.path().join("specs/retry.yaml")).expect("loads");
    let target = harness::target_of(&spec).expect("a target");
    let phases = |strategy: &dyn harness::SearchStrategy| {
        let mut seen = Vec::new();
        let budget = harness::Budget::default();
        harness::search(&target, strategy, &budget, &mut |p| seen.push(p.phase)).expect("searches");
        seen
    };
    assert!(phases(&harness::Portfolio::default()).contains(&harness::Phase::Symbolic));
    assert!(phases(&harness::Symbolic).contains(&harness::Phase::Symbolic));
    assert!(!phases(&harness::Lineage).contains(&harness::Phase::Symbolic));
}
