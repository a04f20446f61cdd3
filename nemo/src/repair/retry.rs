//! Retries: a message the failed run lost is re-sent at every step from a
//! persisted copy of its one-time trigger (the retried rule replaces the
//! one-shot rule it subsumes).

use std::collections::BTreeSet;

use dedalus::eval::Run;
use dedalus::provenance::Fate;
use dedalus::{Program, RuleId};

use super::lineage::*;
use super::syntax::*;
use super::{Candidate, Edit, Evidence, Kind, RepairFamily};

/// Retries of the lost messages on `pre`'s or `post`'s path.
pub struct Retry;

/// The kind of a retry.
pub const KIND: Kind = Kind::new("retry");

impl RepairFamily for Retry {
    fn name(&self) -> &'static str {
        "retry"
    }

    fn rationale(&self) -> &'static str {
        "a message on the good run's path was lost: re-send it until EOT"
    }

    fn propose(&self, e: &Evidence<'_>) -> Result<Vec<Candidate>, String> {
        retries(e.program, e.good, e.failed).map(|c| vec![c])
    }
}

/// Retries: every `@async` rule whose message the failed run lost, and
/// which lies on the good run's `pre` or `post` path, re-sends from a
/// persisted copy of its one-time trigger.
pub(super) fn retries(program: &Program, good: &Run, failed: &Run) -> Result<Candidate, String> {
    let prov = good.provenance();
    let (pre_t, post_t) = spec_tuples(good, failed)?;
    let mut lineage = prov.lineage(pre_t);
    lineage.extend(prov.lineage(post_t));
    let on_path: BTreeSet<RuleId> = messages_of(good, &lineage)
        .into_iter()
        .map(|(_, f)| prov.firing(f).rule)
        .collect();
    let fprov = failed.provenance();
    let mut lost: BTreeSet<RuleId> = BTreeSet::new();
    for m in failed.messages() {
        if matches!(m.fate, Fate::Omitted | Fate::Crashed(_)) {
            for &f in fprov.senders(m) {
                lost.insert(fprov.firing(f).rule);
            }
        }
    }
    let mut rels = relation_names(program);
    let mut edits = Vec::new();
    let mut retried = Vec::new();
    for &r in lost.intersection(&on_path) {
        // The firing of r in the good run, and its first premise that holds
        // only at that time (a one-time event).
        let Some(f) = prov.firings().iter().find(|f| f.rule == r) else {
            continue;
        };
        let rule_ast = &program.rules()[r as usize];
        let one_time = prov.firing_premises(f).iter().position(|&t| {
            let tup = good.tuple(t);
            good.find(tup.rel, tup.values, tup.time + 1).is_none()
        });
        let Some(i) = one_time else { continue };
        let Some(k) = positive_literal(rule_ast, i) else {
            continue;
        };
        let trig = body_atom(rule_ast, k);
        if trig.time.is_some() {
            continue;
        }
        let Held {
            name: held, rules, ..
        } = super::syntax::held(&trig.atom, rule_ast, &mut rels).ok_or("aggregate in a body")?;
        for rule in rules {
            edits.push(Edit::Insert { after: r, rule });
        }
        // The retry subsumes the one-shot rule: the held copy holds from
        // the trigger's own step on.
        edits.push(Edit::Replace {
            rule: r,
            with: reading(rule_ast, k, &held),
        });
        retried.push(format!("`{}`", rule_ast.head.name.name));
    }
    if edits.is_empty() {
        return Err("no lost message on `pre`'s or `post`'s path has a one-time trigger".into());
    }
    Ok(Candidate {
        kind: KIND,
        summary: format!(
            "retry {} at every step (from a persisted trigger)",
            retried.join(", ")
        ),
        edits,
        caveat: Some(
            "retries survive losses before EFF but not a crash of the sender: if the sender \
             can crash after `pre` is established, no number of retries fixes this bug"
                .into(),
        ),
    })
}
