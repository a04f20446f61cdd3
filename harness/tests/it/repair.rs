//! Tests: the repair loop (nemo proposes, the search verifies).

use std::path::{Path, PathBuf};

use harness::Spec;
use harness::repair::{Rejection, RepairOptions};
use nemo::repair::{Kind, correction, ordering, persistence, retry};

fn spec(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../specs")
        .join(name)
}

fn options(tag: &str) -> RepairOptions {
    RepairOptions {
        workdir: std::env::temp_dir()
            .join(format!("ldfi-repair-test-{tag}-{}", std::process::id())),
        ..RepairOptions::new()
    }
}

#[test]
fn async_primary_backup_is_repaired_by_log_acks_and_not_by_retries() {
    let spec = Spec::load(&spec("async_primary_backup.yaml")).unwrap();
    let target = harness::target_of(&spec).unwrap();
    let opts = options("apb");
    let r = harness::repair::repair(&target, &opts).unwrap();
    assert!(
        r.notes
            .iter()
            .any(|n| n.starts_with("no ordering candidate")),
        "{:?}",
        r.notes
    );
    // The good runs: failure-free and each single omission removed.
    let d = r.diagnosis.as_ref().unwrap();
    assert_eq!(d.good.len(), 3);
    let debugging = d.debugging.as_ref().unwrap();
    assert!(
        debugging
            .diff
            .iter()
            .all(|f| f.event.starts_with("replicate("))
    );
    // The correction is verified, and its patched files are complete programs.
    assert_eq!(r.verified.len(), 1);
    let fix = &r.verified[0];
    assert_eq!(fix.candidate.kind, correction::KIND);
    assert!(
        fix.verdict
            .as_ref()
            .unwrap()
            .contains("no admissible fault schedule")
    );
    let text = std::fs::read_to_string(&fix.files[0]).unwrap();
    assert!(text.contains("log_ack(Src, R, V)@async :- replicate(R, Src, V);"));
    assert!(fix.files[0].ends_with("1/async_primary_backup.ded"));
    // The correction holds on every rung of the ladder but one more crash
    // (which takes both backups).
    assert_eq!(
        fix.ladder.marks(),
        "✓ spec  ✓ EFF=EOT  ✓ EOT+3  ✗ crash+1  ✓ delay+1"
    );
    assert_eq!(
        fix.ladder.caveat().as_deref(),
        Some("holds only because no more nodes crash")
    );
    // The bug itself shows on every rung.
    assert_eq!(r.ladder.held(), 0);
    assert_eq!(r.ladder.steps.len(), 5);
    // Retries alone are rejected with the counterexample that beats them:
    // the primary crashes once the client holds its ack.
    let retry = &r.rejected[0];
    assert_eq!(retry.candidate.kind, retry::KIND);
    let Err(Rejection::Counterexample { faults, replay }) = &retry.verdict else {
        panic!("{:?}", retry.verdict)
    };
    assert!(faults.contains("crash primary"), "{faults}");
    assert!(replay.starts_with("ldfi run ") && replay.contains("/2/async_primary_backup.ded"));
    let _ = std::fs::remove_dir_all(&opts.workdir);
}

#[test]
fn a_spec_that_holds_needs_no_repair() {
    let spec = Spec::load(&spec("sync_primary_backup_small.yaml")).unwrap();
    let target = harness::target_of(&spec).unwrap();
    let r = harness::repair::repair(&target, &options("holds")).unwrap();
    assert!(matches!(r.outcome.verdict, harness::Verdict::Holds));
    assert!(r.diagnosis.is_none() && r.verified.is_empty() && r.rejected.is_empty());
}

// ---- the CLI ----

use crate::cli::{Scratch, ldfi};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[test]
fn cli_repair_writes_verified_repairs_that_check_and_apply() {
    let out = Scratch::new("repair-out");
    let dir = out.path().join("fixes");
    let ran = ldfi(
        &repo(),
        &[
            "repair",
            "specs/async_primary_backup.yaml",
            "--out",
            dir.to_str().unwrap(),
        ],
    );
    assert_eq!(ran.code, 0, "{}{}", ran.stdout, ran.stderr);
    assert!(
        ran.stdout
            .contains("DiffC (frontier against the closest good run"),
        "{}",
        ran.stdout
    );
    assert!(ran.stdout.contains(
        "replicate(\"r1\", \"primary\", \"v1\"): the message from primary never arrived"
    ));
    assert!(
        ran.stdout.contains("4 candidates proposed, 1 verified"),
        "{}",
        ran.stdout
    );
    assert!(
        ran.stdout
            .contains("repair 1 (correction, 7 changed lines)")
    );
    assert!(ran.stdout.contains("rejected (retry, 4 changed lines)"));
    assert!(ran.stdout.contains("  ladder: ✓ spec  ✓ EFF=EOT"));
    assert!(ran.stdout.contains("retries cannot fix this bug"));
    // DIR/1/ holds the complete patched program; ldfi check certifies it.
    let fixed = dir.join("1/async_primary_backup.ded");
    let checked = ldfi(
        &repo(),
        &[
            "check",
            fixed.to_str().unwrap(),
            "-N",
            "client,primary,r1,r2",
            "-t",
            "6",
            "-f",
            "4",
            "-c",
            "1",
        ],
    );
    assert_eq!(checked.code, 0, "{}", checked.stdout);
    assert!(checked.stdout.starts_with("HOLDS"), "{}", checked.stdout);
    // DIR/1.patch applies to the original with git apply.
    let patch = std::fs::read_to_string(dir.join("1.patch")).unwrap();
    assert!(
        patch.starts_with("diff --git a/protocols/async_primary_backup.ded"),
        "{patch}"
    );
    let tree = Scratch::new("repair-git-apply");
    tree.write(
        "protocols/async_primary_backup.ded",
        &std::fs::read_to_string(repo().join("protocols/async_primary_backup.ded")).unwrap(),
    );
    tree.write("1.patch", &patch);
    if let Ok(s) = std::process::Command::new("git")
        .args(["apply", "1.patch"])
        .current_dir(tree.path())
        .status()
    {
        assert!(s.success());
        assert_eq!(
            std::fs::read_to_string(tree.path().join("protocols/async_primary_backup.ded"))
                .unwrap(),
            std::fs::read_to_string(&fixed).unwrap()
        );
    }
    // --apply on program files patches them in place.
    let ded = tree.path().join("apb.ded");
    std::fs::write(
        &ded,
        std::fs::read_to_string(repo().join("protocols/async_primary_backup.ded")).unwrap(),
    )
    .unwrap();
    let flags = [
        "-N",
        "client,primary,r1,r2",
        "-t",
        "6",
        "-f",
        "4",
        "-c",
        "1",
    ];
    let mut args = vec!["repair", "apb.ded", "--apply"];
    args.extend(flags);
    let applied = ldfi(tree.path(), &args);
    assert_eq!(applied.code, 0, "{}{}", applied.stdout, applied.stderr);
    assert!(applied.stderr.contains("applied repair 1 to apb.ded"));
    let mut args = vec!["check", "apb.ded"];
    args.extend(flags);
    assert_eq!(ldfi(tree.path(), &args).code, 0);
}

#[test]
fn cli_repair_and_debug_speak_json() {
    let ran = ldfi(
        &repo(),
        &[
            "repair",
            "specs/async_primary_backup.yaml",
            "--format",
            "json",
        ],
    );
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let j = ran.json();
    assert_eq!(j["verdict"], "violated");
    assert_eq!(j["verified"][0]["kind"], "correction");
    assert_eq!(j["verified"][0]["size"], 7);
    assert_eq!(j["rejected"][0]["kind"], "retry");
    assert_eq!(j["rejected"][0]["rejection"]["reason"], "counterexample");
    assert!(
        j["rejected"][0]["rejection"]["replay"]
            .as_str()
            .unwrap()
            .starts_with("ldfi run ")
    );
    let d = ldfi(
        &repo(),
        &[
            "debug",
            "protocols/async_primary_backup.ded",
            "-N",
            "client,primary,r1,r2",
            "-t",
            "6",
            "-f",
            "4",
            "-c",
            "1",
            "--format",
            "json",
        ],
    );
    assert_eq!(d.code, 0, "{}", d.stderr);
    let j = d.json();
    let q = &j["debugging"]["queries"];
    assert_eq!(
        q["diff"][0]["event"],
        "replicate(\"r1\", \"primary\", \"v1\")"
    );
    assert!(
        q["diff"][0]["rules"][0]
            .as_str()
            .unwrap()
            .ends_with("async_primary_backup.ded:38:1")
    );
    assert_eq!(q["hazards"][0]["pre_from"], 3);
    assert_eq!(j["debugging"]["good_runs"].as_array().unwrap().len(), 3);
}

#[test]
fn cli_debug_writes_dot_and_says_when_there_is_nothing_to_debug() {
    let out = Scratch::new("debug-dot");
    let ran = ldfi(
        &repo(),
        &[
            "debug",
            "specs/async_primary_backup.yaml",
            "--dot",
            out.path().to_str().unwrap(),
        ],
    );
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    for f in ["failed-pre.dot", "good-post.dot", "diff.dot"] {
        let dot = std::fs::read_to_string(out.path().join(f)).unwrap();
        assert!(dot.starts_with("digraph provenance {"), "{f}");
    }
    let holds = ldfi(&repo(), &["debug", "specs/sync_primary_backup_small.yaml"]);
    assert_eq!(holds.code, 0);
    assert!(
        holds
            .stdout
            .contains("the specification holds: nothing to debug")
    );
    let bad = ldfi(
        &repo(),
        &["repair", "specs/sync_primary_backup_small.yaml", "-N", "a"],
    );
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("cannot be combined with a spec file"));
}

#[test]
fn schema_data_race_is_repaired_by_ordering() {
    let spec = Spec::load(&spec("schema_data_race.yaml")).unwrap();
    let target = harness::target_of(&spec).unwrap();
    let opts = options("race");
    let r = harness::repair::repair(&target, &opts).unwrap();
    // Buffering `data` by ordering, or persisting it: both verified.
    assert_eq!(r.verified.len(), 2, "{:?}", r.rejected);
    let fix = r
        .verified
        .iter()
        .find(|c| c.candidate.kind == ordering::KIND)
        .unwrap();
    assert_eq!(
        fix.candidate.rules(),
        [
            "stored(N, D) :- data_buffered(N, _, S, D), schema_known(N, S);",
            "data_buffered(N, X, S, D) :- data(N, X, S, D);",
            "data_buffered(N, X, S, D)@next :- data_buffered(N, X, S, D);",
        ]
    );
    // DiffC points at the storing rule that never fired.
    let q = r.diagnosis.as_ref().unwrap().debugging.as_ref().unwrap();
    assert!(
        q.diff[0].rules[0].ends_with("schema_data_race.ded:28:1"),
        "{:?}",
        q.diff
    );
    let _ = std::fs::remove_dir_all(&opts.workdir);
}

#[test]
fn container_expiry_is_a_logic_bug_with_no_repair() {
    let spec = Spec::load(&spec("container_expiry.yaml")).unwrap();
    let target = harness::target_of(&spec).unwrap();
    let r = harness::repair::repair(&target, &options("expiry")).unwrap();
    // Only persistence applies, and the search breaks every candidate.
    assert!(r.verified.is_empty());
    for c in &r.rejected {
        assert!(
            [persistence::KIND, Kind::COMBINATION].contains(&c.candidate.kind),
            "{}",
            c.candidate.summary
        );
        assert!(c.verdict.is_err());
    }
    // The suspects name the rule that sends the lost report.
    let d = r.diagnosis.as_ref().unwrap();
    assert!(
        d.suspects
            .iter()
            .any(|s| s.text.starts_with("running(R, N, C)@async")),
        "{:?}",
        d.suspects
    );
    let q = r.diagnosis.as_ref().unwrap().debugging.as_ref().unwrap();
    // DiffC: post's rule did not fire (its `notin killed` turned true) ...
    assert!(q.diff[0].why.contains("notin killed(N, C)"), "{:?}", q.diff);
    // ... because the container's only `running` report never arrived.
    assert!(
        q.missing
            .iter()
            .any(|f| f.event == "running(\"rm\", \"nm\", \"c1\")"),
        "{:?}",
        q.missing
    );
    let ran = ldfi(&repo(), &["repair", "specs/container_expiry.yaml"]);
    assert_eq!(ran.code, 1, "{}", ran.stdout);
    assert!(ran.stdout.contains("no repair found"));
    assert!(
        ran.stdout
            .contains("running(\"rm\", \"nm\", \"c1\"): the message from nm never arrived")
    );
}

#[test]
fn commit_attempts_obvious_correction_is_rejected_as_vacuous() {
    let spec = Spec::load(&spec("commit_attempts.yaml")).unwrap();
    let target = harness::target_of(&spec).unwrap();
    let r = harness::repair::repair(&target, &options("attempts")).unwrap();
    assert!(r.verified.is_empty());
    let correction = r
        .rejected
        .iter()
        .find(|c| c.candidate.kind == correction::KIND)
        .expect("a correction is proposed");
    assert_eq!(correction.verdict, Err(Rejection::Vacuous));
    assert!(correction
        .candidate
        .rules()
        .contains(&"output_unacked(M, J) :- submit_held(M, _, J), worker(M, W), notin output_ack(M, W, J);".to_string()));
    let ran = ldfi(
        &repo(),
        &["repair", "specs/commit_attempts.yaml", "--format", "json"],
    );
    assert_eq!(ran.code, 1);
    let j = ran.json();
    assert_eq!(j["rejected"][0]["rejection"]["reason"], "vacuous");
}

#[test]
fn bootstrap_fallback_gets_no_repair_and_no_location_that_is_not_a_node() {
    let spec = Spec::load(&spec("bootstrap_fallback.yaml")).unwrap();
    let target = harness::target_of(&spec).unwrap();
    let r = harness::repair::repair(&target, &options("fallback")).unwrap();
    assert!(r.verified.is_empty());
    // Correction, retries, and the two together: each broken by a run the
    // search found, none out of scope (every location is a node).
    let kinds: Vec<Kind> = r.rejected.iter().map(|c| c.candidate.kind).collect();
    assert_eq!(
        kinds,
        [
            correction::KIND,
            retry::KIND,
            persistence::KIND,
            Kind::COMBINATION,
            Kind::COMBINATION
        ]
    );
    for c in &r.rejected {
        assert!(
            matches!(c.verdict, Err(Rejection::Counterexample { .. })),
            "{:?}",
            c.verdict
        );
        assert!(c.candidate.locations(&target.space().nodes).is_ok());
    }
    let q = r.diagnosis.as_ref().unwrap().debugging.as_ref().unwrap();
    let events: Vec<&str> = q.diff.iter().map(|f| f.event.as_str()).collect();
    assert_eq!(
        events,
        [
            "done(\"j\", \"r1\", \"k\")",
            "stream(\"j\", \"r1\", \"k\", \"v\")"
        ]
    );
}

#[test]
fn leader_epoch_race_success_requires_the_sent_state() {
    let spec = Spec::load(&spec("leader_epoch_race.yaml")).unwrap();
    let target = harness::target_of(&spec).unwrap();
    let r = harness::repair::repair(&target, &options("epoch")).unwrap();
    // The local correction verifies. A retry is proposed for the message
    // the counterexample lost; which message that is depends on which
    // smallest counterexample the search reports (here the lost
    // `recorded`, whose retry races the ack again and is rejected).
    let kinds: Vec<Kind> = r.verified.iter().map(|c| c.candidate.kind).collect();
    assert!(kinds.contains(&correction::KIND), "{kinds:?}");
    let correction = r
        .verified
        .iter()
        .find(|c| c.candidate.kind == correction::KIND)
        .unwrap();
    assert_eq!(
        correction.candidate.rules(),
        [
            "success(L, E) :- ack_buffered(L, _, E), sent(L, E);",
            "ack_buffered(L, X, E) :- ack(L, X, E);",
            "ack_buffered(L, X, E)@next :- ack_buffered(L, X, E);",
        ]
    );
    for c in &r.rejected {
        assert!(
            matches!(c.verdict, Err(Rejection::Counterexample { .. })),
            "{:?}",
            c.verdict
        );
    }
}

/// Records what a search reports about its runs, and keeps every correct one.
#[derive(Default)]
struct Log {
    seen: Vec<(harness::faults::FaultSet, harness::RunVerdict, bool)>,
    kept: Vec<harness::faults::FaultSet>,
}

impl harness::SearchObserver for Log {
    fn observe(&mut self, seen: &harness::Observation<'_>) -> bool {
        self.seen
            .push((seen.faults.clone(), seen.verdict, seen.run.is_some()));
        seen.verdict == harness::RunVerdict::Correct
    }

    fn keep(&mut self, faults: harness::faults::FaultSet, _run: dedalus::eval::Run) {
        self.kept.push(faults);
    }
}

#[test]
fn a_search_reports_every_run_to_its_observer() {
    use std::sync::{Arc, Mutex};
    let spec = Spec::load(&spec("async_primary_backup.yaml")).unwrap();
    let target = harness::target_of(&spec).unwrap();
    let log = Arc::new(Mutex::new(Log::default()));
    let budget = harness::Budget {
        all: true,
        observer: Some(harness::Observer::from(log.clone())),
        ..harness::Budget::default()
    };
    let o = harness::search(&target, harness::Lineage, &budget, &mut |_| {}).unwrap();
    let log = log.lock().unwrap();
    assert_eq!(log.seen.len(), o.runs, "one report per run");
    assert!(log.seen[0].0.is_empty(), "the failure-free run comes first");
    assert_eq!(log.seen[0].1, harness::RunVerdict::Correct);
    assert!(log.seen.iter().all(|(_, _, run)| *run));
    let violated = log
        .seen
        .iter()
        .filter(|(_, v, _)| *v == harness::RunVerdict::Violated)
        .count();
    assert!(violated >= o.counterexamples.len() && violated > 0);
    let correct: Vec<_> = log
        .seen
        .iter()
        .filter(|(_, v, _)| *v == harness::RunVerdict::Correct)
        .map(|(f, _, _)| f.clone())
        .collect();
    assert_eq!(
        log.kept, correct,
        "exactly the runs asked for are handed over"
    );
}

#[test]
fn kept_runs_give_the_same_good_runs_as_running_them_again() {
    use std::sync::{Arc, Mutex};
    let spec = Spec::load(&spec("async_primary_backup.yaml")).unwrap();
    let target = harness::target_of(&spec).unwrap();
    let kept = Arc::new(Mutex::new(harness::repair::KeptRuns::default()));
    let budget = harness::Budget {
        observer: Some(harness::Observer::from(kept.clone())),
        ..harness::Budget::default()
    };
    let o = harness::search(&target, harness::Portfolio::default(), &budget, &mut |_| {}).unwrap();
    let cx = o.counterexample().unwrap();
    let mut kept = std::mem::take(&mut *kept.lock().unwrap());
    assert!(kept.get(&harness::faults::FaultSet::none()).is_some());
    let before = kept.len();
    let reused = harness::repair::good_runs_kept(&target, cx, &mut kept).unwrap();
    assert!(
        kept.len() < before,
        "some good run was taken from the search"
    );
    let fresh = harness::repair::good_runs(&target, cx).unwrap();
    assert_eq!(reused.len(), fresh.len());
    for (a, b) in reused.iter().zip(&fresh) {
        assert_eq!(a.faults, b.faults);
        assert_eq!(a.run.to_json(), b.run.to_json());
    }
}

#[test]
fn debug_explains_a_chosen_run_and_names_the_suspects_first() {
    let ran = ldfi(
        &repo(),
        &[
            "debug",
            "specs/async_primary_backup.yaml",
            "--omit",
            "primary,r1,2",
            "--omit",
            "primary,r2,2",
            "--format",
            "json",
        ],
    );
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let j = ran.json();
    assert_eq!(
        j["counterexample"]["faults"],
        "omit primary->r1@2, omit primary->r2@2"
    );
    // The early acknowledgement is among the first suspects.
    let suspects = j["suspects"].as_array().unwrap();
    assert!(
        suspects[..3]
            .iter()
            .any(|s| s["text"] == "ack(C, P, V)@async :- request(P, C, V);"),
        "{suspects:?}"
    );
    assert!(suspects[0]["rule"].as_str().unwrap().contains(".ded:"));
    // A chosen run that does not fail is an error, said plainly.
    let fine = ldfi(
        &repo(),
        &[
            "debug",
            "specs/async_primary_backup.yaml",
            "--omit",
            "primary,r1,2",
        ],
    );
    assert_eq!(fine.code, 2, "{}", fine.stdout);
    assert!(fine.stderr.contains("does not violate the specification"));
}

#[test]
fn repair_json_has_the_ladder_of_every_verified_candidate_and_of_the_bug() {
    let ran = ldfi(
        &repo(),
        &[
            "repair",
            "specs/async_primary_backup.yaml",
            "--format",
            "json",
        ],
    );
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let j = ran.json();
    let ladder = j["verified"][0]["ladder"].as_array().unwrap();
    let rungs: Vec<&str> = ladder.iter().map(|s| s["rung"].as_str().unwrap()).collect();
    assert_eq!(
        rungs,
        [
            "spec",
            "eff_at_eot",
            "longer_run",
            "more_crashes",
            "longer_delay"
        ]
    );
    assert_eq!(ladder[1]["mark"]["mark"], "holds");
    // The failed rung carries its counterexample and replay line.
    assert_eq!(ladder[3]["mark"]["mark"], "broken");
    assert!(
        ladder[3]["mark"]["replay"]
            .as_str()
            .unwrap()
            .starts_with("ldfi run ")
    );
    assert_eq!(j["ladder"][0]["mark"]["mark"], "broken");
    assert!(j["effort"]["replays"].as_u64().unwrap() > 0);
}
