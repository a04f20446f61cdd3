//! The fault model: faults, fault sets, and the admissible space of them for
//! a node set and bounds (docs/dedalus.md §5).
//!
//! This module owns what a fault *is* and which ones are allowed; which ones
//! to try is the business of [`crate::ldfi`], [`crate::random`] and
//! [`crate::exhaustive`].

use std::collections::BTreeSet;
use std::fmt;

use dedalus::eval::{Crash, Delay, FaultSchedule, Omission};
use dedalus::provenance::{NodeId, Time};

/// One fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Fault {
    /// The messages `from -> to` sent at `time` are lost (`time < EFF`).
    Omission {
        /// Sender.
        from: NodeId,
        /// Destination.
        to: NodeId,
        /// Send time.
        time: Time,
    },
    /// From `time` on, every message `node` sends to another node is lost.
    Crash {
        /// The node.
        node: NodeId,
        /// When.
        time: Time,
    },
    /// The message `from -> to` sent at `time` arrives `by` steps late.
    Delay {
        /// Sender.
        from: NodeId,
        /// Destination.
        to: NodeId,
        /// Send time.
        time: Time,
        /// Extra steps in flight.
        by: u32,
    },
}

/// A set of faults, kept sorted (omissions, then crashes, then delays).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FaultSet(BTreeSet<Fault>);

impl FaultSet {
    /// The empty set: a failure-free run.
    pub fn none() -> FaultSet {
        FaultSet::default()
    }

    /// Number of faults.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True for the failure-free set.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The faults, in order.
    pub fn iter(&self) -> impl Iterator<Item = &Fault> {
        self.0.iter()
    }

    /// Adds a fault.
    pub fn insert(&mut self, f: Fault) {
        self.0.insert(f);
    }

    /// The crash time of `node`, if it crashes.
    pub fn crash_of(&self, node: NodeId) -> Option<Time> {
        self.0.iter().find_map(|f| match *f {
            Fault::Crash { node: n, time } if n == node => Some(time),
            _ => None,
        })
    }

    /// The same run with message faults that a crash already implies removed
    /// (a message from a crashed sender is lost whatever else happens to it).
    pub fn normalized(&self) -> FaultSet {
        FaultSet(
            self.0
                .iter()
                .copied()
                .filter(|f| match *f {
                    Fault::Omission { from, time, .. } | Fault::Delay { from, time, .. } => {
                        self.crash_of(from).is_none_or(|c| c > time)
                    }
                    Fault::Crash { .. } => true,
                })
                .collect(),
        )
    }

    /// The schedule a run takes, with node names.
    pub fn schedule(&self, nodes: &[String]) -> FaultSchedule {
        let name = |n: NodeId| nodes[n as usize].clone();
        let mut s = FaultSchedule::none();
        for f in &self.0 {
            match *f {
                Fault::Omission { from, to, time } => s.omissions.push(Omission {
                    from: name(from),
                    to: name(to),
                    time,
                }),
                Fault::Crash { node, time } => s.crashes.push(Crash {
                    node: name(node),
                    time,
                }),
                Fault::Delay { from, to, time, by } => s.delays.push(Delay {
                    from: name(from),
                    to: name(to),
                    time,
                    by,
                }),
            }
        }
        s
    }

    /// The `--omit/--crash/--delay` flags that reproduce this set.
    pub fn flags(&self, nodes: &[String]) -> String {
        let n = |i: NodeId| nodes[i as usize].as_str();
        let mut out = Vec::new();
        for f in &self.0 {
            out.push(match *f {
                Fault::Omission { from, to, time } => {
                    format!("--omit {},{},{time}", n(from), n(to))
                }
                Fault::Crash { node, time } => format!("--crash {},{time}", n(node)),
                Fault::Delay { from, to, time, by } => {
                    format!("--delay {},{},{time},{by}", n(from), n(to))
                }
            });
        }
        out.join(" ")
    }

    /// A short human description: `omit a->b@1, crash a@2`.
    pub fn describe(&self, nodes: &[String]) -> String {
        if self.is_empty() {
            return "no faults".into();
        }
        let n = |i: NodeId| nodes[i as usize].as_str();
        self.0
            .iter()
            .map(|f| match *f {
                Fault::Omission { from, to, time } => format!("omit {}->{}@{time}", n(from), n(to)),
                Fault::Crash { node, time } => format!("crash {}@{time}", n(node)),
                Fault::Delay { from, to, time, by } => {
                    format!("delay {}->{}@{time} by {by}", n(from), n(to))
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl FromIterator<Fault> for FaultSet {
    fn from_iter<I: IntoIterator<Item = Fault>>(iter: I) -> FaultSet {
        FaultSet(iter.into_iter().collect())
    }
}

/// The bounds of a search: which fault sets are admissible.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaultSpace {
    /// The node names.
    pub nodes: Vec<String>,
    /// End of time.
    pub eot: Time,
    /// End of finite failures (omissions and delays only before it).
    pub eff: Time,
    /// At most this many nodes crash.
    pub crashes: u32,
    /// Largest delay (0: no delays).
    pub max_delay: u32,
    /// Whether messages may be lost by omission. `false` is the model of
    /// reliable, unordered channels: a message is late (a delay) but never
    /// lost, except through a crash of its sender.
    pub omissions: bool,
}

/// Why bounds are impossible.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BoundsError(pub String);

/// Checks one node name: letters, digits, `_`, `.` and `-` only, the same
/// rule for spec files and `--nodes`. Names appear in replay lines that
/// people paste into shells, in flags split at commas, and in file names.
pub fn check_node_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("a node name may not be empty".into());
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "_.-".contains(*c)))
    {
        return Err(format!(
            "node name `{}` contains {}: node names may contain only letters, digits, `_`, `.` and `-`",
            name.escape_debug(),
            if c.is_whitespace() {
                "a space".to_string()
            } else {
                format!("`{}`", c.escape_debug())
            }
        ));
    }
    if name.starts_with('-') {
        return Err(format!(
            "node name `{name}` starts with `-`: it would read as a flag"
        ));
    }
    Ok(())
}

impl FaultSpace {
    /// Checks that the bounds make sense.
    pub fn validate(&self) -> Result<(), BoundsError> {
        let bad = |m: String| Err(BoundsError(m));
        if self.nodes.is_empty() {
            return bad("at least one node is needed".into());
        }
        if self.eot == 0 {
            return bad("EOT must be at least 1".into());
        }
        if self.eot > dedalus::eval::MAX_EOT {
            return bad(format!(
                "EOT {} is beyond what a run can hold (at most {})",
                self.eot,
                dedalus::eval::MAX_EOT
            ));
        }
        if self.eff > self.eot {
            return bad(format!(
                "EFF ({}) may not exceed EOT ({}): faults after the end of time cannot happen",
                self.eff, self.eot
            ));
        }
        if self.crashes as usize > self.nodes.len() {
            return bad(format!(
                "crashes ({}) may not exceed the number of nodes ({})",
                self.crashes,
                self.nodes.len()
            ));
        }
        let mut seen = BTreeSet::new();
        for n in &self.nodes {
            check_node_name(n).map_err(BoundsError)?;
            if !seen.insert(n) {
                return bad(format!("node `{n}` is listed twice"));
            }
        }
        Ok(())
    }

    /// Number of nodes.
    pub fn node_count(&self) -> u32 {
        self.nodes.len() as u32
    }

    /// Every message channel and send time a fault may hit: `(from, to, t)`
    /// with `from != to` and `1 <= t < EFF`.
    pub fn channels(&self) -> Vec<(NodeId, NodeId, Time)> {
        let n = self.node_count();
        let mut out = Vec::new();
        for t in 1..self.eff {
            for from in 0..n {
                for to in 0..n {
                    if from != to {
                        out.push((from, to, t));
                    }
                }
            }
        }
        out
    }

    /// The number of [`FaultSpace::channels`], without listing them.
    pub fn channel_count(&self) -> u64 {
        let n = u64::from(self.node_count());
        n * n.saturating_sub(1) * u64::from(self.eff.saturating_sub(1))
    }

    /// Whether `set` is admissible here.
    pub fn admits(&self, set: &FaultSet) -> bool {
        let n = self.node_count();
        let mut crashed = BTreeSet::new();
        let mut hit = BTreeSet::new();
        for f in set.iter() {
            let ok = match *f {
                Fault::Omission { from, to, time } => {
                    self.omissions
                        && from < n
                        && to < n
                        && from != to
                        && time >= 1
                        && time < self.eff
                        && hit.insert((from, to, time))
                }
                Fault::Delay { from, to, time, by } => {
                    from < n
                        && to < n
                        && from != to
                        && time >= 1
                        && time < self.eff
                        && by >= 1
                        && by <= self.max_delay
                        && hit.insert((from, to, time))
                }
                Fault::Crash { node, time } => {
                    node < n && time >= 1 && time <= self.eot && crashed.insert(node)
                }
            };
            if !ok {
                return false;
            }
        }
        crashed.len() <= self.crashes as usize
    }

    /// The fault that disturbs the message `from -> to` sent at `time` the
    /// most: its omission, or under [`FaultSpace::omissions`] `false` the
    /// longest delay; `None` when no message fault is admissible.
    pub fn disturbance(&self, from: NodeId, to: NodeId, time: Time) -> Option<Fault> {
        if self.omissions {
            Some(Fault::Omission { from, to, time })
        } else {
            (self.max_delay > 0).then_some(Fault::Delay {
                from,
                to,
                time,
                by: self.max_delay,
            })
        }
    }

    /// What the fault model leaves out, for bounds and certificates:
    /// `", no omissions"` under reliable channels, else nothing.
    pub fn model_note(&self) -> &'static str {
        if self.omissions { "" } else { ", no omissions" }
    }

    /// The number of admissible fault sets.
    pub fn combinations(&self) -> Combinations {
        // Each channel-time is untouched, omitted (if omissions are
        // admissible), or delayed by 1..=max_delay;
        // each set of at most `crashes` nodes crashes, each at one of EOT times.
        let channels = self.channel_count() as f64;
        let per_channel = f64::from(1 + u32::from(self.omissions)) + self.max_delay as f64;
        let mut log10 = channels * per_channel.log10();
        let n = self.nodes.len() as u32;
        let mut crash_sets = 0.0f64;
        for k in 0..=self.crashes.min(n) {
            crash_sets += binomial(n, k) * (self.eot as f64).powi(k as i32);
        }
        log10 += crash_sets.log10();
        Combinations { log10 }
    }
}

/// `n` choose `k`, as a float (counts of fault sets grow past any integer).
pub(crate) fn binomial(n: u32, k: u32) -> f64 {
    (0..k).fold(1.0, |acc, i| acc * (n - i) as f64 / (i + 1) as f64)
}

/// A count of fault sets, possibly astronomically large.
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd)]
pub struct Combinations {
    /// Base-10 logarithm of the count.
    pub log10: f64,
}

impl Combinations {
    /// The count, if it is small enough to be exact in an `f64`.
    pub fn exact(&self) -> Option<u64> {
        (self.log10 < 15.0).then(|| 10f64.powf(self.log10).round() as u64)
    }
}

impl fmt::Display for Combinations {
    /// Exact below a million, else `2.43e26`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.log10 < 6.0 {
            return write!(f, "{}", 10f64.powf(self.log10).round() as u64);
        }
        let exp = self.log10.floor();
        let mut mantissa = 10f64.powf(self.log10 - exp);
        let mut exp = exp as i64;
        if (mantissa * 100.0).round() >= 1000.0 {
            mantissa /= 10.0;
            exp += 1;
        }
        write!(f, "{mantissa:.2}e{exp}")
    }
}
