//! The measurements behind `ldfi bench` and their Markdown tables: how fast
//! one run is evaluated, and how LDFI compares with the random baseline and
//! with the published Molly figures (Alvaro et al., SIGMOD 2015) on the
//! corpus. The corpus is read from the repository root the command is given
//! (`--root`).
//!
//! Timings are medians of repeated measurements on this machine; they are
//! reported, never asserted (tests stay free of timing).

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use dedalus::eval::{Evaluator, RunConfig};

use harness::{Budget, Error, FaultSpace, Spec, Target, Verdict};

/// One evaluation benchmark row.
#[derive(Clone, Debug)]
pub(super) struct EvalRow {
    /// What ran.
    pub(super) name: String,
    /// Nodes.
    pub(super) nodes: usize,
    /// End of time.
    pub(super) eot: u32,
    /// Median time of one failure-free run, provenance on.
    pub(super) median: Duration,
    /// Tuples, firings and messages of the run.
    pub(super) sizes: (usize, usize, usize),
    /// Approximate heap bytes the run holds.
    pub(super) heap_bytes: usize,
    /// The target this row is measured against.
    pub(super) target: Duration,
}

fn median_of(mut f: impl FnMut(), budget: Duration, max_iters: usize) -> Duration {
    let mut samples = Vec::new();
    let start = Instant::now();
    while samples.len() < 5 || (start.elapsed() < budget && samples.len() < max_iters) {
        let t = Instant::now();
        f();
        samples.push(t.elapsed());
    }
    samples.sort();
    samples[samples.len() / 2]
}

/// Relay broadcast on `n` nodes: every node that logs re-sends to every other
/// node at every step (a stress case for joins: n·(n-1) messages per step).
pub(super) fn relay_program(n: usize) -> String {
    let mut src = String::from(
        "node(N, M)@next :- node(N, M);\nlog(N, P)@next :- log(N, P);\nlog(N, P) :- bcast(N, P);\n\
         log(M, P)@async :- log(N, P), node(N, M);\n",
    );
    for i in 0..n {
        for j in 0..n {
            if i != j {
                let _ = writeln!(src, "node(\"n{i}\", \"n{j}\")@1;");
            }
        }
    }
    src.push_str("bcast(\"n0\", \"data\")@1;\n");
    src
}

fn eval_row(
    name: &str,
    program: &dedalus::Program,
    nodes: &[String],
    eot: u32,
    target: Duration,
    quick: bool,
) -> Result<EvalRow, Error> {
    let ev = Evaluator::new(program, nodes)?;
    let cfg = RunConfig::new(eot);
    let run = ev.run(&cfg)?;
    let sizes = (
        run.tuple_count(),
        run.provenance().firings().len(),
        run.messages().len(),
    );
    let heap_bytes = run.heap_bytes();
    let budget = if quick {
        Duration::from_millis(100)
    } else {
        Duration::from_secs(2)
    };
    let median = median_of(
        || {
            let _ = std::hint::black_box(ev.run(&cfg));
        },
        budget,
        if quick { 20 } else { 2000 },
    );
    Ok(EvalRow {
        name: name.to_string(),
        nodes: nodes.len(),
        eot,
        median,
        sizes,
        heap_bytes,
        target,
    })
}

/// The evaluation benchmarks of the Dedalus engine: best-effort broadcast on
/// 3 nodes at EOT 10, two-phase commit on 4 nodes at EOT 10, relay broadcast
/// on 50 nodes at EOT 20.
pub(super) fn eval_benchmarks(root: &Path, quick: bool) -> Result<Vec<EvalRow>, Error> {
    let names = |ns: &[&str]| ns.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let bcast = dedalus::load_files(&[root.join("protocols/simple_broadcast.ded")])?;
    let tpc = dedalus::load_files(&[root.join("protocols/2pc.ded")])?;
    let relay = dedalus::load_str("relay50.ded", &relay_program(50))?;
    let relay_nodes: Vec<String> = (0..50).map(|i| format!("n{i}")).collect();
    Ok(vec![
        eval_row(
            "best-effort broadcast",
            &bcast,
            &names(&["a", "b", "c"]),
            10,
            Duration::from_micros(50),
            quick,
        )?,
        eval_row(
            "two-phase commit",
            &tpc,
            &names(&["coord", "a", "b", "c"]),
            10,
            Duration::from_micros(200),
            quick,
        )?,
        eval_row(
            "relay broadcast",
            &relay,
            &relay_nodes,
            20,
            Duration::from_millis(50),
            quick,
        )?,
    ])
}

/// Published Molly figures: runs (and seconds, where reported) per spec.
pub(super) const MOLLY: &[(&str, u32, Option<f64>)] = &[
    ("simple_broadcast.yaml", 2, None),
    ("retry_broadcast.yaml", 3, None),
    ("classic_broadcast.yaml", 5, None),
    ("2pc.yaml", 2, None),
    ("2pc_ctp.yaml", 3, None),
    ("3pc.yaml", 55, Some(9.60)),
    ("kafka.yaml", 38, Some(3.74)),
    ("relay_broadcast.yaml", 11, None),
    ("acked_broadcast.yaml", 673, None),
    ("paxos.yaml", 173, None),
    ("bully.yaml", 2, None),
];

/// One corpus row: LDFI against random search and Molly.
#[derive(Clone, Debug)]
pub(super) struct SearchRow {
    /// Spec file name.
    pub(super) spec: String,
    /// `EOT/EFF/crashes`.
    pub(super) bounds: String,
    /// Size of the fault space.
    pub(super) combinations: String,
    /// LDFI's verdict.
    pub(super) verdict: String,
    /// LDFI runs.
    pub(super) runs: usize,
    /// LDFI wall time.
    pub(super) time: Duration,
    /// The symbolic check's size and phase times (where it ran).
    pub(super) symbolic: Option<harness::symbolic::Stats>,
    /// Lineage alone (Molly's method, 10 s budget): verdict, runs, time.
    pub(super) lineage: (String, usize, Duration),
    /// Random search: seeds that found a counterexample, of those tried.
    pub(super) random_found: (usize, usize),
    /// Random search: mean runs per seed (capped).
    pub(super) random_runs: f64,
    /// Random search: mean wall time per seed.
    pub(super) random_time: Duration,
    /// Molly's runs and seconds.
    pub(super) molly: Option<(u32, Option<f64>)>,
}

/// LDFI and the random baseline on each spec in `specs` (file names in
/// `specs_dir`), random over `seeds` seeds with at most `cap` runs each.
pub(super) fn search_benchmarks(
    specs_dir: &Path,
    specs: &[&str],
    seeds: u64,
    cap: usize,
) -> Result<Vec<SearchRow>, Error> {
    let mut rows = Vec::new();
    for name in specs {
        let spec = Spec::load(&specs_dir.join(name))?;
        let target = harness::target_of(&spec)?;
        let o = harness::search(
            &target,
            harness::Portfolio::default(),
            &Budget::default(),
            &mut |_| {},
        )?;
        let lineage_budget = Budget {
            timeout: Some(Duration::from_secs(10)),
            ..Budget::default()
        };
        let l = harness::search(&target, harness::Lineage, &lineage_budget, &mut |_| {})?;
        let mut found = 0;
        let mut runs = 0usize;
        let mut time = Duration::ZERO;
        let budget = Budget {
            max_runs: Some(cap),
            ..Budget::default()
        };
        for seed in 0..seeds {
            let r = harness::search(&target, harness::Random { seed }, &budget, &mut |_| {})?;
            if matches!(r.verdict, Verdict::Violated) {
                found += 1;
            }
            runs += r.runs;
            time += r.elapsed;
        }
        let s = &spec.space;
        rows.push(SearchRow {
            spec: name.to_string(),
            bounds: format!("{}/{}/{}", s.eot, s.eff, s.crashes),
            combinations: s.combinations().to_string(),
            verdict: o.verdict.name().to_string(),
            runs: o.runs,
            time: o.elapsed,
            symbolic: o.symbolic.clone(),
            lineage: (l.verdict.name().to_string(), l.runs, l.elapsed),
            random_found: (found, seeds as usize),
            random_runs: runs as f64 / seeds.max(1) as f64,
            random_time: time / seeds.max(1) as u32,
            molly: MOLLY.iter().find(|m| m.0 == *name).map(|m| (m.1, m.2)),
        });
    }
    Ok(rows)
}

/// One row of a growth table: the default search on one instance.
#[derive(Clone, Debug)]
pub(super) struct GrowthRow {
    /// What varies: `EOT 20`, `10 nodes`.
    pub(super) label: String,
    /// The verdict.
    pub(super) verdict: String,
    /// Runs (the failure-free one included).
    pub(super) runs: usize,
    /// Wall time of the whole check.
    pub(super) time: Duration,
    /// The symbolic check's size and phase times.
    pub(super) symbolic: Option<harness::symbolic::Stats>,
}

/// The default search on `program` over `nodes` at each EOT (EFF = EOT - 1,
/// `crashes` crashes): where the symbolic encoding stops scaling.
pub(super) fn growth(
    label: impl Fn(u32, usize) -> String,
    program: &dedalus::Program,
    instances: &[(Vec<String>, u32)],
    crashes: u32,
) -> Result<Vec<GrowthRow>, Error> {
    let mut out = Vec::new();
    for (nodes, eot) in instances {
        let space = FaultSpace {
            nodes: nodes.clone(),
            eot: *eot,
            eff: eot - 1,
            crashes,
            max_delay: 0,
            omissions: true,
        };
        let target = Target::new(vec!["bench.ded".into()], program, space)?;
        let o = harness::search(
            &target,
            harness::Portfolio::default(),
            &Budget::default(),
            &mut |_| {},
        )?;
        out.push(GrowthRow {
            label: label(*eot, nodes.len()),
            verdict: o.verdict.name().to_string(),
            runs: o.runs,
            time: o.elapsed,
            symbolic: o.symbolic,
        });
    }
    Ok(out)
}

/// Relay broadcast on `n` nodes with its specification (as in
/// `protocols/relay_broadcast.ded`), for the growth tables.
pub(super) fn relay_with_spec(n: usize) -> String {
    relay_program(n)
        + "gap(N, P) :- log(N, P), node(N, M), notin log(M, P), notin crash(N, M, _);\n\
           pre(N, P) :- log(N, P), notin bcast(N, P)@1, notin crash(N, N, _);\n\
           post(N, P) :- log(N, P), notin gap(N, P);\n"
}

/// The growth table, as Markdown.
pub(super) fn growth_markdown(rows: &[GrowthRow]) -> String {
    let mut out = String::from(
        "| instance | verdict | runs | time | ground tuples | cone | variables | constraints | ground | encode | solve |\n\
         |---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for r in rows {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            r.label,
            r.verdict,
            r.runs,
            fmt_duration(r.time),
            symbolic_cells(r.symbolic.as_ref())
        );
    }
    out
}

fn symbolic_cells(s: Option<&harness::symbolic::Stats>) -> String {
    match s {
        Some(s) => format!(
            "{} | {} | {} | {} | {} | {} | {}",
            s.size.ground_tuples,
            s.size.cone,
            s.size.variables,
            s.size.constraints,
            fmt_duration(s.ground),
            fmt_duration(s.encode),
            fmt_duration(s.solve)
        ),
        None => "— | — | — | — | — | — | —".into(),
    }
}

fn fmt_duration(d: Duration) -> String {
    let us = d.as_secs_f64() * 1e6;
    if us < 1000.0 {
        format!("{us:.1} µs")
    } else if us < 1e6 {
        format!("{:.2} ms", us / 1e3)
    } else {
        format!("{:.2} s", us / 1e6)
    }
}

/// The evaluation table, as Markdown.
pub(super) fn eval_markdown(rows: &[EvalRow]) -> String {
    let mut out = String::from(
        "| program | nodes | EOT | median per run | target | tuples | firings | messages | memory |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for r in rows {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | < {} {} | {} | {} | {} | {:.1} KiB |",
            r.name,
            r.nodes,
            r.eot,
            fmt_duration(r.median),
            fmt_duration(r.target),
            if r.median < r.target { "✓" } else { "✗" },
            r.sizes.0,
            r.sizes.1,
            r.sizes.2,
            r.heap_bytes as f64 / 1024.0
        );
    }
    out
}

/// The corpus table, as Markdown.
pub(super) fn search_markdown(rows: &[SearchRow]) -> String {
    let mut out = String::from(
        "| spec | EOT/EFF/crashes | combinations | verdict | runs | time | ground tuples | cone | variables | constraints | ground | encode | solve | lineage alone | random found | random runs (mean) | random time (mean) | Molly runs | Molly time |\n\
         |---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|\n",
    );
    for r in rows {
        let (molly_runs, molly_time) = match r.molly {
            Some((runs, secs)) => (
                runs.to_string(),
                secs.map_or("—".into(), |s| format!("{s:.2} s")),
            ),
            None => ("—".into(), "—".into()),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} {}, {} | {}/{} | {:.0} | {} | {} | {} |",
            r.spec,
            r.bounds,
            r.combinations,
            r.verdict,
            r.runs,
            fmt_duration(r.time),
            symbolic_cells(r.symbolic.as_ref()),
            r.lineage.0,
            r.lineage.1,
            fmt_duration(r.lineage.2),
            r.random_found.0,
            r.random_found.1,
            r.random_runs,
            fmt_duration(r.random_time),
            molly_runs,
            molly_time
        );
    }
    out
}
