//! DiffC, SkelDiffC, triggers and hazard windows.

use nemo::Vertex;

use crate::fixtures::{good_and_failed, program, run};

#[test]
fn primary_backup_frontier_names_the_lost_replication() {
    let program = program();
    let (good, failed) = good_and_failed(&program);
    // The counterexample with one fault removed: each is good.
    let only_r1_lost = run(&program, &[("primary", "r1", 2)], &[]);
    let only_r2_lost = run(&program, &[("primary", "r2", 2)], &[]);
    let d = nemo::debug(&failed, &[&good, &only_r1_lost, &only_r2_lost]).expect("good runs");
    // The closest good run is not the failure-free one but a run that lost
    // one message: the frontier is the other replica's replication.
    assert_eq!(d.closest, 1);
    assert_eq!(d.diff.len(), 1, "{:?}", d.diff);
    let f = &d.diff[0];
    assert_eq!(f.event, "replicate(\"r2\", \"primary\", \"v1\")");
    assert!(matches!(&f.vertex, Vertex::Goal(g) if g.from.as_deref() == Some("primary")));
    assert_eq!(f.why, "the message from primary never arrived");
    assert_eq!(f.rules.len(), 1);
    assert!(
        f.rules[0].ends_with("async_primary_backup.ded:38:1"),
        "{:?}",
        f.rules
    );
    // Against the failure-free run alone, both replications are missing.
    let alone = nemo::debug(&failed, &[&good]).expect("good run");
    let events: Vec<&str> = alone.diff.iter().map(|f| f.event.as_str()).collect();
    assert_eq!(
        events,
        [
            "replicate(\"r1\", \"primary\", \"v1\")",
            "replicate(\"r2\", \"primary\", \"v1\")"
        ]
    );
    // The skeleton of the three good runs keeps only what all share: post
    // itself, derived by the post rule.
    assert_eq!(d.skeleton.len(), 1, "{:?}", d.skeleton);
    assert_eq!(d.skeleton[0].event, "post(\"v1\")");
    assert!(d.skeleton[0].rules[0].ends_with(":47:1"));
}

#[test]
fn triggers_and_hazard_window() {
    let program = program();
    let (good, failed) = good_and_failed(&program);
    let d = nemo::debug(&failed, &[&good]).expect("good run");
    let pre = &d.pre_triggers[0];
    assert_eq!((pre.relation.as_str(), pre.time), ("pre", 3));
    assert!(pre.rules[0].ends_with(":46:1"), "{:?}", pre.rules);
    // What pre reads (acked) was established by the ack's arrival rule.
    assert!(pre.via[0].ends_with(":37:1"), "{:?}", pre.via);
    let post = &d.post_triggers[0];
    assert_eq!(post.time, 3);
    assert!(post.via[0].ends_with(":39:1"), "{:?}", post.via);
    assert_eq!(d.hazards.len(), 1);
    assert_eq!((d.hazards[0].pre_from, d.hazards[0].post_at), (3, Some(3)));
}

#[test]
fn no_good_run_no_debugging() {
    let program = program();
    let (_, failed) = good_and_failed(&program);
    let vacuous = run(&program, &[], &[("primary", 1)]);
    assert!(nemo::debug(&failed, &[&vacuous]).is_none());
}
