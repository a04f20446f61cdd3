//! The renderers: the HTML report (escaping, determinism, what the
//! spacetime diagram and provenance graphs mark, and that it renders in a
//! real browser), JUnit XML read back by an XML parser, SARIF validated
//! against the SARIF 2.1.0 schema, Markdown.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use harness::render::{self, adapt};
use harness::repair::{RepairOptions, repair};
use harness::report::Conclusion;
use harness::{Budget, Expect, Portfolio, Spec};

use crate::cli::{Scratch, ldfi};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn spec_path(name: &str) -> PathBuf {
    root().join("specs").join(name)
}

/// The report of `ldfi check` on a corpus spec, built in-process.
fn check_view(name: &str) -> render::CheckView {
    let spec = Spec::load(&spec_path(name)).expect("spec loads");
    let target = harness::target_of(&spec).expect("target");
    // Smallest, as `harness::check` gives it.
    let outcome = harness::search(
        &target,
        Portfolio { smallest: true },
        &Budget::default(),
        &mut |_| {},
    )
    .expect("search");
    adapt::check_view(&target, Some(&spec), &outcome, None).expect("view")
}

/// The report of `ldfi repair` on a corpus spec, built in-process.
fn repair_view(name: &str, work: &Path) -> (render::CheckView, harness::repair::Repairs, Spec) {
    let spec = Spec::load(&spec_path(name)).expect("spec loads");
    let target = harness::target_of(&spec).expect("target");
    let options = RepairOptions {
        budget: Budget::default(),
        workdir: work.to_path_buf(),
    };
    let r = repair(&target, &options).expect("repair");
    let mut view =
        adapt::check_view(&target, Some(&spec), &r.outcome, r.diagnosis.as_ref()).expect("view");
    adapt::add_repairs(&mut view, &r);
    (view, r, spec)
}

#[test]
fn the_counterexample_report_shows_both_runs_the_frontier_and_the_replay_line() {
    let view = check_view("async_primary_backup.yaml");
    assert_eq!(view.verdict, Conclusion::Violated);
    let cx = view.counterexample.as_ref().expect("a counterexample");
    assert!(cx.replay.starts_with("ldfi run "), "{}", cx.replay);
    // The good run beside the failed one, which lost both replicate messages.
    assert_eq!(view.lanes.len(), 2, "good run and failed run");
    let failed = &view.lanes[1];
    let lost: Vec<_> = failed
        .messages
        .iter()
        .filter(|m| m.fate == render::MessageFate::Omitted)
        .collect();
    assert_eq!(lost.len(), 2, "{lost:?}");
    assert!(lost.iter().all(|m| m.label.starts_with("replicate(")));
    // DiffC names the replicate rule; the good graph marks it.
    let diffc: Vec<_> = view
        .findings
        .iter()
        .filter(|f| f.query == render::Query::DiffC)
        .collect();
    assert!(!diffc.is_empty());
    assert!(
        diffc[0]
            .rules
            .iter()
            .any(|l| l.file.ends_with("async_primary_backup.ded") && l.line == 38),
        "{diffc:?}"
    );
    let good = &view.graphs[0];
    assert!(
        good.vertices.iter().any(
            |v| v.highlight == render::Highlight::Frontier && v.label.starts_with("replicate(")
        ),
        "the frontier vertex is marked"
    );
    let page = render::html(&view, &[]);
    assert!(page.contains("class=\"v goal frontier\""));
    assert!(
        page.contains("replicate lost"),
        "lost messages are labelled"
    );
    assert!(page.contains(&render::escape_xml(&cx.replay)));
}

#[test]
fn the_report_model_draws_the_same_summary_and_failed_run_as_the_outcome() {
    // `report_view` (what a failed assertion writes) reads only the report
    // model; `check_view` reads the outcome and its runs. Where both draw
    // the same thing, they must agree.
    for name in ["async_primary_backup.yaml", "simple_broadcast.yaml"] {
        let full = check_view(name);
        let report = harness::check(spec_path(name)).expect("checks");
        let model = adapt::report_view(&report);
        assert_eq!(
            (&model.title, &model.bounds, &model.verdict, model.tone),
            (&full.title, &full.bounds, &full.verdict, full.tone),
            "{name}"
        );
        assert_eq!(model.certificate, full.certificate, "{name}");
        assert_eq!(model.expectation, full.expectation, "{name}");
        assert_eq!(model.counterexample, full.counterexample, "{name}");
        // The failed run, with the same messages, fates and crash points.
        assert_eq!(model.lanes.last(), full.lanes.last(), "{name}");
        assert!(model.graphs.is_empty(), "the model holds no provenance");
        let note = model.notes.last().expect("a note on the graphs");
        assert!(note.contains("--report"), "{note}");
    }
}

#[test]
fn crashes_and_silenced_messages_are_marked_on_the_lanes() {
    let lanes = render::Lanes {
        title: "t".into(),
        nodes: vec!["a".into(), "b".into()],
        eot: 4,
        eff: 2,
        messages: vec![
            render::LaneMessage {
                from: 0,
                to: 1,
                sent: 1,
                received: None,
                fate: render::MessageFate::CrashSilenced,
                label: "m(\"b\")".into(),
            },
            render::LaneMessage {
                from: 1,
                to: 0,
                sent: 1,
                received: Some(4),
                fate: render::MessageFate::Delayed(2),
                label: "n(\"a\")".into(),
            },
        ],
        crashes: vec![(0, 1)],
    };
    let svg = render::spacetime_svg(&lanes, "x");
    assert!(svg.contains("crash @1"));
    assert!(svg.contains("m not sent"));
    assert!(svg.contains("n +2"));
    assert!(svg.contains("a crashes at t=1"));
}

#[test]
fn every_text_is_escaped() {
    let nasty = "<script>alert('x')</script> & \"q\"";
    let view = render::CheckView {
        title: nasty.into(),
        description: Some(nasty.into()),
        counterexample: Some(render::CounterexampleView {
            faults: nasty.into(),
            violated: vec![nasty.into()],
            error: Some(nasty.into()),
            replay: nasty.into(),
        }),
        lanes: vec![render::Lanes {
            title: nasty.into(),
            nodes: vec![nasty.into()],
            eot: 2,
            eff: 1,
            messages: vec![render::LaneMessage {
                from: 0,
                to: 0,
                sent: 1,
                received: Some(2),
                fate: render::MessageFate::Delivered,
                label: nasty.into(),
            }],
            crashes: vec![],
        }],
        graphs: vec![render::GraphView {
            title: nasty.into(),
            slug: "g".into(),
            vertices: vec![render::GraphVertex {
                id: "1".into(),
                label: nasty.into(),
                kind: render::VertexKind::Goal,
                highlight: render::Highlight::Frontier,
            }],
            edges: vec![],
        }],
        patches: vec![render::PatchView {
            kind: nasty.into(),
            summary: nasty.into(),
            diff: format!("+{nasty}\n-{nasty}\n"),
            status: render::PatchStatus::Broken {
                faults: nasty.into(),
                replay: nasty.into(),
            },
            runs: 1,
            ladder: vec![render::RungView {
                rung: nasty.into(),
                bounds: nasty.into(),
                holds: Some(false),
                counterexample: Some((nasty.into(), nasty.into())),
            }],
            edits: vec![],
        }],
        notes: vec![nasty.into()],
        delays: vec![render::DelayTree {
            title: nasty.into(),
            delay: 1,
            causes: vec![render::DelayCause {
                vertex: nasty.into(),
                kind: nasty.into(),
                node: nasty.into(),
                via: nasty.into(),
                weight: 1,
                ..render::DelayCause::default()
            }],
        }],
        ..render::CheckView::default()
    };
    let page = render::html(&view, &["<x>.dot".into()]);
    assert!(page.contains("<section id=\"delays\">"));
    assert!(!page.contains("<script"), "no raw markup from the input");
    assert!(!page.contains("'x'"));
    assert!(page.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"));
    let dot = render::graph_dot(&view.graphs[0]);
    assert!(
        dot.contains(r#"label="<script>alert('x')</script> & \"q\"""#),
        "{dot}"
    );
}

#[test]
fn reports_are_byte_identical_for_identical_inputs() {
    let spec = Spec::load(&spec_path("async_primary_backup.yaml")).expect("spec");
    let target = harness::target_of(&spec).expect("target");
    let outcome = harness::search(
        &target,
        Portfolio { smallest: true },
        &Budget::default(),
        &mut |_| {},
    )
    .expect("search");
    let a = adapt::check_view(&target, Some(&spec), &outcome, None).expect("view");
    let b = adapt::check_view(&target, Some(&spec), &outcome, None).expect("view");
    assert_eq!(a, b);
    assert_eq!(render::html(&a, &[]), render::html(&b, &[]));
    for g in &a.graphs {
        assert_eq!(render::graph_dot(g), render::graph_dot(g));
    }
    // Two searches differ only in their time.
    let mut c = check_view("async_primary_backup.yaml");
    c.elapsed_ms = a.elapsed_ms;
    assert_eq!(render::html(&a, &[]), render::html(&c, &[]));
}

#[test]
fn repair_reports_show_each_candidate_with_its_status() {
    let work = Scratch::new("render-repair");
    let (view, r, _) = repair_view("async_primary_backup.yaml", work.path());
    assert_eq!(view.patches.len(), r.verified.len() + r.rejected.len());
    assert!(matches!(
        view.patches[0].status,
        render::PatchStatus::Verified { .. }
    ));
    let broken = view
        .patches
        .iter()
        .find_map(|p| match &p.status {
            render::PatchStatus::Broken { replay, .. } => Some(replay.clone()),
            _ => None,
        })
        .expect("the retry candidate is still broken");
    let page = render::html(&view, &[]);
    assert!(page.contains(">verified</span>"));
    assert!(page.contains(">still broken</span>"));
    assert!(page.contains(&render::escape_xml(&broken)));
    assert!(page.contains("<span class=\"add\">+ack(C, P, V)@async :- request_held(P, C, V)"));
    // The verified patch as line replacements: applying them gives the patched file.
    let edit = &view.patches[0].edits[0];
    let file = &r.verified[0].patch.files[0];
    let mut lines: Vec<String> = file.original.lines().map(|l| format!("{l}\n")).collect();
    for rep in edit.replacements.iter().rev() {
        let start = rep.start_line as usize - 1;
        let inserted: Vec<String> = rep.inserted.lines().map(|l| format!("{l}\n")).collect();
        lines.splice(start..start + rep.deleted as usize, inserted);
    }
    assert_eq!(lines.concat(), file.patched);
}

#[test]
fn check_and_repair_write_the_report_and_dot_files() {
    let out = Scratch::new("render-cli");
    let dir = out.path().join("apb");
    let ran = ldfi(
        &root(),
        &[
            "check",
            "specs/async_primary_backup.yaml",
            "--report",
            dir.to_str().expect("utf-8"),
        ],
    );
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert!(ran.stderr.contains("wrote report to"), "{}", ran.stderr);
    let page = std::fs::read_to_string(dir.join("report.html")).expect("report.html");
    assert!(page.starts_with("<!DOCTYPE html>"));
    for dot in ["good-post.dot", "failed-pre-post.dot"] {
        let text = std::fs::read_to_string(dir.join(dot)).expect(dot);
        assert!(text.starts_with("digraph"), "{text}");
        assert!(page.contains(dot));
    }
    let rdir = out.path().join("apb-repair");
    let ran = ldfi(
        &root(),
        &[
            "repair",
            "specs/async_primary_backup.yaml",
            "--report",
            rdir.to_str().expect("utf-8"),
        ],
    );
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let page = std::fs::read_to_string(rdir.join("report.html")).expect("report.html");
    assert!(page.contains("Repair suggestions"));
    // Replay lines of rejected candidates point beside the report.
    assert!(page.contains(&render::escape_xml(
        &rdir.join("candidates").display().to_string()
    )));
}

/// Hunt rows of a violated spec with its repairs, a certified spec, and a
/// spec that could not be loaded (with characters XML must escape).
fn hunt_rows(work: &Path) -> Vec<render::HuntRow> {
    let (_, r, spec) = repair_view("async_primary_backup.yaml", work);
    let violated = adapt::hunt_row(&spec, &r.outcome, true, None, Some(&r));
    let spec2 = Spec::load(&spec_path("relay_broadcast_small.yaml")).expect("spec");
    let target = harness::target_of(&spec2).expect("target");
    let outcome = harness::search(
        &target,
        Portfolio::default(),
        &Budget::default(),
        &mut |_| {},
    )
    .expect("search");
    let holds = adapt::hunt_row(&spec2, &outcome, false, None, None);
    let error = adapt::hunt_error(
        "specs/a&b<\"c\">.yaml",
        &harness::Error::Specification("error: cannot read `x<y>`\u{1}\n  help: ']]>'".into()),
    );
    vec![violated, holds, error]
}

#[test]
fn junit_is_read_back_by_an_xml_parser() {
    let work = Scratch::new("render-junit");
    let rows = hunt_rows(work.path());
    let xml = render::junit("specs & <more>", &rows);
    let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    let suites = doc.root_element();
    assert_eq!(suites.tag_name().name(), "testsuites");
    let suite = suites
        .children()
        .find(|n| n.has_tag_name("testsuite"))
        .expect("testsuite");
    assert_eq!(suite.attribute("name"), Some("specs & <more>"));
    assert_eq!(suite.attribute("tests"), Some("3"));
    assert_eq!(suite.attribute("failures"), Some("1"));
    assert_eq!(suite.attribute("errors"), Some("1"));
    let cases: Vec<_> = suite
        .children()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert_eq!(cases.len(), 3);
    assert_eq!(cases[0].attribute("name"), Some(rows[0].spec.as_str()));
    // Met: no failure, the counterexample in the output.
    assert!(!cases[0].children().any(|n| n.has_tag_name("failure")));
    // Not met (expected violated, got holds): a failure.
    let failure = cases[1]
        .children()
        .find(|n| n.has_tag_name("failure"))
        .expect("failure");
    assert!(
        failure
            .attribute("message")
            .expect("message")
            .contains("holds")
    );
    // The error, its text unescaped back exactly (the control character dropped).
    assert_eq!(cases[2].attribute("name"), Some("specs/a&b<\"c\">.yaml"));
    let error = cases[2]
        .children()
        .find(|n| n.has_tag_name("error"))
        .expect("error");
    assert!(
        error
            .text()
            .expect("text")
            .contains("cannot read `x<y>`\n  help: ']]>'")
    );
    // A failing violated spec carries the counterexample and replay line.
    let mut unmet = rows[0].clone();
    unmet.met = false;
    unmet.expected = Some(Expect::Holds);
    let xml = render::junit("s", &[unmet.clone()]);
    let doc = roxmltree::Document::parse(&xml).expect("parses");
    let failure = doc
        .descendants()
        .find(|n| n.has_tag_name("failure"))
        .expect("failure");
    let replay = &unmet.counterexample.as_ref().expect("cx").replay;
    assert!(
        failure
            .attribute("message")
            .expect("message")
            .contains(replay.as_str())
    );
    assert!(
        failure
            .text()
            .expect("text")
            .contains(&format!("replay: {replay}"))
    );
}

#[test]
fn sarif_is_valid_against_the_2_1_0_schema_and_located_on_the_frontier_rule() {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../data/sarif-schema-2.1.0.json"))
            .expect("schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let work = Scratch::new("render-sarif");
    let rows = hunt_rows(work.path());
    let log = serde_json::to_value(render::sarif(&rows, "0.1.0")).expect("JSON");
    let errors: Vec<String> = validator.iter_errors(&log).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:#?}\n{log:#}");
    let results = log["runs"][0]["results"].as_array().expect("results");
    let diffc = results
        .iter()
        .find(|r| r["ruleId"] == "ldfi/diffc-frontier")
        .expect("a DiffC result");
    let loc = &diffc["locations"][0]["physicalLocation"];
    assert!(
        loc["artifactLocation"]["uri"]
            .as_str()
            .expect("uri")
            .ends_with("protocols/async_primary_backup.ded")
    );
    assert_eq!(loc["region"]["startLine"], 38);
    assert!(
        diffc["fixes"][0]["artifactChanges"][0]["replacements"]
            .as_array()
            .is_some_and(|r| !r.is_empty())
    );
    assert!(
        results
            .iter()
            .any(|r| r["ruleId"] == render::RULE_UNCHECKED)
    );
    // Rule ids are declared and indices point at them.
    let rules = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules");
    for r in results {
        let i = r["ruleIndex"].as_u64().expect("index") as usize;
        assert_eq!(rules[i]["id"], r["ruleId"]);
    }
    // A broken log is rejected: the validator does check.
    let mut broken = log.clone();
    broken["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(validator.iter_errors(&broken).next().is_some());
}

#[test]
fn markdown_has_the_table_the_counterexample_and_the_verified_patch() {
    let work = Scratch::new("render-md");
    let rows = hunt_rows(work.path());
    let md = render::markdown(&rows);
    assert!(md.contains("| spec | expected | verdict | runs | time (ms) | met |"));
    assert!(
        md.contains("| `specs/a&b<\"c\">.yaml` | - | error | - | - | ❌ |"),
        "{md}"
    );
    let replay = &rows[0].counterexample.as_ref().expect("cx").replay;
    assert!(md.contains(&format!("```sh\n{replay}\n```")));
    assert!(md.contains("```diff\ndiff --git"));
    assert!(md.contains("+ack(C, P, V)@async :- request_held(P, C, V)"));
    // The error row says why the spec was not checked.
    assert!(md.contains("### Not checked"), "{md}");
    assert!(md.contains("cannot read `x<y>`"), "{md}");
}

#[test]
fn markdown_keeps_hostile_tuple_values_inside_their_code_spans() {
    let work = Scratch::new("render-md-hostile");
    let mut rows = hunt_rows(work.path());
    let cx = rows[0].counterexample.as_mut().expect("cx");
    cx.violated = vec!["pre(\"a\n# heading\n<img src=x>\u{1b}[31m`\") holds".into()];
    let md = render::markdown(&rows);
    assert!(!md.lines().any(|l| l.starts_with("# heading")), "{md}");
    assert!(!md.lines().any(|l| l.starts_with("<img")), "{md}");
    assert!(!md.contains('\u{1b}'), "{md}");
    assert!(
        md.contains("- `pre(\"a\\n# heading\\n<img src=x>\\u{1b}[31m'\") holds`"),
        "{md}"
    );
}

#[test]
fn sarif_points_a_syntax_error_at_its_ded_line() {
    let s = Scratch::new("render-sarif-syntax");
    s.write("bad.ded", "pre(X) :- foo(X);\npost(X) :- pre(X) &\n");
    s.write(
        "specs/bad.yaml",
        "program: [../bad.ded]\nnodes: [a]\neot: 2\neff: 2\ncrashes: 0\n",
    );
    let out = ldfi(s.path(), &["hunt", "specs", "--format", "sarif", "-q"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    let log: serde_json::Value = serde_json::from_str(&out.stdout).expect("SARIF is JSON");
    let result = &log["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], render::RULE_UNCHECKED);
    let loc = &result["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "bad.ded", "{log:#}");
    assert_eq!(loc["region"]["startLine"], 2);
    assert_eq!(loc["region"]["startColumn"], 19);
}

#[test]
fn hunt_writes_the_ci_formats() {
    let s = Scratch::new("render-hunt");
    let protocol = root().join("protocols/simple_broadcast.ded");
    s.write(
        "specs/bcast.yaml",
        &format!(
            "program: [{}]\nnodes: [a, b, c]\neot: 4\neff: 2\ncrashes: 0\nexpect: holds\n",
            protocol.display()
        ),
    );
    let dir = s.path().join("specs");
    let reports = s.path().join("reports");
    let args = |format: &'static str| {
        vec![
            "hunt".to_string(),
            dir.display().to_string(),
            "--reports".into(),
            reports.display().to_string(),
            "--format".into(),
            format.into(),
        ]
    };
    let run = |format| {
        let a = args(format);
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        ldfi(&root(), &a)
    };
    let junit = run("junit");
    assert_eq!(junit.code, 1, "expectation not met: {}", junit.stderr);
    let doc = roxmltree::Document::parse(&junit.stdout).expect("JUnit parses");
    let failure = doc
        .descendants()
        .find(|n| n.has_tag_name("failure"))
        .expect("failure");
    assert!(
        failure
            .attribute("message")
            .expect("message")
            .contains("replay: ldfi run ")
    );
    let sarif = run("sarif");
    let log: serde_json::Value = serde_json::from_str(&sarif.stdout).expect("SARIF is JSON");
    let result = &log["runs"][0]["results"][0];
    assert_eq!(result["level"], "error");
    assert!(
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .expect("uri")
            .ends_with(".ded")
    );
    let md = run("markdown");
    assert!(
        md.stdout.contains("0 of 1 specs met their expectation."),
        "{}",
        md.stdout
    );
}

/// Chromium, if installed (`LDFI_CHROMIUM` overrides the path).
fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("LDFI_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

/// Runs headless Chromium with `args` (plus the flags that keep it off the
/// network and out of the user's profile); returns (stdout, stderr).
fn headless(chromium: &Path, profile: &Path, args: &[String]) -> (String, String) {
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start chromium");
    let start = Instant::now();
    loop {
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        if start.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("chromium did not finish within 120 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let out = child.wait_with_output().expect("output");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Checks, inside the page, that every SVG and every vertex and lane of it
/// has a non-empty bounding box, and records script errors; the result is
/// written into the DOM for `--dump-dom`.
const CHECK_SCRIPT: &str = r#"<script>
(function () {
  var errors = [];
  window.addEventListener('error', function (e) { errors.push(String(e.message)); });
  var out = { svgs: 0, empty: [], shapes: 0 };
  document.querySelectorAll('svg').forEach(function (svg) {
    out.svgs += 1;
    var b = svg.getBBox();
    if (!(b.width > 0 && b.height > 0)) { out.empty.push(svg.id); }
    svg.querySelectorAll('rect, line, path, text').forEach(function (el) {
      var bb = el.getBBox();
      if (bb.width > 0 || bb.height > 0) { out.shapes += 1; }
    });
  });
  out.errors = errors;
  var pre = document.createElement('pre');
  pre.id = 'render-check';
  pre.textContent = 'RENDER-CHECK' + JSON.stringify(out) + 'END';
  document.body.appendChild(pre);
})();
</script>"#;

#[test]
fn reports_render_in_headless_chromium() {
    let Some(chromium) = chromium() else {
        eprintln!(
            "skipped: Chromium is not installed (apt-get install chromium, or set LDFI_CHROMIUM)"
        );
        return;
    };
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("report-screenshots");
    std::fs::create_dir_all(&shots).expect("screenshot dir");
    let work = Scratch::new("render-browser");
    let (violated, _, _) = repair_view("async_primary_backup.yaml", &work.path().join("cand"));
    let certified = check_view("relay_broadcast_small.yaml");
    for (name, view, svgs) in [
        ("async_primary_backup", &violated, 4),
        ("relay_broadcast_small", &certified, 2),
    ] {
        let dir = work.path().join(name);
        let written = render::write_report(&dir, view).expect("write report");
        let page = std::fs::read_to_string(&written[0]).expect("read report");
        // Offline: nothing to fetch (the only URL is the SVG namespace).
        let urls = page.matches("http").count();
        let namespaces = page.matches("http://www.w3.org/2000/svg").count();
        assert_eq!(urls, namespaces, "the page refers to the network");
        assert!(!page.contains("<script"), "the report needs no script");
        let probe = dir.join("probe.html");
        std::fs::write(
            &probe,
            page.replace("</body>", &format!("{CHECK_SCRIPT}</body>")),
        )
        .expect("write probe");
        let url = format!("file://{}", probe.display());
        let (dom, log) = headless(
            &chromium,
            &work.path().join(format!("profile-{name}-dom")),
            &["--dump-dom".into(), url.clone()],
        );
        let json = dom
            .rsplit("RENDER-CHECK")
            .next()
            .filter(|_| dom.contains("id=\"render-check\""))
            .and_then(|s| s.split("END").next())
            .unwrap_or_else(|| panic!("no check result in the DOM:\n{dom}\n{log}"));
        let check: serde_json::Value =
            serde_json::from_str(&json.replace("&quot;", "\"")).expect("check result is JSON");
        eprintln!("{name}: {check}");
        assert_eq!(check["svgs"], svgs, "{name}: {check}");
        assert_eq!(
            check["empty"],
            serde_json::json!([]),
            "{name}: empty SVGs: {check}"
        );
        assert!(
            check["shapes"].as_u64().expect("count") > 40,
            "{name}: {check}"
        );
        assert_eq!(check["errors"], serde_json::json!([]), "{name}: {check}");
        // Chromium logs every console message (errors, uncaught
        // exceptions, failed loads) as `INFO:CONSOLE`; the page has none.
        for line in log.lines() {
            assert!(
                !line.contains(":CONSOLE"),
                "{name}: console message: {line}"
            );
        }
        let png = shots.join(format!("{name}.png"));
        let _ = std::fs::remove_file(&png);
        let (_, log) = headless(
            &chromium,
            &work.path().join(format!("profile-{name}-shot")),
            &[
                format!("--screenshot={}", png.display()),
                "--window-size=1400,3400".into(),
                format!("file://{}", written[0].display()),
            ],
        );
        let bytes =
            std::fs::read(&png).unwrap_or_else(|e| panic!("{name}: no screenshot ({e}):\n{log}"));
        assert!(bytes.starts_with(b"\x89PNG"), "{name}: not a PNG");
        assert!(
            bytes.len() > 30_000,
            "{name}: a blank screenshot? {} bytes",
            bytes.len()
        );
        eprintln!("screenshot: {}", png.display());
    }
}

#[test]
fn report_without_a_directory_goes_under_reports() {
    let s = Scratch::new("render-default");
    let protocol = root().join("protocols/simple_broadcast.ded");
    s.write(
        "bcast.yaml",
        &format!(
            "program: [{}]\nnodes: [a, b, c]\neot: 4\neff: 2\ncrashes: 0\nexpect: violated\n",
            protocol.display()
        ),
    );
    let ran = ldfi(s.path(), &["check", "bcast.yaml", "--report"]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let page = s.path().join("reports/bcast/report.html");
    assert!(page.exists(), "{}", ran.stderr);
    let ran = ldfi(s.path(), &["repair", "bcast.yaml", "--report"]);
    assert!(ran.code < 2, "{}", ran.stderr);
    assert!(
        s.path().join("reports/bcast-repair/report.html").exists(),
        "{}",
        ran.stderr
    );
}

#[test]
fn large_graphs_are_cut_down_around_the_marked_vertices() {
    // A chain of 200 goals; the frontier is the last but one.
    let vertices: Vec<render::GraphVertex> = (0..200)
        .map(|i| render::GraphVertex {
            id: i.to_string(),
            label: format!("g({i})"),
            kind: render::VertexKind::Goal,
            highlight: if i == 198 {
                render::Highlight::Frontier
            } else {
                render::Highlight::None
            },
        })
        .collect();
    let edges = (0..199).map(|i| (i, i + 1)).collect();
    let graph = render::GraphView {
        title: "chain".into(),
        slug: "chain".into(),
        vertices,
        edges,
    };
    let view = render::CheckView {
        graphs: vec![graph.clone()],
        ..render::CheckView::default()
    };
    let page = render::html(&view, &[]);
    assert!(page.contains("<g class=\"v goal frontier\"><title>g(198)"));
    assert!(
        page.contains("120 more vertices are in <code>chain.dot</code>"),
        "cut to 80"
    );
    assert!(!page.contains(">g(199)</text>"), "the rest is left out");
    assert_eq!(
        render::graph_dot(&graph).matches("shape=ellipse").count(),
        200
    );
}
