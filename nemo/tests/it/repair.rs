//! Repairs: synthesis from provenance, patches as diffs, scope.

use dedalus::syntax::ast::{Clause, HeadTime};
use nemo::repair::Kind;
use nemo::repair::{correction, retry};
use nemo::{Candidate, Edit};

use crate::fixtures::{good_and_failed, program};

fn candidates() -> (dedalus::Program, Vec<Candidate>) {
    let program = program();
    let (good, failed) = good_and_failed(&program);
    let (cands, notes) = nemo::candidates(&program, &good, &failed);
    // No local correction, no race: those families say why they do not apply.
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("no local correction candidate")),
        "{notes:?}"
    );
    assert!(
        notes.iter().any(|n| n.starts_with("no ordering candidate")),
        "{notes:?}"
    );
    // The correction first, then the retry.
    assert_eq!(cands[0].kind, correction::KIND);
    assert_eq!(cands[1].kind, retry::KIND);
    (program, cands)
}

#[test]
fn the_correction_acknowledges_the_log_to_the_primary() {
    let (program, cands) = candidates();
    let c = &cands[0];
    assert_eq!(c.kind, correction::KIND);
    assert_eq!(
        c.rules(),
        [
            "ack(C, P, V)@async :- request_held(P, C, V), notin log_unacked(P, V);",
            "request_held(P, C, V) :- request(P, C, V);",
            "request_held(P, C, V)@next :- request_held(P, C, V);",
            "log_unacked(P, V) :- request_held(P, _, V), replica(P, R), notin log_ack(P, R, V);",
            "log_ack(Src, R, V)@async :- replicate(R, Src, V);",
            "log_ack(Src, R, V)@next :- log_ack(Src, R, V);",
        ]
    );
    assert!(c.scope(&program).is_ok());
    let patch = c.patch(&program);
    assert_eq!(patch.files.len(), 1);
    // One line changed, five added.
    assert_eq!(patch.size(), 7);
    // The patched program loads, and without faults the client is still
    // acknowledged (at t=5, after the log acks reached the primary).
    let patched = dedalus::load_str("patched.ded", &patch.files[0].patched).expect("loads");
    let eval = dedalus::eval::Evaluator::new(&patched, &crate::fixtures::NODES).expect("compiles");
    let run = eval.run(&dedalus::eval::RunConfig::new(6)).expect("runs");
    assert_eq!(run.relation_at("acked", 5).len(), 1);
    assert_eq!(run.relation_at("acked", 4).len(), 0);
    assert!(run.violations().expect("spec").is_empty());
}

#[test]
fn the_retry_resends_replication_from_a_persisted_request() {
    let (program, cands) = candidates();
    let c = &cands[1];
    assert_eq!(c.kind, retry::KIND);
    assert_eq!(
        c.rules(),
        [
            "request_held(P, X, V) :- request(P, X, V);",
            "request_held(P, X, V)@next :- request_held(P, X, V);",
            "replicate(R, P, V)@async :- request_held(P, _, V), replica(P, R);",
        ]
    );
    // The retry replaces the one-shot rule it subsumes.
    assert!(matches!(c.edits[2], Edit::Replace { .. }), "{:?}", c.edits);
    assert!(
        c.caveat
            .as_deref()
            .is_some_and(|s| s.contains("crash of the sender"))
    );
    assert!(c.scope(&program).is_ok());
}

#[test]
fn patches_are_unified_diffs_git_applies() {
    let (program, cands) = candidates();
    let dir = std::env::temp_dir().join(format!("nemo-git-apply-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("protocols")).expect("mkdir");
    let original = &cands[0].patch(&program).files[0];
    let file = dir.join("protocols/async_primary_backup.ded");
    std::fs::write(&file, &original.original).expect("write");
    for c in &cands {
        let patch = c.patch(&program);
        // Paths relative to the repository root, as `git apply` wants them.
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let diff = patch.diff_in(&root);
        assert!(
            diff.starts_with("diff --git a/protocols/async_primary_backup.ded b/protocols/"),
            "{diff}"
        );
        std::fs::write(dir.join("x.patch"), &diff).expect("write");
        let status = std::process::Command::new("git")
            .args(["apply", "--check", "x.patch"])
            .current_dir(&dir)
            .status();
        if let Ok(status) = status {
            assert!(status.success(), "git apply rejects:\n{diff}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn scope_rejects_edits_of_the_specification_and_oracle_reads() {
    let (program, cands) = candidates();
    let pre_rule = program
        .rules()
        .iter()
        .position(|r| r.head.name.name == "pre")
        .expect("pre") as u32;
    let mut weaker = program.rules()[pre_rule as usize].clone();
    weaker.body.truncate(1);
    let edit_pre = Candidate {
        edits: vec![Edit::Replace {
            rule: pre_rule,
            with: weaker,
        }],
        ..cands[0].clone()
    };
    assert!(
        edit_pre
            .scope(&program)
            .unwrap_err()
            .contains("specification rule `pre`")
    );
    // acked(C, V) :- ack(C, _, V), post(V);  -- "verifies" trivially.
    let module = dedalus::syntax::parse(
        dedalus::syntax::ast::FileId(0),
        "acked(C, V) :- ack(C, _, V), post(V);",
    )
    .expect("parses");
    let Clause::Rule(reads_post) = module.clauses[0].clone() else {
        panic!()
    };
    assert_eq!(reads_post.time, HeadTime::Now);
    let acked = program
        .rules()
        .iter()
        .position(|r| r.head.name.name == "acked" && r.time == HeadTime::Now)
        .expect("acked") as u32;
    let cheat = Candidate {
        edits: vec![Edit::Replace {
            rule: acked,
            with: reads_post,
        }],
        ..cands[0].clone()
    };
    assert!(
        cheat
            .scope(&program)
            .unwrap_err()
            .contains("depend on `post`")
    );
}

#[test]
fn locations_must_be_nodes() {
    let (_, cands) = candidates();
    let nodes: Vec<String> = crate::fixtures::NODES
        .iter()
        .map(|n| n.to_string())
        .collect();
    for c in &cands {
        assert!(c.locations(&nodes).is_ok());
    }
    // A rule located at a table name, or sending to one, is refused.
    let module = dedalus::syntax::parse(
        dedalus::syntax::ast::FileId(0),
        "log(\"users\", V) :- request(\"users\", _, V);\nack(\"users\", P, V)@async :- request(P, _, V);",
    )
    .expect("parses");
    for (i, clause) in module.clauses.iter().enumerate() {
        let Clause::Rule(r) = clause.clone() else {
            panic!()
        };
        let c = Candidate {
            edits: vec![Edit::Insert { after: 0, rule: r }],
            ..cands[0].clone()
        };
        let err = c.locations(&nodes).unwrap_err();
        let what = ["location", "destination"][i];
        assert!(
            err.contains(&format!("\"users\" as its {what}, which is not a node")),
            "{err}"
        );
    }
}

#[test]
fn combining_candidates_merges_edits_once_and_refuses_conflicts() {
    let (_, cands) = candidates();
    let (correction, retry) = (&cands[0], &cands[1]);
    let both = correction.combine(retry).expect("no shared replacement");
    assert_eq!(both.kind, Kind::COMBINATION);
    assert_eq!(both.edits.len(), correction.edits.len() + retry.edits.len());
    assert!(
        retry.combine(retry).is_none(),
        "both replace the replication rule"
    );
    assert!(
        correction.combine(correction).is_none(),
        "both replace the ack rule"
    );
}
