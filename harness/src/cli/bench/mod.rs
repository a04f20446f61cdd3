//! `ldfi bench`: the performance tables (evaluation speed, the default search against
//! lineage alone, random search and the published Molly figures, growth of
//! the symbolic check), printed and
//! written to `reports/bench.md`.

use std::path::PathBuf;

use clap::Args;

use super::{Failure, emit, exit, note};

mod tables;

pub(super) const EXAMPLES: &str = "\
Examples:
  ldfi bench                 # everything (a few minutes), written to reports/bench.md
  ldfi bench --quick         # fewer repetitions and seeds
  ldfi bench --only eval     # just the evaluation table
  ldfi bench --only why      # ldfi why on each corpus spec's pre/post at EOT

Run it from the repository root (it reads protocols/ and specs/), built with
--release: `cargo run --release --bin ldfi -- bench`.";

/// The exit codes of `ldfi bench`.
pub(super) const EXIT: &[(i32, &str)] = &[
    (exit::OK, "the tables were measured and written"),
    (exit::ERROR, "an error"),
];

/// Arguments of `ldfi bench`.
#[derive(Args, Debug)]
pub(super) struct BenchArgs {
    /// Fewer repetitions and random seeds (a smoke test of the tables).
    #[arg(long)]
    quick: bool,
    /// Only one table: eval, corpus, scaling, late or why.
    #[arg(long, value_name = "TABLE")]
    only: Option<String>,
    /// Where to write the Markdown report.
    #[arg(long, default_value = "reports/bench.md")]
    out: PathBuf,
    /// The repository root (with protocols/ and specs/).
    #[arg(long, default_value = ".")]
    root: PathBuf,
}

/// The corpus rows of the table: the protocols with published Molly figures.
const CORPUS: &[&str] = &[
    "simple_broadcast.yaml",
    "retry_broadcast.yaml",
    "classic_broadcast.yaml",
    "2pc.yaml",
    "2pc_ctp.yaml",
    "3pc.yaml",
    "kafka.yaml",
    "relay_broadcast.yaml",
    "acked_broadcast.yaml",
    "paxos.yaml",
    "bully.yaml",
    "count_threshold.yaml",
    "3pc_timeout.yaml",
    "isr_replication_nocrash.yaml",
    "election_timeout.yaml",
];

pub(super) fn main(args: &BenchArgs) -> Result<i32, Failure> {
    let want = |t: &str| args.only.as_deref().is_none_or(|o| o == t);
    if let Some(o) = &args.only
        && !["eval", "corpus", "scaling", "late", "why"].contains(&o.as_str())
    {
        return Err(Failure::msg(format!(
            "--only takes eval, corpus, scaling, late or why, not `{o}`"
        )));
    }
    if !args.root.join("protocols").is_dir() || !args.root.join("specs").is_dir() {
        return Err(Failure::msg(format!(
            "`{}` has no protocols/ and specs/: run `ldfi bench` from the repository root, or pass --root DIR",
            args.root.display()
        )));
    }
    let mut md = String::from("# ldfi bench\n\n");
    if want("eval") {
        note("bench: evaluation (one failure-free run, provenance on) ...\n");
        let rows = tables::eval_benchmarks(&args.root, args.quick)?;
        md.push_str("## One run of the Dedalus engine\n\n");
        md.push_str(&tables::eval_markdown(&rows));
        md.push('\n');
    }
    if want("corpus") {
        let (seeds, cap) = if args.quick { (3, 200) } else { (25, 2000) };
        note(&format!(
            "bench: corpus (the default search, lineage alone, random over {seeds} seeds with at most {cap} runs each) ...\n"
        ));
        let rows = tables::search_benchmarks(&args.root.join("specs"), CORPUS, seeds, cap)?;
        md.push_str(&format!(
            "## LDFI against random search ({seeds} seeds, at most {cap} runs each) and Molly (SIGMOD 2015)\n\n"
        ));
        md.push_str(&tables::search_markdown(&rows));
        md.push('\n');
    }
    if want("scaling") {
        note("bench: growth of the symbolic check ...\n");
        let three = |n: usize| (0..n).map(|i| format!("n{i}")).collect::<Vec<_>>();
        let relay3 = dedalus::load_str("relay3.ded", &tables::relay_with_spec(3))
            .map_err(harness::Error::from)?;
        let eots: &[u32] = if args.quick {
            &[5, 20]
        } else {
            &[5, 10, 20, 50, 100]
        };
        let rows = tables::growth(
            |eot, _| format!("EOT {eot}"),
            &relay3,
            &eots.iter().map(|&e| (three(3), e)).collect::<Vec<_>>(),
            1,
        )?;
        md.push_str("## Relay broadcast as EOT grows (3 nodes, EFF = EOT − 1, 1 crash)\n\n");
        md.push_str(&tables::growth_markdown(&rows));
        md.push('\n');
        let sizes: &[usize] = if args.quick {
            &[3, 5]
        } else {
            &[3, 5, 10, 15, 20]
        };
        let mut rows = Vec::new();
        for &n in sizes {
            let program = dedalus::load_str("relay.ded", &tables::relay_with_spec(n))
                .map_err(harness::Error::from)?;
            rows.extend(tables::growth(
                |_, n| format!("{n} nodes"),
                &program,
                &[(three(n), 10)],
                1,
            )?);
        }
        md.push_str("## Relay broadcast as the node count grows (EOT 10, EFF 9, 1 crash)\n\n");
        md.push_str(&tables::growth_markdown(&rows));
        md.push('\n');
        let paxos = dedalus::load_files(&[args.root.join("protocols/paxos.ded")])
            .map_err(harness::Error::from)?;
        let nodes: Vec<String> = ["p1", "p2", "a1", "a2", "a3"].map(String::from).to_vec();
        let eots: &[u32] = if args.quick {
            &[7, 9]
        } else {
            &[7, 9, 11, 12, 13, 15]
        };
        let rows = tables::growth(
            |eot, _| format!("EOT {eot}"),
            &paxos,
            &eots.iter().map(|&e| (nodes.clone(), e)).collect::<Vec<_>>(),
            1,
        )?;
        md.push_str(
            "## Paxos synod as EOT grows (2 proposers, 3 acceptors, EFF = EOT − 1, 1 crash)\n\n",
        );
        md.push_str(&tables::growth_markdown(&rows));
        md.push('\n');
    }
    if want("late") {
        note("bench: ldfi late --post over the corpus ...\n");
        let table = super::late::bench_markdown(&args.root.join("specs"), CORPUS, args.quick)?;
        md.push_str(&table);
        md.push('\n');
    }
    if want("why") {
        note("bench: ldfi why on pre/post over the corpus ...\n");
        let table = super::wat::bench_markdown(&args.root.join("specs"), CORPUS, args.quick)?;
        md.push_str(&table);
        md.push('\n');
    }
    emit(&md);
    if let Some(dir) = args.out.parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir)
            .map_err(|e| Failure::msg(format!("{}: {e}", dir.display())))?;
    }
    std::fs::write(&args.out, &md)
        .map_err(|e| Failure::msg(format!("{}: {e}", args.out.display())))?;
    note(&format!("bench: written to {}\n", args.out.display()));
    Ok(exit::OK)
}
