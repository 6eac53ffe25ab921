//! The three shapes CloudTrail events are saved in, read as a stream: one event (a JSON object with
//! `eventSource`, `eventName`...), a log file as CloudTrail delivers it to S3 (`{"Records": [...]}`,
//! https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-examples.html),
//! and what `aws cloudtrail lookup-events` prints (`{"Events": [{"CloudTrailEvent": "<the event as
//! a JSON string>", ...}], "NextToken": ...}`,
//! https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_LookupEvents.html). Each
//! event is parsed, counted into the groups and dropped before the next: what is held is the
//! input's bytes and one group per distinct failure.

use super::event::{looks_like_event, Event};
use super::group::Groups;
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use std::fmt;

/// The largest input `explain` reads, file or standard input: a day of a busy account's
/// CloudTrail log files for one Region, uncompressed, is well under this.
pub const MAX_INPUT_BYTES: u64 = 64 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Shape {
    /// One event.
    Event,
    /// A CloudTrail log file, `{"Records": [...]}`.
    LogFile,
    /// `aws cloudtrail lookup-events` output, `{"Events": [{"CloudTrailEvent": "..."}]}`.
    LookupEvents,
}

impl Shape {
    pub fn describe(self) -> &'static str {
        match self {
            Shape::Event => "one CloudTrail event",
            Shape::LogFile => "a CloudTrail log file",
            Shape::LookupEvents => "aws cloudtrail lookup-events output",
        }
    }
}

/// What the input held.
#[derive(Debug)]
pub struct Digest {
    pub shape: Shape,
    pub groups: Groups,
    /// `lookup-events` output ended with a `NextToken`: the history goes on past this page.
    pub next_token: bool,
}

/// The input read as CloudTrail events, or `None` when it is none of the three shapes (any other
/// JSON, text, invalid or truncated JSON): then it is a message, explained as text.
pub fn read(bytes: &[u8]) -> Option<Digest> {
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace())?;
    if bytes[start] != b'{' {
        return None;
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let top = Top::default().deserialize(&mut deserializer).ok()?;
    deserializer.end().ok()?;
    top.into_digest()
}

#[derive(Default)]
struct Top {
    groups: Groups,
    records: Option<Items>,
    events: Option<Items>,
    next_token: bool,
    /// The keys of a lone event (any other top-level key is kept too, until a list shows up).
    rest: serde_json::Map<String, Value>,
}

/// What one top-level list held.
#[derive(Debug, Default, Clone, Copy)]
struct Items {
    events: u64,
    others: u64,
}

impl Top {
    fn into_digest(self) -> Option<Digest> {
        // A list is ours when something in it is an event, or when it is empty.
        let ours = |items: Option<Items>| items.filter(|i| i.events > 0 || i.others == 0);
        let shape = if ours(self.records).is_some() {
            Shape::LogFile
        } else if ours(self.events).is_some() {
            Shape::LookupEvents
        } else if self.records.is_none() && self.events.is_none() {
            let event = Event::from_value(&Value::Object(self.rest))?;
            let mut groups = Groups::default();
            groups.add(event);
            return Some(Digest {
                shape: Shape::Event,
                groups,
                next_token: false,
            });
        } else {
            return None;
        };
        Some(Digest {
            shape,
            groups: self.groups,
            next_token: self.next_token && shape == Shape::LookupEvents,
        })
    }
}

impl<'de> DeserializeSeed<'de> for Top {
    type Value = Top;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Top, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Top {
    type Value = Top;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a CloudTrail event, log file or lookup-events output")
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<Top, A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "Records" | "Events" => {
                    let lookup = key == "Events";
                    let items = map.next_value_seed(List {
                        groups: &mut self.groups,
                        lookup,
                    })?;
                    let slot = if lookup {
                        &mut self.events
                    } else {
                        &mut self.records
                    };
                    let sum = slot.get_or_insert_with(Items::default);
                    sum.events += items.events;
                    sum.others += items.others;
                    self.rest.clear();
                }
                "NextToken" => {
                    let token: Value = map.next_value()?;
                    self.next_token = token.as_str().is_some_and(|t| !t.is_empty());
                }
                _ if self.records.is_none() && self.events.is_none() => {
                    let value: Value = map.next_value()?;
                    self.rest.insert(key, value);
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(self)
    }
}

/// One top-level list, each item parsed, counted and dropped.
struct List<'a> {
    groups: &'a mut Groups,
    lookup: bool,
}

impl<'de> DeserializeSeed<'de> for List<'_> {
    type Value = Items;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Items, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for List<'_> {
    type Value = Items;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of CloudTrail events")
    }

    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<Items, S::Error> {
        let mut items = Items::default();
        while let Some(item) = seq.next_element::<Value>()? {
            let event = if self.lookup {
                // LookupEvents returns each event as a JSON string in `CloudTrailEvent`.
                item.get("CloudTrailEvent")
                    .and_then(Value::as_str)
                    .and_then(|s| serde_json::from_str::<Value>(s).ok())
                    .and_then(|v| Event::from_value(&v))
            } else {
                looks_like_event(&item)
                    .then(|| Event::from_value(&item))
                    .flatten()
            };
            match event {
                Some(event) => {
                    items.events += 1;
                    self.groups.add(event);
                }
                None => {
                    items.others += 1;
                    self.groups.unreadable();
                }
            }
        }
        Ok(items)
    }
}
