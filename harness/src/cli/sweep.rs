//! `ldfi sweep`: the deepest EOT a spec is certified at within a time
//! budget. Checks the spec at EOT, EOT+1, ... (keeping its EOT − EFF gap)
//! with the default search until the budget runs out or a counterexample
//! appears; prints the table and writes the plot (`report::sweep`).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::Args;
use harness::report::sweep::{Stop, Sweep, SweepRow};
use harness::{Budget, Report, Spec, Verdict};

use super::{Failure, Format, emit, exit, note};

pub(super) const EXAMPLES: &str = "\
Examples:
  ldfi sweep specs/relay_broadcast.yaml --budget 60
  ldfi sweep specs/x.yaml --budget 300 --from 2 --plot x.svg --format json

Each check gets what is left of the budget as its timeout; one cut short
is shown as inconclusive. EFF follows EOT at the spec's distance (a spec
with EOT 6, EFF 4 is checked at 7/5, 8/6, ...; --gap changes it). The
plot goes to reports/<spec>-sweep.svg unless --plot says otherwise.";

/// The exit codes of `ldfi sweep`.
pub(super) const EXIT: &[(i32, &str)] = &[
    (exit::OK, "at least one EOT certified and no counterexample"),
    (
        exit::FAILED,
        "a counterexample (its replay line is printed)",
    ),
    (
        exit::ERROR,
        "an error, or no EOT certified within the budget",
    ),
];

/// Arguments of `ldfi sweep`.
#[derive(Args, Debug)]
pub(super) struct SweepArgs {
    /// The spec file.
    #[arg(value_name = "SPEC.yaml")]
    spec: PathBuf,
    /// The time budget of the whole sweep, in seconds (fractions allowed).
    #[arg(long, value_name = "SECS", value_parser = super::parse_timeout)]
    budget: Duration,
    /// The first EOT checked [default: the spec's EOT].
    #[arg(long, value_name = "EOT", value_parser = clap::value_parser!(u32).range(1..))]
    from: Option<u32>,
    /// The last EOT checked [default: none, the budget decides].
    #[arg(long, value_name = "EOT")]
    max_eot: Option<u32>,
    /// EOT − EFF at every EOT [default: the spec's EOT − EFF].
    #[arg(long, value_name = "N")]
    gap: Option<u32>,
    /// Where the SVG plot goes [default: reports/SPEC-sweep.svg, SPEC the spec file's stem].
    #[arg(long, value_name = "FILE")]
    plot: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// No progress lines on stderr.
    #[arg(long, short = 'q')]
    quiet: bool,
}

/// `ldfi sweep`.
pub(super) fn main(args: &SweepArgs) -> Result<i32, Failure> {
    let spec = Spec::load(&args.spec)?;
    let gap = args.gap.unwrap_or(spec.space.eot - spec.space.eff);
    let from = args.from.unwrap_or(spec.space.eot);
    if let Some(max) = args.max_eot
        && max < from
    {
        return Err(Failure::msg(format!(
            "--max-eot {max} is below the first EOT checked ({from})"
        )));
    }
    let mut sweep = Sweep::new(
        args.spec.display().to_string(),
        &spec.space,
        args.budget.as_millis() as u64,
    );
    sweep.gap = gap;
    let start = Instant::now();
    let mut eot = from;
    loop {
        let Some(left) = args
            .budget
            .checked_sub(start.elapsed())
            .filter(|d| !d.is_zero())
        else {
            sweep.stopped = Stop::Budget;
            break;
        };
        let mut at = spec.clone();
        at.space.eot = eot;
        at.space.eff = eot.saturating_sub(gap);
        at.timeout = None;
        if !args.quiet {
            note(&format!("EOT {eot}, EFF {} ... ", at.space.eff));
        }
        let budget = Budget {
            timeout: Some(left),
            interrupt: Some(super::interrupt_flag()),
            ..Budget::default()
        };
        let checked = harness::target_of(&at).and_then(|target| {
            harness::search(&target, harness::Portfolio::default(), &budget, &mut |_| {})
        });
        let outcome = match checked {
            Ok(outcome) => outcome,
            // The first EOT is the spec's own: its error is the command's.
            Err(e) if sweep.rows.is_empty() => return Err(e.into()),
            // A deeper one (a runaway run, say) ends the sweep; the table
            // still shows what was certified.
            Err(e) => {
                if !args.quiet {
                    note("error\n");
                }
                Failure::from(e).print();
                sweep.stopped = Stop::Error;
                break;
            }
        };
        let report = Report::new(&outcome).spec(&at);
        let row = SweepRow::of(&report);
        if !args.quiet {
            note(&format!(
                "{} ({} runs, {} ms)\n",
                row.verdict, row.runs, row.ms
            ));
        }
        sweep.rows.push(row);
        match report.verdict() {
            Verdict::Holds => {}
            Verdict::Violated => {
                sweep.stopped = Stop::Counterexample;
                break;
            }
            Verdict::Interrupted => {
                sweep.stopped = Stop::Interrupted;
                break;
            }
            // The search ran out of the time it was given: the budget.
            Verdict::Inconclusive { .. } if start.elapsed() >= args.budget => {
                sweep.stopped = Stop::Budget;
                break;
            }
            _ => {
                sweep.stopped = Stop::Error;
                break;
            }
        }
        if args.max_eot.is_some_and(|max| eot >= max) {
            sweep.stopped = Stop::MaxEot;
            break;
        }
        eot += 1;
        if eot > dedalus::eval::MAX_EOT {
            sweep.stopped = Stop::MaxEot;
            break;
        }
    }
    let plot = args.plot.clone().unwrap_or_else(|| {
        PathBuf::from("reports").join(format!("{}-sweep.svg", super::stem(&args.spec)))
    });
    if let Some(dir) = plot.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| Failure::msg(format!("cannot create `{}`: {e}", dir.display())))?;
    }
    harness::report::files::write(&plot, sweep.svg())?;
    sweep.plot = Some(plot.display().to_string());
    let out = match args.format {
        Format::Json => {
            let mut line = sweep
                .json()
                .map_err(|e| Failure::msg(format!("cannot serialise the sweep: {e}")))?;
            line.push('\n');
            line
        }
        Format::Text => sweep.text(),
    };
    emit(&out);
    Ok(match sweep.stopped {
        Stop::Counterexample => exit::FAILED,
        Stop::Interrupted => exit::INTERRUPTED,
        _ if sweep.deepest().is_none() => exit::ERROR,
        Stop::Error => exit::ERROR,
        _ => exit::OK,
    })
}
