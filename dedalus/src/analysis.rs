//! Static facts about a checked program, independent of any run: which
//! relations depend on which, which `notin` can block a relation, where
//! one-rule-deep why-not provenance is exact, which rules may fail at
//! runtime. The fault searches read these; they never walk the syntax tree.

use std::collections::BTreeSet;

use crate::program::{CRASH, Program, RelId};
use crate::syntax::ast::{Arg, BinOp, CmpOp, Expr, HeadTime, Literal};

/// Which relations each relation is reachable from, through any rule
/// (positive or negated premise, any head time).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reachability {
    /// `reach[p][q]`: `p` is reachable from `q` (every relation from itself).
    reach: Vec<Vec<bool>>,
}

impl Reachability {
    /// The reachability of `program`'s relations.
    pub fn of(program: &Program) -> Reachability {
        let n = program.relations().len();
        let mut reach = vec![vec![false; n]; n];
        for (i, row) in reach.iter_mut().enumerate() {
            row[i] = true;
        }
        for rule in program.resolved_rules() {
            for atom in &rule.atoms {
                reach[rule.head as usize][atom.rel as usize] = true;
            }
        }
        // Transitive closure (relations are few).
        for k in 0..n {
            let via = reach[k].clone();
            for row in reach.iter_mut() {
                if row[k] {
                    for (j, &r) in via.iter().enumerate() {
                        row[j] |= r;
                    }
                }
            }
        }
        Reachability { reach }
    }

    /// Whether `to` is reachable from `from`: some chain of rules derives
    /// `to` from `from` (true for `to == from`; false for unknown ids).
    pub fn reaches(&self, from: RelId, to: RelId) -> bool {
        self.reach
            .get(to as usize)
            .and_then(|row| row.get(from as usize))
            .copied()
            .unwrap_or(false)
    }
}

/// Relations checked with `notin` by rules from whose heads `target` is
/// reachable (the runtime `crash` relation excluded: faults only add to
/// it), sorted: making one of their tuples disappear may make `target` appear.
pub fn blockers(program: &Program, reach: &Reachability, target: RelId) -> Vec<RelId> {
    let crash = program.relation(CRASH);
    let mut out = BTreeSet::new();
    for rule in program.resolved_rules() {
        if !reach.reaches(rule.head, target) {
            continue;
        }
        for atom in &rule.atoms {
            if atom.negated && Some(atom.rel) != crash {
                out.insert(atom.rel);
            }
        }
    }
    out.into_iter().collect()
}

/// Whether some rule divides (`/` or `%`) by a non-constant: such a rule
/// may stop a run with a runtime error under a binding no run has shown.
pub fn divides_by_variables(program: &Program) -> bool {
    fn constant(e: &Expr) -> bool {
        match e {
            Expr::Int(..) | Expr::Str(..) => true,
            Expr::Var(_) | Expr::Wildcard(_) => false,
            Expr::Bin(l, _, r, _) => constant(l) && constant(r),
        }
    }
    fn divides(e: &Expr) -> bool {
        match e {
            Expr::Bin(l, op, r, _) => {
                (matches!(op, BinOp::Div | BinOp::Rem) && !constant(r)) || divides(l) || divides(r)
            }
            _ => false,
        }
    }
    let args = |args: &[Arg]| args.iter().any(|a| matches!(a, Arg::Expr(e) if divides(e)));
    program.rules().iter().any(|rule| {
        args(&rule.head.args)
            || rule.body.iter().any(|lit| match lit {
                Literal::Atom(a) => args(&a.atom.args),
                Literal::Cmp(c) => divides(&c.left) || divides(&c.right),
            })
    })
}

/// Per relation: whether one-rule-deep why-not provenance is exact for it,
/// in runs without delays (`delays` false; with delays, for none).
///
/// It is for a relation whose rules are deductive or `@next`, have plain
/// head arguments (variables and constants), compare only with `==`/`!=`,
/// and read positively only *monotone* relations: relations that no
/// `notin`, aggregate or crash-oracle read feeds. Faults only remove tuples
/// of those, so the failure-free run already shows every tuple they can
/// ever have, and a tuple of the relation appears under a fault set iff one
/// instantiation of one of its rules over shown tuples fires.
pub fn exact_whynot(program: &Program, reach: &Reachability, delays: bool) -> Vec<bool> {
    let n = program.relations().len();
    if delays {
        return vec![false; n];
    }
    let crash = program.relation(CRASH);
    // Relations derived by a rule that negates, aggregates or reads the crash oracle.
    let mut impure = vec![false; n];
    for rule in program.resolved_rules() {
        let negates = rule.atoms.iter().any(|a| a.negated);
        let reads_crash = rule.atoms.iter().any(|a| Some(a.rel) == crash);
        impure[rule.head as usize] |= rule.aggregates || negates || reads_crash;
    }
    let monotone: Vec<bool> = (0..n as RelId)
        .map(|q| {
            !(0..n as RelId).any(|r| reach.reaches(r, q) && impure[r as usize]) && Some(q) != crash
        })
        .collect();
    let mut exact = vec![true; n];
    for (rule, resolved) in program.rules().iter().zip(program.resolved_rules()) {
        let plain_head = rule
            .head
            .args
            .iter()
            .all(|a| matches!(a, Arg::Expr(Expr::Var(_) | Expr::Str(..) | Expr::Int(..))));
        let simple_body = rule.body.iter().all(|l| match l {
            Literal::Atom(_) => true,
            Literal::Cmp(c) => matches!(c.op, CmpOp::Eq | CmpOp::Ne),
        });
        let monotone_premises = resolved
            .atoms
            .iter()
            .all(|a| a.negated || monotone[a.rel as usize]);
        if rule.time == HeadTime::Async || !plain_head || !simple_body || !monotone_premises {
            exact[resolved.head as usize] = false;
        }
    }
    exact
}

/// Per relation: whether some rule reads it as its location literal (its
/// first body literal), so that a fact of it placed at a name that is not a
/// node takes part in no run.
pub fn located_relations(program: &Program) -> Vec<bool> {
    let mut located = vec![false; program.relations().len()];
    for rule in program.resolved_rules() {
        if let Some(first) = rule.atoms.first()
            && first.literal == 0
        {
            located[first.rel as usize] = true;
        }
    }
    located
}

#[cfg(test)]
mod tests {
    use super::*;

    fn program(text: &str) -> Program {
        crate::load_str("t.ded", text).expect("the test program checks")
    }

    fn rel(p: &Program, name: &str) -> RelId {
        p.relation(name).expect("relation exists")
    }

    const CHAIN: &str = r#"
        b(N, X) :- a(N, X);
        c(N, X)@next :- b(N, X);
        d(N, X)@async :- c(N, X), notin e(N, X);
        e(N, X) :- f(N, X);
        a("n", 1)@1; f("n", 2)@1;
    "#;

    #[test]
    fn reachability_follows_rules_transitively_and_only_forward() {
        let p = program(CHAIN);
        let r = Reachability::of(&p);
        let [a, b, c, d, e, f] = ["a", "b", "c", "d", "e", "f"].map(|n| rel(&p, n));
        assert!(r.reaches(a, d), "a -> b -> c -> d");
        assert!(r.reaches(e, d), "through the negated premise");
        assert!(r.reaches(f, d));
        assert!(r.reaches(c, c), "every relation reaches itself");
        assert!(!r.reaches(d, a), "not backwards");
        assert!(!r.reaches(a, e), "a and e are unrelated");
        assert!(!r.reaches(b, 999), "unknown ids reach nothing");
    }

    #[test]
    fn blockers_are_relations_negated_on_the_way_to_the_target() {
        let p = program(CHAIN);
        let r = Reachability::of(&p);
        assert_eq!(blockers(&p, &r, rel(&p, "d")), vec![rel(&p, "e")]);
        assert!(blockers(&p, &r, rel(&p, "c")).is_empty());
        // Negating `crash` blocks nothing: faults only add to it.
        let q = program(
            r#"ok(N)@next :- node(N), notin crash(N, N, _);
               node("n")@1;"#,
        );
        let r = Reachability::of(&q);
        assert!(blockers(&q, &r, rel(&q, "ok")).is_empty());
    }

    #[test]
    fn division_by_a_variable_is_found_anywhere_in_a_rule() {
        let ok = program(r#"p(N, X / 2) :- q(N, X); q("n", 4)@1;"#);
        assert!(!divides_by_variables(&ok));
        let head = program(r#"p(N, 2 % X) :- q(N, X); q("n", 4)@1;"#);
        assert!(divides_by_variables(&head));
        let cmp = program(r#"p(N, X) :- q(N, X), X / X > 0; q("n", 4)@1;"#);
        assert!(divides_by_variables(&cmp));
    }

    #[test]
    fn exact_whynot_needs_monotone_premises_and_no_delays() {
        let p = program(
            r#"
            gap(N, X) :- want(N, X), notin log(N, X);
            log(N, X) :- got(N, X);
            got(M, X)@async :- send(N, M, X);
            late(N, X) :- want(N, X), notin gap(N, X);
            cnt(N, count<X>) :- log(N, X);
            send("a", "b", 1)@1; want("b", 1)@1;
        "#,
        );
        let r = Reachability::of(&p);
        let exact = exact_whynot(&p, &r, false);
        let is = |n: &str| exact[rel(&p, n) as usize];
        assert!(is("gap"), "reads only monotone relations positively");
        assert!(is("log"));
        assert!(!is("got"), "derived by an @async rule");
        assert!(!is("cnt"), "an aggregate head");
        assert!(is("want"), "no rule derives it");
        assert!(
            exact_whynot(&p, &r, true).iter().all(|&e| !e),
            "never exact with delays"
        );
        // A positive premise fed by a negation is not monotone.
        let q = program(
            r#"
            free(N, X) :- want(N, X), notin used(N, X);
            take(N, X) :- free(N, X);
            want("a", 1)@1;
        "#,
        );
        let r = Reachability::of(&q);
        let exact = exact_whynot(&q, &r, false);
        assert!(!exact[rel(&q, "take") as usize]);
        assert!(exact[rel(&q, "free") as usize]);
    }

    #[test]
    fn located_relations_are_first_body_atoms() {
        let p = program(CHAIN);
        let located = located_relations(&p);
        let is = |n: &str| located[rel(&p, n) as usize];
        assert!(is("a") && is("b") && is("c") && is("f"));
        assert!(!is("d") && !is("e"), "never a rule's first literal");
    }

    #[test]
    fn spec_and_resolved_rules() {
        let p = program(CHAIN);
        assert_eq!(p.spec(), Err(crate::program::SpecError::Missing));
        let d = p
            .rules()
            .iter()
            .position(|r| r.head.name.name == "d")
            .unwrap() as u32;
        assert_eq!(p.head(d), Some(rel(&p, "d")));
        let resolved = &p.resolved_rules()[d as usize];
        assert_eq!(resolved.atoms.len(), 2);
        assert_eq!(resolved.atoms[1].rel, rel(&p, "e"));
        assert!(resolved.atoms[1].negated);
        assert_eq!(p.location(d).map(ToString::to_string).as_deref(), Some("N"));
        assert_eq!(p.head(99), None);
        let s = program(r#"pre(X) :- a(N, X); post(X) :- b(N, X); a("n", 1)@1;"#);
        let spec = s.spec().unwrap();
        assert_eq!((spec.pre, spec.post), (rel(&s, "pre"), rel(&s, "post")));
        assert!(s.is_spec_relation(spec.pre) && !s.is_spec_relation(rel(&s, "a")));
        let bad = program(r#"pre(X) :- a(N, X); post(N, X) :- a(N, X); a("n", 1)@1;"#);
        assert_eq!(
            bad.spec(),
            Err(crate::program::SpecError::Arity { pre: 1, post: 2 })
        );
    }
}
