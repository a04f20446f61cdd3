//! Runs of the corpus's asynchronous primary/backup protocol.

use dedalus::Program;
use dedalus::eval::{Evaluator, Run, RunConfig};
use dedalus::faults::Fault;

pub const NODES: [&str; 4] = ["client", "primary", "r1", "r2"];

pub fn program() -> Program {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../protocols/async_primary_backup.ded"
    );
    dedalus::load_files(&[path]).expect("loads")
}

/// A run at EOT 6, EFF 4 with the given omissions (from, to, t) and crashes (node, t).
pub fn run(program: &Program, omit: &[(&str, &str, u32)], crash: &[(&str, u32)]) -> Run {
    let eval = Evaluator::new(program, &NODES).expect("compiles");
    let mut cfg = RunConfig::new(6);
    cfg.eff = 4;
    let id = |n: &str| eval.node_id(n).expect("a node");
    cfg.faults = omit
        .iter()
        .map(|&(from, to, time)| Fault::Omission {
            from: id(from),
            to: id(to),
            time,
        })
        .chain(crash.iter().map(|&(node, time)| Fault::Crash {
            node: id(node),
            time,
        }))
        .collect();
    eval.run(&cfg).expect("runs")
}

/// The failure-free run and the counterexample the search finds (both
/// replication messages lost).
pub fn good_and_failed(program: &Program) -> (Run, Run) {
    let good = run(program, &[], &[]);
    let failed = run(program, &[("primary", "r1", 2), ("primary", "r2", 2)], &[]);
    assert!(!failed.violations().expect("spec").is_empty());
    (good, failed)
}
