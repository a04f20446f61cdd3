//! Runtime values: 64-bit integers and interned strings.
//!
//! Strings are interned once per compiled program (a run creates no new
//! strings: Dedalus has no string operations), so a [`Value`] is a small
//! `Copy` type and equality is an integer comparison.

use std::cmp::Ordering;
use std::fmt;

use rustc_hash::FxHashMap;

/// An interned string: an index into an [`Interner`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sym(pub u32);

/// A runtime value.
///
/// The derived order (integers first, strings by interning order) is only for
/// sets and maps; output order is [`Interner::cmp`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Value {
    /// A signed 64-bit integer.
    Int(i64),
    /// A string, interned.
    Str(Sym),
}

/// The strings of one compiled program.
#[derive(Clone, Debug, Default)]
pub struct Interner {
    ids: FxHashMap<Box<str>, Sym>,
    strings: Vec<Box<str>>,
}

impl Interner {
    /// The symbol for `s`, adding it if new.
    pub fn intern(&mut self, s: &str) -> Sym {
        if let Some(&sym) = self.ids.get(s) {
            return sym;
        }
        let sym = Sym(self.strings.len() as u32);
        self.strings.push(s.into());
        self.ids.insert(s.into(), sym);
        sym
    }

    /// The symbol for `s`, if it was interned.
    pub fn get(&self, s: &str) -> Option<Sym> {
        self.ids.get(s).copied()
    }

    /// Number of strings interned (symbols are `Sym(0..len())`).
    pub fn len(&self) -> usize {
        self.strings.len()
    }

    /// Whether no string was interned.
    pub fn is_empty(&self) -> bool {
        self.strings.is_empty()
    }

    /// The text of `sym`.
    pub fn resolve(&self, sym: Sym) -> &str {
        &self.strings[sym.0 as usize]
    }

    /// The total order of output: integers (numerically) before strings
    /// (lexicographically).
    pub fn cmp(&self, a: Value, b: Value) -> Ordering {
        match (a, b) {
            (Value::Int(x), Value::Int(y)) => x.cmp(&y),
            (Value::Int(_), Value::Str(_)) => Ordering::Less,
            (Value::Str(_), Value::Int(_)) => Ordering::Greater,
            (Value::Str(x), Value::Str(y)) => self.resolve(x).cmp(self.resolve(y)),
        }
    }

    /// Element-by-element [`Interner::cmp`] of two rows.
    pub fn cmp_rows(&self, a: &[Value], b: &[Value]) -> Ordering {
        for (&x, &y) in a.iter().zip(b) {
            match self.cmp(x, y) {
                Ordering::Equal => {}
                other => return other,
            }
        }
        a.len().cmp(&b.len())
    }

    /// A value as Dedalus source would write it (`"a"`, `42`).
    pub fn display(&self, v: Value) -> Shown<'_> {
        Shown(self, v)
    }

    /// A value as JSON.
    pub fn to_json(&self, v: Value) -> serde_json::Value {
        match v {
            Value::Int(i) => serde_json::Value::from(i),
            Value::Str(s) => serde_json::Value::from(self.resolve(s)),
        }
    }
}

/// A value displayed as Dedalus source writes it.
pub struct Shown<'a>(&'a Interner, Value);

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.1 {
            Value::Int(i) => write!(f, "{i}"),
            Value::Str(s) => {
                // Control characters are shown escaped: a value must not
                // drive the reader's terminal or break a line of output.
                f.write_str("\"")?;
                for c in self.0.resolve(s).chars() {
                    if c.is_control() {
                        write!(f, "{}", c.escape_default())?;
                    } else {
                        write!(f, "{c}")?;
                    }
                }
                f.write_str("\"")
            }
        }
    }
}
