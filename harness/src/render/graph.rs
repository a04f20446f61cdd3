//! Provenance graphs as inline SVG, laid out in layers (no Graphviz):
//! what was derived on top, what it rests on below, every vertex one layer
//! below its lowest parent; within a layer, vertices ordered by the mean
//! position of their neighbours (a few barycentre sweeps, ties by input
//! order, so the layout is deterministic). Also the same graph as DOT.

use std::fmt::Write as _;

use super::model::{GraphView, Highlight, VertexKind};
use crate::report::markup::{clip, dot as dot_str, xml};

const CHAR_W: f64 = 6.6;
const BOX_H: f64 = 26.0;
const GAP_X: f64 = 16.0;
const GAP_Y: f64 = 58.0;
const MARGIN: f64 = 14.0;
const LABEL_MAX: usize = 46;

/// The most vertices a drawing keeps (the DOT file keeps them all).
pub const MAX_DRAWN: usize = 80;

/// The most vertices on one row of a drawing.
const MAX_PER_ROW: usize = 7;

/// `g` cut down to at most `limit` vertices for drawing: the marked ones,
/// their ancestors and their premises, then breadth-first from the roots. Returns the cut graph and how many
/// vertices were left out.
pub fn drawn(g: &GraphView, limit: usize) -> (GraphView, usize) {
    let n = g.vertices.len();
    if n <= limit {
        return (g.clone(), 0);
    }
    let mut keep = vec![false; n];
    let mut kept = 0;
    for (i, v) in g.vertices.iter().enumerate() {
        if v.highlight != Highlight::None {
            keep[i] = true;
            kept += 1;
        }
    }
    let mut has_parent = vec![false; n];
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut parents: Vec<Vec<usize>> = vec![Vec::new(); n];
    for &(a, b) in &g.edges {
        if a < n && b < n {
            has_parent[b] = true;
            children[a].push(b);
            parents[b].push(a);
        }
    }
    // What leads from the roots to a marked vertex, and what it rests on
    // directly: the part of the graph the difference is about.
    let marked: Vec<usize> = (0..n).filter(|&v| keep[v]).collect();
    let mut stack = marked.clone();
    while let Some(v) = stack.pop() {
        for &p in &parents[v] {
            if !keep[p] && kept < limit {
                keep[p] = true;
                kept += 1;
                stack.push(p);
            }
        }
    }
    for &v in &marked {
        for &c in &children[v] {
            if !keep[c] && kept < limit {
                keep[c] = true;
                kept += 1;
            }
        }
    }
    let mut queue: std::collections::VecDeque<usize> = (0..n).filter(|&v| !has_parent[v]).collect();
    let mut seen = vec![false; n];
    for &v in &queue {
        seen[v] = true;
    }
    while let Some(v) = queue.pop_front() {
        if kept >= limit {
            break;
        }
        if !keep[v] {
            keep[v] = true;
            kept += 1;
        }
        for &c in &children[v] {
            if !seen[c] {
                seen[c] = true;
                queue.push_back(c);
            }
        }
    }
    let mut new_index = vec![usize::MAX; n];
    let mut vertices = Vec::new();
    for (i, v) in g.vertices.iter().enumerate() {
        if keep[i] {
            new_index[i] = vertices.len();
            vertices.push(v.clone());
        }
    }
    let edges = g
        .edges
        .iter()
        .filter(|&&(a, b)| a < n && b < n && keep[a] && keep[b])
        .map(|&(a, b)| (new_index[a], new_index[b]))
        .collect();
    let omitted = n - vertices.len();
    (
        GraphView {
            title: g.title.clone(),
            slug: g.slug.clone(),
            vertices,
            edges,
        },
        omitted,
    )
}

/// Where each vertex goes: (layer, x of its centre, its width).
struct Layout {
    layer: Vec<usize>,
    x: Vec<f64>,
    w: Vec<f64>,
    width: f64,
    layers: usize,
}

fn layout(g: &GraphView) -> Layout {
    let n = g.vertices.len();
    let mut parents: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
    for &(a, b) in &g.edges {
        if a < n && b < n && a != b {
            children[a].push(b);
            parents[b].push(a);
        }
    }
    // Longest path from the roots (Kahn's order); vertices on a cycle go
    // one below the deepest parent placed so far.
    let mut indeg: Vec<usize> = parents.iter().map(Vec::len).collect();
    let mut layer = vec![0usize; n];
    let mut placed = vec![false; n];
    let mut queue: std::collections::VecDeque<usize> = (0..n).filter(|&v| indeg[v] == 0).collect();
    loop {
        while let Some(v) = queue.pop_front() {
            placed[v] = true;
            for &c in &children[v] {
                layer[c] = layer[c].max(layer[v] + 1);
                indeg[c] -= 1;
                if indeg[c] == 0 {
                    queue.push_back(c);
                }
            }
        }
        let Some(v) = (0..n).find(|&v| !placed[v]) else {
            break;
        };
        layer[v] = parents[v]
            .iter()
            .filter(|&&p| placed[p])
            .map(|&p| layer[p] + 1)
            .max()
            .unwrap_or(0);
        indeg[v] = 0;
        queue.push_back(v);
    }
    // Close the gaps a cycle can leave.
    let used: std::collections::BTreeSet<usize> = layer.iter().copied().collect();
    let rank: std::collections::BTreeMap<usize, usize> =
        used.iter().enumerate().map(|(r, &l)| (l, r)).collect();
    for l in &mut layer {
        *l = rank[l];
    }
    let layers = used.len();
    let mut rows: Vec<Vec<usize>> = vec![Vec::new(); layers];
    for v in 0..n {
        rows[layer[v]].push(v);
    }
    let mut pos = vec![0.0f64; n];
    let set_pos = |rows: &Vec<Vec<usize>>, pos: &mut Vec<f64>| {
        for row in rows {
            for (i, &v) in row.iter().enumerate() {
                pos[v] = i as f64;
            }
        }
    };
    set_pos(&rows, &mut pos);
    for sweep in 0..6 {
        let down = sweep % 2 == 0;
        let order: Vec<usize> = if down {
            (1..layers).collect()
        } else {
            (0..layers.saturating_sub(1)).rev().collect()
        };
        for l in order {
            let mut keyed: Vec<(f64, f64, usize)> = rows[l]
                .iter()
                .map(|&v| {
                    let nb = if down { &parents[v] } else { &children[v] };
                    let bary = if nb.is_empty() {
                        pos[v]
                    } else {
                        nb.iter().map(|&u| pos[u]).sum::<f64>() / nb.len() as f64
                    };
                    (bary, pos[v], v)
                })
                .collect();
            keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
            rows[l] = keyed.into_iter().map(|(_, _, v)| v).collect();
            for (i, &v) in rows[l].iter().enumerate() {
                pos[v] = i as f64;
            }
        }
    }
    // Wide layers wrap onto several rows, so that the drawing stays
    // about as wide as a screen.
    let rows: Vec<Vec<usize>> = rows
        .iter()
        .flat_map(|row| row.chunks(MAX_PER_ROW).map(<[usize]>::to_vec))
        .collect();
    for (r, row) in rows.iter().enumerate() {
        for &v in row {
            layer[v] = r;
        }
    }
    let layers = rows.len();
    let w: Vec<f64> = g
        .vertices
        .iter()
        .map(|v| clip(&v.label, LABEL_MAX).chars().count() as f64 * CHAR_W + 18.0)
        .collect();
    let row_width = |row: &Vec<usize>| -> f64 {
        row.iter().map(|&v| w[v]).sum::<f64>() + GAP_X * row.len().saturating_sub(1) as f64
    };
    let width = rows.iter().map(row_width).fold(0.0, f64::max) + 2.0 * MARGIN;
    let mut x = vec![0.0f64; n];
    for row in &rows {
        let mut cursor = (width - row_width(row)) / 2.0;
        for &v in row {
            x[v] = cursor + w[v] / 2.0;
            cursor += w[v] + GAP_X;
        }
    }
    Layout {
        layer,
        x,
        w,
        width: width.max(120.0),
        layers,
    }
}

fn y_of(layer: usize) -> f64 {
    MARGIN + layer as f64 * (BOX_H + GAP_Y)
}

/// The graph as one `<svg>` element; `id` prefixes its element ids.
pub fn svg(g: &GraphView, id: &str) -> String {
    let l = layout(g);
    let height = y_of(l.layers.max(1)) - GAP_Y + MARGIN;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="provenance" id="{id}" width="{:.0}" height="{height:.0}" viewBox="0 0 {:.0} {height:.0}" role="img" aria-label="{}">"#,
        l.width,
        l.width,
        xml(&format!("provenance graph: {}", g.title))
    );
    let _ = write!(
        s,
        r##"<defs><marker id="{id}-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#7a8591"/></marker><marker id="{id}-arrow-hot" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#e6862b"/></marker></defs>"##
    );
    for &(a, b) in &g.edges {
        if a >= g.vertices.len() || b >= g.vertices.len() || a == b {
            continue;
        }
        let (x1, y1) = (l.x[a], y_of(l.layer[a]) + BOX_H);
        let (x2, y2) = (l.x[b], y_of(l.layer[b]));
        let (x2, y2) = if y2 <= y1 {
            // An edge up or sideways (a cycle): to the target's side.
            (
                l.x[b] + l.w[b] / 2.0 * (x1 - l.x[b]).signum(),
                y2 + BOX_H / 2.0,
            )
        } else {
            (x2, y2)
        };
        let hot = g.vertices[b].highlight != Highlight::None;
        let mid = (y1 + y2) / 2.0;
        let _ = write!(
            s,
            r##"<path d="M{x1:.1},{y1:.1} C{x1:.1},{mid:.1} {x2:.1},{mid:.1} {x2:.1},{y2:.1}" fill="none" stroke="{}" stroke-width="{}"{} marker-end="url(#{id}-{})"/>"##,
            if hot { "#e6862b" } else { "#9aa4ae" },
            if hot { "1.6" } else { "1.1" },
            if hot {
                r#" stroke-dasharray="5 3""#
            } else {
                ""
            },
            if hot { "arrow-hot" } else { "arrow" }
        );
    }
    for (i, v) in g.vertices.iter().enumerate() {
        let (cx, top, w) = (l.x[i], y_of(l.layer[i]), l.w[i]);
        let class = match (v.kind, v.highlight) {
            (VertexKind::Goal, _) => "goal",
            (VertexKind::Firing, _) => "firing",
        };
        let hl = match v.highlight {
            Highlight::None => "",
            Highlight::Missing => " missing",
            Highlight::Skeleton => " skeleton",
            Highlight::Frontier => " frontier",
        };
        let rx = match v.kind {
            VertexKind::Goal => 13.0,
            VertexKind::Firing => 3.0,
        };
        let note = match v.highlight {
            Highlight::None => "",
            Highlight::Missing => " — never happened in the failed run",
            Highlight::Skeleton => " — skeleton difference (SkelDiffC): every good run did this",
            Highlight::Frontier => " — frontier (DiffC): where the failed run departed",
        };
        let _ = write!(
            s,
            r#"<g class="v {class}{hl}"><title>{}{}</title><rect x="{:.1}" y="{top:.1}" width="{w:.1}" height="{BOX_H}" rx="{rx}"/><text x="{cx:.1}" y="{:.1}" text-anchor="middle">{}</text></g>"#,
            xml(&v.label),
            note,
            cx - w / 2.0,
            top + BOX_H / 2.0 + 4.0,
            xml(&clip(&v.label, LABEL_MAX))
        );
    }
    s.push_str("</svg>");
    s
}

/// The graph in Graphviz DOT, highlights as colours.
pub fn dot(g: &GraphView) -> String {
    let mut s = format!("digraph \"{}\" {{\n", dot_str(&g.title));
    s.push_str("  node [fontname=\"monospace\", fontsize=10];\n");
    for (i, v) in g.vertices.iter().enumerate() {
        let shape = match v.kind {
            VertexKind::Goal => "ellipse",
            VertexKind::Firing => "box",
        };
        let style = match v.highlight {
            Highlight::None => String::new(),
            Highlight::Missing => ", color=\"#e6862b\", style=dashed".into(),
            Highlight::Skeleton => ", color=\"#8e44ad\", penwidth=2".into(),
            Highlight::Frontier => {
                ", color=\"#d62728\", penwidth=2.5, style=filled, fillcolor=\"#ffe3e3\"".into()
            }
        };
        let _ = writeln!(
            s,
            "  v{i} [shape={shape}, label=\"{}\"{style}];",
            dot_str(&v.label)
        );
    }
    for &(a, b) in &g.edges {
        let _ = writeln!(s, "  v{a} -> v{b};");
    }
    s.push_str("}\n");
    s
}
