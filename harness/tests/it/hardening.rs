//! Regression tests of issue 8 (hostile inputs, resource limits, interrupts,
//! shell-safe replay lines): each test fails on the code before its fix.

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use harness::{Budget, Exhaustive, Portfolio, Random, SearchStrategy, Verdict};

use crate::cli::Scratch;

use crate::ldfi::{BCAST, target};

/// The repository root (protocols/, specs/).
fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

#[test]
fn an_interrupted_search_is_interrupted_never_holds() {
    // Broadcast with a retry holds when searched to the end; a raised flag
    // must stop every strategy.
    let flag = Arc::new(AtomicBool::new(true));
    let budget = Budget {
        interrupt: Some(flag),
        ..Budget::default()
    };
    let retry = format!("{BCAST}bcast(N, P)@next :- bcast(N, P);\n");
    let t = target(&retry, &["a", "b", "c"], 4, 2, 0);
    let o = harness::search(&t, Portfolio::default(), &Budget::default(), &mut |_| {}).unwrap();
    assert!(matches!(o.verdict, Verdict::Holds));
    for strategy in [
        &Portfolio::default() as &dyn SearchStrategy,
        &Exhaustive,
        &Random { seed: 1 },
    ] {
        let o = harness::search(&t, strategy, &budget, &mut |_| {}).unwrap();
        assert!(
            matches!(o.verdict, Verdict::Interrupted),
            "{strategy:?}: {}",
            o.verdict.name()
        );
    }
}

/// Relay broadcast on `n` nodes with its specification (as in
/// `protocols/relay_broadcast.ded`): every node that logs re-sends to every
/// other node at every step.
fn relay_with_spec(n: usize) -> String {
    let mut src = String::from(
        "node(N, M)@next :- node(N, M);\nlog(N, P)@next :- log(N, P);\nlog(N, P) :- bcast(N, P);\n\
         log(M, P)@async :- log(N, P), node(N, M);\n\
         gap(N, P) :- log(N, P), node(N, M), notin log(M, P), notin crash(N, M, _);\n\
         pre(N, P) :- log(N, P), notin bcast(N, P)@1, notin crash(N, N, _);\n\
         post(N, P) :- log(N, P), notin gap(N, P);\n\
         bcast(\"n0\", \"data\")@1;\n",
    );
    for i in 0..n {
        for j in (0..n).filter(|&j| j != i) {
            src.push_str(&format!("node(\"n{i}\", \"n{j}\")@1;\n"));
        }
    }
    src
}

#[test]
fn a_timeout_inside_the_solver_or_a_run_is_inconclusive_never_holds() {
    // Relay broadcast on 20 nodes holds, after a few hundred milliseconds
    // of grounding and solving (see `ldfi bench`).
    let src = relay_with_spec(20);
    let nodes: Vec<String> = (0..20).map(|i| format!("n{i}")).collect();
    let nodes: Vec<&str> = nodes.iter().map(String::as_str).collect();
    let t = target(&src, &nodes, 20, 19, 1);
    let budget = Budget {
        timeout: Some(Duration::from_millis(30)),
        ..Budget::default()
    };
    let start = Instant::now();
    let o = harness::search(&t, Portfolio::default(), &budget, &mut |_| {}).unwrap();
    assert!(
        matches!(o.verdict, Verdict::Inconclusive { .. }),
        "{}",
        o.verdict.name()
    );
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn ctrl_c_stops_the_search_with_exit_130() {
    let dir = root();
    let child = Command::new(env!("CARGO_BIN_EXE_ldfi"))
        .args([
            "check",
            "protocols/retry_broadcast.ded",
            "-N",
            "a,b,c",
            "-t",
            "800",
            "-f",
            "400",
            "-c",
            "1",
        ])
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start ldfi");
    std::thread::sleep(Duration::from_millis(700));
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(sent.success());
    let start = Instant::now();
    let out = child.wait_with_output().expect("wait");
    // Liveness, not speed: the exit code and the output below show that the
    // interrupt, not the end of the search, stopped it; the bound is loose
    // because a loaded CI machine can be slow to schedule the process.
    assert!(
        start.elapsed() < Duration::from_secs(30),
        "{:?}",
        start.elapsed()
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(130), "{stdout}");
    assert!(stdout.starts_with("INTERRUPTED"), "{stdout}");
    assert!(
        !stdout.contains("HOLDS") && !stdout.contains("counterexample:"),
        "{stdout}"
    );
}

/// Broadcast with a retry (it holds), plus a division that fails only when
/// `a -> b` is lost at t=1: `b` then has no log at t=2.
fn divides_when_a_message_is_lost() -> String {
    format!(
        "{BCAST}bcast(N, P)@next :- bcast(N, P);\n\
         due(\"b\")@2;\n\
         got(N, 1) :- log(N, \"hello\");\n\
         got(N, 0) :- due(N), notin log(N, \"hello\");\n\
         share(N, 10 / C) :- got(N, C);\n"
    )
}

#[test]
fn a_runtime_error_only_a_fault_triggers_is_a_counterexample_not_a_certificate() {
    let t = target(&divides_when_a_message_is_lost(), &["a", "b", "c"], 4, 2, 0);
    for strategy in [
        &Portfolio::default() as &dyn SearchStrategy,
        &Exhaustive,
        &Random { seed: 3 },
    ] {
        let o = harness::search(&t, strategy, &Budget::default(), &mut |_| {})
            .unwrap_or_else(|e| panic!("{strategy:?}: {e}"));
        assert!(
            matches!(o.verdict, Verdict::Violated),
            "{strategy:?}: {}",
            o.verdict.name()
        );
        let cx = o.counterexample().unwrap();
        assert_eq!(cx.faults.describe(&t.space().nodes), "omit a->b@1");
        assert!(cx.violated.is_empty());
        let error = cx.error.as_deref().expect("the runtime error is reported");
        assert!(error.contains("division by zero"), "{error}");
        assert!(cx.replay.ends_with("--omit a,b,1"), "{}", cx.replay);
        let text = harness::report::text::outcome(&harness::Report::new(&o));
        assert!(
            text.contains("the run stops with a runtime error"),
            "{text}"
        );
        assert!(!text.contains("certificate"), "{text}");
    }
}

#[test]
fn a_delay_past_the_largest_time_arrives_after_eot_never_wraps_around() {
    let s = crate::cli::broadcast();
    for by in ["4294967295", "4294967294", "4294967293"] {
        let delay = format!("a,b,1,{by}");
        let args = [
            "run",
            "bcast.ded",
            "--nodes",
            "a,b,c",
            "--eot",
            "4",
            "--eff",
            "2",
            "--max-delay",
            "4294967295",
            "--delay",
            &delay,
        ];
        let text = crate::cli::ldfi(s.path(), &args);
        // b never gets the message: the run violates the specification.
        assert_eq!(text.code, 1, "{}", text.stderr);
        assert!(
            text.stdout
                .contains(&format!("DELAYED by {by}, arrives after EOT")),
            "{}",
            text.stdout
        );
        let mut json_args = args.to_vec();
        json_args.extend(["--format", "json"]);
        let json = crate::cli::ldfi(s.path(), &json_args).json();
        let delayed: Vec<_> = json["messages"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["to"] == "b" && m["from"] == "a")
            .collect();
        assert_eq!(delayed.len(), 1, "{json}");
        assert!(delayed[0]["received"].is_null(), "{}", delayed[0]);
    }
}

#[test]
fn every_accepted_eot_encodes_without_overflowing_the_stack() {
    // ~31,750 nested holds/fires frames at EOT 20000 overflowed the stack;
    // test threads have a smaller stack than the CLI's main thread.
    let src = std::fs::read_to_string(root().join("protocols/simple_broadcast.ded")).unwrap();
    let t = target(&src, &["a", "b", "c"], 20_000, 0, 0);
    let o = harness::search(&t, Portfolio::default(), &Budget::default(), &mut |_| {}).unwrap();
    assert!(matches!(o.verdict, Verdict::Holds), "{}", o.verdict.name());
}

#[test]
fn all_with_json_lists_every_counterexample() {
    let s = crate::cli::broadcast();
    let args = [
        "check",
        "bcast.ded",
        "-N",
        "a,b,c",
        "-t",
        "4",
        "-f",
        "2",
        "-c",
        "0",
        "--all",
        "--format",
        "json",
    ];
    let json = crate::cli::ldfi(s.path(), &args).json();
    let all = json["counterexamples"].as_array().expect("an array");
    let mut replays: Vec<&str> = all.iter().map(|c| c["replay"].as_str().unwrap()).collect();
    replays.sort();
    assert_eq!(replays.len(), 2, "{json}");
    assert!(replays[0].ends_with("--omit a,b,1"), "{replays:?}");
    assert!(replays[1].ends_with("--omit a,c,1"), "{replays:?}");
    assert_eq!(json["counterexample"], all[0]);
}

#[test]
fn max_delay_is_clamped_to_what_eot_allows_and_a_hunt_survives_a_huge_one() {
    let s = crate::cli::broadcast();
    let start = Instant::now();
    let ran = crate::cli::ldfi(
        s.path(),
        &[
            "check",
            "bcast.ded",
            "-N",
            "a,b,c",
            "-t",
            "4",
            "-f",
            "2",
            "--max-delay",
            "1000000",
        ],
    );
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(ran.code, 1, "{}{}", ran.stdout, ran.stderr);
    assert!(ran.stdout.contains("max_delay 2"), "{}", ran.stdout);

    s.write(
        "specs/huge_delay.yaml",
        "program: [../bcast.ded]\nnodes: [a, b, c]\neot: 4\neff: 2\ncrashes: 0\nmax_delay: 4294967295\n",
    );
    s.write(
        "specs/plain.yaml",
        "program: [../bcast.ded]\nnodes: [a, b, c]\neot: 4\neff: 2\ncrashes: 0\nexpect: violated\n",
    );
    let ran = crate::cli::ldfi(s.path(), &["hunt", "specs"]);
    assert!(
        ran.stdout.contains("huge_delay.yaml"),
        "{}{}",
        ran.stdout,
        ran.stderr
    );
    assert!(ran.stdout.contains("plain.yaml"), "{}", ran.stdout);
    assert!(ran.stdout.contains("of 2 met"), "{}", ran.stdout);
}

#[test]
fn counting_combinations_does_not_list_every_channel() {
    let space = harness::FaultSpace {
        nodes: (0..20_003).map(|i| format!("n{i}")).collect(),
        eot: 3,
        eff: 2,
        crashes: 0,
        max_delay: 0,
        omissions: true,
    };
    assert_eq!(space.channel_count(), 20_003 * 20_002);
    let start = Instant::now();
    let c = space.combinations();
    assert!(
        start.elapsed() < Duration::from_millis(100),
        "{:?}",
        start.elapsed()
    );
    assert!((c.log10 - 20_003.0 * 20_002.0 * 2f64.log10()).abs() < 1.0);
    let small = harness::FaultSpace {
        nodes: vec!["a".into(), "b".into(), "c".into()],
        eot: 5,
        eff: 4,
        crashes: 1,
        max_delay: 0,
        omissions: true,
    };
    assert_eq!(small.channel_count() as usize, small.channels().len());
}

/// `ldfi run FILE --nodes a --eot EOT [extra]` on `src` in a scratch directory.
fn run_program(src: &str, eot: &str, extra: &[&str]) -> crate::cli::Ran {
    let s = Scratch::new("runaway");
    s.write("p.ded", src);
    let mut args = vec!["run", "p.ded", "--nodes", "a", "--eot", eot];
    args.extend(extra);
    crate::cli::ldfi(s.path(), &args)
}

fn facts(rel: &str, n: usize) -> String {
    (0..n).map(|i| format!("{rel}(\"a\", {i})@1;\n")).collect()
}

#[test]
fn the_runaway_budget_covers_aggregates_bytes_and_whole_runs_naming_the_rule() {
    // An aggregate over a product: no tuple is derived until the groups
    // are complete, so only the byte budget of the groups can stop it.
    let agg = format!(
        "c(N, count<X>) :- p(N, X), p(N, Y), p(N, Z);\n{}",
        facts("p", 100)
    );
    let ran = run_program(&agg, "2", &["--budget", "step-mib=8"]);
    assert_eq!(ran.code, 2, "{}", ran.stdout);
    for words in [
        "budget of 8 MiB per timestep",
        "rule `c(N, count<X>) :- p(N, X), p(N, Y), p(N, Z);`",
        "p.ded:1:1",
        "--budget",
    ] {
        assert!(ran.stderr.contains(words), "{words}: {}", ran.stderr);
    }
    // A wide head over a product, with the default budget: bytes, not tuples.
    let head = ["X"; 50]
        .iter()
        .chain(["Y"; 50].iter())
        .copied()
        .collect::<Vec<_>>();
    let wide = format!(
        "w(N, {}) :- q(N, X), q(N, Y);\n{}",
        head.join(", "),
        facts("q", 3000)
    );
    let start = Instant::now();
    let ran = run_program(&wide, "2", &[]);
    assert_eq!(ran.code, 2, "{}", ran.stdout);
    assert!(
        ran.stderr.contains("budget of 256 MiB per timestep"),
        "{}",
        ran.stderr
    );
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
    // Tuples kept forever with @next: each timestep is small, the run is not.
    let keep = "r(N, X)@next :- r(N, X);\nr(N, X + 1) :- r(N, X), X < 2000;\nr(\"a\", 0)@1;\n";
    let ran = run_program(keep, "30", &["--budget", "run-tuples=20000"]);
    assert_eq!(ran.code, 2, "{}", ran.stdout);
    assert!(
        ran.stderr
            .contains("budget of 20000 tuples per run at timestep 10"),
        "{}",
        ran.stderr
    );
    // Per timestep, the tuple bound says the bound it enforces.
    let ran = run_program(keep, "3", &["--budget", "step-tuples=500"]);
    assert!(
        ran.stderr
            .contains("budget of 500 tuples per timestep at timestep 1"),
        "{}",
        ran.stderr
    );
    assert!(
        ran.stderr
            .contains("rule `r(N, X + 1) :- r(N, X), X < 2000;`"),
        "{}",
        ran.stderr
    );
}

#[test]
fn oversized_sources_and_deeply_nested_specs_are_refused_at_once() {
    let s = Scratch::new("sizes");
    let big = "// padding\n".repeat((17 << 20) / 11);
    s.write("big.ded", &big);
    s.write("p.ded", "include \"big.ded\";\n");
    s.write(
        "deep.yaml",
        &format!("nodes: {}{}\n", "[".repeat(100_000), "]".repeat(100_000)),
    );
    let start = Instant::now();
    let ran = crate::cli::ldfi(s.path(), &["run", "p.ded", "--nodes", "a", "--eot", "1"]);
    assert_eq!(ran.code, 2);
    assert!(ran.stderr.contains("larger than 16 MiB"), "{}", ran.stderr);
    let ran = crate::cli::ldfi(s.path(), &["check", "deep.yaml"]);
    assert_eq!(ran.code, 2);
    assert!(ran.stderr.contains("more than 64 deep"), "{}", ran.stderr);
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn every_argument_of_a_replay_line_is_shell_quoted() {
    let space = harness::FaultSpace {
        nodes: vec!["a".into(), "b".into(), "c".into()],
        eot: 4,
        eff: 2,
        crashes: 0,
        max_delay: 0,
        omissions: true,
    };
    let faults: harness::FaultSet = [harness::Fault::Omission {
        from: 0,
        to: 1,
        time: 1,
    }]
    .into_iter()
    .collect();
    let files = [std::path::PathBuf::from("dir with space/p $(x).ded")];
    let line = harness::verdict::replay_line(&files, &space, &faults);
    assert_eq!(
        line,
        "ldfi run 'dir with space/p $(x).ded' --nodes a,b,c --eot 4 --eff 2 --omit a,b,1"
    );
    assert_eq!(harness::verdict::shell_word("it's"), r"'it'\''s'");
    for bad in ["$(touch pwned)", "a b", "x;y", "`id`", "-rf", ""] {
        assert!(harness::faults::check_node_name(bad).is_err(), "{bad}");
    }
    for good in ["a", "node-1", "r1.east", "p_2"] {
        assert!(harness::faults::check_node_name(good).is_ok(), "{good}");
    }
}

#[cfg(unix)]
#[test]
fn save_refuses_a_symlink_at_the_report_path_instead_of_writing_through_it() {
    let s = crate::cli::broadcast();
    s.write("victim.txt", "precious\n");
    std::fs::create_dir_all(s.path().join("reports")).unwrap();
    std::os::unix::fs::symlink(
        s.path().join("victim.txt"),
        s.path().join("reports/bcast-counterexample.yaml"),
    )
    .unwrap();
    let ran = crate::cli::ldfi(
        s.path(),
        &[
            "check",
            "bcast.ded",
            "-N",
            "a,b,c",
            "-t",
            "4",
            "-f",
            "2",
            "--save",
        ],
    );
    // The verdict is printed, then the save is refused: an error, the
    // victim untouched, the link left for the user to look at.
    assert_eq!(ran.code, 2, "{}", ran.stderr);
    assert!(
        ran.stderr
            .contains("bcast-counterexample.yaml: refusing to write through a symbolic link"),
        "{}",
        ran.stderr
    );
    assert_eq!(
        std::fs::read_to_string(s.path().join("victim.txt")).unwrap(),
        "precious\n"
    );
    let saved = s.path().join("reports/bcast-counterexample.yaml");
    assert!(saved.symlink_metadata().unwrap().is_symlink());
}

#[test]
fn hunt_saves_x_yaml_and_x_yml_to_different_reports() {
    let s = crate::cli::broadcast();
    let spec =
        "program: [../bcast.ded]\nnodes: [a, b, c]\neot: 4\neff: 2\ncrashes: 0\nexpect: violated\n";
    s.write("specs/x.yaml", spec);
    s.write("specs/x.yml", spec);
    let ran = crate::cli::ldfi(s.path(), &["hunt", "specs"]);
    assert_eq!(ran.code, 0, "{}{}", ran.stdout, ran.stderr);
    let reports: Vec<String> = std::fs::read_dir(s.path().join("reports"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(reports.len(), 2, "{reports:?}");
}

#[test]
fn why_output_grows_linearly_with_the_depth_of_the_tree() {
    let ran = crate::cli::ldfi(
        root(),
        &[
            "run",
            "protocols/simple_broadcast.ded",
            "--nodes",
            "a,b,c",
            "--eot",
            "3000",
            "--why",
            "log(\"c\",\"data\")@3000",
        ],
    );
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    // About 6,000 levels: two spaces per level would print ~40 MB.
    assert!(ran.stdout.len() < 2 << 20, "{} bytes", ran.stdout.len());
    assert!(
        ran.stdout.contains("[depth 5000] "),
        "{}",
        &ran.stdout[..2000]
    );
    assert!(ran.stdout.contains("      log(\"c\", \"data\")@2999"));
}

#[test]
fn debug_of_an_error_renders_like_display() {
    // `fn t() -> Result<(), harness::Error>` + `?` prints the error's Debug.
    let err = harness::check("no/such/spec.yaml").unwrap_err();
    assert_eq!(format!("{err:?}"), err.to_string());
    let s = Scratch::new("debug");
    s.write("p.ded", "pre(X) :- p(X)\n");
    let program = dedalus::load_files(&[s.path().join("p.ded")]).unwrap_err();
    let err = harness::Error::from(program);
    assert_eq!(format!("{err:?}"), err.to_string());
    assert!(!format!("{err:?}").contains("SourceMap"), "{err:?}");
}

#[test]
fn counterexamples_shrink_the_delay_amount_too() {
    // Only a delay of 2 (or more) breaks the race; random search picks
    // delays of 3 as often as 2: the counterexample must say 2.
    let t = crate::ldfi::race(3);
    for seed in 0..8 {
        let o = harness::search(&t, Random { seed }, &Budget::default(), &mut |_| {}).unwrap();
        for cx in &o.counterexamples {
            assert!(
                cx.replay.ends_with("--delay a,b,1,2"),
                "seed {seed}: {}",
                cx.replay
            );
        }
    }
}

#[test]
fn shrinking_stops_when_the_search_is_cancelled() {
    // Losing a -> b at t=1 violates; a sends nothing at t=2.
    let t = target(BCAST, &["a", "b", "c"], 4, 3, 0);
    let both: harness::FaultSet = [
        harness::Fault::Omission {
            from: 0,
            to: 1,
            time: 1,
        },
        harness::Fault::Omission {
            from: 0,
            to: 1,
            time: 2,
        },
    ]
    .into_iter()
    .collect();
    let run = t.run(&both).unwrap();
    let (cx, extra) = t.shrink(both.clone(), run).unwrap();
    assert_eq!((cx.faults.len(), extra > 0), (1, true));
    let cancel = dedalus::eval::Cancel {
        deadline: None,
        flag: Some(Arc::new(AtomicBool::new(true))),
    };
    let run = t.run(&both).unwrap();
    let (cx, extra) = t.shrink_until(both.clone(), run, &cancel).unwrap();
    assert_eq!((cx.faults, extra), (both, 0));
    assert!(!cx.violated.is_empty());
}

#[test]
fn hunt_speaks_json() {
    let s = crate::cli::broadcast();
    s.write(
        "specs/plain.yaml",
        "program: [../bcast.ded]\nnodes: [a, b, c]\neot: 4\neff: 2\ncrashes: 0\nexpect: violated\n",
    );
    s.write(
        "specs/broken.yaml",
        "program: [../nope.ded]\nnodes: [a]\neot: 2\neff: 1\ncrashes: 0\n",
    );
    let ran = crate::cli::ldfi(s.path(), &["hunt", "specs", "--format", "json"]);
    assert_eq!(ran.code, 2, "{}", ran.stderr);
    let json = ran.json();
    let specs = json["specs"].as_array().unwrap();
    assert_eq!(specs.len(), 2, "{json}");
    assert_eq!(specs[0]["spec"], "broken.yaml");
    assert_eq!(specs[0]["verdict"], "error");
    assert!(specs[0]["runs"].is_null());
    assert_eq!(specs[1]["verdict"], "violated");
    assert_eq!(specs[1]["met"], true);
    assert_eq!(specs[1]["runs"], 3);
}

#[test]
fn ctrl_c_stops_a_long_run_too() {
    let s = Scratch::new("ctrlc-run");
    s.write(
        "keep.ded",
        "r(N, X)@next :- r(N, X);\nr(N, X + 1) :- r(N, X), X < 810000;\nr(\"a\", 0)@1;\n",
    );
    let child = Command::new(env!("CARGO_BIN_EXE_ldfi"))
        .args(["run", "keep.ded", "--nodes", "a", "--eot", "30"])
        .args(["--budget", "run-mib=100000,run-tuples=100000000"])
        .current_dir(s.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start ldfi");
    std::thread::sleep(Duration::from_millis(500));
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(sent.success());
    let start = Instant::now();
    let out = child.wait_with_output().expect("wait");
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(out.status.code(), Some(130));
    assert!(String::from_utf8_lossy(&out.stderr).contains("interrupted"));
}

#[test]
fn reports_go_where_the_user_asks() {
    let s = crate::cli::broadcast();
    let ran = crate::cli::ldfi(
        s.path(),
        &[
            "check",
            "bcast.ded",
            "-N",
            "a,b,c",
            "-t",
            "4",
            "-f",
            "2",
            "--save",
        ],
    );
    assert_eq!(ran.code, 1);
    assert!(s.path().join("reports/bcast-counterexample.yaml").exists());
    let ran = crate::cli::ldfi(
        s.path(),
        &[
            "check",
            "bcast.ded",
            "-N",
            "a,b,c",
            "-t",
            "4",
            "-f",
            "2",
            "--save",
            "--reports",
            "out/cx",
        ],
    );
    assert_eq!(ran.code, 1);
    assert!(
        ran.stderr.contains("out/cx/bcast-counterexample.yaml"),
        "{}",
        ran.stderr
    );
    assert!(s.path().join("out/cx/bcast-counterexample.yaml").exists());
}

#[test]
fn check_json_carries_the_message_trace() {
    let out = Command::new(env!("CARGO_BIN_EXE_ldfi"))
        .current_dir(root())
        .args(["check", "specs/simple_broadcast.yaml", "--format", "json"])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let messages = doc["counterexample"]["messages"].as_array().unwrap();
    let lost = serde_json::json!({
        "relation": "log", "tuple": ["c", "data"], "from": "a", "to": "c",
        "sent": 1, "received": null, "fate": "omitted", "delay": null,
    });
    assert!(messages.contains(&lost), "{messages:?}");
    assert!(
        messages
            .iter()
            .any(|m| m["fate"] == "delivered" && m["to"] == "b" && m["received"] == 2)
    );
}
