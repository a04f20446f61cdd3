//! Aggregates (§7, §10) against a direct computation over random facts, and
//! the provenance of aggregate firings (one per group, premises = the group).

use std::collections::{BTreeMap, BTreeSet};

use dedalus::eval::{Evaluator, RunConfig};
use dedalus::load_str;
use dedalus::provenance::Conclusion;
use proptest::collection::vec;
use proptest::prelude::*;

use super::naive::{Row, V};
use super::{config, row};

const PROGRAM: &str = r#"
p(N, V, W)@next :- p(N, V, W);
cnt(N, count<V>) :- p(N, V, _);
tot(N, sum<V>) :- p(N, V, _);
lo(N, min<V>) :- p(N, V, _);
hi(N, max<W>) :- p(N, _, W);
rows(N, count<W>) :- p(N, V, W);
everyone(count<N>) :- p(N, _, _);
kept(N, V, count<W>) :- p(N, V, W), notin dropped(W);
"#;

const EOT: u32 = 3;
/// `"z"` is not a node: rules located there do not fire, aggregates included.
const NAMES: [&str; 4] = ["a", "b", "c", "z"];

fn s(x: &str) -> V {
    V::Str(x.into())
}

/// Whether an aggregate rule's body binding (a `p` row at `t`) belongs to
/// the group `key` of the head `rel`.
fn in_group(rel: &str, key: &[V], p: &Row, dropped: &BTreeSet<i64>) -> bool {
    match rel {
        "everyone" => true,
        "kept" => p[..2] == key[..2] && !matches!(p[2], V::Int(w) if dropped.contains(&w)),
        _ => p[0] == key[0],
    }
}

/// The aggregate tables a direct computation expects from the node-located
/// `p` rows `q` (each `(N, V, W)` with integer V and W).
fn expected(
    q: &BTreeSet<(String, i64, i64)>,
    dropped: &BTreeSet<i64>,
) -> BTreeMap<&'static str, BTreeSet<Row>> {
    let mut out: BTreeMap<&str, BTreeSet<Row>> = BTreeMap::new();
    let nodes: BTreeSet<&String> = q.iter().map(|r| &r.0).collect();
    for n in &nodes {
        let mine = || q.iter().filter(|r| &&r.0 == n);
        let vs: BTreeSet<i64> = mine().map(|r| r.1).collect();
        let ws = mine().map(|r| r.2);
        let mut put = |rel, x: i64| out.entry(rel).or_default().insert(vec![s(n), V::Int(x)]);
        put("cnt", vs.len() as i64);
        put("tot", vs.iter().sum());
        put("lo", *vs.first().unwrap());
        put("hi", ws.max().unwrap());
        put("rows", mine().count() as i64);
        for v in &vs {
            let kept = mine()
                .filter(|r| r.1 == *v && !dropped.contains(&r.2))
                .count();
            if kept > 0 {
                let row = vec![s(n), V::Int(*v), V::Int(kept as i64)];
                out.entry("kept").or_default().insert(row);
            }
        }
    }
    if !nodes.is_empty() {
        out.entry("everyone")
            .or_default()
            .insert(vec![V::Int(nodes.len() as i64)]);
    }
    out
}

/// Evaluates [`PROGRAM`] with the facts `p(N, V, W)@t` and `dropped(W)@t`
/// and compares it with [`expected`], and each aggregate firing with its group.
fn check(ps: &[(usize, i64, i64, u32)], drops: &[(i64, u32)]) -> Result<(), TestCaseError> {
    let mut src = PROGRAM.to_string();
    for &(n, v, w, t) in ps {
        src += &format!("p(\"{}\", {v}, {w})@{t};\n", NAMES[n]);
    }
    for &(w, t) in drops {
        src += &format!("dropped({w})@{t};\n");
    }
    let program = load_str("agg.ded", &src).unwrap_or_else(|e| panic!("{e}"));
    let ev = Evaluator::new(&program, &NAMES[..3]).unwrap();
    let run = ev.run(&RunConfig::new(EOT)).unwrap();
    let prov = run.provenance();
    let mut p: BTreeSet<(String, i64, i64)> = BTreeSet::new();
    for t in 1..=EOT {
        // p at t: its facts, and the node-located rows of t - 1 carried over.
        p.retain(|r| r.0 != "z");
        let facts = ps.iter().filter(|f| f.3 == t);
        p.extend(facts.map(|&(n, v, w, _)| (NAMES[n].to_string(), v, w)));
        let q: BTreeSet<_> = p.iter().filter(|r| r.0 != "z").cloned().collect();
        let dropped: BTreeSet<i64> = drops.iter().filter(|d| d.1 == t).map(|d| d.0).collect();
        let want = expected(&q, &dropped);
        for rel in ["cnt", "tot", "lo", "hi", "rows", "everyone", "kept"] {
            let got: BTreeSet<Row> = run
                .relation_at(rel, t)
                .iter()
                .map(|x| row(&run, x))
                .collect();
            let want = want.get(rel).cloned().unwrap_or_default();
            prop_assert_eq!(got, want, "{}@{}\n{}", rel, t, src);
        }
        // One firing per group, standing for exactly the group's bindings.
        let firings: Vec<_> = prov
            .firings()
            .iter()
            .filter(|f| f.time == t && prov.binding(f).is_empty())
            .collect();
        prop_assert_eq!(
            firings.len(),
            want.values().map(BTreeSet::len).sum::<usize>()
        );
        for f in firings {
            let Conclusion::Tuple(id) = f.conclusion else {
                panic!("deductive heads only")
            };
            let head = run.tuple(id);
            prop_assert_eq!(head.time, t);
            let (rel, key) = (
                &program.relations()[head.rel as usize].name,
                row(&run, head.values),
            );
            let mut premises = BTreeSet::new();
            for &x in prov.firing_premises(f) {
                let x = run.tuple(x);
                prop_assert_eq!(
                    (&program.relations()[x.rel as usize].name[..], x.time),
                    ("p", t)
                );
                premises.insert(row(&run, x.values));
            }
            let group: BTreeSet<Row> = q
                .iter()
                .map(|(n, v, w)| vec![s(n), V::Int(*v), V::Int(*w)])
                .filter(|r| in_group(rel, &key, r, &dropped))
                .collect();
            prop_assert_eq!(premises, group, "{}\n{}", run.show_tuple(id), src);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(200))]

    #[test]
    fn aggregates_match_a_direct_computation(
        ps in vec((0..4usize, 0..4i64, 0..3i64, 1..=EOT), 0..12),
        drops in vec((0..3i64, 1..=EOT), 0..3),
    ) {
        check(&ps, &drops)?;
    }
}
