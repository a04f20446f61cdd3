//! Ordering for races: a rule on `post`'s path that, in the good run, joined
//! a message with another event, while in the failed run the message
//! arrived first and was never used, reads a buffered (persisted) copy of
//! the message instead, so it fires whenever the raced event arrives.

use dedalus::Program;
use dedalus::eval::Run;
use dedalus::provenance::Origin;
use dedalus::syntax::ast::{Expr, HeadTime};

use super::lineage::*;
use super::syntax::*;
use super::{Candidate, Edit, Evidence, Kind, RepairFamily};

/// Buffer the early message of a race.
pub struct Ordering;

/// The kind of an ordering candidate.
pub const KIND: Kind = Kind::new("ordering");

impl RepairFamily for Ordering {
    fn name(&self) -> &'static str {
        "ordering"
    }

    fn rationale(&self) -> &'static str {
        "a message arrived before the event it is joined with and was dropped: buffer it"
    }

    fn propose(&self, e: &Evidence<'_>) -> Result<Vec<Candidate>, String> {
        ordering(e.program, e.good, e.failed).map(|c| vec![c])
    }
}

/// Ordering: see the module docs.
pub(super) fn ordering(program: &Program, good: &Run, failed: &Run) -> Result<Candidate, String> {
    let prov = good.provenance();
    let (_, post_t) = spec_tuples(good, failed)?;
    for t in prov.lineage(post_t) {
        for &o in prov.origins(t) {
            let Origin::Firing(f) = o else { continue };
            let firing = prov.firing(f);
            let rule_ast = &program.rules()[firing.rule as usize];
            let premises = prov.firing_premises(firing);
            if premises.len() < 2 || rule_ast.time != HeadTime::Now {
                continue;
            }
            let head = good.tuple(t);
            if holds_in(good, head.rel, head.values, failed) {
                continue;
            }
            for (i, &p) in premises.iter().enumerate() {
                let msg = good.tuple(p);
                let arrived = prov
                    .origins(p)
                    .iter()
                    .any(|o| matches!(o, Origin::Message(_)));
                let one_time = good.find(msg.rel, msg.values, msg.time + 1).is_none();
                if !arrived || !one_time || !holds_in(good, msg.rel, msg.values, failed) {
                    continue;
                }
                let Some(k) = positive_literal(rule_ast, i) else {
                    continue;
                };
                let trig = body_atom(rule_ast, k);
                if trig.time.is_some() {
                    continue;
                }
                let name = trig.atom.name.name.clone();
                let mut rels = relation_names(program);
                let held = fresh(&format!("{name}_buffered"), &mut rels);
                let mut taken = names(rule_ast);
                let args: Vec<Expr> = exprs(&trig.atom)
                    .ok_or("aggregate in a body")?
                    .into_iter()
                    .map(|e| match e {
                        Expr::Wildcard(_) => var(&fresh("X", &mut taken)),
                        e => e,
                    })
                    .collect();
                let node = good.node_name(firing.location);
                return Ok(Candidate {
                    kind: KIND,
                    summary: format!(
                        "order: {node} buffers `{name}` until the rest of `{}`'s body holds (in \
                         the failed run `{name}` arrived first and was never used)",
                        rule_ast.head.name.name
                    ),
                    edits: vec![
                        Edit::Replace {
                            rule: firing.rule,
                            with: reading(rule_ast, k, &held),
                        },
                        Edit::Insert {
                            after: firing.rule,
                            rule: rule(
                                atom(&held, args.clone()),
                                HeadTime::Now,
                                vec![positive(atom(&name, args.clone()))],
                            ),
                        },
                        Edit::Insert {
                            after: firing.rule,
                            rule: persistence(&held, &args),
                        },
                    ],
                    caveat: None,
                });
            }
        }
    }
    Err("no rule on `post`'s path missed a message that did arrive in the failed run".into())
}
