//! The CI formats of a hunt: JUnit XML (one test case per spec), SARIF
//! 2.1.0 (results on the `.ded` lines of the frontier rules, verified
//! patches as fixes) and a Markdown summary for a pull-request comment.

use std::fmt::Write as _;

use serde_json::{Value as Json, json};

use super::escape::xml;
use super::model::{HuntRow, PatchStatus, Query};

/// The rule id of a spec whose verdict is a counterexample without a
/// located frontier (results then point at the spec file).
pub const RULE_VIOLATION: &str = "ldfi/violation";
/// The rule id of a spec that could not be checked or stayed inconclusive.
pub const RULE_UNCHECKED: &str = "ldfi/unchecked";

/// What a failing test case says: the verdict, the counterexample and its
/// replay line.
fn failure_text(r: &HuntRow) -> String {
    let mut s = match &r.expected {
        Some(_) if r.met => format!("{}: {} (as expected)", r.spec, r.verdict),
        Some(e) => format!("{}: expected {e}, got {}", r.spec, r.verdict),
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

/// JUnit XML: one `<testsuite>` named `suite`, one `<testcase>` per spec,
/// a `<failure>` for an expectation not met and an `<error>` for a spec
/// that could not be checked.
pub fn junit(suite: &str, rows: &[HuntRow]) -> String {
    let failures = rows.iter().filter(|r| !r.met && r.runs.is_some()).count();
    let errors = rows.iter().filter(|r| r.runs.is_none()).count();
    let total_ms: u64 = rows.iter().filter_map(|r| r.elapsed_ms).sum();
    let secs = |ms: u64| format!("{}.{:03}", ms / 1000, ms % 1000);
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        s,
        "<testsuites name=\"ldfi hunt\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\" time=\"{}\">",
        rows.len(),
        secs(total_ms)
    );
    let _ = writeln!(
        s,
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"0\" time=\"{}\">",
        xml(suite),
        rows.len(),
        secs(total_ms)
    );
    for r in rows {
        let _ = write!(
            s,
            "    <testcase classname=\"{}\" name=\"{}\" time=\"{}\"",
            xml(suite),
            xml(&r.spec),
            secs(r.elapsed_ms.unwrap_or(0))
        );
        let text = failure_text(r);
        if r.runs.is_none() {
            let _ = writeln!(
                s,
                ">\n      <error message=\"{}\" type=\"error\">{}</error>\n    </testcase>",
                xml(text.lines().next().unwrap_or("")),
                xml(&text)
            );
        } else if !r.met {
            let message = match &r.counterexample {
                Some(cx) => format!("{}: {}; replay: {}", r.verdict, cx.faults, cx.replay),
                None => text.lines().next().unwrap_or("").to_string(),
            };
            let _ = writeln!(
                s,
                ">\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>",
                xml(&message),
                xml(&r.verdict),
                xml(&text)
            );
        } else {
            let mut out = format!("verdict {}", r.verdict);
            if let Some(cx) = &r.counterexample {
                let _ = write!(out, " (as expected): {}; replay: {}", cx.faults, cx.replay);
            }
            let _ = writeln!(
                s,
                ">\n      <system-out>{}</system-out>\n    </testcase>",
                xml(&out)
            );
        }
    }
    s.push_str("  </testsuite>\n</testsuites>\n");
    s
}

/// A SARIF 2.1.0 log of a hunt: one result per frontier location of each
/// violated spec (DiffC, else SkelDiffC, else the spec file), verified
/// patches as fixes of its first result; specs that could not be checked
/// as warnings on the spec file.
pub fn sarif(rows: &[HuntRow], version: &str) -> Json {
    let rules = json!([
        {
            "id": RULE_VIOLATION,
            "name": "SpecificationViolated",
            "shortDescription": {"text": "A fault schedule violates the specification"},
            "fullDescription": {"text": "Lineage-driven fault injection found an admissible fault schedule (lost, delayed messages, crashes) under which a `pre` tuple holds at the end of time without its `post`."},
            "defaultConfiguration": {"level": "error"},
            "help": {"text": "Replay the counterexample with the replay line in the message; `ldfi repair SPEC` proposes verified repairs."}
        },
        {
            "id": Query::DiffC.rule_id(),
            "name": "DifferentialFrontier",
            "shortDescription": {"text": "Where the failed run departed from the closest good run (DiffC)"},
            "fullDescription": {"text": "A rule whose event happened in the closest good run but not in the failed one, although everything it rests on did: the frontier of leaves(ProvC_good - Prov_failed)."},
            "defaultConfiguration": {"level": "error"},
            "help": {"text": "Make the event robust to the faults in the message (acknowledgements, persistence, retries), or make `pre` depend on it."}
        },
        {
            "id": Query::SkelDiffC.rule_id(),
            "name": "SkeletonDifference",
            "shortDescription": {"text": "What every good run did and the failed run did not (SkelDiffC)"},
            "fullDescription": {"text": "A rule on the frontier of the intersection of every good run's provenance minus the failed run's."},
            "defaultConfiguration": {"level": "error"},
            "help": {"text": "See the DiffC result of the same spec, if any."}
        },
        {
            "id": Query::Missing.rule_id(),
            "name": "MissingEvent",
            "shortDescription": {"text": "An event of the closest good run missing from the failed run"},
            "defaultConfiguration": {"level": "warning"}
        },
        {
            "id": RULE_UNCHECKED,
            "name": "SpecNotChecked",
            "shortDescription": {"text": "The spec could not be checked, or the search stayed inconclusive"},
            "defaultConfiguration": {"level": "warning"}
        }
    ]);
    let rule_index = |id: &str| match id {
        RULE_VIOLATION => 0,
        "ldfi/diffc-frontier" => 1,
        "ldfi/skeleton-difference" => 2,
        "ldfi/missing-event" => 3,
        _ => 4,
    };
    let mut results = Vec::new();
    for r in rows {
        let Some(cx) = &r.counterexample else {
            if r.runs.is_none() || r.verdict == "inconclusive" || r.verdict == "interrupted" {
                results.push(json!({
                    "ruleId": RULE_UNCHECKED,
                    "ruleIndex": rule_index(RULE_UNCHECKED),
                    "level": "warning",
                    "message": {"text": failure_text(r)},
                    "locations": [spec_location(&r.spec)],
                }));
            }
            continue;
        };
        let text = failure_text(r);
        let level = if r.met { "note" } else { "error" };
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
        let mut first = true;
        let fixes: Vec<Json> = r
            .patches
            .iter()
            .filter(|p| matches!(p.status, PatchStatus::Verified { .. }) && !p.edits.is_empty())
            .map(|p| {
                json!({
                    "description": {"text": format!("{} ({}): {}", p.kind, p.status.name(), p.summary)},
                    "artifactChanges": p.edits.iter().map(|e| json!({
                        "artifactLocation": {"uri": uri(&e.path)},
                        "replacements": e.replacements.iter().map(|rep| json!({
                            "deletedRegion": {
                                "startLine": rep.start_line,
                                "startColumn": 1,
                                "endLine": rep.start_line + rep.deleted,
                                "endColumn": 1,
                            },
                            "insertedContent": {"text": rep.inserted},
                        })).collect::<Vec<_>>(),
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        let mut push = |rule: &str, message: String, location: Json| {
            let mut result = json!({
                "ruleId": rule,
                "ruleIndex": rule_index(rule),
                "level": level,
                "message": {"text": message},
                "locations": [location],
                "partialFingerprints": {"ldfiSpec/v1": r.spec},
                "properties": {"spec": r.spec, "replay": cx.replay, "expected": r.expected, "met": r.met},
            });
            if first && !fixes.is_empty() {
                result["fixes"] = Json::Array(fixes.clone());
            }
            first = false;
            results.push(result);
        };
        if located.is_empty() {
            push(RULE_VIOLATION, text, spec_location(&r.spec));
        } else {
            for f in located {
                for loc in &f.rules {
                    push(
                        f.query.rule_id(),
                        format!("{}: {}\n{text}", f.event, f.why),
                        json!({
                            "physicalLocation": {
                                "artifactLocation": {"uri": uri(&loc.file)},
                                "region": {"startLine": loc.line, "startColumn": loc.column},
                            }
                        }),
                    );
                }
            }
        }
    }
    json!({
        "$schema": "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "ldfi",
                "version": version,
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    })
}

fn spec_location(spec: &str) -> Json {
    json!({
        "physicalLocation": {
            "artifactLocation": {"uri": uri(spec)},
            "region": {"startLine": 1},
        }
    })
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
    let cell = |s: &str| s.replace('|', "\\|").replace('\n', " ");
    let met = rows.iter().filter(|r| r.met).count();
    let mut s = String::from("## ldfi hunt\n\n");
    let _ = writeln!(s, "{met} of {} specs met their expectation.\n", rows.len());
    s.push_str("| spec | expected | verdict | runs | time (ms) | met |\n");
    s.push_str("|---|---|---|---:|---:|:---:|\n");
    for r in rows {
        let _ = writeln!(
            s,
            "| `{}` | {} | {} | {} | {} | {} |",
            cell(&r.spec).replace('`', "'"),
            cell(r.expected.as_deref().unwrap_or("-")),
            cell(&r.verdict),
            r.runs.map_or("-".into(), |n| n.to_string()),
            r.elapsed_ms.map_or("-".into(), |n| n.to_string()),
            if r.met { "✅" } else { "❌" }
        );
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
        let _ = writeln!(
            s,
            "\n### Counterexample: `{}`\n",
            cell(&r.spec).replace('`', "'")
        );
        let _ = writeln!(s, "Faults: {}\n", cx.faults);
        for v in &cx.violated {
            let _ = writeln!(s, "- `{}`", v.replace('`', "'"));
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
                    f.event.replace('`', "'"),
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
            cell(&r.spec).replace('`', "'"),
            p.kind,
            p.status.name(),
            p.summary,
            fence("diff", &p.diff)
        );
    }
    s
}

/// `text` in a fenced code block whose fence is longer than any backtick
/// run inside it.
fn fence(lang: &str, text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let f = "`".repeat(longest.max(2) + 1);
    let body = text.strip_suffix('\n').unwrap_or(text);
    format!("{f}{lang}\n{body}\n{f}\n")
}
