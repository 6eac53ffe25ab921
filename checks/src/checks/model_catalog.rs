//! The model must exist in the region, be in a usable lifecycle state, and be invoked the way the
//! region allows (on demand, or only through an inference profile).

use crate::calls::CallError;
use crate::check::Verify;
use crate::facts::model_ids::IdForm;
use crate::facts::models::{is_not_found, split_profile_id, ModelInfo, ModelSource};
use crate::facts::profiles::ProfileInfo;
use crate::facts::FactError;
use crate::{dx, Category, CheckMeta, Evidence, Facts, Report, Status};

/// **Verifies:** that the model under test exists here and is usable: `--model`, or the newest
/// ACTIVE Claude Sonnet the region lists. `--model` may be a base model id, a system inference
/// profile id (any geography prefix) or a system or application inference profile ARN; a profile
/// is confirmed with `GetInferenceProfile` (or the listed system profiles) and its model is the one
/// tested. Reports lifecycle, inference types (on demand, or inference profile only) and streaming
/// support. A model AWS adds to a region after this run appears next run.
/// **Calls:** `bedrock:ListFoundationModels` (shared), `bedrock:GetFoundationModel`,
/// `bedrock:GetInferenceProfile` for a profile; when the model is missing, `GetFoundationModel` in
/// up to 11 other large Bedrock regions to say where it is offered. All free.
/// **Skips when:** a check it needs (`identity`, `region`) did not pass.
/// **Fails when:** the model has reached its end of life (`model-end-of-life`), this region does
/// not know the id (`model-id-invalid`, `inference-profile-not-found` for a profile ARN, the fix
/// naming the closest real ids of the region's catalog) or does not offer the model
/// (`model-not-in-region`), or the catalog may not be read (`iam-action-denied`,
/// `scp-explicit-deny`).
/// **Warns when:** the model is `LEGACY` (`model-legacy`), or its base id is refused on demand and
/// it runs only through an inference profile (`inference-profile-required`).
pub struct ModelCatalog;

impl Verify for ModelCatalog {
    const META: &'static CheckMeta = &CheckMeta {
        id: "model-catalog",
        title: "Model catalog",
        category: Category::ModelId,
        per_model: true,
        per_region: true,
        description:
            "The model exists in the region; its lifecycle, inference types and streaming support.",
        calls: &[
            "bedrock:ListFoundationModels",
            "bedrock:GetFoundationModel",
            "bedrock:GetInferenceProfile",
        ],
    };

    async fn verify(&self, facts: &Facts) -> Report {
        let target = match facts.target_model().await {
            Ok(target) => target,
            Err(FactError::Call(err)) if is_unknown_id(&err) => {
                let given = facts.given_model().unwrap_or_default();
                return unknown_id(facts, &given, err).await;
            }
            Err(err) => return err.to_report(),
        };
        let id = target.model_id.as_str();
        let region = facts.region().unwrap_or("this region").to_string();
        let profile = match &target.source {
            ModelSource::FlagProfile { profile_id } => {
                facts.inference_profile(profile_id).await.ok()
            }
            _ => None,
        };
        let via = profile_text(&target.source, profile.as_ref(), &region);
        let report = match facts.model_details(id).await {
            Ok((info, evidence)) => {
                let mut evidence = vec![evidence];
                evidence.extend(profile.as_ref().map(|(_, e)| e.clone()));
                let report = describe(&info, &target.source, &region, &via);
                if report.status == Status::Pass
                    && target.source == ModelSource::Flag
                    && info.profile_only()
                    && facts.settings().no_invoke
                {
                    // `invoke` says it when it runs; under --no-invoke nothing else would: an
                    // app calling this base id here is refused on demand.
                    Report::warn(
                        dx::INFERENCE_PROFILE_REQUIRED,
                        format!("{}; called by this base id it is refused on demand", report.summary),
                    )
                    .evidence(evidence)
                } else {
                    report.evidence(evidence)
                }
            }
            Err(FactError::Call(err)) if err.diagnosis == dx::MODEL_END_OF_LIFE => {
                err.to_report()
            }
            // The profile exists here; its model may be served only from its destinations.
            Err(FactError::Call(err)) if is_not_found(&err) && profile.is_some() => {
                Report::pass(format!(
                    "{via}; its model {id} is not listed in {region} itself (served from the profile's destinations)"
                ))
                .evidence([err.evidence])
            }
            Err(FactError::Call(err)) if is_not_found(&err) => {
                let elsewhere = facts.regions_offering(id).await;
                if elsewhere.is_empty() {
                    // Offered nowhere the doctor looked: not a model, but a slip of one.
                    let err = CallError {
                        status: Status::Fail,
                        diagnosis: dx::MODEL_ID_INVALID,
                        summary: format!("`{id}` is not a model in {region}, nor in the other regions checked"),
                        evidence: err.evidence,
                    };
                    return unknown_id(facts, id, err).await;
                }
                let summary = format!(
                    "{id} is not offered in {region}; it is offered in {}",
                    elsewhere.join(", ")
                );
                Report::fail(dx::MODEL_NOT_IN_REGION, summary).evidence([err.evidence])
            }
            Err(FactError::Call(err))
                if matches!(err.diagnosis, dx::IAM_ACTION_DENIED | dx::SCP_EXPLICIT_DENY) =>
            {
                // GetFoundationModel is not in the guide's policy; the shared list may still show it.
                match facts.anthropic_models().await {
                    Ok(list) => match list.models.iter().find(|m| m.model_id == id) {
                        Some(info) => describe(info, &target.source, &region, &via)
                            .evidence([err.evidence, list.evidence]),
                        None => err.to_report(),
                    },
                    Err(_) => err.to_report(),
                }
            }
            Err(err) => err.to_report(),
        };
        super::model_support::name_usable_ids(facts, id, report.var("model_id", id)).await
    }
}

fn is_unknown_id(err: &CallError) -> bool {
    matches!(
        err.diagnosis,
        dx::MODEL_ID_INVALID | dx::INFERENCE_PROFILE_NOT_FOUND
    )
}

/// An id this region does not know: the fix names the ids that work here. For a profile whose
/// model exists (a `us.` profile called from Tokyo, a geography the model has no profile in),
/// those are the model's own; otherwise the catalog's closest models, with their profiles.
async fn unknown_id(facts: &Facts, given: &str, err: CallError) -> Report {
    let region = facts.region().unwrap_or("this region").to_string();
    let base = split_profile_id(given)
        .map(|(_, base)| base.to_string())
        .filter(|_| IdForm::of(given).is_profile());
    let listed = match (&base, facts.anthropic_models().await) {
        (Some(base), Ok(list)) => list.models.iter().any(|m| &m.model_id == base),
        _ => false,
    };
    let mut report = Report::fail(err.diagnosis, err.summary);
    if err.evidence != Evidence::default() {
        report = report.evidence([err.evidence]);
    }
    if let (Some(base), true) = (base, listed) {
        let ids = facts.usable_ids(&base).await;
        return report.var("model_id", base).var("works_here", ids);
    }
    let closest = facts.closest_ids(given).await;
    let works_here = if closest.is_empty() {
        format!("No model in {region}'s catalog resembles `{given}`; `bedrock-doctor models --region {region}` lists the ids that work here.")
    } else {
        let ids: Vec<String> = closest.iter().map(|c| c.describe()).collect();
        format!("Closest ids in {region}: {}.", ids.join("; "))
    };
    if let Some(best) = closest.first() {
        report.summary = format!("{}; closest: {}", report.summary, best.model_id);
    }
    report.var("works_here", works_here)
}

/// How a profile given as the model reaches it: "`us.…` (system inference profile, routes to
/// us-east-1, us-east-2, us-west-2)"; empty for a base id.
fn profile_text(
    source: &ModelSource,
    profile: Option<&(ProfileInfo, Evidence)>,
    region: &str,
) -> String {
    let ModelSource::FlagProfile { profile_id } = source else {
        return String::new();
    };
    let Some((info, _)) = profile else {
        return format!("`{profile_id}` (inference profile; not confirmed: the profile could not be read in {region})");
    };
    let kind = if info.kind == "APPLICATION" {
        "application inference profile"
    } else {
        "system inference profile"
    };
    let to = if info.destinations().is_empty() {
        "all commercial regions".to_string()
    } else {
        info.destinations().join(", ")
    };
    format!("`{profile_id}` ({kind} in {region}, routes to {to})")
}

fn describe(info: &ModelInfo, source: &ModelSource, region: &str, via: &str) -> Report {
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
    let mut facts = format!(
        "{} in {region}{picked}: {}, invocable {how}, {streaming}",
        info.model_id, info.lifecycle
    );
    if !via.is_empty() {
        facts = format!("{via}; its model {facts}");
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
    use crate::checks::test_support::{assert_first_answer, assert_summary_names, assert_verdict};
    use crate::facts::test_support::facts_with_bedrock_settings;
    use crate::{Settings, Status};
    use aws_smithy_mocks::{mock, Rule};
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

    /// The check for `model` over a Bedrock answering by `rules`.
    async fn verify_for(model: &str, rules: &[&Rule]) -> Report {
        let settings = Settings {
            models: vec![model.into()],
            ..crate::facts::test_support::settings()
        };
        ModelCatalog
            .verify(&facts_with_bedrock_settings(settings, rules))
            .await
    }

    #[tokio::test]
    async fn warns_for_a_legacy_model() {
        let rule = mock!(aws_sdk_bedrock::Client::get_foundation_model)
            .then_http_response(|| json(200, None, LEGACY));
        let report = verify_for("anthropic.claude-3-sonnet-20240229-v1:0", &[&rule]).await;
        assert_verdict(&report, Status::Warn, dx::MODEL_LEGACY);
        assert_summary_names(&report, "2026-01-30");
    }

    #[tokio::test]
    async fn passes_a_profile_only_model_and_says_so() {
        let rule = mock!(aws_sdk_bedrock::Client::get_foundation_model)
            .then_http_response(|| json(200, None, PROFILE_ONLY));
        let report = verify_for("anthropic.claude-sonnet-4-5-20250929-v1:0", &[&rule]).await;
        assert_eq!(report.status, Status::Pass);
        assert_summary_names(&report, "only through an inference profile");
        assert_first_answer(&report, None, "7e8b0d3c-1111-4000-8000-000000000001");
    }

    #[tokio::test]
    async fn fails_for_an_end_of_life_model() {
        let rule = mock!(aws_sdk_bedrock::Client::get_foundation_model)
            .then_http_response(|| json(404, Some("ResourceNotFoundException"), END_OF_LIFE));
        let report = verify_for("anthropic.claude-v2", &[&rule]).await;
        assert_verdict(&report, Status::Fail, dx::MODEL_END_OF_LIFE);
    }

    const US_SONNET: &str = r#"{"inferenceProfileName":"US Claude Sonnet 4.5","inferenceProfileArn":"arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0","inferenceProfileId":"us.anthropic.claude-sonnet-4-5-20250929-v1:0","status":"ACTIVE","type":"SYSTEM_DEFINED","models":[{"modelArn":"arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0"},{"modelArn":"arn:aws:bedrock:us-west-2::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0"}]}"#;

    #[tokio::test]
    async fn passes_a_profile_id_passed_as_model_and_tests_its_model() {
        let rule = mock!(aws_sdk_bedrock::Client::get_foundation_model)
            .then_http_response(|| json(200, None, PROFILE_ONLY));
        let profile = mock!(aws_sdk_bedrock::Client::get_inference_profile)
            .then_http_response(|| json(200, None, US_SONNET));
        let report = verify_for(
            "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
            &[&rule, &profile],
        )
        .await;
        assert_verdict(&report, Status::Pass, None);
        assert!(
            report.summary.contains("`us.anthropic.claude-sonnet-4-5-20250929-v1:0` (system inference profile in us-east-1, routes to us-east-1, us-west-2)")
                && report.summary.contains("its model anthropic.claude-sonnet-4-5-20250929-v1:0"),
            "{}",
            report.summary
        );
        assert_eq!(profile.num_calls(), 1);
    }

    #[tokio::test]
    async fn a_profile_from_another_geography_fails_naming_the_ids_that_work_here() {
        let missing =
            mock!(aws_sdk_bedrock::Client::get_inference_profile).then_http_response(|| {
                json(
                    404,
                    Some("ResourceNotFoundException"),
                    r#"{"message":"The inference profile does not exist."}"#,
                )
            });
        let list = mock!(aws_sdk_bedrock::Client::list_foundation_models).then_http_response(|| {
            json(200, None, r#"{"modelSummaries":[{"modelArn":"arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0","modelId":"anthropic.claude-sonnet-4-5-20250929-v1:0","modelName":"Claude Sonnet 4.5","providerName":"Anthropic","inferenceTypesSupported":["INFERENCE_PROFILE"],"modelLifecycle":{"status":"ACTIVE"}}]}"#)
        });
        let details = mock!(aws_sdk_bedrock::Client::get_foundation_model)
            .then_http_response(|| json(200, None, PROFILE_ONLY));
        let listed: &'static str =
            Box::leak(format!(r#"{{"inferenceProfileSummaries":[{US_SONNET}]}}"#).into_boxed_str());
        let profiles = mock!(aws_sdk_bedrock::Client::list_inference_profiles)
            .then_http_response(move || json(200, None, listed));
        let report = verify_for(
            "eu.anthropic.claude-sonnet-4-5-20250929-v1:0",
            &[&missing, &list, &details, &profiles],
        )
        .await;
        assert_verdict(&report, Status::Fail, dx::MODEL_ID_INVALID);
        let works_here = report.vars.get("works_here").cloned().unwrap_or_default();
        assert!(
            works_here.contains(
                "`us.anthropic.claude-sonnet-4-5-20250929-v1:0` (routes to us-east-1, us-west-2)"
            ),
            "{works_here}"
        );
    }

    #[tokio::test]
    async fn fails_a_display_name_naming_the_closest_ids() {
        let list = mock!(aws_sdk_bedrock::Client::list_foundation_models).then_http_response(|| {
            json(200, None, r#"{"modelSummaries":[{"modelArn":"arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-sonnet-20240229-v1:0","modelId":"anthropic.claude-3-sonnet-20240229-v1:0","modelName":"Claude 3 Sonnet","providerName":"Anthropic","inferenceTypesSupported":["ON_DEMAND"],"modelLifecycle":{"status":"ACTIVE"}},{"modelArn":"arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0","modelId":"anthropic.claude-3-haiku-20240307-v1:0","modelName":"Claude 3 Haiku","providerName":"Anthropic","inferenceTypesSupported":["ON_DEMAND"],"modelLifecycle":{"status":"ACTIVE"}}]}"#)
        });
        let profiles = mock!(aws_sdk_bedrock::Client::list_inference_profiles)
            .then_http_response(|| json(200, None, r#"{"inferenceProfileSummaries":[]}"#));
        let report = verify_for("claude 3 sonnet", &[&list, &profiles]).await;
        assert_verdict(&report, Status::Fail, dx::MODEL_ID_INVALID);
        let works_here = report.vars.get("works_here").cloned().unwrap_or_default();
        assert!(
            works_here.starts_with("Closest ids in us-east-1: `anthropic.claude-3-sonnet-20240229-v1:0` (Claude 3 Sonnet; on demand)"),
            "{works_here}"
        );
    }
}
