//! The self-contained HTML report of one check: inline CSS and SVG only,
//! no script and no network, so that it opens offline in any browser.

use std::fmt::Write as _;

use super::model::{CheckView, DelayTree, PatchStatus, PatchView, Tone};
use super::{graph, spacetime};
use crate::report::markup::xml;

const STYLE: &str = r#"
:root{--ink:#1f2933;--muted:#5f6b7a;--line:#d9dee4;--bg:#f7f8fa;--good:#1e7b34;--bad:#c0392b;--neutral:#8a6d00}
*{box-sizing:border-box}
body{margin:0;font:14px/1.5 -apple-system,"Segoe UI",Roboto,"DejaVu Sans",Helvetica,Arial,sans-serif;color:var(--ink);background:var(--bg)}
header{background:#fff;border-bottom:1px solid var(--line);padding:18px 32px}
header h1{margin:0;font-size:20px;font-weight:600}
header p{margin:4px 0 0;color:var(--muted)}
main{padding:8px 32px 40px;max-width:1800px}
section{background:#fff;border:1px solid var(--line);border-radius:8px;padding:16px 20px;margin:18px 0}
h2{font-size:16px;margin:0 0 10px}
h3{font-size:14px;margin:6px 0}
.badge{display:inline-block;padding:2px 12px;border-radius:999px;font-weight:700;font-size:13px;letter-spacing:.03em;text-transform:uppercase;color:#fff;vertical-align:middle;margin-left:10px}
.good{background:var(--good)}.bad{background:var(--bad)}.neutral{background:var(--neutral)}
dl.summary{display:grid;grid-template-columns:max-content 1fr;gap:4px 18px;margin:0}
dl.summary dt{color:var(--muted)}dl.summary dd{margin:0}
code,pre{font-family:"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:12.5px}
pre{background:#f3f5f7;border:1px solid var(--line);border-radius:6px;padding:8px 10px;overflow:auto;white-space:pre-wrap;word-break:break-all;margin:6px 0}
.cert{border-left:4px solid var(--good);background:#eef8f0;padding:8px 12px;border-radius:4px}
.cx{border-left:4px solid var(--bad);background:#fdf0ee;padding:8px 12px;border-radius:4px}
.row{display:flex;flex-wrap:wrap;gap:18px;align-items:flex-start}
figure{margin:0;border:1px solid var(--line);border-radius:6px;padding:8px;background:#fff;overflow:auto;max-width:100%}
figcaption{font-weight:600;margin-bottom:4px}
.legend{display:flex;flex-wrap:wrap;gap:16px;color:var(--muted);font-size:12.5px;margin:8px 0 0}
.legend span{display:inline-flex;align-items:center;gap:6px}
.sw{display:inline-block;width:26px;height:0;border-top:2px solid}
.box{display:inline-block;width:22px;height:12px;border-radius:6px;border:1.5px solid}
svg text{font-family:"DejaVu Sans Mono",Menlo,Consolas,monospace}
svg.spacetime .tick{font-size:11px;fill:#7b8794}
svg.spacetime .node{font-size:13px;font-weight:700;fill:#1f2933}
svg.spacetime .eff{font-size:10.5px;fill:#7f8c8d}
svg.spacetime .lbl{font-size:10.5px;fill:#52606d;paint-order:stroke;stroke:#fff;stroke-width:3px}
svg.spacetime .lbl.late{fill:#b86a1e;font-weight:700}
svg.spacetime .lbl.lost{fill:#c0392b;font-weight:700}
svg.spacetime .lbl.dead{fill:#8e44ad;font-weight:700}
svg.spacetime .crashlabel{font-size:11px;font-weight:700;fill:#c0392b;paint-order:stroke;stroke:#fff;stroke-width:3px}
svg.provenance text{font-size:11px;fill:#1f2933}
svg.provenance .goal rect{fill:#eaf1fb;stroke:#4a6fa5;stroke-width:1.2}
svg.provenance .firing rect{fill:#f4f5f7;stroke:#8a94a0;stroke-width:1}
svg.provenance .missing rect{fill:#fff4e5;stroke:#e6862b;stroke-width:1.8;stroke-dasharray:5 3}
svg.provenance .skeleton rect{fill:#f3e9fb;stroke:#8e44ad;stroke-width:2.5}
svg.provenance .frontier rect{fill:#ffe3e3;stroke:#d62728;stroke-width:3}
svg.provenance .frontier text{font-weight:700}
ul.findings{margin:4px 0;padding-left:20px}
ul.findings li{margin:4px 0}
.q{display:inline-block;min-width:78px;font-weight:700}
.q.diffc{color:#d62728}.q.skel{color:#8e44ad}.q.missing{color:#b86a1e}
.patch{border:1px solid var(--line);border-radius:6px;margin:12px 0;overflow:hidden}
.patch .head{padding:8px 12px;background:#f3f5f7;border-bottom:1px solid var(--line)}
.patch .status{font-weight:700;text-transform:uppercase;font-size:12px;padding:1px 8px;border-radius:4px;color:#fff;margin-right:8px}
.patch .body{padding:6px 12px 10px}
.diff{background:#fbfbfc;padding:6px 0;border:1px solid var(--line);border-radius:6px;white-space:pre;overflow:auto;word-break:normal}
.diff span{display:block;padding:0 10px}
.diff .add{background:#e6ffec;color:#116329}.diff .del{background:#ffebe9;color:#82071e}
.diff .hunk{background:#ddf4ff;color:#0550ae}.diff .file{font-weight:700;color:#24292f}
table.delays{border-collapse:collapse;margin:4px 0 14px;font-size:13px}
table.delays th{text-align:left;color:var(--muted);font-weight:600;border-bottom:1px solid var(--line);padding:3px 10px}
table.delays td{padding:3px 10px;border-bottom:1px solid #eef0f3;white-space:nowrap}
.bar{display:inline-block;height:9px;background:#b86a1e;border-radius:2px;vertical-align:middle}
.muted{color:var(--muted);font-weight:400}
footer{color:var(--muted);font-size:12px;padding:0 32px 24px}
"#;

/// One delay tree as a table: each cause indented under its parent, with
/// its interval, its weight (a bar scaled to the whole delay) and its own
/// slice.
fn delays(s: &mut String, t: &DelayTree) {
    let _ = write!(
        s,
        "<h3>{} <span class=\"muted\">({} step{})</span></h3>\
         <table class=\"delays\"><thead><tr><th>cause</th><th>kind</th><th>node</th>\
         <th>interval</th><th>weight</th><th>own</th></tr></thead><tbody>",
        xml(&t.title),
        t.delay,
        if t.delay == 1 { "" } else { "s" }
    );
    for c in &t.causes {
        let via = if c.via.is_empty() {
            String::new()
        } else {
            format!(" <span class=\"muted\">({})</span>", xml(&c.via))
        };
        let bar = if t.delay > 0 {
            (c.weight.clamp(0, t.delay) * 100) / t.delay
        } else {
            0
        };
        let _ = write!(
            s,
            "<tr data-weight=\"{w}\" data-own=\"{own}\" data-depth=\"{d}\">\
             <td style=\"padding-left:{pad}px\"><code>{v}</code>{via}</td><td>{k}</td><td>{n}</td>\
             <td>[{a}, {b}]</td><td><span class=\"bar\" style=\"width:{bar}px\"></span> {w}</td>\
             <td>{own}</td></tr>",
            w = c.weight,
            own = c.own,
            d = c.depth,
            pad = 8 + 18 * c.depth,
            v = xml(&c.vertex),
            k = xml(&c.kind),
            n = xml(&c.node),
            a = c.interval.0,
            b = c.interval.1,
        );
    }
    s.push_str("</tbody></table>");
}

/// The report page of `view`. `dots` names the DOT files written beside it.
pub fn html(view: &CheckView, dots: &[String]) -> String {
    let mut s = String::new();
    s.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
    s.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
    let _ = write!(s, "<title>ldfi: {}</title>", xml(&view.title));
    let _ = write!(s, "<style>{STYLE}</style></head><body>");
    let tone = tone_class(view.tone);
    let _ = write!(
        s,
        "<header><h1>{}<span class=\"badge {tone}\" id=\"verdict\">{}</span></h1>",
        xml(&view.title),
        xml(view.verdict.words())
    );
    if let Some(d) = &view.description {
        let _ = write!(s, "<p>{}</p>", xml(d));
    }
    s.push_str("</header><main>");
    summary(&mut s, view);
    if !view.lanes.is_empty() {
        s.push_str("<section id=\"spacetime\"><h2>Spacetime</h2><div class=\"row\">");
        for (i, lanes) in view.lanes.iter().enumerate() {
            let _ = write!(
                s,
                "<figure><figcaption>{}</figcaption>{}</figure>",
                xml(&lanes.title),
                spacetime::svg(lanes, &format!("st{i}"))
            );
        }
        s.push_str("</div>");
        s.push_str(&legend_spacetime());
        s.push_str("</section>");
    }
    if !view.findings.is_empty() {
        s.push_str("<section id=\"frontier\"><h2>Where the failed run departed</h2><ul class=\"findings\">");
        for f in &view.findings {
            let class = match f.query {
                super::Query::DiffC => "diffc",
                super::Query::SkelDiffC => "skel",
                super::Query::Missing => "missing",
            };
            let rules: Vec<String> = f
                .rules
                .iter()
                .map(|r| format!("<code>{}</code>", xml(&r.to_string())))
                .collect();
            let _ = write!(
                s,
                "<li><span class=\"q {class}\">{}</span> <code>{}</code>: {}{}</li>",
                f.query.name(),
                xml(&f.event),
                xml(&f.why),
                if rules.is_empty() {
                    String::new()
                } else {
                    format!(" — rule {}", rules.join(", "))
                }
            );
        }
        s.push_str("</ul></section>");
    }
    if !view.graphs.is_empty() {
        s.push_str("<section id=\"provenance\"><h2>Provenance</h2><div class=\"row\">");
        for (i, full) in view.graphs.iter().enumerate() {
            let (g, omitted) = graph::drawn(full, graph::MAX_DRAWN);
            let g = &g;
            let _ = write!(
                s,
                "<figure><figcaption>{}</figcaption>{}",
                xml(&g.title),
                graph::svg(g, &format!("pg{i}"))
            );
            if omitted > 0 {
                let _ = write!(
                    s,
                    "<p class=\"legend\">{omitted} more vertices are in <code>{}.dot</code>.</p>",
                    xml(&g.slug)
                );
            }
            s.push_str("</figure>");
        }
        s.push_str("</div>");
        let marked = view.graphs.iter().any(|g| {
            g.vertices
                .iter()
                .any(|v| v.highlight != super::Highlight::None)
        });
        s.push_str(&legend_graph(marked));
        s.push_str("</section>");
    }
    if !view.delays.is_empty() {
        s.push_str("<section id=\"delays\"><h2>Why it came when it did</h2>");
        for t in &view.delays {
            delays(&mut s, t);
        }
        s.push_str("</section>");
    }
    if !view.patches.is_empty() {
        s.push_str("<section id=\"repairs\"><h2>Repair suggestions</h2>");
        for (i, p) in view.patches.iter().enumerate() {
            patch(&mut s, i + 1, p);
        }
        s.push_str("</section>");
    }
    if !view.notes.is_empty() {
        s.push_str("<section id=\"notes\"><h2>Notes</h2><ul>");
        for n in &view.notes {
            let _ = write!(s, "<li>{}</li>", xml(n));
        }
        s.push_str("</ul></section>");
    }
    s.push_str("</main><footer>Generated by ldfi.");
    if !dots.is_empty() {
        let names: Vec<String> = dots
            .iter()
            .map(|d| format!("<code>{}</code>", xml(d)))
            .collect();
        let _ = write!(s, " Graphviz files beside this page: {}.", names.join(", "));
    }
    s.push_str("</footer></body></html>\n");
    s
}

fn tone_class(t: Tone) -> &'static str {
    match t {
        Tone::Good => "good",
        Tone::Bad => "bad",
        Tone::Neutral => "neutral",
    }
}

fn summary(s: &mut String, view: &CheckView) {
    s.push_str("<section id=\"summary\"><h2>Summary</h2><dl class=\"summary\">");
    let mut row = |k: &str, v: String| {
        let _ = write!(s, "<dt>{}</dt><dd>{v}</dd>", xml(k));
    };
    row("verdict", xml(view.verdict.words()));
    if let Some(e) = &view.expectation {
        row("expectation", xml(e));
    }
    let bounds: Vec<String> = view
        .bounds
        .iter()
        .map(|(k, v)| format!("{} <code>{}</code>", xml(k), xml(v)))
        .collect();
    row("bounds", bounds.join(" · "));
    row("strategy", xml(&view.strategy));
    row("runs", view.runs.to_string());
    row("time", format!("{} ms", view.elapsed_ms));
    s.push_str("</dl>");
    if let Some(c) = &view.certificate {
        let _ = write!(s, "<p class=\"cert\"><b>Certificate.</b> {}</p>", xml(c));
    }
    if let Some(cx) = &view.counterexample {
        s.push_str("<div class=\"cx\"><b>Counterexample.</b> ");
        let _ = write!(s, "{}", xml(&cx.faults));
        for v in &cx.violated {
            let _ = write!(s, "<br><code>{}</code>", xml(v));
        }
        if let Some(e) = &cx.error {
            let _ = write!(s, "<pre>{}</pre>", xml(e));
        }
        let _ = write!(
            s,
            "<h3>Replay</h3><pre id=\"replay\">{}</pre></div>",
            xml(&cx.replay)
        );
    }
    s.push_str("</section>");
}

fn legend_spacetime() -> String {
    use spacetime::{DELAYED, DELIVERED, OMITTED, SILENCED};
    format!(
        "<div class=\"legend\"><span><i class=\"sw\" style=\"border-color:{DELIVERED}\"></i>delivered</span>\
         <span><i class=\"sw\" style=\"border-color:{DELAYED};border-top-width:3px\"></i>delayed (+d timesteps)</span>\
         <span><i class=\"sw\" style=\"border-color:{OMITTED};border-top-style:dashed\"></i>✕ lost (omission)</span>\
         <span><i class=\"sw\" style=\"border-color:{SILENCED};border-top-style:dotted\"></i>⊘ not sent: sender crashed</span>\
         <span><b style=\"color:{OMITTED}\">✕</b> crash (lane dashed after)</span>\
         <span><i class=\"sw\" style=\"border-color:#7f8c8d;border-top-style:dotted\"></i>EFF: no losses below</span>\
         <span>time flows downward; hover an arrow for its tuple</span></div>"
    )
}

fn legend_graph(marked: bool) -> String {
    let mut s = String::from(
        "<div class=\"legend\"><span><i class=\"box\" style=\"background:#eaf1fb;border-color:#4a6fa5\"></i>tuple</span>\
         <span><i class=\"box\" style=\"background:#f4f5f7;border-color:#8a94a0;border-radius:2px\"></i>rule firing</span>",
    );
    if marked {
        s.push_str(
            "<span><i class=\"box\" style=\"background:#ffe3e3;border-color:#d62728;border-width:3px\"></i>frontier (DiffC)</span>\
     <span><i class=\"box\" style=\"background:#f3e9fb;border-color:#8e44ad;border-width:2.5px\"></i>skeleton difference (SkelDiffC)</span>\
     <span><i class=\"box\" style=\"background:#fff4e5;border-color:#e6862b;border-style:dashed\"></i>never happened in the failed run</span>",
        );
    }
    s.push_str(
        "<span>arrows point from what was derived to what it rests on; times are normalised away</span></div>",
    );
    s
}

fn patch(s: &mut String, k: usize, p: &PatchView) {
    let colour = match p.status {
        PatchStatus::Verified { .. } => "#1e7b34",
        PatchStatus::Vacuous => "#8a6d00",
        PatchStatus::Broken { .. } => "#c0392b",
        PatchStatus::Rejected { .. } => "#5f6b7a",
    };
    let _ = write!(
        s,
        "<div class=\"patch\"><div class=\"head\"><span class=\"status\" style=\"background:{colour}\">{}</span><b>{k}. {}</b> — {}</div><div class=\"body\">",
        p.status.name(),
        xml(&p.kind),
        xml(&p.summary)
    );
    match &p.status {
        PatchStatus::Verified { certificate } => {
            let _ = write!(
                s,
                "<p>Verified at the same bounds ({} run{}): {}</p>",
                p.runs,
                if p.runs == 1 { "" } else { "s" },
                xml(certificate)
            );
        }
        PatchStatus::Vacuous => s.push_str(
            "<p>Vacuous: <code>pre</code> no longer holds in the patched program's failure-free run, so it fixes nothing.</p>",
        ),
        PatchStatus::Broken { faults, replay } => {
            let _ = write!(
                s,
                "<p>Still broken by {}. Replay:</p><pre>{}</pre>",
                xml(faults),
                xml(replay)
            );
        }
        PatchStatus::Rejected { reason } => {
            let _ = write!(s, "<p>{}</p>", xml(reason));
        }
    }
    if p.ladder.len() > 1 {
        s.push_str("<p>Robustness ladder:");
        for r in &p.ladder {
            let (mark, colour) = match r.holds {
                Some(true) => ("✓", "#1e7b34"),
                Some(false) => ("✗", "#c0392b"),
                None => ("?", "#5f6b7a"),
            };
            let _ = write!(
                s,
                " <span title=\"{}\" style=\"color:{colour}\">{mark} {}</span>",
                xml(&r.bounds),
                xml(&r.rung)
            );
        }
        s.push_str("</p>");
        for r in &p.ladder {
            if let Some((faults, replay)) = &r.counterexample {
                let _ = write!(
                    s,
                    "<p>{} ({}): broken by {}. Replay:</p><pre>{}</pre>",
                    xml(&r.rung),
                    xml(&r.bounds),
                    xml(faults),
                    xml(replay)
                );
            }
        }
    }
    s.push_str(&diff_html(&p.diff));
    s.push_str("</div></div>");
}

/// A unified diff with its lines coloured by what they do.
pub fn diff_html(diff: &str) -> String {
    let mut s = String::from("<pre class=\"diff\">");
    for line in diff.lines() {
        let class =
            if line.starts_with("+++") || line.starts_with("---") || line.starts_with("diff ") {
                "file"
            } else if line.starts_with('+') {
                "add"
            } else if line.starts_with('-') {
                "del"
            } else if line.starts_with("@@") {
                "hunk"
            } else {
                "ctx"
            };
        let _ = write!(s, "<span class=\"{class}\">{}</span>", xml(line));
    }
    s.push_str("</pre>");
    s
}
