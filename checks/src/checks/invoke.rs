//! The proof: one minimal call of each kind the app will make, with the model id the app would use.

use super::model_support::{calls_finding_the_model, ModelCheck};
use crate::facts::models::ModelSource;
use crate::{dx, Category, CheckMeta, Facts, Report};

/// **Verifies:** that the model answers: one `InvokeModel` (Anthropic Messages body,
/// `max_tokens` of 1) and one `InvokeModelWithResponseStream` read to its end, with the base
/// model id, or with the region's system inference profile when the catalog says the model runs
/// only through one.
/// Reports latency to the first byte (the first event, for the stream) and tokens.
/// **Calls:** those two; a few input tokens and one output token per call; the first invocation of
/// an Anthropic model also starts the account's Marketplace subscription. A throttled call is
/// retried twice, after 0.5 s and 1 s, before it is reported.
/// **Skips when:** `--no-invoke`, or there is no model under test.
/// **Fails when:** an invocation is refused: the diagnosis of its error (access, Marketplace, IAM,
/// SCP, throttling, model id).
/// **Warns when:** the base id is refused on demand but the region's inference profile answers
/// (`inference-profile-required`).
pub struct Invoke;

impl ModelCheck for Invoke {
    const META: &'static CheckMeta = &CheckMeta {
        id: "invoke",
        title: "Model invocation",
        category: Category::ModelAccess,
        per_model: true,
        per_region: true,
        description:
            "One minimal InvokeModel and one minimal streaming call succeed with the base model id.",
        calls: &calls_finding_the_model::<5>(&[
            "bedrock:InvokeModel",
            "bedrock:InvokeModelWithResponseStream",
        ]),
    };

    const ONLY_INVOKES: bool = true;

    async fn run_on(&self, facts: &Facts, id: String) -> Report {
        let (plain, stream) = tokio::join!(facts.invoke(&id), facts.invoke_stream(&id));
        let evidence: Vec<_> = plain
            .evidence
            .iter()
            .chain(&stream.evidence)
            .cloned()
            .collect();
        let report = match (&plain.result, &stream.result) {
            (Err(e), _) | (Ok(_), Err(e)) => {
                let mut report = e.to_report();
                report.evidence.clear();
                report
            }
            (Ok(p), Ok(s)) => {
                let via = if plain.invoked_id == id {
                    String::new()
                } else {
                    format!(" through {}", plain.invoked_id)
                };
                let summary = format!(
                    "InvokeModel answered in {} ms, the stream's first event after {} ms ({} events){via}",
                    p.first_byte_ms, s.first_byte_ms, s.events
                );
                let user_gave_base_id = matches!(
                    facts.target_model().await.map(|t| t.source),
                    Ok(ModelSource::Flag)
                );
                if plain.invoked_id != id && user_gave_base_id {
                    // It works, but not the way the user's app calls it: the base id is refused on demand.
                    Report::warn(
                        dx::INFERENCE_PROFILE_REQUIRED,
                        format!(
                            "{id} cannot be invoked on demand here; {summary}: use that profile id"
                        ),
                    )
                    .var("profile", plain.invoked_id.clone())
                } else {
                    Report::pass(summary)
                }
            }
        };
        let report = report.var("model_id", id.clone()).evidence(evidence);
        super::model_support::name_usable_ids(facts, &id, report).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::{assert_first_answer, assert_verdict, ok};
    use crate::facts::test_support::facts_with_bedrock_settings;
    use crate::Check;
    use crate::{Settings, Status};
    use aws_smithy_mocks::{mock, mock_client, Rule, RuleMode};
    use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
    use aws_smithy_runtime_api::http::StatusCode;
    use aws_smithy_types::body::SdkBody;

    const HAIKU: &str = "anthropic.claude-3-haiku-20240307-v1:0";

    fn error(status: u16, code: &str, message: &str) -> HttpResponse {
        let body = serde_json::json!({ "message": message }).to_string();
        let mut r = HttpResponse::new(StatusCode::try_from(status).unwrap(), SdkBody::from(body));
        r.headers_mut().insert(
            "x-amzn-ErrorType",
            format!("{code}:http://internal.amazon.com/coral/com.amazon.bedrock/"),
        );
        r.headers_mut()
            .insert("x-amzn-RequestId", "5c2f0d4e-2222-4000-8000-000000000001");
        r
    }

    fn catalog() -> aws_smithy_mocks::Rule {
        mock!(aws_sdk_bedrock::Client::get_foundation_model).then_http_response(|| {
            ok(r#"{"modelDetails":{"modelArn":"arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0","modelId":"anthropic.claude-3-haiku-20240307-v1:0","providerName":"Anthropic","inferenceTypesSupported":["ON_DEMAND"],"responseStreamingSupported":true,"modelLifecycle":{"status":"ACTIVE"}}}"#)
        })
    }

    fn settings(no_invoke: bool) -> Settings {
        Settings {
            models: vec![HAIKU.into()],
            no_invoke,
            ..crate::facts::test_support::settings()
        }
    }

    /// Facts for Haiku (invocations allowed) whose plain and streaming invocations answer by
    /// `invoke` and `stream`.
    fn facts_invoking(invoke: &Rule, stream: &Rule) -> Facts {
        let runtime = mock_client!(aws_sdk_bedrockruntime, RuleMode::MatchAny, [invoke, stream]);
        facts_with_bedrock_settings(settings(false), &[&catalog()]).with_runtime(runtime)
    }

    /// The check with both invocations refused with `status`, `code` and `message`, and the plain
    /// invocation's rule (to count its calls).
    async fn run_refused(status: u16, code: &'static str, message: &'static str) -> (Report, Rule) {
        let invoke = mock!(aws_sdk_bedrockruntime::Client::invoke_model)
            .then_http_response(move || error(status, code, message));
        let stream = mock!(aws_sdk_bedrockruntime::Client::invoke_model_with_response_stream)
            .then_http_response(move || error(status, code, message));
        let facts = facts_invoking(&invoke, &stream);
        (Invoke.run(&facts).await, invoke)
    }

    #[tokio::test]
    async fn skips_without_calling_anything_under_no_invoke() {
        let invoke = mock!(aws_sdk_bedrockruntime::Client::invoke_model)
            .then_http_response(|| error(500, "InternalServerException", "x"));
        let runtime = mock_client!(aws_sdk_bedrockruntime, RuleMode::MatchAny, [&invoke]);
        let facts = facts_with_bedrock_settings(settings(true), &[]).with_runtime(runtime);
        let report = Invoke.run(&facts).await;
        assert_eq!(report.status, Status::Skip);
        assert_eq!(invoke.num_calls(), 0);
    }

    #[tokio::test]
    async fn names_the_denied_action() {
        // Shape of a real IAM denial (AWS IAM user guide, troubleshoot_access-denied).
        let message = "User: arn:aws:iam::123456789012:user/compiler-bedrock is not authorized to perform: bedrock:InvokeModel on resource: arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0 because no identity-based policy allows the bedrock:InvokeModel action";
        let (report, _) = run_refused(403, "AccessDeniedException", message).await;
        assert_verdict(&report, Status::Fail, dx::IAM_ACTION_DENIED);
        assert_first_answer(
            &report,
            Some("AccessDeniedException"),
            "5c2f0d4e-2222-4000-8000-000000000001",
        );
    }

    #[tokio::test]
    async fn retries_throttling_a_bounded_number_of_times_then_reports_an_error() {
        // Real text: https://github.com/kirodotdev/Kiro/issues/8113 and others.
        let (report, invoke) = run_refused(
            429,
            "ThrottlingException",
            "Too many requests, please wait before trying again.",
        )
        .await;
        assert_verdict(&report, Status::Error, dx::THROTTLED);
        assert_eq!(invoke.num_calls(), 3, "three attempts, each recorded");
        let throttled = report
            .evidence
            .iter()
            .filter(|e| e.operation == "InvokeModel" && e.http_status == Some(429))
            .count();
        assert_eq!(throttled, 3);
    }

    fn ok_answer() -> HttpResponse {
        ok(
            r#"{"id":"msg_1","type":"message","role":"assistant","content":[{"type":"text","text":"Hi"}],"usage":{"input_tokens":8,"output_tokens":1}}"#,
        )
    }

    #[tokio::test]
    async fn one_internal_error_is_retried_and_stays_in_the_evidence() {
        // bedrock-runtime's InvokeModel models InternalServerException as HTTP 500 (botocore
        // service-2.json); its documented text: "An internal server error occurred. Retry your request."
        let invoke = mock!(aws_sdk_bedrockruntime::Client::invoke_model)
            .sequence()
            .http_response(|| {
                error(
                    500,
                    "InternalServerException",
                    "An internal server error occurred. Retry your request.",
                )
            })
            .http_response(ok_answer)
            .build();
        let stream = mock!(aws_sdk_bedrockruntime::Client::invoke_model_with_response_stream)
            .then_http_response(|| error(500, "InternalServerException", "x"));
        let facts = facts_invoking(&invoke, &stream);
        let outcome = facts.invoke(HAIKU).await;
        assert!(outcome.result.is_ok(), "{outcome:?}");
        assert_eq!(invoke.num_calls(), 2);
        let statuses: Vec<_> = outcome.evidence.iter().map(|e| e.http_status).collect();
        assert_eq!(statuses, [Some(500), Some(200)], "{outcome:?}");
        assert_eq!(
            outcome.evidence[0].error_code.as_deref(),
            Some("InternalServerException")
        );
    }

    #[tokio::test]
    async fn a_service_quota_exceeded_is_a_quota_verdict_not_retried() {
        // The text bedrock-runtime's model documents for the exception (botocore reference,
        // BedrockRuntime.Client.exceptions.ServiceQuotaExceededException).
        let message = "Your request exceeds the service quota for your account. You can view your quotas at Viewing service quotas. You can resubmit your request later.";
        let (report, invoke) = run_refused(400, "ServiceQuotaExceededException", message).await;
        assert_verdict(&report, Status::Fail, dx::QUOTA_EXCEEDED);
        assert_eq!(invoke.num_calls(), 1, "a quota verdict is not retried");
    }

    #[tokio::test]
    async fn skips_without_credentials() {
        let mut facts = crate::facts::test_support::facts_with_credentials(None);
        facts.replace_settings(settings(false));
        let report = Invoke.run(&facts).await;
        assert_eq!(report.status, Status::Skip, "{report:?}");
        assert!(report.summary.contains("credentials"), "{report:?}");
    }
}
