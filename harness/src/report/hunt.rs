//! The summary of checking a directory of specs (`ldfi hunt`): one entry
//! per spec, rendered as a table or as JSON. Each entry keeps the spec's
//! whole [`Report`], for renderers that show more (one test case per spec).

use std::fmt::Write as _;

use serde::Serialize;

use super::{Conclusion, Report};
use crate::spec::Expect;

/// The verdicts of a hunt. Serialised, it is the JSON document of
/// `ldfi hunt --format json`: `{"specs": [...], "seed"}`.
#[derive(Clone, Debug, Default, Serialize)]
#[non_exhaustive]
pub struct Hunt {
    /// One entry per spec, in the order checked.
    pub specs: Vec<HuntEntry>,
    /// The seed of a randomised strategy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
}

/// One spec of a hunt: its verdict, or the error that stopped its check.
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct HuntEntry {
    /// The spec file's name.
    pub spec: String,
    /// The verdict it expects.
    pub expected: Option<Expect>,
    /// The verdict (a vacuous certificate shows as `holds`, with `met`
    /// false), or [`Conclusion::Error`].
    pub verdict: Conclusion,
    /// Runs evaluated (`None` after an error).
    pub runs: Option<usize>,
    /// Wall time in milliseconds (`None` after an error).
    pub ms: Option<u64>,
    /// Whether the expectation is met (never after an error).
    pub met: bool,
    /// The whole report (`None` after an error). Not in the JSON document.
    #[serde(skip)]
    pub report: Option<Box<Report>>,
    /// The error that stopped the check. Not in the JSON document.
    #[serde(skip)]
    pub error: Option<String>,
}

impl HuntEntry {
    /// The spec `name`, checked.
    pub fn checked(name: String, report: Report) -> HuntEntry {
        HuntEntry {
            spec: name,
            expected: report.expect(),
            verdict: Conclusion::of(report.verdict(), false),
            runs: Some(report.outcome.runs),
            ms: Some(report.outcome.elapsed.as_millis() as u64),
            met: report.met(),
            report: Some(Box::new(report)),
            error: None,
        }
    }

    /// The spec `name`, whose check stopped with `error`.
    pub fn failed(name: String, error: String) -> HuntEntry {
        HuntEntry {
            spec: name,
            expected: None,
            verdict: Conclusion::Error,
            runs: None,
            ms: None,
            met: false,
            report: None,
            error: Some(error),
        }
    }
}

impl Hunt {
    /// No spec checked yet; `seed` is the seed of a randomised strategy.
    pub fn new(seed: Option<u64>) -> Hunt {
        Hunt {
            specs: Vec::new(),
            seed,
        }
    }

    /// The JSON document on one line (keys sorted).
    pub fn json(&self) -> Result<String, serde_json::Error> {
        super::to_sorted_json(self)
    }

    /// The table for people: spec, expected, verdict, runs, time, met;
    /// then how many met and the seed of a random search.
    pub fn text(&self) -> String {
        let mut out = table(&self.specs);
        if let Some(seed) = self.seed {
            let _ = writeln!(out, "strategy random, seed {seed}");
        }
        out
    }
}

fn table(rows: &[HuntEntry]) -> String {
    let header = ["spec", "expected", "verdict", "runs", "time (ms)", "met"];
    let or_dash = |v: Option<String>| v.unwrap_or_else(|| "-".into());
    let cells: Vec<[String; 6]> = rows
        .iter()
        .map(|r| {
            [
                r.spec.clone(),
                r.expected.map_or("-", |e| e.name()).to_string(),
                r.verdict.name().to_string(),
                or_dash(r.runs.map(|n| n.to_string())),
                or_dash(r.ms.map(|n| n.to_string())),
                if r.met { "✓" } else { "✗" }.to_string(),
            ]
        })
        .collect();
    // Numbers right-aligned, text left-aligned.
    let right = [false, false, false, true, true, false];
    let mut out = super::text::columns(header, &cells, right);
    let met = rows.iter().filter(|r| r.met).count();
    let _ = writeln!(out, "{met} of {} met", rows.len());
    out
}
