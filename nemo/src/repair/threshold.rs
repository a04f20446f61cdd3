//! Threshold: a comparison on `pre`'s path against a constant (`N >= k`)
//! is strengthened by one (`N >= k+1`), up to the number of nodes: a quorum
//! one too small reports success too early.

use dedalus::syntax::ast::{CmpOp, Expr, Literal, Span};

use super::lineage::{failed_pre, rules_on_path};
use super::{Candidate, Edit, Evidence, Kind, RepairFamily};

/// Raise a threshold on `pre`'s path.
pub struct Threshold;

/// The kind of a threshold candidate.
pub const KIND: Kind = Kind::new("threshold");

impl RepairFamily for Threshold {
    fn name(&self) -> &'static str {
        "threshold"
    }

    fn rationale(&self) -> &'static str {
        "`pre` followed from a count that reached its threshold too early: require one more"
    }

    fn propose(&self, e: &Evidence<'_>) -> Result<Vec<Candidate>, String> {
        let pre_t = failed_pre(e.failed)?;
        let nodes = e.failed.nodes().len() as i64;
        let mut out = Vec::new();
        for r in rules_on_path(e.failed, pre_t) {
            let rule = &e.program.rules()[r as usize];
            for (i, l) in rule.body.iter().enumerate() {
                let Literal::Cmp(c) = l else { continue };
                // `X >= k`, `X > k`, `k <= X`, `k < X`: the constant side.
                let k = match (&c.left, c.op, &c.right) {
                    (Expr::Var(_), CmpOp::Ge | CmpOp::Gt, Expr::Int(k, _))
                    | (Expr::Int(k, _), CmpOp::Le | CmpOp::Lt, Expr::Var(_)) => *k,
                    _ => continue,
                };
                if k + 1 > nodes {
                    continue;
                }
                let mut with = rule.clone();
                if let Literal::Cmp(c) = &mut with.body[i] {
                    for side in [&mut c.left, &mut c.right] {
                        if let Expr::Int(v, _) = side {
                            *side = Expr::Int(*v + 1, Span::default());
                        }
                    }
                }
                let new = match &with.body[i] {
                    Literal::Cmp(c) => format!("{} {} {}", c.left, c.op.as_str(), c.right),
                    Literal::Atom(_) => unreachable!("replaced a comparison"),
                };
                out.push(Candidate {
                    kind: KIND,
                    summary: format!(
                        "raise the threshold of `{}`: `{} {} {}` becomes `{new}`",
                        rule.head.name.name,
                        c.left,
                        c.op.as_str(),
                        c.right
                    ),
                    edits: vec![Edit::Replace { rule: r, with }],
                    caveat: None,
                });
            }
        }
        if out.is_empty() {
            return Err(
                "no rule on `pre`'s path compares a count with a constant below the \
                        number of nodes"
                    .into(),
            );
        }
        Ok(out)
    }
}
