//! Debugging Dedalus protocols over the provenance graphs of their runs: the
//! method of the Nemo paper (provenance-based debugging of distributed
//! protocols, sections 2–4: the graph algebra, differential and skeleton
//! provenance, corrections).
//!
//! - [`graph`]: provenance graphs of `pre` and `post` per run, and the
//!   algebra over them (union, intersection, difference, normalize, leaves,
//!   roots, reachable, prop);
//! - [`queries`]: the differential frontier `DiffC` against the closest good
//!   run, the skeleton difference `SkelDiffC` over all good runs, the
//!   triggers of `pre` and `post`, the hazard window;
//! - [`repair`]: candidate corrections as edits of the program's syntax
//!   tree, printed back to Dedalus and shown as unified diffs;
//! - [`mod@suspects`]: the rules most likely to hold the bug, ranked, read off
//!   the queries' answers through positive and negated premises;
//! - [`temporal`]: temporal provenance (the Zeno method): why an event
//!   happened when it did, with delay annotations that add up.
//! - [`why`]: the wat-provenance of a tuple: the minimal sub-traces of the
//!   run's inputs that produce it under every supertrace.
//!
//! Nemo proposes; it never certifies. The harness crate runs the fault
//! search on every candidate and presents only what the search verified.
//! This crate knows nothing of fault search or solvers: it reads finished
//! [`dedalus::eval::Run`]s and a [`dedalus::Program`].

pub mod graph;
pub mod queries;
pub mod repair;
pub mod suspects;
pub mod temporal;
pub mod why;

pub use graph::{Const, Graph, Key, RuleKind, Vertex, VertexId};
pub use queries::{Debugging, debug};
pub use repair::{Candidate, Edit, Patch, candidates};
pub use suspects::{Suspect, suspects};
