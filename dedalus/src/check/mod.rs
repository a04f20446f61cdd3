//! Static checks (docs/dedalus.md §3 and §10): clauses to a checked
//! [`Program`], or every error found, each with a span, a label and a help line.
//!
//! Submodules own one idea each: `relations` (arity and reserved names),
//! `safety` (variable binding), `stratify` (recursion through `notin` and
//! aggregates, and strata), `facts` (ground facts). Rule shape (positive
//! atom, location literal) is checked here. Loading files and resolving
//! includes is [`crate::load_files`]'s job, not this module's.

mod facts;
mod relations;
mod safety;
mod stratify;

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::program::Program;
use crate::syntax::SourceMap;
use crate::syntax::ast::{Arg, Clause, Expr, HeadTime, Literal, Rule};

/// Checks `clauses` (includes already resolved; any left are ignored) read
/// from `sources`, returning the program or all errors found, in source order.
pub fn check(sources: SourceMap, clauses: Vec<Clause>) -> Result<Program, Diagnostics> {
    let mut errors = Vec::new();
    let mut relations = relations::relations(&clauses, &mut errors);
    let mut rules = Vec::new();
    let mut facts = Vec::new();
    for clause in clauses {
        match clause {
            Clause::Rule(rule) => rules.push(rule),
            Clause::Fact(fact) => facts.push(fact),
            Clause::Include(_) => {}
        }
    }
    for rule in &rules {
        check_shape(rule, &mut errors);
        safety::check_rule(rule, &mut errors);
    }
    for fact in &facts {
        facts::check_fact(fact, &mut errors);
    }
    let strata = stratify::stratify(&mut relations, &rules, &mut errors);

    if !errors.is_empty() {
        errors.sort_by_key(|d| d.primary.as_ref().map(|l| (l.span.file.0, l.span.start)));
        return Err(Diagnostics::new(sources, errors));
    }
    Ok(Program::new(sources, relations, rules, facts, strata))
}

/// A rule needs a positive body atom, and its first body literal must give
/// its location (§10): an atom with arguments whose first, if negated, is
/// not `_`. An `@async` head needs a destination.
fn check_shape(rule: &Rule, errors: &mut Vec<Diagnostic>) {
    let positive = rule
        .body
        .iter()
        .any(|l| matches!(l, Literal::Atom(a) if !a.negated));
    if let (false, Some(first), Some(last)) = (positive, rule.body.first(), rule.body.last()) {
        errors.push(
            Diagnostic::error(
                format!(
                    "rule for `{}` has no positive body atom",
                    rule.head.name.name
                ),
                first.span().to(last.span()),
                "only negations and comparisons here",
            )
            .with_help(
                "every rule needs a positive atom in its body, to bind its variables; \
                 e.g. add `node(N, _)`",
            ),
        );
    }

    const LOCATION_HELP: &str = "the first argument of the first body literal is the node the \
         rule runs at: put an atom such as `p(N, ...)` first";
    match rule.body.first() {
        Some(Literal::Cmp(cmp)) => errors.push(
            Diagnostic::error(
                "the first body literal must be an atom",
                cmp.span,
                "a comparison cannot give the rule's location",
            )
            .with_help(LOCATION_HELP),
        ),
        Some(Literal::Atom(atom)) => match atom.atom.args.first() {
            None => errors.push(
                Diagnostic::error(
                    "the first body atom has no arguments",
                    atom.span,
                    "no first argument to give the rule's location",
                )
                .with_help(LOCATION_HELP),
            ),
            Some(Arg::Expr(Expr::Wildcard(span))) if atom.negated => errors.push(
                Diagnostic::error(
                    "the first body literal is negated with `_` as its first argument",
                    *span,
                    "`_` cannot give the rule's location",
                )
                .with_label(atom.span, "the rule's location comes from this literal")
                .with_help(
                    "name the location, e.g. `notin p(N, ...)` with `N` bound by a \
                     positive atom, or put a positive atom first",
                ),
            ),
            Some(_) => {}
        },
        None => {}
    }

    if rule.time == HeadTime::Async && rule.head.args.is_empty() {
        errors.push(
            Diagnostic::error(
                "an `@async` head needs a destination argument",
                rule.head.span,
                "no first argument to name the destination",
            )
            .with_help("the first argument of an `@async` head names the node the message goes to"),
        );
    }
}
