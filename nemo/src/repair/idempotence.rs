//! Idempotence: a retried update applied twice because the state it feeds
//! is keyed by a column that differs between the attempts (the attempt
//! number, a timestamp). In the failed run, two tuples of a relation read
//! by an aggregate on `pre`'s path differ in exactly one column; that
//! column is dropped from the relation everywhere, so a retried update
//! lands on the same tuple.

use std::collections::BTreeSet;

use dedalus::syntax::ast::{Arg, Literal, Rule};

use super::lineage::{failed_pre, rules_on_path};
use super::{Candidate, Edit, Evidence, Kind, RepairFamily};

/// Key a state update by fewer columns.
pub struct Idempotence;

/// The kind of an idempotence candidate.
pub const KIND: Kind = Kind::new("idempotence");

impl RepairFamily for Idempotence {
    fn name(&self) -> &'static str {
        "idempotence"
    }

    fn rationale(&self) -> &'static str {
        "a retried update was counted twice because its state is keyed by the attempt: key \
         it by fewer columns"
    }

    fn propose(&self, e: &Evidence<'_>) -> Result<Vec<Candidate>, String> {
        let (program, failed) = (e.program, e.failed);
        let pre_t = failed_pre(failed)?;
        let rules = program.rules();
        let mut tried: BTreeSet<(String, usize)> = BTreeSet::new();
        let mut out = Vec::new();
        for r in rules_on_path(failed, pre_t) {
            let rule = &rules[r as usize];
            if !rule.head.args.iter().any(|a| matches!(a, Arg::Agg(_))) {
                continue;
            }
            for l in &rule.body {
                let Literal::Atom(b) = l else { continue };
                if b.negated {
                    continue;
                }
                let name = b.atom.name.name.clone();
                let Some(rel) = program.relation(&name) else {
                    continue;
                };
                let rows: Vec<Vec<String>> = failed
                    .rows(rel, failed.eot())
                    .map(|t| t.values.iter().map(|&v| failed.show_value(v)).collect())
                    .collect();
                for c in duplicate_columns(&rows) {
                    if !tried.insert((name.clone(), c)) {
                        continue;
                    }
                    let mut edits = Vec::new();
                    let mut spec = false;
                    for (id, other) in rules.iter().enumerate() {
                        if let Some(narrower) = narrow(other, &name, c) {
                            spec |= matches!(other.head.name.name.as_str(), "pre" | "post");
                            edits.push(Edit::Replace {
                                rule: id as u32,
                                with: narrower,
                            });
                        }
                    }
                    if spec || edits.is_empty() {
                        continue;
                    }
                    let column = match b.atom.args.get(c) {
                        Some(Arg::Expr(e)) => format!("`{e}`"),
                        _ => format!("column {}", c + 1),
                    };
                    out.push(Candidate {
                        kind: KIND,
                        summary: format!(
                            "make `{name}` idempotent: key it without {column}, which differed \
                             between two otherwise equal tuples in the failed run (a retry \
                             applied twice)"
                        ),
                        edits,
                        caveat: None,
                    });
                }
            }
        }
        if out.is_empty() {
            return Err(
                "no relation an aggregate on `pre`'s path reads holds two tuples that \
                        differ in one column"
                    .into(),
            );
        }
        Ok(out)
    }
}

/// The columns in which two rows differ while agreeing on every other.
fn duplicate_columns(rows: &[Vec<String>]) -> Vec<usize> {
    let mut out = BTreeSet::new();
    for (i, a) in rows.iter().enumerate() {
        for b in &rows[i + 1..] {
            let differ: Vec<usize> = (0..a.len().min(b.len()))
                .filter(|&k| a[k] != b[k])
                .collect();
            // The first column is the location: never dropped.
            if let [k] = differ[..]
                && k > 0
            {
                out.insert(k);
            }
        }
    }
    out.into_iter().collect()
}

/// `rule` with column `c` removed from every atom of `rel`, or `None` if it
/// does not mention `rel`.
fn narrow(rule: &Rule, rel: &str, c: usize) -> Option<Rule> {
    let mut out = rule.clone();
    let mut changed = false;
    let mut cut = |args: &mut Vec<Arg>| {
        if c < args.len() {
            args.remove(c);
            changed = true;
        }
    };
    if out.head.name.name == rel {
        cut(&mut out.head.args);
    }
    for l in &mut out.body {
        if let Literal::Atom(b) = l
            && b.atom.name.name == rel
        {
            cut(&mut b.atom.args);
        }
    }
    changed.then_some(out)
}
