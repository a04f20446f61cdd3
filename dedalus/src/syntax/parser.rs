//! Tokens to AST: a recursive-descent parser for the grammar of
//! docs/dedalus.md §2. It stops at the first error, which names the
//! offending token, what was expected, and (where a mistake is common) a fix.
//!
//! `notin` and `include` are keywords: they cannot name relations or
//! variables. The aggregate names `count`, `sum`, `min`, `max` and the head
//! times `next`, `async` are ordinary identifiers outside their positions.

use super::ast::*;
use super::lexer::{Tok, Token, lex};
use crate::diagnostic::Diagnostic;

/// Words that cannot be used as relation or variable names.
pub const KEYWORDS: [&str; 2] = ["notin", "include"];

/// Nesting bound for expressions (parentheses, and operator chains), so that
/// hostile input cannot exhaust the stack of the parser or of later passes.
const MAX_DEPTH: usize = 128;

/// Parses one source file.
pub fn parse(file: FileId, text: &str) -> Result<Module, Diagnostic> {
    let tokens = lex(file, text)?;
    let mut parser = Parser {
        text,
        tokens,
        pos: 0,
        nesting: 0,
    };
    let mut clauses = Vec::new();
    while parser.peek() != &Tok::Eof {
        clauses.push(parser.clause()?);
    }
    Ok(Module { clauses })
}

type PResult<T> = Result<T, Diagnostic>;

struct Parser<'a> {
    text: &'a str,
    tokens: Vec<Token>,
    pos: usize,
    nesting: usize,
}

/// An expression with its extent including enclosing parentheses, and its
/// tree depth.
struct Parsed {
    expr: Expr,
    span: Span,
    depth: usize,
}

impl Parser<'_> {
    // ----- clauses -------------------------------------------------------

    fn clause(&mut self) -> PResult<Clause> {
        if self.peek_ident() == Some("include") {
            return self.include().map(Clause::Include);
        }
        let head = self.atom()?;
        let start = head.span;
        match self.peek().clone() {
            Tok::At => {
                let at = self.bump().span;
                let time = self.bump();
                match time.tok {
                    Tok::Int(n) => {
                        let time_span = at.to(time.span);
                        if self.peek() == &Tok::If {
                            return Err(Diagnostic::error(
                                "a rule head cannot carry a time `@N`",
                                time_span,
                                "remove this, or use `@next` or `@async`",
                            )
                            .with_help(
                                "rule heads hold now, at the next timestep (`@next`) or at a \
                                 message's destination (`@async`); only facts take `@N`",
                            ));
                        }
                        if let Some(agg) = first_aggregate(&head) {
                            return Err(aggregate_outside_head(agg, "a fact"));
                        }
                        let end = self.expect(Tok::Semi, "`;` after the fact")?;
                        Ok(Clause::Fact(Fact {
                            atom: head,
                            time: n as u64,
                            span: start.to(end),
                        }))
                    }
                    Tok::Ident(word) if word == "next" || word == "async" => {
                        let time = if word == "next" {
                            HeadTime::Next
                        } else {
                            HeadTime::Async
                        };
                        if self.peek() != &Tok::If {
                            return Err(self.expected("`:-` after the head").with_help(
                                "a rule is written `head@next :- body;`; \
                                 facts take a time instead: `p(...)@1;`",
                            ));
                        }
                        self.rule(head, time)
                    }
                    tok => Err(Diagnostic::error(
                        format!("expected `next`, `async` or a time after `@`, found {tok}"),
                        time.span,
                        "expected `next`, `async` or an integer",
                    )
                    .with_help(
                        "`@next` derives at the next timestep, `@async` sends a message, \
                         and a fact holds at one time: `p(...)@1;`",
                    )),
                }
            }
            Tok::If => self.rule(head, HeadTime::Now),
            Tok::Semi => Err(self
                .expected("`@` or `:-` after the atom")
                .with_help(format!(
                    "facts hold at one time: write `{}(...)@1;`",
                    head.name.name
                ))),
            _ => Err(self
                .expected("`:-` or `@` after the head")
                .with_help("a rule is written `head :- body;`, a fact `head@N;`")),
        }
    }

    fn include(&mut self) -> PResult<Include> {
        let start = self.bump().span;
        let path = match self.peek().clone() {
            Tok::Str(path) => {
                self.bump();
                path
            }
            _ => {
                return Err(self
                    .expected("a quoted path after `include`")
                    .with_help("write `include \"other.ded\";` (`include` is a keyword)"));
            }
        };
        let end = self.expect(Tok::Semi, "`;` after the include")?;
        Ok(Include {
            path,
            span: start.to(end),
        })
    }

    fn rule(&mut self, head: Atom, time: HeadTime) -> PResult<Clause> {
        self.bump(); // `:-`
        let mut body = vec![self.literal()?];
        loop {
            match self.peek() {
                Tok::Comma => {
                    self.bump();
                    body.push(self.literal()?);
                }
                Tok::Semi => break,
                _ if self.newline_before_current() => {
                    return Err(self
                        .missing_semi("`,` or `;`")
                        .with_help("is a `;` missing at the end of the rule?"));
                }
                _ => {
                    return Err(self
                        .expected("`,` or `;`")
                        .with_help("separate body literals with `,` and end the rule with `;`"));
                }
            }
        }
        let end = self.bump().span;
        Ok(Clause::Rule(Rule {
            span: head.span.to(end),
            head,
            time,
            body,
        }))
    }

    // ----- literals and atoms --------------------------------------------

    fn literal(&mut self) -> PResult<Literal> {
        let start = self.peek_span();
        let negated = self.peek_ident() == Some("notin");
        if negated {
            self.bump();
        }
        let is_atom = matches!(self.peek(), Tok::Ident(_)) && self.peek_at(1) == &Tok::LParen;
        if !negated && !is_atom {
            return self.comparison().map(Literal::Cmp);
        }
        if negated && !is_atom {
            return Err(self
                .expected("an atom after `notin`")
                .with_help("negation applies to an atom: `notin p(X)`"));
        }
        let atom = self.atom()?;
        if let Some(agg) = first_aggregate(&atom) {
            return Err(aggregate_outside_head(agg, "a rule body"));
        }
        let mut span = start.to(atom.span);
        let mut time = None;
        if self.peek() == &Tok::At {
            let at = self.bump().span;
            let t = self.bump();
            match t.tok {
                Tok::Int(n) => {
                    time = Some(n as u64);
                    span = span.to(t.span);
                }
                Tok::Ident(word) if word == "next" || word == "async" => {
                    return Err(Diagnostic::error(
                        format!("`@{word}` cannot be used in a rule body"),
                        at.to(t.span),
                        "only a rule head can carry this",
                    )
                    .with_help("a body atom may read an absolute time, e.g. `p(X)@1`"));
                }
                tok => {
                    return Err(Diagnostic::error(
                        format!("expected a time after `@`, found {tok}"),
                        t.span,
                        "expected an integer",
                    )
                    .with_help("a body atom may read an absolute time, e.g. `p(X)@1`"));
                }
            }
        }
        Ok(Literal::Atom(BodyAtom {
            negated,
            atom,
            time,
            span,
        }))
    }

    fn comparison(&mut self) -> PResult<Comparison> {
        let bare_name = match (self.peek(), self.peek_at(1)) {
            (Tok::Ident(name), Tok::Comma | Tok::Semi) => Some(name.clone()),
            _ => None,
        };
        // `not p(X)`, `neg p(X)`, `!p(X)`: negation is spelled `notin`.
        let negation = match (self.peek(), self.peek_at(1)) {
            (Tok::Ident(w), Tok::Ident(rel)) if w == "not" || w == "neg" => {
                Some(format!("{w} {rel}"))
            }
            _ => None,
        };
        let left = self.expr()?;
        let op = match self.peek() {
            Tok::Cmp(op) => *op,
            _ => {
                let d = self.expected("a comparison operator (`==`, `!=`, `<`, `>`, `<=`, `>=`)");
                return Err(match (bare_name, negation) {
                    (_, Some(written)) => d.with_help(format!(
                        "negation is written `notin`: `notin {}(...)` instead of `{written}(...)`",
                        written.split(' ').nth(1).unwrap_or_default()
                    )),
                    (Some(name), None) => d.with_help(format!(
                        "an atom needs parentheses, even without arguments: `{name}()`"
                    )),
                    (None, None) => d,
                });
            }
        };
        self.bump();
        let right = self.expr()?;
        Ok(Comparison {
            span: left.span.to(right.span),
            left: left.expr,
            op,
            right: right.expr,
        })
    }

    fn atom(&mut self) -> PResult<Atom> {
        let name = self.name("a relation name")?;
        if self.peek() != &Tok::LParen {
            return Err(self
                .expected(&format!("`(` after `{}`", name.name))
                .with_help(format!(
                    "an atom needs parentheses, even without arguments: `{}()`",
                    name.name
                )));
        }
        self.bump();
        let mut args = Vec::new();
        if self.peek() != &Tok::RParen {
            args.push(self.arg()?);
            while self.peek() == &Tok::Comma {
                self.bump();
                args.push(self.arg()?);
            }
        }
        let end = match self.peek() {
            Tok::RParen => self.bump().span,
            Tok::LParen => {
                return Err(self
                    .expected("`,` or `)`")
                    .with_help("arguments are terms; atoms cannot be nested"));
            }
            _ => return Err(self.expected("`,` or `)`")),
        };
        Ok(Atom {
            span: name.span.to(end),
            name,
            args,
        })
    }

    fn arg(&mut self) -> PResult<Arg> {
        let fun = match self.peek_ident() {
            Some("count") => Some(AggFn::Count),
            Some("sum") => Some(AggFn::Sum),
            Some("min") => Some(AggFn::Min),
            Some("max") => Some(AggFn::Max),
            _ => None,
        };
        match fun {
            Some(fun) if self.peek_at(1) == &Tok::Cmp(CmpOp::Lt) => {
                let start = self.bump().span;
                self.bump();
                if self.peek_ident() == Some("_") {
                    return Err(self
                        .expected("a variable name")
                        .with_help(format!("aggregate a named variable: `{}<X>`", fun.as_str())));
                }
                let var = self.name("a variable name")?;
                let end = self.expect(Tok::Cmp(CmpOp::Gt), "`>` closing the aggregate")?;
                Ok(Arg::Agg(Aggregate {
                    fun,
                    var,
                    span: start.to(end),
                }))
            }
            _ => Ok(Arg::Expr(self.expr()?.expr)),
        }
    }

    // ----- expressions ---------------------------------------------------

    fn expr(&mut self) -> PResult<Parsed> {
        let mut left = self.term()?;
        loop {
            let op = match self.peek() {
                Tok::Plus => BinOp::Add,
                Tok::Minus => BinOp::Sub,
                _ => return Ok(left),
            };
            self.bump();
            let right = self.term()?;
            left = self.binary(left, op, right)?;
        }
    }

    fn term(&mut self) -> PResult<Parsed> {
        let mut left = self.factor()?;
        loop {
            let op = match self.peek() {
                Tok::Star => BinOp::Mul,
                Tok::Slash => BinOp::Div,
                Tok::Percent => BinOp::Rem,
                _ => return Ok(left),
            };
            self.bump();
            let right = self.factor()?;
            left = self.binary(left, op, right)?;
        }
    }

    fn binary(&self, left: Parsed, op: BinOp, right: Parsed) -> PResult<Parsed> {
        let span = left.span.to(right.span);
        let depth = left.depth.max(right.depth) + 1;
        if depth > MAX_DEPTH {
            return Err(too_deep(span));
        }
        Ok(Parsed {
            expr: Expr::Bin(Box::new(left.expr), op, Box::new(right.expr), span),
            span,
            depth,
        })
    }

    fn factor(&mut self) -> PResult<Parsed> {
        let token = self.tokens[self.pos].clone();
        let leaf = |expr| {
            Ok(Parsed {
                expr,
                span: token.span,
                depth: 1,
            })
        };
        match &token.tok {
            Tok::Ident(name) if name == "_" => {
                self.bump();
                leaf(Expr::Wildcard(token.span))
            }
            Tok::Ident(_) => {
                let var = self.name("a variable")?;
                if self.peek() == &Tok::LParen {
                    return Err(self
                        .expected("an operator or the end of the term")
                        .with_help("arguments are terms; atoms cannot be nested"));
                }
                leaf(Expr::Var(var))
            }
            Tok::Str(text) => {
                self.bump();
                leaf(Expr::Str(text.clone(), token.span))
            }
            Tok::Int(n) => {
                self.bump();
                leaf(Expr::Int(*n, token.span))
            }
            Tok::LParen => {
                self.bump();
                self.nesting += 1;
                if self.nesting > MAX_DEPTH {
                    return Err(too_deep(token.span));
                }
                let inner = self.expr()?;
                self.nesting -= 1;
                let end = self.expect(Tok::RParen, "`)`")?;
                let mut expr = inner.expr;
                let span = token.span.to(end);
                // A parenthesised operation spans its parentheses too.
                if let Expr::Bin(_, _, _, s) = &mut expr {
                    *s = span;
                }
                Ok(Parsed {
                    expr,
                    span,
                    depth: inner.depth,
                })
            }
            Tok::Minus => Err(self
                .expected("a term")
                .with_help("there is no unary minus: write `0 - 3` for a negative number")),
            _ => Err(self.expected("a term (a variable, `_`, a string, an integer or `(`)")),
        }
    }

    // ----- tokens --------------------------------------------------------

    /// An identifier that is not a keyword.
    fn name(&mut self, what: &str) -> PResult<Ident> {
        match self.peek().clone() {
            Tok::Ident(name) if KEYWORDS.contains(&name.as_str()) => {
                let span = self.peek_span();
                Err(Diagnostic::error(
                    format!("expected {what}, found keyword `{name}`"),
                    span,
                    format!("`{name}` is a keyword"),
                )
                .with_help(format!("`{name}` cannot name a relation or a variable")))
            }
            Tok::Ident(name) => {
                let span = self.bump().span;
                Ok(Ident { name, span })
            }
            _ => Err(self.expected(what)),
        }
    }

    fn expect(&mut self, tok: Tok, what: &str) -> PResult<Span> {
        if self.peek() == &tok {
            Ok(self.bump().span)
        } else if tok == Tok::Semi && self.newline_before_current() {
            Err(self
                .missing_semi(what)
                .with_help("every clause ends with `;`"))
        } else {
            let d = self.expected(what);
            Err(if tok == Tok::Semi {
                d.with_help("every clause ends with `;`")
            } else {
                d
            })
        }
    }

    /// "expected `what`, found <current token>" reported just after the
    /// previous token, where a forgotten `;` belongs.
    fn missing_semi(&self, what: &str) -> Diagnostic {
        let prev = self.tokens[self.pos.saturating_sub(1)].span;
        let at = Span::new(prev.file, prev.end as usize, prev.end as usize);
        Diagnostic::error(
            format!("expected {what}, found {}", self.peek()),
            at,
            "expected `;` here",
        )
        .with_label(self.peek_span(), "the next clause starts here")
    }

    /// "expected `what`, found <current token>" at the current token.
    fn expected(&self, what: &str) -> Diagnostic {
        Diagnostic::error(
            format!("expected {what}, found {}", self.peek()),
            self.peek_span(),
            format!("expected {what}"),
        )
    }

    fn newline_before_current(&self) -> bool {
        let Some(prev) = self.pos.checked_sub(1).map(|i| &self.tokens[i]) else {
            return false;
        };
        let gap = prev.span.end as usize..self.peek_span().start as usize;
        self.text.get(gap).is_some_and(|g| g.contains('\n'))
    }

    fn peek(&self) -> &Tok {
        self.peek_at(0)
    }

    fn peek_at(&self, ahead: usize) -> &Tok {
        let last = self.tokens.len() - 1;
        &self.tokens[(self.pos + ahead).min(last)].tok
    }

    fn peek_ident(&self) -> Option<&str> {
        match self.peek() {
            Tok::Ident(name) => Some(name),
            _ => None,
        }
    }

    fn peek_span(&self) -> Span {
        self.tokens[self.pos].span
    }

    /// Consumes the current token (never moving past end of file).
    fn bump(&mut self) -> Token {
        let token = self.tokens[self.pos].clone();
        if self.pos + 1 < self.tokens.len() {
            self.pos += 1;
        }
        token
    }
}

fn first_aggregate(atom: &Atom) -> Option<&Aggregate> {
    atom.args.iter().find_map(|a| match a {
        Arg::Agg(agg) => Some(agg),
        Arg::Expr(_) => None,
    })
}

fn aggregate_outside_head(agg: &Aggregate, place: &str) -> Diagnostic {
    Diagnostic::error(
        format!(
            "aggregate `{}<{}>` in {place}",
            agg.fun.as_str(),
            agg.var.name
        ),
        agg.span,
        "aggregates are only allowed in rule heads",
    )
    .with_help("aggregate in the head of a rule, e.g. `total(N, sum<X>) :- amount(N, X);`")
}

fn too_deep(span: Span) -> Diagnostic {
    Diagnostic::error(
        "expression nested too deeply",
        span,
        format!("more than {MAX_DEPTH} levels of nesting"),
    )
    .with_help("split the computation over several rules")
}
