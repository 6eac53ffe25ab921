//! Who the credentials belong to, per AWS itself: the first call that proves they work.

use crate::check::Verify;
use crate::facts::FactError;
use crate::{dx, Category, CheckMeta, Facts, Report};

/// **Verifies:** that AWS accepts the credentials, with `sts:GetCallerIdentity` (it needs no IAM
/// permission; an explicit deny cannot block it). Reports account, ARN and principal type.
/// **Calls:** `sts:GetCallerIdentity`, free.
/// **Skips when:** there are no chain credentials to ask with (an API key alone cannot sign STS
/// calls).
/// **Fails when:** the access key is invalid, the secret wrong or the session expired: the codes of
/// the credentials category.
/// **Warns when:** the caller is the account root (`root-credentials`), since the setup guide
/// creates a dedicated IAM user.
pub struct Identity;

/// What kind of principal an ARN from GetCallerIdentity names.
pub fn principal_type(arn: &str) -> &'static str {
    let resource = arn.splitn(6, ':').nth(5).unwrap_or_default();
    match resource.split('/').next().unwrap_or_default() {
        "root" => "root",
        "user" => "iam-user",
        "assumed-role" if resource.contains("/AWSReservedSSO_") => "sso-role",
        "assumed-role" => "assumed-role",
        "federated-user" => "federated-user",
        _ => "unknown",
    }
}

impl Verify for Identity {
    const META: &'static CheckMeta = &CheckMeta {
        id: "identity",
        title: "Caller identity",
        category: Category::Identity,
        per_model: false,
        per_region: false,
        description:
            "sts:GetCallerIdentity accepts the credentials; the account, ARN and principal type.",
        calls: &["sts:GetCallerIdentity"],
    };

    async fn verify(&self, facts: &Facts) -> Report {
        let identity = match facts.caller_identity().await {
            Ok(identity) => identity,
            Err(FactError::Call(err)) => {
                return err.to_report().var("profile", facts.profile_name())
            }
            Err(err) => return err.to_report(),
        };
        let kind = principal_type(&identity.arn);
        let mut summary = format!(
            "account {} as {} ({kind})",
            identity.account_id, identity.arn
        );
        if let Some(key) = facts.key_in_use() {
            // Bedrock authorizes the principal behind the key, which may be another one
            // (a long-term key belongs to an IAM user of its own).
            summary.push_str(&format!(
                "; bedrock and bedrock-runtime calls use the API key from {} instead (see `credentials`)",
                key.variable
            ));
        }
        let report = if kind == "root" {
            Report::warn(dx::ROOT_CREDENTIALS, summary)
        } else {
            Report::pass(summary)
        };
        report
            .evidence([identity.evidence])
            .var("account_id", identity.account_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::{assert_first_answer, assert_verdict};
    use crate::facts::api_key::test_keys::long_term;
    use crate::facts::test_support::{facts_with_api_key, facts_with_sts};
    use crate::Status;
    use aws_smithy_mocks::mock;
    use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
    use aws_smithy_runtime_api::http::StatusCode;
    use aws_smithy_types::body::SdkBody;

    fn sts_response(status: u16, body: &'static str) -> HttpResponse {
        let mut response =
            HttpResponse::new(StatusCode::try_from(status).unwrap(), SdkBody::from(body));
        response
            .headers_mut()
            .insert("x-amzn-RequestId", "4d7a3c1e-0000-4000-8000-000000000001");
        response.headers_mut().insert("Content-Type", "text/xml");
        response
    }

    /// The check over STS answering every `GetCallerIdentity` with `status` and `body`.
    async fn verify_answering(status: u16, body: &'static str) -> Report {
        let rule = mock!(aws_sdk_sts::Client::get_caller_identity)
            .then_http_response(move || sts_response(status, body));
        Identity.verify(&facts_with_sts(&[&rule])).await
    }

    const OK_USER: &str = r#"<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <Arn>arn:aws:iam::123456789012:user/compiler-bedrock</Arn>
    <UserId>AIDAJQABLZS4A3QDU576Q</UserId>
    <Account>123456789012</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata><RequestId>4d7a3c1e-0000-4000-8000-000000000001</RequestId></ResponseMetadata>
</GetCallerIdentityResponse>"#;

    const OK_ROOT: &str = r#"<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:root</Arn><UserId>123456789012</UserId><Account>123456789012</Account></GetCallerIdentityResult>
</GetCallerIdentityResponse>"#;

    // Message text: the standard STS answer for an unknown key
    // (https://github.com/hashicorp/terraform-provider-aws/issues/25281).
    const INVALID_KEY: &str = r#"<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message></Error>
  <RequestId>4d7a3c1e-0000-4000-8000-000000000002</RequestId>
</ErrorResponse>"#;

    const EXPIRED: &str = r#"<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error><Type>Sender</Type><Code>ExpiredToken</Code><Message>The security token included in the request is expired</Message></Error>
  <RequestId>4d7a3c1e-0000-4000-8000-000000000003</RequestId>
</ErrorResponse>"#;

    #[tokio::test]
    async fn passes_for_an_iam_user_and_reports_the_request_id() {
        let report = verify_answering(200, OK_USER).await;
        assert_eq!(report.status, Status::Pass, "{report:?}");
        assert!(report.summary.contains("123456789012") && report.summary.contains("(iam-user)"));
        assert_first_answer(&report, None, "4d7a3c1e-0000-4000-8000-000000000001");
        assert_eq!(report.evidence[0].http_status, Some(200));
    }

    #[tokio::test]
    async fn a_retry_does_not_hide_the_first_error() {
        const THROTTLED: &str = r#"<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>4d7a3c1e-0000-4000-8000-000000000009</RequestId></ErrorResponse>"#;
        let rule = mock!(aws_sdk_sts::Client::get_caller_identity)
            .sequence()
            .http_response(|| {
                let mut r = sts_response(400, THROTTLED);
                r.headers_mut()
                    .insert("x-amzn-RequestId", "first-attempt-request-id");
                r
            })
            .http_response(|| sts_response(200, OK_USER))
            .build();
        let report = Identity.verify(&facts_with_sts(&[&rule])).await;
        assert_eq!(report.status, Status::Pass, "{report:?}");
        let evidence = &report.evidence[0];
        assert_eq!(evidence.attempts, Some(2));
        let message = evidence.message.as_deref().unwrap_or_default();
        assert!(
            message.contains("first attempt: HTTP 400")
                && message.contains("first-attempt-request-id"),
            "{message}"
        );
    }

    #[tokio::test]
    async fn warns_for_root() {
        let report = verify_answering(200, OK_ROOT).await;
        assert_verdict(&report, Status::Warn, dx::ROOT_CREDENTIALS);
    }

    #[tokio::test]
    async fn fails_with_invalid_access_key() {
        let report = verify_answering(403, INVALID_KEY).await;
        assert_verdict(&report, Status::Fail, dx::INVALID_ACCESS_KEY);
        assert_first_answer(
            &report,
            Some("InvalidClientTokenId"),
            "4d7a3c1e-0000-4000-8000-000000000001",
        );
    }

    #[tokio::test]
    async fn fails_with_expired_token() {
        let report = verify_answering(403, EXPIRED).await;
        assert_verdict(&report, Status::Fail, dx::EXPIRED_CREDENTIALS);
    }

    #[test]
    fn tells_principal_types_apart() {
        assert_eq!(principal_type("arn:aws:iam::123456789012:root"), "root");
        assert_eq!(
            principal_type("arn:aws:iam::123456789012:user/dev/alice"),
            "iam-user"
        );
        assert_eq!(
            principal_type("arn:aws:sts::123456789012:assumed-role/Admin/alice"),
            "assumed-role"
        );
        assert_eq!(
            principal_type("arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Dev_0123/alice"),
            "sso-role"
        );
        assert_eq!(
            principal_type("arn:aws:sts::123456789012:federated-user/bob"),
            "federated-user"
        );
        assert_eq!(principal_type("garbage"), "unknown");
    }

    #[tokio::test]
    async fn identity_skips_without_chain_credentials_when_a_key_is_set() {
        let key = long_term("c2VjcmV0LXNlbnRpbmVsLXNlbnRpbmVs");
        let facts = facts_with_api_key(&key, false, &[]);
        let report = Identity.verify(&facts).await;
        assert_eq!(report.status, Status::Skip, "{report:?}");
        assert!(
            report
                .summary
                .contains("authenticates only bedrock and bedrock-runtime")
                && !report.summary.starts_with("needs `"),
            "{}",
            report.summary
        );
    }
}
