//! Source text to AST and back: lexer, parser, printer, source map.
//!
//! [`parse`] turns one file's text into a [`ast::Module`] (includes are left
//! as clauses; the loader resolves them), [`print_module`] prints canonical
//! text that parses back to an equal module. Static checks live in
//! [`crate::check`].
pub mod ast;
mod lexer;
mod parser;
mod printer;
mod source;

pub use parser::{KEYWORDS, parse};
pub use printer::print_module;
pub use source::SourceMap;
