//! Fallback: a rule on `pre`'s path that fires on a timeout or a `notin`
//! branch and decides a constant (`decide(C, "commit") :- timeout(C), notin
//! ...`) decides instead the constant a sibling rule (same head) decides:
//! the failure branch of a protocol must take the safe decision.

use std::collections::BTreeSet;

use dedalus::syntax::ast::{Arg, Expr, Literal};

use super::lineage::{failed_pre, rules_on_path};
use super::{Candidate, Edit, Evidence, Kind, RepairFamily};

/// Decide the sibling's constant on the failure branch.
pub struct Fallback;

/// The kind of a fallback candidate.
pub const KIND: Kind = Kind::new("fallback");

/// The safe decision of a failure branch when no sibling rule names one.
const SAFE: [(&str, &str); 6] = [
    ("commit", "abort"),
    ("yes", "no"),
    ("true", "false"),
    ("ok", "fail"),
    ("grant", "deny"),
    ("accept", "reject"),
];

/// Body relations whose name says the rule is a failure branch.
const TIMEOUTS: [&str; 4] = ["timeout", "deadline", "expire", "timer"];

impl RepairFamily for Fallback {
    fn name(&self) -> &'static str {
        "fallback"
    }

    fn rationale(&self) -> &'static str {
        "`pre` came from a timeout or `notin` branch that decided what the normal branch \
         decides: decide what the other branch decides instead"
    }

    fn propose(&self, e: &Evidence<'_>) -> Result<Vec<Candidate>, String> {
        let pre_t = failed_pre(e.failed)?;
        let rules = e.program.rules();
        let mut out = Vec::new();
        for r in rules_on_path(e.failed, pre_t) {
            let rule = &rules[r as usize];
            let branch = rule.body.iter().any(|l| match l {
                Literal::Atom(a) => {
                    a.negated || TIMEOUTS.iter().any(|t| a.atom.name.name.contains(t))
                }
                Literal::Cmp(_) => false,
            });
            if !branch || matches!(rule.head.name.name.as_str(), "pre" | "post") {
                continue;
            }
            for (i, arg) in rule.head.args.iter().enumerate() {
                let Arg::Expr(mine @ (Expr::Str(..) | Expr::Int(..))) = arg else {
                    continue;
                };
                let mut alternatives = BTreeSet::new();
                let safe = match mine {
                    Expr::Str(text, span) => SAFE
                        .iter()
                        .find(|(from, _)| from == text)
                        .map(|(_, to)| Expr::Str(to.to_string(), *span)),
                    _ => None,
                };
                let siblings_decide = rules.iter().any(|other| {
                    other.head.name.name == rule.head.name.name
                        && !std::ptr::eq(other, rule)
                        && matches!(other.head.args.get(i), Some(Arg::Expr(c @ (Expr::Str(..) | Expr::Int(..)))) if c.to_string() != mine.to_string())
                });
                if !siblings_decide && let Some(c) = safe {
                    let mut with = rule.clone();
                    with.head.args[i] = Arg::Expr(c.clone());
                    out.push(Candidate {
                        kind: KIND,
                        summary: format!(
                            "fall back: the failure branch of `{}` decides {c} instead of {mine}",
                            rule.head.name.name
                        ),
                        edits: vec![Edit::Replace { rule: r, with }],
                        caveat: None,
                    });
                }
                for other in rules {
                    if other.head.name.name != rule.head.name.name || std::ptr::eq(other, rule) {
                        continue;
                    }
                    if let Some(Arg::Expr(c @ (Expr::Str(..) | Expr::Int(..)))) =
                        other.head.args.get(i)
                        && c.to_string() != mine.to_string()
                    {
                        alternatives.insert(c.to_string());
                        if alternatives.len() == 1 {
                            let mut with = rule.clone();
                            with.head.args[i] = Arg::Expr(c.clone());
                            out.push(Candidate {
                                kind: KIND,
                                summary: format!(
                                    "fall back: the failure branch of `{}` decides {c} \
                                     instead of {mine}",
                                    rule.head.name.name
                                ),
                                edits: vec![Edit::Replace { rule: r, with }],
                                caveat: None,
                            });
                        }
                    }
                }
            }
        }
        if out.is_empty() {
            return Err(
                "no timeout or `notin` branch on `pre`'s path decides a constant \
                        another rule decides differently"
                    .into(),
            );
        }
        Ok(out)
    }
}
