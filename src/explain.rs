//! `explain`: an AWS error pasted from a log, diagnosed offline with the checks' own catalogue.
//!
//! The input may be a bare message or a whole log excerpt: a boto3 traceback, an AWS CLI line, a
//! JavaScript SDK error or JSON dump, Rust SDK `Debug` output, a LiteLLM or LangChain wrapper. The
//! classifier reads it as free text; extraction pulls out what the fix can name (action, resource,
//! region, model, endpoint, the policy type a deny names). Everything here is linear in the input:
//! the regex crate does not backtrack, and each pattern runs once over a bounded text.

use checks::catalogue::{catalogue, normalise, render_fix, Diagnosis, Rule};
use checks::dx;
use checks::regions::{self, RegionVerdict};
use regex::Regex;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;

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

fn re(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).expect("static pattern"))
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

/// The policy type an IAM access-denied message names, and whether it is an explicit deny.
fn policy_type(text: &str) -> Option<(String, &'static str)> {
    static POLICY: OnceLock<Regex> = OnceLock::new();
    const TYPES: &str = "identity-based policy|resource-based policy|permissions boundary|session policy|service control policy|resource control policy|VPC endpoint policy";
    let re = re(
        &POLICY,
        &format!(r"(?i)because no ({TYPES}) allows|with an explicit deny in an? ({TYPES})"),
    );
    let caps = re.captures(text)?;
    let (m, deny) = match (caps.get(1), caps.get(2)) {
        (Some(m), _) => (m, "implicit"),
        (None, Some(m)) => (m, "explicit"),
        _ => return None,
    };
    let name = m.as_str().to_ascii_lowercase().replace("vpc", "VPC");
    Some((name, deny))
}

/// A Bedrock endpoint host and the region it names (empty when the region was missing).
fn endpoint(text: &str) -> Option<(String, String)> {
    static HOST: OnceLock<Regex> = OnceLock::new();
    let caps = re(
        &HOST,
        r"(?i)\b(bedrock(?:-agent)?(?:-runtime)?(?:-fips)?\.([a-z0-9-]*)\.amazonaws\.com(?:\.cn)?)",
    )
    .captures(text)?;
    Some((caps[1].to_string(), caps[2].to_ascii_lowercase()))
}

/// Values the fix text can name: the action, resource, region and model the message mentions.
fn extract(text: &str) -> Found {
    static ACTION: OnceLock<Regex> = OnceLock::new();
    static RESOURCE: OnceLock<Regex> = OnceLock::new();
    static ARN_REGION: OnceLock<Regex> = OnceLock::new();
    static ANY_REGION: OnceLock<Regex> = OnceLock::new();
    static MODEL: OnceLock<Regex> = OnceLock::new();
    let action = re(&ACTION, r"perform:?\s+([a-z0-9-]+:[A-Za-z0-9*]+)")
        .captures(text)
        .map(|c| c[1].to_string());
    let resource = re(&RESOURCE, r"on resource:?\s+(\S+?)[.,`]?(\s|$)")
        .captures(text)
        .map(|c| c[1].to_string());
    let endpoint = endpoint(text);
    let region = re(
        &ARN_REGION,
        r"arn:aws[a-z-]*:[a-z-]+:([a-z]{2}(-[a-z]+)+-\d+):",
    )
    .captures(text)
    .map(|c| c[1].to_string())
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
    let (policy_type, deny) = match policy_type(text) {
        Some((p, d)) => (Some(p), Some(d.to_string())),
        None => (None, None),
    };
    Found {
        error_code: error_code(text),
        operation: operation(text),
        http_status: http_status(text),
        action,
        resource,
        region,
        model_id,
        endpoint: endpoint.map(|(host, _)| host),
        policy_type,
        deny,
        ..Found::default()
    }
}

/// The feature a request-shape message names: the field Bedrock's validator calls an extra input,
/// a beta flag, or the parameters it will not take together.
fn feature(text: &str) -> Option<String> {
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
fn refine(
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

/// What the named policy type means for the fix, appended to the catalogue's fix text.
fn policy_advice(found: &Found) -> Option<String> {
    let policy = found.policy_type.as_deref()?;
    let explicit = found.deny.as_deref() == Some("explicit");
    let action = found.action.as_deref().unwrap_or("the action");
    let verb = if explicit {
        format!("has an explicit Deny for {action}")
    } else {
        format!("does not allow {action}")
    };
    let text = match policy {
        "identity-based policy" if explicit => format!(
            "This message names an explicit deny in an identity-based policy: a Deny statement in a policy attached to the user, role or one of its groups blocks {action}. Attaching more Allow statements will not help; remove or narrow the Deny (look for region or resource conditions)."
        ),
        "identity-based policy" => format!(
            "This message names the identity-based policy: no policy attached to the user or role allows {action}. Attach the policy above (or add {action} to it)."
        ),
        "permissions boundary" => format!(
            "This message names a permissions boundary: the boundary set on the user or role {verb}. A boundary caps what attached policies can grant, so adding Allow statements to the role will not help; whoever manages the boundary must allow {action} in it."
        ),
        "session policy" => format!(
            "This message names a session policy: the policy passed when the session was created (the Policy/PolicyArns of AssumeRole or AssumeRoleWithWebIdentity, often set by SSO, OIDC or CI tooling) {verb}. Changing the role's own policies will not help; widen the session policy."
        ),
        "service control policy" => format!(
            "This message names a service control policy: an AWS Organizations SCP {verb} in this account. No IAM policy in the account can override it; the organization's administrators must change the SCP or exempt {action}."
        ),
        "resource control policy" => format!(
            "This message names a resource control policy: an AWS Organizations RCP {verb}. Only the organization's administrators can change it."
        ),
        other => format!("This message names a {other} that {verb}."),
    };
    Some(text)
}

pub fn explain(input: &str) -> Explanation {
    // Read once in the normalised form the rules are written against: escapes undone, quotes
    // folded, whitespace runs made one space (see `checks::catalogue::normalise`).
    let text = normalise(&bounded(input));
    let text = text.as_str();
    let mut found = extract(text);
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
            found.rule_example = Some(rule.example.clone());
            found.rule_seen_in = Some(rule.seen_in.clone());
            let mut fix = render_fix(diagnosis.fix.trim(), &vars);
            if diagnosis.code == dx::REQUEST_FEATURE_UNSUPPORTED {
                found.feature = feature(text);
                if let Some(f) = &found.feature {
                    fix.push_str(&format!("\n\nThe message names: {f}."));
                }
            }
            if diagnosis.code == dx::WRONG_ENDPOINT {
                if let Some(note) = right_endpoint(text, &found) {
                    fix.push_str(&format!("\n\n{note}"));
                    found.note = Some(note);
                }
            }
            let names_policy = [
                dx::IAM_ACTION_DENIED,
                dx::SCP_EXPLICIT_DENY,
                dx::INFERENCE_PROFILE_REGION_BLOCKED,
            ]
            .contains(&diagnosis.code.as_str());
            if let Some(advice) = policy_advice(&found).filter(|_| names_policy) {
                fix.push_str("\n\n");
                fix.push_str(&advice);
            }
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
        let status = f.http_status.map(|s| s.to_string());
        let policy = f
            .policy_type
            .as_ref()
            .map(|p| format!("{p} ({})", f.deny.as_deref().unwrap_or("deny")));
        for (label, value) in [
            ("error code", &f.error_code),
            ("operation", &f.operation),
            ("HTTP status", &status),
            ("action", &f.action),
            ("resource", &f.resource),
            ("region", &f.region),
            ("model id", &f.model_id),
            ("endpoint", &f.endpoint),
            ("policy named", &policy),
            ("feature", &f.feature),
            ("refined", &f.note),
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

    /// A tiny xorshift generator: reproducible inputs without a dependency.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    const FRAGMENTS: &[&str] = &[
        "An error occurred (AccessDeniedException) when calling the InvokeModel operation: ",
        "User: arn:aws:sts::123456789012:assumed-role/r/s is not authorized to perform: bedrock:InvokeModel on resource: ",
        "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0",
        " with an explicit deny in a service control policy",
        " because no identity-based policy allows the ",
        "Invocation of model ID anthropic.claude-sonnet-4-6 with on-demand throughput isn\u{2019}t supported.",
        "Too many tokens, please wait before trying again.",
        "getaddrinfo ENOTFOUND bedrock-runtime.",
        ".amazonaws.com",
        "{\"__type\":\"com.amazon.coral.service#",
        "\"httpStatusCode\":",
        "Status Code: ",
        "ServiceError(ServiceError { source: ",
        "Signature expired: 20250714T201419Z is now earlier than ",
        "Model access is denied due to ",
        "aws-marketplace:Subscribe",
        "The security token included in the request is",
        "((((((((((",
        "\\xe2\\x80\\x99",
        "\u{1F600}\u{00e9}\u{0000}",
        "\n",
        "    ",
    ];

    fn random_input(rng: &mut Rng) -> String {
        let mut s = String::new();
        match rng.below(4) {
            // random bytes, read as text the way `explain -` would reject or accept them
            0 => {
                let bytes: Vec<u8> = (0..rng.below(4096)).map(|_| rng.next() as u8).collect();
                s = String::from_utf8_lossy(&bytes).into_owned();
            }
            // random printable ASCII with punctuation-heavy runs
            1 => {
                for _ in 0..rng.below(4096) {
                    s.push((b' ' + rng.below(95) as u8) as char);
                }
            }
            // fragments of real messages, shuffled and repeated
            _ => {
                for _ in 0..rng.below(200) {
                    s.push_str(FRAGMENTS[rng.below(FRAGMENTS.len())]);
                }
            }
        }
        s
    }

    /// Per call: a bound that catches a runaway (catastrophic backtracking, a quadratic scan), not
    /// a benchmark — the project measures speed in `benches/`, not in timed tests, and the test
    /// machine is shared. Typical calls take well under a millisecond in a release build; the
    /// slowest here took under 50 ms in a debug build. 10 s leaves that 200 times over for a
    /// loaded machine, while a quadratic scan of a megabyte would still take far longer.
    fn budget() -> std::time::Duration {
        std::time::Duration::from_secs(10)
    }

    #[test]
    fn arbitrary_input_never_panics_and_answers_quickly() {
        // Warm up the lazily compiled patterns so the timings measure explain, not compilation.
        explain("warm up");
        let mut rng = Rng(0x5eed_cafe_f00d_d00d);
        let mut slowest = std::time::Duration::ZERO;
        let mut total = std::time::Duration::ZERO;
        let runs = 1000;
        for _ in 0..runs {
            let input = random_input(&mut rng);
            let start = std::time::Instant::now();
            let e = explain(&input);
            let took = start.elapsed();
            total += took;
            slowest = slowest.max(took);
            assert!(!e.diagnosis.is_empty() && !e.cause.is_empty());
        }
        eprintln!(
            "{runs} random inputs: slowest {slowest:?}, mean {:?}",
            total / runs
        );
        assert!(slowest < budget(), "slowest {slowest:?}");
    }

    #[test]
    fn megabyte_lines_are_read_in_bounded_time() {
        explain("warm up");
        let mut rng = Rng(42);
        let mut inputs = vec![
            "a".repeat(1 << 20),
            "(".repeat(1 << 20),
            "arn:aws:bedrock:".repeat((1 << 20) / 16),
            "is not authorized to perform: ".repeat((1 << 20) / 30),
        ];
        let mut repeated = String::new();
        while repeated.len() < 1 << 20 {
            repeated.push_str(FRAGMENTS[rng.below(FRAGMENTS.len())]);
        }
        inputs.push(repeated);
        // A real error at the end of a megabyte of log noise is still found.
        inputs.push(format!(
            "{}\nbotocore.errorfactory.ThrottlingException: An error occurred (ThrottlingException) when calling the Converse operation (reached max retries: 4): Too many tokens per day, please wait before trying again.",
            "INFO noise line\n".repeat((1 << 20) / 16)
        ));
        for input in &inputs {
            let start = std::time::Instant::now();
            let e = explain(input);
            let took = start.elapsed();
            eprintln!("{} bytes: {took:?} -> {}", input.len(), e.diagnosis);
            assert!(took < budget(), "{took:?}");
        }
        assert_eq!(explain(inputs.last().unwrap()).diagnosis, "quota-exceeded");
    }

    // The training corpus, read with the same reader as tests/explain_corpus.rs.
    include!("../tests/corpus/parse.rs");

    fn json_escape(s: &str, ascii: bool) -> String {
        let mut out = String::new();
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if ascii && !c.is_ascii() => {
                    let mut buf = [0u16; 2];
                    for unit in c.encode_utf16(&mut buf) {
                        out.push_str(&format!("\\u{unit:04x}"));
                    }
                }
                c => out.push(c),
            }
        }
        out
    }

    /// Python's repr of a bytes object's content: non-ASCII bytes as `\xNN`, `'` escaped.
    fn py_bytes(s: &str) -> String {
        let mut out = String::new();
        for b in s.bytes() {
            match b {
                b'\'' => out.push_str("\\'"),
                b'\\' => out.push_str("\\\\"),
                b'\n' => out.push_str("\\n"),
                b'\t' => out.push_str("\\t"),
                0x20..=0x7e => out.push(b as char),
                b => out.push_str(&format!("\\x{b:02x}")),
            }
        }
        out
    }

    /// The message with its closing sentence cut a few characters in, as UIs and log collectors
    /// cut long lines. Only a closing sentence is cut (at least 60 % of the text, and 40
    /// characters, stay before it): cutting into the sentence that carries the error removes
    /// the evidence itself, which no reader could recover. `None` when there is nothing to cut.
    fn cut_tail(msg: &str) -> Option<String> {
        let trimmed = msg.trim_end();
        let last = trimmed
            .match_indices(". ")
            .map(|(i, _)| i)
            .filter(|&i| i > 0 && !trimmed[..i].ends_with('.'))
            .last()?;
        let tail = &trimmed[last + 2..];
        if tail.chars().count() < 12 || last < 40 || last * 10 < trimmed.len() * 6 {
            return None;
        }
        let keep: String = tail.chars().take(6).collect();
        Some(format!("{}{keep}\u{2026}", &trimmed[..last + 2]))
    }

    /// Every wrapping a message commonly reaches a user in, as (name, text).
    fn wrappings(msg: &str, status: u16) -> Vec<(&'static str, String)> {
        let mut out = vec![
            (
                "claude code",
                format!("API Error ({status} {msg}) \u{b7} Retrying in 1 seconds\u{2026} (attempt 1/10)"),
            ),
            (
                "litellm bytes",
                format!(
                    "litellm.AuthenticationError: BedrockException Invalid Authentication - b'{{\"message\":\"{}\"}}'",
                    py_bytes(&json_escape(msg, false))
                ),
            ),
            (
                "javascript",
                format!("PermissionDeniedError: {status} {msg}\n    at APIError.generate (file:///app/node_modules/@anthropic-ai/sdk/error.mjs:42:20)"),
            ),
            (
                "lambda",
                format!(
                    "{{\n  \"errorType\": \"Error\",\n  \"errorMessage\": \"{}\",\n  \"trace\": []\n}}",
                    json_escape(msg, true)
                ),
            ),
            (
                "go",
                format!("{msg}\n\tstatus code: {status}, request id: 6f1c6c1e-1b8a-4c39-9d55-1f5e5e0b2b1a"),
            ),
            (
                "rust dispatch",
                format!(
                    "DisplayErrorContext(DispatchFailure(DispatchFailure {{ source: ConnectorError {{ kind: Other(None), source: ProviderError(ProviderError {{ source: \"{}\" }}), connection: Unknown }} }}))",
                    json_escape(msg, false)
                ),
            ),
            (
                "rust service",
                format!(
                    "ServiceError {{ source: Unhandled(Unhandled {{ source: ErrorMetadata {{ code: None, message: Some(\"{}\"), extras: None }} }}), raw: Response {{ status: StatusCode({status}), headers: Headers {{ headers: {{}} }} }} }}",
                    json_escape(msg, false)
                ),
            ),
            (
                "json body",
                format!("{{\"message\":\"{}\"}}", json_escape(msg, true)),
            ),
            (
                "nested json",
                format!(
                    "{{\"error\":{{\"message\":\"litellm.BadRequestError: BedrockException - {}\",\"code\":\"{status}\"}}}}",
                    json_escape(&format!("{{\"message\":\"{}\"}}", json_escape(msg, false)), false)
                ),
            ),
            ("curly quotes", msg.replace('\'', "\u{2019}")),
            (
                "terminal colours",
                format!("\u{1b}[1;31mError:\u{1b}[0m {msg}\u{1b}[0m"),
            ),
            (
                "html entities",
                msg.replace('&', "&amp;")
                    .replace('"', "&quot;")
                    .replace('\'', "&#39;"),
            ),
            ("spacing", {
                // Doubled spaces after sentences, and lines wrapped at 60 columns.
                let doubled = msg.replace(". ", ".  ");
                let mut wrapped = String::new();
                let mut column = 0;
                for word in doubled.split(' ') {
                    if column > 60 {
                        wrapped.push('\n');
                        column = 0;
                    } else if !wrapped.is_empty() {
                        wrapped.push(' ');
                    }
                    wrapped.push_str(word);
                    column += word.len() + 1;
                }
                wrapped
            }),
        ];
        if let Some(cut) = cut_tail(msg) {
            out.push(("cut-off tail", cut));
        }
        out
    }

    /// Every corpus message, rewrapped in every common wrapping, gets the diagnosis the bare
    /// message gets, and `found` keeps what the bare message yielded (the cut-off tail may drop
    /// values, so only its diagnosis is compared).
    #[test]
    fn every_corpus_message_survives_every_wrapping() {
        let entries = parse_corpus(include_str!("../tests/corpus/messages.toml"));
        assert!(entries.len() > 100);
        let mut failures = Vec::new();
        let mut checked = 0;
        for entry in &entries {
            let bare = explain(&entry.message);
            let status = bare.found.http_status.unwrap_or(400);
            for (name, wrapped) in wrappings(&entry.message, status) {
                checked += 1;
                let e = explain(&wrapped);
                if e.diagnosis != bare.diagnosis {
                    failures.push(format!(
                        "{name}: {} instead of {} ({})\n{wrapped}",
                        e.diagnosis, bare.diagnosis, entry.source
                    ));
                    continue;
                }
                if name == "cut-off tail" {
                    continue;
                }
                for (field, want, got) in [
                    ("error code", &bare.found.error_code, &e.found.error_code),
                    ("operation", &bare.found.operation, &e.found.operation),
                    ("endpoint", &bare.found.endpoint, &e.found.endpoint),
                    ("policy type", &bare.found.policy_type, &e.found.policy_type),
                    ("action", &bare.found.action, &e.found.action),
                    ("model id", &bare.found.model_id, &e.found.model_id),
                    ("feature", &bare.found.feature, &e.found.feature),
                ] {
                    if want.is_some() && want != got {
                        failures.push(format!(
                            "{name}: {field} {got:?} instead of {want:?} ({})\n{wrapped}",
                            entry.source
                        ));
                    }
                }
                if bare.found.http_status.is_some() && e.found.http_status != bare.found.http_status
                {
                    failures.push(format!(
                        "{name}: HTTP status {:?} instead of {:?} ({})",
                        e.found.http_status, bare.found.http_status, entry.source
                    ));
                }
            }
        }
        eprintln!("{checked} wrapped messages checked");
        assert!(
            failures.is_empty(),
            "{} of {checked} wrapped messages diverge from the bare message:\n\n{}",
            failures.len(),
            failures.join("\n\n")
        );
    }

    #[test]
    fn normalisation_reads_escaped_and_typographic_text() {
        for text in [
            "on-demand throughput isn\u{2019}t supported",
            "on-demand throughput isn\\u2019t supported",
            "on-demand throughput isn\\xe2\\x80\\x99t supported",
            "on-demand throughput isn\u{e2}\u{20ac}\u{2122}t supported",
            "on-demand  throughput\n isn't\tsupported",
            "on-demand throughput isn\\\\u2019t supported",
        ] {
            assert_eq!(
                normalise(text),
                "on-demand throughput isn't supported",
                "{text:?}"
            );
        }
        assert_eq!(
            normalise("{\\\"message\\\":\\\"x\\\"}"),
            "{\"message\":\"x\"}"
        );
        assert_eq!(normalise("\\ud83d\\ude00 ok"), "\u{1F600} ok");
        assert_eq!(
            normalise("\u{1b}[41mYou don&#39;t have access\\x1b[0m to &quot;it&quot;"),
            "You don't have access to \"it\""
        );
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

    #[test]
    fn anthropic_api_errors_are_not_bedrock_errors_but_bedrock_ones_in_their_format_are() {
        let e = explain(
            r#"{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}"#,
        );
        assert_eq!(e.diagnosis, "not-bedrock-error");
        // Bedrock answers some Claude request errors in Anthropic's error format.
        let e = explain(
            r#"API Error: 400 {"type":"error","error":{"type":"invalid_request_error","message":"invalid beta flag"}}"#,
        );
        assert_eq!(e.diagnosis, "request-feature-unsupported");
    }

    #[test]
    fn says_unknown_rather_than_guessing() {
        let e = explain("the coffee machine is out of beans");
        assert!(!e.matched);
        assert_eq!(e.diagnosis, "unknown");
    }
}
