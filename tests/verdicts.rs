//! End-to-end: verdicts on the failures an account meets on its first run: an opt-in region it has
//! not enabled, a service quota used up, one transient server error, no credentials at all.

mod support;

use serde_json::Value;
use support::{assert_check, assert_invoke_retried_after, check, evidence, Bed};

fn text<'a>(report: &'a Value, id: &str, field: &str) -> &'a str {
    check(report, id)[field].as_str().unwrap_or_default()
}

/// me-central-1 not enabled: the stub refuses every request signed for it (Bedrock, Service
/// Quotas, and STS, pointed at the stub so the regional STS call plays its part), while the same
/// keys work in us-east-1.
fn disabled_region_bed() -> Bed {
    let mut bed = Bed::new("region_disabled");
    let stub = bed.stub.url();
    bed.set("AWS_ENDPOINT_URL_STS", stub);
    bed.set("AWS_REGION", "me-central-1");
    bed
}

#[test]
fn keys_refused_in_a_disabled_opt_in_region_are_region_disabled_not_invalid() {
    let bed = disabled_region_bed();
    let (run, report) = bed.report(&[]);
    run.assert_code(1);
    assert_check(&report, "region", "fail", Some("region-disabled"));
    assert_check(&report, "identity", "fail", Some("region-disabled"));
    assert_check(&report, "model-catalog", "fail", Some("region-disabled"));
    for entry in report["checks"].as_array().unwrap() {
        assert_ne!(
            entry["diagnosis"], "invalid-access-key",
            "keys that work in us-east-1 are not invalid\n{report:#}"
        );
    }
    assert!(
        text(&report, "region", "fix")
            .contains("aws account enable-region --region-name me-central-1"),
        "{report:#}"
    );
    assert!(
        text(&report, "identity", "summary").contains("work in us-east-1"),
        "{report:#}"
    );
    // The refusal is in the evidence as AWS sent it.
    assert!(
        evidence(&report, "identity")
            .iter()
            .any(|e| e["error_code"] == "InvalidClientTokenId" && e["region"] == "me-central-1"),
        "{report:#}"
    );
    // One confirming call outside the region, however many checks met the refusal.
    let calls = bed.stub.calls();
    let confirming: Vec<_> = calls
        .iter()
        .filter(|c| c.service == "sts" && c.region.as_deref() == Some("us-east-1"))
        .collect();
    assert_eq!(confirming.len(), 1, "{calls:#?}");
    assert_eq!(confirming[0].status, 200, "{calls:#?}");
    assert!(
        calls
            .iter()
            .filter(|c| c.region.as_deref() == Some("me-central-1"))
            // Service Quotas speaks JSON 1.1, whose client errors are all 400.
            .all(|c| c.status == 403 || (c.service == "servicequotas" && c.status == 400)),
        "{calls:#?}"
    );
}

#[test]
fn the_same_keys_in_an_enabled_region_pass() {
    // The scenario refuses me-central-1 only: us-east-1 answers, so the verdict above is the
    // region's, not the keys'.
    let mut bed = disabled_region_bed();
    bed.set("AWS_REGION", "us-east-1");
    let (_, report) = bed.report(&[]);
    assert_check(&report, "region", "pass", None);
    assert_check(&report, "identity", "pass", None);
}

#[test]
fn a_sweep_names_the_one_region_the_account_has_not_enabled() {
    let mut bed = disabled_region_bed();
    bed.set("AWS_REGION", "us-east-1");
    let args = [
        "--regions",
        "us-east-1,me-central-1",
        "--model",
        "anthropic.claude-sonnet-4-5-20250929-v1:0",
        "--only",
        "region,identity,model-catalog",
    ];
    let (run, report) = bed.report(&args);
    run.assert_code(1);
    let entry = |id: &str, region: Option<&str>| {
        let want = region.map_or(Value::Null, |r| r.into());
        report["checks"]
            .as_array()
            .and_then(|all| all.iter().find(|c| c["id"] == id && c["region"] == want))
            .map(|c| (c["status"].clone(), c["diagnosis"].clone()))
            .unwrap_or_else(|| panic!("no `{id}` in {region:?}\n{report:#}"))
    };
    assert_eq!(
        entry("identity", None),
        ("pass".into(), Value::Null),
        "{report:#}"
    );
    for id in ["region", "model-catalog"] {
        assert_eq!(entry(id, Some("us-east-1")).0, "pass", "{report:#}");
        assert_eq!(
            entry(id, Some("me-central-1")),
            ("fail".into(), "region-disabled".into()),
            "{report:#}"
        );
    }
}

#[test]
fn keys_refused_everywhere_stay_invalid_in_an_opt_in_region() {
    let mut bed = disabled_region_bed();
    bed.set("AWS_ACCESS_KEY_ID", "AKIAI44QH8DHBEXAMPLE");
    let (run, report) = bed.report(&[]);
    run.assert_code(1);
    assert_check(&report, "identity", "fail", Some("invalid-access-key"));
}

#[test]
fn a_used_up_service_quota_is_quota_exceeded() {
    let bed = Bed::new("quota_exceeded");
    let (run, report) = bed.report(&[]);
    run.assert_code(1);
    assert_check(&report, "invoke", "fail", Some("quota-exceeded"));
    let refused: Vec<&Value> = evidence(&report, "invoke")
        .iter()
        .filter(|e| e["operation"] == "InvokeModel")
        .collect();
    assert_eq!(
        refused.len(),
        1,
        "a quota verdict is not retried\n{report:#}"
    );
    assert_eq!(refused[0]["error_code"], "ServiceQuotaExceededException");
    assert_eq!(refused[0]["http_status"], 400);
    assert!(
        text(&report, "invoke", "fix").contains("Service Quotas"),
        "{report:#}"
    );
}

#[test]
fn one_internal_error_is_retried_and_both_attempts_are_shown() {
    assert_invoke_retried_after("internal_error_once", 500, "InternalServerException");
}

#[test]
fn without_credentials_every_check_that_needs_them_skips() {
    let mut bed = Bed::new("healthy");
    bed.unset("AWS_ACCESS_KEY_ID")
        .unset("AWS_SECRET_ACCESS_KEY");
    let (run, report) = bed.report(&["--model", "anthropic.claude-sonnet-4-5-20250929-v1:0"]);
    run.assert_code(1);
    assert_check(&report, "credentials", "fail", Some("no-credentials"));
    for entry in report["checks"].as_array().unwrap() {
        let id = entry["id"].as_str().unwrap_or_default();
        if id == "credentials" {
            continue;
        }
        assert!(
            entry["status"] == "skip" || entry["status"] == "pass",
            "`{id}` needs credentials: it skips (or passes offline), never errs or fails\n{report:#}"
        );
    }
    assert_check(&report, "invoke", "skip", None);
    assert!(
        text(&report, "invoke", "summary").contains("credentials"),
        "{report:#}"
    );
    assert!(
        bed.stub.calls().is_empty(),
        "nothing is sent without credentials: {:#?}",
        bed.stub.calls()
    );
}

/// A sweep whose first region is not enabled: the model is picked where a region can answer, and
/// the enabled region's verdicts are its own, not the first region's refusal.
#[test]
fn a_disabled_first_region_does_not_fail_the_enabled_ones() {
    let mut scenario = testbed::Scenario::load("region_disabled");
    scenario.disabled_regions = vec!["me-central-1".into(), "af-south-1".into()];
    let bed = Bed::from_scenario(scenario);
    let (run, report) = bed.report(&["--regions", "me-central-1,af-south-1,us-east-1"]);
    run.assert_code(1);
    let cell = |id: &str, region: &str| {
        report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id && c["region"] == region)
            .unwrap_or_else(|| panic!("no {id} in {region}\n{report:#}"))
            .clone()
    };
    for region in ["me-central-1", "af-south-1"] {
        assert_eq!(
            cell("model-catalog", region)["diagnosis"],
            "region-disabled",
            "{report:#}"
        );
    }
    for id in ["model-catalog", "invoke"] {
        assert_eq!(cell(id, "us-east-1")["status"], "pass", "{id}\n{report:#}");
    }
}
