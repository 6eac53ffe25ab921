//! What `explain` appends to the catalogue's fix when the message names more than the diagnosis
//! needs: the feature Bedrock refused, the endpoint that serves the operation, the policy type that
//! denied. The wording is the catalogue's (`[explain]` in `checks/catalogue.toml`).

use super::extract::{feature, re};
use super::Found;
use checks::catalogue::{catalogue, Diagnosis, ExplainAdvice};
use checks::dx;
use regex::Regex;
use std::sync::OnceLock;

/// Diagnoses whose messages can name the policy type that denied.
const NAMES_POLICY: &[&str] = &[
    dx::IAM_ACTION_DENIED,
    dx::SCP_EXPLICIT_DENY,
    dx::INFERENCE_PROFILE_REGION_BLOCKED,
];

fn advice() -> &'static ExplainAdvice {
    catalogue().explain_advice()
}

/// Appends to `fix` what the message adds to `diagnosis`, and records it in `found`.
pub(super) fn append_advice(
    diagnosis: &Diagnosis,
    text: &str,
    found: &mut Found,
    fix: &mut String,
) {
    if diagnosis.code == dx::REQUEST_FEATURE_UNSUPPORTED {
        found.feature = feature(text);
        if let Some(f) = &found.feature {
            fix.push_str("\n\n");
            fix.push_str(&advice().feature_named(f));
        }
    }
    if diagnosis.code == dx::WRONG_ENDPOINT {
        if let Some(note) = right_endpoint(text, found) {
            fix.push_str("\n\n");
            fix.push_str(&note);
            found.note = Some(note);
        }
    }
    if NAMES_POLICY.contains(&diagnosis.code.as_str()) {
        if let Some(policy) = &found.policy_type {
            fix.push_str("\n\n");
            fix.push_str(&advice().for_policy(
                policy,
                found.deny.as_deref(),
                found.action.as_deref(),
            ));
        }
    }
}

/// Operations of the runtime API (`bedrock-runtime`); every other Bedrock operation is the control
/// plane's (`bedrock`). From the Bedrock API reference's two operation lists.
const RUNTIME_OPERATIONS: &[&str] = &[
    "InvokeModel",
    "InvokeModelWithResponseStream",
    "InvokeModelWithBidirectionalStream",
    "Converse",
    "ConverseStream",
    "CountTokens",
    "ApplyGuardrail",
    "StartAsyncInvoke",
    "GetAsyncInvoke",
    "ListAsyncInvokes",
];

/// For `wrong-endpoint`: the operation the message names (an API name, or the Python method the
/// SDK client lacked) and the endpoint that serves it.
fn right_endpoint(text: &str, found: &Found) -> Option<String> {
    static METHOD: OnceLock<Regex> = OnceLock::new();
    let operation = found.operation.clone().or_else(|| {
        re(&METHOD, r"object has no attribute '([a-z_]+)'")
            .captures(text)
            .map(|c| {
                c[1].split('_')
                    .map(|w| {
                        let mut chars = w.chars();
                        chars
                            .next()
                            .map(|f| f.to_ascii_uppercase().to_string() + chars.as_str())
                            .unwrap_or_default()
                    })
                    .collect::<String>()
            })
    })?;
    let runtime = RUNTIME_OPERATIONS.contains(&operation.as_str());
    Some(advice().endpoint_for(&operation, runtime, found.region.as_deref()))
}

#[cfg(test)]
mod tests {
    use crate::explain::explain;

    #[test]
    fn tells_policy_types_apart() {
        let base = "User: arn:aws:sts::111122223333:assumed-role/r/s is not authorized to perform: bedrock:InvokeModel on resource: arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0";
        for (tail, code, policy, deny) in [
            (
                " because no identity-based policy allows the bedrock:InvokeModel action",
                "iam-action-denied",
                "identity-based policy",
                "implicit",
            ),
            (
                " with an explicit deny in an identity-based policy",
                "iam-action-denied",
                "identity-based policy",
                "explicit",
            ),
            (
                " because no permissions boundary allows the bedrock:InvokeModel action",
                "iam-action-denied",
                "permissions boundary",
                "implicit",
            ),
            (
                " because no session policy allows the bedrock:InvokeModel action",
                "iam-action-denied",
                "session policy",
                "implicit",
            ),
            (
                " with an explicit deny in a session policy",
                "iam-action-denied",
                "session policy",
                "explicit",
            ),
            (
                " with an explicit deny in a service control policy",
                "scp-explicit-deny",
                "service control policy",
                "explicit",
            ),
        ] {
            let e = explain(&format!("AccessDeniedException: {base}{tail}"));
            assert_eq!(e.diagnosis, code, "{tail}");
            assert_eq!(e.found.policy_type.as_deref(), Some(policy), "{tail}");
            assert_eq!(e.found.deny.as_deref(), Some(deny), "{tail}");
            assert!(
                e.fix.contains(&format!(
                    "names {}",
                    if deny == "explicit" && policy.starts_with('i') {
                        "an explicit deny in an identity-based policy".to_string()
                    } else if policy.starts_with('i') {
                        "the identity-based policy".to_string()
                    } else {
                        format!("a {policy}")
                    }
                )),
                "{tail}: {}",
                e.fix
            );
        }
    }

    #[test]
    fn names_the_feature_and_the_right_endpoint() {
        let e = explain(
            r#"litellm.BadRequestError: BedrockException - {\"message\":\"The model returned the following errors: thinking.adaptive.block_binding: Extra inputs are not permitted\"}"#,
        );
        assert_eq!(e.diagnosis, "request-feature-unsupported");
        assert_eq!(
            e.found.feature.as_deref(),
            Some("thinking.adaptive.block_binding")
        );
        assert!(
            e.fix.contains("thinking.adaptive.block_binding"),
            "{}",
            e.fix
        );
        let e = explain("The model returned the following errors: `temperature` and `top_p` cannot both be specified for this model. Please use only one.");
        assert_eq!(e.found.feature.as_deref(), Some("temperature + top_p"));
        let e = explain("AttributeError: 'Bedrock' object has no attribute 'converse_stream'");
        assert_eq!(e.diagnosis, "wrong-endpoint");
        assert!(
            e.fix.contains("ConverseStream is a runtime operation"),
            "{}",
            e.fix
        );
        let e = explain("An error occurred (ValidationException) when calling the ListFoundationModels operation: Operation unknown");
        assert_eq!(e.diagnosis, "wrong-endpoint");
        assert!(
            e.fix
                .contains("ListFoundationModels is a control-plane operation"),
            "{}",
            e.fix
        );
    }
}
