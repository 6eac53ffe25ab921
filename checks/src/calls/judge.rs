//! Judging a failed call: the status and diagnosis of an SDK error, read from the service's error
//! code and message, or from what came back when the service did not answer as AWS does.

use super::recorder::{refusal, sanitize_error_type, Attempt};
use super::{display_chain, one_line, CallSite};
use crate::catalogue::{self, dx};
use crate::Status;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use std::error::Error as StdError;

pub(super) struct Judged {
    pub(super) status: Status,
    pub(super) diagnosis: &'static str,
    pub(super) code: Option<String>,
    pub(super) message: String,
}

impl Judged {
    /// A failure that carries no service error code (the call never got an AWS answer).
    fn without_code(status: Status, diagnosis: &'static str, message: String) -> Judged {
        Judged {
            status,
            diagnosis,
            code: None,
            message,
        }
    }
}

pub(super) fn summarize_failure(site: CallSite<'_>, judged: &Judged) -> String {
    let what = match &judged.code {
        Some(code) => format!("{code}: {}", judged.message),
        None => judged.message.clone(),
    };
    format!(
        "{} {} failed: {}",
        site.service,
        site.operation,
        one_line(&what)
    )
}

pub(super) fn judge_sdk_error<E>(err: &SdkError<E, HttpResponse>, attempts: &[Attempt]) -> Judged
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
{
    match err {
        SdkError::ServiceError(context) => {
            let service_error = context.err();
            let raw = context.raw();
            let body = raw.body().bytes().unwrap_or_default();
            let http_status = raw.status().as_u16();
            let content_type = raw
                .headers()
                .get("content-type")
                .unwrap_or("no content type");
            if raw.status().is_success() {
                // The SDK could not read an answer that claimed success: malformed, cut short, or
                // not the operation's output at all.
                let message = format!(
                    "HTTP {http_status} ({content_type}) with a body that is not the operation's answer: {}",
                    body_excerpt(body)
                );
                return Judged::without_code(Status::Error, dx::UNEXPECTED_RESPONSE, message);
            }
            let code = service_error
                .code()
                .map(str::to_string)
                .or_else(|| code_from_body(body));
            if code.is_none() && !is_structured(body) {
                // No error code and no JSON or XML: not AWS speaking, but something in between
                // (a proxy's or captive portal's page).
                return Judged::without_code(
                    Status::Error,
                    dx::UNEXPECTED_RESPONSE,
                    format!(
                        "HTTP {http_status} ({content_type}) without an AWS error code: {}",
                        body_excerpt(body)
                    ),
                );
            }
            let message = service_error
                .message()
                .map(str::to_string)
                .or_else(|| message_from_body(body))
                .unwrap_or_else(|| format!("HTTP {http_status}: {}", body_excerpt(body)));
            let http_status = attempts.last().map(|a| a.status);
            let (status, diagnosis) = judge_service_error(code.as_deref(), &message, http_status);
            Judged {
                status,
                diagnosis,
                code,
                message,
            }
        }
        SdkError::TimeoutError(_) => Judged::without_code(
            Status::Error,
            dx::TIMEOUT,
            "no response before the per-call timeout".into(),
        ),
        SdkError::DispatchFailure(failure) => {
            let text = display_chain(err);
            if chain_mentions(err, "CredentialsNotLoaded")
                || text.contains("no providers in chain provided credentials")
            {
                return Judged::without_code(Status::Fail, dx::NO_CREDENTIALS, text);
            }
            let diagnosis = if failure.is_timeout() {
                dx::TIMEOUT
            } else {
                dx::ENDPOINT_UNREACHABLE
            };
            Judged::without_code(Status::Error, diagnosis, text)
        }
        SdkError::ResponseError(_) => Judged::without_code(
            Status::Error,
            dx::UNEXPECTED_RESPONSE,
            refusal(err).unwrap_or_else(|| display_chain(err)),
        ),
        SdkError::ConstructionFailure(_) => {
            let text = display_chain(err);
            // aws-smithy-runtime's bearer signer refuses a key an HTTP header cannot carry.
            if text.contains("Bearer token contains characters") {
                return Judged::without_code(Status::Fail, dx::API_KEY_REJECTED, text);
            }
            let diagnosis = if text.contains("Missing Region")
                || text.contains("region") && text.contains("missing")
            {
                dx::REGION_MISSING
            } else {
                dx::UNEXPECTED_RESPONSE
            };
            Judged::without_code(Status::Error, diagnosis, text)
        }
        _ => Judged::without_code(Status::Error, dx::UNKNOWN, display_chain(err)),
    }
}

/// The error code of a body the SDK could not read one from. AWS itself always sends codes the SDK
/// parses; emulators and proxies reshape them (moto wraps awsQuery errors in `<Errors>`, which the
/// Rust SDK's STS parser does not look into), and a diagnosis should not depend on that.
fn code_from_body(body: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    if let Some(code) = between(text, "<Code>", "</Code>") {
        return Some(code);
    }
    let json: serde_json::Value = serde_json::from_str(text).ok()?;
    let raw = json.get("__type").or_else(|| json.get("code"))?.as_str()?;
    Some(sanitize_error_type(raw))
}

fn message_from_body(body: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    if let Some(message) = between(text, "<Message>", "</Message>") {
        return Some(message);
    }
    let json: serde_json::Value = serde_json::from_str(text).ok()?;
    let message = json
        .get("message")
        .or_else(|| json.get("Message"))?
        .as_str()?;
    Some(message.to_string()).filter(|m| !m.trim().is_empty())
}

/// Whether a body is JSON or XML, the shapes AWS errors come in.
fn is_structured(body: &[u8]) -> bool {
    let text = String::from_utf8_lossy(body);
    let text = text.trim_start();
    serde_json::from_str::<serde_json::Value>(text).is_ok()
        || (text.starts_with("<?xml")
            || text.starts_with("<ErrorResponse")
            || text.starts_with("<Error"))
}

/// A short, one-line account of a body for the evidence: an HTML page's title, else its first
/// characters; never more than about 160 characters.
fn body_excerpt(body: &[u8]) -> String {
    const MAX_CHARS: usize = 160;
    if body.is_empty() {
        return "empty body".into();
    }
    let Ok(text) = std::str::from_utf8(body) else {
        return format!("{} bytes, not UTF-8 text", body.len());
    };
    let lower = text.to_ascii_lowercase();
    let shown = match (lower.find("<title>"), lower.find("</title>")) {
        (Some(open), Some(close)) if open + 7 <= close => one_line(&text[open + 7..close]),
        _ => one_line(text),
    };
    let mut cut: String = shown.chars().take(MAX_CHARS).collect();
    if cut.len() < shown.len() {
        cut.push('…');
    }
    format!("\"{cut}\" ({} bytes)", body.len())
}

fn between(text: &str, open: &str, close: &str) -> Option<String> {
    let start = text.find(open)? + open.len();
    let end = text[start..].find(close)? + start;
    Some(text[start..end].trim().to_string()).filter(|s| !s.is_empty())
}

/// Status and diagnosis of an error AWS returned. Inconclusive answers (throttling, 5xx, timeouts)
/// are `error`, never `fail`: telling someone to fix their access because AWS was busy sends them the
/// wrong way.
pub fn judge_service_error(
    code: Option<&str>,
    message: &str,
    http_status: Option<u16>,
) -> (Status, &'static str) {
    let diagnosis = match catalogue::classify(code, message) {
        Some(found) => static_code(&found.diagnosis.code),
        None if http_status.is_some_and(|s| s >= 500) => dx::SERVICE_ERROR,
        None => dx::UNKNOWN,
    };
    let status = match diagnosis {
        dx::THROTTLED | dx::SERVICE_ERROR | dx::TIMEOUT | dx::UNEXPECTED_RESPONSE | dx::UNKNOWN => {
            Status::Error
        }
        dx::ENDPOINT_UNREACHABLE => Status::Error,
        _ => Status::Fail,
    };
    (status, diagnosis)
}

/// The `dx` constant for a catalogue code, so reports carry `&'static str` codes.
fn static_code(code: &str) -> &'static str {
    dx::ALL
        .iter()
        .copied()
        .find(|c| *c == code)
        .unwrap_or(dx::UNKNOWN)
}

fn chain_mentions(err: &(dyn StdError + 'static), needle: &str) -> bool {
    let mut current: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(e) = current {
        if format!("{e:?}").contains(needle) {
            return true;
        }
        current = e.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_codes_the_sdk_missed_from_the_body() {
        let moto = br#"<ErrorResponse><Errors><Error><Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message></Error></Errors></ErrorResponse>"#;
        assert_eq!(
            code_from_body(moto).as_deref(),
            Some("InvalidClientTokenId")
        );
        assert_eq!(
            message_from_body(moto).as_deref(),
            Some("The security token included in the request is invalid.")
        );
        assert_eq!(
            code_from_body(br#"{"__type":"com.amazon#ThrottlingException"}"#).as_deref(),
            Some("ThrottlingException")
        );
        assert_eq!(code_from_body(b"<html>502 Bad Gateway</html>"), None);
    }

    #[test]
    fn throttling_is_inconclusive_not_failed() {
        let (status, code) = judge_service_error(
            Some("ThrottlingException"),
            "Too many requests, please wait before trying again.",
            Some(429),
        );
        assert_eq!((status, code), (Status::Error, dx::THROTTLED));
    }

    #[test]
    fn unknown_5xx_is_a_service_error() {
        let (status, code) = judge_service_error(Some("SomethingNew"), "boom", Some(502));
        assert_eq!((status, code), (Status::Error, dx::SERVICE_ERROR));
    }

    #[test]
    fn bodies_are_described_briefly_and_told_from_aws_errors() {
        let page = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>";
        assert_eq!(body_excerpt(page), "\"502 Bad Gateway\" (74 bytes)");
        assert_eq!(body_excerpt(b""), "empty body");
        assert_eq!(body_excerpt(&[0xff, 0xfe, 0]), "3 bytes, not UTF-8 text");
        let long = "x".repeat(1000);
        assert!(body_excerpt(long.as_bytes()).chars().count() < 200);
        assert!(!is_structured(page));
        assert!(is_structured(br#"{"message":"Service Unavailable"}"#));
        assert!(is_structured(
            b"<ErrorResponse><Error><Code>X</Code></Error></ErrorResponse>"
        ));
        assert_eq!(
            message_from_body(br#"{"message":"Service Unavailable"}"#).as_deref(),
            Some("Service Unavailable")
        );
    }
}
