//! `ldfi hunt`: check every spec file of a directory, in order, saving each
//! counterexample under `reports/`, and summarise the verdicts in a table.
//! A spec that fails to load is reported and the others still run.
//! `--jobs` checks several specs at once, `--shard K/N` a part of the
//! list (see `shard`); the summary is the same either way.

use std::path::PathBuf;

use clap::Args;
use harness::repair::RepairOptions;
use harness::report::hunt::{Hunt, HuntEntry};
use harness::{Report, SearchStrategy, Spec, Verdict, render};

use super::shard::Shard;
use super::{Failure, SearchArgs, emit, exit, note, save_counterexamples, stem};

pub(super) const EXAMPLES: &str = "\
Examples:
  ldfi hunt                       # every spec file in specs/
  ldfi hunt specs --timeout 30     # at most 30 s per spec
  ldfi hunt specs --jobs 2 --shard 1/4 --format json

Progress goes to stderr (a progress bar on a terminal, one line per spec
otherwise, nothing with --quiet); the summary table (spec, expected,
verdict, runs, time, met) to stdout, in the sorted order of the spec files
whatever --jobs is. Counterexamples are saved as
reports/<spec>-counterexample.yaml. A spec's `timeout:` key bounds its
search; with --timeout too, the shorter applies.

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
    /// Check up to J specs at once. Each search already spreads its runs
    /// over every core, so more jobs help most with many small specs.
    #[arg(long, short = 'j', value_name = "J", default_value_t = 1, value_parser = parse_jobs)]
    jobs: usize,
    /// Check only shard K of N: the specs at positions K, K+N, K+2N, ...
    /// (from 1) of the sorted list, so N CI jobs split the corpus, each
    /// spec in exactly one shard.
    #[arg(long, value_name = "K/N")]
    shard: Option<Shard>,
    /// No progress on stderr (errors are still reported there).
    #[arg(long, short = 'q')]
    quiet: bool,
}

fn parse_jobs(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(0) | Err(_) => Err(format!(
            "expected a number of jobs of at least 1, got `{s}`"
        )),
        Ok(n) => Ok(n),
    }
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
    let all = harness::spec_files(&args.dir)?;
    if all.is_empty() {
        return Err(Failure::msg(format!(
            "no spec files (*.yaml, *.yml) in `{}`",
            args.dir.display()
        )));
    }
    let files = match args.shard {
        Some(shard) => shard.select(&all),
        None => all.clone(),
    };
    let show = Display::new(args.quiet, args.jobs, files.len());
    if let Some(shard) = args.shard
        && files.is_empty()
    {
        show.line(&format!(
            "shard {shard} has none of the {} specs: nothing to check\n",
            all.len()
        ));
    }
    let name_of = |path: &PathBuf| {
        path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        )
    };
    let names: Vec<String> = files.iter().map(name_of).collect();
    let mut hunt = Hunt::new(strategy.seed());
    let mut hunt_rows: Vec<render::HuntRow> = Vec::new();
    let repairs_wanted = matches!(args.format, HuntFormat::Sarif | HuntFormat::Markdown);
    let (mut errors, mut unmet) = (0, 0);
    let check_one = |i: usize| {
        let path = &files[i];
        // One spec's failure, even a panic, never takes the hunt down.
        std::panic::catch_unwind(|| {
            Spec::load(path).and_then(|spec| {
                let mut target = harness::target_of(&spec)?;
                target.limits = args.search.limits.limits();
                args.search.model(&mut target);
                let budget = budget.within(spec.timeout);
                let outcome =
                    harness::search(&target, &strategy, &budget, &mut |p| show.searching(p))?;
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
        })
    };
    let ran = super::jobs::in_order(
        files.len(),
        args.jobs,
        check_one,
        super::interrupted,
        |i| show.started(i, &names[i]),
        |i, checked| {
            let (path, name) = (&files[i], names[i].clone());
            let (report, row) = match checked {
                Ok(r) => r,
                Err(e) => {
                    errors += 1;
                    show.finished(i, &name, "error\n");
                    let message = e.to_string();
                    hunt_rows.push(render::adapt::hunt_error(&path.display().to_string(), &e));
                    show.suspended(|| Failure::from(e).print());
                    hunt.specs.push(HuntEntry::failed(name, message));
                    return;
                }
            };
            let outcome = &report.outcome;
            show.finished(
                i,
                &name,
                &format!(
                    "{} ({} runs, {} ms)\n",
                    outcome.verdict.name(),
                    outcome.runs,
                    outcome.elapsed.as_millis()
                ),
            );
            // `x.yaml` and `x.yml` must not save to the same report.
            let shared_stem = all.iter().filter(|other| stem(other) == stem(path)).count() > 1;
            let saved_as = if shared_stem {
                name.clone()
            } else {
                stem(path)
            };
            match save_counterexamples(&args.search.reports, &saved_as, &report) {
                Ok(saved) => {
                    for p in saved {
                        show.line(&format!("  saved counterexample to {}\n", p.display()));
                    }
                }
                Err(f) => {
                    errors += 1;
                    show.suspended(|| f.print());
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
        },
    );
    show.clear();
    if ran < files.len() {
        note("interrupted: the remaining specs were not checked\n");
    }
    let out = match args.format {
        HuntFormat::Junit => render::junit(&args.dir.display().to_string(), &hunt_rows),
        HuntFormat::Sarif => render::sarif_json(&hunt_rows, env!("CARGO_PKG_VERSION"))
            .map_err(|e| Failure::msg(format!("cannot serialise the SARIF log: {e}")))?,
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

/// What `ldfi hunt` shows on stderr as it goes: a progress bar on a
/// terminal; otherwise `[i/n] spec ... verdict` lines (the prefix before
/// the check when specs run one at a time, the whole line when it finishes
/// otherwise); nothing with `--quiet`.
struct Display {
    quiet: bool,
    jobs: usize,
    total: usize,
    bar: Option<indicatif::ProgressBar>,
    running: std::sync::Mutex<Vec<String>>,
}

impl Display {
    fn new(quiet: bool, jobs: usize, total: usize) -> Display {
        use std::io::IsTerminal as _;
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::new(total as u64);
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{elapsed_precise} [{bar:30}] {pos}/{len} {wide_msg}",
            ) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.enable_steady_tick(std::time::Duration::from_millis(200));
            bar
        });
        Display {
            quiet,
            jobs,
            total,
            bar,
            running: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// Prints `text` (progress) above the bar, or plainly.
    fn line(&self, text: &str) {
        match &self.bar {
            Some(bar) => bar.suspend(|| note(text)),
            None if !self.quiet => note(text),
            None => {}
        }
    }

    /// Runs `print` (which writes to stderr) with the bar out of the way.
    fn suspended(&self, print: impl FnOnce()) {
        match &self.bar {
            Some(bar) => bar.suspend(print),
            None => print(),
        }
    }

    fn prefix(&self, i: usize, name: &str) -> String {
        format!("[{}/{}] {name} ... ", i + 1, self.total)
    }

    fn started(&self, i: usize, name: &str) {
        if let Some(bar) = &self.bar {
            let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
            running.push(name.to_string());
            bar.set_message(running.join(", "));
        } else if self.jobs <= 1 {
            self.line(&self.prefix(i, name));
        }
    }

    /// The search of spec `i` reports progress (from a worker thread).
    fn searching(&self, p: &harness::Progress) {
        if let Some(bar) = &self.bar
            && self.jobs <= 1
        {
            let running = self.running.lock().unwrap_or_else(|e| e.into_inner());
            bar.set_message(format!(
                "{} ({}): {} runs, {} counterexample{}",
                running.join(", "),
                p.phase.name(),
                p.runs,
                p.counterexamples,
                if p.counterexamples == 1 { "" } else { "s" }
            ));
        }
    }

    fn finished(&self, i: usize, name: &str, result: &str) {
        if let Some(bar) = &self.bar {
            let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
            running.retain(|r| r != name);
            bar.set_message(running.join(", "));
            bar.inc(1);
            drop(running);
            self.line(&format!("{}{result}", self.prefix(i, name)));
        } else if self.jobs <= 1 {
            self.line(result);
        } else {
            self.line(&format!("{}{result}", self.prefix(i, name)));
        }
    }

    fn clear(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
