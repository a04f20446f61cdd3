//! Lineage-driven fault injection for Dedalus protocols.
//!
//! You write a protocol in Dedalus together with its specification: a `pre`
//! relation (what was promised) and a `post` relation (what must then hold),
//! checked at the end of time. This crate searches the faults a network can
//! inflict — lost messages, crashed nodes, late messages — for a run where
//! some `pre` holds without its `post`, and either hands you that run (a
//! counterexample with a one-line replay command) or certifies that no such
//! run exists within the bounds you gave.
//!
//! # A first check
//!
//! A spec file names the program and the bounds:
//!
//! ```yaml
//! program: [../protocols/simple_broadcast.ded]
//! nodes: [a, b, c]
//! eot: 4        # end of time: runs last 4 timesteps
//! eff: 2        # end of finite failures: messages may be lost before t = 2
//! crashes: 0    # how many nodes may crash
//! expect: violated
//! ```
//!
//! From a test, with this crate as a dev-dependency:
//!
//! ```no_run
//! # fn main() -> Result<(), harness::Error> {
//! let report = harness::check("specs/simple_broadcast.yaml")?;
//! report.assert_violated(); // a failing assertion prints the counterexample and its replay line
//! # Ok(()) }
//! ```
//!
//! One `#[test]` per spec file comes from [`spec_tests!`].
//!
//! # Looking inside
//!
//! [`check()`] is [`Spec::load`] + [`target_of`] + [`search()`] +
//! [`Report::new`]. A [`Target`] runs any [`FaultSet`] you build by hand,
//! [`search()`] takes any [`SearchStrategy`] ([`Portfolio`], the default,
//! composes [`Random`], [`Lineage`] and [`Symbolic`]; [`strategies`] lists
//! them by name), and a
//! [`Report`] is what every output format renders ([`report`]: text, JSON,
//! the saved counterexample YAML):
//!
//! ```no_run
//! # fn main() -> Result<(), harness::Error> {
//! use harness::{Budget, Portfolio, Spec};
//! let spec = Spec::load("specs/simple_broadcast.yaml".as_ref())?;
//! let target = harness::target_of(&spec)?;
//! let outcome = harness::search(&target, Portfolio::default(), &Budget::default(), &mut |_| {})?;
//! if let Some(cx) = outcome.counterexample() {
//!     println!("{}", cx.faults.describe(&target.space().nodes));
//!     println!("replay: {}", cx.replay);
//! }
//! let report = harness::Report::new(&outcome);
//! println!("{}", harness::report::json(&report).expect("plain data serialises"));
//! # Ok(()) }
//! ```
//!
//! # Explaining and repairing a counterexample
//!
//! [`repair::diagnose`] hands a counterexample and its good runs (the
//! failure-free run, and the runs with each single fault removed) to the
//! `nemo` crate, whose queries name the frontier where the failed run
//! departed (`DiffC`), the skeleton difference, the triggers of `pre` and
//! `post` and the hazard window. [`repair::repair`] takes nemo's candidate
//! patches and presents as repairs only those the search verified at the
//! same bounds (`ldfi debug`, `ldfi repair` on the command line):
//!
//! ```no_run
//! # fn main() -> Result<(), harness::Error> {
//! use harness::repair::{RepairOptions, repair};
//! let spec = harness::Spec::load("specs/async_primary_backup.yaml".as_ref())?;
//! let target = harness::target_of(&spec)?;
//! let found = repair(&target, &RepairOptions::new())?;
//! for fix in &found.verified {
//!     println!("{}\n{}", fix.candidate.summary, fix.patch.diff());
//! }
//! # Ok(()) }
//! ```
//!
//! # Reports
//!
//! [`render`] turns what a check found into what people and CI open: a
//! self-contained HTML page (spacetime diagrams of the failed and the good
//! run, provenance graphs with the Nemo difference marked, repair diffs),
//! DOT files, JUnit XML, SARIF 2.1.0 and Markdown (`ldfi check --report`,
//! `ldfi hunt --format sarif`):
//!
//! ```no_run
//! # fn main() -> Result<(), harness::Error> {
//! use harness::render::{adapt, write_report};
//! let spec = harness::Spec::load("specs/async_primary_backup.yaml".as_ref())?;
//! let target = harness::target_of(&spec)?;
//! let outcome = harness::search(&target, harness::Portfolio::default(), &Default::default(), &mut |_| {})?;
//! let view = adapt::check_view(&target, Some(&spec), &outcome, None)?;
//! write_report("reports/apb".as_ref(), &view)?; // report.html and DOT files
//! # Ok(()) }
//! ```
//!
//! # How the search works
//!
//! See [`ldfi`]: the failure-free run's lineage says why every good outcome
//! happened; z3 picks the smallest fault sets that would break every
//! derivation of one; those runs teach new derivations; repeat. The
//! [`exhaustive`] strategy is the ground truth our tests compare against, and
//! [`random`] the baseline the benchmark (`ldfi bench`) measures against.

mod api;
mod error;
pub mod exhaustive;
pub mod faults;
pub mod late;
pub mod ldfi;
pub mod portfolio;
pub mod random;
pub mod render;
pub mod repair;
pub mod report;
pub mod search;
mod solver;
pub mod spec;
pub mod strategies;
pub mod strategy;
pub mod symbolic;
pub mod target;
pub mod verdict;

pub use api::{check, search, spec_files, target_of};
pub use error::Error;
pub use exhaustive::Exhaustive;
pub use faults::{Fault, FaultSet, FaultSpace};
pub use ldfi::Lineage;
pub use portfolio::Portfolio;
pub use random::Random;
pub use report::Report;
pub use search::{Budget, Observation, Observer, Phase, Progress, RunVerdict, SearchObserver};
pub use spec::{Expect, Spec};
pub use strategy::{SearchStrategy, StrategyId};
pub use symbolic::Symbolic;
pub use target::{Judgement, Target};
pub use verdict::{Counterexample, Outcome, Proof, Verdict};
