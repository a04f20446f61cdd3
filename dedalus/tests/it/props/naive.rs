//! A deliberately simple evaluator of checked programs (no aggregates), the
//! oracle for the semi-naive engine: no indexes, no deltas, owned values.
//!
//! Per timestep: seed facts, carried and delivered tuples and crash oracle
//! rows; per stratum (computed here from the rules, not taken from the
//! checker) apply every deductive rule to all rows by nested loops until
//! nothing changes; then the `@next` and `@async` rules (not at EOT).

use std::collections::{BTreeMap, BTreeSet};

use super::schedule::FaultSchedule;
use dedalus::Program;
use dedalus::syntax::ast::{
    Arg, BinOp, BodyAtom, CmpOp, Comparison, Expr, HeadTime, Literal, Rule,
};

/// An owned runtime value (strings by text).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum V {
    Int(i64),
    Str(String),
}

pub type Row = Vec<V>;
/// Relation name -> rows, at one time.
pub type Tables = BTreeMap<String, BTreeSet<Row>>;
/// Variable name -> value; `LOC` holds the rule instance's location.
pub type Env = BTreeMap<String, V>;
/// `(sent, from, to, relation, values, received)`.
pub type Msg = (u32, String, String, String, Row, Option<u32>);

pub const LOC: &str = "#loc";

/// The result of a naive run.
pub struct Naive {
    /// `tables[t]` for `t` in `1..=eot` (index 0 empty).
    pub tables: Vec<Tables>,
    pub messages: BTreeSet<Msg>,
}

/// The value of a term; `None` for `_` or an unbound variable.
pub fn eval(e: &Expr, env: &Env) -> Option<V> {
    Some(match e {
        Expr::Var(v) => env.get(&v.name)?.clone(),
        Expr::Wildcard(_) => return None,
        Expr::Str(s, _) => V::Str(s.clone()),
        Expr::Int(i, _) => V::Int(*i),
        Expr::Bin(l, op, r, _) => {
            let (V::Int(a), V::Int(b)) = (eval(l, env)?, eval(r, env)?) else {
                panic!("arithmetic on a string is not generated");
            };
            V::Int(match op {
                BinOp::Add => a + b,
                BinOp::Sub => a - b,
                BinOp::Mul => a * b,
                BinOp::Div => a / b,
                BinOp::Rem => a % b,
            })
        }
    })
}

fn expr(a: &Arg) -> &Expr {
    match a {
        Arg::Expr(e) => e,
        Arg::Agg(_) => panic!("the naive evaluator has no aggregates"),
    }
}

/// Matches `row` against `args`, binding unbound variables; `_` matches anything.
pub fn unify(args: &[Arg], row: &[V], env: &mut Env) -> bool {
    args.iter().zip(row).all(|(a, v)| match expr(a) {
        Expr::Wildcard(_) => true,
        Expr::Var(x) => match env.get(&x.name) {
            Some(b) => b == v,
            None => {
                env.insert(x.name.clone(), v.clone());
                true
            }
        },
        e => eval(e, env).as_ref() == Some(v),
    })
}

/// Whether a comparison holds (`==`/`!=` on anything, order on like types).
pub fn holds(c: &Comparison, env: &Env) -> bool {
    let (l, r) = (eval(&c.left, env).unwrap(), eval(&c.right, env).unwrap());
    match c.op {
        CmpOp::Eq => l == r,
        CmpOp::Ne => l != r,
        op => {
            assert_eq!(std::mem::discriminant(&l), std::mem::discriminant(&r));
            let o = l.cmp(&r);
            match op {
                CmpOp::Lt => o.is_lt(),
                CmpOp::Gt => o.is_gt(),
                CmpOp::Le => o.is_le(),
                _ => o.is_ge(),
            }
        }
    }
}

/// The head tuple under a complete binding.
pub fn head(rule: &Rule, env: &Env) -> Row {
    let args = rule.head.args.iter();
    args.map(|a| eval(expr(a), env).expect("head is bound"))
        .collect()
}

/// A rule's body atoms, positive or negated.
pub fn atoms(rule: &Rule, negated: bool) -> impl Iterator<Item = &BodyAtom> {
    rule.body.iter().filter_map(move |l| match l {
        Literal::Atom(a) if a.negated == negated => Some(a),
        _ => None,
    })
}

/// Strata of the deductive rules, lowest first, computed from their dependencies.
fn strata(p: &Program) -> Vec<Vec<&Rule>> {
    let mut s: BTreeMap<&str, usize> = BTreeMap::new();
    let deductive: Vec<&Rule> = p
        .rules()
        .iter()
        .filter(|r| r.time == HeadTime::Now)
        .collect();
    for _ in 0..=p.relations().len() {
        for r in &deductive {
            for a in atoms(r, false).chain(atoms(r, true)) {
                let need =
                    s.get(a.atom.name.name.as_str()).copied().unwrap_or(0) + usize::from(a.negated);
                let h = s.entry(r.head.name.name.as_str()).or_insert(0);
                *h = (*h).max(need);
            }
        }
    }
    let mut out: Vec<Vec<&Rule>> = vec![Vec::new(); s.values().max().map_or(0, |m| m + 1)];
    for r in deductive {
        out[s[r.head.name.name.as_str()]].push(r);
    }
    out
}

/// Every binding (with [`LOC`]) under which `rule`'s body holds at `t`.
fn bindings(rule: &Rule, past: &[Tables], cur: &Tables, t: u32, nodes: &[&str]) -> Vec<Env> {
    let empty = BTreeSet::new();
    let read = |a: &BodyAtom| {
        let at = a.time.map_or(t, |n| u32::try_from(n).unwrap_or(u32::MAX));
        let tables = match at {
            _ if at == t => cur,
            1.. if at < t => &past[at as usize],
            _ => return &empty,
        };
        tables.get(&a.atom.name.name).unwrap_or(&empty)
    };
    let first = match &rule.body[0] {
        Literal::Atom(a) if !a.negated => Some(a),
        _ => None,
    };
    // Atoms with arithmetic last, when their variables are bound.
    let mut positive: Vec<&BodyAtom> = atoms(rule, false).collect();
    positive.sort_by_key(|a| {
        a.atom
            .args
            .iter()
            .any(|x| matches!(x, Arg::Expr(Expr::Bin(..))))
    });
    let mut envs = vec![Env::new()];
    for a in positive {
        let mut next = Vec::new();
        for env in &envs {
            for row in read(a) {
                let mut e = env.clone();
                if unify(&a.atom.args, row, &mut e) {
                    if first.is_some_and(|f| std::ptr::eq(f, a)) {
                        e.insert(LOC.into(), row[0].clone());
                    }
                    next.push(e);
                }
            }
        }
        envs = next;
    }
    envs.retain_mut(|e| {
        if first.is_none() {
            let Literal::Atom(a) = &rule.body[0] else {
                unreachable!()
            };
            let loc = eval(expr(&a.atom.args[0]), e).unwrap();
            e.insert(LOC.into(), loc);
        }
        let absent = |a: &BodyAtom| {
            !read(a)
                .iter()
                .any(|row| unify(&a.atom.args, row, &mut e.clone()))
        };
        matches!(&e[LOC], V::Str(s) if nodes.contains(&s.as_str()))
            && rule.body.iter().all(|l| match l {
                Literal::Cmp(c) => holds(c, e),
                Literal::Atom(a) => !a.negated || absent(a),
            })
    });
    envs
}

/// When a message from `from` to `to` sent at `t` arrives (maybe after EOT), if ever.
pub fn arrival(faults: &FaultSchedule, from: &str, to: &str, t: u32) -> Option<u32> {
    if from == to {
        return Some(t + 1);
    }
    if faults.crashes.iter().any(|c| c.node == from && c.time <= t) {
        return None;
    }
    if faults
        .omissions
        .iter()
        .any(|o| (o.from.as_str(), o.to.as_str(), o.time) == (from, to, t))
    {
        return None;
    }
    let delay = faults
        .delays
        .iter()
        .find(|d| (d.from.as_str(), d.to.as_str(), d.time) == (from, to, t));
    Some(t + 1 + delay.map_or(0, |d| d.by))
}

/// Evaluates `p` on `nodes` up to `eot` under `faults`.
pub fn evaluate(p: &Program, nodes: &[&str], eot: u32, faults: &FaultSchedule) -> Naive {
    let strata = strata(p);
    let mut out = Naive {
        tables: vec![Tables::new()],
        messages: BTreeSet::new(),
    };
    let mut inbox: BTreeMap<u32, Vec<(String, Row)>> = BTreeMap::new();
    for t in 1..=eot {
        let mut cur: Tables = p
            .relations()
            .iter()
            .map(|r| (r.name.clone(), BTreeSet::new()))
            .collect();
        let mut seed: Vec<(String, Row)> = inbox.remove(&t).unwrap_or_default();
        for f in p.facts().iter().filter(|f| f.time == u64::from(t)) {
            let row = f
                .atom
                .args
                .iter()
                .map(|a| eval(expr(a), &Env::new()).unwrap())
                .collect();
            seed.push((f.atom.name.name.clone(), row));
        }
        for obs in nodes {
            for c in &faults.crashes {
                let row = vec![
                    V::Str(obs.to_string()),
                    V::Str(c.node.clone()),
                    V::Int(c.time.into()),
                ];
                seed.push(("crash".into(), row));
            }
        }
        for (rel, row) in seed {
            cur.get_mut(&rel).unwrap().insert(row);
        }
        for rules in &strata {
            loop {
                let mut new = Vec::new();
                for r in rules {
                    for env in bindings(r, &out.tables, &cur, t, nodes) {
                        new.push((r.head.name.name.clone(), head(r, &env)));
                    }
                }
                let mut changed = false;
                for (rel, row) in new {
                    changed |= cur.get_mut(&rel).unwrap().insert(row);
                }
                if !changed {
                    break;
                }
            }
        }
        if t < eot {
            for r in p.rules().iter().filter(|r| r.time != HeadTime::Now) {
                let rel = r.head.name.name.clone();
                for env in bindings(r, &out.tables, &cur, t, nodes) {
                    let row = head(r, &env);
                    if r.time == HeadTime::Next {
                        inbox.entry(t + 1).or_default().push((rel.clone(), row));
                        continue;
                    }
                    let (V::Str(from), V::Str(to)) = (&env[LOC], &row[0]) else {
                        continue;
                    };
                    if !nodes.contains(&to.as_str()) {
                        continue;
                    }
                    let received = arrival(faults, from, to, t).filter(|&a| a <= eot);
                    if let Some(a) = received {
                        inbox.entry(a).or_default().push((rel.clone(), row.clone()));
                    }
                    out.messages
                        .insert((t, from.clone(), to.clone(), rel.clone(), row, received));
                }
            }
        }
        out.tables.push(cur);
    }
    out
}
