//! Spec files (`specs/*.yaml`): which program to check, on which nodes, up to
//! which bounds, and the verdict CI expects.
//!
//! ```yaml
//! description: "best-effort broadcast loses a message"   # optional
//! program: [../protocols/simple_broadcast.ded]           # relative to this file
//! nodes: [a, b, c]
//! eot: 4
//! eff: 2
//! crashes: 0
//! max_delay: 0          # optional, default 0
//! omissions: true       # optional, default true; false: reliable channels
//!                       # (delays and crashes only)
//! expect: violated      # optional: holds | violated
//! timeout: 30           # optional: seconds this spec's search may take
//! ```

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::faults::FaultSpace;

/// The verdict a spec expects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Expect {
    /// The search must certify the specification.
    Holds,
    /// The search must find a counterexample.
    Violated,
    /// The search must certify, with no run ever having a `pre` tuple
    /// (without it, such a certificate fails: it checked nothing).
    Vacuous,
}

impl Expect {
    /// `holds` or `violated`.
    pub fn name(self) -> &'static str {
        match self {
            Expect::Holds => "holds",
            Expect::Violated => "violated",
            Expect::Vacuous => "vacuous",
        }
    }
}

/// `omissions:` when a spec leaves it out: the full fault model.
fn omissions_by_default() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SpecFile {
    #[serde(default)]
    description: Option<String>,
    program: Vec<PathBuf>,
    nodes: Vec<String>,
    eot: u32,
    eff: u32,
    crashes: u32,
    #[serde(default)]
    max_delay: u32,
    #[serde(default = "omissions_by_default")]
    omissions: bool,
    #[serde(default)]
    expect: Option<Expect>,
    #[serde(default)]
    timeout: Option<f64>,
}

/// A loaded spec file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spec {
    /// Where it was read from.
    pub path: PathBuf,
    /// What it checks, in a sentence.
    pub description: Option<String>,
    /// The program files, resolved relative to the spec file.
    pub program: Vec<PathBuf>,
    /// The fault space.
    pub space: FaultSpace,
    /// The expected verdict.
    pub expect: Option<Expect>,
    /// The time budget of this spec's search (`timeout:`, in seconds);
    /// a command-line `--timeout` that is shorter wins.
    pub timeout: Option<std::time::Duration>,
    /// Where `nodes:` is written (for errors about nodes).
    nodes_at: Option<(usize, usize)>,
}

/// `a/./b/../c` as `a/c`, without touching the file system.
fn tidy(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
            {
                out.pop();
            }
            other => out.push(other),
        }
    }
    if out.as_os_str().is_empty() {
        // `program: [.]` (or `""`) names the spec's own directory: say so,
        // rather than "cannot read ``".
        out.push(".");
    }
    out
}

/// A malformed spec file, with its location.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct SpecError {
    /// The file.
    pub path: PathBuf,
    /// 1-based line and column, when known.
    pub location: Option<(usize, usize)>,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error: {}\n  --> {}", self.message, self.path.display())?;
        if let Some((l, c)) = self.location {
            write!(f, ":{l}:{c}")?;
        }
        if let Some(h) = &self.help {
            write!(f, "\n  help: {h}")?;
        }
        Ok(())
    }
}

/// 1-based position of top-level `key:` in `text`.
fn key_location(text: &str, key: &str) -> Option<(usize, usize)> {
    text.lines()
        .enumerate()
        .find(|(_, l)| {
            l.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with(':'))
        })
        .map(|(i, _)| (i + 1, 1))
}

/// The largest spec file read (1 MiB; a spec is a dozen lines).
pub const MAX_SPEC_BYTES: u64 = 1 << 20;

/// The deepest nesting of `[`/`{` accepted (a spec nests two deep).
const MAX_NESTING: usize = 64;

/// Where `text` nests flow collections deeper than [`MAX_NESTING`], if it
/// does: the YAML parser takes seconds on 100,000 nested `[`.
fn too_deep(text: &str) -> Option<(usize, usize)> {
    let mut depth = 0usize;
    let mut quote = None;
    for (i, line) in text.lines().enumerate() {
        for (j, c) in line.chars().enumerate() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '"' | '\'') => quote = Some(c),
                (None, '#') => break,
                (None, '[' | '{') => {
                    depth += 1;
                    if depth > MAX_NESTING {
                        return Some((i + 1, j + 1));
                    }
                }
                (None, ']' | '}') => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
    }
    None
}

impl Spec {
    /// Reads and validates a spec file (at most [`MAX_SPEC_BYTES`]).
    pub fn load(path: &Path) -> Result<Spec, crate::Error> {
        let text =
            dedalus::read_text_file(path, MAX_SPEC_BYTES, "a spec file").map_err(|source| {
                crate::Error::Io {
                    path: path.to_path_buf(),
                    source,
                }
            })?;
        Ok(Spec::parse(path, &text)?)
    }

    /// Parses spec text read from `path`.
    pub fn parse(path: &Path, text: &str) -> Result<Spec, SpecError> {
        let err = |location, message: String, help: Option<&str>| SpecError {
            path: path.to_path_buf(),
            location,
            message,
            help: help.map(str::to_string),
        };
        // A byte-order mark is not part of the first key.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        if let Some(at) = too_deep(text) {
            return Err(err(
                Some(at),
                format!("the spec nests `[`/`{{` more than {MAX_NESTING} deep"),
                Some(
                    "a spec is a flat mapping: program, nodes, eot, eff, crashes, max_delay, omissions, expect",
                ),
            ));
        }
        let file: SpecFile = serde_yaml::from_str(text).map_err(|e| {
            // serde places a duplicate key at the start of the mapping.
            let message = e.to_string();
            let duplicate = message
                .split_once("duplicate field `")
                .and_then(|(_, rest)| rest.split_once('`'))
                .and_then(|(key, _)| {
                    text.lines()
                        .enumerate()
                        .filter(|(_, l)| {
                            l.strip_prefix(key)
                                .is_some_and(|r| r.trim_start().starts_with(':'))
                        })
                        .nth(1)
                        .map(|(i, _)| (i + 1, 1))
                });
            // A saved counterexample is not a spec, but it can be replayed.
            let saved = text.lines().any(|l| l.starts_with("faults:"));
            err(
                duplicate.or(e.location().map(|l| (l.line(), l.column()))),
                format!("invalid spec: {e}"),
                Some(if saved {
                    "this is a saved counterexample: replay it with `ldfi run --counterexample FILE`"
                } else {
                    "keys: description, program, nodes, eot, eff, crashes, max_delay, omissions, expect (holds | violated | vacuous), timeout (seconds)"
                }),
            )
        })?;
        let at = |key: &str| key_location(text, key);
        if file.program.is_empty() {
            return Err(err(
                at("program"),
                "`program` lists no files".into(),
                Some("program: [../protocols/x.ded]"),
            ));
        }
        let space = FaultSpace {
            nodes: file.nodes,
            eot: file.eot,
            eff: file.eff,
            crashes: file.crashes,
            max_delay: file.max_delay,
            omissions: file.omissions,
        };
        if let Err(e) = space.validate() {
            return Err(err(at(e.key()), e.to_string(), None));
        }
        let timeout = match file.timeout {
            None => None,
            Some(secs) => Some(
                std::time::Duration::try_from_secs_f64(secs)
                    .ok()
                    .filter(|d| !d.is_zero())
                    .ok_or_else(|| {
                        err(
                            at("timeout"),
                            format!("`timeout` must be a positive number of seconds, got {secs}"),
                            Some("timeout: 30"),
                        )
                    })?,
            ),
        };
        let base = path.parent().unwrap_or(Path::new(""));
        Ok(Spec {
            path: path.to_path_buf(),
            description: file.description,
            program: file.program.iter().map(|p| tidy(&base.join(p))).collect(),
            space,
            expect: file.expect,
            timeout,
            nodes_at: at("nodes"),
        })
    }

    /// Checks that every fact located at a node-like string names one of the
    /// spec's nodes: a fact placed at an unknown node never takes part in the
    /// run, which is almost always a typo in `nodes`.
    pub fn check_locations(&self, program: &dedalus::Program) -> Result<(), SpecError> {
        use dedalus::syntax::ast::{Arg, Expr};
        let located = dedalus::analysis::located_relations(program);
        let is_located = |name: &str| program.relation(name).is_some_and(|r| located[r as usize]);
        let nodes_named_in_facts: std::collections::BTreeSet<&str> = program
            .facts()
            .iter()
            .filter(|f| f.atom.name.name == "node" || f.atom.name.name == "member")
            .flat_map(|f| f.atom.args.iter())
            .filter_map(|a| match a {
                Arg::Expr(Expr::Str(s, _)) => Some(s.as_str()),
                _ => None,
            })
            .collect();
        for f in program.facts() {
            if !is_located(&f.atom.name.name) {
                continue;
            }
            if let Some(Arg::Expr(Expr::Str(s, _))) = f.atom.args.first()
                && !self.space.nodes.iter().any(|n| n == s)
                && nodes_named_in_facts.contains(s.as_str())
            {
                let (line, col) = program.sources().line_col(f.span);
                return Err(SpecError {
                    path: self.path.clone(),
                    location: self.nodes_at,
                    message: format!(
                        "node `{s}` is used as a location ({}:{line}:{col}) but is not in `nodes` [{}]",
                        program.sources().path(f.span.file).display(),
                        self.space.nodes.join(", ")
                    ),
                    help: Some(format!(
                        "add `{s}` to `nodes`, or remove the facts that place data at it"
                    )),
                });
            }
        }
        Ok(())
    }
}
