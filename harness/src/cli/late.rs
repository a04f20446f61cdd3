//! `ldfi late`: why an event came when it did — temporal provenance (the
//! Zeno method) over one run; the answers are [`harness::late`]'s.
//!
//! Two questions:
//!
//! - `--from 'TUPLE@T' --to 'TUPLE@T'` over one run given as `ldfi run`
//!   takes it (program files with `-N/-t/-f/--max-delay` and the fault
//!   flags, or a spec file for the program, nodes and bounds): the delay
//!   between the two events, attributed to its causes;
//! - `--post` over a spec file or program files: the search's
//!   counterexample, and why its `post` came later than in the
//!   failure-free run, or not at all before EOT.

use std::path::Path;
use std::time::{Duration, Instant};

use clap::Args;
use dedalus::eval::{Cancel, Run, RunConfig};
use dedalus::provenance::TupleId;
use harness::late::{ExplainError, PostLate};
use harness::{Budget, Portfolio, Spec, Target};
use nemo::temporal::LateError;
use serde_json::Value as Json;

use super::check::TargetArgs;
use super::run::FaultFlags;
use super::{Failure, Format, LimitArgs, emit};

pub(super) const EXAMPLES: &str = "\
Examples:
  # why did b log the message 2 steps after a broadcast it, with a->b lost at t=1?
  ldfi late protocols/retry_broadcast.ded --nodes a,b,c --eot 5 --eff 3 --omit a,b,1 \\
      --from 'bcast(\"a\", \"data\")@1' --to 'log(\"b\", \"data\")@3'

  # the same question over a spec's program and bounds, as JSON
  ldfi late specs/retry_broadcast.yaml --omit a,b,1 \\
      --from 'bcast(\"a\", \"data\")@1' --to 'log(\"b\", \"data\")@3' --format json

  # why post came late (or never) in the counterexample the search finds
  ldfi late specs/simple_broadcast.yaml --post

  # the same, plus the HTML report with the weighted delay trees of post
  ldfi late specs/retry_broadcast.yaml --post --report       # reports/retry_broadcast/

Exit status: 0 explained, 2 an error (an unknown tuple, a tuple not derived
at that time, --from after --to).";

/// Arguments of `ldfi late`.
#[derive(Args, Debug)]
pub(super) struct LateArgs {
    #[command(flatten)]
    program: TargetArgs,
    #[command(flatten)]
    faults: FaultFlags,
    /// The earlier event: a tuple at the time it was derived, e.g. 'bcast("a", "x")@1'.
    #[arg(long, value_name = "TUPLE@T", requires = "to", conflicts_with = "post")]
    from: Option<String>,
    /// The later event, e.g. 'log("b", "x")@3'.
    #[arg(long, value_name = "TUPLE@T", requires = "from")]
    to: Option<String>,
    /// Why `post` came later in the search's counterexample than in the failure-free run.
    #[arg(long, conflicts_with_all = ["omissions", "crashes", "delays"])]
    post: bool,
    /// With --post: also write the self-contained HTML report of the check, with the weighted delay trees of post, to DIR [default: reports/NAME].
    #[arg(long, value_name = "DIR", num_args = 0..=1, requires = "post")]
    report: Option<Option<std::path::PathBuf>>,
    /// Give up after this many seconds (the spec's `timeout:` if shorter).
    #[arg(long, value_name = "SECS", value_parser = super::parse_timeout)]
    timeout: Option<Duration>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    #[command(flatten)]
    limits: LimitArgs,
}

/// Stack of the thread that answers: the annotation recurses along causal
/// chains, which are as long as the run (an `@next` counter over EOT
/// 100,000 steps is one chain). Only the pages used are ever committed.
const STACK: usize = 4 << 30;

/// `ldfi late`.
pub(super) fn main(args: &LateArgs) -> Result<i32, Failure> {
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("ldfi late".into())
            .stack_size(STACK)
            .spawn_scoped(scope, || answer(args))
            .map_err(|e| Failure::msg(format!("cannot start the answering thread: {e}")))?
            .join()
            .unwrap_or_else(|_| Err(Failure::msg("the answer failed (see the message above)")))
    })
}

fn answer(args: &LateArgs) -> Result<i32, Failure> {
    match (&args.from, &args.to, args.post) {
        (Some(from), Some(to), false) => between(args, from, to),
        (None, None, true) => post(args),
        _ => Err(Failure::msg(
            "give --from 'TUPLE@T' --to 'TUPLE@T' (the delay between two events of a run), \
             or --post (why post came late in the counterexample the search finds)",
        )),
    }
}

impl LateArgs {
    /// The target (its runaway budget from `--budget`), and the deadline of
    /// `--timeout` or the spec's `timeout:`, whichever is shorter.
    fn target(&self) -> Result<(Target, Option<Spec>, Cancel), Failure> {
        let (mut target, spec) = self.program.target()?;
        target.limits = self.limits.limits();
        let within = [self.timeout, spec.as_ref().and_then(|s| s.timeout)]
            .into_iter()
            .flatten()
            .min();
        let cancel = Cancel {
            deadline: within.map(|d| Instant::now() + d),
            flag: Some(super::interrupt_flag()),
        };
        Ok((target, spec, cancel))
    }
}

/// A failed answer: an interrupt exits 130 (printed as such), a deadline
/// says so, anything else is an error.
fn failure(e: ExplainError) -> Result<i32, Failure> {
    if e.interrupted() {
        eprintln!("interrupted");
        return Ok(super::exit::INTERRUPTED);
    }
    Err(Failure::msg(match e {
        ExplainError::Eval(dedalus::eval::EvalError::TimedOut { .. }) => {
            "the deadline (--timeout or the spec's timeout:) passed before the answer".to_string()
        }
        e => e.to_string(),
    }))
}

/// `ldfi run ...` replaying `cfg` over `files`, shell-quoted.
fn replay_line(files: &[std::path::PathBuf], nodes: &[String], cfg: &RunConfig) -> String {
    let mut args: Vec<String> = vec!["ldfi".into(), "run".into()];
    args.extend(files.iter().map(|f| f.display().to_string()));
    args.extend([
        "--nodes".into(),
        nodes.join(","),
        "--eot".into(),
        cfg.eot.to_string(),
        "--eff".into(),
        cfg.eff.to_string(),
    ]);
    if cfg.max_delay > 0 {
        args.extend(["--max-delay".into(), cfg.max_delay.to_string()]);
    }
    for fault in cfg.faults.iter() {
        let flag = fault.flag(nodes);
        if let Some((name, value)) = flag.split_once(' ') {
            args.extend([name.to_string(), value.to_string()]);
        }
    }
    args.iter()
        .map(|a| harness::verdict::shell_word(a))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A tuple named on the command line (`--from`/`--to`), found in `run`.
fn tuple(run: &Run, flag: &str, text: &str) -> Result<TupleId, Failure> {
    harness::report::why::goal(run, text, run.eot()).map_err(|e| super::run::goal_failure(flag, e))
}

/// `--from --to`: the delay between two events of one run.
fn between(args: &LateArgs, from: &str, to: &str) -> Result<i32, Failure> {
    let (target, _, cancel) = args.target()?;
    let space = target.space();
    let faults = args.faults.resolve(target.evaluator())?;
    if !args.faults.delays.is_empty() && space.max_delay == 0 {
        return Err(Failure::msg(
            "--delay needs --max-delay D (the largest admissible delay; 0 means no delays)",
        ));
    }
    let cfg = RunConfig {
        eot: space.eot,
        eff: space.eff,
        max_delay: space.max_delay,
        faults,
        limits: target.limits,
    };
    let replay = replay_line(&target.files, &space.nodes, &cfg);
    let run = match target.evaluator().run_until(&cfg, &cancel) {
        Ok(run) => run,
        Err(e) => return failure(ExplainError::Eval(e)),
    };
    super::note(&super::unaddressed_sends(&run));
    let (f, t) = (tuple(&run, "--from", from)?, tuple(&run, "--to", to)?);
    let (ft, tt) = (run.tuple(f).time, run.tuple(t).time);
    if ft > tt {
        return Err(Failure::msg(format!(
            "--from {} is after --to {}: the earlier event goes in --from",
            run.show_tuple(f),
            run.show_tuple(t)
        )));
    }
    let fs = run.show_tuple(f);
    let answer =
        match harness::late::between(target.evaluator(), &cfg, &run, (f, t), replay, &cancel) {
            Ok(a) => a,
            Err(ExplainError::Late(e @ LateError::NotEstablished { .. })) => {
                let LateError::NotEstablished { tuple, .. } = &e else {
                    unreachable!()
                };
                let flag = if *tuple == fs { "--from" } else { "--to" };
                return Err(Failure::msg(format!("{flag}: {e}")));
            }
            Err(e) => return failure(e),
        };
    emit(&match args.format {
        Format::Json => json_line(&answer)?,
        Format::Text => answer.text(),
    });
    Ok(0)
}

/// `value` as one line of JSON.
fn json_line(value: &impl serde::Serialize) -> Result<String, Failure> {
    let mut out = serde_json::to_string(value)
        .map_err(|e| Failure::msg(format!("cannot serialise the answer: {e}")))?;
    out.push('\n');
    Ok(out)
}

/// `--post`: why `post` came late (or never) in the counterexample.
fn post(args: &LateArgs) -> Result<i32, Failure> {
    let (target, spec, cancel) = args.target()?;
    let budget = Budget {
        interrupt: cancel.flag.clone(),
        timeout: cancel
            .deadline
            .map(|d| d.saturating_duration_since(Instant::now())),
        ..Budget::default()
    };
    let outcome = harness::search(&target, Portfolio { smallest: true }, &budget, &mut |_| {})?;
    if matches!(outcome.verdict, harness::Verdict::Interrupted) {
        eprintln!("interrupted");
        return Ok(super::exit::INTERRUPTED);
    }
    let answer = match harness::late::post(&target, &outcome, &cancel) {
        Ok(a) => a,
        Err(e) => return failure(e),
    };
    emit(&render_post(&answer, args.format)?);
    if let Some(dir) = &args.report {
        let mut view = harness::render::adapt::check_view(&target, spec.as_ref(), &outcome, None)?;
        view.delays = delay_trees(&answer);
        let name = match &spec {
            Some(s) => super::stem(&s.path),
            None => args.program.stem(),
        };
        let dir = super::report_dir(dir.as_deref(), Path::new("reports"), &name);
        super::write_html_report(&dir, &view)?;
    }
    Ok(0)
}

fn render_post(answer: &PostLate, format: Format) -> Result<String, Failure> {
    match format {
        Format::Json => json_line(answer),
        Format::Text => Ok(answer.text()),
    }
}

/// The delay trees of post for the HTML report (the good run's first).
fn delay_trees(answer: &PostLate) -> Vec<harness::render::DelayTree> {
    let tree = |which: &str, a: &harness::late::Explained| {
        let steps = if a.delay == 1 { "step" } else { "steps" };
        let title = format!(
            "{which}: {} came {} {steps} after {}",
            a.to, a.delay, a.from
        );
        harness::render::adapt::delay_tree(&title, &a.cause)
    };
    let mut out = Vec::new();
    if let Some(a) = &answer.good {
        out.push(tree("failure-free run", a));
    }
    if let Some(a) = &answer.counterexample {
        out.push(tree("counterexample", a));
    }
    out
}

/// What `--post` prints for `target`: the search (LDFI, within `budget`),
/// then the good run's and the counterexample's temporal provenance of post.
pub(super) fn explain_post(
    target: &Target,
    format: Format,
    budget: &Budget,
) -> Result<String, Failure> {
    let outcome = harness::search(target, Portfolio { smallest: true }, budget, &mut |_| {})?;
    let answer = harness::late::post(target, &outcome, &Cancel::never())
        .map_err(|e| Failure::msg(e.to_string()))?;
    render_post(&answer, format)
}

/// The `ldfi bench` table of `late --post` over `specs` (in `dir`): what it
/// found and how long it took, search included (the best of 3 runs, or of
/// 1 when `quick`).
pub(super) fn bench_markdown(
    dir: &std::path::Path,
    specs: &[&str],
    quick: bool,
) -> Result<String, Failure> {
    let mut md = String::from(
        "## ldfi late --post (search included; best of runs)\n\n\
         | spec | post: failure-free -> counterexample (steps) | time (ms) |\n\
         | --- | --- | ---: |\n",
    );
    for name in specs {
        let spec = Spec::load(&dir.join(name))?;
        let target = harness::target_of(&spec)?;
        let mut best = std::time::Duration::MAX;
        let mut answer = String::new();
        for _ in 0..if quick { 1 } else { 3 } {
            let start = std::time::Instant::now();
            answer = explain_post(&target, Format::Json, &Budget::default())?;
            best = best.min(start.elapsed());
        }
        let doc: Json =
            serde_json::from_str(&answer).map_err(|e| Failure::msg(format!("{name}: {e}")))?;
        let found = if doc["post"].is_null() {
            "no counterexample".to_string()
        } else {
            let good = doc["good"]["delay"].to_string();
            match doc["counterexample"]["delay"].as_i64() {
                Some(d) => format!("{good} -> {d}"),
                None => format!("{good} -> never (carried on to t={})", doc["extended_to"]),
            }
        };
        md.push_str(&format!(
            "| {name} | {found} | {:.1} |\n",
            best.as_secs_f64() * 1000.0
        ));
    }
    Ok(md)
}
