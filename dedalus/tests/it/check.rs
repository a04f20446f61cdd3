//! Tests: static checks and loading (includes), with golden diagnostics.

use dedalus::syntax::ast::{Arg, Expr, HeadTime};
use dedalus::{Diagnostics, Program, load_files, load_str};

const FIXTURES: &str = "tests/it/fixtures";

fn ok(text: &str) -> Program {
    match load_str("test.ded", text) {
        Ok(p) => p,
        Err(d) => panic!("should check:\n{d}"),
    }
}

fn errors(text: &str) -> Diagnostics {
    match load_str("test.ded", text) {
        Ok(p) => panic!("should not check: {p:?}"),
        Err(d) => d,
    }
}

/// The messages of the errors `text` has.
fn messages(text: &str) -> Vec<String> {
    errors(text)
        .messages()
        .into_iter()
        .map(String::from)
        .collect()
}

fn fixture(name: &str) -> String {
    format!("{FIXTURES}/{name}")
}

fn stratum(p: &Program, name: &str) -> u32 {
    match p.relation(name) {
        Some(id) => p.relations()[id as usize].stratum,
        None => panic!("no relation {name}"),
    }
}

const BROADCAST: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../protocols/doc_example.ded"
));

// ----- accepted programs ---------------------------------------------------

#[test]
fn broadcast_example_checks() {
    let p = ok(BROADCAST);
    let names: Vec<&str> = p.relations().iter().map(|r| r.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "bcast",
            "crash",
            "log",
            "missing_log",
            "node",
            "post",
            "pre"
        ]
    );
    assert_eq!(p.relations()[1].arity, 3);
    assert_eq!(p.rules().len(), 7);
    assert_eq!(p.facts().len(), 7);
    assert_eq!(p.rules()[2].time, HeadTime::Async);
    assert_eq!(stratum(&p, "log"), 0);
    assert_eq!(stratum(&p, "missing_log"), 1);
    assert_eq!(stratum(&p, "pre"), 1);
    assert_eq!(stratum(&p, "post"), 2);
    assert_eq!(p.strata(), 3);
}

#[test]
fn crash_is_always_a_relation() {
    let p = ok("p(X) :- q(X);");
    assert_eq!(p.relation("crash"), Some(0));
    assert_eq!(p.relations()[0].arity, 3);
    assert_eq!(p.strata(), 1);
}

#[test]
fn strata_are_lowest_possible() {
    let p = ok("a(X) :- b(X), notin c(X);\n\
         c(X) :- d(X);\n\
         e(X, count<Y>) :- a(X), f(X, Y);\n\
         g(X) :- e(X, _), h(X);\n\
         h(X) :- g(X);\n\
         h(X) :- d(X);");
    for (name, s) in [
        ("a", 1),
        ("b", 0),
        ("c", 0),
        ("d", 0),
        ("e", 2),
        ("g", 2),
        ("h", 2),
    ] {
        assert_eq!(stratum(&p, name), s, "{name}");
    }
    assert_eq!(p.strata(), 3);
}

#[test]
fn recursion_through_time_is_fine() {
    let p = ok("p(X)@next :- q(X), notin p(X);\n\
         c(N, count<X>)@next :- c(N, X);\n\
         m(X)@async :- m(X), notin m(X);");
    assert_eq!(p.strata(), 1);
}

#[test]
fn positive_recursion_is_fine() {
    let p = ok(
        "path(X, Y) :- edge(X, Y);\npath(X, Z) :- path(X, Y), edge(Y, Z);\n\
         unreached(X, Y) :- node(X), node(Y), notin path(X, Y);",
    );
    assert_eq!(stratum(&p, "path"), 0);
    assert_eq!(stratum(&p, "unreached"), 1);
}

#[test]
fn safe_rules_are_accepted() {
    ok(
        "p(X, Y + 1) :- q(X, Y), X != Y * 2, notin r(X, _), notin s(_, Y + 1);\n\
        t(N, sum<X>, max<X>) :- q(N, X);\n\
        u(X) :- q(X, _), notin crash(X, X, _);",
    );
}

#[test]
fn facts_keep_their_constant_arithmetic() {
    let p = ok("f(1 + 2 * 3, \"s\", 7 / 2 - 7 % 2)@1;");
    assert!(matches!(
        arg_expr(&p.facts()[0].atom.args[0]),
        Expr::Bin(..)
    ));
}

fn arg_expr(arg: &Arg) -> &Expr {
    match arg {
        Arg::Expr(e) => e,
        Arg::Agg(a) => panic!("unexpected aggregate {a:?}"),
    }
}

// ----- rejected programs (messages) ----------------------------------------

#[test]
fn every_error_is_reported() {
    let m = messages("p(X) :- q(X, Y), notin r(Z);\nq(1)@1;\np(Y) :- notin q(Y);\nclock(1)@1;");
    assert_eq!(
        m,
        [
            "variable `Z` in a negated atom is not bound by a positive body atom",
            "relation `q` is used with 1 argument here but with 2 arguments at its first use",
            "variable `Y` in the head is not bound by a positive body atom",
            "rule for `p` has no positive body atom",
            "relation `q` is used with 1 argument here but with 2 arguments at its first use",
            "`clock` is a reserved relation",
        ]
    );
}

#[test]
fn safety_messages() {
    let cases = [
        ("p(_) :- q(X);", "wildcard `_` in a rule head"),
        ("p(X + Y) :- q(X);", "variable `Y` in the head is not bound"),
        (
            "p(count<Y>) :- q(X);",
            "aggregated variable `Y` is not bound",
        ),
        (
            "p(X) :- q(X), r(X + Y);",
            "variable `Y` in an arithmetic expression",
        ),
        (
            "p(X) :- q(X), r(Y), Y + 1 == Z;",
            "variable `Z` in a comparison",
        ),
        ("p(X) :- q(X), _ < 3;", "wildcard `_` in a comparison"),
        (
            "p(Y) :- q(X + 1, Y);",
            "variable `X` in an arithmetic expression",
        ),
        (
            "p(X) :- q(X), notin r(X, Y);",
            "variable `Y` in a negated atom",
        ),
    ];
    for (text, message) in cases {
        let m = messages(text);
        assert!(
            m.iter().any(|got| got.contains(message)),
            "{text}: {m:?} lacks {message:?}"
        );
    }
}

#[test]
fn location_messages() {
    let cases = [
        (
            "p(X) :- X == 1, q(X);",
            "the first body literal must be an atom",
        ),
        ("p(X) :- q(), r(X);", "the first body atom has no arguments"),
        (
            "p(X) :- notin r(_, X), q(X);",
            "the first body literal is negated with `_` as its first argument",
        ),
        (
            "p()@async :- q(X);",
            "an `@async` head needs a destination argument",
        ),
    ];
    for (text, message) in cases {
        assert_eq!(messages(text), [message], "{text}");
    }
    // A negated first literal with a named first argument is a location.
    ok("p(X) :- notin r(X), q(X);");
}

#[test]
fn reserved_relations() {
    assert_eq!(
        messages("p(X) :- crash(X, X);"),
        ["`crash` has 3 arguments, not 2"]
    );
    assert_eq!(
        messages("crash(\"a\", \"a\", 1)@1;"),
        ["facts cannot assert `crash`"]
    );
    assert_eq!(
        messages("p(X) :- q(X), clock(X, X, 1);"),
        ["`clock` is a reserved relation"]
    );
}

#[test]
fn facts_must_be_ground_and_evaluable() {
    let cases = [
        ("f(X)@1;", "variable `X` in a fact"),
        ("f(_)@1;", "wildcard `_` in a fact"),
        (
            "f(1 / (2 - 2))@1;",
            "cannot evaluate this fact's argument: division by zero",
        ),
        ("f(5 % 0)@1;", "division by zero"),
        (
            "f(9223372036854775807 + 1)@1;",
            "integer overflow in `9223372036854775807 + 1`",
        ),
        ("f(\"a\" + 1)@1;", "arithmetic on a string"),
    ];
    for (text, message) in cases {
        let m = messages(text);
        assert!(m.len() == 1 && m[0].contains(message), "{text}: {m:?}");
    }
}

#[test]
fn body_times_stratify_like_ordinary_atoms() {
    assert_eq!(
        messages("p(X) :- q(X), notin p(X)@1;"),
        ["recursion through negation within a timestep: p -> p"]
    );
}

// ----- loading -------------------------------------------------------------

#[test]
fn includes_are_spliced_where_written_and_loaded_once() {
    let p = match load_files(&[fixture("main.ded"), fixture("shared.ded")]) {
        Ok(p) => p,
        Err(d) => panic!("{d}"),
    };
    let heads: Vec<&str> = p
        .rules()
        .iter()
        .map(|r| r.head.name.name.as_str())
        .collect();
    assert_eq!(heads, ["first", "last"]);
    assert_eq!(p.facts().len(), 2);
    let paths: Vec<String> = p
        .sources()
        .files()
        .map(|(_, path)| path.display().to_string())
        .collect();
    assert_eq!(
        paths,
        [
            "tests/it/fixtures/main.ded",
            "tests/it/fixtures/lib/base.ded",
            "tests/it/fixtures/lib/../shared.ded",
        ]
    );
}

#[test]
fn several_files_are_one_program() {
    let p = match load_files(&[fixture("shared.ded"), fixture("lib/base.ded")]) {
        Ok(p) => p,
        Err(d) => panic!("{d}"),
    };
    // base.ded's include of shared.ded is ignored: it was loaded first.
    assert_eq!(p.facts().len(), 2);
    assert_eq!(p.sources().files().count(), 2);
    // A file named twice is loaded once.
    let p = match load_files(&[fixture("shared.ded"), format!("{FIXTURES}/./shared.ded")]) {
        Ok(p) => p,
        Err(d) => panic!("{d}"),
    };
    assert_eq!(p.facts().len(), 1);
}

#[test]
fn missing_command_line_file() {
    let Err(d) = load_files(&[fixture("absent.ded")]) else {
        panic!("should fail");
    };
    assert_eq!(d.diagnostics.len(), 1);
    assert!(d.diagnostics[0].primary.is_none());
    insta::assert_snapshot!(d.to_string());
}

#[test]
fn include_from_a_string_is_relative_to_the_current_directory() {
    let p = match load_str("inline.ded", "include \"tests/it/fixtures/shared.ded\";") {
        Ok(p) => p,
        Err(d) => panic!("{d}"),
    };
    assert_eq!(p.facts().len(), 1);
    assert!(matches!(
        arg_expr(&p.facts()[0].atom.args[0]),
        Expr::Int(2, _)
    ));
}

// ----- golden diagnostics: one per error kind ------------------------------

fn golden(text: &str) -> String {
    errors(text).to_string()
}

#[test]
fn golden_syntax_error() {
    insta::assert_snapshot!(golden("p(X) :- q(X)\nr(X) :- q(X);\n"));
}

#[test]
fn golden_arity_mismatch() {
    insta::assert_snapshot!(golden(
        "node(\"a\", \"b\")@1;\nlink(N, M) :- node(N, M);\nbad(N) :- node(N);\n"
    ));
}

#[test]
fn golden_unsafe_head() {
    insta::assert_snapshot!(golden("ack(N, M, P) :- log(N, P);\n"));
}

#[test]
fn golden_unsafe_negation() {
    insta::assert_snapshot!(golden("missing(N) :- node(N), notin log(M, _);\n"));
}

#[test]
fn golden_unsafe_comparison() {
    insta::assert_snapshot!(golden("late(N, T) :- sent(N, T), T > Deadline;\n"));
}

#[test]
fn golden_unsafe_arithmetic() {
    insta::assert_snapshot!(golden("bump(N, S) :- seq(N, S), limit(N, S * K);\n"));
}

#[test]
fn golden_recursion_through_negation() {
    insta::assert_snapshot!(golden(
        "p(X) :- node(X), notin q(X);\nq(X) :- node(X), p(X);\n"
    ));
}

#[test]
fn golden_recursion_through_aggregation() {
    insta::assert_snapshot!(golden(
        "votes(N, count<V>) :- ballot(N, V);\nballot(N, V) :- votes(N, V);\n"
    ));
}

#[test]
fn golden_deriving_crash() {
    insta::assert_snapshot!(golden("crash(N, N, T) :- failed(N, T);\n"));
}

#[test]
fn golden_using_clock() {
    insta::assert_snapshot!(golden("tick(N, T) :- clock(N, N, T);\n"));
}

#[test]
fn golden_rule_without_positive_atom() {
    insta::assert_snapshot!(golden("alarm(\"a\") :- notin heartbeat(\"a\"), 1 < 2;\n"));
}

#[test]
fn golden_bad_location_literal() {
    insta::assert_snapshot!(golden("p(X) :- notin r(_, X), q(X);\n"));
}

#[test]
fn golden_arity_mismatch_across_files() {
    let Err(d) = load_files(&[fixture("arity_a.ded"), fixture("arity_b.ded")]) else {
        panic!("should fail");
    };
    insta::assert_snapshot!(d.to_string());
}

#[test]
fn golden_include_not_found() {
    let Err(d) = load_files(&[fixture("missing.ded")]) else {
        panic!("should fail");
    };
    insta::assert_snapshot!(d.to_string());
}

#[test]
fn golden_include_cycle() {
    let Err(d) = load_files(&[fixture("cycle_a.ded")]) else {
        panic!("should fail");
    };
    insta::assert_snapshot!(d.to_string());
}
