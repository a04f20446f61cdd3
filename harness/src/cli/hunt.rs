//! `ldfi hunt`: check every spec file of a directory, in order, saving each
//! counterexample under `reports/`, and summarise the verdicts in a table.
//! A spec that fails to load is reported and the others still run.

use std::path::PathBuf;

use clap::Args;
use harness::repair::RepairOptions;
use harness::report::hunt::{Hunt, HuntEntry};
use harness::{Report, SearchStrategy, Spec, Verdict, render};

use super::{Failure, SearchArgs, emit, exit, note, save_counterexamples, stem};

pub(super) const EXAMPLES: &str = "\
Examples:
  ldfi hunt                       # every spec file in specs/
  ldfi hunt specs --timeout 30     # at most 30 s per spec

Progress goes to stderr; the summary table (spec, expected, verdict, runs,
time, met) to stdout. Counterexamples are saved as
reports/<spec>-counterexample.yaml.

--format junit (one test case per spec, the counterexample and its replay
line in the failure), sarif (SARIF 2.1.0: results on the .ded lines of the
frontier rules, verified repairs as fixes) and markdown (a pull-request
comment: verdict table, first counterexample, best verified repair) are for
CI; sarif and markdown run `ldfi repair` on every violated spec.";

/// The exit codes of `ldfi hunt`.
pub(super) const EXIT: &[(i32, &str)] = &[
    (exit::OK, "every expectation met"),
    (exit::FAILED, "some expectation not met"),
    (
        exit::ERROR,
        "some spec could not be checked (an error or an inconclusive search)",
    ),
];

/// Arguments of `ldfi hunt`.
#[derive(Args, Debug)]
pub(super) struct HuntArgs {
    /// The directory of spec files (*.yaml, *.yml).
    #[arg(value_name = "DIR", default_value = "specs")]
    dir: PathBuf,
    #[command(flatten)]
    search: SearchArgs,
    /// Output format of the summary.
    #[arg(long, value_enum, default_value = "text")]
    format: HuntFormat,
}

/// Output format of `hunt`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum HuntFormat {
    /// A table, for people.
    Text,
    /// One JSON document on one line, for scripts.
    Json,
    /// JUnit XML: one test case per spec.
    Junit,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
    /// Markdown, for a pull-request comment.
    Markdown,
}

/// `ldfi hunt`.
pub(super) fn main(args: &HuntArgs) -> Result<i32, Failure> {
    let strategy = args.search.strategy()?;
    let budget = args.search.budget();
    let files = harness::spec_files(&args.dir)?;
    if files.is_empty() {
        return Err(Failure::msg(format!(
            "no spec files (*.yaml, *.yml) in `{}`",
            args.dir.display()
        )));
    }
    let mut hunt = Hunt::new(strategy.seed());
    let mut hunt_rows: Vec<render::HuntRow> = Vec::new();
    let repairs_wanted = matches!(args.format, HuntFormat::Sarif | HuntFormat::Markdown);
    let (mut errors, mut unmet) = (0, 0);
    for (i, path) in files.iter().enumerate() {
        if super::interrupted() {
            note("interrupted: the remaining specs were not checked\n");
            break;
        }
        let name = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        note(&format!("[{}/{}] {name} ... ", i + 1, files.len()));
        // One spec's failure, even a panic, never takes the hunt down.
        let checked = std::panic::catch_unwind(|| {
            Spec::load(path).and_then(|spec| {
                let mut target = harness::target_of(&spec)?;
                target.limits = args.search.limits.limits();
                args.search.model(&mut target);
                let outcome = harness::search(&target, strategy, &budget, &mut |_| {})?;
                // The CI formats that show frontiers and patches: nemo's
                // repairs, verified at the same bounds.
                let repairs = if repairs_wanted && matches!(outcome.verdict, Verdict::Violated) {
                    let options = RepairOptions {
                        budget: budget.clone(),
                        workdir: args.search.reports.join(format!("{}-repair", stem(path))),
                    };
                    Some(harness::repair::repair(&target, &options)?)
                } else {
                    None
                };
                let report = Report::new(&outcome).seed(strategy.seed()).spec(&spec);
                let row =
                    render::adapt::hunt_row(&spec, &outcome, report.met(), None, repairs.as_ref());
                Ok((report, row))
            })
        })
        .unwrap_or_else(|panic| {
            let what = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "a panic".into());
            Err(harness::Error::Internal(what))
        });
        let (report, row) = match checked {
            Ok(r) => r,
            Err(e) => {
                errors += 1;
                note("error\n");
                let message = e.to_string();
                hunt_rows.push(render::adapt::hunt_error(
                    &path.display().to_string(),
                    &message,
                ));
                Failure::from(e).print();
                hunt.specs.push(HuntEntry::failed(name, message));
                continue;
            }
        };
        let outcome = &report.outcome;
        note(&format!(
            "{} ({} runs, {} ms)\n",
            outcome.verdict.name(),
            outcome.runs,
            outcome.elapsed.as_millis()
        ));
        // `x.yaml` and `x.yml` must not save to the same report.
        let shared_stem = files
            .iter()
            .filter(|other| stem(other) == stem(path))
            .count()
            > 1;
        let saved_as = if shared_stem {
            name.clone()
        } else {
            stem(path)
        };
        match save_counterexamples(&args.search.reports, &saved_as, &report) {
            Ok(saved) => {
                for p in saved {
                    note(&format!("  saved counterexample to {}\n", p.display()));
                }
            }
            Err(f) => {
                errors += 1;
                f.print();
            }
        }
        if matches!(
            outcome.verdict,
            Verdict::Inconclusive { .. } | Verdict::Interrupted
        ) {
            errors += 1;
        } else if !report.met() {
            unmet += 1;
        }
        hunt.specs.push(HuntEntry::checked(name, report));
        hunt_rows.push(row);
    }
    let out = match args.format {
        HuntFormat::Junit => render::junit(&args.dir.display().to_string(), &hunt_rows),
        HuntFormat::Sarif => {
            let log = render::sarif(&hunt_rows, env!("CARGO_PKG_VERSION"));
            let mut text = serde_json::to_string_pretty(&log)
                .map_err(|e| Failure::msg(format!("cannot serialise the SARIF log: {e}")))?;
            text.push('\n');
            text
        }
        HuntFormat::Markdown => render::markdown(&hunt_rows),
        HuntFormat::Json => {
            let mut line = hunt
                .json()
                .map_err(|e| Failure::msg(format!("cannot serialise the summary: {e}")))?;
            line.push('\n');
            line
        }
        HuntFormat::Text => hunt.text(),
    };
    emit(&out);
    Ok(if errors > 0 {
        exit::ERROR
    } else if unmet > 0 {
        exit::FAILED
    } else {
        exit::OK
    })
}
