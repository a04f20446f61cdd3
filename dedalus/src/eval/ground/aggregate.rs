//! The values an aggregate group of a grounding may take (docs/dedalus.md
//! §7): over every sub-group that holds all its certain members.

use std::cmp::Ordering;

use crate::syntax::ast::AggFn;
use crate::value::{Interner, Value};

pub(super) enum AggError {
    Runtime(String),
    TooMany,
}

/// The values an aggregate may take over a sub-group that holds every
/// certain member (`(certain, value)` per binding) and is not empty.
pub(super) fn agg_values(
    fun: AggFn,
    members: &[(bool, Value)],
    interner: &Interner,
    limit: usize,
) -> Result<Vec<Value>, AggError> {
    let certain = members.iter().filter(|m| m.0).count();
    match fun {
        AggFn::Count => Ok((certain.max(1)..=members.len())
            .map(|c| Value::Int(c as i64))
            .collect()),
        AggFn::Sum => {
            let int = |v: Value| match v {
                Value::Int(i) => Ok(i),
                Value::Str(_) => Err(AggError::Runtime(format!(
                    "arithmetic on a string: {}",
                    interner.display(v)
                ))),
            };
            // Added wide and checked once per value ([`super::arith::sum`]):
            // whether a run's sum overflows does not depend on term order.
            let mut base = 0i128;
            for m in members.iter().filter(|m| m.0) {
                base += i128::from(int(m.1)?);
            }
            // Sums of sub-groups holding every certain member; `nonempty`
            // leaves out the empty sub-group (no tuple at all).
            let mut all = std::collections::BTreeSet::from([base]);
            let mut nonempty = std::collections::BTreeSet::new();
            if certain > 0 {
                nonempty.insert(base);
            }
            for m in members.iter().filter(|m| !m.0) {
                let x = i128::from(int(m.1)?);
                let more: Vec<i128> = all.iter().map(|s| s + x).collect();
                nonempty.extend(more.iter().copied());
                all.extend(more);
                if all.len() > limit {
                    return Err(AggError::TooMany);
                }
            }
            let sums = nonempty
                .into_iter()
                .map(|s| super::super::arith::int_sum(s).map(Value::Int))
                .collect::<Result<Vec<_>, _>>()
                .map_err(AggError::Runtime)?;
            Ok(sums)
        }
        AggFn::Min | AggFn::Max => {
            let mixed = members.windows(2).any(|w| {
                matches!(
                    (w[0].1, w[1].1),
                    (Value::Int(_), Value::Str(_)) | (Value::Str(_), Value::Int(_))
                )
            });
            if mixed {
                return Err(AggError::Runtime("over integers and strings".into()));
            }
            // Better than `b` for this aggregate.
            let better = |a: Value, b: Value| {
                let o = interner.cmp(a, b);
                if fun == AggFn::Min {
                    o == Ordering::Less
                } else {
                    o == Ordering::Greater
                }
            };
            let bound = members
                .iter()
                .filter(|m| m.0)
                .map(|m| m.1)
                .reduce(|a, b| if better(b, a) { b } else { a });
            let mut values: Vec<Value> = members
                .iter()
                .map(|m| m.1)
                .filter(|&v| bound.is_none_or(|b| !better(b, v)))
                .collect();
            values.sort_by(|a, b| interner.cmp(*a, *b));
            values.dedup();
            Ok(values)
        }
    }
}
