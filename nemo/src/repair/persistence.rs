//! Persistence: a relation whose tuples held in the good run and vanished
//! in the failed one (received state without `@next`, read only at the
//! step it arrived) is kept with `R(..)@next :- R(..);`.

use std::collections::BTreeSet;

use dedalus::RelId;
use dedalus::provenance::Origin;

use super::lineage::{relation_names, spec_tuples};
use super::syntax::{fresh, persistence, var};
use super::{Candidate, Edit, Evidence, Kind, RepairFamily};

/// Persist a relation that vanished.
pub struct Persistence;

/// The kind of a persistence candidate.
pub const KIND: Kind = Kind::new("persistence");

/// At most this many relations are tried, nearest to `post` first.
const MAX: usize = 3;

impl RepairFamily for Persistence {
    fn name(&self) -> &'static str {
        "persistence"
    }

    fn rationale(&self) -> &'static str {
        "a tuple `post` needed held in the good run and vanished the step after it \
         appeared in the failed one: keep it"
    }

    fn propose(&self, e: &Evidence<'_>) -> Result<Vec<Candidate>, String> {
        let (program, good, failed) = (e.program, e.good, e.failed);
        let prov = good.provenance();
        let (_, post_t) = spec_tuples(good, failed)?;
        let persisted: BTreeSet<&str> = program
            .rules()
            .iter()
            .filter(|r| crate::graph::is_persistence(r))
            .map(|r| r.head.name.name.as_str())
            .collect();
        let mut tried: BTreeSet<RelId> = BTreeSet::new();
        let mut out = Vec::new();
        // What `post` rests on in the good run, then (through `notin`) what
        // blocked it in the failed run: the lineage of the tuples its rules
        // negate, which hold there.
        let mut seen: Vec<(&dedalus::eval::Run, dedalus::provenance::TupleId)> = prov
            .lineage(post_t)
            .into_iter()
            .map(|t| (good, t))
            .collect();
        for rule in program
            .rules()
            .iter()
            .filter(|r| r.head.name.name == "post")
        {
            for l in &rule.body {
                if let dedalus::syntax::ast::Literal::Atom(b) = l
                    && b.negated
                    && b.atom.name.name != "crash"
                    && let Some(rel) = failed.program().relation(&b.atom.name.name)
                {
                    for row in failed.rows(rel, failed.eot()) {
                        seen.extend(
                            failed
                                .provenance()
                                .lineage(row.id)
                                .into_iter()
                                .map(|t| (failed, t)),
                        );
                    }
                }
            }
        }
        for (run, t) in seen {
            let (good, prov) = (run, run.provenance());
            let tup = good.tuple(t);
            let name = program.relations()[tup.rel as usize].name.as_str();
            if tried.contains(&tup.rel)
                || persisted.contains(name)
                || matches!(name, "pre" | "post")
                || !prov
                    .origins(t)
                    .iter()
                    .any(|o| matches!(o, Origin::Firing(_) | Origin::Message(_)))
                || crate::suspects::vanished_at(good, tup.rel, tup.values, failed).is_none()
            {
                continue;
            }
            tried.insert(tup.rel);
            // After the last rule deriving it.
            let Some(after) = program
                .rules()
                .iter()
                .rposition(|r| r.head.name.name == name)
            else {
                continue;
            };
            let mut taken = relation_names(program);
            let args: Vec<_> = (1..=tup.values.len())
                .map(|i| var(&fresh(&format!("X{i}"), &mut taken)))
                .collect();
            out.push(Candidate {
                kind: KIND,
                summary: format!(
                    "persist `{name}`: in the failed run {} held once and was gone the next \
                     step, before `post` could use it",
                    good.show_atom(tup.rel, tup.values)
                ),
                edits: vec![Edit::Insert {
                    after: after as u32,
                    rule: persistence(name, &args),
                }],
                caveat: None,
            });
            if out.len() == MAX {
                break;
            }
        }
        if out.is_empty() {
            return Err(
                "no tuple on `post`'s path held in the failed run and vanished the next step"
                    .into(),
            );
        }
        Ok(out)
    }
}
