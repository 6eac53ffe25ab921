//! `trail --principal` and `--model`: which events count. Read from the record itself, before
//! grouping, so a role session's name and a user's name match as well as the ARNs the groups keep.

use super::event::Event;
use super::group::Groups;
use serde_json::Value;

/// What `--principal` and `--model` ask for; `None`: every event.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// An ARN (the user's, the role's, the role session's) or a name (user, role, session,
    /// Identity Center user id), matched exactly.
    pub principal: Option<String>,
    /// A model id, an inference-profile id or an ARN: an event on a profile of the model
    /// (`us.anthropic.…` for `anthropic.…`) or naming it by ARN counts too.
    pub model: Option<String>,
}

fn text<'a>(value: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut v = value;
    for key in path {
        v = v.get(key)?;
    }
    v.as_str()
}

/// The geography (or `global`) prefixes of system-defined inference-profile ids
/// (https://docs.aws.amazon.com/bedrock/latest/userguide/inference-profiles-support.html).
const PROFILE_PREFIXES: &[&str] = &[
    "us", "us-gov", "eu", "apac", "ap", "jp", "au", "ca", "global",
];

/// The id an ARN names (its last path segment), or the id itself.
fn bare(id: &str) -> &str {
    if id.starts_with("arn:") {
        id.rsplit('/').next().unwrap_or(id)
    } else {
        id
    }
}

/// `id` without a profile's geography prefix.
fn base_model(id: &str) -> &str {
    match id.split_once('.') {
        Some((prefix, rest)) if PROFILE_PREFIXES.contains(&prefix) && rest.contains('.') => rest,
        _ => id,
    }
}

impl Filter {
    pub fn is_empty(&self) -> bool {
        self.principal.is_none() && self.model.is_none()
    }

    /// Whether the record passes both filters.
    pub fn admits(&self, record: &Value) -> bool {
        if let Some(wanted) = &self.principal {
            let identity = record.get("userIdentity").unwrap_or(&Value::Null);
            let session = text(identity, &["arn"])
                .filter(|a| a.contains(":assumed-role/"))
                .and_then(|a| a.rsplit_once('/'))
                .map(|(_, s)| s);
            let names = [
                text(identity, &["arn"]),
                text(identity, &["userName"]),
                text(identity, &["sessionContext", "sessionIssuer", "arn"]),
                text(identity, &["sessionContext", "sessionIssuer", "userName"]),
                text(identity, &["onBehalfOf", "userId"]),
                session,
            ];
            if !names.iter().flatten().any(|n| n == wanted) {
                return false;
            }
        }
        if let Some(wanted) = &self.model {
            let Some(used) = text(record, &["requestParameters", "modelId"]) else {
                return false;
            };
            let (used, wanted) = (bare(used), bare(wanted));
            if used != wanted && base_model(used) != wanted {
                return false;
            }
        }
        true
    }
}

impl Groups {
    /// One record as `LookupEvents` hands it (the event as a JSON string): counted, and grouped
    /// when it failed; left out, and counted as such, when `filter` does not admit it.
    pub fn add_record(&mut self, record: &str, filter: &Filter) {
        let Some(value) = serde_json::from_str::<Value>(record).ok() else {
            self.unreadable();
            return;
        };
        if !filter.is_empty() && !filter.admits(&value) {
            self.filtered += 1;
            return;
        }
        match Event::from_value(&value) {
            Some(event) => self.add(event),
            None => self.unreadable(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn role_event(model: &str) -> Value {
        json!({
            "eventSource": "bedrock.amazonaws.com", "eventName": "InvokeModel",
            "userIdentity": {"type": "AssumedRole",
                "arn": "arn:aws:sts::123456789012:assumed-role/app-role/i-01",
                "sessionContext": {"sessionIssuer": {"arn": "arn:aws:iam::123456789012:role/app-role", "userName": "app-role"}}},
            "requestParameters": {"modelId": model}
        })
    }

    #[test]
    fn principal_matches_arns_role_and_session_names() {
        let event = role_event("anthropic.claude-3-haiku-20240307-v1:0");
        for wanted in [
            "app-role",
            "i-01",
            "arn:aws:iam::123456789012:role/app-role",
            "arn:aws:sts::123456789012:assumed-role/app-role/i-01",
        ] {
            let filter = Filter {
                principal: Some(wanted.into()),
                model: None,
            };
            assert!(filter.admits(&event), "{wanted}");
        }
        let filter = Filter {
            principal: Some("app".into()),
            model: None,
        };
        assert!(!filter.admits(&event));
    }

    #[test]
    fn model_matches_ids_profiles_of_it_and_arns() {
        let model = |m: &str| Filter {
            principal: None,
            model: Some(m.into()),
        };
        let on_profile = role_event("us.anthropic.claude-sonnet-4-5-20250929-v1:0");
        assert!(model("anthropic.claude-sonnet-4-5-20250929-v1:0").admits(&on_profile));
        assert!(model("us.anthropic.claude-sonnet-4-5-20250929-v1:0").admits(&on_profile));
        assert!(!model("eu.anthropic.claude-sonnet-4-5-20250929-v1:0").admits(&on_profile));
        let by_arn = role_event(
            "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0",
        );
        assert!(model("anthropic.claude-3-haiku-20240307-v1:0").admits(&by_arn));
        assert!(!model("anthropic.claude-3-haiku-20240307-v1:0").admits(&on_profile));
    }
}
