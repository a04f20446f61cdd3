//! The relations of a program and their arities; reserved names (`clock`,
//! `crash`).

use std::collections::BTreeMap;

use crate::diagnostic::Diagnostic;
use crate::program::{CRASH, Relation};
use crate::syntax::ast::{Atom, Clause, Literal, Span};

/// Reserved for the runtime; may not appear at all.
const CLOCK: &str = "clock";
/// The number of columns of `crash(Observer, Node, Time)`.
const CRASH_ARITY: usize = 3;

/// Every relation mentioned, plus `crash`, sorted by name, with the arity of
/// its first use (strata are filled in later). Reports arity mismatches and
/// misuse of reserved relations.
/// Clauses are visited in load order, so "first use" is first in the program.
pub(super) fn relations<'a>(clauses: &'a [Clause], errors: &mut Vec<Diagnostic>) -> Vec<Relation> {
    let mut first_use: BTreeMap<&str, (usize, Span)> = BTreeMap::new();
    let mut visit =
        |atom: &'a Atom, errors: &mut Vec<Diagnostic>| {
            let name = atom.name.name.as_str();
            let arity = atom.args.len();
            if name == CLOCK {
                errors.push(
                    Diagnostic::error(
                        "`clock` is a reserved relation",
                        atom.name.span,
                        "reserved by the runtime",
                    )
                    .with_help("`clock` may not appear in a program: rename this relation"),
                );
            } else if name == CRASH {
                if arity != CRASH_ARITY {
                    errors.push(
                        Diagnostic::error(
                            format!("`crash` has 3 arguments, not {arity}"),
                            atom.span,
                            arguments(arity),
                        )
                        .with_help(
                            "`crash(Observer, Node, Time)` is provided by the runtime: \
                         it holds at every observer for every crash in the fault schedule",
                        ),
                    );
                }
            } else {
                match first_use.get(name) {
                None => {
                    first_use.insert(name, (arity, atom.span));
                }
                Some(&(expected, first)) if expected != arity => errors.push(
                    Diagnostic::error(
                        format!(
                            "relation `{name}` is used with {} here but with {} at its first use",
                            arguments(arity),
                            arguments(expected)
                        ),
                        atom.span,
                        arguments(arity),
                    )
                    .with_label(first, format!("first used here with {}", arguments(expected)))
                    .with_help("every use of a relation must have the same number of arguments"),
                ),
                Some(_) => {}
            }
            }
        };

    for clause in clauses {
        match clause {
            Clause::Rule(rule) => {
                visit(&rule.head, errors);
                if rule.head.name.name == CRASH {
                    errors.push(derive_crash(
                        rule.head.name.span,
                        "rules cannot derive `crash`",
                    ));
                }
                for lit in &rule.body {
                    if let Literal::Atom(a) = lit {
                        visit(&a.atom, errors);
                    }
                }
            }
            Clause::Fact(fact) => {
                visit(&fact.atom, errors);
                if fact.atom.name.name == CRASH {
                    errors.push(derive_crash(
                        fact.atom.name.span,
                        "facts cannot assert `crash`",
                    ));
                }
            }
            Clause::Include(_) => {}
        }
    }

    let mut relations: Vec<Relation> = first_use
        .into_iter()
        .map(|(name, (arity, _))| Relation {
            name: name.to_string(),
            arity,
            stratum: 0,
        })
        .collect();
    relations.push(Relation {
        name: CRASH.to_string(),
        arity: CRASH_ARITY,
        stratum: 0,
    });
    relations.sort_by(|a, b| a.name.cmp(&b.name));
    relations
}

fn derive_crash(span: Span, message: &str) -> Diagnostic {
    Diagnostic::error(message, span, "`crash` is provided by the runtime").with_help(
        "`crash(Observer, Node, Time)` holds for every crash in the fault schedule; \
             read it in a rule body (e.g. `notin crash(N, N, _)`) or rename this relation",
    )
}

fn arguments(n: usize) -> String {
    match n {
        1 => "1 argument".to_string(),
        n => format!("{n} arguments"),
    }
}
