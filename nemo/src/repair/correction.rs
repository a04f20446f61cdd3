//! Corrections ("make `pre` harder", Nemo §3.4.3): `pre` waits for what
//! `post` needs. The remote case acknowledges what establishes `post`'s
//! input back to the node that sends `pre`'s message (the fork); the local
//! case makes the rule establishing `pre`'s input also require what `post`
//! reads on the same node.

use std::collections::BTreeSet;

use dedalus::Program;
use dedalus::eval::Run;
use dedalus::provenance::{FiringId, Origin, TupleId};
use dedalus::syntax::ast::{Arg, Expr, HeadTime, Literal, eq_ignoring_spans};
use dedalus::value::Value;

use super::lineage::*;
use super::syntax::*;
use super::{Candidate, Edit, Evidence, Kind, RepairFamily};

/// The remote correction: acknowledgements back to the fork.
pub struct Correction;

/// The kind of every correction.
pub const KIND: Kind = Kind::new("correction");

impl RepairFamily for Correction {
    fn name(&self) -> &'static str {
        "correction"
    }

    fn rationale(&self) -> &'static str {
        "`pre` was established before what `post` needs was safe: make the node that sends \
         `pre`'s message wait for acknowledgements of it"
    }

    fn propose(&self, e: &Evidence<'_>) -> Result<Vec<Candidate>, String> {
        correction(e.program, e.good, e.failed).map(|c| vec![c])
    }
}

/// The local correction: `pre`'s input also requires `post`'s on its node.
pub struct LocalCorrection;

impl RepairFamily for LocalCorrection {
    fn name(&self) -> &'static str {
        "local correction"
    }

    fn rationale(&self) -> &'static str {
        "what `post` reads is established on the node of `pre`'s input: require it there"
    }

    fn propose(&self, e: &Evidence<'_>) -> Result<Vec<Candidate>, String> {
        local_correction(e.program, e.good, e.failed).map(|c| vec![c])
    }
}

/// Make `pre` harder, local case: the rule establishing what `pre` reads
/// also requires what `post` reads on the same node (see the module docs).
fn local_correction(program: &Program, good: &Run, failed: &Run) -> Result<Candidate, String> {
    let prov = good.provenance();
    let (pre_t, post_t) = spec_tuples(good, failed)?;
    let first = |t: TupleId| -> Vec<FiringId> {
        let tup = good.tuple(t);
        let time = (1..=tup.time)
            .rev()
            .take_while(|&at| good.find(tup.rel, tup.values, at).is_some())
            .last()
            .unwrap_or(tup.time);
        let id = good.find(tup.rel, tup.values, time).expect("holds");
        prov.origins(id)
            .iter()
            .filter_map(|&o| match o {
                Origin::Firing(f) => Some(f),
                _ => None,
            })
            .collect()
    };
    let no = || "what `post` reads is not established on the node of `pre`'s input".to_string();
    let spec_firing = |t: TupleId| first(t).into_iter().next().ok_or_else(no);
    let (fpre, fpost) = (spec_firing(pre_t)?, spec_firing(post_t)?);
    let post_rule = &program.rules()[prov.firing(fpost).rule as usize];
    let pre_premises = prov.firing_premises(prov.firing(fpre));
    let post_premises = prov.firing_premises(prov.firing(fpost));
    // The premise both read (pre's input), and one only post reads.
    let (shared_i, &shared) = post_premises
        .iter()
        .enumerate()
        .find(|(_, t)| pre_premises.contains(t))
        .ok_or_else(no)?;
    let input = first(shared)
        .into_iter()
        .find(|&f| !crate::graph::is_persistence(&program.rules()[prov.firing(f).rule as usize]))
        .ok_or_else(no)?;
    let node = prov.firing(input).location;
    let p_id = prov.firing(input).rule;
    let p_rule = &program.rules()[p_id as usize];
    let shared_atom = body_atom(
        post_rule,
        positive_literal(post_rule, shared_i).ok_or_else(no)?,
    );
    let p_head = exprs(&p_rule.head).ok_or_else(no)?;
    // Post's variables in p's terms, through the shared atom.
    let subst = |e: &Expr| -> Option<Expr> {
        match e {
            Expr::Var(v) => shared_atom
                .atom
                .args
                .iter()
                .position(|a| matches!(a, Arg::Expr(Expr::Var(w)) if w.name == v.name))
                .and_then(|i| p_head.get(i).cloned()),
            Expr::Str(..) | Expr::Int(..) => Some(e.clone()),
            _ => None,
        }
    };
    for (j, &q) in post_premises.iter().enumerate() {
        let tup = good.tuple(q);
        let on_node = matches!(tup.values.first(), Some(&Value::Str(s)) if good.interner().resolve(s) == good.node_name(node));
        if j == shared_i || !on_node || prov.lineage(pre_t).contains(&q) {
            continue;
        }
        let Some(k) = positive_literal(post_rule, j) else {
            continue;
        };
        let extra = body_atom(post_rule, k);
        let Some(args) =
            exprs(&extra.atom).and_then(|a| a.iter().map(subst).collect::<Option<Vec<_>>>())
        else {
            continue;
        };
        let name = extra.atom.name.name.clone();
        // p waits: it reads a buffered copy of its one-time message premise.
        let mut new_p = p_rule.clone();
        let mut edits = Vec::new();
        let premises = prov.firing_premises(prov.firing(input));
        if let Some(i) = premises.iter().position(|&t| {
            let m = good.tuple(t);
            good.find(m.rel, m.values, m.time + 1).is_none()
        }) && let Some(mk) = positive_literal(p_rule, i)
        {
            let msg = body_atom(p_rule, mk);
            let mut rels = relation_names(program);
            let held = fresh(&format!("{}_buffered", msg.atom.name.name), &mut rels);
            let mut taken = names(p_rule);
            let margs: Vec<Expr> = exprs(&msg.atom)
                .ok_or_else(no)?
                .into_iter()
                .map(|e| match e {
                    Expr::Wildcard(_) => var(&fresh("X", &mut taken)),
                    e => e,
                })
                .collect();
            new_p = reading(p_rule, mk, &held);
            edits.push(Edit::Insert {
                after: p_id,
                rule: rule(
                    atom(&held, margs.clone()),
                    HeadTime::Now,
                    vec![positive(atom(&msg.atom.name.name, margs.clone()))],
                ),
            });
            edits.push(Edit::Insert {
                after: p_id,
                rule: persistence(&held, &margs),
            });
        }
        new_p.body.push(positive(atom(&name, args)));
        edits.insert(
            0,
            Edit::Replace {
                rule: p_id,
                with: new_p,
            },
        );
        return Ok(Candidate {
            kind: KIND,
            summary: format!(
                "make `pre` harder: `{}` on {} also requires `{name}`, which `post` reads there",
                p_rule.head.name.name,
                good.node_name(node)
            ),
            edits,
            caveat: None,
        });
    }
    Err(no())
}

/// Make `pre` harder: see the module docs.
fn correction(program: &Program, good: &Run, failed: &Run) -> Result<Candidate, String> {
    let prov = good.provenance();
    let (pre_t, post_t) = spec_tuples(good, failed)?;
    let pre_lineage = prov.lineage(pre_t);
    let post_lineage = prov.lineage(post_t);
    let pre_msgs = messages_of(good, &pre_lineage);
    let post_msgs = messages_of(good, &post_lineage);
    // The fork: one node's event sends both pre's message and post's.
    let mut fork = None;
    'search: for &(_, fp) in &pre_msgs {
        let p = prov.firing(fp);
        for &(mc, fc) in &post_msgs {
            let c = prov.firing(fc);
            if c.location != p.location || c.rule == p.rule || prov.message(mc).to == c.location {
                continue;
            }
            let cp = prov.firing_premises(c);
            if let Some((i, &t)) = prov
                .firing_premises(p)
                .iter()
                .enumerate()
                .find(|(_, t)| cp.contains(t))
            {
                let j = cp.iter().position(|&x| x == t).expect("shared");
                fork = Some((fp, i, mc, fc, j));
                break 'search;
            }
        }
    }
    let (fp, i_fork, mc, fc, i_fan) = fork.ok_or(
        "no node sends both the message on `pre`'s path and a message that establishes what \
         `post` reads (the correction needs such a fork)",
    )?;
    let fork_node = good.node_name(prov.firing(fp).location).to_string();
    let delivered = prov
        .message(mc)
        .delivered
        .ok_or("the message establishing `post` was not delivered in the good run")?;
    // E: the firing on post's path that consumed that message.
    let mut consumer = None;
    for &t in &post_lineage {
        for &o in prov.origins(t) {
            if let Origin::Firing(f) = o
                && let Some(i) = prov
                    .firing_premises(prov.firing(f))
                    .iter()
                    .position(|&p| p == delivered)
            {
                consumer = Some((f, i));
            }
        }
    }
    let (fe, i_e) = consumer.ok_or("nothing on `post`'s path reads the fork's message")?;
    let fork_rule = &program.rules()[prov.firing(fp).rule as usize];
    let fan_rule = &program.rules()[prov.firing(fc).rule as usize];
    let e_id = prov.firing(fe).rule;
    let e_rule = &program.rules()[e_id as usize];
    let fork_k = positive_literal(fork_rule, i_fork).ok_or("premise without a literal")?;
    let fan_k = positive_literal(fan_rule, i_fan).ok_or("premise without a literal")?;
    let e_k = positive_literal(e_rule, i_e).ok_or("premise without a literal")?;
    let (fork_trig, fan_trig, e_msg) = (
        body_atom(fork_rule, fork_k),
        body_atom(fan_rule, fan_k),
        body_atom(e_rule, e_k),
    );
    if fork_trig.time.is_some() || fan_trig.time.is_some() {
        return Err("the fork's trigger is read at an absolute time".into());
    }
    // Which argument of the message names the fork (the node to acknowledge).
    let values = prov.message_values(prov.message(mc));
    let k = (1..values.len())
        .find(|&k| matches!(values[k], Value::Str(s) if good.interner().resolve(s) == fork_node))
        .ok_or_else(|| {
            format!(
                "the message from {fork_node} does not carry its sender's name, so its \
                 receiver cannot acknowledge it"
            )
        })?;
    let mut rels = relation_names(program);
    let trig = fork_trig.atom.name.name.clone();
    // held(args) :- trigger(args);  held(args)@next :- held(args);
    let Held {
        name: held,
        rules: [held_rule, held_persist],
    } = super::syntax::held(&fork_trig.atom, fork_rule, &mut rels).ok_or("aggregate in a body")?;
    let base = e_rule.head.name.name.clone();
    let ack = fresh(&format!("{base}_ack"), &mut rels);
    let unacked = fresh(&format!("{base}_unacked"), &mut rels);

    // ack(Src, head...)@async :- E's body, the message naming its sender Src.
    let e_head = exprs(&e_rule.head).ok_or("the rule establishing `post`'s input aggregates")?;
    let mut e_names = names(e_rule);
    let mut ack_rule_body = e_rule.body.clone();
    let src = match &e_msg.atom.args[k] {
        Arg::Expr(Expr::Var(v)) => var(&v.name),
        Arg::Expr(Expr::Wildcard(_)) => {
            let s = var(&fresh("Src", &mut e_names));
            if let Literal::Atom(a) = &mut ack_rule_body[e_k] {
                a.atom.args[k] = Arg::Expr(s.clone());
            }
            s
        }
        _ => return Err("the sender's name is not a variable in the receiving rule".into()),
    };
    let mut ack_head = vec![src.clone()];
    ack_head.extend(e_head.iter().cloned());
    let ack_rule = rule(
        atom(&ack, ack_head.clone()),
        HeadTime::Async,
        ack_rule_body.clone(),
    );
    let distinct: BTreeSet<String> = ack_head
        .iter()
        .filter_map(|e| match e {
            Expr::Var(v) => Some(v.name.clone()),
            _ => None,
        })
        .collect();
    let persist_args: Vec<Expr> = if distinct.len() == ack_head.len() {
        ack_head.clone()
    } else {
        (1..=ack_head.len())
            .map(|i| var(&format!("X{i}")))
            .collect()
    };
    let ack_persist = persistence(&ack, &persist_args);

    // The acknowledgement expected for each message the fan-out rule sends,
    // written in the fan-out rule's variables.
    let fan_head = exprs(&fan_rule.head).ok_or("aggregate in the fan-out head")?;
    let fan_loc = match fan_rule.body.first() {
        Some(Literal::Atom(a)) => match a.atom.args.first() {
            Some(Arg::Expr(e)) => e.clone(),
            _ => return Err("the fan-out rule has no location".into()),
        },
        _ => return Err("the fan-out rule has no location".into()),
    };
    let msg_args = exprs(&e_msg.atom).ok_or("aggregate in a body")?;
    let translate = |e: &Expr| -> Option<Expr> {
        if eq_ignoring_spans(e, &src) {
            return Some(fan_loc.clone());
        }
        match e {
            Expr::Var(v) => {
                let p = msg_args
                    .iter()
                    .position(|a| matches!(a, Expr::Var(w) if w.name == v.name))?;
                fan_head.get(p).cloned()
            }
            Expr::Str(..) | Expr::Int(..) => Some(e.clone()),
            _ => None,
        }
    };
    let expected: Vec<Expr> = ack_head
        .iter()
        .map(translate)
        .collect::<Option<_>>()
        .ok_or("the acknowledgement cannot be written in the sender's variables")?;
    // The keys that tie the fork's pending event to the missing acks: the
    // trigger's positions that both rules name by a variable.
    let mut keys: Vec<(Expr, Expr)> = Vec::new();
    for (a, b) in fork_trig.atom.args.iter().zip(&fan_trig.atom.args) {
        if let (Arg::Expr(f @ Expr::Var(_)), Arg::Expr(g @ Expr::Var(_))) = (a, b)
            && !keys.iter().any(|(_, h)| eq_ignoring_spans(h, g))
        {
            keys.push((f.clone(), g.clone()));
        }
    }
    let mut unacked_body = reading(fan_rule, fan_k, &held).body;
    unacked_body.push(negated(atom(&ack, expected)));
    let unacked_rule = rule(
        atom(&unacked, keys.iter().map(|(_, g)| g.clone()).collect()),
        HeadTime::Now,
        unacked_body,
    );
    let mut new_fork = reading(fork_rule, fork_k, &held);
    new_fork.body.push(negated(atom(
        &unacked,
        keys.iter().map(|(f, _)| f.clone()).collect(),
    )));

    let fork_id = prov.firing(fp).rule;
    let pre_msg = program.rules()[fork_id as usize].head.name.name.clone();
    Ok(Candidate {
        kind: KIND,
        summary: format!(
            "make `pre` harder: {fork_node} sends `{pre_msg}` only once every node it sent \
             `{}` has acknowledged `{base}` (`{ack}`), remembering its `{trig}` until then",
            fan_rule.head.name.name
        ),
        edits: vec![
            Edit::Replace {
                rule: fork_id,
                with: new_fork,
            },
            Edit::Insert {
                after: fork_id,
                rule: held_rule,
            },
            Edit::Insert {
                after: fork_id,
                rule: held_persist,
            },
            Edit::Insert {
                after: fork_id,
                rule: unacked_rule,
            },
            Edit::Insert {
                after: e_id,
                rule: ack_rule,
            },
            Edit::Insert {
                after: e_id,
                rule: ack_persist,
            },
        ],
        caveat: None,
    })
}
