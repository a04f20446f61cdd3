//! The `ldfi` binary, end to end: flags, output formats, exit codes, and
//! that a counterexample's replay line reproduces it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value as Json;

/// Best-effort broadcast and its delivery specification (docs/dedalus.md §9),
/// as the corpus ships it.
pub(crate) const BROADCAST: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../protocols/doc_example.ded"
));

/// The same with a retry: survives every omission before EFF.
fn retry_broadcast() -> String {
    format!("{BROADCAST}bcast(N, P)@next :- bcast(N, P);\n")
}

/// A scratch directory, removed when dropped.
pub(crate) struct Scratch(pub(crate) PathBuf);

impl Scratch {
    pub(crate) fn new(name: &str) -> Scratch {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("ldfi-cli-{}-{n}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create scratch dir");
        Scratch(dir)
    }

    pub(crate) fn write(&self, name: &str, text: &str) -> &Scratch {
        let path = self.0.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create dir");
        }
        std::fs::write(path, text).expect("write file");
        self
    }

    pub(crate) fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// What one invocation printed and returned.
pub(crate) struct Ran {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Ran {
    pub(crate) fn json(&self) -> Json {
        assert_eq!(
            self.stdout.lines().count(),
            1,
            "JSON output is one line:\n{}",
            self.stdout
        );
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }
}

/// Runs `ldfi args...` in `dir`.
pub(crate) fn ldfi(dir: &Path, args: &[&str]) -> Ran {
    let Output {
        status,
        stdout,
        stderr,
    } = Command::new(env!("CARGO_BIN_EXE_ldfi"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run ldfi");
    let ran = Ran {
        code: status
            .code()
            .expect("ldfi exited normally (no signal, no panic abort)"),
        stdout: String::from_utf8(stdout).expect("utf-8 stdout"),
        stderr: String::from_utf8(stderr).expect("utf-8 stderr"),
    };
    assert!(
        !ran.stderr.contains("panicked"),
        "ldfi panicked:\n{}",
        ran.stderr
    );
    ran
}

pub(crate) fn broadcast() -> Scratch {
    let s = Scratch::new("bcast");
    s.write("bcast.ded", BROADCAST);
    s
}

const BOUNDS: [&str; 6] = ["--nodes", "a,b,c", "--eot", "4", "--eff", "2"];

fn run_args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["run", "bcast.ded"];
    args.extend(BOUNDS);
    args.extend(extra);
    args
}

#[test]
fn run_json_has_the_documented_keys_and_shows_a_lost_message() {
    let s = broadcast();
    let ran = ldfi(
        s.path(),
        &run_args(&["--omit", "a,b,1", "--format", "json"]),
    );
    // The run violates the specification: exit 1, as `check` does.
    assert_eq!(ran.code, 1, "{}", ran.stderr);
    let json = ran.json();
    for key in ["eot", "nodes", "tables", "messages"] {
        assert!(json.get(key).is_some(), "missing key {key}: {json}");
    }
    assert_eq!(json["eot"], 4);
    assert_eq!(json["nodes"], serde_json::json!(["a", "b", "c"]));
    let tables = json["tables"].as_object().expect("tables object");
    for rel in ["bcast", "crash", "log", "node", "pre", "post"] {
        assert!(tables.contains_key(rel), "no table {rel}");
    }
    assert!(
        tables["log"]
            .as_array()
            .expect("rows")
            .contains(&serde_json::json!(["c", "hello", 2])),
        "c logs hello at 2: {}",
        tables["log"]
    );
    let messages = json["messages"].as_array().expect("messages");
    let lost: Vec<&Json> = messages.iter().filter(|m| m["fate"] == "lost").collect();
    assert_eq!(lost.len(), 1, "{messages:?}");
    let m = lost[0];
    assert_eq!(
        (&m["from"], &m["to"], &m["sent"], &m["relation"]),
        (&"a".into(), &"b".into(), &1.into(), &"log".into())
    );
    assert!(m["received"].is_null(), "{m}");
    let delivered = messages
        .iter()
        .find(|m| m["to"] == "c")
        .expect("a -> c message");
    assert_eq!(
        (&delivered["fate"], &delivered["received"]),
        (&"delivered".into(), &2.into())
    );
}

#[test]
fn run_text_shows_tables_message_log_spacetime_and_the_specification() {
    let s = broadcast();
    let ran = ldfi(s.path(), &run_args(&["--omit", "a,b,1"]));
    // The run violates the specification: exit 1, as `check` does.
    assert_eq!(ran.code, 1, "{}", ran.stderr);
    let out = &ran.stdout;
    assert!(out.contains("tables at t=4 (EOT):"), "{out}");
    assert!(
        out.contains("log (2 rows)\n    \"a\"  \"hello\"\n    \"c\"  \"hello\"\n"),
        "{out}"
    );
    assert!(
        !out.contains("post ("),
        "empty relations are skipped: {out}"
    );
    assert!(out.contains("messages (2):"), "{out}");
    assert!(
        out.contains("a -> b  log(\"b\", \"hello\")  LOST (omission)"),
        "{out}"
    );
    assert!(
        out.contains("a -> c  log(\"c\", \"hello\")  delivered at 2"),
        "{out}"
    );
    assert!(out.contains("spacetime"), "{out}");
    assert!(
        out.contains("c  receives  log(\"c\", \"hello\") from a"),
        "{out}"
    );
    assert!(out.contains("specification at EOT: VIOLATED"), "{out}");
    // Identical inputs, identical bytes.
    assert_eq!(
        ldfi(s.path(), &run_args(&["--omit", "a,b,1"])).stdout,
        ran.stdout
    );
}

#[test]
fn run_relation_and_at_select_one_table() {
    let s = broadcast();
    let ran = ldfi(s.path(), &run_args(&["--relation", "log", "--at", "1"]));
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert_eq!(ran.stdout, "log (1 row)\n  \"a\"  \"hello\"\n");
    let empty = ldfi(s.path(), &run_args(&["--relation", "post", "--at", "1"]));
    assert_eq!(empty.stdout, "post (0 rows)\n");
    let unknown = ldfi(s.path(), &run_args(&["--relation", "lgo"]));
    assert_eq!(unknown.code, 2);
    assert!(
        unknown.stderr.starts_with("error: unknown relation `lgo`")
            && unknown.stderr.contains("bcast, crash, log"),
        "{}",
        unknown.stderr
    );
}

#[test]
fn run_why_prints_the_provenance_tree() {
    let s = broadcast();
    let ran = ldfi(s.path(), &run_args(&["--why", "log(\"b\",\"hello\")@3"]));
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let out = &ran.stdout;
    assert!(out.starts_with("why log(\"b\", \"hello\")@3:\n"), "{out}");
    assert!(out.contains("bcast(\"a\", \"hello\")@1\n"), "{out}");
    let line_of = |text: &str| {
        1 + BROADCAST
            .lines()
            .position(|l| l.contains(text))
            .expect("fixture line")
    };
    let fact = format!("fact (bcast.ded:{}:", line_of("bcast(\"a\", \"hello\")@1;"));
    assert!(out.contains(&fact), "{fact} in {out}");
    assert!(
        out.contains("message a -> b sent at 1 (delivered at 2)"),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "rule bcast.ded:{}:1: log(M, P)@async :- bcast(N, P), node(N, M);",
            line_of("log(M, P)@async")
        )),
        "{out}"
    );
    assert!(out.contains("with M = \"b\""), "{out}");
    // Negated premises are listed as checked absent.
    let post = ldfi(s.path(), &run_args(&["--why", "post(\"b\", \"hello\")@4"]));
    assert_eq!(post.code, 0, "{}", post.stderr);
    assert!(
        post.stdout
            .contains("absent: notin missing_log(_, \"hello\")@4"),
        "{}",
        post.stdout
    );
    // With a retry, log("b", ..)@3 has two derivations that share bcast("a", ..)@1:
    // it is expanded once.
    s.write("retry.ded", &retry_broadcast());
    let mut args = run_args(&["--why", "log(\"b\", \"hello\")@3"]);
    args[1] = "retry.ded";
    let twice = ldfi(s.path(), &args);
    assert_eq!(twice.code, 0, "{}", twice.stderr);
    assert!(
        twice
            .stdout
            .contains("message a -> b sent at 2 (delivered at 3)"),
        "{}",
        twice.stdout
    );
    assert!(
        twice
            .stdout
            .contains("bcast(\"a\", \"hello\")@1 ... (see above)"),
        "{}",
        twice.stdout
    );
}

#[test]
fn run_why_rejects_tuples_that_do_not_hold() {
    let s = broadcast();
    let ran = ldfi(
        s.path(),
        &run_args(&["--omit", "a,b,1", "--why", "log(\"b\", \"hello\")@3"]),
    );
    assert_eq!(ran.code, 2);
    assert!(ran.stdout.is_empty(), "{}", ran.stdout);
    assert!(ran.stderr.contains("does not hold"), "{}", ran.stderr);
    assert!(
        ran.stderr.contains("log(\"c\", \"hello\")@3"),
        "lists what holds: {}",
        ran.stderr
    );
    let unknown = ldfi(s.path(), &run_args(&["--why", "lg(\"b\")@3"]));
    assert_eq!(unknown.code, 2);
    assert!(
        unknown.stderr.contains("unknown relation `lg`"),
        "{}",
        unknown.stderr
    );
    let garbage = ldfi(s.path(), &run_args(&["--why", "log(\"b\","]));
    assert_eq!(garbage.code, 2);
    assert!(
        garbage.stderr.contains("--why expects one tuple"),
        "{}",
        garbage.stderr
    );
}

#[test]
fn run_rejects_a_bad_fault_flag_naming_the_expected_form() {
    let s = broadcast();
    let ran = ldfi(s.path(), &run_args(&["--omit", "a,b"]));
    assert_eq!(ran.code, 2);
    assert!(
        ran.stderr.contains("--omit") && ran.stderr.contains("FROM,TO,T"),
        "{}",
        ran.stderr
    );
    let crash = ldfi(s.path(), &run_args(&["--crash", "a,soon"]));
    assert_eq!(crash.code, 2);
    assert!(crash.stderr.contains("NODE,T"), "{}", crash.stderr);
    let unknown_node = ldfi(s.path(), &run_args(&["--omit", "a,z,1"]));
    assert_eq!(unknown_node.code, 2);
    assert!(
        unknown_node.stderr.starts_with("error: "),
        "{}",
        unknown_node.stderr
    );
    assert!(
        unknown_node.stderr.contains("`z`"),
        "{}",
        unknown_node.stderr
    );
}

#[test]
fn run_reports_a_syntax_error_with_its_location() {
    let s = Scratch::new("syntax");
    s.write("bad.ded", "p(X) :- q(X)\nq(\"a\")@1;\n");
    let ran = ldfi(s.path(), &["run", "bad.ded", "--nodes", "a", "--eot", "2"]);
    assert_eq!(ran.code, 2);
    assert!(ran.stdout.is_empty());
    assert!(ran.stderr.starts_with("error: "), "{}", ran.stderr);
    assert!(ran.stderr.contains("bad.ded:1:13"), "{}", ran.stderr);
    let missing = ldfi(s.path(), &["run", "nope.ded", "--nodes", "a", "--eot", "2"]);
    assert_eq!(missing.code, 2);
    assert!(missing.stderr.contains("nope.ded"), "{}", missing.stderr);
}

#[test]
fn run_rejects_eff_above_eot() {
    let s = broadcast();
    let ran = ldfi(
        s.path(),
        &[
            "run",
            "bcast.ded",
            "--nodes",
            "a,b,c",
            "--eot",
            "3",
            "--eff",
            "4",
        ],
    );
    assert_eq!(ran.code, 2);
    assert!(
        ran.stderr.contains("EFF may not exceed EOT"),
        "{}",
        ran.stderr
    );
}

#[test]
fn check_files_finds_a_counterexample_whose_replay_reproduces_it() {
    let s = broadcast();
    let ran = ldfi(
        s.path(),
        &[
            "check",
            "bcast.ded",
            "-N",
            "a,b,c",
            "-t",
            "4",
            "-f",
            "2",
            "-c",
            "0",
            "--format",
            "json",
        ],
    );
    assert_eq!(ran.code, 1, "{}", ran.stderr);
    let json = ran.json();
    assert_eq!(json["verdict"], "violated");
    let cx = &json["counterexample"];
    let replay = cx["replay"].as_str().expect("replay line");
    assert!(replay.starts_with("ldfi run "), "{replay}");
    let omissions = cx["omissions"].as_array().expect("omissions");
    assert_eq!(omissions.len(), 1, "{cx}");
    let (from, to) = (&omissions[0][0], &omissions[0][1]);

    let words: Vec<&str> = replay.split(' ').collect();
    let mut args = words[1..].to_vec();
    args.extend(["--format", "json"]);
    let replayed = ldfi(s.path(), &args);
    // The replayed run violates the specification: exit 1.
    assert_eq!(replayed.code, 1, "{}", replayed.stderr);
    let run = replayed.json();
    let lost: Vec<&Json> = run["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter(|m| m["fate"] == "lost")
        .collect();
    assert_eq!(lost.len(), 1, "{run}");
    assert_eq!((&lost[0]["from"], &lost[0]["to"]), (from, to));
    assert!(lost[0]["received"].is_null());
}

#[test]
fn check_text_shows_the_verdict_and_replay_line() {
    let s = broadcast();
    let ran = ldfi(
        s.path(),
        &["check", "bcast.ded", "-N", "a,b,c", "-t", "4", "-f", "2"],
    );
    assert_eq!(ran.code, 1, "{}", ran.stderr);
    assert!(ran.stdout.starts_with("VIOLATED: "), "{}", ran.stdout);
    assert!(
        ran.stdout.contains("  replay: ldfi run bcast.ded"),
        "{}",
        ran.stdout
    );
    s.write("retry.ded", &retry_broadcast());
    let holds = ldfi(
        s.path(),
        &["check", "retry.ded", "-N", "a,b,c", "-t", "4", "-f", "2"],
    );
    assert_eq!(holds.code, 0, "{}{}", holds.stdout, holds.stderr);
    assert!(holds.stdout.starts_with("HOLDS: "), "{}", holds.stdout);
    assert!(holds.stdout.contains("certificate: "), "{}", holds.stdout);
}

#[test]
fn check_exit_codes_for_errors_and_inconclusive_searches() {
    let s = broadcast();
    s.write("nospec.ded", "p(X)@next :- p(X);\np(\"a\")@1;\n");
    let nospec = ldfi(s.path(), &["check", "nospec.ded", "-N", "a", "-t", "2"]);
    assert_eq!(nospec.code, 2);
    assert!(
        nospec.stderr.contains("no specification"),
        "{}",
        nospec.stderr
    );
    let no_nodes = ldfi(s.path(), &["check", "bcast.ded", "-t", "2"]);
    assert_eq!(no_nodes.code, 2);
    assert!(no_nodes.stderr.contains("--nodes"), "{}", no_nodes.stderr);
    s.write("retry.ded", &retry_broadcast());
    let cut = ldfi(
        s.path(),
        &[
            "check",
            "retry.ded",
            "-N",
            "a,b,c",
            "-t",
            "4",
            "-f",
            "2",
            "--strategy",
            "lineage",
            "--max-runs",
            "1",
        ],
    );
    assert_eq!(cut.code, 2, "{}", cut.stdout);
    assert!(cut.stdout.starts_with("INCONCLUSIVE"), "{}", cut.stdout);
    let seed = ldfi(
        s.path(),
        &[
            "check",
            "bcast.ded",
            "-N",
            "a,b,c",
            "-t",
            "4",
            "--seed",
            "1",
        ],
    );
    assert_eq!(seed.code, 2);
    assert!(seed.stderr.contains("--strategy random"), "{}", seed.stderr);
}

#[test]
fn check_random_prints_its_seed() {
    let s = broadcast();
    let args = [
        "check",
        "bcast.ded",
        "-N",
        "a,b,c",
        "-t",
        "4",
        "-f",
        "2",
        "--strategy",
        "random",
        "--seed",
        "7",
    ];
    let ran = ldfi(s.path(), &args);
    assert!(ran.stdout.contains("seed: 7"), "{}", ran.stdout);
    let mut json_args = args.to_vec();
    json_args.extend(["--format", "json"]);
    assert_eq!(ldfi(s.path(), &json_args).json()["seed"], 7);
}

const SIMPLE_SPEC: &str = "description: best-effort broadcast loses a message
program: [../bcast.ded]
nodes: [a, b, c]
eot: 4
eff: 2
crashes: 0
expect: violated
";

const RETRY_SPEC: &str = "program: [../retry.ded]
nodes: [a, b, c]
eot: 4
eff: 2
crashes: 0
expect: holds
";

#[test]
fn check_spec_that_expects_a_violation_exits_zero_and_saves() {
    let s = broadcast();
    s.write("specs/bcast.yaml", SIMPLE_SPEC);
    let ran = ldfi(s.path(), &["check", "specs/bcast.yaml", "--save"]);
    assert_eq!(ran.code, 0, "{}{}", ran.stdout, ran.stderr);
    assert!(
        ran.stdout.starts_with("spec specs/bcast.yaml: best-effort"),
        "{}",
        ran.stdout
    );
    assert!(
        ran.stdout
            .contains("expectation met: expected violated, got violated"),
        "{}",
        ran.stdout
    );
    let saved = s.path().join("reports/bcast-counterexample.yaml");
    assert!(
        ran.stderr.contains("reports/bcast-counterexample.yaml"),
        "{}",
        ran.stderr
    );
    let yaml = std::fs::read_to_string(saved).expect("saved counterexample");
    assert!(yaml.contains("replay: ldfi run"), "{yaml}");

    let json = ldfi(s.path(), &["check", "specs/bcast.yaml", "--format", "json"]);
    assert_eq!(json.code, 0);
    let json = json.json();
    assert_eq!(
        (&json["expect"], &json["met"]),
        (&"violated".into(), &true.into())
    );

    s.write(
        "specs/wrong.yaml",
        &SIMPLE_SPEC.replace("violated", "holds"),
    );
    let unmet = ldfi(s.path(), &["check", "specs/wrong.yaml"]);
    assert_eq!(unmet.code, 1);
    assert!(
        unmet.stdout.contains("expectation NOT met"),
        "{}",
        unmet.stdout
    );
    let mixed = ldfi(s.path(), &["check", "specs/bcast.yaml", "-t", "3"]);
    assert_eq!(mixed.code, 2);
    assert!(mixed.stderr.contains("--eot"), "{}", mixed.stderr);
}

#[test]
fn hunt_checks_every_spec_and_prints_a_table() {
    let s = broadcast();
    s.write("retry.ded", &retry_broadcast())
        .write("specs/bcast.yaml", SIMPLE_SPEC)
        .write("specs/retry.yaml", RETRY_SPEC);
    let ran = ldfi(s.path(), &["hunt", "specs"]);
    assert_eq!(ran.code, 0, "{}{}", ran.stdout, ran.stderr);
    assert!(
        ran.stderr.contains("[1/2] bcast.yaml ..."),
        "{}",
        ran.stderr
    );
    assert!(
        ran.stderr.contains("[2/2] retry.yaml ..."),
        "{}",
        ran.stderr
    );
    let lines: Vec<&str> = ran.stdout.lines().collect();
    assert!(
        lines[0].starts_with("spec") && lines[0].contains("verdict") && lines[0].ends_with("met"),
        "{}",
        ran.stdout
    );
    let row = |name: &str| {
        lines
            .iter()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("no row for {name}:\n{}", ran.stdout))
            .split_whitespace()
            .collect::<Vec<_>>()
    };
    let bcast = row("bcast.yaml");
    assert_eq!(
        (bcast[1], bcast[2], bcast[5]),
        ("violated", "violated", "✓")
    );
    let retry = row("retry.yaml");
    assert_eq!((retry[1], retry[2], retry[5]), ("holds", "holds", "✓"));
    assert!(s.path().join("reports/bcast-counterexample.yaml").exists());

    // A broken spec is reported, the others still run, and the exit code says so.
    s.write("specs/broken.yaml", "program: [../nope.ded]\n");
    let broken = ldfi(s.path(), &["hunt", "specs"]);
    assert_eq!(broken.code, 2);
    assert!(broken.stdout.contains("broken.yaml"), "{}", broken.stdout);
    assert!(broken.stdout.contains("retry.yaml"), "{}", broken.stdout);
}

#[test]
fn check_json_is_deterministic_apart_from_elapsed_time() {
    let s = broadcast();
    s.write("retry.ded", &retry_broadcast());
    for file in ["bcast.ded", "retry.ded"] {
        let args = [
            "check", file, "-N", "a,b,c", "-t", "4", "-f", "2", "-c", "1", "--format", "json",
        ];
        let strip = |ran: Ran| {
            let mut json = ran.json();
            json.as_object_mut().expect("object").remove("elapsed_ms");
            json.to_string()
        };
        assert_eq!(strip(ldfi(s.path(), &args)), strip(ldfi(s.path(), &args)));
    }
}

#[test]
fn help_and_version() {
    let dir = std::env::temp_dir();
    let version = ldfi(&dir, &["--version"]);
    assert_eq!(version.code, 0);
    assert!(version.stdout.starts_with("ldfi "), "{}", version.stdout);
    let help = ldfi(&dir, &["--help"]);
    assert_eq!(help.code, 0);
    for cmd in ["run", "check", "hunt"] {
        assert!(help.stdout.contains(cmd), "{}", help.stdout);
        let sub = ldfi(&dir, &[cmd, "--help"]);
        assert_eq!(sub.code, 0, "{}", sub.stderr);
        assert!(sub.stdout.contains("Examples:"), "{}", sub.stdout);
    }
    let none = ldfi(&dir, &[]);
    assert_eq!(none.code, 2);
}

#[test]
fn run_partition_cuts_one_side_off_and_replays_from_a_saved_counterexample() {
    let s = broadcast();
    let ran = ldfi(
        s.path(),
        &run_args(&["--partition", "b|a,c@1..1", "--format", "json"]),
    );
    // b never hears from a, c does: the run violates its specification.
    assert_eq!(ran.code, 1, "{}", ran.stderr);
    let json = ran.json();
    let lost: Vec<(String, String)> = json["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter(|m| m["fate"] == "lost")
        .map(|m| (m["from"].to_string(), m["to"].to_string()))
        .collect();
    assert_eq!(lost, vec![("\"a\"".into(), "\"b\"".into())]);
    let text = ldfi(s.path(), &run_args(&["--partition", "b|a,c@1..1"]));
    assert_eq!(text.code, 1, "{}", text.stderr);
    assert!(
        text.stdout.contains("partition b|a,c@1..1"),
        "{}",
        text.stdout
    );
    // The same run, saved and replayed.
    s.write(
        "cx.yaml",
        "program: [bcast.ded]\nnodes: [a, b, c]\neot: 4\neff: 2\nmax_delay: 0\n\
         faults:\n  omissions: []\n  crashes: []\n  delays: []\n  partitions: ['b|a,c@1..1']\n",
    );
    let replay = ldfi(
        s.path(),
        &["run", "--counterexample", "cx.yaml", "--format", "json"],
    );
    assert_eq!(replay.code, 1, "{}", replay.stderr);
    assert_eq!(replay.json()["messages"], json["messages"]);
    // A malformed one in the file is a located error with the hint.
    s.write(
        "bad.yaml",
        "program: [bcast.ded]\nnodes: [a, b, c]\neot: 4\neff: 2\nmax_delay: 0\n\
         faults:\n  omissions: []\n  crashes: []\n  delays: []\n  partitions: ['a,b@1..1']\n",
    );
    let bad = ldfi(s.path(), &["run", "--counterexample", "bad.yaml"]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("no `|` between the two sides")
            && bad.stderr.contains("SIDE|SIDE@START..END"),
        "{}",
        bad.stderr
    );
}

#[test]
fn run_rejects_a_malformed_partition_naming_the_expected_form() {
    let s = broadcast();
    for (flag, says) in [
        ("a,b@1..1", "no `|` between the two sides"),
        ("a|b@1", "no `..`"),
        ("a|b,c", "no `@`"),
    ] {
        let ran = ldfi(s.path(), &run_args(&["--partition", flag]));
        assert_eq!(ran.code, 2, "{flag}");
        assert!(
            ran.stderr.contains("--partition")
                && ran.stderr.contains(says)
                && ran.stderr.contains("e.g. `a|b,c@2..4`"),
            "{flag}: {}",
            ran.stderr
        );
    }
    for (flag, says) in [
        ("a|z@1..1", "`z`, which is not a node"),
        (
            "a|b@1..2",
            "partitions are allowed only at 1 <= t < EFF (2)",
        ),
        ("a|a,b@1..1", "no node is on both sides"),
    ] {
        let ran = ldfi(s.path(), &run_args(&["--partition", flag]));
        assert_eq!(ran.code, 2, "{flag}: {}", ran.stdout);
        assert!(ran.stderr.contains(says), "{flag}: {}", ran.stderr);
    }
}
