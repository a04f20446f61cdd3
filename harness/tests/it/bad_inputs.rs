//! The catalogue of bad inputs (`harness/tests/bad_inputs/`): one directory
//! per case, holding its input files and a `case.yaml`:
//!
//! ```yaml
//! why: what went wrong before                  # one line
//! args: [run, p.ded, --nodes, a, --eot, "1"]   # ldfi's arguments, run in the case's directory
//! exit: 2                                      # the exit code
//! output: ["words the output must contain"]    # stdout and stderr together
//! absent: ["words it must not contain"]        # optional
//! seconds: 5                                   # optional: at most this long
//! ```

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    why: String,
    args: Vec<String>,
    exit: i32,
    output: Vec<String>,
    #[serde(default)]
    absent: Vec<String>,
    #[serde(default)]
    seconds: Option<u64>,
}

fn catalogue() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad_inputs")
}

#[test]
fn every_bad_input_ends_with_its_exit_code_and_words() {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(catalogue())
        .expect("the catalogue")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 10, "{} cases", dirs.len());
    let mut failures = Vec::new();
    for dir in &dirs {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(dir.join("case.yaml"))
            .unwrap_or_else(|e| panic!("{name}/case.yaml: {e}"));
        let case: Case =
            serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{name}/case.yaml: {e}"));
        let start = Instant::now();
        let out = Command::new(env!("CARGO_BIN_EXE_ldfi"))
            .args(&case.args)
            .current_dir(dir)
            .output()
            .expect("run ldfi");
        let took = start.elapsed();
        let output = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let mut wrong = Vec::new();
        if out.status.code() != Some(case.exit) {
            wrong.push(format!(
                "exit {:?}, expected {}",
                out.status.code(),
                case.exit
            ));
        }
        if output.contains("panicked") {
            wrong.push("it panicked".into());
        }
        for w in &case.output {
            if !output.contains(w.as_str()) {
                wrong.push(format!("missing `{w}`"));
            }
        }
        for w in &case.absent {
            if output.contains(w.as_str()) {
                wrong.push(format!("must not contain `{w}`"));
            }
        }
        if let Some(s) = case.seconds
            && took > Duration::from_secs(s)
        {
            wrong.push(format!("took {took:?}, at most {s} s"));
        }
        if !wrong.is_empty() {
            failures.push(format!(
                "{name} ({}): {}\n--- output:\n{output}",
                case.why,
                wrong.join("; ")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
