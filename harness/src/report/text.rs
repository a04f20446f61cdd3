//! The report for people: what `ldfi check` prints, and the panic message
//! of a failed `assert_holds`.

use std::fmt::Write as _;

use super::{MessageFate, MessageReport, Report};
use crate::verdict::Verdict;

/// The whole report: the spec line, the outcome, the seed of a random
/// search and whether the expectation is met.
pub fn check(report: &Report) -> String {
    let mut out = String::new();
    if let Some(spec) = &report.spec {
        let _ = write!(out, "spec {spec}");
        if let Some(d) = &report.description {
            let _ = write!(out, ": {d}");
        }
        out.push('\n');
    }
    out.push_str(&outcome(report));
    if let Some(seed) = report.seed {
        let _ = writeln!(
            out,
            "seed: {seed} (the same search again: --strategy random --seed {seed})"
        );
    }
    if let Some(e) = report.expectation {
        let _ = writeln!(
            out,
            "expectation {}: expected {}, got {}",
            if e.met { "met" } else { "NOT met" },
            e.expect.name(),
            report.got()
        );
    }
    out
}

/// The outcome: verdict line, symbolic cost, certificate or reason, each
/// counterexample with its messages and replay line.
pub fn outcome(report: &Report) -> String {
    let mut out = String::new();
    let o = &report.outcome;
    let b = &report.bounds;
    let _ = writeln!(
        out,
        "{}: {} runs ({} vacuous: no pre tuple), {} ms, strategy {}; space: nodes {}, EOT {}, EFF {}, crashes {}, max_delay {}{} = {} combinations",
        match o.verdict {
            Verdict::Holds if o.vacuous => "HOLDS VACUOUSLY",
            Verdict::Holds => "HOLDS",
            Verdict::Violated => "VIOLATED",
            Verdict::Inconclusive { .. } => "INCONCLUSIVE",
            Verdict::Interrupted => "INTERRUPTED",
        },
        o.runs,
        o.vacuous_runs,
        o.elapsed.as_millis(),
        report.strategy,
        b.nodes.join(","),
        b.eot,
        b.eff,
        b.crashes,
        b.max_delay,
        if b.omissions { "" } else { ", no omissions" },
        o.combinations
    );
    if let Some(st) = &o.symbolic {
        let ms = |d: std::time::Duration| d.as_secs_f64() * 1e3;
        let _ = writeln!(
            out,
            "symbolic: {} ground tuples ({} in the cone of pre/post), {} instances, {} variables, {} constraints; \
             ground {:.1} ms, encode {:.1} ms, solve {:.1} ms ({} solver calls)",
            st.ground_tuples,
            st.cone,
            st.instances,
            st.variables,
            st.constraints,
            ms(st.ground),
            ms(st.encode),
            ms(st.solve),
            st.solver_calls
        );
    }
    match &o.verdict {
        Verdict::Holds if o.vacuous => {
            let _ = writeln!(
                out,
                "vacuous: no admissible run holds a single pre tuple at EOT, so no post was ever required \
                 and nothing was checked; a fact placed at a node missing from the node list, \
                 or a misspelled relation, does this (a spec that means it says `expect: vacuous`)"
            );
        }
        Verdict::Holds => {
            if let Some(certificate) = &o.certificate {
                let _ = writeln!(out, "certificate: {certificate}");
            }
        }
        Verdict::Inconclusive { reason } => {
            let _ = writeln!(out, "inconclusive: {reason}; nothing is certified");
        }
        Verdict::Interrupted => {
            let _ = writeln!(out, "interrupted (Ctrl-C); nothing is certified");
        }
        Verdict::Violated => {}
    }
    for cx in &report.counterexamples {
        let _ = writeln!(out, "counterexample: {}", cx.summary);
        if let Some(error) = &cx.error {
            let _ = writeln!(out, "  the run stops with a runtime error:");
            for line in error.lines() {
                let _ = writeln!(out, "    {line}");
            }
        }
        for row in &cx.violated {
            let vals: Vec<String> = row.iter().map(ToString::to_string).collect();
            let _ = writeln!(
                out,
                "  pre({}) holds at EOT without post({})",
                vals.join(", "),
                vals.join(", ")
            );
        }
        let _ = writeln!(out, "  messages:");
        out.push_str(&messages(&cx.run.messages));
        let _ = writeln!(out, "  replay: {}", cx.replay);
    }
    if o.shrink_runs > 0 {
        let _ = writeln!(
            out,
            "({} more runs made the counterexample minimal)",
            o.shrink_runs
        );
    }
    out
}

/// One line per message: when, who, what, and its fate.
pub fn messages(messages: &[MessageReport]) -> String {
    let mut out = String::new();
    for m in messages {
        let fate = match (m.fate, m.received) {
            (MessageFate::Delivered, r) => {
                format!("delivered at {}", r.unwrap_or(m.sent.saturating_add(1)))
            }
            (MessageFate::Omitted, _) => "LOST (omission)".to_string(),
            (MessageFate::Crashed, _) => format!(
                "LOST ({} crashed at {})",
                m.from,
                m.crashed_at.unwrap_or(m.sent)
            ),
            (MessageFate::Delayed, Some(r)) => {
                format!("DELAYED by {}, delivered at {r}", m.delay.unwrap_or(0))
            }
            (MessageFate::Delayed, None) => {
                format!("DELAYED by {}, arrives after EOT", m.delay.unwrap_or(0))
            }
        };
        let _ = writeln!(
            out,
            "    t={:<3} {} -> {}  {}  {}",
            m.sent,
            m.from,
            m.to,
            m.atom(),
            fate
        );
    }
    out
}

/// Rows under a header in aligned columns, two spaces apart, a rule of
/// dashes under the header, no trailing spaces. `right[i]` right-aligns
/// column `i` (numbers); the others are left-aligned.
pub(crate) fn columns<const N: usize>(
    header: [&str; N],
    rows: &[[String; N]],
    right: [bool; N],
) -> String {
    let mut widths = header.map(|h| h.chars().count());
    for row in rows {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |row: &[String; N]| {
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
    let rule = widths.map(|w| "-".repeat(w));
    let _ = writeln!(out, "{}", rule.join("  "));
    for row in rows {
        let _ = writeln!(out, "{}", line(row));
    }
    out
}
