//! `ldfi run`: evaluate one run under a fault schedule given by flags, and
//! show it: tables, the message log, a spacetime listing, the specification
//! at EOT, or the provenance of one tuple (`--why`, see [`super::why`]).
//! Exit status 1 when the run violates the specification, as with `check`.

use std::fmt::Write as _;
use std::path::PathBuf;

use clap::Args;
use dedalus::eval::{Crash, Delay, Evaluator, FaultSchedule, Omission, Run, RunConfig};
use dedalus::provenance::{Fate, Message, Time};

use super::{Failure, Format, emit, load, parse_node, why};

pub(super) const EXAMPLES: &str = "\
Examples:
  # the failure-free run, as tables, a message log and a spacetime listing
  ldfi run protocols/simple_broadcast.ded --nodes a,b,c --eot 4

  # lose a -> b at t=1, crash c at t=2, delay b -> a at t=1 by 2 steps
  ldfi run p.ded --nodes a,b,c --eot 6 --eff 3 --max-delay 2 \\
      --omit a,b,1 --crash c,2 --delay b,a,1,2

  # one relation at one time; the provenance of one tuple
  ldfi run p.ded --nodes a,b,c --eot 4 --relation log --at 2
  ldfi run p.ded --nodes a,b,c --eot 4 --why 'log(\"b\", \"data\")@3'

  # the whole run as JSON (tables with a time column, messages with fates)
  ldfi run p.ded --nodes a,b,c --eot 4 --format json";

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
    #[arg(long, value_name = "FILE.yaml", conflicts_with_all = ["files", "nodes", "eot", "eff", "max_delay", "omissions", "crashes", "delays"])]
    counterexample: Option<PathBuf>,
    /// End of finite failures: omissions and delays only before it [default: EOT].
    #[arg(short = 'f', long, value_name = "N")]
    eff: Option<Time>,
    /// Largest admissible delay (0: no delays).
    #[arg(long, value_name = "D", default_value_t = 0)]
    max_delay: u32,
    /// Lose the messages FROM -> TO sent at T (repeatable).
    #[arg(long = "omit", value_name = "FROM,TO,T", value_parser = parse_omission)]
    omissions: Vec<Omission>,
    /// Crash NODE from time T on: its messages to others are lost (repeatable).
    #[arg(long = "crash", value_name = "NODE,T", value_parser = parse_crash)]
    crashes: Vec<Crash>,
    /// Deliver the message FROM -> TO sent at T D steps late (repeatable; needs --max-delay).
    #[arg(long = "delay", value_name = "FROM,TO,T,D", value_parser = parse_delay)]
    delays: Vec<Delay>,
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

pub(super) fn parse_omission(s: &str) -> Result<Omission, String> {
    const FORM: &str = "FROM,TO,T";
    let p = fields(s, FORM, "a,b,1")?;
    Ok(Omission {
        from: p[0].to_string(),
        to: p[1].to_string(),
        time: number(p[2], "T", FORM)?,
    })
}

pub(super) fn parse_crash(s: &str) -> Result<Crash, String> {
    const FORM: &str = "NODE,T";
    let p = fields(s, FORM, "a,2")?;
    Ok(Crash {
        node: p[0].to_string(),
        time: number(p[1], "T", FORM)?,
    })
}

pub(super) fn parse_delay(s: &str) -> Result<Delay, String> {
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
        if self.eot == 0 {
            return Err(Failure::msg("--eot must be at least 1"));
        }
        if eff > self.eot {
            return Err(Failure::msg(format!(
                "--eff {eff} exceeds --eot {}: EFF may not exceed EOT (omit --eff to take EFF = EOT)",
                self.eot
            )));
        }
        if !self.delays.is_empty() && self.max_delay == 0 {
            return Err(Failure::msg(
                "--delay needs --max-delay D (the largest admissible delay; 0 means no delays)",
            ));
        }
        Ok(RunConfig {
            eot: self.eot,
            eff,
            max_delay: self.max_delay,
            faults: FaultSchedule {
                omissions: self.omissions.clone(),
                crashes: self.crashes.clone(),
                delays: self.delays.clone(),
            },
            limits: self.limits.limits(),
        })
    }
}

/// A counterexample file as `check --save` and `hunt` write it.
#[derive(serde::Deserialize)]
struct Saved {
    program: Vec<PathBuf>,
    nodes: Vec<String>,
    eot: Time,
    eff: Time,
    max_delay: u32,
    faults: SavedFaults,
}

#[derive(serde::Deserialize)]
struct SavedFaults {
    omissions: Vec<(String, String, Time)>,
    crashes: Vec<(String, Time)>,
    delays: Vec<(String, String, Time, u32)>,
}

/// `args` with the program, nodes, bounds and faults of the counterexample
/// saved at `path` (its program paths are relative to the file).
fn saved(args: &RunArgs, path: &std::path::Path) -> Result<RunArgs, Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::msg(format!("cannot read `{}`: {e}", path.display())))?;
    let doc: Saved = serde_yaml::from_str(&text).map_err(|e| {
        Failure::msg(format!(
            "{}: not a saved counterexample ({e}); `check --save` and `hunt` write them",
            path.display()
        ))
    })?;
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
    let f = doc.faults;
    out.omissions = f
        .omissions
        .into_iter()
        .map(|(from, to, time)| Omission { from, to, time })
        .collect();
    out.crashes = f
        .crashes
        .into_iter()
        .map(|(node, time)| Crash { node, time })
        .collect();
    out.delays = f
        .delays
        .into_iter()
        .map(|(from, to, time, by)| Delay { from, to, time, by })
        .collect();
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
    let cfg = args.config()?;
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
                .relations
                .iter()
                .map(|r| r.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    super::note(&super::unplaced_facts(&program, &args.nodes));
    let evaluator = Evaluator::new(&program, &args.nodes)?;
    let cancel = dedalus::eval::Cancel {
        deadline: None,
        flag: Some(super::interrupt_flag()),
    };
    let run = evaluator.run_until(&cfg, &cancel)?;
    super::note(&unmatched_faults(&run));
    super::note(&super::unaddressed_sends(&run));
    // Like `check`: 1 when the run violates the specification.
    let code = i32::from(run.violations().is_some_and(|v| !v.is_empty()));
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
            out.push_str(&table(&run, rel, at));
        }
        if let Some(goal) = &args.why {
            let id = why::goal(&run, goal, at)?;
            if args.relation.is_some() {
                out.push('\n');
            }
            out.push_str(&why::tree(&run, id));
        }
    } else {
        out.push_str(&header(&run, args));
        out.push('\n');
        out.push_str(&tables(&run, at));
        out.push('\n');
        out.push_str(&messages(&run));
        out.push('\n');
        out.push_str(&spacetime(&run));
        if let Some(spec) = specification(&run) {
            out.push('\n');
            out.push_str(&spec);
        }
    }
    emit(&out);
    Ok(code)
}

/// Warnings about fault flags that hit no message of the run: a typo in
/// a node name or a time is otherwise silently a different run.
fn unmatched_faults(run: &Run) -> String {
    let msgs = run.messages();
    let node = |name: &str| run.nodes().iter().position(|n| n == name);
    let sent = |from: &str, to: &str, t: Time| {
        msgs.iter().any(|m| {
            Some(m.from as usize) == node(from) && Some(m.to as usize) == node(to) && m.sent == t
        })
    };
    let mut out = String::new();
    let f = run.faults();
    for o in &f.omissions {
        if !sent(&o.from, &o.to, o.time) {
            out.push_str(&format!(
                "warning: --omit {},{},{} matches no message: {} sends nothing to {} at t={}\n",
                o.from, o.to, o.time, o.from, o.to, o.time
            ));
        }
    }
    for d in &f.delays {
        if !sent(&d.from, &d.to, d.time) {
            out.push_str(&format!(
                "warning: --delay {},{},{},{} matches no message: {} sends nothing to {} at t={}\n",
                d.from, d.to, d.time, d.by, d.from, d.to, d.time
            ));
        }
    }
    out
}

fn header(run: &Run, args: &RunArgs) -> String {
    let f = run.faults();
    let mut faults: Vec<String> = Vec::new();
    faults.extend(
        f.omissions
            .iter()
            .map(|o| format!("omit {}->{}@{}", o.from, o.to, o.time)),
    );
    faults.extend(
        f.crashes
            .iter()
            .map(|c| format!("crash {}@{}", c.node, c.time)),
    );
    faults.extend(
        f.delays
            .iter()
            .map(|d| format!("delay {}->{}@{} by {}", d.from, d.to, d.time, d.by)),
    );
    let faults = if faults.is_empty() {
        "none".to_string()
    } else {
        faults.join(", ")
    };
    let mut out = format!(
        "run of {}: nodes {}, EOT {}, EFF {}",
        args.files
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(" "),
        run.nodes().join(","),
        run.eot(),
        run.eff()
    );
    if args.max_delay > 0 {
        let _ = write!(out, ", max_delay {}", args.max_delay);
    }
    let _ = writeln!(out, "; faults: {faults}");
    out
}

fn known_relation(run: &Run, name: &str) -> Result<dedalus::RelId, Failure> {
    run.program().relation(name).ok_or_else(|| {
        Failure::msg(format!(
            "unknown relation `{name}`; the program's relations are: {}",
            relation_names(run)
        ))
    })
}

pub(super) fn relation_names(run: &Run) -> String {
    run.program()
        .relations
        .iter()
        .map(|r| r.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every non-empty relation at `t`, sorted by name.
fn tables(run: &Run, t: Time) -> String {
    let mut out = String::new();
    let at = if t == run.eot() {
        format!("t={t} (EOT)")
    } else {
        format!("t={t}")
    };
    let _ = writeln!(out, "tables at {at}:");
    let mut any = false;
    for rel in 0..run.program().relations.len() as dedalus::RelId {
        if run.rows(rel, t).next().is_none() {
            continue;
        }
        any = true;
        out.push_str(&indent(&table(run, rel, t), "  "));
    }
    if !any {
        let _ = writeln!(out, "  (every relation is empty)");
    }
    out
}

/// `name (k rows)` and the rows in aligned columns.
fn table(run: &Run, rel: dedalus::RelId, t: Time) -> String {
    let name = &run.program().relations[rel as usize].name;
    let rows: Vec<Vec<String>> = run
        .relation_at(name, t)
        .iter()
        .map(|row| row.iter().map(|&v| run.show_value(v)).collect())
        .collect();
    let mut out = format!(
        "{name} ({} row{})\n",
        rows.len(),
        if rows.len() == 1 { "" } else { "s" }
    );
    out.push_str(&columns(&rows, "  "));
    out
}

/// Rows of cells, each column padded to its widest cell (no trailing spaces).
fn columns(rows: &[Vec<String>], prefix: &str) -> String {
    render_rows(rows, &widths(rows), prefix)
}

/// The widest cell of each column.
fn widths(rows: &[Vec<String>]) -> Vec<usize> {
    let mut widths: Vec<usize> = Vec::new();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            let w = cell.chars().count();
            match widths.get_mut(i) {
                Some(m) => *m = (*m).max(w),
                None => widths.push(w),
            }
        }
    }
    widths
}

fn render_rows(rows: &[Vec<String>], widths: &[usize], prefix: &str) -> String {
    let mut out = String::new();
    for row in rows {
        let mut line = String::from(prefix);
        for (i, cell) in row.iter().enumerate() {
            if i + 1 < row.len() {
                let pad = widths[i].saturating_sub(cell.chars().count());
                let _ = write!(line, "{cell}{}  ", " ".repeat(pad));
            } else {
                line.push_str(cell);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn indent(text: &str, by: &str) -> String {
    text.lines().map(|l| format!("{by}{l}\n")).collect()
}

fn messages(run: &Run) -> String {
    let n = run.messages().len();
    let mut out = format!("messages ({n}):\n");
    if n == 0 {
        out.push_str("    (none)\n");
    } else {
        out.push_str(&harness::report::message_trace(run));
    }
    out
}

/// What happened to a message, as a suffix of its "sends" line.
fn fate_note(run: &Run, m: &Message) -> String {
    match m.fate {
        Fate::Delivered => String::new(),
        Fate::Omitted => "LOST (omission)".to_string(),
        Fate::Crashed(t) => format!("LOST ({} crashed at {t})", run.node_name(m.from)),
        Fate::Delayed(d) => match m.received {
            Some(r) => format!("DELAYED by {d}, arrives at {r}"),
            None => format!("DELAYED by {d}, arrives after EOT"),
        },
    }
}

/// Per timestep, per node: what it received, then what it sent.
fn spacetime(run: &Run) -> String {
    let prov = run.provenance();
    let msgs = run.sorted_messages();
    let mut steps: Vec<Vec<Vec<String>>> = Vec::new();
    for t in 1..=run.eot() {
        let mut rows: Vec<Vec<String>> = Vec::new();
        for (n, name) in run.nodes().iter().enumerate() {
            let n = n as u32;
            for m in msgs.iter().filter(|m| m.to == n && m.received == Some(t)) {
                let mut what = format!(
                    "{} from {}",
                    run.show_atom(m.rel, prov.message_values(m)),
                    run.node_name(m.from)
                );
                if let Fate::Delayed(d) = m.fate {
                    let _ = write!(what, " (sent at {}, delayed by {d})", m.sent);
                }
                rows.push(vec![name.clone(), "receives".into(), what]);
            }
            for m in msgs.iter().filter(|m| m.from == n && m.sent == t) {
                let mut what = format!(
                    "{} to {}",
                    run.show_atom(m.rel, prov.message_values(m)),
                    run.node_name(m.to)
                );
                let fate = fate_note(run, m);
                if !fate.is_empty() {
                    let _ = write!(what, "  {fate}");
                }
                rows.push(vec![name.clone(), "sends".into(), what]);
            }
        }
        steps.push(rows);
    }
    // One alignment for the whole listing, so that columns line up across timesteps.
    let all: Vec<Vec<String>> = steps.iter().flatten().cloned().collect();
    let widths = widths(&all);
    let mut out =
        String::from("spacetime (per timestep and node: messages received, then sent):\n");
    for (t, rows) in (1..).zip(&steps) {
        if rows.is_empty() {
            let _ = writeln!(out, "  t={t}  (no messages)");
        } else {
            let _ = writeln!(out, "  t={t}");
            out.push_str(&render_rows(rows, &widths, "    "));
        }
    }
    out
}

/// The specification check at EOT, if the program has `pre` and `post`.
fn specification(run: &Run) -> Option<String> {
    let violations = run.violations()?;
    let pre = run.pre_count();
    let mut out = String::from("specification at EOT: ");
    if !violations.is_empty() {
        let _ = writeln!(
            out,
            "VIOLATED ({} of {pre} pre tuple{} without post)",
            violations.len(),
            if pre == 1 { "" } else { "s" }
        );
        for row in &violations {
            let vals: Vec<String> = row.iter().map(|&v| run.show_value(v)).collect();
            let vals = vals.join(", ");
            let _ = writeln!(out, "  pre({vals}) holds without post({vals})");
        }
    } else if pre == 0 {
        out.push_str("vacuously holds (no pre tuple)\n");
    } else {
        let _ = writeln!(
            out,
            "holds ({pre} pre tuple{}, each with its post)",
            if pre == 1 { "" } else { "s" }
        );
    }
    Some(out)
}
