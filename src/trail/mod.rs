//! `trail`: the Bedrock calls that already failed, read from CloudTrail's event history in each
//! region asked, all regions at once, each region's pages in turn at `LookupEvents`' published
//! rate (the fact `bedrock_event_history` and the limiter's CloudTrail lane). Every event goes
//! straight into the same grouping `explain` uses (`crate::cloudtrail`) and is dropped: what is
//! held is one page and one group per distinct failure. This is the online half: it calls AWS, so
//! it sits beside `src/cloudtrail/`, which stays offline.

mod render;
pub mod window;

use crate::cloudtrail::{self, Filter, Groups};
use checks::facts::cloudtrail::{Cut, History};
use checks::facts::FactError;
use checks::Facts;
use serde::Serialize;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use window::Window;

pub use render::{render_json, render_markdown, render_text};

/// What event history can and cannot show, stated with every answer (above all an empty one).
/// Sources: Bedrock's CloudTrail page
/// (https://docs.aws.amazon.com/bedrock/latest/userguide/logging-using-cloudtrail.html), the
/// CloudTrail concepts page on management and data events
/// (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-concepts.html) and
/// CloudTrail's data-event resource types
/// (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-data-events-with-cloudtrail.html).
pub const EVENT_HISTORY_NOTE: &str = "CloudTrail event history holds the last 90 days of management events, per Region, with no set-up. Bedrock records its control-plane calls and the model calls InvokeModel, InvokeModelWithResponseStream, Converse and ConverseStream as management events: those are what this reads. Calls Bedrock records as data events (agents, flows, knowledge-base Retrieve and RetrieveAndGenerate, guardrails, prompts) never appear in event history: only a trail or a CloudTrail Lake event data store with Bedrock data events enabled has them. No failure found here means none of the management events failed, not that nothing did.";

/// What the person asked for, validated.
#[derive(Debug, Clone)]
pub struct Request {
    pub window: Window,
    /// The regions to read, in order.
    pub regions: Vec<String>,
    pub filter: Filter,
    /// Events read, all regions together, before the history is cut short.
    pub limit: u64,
    pub deadline: Duration,
}

/// How reading one region went.
#[derive(Debug, Clone, Serialize)]
pub struct RegionRead {
    pub region: String,
    pub pages: u32,
    pub events: u64,
    /// Every page of the window was read.
    pub complete: bool,
    /// Why not: `limit` (`--limit` reached), `deadline` (`--timeout` ran out) or `error`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cut: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<RegionError>,
}

/// A region whose history could not be read, with the doctor's diagnosis of the call.
#[derive(Debug, Clone, Serialize)]
pub struct RegionError {
    pub diagnosis: String,
    pub summary: String,
}

/// What was read, in numbers.
#[derive(Debug, Clone, Copy, Default)]
pub struct Counts {
    pub events: u64,
    pub failed: u64,
    pub succeeded: u64,
    pub unreadable: u64,
    pub filtered: u64,
}

/// Everything read: the groups (not yet diagnosed) and how each region went.
pub struct Outcome {
    pub counts: Counts,
    pub groups: Groups,
    pub regions: Vec<RegionRead>,
}

fn region_error(err: FactError) -> RegionError {
    match err {
        FactError::Call(e) => RegionError {
            diagnosis: e.diagnosis.to_string(),
            summary: e.summary,
        },
        FactError::Needs { reason, .. } => RegionError {
            diagnosis: reason.clone(),
            summary: format!("CloudTrail needs AWS credentials first ({reason})"),
        },
        FactError::Unavailable(why) => RegionError {
            diagnosis: checks::dx::UNKNOWN.to_string(),
            summary: why,
        },
    }
}

/// Reads every region's history at once into one set of groups.
pub async fn run(home: Arc<Facts>, request: &Request) -> Outcome {
    let groups = Arc::new(Mutex::new(Groups::default()));
    let taken = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for (i, region) in request.regions.iter().enumerate() {
        let facts = if i == 0 && home.region() == Some(region.as_str()) {
            Arc::clone(&home)
        } else {
            Arc::new(Facts::for_region(&home, region))
        };
        let (groups, taken) = (Arc::clone(&groups), Arc::clone(&taken));
        let (filter, limit, window, deadline) = (
            request.filter.clone(),
            request.limit,
            request.window,
            request.deadline,
        );
        let region = region.clone();
        tasks.push(tokio::spawn(async move {
            let each = |record: &str| {
                if taken.fetch_add(1, Ordering::SeqCst) >= limit {
                    return false;
                }
                let mut groups = groups.lock().unwrap_or_else(|e| e.into_inner());
                groups.add_record(record, &filter);
                true
            };
            let read = facts.bedrock_event_history(window.start, window.end, each);
            match tokio::time::timeout(deadline, read).await {
                Ok(Ok(history)) => read_of(history),
                Ok(Err(err)) => RegionRead {
                    region,
                    pages: 0,
                    events: 0,
                    complete: false,
                    cut: Some("error"),
                    error: Some(region_error(err)),
                },
                Err(_) => RegionRead {
                    region,
                    pages: 0,
                    events: 0,
                    complete: false,
                    cut: Some("deadline"),
                    error: None,
                },
            }
        }));
    }
    let mut regions = Vec::new();
    for (task, region) in tasks.into_iter().zip(&request.regions) {
        regions.push(task.await.unwrap_or_else(|e| RegionRead {
            region: region.clone(),
            pages: 0,
            events: 0,
            complete: false,
            cut: Some("error"),
            error: Some(RegionError {
                diagnosis: checks::dx::UNKNOWN.to_string(),
                summary: format!("reading the region's history stopped: {e}"),
            }),
        }));
    }
    let groups = Arc::try_unwrap(groups)
        .map(|m| m.into_inner().unwrap_or_else(|e| e.into_inner()))
        .unwrap_or_else(|shared| {
            std::mem::take(&mut *shared.lock().unwrap_or_else(|e| e.into_inner()))
        });
    let counts = Counts {
        events: groups.events,
        failed: groups.failed(),
        succeeded: groups.succeeded,
        unreadable: groups.unreadable,
        filtered: groups.filtered,
    };
    Outcome {
        counts,
        groups,
        regions,
    }
}

fn read_of(history: History) -> RegionRead {
    RegionRead {
        region: history.region,
        pages: history.pages,
        events: history.events,
        complete: history.cut.is_none(),
        cut: history.cut.map(|Cut::Limit| "limit"),
        error: None,
    }
}

/// The exit code: 0 when every region was read and no call failed, 1 when a call failed or a
/// region could not be read.
pub fn exit_code(outcome: &Outcome) -> i32 {
    let failed = outcome.counts.failed > 0;
    let unread = outcome.regions.iter().any(|r| r.error.is_some());
    i32::from(failed || unread)
}

/// The groups diagnosed, for the renderers.
pub fn diagnose(
    groups: Groups,
    options: cloudtrail::Options,
    profile: Option<&str>,
) -> Vec<cloudtrail::Diagnosed> {
    cloudtrail::diagnose_groups(groups, options, profile)
}
