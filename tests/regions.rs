//! End-to-end: `--regions`, one run across several regions (issue 7, "Scale across regions and
//! accounts"). The stub routes each request by its SigV4 region, so one stub serves them all.

mod support;

use std::collections::BTreeSet;
use support::{assert_valid_report, Bed};

const HAIKU: &str = "anthropic.claude-3-haiku-20240307-v1:0";
const ACCOUNT_WIDE: [&str; 4] = ["credentials", "identity", "clock", "iam-permissions"];

/// The entry of a check in one region (`None`: the account-wide entry).
fn cell<'a>(
    report: &'a serde_json::Value,
    id: &str,
    region: Option<&str>,
) -> &'a serde_json::Value {
    let want = region.map_or(serde_json::Value::Null, |r| r.into());
    report["checks"]
        .as_array()
        .and_then(|checks| checks.iter().find(|c| c["id"] == id && c["region"] == want))
        .unwrap_or_else(|| panic!("no `{id}` in {region:?}: {report:#}"))
}

fn status(report: &serde_json::Value, id: &str, region: Option<&str>) -> (String, String) {
    let c = cell(report, id, region);
    (
        c["status"].as_str().unwrap_or_default().to_string(),
        c["diagnosis"].as_str().unwrap_or("-").to_string(),
    )
}

#[test]
fn a_sweep_reports_each_region_and_prints_a_matrix() {
    // Claude 3 Haiku is not offered in us-east-1; eu-west-1 serves it.
    let bed = Bed::new("model_not_in_region");
    let args = ["--regions", "us-east-1,eu-west-1", "--model", HAIKU];
    let (run, report) = bed.report(&args);
    run.assert_code(1);

    assert_eq!(report["schema_version"], 1);
    assert_eq!(
        report["target"]["regions"],
        serde_json::json!(["us-east-1", "eu-west-1"])
    );
    assert_eq!(report["target"]["region"], "us-east-1");
    let checks = report["checks"].as_array().unwrap();
    assert_eq!(checks.len(), 4 + 11 * 2, "{report:#}");
    for id in ACCOUNT_WIDE {
        assert!(
            cell(&report, id, None)["region"].is_null(),
            "{id} runs once"
        );
        assert_eq!(
            checks.iter().filter(|c| c["id"] == id).count(),
            1,
            "{id} runs once"
        );
    }
    // Region-scoped checks run once per region, the regions in the order given.
    let regions_of = |id: &str| -> Vec<String> {
        checks
            .iter()
            .filter(|c| c["id"] == id)
            .map(|c| c["region"].as_str().unwrap_or("null").to_string())
            .collect()
    };
    for id in ["region", "endpoint", "model-catalog", "invoke", "scp"] {
        assert_eq!(regions_of(id), ["us-east-1", "eu-west-1"], "{id}");
    }
    assert_eq!(
        status(&report, "model-catalog", Some("us-east-1")),
        ("fail".into(), "model-not-in-region".into())
    );
    assert_eq!(
        status(&report, "model-catalog", Some("eu-west-1")),
        ("pass".into(), "-".into())
    );
    assert_eq!(status(&report, "invoke", Some("eu-west-1")).0, "pass");
    assert_ne!(status(&report, "invoke", Some("us-east-1")).0, "pass");
    assert_eq!(status(&report, "region", Some("eu-west-1")).0, "pass");
    assert!(
        cell(&report, "region", Some("eu-west-1"))["summary"]
            .as_str()
            .unwrap()
            .contains("eu-west-1 (from --regions)"),
        "{report:#}"
    );
    // The evidence of a regional call names its region.
    let evidence = &cell(&report, "model-catalog", Some("eu-west-1"))["evidence"][0];
    assert_eq!(evidence["region"], "eu-west-1", "{evidence:#}");

    // What one region learns for another is asked once: us-east-1's search for where the model
    // is offered and eu-west-1's own lookup are the same GetFoundationModel.
    let calls = bed.stub.calls();
    let get_model_in = |region: &str| {
        calls
            .iter()
            .filter(|c| c.operation == "GetFoundationModel" && c.region.as_deref() == Some(region))
            .count()
    };
    assert_eq!(get_model_in("eu-west-1"), 1, "{calls:#?}");
    assert_eq!(get_model_in("us-east-1"), 1, "{calls:#?}");

    // The table: account-wide checks once, then a matrix with one column per region.
    let table = bed.run(&args);
    table.assert_code(1);
    let out = &table.stdout;
    assert!(
        out.contains("Account-wide, checked once (from us-east-1)"),
        "{table}"
    );
    let matrix = out
        .split("In each region")
        .nth(1)
        .unwrap_or_else(|| panic!("no matrix\n{table}"));
    let header = matrix
        .lines()
        .find(|l| l.contains("Check"))
        .unwrap_or_default();
    let (us, eu) = (header.find("us-east-1"), header.find("eu-west-1"));
    assert!(
        matches!((us, eu), (Some(a), Some(b)) if a < b),
        "one column per region, in order: {header}\n{table}"
    );
    let catalog = matrix
        .lines()
        .find(|l| l.contains("Model catalog"))
        .unwrap_or_default();
    let (failed, passed) = (catalog.find("✗ fail"), catalog.find("✓ pass"));
    assert!(
        matches!((failed, passed), (Some(f), Some(p)) if f < p),
        "model catalog: fail in us-east-1, pass in eu-west-1: {catalog}\n{table}"
    );
    assert!(
        matrix.contains("model-not-in-region"),
        "a cell that is not a pass names its code\n{table}"
    );
    let fixes = out.split("How to fix").nth(1).unwrap_or_default();
    assert!(
        fixes.contains("Model catalog [model-not-in-region] in us-east-1:"),
        "{table}"
    );
    assert!(
        !fixes.contains("[model-not-in-region] in us-east-1, eu-west-1"),
        "the fix is only for the region that needs it\n{table}"
    );
}

#[test]
fn one_fix_for_many_regions_is_printed_once_naming_them() {
    // Every region's invocations are refused for the same reason.
    let bed = Bed::new("use_case_missing");
    let regions = "us-east-1,us-west-2,eu-west-1";
    let run = bed.run(&["--regions", regions]);
    run.assert_code(1);
    let fixes = run.stdout.split("How to fix").nth(1).unwrap_or_default();
    let use_case = fixes
        .lines()
        .filter(|l| l.contains("[use-case-not-submitted]") && l.contains("Anthropic use-case form"))
        .collect::<Vec<_>>();
    assert_eq!(use_case.len(), 1, "one entry for the three regions\n{run}");
    assert!(
        use_case[0].contains("in us-east-1, us-west-2, eu-west-1 (3 regions)"),
        "{run}"
    );
}

#[test]
fn a_sweep_resolves_credentials_and_the_caller_once() {
    let mut bed = Bed::new("healthy");
    // A credential_process that counts its runs: the SDK runs it each time the credentials are
    // resolved. STS is the stub's here, so its GetCallerIdentity calls can be counted.
    let counter = bed.home.path().join("credential-process-runs");
    let script = bed.home.path().join("creds.sh");
    let key = bed.env["AWS_ACCESS_KEY_ID"].clone();
    let secret = bed.env["AWS_SECRET_ACCESS_KEY"].clone();
    std::fs::write(
        &script,
        format!(
            "echo run >> '{}'\nprintf '{{\"Version\":1,\"AccessKeyId\":\"%s\",\"SecretAccessKey\":\"%s\"}}' '{key}' '{secret}'\n",
            counter.display()
        ),
    )
    .unwrap();
    std::fs::write(
        bed.home.path().join("config"),
        format!(
            "[profile sweep]\ncredential_process = /bin/sh {}\n",
            script.display()
        ),
    )
    .unwrap();
    let stub_url = bed.stub.url();
    bed.unset("AWS_ACCESS_KEY_ID")
        .unset("AWS_SECRET_ACCESS_KEY")
        .unset("AWS_REGION")
        .set("AWS_ENDPOINT_URL_STS", stub_url);
    let regions = "us-east-1,eu-west-1,ap-northeast-1,us-west-2";
    let (run, report) = bed.report(&["--regions", regions, "--profile", "sweep"]);
    run.assert_code(0);
    assert_eq!(status(&report, "credentials", None).0, "pass");
    assert!(
        cell(&report, "credentials", None)["summary"]
            .as_str()
            .unwrap()
            .contains("credential_process"),
        "{report:#}"
    );
    assert_eq!(status(&report, "identity", None).0, "pass");
    for region in regions.split(',') {
        assert_eq!(
            status(&report, "invoke", Some(region)).0,
            "pass",
            "{region}: {report:#}"
        );
    }
    let runs = std::fs::read_to_string(&counter).unwrap_or_default();
    assert_eq!(
        runs.lines().count(),
        1,
        "the credential process ran once for every client of every region\n{run}"
    );
    let calls = bed.stub.calls();
    let sts: Vec<_> = calls
        .iter()
        .filter(|c| c.operation == "GetCallerIdentity")
        .collect();
    assert_eq!(
        sts.len(),
        1,
        "one GetCallerIdentity for the sweep: {sts:#?}"
    );
    assert_eq!(
        sts[0].region.as_deref(),
        Some("us-east-1"),
        "the first region's STS"
    );
    // Every region was asked with the same key.
    let regions_seen: BTreeSet<&str> = calls.iter().filter_map(|c| c.region.as_deref()).collect();
    for region in regions.split(',') {
        assert!(regions_seen.contains(region), "{region}: {calls:#?}");
    }
}

#[test]
fn all_bedrock_sweeps_the_commercial_bedrock_regions() {
    let bed = Bed::new("healthy");
    let (run, report) = bed.report(&["--regions", "all-bedrock", "--only", "region,model-catalog"]);
    run.assert_code(0);
    let mut expected: Vec<&str> = checks::regions::COMMERCIAL_BEDROCK_REGIONS.to_vec();
    assert!(expected.len() > 30 && expected.contains(&"eu-central-1"));
    // us-east-1 first: the account-wide checks run in the first region.
    expected.sort_by_key(|r| *r != "us-east-1");
    assert_eq!(report["target"]["regions"], serde_json::json!(expected));
    assert_eq!(report["target"]["region"], "us-east-1");
    for region in &expected {
        assert_eq!(
            status(&report, "region", Some(region)).0,
            "pass",
            "{region}"
        );
        assert_eq!(
            status(&report, "model-catalog", Some(region)).0,
            "pass",
            "{region}"
        );
    }
    assert_eq!(
        report["checks"].as_array().unwrap().len(),
        2 * expected.len()
    );
    // The model is picked once, from the first region's list, and looked up in every region.
    let calls = bed.stub.calls();
    let listed = calls
        .iter()
        .filter(|c| c.operation == "ListFoundationModels")
        .count();
    let looked_up: BTreeSet<&str> = calls
        .iter()
        .filter(|c| c.operation == "GetFoundationModel")
        .filter_map(|c| c.region.as_deref())
        .collect();
    assert_eq!(looked_up, expected.iter().copied().collect());
    assert_eq!(
        listed, 1,
        "the model is picked from the first region's list"
    );
    let picked: BTreeSet<&str> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["id"] == "model-catalog")
        .filter_map(|c| c["subject"].as_str())
        .collect();
    assert_eq!(
        picked.len(),
        1,
        "every region tests the same model: {picked:?}"
    );
}

#[test]
fn malformed_regions_are_usage_errors() {
    let bed = Bed::new("healthy");
    for bad in ["US-EAST-1", "us-east-1,,eu-west-1", "us east 1", ""] {
        let run = bed.run(&["--regions", bad]);
        run.assert_code(2);
        assert_eq!(run.stderr.trim().lines().count(), 1, "one line\n{run}");
        assert!(run.stderr.contains("--regions"), "{run}");
        assert!(run.stdout.is_empty(), "{run}");
    }
    let both = bed.run(&["--regions", "us-east-1", "--region", "eu-west-1"]);
    both.assert_code(2);
    assert!(both.stderr.contains("cannot be used with"), "{both}");
    assert!(
        bed.stub.calls().is_empty(),
        "no AWS call before the arguments are valid"
    );
}

#[test]
fn a_saved_sweep_renders_as_markdown_junit_and_with_show() {
    let bed = Bed::new("model_not_in_region");
    let saved = bed.home.path().join("sweep.json");
    let saved_arg = saved.display().to_string();
    let args = ["--regions", "us-east-1,eu-west-1", "--model", HAIKU];
    let junit = bed.run(&[&args[..], &["--format", "junit", "--output", &saved_arg]].concat());
    junit.assert_code(1);
    for name in [
        &format!("name=\"model-catalog ({HAIKU}) [us-east-1]\""),
        &format!("name=\"model-catalog ({HAIKU}) [eu-west-1]\""),
        "name=\"credentials\"",
    ] {
        assert!(junit.stdout.contains(name), "{name}\n{junit}");
    }
    assert!(
        junit
            .stdout
            .contains("<failure type=\"model-not-in-region\""),
        "{junit}"
    );
    let text = std::fs::read_to_string(&saved).unwrap();
    let report: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_valid_report(&report);

    let show = bed.run(&["show", &saved_arg]);
    show.assert_code(1);
    assert!(show.stdout.contains("In each region"), "{show}");
    assert!(
        show.stdout
            .contains("Model catalog [model-not-in-region] in us-east-1"),
        "{show}"
    );
    let markdown = bed.run(&["show", &saved_arg, "--format", "markdown"]);
    markdown.assert_code(1);
    let md = &markdown.stdout;
    assert!(
        md.contains("| Check | us-east-1 | eu-west-1 |"),
        "{markdown}"
    );
    let row = md
        .lines()
        .find(|l| l.starts_with("| Model catalog |"))
        .unwrap_or_default();
    assert_eq!(
        row, "| Model catalog | ✗ fail `model-not-in-region` | ✓ pass |",
        "{markdown}"
    );
    assert!(md.contains("### Account-wide"), "{markdown}");
}

#[test]
fn a_sweep_within_aws_like_rate_limits_is_never_throttled() {
    // Five requests per second and a burst of ten, per account, region and operation.
    let bed = Bed::new("healthy_rate_limited");
    let regions = "us-east-1,us-east-2,us-west-2,eu-west-1,eu-central-1,ap-northeast-1,ap-southeast-2,sa-east-1";
    let (run, report) = bed.report(&["--regions", regions]);
    run.assert_code(0);
    assert_eq!(bed.stub.throttled(), 0, "{:#?}", bed.stub.calls());
    assert!(
        report["summary"]["error"] == 0 && report["summary"]["fail"] == 0,
        "{report:#}"
    );
    // The probes of the destination regions that several regions' profiles share are sent once
    // each, not once per region that routes there.
    let calls = bed.stub.calls();
    let probes_to_us_east_1 = calls
        .iter()
        .filter(|c| {
            c.operation == "InvokeModel"
                && c.region.as_deref() == Some("us-east-1")
                && c.status == 400
        })
        .count();
    assert_eq!(probes_to_us_east_1, 1, "{calls:#?}");
}

#[test]
fn a_rate_limit_the_doctor_exceeds_reads_as_throttling_not_as_a_verdict() {
    // One request per service and region, and next to no refill: the second Bedrock call of a
    // region is refused with AWS's throttling text.
    let bed = Bed::new("rate_limit_exceeded");
    let (run, report) = bed.report(&[
        "--regions",
        "us-east-1,eu-west-1",
        "--model",
        HAIKU,
        "--no-invoke",
    ]);
    run.assert_code(1);
    assert!(bed.stub.throttled() > 0);
    let throttled: Vec<&serde_json::Value> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["diagnosis"] == "throttled")
        .collect();
    assert!(!throttled.is_empty(), "{report:#}");
    for c in &throttled {
        assert_eq!(c["status"], "error", "throttling is inconclusive: {c:#}");
    }
    assert!(
        report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["status"] != "fail"),
        "a throttled call never becomes a failed verdict: {report:#}"
    );
}
