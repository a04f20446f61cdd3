//! Building rules: the small constructors and lookups the synthesis uses.

use std::collections::BTreeSet;

use dedalus::syntax::ast::{Arg, Atom, BodyAtom, Expr, HeadTime, Ident, Literal, Rule, Span};

pub(super) fn ident(name: &str) -> Ident {
    Ident {
        name: name.to_string(),
        span: Span::default(),
    }
}

pub(super) fn var(name: &str) -> Expr {
    Expr::Var(ident(name))
}

pub(super) fn atom(name: &str, args: Vec<Expr>) -> Atom {
    Atom {
        name: ident(name),
        args: args.into_iter().map(Arg::Expr).collect(),
        span: Span::default(),
    }
}

pub(super) fn positive(a: Atom) -> Literal {
    Literal::Atom(BodyAtom {
        negated: false,
        atom: a,
        time: None,
        span: Span::default(),
    })
}

pub(super) fn negated(a: Atom) -> Literal {
    Literal::Atom(BodyAtom {
        negated: true,
        atom: a,
        time: None,
        span: Span::default(),
    })
}

pub(super) fn rule(head: Atom, time: HeadTime, body: Vec<Literal>) -> Rule {
    Rule {
        head,
        time,
        body,
        span: Span::default(),
    }
}

/// `head@next :- head;` over `args`.
pub(super) fn persistence(name: &str, args: &[Expr]) -> Rule {
    let a = atom(name, args.to_vec());
    rule(a.clone(), HeadTime::Next, vec![positive(a)])
}

/// A trigger remembered from the step it first holds: the fresh relation
/// `<trigger>_held` and its two rules `held(args) :- trigger(args);` and
/// `held(args)@next :- held(args);`, where `args` are the trigger's with its
/// wildcards named apart from the variables of the trigger's rule.
pub(super) struct Held {
    /// The fresh relation's name.
    pub name: String,
    /// The rule that copies the trigger, then the one that persists it.
    pub rules: [Rule; 2],
}

/// [`Held`] for `trigger`, a positive atom of `rule`'s body; `None` when
/// the trigger aggregates. `relations` (the program's names) gains the new one.
pub(super) fn held(
    trigger: &Atom,
    rule_ast: &Rule,
    relations: &mut BTreeSet<String>,
) -> Option<Held> {
    let name = fresh(&format!("{}_held", trigger.name.name), relations);
    let mut taken = names(rule_ast);
    let args: Vec<Expr> = exprs(trigger)?
        .into_iter()
        .map(|e| match e {
            Expr::Wildcard(_) => var(&fresh("X", &mut taken)),
            e => e,
        })
        .collect();
    let copy = rule(
        atom(&name, args.clone()),
        HeadTime::Now,
        vec![positive(atom(&trigger.name.name, args.clone()))],
    );
    let persist = persistence(&name, &args);
    Some(Held {
        name,
        rules: [copy, persist],
    })
}

pub(super) fn exprs(a: &Atom) -> Option<Vec<Expr>> {
    a.args
        .iter()
        .map(|x| match x {
            Arg::Expr(e) => Some(e.clone()),
            Arg::Agg(_) => None,
        })
        .collect()
}

/// Every variable name a rule uses.
pub(super) fn names(rule: &Rule) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut add = |e: &Expr| {
        e.for_each_var(&mut |i: &Ident| {
            out.insert(i.name.clone());
        })
    };
    for a in &rule.head.args {
        if let Arg::Expr(e) = a {
            add(e);
        }
    }
    for l in &rule.body {
        match l {
            Literal::Atom(b) => b.atom.args.iter().for_each(|a| {
                if let Arg::Expr(e) = a {
                    add(e);
                }
            }),
            Literal::Cmp(c) => {
                add(&c.left);
                add(&c.right);
            }
        }
    }
    out
}

/// A name starting with `base` not in `taken`; inserts it.
pub(super) fn fresh(base: &str, taken: &mut BTreeSet<String>) -> String {
    let mut name = base.to_string();
    let mut n = 2;
    while taken.contains(&name) {
        name = format!("{base}{n}");
        n += 1;
    }
    taken.insert(name.clone());
    name
}

/// Index (into `rule.body`) of the `i`-th positive body atom: the literal
/// a firing's `i`-th premise matched.
pub(super) fn positive_literal(rule: &Rule, i: usize) -> Option<usize> {
    rule.body
        .iter()
        .enumerate()
        .filter(|(_, l)| matches!(l, Literal::Atom(a) if !a.negated))
        .nth(i)
        .map(|(k, _)| k)
}

pub(super) fn body_atom(rule: &Rule, k: usize) -> &BodyAtom {
    match &rule.body[k] {
        Literal::Atom(a) => a,
        Literal::Cmp(_) => unreachable!("positive_literal returns atoms"),
    }
}

/// `rule` with body literal `k` reading relation `name` instead.
pub(super) fn reading(rule: &Rule, k: usize, name: &str) -> Rule {
    let mut r = rule.clone();
    if let Literal::Atom(a) = &mut r.body[k] {
        a.atom.name = ident(name);
    }
    r
}
