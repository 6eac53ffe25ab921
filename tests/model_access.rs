//! End-to-end: the model-access checks (model-catalog, model-access, use-case, marketplace,
//! iam-permissions, invoke, prompt-caching) against one stub scenario per account state.

mod support;

use serde_json::Value;
use support::{assert_check, assert_invoke_retried_after, check, evidence, Bed};

/// On demand in the stub, so invoked with its base id.
const HAIKU: &str = "anthropic.claude-3-haiku-20240307-v1:0";
/// Only through an inference profile in the stub (`us.` from us-east-1).
const SONNET_4_5: &str = "anthropic.claude-sonnet-4-5-20250929-v1:0";

fn summary<'a>(report: &'a Value, id: &str) -> &'a str {
    check(report, id)["summary"].as_str().unwrap_or_default()
}

#[test]
fn healthy_account_passes_every_model_check_with_request_ids() {
    let bed = Bed::new("healthy");
    let (run, report) = bed.report(&[]);
    run.assert_code(0);
    let passing = [
        "model-catalog",
        "model-access",
        "use-case",
        "marketplace",
        "invoke",
        "prompt-caching",
    ];
    for id in passing {
        assert_check(&report, id, "pass", None);
        assert!(
            evidence(&report, id)
                .iter()
                .any(|e| e["request_id"].is_string()),
            "check `{id}` has no evidence with a request id\n{report:#}"
        );
    }
    // moto has no iam:SimulatePrincipalPolicy, and nothing proves the Marketplace actions.
    assert_check(&report, "iam-permissions", "skip", None);
    let iam = summary(&report, "iam-permissions");
    assert!(
        iam.contains("proven") && iam.contains("unknown"),
        "{report:#}"
    );
}

/// The stub's IAM plays `SimulatePrincipalPolicy` (moto answers it with a 500): its answer goes
/// through the SDK's IAM client and the check's verdict, allowed and denied.
#[test]
fn iam_permissions_reads_the_simulators_decisions_from_the_stub() {
    let mut bed = Bed::new("healthy");
    let url = bed.stub.url();
    bed.set("AWS_ENDPOINT_URL_IAM", url);
    let (run, report) = bed.report(&[]);
    run.assert_code(0);
    assert_check(&report, "iam-permissions", "pass", None);
    assert!(
        summary(&report, "iam-permissions").contains("simulator allows all"),
        "{report:#}"
    );
    let simulated: Vec<_> = bed
        .stub
        .calls()
        .into_iter()
        .filter(|c| c.operation == "SimulatePrincipalPolicy")
        .collect();
    assert!(
        !simulated.is_empty()
            && simulated
                .iter()
                .all(|c| c.service == "iam" && c.status == 200),
        "{simulated:#?}"
    );

    let mut scenario = testbed::Scenario::load("healthy");
    scenario
        .iam_decisions
        .insert("bedrock:InvokeModel".into(), "explicitDeny".into());
    let mut bed = Bed::from_scenario(scenario);
    let url = bed.stub.url();
    bed.set("AWS_ENDPOINT_URL_IAM", url);
    let (run, report) = bed.report(&[]);
    run.assert_code(1);
    assert_check(
        &report,
        "iam-permissions",
        "fail",
        Some("iam-action-denied"),
    );
    assert!(
        summary(&report, "iam-permissions").contains("bedrock:InvokeModel"),
        "{report:#}"
    );
}

#[test]
fn model_missing_in_the_region_names_a_region_that_offers_it() {
    let bed = Bed::new("model_not_in_region");
    let (run, report) = bed.report(&["--model", HAIKU]);
    run.assert_code(1);
    assert_check(
        &report,
        "model-catalog",
        "fail",
        Some("model-not-in-region"),
    );
    assert!(
        summary(&report, "model-catalog").contains("us-west-2"),
        "{report:#}"
    );
    let calls = bed.stub.calls();
    assert!(
        calls.iter().any(|c| c.operation == "GetFoundationModel"
            && c.region.as_deref() == Some("us-west-2")
            && c.status == 200),
        "other regions were asked: {calls:#?}"
    );
}

#[test]
fn legacy_model_warns() {
    let bed = Bed::new("legacy_model");
    let (run, report) = bed.report(&["--model", HAIKU]);
    run.assert_code(0);
    assert_check(&report, "model-catalog", "warn", Some("model-legacy"));
    assert!(
        summary(&report, "model-catalog").contains("2026-07-15"),
        "the end-of-life date is shown\n{report:#}"
    );
    assert_check(&report, "invoke", "pass", None);
}

#[test]
fn use_case_form_missing_fails_use_case_and_invoke() {
    let bed = Bed::new("use_case_missing");
    let (run, report) = bed.report(&[]);
    run.assert_code(1);
    assert_check(&report, "use-case", "fail", Some("use-case-not-submitted"));
    assert_check(&report, "invoke", "fail", Some("use-case-not-submitted"));
}

#[test]
fn use_case_mentioning_claude_warns() {
    let bed = Bed::new("use_case_mentions_claude");
    let (run, report) = bed.report(&[]);
    run.assert_code(0);
    assert_check(
        &report,
        "use-case",
        "warn",
        Some("use-case-mentions-claude"),
    );
}

#[test]
fn missing_marketplace_permission_fails_marketplace_and_invoke() {
    let bed = Bed::new("marketplace_permission_missing");
    let (run, report) = bed.report(&[]);
    run.assert_code(1);
    assert_check(
        &report,
        "marketplace",
        "fail",
        Some("marketplace-permission-missing"),
    );
    assert_check(
        &report,
        "invoke",
        "fail",
        Some("marketplace-permission-missing"),
    );
}

#[test]
fn pending_subscription_warns_in_model_access_and_marketplace() {
    let bed = Bed::new("subscription_pending");
    let (run, report) = bed.report(&[]);
    run.assert_code(0);
    assert_check(
        &report,
        "model-access",
        "warn",
        Some("marketplace-subscription-pending"),
    );
    assert_check(
        &report,
        "marketplace",
        "warn",
        Some("marketplace-subscription-pending"),
    );
}

#[test]
fn iam_denying_invoke_fails_invoke_and_iam_permissions() {
    let bed = Bed::new("iam_denies_invoke");
    let (run, report) = bed.report(&["--model", HAIKU]);
    run.assert_code(1);
    assert_check(&report, "invoke", "fail", Some("iam-action-denied"));
    assert_check(
        &report,
        "iam-permissions",
        "fail",
        Some("iam-action-denied"),
    );
    assert!(
        summary(&report, "iam-permissions").contains("bedrock:InvokeModel"),
        "{report:#}"
    );
}

#[test]
fn iam_denying_only_the_stream_names_only_the_stream() {
    let bed = Bed::new("iam_denies_stream");
    let (run, report) = bed.report(&["--model", HAIKU]);
    run.assert_code(1);
    assert_check(&report, "invoke", "fail", Some("iam-action-denied"));
    assert_check(
        &report,
        "iam-permissions",
        "fail",
        Some("iam-action-denied"),
    );
    let iam = summary(&report, "iam-permissions");
    assert!(
        iam.contains("bedrock:InvokeModelWithResponseStream"),
        "{report:#}"
    );
    assert!(
        !iam.replace("bedrock:InvokeModelWithResponseStream", "")
            .contains("bedrock:InvokeModel"),
        "bedrock:InvokeModel was allowed, yet the summary names it: {iam}"
    );
}

#[test]
fn profile_only_model_works_through_its_profile_and_warns() {
    let bed = Bed::new("healthy");
    let (run, report) = bed.report(&["--model", SONNET_4_5]);
    run.assert_code(0);
    assert_check(
        &report,
        "invoke",
        "warn",
        Some("inference-profile-required"),
    );
    assert!(
        summary(&report, "invoke").contains(&format!("us.{SONNET_4_5}")),
        "the summary names the profile\n{report:#}"
    );
}

#[test]
fn on_demand_refusal_of_the_base_id_fails_invoke() {
    let bed = Bed::new("on_demand_refused");
    let (run, report) = bed.report(&["--model", SONNET_4_5]);
    run.assert_code(1);
    assert_check(
        &report,
        "invoke",
        "fail",
        Some("inference-profile-required"),
    );
}

#[test]
fn one_throttled_call_is_retried_and_shown() {
    assert_invoke_retried_after("throttled_once", 429, "ThrottlingException");
}

#[test]
fn constant_throttling_is_an_error_not_an_access_failure() {
    let bed = Bed::new("throttled_always");
    let (run, report) = bed.report(&[]);
    run.assert_code(1);
    assert_check(&report, "invoke", "error", Some("throttled"));
    assert_ne!(
        check(&report, "model-access")["status"],
        "fail",
        "throttling says nothing about access\n{report:#}"
    );
    let attempts: Vec<&Value> = evidence(&report, "invoke")
        .iter()
        .filter(|e| e["operation"] == "InvokeModel")
        .collect();
    assert!(
        attempts.len() > 1 && attempts.iter().all(|e| e["http_status"] == 429),
        "every retry is in the evidence\n{report:#}"
    );
}

#[test]
fn refused_cache_checkpoint_warns_prompt_caching_only() {
    let bed = Bed::new("prompt_caching_unsupported");
    let (run, report) = bed.report(&[]);
    run.assert_code(0);
    assert_check(
        &report,
        "prompt-caching",
        "warn",
        Some("prompt-caching-unsupported"),
    );
    assert_check(&report, "invoke", "pass", None);
    // The plain call succeeded; only the request carrying the checkpoint was refused.
    assert!(
        evidence(&report, "invoke")
            .iter()
            .any(|e| e["operation"] == "InvokeModel" && e["http_status"] == 200),
        "{report:#}"
    );
    assert!(
        evidence(&report, "prompt-caching").iter().any(|e| {
            e["operation"] == "InvokeModel"
                && e["http_status"] == 400
                && e["error_code"] == "ValidationException"
        }),
        "{report:#}"
    );
}

#[test]
fn no_invoke_sends_nothing_to_the_runtime() {
    let bed = Bed::new("healthy");
    let (run, report) = bed.report(&["--no-invoke"]);
    run.assert_code(0);
    assert_check(&report, "invoke", "skip", None);
    assert_check(&report, "prompt-caching", "skip", None);
    let calls = bed.stub.calls();
    assert!(
        calls.iter().all(|c| c.service != "bedrock-runtime"),
        "{calls:#?}"
    );
}
