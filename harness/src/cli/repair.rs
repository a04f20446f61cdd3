//! `ldfi repair`: search like `check`, then have nemo propose repairs and
//! verify each with the search at the same bounds. Only verified repairs
//! are presented as fixes (smallest patch first); rejected candidates are
//! shown with the reason (vacuous, or the counterexample that still breaks
//! them, with its replay line).

use std::fmt::Write as _;
use std::path::PathBuf;

use clap::Args;
use harness::Verdict;
use harness::repair::ladder::{Ladder, Mark};
use harness::repair::{Checked, Rejection, RepairOptions, Repairs};
use nemo::repair::retry;
use serde_json::{Value as Json, json};

use super::debug::{ProgramArgs, counterexample_json, diagnosis_json};
use super::{Failure, Format, emit, exit, note};

pub(super) const EXAMPLES: &str = "\
Examples:
  # propose and verify repairs of the asynchronous primary/backup
  ldfi repair specs/async_primary_backup.yaml

  # write each verified repair k as DIR/k/ (complete program files) and DIR/k.patch
  ldfi repair specs/async_primary_backup.yaml --out reports/apb-repairs

  # the same as a self-contained HTML report (reports/async_primary_backup-repair/)
  ldfi repair specs/async_primary_backup.yaml --report

  # apply the best verified repair to the program files in place
  ldfi repair protocols/async_primary_backup.ded -N client,primary,r1,r2 -t 6 -f 4 -c 1 --apply
";

/// The exit codes of `ldfi repair`.
pub(super) const EXIT: &[(i32, &str)] = &[
    (exit::OK, "a verified repair (or nothing to repair)"),
    (exit::FAILED, "no repair found"),
    (exit::ERROR, "an error or an inconclusive search"),
];

/// Arguments of `ldfi repair`.
#[derive(Args, Debug)]
pub(super) struct RepairArgs {
    #[command(flatten)]
    program: ProgramArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Apply the best verified repair to the program files in place.
    #[arg(long)]
    apply: bool,
    /// Write each verified repair k (1 = the best) as DIR/k/ and DIR/k.patch.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Write a self-contained HTML report with the candidates' diffs to DIR [default: reports/NAME-repair].
    #[arg(long, value_name = "DIR", num_args = 0..=1)]
    report: Option<Option<PathBuf>>,
}

/// `ldfi repair`.
pub(super) fn main(args: &RepairArgs) -> Result<i32, Failure> {
    let (target, spec) = args.program.target()?;
    let report_dir = args.report.as_ref().map(|dir| {
        let stem = format!("{}-repair", args.program.stem());
        super::report_dir(dir.as_deref(), "reports".as_ref(), &stem)
    });
    let mut options = RepairOptions {
        budget: harness::Budget {
            interrupt: Some(super::interrupt_flag()),
            timeout: args.program.timeout(spec.as_ref()),
            ..harness::Budget::default()
        },
        ..RepairOptions::new()
    };
    // Candidates beside the report or the written repairs, so that replay
    // lines stay runnable; otherwise in a private directory removed on exit.
    if let Some(dir) = report_dir.as_ref().or(args.out.as_ref()) {
        options.workdir = dir.join("candidates");
    }
    let chosen = args.program.chosen_counterexample(&target)?;
    let r = harness::repair::repair_chosen(&target, &options, chosen)?;
    let program = target.evaluator().program();
    if let Some(dir) = &report_dir {
        let mut view = harness::render::adapt::check_view(
            &target,
            spec.as_ref(),
            &r.outcome,
            r.diagnosis.as_ref(),
        )?;
        harness::render::adapt::add_repairs(&mut view, &r);
        super::write_html_report(dir, &view)?;
    }
    if let Some(dir) = &args.out {
        for (k, c) in r.verified.iter().enumerate() {
            let sub = dir.join((k + 1).to_string());
            harness::repair::write_program(program, &target.files, &c.patch, &sub)
                .map_err(|e| Failure::msg(e.to_string()))?;
            let path = dir.join(format!("{}.patch", k + 1));
            std::fs::write(&path, c.patch.diff())
                .map_err(|e| Failure::msg(format!("cannot write `{}`: {e}", path.display())))?;
        }
        if !r.verified.is_empty() {
            note(&format!(
                "wrote {} verified repair{} to {}\n",
                r.verified.len(),
                if r.verified.len() == 1 { "" } else { "s" },
                dir.display()
            ));
        }
    }
    if args.apply {
        if let Some(best) = r.verified.first() {
            for f in &best.patch.files {
                std::fs::write(&f.path, &f.patched).map_err(|e| {
                    Failure::msg(format!("cannot write `{}`: {e}", f.path.display()))
                })?;
                note(&format!("applied repair 1 to {}\n", f.path.display()));
            }
        } else {
            note("nothing applied: no verified repair\n");
        }
    }
    let code = match &r.outcome.verdict {
        Verdict::Holds => exit::OK,
        Verdict::Violated if !r.verified.is_empty() => exit::OK,
        Verdict::Violated if r.exhausted => exit::ERROR,
        Verdict::Violated => exit::FAILED,
        Verdict::Interrupted => exit::INTERRUPTED,
        _ => exit::ERROR,
    };
    let out = match args.format {
        Format::Text => {
            let mut t = String::new();
            if let Some(spec) = &spec {
                let _ = write!(t, "spec {}", spec.path.display());
                if let Some(d) = &spec.description {
                    let _ = write!(t, ": {d}");
                }
                t.push('\n');
            }
            t.push_str(&text(&target, &r));
            t
        }
        Format::Json => {
            let mut j = json(&target, &r);
            j["spec"] = spec.as_ref().map(|s| s.path.display().to_string()).into();
            format!("{j}\n")
        }
    };
    emit(&out);
    if r.files_are_temporary() && !(r.verified.is_empty() && r.rejected.is_empty()) {
        note(
            "the candidates' files are removed on exit: pass --out DIR to keep them for the replay lines\n",
        );
    }
    Ok(code)
}

fn text(target: &harness::Target, r: &Repairs) -> String {
    let mut out = String::new();
    let Some(cx) = r.outcome.counterexample() else {
        if r.outcome.verdict == Verdict::Holds {
            let _ = writeln!(
                out,
                "the specification holds: nothing to repair\n  {}",
                r.outcome.certificate()
            );
        } else {
            let _ = writeln!(
                out,
                "the search found no counterexample but proved nothing ({}): nothing was \
                 repaired, and the program may still be broken",
                r.outcome.verdict.name()
            );
        }
        return out;
    };
    match &r.diagnosis {
        Some(d) => out.push_str(&super::debug::text(target, cx, d)),
        None => {
            let _ = writeln!(
                out,
                "counterexample: {}\n  replay: {}",
                cx.faults.describe(&target.space().nodes),
                cx.replay
            );
        }
    }
    for n in &r.notes {
        let _ = writeln!(out, "note: {n}");
    }
    if !r.ladder.steps.is_empty() {
        let _ = writeln!(
            out,
            "\nthe bug on the robustness ladder: {}",
            r.ladder.marks()
        );
        let gone: Vec<&str> = r
            .ladder
            .steps
            .iter()
            .filter(|s| s.mark == Mark::Holds)
            .map(|s| s.rung.dimension())
            .collect();
        if !gone.is_empty() {
            let _ = writeln!(out, "  it vanishes with: {}", gone.join(", "));
        }
    }
    let proposed = r.verified.len() + r.rejected.len();
    let _ = writeln!(
        out,
        "\n{proposed} candidate{} proposed, {} verified, {} robust ({:.0} ms; {} replays of known \
         counterexamples, {} searches, {} solver calls)",
        if proposed == 1 { "" } else { "s" },
        r.verified.len(),
        r.verified
            .iter()
            .filter(|c| c.ladder.holds_everywhere())
            .count(),
        r.elapsed.as_secs_f64() * 1000.0,
        r.effort.replays,
        r.effort.searches,
        r.effort.solver_calls,
    );
    if r.exhausted {
        out.push_str(
            "\nthe time budget ran out before every candidate was checked: the list below is \
             incomplete\n",
        );
    }
    if r.verified.is_empty() {
        out.push_str(if proposed == 0 {
            "\nno repair found: no correction, retry or ordering applies (see the notes); this \
             looks like a logic bug.\n"
        } else {
            "\nno repair found: the search breaks every candidate.\n"
        });
        if let Some(q) = r.diagnosis.as_ref().and_then(|d| d.debugging.as_ref()) {
            out.push_str("the root cause is likely at the DiffC frontier:\n");
            let mut seen = Vec::new();
            for f in q.diff.iter().chain(&q.missing) {
                if !seen.contains(&&f.event) {
                    seen.push(&f.event);
                    let _ = writeln!(
                        out,
                        "  {}: {}\n    at {}",
                        f.event,
                        f.why,
                        f.rules.join(", ")
                    );
                }
            }
        }
    }
    for (k, c) in r.verified.iter().enumerate() {
        let _ = writeln!(
            out,
            "\nrepair {} ({}, {} changed lines): {}",
            k + 1,
            c.candidate.kind.name(),
            c.patch.size(),
            c.candidate.summary
        );
        if let Ok(cert) = &c.verdict {
            let _ = writeln!(
                out,
                "  verified ({} run{}, {:.0} ms): {cert}",
                c.runs,
                if c.runs == 1 { "" } else { "s" },
                c.elapsed.as_secs_f64() * 1000.0
            );
        }
        if let Some(why) = nemo::repair::rationale(c.candidate.kind) {
            let _ = writeln!(out, "  why this family: {why}");
        }
        ladder_text(&mut out, &c.ladder);
        let _ = writeln!(out, "  re-check: ldfi check {}", recheck(target, c));
        out.push_str(&c.patch.diff());
    }
    for c in &r.rejected {
        let _ = writeln!(
            out,
            "\nrejected ({}, {} changed lines): {}",
            c.candidate.kind.name(),
            c.patch.size(),
            c.candidate.summary
        );
        if let Err(why) = &c.verdict {
            let _ = writeln!(out, "  {why}");
        }
        match (c.candidate.kind, &c.verdict) {
            (kind, Err(Rejection::Counterexample { .. })) if kind == retry::KIND => out.push_str(
                "  retries cannot fix this bug: the search loses every retry (a crash of the \
                 sender, or losses before EFF) after `pre` already holds\n",
            ),
            _ => {
                if let Some(caveat) = &c.candidate.caveat {
                    let _ = writeln!(out, "  note: {caveat}");
                }
            }
        }
        out.push_str(&c.patch.diff());
    }
    out
}

/// A candidate's row of marks, its caveat, and each failed rung with its
/// counterexample and replay line.
fn ladder_text(out: &mut String, ladder: &Ladder) {
    let _ = writeln!(out, "  ladder: {}", ladder.marks());
    if let Some(caveat) = ladder.caveat() {
        let _ = writeln!(out, "  caveat: {caveat}");
    }
    for s in ladder.failed() {
        match &s.mark {
            Mark::Broken { faults, replay, .. } => {
                let _ = writeln!(
                    out,
                    "    {} ({}): broken by {faults}\n      replay: {replay}",
                    s.rung.label(),
                    s.bounds
                );
            }
            Mark::Inconclusive { detail } => {
                let _ = writeln!(
                    out,
                    "    {} ({}): undecided: {detail}",
                    s.rung.label(),
                    s.bounds
                );
            }
            Mark::Holds => {}
        }
    }
}

/// The `ldfi check` arguments that re-verify a candidate's files.
fn recheck(target: &harness::Target, c: &Checked) -> String {
    let s = target.space();
    let files: Vec<String> = c.files.iter().map(|f| f.display().to_string()).collect();
    let mut line = format!(
        "{} -N {} -t {} -f {} -c {}",
        files.join(" "),
        s.nodes.join(","),
        s.eot,
        s.eff,
        s.crashes
    );
    if s.max_delay > 0 {
        let _ = write!(line, " --max-delay {}", s.max_delay);
    }
    line
}

fn checked_json(c: &Checked) -> Json {
    let mut j = json!({
        "kind": c.candidate.kind.name(),
        "summary": c.candidate.summary,
        "caveat": c.candidate.caveat,
        "size": c.patch.size(),
        "rules": c.candidate.rules(),
        "diff": c.patch.diff(),
        "files": c.files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>(),
        "runs": c.runs,
        "ladder": c.ladder.steps,
        "marks": c.ladder.marks(),
        "robust": c.ladder.holds_everywhere(),
        "caveat_bounds": c.ladder.caveat(),
        "elapsed_ms": c.elapsed.as_secs_f64() * 1000.0,
    });
    match &c.verdict {
        Ok(cert) => j["certificate"] = cert.clone().into(),
        Err(why) => {
            j["rejection"] = serde_json::to_value(why).unwrap_or(Json::Null);
            j["reason"] = why.to_string().into();
        }
    }
    j
}

fn json(target: &harness::Target, r: &Repairs) -> Json {
    let mut j = json!({
        "verdict": r.outcome.verdict.name(),
        "verified": r.verified.iter().map(checked_json).collect::<Vec<_>>(),
        "rejected": r.rejected.iter().map(checked_json).collect::<Vec<_>>(),
        "notes": r.notes,
        "ladder": r.ladder.steps,
        "effort": r.effort,
        "elapsed_ms": r.elapsed.as_secs_f64() * 1000.0,
    });
    if let Some(cx) = r.outcome.counterexample() {
        j["counterexample"] = counterexample_json(target, cx);
    }
    if let Some(d) = &r.diagnosis {
        j["debugging"] = diagnosis_json(target, d);
    }
    j
}
