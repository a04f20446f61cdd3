//! What `cargo test` users call: check a spec file, assert its verdict.

use std::path::{Path, PathBuf};

use crate::Error;
use crate::faults::FaultSet;
use crate::portfolio::Portfolio;
use crate::report::Report;
use crate::search::{Budget, Progress};
use crate::spec::Spec;
use crate::strategy::SearchStrategy;
use crate::target::Target;
use crate::verdict::Outcome;

/// Searches `target` with `strategy` (a built-in one such as
/// [`Portfolio`], the default, or any [`SearchStrategy`]).
pub fn search(
    target: &Target,
    strategy: impl SearchStrategy,
    budget: &Budget,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Outcome, Error> {
    strategy.search(target, budget, progress)
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

/// Checks the spec file at `path` with LDFI (paths are relative to the
/// current directory; `cargo test` runs in the crate's directory). The
/// report's assertions ([`Report::assert_holds`], ...) print the
/// counterexample and its replay line when they fail. The spec's
/// `timeout:` bounds the search. A report with a
/// counterexample also holds the failure-free run it departs from.
pub fn check(path: impl AsRef<Path>) -> Result<Report, Error> {
    let spec = Spec::load(path.as_ref())?;
    let target = target_of(&spec)?;
    let budget = Budget::default().within(spec.timeout);
    let outcome = search(&target, Portfolio { smallest: true }, &budget, &mut |_| {})?;
    let report = Report::new(&outcome).spec(&spec);
    Ok(match target.run(&FaultSet::none()) {
        Ok(good) if !report.counterexamples.is_empty() => report.good_run(&good),
        _ => report,
    })
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
