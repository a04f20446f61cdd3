//! Renderers of what a check found, for the people and tools that open it:
//! a self-contained HTML report (summary, spacetime diagrams, provenance
//! graphs with the Nemo difference, repair suggestions as coloured diffs)
//! with DOT files beside it, and the CI formats of a hunt (JUnit XML,
//! SARIF 2.1.0, Markdown).
//!
//! Every renderer takes the plain structs of [`model`] and nothing else;
//! [`adapt`] fills them from outcomes, runs, nemo's queries and repairs.
//! Renderers are pure: identical input gives byte-identical output.
//! Searching, diagnosing and repairing are not done here.

pub mod adapt;
mod ci;
pub mod failure;
mod graph;
mod html;
pub mod model;
pub mod sarif;
mod spacetime;

use std::path::{Path, PathBuf};

pub use crate::report::markup::xml as escape_xml;
pub use ci::{RULE_UNCHECKED, RULE_VIOLATION, junit, markdown, sarif, sarif_json};
pub use graph::{dot as graph_dot, svg as graph_svg};
pub use html::{diff_html, html};
pub use model::*;
pub use spacetime::svg as spacetime_svg;

use crate::Error;
use crate::report::files;

/// Writes the report of `view` into `dir` (created if missing):
/// `report.html` and one `<slug>.dot` per provenance graph, each through
/// [`files::write`]. Returns the paths written, the HTML first.
pub fn write_report(dir: &Path, view: &CheckView) -> Result<Vec<PathBuf>, Error> {
    files::create_dir(dir)?;
    let dots: Vec<String> = view
        .graphs
        .iter()
        .map(|g| format!("{}.dot", g.slug))
        .collect();
    let page = dir.join("report.html");
    files::write(&page, html(view, &dots))?;
    let mut written = vec![page];
    for (g, name) in view.graphs.iter().zip(&dots) {
        let path = dir.join(name);
        files::write(&path, graph_dot(g))?;
        written.push(path);
    }
    Ok(written)
}
