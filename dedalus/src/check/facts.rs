//! Facts are ground: no variables, wildcards or aggregates, and their constant
//! arithmetic folds without error. The fact keeps its expressions; the
//! evaluator folds them again.

use crate::diagnostic::Diagnostic;
use crate::syntax::ast::{Arg, Expr, Fact, Span};

const GROUND_HELP: &str = "a fact holds concrete values; to derive tuples from other tuples write a rule, \
     e.g. `p(X) :- q(X);`";

/// Reports every non-ground or non-evaluable argument of `fact`.
pub(super) fn check_fact(fact: &Fact, errors: &mut Vec<Diagnostic>) {
    for arg in &fact.atom.args {
        match arg {
            Arg::Agg(agg) => errors.push(
                Diagnostic::error("aggregate in a fact", agg.span, "not a constant")
                    .with_help(GROUND_HELP),
            ),
            Arg::Expr(e) => {
                let before = errors.len();
                ground(e, errors);
                if errors.len() == before
                    && let Err((span, why)) = fold(e)
                {
                    errors.push(
                        Diagnostic::error(
                            format!("cannot evaluate this fact's argument: {why}"),
                            span,
                            why,
                        )
                        .with_help("constant arithmetic in a fact is computed when it is loaded"),
                    );
                }
            }
        }
    }
}

fn ground(e: &Expr, errors: &mut Vec<Diagnostic>) {
    match e {
        Expr::Var(v) => errors.push(
            Diagnostic::error(
                format!("variable `{}` in a fact", v.name),
                v.span,
                "facts must be ground",
            )
            .with_help(GROUND_HELP),
        ),
        Expr::Wildcard(span) => errors.push(
            Diagnostic::error("wildcard `_` in a fact", *span, "facts must be ground")
                .with_help(GROUND_HELP),
        ),
        Expr::Str(..) | Expr::Int(..) => {}
        Expr::Bin(l, _, r, _) => {
            ground(l, errors);
            ground(r, errors);
        }
    }
}

/// Folds ground `e` ([`crate::constant::fold`]), or says where and why it
/// cannot be folded.
fn fold(e: &Expr) -> Result<(), (Span, String)> {
    use crate::constant::{ArithError, FoldError};
    match crate::constant::fold(e) {
        // Variables and wildcards are reported by `ground`.
        Ok(_) | Err(FoldError::NotGround(_)) => Ok(()),
        Err(FoldError::OnString(at)) => Err((at.span(), "arithmetic on a string".to_string())),
        Err(FoldError::Arith {
            error: ArithError::DivisionByZero,
            expr,
            ..
        }) => Err((expr.span(), "division by zero".to_string())),
        Err(FoldError::Arith { a, op, b, expr, .. }) => Err((
            expr.span(),
            format!("integer overflow in `{a} {} {b}`", op.as_str()),
        )),
    }
}
