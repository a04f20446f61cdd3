//! Fuzzing with a fixed budget (proptest, so that it runs in CI with the
//! other tests): arbitrary bytes, and token soups close to the grammar,
//! into the Dedalus loader and the spec parser. Either may refuse an input;
//! neither may panic.

use std::path::Path;

use proptest::prelude::*;

/// Tokens of Dedalus and YAML, so that inputs get past the first character.
const TOKENS: &[&str] = &[
    "p",
    "q",
    "log",
    "node",
    "pre",
    "post",
    "crash",
    "X",
    "Y",
    "_",
    "(",
    ")",
    ",",
    ";",
    ":-",
    "@",
    "@next",
    "@async",
    "notin",
    "count<X>",
    "sum<Y>",
    "1",
    "0",
    "99999999999999999999",
    "\"a\"",
    "\"",
    "+",
    "-",
    "*",
    "/",
    "%",
    "==",
    "!=",
    "<",
    ">=",
    "include",
    "\"x.ded\"",
    "//",
    "/*",
    "*/",
    "\n",
    " ",
    "program:",
    "nodes:",
    "eot:",
    "eff:",
    "crashes:",
    "max_delay:",
    "expect:",
    "holds",
    "violated",
    "[",
    "]",
    "{",
    "}",
    "&a",
    "*a",
    "- ",
    "#",
    "'",
    "\u{feff}",
    "é",
];

fn soup() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(TOKENS), 0..60).prop_map(|t| t.concat())
}

fn bytes() -> impl Strategy<Value = String> {
    prop::collection::vec(any::<u8>(), 0..300)
        .prop_map(|b| String::from_utf8_lossy(&b).into_owned())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 400,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn the_loader_never_panics(text in prop_oneof![bytes(), soup()]) {
        if let Ok(program) = dedalus::load_str("fuzz.ded", &text) {
            // What loads also compiles and runs, or says why, without panicking.
            if let Ok(ev) = dedalus::eval::Evaluator::new(&program, &["a", "b"]) {
                let mut cfg = dedalus::eval::RunConfig::new(3);
                cfg.limits = dedalus::eval::Limits {
                    step_tuples: 10_000,
                    run_tuples: 20_000,
                    step_bytes: 8 << 20,
                    run_bytes: 16 << 20,
                };
                let _ = ev.run(&cfg);
            }
        }
    }

    #[test]
    fn the_spec_parser_never_panics(text in prop_oneof![bytes(), soup()]) {
        let _ = harness::Spec::parse(Path::new("fuzz.yaml"), &text);
    }
}
