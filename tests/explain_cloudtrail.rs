//! `explain` on CloudTrail events, through the real binary: the three shapes from a file and from
//! standard input, the grouped diagnoses, the size bound, and hostile events kept off the terminal.
//! Offline: nothing here starts a stand-in or opens a socket.

mod support;

use serde_json::Value;
use std::collections::BTreeMap;
use support::run_with_env;

fn offline_env() -> BTreeMap<String, String> {
    BTreeMap::from([(
        "PATH".to_string(),
        std::env::var("PATH").unwrap_or_default(),
    )])
}

fn fixture(name: &str) -> String {
    format!(
        "{}/tests/fixtures/cloudtrail/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// `(error code, operation, count, diagnosis)` of every group, in the output's order.
fn summary(doc: &Value) -> Vec<(String, String, u64, String)> {
    doc["groups"]
        .as_array()
        .unwrap_or_else(|| panic!("no groups in {doc:#}"))
        .iter()
        .map(|g| {
            (
                g["error_code"].as_str().unwrap().to_string(),
                g["operation"].as_str().unwrap().to_string(),
                g["count"].as_u64().unwrap(),
                g["explanation"]["diagnosis"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn night() -> Vec<(String, String, u64, String)> {
    [
        ("ThrottlingException", "ConverseStream", 4, "throttled"),
        (
            "AccessDeniedException",
            "InvokeModel",
            3,
            "iam-action-denied",
        ),
        ("ValidationException", "InvokeModel", 2, "model-id-invalid"),
        (
            "AccessDeniedException",
            "InvokeModelWithResponseStream",
            2,
            "scp-explicit-deny",
        ),
        (
            "ValidationException",
            "Converse",
            1,
            "inference-profile-required",
        ),
    ]
    .into_iter()
    .map(|(c, o, n, d)| (c.into(), o.into(), n, d.into()))
    .collect()
}

#[test]
fn each_shape_is_read_from_a_file_and_from_standard_input() {
    for (name, shape, expected) in [
        ("night.json", "log-file", night()),
        ("lookup-events.json", "lookup-events", night()),
        (
            "event.json",
            "event",
            vec![(
                "AccessDeniedException".into(),
                "InvokeModel".into(),
                1,
                "iam-action-denied".into(),
            )],
        ),
    ] {
        let path = fixture(name);
        let content = std::fs::read_to_string(&path).unwrap();
        for (args, stdin) in [
            (
                vec!["explain", "--format", "json", "--file", path.as_str()],
                None,
            ),
            (
                vec!["explain", "--format", "json", "-"],
                Some(content.as_str()),
            ),
            (
                vec!["explain", "--format", "json", "--file", "-"],
                Some(content.as_str()),
            ),
        ] {
            let run = run_with_env(&offline_env(), &args, stdin);
            run.assert_code(0);
            let doc = run.json();
            assert_eq!(doc["input"], shape, "{run}");
            assert_eq!(summary(&doc), expected, "{run}");
        }
        let run = run_with_env(&offline_env(), &["explain", "--file", &path], None);
        run.assert_code(0);
        assert!(run.stdout.starts_with("Read "), "{run}");
    }
}

#[test]
fn the_terminal_shows_counts_times_principals_and_where_requests_ran() {
    let run = run_with_env(
        &offline_env(),
        &["explain", "--file", &fixture("lookup-events.json")],
        None,
    );
    run.assert_code(0);
    let out = &run.stdout;
    for expected in [
        "Read aws cloudtrail lookup-events output (14 events): 12 failed calls in 5 groups; 2 without errorCode left out.",
        "The input ends with a NextToken",
        "1. 4 x ThrottlingException on ConverseStream, 2026-01-15T04:00:01Z to 2026-01-15T04:00:04Z",
        "principal: Identity Center user (permission set role) alice@example.com",
        "region: us-east-1 (ran in us-east-1, us-west-2)",
        "principal: assumed role app-role (arn:aws:iam::123456789012:role/app-role)",
        "principal: IAM user Alice (arn:aws:iam::123456789012:user/Alice)",
        "principal: root user (arn:aws:iam::123456789012:root)",
        "scp-explicit-deny [scp]",
        "region: us-east-1 (the error names us-east-2)",
        // Each group says how to test the case from here; cross-Region: both Regions.
        "reproduce: bedrock-doctor check --regions us-east-1,us-east-2 --model us.anthropic.claude-sonnet-4-5-20250929-v1:0",
        "reproduce: bedrock-doctor check --region us-east-1 --model anthropic.claude-3-haiku",
    ] {
        assert!(out.contains(expected), "missing {expected:?}\n{run}");
    }
}

#[test]
fn redact_masks_accounts_and_names_and_key_ids_are_always_masked() {
    let run = run_with_env(
        &offline_env(),
        &["explain", "--redact", "--file", &fixture("night.json")],
        None,
    );
    run.assert_code(0);
    for hidden in ["123456789012", "Alice", "alice@example.com"] {
        assert!(!run.stdout.contains(hidden), "{hidden}\n{run}");
    }
    for format in ["table", "json"] {
        let run = run_with_env(
            &offline_env(),
            &[
                "explain",
                "--format",
                format,
                "--file",
                &fixture("hostile.json"),
            ],
            None,
        );
        run.assert_code(0);
        assert!(!run.stdout.contains("AKIAIOSFODNN7EXAMPLE"), "{run}");
    }
}

#[test]
fn hostile_events_reach_the_terminal_escaped_and_json_exact() {
    let run = run_with_env(
        &offline_env(),
        &["explain", "-v", "--file", &fixture("hostile.json")],
        None,
    );
    run.assert_code(0);
    assert!(
        !run.stdout
            .chars()
            .any(|c| c == '\u{1b}' || c == '\u{7}' || c == '\u{202e}'),
        "{run}"
    );
    assert!(run.stdout.contains("\\x1b[2J"), "{run}");
    let run = run_with_env(
        &offline_env(),
        &[
            "explain",
            "--format",
            "json",
            "--file",
            &fixture("hostile.json"),
        ],
        None,
    );
    run.assert_code(0);
    let doc = run.json();
    assert_eq!(
        (&doc["events"], &doc["unreadable"]),
        (&3.into(), &3.into()),
        "{run}"
    );
    assert!(doc.to_string().contains("InvokeModel\\u001b[2J"), "{run}");
    // A huge field: read, grouped, shown capped.
    let huge = format!(
        r#"{{"eventSource":"bedrock.amazonaws.com","eventName":"InvokeModel","errorCode":"ThrottlingException","errorMessage":"{}"}}"#,
        "x".repeat(1 << 20)
    );
    let run = run_with_env(&offline_env(), &["explain", "-"], Some(&huge));
    run.assert_code(0);
    assert!(run.stdout.len() < 64 * 1024, "{} bytes", run.stdout.len());
}

#[test]
fn other_input_is_explained_as_a_message_as_before() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("error.json");
    std::fs::write(
        &path,
        r#"{"message": "User: arn:aws:sts::123456789012:assumed-role/r/s is not authorized to perform: bedrock:InvokeModel on resource: arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0 because no identity-based policy allows the bedrock:InvokeModel action"}"#,
    )
    .unwrap();
    let from_file = run_with_env(
        &offline_env(),
        &[
            "explain",
            "--format",
            "json",
            "--file",
            path.to_str().unwrap(),
        ],
        None,
    );
    from_file.assert_code(0);
    assert_eq!(
        from_file.json()["diagnosis"],
        "iam-action-denied",
        "{from_file}"
    );
    let content = std::fs::read_to_string(&path).unwrap();
    let as_argument = run_with_env(
        &offline_env(),
        &["explain", "--format", "json", &content],
        None,
    );
    assert_eq!(from_file.stdout, as_argument.stdout);
    // A message and a file together are a usage error.
    run_with_env(
        &offline_env(),
        &["explain", "--file", path.to_str().unwrap(), "text"],
        None,
    )
    .assert_code(2);
    // No input at all, too.
    run_with_env(&offline_env(), &["explain"], None).assert_code(2);
}

#[test]
fn input_over_the_bound_is_refused_in_one_line() {
    let big = " ".repeat(64 * 1024 * 1024 + 1);
    let run = run_with_env(&offline_env(), &["explain", "-"], Some(&big));
    run.assert_code(2);
    assert_eq!(run.stderr.lines().count(), 1, "{run}");
    assert!(run.stderr.contains("over 64 MiB"), "{run}");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.json");
    std::fs::write(&path, &big).unwrap();
    let run = run_with_env(
        &offline_env(),
        &["explain", "--file", path.to_str().unwrap()],
        None,
    );
    run.assert_code(2);
    assert_eq!(run.stderr.lines().count(), 1, "{run}");
}
