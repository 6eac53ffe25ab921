//! `explain`: an AWS error pasted from a log, diagnosed offline with the checks' own catalogue.
//!
//! The input may be a bare message or a whole log excerpt: a boto3 traceback, an AWS CLI line, a
//! JavaScript SDK error or JSON dump, Rust SDK `Debug` output, a LiteLLM or LangChain wrapper. The
//! classifier reads it as free text; extraction pulls out what the fix can name (action, resource,
//! region, model, endpoint, the policy type a deny names). Everything here is linear in the input:
//! the regex crate does not backtrack, and each pattern runs once over a bounded text.

mod advice;
mod extract;
mod refine;
mod render;
#[cfg(test)]
mod tests;

pub use render::render_text;

use advice::append_advice;
use checks::catalogue::{catalogue, normalise, render_fix};
use checks::dx;
use checks::regions;
use extract::{endpoint, extract};
use refine::refine;
use serde::Serialize;
use std::collections::BTreeMap;

/// Pasted logs longer than this are read as their first and last halves of it: AWS errors are short,
/// and a traceback's error sits at its end, a wrapper's at its start. Bounds the work on arbitrary
/// input: a megabyte of log costs what 16 KiB does.
const MAX_ANALYSED: usize = 16 * 1024;

#[derive(Debug, Serialize)]
pub struct Explanation {
    pub diagnosis: String,
    pub category: String,
    pub cause: String,
    pub fix: String,
    pub matched: bool,
    /// What in the input led there (printed with `-v`; always in JSON).
    pub found: Found,
}

#[derive(Debug, Default, Serialize)]
pub struct Found {
    pub error_code: Option<String>,
    /// The API operation the error came from (`InvokeModel`, `Converse`, `GetCallerIdentity`...).
    pub operation: Option<String>,
    pub http_status: Option<u16>,
    pub action: Option<String>,
    pub resource: Option<String>,
    pub region: Option<String>,
    pub model_id: Option<String>,
    /// A Bedrock endpoint host named in the input.
    pub endpoint: Option<String>,
    /// The policy type an access-denied message names: `identity-based policy`, `permissions
    /// boundary`, `session policy`, `service control policy`, `resource-based policy`, `resource
    /// control policy` or `VPC endpoint policy`.
    pub policy_type: Option<String>,
    /// `explicit` (a Deny statement) or `implicit` (no policy of that type allows the action).
    pub deny: Option<String>,
    /// The Anthropic API feature, field or parameter combination a `request-feature-unsupported`
    /// message names (`reasoning`, `thinking.adaptive.block_binding`, `temperature + top_p`,
    /// an `anthropic-beta` flag).
    pub feature: Option<String>,
    /// How explain refined the rule's verdict, when it did.
    pub note: Option<String>,
    /// The catalogue rule that matched, and the public thread where its message was seen.
    pub rule_example: Option<String>,
    pub rule_seen_in: Option<String>,
}

/// The part of the input that is analysed: all of it when short, else its head and tail.
fn bounded(text: &str) -> std::borrow::Cow<'_, str> {
    if text.len() <= MAX_ANALYSED {
        return text.into();
    }
    let half = MAX_ANALYSED / 2;
    let mut head_end = half;
    while !text.is_char_boundary(head_end) {
        head_end -= 1;
    }
    let mut tail_start = text.len() - half;
    while !text.is_char_boundary(tail_start) {
        tail_start += 1;
    }
    format!("{}\n{}", &text[..head_end], &text[tail_start..]).into()
}

pub fn explain(input: &str) -> Explanation {
    explain_with(input, &Known::default())
}

/// What a structured record (a CloudTrail event) states outright, beside its message text: these
/// fill what the text does not name, and the error code and operation are taken as stated.
#[derive(Debug, Default, Clone)]
pub struct Known {
    pub error_code: Option<String>,
    pub operation: Option<String>,
    pub region: Option<String>,
    pub model_id: Option<String>,
}

/// [`explain`], with the fields a structured record states. When no rule recognises the text,
/// the error code and operation alone still name a diagnosis where they are unambiguous (see
/// [`structured_fallback`]).
pub fn explain_with(input: &str, known: &Known) -> Explanation {
    // Read once in the normalised form the rules are written against: escapes undone, quotes
    // folded, whitespace runs made one space (see `checks::catalogue::normalise`).
    let text = normalise(&bounded(input));
    let text = text.as_str();
    let mut found = extract(text);
    fill_known(&mut found, known);
    let mut vars = BTreeMap::new();
    for (name, value) in [
        ("action", &found.action),
        ("resource", &found.resource),
        ("region", &found.region),
        ("model_id", &found.model_id),
        ("endpoint", &found.endpoint),
    ] {
        if let Some(v) = value {
            vars.insert(name, v.clone());
        }
    }
    if let Some(suggestion) = endpoint(text)
        .map(|(_, r)| r)
        .or_else(|| found.region.clone())
        .and_then(|r| regions::nearest(&r))
    {
        vars.insert("suggestion", suggestion.to_string());
    }
    match catalogue().classify_text(text) {
        Some((diagnosis, rule, code)) => {
            let diagnosis = refine(diagnosis, rule, text, &mut found);
            if code.is_some() {
                found.error_code = code;
            }
            if known.error_code.is_some() {
                found.error_code.clone_from(&known.error_code);
            }
            found.rule_example = Some(rule.example.clone());
            found.rule_seen_in = Some(rule.seen_in.clone());
            let mut fix = render_fix(diagnosis.fix.trim(), &vars);
            append_advice(diagnosis, text, &mut found, &mut fix);
            Explanation {
                diagnosis: diagnosis.code.clone(),
                category: diagnosis.category.as_str().into(),
                cause: diagnosis.cause.trim().into(),
                fix,
                matched: true,
                found,
            }
        }
        None => {
            if let Some(explanation) = structured_fallback(known, &mut found, &mut vars) {
                return explanation;
            }
            let unknown = catalogue()
                .get(dx::UNKNOWN)
                .expect("catalogue has `unknown`");
            Explanation {
                diagnosis: unknown.code.clone(),
                category: unknown.category.as_str().into(),
                cause: unknown.cause.trim().into(),
                fix: render_fix(unknown.fix.trim(), &vars),
                matched: false,
                found,
            }
        }
    }
}

fn fill_known(found: &mut Found, known: &Known) {
    if known.error_code.is_some() {
        found.error_code.clone_from(&known.error_code);
    }
    if known.operation.is_some() {
        found.operation.clone_from(&known.operation);
    }
    if found.region.is_none() {
        found.region.clone_from(&known.region);
    }
    if found.model_id.is_none() {
        found.model_id.clone_from(&known.model_id);
    }
}

/// The IAM action a Bedrock Runtime operation is authorised by: Converse by `bedrock:InvokeModel`,
/// ConverseStream by `bedrock:InvokeModelWithResponseStream`
/// (https://docs.aws.amazon.com/bedrock/latest/userguide/conversation-inference-call.html).
fn action_of(operation: &str) -> Option<&'static str> {
    Some(match operation {
        "InvokeModel" | "Converse" => "bedrock:InvokeModel",
        "InvokeModelWithResponseStream" | "ConverseStream" => {
            "bedrock:InvokeModelWithResponseStream"
        }
        _ => return None,
    })
}

/// A system-defined cross-Region inference profile id: a geography or `global` before the model id
/// (https://docs.aws.amazon.com/bedrock/latest/userguide/inference-profiles-support.html).
fn is_profile_id(model: &str) -> bool {
    model.split_once('.').is_some_and(|(prefix, rest)| {
        rest.contains('.')
            && matches!(
                prefix,
                "us" | "us-gov" | "eu" | "apac" | "ap" | "jp" | "au" | "ca" | "global"
            )
    })
}

/// A record with an access-denied code on a Bedrock Runtime operation and no message a rule
/// recognises (CloudTrail may record none): the caller's permissions refused the action, which
/// is `iam-action-denied`, its action and resource filled in from the record.
fn structured_fallback(
    known: &Known,
    found: &mut Found,
    vars: &mut BTreeMap<&'static str, String>,
) -> Option<Explanation> {
    let code = known.error_code.as_deref()?;
    if !matches!(code, "AccessDeniedException" | "AccessDenied") {
        return None;
    }
    let action = action_of(known.operation.as_deref()?)?;
    let diagnosis = catalogue().get(dx::IAM_ACTION_DENIED)?;
    if found.action.is_none() {
        found.action = Some(action.to_string());
    }
    vars.entry("action").or_insert_with(|| action.to_string());
    if let (Some(region), Some(model)) = (&known.region, &known.model_id) {
        let resource = if model.starts_with("arn:") {
            model.clone()
        } else if is_profile_id(model) {
            format!("arn:aws:bedrock:{region}:*:inference-profile/{model}")
        } else {
            format!("arn:aws:bedrock:{region}::foundation-model/{model}")
        };
        vars.entry("resource").or_insert(resource);
    }
    found.note = Some(format!(
        "no rule recognises the message; diagnosed from the record's error code ({code}) and operation"
    ));
    Some(Explanation {
        diagnosis: diagnosis.code.clone(),
        category: diagnosis.category.as_str().into(),
        cause: diagnosis.cause.trim().into(),
        fix: render_fix(diagnosis.fix.trim(), vars),
        matched: true,
        found: std::mem::take(found),
    })
}
