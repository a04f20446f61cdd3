//! `ldfi debug`: search like `check`, then explain the counterexample with
//! nemo's queries over the run graphs: the differential frontier (DiffC)
//! against the closest good run, the skeleton difference (SkelDiffC) over
//! every good run, the triggers of `pre` and `post`, the hazard window.
//!
//! Also home of [`ProgramArgs`]: the program and bounds of `check`
//! ([`TargetArgs`]) with the run budget, shared by `debug` and `repair`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use clap::Args;
use harness::repair::Diagnosis;
use harness::{Counterexample, FaultSet, Portfolio, Spec, Target, Verdict};
use nemo::queries::{Frontier, RunGraphs, Trigger};
use nemo::{Const, Graph};
use serde_json::{Value as Json, json};

use super::check::TargetArgs;
use super::run::{FaultFlags, read_saved};
use super::{Failure, Format, LimitArgs, emit, exit};

pub(super) const EXAMPLES: &str = "\
Examples:
  # why does the asynchronous primary/backup lose an acknowledged write?
  ldfi debug specs/async_primary_backup.yaml

  # the same from program files and bounds, as JSON; graphs as DOT
  ldfi debug protocols/async_primary_backup.ded -N client,primary,r1,r2 -t 6 -f 4 -c 1 --format json
  ldfi debug specs/async_primary_backup.yaml --dot reports/apb
";

/// The exit codes of `ldfi debug`.
pub(super) const EXIT: &[(i32, &str)] = &[
    (exit::OK, "a counterexample explained (or none to explain)"),
    (exit::ERROR, "an error or an inconclusive search"),
];

/// A program and its bounds, as `check` takes them, with the run budget.
#[derive(Args, Debug)]
pub(super) struct ProgramArgs {
    #[command(flatten)]
    program: TargetArgs,
    #[command(flatten)]
    limits: LimitArgs,
    /// Explain (and repair) the run with these faults instead of the
    /// search's first counterexample.
    #[command(flatten)]
    faults: FaultFlags,
    /// Explain (and repair) the run of a saved counterexample (`check
    /// --save`, `hunt`) on this program and bounds.
    #[arg(long, value_name = "FILE")]
    counterexample: Option<PathBuf>,
    /// Give up after this many seconds (a spec's `timeout:` that is shorter wins).
    #[arg(long, value_name = "SECS", value_parser = super::parse_timeout)]
    timeout: Option<std::time::Duration>,
}

impl ProgramArgs {
    /// The name reports are written under: the spec's or first file's stem.
    pub(super) fn stem(&self) -> String {
        self.program.stem()
    }

    /// The fault set the user chose (`--omit`, `--crash`, `--delay`,
    /// `--counterexample`), resolved against `target`; `None` if none.
    pub(super) fn chosen(&self, target: &Target) -> Result<Option<FaultSet>, Failure> {
        let flags = self.faults.resolve(target.evaluator())?;
        let faults = match &self.counterexample {
            Some(path) => {
                if !flags.is_empty() {
                    return Err(Failure::msg(
                        "--counterexample cannot be combined with fault flags".to_string(),
                    ));
                }
                FaultFlags::saved(read_saved(path)?.faults).resolve(target.evaluator())?
            }
            None => flags,
        };
        Ok((!faults.is_empty()).then_some(faults))
    }

    /// The counterexample of the run the user chose, if any; an error if it
    /// does not violate the specification.
    pub(super) fn chosen_counterexample(
        &self,
        target: &Target,
    ) -> Result<Option<Counterexample>, Failure> {
        let Some(faults) = self.chosen(target)? else {
            return Ok(None);
        };
        match harness::repair::chosen(target, &faults)? {
            Some(cx) => Ok(Some(cx)),
            None => Err(Failure::msg(format!(
                "the run with {} does not violate the specification: there is nothing to \
                 explain",
                faults.describe(&target.space().nodes)
            ))),
        }
    }

    /// The time budget: `--timeout`, or the spec's `timeout:` if shorter.
    pub(super) fn timeout(&self, spec: Option<&Spec>) -> Option<std::time::Duration> {
        match (self.timeout, spec.and_then(|s| s.timeout)) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The target and, for a spec file, the spec.
    pub(super) fn target(&self) -> Result<(Target, Option<Spec>), Failure> {
        let (mut target, spec) = self.program.target()?;
        target.limits = self.limits.limits();
        Ok((target, spec))
    }
}

/// Arguments of `ldfi debug`.
#[derive(Args, Debug)]
pub(super) struct DebugArgs {
    #[command(flatten)]
    program: ProgramArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Also write the graphs as Graphviz DOT into this directory.
    #[arg(long, value_name = "DIR")]
    dot: Option<PathBuf>,
}

/// `ldfi debug`.
pub(super) fn main(args: &DebugArgs) -> Result<i32, Failure> {
    let (target, spec) = args.program.target()?;
    let budget = harness::Budget {
        interrupt: Some(super::interrupt_flag()),
        timeout: args.program.timeout(spec.as_ref()),
        ..harness::Budget::default()
    };
    let chosen = args.program.chosen_counterexample(&target)?;
    let mut outcome = harness::search(&target, Portfolio { smallest: true }, &budget, &mut |_| {})?;
    if let Some(cx) = chosen {
        // The user's run is explained; the search still gives the verdict.
        outcome.counterexamples.insert(0, cx);
    }
    let mut out = String::new();
    let mut json = json!({
        "spec": spec.as_ref().map(|s| s.path.display().to_string()),
        "verdict": outcome.verdict.name(),
    });
    if let Some(spec) = &spec {
        let _ = write!(out, "spec {}", spec.path.display());
        if let Some(d) = &spec.description {
            let _ = write!(out, ": {d}");
        }
        out.push('\n');
    }
    let code = match (&outcome.verdict, outcome.counterexample()) {
        (_, Some(cx)) => {
            let diagnosis = harness::repair::diagnose(&target, cx)?;
            out.push_str(&text(&target, cx, &diagnosis));
            json["counterexample"] = counterexample_json(&target, cx);
            json["suspects"] = serde_json::to_value(&diagnosis.suspects).unwrap_or(Json::Null);
            json["debugging"] = diagnosis_json(&target, &diagnosis);
            if let Some(dir) = &args.dot {
                write_dot(dir, cx, &diagnosis)?;
            }
            exit::OK
        }
        (Verdict::Holds, _) => {
            let _ = writeln!(
                out,
                "the specification holds: nothing to debug\n  {}",
                outcome.certificate()
            );
            exit::OK
        }
        (v, _) => {
            let _ = writeln!(
                out,
                "the search did not find a counterexample: {}",
                v.name()
            );
            exit::ERROR
        }
    };
    match args.format {
        Format::Text => emit(&out),
        Format::Json => emit(&format!("{json}\n")),
    }
    Ok(code)
}

pub(super) fn counterexample_json(target: &Target, cx: &Counterexample) -> Json {
    json!({
        "faults": cx.faults.describe(&target.space().nodes),
        "replay": cx.replay,
    })
}

pub(super) fn diagnosis_json(target: &Target, d: &Diagnosis) -> Json {
    let good: Vec<String> = d
        .good
        .iter()
        .map(|g| good_name(target, &g.faults))
        .collect();
    let mut j = json!({ "good_runs": good });
    if let Some(q) = &d.debugging {
        j["closest"] = good[q.closest].clone().into();
        j["queries"] = serde_json::to_value(q).unwrap_or(Json::Null);
    }
    j
}

/// A good run named by its faults.
fn good_name(target: &Target, faults: &harness::FaultSet) -> String {
    if faults.is_empty() {
        "the failure-free run".into()
    } else {
        format!("the run with {}", faults.describe(&target.space().nodes))
    }
}

fn args_text(rel: &str, args: &[Const]) -> String {
    let a: Vec<String> = args.iter().map(ToString::to_string).collect();
    format!("{rel}({})", a.join(", "))
}

fn frontier_text(out: &mut String, items: &[Frontier]) {
    if items.is_empty() {
        out.push_str("  (empty)\n");
    }
    for f in items {
        let _ = writeln!(out, "  {}: {}", f.event, f.why);
        for r in &f.rules {
            let _ = writeln!(out, "    rule {r}");
        }
    }
}

fn trigger_text(out: &mut String, t: &Trigger, run: &str) {
    let _ = write!(
        out,
        "  {} first holds at t={} in {run}",
        args_text(&t.relation, &t.args),
        t.time
    );
    if let Some(n) = &t.node {
        let _ = write!(out, " on {n}");
    }
    let _ = writeln!(out, ": rule {}", t.rules.join(", "));
    for v in &t.via {
        let _ = writeln!(out, "    established by rule {v}");
    }
}

/// The diagnosis in words.
pub(super) fn text(target: &Target, cx: &Counterexample, d: &Diagnosis) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "counterexample: {}\n  replay: {}",
        cx.faults.describe(&target.space().nodes),
        cx.replay
    );
    out.push_str("suspects (most likely first):\n");
    if d.suspects.is_empty() {
        out.push_str(if d.debugging.is_some() {
            "  (none found)\n"
        } else {
            "  (none: no good run to compare with)\n"
        });
    }
    for (i, s) in d.suspects.iter().enumerate() {
        let _ = writeln!(out, "  {}. {}  {}\n     {}", i + 1, s.rule, s.text, s.why);
    }
    let Some(q) = &d.debugging else {
        out.push_str(
            "no good run establishes `pre`: there is nothing to compare the failure with\n",
        );
        return out;
    };
    let names: Vec<String> = d
        .good
        .iter()
        .map(|g| good_name(target, &g.faults))
        .collect();
    let _ = writeln!(out, "good runs: {}", names.join("; "));
    let _ = writeln!(
        out,
        "DiffC (frontier against the closest good run, {}):",
        names[q.closest]
    );
    frontier_text(&mut out, &q.diff);
    out.push_str("missing events (frontier of the whole closest good run):\n");
    frontier_text(&mut out, &q.missing);
    let _ = writeln!(
        out,
        "SkelDiffC (what every good run did and this one did not):"
    );
    frontier_text(&mut out, &q.skeleton);
    out.push_str("triggers:\n");
    for t in &q.pre_triggers {
        trigger_text(&mut out, t, "the failed run");
    }
    for t in &q.post_triggers {
        trigger_text(&mut out, t, &names[q.closest]);
    }
    for h in &q.hazards {
        let _ = write!(
            out,
            "hazard window: {} holds from t={} in the failed run",
            args_text("pre", &h.args),
            h.pre_from
        );
        match h.post_at {
            Some(t) => {
                let _ = writeln!(
                    out,
                    "; {} held from t={t} in the closest good run",
                    args_text("post", &h.args)
                );
            }
            None => out.push('\n'),
        }
    }
    out
}

/// Writes `failed-pre.dot`, `good-post.dot` (the closest good run) and
/// `diff.dot` (normalised good post minus the failed run) into `dir`.
fn write_dot(dir: &Path, cx: &Counterexample, d: &Diagnosis) -> Result<(), Failure> {
    std::fs::create_dir_all(dir)
        .map_err(|e| Failure::msg(format!("cannot create `{}`: {e}", dir.display())))?;
    let bad = RunGraphs::of(&cx.run);
    let mut graphs: Vec<(&str, Graph)> = vec![("failed-pre.dot", bad.pre.clone())];
    if let Some(q) = &d.debugging {
        let good = RunGraphs::of(&d.good[q.closest].run);
        graphs.push(("diff.dot", good.post.normalize().difference(&bad.whole)));
        graphs.push(("good-post.dot", good.post));
    }
    for (name, g) in graphs {
        let path = dir.join(name);
        std::fs::write(&path, g.to_dot())
            .map_err(|e| Failure::msg(format!("cannot write `{}`: {e}", path.display())))?;
    }
    Ok(())
}
