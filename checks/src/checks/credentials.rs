//! The AWS provider chain must yield credentials before anything else can be asked of AWS, unless a
//! Bedrock API key stands in for them on Bedrock's own calls.

use crate::check::Verify;
use crate::facts::api_key::{ApiKey, KeyKind};
use crate::facts::{CredentialsFact, FactError};
use crate::timefmt::{human_duration, Largest};
use crate::{dx, Category, CheckMeta, Evidence, Facts, Report};
use std::time::SystemTime;

/// **Verifies:** that the standard provider chain (environment, shared config and credentials
/// files, SSO, credential_process, web identity, container, instance metadata) yields credentials
/// for the selected profile, and what the Bedrock API key in `AWS_BEARER_TOKEN_BEDROCK` (which the
/// SDK sends instead of a signature on bedrock and bedrock-runtime calls) says of itself. Reports
/// the source, the masked access key id, long-term (`AKIA`) or temporary (`ASIA`), expiry; for an
/// API key its first characters only, its kind, and what the key itself says (a short-term key's
/// Region and expiry, a long-term key's IAM user). Credentials that load can still be rejected by
/// AWS; `identity` proves them.
/// **Calls:** nothing on AWS for the chain, except what the chain itself needs (SSO, STS for
/// assumed roles, IMDS); with an API key, the shared `bedrock:ListFoundationModels` proves the key.
/// Free.
/// **Skips when:** never.
/// **Fails when:** the chain yields nothing (`no-credentials`, with what went wrong with the
/// profile's source, read from the shared files by `facts::credential_source`: an IAM Identity
/// Center token missing or expired, a missing `sso-session`, a failed `credential_process`, a
/// role's missing source, MFA or refused AssumeRole, a web identity token missing or expired), the
/// credentials have expired (`expired-credentials`), or the API key is empty, expired, for another
/// Region or rejected (`api-key-*`).
/// **Warns when:** never.
pub struct Credentials;

impl Verify for Credentials {
    const META: &'static CheckMeta = &CheckMeta {
        id: "credentials",
        title: "Credentials",
        category: Category::Credentials,
        per_model: false,
        per_region: false,
        description: "The AWS provider chain yields credentials, or a Bedrock API key is set; their source, kind and expiry.",
        calls: &["bedrock:ListFoundationModels"],
    };

    async fn verify(&self, facts: &Facts) -> Report {
        if let Some(key) = facts.api_key() {
            return api_key_report(facts, key).await;
        }
        let creds = match facts.credentials().await {
            Ok(creds) => creds,
            Err(err) => return err.to_report().var("profile", facts.profile_name()),
        };
        let base = describe(&creds);
        match creds.expiry.map(|e| e.duration_since(SystemTime::now())) {
            Some(Err(expired)) => Report::fail(
                dx::EXPIRED_CREDENTIALS,
                format!(
                    "{base} expired {} ago",
                    human_duration(expired.duration(), Largest::Hours)
                ),
            )
            .var("profile", facts.profile_name()),
            Some(Ok(left)) => Report::pass(format!(
                "{base}, expires in {}",
                human_duration(left, Largest::Hours)
            )),
            None => Report::pass(base),
        }
    }
}

fn describe(creds: &CredentialsFact) -> String {
    let kind = if creds.temporary {
        "temporary"
    } else {
        "long-term"
    };
    format!(
        "{} ({kind}) from {}",
        creds.access_key_id_masked, creds.source
    )
}

/// A Bedrock API key is set: the key is the verdict, the chain's credentials are described for
/// the services that still need them.
async fn api_key_report(facts: &Facts, key: &ApiKey) -> Report {
    let now = SystemTime::now();
    // (what Bedrock calls are signed with when the key is empty, what the other services do)
    let (signing, others) = match facts.credentials().await {
        Ok(creds) => {
            let creds = describe(&creds);
            (
                format!("this run signed Bedrock calls with {creds}"),
                format!("STS, IAM and Organizations sign with {creds}"),
            )
        }
        Err(FactError::Call(e)) if e.diagnosis == dx::NO_CREDENTIALS => (
            "no AWS credentials were found to sign with either".to_string(),
            "STS, IAM and Organizations need AWS credentials, and none were found".to_string(),
        ),
        Err(err) => {
            let why = err.to_report().summary;
            (
                format!("the AWS credentials to sign with are unusable ({why})"),
                format!(
                    "STS, IAM and Organizations need AWS credentials, which are unusable ({why})"
                ),
            )
        }
    };
    let about = Evidence {
        service: "credentials".into(),
        operation: key.variable.into(),
        region: key.region().map(str::to_string),
        message: Some(key.consequences()),
        ..Evidence::default()
    };
    if key.is_empty() {
        return Report::fail(
            dx::API_KEY_EMPTY,
            format!(
                "{} is set but empty: AWS SDKs then send an empty API key to Bedrock instead of signing; \
                 {signing}",
                key.variable
            ),
        )
        .evidence([about]);
    }
    let shown = format!(
        "Bedrock API key {} from {}",
        key.describe(now),
        key.variable
    );
    let mut notes = Vec::new();
    if key.padded {
        notes.push("the value has leading or trailing spaces, which are sent as part of the key");
    }
    if let Some(problem) = key.offline_problem(facts.region(), now) {
        let report =
            Report::fail(problem.code, format!("{shown}: {}", problem.detail)).evidence([about]);
        return match key.region() {
            Some(region) => report.var("key_region", region),
            None => report,
        };
    }
    if key.unsendable {
        return Report::fail(
            dx::API_KEY_REJECTED,
            format!(
                "{shown}: the value contains a line break or another control character, which an HTTP \
                 header cannot carry, so the SDK refuses to send it"
            ),
        )
        .evidence([about]);
    }
    if key.kind == KeyKind::Unrecognised {
        notes.push(
            "it does not start with `bedrock-api-key-` or `ABSK`, the prefixes of Bedrock API keys",
        );
    }
    let notes: String = notes.iter().map(|n| format!("; {n}")).collect();
    // The key is proven by the first Bedrock call of the run, which every model check needs anyway.
    match facts.anthropic_models().await {
        Ok(list) => Report::pass(format!(
            "{shown}, accepted by bedrock ListFoundationModels; bedrock and bedrock-runtime calls \
             carry it instead of a signature; {others}{notes}"
        ))
        .evidence([about, list.evidence]),
        Err(FactError::Call(e)) if is_key_diagnosis(e.diagnosis) => {
            Report::fail(e.diagnosis, format!("{shown}: {}{notes}", e.summary))
                .evidence([about, e.evidence])
        }
        // A policy refusal names the principal: Bedrock knew who the key belongs to.
        Err(FactError::Call(e))
            if matches!(e.diagnosis, dx::IAM_ACTION_DENIED | dx::SCP_EXPLICIT_DENY) =>
        {
            Report::pass(format!(
                "{shown}, accepted by Bedrock (ListFoundationModels was then refused by a policy: \
                 {}); bedrock and bedrock-runtime calls carry it instead of a signature; {others}{notes}",
                e.diagnosis
            ))
            .evidence([about, e.evidence])
        }
        Err(err) => Report::pass(format!(
            "{shown}; bedrock and bedrock-runtime calls carry it instead of a signature (not yet \
             proven: {}); {others}{notes}",
            err.to_report().summary
        ))
        .evidence([about]),
    }
}

/// The diagnoses that are about the API key itself.
pub fn is_key_diagnosis(code: &str) -> bool {
    matches!(
        code,
        dx::API_KEY_EMPTY | dx::API_KEY_REJECTED | dx::API_KEY_EXPIRED | dx::API_KEY_OTHER_REGION
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::{assert_summary_names, assert_verdict};
    use crate::facts::test_support::facts_with_credentials;
    use crate::Status;
    use aws_credential_types::Credentials as Creds;
    use std::time::Duration;

    #[tokio::test]
    async fn passes_with_long_term_keys_and_masks_them() {
        let facts = facts_with_credentials(Some(Creds::new(
            "AKIAIOSFODNN7EXAMPLE",
            "secret-sentinel",
            None,
            None,
            "test",
        )));
        let report = Credentials.verify(&facts).await;
        assert_eq!(report.status, Status::Pass);
        assert_summary_names(&report, "AKIA************MPLE (long-term)");
        assert!(!report.summary.contains("secret-sentinel"));
    }

    #[tokio::test]
    async fn fails_when_the_session_has_expired() {
        let expired = SystemTime::now() - Duration::from_secs(600);
        let creds = Creds::new(
            "ASIAIOSFODNN7EXAMPLE",
            "s",
            Some("token".into()),
            Some(expired),
            "test",
        );
        let report = Credentials
            .verify(&facts_with_credentials(Some(creds)))
            .await;
        assert_verdict(&report, Status::Fail, dx::EXPIRED_CREDENTIALS);
        assert!(
            report.summary.contains("(temporary)") && report.summary.contains("10 min ago"),
            "{}",
            report.summary
        );
    }

    #[tokio::test]
    async fn fails_without_credentials() {
        let report = Credentials.verify(&facts_with_credentials(None)).await;
        assert_verdict(&report, Status::Fail, dx::NO_CREDENTIALS);
    }
}

#[cfg(test)]
mod api_key_tests {
    use super::*;
    use crate::checks::test_support::{assert_summary_names, assert_var, assert_verdict};
    use crate::facts::api_key::test_keys::{long_term, short_term_signed_ago};
    use crate::facts::api_key::VARIABLE;
    use crate::facts::test_support::facts_with_api_key as facts;
    use crate::Status;
    use aws_smithy_mocks::{mock, Rule};
    use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
    use aws_smithy_runtime_api::http::StatusCode;
    use aws_smithy_types::body::SdkBody;
    use std::time::Duration;

    const MODELS: &str = r#"{"modelSummaries":[{"modelArn":"arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0","modelId":"anthropic.claude-3-haiku-20240307-v1:0","providerName":"Anthropic","inferenceTypesSupported":["ON_DEMAND"],"responseStreamingSupported":true,"modelLifecycle":{"status":"ACTIVE"}}]}"#;
    // Bedrock's front door (headers: karthink/gptel#1397); message: ai4s-research/open-science#53.
    const REJECTED: &str =
        r#"{"Message":"Authentication failed: Please make sure your API Key is valid."}"#;

    fn response(status: u16, body: &'static str) -> HttpResponse {
        let mut r = HttpResponse::new(StatusCode::try_from(status).unwrap(), SdkBody::from(body));
        r.headers_mut()
            .insert("x-amzn-RequestId", "5a1d7c9e-2222-4000-8000-000000000001");
        if status >= 400 {
            r.headers_mut().insert(
                "x-amzn-ErrorType",
                "AccessDeniedException:http://internal.amazon.com/coral/com.amazon.coral.service/",
            );
        }
        r
    }

    fn models_rule(status: u16, body: &'static str) -> Rule {
        mock!(aws_sdk_bedrock::Client::list_foundation_models)
            .then_http_response(move || response(status, body))
    }

    fn assert_hidden(report: &Report, key: &str) {
        let all = format!("{report:?}");
        let tail = &key[key.len() - 12..];
        assert!(!all.contains(tail), "the key leaked: {all}");
    }

    #[tokio::test]
    async fn passes_an_accepted_key_without_chain_credentials() {
        let key = long_term("c2VjcmV0LXNlbnRpbmVsLXNlbnRpbmVs");
        let rule = models_rule(200, MODELS);
        let report = Credentials.verify(&facts(&key, false, &[&rule])).await;
        assert_eq!(report.status, Status::Pass, "{report:?}");
        for part in [
            "ABSKQmVk…",
            "long-term, IAM user BedrockAPIKey-g28r",
            "accepted by bedrock ListFoundationModels",
            "STS, IAM and Organizations need AWS credentials, and none were found",
        ] {
            assert!(report.summary.contains(part), "{part}: {}", report.summary);
        }
        assert_eq!(report.evidence[0].operation, VARIABLE);
        assert!(report.evidence[0]
            .message
            .as_deref()
            .unwrap()
            .contains("bedrock:CallWithBearerToken"));
        assert_eq!(report.evidence[1].operation, "ListFoundationModels");
        assert_hidden(&report, &key);
    }

    #[tokio::test]
    async fn names_the_chain_credentials_other_services_use() {
        let key = short_term_signed_ago("us-east-1", Duration::from_secs(60), 43200);
        let rule = models_rule(200, MODELS);
        let report = Credentials.verify(&facts(&key, true, &[&rule])).await;
        assert_eq!(report.status, Status::Pass, "{report:?}");
        assert!(
            report
                .summary
                .contains("short-term, us-east-1, expires in 11 h")
                && report.summary.contains("AKIA************MPLE (long-term)"),
            "{}",
            report.summary
        );
        assert_eq!(report.evidence[0].region.as_deref(), Some("us-east-1"));
        assert_hidden(&report, &key);
    }

    #[tokio::test]
    async fn fails_an_empty_key_without_calling_bedrock() {
        let report = Credentials.verify(&facts("", true, &[])).await;
        assert_verdict(&report, Status::Fail, dx::API_KEY_EMPTY);
        assert!(
            report.summary.contains("set but empty")
                && report.summary.contains("AKIA************MPLE"),
            "{}",
            report.summary
        );
    }

    #[tokio::test]
    async fn fails_a_key_bedrock_rejects() {
        let key = long_term("cmV2b2tlZC1rZXktcmV2b2tlZC1rZXk=");
        let rule = models_rule(403, REJECTED);
        let report = Credentials.verify(&facts(&key, false, &[&rule])).await;
        assert_verdict(&report, Status::Fail, dx::API_KEY_REJECTED);
        assert_summary_names(&report, "Authentication failed");
        assert_eq!(report.evidence[1].http_status, Some(403));
        assert_eq!(
            report.evidence[1].error_code.as_deref(),
            Some("AccessDeniedException")
        );
        assert_hidden(&report, &key);
    }

    #[tokio::test]
    async fn fails_expired_and_other_region_keys_from_the_key_itself() {
        let expired = short_term_signed_ago("us-east-1", Duration::from_secs(13 * 3600), 43200);
        let report = Credentials.verify(&facts(&expired, false, &[])).await;
        assert_eq!(report.diagnosis, Some(dx::API_KEY_EXPIRED), "{report:?}");
        assert!(
            report.summary.contains("(short-term, us-east-1, expired)")
                && report.summary.contains("expired 60 min ago, at "),
            "{}",
            report.summary
        );

        let elsewhere = short_term_signed_ago("eu-west-1", Duration::from_secs(60), 43200);
        let report = Credentials.verify(&facts(&elsewhere, false, &[])).await;
        assert_verdict(&report, Status::Fail, dx::API_KEY_OTHER_REGION);
        assert_var(&report, "key_region", "eu-west-1");
        assert_summary_names(&report, "this run calls us-east-1");
    }

    #[tokio::test]
    async fn a_rejection_on_any_bedrock_call_is_named_by_what_the_key_says() {
        let elsewhere = short_term_signed_ago("eu-west-1", Duration::from_secs(60), 43200);
        let rule = models_rule(403, REJECTED);
        let facts = facts(&elsewhere, false, &[&rule]);
        let Err(FactError::Call(err)) = facts.anthropic_models().await else {
            panic!("the rejection is a failed call");
        };
        assert_eq!(err.diagnosis, dx::API_KEY_OTHER_REGION, "{err:?}");
        assert!(
            err.summary.contains("generated for eu-west-1"),
            "{}",
            err.summary
        );
    }

    #[tokio::test]
    async fn a_control_character_in_the_key_fails_before_sending() {
        let key = format!("{}\n", long_term("c2VjcmV0LXNlbnRpbmVsLXNlbnRpbmVs"));
        let report = Credentials.verify(&facts(&key, false, &[])).await;
        assert_eq!(report.diagnosis, Some(dx::API_KEY_REJECTED), "{report:?}");
        assert_summary_names(&report, "control character");
    }
}
