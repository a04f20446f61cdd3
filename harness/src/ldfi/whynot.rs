//! Why-not provenance, one rule deep: every way a tuple that no run has
//! shown could appear, as instantiations of the rules deriving it over the
//! tuples runs did show.
//!
//! This is exact for a negated atom whose rules read only *monotone*
//! relations positively: relations no `notin`, aggregate or crash-oracle read
//! feeds. Faults only remove tuples of those (without delays), so the
//! failure-free run already showed every tuple they can ever have, and the
//! atom appears under a fault set iff one instantiation fires. The spec
//! relations `gap`/`missing_log` of the broadcasts are of this kind: they
//! appear exactly when a peer's `log` is broken. Other negated atoms fall back
//! to negative support (see `encode`).

use std::collections::HashMap;

use dedalus::program::{ResolvedRule, rule_location};
use dedalus::provenance::Time;
use dedalus::syntax::ast::{Arg, CmpOp, Expr, HeadTime, Literal, Rule};
use dedalus::value::{Interner, Value};
use dedalus::{Program, RelId};

use super::lineage::{AbsentAtom, KeyId, Lineage};

/// Instantiations beyond this many make an atom fall back to negative support.
const MAX_INSTANCES: usize = 4096;

/// One way a tuple could be derived: these premises hold and these atoms stay absent.
pub(crate) struct Instance {
    pub premises: Vec<KeyId>,
    pub absent: Vec<AbsentAtom>,
}

/// Reads values of simple terms.
struct Scope<'a> {
    interner: &'a Interner,
    vars: HashMap<&'a str, Value>,
}

impl<'a> Scope<'a> {
    /// The value of a variable or constant; `None` for an unbound variable,
    /// `Some(None)` for a term no tuple can hold (arithmetic, unknown string).
    fn value(&self, e: &'a Expr) -> Option<Option<Value>> {
        match e {
            Expr::Var(v) => self.vars.get(v.name.as_str()).map(|&x| Some(x)),
            Expr::Str(s, _) => Some(self.interner.get(s).map(Value::Str)),
            Expr::Int(i, _) => Some(Some(Value::Int(*i))),
            Expr::Wildcard(_) | Expr::Bin(..) => None,
        }
    }

    /// Unifies an argument with a value; false on a mismatch.
    fn unify(&mut self, e: &'a Expr, v: Value) -> bool {
        match e {
            Expr::Wildcard(_) => true,
            Expr::Var(x) => match self.vars.get(x.name.as_str()) {
                Some(&w) => w == v,
                None => {
                    self.vars.insert(&x.name, v);
                    true
                }
            },
            other => self.value(other) == Some(Some(v)),
        }
    }
}

fn expr(a: &Arg) -> &Expr {
    match a {
        Arg::Expr(e) => e,
        Arg::Agg(_) => unreachable!("exact relations have no aggregates"),
    }
}

/// Every instantiation of the rules deriving `a`'s relation that would
/// produce a tuple matching `a`, over the tuples of `g`; `None` if there are
/// too many. Only for relations [`dedalus::analysis::exact_whynot`] marks.
pub(crate) fn instances(
    program: &Program,
    interner: &Interner,
    g: &Lineage,
    nodes: &[Value],
    a: &AbsentAtom,
) -> Option<Vec<Instance>> {
    let mut out = Vec::new();
    for (rule, resolved) in program
        .rules()
        .iter()
        .zip(program.resolved_rules())
        .filter(|(_, r)| r.head == a.rel)
    {
        let body_time = match rule.time {
            HeadTime::Now => a.time,
            HeadTime::Next if a.time >= 2 => a.time - 1,
            _ => continue,
        };
        let mut scope = Scope {
            interner,
            vars: HashMap::new(),
        };
        let fits = rule
            .head
            .args
            .iter()
            .zip(a.pattern.iter())
            .all(|(arg, p)| p.is_none_or(|v| scope.unify(expr(arg), v)));
        if fits {
            let cx = Join {
                resolved,
                g,
                nodes,
                rule,
                t: body_time,
            };
            cx.join(0, &mut scope, &mut Vec::new(), &mut out)?;
        }
    }
    Some(out)
}

/// One rule being instantiated at body time `t`.
struct Join<'a> {
    resolved: &'a ResolvedRule,
    g: &'a Lineage,
    nodes: &'a [Value],
    rule: &'a Rule,
    t: Time,
}

impl<'a> Join<'a> {
    /// The relation of the atom that is body literal `i`.
    fn rel(&self, i: usize) -> Option<RelId> {
        self.resolved
            .atoms
            .iter()
            .find(|a| a.literal == i)
            .map(|a| a.rel)
    }

    /// Binds positive body atoms from literal `i` on to known tuples.
    fn join(
        &self,
        i: usize,
        scope: &mut Scope<'a>,
        premises: &mut Vec<KeyId>,
        out: &mut Vec<Instance>,
    ) -> Option<()> {
        let Some(lit) = self.rule.body.get(i) else {
            return self.finish(scope, premises, out);
        };
        match lit {
            Literal::Atom(b) if !b.negated => {
                let time = b.time.map_or(self.t, |n| n as Time);
                if time < 1 || time > self.t {
                    return Some(());
                }
                let rel = self.rel(i)?;
                for &k in self.g.keys_of(rel, time) {
                    let saved = scope.vars.clone();
                    let vals = self.g.tuple(k).2;
                    if b.atom
                        .args
                        .iter()
                        .zip(vals.iter())
                        .all(|(arg, &v)| scope.unify(expr(arg), v))
                    {
                        premises.push(k);
                        self.join(i + 1, scope, premises, out)?;
                        premises.pop();
                    }
                    scope.vars = saved;
                }
                Some(())
            }
            _ => self.join(i + 1, scope, premises, out),
        }
    }

    /// Checks comparisons and the location, then records the instance with
    /// its negated atoms; `None` once there are too many.
    fn finish(&self, scope: &Scope<'a>, premises: &[KeyId], out: &mut Vec<Instance>) -> Option<()> {
        for lit in &self.rule.body {
            if let Literal::Cmp(c) = lit {
                let (Some(Some(l)), Some(Some(r))) = (scope.value(&c.left), scope.value(&c.right))
                else {
                    return Some(());
                };
                if (l == r) != (c.op == CmpOp::Eq) {
                    return Some(());
                }
            }
        }
        let loc = rule_location(self.rule).map(|e| scope.value(e));
        if !matches!(loc, Some(Some(Some(v))) if self.nodes.contains(&v)) {
            return Some(());
        }
        let mut absent = Vec::new();
        for (i, lit) in self.rule.body.iter().enumerate() {
            if let Literal::Atom(b) = lit
                && b.negated
            {
                let time = b.time.map_or(self.t, |n| n as Time);
                let Some(rel) = self.rel(i) else {
                    continue;
                };
                // Outside 1..=t it reads as empty; a constant no tuple holds: absent.
                let pattern: Option<Vec<Option<Value>>> = b
                    .atom
                    .args
                    .iter()
                    .map(|arg| match expr(arg) {
                        Expr::Wildcard(_) => Some(None),
                        e => scope.value(e).flatten().map(Some),
                    })
                    .collect();
                if let Some(pattern) = pattern
                    && time >= 1
                    && time <= self.t
                {
                    absent.push(AbsentAtom {
                        rel,
                        time,
                        pattern: pattern.into(),
                    });
                }
            }
        }
        if out.len() >= MAX_INSTANCES {
            return None;
        }
        out.push(Instance {
            premises: premises.to_vec(),
            absent,
        });
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{SEND, target};
    use super::*;
    use crate::faults::FaultSet;

    #[test]
    fn the_instances_of_an_absent_atom_are_its_rules_over_known_tuples() {
        let t = target(SEND, 3, 2, 0);
        let program = t.evaluator().program();
        let interner = t.evaluator().interner();
        let mut g = Lineage::for_evaluator(t.evaluator());
        g.learn(&t.run(&FaultSet::none()).unwrap());
        let (b, a) = (
            Value::Str(interner.get("b").unwrap()),
            Value::Str(interner.get("a").unwrap()),
        );
        let nodes = [a, b];
        let rel = |n: &str| program.relation(n).unwrap();
        let gap = |node: Value, time| AbsentAtom {
            rel: rel("gap"),
            time,
            pattern: vec![Some(node), Some(Value::Int(1))].into(),
        };
        // gap("b", 1)@3 would hold if want("b", 1)@3 held without log("b", 1)@3.
        let found = instances(program, interner, &g, &nodes, &gap(b, 3)).unwrap();
        assert_eq!(found.len(), 1);
        let want = g.key(rel("want"), 3, &[b, Value::Int(1)]).unwrap();
        assert_eq!(found[0].premises, [want]);
        assert_eq!(
            found[0].absent,
            [AbsentAtom {
                rel: rel("log"),
                time: 3,
                pattern: vec![Some(b), Some(Value::Int(1))].into(),
            }]
        );
        // No known `want` at a: no way for gap("a", 1) to appear.
        assert!(
            instances(program, interner, &g, &nodes, &gap(a, 3))
                .unwrap()
                .is_empty()
        );
        // A rule located at a value that is not a node never fires.
        assert!(
            instances(program, interner, &g, &[a], &gap(b, 3))
                .unwrap()
                .is_empty()
        );
        // A wildcard pattern matches every known binding.
        let any = AbsentAtom {
            rel: rel("gap"),
            time: 2,
            pattern: vec![None, None].into(),
        };
        assert_eq!(
            instances(program, interner, &g, &nodes, &any)
                .unwrap()
                .len(),
            1
        );
    }
}
