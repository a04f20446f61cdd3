//! `ldfi late`: temporal provenance on the command line — the delay between
//! two events of one run, and why `post` came late in a counterexample.

use serde_json::Value as Json;

use crate::cli::{Scratch, ldfi};

fn repo() -> std::path::PathBuf {
    std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// The retrying broadcast of the corpus with `a -> b` lost at t=1.
const RETRY: [&str; 14] = [
    "late",
    "protocols/retry_broadcast.ded",
    "--nodes",
    "a,b,c",
    "--eot",
    "5",
    "--eff",
    "3",
    "--omit",
    "a,b,1",
    "--from",
    "bcast(\"a\", \"data\")@1",
    "--to",
    "log(\"b\", \"data\")@3",
];

/// Every vertex: a known kind, a weight within its parent's, an interval.
fn check_tree(v: &Json, parent: i64) {
    let kind = v["kind"].as_str().expect("kind");
    assert!(
        ["INS", "DRV", "SND", "RCV", "LOSS"].contains(&kind),
        "{kind}"
    );
    let w = v["weight"].as_i64().expect("weight");
    assert!((0..=parent).contains(&w), "weight {w} under {parent}");
    let iv = v["interval"].as_array().expect("interval");
    assert_eq!(iv.len(), 2);
    assert!(iv[0].as_i64() <= iv[1].as_i64());
    assert!(v["vertex"].is_string() && v["node"].is_string());
    for c in v["children"].as_array().expect("children") {
        check_tree(c, w);
    }
}

fn find<'j>(v: &'j Json, kind: &str) -> Option<&'j Json> {
    if v["kind"] == kind {
        return Some(v);
    }
    v["children"].as_array()?.iter().find_map(|c| find(c, kind))
}

#[test]
fn late_explains_a_retry_after_a_loss_with_its_counterfactual() {
    let ran = ldfi(&repo(), &RETRY);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let out = &ran.stdout;
    assert!(
        out.starts_with("late: log(\"b\", \"data\")@3 came 2 steps after bcast(\"a\", \"data\")@1"),
        "{out}"
    );
    // Weights first on each line, the loss carried by the retry edge.
    assert!(
        out.lines().any(|l| l.trim_start().starts_with("1 ")
            && l.contains("LOSS")
            && l.contains("retry after loss")),
        "{out}"
    );
    assert!(
        out.contains("--omit a,b,1  annotated weight 1  replayed: the delay would be 1 (-1)"),
        "{out}"
    );
    let replay = out
        .lines()
        .find_map(|l| l.strip_prefix("replay: "))
        .expect("a replay line");
    assert_eq!(
        replay,
        "ldfi run protocols/retry_broadcast.ded --nodes a,b,c --eot 5 --eff 3 --omit a,b,1"
    );
    // The replay line reproduces the run: b first logs at t=3.
    let args: Vec<&str> = replay.split(' ').skip(1).collect();
    let mut first = args.clone();
    first.extend(["--relation", "log", "--at", "2"]);
    let at2 = ldfi(&repo(), &first);
    assert!(!at2.stdout.contains("\"b\""), "{}", at2.stdout);
    let mut third = args;
    third.extend(["--relation", "log", "--at", "3"]);
    assert!(ldfi(&repo(), &third).stdout.contains("\"b\""));
}

#[test]
fn late_json_is_the_documented_tree_and_byte_identical() {
    let mut args = RETRY.to_vec();
    args.extend(["--format", "json"]);
    let ran = ldfi(&repo(), &args);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let doc = ran.json();
    let keys: Vec<&str> = doc
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["delay", "faults", "from", "replay", "to", "tree"]);
    assert_eq!(doc["faults"][0]["fault"], "--omit a,b,1");
    assert!(doc["faults"][0]["change"].as_i64().is_some());
    assert_eq!(doc["from"], "bcast(\"a\", \"data\")@1");
    assert_eq!(doc["to"], "log(\"b\", \"data\")@3");
    assert_eq!(doc["delay"], 2);
    let tree = &doc["tree"];
    assert_eq!(
        tree["weight"], doc["delay"],
        "the root weighs the whole delay"
    );
    assert_eq!(tree["kind"], "RCV");
    assert_eq!(tree["interval"], serde_json::json!([1, 3]));
    check_tree(tree, 2);
    let loss = find(tree, "LOSS").expect("the loss is a cause");
    assert_eq!(loss["weight"], 1);
    assert_eq!(loss["node"], "a");
    assert_eq!(ldfi(&repo(), &args).stdout, ran.stdout);
}

#[test]
fn late_from_a_spec_takes_its_program_and_bounds() {
    let ran = ldfi(
        &repo(),
        &[
            "late",
            "specs/retry_broadcast.yaml",
            "--omit",
            "a,b,1",
            "--from",
            "bcast(\"a\", \"data\")@1",
            "--to",
            "log(\"b\", \"data\")@3",
            "--format",
            "json",
        ],
    );
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert_eq!(ran.json()["delay"], 2);
}

#[test]
fn late_rejects_bad_questions_with_exit_2() {
    let cases: [(&[&str], &str); 6] = [
        (
            &["--from", "nope(\"a\")@1", "--to", "log(\"b\", \"data\")@3"],
            "--from: unknown relation `nope`",
        ),
        (
            &[
                "--from",
                "bcast(\"a\", \"data\")@1",
                "--to",
                "log(\"b\", \"data\")@2",
            ],
            "--to: log(\"b\", \"data\")@2 does not hold in this run",
        ),
        (
            &[
                "--from",
                "bcast(\"a\", \"data\")@1",
                "--to",
                "log(\"b\", \"data\")@4",
            ],
            "--to: log(\"b\", \"data\")@4 was not derived at t=4: it has held without \
             interruption since t=3 (ask about log(\"b\", \"data\")@3)",
        ),
        (
            &[
                "--from",
                "log(\"b\", \"data\")@3",
                "--to",
                "bcast(\"a\", \"data\")@1",
            ],
            "is after --to",
        ),
        (
            &[
                "--from",
                "node(\"b\", \"c\")@1",
                "--to",
                "log(\"b\", \"data\")@3",
            ],
            "no causal path joins them",
        ),
        (&[], "give --from"),
    ];
    for (extra, want) in cases {
        let mut args = RETRY[..10].to_vec();
        args.extend(extra);
        let ran = ldfi(&repo(), &args);
        assert_eq!(ran.code, 2, "{args:?}: {}", ran.stdout);
        assert!(ran.stderr.contains(want), "{args:?}:\n{}", ran.stderr);
        assert!(ran.stdout.is_empty());
    }
    // --post takes program files with -N/-t/-f/-c, as check does: the same
    // answer as the spec with the same bounds.
    let ran = ldfi(
        &repo(),
        &[
            "late",
            "protocols/simple_broadcast.ded",
            "-N",
            "a,b,c",
            "-t",
            "4",
            "-f",
            "2",
            "-c",
            "0",
            "--post",
        ],
    );
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let spec = ldfi(&repo(), &["late", "specs/simple_broadcast.yaml", "--post"]);
    assert_eq!(ran.stdout, spec.stdout);
}

#[test]
fn late_post_says_when_post_never_comes() {
    let ran = ldfi(&repo(), &["late", "specs/simple_broadcast.yaml", "--post"]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let out = &ran.stdout;
    assert!(
        out.contains("is missing at EOT 4 in the counterexample"),
        "{out}"
    );
    assert!(out.contains("failure-free run: post("), "{out}");
    assert!(
        out.contains("never comes (the run carried on to t="),
        "{out}"
    );
    assert!(out.contains("replay: ldfi run"), "{out}");
    let json = ldfi(
        &repo(),
        &[
            "late",
            "specs/simple_broadcast.yaml",
            "--post",
            "--format",
            "json",
        ],
    )
    .json();
    assert!(json["counterexample"].is_null());
    assert_eq!(json["good"]["delay"], json["good"]["tree"]["weight"]);
    assert!(json["extended_to"].as_i64().is_some_and(|t| t > 4));
    for f in json["faults"].as_array().expect("faults") {
        assert!(f["weight"].is_null() && f["change"].is_null());
    }
}

/// A request retried every step; two faults before EFF push the
/// acknowledgement past EOT, and the run carried on finds it.
const REQUEST: &str = r#"
req(S, C, X)@async :- pending(C, S, X), notin got(C, X);
pending(C, S, X)@next :- pending(C, S, X);
ack(C, X)@async :- req(S, C, X);
got(C, X) :- ack(C, X);
got(C, X)@next :- got(C, X);
pending("c", "s", 1)@1;
pre(X) :- pending(C, S, X);
post(X) :- got(C, X);
"#;

#[test]
fn late_post_explains_a_post_that_came_after_eot() {
    let s = Scratch::new("late-post");
    s.write("request.ded", REQUEST);
    s.write(
        "request.yaml",
        "program: [request.ded]\nnodes: [c, s]\neot: 4\neff: 3\ncrashes: 0\nexpect: violated\n",
    );
    let ran = ldfi(
        s.path(),
        &["late", "request.yaml", "--post", "--format", "json"],
    );
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let doc = ran.json();
    assert_eq!(doc["good"]["delay"], 2);
    let cx = &doc["counterexample"];
    assert_eq!(cx["from"], "pending(\"c\", \"s\", 1)@1");
    let to = cx["to"].as_str().expect("post came");
    let at: i64 = to
        .rsplit('@')
        .next()
        .and_then(|t| t.parse().ok())
        .expect("a time");
    assert!(at > 4, "after EOT: {to}");
    assert_eq!(cx["delay"], at - 1);
    assert_eq!(cx["tree"]["weight"], cx["delay"]);
    check_tree(&cx["tree"], at - 1);
    let faults = doc["faults"].as_array().expect("faults");
    assert!(!faults.is_empty());
    for f in faults {
        assert!(f["change"].as_i64().is_some_and(|c| c < 0), "{f}");
        assert!(f["weight"].as_i64().is_some_and(|w| w >= 0), "{f}");
    }
    let text = ldfi(s.path(), &["late", "request.yaml", "--post"]).stdout;
    assert!(
        text.contains("(after EOT: the run carried on to t="),
        "{text}"
    );
    assert!(text.contains("counterexample, why"), "{text}");
}

/// The rows of each delay table of an HTML report: (title, [(depth,
/// weight, own)]).
type DelayRows = Vec<(String, Vec<(usize, i64, i64)>)>;

fn delay_tables(html: &str) -> DelayRows {
    let section = html
        .split("<section id=\"delays\">")
        .nth(1)
        .and_then(|s| s.split("</section>").next())
        .unwrap_or_else(|| panic!("no delays section:\n{html}"));
    let attr = |row: &str, name: &str| -> i64 {
        row.split(&format!("data-{name}=\""))
            .nth(1)
            .and_then(|s| s.split('"').next())
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("no data-{name} in {row}"))
    };
    section
        .split("<h3>")
        .skip(1)
        .map(|table| {
            let title = table.split(" <span").next().unwrap_or("").to_string();
            let rows = table
                .split("<tr data-")
                .skip(1)
                .map(|r| {
                    let r = format!("data-{r}");
                    (
                        attr(&r, "depth") as usize,
                        attr(&r, "weight"),
                        attr(&r, "own"),
                    )
                })
                .collect();
            (title, rows)
        })
        .collect()
}

#[test]
fn late_post_report_has_the_weighted_delay_trees_of_post() {
    let s = Scratch::new("late-post-report");
    s.write("request.ded", REQUEST);
    s.write(
        "request.yaml",
        "program: [request.ded]\nnodes: [c, s]\neot: 4\neff: 3\ncrashes: 0\nexpect: violated\n",
    );
    let doc = ldfi(
        s.path(),
        &["late", "request.yaml", "--post", "--format", "json"],
    )
    .json();
    let ran = ldfi(
        s.path(),
        &["late", "request.yaml", "--post", "--report", "out"],
    );
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert!(ran.stderr.contains("wrote report to"), "{}", ran.stderr);
    let html = std::fs::read_to_string(s.path().join("out/report.html")).expect("written");
    assert!(html.contains("<svg"), "the check's diagrams are there too");
    let tables = delay_tables(&html);
    assert_eq!(tables.len(), 2, "the good run's and the counterexample's");
    assert!(
        tables[0].0.starts_with("failure-free run: post(1)@"),
        "{}",
        tables[0].0
    );
    assert!(
        tables[1].0.starts_with("counterexample: post(1)@"),
        "{}",
        tables[1].0
    );
    for ((title, rows), which) in tables.iter().zip(["good", "counterexample"]) {
        let delay = doc[which]["delay"].as_i64().expect("a delay");
        let (depth, root, _) = rows[0];
        assert_eq!(
            (depth, root),
            (0, delay),
            "{title}: the root weighs the delay"
        );
        // Each cause keeps its own slice and hands the rest to its children:
        // the own slices add up to the root's delay.
        assert!(
            rows.iter().all(|&(_, w, own)| own >= 0 && own <= w),
            "{title}"
        );
        assert_eq!(rows.iter().map(|r| r.2).sum::<i64>(), delay, "{title}");
        // Largest first under each parent; children one level deeper.
        for (i, &(d, w, _)) in rows.iter().enumerate().skip(1) {
            assert!(d <= rows[i - 1].0 + 1, "{title}: depth jumps at row {i}");
            if let Some(prev) = rows[..i]
                .iter()
                .rev()
                .take_while(|r| r.0 >= d)
                .find(|r| r.0 == d)
            {
                assert!(prev.1 >= w, "{title}: row {i} outweighs its elder sibling");
            }
        }
    }
    assert!(
        tables[1].1[0].1 > tables[0].1[0].1,
        "post came later in the counterexample"
    );

    // Without --post there is nothing to annotate.
    let bad = ldfi(s.path(), &["late", "request.yaml", "--report"]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert!(bad.stderr.contains("--post"), "{}", bad.stderr);
}

/// A node serves a request only when not `busy`; `busy` ends when the
/// worker's `fin` arrives, here delayed 2 steps.
const BUSY: &str = r#"
busy(N)@next :- busy(N), notin fin(N, _);
busy(N) :- start(N);
work(W, N)@async :- start(N), worker(N, W);
fin(N, W)@async :- work(W, N);
served(N, R) :- req(N, R), notin busy(N);
req(N, R)@next :- req(N, R), notin served(N, R);
pre(N, R) :- req(N, R);
post(N, R) :- served(N, R);
start("n")@1;
worker("n", "w")@1;
req("n", "r")@2;
"#;

/// The wait for `notin busy` rests on the delayed `fin` that ended it (its
/// hold weighs 2) and on what kept `busy` alive; the delay fault's weight
/// is 2, as its replay says, and the JSON has the replays and edge reasons.
#[test]
fn late_blames_the_delayed_event_that_ends_a_notin_wait() {
    let s = Scratch::new("late-busy");
    s.write("busy.ded", BUSY);
    let args = [
        "late",
        "busy.ded",
        "-N",
        "n,w",
        "-t",
        "8",
        "--max-delay",
        "3",
        "--delay",
        "w,n,2,2",
        "--from",
        "req(\"n\", \"r\")@2",
        "--to",
        "served(\"n\", \"r\")@6",
    ];
    let ran = ldfi(s.path(), &args);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert!(
        ran.stdout
            .contains("--delay w,n,2,2  annotated weight 2  replayed: the delay would be 2 (-2)"),
        "{}",
        ran.stdout
    );
    let mut json_args = args.to_vec();
    json_args.extend(["--format", "json"]);
    let doc = ldfi(s.path(), &json_args).json();
    assert_eq!(doc["delay"], 4);
    check_tree(&doc["tree"], 4);
    let wait = &doc["tree"]["children"][0];
    assert_eq!(wait["edge"], "waited for notin", "{wait}");
    assert_eq!(wait["weight"], 4);
    let hold = find_vertex(wait, "sent@2 held back by a delay of 2").expect("the delayed fin");
    assert_eq!(hold["weight"], 2);
    assert!(
        find_vertex(wait, "busy(\"n\")@1").is_some(),
        "what kept busy alive: {wait}"
    );
    assert_eq!(
        doc["faults"],
        serde_json::json!([{"fault": "--delay w,n,2,2", "weight": 2, "delay": 2, "change": -2}])
    );
    assert!(
        doc["replay"]
            .as_str()
            .is_some_and(|r| r.starts_with("ldfi run busy.ded"))
    );
}

fn find_vertex<'j>(v: &'j Json, part: &str) -> Option<&'j Json> {
    if v["vertex"].as_str().is_some_and(|s| s.contains(part)) {
        return Some(v);
    }
    v["children"]
        .as_array()?
        .iter()
        .find_map(|c| find_vertex(c, part))
}

/// `--post` measures from `pre`'s trigger, not from the alphabetically first
/// fact of the earliest time; a vacuous spec says so, as `check` does.
#[test]
fn late_post_measures_from_pres_trigger_and_says_vacuous() {
    let s = Scratch::new("late-trigger");
    s.write(
        "trigger.ded",
        r#"
        cfg("n")@1;
        go("n")@3;
        cfg(N)@next :- cfg(N);
        sent(M, N)@async :- go(N), cfg(N), peer(N, M);
        peer("n", "m")@1;
        peer(N, M)@next :- peer(N, M);
        got(M)@next :- got(M);
        got(M) :- sent(M, N);
        pre(N) :- go(N);
        pre(N)@next :- pre(N);
        post(N) :- got(M), peer(N, M);
        post(N)@next :- post(N);
        "#,
    );
    let ran = ldfi(
        s.path(),
        &[
            "late",
            "trigger.ded",
            "-N",
            "n,m",
            "-t",
            "5",
            "-f",
            "4",
            "--post",
        ],
    );
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert!(
        ran.stdout.contains("after go(\"n\")@3"),
        "measured from pre's trigger:\n{}",
        ran.stdout
    );
    s.write(
        "vacuous.ded",
        "pre(N) :- never(N);\npost(N) :- never(N);\nnever(\"x\")@9;\n",
    );
    let ran = ldfi(
        s.path(),
        &["late", "vacuous.ded", "-N", "n", "-t", "3", "--post"],
    );
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert!(ran.stdout.contains("HOLDS VACUOUSLY"), "{}", ran.stdout);
}
