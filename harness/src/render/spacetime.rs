//! Spacetime diagrams as inline SVG: a lane per node, time downward,
//! messages as arrows from sender at the time sent to receiver at the time
//! received. Lost messages stop short with a red cross, crash-silenced ones
//! with a purple bar, delayed ones are orange and say by how much; a crash
//! is a red cross on its lane, which is dashed from then on.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

use super::model::{LaneMessage, Lanes, MessageFate};
use crate::report::markup::{clip, xml};

const LANE_W: f64 = 124.0;
const ROW_H: f64 = 52.0;
const LEFT: f64 = 54.0;
const TOP: f64 = 62.0;

/// Colours of the fates (shared with the legend of the HTML page).
pub(super) const DELIVERED: &str = "#3b4a5a";
pub(super) const DELAYED: &str = "#d9822b";
pub(super) const OMITTED: &str = "#d62728";
pub(super) const SILENCED: &str = "#8e44ad";

fn y(t: f64) -> f64 {
    TOP + (t - 1.0) * ROW_H
}

/// The diagram of `lanes` as one `<svg>` element; `id` prefixes its
/// element ids (several diagrams share one page).
pub fn svg(lanes: &Lanes, id: &str) -> String {
    let n = lanes.nodes.len().max(1);
    let eot = lanes.eot.max(1);
    let width = LEFT + LANE_W * n as f64 + 56.0;
    let after = y(eot as f64) + ROW_H * 0.75;
    let height = after + 30.0;
    let x = |i: usize| LEFT + LANE_W * (i as f64 + 0.5);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="spacetime" id="{id}" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}" role="img" aria-label="{}">"#,
        xml(&format!("spacetime diagram: {}", lanes.title))
    );
    s.push_str("<defs>");
    for (name, colour) in [
        ("ok", DELIVERED),
        ("late", DELAYED),
        ("lost", OMITTED),
        ("dead", SILENCED),
    ] {
        let _ = write!(
            s,
            r#"<marker id="{id}-{name}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>"#
        );
    }
    s.push_str("</defs>");
    // Time rows, the EFF boundary.
    for t in 1..=eot {
        let yy = y(t as f64);
        let _ = write!(
            s,
            r##"<line x1="{LEFT:.0}" y1="{yy:.1}" x2="{:.0}" y2="{yy:.1}" stroke="#e8ebef"/><text x="8" y="{:.1}" class="tick">t={t}</text>"##,
            width - 8.0,
            yy + 4.0
        );
    }
    if lanes.eff >= 1 && lanes.eff <= eot {
        let yy = if lanes.eff == 1 {
            y(1.0) - ROW_H / 2.0
        } else {
            (y(lanes.eff as f64 - 1.0) + y(lanes.eff as f64)) / 2.0
        };
        let _ = write!(
            s,
            r##"<line x1="8" y1="{yy:.1}" x2="{:.0}" y2="{yy:.1}" stroke="#7f8c8d" stroke-dasharray="2 4"><title>EFF {}: no message is lost from here on</title></line><text x="8" y="{:.1}" class="eff">EFF</text>"##,
            width - 8.0,
            lanes.eff,
            yy - 3.0
        );
    }
    let _ = write!(
        s,
        r##"<text x="8" y="{:.1}" class="tick">later</text>"##,
        after + 4.0
    );
    // Lanes, with their crash points.
    for (i, node) in lanes.nodes.iter().enumerate() {
        let xx = x(i);
        let crash = lanes
            .crashes
            .iter()
            .filter(|(c, _)| *c == i)
            .map(|&(_, t)| t)
            .min();
        let _ = write!(
            s,
            r##"<text x="{xx:.1}" y="22" class="node" text-anchor="middle">{}</text><rect x="{:.1}" y="30" width="16" height="8" rx="2" fill="#3b4a5a"/>"##,
            xml(&clip(node, 22)),
            xx - 8.0
        );
        let alive_to = crash.map_or(after, |t| y(t as f64));
        let _ = write!(
            s,
            r##"<line x1="{xx:.1}" y1="38" x2="{xx:.1}" y2="{alive_to:.1}" stroke="#3b4a5a" stroke-width="2"/>"##
        );
        if let Some(t) = crash {
            let c = y(t as f64);
            let _ = write!(
                s,
                r##"<line x1="{xx:.1}" y1="{c:.1}" x2="{xx:.1}" y2="{after:.1}" stroke="#c0c6cc" stroke-width="2" stroke-dasharray="4 4"/><g class="crash"><title>{} crashes at t={t}</title><path d="M{:.1},{:.1} l16,16 m0,-16 l-16,16" stroke="{OMITTED}" stroke-width="4" stroke-linecap="round"/><text x="{:.1}" y="{:.1}" class="crashlabel">crash @{t}</text></g>"##,
                xml(node),
                xx - 8.0,
                c - 8.0,
                xx + 12.0,
                c + 4.0
            );
        }
    }
    // Messages. Several from the same sender to the same destination at the
    // same time are fanned out so that each stays visible.
    // (Counted in maps, so that drawing is linear in the messages.)
    let mut seen: HashMap<(usize, usize, u32), usize> = HashMap::new();
    // Delivered messages are labelled once per sender and time (`log ×2`),
    // near the sender, so that a broadcast stays legible.
    let mut labelled: HashSet<(usize, u32)> = HashSet::new();
    let mut delivered: HashMap<(usize, u32), Vec<&LaneMessage>> = HashMap::new();
    for o in &lanes.messages {
        if o.fate == MessageFate::Delivered {
            delivered.entry((o.from, o.sent)).or_default().push(o);
        }
    }
    // Labels of lost messages stack below one another per sender and time.
    let mut stacked: HashMap<(usize, u32), usize> = HashMap::new();
    for m in &lanes.messages {
        let key = (m.from, m.to, m.sent);
        let count = seen.entry(key).or_insert(0);
        let k = *count as f64;
        *count += 1;
        let off = k * 7.0;
        let (x1, y1) = (x(m.from), y(m.sent as f64) + off);
        let nominal = y(m.sent as f64 + 1.0) + off;
        let (x2, y2) = (x(m.to), m.received.map_or(after, |r| y(r as f64) + off));
        let title = match m.fate {
            MessageFate::Delivered => format!(
                "{} → {} at t={}: {} (delivered at t={})",
                lanes.nodes.get(m.from).map_or("?", String::as_str),
                lanes.nodes.get(m.to).map_or("?", String::as_str),
                m.sent,
                m.label,
                m.received.unwrap_or(m.sent + 1)
            ),
            MessageFate::Delayed(d) => format!(
                "{} → {} at t={}: {} (delayed by {d}, {})",
                lanes.nodes.get(m.from).map_or("?", String::as_str),
                lanes.nodes.get(m.to).map_or("?", String::as_str),
                m.sent,
                m.label,
                m.received
                    .map_or("arrives after EOT".to_string(), |r| format!(
                        "delivered at t={r}"
                    ))
            ),
            MessageFate::Omitted => format!(
                "{} → {} at t={}: {} (LOST: omission)",
                lanes.nodes.get(m.from).map_or("?", String::as_str),
                lanes.nodes.get(m.to).map_or("?", String::as_str),
                m.sent,
                m.label
            ),
            MessageFate::CrashSilenced => format!(
                "{} → {} at t={}: {} (never sent: the sender had crashed)",
                lanes.nodes.get(m.from).map_or("?", String::as_str),
                lanes.nodes.get(m.to).map_or("?", String::as_str),
                m.sent,
                m.label
            ),
        };
        let _ = write!(s, r#"<g class="msg"><title>{}</title>"#, xml(&title));
        let rel = m.label.split('(').next().unwrap_or(&m.label);
        if m.from == m.to {
            // A message to oneself: a loop on the lane.
            let colour = match m.fate {
                MessageFate::Delivered => DELIVERED,
                MessageFate::Delayed(_) => DELAYED,
                MessageFate::Omitted => OMITTED,
                MessageFate::CrashSilenced => SILENCED,
            };
            let _ = write!(
                s,
                r#"<path d="M{x1:.1},{y1:.1} C{:.1},{y1:.1} {:.1},{y2:.1} {:.1},{y2:.1}" fill="none" stroke="{colour}" stroke-width="1.6" marker-end="url(#{id}-ok)"/>"#,
                x1 + 46.0,
                x1 + 46.0,
                x1 + 3.0
            );
            s.push_str("</g>");
            continue;
        }
        match m.fate {
            MessageFate::Delivered => {
                let _ = write!(
                    s,
                    r#"<line x1="{x1:.1}" y1="{y1:.1}" x2="{x2:.1}" y2="{y2:.1}" stroke="{DELIVERED}" stroke-width="1.6" marker-end="url(#{id}-ok)"/>"#
                );
                if labelled.insert((m.from, m.sent)) {
                    let group: &[&LaneMessage] =
                        delivered.get(&(m.from, m.sent)).map_or(&[], Vec::as_slice);
                    let rels: Vec<&str> = group
                        .iter()
                        .map(|o| o.label.split('(').next().unwrap_or(&o.label))
                        .collect();
                    let text = match rels.as_slice() {
                        [one] => (*one).to_string(),
                        [first, rest @ ..] if rest.iter().all(|r| r == first) => {
                            format!("{first} ×{}", rels.len())
                        }
                        _ => format!("{} messages", rels.len()),
                    };
                    if group.len() == 1 {
                        label(&mut s, x1, y1, x2, y2, 0.3, &text, "lbl");
                    } else {
                        let right =
                            group.iter().filter(|o| o.to > o.from).count() * 2 >= group.len();
                        let _ = write!(
                            s,
                            r#"<text x="{:.1}" y="{:.1}" class="lbl" text-anchor="{}">{}</text>"#,
                            if right { x1 + 8.0 } else { x1 - 8.0 },
                            y1 - 6.0,
                            if right { "start" } else { "end" },
                            xml(&clip(&text, 28))
                        );
                    }
                }
            }
            MessageFate::Delayed(d) => {
                let dash = if m.received.is_none() {
                    r#" stroke-dasharray="6 3""#
                } else {
                    ""
                };
                let _ = write!(
                    s,
                    r#"<line x1="{x1:.1}" y1="{y1:.1}" x2="{x2:.1}" y2="{y2:.1}" stroke="{DELAYED}" stroke-width="2.2"{dash} marker-end="url(#{id}-late)"/>"#
                );
                let what = match m.received {
                    Some(_) => format!("{rel} +{d}"),
                    None => format!("{rel} +{d} (after EOT)"),
                };
                label(&mut s, x1, y1, x2, y2, 0.3, &what, "lbl late");
            }
            MessageFate::Omitted | MessageFate::CrashSilenced => {
                let lost = m.fate == MessageFate::Omitted;
                let (colour, dash) = if lost {
                    (OMITTED, "6 3")
                } else {
                    (SILENCED, "2 3")
                };
                let f = 0.62;
                let (ex, ey) = (x1 + (x2 - x1) * f, y1 + (nominal - y1) * f);
                let _ = write!(
                    s,
                    r#"<line x1="{x1:.1}" y1="{y1:.1}" x2="{ex:.1}" y2="{ey:.1}" stroke="{colour}" stroke-width="2.2" stroke-dasharray="{dash}"/>"#
                );
                if lost {
                    let _ = write!(
                        s,
                        r#"<path d="M{:.1},{:.1} l10,10 m0,-10 l-10,10" stroke="{OMITTED}" stroke-width="3" stroke-linecap="round"/>"#,
                        ex - 5.0,
                        ey - 5.0
                    );
                } else {
                    let _ = write!(
                        s,
                        r#"<circle cx="{ex:.1}" cy="{ey:.1}" r="5" fill="none" stroke="{SILENCED}" stroke-width="2"/><line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="{SILENCED}" stroke-width="2"/>"#,
                        ex - 3.5,
                        ey + 3.5,
                        ex + 3.5,
                        ey - 3.5
                    );
                }
                let what = if lost {
                    format!("{} lost", clip(rel, 20))
                } else {
                    format!("{} not sent", clip(rel, 20))
                };
                let class = if lost { "lbl lost" } else { "lbl dead" };
                let count = stacked.entry((m.from, m.sent)).or_insert(0);
                let j = *count as f64;
                *count += 1;
                let anchor = if x2 >= x1 { "start" } else { "end" };
                let dx = if x2 >= x1 { 9.0 } else { -9.0 };
                let _ = write!(
                    s,
                    r#"<text x="{:.1}" y="{:.1}" class="{class}" text-anchor="{anchor}">{}</text>"#,
                    ex + dx,
                    ey + 14.0 + 12.0 * j,
                    xml(&what)
                );
            }
        }
        s.push_str("</g>");
    }
    s.push_str("</svg>");
    s
}

/// A label a fraction `f` along the segment, on a white halo.
#[allow(clippy::too_many_arguments)]
fn label(s: &mut String, x1: f64, y1: f64, x2: f64, y2: f64, f: f64, text: &str, class: &str) {
    let (lx, ly) = (x1 + (x2 - x1) * f, y1 + (y2 - y1) * f);
    let _ = write!(
        s,
        r#"<text x="{lx:.1}" y="{:.1}" class="{class}" text-anchor="middle">{}</text>"#,
        ly - 3.0,
        xml(&clip(text, 28))
    );
}
