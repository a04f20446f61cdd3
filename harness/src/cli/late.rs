//! `ldfi late`: why an event came when it did — temporal provenance (the
//! Zeno method, `nemo::temporal`) over one run.
//!
//! Two questions:
//!
//! - `--from 'TUPLE@T' --to 'TUPLE@T'` over one run given as `ldfi run`
//!   takes it (program files, `--nodes`, `--eot`, `--eff`, `--max-delay`
//!   and the fault flags; or a spec file for the program, nodes and bounds):
//!   the delay between the two events, attributed to its causes;
//! - `--post` over a spec file: the search's counterexample, and why its
//!   `post` came later than in the failure-free run, or not at all before
//!   EOT (the run is then carried on past EOT to see whether it ever would).
//!
//! Each fault of the run is then removed in turn and the run replayed: the
//! actual change of the delay is shown beside the weight the annotation
//! gave the fault.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use harness::render::DelayTree;

use clap::Args;
use dedalus::eval::{Evaluator, Run, RunConfig};

use super::run::FaultFlags;
use dedalus::provenance::{Origin, Time, TupleId};
use dedalus::value::Value;
use harness::{Budget, FaultSet, Spec, Target};
use nemo::temporal::{Cause, Counterfactual, Late, LateError, Sequencing, Via};
use serde_json::{Value as Json, json};

use super::check::is_spec;
use super::{Failure, Format, LimitArgs, emit, load, parse_node};

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
    /// The program's .ded files with -N/-t, or one spec file (.yaml/.yml).
    #[arg(required = true, value_name = "SPEC.yaml | FILE")]
    inputs: Vec<PathBuf>,
    /// The nodes, comma-separated (program files only).
    #[arg(short = 'N', long, value_delimiter = ',', value_parser = parse_node)]
    nodes: Vec<String>,
    /// End of time (program files only).
    #[arg(short = 't', long, value_name = "N")]
    eot: Option<Time>,
    /// End of finite failures (program files only) [default: EOT].
    #[arg(short = 'f', long, value_name = "N")]
    eff: Option<Time>,
    /// Largest admissible delay (program files only) [default: 0].
    #[arg(long, value_name = "D")]
    max_delay: Option<u32>,
    #[command(flatten)]
    faults: FaultFlags,
    /// The earlier event: a tuple at the time it was derived, e.g. 'bcast("a", "x")@1'.
    #[arg(long, value_name = "TUPLE@T", requires = "to", conflicts_with = "post")]
    from: Option<String>,
    /// The later event, e.g. 'log("b", "x")@3'.
    #[arg(long, value_name = "TUPLE@T", requires = "from")]
    to: Option<String>,
    /// Over a spec file: why `post` came later in the counterexample than in the failure-free run.
    #[arg(long, conflicts_with_all = ["omissions", "crashes", "delays"])]
    post: bool,
    /// With --post: also write the self-contained HTML report of the check, with the weighted delay trees of post, to DIR [default: reports/NAME].
    #[arg(long, value_name = "DIR", num_args = 0..=1, requires = "post")]
    report: Option<Option<PathBuf>>,
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
             or --post with a spec file (why post came late in its counterexample)",
        )),
    }
}

/// The evaluator, run configuration and replay line of the one run asked about.
struct OneRun {
    eval: Evaluator,
    cfg: RunConfig,
    replay: String,
}

impl LateArgs {
    fn spec(&self) -> Result<Option<Spec>, Failure> {
        if let [path] = self.inputs.as_slice()
            && is_spec(path)
        {
            if !self.nodes.is_empty()
                || self.eot.is_some()
                || self.eff.is_some()
                || self.max_delay.is_some()
            {
                return Err(Failure::msg(format!(
                    "-N/-t/-f/--max-delay cannot be combined with a spec file: `{}` sets the \
                     nodes and bounds",
                    path.display()
                )));
            }
            return Ok(Some(Spec::load(path)?));
        }
        if let Some(spec) = self.inputs.iter().find(|p| is_spec(p)) {
            return Err(Failure::msg(format!(
                "`{}` is a spec file: give it on its own, not with other files",
                spec.display()
            )));
        }
        Ok(None)
    }

    fn target(&self, spec: &Spec) -> Result<Target, Failure> {
        let mut target = harness::target_of(spec)?;
        target.limits = self.limits.limits();
        Ok(target)
    }

    fn one_run(&self) -> Result<OneRun, Failure> {
        let (eval, files, nodes, (eot, eff, max_delay)) = match self.spec()? {
            Some(spec) => {
                let target = self.target(&spec)?;
                let s = target.space().clone();
                (
                    target.evaluator().clone(),
                    target.files.clone(),
                    s.nodes,
                    (s.eot, s.eff, s.max_delay),
                )
            }
            None => {
                if self.nodes.is_empty() {
                    return Err(Failure::msg(
                        "--nodes (-N) is required with program files, e.g. -N a,b,c -t 4 \
                         (or give a spec file)",
                    ));
                }
                let Some(eot) = self.eot.filter(|&t| t >= 1) else {
                    return Err(Failure::msg(
                        "--eot (-t) of at least 1 is required with program files, e.g. -N a,b,c -t 4",
                    ));
                };
                let eff = self.eff.unwrap_or(eot);
                if eff > eot {
                    return Err(Failure::msg(format!(
                        "--eff {eff} exceeds --eot {eot}: EFF may not exceed EOT"
                    )));
                }
                let program = load(&self.inputs)?;
                super::note(&super::unplaced_facts(&program, &self.nodes));
                let eval = Evaluator::new(&program, &self.nodes)?;
                let bounds = (eot, eff, self.max_delay.unwrap_or(0));
                (eval, self.inputs.clone(), self.nodes.clone(), bounds)
            }
        };
        let faults = self.faults.resolve(&eval)?;
        if !self.faults.delays.is_empty() && max_delay == 0 {
            return Err(Failure::msg(
                "--delay needs --max-delay D (the largest admissible delay; 0 means no delays)",
            ));
        }
        let cfg = RunConfig {
            eot,
            eff,
            max_delay,
            faults,
            limits: self.limits.limits(),
        };
        let replay = replay_line(&files, &nodes, &cfg);
        Ok(OneRun { eval, cfg, replay })
    }
}

/// `ldfi run ...` replaying `cfg` over `files`, shell-quoted.
fn replay_line(files: &[PathBuf], nodes: &[String], cfg: &RunConfig) -> String {
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

fn late_error(e: LateError, flag_of: impl Fn(&str) -> &'static str) -> Failure {
    match &e {
        LateError::NotEstablished { tuple, .. } => Failure::msg(format!("{}: {e}", flag_of(tuple))),
        _ => Failure::msg(e.to_string()),
    }
}

/// `--from --to`: the delay between two events of one run.
fn between(args: &LateArgs, from: &str, to: &str) -> Result<i32, Failure> {
    let one = args.one_run()?;
    let cancel = dedalus::eval::Cancel {
        deadline: None,
        flag: Some(super::interrupt_flag()),
    };
    let run = one.eval.run_until(&one.cfg, &cancel)?;
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
    let (fs, ts) = (run.show_tuple(f), run.show_tuple(t));
    let l = nemo::temporal::late(&run, f, t)
        .map_err(|e| late_error(e, |shown| if shown == fs { "--from" } else { "--to" }))?;
    let faults = nemo::temporal::counterfactuals(
        &one.eval,
        &one.cfg,
        &run,
        &l.events,
        &l.annotation,
        (f, t),
    )?;
    if args.format == Format::Json {
        let mut out = serde_json::to_string(&query_json(&run, &l, f, t))
            .map_err(|e| Failure::msg(format!("cannot serialise the answer: {e}")))?;
        out.push('\n');
        emit(&out);
        return Ok(0);
    }
    let mut out = String::new();
    let _ = writeln!(out, "late: {ts} came {} after {fs}", steps(l.delay()));
    out.push('\n');
    out.push_str(&tree_text(&l.tree));
    if !faults.is_empty() {
        out.push('\n');
        out.push_str(&counterfactual_text(&faults, "the delay"));
    }
    let _ = writeln!(out, "\nreplay: {}", one.replay);
    emit(&out);
    Ok(0)
}

/// `{"from", "to", "delay", "tree"}`.
fn query_json(run: &Run, l: &Late, from: TupleId, to: TupleId) -> Json {
    let mut doc = serde_json::Map::new();
    doc.insert("from".into(), Json::String(run.show_tuple(from)));
    doc.insert("to".into(), Json::String(run.show_tuple(to)));
    doc.insert("delay".into(), Json::from(l.delay()));
    doc.insert("tree".into(), cause_json(&l.tree));
    Json::Object(doc)
}

/// A vertex of the tree, its children moved in (`json!` would serialise
/// each subtree again at every level: quadratic on a long chain).
fn cause_json(c: &Cause) -> Json {
    let mut v = serde_json::Map::new();
    v.insert("vertex".into(), Json::String(c.vertex()));
    v.insert("kind".into(), Json::String(c.kind.name().into()));
    v.insert("node".into(), Json::String(c.node.clone()));
    v.insert("interval".into(), json!([c.interval.0, c.interval.1]));
    v.insert("weight".into(), Json::from(c.weight));
    v.insert(
        "children".into(),
        Json::Array(c.children.iter().map(cause_json).collect()),
    );
    Json::Object(v)
}

fn steps(n: i64) -> String {
    format!("{n} step{}", if n == 1 { "" } else { "s" })
}

/// The tree, one cause a line, largest weight first under each parent.
fn tree_text(root: &Cause) -> String {
    fn line(out: &mut String, c: &Cause, depth: usize) {
        let via = match c.via {
            Via::Sequencing(Sequencing::Local) => "  (queued behind, same node)",
            Via::Sequencing(s) => match s {
                Sequencing::Retry => "  (retry after loss)",
                Sequencing::Delay => "  (re-sent while held back)",
                Sequencing::Negation => "  (waited for notin)",
                Sequencing::Local => "",
            },
            _ => "",
        };
        // Deep chains (a long @next counter) indent no further than this,
        // and say their depth instead.
        const DEEPEST: usize = 40;
        let indent = if depth > DEEPEST {
            format!("{}[depth {depth}] ", "  ".repeat(DEEPEST))
        } else {
            "  ".repeat(depth)
        };
        let _ = writeln!(
            out,
            "{:>4}  {indent}{} {} on {} [{}, {}]{via}",
            c.weight,
            c.kind.name(),
            c.vertex(),
            c.node,
            c.interval.0,
            c.interval.1
        );
        for k in &c.children {
            line(out, k, depth + 1);
        }
    }
    let mut out = String::from("weight  cause (kind, event, node, interval)\n");
    line(&mut out, root, 0);
    out
}

fn counterfactual_text(faults: &[Counterfactual], what: &str) -> String {
    let mut out = String::from("faults, each removed and the run replayed:\n");
    let width = faults.iter().map(|c| c.fault.len()).max().unwrap_or(0);
    for c in faults {
        let actual = match (c.delay, c.change) {
            (Some(d), Some(ch)) => format!("{what} would be {d} ({ch:+})"),
            _ => format!("{what} would not arise (the later event never follows)"),
        };
        let _ = writeln!(
            out,
            "  {:<width$}  annotated weight {}  replayed: {actual}",
            c.fault, c.weight
        );
    }
    out
}

/// The values of `values` (from `src`) in `dst`'s interner.
fn values_in(src: &Run, dst: &Run, values: &[Value]) -> Option<Vec<Value>> {
    values
        .iter()
        .map(|&v| match v {
            Value::Int(_) => Some(v),
            Value::Str(s) => dst
                .interner()
                .get(src.interner().resolve(s))
                .map(Value::Str),
        })
        .collect()
}

/// The earliest fact in `tuple`'s lineage that was established at its
/// time: where `--post` measures the delay from.
fn earliest_fact(run: &Run, events: &nemo::temporal::RunEvents, tuple: TupleId) -> Option<TupleId> {
    let prov = run.provenance();
    prov.leaves(tuple)
        .into_iter()
        .filter(|&id| {
            events.established(id)
                && prov
                    .origins(id)
                    .iter()
                    .any(|o| matches!(o, Origin::Fact(_)))
        })
        .min_by_key(|&id| (run.tuple(id).time, run.show_tuple(id)))
}

/// One run's answer for `--post`: where `post` came, and why then.
struct PostAnswer {
    from: TupleId,
    to: TupleId,
    late: Late,
}

/// Where `post(values)` was first established at or after `from` in `run`,
/// and why then.
fn post_answer(run: &Run, values: &[Value], from: Time) -> Result<Option<PostAnswer>, Failure> {
    let Some(rel) = run.program().relation("post") else {
        return Ok(None);
    };
    let events = nemo::temporal::events(run).map_err(|e| Failure::msg(e.to_string()))?;
    let Some(to) =
        nemo::temporal::dedalus::established_at_or_after(run, &events, rel, values, from)
    else {
        return Ok(None);
    };
    let Some(from) = earliest_fact(run, &events, to) else {
        return Ok(None);
    };
    let late =
        nemo::temporal::late_in(run, events, from, to).map_err(|e| Failure::msg(e.to_string()))?;
    Ok(Some(PostAnswer { from, to, late }))
}

/// `--post`: why `post` came late (or never) in the counterexample.
fn post(args: &LateArgs) -> Result<i32, Failure> {
    let Some(spec) = args.spec()? else {
        return Err(Failure::msg(
            "--post needs a spec file (ldfi late specs/x.yaml --post): the search finds the \
             counterexample to explain",
        ));
    };
    let target = args.target(&spec)?;
    let budget = Budget {
        interrupt: Some(super::interrupt_flag()),
        ..Budget::default()
    };
    let outcome = harness::search(
        &target,
        harness::Portfolio { smallest: true },
        &budget,
        &mut |_| {},
    )?;
    let mut trees = Vec::new();
    let wanted = args.report.is_some().then_some(&mut trees);
    emit(&explain_outcome(&target, &outcome, args.format, wanted)?);
    if let Some(dir) = &args.report {
        let mut view = harness::render::adapt::check_view(&target, Some(&spec), &outcome, None)?;
        view.delays = trees;
        let dir = super::report_dir(
            dir.as_deref(),
            Path::new("reports"),
            &super::stem(&spec.path),
        );
        super::write_html_report(&dir, &view)?;
    }
    Ok(0)
}

/// What `--post` prints for `target`: the search (LDFI, within `budget`),
/// then the good run's and the counterexample's temporal provenance of post.
pub(super) fn explain_post(
    target: &Target,
    format: Format,
    budget: &Budget,
) -> Result<String, Failure> {
    let outcome = harness::search(
        target,
        harness::Portfolio { smallest: true },
        budget,
        &mut |_| {},
    )?;
    explain_outcome(target, &outcome, format, None)
}

/// What `--post` prints for the search `outcome` over `target`; with
/// `trees`, the delay trees of post (the good run's first) are pushed
/// onto it for the HTML report.
fn explain_outcome(
    target: &Target,
    outcome: &harness::Outcome,
    format: Format,
    trees: Option<&mut Vec<DelayTree>>,
) -> Result<String, Failure> {
    let Some(cx) = outcome.counterexample() else {
        let msg = format!(
            "no counterexample ({}): post is never missing at EOT, so never late",
            outcome.verdict.name()
        );
        return Ok(if format == Format::Json {
            format!(
                "{}\n",
                json!({"post": Json::Null, "verdict": outcome.verdict.name()})
            )
        } else {
            format!("{msg}\n")
        });
    };
    let bad = &cx.run;
    let Some(missing) = bad.violations().and_then(|v| v.into_iter().next()) else {
        return Err(Failure::msg(
            "the counterexample has no pre tuple without post (a runtime error?)",
        ));
    };
    let Some(post_rel) = bad.program().relation("post") else {
        return Err(Failure::msg("the program has no post relation"));
    };
    let shown = bad.show_atom(post_rel, &missing);
    let good = target.run(&FaultSet::none())?;
    let good_answer = match values_in(bad, &good, &missing) {
        Some(v) => post_answer(&good, &v, 1)?,
        None => None,
    };
    // Post is missing at EOT in the counterexample: where a stretch of it
    // began after EOT in the run carried on under the same faults (a stretch
    // that ended before EOT came and went).
    let space = target.space();
    let horizon = (space.eot * 3 + space.max_delay + 2).min(dedalus::eval::MAX_EOT);
    let cfg = RunConfig {
        eot: horizon,
        eff: space.eff,
        max_delay: space.max_delay,
        faults: cx.faults.clone(),
        limits: target.limits,
    };
    let came_and_went = (1..=space.eot).find(|&t| bad.find(post_rel, &missing, t).is_some());
    let longer = target.evaluator().run(&cfg)?;
    let extended = Some(horizon);
    let mut bad_answer = None;
    if let Some(v) = values_in(bad, &longer, &missing)
        && let Some(a) = post_answer(&longer, &v, space.eot + 1)?
    {
        bad_answer = Some((a, Some(longer)));
    }
    let counterfactual = match &bad_answer {
        Some((a, longer)) => {
            let run = longer.as_ref().unwrap_or(bad);
            nemo::temporal::counterfactuals(
                target.evaluator(),
                &cfg,
                run,
                &a.late.events,
                &a.late.annotation,
                (a.from, a.to),
            )?
        }
        None => never_counterfactuals(target, &cx.faults, bad, &missing)?,
    };
    if let Some(trees) = trees {
        if let Some(a) = &good_answer {
            trees.push(delay_tree("failure-free run", a, &good));
        }
        if let Some((a, longer)) = &bad_answer {
            let run = longer.as_ref().unwrap_or(bad);
            trees.push(delay_tree("counterexample", a, run));
        }
    }
    if format == Format::Json {
        let answer = |run: &Run, a: &PostAnswer| query_json(run, &a.late, a.from, a.to);
        let doc = json!({
            "post": shown,
            "eot": space.eot,
            "good": good_answer.as_ref().map(|a| answer(&good, a)),
            "counterexample": bad_answer.as_ref().map(|(a, longer)| answer(longer.as_ref().unwrap_or(bad), a)),
            "extended_to": extended,
            "came_and_went": came_and_went,
            "faults": counterfactual.iter().map(|c| json!({
                "fault": c.fault,
                "weight": bad_answer.as_ref().map(|_| c.weight),
                "delay": c.delay,
                "change": c.change,
            })).collect::<Vec<_>>(),
            "replay": cx.replay,
        });
        return Ok(format!("{doc}\n"));
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "late: {shown} is missing at EOT {} in the counterexample ({})",
        space.eot,
        cx.faults.describe(&space.nodes)
    );
    match &good_answer {
        Some(a) => {
            let _ = writeln!(
                out,
                "  failure-free run: {} came {} after {}",
                good.show_tuple(a.to),
                steps(a.late.delay()),
                good.show_tuple(a.from)
            );
        }
        None => {
            let _ = writeln!(out, "  failure-free run: {shown} never holds either");
        }
    }
    if let Some(t) = came_and_went {
        let _ = writeln!(
            out,
            "  counterexample:   {shown} held at t={t} but was gone by EOT {}",
            space.eot
        );
    }
    match (&bad_answer, extended) {
        (Some((a, longer)), _) => {
            let run = longer.as_ref().unwrap_or(bad);
            let after = if run.tuple(a.to).time > space.eot {
                format!(" (after EOT: the run carried on to t={})", run.eot())
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "  counterexample:   {} came {} after {}{after}",
                run.show_tuple(a.to),
                steps(a.late.delay()),
                run.show_tuple(a.from)
            );
        }
        (None, Some(h)) => {
            let _ = writeln!(
                out,
                "  counterexample:   {shown} never comes (the run carried on to t={h})"
            );
        }
        (None, None) => {}
    }
    if let Some(a) = &good_answer {
        let _ = writeln!(out, "\nfailure-free run, why {}:", steps(a.late.delay()));
        out.push_str(&tree_text(&a.late.tree));
    }
    if let Some((a, _)) = &bad_answer {
        let _ = writeln!(out, "\ncounterexample, why {}:", steps(a.late.delay()));
        out.push_str(&tree_text(&a.late.tree));
    }
    if bad_answer.is_some() {
        out.push('\n');
        out.push_str(&counterfactual_text(&counterfactual, "post's delay"));
    } else if !counterfactual.is_empty() {
        out.push_str("\nfaults, each removed and the run replayed:\n");
        let width = counterfactual
            .iter()
            .map(|c| c.fault.len())
            .max()
            .unwrap_or(0);
        for c in &counterfactual {
            let then = match c.delay {
                Some(d) => format!("post comes, {} after the same start", steps(d)),
                None => "post still never comes by EOT".to_string(),
            };
            let _ = writeln!(out, "  {:<width$}  replayed: {then}", c.fault);
        }
    }
    let _ = writeln!(out, "\nreplay: {}", cx.replay);
    Ok(out)
}

/// The delay tree of `a` (over `run`, the `which` one) as the HTML report
/// shows it.
fn delay_tree(which: &str, a: &PostAnswer, run: &Run) -> DelayTree {
    let title = format!(
        "{which}: {} came {} after {}",
        run.show_tuple(a.to),
        steps(a.late.delay()),
        run.show_tuple(a.from)
    );
    harness::render::adapt::delay_tree(&title, &a.late.tree)
}

/// When `post` never comes in the counterexample: for each of its faults,
/// the run without it, and `post`'s delay there (within EOT). Weights and
/// changes are left out: nothing late to annotate, and no finite change.
fn never_counterfactuals(
    target: &Target,
    faults: &FaultSet,
    bad: &Run,
    missing: &[Value],
) -> Result<Vec<Counterfactual>, Failure> {
    let mut out = Vec::new();
    for f in faults.iter() {
        let rest: FaultSet = faults.iter().filter(|g| *g != f).copied().collect();
        let run = target.run(&rest)?;
        let delay = match values_in(bad, &run, missing) {
            Some(v) => post_answer(&run, &v, 1)?.map(|a| a.late.delay()),
            None => None,
        };
        let one: FaultSet = std::iter::once(*f).collect();
        out.push(Counterfactual {
            fault: one.flags(&target.space().nodes),
            weight: 0,
            delay,
            change: None,
        });
    }
    Ok(out)
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
