//! `ldfi bench`: the performance tables (evaluation speed, LDFI against the
//! random baseline and the published Molly figures, scaling), printed and
//! written to `reports/bench.md`.

use std::path::PathBuf;

use clap::Args;
use harness::bench;

use super::{Failure, emit, note};

pub(super) const EXAMPLES: &str = "\
Examples:
  ldfi bench                 # everything (a few minutes), written to reports/bench.md
  ldfi bench --quick         # fewer repetitions and seeds
  ldfi bench --only eval     # just the evaluation table

Run it from the repository root (it reads protocols/ and specs/), built with
--release: `cargo run --release --bin ldfi -- bench`.";

/// Arguments of `ldfi bench`.
#[derive(Args, Debug)]
pub(super) struct BenchArgs {
    /// Fewer repetitions and random seeds (a smoke test of the tables).
    #[arg(long)]
    quick: bool,
    /// Only one table: eval, corpus or scaling.
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
];

pub(super) fn main(args: &BenchArgs) -> Result<i32, Failure> {
    let want = |t: &str| args.only.as_deref().is_none_or(|o| o == t);
    if let Some(o) = &args.only
        && !["eval", "corpus", "scaling"].contains(&o.as_str())
    {
        return Err(Failure::msg(format!(
            "--only takes eval, corpus or scaling, not `{o}`"
        )));
    }
    let mut md = String::from("# ldfi bench\n\n");
    if want("eval") {
        note("bench: evaluation (one failure-free run, provenance on) ...");
        let rows = bench::eval_benchmarks(&args.root, args.quick)?;
        md.push_str("## One run of the Dedalus engine\n\n");
        md.push_str(&bench::eval_markdown(&rows));
        md.push('\n');
    }
    if want("corpus") {
        let (seeds, cap) = if args.quick { (3, 200) } else { (25, 2000) };
        note(&format!(
            "bench: corpus (LDFI; random over {seeds} seeds, at most {cap} runs each) ..."
        ));
        let rows = bench::search_benchmarks(&args.root.join("specs"), CORPUS, seeds, cap)?;
        md.push_str(&format!(
            "## LDFI against random search ({seeds} seeds, at most {cap} runs each) and Molly (SIGMOD 2015)\n\n"
        ));
        md.push_str(&bench::search_markdown(&rows));
        md.push('\n');
    }
    if want("scaling") {
        note("bench: relay broadcast scaling ...");
        let eots: &[u32] = if args.quick {
            &[5, 10]
        } else {
            &[5, 10, 15, 20, 25]
        };
        let rows = bench::relay_scaling(&args.root, eots)?;
        md.push_str(
            "## Relay broadcast certified as EOT grows (3 nodes, EFF = EOT − 1, 1 crash)\n\n",
        );
        md.push_str(&bench::scaling_markdown(&rows));
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
    note(&format!("bench: written to {}", args.out.display()));
    Ok(0)
}
