//! The lineage of every run so far, merged into one graph.
//!
//! Tuples are keyed by (relation, values, time), so a derivation seen in one
//! run is known in every other: this is the "learn its lineage" step of LDFI.
//! A key's origins are base facts, crash-oracle rows, rule firings (with
//! their premises and the negated atoms they checked absent) and messages
//! (with every firing that sent them, and how late they arrived).

use rustc_hash::FxHashMap as HashMap;

use dedalus::eval::Run;
use dedalus::provenance::{Conclusion, NodeId, Origin, Time};
use dedalus::value::Value;
use dedalus::{RelId, RuleId};

/// A tuple-at-time in the merged graph.
pub(crate) type KeyId = u32;

/// Why a key holds, in some run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum GOrigin {
    /// A base fact: holds in every run.
    Base,
    /// A crash-oracle row: holds iff `node` crashes at `at`.
    Crash { node: NodeId, at: Time },
    /// A rule firing.
    Firing(u32),
    /// A message arriving `delay` steps late (0: on time).
    Message { msg: u32, delay: u32 },
}

/// A negated atom a firing checked absent.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct AbsentAtom {
    pub rel: RelId,
    pub time: Time,
    pub pattern: Box<[Option<Value>]>,
}

/// A firing, as seen in some run.
#[derive(Clone, Debug)]
pub(crate) struct GFiring {
    pub premises: Vec<KeyId>,
    pub absent: Vec<AbsentAtom>,
}

/// A message, as seen in some run.
#[derive(Clone, Debug)]
pub(crate) struct GMessage {
    pub rel: RelId,
    pub from: NodeId,
    pub to: NodeId,
    pub sent: Time,
    pub senders: Vec<u32>,
}

impl GMessage {
    /// Its sender, destination and send time.
    pub fn envelope(&self) -> crate::faults::Envelope {
        crate::faults::Envelope::new(self.from, self.to, self.sent)
    }
}

/// A message's identity: relation, sender, destination, send time, values.
type MessageKey = (RelId, NodeId, NodeId, Time, Box<[Value]>);

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct FiringKey {
    rule: RuleId,
    time: Time,
    location: NodeId,
    binding: Box<[Value]>,
    head: Box<[Value]>,
}

/// The merged lineage graph.
#[derive(Default)]
pub(crate) struct Lineage {
    keys: HashMap<(RelId, Time, Box<[Value]>), KeyId>,
    /// Per key: relation, time, values.
    pub key_data: Vec<(RelId, Time, Box<[Value]>)>,
    /// Per key: its origins, sorted, without duplicates.
    pub origins: Vec<Vec<GOrigin>>,
    firing_ids: HashMap<FiringKey, u32>,
    pub firings: Vec<GFiring>,
    message_ids: HashMap<MessageKey, u32>,
    pub messages: Vec<GMessage>,
    /// Keys per (relation, time), for matching negated atoms.
    by_rel_time: HashMap<(RelId, Time), Vec<KeyId>>,
}

impl Lineage {
    /// The key of `rel(values)@time`, if any run had it.
    pub fn key(&self, rel: RelId, time: Time, values: &[Value]) -> Option<KeyId> {
        self.keys.get(&(rel, time, values.into())).copied()
    }

    /// Every known key of `rel` at `time` matching `pattern` (`None`: any value).
    pub fn matching(&self, rel: RelId, time: Time, pattern: &[Option<Value>]) -> Vec<KeyId> {
        self.by_rel_time
            .get(&(rel, time))
            .map_or_else(Vec::new, |ks| {
                ks.iter()
                    .copied()
                    .filter(|&k| {
                        let vals = &self.key_data[k as usize].2;
                        pattern
                            .iter()
                            .zip(vals.iter())
                            .all(|(p, v)| p.is_none_or(|p| p == *v))
                    })
                    .collect()
            })
    }

    /// The negative support of `atom`: every known message, to any node, of
    /// a relation from which the atom's relation is reachable, sent before
    /// the atom was checked. Disturbing one of them might make it appear.
    pub fn suspects<'s>(
        &'s self,
        atom: &'s AbsentAtom,
        reach: &'s [Vec<bool>],
    ) -> impl Iterator<Item = (u32, &'s GMessage)> + 's {
        self.messages
            .iter()
            .enumerate()
            .filter_map(move |(m, msg)| {
                (msg.from != msg.to
                    && msg.sent < atom.time
                    && reach[atom.rel as usize][msg.rel as usize])
                    .then_some((m as u32, msg))
            })
    }

    /// All known keys of `rel` at `time`.
    pub fn keys_of(&self, rel: RelId, time: Time) -> &[KeyId] {
        self.by_rel_time
            .get(&(rel, time))
            .map_or(&[], Vec::as_slice)
    }

    fn intern(&mut self, rel: RelId, time: Time, values: &[Value]) -> KeyId {
        if let Some(&k) = self.keys.get(&(rel, time, values.into())) {
            return k;
        }
        let k = self.key_data.len() as KeyId;
        self.keys.insert((rel, time, values.into()), k);
        self.key_data.push((rel, time, values.into()));
        self.origins.push(Vec::new());
        self.by_rel_time.entry((rel, time)).or_default().push(k);
        k
    }

    fn add_origin(&mut self, k: KeyId, o: GOrigin) {
        let list = &mut self.origins[k as usize];
        if let Err(i) = list.binary_search(&o) {
            list.insert(i, o);
        }
    }

    /// Merges everything `run` derived into the graph.
    pub fn learn(&mut self, run: &Run) {
        let prov = run.provenance();
        let n = run.tuple_count();
        let mut key_of = Vec::with_capacity(n);
        for id in 0..n as u32 {
            let t = run.tuple(id);
            key_of.push(self.intern(t.rel, t.time, t.values));
        }
        let mut firing_of: HashMap<u32, u32> = HashMap::default();
        let crash_node = |v: Value| {
            run.nodes().iter().position(|n| {
                Value::Str(run.interner().get(n).expect("node names are interned")) == v
            })
        };
        for id in 0..n as u32 {
            let k = key_of[id as usize];
            for &o in prov.origins(id) {
                let g = match o {
                    Origin::Fact(_) => GOrigin::Base,
                    Origin::Crash => {
                        let vals = run.tuple(id).values;
                        match (crash_node(vals[1]), vals[2]) {
                            (Some(node), Value::Int(at)) => GOrigin::Crash {
                                node: node as NodeId,
                                at: at as Time,
                            },
                            _ => GOrigin::Base,
                        }
                    }
                    Origin::Firing(f) => {
                        GOrigin::Firing(self.learn_firing(run, f, &key_of, &mut firing_of))
                    }
                    Origin::Message(m) => {
                        let msg = prov.message(m);
                        let gm = self.learn_message(run, m, &key_of, &mut firing_of);
                        GOrigin::Message {
                            msg: gm,
                            delay: msg.received.map_or(0, |r| r - msg.sent - 1),
                        }
                    }
                };
                self.add_origin(k, g);
            }
        }
        // Lost messages matter too (negative support looks at them).
        for m in 0..prov.messages().len() as u32 {
            self.learn_message(run, m, &key_of, &mut firing_of);
        }
    }

    fn learn_firing(
        &mut self,
        run: &Run,
        f: u32,
        key_of: &[KeyId],
        seen: &mut HashMap<u32, u32>,
    ) -> u32 {
        if let Some(&g) = seen.get(&f) {
            return g;
        }
        let prov = run.provenance();
        let firing = prov.firing(f);
        let head: Box<[Value]> = match firing.conclusion {
            Conclusion::Tuple(t) => run.tuple(t).values.into(),
            Conclusion::Message(m) => prov.message_values(prov.message(m)).into(),
        };
        let key = FiringKey {
            rule: firing.rule,
            time: firing.time,
            location: firing.location,
            binding: prov.binding(firing).into(),
            head,
        };
        let g = match self.firing_ids.get(&key) {
            Some(&g) => g,
            None => {
                let g = self.firings.len() as u32;
                self.firings.push(GFiring {
                    premises: prov
                        .firing_premises(firing)
                        .iter()
                        .map(|&p| key_of[p as usize])
                        .collect(),
                    absent: prov
                        .absent(firing)
                        .iter()
                        .map(|a| AbsentAtom {
                            rel: a.rel,
                            time: a.time,
                            pattern: prov.pattern(a).into(),
                        })
                        .collect(),
                });
                self.firing_ids.insert(key, g);
                g
            }
        };
        seen.insert(f, g);
        g
    }

    fn learn_message(
        &mut self,
        run: &Run,
        m: u32,
        key_of: &[KeyId],
        seen: &mut HashMap<u32, u32>,
    ) -> u32 {
        let prov = run.provenance();
        let msg = prov.message(m);
        let key = (
            msg.rel,
            msg.from,
            msg.to,
            msg.sent,
            prov.message_values(msg).into(),
        );
        let senders: Vec<u32> = prov
            .senders(msg)
            .iter()
            .map(|&f| self.learn_firing(run, f, key_of, seen))
            .collect();
        let g = match self.message_ids.get(&key) {
            Some(&g) => g,
            None => {
                let g = self.messages.len() as u32;
                self.messages.push(GMessage {
                    rel: msg.rel,
                    from: msg.from,
                    to: msg.to,
                    sent: msg.sent,
                    senders: Vec::new(),
                });
                self.message_ids.insert(key, g);
                g
            }
        };
        let list = &mut self.messages[g as usize].senders;
        for s in senders {
            if !list.contains(&s) {
                list.push(s);
            }
        }
        g
    }
}

/// Negative-support hypotheses refuted by runs: `(atom, message)` means a run
/// disturbed the message and the atom still did not appear, so the message
/// alone is no longer suspected of creating it. Without this, "any disturbed
/// message might create it" never weakens, and the search enumerates ever
/// larger combinations of irrelevant faults.
#[derive(Default)]
pub(crate) struct Refutations {
    refuted: rustc_hash::FxHashSet<(AbsentAtom, u32)>,
    /// Atoms whose negative support the formula used.
    pub watched: std::collections::BTreeSet<AbsentAtom>,
}

impl Refutations {
    /// Whether `msg` is no longer suspected of creating `atom`.
    pub fn refuted(&self, atom: &AbsentAtom, msg: u32) -> bool {
        self.refuted.contains(&(atom.clone(), msg))
    }

    /// Learns from a run under `faults`.
    pub fn learn(
        &mut self,
        g: &Lineage,
        reach: &[Vec<bool>],
        run: &Run,
        faults: &crate::faults::FaultSet,
    ) {
        for atom in &self.watched {
            let appeared = run.rows(atom.rel, atom.time).any(|r| {
                atom.pattern
                    .iter()
                    .zip(r.values.iter())
                    .all(|(p, v)| p.is_none_or(|p| p == *v))
            });
            if appeared {
                continue;
            }
            for (m, msg) in g.suspects(atom, reach) {
                if disturbs(faults, msg) {
                    self.refuted.insert((atom.clone(), m));
                }
            }
        }
    }
}

/// Whether `faults` stop or delay `msg` ([`crate::faults::fate`]).
pub(crate) fn disturbs(faults: &crate::faults::FaultSet, msg: &GMessage) -> bool {
    faults.fate(msg.envelope()) != dedalus::provenance::Fate::Delivered
}
