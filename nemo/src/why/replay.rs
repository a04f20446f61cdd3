//! Replays of one run with a sub-trace of its inputs.
//!
//! A replay evaluates the run's program again on the run's nodes, under
//! the run's crashes and delays, holding only the facts the sub-trace keeps
//! and delivering only the messages the run delivered and the sub-trace
//! keeps ([`dedalus::eval::Evaluator::run_keeping`]). Inputs that are not
//! candidates are always kept. A sub-trace is a bit mask over the
//! candidates (bit `i`: candidate `i` is kept).

use std::collections::{HashMap, HashSet};

use dedalus::RelId;
use dedalus::eval::{Cancel, EvalError, Evaluator, Keep, Run, RunConfig};
use dedalus::faults::{Envelope, Fault, FaultSet};
use dedalus::provenance::{NodeId, Time, TupleId};
use dedalus::value::Value;

use super::{Input, WhyError};

/// A message's identity across runs: relation, sender, receiver, send time.
type Address = (RelId, NodeId, NodeId, Time);

/// The messages delivered at one address: values, and candidate bit.
type AtAddress = Vec<(Vec<Value>, Option<u64>)>;

/// Replays of one run, for the sub-traces of a list of candidate inputs.
pub struct Replayer {
    eval: Evaluator,
    cfg: RunConfig,
    cancel: Cancel,
    /// The goal in the replays' values, `None` if a replay cannot hold it.
    goal: Option<(RelId, Vec<Value>, Time)>,
    /// `fact_bits[i]`: the candidate bit of fact `i`, if it is one.
    fact_bits: Vec<Option<u64>>,
    /// The messages the run delivered between different nodes, in the
    /// replays' values, with their candidate bit.
    delivered: HashMap<Address, AtAddress>,
    /// `messages[bit]`: the candidate message of that bit.
    messages: Vec<(u64, Address, Vec<Value>)>,
}

impl Replayer {
    /// Replays of `run` for the sub-traces of `candidates`, each giving up
    /// when `cancel` says so.
    pub fn new(
        run: &Run,
        goal: TupleId,
        candidates: &[Input],
        cancel: Cancel,
    ) -> Result<Replayer, WhyError> {
        let eval = Evaluator::new(run.program(), run.nodes()).map_err(WhyError::Replay)?;
        let values = |vs: &[Value]| -> Option<Vec<Value>> {
            vs.iter()
                .map(|&v| match v {
                    Value::Int(_) => Some(v),
                    Value::Str(s) => eval
                        .interner()
                        .get(run.interner().resolve(s))
                        .map(Value::Str),
                })
                .collect()
        };
        let t = run.tuple(goal);
        let goal = values(t.values).map(|v| (t.rel, v, t.time));
        let mut fact_bits = vec![None; run.program().facts().len()];
        let mut bit_of_message = HashMap::new();
        for (bit, input) in candidates.iter().enumerate() {
            match *input {
                Input::Fact(i) => fact_bits[i] = Some(bit as u64),
                Input::Message(d) => {
                    bit_of_message.insert(d.id, bit as u64);
                }
            }
        }
        let prov = run.provenance();
        let mut delivered: HashMap<Address, AtAddress> = HashMap::new();
        let mut messages = Vec::new();
        for (id, m) in run.messages().iter().enumerate() {
            if !super::delivered(m) {
                continue;
            }
            let Some(vs) = values(prov.message_values(m)) else {
                continue;
            };
            let address = (m.rel, m.from, m.to, m.sent);
            let bit = bit_of_message.get(&(id as u32)).copied();
            if let Some(b) = bit {
                messages.push((b, address, vs.clone()));
            }
            delivered.entry(address).or_default().push((vs, bit));
        }
        let mut faults = FaultSet::none();
        let mut max_delay = 0;
        for f in run.faults().iter() {
            match *f {
                Fault::Delay { by, .. } => {
                    max_delay = max_delay.max(by);
                    faults.insert(*f);
                }
                Fault::Crash { .. } => faults.insert(*f),
                // Messages the run lost are not delivered by a replay anyway.
                Fault::Omission { .. } | Fault::Partition { .. } => {}
            }
        }
        let mut cfg = RunConfig::new(run.eot());
        cfg.max_delay = max_delay;
        cfg.faults = faults;
        Ok(Replayer {
            eval,
            cfg,
            cancel,
            goal,
            fact_bits,
            delivered,
            messages,
        })
    }

    /// Whether the goal holds with only the candidates in `kept`, and the
    /// kept candidate messages that replay never sent (dropping them too
    /// would replay the very same run).
    pub fn replay(&self, kept: u64) -> Result<(bool, u64), EvalError> {
        let keep = Kept { r: self, kept };
        let replayed = self.eval.run_keeping(&self.cfg, &self.cancel, &keep)?;
        let holds = self
            .goal
            .as_ref()
            .is_some_and(|(rel, vs, t)| replayed.find(*rel, vs, *t).is_some());
        let prov = replayed.provenance();
        let sent: HashSet<(Address, &[Value])> = replayed
            .messages()
            .iter()
            .map(|m| ((m.rel, m.from, m.to, m.sent), prov.message_values(m)))
            .collect();
        let silent = self
            .messages
            .iter()
            .filter(|(b, a, vs)| kept & (1 << b) != 0 && !sent.contains(&(*a, vs.as_slice())))
            .fold(0, |acc, (b, _, _)| acc | (1 << b));
        Ok((holds, silent))
    }
}

/// The sub-trace `kept` of a [`Replayer`]'s candidates.
struct Kept<'a> {
    r: &'a Replayer,
    kept: u64,
}

impl Keep for Kept<'_> {
    fn fact(&self, index: usize) -> bool {
        self.r.fact_bits[index].is_none_or(|b| self.kept & (1 << b) != 0)
    }

    fn message(&self, rel: RelId, e: Envelope, values: &[Value]) -> bool {
        self.r
            .delivered
            .get(&(rel, e.from, e.to, e.sent))
            .and_then(|ms| ms.iter().find(|(vs, _)| vs == values))
            .is_some_and(|(_, bit)| bit.is_none_or(|b| self.kept & (1 << b) != 0))
    }
}
