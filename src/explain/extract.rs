//! Reading the message: the error code, operation and HTTP status whichever log format carries
//! them, and the values a fix can name (action, resource, region, model, endpoint, feature).

use super::Found;
use checks::{access_denied, regions};
use regex::Regex;
use std::sync::OnceLock;

pub(super) fn re(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).expect("static pattern"))
}

fn first_capture(re: &Regex, text: &str) -> Option<String> {
    re.captures(text).and_then(|c| {
        c.iter()
            .skip(1)
            .flatten()
            .next()
            .map(|m| m.as_str().to_string())
    })
}

/// The AWS error code as the input spells it, whichever log format carries it.
fn error_code(text: &str) -> Option<String> {
    static EXPLICIT: OnceLock<Regex> = OnceLock::new();
    static WORD: OnceLock<Regex> = OnceLock::new();
    let explicit = r#"An error occurred \((\w+)\)|(?:__type|"code"|x-amzn-ErrorType)"?\s*[:=]\s*["']?(?:[\w.]+#)?([A-Za-z]+)|"name"\s*:\s*"(\w+)"|errorCode:\s*`?(\w+)"#;
    // A bare CamelCase error name, unless it is a wrapper's own class (LiteLLM, the Anthropic
    // SDKs, Python, the Rust SDK's error context): those name the app's error, not AWS's.
    const WRAPPERS: &[&str] = &[
        "AuthenticationError",
        "PermissionDeniedError",
        "BadRequestError",
        "NotFoundError",
        "RateLimitError",
        "InternalServerError",
        "ServiceUnavailableError",
        "APIConnectionError",
        "APIError",
        "APICallError",
        "ValueError",
        "TypeError",
        "AttributeError",
        "RuntimeError",
        "ClientError",
        "ProviderError",
        "ConnectorError",
        "ServiceError",
        "DispatchFailure",
        "UnexpectedResponseError",
        "BedrockException",
        "AnthropicException",
    ];
    first_capture(re(&EXPLICIT, explicit), text).or_else(|| {
        re(
            &WORD,
            r"\b([A-Z][a-z]+(?:[A-Z][a-z]+)*(?:Exception|Error|Denied|NotFilled|Mismatch|Token|TokenId))\b",
        )
        .find_iter(text)
        .map(|m| m.as_str())
        .find(|w| !WRAPPERS.contains(w))
        .map(str::to_string)
    })
}

fn operation(text: &str) -> Option<String> {
    static OPERATION: OnceLock<Regex> = OnceLock::new();
    first_capture(
        re(
            &OPERATION,
            r#"when calling the (\w+) operation|operation error [\w ]+: (\w+)|Error executing "(\w+)""#,
        ),
        text,
    )
}

fn http_status(text: &str) -> Option<u16> {
    static STATUS: OnceLock<Regex> = OnceLock::new();
    let pattern = r#"(?i)(?:status ?code|httpStatusCode|statusCode)"?\s*[:=(]?\s*(?:http_status_|HTTP status code:\s*)?(\d{3})\b|\bAPI Error:? \(?(\d{3})\b|\bError code: (\d{3})\b|\bHTTP/\d(?:\.\d)? (\d{3})\b|\brejected \((\d{3})\)|\b(\d{3}) (?:Forbidden|Too Many Requests|Service Unavailable|Bad Request|Not Found|Internal Server Error)\b|\b[A-Z]\w*Error:? (\d{3})\b"#;
    first_capture(re(&STATUS, pattern), text)
        .and_then(|s| s.parse().ok())
        .filter(|s| (400..600).contains(s))
}

/// A Bedrock endpoint host and the region it names (empty when the region was missing).
pub(super) fn endpoint(text: &str) -> Option<(String, String)> {
    static HOST: OnceLock<Regex> = OnceLock::new();
    let caps = re(
        &HOST,
        r"(?i)\b(bedrock(?:-agent)?(?:-runtime)?(?:-fips)?\.([a-z0-9-]*)\.amazonaws\.com(?:\.cn)?)",
    )
    .captures(text)?;
    Some((caps[1].to_string(), caps[2].to_ascii_lowercase()))
}

/// Values the fix text can name: the action, resource, region and model the message mentions.
pub(super) fn extract(text: &str) -> Found {
    static ANY_REGION: OnceLock<Regex> = OnceLock::new();
    static MODEL: OnceLock<Regex> = OnceLock::new();
    // The action, resource, policy type and ARN region of an authorization failure, read as the
    // checks read them.
    let denied = access_denied::parse(text);
    let endpoint = endpoint(text);
    let region = denied
        .region
        .clone()
        .or_else(|| {
            endpoint
                .as_ref()
                .map(|(_, r)| r.clone())
                .filter(|r| !r.is_empty())
        })
        .or_else(|| {
            re(
                &ANY_REGION,
                r"\b[a-z]{2}(?:-gov|-iso[bef]?)?-[a-z]+-\d{1,2}\b",
            )
            .find_iter(text)
            .map(|m| m.as_str())
            .find(|r| regions::ALL_REGIONS.contains(r))
            .map(str::to_string)
        });
    let model_id = re(
        &MODEL,
        r"((?:(?:us|eu|apac|jp|au|ca|us-gov|global)\.)?anthropic\.claude[a-z0-9.:-]*[a-z0-9])",
    )
    .captures(text)
    .map(|c| c[1].to_string());
    let deny = denied.policy_type.as_ref().map(|_| {
        if denied.explicit_deny {
            "explicit".to_string()
        } else {
            "implicit".to_string()
        }
    });
    Found {
        error_code: error_code(text),
        operation: operation(text),
        http_status: http_status(text),
        action: denied.action,
        resource: denied.resource,
        region,
        model_id,
        endpoint: endpoint.map(|(host, _)| host),
        policy_type: denied.policy_type,
        deny,
        ..Found::default()
    }
}

/// The feature a request-shape message names: the field Bedrock's validator calls an extra input,
/// a beta flag, or the parameters it will not take together.
pub(super) fn feature(text: &str) -> Option<String> {
    static EXTRA: OnceLock<Regex> = OnceLock::new();
    static BETA: OnceLock<Regex> = OnceLock::new();
    static BOTH: OnceLock<Regex> = OnceLock::new();
    let field = |s: &str| {
        s.trim_matches(|c: char| c == '`' || c == '\'' || c == '"')
            .to_string()
    };
    if let Some(c) = re(
        &EXTRA,
        r"(?i)([A-Za-z_][\w.\[\]`-]*):? Extra inputs are not permitted",
    )
    .captures(text)
    {
        return Some(field(&c[1]));
    }
    if let Some(c) = re(
        &BETA,
        r"(?i)Unexpected value\(s\) `?([\w.,` -]{1,120}?)`? for the .?anthropic-beta",
    )
    .captures(text)
    {
        return Some(format!("anthropic-beta: {}", field(&c[1])));
    }
    if let Some(c) = re(
        &BOTH,
        r"(?i)`?(\w+)`? and `?(\w+)`? cannot both be specified",
    )
    .captures(text)
    {
        return Some(format!("{} + {}", &c[1], &c[2]));
    }
    let lower = text.to_ascii_lowercase();
    if lower.contains("invalid beta flag") {
        return Some(
            "an anthropic-beta flag (anthropic_beta in the body or the anthropic-beta header)"
                .into(),
        );
    }
    if lower.contains("thinking may not be enabled when tool_choice forces tool use") {
        return Some("extended thinking + a forced tool_choice".into());
    }
    None
}

#[cfg(test)]
mod tests {
    use crate::explain::explain;

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
        assert_eq!(e.found.error_code.as_deref(), Some("AccessDeniedException"));
        assert_eq!(e.found.operation.as_deref(), Some("InvokeModel"));
        assert_eq!(
            e.found.policy_type.as_deref(),
            Some("identity-based policy")
        );
        assert_eq!(e.found.deny.as_deref(), Some("implicit"));
    }

    #[test]
    fn reads_the_aws_cli_format() {
        let e = explain(
            "An error occurred (SignatureDoesNotMatch) when calling the GetCallerIdentity operation: Signature expired: \
             20220127T001427Z is now earlier than 20220127T014428Z (20220127T015928Z - 15 min.)",
        );
        assert_eq!(e.diagnosis, "clock-skew");
        assert_eq!(e.found.error_code.as_deref(), Some("SignatureDoesNotMatch"));
        assert_eq!(e.found.operation.as_deref(), Some("GetCallerIdentity"));
    }

    #[test]
    fn reads_a_javascript_sdk_error_and_its_metadata_dump() {
        let e = explain(
            "Too many tokens, please wait before trying again.\nname: ThrottlingException\n$fault: client\n\
             $metadata: {\"httpStatusCode\":429,\"requestId\":\"158a2e26-c851-4440-9f98-e3065df1de46\",\"attempts\":3}",
        );
        assert_eq!(e.diagnosis, "throttled");
        assert_eq!(e.found.error_code.as_deref(), Some("ThrottlingException"));
        assert_eq!(e.found.http_status, Some(429));
        let e = explain("{\n\t\"name\": \"ThrottlingException\",\n\t\"$fault\": \"client\",\n\t\"$metadata\": {\n\t\t\"httpStatusCode\": 429\n\t}\n}");
        assert_eq!(e.diagnosis, "throttled");
        assert_eq!(e.found.error_code.as_deref(), Some("ThrottlingException"));
        assert_eq!(e.found.http_status, Some(429));
    }

    #[test]
    fn reads_a_json_error_body_with_type() {
        let e = explain(
            r#"{"__type":"com.amazon.coral.service#UnrecognizedClientException","message":"The security token included in the request is invalid."}"#,
        );
        assert_eq!(e.diagnosis, "invalid-access-key");
        assert_eq!(
            e.found.error_code.as_deref(),
            Some("UnrecognizedClientException")
        );
    }

    #[test]
    fn reads_rust_sdk_debug_output() {
        let e = explain(
            "Error: ServiceError(ServiceError { source: AccessDeniedException(AccessDeniedException { message: Some(\"User: \
             arn:aws:sts::123456789012:assumed-role/dev/me is not authorized to perform: bedrock:InvokeModel on resource: \
             arn:aws:bedrock:eu-central-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0 with an explicit deny in a \
             permissions boundary\"), meta: ErrorMetadata { code: Some(\"AccessDeniedException\"), message: Some(\"...\") } }), \
             raw: Response { status: StatusCode(403), headers: Headers { headers: {} }, body: SdkBody { inner: Once(None) } } })",
        );
        assert_eq!(e.diagnosis, "iam-action-denied");
        assert_eq!(e.found.error_code.as_deref(), Some("AccessDeniedException"));
        assert_eq!(e.found.region.as_deref(), Some("eu-central-1"));
        assert_eq!(e.found.policy_type.as_deref(), Some("permissions boundary"));
        assert_eq!(e.found.deny.as_deref(), Some("explicit"));
        assert_eq!(e.found.http_status, Some(403));
        assert!(e.fix.contains("permissions boundary"), "{}", e.fix);
        assert!(e.fix.contains("bedrock:InvokeModel"), "{}", e.fix);
    }

    #[test]
    fn reads_litellm_and_langchain_wrappers() {
        let e = explain(
            r#"litellm.APIConnectionError: BedrockException - {"message":"Model access is denied due to IAM user or service role is not authorized to perform the required AWS Marketplace actions (aws-marketplace:ViewSubscriptions, aws-marketplace:Subscribe) to enable access to this model."}"#,
        );
        assert_eq!(e.diagnosis, "marketplace-permission-missing");
        let e = explain(
            "ValueError: Error raised by bedrock service: An error occurred (ValidationException) when calling the \
             InvokeModel operation: Invocation of model ID anthropic.claude-3-5-sonnet-20241022-v2:0 with on-demand \
             throughput isn\u{2019}t supported. Retry your request with the ID or ARN of an inference profile that contains this model.",
        );
        assert_eq!(e.diagnosis, "inference-profile-required");
        assert_eq!(
            e.found.model_id.as_deref(),
            Some("anthropic.claude-3-5-sonnet-20241022-v2:0")
        );
        assert!(
            e.fix
                .contains("us.anthropic.claude-3-5-sonnet-20241022-v2:0"),
            "{}",
            e.fix
        );
    }
}
