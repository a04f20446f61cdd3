//! Reading a program from files: each file parsed, its includes resolved
//! relative to its directory and spliced in where they were written, each
//! canonical path loaded once, then the whole checked ([`crate::check`]).

use std::collections::HashSet;
use std::path::{Component, Path, PathBuf};

use crate::check::check;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::program::Program;
use crate::syntax::ast::{Clause, Module, Span};
use crate::syntax::{SourceMap, parse};

/// Loads and checks the files `paths`, in order, as one program.
///
/// Files named here count as loaded, so a later include of one of them is
/// ignored; an include that leads back to a file still being loaded is an
/// include cycle.
pub fn load_files(paths: &[impl AsRef<Path>]) -> Result<Program, Diagnostics> {
    let mut loader = Loader::default();
    for path in paths {
        loader.file(path.as_ref().to_path_buf(), None);
    }
    loader.finish()
}

/// Loads and checks one program given as text, named `name` in diagnostics;
/// its includes resolve relative to the current directory.
pub fn load_str(name: &str, text: &str) -> Result<Program, Diagnostics> {
    let mut loader = Loader::default();
    let file = loader.sources.add(PathBuf::from(name), text.to_string());
    match parse(file, text) {
        Ok(module) => loader.splice(module, Path::new("")),
        Err(d) => loader.errors.push(d),
    }
    loader.finish()
}

#[derive(Default)]
struct Loader {
    sources: SourceMap,
    clauses: Vec<Clause>,
    errors: Vec<Diagnostic>,
    /// Canonical paths of every file loaded or being loaded.
    loaded: HashSet<PathBuf>,
    /// Files being loaded, outermost first: (canonical, as displayed).
    stack: Vec<(PathBuf, PathBuf)>,
}

impl Loader {
    /// Loads `path`, included at `from` (`None` for a command-line file).
    fn file(&mut self, path: PathBuf, from: Option<Span>) {
        let unreadable = |e: std::io::Error| match from {
            Some(span) => {
                let dir = path.parent().unwrap_or(Path::new(""));
                let dir = if dir.as_os_str().is_empty() {
                    ".".to_string()
                } else {
                    dir.display().to_string()
                };
                Diagnostic::error(
                    format!("cannot read included file `{}`: {e}", path.display()),
                    span,
                    "included here",
                )
                .with_help(format!(
                    "an include path is relative to the directory of the file that \
                     contains it (here `{dir}`)"
                ))
            }
            None => Diagnostic::without_span(format!("cannot read `{}`: {e}", path.display())),
        };
        let canonical = match std::fs::canonicalize(&path) {
            Ok(c) => c,
            Err(e) => return self.errors.push(unreadable(e)),
        };
        if let Some(at) = self.stack.iter().position(|(c, _)| *c == canonical) {
            let chain: Vec<String> = self.stack[at..]
                .iter()
                .map(|(_, shown)| shown.display().to_string())
                .chain([path.display().to_string()])
                .collect();
            let d = Diagnostic::error(
                format!("include cycle: {}", chain.join(" -> ")),
                from.unwrap_or_default(),
                format!("`{}` is already being loaded", path.display()),
            )
            .with_help(
                "each file is loaded once, so a file may not include itself, directly or \
                 through other files: remove one include of the cycle",
            );
            return self.errors.push(d);
        }
        if !self.loaded.insert(canonical.clone()) {
            return; // Already part of the program.
        }
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) => return self.errors.push(unreadable(e)),
        };
        let file = self.sources.add(path.clone(), text);
        match parse(file, self.sources.text(file)) {
            Ok(module) => {
                let dir = path.parent().unwrap_or(Path::new("")).to_path_buf();
                self.stack.push((canonical, path));
                self.splice(module, &dir);
                self.stack.pop();
            }
            Err(d) => self.errors.push(d),
        }
    }

    /// Appends `module`'s clauses, loading each include where it is written.
    fn splice(&mut self, module: Module, dir: &Path) {
        for clause in module.clauses {
            match clause {
                Clause::Include(include) => {
                    self.file(normalize(&dir.join(&include.path)), Some(include.span));
                }
                clause => self.clauses.push(clause),
            }
        }
    }

    fn finish(self) -> Result<Program, Diagnostics> {
        if self.errors.is_empty() {
            check(self.sources, self.clauses)
        } else {
            Err(Diagnostics::new(self.sources, self.errors))
        }
    }
}

/// `path` without `.` components, for shorter paths in diagnostics.
fn normalize(path: &Path) -> PathBuf {
    let cleaned: PathBuf = path
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect();
    if cleaned.as_os_str().is_empty() {
        path.to_path_buf()
    } else {
        cleaned
    }
}
