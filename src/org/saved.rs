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
    enum Shape {
        Check,
        Report,
        Stream,
    }
    let shape = match serde_json::from_str::<serde_json::Value>(text) {
        // A stream of one line (a header, nothing after it) parses as one JSON value too; its
        // `accounts` is a count, where a report has a list.
        Ok(value) if kind(&value) == Some(KIND) && !value["accounts"].is_array() => Shape::Stream,
        Ok(value) if kind(&value) == Some(KIND) => Shape::Report,
        Ok(_) => Shape::Check,
        Err(_) => {
            let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
            match serde_json::from_str::<serde_json::Value>(first) {
                Ok(value) if kind(&value) == Some(KIND) => Shape::Stream,
                _ => Shape::Check,
            }
        }
    };
    match shape {
        Shape::Check => crate::report::Report::from_saved(text).map(Saved::Check),
        Shape::Report => OrgReport::from_saved(text).map(Saved::Organization),
        Shape::Stream => OrgReport::from_jsonl(text).map(Saved::Organization),
    }
}

fn kind(value: &serde_json::Value) -> Option<&str> {
    value.get("kind").and_then(|k| k.as_str())
}

/// The checks `Report::from_saved` makes, on an organisation report's (or stream header's) own
/// `tool.name` and `schema_version`.
fn check_version(value: &serde_json::Value, what: &str) -> Result<(), String> {
    let tool = value.pointer("/tool/name").and_then(|v| v.as_str());
    let version = value.get("schema_version").and_then(|v| v.as_u64());
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
    /// Reads a saved organisation report, refusing other schemas with a one-line reason.
    pub fn from_saved(text: &str) -> Result<OrgReport, String> {
        let value: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| format!("not a JSON organization report ({e})"))?;
        check_version(&value, "organization report")?;
        if kind(&value) != Some(KIND) {
            return Err(format!(
                "not an organization report (kind is not \"{KIND}\")"
            ));
        }
        let report: OrgReport = serde_json::from_value(value)
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
        let value: serde_json::Value = serde_json::from_str(first)
            .map_err(|e| format!("line 1: not a JSON organization stream ({e})"))?;
        check_version(&value, "organization stream")?;
        let header: OrgHeader = serde_json::from_value(value)
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
            let value: serde_json::Value =
                serde_json::from_str(line).map_err(|e| format!("line {at}: not JSON ({e})"))?;
            match kind(&value) {
                Some(ACCOUNT_LINE_KIND) => {
                    let line: OrgAccountLine = serde_json::from_value(value)
                        .map_err(|e| format!("line {at}: malformed account line ({e})"))?;
                    accounts.push(line.account);
                }
                Some(SUMMARY_LINE_KIND) => {
                    end = Some(
                        serde_json::from_value(value)
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
