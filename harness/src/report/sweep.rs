//! The result of `ldfi sweep`: one spec checked at increasing EOT within a
//! time budget, rendered as a table, as JSON, and as an SVG plot of runs
//! and time against EOT (the shape of the scaling figure of Alvaro et al.,
//! "Lineage-driven Fault Injection", SIGMOD 2015, §7). Running the checks
//! is the command's job; this module only holds and renders what they
//! found.

use std::fmt::Write as _;

use serde::Serialize;

use super::markup::xml as escape;
use super::{Conclusion, Report};
use crate::faults::FaultSpace;

/// Why a sweep stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Stop {
    /// The time budget ran out (the last row, if inconclusive, is the
    /// check it cut short).
    Budget,
    /// A counterexample: the last row holds it.
    Counterexample,
    /// The largest EOT asked for was certified.
    MaxEot,
    /// Ctrl-C.
    Interrupted,
    /// A check reached no verdict for another reason than the budget, or
    /// failed.
    Error,
}

/// One EOT of a sweep.
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct SweepRow {
    /// End of time.
    pub eot: u32,
    /// End of finite failures.
    pub eff: u32,
    /// The conclusion at this EOT.
    pub verdict: Conclusion,
    /// Runs evaluated.
    pub runs: usize,
    /// Wall time in milliseconds.
    pub ms: u64,
    /// Variables of the symbolic formula, where one was built.
    pub variables: Option<usize>,
    /// Constraints of the symbolic formula, where one was built.
    pub constraints: Option<usize>,
    /// The replay line of the counterexample, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replay: Option<String>,
}

impl SweepRow {
    /// The row of `report`, a check at the bounds it names.
    pub fn of(report: &Report) -> SweepRow {
        let symbolic = report.outcome.symbolic.as_ref();
        SweepRow {
            eot: report.bounds.eot,
            eff: report.bounds.eff,
            verdict: report.conclusion(),
            runs: report.outcome.runs,
            ms: report.outcome.elapsed.as_millis() as u64,
            variables: symbolic.map(|s| s.variables),
            constraints: symbolic.map(|s| s.constraints),
            replay: report.counterexample().map(|c| c.replay.clone()),
        }
    }

    /// Whether this EOT was certified (a non-vacuous `holds`).
    pub fn certified(&self) -> bool {
        self.verdict == Conclusion::Holds
    }
}

/// A sweep. Serialised, it is the JSON document of `ldfi sweep --format
/// json`.
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct Sweep {
    /// The spec file.
    pub spec: String,
    /// EOT − EFF, kept at every EOT.
    pub gap: u32,
    /// The time budget in milliseconds.
    pub budget_ms: u64,
    /// One row per EOT checked, in increasing EOT.
    pub rows: Vec<SweepRow>,
    /// Why it stopped.
    pub stopped: Stop,
    /// Where the plot was written, if it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plot: Option<String>,
}

/// The deepest certified bounds of a sweep.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Deepest {
    /// End of time.
    pub eot: u32,
    /// End of finite failures.
    pub eff: u32,
}

impl Sweep {
    /// An empty sweep of `spec` over `space`'s nodes and crashes, keeping
    /// `space`'s EOT − EFF gap.
    pub fn new(spec: String, space: &FaultSpace, budget_ms: u64) -> Sweep {
        Sweep {
            spec,
            gap: space.eot - space.eff,
            budget_ms,
            rows: Vec::new(),
            stopped: Stop::Budget,
            plot: None,
        }
    }

    /// The deepest EOT certified. A sweep stops at the first counterexample
    /// or unfinished check, so every EOT checked below it held (some of
    /// the smallest perhaps vacuously: too short for `pre` to appear).
    pub fn deepest(&self) -> Option<Deepest> {
        self.rows.iter().rfind(|r| r.certified()).map(|r| Deepest {
            eot: r.eot,
            eff: r.eff,
        })
    }

    /// The JSON document on one line (keys sorted), with `deepest`.
    pub fn json(&self) -> Result<String, serde_json::Error> {
        #[derive(Serialize)]
        struct Document<'a> {
            #[serde(flatten)]
            sweep: &'a Sweep,
            deepest: Option<Deepest>,
        }
        super::to_sorted_json(&Document {
            sweep: self,
            deepest: self.deepest(),
        })
    }

    /// The table for people, then the deepest certified bounds, why the
    /// sweep stopped, and a counterexample's replay line.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "sweep of {} (EFF = EOT - {}), budget {:.1} s",
            self.spec,
            self.gap,
            self.budget_ms as f64 / 1000.0
        );
        let header = [
            "EOT",
            "EFF",
            "verdict",
            "runs",
            "time (ms)",
            "variables",
            "constraints",
        ];
        let dash = |v: Option<usize>| v.map_or_else(|| "-".to_string(), |n| n.to_string());
        let cells: Vec<[String; 7]> = self
            .rows
            .iter()
            .map(|r| {
                [
                    r.eot.to_string(),
                    r.eff.to_string(),
                    r.verdict.name().to_string(),
                    r.runs.to_string(),
                    r.ms.to_string(),
                    dash(r.variables),
                    dash(r.constraints),
                ]
            })
            .collect();
        // The verdict left-aligned, numbers right-aligned.
        let right = [true, true, false, true, true, true, true];
        out.push_str(&super::text::columns(header, &cells, right));
        match self.deepest() {
            Some(d) => {
                let _ = writeln!(out, "deepest certified: EOT {}, EFF {}", d.eot, d.eff);
            }
            None => {
                let _ = writeln!(out, "deepest certified: none");
            }
        }
        let last = self.rows.last();
        let why = match self.stopped {
            Stop::Budget => match last {
                Some(r) if !r.certified() => {
                    format!("the budget ran out during EOT {} ({})", r.eot, r.verdict)
                }
                _ => "the budget ran out".to_string(),
            },
            Stop::Counterexample => {
                format!("a counterexample at EOT {}", last.map_or(0, |r| r.eot))
            }
            Stop::MaxEot => "the largest EOT asked for was reached".to_string(),
            Stop::Interrupted => "interrupted".to_string(),
            Stop::Error => match last {
                Some(r) if !r.certified() => format!("EOT {} reached no verdict", r.eot),
                Some(r) => format!("the check after EOT {} failed", r.eot),
                None => "the first check failed".to_string(),
            },
        };
        let _ = writeln!(out, "stopped: {why}");
        if let Some(replay) = last.and_then(|r| r.replay.as_ref()) {
            let _ = writeln!(out, "replay: {replay}");
        }
        if let Some(plot) = &self.plot {
            let _ = writeln!(out, "plot: {plot}");
        }
        out
    }

    /// A self-contained SVG plot: runs (left axis) and time in ms (right
    /// axis) against EOT, one marker per row and series; a counterexample
    /// or an inconclusive check is marked red.
    pub fn svg(&self) -> String {
        const W: f64 = 640.0;
        const H: f64 = 400.0;
        const LEFT: f64 = 70.0;
        const RIGHT: f64 = 70.0;
        const TOP: f64 = 56.0;
        const BOTTOM: f64 = 50.0;
        let (pw, ph) = (W - LEFT - RIGHT, H - TOP - BOTTOM);
        let eots: Vec<u32> = self.rows.iter().map(|r| r.eot).collect();
        let (lo, hi) = match (eots.first(), eots.last()) {
            (Some(&a), Some(&b)) if b > a => (a as f64, b as f64),
            (Some(&a), _) => (a as f64 - 1.0, a as f64 + 1.0),
            _ => (0.0, 1.0),
        };
        let x = |eot: u32| LEFT + (eot as f64 - lo) / (hi - lo) * pw;
        let max_runs = self.rows.iter().map(|r| r.runs).max().unwrap_or(0).max(1) as f64;
        let max_ms = self.rows.iter().map(|r| r.ms).max().unwrap_or(0).max(1) as f64;
        let y = |v: f64, max: f64| TOP + ph - v / max * ph;
        let mut out = String::new();
        let _ = writeln!(
            out,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" font-family="sans-serif" font-size="12">"#
        );
        let _ = writeln!(
            out,
            r#"<title>{}: runs and time against EOT</title>"#,
            escape(&self.spec)
        );
        let _ = writeln!(out, r#"<rect width="{W}" height="{H}" fill="white"/>"#);
        let _ = writeln!(
            out,
            r#"<text x="{}" y="20" text-anchor="middle" font-size="14">{} (EFF = EOT - {})</text>"#,
            W / 2.0,
            escape(&self.spec),
            self.gap
        );
        // Axes.
        let (x0, x1, y0, y1) = (LEFT, LEFT + pw, TOP, TOP + ph);
        let _ = writeln!(
            out,
            r#"<path d="M{x0},{y0} V{y1} H{x1} V{y0}" fill="none" stroke="black"/>"#
        );
        // At most about 15 EOT labels, so that they never overlap.
        let every = eots.len().div_ceil(15).max(1);
        for (i, &e) in eots.iter().enumerate() {
            let last = i + 1 == eots.len();
            // The last EOT is always labelled; a regular label too close
            // to it is left out.
            if !last && (i % every != 0 || i + every / 2 + 1 >= eots.len() && every > 1) {
                continue;
            }
            let _ = writeln!(
                out,
                r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{e}</text>"#,
                x(e),
                y1 + 16.0
            );
        }
        let _ = writeln!(
            out,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">EOT</text>"#,
            LEFT + pw / 2.0,
            H - 10.0
        );
        let _ = writeln!(
            out,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="end" fill="#1f5fbf">{max_runs}</text><text x="{:.1}" y="{:.1}" text-anchor="end" fill="#1f5fbf">0</text>"##,
            x0 - 6.0,
            y0 + 4.0,
            x0 - 6.0,
            y1 + 4.0
        );
        let _ = writeln!(
            out,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" fill="#1f5fbf" transform="rotate(-90 20 {:.1})">runs</text>"##,
            20.0,
            TOP + ph / 2.0,
            TOP + ph / 2.0
        );
        let _ = writeln!(
            out,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="start" fill="#c06000">{max_ms}</text><text x="{:.1}" y="{:.1}" text-anchor="start" fill="#c06000">0</text>"##,
            x1 + 6.0,
            y0 + 4.0,
            x1 + 6.0,
            y1 + 4.0
        );
        let _ = writeln!(
            out,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" fill="#c06000" transform="rotate(90 {:.1} {:.1})">time (ms)</text>"##,
            W - 20.0,
            TOP + ph / 2.0,
            W - 20.0,
            TOP + ph / 2.0
        );
        // Series.
        let series = [
            (
                "runs",
                "#1f5fbf",
                self.rows.iter().map(|r| r.runs as f64).collect::<Vec<_>>(),
                max_runs,
            ),
            (
                "time",
                "#c06000",
                self.rows.iter().map(|r| r.ms as f64).collect(),
                max_ms,
            ),
        ];
        for (class, colour, values, max) in &series {
            let points: Vec<String> = eots
                .iter()
                .zip(values)
                .map(|(&e, &v)| format!("{:.1},{:.1}", x(e), y(v, *max)))
                .collect();
            let _ = writeln!(
                out,
                r#"<polyline class="{class}" points="{}" fill="none" stroke="{colour}" stroke-width="2"/>"#,
                points.join(" ")
            );
            for ((row, &e), &v) in self.rows.iter().zip(&eots).zip(values) {
                let fill = if row.certified() { *colour } else { "#d00000" };
                let _ = writeln!(
                    out,
                    r#"<circle class="{class}" cx="{:.1}" cy="{:.1}" r="4" fill="{fill}"><title>EOT {e}, EFF {}: {}, {} runs, {} ms</title></circle>"#,
                    x(e),
                    y(v, *max),
                    row.eff,
                    escape(row.verdict.name()),
                    row.runs,
                    row.ms
                );
            }
        }
        // Legend.
        let _ = writeln!(
            out,
            r##"<text x="{:.1}" y="{:.1}" fill="#1f5fbf">● runs</text><text x="{:.1}" y="{:.1}" fill="#c06000">● time</text><text x="{:.1}" y="{:.1}" fill="#d00000">● not certified</text>"##,
            LEFT,
            TOP - 14.0,
            LEFT + 62.0,
            TOP - 14.0,
            LEFT + 124.0,
            TOP - 14.0
        );
        out.push_str("</svg>\n");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(eot: u32, verdict: &str) -> SweepRow {
        let verdict = match verdict {
            "holds" => Conclusion::Holds,
            "vacuous" => Conclusion::Vacuous,
            _ => Conclusion::Violated,
        };
        SweepRow {
            eot,
            eff: eot - 1,
            verdict,
            runs: eot as usize * 3,
            ms: eot as u64 * 10,
            variables: None,
            constraints: None,
            replay: None,
        }
    }

    fn sweep(rows: Vec<SweepRow>) -> Sweep {
        Sweep {
            spec: "a<b>.yaml".into(),
            gap: 1,
            budget_ms: 1000,
            rows,
            stopped: Stop::Counterexample,
            plot: None,
        }
    }

    #[test]
    fn the_deepest_certified_eot_is_the_last_certified_row() {
        let s = sweep(vec![row(3, "holds"), row(4, "holds"), row(5, "violated")]);
        assert_eq!(s.deepest(), Some(Deepest { eot: 4, eff: 3 }));
        assert!(
            s.text().contains("deepest certified: EOT 4, EFF 3"),
            "{}",
            s.text()
        );
        assert_eq!(sweep(vec![row(3, "vacuous")]).deepest(), None);
        // Too short for `pre` at first: vacuous, then certified.
        let s = sweep(vec![row(1, "vacuous"), row(2, "holds"), row(3, "violated")]);
        assert_eq!(s.deepest(), Some(Deepest { eot: 2, eff: 1 }));
    }

    #[test]
    fn the_plot_escapes_names_and_handles_one_row() {
        for rows in [
            vec![row(3, "holds")],
            vec![],
            vec![row(2, "holds"), row(3, "holds")],
        ] {
            let n = rows.len();
            let svg = sweep(rows).svg();
            assert!(
                svg.contains("a&lt;b&gt;.yaml") && !svg.contains("NaN"),
                "{svg}"
            );
            assert_eq!(svg.matches("<circle").count(), 2 * n);
        }
    }
}
