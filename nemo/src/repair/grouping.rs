//! Grouping: an aggregate on `pre`'s path grouped too coarsely (counting
//! acknowledgements per leader instead of per entry) gains a variable its
//! body binds as a group column; every rule reading or persisting the
//! aggregate's relation gains the column at the same place.

use std::collections::BTreeSet;

use dedalus::syntax::ast::{Arg, Expr, Literal, Rule};

use super::lineage::{failed_pre, rules_on_path};
use super::syntax::{fresh, names, var};
use super::{Candidate, Edit, Evidence, Kind, RepairFamily};

/// Group an aggregate by one more column.
pub struct Grouping;

/// The kind of a grouping candidate.
pub const KIND: Kind = Kind::new("grouping");

impl RepairFamily for Grouping {
    fn name(&self) -> &'static str {
        "grouping"
    }

    fn rationale(&self) -> &'static str {
        "`pre` followed from an aggregate that mixed several keys in one group: group it by \
         the key its body binds"
    }

    fn propose(&self, e: &Evidence<'_>) -> Result<Vec<Candidate>, String> {
        let pre_t = failed_pre(e.failed)?;
        let rules = e.program.rules();
        let mut out = Vec::new();
        for r in rules_on_path(e.failed, pre_t) {
            let rule = &rules[r as usize];
            let Some(at) = rule.head.args.iter().position(|a| matches!(a, Arg::Agg(_))) else {
                continue;
            };
            let mut grouped: BTreeSet<String> = BTreeSet::new();
            for a in &rule.head.args {
                match a {
                    Arg::Expr(e) => e.for_each_var(&mut |i| {
                        grouped.insert(i.name.clone());
                    }),
                    Arg::Agg(g) => {
                        grouped.insert(g.var.name.clone());
                    }
                }
            }
            // Variables a positive body atom binds that the group leaves out.
            let mut extra: Vec<String> = Vec::new();
            for l in &rule.body {
                let Literal::Atom(b) = l else { continue };
                if b.negated {
                    continue;
                }
                for a in &b.atom.args {
                    if let Arg::Expr(Expr::Var(v)) = a
                        && !grouped.contains(&v.name)
                        && !extra.contains(&v.name)
                    {
                        extra.push(v.name.clone());
                    }
                }
            }
            let head = rule.head.name.name.clone();
            for v in extra {
                let mut with = rule.clone();
                with.head.args.insert(at, Arg::Expr(var(&v)));
                let mut edits = vec![Edit::Replace { rule: r, with }];
                let mut spec = false;
                for (id, other) in rules.iter().enumerate() {
                    if id as u32 != r
                        && let Some(changed) = widen(other, &head, at, &v)
                    {
                        // The specification reads the aggregate: out of reach.
                        spec |= matches!(other.head.name.name.as_str(), "pre" | "post");
                        edits.push(Edit::Replace {
                            rule: id as u32,
                            with: changed,
                        });
                    }
                }
                if spec {
                    continue;
                }
                out.push(Candidate {
                    kind: KIND,
                    summary: format!("group `{head}` by `{v}` too (one count per `{v}`)"),
                    edits,
                    caveat: None,
                });
            }
        }
        if out.is_empty() {
            return Err(
                "no aggregate on `pre`'s path leaves a body variable out of its group".into(),
            );
        }
        Ok(out)
    }
}

/// `rule` with a column inserted at `at` in every atom of `rel` (head and
/// body), or `None` if it does not mention `rel`. The column is `v` where
/// the rule already names `v`, else one fresh variable for the rule (a
/// wildcard in negated atoms).
fn widen(rule: &Rule, rel: &str, at: usize, v: &str) -> Option<Rule> {
    let mentions = rule.head.name.name == rel
        || rule
            .body
            .iter()
            .any(|l| matches!(l, Literal::Atom(b) if b.atom.name.name == rel));
    if !mentions {
        return None;
    }
    let mut taken = names(rule);
    let name = if taken.contains(v) {
        v.to_string()
    } else {
        fresh(v, &mut taken)
    };
    let mut out = rule.clone();
    let insert = |args: &mut Vec<Arg>, e: Expr| {
        let at = at.min(args.len());
        args.insert(at, Arg::Expr(e));
    };
    if out.head.name.name == rel {
        insert(&mut out.head.args, var(&name));
    }
    for l in &mut out.body {
        if let Literal::Atom(b) = l
            && b.atom.name.name == rel
        {
            let e = if b.negated && name != v {
                Expr::Wildcard(Default::default())
            } else {
                var(&name)
            };
            insert(&mut b.atom.args, e);
        }
    }
    Some(out)
}
