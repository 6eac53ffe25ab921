//! A region must be configured, exist, and offer Bedrock.

use crate::check::Verify;
use crate::facts::FactError;
use crate::regions::{self, RegionVerdict};
use crate::{dx, Category, CheckMeta, Evidence, Facts, Report};

/// **Verifies:** that the region the SDK will use (`--region`, `AWS_REGION`, `AWS_DEFAULT_REGION`,
/// the profile's `region`, instance metadata) is a known region, offers Bedrock, and is enabled
/// for this account. It works offline because the Bedrock endpoint rules accept any region-shaped
/// string, so a typo would only surface later as a DNS failure; this check names the typo and the
/// region that was meant. A region launched after this build reads as unknown.
/// **Calls:** nothing of its own; the region lists come from botocore's endpoint data (see
/// `regions.rs`). For an opt-in region, the region's probe of the model under test
/// (`GetFoundationModel`, shared with `model-catalog`) tells whether this account enabled it (see
/// `facts::opt_in`).
/// **Skips when:** never.
/// **Fails when:** no region is set (`region-missing`), the name is not a region
/// (`region-invalid`), Bedrock is not offered there (`region-unsupported`), or keys rejected in an
/// opt-in region work in us-east-1 (`region-disabled`).
/// **Warns when:** never.
pub struct Region;

impl Verify for Region {
    const META: &'static CheckMeta = &CheckMeta {
        id: "region",
        title: "Region",
        category: Category::Region,
        per_model: false,
        per_region: true,
        description: "A region is configured, is a known AWS region, offers Bedrock, and (opt-in regions) is enabled for the account.",
        calls: &["bedrock:ListFoundationModels", "bedrock:GetFoundationModel"],
    };

    async fn verify(&self, facts: &Facts) -> Report {
        let Some(region) = facts.region() else {
            return Report::fail(
                dx::REGION_MISSING,
                "no region configured (checked --region, AWS_REGION, AWS_DEFAULT_REGION, the profile, instance metadata)",
            )
            .var("profile", facts.profile_name());
        };
        let source = facts
            .region_source()
            .map(|s| s.describe(facts.profile_name()))
            .unwrap_or_default();
        let report = judge(region, &source);
        if report.status == crate::Status::Pass && regions::OPT_IN_REGIONS.contains(&region) {
            return opt_in_enabled(facts, report).await;
        }
        report
    }
}

/// An opt-in region passes only when the account enabled it: the region's own probe of the model
/// under test (the `model-catalog` check's, shared: no call of its own) answers, or fails for
/// another reason (which the checks that need the call report).
async fn opt_in_enabled(facts: &Facts, passed: Report) -> Report {
    let probe = match facts.target_model().await {
        Ok(target) => facts.model_details(&target.model_id).await.map(|_| ()),
        Err(err) => Err(err),
    };
    match probe {
        Err(FactError::Call(e)) if e.diagnosis == dx::REGION_DISABLED => {
            let mut report = e.to_report();
            report.evidence.splice(0..0, passed.evidence);
            report
        }
        _ => passed,
    }
}

fn judge(region: &str, source: &str) -> Report {
    let evidence = Evidence {
        service: "config".into(),
        operation: "region".into(),
        region: Some(region.to_string()),
        message: Some(format!("from {source}")),
        ..Evidence::default()
    };
    let report = match regions::judge(region) {
        RegionVerdict::Bedrock { opt_in: false } => {
            Report::pass(format!("{region} (from {source}) offers Bedrock"))
        }
        RegionVerdict::Bedrock { opt_in: true } => Report::pass(format!(
            "{region} (from {source}) offers Bedrock; it is an opt-in region, enabled per account"
        )),
        RegionVerdict::NoBedrock => Report::fail(
            dx::REGION_UNSUPPORTED,
            format!("{region} (from {source}) does not offer Bedrock"),
        ),
        RegionVerdict::Unknown { suggestion } | RegionVerdict::Malformed { suggestion } => {
            let hint = suggestion
                .map(|s| format!("; did you mean {s}?"))
                .unwrap_or_default();
            let report = Report::fail(
                dx::REGION_INVALID,
                format!("`{region}` (from {source}) is not an AWS region{hint}"),
            );
            match suggestion {
                Some(s) => report.var("suggestion", s),
                None => report,
            }
        }
    };
    report.var("region", region).evidence([evidence])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::{assert_summary_names, assert_var, assert_verdict, ok};
    use crate::facts::test_support::{
        facts_with_credentials, sdk_config, settings, test_credentials,
    };
    use crate::{Facts, Status};

    #[test]
    fn names_the_region_a_typo_meant() {
        let report = judge("us-esat-1", "AWS_REGION");
        assert_verdict(&report, Status::Fail, dx::REGION_INVALID);
        assert_summary_names(&report, "did you mean us-east-1?");
        assert_var(&report, "suggestion", "us-east-1");
    }

    #[test]
    fn fails_where_bedrock_is_not_offered() {
        let report = judge("ap-east-1", "--region");
        assert_verdict(&report, Status::Fail, dx::REGION_UNSUPPORTED);
    }

    #[test]
    fn passes_bedrock_regions_and_notes_opt_in() {
        assert_eq!(judge("us-west-2", "profile").status, Status::Pass);
        assert!(judge("me-central-1", "profile").summary.contains("opt-in"));
    }

    #[tokio::test]
    async fn fails_without_a_region() {
        let sdk = sdk_config(Some(test_credentials()), None);
        let facts = Facts::from_parts(
            settings(),
            sdk.clone(),
            aws_sdk_sts::Client::new(&sdk),
            aws_sdk_bedrock::Client::new(&sdk),
        );
        let report = Region.verify(&facts).await;
        assert_verdict(&report, Status::Fail, dx::REGION_MISSING);
        assert_eq!(
            Region.verify(&facts_with_credentials(None)).await.status,
            Status::Pass
        );
    }

    #[tokio::test]
    async fn fails_an_opt_in_region_the_account_has_not_enabled() {
        use aws_smithy_mocks::{mock, mock_client, RuleMode};
        use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
        use aws_smithy_runtime_api::http::StatusCode;
        use aws_smithy_types::body::SdkBody;
        // Bedrock's answer to keys it does not accept
        // (https://github.com/langchain-ai/langchain/issues/19677), as a disabled region sends it.
        let rejected = mock!(aws_sdk_bedrock::Client::list_foundation_models).then_http_response(|| {
            let mut r = HttpResponse::new(
                StatusCode::try_from(403).unwrap(),
                SdkBody::from(r#"{"message":"The security token included in the request is invalid."}"#),
            );
            r.headers_mut().insert("x-amzn-ErrorType", "UnrecognizedClientException:http://internal.amazon.com/coral/com.amazon.coral.service/");
            r
        });
        let works = mock!(aws_sdk_sts::Client::get_caller_identity).then_http_response(|| {
            ok("<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/u</Arn><UserId>AIDA</UserId><Account>123456789012</Account></GetCallerIdentityResult></GetCallerIdentityResponse>")
        });
        let sdk = sdk_config(Some(test_credentials()), Some("me-central-1"));
        let s = crate::Settings {
            region: Some("me-central-1".into()),
            ..settings()
        };
        let facts = Facts::from_parts(
            s,
            sdk,
            mock_client!(aws_sdk_sts, RuleMode::MatchAny, [&works]),
            mock_client!(aws_sdk_bedrock, RuleMode::MatchAny, [&rejected]),
        );
        let report = Region.verify(&facts).await;
        assert_verdict(&report, Status::Fail, dx::REGION_DISABLED);
        assert_var(&report, "region", "me-central-1");
        assert_eq!(works.num_calls(), 1, "confirmed once outside the region");
    }
}
