//! `trail` through the real binary against the stub's CloudTrail `LookupEvents`: a night of mixed
//! failures over several pages grouped and diagnosed with exact reproduce commands, the published
//! rate held across regions, `--limit`, an empty history, `--redact`, hostile events, read-only.

mod support;

use serde_json::Value;
use support::Bed;

/// A bed whose CloudTrail is the stub.
fn bed(scenario: &str) -> Bed {
    let mut bed = Bed::new(scenario);
    let url = bed.stub.url();
    bed.set("AWS_ENDPOINT_URL_CLOUDTRAIL", url);
    bed
}

/// `(count, error code, operation, diagnosis, reproduce)` of every group, in the output's order.
fn summary(doc: &Value) -> Vec<(u64, String, String, String, String)> {
    doc["groups"]
        .as_array()
        .unwrap_or_else(|| panic!("no groups in {doc:#}"))
        .iter()
        .map(|g| {
            (
                g["count"].as_u64().unwrap(),
                g["error_code"].as_str().unwrap().to_string(),
                g["operation"].as_str().unwrap().to_string(),
                g["explanation"]["diagnosis"].as_str().unwrap().to_string(),
                g["reproduce"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

const SONNET_PROFILE: &str = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";

/// The night of `night.json`, each event `copies` times, read in us-east-1.
fn night(copies: u64, profile: &str) -> Vec<(u64, String, String, String, String)> {
    let check = |region: &str, model: &str| {
        format!("bedrock-doctor check {region} --model {model}{profile}")
    };
    [
        (
            4,
            "ThrottlingException",
            "ConverseStream",
            "throttled",
            check("--region us-east-1", SONNET_PROFILE),
        ),
        (
            3,
            "AccessDeniedException",
            "InvokeModel",
            "iam-action-denied",
            check(
                "--region us-east-1",
                "anthropic.claude-3-haiku-20240307-v1:0",
            ),
        ),
        (
            2,
            "ValidationException",
            "InvokeModel",
            "model-id-invalid",
            check("--region us-east-1", "anthropic.claude-3-haiku"),
        ),
        // The SCP denies the destination Region the profile routed to: both Regions are checked.
        (
            2,
            "AccessDeniedException",
            "InvokeModelWithResponseStream",
            "scp-explicit-deny",
            check("--regions us-east-1,us-east-2", SONNET_PROFILE),
        ),
        (
            1,
            "ValidationException",
            "Converse",
            "inference-profile-required",
            check(
                "--region us-east-1",
                "anthropic.claude-sonnet-4-5-20250929-v1:0",
            ),
        ),
    ]
    .into_iter()
    .map(|(n, c, o, d, r)| (n * copies, c.into(), o.into(), d.into(), r))
    .collect()
}

#[test]
fn a_night_of_mixed_failures_is_grouped_diagnosed_and_reproducible() {
    let bed = bed("trail_night");
    let run = bed.run(&[
        "trail",
        "--region",
        "us-east-1",
        "--since",
        "12h",
        "--format",
        "json",
    ]);
    // Failed calls were found: exit 1, as `check` exits 1 on a failure.
    run.assert_code(1);
    let doc = run.json();
    assert_eq!(doc["kind"], "trail");
    assert_eq!(summary(&doc), night(10, ""), "{run}");
    assert_eq!(doc["events"], 140);
    assert_eq!(doc["failed"], 120);
    assert_eq!(doc["succeeded"], 20);
    assert_eq!(doc["cut_short"], false);
    assert_eq!(doc["regions"][0]["pages"], 3, "50 a page: {run}");
    assert_eq!(doc["regions"][0]["complete"], true);
    assert!(doc["event_history"]
        .as_str()
        .unwrap()
        .contains("data events"));
    let throttled = &doc["groups"][0];
    assert_eq!(
        throttled["inference_regions"],
        serde_json::json!(["us-east-1", "us-west-2"])
    );
    assert_eq!(throttled["principal"]["type"], "IdentityCenterRole");

    // The terminal shows the same groups, each with its command.
    let table = bed.run(&["trail", "--region", "us-east-1", "--since", "12h"]);
    table.assert_code(1);
    for expected in [
        "in 1 region (3 pages): 140 events, 120 failed calls in 5 groups.",
        "1. 40 x ThrottlingException on ConverseStream",
        "region: us-east-1 (ran in us-east-1, us-west-2)",
        "reproduce: bedrock-doctor check --regions us-east-1,us-east-2 --model us.anthropic.claude-sonnet-4-5-20250929-v1:0",
        "scp-explicit-deny [scp]",
        "Note: CloudTrail event history holds the last 90 days of management events",
    ] {
        assert!(table.stdout.contains(expected), "missing {expected:?}\n{table}");
    }

    // A named profile goes into every command; credentials never do.
    std::fs::write(
        bed.home.path().join("config"),
        "[profile ops]\nregion = us-east-1\n",
    )
    .unwrap();
    let with_profile = bed.run(&[
        "trail",
        "--since",
        "12h",
        "--profile",
        "ops",
        "--format",
        "json",
    ]);
    with_profile.assert_code(1);
    assert_eq!(
        summary(&with_profile.json()),
        night(10, " --profile ops"),
        "{with_profile}"
    );
    let secret = &bed.env["AWS_SECRET_ACCESS_KEY"];
    assert!(!with_profile.stdout.contains(secret.as_str()));

    // Markdown carries the same groups.
    let md = bed.run(&["trail", "--since", "12h", "--format", "markdown"]);
    md.assert_code(1);
    assert!(
        md.stdout
            .contains("## 1. 40 × ThrottlingException on ConverseStream"),
        "{md}"
    );
    assert!(md.stdout.contains("| reproduce | `bedrock-doctor check --region us-east-1 --model us.anthropic.claude-sonnet-4-5-20250929-v1:0` |"), "{md}");
}

#[test]
fn principal_and_model_filter_the_groups() {
    let bed = bed("trail_night");
    for (args, expected) in [
        (
            vec!["--principal", "app-role"],
            vec!["iam-action-denied", "scp-explicit-deny"],
        ),
        (
            vec!["--principal", "i-0a1b2c3d4e5f00003"],
            vec!["scp-explicit-deny"],
        ),
        (
            vec!["--principal", "arn:aws:iam::123456789012:user/Alice"],
            vec!["model-id-invalid"],
        ),
        (vec!["--principal", "alice@example.com"], vec!["throttled"]),
        (
            vec!["--model", "anthropic.claude-sonnet-4-5-20250929-v1:0"],
            vec![
                "throttled",
                "scp-explicit-deny",
                "inference-profile-required",
            ],
        ),
        (
            vec!["--model", SONNET_PROFILE],
            vec!["throttled", "scp-explicit-deny"],
        ),
        (
            vec![
                "--model",
                "anthropic.claude-3-haiku",
                "--principal",
                "Alice",
            ],
            vec!["model-id-invalid"],
        ),
    ] {
        let mut argv = vec!["trail", "--since", "12h", "--format", "json"];
        argv.extend(args.iter().copied());
        let run = bed.run(&argv);
        run.assert_code(1);
        let doc = run.json();
        let got: Vec<String> = summary(&doc).into_iter().map(|g| g.3).collect();
        assert_eq!(got, expected, "{args:?}\n{run}");
        assert!(doc["filtered"].as_u64().unwrap() > 0, "{run}");
    }
}

#[test]
fn every_region_is_read_at_once_within_the_published_rate() {
    let bed = bed("trail_regions");
    let regions = ["us-east-1", "eu-west-1", "us-west-2", "ap-northeast-1"];
    let run = bed.run(&[
        "trail",
        "--regions",
        &regions.join(","),
        "--since",
        "12h",
        "--format",
        "json",
    ]);
    run.assert_code(1);
    let doc = run.json();
    assert_eq!(doc["events"], 4 * 280, "{run}");
    // The stub answers LookupEvents beyond two a second per account and Region with
    // ThrottlingException, and counts it.
    assert_eq!(bed.stub.throttled(), 0, "{run}");
    let calls = bed.stub.calls();
    for region in regions {
        let times: Vec<f64> = calls
            .iter()
            .filter(|c| c.operation == "LookupEvents" && c.region.as_deref() == Some(region))
            .map(|c| c.at_ms)
            .collect();
        assert_eq!(times.len(), 6, "{region}: {calls:#?}");
        for pair in times.windows(3) {
            assert!(
                pair[2] - pair[0] >= 1000.0,
                "{region}: three requests in under a second: {times:?}"
            );
        }
    }
    // In parallel: four regions of six pages take about as long as one.
    let first = calls.iter().map(|c| c.at_ms).fold(f64::MAX, f64::min);
    let last = calls.iter().map(|c| c.at_ms).fold(0.0, f64::max);
    assert!(
        last - first < 6.0 * 1000.0,
        "regions read one after another: {first}..{last} ms"
    );
}

#[test]
fn limit_cuts_the_history_short_and_says_so() {
    let bed = bed("trail_night");
    let run = bed.run(&[
        "trail", "--since", "12h", "--limit", "60", "--format", "json",
    ]);
    run.assert_code(1);
    let doc = run.json();
    assert_eq!(doc["events"], 60, "{run}");
    assert_eq!(doc["cut_short"], true);
    assert_eq!(doc["regions"][0]["cut"], "limit");
    assert_eq!(
        doc["regions"][0]["pages"], 2,
        "no page read past the limit: {run}"
    );
    let table = bed.run(&["trail", "--since", "12h", "--limit", "60"]);
    assert!(
        table
            .stdout
            .contains("The history was cut short: --limit 60 events was reached"),
        "{table}"
    );
    // A limit the history does not reach cuts nothing.
    let whole = bed.run(&[
        "trail", "--since", "12h", "--limit", "140", "--format", "json",
    ]);
    assert_eq!(whole.json()["cut_short"], false, "{whole}");
}

#[test]
fn an_empty_history_says_what_event_history_cannot_show() {
    let bed = bed("healthy");
    let run = bed.run(&["trail", "--since", "1h"]);
    run.assert_code(0);
    for expected in [
        "0 events, 0 failed calls in 0 groups.",
        "No failed Bedrock call in the management events read.",
        "never appear in event history",
        "No failure found here means none of the management events failed, not that nothing did.",
    ] {
        assert!(run.stdout.contains(expected), "missing {expected:?}\n{run}");
    }
    let json = bed.run(&["trail", "--since", "1h", "--format", "json"]);
    json.assert_code(0);
    let doc = json.json();
    assert_eq!(doc["groups"], serde_json::json!([]));
    assert!(
        doc["event_history"]
            .as_str()
            .unwrap()
            .contains("data events"),
        "{json}"
    );
    let md = bed.run(&["trail", "--since", "1h", "--format", "markdown"]);
    assert!(
        md.stdout.contains("> CloudTrail event history holds"),
        "{md}"
    );
}

#[test]
fn redact_masks_accounts_and_principals() {
    let bed = bed("trail_night");
    for format in ["table", "json", "markdown"] {
        let run = bed.run(&["trail", "--since", "12h", "--redact", "--format", format]);
        run.assert_code(1);
        for secret in [
            "123456789012",
            "Alice",
            "alice@example.com",
            "i-0a1b2c3d4e5f0000",
        ] {
            assert!(
                !run.stdout.contains(secret),
                "{format}: {secret} shown\n{run}"
            );
        }
        assert!(
            run.stdout
                .contains("bedrock-doctor check --region us-east-1"),
            "{run}"
        );
    }
}

#[test]
fn hostile_events_reach_no_terminal_raw_and_json_keeps_them() {
    let bed = bed("trail_hostile");
    for format in ["table", "markdown"] {
        let run = bed.run(&["trail", "--since", "12h", "--format", format]);
        run.assert_code(1);
        for raw in ['\u{1b}', '\u{7}', '\u{202e}'] {
            assert!(
                !run.stdout.contains(raw),
                "{format}: {raw:?} reached the terminal\n{run}"
            );
        }
        assert!(
            !run.stdout.contains("ASIAIOSFODNN7EXAMPLE"),
            "{format}: whole key id\n{run}"
        );
    }
    let json = bed.run(&["trail", "--since", "12h", "--format", "json"]);
    let text = json.stdout.clone();
    let doc = json.json();
    assert!(
        text.contains("\\u001b"),
        "JSON keeps the text exact, escaped: {json}"
    );
    assert!(doc["groups"]
        .as_array()
        .unwrap()
        .iter()
        .any(|g| g["operation"] == "InvokeModel\u{1b}[2J"));
}

#[test]
fn trail_makes_only_lookup_events_calls() {
    let bed = bed("trail_regions");
    let run = bed.run(&["trail", "--regions", "us-east-1,eu-west-1", "--since", "1h"]);
    assert!(matches!(run.code, Some(0 | 1)), "{run}");
    let calls = bed.stub.calls();
    assert!(!calls.is_empty());
    // Every call is covered by what `policy --command trail` prints, and `policy` alone is
    // unchanged: `check` never needs CloudTrail.
    let printed = bed.run(&["policy", "--command", "trail"]);
    printed.assert_code(0);
    let actions = printed.json()["Statement"][0]["Action"].clone();
    for call in calls {
        assert_eq!(
            (call.service.as_str(), call.operation.as_str()),
            ("cloudtrail", "LookupEvents"),
            "{run}"
        );
        let action = format!("cloudtrail:{}", call.operation);
        assert!(
            actions.as_array().unwrap().iter().any(|a| a == &action),
            "{actions}"
        );
    }
    let check_policy = bed.run(&["policy"]);
    assert!(
        !check_policy.stdout.contains("cloudtrail"),
        "{check_policy}"
    );
}

#[test]
fn windows_and_filters_no_event_could_match_are_usage_errors() {
    let bed = bed("healthy");
    for args in [
        vec!["--since", "91d"],
        vec!["--since", "1w"],
        vec![
            "--start",
            "2026-01-15T06:00:00Z",
            "--end",
            "2026-01-15T00:00:00Z",
        ],
        vec!["--start", "tomorrow"],
        vec!["--start", "1h", "--end", "2h"],
        vec!["--since", "1h", "--start", "2h"],
        vec!["--limit", "0"],
        vec!["--principal", ""],
        vec!["--model", "a\u{7}b"],
        vec!["--regions", "us-east-1,EU"],
    ] {
        let mut argv = vec!["trail"];
        argv.extend(args.iter().copied());
        let run = bed.run(&argv);
        run.assert_code(2);
        assert!(bed.stub.calls().is_empty(), "{args:?} called AWS\n{run}");
    }
}

/// The night in us-east-1 and eu-west-1, with CloudTrail refusing the caller in eu-west-1.
const DENIED_IN_EU: &str = r#"
description = "LookupEvents refused in eu-west-1"
[cloudtrail]
files = ["night.json"]
latest_ago_seconds = 1800
also_in_regions = ["eu-west-1"]
[[override]]
operation = "LookupEvents"
region = "eu-west-1"
status = 400
error_type = "AccessDeniedException"
message = "User: arn:aws:iam::123456789012:user/support is not authorized to perform: cloudtrail:LookupEvents because no identity-based policy allows the cloudtrail:LookupEvents action"
source = "https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html"
"#;

#[test]
fn a_region_that_cannot_be_read_is_reported_and_the_others_still_count() {
    let mut bed = Bed::from_scenario(testbed::Scenario::from_toml(DENIED_IN_EU).unwrap());
    let url = bed.stub.url();
    bed.set("AWS_ENDPOINT_URL_CLOUDTRAIL", url);
    let run = bed.run(&[
        "trail",
        "--regions",
        "us-east-1,eu-west-1",
        "--since",
        "12h",
        "--format",
        "json",
    ]);
    run.assert_code(1);
    let doc = run.json();
    assert_eq!(doc["regions"][0]["complete"], true, "{run}");
    assert_eq!(doc["regions"][1]["cut"], "error", "{run}");
    let error = &doc["regions"][1]["error"];
    assert!(
        error["summary"]
            .as_str()
            .unwrap()
            .contains("cloudtrail:LookupEvents"),
        "{run}"
    );
    assert_eq!(doc["events"], 14, "us-east-1's events still count: {run}");
    let table = bed.run(&[
        "trail",
        "--regions",
        "us-east-1,eu-west-1",
        "--since",
        "12h",
    ]);
    assert!(
        table
            .stdout
            .contains("eu-west-1: the history could not be read"),
        "{table}"
    );
}

#[test]
fn pages_throttled_by_another_caller_are_asked_again() {
    // Two runs at once share the account's two requests a second in us-east-1: the stub
    // throttles what goes beyond, and each run asks a throttled page again until it is answered.
    let bed = bed("trail_night");
    let runs: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..2)
            .map(|_| s.spawn(|| bed.run(&["trail", "--since", "12h", "--format", "json"])))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for run in &runs {
        run.assert_code(1);
        let doc = run.json();
        assert_eq!(doc["regions"][0]["complete"], true, "{run}");
        assert_eq!(summary(&doc), night(10, ""), "{run}");
    }
    eprintln!(
        "throttled answers while two runs shared the rate: {}",
        bed.stub.throttled()
    );
}
