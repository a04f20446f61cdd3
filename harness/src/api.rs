//! What `cargo test` users call: check a spec file, assert its verdict.

use std::path::{Path, PathBuf};

use crate::Error;
use crate::search::{Budget, Progress};
use crate::spec::{Expect, Spec};
use crate::target::Target;
use crate::verdict::{Outcome, Verdict};

/// How to search a fault space.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// Lineage-driven fault injection (the default; can certify).
    Ldfi,
    /// Uniformly random fault sets from a seed (cannot certify).
    Random {
        /// The seed, printed with every result.
        seed: u64,
    },
    /// Every admissible fault set (small bounds only).
    Exhaustive,
    /// The symbolic encoding alone (bounded model checking; can certify).
    Symbolic,
    /// Lineage-driven fault injection alone (never certifies).
    Lineage,
}

/// Searches `target` with `strategy`.
pub fn search(
    target: &Target,
    strategy: Strategy,
    budget: &Budget,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Outcome, Error> {
    match strategy {
        Strategy::Ldfi => crate::ldfi::search(target, budget, progress),
        Strategy::Random { seed } => crate::random::search(target, seed, budget, progress),
        Strategy::Exhaustive => crate::exhaustive::search(target, budget, progress),
        Strategy::Symbolic => crate::symbolic::search(target, budget, progress),
        Strategy::Lineage => crate::ldfi::search_lineage_only(target, budget, progress),
    }
}

/// Loads a spec's program and checks the spec against it.
pub fn target_of(spec: &Spec) -> Result<Target, Error> {
    let program = dedalus::load_files(&spec.program).map_err(|mut d| {
        let dir = spec.path.parent().unwrap_or(std::path::Path::new(""));
        for diag in &mut d.diagnostics {
            if diag.primary.is_none() && diag.message.starts_with("cannot read") {
                diag.help = Some(format!(
                    "paths in `program:` are relative to the spec file's directory (here `{}`)",
                    if dir.as_os_str().is_empty() {
                        ".".into()
                    } else {
                        dir.display().to_string()
                    }
                ));
            }
        }
        d
    })?;
    spec.check_locations(&program)?;
    Target::new(spec.program.clone(), &program, spec.space.clone())
}

/// The result of checking a spec file.
#[derive(Debug)]
pub struct Report {
    /// The spec.
    pub spec: Spec,
    /// What the search found.
    pub outcome: Outcome,
}

/// Checks the spec file at `path` with LDFI (paths are relative to the
/// current directory; `cargo test` runs in the crate's directory).
pub fn check(path: impl AsRef<Path>) -> Result<Report, Error> {
    let spec = Spec::load(path.as_ref())?;
    let target = target_of(&spec)?;
    let outcome = search(&target, Strategy::Ldfi, &Budget::default(), &mut |_| {})?;
    Ok(Report { spec, outcome })
}

impl Report {
    /// Whether the verdict is what the spec's `expect` says (true without `expect`
    /// unless inconclusive).
    pub fn met(&self) -> bool {
        expectation_met(&self.outcome, self.spec.expect)
    }

    /// Panics, showing the counterexample and its replay line, unless the
    /// specification holds.
    #[track_caller]
    pub fn assert_holds(&self) {
        if !matches!(self.outcome.verdict, Verdict::Holds) {
            panic!(
                "{}: expected the specification to hold\n{}",
                self.spec.path.display(),
                crate::report::text(&self.outcome)
            );
        }
    }

    /// Panics unless a counterexample was found.
    #[track_caller]
    pub fn assert_violated(&self) {
        if !matches!(self.outcome.verdict, Verdict::Violated) {
            panic!(
                "{}: expected a counterexample\n{}",
                self.spec.path.display(),
                crate::report::text(&self.outcome)
            );
        }
    }

    /// Panics unless the verdict is the spec's `expect`.
    #[track_caller]
    pub fn assert_expected(&self) {
        match self.spec.expect {
            Some(Expect::Holds) => self.assert_holds(),
            Some(Expect::Violated) => self.assert_violated(),
            Some(Expect::Vacuous) => {
                if !self.met() {
                    panic!(
                        "{}: expected a vacuous certificate\n{}",
                        self.spec.path.display(),
                        crate::report::text(&self.outcome)
                    );
                }
            }
            None => {
                if let Verdict::Inconclusive { reason } = &self.outcome.verdict {
                    panic!("{}: inconclusive: {reason}", self.spec.path.display());
                }
                if let Verdict::Interrupted = &self.outcome.verdict {
                    panic!("{}: interrupted", self.spec.path.display());
                }
            }
        }
    }
}

/// Whether `outcome` is what `expect` says (true without `expect` unless
/// inconclusive).
pub(crate) fn expectation_met(outcome: &Outcome, expect: Option<Expect>) -> bool {
    match (expect, &outcome.verdict) {
        (_, Verdict::Inconclusive { .. } | Verdict::Interrupted) => false,
        // A certificate over runs without any `pre` checked nothing.
        (expect, Verdict::Holds) if crate::report::vacuous(outcome) => {
            expect == Some(Expect::Vacuous)
        }
        (None, _) => true,
        (Some(Expect::Holds), Verdict::Holds) | (Some(Expect::Violated), Verdict::Violated) => true,
        _ => false,
    }
}

/// Every `*.yaml`/`*.yml` file directly in `dir`, sorted.
pub fn spec_files(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let entries = std::fs::read_dir(dir).map_err(|source| Error::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut out: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    out.sort();
    Ok(out)
}

/// One `#[test]` per spec file, each asserting the spec's `expect`.
///
/// ```ignore
/// harness::spec_tests! {
///     broadcast_loses_a_message => "specs/simple_broadcast.yaml",
///     relay_broadcast_is_certified => "specs/relay_broadcast.yaml",
/// }
/// ```
#[macro_export]
macro_rules! spec_tests {
    ($($name:ident => $path:expr),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                $crate::check($path).unwrap_or_else(|e| panic!("{e}")).assert_expected();
            }
        )*
    };
}
