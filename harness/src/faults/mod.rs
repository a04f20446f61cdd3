//! The fault model: faults, fault sets, and the admissible space of them for
//! a node set and bounds (docs/dedalus.md §5).
//!
//! What a fault *is*, and the fate it deals a message, is defined once in
//! [`dedalus::faults`] (re-exported here); this module adds the space of
//! them a search ranges over. Which ones to try is the business of
//! [`crate::ldfi`], [`crate::random`] and [`crate::exhaustive`].

use std::fmt;

mod crash;
mod delay;
pub(crate) mod formula;
mod omission;
mod partition;

pub use dedalus::faults::{
    Bounds, BoundsError, Envelope, Fault, FaultError, FaultProblem, FaultSet, MessageFault, Side,
    check_node_name, fate,
};
use dedalus::provenance::{NodeId, Time};

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

impl FaultSpace {
    /// Checks that the bounds make sense ([`Bounds::validate`]).
    pub fn validate(&self) -> Result<(), BoundsError> {
        self.bounds().validate(&self.nodes)
    }

    /// The bounds without the nodes.
    pub fn bounds(&self) -> Bounds {
        Bounds {
            eot: self.eot,
            eff: self.eff,
            crashes: self.crashes,
            max_delay: self.max_delay,
            omissions: self.omissions,
        }
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

    /// Whether `set` is admissible here: it fits a run
    /// ([`Bounds::check_faults`]) and crashes at most `crashes` nodes.
    pub fn admits(&self, set: &FaultSet) -> bool {
        self.bounds().check_faults(set, self.nodes.len()).is_ok()
            && set.iter().filter(|f| f.crash().is_some()).count() <= self.crashes as usize
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
