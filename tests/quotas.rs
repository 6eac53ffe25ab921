//! End-to-end: the `quotas` check against the stub's Service Quotas (JSON 1.1) for an account at the
//! defaults, a new account with lowered applied quotas, and a caller who may not read them.

mod support;

use serde_json::Value;
use support::{assert_check, check, Bed};

const SONNET_4_5: &str = "anthropic.claude-sonnet-4-5-20250929-v1:0";
const HAIKU_3: &str = "anthropic.claude-3-haiku-20240307-v1:0";
const NEWEST_SONNET: &str = "anthropic.claude-sonnet-4-6";

fn text<'a>(entry: &'a Value, key: &str) -> &'a str {
    entry[key].as_str().unwrap_or_default()
}

fn quota_calls(bed: &Bed) -> Vec<String> {
    bed.stub
        .calls()
        .into_iter()
        .filter(|c| c.service == "servicequotas")
        .map(|c| c.operation)
        .collect()
}

#[test]
fn an_account_at_the_defaults_passes_with_the_evidence_of_every_page() {
    let bed = Bed::new("healthy");
    let (run, report) = bed.report(&["--no-invoke"]);
    run.assert_code(0);
    assert_check(&report, "quotas", "pass", None);
    let entry = check(&report, "quotas");
    assert_eq!(entry["subject"], NEWEST_SONNET);
    assert_eq!(entry["category"], "quota-throttling");
    // Claude Sonnet 4.6 runs only through a profile: the cross-Region quotas are the ones judged.
    let summary = text(entry, "summary");
    for needle in [
        "cross-Region quotas of Claude Sonnet 4.6",
        "through us.anthropic.claude-sonnet-4-6",
        "tokens per minute 6,000,000 (the default)",
        "tokens per day 4,320,000,000 (the default)",
    ] {
        assert!(summary.contains(needle), "{needle:?} missing: {entry:#}");
    }
    // The test bed serves 10 quotas a page: both lists span pages, and each page is evidence.
    let calls = quota_calls(&bed);
    let pages = |op: &str| calls.iter().filter(|c| *c == op).count();
    assert!(pages("ListServiceQuotas") >= 4, "{calls:?}");
    assert_eq!(
        pages("ListServiceQuotas"),
        pages("ListAWSDefaultServiceQuotas")
    );
    let evidence = entry["evidence"].as_array().unwrap();
    assert_eq!(evidence.len(), calls.len(), "{entry:#}");
    assert!(evidence.iter().all(|e| e["service"] == "servicequotas"
        && e["http_status"] == 200
        && e["request_id"].is_string()));
}

#[test]
fn applied_quotas_below_the_default_warn_with_the_request_command() {
    let bed = Bed::new("quota_below_default");
    let (run, report) = bed.report(&["--model", SONNET_4_5]);
    run.assert_code(0);
    assert_check(&report, "quotas", "warn", Some("quota-below-default"));
    let entry = check(&report, "quotas");
    let summary = text(entry, "summary");
    assert!(
        summary.contains("L-F4DDD3EB") && summary.contains("4,000 (default 5,000,000)"),
        "{entry:#}"
    );
    assert!(
        summary.contains("L-381AD9EE"),
        "the daily quota too: {entry:#}"
    );
    // Requests per minute are shown but do not count (AWS no longer enforces them).
    assert!(
        summary.contains("requests per minute 4 (default 10,000), not judged"),
        "{entry:#}"
    );
    let fix = text(entry, "fix");
    assert!(
        fix.contains(
            "Cross-region model inference tokens per minute for Anthropic Claude Sonnet 4.5 V1"
        ),
        "the fix names the quota: {fix}"
    );
    assert!(
        fix.contains("aws service-quotas request-service-quota-increase --service-code bedrock --quota-code L-F4DDD3EB --desired-value 5000001 --region us-east-1"),
        "{fix}"
    );
    // The daily quota is not adjustable: the fix points to the cross-Region request instead.
    assert!(
        fix.contains(
            "(L-381AD9EE): applied 144,000,000, AWS default 7,200,000,000; not adjustable"
        ),
        "{fix}"
    );
    assert!(
        !fix.contains("{quota_increases}") && !fix.contains("<region>"),
        "{fix}"
    );
    // A warning fails the run only when asked to.
    bed.run(&[
        "--model",
        SONNET_4_5,
        "--fail-on",
        "warn",
        "--format",
        "json",
    ])
    .assert_code(1);
}

#[test]
fn an_on_demand_model_is_judged_by_its_on_demand_quotas() {
    let bed = Bed::new("quota_below_default");
    let (_, report) = bed.report(&["--model", HAIKU_3, "--only", "quotas", "--no-invoke"]);
    assert_check(&report, "quotas", "warn", Some("quota-below-default"));
    let entry = check(&report, "quotas");
    assert!(
        text(entry, "summary")
            .contains("on-demand quota of Claude 3 Haiku (called by its base id)")
            && text(entry, "summary").contains("L-8CE99163"),
        "{entry:#}"
    );
    // The cross-Region quotas of the same model stay out: this is not how it is called.
    assert!(!text(entry, "summary").contains("L-DCADBC78"), "{entry:#}");
}

#[test]
fn a_caller_without_service_quotas_access_skips_and_says_what_was_not_verified() {
    let bed = Bed::new("service_quotas_denied");
    let (run, report) = bed.report(&[]);
    run.assert_code(0);
    assert_check(&report, "quotas", "skip", None);
    let entry = check(&report, "quotas");
    let summary = text(entry, "summary");
    assert!(
        summary.contains("not verified")
            && summary.contains("AccessDeniedException")
            && summary.contains("servicequotas:ListServiceQuotas"),
        "{entry:#}"
    );
    assert_eq!(entry["evidence"][0]["error_code"], "AccessDeniedException");
    // Nothing else changes: the denial is about the doctor's reads, not Bedrock access.
    assert_check(&report, "invoke", "pass", None);
    assert_check(&report, "iam-permissions", "skip", None);
}

#[test]
fn every_model_of_a_run_gets_its_own_quotas_row() {
    let bed = Bed::new("quota_below_default");
    let models = format!("{SONNET_4_5},{HAIKU_3},{NEWEST_SONNET}");
    let (_, report) = bed.report(&["--model", &models, "--no-invoke"]);
    let rows: Vec<&Value> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["id"] == "quotas")
        .collect();
    let subjects: Vec<&str> = rows.iter().map(|r| text(r, "subject")).collect();
    assert_eq!(subjects, [SONNET_4_5, HAIKU_3, NEWEST_SONNET], "{report:#}");
    let statuses: Vec<&str> = rows.iter().map(|r| text(r, "status")).collect();
    assert_eq!(statuses, ["warn", "warn", "pass"], "{report:#}");
    // The lists are read once per run, however many models use them (38 quotas: 4 pages each).
    let calls = quota_calls(&bed);
    let applied_pages = calls.iter().filter(|c| *c == "ListServiceQuotas").count();
    assert_eq!(applied_pages, 4, "one read of each list: {calls:?}");
}
