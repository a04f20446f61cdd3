//! Tests: the one fault vocabulary (`dedalus::faults`, re-exported by
//! `harness::faults`): the fate rule against the evaluator, the faults that
//! can affect a message, the bounds validator and its keys, and the public
//! API refusing bad faults and bad shrink requests with errors, not panics.

use std::path::Path;

use dedalus::faults::partition::Written;
use dedalus::provenance::Fate;
use harness::faults::{Bounds, BoundsError, Envelope, Fault, FaultSet, FaultSpace, Side};
use harness::{Error, Spec};

use crate::ldfi::{BCAST, target};

fn space(nodes: usize, eot: u32, eff: u32, crashes: u32, max_delay: u32) -> FaultSpace {
    FaultSpace {
        nodes: (0..nodes).map(|i| format!("n{i}")).collect(),
        eot,
        eff,
        crashes,
        max_delay,
        omissions: true,
    }
}

/// Every single fault of `space`, admissible or not within the budget.
fn single_faults(space: &FaultSpace) -> Vec<Fault> {
    let mut out = Vec::new();
    let n = space.node_count();
    for node in 0..n {
        for time in 1..=space.eot {
            out.push(Fault::Crash { node, time });
        }
    }
    for (from, to, time) in space.channels() {
        out.push(Fault::Omission { from, to, time });
        for by in 1..=space.max_delay {
            out.push(Fault::Delay { from, to, time, by });
        }
    }
    out
}

#[test]
fn the_fate_rule_pins_docs_dedalus_section_5() {
    let e = Envelope::new(0, 1, 2);
    let set = |fs: &[Fault]| fs.iter().copied().collect::<FaultSet>();
    let omit = Fault::Omission {
        from: 0,
        to: 1,
        time: 2,
    };
    let delay = Fault::Delay {
        from: 0,
        to: 1,
        time: 2,
        by: 3,
    };
    let crash = |time| Fault::Crash { node: 0, time };
    assert_eq!(set(&[]).fate(e), Fate::Delivered);
    assert_eq!(set(&[omit]).fate(e), Fate::Omitted);
    assert_eq!(set(&[delay]).fate(e), Fate::Delayed(3));
    // A crash at or before the send wins over an omission or a delay.
    assert_eq!(set(&[omit, crash(2)]).fate(e), Fate::Crashed(2));
    assert_eq!(set(&[delay, crash(1)]).fate(e), Fate::Crashed(1));
    // A crash after the send does not touch it.
    assert_eq!(set(&[crash(3)]).fate(e), Fate::Delivered);
    // A node's messages to itself always arrive.
    assert_eq!(
        set(&[crash(1)]).fate(Envelope::new(0, 0, 2)),
        Fate::Delivered
    );
    // Another envelope's faults do not touch it.
    assert_eq!(set(&[omit]).fate(Envelope::new(0, 1, 1)), Fate::Delivered);
    assert_eq!(set(&[omit]).fate(Envelope::new(1, 0, 2)), Fate::Delivered);
    assert_eq!(Fate::Delayed(3).arrival(2), Some(6));
    assert_eq!(Fate::Delivered.arrival(2), Some(3));
    assert_eq!(Fate::Delayed(u32::MAX).arrival(2), None);
    assert_eq!(Fate::Crashed(1).arrival(2), None);
}

#[test]
fn the_evaluator_deals_every_message_the_fate_of_the_rule() {
    // Every admissible fault set of a small space, with delays and a crash:
    // each message of each run has exactly the fate `FaultSet::fate` gives.
    let retry = format!("{BCAST}bcast(N, P)@next :- bcast(N, P);\n");
    let program = dedalus::load_str("t.ded", &retry).unwrap();
    let mut space = space(3, 3, 2, 1, 1);
    space.nodes = vec!["a".into(), "b".into(), "c".into()];
    let t = harness::Target::new(vec!["t.ded".into()], &program, space).unwrap();
    let sets = harness::exhaustive::all_sets(t.space());
    assert!(sets.len() > 100, "{}", sets.len());
    let mut seen = std::collections::BTreeSet::new();
    for set in &sets {
        let run = t.run(set).unwrap();
        assert_eq!(run.faults(), set);
        for m in run.messages() {
            let fate = set.fate(Envelope::new(m.from, m.to, m.sent));
            assert_eq!(m.fate, fate, "{m:?} under {}", set.describe(run.nodes()));
            let arrival = fate.arrival(m.sent).filter(|&a| a <= run.eot());
            assert_eq!(m.received, arrival);
            seen.insert(format!("{:?}", m.fate).chars().take(4).collect::<String>());
        }
    }
    // Every kind of fate occurred.
    assert_eq!(seen.len(), 4, "{seen:?}");
}

#[test]
fn the_faults_that_can_affect_a_message_are_exactly_those_that_do() {
    for space in [
        space(3, 5, 3, 1, 2),
        space(2, 4, 4, 2, 1),
        space(3, 3, 1, 0, 0),
    ] {
        let bounds = space.bounds();
        let n = space.node_count();
        for from in 0..n {
            for to in 0..n {
                for sent in 1..space.eot {
                    let e = Envelope::new(from, to, sent);
                    let can: Vec<Fault> = bounds
                        .silencing_crashes(e)
                        .chain(bounds.message_faults(e))
                        .collect();
                    for f in single_faults(&space) {
                        let admissible = space.admits(&FaultSet::from_iter([f]));
                        assert_eq!(
                            admissible && f.affects(e),
                            can.contains(&f),
                            "{f:?} on {e:?} in {space:?}"
                        );
                    }
                    // The latest stop is one of them, and stops the message.
                    if let Some(f) = bounds.latest_stop(e) {
                        assert!(can.contains(&f) && f.affects(e), "{f:?} on {e:?}");
                        assert!(matches!(
                            FaultSet::from_iter([f]).fate(e),
                            Fate::Omitted | Fate::Crashed(_)
                        ));
                    } else {
                        assert!(can.iter().all(|f| matches!(f, Fault::Delay { .. })));
                    }
                }
            }
        }
    }
}

#[test]
fn bounds_errors_know_their_key_and_flag() {
    let nodes = ["a", "b"];
    let b = |eot, eff, crashes| Bounds {
        eot,
        eff,
        crashes,
        max_delay: 0,
        omissions: true,
    };
    let cases: [(Result<(), BoundsError>, &str, &str); 5] = [
        (b(0, 0, 0).validate(&nodes), "eot", "--eot"),
        (b(4, 5, 0).validate(&nodes), "eff", "--eff"),
        (b(4, 2, 3).validate(&nodes), "crashes", "--crashes"),
        (b(4, 2, 0).validate(&["a", "a"]), "nodes", "--nodes"),
        (b(200_000, 2, 0).validate(&nodes), "eot", "--eot"),
    ];
    for (result, key, flag) in cases {
        let e = result.unwrap_err();
        assert_eq!((e.key(), e.flag()), (key, flag), "{e}");
    }
    assert_eq!(
        b(4, 5, 0).validate(&nodes).unwrap_err().to_string(),
        "EFF (5) may not exceed EOT (4): faults after the end of time cannot happen"
    );
    assert!(b(4, 2, 2).validate(&nodes).is_ok());
    assert!(matches!(
        b(4, 2, 0).validate(&["a b"]),
        Err(BoundsError::NodeName { .. })
    ));
    let none: [&str; 0] = [];
    assert_eq!(b(4, 2, 0).validate(&none), Err(BoundsError::NoNodes));
}

#[test]
fn a_spec_error_points_at_the_key_the_error_names() {
    // A node called `EFF` listed twice is about `nodes`, not `eff`.
    let text = "program: [p.ded]\nnodes: [EFF, EFF]\neot: 4\neff: 2\ncrashes: 0\n";
    let err = Spec::parse(Path::new("specs/x.yaml"), text).unwrap_err();
    assert_eq!(err.message, "node `EFF` is listed twice");
    assert_eq!(err.location, Some((2, 1)), "{err}");
    let text = "program: [p.ded]\nnodes: [a]\neot: 0\neff: 0\ncrashes: 0\n";
    let err = Spec::parse(Path::new("specs/x.yaml"), text).unwrap_err();
    assert_eq!(err.location, Some((3, 1)), "{err}");
}

#[test]
fn a_fault_on_a_node_the_target_lacks_is_an_error_not_a_panic() {
    let t = target(BCAST, &["a", "b", "c"], 4, 2, 1);
    for fault in [
        Fault::Omission {
            from: 0,
            to: 7,
            time: 1,
        },
        Fault::Crash { node: 3, time: 1 },
        Fault::Delay {
            from: 9,
            to: 0,
            time: 1,
            by: 1,
        },
    ] {
        let set = FaultSet::from_iter([fault]);
        let err = t.run(&set).unwrap_err();
        assert!(
            err.to_string().contains("does not exist"),
            "{fault:?}: {err}"
        );
        // Describing it names the missing node by id instead of panicking.
        assert!(set.describe(&t.space().nodes).contains('#'));
        assert!(set.flags(&t.space().nodes).contains('#'));
        assert!(!t.space().admits(&set));
    }
    // Faults outside the bounds are errors too.
    let late = FaultSet::from_iter([Fault::Omission {
        from: 0,
        to: 1,
        time: 2,
    }]);
    let err = t.run(&late).unwrap_err().to_string();
    assert!(
        err.contains("omission a,b,2") && err.contains("EFF (2)"),
        "{err}"
    );
    let twice = FaultSet::from_iter([
        Fault::Crash { node: 0, time: 1 },
        Fault::Crash { node: 0, time: 2 },
    ]);
    let err = t.run(&twice).unwrap_err().to_string();
    assert!(err.contains("node `a` crashes twice"), "{err}");
}

#[test]
fn shrinking_a_run_that_does_not_violate_is_an_error_not_a_panic() {
    let t = target(BCAST, &["a", "b", "c"], 4, 2, 0);
    // Losing a -> b at t=1 violates; the failure-free run does not.
    let none = FaultSet::none();
    let run = t.run(&none).unwrap();
    assert!(matches!(
        t.shrink(none.clone(), run),
        Err(Error::NotViolated { .. })
    ));
    let lost = FaultSet::from_iter([Fault::Omission {
        from: 0,
        to: 1,
        time: 1,
    }]);
    // A run that is not the fault set's: judged as given, not trusted.
    let good = t.run(&none).unwrap();
    let err = t.shrink(lost.clone(), good).unwrap_err();
    assert!(err.to_string().contains("omit a->b@1"), "{err}");
    let bad = t.run(&lost).unwrap();
    let (cx, _) = t.shrink(lost.clone(), bad).unwrap();
    assert_eq!(cx.faults, lost);
}

#[test]
fn a_target_space_is_read_only_and_validated() {
    // `Target::space` hands out a shared reference; a space changed before
    // building a target is validated again.
    let t = target(BCAST, &["a", "b", "c"], 4, 2, 0);
    let mut space = t.space().clone();
    space.nodes.clear();
    let program = t.evaluator().program().clone();
    let err = harness::Target::new(vec![], &program, space).unwrap_err();
    assert!(matches!(err, Error::Bounds(BoundsError::NoNodes)), "{err}");
    let mut space = t.space().clone();
    space.crashes = 9;
    let err = harness::Target::new(vec![], &program, space).unwrap_err();
    assert_eq!(
        err.to_string(),
        "impossible bounds: crashes (9) may not exceed the number of nodes (3)"
    );
}

/// `a|b,c@1..2` over nodes a, b, c.
fn a_off_from_b_and_c() -> Fault {
    Fault::Partition {
        left: Side::of([0]).unwrap(),
        right: Side::of([1, 2]).unwrap(),
        start: 1,
        end: 2,
    }
}

#[test]
fn a_partition_is_exactly_the_omissions_between_its_sides_in_its_interval() {
    let p = a_off_from_b_and_c();
    let omissions: FaultSet = p
        .envelopes()
        .into_iter()
        .map(|e| Fault::Omission {
            from: e.from,
            to: e.to,
            time: e.sent,
        })
        .collect();
    // a->b, b->a, a->c, c->a at 1 and at 2.
    assert_eq!(omissions.len(), 8);
    let alone = FaultSet::from_iter([p]);
    for from in 0..3 {
        for to in 0..3 {
            for t in 0..5 {
                let e = Envelope::new(from, to, t);
                assert_eq!(alone.fate(e), omissions.fate(e), "{e:?}");
            }
        }
    }
    assert_eq!(alone.fate(Envelope::new(1, 2, 1)), Fate::Delivered);
    assert_eq!(alone.fate(Envelope::new(2, 0, 2)), Fate::Omitted);
    assert_eq!(alone.fate(Envelope::new(0, 1, 3)), Fate::Delivered);
    // A crash of the sender still wins.
    let crashed = FaultSet::from_iter([p, Fault::Crash { node: 0, time: 1 }]);
    assert_eq!(crashed.fate(Envelope::new(0, 1, 1)), Fate::Crashed(1));
    // The evaluator agrees, message by message, and so does the verdict.
    let t = target(BCAST, &["a", "b", "c"], 4, 3, 0);
    let (cut, lost) = (t.run(&alone).unwrap(), t.run(&omissions).unwrap());
    let fates = |run: &dedalus::eval::Run| {
        run.messages()
            .iter()
            .map(|m| (m.from, m.to, m.sent, m.fate, m.received))
            .collect::<Vec<_>>()
    };
    assert_eq!(fates(&cut), fates(&lost));
    assert!(fates(&cut).iter().any(|m| m.3 == Fate::Omitted));
    assert_eq!(t.judge(&cut), t.judge(&lost));
    let names = &t.space().nodes;
    assert_eq!(alone.describe(names), "partition a|b,c@1..2");
    assert_eq!(alone.flags(names), "--partition 'a|b,c@1..2'");
    // Its row in reports and saved counterexamples, read back.
    let lists = harness::report::FaultLists::new(&alone, names);
    let yaml = serde_yaml::to_string(&lists).unwrap();
    assert!(yaml.contains("partitions:\n- a|b,c@1..2"), "{yaml}");
    let back: harness::report::FaultLists = serde_yaml::from_str(&yaml).unwrap();
    assert_eq!(back, lists);
    // Without one the key is left out: other reports are unchanged.
    let none = serde_yaml::to_string(&harness::report::FaultLists::new(&omissions, names));
    assert!(!none.unwrap().contains("partitions"));
}

#[test]
fn a_partition_is_admissible_only_before_eff_between_disjoint_sides() {
    let t = target(BCAST, &["a", "b", "c"], 4, 2, 0);
    let at = |start, end| {
        let Fault::Partition { left, right, .. } = a_off_from_b_and_c() else {
            unreachable!()
        };
        FaultSet::from_iter([Fault::Partition {
            left,
            right,
            start,
            end,
        }])
    };
    assert!(t.space().admits(&at(1, 1)));
    for (set, says) in [
        (at(1, 2), "partitions are allowed only at 1 <= t < EFF (2)"),
        (at(0, 1), "partitions are allowed only at 1 <= t < EFF (2)"),
        (at(1, 0), "the interval of send times is empty"),
        (
            FaultSet::from_iter([Fault::Partition {
                left: Side::of([0, 1]).unwrap(),
                right: Side::of([1]).unwrap(),
                start: 1,
                end: 1,
            }]),
            "no node is on both sides",
        ),
        (
            FaultSet::from_iter([
                Fault::Omission {
                    from: 1,
                    to: 0,
                    time: 1,
                },
                at(1, 1).iter().copied().next().unwrap(),
            ]),
            "a message takes at most one omission or delay",
        ),
    ] {
        assert!(!t.space().admits(&set), "{set:?}");
        let err = t.run(&set).unwrap_err().to_string();
        assert!(err.contains(says), "{err}");
    }
    // Searches never propose one: a partition is a compound of omissions.
    let space = space(3, 3, 3, 1, 1);
    assert!(
        harness::exhaustive::all_sets(&space)
            .iter()
            .flat_map(|s| s.iter())
            .all(|f| !matches!(f, Fault::Partition { .. }))
    );
}

#[test]
fn a_written_partition_parses_and_says_what_is_wrong_with_a_hint() {
    let w: Written = "a|b, c@2..4".parse().unwrap();
    assert_eq!(
        (w.left.clone(), w.right.clone(), w.start, w.end),
        (vec!["a".into()], vec!["b".into(), "c".into()], 2, 4)
    );
    assert_eq!(w.to_string(), "a|b,c@2..4");
    for (text, problem) in [
        ("a,b@1..2", "no `|` between the two sides"),
        ("a|b", "no `@`"),
        ("a|b@1-2", "no `..`"),
        ("a|b@x..2", "not a non-negative integer"),
        ("a||b@1..2", "more than one `|`"),
        ("a|@1..2", "an empty node name"),
    ] {
        let err = text.parse::<Written>().unwrap_err().to_string();
        assert!(err.contains(problem), "{text}: {err}");
        assert!(err.contains("e.g. `a|b,c@2..4`"), "{text}: {err}");
    }
}

#[test]
fn omissions_that_are_exactly_a_partition_are_described_as_one() {
    let names: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
    let p = a_off_from_b_and_c();
    let omit = |e: Envelope| Fault::Omission {
        from: e.from,
        to: e.to,
        time: e.sent,
    };
    let mut set: FaultSet = p.envelopes().into_iter().map(omit).collect();
    set.insert(Fault::Crash { node: 2, time: 3 });
    assert_eq!(set.describe(&names), "partition a|b,c@1..2, crash c@3");
    // The flags still replay the omissions themselves.
    assert!(set.flags(&names).starts_with("--omit a,b,1"));
    // One omission fewer is no partition.
    let fewer: FaultSet = set.iter().copied().skip(1).collect();
    assert_eq!(
        fewer.describe(&names),
        "partition a|b,c@2..2, omit a->c@1, omit b->a@1, omit c->a@1, crash c@3"
    );
    // Two omissions (one pair, one time) stay omissions.
    let pair: FaultSet = [Envelope::new(0, 1, 1), Envelope::new(1, 0, 1)]
        .map(omit)
        .into_iter()
        .collect();
    assert_eq!(pair.describe(&names), "omit a->b@1, omit b->a@1");
}
