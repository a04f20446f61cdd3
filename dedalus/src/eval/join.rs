//! The join interpreter (docs/dedalus.md §4): the bindings of one compiled
//! plan over the tables, shared by runs and groundings.
//!
//! A plan is a sequence of steps (scan an atom, compare, check a `notin`,
//! resolve the location). The join walks it with an explicit stack of
//! cursors, one per step, rather than a call per step: a rule with tens of
//! thousands of body literals must not overflow the native stack.

use std::cmp::Ordering;

use crate::program::RelId;
use crate::provenance::{NodeId, Time, TupleId};
use crate::syntax::ast::CmpOp;
use crate::value::{Interner, Value};

use super::arith::arith;
use super::compile::{Lookup, Plan, Role, Rule, Scan, Step, Term};
use super::table::Table;
use super::{EvalError, Shared};

/// The value of a term under a binding.
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

/// `l op r`, strings by their text; comparing an integer with a string
/// by order is an error.
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

    /// Enumerates every binding of `plan`, calling `emit` on each, in the
    /// order of a nested loop over the steps.
    pub(super) fn join(
        &self,
        rule: &Rule,
        plan: &Plan,
        env: &mut Env,
        emit: &mut dyn FnMut(&Env) -> Result<(), EvalError>,
    ) -> Result<(), EvalError> {
        let n = plan.steps.len();
        if n == 0 {
            return emit(env);
        }
        let mut cursors: Vec<Cursor<'_>> = Vec::with_capacity(n);
        cursors.push(self.open(rule, plan, 0, env)?);
        while let Some(step) = cursors.len().checked_sub(1) {
            if !View::advance(&mut cursors[step], env) {
                cursors.pop();
                continue;
            }
            if step + 1 == n {
                emit(env)?;
            } else {
                let next = self.open(rule, plan, step + 1, env)?;
                cursors.push(next);
            }
        }
        Ok(())
    }

    /// The choices of step `step` under the binding so far.
    fn open<'p>(
        &'p self,
        rule: &'p Rule,
        plan: &'p Plan,
        step: usize,
        env: &mut Env,
    ) -> Result<Cursor<'p>, EvalError> {
        let interner = &self.sh.interner;
        match &plan.steps[step] {
            Step::Scan(scan) => {
                let atom = &rule.pos[scan.atom];
                let Some(table) = self.table(atom.rel, atom.at) else {
                    return Ok(Cursor::Pass(false));
                };
                let (lo, hi) = self.range(rule, plan, scan.atom);
                if lo >= hi {
                    return Ok(Cursor::Pass(false));
                }
                let rows = match &scan.lookup {
                    Lookup::All => Rows::Range(lo, hi),
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
                                Some(r) if r >= lo && r < hi => Rows::Range(r, r + 1),
                                _ => Rows::Range(0, 0),
                            },
                            Lookup::Index(i, _) => {
                                let rows = table.probe(*i, &key);
                                let start = rows.partition_point(|&r| r < lo);
                                Rows::Listed(&rows[start..], hi)
                            }
                            Lookup::All => Rows::Range(0, 0),
                        };
                        env.keys[step] = key;
                        rows
                    }
                };
                Ok(Cursor::Scan { scan, table, rows })
            }
            Step::Cmp(l, op, r) => {
                let ok = eval(l, &env.slots, interner)
                    .and_then(|l| {
                        eval(r, &env.slots, interner).and_then(|r| compare(*op, l, r, interner))
                    })
                    .map_err(|m| self.error(rule, env, m))?;
                Ok(Cursor::Pass(ok))
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
                Ok(Cursor::Pass(!present))
            }
            Step::Loc => {
                let v =
                    eval(&rule.loc, &env.slots, interner).map_err(|m| self.error(rule, env, m))?;
                Ok(Cursor::Pass(match self.sh.node_of(v) {
                    Some(n) => {
                        env.loc = n;
                        true
                    }
                    None => false,
                }))
            }
        }
    }

    /// Moves `cursor` to its next choice, binding what it binds; `false`
    /// when it has none left.
    fn advance(cursor: &mut Cursor<'_>, env: &mut Env) -> bool {
        match cursor {
            Cursor::Pass(more) => std::mem::replace(more, false),
            Cursor::Scan { scan, table, rows } => {
                let row = match rows {
                    Rows::Range(next, hi) => {
                        if *next >= *hi {
                            return false;
                        }
                        *next += 1;
                        *next - 1
                    }
                    Rows::Listed(list, hi) => match list.split_first() {
                        Some((&r, rest)) if r < *hi => {
                            *list = rest;
                            r
                        }
                        _ => return false,
                    },
                };
                let vals = table.row(row);
                for &(col, slot) in &scan.binds {
                    env.slots[slot as usize] = vals[col];
                }
                env.premises[scan.atom] = table.id(row);
                true
            }
        }
    }
}

/// The remaining choices of one step of a join.
enum Cursor<'a> {
    /// A test (comparison, `notin`, location): passes once, or not at all.
    Pass(bool),
    /// A scan: the rows left to bind.
    Scan {
        scan: &'a Scan,
        table: &'a Table,
        rows: Rows<'a>,
    },
}

/// The rows a scan has left: a range `next..hi`, or an index's rows below `hi`.
enum Rows<'a> {
    Range(u32, u32),
    Listed(&'a [u32], u32),
}
