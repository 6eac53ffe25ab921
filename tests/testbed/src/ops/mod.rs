//! Default answers of each operation: what a healthy account gets back, plus the validation
//! errors Bedrock itself raises (malformed body, unknown model, on-demand not supported). The
//! control plane (catalog, inference profiles, access) is answered here, the runtime (invoke,
//! converse, streams, token counts) in `runtime`.

mod runtime;

pub use runtime::{anthropic_stream_events, converse_stream_events};

use base64::Engine as _;
use serde_json::{json, Value};

use crate::catalog;
use runtime::runtime;

/// A response before the transport adds request id, date and length.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub content_type: &'static str,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(status: u16, value: &Value) -> Reply {
        Reply {
            status,
            content_type: "application/json",
            headers: Vec::new(),
            body: value.to_string().into_bytes(),
        }
    }

    /// A restJson1 error as Bedrock sends it (headers quoted in
    /// https://github.com/aws-samples/amazon-bedrock-client-for-mac/issues/99).
    pub fn error(status: u16, code: &str, message: Option<&str>) -> Reply {
        let mut r = Reply::json(status, &json!({ "message": message }));
        r.headers.push((
            "x-amzn-ErrorType".into(),
            format!("{code}:http://internal.amazon.com/coral/com.amazon.bedrock/"),
        ));
        r
    }

    /// An error from the service framework in front of Bedrock, before any operation runs: how
    /// Bedrock refuses an API key (`{"Message": ...}`, the `coral.service` namespace; headers as
    /// quoted in karthink/gptel#1397 and awslabs/aws-sdk-swift#1991).
    pub fn front_door_error(status: u16, code: &str, message: &str) -> Reply {
        let mut r = Reply::json(status, &json!({ "Message": message }));
        r.headers.push((
            "x-amzn-ErrorType".into(),
            format!("{code}:http://internal.amazon.com/coral/com.amazon.coral.service/"),
        ));
        r
    }
}

/// HTTP status AWS uses for each error code (botocore `error.httpStatusCode`; auth errors: 403).
pub fn status_for(code: &str) -> u16 {
    match code {
        "AccessDeniedException"
        | "UnrecognizedClientException"
        | "InvalidSignatureException"
        | "ExpiredTokenException"
        | "MissingAuthenticationTokenException"
        | "IncompleteSignatureException" => 403,
        "ResourceNotFoundException" | "UnknownOperationException" => 404,
        "ThrottlingException" | "ModelNotReadyException" | "TooManyRequestsException" => 429,
        "InternalServerException" => 500,
        "ServiceUnavailableException" => 503,
        "ModelTimeoutException" => 408,
        "ModelErrorException" | "ModelStreamErrorException" => 424,
        _ => 400,
    }
}

fn validation(message: &str) -> Reply {
    Reply::error(400, "ValidationException", Some(message))
}

fn not_found(message: &str) -> Reply {
    Reply::error(404, "ResourceNotFoundException", Some(message))
}

/// Seen from AWS for an unknown model in GetFoundationModel (older form;
/// https://github.com/truera/trulens/issues/779).
const MODEL_NOT_RESOLVED: &str =
    "Could not resolve the foundation model from the provided model identifier.";
const INVALID_MODEL_ID: &str = "The provided model identifier is invalid.";

pub struct Input<'a> {
    pub operation: &'a str,
    pub param: Option<&'a str>,
    pub query: &'a [(String, String)],
    pub body: &'a [u8],
    /// From the SigV4 scope; ARNs in answers name it.
    pub region: &'a str,
}

impl Input<'_> {
    fn query(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

pub fn handle(input: &Input<'_>) -> Reply {
    let param = input.param.unwrap_or_default();
    match input.operation {
        "ListFoundationModels" => list_foundation_models(input),
        "GetFoundationModel" => match catalog::find_model(input.region, param) {
            Some(m) => Reply::json(
                200,
                &json!({ "modelDetails": catalog::model_summary(input.region, m) }),
            ),
            None => not_found(MODEL_NOT_RESOLVED),
        },
        "GetFoundationModelAvailability" => match catalog::find_model(input.region, param) {
            Some(m) => {
                let mut a = catalog::availability();
                a["modelId"] = m["modelId"].clone();
                Reply::json(200, &a)
            }
            None => not_found(MODEL_NOT_RESOLVED),
        },
        "GetUseCaseForModelAccess" => {
            let form =
                base64::engine::general_purpose::STANDARD.encode(catalog::use_case_form().trim());
            Reply::json(200, &json!({ "formData": form }))
        }
        "ListFoundationModelAgreementOffers" => match catalog::find_model(input.region, param) {
            // Amazon's own models are not sold through Marketplace, so they carry no offer.
            Some(m) if m["providerName"] == "Amazon" => {
                Reply::json(200, &json!({ "modelId": m["modelId"], "offers": [] }))
            }
            Some(m) => Reply::json(
                200,
                &json!({ "modelId": m["modelId"], "offers": catalog::agreement_offers() }),
            ),
            None => not_found(MODEL_NOT_RESOLVED),
        },
        "ListInferenceProfiles" => list_inference_profiles(input),
        "GetInferenceProfile" => match catalog::find_profile(input.region, param) {
            Some(p) => Reply::json(200, &p),
            None => not_found(&format!("The inference profile {param} does not exist.")),
        },
        "InvokeModel"
        | "InvokeModelWithResponseStream"
        | "Converse"
        | "ConverseStream"
        | "CountTokens" => runtime(input),
        other => Reply::error(
            404,
            "UnknownOperationException",
            Some(&format!("no handler for {other}")),
        ),
    }
}

fn list_foundation_models(input: &Input<'_>) -> Reply {
    let provider = input.query("byProvider").map(str::to_ascii_lowercase);
    let inference = input.query("byInferenceType");
    let modality = input.query("byOutputModality");
    let customization = input.query("byCustomizationType");
    let has = |m: &Value, field: &str, v: Option<&str>| {
        v.is_none_or(|v| {
            m[field]
                .as_array()
                .is_some_and(|a| a.iter().any(|x| x == v))
        })
    };
    let summaries: Vec<Value> = catalog::models()
        .iter()
        .filter(|m| {
            provider.as_deref().is_none_or(|p| {
                m["providerName"]
                    .as_str()
                    .unwrap_or_default()
                    .to_ascii_lowercase()
                    == p
            })
        })
        .filter(|m| catalog::offered(m, input.region))
        .filter(|m| has(m, "inferenceTypesSupported", inference))
        .filter(|m| has(m, "outputModalities", modality))
        .filter(|m| has(m, "customizationsSupported", customization))
        .map(|m| catalog::model_summary(input.region, m))
        .collect();
    Reply::json(200, &json!({ "modelSummaries": summaries }))
}

fn list_inference_profiles(input: &Input<'_>) -> Reply {
    let mut all = catalog::profiles(input.region);
    if let Some(t) = input.query("type") {
        all.retain(|p| p["type"] == t);
    }
    let start: usize = input
        .query("nextToken")
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);
    let max: usize = input
        .query("maxResults")
        .and_then(|t| t.parse().ok())
        .unwrap_or(1000)
        .clamp(1, 1000);
    let page: Vec<Value> = all.iter().skip(start).take(max).cloned().collect();
    let mut out = json!({ "inferenceProfileSummaries": page });
    if start + max < all.len() {
        out["nextToken"] = json!((start + max).to_string());
    }
    Reply::json(200, &out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_list_destination_regions() {
        let p = catalog::find_profile("us-east-1", "us.anthropic.claude-haiku-4-5-20251001-v1:0")
            .unwrap();
        let arns: Vec<&str> = p["models"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["modelArn"].as_str().unwrap())
            .collect();
        assert_eq!(
            arns[1],
            "arn:aws:bedrock:us-east-2::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0"
        );
        assert_eq!(arns.len(), 3);
    }
}
