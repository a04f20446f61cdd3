//! Tests: races found by delay alone. Under `omissions: false` (reliable,
//! unordered channels) every strategy searches delays and crashes only; the
//! race specs are violated by delays, their repairs hold, each verdict
//! agrees with exhaustive search, and each counterexample's replay line
//! reproduces it.

use std::path::Path;
use std::process::Command;

use dedalus::faults::Envelope;
use harness::{
    Budget, Exhaustive, Fault, FaultSet, Lineage, Portfolio, Random, SearchStrategy, Spec,
    Symbolic, Target, Verdict,
};
use rand::SeedableRng;

fn spec(name: &str) -> Spec {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../specs/{name}.yaml"));
    Spec::load(&path).unwrap_or_else(|e| panic!("{e}"))
}

fn target(name: &str, omissions: bool) -> Target {
    let mut spec = spec(name);
    assert!(
        !spec.space.omissions,
        "{name}: the race specs set `omissions: false`"
    );
    spec.space.omissions = omissions;
    harness::target_of(&spec).unwrap_or_else(|e| panic!("{e}"))
}

fn search(t: &Target, strategy: &dyn SearchStrategy) -> harness::Outcome {
    harness::search(t, strategy, &Budget::default(), &mut |_| {})
        .unwrap_or_else(|e| panic!("{strategy:?}: {e}"))
}

const RACES: [&str; 2] = ["view_vote_race_small", "read_deadline_small"];
const REPAIRS: [&str; 2] = ["view_vote_held_small", "read_deadline_slack_small"];
const STRATEGIES: [&dyn SearchStrategy; 5] = [
    &Portfolio { smallest: false },
    &Symbolic,
    &Lineage,
    &Exhaustive,
    &Random { seed: 3 },
];

fn only_delays(faults: &FaultSet) -> bool {
    faults.iter().all(|f| matches!(f, Fault::Delay { .. }))
}

#[test]
fn every_strategy_finds_the_races_by_delays_alone() {
    for name in RACES {
        let t = target(name, false);
        let exhaustive = search(&t, &Exhaustive);
        assert!(matches!(exhaustive.verdict, Verdict::Violated), "{name}");
        let smallest = exhaustive.counterexample().unwrap().faults.len();
        assert_eq!(smallest, 1, "{name}: one late message is the race");
        for strategy in STRATEGIES {
            let o = search(&t, strategy);
            assert!(
                matches!(o.verdict, Verdict::Violated),
                "{name} {strategy:?}: {:?}",
                o.verdict
            );
            let cx = o.counterexample().unwrap();
            assert!(
                only_delays(&cx.faults),
                "{name} {strategy:?}: {}",
                cx.faults.describe(&t.space().nodes)
            );
            assert!(cx.replay.contains("--delay "), "{}", cx.replay);
            assert!(!cx.replay.contains("--omit"), "{}", cx.replay);
            if strategy.id() != harness::random::ID {
                assert_eq!(cx.faults.len(), smallest, "{name} {strategy:?}");
            }
        }
    }
}

#[test]
fn the_repairs_hold_without_omissions_and_say_so() {
    for name in REPAIRS {
        let t = target(name, false);
        for strategy in [
            &Portfolio::default() as &dyn SearchStrategy,
            &Symbolic,
            &Exhaustive,
        ] {
            let o = search(&t, strategy);
            assert!(
                matches!(o.verdict, Verdict::Holds),
                "{name} {strategy:?}: {:?}",
                o.verdict
            );
            let cert = o.certificate();
            assert!(cert.contains("no omissions"), "{name}: {cert}");
            assert!(!o.vacuous(), "{name}");
        }
        for strategy in [&Lineage as &dyn SearchStrategy, &Random { seed: 3 }] {
            let o = search(&t, strategy);
            assert!(
                matches!(o.verdict, Verdict::Inconclusive { .. }),
                "{name} {strategy:?}: {:?}",
                o.verdict
            );
        }
    }
}

/// The repairs fix the race, not loss: with omissions admitted, one lost
/// message breaks each, and the certificate of the full model says nothing
/// about omissions.
#[test]
fn the_repairs_fall_to_one_omission_under_the_full_model() {
    for name in REPAIRS {
        let t = target(name, true);
        for strategy in [&Portfolio::default() as &dyn SearchStrategy, &Exhaustive] {
            let o = search(&t, strategy);
            assert!(
                matches!(o.verdict, Verdict::Violated),
                "{name} {strategy:?}"
            );
            let cx = o.counterexample().unwrap();
            assert!(
                cx.faults
                    .iter()
                    .any(|f| matches!(f, Fault::Omission { .. })),
                "{name} {strategy:?}: {}",
                cx.faults.describe(&t.space().nodes)
            );
        }
    }
}

/// The replay line of each race's counterexample, run as a command, shows
/// the violation.
#[test]
fn replay_lines_reproduce_the_races() {
    for name in RACES {
        let t = target(name, false);
        let o = search(&t, &Portfolio::default());
        let replay = &o.counterexample().unwrap().replay;
        let args: Vec<&str> = replay.split_whitespace().collect();
        assert_eq!(args[0], "ldfi", "{replay}");
        let out = Command::new(env!("CARGO_BIN_EXE_ldfi"))
            .args(&args[1..])
            .output()
            .expect("run ldfi");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            stdout.contains("specification at EOT: VIOLATED"),
            "{replay}\n{stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// The admissible space itself: no omission is admissible, the count is
/// `(1 + max_delay)^channels · crash sets`, the enumeration and the random
/// sampler produce no omission, and the disturbance of a message is its
/// longest delay.
#[test]
fn the_space_without_omissions() {
    let mut space = target("view_vote_race_small", false).space().clone();
    let omit = Fault::Omission {
        from: 0,
        to: 2,
        time: 1,
    };
    let late = Fault::Delay {
        from: 0,
        to: 2,
        time: 1,
        by: 2,
    };
    assert!(!space.admits(&[omit].into_iter().collect()));
    assert!(space.admits(&[late].into_iter().collect()));
    assert_eq!(
        space.bounds().disturbance(Envelope::new(0, 2, 1)),
        Some(late)
    );
    let channels = space.channel_count() as u32;
    assert_eq!(
        space.combinations().exact(),
        Some(3u64.pow(channels)),
        "{space:?}"
    );
    let sets = harness::exhaustive::all_sets(&space);
    assert_eq!(sets.len() as u64, 3u64.pow(channels));
    assert!(sets.iter().all(only_delays));
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
    let drawn: Vec<FaultSet> = (0..200)
        .map(|_| harness::random::sample(&space, &mut rng))
        .collect();
    assert!(drawn.iter().all(|s| only_delays(s) && space.admits(s)));
    assert!(drawn.iter().any(|s| !s.is_empty()));
    // Without delays either, nothing but crashes can happen.
    space.max_delay = 0;
    assert_eq!(space.bounds().disturbance(Envelope::new(0, 2, 1)), None);
    assert_eq!(space.combinations().exact(), Some(1));
    assert_eq!(harness::exhaustive::all_sets(&space).len(), 1);
    space.omissions = true;
    assert_eq!(
        space.bounds().disturbance(Envelope::new(0, 2, 1)),
        Some(omit)
    );
}

/// `omissions` defaults to true; `false` is read from the spec, and
/// `--no-omissions` turns it off on the command line.
#[test]
fn the_key_and_the_flag() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let full = Spec::parse(
        Path::new("x.yaml"),
        "program: [p.ded]\nnodes: [a, b]\neot: 3\neff: 2\ncrashes: 0\n",
    )
    .unwrap();
    assert!(full.space.omissions);
    let bad = Spec::parse(
        Path::new("x.yaml"),
        "program: [p.ded]\nnodes: [a, b]\neot: 3\neff: 2\ncrashes: 0\nomissions: maybe\n",
    )
    .unwrap_err();
    assert!(bad.to_string().contains("omissions"), "{bad}");
    let check = |extra: &[&str]| {
        let mut args = vec![
            "check",
            "protocols/view_vote_held.ded",
            "-N",
            "m,w,r",
            "-t",
            "4",
            "-f",
            "2",
            "--max-delay",
            "2",
        ];
        args.extend(extra);
        let out = Command::new(env!("CARGO_BIN_EXE_ldfi"))
            .args(&args)
            .current_dir(&dir)
            .output()
            .expect("run ldfi");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (code, text) = check(&[]);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("omit m->r@1"), "{text}");
    let (code, text) = check(&["--no-omissions"]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("max_delay 2, no omissions"), "{text}");
}
