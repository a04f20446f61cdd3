//! Snapshots (insta) of what `ldfi` prints for `check`, `run`, `why` and
//! `hunt` on a few corpus specs, text and JSON. They were taken before the
//! seams redesign so that a refactor provably changes no output; a change of
//! output shows here as a reviewable diff (`cargo insta review`).
//!
//! Timings are the only nondeterministic part of the output; [`normalise`]
//! replaces them.

use std::path::{Path, PathBuf};

use serde_json::Value as Json;

use crate::cli::{Scratch, ldfi};

/// The repository root: the corpus paths in the output are relative to it.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `text` with every duration ("34 ms", "0.1 ms", "12ms") replaced by `[ms]`
/// and runs of spaces collapsed (table columns widen with the timings).
fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let starts_number =
            chars[i].is_ascii_digit() && (i == 0 || !chars[i - 1].is_alphanumeric());
        if starts_number {
            let mut j = i;
            while j < chars.len() && (chars[j].is_ascii_digit() || chars[j] == '.') {
                j += 1;
            }
            let mut k = j;
            if k < chars.len() && chars[k] == ' ' {
                k += 1;
            }
            let unit: String = chars[k..chars.len().min(k + 2)].iter().collect();
            let ends = chars.get(k + 2).is_none_or(|c| !c.is_alphanumeric());
            if unit == "ms" && ends {
                out.push_str("[ms]");
                i = k + 2;
                continue;
            }
            out.extend(&chars[i..j]);
            i = j;
            continue;
        }
        if chars[i] == ' ' && out.ends_with(' ') {
            i += 1;
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

/// `json` with every `ms` and `*_ms` field set to 0, pretty-printed.
fn normalise_json(mut json: Json) -> String {
    fn walk(v: &mut Json) {
        match v {
            Json::Object(map) => {
                for (k, v) in map.iter_mut() {
                    if k == "ms" || k.ends_with("_ms") {
                        *v = Json::from(0);
                    } else {
                        walk(v);
                    }
                }
            }
            Json::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    walk(&mut json);
    serde_json::to_string_pretty(&json).expect("serialise")
}

/// `ldfi args...` from the repository root: exit code, stdout and stderr.
fn at_root(args: &[&str]) -> String {
    let ran = ldfi(&root(), args);
    format!(
        "exit: {}\n--- stdout\n{}--- stderr\n{}",
        ran.code,
        normalise(&ran.stdout),
        normalise(&ran.stderr)
    )
}

fn json_at_root(args: &[&str]) -> String {
    let ran = ldfi(&root(), args);
    format!("exit: {}\n{}", ran.code, normalise_json(ran.json()))
}

#[test]
fn normalise_replaces_durations_only() {
    assert_eq!(
        normalise("2 runs, 34 ms, eot 4; ground 0.1 ms, 12ms  x3 ms2"),
        "2 runs, [ms], eot 4; ground [ms], [ms] x3 ms2"
    );
}

macro_rules! check_snapshots {
    ($($name:ident: $spec:literal;)*) => {$(
        #[test]
        fn $name() {
            let spec = concat!("specs/", $spec);
            insta::assert_snapshot!(
                concat!("check_text_", stringify!($name)),
                at_root(&["check", spec])
            );
            insta::assert_snapshot!(
                concat!("check_json_", stringify!($name)),
                json_at_root(&["check", spec, "--format", "json"])
            );
        }
    )*};
}

check_snapshots! {
    check_simple_broadcast: "simple_broadcast.yaml";
    check_async_primary_backup: "async_primary_backup.yaml";
    check_acked_broadcast: "acked_broadcast.yaml";
    check_paxos_small: "paxos_small.yaml";
    check_3pc_timeout_small: "3pc_timeout_small.yaml";
}

#[test]
fn check_exhaustive_and_lineage_strategies() {
    let spec = "specs/retry_broadcast_small.yaml";
    for strategy in ["exhaustive", "lineage", "symbolic"] {
        insta::assert_snapshot!(
            format!("check_strategy_{strategy}"),
            at_root(&["check", spec, "--strategy", strategy])
        );
    }
    for max in ["0", "1"] {
        insta::assert_snapshot!(
            format!("check_max_runs_{max}"),
            at_root(&["check", spec, "--strategy", "lineage", "--max-runs", max])
        );
    }
}

const RUN: [&str; 10] = [
    "run",
    "protocols/simple_broadcast.ded",
    "--nodes",
    "a,b,c",
    "--eot",
    "4",
    "--eff",
    "2",
    "--omit",
    "a,b,1",
];

#[test]
fn run_text_and_json() {
    insta::assert_snapshot!("run_text", at_root(&RUN));
    let mut json = RUN.to_vec();
    json.extend(["--format", "json"]);
    insta::assert_snapshot!("run_json", json_at_root(&json));
}

#[test]
fn why_text() {
    let mut args = RUN[..8].to_vec();
    args.extend(["--why", "log(\"b\", \"data\")@3"]);
    insta::assert_snapshot!("why_text", at_root(&args));
    let mut missing = RUN.to_vec();
    missing.extend(["--why", "log(\"b\", \"data\")@3"]);
    insta::assert_snapshot!("why_text_lost", at_root(&missing));
}

#[test]
fn hunt_text_and_json() {
    let reports = Scratch::new("snap-hunt");
    let dir = reports.path().to_str().expect("utf-8 path").to_owned();
    // The table's time column holds bare milliseconds.
    let text = at_root(&["hunt", "specs", "--reports", &dir])
        .replace(&dir, "[reports]")
        .lines()
        .map(|line| match line.rsplit_once(' ') {
            Some((row, met @ ("✓" | "✗"))) => match row.rsplit_once(' ') {
                Some((row, _ms)) => format!("{row} [ms] {met}"),
                None => line.to_owned(),
            },
            _ => line.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    insta::assert_snapshot!("hunt_text", text);
    let json = json_at_root(&["hunt", "specs", "--reports", &dir, "--format", "json"])
        .replace(&dir, "[reports]");
    insta::assert_snapshot!("hunt_json", json);
}
