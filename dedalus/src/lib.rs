//! The Dedalus language: parse, check and evaluate one run, recording provenance.
//!
//! Source text becomes an [`syntax::ast::Module`] per file ([`syntax`]), the
//! modules a checked [`Program`] ([`check`]), and a program plus a
//! [`eval::RunConfig`] one [`eval::Run`]: the tables at every timestep, the
//! message log, and the provenance of every tuple ([`provenance`]).
//!
//! This crate knows nothing about fault-search policy or solvers: a fault
//! schedule is an input to a run, nothing more.

pub mod check;
pub mod diagnostic;
pub mod eval;
mod load;
pub mod program;
pub mod provenance;
pub mod syntax;
pub mod value;

pub use diagnostic::{Diagnostic, Diagnostics};
pub use load::{load_files, load_str};
pub use program::{Program, RelId, Relation, RuleId};
pub use syntax::SourceMap;
