//! Compiles checked rules into join plans.
//!
//! A rule becomes a list of [`Step`]s: scans of positive atoms (by an exact
//! lookup, a hash index on the bound columns, or a full scan), and filters
//! (comparisons, `notin` lookups, the location check) placed as soon as their
//! variables are bound. Deductive rules in a recursive stratum also get one
//! semi-naive variant per same-stratum body atom, that atom scanned first.

use rustc_hash::FxHashMap;

use crate::program::{Program, RelId, RuleId};
use crate::syntax::ast::{self, AggFn, BinOp, CmpOp, Expr, HeadTime, Literal};
use crate::value::{Interner, Value};

use super::table::ColMask;

/// A variable slot of a rule's binding.
pub(crate) type Slot = u16;

/// A compiled term.
#[derive(Clone, Debug)]
pub(crate) enum Term {
    Slot(Slot),
    Const(Value),
    Bin(BinOp, Box<Term>, Box<Term>),
}

impl Term {
    fn slots(&self, out: &mut Vec<Slot>) {
        match self {
            Term::Slot(s) => out.push(*s),
            Term::Const(_) => {}
            Term::Bin(_, l, r) => {
                l.slots(out);
                r.slots(out);
            }
        }
    }

    fn ready(&self, bound: &[bool]) -> bool {
        let mut v = Vec::new();
        self.slots(&mut v);
        v.iter().all(|&s| bound[s as usize])
    }
}

/// How a scan or a `notin` finds its rows.
#[derive(Clone, Debug)]
pub(crate) enum Lookup {
    /// Every row.
    All,
    /// All columns known: the hash set.
    Exact(Vec<Term>),
    /// Some columns known: index number `.0` of the relation, key terms in column order.
    Index(usize, Vec<Term>),
}

/// Which rows of a same-stratum relation a scan reads (semi-naive).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    /// Rows known before the previous iteration.
    Old,
    /// Rows added by the previous iteration.
    Delta,
    /// Every row known at the start of this iteration.
    All,
}

#[derive(Clone, Debug)]
pub(crate) struct Scan {
    /// Position among the rule's positive atoms (body order).
    pub atom: usize,
    pub lookup: Lookup,
    /// `(column, slot)` pairs bound from each row.
    pub binds: Vec<(usize, Slot)>,
}

#[derive(Clone, Debug)]
pub(crate) enum Step {
    Scan(Scan),
    Cmp(Term, CmpOp, Term),
    /// Index into [`Rule::negs`].
    Neg(usize),
    /// The location must be a node.
    Loc,
}

#[derive(Clone, Debug)]
pub(crate) struct Plan {
    pub steps: Vec<Step>,
    /// Role of each positive atom.
    pub roles: Vec<Role>,
}

#[derive(Clone, Debug)]
pub(crate) struct PosAtom {
    pub rel: RelId,
    pub at: Option<u32>,
    /// In the rule's stratum (a delta candidate).
    pub recursive: bool,
}

#[derive(Clone, Debug)]
pub(crate) struct Neg {
    pub rel: RelId,
    pub at: Option<u32>,
    pub pattern: Vec<Option<Term>>,
    pub lookup: Lookup,
}

#[derive(Clone, Debug)]
pub(crate) enum HeadArg {
    Term(Term),
    Agg(AggFn, Slot),
}

/// One compiled rule.
#[derive(Clone, Debug)]
pub(crate) struct Rule {
    pub id: RuleId,
    pub head_rel: RelId,
    pub time: HeadTime,
    pub head: Vec<HeadArg>,
    pub aggregate: bool,
    pub slots: usize,
    /// Named variables, in order of first appearance (head, then body).
    pub vars: Vec<String>,
    pub pos: Vec<PosAtom>,
    pub negs: Vec<Neg>,
    pub loc: Term,
    pub full: Plan,
    /// `(positive atom, plan scanning it first as the delta)`.
    pub variants: Vec<(usize, Plan)>,
}

impl Rule {
    /// The full plan (`None`), or the semi-naive variant scanning positive
    /// atom `delta` first.
    pub(crate) fn plan(&self, delta: Option<usize>) -> &Plan {
        match delta {
            None => &self.full,
            Some(a) => {
                &self
                    .variants
                    .iter()
                    .find(|(i, _)| *i == a)
                    .expect("variant exists")
                    .1
            }
        }
    }
}

/// Everything compiled from a program.
pub(crate) struct Compiled {
    pub rules: Vec<Rule>,
    /// Index masks each relation needs (positions are [`Lookup::Index`] numbers).
    pub masks: Vec<Vec<ColMask>>,
}

/// Why a program could not be compiled (only for programs that bypassed checks).
#[derive(Debug)]
pub(crate) struct CompileError(pub String);

struct Ctx<'a> {
    program: &'a Program,
    interner: &'a mut Interner,
    masks: &'a mut Vec<Vec<ColMask>>,
    /// Relations some deductive rule derives: only they grow during a
    /// stratum's fixpoint, so only their atoms need semi-naive variants.
    derived: Vec<bool>,
}

impl Ctx<'_> {
    fn rel(&self, name: &str) -> Result<RelId, CompileError> {
        self.program
            .relation(name)
            .ok_or_else(|| CompileError(format!("unknown relation `{name}`")))
    }

    fn index(&mut self, rel: RelId, mask: ColMask) -> usize {
        let list = &mut self.masks[rel as usize];
        match list.iter().position(|&m| m == mask) {
            Some(i) => i,
            None => {
                list.push(mask);
                list.len() - 1
            }
        }
    }
}

struct Vars<'a> {
    names: FxHashMap<&'a str, Slot>,
    order: Vec<String>,
    slots: usize,
}

impl<'a> Vars<'a> {
    fn named(&mut self, name: &'a str) -> Slot {
        if let Some(&s) = self.names.get(name) {
            return s;
        }
        let s = self.slots as Slot;
        self.slots += 1;
        self.names.insert(name, s);
        self.order.push(name.to_string());
        s
    }

    fn hidden(&mut self) -> Slot {
        self.slots += 1;
        (self.slots - 1) as Slot
    }
}

fn collect_names<'a>(e: &'a Expr, vars: &mut Vars<'a>) {
    e.for_each_var(&mut |i| {
        vars.named(&i.name);
    });
}

fn term(e: &Expr, vars: &mut Vars<'_>, interner: &mut Interner) -> Option<Term> {
    Some(match e {
        Expr::Int(i, _) => Term::Const(Value::Int(*i)),
        Expr::Str(s, _) => Term::Const(Value::Str(interner.intern(s))),
        Expr::Var(i) => Term::Slot(*vars.names.get(i.name.as_str())?),
        Expr::Wildcard(_) => return None,
        Expr::Bin(l, op, r, _) => Term::Bin(
            *op,
            Box::new(term(l, vars, interner)?),
            Box::new(term(r, vars, interner)?),
        ),
    })
}

/// Compiles every rule of `program`.
pub(crate) fn compile(
    program: &Program,
    interner: &mut Interner,
) -> Result<Compiled, CompileError> {
    let mut masks = vec![Vec::new(); program.relations().len()];
    let mut derived = vec![false; program.relations().len()];
    for rule in program.rules().iter().filter(|r| r.time == HeadTime::Now) {
        if let Some(h) = program.relation(&rule.head.name.name) {
            derived[h as usize] = true;
        }
    }
    let mut ctx = Ctx {
        program,
        interner,
        masks: &mut masks,
        derived,
    };
    let mut rules = Vec::with_capacity(program.rules().len());
    for (id, rule) in program.rules().iter().enumerate() {
        rules.push(compile_rule(&mut ctx, id as RuleId, rule)?);
    }
    Ok(Compiled { rules, masks })
}

/// A positive atom's argument, before plan construction.
enum ArgPat {
    Wild,
    Term(Term),
}

fn compile_rule(ctx: &mut Ctx<'_>, id: RuleId, rule: &ast::Rule) -> Result<Rule, CompileError> {
    let head_rel = ctx.rel(&rule.head.name.name)?;
    let stratum = ctx.program.relations()[head_rel as usize].stratum;
    let mut vars = rule_vars(rule);
    let body = compile_body(ctx, rule, stratum, &mut vars)?;
    let (head, aggregate) = compile_head(rule, &mut vars, ctx.interner)?;
    let mut planner = Planner {
        ctx,
        pos: &body.pos,
        args: &body.pos_args,
        cmps: &body.cmps,
        negs: &body.negs,
        loc: &body.loc,
        slots: vars.slots,
    };
    let mut full = planner.plan(0)?;
    full.roles = vec![Role::All; body.pos.len()];
    let variants = if rule.time == HeadTime::Now && !aggregate {
        semi_naive_variants(&mut planner)?
    } else {
        Vec::new()
    };
    let slots = planner.slots;
    Ok(Rule {
        id,
        head_rel,
        time: rule.time,
        head,
        aggregate,
        slots,
        vars: vars.order,
        pos: body.pos,
        negs: body.negs,
        loc: body.loc,
        full,
        variants,
    })
}

/// The named variables of a rule, head first, then body order.
fn rule_vars(rule: &ast::Rule) -> Vars<'_> {
    let mut vars = Vars {
        names: FxHashMap::default(),
        order: Vec::new(),
        slots: 0,
    };
    for arg in &rule.head.args {
        match arg {
            ast::Arg::Expr(e) => collect_names(e, &mut vars),
            ast::Arg::Agg(a) => {
                vars.named(&a.var.name);
            }
        }
    }
    for lit in &rule.body {
        match lit {
            Literal::Atom(b) => {
                for arg in &b.atom.args {
                    if let ast::Arg::Expr(e) = arg {
                        collect_names(e, &mut vars);
                    }
                }
            }
            Literal::Cmp(c) => {
                collect_names(&c.left, &mut vars);
                collect_names(&c.right, &mut vars);
            }
        }
    }
    vars
}

/// A rule's body, compiled literal by literal, before planning.
struct Body {
    pos: Vec<PosAtom>,
    pos_args: Vec<Vec<ArgPat>>,
    negs: Vec<Neg>,
    cmps: Vec<(Term, CmpOp, Term)>,
    /// The location term (docs/dedalus.md §10: the first body literal).
    loc: Term,
}

fn compile_body<'r>(
    ctx: &mut Ctx<'_>,
    rule: &'r ast::Rule,
    stratum: u32,
    vars: &mut Vars<'r>,
) -> Result<Body, CompileError> {
    let mut pos = Vec::new();
    let mut pos_args: Vec<Vec<ArgPat>> = Vec::new();
    let mut negs = Vec::new();
    let mut cmps = Vec::new();
    let mut loc = None;
    for (i, lit) in rule.body.iter().enumerate() {
        match lit {
            Literal::Atom(b) => {
                let rel = ctx.rel(&b.atom.name.name)?;
                let at = b.time.map(|t| t.min(u32::MAX as u64) as u32);
                let mut pats = atom_patterns(&b.atom, vars, ctx.interner)?;
                if b.negated {
                    let neg = compile_neg(ctx, rel, at, pats);
                    if i == 0 {
                        loc = Some(neg.pattern.first().cloned().flatten().ok_or_else(|| {
                            CompileError("the location literal has no bound first argument".into())
                        })?);
                    }
                    negs.push(neg);
                } else {
                    if i == 0 {
                        loc = Some(positive_location(&mut pats, vars)?);
                    }
                    let recursive = rule.time == HeadTime::Now
                        && ctx.derived[rel as usize]
                        && ctx.program.relations()[rel as usize].stratum == stratum;
                    pos.push(PosAtom { rel, at, recursive });
                    pos_args.push(pats);
                }
            }
            Literal::Cmp(c) => {
                let l = term(&c.left, vars, ctx.interner);
                let r = term(&c.right, vars, ctx.interner);
                let (Some(l), Some(r)) = (l, r) else {
                    return Err(CompileError("wildcard in a comparison".into()));
                };
                if i == 0 {
                    return Err(CompileError(
                        "the first body literal must be an atom".into(),
                    ));
                }
                cmps.push((l, c.op, r));
            }
        }
    }
    let loc = loc.ok_or_else(|| CompileError("rule without a body".into()))?;
    if pos.is_empty() {
        return Err(CompileError("rule without a positive body atom".into()));
    }
    Ok(Body {
        pos,
        pos_args,
        negs,
        cmps,
        loc,
    })
}

/// A body atom's arguments: wildcards, or terms over the rule's variables.
fn atom_patterns(
    atom: &ast::Atom,
    vars: &mut Vars<'_>,
    interner: &mut Interner,
) -> Result<Vec<ArgPat>, CompileError> {
    atom.args
        .iter()
        .map(|arg| {
            let ast::Arg::Expr(e) = arg else {
                return Err(CompileError("aggregate in a body".into()));
            };
            Ok(match e {
                Expr::Wildcard(_) => ArgPat::Wild,
                e => ArgPat::Term(
                    term(e, vars, interner)
                        .ok_or_else(|| CompileError("wildcard inside arithmetic".into()))?,
                ),
            })
        })
        .collect()
}

/// A `notin` atom: its pattern and how to look it up.
fn compile_neg(ctx: &mut Ctx<'_>, rel: RelId, at: Option<u32>, pats: Vec<ArgPat>) -> Neg {
    let pattern: Vec<Option<Term>> = pats
        .into_iter()
        .map(|p| match p {
            ArgPat::Wild => None,
            ArgPat::Term(t) => Some(t),
        })
        .collect();
    let mask = pattern
        .iter()
        .enumerate()
        .filter(|(_, p)| p.is_some())
        .fold(0, |m, (c, _)| m | (1 << c));
    let keys: Vec<Term> = pattern.iter().flatten().cloned().collect();
    let lookup = if mask == 0 {
        Lookup::All
    } else if keys.len() == pattern.len() {
        Lookup::Exact(keys)
    } else {
        Lookup::Index(ctx.index(rel, mask), keys)
    };
    Neg {
        rel,
        at,
        pattern,
        lookup,
    }
}

/// The location of a rule whose first literal is a positive atom: its first
/// argument (a wildcard there becomes a hidden variable).
fn positive_location(pats: &mut [ArgPat], vars: &mut Vars<'_>) -> Result<Term, CompileError> {
    match pats.first_mut() {
        Some(ArgPat::Term(t)) => Ok(t.clone()),
        Some(p @ ArgPat::Wild) => {
            let s = vars.hidden();
            *p = ArgPat::Term(Term::Slot(s));
            Ok(Term::Slot(s))
        }
        None => Err(CompileError("the location atom has no arguments".into())),
    }
}

/// The head's arguments, and whether it aggregates.
fn compile_head(
    rule: &ast::Rule,
    vars: &mut Vars<'_>,
    interner: &mut Interner,
) -> Result<(Vec<HeadArg>, bool), CompileError> {
    let mut head = Vec::new();
    let mut aggregate = false;
    for arg in &rule.head.args {
        head.push(match arg {
            ast::Arg::Expr(e) => HeadArg::Term(
                term(e, vars, interner).ok_or_else(|| CompileError("wildcard in a head".into()))?,
            ),
            ast::Arg::Agg(a) => {
                aggregate = true;
                HeadArg::Agg(a.fun, vars.names[a.var.name.as_str()])
            }
        });
    }
    Ok((head, aggregate))
}

/// One semi-naive plan per recursive body atom `i`: that atom reads the
/// delta, recursive atoms before it the old rows, the others every row.
fn semi_naive_variants(planner: &mut Planner<'_, '_>) -> Result<Vec<(usize, Plan)>, CompileError> {
    let pos = planner.pos;
    let mut variants = Vec::new();
    for (i, atom) in pos.iter().enumerate() {
        if atom.recursive {
            let mut plan = planner.plan(i)?;
            plan.roles = pos
                .iter()
                .enumerate()
                .map(|(j, a)| match (a.recursive, j.cmp(&i)) {
                    (false, _) | (true, std::cmp::Ordering::Greater) => Role::All,
                    (true, std::cmp::Ordering::Less) => Role::Old,
                    (true, std::cmp::Ordering::Equal) => Role::Delta,
                })
                .collect();
            variants.push((i, plan));
        }
    }
    Ok(variants)
}

struct Planner<'a, 'c> {
    ctx: &'a mut Ctx<'c>,
    pos: &'a [PosAtom],
    args: &'a [Vec<ArgPat>],
    cmps: &'a [(Term, CmpOp, Term)],
    negs: &'a [Neg],
    loc: &'a Term,
    slots: usize,
}

impl Planner<'_, '_> {
    /// A plan scanning positive atom `first` first, then the others greedily
    /// (most known columns first, written order on ties).
    fn plan(&mut self, first: usize) -> Result<Plan, CompileError> {
        let mut bound = vec![false; self.slots + self.args.iter().map(Vec::len).sum::<usize>()];
        let mut steps = Vec::new();
        let mut filters: Vec<Step> = Vec::new();
        filters.push(Step::Loc);
        filters.extend(
            self.cmps
                .iter()
                .map(|(l, op, r)| Step::Cmp(l.clone(), *op, r.clone())),
        );
        filters.extend((0..self.negs.len()).map(Step::Neg));
        let mut left: Vec<usize> = (0..self.pos.len()).filter(|&i| i != first).collect();
        let mut next = Some(first);
        while let Some(atom) = next {
            let scan = self.scan(atom, &mut bound, &mut filters);
            steps.push(Step::Scan(scan));
            let mut i = 0;
            while i < filters.len() {
                if self.filter_ready(&filters[i], &bound) {
                    steps.push(filters.remove(i));
                } else {
                    i += 1;
                }
            }
            next = left
                .iter()
                .copied()
                .max_by_key(|&a| (self.known(a, &bound), std::cmp::Reverse(a)));
            left.retain(|&a| Some(a) != next);
        }
        if !filters.is_empty() {
            return Err(CompileError(
                "a variable is never bound by a positive atom".into(),
            ));
        }
        Ok(Plan {
            steps,
            roles: Vec::new(),
        })
    }

    fn known(&self, atom: usize, bound: &[bool]) -> usize {
        self.args[atom]
            .iter()
            .filter(|a| matches!(a, ArgPat::Term(t) if t.ready(bound)))
            .count()
    }

    fn filter_ready(&self, f: &Step, bound: &[bool]) -> bool {
        match f {
            Step::Loc => self.loc.ready(bound),
            Step::Cmp(l, _, r) => l.ready(bound) && r.ready(bound),
            Step::Neg(n) => self.negs[*n]
                .pattern
                .iter()
                .flatten()
                .all(|t| t.ready(bound)),
            Step::Scan(_) => false,
        }
    }

    fn scan(&mut self, atom: usize, bound: &mut Vec<bool>, filters: &mut Vec<Step>) -> Scan {
        let args = &self.args[atom];
        let mut mask: ColMask = 0;
        let mut keys = Vec::new();
        let mut binds = Vec::new();
        let mut newly = Vec::new();
        for (col, arg) in args.iter().enumerate() {
            match arg {
                ArgPat::Wild => {}
                ArgPat::Term(t) if t.ready(bound) => {
                    mask |= 1 << col;
                    keys.push(t.clone());
                }
                ArgPat::Term(Term::Slot(s)) if !newly.contains(s) => {
                    binds.push((col, *s));
                    newly.push(*s);
                }
                ArgPat::Term(t) => {
                    // Repeated variable or arithmetic not yet computable:
                    // capture the column and compare once everything is bound.
                    let hidden = self.slots as Slot;
                    self.slots += 1;
                    if bound.len() <= self.slots {
                        bound.resize(self.slots + 1, false);
                    }
                    binds.push((col, hidden));
                    newly.push(hidden);
                    filters.push(Step::Cmp(Term::Slot(hidden), CmpOp::Eq, t.clone()));
                }
            }
        }
        for s in newly {
            bound[s as usize] = true;
        }
        let rel = self.pos[atom].rel;
        let lookup = if mask == 0 {
            Lookup::All
        } else if keys.len() == args.len() {
            Lookup::Exact(keys)
        } else {
            Lookup::Index(self.ctx.index(rel, mask), keys)
        };
        Scan {
            atom,
            lookup,
            binds,
        }
    }
}
