//! The runaway budget of a run (docs/dedalus.md §8, [`Limits`]): what a
//! tuple and a firing are estimated to cost, and the charge of one rule
//! evaluation against the room left per timestep and per run.

use crate::program::RelId;
use crate::provenance::Time;
use crate::value::Value;

use super::compile::Rule;
use super::{EvalError, Limits, Shared};

/// Estimated bytes a tuple of `arity` columns holds (row, index entries,
/// tuple reference, provenance origin).
pub(super) fn tuple_bytes(arity: usize) -> usize {
    arity * std::mem::size_of::<Value>() + 48
}

/// Estimated bytes of one firing record (binding, premises, negated atoms).
pub(super) fn firing_bytes(vars: usize, premises: usize, absent: usize) -> usize {
    vars * std::mem::size_of::<Value>() + premises * 4 + absent * 32 + 48
}

/// The error of a run that passed its budget while `rule` (if any) was
/// being evaluated.
pub(super) fn runaway(
    sh: &Shared,
    rule: Option<crate::RuleId>,
    rel: RelId,
    time: Time,
    limit: usize,
    what: &'static str,
) -> EvalError {
    EvalError::Runaway {
        relation: sh.program.relations()[rel as usize].name.clone(),
        time,
        limit,
        what,
        rule: rule.map_or_else(String::new, |r| {
            format!(
                " in rule `{}` ({})",
                sh.program.rules()[r as usize],
                sh.rule_location(r)
            )
        }),
    }
}

/// The byte budget left to one rule evaluation (see [`Limits`]).
pub(super) struct Budget {
    pub spent: usize,
    pub step_room: usize,
    pub run_room: usize,
    pub limits: Limits,
}

impl Budget {
    /// Charges `bytes` to `rule` at `t`, or fails with [`EvalError::Runaway`].
    #[inline]
    pub fn spend(
        &mut self,
        sh: &Shared,
        rule: &Rule,
        t: Time,
        bytes: usize,
    ) -> Result<(), EvalError> {
        self.spent += bytes;
        let over = if self.spent > self.step_room {
            Some((self.limits.step_bytes, "bytes per timestep"))
        } else if self.spent > self.run_room {
            Some((self.limits.run_bytes, "bytes per run"))
        } else {
            None
        };
        match over {
            Some((limit, what)) => Err(runaway(sh, Some(rule.id), rule.head_rel, t, limit, what)),
            None => Ok(()),
        }
    }
}
