//! `trail`'s answer as a terminal, Markdown or JSON document: what was read (window, regions,
//! pages, events, where the history was cut short), what event history cannot show, then each
//! group as `explain` shows it, with its reproduce command. Text from events passes the same
//! sanitiser as everywhere (`render::untrusted`); JSON keeps it exact but for access key ids.

use super::{window, Outcome, RegionRead, Request, EVENT_HISTORY_NOTE};
use crate::cloudtrail::{self, Diagnosed, Options};
use crate::render::untrusted::{md_code, md_text, visible};
use serde::Serialize;

#[derive(Serialize)]
struct Window {
    start: String,
    end: String,
}

#[derive(Serialize)]
struct FilterDoc<'a> {
    principal: Option<&'a str>,
    model: Option<&'a str>,
}

/// The JSON document of `trail --format json`.
#[derive(Serialize)]
struct Document<'a> {
    kind: &'static str,
    window: Window,
    regions: &'a [RegionRead],
    limit: u64,
    /// `--limit` or the deadline stopped a region before the end of its history.
    cut_short: bool,
    events: u64,
    failed: u64,
    succeeded: u64,
    unreadable: u64,
    /// Events `--principal`/`--model` left out.
    filtered: u64,
    filter: FilterDoc<'a>,
    event_history: &'static str,
    groups: &'a [Diagnosed],
}

fn cut_short(outcome: &Outcome) -> bool {
    outcome
        .regions
        .iter()
        .any(|r| matches!(r.cut, Some("limit" | "deadline")))
}

pub fn render_json(
    request: &Request,
    outcome: &Outcome,
    groups: &[Diagnosed],
    options: Options,
) -> serde_json::Result<String> {
    let g = &outcome.counts;
    let doc = Document {
        kind: "trail",
        window: Window {
            start: window::format(request.window.start),
            end: window::format(request.window.end),
        },
        regions: &outcome.regions,
        limit: request.limit,
        cut_short: cut_short(outcome),
        events: g.events,
        failed: g.failed,
        succeeded: g.succeeded,
        unreadable: g.unreadable,
        filtered: g.filtered,
        filter: FilterDoc {
            principal: request.filter.principal.as_deref(),
            model: request.filter.model.as_deref(),
        },
        event_history: EVENT_HISTORY_NOTE,
        groups,
    };
    cloudtrail::finish_json(&doc, options)
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The lines above the groups, shared by the terminal and Markdown (each escapes them its way).
fn header(request: &Request, outcome: &Outcome, groups: usize) -> Vec<String> {
    let g = &outcome.counts;
    let pages: u32 = outcome.regions.iter().map(|r| r.pages).sum();
    let mut lines = vec![format!(
        "Read CloudTrail event history (eventSource bedrock.amazonaws.com) from {} to {} in {} ({}): {}, {} in {}.",
        window::format(request.window.start),
        window::format(request.window.end),
        plural(outcome.regions.len() as u64, "region", "regions"),
        plural(u64::from(pages), "page", "pages"),
        plural(g.events, "event", "events"),
        plural(g.failed, "failed call", "failed calls"),
        plural(groups as u64, "group", "groups"),
    )];
    let mut aside = Vec::new();
    if g.succeeded > 0 {
        aside.push(format!("{} without errorCode left out", g.succeeded));
    }
    if g.filtered > 0 {
        aside.push(format!(
            "{} left out by --principal/--model",
            plural(g.filtered, "event", "events")
        ));
    }
    if g.unreadable > 0 {
        aside.push(format!(
            "{} not read as CloudTrail events",
            plural(g.unreadable, "record was", "records were")
        ));
    }
    if !aside.is_empty() {
        lines.push(format!("({}.)", aside.join("; ")));
    }
    if outcome.regions.iter().any(|r| r.cut == Some("limit")) {
        lines.push(format!(
            "The history was cut short: --limit {} events was reached before its end (raise --limit or narrow the window).",
            request.limit
        ));
    }
    for r in &outcome.regions {
        match (&r.error, r.cut) {
            (Some(e), _) => lines.push(format!(
                "{}: the history could not be read: {} ({})",
                r.region, e.summary, e.diagnosis
            )),
            (None, Some("deadline")) => lines.push(format!(
                "{}: the history was cut short: the --timeout deadline ran out before its end.",
                r.region
            )),
            _ => {}
        }
    }
    lines
}

pub fn render_text(
    request: &Request,
    outcome: &Outcome,
    groups: &[Diagnosed],
    options: Options,
) -> String {
    let mut out = String::new();
    for line in header(request, outcome, groups.len()) {
        out.push_str(&visible(&line));
        out.push('\n');
    }
    out.push_str(&format!("Note: {EVENT_HISTORY_NOTE}\n"));
    if groups.is_empty() {
        out.push_str("\nNo failed Bedrock call in the management events read.\n");
    }
    out.push_str(&cloudtrail::groups_text(groups, options));
    cloudtrail::finish_text(&out, options)
}

pub fn render_markdown(
    request: &Request,
    outcome: &Outcome,
    groups: &[Diagnosed],
    options: Options,
) -> String {
    let mut out = String::from("# Bedrock failures from CloudTrail\n\n");
    for line in header(request, outcome, groups.len()) {
        out.push_str(&md_text(&line));
        out.push_str("\n\n");
    }
    out.push_str(&format!("> {}\n\n", md_text(EVENT_HISTORY_NOTE)));
    if groups.is_empty() {
        out.push_str("No failed Bedrock call in the management events read.\n");
    }
    for (i, d) in groups.iter().enumerate() {
        let g = &d.group;
        out.push_str(&format!(
            "## {}. {} × {} on {}\n\n",
            i + 1,
            g.count,
            md_text(&g.error_code),
            md_text(g.operation.as_deref().unwrap_or("(no eventName)"))
        ));
        let mut rows: Vec<(&str, String)> = Vec::new();
        if let (Some(first), Some(last)) = (&g.first_seen, &g.last_seen) {
            rows.push(("seen", format!("{} to {}", md_code(first), md_code(last))));
        }
        let principal = [g.principal.name.as_deref(), g.principal.arn.as_deref()]
            .into_iter()
            .flatten()
            .map(md_code)
            .collect::<Vec<_>>()
            .join(" ");
        rows.push((
            "principal",
            format!("{} {principal}", md_text(&g.principal.kind)),
        ));
        if let Some(model) = &g.model_id {
            rows.push(("model", md_code(model)));
        }
        if let Some(region) = &g.region {
            let mut cell = md_code(region);
            if !g.inference_regions.is_empty() {
                let ran: Vec<String> = g.inference_regions.iter().map(|r| md_code(r)).collect();
                cell.push_str(&format!(" (ran in {})", ran.join(", ")));
            }
            rows.push(("region", cell));
        }
        if let Some(message) = &g.error_message {
            rows.push(("message", md_text(message)));
        }
        rows.push((
            "diagnosis",
            format!("`{}` [{}]", d.explanation.diagnosis, d.explanation.category),
        ));
        rows.push(("fix", md_text(&d.explanation.fix)));
        rows.push(("reproduce", md_code(&d.reproduce)));
        out.push_str("| | |\n|---|---|\n");
        for (name, value) in rows {
            out.push_str(&format!("| {name} | {value} |\n"));
        }
        out.push('\n');
    }
    cloudtrail::finish_text(&out, options)
}
