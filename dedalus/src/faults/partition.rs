//! The partition: the network splits in two sides, and every message
//! between them sent in an interval of time is lost (a compound of
//! omissions, so admissible only where omissions are: between different
//! nodes, at `1 <= t < EFF`, unless the channels are reliable). Users write
//! it as `--partition 'a|b,c@2..4'` or in a saved counterexample; the
//! searches range over its omissions one by one.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use super::{Bounds, Envelope, Fault, FaultProblem, MessageFault, node_name};
use crate::provenance::{NodeId, Time};

/// The largest node id a partition side can name (a side is a bit set).
pub const MAX_NODE: NodeId = 63;

/// One side of a partition: a set of node ids (bit `n` is node `n`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Side(u64);

impl Side {
    /// The side of `nodes`; `None` when one is past [`MAX_NODE`].
    pub fn of(nodes: impl IntoIterator<Item = NodeId>) -> Option<Side> {
        let mut bits = 0u64;
        for n in nodes {
            if n > MAX_NODE {
                return None;
            }
            bits |= 1 << n;
        }
        Some(Side(bits))
    }

    /// Whether `n` is on this side.
    pub fn contains(self, n: NodeId) -> bool {
        n <= MAX_NODE && self.0 & (1 << n) != 0
    }

    /// The nodes of this side, in order.
    pub fn nodes(self) -> impl Iterator<Item = NodeId> {
        (0..=MAX_NODE).filter(move |&n| self.contains(n))
    }

    /// True for a side with no node.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Whether the two sides share a node.
    pub fn meets(self, other: Side) -> bool {
        self.0 & other.0 != 0
    }

    fn names(self, nodes: &[String]) -> String {
        self.nodes()
            .map(|n| node_name(nodes, n))
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// `a|b,c@2..4`: the flag's value and the YAML form, which error messages
/// quote.
pub(super) fn subject(left: Side, right: Side, start: Time, end: Time, nodes: &[String]) -> String {
    format!(
        "{}|{}@{start}..{end}",
        left.names(nodes),
        right.names(nodes)
    )
}

/// `partition a|b,c@2..4`.
pub(super) fn describe(
    left: Side,
    right: Side,
    start: Time,
    end: Time,
    nodes: &[String],
) -> String {
    format!("partition {}", subject(left, right, start, end, nodes))
}

/// `--partition 'a|b,c@2..4'` (quoted: `|` is a shell's pipe).
pub(super) fn flag(left: Side, right: Side, start: Time, end: Time, nodes: &[String]) -> String {
    format!("--partition '{}'", subject(left, right, start, end, nodes))
}

/// Whether the partition cuts the messages of `e`: between its sides, sent
/// within `start..=end`.
fn cuts(left: Side, right: Side, start: Time, end: Time, e: Envelope) -> bool {
    let across = (left.contains(e.from) && right.contains(e.to))
        || (right.contains(e.from) && left.contains(e.to));
    across && (start..=end).contains(&e.sent)
}

/// Its part of a message's fate: the messages it cuts are lost.
pub(super) fn message_fault(
    left: Side,
    right: Side,
    start: Time,
    end: Time,
    e: Envelope,
) -> Option<MessageFault> {
    cuts(left, right, start, end, e).then_some(MessageFault::Omitted)
}

/// The envelopes it cuts: both directions between the sides, at each time
/// of the interval.
pub(super) fn envelopes(
    left: Side,
    right: Side,
    start: Time,
    end: Time,
) -> impl Iterator<Item = Envelope> + use<> {
    (start..=end).flat_map(move |t| {
        left.nodes().flat_map(move |a| {
            right
                .nodes()
                .flat_map(move |b| [Envelope::new(a, b, t), Envelope::new(b, a, t)])
        })
    })
}

/// Whether it may happen under `bounds` (its node ids aside): two
/// disjoint, non-empty sides, a non-empty interval, and every message it
/// cuts admissible as an omission.
pub(super) fn check(
    left: Side,
    right: Side,
    start: Time,
    end: Time,
    bounds: &Bounds,
) -> Result<(), FaultProblem> {
    if left.is_empty() || right.is_empty() || left.meets(right) {
        return Err(FaultProblem::PartitionSides);
    }
    if start > end {
        return Err(FaultProblem::EmptyInterval);
    }
    if !bounds.omissions {
        return Err(FaultProblem::NoOmissions);
    }
    if !bounds.faulty(start) || !bounds.faulty(end) {
        return Err(FaultProblem::AfterEff { eff: bounds.eff });
    }
    Ok(())
}

/// A partition as written, nodes by name: `a|b,c@2..4`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Written {
    /// The nodes of one side.
    pub left: Vec<String>,
    /// The nodes of the other side.
    pub right: Vec<String>,
    /// The first send time it cuts.
    pub start: Time,
    /// The last send time it cuts.
    pub end: Time,
}

/// Why a written partition does not parse. Its message quotes the text
/// and ends with the expected form.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "{problem} in `{text}`: expected SIDE|SIDE@START..END, nodes comma-separated, e.g. `a|b,c@2..4`"
)]
pub struct SyntaxError {
    /// The text.
    pub text: String,
    /// What is wrong with it.
    pub problem: &'static str,
}

impl FromStr for Written {
    type Err = SyntaxError;

    fn from_str(text: &str) -> Result<Written, SyntaxError> {
        let fail = |problem| {
            Err(SyntaxError {
                text: text.to_string(),
                problem,
            })
        };
        let Some((sides, interval)) = text.rsplit_once('@') else {
            return fail("no `@` before the interval of send times");
        };
        let Some((left, right)) = sides.split_once('|') else {
            return fail("no `|` between the two sides");
        };
        if right.contains('|') {
            return fail("more than one `|` (a partition has two sides)");
        }
        let side = |s: &str| -> Option<Vec<String>> {
            let names: Vec<String> = s.split(',').map(|n| n.trim().to_string()).collect();
            (!names.iter().any(String::is_empty)).then_some(names)
        };
        let (Some(left), Some(right)) = (side(left), side(right)) else {
            return fail("an empty node name (each side lists at least one node)");
        };
        let Some((start, end)) = interval.split_once("..") else {
            return fail("no `..` in the interval of send times");
        };
        let (Ok(start), Ok(end)) = (start.trim().parse(), end.trim().parse()) else {
            return fail("an interval end that is not a non-negative integer");
        };
        Ok(Written {
            left,
            right,
            start,
            end,
        })
    }
}

impl fmt::Display for Written {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}|{}@{}..{}",
            self.left.join(","),
            self.right.join(","),
            self.start,
            self.end
        )
    }
}

/// Written as its text, `a|b,c@2..4` (saved counterexamples).
impl serde::Serialize for Written {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Read from its text, `a|b,c@2..4`, with the syntax error's hint.
impl<'de> serde::Deserialize<'de> for Written {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Written, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// The partitions that are exactly some of the omissions of `faults`, and
/// those omissions: at each send time, the omissions of that time when
/// they are all the messages between two disjoint sides (both ways), runs
/// of times with the same sides merged. Only partitions that stand for at
/// least four omissions are worth showing.
pub(super) fn shown(faults: &[Fault]) -> Vec<(Fault, Vec<Fault>)> {
    use std::collections::BTreeMap;
    let mut at: BTreeMap<Time, BTreeSet<(NodeId, NodeId)>> = BTreeMap::new();
    for f in faults {
        if let Fault::Omission { from, to, time } = *f {
            at.entry(time).or_default().insert((from, to));
        }
    }
    // The sides of each time's omissions, when they are one partition.
    let mut cuts: Vec<(Time, Side, Side)> = Vec::new();
    for (&t, edges) in &at {
        let Some(&(x, _)) = edges.iter().next() else {
            continue;
        };
        let involved: BTreeSet<NodeId> = edges.iter().flat_map(|&(a, b)| [a, b]).collect();
        let right: BTreeSet<NodeId> = edges.iter().filter(|e| e.0 == x).map(|e| e.1).collect();
        let left: BTreeSet<NodeId> = involved.difference(&right).copied().collect();
        let complete = left.iter().all(|&a| {
            right
                .iter()
                .all(|&b| edges.contains(&(a, b)) && edges.contains(&(b, a)))
        });
        if !complete || edges.len() != 2 * left.len() * right.len() {
            continue;
        }
        if let (Some(l), Some(r)) = (
            Side::of(left.iter().copied()),
            Side::of(right.iter().copied()),
        ) {
            let (l, r) = if l.nodes().next() < r.nodes().next() {
                (l, r)
            } else {
                (r, l)
            };
            cuts.push((t, l, r));
        }
    }
    let mut out: Vec<(Fault, Vec<Fault>)> = Vec::new();
    for (t, left, right) in cuts {
        if let Some((
            Fault::Partition {
                left: l,
                right: r,
                end,
                ..
            },
            _,
        )) = out.last_mut()
            && (*l, *r) == (left, right)
            && *end + 1 == t
        {
            *end = t;
        } else {
            out.push((
                Fault::Partition {
                    left,
                    right,
                    start: t,
                    end: t,
                },
                Vec::new(),
            ));
        }
    }
    out.retain_mut(|(p, covered)| {
        *covered = p
            .envelopes()
            .into_iter()
            .map(|e| Fault::Omission {
                from: e.from,
                to: e.to,
                time: e.sent,
            })
            .collect();
        covered.len() >= 4
    });
    out
}
