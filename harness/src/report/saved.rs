//! A counterexample saved as YAML, the file `ldfi check --save` and
//! `ldfi hunt` write and `ldfi run --counterexample` replays: the program,
//! the bounds and the faults, with what the run violated and its replay
//! line for people.

use dedalus::provenance::Time;
use serde::{Deserialize, Serialize};

use super::{CounterexampleReport, FaultLists, Report};
use crate::verdict::Datum;

/// A saved counterexample: everything needed to replay its run.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SavedCounterexample {
    /// The program files, relative to the saved file's directory (or
    /// absolute).
    pub program: Vec<String>,
    /// The nodes.
    pub nodes: Vec<String>,
    /// End of time.
    pub eot: Time,
    /// End of finite failures.
    pub eff: Time,
    /// How many nodes the search allowed to crash (informational).
    #[serde(default)]
    pub crashes: u32,
    /// The largest admissible delay.
    pub max_delay: u32,
    /// The faults of the run.
    pub faults: FaultLists,
    /// The `pre` tuples left without their `post` (informational; never
    /// read back).
    #[serde(default, skip_deserializing)]
    pub violated: Vec<Vec<Datum>>,
    /// The runtime error that stopped the run, if any (informational).
    #[serde(default, skip_deserializing)]
    pub error: Option<String>,
    /// The command line that replays the run (informational).
    #[serde(default, skip_deserializing)]
    pub replay: String,
}

impl SavedCounterexample {
    /// Counterexample `cx` of `report`, naming the program files `program`
    /// (as the saved file should: relative to where it is written).
    pub fn new(
        report: &Report,
        cx: &CounterexampleReport,
        program: Vec<String>,
    ) -> SavedCounterexample {
        let b = &report.bounds;
        SavedCounterexample {
            program,
            nodes: b.nodes.clone(),
            eot: b.eot,
            eff: b.eff,
            crashes: b.crashes,
            max_delay: b.max_delay,
            faults: cx.run.faults.clone(),
            violated: cx.violated.clone(),
            error: cx.error.clone(),
            replay: cx.replay.clone(),
        }
    }

    /// The YAML document (keys sorted).
    pub fn to_yaml(&self) -> Result<String, serde_yaml::Error> {
        let sorted =
            serde_json::to_value(self).map_err(<serde_yaml::Error as serde::ser::Error>::custom)?;
        serde_yaml::to_string(&sorted)
    }

    /// Reads a saved counterexample (the informational fields are not
    /// read back).
    pub fn from_yaml(text: &str) -> Result<SavedCounterexample, serde_yaml::Error> {
        serde_yaml::from_str(text)
    }
}
