//! Suspects: the rules most likely to hold the bug, most likely first, each
//! with its text and one line of why. They are read off the queries'
//! answers ([`Debugging`]) and the runs, positive and negative edges alike:
//!
//! 1. a relation without persistence whose tuple `post` needed held in the
//!    failed run and was gone the step after (received state without
//!    `@next`);
//! 2. the rules that established what `pre` reads in the failed run (a
//!    premature success: the rule fired too early, or on a branch it should
//!    not take), then the rules behind those;
//! 3. the rules on the differential frontier that did not fire (a race: the
//!    rule that consumed the early message), then the rules of the events
//!    that never happened (DiffC, SkelDiffC, and the whole run's frontier,
//!    which names what a `notin` hid).
//!
//! The specification's own rules (`pre`, `post`) are never suspects.

use std::collections::BTreeSet;

use dedalus::eval::Run;
use dedalus::provenance::Origin;
use dedalus::syntax::ast::HeadTime;
use serde::Serialize;

use crate::graph::{Vertex, is_persistence};
use crate::queries::{Debugging, establishing};

/// A rule that may hold the bug.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Suspect {
    /// Where the rule is, `file:line:col`.
    pub rule: String,
    /// The rule's text.
    pub text: String,
    /// Why it is suspect, in one line.
    pub why: String,
}

/// At most this many suspects are named.
pub const MAX_SUSPECTS: usize = 8;

/// The suspects of `failed`, compared with `good` (the closest good run) by
/// the queries' answers `d`; most likely first.
pub fn suspects(failed: &Run, good: &Run, d: &Debugging) -> Vec<Suspect> {
    let program = failed.program();
    let rules = program.rules();
    let by_location = |loc: &str| (0..rules.len() as u32).find(|&r| failed.rule_location(r) == loc);
    let mut out: Vec<Suspect> = Vec::new();
    let mut add = |rule: u32, why: String| {
        let r = &rules[rule as usize];
        let loc = failed.rule_location(rule);
        if matches!(r.head.name.name.as_str(), "pre" | "post")
            || is_persistence(r)
            || out.iter().any(|s| s.rule == loc)
        {
            return;
        }
        out.push(Suspect {
            rule: loc,
            text: r.to_string(),
            why,
        });
    };

    // 1. Received state that vanished.
    let persisted: BTreeSet<&str> = rules
        .iter()
        .filter(|r| is_persistence(r))
        .map(|r| r.head.name.name.as_str())
        .collect();
    if let Some(post) = d.post_triggers.first() {
        let gprov = good.provenance();
        if let Some(rel) = good.program().relation("post")
            && let Some(row) = good.rows(rel, good.eot()).find(|t| {
                t.values
                    .iter()
                    .map(|&v| crate::graph::Const::of(good.interner(), v))
                    .eq(post.args.iter().cloned())
            })
        {
            for t in gprov.lineage(row.id) {
                let tup = good.tuple(t);
                let name = &good.program().relations()[tup.rel as usize].name;
                if persisted.contains(name.as_str()) {
                    continue;
                }
                for &o in gprov.origins(t) {
                    let Origin::Firing(f) = o else { continue };
                    let rule = gprov.firing(f).rule;
                    if rules[rule as usize].time != HeadTime::Now
                        || is_persistence(&rules[rule as usize])
                    {
                        continue;
                    }
                    if let Some(at) = vanished_at(good, tup.rel, tup.values, failed) {
                        add(
                            rule,
                            format!(
                                "`{name}` has no persistence rule: {} held at t={at} in the \
                                 failed run and was gone at t={}, before `post` could use it",
                                good.show_atom(tup.rel, tup.values),
                                at + 1
                            ),
                        );
                    }
                }
            }
        }
    }

    // 1b. Through `notin`: what blocked `post` in the failed run (a tuple
    // its rules negate that holds there), what vanished on its way, and
    // which rule established it.
    let fprov = failed.provenance();
    let mut blockers = Vec::new();
    for rule in rules.iter().filter(|r| r.head.name.name == "post") {
        for l in &rule.body {
            if let dedalus::syntax::ast::Literal::Atom(b) = l
                && b.negated
                && b.atom.name.name != dedalus::program::CRASH
                && let Some(rel) = program.relation(&b.atom.name.name)
            {
                blockers.extend(failed.rows(rel, failed.eot()).map(|t| t.id));
            }
        }
    }
    for &b in &blockers {
        for t in fprov.lineage(b) {
            let tup = failed.tuple(t);
            let name = &program.relations()[tup.rel as usize].name;
            if persisted.contains(name.as_str()) {
                continue;
            }
            for &o in fprov.origins(t) {
                let Origin::Firing(f) = o else { continue };
                let rule = fprov.firing(f).rule;
                let r = &rules[rule as usize];
                if r.time != HeadTime::Now || is_persistence(r) {
                    continue;
                }
                if let Some(at) = vanished_at(failed, tup.rel, tup.values, failed) {
                    add(
                        rule,
                        format!(
                            "`{name}` has no persistence rule: {} held at t={at} in the failed \
                             run and was gone at t={}, which let `{}` block `post`",
                            failed.show_atom(tup.rel, tup.values),
                            at + 1,
                            failed.show_tuple(b)
                        ),
                    );
                }
            }
        }
    }
    for &b in &blockers {
        for f in establishing(failed, b).1 {
            add(
                fprov.firing(f).rule,
                format!(
                    "established `{}`, which blocked `post` through `notin`",
                    failed.show_tuple(b)
                ),
            );
        }
    }

    // 2. What established `pre`'s input, then what established that.
    let mut behind = Vec::new();
    for t in &d.pre_triggers {
        for loc in &t.via {
            if let Some(rule) = by_location(loc) {
                add(
                    rule,
                    format!(
                        "established what `pre` reads (pre holds from t={} in the failed run) \
                         although `post` never followed: it may fire too early or on the \
                         wrong branch",
                        t.time
                    ),
                );
                behind.push(rule);
            }
        }
    }
    for f in fprov.firings() {
        if !behind.contains(&f.rule) {
            continue;
        }
        for &p in fprov.firing_premises(f) {
            for g in establishing(failed, p).1 {
                let rule = fprov.firing(g).rule;
                add(
                    rule,
                    format!(
                        "established `{}`, which a rule establishing `pre`'s input read",
                        failed.show_tuple(p)
                    ),
                );
            }
        }
    }

    // 3. The frontiers: rules that did not fire first, then events.
    let frontiers = [&d.diff, &d.skeleton, &d.missing];
    for fs in frontiers {
        for f in fs.iter() {
            if let Vertex::Firing(v) = &f.vertex
                && let Some(rule) = by_location(&v.location)
            {
                add(rule, format!("did not fire in the failed run: {}", f.why));
            }
        }
    }
    for fs in frontiers {
        for f in fs.iter() {
            if matches!(f.vertex, Vertex::Goal(_)) {
                for loc in &f.rules {
                    if let Some(rule) = by_location(loc) {
                        add(rule, format!("`{}` {}", f.event, f.why));
                    }
                }
            }
        }
    }
    out.truncate(MAX_SUSPECTS);
    out
}

/// The first time `rel(values)` of run `a` held in run `b` before EOT
/// while not holding at the next step; `None` if it never vanished.
pub(crate) fn vanished_at(
    a: &Run,
    rel: dedalus::RelId,
    values: &[dedalus::value::Value],
    b: &Run,
) -> Option<u32> {
    let r = b
        .program()
        .relation(&a.program().relations()[rel as usize].name)?;
    let shown: Vec<String> = values.iter().map(|&v| a.show_value(v)).collect();
    let at = |t| {
        b.rows(r, t).any(|row| {
            row.values
                .iter()
                .map(|&v| b.show_value(v))
                .eq(shown.iter().cloned())
        })
    };
    (1..b.eot()).find(|&t| at(t) && !at(t + 1))
}
