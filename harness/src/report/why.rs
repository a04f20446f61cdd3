//! The provenance tree of one tuple of a run (`ldfi run --why`).
//!
//! The tuple is parsed with the Dedalus parser (as the fact `TUPLE@T;`, its
//! constant arithmetic folded), looked up in the run ([`goal`]), and its
//! recorded provenance printed as an indented tree ([`tree`]): each tuple,
//! under it each origin (fact, crash oracle, rule firing with its binding
//! and the atoms it checked absent, or the message that carried it and the
//! firings that sent it), recursing into premises. A tuple already expanded
//! is printed once more as `... (see above)`, so the tree stays finite and
//! small.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::path::PathBuf;

use dedalus::constant::{Constant, FoldError};
use dedalus::eval::Run;
use dedalus::provenance::{Fate, FiringId, Origin, Time, TupleId};
use dedalus::syntax::ast::{Arg, Clause, Expr};
use dedalus::value::Value;

/// Why a tuple asked about cannot be found in a run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GoalError {
    /// The text is not one tuple at a time (`rendered`: the parser's
    /// diagnostics, when it does not parse at all).
    #[error("expects one tuple at a time, such as 'log(\"b\", \"hello\")@3', got `{text}`")]
    NotATuple {
        /// The text given.
        text: String,
        /// The rendered parse diagnostics, if it does not parse.
        rendered: Option<String>,
    },
    /// The relation is not the program's.
    #[error("unknown relation `{name}`; the program's relations are: {relations}")]
    UnknownRelation {
        /// The name given.
        name: String,
        /// The program's relations, comma-separated.
        relations: String,
    },
    /// The tuple has the wrong number of columns.
    #[error("`{name}` has {arity} column{}, but `{text}` gives {given}", plural(.arity))]
    Arity {
        /// The relation.
        name: String,
        /// Its arity.
        arity: usize,
        /// The text given.
        text: String,
        /// The columns given.
        given: usize,
    },
    /// The time is not a timestep of the run.
    #[error("time {time} is outside the run: timesteps are 1..={eot}")]
    Time {
        /// The time given.
        time: u64,
        /// The run's EOT.
        eot: Time,
    },
    /// A column is not a ground value.
    #[error("{reason} in `{text}`")]
    NotGround {
        /// What is wrong with it.
        reason: String,
        /// The text given.
        text: String,
    },
    /// The tuple does not hold in the run (`holding`: what its relation
    /// holds at that time, in a few lines).
    #[error("{tuple} does not hold in this run; {holding}")]
    Absent {
        /// The tuple as source text.
        tuple: String,
        /// What the relation holds instead.
        holding: String,
    },
}

/// Parses `text` (e.g. `log("b", "hi")@3`; `@T` defaults to `at`) and finds
/// the tuple in `run`.
pub fn goal(run: &Run, text: &str, at: Time) -> Result<TupleId, GoalError> {
    let trimmed = text.trim().trim_end_matches(';').trim_end();
    let source = if trimmed.ends_with(')') {
        format!("{trimmed}@{at};")
    } else {
        format!("{trimmed};")
    };
    let mut sources = dedalus::SourceMap::new();
    let file = sources.add(PathBuf::from("tuple"), source);
    let not_a_tuple = |rendered| GoalError::NotATuple {
        text: text.to_string(),
        rendered,
    };
    let module = dedalus::syntax::parse(file, sources.text(file))
        .map_err(|d| not_a_tuple(Some(d.render(&sources))))?;
    let fact = match module.clauses.as_slice() {
        [Clause::Fact(f)] => f,
        _ => return Err(not_a_tuple(None)),
    };
    let name = &fact.atom.name.name;
    let Some(rel) = run.program().relation(name) else {
        return Err(GoalError::UnknownRelation {
            name: name.clone(),
            relations: super::run::relation_names(run),
        });
    };
    let arity = run.program().relations()[rel as usize].arity;
    if fact.atom.args.len() != arity {
        return Err(GoalError::Arity {
            name: name.clone(),
            arity,
            text: text.to_string(),
            given: fact.atom.args.len(),
        });
    }
    let time = Time::try_from(fact.time)
        .ok()
        .filter(|&t| t >= 1 && t <= run.eot())
        .ok_or(GoalError::Time {
            time: fact.time,
            eot: run.eot(),
        })?;
    let mut shown = Vec::new();
    let mut values = Some(Vec::new());
    for arg in &fact.atom.args {
        let Arg::Expr(e) = arg else {
            return Err(not_a_tuple(None));
        };
        let c = fold(e).map_err(|reason| GoalError::NotGround {
            reason,
            text: text.to_string(),
        })?;
        shown.push(match &c {
            Constant::Int(i) => i.to_string(),
            Constant::Str(s) => format!("\"{s}\""),
        });
        // A string the run never interned cannot be in any tuple.
        let v = match c {
            Constant::Int(i) => Some(Value::Int(i)),
            Constant::Str(s) => run.interner().get(s).map(Value::Str),
        };
        values = values.zip(v).map(|(mut vs, v)| {
            vs.push(v);
            vs
        });
    }
    if let Some(id) = values.and_then(|vs| run.find(rel, &vs, time)) {
        return Ok(id);
    }
    let rows = run.relation_at(name, time);
    let mut holding = String::new();
    if rows.is_empty() {
        let _ = write!(holding, "`{name}` is empty at t={time}");
    } else {
        let _ = write!(holding, "`{name}` at t={time} holds:");
        const SHOWN: usize = 20;
        for row in rows.iter().take(SHOWN) {
            let _ = write!(holding, "\n  {}@{time}", run.show_atom(rel, row));
        }
        if rows.len() > SHOWN {
            let _ = write!(holding, "\n  ... and {} more", rows.len() - SHOWN);
        }
    }
    Err(GoalError::Absent {
        tuple: format!("{name}({})@{time}", shown.join(", ")),
        holding,
    })
}

fn plural(n: &usize) -> &'static str {
    if *n == 1 { "" } else { "s" }
}

/// Folds a ground expression the way facts are folded
/// ([`dedalus::constant::fold`]).
fn fold(e: &Expr) -> Result<Constant<'_>, String> {
    dedalus::constant::fold(e).map_err(|err| match err {
        FoldError::NotGround(Expr::Var(v)) => {
            format!("the tuple must be ground, but `{}` is a variable", v.name)
        }
        FoldError::NotGround(_) => "the tuple must be ground, but `_` is a wildcard".into(),
        FoldError::OnString(at) => format!("arithmetic on a string (`{at}`)"),
        FoldError::Arith { expr, .. } => format!("`{expr}` overflows or divides by zero"),
        _ => format!("`{e}` does not fold"),
    })
}

/// One line of the tree still to print.
enum Item {
    Tuple(TupleId),
    Origin(Origin),
    Firing(FiringId),
}

/// Deeper levels than this are not indented further but numbered: a chain
/// of 20,000 steps indented two spaces each would print gigabytes.
const MAX_INDENT: usize = 30;

/// The indentation of a line at `level` (1 for the goal).
fn indent(level: usize) -> String {
    if level <= MAX_INDENT {
        "  ".repeat(level)
    } else {
        format!("{}[depth {level}] ", "  ".repeat(MAX_INDENT))
    }
}

/// The provenance tree of `goal`, indented two spaces per level (levels past
/// `MAX_INDENT` are numbered instead).
pub fn tree(run: &Run, goal: TupleId) -> String {
    let prov = run.provenance();
    let program = run.program();
    let mut out = format!("why {}:\n", run.show_tuple(goal));
    let mut expanded: HashSet<TupleId> = HashSet::new();
    // Depth-first, children pushed in reverse so that they print in order.
    let mut stack: Vec<(usize, Item)> = vec![(0, Item::Tuple(goal))];
    while let Some((depth, item)) = stack.pop() {
        let pad = indent(depth + 1);
        match item {
            Item::Tuple(id) => {
                if !expanded.insert(id) {
                    let _ = writeln!(out, "{pad}{} ... (see above)", run.show_tuple(id));
                    continue;
                }
                let _ = writeln!(out, "{pad}{}", run.show_tuple(id));
                for &o in prov.origins(id).iter().rev() {
                    stack.push((depth + 1, Item::Origin(o)));
                }
            }
            Item::Origin(Origin::Fact(i)) => {
                let at = program
                    .facts()
                    .get(i as usize)
                    .map(|f| {
                        let (line, col) = program.sources().line_col(f.span);
                        format!(
                            "{}:{line}:{col}",
                            program.sources().path(f.span.file).display()
                        )
                    })
                    .unwrap_or_else(|| "?".into());
                let _ = writeln!(out, "{pad}fact ({at})");
            }
            Item::Origin(Origin::Crash) => {
                let _ = writeln!(out, "{pad}crash oracle (the run's fault schedule)");
            }
            Item::Origin(Origin::Firing(f)) => stack.push((depth, Item::Firing(f))),
            Item::Origin(Origin::Message(m)) => {
                let msg = prov.message(m);
                let fate = match (msg.fate, msg.received) {
                    (Fate::Delayed(d), Some(r)) => format!("delayed by {d}, delivered at {r}"),
                    (_, Some(r)) => format!("delivered at {r}"),
                    (_, None) => "not delivered".to_string(),
                };
                let _ = writeln!(
                    out,
                    "{pad}message {} -> {} sent at {} ({fate})",
                    run.node_name(msg.from),
                    run.node_name(msg.to),
                    msg.sent
                );
                for &f in prov.senders(msg).iter().rev() {
                    stack.push((depth + 1, Item::Firing(f)));
                }
            }
            Item::Firing(f) => {
                let firing = prov.firing(f);
                let rule = &program.rules()[firing.rule as usize];
                let _ = writeln!(out, "{pad}rule {}: {rule}", run.rule_location(firing.rule));
                let inner = indent(depth + 2); // one level below the rule line
                let vars = run.rule_vars(firing.rule);
                let binding = prov.binding(firing);
                if !binding.is_empty() {
                    let with: Vec<String> = vars
                        .iter()
                        .zip(binding)
                        .map(|(name, &v)| format!("{name} = {}", run.show_value(v)))
                        .collect();
                    let _ = writeln!(
                        out,
                        "{inner}with {}  (on {} at t={})",
                        with.join(", "),
                        run.node_name(firing.location),
                        firing.time
                    );
                } else if rule.head.args.iter().any(|a| matches!(a, Arg::Agg(_))) {
                    let _ = writeln!(
                        out,
                        "{inner}aggregate over every binding of its group  (on {} at t={})",
                        run.node_name(firing.location),
                        firing.time
                    );
                }
                for a in prov.absent(firing) {
                    let args: Vec<String> = prov
                        .pattern(a)
                        .iter()
                        .map(|v| v.map_or_else(|| "_".to_string(), |v| run.show_value(v)))
                        .collect();
                    let _ = writeln!(
                        out,
                        "{inner}absent: notin {}({})@{}",
                        program.relations()[a.rel as usize].name,
                        args.join(", "),
                        a.time
                    );
                }
                for &p in prov.firing_premises(firing).iter().rev() {
                    stack.push((depth + 1, Item::Tuple(p)));
                }
            }
        }
    }
    out
}
