//! `ldfi run`: evaluate one run under a fault schedule given by flags, and
//! show it: tables, the message log, a spacetime listing, the specification
//! at EOT, or the provenance of one tuple (`--why`, see [`harness::report::why`]).
//! Exit status 1 when the run violates the specification, as with `check`.

use std::path::PathBuf;

use clap::Args;
use dedalus::eval::{Evaluator, Run, RunConfig};
use dedalus::faults::partition::{self, Written};
use dedalus::faults::{BoundsError, Fault, FaultError, FaultProblem, FaultSet, Side};
use dedalus::provenance::Time;

use harness::report::{self, saved::SavedCounterexample, why::GoalError};

use super::{Failure, Format, emit, exit, load, parse_node};

pub(super) const EXAMPLES: &str = "\
Examples:
  # the failure-free run, as tables, a message log and a spacetime listing
  ldfi run protocols/simple_broadcast.ded --nodes a,b,c --eot 4

  # lose a -> b at t=1, crash c at t=2, delay b -> a at t=1 by 2 steps
  ldfi run p.ded --nodes a,b,c --eot 6 --eff 3 --max-delay 2 \\
      --omit a,b,1 --crash c,2 --delay b,a,1,2

  # cut a off from b and c for the messages sent at t=1..2
  ldfi run p.ded --nodes a,b,c --eot 6 --eff 3 --partition 'a|b,c@1..2'

  # one relation at one time; the provenance of one tuple
  ldfi run p.ded --nodes a,b,c --eot 4 --relation log --at 2
  ldfi run p.ded --nodes a,b,c --eot 4 --why 'log(\"b\", \"data\")@3'

  # the whole run as JSON (tables with a time column, messages with fates)
  ldfi run p.ded --nodes a,b,c --eot 4 --format json";

/// The exit codes of `ldfi run`.
pub(super) const EXIT: &[(i32, &str)] = &[
    (exit::OK, "the run meets its specification (or has none)"),
    (exit::FAILED, "the run violates the specification"),
    (exit::ERROR, "an error"),
];

/// Arguments of `ldfi run`.
#[derive(Args, Debug, Clone)]
pub(super) struct RunArgs {
    /// The program's .ded files, read in order as one program.
    #[arg(required_unless_present = "counterexample", value_name = "FILE")]
    files: Vec<PathBuf>,
    /// The nodes, comma-separated (e.g. a,b,c).
    #[arg(short = 'N', long, required_unless_present = "counterexample", value_delimiter = ',', value_parser = parse_node)]
    nodes: Vec<String>,
    /// End of time: the last timestep.
    #[arg(
        short = 't',
        long,
        value_name = "N",
        required_unless_present = "counterexample",
        default_value_t = 0
    )]
    eot: Time,
    /// Replay a counterexample saved by `check --save` or `hunt`: its
    /// program, nodes, bounds and faults (instead of FILE, -N, -t, -f and
    /// the fault flags).
    #[arg(long, value_name = "FILE.yaml", conflicts_with_all = ["files", "nodes", "eot", "eff", "max_delay", "omissions", "crashes", "delays", "partitions"])]
    counterexample: Option<PathBuf>,
    /// End of finite failures: omissions and delays only before it [default: EOT].
    #[arg(short = 'f', long, value_name = "N")]
    eff: Option<Time>,
    /// Largest admissible delay (0: no delays).
    #[arg(long, value_name = "D", default_value_t = 0)]
    max_delay: u32,
    #[command(flatten)]
    faults: FaultFlags,
    /// Show only this relation's table (text format).
    #[arg(long, value_name = "NAME")]
    relation: Option<String>,
    /// Show the tables at time T instead of EOT (text format).
    #[arg(long, value_name = "T")]
    at: Option<Time>,
    /// Show only the provenance tree of one tuple, e.g. 'log("b", "hi")@3' (text format).
    #[arg(long, value_name = "TUPLE@T")]
    why: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    #[command(flatten)]
    limits: super::LimitArgs,
}

/// `--omit FROM,TO,T`, with node names (resolved by [`RunArgs::faults`]).
#[derive(Clone, Debug)]
pub(super) struct Omission {
    pub(super) from: String,
    pub(super) to: String,
    pub(super) time: Time,
}

/// The fault flags of one run, shared by the commands that evaluate one:
/// `--omit`, `--crash`, `--delay` (node names, resolved against a program's
/// nodes by [`FaultFlags::resolve`]).
#[derive(Args, Clone, Debug, Default)]
pub(super) struct FaultFlags {
    /// Lose the messages FROM -> TO sent at T (repeatable).
    #[arg(long = "omit", value_name = "FROM,TO,T", value_parser = parse_omission)]
    pub(super) omissions: Vec<Omission>,
    /// Crash NODE from time T on: its messages to others are lost (repeatable).
    #[arg(long = "crash", value_name = "NODE,T", value_parser = parse_crash)]
    pub(super) crashes: Vec<Crash>,
    /// Deliver the message FROM -> TO sent at T D steps late (repeatable; D within the run's largest delay).
    #[arg(long = "delay", value_name = "FROM,TO,T,D", value_parser = parse_delay)]
    pub(super) delays: Vec<Delay>,
    /// Cut the nodes of one side off from the other's: lose every message between them sent at START..=END, e.g. 'a|b,c@2..4' (repeatable).
    #[arg(long = "partition", value_name = "SIDE|SIDE@START..END")]
    pub(super) partitions: Vec<Written>,
}

impl FaultFlags {
    /// The flags of a saved counterexample's fault lists.
    pub(super) fn saved(f: harness::report::FaultLists) -> FaultFlags {
        FaultFlags {
            omissions: f
                .omissions
                .into_iter()
                .map(|(from, to, time)| Omission { from, to, time })
                .collect(),
            crashes: f
                .crashes
                .into_iter()
                .map(|(node, time)| Crash { node, time })
                .collect(),
            delays: f
                .delays
                .into_iter()
                .map(|(from, to, time, by)| Delay { from, to, time, by })
                .collect(),
            partitions: f.partitions,
        }
    }

    /// The flags as a fault set, node names resolved against `evaluator`'s
    /// nodes; a flag given twice (or two for one message) is an error, as
    /// the set would silently merge them.
    pub(super) fn resolve(&self, evaluator: &Evaluator) -> Result<FaultSet, Failure> {
        fault_set(
            evaluator,
            &self.omissions,
            &self.crashes,
            &self.delays,
            &self.partitions,
        )
    }
}

/// `--crash NODE,T`.
#[derive(Clone, Debug)]
pub(super) struct Crash {
    pub(super) node: String,
    pub(super) time: Time,
}

/// `--delay FROM,TO,T,D`.
#[derive(Clone, Debug)]
pub(super) struct Delay {
    pub(super) from: String,
    pub(super) to: String,
    pub(super) time: Time,
    pub(super) by: u32,
}

/// Splits `FROM,TO,T`-style flag values into exactly `n` fields.
fn fields<'s>(s: &'s str, form: &str, example: &str) -> Result<Vec<&'s str>, String> {
    let n = form.split(',').count();
    let parts: Vec<&str> = s.split(',').map(str::trim).collect();
    if parts.len() != n || parts.iter().any(|p| p.is_empty()) {
        return Err(format!(
            "expected {form} ({n} comma-separated fields, e.g. {example}), got `{s}`"
        ));
    }
    Ok(parts)
}

fn number(s: &str, what: &str, form: &str) -> Result<u32, String> {
    s.parse()
        .map_err(|_| format!("{what} must be a non-negative integer in {form}, got `{s}`"))
}

fn parse_omission(s: &str) -> Result<Omission, String> {
    const FORM: &str = "FROM,TO,T";
    let p = fields(s, FORM, "a,b,1")?;
    Ok(Omission {
        from: p[0].to_string(),
        to: p[1].to_string(),
        time: number(p[2], "T", FORM)?,
    })
}

fn parse_crash(s: &str) -> Result<Crash, String> {
    const FORM: &str = "NODE,T";
    let p = fields(s, FORM, "a,2")?;
    Ok(Crash {
        node: p[0].to_string(),
        time: number(p[1], "T", FORM)?,
    })
}

fn parse_delay(s: &str) -> Result<Delay, String> {
    const FORM: &str = "FROM,TO,T,D";
    let p = fields(s, FORM, "a,b,1,2")?;
    Ok(Delay {
        from: p[0].to_string(),
        to: p[1].to_string(),
        time: number(p[2], "T", FORM)?,
        by: number(p[3], "D", FORM)?,
    })
}

impl RunArgs {
    fn config(&self) -> Result<RunConfig, Failure> {
        let eff = self.eff.unwrap_or(self.eot);
        let bounds = dedalus::faults::Bounds {
            eot: self.eot,
            eff,
            crashes: 0,
            max_delay: self.max_delay,
            omissions: true,
        };
        bounds.check_times().map_err(|e| {
            Failure::msg(match e {
                BoundsError::NoTime => "--eot must be at least 1".to_string(),
                BoundsError::EffAfterEot { eff, eot } => format!(
                    "--eff {eff} exceeds --eot {eot}: EFF may not exceed EOT (omit --eff to take EFF = EOT)"
                ),
                e => format!("{}: {e}", e.flag()),
            })
        })?;
        if !self.faults.delays.is_empty() && self.max_delay == 0 {
            return Err(Failure::msg(
                "--delay needs --max-delay D (the largest admissible delay; 0 means no delays)",
            ));
        }
        Ok(RunConfig {
            eot: self.eot,
            eff,
            max_delay: self.max_delay,
            faults: FaultSet::none(),
            limits: self.limits.limits(),
        })
    }

    /// The fault flags as a fault set, node names resolved against
    /// `evaluator`'s nodes; a flag given twice (or two for one message) is
    /// an error, as the set would silently merge them. The rest of what a
    /// fault must satisfy is checked by the run ([`dedalus::faults::Bounds::check_faults`]).
    fn faults(&self, evaluator: &Evaluator) -> Result<FaultSet, Failure> {
        self.faults.resolve(evaluator)
    }
}

/// The fault flags as a fault set, node names resolved against
/// `evaluator`'s nodes; a flag given twice (or two for one message) is an
/// error, as the set would silently merge them.
fn fault_set(
    evaluator: &Evaluator,
    omissions: &[Omission],
    crashes: &[Crash],
    delays: &[Delay],
    partitions: &[Written],
) -> Result<FaultSet, Failure> {
    let node = |name: &str, what: &str| {
        evaluator.node_id(name).ok_or_else(|| {
            Failure::msg(format!(
                "{what} names `{name}`, which is not a node (nodes: {})",
                evaluator.nodes().join(", ")
            ))
        })
    };
    let mut set = FaultSet::none();
    let mut add = |fault: Fault, twice: FaultProblem| {
        let envelope = fault.envelope();
        let taken = set.contains(&fault)
            || set.iter().any(|f| {
                (envelope.is_some() && f.envelope() == envelope)
                    || (fault.crash().is_some()
                        && f.crash().map(|c| c.0) == fault.crash().map(|c| c.0))
            });
        if taken {
            return Err(Failure::msg(
                FaultError {
                    fault,
                    problem: twice,
                }
                .describe(evaluator.nodes()),
            ));
        }
        set.insert(fault);
        Ok(())
    };
    for o in omissions {
        let (from, to) = (node(&o.from, "an omission")?, node(&o.to, "an omission")?);
        let twice = FaultProblem::TwiceOmitted;
        add(
            Fault::Omission {
                from,
                to,
                time: o.time,
            },
            twice,
        )?;
    }
    for c in crashes {
        let node = node(&c.node, "a crash")?;
        add(
            Fault::Crash { node, time: c.time },
            FaultProblem::CrashesTwice,
        )?;
    }
    for d in delays {
        let (from, to) = (node(&d.from, "a delay")?, node(&d.to, "a delay")?);
        let fault = Fault::Delay {
            from,
            to,
            time: d.time,
            by: d.by,
        };
        add(fault, FaultProblem::TwoMessageFaults)?;
    }
    for p in partitions {
        let side = |names: &[String]| -> Result<Side, Failure> {
            let ids = names
                .iter()
                .map(|n| node(n, "a partition"))
                .collect::<Result<Vec<_>, _>>()?;
            Side::of(ids).ok_or_else(|| {
                Failure::msg(format!(
                    "partition {p}: a partition can name only the first {} nodes",
                    partition::MAX_NODE + 1
                ))
            })
        };
        let fault = Fault::Partition {
            left: side(&p.left)?,
            right: side(&p.right)?,
            start: p.start,
            end: p.end,
        };
        add(fault, FaultProblem::TwoMessageFaults)?;
    }
    Ok(set)
}

/// A tuple lookup's failure, said with the flag that named the tuple.
pub(super) fn goal_failure(flag: &str, e: GoalError) -> Failure {
    match &e {
        GoalError::NotATuple {
            rendered: Some(r), ..
        } => Failure::Rendered(format!("error: {flag} {e}\n{r}")),
        GoalError::NotATuple { .. } => Failure::msg(format!("{flag} {e}")),
        _ => Failure::msg(format!("{flag}: {e}")),
    }
}

/// The counterexample saved at `path` by `check --save` or `hunt`.
pub(super) fn read_saved(path: &std::path::Path) -> Result<SavedCounterexample, Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::msg(format!("cannot read `{}`: {e}", path.display())))?;
    SavedCounterexample::from_yaml(&text).map_err(|e| {
        Failure::msg(format!(
            "{}: not a saved counterexample ({e}); `check --save` and `hunt` write them",
            path.display()
        ))
    })
}

/// `args` with the program, nodes, bounds and faults of the counterexample
/// saved at `path` (its program paths are relative to the file).
fn saved(args: &RunArgs, path: &std::path::Path) -> Result<RunArgs, Failure> {
    let doc = read_saved(path)?;
    let dir = path.parent().unwrap_or(std::path::Path::new(""));
    let mut out = args.clone();
    out.counterexample = None;
    out.files = doc.program.iter().map(|p| dir.join(p)).collect();
    for n in &doc.nodes {
        parse_node(n).map_err(|e| Failure::msg(format!("{}: {e}", path.display())))?;
    }
    out.nodes = doc.nodes;
    out.eot = doc.eot;
    out.eff = Some(doc.eff);
    out.max_delay = doc.max_delay;
    out.faults = FaultFlags::saved(doc.faults);
    Ok(out)
}

/// `ldfi run`.
pub(super) fn main(args: &RunArgs) -> Result<i32, Failure> {
    let replayed;
    let args = match &args.counterexample {
        Some(path) => {
            replayed = saved(args, path)?;
            &replayed
        }
        None => args,
    };
    if args.format == Format::Json {
        let query = [
            ("--relation", args.relation.is_some()),
            ("--at", args.at.is_some()),
            ("--why", args.why.is_some()),
        ];
        if let Some((flag, _)) = query.iter().find(|(_, given)| *given) {
            return Err(Failure::msg(format!(
                "{flag} is for the text format; --format json prints the whole run (every table at every time)"
            )));
        }
    }
    let mut cfg = args.config()?;
    if let Some(at) = args.at
        && (at == 0 || at > cfg.eot)
    {
        return Err(Failure::msg(format!(
            "--at {at} is outside the run: timesteps are 1..={}",
            cfg.eot
        )));
    }

    let program = load(&args.files)?;
    if let Some(name) = &args.relation
        && program.relation(name).is_none()
    {
        // Before evaluating, which may take long.
        return Err(Failure::msg(format!(
            "unknown relation `{name}`; the program's relations are: {}",
            program
                .relations()
                .iter()
                .map(|r| r.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    super::note(&super::lint_warnings(&program, &args.nodes));
    let evaluator = Evaluator::new(&program, &args.nodes)?;
    cfg.faults = args.faults(&evaluator)?;
    let cancel = dedalus::eval::Cancel {
        deadline: None,
        flag: Some(super::interrupt_flag()),
    };
    let run = evaluator.run_until(&cfg, &cancel)?;
    super::note(&unmatched_faults(&run, args));
    super::note(&super::unaddressed_sends(&run));
    // Like `check`: 1 when the run violates the specification.
    let code = if run.violations().is_some_and(|v| !v.is_empty()) {
        exit::FAILED
    } else {
        exit::OK
    };
    if args.format == Format::Json {
        let mut out = serde_json::to_string(&run.to_json())
            .map_err(|e| Failure::msg(format!("cannot serialise the run: {e}")))?;
        out.push('\n');
        emit(&out);
        return Ok(code);
    }
    let at = args.at.unwrap_or(cfg.eot);
    let mut out = String::new();
    if args.relation.is_some() || args.why.is_some() {
        // Queries: print only their answers.
        if let Some(name) = &args.relation {
            let rel = known_relation(&run, name)?;
            out.push_str(&report::run::table(&run, rel, at));
        }
        if let Some(goal) = &args.why {
            let id = report::why::goal(&run, goal, at).map_err(|e| goal_failure("--why", e))?;
            if args.relation.is_some() {
                out.push('\n');
            }
            out.push_str(&report::why::tree(&run, id));
        }
    } else {
        out.push_str(&report::run::listing(&run, &args.files, args.max_delay, at));
    }
    emit(&out);
    Ok(code)
}

/// Warnings about fault flags that hit no message of the run: a typo in
/// a node name or a time is otherwise silently a different run.
fn unmatched_faults(run: &Run, args: &RunArgs) -> String {
    let msgs = run.messages();
    let node = |name: &str| run.nodes().iter().position(|n| n == name);
    let sent = |from: &str, to: &str, t: Time| {
        msgs.iter().any(|m| {
            Some(m.from as usize) == node(from) && Some(m.to as usize) == node(to) && m.sent == t
        })
    };
    let mut out = String::new();
    for o in &args.faults.omissions {
        if !sent(&o.from, &o.to, o.time) {
            out.push_str(&format!(
                "warning: --omit {},{},{} matches no message: {} sends nothing to {} at t={}\n",
                o.from, o.to, o.time, o.from, o.to, o.time
            ));
        }
    }
    for d in &args.faults.delays {
        if !sent(&d.from, &d.to, d.time) {
            out.push_str(&format!(
                "warning: --delay {},{},{},{} matches no message: {} sends nothing to {} at t={}\n",
                d.from, d.to, d.time, d.by, d.from, d.to, d.time
            ));
        }
    }
    out
}

fn known_relation(run: &Run, name: &str) -> Result<dedalus::RelId, Failure> {
    run.program().relation(name).ok_or_else(|| {
        Failure::msg(format!(
            "unknown relation `{name}`; the program's relations are: {}",
            report::run::relation_names(run)
        ))
    })
}
