//! CloudTrail's event history for Bedrock, as `LookupEvents` serves it over JSON 1.1: `POST /` with
//! `X-Amz-Target: com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents`,
//! (botocore's prefix; the Rust SDK sends `CloudTrail_20131101.LookupEvents`),
//! `application/x-amz-json-1.1` bodies, errors as `{"__type": …, "message": …}`.
//!
//! The events are a scenario's `[cloudtrail]` fixtures (`tests/fixtures/cloudtrail/`, any of the
//! three shapes `explain` reads), moved in time so that the newest happened `latest_ago_seconds`
//! ago, each served in the Region its `awsRegion` names (and in `also_in_regions`, renamed), most
//! recent first, at most `MaxResults` (≤ 50) a page with a `NextToken`
//! (https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_LookupEvents.html). The
//! published rate, "two per second, per account, per Region", is enforced by the server
//! (`server/cloudtrail.rs`) with a bucket of [`RATE_BURST`] refilled at [`RATE_PER_SECOND`].

use base64::Engine as _;
use serde_json::{json, Value};

use crate::ops::Reply;
use crate::scenario::CloudTrailHistory;
use crate::sigv4::{civil_from_days, days_from_civil};

/// The `X-Amz-Target` prefix of CloudTrail's operations (botocore `targetPrefix`, and a dot).
pub const TARGET_PREFIX: &str = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.";

/// The prefix the AWS SDK for Rust sends instead: the Smithy model's service shape name alone
/// (aws-sdk-cloudtrail `operation/lookup_events.rs`: `x-amz-target:
/// CloudTrail_20131101.LookupEvents`). CloudTrail answers both; so does the stub.
pub const SMITHY_TARGET_PREFIX: &str = "CloudTrail_20131101.";

/// The operations the stub answers.
pub const OPERATIONS: &[&str] = &["LookupEvents"];

/// `LookupEvents`' published rate per account and Region (API reference, above).
pub const RATE_PER_SECOND: f64 = 2.0;
/// AWS publishes the rate, not a burst: the stub lets two requests out at once, no more.
pub const RATE_BURST: u32 = 2;

/// The most events a page holds (`MaxResults`: 1 to 50, default 50).
pub const MAX_RESULTS: u64 = 50;

/// The keys `LookupAttributeKey` allows (botocore model).
pub const ATTRIBUTE_KEYS: &[&str] = &[
    "EventId",
    "EventName",
    "ReadOnly",
    "Username",
    "ResourceType",
    "ResourceName",
    "EventSource",
    "AccessKeyId",
];

/// Where the fixtures live: `tests/fixtures/cloudtrail/`.
pub fn fixtures_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/cloudtrail")
}

/// A JSON 1.1 error of CloudTrail.
pub fn error(status: u16, code: &str, message: &str) -> Reply {
    Reply {
        status,
        content_type: "application/x-amz-json-1.1",
        headers: Vec::new(),
        body: json!({ "__type": format!("com.amazonaws.cloudtrail.v20131101#{code}"), "message": message })
            .to_string()
            .into_bytes(),
    }
}

fn ok(value: &Value) -> Reply {
    Reply {
        status: 200,
        content_type: "application/x-amz-json-1.1",
        headers: Vec::new(),
        body: value.to_string().into_bytes(),
    }
}

/// `2026-01-15T00:05:00Z` as seconds since the epoch.
pub fn parse_time(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[10] != b'T' || !text.ends_with('Z') {
        return None;
    }
    let n = |r: std::ops::Range<usize>| text.get(r)?.parse::<i64>().ok();
    let days = days_from_civil(n(0..4)?, n(5..7)?, n(8..10)?);
    Some(days * 86400 + n(11..13)? * 3600 + n(14..16)? * 60 + n(17..19)?)
}

/// Seconds since the epoch as CloudTrail writes `eventTime`.
pub fn format_time(secs: i64) -> String {
    let (y, m, d) = civil_from_days(secs.div_euclid(86400));
    let s = secs.rem_euclid(86400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

/// The records of one fixture file, whatever its shape.
fn records_of(file: &str) -> Vec<Value> {
    let path = fixtures_dir().join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cloudtrail fixture {}: {e}", path.display()));
    let value: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("cloudtrail fixture {}: {e}", path.display()));
    if let Some(records) = value.get("Records").and_then(Value::as_array) {
        return records.clone();
    }
    if let Some(events) = value.get("Events").and_then(Value::as_array) {
        return events
            .iter()
            .filter_map(|e| e.get("CloudTrailEvent")?.as_str())
            .filter_map(|s| serde_json::from_str(s).ok())
            .collect();
    }
    vec![value]
}

/// Every event of the history in `region`, most recent first: (time, record).
pub fn history(history: &CloudTrailHistory, region: &str, now: i64) -> Vec<(i64, Value)> {
    let records: Vec<Value> = history.files.iter().flat_map(|f| records_of(f)).collect();
    let newest = records
        .iter()
        .filter_map(|r| parse_time(r["eventTime"].as_str()?))
        .max()
        .unwrap_or(now);
    let shift = now - history.latest_ago_seconds - newest;
    let mut out = Vec::new();
    for copy in 0..history.copies.max(1) {
        for record in &records {
            let home = record["awsRegion"].as_str().unwrap_or_default();
            let served_here = home == region || history.also_in_regions.iter().any(|r| r == region);
            if !served_here {
                continue;
            }
            let Some(at) = record["eventTime"].as_str().and_then(parse_time) else {
                continue;
            };
            let at = at + shift - i64::from(copy) * history.copy_spacing_seconds;
            let mut record = record.clone();
            record["eventTime"] = format_time(at).into();
            record["awsRegion"] = region.into();
            if let Some(id) = record["eventID"].as_str() {
                record["eventID"] = format!("{id}-{copy}").into();
            }
            out.push((at, record));
        }
    }
    out.sort_by_key(|e| std::cmp::Reverse(e.0));
    out
}

/// What `LookupEvents` shows of a record beside `CloudTrailEvent`: the user name is the IAM user's,
/// a role session's name, or `root`.
fn username(record: &Value) -> Option<String> {
    let identity = &record["userIdentity"];
    match identity["type"].as_str()? {
        "Root" => Some("root".into()),
        "AssumedRole" => identity["arn"]
            .as_str()
            .and_then(|a| a.rsplit_once('/'))
            .map(|(_, s)| s.to_string()),
        _ => identity["userName"].as_str().map(String::from),
    }
}

fn event_of(at: i64, record: &Value) -> Value {
    let mut event = json!({
        "EventId": record["eventID"],
        "EventName": record["eventName"],
        "ReadOnly": record["readOnly"].as_bool().unwrap_or(false).to_string(),
        "EventTime": at,
        "EventSource": record["eventSource"],
        "Resources": [],
        "CloudTrailEvent": record.to_string(),
    });
    if let Some(key) = record["userIdentity"]["accessKeyId"].as_str() {
        event["AccessKeyId"] = key.into();
    }
    if let Some(user) = username(record) {
        event["Username"] = user.into();
    }
    event
}

fn token_for(offset: usize) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("lookup-events:{offset}"))
}

fn offset_of(token: &str) -> Option<usize> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(token)
        .ok()?;
    String::from_utf8(bytes)
        .ok()?
        .strip_prefix("lookup-events:")?
        .parse()
        .ok()
}

/// The answer to one `LookupEvents` request in `region` at `now`.
pub fn lookup_events(
    body: &[u8],
    region: &str,
    now: i64,
    scenario: Option<&CloudTrailHistory>,
) -> Reply {
    let Ok(request) = serde_json::from_slice::<Value>(body) else {
        return error(
            400,
            "SerializationException",
            "the request body is not JSON",
        );
    };
    let attributes = request["LookupAttributes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if attributes.len() > 1 {
        return error(
            400,
            "InvalidLookupAttributesException",
            "Only one lookup attribute is allowed",
        );
    }
    let mut filter: Option<(String, String)> = None;
    for a in &attributes {
        let (Some(key), Some(value)) = (a["AttributeKey"].as_str(), a["AttributeValue"].as_str())
        else {
            return error(
                400,
                "InvalidLookupAttributesException",
                "AttributeKey and AttributeValue are required",
            );
        };
        if !ATTRIBUTE_KEYS.contains(&key) {
            return error(
                400,
                "InvalidLookupAttributesException",
                &format!("unknown AttributeKey {key}"),
            );
        }
        filter = Some((key.to_string(), value.to_string()));
    }
    let max = match &request["MaxResults"] {
        Value::Null => MAX_RESULTS,
        v => match v.as_u64().filter(|n| (1..=MAX_RESULTS).contains(n)) {
            Some(n) => n,
            None => {
                return error(
                    400,
                    "InvalidMaxResultsException",
                    "MaxResults must be from 1 to 50",
                )
            }
        },
    };
    let time = |v: &Value| v.as_f64().map(|f| f.floor() as i64);
    let start = time(&request["StartTime"]).unwrap_or(now - 90 * 86400);
    let end = time(&request["EndTime"]).unwrap_or(now);
    if start > end {
        return error(
            400,
            "InvalidTimeRangeException",
            "Start time must be before end time",
        );
    }
    let offset = match request["NextToken"].as_str() {
        None => 0,
        Some(t) => match offset_of(t) {
            Some(o) => o,
            None => return error(400, "InvalidNextTokenException", "Invalid NextToken"),
        },
    };
    let all = scenario
        .map(|h| history(h, region, now))
        .unwrap_or_default();
    let matching: Vec<&(i64, Value)> = all
        .iter()
        .filter(|(at, _)| *at >= start && *at <= end)
        .filter(|(_, r)| match &filter {
            Some((key, value)) => {
                let field = match key.as_str() {
                    "EventSource" => r["eventSource"].as_str().map(String::from),
                    "EventName" => r["eventName"].as_str().map(String::from),
                    "Username" => username(r),
                    // The other keys are not used by the doctor: they match nothing here.
                    _ => None,
                };
                field.as_deref() == Some(value.as_str())
            }
            None => true,
        })
        .collect();
    let page: Vec<Value> = matching
        .iter()
        .skip(offset)
        .take(max as usize)
        .map(|(at, r)| event_of(*at, r))
        .collect();
    let next = offset + page.len();
    let mut out = json!({ "Events": page });
    if next < matching.len() {
        out["NextToken"] = token_for(next).into();
    }
    ok(&out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_round_trip() {
        for t in [
            "2026-01-15T00:05:00Z",
            "2024-02-29T23:59:59Z",
            "1970-01-01T00:00:00Z",
        ] {
            assert_eq!(format_time(parse_time(t).unwrap()), t);
        }
        assert_eq!(parse_time("2026-01-15T00:05:00Z"), Some(1_768_435_500));
    }

    #[test]
    fn pages_follow_tokens_most_recent_first() {
        let history = CloudTrailHistory {
            files: vec!["night.json".into()],
            copies: 5,
            ..CloudTrailHistory::default()
        };
        let now = 1_800_000_000;
        let mut token: Option<String> = None;
        let mut seen = 0;
        let mut last = i64::MAX;
        loop {
            let mut body = json!({"MaxResults": 7, "LookupAttributes": [{"AttributeKey": "EventSource", "AttributeValue": "bedrock.amazonaws.com"}]});
            if let Some(t) = &token {
                body["NextToken"] = t.clone().into();
            }
            let reply = lookup_events(
                body.to_string().as_bytes(),
                "us-east-1",
                now,
                Some(&history),
            );
            assert_eq!(reply.status, 200);
            let out: Value = serde_json::from_slice(&reply.body).unwrap();
            for e in out["Events"].as_array().unwrap() {
                let at = e["EventTime"].as_i64().unwrap();
                assert!(at <= last);
                last = at;
                seen += 1;
            }
            match out["NextToken"].as_str() {
                Some(t) => token = Some(t.into()),
                None => break,
            }
        }
        assert_eq!(seen, 14 * 5);
        let other = lookup_events(b"{}", "eu-west-1", now, Some(&history));
        let out: Value = serde_json::from_slice(&other.body).unwrap();
        assert_eq!(out["Events"].as_array().unwrap().len(), 0);
    }
}
