//! The formula: one boolean per ground tuple-at-time in the cone of `pre`
//! and `post` at EOT, one per fault, and constraints whose models are
//! exactly the admissible runs (docs/dedalus.md §4-§7).
//!
//! A tuple holds iff one of its sources does: a fact always; a crash-oracle
//! row iff that crash is chosen; an instance iff its positive premises hold
//! and its negated ones do not; an aggregate output iff the group's members
//! that fire yield it; an arrival iff the message is sent and its fate
//! ([`FaultVars::arrives`], the fate rule as a formula) brings it then. Certain tuples
//! are constants.
//!
//! "Holds iff some source holds" alone would admit self-supporting cycles
//! of positive recursion within a timestep; tuples on such cycles also get
//! an integer rank, and a source only supports a tuple through premises of
//! its own cycle with lower ranks (the least fixpoint).

use dedalus::eval::ground::{GroundMessageId, Grounding, GroupId, InstanceId, Sender, Source};
use dedalus::provenance::{Time, TupleId};
use dedalus::syntax::ast::AggFn;
use dedalus::value::Value;
use rustc_hash::FxHashMap;
use z3::ast::{Bool, Int};

use crate::faults::formula::FaultVars;
use crate::faults::{Envelope, Fault, FaultSpace};

pub use crate::solver::Size;

/// A tuple's definition: each source's condition and, for a deductive
/// instance, its same-time premises (candidates for a positive cycle).
type Definition = Vec<(Bool, Vec<TupleId>)>;

/// A formula under construction.
pub(crate) struct Encoder<'g> {
    g: &'g Grounding,
    space: &'g FaultSpace,
    tuple: FxHashMap<TupleId, Bool>,
    worklist: Vec<TupleId>,
    /// Per encoded tuple: each source's condition and, for deductive
    /// instances, its same-time premises (candidates for a cycle).
    defs: Vec<(TupleId, Definition)>,
    instance: FxHashMap<InstanceId, Bool>,
    sent: FxHashMap<GroundMessageId, Bool>,
    binding: FxHashMap<(GroupId, usize), Bool>,
    output: FxHashMap<(GroupId, u32), Bool>,
    /// The fault variables, created on first use.
    pub faults: FaultVars,
    pub constraints: Vec<Bool>,
    ranks: usize,
    /// Some constraint is over integers (a sum, a rank): the formula is not
    /// purely Boolean and pseudo-Boolean.
    integers: bool,
}

impl<'g> Encoder<'g> {
    pub fn new(g: &'g Grounding, space: &'g FaultSpace) -> Encoder<'g> {
        Encoder {
            g,
            space,
            tuple: FxHashMap::default(),
            worklist: Vec::new(),
            defs: Vec::new(),
            instance: FxHashMap::default(),
            sent: FxHashMap::default(),
            binding: FxHashMap::default(),
            output: FxHashMap::default(),
            faults: FaultVars::default(),
            constraints: Vec::new(),
            ranks: 0,
            integers: false,
        }
    }

    /// The variable of a tuple (a constant when certain); defined later by
    /// [`Encoder::close`]. `None`: no admissible run holds it.
    pub fn holds(&mut self, id: Option<TupleId>) -> Bool {
        let Some(id) = id else {
            return Bool::from_bool(false);
        };
        if self.g.is_certain(id) {
            return Bool::from_bool(true);
        }
        if let Some(b) = self.tuple.get(&id) {
            return b.clone();
        }
        let b = Bool::new_const(format!("t{id}"));
        self.tuple.insert(id, b.clone());
        self.worklist.push(id);
        b
    }

    fn fires(&mut self, i: InstanceId) -> Bool {
        if let Some(b) = self.instance.get(&i) {
            return b.clone();
        }
        let inst = self.g.instance(i);
        let mut all = Vec::with_capacity(inst.pos.len() + inst.neg.len());
        for &p in inst.pos.iter() {
            all.push(self.holds(Some(p)));
        }
        for &n in inst.neg.iter() {
            all.push(self.holds(Some(n)).not());
        }
        let b = Bool::and(&all);
        self.instance.insert(i, b.clone());
        b
    }

    fn binding(&mut self, group: GroupId, b: usize) -> Bool {
        if let Some(x) = self.binding.get(&(group, b)) {
            return x.clone();
        }
        let insts = self.g.group(group).bindings[b].instances.clone();
        let any: Vec<Bool> = insts.into_iter().map(|i| self.fires(i)).collect();
        let x = Bool::or(&any);
        self.binding.insert((group, b), x.clone());
        x
    }

    /// The group yields output `o` (one value per aggregate of the head).
    fn yields(&mut self, group: GroupId, o: u32) -> Bool {
        if let Some(x) = self.output.get(&(group, o)) {
            return x.clone();
        }
        let g = self.g.group(group);
        if g.exact {
            return Bool::from_bool(true);
        }
        let interner = self.g.interner();
        let n = g.bindings.len();
        let members: Vec<Bool> = (0..n).map(|b| self.binding(group, b)).collect();
        let g = self.g.group(group);
        let mut all = vec![Bool::or(&members)];
        for (j, (&fun, &v)) in g.funs.iter().zip(g.outputs[o as usize].iter()).enumerate() {
            match fun {
                AggFn::Count => {
                    let Value::Int(v) = v else {
                        unreachable!("counts are integers")
                    };
                    // A pseudo-Boolean constraint, not a sum of if-then-elses:
                    // bit-blasted (card2bv) rather than left to arithmetic.
                    match i32::try_from(v) {
                        Ok(k) => {
                            let ones: Vec<(&Bool, i32)> = members.iter().map(|m| (m, 1)).collect();
                            all.push(Bool::pb_eq(&ones, k));
                        }
                        // More members than an i32 counts: never, but exact.
                        Err(_) => all.push(Bool::from_bool(false)),
                    }
                }
                AggFn::Sum => {
                    let Value::Int(v) = v else {
                        unreachable!("sums are integers")
                    };
                    let terms: Vec<Int> = g
                        .bindings
                        .iter()
                        .zip(&members)
                        .map(|(b, m)| {
                            let Value::Int(x) = b.values[j] else {
                                unreachable!("sum members are integers (checked by the grounding)")
                            };
                            m.ite(&Int::from_i64(x), &Int::from_i64(0))
                        })
                        .collect();
                    all.push(Int::add(&terms).eq(Int::from_i64(v)));
                    self.integers = true;
                }
                AggFn::Min | AggFn::Max => {
                    let mut some = Vec::new();
                    for (b, m) in g.bindings.iter().zip(&members) {
                        let ord = interner.cmp(b.values[j], v);
                        let beyond = if fun == AggFn::Min {
                            ord == std::cmp::Ordering::Less
                        } else {
                            ord == std::cmp::Ordering::Greater
                        };
                        if ord == std::cmp::Ordering::Equal {
                            some.push(m.clone());
                        } else if beyond {
                            all.push(m.not());
                        }
                    }
                    all.push(Bool::or(&some));
                }
            }
        }
        let x = Bool::and(&all);
        self.output.insert((group, o), x.clone());
        x
    }

    fn sender(&mut self, s: Sender) -> Bool {
        match s {
            Sender::Fire(i) => self.fires(i),
            Sender::Aggregate {
                group,
                output,
                location,
            } => {
                let y = self.yields(group, output);
                let here: Vec<InstanceId> = self
                    .g
                    .group(group)
                    .bindings
                    .iter()
                    .flat_map(|b| b.instances.iter().copied())
                    .filter(|&i| self.g.instance(i).location == location)
                    .collect();
                let any: Vec<Bool> = here.into_iter().map(|i| self.fires(i)).collect();
                Bool::and(&[y, Bool::or(&any)])
            }
        }
    }

    fn sent(&mut self, m: GroundMessageId) -> Bool {
        if let Some(b) = self.sent.get(&m) {
            return b.clone();
        }
        let senders = self.g.message(m).senders.clone();
        let any: Vec<Bool> = senders.into_iter().map(|s| self.sender(s)).collect();
        let b = Bool::or(&any);
        self.sent.insert(m, b.clone());
        b
    }

    fn source(&mut self, s: Source, time: Time) -> (Bool, Vec<TupleId>) {
        match s {
            Source::Fact => (Bool::from_bool(true), Vec::new()),
            Source::Crash { node, time } => {
                let b = if self.space.crashes > 0 {
                    self.faults.get(Fault::Crash { node, time })
                } else {
                    Bool::from_bool(false)
                };
                (b, Vec::new())
            }
            Source::Fire(i) => {
                let inst = self.g.instance(i);
                // Same-time premises of a deductive instance may close a cycle.
                let same: Vec<TupleId> = if inst.time == time {
                    inst.pos
                        .iter()
                        .copied()
                        .filter(|&p| !self.g.is_certain(p) && self.g.tuple(p).1 == time)
                        .collect()
                } else {
                    Vec::new()
                };
                (self.fires(i), same)
            }
            Source::Aggregate { group, output } => (self.yields(group, output), Vec::new()),
            Source::Arrival { message, delay } => {
                let msg = self.g.message(message);
                let (from, to, t) = (msg.from, msg.to, msg.sent);
                let sent = self.sent(message);
                let fate = self
                    .faults
                    .arrives(self.space, Envelope::new(from, to, t), delay);
                (Bool::and(&[sent, fate]), Vec::new())
            }
        }
    }

    /// Defines every tuple variable handed out so far (and those their
    /// definitions need), then the admissibility of the fault variables.
    pub fn close(&mut self) {
        while let Some(id) = self.worklist.pop() {
            let time = self.g.tuple(id).1;
            let sources = self.g.sources(id).to_vec();
            let def: Vec<(Bool, Vec<TupleId>)> =
                sources.into_iter().map(|s| self.source(s, time)).collect();
            self.defs.push((id, def));
        }
        self.least_fixpoint();
        self.admissible();
    }

    /// `x <=> OR sources`, with ranks on positive cycles.
    fn least_fixpoint(&mut self) {
        let index: FxHashMap<TupleId, usize> = self
            .defs
            .iter()
            .enumerate()
            .map(|(i, (id, _))| (*id, i))
            .collect();
        let edges: Vec<Vec<usize>> = self
            .defs
            .iter()
            .map(|(_, def)| {
                def.iter()
                    .flat_map(|(_, same)| same.iter().filter_map(|p| index.get(p).copied()))
                    .collect()
            })
            .collect();
        let scc = strongly_connected(&edges);
        let cyclic: Vec<bool> = (0..edges.len())
            .map(|v| {
                let c = scc[v];
                edges[v].iter().any(|&w| scc[w] == c)
            })
            .collect();
        let mut rank: FxHashMap<usize, Int> = FxHashMap::default();
        for (v, (id, _)) in self.defs.iter().enumerate() {
            if cyclic[v] {
                rank.insert(v, Int::new_const(format!("r{id}")));
                self.ranks += 1;
                self.integers = true;
            }
        }
        let defs = std::mem::take(&mut self.defs);
        for (v, (id, def)) in defs.iter().enumerate() {
            let x = self.tuple[id].clone();
            let conds: Vec<Bool> = def.iter().map(|(c, _)| c.clone()).collect();
            if !cyclic[v] {
                self.constraints.push(x.iff(Bool::or(&conds)));
                continue;
            }
            // Every firing source implies x; x needs a source whose
            // premises on x's cycle were established first.
            for c in &conds {
                self.constraints.push(c.implies(&x));
            }
            let rx = rank[&v].clone();
            let supported: Vec<Bool> = def
                .iter()
                .map(|(c, same)| {
                    let mut all = vec![c.clone()];
                    for p in same {
                        if let Some(&w) = index.get(p)
                            && scc[w] == scc[v]
                        {
                            all.push(rank[&w].lt(&rx));
                        }
                    }
                    Bool::and(&all)
                })
                .collect();
            self.constraints.push(x.implies(Bool::or(&supported)));
        }
        self.defs = defs;
    }

    /// The admissibility of the fault variables
    /// ([`FaultVars::admissibility`]).
    fn admissible(&mut self) {
        let constraints = self.faults.admissibility(self.space);
        self.constraints.extend(constraints);
    }

    /// Whether the formula is Boolean and pseudo-Boolean only (no integer
    /// sums or ranks): then a SAT-oriented tactic chain decides it.
    pub fn boolean(&self) -> bool {
        !self.integers
    }

    /// The size of the formula.
    pub fn size(&self) -> Size {
        Size {
            ground_tuples: self.g.tuple_count(),
            instances: self.g.instance_count(),
            cone: self.tuple.len(),
            variables: self.tuple.len() + self.faults.len() + self.ranks,
            constraints: self.constraints.len(),
        }
    }
}

/// Tarjan's strongly connected components, iteratively (graphs can be deep):
/// the component number of each vertex.
fn strongly_connected(edges: &[Vec<usize>]) -> Vec<usize> {
    const NONE: usize = usize::MAX;
    let n = edges.len();
    let (mut index, mut low, mut comp) = (vec![NONE; n], vec![0; n], vec![NONE; n]);
    let (mut on_stack, mut stack) = (vec![false; n], Vec::new());
    let (mut next, mut comps) = (0, 0);
    for root in 0..n {
        if index[root] != NONE {
            continue;
        }
        let mut call: Vec<(usize, usize)> = vec![(root, 0)];
        index[root] = next;
        low[root] = next;
        next += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&mut (v, ref mut i)) = call.last_mut() {
            if let Some(&w) = edges[v].get(*i) {
                *i += 1;
                if index[w] == NONE {
                    index[w] = next;
                    low[w] = next;
                    next += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    call.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            call.pop();
            if let Some(&(u, _)) = call.last() {
                low[u] = low[u].min(low[v]);
            }
            if low[v] == index[v] {
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    comp[w] = comps;
                    if w == v {
                        break;
                    }
                }
                comps += 1;
            }
        }
    }
    comp
}

#[cfg(test)]
mod tests {
    use super::strongly_connected;

    #[test]
    fn components_of_a_small_graph() {
        // 0 -> 1 -> 2 -> 0 is a cycle; 3 -> 3 a self-loop; 4 alone.
        let edges = vec![vec![1], vec![2], vec![0, 3], vec![3], vec![]];
        let c = strongly_connected(&edges);
        assert_eq!(c[0], c[1]);
        assert_eq!(c[1], c[2]);
        assert_ne!(c[0], c[3]);
        assert_ne!(c[3], c[4]);
    }
}
