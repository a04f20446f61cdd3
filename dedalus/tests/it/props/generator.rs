//! Generators: random stratified programs, fact sets and fault schedules.
//!
//! Strategies draw raw bytes; [`build_program`] turns them deterministically
//! into source text that is safe and stratified by construction: every
//! relation has a *level*, a deductive rule reads positively only relations of
//! its head's level or lower and negates only strictly lower ones (or
//! `crash`); `@next`/`@async` rules read anything. Every program also has
//! `node(N, M)` (all pairs of distinct nodes, for broadcasts) and `num(N, I)`
//! (integers 0..=2 per node: the only binder of `I`, the one variable that
//! arithmetic and order comparisons use), both persisted.

use std::fmt;

#[path = "schedule.rs"]
pub mod schedule;

use proptest::collection::vec;
use proptest::prelude::*;
use schedule::{Crash, Delay, FaultSchedule, Omission};

/// The run's nodes.
pub const NODES: [&str; 3] = ["a", "b", "c"];
/// Variables for first columns (mostly the location `N`) and for others.
const VARS0: [&str; 7] = ["N", "N", "N", "N", "M", "M", "X"];
const VARS1: [&str; 5] = ["X", "Y", "M", "X", "N"];
const VARS: [&str; 4] = ["N", "M", "X", "Y"];
/// Constants for first columns: mostly nodes, sometimes not (`"z"`).
const NODE_CONSTS: [&str; 7] = [
    "\"a\"", "\"b\"", "\"c\"", "\"a\"", "\"b\"", "\"c\"", "\"z\"",
];
/// Node constants in rule bodies (a non-node there would only block the rule).
const NODES_IN_RULES: [&str; 3] = ["\"a\"", "\"b\"", "\"c\""];
/// Constants for other columns: strings and integers.
const VALS: [&str; 4] = ["\"a\"", "\"b\"", "\"x\"", "1"];

/// One generated run: program text, bounds and fault schedule.
#[derive(Clone)]
pub struct Case {
    pub src: String,
    pub eot: u32,
    pub eff: u32,
    pub max_delay: u32,
    pub faults: FaultSchedule,
    raw_faults: Vec<RawFault>,
    raw_crashes: Vec<Option<u8>>,
    /// Aim the faults at the messages of the failure-free run ([`Case::target`]).
    pub targeted: bool,
}

/// `(from, to, time, kind)` bytes of an omission or delay.
type RawFault = (u8, u8, u8, u8);

impl Case {
    /// Rebuilds the schedule from the same bytes so that its omissions,
    /// delays and crashes hit messages `(from, to, sent)` of `sent`.
    pub fn target(&mut self, sent: &[(String, String, u32)]) {
        let sent: Vec<(String, String, u32)> = sent
            .iter()
            .filter(|(from, to, _)| from != to)
            .cloned()
            .collect();
        self.faults = build_faults(self, &sent);
    }
}

impl fmt::Debug for Case {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "\n{}", self.src)?;
        write!(
            f,
            "eot={} eff={} max_delay={} faults={:?}",
            self.eot, self.eff, self.max_delay, self.faults
        )
    }
}

/// `(relation choice, argument bytes, @N choice)`.
type RawAtom = (u8, [u8; 3], u8);

/// The bytes one rule is built from ([`build_rule`]).
#[derive(Clone, Debug)]
pub struct RawRule {
    head: u8,
    kind: u8,
    pos: Vec<RawAtom>,
    neg: Vec<RawAtom>,
    cmps: Vec<(u8, u8, bool)>,
    head_args: [u8; 3],
    neg_first: bool,
    arith: [u8; 3],
}

/// `(arity, level, has a persistence rule)` per relation.
pub type RawRel = (usize, u8, bool);
/// `(relation choice, argument bytes, time)`.
pub type RawFact = (u8, [u8; 3], u32);

fn raw_rule() -> impl Strategy<Value = RawRule> {
    (
        any::<u8>(),
        0..5u8,
        prop_oneof![2 => vec(any::<RawAtom>(), 1..=2), 1 => vec(any::<RawAtom>(), 3)],
        vec(any::<RawAtom>(), 0..=2),
        vec(any::<(u8, u8, bool)>(), 0..=1),
        any::<[u8; 3]>(),
        any::<bool>(),
        any::<[u8; 3]>(),
    )
        .prop_map(
            |(head, kind, pos, neg, cmps, head_args, neg_first, arith)| RawRule {
                head,
                kind,
                pos,
                neg,
                cmps,
                head_args,
                neg_first,
                arith,
            },
        )
}

/// A random program with facts, bounds and an admissible fault schedule.
pub fn case() -> impl Strategy<Value = Case> {
    (
        vec((1..=3usize, 0..=2u8, proptest::bool::weighted(0.7)), 2..=5),
        vec(raw_rule(), 1..=7),
        vec((any::<u8>(), any::<[u8; 3]>(), 0..=9u32), 6..=30),
        2..=5u32,
        any::<u8>(),
        0..=2u32,
        vec(any::<RawFault>(), 0..=6),
        vec(proptest::option::weighted(0.3, any::<u8>()), NODES.len()),
        any::<bool>(),
    )
        .prop_map(
            |(rels, rules, facts, eot, eff, max_delay, raw_faults, raw_crashes, targeted)| {
                let mut case = Case {
                    src: build_program(&rels, &rules, &facts),
                    eot,
                    eff: 1 + u32::from(eff) % eot,
                    max_delay,
                    faults: FaultSchedule::none(),
                    raw_faults,
                    raw_crashes,
                    targeted,
                };
                case.faults = build_faults(&case, &[]);
                case
            },
        )
}

/// An admissible schedule: omissions and delays between different nodes
/// before EFF, at most one per message, at most one crash per node; aimed at
/// `targets` (admissible `(from, to, sent)` triples) unless it is empty.
fn build_faults(case: &Case, targets: &[(String, String, u32)]) -> FaultSchedule {
    let (eot, eff, max_delay) = (case.eot, case.eff, case.max_delay);
    let mut s = FaultSchedule::none();
    let mut used = Vec::new();
    let hits: Vec<&(String, String, u32)> = targets.iter().filter(|m| m.2 < eff).collect();
    for &(from, to, t, kind) in &case.raw_faults {
        let (from, to, time) = if hits.is_empty() {
            let (from, to) = (NODES[from as usize % 3], NODES[to as usize % 3]);
            if from == to || eff <= 1 {
                continue;
            }
            (from, to, 1 + u32::from(t) % (eff - 1))
        } else {
            let (f, to, sent) = hits[(usize::from(from) << 8 | usize::from(to)) % hits.len()];
            (f.as_str(), to.as_str(), *sent)
        };
        if used.contains(&(from, to, time)) {
            continue;
        }
        used.push((from, to, time));
        let (from, to) = (from.to_string(), to.to_string());
        if max_delay > 0 && kind % 2 == 1 {
            let by = 1 + u32::from(kind / 2) % max_delay;
            s.delays.push(Delay { from, to, time, by });
        } else {
            s.omissions.push(Omission { from, to, time });
        }
    }
    for (node, c) in NODES.iter().zip(&case.raw_crashes) {
        if let Some(c) = c {
            let sends: Vec<u32> = targets
                .iter()
                .filter(|m| m.0 == *node)
                .map(|m| m.2)
                .collect();
            let time = match sends.is_empty() {
                true => 1 + u32::from(*c) % eot,
                false => pick(&sends, *c),
            };
            s.crashes.push(Crash {
                node: node.to_string(),
                time,
            });
        }
    }
    s
}

/// Which relation an atom reads: its name and arity.
#[derive(Clone, Copy)]
struct RelChoice {
    index: Option<usize>,
    arity: usize,
}

impl RelChoice {
    const CRASH: RelChoice = RelChoice {
        index: None,
        arity: 3,
    };

    fn name(self) -> String {
        self.index.map_or("crash".into(), |i| format!("p{i}"))
    }
}

fn pick<T: Copy>(xs: &[T], b: u8) -> T {
    xs[b as usize % xs.len()]
}

/// A positive atom's argument; `loc`: the location argument of the rule.
fn pos_term(b: u8, col: usize, loc: bool) -> &'static str {
    let hi = b / 10;
    match (col, b % 10) {
        (0, 0..=7) => pick(&VARS0, hi),
        (0, 8) => pick(&NODES_IN_RULES, hi),
        (_, 0..=6) => pick(&VARS1, hi),
        (_, 7 | 8) => pick(&VALS, hi),
        _ if loc && !hi.is_multiple_of(4) => pick(&VARS0, hi),
        _ => "_",
    }
}

/// A term over bound variables (or a constant if none or by chance).
fn bound_term<'a>(b: u8, bound: &[&'a str], col: usize, wild: bool) -> &'a str {
    let hi = b / 10;
    match b % 10 {
        0..=6 if !bound.is_empty() => pick(bound, hi),
        9 if wild => "_",
        _ if col == 0 => pick(&NODES_IN_RULES, hi),
        _ => pick(&VALS, hi),
    }
}

fn at(b: u8) -> &'static str {
    match b % 12 {
        0 => "@1",
        1 => "@2",
        _ => "",
    }
}

fn atom(rel: RelChoice, args: &[&str]) -> String {
    format!("{}({})", rel.name(), args.join(", "))
}

/// One safe rule whose deductive dependencies respect the levels.
fn build_rule(rels: &[RawRel], raw: &RawRule) -> String {
    let choice = |i: usize| RelChoice {
        index: Some(i),
        arity: rels[i].0,
    };
    let h = raw.head as usize % rels.len();
    let (level, deductive) = (rels[h].1, raw.kind < 2);
    let kind = match raw.kind {
        0 | 1 => "",
        2 => "@next",
        _ => "@async",
    };
    let readable: Vec<RelChoice> = (0..rels.len())
        .filter(|&i| !deductive || rels[i].1 <= level)
        .map(choice)
        .collect();
    let negatable: Vec<RelChoice> = (0..rels.len())
        .filter(|&i| !deductive || rels[i].1 < level)
        .map(choice)
        .collect();

    let mut pos = Vec::new();
    let mut bound: Vec<&str> = Vec::new();
    for (i, &(r, args, t)) in raw.pos.iter().enumerate() {
        let rel = if r >= 240 {
            RelChoice::CRASH
        } else {
            pick(&readable, r)
        };
        let mut terms: Vec<&str> = Vec::new();
        for (c, &b) in args.iter().enumerate().take(rel.arity) {
            let mut term = pos_term(b, c, i == 0 && c == 0);
            // A variable repeated within an atom is an equality: keep it rare.
            if terms.contains(&term) && !b.is_multiple_of(4) {
                term = VARS1.iter().find(|v| !terms.contains(v)).unwrap();
            }
            terms.push(term);
        }
        let args = terms;
        for a in &args {
            if VARS.contains(a) && !bound.contains(a) {
                bound.push(a);
            }
        }
        pos.push(format!("{}{}", atom(rel, &args), at(t)));
    }
    if raw.kind >= 3 && !raw.head_args[2].is_multiple_of(4) {
        // A broadcast-like message: to every other node.
        pos.push("node(N, M)".to_string());
        for v in ["N", "M"] {
            if !bound.contains(&v) {
                bound.push(v);
            }
        }
    }

    let arith = arithmetic(raw, &readable, &negatable, &mut pos, &mut bound);
    let mut negs: Vec<(String, bool)> = arith.negs.into_iter().map(|n| (n, false)).collect();
    for &(r, args, t) in &raw.neg {
        let rel = if r >= 200 || negatable.is_empty() {
            RelChoice::CRASH
        } else {
            pick(&negatable, r)
        };
        let args: Vec<&str> = (0..rel.arity)
            .map(|c| bound_term(args[c], &bound, c, true))
            .collect();
        let first_ok = args[0] != "_";
        negs.push((format!("notin {}{}", atom(rel, &args), at(t)), first_ok));
    }
    let cmps = raw
        .cmps
        .iter()
        .filter(|_| !bound.is_empty())
        .map(|&(raw_l, r, eq)| {
            // A bound variable against another one or a constant.
            let l = pick(&bound, raw_l);
            let others: Vec<&str> = bound.iter().copied().filter(|&v| v != l).collect();
            let r = bound_term(r, &others, 1, false);
            format!(
                "{l} {} {r}",
                if eq && raw_l.is_multiple_of(2) {
                    "=="
                } else {
                    "!="
                }
            )
        })
        .chain(arith.cmps);

    let mut body: Vec<String> = Vec::new();
    if raw.neg_first && negs.first().is_some_and(|n| n.1) {
        body.push(negs.remove(0).0);
    }
    body.extend(pos);
    body.extend(cmps);
    body.extend(negs.into_iter().map(|n| n.0));

    // The head's first column: mostly the location `N` (the destination `M`
    // for `@async`); others mostly bound variables.
    let first = if raw.kind >= 3 { "M" } else { "N" };
    let mut head: Vec<&str> = (0..rels[h].0)
        .map(|c| match raw.head_args[c] {
            b if c == 0 && !b.is_multiple_of(3) && bound.contains(&first) => first,
            b if !bound.is_empty() && !b.is_multiple_of(4 + u8::from(c == 0)) => {
                pick(&bound, b / 5)
            }
            b if c == 0 => pick(&NODE_CONSTS, b / 5),
            b => pick(&VALS, b / 5),
        })
        .collect();
    if let (Some(e), 2..) = (arith.head, head.len()) {
        let c = 1 + raw.head_args[1] as usize % (head.len() - 1);
        head[c] = e;
    }
    format!("{}{kind} :- {};", atom(choice(h), &head), body.join(", "))
}

/// What [`arithmetic`] adds to a rule besides positive atoms.
#[derive(Default)]
struct Arith {
    cmps: Vec<String>,
    negs: Vec<String>,
    head: Option<&'static str>,
}

/// Maybe binds the integer variable `I` by `num(N, I)` (nothing else binds
/// `I`, so arithmetic on it never fails) and uses it: in comparisons, in an
/// argument of a positive atom (perhaps before `num`), of a negated atom,
/// of the head.
fn arithmetic(
    raw: &RawRule,
    readable: &[RelChoice],
    negatable: &[RelChoice],
    pos: &mut Vec<String>,
    bound: &mut Vec<&str>,
) -> Arith {
    let mut out = Arith::default();
    if raw.arith[0] % 2 == 1 {
        return out;
    }
    pos.push("num(N, I)".into());
    for v in ["N", "I"] {
        if !bound.contains(&v) {
            bound.push(v);
        }
    }
    let wide = |rels: &[RelChoice]| {
        rels.iter()
            .copied()
            .filter(|r| r.arity > 1)
            .collect::<Vec<_>>()
    };
    let (readable, negatable) = (wide(readable), wide(negatable));
    let with = |rel: RelChoice, e: &str| {
        let mut args = vec!["N", e, "_"];
        args.truncate(rel.arity);
        atom(rel, &args)
    };
    for &u in &raw.arith[1..] {
        let e = pick(&["I + 1", "I * 2 - 1", "(I + 2) / 2", "I % 2"], u / 8);
        match u % 8 {
            0 => {
                let op = pick(&["<", "<=", ">", ">="], u / 8);
                out.cmps.push(format!("I {op} {}", u / 32 % 3));
            }
            1 => out.cmps.push(format!("{e} != {}", pick(bound, u / 3))),
            2 | 3 => out.head = Some(e),
            4 | 5 if !readable.is_empty() => {
                let at = (u / 16) as usize % pos.len();
                pos.insert(at, with(pick(&readable, u / 3), e));
            }
            6 if !negatable.is_empty() => out
                .negs
                .push(format!("notin {}", with(pick(&negatable, u / 3), e))),
            _ => {}
        }
    }
    out
}

/// The program text: persistence rules, generated rules, facts.
pub fn build_program(rels: &[RawRel], rules: &[RawRule], facts: &[RawFact]) -> String {
    let mut out = String::from("node(N, M)@next :- node(N, M);\nnum(N, I)@next :- num(N, I);\n");
    for n in NODES {
        out += &format!("num(\"{n}\", 0)@1; num(\"{n}\", 1)@1; num(\"{n}\", 2)@1;\n");
    }
    for n in NODES {
        for m in NODES.iter().filter(|&&m| m != n) {
            out += &format!("node(\"{n}\", \"{m}\")@1;\n");
        }
    }
    for (i, &(arity, _, persist)) in rels.iter().enumerate() {
        if persist {
            let args = VARS[..arity].join(", ");
            out += &format!("p{i}({args})@next :- p{i}({args});\n");
        }
    }
    for r in rules {
        out += &build_rule(rels, r);
        out.push('\n');
    }
    for &(r, args, t) in facts {
        let r = r as usize % rels.len();
        let vals: Vec<&str> = (0..rels[r].0)
            .map(|c| match c {
                0 => pick(&NODE_CONSTS, args[0]),
                _ => pick(&VALS, args[c]),
            })
            .collect();
        let t = if t < 6 { 1 } else { t - 4 };
        out += &format!("p{r}({})@{t};\n", vals.join(", "));
    }
    out
}
