//! Entering a member account of an Organization: `sts:AssumeRole` into the doctor's role there,
//! with the caller's credentials, retried only while STS throttles or fails on its side.

use super::{Facts, StaticCredentials};
use crate::calls::{CallError, CallSite};
use crate::Evidence;
use std::time::{Duration, SystemTime};

/// The shortest session STS grants: 900 seconds (STS API reference, AssumeRole,
/// `DurationSeconds`: "from 900 seconds (15 minutes) up to the maximum session duration",
/// https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html). An account's checks
/// end long before, under the run's deadline.
pub const SESSION_SECONDS: i32 = 900;

/// The session name every entered account sees in its CloudTrail (`RoleSessionName`).
pub const SESSION_NAME: &str = "bedrock-doctor";

/// Calls of AssumeRole for one account at most: the first, and retries of an attempt that was
/// throttled or failed on AWS's side (each call is itself two SDK attempts, `bootstrap.rs`).
const CALLS: u32 = 4;
/// The wait before the first retry; doubled before each next one.
const BACKOFF: Duration = Duration::from_millis(400);

/// Why an AssumeRole call may be retried: throttling, or a failure on AWS's side. A refusal
/// (AccessDenied, a malformed request) is an answer, never retried.
pub fn is_transient(evidence: &Evidence) -> bool {
    let throttled = evidence.error_code.as_deref().is_some_and(|code| {
        matches!(
            code,
            "Throttling"
                | "ThrottlingException"
                | "RequestLimitExceeded"
                | "TooManyRequestsException"
        )
    });
    throttled || evidence.http_status.is_some_and(|s| s >= 500) || evidence.http_status == Some(429)
}

/// The credentials of an entered account (with the evidence of every call), or the last call's
/// failure (with the evidence of every call).
pub type Entered = Result<(StaticCredentials, Vec<Evidence>), (CallError, Vec<Evidence>)>;

impl Facts {
    /// Assumes `role_arn` with these facts' credentials (the caller's), once, and again only while
    /// STS throttles or fails on its side, with a doubling backoff.
    pub async fn assume_role(&self, role_arn: &str, external_id: Option<&str>) -> Entered {
        let mut evidence = Vec::new();
        let mut wait = BACKOFF;
        let mut call = 1;
        loop {
            let site = CallSite::new("sts", "AssumeRole", self.region());
            let request = self
                .sts
                .assume_role()
                .role_arn(role_arn)
                .role_session_name(SESSION_NAME)
                .duration_seconds(SESSION_SECONDS)
                .set_external_id(external_id.map(str::to_string));
            let observed = self
                .call(site, |rec| request.customize().interceptor(rec).send())
                .await;
            evidence.push(observed.evidence.clone());
            match observed.result {
                Ok(output) => {
                    let Some(creds) = output.credentials() else {
                        let error = CallError {
                            status: crate::Status::Error,
                            diagnosis: crate::dx::UNEXPECTED_RESPONSE,
                            summary: "sts AssumeRole answered without credentials".into(),
                            evidence: observed.evidence,
                        };
                        return Err((error, evidence));
                    };
                    let expiry = SystemTime::try_from(*creds.expiration()).ok();
                    let credentials = StaticCredentials {
                        access_key_id: creds.access_key_id().to_string(),
                        secret_access_key: creds.secret_access_key().to_string(),
                        session_token: Some(creds.session_token().to_string()),
                        expiry,
                        source: format!("sts:AssumeRole into {role_arn} (bedrock-doctor org)"),
                    };
                    return Ok((credentials, evidence));
                }
                Err(error) if call < CALLS && is_transient(&error.evidence) => {
                    tokio::time::sleep(wait).await;
                    wait *= 2;
                    call += 1;
                }
                Err(error) => return Err((error, evidence)),
            }
        }
    }
}
