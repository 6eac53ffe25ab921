//! New accounts often get applied quotas far below the AWS defaults: a tokens-per-day quota spent on
//! the first day (minorun365/agent-book#29), 20,000 tokens per minute that make a coding tool
//! unusable (RooCodeInc/Roo-Code#3000). The throttling that follows reads like an outage.

mod increase;

use super::model_support::{calls_finding_the_model, model_or_skip};
use crate::check::Verify;
use crate::facts::quota_routes::{catalog_info, route_of, QuotaRoute};
use crate::facts::quotas::{governing, model_keys, Applied, Governing, Measure, Route};
use crate::facts::FactError;
use crate::{dx, Category, CheckMeta, Facts, Report, Status};
use increase::{increases, number, phrase};

/// **Verifies:** that the applied Service Quotas values of the quotas governing the model under
/// test in the configured region (tokens per minute, tokens per day, requests per minute) are not
/// below the AWS defaults.
///
/// Which quotas count depends on the route the calls take (see
/// [`crate::facts::quota_routes::route_of`]). Bedrock quotas carry the model in their name
/// ("Cross-region model inference tokens per minute for Anthropic Claude Sonnet 4.5 V1",
/// "On-demand InvokeModel tokens per minute for Anthropic Claude 3 Haiku", "Model invocation max
/// tokens per day for … (doubled for cross-region calls)"); their codes differ per model and are not
/// published as a table. A name is split into its route words, its measure and its model, and the
/// model part must spell this model exactly: the same words as the catalog name
/// (`Claude Sonnet 4.5`) or as the id (`claude-sonnet-4-5-20250929-v1:0` → `claude sonnet 4.5`), in
/// any order, the provider's word dropped, and the same version (`V2`; unsaid means 1). So
/// `Claude 3.5 Sonnet` (V1) is not `Claude 3.5 Sonnet V2`, and the `… 1M Context Length` variant,
/// which counts only requests with the 1M-context beta, is not the model. Both naming generations
/// ("model inference" and "InvokeModel") are read, and the account-wide "Cross-Model Max Tokens Per
/// Day" counts for every model. AWS documents the defaults per region and may change them: the
/// check compares with what `ListAWSDefaultServiceQuotas` says today, not with a table of its own.
///
/// **Calls:** `servicequotas:ListServiceQuotas` and `servicequotas:ListAWSDefaultServiceQuotas`
/// (every page, free); the shared model catalog and profile list.
///
/// **Skips when:** no model is under test, the model's inference types are unknown, the caller may
/// not read Service Quotas (what was not verified is named), Service Quotas lists no quota of the
/// model for the route, or a value it governs could not be read.
///
/// **Fails when:** never: a quota below its default slows calls down, it does not refuse them.
///
/// **Warns when:** a tokens-per-minute or tokens-per-day quota is applied below its default
/// (`quota-below-default`, naming the quota, its code and the request command). Requests per
/// minute are shown but never warn: AWS no longer enforces RPM quotas on the bedrock-runtime
/// endpoint (<https://docs.aws.amazon.com/bedrock/latest/userguide/quotas-runtime.html>).
pub struct Quotas;

impl Verify for Quotas {
    const META: &'static CheckMeta = &CheckMeta {
        id: "quotas",
        title: "Service quotas",
        category: Category::QuotaThrottling,
        per_model: true,
        per_region: true,
        description:
            "The applied Service Quotas values that govern the model are not below the AWS defaults.",
        calls: &calls_finding_the_model::<5>(&[
            "servicequotas:ListServiceQuotas",
            "servicequotas:ListAWSDefaultServiceQuotas",
        ]),
    };

    async fn verify(&self, facts: &Facts) -> Report {
        // The quota lists do not depend on the model: they are paged (one round trip per
        // page, each needing the previous page's token), so they are read while the model,
        // its catalog entry and its route are worked out, not after.
        let model = async {
            let id = model_or_skip(facts).await?;
            let info = catalog_info(facts, &id).await;
            let Some(QuotaRoute { route, via }) = route_of(facts, &id, info.as_ref()).await else {
                return Err(Report::skip(
                    "needs `model-catalog` to pass first (the model's inference types are unknown)",
                ));
            };
            Ok::<_, Report>((id, info, route, via))
        };
        let (lists, model) = tokio::join!(facts.bedrock_quotas(), model);
        let (id, info, route, via) = match model {
            Ok(found) => found,
            Err(report) => return report,
        };
        let label = info
            .as_ref()
            .and_then(|i| i.model_name.clone())
            .unwrap_or_else(|| id.clone());
        let lists = match lists {
            Ok(lists) => lists,
            Err(err) => return not_read(err, &label),
        };
        let keys = model_keys(&id, info.as_ref().and_then(|i| i.model_name.as_deref()));
        let found = governing(&lists, &keys, route);
        let region = facts.region().unwrap_or("the configured region");
        let report = verdict(&found, route, &via, &label, region);
        let report = match report.diagnosis {
            Some(dx::QUOTA_BELOW_DEFAULT) => {
                let tpm = governing(&lists, &keys, Route::CrossRegion)
                    .into_iter()
                    .find(|g| g.measure == Measure::TokensPerMinute && g.default.is_some());
                report.var("quota_increases", increases(&found, tpm.as_ref(), region))
            }
            _ => report,
        };
        report.var("model_id", id).evidence(lists.evidence)
    }
}

/// The report when the quota lists could not be read: never a verdict on Bedrock access.
fn not_read(err: FactError, label: &str) -> Report {
    let e = match err {
        FactError::Call(e) => e,
        needs => return needs.to_report(),
    };
    let code = e.evidence.error_code.clone();
    let denied = code.as_deref() == Some("AccessDeniedException")
        || matches!(e.diagnosis, dx::IAM_ACTION_DENIED | dx::SCP_EXPLICIT_DENY);
    let summary = if denied {
        format!(
            "the applied quotas of {label} are not verified: Service Quotas refused {} ({}); {}",
            e.evidence.operation,
            code.as_deref().unwrap_or(e.diagnosis),
            phrase("quotas_unreadable")
        )
    } else if code.as_deref() == Some("NoSuchResourceException") {
        format!(
            "the applied quotas of {label} are not verified: Service Quotas has no Amazon Bedrock quotas in this region ({} answered NoSuchResourceException)",
            e.evidence.operation
        )
    } else if e.is_credentials_problem() {
        format!("needs `identity` to pass first ({})", e.diagnosis)
    } else if e.status == Status::Fail {
        format!(
            "the applied quotas of {label} are not verified: {}",
            e.summary
        )
    } else {
        // Throttling, 5xx, timeouts, garbled answers: inconclusive, reported as the call's error.
        return e.to_report();
    };
    Report::skip(summary).evidence([e.evidence])
}

fn applied_text(g: &Governing) -> String {
    match (&g.applied, g.default) {
        (Applied::Value(v), Some(d)) if *v == d => format!("{} (the default)", number(d)),
        (Applied::Value(v), Some(d)) => format!("{} (default {})", number(*v), number(d)),
        (Applied::Value(v), None) => format!("{} (default not listed)", number(*v)),
        (Applied::Default, Some(d)) => format!("{} (the default)", number(d)),
        (Applied::Default, None) => "not listed".into(),
        (Applied::Unreadable(why), _) => format!("not readable ({why})"),
    }
}

fn verdict(found: &[Governing], route: Route, via: &str, label: &str, region: &str) -> Report {
    let route_name = route.describe();
    if found.is_empty() {
        return Report::skip(format!(
            "Service Quotas lists no {route_name} quota of {label} in {region}: its quotas are not verified"
        ));
    }
    // Requests per minute are shown, never judged: AWS no longer enforces them on bedrock-runtime.
    let judged: Vec<&Governing> = found
        .iter()
        .filter(|g| g.measure != Measure::RequestsPerMinute)
        .collect();
    let rpm = found
        .iter()
        .filter(|g| g.measure == Measure::RequestsPerMinute)
        .map(applied_text)
        .collect::<Vec<_>>();
    let rpm_note = if rpm.is_empty() {
        String::new()
    } else {
        format!(
            "; requests per minute {}, not judged: bedrock-runtime no longer enforces them",
            rpm.join(", ")
        )
    };
    let below: Vec<&&Governing> = judged
        .iter()
        .filter(|g| g.below_default().is_some())
        .collect();
    if !below.is_empty() {
        let list: Vec<String> = below
            .iter()
            .map(|g| format!("\"{}\" ({}) {}", g.name, g.code, applied_text(g)))
            .collect();
        return Report::warn(
            dx::QUOTA_BELOW_DEFAULT,
            format!(
                "{} {route_name} quota{} of {label} ({via}) below the AWS default: {}{rpm_note}",
                below.len(),
                if below.len() == 1 { "" } else { "s" },
                list.join("; ")
            ),
        );
    }
    let shown: Vec<String> = judged
        .iter()
        .map(|g| format!("{} {}", g.measure.describe(), applied_text(g)))
        .collect();
    let verified = |g: &&Governing| {
        g.default.is_some() && matches!(g.applied, Applied::Value(_) | Applied::Default)
    };
    if judged.is_empty() || !judged.iter().all(verified) {
        return Report::skip(format!(
            "{route_name} quotas of {label} ({via}) not all verified: {}{rpm_note}",
            if shown.is_empty() {
                "no tokens-per-minute or tokens-per-day quota listed".to_string()
            } else {
                shown.join(", ")
            }
        ));
    }
    Report::pass(format!(
        "{route_name} quotas of {label} ({via}) at or above the AWS defaults: {}{rpm_note}",
        shown.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::{assert_summary_names, assert_verdict};
    use crate::facts::test_support::{facts_with_bedrock_settings, settings};
    use crate::Settings;
    use aws_smithy_mocks::{mock, mock_client, Rule, RuleMode};
    use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
    use aws_smithy_runtime_api::http::StatusCode;
    use aws_smithy_types::body::SdkBody;

    const SONNET: &str = "anthropic.claude-sonnet-4-5-20250929-v1:0";
    const TPM: &str =
        "Cross-region model inference tokens per minute for Anthropic Claude Sonnet 4.5 V1";
    const TPD: &str = "Model invocation max tokens per day for Anthropic Claude Sonnet 4.5 V1 (doubled for cross-region calls)";
    const RPM: &str =
        "Cross-region model inference requests per minute for Anthropic Claude Sonnet 4.5 V1";

    fn response(status: u16, body: String) -> HttpResponse {
        let mut r = HttpResponse::new(StatusCode::try_from(status).unwrap(), SdkBody::from(body));
        r.headers_mut()
            .insert("Content-Type", "application/x-amz-json-1.1");
        r.headers_mut()
            .insert("x-amzn-RequestId", "5b1f6c0e-7a2d-4c3b-9e8f-000000000042");
        r
    }

    fn entry(code: &str, name: &str, value: f64, adjustable: bool) -> serde_json::Value {
        serde_json::json!({"ServiceCode": "bedrock", "ServiceName": "Amazon Bedrock", "QuotaCode": code,
            "QuotaArn": format!("arn:aws:servicequotas:us-east-1:111122223333:bedrock/{code}"),
            "QuotaName": name, "Value": value, "Unit": "None", "Adjustable": adjustable, "GlobalQuota": false})
    }

    fn page(quotas: Vec<serde_json::Value>, next: Option<&str>) -> String {
        let mut body = serde_json::json!({ "Quotas": quotas });
        if let Some(token) = next {
            body["NextToken"] = token.into();
        }
        body.to_string()
    }

    /// Service Quotas answering the applied quotas with one page holding `quotas`.
    fn applied_page(quotas: Vec<serde_json::Value>) -> Rule {
        mock!(aws_sdk_servicequotas::Client::list_service_quotas)
            .then_http_response(move || response(200, page(quotas.clone(), None)))
    }

    fn default_list() -> Vec<serde_json::Value> {
        vec![
            entry("L-F4DDD3EB", TPM, 5_000_000.0, true),
            entry("L-381AD9EE", TPD, 7_200_000_000.0, false),
            entry("L-4A6BFAB1", RPM, 10_000.0, true),
        ]
    }

    fn catalog_rules() -> Vec<Rule> {
        let details = serde_json::json!({"modelDetails": {"modelArn": format!("arn:aws:bedrock:us-east-1::foundation-model/{SONNET}"),
            "modelId": SONNET, "modelName": "Claude Sonnet 4.5", "providerName": "Anthropic",
            "inferenceTypesSupported": ["INFERENCE_PROFILE"], "responseStreamingSupported": true,
            "modelLifecycle": {"status": "ACTIVE"}}})
        .to_string();
        let profiles = serde_json::json!({"inferenceProfileSummaries": [{"inferenceProfileName": "US Claude Sonnet 4.5",
            "inferenceProfileArn": format!("arn:aws:bedrock:us-east-1:111122223333:inference-profile/us.{SONNET}"),
            "inferenceProfileId": format!("us.{SONNET}"), "status": "ACTIVE", "type": "SYSTEM_DEFINED",
            "models": [{"modelArn": format!("arn:aws:bedrock:us-east-1::foundation-model/{SONNET}")}]},
            {"inferenceProfileName": "Global Claude Sonnet 4.5",
            "inferenceProfileArn": format!("arn:aws:bedrock:us-east-1:111122223333:inference-profile/global.{SONNET}"),
            "inferenceProfileId": format!("global.{SONNET}"), "status": "ACTIVE", "type": "SYSTEM_DEFINED",
            "models": [{"modelArn": format!("arn:aws:bedrock:::foundation-model/{SONNET}")}]}]})
        .to_string();
        vec![
            mock!(aws_sdk_bedrock::Client::get_foundation_model)
                .then_http_response(move || response(200, details.clone())),
            mock!(aws_sdk_bedrock::Client::list_inference_profiles)
                .then_http_response(move || response(200, profiles.clone())),
        ]
    }

    async fn run_with(quota_rules: &[&Rule], s: Settings) -> Report {
        let catalog = catalog_rules();
        let refs: Vec<&Rule> = catalog.iter().collect();
        let sq = mock_client!(
            aws_sdk_servicequotas,
            RuleMode::MatchAny,
            quota_rules.iter().copied()
        );
        let facts = facts_with_bedrock_settings(s, &refs).with_servicequotas(sq);
        Quotas.verify(&facts).await
    }

    /// The check for Claude Sonnet 4.5 over Service Quotas answering the applied quotas by
    /// `applied` and the defaults with [`default_list`].
    async fn run_at_defaults(applied: &[&Rule]) -> Report {
        let defaults = mock!(aws_sdk_servicequotas::Client::list_aws_default_service_quotas)
            .then_http_response(|| response(200, page(default_list(), None)));
        let mut rules = applied.to_vec();
        rules.push(&defaults);
        run_with(&rules, sonnet()).await
    }

    fn sonnet() -> Settings {
        Settings {
            models: vec![SONNET.into()],
            ..settings()
        }
    }

    #[tokio::test]
    async fn warns_on_an_applied_quota_below_default_across_pages() {
        // The applied list comes in two pages; only the first page holds the lowered quota.
        let first = mock!(aws_sdk_servicequotas::Client::list_service_quotas)
            .match_requests(|i| i.next_token().is_none() && i.service_code() == Some("bedrock"))
            .then_http_response(|| {
                response(
                    200,
                    page(
                        vec![entry("L-F4DDD3EB", TPM, 4_000.0, true)],
                        Some("cGFnZTI="),
                    ),
                )
            });
        let second = mock!(aws_sdk_servicequotas::Client::list_service_quotas)
            .match_requests(|i| i.next_token() == Some("cGFnZTI="))
            .then_http_response(|| {
                response(200, page(vec![entry("L-4A6BFAB1", RPM, 4.0, true)], None))
            });
        let report = run_at_defaults(&[&first, &second]).await;
        assert_verdict(&report, Status::Warn, dx::QUOTA_BELOW_DEFAULT);
        assert_summary_names(&report, "L-F4DDD3EB");
        assert_summary_names(&report, "4,000 (default 5,000,000)");
        assert_summary_names(&report, "through us.anthropic");
        // The requests-per-minute quota is shown, not judged; the daily one runs at its default.
        assert_summary_names(
            &report,
            "requests per minute 4 (default 10,000), not judged",
        );
        assert!(!report.summary.contains("L-381AD9EE"), "{}", report.summary);
        let fix = &report.vars["quota_increases"];
        assert!(
            fix.contains("aws service-quotas request-service-quota-increase --service-code bedrock --quota-code L-F4DDD3EB --desired-value 5000001 --region us-east-1"),
            "{fix}"
        );
        assert!(fix.contains(TPM), "{fix}");
        assert_eq!(report.evidence.len(), 3, "every page is evidence");
        assert!(report.evidence.iter().all(|e| e.request_id.is_some()));
    }

    #[tokio::test]
    async fn a_lowered_daily_quota_points_to_the_cross_region_request() {
        let applied = applied_page(vec![entry("L-381AD9EE", TPD, 144_000_000.0, false)]);
        let report = run_at_defaults(&[&applied]).await;
        assert_eq!(
            report.diagnosis,
            Some(dx::QUOTA_BELOW_DEFAULT),
            "{report:?}"
        );
        let fix = &report.vars["quota_increases"];
        assert!(fix.contains("not adjustable"), "{fix}");
        assert!(
            fix.contains("--quota-code L-F4DDD3EB --desired-value 5000001"),
            "{fix}"
        );
    }

    #[tokio::test]
    async fn passes_at_the_defaults() {
        let applied = applied_page(default_list());
        let report = run_at_defaults(&[&applied]).await;
        assert_eq!(report.status, Status::Pass, "{report:?}");
        assert_summary_names(&report, "tokens per minute 5,000,000 (the default)");
    }

    #[tokio::test]
    async fn skips_when_service_quotas_is_denied() {
        let denied = mock!(aws_sdk_servicequotas::Client::list_service_quotas).then_http_response(|| {
            response(400, r#"{"__type":"com.amazonaws.servicequotas#AccessDeniedException","message":"User: arn:aws:iam::111122223333:user/dev is not authorized to perform: servicequotas:ListServiceQuotas because no identity-based policy allows the servicequotas:ListServiceQuotas action"}"#.into())
        });
        let report = run_at_defaults(&[&denied]).await;
        assert_verdict(&report, Status::Skip, None);
        assert_summary_names(&report, "not verified");
        assert_summary_names(&report, "AccessDeniedException");
        assert_eq!(report.evidence[0].operation, "ListServiceQuotas");
    }

    #[tokio::test]
    async fn throttling_is_an_error_not_a_verdict() {
        let throttled = mock!(aws_sdk_servicequotas::Client::list_service_quotas)
            .then_http_response(|| {
                response(
                    400,
                    r#"{"__type":"TooManyRequestsException","message":"Rate exceeded"}"#.into(),
                )
            });
        let report = run_at_defaults(&[&throttled]).await;
        assert_verdict(&report, Status::Error, dx::THROTTLED);
    }

    #[tokio::test]
    async fn an_answer_without_a_list_or_an_endless_token_is_unexpected() {
        let empty = mock!(aws_sdk_servicequotas::Client::list_service_quotas)
            .then_http_response(|| response(200, "{}".into()));
        let report = run_at_defaults(&[&empty]).await;
        assert_eq!(
            report.diagnosis,
            Some(dx::UNEXPECTED_RESPONSE),
            "{report:?}"
        );
        let applied = applied_page(default_list());
        let looping = mock!(aws_sdk_servicequotas::Client::list_aws_default_service_quotas)
            .then_http_response(|| response(200, page(Vec::new(), Some("c2FtZQ=="))));
        let report = run_with(&[&applied, &looping], sonnet()).await;
        assert_eq!(
            report.diagnosis,
            Some(dx::UNEXPECTED_RESPONSE),
            "{report:?}"
        );
        assert_summary_names(&report, "same NextToken");
    }

    #[tokio::test]
    async fn a_named_global_profile_is_judged_by_the_global_quotas() {
        let global = "Global cross-region model inference tokens per minute for Anthropic Claude Sonnet 4.5 V1";
        let applied = mock!(aws_sdk_servicequotas::Client::list_service_quotas).then_http_response(
            move || {
                response(
                    200,
                    page(
                        vec![
                            entry("L-27C57EE8", global, 0.0, true),
                            entry("L-F4DDD3EB", TPM, 4_000.0, true),
                        ],
                        None,
                    ),
                )
            },
        );
        let defaults = mock!(aws_sdk_servicequotas::Client::list_aws_default_service_quotas)
            .then_http_response(move || {
                let mut all = default_list();
                all.push(entry("L-27C57EE8", global, 1_000_000.0, true));
                response(200, page(all, None))
            });
        let s = Settings {
            models: vec![format!("global.{SONNET}")],
            ..settings()
        };
        let report = run_with(&[&applied, &defaults], s).await;
        assert_eq!(
            report.diagnosis,
            Some(dx::QUOTA_BELOW_DEFAULT),
            "{report:?}"
        );
        assert_summary_names(&report, "L-27C57EE8");
        // The geographic quota is not the global route's.
        assert!(!report.summary.contains("L-F4DDD3EB"), "{}", report.summary);
    }
}
