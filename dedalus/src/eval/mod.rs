//! Evaluation of one run: a checked [`Program`] on a node set, up to EOT,
//! under a fault schedule (docs/dedalus.md §4-§8).
//!
//! [`Evaluator::new`] compiles the program once for a node set; each call of
//! [`Evaluator::run`] evaluates one run and returns a [`Run`]: every table at
//! every time, the message log, and complete provenance.

mod arith;
mod budget;
mod compile;
mod engine;
mod fault_index;
mod fixpoint;
pub mod ground;
mod join;
mod run;
mod table;

use std::fmt::Write as _;
use std::sync::Arc;

use rustc_hash::FxHashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use crate::program::{CRASH, Program, RelId};
use crate::provenance::{NodeId, Time};
use crate::syntax::ast::HeadTime;
use crate::value::{Interner, Value};

pub use run::{Run, TupleRef};

pub use crate::faults::{FaultSet, MAX_EOT};

/// Default bound on the tuples of one timestep before a run is stopped as
/// runaway (the default [`Limits::step_tuples`]).
pub const DEFAULT_MAX_TUPLES: usize = 1_000_000;

/// The runaway budget of one run: what a run may hold before it stops with
/// [`EvalError::Runaway`] naming the rule being evaluated. Tuples are
/// counted per timestep and per run; bytes (an estimate of what tuples,
/// firings and aggregate groups hold: values, premise lists and
/// bookkeeping) per timestep and per run, so that wide heads, aggregates
/// over large products and tuples kept forever with `@next` are all caught
/// before memory runs out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Limits {
    /// Tuples derived at one timestep (default 1,000,000).
    pub step_tuples: usize,
    /// Tuples of the whole run (default 10,000,000).
    pub run_tuples: usize,
    /// Estimated bytes derived at one timestep (default 256 MiB).
    pub step_bytes: usize,
    /// Estimated bytes of the whole run (default 1 GiB).
    pub run_bytes: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            step_tuples: DEFAULT_MAX_TUPLES,
            run_tuples: 10_000_000,
            step_bytes: 256 << 20,
            run_bytes: 1 << 30,
        }
    }
}

/// The parameters of one run besides the program and node set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunConfig {
    /// End of time: the last timestep.
    pub eot: Time,
    /// End of finite failures: omissions and delays only at `t < eff`.
    pub eff: Time,
    /// Largest admissible delay (0: no delays).
    pub max_delay: u32,
    /// The faults (node ids index the evaluator's node list).
    pub faults: FaultSet,
    /// The runaway budget.
    pub limits: Limits,
}

impl RunConfig {
    /// A failure-free run up to `eot` (EFF = EOT, no delays).
    pub fn new(eot: Time) -> RunConfig {
        RunConfig {
            eot,
            eff: eot,
            max_delay: 0,
            faults: FaultSet::none(),
            limits: Limits::default(),
        }
    }
}

/// The inputs a replay keeps ([`Evaluator::run_keeping`]).
pub trait Keep: Sync {
    /// Whether the fact at this index of [`Program::facts`] holds.
    fn fact(&self, index: usize) -> bool;
    /// Whether a message of relation `rel` with `values`, between different
    /// nodes and delivered by the run's faults, is delivered.
    fn message(
        &self,
        rel: crate::RelId,
        envelope: crate::faults::Envelope,
        values: &[Value],
    ) -> bool;
}

/// Why a run could not be evaluated.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// A runtime error in a rule (§8): names the rule and the binding.
    #[error("{location}: {message}\n  in rule: {rule}\n  with: {binding}")]
    Runtime {
        /// `path:line:col` of the rule.
        location: String,
        /// The rule as written.
        rule: String,
        /// `X = 1, Y = "a"`.
        binding: String,
        /// What went wrong.
        message: String,
    },
    /// The run passed its runaway budget ([`Limits`]).
    #[error(
        "the run passed its budget of {} at timestep {time}, deriving `{relation}`{rule}: \
         the program derives without bound (e.g. `p(X + 1) :- p(X);`) or more than it should \
         (a wide product, an aggregate over one); raise the budget only if the program really is that large",
        budget(*.limit, .what)
    )]
    Runaway {
        /// The relation being filled.
        relation: String,
        /// The timestep.
        time: Time,
        /// The bound that was passed.
        limit: usize,
        /// What it bounds: `tuples per timestep`, `tuples per run`,
        /// `bytes per timestep` or `bytes per run`.
        what: &'static str,
        /// ` in rule ... at path:line:col`, or empty (facts, the crash oracle).
        rule: String,
    },
    /// The node set, bounds or fault schedule are not admissible.
    #[error("{0}")]
    Config(String),
    /// The node set or the bounds are impossible.
    #[error("{0}")]
    Bounds(#[from] crate::faults::BoundsError),
    /// A fault does not fit the run (`message` names nodes by name).
    #[error("{message}")]
    Fault {
        /// What is wrong.
        error: crate::faults::FaultError,
        /// The error with node names.
        message: String,
    },
    /// The run's [`Cancel`] flag was raised (Ctrl-C).
    #[error("interrupted at timestep {time}")]
    Interrupted {
        /// The timestep being evaluated.
        time: Time,
    },
    /// The run's [`Cancel`] deadline passed.
    #[error("the deadline passed at timestep {time}")]
    TimedOut {
        /// The timestep being evaluated.
        time: Time,
    },
}

/// When a run must give up before EOT: a deadline, or a flag that another
/// thread raises (Ctrl-C). Checked at every timestep and every few thousand
/// tuples, so a slow run stops promptly.
#[derive(Clone, Debug, Default)]
pub struct Cancel {
    /// Give up once this instant has passed.
    pub deadline: Option<Instant>,
    /// Give up once this flag is set.
    pub flag: Option<Arc<AtomicBool>>,
}

impl Cancel {
    /// Never gives up.
    pub fn never() -> Cancel {
        Cancel::default()
    }

    /// Whether the flag is raised.
    pub fn interrupted(&self) -> bool {
        self.flag
            .as_ref()
            .is_some_and(|f| f.load(Ordering::Relaxed))
    }

    /// Whether the deadline has passed.
    pub fn timed_out(&self) -> bool {
        self.deadline.is_some_and(|d| Instant::now() >= d)
    }

    /// The error to stop with at `time`, if the run must stop.
    pub(crate) fn check(&self, time: Time) -> Result<(), EvalError> {
        if self.interrupted() {
            Err(EvalError::Interrupted { time })
        } else if self.timed_out() {
            Err(EvalError::TimedOut { time })
        } else {
            Ok(())
        }
    }
}

/// `1000000 tuples per timestep`, `256 MiB per run`.
fn budget(limit: usize, what: &str) -> String {
    match what.strip_prefix("bytes ") {
        Some(per) if limit & ((1 << 20) - 1) == 0 => format!("{} MiB {per}", limit >> 20),
        _ => format!("{limit} {what}"),
    }
}

/// What every run of one compiled program shares.
pub(crate) struct Shared {
    /// Sizes of the last run (tuples, firings, messages): the next run
    /// reserves that much up front. Affects capacity only, never results.
    pub size_hint: [std::sync::atomic::AtomicUsize; 3],
    pub program: Program,
    pub interner: Interner,
    pub nodes: Vec<String>,
    node_values: Vec<Value>,
    /// Node id of each interned string that names a node.
    node_of_sym: Vec<Option<NodeId>>,
    pub compiled: compile::Compiled,
    /// Folded facts: relation, values, time.
    pub facts: Vec<(RelId, Vec<Value>, u64)>,
    /// Deductive rules per stratum, in order.
    pub strata: Vec<Vec<usize>>,
    /// Per stratum, per relation: the `(position in the stratum, variant
    /// number)` of each semi-naive variant whose delta atom reads it now.
    pub readers: Vec<FxHashMap<RelId, Vec<(u32, u32)>>>,
    /// `@next` and `@async` rules.
    pub temporal: Vec<usize>,
    pub crash_rel: RelId,
}

impl Shared {
    pub(crate) fn size_hint(&self) -> (usize, usize, usize) {
        use std::sync::atomic::Ordering::Relaxed;
        (
            self.size_hint[0].load(Relaxed),
            self.size_hint[1].load(Relaxed),
            self.size_hint[2].load(Relaxed),
        )
    }

    pub(crate) fn remember_size(&self, tuples: usize, firings: usize, messages: usize) {
        use std::sync::atomic::Ordering::Relaxed;
        self.size_hint[0].store(tuples, Relaxed);
        self.size_hint[1].store(firings, Relaxed);
        self.size_hint[2].store(messages, Relaxed);
    }

    pub(crate) fn node_of(&self, v: Value) -> Option<NodeId> {
        match v {
            Value::Str(s) => self.node_of_sym.get(s.0 as usize).copied().flatten(),
            Value::Int(_) => None,
        }
    }

    pub(crate) fn node_value(&self, n: NodeId) -> Value {
        self.node_values[n as usize]
    }

    pub(crate) fn rule_location(&self, rule: crate::RuleId) -> String {
        let r = &self.program.rules()[rule as usize];
        let (line, col) = self.program.sources().line_col(r.span);
        format!(
            "{}:{line}:{col}",
            self.program.sources().path(r.span.file).display()
        )
    }

    pub(crate) fn runtime_error(
        &self,
        rule: &compile::Rule,
        slots: &[Value],
        message: String,
    ) -> EvalError {
        let mut binding = String::new();
        for (i, name) in rule.vars.iter().enumerate() {
            if i > 0 {
                binding.push_str(", ");
            }
            let _ = write!(binding, "{name} = {}", self.interner.display(slots[i]));
        }
        EvalError::Runtime {
            location: self.rule_location(rule.id),
            rule: self.program.rules()[rule.id as usize].to_string(),
            binding,
            message,
        }
    }
}

/// A program compiled for one node set, ready to evaluate runs.
#[derive(Clone)]
pub struct Evaluator {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Evaluator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Evaluator")
            .field("nodes", &self.shared.nodes)
            .finish_non_exhaustive()
    }
}

/// A run configuration checked against the node set, with node ids.
pub(crate) struct Resolved {
    pub shared: Arc<Shared>,
    pub eot: Time,
    pub eff: Time,
    pub limits: Limits,
    pub faults: FaultSet,
}

impl Evaluator {
    /// Compiles `program` for the nodes `nodes` (their names, in order).
    pub fn new(program: &Program, nodes: &[impl AsRef<str>]) -> Result<Evaluator, EvalError> {
        crate::faults::check_node_set(nodes)?;
        let mut interner = Interner::default();
        let mut names = Vec::new();
        let mut node_values = Vec::new();
        for n in nodes {
            let n = n.as_ref();
            names.push(n.to_string());
            node_values.push(Value::Str(interner.intern(n)));
        }
        let compiled = compile::compile(program, &mut interner)
            .map_err(|e| EvalError::Config(format!("cannot compile: {}", e.0)))?;
        let mut facts = Vec::new();
        for f in program.facts() {
            let rel = program.relation(&f.atom.name.name).ok_or_else(|| {
                EvalError::Config(format!("unknown relation `{}`", f.atom.name.name))
            })?;
            let mut vals = Vec::new();
            for a in &f.atom.args {
                let crate::syntax::ast::Arg::Expr(e) = a else {
                    return Err(EvalError::Config("aggregate in a fact".into()));
                };
                match arith::constant(e, &mut interner) {
                    Some(Ok(v)) => vals.push(v),
                    Some(Err(m)) => return Err(EvalError::Config(format!("in fact `{f}`: {m}"))),
                    None => return Err(EvalError::Config(format!("fact `{f}` is not ground"))),
                }
            }
            facts.push((rel, vals, f.time));
        }
        let mut node_of_sym = Vec::new();
        for (i, v) in node_values.iter().enumerate() {
            if let Value::Str(s) = v {
                if node_of_sym.len() <= s.0 as usize {
                    node_of_sym.resize(s.0 as usize + 1, None);
                }
                node_of_sym[s.0 as usize] = Some(i as NodeId);
            }
        }
        let mut strata = vec![Vec::new(); program.strata().max(1) as usize];
        let mut temporal = Vec::new();
        for (i, r) in compiled.rules.iter().enumerate() {
            match r.time {
                HeadTime::Now => {
                    strata[program.relations()[r.head_rel as usize].stratum as usize].push(i)
                }
                HeadTime::Next | HeadTime::Async => temporal.push(i),
            }
        }
        let readers = strata
            .iter()
            .map(|rules| {
                let mut by_rel: FxHashMap<RelId, Vec<(u32, u32)>> = FxHashMap::default();
                for (pos, &r) in rules.iter().enumerate() {
                    for (v, (atom, _)) in compiled.rules[r].variants.iter().enumerate() {
                        let a = &compiled.rules[r].pos[*atom];
                        by_rel
                            .entry(a.rel)
                            .or_default()
                            .push((pos as u32, v as u32));
                    }
                }
                by_rel
            })
            .collect();
        let crash_rel = program
            .relation(CRASH)
            .ok_or_else(|| EvalError::Config("the program lacks the `crash` relation".into()))?;
        Ok(Evaluator {
            shared: Arc::new(Shared {
                size_hint: Default::default(),
                program: program.clone(),
                interner,
                nodes: names,
                node_values,
                node_of_sym,
                compiled,
                facts,
                strata,
                readers,
                temporal,
                crash_rel,
            }),
        })
    }

    /// The program.
    pub fn program(&self) -> &Program {
        &self.shared.program
    }

    /// The node names, in order (a [`NodeId`] indexes this list).
    pub fn nodes(&self) -> &[String] {
        &self.shared.nodes
    }

    /// The strings of the program and node set.
    pub fn interner(&self) -> &Interner {
        &self.shared.interner
    }

    /// The named variables of a rule, in binding order (see [`crate::provenance::Firing`]).
    pub fn rule_vars(&self, rule: crate::RuleId) -> &[String] {
        &self.shared.compiled.rules[rule as usize].vars
    }

    /// The id of the node named `name`, if it is one (names are resolved
    /// to ids at the edges: flags, spec files).
    pub fn node_id(&self, name: &str) -> Option<NodeId> {
        self.shared
            .nodes
            .iter()
            .position(|n| n == name)
            .map(|i| i as NodeId)
    }

    fn resolve(&self, cfg: &RunConfig) -> Result<Resolved, EvalError> {
        let bounds = crate::faults::Bounds {
            eot: cfg.eot,
            eff: cfg.eff,
            crashes: 0,
            max_delay: cfg.max_delay,
            // One run may lose any message it is told to.
            omissions: true,
        };
        bounds.check_times()?;
        bounds
            .check_faults(&cfg.faults, self.shared.nodes.len())
            .map_err(|error| EvalError::Fault {
                message: error.describe(&self.shared.nodes),
                error,
            })?;
        Ok(Resolved {
            shared: Arc::clone(&self.shared),
            eot: cfg.eot,
            eff: cfg.eff,
            limits: cfg.limits,
            faults: cfg.faults.clone(),
        })
    }

    /// Replays a run with only some of its inputs (a sub-trace, as
    /// wat-provenance asks): the facts `keep` keeps, and of the messages
    /// between different nodes that `cfg` delivers, those `keep` keeps (the
    /// others are lost, as if omitted).
    pub fn run_keeping(
        &self,
        cfg: &RunConfig,
        cancel: &Cancel,
        keep: &dyn Keep,
    ) -> Result<Run, EvalError> {
        let resolved = self.resolve(cfg)?;
        engine::Engine::new(&resolved, cancel)
            .keeping(keep)
            .run()
            .map_err(|(e, _)| e)
    }

    /// Evaluates one run.
    pub fn run(&self, cfg: &RunConfig) -> Result<Run, EvalError> {
        self.run_until(cfg, &Cancel::never())
    }

    /// Evaluates one run, giving up with [`EvalError::Interrupted`] or
    /// [`EvalError::TimedOut`] when `cancel` says so.
    pub fn run_until(&self, cfg: &RunConfig, cancel: &Cancel) -> Result<Run, EvalError> {
        self.run_to_error(cfg, cancel).map_err(|(e, _)| e)
    }

    /// Evaluates one run; when it stops with an error, also the run up to
    /// the error (its last timestep incomplete; `None` when the
    /// configuration itself is not admissible), so that a failing run can
    /// still be shown.
    pub fn run_to_error(
        &self,
        cfg: &RunConfig,
        cancel: &Cancel,
    ) -> Result<Run, (EvalError, Option<Box<Run>>)> {
        let resolved = self.resolve(cfg).map_err(|e| (e, None))?;
        engine::Engine::new(&resolved, cancel)
            .run()
            .map_err(|(e, partial)| (e, Some(partial)))
    }
}
