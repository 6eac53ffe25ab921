//! End-to-end: an app that calls several models (a main one and a small/fast one in the background).

mod support;

use support::Bed;

/// Runs on demand in the test bed, so its invocation uses the base id.
const SONNET: &str = "anthropic.claude-3-5-sonnet-20241022-v2:0";
/// The newest Sonnet the test bed lists: what the doctor picks without `--model`.
const NEWEST_SONNET: &str = "anthropic.claude-sonnet-4-6";
const HAIKU: &str = "anthropic.claude-haiku-4-5-20251001-v1:0";

fn entry<'a>(report: &'a serde_json::Value, id: &str, subject: &str) -> &'a serde_json::Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id && c["subject"] == subject)
        .unwrap_or_else(|| panic!("no `{id}` for {subject} in {report:#}"))
}

#[test]
fn only_the_small_fast_model_lacks_access() {
    let bed = Bed::new("small_model_denied");
    let (run, report) = bed.report(&["--model", &format!("{SONNET},{HAIKU}")]);
    run.assert_code(1);
    assert_eq!(
        report["target"]["model_ids"],
        serde_json::json!([SONNET, HAIKU])
    );
    assert_eq!(report["target"]["model_id"], SONNET);
    assert_eq!(entry(&report, "invoke", SONNET)["status"], "pass");
    let haiku = entry(&report, "invoke", HAIKU);
    assert_eq!(
        (haiku["status"].as_str(), haiku["diagnosis"].as_str()),
        (Some("fail"), Some("model-access-denied")),
        "{report:#}"
    );
    // Per-model checks appear once per model, in the order given, grouped by check.
    let ids: Vec<(String, String)> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap().to_string(),
                c["subject"].as_str().unwrap_or("-").to_string(),
            )
        })
        .collect();
    let invoke_rows: Vec<&String> = ids
        .iter()
        .filter(|(id, _)| id == "invoke")
        .map(|(_, s)| s)
        .collect();
    assert_eq!(invoke_rows, [SONNET, HAIKU]);
    for account_wide in ["credentials", "identity", "use-case", "scp"] {
        let rows: Vec<_> = ids.iter().filter(|(id, _)| id == account_wide).collect();
        assert_eq!(rows.len(), 1, "{account_wide} runs once");
        assert_eq!(rows[0].1, "-", "{account_wide} has no subject");
    }
    // The table names the model in each row, so the failing one is visible at a glance.
    let table = bed.run(&["--model", &format!("{SONNET},{HAIKU}"), "--only", "invoke"]);
    assert!(
        table.stdout.contains(HAIKU) && table.stdout.contains("✗ fail"),
        "{table}"
    );
}

#[test]
fn one_model_keeps_the_single_model_report_shape() {
    let bed = Bed::new("healthy");
    let (run, report) = bed.report(&["--no-invoke"]);
    run.assert_code(0);
    // No --model: the picked model is the subject and the target.
    assert_eq!(
        report["target"]["model_ids"],
        serde_json::json!([NEWEST_SONNET])
    );
    assert_eq!(
        entry(&report, "model-catalog", NEWEST_SONNET)["status"],
        "pass"
    );
    assert_eq!(report["checks"].as_array().unwrap().len(), 15);
}

#[test]
fn models_lists_the_ids_usable_from_the_region() {
    let bed = Bed::new("healthy");
    let run = bed.run(&["models", "--format", "json"]);
    run.assert_code(0);
    let rows = run.json();
    let row = |id: &str| {
        rows.as_array()
            .unwrap()
            .iter()
            .find(|r| r["model_id"] == id)
            .unwrap_or_else(|| panic!("{id} missing: {rows:#}"))
            .clone()
    };
    let sonnet = row(NEWEST_SONNET);
    assert_eq!(sonnet["invocation"], "inference-profile-only");
    let us = sonnet["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == format!("us.{NEWEST_SONNET}"))
        .expect("us. profile");
    assert_eq!(
        us["destinations"],
        serde_json::json!(["us-east-1", "us-east-2", "us-west-2"])
    );
    assert_eq!(sonnet["access"]["agreement"], "AVAILABLE");
    assert_eq!(
        row("anthropic.claude-3-haiku-20240307-v1:0")["invocation"],
        "on-demand"
    );
    // No eu. profile is usable from us-east-1.
    assert!(!rows.to_string().contains("\"eu."), "{rows:#}");

    let mut no_creds = Bed::new("healthy");
    no_creds
        .unset("AWS_ACCESS_KEY_ID")
        .unset("AWS_SECRET_ACCESS_KEY");
    let run = no_creds.run(&["models"]);
    run.assert_code(1);
    assert_eq!(run.stderr.trim().lines().count(), 1, "{run}");
}

const SONNET_45: &str = "anthropic.claude-sonnet-4-5-20250929-v1:0";

#[test]
fn the_fix_names_the_exact_ids_that_work_here() {
    let bed = Bed::new("healthy");
    let (run, report) = bed.report(&["--model", SONNET_45, "--only", "invoke"]);
    run.assert_code(0);
    let invoke = entry(&report, "invoke", SONNET_45);
    assert_eq!(invoke["diagnosis"], "inference-profile-required");
    // The catalogue's general advice, then the ids that work from this very region.
    let here = invoke["fix"]
        .as_str()
        .unwrap()
        .lines()
        .last()
        .unwrap()
        .to_string();
    assert!(
        here.starts_with("From us-east-1, these inference profile ids work:"),
        "{here}"
    );
    assert!(
        here.contains(&format!(
            "`us.{SONNET_45}` (routes to us-east-1, us-east-2, us-west-2)"
        )),
        "{here}"
    );
    assert!(here.contains(&format!("`global.{SONNET_45}`")), "{here}");
    assert!(
        !here.contains("`eu."),
        "no eu. profile works from us-east-1: {here}"
    );
}

#[test]
fn a_us_profile_called_from_an_eu_region_is_explained() {
    let mut bed = Bed::new("healthy");
    bed.set("AWS_REGION", "eu-west-1");
    let profile = format!("us.{SONNET_45}");
    let (run, report) = bed.report(&[
        "--model",
        SONNET_45,
        "--inference-profile",
        &profile,
        "--only",
        "inference-profile",
    ]);
    run.assert_code(1);
    let entry = &report["checks"][0];
    assert_eq!(
        entry["diagnosis"], "inference-profile-not-found",
        "{report:#}"
    );
    assert!(
        entry["summary"]
            .as_str()
            .unwrap()
            .contains("is a `us.` profile"),
        "{report:#}"
    );
    let fix = entry["fix"].as_str().unwrap();
    assert!(
        fix.contains(&format!("`eu.{SONNET_45}`")),
        "the eu. profile is named: {fix}"
    );
}
