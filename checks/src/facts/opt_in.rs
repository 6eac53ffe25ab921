//! Opt-in regions the account has not enabled: AWS rejects the account's keys there with the words
//! it uses for an unknown key, although the same keys work elsewhere.
//!
//! Regions launched after 20 March 2019 are disabled until the account enables them
//! (https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-regions.html). A call signed
//! for such a region answers `InvalidClientTokenId` (STS) or `UnrecognizedClientException`
//! (Bedrock, Service Quotas), "The security token included in the request is invalid." Told only
//! that, the doctor would say the access key is wrong; one call the same keys can make outside
//! the region (`sts:GetCallerIdentity` in us-east-1, which needs no permission) tells the two apart.

use super::Facts;
use crate::calls::{CallError, CallSite};
use crate::{dx, regions, Evidence, Status};
use aws_types::region::Region;
use futures::future::BoxFuture;

/// The region the confirming call goes to: enabled in every account (a default region), and the
/// one the STS global endpoint stands for.
pub const CONFIRM_REGION: &str = "us-east-1";

/// Whether this failure of a call signed for `region` may be the region being disabled rather
/// than the key being wrong.
pub(crate) fn may_be_disabled(err: &CallError, region: Option<&str>) -> bool {
    err.diagnosis == dx::INVALID_ACCESS_KEY
        && region.is_some_and(|r| regions::OPT_IN_REGIONS.contains(&r))
}

impl Facts {
    /// `sts:GetCallerIdentity` in [`CONFIRM_REGION`] with the run's credentials, once per run: the
    /// evidence of the answer when the keys work there, `None` when they do not (then they are
    /// wrong everywhere, and the rejection stands).
    ///
    /// Boxed: it goes through [`Facts::call`], which calls it, and an async cycle needs a box.
    pub(crate) fn keys_work_elsewhere(&self) -> BoxFuture<'_, Option<Evidence>> {
        Box::pin(async move {
            self.shared
                .keys_work_elsewhere
                .get_or_init(|| async {
                    let config = self
                        .sts
                        .config()
                        .to_builder()
                        .region(Region::new(CONFIRM_REGION))
                        .build();
                    let sts = aws_sdk_sts::Client::from_conf(config);
                    let site = CallSite::new("sts", "GetCallerIdentity", Some(CONFIRM_REGION));
                    let request = sts.get_caller_identity();
                    let fetched = self
                        .fetch(site, |rec| request.customize().interceptor(rec).send())
                        .await;
                    fetched.ok().map(|(_, evidence)| evidence)
                })
                .await
                .clone()
        })
    }

    /// Re-judges a rejection of the keys in an opt-in region: when the same keys work in
    /// [`CONFIRM_REGION`], the region is not enabled for the account (`region-disabled`).
    pub(crate) fn judge_opt_in_rejection<'a>(
        &'a self,
        err: &'a mut CallError,
        region: &'a str,
    ) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            let Some(elsewhere) = self.keys_work_elsewhere().await else {
                return;
            };
            let proof = format!(
                "the same credentials work in {CONFIRM_REGION} (sts GetCallerIdentity answered{})",
                elsewhere
                    .request_id
                    .as_deref()
                    .map(|id| format!(", request id {id}"))
                    .unwrap_or_default()
            );
            err.status = Status::Fail;
            err.diagnosis = dx::REGION_DISABLED;
            err.summary = format!(
                "{}; {proof}: {region} is an opt-in region that is not enabled for this account",
                err.summary
            );
            let message = err.evidence.message.take().unwrap_or_default();
            err.evidence.message = Some(format!("{message} ({proof})"));
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::test_support::{sdk_config, settings, test_credentials};
    use crate::Facts;
    use aws_smithy_mocks::{mock, mock_client, RuleMode};
    use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
    use aws_smithy_runtime_api::http::StatusCode;
    use aws_smithy_types::body::SdkBody;

    /// STS's answer to a key it does not accept (the awsQuery error body, as in
    /// https://github.com/aws-azure-login/aws-azure-login/issues/251; the same text AWS sends in a
    /// disabled opt-in region).
    fn rejected() -> HttpResponse {
        let mut r = HttpResponse::new(
            StatusCode::try_from(403).unwrap(),
            SdkBody::from("<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message></Error><RequestId>4d7a0000-0000-4000-8000-000000000001</RequestId></ErrorResponse>"),
        );
        r.headers_mut().insert("Content-Type", "text/xml");
        r
    }

    fn identity() -> HttpResponse {
        HttpResponse::new(
            StatusCode::try_from(200).unwrap(),
            SdkBody::from("<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/compiler-bedrock</Arn><UserId>AIDAEXAMPLE</UserId><Account>123456789012</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>0a0b0000-0000-4000-8000-000000000002</RequestId></ResponseMetadata></GetCallerIdentityResponse>"),
        )
    }

    /// A canned STS answer.
    type Answer = fn() -> HttpResponse;

    /// Facts in `region` whose STS client answers `answers` in order (the regional call first,
    /// then the confirming call in us-east-1).
    fn facts_in(region: &str, answers: Vec<Answer>) -> (Facts, aws_smithy_mocks::Rule) {
        let mut seq = mock!(aws_sdk_sts::Client::get_caller_identity).sequence();
        for answer in answers {
            seq = seq.http_response(answer);
        }
        let rule = seq.build();
        let signed_for = region.to_string();
        let sts = mock_client!(aws_sdk_sts, RuleMode::MatchAny, [&rule], move |c| c
            .region(Region::new(signed_for.clone())));
        let sdk = sdk_config(Some(test_credentials()), Some(region));
        let s = crate::Settings {
            region: Some(region.into()),
            ..settings()
        };
        let facts = Facts::from_parts(s, sdk.clone(), sts, aws_sdk_bedrock::Client::new(&sdk));
        (facts, rule)
    }

    #[tokio::test]
    async fn a_rejection_in_a_disabled_opt_in_region_is_region_disabled() {
        let (facts, rule) = facts_in("me-central-1", vec![rejected, identity]);
        let Err(crate::facts::FactError::Call(err)) = facts.caller_identity().await else {
            panic!("the regional call must fail");
        };
        assert_eq!(
            (err.status, err.diagnosis),
            (Status::Fail, dx::REGION_DISABLED)
        );
        assert!(
            err.summary.contains("me-central-1 is an opt-in region"),
            "{}",
            err.summary
        );
        assert!(err.summary.contains("work in us-east-1"), "{}", err.summary);
        assert_eq!(
            err.evidence.error_code.as_deref(),
            Some("InvalidClientTokenId")
        );
        assert_eq!(err.evidence.region.as_deref(), Some("me-central-1"));
        assert_eq!(
            rule.num_calls(),
            2,
            "one regional call, one confirming call"
        );
    }

    /// Keys rejected in a region the account cannot have disabled (a default region), or rejected
    /// in us-east-1 too, stay an invalid key.
    #[tokio::test]
    async fn other_rejections_stay_an_invalid_key() {
        let cases: [(&str, Vec<Answer>, usize); 2] = [
            // Rejected everywhere: the confirming call fails too.
            ("me-central-1", vec![rejected, rejected], 2),
            // No confirming call outside opt-in regions.
            ("eu-west-1", vec![rejected, identity], 1),
        ];
        for (region, answers, calls) in cases {
            let (facts, rule) = facts_in(region, answers);
            let Err(crate::facts::FactError::Call(err)) = facts.caller_identity().await else {
                panic!("the regional call in {region} must fail");
            };
            assert_eq!(err.diagnosis, dx::INVALID_ACCESS_KEY, "{region}");
            assert_eq!(rule.num_calls(), calls, "{region}");
        }
    }
}
