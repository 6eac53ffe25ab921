//! A saved organisation report read back (`show`): the JSON report `org --format json` writes, or
//! the `jsonl` stream of `org --format jsonl` rebuilt line by line; and the report's JSON Schema
//! (`schema --org`). A saved file is somebody else's text: anything malformed is refused with one
//! line, never half-shown.

use super::report::{
    OrgAccount, OrgAccountLine, OrgHeader, OrgReport, OrgSummary, OrgSummaryLine,
    ACCOUNT_LINE_KIND, KIND, SUMMARY_LINE_KIND,
};
use crate::report::{SCHEMA_VERSION, TOOL_NAME};

/// What a saved report file holds, told apart by its `kind`.
pub enum Saved {
    Check(crate::report::Report),
    Organization(OrgReport),
}

/// Reads a saved report of either kind: a `check` report (no `kind`), an organisation report
/// (`kind: "organization"`), or an organisation `jsonl` stream (its first line has that kind).
pub fn read(text: &str) -> Result<Saved, String> {
    match serde_json::from_str::<Probe>(text) {
        // The text is one JSON object: a report of either kind, or a stream of one line (its
        // header alone, which has no summary: the run did not finish).
        Ok(probe) if probe.kind() == Some(KIND) && probe.summary.is_some() => {
            OrgReport::from_saved(text).map(Saved::Organization)
        }
        Ok(probe) if probe.kind() == Some(KIND) => {
            OrgReport::from_jsonl(text).map(Saved::Organization)
        }
        Ok(_) => crate::report::Report::from_saved(text).map(Saved::Check),
        // Several JSON objects, one a line: a stream, when the first is its header.
        Err(_) => {
            let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
            match serde_json::from_str::<Probe>(first) {
                Ok(probe) if probe.kind() == Some(KIND) => {
                    OrgReport::from_jsonl(text).map(Saved::Organization)
                }
                _ => crate::report::Report::from_saved(text).map(Saved::Check),
            }
        }
    }
}

/// The fields that say what a saved file is, read without building the rest of it in memory.
#[derive(serde::Deserialize)]
struct Probe {
    #[serde(default)]
    kind: Option<serde_json::Value>,
    #[serde(default)]
    schema_version: Option<serde_json::Value>,
    #[serde(default)]
    tool: Option<serde_json::Value>,
    /// Present in a report, absent from a stream's header.
    #[serde(default)]
    summary: Option<serde::de::IgnoredAny>,
}

impl Probe {
    fn kind(&self) -> Option<&str> {
        self.kind.as_ref().and_then(|k| k.as_str())
    }

    fn check_version(&self, what: &str) -> Result<(), String> {
        check_version(
            self.tool
                .as_ref()
                .and_then(|t| t.get("name"))
                .and_then(|n| n.as_str()),
            self.schema_version.as_ref().and_then(|v| v.as_u64()),
            what,
        )
    }
}

/// The checks `Report::from_saved` makes, on an organisation report's (or stream header's) own
/// `tool.name` and `schema_version`.
fn check_version(tool: Option<&str>, version: Option<u64>, what: &str) -> Result<(), String> {
    match (tool, version) {
        (Some(TOOL_NAME), Some(v)) if v == u64::from(SCHEMA_VERSION) => Ok(()),
        (Some(TOOL_NAME), Some(v)) if v > u64::from(SCHEMA_VERSION) => Err(format!(
            "{what} schema_version {v} is newer than this bedrock-doctor understands ({SCHEMA_VERSION}); upgrade bedrock-doctor"
        )),
        (Some(TOOL_NAME), Some(v)) => Err(format!("{what} schema_version {v} is not supported")),
        _ => Err(format!(
            "not a bedrock-doctor {what} (no tool.name \"bedrock-doctor\" and schema_version)"
        )),
    }
}

/// What every account must hold whichever way it was read: each account's report is a report of
/// this schema, and the summary counts the accounts as they are.
fn check_accounts(accounts: &[OrgAccount], summary: &OrgSummary) -> Result<(), String> {
    for account in accounts {
        if let Some(report) = &account.report {
            if report.schema_version != SCHEMA_VERSION || report.tool.name != TOOL_NAME {
                return Err(format!(
                    "account {}: its report is not a bedrock-doctor report of schema_version {SCHEMA_VERSION}",
                    account.id
                ));
            }
        }
    }
    let counted = OrgSummary::of(accounts);
    if &counted != summary {
        return Err(format!(
            "its summary ({} accounts, {} failed) does not match its accounts ({} accounts, {} failed)",
            summary.accounts, summary.failed, counted.accounts, counted.failed
        ));
    }
    Ok(())
}

impl OrgReport {
    /// Reads a saved organisation report, refusing other schemas with a one-line reason. The text
    /// is read twice (what it is, then the report) rather than held once more as a JSON tree.
    pub fn from_saved(text: &str) -> Result<OrgReport, String> {
        let probe: Probe = serde_json::from_str(text)
            .map_err(|e| format!("not a JSON organization report ({e})"))?;
        probe.check_version("organization report")?;
        if probe.kind() != Some(KIND) {
            return Err(format!(
                "not an organization report (kind is not \"{KIND}\")"
            ));
        }
        let report: OrgReport = serde_json::from_str(text)
            .map_err(|e| format!("malformed bedrock-doctor organization report ({e})"))?;
        check_accounts(&report.accounts, &report.summary)?;
        Ok(report)
    }

    /// Rebuilds an organisation report from its `jsonl` stream, one line at a time: the header,
    /// one line per account (in the order they finished), the summary. A stream cut short (no
    /// summary line, fewer accounts than the header announced) is refused: it is not the whole
    /// Organization, and `show` would otherwise present it as such.
    pub fn from_jsonl(text: &str) -> Result<OrgReport, String> {
        let mut lines = text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty());
        let (_, first) = lines.next().ok_or("an empty organization stream")?;
        let probe: Probe = serde_json::from_str(first)
            .map_err(|e| format!("line 1: not a JSON organization stream ({e})"))?;
        probe.check_version("organization stream")?;
        let header: OrgHeader = serde_json::from_str(first)
            .map_err(|e| format!("line 1: malformed organization stream header ({e})"))?;
        if header.kind != KIND {
            return Err(format!("line 1: kind is not \"{KIND}\""));
        }
        let mut accounts = Vec::new();
        let mut end: Option<OrgSummaryLine> = None;
        for (n, line) in lines {
            let at = n + 1;
            if end.is_some() {
                return Err(format!("line {at}: a line after the summary line"));
            }
            let probe: Probe =
                serde_json::from_str(line).map_err(|e| format!("line {at}: not JSON ({e})"))?;
            match probe.kind() {
                Some(ACCOUNT_LINE_KIND) => {
                    let line: OrgAccountLine = serde_json::from_str(line)
                        .map_err(|e| format!("line {at}: malformed account line ({e})"))?;
                    accounts.push(line.account);
                }
                Some(SUMMARY_LINE_KIND) => {
                    end = Some(
                        serde_json::from_str(line)
                            .map_err(|e| format!("line {at}: malformed summary line ({e})"))?,
                    );
                }
                _ => {
                    return Err(format!(
                        "line {at}: neither an account line nor the summary line (kind \"{ACCOUNT_LINE_KIND}\" or \"{SUMMARY_LINE_KIND}\")"
                    ))
                }
            }
        }
        let Some(end) = end else {
            return Err(format!(
                "the stream ends without its summary line ({} of {} accounts): the run did not finish",
                accounts.len(),
                header.accounts
            ));
        };
        if accounts.len() != header.accounts as usize {
            return Err(format!(
                "the header announced {} accounts, the stream holds {}",
                header.accounts,
                accounts.len()
            ));
        }
        check_accounts(&accounts, &end.summary)?;
        Ok(OrgReport {
            schema_version: header.schema_version,
            kind: header.kind,
            tool: header.tool,
            generated_at: header.generated_at,
            duration_ms: end.duration_ms,
            caller: header.caller,
            target: header.target,
            summary: end.summary,
            accounts,
        })
    }
}

/// The JSON Schema of the organisation report, generated from its types as `report::schema()` is
/// for the `check` report: every property required (unknown values are `null`, never omitted).
pub fn schema() -> serde_json::Value {
    crate::report::schema_of(
        schemars::schema_for!(OrgReport),
        "https://github.com/bedrock-doctor/bedrock-doctor/schema/organization.schema.json",
        "bedrock-doctor organization report, schema_version 1",
    )
}
