//! Turning one AWS SDK call into evidence and, when it failed, into a diagnosis.
//!
//! Every call goes through a [`Recorder`]: an interceptor attached to that call alone, which sees each
//! HTTP attempt. The SDK returns only the last attempt's error after its retries, so the recorder is
//! what keeps the first error's status and request id in the evidence.

use crate::catalogue::{self, dx};
use crate::{Evidence, Report, Status};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeDeserializationInterceptorContextMut;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::config_bag::ConfigBag;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use std::error::Error as StdError;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Instant, SystemTime};

/// One HTTP attempt as the recorder saw it.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub status: u16,
    pub request_id: Option<String>,
    /// `x-amzn-ErrorType`, sanitised as the SDK does (cut at `:`, keep what follows `#`).
    pub error_type: Option<String>,
    /// The server's `Date` header and the local time the response arrived: a clock sample.
    pub server_date: Option<SystemTime>,
    pub received_at: SystemTime,
}

#[derive(Debug, Clone, Default)]
pub struct Recorder {
    attempts: Arc<Mutex<Vec<Attempt>>>,
}

impl Recorder {
    pub fn new() -> Recorder {
        Recorder::default()
    }

    pub fn attempts(&self) -> Vec<Attempt> {
        self.attempts.lock().map(|a| a.clone()).unwrap_or_default()
    }
}

impl Intercept for Recorder {
    fn name(&self) -> &'static str {
        "bedrock-doctor-recorder"
    }

    /// Records the attempt, then bounds what the SDK may read of its body (see
    /// [`MAX_RESPONSE_BYTES`]): every call goes through a recorder, so every response is bounded.
    fn modify_before_deserialization(
        &self,
        context: &mut BeforeDeserializationInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let response = context.response_mut();
        let header = |name: &str| response.headers().get(name).map(str::to_string);
        let attempt = Attempt {
            status: response.status().as_u16(),
            request_id: header("x-amzn-requestid").or_else(|| header("x-amz-request-id")),
            error_type: header("x-amzn-errortype").map(|t| sanitize_error_type(&t)),
            server_date: header("date").and_then(|d| httpdate::parse_http_date(&d).ok()),
            received_at: SystemTime::now(),
        };
        if let Ok(mut attempts) = self.attempts.lock() {
            attempts.push(attempt);
        }
        let announced = response
            .headers()
            .get("content-length")
            .and_then(|v| v.trim().parse::<u64>().ok());
        if let Some(length) = announced.filter(|n| *n > MAX_RESPONSE_BYTES) {
            return Err(Box::new(Refused::TooLarge(Some(length))));
        }
        if announced == Some(0) && response.status().is_success() {
            // Every operation the doctor calls answers success with a document; an empty one
            // would deserialize as "nothing there" (no models, no profiles) and mislead.
            return Err(Box::new(Refused::Empty(response.status().as_u16())));
        }
        let body = std::mem::replace(response.body_mut(), SdkBody::taken());
        *response.body_mut() = SdkBody::from_body_1_x(LimitedBody {
            inner: body,
            seen: 0,
        });
        Ok(())
    }
}

/// The most the doctor reads of one response body. Its largest legitimate answers (the model and
/// inference-profile lists of a busy region) are a few hundred kilobytes; without a bound the SDK
/// would hold whatever a proxy or a broken endpoint sends, all of it, in memory.
pub const MAX_RESPONSE_BYTES: u64 = 8 * 1024 * 1024;

/// A response the recorder refuses to hand to the SDK: the call fails as an unexpected response.
#[derive(Debug)]
pub enum Refused {
    /// The body is over [`MAX_RESPONSE_BYTES`]; the `Content-Length` it announced, if it did.
    TooLarge(Option<u64>),
    /// A success status with an empty body.
    Empty(u16),
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refused::TooLarge(Some(n)) => write!(
                f,
                "the response body is {n} bytes, more than the {MAX_RESPONSE_BYTES} bytes the doctor reads"
            ),
            Refused::TooLarge(None) => write!(
                f,
                "the response body is longer than the {MAX_RESPONSE_BYTES} bytes the doctor reads"
            ),
            Refused::Empty(status) => write!(
                f,
                "HTTP {status} with an empty body, where the operation always answers with a document"
            ),
        }
    }
}

impl StdError for Refused {}

/// The recorder's own reason for failing a call, if it is in this error's chain: said alone, it
/// reads better than the SDK's wrapping of it.
pub fn refusal(err: &(dyn StdError + 'static)) -> Option<String> {
    let mut current: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(e) = current {
        if let Some(refused) = e.downcast_ref::<Refused>() {
            return Some(refused.to_string());
        }
        current = e.source();
    }
    None
}

/// A response body that fails once more than [`MAX_RESPONSE_BYTES`] have come through, so a
/// body without a `Content-Length` (chunked, or an event stream) is bounded too.
struct LimitedBody {
    inner: SdkBody,
    seen: u64,
}

impl http_body::Body for LimitedBody {
    type Data = <SdkBody as http_body::Body>::Data;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                this.seen += frame.data_ref().map_or(0, |d| d.len() as u64);
                if this.seen > MAX_RESPONSE_BYTES {
                    return Poll::Ready(Some(Err(Box::new(Refused::TooLarge(None)))));
                }
                Poll::Ready(Some(Ok(frame)))
            }
            other => other,
        }
    }

    fn is_end_stream(&self) -> bool {
        http_body::Body::is_end_stream(&self.inner)
    }

    fn size_hint(&self) -> http_body::SizeHint {
        http_body::Body::size_hint(&self.inner)
    }
}

fn sanitize_error_type(raw: &str) -> String {
    let cut = raw.split(':').next().unwrap_or(raw);
    cut.rsplit('#').next().unwrap_or(cut).to_string()
}

/// A failed call, already judged: the status the affected check should report, the diagnosis, a
/// one-line summary and the evidence.
#[derive(Debug, Clone)]
pub struct CallError {
    pub status: Status,
    pub diagnosis: &'static str,
    pub summary: String,
    pub evidence: Evidence,
}

impl CallError {
    pub fn to_report(&self) -> Report {
        let report = match self.status {
            Status::Fail => Report::fail(self.diagnosis, &self.summary),
            Status::Warn => Report::warn(self.diagnosis, &self.summary),
            // A call that could not be made because a precondition is missing (no credentials):
            // the check skips, naming the precondition, as every check does for a missing fact.
            Status::Skip => Report::skip(&self.summary),
            _ => Report::error(self.diagnosis, &self.summary),
        };
        let mut report = report.evidence([self.evidence.clone()]);
        if let Some(region) = &self.evidence.region {
            report = report.var("region", region);
        }
        report
    }

    /// Whether the failure is about the caller's credentials (bad key, bad secret, expired token).
    pub fn is_credentials_problem(&self) -> bool {
        matches!(
            self.diagnosis,
            dx::NO_CREDENTIALS
                | dx::INVALID_ACCESS_KEY
                | dx::SIGNATURE_MISMATCH
                | dx::EXPIRED_CREDENTIALS
        )
    }
}

/// Diagnoses an invocation gives that are about access to the model (not about the network,
/// throttling or the request): the ones that settle what the control plane only suggests.
pub fn is_access_diagnosis(code: &str) -> bool {
    matches!(
        code,
        dx::MODEL_ACCESS_DENIED
            | dx::USE_CASE_NOT_SUBMITTED
            | dx::MARKETPLACE_PERMISSION_MISSING
            | dx::MARKETPLACE_SUBSCRIPTION_PENDING
            | dx::PAYMENT_INSTRUMENT_INVALID
            | dx::MODEL_END_OF_LIFE
            | dx::MODEL_LEGACY
            | dx::IAM_ACTION_DENIED
            | dx::SCP_EXPLICIT_DENY
    )
}

/// The outcome of one observed call.
pub struct Observed<T> {
    pub result: Result<T, CallError>,
    pub evidence: Evidence,
    pub attempts: Vec<Attempt>,
}

/// Which call this is, for the evidence.
#[derive(Debug, Clone, Copy)]
pub struct CallSite<'a> {
    pub service: &'a str,
    pub operation: &'a str,
    pub region: Option<&'a str>,
}

impl<'a> CallSite<'a> {
    pub fn new(service: &'a str, operation: &'a str, region: Option<&'a str>) -> CallSite<'a> {
        CallSite {
            service,
            operation,
            region,
        }
    }
}

/// The request id of a successful call's output, for [`Recorder::finish`].
pub fn request_id<T: aws_types::request_id::RequestId>(o: &T) -> Option<String> {
    o.request_id().map(str::to_string)
}

impl Recorder {
    /// Judges the SDK's result of the call this recorder watched, started at `started`.
    pub fn finish<T, E>(
        &self,
        site: CallSite<'_>,
        started: Instant,
        result: Result<T, SdkError<E, HttpResponse>>,
        request_id_of_output: impl FnOnce(&T) -> Option<String>,
    ) -> Observed<T>
    where
        E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
    {
        let attempts = self.attempts();
        let last = attempts.last();
        let mut evidence = Evidence {
            service: site.service.to_string(),
            operation: site.operation.to_string(),
            region: site.region.map(str::to_string),
            http_status: last.map(|a| a.status),
            error_code: None,
            request_id: last.and_then(|a| a.request_id.clone()),
            message: None,
            duration_ms: Some(started.elapsed().as_millis() as u64),
            attempts: Some(attempts.len() as u32),
        };
        // The SDK returns the last attempt's outcome; when an earlier attempt failed differently,
        // the evidence says so, with its request id, so a retry never hides the first error.
        let first_note = attempts
            .first()
            .filter(|a| attempts.len() > 1 && Some(a.status) != evidence.http_status)
            .map(|first| {
                format!(
                    "first attempt: HTTP {}{}{}",
                    first.status,
                    first
                        .error_type
                        .as_deref()
                        .map(|t| format!(" {t}"))
                        .unwrap_or_default(),
                    first
                        .request_id
                        .as_deref()
                        .map(|r| format!(", request id {r}"))
                        .unwrap_or_default()
                )
            });
        let result = match result {
            Ok(output) => {
                if evidence.request_id.is_none() {
                    evidence.request_id = request_id_of_output(&output);
                }
                evidence.message = first_note;
                Ok(output)
            }
            Err(err) => {
                let judged = judge_sdk_error(&err, &attempts);
                evidence.error_code = judged.code.clone();
                evidence.message = Some(match &first_note {
                    Some(note) => format!("{} ({note})", judged.message),
                    None => judged.message.clone(),
                });
                if evidence.request_id.is_none() {
                    evidence.request_id = err
                        .as_service_error()
                        .and_then(|e| e.meta().extra("request_id"))
                        .map(str::to_string);
                }
                let summary = summarize_failure(site, &judged);
                Err(CallError {
                    status: judged.status,
                    diagnosis: judged.diagnosis,
                    summary,
                    evidence: evidence.clone(),
                })
            }
        };
        Observed {
            result,
            evidence,
            attempts,
        }
    }
}

struct Judged {
    status: Status,
    diagnosis: &'static str,
    code: Option<String>,
    message: String,
}

fn summarize_failure(site: CallSite<'_>, judged: &Judged) -> String {
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

/// The `Display` text of an error and its sources, de-duplicated, on one line: the SDK's own words
/// without the `Debug` dump `DisplayErrorContext` appends.
pub fn display_chain(err: &(dyn StdError + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(e) = current {
        let text = one_line(&e.to_string());
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        current = e.source();
    }
    parts.join(": ")
}

/// Collapses whitespace so a multi-line SDK error fits in a table cell.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn judge_sdk_error<E>(err: &SdkError<E, HttpResponse>, attempts: &[Attempt]) -> Judged
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
                return Judged {
                    status: Status::Error,
                    diagnosis: dx::UNEXPECTED_RESPONSE,
                    code: None,
                    message: format!(
                        "HTTP {http_status} ({content_type}) with a body that is not the operation's answer: {}",
                        body_excerpt(body)
                    ),
                };
            }
            let code = service_error
                .code()
                .map(str::to_string)
                .or_else(|| code_from_body(body));
            if code.is_none() && !is_structured(body) {
                // No error code and no JSON or XML: not AWS speaking, but something in between
                // (a proxy's or captive portal's page).
                return Judged {
                    status: Status::Error,
                    diagnosis: dx::UNEXPECTED_RESPONSE,
                    code: None,
                    message: format!(
                        "HTTP {http_status} ({content_type}) without an AWS error code: {}",
                        body_excerpt(body)
                    ),
                };
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
        SdkError::TimeoutError(_) => Judged {
            status: Status::Error,
            diagnosis: dx::TIMEOUT,
            code: None,
            message: "no response before the per-call timeout".into(),
        },
        SdkError::DispatchFailure(failure) => {
            let text = display_chain(err);
            if chain_mentions(err, "CredentialsNotLoaded")
                || text.contains("no providers in chain provided credentials")
            {
                return Judged {
                    status: Status::Fail,
                    diagnosis: dx::NO_CREDENTIALS,
                    code: None,
                    message: text,
                };
            }
            let diagnosis = if failure.is_timeout() {
                dx::TIMEOUT
            } else {
                dx::ENDPOINT_UNREACHABLE
            };
            Judged {
                status: Status::Error,
                diagnosis,
                code: None,
                message: text,
            }
        }
        SdkError::ResponseError(_) => Judged {
            status: Status::Error,
            diagnosis: dx::UNEXPECTED_RESPONSE,
            code: None,
            message: refusal(err).unwrap_or_else(|| display_chain(err)),
        },
        SdkError::ConstructionFailure(_) => {
            let text = display_chain(err);
            // aws-smithy-runtime's bearer signer refuses a key an HTTP header cannot carry.
            if text.contains("Bearer token contains characters") {
                return Judged {
                    status: Status::Fail,
                    diagnosis: dx::API_KEY_REJECTED,
                    code: None,
                    message: text,
                };
            }
            let diagnosis = if text.contains("Missing Region")
                || text.contains("region") && text.contains("missing")
            {
                dx::REGION_MISSING
            } else {
                dx::UNEXPECTED_RESPONSE
            };
            Judged {
                status: Status::Error,
                diagnosis,
                code: None,
                message: text,
            }
        }
        _ => Judged {
            status: Status::Error,
            diagnosis: dx::UNKNOWN,
            code: None,
            message: display_chain(err),
        },
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
    fn sanitizes_error_type_headers_like_the_sdk() {
        assert_eq!(
            sanitize_error_type(
                "ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/"
            ),
            "ThrottlingException"
        );
        assert_eq!(
            sanitize_error_type("aws.protocoltests#FooError:http://x"),
            "FooError"
        );
    }

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

    #[tokio::test]
    async fn response_bodies_are_cut_at_the_bound() {
        use http_body::Body as _;
        let chunk = vec![b'a'; 1024 * 1024];
        let chunks = (0..MAX_RESPONSE_BYTES / chunk.len() as u64 + 1).map(move |_| {
            Ok::<_, std::convert::Infallible>(http_body::Frame::data(bytes_of(&chunk)))
        });
        let stream = futures::stream::iter(chunks);
        let body = SdkBody::from_body_1_x(StreamBody(Box::pin(stream)));
        let mut limited = LimitedBody {
            inner: body,
            seen: 0,
        };
        let mut read = 0u64;
        let err = loop {
            match std::future::poll_fn(|cx| Pin::new(&mut limited).poll_frame(cx)).await {
                Some(Ok(frame)) => read += frame.data_ref().map_or(0, |d| d.len() as u64),
                Some(Err(e)) => break e,
                None => panic!("the body ended within the bound"),
            }
        };
        assert_eq!(read, MAX_RESPONSE_BYTES);
        assert!(
            refusal(err.as_ref()).unwrap().contains("longer than"),
            "{err}"
        );
    }

    fn bytes_of(data: &[u8]) -> <SdkBody as http_body::Body>::Data {
        <SdkBody as http_body::Body>::Data::copy_from_slice(data)
    }

    /// A body made of a stream of frames, as a chunked response arrives.
    type Frames = Pin<
        Box<
            dyn futures::Stream<
                    Item = Result<
                        http_body::Frame<<SdkBody as http_body::Body>::Data>,
                        std::convert::Infallible,
                    >,
                > + Send
                + Sync,
        >,
    >;

    struct StreamBody(Frames);

    impl http_body::Body for StreamBody {
        type Data = <SdkBody as http_body::Body>::Data;
        type Error = std::convert::Infallible;

        fn poll_frame(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
        ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
            self.0.as_mut().poll_next(cx)
        }
    }
}
