//! The harness's error type.

use std::path::PathBuf;

/// Anything that stops a check before it reaches a verdict.
///
/// `Debug` renders like `Display`, so that `fn t() -> Result<(), Error>`
/// tests that fail with `?` print the rendered diagnostics, not a dump of
/// the source map.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The program does not parse or check (rendered diagnostics).
    #[error("{0}")]
    Program(#[from] dedalus::diagnostic::Diagnostics),
    /// A run could not be evaluated.
    #[error("{0}")]
    Eval(#[from] dedalus::eval::EvalError),
    /// Impossible bounds.
    #[error("impossible bounds: {0}")]
    Bounds(#[from] crate::faults::BoundsError),
    /// The fault space is too large to enumerate exhaustively.
    #[error(
        "impossible bounds: exhaustive search over {combinations} fault combinations would not finish \
         (at most {max}); use the ldfi strategy, or lower EOT, EFF or crashes"
    )]
    TooManyCombinations {
        /// The size of the space, as printed (`2.43e26`).
        combinations: String,
        /// The largest space enumerated.
        max: u64,
    },
    /// [`crate::Target::shrink`] was given a run that does not violate the
    /// specification.
    #[error(
        "the run under {faults} does not violate the specification: there is nothing to shrink"
    )]
    NotViolated {
        /// The fault set, described with node names.
        faults: String,
    },
    /// A spec file is malformed.
    #[error("{0}")]
    Spec(#[from] crate::spec::SpecError),
    /// The specification is malformed (e.g. `pre` and `post` of different arities).
    #[error("{0}")]
    Specification(String),
    /// The program defines no specification.
    #[error(
        "the program defines no specification: it needs both `pre` and `post` relations (same arity)\n  \
         help: add rules such as `pre(X) :- ...;` and `post(X) :- ...;`, or use `ldfi run` to just evaluate it"
    )]
    NoSpecification,
    /// A bug in this tool: something panicked (the z3 bindings, say), or two
    /// of its parts disagree; never a verdict. `ldfi hunt` reports it for
    /// one spec and goes on with the others.
    #[error("internal error: {0} (please report it)")]
    Internal(String),
    /// An output would be written through a symbolic link (planted in an
    /// output folder, it could redirect the write to any file).
    #[error(
        "{path}: refusing to write through a symbolic link (remove it, or choose another output folder)"
    )]
    Symlink {
        /// The link.
        path: PathBuf,
    },
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

impl std::fmt::Debug for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}
