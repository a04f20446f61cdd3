//! The result of one run: tables per timestep, messages, provenance.

use std::sync::Arc;

use serde::Serialize;
use serde_json::Value as Json;

use crate::program::{Program, RelId};
use crate::provenance::{Fate, Message, NodeId, Provenance, Time, TupleId};
use crate::value::{Interner, Value};

use super::table::Table;
use super::{FaultSet, Shared};

/// One evaluated run.
pub struct Run {
    pub(crate) shared: Arc<Shared>,
    pub(crate) eot: Time,
    pub(crate) eff: Time,
    pub(crate) faults: FaultSet,
    /// `tables[t][rel]`, `t` in `1..=eot` (index 0 unused).
    pub(crate) tables: Vec<Vec<Table>>,
    /// Tuple id -> (relation, time, row).
    pub(crate) tuples: Vec<(RelId, Time, u32)>,
    pub(crate) prov: Provenance,
    /// `@async` heads addressed to a value that is not a node: never sent.
    pub(crate) unaddressed: Vec<(RelId, Value)>,
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Run")
            .field("eot", &self.eot)
            .field("faults", &self.faults)
            .field("tuples", &self.tuples.len())
            .finish_non_exhaustive()
    }
}

/// A tuple at a time, borrowed from a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TupleRef<'r> {
    /// Its id.
    pub id: TupleId,
    /// Its relation.
    pub rel: RelId,
    /// Its time.
    pub time: Time,
    /// Its values.
    pub values: &'r [Value],
}

impl Run {
    /// The program that ran.
    pub fn program(&self) -> &Program {
        &self.shared.program
    }

    /// The strings of the run.
    pub fn interner(&self) -> &Interner {
        &self.shared.interner
    }

    /// The node names (a [`NodeId`] indexes this list).
    pub fn nodes(&self) -> &[String] {
        &self.shared.nodes
    }

    /// A node's name.
    pub fn node_name(&self, n: NodeId) -> &str {
        &self.shared.nodes[n as usize]
    }

    /// End of time.
    pub fn eot(&self) -> Time {
        self.eot
    }

    /// End of finite failures.
    pub fn eff(&self) -> Time {
        self.eff
    }

    /// The faults the run was evaluated under.
    pub fn faults(&self) -> &FaultSet {
        &self.faults
    }

    /// Approximate heap bytes held by the run (tables, indexes, provenance).
    pub fn heap_bytes(&self) -> usize {
        self.tables
            .iter()
            .flatten()
            .map(Table::heap_bytes)
            .sum::<usize>()
            + self.tuples.capacity() * std::mem::size_of::<(RelId, Time, u32)>()
            + self.prov.heap_bytes()
    }

    /// The relations and destinations of `@async` heads that were derived
    /// for a value that is not a node, so never sent (a misspelled node in
    /// the node list, or in a fact), in order of first derivation.
    pub fn unaddressed(&self) -> &[(RelId, Value)] {
        &self.unaddressed
    }

    /// The provenance store.
    pub fn provenance(&self) -> &Provenance {
        &self.prov
    }

    /// The messages, in order of sending.
    pub fn messages(&self) -> &[Message] {
        self.prov.messages()
    }

    /// The named variables of a rule, in binding order.
    pub fn rule_vars(&self, rule: crate::RuleId) -> &[String] {
        &self.shared.compiled.rules[rule as usize].vars
    }

    /// `path:line:col` of a rule.
    pub fn rule_location(&self, rule: crate::RuleId) -> String {
        self.shared.rule_location(rule)
    }

    /// Number of tuple-at-time ids.
    pub fn tuple_count(&self) -> usize {
        self.tuples.len()
    }

    /// The tuple `id`.
    pub fn tuple(&self, id: TupleId) -> TupleRef<'_> {
        let (rel, time, row) = self.tuples[id as usize];
        TupleRef {
            id,
            rel,
            time,
            values: self.tables[time as usize][rel as usize].row(row),
        }
    }

    /// The tuples of `rel` at `t`, in order of derivation (empty outside 1..=EOT).
    pub fn rows(&self, rel: RelId, t: Time) -> impl Iterator<Item = TupleRef<'_>> + '_ {
        let table = (t >= 1 && t <= self.eot).then(|| &self.tables[t as usize][rel as usize]);
        (0..table.map_or(0, Table::len)).map(move |r| self.tuple(table.expect("non-empty").id(r)))
    }

    /// The rows of relation `name` at `t`, sorted (integers before strings).
    pub fn relation_at(&self, name: &str, t: Time) -> Vec<Vec<Value>> {
        let Some(rel) = self.program().relation(name) else {
            return Vec::new();
        };
        let mut rows: Vec<Vec<Value>> = self.rows(rel, t).map(|r| r.values.to_vec()).collect();
        rows.sort_by(|a, b| self.interner().cmp_rows(a, b));
        rows
    }

    /// The id of `rel(values)` at `t`, if it holds.
    pub fn find(&self, rel: RelId, values: &[Value], t: Time) -> Option<TupleId> {
        if t < 1 || t > self.eot {
            return None;
        }
        let table = &self.tables[t as usize][rel as usize];
        table.find(values).map(|r| table.id(r))
    }

    /// A value as source text.
    pub fn show_value(&self, v: Value) -> String {
        self.interner().display(v).to_string()
    }

    /// `rel("a", 1)@t`.
    pub fn show_tuple(&self, id: TupleId) -> String {
        let t = self.tuple(id);
        format!("{}@{}", self.show_atom(t.rel, t.values), t.time)
    }

    /// `rel("a", 1)`.
    pub fn show_atom(&self, rel: RelId, values: &[Value]) -> String {
        let args: Vec<String> = values.iter().map(|&v| self.show_value(v)).collect();
        format!(
            "{}({})",
            self.program().relations()[rel as usize].name,
            args.join(", ")
        )
    }

    /// The specification check of §6: the `pre` tuples at EOT with no
    /// identical `post` tuple, sorted; `None` if the program lacks `pre` or
    /// `post`.
    pub fn violations(&self) -> Option<Vec<Vec<Value>>> {
        let pre = self.program().relation("pre")?;
        let post = self.program().relation("post")?;
        let mut out: Vec<Vec<Value>> = self
            .rows(pre, self.eot)
            .filter(|r| self.find(post, r.values, self.eot).is_none())
            .map(|r| r.values.to_vec())
            .collect();
        out.sort_by(|a, b| self.interner().cmp_rows(a, b));
        Some(out)
    }

    /// The `pre` tuples at EOT (empty means the run is vacuously correct).
    pub fn pre_count(&self) -> usize {
        self.program()
            .relation("pre")
            .map_or(0, |pre| self.rows(pre, self.eot).count())
    }

    /// The run as JSON: `{"eot", "nodes", "tables", "messages"}` (see the
    /// `ldfi run --format json` contract): every row of every relation at
    /// every time as its values followed by its time, sorted; messages sorted
    /// by (sent, from, to, relation, tuple).
    pub fn to_json(&self) -> Json {
        let interner = self.interner();
        let mut tables = serde_json::Map::new();
        for (rel, r) in self.program().relations().iter().enumerate() {
            let mut rows: Vec<Vec<Value>> = Vec::new();
            for t in 1..=self.eot {
                for row in self.rows(rel as RelId, t) {
                    let mut v = row.values.to_vec();
                    v.push(Value::Int(t as i64));
                    rows.push(v);
                }
            }
            rows.sort_by(|a, b| interner.cmp_rows(a, b));
            let rows: Vec<Json> = rows
                .iter()
                .map(|row| Json::Array(row.iter().map(|&v| interner.to_json(v)).collect()))
                .collect();
            tables.insert(r.name.clone(), Json::Array(rows));
        }
        let messages: Vec<MessageDocument<'_>> = self
            .sorted_messages()
            .into_iter()
            .map(|m| MessageDocument {
                relation: &self.program().relations()[m.rel as usize].name,
                from: self.node_name(m.from),
                to: self.node_name(m.to),
                sent: m.sent,
                received: m.received,
                fate: match m.fate {
                    Fate::Delivered => DocumentFate::Delivered,
                    Fate::Omitted | Fate::Crashed(_) => DocumentFate::Lost,
                    Fate::Delayed(_) => DocumentFate::Delayed,
                },
            })
            .collect();
        let document = RunDocument {
            eot: self.eot,
            nodes: self.nodes(),
            tables,
            messages,
        };
        // Plain data (strings, integers, maps with string keys): cannot fail.
        serde_json::to_value(document).unwrap_or(Json::Null)
    }

    /// The messages sorted by (sent, from, to, relation, tuple).
    pub fn sorted_messages(&self) -> Vec<&Message> {
        let mut ms: Vec<&Message> = self.messages().iter().collect();
        let interner = self.interner();
        let rels = &self.program().relations();
        ms.sort_by(|a, b| {
            (
                a.sent,
                self.node_name(a.from),
                self.node_name(a.to),
                &rels[a.rel as usize].name,
            )
                .cmp(&(
                    b.sent,
                    self.node_name(b.from),
                    self.node_name(b.to),
                    &rels[b.rel as usize].name,
                ))
                .then_with(|| {
                    interner.cmp_rows(self.prov.message_values(a), self.prov.message_values(b))
                })
        });
        ms
    }
}

/// The JSON document of a run (see [`Run::to_json`]).
#[derive(Serialize)]
struct RunDocument<'a> {
    eot: Time,
    nodes: &'a [String],
    tables: serde_json::Map<String, Json>,
    messages: Vec<MessageDocument<'a>>,
}

/// One message of [`RunDocument`].
#[derive(Serialize)]
struct MessageDocument<'a> {
    relation: &'a str,
    from: &'a str,
    to: &'a str,
    sent: Time,
    received: Option<Time>,
    fate: DocumentFate,
}

/// What became of a message, as the run's JSON document says it (a crash
/// and an omission are both `lost`).
#[derive(Serialize)]
#[serde(rename_all = "lowercase")]
enum DocumentFate {
    Delivered,
    Lost,
    Delayed,
}
