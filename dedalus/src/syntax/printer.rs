//! AST to canonical source text: one clause per line, `, ` between arguments
//! and literals, ` :- ` after the head, and parentheses around an operation
//! only where precedence or left associativity requires them. Parsing the
//! output gives back an equal AST, for every AST the parser can produce
//! (names that are not keywords, strings without `"`, integers and times
//! in `0..=i64::MAX`).

use std::fmt;

use super::ast::*;

/// The canonical text of a module, one clause per line.
pub fn print_module(module: &Module) -> String {
    let mut out = String::new();
    for clause in &module.clauses {
        out.push_str(&clause.to_string());
        out.push('\n');
    }
    out
}

impl fmt::Display for Ident {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Var(v) => write!(f, "{v}"),
            Expr::Wildcard(_) => f.write_str("_"),
            Expr::Str(s, _) => write!(f, "\"{s}\""),
            Expr::Int(n, _) => write!(f, "{n}"),
            Expr::Bin(left, op, right, _) => {
                // Left-associative: a left operand needs parentheses only if it
                // binds more loosely; a right one also if it binds equally.
                operand(f, left, op.precedence() > precedence(left))?;
                write!(f, " {} ", op.as_str())?;
                operand(f, right, op.precedence() >= precedence(right))
            }
        }
    }
}

fn precedence(e: &Expr) -> u8 {
    match e {
        Expr::Bin(_, op, _, _) => op.precedence(),
        _ => u8::MAX,
    }
}

fn operand(f: &mut fmt::Formatter<'_>, e: &Expr, parens: bool) -> fmt::Result {
    if parens {
        write!(f, "({e})")
    } else {
        write!(f, "{e}")
    }
}

impl fmt::Display for Aggregate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}<{}>", self.fun.as_str(), self.var)
    }
}

impl fmt::Display for Arg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Arg::Expr(e) => write!(f, "{e}"),
            Arg::Agg(a) => write!(f, "{a}"),
        }
    }
}

impl fmt::Display for Atom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}(", self.name)?;
        for (i, arg) in self.args.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{arg}")?;
        }
        f.write_str(")")
    }
}

impl fmt::Display for BodyAtom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.negated {
            f.write_str("notin ")?;
        }
        write!(f, "{}", self.atom)?;
        if let Some(t) = self.time {
            write!(f, "@{t}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.left, self.op.as_str(), self.right)
    }
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Atom(a) => write!(f, "{a}"),
            Literal::Cmp(c) => write!(f, "{c}"),
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{} :- ", self.head, self.time)?;
        for (i, lit) in self.body.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{lit}")?;
        }
        f.write_str(";")
    }
}

impl fmt::Display for Fact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{};", self.atom, self.time)
    }
}

impl fmt::Display for Include {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "include \"{}\";", self.path)
    }
}

impl fmt::Display for Clause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Clause::Include(i) => write!(f, "{i}"),
            Clause::Fact(x) => write!(f, "{x}"),
            Clause::Rule(r) => write!(f, "{r}"),
        }
    }
}

impl fmt::Display for Module {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&print_module(self))
    }
}
