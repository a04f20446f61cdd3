//! Tests: `ldfi why SPEC 'TUPLE@T'`, the wat-provenance command: its text
//! and JSON answers on the key-value store examples, runs chosen by fault
//! flags or a saved counterexample, bad input (exit 2), and every corpus
//! spec answered.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value as Json;

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// Exit code, stdout, stderr of `ldfi ARGS` run at the repository root.
fn ldfi(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_ldfi"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("run ldfi");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn text_lists_each_witness_with_its_inputs() {
    let (code, out, err) = ldfi(&["why", "specs/kv_pardon.yaml", r#"allowed("db", "u")@2"#]);
    assert_eq!(code, 0, "{err}");
    let expected = r#"why allowed("db", "u")@2 in the failure-free run
wat-provenance (exact): 2 minimal witnesses closed under supertrace; 7 candidate inputs after pruning, 14 replays
witness 1:
  fact     member("db", "u")@1  (protocols/kv_pardon.ded:20)
  fact     issue_pardon("auditor", "db", "u")@1  (protocols/kv_pardon.ded:24)
  message  auditor -> db sent at 1, received at 2: pardon("db", "auditor", "u")
witness 2:
  fact     invited("db", "u")@2  (protocols/kv_pardon.ded:21)
  fact     issue_pardon("auditor", "db", "u")@1  (protocols/kv_pardon.ded:24)
  message  auditor -> db sent at 1, received at 2: pardon("db", "auditor", "u")
"#;
    assert_eq!(out, expected);
}

#[test]
fn json_is_the_same_answer_and_deterministic() {
    let args = [
        "why",
        "specs/kv_last_set.yaml",
        r#"answer("kv", "b", 1)@8"#,
        "--format",
        "json",
    ];
    let (code, out, err) = ldfi(&args);
    assert_eq!(code, 0, "{err}");
    assert_eq!(ldfi(&args).1, out, "byte-identical on a second run");
    let doc: Json = serde_json::from_str(&out).expect("JSON");
    assert_eq!(doc["tuple"], r#"answer("kv", "b", 1)@8"#);
    assert_eq!(doc["exact"], true);
    assert_eq!(doc["candidates"], 8);
    let w = doc["witnesses"].as_array().unwrap();
    assert_eq!(w.len(), 1);
    let facts: Vec<&str> = w[0]["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["fact"].as_str().unwrap())
        .collect();
    assert_eq!(facts, [r#"set("kv", "b", 1)@4"#, r#"get("kv", "b")@8"#]);
    assert_eq!(
        w[0]["inputs"][0]["at"], "protocols/kv_last_set.ded:19",
        "{out}"
    );
}

/// A fault flag chooses the run: with the pardon lost, u is banned at t=2
/// and the ban's answer is the ban (fact and message) and membership.
#[test]
fn fault_flags_and_saved_counterexamples_choose_the_run() {
    let (code, out, err) = ldfi(&[
        "why",
        "specs/kv_pardon.yaml",
        r#"banned("db", "u")@2"#,
        "--omit",
        "auditor,db,1",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let doc: Json = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["run"], "the run with --omit auditor,db,1");
    let inputs = &doc["witnesses"][0]["inputs"];
    let kinds: Vec<String> = inputs
        .as_array()
        .unwrap()
        .iter()
        .map(|i| match i["kind"].as_str().unwrap() {
            "fact" => i["fact"].as_str().unwrap().to_string(),
            _ => format!("{}->{}@{}", i["from"], i["to"], i["sent"]),
        })
        .collect();
    assert_eq!(
        kinds,
        [
            r#"issue_ban("admin", "db", "u")@1"#.to_string(),
            r#""admin"->"db"@1"#.to_string()
        ]
    );
    assert_eq!(doc["witnesses"].as_array().unwrap().len(), 1);
    // The same run from a saved counterexample.
    let dir = std::env::temp_dir().join(format!("ldfi-wat-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let saved = dir.join("x-counterexample.yaml");
    std::fs::write(
        &saved,
        "program: [protocols/kv_pardon.ded]\nnodes: [db, admin, auditor]\neot: 3\neff: 2\n\
         crashes: 0\nmax_delay: 0\nerror: null\nreplay: ''\nviolated: []\n\
         faults:\n  omissions: [[auditor, db, 1]]\n  crashes: []\n  delays: []\n",
    )
    .unwrap();
    let (code, again, err) = ldfi(&[
        "why",
        "specs/kv_pardon.yaml",
        r#"banned("db", "u")@2"#,
        "--counterexample",
        saved.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(again, out);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_input_is_a_clear_error() {
    let cases: [(&[&str], &str); 6] = [
        (
            &["why", "specs/kv_pardon.yaml", r#"allowed("db", "w")@9"#],
            "outside the run",
        ),
        (
            &["why", "specs/kv_pardon.yaml", r#"banned("db", "u")@2"#],
            "does not hold in this run",
        ),
        (
            &["why", "specs/kv_pardon.yaml", "nosuch(1)@1"],
            "unknown relation `nosuch`",
        ),
        (
            &["why", "specs/kv_pardon.yaml", "allowed("],
            "expects one tuple",
        ),
        (&["why", "specs/none.yaml", "p(1)@1"], "none.yaml"),
        (
            &[
                "why",
                "specs/kv_pardon.yaml",
                "allowed(\"db\", \"u\")@2",
                "--crash",
                "zz,1",
            ],
            "zz",
        ),
    ];
    for (args, words) in cases {
        let (code, out, err) = ldfi(args);
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        assert!(err.contains(words), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(!err.contains("--why"), "{args:?}: {err}");
    }
}

/// Every spec of the corpus: each `pre` and `post` tuple at EOT of the
/// failure-free run gets an answer (exact where at most 16 inputs can
/// matter), each well under a second.
#[test]
fn every_corpus_spec_is_answered_quickly() {
    let mut slowest = (Duration::ZERO, String::new());
    let mut times = Vec::new();
    let (mut queries, mut exact) = (0, 0);
    for path in harness::spec_files(&root().join("specs")).unwrap() {
        let spec = harness::Spec::load(&path).unwrap();
        let target = harness::target_of(&spec).unwrap();
        let run = target.run(&harness::FaultSet::none()).unwrap();
        let eot = run.eot();
        for name in ["pre", "post"] {
            let rel = run.program().relation(name).unwrap();
            let goals: Vec<_> = run.rows(rel, eot).map(|t| t.id).take(2).collect();
            for goal in goals {
                let start = Instant::now();
                let answer = nemo::why::wat(&run, goal)
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                let took = start.elapsed();
                times.push(took);
                queries += 1;
                exact += usize::from(answer.exact());
                assert!(!answer.witnesses.is_empty(), "{}", path.display());
                // Every fallback names its true reason.
                let too_many = answer.candidates.len() > nemo::why::MAX_EXACT;
                match answer.approximation {
                    None => assert!(!too_many),
                    Some(nemo::why::Approximation::TooManyInputs { candidates }) => {
                        assert!(too_many);
                        assert_eq!(candidates, answer.candidates.len());
                    }
                    Some(other) => assert!(!too_many, "{other:?}"),
                }
                if took > slowest.0 {
                    slowest = (took, format!("{} {}", path.display(), run.show_tuple(goal)));
                }
            }
        }
    }
    times.sort();
    eprintln!(
        "why: {queries} queries ({exact} exact), median {:?}, total {:?}, slowest {:?}: {}",
        times[times.len() / 2],
        times.iter().sum::<Duration>(),
        slowest.0,
        slowest.1
    );
    assert!(queries >= 50, "{queries}");
    assert!(
        slowest.0 < Duration::from_secs(5),
        "slowest {:?}: {}",
        slowest.0,
        slowest.1
    );
}

#[test]
fn bench_only_why_times_pre_and_post_and_agrees_with_ldfi_why() {
    let out = std::env::temp_dir().join(format!("ldfi-bench-why-{}.md", std::process::id()));
    let out_arg = out.display().to_string();
    let (code, md, err) = ldfi(&["bench", "--only", "why", "--quick", "--out", &out_arg]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(std::fs::read_to_string(&out).expect("written"), md);
    let _ = std::fs::remove_file(&out);
    assert!(md.contains("## ldfi why on pre/post at EOT"), "{md}");
    // Each row: spec, tuple, inputs, replays, witnesses, exact, time.
    let rows: Vec<Vec<&str>> = md
        .lines()
        .filter(|l| l.starts_with("| ") && l.contains(".yaml"))
        .map(|l| l.trim_matches('|').split(" | ").map(str::trim).collect())
        .collect();
    let simple: Vec<&Vec<&str>> = rows
        .iter()
        .filter(|r| r[0] == "simple_broadcast.yaml")
        .collect();
    assert_eq!(simple.len(), 2, "pre and post:\n{md}");
    for (row, rel) in simple.iter().zip(["pre(", "post("]) {
        let tuple = row[1].trim_matches('`');
        assert!(tuple.starts_with(rel) && tuple.ends_with("@4"), "{tuple}");
        assert!(row[6].parse::<f64>().is_ok_and(|t| t >= 0.0), "{row:?}");
        // The same question asked of `ldfi why` gets the same answer.
        let (code, json, err) = ldfi(&[
            "why",
            "specs/simple_broadcast.yaml",
            tuple,
            "--format",
            "json",
        ]);
        assert_eq!(code, 0, "{err}");
        let doc: Json = serde_json::from_str(&json).expect("json");
        assert_eq!(row[2], doc["candidates"].to_string(), "{row:?}");
        assert_eq!(row[3], doc["replays"].to_string(), "{row:?}");
        let witnesses = doc["witnesses"].as_array().expect("witnesses").len();
        assert_eq!(row[4], witnesses.to_string(), "{row:?}");
        assert_eq!(row[5] == "yes", doc["exact"] == true, "{row:?}");
    }
}

/// Inputs are individual messages: dropping `block` makes a replay send
/// `q`, which the run never sent, so it is not delivered (issue 18).
#[test]
fn a_replay_delivers_only_messages_the_run_delivered() {
    let dir = std::env::temp_dir().join(format!("ldfi-wat-batch-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("batch.ded"),
        "p(B)@async :- go(A, B);\nq(B)@async :- go(A, B), notin block(A);\n\
         goal(B) :- p(B), notin q(B);\ngo(\"a\",\"b\")@1;\nblock(\"a\")@1;\n\
         pre(B) :- goal(B);\npost(B) :- goal(B);\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("batch.yaml"),
        "program: [batch.ded]\nnodes: [a, b]\neot: 3\neff: 3\ncrashes: 0\n",
    )
    .unwrap();
    let spec = dir.join("batch.yaml");
    let (code, out, err) = ldfi(&["why", spec.to_str().unwrap(), r#"goal("b")@2"#]);
    assert_eq!(code, 0, "{err}");
    let witnesses: Vec<&str> = out.lines().skip(2).collect();
    assert_eq!(
        witnesses,
        [
            "witness 1:",
            &format!(
                "  fact     go(\"a\",\"b\")@1  ({}:4)",
                dir.join("batch.ded").display()
            ),
            "  message  a -> b sent at 1, received at 2: p(\"b\")",
        ],
        "{out}"
    );
    assert!(out.contains("(exact)"), "{out}");
    // A bare program with -N/-t, as the other analysis commands take it.
    let program = dir.join("batch.ded");
    let (code, bare, err) = ldfi(&[
        "why",
        program.to_str().unwrap(),
        "-N",
        "a,b",
        "-t",
        "3",
        r#"goal("b")@2"#,
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(bare, out);
    let _ = std::fs::remove_dir_all(&dir);
}
