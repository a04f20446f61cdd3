//! Arithmetic on run values (docs/dedalus.md §8), with the runtime errors
//! that name what failed: integer operations from [`crate::constant`],
//! lifted to [`Value`]s. Shared by compilation (facts) and evaluation.

use crate::constant::{ArithError, Constant, FoldError, int_op};
use crate::syntax::ast::{BinOp, Expr};
use crate::value::{Interner, Value};

/// The message of a failed `a op b`.
fn arith_message(error: ArithError, a: i64, op: BinOp, b: i64) -> String {
    match error {
        ArithError::DivisionByZero => format!("division by zero: {a} {} 0", op.as_str()),
        _ => format!("integer overflow: {a} {} {b}", op.as_str()),
    }
}

/// Integer arithmetic with the errors of §8 (strings, division by zero, overflow).
#[inline]
pub(crate) fn arith(op: BinOp, l: Value, r: Value, interner: &Interner) -> Result<Value, String> {
    let (Value::Int(a), Value::Int(b)) = (l, r) else {
        return Err(format!(
            "arithmetic on a string: {} {} {}",
            interner.display(l),
            op.as_str(),
            interner.display(r)
        ));
    };
    int_op(op, a, b)
        .map(Value::Int)
        .map_err(|e| arith_message(e, a, op, b))
}

/// The sum of `values` (§7's `sum<>`), or the error of §8: added in a
/// wider integer and checked once, so that whether a sum overflows does
/// not depend on the order of its terms (which depends on the order of
/// facts and on the faults of a run).
pub(crate) fn sum(
    values: impl IntoIterator<Item = Value>,
    interner: &Interner,
) -> Result<Value, String> {
    let mut total = 0i128;
    for v in values {
        match v {
            Value::Int(i) => total += i128::from(i),
            Value::Str(_) => {
                return Err(format!("arithmetic on a string: {}", interner.display(v)));
            }
        }
    }
    int_sum(total).map(Value::Int)
}

/// A sum computed wide ([`sum`]) as a 64-bit integer, or the overflow error.
pub(crate) fn int_sum(total: i128) -> Result<i64, String> {
    i64::try_from(total)
        .map_err(|_| format!("integer overflow: the sum {total} is beyond 64-bit integers"))
}

/// Folds a constant expression (facts), `None` if it has variables.
pub(crate) fn constant(e: &Expr, interner: &mut Interner) -> Option<Result<Value, String>> {
    Some(match crate::constant::fold(e) {
        Ok(Constant::Int(i)) => Ok(Value::Int(i)),
        Ok(Constant::Str(s)) => Ok(Value::Str(interner.intern(s))),
        Err(FoldError::NotGround(_)) => return None,
        Err(FoldError::OnString(_)) => Err("arithmetic on a string".into()),
        Err(FoldError::Arith {
            error, a, op, b, ..
        }) => Err(arith_message(error, a, op, b)),
    })
}
