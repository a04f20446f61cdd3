//! The Dedalus language: parse, check and evaluate one run, recording provenance.
//!
//! Source text becomes an [`syntax::ast::Module`] per file ([`syntax`]), the
//! modules a checked [`Program`] ([`check`]), and a program plus a
//! [`eval::RunConfig`] one [`eval::Run`]: the tables at every timestep, the
//! message log, and the provenance of every tuple ([`provenance`]).
//!
//! ```
//! use dedalus::eval::{Evaluator, RunConfig};
//! use dedalus::faults::{Fault, FaultSet};
//!
//! let program = dedalus::load_str("bcast.ded", r#"
//!     node(N, M)@next :- node(N, M);
//!     log(N, P)@next :- log(N, P);
//!     log(M, P)@async :- bcast(N, P), node(N, M);
//!     log(N, P) :- bcast(N, P);
//!     node("a", "b")@1; bcast("a", "hello")@1;
//! "#).expect("the program checks");
//! let eval = Evaluator::new(&program, &["a", "b"]).expect("compiles");
//! let mut cfg = RunConfig::new(3);
//! let (a, b) = (eval.node_id("a").unwrap(), eval.node_id("b").unwrap());
//! cfg.faults = FaultSet::from_iter([Fault::Omission { from: a, to: b, time: 1 }]);
//! let run = eval.run(&cfg).expect("runs");
//! assert_eq!(run.relation_at("log", 3).len(), 1); // b never got it
//! assert_eq!(run.messages().len(), 1);
//! ```
//!
//! This crate knows nothing about fault-search policy or solvers: a fault
//! schedule is an input to a run, nothing more.
//!
//! # Semantics
//!
//! The dialect and its run semantics are those of the LDFI literature
//! (`docs/dedalus.md` in the repository), so Molly programs run unchanged.
//! The choices a porting user may need to know:
//!
//! - **Location** of a rule instance: the value of the first argument of the
//!   first body literal as written; an instance fires only where that value
//!   is one of the run's nodes (deductive rules included). An `@async` head
//!   goes to the node named by its first argument, and only to declared nodes.
//! - **Time**: deductive rules run to fixpoint per timestep, stratum by
//!   stratum, semi-naively; `@next` and `@async` rules run once per timestep
//!   over the completed tables, and not at EOT (nothing is sent at EOT).
//! - **Faults**: omissions and delays only for sends before EFF; a crashed
//!   node keeps computing and receiving, but its sends to other nodes from
//!   the crash time on are lost; a node's messages to itself are never lost;
//!   the runtime relation `crash(Observer, Node, T)` holds at every node at
//!   every time for every crash of the schedule.
//! - **Values**: strings and 64-bit integers; integers sort before strings;
//!   `/` and `%` truncate toward zero; overflow, division by zero, arithmetic
//!   on strings and ordering an integer against a string are runtime errors
//!   naming the rule and its binding.
//! - **Aggregates** group by the non-aggregate head arguments and range over
//!   distinct bindings of the body's named variables.
//! - **Runaway programs** stop with an error naming the rule once a run
//!   passes its budget ([`eval::Limits`]: tuples and estimated bytes, per
//!   timestep and per run, aggregate groups and firings included).

pub mod analysis;
pub mod check;
pub mod constant;
pub mod diagnostic;
pub mod eval;
pub mod faults;
pub mod lint;
mod load;
pub mod program;
pub mod provenance;
pub mod syntax;
pub mod value;

pub use diagnostic::{Diagnostic, Diagnostics};
pub use load::{load_files, load_str, read_text_file};
pub use program::{Program, RelId, Relation, RuleId, Spec, SpecError};
pub use syntax::SourceMap;
