//! The CI formats of a hunt: JUnit XML (one test case per spec, written
//! by `quick-junit`), SARIF 2.1.0 (results on the `.ded` lines of the
//! frontier rules, verified patches as fixes; the typed model is
//! [`super::sarif`]) and a Markdown summary for a pull-request comment.

use std::fmt::Write as _;
use std::time::Duration;

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use super::model::{HuntRow, PatchStatus, Query};
use super::sarif::{
    ArtifactChange, ArtifactLocation, Driver, Fingerprints, Fix, Level, Location, Log, Message,
    Properties, Region, Replacement, Rule, Run, SarifResult, Tool,
};
use crate::report::Conclusion;

/// The rule id of a spec whose verdict is a counterexample without a
/// located frontier (results then point at the spec file).
pub const RULE_VIOLATION: &str = "ldfi/violation";
/// The rule id of a spec that could not be checked or stayed inconclusive.
pub const RULE_UNCHECKED: &str = "ldfi/unchecked";

/// What a failing test case says: the verdict, the counterexample and its
/// replay line.
fn failure_text(r: &HuntRow) -> String {
    let mut s = match r.expected {
        Some(_) if r.met => format!("{}: {} (as expected)", r.spec, r.verdict),
        Some(e) => format!("{}: expected {}, got {}", r.spec, e.name(), r.verdict),
        None => format!("{}: {}", r.spec, r.verdict),
    };
    if let Some(e) = &r.error {
        let _ = write!(s, "\n{e}");
    }
    if let Some(cx) = &r.counterexample {
        let _ = write!(s, "\ncounterexample: {}", cx.faults);
        for v in &cx.violated {
            let _ = write!(s, "\n  {v}");
        }
        if let Some(e) = &cx.error {
            let _ = write!(s, "\n  runtime error: {e}");
        }
        let _ = write!(s, "\nreplay: {}", cx.replay);
    }
    if let Some(c) = &r.certificate {
        let _ = write!(s, "\ncertificate: {c}");
    }
    s
}

/// Whether `r` is a spec that could not be checked.
fn is_error(r: &HuntRow) -> bool {
    r.verdict == Conclusion::Error
}

/// JUnit XML: one `<testsuite>` named `suite`, one `<testcase>` per spec,
/// a `<failure>` for an expectation not met and an `<error>` for a spec
/// that could not be checked. Control characters, which XML 1.0 cannot
/// carry, are dropped.
pub fn junit(suite: &str, rows: &[HuntRow]) -> String {
    let ms = |ms: Option<u64>| Duration::from_millis(ms.unwrap_or(0));
    let total: u64 = rows.iter().filter_map(|r| r.elapsed_ms).sum();
    let mut ts = TestSuite::new(suite);
    ts.set_time(ms(Some(total)));
    for r in rows {
        let text = failure_text(r);
        let status = if is_error(r) {
            let mut st = TestCaseStatus::non_success(NonSuccessKind::Error);
            st.set_message(text.lines().next().unwrap_or(""))
                .set_type("error")
                .set_description(text.as_str());
            st
        } else if !r.met {
            let message = match &r.counterexample {
                Some(cx) => format!("{}: {}; replay: {}", r.verdict, cx.faults, cx.replay),
                None => text.lines().next().unwrap_or("").to_string(),
            };
            let mut st = TestCaseStatus::non_success(NonSuccessKind::Failure);
            st.set_message(message)
                .set_type(r.verdict.name())
                .set_description(text.as_str());
            st
        } else {
            TestCaseStatus::success()
        };
        let mut case = TestCase::new(r.spec.as_str(), status);
        case.set_classname(suite).set_time(ms(r.elapsed_ms));
        if r.met && !is_error(r) {
            let mut out = format!("verdict {}", r.verdict);
            if let Some(cx) = &r.counterexample {
                let _ = write!(out, " (as expected): {}; replay: {}", cx.faults, cx.replay);
            }
            case.set_system_out(out);
        }
        ts.add_test_case(case);
    }
    let mut report = Report::new("ldfi hunt");
    report.set_time(ms(Some(total)));
    report.add_test_suite(ts);
    // Serialising to memory fails only on an I/O error, which a `Vec`
    // never gives; an empty document would say so to the CI.
    report.to_string().unwrap_or_default()
}

/// A SARIF 2.1.0 log of a hunt: one result per frontier location of each
/// violated spec (DiffC, else SkelDiffC, else the spec file), verified
/// patches as fixes of its first result; specs that could not be checked
/// as warnings on the spec file, or on the line of the `.ded` file that
/// does not load.
pub fn sarif(rows: &[HuntRow], version: &str) -> Log {
    let mut results = Vec::new();
    for r in rows {
        let Some(cx) = &r.counterexample else {
            if matches!(
                r.verdict,
                Conclusion::Error | Conclusion::Inconclusive | Conclusion::Interrupted
            ) {
                let location = match &r.location {
                    Some(l) => Location::new(uri(&l.file), l.line, Some(l.column)),
                    None => spec_location(&r.spec),
                };
                results.push(SarifResult::new(
                    Rule::Unchecked,
                    Level::Warning,
                    failure_text(r),
                    location,
                ));
            }
            continue;
        };
        let text = failure_text(r);
        let level = if r.met { Level::Note } else { Level::Error };
        // DiffC where it located something, else the skeleton difference.
        let located: Vec<_> = [Query::DiffC, Query::SkelDiffC]
            .into_iter()
            .map(|q| {
                r.findings
                    .iter()
                    .filter(|f| f.query == q && !f.rules.is_empty())
                    .collect::<Vec<_>>()
            })
            .find(|fs| !fs.is_empty())
            .unwrap_or_default();
        let fixes: Vec<Fix> = r
            .patches
            .iter()
            .filter(|p| matches!(p.status, PatchStatus::Verified { .. }) && !p.edits.is_empty())
            .map(|p| Fix {
                description: Message::new(format!(
                    "{} ({}): {}",
                    p.kind,
                    p.status.name(),
                    p.summary
                )),
                artifact_changes: p
                    .edits
                    .iter()
                    .map(|e| ArtifactChange {
                        artifact_location: ArtifactLocation { uri: uri(&e.path) },
                        replacements: e
                            .replacements
                            .iter()
                            .map(|rep| Replacement {
                                deleted_region: Region {
                                    start_line: rep.start_line,
                                    start_column: Some(1),
                                    end_line: Some(rep.start_line + rep.deleted),
                                    end_column: Some(1),
                                },
                                inserted_content: Message::new(rep.inserted.clone()),
                            })
                            .collect(),
                    })
                    .collect(),
            })
            .collect();
        let mut first = true;
        let mut push = |rule: Rule, message: String, location: Location| {
            let mut result = SarifResult::new(rule, level, message, location);
            result.partial_fingerprints = Some(Fingerprints {
                spec: r.spec.clone(),
            });
            result.properties = Some(Properties {
                spec: r.spec.clone(),
                replay: cx.replay.clone(),
                expected: r.expected,
                met: r.met,
            });
            if first {
                result.fixes = fixes.clone();
            }
            first = false;
            results.push(result);
        };
        if located.is_empty() {
            push(Rule::Violation, text, spec_location(&r.spec));
        } else {
            for f in located {
                for loc in &f.rules {
                    push(
                        Rule::of(f.query),
                        format!("{}: {}\n{text}", f.event, f.why),
                        Location::new(uri(&loc.file), loc.line, Some(loc.column)),
                    );
                }
            }
        }
    }
    Log {
        schema: super::sarif::SCHEMA,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "ldfi",
                    version: version.to_string(),
                    rules: Rule::ALL.iter().map(|r| r.descriptor()).collect(),
                },
            },
            column_kind: "unicodeCodePoints",
            results,
        }],
    }
}

/// The SARIF log of `rows` as a document: pretty-printed JSON with every
/// object's keys sorted, ending in a newline.
pub fn sarif_json(rows: &[HuntRow], version: &str) -> Result<String, serde_json::Error> {
    let value = serde_json::to_value(sarif(rows, version))?;
    let mut text = serde_json::to_string_pretty(&value)?;
    text.push('\n');
    Ok(text)
}

fn spec_location(spec: &str) -> Location {
    Location::new(uri(spec), 1, None)
}

/// A relative path as a URI reference: forward slashes, reserved
/// characters percent-encoded.
fn uri(path: &str) -> String {
    let mut out = String::new();
    for b in path.replace('\\', "/").bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// A Markdown summary for a pull-request comment: the verdict table, the
/// first counterexample, the best verified patch as a diff block.
pub fn markdown(rows: &[HuntRow]) -> String {
    let cell = |s: &str| code(s).replace('|', "\\|");
    let met = rows.iter().filter(|r| r.met).count();
    let mut s = String::from("## ldfi hunt\n\n");
    let _ = writeln!(s, "{met} of {} specs met their expectation.\n", rows.len());
    s.push_str("| spec | expected | verdict | runs | time (ms) | met |\n");
    s.push_str("|---|---|---|---:|---:|:---:|\n");
    for r in rows {
        let _ = writeln!(
            s,
            "| `{}` | {} | {} | {} | {} | {} |",
            cell(&r.spec),
            r.expected.map_or("-", |e| e.name()),
            r.verdict,
            r.runs.map_or("-".into(), |n| n.to_string()),
            r.elapsed_ms.map_or("-".into(), |n| n.to_string()),
            if r.met { "✅" } else { "❌" }
        );
    }
    // Why each spec that reached no verdict did not.
    let unchecked: Vec<(&HuntRow, &String)> = rows
        .iter()
        .filter(|r| !r.verdict.reached())
        .filter_map(|r| Some((r, r.error.as_ref()?)))
        .collect();
    if !unchecked.is_empty() {
        s.push_str("\n### Not checked\n");
        for (r, why) in unchecked {
            let _ = write!(s, "\n`{}`:\n\n{}", cell(&r.spec), fence("text", why));
        }
    }
    // The first counterexample of a spec that did not meet its
    // expectation, else the first one at all.
    let first = rows
        .iter()
        .filter(|r| r.counterexample.is_some())
        .min_by_key(|r| r.met);
    if let Some(r) = first
        && let Some(cx) = &r.counterexample
    {
        let _ = writeln!(s, "\n### Counterexample: `{}`\n", cell(&r.spec));
        let _ = writeln!(s, "Faults: {}\n", cx.faults);
        for v in &cx.violated {
            let _ = writeln!(s, "- `{}`", code(v));
        }
        if let Some(e) = &cx.error {
            let _ = writeln!(s, "\nRuntime error:\n\n{}", fence("text", e));
        }
        let _ = writeln!(s, "\nReplay:\n\n{}", fence("sh", &cx.replay));
        let frontier: Vec<_> = r
            .findings
            .iter()
            .filter(|f| f.query == Query::DiffC)
            .collect();
        if !frontier.is_empty() {
            s.push_str("Frontier (DiffC):\n\n");
            for f in frontier {
                let rules: Vec<String> = f.rules.iter().map(|l| format!("`{l}`")).collect();
                let _ = writeln!(
                    s,
                    "- `{}`: {} ({})",
                    code(&f.event),
                    f.why,
                    rules.join(", ")
                );
            }
            s.push('\n');
        }
    }
    let best = rows.iter().find_map(|r| {
        r.patches
            .iter()
            .find(|p| matches!(p.status, PatchStatus::Verified { .. }))
            .map(|p| (r, p))
    });
    if let Some((r, p)) = best {
        let _ = writeln!(
            s,
            "\n### Verified repair for `{}`\n\n{} ({}): {}\n\n{}",
            cell(&r.spec),
            p.kind,
            p.status.name(),
            p.summary,
            fence("diff", &p.diff)
        );
    }
    s
}

/// `text` as the inside of an inline code span on one line: backticks
/// become `'`, and a newline or any other control character (which would
/// end the span, start a heading, or reach a terminal raw) is shown
/// escaped (`\n`, `\u{1b}`).
fn code(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '`' => out.push('\''),
            c if c.is_control() => out.extend(c.escape_default()),
            c => out.push(c),
        }
    }
    out
}

/// `text` in a fenced code block whose fence is longer than any backtick
/// run inside it; control characters other than newline and tab are shown
/// escaped.
fn fence(lang: &str, text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let f = "`".repeat(longest.max(2) + 1);
    let body = text.strip_suffix('\n').unwrap_or(text);
    let body: String = body
        .chars()
        .flat_map(|c| match c {
            '\n' | '\t' => vec![c],
            c if c.is_control() => c.escape_default().collect(),
            c => vec![c],
        })
        .collect();
    format!("{f}{lang}\n{body}\n{f}\n")
}
