//! `explain`: an AWS error pasted from a log, diagnosed offline with the checks' own catalogue.

use checks::catalogue::{catalogue, render_fix};
use regex::Regex;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;

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
    pub action: Option<String>,
    pub resource: Option<String>,
    pub region: Option<String>,
    pub model_id: Option<String>,
    /// The catalogue rule that matched, and the public thread where its message was seen.
    pub rule_example: Option<String>,
    pub rule_seen_in: Option<String>,
}

fn re(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).expect("static pattern"))
}

/// Values the fix text can name: the action, resource, region and model the message mentions.
fn extract(text: &str) -> Found {
    static ACTION: OnceLock<Regex> = OnceLock::new();
    static RESOURCE: OnceLock<Regex> = OnceLock::new();
    static ARN_REGION: OnceLock<Regex> = OnceLock::new();
    static MODEL: OnceLock<Regex> = OnceLock::new();
    let action = re(&ACTION, r"perform:?\s+([a-z0-9-]+:[A-Za-z0-9*]+)")
        .captures(text)
        .map(|c| c[1].to_string());
    let resource = re(&RESOURCE, r"on resource:?\s+(\S+?)[.,]?(\s|$)")
        .captures(text)
        .map(|c| c[1].to_string());
    let region = re(
        &ARN_REGION,
        r"arn:aws[a-z-]*:[a-z-]+:([a-z]{2}(-[a-z]+)+-\d+):",
    )
    .captures(text)
    .map(|c| c[1].to_string())
    .or_else(|| {
        checks::regions::ALL_REGIONS
            .iter()
            .find(|r| text.contains(*r))
            .map(|r| r.to_string())
    });
    let model_id = re(
        &MODEL,
        r"((?:(?:us|eu|apac|jp|au|ca|us-gov|global)\.)?anthropic\.claude[a-z0-9.:-]*[a-z0-9])",
    )
    .captures(text)
    .map(|c| c[1].to_string());
    Found {
        action,
        resource,
        region,
        model_id,
        ..Found::default()
    }
}

pub fn explain(text: &str) -> Explanation {
    let mut found = extract(text);
    let mut vars = BTreeMap::new();
    for (name, value) in [
        ("action", &found.action),
        ("resource", &found.resource),
        ("region", &found.region),
        ("model_id", &found.model_id),
    ] {
        if let Some(v) = value {
            vars.insert(name, v.clone());
        }
    }
    match catalogue().classify_text(text) {
        Some((diagnosis, rule, code)) => {
            found.error_code = code;
            found.rule_example = Some(rule.example.clone());
            found.rule_seen_in = Some(rule.seen_in.clone());
            Explanation {
                diagnosis: diagnosis.code.clone(),
                category: diagnosis.category.as_str().into(),
                cause: diagnosis.cause.trim().into(),
                fix: render_fix(diagnosis.fix.trim(), &vars),
                matched: true,
                found,
            }
        }
        None => {
            let unknown = catalogue()
                .get(checks::dx::UNKNOWN)
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

pub fn render_text(e: &Explanation, verbose: u8) -> String {
    let mut out = String::new();
    let title = catalogue()
        .get(&e.diagnosis)
        .map(|d| d.title.as_str())
        .unwrap_or_default();
    if e.matched {
        out.push_str(&format!("{} [{}] {title}\n\n", e.diagnosis, e.category));
    } else {
        out.push_str("No known diagnosis matches this message (unknown).\n\n");
    }
    out.push_str(&format!("Cause: {}\n\nFix:\n", e.cause));
    for line in e.fix.lines() {
        out.push_str(&format!("  {line}\n"));
    }
    if verbose > 0 {
        out.push_str("\nWhat led there:\n");
        let f = &e.found;
        for (label, value) in [
            ("error code", &f.error_code),
            ("action", &f.action),
            ("resource", &f.resource),
            ("region", &f.region),
            ("model id", &f.model_id),
            ("matched rule example", &f.rule_example),
            ("seen in", &f.rule_seen_in),
        ] {
            if let Some(v) = value {
                out.push_str(&format!("  {label}: {v}\n"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explains_a_boto3_traceback_line() {
        let e = explain(
            "botocore.errorfactory.AccessDeniedException: An error occurred (AccessDeniedException) when calling the \
             InvokeModel operation: User: arn:aws:iam::123456789012:user/dev is not authorized to perform: \
             bedrock:InvokeModel on resource: arn:aws:bedrock:us-west-2::foundation-model/anthropic.claude-3-haiku-20240307-v1:0 \
             because no identity-based policy allows the bedrock:InvokeModel action",
        );
        assert!(e.matched);
        assert_eq!(e.diagnosis, "iam-action-denied");
        assert_eq!(e.found.action.as_deref(), Some("bedrock:InvokeModel"));
        assert_eq!(e.found.region.as_deref(), Some("us-west-2"));
        assert_eq!(
            e.found.model_id.as_deref(),
            Some("anthropic.claude-3-haiku-20240307-v1:0")
        );
    }

    #[test]
    fn says_unknown_rather_than_guessing() {
        let e = explain("the coffee machine is out of beans");
        assert!(!e.matched);
        assert_eq!(e.diagnosis, "unknown");
    }
}
