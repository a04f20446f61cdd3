//! Regression tests of issue 8 (hostile inputs, resource limits, interrupts,
//! shell-safe replay lines): each test fails on the code before its fix.

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use harness::{Budget, Strategy, Verdict};

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
    let o = harness::search(&t, Strategy::Ldfi, &Budget::default(), &mut |_| {}).unwrap();
    assert!(matches!(o.verdict, Verdict::Holds));
    for strategy in [
        Strategy::Ldfi,
        Strategy::Exhaustive,
        Strategy::Random { seed: 1 },
    ] {
        let o = harness::search(&t, strategy, &budget, &mut |_| {}).unwrap();
        assert!(
            matches!(o.verdict, Verdict::Interrupted),
            "{strategy:?}: {}",
            o.verdict.name()
        );
    }
}

#[test]
fn a_timeout_inside_the_solver_or_a_run_is_inconclusive_never_holds() {
    // Relay broadcast at these bounds holds, after seconds of solving.
    let src = std::fs::read_to_string(root().join("protocols/relay_broadcast.ded")).unwrap();
    let t = target(&src, &["a", "b", "c"], 25, 24, 1);
    let budget = Budget {
        timeout: Some(Duration::from_millis(30)),
        ..Budget::default()
    };
    let start = Instant::now();
    let o = harness::search(&t, Strategy::Ldfi, &budget, &mut |_| {}).unwrap();
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
    assert!(
        start.elapsed() < Duration::from_secs(5),
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
