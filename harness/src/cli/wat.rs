//! `ldfi why SPEC 'TUPLE@T'`: the wat-provenance of one tuple (see
//! [`nemo::why`]) in one run of a spec: the minimal sets of the run's inputs
//! (facts and delivered messages) that produce the tuple, however many of
//! the run's other inputs are added back.
//!
//! The run is the spec's failure-free run, or the one the fault flags
//! (`--omit/--crash/--delay`, as `ldfi run` takes them) or a saved
//! counterexample (`--counterexample FILE`) choose. Not to be confused
//! with `ldfi run --why` (module `why`), which prints the recorded
//! derivation tree of a tuple.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::Args;
use dedalus::eval::RunConfig;
use dedalus::faults::FaultSet;
use harness::Spec;

use super::check::TargetArgs;
use super::run::FaultFlags;
use super::{Failure, Format, emit};

pub(super) const EXAMPLES: &str = "\
Examples:
  # which inputs of the failure-free run make r count w's vote at t=2?
  ldfi why specs/view_vote_held_small.yaml 'counted(\"r\", \"w\")@2'

  # the same question in a run with faults, or in a saved counterexample
  ldfi why specs/view_vote_held_small.yaml 'counted(\"r\", \"w\")@4' --delay m,r,1,2
  ldfi why specs/x.yaml 'pre(\"r\", \"w\")@4' --counterexample reports/x-counterexample.yaml

  # a program's files with Molly-style flags instead of a spec, the tuple last
  ldfi why protocols/kv_pardon.ded -N db,admin,auditor -t 3 'allowed(\"db\", \"u\")@2'

Each answer is a witness: facts (with file:line) and delivered messages
(sender, receiver, send time) that together produce the tuple, and keep
producing it whatever other inputs of the run are added. Exact by replay
when at most 16 inputs can matter; beyond (or past --timeout), the tuple's
lineage, labelled an approximation with the reason. Exit status 0, or 2 on bad input.";

/// Arguments of `ldfi why`.
#[derive(Args, Debug)]
pub(super) struct WatArgs {
    /// The spec file (or the program's .ded files with -N/-t), then the
    /// tuple to explain, e.g. 'log("b", "hi")@3'.
    #[command(flatten)]
    program: TargetArgs,
    /// Explain the tuple in this saved counterexample's run (its faults).
    #[arg(long, value_name = "FILE.yaml", conflicts_with_all = ["omissions", "crashes", "delays"])]
    counterexample: Option<PathBuf>,
    #[command(flatten)]
    faults: FaultFlags,
    /// Give up the exact search after this many seconds (the spec's
    /// `timeout:` if shorter): the answer is then the lineage, labelled so.
    #[arg(long, value_name = "SECS", value_parser = super::parse_timeout)]
    timeout: Option<Duration>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

impl WatArgs {
    /// The fault flags of the run to explain, as given or as saved.
    fn flags(&self) -> Result<FaultFlags, Failure> {
        let Some(path) = &self.counterexample else {
            return Ok(self.faults.clone());
        };
        Ok(FaultFlags::saved(super::run::read_saved(path)?.faults))
    }
}

/// `ldfi why`.
pub(super) fn main(args: &WatArgs) -> Result<i32, Failure> {
    let Some((program, tuple)) = args.program.split_last() else {
        return Err(Failure::msg(
            "give the tuple to explain after the spec (or the program's files), e.g. \
             ldfi why specs/x.yaml 'log(\"b\", \"hi\")@3'",
        ));
    };
    let (target, spec) = program.target()?;
    let within = [args.timeout, spec.as_ref().and_then(|s| s.timeout)]
        .into_iter()
        .flatten()
        .min();
    let cancel = dedalus::eval::Cancel {
        deadline: within.map(|d| Instant::now() + d),
        flag: Some(super::interrupt_flag()),
    };
    let flags = args.flags()?;
    let faults = flags.resolve(target.evaluator())?;
    let space = target.space();
    let mut cfg = RunConfig::new(space.eot);
    cfg.eff = space.eff;
    cfg.max_delay = flags
        .delays
        .iter()
        .map(|d| d.by)
        .max()
        .unwrap_or(0)
        .max(space.max_delay);
    let described = describe(&faults, &space.nodes);
    cfg.faults = faults;
    let run = target.evaluator().run_until(&cfg, &cancel)?;
    // The parser of `run --why`, its messages reworded for this command.
    let goal = harness::report::why::goal(&run, &tuple, run.eot())
        .map_err(|e| super::run::goal_failure("why", e))?;
    let answer = match nemo::why::wat_until(&run, goal, &cancel) {
        Ok(a) => a,
        Err(nemo::why::WhyError::Interrupted) => {
            eprintln!("interrupted");
            return Ok(super::exit::INTERRUPTED);
        }
        Err(e) => return Err(Failure::msg(e.to_string())),
    };
    let explained = nemo::why::explain(&run, goal, &answer);
    match args.format {
        Format::Json => {
            let doc = WhyDoc {
                spec: match &spec {
                    Some(s) => s.path.display().to_string(),
                    None => target
                        .files
                        .iter()
                        .map(|f| f.display().to_string())
                        .collect::<Vec<_>>()
                        .join(" "),
                },
                run: described,
                answer: &explained,
            };
            let mut line = serde_json::to_string(&doc)
                .map_err(|e| Failure::msg(format!("cannot serialise the answer: {e}")))?;
            line.push('\n');
            emit(&line);
        }
        Format::Text => emit(&format!(
            "why {} in {described}\n{}",
            explained.tuple,
            explained.text()
        )),
    }
    Ok(0)
}

/// The JSON document of `ldfi why`: the answer, with the spec and run.
#[derive(serde::Serialize)]
struct WhyDoc<'a> {
    spec: String,
    run: String,
    #[serde(flatten)]
    answer: &'a nemo::why::Explained,
}

/// `the failure-free run` or `the run with: --omit a,b,1 ...`.
fn describe(f: &FaultSet, nodes: &[String]) -> String {
    if f.is_empty() {
        return "the failure-free run".into();
    }
    let flags: Vec<String> = f.iter().map(|fault| fault.flag(nodes)).collect();
    format!("the run with {}", flags.join(" "))
}

/// The `ldfi bench` table of `ldfi why` over `specs` (in `dir`): in each
/// spec's failure-free run, the wat-provenance of its first `pre` tuple at
/// EOT and of the matching `post`, and how long each took (the best of 3
/// runs, or of 1 when `quick`; the run itself excluded).
pub(super) fn bench_markdown(
    dir: &std::path::Path,
    specs: &[&str],
    quick: bool,
) -> Result<String, Failure> {
    let mut md = String::from(
        "## ldfi why on pre/post at EOT (failure-free run; best of runs)\n\n\
         | spec | tuple | inputs | replays | witnesses | exact | time (ms) |\n\
         | --- | --- | ---: | ---: | ---: | --- | ---: |\n",
    );
    for name in specs {
        let spec = Spec::load(&dir.join(name))?;
        let target = harness::target_of(&spec)?;
        let run = target.run(&FaultSet::none())?;
        let eot = run.eot();
        let rel = |r: &str| run.program().relation(r);
        let first_pre = rel("pre").and_then(|pre| {
            let mut rows: Vec<Vec<dedalus::value::Value>> =
                run.rows(pre, eot).map(|r| r.values.to_vec()).collect();
            rows.sort_by(|a, b| run.interner().cmp_rows(a, b));
            rows.into_iter().next()
        });
        let Some(values) = first_pre else {
            md.push_str(&format!("| {name} | no pre at EOT | | | | | |\n"));
            continue;
        };
        let goals = ["pre", "post"]
            .iter()
            .filter_map(|r| run.find(rel(r)?, &values, eot));
        for goal in goals {
            let mut best = std::time::Duration::MAX;
            let mut answer = None;
            for _ in 0..if quick { 1 } else { 3 } {
                let start = std::time::Instant::now();
                let a = nemo::why::wat(&run, goal).map_err(|e| Failure::msg(e.to_string()))?;
                best = best.min(start.elapsed());
                answer = Some(a);
            }
            let Some(a) = answer else { continue };
            md.push_str(&format!(
                "| {name} | `{}` | {} | {} | {} | {} | {:.2} |\n",
                run.show_tuple(goal),
                a.candidates.len(),
                a.replays,
                a.witnesses.len(),
                if a.exact() { "yes" } else { "lineage" },
                best.as_secs_f64() * 1000.0
            ));
        }
    }
    Ok(md)
}
