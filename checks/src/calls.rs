//! Turning one AWS SDK call into evidence and, when it failed, into a diagnosis.
//!
//! Every call goes through a [`Recorder`]: an interceptor attached to that call alone, which sees each
//! HTTP attempt. The SDK returns only the last attempt's error after its retries, so the recorder is
//! what keeps the first error's status and request id in the evidence.

mod judge;
mod recorder;

pub use judge::judge_service_error;
pub use recorder::{refusal, Attempt, Recorder, Refused, MAX_RESPONSE_BYTES};

use crate::catalogue::dx;
use crate::{Evidence, Report, Status};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use judge::{judge_sdk_error, summarize_failure};
use std::error::Error as StdError;
use std::time::Instant;

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

/// Whether a failed call is worth another attempt before a verdict: throttling (whatever the
/// service calls it: the catalogue's `throttled` rules judge the code and the message), a failure on
/// AWS's side, a modelled transient error, or any 5xx or 429 (a load balancer's 502/503/504 carries
/// no code at all). A refusal (access denied, a malformed request) is an answer, never retried.
/// The transient codes are bedrock-runtime's: InternalServerException (500),
/// ServiceUnavailableException (503) and ModelNotReadyException (429, "the model is not ready to
/// serve inference requests"), per botocore's bedrock-runtime `service-2.json` for InvokeModel;
/// AWS's own SDKs retry them.
pub fn is_transient(err: &CallError) -> bool {
    const TRANSIENT_CODES: [&str; 3] = [
        "InternalServerException",
        "ServiceUnavailableException",
        "ModelNotReadyException",
    ];
    err.diagnosis == dx::THROTTLED
        || err.diagnosis == dx::SERVICE_ERROR
        || err
            .evidence
            .error_code
            .as_deref()
            .is_some_and(|c| TRANSIENT_CODES.contains(&c))
        || err
            .evidence
            .http_status
            .is_some_and(|s| s >= 500 || s == 429)
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
    /// The `modelId` a Bedrock Runtime call names (a model id, profile id or ARN): its quotas are
    /// the model's (see `limits`).
    pub model: Option<&'a str>,
}

impl<'a> CallSite<'a> {
    pub fn new(service: &'a str, operation: &'a str, region: Option<&'a str>) -> CallSite<'a> {
        CallSite {
            service,
            operation,
            region,
            model: None,
        }
    }

    /// The same call, naming the model it invokes.
    pub fn for_model(self, model: &'a str) -> CallSite<'a> {
        CallSite {
            model: Some(model),
            ..self
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
