//! The exact search for the minimal closed witnesses.
//!
//! Sub-traces are visited smallest first (by size, then by mask). One is
//! skipped when it contains a witness found already (it is closed, but not
//! minimal) or lies inside a sub-trace known not to produce the tuple (a
//! supertrace that fails: it is not closed). Any other is checked for
//! closedness; it is then minimal, as every smaller sub-trace was settled
//! before it. A failing supertrace found on the way is grown to a maximal
//! failing one, which settles every sub-trace inside it at once.
//!
//! Closedness — every supertrace produces the tuple — is where the
//! replays go, and the polarity of each input cuts them down. An input
//! whose relation reaches the tuple's only through an even number of
//! `notin` and no aggregate is *monotone*: adding it never takes the
//! tuple away (stratified negation; a replay delivers a message only if it
//! is sent, which only more inputs can make happen). One reached only
//! through odd numbers of `notin` is *antitone*: adding it never brings
//! the tuple about. So `S` is closed iff `S ∪ antitone ∪ C` produces the
//! tuple for every set `C` of the remaining inputs of mixed polarity: no
//! supertrace needs adding monotone inputs to be checked. A program
//! without `notin` or aggregates needs one replay per candidate visited.
//!
//! Replays are memoised by sub-trace; one replay also answers every
//! sub-trace that differs from it only by kept messages it never sent.

use std::collections::HashMap;

use dedalus::eval::EvalError;
use dedalus::syntax::ast::{Arg, Literal};
use dedalus::{Program, RelId};

use super::replay::Replayer;
use super::{MAX_REPLAYS, WhyError};

/// The polarity of the paths from a relation to the goal's.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sign {
    /// Some path with an even number of `notin` and no aggregate.
    pub up: bool,
    /// Some path with an odd number of `notin`, or through an aggregate.
    pub down: bool,
}

impl Sign {
    /// Whether the goal depends on the relation at all.
    pub fn any(self) -> bool {
        self.up || self.down
    }

    fn flip(self) -> Sign {
        Sign {
            up: self.down,
            down: self.up,
        }
    }

    fn both(self) -> Sign {
        let any = self.any();
        Sign { up: any, down: any }
    }

    fn join(&mut self, other: Sign) -> bool {
        let before = *self;
        self.up |= other.up;
        self.down |= other.down;
        *self != before
    }
}

/// `out[r]`: the polarity of the paths from relation `r` to `goal` through
/// the program's rules (an aggregate head makes its body both).
pub fn polarity(program: &Program, goal: RelId) -> Vec<Sign> {
    let mut out = vec![Sign::default(); program.relations().len()];
    out[goal as usize] = Sign {
        up: true,
        down: false,
    };
    let mut changed = true;
    while changed {
        changed = false;
        for rule in program.rules() {
            let Some(h) = program.relation(&rule.head.name.name) else {
                continue;
            };
            let mut head = out[h as usize];
            if !head.any() {
                continue;
            }
            if rule.head.args.iter().any(|a| matches!(a, Arg::Agg(_))) {
                head = head.both();
            }
            for lit in &rule.body {
                if let Literal::Atom(a) = lit
                    && let Some(b) = program.relation(&a.atom.name.name)
                {
                    let s = if a.negated { head.flip() } else { head };
                    changed |= out[b as usize].join(s);
                }
            }
        }
    }
    out
}

/// Why the search stopped without an answer.
#[derive(Debug)]
pub enum Stop {
    /// It needed more than [`MAX_REPLAYS`] replays.
    Cap,
    /// The deadline passed.
    Deadline,
    /// A replay failed, or the search was interrupted.
    Error(WhyError),
}

/// One exact search over the sub-traces of a [`Replayer`]'s candidates.
pub struct Search<'a> {
    replayer: &'a Replayer,
    n: usize,
    /// Antitone inputs.
    down: u32,
    /// Inputs of mixed polarity.
    mixed: u32,
    /// Monotone and mixed inputs: the ones a failing supertrace grows by.
    growable: u32,
    /// Whether each sub-trace produces the goal, once known.
    known: HashMap<u32, bool>,
    replays: usize,
}

impl<'a> Search<'a> {
    /// A search over the candidates of `replayer`, whose polarities are
    /// `signs` (at most 32).
    pub fn new(replayer: &'a Replayer, signs: Vec<Sign>) -> Search<'a> {
        let mut down = 0;
        let mut mixed = 0;
        for (i, s) in signs.iter().enumerate() {
            match (s.up, s.down) {
                (true, true) => mixed |= 1 << i,
                (false, true) => down |= 1 << i,
                _ => {}
            }
        }
        let n = signs.len();
        let full = full(n);
        Search {
            replayer,
            n,
            down,
            mixed,
            growable: full & !down,
            known: HashMap::new(),
            replays: 0,
        }
    }

    /// Replays made.
    pub fn replays(&self) -> usize {
        self.replays
    }

    /// The minimal closed witnesses, as masks over the candidates.
    pub fn run(&mut self) -> Result<Vec<u32>, Stop> {
        let full = full(self.n);
        if !self.produces(full)? {
            return Err(Stop::Error(WhyError::NotReproduced));
        }
        let mut order: Vec<u32> = (0..=full).collect();
        order.sort_by_key(|&m| (m.count_ones(), m));
        let mut witnesses: Vec<u32> = Vec::new();
        let mut failing: Vec<u32> = Vec::new();
        for s in order {
            if witnesses.iter().any(|&w| w & !s == 0) || failing.iter().any(|&f| s & !f == 0) {
                continue;
            }
            match self.failing_supertrace(s)? {
                None => witnesses.push(s),
                Some(t) => failing.push(self.grow(t)?),
            }
        }
        Ok(witnesses)
    }

    /// A supertrace of `s` that does not produce the goal, if any.
    fn failing_supertrace(&mut self, s: u32) -> Result<Option<u32>, Stop> {
        let base = s | self.down;
        let free = self.mixed & !s;
        let mut c = free;
        loop {
            let t = base | c;
            if !self.produces(t)? {
                return Ok(Some(t));
            }
            if c == 0 {
                return Ok(None);
            }
            c = (c - 1) & free;
        }
    }

    /// The failing sub-trace `t` grown, input by input, while it still
    /// fails (antitone inputs are in it already: they cannot help).
    fn grow(&mut self, mut t: u32) -> Result<u32, Stop> {
        for i in 0..self.n {
            let bit = 1 << i;
            if self.growable & bit != 0 && t & bit == 0 && !self.produces(t | bit)? {
                t |= bit;
            }
        }
        Ok(t)
    }

    /// Whether sub-trace `kept` produces the goal (memoised).
    fn produces(&mut self, kept: u32) -> Result<bool, Stop> {
        if let Some(&b) = self.known.get(&kept) {
            return Ok(b);
        }
        if self.replays >= MAX_REPLAYS {
            return Err(Stop::Cap);
        }
        self.replays += 1;
        let (b, silent) = match self.replayer.replay(u64::from(kept)) {
            Ok(r) => r,
            Err(EvalError::TimedOut { .. }) => return Err(Stop::Deadline),
            Err(EvalError::Interrupted { .. }) => return Err(Stop::Error(WhyError::Interrupted)),
            Err(e) => return Err(Stop::Error(WhyError::Replay(e))),
        };
        // Dropping messages the replay never sent replays the same run.
        let silent = silent as u32;
        let mut sub = silent;
        loop {
            self.known.insert(kept & !sub, b);
            if sub == 0 {
                break;
            }
            sub = (sub - 1) & silent;
        }
        Ok(b)
    }
}

/// The mask of all `n` candidates.
fn full(n: usize) -> u32 {
    if n >= 32 { u32::MAX } else { (1 << n) - 1 }
}
