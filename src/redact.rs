//! `--redact`: masks account ids and the principal part of ARNs everywhere in a report, quoted AWS
//! messages included, so a report can be attached to a public ticket.

use regex::Regex;
use std::sync::OnceLock;

pub const ACCOUNT_MASK: &str = "<account-id>";

fn arn_pattern() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    // arn:partition:service:region:account:resource — the resource runs to whitespace or a quote.
    RE.get_or_init(|| {
        Regex::new(r#"arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:(\d{12})?:([^\s"',;)\]}]+)"#).unwrap()
    })
}

fn account_pattern() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"(^|[^0-9])\d{12}([^0-9]|$)").unwrap())
}

fn key_user_pattern() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    // The IAM user IAM creates for a long-term Bedrock API key, named outside any ARN.
    RE.get_or_init(|| Regex::new(r"BedrockAPIKey-[A-Za-z0-9]+").unwrap())
}

/// Masks one string. Public model and inference-profile names (`foundation-model/anthropic...`,
/// `inference-profile/us.anthropic...`) are kept: they identify the model, not the customer.
pub fn redact(text: &str) -> String {
    let arns_masked = arn_pattern().replace_all(text, |caps: &regex::Captures| {
        let whole = caps.get(0).map_or("", |m| m.as_str());
        let resource = caps.get(2).map_or("", |m| m.as_str());
        let prefix_end = whole.len() - resource.len();
        let head = &whole[..prefix_end];
        let head = caps.get(1).map_or(head.to_string(), |acct| {
            head.replace(acct.as_str(), ACCOUNT_MASK)
        });
        let public =
            resource.starts_with("foundation-model/") || resource.starts_with("inference-profile/");
        let resource = if public {
            resource.to_string()
        } else {
            let kind_end = resource.find(['/', ':']).unwrap_or(resource.len());
            format!(
                "{}{}",
                &resource[..kind_end],
                if kind_end < resource.len() {
                    "/<redacted>"
                } else {
                    ""
                }
            )
        };
        format!("{head}{resource}")
    });
    let users_masked = key_user_pattern().replace_all(&arns_masked, "BedrockAPIKey-<redacted>");
    // Accounts standing alone; run twice because adjacent matches share their separator.
    let mut out = users_masked.into_owned();
    for _ in 0..2 {
        out = account_pattern()
            .replace_all(&out, format!("${{1}}{ACCOUNT_MASK}${{2}}"))
            .into_owned();
    }
    out
}

/// Applies [`redact`] to every string in a JSON value.
pub fn redact_json(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::String(s) => *s = redact(s),
        serde_json::Value::Array(items) => items.iter_mut().for_each(redact_json),
        serde_json::Value::Object(map) => map.values_mut().for_each(redact_json),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_accounts_and_principals_keeps_models() {
        let msg = "User: arn:aws:sts::123456789012:assumed-role/Dev/alice is not authorized to perform: \
                   bedrock:InvokeModel on resource: arn:aws:bedrock:us-east-2::foundation-model/anthropic.claude-3-haiku-20240307-v1:0 \
                   (account 123456789012)";
        let out = redact(msg);
        assert!(!out.contains("123456789012"), "{out}");
        assert!(!out.contains("alice"), "{out}");
        assert!(
            out.contains("arn:aws:sts::<account-id>:assumed-role/<redacted>"),
            "{out}"
        );
        assert!(
            out.contains("foundation-model/anthropic.claude-3-haiku-20240307-v1:0"),
            "{out}"
        );
    }

    #[test]
    fn masks_the_iam_user_of_a_long_term_api_key() {
        assert_eq!(
            redact("ABSKQmVk… (long-term, IAM user BedrockAPIKey-g28r of account 123456789012)"),
            "ABSKQmVk… (long-term, IAM user BedrockAPIKey-<redacted> of account <account-id>)"
        );
    }

    #[test]
    fn masks_root_and_policy_arns() {
        assert_eq!(
            redact("arn:aws:iam::123456789012:root"),
            "arn:aws:iam::<account-id>:root"
        );
        let policy = redact("in a service control policy: arn:aws:organizations::111122223333:policy/o-abc/service_control_policy/p-123");
        assert!(
            !policy.contains("111122223333") && policy.contains("policy/<redacted>"),
            "{policy}"
        );
        assert_eq!(
            redact("123456789012,210987654321"),
            "<account-id>,<account-id>"
        );
        assert_eq!(
            redact("1234567890123"),
            "1234567890123",
            "13 digits are not an account id"
        );
    }
}
