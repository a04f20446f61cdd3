//! Constant folding: the integer arithmetic of docs/dedalus.md §8 (checked,
//! truncating toward zero) and the folding of ground expressions, shared by
//! the fact checks, the evaluator (facts and rule terms) and the harness's
//! tuple parser. Each caller words its own errors from [`FoldError`].

use crate::syntax::ast::{BinOp, Expr};

/// Why integer arithmetic failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ArithError {
    /// `/` or `%` by zero.
    DivisionByZero,
    /// The result does not fit in an `i64`.
    Overflow,
}

/// `a op b` on integers, checked (§8).
#[inline]
pub fn int_op(op: BinOp, a: i64, b: i64) -> Result<i64, ArithError> {
    let v = match op {
        BinOp::Add => a.checked_add(b),
        BinOp::Sub => a.checked_sub(b),
        BinOp::Mul => a.checked_mul(b),
        BinOp::Div | BinOp::Rem if b == 0 => return Err(ArithError::DivisionByZero),
        BinOp::Div => a.checked_div(b),
        BinOp::Rem => a.checked_rem(b),
    };
    v.ok_or(ArithError::Overflow)
}

/// A folded ground expression.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Constant<'e> {
    /// An integer.
    Int(i64),
    /// A string (as written).
    Str(&'e str),
}

/// Why an expression does not fold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FoldError<'e> {
    /// It holds a variable or a wildcard (this one).
    NotGround(&'e Expr),
    /// Arithmetic with a string operand (this operation).
    OnString(&'e Expr),
    /// `a op b` failed (in `expr`).
    Arith {
        /// What went wrong.
        error: ArithError,
        /// Left operand.
        a: i64,
        /// The operator.
        op: BinOp,
        /// Right operand.
        b: i64,
        /// The operation.
        expr: &'e Expr,
    },
}

/// Folds `e` to a constant, left operand first.
pub fn fold(e: &Expr) -> Result<Constant<'_>, FoldError<'_>> {
    match e {
        Expr::Int(i, _) => Ok(Constant::Int(*i)),
        Expr::Str(s, _) => Ok(Constant::Str(s)),
        Expr::Var(_) | Expr::Wildcard(_) => Err(FoldError::NotGround(e)),
        Expr::Bin(l, op, r, _) => {
            let (Constant::Int(a), Constant::Int(b)) = (fold(l)?, fold(r)?) else {
                return Err(FoldError::OnString(e));
            };
            int_op(*op, a, b)
                .map(Constant::Int)
                .map_err(|error| FoldError::Arith {
                    error,
                    a,
                    op: *op,
                    b,
                    expr: e,
                })
        }
    }
}
