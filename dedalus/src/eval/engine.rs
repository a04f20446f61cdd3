//! The evaluation of one run (docs/dedalus.md §4-§8).
//!
//! Per timestep: seed facts and the crash oracle (messages and `@next`
//! tuples were inserted when they were produced), run each stratum's
//! deductive rules to fixpoint semi-naively, then the `@next` and `@async`
//! rules over the completed tables. Every firing is recorded as it happens.

use std::cmp::Ordering;

use rustc_hash::{FxHashMap, FxHashSet};

use crate::faults::{self, Envelope, Fault};
use crate::program::RelId;
use crate::provenance::{Conclusion, NodeId, Provenance, Time, TupleId};
use crate::syntax::ast::{AggFn, HeadTime};
use crate::value::Value;

use super::arith::sum;
use super::budget::{Budget, firing_bytes, runaway, tuple_bytes};
use super::compile::{HeadArg, Rule};
use super::fault_index::FaultIndex;
use super::fixpoint::{Fixpoint, Rounds, fixpoint};
use super::join::{Env, View, eval};
use super::table::Table;
use super::{Cancel, EvalError, Limits, Run, Shared};

/// Tuples inserted between two looks at the [`Cancel`] of a run.
const CANCEL_EVERY: u32 = 4096;

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
        let joined = view.join(rule, plan, &mut env, &mut emit);
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
                            sum(xs, &sh.interner).map_err(|m| err(format!("in sum<>: {m}")))?
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
