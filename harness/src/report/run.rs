//! One run as evaluated, for people: its tables at a timestep, its
//! message log, a spacetime listing (per timestep and node, what was
//! received and sent) and the specification at EOT. `ldfi run` prints
//! these; [`listing`] is the whole of it.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use dedalus::eval::Run;
use dedalus::provenance::{Fate, Message, Time};

/// The whole listing of a run: header, the tables at `at`, the messages,
/// the spacetime listing and the specification at EOT.
pub fn listing(run: &Run, files: &[PathBuf], max_delay: u32, at: Time) -> String {
    let mut out = String::new();
    out.push_str(&header(run, files, max_delay));
    out.push('\n');
    out.push_str(&tables(run, at));
    out.push('\n');
    out.push_str(&messages(run));
    out.push('\n');
    out.push_str(&spacetime(run));
    if let Some(spec) = specification(run) {
        out.push('\n');
        out.push_str(&spec);
    }
    out
}

/// The first line: program files, nodes, bounds and the faults of the
/// run (`max_delay`, the largest admissible delay, is shown when positive).
pub fn header(run: &Run, files: &[PathBuf], max_delay: u32) -> String {
    let faults: Vec<String> = run
        .faults()
        .iter()
        .map(|f| f.describe(run.nodes()))
        .collect();
    let faults = if faults.is_empty() {
        "none".to_string()
    } else {
        faults.join(", ")
    };
    let mut out = format!(
        "run of {}: nodes {}, EOT {}, EFF {}",
        files
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(" "),
        run.nodes().join(","),
        run.eot(),
        run.eff()
    );
    if max_delay > 0 {
        let _ = write!(out, ", max_delay {max_delay}");
    }
    let _ = writeln!(out, "; faults: {faults}");
    out
}

/// The program's relations, comma-separated (for "unknown relation" errors).
pub fn relation_names(run: &Run) -> String {
    run.program()
        .relations()
        .iter()
        .map(|r| r.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every non-empty relation at `t`, sorted by name.
pub fn tables(run: &Run, t: Time) -> String {
    let mut out = String::new();
    let at = if t == run.eot() {
        format!("t={t} (EOT)")
    } else {
        format!("t={t}")
    };
    let _ = writeln!(out, "tables at {at}:");
    let mut any = false;
    for rel in 0..run.program().relations().len() as dedalus::RelId {
        if run.rows(rel, t).next().is_none() {
            continue;
        }
        any = true;
        out.push_str(&indent(&table(run, rel, t), "  "));
    }
    if !any {
        let _ = writeln!(out, "  (every relation is empty)");
    }
    out
}

/// `name (k rows)` and the rows of `rel` at `t` in aligned columns.
pub fn table(run: &Run, rel: dedalus::RelId, t: Time) -> String {
    let name = &run.program().relations()[rel as usize].name;
    let rows: Vec<Vec<String>> = run
        .relation_at(name, t)
        .iter()
        .map(|row| row.iter().map(|&v| run.show_value(v)).collect())
        .collect();
    let mut out = format!(
        "{name} ({} row{})\n",
        rows.len(),
        if rows.len() == 1 { "" } else { "s" }
    );
    out.push_str(&columns(&rows, "  "));
    out
}

/// Rows of cells, each column padded to its widest cell (no trailing spaces).
fn columns(rows: &[Vec<String>], prefix: &str) -> String {
    render_rows(rows, &widths(rows), prefix)
}

/// The widest cell of each column.
fn widths<'a>(rows: impl IntoIterator<Item = &'a Vec<String>>) -> Vec<usize> {
    let mut widths: Vec<usize> = Vec::new();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            let w = cell.chars().count();
            match widths.get_mut(i) {
                Some(m) => *m = (*m).max(w),
                None => widths.push(w),
            }
        }
    }
    widths
}

fn render_rows(rows: &[Vec<String>], widths: &[usize], prefix: &str) -> String {
    let mut out = String::new();
    for row in rows {
        let mut line = String::from(prefix);
        for (i, cell) in row.iter().enumerate() {
            if i + 1 < row.len() {
                let pad = widths[i].saturating_sub(cell.chars().count());
                let _ = write!(line, "{cell}{}  ", " ".repeat(pad));
            } else {
                line.push_str(cell);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn indent(text: &str, by: &str) -> String {
    text.lines().map(|l| format!("{by}{l}\n")).collect()
}

/// `messages (n):` and one line per message with its fate.
pub fn messages(run: &Run) -> String {
    let n = run.messages().len();
    let mut out = format!("messages ({n}):\n");
    if n == 0 {
        out.push_str("    (none)\n");
    } else {
        out.push_str(&super::text::messages(&super::message_reports(run)));
    }
    out
}

/// What happened to a message, as a suffix of its "sends" line.
fn fate_note(run: &Run, m: &Message) -> String {
    match m.fate {
        Fate::Delivered => String::new(),
        Fate::Omitted => "LOST (omission)".to_string(),
        Fate::Crashed(t) => format!("LOST ({} crashed at {t})", run.node_name(m.from)),
        Fate::Delayed(d) => match m.received {
            Some(r) => format!("DELAYED by {d}, arrives at {r}"),
            None => format!("DELAYED by {d}, arrives after EOT"),
        },
    }
}

/// Per timestep, per node: what it received, then what it sent.
pub fn spacetime(run: &Run) -> String {
    let prov = run.provenance();
    let msgs = run.sorted_messages();
    // Each message indexed once by (receiver, time received) and by
    // (sender, time sent), in sorted order: the listing is linear in the
    // run's size, not EOT times the messages.
    let mut received: HashMap<(u32, Time), Vec<&Message>> = HashMap::new();
    let mut sent: HashMap<(u32, Time), Vec<&Message>> = HashMap::new();
    for &m in &msgs {
        if let Some(r) = m.received {
            received.entry((m.to, r)).or_default().push(m);
        }
        sent.entry((m.from, m.sent)).or_default().push(m);
    }
    let none: Vec<&Message> = Vec::new();
    let mut steps: Vec<Vec<Vec<String>>> = Vec::new();
    for t in 1..=run.eot() {
        let mut rows: Vec<Vec<String>> = Vec::new();
        for (n, name) in run.nodes().iter().enumerate() {
            let n = n as u32;
            for m in received.get(&(n, t)).unwrap_or(&none) {
                let mut what = format!(
                    "{} from {}",
                    run.show_atom(m.rel, prov.message_values(m)),
                    run.node_name(m.from)
                );
                if let Fate::Delayed(d) = m.fate {
                    let _ = write!(what, " (sent at {}, delayed by {d})", m.sent);
                }
                rows.push(vec![name.clone(), "receives".into(), what]);
            }
            for m in sent.get(&(n, t)).unwrap_or(&none) {
                let mut what = format!(
                    "{} to {}",
                    run.show_atom(m.rel, prov.message_values(m)),
                    run.node_name(m.to)
                );
                let fate = fate_note(run, m);
                if !fate.is_empty() {
                    let _ = write!(what, "  {fate}");
                }
                rows.push(vec![name.clone(), "sends".into(), what]);
            }
        }
        steps.push(rows);
    }
    // One alignment for the whole listing, so that columns line up across timesteps.
    let widths = widths(steps.iter().flatten());
    let mut out =
        String::from("spacetime (per timestep and node: messages received, then sent):\n");
    for (t, rows) in (1..).zip(&steps) {
        if rows.is_empty() {
            let _ = writeln!(out, "  t={t}  (no messages)");
        } else {
            let _ = writeln!(out, "  t={t}");
            out.push_str(&render_rows(rows, &widths, "    "));
        }
    }
    out
}

/// The specification check at EOT, if the program has `pre` and `post`.
pub fn specification(run: &Run) -> Option<String> {
    let violations = run.violations()?;
    let pre = run.pre_count();
    let mut out = String::from("specification at EOT: ");
    if !violations.is_empty() {
        let _ = writeln!(
            out,
            "VIOLATED ({} of {pre} pre tuple{} without post)",
            violations.len(),
            if pre == 1 { "" } else { "s" }
        );
        for row in &violations {
            let vals: Vec<String> = row.iter().map(|&v| run.show_value(v)).collect();
            let vals = vals.join(", ");
            let _ = writeln!(out, "  pre({vals}) holds without post({vals})");
        }
    } else if pre == 0 {
        out.push_str("vacuously holds (no pre tuple)\n");
    } else {
        let _ = writeln!(
            out,
            "holds ({pre} pre tuple{}, each with its post)",
            if pre == 1 { "" } else { "s" }
        );
    }
    Some(out)
}
