//! The groups diagnosed and written out: text for a terminal (every field the events carried made
//! visible and capped), JSON with the events' text exact. Access key ids are masked in both.

use super::group::{Group, Groups};
use super::input::Digest;
use crate::explain::{explain_with, render_text as render_explanation, Explanation, Known};
use crate::render::untrusted::visible;
use regex::Regex;
use serde::Serialize;
use std::borrow::Cow;
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    pub verbose: u8,
    /// `--redact`: account ids and principal names masked.
    pub redact: bool,
}

/// Access key ids (`AKIA…` long-term, `ASIA…` temporary and the other prefixes IAM documents,
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-unique-ids)
/// keep their prefix and last four characters, as the doctor's logs show them.
pub fn mask_key_ids(text: &str) -> Cow<'_, str> {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b").expect("key id pattern")
    })
    .replace_all(text, |c: &regex::Captures| {
        let id = &c[0];
        format!(
            "{}{}{}",
            &id[..4],
            "*".repeat(id.len() - 8),
            &id[id.len() - 4..]
        )
    })
}

/// One group with its diagnosis, and the `bedrock-doctor check` command that tests the case.
#[derive(Debug, Serialize)]
pub struct Diagnosed {
    #[serde(flatten)]
    pub group: Group,
    pub reproduce: String,
    pub explanation: Explanation,
}

#[derive(Debug, Serialize)]
struct Document {
    input: super::input::Shape,
    events: u64,
    failed: u64,
    succeeded: u64,
    unreadable: u64,
    /// `lookup-events` output that ended with a `NextToken`: older or newer events were not read.
    more_history: bool,
    groups: Vec<Diagnosed>,
}

/// What the event states beside its message, for the catalogue.
fn known(group: &Group) -> Known {
    Known {
        error_code: Some(group.error_code.clone()),
        operation: group.operation.clone(),
        region: group.region.clone(),
        model_id: group.model_id.clone(),
    }
}

/// The text the catalogue reads: the event's code, operation and message in the AWS CLI's form.
fn as_message(group: &Group) -> String {
    format!(
        "An error occurred ({}) when calling the {} operation: {}",
        group.error_code,
        group.operation.as_deref().unwrap_or("unknown"),
        group.error_message.as_deref().unwrap_or("")
    )
}

/// Each group diagnosed from its structured fields and message, most events first; `profile` is
/// the `--profile` the reproduce command names, if any.
pub fn diagnose_groups(groups: Groups, options: Options, profile: Option<&str>) -> Vec<Diagnosed> {
    groups
        .into_sorted()
        .into_iter()
        .map(|mut group| {
            let explanation = explain_with(&as_message(&group), &known(&group));
            let reproduce = super::reproduce::command(&group, &explanation, profile);
            if options.redact && group.principal.name.is_some() {
                group.principal.name = Some("<redacted>".into());
            }
            Diagnosed {
                group,
                reproduce,
                explanation,
            }
        })
        .collect()
}

fn diagnose(digest: Digest, options: Options) -> Document {
    let events = digest.groups.events;
    let failed = digest.groups.failed();
    let succeeded = digest.groups.succeeded;
    let unreadable = digest.groups.unreadable;
    let groups = diagnose_groups(digest.groups, options, None);
    Document {
        input: digest.shape,
        events,
        failed,
        succeeded,
        unreadable,
        more_history: digest.next_token,
        groups,
    }
}

/// The JSON document: counts, then each group with its diagnosis (`explanation` has the fields of
/// `explain --format json`). The events' text is kept exact but for access key ids, masked (an id
/// is letters and digits only, so masking the serialised text cannot touch its escapes).
pub fn render_json(digest: Digest, options: Options) -> serde_json::Result<String> {
    finish_json(&diagnose(digest, options), options)
}

/// A JSON document as `explain` and `trail` print one: redacted with `--redact`, access key ids
/// masked always.
pub fn finish_json(doc: &impl Serialize, options: Options) -> serde_json::Result<String> {
    let text = if options.redact {
        let mut value = serde_json::to_value(doc)?;
        crate::redact::redact_json(&mut value);
        serde_json::to_string_pretty(&value)?
    } else {
        serde_json::to_string_pretty(doc)?
    };
    Ok(mask_key_ids(&text).into_owned() + "\n")
}

/// Terminal text as `explain` and `trail` print it: access key ids masked always, account ids
/// and ARNs with `--redact`.
pub fn finish_text(out: &str, options: Options) -> String {
    let out = mask_key_ids(out).into_owned();
    if options.redact {
        crate::redact::redact(&out)
    } else {
        out
    }
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn principal_line(group: &Group) -> String {
    let p = &group.principal;
    let kind = match p.kind.as_str() {
        "IAMUser" => "IAM user",
        "AssumedRole" => "assumed role",
        "IdentityCenterRole" => "Identity Center user (permission set role)",
        "IdentityCenterUser" => "Identity Center user",
        "Root" => "root user",
        "AWSService" => "AWS service",
        other => other,
    };
    let mut line = kind.to_string();
    if let Some(name) = &p.name {
        line.push(' ');
        line.push_str(&visible(name));
    }
    if let Some(arn) = &p.arn {
        line.push_str(&format!(" ({})", visible(arn)));
    }
    line
}

/// The terminal text: a summary line, then each group with its diagnosis.
pub fn render_text(digest: Digest, options: Options) -> String {
    let doc = diagnose(digest, options);
    let mut out = format!(
        "Read {} ({}): {} in {}",
        doc.input.describe(),
        plural(doc.events, "event", "events"),
        plural(doc.failed, "failed call", "failed calls"),
        plural(doc.groups.len() as u64, "group", "groups"),
    );
    if doc.succeeded > 0 {
        out.push_str(&format!("; {} without errorCode left out", doc.succeeded));
    }
    if doc.unreadable > 0 {
        out.push_str(&format!(
            "; {} not read as CloudTrail events",
            plural(doc.unreadable, "item was", "items were")
        ));
    }
    out.push_str(".\n");
    if doc.more_history {
        out.push_str("The input ends with a NextToken: more events exist than were read (run lookup-events without --max-items, or pass the token on).\n");
    }
    out.push_str(&groups_text(&doc.groups, options));
    finish_text(&out, options)
}

/// Each group as the terminal shows it, numbered from 1: the raw text, before
/// [`finish_text`] masks it.
pub fn groups_text(groups: &[Diagnosed], options: Options) -> String {
    let mut out = String::new();
    for (i, d) in groups.iter().enumerate() {
        let g = &d.group;
        out.push_str(&format!(
            "\n{}. {} x {} on {}",
            i + 1,
            g.count,
            visible(&g.error_code),
            visible(g.operation.as_deref().unwrap_or("(no eventName)"))
        ));
        match (&g.first_seen, &g.last_seen) {
            (Some(first), Some(last)) if first != last => {
                out.push_str(&format!(", {} to {}", visible(first), visible(last)))
            }
            (Some(first), _) => out.push_str(&format!(", {}", visible(first))),
            _ => {}
        }
        out.push('\n');
        out.push_str(&format!("   principal: {}\n", principal_line(g)));
        if let Some(model) = &g.model_id {
            out.push_str(&format!("   model: {}\n", visible(model)));
        }
        if let Some(region) = &g.region {
            out.push_str(&format!("   region: {}", visible(region)));
            if !g.inference_regions.is_empty() {
                let ran: Vec<_> = g.inference_regions.iter().map(|r| visible(r)).collect();
                out.push_str(&format!(" (ran in {})", ran.join(", ")));
            }
            // A cross-Region request refused in its destination names that Region in the
            // message, and CloudTrail records no inferenceRegion for it.
            if let Some(named) = d
                .explanation
                .found
                .region
                .as_ref()
                .filter(|r| *r != region && !g.inference_regions.contains(*r))
            {
                out.push_str(&format!(" (the error names {})", visible(named)));
            }
            out.push('\n');
        }
        if let Some(message) = &g.error_message {
            out.push_str(&format!("   message: {}\n", visible(message)));
        }
        out.push_str(&format!("   reproduce: {}\n", visible(&d.reproduce)));
        out.push('\n');
        let explanation = render_explanation(&d.explanation, options.verbose);
        for line in explanation.lines() {
            if line.trim_end().is_empty() {
                out.push('\n');
            } else {
                out.push_str(&format!("   {}\n", visible(line)));
            }
        }
    }
    out
}
