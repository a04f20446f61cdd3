//! What a failed assertion ([`Report::assert_holds`] and its siblings)
//! says and leaves behind, so that a red `cargo test` points at something
//! to open: the text report, the HTML report (summary and spacetime
//! diagrams, drawn from the report model by [`super::adapt::report_view`])
//! and each counterexample as the YAML that `ldfi run --counterexample`
//! replays, all under [`files::dir`].

use std::path::{Path, PathBuf};

use crate::Error;
use crate::report::saved::SavedCounterexample;
use crate::report::{Report, files, text};
use crate::spec::Expect;
use crate::verdict::Verdict;

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
/// `<stem>-counterexample[-N].yaml` under [`files::dir`]; returns the
/// paths written.
pub fn write(report: &Report) -> Result<Vec<PathBuf>, Error> {
    let dir = files::dir();
    files::create_dir(&dir)?;
    let stem = stem(report);
    let mut written = Vec::new();
    let text = dir.join(format!("{stem}.txt"));
    files::write(&text, text::check(report))?;
    written.push(text);
    let view = super::adapt::report_view(report);
    written.extend(super::write_report(&dir.join(&stem), &view)?);
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
            .map_err(|e| Error::Internal(format!("cannot serialise a counterexample: {e}")))?;
        let path = dir.join(name);
        files::write(&path, yaml)?;
        written.push(path);
    }
    Ok(written)
}

/// The lines a failed assertion adds to its message: where the files of
/// [`write()`] went (or why they could not be written).
fn note(report: &Report) -> String {
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
            files::dir().display()
        ),
    }
}

impl Report {
    /// Panics, showing the counterexample, its replay line and the report
    /// files written (see [`files`]), unless the specification holds.
    #[track_caller]
    pub fn assert_holds(&self) {
        if !matches!(self.outcome.verdict, Verdict::Holds) {
            self.fail("expected the specification to hold");
        }
    }

    /// Panics, showing the outcome and the report files written, unless a
    /// counterexample was found.
    #[track_caller]
    pub fn assert_violated(&self) {
        if !matches!(self.outcome.verdict, Verdict::Violated) {
            self.fail("expected a counterexample");
        }
    }

    /// Panics unless the verdict is the spec's `expect` (as
    /// [`Report::assert_holds`] does).
    #[track_caller]
    pub fn assert_expected(&self) {
        match self.expect() {
            Some(Expect::Holds) => self.assert_holds(),
            Some(Expect::Violated) => self.assert_violated(),
            Some(Expect::Vacuous) => {
                if !self.met() {
                    self.fail("expected a vacuous certificate");
                }
            }
            None => match &self.outcome.verdict {
                Verdict::Inconclusive { reason } => self.fail(&format!("inconclusive: {reason}")),
                Verdict::Interrupted => self.fail("interrupted"),
                _ => {}
            },
        }
    }

    /// Writes the report files and panics with `what`, the outcome (with
    /// each counterexample's replay line) and where the files are.
    #[track_caller]
    fn fail(&self, what: &str) -> ! {
        panic!(
            "{}: {what}\n{}{}",
            self.spec_name(),
            text::outcome(self),
            note(self)
        )
    }

    fn spec_name(&self) -> String {
        self.spec.clone().unwrap_or_else(|| self.program.join(" "))
    }
}
