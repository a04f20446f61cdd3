//! The evaluation of one run (docs/dedalus.md §4-§8).
//!
//! Per timestep: seed facts and the crash oracle (messages and `@next`
//! tuples were inserted when they were produced), run each stratum's
//! deductive rules to fixpoint semi-naively, then the `@next` and `@async`
//! rules over the completed tables. Every firing is recorded as it happens.

use std::cmp::Ordering;

use rustc_hash::{FxHashMap, FxHashSet};

use crate::faults::{self, Envelope, Fault, FaultLookup, FaultSet, MessageFault};
use crate::program::RelId;
use crate::provenance::{Conclusion, NodeId, Provenance, Time, TupleId};
use crate::syntax::ast::{AggFn, BinOp, CmpOp, HeadTime};
use crate::value::{Interner, Value};

use super::arith::arith;
use super::compile::{HeadArg, Lookup, Plan, Role, Rule, Step, Term};
use super::table::Table;
use super::{Cancel, EvalError, Limits, Run, Shared};

/// Tuples inserted between two looks at the [`Cancel`] of a run.
const CANCEL_EVERY: u32 = 4096;

pub(super) fn eval(t: &Term, slots: &[Value], interner: &Interner) -> Result<Value, String> {
    match t {
        Term::Slot(s) => Ok(slots[*s as usize]),
        Term::Const(v) => Ok(*v),
        Term::Bin(op, l, r) => arith(
            *op,
            eval(l, slots, interner)?,
            eval(r, slots, interner)?,
            interner,
        ),
    }
}

fn compare(op: CmpOp, l: Value, r: Value, interner: &Interner) -> Result<bool, String> {
    let ord = match (l, r) {
        (Value::Int(a), Value::Int(b)) => a.cmp(&b),
        (Value::Str(a), Value::Str(b)) if a == b => Ordering::Equal,
        (Value::Str(a), Value::Str(b)) => interner.resolve(a).cmp(interner.resolve(b)),
        _ => match op {
            CmpOp::Eq => return Ok(false),
            CmpOp::Ne => return Ok(true),
            _ => {
                return Err(format!(
                    "`{}` between an integer and a string: {} {} {}",
                    op.as_str(),
                    interner.display(l),
                    op.as_str(),
                    interner.display(r)
                ));
            }
        },
    };
    Ok(match op {
        CmpOp::Eq => ord == Ordering::Equal,
        CmpOp::Ne => ord != Ordering::Equal,
        CmpOp::Lt => ord == Ordering::Less,
        CmpOp::Gt => ord == Ordering::Greater,
        CmpOp::Le => ord != Ordering::Greater,
        CmpOp::Ge => ord != Ordering::Less,
    })
}

/// The binding being built by a join.
#[derive(Default)]
pub(super) struct Env {
    pub slots: Vec<Value>,
    pub premises: Vec<TupleId>,
    pub loc: NodeId,
    keys: Vec<Vec<Value>>,
}

impl Env {
    /// Makes room for one binding of `rule` under `plan`.
    pub(super) fn reset(&mut self, rule: &Rule, plan: &Plan) {
        self.slots.clear();
        self.slots.resize(rule.slots, Value::Int(0));
        self.premises.clear();
        self.premises.resize(rule.pos.len(), 0);
        self.keys
            .resize_with(plan.steps.len().max(self.keys.len()), Vec::new);
    }
}

/// What a join reads: the tables, the time, and the row ranges per atom.
pub(super) struct View<'a> {
    pub sh: &'a Shared,
    pub tables: &'a [Vec<Table>],
    pub t: Time,
    /// Row counts of the tables at `t` at the start of this iteration and the one before.
    pub cur: &'a [u32],
    pub prev: &'a [u32],
    /// `None` in a run. In a grounding (module `ground`), which tuple ids
    /// are certain: a `notin` blocks only on a certain tuple.
    pub certain: Option<&'a [bool]>,
}

const EMPTY: &[u32] = &[];

impl View<'_> {
    /// The table an atom reads (`@N` outside `1..=t` reads as empty: `None`).
    fn table(&self, rel: RelId, at: Option<u32>) -> Option<&Table> {
        let time = at.unwrap_or(self.t);
        (time >= 1 && time <= self.t).then(|| &self.tables[time as usize][rel as usize])
    }

    fn range(&self, rule: &Rule, plan: &Plan, atom: usize) -> (u32, u32) {
        let a = &rule.pos[atom];
        match a.at {
            Some(n) if n != self.t => (0, self.table(a.rel, a.at).map_or(0, Table::len)),
            _ => {
                let (p, c) = (self.prev[a.rel as usize], self.cur[a.rel as usize]);
                match plan.roles[atom] {
                    Role::All => (0, c),
                    Role::Old => (0, p),
                    Role::Delta => (p, c),
                }
            }
        }
    }

    fn error(&self, rule: &Rule, env: &Env, message: String) -> EvalError {
        self.sh.runtime_error(rule, &env.slots, message)
    }

    /// Enumerates every binding of `plan` from `step` on, calling `emit` on each.
    pub(super) fn join(
        &self,
        rule: &Rule,
        plan: &Plan,
        step: usize,
        env: &mut Env,
        emit: &mut dyn FnMut(&Env) -> Result<(), EvalError>,
    ) -> Result<(), EvalError> {
        let Some(s) = plan.steps.get(step) else {
            return emit(env);
        };
        let interner = &self.sh.interner;
        match s {
            Step::Scan(scan) => {
                let atom = &rule.pos[scan.atom];
                let Some(table) = self.table(atom.rel, atom.at) else {
                    return Ok(());
                };
                let (lo, hi) = self.range(rule, plan, scan.atom);
                if lo >= hi {
                    return Ok(());
                }
                let rows: &[u32] = match &scan.lookup {
                    Lookup::All => {
                        for row in lo..hi {
                            self.visit(rule, plan, step, scan, table, row, env, emit)?;
                        }
                        return Ok(());
                    }
                    Lookup::Exact(terms) | Lookup::Index(_, terms) => {
                        let mut key = std::mem::take(&mut env.keys[step]);
                        key.clear();
                        for t in terms {
                            match eval(t, &env.slots, interner) {
                                Ok(v) => key.push(v),
                                Err(m) => return Err(self.error(rule, env, m)),
                            }
                        }
                        let rows = match &scan.lookup {
                            Lookup::Exact(_) => match table.find(&key) {
                                Some(r) if r >= lo && r < hi => {
                                    env.keys[step] = key;
                                    return self.visit(rule, plan, step, scan, table, r, env, emit);
                                }
                                _ => EMPTY,
                            },
                            Lookup::Index(i, _) => table.probe(*i, &key),
                            Lookup::All => EMPTY,
                        };
                        env.keys[step] = key;
                        rows
                    }
                };
                let start = rows.partition_point(|&r| r < lo);
                for &row in &rows[start..] {
                    if row >= hi {
                        break;
                    }
                    self.visit(rule, plan, step, scan, table, row, env, emit)?;
                }
                Ok(())
            }
            Step::Cmp(l, op, r) => {
                let ok = eval(l, &env.slots, interner)
                    .and_then(|l| {
                        eval(r, &env.slots, interner).and_then(|r| compare(*op, l, r, interner))
                    })
                    .map_err(|m| self.error(rule, env, m))?;
                if ok {
                    self.join(rule, plan, step + 1, env, emit)
                } else {
                    Ok(())
                }
            }
            Step::Neg(n) => {
                let neg = &rule.negs[*n];
                let present = match self.table(neg.rel, neg.at) {
                    None => false,
                    Some(table) => match &neg.lookup {
                        Lookup::All => match self.certain {
                            None => table.len() > 0,
                            Some(c) => (0..table.len()).any(|r| c[table.id(r) as usize]),
                        },
                        Lookup::Exact(terms) | Lookup::Index(_, terms) => {
                            let mut key = Vec::with_capacity(terms.len());
                            for t in terms {
                                key.push(
                                    eval(t, &env.slots, interner)
                                        .map_err(|m| self.error(rule, env, m))?,
                                );
                            }
                            match (&neg.lookup, self.certain) {
                                (Lookup::Index(i, _), None) => !table.probe(*i, &key).is_empty(),
                                (Lookup::Index(i, _), Some(c)) => table
                                    .probe(*i, &key)
                                    .iter()
                                    .any(|&r| c[table.id(r) as usize]),
                                (_, None) => table.find(&key).is_some(),
                                (_, Some(c)) => {
                                    table.find(&key).is_some_and(|r| c[table.id(r) as usize])
                                }
                            }
                        }
                    },
                };
                if present {
                    Ok(())
                } else {
                    self.join(rule, plan, step + 1, env, emit)
                }
            }
            Step::Loc => {
                let v =
                    eval(&rule.loc, &env.slots, interner).map_err(|m| self.error(rule, env, m))?;
                match self.sh.node_of(v) {
                    Some(n) => {
                        env.loc = n;
                        self.join(rule, plan, step + 1, env, emit)
                    }
                    None => Ok(()),
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn visit(
        &self,
        rule: &Rule,
        plan: &Plan,
        step: usize,
        scan: &super::compile::Scan,
        table: &Table,
        row: u32,
        env: &mut Env,
        emit: &mut dyn FnMut(&Env) -> Result<(), EvalError>,
    ) -> Result<(), EvalError> {
        let vals = table.row(row);
        for &(col, slot) in &scan.binds {
            env.slots[slot as usize] = vals[col];
        }
        env.premises[scan.atom] = table.id(row);
        self.join(rule, plan, step + 1, env, emit)
    }
}

/// Estimated bytes a tuple of `arity` columns holds (row, index entries,
/// tuple reference, provenance origin).
fn tuple_bytes(arity: usize) -> usize {
    arity * std::mem::size_of::<Value>() + 48
}

/// Estimated bytes of one firing record (binding, premises, negated atoms).
fn firing_bytes(vars: usize, premises: usize, absent: usize) -> usize {
    vars * std::mem::size_of::<Value>() + premises * 4 + absent * 32 + 48
}

/// The error of a run that passed its budget while `rule` (if any) was
/// being evaluated.
fn runaway(
    sh: &Shared,
    rule: Option<crate::RuleId>,
    rel: RelId,
    time: Time,
    limit: usize,
    what: &'static str,
) -> EvalError {
    EvalError::Runaway {
        relation: sh.program.relations()[rel as usize].name.clone(),
        time,
        limit,
        what,
        rule: rule.map_or_else(String::new, |r| {
            format!(
                " in rule `{}` ({})",
                sh.program.rules()[r as usize],
                sh.rule_location(r)
            )
        }),
    }
}

/// The rounds of a stratum's semi-naive fixpoint, shared by runs and
/// groundings: which relations grew since the last round, the row counts
/// before and after (`prev`, `cur`), and the variants to fire. A round
/// costs what changed, not the size of the program (a chain of 100,000
/// rules takes 100,000 rounds of one rule each).
pub(super) struct Rounds {
    pub prev: Vec<u32>,
    pub cur: Vec<u32>,
    /// Relations that grew in the previous round.
    last: Vec<RelId>,
    /// Relations that grew since the last round began, and a flag each.
    grown: Vec<RelId>,
    flag: Vec<bool>,
}

impl Rounds {
    /// Starts a stratum with the row counts `lens` at its start.
    pub fn new(lens: Vec<u32>) -> Rounds {
        let n = lens.len();
        Rounds {
            prev: lens.clone(),
            cur: lens,
            last: Vec::new(),
            grown: Vec::new(),
            flag: vec![false; n],
        }
    }

    /// Notes that `rel` got a row.
    pub fn grew(&mut self, rel: RelId) {
        if !self.flag[rel as usize] {
            self.flag[rel as usize] = true;
            self.grown.push(rel);
        }
    }

    /// Begins the next round, `len` giving a relation's row count now: the
    /// variants to fire, in rule then variant order (`None`: the fixpoint
    /// is reached).
    pub fn next(
        &mut self,
        readers: &FxHashMap<RelId, Vec<(u32, u32)>>,
        len: impl Fn(RelId) -> u32,
    ) -> Option<Vec<(u32, u32)>> {
        if self.grown.is_empty() {
            return None;
        }
        for &r in &self.last {
            self.prev[r as usize] = self.cur[r as usize];
        }
        let mut fire = Vec::new();
        for &r in &self.grown {
            self.flag[r as usize] = false;
            self.prev[r as usize] = self.cur[r as usize];
            self.cur[r as usize] = len(r);
            if let Some(rs) = readers.get(&r) {
                fire.extend_from_slice(rs);
            }
        }
        self.last = std::mem::take(&mut self.grown);
        fire.sort_unstable();
        fire.dedup();
        Some(fire)
    }
}

/// What a stratum's semi-naive fixpoint needs of what it evaluates: a run
/// ([`Engine`]) or a grounding (module `ground`).
pub(super) trait Fixpoint {
    type Error;
    /// The rounds of the stratum being evaluated (`None` outside one).
    fn rounds(&mut self) -> &mut Option<Rounds>;
    /// Row counts of every relation at `t`.
    fn lens(&self, t: Time) -> Vec<u32>;
    /// Row count of `rel` at `t`.
    fn len(&self, t: Time, rel: RelId) -> u32;
    /// Evaluates one plan of `rule` (`variant`: the delta atom, or `None`
    /// for the full plan) over the row ranges `cur`/`prev`.
    fn fire(
        &mut self,
        t: Time,
        rule: &Rule,
        variant: Option<usize>,
        cur: &[u32],
        prev: &[u32],
    ) -> Result<(), Self::Error>;
    /// Called before each round after the first (a run checks its deadline).
    fn round(&mut self, _t: Time) -> Result<(), Self::Error> {
        Ok(())
    }
}

/// The semi-naive fixpoint of stratum `stratum`'s deductive rules at `t`:
/// every rule's full plan once, then rounds of the variants whose delta
/// relation grew ([`Rounds`]), until nothing grows.
pub(super) fn fixpoint<F: Fixpoint>(
    f: &mut F,
    sh: &Shared,
    t: Time,
    stratum: usize,
) -> Result<(), F::Error> {
    let rules = &sh.strata[stratum];
    let start = f.lens(t);
    let zero = vec![0; start.len()];
    *f.rounds() = Some(Rounds::new(start.clone()));
    for &r in rules {
        f.fire(t, &sh.compiled.rules[r], None, &start, &zero)?;
    }
    loop {
        let mut rounds = f.rounds().take().expect("in a stratum");
        let Some(fire) = rounds.next(&sh.readers[stratum], |r| f.len(t, r)) else {
            return Ok(());
        };
        let (cur, prev) = (
            std::mem::take(&mut rounds.cur),
            std::mem::take(&mut rounds.prev),
        );
        *f.rounds() = Some(rounds);
        f.round(t)?;
        let mut result = Ok(());
        for (pos, v) in fire {
            let rule = &sh.compiled.rules[rules[pos as usize]];
            let atom = rule.variants[v as usize].0;
            if rule.pos[atom].at.is_some_and(|n| n != t) {
                continue;
            }
            result = f.fire(t, rule, Some(atom), &cur, &prev);
            if result.is_err() {
                break;
            }
        }
        let rounds = f.rounds().as_mut().expect("in a stratum");
        (rounds.cur, rounds.prev) = (cur, prev);
        result?;
    }
}

/// A negated atom as checked: relation, time, pattern (`None` for `_`).
type AbsentRow = (RelId, Time, Vec<Option<Value>>);

/// A firing waiting for its head to be inserted.
struct Pending {
    firing: u32,
    start: usize,
}

/// One aggregate group being gathered.
struct Group {
    key: Box<[Value]>,
    bindings: FxHashSet<Box<[Value]>>,
    order: Vec<Box<[Value]>>,
    premises: Vec<TupleId>,
    absent: Vec<AbsentRow>,
    locations: Vec<NodeId>,
}

/// One run's faults, indexed for the fate of each message it sends.
struct FaultIndex {
    crash_time: Vec<Option<Time>>,
    messages: FxHashMap<Envelope, MessageFault>,
}

impl FaultIndex {
    /// `set` must have been checked against the `nodes` nodes.
    fn new(set: &FaultSet, nodes: usize) -> FaultIndex {
        let mut index = FaultIndex {
            crash_time: vec![None; nodes],
            messages: FxHashMap::default(),
        };
        for f in set {
            if let Some((n, t)) = f.crash() {
                index.crash_time[n as usize] = Some(t);
            } else if let Some(e) = f.envelope() {
                let what = match *f {
                    Fault::Delay { by, .. } => MessageFault::Delayed(by),
                    _ => MessageFault::Omitted,
                };
                index.messages.insert(e, what);
            }
        }
        index
    }
}

impl FaultLookup for FaultIndex {
    #[inline]
    fn crash_of(&self, node: NodeId) -> Option<Time> {
        self.crash_time[node as usize]
    }

    #[inline]
    fn message_fault(&self, e: Envelope) -> Option<MessageFault> {
        if self.messages.is_empty() {
            return None;
        }
        self.messages.get(&e).copied()
    }
}

/// The aggregate groups of one rule evaluation, in order of appearance.
#[derive(Default)]
struct Groups {
    groups: Vec<Group>,
    group_of: FxHashMap<Box<[Value]>, usize>,
}

impl Groups {
    /// Adds one binding of an aggregate rule to its group (§7).
    fn gather(
        &mut self,
        sh: &Shared,
        rule: &Rule,
        t: Time,
        env: &Env,
        budget: &mut Budget,
    ) -> Result<(), EvalError> {
        let nvars = rule.vars.len();
        let mut key = Vec::new();
        for h in &rule.head {
            if let HeadArg::Term(term) = h {
                key.push(
                    eval(term, &env.slots, &sh.interner)
                        .map_err(|m| sh.runtime_error(rule, &env.slots, m))?,
                );
            }
        }
        let key: Box<[Value]> = key.into();
        let g = match self.group_of.get(&key) {
            Some(&g) => g,
            None => {
                self.groups.push(Group {
                    key: key.clone(),
                    bindings: FxHashSet::default(),
                    order: Vec::new(),
                    premises: Vec::new(),
                    absent: Vec::new(),
                    locations: Vec::new(),
                });
                self.group_of.insert(key, self.groups.len() - 1);
                self.groups.len() - 1
            }
        };
        let group = &mut self.groups[g];
        let binding: Box<[Value]> = env.slots[..nvars].into();
        if group.bindings.insert(binding.clone()) {
            group.order.push(binding);
            budget.spend(sh, rule, t, 2 * firing_bytes(nvars, 0, 0))?;
        }
        budget.spend(sh, rule, t, env.premises.len() * 4 + rule.negs.len() * 32)?;
        group.premises.extend_from_slice(&env.premises);
        group.absent.extend(absent_rows(sh, rule, t, env)?);
        if !group.locations.contains(&env.loc) {
            group.locations.push(env.loc);
        }
        Ok(())
    }
}

/// The byte budget left to one rule evaluation (see [`Limits`]).
struct Budget {
    spent: usize,
    step_room: usize,
    run_room: usize,
    limits: Limits,
}

impl Budget {
    /// Charges `bytes` to `rule` at `t`, or fails with [`EvalError::Runaway`].
    #[inline]
    fn spend(&mut self, sh: &Shared, rule: &Rule, t: Time, bytes: usize) -> Result<(), EvalError> {
        self.spent += bytes;
        let over = if self.spent > self.step_room {
            Some((self.limits.step_bytes, "bytes per timestep"))
        } else if self.spent > self.run_room {
            Some((self.limits.run_bytes, "bytes per run"))
        } else {
            None
        };
        match over {
            Some((limit, what)) => Err(runaway(sh, Some(rule.id), rule.head_rel, t, limit, what)),
            None => Ok(()),
        }
    }
}

/// Evaluates the head terms of `rule` under `env`, appending them to `heads`.
#[inline]
fn push_head(sh: &Shared, rule: &Rule, env: &Env, heads: &mut Vec<Value>) -> Result<(), EvalError> {
    for h in &rule.head {
        if let HeadArg::Term(term) = h {
            let v = eval(term, &env.slots, &sh.interner)
                .map_err(|m| sh.runtime_error(rule, &env.slots, m))?;
            heads.push(v);
        }
    }
    Ok(())
}

/// The negated atoms of `rule` as checked under `env` (the firing's
/// "absent" facts).
fn absent_rows(sh: &Shared, rule: &Rule, t: Time, env: &Env) -> Result<Vec<AbsentRow>, EvalError> {
    if rule.negs.is_empty() {
        return Ok(Vec::new());
    }
    rule.negs
        .iter()
        .map(|n| {
            let pattern = n
                .pattern
                .iter()
                .map(|p| {
                    p.as_ref()
                        .map(|t| eval(t, &env.slots, &sh.interner))
                        .transpose()
                })
                .collect::<Result<Vec<_>, _>>()
                .map_err(|m| sh.runtime_error(rule, &env.slots, m))?;
            Ok((n.rel, n.at.unwrap_or(t), pattern))
        })
        .collect()
}

/// Records an `@async` head addressed to `to`, which is not a node (§10).
fn note_unaddressed(unaddressed: &mut Vec<(RelId, Value)>, rel: RelId, to: Value) {
    if !unaddressed.contains(&(rel, to)) {
        unaddressed.push((rel, to));
    }
}

/// The mutable state of one run under evaluation.
pub(crate) struct Engine<'a> {
    sh: &'a Shared,
    cfg: &'a super::Resolved,
    cancel: &'a Cancel,
    /// Which inputs a replay keeps (all, when `None`).
    keep: Option<&'a dyn super::Keep>,
    /// Inserts until the next look at `cancel`.
    until_cancel_check: u32,
    eot: Time,
    limits: Limits,
    tables: Vec<Vec<Table>>,
    tuples: Vec<(RelId, Time, u32)>,
    /// Tuples and estimated bytes per timestep, bytes of the whole run.
    counts: Vec<usize>,
    bytes: Vec<usize>,
    run_bytes: usize,
    /// The rule being evaluated (named by runaway errors).
    rule: Option<crate::RuleId>,
    prov: Provenance,
    /// The run's faults, indexed for [`crate::faults::fate`].
    faults: FaultIndex,
    /// Messages sent at the current time: `(relation, sender, values) -> id`.
    sent: hashbrown::HashTable<(u64, u32)>,
    /// `@async` heads addressed to a value that is not a node (not sent).
    unaddressed: Vec<(RelId, Value)>,
    /// The fixpoint rounds of the stratum being evaluated.
    rounds: Option<Rounds>,
    /// Buffers of `fire`, kept between calls for their capacity.
    scratch: Scratch,
}

/// Reusable buffers of one rule evaluation.
#[derive(Default)]
struct Scratch {
    env: Env,
    heads: Vec<Value>,
    pending: Vec<Pending>,
    /// Row counts of the tables at the current time, for `@next`/`@async` rules.
    lens: Vec<u32>,
}

impl<'a> Engine<'a> {
    pub(crate) fn new(cfg: &'a super::Resolved, cancel: &'a Cancel) -> Engine<'a> {
        let sh: &Shared = &cfg.shared;
        let eot = cfg.eot;
        let tables = (0..=eot)
            .map(|_| {
                sh.program
                    .relations()
                    .iter()
                    .enumerate()
                    .map(|(r, rel)| Table::new(rel.arity, &sh.compiled.masks[r]))
                    .collect()
            })
            .collect();
        Engine {
            sh,
            cfg,
            cancel,
            keep: None,
            until_cancel_check: CANCEL_EVERY,
            eot,
            limits: cfg.limits,
            tables,
            tuples: Vec::with_capacity(sh.size_hint().0),
            counts: vec![0; eot as usize + 1],
            bytes: vec![0; eot as usize + 1],
            run_bytes: 0,
            rule: None,
            prov: {
                let mut p = Provenance::default();
                p.reserve(sh.size_hint());
                p
            },
            faults: FaultIndex::new(&cfg.faults, sh.nodes.len()),
            sent: hashbrown::HashTable::new(),
            scratch: Scratch::default(),
            unaddressed: Vec::new(),
            rounds: None,
        }
    }

    /// The same engine, keeping only the inputs `keep` keeps.
    pub(crate) fn keeping(mut self, keep: &'a dyn super::Keep) -> Engine<'a> {
        self.keep = Some(keep);
        self
    }

    fn insert(&mut self, t: Time, rel: RelId, vals: &[Value]) -> Result<TupleId, EvalError> {
        let table = &mut self.tables[t as usize][rel as usize];
        if let Some(row) = table.find(vals) {
            return Ok(table.id(row));
        }
        let id = self.tuples.len() as TupleId;
        let row = table.push(vals, id);
        self.tuples.push((rel, t, row));
        self.counts[t as usize] += 1;
        if let Some(rounds) = &mut self.rounds {
            rounds.grew(rel);
        }
        self.until_cancel_check -= 1;
        if self.until_cancel_check == 0 {
            self.until_cancel_check = CANCEL_EVERY;
            self.cancel.check(t)?;
        }
        self.charge(t, rel, tuple_bytes(vals.len()))?;
        Ok(id)
    }

    /// Accounts for one tuple of `rel` at `t` (already counted) and `bytes`
    /// against the budget.
    fn charge(&mut self, t: Time, rel: RelId, bytes: usize) -> Result<(), EvalError> {
        self.bytes[t as usize] += bytes;
        self.run_bytes += bytes;
        let l = &self.limits;
        let over = if self.counts[t as usize] > l.step_tuples {
            Some((l.step_tuples, "tuples per timestep"))
        } else if self.tuples.len() > l.run_tuples {
            Some((l.run_tuples, "tuples per run"))
        } else if self.bytes[t as usize] > l.step_bytes {
            Some((l.step_bytes, "bytes per timestep"))
        } else if self.run_bytes > l.run_bytes {
            Some((l.run_bytes, "bytes per run"))
        } else {
            None
        };
        match over {
            Some((limit, what)) => Err(runaway(self.sh, self.rule, rel, t, limit, what)),
            None => Ok(()),
        }
    }

    /// Evaluates the run; on an error, also returns the run up to it (its
    /// last timestep incomplete).
    pub(crate) fn run(mut self) -> Result<Run, (EvalError, Box<Run>)> {
        let mut failure = None;
        for t in 1..=self.eot {
            if let Err(e) = self.step(t) {
                failure = Some(e);
                break;
            }
        }
        let (sh, cfg) = (self.sh, self.cfg);
        self.prov.seal(self.tuples.len());
        sh.remember_size(
            self.tuples.len(),
            self.prov.firings().len(),
            self.prov.messages().len(),
        );
        let run = Run {
            shared: std::sync::Arc::clone(&cfg.shared),
            eot: self.eot,
            eff: cfg.eff,
            faults: cfg.faults.clone(),
            tables: self.tables,
            tuples: self.tuples,
            prov: self.prov,
            unaddressed: self.unaddressed,
        };
        match failure {
            None => Ok(run),
            Some(e) => Err((e, Box::new(run))),
        }
    }

    /// Evaluates timestep `t`.
    fn step(&mut self, t: Time) -> Result<(), EvalError> {
        let (sh, cfg) = (self.sh, self.cfg);
        let crash_rel = sh.crash_rel;
        {
            self.cancel.check(t)?;
            for (i, (rel, vals, at)) in sh.facts.iter().enumerate() {
                if *at == t as u64 && self.keep.is_none_or(|k| k.fact(i)) {
                    let id = self.insert(t, *rel, vals)?;
                    self.prov
                        .add_origin(id, crate::provenance::Origin::Fact(i as u32));
                }
            }
            for obs in 0..sh.nodes.len() {
                for (n, ct) in cfg.faults.iter().filter_map(Fault::crash) {
                    let row = [
                        sh.node_value(obs as NodeId),
                        sh.node_value(n),
                        Value::Int(ct as i64),
                    ];
                    let id = self.insert(t, crash_rel, &row)?;
                    self.prov.add_origin(id, crate::provenance::Origin::Crash);
                }
            }
            for stratum in 0..sh.strata.len() {
                fixpoint(self, sh, t, stratum)?;
            }
            if t < self.eot {
                self.sent.clear();
                self.scratch.lens = self.lens(t);
                for &r in &sh.temporal {
                    self.fire_plan(t, &sh.compiled.rules[r], None, &[], &[])?;
                }
            }
        }
        Ok(())
    }

    fn lens(&self, t: Time) -> Vec<u32> {
        self.tables[t as usize].iter().map(Table::len).collect()
    }

    /// Evaluates one plan of `rule` at `t` and inserts what it derives.
    /// `variant`: `None` for the full plan, else the delta atom.
    fn fire_plan(
        &mut self,
        t: Time,
        rule: &Rule,
        variant: Option<usize>,
        cur: &[u32],
        prev: &[u32],
    ) -> Result<(), EvalError> {
        let sh = self.sh;
        let plan = rule.plan(variant);
        let Scratch {
            mut env,
            mut heads,
            mut pending,
            lens,
        } = std::mem::take(&mut self.scratch);
        // `@next`/`@async` rules read the completed tables of `t`.
        let (cur, prev) = if rule.time == HeadTime::Now {
            (cur, prev)
        } else {
            (&lens[..], &lens[..])
        };
        let view = View {
            sh,
            tables: &self.tables,
            t,
            cur,
            prev,
            certain: None,
        };
        env.reset(rule, plan);
        heads.clear();
        pending.clear();
        let prov = &mut self.prov;
        let mut groups = Groups::default();
        // Firings and aggregate groups count against the byte budget as
        // they are gathered, before any head is inserted.
        self.rule = Some(rule.id);
        let mut budget = Budget {
            spent: 0,
            step_room: self
                .limits
                .step_bytes
                .saturating_sub(self.bytes[t as usize]),
            run_room: self.limits.run_bytes.saturating_sub(self.run_bytes),
            limits: self.limits,
        };
        let unaddressed = &mut self.unaddressed;
        let mut emit = |env: &Env| -> Result<(), EvalError> {
            if rule.aggregate {
                return groups.gather(sh, rule, t, env, &mut budget);
            }
            let start = heads.len();
            push_head(sh, rule, env, &mut heads)?;
            if rule.time == HeadTime::Async && sh.node_of(heads[start]).is_none() {
                note_unaddressed(unaddressed, rule.head_rel, heads[start]);
                heads.truncate(start);
                return Ok(());
            }
            budget.spend(
                sh,
                rule,
                t,
                firing_bytes(rule.vars.len(), env.premises.len(), rule.negs.len())
                    + rule.head.len() * std::mem::size_of::<Value>(),
            )?;
            let firing = prov.add_firing(
                rule.id,
                t,
                env.loc,
                &env.slots[..rule.vars.len()],
                &env.premises,
                absent_rows(sh, rule, t, env)?,
            );
            pending.push(Pending { firing, start });
            Ok(())
        };
        let joined = view.join(rule, plan, 0, &mut env, &mut emit);
        self.bytes[t as usize] += budget.spent;
        self.run_bytes += budget.spent;
        let result = joined
            .and_then(|()| self.aggregate_firings(t, rule, groups, &mut heads, &mut pending))
            .and_then(|()| self.conclude(t, rule, rule.head.len(), &heads, &pending));
        if result.is_ok() {
            self.rule = None;
        }
        self.scratch = Scratch {
            env,
            heads,
            pending,
            lens,
        };
        result
    }

    /// Turns the aggregate groups of `rule` into firings: one per group, or
    /// one per location of the group for an `@async` head (§10).
    fn aggregate_firings(
        &mut self,
        t: Time,
        rule: &Rule,
        groups: Groups,
        heads: &mut Vec<Value>,
        pending: &mut Vec<Pending>,
    ) -> Result<(), EvalError> {
        let sh = self.sh;
        for group in groups.groups {
            let head = self.aggregate(rule, &group.key, &group)?;
            let mut premises = group.premises.clone();
            premises.sort_unstable();
            premises.dedup();
            let mut absent = group.absent.clone();
            absent.sort();
            absent.dedup();
            let locations = if rule.time == HeadTime::Async {
                if sh.node_of(head[0]).is_none() {
                    note_unaddressed(&mut self.unaddressed, rule.head_rel, head[0]);
                    continue;
                }
                group.locations.clone()
            } else {
                group.locations[..1].to_vec()
            };
            for loc in locations {
                let start = heads.len();
                heads.extend_from_slice(&head);
                let firing =
                    self.prov
                        .add_firing(rule.id, t, loc, &[], &premises, absent.iter().cloned());
                pending.push(Pending { firing, start });
            }
        }
        Ok(())
    }

    /// Inserts what pending firings derived (or sends it).
    fn conclude(
        &mut self,
        t: Time,
        rule: &Rule,
        arity: usize,
        heads: &[Value],
        pending: &[Pending],
    ) -> Result<(), EvalError> {
        for p in pending {
            let vals = &heads[p.start..p.start + arity];
            let conclusion = match rule.time {
                HeadTime::Now => Conclusion::Tuple(self.insert(t, rule.head_rel, vals)?),
                HeadTime::Next => Conclusion::Tuple(self.insert(t + 1, rule.head_rel, vals)?),
                HeadTime::Async => {
                    let from = self.prov.firing(p.firing).location;
                    Conclusion::Message(self.send(t, rule.head_rel, from, vals)?)
                }
            };
            self.prov.conclude(p.firing, conclusion);
        }
        Ok(())
    }

    /// The head tuple of an aggregate group (§7).
    fn aggregate(
        &self,
        rule: &Rule,
        key: &[Value],
        group: &Group,
    ) -> Result<Vec<Value>, EvalError> {
        let sh = self.sh;
        let mut out = Vec::with_capacity(rule.head.len());
        let mut k = key.iter();
        for h in &rule.head {
            out.push(match h {
                HeadArg::Term(_) => *k.next().expect("group key matches the head"),
                HeadArg::Agg(fun, slot) => {
                    let xs = group.order.iter().map(|b| b[*slot as usize]);
                    let err = |m: String| sh.runtime_error(rule, &group.order[0], m);
                    match fun {
                        AggFn::Count => Value::Int(group.order.len() as i64),
                        AggFn::Sum => {
                            let mut s = Value::Int(0);
                            for x in xs {
                                s = arith(BinOp::Add, s, x, &sh.interner)
                                    .map_err(|m| err(format!("in sum<>: {m}")))?;
                            }
                            s
                        }
                        AggFn::Min | AggFn::Max => {
                            let mut best: Option<Value> = None;
                            for x in xs {
                                best = Some(match best {
                                    None => x,
                                    Some(b) => {
                                        if matches!(
                                            (b, x),
                                            (Value::Int(_), Value::Str(_))
                                                | (Value::Str(_), Value::Int(_))
                                        ) {
                                            return Err(err(format!(
                                                "{}<> over integers and strings",
                                                fun.as_str()
                                            )));
                                        }
                                        let ord = sh.interner.cmp(x, b);
                                        if (*fun == AggFn::Min) == (ord == Ordering::Less)
                                            && ord != Ordering::Equal
                                        {
                                            x
                                        } else {
                                            b
                                        }
                                    }
                                });
                            }
                            best.expect("groups are never empty")
                        }
                    }
                }
            });
        }
        Ok(out)
    }

    /// Sends one message at `t` (or adds a sender to the identical one) and
    /// applies the fault schedule to it (§5).
    fn send(
        &mut self,
        t: Time,
        rel: RelId,
        from: NodeId,
        vals: &[Value],
    ) -> Result<u32, EvalError> {
        let hash = {
            use std::hash::BuildHasher;
            rustc_hash::FxBuildHasher.hash_one((rel, from, vals))
        };
        let prov = &self.prov;
        let same = |&(h, m): &(u64, u32)| {
            let msg = prov.message(m);
            h == hash && msg.rel == rel && msg.from == from && prov.message_values(msg) == vals
        };
        if let Some(&(_, m)) = self.sent.find(hash, same) {
            return Ok(m);
        }
        let to = self
            .sh
            .node_of(vals[0])
            .expect("destinations are checked to be nodes");
        let envelope = Envelope::new(from, to, t);
        let mut fate = faults::fate(&self.faults, envelope);
        if from != to
            && fate.arrival(t).is_some()
            && self.keep.is_some_and(|k| !k.message(rel, envelope, vals))
        {
            fate = crate::provenance::Fate::Omitted;
        }
        let received = fate.arrival(t).filter(|&a| a <= self.eot);
        let m = self
            .prov
            .add_message(rel, vals, (from, to, t), fate, received);
        if let Some(a) = received {
            let id = self.insert(a, rel, vals)?;
            self.prov.deliver(m, id);
        }
        self.sent.insert_unique(hash, (hash, m), |&(h, _)| h);
        Ok(m)
    }
}

impl Fixpoint for Engine<'_> {
    type Error = EvalError;

    fn rounds(&mut self) -> &mut Option<Rounds> {
        &mut self.rounds
    }

    fn lens(&self, t: Time) -> Vec<u32> {
        Engine::lens(self, t)
    }

    fn len(&self, t: Time, rel: RelId) -> u32 {
        self.tables[t as usize][rel as usize].len()
    }

    fn fire(
        &mut self,
        t: Time,
        rule: &Rule,
        variant: Option<usize>,
        cur: &[u32],
        prev: &[u32],
    ) -> Result<(), EvalError> {
        self.fire_plan(t, rule, variant, cur, prev)
    }

    fn round(&mut self, t: Time) -> Result<(), EvalError> {
        self.cancel.check(t)
    }
}
