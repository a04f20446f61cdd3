//! Stratification within a timestep: deductive rules may not recurse through
//! `notin` or an aggregate (docs/dedalus.md §3). `@next` and `@async` rules
//! move forward in time, so they add no dependency.
//!
//! The dependency graph has an edge head → body relation per body atom of a
//! deductive rule, strict for `notin` and for every body atom of a rule with
//! an aggregate head. A strongly connected component holding a strict edge is
//! an error; otherwise a relation's stratum is the largest number of strict
//! edges on a path from it (the lowest stratum that respects every edge).

use crate::diagnostic::Diagnostic;
use crate::program::Relation;
use crate::syntax::ast::{Arg, HeadTime, Literal, Rule, Span};

/// Why an edge is strict.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Strict {
    Negation,
    Aggregation,
}

struct Edge {
    to: usize,
    strict: Option<Strict>,
    /// The body literal the dependency comes from.
    span: Span,
}

/// Sets every relation's stratum and returns the number of strata, or
/// reports each recursion through negation or aggregation (one per cycle).
pub(super) fn stratify(
    relations: &mut [Relation],
    rules: &[Rule],
    errors: &mut Vec<Diagnostic>,
) -> u32 {
    let index = |name: &str| {
        relations
            .binary_search_by(|r| r.name.as_str().cmp(name))
            .ok()
    };
    let mut edges: Vec<Vec<Edge>> = (0..relations.len()).map(|_| Vec::new()).collect();
    // Edges in rule order, so the first reported edge is the first written.
    let mut order: Vec<(usize, usize)> = Vec::new();
    for rule in rules.iter().filter(|r| r.time == HeadTime::Now) {
        let Some(head) = index(&rule.head.name.name) else {
            continue;
        };
        let aggregated = rule.head.args.iter().any(|a| matches!(a, Arg::Agg(_)));
        for lit in &rule.body {
            let Literal::Atom(atom) = lit else { continue };
            let Some(to) = index(&atom.atom.name.name) else {
                continue;
            };
            let strict = if atom.negated {
                Some(Strict::Negation)
            } else if aggregated {
                Some(Strict::Aggregation)
            } else {
                None
            };
            order.push((head, edges[head].len()));
            edges[head].push(Edge {
                to,
                strict,
                span: atom.span,
            });
        }
    }

    let component = tarjan(&edges);
    let mut reported = vec![false; relations.len()];
    let before = errors.len();
    for (from, i) in order {
        let edge = &edges[from][i];
        let (Some(why), c) = (edge.strict, component[from]) else {
            continue;
        };
        if component[edge.to] != c || reported[c] {
            continue;
        }
        reported[c] = true;
        errors.push(cycle_error(relations, &edges, &component, from, edge, why));
    }
    if errors.len() > before {
        return 1;
    }

    // Components are numbered dependencies first and a component shares one
    // stratum, so one pass over the relations in component order sees every
    // dependency's final stratum before it is needed.
    let mut members: Vec<usize> = (0..relations.len()).collect();
    members.sort_by_key(|&r| component[r]);
    let mut by_component = vec![0u32; relations.len()];
    for &r in &members {
        let c = component[r];
        for e in edges[r].iter().filter(|e| component[e.to] != c) {
            let needed = by_component[component[e.to]] + u32::from(e.strict.is_some());
            by_component[c] = by_component[c].max(needed);
        }
    }
    for (r, rel) in relations.iter_mut().enumerate() {
        rel.stratum = by_component[component[r]];
    }
    relations.iter().map(|r| r.stratum).max().unwrap_or(0) + 1
}

/// The error for a strict edge `from → edge.to` inside one component, naming
/// the cycle it closes.
fn cycle_error(
    relations: &[Relation],
    edges: &[Vec<Edge>],
    component: &[usize],
    from: usize,
    edge: &Edge,
    why: Strict,
) -> Diagnostic {
    let back = path(edges, component, edge.to, from);
    let mut names = vec![
        relations[from].name.as_str(),
        relations[edge.to].name.as_str(),
    ];
    names.extend(back.iter().map(|&(r, _)| relations[r].name.as_str()));
    let cycle = names.join(" -> ");
    let (head, body) = (&relations[from].name, &relations[edge.to].name);
    let (message, label, help) = match why {
        Strict::Negation => (
            format!("recursion through negation within a timestep: {cycle}"),
            format!("`{head}` depends negatively on `{body}` here"),
            "a relation cannot depend on its own negation within a timestep; break the cycle, \
             or read the negated relation at the previous timestep through an `@next` rule",
        ),
        Strict::Aggregation => (
            format!("recursion through aggregation within a timestep: {cycle}"),
            format!("`{head}` aggregates over `{body}` here"),
            "an aggregate needs its complete input; compute it from relations that do not \
             depend on it within the timestep, or carry the result forward with `@next`",
        ),
    };
    let mut d = Diagnostic::error(message, edge.span, label).with_help(help);
    let mut at = edge.to;
    for &(next, span) in &back {
        d = d.with_label(
            span,
            format!(
                "`{}` depends on `{}` here",
                relations[at].name, relations[next].name
            ),
        );
        at = next;
    }
    d
}

/// A shortest path `start → … → goal` inside `start`'s component, as the
/// relations after `start` with the span of the edge reaching each; empty
/// if `start == goal`.
fn path(edges: &[Vec<Edge>], component: &[usize], start: usize, goal: usize) -> Vec<(usize, Span)> {
    let mut came_from: Vec<Option<(usize, Span)>> = vec![None; edges.len()];
    let mut queue = std::collections::VecDeque::from([start]);
    let mut seen = vec![false; edges.len()];
    seen[start] = true;
    while let Some(r) = queue.pop_front() {
        if r == goal {
            break;
        }
        for e in &edges[r] {
            if component[e.to] == component[start] && !seen[e.to] {
                seen[e.to] = true;
                came_from[e.to] = Some((r, e.span));
                queue.push_back(e.to);
            }
        }
    }
    let mut steps = Vec::new();
    let mut at = goal;
    while at != start {
        let Some((prev, span)) = came_from[at] else {
            break;
        };
        steps.push((at, span));
        at = prev;
    }
    steps.reverse();
    steps
}

/// Strongly connected components (Tarjan, iterative so deep dependency
/// chains cannot overflow the stack). Components are numbered in completion
/// order: an edge between components goes to a lower number.
fn tarjan(edges: &[Vec<Edge>]) -> Vec<usize> {
    const UNSEEN: usize = usize::MAX;
    let n = edges.len();
    let mut index = vec![UNSEEN; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut component = vec![UNSEEN; n];
    let (mut next_index, mut next_component) = (0, 0);
    for root in 0..n {
        if index[root] != UNSEEN {
            continue;
        }
        let mut calls = vec![(root, 0usize)];
        index[root] = next_index;
        low[root] = next_index;
        next_index += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&mut (v, ref mut i)) = calls.last_mut() {
            if let Some(e) = edges[v].get(*i) {
                *i += 1;
                let w = e.to;
                if index[w] == UNSEEN {
                    index[w] = next_index;
                    low[w] = next_index;
                    next_index += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    calls.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            calls.pop();
            if let Some(&(u, _)) = calls.last() {
                low[u] = low[u].min(low[v]);
            }
            if low[v] == index[v] {
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    component[w] = next_component;
                    if w == v {
                        break;
                    }
                }
                next_component += 1;
            }
        }
    }
    component
}
