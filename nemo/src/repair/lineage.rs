//! Walks over a run's lineage that several families share: the violated
//! `pre` tuple and its `post` in a good run, the messages a lineage rests
//! on, the rules on a tuple's path.

use std::collections::BTreeSet;

use dedalus::eval::Run;
use dedalus::provenance::{FiringId, Origin, TupleId};
use dedalus::value::Value;
use dedalus::{Program, RuleId};

/// The `pre` tuple violated in `failed`, and the ids of it and of its
/// `post` in `good` (at EOT).
pub(super) fn spec_tuples(good: &Run, failed: &Run) -> Result<(TupleId, TupleId), String> {
    let row = failed
        .violations()
        .unwrap_or_default()
        .into_iter()
        .next()
        .ok_or("the failed run violates nothing")?;
    let shown: Vec<String> = row.iter().map(|&v| failed.show_value(v)).collect();
    let pre = good.program().relation("pre").ok_or("no `pre`")?;
    let post = good.program().relation("post").ok_or("no `post`")?;
    let values = good
        .rows(pre, good.eot())
        .find(|t| {
            t.values
                .iter()
                .map(|&v| good.show_value(v))
                .eq(shown.iter().cloned())
        })
        .map(|t| t.values.to_vec())
        .ok_or("the good run does not establish the violated `pre` tuple")?;
    let pre_t = good.find(pre, &values, good.eot()).ok_or("no pre")?;
    let post_t = good
        .find(post, &values, good.eot())
        .ok_or("the good run does not establish `post` either")?;
    Ok((pre_t, post_t))
}

/// The messages a tuple's lineage rests on, with their sending firings.
pub(super) fn messages_of(run: &Run, lineage: &[TupleId]) -> Vec<(u32, FiringId)> {
    let prov = run.provenance();
    let mut out = Vec::new();
    for &t in lineage {
        for &o in prov.origins(t) {
            if let Origin::Message(m) = o {
                for &f in prov.senders(prov.message(m)) {
                    out.push((m, f));
                }
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// The relation names of the program plus those a candidate adds.
pub(super) fn relation_names(program: &Program) -> BTreeSet<String> {
    program.relations().iter().map(|r| r.name.clone()).collect()
}

/// Whether `rel(values)` of run `a` holds in run `b` at some time.
pub(super) fn holds_in(a: &Run, rel: dedalus::RelId, values: &[Value], b: &Run) -> bool {
    let name = &a.program().relations()[rel as usize].name;
    let Some(r) = b.program().relation(name) else {
        return false;
    };
    let shown: Vec<String> = values.iter().map(|&v| a.show_value(v)).collect();
    (1..=b.eot()).any(|t| {
        b.rows(r, t).any(|row| {
            row.values
                .iter()
                .map(|&v| b.show_value(v))
                .eq(shown.iter().cloned())
        })
    })
}

/// The `pre` tuple the failed run established and violated.
pub(super) fn failed_pre(failed: &Run) -> Result<TupleId, String> {
    let row = failed
        .violations()
        .unwrap_or_default()
        .into_iter()
        .next()
        .ok_or("the failed run violates nothing")?;
    let pre = failed.program().relation("pre").ok_or("no `pre`")?;
    failed
        .find(pre, &row, failed.eot())
        .ok_or_else(|| "the violated `pre` tuple does not hold at EOT".to_string())
}

/// The rules whose firings lie on `tuple`'s lineage in `run`.
pub(super) fn rules_on_path(run: &Run, tuple: TupleId) -> BTreeSet<RuleId> {
    let prov = run.provenance();
    let mut out = BTreeSet::new();
    for t in prov.lineage(tuple) {
        for &o in prov.origins(t) {
            if let Origin::Firing(f) = o {
                out.insert(prov.firing(f).rule);
            }
        }
    }
    out
}
