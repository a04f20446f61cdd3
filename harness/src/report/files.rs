//! The files a failed assertion ([`Report::assert_holds`] and its
//! siblings) leaves behind, so that a red `cargo test` points at something
//! to open: the text report, the HTML report (summary and spacetime
//! diagrams, drawn from the report model by [`crate::render::adapt::report_view`])
//! and each counterexample as the YAML that `ldfi run --counterexample`
//! replays.
//!
//! They go to [`dir`]: `$LDFI_REPORTS` when set; else, in a test binary
//! (one that cargo placed in `<target>/<profile>/deps`), `<target>/ldfi-reports`,
//! out of the source tree and removed by `cargo clean`; else `reports/`
//! under the current directory, as the CLI does.

use std::path::{Path, PathBuf};

use super::Report;
use super::saved::SavedCounterexample;

/// Where failed assertions write their reports (see the module doc).
pub fn dir() -> PathBuf {
    if let Some(d) = std::env::var_os("LDFI_REPORTS").filter(|d| !d.is_empty()) {
        return PathBuf::from(d);
    }
    let exe = std::env::current_exe().ok();
    let deps = exe.as_deref().and_then(Path::parent);
    if let Some(deps) = deps.filter(|d| d.file_name().is_some_and(|n| n == "deps"))
        && let Some(target) = deps.parent().and_then(Path::parent)
    {
        return target.join("ldfi-reports");
    }
    PathBuf::from("reports")
}

/// The name files of `report` start with: the spec's file stem, else the
/// first program file's.
fn stem(report: &Report) -> String {
    let name = report
        .spec
        .as_deref()
        .or(report.program.first().map(String::as_str))
        .unwrap_or("ldfi");
    Path::new(name)
        .file_stem()
        .map_or_else(|| "ldfi".into(), |s| s.to_string_lossy().into_owned())
}

/// Writes the text report of `report` as `<stem>.txt`, the HTML report as
/// `<stem>/report.html` and each counterexample as
/// `<stem>-counterexample[-N].yaml` under [`dir`]; returns the paths
/// written.
pub fn write(report: &Report) -> std::io::Result<Vec<PathBuf>> {
    let dir = dir();
    std::fs::create_dir_all(&dir)?;
    let stem = stem(report);
    let mut written = Vec::new();
    let text = dir.join(format!("{stem}.txt"));
    std::fs::write(&text, super::text::check(report))?;
    written.push(text);
    let view = crate::render::adapt::report_view(report);
    let html =
        crate::render::write_report(&dir.join(&stem), &view).map_err(std::io::Error::other)?;
    written.extend(html);
    // Absolute program paths: the file is replayable from anywhere.
    let program: Vec<String> = report
        .program
        .iter()
        .map(|p| {
            std::path::absolute(p)
                .unwrap_or_else(|_| PathBuf::from(p))
                .display()
                .to_string()
        })
        .collect();
    for (i, cx) in report.counterexamples.iter().enumerate() {
        let name = if i == 0 {
            format!("{stem}-counterexample.yaml")
        } else {
            format!("{stem}-counterexample-{}.yaml", i + 1)
        };
        let yaml = SavedCounterexample::new(report, cx, program.clone())
            .to_yaml()
            .map_err(std::io::Error::other)?;
        let path = dir.join(name);
        std::fs::write(&path, yaml)?;
        written.push(path);
    }
    Ok(written)
}

/// The lines a failed assertion adds to its message: where the files of
/// [`write`] went (or why they could not be written).
pub(crate) fn note(report: &Report) -> String {
    match write(report) {
        Ok(paths) => {
            let mut out = String::new();
            for p in paths {
                let what = match p.extension().and_then(|x| x.to_str()) {
                    Some("yaml") => "counterexample file",
                    Some("html") => "html report",
                    Some("dot") => "dot file",
                    _ => "report file",
                };
                out.push_str(&format!("{what}: {}\n", p.display()));
            }
            out
        }
        Err(e) => format!(
            "(could not write the report under {}: {e})\n",
            dir().display()
        ),
    }
}
