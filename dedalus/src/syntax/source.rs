//! The loaded source files, so that a [`Span`] can be turned back into a path,
//! a line and a column, and the text it covers.

use std::path::{Path, PathBuf};

use super::ast::{FileId, Span};

/// Every source file of a program, indexed by [`FileId`].
#[derive(Clone, Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

/// One loaded file: its path as given and its text.
#[derive(Clone, Debug)]
struct SourceFile {
    path: PathBuf,
    text: String,
}

impl SourceMap {
    /// An empty source map.
    pub fn new() -> SourceMap {
        SourceMap::default()
    }

    /// Adds a file and returns its id.
    pub fn add(&mut self, path: PathBuf, text: String) -> FileId {
        let id = FileId(u32::try_from(self.files.len()).unwrap_or(u32::MAX));
        self.files.push(SourceFile { path, text });
        id
    }

    /// The path of `file` as it was given (empty for an unknown id).
    pub fn path(&self, file: FileId) -> &Path {
        self.get(file).map_or(Path::new(""), |f| f.path.as_path())
    }

    /// The text of `file` (empty for an unknown id).
    pub fn text(&self, file: FileId) -> &str {
        self.get(file).map_or("", |f| f.text.as_str())
    }

    /// 1-based line and column (counted in characters) of the start of `span`.
    pub fn line_col(&self, span: Span) -> (usize, usize) {
        let text = self.text(span.file);
        let start = clamp_to_char_boundary(text, span.start as usize);
        let before = &text[..start];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let col = before[line_start..].chars().count() + 1;
        (line, col)
    }

    /// The text `span` covers (empty if it does not fit the file).
    pub fn snippet(&self, span: Span) -> &str {
        self.text(span.file).get(span.range()).unwrap_or("")
    }

    /// Every file, with its id, in the order they were added.
    pub fn files(&self) -> impl Iterator<Item = (FileId, &Path)> + '_ {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(i as u32), f.path.as_path()))
    }

    /// Number of files.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether no file was added.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    fn get(&self, file: FileId) -> Option<&SourceFile> {
        self.files.get(file.0 as usize)
    }
}

/// The largest char boundary of `text` not after `at`.
fn clamp_to_char_boundary(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}
