//! Candidate repairs as edits of the program's syntax tree (Nemo §3.4.3).
//!
//! A [`Candidate`] is a list of [`Edit`]s: replace a rule, or insert a new
//! rule after one. [`Candidate::patch`] prints each new or changed rule with
//! the `dedalus` printer (which round-trips) and splices it into the
//! original text at the rule's span, so a patch changes exactly the lines it
//! must and keeps every comment; [`Patch::diff`] is a unified diff that
//! `git apply` accepts.
//!
//! Candidates come from repair families ([`RepairFamily`]), one module
//! each, registered in [`families`]: given the program, a good run and the
//! failed run ([`Evidence`]), a family proposes candidates or says why it
//! does not apply. A new family is one new file and one line in
//! [`families`].
//!
//! Nothing here certifies a candidate: [`Candidate::scope`] rejects edits of
//! the specification, and the harness runs the search on the rest.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

use dedalus::eval::Run;
use dedalus::syntax::ast::{Arg, Expr, HeadTime, Literal, Rule};
use dedalus::{Program, RuleId};
use serde::Serialize;

pub mod correction;
pub mod fallback;
pub mod grouping;
pub mod idempotence;
mod lineage;
pub mod ordering;
pub mod pairs;
pub mod persistence;
pub mod retry;
mod syntax;
pub mod threshold;

/// What a family proposes from: the program, a good run that established
/// the violated `pre` tuple with its `post`, and the failed run.
#[derive(Clone, Copy)]
pub struct Evidence<'a> {
    /// The program.
    pub program: &'a Program,
    /// A good run.
    pub good: &'a Run,
    /// The failed run.
    pub failed: &'a Run,
}

/// A class of bugs and the repairs it calls for.
pub trait RepairFamily: Sync {
    /// The family's name (`retry`, `persistence`, ...).
    fn name(&self) -> &'static str;
    /// Why this family fits a bug, in one line.
    fn rationale(&self) -> &'static str;
    /// Candidates for the failed run, or why the family does not apply.
    fn propose(&self, evidence: &Evidence<'_>) -> Result<Vec<Candidate>, String>;
}

/// Every registered family, in the order their candidates are proposed.
pub fn families() -> &'static [&'static dyn RepairFamily] {
    &[
        &correction::Correction,
        &correction::LocalCorrection,
        &retry::Retry,
        &ordering::Ordering,
        &persistence::Persistence,
        &threshold::Threshold,
        &grouping::Grouping,
        &idempotence::Idempotence,
        &fallback::Fallback,
        &pairs::Pairs,
    ]
}

/// One change to the program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Edit {
    /// Replace rule `rule` by `with`.
    Replace {
        /// The rule replaced.
        rule: RuleId,
        /// Its new text.
        with: Rule,
    },
    /// Insert `rule` on a new line after rule `after` (after earlier inserts there).
    Insert {
        /// The rule it follows.
        after: RuleId,
        /// The new rule.
        rule: Rule,
    },
}

/// What a candidate tries: the name of the family that proposed it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Kind(&'static str);

impl Kind {
    /// Two candidates together ([`Candidate::combine`]).
    pub const COMBINATION: Kind = Kind::new("combination");

    /// The kind named `name`.
    pub const fn new(name: &'static str) -> Kind {
        Kind(name)
    }

    /// The kind's name.
    pub fn name(self) -> &'static str {
        self.0
    }
}

/// A proposed repair: not a fix until the search certifies it.
#[derive(Clone, Debug)]
pub struct Candidate {
    /// What it tries.
    pub kind: Kind,
    /// What it does, in one sentence.
    pub summary: String,
    /// The edits.
    pub edits: Vec<Edit>,
    /// What it cannot do, said up front.
    pub caveat: Option<String>,
}

/// One file a patch changes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PatchedFile {
    /// The path the program was loaded from.
    pub path: PathBuf,
    /// Its text before.
    pub original: String,
    /// Its text after.
    pub patched: String,
}

/// The files a candidate changes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Patch {
    /// The changed files, in load order.
    pub files: Vec<PatchedFile>,
}

impl Patch {
    /// A unified diff of every changed file for `git apply`: `a/` and `b/`
    /// prefixes, paths relative to the current directory when they lie
    /// below it.
    pub fn diff(&self) -> String {
        let cwd = std::env::current_dir().unwrap_or_default();
        self.diff_in(&cwd)
    }

    /// [`Patch::diff`] with paths relative to `root` when they lie below it
    /// (`.` and `dir/..` folded away first).
    pub fn diff_in(&self, root: &Path) -> String {
        let mut out = String::new();
        for f in &self.files {
            let shown = diff_path(&f.path, root);
            let diff = similar::TextDiff::from_lines(&f.original, &f.patched);
            out.push_str(&format!("diff --git a/{shown} b/{shown}\n"));
            out.push_str(
                &diff
                    .unified_diff()
                    .context_radius(3)
                    .header(&format!("a/{shown}"), &format!("b/{shown}"))
                    .to_string(),
            );
        }
        out
    }

    /// Lines added plus lines removed.
    pub fn size(&self) -> usize {
        self.files
            .iter()
            .map(|f| {
                similar::TextDiff::from_lines(&f.original, &f.patched)
                    .iter_all_changes()
                    .filter(|c| c.tag() != similar::ChangeTag::Equal)
                    .count()
            })
            .sum()
    }
}

/// `path` folded (`.` and `dir/..` removed), relative to `root` when it
/// lies below it (relative paths are taken from the current directory).
pub fn diff_path(path: &Path, root: &Path) -> String {
    let fold = |p: &Path| -> PathBuf {
        let mut parts: Vec<Component> = Vec::new();
        for c in p.components() {
            match c {
                Component::CurDir => {}
                Component::ParentDir if matches!(parts.last(), Some(Component::Normal(_))) => {
                    parts.pop();
                }
                c => parts.push(c),
            }
        }
        parts.iter().collect()
    };
    let cwd = std::env::current_dir().unwrap_or_default();
    let abs = fold(&cwd.join(path));
    let root = fold(&cwd.join(root));
    match abs.strip_prefix(&root) {
        Ok(rel) => rel.display().to_string(),
        Err(_) => fold(path).display().to_string(),
    }
}

impl Candidate {
    /// The candidate applied to the program's source files.
    pub fn patch(&self, program: &Program) -> Patch {
        let sources = &program.sources();
        let mut files = Vec::new();
        for (file, path) in sources.files() {
            let text = sources.text(file);
            // (start, end, order, replacement): inserts at the end of the
            // line holding their rule's end, after a replacement there.
            let mut splices: Vec<(usize, usize, usize, String)> = Vec::new();
            for (order, edit) in self.edits.iter().enumerate() {
                let (rule, new) = match edit {
                    Edit::Replace { rule, with } => (*rule, with),
                    Edit::Insert { after, rule } => (*after, rule),
                };
                let span = program.rules()[rule as usize].span;
                if span.file.0 != file.0 {
                    continue;
                }
                match edit {
                    Edit::Replace { .. } => {
                        splices.push((
                            span.start as usize,
                            span.end as usize,
                            order,
                            new.to_string(),
                        ));
                    }
                    Edit::Insert { .. } => {
                        let end = span.end as usize;
                        let eol = text[end..].find('\n').map_or(text.len(), |i| end + i);
                        splices.push((eol, eol, order, format!("\n{new}")));
                    }
                }
            }
            if splices.is_empty() {
                continue;
            }
            splices.sort_by_key(|&(s, e, o, _)| (s, e, o));
            let mut patched = String::with_capacity(text.len() + 256);
            let mut at = 0;
            for (s, e, _, new) in splices {
                patched.push_str(&text[at..s.max(at)]);
                patched.push_str(&new);
                at = at.max(e);
            }
            patched.push_str(&text[at..]);
            files.push(PatchedFile {
                path: path.to_path_buf(),
                original: text.to_string(),
                patched,
            });
        }
        Patch { files }
    }

    /// Every new or changed rule, printed.
    pub fn rules(&self) -> Vec<String> {
        self.edits
            .iter()
            .map(|e| match e {
                Edit::Replace { with, .. } => with.to_string(),
                Edit::Insert { rule, .. } => rule.to_string(),
            })
            .collect()
    }

    /// Why the candidate is out of bounds for a repair, if it is: it edits
    /// a specification rule (`pre`, `post`), or makes a protocol relation
    /// depend on `pre`, `post` or the `crash` oracle (which would "verify"
    /// trivially).
    pub fn scope(&self, program: &Program) -> Result<(), String> {
        use dedalus::program::{CRASH, POST, PRE};
        const SPEC: [&str; 2] = [PRE, POST];
        const ORACLES: [&str; 3] = [PRE, POST, CRASH];
        for edit in &self.edits {
            let (old, new) = match edit {
                Edit::Replace { rule, with } => (Some(&program.rules()[*rule as usize]), with),
                Edit::Insert { rule, .. } => (None, rule),
            };
            for r in old.into_iter().chain([new]) {
                if SPEC.contains(&r.head.name.name.as_str()) {
                    return Err(format!(
                        "it edits the specification rule `{}`: a repair changes the protocol, \
                         never what it is checked against",
                        r.head.name.name
                    ));
                }
            }
            let before: BTreeSet<&str> = old.map(body_relations).unwrap_or_default();
            for rel in body_relations(new) {
                if ORACLES.contains(&rel) && !before.contains(rel) {
                    return Err(format!(
                        "it makes `{}` depend on `{rel}`: a protocol may not read the \
                         specification or the crash oracle",
                        new.head.name.name
                    ));
                }
            }
        }
        Ok(())
    }
}

impl Candidate {
    /// Why the candidate names a value that is not one of `nodes` as a
    /// location (a rule's first body atom's first argument) or as a
    /// message's destination, if it does: such a rule never fires, or
    /// sends to nobody.
    pub fn locations(&self, nodes: &[String]) -> Result<(), String> {
        for edit in &self.edits {
            let r = match edit {
                Edit::Replace { with, .. } => with,
                Edit::Insert { rule, .. } => rule,
            };
            let location = match r.body.first() {
                Some(Literal::Atom(a)) => a.atom.args.first(),
                _ => None,
            };
            let destination = (r.time == HeadTime::Async)
                .then(|| r.head.args.first())
                .flatten();
            for (what, arg) in [("location", location), ("destination", destination)] {
                if let Some(Arg::Expr(e @ (Expr::Str(..) | Expr::Int(..)))) = arg {
                    let name = match e {
                        Expr::Str(s, _) => s.clone(),
                        other => other.to_string(),
                    };
                    if !nodes.contains(&name) {
                        return Err(format!(
                            "`{r}` names {e} as its {what}, which is not a node ({})",
                            nodes.join(", ")
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    /// The candidate made of both candidates' edits; `None` if they replace
    /// the same rule.
    pub fn combine(&self, other: &Candidate) -> Option<Candidate> {
        let replaced = |c: &Candidate| -> BTreeSet<RuleId> {
            c.edits
                .iter()
                .filter_map(|e| match e {
                    Edit::Replace { rule, .. } => Some(*rule),
                    Edit::Insert { .. } => None,
                })
                .collect()
        };
        if !replaced(self).is_disjoint(&replaced(other)) {
            return None;
        }
        let mut edits = self.edits.clone();
        for e in &other.edits {
            // Identical rules (a shared buffer, say) are added once.
            if !edits.contains(e) {
                edits.push(e.clone());
            }
        }
        Some(Candidate {
            kind: Kind::COMBINATION,
            summary: format!("{}; and {}", self.summary, other.summary),
            edits,
            caveat: None,
        })
    }
}

fn body_relations(rule: &Rule) -> BTreeSet<&str> {
    rule.body
        .iter()
        .filter_map(|l| match l {
            Literal::Atom(a) => Some(a.atom.name.name.as_str()),
            Literal::Cmp(_) => None,
        })
        .collect()
}

/// The one-line rationale of the family that proposes candidates of `kind`.
pub fn rationale(kind: Kind) -> Option<&'static str> {
    families()
        .iter()
        .find(|f| f.name() == kind.name())
        .map(|f| f.rationale())
}

/// Every candidate for the failed run, given a good run that established
/// the same `pre` tuple; with each family that did not apply, why.
pub fn candidates(program: &Program, good: &Run, failed: &Run) -> (Vec<Candidate>, Vec<String>) {
    let evidence = Evidence {
        program,
        good,
        failed,
    };
    let mut out = Vec::new();
    let mut notes = Vec::new();
    for family in families() {
        match family.propose(&evidence) {
            Ok(cs) => out.extend(cs),
            Err(why) => notes.push(format!("no {} candidate: {why}", family.name())),
        }
    }
    (out, notes)
}
