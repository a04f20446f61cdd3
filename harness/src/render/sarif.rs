//! The subset of SARIF 2.1.0 that `ldfi hunt --format sarif` emits, as
//! typed serde structs (OASIS SARIF 2.1.0, §3: `sarifLog`, `run`,
//! `toolComponent`, `reportingDescriptor`, `result`, `location`, `fix`),
//! and the rules of its results.
//!
//! Only the properties ldfi fills are modelled; absent optional ones are
//! left out of the document. (The `serde-sarif` crate models all of SARIF
//! but did not build with this workspace's toolchain.)

use serde::Serialize;

use super::model::Query;

/// The schema URI of SARIF 2.1.0.
pub const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// A rule of ldfi's results: what kind of finding a result is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    /// A counterexample without a located frontier (the result points at
    /// the spec file).
    Violation,
    /// A rule on the DiffC frontier.
    DiffC,
    /// A rule on the skeleton difference.
    SkelDiffC,
    /// An event of the closest good run missing from the failed one.
    Missing,
    /// A spec that could not be checked, or whose search stayed inconclusive.
    Unchecked,
}

impl Rule {
    /// Every rule, in the order of the log's rule table.
    pub const ALL: [Rule; 5] = [
        Rule::Violation,
        Rule::DiffC,
        Rule::SkelDiffC,
        Rule::Missing,
        Rule::Unchecked,
    ];

    /// The rule of the findings of `query`.
    pub fn of(query: Query) -> Rule {
        match query {
            Query::DiffC => Rule::DiffC,
            Query::SkelDiffC => Rule::SkelDiffC,
            Query::Missing => Rule::Missing,
        }
    }

    /// Its stable id (`ldfi/violation`, `ldfi/diffc-frontier`...).
    pub fn id(self) -> &'static str {
        match self {
            Rule::Violation => super::RULE_VIOLATION,
            Rule::DiffC => Query::DiffC.rule_id(),
            Rule::SkelDiffC => Query::SkelDiffC.rule_id(),
            Rule::Missing => Query::Missing.rule_id(),
            Rule::Unchecked => super::RULE_UNCHECKED,
        }
    }

    /// Its position in the rule table ([`Rule::ALL`]).
    pub fn index(self) -> usize {
        match self {
            Rule::Violation => 0,
            Rule::DiffC => 1,
            Rule::SkelDiffC => 2,
            Rule::Missing => 3,
            Rule::Unchecked => 4,
        }
    }

    /// Its entry in the rule table.
    pub fn descriptor(self) -> ReportingDescriptor {
        let text = |t: &str| Some(Message::new(t));
        let (name, short, full, level, help) = match self {
            Rule::Violation => (
                "SpecificationViolated",
                "A fault schedule violates the specification",
                text(
                    "Lineage-driven fault injection found an admissible fault schedule (lost, delayed messages, crashes) under which a `pre` tuple holds at the end of time without its `post`.",
                ),
                Level::Error,
                text(
                    "Replay the counterexample with the replay line in the message; `ldfi repair SPEC` proposes verified repairs.",
                ),
            ),
            Rule::DiffC => (
                "DifferentialFrontier",
                "Where the failed run departed from the closest good run (DiffC)",
                text(
                    "A rule whose event happened in the closest good run but not in the failed one, although everything it rests on did: the frontier of leaves(ProvC_good - Prov_failed).",
                ),
                Level::Error,
                text(
                    "Make the event robust to the faults in the message (acknowledgements, persistence, retries), or make `pre` depend on it.",
                ),
            ),
            Rule::SkelDiffC => (
                "SkeletonDifference",
                "What every good run did and the failed run did not (SkelDiffC)",
                text(
                    "A rule on the frontier of the intersection of every good run's provenance minus the failed run's.",
                ),
                Level::Error,
                text("See the DiffC result of the same spec, if any."),
            ),
            Rule::Missing => (
                "MissingEvent",
                "An event of the closest good run missing from the failed run",
                None,
                Level::Warning,
                None,
            ),
            Rule::Unchecked => (
                "SpecNotChecked",
                "The spec could not be checked, or the search stayed inconclusive",
                None,
                Level::Warning,
                None,
            ),
        };
        ReportingDescriptor {
            id: self.id(),
            name,
            short_description: Message::new(short),
            full_description: full,
            default_configuration: Configuration { level },
            help,
        }
    }
}

/// A SARIF log (§3.13).
#[derive(Clone, Debug, Serialize)]
pub struct Log {
    /// The schema URI.
    #[serde(rename = "$schema")]
    pub schema: &'static str,
    /// Always `2.1.0`.
    pub version: &'static str,
    /// One run of ldfi.
    pub runs: Vec<Run>,
}

/// One run of a tool (§3.14).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Run {
    /// The tool.
    pub tool: Tool,
    /// How columns count: `unicodeCodePoints`.
    pub column_kind: &'static str,
    /// The results.
    pub results: Vec<SarifResult>,
}

/// The tool (§3.18).
#[derive(Clone, Debug, Serialize)]
pub struct Tool {
    /// Its driver.
    pub driver: Driver,
}

/// The tool's driver component (§3.19).
#[derive(Clone, Debug, Serialize)]
pub struct Driver {
    /// `ldfi`.
    pub name: &'static str,
    /// Its version.
    pub version: String,
    /// The rule table.
    pub rules: Vec<ReportingDescriptor>,
}

/// A rule of the rule table (§3.49).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportingDescriptor {
    /// The stable id.
    pub id: &'static str,
    /// A name in PascalCase.
    pub name: &'static str,
    /// One sentence.
    pub short_description: Message,
    /// A paragraph.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub full_description: Option<Message>,
    /// Its default level.
    pub default_configuration: Configuration,
    /// What to do about it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<Message>,
}

/// A rule's default configuration (§3.50).
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Configuration {
    /// Its level.
    pub level: Level,
}

/// How serious a result is (§3.27.10).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// A problem.
    Error,
    /// A possible problem.
    Warning,
    /// Not a problem (a violation the spec expected).
    Note,
}

/// A plain-text message (§3.11).
#[derive(Clone, Debug, Serialize)]
pub struct Message {
    /// The text.
    pub text: String,
}

impl Message {
    /// A message saying `text`.
    pub fn new(text: impl Into<String>) -> Message {
        Message { text: text.into() }
    }
}

/// One result (§3.27).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SarifResult {
    /// The rule's id.
    pub rule_id: &'static str,
    /// The rule's index in the rule table.
    pub rule_index: usize,
    /// How serious it is.
    pub level: Level,
    /// What it says.
    pub message: Message,
    /// Where.
    pub locations: Vec<Location>,
    /// Identifies the result across runs (by spec).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partial_fingerprints: Option<Fingerprints>,
    /// ldfi's own properties.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub properties: Option<Properties>,
    /// Verified repairs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fixes: Vec<Fix>,
}

impl SarifResult {
    /// A result of `rule` at `location`, without fingerprints, properties
    /// or fixes.
    pub fn new(rule: Rule, level: Level, message: String, location: Location) -> SarifResult {
        SarifResult {
            rule_id: rule.id(),
            rule_index: rule.index(),
            level,
            message: Message::new(message),
            locations: vec![location],
            partial_fingerprints: None,
            properties: None,
            fixes: Vec::new(),
        }
    }
}

/// The partial fingerprints of a result (§3.27.17).
#[derive(Clone, Debug, Serialize)]
pub struct Fingerprints {
    /// The spec file.
    #[serde(rename = "ldfiSpec/v1")]
    pub spec: String,
}

/// ldfi's properties of a result (§3.8).
#[derive(Clone, Debug, Serialize)]
pub struct Properties {
    /// The spec file.
    pub spec: String,
    /// The counterexample's replay line.
    pub replay: String,
    /// The verdict the spec expects, if it says.
    pub expected: Option<crate::spec::Expect>,
    /// Whether the expectation is met.
    pub met: bool,
}

/// A location (§3.28).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    /// In a file.
    pub physical_location: PhysicalLocation,
}

impl Location {
    /// `line` (and `column`, if known) of the file `uri`.
    pub fn new(uri: String, line: u32, column: Option<u32>) -> Location {
        Location {
            physical_location: PhysicalLocation {
                artifact_location: ArtifactLocation { uri },
                region: Region {
                    start_line: line,
                    start_column: column,
                    end_line: None,
                    end_column: None,
                },
            },
        }
    }
}

/// A place in a file (§3.29).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PhysicalLocation {
    /// The file.
    pub artifact_location: ArtifactLocation,
    /// The place.
    pub region: Region,
}

/// A file (§3.4).
#[derive(Clone, Debug, Serialize)]
pub struct ArtifactLocation {
    /// A relative URI reference.
    pub uri: String,
}

/// A region of a file (§3.30), 1-based.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Region {
    /// The first line.
    pub start_line: u32,
    /// The first column.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_column: Option<u32>,
    /// The line after the end.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_line: Option<u32>,
    /// The column of the end.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_column: Option<u32>,
}

/// A proposed fix (§3.55).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Fix {
    /// What it does.
    pub description: Message,
    /// The changes, per file.
    pub artifact_changes: Vec<ArtifactChange>,
}

/// The changes of a fix to one file (§3.56).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ArtifactChange {
    /// The file.
    pub artifact_location: ArtifactLocation,
    /// Its replacements.
    pub replacements: Vec<Replacement>,
}

/// A region replaced by new text (§3.57).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Replacement {
    /// What is deleted.
    pub deleted_region: Region,
    /// What is inserted.
    pub inserted_content: Message,
}
