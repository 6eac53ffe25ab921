//! Maps method + path to a Bedrock operation, using the same URI templates as the AWS models
//! (the botocore drift test compares this table with them).

use percent_encoding::percent_decode_str;

pub struct Route {
    pub service: &'static str,
    pub operation: &'static str,
    pub method: &'static str,
    /// The model's `requestUri`, `{name}` marking one path segment.
    pub uri: &'static str,
}

const fn route(
    service: &'static str,
    operation: &'static str,
    method: &'static str,
    uri: &'static str,
) -> Route {
    Route {
        service,
        operation,
        method,
        uri,
    }
}

pub const ROUTES: &[Route] = &[
    route(
        "bedrock",
        "ListFoundationModels",
        "GET",
        "/foundation-models",
    ),
    route(
        "bedrock",
        "GetFoundationModel",
        "GET",
        "/foundation-models/{modelIdentifier}",
    ),
    route(
        "bedrock",
        "GetFoundationModelAvailability",
        "GET",
        "/foundation-model-availability/{modelId}",
    ),
    route(
        "bedrock",
        "GetUseCaseForModelAccess",
        "GET",
        "/use-case-for-model-access",
    ),
    route(
        "bedrock",
        "ListFoundationModelAgreementOffers",
        "GET",
        "/list-foundation-model-agreement-offers/{modelId}",
    ),
    route(
        "bedrock",
        "ListInferenceProfiles",
        "GET",
        "/inference-profiles",
    ),
    route(
        "bedrock",
        "GetInferenceProfile",
        "GET",
        "/inference-profiles/{inferenceProfileIdentifier}",
    ),
    route(
        "bedrock-runtime",
        "InvokeModel",
        "POST",
        "/model/{modelId}/invoke",
    ),
    route(
        "bedrock-runtime",
        "InvokeModelWithResponseStream",
        "POST",
        "/model/{modelId}/invoke-with-response-stream",
    ),
    route(
        "bedrock-runtime",
        "Converse",
        "POST",
        "/model/{modelId}/converse",
    ),
    route(
        "bedrock-runtime",
        "ConverseStream",
        "POST",
        "/model/{modelId}/converse-stream",
    ),
    route(
        "bedrock-runtime",
        "CountTokens",
        "POST",
        "/model/{modelId}/count-tokens",
    ),
];

/// The outcome of routing one request.
#[derive(Debug, PartialEq)]
pub struct Routed {
    pub service: &'static str,
    /// `None` when no route matches: AWS answers `UnknownOperationException`.
    pub operation: Option<&'static str>,
    /// The decoded path parameter (model id, ARN or profile id), if the route has one.
    pub param: Option<String>,
}

/// `path` is the raw request path without the query string.
pub fn route_request(method: &str, path: &str) -> Routed {
    let service = if path.starts_with("/model/") {
        "bedrock-runtime"
    } else {
        "bedrock"
    };
    let segments: Vec<&str> = path.split('/').collect();
    for r in ROUTES {
        if r.method != method {
            continue;
        }
        let pattern: Vec<&str> = r.uri.split('/').collect();
        if pattern.len() != segments.len() {
            continue;
        }
        let mut param = None;
        let matched = pattern.iter().zip(&segments).all(|(p, s)| {
            if p.starts_with('{') {
                param = percent_decode_str(s)
                    .decode_utf8()
                    .ok()
                    .map(|d| d.into_owned());
                param.as_deref().is_some_and(|d| !d.is_empty())
            } else {
                p == s
            }
        });
        if matched {
            return Routed {
                service: r.service,
                operation: Some(r.operation),
                param,
            };
        }
    }
    Routed {
        service,
        operation: None,
        param: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_model_ids_in_paths() {
        let r = route_request(
            "POST",
            "/model/anthropic.claude-3-haiku-20240307-v1%3A0/invoke",
        );
        assert_eq!(r.operation, Some("InvokeModel"));
        assert_eq!(r.service, "bedrock-runtime");
        assert_eq!(
            r.param.as_deref(),
            Some("anthropic.claude-3-haiku-20240307-v1:0")
        );
        let arn = route_request(
            "GET",
            "/inference-profiles/arn%3Aaws%3Abedrock%3Aus-east-1%3A1%3Ainference-profile%2Fus.x",
        );
        assert_eq!(
            arn.param.as_deref(),
            Some("arn:aws:bedrock:us-east-1:1:inference-profile/us.x")
        );
    }

    #[test]
    fn unknown_paths_and_methods_have_no_operation() {
        assert_eq!(route_request("GET", "/nope").operation, None);
        assert_eq!(
            route_request("DELETE", "/foundation-models").operation,
            None
        );
        assert_eq!(
            route_request("GET", "/model/x/invoke").service,
            "bedrock-runtime"
        );
        assert_eq!(route_request("GET", "/foundation-models/").operation, None);
    }
}
