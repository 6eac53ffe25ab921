//! The model must exist in the region, be in a usable lifecycle state, and be invoked the way the
//! region allows (on demand, or only through an inference profile).

use crate::facts::models::{ModelInfo, ModelSource};
use crate::facts::FactError;
use crate::{dx, Category, Check, CheckMeta, Facts, Report};
use futures::future::BoxFuture;

/// **Inspects:** the model under test: `--model`, or the newest ACTIVE Claude Sonnet the region
/// lists. Recognises an inference-profile id passed as `--model` and tests its base model.
/// **Calls:** `bedrock:ListFoundationModels` (shared), `bedrock:GetFoundationModel`; when the model is
/// missing, `GetFoundationModel` in up to 11 other large Bedrock regions to say where it is offered.
/// **Reports:** lifecycle (`LEGACY` warns `model-legacy`; end of life fails `model-end-of-life`),
/// inference types (on demand, or inference profile only) and streaming support.
/// **False positives:** none known; a model AWS adds to a region after this run appears next run.
pub struct ModelCatalog;

static META: CheckMeta = CheckMeta {
    id: "model-catalog",
    title: "Model catalog",
    category: Category::ModelId,
    per_model: true,
    per_region: true,
    description:
        "The model exists in the region; its lifecycle, inference types and streaming support.",
    calls: &["bedrock:ListFoundationModels", "bedrock:GetFoundationModel"],
};

impl Check for ModelCatalog {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn run<'a>(&'a self, facts: &'a Facts) -> BoxFuture<'a, Report> {
        Box::pin(async move {
            let target = match facts.target_model().await {
                Ok(target) => target,
                Err(err) => return err.to_report(),
            };
            let id = target.model_id.as_str();
            let region = facts.region().unwrap_or("this region").to_string();
            let report = match facts.model_details(id).await {
                Ok((info, evidence)) => {
                    describe(&info, &target.source, &region).evidence([evidence])
                }
                Err(FactError::Call(err)) if err.diagnosis == dx::MODEL_END_OF_LIFE => {
                    err.to_report()
                }
                Err(FactError::Call(err)) if is_not_found(&err) => {
                    let elsewhere = facts.regions_offering(id).await;
                    let summary = if elsewhere.is_empty() {
                        format!("{id} is not offered in {region}, nor in the other regions checked")
                    } else {
                        format!(
                            "{id} is not offered in {region}; it is offered in {}",
                            elsewhere.join(", ")
                        )
                    };
                    let report =
                        Report::fail(dx::MODEL_NOT_IN_REGION, summary).evidence([err.evidence]);
                    match elsewhere.first() {
                        Some(r) => report.var("suggestion", r.clone()),
                        None => report,
                    }
                }
                Err(FactError::Call(err))
                    if matches!(err.diagnosis, dx::IAM_ACTION_DENIED | dx::SCP_EXPLICIT_DENY) =>
                {
                    // GetFoundationModel is not in the guide's policy; the shared list may still show it.
                    match facts.anthropic_models().await {
                        Ok(list) => match list.models.iter().find(|m| m.model_id == id) {
                            Some(info) => describe(info, &target.source, &region)
                                .evidence([err.evidence, list.evidence]),
                            None => err.to_report(),
                        },
                        Err(_) => err.to_report(),
                    }
                }
                Err(err) => err.to_report(),
            };
            super::model_support::name_usable_ids(facts, id, report.var("model_id", id)).await
        })
    }
}

fn is_not_found(err: &crate::calls::CallError) -> bool {
    matches!(
        err.diagnosis,
        dx::MODEL_NOT_IN_REGION | dx::MODEL_ID_INVALID
    ) || err.evidence.error_code.as_deref() == Some("ResourceNotFoundException")
}

fn describe(info: &ModelInfo, source: &ModelSource, region: &str) -> Report {
    let how = match (info.on_demand(), info.profile_only()) {
        (true, _) => "on demand".to_string(),
        (false, true) => "only through an inference profile".to_string(),
        (false, false) => format!("as {}", info.inference_types.join(", ")),
    };
    let streaming = match info.streaming {
        Some(true) => "streaming supported",
        Some(false) => "no streaming",
        None => "streaming unknown",
    };
    let picked = match source {
        ModelSource::Picked => {
            " (picked: newest ACTIVE Claude Sonnet listed; use --model to choose)"
        }
        _ => "",
    };
    let facts = format!(
        "{} in {region}{picked}: {}, invocable {how}, {streaming}",
        info.model_id, info.lifecycle
    );
    if let ModelSource::FlagProfile { profile_id } = source {
        return Report::warn(
            dx::MODEL_ID_INVALID,
            format!("`{profile_id}` is an inference profile id, not a model id; tested its model. {facts}"),
        )
        .var("profile", profile_id.clone());
    }
    if info.lifecycle == "LEGACY" {
        let until = info
            .end_of_life_time
            .as_deref()
            .map(|t| format!(" (end of life {t})"))
            .unwrap_or_default();
        return Report::warn(dx::MODEL_LEGACY, format!("{facts}{until}"));
    }
    Report::pass(facts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::test_support::facts_with_bedrock_settings;
    use crate::{Settings, Status};
    use aws_smithy_mocks::mock;
    use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
    use aws_smithy_runtime_api::http::StatusCode;
    use aws_smithy_types::body::SdkBody;

    fn json(status: u16, error: Option<&str>, body: &'static str) -> HttpResponse {
        let mut r = HttpResponse::new(StatusCode::try_from(status).unwrap(), SdkBody::from(body));
        r.headers_mut()
            .insert("x-amzn-RequestId", "7e8b0d3c-1111-4000-8000-000000000001");
        if let Some(code) = error {
            r.headers_mut().insert(
                "x-amzn-ErrorType",
                format!("{code}:http://internal.amazon.com/coral/com.amazon.bedrock/"),
            );
        }
        r
    }

    const LEGACY: &str = r#"{"modelDetails":{"modelArn":"arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-sonnet-20240229-v1:0","modelId":"anthropic.claude-3-sonnet-20240229-v1:0","providerName":"Anthropic","inferenceTypesSupported":["ON_DEMAND"],"responseStreamingSupported":true,"modelLifecycle":{"status":"LEGACY","endOfLifeTime":"2026-01-30T00:00:00Z"}}}"#;
    const PROFILE_ONLY: &str = r#"{"modelDetails":{"modelArn":"arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0","modelId":"anthropic.claude-sonnet-4-5-20250929-v1:0","providerName":"Anthropic","inferenceTypesSupported":["INFERENCE_PROFILE"],"responseStreamingSupported":true,"modelLifecycle":{"status":"ACTIVE"}}}"#;
    // Real text: aws-samples/amazon-bedrock-ai-karaoke#21.
    const END_OF_LIFE: &str = r#"{"message":"This model version has reached the end of its life. Please refer to the AWS documentation for more details."}"#;

    fn settings(model: &str) -> Settings {
        Settings {
            models: vec![model.into()],
            ..crate::facts::test_support::settings()
        }
    }

    #[tokio::test]
    async fn warns_for_a_legacy_model() {
        let rule = mock!(aws_sdk_bedrock::Client::get_foundation_model)
            .then_http_response(|| json(200, None, LEGACY));
        let facts = facts_with_bedrock_settings(
            settings("anthropic.claude-3-sonnet-20240229-v1:0"),
            &[&rule],
        );
        let report = ModelCatalog.run(&facts).await;
        assert_eq!(
            (report.status, report.diagnosis),
            (Status::Warn, Some(dx::MODEL_LEGACY)),
            "{report:?}"
        );
        assert!(report.summary.contains("2026-01-30"), "{}", report.summary);
    }

    #[tokio::test]
    async fn passes_a_profile_only_model_and_says_so() {
        let rule = mock!(aws_sdk_bedrock::Client::get_foundation_model)
            .then_http_response(|| json(200, None, PROFILE_ONLY));
        let facts = facts_with_bedrock_settings(
            settings("anthropic.claude-sonnet-4-5-20250929-v1:0"),
            &[&rule],
        );
        let report = ModelCatalog.run(&facts).await;
        assert_eq!(report.status, Status::Pass);
        assert!(
            report.summary.contains("only through an inference profile"),
            "{}",
            report.summary
        );
        assert_eq!(
            report.evidence[0].request_id.as_deref(),
            Some("7e8b0d3c-1111-4000-8000-000000000001")
        );
    }

    #[tokio::test]
    async fn fails_for_an_end_of_life_model() {
        let rule = mock!(aws_sdk_bedrock::Client::get_foundation_model)
            .then_http_response(|| json(404, Some("ResourceNotFoundException"), END_OF_LIFE));
        let facts = facts_with_bedrock_settings(settings("anthropic.claude-v2"), &[&rule]);
        let report = ModelCatalog.run(&facts).await;
        assert_eq!(
            (report.status, report.diagnosis),
            (Status::Fail, Some(dx::MODEL_END_OF_LIFE)),
            "{report:?}"
        );
    }

    #[tokio::test]
    async fn explains_a_profile_id_passed_as_model() {
        let rule = mock!(aws_sdk_bedrock::Client::get_foundation_model)
            .then_http_response(|| json(200, None, PROFILE_ONLY));
        // The fix names the profiles that work here, from ListInferenceProfiles.
        let profiles = mock!(aws_sdk_bedrock::Client::list_inference_profiles).then_http_response(|| {
            json(200, None, r#"{"inferenceProfileSummaries":[{"inferenceProfileName":"US Claude Sonnet 4.5","inferenceProfileArn":"arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0","inferenceProfileId":"us.anthropic.claude-sonnet-4-5-20250929-v1:0","status":"ACTIVE","type":"SYSTEM_DEFINED","models":[{"modelArn":"arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0"},{"modelArn":"arn:aws:bedrock:us-west-2::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0"}]}]}"#)
        });
        let facts = facts_with_bedrock_settings(
            settings("us.anthropic.claude-sonnet-4-5-20250929-v1:0"),
            &[&rule, &profiles],
        );
        let report = ModelCatalog.run(&facts).await;
        assert_eq!(
            (report.status, report.diagnosis),
            (Status::Warn, Some(dx::MODEL_ID_INVALID)),
            "{report:?}"
        );
        assert!(report.summary.contains("inference profile id"));
        let works_here = report.vars.get("works_here").cloned().unwrap_or_default();
        assert!(
            works_here.contains(
                "`us.anthropic.claude-sonnet-4-5-20250929-v1:0` (routes to us-east-1, us-west-2)"
            ),
            "{works_here}"
        );
    }

    #[tokio::test]
    async fn fails_a_malformed_id_without_calling_aws() {
        let facts = facts_with_bedrock_settings(settings("claude 3 sonnet"), &[]);
        let report = ModelCatalog.run(&facts).await;
        assert_eq!(
            (report.status, report.diagnosis),
            (Status::Fail, Some(dx::MODEL_ID_INVALID))
        );
    }
}
