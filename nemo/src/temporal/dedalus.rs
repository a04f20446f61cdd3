//! The event graph of one Dedalus run, from its recorded provenance.
//!
//! # Timesteps as processing intervals
//!
//! A Dedalus timestep is an instant: within it, a node evaluates its
//! deductive rules to fixpoint with no notion of duration. Time passes
//! only between timesteps, and only in two ways: an `@next` rule carries a
//! tuple to the next timestep, and a message spends timesteps in flight.
//! So, with `t` the timestep at which the tuple holds:
//!
//! | event | interval |
//! | --- | --- |
//! | `INS`: a fact `@t` (or the crash oracle) | `[t, t]` |
//! | `DRV`: a deductive firing at `t` | `[t, t]` |
//! | `DRV`: an `@next` firing at `t-1` | `[t-1, t]` |
//! | `SND`: an `@async` firing at `t` | `[t, t]` |
//! | `RCV`: a message sent at `s`, arriving at `t` (a delay included) | `[s, t]` |
//! | `LOSS`: a message sent at `s` and lost | `[s, s+1]` |
//!
//! A tuple that already held at the previous timestep continues the same
//! existence (persistence rules, re-derivations and re-sent copies make no
//! new event): it is represented by the event that established it, the
//! first timestep of its unbroken stretch. A tuple with several origins at
//! that timestep takes the first (a fact, the crash oracle, a firing, a
//! message, in that order); a message sent by several firings, the first.
//!
//! # Sequencing
//!
//! Remote sequencing edges join each send to its receive. Each event gets
//! one local sequencing predecessor: an off-path cause where the run has
//! one, otherwise the event its node processed immediately before it
//! ([`EventGraph::sequence_nodes`]). The off-path causes are
//!
//! - **retry after loss**: a send whose previous copy (same relation,
//!   tuple, sender and destination) was lost follows that `LOSS`;
//! - **held by delay**: a send whose previous copy was delayed past it
//!   follows a `SND` vertex of that copy stretched over its hold so far
//!   (`[sent, this send]`), which rests on the copy's send; when the delayed
//!   copy is the one that arrives, its hold is its own `RCV` interval,
//!   which spans every timestep in flight;
//! - **waited for `notin`** (Zeno §2.3, §4.5): a firing that found
//!   `notin p(..)` true where a matching `p` tuple held at the timestep
//!   before rests on a `DRV` vertex `p(..) held until t-1`, a precondition
//!   like its positive premises. Its causes are what kept `p` alive (the
//!   event that established it) and what ended it (the tuple that
//!   appeared at the next step and falsified a `notin` of the firing that
//!   carried `p` on, e.g. the arrival of a `fin` that ends `busy`); it
//!   lasts from the later of the two until the firing.
//!
//! A delayed message's hold is an event of its own, `[sent, arrival - 1]`
//! (a `SND` stretched over the delay), before its receive
//! `[arrival - 1, arrival]`: the delay fault weighs the hold, not the
//! normal one-step transit.

use std::collections::HashMap;

use dedalus::eval::Run;
use dedalus::provenance::{Fate, FiringId, MessageId, Origin, Time, TupleId};
use dedalus::syntax::ast::HeadTime;
use dedalus::value::Value;

use super::graph::{Event, EventGraph, EventId, GraphError, Instant, Kind, Sequencing};

/// The event graph of a run, and which event stands for each tuple.
#[derive(Clone, Debug)]
pub struct RunEvents {
    /// The events and edges.
    pub graph: EventGraph,
    /// `tuples[id]`: the event that established tuple `id`'s stretch.
    tuples: Vec<EventId>,
    /// `established[id]`: the tuple did not hold at the timestep before.
    established: Vec<bool>,
    /// `messages[id]`: the send, and the receive or loss, of message `id`.
    messages: HashMap<MessageId, (EventId, Option<EventId>)>,
    /// `held[id]`: the stretched sends of message `id` held back by a delay.
    held: HashMap<MessageId, Vec<EventId>>,
}

impl RunEvents {
    /// The events standing for message `id` held back by a delay while a
    /// later copy was sent (see the module docs), in order of creation.
    pub fn held(&self, id: MessageId) -> &[EventId] {
        self.held.get(&id).map_or(&[], Vec::as_slice)
    }

    /// The event that established tuple `id` (for a tuple that already held
    /// at the timestep before, the start of its stretch).
    pub fn event_of(&self, id: TupleId) -> EventId {
        self.tuples[id as usize]
    }

    /// Whether tuple `id` was established at its own timestep (it did not
    /// hold at the timestep before).
    pub fn established(&self, id: TupleId) -> bool {
        self.established[id as usize]
    }

    /// The send and the receive (or loss) events of message `id`, where the
    /// graph has them (messages nobody's provenance needs have none).
    pub fn message(&self, id: MessageId) -> Option<(EventId, Option<EventId>)> {
        self.messages.get(&id).copied()
    }
}

/// Builds the event graph of `run`.
pub fn events(run: &Run) -> Result<RunEvents, GraphError> {
    let mut b = Builder {
        run,
        graph: EventGraph::new(),
        tuples: vec![None; run.tuple_count()],
        established: vec![false; run.tuple_count()],
        messages: HashMap::new(),
        held: HashMap::new(),
        copies: HashMap::new(),
    };
    let prov = run.provenance();
    for (id, m) in prov.messages().iter().enumerate() {
        b.copies
            .entry((m.rel, m.from, m.to, prov.message_values(m).to_vec()))
            .or_default()
            .push(id as MessageId);
    }
    let mut order: Vec<TupleId> = (0..run.tuple_count() as TupleId).collect();
    order.sort_by_key(|&t| (run.tuple(t).time, t));
    for t in order {
        b.tuple(t)?;
    }
    b.graph.sequence_nodes();
    Ok(RunEvents {
        graph: b.graph,
        tuples: b
            .tuples
            .into_iter()
            .map(|e| e.expect("every tuple has an event"))
            .collect(),
        established: b.established,
        messages: b.messages,
        held: b.held,
    })
}

type CopyKey = (u32, u32, u32, Vec<Value>);

struct Builder<'r> {
    run: &'r Run,
    graph: EventGraph,
    tuples: Vec<Option<EventId>>,
    established: Vec<bool>,
    messages: HashMap<MessageId, (EventId, Option<EventId>)>,
    held: HashMap<MessageId, Vec<EventId>>,
    /// Every copy of a message, in order of sending.
    copies: HashMap<CopyKey, Vec<MessageId>>,
}

impl Builder<'_> {
    /// The event of tuple `id`, built on first use.
    fn tuple(&mut self, id: TupleId) -> Result<EventId, GraphError> {
        if let Some(e) = self.tuples[id as usize] {
            return Ok(e);
        }
        let run = self.run;
        let t = run.tuple(id);
        if let Some(prev) = t
            .time
            .checked_sub(1)
            .and_then(|p| run.find(t.rel, t.values, p))
        {
            let e = self.tuple(prev)?;
            self.tuples[id as usize] = Some(e);
            return Ok(e);
        }
        self.established[id as usize] = true;
        let label = run.show_tuple(id);
        let relation = run.program().relations()[t.rel as usize].name.clone();
        let at = Instant::from(t.time);
        let origin = run.provenance().origins(id).first().copied();
        let e = match origin {
            Some(Origin::Firing(f)) => self.firing(f, label, relation)?,
            Some(Origin::Message(m)) => self.message(m)?.1.expect("a delivered message"),
            _ => {
                let node = node_of(run, t.values).unwrap_or_else(|| "?".into());
                self.graph.add(Event {
                    kind: Kind::Ins,
                    node,
                    relation,
                    label,
                    interval: (at, at),
                })?
            }
        };
        self.tuples[id as usize] = Some(e);
        Ok(e)
    }

    /// The `DRV` of a firing that concluded a tuple.
    fn firing(
        &mut self,
        f: FiringId,
        label: String,
        relation: String,
    ) -> Result<EventId, GraphError> {
        let run = self.run;
        let firing = *run.provenance().firing(f);
        let next = run.program().rules()[firing.rule as usize].time == HeadTime::Next;
        let at = Instant::from(firing.time);
        let e = self.graph.add(Event {
            kind: Kind::Drv,
            node: run.node_name(firing.location).to_string(),
            relation,
            label,
            interval: (at, if next { at + 1 } else { at }),
        })?;
        self.premises(e, f)?;
        Ok(e)
    }

    /// Causal edges from a firing's premises, and the `notin` wait.
    fn premises(&mut self, e: EventId, f: FiringId) -> Result<(), GraphError> {
        let run = self.run;
        let prov = run.provenance();
        let firing = *prov.firing(f);
        for &p in prov.firing_premises(&firing) {
            let c = self.tuple(p)?;
            self.graph.cause(e, c)?;
        }
        for a in prov.absent(&firing) {
            let Some(before) = a.time.checked_sub(1) else {
                continue;
            };
            let pattern = prov.pattern(a);
            let blocker = run.rows(a.rel, before).find(|r| {
                r.values
                    .iter()
                    .zip(pattern)
                    .all(|(v, p)| p.is_none_or(|p| p == *v))
            });
            let Some(b) = blocker else {
                continue;
            };
            // Zeno §2.3, §4.5: the wait is a precondition of the firing; it
            // rests on what kept the blocker alive (the event that
            // established it) and on what ended it, and lasts from the
            // later of the two until the firing.
            let held = self.tuple(b.id)?;
            let ender = match self.ender(b.id, before)? {
                Some(x) if x != held => Some(x),
                _ => None,
            };
            let start = ender
                .map(|x| self.graph.event(x).end())
                .unwrap_or(0)
                .max(self.graph.event(held).end());
            let end = Instant::from(a.time);
            if start > end || end > self.graph.event(e).start() {
                continue;
            }
            let ended = ender.map_or_else(String::new, |x| {
                format!(", ended by {}", self.graph.event(x).label)
            });
            let h = self.graph.add(Event {
                kind: Kind::Drv,
                node: run.node_name(firing.location).to_string(),
                relation: run.program().relations()[a.rel as usize].name.clone(),
                label: format!(
                    "{} held until t={before}{ended}",
                    run.show_atom(a.rel, b.values)
                ),
                interval: (start, end),
            })?;
            self.graph.cause(h, held)?;
            if let Some(x) = ender {
                self.graph.cause(h, x)?;
            }
            self.graph.cause(e, h)?;
            self.graph.wait(h);
            break;
        }
        Ok(())
    }

    /// The event that ended tuple `id`, which held at `before` and not at
    /// `before + 1`: a tuple that appeared at the next step and falsified a
    /// `notin` of a firing that kept it (a persistence rule's, say), if any.
    fn ender(&mut self, id: TupleId, before: Time) -> Result<Option<EventId>, GraphError> {
        let run = self.run;
        let prov = run.provenance();
        for o in prov.origins(id) {
            let Origin::Firing(f) = *o else { continue };
            let firing = *prov.firing(f);
            for x in prov.absent(&firing) {
                let next = x.time + 1;
                if next > before + 1 {
                    continue;
                }
                let pattern = prov.pattern(x);
                let found = run.rows(x.rel, next).find(|r| {
                    r.values
                        .iter()
                        .zip(pattern)
                        .all(|(v, p)| p.is_none_or(|p| p == *v))
                });
                if let Some(r) = found {
                    return self.tuple(r.id).map(Some);
                }
            }
        }
        Ok(None)
    }

    /// The `SND` of message `m`, and its `RCV` or `LOSS`.
    fn message(&mut self, m: MessageId) -> Result<(EventId, Option<EventId>), GraphError> {
        if let Some(&done) = self.messages.get(&m) {
            return Ok(done);
        }
        let run = self.run;
        let prov = run.provenance();
        let msg = *prov.message(m);
        let atom = run.show_atom(msg.rel, prov.message_values(&msg));
        let relation = run.program().relations()[msg.rel as usize].name.clone();
        let (from, to) = (run.node_name(msg.from), run.node_name(msg.to));
        let sent = Instant::from(msg.sent);
        let snd = self.graph.add(Event {
            kind: Kind::Snd,
            node: from.to_string(),
            relation: relation.clone(),
            label: format!("{atom} {from}->{to} sent@{sent}"),
            interval: (sent, sent),
        })?;
        // Recorded before the premises: a copy's history never loops back.
        self.messages.insert(m, (snd, None));
        if let Some(&f) = prov.senders(&msg).first() {
            self.premises(snd, f)?;
        }
        if self.graph.local_predecessor(snd).is_none() {
            self.retry(m, snd)?;
        }
        let after = match (msg.fate, msg.received, msg.delivered) {
            (Fate::Omitted | Fate::Crashed(_), _, _) => {
                let why = match msg.fate {
                    Fate::Crashed(c) => format!("{from} crashed at t={c}"),
                    _ => "omission".to_string(),
                };
                let loss = self.graph.add(Event {
                    kind: Kind::Loss,
                    node: from.to_string(),
                    relation,
                    label: format!("{atom} {from}->{to} sent@{sent} lost ({why})"),
                    interval: (sent, sent + 1),
                })?;
                self.graph.cause(loss, snd)?;
                Some(loss)
            }
            (_, Some(at), Some(tuple)) => {
                let at = Instant::from(at);
                // A delay holds the message back before its normal one-step
                // transit: the hold is an event of its own (what the delay
                // fault weighs), the receive the last step.
                let hold = match msg.fate {
                    Fate::Delayed(d) if d > 0 && at - 1 > sent => {
                        let hold = self.graph.add(Event {
                            kind: Kind::Snd,
                            node: from.to_string(),
                            relation: relation.clone(),
                            label: format!(
                                "{atom} {from}->{to} sent@{sent} held back by a delay of {d}"
                            ),
                            interval: (sent, at - 1),
                        })?;
                        self.graph.cause(hold, snd)?;
                        self.held.entry(m).or_default().push(hold);
                        Some(hold)
                    }
                    _ => None,
                };
                let held = match msg.fate {
                    Fate::Delayed(d) => format!(" (held back by a delay of {d})"),
                    _ => String::new(),
                };
                let rcv = self.graph.add(Event {
                    kind: Kind::Rcv,
                    node: to.to_string(),
                    relation,
                    label: format!("{} from {from}{held}", run.show_tuple(tuple)),
                    interval: (if hold.is_some() { at - 1 } else { sent }, at),
                })?;
                self.graph.deliver(snd, rcv)?;
                if let Some(h) = hold {
                    self.graph.cause(rcv, h)?;
                }
                Some(rcv)
            }
            _ => None,
        };
        self.messages.insert(m, (snd, after));
        Ok((snd, after))
    }

    /// The off-path predecessor of a re-sent message: the loss of its
    /// previous copy, or the send of a previous copy still held back.
    fn retry(&mut self, m: MessageId, snd: EventId) -> Result<(), GraphError> {
        let run = self.run;
        let prov = run.provenance();
        let msg = *prov.message(m);
        let key = (
            msg.rel,
            msg.from,
            msg.to,
            prov.message_values(&msg).to_vec(),
        );
        let Some(prev) = self.copies.get(&key).and_then(|cs| {
            let pos = cs.iter().position(|&c| c == m)?;
            pos.checked_sub(1).map(|p| cs[p])
        }) else {
            return Ok(());
        };
        let earlier = *prov.message(prev);
        let held = matches!(earlier.fate, Fate::Delayed(_))
            && earlier.received.is_none_or(|r| r > msg.sent);
        let lost = matches!(earlier.fate, Fate::Omitted | Fate::Crashed(_));
        if !(held || lost) {
            return Ok(());
        }
        let (psnd, after) = self.message(prev)?;
        let (pred, why) = match (lost, after) {
            (true, Some(loss)) => (loss, Sequencing::Retry),
            _ => {
                // The earlier copy still in flight when this one was sent:
                // its send, stretched over the hold so far.
                let (from, to) = (run.node_name(earlier.from), run.node_name(earlier.to));
                let by = match earlier.fate {
                    Fate::Delayed(d) => d,
                    _ => 0,
                };
                let held = self.graph.add(Event {
                    kind: Kind::Snd,
                    node: from.to_string(),
                    relation: run.program().relations()[earlier.rel as usize].name.clone(),
                    label: format!(
                        "{} {from}->{to} sent@{} held back by a delay of {by}, in flight at t={}",
                        run.show_atom(earlier.rel, prov.message_values(&earlier)),
                        earlier.sent,
                        msg.sent
                    ),
                    interval: (Instant::from(earlier.sent), Instant::from(msg.sent)),
                })?;
                self.graph.cause(held, psnd)?;
                self.held.entry(prev).or_default().push(held);
                (held, Sequencing::Delay)
            }
        };
        if self.graph.event(pred).end() <= self.graph.event(snd).start()
            && self.graph.local_predecessor(snd).is_none()
        {
            self.graph.sequence(pred, snd, why)?;
        }
        Ok(())
    }
}

/// The node a tuple is located at: its first value, when that names a node.
fn node_of(run: &Run, values: &[Value]) -> Option<String> {
    let first = *values.first()?;
    let name = match first {
        Value::Str(s) => run.interner().resolve(s).to_string(),
        Value::Int(_) => return None,
    };
    run.nodes().contains(&name).then_some(name)
}

/// The timestep at which tuple `rel(values)` next becomes established at or
/// after `from` in `run`, with its tuple id.
pub fn established_at_or_after(
    run: &Run,
    events: &RunEvents,
    rel: u32,
    values: &[Value],
    from: Time,
) -> Option<TupleId> {
    (from.max(1)..=run.eot())
        .filter_map(|t| run.find(rel, values, t))
        .find(|&id| events.established(id))
}
