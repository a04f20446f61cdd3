//! Safety (range restriction): every variable a rule uses outside a plain
//! argument of a positive body atom must be bound by one. Wildcards are
//! existential in negated atoms and meaningless elsewhere outside positive
//! atoms.

use std::collections::HashSet;

use crate::diagnostic::Diagnostic;
use crate::syntax::ast::{Arg, Expr, Ident, Literal, Rule, Span};

/// Where a variable was found unbound; each place has its own message.
#[derive(Clone, Copy)]
enum Place {
    Head,
    Aggregate,
    Negation,
    Comparison,
    Arithmetic,
}

impl Place {
    fn unbound(self, var: &Ident) -> Diagnostic {
        let name = &var.name;
        let (message, help) = match self {
            Place::Head => (
                format!("variable `{name}` in the head is not bound by a positive body atom"),
                format!(
                    "every head variable must be an argument of a positive body atom \
                     (inside arithmetic does not count); bind `{name}` in the body"
                ),
            ),
            Place::Aggregate => (
                format!("aggregated variable `{name}` is not bound by a positive body atom"),
                format!("bind `{name}` as an argument of a positive body atom"),
            ),
            Place::Negation => (
                format!("variable `{name}` in a negated atom is not bound by a positive body atom"),
                format!("bind `{name}` in a positive body atom, or write `_` if any value will do"),
            ),
            Place::Comparison => (
                format!("variable `{name}` in a comparison is not bound by a positive body atom"),
                format!(
                    "a comparison tests values but does not bind them: \
                     bind `{name}` as an argument of a positive body atom"
                ),
            ),
            Place::Arithmetic => (
                format!(
                    "variable `{name}` in an arithmetic expression is not bound by a positive \
                     body atom"
                ),
                format!(
                    "arithmetic computes with bound values but does not bind them: \
                     bind `{name}` as a plain argument of a positive body atom"
                ),
            ),
        };
        Diagnostic::error(message, var.span, format!("`{name}` is never bound")).with_help(help)
    }

    fn wildcard(self, span: Span) -> Diagnostic {
        let (message, help) = match self {
            Place::Head | Place::Aggregate => (
                "wildcard `_` in a rule head",
                "a head must name every value: bind a variable in the body and use it here",
            ),
            Place::Comparison => (
                "wildcard `_` in a comparison",
                "use a variable bound by a positive body atom",
            ),
            Place::Arithmetic | Place::Negation => (
                "wildcard `_` in an arithmetic expression",
                "use a variable bound by a positive body atom",
            ),
        };
        Diagnostic::error(message, span, "`_` has no value here").with_help(help)
    }
}

/// Reports every unsafe variable of `rule` (once per variable) and every
/// misplaced wildcard or aggregate.
pub(super) fn check_rule(rule: &Rule, errors: &mut Vec<Diagnostic>) {
    let mut bound = HashSet::new();
    for lit in &rule.body {
        if let Literal::Atom(a) = lit
            && !a.negated
        {
            for arg in &a.atom.args {
                if let Arg::Expr(Expr::Var(v)) = arg {
                    bound.insert(v.name.as_str());
                }
            }
        }
    }
    let mut checker = Checker {
        bound,
        reported: HashSet::new(),
        errors,
    };

    for arg in &rule.head.args {
        match arg {
            Arg::Expr(e) => checker.expr(e, Place::Head),
            Arg::Agg(agg) => checker.var(&agg.var, Place::Aggregate),
        }
    }
    for lit in &rule.body {
        match lit {
            Literal::Atom(a) => {
                for arg in &a.atom.args {
                    match arg {
                        Arg::Agg(agg) => checker.errors.push(
                            Diagnostic::error(
                                "aggregate in a rule body",
                                agg.span,
                                "aggregates are only allowed in rule heads",
                            )
                            .with_help("aggregate in the head of a rule"),
                        ),
                        // Plain arguments of positive atoms bind; of negated
                        // atoms they must be bound (`_` is existential).
                        Arg::Expr(Expr::Var(v)) if a.negated => checker.var(v, Place::Negation),
                        Arg::Expr(
                            Expr::Var(_) | Expr::Wildcard(_) | Expr::Str(..) | Expr::Int(..),
                        ) => {}
                        Arg::Expr(e) => checker.expr(e, Place::Arithmetic),
                    }
                }
            }
            Literal::Cmp(c) => {
                checker.expr(&c.left, Place::Comparison);
                checker.expr(&c.right, Place::Comparison);
            }
        }
    }
}

struct Checker<'a, 'e> {
    bound: HashSet<&'a str>,
    reported: HashSet<&'a str>,
    errors: &'e mut Vec<Diagnostic>,
}

impl<'a> Checker<'a, '_> {
    fn expr(&mut self, e: &'a Expr, place: Place) {
        match e {
            Expr::Var(v) => self.var(v, place),
            Expr::Wildcard(span) => self.errors.push(place.wildcard(*span)),
            Expr::Str(..) | Expr::Int(..) => {}
            Expr::Bin(l, _, r, _) => {
                self.expr(l, place);
                self.expr(r, place);
            }
        }
    }

    fn var(&mut self, v: &'a Ident, place: Place) {
        if !self.bound.contains(v.name.as_str()) && self.reported.insert(v.name.as_str()) {
            let mut d = place.unbound(v);
            // `V` in the head, `v` in the body: a case slip, not a logic error.
            if let Some(similar) = self.bound.iter().find(|b| b.eq_ignore_ascii_case(&v.name)) {
                d.help = Some(format!(
                    "{}; `{similar}` is bound here: variable names are case-sensitive",
                    d.help.take().unwrap_or_default()
                ));
            }
            self.errors.push(d);
        }
    }
}
