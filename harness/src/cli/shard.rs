//! `ldfi hunt --shard K/N`: which specs of a sorted list one shard checks,
//! so that N CI jobs split a corpus between them.
//!
//! The rule: shard K of N (1-based) takes the specs at 0-based positions
//! i of the sorted list with `i % N == K - 1` (round robin). Every spec is
//! in exactly one shard; shards differ in size by at most one; a shard may
//! be empty when N exceeds the number of specs. Adding a spec moves the
//! specs after it to other shards, which is harmless: shards are not
//! remembered between runs.

use std::fmt;
use std::str::FromStr;

/// Shard K of N (`1 <= K <= N`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Shard {
    /// Which shard, from 1.
    pub k: usize,
    /// How many shards.
    pub n: usize,
}

impl Shard {
    /// The items of the sorted list `all` this shard takes, in order.
    pub fn select<T: Clone>(self, all: &[T]) -> Vec<T> {
        all.iter()
            .enumerate()
            .filter(|(i, _)| i % self.n == self.k - 1)
            .map(|(_, x)| x.clone())
            .collect()
    }
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Shard, String> {
        let bad = |why: &str| format!("`{s}`: {why} (expected K/N with 1 <= K <= N, e.g. 2/4)");
        let (k, n) = s.trim().split_once('/').ok_or_else(|| bad("no `/`"))?;
        let number = |x: &str| x.trim().parse::<usize>().map_err(|_| bad("not a number"));
        let (k, n) = (number(k)?, number(n)?);
        if n == 0 {
            return Err(bad("N must be at least 1"));
        }
        if k == 0 || k > n {
            return Err(bad("K must be between 1 and N"));
        }
        Ok(Shard { k, n })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.k, self.n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_item_is_in_exactly_one_shard() {
        for len in [0, 1, 2, 5, 7, 13] {
            let all: Vec<usize> = (0..len).collect();
            for n in [1, 2, 3, 4, 7, 20] {
                let mut seen = vec![0; len];
                let mut sizes = Vec::new();
                for k in 1..=n {
                    let part = Shard { k, n }.select(&all);
                    assert!(part.windows(2).all(|w| w[0] < w[1]), "in order");
                    sizes.push(part.len());
                    for i in part {
                        seen[i] += 1;
                    }
                }
                assert!(seen.iter().all(|&c| c == 1), "len {len}, n {n}: {seen:?}");
                let (lo, hi) = (sizes.iter().min(), sizes.iter().max());
                assert!(hi.unwrap() - lo.unwrap() <= 1, "balanced: {sizes:?}");
            }
        }
    }

    #[test]
    fn bad_shards_are_clear_errors() {
        assert_eq!("2/4".parse(), Ok(Shard { k: 2, n: 4 }));
        assert_eq!(" 1/1 ".parse(), Ok(Shard { k: 1, n: 1 }));
        for (bad, why) in [
            ("0/3", "K must be between 1 and N"),
            ("4/3", "K must be between 1 and N"),
            ("1/0", "N must be at least 1"),
            ("x", "no `/`"),
            ("a/3", "not a number"),
            ("-1/3", "not a number"),
        ] {
            let e = bad.parse::<Shard>().unwrap_err();
            assert!(e.contains(why) && e.contains(bad), "{bad}: {e}");
        }
    }
}
