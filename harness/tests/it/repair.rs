//! Tests: the repair loop (nemo proposes, the search verifies).

use std::path::{Path, PathBuf};

use harness::Spec;
use harness::repair::{Rejection, RepairOptions};
use nemo::repair::Kind;

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
    assert!(r.notes.is_empty(), "{:?}", r.notes);
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
    assert_eq!(fix.candidate.kind, Kind::Correction);
    assert!(
        fix.verdict
            .as_ref()
            .unwrap()
            .contains("no admissible fault schedule")
    );
    let text = std::fs::read_to_string(&fix.files[0]).unwrap();
    assert!(text.contains("log_ack(Src, R, V)@async :- replicate(R, Src, V);"));
    assert!(fix.files[0].ends_with("1/async_primary_backup.ded"));
    // Retries alone are rejected with the counterexample that beats them:
    // the primary crashes once the client holds its ack.
    assert_eq!(r.rejected.len(), 1);
    let retry = &r.rejected[0];
    assert_eq!(retry.candidate.kind, Kind::Retry);
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
