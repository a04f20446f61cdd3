//! The `ldfi` command line: argument parsing, error reporting and exit codes.
//!
//! Each subcommand lives in its own module (`run`, `check`, `hunt`); this one
//! owns what they share: the clap definitions of common flags, the failure
//! type every command returns, and writing to stdout without panicking when
//! the reader goes away (`ldfi run ... | head`).
//!
//! Exit codes are the constants of [`exit`], listed by `--help`.

mod bench;
mod check;
mod debug;
mod exit;
mod hunt;
mod jobs;
mod late;
mod repair;
mod run;
mod shard;
mod sweep;
mod wat;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use harness::report::saved::SavedCounterexample;
use harness::{Budget, Report};

/// Raised by the first Ctrl-C; a second one ends the process at once.
static INTERRUPT: std::sync::OnceLock<Arc<AtomicBool>> = std::sync::OnceLock::new();

/// The Ctrl-C flag, with its handler installed on first use. z3 is told not
/// to install its own (see `ldfi::encode`), so every SIGINT lands here.
fn interrupt_flag() -> Arc<AtomicBool> {
    INTERRUPT
        .get_or_init(|| {
            let flag = Arc::new(AtomicBool::new(false));
            let sig = signal_hook::consts::SIGINT;
            // Order matters: the shutdown check runs before the flag is set,
            // so only a second Ctrl-C exits immediately.
            let _ = signal_hook::flag::register_conditional_shutdown(
                sig,
                exit::INTERRUPTED,
                Arc::clone(&flag),
            );
            let _ = signal_hook::flag::register(sig, Arc::clone(&flag));
            flag
        })
        .clone()
}

/// Whether Ctrl-C was pressed.
fn interrupted() -> bool {
    INTERRUPT
        .get()
        .is_some_and(|f| f.load(std::sync::atomic::Ordering::Relaxed))
}

const EXAMPLES: &str = "\
Examples:
  # evaluate a protocol once, dropping the message a -> b sent at t=1
  ldfi run protocols/simple_broadcast.ded --nodes a,b,c --eot 4 --eff 2 --omit a,b,1

  # why does b log \"data\" at t=3?
  ldfi run protocols/simple_broadcast.ded --nodes a,b,c --eot 4 --why 'log(\"b\", \"data\")@3'

  # search every fault combination for a counterexample (Molly-style flags)
  ldfi check protocols/simple_broadcast.ded -N a,b,c -t 4 -f 2 -c 0

  # check a spec file, then every spec file of a directory
  ldfi check specs/simple_broadcast.yaml
  ldfi hunt specs/";

/// Lineage-driven fault injection for Dedalus protocols.
#[derive(Parser, Debug)]
#[command(
    name = "ldfi",
    version,
    about = "Lineage-driven fault injection for Dedalus protocols",
    long_about = "Lineage-driven fault injection for Dedalus protocols.\n\n\
        `run` evaluates one run under a fault schedule and explains it; `check` searches \
        the admissible fault space for a run that violates the program's specification \
        (pre => post at EOT); `hunt` checks every spec file of a directory; `sweep` finds the \
        deepest EOT a spec is certified at within a time budget; `bench` measures \
        evaluation speed and search cost.",
    after_long_help = exit::help(EXAMPLES, &[
        (exit::OK, "success: the specification holds, the expectation is met, a repair is verified"),
        (exit::FAILED, "a finding: a counterexample, an expectation not met, no repair found"),
        (exit::ERROR, "an error, or a search that reached no verdict (inconclusive)"),
    ]),
    propagate_version = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Evaluate one run under a fault schedule: tables, messages, provenance.
    #[command(after_long_help = exit::help(run::EXAMPLES, run::EXIT))]
    Run(run::RunArgs),
    /// Search the fault space for a counterexample to the specification.
    #[command(after_long_help = exit::help(check::EXAMPLES, check::EXIT))]
    Check(check::CheckArgs),
    /// Check every spec file in a directory and summarise the verdicts.
    #[command(after_long_help = exit::help(hunt::EXAMPLES, hunt::EXIT))]
    Hunt(hunt::HuntArgs),
    /// Measure evaluation speed and search cost; write reports/bench.md.
    #[command(after_long_help = exit::help(bench::EXAMPLES, bench::EXIT))]
    Bench(bench::BenchArgs),
    /// Explain a counterexample: frontier, skeleton difference, triggers, hazard window.
    #[command(after_long_help = exit::help(debug::EXAMPLES, debug::EXIT))]
    Debug(debug::DebugArgs),
    /// Propose repairs and verify each with the search at the same bounds.
    #[command(after_long_help = exit::help(repair::EXAMPLES, repair::EXIT))]
    Repair(repair::RepairArgs),
    /// Explain why an event came when it did: delays attributed to their causes.
    #[command(after_long_help = late::EXAMPLES)]
    Late(late::LateArgs),
    /// Why a tuple holds: the minimal sets of the run's inputs that produce it (wat-provenance).
    #[command(after_long_help = wat::EXAMPLES)]
    Why(wat::WatArgs),
    /// Check a spec at increasing EOT: the deepest certified within a time budget.
    #[command(after_long_help = exit::help(sweep::EXAMPLES, sweep::EXIT))]
    Sweep(sweep::SweepArgs),
}

/// Output format of `run` and `check`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    /// For people.
    Text,
    /// One JSON document on one line, for scripts.
    Json,
}

/// The registered strategies as command-line values (with their help and
/// aliases).
fn strategy_parser()
-> impl clap::builder::TypedValueParser<Value = &'static harness::strategies::Entry> {
    use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
    PossibleValuesParser::new(harness::strategies::ALL.iter().map(|e| {
        PossibleValue::new(e.name)
            .help(e.about)
            .aliases(e.aliases.iter().copied())
    }))
    .map(|name| harness::strategies::named(&name).expect("a registered name"))
}

/// How to search: shared by `check` and `hunt`.
#[derive(Args, Debug, Clone)]
struct SearchArgs {
    /// Search strategy.
    #[arg(long, default_value = "portfolio", value_parser = strategy_parser())]
    strategy: &'static harness::strategies::Entry,
    /// Make the counterexample smallest by number of faults (the default
    /// strategy; capped in time, else it stays subset-minimal and says so).
    #[arg(long)]
    smallest: bool,
    /// Seed of `--strategy random` (default 0; printed with the result).
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    /// Stop (inconclusive) after this many runs (at least 1: the failure-free run).
    #[arg(long, value_name = "N", value_parser = parse_max_runs)]
    max_runs: Option<usize>,
    /// Stop (inconclusive) after this many seconds (fractions allowed).
    #[arg(long, value_name = "SECS", value_parser = parse_timeout)]
    timeout: Option<Duration>,
    /// Keep searching after the first counterexample and report all of them.
    #[arg(long)]
    all: bool,
    /// Reliable, unordered channels: messages may be delayed (--max-delay) but
    /// never lost, except through a crash (overrides a spec's `omissions`).
    #[arg(long)]
    no_omissions: bool,
    #[command(flatten)]
    limits: LimitArgs,
    /// Where saved counterexamples go (created if missing).
    #[arg(long, value_name = "DIR", default_value = "reports")]
    reports: PathBuf,
}

/// The runaway budget of every run: shared by `run`, `check` and `hunt`.
#[derive(Args, Debug, Clone)]
struct LimitArgs {
    /// Runaway budget of each run, e.g. step-tuples=1000000,run-tuples=10000000,step-mib=256,run-mib=1024 (these are the defaults; give any of them).
    #[arg(long, value_name = "KEY=N,...", value_parser = parse_limits)]
    budget: Option<dedalus::eval::Limits>,
}

impl LimitArgs {
    fn limits(&self) -> dedalus::eval::Limits {
        self.budget.unwrap_or_default()
    }
}

fn parse_limits(s: &str) -> Result<dedalus::eval::Limits, String> {
    let mut l = dedalus::eval::Limits::default();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((key, n)) = part.split_once('=') else {
            return Err(format!(
                "expected KEY=N (keys: step-tuples, run-tuples, step-mib, run-mib), got `{part}`"
            ));
        };
        let n: usize = n
            .trim()
            .parse()
            .ok()
            .filter(|&n| n > 0)
            .ok_or_else(|| format!("`{part}`: expected a positive integer"))?;
        let mib = |n: usize| {
            n.checked_mul(1 << 20)
                .ok_or_else(|| format!("`{part}`: too large"))
        };
        match key.trim() {
            "step-tuples" => l.step_tuples = n,
            "run-tuples" => l.run_tuples = n,
            "step-mib" => l.step_bytes = mib(n)?,
            "run-mib" => l.run_bytes = mib(n)?,
            other => {
                return Err(format!(
                    "unknown budget `{other}` (keys: step-tuples, run-tuples, step-mib, run-mib)"
                ));
            }
        }
    }
    Ok(l)
}

impl SearchArgs {
    fn strategy(&self) -> Result<Box<dyn harness::SearchStrategy>, Failure> {
        let entry = self.strategy;
        if self.seed.is_some() && !entry.seeded {
            return Err(Failure::msg(
                "--seed applies only to --strategy random (the other strategies are deterministic)",
            ));
        }
        if self.smallest {
            if entry.name != harness::portfolio::ID.name() {
                return Err(Failure::msg(
                    "--smallest applies only to the default strategy (symbolic counterexamples are smallest already)",
                ));
            }
            return Ok(Box::new(harness::Portfolio { smallest: true }));
        }
        Ok(entry.strategy(self.seed.unwrap_or(0)))
    }

    /// `target` under the fault model these flags choose.
    fn model(&self, target: &mut harness::Target) {
        if self.no_omissions {
            target.set_omissions(false);
        }
    }

    fn budget(&self) -> Budget {
        Budget {
            max_runs: self.max_runs,
            timeout: self.timeout,
            all: self.all,
            interrupt: Some(interrupt_flag()),
            observer: None,
        }
    }
}

fn parse_max_runs(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(0) => Err("at least 1 run is needed: the failure-free run comes first".into()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("expected a number of runs such as 500, got `{s}`")),
    }
}

fn parse_timeout(s: &str) -> Result<Duration, String> {
    let secs: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("expected a number of seconds such as 30 or 0.5, got `{s}`"))?;
    if secs.is_nan() || secs <= 0.0 {
        return Err(format!("the timeout must be positive, got `{s}`"));
    }
    Duration::try_from_secs_f64(secs).map_err(|e| format!("`{s}`: {e}"))
}

/// One node name of `--nodes a,b,c`: checked like the nodes of a spec file.
fn parse_node(s: &str) -> Result<String, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err(
            "a node name may not be empty (expected a comma-separated list such as a,b,c)".into(),
        );
    }
    harness::faults::check_node_name(s).map_err(|e| e.to_string())?;
    Ok(s.to_string())
}

/// Why a command could not do its job ([`exit::ERROR`]).
#[derive(Debug)]
enum Failure {
    /// Printed as `error: {message}`.
    Message(String),
    /// Already formatted (rendered diagnostics): printed as is.
    Rendered(String),
}

impl Failure {
    fn msg(m: impl Into<String>) -> Failure {
        Failure::Message(m.into())
    }

    fn print(&self) {
        let text = match self {
            Failure::Message(m) => format!("error: {m}\n"),
            Failure::Rendered(r) => {
                let mut r = r.clone();
                if !r.ends_with('\n') {
                    r.push('\n');
                }
                r
            }
        };
        let _ = std::io::stderr().write_all(terminal_safe(&text).as_bytes());
    }
}

impl From<harness::Error> for Failure {
    fn from(e: harness::Error) -> Failure {
        match e {
            harness::Error::Program(d) => diagnostics(&d),
            harness::Error::Eval(e @ dedalus::eval::EvalError::Runaway { .. }) => Failure::from(e),
            // A spec error renders its own `error:` line, location and help.
            harness::Error::Spec(e) => Failure::Rendered(e.to_string()),
            e => Failure::Message(e.to_string()),
        }
    }
}

impl From<dedalus::eval::EvalError> for Failure {
    fn from(e: dedalus::eval::EvalError) -> Failure {
        match e {
            dedalus::eval::EvalError::Runaway { .. } => Failure::Message(format!(
                "{e}\n  help: --budget raises it, e.g. --budget step-mib=1024,run-mib=4096 \
                 (keys: step-tuples, run-tuples, step-mib, run-mib)"
            )),
            e => Failure::Message(e.to_string()),
        }
    }
}

/// Rendered diagnostics of a program that does not load: errors without a
/// source location (an unreadable file) as plain `error:` lines, the others
/// rendered like rustc under one `error:` line.
fn diagnostics(d: &dedalus::Diagnostics) -> Failure {
    let (located, plain): (Vec<_>, Vec<_>) = d
        .diagnostics
        .iter()
        .partition(|diag| diag.primary.is_some());
    let mut out = String::new();
    for diag in plain {
        out.push_str(&format!("error: {}\n", diag.message));
        if let Some(help) = &diag.help {
            out.push_str(&format!("  help: {help}\n"));
        }
    }
    if !located.is_empty() {
        let n = located.len();
        out.push_str(&format!(
            "error: the program does not load ({n} error{})\n",
            if n == 1 { "" } else { "s" }
        ));
        for (i, diag) in located.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            out.push_str(&diag.render(&d.sources));
        }
    }
    Failure::Rendered(out)
}

/// The program's lints ([`dedalus::lint`]) on `nodes`, rendered as
/// warnings with their location and a hint: facts placed at a name that is
/// not a node, rules that can never fire, aggregates that count
/// combinations. A mistake of this kind makes a spec fail without faults,
/// or meet its expectation, for the wrong reason.
fn lint_warnings(program: &dedalus::Program, nodes: &[String]) -> String {
    dedalus::lint::lints(program, nodes)
        .iter()
        .map(|l| l.render(program.sources()))
        .collect()
}

/// Warnings for `@async` heads a run derived for a value that is not a node
/// (a node missing from the node list, or misspelled): never sent.
fn unaddressed_sends(run: &dedalus::eval::Run) -> String {
    let mut out = String::new();
    for &(rel, to) in run.unaddressed() {
        out.push_str(&format!(
            "warning: `{}` messages were addressed to {}, which is not a node (nodes: {}): they are never sent\n",
            run.program().relations()[rel as usize].name,
            run.show_value(to),
            run.nodes().join(", ")
        ));
    }
    out
}

/// Loads program files, rendering diagnostics on failure.
fn load(files: &[PathBuf]) -> Result<dedalus::Program, Failure> {
    dedalus::load_files(files).map_err(|d| diagnostics(&d))
}

/// Writes `text` to stdout, ignoring a closed pipe.
fn emit(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(terminal_safe(text).as_bytes());
    let _ = out.flush();
}

/// Writes `text` to stderr.
fn note(text: &str) {
    let _ = std::io::stderr().write_all(terminal_safe(text).as_bytes());
}

/// `text` with every control character but newline and tab shown escaped
/// (`\u{1b}`, `\r`): a value in a program (a string holding ESC, BEL or
/// CR) must never drive the reader's terminal.
fn terminal_safe(text: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| c.is_control() && c != '\n' && c != '\t';
    if !text.contains(unsafe_char) {
        return text.into();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if unsafe_char(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out.into()
}

/// Writes each counterexample of `report` as YAML under `dir` (`--reports`):
/// `<stem>-counterexample.yaml`, then `-2`, `-3`... with `--all`. Returns
/// the paths written.
fn save_counterexamples(dir: &Path, stem: &str, report: &Report) -> Result<Vec<PathBuf>, Failure> {
    if report.counterexamples.is_empty() {
        return Ok(Vec::new());
    }
    std::fs::create_dir_all(dir)
        .map_err(|e| Failure::msg(format!("cannot create `{}`: {e}", dir.display())))?;
    let program: Vec<String> = report
        .program
        .iter()
        .map(|f| relative_to(Path::new(f), dir).display().to_string())
        .collect();
    let mut written = Vec::new();
    for (i, cx) in report.counterexamples.iter().enumerate() {
        let name = if i == 0 {
            format!("{stem}-counterexample.yaml")
        } else {
            format!("{stem}-counterexample-{}.yaml", i + 1)
        };
        let path = dir.join(name);
        let yaml = SavedCounterexample::new(report, cx, program.clone())
            .to_yaml()
            .map_err(|e| Failure::msg(format!("cannot serialise a counterexample: {e}")))?;
        harness::report::files::write(&path, yaml)?;
        written.push(path);
    }
    Ok(written)
}

/// Where `--report [DIR]` writes: DIR, or `<reports>/<stem>` when no DIR
/// was given.
fn report_dir(given: Option<&Path>, reports: &Path, stem: &str) -> PathBuf {
    given.map_or_else(|| reports.join(stem), Path::to_path_buf)
}

/// Writes the HTML report of `view` (and its DOT files) into `dir`.
fn write_html_report(dir: &Path, view: &harness::render::CheckView) -> Result<(), Failure> {
    let written = harness::render::write_report(dir, view)?;
    if let Some(page) = written.first() {
        note(&format!("wrote report to {}\n", page.display()));
    }
    Ok(())
}

/// `file` as a path relative to the directory `dir` (both taken from the
/// current directory), or absolute where no relative path exists.
fn relative_to(file: &Path, dir: &Path) -> PathBuf {
    let (Ok(file), Ok(dir)) = (std::fs::canonicalize(file), std::fs::canonicalize(dir)) else {
        return std::path::absolute(file).unwrap_or_else(|_| file.to_path_buf());
    };
    let (f, d): (Vec<_>, Vec<_>) = (file.components().collect(), dir.components().collect());
    let common = f.iter().zip(&d).take_while(|(a, b)| a == b).count();
    if common == 0 {
        return file;
    }
    let mut out = PathBuf::new();
    for _ in common..d.len() {
        out.push("..");
    }
    for c in &f[common..] {
        out.push(c);
    }
    out
}

/// The file name of `path` without its extension (`specs/x.yaml` -> `x`).
fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "ldfi".to_string())
}

/// Runs the command line; returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and --version are "errors" that exit 0.
            let _ = e.print();
            return e.exit_code();
        }
    };
    // Before any work: a Ctrl-C before the search begins is ours too.
    // (`bench` keeps the default: Ctrl-C ends it at once.)
    if !matches!(cli.command, Command::Bench(_)) {
        let _ = interrupt_flag();
    }
    let result = match cli.command {
        Command::Run(args) => run::main(&args),
        Command::Check(args) => check::main(&args),
        Command::Hunt(args) => hunt::main(&args),
        Command::Bench(args) => bench::main(&args),
        Command::Debug(args) => debug::main(&args),
        Command::Repair(args) => repair::main(&args),
        Command::Late(args) => late::main(&args),
        Command::Why(args) => wat::main(&args),
        Command::Sweep(args) => sweep::main(&args),
    };
    match result {
        Ok(_) if interrupted() => exit::INTERRUPTED,
        Ok(code) => code,
        Err(failure) => {
            failure.print();
            if interrupted() {
                exit::INTERRUPTED
            } else {
                exit::ERROR
            }
        }
    }
}
