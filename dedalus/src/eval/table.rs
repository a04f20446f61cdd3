//! One relation at one timestep: rows in insertion order, a hash set over
//! them, and hash indexes on column subsets built on first use and kept up to
//! date as rows are appended (semi-naive evaluation reads row ranges).

use std::hash::{BuildHasher, Hash, Hasher};

use hashbrown::HashTable;
use rustc_hash::FxBuildHasher;

use crate::provenance::TupleId;
use crate::value::Value;

/// Bit `i` set: column `i` is part of the key.
pub(crate) type ColMask = u64;

fn hash_cols(vals: impl Iterator<Item = Value>) -> u64 {
    let mut h = FxBuildHasher.build_hasher();
    for v in vals {
        v.hash(&mut h);
    }
    h.finish()
}

fn masked(row: &[Value], mask: ColMask) -> impl Iterator<Item = Value> + '_ {
    row.iter()
        .enumerate()
        .filter(move |(i, _)| mask & (1 << i) != 0)
        .map(|(_, v)| *v)
}

struct Bucket {
    hash: u64,
    rows: Vec<u32>,
}

struct Index {
    mask: ColMask,
    buckets: HashTable<Bucket>,
}

/// One relation's rows at one time.
pub(crate) struct Table {
    arity: usize,
    vals: Vec<Value>,
    ids: Vec<TupleId>,
    set: HashTable<(u64, u32)>,
    indexes: Vec<Index>,
}

impl Table {
    /// An empty table with (empty) indexes on `masks`, in that order.
    pub(crate) fn new(arity: usize, masks: &[ColMask]) -> Table {
        Table {
            arity,
            vals: Vec::new(),
            ids: Vec::new(),
            set: HashTable::new(),
            indexes: masks
                .iter()
                .map(|&mask| Index {
                    mask,
                    buckets: HashTable::new(),
                })
                .collect(),
        }
    }

    pub(crate) fn len(&self) -> u32 {
        self.ids.len() as u32
    }

    pub(crate) fn row(&self, row: u32) -> &[Value] {
        let s = row as usize * self.arity;
        &self.vals[s..s + self.arity]
    }

    pub(crate) fn id(&self, row: u32) -> TupleId {
        self.ids[row as usize]
    }

    /// Approximate heap bytes held (rows, ids, hash set, indexes).
    pub(crate) fn heap_bytes(&self) -> usize {
        use std::mem::size_of;
        self.vals.capacity() * size_of::<Value>()
            + self.ids.capacity() * size_of::<TupleId>()
            + self.set.capacity() * size_of::<(u64, u32)>()
            + self
                .indexes
                .iter()
                .map(|i| {
                    i.buckets.capacity() * size_of::<Bucket>()
                        + i.buckets
                            .iter()
                            .map(|b| b.rows.capacity() * 4)
                            .sum::<usize>()
                })
                .sum::<usize>()
    }

    /// The row holding `values`, if any.
    pub(crate) fn find(&self, values: &[Value]) -> Option<u32> {
        let h = hash_cols(values.iter().copied());
        self.set
            .find(h, |&(hh, r)| hh == h && self.row(r) == values)
            .map(|&(_, r)| r)
    }

    /// Appends `values` as a new row with tuple id `id`; the caller has
    /// checked it is absent. Returns its row number.
    pub(crate) fn push(&mut self, values: &[Value], id: TupleId) -> u32 {
        let row = self.len();
        let h = hash_cols(values.iter().copied());
        self.vals.extend_from_slice(values);
        self.ids.push(id);
        self.set.insert_unique(h, (h, row), |&(hh, _)| hh);
        for idx in 0..self.indexes.len() {
            self.index_row(idx, row);
        }
        row
    }

    fn index_row(&mut self, idx: usize, row: u32) {
        let s = row as usize * self.arity;
        let vals = &self.vals[s..s + self.arity];
        let index = &mut self.indexes[idx];
        let mask = index.mask;
        let h = hash_cols(masked(vals, mask));
        let arity = self.arity;
        let all = &self.vals;
        let same_key = |b: &Bucket| {
            let r0 = b.rows[0] as usize * arity;
            b.hash == h && masked(&all[r0..r0 + arity], mask).eq(masked(vals, mask))
        };
        match index.buckets.find_mut(h, same_key) {
            Some(b) => b.rows.push(row),
            None => {
                index.buckets.insert_unique(
                    h,
                    Bucket {
                        hash: h,
                        rows: vec![row],
                    },
                    |b| b.hash,
                );
            }
        }
    }

    /// Rows (ascending) whose masked columns equal `key` (in column order),
    /// using index number `idx` (a position in the masks given to [`Table::new`]).
    pub(crate) fn probe(&self, idx: usize, key: &[Value]) -> &[u32] {
        let index = &self.indexes[idx];
        let mask = index.mask;
        let h = hash_cols(key.iter().copied());
        index
            .buckets
            .find(h, |b| {
                b.hash == h && masked(self.row(b.rows[0]), mask).eq(key.iter().copied())
            })
            .map_or(&[], |b| &b.rows)
    }
}
