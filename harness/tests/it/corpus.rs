//! Tests: the protocol corpus. Every spec's verdict is what it expects, and
//! on small bounds LDFI's verdict equals exhaustive search's.

use std::path::{Path, PathBuf};

use harness::{Budget, Spec, Strategy, Verdict};

fn specs_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs")
}

fn verdict_of(spec: &Spec, strategy: Strategy) -> Result<(String, usize), String> {
    let target = harness::target_of(spec).map_err(|e| format!("{}: {e}", spec.path.display()))?;
    let o = harness::search(&target, strategy, &Budget::default(), &mut |_| {})
        .map_err(|e| format!("{}: {e}", spec.path.display()))?;
    if let Verdict::Inconclusive { reason } = o.verdict {
        return Err(format!("{}: inconclusive: {reason}", spec.path.display()));
    }
    Ok((o.verdict.name().to_string(), o.runs))
}

/// LDFI must reach the verdict of exhaustive search on every small spec.
#[test]
fn ldfi_equals_exhaustive_on_small_bounds() {
    let mut mismatches = Vec::new();
    let mut checked = 0;
    for path in harness::spec_files(&specs_dir()).unwrap() {
        if !path
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .ends_with("_small")
        {
            continue;
        }
        let spec = Spec::load(&path).unwrap_or_else(|e| panic!("{e}"));
        let (l, lr, e, er) = match (
            verdict_of(&spec, Strategy::Ldfi),
            verdict_of(&spec, Strategy::Exhaustive),
        ) {
            (Ok((l, lr)), Ok((e, er))) => (l, lr, e, er),
            (Err(m), _) | (_, Err(m)) => {
                mismatches.push(m);
                continue;
            }
        };
        eprintln!(
            "{}: ldfi {l} ({lr} runs), exhaustive {e} ({er} runs)",
            path.display()
        );
        if l != e {
            mismatches.push(format!(
                "{}: ldfi {l} in {lr} runs, exhaustive {e} in {er}",
                path.display()
            ));
        }
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} small specs found");
    assert!(
        mismatches.is_empty(),
        "LDFI disagrees with exhaustive search:\n{}",
        mismatches.join("\n")
    );
}
