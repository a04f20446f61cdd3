//! Fault schedules as tests write them, with node names; resolved to the
//! id-keyed [`FaultSet`] a run takes against the run's node list (the
//! oracles of the property tests read the names, independently of
//! `dedalus::faults`).

use dedalus::faults::{Fault, FaultSet};

/// `omission(from, to, t)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Omission {
    pub from: String,
    pub to: String,
    pub time: u32,
}

/// `crash(node, t)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Crash {
    pub node: String,
    pub time: u32,
}

/// `delay(from, to, t, by)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delay {
    pub from: String,
    pub to: String,
    pub time: u32,
    pub by: u32,
}

/// A fault schedule with node names.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FaultSchedule {
    pub omissions: Vec<Omission>,
    pub crashes: Vec<Crash>,
    pub delays: Vec<Delay>,
}

impl FaultSchedule {
    pub fn none() -> FaultSchedule {
        FaultSchedule::default()
    }

    /// The fault set, node names looked up in `nodes` (a test names only nodes).
    pub fn resolve(&self, nodes: &[&str]) -> FaultSet {
        let id = |n: &str| {
            nodes
                .iter()
                .position(|m| *m == n)
                .unwrap_or_else(|| panic!("`{n}` is not a node")) as u32
        };
        let mut set = FaultSet::none();
        for o in &self.omissions {
            set.insert(Fault::Omission {
                from: id(&o.from),
                to: id(&o.to),
                time: o.time,
            });
        }
        for c in &self.crashes {
            set.insert(Fault::Crash {
                node: id(&c.node),
                time: c.time,
            });
        }
        for d in &self.delays {
            set.insert(Fault::Delay {
                from: id(&d.from),
                to: id(&d.to),
                time: d.time,
                by: d.by,
            });
        }
        set
    }
}
