//! Entering a member account of an Organization: `sts:AssumeRole` into the doctor's role there,
//! with the caller's credentials, retried only while STS throttles or fails on its side.

use super::{Facts, StaticCredentials};
use crate::calls::{is_transient, CallError, CallSite};
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

/// The `organization` diagnosis of a failed AssumeRole, from its error code and message.
///
/// STS answers `AccessDenied ... is not authorized to perform: sts:AssumeRole on resource: ...`
/// alike when the role does not exist, when its trust policy does not trust the caller, and when
/// it requires an external id that was not given or does not match: AWS does not say which, by
/// design (localstack/localstack#8730, getmoto/moto#6793; HackTricks' IAM enumeration page notes
/// the same answer for a missing role). Those three share one code, whose fix lists how to tell
/// them apart. Only a service or resource control policy is named in the message, explicitly
/// ("with an explicit deny in a service control policy") or implicitly ("because no service
/// control policy allows the sts:AssumeRole action"): IAM user guide, "Access denied error
/// messages", https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html;
/// the project's one reader of those messages, [`crate::access_denied::parse`], tells them apart.
/// Throttling and failures on AWS's side are [`crate::calls::is_transient`]'s. A failure that is
/// not a refusal (no network, expired caller credentials) keeps the gateway's diagnosis.
pub fn entry_diagnosis(error: &CallError) -> &'static str {
    let message = error.evidence.message.as_deref().unwrap_or(&error.summary);
    if is_transient(error) {
        return crate::dx::ORG_ASSUME_ROLE_THROTTLED;
    }
    match crate::access_denied::parse(message).policy_type.as_deref() {
        Some("service control policy") => crate::dx::ORG_ASSUME_ROLE_SCP_DENIED,
        Some("resource control policy") => crate::dx::ORG_ASSUME_ROLE_RCP_DENIED,
        _ if error.evidence.error_code.as_deref() == Some("AccessDenied") => {
            crate::dx::ORG_ROLE_NOT_ASSUMABLE
        }
        _ => error.diagnosis,
    }
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
                Err(error) if call < CALLS && is_transient(&error) => {
                    tokio::time::sleep(wait).await;
                    wait *= 2;
                    call += 1;
                }
                Err(error) => return Err((error, evidence)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::test_support::facts_with_sts;
    use aws_smithy_mocks::mock;
    use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
    use aws_smithy_runtime_api::http::StatusCode;
    use aws_smithy_types::body::SdkBody;

    const ROLE: &str = "arn:aws:iam::210987654321:role/BedrockDoctorReadOnly";

    /// An STS error as STS sends it (awsQuery XML), so the SDK's own deserializer reads it.
    fn sts_error(status: u16, code: &str, message: &str) -> HttpResponse {
        let body = format!(
            "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>4d7a0000-0000-4000-8000-000000000001</RequestId></ErrorResponse>"
        );
        let mut r = HttpResponse::new(StatusCode::try_from(status).unwrap(), SdkBody::from(body));
        r.headers_mut().insert("Content-Type", "text/xml");
        r.headers_mut()
            .insert("x-amzn-RequestId", "4d7a0000-0000-4000-8000-000000000001");
        r
    }

    fn sts_granted() -> HttpResponse {
        let body = "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><AssumeRoleResult><Credentials><AccessKeyId>ASIAEXAMPLEMEMBER01</AccessKeyId><SecretAccessKey>member-secret-never-shown</SecretAccessKey><SessionToken>member-token-never-shown</SessionToken><Expiration>2030-01-01T00:15:00Z</Expiration></Credentials><AssumedRoleUser><AssumedRoleId>AROAEXAMPLE:bedrock-doctor</AssumedRoleId><Arn>arn:aws:sts::210987654321:assumed-role/BedrockDoctorReadOnly/bedrock-doctor</Arn></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>4d7a0000-0000-4000-8000-000000000002</RequestId></ResponseMetadata></AssumeRoleResponse>";
        let mut r = HttpResponse::new(StatusCode::try_from(200).unwrap(), SdkBody::from(body));
        r.headers_mut().insert("Content-Type", "text/xml");
        r
    }

    async fn refused(status: u16, code: &str, message: &str) -> (&'static str, usize) {
        let (code, message) = (code.to_string(), message.to_string());
        let rule = mock!(aws_sdk_sts::Client::assume_role)
            .sequence()
            .http_response(move || sts_error(status, &code, &message))
            .repeatedly()
            .build();
        let facts = facts_with_sts(&[&rule]);
        let Err((error, evidence)) = facts.assume_role(ROLE, None).await else {
            panic!("assumed a refused role");
        };
        (entry_diagnosis(&error), evidence.len())
    }

    #[tokio::test]
    async fn a_plain_access_denied_is_the_one_code_for_missing_role_trust_or_external_id() {
        // The words AWS sends for all three (localstack/localstack#8730).
        let (code, calls) = refused(
            403,
            "AccessDenied",
            "User: arn:aws:iam::123456789012:user/admin is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::210987654321:role/BedrockDoctorReadOnly",
        )
        .await;
        assert_eq!(code, crate::dx::ORG_ROLE_NOT_ASSUMABLE);
        assert_eq!(calls, 1, "a refusal is an answer: never retried");
    }

    #[tokio::test]
    async fn an_scp_or_rcp_deny_is_named_by_its_message() {
        let scp = "User: arn:aws:iam::123456789012:user/admin is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::210987654321:role/BedrockDoctorReadOnly with an explicit deny in a service control policy";
        assert_eq!(
            refused(403, "AccessDenied", scp).await,
            (crate::dx::ORG_ASSUME_ROLE_SCP_DENIED, 1)
        );
        let rcp = "User: arn:aws:iam::123456789012:user/admin is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::210987654321:role/BedrockDoctorReadOnly with an explicit deny in a resource control policy";
        assert_eq!(
            refused(403, "AccessDenied", rcp).await,
            (crate::dx::ORG_ASSUME_ROLE_RCP_DENIED, 1)
        );
        // The other forms AWS writes the same refusal in: an implicit deny ("because no …
        // allows"), the policy's ARN appended, an assumed-role caller.
        let forms = [
            ("User: arn:aws:sts::123456789012:assumed-role/Admin/jo is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::210987654321:role/BedrockDoctorReadOnly because no service control policy allows the sts:AssumeRole action", crate::dx::ORG_ASSUME_ROLE_SCP_DENIED),
            ("User: arn:aws:iam::123456789012:user/admin is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::210987654321:role/BedrockDoctorReadOnly with an explicit deny in a service control policy: arn:aws:organizations::123456789012:policy/o-abcdefghij/service_control_policy/p-abcd1234", crate::dx::ORG_ASSUME_ROLE_SCP_DENIED),
            ("User: arn:aws:iam::123456789012:user/admin is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::210987654321:role/BedrockDoctorReadOnly because no resource control policy allows the sts:AssumeRole action", crate::dx::ORG_ASSUME_ROLE_RCP_DENIED),
            ("User: arn:aws:sts::123456789012:assumed-role/Admin/jo is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::210987654321:role/BedrockDoctorReadOnly", crate::dx::ORG_ROLE_NOT_ASSUMABLE),
        ];
        for (message, expected) in forms {
            assert_eq!(
                refused(403, "AccessDenied", message).await,
                (expected, 1),
                "{message}"
            );
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_failure_on_awss_side_without_a_code_is_retried_not_a_verdict() {
        let (code, calls) = refused(503, "", "").await;
        assert_eq!(code, crate::dx::ORG_ASSUME_ROLE_THROTTLED);
        assert_eq!(calls, CALLS as usize);
    }

    #[tokio::test(start_paused = true)]
    async fn throttling_is_retried_with_backoff_then_named_never_a_verdict() {
        let (code, calls) = refused(400, "Throttling", "Rate exceeded").await;
        assert_eq!(code, crate::dx::ORG_ASSUME_ROLE_THROTTLED);
        assert_eq!(calls, CALLS as usize);
    }

    #[tokio::test(start_paused = true)]
    async fn a_throttled_attempt_then_success_enters_with_the_secret_kept_out_of_debug() {
        let rule = mock!(aws_sdk_sts::Client::assume_role)
            .sequence()
            .http_response(|| sts_error(400, "Throttling", "Rate exceeded"))
            .times(2)
            .http_response(sts_granted)
            .build();
        let facts = facts_with_sts(&[&rule]);
        let Ok((creds, evidence)) = facts.assume_role(ROLE, Some("ext-1234")).await else {
            panic!("not entered after a throttled attempt");
        };
        let attempts: u32 = evidence.iter().map(|e| e.attempts.unwrap_or(1)).sum();
        assert_eq!(
            attempts, 3,
            "two throttled attempts, then the one that entered"
        );
        assert_eq!(evidence.last().and_then(|e| e.http_status), Some(200));
        assert_eq!(creds.access_key_id, "ASIAEXAMPLEMEMBER01");
        let shown = format!("{creds:?} {evidence:?}");
        assert!(!shown.contains("member-secret-never-shown"), "{shown}");
        assert!(!shown.contains("member-token-never-shown"), "{shown}");
        assert!(!shown.contains("ASIAEXAMPLEMEMBER01"), "{shown}");
    }
}
