//! `ldfi check`: search one program's fault space for a counterexample,
//! given either a spec file or Molly-style flags (`-N a,b,c -t 4 -f 2 -c 0`).

use std::path::{Path, PathBuf};

use clap::Args;
use harness::{FaultSpace, Report, SearchStrategy, Spec, Target, Verdict};

use super::{
    Failure, Format, SearchArgs, emit, exit, load, note, parse_node, save_counterexamples, stem,
};

pub(super) const EXAMPLES: &str = "\
Examples:
  # a spec file names the program, nodes, bounds and the expected verdict
  ldfi check specs/simple_broadcast.yaml

  # Molly-style: program files and bounds on the command line
  ldfi check protocols/simple_broadcast.ded -N a,b,c -t 4 -f 2 -c 0

  # the random baseline, replayable from its seed; every counterexample, saved
  ldfi check p.ded -N a,b,c -t 6 -f 3 -c 1 --strategy random --seed 7 --max-runs 500
  ldfi check specs/x.yaml --all --save

  # a self-contained HTML report (spacetime diagram, provenance, DOT files)
  ldfi check specs/async_primary_backup.yaml --report          # reports/async_primary_backup/
  ldfi check specs/async_primary_backup.yaml --report out/apb";

/// The exit codes of `ldfi check`.
pub(super) const EXIT: &[(i32, &str)] = &[
    (
        exit::OK,
        "the specification holds (or the spec's `expect` is met)",
    ),
    (exit::FAILED, "a counterexample (or `expect` not met)"),
    (exit::ERROR, "an error or an inconclusive search"),
];

/// A program and its bounds: a spec file, or the program's files with
/// Molly-style flags (`-N a,b,c -t 4 -f 2 -c 0`). Shared by `check`,
/// `debug` and `repair`.
#[derive(Args, Debug)]
pub(super) struct TargetArgs {
    /// A spec file (.yaml/.yml), or the program's .ded files with -N/-t.
    #[arg(required = true, value_name = "SPEC.yaml | FILE")]
    inputs: Vec<PathBuf>,
    /// The nodes, comma-separated (program files only).
    #[arg(short = 'N', long, value_delimiter = ',', value_parser = parse_node)]
    nodes: Vec<String>,
    /// End of time (program files only).
    #[arg(short = 't', long, value_name = "N")]
    eot: Option<u32>,
    /// End of finite failures (program files only) [default: EOT].
    #[arg(short = 'f', long, value_name = "N")]
    eff: Option<u32>,
    /// How many nodes may crash (program files only) [default: 0].
    #[arg(short = 'c', long = "crashes", id = "max_crashes", value_name = "N")]
    crashes: Option<u32>,
    /// Largest message delay (program files only) [default: 0: no delays].
    #[arg(long, value_name = "D")]
    max_delay: Option<u32>,
}

/// Arguments of `ldfi check`.
#[derive(Args, Debug)]
pub(super) struct CheckArgs {
    #[command(flatten)]
    program: TargetArgs,
    #[command(flatten)]
    search: SearchArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Write each counterexample as YAML to DIR/NAME-counterexample.yaml (DIR: --reports, NAME: the spec or first file).
    #[arg(long)]
    save: bool,
    /// Write a self-contained HTML report (and DOT files) to DIR [default: reports/NAME].
    #[arg(long, value_name = "DIR", num_args = 0..=1)]
    report: Option<Option<PathBuf>>,
}

/// Whether `path` names a spec file.
pub(super) fn is_spec(path: &Path) -> bool {
    path.extension().is_some_and(|x| x == "yaml" || x == "yml")
}

impl TargetArgs {
    /// The target and, for a spec file, the spec.
    pub(super) fn target(&self) -> Result<(Target, Option<Spec>), Failure> {
        if let [path] = self.inputs.as_slice()
            && is_spec(path)
        {
            let given: Vec<&str> = [
                ("--nodes", !self.nodes.is_empty()),
                ("--eot", self.eot.is_some()),
                ("--eff", self.eff.is_some()),
                ("--crashes", self.crashes.is_some()),
                ("--max-delay", self.max_delay.is_some()),
            ]
            .into_iter()
            .filter_map(|(flag, on)| on.then_some(flag))
            .collect();
            if !given.is_empty() {
                return Err(Failure::msg(format!(
                    "{} cannot be combined with a spec file: `{}` sets the nodes and bounds \
                     (edit it, or pass the program files instead)",
                    given.join(", "),
                    path.display()
                )));
            }
            let spec = Spec::load(path)?;
            let target = harness::target_of(&spec)?;
            return Ok((target, Some(spec)));
        }
        if let Some(spec) = self.inputs.iter().find(|p| is_spec(p)) {
            return Err(Failure::msg(format!(
                "`{}` is a spec file: give it on its own, not with other files",
                spec.display()
            )));
        }
        if self.nodes.is_empty() {
            return Err(Failure::msg(
                "--nodes (-N) is required when checking program files, e.g. -N a,b,c -t 4 -f 2 -c 0 \
                 (or give a spec file)",
            ));
        }
        let Some(eot) = self.eot else {
            return Err(Failure::msg(
                "--eot (-t) is required when checking program files, e.g. -N a,b,c -t 4 -f 2 -c 0",
            ));
        };
        let space = FaultSpace {
            nodes: self.nodes.clone(),
            eot,
            eff: self.eff.unwrap_or(eot),
            crashes: self.crashes.unwrap_or(0),
            max_delay: self.max_delay.unwrap_or(0),
            omissions: true,
        };
        let program = load(&self.inputs)?;
        let target = Target::new(self.inputs.clone(), &program, space)?;
        Ok((target, None))
    }

    /// These arguments without their last input, and that input (`ldfi
    /// why` takes its tuple after the spec or the program's files); `None`
    /// with fewer than two inputs.
    pub(super) fn split_last(&self) -> Option<(TargetArgs, String)> {
        let (last, rest) = self.inputs.split_last()?;
        if rest.is_empty() {
            return None;
        }
        let program = TargetArgs {
            inputs: rest.to_vec(),
            nodes: self.nodes.clone(),
            eot: self.eot,
            eff: self.eff,
            crashes: self.crashes,
            max_delay: self.max_delay,
        };
        Some((program, last.to_string_lossy().into_owned()))
    }

    /// The name counterexamples and reports are saved under: the spec's or
    /// first file's stem.
    pub(super) fn stem(&self) -> String {
        self.inputs
            .first()
            .map_or_else(|| "ldfi".into(), |p| stem(p))
    }
}

/// The exit code of a report (see [`super::exit`]). A certificate over
/// runs that never had a `pre` tuple checked nothing: [`exit::FAILED`]
/// unless the spec expects `vacuous`.
pub(super) fn exit_code(report: &Report) -> i32 {
    match (report.verdict(), report.expect()) {
        (Verdict::Interrupted, _) => exit::INTERRUPTED,
        (Verdict::Inconclusive { .. }, _) => exit::ERROR,
        (_, Some(_)) if report.met() => exit::OK,
        (_, Some(_)) => exit::FAILED,
        (Verdict::Holds, None) if report.outcome.vacuous => exit::FAILED,
        (Verdict::Holds, None) => exit::OK,
        (_, None) => exit::FAILED,
    }
}

/// `ldfi check`.
pub(super) fn main(args: &CheckArgs) -> Result<i32, Failure> {
    let strategy = args.search.strategy()?;
    let (mut target, spec) = args.program.target()?;
    let budget = args
        .search
        .budget()
        .within(spec.as_ref().and_then(|s| s.timeout));
    target.limits = args.search.limits.limits();
    args.search.model(&mut target);
    note(&super::lint_warnings(
        target.evaluator().program(),
        &target.space().nodes,
    ));
    let good = target.run(&harness::FaultSet::none());
    if let Ok(run) = &good {
        note(&super::unaddressed_sends(run));
    }
    let mut progress = Progress::new();
    let outcome = harness::search(&target, &strategy, &budget, &mut |p| progress.show(p))?;
    progress.clear();
    let mut report = Report::new(&outcome).seed(strategy.seed());
    if let Some(spec) = &spec {
        report = report.spec(spec);
    }
    if let Ok(run) = &good {
        report = report.good_run(run);
    }
    let out = match args.format {
        Format::Json => {
            let mut line = harness::report::json(&report)
                .map_err(|e| Failure::msg(format!("cannot serialise the outcome: {e}")))?;
            line.push('\n');
            line
        }
        Format::Text => harness::report::text::check(&report),
    };
    emit(&out);
    if args.save {
        for path in save_counterexamples(&args.search.reports, &args.program.stem(), &report)? {
            note(&format!("saved counterexample to {}\n", path.display()));
        }
    }
    if let Some(dir) = &args.report {
        let view = harness::render::adapt::check_view(&target, spec.as_ref(), &outcome, None)?;
        let dir = super::report_dir(dir.as_deref(), &args.search.reports, &args.program.stem());
        super::write_html_report(&dir, &view)?;
    }
    Ok(exit_code(&report))
}

/// A one-line progress display on stderr (an `indicatif` spinner), only
/// when stderr is a terminal (so that logs and tests see nothing).
struct Progress {
    bar: Option<indicatif::ProgressBar>,
}

impl Progress {
    fn new() -> Progress {
        use std::io::IsTerminal as _;
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new_spinner();
            if let Ok(style) = indicatif::ProgressStyle::with_template("  {spinner} {wide_msg}") {
                bar.set_style(style);
            }
            bar
        });
        Progress { bar }
    }

    fn show(&mut self, p: &harness::Progress) {
        if let Some(bar) = &self.bar {
            bar.set_message(format!(
                "searching ({}): {} runs, {} counterexample{}, {:.1} s",
                p.phase.name(),
                p.runs,
                p.counterexamples,
                if p.counterexamples == 1 { "" } else { "s" },
                p.elapsed.as_secs_f64()
            ));
            bar.tick();
        }
    }

    fn clear(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}
