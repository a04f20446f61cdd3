//! Tests: the protocol corpus. Every spec's verdict is what it expects, and
//! on small bounds LDFI's verdict equals exhaustive search's.

use std::path::{Path, PathBuf};

use harness::Exhaustive;
use harness::{Budget, Portfolio, SearchStrategy, Spec, Symbolic, Verdict};

fn specs_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs")
}

/// Verdict, runs, and the size of the first counterexample.
fn verdict_of(
    spec: &Spec,
    strategy: &dyn SearchStrategy,
) -> Result<(String, usize, Option<usize>), String> {
    let target = harness::target_of(spec).map_err(|e| format!("{}: {e}", spec.path.display()))?;
    let o = harness::search(&target, strategy, &Budget::default(), &mut |_| {})
        .map_err(|e| format!("{}: {e}", spec.path.display()))?;
    if let Verdict::Inconclusive { reason } = o.verdict {
        return Err(format!("{}: inconclusive: {reason}", spec.path.display()));
    }
    Ok((
        o.verdict.name().to_string(),
        o.runs,
        o.counterexample().map(|c| c.faults.len()),
    ))
}

/// The default search and the symbolic check alone must reach the verdict
/// of exhaustive search on every small spec, with counterexamples as small
/// as exhaustive search's smallest.
#[test]
fn ldfi_equals_exhaustive_on_small_bounds() {
    let mut mismatches = Vec::new();
    let mut checked = 0;
    for path in harness::spec_files(&specs_dir()).unwrap() {
        if !path
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .ends_with("_small")
        {
            continue;
        }
        let spec = Spec::load(&path).unwrap_or_else(|e| panic!("{e}"));
        let (e, er, ef) = match verdict_of(&spec, &Exhaustive) {
            Ok(v) => v,
            Err(m) => {
                mismatches.push(m);
                continue;
            }
        };
        for strategy in [&Portfolio::default() as &dyn SearchStrategy, &Symbolic] {
            match verdict_of(&spec, strategy) {
                Ok((l, lr, lf)) => {
                    eprintln!(
                        "{}: {strategy:?} {l} ({lr} runs), exhaustive {e} ({er} runs)",
                        path.display()
                    );
                    if l != e || lf != ef {
                        mismatches.push(format!(
                            "{}: {strategy:?} {l} in {lr} runs ({lf:?} faults), exhaustive {e} in {er} ({ef:?} faults)",
                            path.display()
                        ));
                    }
                }
                Err(m) => mismatches.push(m),
            }
        }
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} small specs found");
    assert!(
        mismatches.is_empty(),
        "disagreements with exhaustive search:\n{}",
        mismatches.join("\n")
    );
}

// One test per spec file: its verdict is the one it expects.
harness::spec_tests! {
    spec_2pc => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/2pc.yaml"),
    spec_2pc_ctp => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/2pc_ctp.yaml"),
    spec_2pc_ctp_omission => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/2pc_ctp_omission.yaml"),
    spec_2pc_ctp_small => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/2pc_ctp_small.yaml"),
    spec_2pc_small => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/2pc_small.yaml"),
    spec_2pc_timeout => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/2pc_timeout.yaml"),
    spec_2pc_timeout_late_loss => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/2pc_timeout_late_loss.yaml"),
    spec_2pc_timeout_omission => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/2pc_timeout_omission.yaml"),
    spec_2pc_timeout_small => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/2pc_timeout_small.yaml"),
    spec_3pc => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/3pc.yaml"),
    spec_3pc_crash => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/3pc_crash.yaml"),
    spec_3pc_small => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/3pc_small.yaml"),
    spec_3pc_timeout => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/3pc_timeout.yaml"),
    spec_3pc_timeout_small => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/3pc_timeout_small.yaml"),
    spec_acked_broadcast => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/acked_broadcast.yaml"),
    spec_acked_broadcast_norelay => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/acked_broadcast_norelay.yaml"),
    spec_acked_broadcast_norelay_nocrash => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/acked_broadcast_norelay_nocrash.yaml"),
    spec_acked_broadcast_norelay_small => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/acked_broadcast_norelay_small.yaml"),
    spec_acked_broadcast_noretry => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/acked_broadcast_noretry.yaml"),
    spec_acked_broadcast_noretry_small => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/acked_broadcast_noretry_small.yaml"),
    spec_acked_broadcast_small => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/acked_broadcast_small.yaml"),
    spec_async_primary_backup => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/async_primary_backup.yaml"),
    spec_async_primary_backup_small => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/async_primary_backup_small.yaml"),
    spec_bootstrap_fallback => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/bootstrap_fallback.yaml"),
    spec_bully => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/bully.yaml"),
    spec_bully_crash_small => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/bully_crash_small.yaml"),
    spec_bully_lastround_small => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/bully_lastround_small.yaml"),
    spec_bully_small => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/bully_small.yaml"),
    spec_bully_stale => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/bully_stale.yaml"),
    spec_bully_stale_small => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/bully_stale_small.yaml"),
    spec_classic_broadcast => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/classic_broadcast.yaml"),
    spec_classic_broadcast_crash_small => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/classic_broadcast_crash_small.yaml"),
    spec_classic_broadcast_small => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/classic_broadcast_small.yaml"),
    spec_commit_attempts => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/commit_attempts.yaml"),
    spec_container_expiry => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/container_expiry.yaml"),
    spec_count_threshold => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/count_threshold.yaml"),
    spec_count_threshold_retry => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/count_threshold_retry.yaml"),
    spec_count_threshold_retry_small => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/count_threshold_retry_small.yaml"),
    spec_count_threshold_small => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/count_threshold_small.yaml"),
    spec_doc_example => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/doc_example.yaml"),
    spec_doc_example_retry => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/doc_example_retry.yaml"),
    spec_doc_example_retry_crash => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/doc_example_retry_crash.yaml"),
    spec_election_timeout => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/election_timeout.yaml"),
    spec_election_timeout_crash_small => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/election_timeout_crash_small.yaml"),
    spec_election_timeout_small => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/election_timeout_small.yaml"),
    spec_isr_replication_crash => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/isr_replication_crash.yaml"),
    spec_isr_replication_crash2_small => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/isr_replication_crash2_small.yaml"),
    spec_isr_replication_nocrash => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/isr_replication_nocrash.yaml"),
    spec_isr_replication_small => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/isr_replication_small.yaml"),
    spec_kafka => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/kafka.yaml"),
    spec_kafka_crash3_small => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/kafka_crash3_small.yaml"),
    spec_kafka_minisr => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/kafka_minisr.yaml"),
    spec_kafka_minisr_small => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/kafka_minisr_small.yaml"),
    spec_kafka_nocrash => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/kafka_nocrash.yaml"),
    spec_kv_arith => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/kv_arith.yaml"),
    spec_kv_last_set => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/kv_last_set.yaml"),
    spec_kv_pardon => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/kv_pardon.yaml"),
    spec_leader_epoch_race => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/leader_epoch_race.yaml"),
    spec_kafka_small => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/kafka_small.yaml"),
    spec_paxos => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/paxos.yaml"),
    spec_paxos_ignore_accepted => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/paxos_ignore_accepted.yaml"),
    spec_paxos_quorum1 => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/paxos_quorum1.yaml"),
    spec_paxos_5acc_bench => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/paxos_5acc_bench.yaml"),
    spec_paxos_5acc_bench_q2 => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/paxos_5acc_bench_q2.yaml"),
    spec_paxos_small => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/paxos_small.yaml"),
    spec_read_deadline_slack_small => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/read_deadline_slack_small.yaml"),
    spec_read_deadline_small => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/read_deadline_small.yaml"),
    spec_relay_broadcast => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/relay_broadcast.yaml"),
    spec_relay_broadcast_lastround_small => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/relay_broadcast_lastround_small.yaml"),
    spec_relay_broadcast_small => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/relay_broadcast_small.yaml"),
    spec_retry_broadcast => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/retry_broadcast.yaml"),
    spec_retry_broadcast_small => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/retry_broadcast_small.yaml"),
    spec_schema_data_race => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/schema_data_race.yaml"),
    spec_simple_broadcast => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/simple_broadcast.yaml"),
    spec_simple_broadcast_small => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/simple_broadcast_small.yaml"),
    spec_sync_primary_backup => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/sync_primary_backup.yaml"),
    spec_sync_primary_backup_crash2_small => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/sync_primary_backup_crash2_small.yaml"),
    spec_sync_primary_backup_small => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/sync_primary_backup_small.yaml"),
    spec_view_vote_held_small => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/view_vote_held_small.yaml"),
    spec_view_vote_race_small => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/view_vote_race_small.yaml"),
    // the bug-class corpus (more in classes.rs)
    spec_ckpt_truncate => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/ckpt_truncate.yaml"),
    spec_ckpt_truncate_acked => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/ckpt_truncate_acked.yaml"),
    spec_ckpt_truncate_acked_small => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/ckpt_truncate_acked_small.yaml"),
    spec_ckpt_truncate_retry => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/ckpt_truncate_retry.yaml"),
    spec_ckpt_truncate_retry_eff_eot => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/ckpt_truncate_retry_eff_eot.yaml"),
    spec_ckpt_truncate_retry_small => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/ckpt_truncate_retry_small.yaml"),
    spec_deadline_commit => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/deadline_commit.yaml"),
    spec_deadline_commit_fixed => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/deadline_commit_fixed.yaml"),
    spec_deadline_commit_fixed_small => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/deadline_commit_fixed_small.yaml"),
    spec_deadline_commit_small => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/deadline_commit_small.yaml"),
    spec_gossip_version => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/gossip_version.yaml"),
    spec_gossip_version_fixed => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/gossip_version_fixed.yaml"),
    spec_lease_handoff => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/lease_handoff.yaml"),
    spec_lease_handoff_fixed => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/lease_handoff_fixed.yaml"),
    spec_lease_handoff_fixed_small => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/lease_handoff_fixed_small.yaml"),
    spec_lease_handoff_small => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/lease_handoff_small.yaml"),
    spec_log_commit => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/log_commit.yaml"),
    spec_log_commit_fixed => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/log_commit_fixed.yaml"),
    spec_log_commit_fixed_small => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/log_commit_fixed_small.yaml"),
    spec_log_commit_small => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/log_commit_small.yaml"),
    spec_log_commit_resend => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/log_commit_resend.yaml"),
    spec_log_commit_resend_eff_eot => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/log_commit_resend_eff_eot.yaml"),
    spec_quorum_write => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/quorum_write.yaml"),
    spec_quorum_write_fixed => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/quorum_write_fixed.yaml"),
    spec_quorum_write_resend => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/quorum_write_resend.yaml"),
    spec_quorum_write_resend_eff_eot => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/quorum_write_resend_eff_eot.yaml"),
    spec_raft_lite => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/raft_lite.yaml"),
    spec_raft_lite_anyvote => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/raft_lite_anyvote.yaml"),
    spec_retried_counter => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/retried_counter.yaml"),
    spec_retried_counter_fixed => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/retried_counter_fixed.yaml"),
    spec_retried_counter_fixed_small => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/retried_counter_fixed_small.yaml"),
    spec_retried_counter_small => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/retried_counter_small.yaml"),
    spec_synod5_eot10 => concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/synod5_eot10.yaml"),
}

/// Every spec file has its test above (add new specs to the list).
#[test]
fn every_spec_file_is_tested() {
    let listed = include_str!("corpus.rs");
    for path in harness::spec_files(&specs_dir()).unwrap() {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        assert!(
            listed.contains(&format!("/../specs/{name}\")")),
            "{name} has no spec_tests! entry in corpus.rs"
        );
    }
}
