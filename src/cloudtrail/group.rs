//! Failed calls grouped: one group per principal, model or profile, region, operation and error,
//! the error's message with its ids and numbers made alike so that two requests refused for the
//! same reason fall together. Holds one group per distinct failure, never the events.

use super::event::{Event, Principal};
use regex::Regex;
use std::collections::{BTreeSet, HashMap};
use std::sync::OnceLock;

/// A normalised message longer than this is grouped by its start: bounds the key of a hostile event.
const MAX_KEY_MESSAGE: usize = 1024;
/// Distinct inference Regions kept per group (there are a few dozen Regions).
const MAX_INFERENCE_REGIONS: usize = 64;

#[derive(Debug, Clone, serde::Serialize)]
pub struct Group {
    pub count: u64,
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
    pub principal: Principal,
    pub model_id: Option<String>,
    /// `awsRegion`: the Region the call was made in (the source Region of a cross-Region call).
    pub region: Option<String>,
    /// `additionalEventData.inferenceRegion` of the group's events: where the requests ran.
    pub inference_regions: BTreeSet<String>,
    pub operation: Option<String>,
    pub event_source: Option<String>,
    pub error_code: String,
    /// The first event's message, exact.
    pub error_message: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    principal: String,
    model_id: Option<String>,
    region: Option<String>,
    operation: Option<String>,
    error_code: String,
    message: String,
}

/// The failed calls read so far, and how many events were read and left out.
#[derive(Debug, Default)]
pub struct Groups {
    groups: HashMap<Key, usize>,
    list: Vec<Group>,
    /// Events read (CloudTrail events, whether they failed or not).
    pub events: u64,
    /// Events without `errorCode`: calls that succeeded, left out.
    pub succeeded: u64,
    /// Array items that were not CloudTrail events (wrong type, unparsable `CloudTrailEvent`).
    pub unreadable: u64,
    /// Events `trail --principal`/`--model` left out (not counted in `events`).
    pub filtered: u64,
}

fn number_pattern() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"(?x)
            (?P<session>assumed-role/[^/\s]+/[^\s]+)
            | (?P<region>\b(?:us|eu|ap|sa|ca|me|af|il|mx|cn)(?:-gov|-iso[a-z]?)?-[a-z]+-\d+\b)
            | (?P<uuid>\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b)
            | (?P<key>\b(?:AKIA|ASIA|ABIA|ACCA|AROA|AIDA)[A-Z0-9]{12,}\b)
            | (?P<hex>\b[0-9a-fA-F]{16,}\b)
            | (?P<num>\d+)",
        )
        .expect("static pattern")
    })
}

/// `message` with role session names, request ids, key ids, long hex ids and numbers replaced by placeholders; Region
/// names are kept, as a deny in one destination Region is not a deny in another.
pub fn normalise_message(message: &str) -> String {
    let mut end = message.len().min(MAX_KEY_MESSAGE * 4);
    while !message.is_char_boundary(end) {
        end -= 1;
    }
    let out = number_pattern().replace_all(&message[..end], |c: &regex::Captures| {
        if let Some(session) = c.name("session") {
            // One role's sessions are one principal: the session name is left out.
            let role = session.as_str().split('/').nth(1).unwrap_or("");
            format!("assumed-role/{role}/<session>")
        } else if let Some(region) = c.name("region") {
            region.as_str().to_string()
        } else if c.name("num").is_some() {
            "<n>".to_string()
        } else {
            "<id>".to_string()
        }
    });
    let mut out = out.into_owned();
    if out.len() > MAX_KEY_MESSAGE {
        let mut cut = MAX_KEY_MESSAGE;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
    }
    out
}

/// `eventTime` made comparable: CloudTrail writes `2023-11-21T18:36:03Z`; fractions of a second,
/// when present, sort after the whole second. Other text is not a time.
fn sortable(time: &str) -> Option<String> {
    let bytes = time.as_bytes();
    let shaped = bytes.len() >= 20
        && bytes.len() <= 40
        && bytes[4] == b'-'
        && bytes[10] == b'T'
        && time.ends_with('Z')
        && bytes[..19]
            .iter()
            .enumerate()
            .all(|(i, b)| matches!(i, 4 | 7 | 10 | 13 | 16) || b.is_ascii_digit());
    shaped.then(|| time.trim_end_matches('Z').to_string())
}

impl Groups {
    /// Counts one event; keeps it when it failed.
    pub fn add(&mut self, event: Event) {
        self.events += 1;
        let Some(error_code) = event.error_code.clone() else {
            self.succeeded += 1;
            return;
        };
        let key = Key {
            principal: event.principal.key.clone(),
            model_id: event.model_id.clone(),
            region: event.region.clone(),
            operation: event.operation.clone(),
            error_code: error_code.clone(),
            message: event
                .error_message
                .as_deref()
                .map(normalise_message)
                .unwrap_or_default(),
        };
        let at = event.time.as_deref().and_then(sortable);
        let index = *self.groups.entry(key).or_insert_with(|| {
            self.list.push(Group {
                count: 0,
                first_seen: None,
                last_seen: None,
                principal: event.principal.clone(),
                model_id: event.model_id.clone(),
                region: event.region.clone(),
                inference_regions: BTreeSet::new(),
                operation: event.operation.clone(),
                event_source: event.source.clone(),
                error_code,
                error_message: event.error_message.clone(),
            });
            self.list.len() - 1
        });
        let group = &mut self.list[index];
        group.count += 1;
        if let Some(region) = event.inference_region {
            if group.inference_regions.len() < MAX_INFERENCE_REGIONS {
                group.inference_regions.insert(region);
            }
        }
        if at.is_some() {
            // Only a well-formed time is kept, so a stored one always reads back as `Some`.
            if group.first_seen.is_none() || group.first_seen.as_deref().and_then(sortable) > at {
                group.first_seen.clone_from(&event.time);
            }
            if group.last_seen.as_deref().and_then(sortable) < at {
                group.last_seen.clone_from(&event.time);
            }
        }
    }

    /// Counts an array item that is not a CloudTrail event.
    pub fn unreadable(&mut self) {
        self.unreadable += 1;
    }

    /// Events that failed.
    pub fn failed(&self) -> u64 {
        self.events - self.succeeded
    }

    /// The groups, most events first, then the earliest first.
    pub fn into_sorted(self) -> Vec<Group> {
        let mut list = self.list;
        list.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then_with(|| a.first_seen.cmp(&b.first_seen))
        });
        list
    }
}
