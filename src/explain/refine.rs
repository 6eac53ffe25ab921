//! Refining the catalogue's verdict with what the message names: a name-resolution failure judged
//! by the region in the host, and the endpoint that serves the operation the message names.

use super::extract::{endpoint, re};
use super::Found;
use checks::catalogue::{catalogue, Diagnosis, Rule};
use checks::dx;
use checks::regions::{self, RegionVerdict};
use regex::Regex;
use std::sync::OnceLock;

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
pub(super) fn right_endpoint(text: &str, found: &Found) -> Option<String> {
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
    let region = found.region.as_deref().unwrap_or("REGION");
    Some(if RUNTIME_OPERATIONS.contains(&operation.as_str()) {
        format!("{operation} is a runtime operation: send it to bedrock-runtime.{region}.amazonaws.com (the `bedrock-runtime` client), not to the control plane `bedrock`.")
    } else {
        format!("{operation} is a control-plane operation: send it to bedrock.{region}.amazonaws.com (the `bedrock` client), not to `bedrock-runtime`.")
    })
}

/// A region-invalid verdict drawn from a name-resolution failure is only as good as the region in
/// the host name: a real region without Bedrock is `region-unsupported`, and a region that offers
/// Bedrock means the name did not resolve on this network (`endpoint-unreachable`).
pub(super) fn refine(
    diagnosis: &'static Diagnosis,
    rule: &Rule,
    text: &str,
    found: &mut Found,
) -> &'static Diagnosis {
    // The catalogue's name-resolution rule: its pattern lists every resolver's wording
    // (ENOTFOUND, EAI_AGAIN, "Name or service not known", ...).
    let dns_rule = rule
        .message
        .as_ref()
        .is_some_and(|m| m.as_str().contains("ENOTFOUND"));
    if diagnosis.code != dx::REGION_INVALID || !dns_rule {
        return diagnosis;
    }
    let Some((host, region)) = endpoint(text) else {
        return diagnosis;
    };
    let (code, note) = match regions::judge(&region) {
        RegionVerdict::Bedrock { .. } => (
            dx::ENDPOINT_UNREACHABLE,
            format!("{host} names {region}, which offers Bedrock: the host name did not resolve on this network"),
        ),
        RegionVerdict::NoBedrock => (
            dx::REGION_UNSUPPORTED,
            format!("{host} names {region}, a real AWS Region without Bedrock"),
        ),
        RegionVerdict::Unknown { .. } | RegionVerdict::Malformed { .. } => return diagnosis,
    };
    found.note = Some(note);
    catalogue().get(code).unwrap_or(diagnosis)
}

#[cfg(test)]
mod tests {
    use crate::explain::explain;

    #[test]
    fn name_resolution_failures_are_judged_by_the_region_in_the_host() {
        let cases = [
            (
                "getaddrinfo ENOTFOUND bedrock-runtime.us-west-3.amazonaws.com",
                "region-invalid",
            ),
            (
                "getaddrinfo ENOTFOUND bedrock-runtime.ap-east-1.amazonaws.com",
                "region-unsupported",
            ),
            (
                "getaddrinfo ENOTFOUND bedrock-runtime.us-east-2.amazonaws.com",
                "endpoint-unreachable",
            ),
            (
                "getaddrinfo EAI_AGAIN bedrock-runtime.us-east-1.amazonaws.com",
                "endpoint-unreachable",
            ),
            (
                "getaddrinfo ENOTFOUND bedrock-runtime..amazonaws.com",
                "region-missing",
            ),
        ];
        for (message, code) in cases {
            let e = explain(message);
            assert_eq!(e.diagnosis, code, "{message}");
        }
        let e = explain("getaddrinfo ENOTFOUND bedrock-runtime.us-esat-1.amazonaws.com");
        assert!(e.fix.contains("us-east-1"), "{}", e.fix);
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
