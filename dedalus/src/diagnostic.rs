//! Language errors: a message, labelled source spans and a help line, rendered
//! like rustc (through `miette`) against the [`SourceMap`] they point into.
//!
//! This module owns presentation only; the parser, the loader and the checks
//! decide what is wrong and where.

use std::fmt;
use std::path::Path;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceCode};

use crate::syntax::SourceMap;
use crate::syntax::ast::Span;

/// Terminal width assumed when rendering (lines are not wrapped, so that
/// paths and code stay intact), fixed so that output is deterministic.
const RENDER_WIDTH: usize = 100;

/// A labelled span of source text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    /// The text underlined.
    pub span: Span,
    /// What is said about it.
    pub text: String,
}

/// One error in a Dedalus program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// What is wrong, in one line.
    pub message: String,
    /// Where it is wrong; `None` only for errors outside any source text
    /// (e.g. a file named on the command line that cannot be read).
    pub primary: Option<Label>,
    /// Related places (e.g. the first use of a relation whose arity differs).
    pub secondary: Vec<Label>,
    /// How to fix it, when a likely fix is known.
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error at `span`, labelled `label`.
    pub fn error(message: impl Into<String>, span: Span, label: impl Into<String>) -> Diagnostic {
        Diagnostic {
            message: message.into(),
            primary: Some(Label {
                span,
                text: label.into(),
            }),
            secondary: Vec::new(),
            help: None,
        }
    }

    /// An error about no particular source text.
    pub fn without_span(message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            message: message.into(),
            primary: None,
            secondary: Vec::new(),
            help: None,
        }
    }

    /// Adds a secondary label.
    pub fn with_label(mut self, span: Span, text: impl Into<String>) -> Diagnostic {
        self.secondary.push(Label {
            span,
            text: text.into(),
        });
        self
    }

    /// Sets the help line.
    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// `path:line:col` of the primary span, or `<no location>` if it has none.
    pub fn location(&self, sources: &SourceMap) -> String {
        match &self.primary {
            Some(label) => {
                let (line, col) = sources.line_col(label.span);
                format!("{}:{line}:{col}", sources.path(label.span.file).display())
            }
            None => "<no location>".to_string(),
        }
    }

    /// The diagnostic rendered like rustc: location, source lines, underlines,
    /// labels and help, without colours.
    pub fn render(&self, sources: &SourceMap) -> String {
        let handler = GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
            .with_width(RENDER_WIDTH)
            .with_wrap_lines(false)
            .with_show_related_as_nested(true)
            .with_links(false);
        let report = Report::new(self, sources);
        let mut out = String::new();
        match handler.render_report(&mut out, &report) {
            Ok(()) => out,
            // Rendering into a String fails only if a label does not fit its
            // file; fall back to the plain form rather than lose the error.
            Err(fmt::Error) => {
                format!("error: {}\n  at {}\n", self.message, self.location(sources))
            }
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Diagnostic {}

/// All errors found in a program, with the sources they point into.
#[derive(Clone, Debug, Default)]
pub struct Diagnostics {
    /// The files the spans refer to.
    pub sources: SourceMap,
    /// The errors, in source order where that is known.
    pub diagnostics: Vec<Diagnostic>,
}

impl Diagnostics {
    /// The errors of `diagnostics` against `sources`.
    pub fn new(sources: SourceMap, diagnostics: Vec<Diagnostic>) -> Diagnostics {
        Diagnostics {
            sources,
            diagnostics,
        }
    }

    /// Each diagnostic's message, in order (handy in tests).
    pub fn messages(&self) -> Vec<&str> {
        self.diagnostics
            .iter()
            .map(|d| d.message.as_str())
            .collect()
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.diagnostics.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            f.write_str(&d.render(&self.sources))?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

/// One diagnostic as miette sees it: the labels in the primary label's file,
/// and one related note per label in another file.
struct Report {
    message: String,
    source: Option<NamedSource<String>>,
    labels: Vec<LabeledSpan>,
    help: Option<String>,
    notes: Vec<Report>,
    severity: miette::Severity,
}

impl Report {
    fn new(diagnostic: &Diagnostic, sources: &SourceMap) -> Report {
        let named = |span: Span| {
            NamedSource::new(
                display_path(sources.path(span.file)),
                sources.text(span.file).to_string(),
            )
        };
        let Some(primary) = &diagnostic.primary else {
            return Report {
                message: diagnostic.message.clone(),
                source: None,
                labels: Vec::new(),
                help: diagnostic.help.clone(),
                notes: Vec::new(),
                severity: miette::Severity::Error,
            };
        };
        let file = primary.span.file.0;
        let mut labels = vec![LabeledSpan::new_primary_with_span(
            Some(primary.text.clone()),
            source_span(primary.span),
        )];
        let mut notes = Vec::new();
        for label in &diagnostic.secondary {
            if label.span.file.0 == file {
                labels.push(LabeledSpan::new_with_span(
                    Some(label.text.clone()),
                    source_span(label.span),
                ));
            } else {
                notes.push(Report {
                    message: "note: in another file".to_string(),
                    source: Some(named(label.span)),
                    labels: vec![LabeledSpan::new_primary_with_span(
                        Some(label.text.clone()),
                        source_span(label.span),
                    )],
                    help: None,
                    notes: Vec::new(),
                    severity: miette::Severity::Advice,
                });
            }
        }
        Report {
            message: diagnostic.message.clone(),
            source: Some(named(primary.span)),
            labels,
            help: diagnostic.help.clone(),
            notes,
            severity: miette::Severity::Error,
        }
    }
}

fn source_span(span: Span) -> miette::SourceSpan {
    (
        span.start as usize,
        span.end.saturating_sub(span.start) as usize,
    )
        .into()
}

fn display_path(path: &Path) -> String {
    path.display().to_string()
}

impl fmt::Debug for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Report {}

impl miette::Diagnostic for Report {
    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display + 'a>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| s as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            None
        } else {
            Some(Box::new(self.labels.iter().cloned()))
        }
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        if self.notes.is_empty() {
            None
        } else {
            Some(Box::new(
                self.notes.iter().map(|n| n as &dyn miette::Diagnostic),
            ))
        }
    }
}
