//! The abstract syntax of a Dedalus program, every node carrying its [`Span`].
//!
//! `==` compares everything, spans included. Where only the text matters
//! (the round trip `parse(print(ast))`, a rule rewritten by a repair),
//! compare with [`eq_ignoring_spans`].

use std::fmt;

/// Identifies one loaded source file in a [`crate::SourceMap`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

/// A byte range in one source file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Span {
    /// The file the range is in.
    pub file: FileId,
    /// Byte offset of the first character.
    pub start: u32,
    /// Byte offset one past the last character.
    pub end: u32,
}

impl Span {
    /// A span over `start..end` of `file`.
    pub fn new(file: FileId, start: usize, end: usize) -> Span {
        Span {
            file,
            start: start as u32,
            end: end as u32,
        }
    }

    /// The smallest span covering both `self` and `other` (same file).
    pub fn to(self, other: Span) -> Span {
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    /// The byte range, for slicing the source text.
    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// A name (relation or variable) with where it was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ident {
    /// The name as written.
    pub name: String,
    /// Where it was written.
    pub span: Span,
}

/// One source file's clauses, in order.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Module {
    /// The clauses as written.
    pub clauses: Vec<Clause>,
}

/// A top-level clause.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Clause {
    /// `include "path";`
    Include(Include),
    /// `atom@N;`
    Fact(Fact),
    /// `head :- body;`
    Rule(Rule),
}

/// `include "path";` — resolved relative to the including file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Include {
    /// The path as written (without quotes).
    pub path: String,
    /// The whole clause.
    pub span: Span,
}

/// A ground fact holding at exactly one time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fact {
    /// The fact's relation and arguments (constant expressions).
    pub atom: Atom,
    /// The `@N` time.
    pub time: u64,
    /// The whole clause.
    pub span: Span,
}

/// When a rule's head holds relative to its body.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HeadTime {
    /// Deductive: same timestep.
    Now,
    /// Inductive `@next`: the next timestep on the same node.
    Next,
    /// Asynchronous `@async`: a message to the node named by the head's first argument.
    Async,
}

/// `head[@next|@async] :- body;`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    /// The head atom (its arguments may be aggregates).
    pub head: Atom,
    /// Deductive, `@next` or `@async`.
    pub time: HeadTime,
    /// The body literals, in written order.
    pub body: Vec<Literal>,
    /// The whole clause.
    pub span: Span,
}

/// A body literal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Literal {
    /// A (possibly negated) atom, optionally at an absolute time.
    Atom(BodyAtom),
    /// `left op right`.
    Cmp(Comparison),
}

impl Literal {
    /// Where the literal was written.
    pub fn span(&self) -> Span {
        match self {
            Literal::Atom(a) => a.span,
            Literal::Cmp(c) => c.span,
        }
    }
}

/// `[notin] atom [@N]`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BodyAtom {
    /// `notin` was written.
    pub negated: bool,
    /// The atom.
    pub atom: Atom,
    /// `@N`: the relation read at absolute time N instead of the current one.
    pub time: Option<u64>,
    /// The whole literal.
    pub span: Span,
}

/// `left op right`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comparison {
    /// Left operand.
    pub left: Expr,
    /// The operator.
    pub op: CmpOp,
    /// Right operand.
    pub right: Expr,
    /// The whole literal.
    pub span: Span,
}

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CmpOp {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `>`
    Gt,
    /// `<=`
    Le,
    /// `>=`
    Ge,
}

impl CmpOp {
    /// The operator as written.
    pub fn as_str(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Gt => ">",
            CmpOp::Le => "<=",
            CmpOp::Ge => ">=",
        }
    }
}

/// `name(args...)`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Atom {
    /// The relation name.
    pub name: Ident,
    /// The arguments.
    pub args: Vec<Arg>,
    /// From the name to the closing parenthesis.
    pub span: Span,
}

/// An argument: an expression, or (in heads only) an aggregate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Arg {
    /// A term.
    Expr(Expr),
    /// `count<X>`, `sum<X>`, `min<X>`, `max<X>`.
    Agg(Aggregate),
}

impl Arg {
    /// Where the argument was written.
    pub fn span(&self) -> Span {
        match self {
            Arg::Expr(e) => e.span(),
            Arg::Agg(a) => a.span,
        }
    }
}

/// `fun<var>` in a head.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Aggregate {
    /// The aggregate function.
    pub fun: AggFn,
    /// The aggregated variable.
    pub var: Ident,
    /// The whole argument.
    pub span: Span,
}

/// An aggregate function.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AggFn {
    /// Number of distinct bindings in the group.
    Count,
    /// Sum of the variable over distinct bindings.
    Sum,
    /// Least value.
    Min,
    /// Greatest value.
    Max,
}

impl AggFn {
    /// The function as written.
    pub fn as_str(self) -> &'static str {
        match self {
            AggFn::Count => "count",
            AggFn::Sum => "sum",
            AggFn::Min => "min",
            AggFn::Max => "max",
        }
    }
}

/// A term: variable, wildcard, constant, or arithmetic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expr {
    /// A variable (any identifier in argument position).
    Var(Ident),
    /// `_`: a fresh variable each time it is written.
    Wildcard(Span),
    /// `"text"`.
    Str(String, Span),
    /// A non-negative integer literal.
    Int(i64, Span),
    /// `left op right`.
    Bin(Box<Expr>, BinOp, Box<Expr>, Span),
}

impl Expr {
    /// Where the term was written.
    pub fn span(&self) -> Span {
        match self {
            Expr::Var(i) => i.span,
            Expr::Wildcard(s) | Expr::Str(_, s) | Expr::Int(_, s) | Expr::Bin(_, _, _, s) => *s,
        }
    }

    /// Calls `f` on every variable in the term, left to right.
    pub fn for_each_var<'a>(&'a self, f: &mut impl FnMut(&'a Ident)) {
        match self {
            Expr::Var(i) => f(i),
            Expr::Bin(l, _, r, _) => {
                l.for_each_var(f);
                r.for_each_var(f);
            }
            Expr::Wildcard(_) | Expr::Str(..) | Expr::Int(..) => {}
        }
    }
}

/// An arithmetic operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/` (truncating toward zero)
    Div,
    /// `%` (sign of the dividend)
    Rem,
}

impl BinOp {
    /// The operator as written.
    pub fn as_str(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Rem => "%",
        }
    }

    /// Binding strength: `*` `/` `%` bind tighter than `+` `-`.
    pub fn precedence(self) -> u8 {
        match self {
            BinOp::Add | BinOp::Sub => 1,
            BinOp::Mul | BinOp::Div | BinOp::Rem => 2,
        }
    }
}

impl fmt::Display for HeadTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HeadTime::Now => "",
            HeadTime::Next => "@next",
            HeadTime::Async => "@async",
        })
    }
}

/// Whether `a` and `b` are the same syntax, wherever each was written.
pub fn eq_ignoring_spans<T: WithoutSpans + PartialEq>(a: &T, b: &T) -> bool {
    a.without_spans() == b.without_spans()
}

/// A syntax node that can be copied with every span reset to the default,
/// so that nodes written in different places compare by their text.
pub trait WithoutSpans: Sized {
    /// A copy with every span (its own and its children's) reset.
    fn without_spans(&self) -> Self;
}

impl<T: WithoutSpans> WithoutSpans for Vec<T> {
    fn without_spans(&self) -> Self {
        self.iter().map(WithoutSpans::without_spans).collect()
    }
}

impl WithoutSpans for Ident {
    fn without_spans(&self) -> Self {
        Ident {
            name: self.name.clone(),
            span: Span::default(),
        }
    }
}

impl WithoutSpans for Module {
    fn without_spans(&self) -> Self {
        Module {
            clauses: self.clauses.without_spans(),
        }
    }
}

impl WithoutSpans for Clause {
    fn without_spans(&self) -> Self {
        match self {
            Clause::Include(i) => Clause::Include(Include {
                path: i.path.clone(),
                span: Span::default(),
            }),
            Clause::Fact(f) => Clause::Fact(Fact {
                atom: f.atom.without_spans(),
                time: f.time,
                span: Span::default(),
            }),
            Clause::Rule(r) => Clause::Rule(r.without_spans()),
        }
    }
}

impl WithoutSpans for Rule {
    fn without_spans(&self) -> Self {
        Rule {
            head: self.head.without_spans(),
            time: self.time,
            body: self.body.without_spans(),
            span: Span::default(),
        }
    }
}

impl WithoutSpans for Literal {
    fn without_spans(&self) -> Self {
        match self {
            Literal::Atom(a) => Literal::Atom(BodyAtom {
                negated: a.negated,
                atom: a.atom.without_spans(),
                time: a.time,
                span: Span::default(),
            }),
            Literal::Cmp(c) => Literal::Cmp(Comparison {
                left: c.left.without_spans(),
                op: c.op,
                right: c.right.without_spans(),
                span: Span::default(),
            }),
        }
    }
}

impl WithoutSpans for Atom {
    fn without_spans(&self) -> Self {
        Atom {
            name: self.name.without_spans(),
            args: self.args.without_spans(),
            span: Span::default(),
        }
    }
}

impl WithoutSpans for Arg {
    fn without_spans(&self) -> Self {
        match self {
            Arg::Expr(e) => Arg::Expr(e.without_spans()),
            Arg::Agg(a) => Arg::Agg(Aggregate {
                fun: a.fun,
                var: a.var.without_spans(),
                span: Span::default(),
            }),
        }
    }
}

impl WithoutSpans for Expr {
    fn without_spans(&self) -> Self {
        let none = Span::default();
        match self {
            Expr::Var(i) => Expr::Var(i.without_spans()),
            Expr::Wildcard(_) => Expr::Wildcard(none),
            Expr::Str(s, _) => Expr::Str(s.clone(), none),
            Expr::Int(i, _) => Expr::Int(*i, none),
            Expr::Bin(l, op, r, _) => Expr::Bin(
                Box::new(l.without_spans()),
                *op,
                Box::new(r.without_spans()),
                none,
            ),
        }
    }
}
