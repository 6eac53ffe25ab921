//! What a check found: a status, at most one diagnosis code, a one-line summary and the evidence.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Ordered from best to worst, so the worst of a run is a `max()`.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Skip,
    Warn,
    Fail,
    Error,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::Pass,
        Status::Warn,
        Status::Fail,
        Status::Skip,
        Status::Error,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Fail => "fail",
            Status::Skip => "skip",
            Status::Error => "error",
        }
    }
}

/// One AWS call (or network probe) a check made, with what support staff need to quote it to AWS.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Evidence {
    pub service: String,
    pub operation: String,
    pub region: Option<String>,
    pub http_status: Option<u16>,
    pub error_code: Option<String>,
    pub request_id: Option<String>,
    pub message: Option<String>,
    pub duration_ms: Option<u64>,
    /// How many HTTP attempts the SDK made (retries included); `null` when nothing was sent.
    #[serde(default)]
    pub attempts: Option<u32>,
}

/// A check's verdict. Wording of causes and fixes lives in the catalogue; a report carries only
/// what was observed, plus the values (`vars`) that make the catalogue's fix specific to this case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub status: Status,
    pub diagnosis: Option<&'static str>,
    pub summary: String,
    pub evidence: Vec<Evidence>,
    pub vars: BTreeMap<&'static str, String>,
}

impl Report {
    fn new(status: Status, diagnosis: Option<&'static str>, summary: impl Into<String>) -> Report {
        Report {
            status,
            diagnosis,
            summary: summary.into(),
            evidence: Vec::new(),
            vars: BTreeMap::new(),
        }
    }

    pub fn pass(summary: impl Into<String>) -> Report {
        Report::new(Status::Pass, None, summary)
    }

    /// A precondition is missing; nothing was judged.
    pub fn skip(summary: impl Into<String>) -> Report {
        Report::new(Status::Skip, None, summary)
    }

    pub fn warn(code: &'static str, summary: impl Into<String>) -> Report {
        Report::new(Status::Warn, Some(code), summary)
    }

    /// We looked, and it is wrong.
    pub fn fail(code: &'static str, summary: impl Into<String>) -> Report {
        Report::new(Status::Fail, Some(code), summary)
    }

    /// We tried, and the world did not answer in a way we could judge.
    pub fn error(code: &'static str, summary: impl Into<String>) -> Report {
        Report::new(Status::Error, Some(code), summary)
    }

    pub fn evidence(mut self, evidence: impl IntoIterator<Item = Evidence>) -> Report {
        self.evidence.extend(evidence);
        self
    }

    /// Sets a fix value unless the check already set one (the runner's defaults: the region).
    pub fn with_default_var(mut self, name: &'static str, value: Option<&str>) -> Report {
        if let Some(value) = value {
            self.vars.entry(name).or_insert_with(|| value.to_string());
        }
        self
    }

    /// A value the catalogue's fix text refers to as `{name}`.
    pub fn var(mut self, name: &'static str, value: impl Into<String>) -> Report {
        self.vars.insert(name, value.into());
        self
    }
}
