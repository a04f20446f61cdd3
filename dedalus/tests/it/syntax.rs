//! Tests: syntax (lexer, parser, printer, source map).

use dedalus::syntax::ast::*;
use dedalus::syntax::{KEYWORDS, SourceMap, parse, print_module};
use dedalus::{Diagnostic, Diagnostics};
use proptest::prelude::*;

const F: FileId = FileId(0);

fn module(text: &str) -> Module {
    match parse(F, text) {
        Ok(m) => m,
        Err(d) => panic!("{text:?} should parse, got: {}", render(text, d)),
    }
}

fn rule(text: &str) -> Rule {
    match module(text).clauses.into_iter().next() {
        Some(Clause::Rule(r)) => r,
        other => panic!("expected a rule, got {other:?}"),
    }
}

fn error(text: &str) -> Diagnostic {
    match parse(F, text) {
        Ok(m) => panic!("{text:?} should not parse, got {m:?}"),
        Err(d) => d,
    }
}

fn render(text: &str, d: Diagnostic) -> String {
    let mut sources = SourceMap::default();
    sources.add("test.ded".into(), text.to_string());
    Diagnostics::new(sources, vec![d]).to_string()
}

/// The source text a span covers.
fn text_of(text: &str, span: Span) -> &str {
    &text[span.range()]
}

fn var(name: &str) -> Expr {
    Expr::Var(Ident {
        name: name.into(),
        span: Span::default(),
    })
}

fn int(n: i64) -> Expr {
    Expr::Int(n, Span::default())
}

fn bin(l: Expr, op: BinOp, r: Expr) -> Expr {
    Expr::Bin(Box::new(l), op, Box::new(r), Span::default())
}

/// The expression of an argument, its spans reset (to compare with `var` etc.).
fn arg_expr(a: &Arg) -> Expr {
    match a {
        Arg::Expr(e) => e.without_spans(),
        Arg::Agg(a) => panic!("unexpected aggregate {a:?}"),
    }
}

// ----- constructs ----------------------------------------------------------

#[test]
fn equality_sees_spans_and_eq_ignoring_spans_does_not() {
    let a = rule("p(X) :- q(X);");
    let b = rule("p(X)   :-   q(X);");
    assert_ne!(a, b, "the same rule written differently has other spans");
    assert!(eq_ignoring_spans(&a, &b));
    assert!(!eq_ignoring_spans(&a, &rule("p(X) :- r(X);")));
    assert_ne!(FileId(0), FileId(1));
    assert_ne!(Span::new(F, 0, 1), Span::new(F, 0, 2));
    assert_ne!(Span::new(F, 0, 1), Span::new(FileId(1), 0, 1));
    assert_eq!(Span::new(F, 3, 4), Span::new(F, 3, 4));
}

#[test]
fn facts_with_strings_ints_and_zero_arity() {
    let text = r#"node("a", "b")@1; tick()@3; n(42, "x y // not a comment")@10;"#;
    let m = module(text);
    assert_eq!(m.clauses.len(), 3);
    let Clause::Fact(f) = &m.clauses[0] else {
        panic!()
    };
    assert_eq!(f.atom.name.name, "node");
    assert_eq!(f.time, 1);
    assert_eq!(text_of(text, f.span), r#"node("a", "b")@1;"#);
    assert_eq!(text_of(text, f.atom.span), r#"node("a", "b")"#);
    assert_eq!(
        arg_expr(&f.atom.args[1]),
        Expr::Str("b".into(), Span::default())
    );
    let Clause::Fact(f) = &m.clauses[1] else {
        panic!()
    };
    assert!(f.atom.args.is_empty());
    let Clause::Fact(f) = &m.clauses[2] else {
        panic!()
    };
    assert_eq!(arg_expr(&f.atom.args[0]), int(42));
    assert_eq!(
        arg_expr(&f.atom.args[1]),
        Expr::Str("x y // not a comment".into(), Span::default())
    );
}

#[test]
fn rules_with_head_times() {
    assert_eq!(rule("p(X) :- q(X);").time, HeadTime::Now);
    assert_eq!(rule("p(X)@next :- q(X);").time, HeadTime::Next);
    assert_eq!(rule("p(X)@async :- q(X);").time, HeadTime::Async);
    let text = "log(M, P)@async :- bcast(N, P), node(N, M);";
    let r = rule(text);
    assert_eq!(text_of(text, r.span), text);
    assert_eq!(text_of(text, r.head.span), "log(M, P)");
    assert_eq!(r.body.len(), 2);
    assert_eq!(text_of(text, r.body[1].span()), "node(N, M)");
}

#[test]
fn negation_and_body_times() {
    let text = "pre(X, P) :- log(X, P), notin bcast(X, P)@1, notin crash(X, X, _), q(X)@2;";
    let r = rule(text);
    let atoms: Vec<&BodyAtom> = r
        .body
        .iter()
        .map(|l| match l {
            Literal::Atom(a) => a,
            Literal::Cmp(c) => panic!("{c:?}"),
        })
        .collect();
    assert!(!atoms[0].negated && atoms[0].time.is_none());
    assert!(atoms[1].negated && atoms[1].time == Some(1));
    assert_eq!(text_of(text, atoms[1].span), "notin bcast(X, P)@1");
    assert_eq!(text_of(text, atoms[1].atom.span), "bcast(X, P)");
    assert!(atoms[2].negated && atoms[2].time.is_none());
    assert!(matches!(
        atoms[2].atom.args[2],
        Arg::Expr(Expr::Wildcard(_))
    ));
    assert!(!atoms[3].negated && atoms[3].time == Some(2));
}

#[test]
fn comparisons() {
    for op in [
        CmpOp::Eq,
        CmpOp::Ne,
        CmpOp::Lt,
        CmpOp::Gt,
        CmpOp::Le,
        CmpOp::Ge,
    ] {
        let text = format!("p(X) :- q(X, Y), X {} Y + 1;", op.as_str());
        let r = rule(&text);
        let Literal::Cmp(c) = &r.body[1] else {
            panic!()
        };
        assert_eq!(c.op, op);
        assert_eq!(c.left.without_spans(), var("X"));
        assert_eq!(c.right.without_spans(), bin(var("Y"), BinOp::Add, int(1)));
        assert_eq!(text_of(&text, c.span), format!("X {} Y + 1", op.as_str()));
    }
}

#[test]
fn arithmetic_precedence_and_associativity() {
    let head = |text: &str| arg_expr(&rule(text).head.args[0]);
    use BinOp::*;
    assert_eq!(
        head("p(A + B * C) :- q(A, B, C);"),
        bin(var("A"), Add, bin(var("B"), Mul, var("C")))
    );
    assert_eq!(
        head("p(A - B - C) :- q(A, B, C);"),
        bin(bin(var("A"), Sub, var("B")), Sub, var("C"))
    );
    assert_eq!(
        head("p(A - (B - C)) :- q(A, B, C);"),
        bin(var("A"), Sub, bin(var("B"), Sub, var("C")))
    );
    assert_eq!(
        head("p((A + B) % 3 / C) :- q(A, B, C);"),
        bin(
            bin(bin(var("A"), Add, var("B")), Rem, int(3)),
            Div,
            var("C")
        )
    );
    let text = "p((A + B) * 2) :- q(A, B);";
    let Arg::Expr(e) = rule(text).head.args[0].clone() else {
        panic!()
    };
    assert_eq!(text_of(text, e.span()), "(A + B) * 2");
    let Expr::Bin(l, ..) = e else { panic!() };
    assert_eq!(text_of(text, l.span()), "(A + B)");
}

#[test]
fn aggregates_in_heads() {
    for (name, fun) in [
        ("count", AggFn::Count),
        ("sum", AggFn::Sum),
        ("min", AggFn::Min),
        ("max", AggFn::Max),
    ] {
        let text = format!("total(N, {name}<X>) :- amount(N, X);");
        let r = rule(&text);
        let Arg::Agg(a) = &r.head.args[1] else {
            panic!()
        };
        assert_eq!(a.fun, fun);
        assert_eq!(a.var.name, "X");
        assert_eq!(text_of(&text, a.span), format!("{name}<X>"));
    }
    // Outside an aggregate, the names are ordinary identifiers.
    let r = rule("count(count) :- max(count), count < 3;");
    assert_eq!(r.head.name.name, "count");
    assert_eq!(arg_expr(&r.head.args[0]), var("count"));
}

#[test]
fn wildcards_variables_and_includes() {
    let m = module("include \"lib/base.ded\";\np(_x, x, X) :- q(_x, x, X, _);");
    let Clause::Include(i) = &m.clauses[0] else {
        panic!()
    };
    assert_eq!(i.path, "lib/base.ded");
    let Clause::Rule(r) = &m.clauses[1] else {
        panic!()
    };
    assert_eq!(arg_expr(&r.head.args[0]), var("_x"));
    assert_eq!(arg_expr(&r.head.args[1]), var("x"));
    let Literal::Atom(a) = &r.body[0] else {
        panic!()
    };
    assert!(matches!(a.atom.args[3], Arg::Expr(Expr::Wildcard(_))));
}

#[test]
fn comments_are_skipped() {
    let m = module("// line comment\np(X) /* block\n comment */ :- q(X); // trailing\n/**/");
    assert_eq!(m.clauses.len(), 1);
    assert!(module("").clauses.is_empty());
    assert!(module("  // only a comment").clauses.is_empty());
}

#[test]
fn source_map_positions() {
    let mut sources = SourceMap::default();
    let text = "p(\"é\")@1;\n  q(X) :- p(X);";
    let file = sources.add("a.ded".into(), text.into());
    let q = text.find('q').unwrap_or_default();
    let span = Span::new(file, q, q + 4);
    assert_eq!(sources.line_col(span), (2, 3));
    assert_eq!(sources.snippet(span), "q(X)");
    let after = text.find('@').unwrap_or_default();
    assert_eq!(sources.line_col(Span::new(file, after, after)), (1, 7));
    assert_eq!(sources.path(file), std::path::Path::new("a.ded"));
    assert_eq!(sources.files().count(), 1);
    let d = Diagnostic::error("x", span, "here");
    assert_eq!(d.location(&sources), "a.ded:2:3");
}

// ----- printer -------------------------------------------------------------

#[test]
fn printer_is_canonical() {
    let text = "head( X )@next:-a(X),notin b(X)@2,X!=3 ;\nn(\"a\",1+2*3)@1;include \"x.ded\";\n\
                p(A-(B-C), (A-B)-C, A*(B+C), count<X>):-q(A,B,C,X);";
    let printed = print_module(&module(text));
    assert_eq!(
        printed,
        "head(X)@next :- a(X), notin b(X)@2, X != 3;\n\
         n(\"a\", 1 + 2 * 3)@1;\n\
         include \"x.ded\";\n\
         p(A - (B - C), A - B - C, A * (B + C), count<X>) :- q(A, B, C, X);\n"
    );
    assert_eq!(print_module(&module(&printed)), printed);
}

// ----- errors --------------------------------------------------------------

#[test]
fn syntax_errors_name_what_was_expected() {
    let cases: &[(&str, &str, Option<&str>)] = &[
        (
            "p(X) :- q(X)",
            "expected `,` or `;`, found end of file",
            None,
        ),
        (
            "p(X) :- q(X)\nr(X) :- q(X);",
            "expected `,` or `;`, found `r`",
            Some("is a `;` missing"),
        ),
        ("p(X) := q(X);", "unexpected character `:`", Some(":-")),
        (
            "p(X) <- q(X);",
            "expected `:-` or `@` after the head, found `<`",
            Some(":-"),
        ),
        (
            "p(\"a\");",
            "expected `@` or `:-` after the atom, found `;`",
            Some("facts hold at one time: write `p(...)@1;`"),
        ),
        (
            "p(X)@1 :- q(X);",
            "a rule head cannot carry a time `@N`",
            Some("@next"),
        ),
        (
            "p(X)@nxt :- q(X);",
            "expected `next`, `async` or a time after `@`",
            None,
        ),
        (
            "p(X) :- q(X)@next;",
            "`@next` cannot be used in a rule body",
            None,
        ),
        (
            "p(X) :- q(count<X>);",
            "aggregate `count<X>` in a rule body",
            Some("head"),
        ),
        ("p(sum<X>)@1;", "aggregate `sum<X>` in a fact", None),
        (
            "p(count<_>) :- q(X);",
            "expected a variable name, found `_`",
            None,
        ),
        ("p(\"abc) :- q(X);", "unterminated string", None),
        ("p(X) /* :- q(X);", "unterminated block comment", None),
        (
            "p(99999999999999999999)@1;",
            "integer literal too large",
            None,
        ),
        (
            "p(-1)@1;",
            "expected a term, found `-`",
            Some("no unary minus"),
        ),
        (
            "notin(X) :- q(X);",
            "expected a relation name, found keyword `notin`",
            None,
        ),
        (
            "p(include) :- q(X);",
            "expected a variable, found keyword `include`",
            None,
        ),
        ("include p;", "expected a quoted path after `include`", None),
        (
            "p(X) :- q;",
            "expected a comparison operator",
            Some("`q()`"),
        ),
        ("p :- q(X);", "expected `(` after `p`", Some("`p()`")),
        (
            "p(X) :- notin X == 1;",
            "expected an atom after `notin`",
            None,
        ),
        (
            "p(q(X)) :- r(X);",
            "expected an operator or the end of the term",
            None,
        ),
        (
            "p(X) :- q(X), X = 1;",
            "unexpected character `=`",
            Some("`==`"),
        ),
        (
            "p(X) :- q(X) ;;",
            "expected a relation name, found `;`",
            None,
        ),
    ];
    for (text, message, help) in cases {
        let d = error(text);
        assert!(
            d.message.contains(message),
            "{text:?}: message {:?} lacks {message:?}",
            d.message
        );
        if let Some(help) = help {
            let got = d.help.clone().unwrap_or_default();
            assert!(got.contains(help), "{text:?}: help {got:?} lacks {help:?}");
        }
        assert!(d.primary.is_some(), "{text:?}: no span");
    }
}

#[test]
fn errors_point_at_the_offending_token() {
    let text = "p(X) :- q(X), r(X) s(X);";
    let d = error(text);
    let span = d.primary.as_ref().map(|l| l.span).unwrap_or_default();
    assert_eq!(text_of(text, span), "s");
    let text = "p(X) :- q(X)\nr(X) :- q(X);";
    let d = error(text);
    let span = d.primary.as_ref().map(|l| l.span).unwrap_or_default();
    // A missing `;` is reported where it belongs: right after `q(X)`.
    assert_eq!(span.start as usize, text.find('\n').unwrap_or_default());
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let deep = format!("p({}1{})@1;", "(".repeat(100_000), ")".repeat(100_000));
    assert!(error(&deep).message.contains("nested too deeply"));
    let long = format!("p(1{})@1;", " + 1".repeat(100_000));
    assert!(error(&long).message.contains("nested too deeply"));
    let fine = format!("p(1{})@1;", " + 1".repeat(100));
    module(&fine);
}

#[test]
fn golden_syntax_error() {
    let text = "node(\"a\", \"b\")@1;\nlog(N, P)@next :- log(N, P)\nlog(N, P) :- bcast(N, P);\n";
    insta::assert_snapshot!(render(text, error(text)));
}

#[test]
fn golden_fact_without_time() {
    let text = "node(\"a\", \"b\");\n";
    insta::assert_snapshot!(render(text, error(text)));
}

// ----- properties ----------------------------------------------------------

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[A-Za-z][A-Za-z0-9_]{0,5}",
        1 => "_[A-Za-z0-9_]{1,4}",
        1 => prop::sample::select(vec!["count", "sum", "min", "max", "next", "async", "clock"])
            .prop_map(String::from),
    ]
    .prop_filter("keywords are not names", |n| {
        !KEYWORDS.contains(&n.as_str())
    })
}

fn ident() -> impl Strategy<Value = Ident> {
    name().prop_map(|name| Ident {
        name,
        span: Span::default(),
    })
}

fn expr() -> impl Strategy<Value = Expr> {
    let leaf = prop_oneof![
        ident().prop_map(Expr::Var),
        Just(Expr::Wildcard(Span::default())),
        "[^\"]{0,6}".prop_map(|s| Expr::Str(s, Span::default())),
        (0..=i64::MAX).prop_map(|n| Expr::Int(n, Span::default())),
        (0..10i64).prop_map(|n| Expr::Int(n, Span::default())),
    ];
    leaf.prop_recursive(5, 32, 2, |inner| {
        (
            inner.clone(),
            prop::sample::select(vec![
                BinOp::Add,
                BinOp::Sub,
                BinOp::Mul,
                BinOp::Div,
                BinOp::Rem,
            ]),
            inner,
        )
            .prop_map(|(l, op, r)| bin(l, op, r))
    })
}

fn atom(aggregates: bool) -> impl Strategy<Value = Atom> {
    let agg = (
        prop::sample::select(vec![AggFn::Count, AggFn::Sum, AggFn::Min, AggFn::Max]),
        ident().prop_filter("aggregate a named variable", |i| i.name != "_"),
    )
        .prop_map(|(fun, var)| {
            Arg::Agg(Aggregate {
                fun,
                var,
                span: Span::default(),
            })
        });
    let arg = if aggregates {
        prop_oneof![3 => expr().prop_map(Arg::Expr), 1 => agg].boxed()
    } else {
        expr().prop_map(Arg::Expr).boxed()
    };
    (ident(), prop::collection::vec(arg, 0..4)).prop_map(|(name, args)| Atom {
        name,
        args,
        span: Span::default(),
    })
}

fn time() -> impl Strategy<Value = u64> {
    prop_oneof![0..5u64, 0..=i64::MAX as u64]
}

fn literal() -> impl Strategy<Value = Literal> {
    let cmp_op = prop::sample::select(vec![
        CmpOp::Eq,
        CmpOp::Ne,
        CmpOp::Lt,
        CmpOp::Gt,
        CmpOp::Le,
        CmpOp::Ge,
    ]);
    prop_oneof![
        (any::<bool>(), atom(false), prop::option::of(time())).prop_map(|(negated, atom, time)| {
            Literal::Atom(BodyAtom {
                negated,
                atom,
                time,
                span: Span::default(),
            })
        }),
        (expr(), cmp_op, expr()).prop_map(|(left, op, right)| Literal::Cmp(Comparison {
            left,
            op,
            right,
            span: Span::default(),
        })),
    ]
}

fn clause() -> impl Strategy<Value = Clause> {
    let head_time = prop::sample::select(vec![HeadTime::Now, HeadTime::Next, HeadTime::Async]);
    prop_oneof![
        "[^\"]{0,10}".prop_map(|path| Clause::Include(Include {
            path,
            span: Span::default(),
        })),
        (atom(false), time()).prop_map(|(atom, time)| Clause::Fact(Fact {
            atom,
            time,
            span: Span::default(),
        })),
        (
            atom(true),
            head_time,
            prop::collection::vec(literal(), 1..4)
        )
            .prop_map(|(head, time, body)| Clause::Rule(Rule {
                head,
                time,
                body,
                span: Span::default(),
            })),
    ]
}

/// Fragments that the lexer and parser care about, to mix into random input.
const FRAGMENTS: &[&str] = &[
    "p",
    "X",
    "_",
    "notin",
    "include",
    "count",
    "sum",
    "<",
    ">",
    "(",
    ")",
    ",",
    ";",
    "@",
    "next",
    "async",
    ":-",
    ":",
    "==",
    "=",
    "!=",
    "!",
    "<=",
    ">=",
    "+",
    "-",
    "*",
    "/",
    "%",
    "\"s\"",
    "\"",
    "1",
    "99999999999999999999",
    "/*",
    "*/",
    "//",
    "\n",
    " ",
    "é",
    "@1",
    "p(X)",
    ".",
];

proptest! {
    #[test]
    fn print_then_parse_is_identity(clauses in prop::collection::vec(clause(), 0..6)) {
        let m = Module { clauses };
        let printed = print_module(&m);
        match parse(F, &printed) {
            Ok(parsed) => prop_assert_eq!(parsed.without_spans(), m.without_spans(), "printed:\n{}", printed),
            Err(d) => prop_assert!(false, "printed:\n{}\ndoes not parse:\n{}", printed, render(&printed, d)),
        }
    }

    #[test]
    fn parse_never_panics_on_any_string(text in any::<String>()) {
        if let Err(d) = parse(F, &text) {
            let _ = render(&text, d);
        }
    }

    #[test]
    fn parse_never_panics_on_token_soup(
        parts in prop::collection::vec(prop::sample::select(FRAGMENTS), 0..40),
    ) {
        let text = parts.concat();
        if let Err(d) = parse(F, &text) {
            let _ = render(&text, d);
        }
    }
}
