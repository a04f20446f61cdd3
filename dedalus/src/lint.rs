//! Warnings for programs that check but probably do not mean what they say:
//! mistakes that make a rule silently never fire, or an aggregate count
//! something else than it names. They never change a run; they point at
//! the source with a hint, so a spec does not "fail without faults" (or meet
//! its expectation) for the wrong reason.
//!
//! What the checks know of values comes from [`domains`]: for every column
//! of every relation, an over-approximation of the constants it can hold in
//! any run (or "any value" once arithmetic or an aggregate computes it). A
//! warning that a rule never fires is therefore never a guess: every value
//! its location can take is outside the node set.

use std::collections::BTreeSet;
use std::fmt;

use crate::program::{Program, rule_location};
use crate::syntax::SourceMap;
use crate::syntax::ast::{AggFn, Arg, Expr, HeadTime, Literal, Rule, Span};

/// Which mistake a [`Lint`] reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LintKind {
    /// A fact of a relation that rules read as their location, placed at a
    /// name that is not a node: no rule ever reads it.
    UnplacedFact,
    /// A rule whose location can only be values that are not nodes: it
    /// never fires.
    NeverFires,
    /// A `count<X>` whose body names a variable the head does not: it counts
    /// combinations of bindings, not distinct `X`.
    AggregateOverPairs,
}

/// One warning about a program, located in its source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lint {
    /// Which mistake.
    pub kind: LintKind,
    /// The source text it is about.
    pub span: Span,
    /// What is wrong, in one line.
    pub message: String,
    /// How to fix it, when a likely fix is known.
    pub help: Option<String>,
}

impl Lint {
    /// `warning: <message> (<file>:<line>:<col>)` and an indented hint line.
    pub fn render(&self, sources: &SourceMap) -> String {
        let (line, col) = sources.line_col(self.span);
        let mut out = format!(
            "warning: {} ({}:{line}:{col})\n",
            self.message,
            sources.path(self.span.file).display()
        );
        if let Some(help) = &self.help {
            out.push_str(&format!("  hint: {help}\n"));
        }
        out
    }
}

/// Every warning about `program` run on `nodes`, in source order.
pub fn lints(program: &Program, nodes: &[String]) -> Vec<Lint> {
    let domains = domains(program, nodes);
    let mut out = unplaced_facts(program, nodes);
    for rule in program.rules() {
        if let Some(lint) = never_fires(rule, &domains, program, nodes) {
            out.push(lint);
        }
        out.extend(aggregate_over_pairs(rule));
    }
    out.sort_by_key(|l| (l.span.file.0, l.span.start, l.kind));
    out
}

/// A constant of the program text.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Value {
    /// An integer.
    Int(i64),
    /// A string.
    Str(String),
}

/// What a column can hold: any value, or one of a known set of constants.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Domain {
    /// Values computed by arithmetic or an aggregate: anything.
    Any,
    /// Only these constants (empty: the column never holds a tuple).
    Of(BTreeSet<Value>),
}

impl Domain {
    fn empty() -> Domain {
        Domain::Of(BTreeSet::new())
    }

    /// Adds `other`'s values; whether anything was added.
    fn absorb(&mut self, other: &Domain) -> bool {
        match (&mut *self, other) {
            (Domain::Any, _) => false,
            (me, Domain::Any) => {
                *me = Domain::Any;
                true
            }
            (Domain::Of(mine), Domain::Of(theirs)) => {
                let before = mine.len();
                mine.extend(theirs.iter().cloned());
                mine.len() != before
            }
        }
    }

    /// The values both allow.
    fn meet(&self, other: &Domain) -> Domain {
        match (self, other) {
            (Domain::Any, d) | (d, Domain::Any) => d.clone(),
            (Domain::Of(a), Domain::Of(b)) => Domain::Of(a.intersection(b).cloned().collect()),
        }
    }
}

impl fmt::Display for Domain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Domain::Any => f.write_str("any value"),
            Domain::Of(values) => {
                let shown: Vec<String> = values.iter().take(4).map(show).collect();
                f.write_str(&shown.join(", "))?;
                if values.len() > 4 {
                    write!(f, ", … ({} values)", values.len())?;
                }
                Ok(())
            }
        }
    }
}

fn show(v: &Value) -> String {
    match v {
        Value::Int(i) => i.to_string(),
        Value::Str(s) => format!("{s:?}"),
    }
}

fn constant(e: &Expr) -> Option<Value> {
    match e {
        Expr::Str(s, _) => Some(Value::Str(s.clone())),
        Expr::Int(i, _) => Some(Value::Int(*i)),
        _ => None,
    }
}

/// For every relation (indexed by [`crate::RelId`]), for every column, the
/// values it can hold in some run on `nodes`: a least fixpoint over the
/// facts and rules, sound for every fault schedule (faults only remove
/// tuples). `crash(Observer, Node, T)` holds nodes in its first two columns.
pub fn domains(program: &Program, nodes: &[String]) -> Vec<Vec<Domain>> {
    let node_set = Domain::Of(nodes.iter().map(|n| Value::Str(n.clone())).collect());
    let mut doms: Vec<Vec<Domain>> = program
        .relations()
        .iter()
        .map(|r| vec![Domain::empty(); r.arity])
        .collect();
    if let Some(crash) = program.relation("crash") {
        let cols = &mut doms[crash as usize];
        for (i, col) in cols.iter_mut().enumerate() {
            col.absorb(if i < 2 { &node_set } else { &Domain::Any });
        }
    }
    for fact in program.facts() {
        let Some(rel) = program.relation(&fact.atom.name.name) else {
            continue;
        };
        for (i, arg) in fact.atom.args.iter().enumerate() {
            let d = match arg {
                Arg::Expr(e) => constant(e).map_or(Domain::Any, |v| Domain::Of([v].into())),
                Arg::Agg(_) => Domain::Any,
            };
            if let Some(col) = doms[rel as usize].get_mut(i) {
                col.absorb(&d);
            }
        }
    }
    loop {
        let mut changed = false;
        for rule in program.rules() {
            let Some(head) = program.relation(&rule.head.name.name) else {
                continue;
            };
            let vars = bindings(rule, &doms, program, &node_set);
            for (i, arg) in rule.head.args.iter().enumerate() {
                let mut d = match arg {
                    Arg::Expr(Expr::Var(v)) => vars
                        .iter()
                        .find(|(name, _)| *name == v.name)
                        .map_or(Domain::Any, |(_, d)| d.clone()),
                    Arg::Expr(e) => constant(e).map_or(Domain::Any, |v| Domain::Of([v].into())),
                    Arg::Agg(_) => Domain::Any,
                };
                if i == 0 && rule.time == HeadTime::Async {
                    // Messages go only to declared nodes.
                    d = d.meet(&node_set);
                }
                if let Some(col) = doms[head as usize].get_mut(i) {
                    changed |= col.absorb(&d);
                }
            }
        }
        if !changed {
            return doms;
        }
    }
}

/// The values each variable of `rule` can take where it fires: the meet of
/// the columns of the positive atoms that bind it, and the node set for the
/// location. Variables bound only otherwise (by `==`) can be anything.
fn bindings<'r>(
    rule: &'r Rule,
    doms: &[Vec<Domain>],
    program: &Program,
    nodes: &Domain,
) -> Vec<(&'r str, Domain)> {
    let mut vars: Vec<(&str, Domain)> = Vec::new();
    for lit in &rule.body {
        let Literal::Atom(a) = lit else { continue };
        if a.negated {
            continue;
        }
        let Some(rel) = program.relation(&a.atom.name.name) else {
            continue;
        };
        for (i, arg) in a.atom.args.iter().enumerate() {
            let (Arg::Expr(Expr::Var(v)), Some(col)) = (arg, doms[rel as usize].get(i)) else {
                continue;
            };
            match vars.iter_mut().find(|(name, _)| *name == v.name) {
                Some((_, d)) => *d = d.meet(col),
                None => vars.push((&v.name, col.clone())),
            }
        }
    }
    if let Some(Expr::Var(loc)) = rule_location(rule)
        && let Some((_, d)) = vars.iter_mut().find(|(name, _)| *name == loc.name)
    {
        *d = d.meet(nodes);
    }
    vars
}

/// Facts placed at a name that is not a node, of relations some rule reads
/// as its location literal.
fn unplaced_facts(program: &Program, nodes: &[String]) -> Vec<Lint> {
    let located = crate::analysis::located_relations(program);
    let mut out = Vec::new();
    for f in program.facts() {
        if !program
            .relation(&f.atom.name.name)
            .is_some_and(|r| located[r as usize])
        {
            continue;
        }
        if let Some(Arg::Expr(Expr::Str(s, _))) = f.atom.args.first()
            && !nodes.iter().any(|n| n == s)
        {
            out.push(Lint {
                kind: LintKind::UnplacedFact,
                span: f.span,
                message: format!(
                    "fact `{f}` is placed at `{s}`, which is not a node (nodes: {}): no rule reads it",
                    nodes.join(", ")
                ),
                help: Some(format!(
                    "add `{s}` to the nodes, or correct the fact's first argument"
                )),
            });
        }
    }
    out
}

/// A rule whose location literal binds its location only to values that are
/// not nodes (a relation keyed by something else than the node it lives at).
fn never_fires(
    rule: &Rule,
    doms: &[Vec<Domain>],
    program: &Program,
    nodes: &[String],
) -> Option<Lint> {
    let Some(Literal::Atom(first)) = rule.body.first() else {
        return None;
    };
    let is_node = |v: &Value| matches!(v, Value::Str(s) if nodes.contains(s));
    let loc = rule_location(rule)?;
    let (values, what) = match loc {
        Expr::Var(v) => {
            // Where the location variable is bound, without the node
            // restriction a firing adds.
            let mut d = Domain::Any;
            for lit in &rule.body {
                let Literal::Atom(a) = lit else { continue };
                if a.negated {
                    continue;
                }
                let rel = program.relation(&a.atom.name.name)?;
                for (i, arg) in a.atom.args.iter().enumerate() {
                    if matches!(arg, Arg::Expr(Expr::Var(w)) if w.name == v.name) {
                        d = d.meet(doms[rel as usize].get(i)?);
                    }
                }
            }
            (d, format!("`{}`", v.name))
        }
        e => (
            Domain::Of(constant(e).into_iter().collect()),
            format!("`{e}`"),
        ),
    };
    let Domain::Of(values) = &values else {
        return None;
    };
    if values.is_empty() || values.iter().any(is_node) {
        return None;
    }
    let shown = Domain::Of(values.clone());
    Some(Lint {
        kind: LintKind::NeverFires,
        span: first.span,
        message: format!(
            "rule for `{}` never fires: its location {what} (the first argument of `{}`) \
             only takes values that are not nodes ({shown}; nodes: {})",
            rule.head.name.name,
            first.atom.name.name,
            nodes.join(", ")
        ),
        help: Some(format!(
            "a rule runs at the node named by the first argument of its first body atom; \
             put an atom located at a node first (e.g. the relation that holds `{}` at the \
             node), or make `{}`'s first column the node it lives at",
            first.atom.name.name, first.atom.name.name
        )),
    })
}

/// `count<X>` heads whose body names variables neither grouped by nor
/// counted: the count is of their combinations. (`sum<X>` is left alone: a
/// body variable the head does not name is how a sum tells distinct items
/// of the same amount apart, `total(sum<A>) :- paid(Op, A);`, so it is the
/// normal shape, not a mistake.)
fn aggregate_over_pairs<'r>(rule: &'r Rule) -> Option<Lint> {
    let agg = rule.head.args.iter().find_map(|a| match a {
        Arg::Agg(agg) if agg.fun == AggFn::Count => Some(agg),
        _ => None,
    })?;
    let mut head_vars: BTreeSet<&str> = BTreeSet::new();
    for arg in &rule.head.args {
        if let Arg::Expr(e) = arg {
            vars(e, &mut |v| {
                head_vars.insert(v);
            });
        }
    }
    head_vars.insert(&agg.var.name);
    let mut extra: Vec<&str> = Vec::new();
    for lit in &rule.body {
        let mut note = |v: &'r str| {
            if !head_vars.contains(v) && !extra.contains(&v) {
                extra.push(v);
            }
        };
        match lit {
            Literal::Atom(a) => {
                for arg in &a.atom.args {
                    if let Arg::Expr(e) = arg {
                        vars(e, &mut note);
                    }
                }
            }
            Literal::Cmp(c) => {
                vars(&c.left, &mut note);
                vars(&c.right, &mut note);
            }
        }
    }
    if extra.is_empty() {
        return None;
    }
    let names = extra
        .iter()
        .map(|v| format!("`{v}`"))
        .collect::<Vec<_>>()
        .join(", ");
    Some(Lint {
        kind: LintKind::AggregateOverPairs,
        span: agg.span,
        message: format!(
            "`count<{x}>` ranges over distinct bindings of `{x}` together with {names}, \
             which the head does not name: it counts combinations, not distinct `{x}`",
            x = agg.var.name
        ),
        help: Some(format!(
            "if one `{x}` can come with several {names}, count a projection \
             (`{h}_of(.., {x}) :- ..;` then `count<{x}>` over it), or group by {names} in the head",
            x = agg.var.name,
            h = rule.head.name.name
        )),
    })
}

/// Calls `f` with each variable named in `e`.
fn vars<'e>(e: &'e Expr, f: &mut impl FnMut(&'e str)) {
    match e {
        Expr::Var(v) => f(&v.name),
        Expr::Bin(l, _, r, _) => {
            vars(l, f);
            vars(r, f);
        }
        Expr::Wildcard(_) | Expr::Str(..) | Expr::Int(..) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lint(text: &str, nodes: &[&str]) -> Vec<Lint> {
        let program = crate::load_str("t.ded", text).expect("checks");
        let nodes: Vec<String> = nodes.iter().map(|n| n.to_string()).collect();
        lints(&program, &nodes)
    }

    #[test]
    fn a_rule_located_at_a_value_never_fires() {
        let found = lint(
            r#"
            stored(R, V)@next :- stored(R, V);
            stored("r1", "v")@1; stored("r2", "v")@1;
            stored_count(V, count<R>) :- stored(R, V);
            pre(V) :- stored(R, V);
            post(V) :- stored_count(V, N), N >= 2;
            "#,
            &["r1", "r2"],
        );
        let never: Vec<_> = found
            .iter()
            .filter(|l| l.kind == LintKind::NeverFires)
            .collect();
        assert_eq!(never.len(), 1, "{found:#?}");
        assert!(never[0].message.contains("rule for `post` never fires"));
        assert!(never[0].message.contains("\"v\""));
    }

    #[test]
    fn a_rule_located_at_nodes_is_fine_even_through_messages() {
        let found = lint(
            r#"
            node(N, M)@next :- node(N, M);
            node("a", "b")@1;
            log(M, P)@async :- node(N, M), bcast(N, P);
            bcast("a", "x")@1;
            seen(N, P) :- log(N, P);
            pre(P) :- bcast(N, P);
            post(P) :- seen(N, P);
            "#,
            &["a", "b"],
        );
        assert!(found.is_empty(), "{found:#?}");
    }

    #[test]
    fn arithmetic_makes_a_location_unknown_and_silences_the_warning() {
        let found = lint(
            r#"
            n("a", 1)@1;
            k(X + 1, N) :- n(N, X);
            p(X) :- k(X, N);
            pre(X) :- n(N, X);
            post(X) :- n(N, X);
            "#,
            &["a"],
        );
        assert!(
            found.iter().all(|l| l.kind != LintKind::NeverFires),
            "{found:#?}"
        );
    }

    #[test]
    fn a_count_whose_body_names_an_ungrouped_variable_counts_pairs() {
        let found = lint(
            r#"
            ack("l", "r1", 1)@1;
            acks(L, count<R>) :- ack(L, R, E);
            acks_per(L, E, count<R>) :- ack(L, R, E);
            pre(L) :- ack(L, R, E);
            post(L) :- acks(L, N), N >= 1;
            "#,
            &["l", "r1"],
        );
        let pairs: Vec<_> = found
            .iter()
            .filter(|l| l.kind == LintKind::AggregateOverPairs)
            .collect();
        assert_eq!(pairs.len(), 1, "{found:#?}");
        assert!(pairs[0].message.contains("`E`"));
    }

    #[test]
    fn a_sum_over_keyed_items_is_the_normal_shape() {
        let found = lint(
            r#"
            paid("b", "op1", 5)@1; paid("b", "op2", 5)@1;
            total(B, sum<A>) :- paid(B, Op, A);
            pre(B) :- paid(B, Op, A);
            post(B) :- total(B, T), T >= 10;
            "#,
            &["b"],
        );
        assert!(found.is_empty(), "{found:#?}");
    }

    #[test]
    fn a_fact_at_a_non_node_of_a_located_relation_is_unplaced() {
        let found = lint(
            r#"
            put("clinet", "v1")@1;
            stored(N, V) :- put(N, V);
            pre(V) :- stored(N, V);
            post(V) :- stored(N, V);
            "#,
            &["client"],
        );
        // The fact comes first; the rules it was meant to feed never fire.
        assert_eq!(found[0].kind, LintKind::UnplacedFact, "{found:#?}");
        assert!(found[0].message.contains("`clinet`"));
        assert!(found[1..].iter().all(|l| l.kind == LintKind::NeverFires));
    }
}
