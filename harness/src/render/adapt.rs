//! Adapters from today's types (outcomes, runs, nemo graphs and queries,
//! repairs) to the renderers' neutral input. They are the only part of
//! `render` that knows those types.

use std::collections::{BTreeMap, BTreeSet};

use dedalus::eval::Run;
use dedalus::provenance::Fate;
use nemo::queries::{Debugging, Frontier, RunGraphs};
use nemo::temporal::{Cause, Via};
use nemo::{Graph, Vertex, VertexId};

use super::model::{
    CheckView, CounterexampleView, DelayCause, DelayTree, FileEdit, Finding, GraphVertex,
    GraphView, Highlight, HuntRow, LaneMessage, Lanes, LineReplacement, MessageFate, PatchStatus,
    PatchView, Query, SourceLocation, Tone, VertexKind,
};
use crate::repair::{Checked, Diagnosis, Rejection, Repairs};
use crate::report::{
    Bounds, Conclusion, CounterexampleReport, MessageFate as ReportFate, Report, RunTrace,
};
use crate::spec::Spec;
use crate::verdict::{Counterexample, Outcome, Verdict};
use crate::{Error, FaultSet, Target};

/// The spacetime diagram of `run`.
pub fn lanes(run: &Run, title: &str) -> Lanes {
    let nodes: Vec<String> = run.nodes().to_vec();
    let index = |name: &str| nodes.iter().position(|n| n == name);
    let prov = run.provenance();
    let messages = run
        .sorted_messages()
        .into_iter()
        .map(|m| LaneMessage {
            from: m.from as usize,
            to: m.to as usize,
            sent: m.sent,
            received: m.received,
            fate: match m.fate {
                Fate::Delivered => MessageFate::Delivered,
                Fate::Delayed(d) => MessageFate::Delayed(d),
                Fate::Omitted => MessageFate::Omitted,
                Fate::Crashed(_) => MessageFate::CrashSilenced,
            },
            label: run.show_atom(m.rel, prov.message_values(m)),
        })
        .collect();
    let mut crashes: Vec<(usize, u32)> = run
        .faults()
        .iter()
        .filter_map(|f| f.crash())
        .filter_map(|(node, time)| Some((index(run.node_name(node))?, time)))
        .collect();
    crashes.sort();
    Lanes {
        title: title.to_string(),
        nodes: nodes.clone(),
        eot: run.eot(),
        eff: run.eff(),
        messages,
        crashes,
    }
}

/// `graph` as a view: vertices in identity order, each marked by the
/// strongest of `marks` that holds it.
pub fn graph_view(
    graph: &Graph,
    title: &str,
    slug: &str,
    marks: &[(Highlight, &BTreeSet<VertexId>)],
) -> GraphView {
    let ids: Vec<VertexId> = graph.ids().into_iter().collect();
    let mark = |id: &VertexId| {
        marks
            .iter()
            .filter(|(_, set)| set.contains(id))
            .map(|(h, _)| *h)
            .max()
            .unwrap_or(Highlight::None)
    };
    let index: BTreeMap<&VertexId, usize> = ids.iter().enumerate().map(|(i, id)| (id, i)).collect();
    let vertices = ids
        .iter()
        .filter_map(|id| {
            let v = graph.vertex(id)?;
            Some(GraphVertex {
                id: format!("{:?}", id.key),
                label: short_label(v),
                kind: match v {
                    Vertex::Goal(_) => VertexKind::Goal,
                    Vertex::Firing(_) => VertexKind::Firing,
                },
                highlight: mark(id),
            })
        })
        .collect();
    let edges = graph
        .edges()
        .into_iter()
        .filter_map(|(a, b)| Some((*index.get(&a)?, *index.get(&b)?)))
        .collect();
    GraphView {
        title: title.to_string(),
        slug: slug.to_string(),
        vertices,
        edges,
    }
}

/// A vertex as a box shows it: a tuple in full, a firing as its rule's
/// file name and line, and its node.
fn short_label(v: &Vertex) -> String {
    match v {
        Vertex::Goal(_) => v.to_string(),
        Vertex::Firing(f) => {
            let loc = SourceLocation::parse(&f.location).map_or_else(
                || f.location.clone(),
                |l| {
                    let file = l.file.rsplit('/').next().unwrap_or(&l.file).to_string();
                    format!("{file}:{}", l.line)
                },
            );
            format!("rule {loc} on {}", f.node)
        }
    }
}

fn findings(query: Query, frontier: &[Frontier]) -> Vec<Finding> {
    frontier
        .iter()
        .map(|f| Finding {
            query,
            event: f.event.clone(),
            why: f.why.clone(),
            rules: f
                .rules
                .iter()
                .filter_map(|r| SourceLocation::parse(r))
                .map(|mut l| {
                    l.file = nemo::repair::diff_path(l.file.as_ref(), ".".as_ref());
                    l
                })
                .collect(),
        })
        .collect()
}

/// The frontier findings of nemo's queries: DiffC, SkelDiffC, then the
/// missing events that are on neither.
pub fn debugging_findings(d: &Debugging) -> Vec<Finding> {
    let mut out = findings(Query::DiffC, &d.diff);
    out.extend(findings(Query::SkelDiffC, &d.skeleton));
    let shown: BTreeSet<&str> = d.diff.iter().map(|f| f.event.as_str()).collect();
    let rest: Vec<Frontier> = d
        .missing
        .iter()
        .filter(|f| !shown.contains(f.event.as_str()))
        .cloned()
        .collect();
    out.extend(findings(Query::Missing, &rest));
    out
}

/// A counterexample as reports print it.
pub fn counterexample_view(cx: &Counterexample, nodes: &[String]) -> CounterexampleView {
    counterexample_report_view(&CounterexampleReport::new(cx, nodes))
}

/// A counterexample of the report model as reports print it.
pub fn counterexample_report_view(cx: &CounterexampleReport) -> CounterexampleView {
    CounterexampleView {
        faults: cx.summary.clone(),
        violated: cx
            .violated
            .iter()
            .map(|row| {
                let vals: Vec<String> = row.iter().map(ToString::to_string).collect();
                let vals = vals.join(", ");
                format!("pre({vals}) holds at EOT without post({vals})")
            })
            .collect(),
        error: cx.error.clone(),
        replay: cx.replay.clone(),
    }
}

/// The spacetime diagram of a run of the report model, over `bounds`.
pub fn trace_lanes(trace: &RunTrace, bounds: &Bounds, title: &str) -> Lanes {
    let index = |name: &str| bounds.nodes.iter().position(|n| n == name);
    let messages = trace
        .messages
        .iter()
        .filter_map(|m| {
            Some(LaneMessage {
                from: index(&m.from)?,
                to: index(&m.to)?,
                sent: m.sent,
                received: m.received,
                fate: match m.fate {
                    ReportFate::Delivered => MessageFate::Delivered,
                    ReportFate::Delayed => MessageFate::Delayed(m.delay.unwrap_or(0)),
                    ReportFate::Omitted => MessageFate::Omitted,
                    ReportFate::Crashed => MessageFate::CrashSilenced,
                },
                label: m.atom(),
            })
        })
        .collect();
    let mut crashes: Vec<(usize, u32)> = trace
        .faults
        .crashes
        .iter()
        .filter_map(|(node, time)| Some((index(node)?, *time)))
        .collect();
    crashes.sort();
    Lanes {
        title: title.to_string(),
        nodes: bounds.nodes.clone(),
        eot: bounds.eot,
        eff: bounds.eff,
        messages,
        crashes,
    }
}

/// Whether `c` is good news, bad news or neither.
fn tone(c: Conclusion) -> Tone {
    match c {
        Conclusion::Holds => Tone::Good,
        Conclusion::Violated | Conclusion::Error => Tone::Bad,
        Conclusion::Vacuous | Conclusion::Inconclusive | Conclusion::Interrupted => Tone::Neutral,
    }
}

/// The summary of `report`: what was checked, the bounds, the verdict, its
/// cost and certificate, the expectation; no runs drawn.
fn summary(report: &Report) -> CheckView {
    let b = &report.bounds;
    let o = &report.outcome;
    let verdict = report.conclusion();
    let mut view = CheckView {
        title: report
            .spec
            .clone()
            .unwrap_or_else(|| report.program.join(" ")),
        description: report.description.clone(),
        bounds: vec![
            ("nodes".into(), b.nodes.join(", ")),
            ("EOT".into(), b.eot.to_string()),
            ("EFF".into(), b.eff.to_string()),
            ("crashes".into(), b.crashes.to_string()),
            ("max_delay".into(), b.max_delay.to_string()),
            ("combinations".into(), o.combinations.clone()),
        ],
        strategy: report.strategy.to_string(),
        verdict,
        tone: tone(verdict),
        runs: o.runs,
        elapsed_ms: o.elapsed.as_millis() as u64,
        certificate: o.proof.map(|_| {
            o.certificate
                .clone()
                .unwrap_or_else(|| "nothing is certified".into())
        }),
        expectation: report.expectation.map(|e| {
            format!(
                "{}: expected {}, got {}",
                if e.met { "met" } else { "NOT met" },
                e.expect.name(),
                report.got()
            )
        }),
        ..CheckView::default()
    };
    if let Verdict::Inconclusive { reason } = report.verdict() {
        view.notes
            .push(format!("inconclusive: {reason}; nothing is certified"));
    }
    view
}

/// The report of `report` from the report model alone: the summary, the
/// first counterexample, and the spacetime diagrams of the runs it holds
/// (the failure-free run, where given, beside the failing one). The model
/// holds no provenance, so there are no graphs and no findings; a note
/// says where to get them.
pub fn report_view(report: &Report) -> CheckView {
    let mut view = summary(report);
    if let Some(good) = &report.good {
        view.lanes
            .push(trace_lanes(good, &report.bounds, "failure-free run"));
    }
    if let Some(cx) = report.counterexample() {
        let cx_view = counterexample_report_view(cx);
        view.lanes.push(trace_lanes(
            &cx.run,
            &report.bounds,
            &format!("counterexample: {}", cx_view.faults),
        ));
        view.counterexample = Some(cx_view);
        let check = match &report.spec {
            Some(spec) => format!("ldfi check {spec} --report DIR"),
            None => "ldfi check --report DIR".to_string(),
        };
        view.notes.push(format!(
            "provenance graphs, Nemo's findings and repair suggestions: `{check}`"
        ));
    }
    view
}

/// The report of one check of `target`. With a counterexample (and no
/// `diagnosis` given), nemo's queries run on it here; the spacetime
/// diagrams show the closest good run beside the failed one (the
/// failure-free run alone when the specification holds).
pub fn check_view(
    target: &Target,
    spec: Option<&Spec>,
    outcome: &Outcome,
    diagnosis: Option<&Diagnosis>,
) -> Result<CheckView, Error> {
    let s = &outcome.space;
    let report = match spec {
        Some(spec) => Report::new(outcome).spec(spec),
        None => Report::new(outcome),
    };
    let mut view = summary(&report);
    let Some(cx) = outcome.counterexample() else {
        let free = target.run(&FaultSet::none())?;
        view.lanes.push(lanes(&free, "failure-free run"));
        let graphs = RunGraphs::of(&free);
        let post = graphs.post.normalize();
        if !post.is_empty() {
            view.graphs.push(graph_view(
                &post,
                "provenance of post, failure-free run",
                "good-post",
                &[],
            ));
        }
        return Ok(view);
    };
    view.counterexample = report.counterexample().map(counterexample_report_view);
    let owned;
    let diagnosis = match diagnosis {
        Some(d) => Some(d),
        None if cx.error.is_none() => {
            owned = crate::repair::diagnose(target, cx)?;
            Some(&owned)
        }
        None => None,
    };
    let debugging = diagnosis.and_then(|d| d.debugging.as_ref().map(|q| (d, q)));
    let failed_title = format!(
        "counterexample: {}",
        view.counterexample
            .as_ref()
            .map_or("", |c| c.faults.as_str())
    );
    match debugging {
        Some((d, q)) => {
            let good = &d.good[q.closest];
            let good_title = if good.faults.is_empty() {
                "failure-free run".to_string()
            } else {
                format!("good run: {}", good.faults.describe(&s.nodes))
            };
            view.lanes.push(lanes(&good.run, &good_title));
            view.lanes.push(lanes(&cx.run, &failed_title));
            view.findings = debugging_findings(q);
            let bad = RunGraphs::of(&cx.run);
            let good_post = RunGraphs::of(&good.run).post.normalize();
            let bad_ids = bad.whole.ids();
            let missing: BTreeSet<VertexId> =
                good_post.ids().difference(&bad_ids).cloned().collect();
            let frontier: BTreeSet<VertexId> = q.diff.iter().map(|f| f.vertex.id()).collect();
            let skeleton: BTreeSet<VertexId> = q.skeleton.iter().map(|f| f.vertex.id()).collect();
            view.graphs.push(graph_view(
                &good_post,
                &format!("provenance of post, {good_title}"),
                "good-post",
                &[
                    (Highlight::Missing, &missing),
                    (Highlight::Skeleton, &skeleton),
                    (Highlight::Frontier, &frontier),
                ],
            ));
            let failed = Graph::of_relation(&cx.run, "pre")
                .union(&Graph::of_relation(&cx.run, "post"))
                .normalize();
            view.graphs.push(graph_view(
                &failed,
                "provenance of pre and post, failed run",
                "failed-pre-post",
                &[],
            ));
        }
        None => {
            let free = target.run(&FaultSet::none())?;
            view.lanes.push(lanes(&free, "failure-free run"));
            view.lanes.push(lanes(&cx.run, &failed_title));
            view.notes.push(
                "no good run establishes `pre`: there is no provenance to compare the failure with"
                    .into(),
            );
        }
    }
    Ok(view)
}

/// The delay tree of `root` (nemo's explained annotation) under `title`:
/// every cause depth first, the largest weight first under each parent.
pub fn delay_tree(title: &str, root: &Cause) -> DelayTree {
    fn walk(c: &Cause, depth: usize, out: &mut Vec<DelayCause>) {
        let handed: i64 = c.children.iter().map(|k| k.weight).sum();
        out.push(DelayCause {
            depth,
            vertex: c.vertex(),
            kind: c.kind.name().to_string(),
            node: c.node.clone(),
            via: match c.via {
                Via::Sequencing(s) => s.describe().to_string(),
                Via::Root | Via::Causal => String::new(),
            },
            interval: c.interval,
            weight: c.weight,
            own: c.weight - handed,
        });
        let mut children: Vec<&Cause> = c.children.iter().collect();
        // Stable: equal weights keep nemo's order.
        children.sort_by_key(|k| std::cmp::Reverse(k.weight));
        for k in children {
            walk(k, depth + 1, out);
        }
    }
    let mut causes = Vec::with_capacity(root.size());
    walk(root, 0, &mut causes);
    DelayTree {
        title: title.to_string(),
        delay: root.weight,
        causes,
    }
}

/// The repair candidates of `repairs` (verified first, smallest patch
/// first), with their notes, added to `view`.
pub fn add_repairs(view: &mut CheckView, repairs: &Repairs) {
    view.patches = patches(repairs);
    view.notes.extend(repairs.notes.iter().cloned());
}

/// The candidates of `repairs`, verified ones first.
pub fn patches(repairs: &Repairs) -> Vec<PatchView> {
    repairs
        .verified
        .iter()
        .chain(&repairs.rejected)
        .map(patch_view)
        .collect()
}

fn patch_view(c: &Checked) -> PatchView {
    let status = match &c.verdict {
        Ok(certificate) => PatchStatus::Verified {
            certificate: certificate.clone(),
        },
        Err(Rejection::Vacuous) => PatchStatus::Vacuous,
        Err(Rejection::Counterexample { faults, replay }) => PatchStatus::Broken {
            faults: faults.clone(),
            replay: replay.clone(),
        },
        Err(other) => PatchStatus::Rejected {
            reason: other.to_string(),
        },
    };
    let edits = c
        .patch
        .files
        .iter()
        .map(|f| {
            let diff = similar::TextDiff::from_lines(&f.original, &f.patched);
            let new_lines: Vec<&str> = diff.new_slices().to_vec();
            let replacements = diff
                .ops()
                .iter()
                .filter(|op| op.tag() != similar::DiffTag::Equal)
                .map(|op| {
                    let old = op.old_range();
                    let new = op.new_range();
                    LineReplacement {
                        start_line: old.start as u32 + 1,
                        deleted: old.len() as u32,
                        inserted: new_lines[new].concat(),
                    }
                })
                .collect();
            FileEdit {
                path: nemo::repair::diff_path(&f.path, ".".as_ref()),
                replacements,
            }
        })
        .collect();
    let ladder = c
        .ladder
        .steps
        .iter()
        .map(|s| {
            use crate::repair::ladder::Mark;
            let (holds, counterexample) = match &s.mark {
                Mark::Holds => (Some(true), None),
                Mark::Broken { faults, replay, .. } => {
                    (Some(false), Some((faults.clone(), replay.clone())))
                }
                Mark::Inconclusive { .. } => (None, None),
            };
            super::model::RungView {
                rung: s.rung.label().to_string(),
                bounds: s.bounds.clone(),
                holds,
                counterexample,
            }
        })
        .collect();
    PatchView {
        ladder,
        kind: c.candidate.kind.name().to_string(),
        summary: c.candidate.summary.clone(),
        diff: c.patch.diff(),
        status,
        runs: c.runs,
        edits,
    }
}

/// One spec of a hunt: its verdict and counterexample; nemo's findings
/// and the candidates when `repairs` (of the same spec) are given.
pub fn hunt_row(
    spec: &Spec,
    outcome: &Outcome,
    met: bool,
    diagnosis: Option<&Diagnosis>,
    repairs: Option<&Repairs>,
) -> HuntRow {
    let diagnosis = diagnosis.or_else(|| repairs.and_then(|r| r.diagnosis.as_ref()));
    HuntRow {
        spec: spec.path.display().to_string(),
        description: spec.description.clone(),
        expected: spec.expect,
        verdict: Conclusion::of(&outcome.verdict, outcome.vacuous()),
        met,
        runs: Some(outcome.runs),
        elapsed_ms: Some(outcome.elapsed.as_millis() as u64),
        error: match &outcome.verdict {
            Verdict::Inconclusive { reason } => Some(format!("inconclusive: {reason}")),
            _ => None,
        },
        location: None,
        certificate: outcome.proof.as_ref().map(|_| outcome.certificate()),
        counterexample: outcome
            .counterexample()
            .map(|cx| counterexample_view(cx, &outcome.space.nodes)),
        findings: diagnosis
            .and_then(|d| d.debugging.as_ref())
            .map(debugging_findings)
            .unwrap_or_default(),
        patches: repairs.map(patches).unwrap_or_default(),
    }
}

/// A spec that could not be checked, and why.
pub fn hunt_error(spec: &str, error: &Error) -> HuntRow {
    HuntRow {
        spec: spec.to_string(),
        verdict: Conclusion::Error,
        error: Some(error.to_string()),
        location: error_location(error),
        ..HuntRow::default()
    }
}

/// Where `error` is, when it is at a place in a source file: the first
/// located diagnostic of a program that does not load, or the place in a
/// malformed spec file.
pub fn error_location(error: &Error) -> Option<SourceLocation> {
    let d = match error {
        Error::Program(d) => d,
        Error::Spec(e) => {
            let (line, column) = e.location?;
            return Some(SourceLocation {
                file: nemo::repair::diff_path(&e.path, ".".as_ref()),
                line: line as u32,
                column: column as u32,
            });
        }
        _ => return None,
    };
    d.diagnostics.iter().find_map(|diag| {
        let label = diag.primary.as_ref()?;
        let (line, column) = d.sources.line_col(label.span);
        let file = d.sources.path(label.span.file);
        Some(SourceLocation {
            file: nemo::repair::diff_path(file, ".".as_ref()),
            line: line as u32,
            column: column as u32,
        })
    })
}
