//! The wat-provenance of a tuple as a person or a script reads it: each
//! input resolved to its source text and location (a fact) or to its
//! sender, receiver, times and tuple (a message). Renderers (text, JSON)
//! work from [`Explained`] alone.

use dedalus::eval::Run;
use dedalus::provenance::{Time, TupleId};
use serde::Serialize;

use super::{Approximation, Input, WatProvenance};

/// The answer to "why does this tuple hold?", resolved for showing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Explained {
    /// The tuple, e.g. `allowed("db", "u")@2`.
    pub tuple: String,
    /// Whether the answer is exact (checked by replay).
    pub exact: bool,
    /// Why it is not, when it is not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approximation: Option<Approximation>,
    /// The candidate inputs after pruning.
    pub candidates: usize,
    /// The replays the search made.
    pub replays: usize,
    /// The witnesses, smallest first.
    pub witnesses: Vec<ShownWitness>,
}

/// One witness, its inputs resolved.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ShownWitness {
    /// Facts first, then messages by send time.
    pub inputs: Vec<ShownInput>,
}

/// One input, resolved.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum ShownInput {
    /// A fact of the program.
    Fact {
        /// Its source text, without `;`.
        fact: String,
        /// `file:line`.
        at: String,
    },
    /// A message delivered between two nodes.
    Message {
        /// Sender.
        from: String,
        /// Receiver.
        to: String,
        /// Send time.
        sent: Time,
        /// Arrival time.
        received: Option<Time>,
        /// The tuple it carried (one).
        tuples: Vec<String>,
    },
}

/// `answer` (the wat-provenance of `goal` in `run`) resolved for showing.
pub fn explain(run: &Run, goal: TupleId, answer: &WatProvenance) -> Explained {
    Explained {
        tuple: run.show_tuple(goal),
        exact: answer.exact(),
        approximation: answer.approximation,
        candidates: answer.candidates.len(),
        replays: answer.replays,
        witnesses: answer
            .witnesses
            .iter()
            .map(|w| ShownWitness {
                inputs: w.inputs.iter().map(|i| shown(run, i)).collect(),
            })
            .collect(),
    }
}

fn shown(run: &Run, input: &Input) -> ShownInput {
    match *input {
        Input::Fact(i) => {
            let program = run.program();
            let f = &program.facts()[i];
            let fact = program
                .sources()
                .snippet(f.span)
                .trim()
                .trim_end_matches(';')
                .trim_end()
                .to_string();
            let (line, _) = program.sources().line_col(f.span);
            let at = format!("{}:{line}", program.sources().path(f.span.file).display());
            ShownInput::Fact { fact, at }
        }
        Input::Message(d) => {
            let m = &run.messages()[d.id as usize];
            let prov = run.provenance();
            ShownInput::Message {
                from: run.node_name(d.from).to_string(),
                to: run.node_name(d.to).to_string(),
                sent: d.sent,
                received: m.received,
                tuples: vec![run.show_atom(m.rel, prov.message_values(m))],
            }
        }
    }
}

impl Explained {
    /// The answer as text: a summary line, then each witness's inputs.
    pub fn text(&self) -> String {
        use std::fmt::Write as _;
        let mut out = String::new();
        let n = self.witnesses.len();
        let plural =
            |k: usize, one: &'static str, many: &'static str| if k == 1 { one } else { many };
        match &self.approximation {
            None => {
                let _ = writeln!(
                    out,
                    "wat-provenance (exact): {n} minimal witness{} closed under supertrace; \
                     {} candidate input{} after pruning, {} replays",
                    plural(n, "", "es"),
                    self.candidates,
                    plural(self.candidates, "", "s"),
                    self.replays
                );
            }
            Some(why) => {
                let _ = writeln!(
                    out,
                    "APPROXIMATION (lineage): {} candidate input{} after pruning, {}; the \
                     inputs the tuple's recorded derivations used, not checked against \
                     supertraces",
                    self.candidates,
                    plural(self.candidates, "", "s"),
                    why.describe()
                );
            }
        }
        for (k, w) in self.witnesses.iter().enumerate() {
            let _ = writeln!(out, "witness {}:", k + 1);
            if w.inputs.is_empty() {
                let _ = writeln!(out, "  (no input of the run is needed)");
            }
            for input in &w.inputs {
                match input {
                    ShownInput::Fact { fact, at } => {
                        let _ = writeln!(out, "  fact     {fact}  ({at})");
                    }
                    ShownInput::Message {
                        from,
                        to,
                        sent,
                        received,
                        tuples,
                    } => {
                        let _ = writeln!(
                            out,
                            "  message  {from} -> {to} sent at {sent}{}: {}",
                            received.map_or_else(String::new, |r| format!(", received at {r}")),
                            tuples.join(", ")
                        );
                    }
                }
            }
        }
        out
    }
}
