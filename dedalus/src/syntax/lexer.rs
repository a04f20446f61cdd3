//! Source text to tokens (docs/dedalus.md §1): comments are skipped, every
//! token keeps its span, and the first malformed token is a [`Diagnostic`].

use std::fmt;

use super::ast::{CmpOp, FileId, Span};
use crate::diagnostic::Diagnostic;

/// A token of Dedalus source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Tok {
    /// `[A-Za-z_][A-Za-z0-9_]*` (keywords included; the parser tells them apart).
    Ident(String),
    /// `"text"`, without the quotes.
    Str(String),
    /// A non-negative integer literal that fits an `i64`.
    Int(i64),
    LParen,
    RParen,
    Comma,
    Semi,
    At,
    /// `:-`
    If,
    Cmp(CmpOp),
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    /// End of input.
    Eof,
}

impl fmt::Display for Tok {
    /// How the parser names a token it did not expect.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tok::Ident(name) => write!(f, "`{name}`"),
            Tok::Str(text) => write!(f, "string `\"{text}\"`"),
            Tok::Int(n) => write!(f, "`{n}`"),
            Tok::LParen => f.write_str("`(`"),
            Tok::RParen => f.write_str("`)`"),
            Tok::Comma => f.write_str("`,`"),
            Tok::Semi => f.write_str("`;`"),
            Tok::At => f.write_str("`@`"),
            Tok::If => f.write_str("`:-`"),
            Tok::Cmp(op) => write!(f, "`{}`", op.as_str()),
            Tok::Plus => f.write_str("`+`"),
            Tok::Minus => f.write_str("`-`"),
            Tok::Star => f.write_str("`*`"),
            Tok::Slash => f.write_str("`/`"),
            Tok::Percent => f.write_str("`%`"),
            Tok::Eof => f.write_str("end of file"),
        }
    }
}

/// A token and where it was written.
#[derive(Clone, Debug)]
pub(crate) struct Token {
    pub tok: Tok,
    pub span: Span,
}

/// Splits `text` into tokens, ending with [`Tok::Eof`].
pub(crate) fn lex(file: FileId, text: &str) -> Result<Vec<Token>, Diagnostic> {
    let mut lexer = Lexer {
        file,
        text,
        pos: 0,
        tokens: Vec::new(),
    };
    lexer.run()?;
    let end = text.len();
    lexer.tokens.push(Token {
        tok: Tok::Eof,
        span: Span::new(file, end, end),
    });
    Ok(lexer.tokens)
}

struct Lexer<'a> {
    file: FileId,
    text: &'a str,
    pos: usize,
    tokens: Vec<Token>,
}

impl Lexer<'_> {
    fn run(&mut self) -> Result<(), Diagnostic> {
        while let Some(c) = self.peek(0) {
            let start = self.pos;
            match c {
                c if c.is_whitespace() => self.pos += c.len_utf8(),
                '/' if self.peek(1) == Some('/') => {
                    self.pos = self.text[start..]
                        .find('\n')
                        .map_or(self.text.len(), |i| start + i);
                }
                '/' if self.peek(1) == Some('*') => match self.text[start + 2..].find("*/") {
                    Some(i) => self.pos = start + 2 + i + 2,
                    None => {
                        return Err(Diagnostic::error(
                            "unterminated block comment",
                            self.span(start, start + 2),
                            "this comment is never closed",
                        )
                        .with_help("close the comment with `*/` (block comments do not nest)"));
                    }
                },
                '"' => self.string(start)?,
                '0'..='9' => self.integer(start)?,
                c if c == '_' || c.is_ascii_alphabetic() => {
                    let len = self.text[start..]
                        .find(|c: char| !(c == '_' || c.is_ascii_alphanumeric()))
                        .unwrap_or(self.text.len() - start);
                    self.push(Tok::Ident(self.text[start..start + len].to_string()), len);
                }
                _ => self.punct(start, c)?,
            }
        }
        Ok(())
    }

    fn string(&mut self, start: usize) -> Result<(), Diagnostic> {
        match self.text[start + 1..].find('"') {
            Some(i) => {
                let body = self.text[start + 1..start + 1 + i].to_string();
                self.push(Tok::Str(body), i + 2);
                Ok(())
            }
            None => {
                let line_end = self.text[start..]
                    .find('\n')
                    .map_or(self.text.len(), |i| start + i);
                Err(Diagnostic::error(
                    "unterminated string",
                    self.span(start, line_end),
                    "this string is never closed",
                )
                .with_help("close the string with `\"` (strings cannot contain `\"`)"))
            }
        }
    }

    fn integer(&mut self, start: usize) -> Result<(), Diagnostic> {
        let len = self.text[start..]
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(self.text.len() - start);
        let digits = &self.text[start..start + len];
        match digits.parse::<i64>() {
            Ok(n) => {
                self.push(Tok::Int(n), len);
                Ok(())
            }
            Err(_) => Err(Diagnostic::error(
                "integer literal too large",
                self.span(start, start + len),
                "does not fit in a 64-bit signed integer",
            )
            .with_help(format!("integers are at most {}", i64::MAX))),
        }
    }

    fn punct(&mut self, start: usize, c: char) -> Result<(), Diagnostic> {
        let next = self.peek(1);
        let (tok, len) = match (c, next) {
            (':', Some('-')) => (Tok::If, 2),
            ('=', Some('=')) => (Tok::Cmp(CmpOp::Eq), 2),
            ('!', Some('=')) => (Tok::Cmp(CmpOp::Ne), 2),
            ('<', Some('=')) => (Tok::Cmp(CmpOp::Le), 2),
            ('>', Some('=')) => (Tok::Cmp(CmpOp::Ge), 2),
            ('<', _) => (Tok::Cmp(CmpOp::Lt), 1),
            ('>', _) => (Tok::Cmp(CmpOp::Gt), 1),
            ('(', _) => (Tok::LParen, 1),
            (')', _) => (Tok::RParen, 1),
            (',', _) => (Tok::Comma, 1),
            (';', _) => (Tok::Semi, 1),
            ('@', _) => (Tok::At, 1),
            ('+', _) => (Tok::Plus, 1),
            ('-', _) => (Tok::Minus, 1),
            ('*', _) => (Tok::Star, 1),
            ('/', _) => (Tok::Slash, 1),
            ('%', _) => (Tok::Percent, 1),
            _ => return Err(self.unexpected(start, c)),
        };
        self.push(tok, len);
        Ok(())
    }

    fn unexpected(&self, start: usize, c: char) -> Diagnostic {
        let help = match c {
            ':' => Some("a rule is written `head :- body;`"),
            '=' => Some("equality is written `==`"),
            '!' => Some("inequality is written `!=`; negation is `notin p(...)`"),
            '.' => Some("clauses end with `;`, not `.`"),
            '\'' => Some("strings are written in double quotes: `\"text\"`"),
            _ => None,
        };
        let d = Diagnostic::error(
            format!("unexpected character `{}`", c.escape_debug()),
            self.span(start, start + c.len_utf8()),
            "not part of Dedalus syntax",
        );
        match help {
            Some(h) => d.with_help(h),
            None => d,
        }
    }

    fn peek(&self, ahead: usize) -> Option<char> {
        self.text[self.pos..].chars().nth(ahead)
    }

    fn push(&mut self, tok: Tok, len: usize) {
        let span = self.span(self.pos, self.pos + len);
        self.tokens.push(Token { tok, span });
        self.pos += len;
    }

    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.file, start, end)
    }
}
