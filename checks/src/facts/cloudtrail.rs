//! CloudTrail event history: the Bedrock calls one region recorded in a time window, read a page
//! at a time with `LookupEvents` and handed on one event at a time, so a caller can count and
//! drop each before the next page is asked for (`bedrock-doctor trail`).
//!
//! `LookupEvents` "looks up management events or CloudTrail Insights events that are captured by
//! CloudTrail", in one Region, "within the last 90 days"; at most 50 results a page; "the rate of
//! lookup requests is limited to two per second, per account, per Region. If this limit is
//! exceeded, a throttling error occurs"
//! (https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_LookupEvents.html). The
//! limiter (`limits`, [`crate::limits::Limit::CLOUDTRAIL`]) keeps every region's requests under
//! that rate.

use super::{FactError, Facts};
use crate::calls::CallSite;
use crate::Evidence;
use aws_sdk_cloudtrail::types::{LookupAttribute, LookupAttributeKey};
use aws_smithy_types::DateTime;
use std::collections::HashSet;
use std::time::{Duration, SystemTime};

/// The event source Bedrock's calls are recorded under, control plane and runtime alike
/// (https://docs.aws.amazon.com/bedrock/latest/userguide/logging-using-cloudtrail.html).
pub const BEDROCK_EVENT_SOURCE: &str = "bedrock.amazonaws.com";

/// The most events one `LookupEvents` page holds (its `MaxResults` maximum).
pub const PAGE_SIZE: i32 = 50;

/// A page throttled by CloudTrail (the account's rate is shared with other callers) is asked again
/// this many times, after this pause, doubled each time: 1 + 2 + 4 s.
const THROTTLED_RETRIES: u32 = 3;
const THROTTLED_PAUSE: Duration = Duration::from_secs(1);

/// How far back event history goes: 90 days.
pub const HISTORY_DAYS: u64 = 90;

/// Why a region's history was not read to its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    /// The caller's limit on events was reached.
    Limit,
}

/// What reading one region's history did.
#[derive(Debug, Clone)]
pub struct History {
    pub region: String,
    /// Pages read.
    pub pages: u32,
    /// Events handed on.
    pub events: u64,
    /// `None`: every page of the window was read.
    pub cut: Option<Cut>,
    /// The first page's evidence and the last one's (the pages between are alike).
    pub evidence: Vec<Evidence>,
}

impl Facts {
    /// `cloudtrail:LookupEvents` with `EventSource = bedrock.amazonaws.com` in this facts' region,
    /// from `start` to `end`, every page in turn: each event's record (`CloudTrailEvent`, the
    /// event as a JSON string) goes to `each`, which takes it (`true`) or refuses it because the
    /// caller's limit was already reached (`false`: the history is cut there, with events left).
    /// A token seen twice is an unexpected response.
    pub async fn bedrock_event_history(
        &self,
        start: SystemTime,
        end: SystemTime,
        mut each: impl FnMut(&str) -> bool,
    ) -> Result<History, FactError> {
        self.sigv4_ready("cloudtrail").await?;
        let region = self.region().unwrap_or_default().to_string();
        let site = CallSite::new("cloudtrail", "LookupEvents", self.region());
        let source = LookupAttribute::builder()
            .attribute_key(LookupAttributeKey::EventSource)
            .attribute_value(BEDROCK_EVENT_SOURCE)
            .build()
            .map_err(|e| FactError::Unavailable(e.to_string()))?;
        let mut history = History {
            region,
            pages: 0,
            events: 0,
            cut: None,
            evidence: Vec::new(),
        };
        let mut token: Option<String> = None;
        let mut seen = HashSet::new();
        loop {
            let this_token = token.take();
            let mut pause = THROTTLED_PAUSE;
            let mut retries = 0;
            let (output, evidence) = loop {
                let page = self
                    .fetch(site, |rec| {
                        self.cloudtrail
                            .lookup_events()
                            .lookup_attributes(source.clone())
                            .start_time(DateTime::from(start))
                            .end_time(DateTime::from(end))
                            .max_results(PAGE_SIZE)
                            .set_next_token(this_token.clone())
                            .customize()
                            .interceptor(rec)
                            .send()
                    })
                    .await;
                match page {
                    // The account's rate is shared with every other caller (the console, other
                    // tools): a throttled page (or one that failed on AWS's side) is asked again
                    // after a pause, never a verdict.
                    Err(err) if crate::calls::is_transient(&err) && retries < THROTTLED_RETRIES => {
                        retries += 1;
                        tokio::time::sleep(pause).await;
                        pause *= 2;
                    }
                    page => break page?,
                }
            };
            history.pages += 1;
            if history.evidence.len() < 2 {
                history.evidence.push(evidence.clone());
            } else if let Some(last) = history.evidence.last_mut() {
                *last = evidence.clone();
            }
            for event in output.events() {
                if !each(event.cloud_trail_event().unwrap_or_default()) {
                    // Refused: the limit was reached before this event, so more history exists.
                    history.cut = Some(Cut::Limit);
                    return Ok(history);
                }
                history.events += 1;
            }
            token = match output.next_token.filter(|t| !t.is_empty()) {
                None => return Ok(history),
                Some(t) if !seen.insert(t.clone()) => {
                    return Err(super::gateway::unexpected(
                        site,
                        "sent the same NextToken twice",
                        &evidence,
                    ))
                }
                Some(t) => Some(t),
            };
        }
    }
}
