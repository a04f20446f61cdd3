//! `ldfi hunt`: check every spec file of a directory, in order, saving each
//! counterexample under `reports/`, and summarise the verdicts in a table.
//! A spec that fails to load is reported and the others still run.

use std::fmt::Write as _;
use std::path::PathBuf;

use clap::Args;
use harness::{Report, Spec, Verdict};

use super::{Failure, SearchArgs, emit, note, save_counterexamples, stem};

pub(super) const EXAMPLES: &str = "\
Examples:
  ldfi hunt                       # every spec file in specs/
  ldfi hunt specs --timeout 30     # at most 30 s per spec

Progress goes to stderr; the summary table (spec, expected, verdict, runs,
time, met) to stdout. Counterexamples are saved as
reports/<spec>-counterexample.yaml.

Exit status: 0 every expectation met, 1 some expectation not met, 2 some spec
could not be checked (an error or an inconclusive search).";

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
    format: super::Format,
}

/// One line of the summary.
struct Row {
    spec: String,
    expected: String,
    verdict: String,
    runs: String,
    ms: String,
    met: bool,
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
    let mut rows = Vec::new();
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
                args.search.model(&mut target.space);
                let outcome = harness::search(&target, strategy, &budget, &mut |_| {})?;
                Ok(Report { spec, outcome })
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
        let report = match checked {
            Ok(r) => r,
            Err(e) => {
                errors += 1;
                note("error\n");
                Failure::from(e).print();
                rows.push(Row {
                    spec: name,
                    expected: "-".into(),
                    verdict: "error".into(),
                    runs: "-".into(),
                    ms: "-".into(),
                    met: false,
                });
                continue;
            }
        };
        let outcome = &report.outcome;
        let ms = outcome.elapsed.as_millis();
        note(&format!(
            "{} ({} runs, {ms} ms)\n",
            outcome.verdict.name(),
            outcome.runs
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
        match save_counterexamples(&args.search.reports, &saved_as, outcome) {
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
        let met = report.met();
        if matches!(
            outcome.verdict,
            Verdict::Inconclusive { .. } | Verdict::Interrupted
        ) {
            errors += 1;
        } else if !met {
            unmet += 1;
        }
        rows.push(Row {
            spec: name,
            expected: report.spec.expect.map_or("-", |e| e.name()).into(),
            verdict: outcome.verdict.name().into(),
            runs: outcome.runs.to_string(),
            ms: ms.to_string(),
            met,
        });
    }
    let out = match args.format {
        super::Format::Json => {
            // Numbers as numbers; `-` (an error) as null.
            let number = |s: &str| s.parse::<u64>().ok();
            let specs: Vec<serde_json::Value> = rows
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "spec": r.spec,
                        "expected": (r.expected != "-").then_some(r.expected.as_str()),
                        "verdict": r.verdict,
                        "runs": number(&r.runs),
                        "ms": number(&r.ms),
                        "met": r.met,
                    })
                })
                .collect();
            let mut json = serde_json::json!({ "specs": specs });
            if let harness::Strategy::Random { seed } = strategy {
                json["seed"] = seed.into();
            }
            format!("{json}\n")
        }
        super::Format::Text => {
            let mut out = table(&rows);
            if let harness::Strategy::Random { seed } = strategy {
                out.push_str(&format!("strategy random, seed {seed}\n"));
            }
            out
        }
    };
    emit(&out);
    Ok(if errors > 0 {
        2
    } else if unmet > 0 {
        1
    } else {
        0
    })
}

fn table(rows: &[Row]) -> String {
    let header = ["spec", "expected", "verdict", "runs", "time (ms)", "met"];
    let cells: Vec<[String; 6]> = rows
        .iter()
        .map(|r| {
            [
                r.spec.clone(),
                r.expected.clone(),
                r.verdict.clone(),
                r.runs.clone(),
                r.ms.clone(),
                if r.met { "✓" } else { "✗" }.to_string(),
            ]
        })
        .collect();
    let mut widths = header.map(|h| h.chars().count());
    for row in &cells {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    // Numbers right-aligned, text left-aligned.
    let right = [false, false, false, true, true, false];
    let line = |row: &[String]| {
        let mut s = String::new();
        for (i, c) in row.iter().enumerate() {
            let pad = " ".repeat(widths[i] - c.chars().count());
            if i > 0 {
                s.push_str("  ");
            }
            if right[i] {
                s.push_str(&pad);
                s.push_str(c);
            } else {
                s.push_str(c);
                s.push_str(&pad);
            }
        }
        s.trim_end().to_string()
    };
    let mut out = String::new();
    let _ = writeln!(out, "{}", line(&header.map(String::from)));
    let _ = writeln!(
        out,
        "{}",
        widths
            .iter()
            .map(|w| "-".repeat(*w))
            .collect::<Vec<_>>()
            .join("  ")
    );
    for row in &cells {
        let _ = writeln!(out, "{}", line(row));
    }
    let met = rows.iter().filter(|r| r.met).count();
    let _ = writeln!(out, "{met} of {} met", rows.len());
    out
}
