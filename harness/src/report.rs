//! Renders outcomes for people (text), scripts (JSON) and later replay
//! (a counterexample as YAML).

use std::fmt::Write as _;
use std::path::PathBuf;

use dedalus::eval::Run;
use dedalus::provenance::Fate;
use serde_json::{Value as Json, json};

use crate::faults::{Fault, FaultSet, FaultSpace};
use crate::verdict::{Counterexample, Outcome, Proof, Verdict};

fn fault_lists(faults: &FaultSet, space: &FaultSpace) -> (Vec<Json>, Vec<Json>, Vec<Json>) {
    let n = |i: u32| Json::from(space.nodes[i as usize].as_str());
    let (mut o, mut c, mut d) = (Vec::new(), Vec::new(), Vec::new());
    for f in faults.iter() {
        match *f {
            Fault::Omission { from, to, time } => o.push(json!([n(from), n(to), time])),
            Fault::Crash { node, time } => c.push(json!([n(node), time])),
            Fault::Delay { from, to, time, by } => d.push(json!([n(from), n(to), time, by])),
        }
    }
    (o, c, d)
}

/// The counterexample object of the JSON report, with the message trace of
/// its run (`messages`: relation, tuple, from, to, sent, received, fate —
/// `delivered`, `omitted`, `crashed` or `delayed` — and delay).
pub fn counterexample_json(cx: &Counterexample, space: &FaultSpace) -> Json {
    let (omissions, crashes, delays) = fault_lists(&cx.faults, space);
    let run = &cx.run;
    let prov = run.provenance();
    let messages: Vec<Json> = run
        .sorted_messages()
        .into_iter()
        .map(|m| {
            let (fate, delay) = match m.fate {
                Fate::Delivered => ("delivered", None),
                Fate::Omitted => ("omitted", None),
                Fate::Crashed(_) => ("crashed", None),
                Fate::Delayed(d) => ("delayed", Some(d)),
            };
            json!({
                "relation": run.program().relations[m.rel as usize].name,
                "tuple": prov
                    .message_values(m)
                    .iter()
                    .map(|&v| run.interner().to_json(v))
                    .collect::<Vec<_>>(),
                "from": run.node_name(m.from),
                "to": run.node_name(m.to),
                "sent": m.sent,
                "received": m.received,
                "fate": fate,
                "delay": delay,
            })
        })
        .collect();
    json!({
        "omissions": omissions,
        "crashes": crashes,
        "delays": delays,
        "violated": cx.violated,
        "error": cx.error,
        "replay": cx.replay,
        "messages": messages,
    })
}

/// The machine-readable outcome: `{"verdict", "proof", "certificate",
/// "symbolic", "runs", "combinations", "counterexample", "counterexamples",
/// "elapsed_ms"}`: `proof` is `symbolic` or `exhaustive` for a `holds`
/// (else null), `symbolic` the size of the formula where one was built,
/// `counterexample` the first (or null), `counterexamples` all of them in
/// the order found (more than one with `--all`).
pub fn json(outcome: &Outcome) -> Json {
    json!({
        "verdict": outcome.verdict.name(),
        "proof": outcome.proof.as_ref().map(|p| match p {
            Proof::Exhaustive => "exhaustive",
            Proof::Symbolic(_) => "symbolic",
        }),
        "certificate": outcome.proof.as_ref().map(|_| outcome.certificate()),
        "symbolic": outcome.symbolic.as_ref().map(|s| json!({
            "ground_tuples": s.size.ground_tuples,
            "instances": s.size.instances,
            "cone": s.size.cone,
            "variables": s.size.variables,
            "constraints": s.size.constraints,
            "solver_calls": s.solver_calls,
        })),
        "runs": outcome.runs,
        "combinations": outcome.combinations.to_string(),
        "combinations_log10": outcome.combinations.log10,
        "counterexample": outcome.counterexample().map(|c| counterexample_json(c, &outcome.space)),
        "counterexamples": outcome
            .counterexamples
            .iter()
            .map(|c| counterexample_json(c, &outcome.space))
            .collect::<Vec<_>>(),
        "elapsed_ms": outcome.elapsed.as_millis() as u64,
        "vacuous_runs": outcome.vacuous,
        "vacuous": vacuous(outcome),
    })
}

/// One line per message of a run: when, who, what, and its fate.
pub fn message_trace(run: &Run) -> String {
    let mut out = String::new();
    let prov = run.provenance();
    for m in run.sorted_messages() {
        let fate = match m.fate {
            Fate::Delivered => format!(
                "delivered at {}",
                m.received.unwrap_or(m.sent.saturating_add(1))
            ),
            Fate::Omitted => "LOST (omission)".to_string(),
            Fate::Crashed(t) => format!("LOST ({} crashed at {t})", run.node_name(m.from)),
            Fate::Delayed(d) => match m.received {
                Some(r) => format!("DELAYED by {d}, delivered at {r}"),
                None => format!("DELAYED by {d}, arrives after EOT"),
            },
        };
        let _ = writeln!(
            out,
            "    t={:<3} {} -> {}  {}  {}",
            m.sent,
            run.node_name(m.from),
            run.node_name(m.to),
            run.show_atom(m.rel, prov.message_values(m)),
            fate
        );
    }
    out
}

/// A certificate under which no admissible run holds a `pre` tuple: the
/// specification was never exercised (a fact placed at a misspelled node,
/// a `pre` rule that cannot fire). Exact for a symbolic proof (the solver
/// is asked); for an exhaustive one, every run was vacuous.
pub fn vacuous(outcome: &Outcome) -> bool {
    match (&outcome.verdict, &outcome.proof) {
        (Verdict::Holds, Some(Proof::Symbolic(st))) => !st.pre_reachable,
        (Verdict::Holds, _) => outcome.runs > 0 && outcome.vacuous == outcome.runs,
        _ => false,
    }
}

/// The human-readable outcome.
pub fn text(outcome: &Outcome) -> String {
    let mut out = String::new();
    let s = &outcome.space;
    let _ = writeln!(
        out,
        "{}: {} runs ({} vacuous: no pre tuple), {} ms, strategy {}; space: nodes {}, EOT {}, EFF {}, crashes {}, max_delay {}{} = {} combinations",
        match outcome.verdict {
            Verdict::Holds if vacuous(outcome) => "HOLDS VACUOUSLY",
            Verdict::Holds => "HOLDS",
            Verdict::Violated => "VIOLATED",
            Verdict::Inconclusive { .. } => "INCONCLUSIVE",
            Verdict::Interrupted => "INTERRUPTED",
        },
        outcome.runs,
        outcome.vacuous,
        outcome.elapsed.as_millis(),
        outcome.strategy,
        s.nodes.join(","),
        s.eot,
        s.eff,
        s.crashes,
        s.max_delay,
        s.model_note(),
        outcome.combinations
    );
    if let Some(st) = &outcome.symbolic {
        let ms = |d: std::time::Duration| d.as_secs_f64() * 1e3;
        let _ = writeln!(
            out,
            "symbolic: {} ground tuples ({} in the cone of pre/post), {} instances, {} variables, {} constraints; \
             ground {:.1} ms, encode {:.1} ms, solve {:.1} ms ({} solver calls)",
            st.size.ground_tuples,
            st.size.cone,
            st.size.instances,
            st.size.variables,
            st.size.constraints,
            ms(st.ground),
            ms(st.encode),
            ms(st.solve),
            st.solver_calls
        );
    }
    match &outcome.verdict {
        Verdict::Holds if vacuous(outcome) => {
            let _ = writeln!(
                out,
                "vacuous: no admissible run holds a single pre tuple at EOT, so no post was ever required \
                 and nothing was checked; a fact placed at a node missing from the node list, \
                 or a misspelled relation, does this (a spec that means it says `expect: vacuous`)"
            );
        }
        Verdict::Holds if outcome.strategy == "random" => {}
        Verdict::Holds => {
            let _ = writeln!(out, "certificate: {}", outcome.certificate());
        }
        Verdict::Inconclusive { reason } => {
            let _ = writeln!(out, "inconclusive: {reason}; nothing is certified");
        }
        Verdict::Interrupted => {
            let _ = writeln!(out, "interrupted (Ctrl-C); nothing is certified");
        }
        Verdict::Violated => {}
    }
    for cx in &outcome.counterexamples {
        let what = if cx.faults.is_empty() {
            "fails without faults".to_string()
        } else {
            cx.faults.describe(&s.nodes)
        };
        let _ = writeln!(out, "counterexample: {what}");
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
        out.push_str(&message_trace(&cx.run));
        let _ = writeln!(out, "  replay: {}", cx.replay);
    }
    if outcome.shrink_runs > 0 {
        let _ = writeln!(
            out,
            "({} more runs made the counterexample minimal)",
            outcome.shrink_runs
        );
    }
    out
}

/// A counterexample as a YAML document that records everything needed to
/// replay it.
/// `program` names the program files as the document should (relative to
/// where it is written, so that `ldfi run --counterexample FILE` finds them).
pub fn counterexample_yaml(cx: &Counterexample, outcome: &Outcome, program: &[PathBuf]) -> String {
    let s = &outcome.space;
    let (omissions, crashes, delays) = fault_lists(&cx.faults, s);
    let doc = json!({
        "program": program.iter().map(|f| f.display().to_string()).collect::<Vec<_>>(),
        "nodes": s.nodes,
        "eot": s.eot,
        "eff": s.eff,
        "crashes": s.crashes,
        "max_delay": s.max_delay,
        "faults": {"omissions": omissions, "crashes": crashes, "delays": delays},
        "violated": cx.violated,
        "error": cx.error,
        "replay": cx.replay,
    });
    serde_yaml::to_string(&doc).unwrap_or_default()
}
