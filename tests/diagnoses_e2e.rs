//! End-to-end: diagnoses a check can give that no other end-to-end test asserted, one stub
//! scenario each, run through the real binary. Each test asserts the check's status, its
//! diagnosis code and that the fix names the concrete next step (the model, the region, the
//! console page), so a check that drifts to another verdict, or advice that loses its specifics,
//! turns a test red.

mod support;

use serde_json::Value;
use support::{assert_check, check, Bed};

/// On demand in the stub (invoked with its base id) and sold through AWS Marketplace.
const HAIKU: &str = "anthropic.claude-3-haiku-20240307-v1:0";
/// LEGACY and on demand in the stub's catalog; `model_end_of_life` retires it at the runtime.
const SONNET_3_5_V2: &str = "anthropic.claude-3-5-sonnet-20241022-v2:0";

fn text<'a>(report: &'a Value, id: &str, field: &str) -> &'a str {
    check(report, id)[field].as_str().unwrap_or_default()
}

/// The check's fix contains every one of `needles`.
fn assert_fix_names(report: &Value, id: &str, needles: &[&str]) {
    let fix = text(report, id, "fix");
    for needle in needles {
        assert!(
            fix.contains(needle),
            "the fix of `{id}` does not name `{needle}`: {fix}\n{report:#}"
        );
    }
}

/// The evidence of `id` holds a runtime answer with this status and error code.
fn assert_runtime_evidence(report: &Value, id: &str, http_status: u16, error_code: &str) {
    let evidence = check(report, id)["evidence"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    assert!(
        evidence.iter().any(|e| e["service"] == "bedrock-runtime"
            && e["http_status"] == http_status
            && e["error_code"] == error_code),
        "`{id}` has no bedrock-runtime evidence of HTTP {http_status} {error_code}\n{report:#}"
    );
}

#[test]
fn a_region_without_bedrock_fails_the_region_check_and_names_regions_that_offer_it() {
    // ap-east-1 (Hong Kong) is a real region; botocore's endpoint data has no `bedrock` endpoint
    // there (ap-east-2 has one). The region check decides this offline, before any call.
    let mut bed = Bed::new("healthy");
    bed.set("AWS_REGION", "ap-east-1");
    let (run, report) = bed.report(&[]);
    run.assert_code(1);
    assert_check(&report, "region", "fail", Some("region-unsupported"));
    let summary = text(&report, "region", "summary");
    assert!(
        summary.contains("ap-east-1") && summary.contains("AWS_REGION"),
        "the summary names the region and where it came from: {summary}"
    );
    assert_fix_names(
        &report,
        "region",
        &["export AWS_REGION=us-east-1", "aws configure set region"],
    );
    let fix = text(&report, "region", "fix");
    assert!(
        !fix.contains("ap-east-1"),
        "the fix must not list the unsupported region among those offering Bedrock: {fix}"
    );
    // A typo would be `region-invalid`; this region exists.
    assert_ne!(check(&report, "region")["diagnosis"], "region-invalid");
}

#[test]
fn model_access_refused_by_the_runtime_fails_model_access_and_invoke() {
    // The control plane reports the model available; the invocation says otherwise, and wins.
    let bed = Bed::new("model_access_denied");
    let (run, report) = bed.report(&["--model", HAIKU]);
    run.assert_code(1);
    for id in ["model-access", "invoke"] {
        assert_check(&report, id, "fail", Some("model-access-denied"));
        assert_runtime_evidence(&report, id, 403, "AccessDeniedException");
        // The console steps name the region to open and the model to select there.
        assert_fix_names(&report, id, &["us-east-1", HAIKU, "Model catalog"]);
    }
    assert!(
        text(&report, "model-access", "summary").contains("the invocation was refused"),
        "the summary says the invocation is what refused access\n{report:#}"
    );
    // Refused access is not a permission, Marketplace or catalog problem.
    assert_check(&report, "model-catalog", "pass", None);
    assert_ne!(check(&report, "iam-permissions")["status"], "fail");
}

#[test]
fn an_invalid_payment_instrument_fails_marketplace_model_access_and_invoke() {
    let bed = Bed::new("payment_instrument_invalid");
    let (run, report) = bed.report(&["--model", HAIKU]);
    run.assert_code(1);
    for id in ["marketplace", "model-access", "invoke"] {
        assert_check(&report, id, "fail", Some("payment-instrument-invalid"));
        assert_runtime_evidence(&report, id, 403, "AccessDeniedException");
        // The next step is the account's payment method, not IAM or model access.
        assert_fix_names(
            &report,
            id,
            &[
                "Billing and Cost Management",
                "Payment",
                "management account",
            ],
        );
    }
    assert!(
        text(&report, "marketplace", "summary").contains("INVALID_PAYMENT_INSTRUMENT"),
        "the summary quotes AWS's reason\n{report:#}"
    );
    assert_ne!(check(&report, "iam-permissions")["status"], "fail");
}

#[test]
fn a_model_past_its_end_of_life_fails_every_check_that_invokes_it() {
    let bed = Bed::new("model_end_of_life");
    let (run, report) = bed.report(&["--model", SONNET_3_5_V2]);
    run.assert_code(1);
    // The base id (on demand) and its `us.` profile (the inference-profile probe) both refused.
    for id in ["invoke", "model-access", "inference-profile"] {
        assert_check(&report, id, "fail", Some("model-end-of-life"));
        assert_runtime_evidence(&report, id, 404, "ResourceNotFoundException");
        // The fix lists the region's active models: the command names this region.
        assert_fix_names(
            &report,
            id,
            &[
                "aws bedrock list-foundation-models",
                "--region us-east-1",
                "ACTIVE",
            ],
        );
    }
    assert!(
        text(&report, "invoke", "summary").contains("end of its life"),
        "the summary quotes AWS's reason\n{report:#}"
    );
    // The catalog still lists the model as LEGACY: a warning there, the failure at the runtime.
    assert_check(&report, "model-catalog", "warn", Some("model-legacy"));
}

#[test]
fn the_scenarios_readme_lists_every_scenario_and_no_other() {
    let dir = testbed::scenarios_dir();
    let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".toml"))
        .collect();
    files.sort();
    assert!(
        files.len() > 20,
        "scenarios found in {}: {files:?}",
        dir.display()
    );
    let listed: Vec<&str> = readme
        .lines()
        .filter_map(|line| line.strip_prefix("| `")?.split('`').next())
        .filter(|name| name.ends_with(".toml"))
        .collect();
    let unlisted: Vec<&String> = files
        .iter()
        .filter(|f| !listed.contains(&f.as_str()))
        .collect();
    let missing: Vec<&&str> = listed
        .iter()
        .filter(|l| !files.iter().any(|f| f == *l))
        .collect();
    assert!(
        unlisted.is_empty() && missing.is_empty(),
        "tests/scenarios/README.md is out of sync: not listed {unlisted:?}; listed but absent {missing:?}"
    );
}
