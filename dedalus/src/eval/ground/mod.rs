//! Grounding: every tuple-at-time that *some* admissible run can hold, with
//! the rule instances, messages and aggregate groups that can produce it.
//!
//! A relaxed evaluation of the program: a message may arrive at every time
//! its channel admits, every crash-oracle row may be present, and a `notin`
//! blocks an instance only where the negated tuple is *certain* (true in
//! every admissible run). An aggregate over a group that is not wholly
//! certain yields every value that a sub-group holding all certain members
//! can give. So the result contains every tuple of every admissible run, and
//! knows which ones are certain; the symbolic encoding (in `harness`) turns
//! it into one formula whose models are exactly the admissible runs.
//!
//! Which runs are admissible is the caller's business, asked through
//! [`Channels`]: this crate knows nothing of fault-search policy. What a run
//! does with a message (a node's messages to itself always arrive at `t+1`,
//! nothing is sent at EOT, only to nodes) is the evaluator's, kept here.

use std::sync::Arc;

use rustc_hash::FxHashMap;

use crate::program::{RelId, RuleId};
use crate::provenance::{NodeId, Time, TupleId};
use crate::syntax::ast::{AggFn, HeadTime};
use crate::value::{Interner, Value};

mod aggregate;
mod model;

pub use model::{
    Binding, Channels, GroundError, GroundLimits, GroundMessage, GroundMessageId, Grounding, Group,
    GroupId, Instance, InstanceId, Sender, Source,
};

use super::compile::{HeadArg, Lookup, Neg, Rule};
use super::fixpoint::{Fixpoint, Rounds, fixpoint};
use super::join::{Env, View, eval};
use super::table::Table;
use super::{Cancel, EvalError, Evaluator, Shared};
use aggregate::{AggError, agg_values};

/// Bindings of one rule evaluation between two looks at the [`Cancel`].
const CANCEL_EVERY: u32 = 4096;

/// What one join produced, before it is recorded.
struct Found {
    loc: NodeId,
    pos: Box<[TupleId]>,
    neg: Box<[TupleId]>,
    /// The head (non-aggregate rules) or the group key (aggregates).
    head: Vec<Value>,
    /// The named variables (aggregates only).
    binding: Box<[Value]>,
}

/// One aggregate group being gathered: its key, its distinct bindings, and
/// the index of each binding (named-variable values -> position).
type Gathering = (Vec<Value>, Vec<Binding>, FxHashMap<Box<[Value]>, usize>);

/// The state of one grounding under construction.
struct Grounder<'a> {
    sh: &'a Shared,
    channels: &'a dyn Channels,
    limits: GroundLimits,
    eot: Time,
    g: Grounding,
    per_rel: Vec<usize>,
    /// Messages of the current time: `(relation, sender, values) -> id`.
    sent: FxHashMap<(RelId, NodeId, Box<[Value]>), GroundMessageId>,
    /// Deductive instances of the current stratum and the tuples they derive.
    heads: Vec<(InstanceId, TupleId)>,
    /// The fixpoint rounds of the stratum being grounded.
    rounds: Option<Rounds>,
    /// When to give up (Ctrl-C, a deadline).
    cancel: &'a Cancel,
}

impl Evaluator {
    /// Grounds the program up to `eot` for every run `channels` admits.
    pub fn ground(
        &self,
        eot: Time,
        channels: &dyn Channels,
        limits: GroundLimits,
    ) -> Result<Grounding, GroundError> {
        self.ground_until(eot, channels, limits, &Cancel::never())
    }

    /// [`Evaluator::ground`], giving up with [`GroundError::Cancelled`]
    /// once `cancel` says so (looked at every timestep, every rule
    /// evaluation and every few thousand instances).
    pub fn ground_until(
        &self,
        eot: Time,
        channels: &dyn Channels,
        limits: GroundLimits,
        cancel: &Cancel,
    ) -> Result<Grounding, GroundError> {
        let sh = &*self.shared;
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
        let mut gr = Grounder {
            sh,
            channels,
            limits,
            eot,
            g: Grounding {
                shared: Arc::clone(&self.shared),
                eot,
                tables,
                tuples: Vec::new(),
                certain: Vec::new(),
                sources: Vec::new(),
                instances: Vec::new(),
                messages: Vec::new(),
                groups: Vec::new(),
            },
            per_rel: vec![0; sh.program.relations().len()],
            sent: FxHashMap::default(),
            heads: Vec::new(),
            rounds: None,
            cancel,
        };
        gr.run()?;
        Ok(gr.g)
    }
}

impl Grounder<'_> {
    fn too_large(&self, what: &'static str, limit: usize) -> GroundError {
        let (rel, count) = self
            .per_rel
            .iter()
            .enumerate()
            .max_by_key(|&(i, c)| (*c, std::cmp::Reverse(i)))
            .map(|(i, c)| (i, *c))
            .unwrap_or((0, 0));
        GroundError::TooLarge {
            what,
            limit,
            relation: self.sh.program.relations()[rel].name.clone(),
            count,
        }
    }

    /// Adds `source` to `rel(vals)@t` (created if new); `certain` marks it certain.
    fn insert(
        &mut self,
        t: Time,
        rel: RelId,
        vals: &[Value],
        source: Source,
        certain: bool,
    ) -> Result<Option<TupleId>, GroundError> {
        if t == 0 || t > self.eot {
            return Ok(None);
        }
        let table = &mut self.g.tables[t as usize][rel as usize];
        let id = match table.find(vals) {
            Some(row) => table.id(row),
            None => {
                let id = self.g.tuples.len() as TupleId;
                let row = table.push(vals, id);
                self.g.tuples.push((rel, t, row));
                self.g.certain.push(false);
                self.g.sources.push(Vec::new());
                self.per_rel[rel as usize] += 1;
                if let Some(rounds) = &mut self.rounds {
                    rounds.grew(rel);
                }
                if self.g.tuples.len() > self.limits.tuples {
                    return Err(self.too_large("tuples", self.limits.tuples));
                }
                id
            }
        };
        if !self.g.certain[id as usize] {
            self.g.sources[id as usize].push(source);
        }
        if certain && !self.g.certain[id as usize] {
            self.g.certain[id as usize] = true;
            self.g.sources[id as usize].clear();
        }
        Ok(Some(id))
    }

    fn lens(&self, t: Time) -> Vec<u32> {
        self.g.tables[t as usize].iter().map(Table::len).collect()
    }

    fn run(&mut self) -> Result<(), GroundError> {
        let sh = self.sh;
        let reads_crash = sh.compiled.rules.iter().any(|r| {
            r.pos.iter().any(|a| a.rel == sh.crash_rel)
                || r.negs.iter().any(|n| n.rel == sh.crash_rel)
        });
        for t in 1..=self.eot {
            self.cancel.check(t).map_err(GroundError::Cancelled)?;
            for (rel, vals, at) in &sh.facts {
                if *at == t as u64 {
                    self.insert(t, *rel, vals, Source::Fact, true)?;
                }
            }
            if reads_crash && self.channels.crashes() {
                for obs in 0..sh.nodes.len() as NodeId {
                    for node in 0..sh.nodes.len() as NodeId {
                        for ct in 1..=self.eot {
                            let row = [
                                sh.node_value(obs),
                                sh.node_value(node),
                                Value::Int(ct as i64),
                            ];
                            self.insert(
                                t,
                                sh.crash_rel,
                                &row,
                                Source::Crash { node, time: ct },
                                false,
                            )?;
                        }
                    }
                }
            }
            for stratum in 0..sh.strata.len() {
                self.stratum(t, stratum)?;
            }
            if t < self.eot {
                self.sent.clear();
                let lens = self.lens(t);
                for &r in &sh.temporal {
                    self.fire_plan(t, &sh.compiled.rules[r], None, &lens, &lens)?;
                }
                self.deliver(t)?;
            }
        }
        Ok(())
    }

    /// Semi-naive fixpoint of one stratum at `t` (as the evaluator's), then
    /// the certain tuples among what it derived.
    fn stratum(&mut self, t: Time, stratum: usize) -> Result<(), GroundError> {
        self.heads.clear();
        fixpoint(self, self.sh, t, stratum)?;
        // A head is certain once some instance has only certain premises;
        // within a recursive stratum that spreads along the derivations (a
        // worklist: each head is looked at again only when a premise of it
        // became certain).
        let heads = std::mem::take(&mut self.heads);
        let mut uses: FxHashMap<TupleId, Vec<usize>> = FxHashMap::default();
        for (k, &(i, _)) in heads.iter().enumerate() {
            for &p in self.g.instances[i as usize].pos.iter() {
                if !self.g.certain[p as usize] {
                    uses.entry(p).or_default().push(k);
                }
            }
        }
        let mut work: Vec<usize> = (0..heads.len()).collect();
        while let Some(k) = work.pop() {
            let (i, h) = heads[k];
            if !self.g.certain[h as usize] && self.instance_certain(i) {
                self.g.certain[h as usize] = true;
                self.g.sources[h as usize].clear();
                if let Some(ks) = uses.get(&h) {
                    work.extend_from_slice(ks);
                }
            }
        }
        Ok(())
    }

    fn instance_certain(&self, i: InstanceId) -> bool {
        let inst = &self.g.instances[i as usize];
        inst.neg.is_empty() && inst.pos.iter().all(|&p| self.g.certain[p as usize])
    }

    /// Evaluates one plan of `rule` at `t` over the relaxed tables and
    /// records its instances and what they derive or send.
    fn fire_plan(
        &mut self,
        t: Time,
        rule: &Rule,
        variant: Option<usize>,
        cur: &[u32],
        prev: &[u32],
    ) -> Result<(), GroundError> {
        let sh = self.sh;
        let cancel = self.cancel;
        cancel.check(t).map_err(GroundError::Cancelled)?;
        let plan = rule.plan(variant);
        let view = View {
            sh,
            tables: &self.g.tables,
            t,
            cur,
            prev,
            certain: Some(&self.g.certain),
        };
        let mut env = Env::default();
        env.reset(rule, plan);
        let nvars = rule.vars.len();
        let mut found: Vec<Found> = Vec::new();
        let tables = &self.g.tables;
        let mut bindings = 0u32;
        let mut emit = |env: &Env| -> Result<(), EvalError> {
            bindings = bindings.wrapping_add(1);
            if bindings.is_multiple_of(CANCEL_EVERY) {
                cancel.check(t)?;
            }
            let err = |m: String| sh.runtime_error(rule, &env.slots, m);
            let mut neg = Vec::new();
            for n in &rule.negs {
                matching(
                    tables,
                    n,
                    n.at.unwrap_or(t),
                    t,
                    &env.slots,
                    &sh.interner,
                    &mut neg,
                )
                .map_err(err)?;
            }
            let mut head = Vec::with_capacity(rule.head.len());
            for h in &rule.head {
                if let HeadArg::Term(term) = h {
                    head.push(eval(term, &env.slots, &sh.interner).map_err(err)?);
                }
            }
            if !rule.aggregate && rule.time == HeadTime::Async && sh.node_of(head[0]).is_none() {
                return Ok(());
            }
            found.push(Found {
                loc: env.loc,
                pos: env.premises.clone().into(),
                neg: neg.into(),
                head,
                binding: if rule.aggregate {
                    env.slots[..nvars].into()
                } else {
                    Box::default()
                },
            });
            Ok(())
        };
        view.join(rule, plan, &mut env, &mut emit)
            .map_err(|e| match e {
                EvalError::Interrupted { .. } | EvalError::TimedOut { .. } => {
                    GroundError::Cancelled(e)
                }
                e => GroundError::Runtime(e),
            })?;
        if self.g.instances.len() + found.len() > self.limits.instances {
            return Err(self.too_large("rule instances", self.limits.instances));
        }
        if rule.aggregate {
            return self.aggregate(t, rule, found);
        }
        for f in found {
            let i = self.record_instance(rule.id, t, f.loc, f.pos, f.neg);
            let certain = self.instance_certain(i);
            match rule.time {
                HeadTime::Now => {
                    if let Some(h) =
                        self.insert(t, rule.head_rel, &f.head, Source::Fire(i), certain)?
                    {
                        self.heads.push((i, h));
                    }
                }
                HeadTime::Next => {
                    self.insert(t + 1, rule.head_rel, &f.head, Source::Fire(i), certain)?;
                }
                HeadTime::Async => self.send(t, rule.head_rel, f.loc, f.head, Sender::Fire(i)),
            }
        }
        Ok(())
    }

    /// Records a possible message (or one more sender of it).
    fn send(&mut self, t: Time, rel: RelId, from: NodeId, vals: Vec<Value>, sender: Sender) {
        let key = (rel, from, vals.into_boxed_slice());
        let m = match self.sent.get(&key) {
            Some(&m) => m,
            None => {
                let to = self.sh.node_of(key.2[0]).expect("destinations are nodes");
                let m = self.g.messages.len() as GroundMessageId;
                self.g.messages.push(GroundMessage {
                    rel,
                    from,
                    to,
                    sent: t,
                    values: key.2.clone(),
                    senders: Vec::new(),
                });
                self.sent.insert(key, m);
                m
            }
        };
        self.g.messages[m as usize].senders.push(sender);
    }

    fn sender_certain(&self, s: Sender) -> bool {
        match s {
            Sender::Fire(i) => self.instance_certain(i),
            Sender::Aggregate {
                group, location, ..
            } => {
                let g = &self.g.groups[group as usize];
                g.exact
                    && g.bindings.iter().flat_map(|b| &b.instances).any(|&i| {
                        self.g.instances[i as usize].location == location
                            && self.instance_certain(i)
                    })
            }
        }
    }

    /// The arrivals of the messages sent at `t` (§4, §5: a node's messages
    /// to itself always arrive at `t + 1`).
    fn deliver(&mut self, t: Time) -> Result<(), GroundError> {
        let mut sent: Vec<GroundMessageId> = self.sent.values().copied().collect();
        sent.sort_unstable();
        for m in sent {
            let msg = &self.g.messages[m as usize];
            let (rel, from, to, vals) = (msg.rel, msg.from, msg.to, msg.values.clone());
            let certain = msg.senders.iter().any(|&s| self.sender_certain(s));
            if from == to {
                self.insert(
                    t + 1,
                    rel,
                    &vals,
                    Source::Arrival {
                        message: m,
                        delay: 0,
                    },
                    certain,
                )?;
                continue;
            }
            let reliable = self.channels.reliable(from, to, t);
            self.insert(
                t + 1,
                rel,
                &vals,
                Source::Arrival {
                    message: m,
                    delay: 0,
                },
                certain && reliable,
            )?;
            for d in 1..=self.channels.max_delay(from, to, t) {
                match t.checked_add(1).and_then(|a| a.checked_add(d)) {
                    Some(a) if a <= self.eot => {
                        self.insert(
                            a,
                            rel,
                            &vals,
                            Source::Arrival {
                                message: m,
                                delay: d,
                            },
                            false,
                        )?;
                    }
                    _ => break,
                }
            }
        }
        Ok(())
    }

    /// Groups the bindings of an aggregate rule and records every output
    /// each group may yield (§7).
    /// Records one rule instance (a firing that may happen) and returns its id.
    fn record_instance(
        &mut self,
        rule: RuleId,
        time: Time,
        location: NodeId,
        pos: Box<[TupleId]>,
        neg: Box<[TupleId]>,
    ) -> InstanceId {
        let i = self.g.instances.len() as InstanceId;
        self.g.instances.push(Instance {
            rule,
            time,
            location,
            pos,
            neg,
        });
        i
    }

    fn aggregate(&mut self, t: Time, rule: &Rule, found: Vec<Found>) -> Result<(), GroundError> {
        let sh = self.sh;
        let funs: Box<[(AggFn, usize)]> = rule
            .head
            .iter()
            .filter_map(|h| match h {
                HeadArg::Agg(f, slot) => Some((*f, *slot as usize)),
                HeadArg::Term(_) => None,
            })
            .collect();
        // Group key -> (binding -> index), in order of discovery.
        let mut groups: Vec<Gathering> = Vec::new();
        let mut group_of: FxHashMap<Vec<Value>, usize> = FxHashMap::default();
        for f in found {
            let i = self.record_instance(rule.id, t, f.loc, f.pos, f.neg);
            let g = *group_of.entry(f.head.clone()).or_insert_with(|| {
                groups.push((f.head, Vec::new(), FxHashMap::default()));
                groups.len() - 1
            });
            let (_, bindings, index) = &mut groups[g];
            let b = *index.entry(f.binding.clone()).or_insert_with(|| {
                bindings.push(Binding {
                    instances: Vec::new(),
                    values: funs.iter().map(|&(_, slot)| f.binding[slot]).collect(),
                });
                bindings.len() - 1
            });
            bindings[b].instances.push(i);
        }
        for (key, bindings, _) in groups {
            let certain: Vec<bool> = bindings
                .iter()
                .map(|b| b.instances.iter().any(|&i| self.instance_certain(i)))
                .collect();
            let exact = certain.iter().all(|&c| c);
            let mut outputs: Vec<Vec<Value>> = vec![Vec::new()];
            for (j, &(fun, _)) in funs.iter().enumerate() {
                let members: Vec<(bool, Value)> = bindings
                    .iter()
                    .zip(&certain)
                    .map(|(b, &c)| (c, b.values[j]))
                    .collect();
                let values = agg_values(fun, &members, &sh.interner, self.limits.aggregate_values)
                    .map_err(|m| match m {
                        AggError::Runtime(m) => GroundError::Runtime(sh.runtime_error(
                            rule,
                            &vec![Value::Int(0); rule.slots],
                            format!("in {}<>: {m}", fun.as_str()),
                        )),
                        AggError::TooMany => {
                            self.too_large("aggregate values", self.limits.aggregate_values)
                        }
                    })?;
                outputs = outputs
                    .iter()
                    .flat_map(|o| {
                        values.iter().map(move |&v| {
                            let mut o = o.clone();
                            o.push(v);
                            o
                        })
                    })
                    .collect();
                if outputs.len() > self.limits.aggregate_values {
                    return Err(self.too_large("aggregate values", self.limits.aggregate_values));
                }
            }
            let group = self.g.groups.len() as GroupId;
            let locations: Vec<NodeId> = {
                let mut ls: Vec<NodeId> = bindings
                    .iter()
                    .flat_map(|b| &b.instances)
                    .map(|&i| self.g.instances[i as usize].location)
                    .collect();
                ls.sort_unstable();
                ls.dedup();
                ls
            };
            self.g.groups.push(Group {
                rule: rule.id,
                time: t,
                funs: funs.iter().map(|&(f, _)| f).collect(),
                bindings,
                outputs: outputs
                    .iter()
                    .map(|o| o.clone().into_boxed_slice())
                    .collect(),
                exact,
            });
            for (o, aggs) in outputs.into_iter().enumerate() {
                let mut head = Vec::with_capacity(rule.head.len());
                let (mut k, mut a) = (key.iter(), aggs.iter());
                for h in &rule.head {
                    head.push(match h {
                        HeadArg::Term(_) => *k.next().expect("key matches the head"),
                        HeadArg::Agg(..) => *a.next().expect("one value per aggregate"),
                    });
                }
                let source = Source::Aggregate {
                    group,
                    output: o as u32,
                };
                match rule.time {
                    HeadTime::Now => {
                        self.insert(t, rule.head_rel, &head, source, exact)?;
                    }
                    HeadTime::Next => {
                        self.insert(t + 1, rule.head_rel, &head, source, exact)?;
                    }
                    HeadTime::Async => {
                        if sh.node_of(head[0]).is_none() {
                            continue;
                        }
                        for &location in &locations {
                            self.send(
                                t,
                                rule.head_rel,
                                location,
                                head.clone(),
                                Sender::Aggregate {
                                    group,
                                    output: o as u32,
                                    location,
                                },
                            );
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

/// Pushes the ids of the tuples at `at` matching the `notin` pattern `n`
/// (`@N` outside `1..=t` reads as empty).
fn matching(
    tables: &[Vec<Table>],
    n: &Neg,
    at: Time,
    t: Time,
    slots: &[Value],
    interner: &Interner,
    out: &mut Vec<TupleId>,
) -> Result<(), String> {
    if at == 0 || at > t {
        return Ok(());
    }
    let table = &tables[at as usize][n.rel as usize];
    match &n.lookup {
        Lookup::All => out.extend((0..table.len()).map(|r| table.id(r))),
        Lookup::Exact(terms) | Lookup::Index(_, terms) => {
            let key = terms
                .iter()
                .map(|term| eval(term, slots, interner))
                .collect::<Result<Vec<_>, _>>()?;
            match &n.lookup {
                Lookup::Index(i, _) => {
                    out.extend(table.probe(*i, &key).iter().map(|&r| table.id(r)))
                }
                _ => out.extend(table.find(&key).map(|r| table.id(r))),
            }
        }
    }
    Ok(())
}

impl Fixpoint for Grounder<'_> {
    type Error = GroundError;

    fn rounds(&mut self) -> &mut Option<Rounds> {
        &mut self.rounds
    }

    fn lens(&self, t: Time) -> Vec<u32> {
        Grounder::lens(self, t)
    }

    fn len(&self, t: Time, rel: RelId) -> u32 {
        self.g.tables[t as usize][rel as usize].len()
    }

    fn fire(
        &mut self,
        t: Time,
        rule: &Rule,
        variant: Option<usize>,
        cur: &[u32],
        prev: &[u32],
    ) -> Result<(), GroundError> {
        self.fire_plan(t, rule, variant, cur, prev)
    }
}
