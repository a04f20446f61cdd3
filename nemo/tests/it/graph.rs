//! Graphs of runs and the algebra's laws.

use nemo::graph::{Firing, Goal};
use nemo::{Const, Graph, Key, RuleKind, Vertex, VertexId};
use proptest::prelude::*;

use crate::fixtures::{good_and_failed, program};

fn goal_key(rel: &str, args: &[&str]) -> Key {
    Key::Goal {
        rel: rel.into(),
        args: args.iter().map(|a| Const::Str((*a).into())).collect(),
    }
}

#[test]
fn a_run_graph_has_typed_vertices_and_rule_locations() {
    let program = program();
    let (good, _) = good_and_failed(&program);
    let post = Graph::of_relation(&good, "post");
    let root = VertexId {
        key: goal_key("post", &["v1"]),
        time: Some(6),
    };
    assert!(post.contains(&root));
    assert_eq!(post.roots().len(), 1);
    // post rests on the firing of the post rule once per replica.
    let firings = post.children(&root);
    assert_eq!(firings.len(), 2);
    for f in firings {
        let Vertex::Firing(f) = f else {
            panic!("{f:?}")
        };
        assert!(
            f.location.ends_with("async_primary_backup.ded:47:1"),
            "{}",
            f.location
        );
        assert_eq!(f.kind, RuleKind::Deductive);
        assert!(f.binding.iter().any(|(n, _)| n == "N"));
    }
    // The replicas' log arrived as messages from the primary, at t=3.
    let replicated = VertexId {
        key: goal_key("replicate", &["r1", "primary", "v1"]),
        time: Some(3),
    };
    let Some(Vertex::Goal(g)) = post.vertex(&replicated) else {
        panic!("no {replicated:?}")
    };
    assert_eq!(g.from.as_deref(), Some("primary"));
    assert_eq!(g.node.as_deref(), Some("r1"));
    // Leaves are base facts.
    for leaf in post.leaves() {
        assert!(
            matches!(leaf, Vertex::Goal(g) if ["replica", "put", "server"].contains(&g.rel.as_str())),
            "{leaf}"
        );
    }
    assert!(post.to_dot().starts_with("digraph provenance {"));
}

#[test]
fn normalize_collapses_persistence_chains_and_hides_time() {
    let program = program();
    let (good, _) = good_and_failed(&program);
    let post = Graph::of_relation(&good, "post");
    let norm = post.normalize();
    assert!(
        norm.vertices()
            .all(|v| v.time().is_none() && !v.is_persistence())
    );
    // log(r1, v1) held at 3, 4, 5, 6: one vertex now.
    let log = VertexId {
        key: goal_key("log", &["r1", "v1"]),
        time: None,
    };
    assert!(norm.contains(&log));
    assert!(post.len() > norm.len());
    assert_eq!(norm.normalize(), norm);
    // The same event matches across runs whatever the times.
    let (_, failed) = good_and_failed(&program);
    let whole = Graph::of_run(&failed).normalize();
    assert!(whole.contains(&VertexId {
        key: goal_key("log", &["primary", "v1"]),
        time: None
    }));
    assert!(!whole.contains(&log));
}

#[test]
fn reachable_and_prop_select_subgraphs() {
    let program = program();
    let (good, _) = good_and_failed(&program);
    let pre = Graph::of_relation(&good, "pre");
    let roots: Vec<VertexId> = pre.roots().into_iter().map(Vertex::id).collect();
    assert_eq!(pre.reachable(&roots), pre);
    let goals = pre.prop(|v| matches!(v, Vertex::Goal(_)));
    assert!(goals.vertices().all(|v| matches!(v, Vertex::Goal(_))));
    assert!(goals.edges().is_empty());
}

// ---- laws over generated graphs ----

fn vertex() -> impl Strategy<Value = Vertex> {
    prop_oneof![
        (0..3usize, 0..3i64, 1..4u32).prop_map(|(r, a, t)| Vertex::Goal(Goal {
            rel: ["a", "b", "c"][r].into(),
            args: vec![Const::Int(a)],
            node: None,
            time: Some(t),
            from: None,
        })),
        (0..3u32, 0..2i64, 1..4u32, any::<bool>()).prop_map(|(rule, b, t, persistence)| {
            Vertex::Firing(Firing {
                rule,
                location: format!("p.ded:{}:1", rule + 1),
                kind: if persistence {
                    RuleKind::Next
                } else {
                    RuleKind::Deductive
                },
                // Persistence is a property of the rule: rule 0 is one.
                persistence: rule == 0,
                binding: vec![("X".into(), Const::Int(b))],
                node: "a".into(),
                time: Some(t),
            })
        }),
    ]
}

fn graph() -> impl Strategy<Value = Graph> {
    (
        prop::collection::vec(vertex(), 0..12),
        prop::collection::vec((0..12usize, 0..12usize), 0..20),
    )
        .prop_map(|(vs, es)| {
            let mut g = Graph::new();
            let ids: Vec<VertexId> = vs.into_iter().map(|v| g.add_vertex(v)).collect();
            for (a, b) in es {
                if a < ids.len() && b < ids.len() {
                    g.add_edge(&ids[a], &ids[b]);
                }
            }
            g
        })
}

proptest! {
    #[test]
    fn normalize_is_idempotent(g in graph()) {
        let n = g.normalize();
        prop_assert_eq!(n.normalize(), n.clone());
        prop_assert!(n.vertices().all(|v| v.time().is_none() && !v.is_persistence()));
    }

    #[test]
    fn difference_and_intersection_partition(a in graph(), b in graph()) {
        let diff = a.difference(&b);
        let both = a.intersection(&b);
        prop_assert!(diff.ids().is_disjoint(&b.ids()));
        let joined: std::collections::BTreeSet<VertexId> = diff.ids().union(&both.ids()).cloned().collect();
        prop_assert_eq!(joined, a.ids());
        prop_assert_eq!(a.intersection(&b), b.intersection(&a));
        prop_assert!(a.difference(&a).is_empty());
        prop_assert_eq!(a.intersection(&a), a.clone());
        prop_assert_eq!(a.union(&a), a.clone());
        prop_assert_eq!(a.difference(&Graph::new()), a.clone());
        prop_assert_eq!(a.union(&b).ids(), a.ids().union(&b.ids()).cloned().collect());
        prop_assert_eq!(a.difference(&a.difference(&b)).ids(), both.ids());
    }

    #[test]
    fn leaves_roots_reachable_prop(g in graph()) {
        let edges = g.edges();
        for l in g.leaves() {
            prop_assert!(!edges.iter().any(|(x, _)| *x == l.id()));
        }
        for r in g.roots() {
            prop_assert!(!edges.iter().any(|(_, y)| *y == r.id()));
        }
        let all: Vec<VertexId> = g.ids().into_iter().collect();
        prop_assert_eq!(g.reachable(&all), g.clone());
        prop_assert_eq!(g.prop(|_| true), g.clone());
        prop_assert!(g.prop(|_| false).is_empty());
    }
}
