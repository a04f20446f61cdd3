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

/// The largest source file read, a program file or an include (16 MiB):
/// `include "/dev/zero";` fails at once instead of reading gigabytes.
pub const MAX_SOURCE_BYTES: u64 = 16 << 20;

/// Reads one source file: a regular file of at most [`MAX_SOURCE_BYTES`]
/// of UTF-8 text.
fn read_source(path: &Path) -> std::io::Result<String> {
    read_text_file(path, MAX_SOURCE_BYTES, "a Dedalus source file")
}

/// Reads the UTF-8 text of a regular file of at most `limit` bytes (`what`
/// names what it should be, for the errors), or
/// fails with an error that says why. The file type is checked before the
/// file is opened: opening a FIFO would block until a writer comes, so a
/// named pipe in place of a program or spec would hang the tool (and a CI
/// job) forever; a device or a directory is refused the same way.
pub fn read_text_file(path: &Path, limit: u64, what: &str) -> std::io::Result<String> {
    use std::io::{Error, ErrorKind, Read as _};
    let meta = std::fs::metadata(path)?;
    if meta.is_dir() {
        return Err(Error::other(format!("it is a directory, not {what}")));
    }
    if !meta.is_file() {
        return Err(Error::other(
            "it is not a regular file (a device, a pipe or a socket)",
        ));
    }
    let file = std::fs::File::open(path)?;
    let mut bytes = Vec::new();
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        let size = if limit >= 1 << 20 {
            format!("{} MiB", limit >> 20)
        } else {
            format!("{} KiB", limit >> 10)
        };
        return Err(Error::other(format!(
            "it is larger than {size}, the limit for {what}"
        )));
    }
    String::from_utf8(bytes).map_err(|_| Error::new(ErrorKind::InvalidData, "it is not UTF-8 text"))
}

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
        // The directory an include resolves against: the including file's.
        let including = self
            .stack
            .last()
            .map(|(_, shown)| shown.parent().unwrap_or(Path::new("")).to_path_buf());
        let unreadable = |e: std::io::Error| match from {
            Some(span) => {
                let dir = including.as_deref().unwrap_or(Path::new(""));
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
        let text = match read_source(&path) {
            Ok(text) => text,
            Err(e) => return self.errors.push(unreadable(e)),
        };
        let dedalus_source = canonical.extension().is_some_and(|x| x == "ded");
        let file = self.sources.add(path.clone(), text);
        match parse(file, self.sources.text(file)) {
            Ok(module) => {
                let dir = path.parent().unwrap_or(Path::new("")).to_path_buf();
                self.stack.push((canonical, path));
                self.splice(module, &dir);
                self.stack.pop();
            }
            // Never quote a file that is not Dedalus source: an include of
            // `/etc/passwd` or `/proc/self/environ` must not print it.
            Err(d) if !dedalus_source => {
                let (line, col) = d
                    .primary
                    .as_ref()
                    .map_or((1, 1), |l| self.sources.line_col(l.span));
                // Not even the parser's message: it may quote a token.
                let what = format!(
                    "`{}` is not a Dedalus program: it does not parse (first error at line {line}, \
                     column {col})",
                    path.display(),
                );
                let d = match from {
                    Some(span) => Diagnostic::error(what, span, "included here"),
                    None => Diagnostic::without_span(what),
                };
                self.errors.push(d.with_help(
                    "its contents are not shown because its name does not end in `.ded`; \
                     include only Dedalus source files",
                ));
            }
            Err(d) => self.errors.push(d),
        }
    }

    /// Appends `module`'s clauses, loading each include where it is written.
    fn splice(&mut self, module: Module, dir: &Path) {
        for clause in module.clauses {
            match clause {
                Clause::Include(include) if include.path.trim().is_empty() => {
                    let shown = if dir.as_os_str().is_empty() {
                        ".".to_string()
                    } else {
                        dir.display().to_string()
                    };
                    self.errors.push(
                        Diagnostic::error(
                            "`include \"\"` names no file",
                            include.span,
                            "an empty path",
                        )
                        .with_help(format!(
                            "write the path of a .ded file, relative to the directory of this \
                             file (here `{shown}`)"
                        )),
                    );
                }
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
