//! What the checks' tests share: canned AWS responses and assertions on a report.

use crate::{Report, Status};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;

/// Asserts that the report's summary names `needle`, showing the summary when it does not.
#[track_caller]
pub fn assert_summary_names(report: &Report, needle: &str) {
    assert!(
        report.summary.contains(needle),
        "{needle:?} not in: {}",
        report.summary
    );
}

/// An HTTP 200 answer carrying `body`.
pub fn ok(body: impl Into<String>) -> HttpResponse {
    HttpResponse::new(
        StatusCode::try_from(200).unwrap(),
        SdkBody::from(body.into()),
    )
}

/// Asserts the report's status and diagnosis code together, showing the whole report when they
/// differ.
#[track_caller]
pub fn assert_verdict(report: &Report, status: Status, diagnosis: impl Into<Option<&'static str>>) {
    assert_eq!(
        (report.status, report.diagnosis),
        (status, diagnosis.into()),
        "{report:?}"
    );
}

/// Asserts that the report carries the variable `name` with `value`.
#[track_caller]
pub fn assert_var(report: &Report, name: &str, value: &str) {
    assert_eq!(
        report.vars.get(name).map(String::as_str),
        Some(value),
        "{report:?}"
    );
}

/// Asserts what the report's first evidence recorded of AWS's answer: its error code (`None` for
/// a success) and its request id.
#[track_caller]
pub fn assert_first_answer(report: &Report, error_code: Option<&str>, request_id: &str) {
    let first = &report.evidence[0];
    assert_eq!(
        (first.error_code.as_deref(), first.request_id.as_deref()),
        (error_code, Some(request_id)),
        "{report:?}"
    );
}
