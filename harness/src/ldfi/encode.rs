//! The falsification formula and the enumeration of minimal fault sets (z3).
//!
//! Over the merged [`Lineage`], a key *holds* under a fault assignment iff
//! one of its origins does: a base fact always; a crash-oracle row iff that
//! crash is chosen; a firing iff all its premises hold and all its negated
//! atoms stay absent; a message iff some sender fired and no fault stopped
//! it (an omission, a crash of the sender at or before the send, or a delay
//! other than the one it arrived with). A goal is falsified iff every
//! derivation of it is: exactly the LDFI condition of design.md.
//!
//! Negation is where lineage is incomplete: a negated atom may become true
//! through a derivation no run has shown yet. Every key is therefore encoded
//! in two polarities. `holds⁺` is optimistic (a negated atom with no known
//! matching tuple stays absent); `holds⁻` is pessimistic (it may appear as
//! soon as any message that could lead to it is disturbed: its *negative
//! support*, the messages of relations from which it is reachable, sent
//! before it was checked). A violation needs
//! `holds⁺(pre(x)) ∧ ¬holds⁻(post(x))`; concrete runs decide.

use rustc_hash::FxHashMap as HashMap;

use dedalus::Program;
use dedalus::analysis::Reachability;
use dedalus::eval::Cancel;
use dedalus::provenance::{NodeId, Time};
use dedalus::value::Value;
use z3::ast::Bool;
use z3::{SatResult, Solver};

use super::lineage::{AbsentAtom, Cause, KeyId, Lineage, Refutations, suspects};
use super::whynot;
use crate::faults::formula::FaultVars as Vars;
use crate::faults::{Fault, FaultSet, FaultSpace};
use crate::solver::NoAnswer;

/// What a formula is built from besides the lineage: the program, its
/// bounds and the static analyses of it.
pub(crate) struct Setting<'a> {
    pub space: &'a FaultSpace,
    pub program: &'a Program,
    pub interner: &'a dedalus::value::Interner,
    /// Which relations lead to which.
    pub reach: &'a Reachability,
    /// Each node's name as a value.
    pub nodes: &'a [Value],
    /// Relations for which one-rule why-not provenance is exact.
    pub exact: &'a [bool],
    /// When to give up building a formula (Ctrl-C, --timeout).
    pub cancel: &'a Cancel,
}

/// Builds formulas over one lineage graph.
pub(crate) struct Encoder<'a> {
    g: &'a Lineage,
    space: &'a FaultSpace,
    program: &'a Program,
    interner: &'a dedalus::value::Interner,
    reach: &'a Reachability,
    nodes: &'a [Value],
    exact: &'a [bool],
    crash_rel: Option<dedalus::RelId>,
    refutations: &'a Refutations,
    /// Atoms whose negative support this formula used.
    pub watched: Vec<AbsentAtom>,
    vars: Vars,
    memo: HashMap<(KeyId, bool), Bool>,
    on_stack: HashMap<(KeyId, bool), ()>,
    /// Dependencies the current attempt found unknown (see [`Encoder::holds`]).
    missing: Vec<(KeyId, bool)>,
    cancel: &'a Cancel,
}

impl<'a> Encoder<'a> {
    pub fn new(g: &'a Lineage, setting: &Setting<'a>, refutations: &'a Refutations) -> Self {
        Encoder {
            g,
            space: setting.space,
            program: setting.program,
            interner: setting.interner,
            reach: setting.reach,
            nodes: setting.nodes,
            exact: setting.exact,
            crash_rel: setting.program.relation(dedalus::program::CRASH),
            refutations,
            watched: Vec::new(),
            vars: Vars::default(),
            memo: HashMap::default(),
            on_stack: HashMap::default(),
            missing: Vec::new(),
            cancel: setting.cancel,
        }
    }

    /// Whether a fault stops message `m` arriving `delay` steps late: the
    /// fate rule as a formula ([`Vars::arrives`]), negated.
    fn stopped(&mut self, m: u32, delay: u32) -> Bool {
        let e = self.g.messages()[m as usize].envelope();
        self.vars.arrives(self.space, e, delay).not()
    }

    /// `holds⁺` (`optimistic`) or `holds⁻` of a key.
    ///
    /// Iterative, so that long lineage chains (EOT 100,000) cannot overflow
    /// the stack: a key's formula is attempted with what is known; the keys
    /// it needs that are not yet known are pushed (in the order a recursive
    /// evaluation would visit them) and it is attempted again once they are.
    /// A key still being evaluated reads as `false`, as in recursion: a
    /// derivation through itself within a timestep supports nothing.
    pub fn holds(&mut self, k: KeyId, optimistic: bool) -> Bool {
        if let Some(b) = self.memo.get(&(k, optimistic)) {
            return b.clone();
        }
        if self.on_stack.contains_key(&(k, optimistic)) {
            return Bool::from_bool(false);
        }
        let mut stack = vec![(k, optimistic)];
        let mut steps = 0u32;
        while let Some(&node) = stack.last() {
            if self.memo.contains_key(&node) {
                stack.pop();
                continue;
            }
            steps = steps.wrapping_add(1);
            if steps & 63 == 0 && (self.cancel.interrupted() || self.cancel.timed_out()) {
                // The solver call that follows is interrupted at once (see
                // `interruptible`): this formula is never used.
                for n in stack {
                    self.on_stack.remove(&n);
                }
                return Bool::from_bool(false);
            }
            let again = self.on_stack.insert(node, ()).is_some();
            let watched = self.watched.len();
            self.missing.clear();
            let b = self.attempt(node.0, node.1);
            if self.missing.is_empty() {
                self.on_stack.remove(&node);
                self.memo.insert(node, b);
                stack.pop();
            } else {
                debug_assert!(
                    !again,
                    "a key's dependencies are known on its second attempt"
                );
                // Undo the failed attempt's side effects; keep first visits only.
                self.watched.truncate(watched);
                let mut seen = std::collections::HashSet::new();
                let missing: Vec<_> = self.missing.drain(..).filter(|m| seen.insert(*m)).collect();
                stack.extend(missing.into_iter().rev());
            }
        }
        self.memo[&(k, optimistic)].clone()
    }

    /// A key's formula as a dependency of the one being attempted: known,
    /// `false` while being evaluated, else recorded as missing.
    fn dep(&mut self, k: KeyId, optimistic: bool) -> Bool {
        if let Some(b) = self.memo.get(&(k, optimistic)) {
            return b.clone();
        }
        if !self.on_stack.contains_key(&(k, optimistic)) {
            self.missing.push((k, optimistic));
        }
        Bool::from_bool(false)
    }

    /// The formula of a key from its origins, reading other keys through
    /// [`Encoder::dep`].
    fn attempt(&mut self, k: KeyId, optimistic: bool) -> Bool {
        let mut alts = Vec::new();
        for o in self.g.causes(k).to_vec() {
            match o {
                Cause::Base => {
                    alts.clear();
                    alts.push(Bool::from_bool(true));
                    break;
                }
                Cause::Crash { node, at } => {
                    if self.space.crashes > 0 && at >= 1 && at <= self.space.eot {
                        alts.push(self.vars.get(Fault::Crash { node, time: at }));
                    }
                }
                Cause::Firing(f) => alts.push(self.fires(f, optimistic)),
                Cause::Message { msg, delay } => {
                    let stopped = self.stopped(msg, delay);
                    let senders = self.g.messages()[msg as usize].senders.clone();
                    let sent: Vec<Bool> =
                        senders.iter().map(|&f| self.fires(f, optimistic)).collect();
                    alts.push(Bool::and(&[stopped.not(), Bool::or(&sent)]));
                }
            }
        }
        Bool::or(&alts)
    }

    fn fires(&mut self, f: u32, optimistic: bool) -> Bool {
        let firing = self.g.firings()[f as usize].clone();
        let mut all = Vec::new();
        for &p in &firing.premises {
            all.push(self.dep(p, optimistic));
        }
        for a in &firing.absent {
            all.push(self.stays_absent(a, optimistic));
        }
        Bool::and(&all)
    }

    fn stays_absent(&mut self, a: &AbsentAtom, optimistic: bool) -> Bool {
        if Some(a.rel) == self.crash_rel {
            return self.no_crash_matching(a).not();
        }
        let known = self.g.matching(a.rel, a.time, &a.pattern);
        let mut conj: Vec<Bool> = known
            .iter()
            .map(|&k| self.dep(k, !optimistic).not())
            .collect();
        if self.exact[a.rel as usize]
            && let Some(instances) =
                whynot::instances(self.program, self.interner, self.g, self.nodes, a)
        {
            // Every way it could appear, exactly (see `whynot`).
            for inst in instances {
                let mut all: Vec<Bool> = inst
                    .premises
                    .iter()
                    .map(|&p| self.dep(p, !optimistic))
                    .collect();
                for b in &inst.absent {
                    all.push(self.stays_absent(b, !optimistic));
                }
                conj.push(Bool::and(&all).not());
            }
        } else if !optimistic && known.is_empty() {
            // Negative support: disturbing a message that could lead to the
            // atom may make it appear. Any destination, not only the node
            // that checked it: specifications read other nodes' state (the
            // §9 example's `missing_log` at c appears when b loses a message).
            // Runs refute suspects (see `Refutations`).
            self.watched.push(a.clone());
            let candidates: Vec<u32> = suspects(self.g, a, self.reach)
                .map(|(m, _)| m)
                .filter(|&m| !self.refutations.refuted(a, m))
                .collect();
            for m in candidates {
                conj.push(self.stopped(m, 0).not());
            }
        }
        Bool::and(&conj)
    }

    /// The disjunction of chosen crashes whose oracle rows match `a`.
    fn no_crash_matching(&mut self, a: &AbsentAtom) -> Bool {
        if a.time < 1 || self.space.crashes == 0 {
            return Bool::from_bool(false);
        }
        let mut any = Vec::new();
        for n in 0..self.space.node_count() {
            for t in 1..=self.space.eot {
                if self.crash_row_matches(&a.pattern, n, t) {
                    any.push(self.vars.get(Fault::Crash { node: n, time: t }));
                }
            }
        }
        Bool::or(&any)
    }

    /// Whether `crash(o, n, t)` rows (for some observer node `o`) match `p`.
    fn crash_row_matches(&self, p: &[Option<Value>], n: NodeId, t: Time) -> bool {
        let is = |col: usize, v: Value| p.get(col).copied().flatten().is_none_or(|x| x == v);
        is(1, self.nodes[n as usize])
            && is(2, Value::Int(t as i64))
            && self.nodes.iter().any(|&o| is(0, o))
    }

    /// The budget: the admissibility of the chosen faults
    /// ([`Vars::admissibility`]).
    fn budget(&mut self) -> Vec<Bool> {
        self.vars.admissibility(self.space)
    }
}

/// Enumerates subset-minimal fault sets satisfying `goal` under the
/// encoder's budget, smallest first, at most `limit` of them, never one in
/// `skip` (sets already run).
pub(crate) fn minimal_sets(
    enc: &mut Encoder<'_>,
    goal: &Bool,
    skip: &std::collections::BTreeSet<FaultSet>,
    limit: usize,
) -> Result<Vec<FaultSet>, NoAnswer> {
    let budget = enc.budget();
    let vars: Vec<(Fault, Bool)> = enc
        .vars
        .by_fault
        .iter()
        .map(|(f, b)| (*f, b.clone()))
        .collect();
    enumerate(&vars, goal, &budget, skip, limit)
}

/// `sat` or `unsat`; `unknown` (interrupted, out of time or resources) is
/// no answer at all, never taken for `unsat`.
fn decide(solver: &Solver) -> Result<bool, NoAnswer> {
    match solver.check() {
        SatResult::Sat => Ok(true),
        SatResult::Unsat => Ok(false),
        SatResult::Unknown => Err(NoAnswer(format!(
            "the solver (z3) gave no answer ({})",
            solver
                .get_reason_unknown()
                .unwrap_or_else(|| "unknown".into())
        ))),
    }
}

/// The enumeration itself: over the fault variables `vars`, subject to
/// `constraints`.
pub(crate) fn enumerate(
    vars: &[(Fault, Bool)],
    goal: &Bool,
    constraints: &[Bool],
    skip: &std::collections::BTreeSet<FaultSet>,
    limit: usize,
) -> Result<Vec<FaultSet>, NoAnswer> {
    // QF_FD: z3's SAT solver with native cardinality constraints, an order
    // of magnitude faster here than the general SMT core.
    let solver = Solver::new_for_logic("QF_FD").unwrap_or_default();
    // Ctrl-C is ours (see `interruptible`): z3's own handler would turn it
    // into an `unknown` that nobody hears about.
    let mut params = z3::Params::new();
    params.set_bool("ctrl_c", false);
    solver.set_params(&params);
    solver.assert(goal);
    for b in constraints {
        solver.assert(b);
    }
    let known: std::collections::BTreeSet<Fault> = vars.iter().map(|(f, _)| *f).collect();
    for set in skip {
        // Block exactly this set (its supersets may still be needed).
        if set.iter().all(|f| known.contains(f)) {
            let lits: Vec<Bool> = vars
                .iter()
                .map(|(f, b)| {
                    if set.iter().any(|g| g == f) {
                        b.not()
                    } else {
                        b.clone()
                    }
                })
                .collect();
            solver.assert(Bool::or(&lits));
        }
    }
    let mut found = Vec::new();
    if !decide(&solver)? {
        return Ok(found);
    }
    let all: Vec<&Bool> = vars.iter().map(|(_, b)| b).collect();
    let mut k = 0u32;
    while found.len() < limit && k as usize <= vars.len() {
        solver.push();
        solver.assert(z3::ast::atmost(all.iter().copied(), k));
        let sat = decide(&solver)?;
        let model = if sat { solver.get_model() } else { None };
        solver.pop(1);
        let Some(model) = model else {
            if sat {
                return Err(NoAnswer("the solver (z3) returned no model".into()));
            }
            k += 1;
            if !decide(&solver)? {
                break;
            }
            continue;
        };
        let set: FaultSet = vars
            .iter()
            .filter(|(_, b)| model.eval(b, true).and_then(|v| v.as_bool()) == Some(true))
            .map(|(f, _)| *f)
            .collect();
        // Its supersets are not minimal.
        let lits: Vec<Bool> = vars
            .iter()
            .filter(|(f, _)| set.iter().any(|g| g == f))
            .map(|(_, b)| b.not())
            .collect();
        solver.assert(Bool::or(&lits));
        found.push(set);
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use dedalus::analysis::{self, Reachability};
    use dedalus::eval::Cancel;
    use dedalus::value::Value;

    use super::super::testing::{SEND, target};
    use super::*;
    use crate::target::Target;

    /// The minimal fault sets that falsify `done("b", 1)@eot` by what the
    /// failure-free run showed, found by the encoding and z3.
    fn breaking_done(t: &Target) -> Vec<FaultSet> {
        let program = t.evaluator().program();
        let interner = t.evaluator().interner();
        let mut g = Lineage::for_evaluator(t.evaluator());
        g.learn(&t.run(&FaultSet::none()).unwrap());
        let reach = Reachability::of(program);
        let exact = analysis::exact_whynot(program, &reach, false);
        let nodes: Vec<Value> = ["a", "b"]
            .map(|n| Value::Str(interner.get(n).unwrap()))
            .to_vec();
        let cancel = Cancel::never();
        let setting = Setting {
            space: t.space(),
            program,
            interner,
            reach: &reach,
            nodes: &nodes,
            exact: &exact,
            cancel: &cancel,
        };
        let refutations = Refutations::default();
        let done = g
            .key(
                program.relation("done").unwrap(),
                t.space().eot,
                &[nodes[1], Value::Int(1)],
            )
            .expect("the failure-free run derives it");
        z3::with_z3_config(&z3::Config::new(), || {
            let mut enc = Encoder::new(&g, &setting, &refutations);
            let goal = enc.holds(done, false).not();
            minimal_sets(&mut enc, &goal, &BTreeSet::new(), 10).unwrap()
        })
    }

    fn sorted(mut sets: Vec<FaultSet>) -> Vec<FaultSet> {
        sets.sort();
        sets
    }

    #[test]
    fn losing_the_one_message_is_the_only_minimal_way_to_break_the_goal() {
        let t = target(SEND, 3, 2, 0);
        let omit: FaultSet = [Fault::Omission {
            from: 0,
            to: 1,
            time: 1,
        }]
        .into_iter()
        .collect();
        assert_eq!(breaking_done(&t), vec![omit.clone()]);
        // And the run agrees: under it, the goal is gone.
        let run = t.run(&omit).unwrap();
        let done = run.program().relation("done").unwrap();
        assert_eq!(run.rows(done, 3).count(), 0);
    }

    #[test]
    fn crashes_and_eff_bound_the_ways() {
        // With a crash allowed, crashing `a` at 1 (before it sends) breaks
        // it too; every set found is minimal and breaks it when run.
        let t = target(SEND, 3, 2, 1);
        let sets = sorted(breaking_done(&t));
        let crash: FaultSet = [Fault::Crash { node: 0, time: 1 }].into_iter().collect();
        assert_eq!(sets.len(), 2, "{sets:?}");
        assert!(sets.contains(&crash));
        for set in &sets {
            let run = t.run(set).unwrap();
            let done = run.program().relation("done").unwrap();
            assert_eq!(run.rows(done, 3).count(), 0, "{set:?}");
        }
        // At EFF 1 nothing may be omitted at time 1, and without crashes
        // the goal cannot fall.
        assert!(breaking_done(&target(SEND, 3, 1, 0)).is_empty());
    }
}
