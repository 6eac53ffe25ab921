//! End-to-end: the command line contract (subcommands, formats, exit codes, usage errors) and the
//! promises about secrets and redaction.

mod support;

use support::{assert_check, run_with_env, write_file, Bed};

fn offline_env() -> std::collections::BTreeMap<String, String> {
    let mut env = std::collections::BTreeMap::new();
    env.insert(
        "PATH".to_string(),
        std::env::var("PATH").unwrap_or_default(),
    );
    env
}

#[test]
fn list_json_is_the_registry_in_order() {
    let run = run_with_env(&offline_env(), &["list", "--format", "json"], None);
    run.assert_code(0);
    let items = run.json();
    let items = items.as_array().unwrap();
    assert_eq!(items.len(), 15);
    assert_eq!(items[0]["id"], "credentials");
    assert_eq!(items[13]["id"], "prompt-caching");
    assert_eq!(items[14]["id"], "quotas");
    for item in items {
        let mut keys: Vec<&String> = item.as_object().unwrap().keys().collect();
        keys.sort();
        assert_eq!(keys, ["category", "description", "id", "title"], "{item}");
    }
}

#[test]
fn explain_diagnoses_a_pasted_message_offline() {
    let message = "An error occurred (ValidationException) when calling the InvokeModel operation: Invocation of model ID \
                   anthropic.claude-sonnet-4-20250514-v1:0 with on-demand throughput isn’t supported. Retry your request with \
                   the ID or ARN of an inference profile that contains this model.";
    let run = run_with_env(
        &offline_env(),
        &["explain", "--format", "json", message],
        None,
    );
    run.assert_code(0);
    let json = run.json();
    assert_eq!(json["diagnosis"], "inference-profile-required", "{json:#}");
    assert_eq!(json["category"], "inference-profile-required");
    assert_eq!(json["matched"], true);
    for key in ["diagnosis", "category", "cause", "fix", "matched"] {
        assert!(json.get(key).is_some(), "{key} missing");
    }
}

#[test]
fn explain_reads_stdin_and_admits_when_nothing_matches() {
    let run = run_with_env(
        &offline_env(),
        &["explain", "--format", "json", "-"],
        Some("all systems nominal\n"),
    );
    run.assert_code(0);
    let json = run.json();
    assert_eq!(
        (json["matched"].as_bool(), json["diagnosis"].as_str()),
        (Some(false), Some("unknown"))
    );
    run_with_env(&offline_env(), &["explain", "-"], Some("   \n")).assert_code(2);
}

#[test]
fn usage_errors_exit_2_with_one_line() {
    for args in [
        &["--bogus-flag"][..],
        &["--only", "nope"],
        &["--timeout", "-1"],
        &["--region", "US East"],
        &["--format", "yaml"],
        &["--endpoint-url", "not a url"],
        &["show", "/nonexistent/report.json"],
    ] {
        let run = run_with_env(&offline_env(), args, None);
        run.assert_code(2);
        assert!(
            !run.stderr.trim().is_empty(),
            "no message for {args:?}\n{run}"
        );
        assert!(!run.stderr.contains("panicked"), "{run}");
    }
    let run = run_with_env(&offline_env(), &["--only", "nope"], None);
    assert_eq!(run.stderr.trim().lines().count(), 1, "{run}");
}

#[test]
fn show_renders_a_saved_report_and_refuses_others() {
    let bed = Bed::new("healthy");
    let out = bed.home.path().join("report.json");
    let out_s = out.display().to_string();
    let run = bed.run(&["--output", &out_s, "--format", "markdown"]);
    run.assert_code(0);
    assert!(run.stdout.starts_with("## bedrock-doctor report"), "{run}");
    assert!(run.stdout.contains("<details>"), "{run}");
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_check(&saved, "identity", "pass", None);

    let shown = bed.run(&["show", &out_s]);
    shown.assert_code(0);
    assert!(
        shown.stdout.contains("Caller identity") && shown.stdout.contains("✓ pass"),
        "{shown}"
    );
    let shown_md = bed.run(&["show", &out_s, "--format", "markdown"]);
    assert!(
        shown_md.stdout.contains("| ✓ pass | Caller identity |"),
        "{shown_md}"
    );

    let newer = write_file(
        &bed.home,
        "newer.json",
        r#"{"schema_version": 2, "tool": {"name": "bedrock-doctor"}}"#,
    );
    let run = bed.run(&["show", newer.to_str().unwrap()]);
    run.assert_code(2);
    assert!(run.stderr.contains("newer"), "{run}");
    let other = write_file(&bed.home, "other.json", r#"{"hello": "world"}"#);
    bed.run(&["show", other.to_str().unwrap()]).assert_code(2);
    let garbage = write_file(&bed.home, "garbage.json", "{not json");
    bed.run(&["show", garbage.to_str().unwrap()]).assert_code(2);
}

#[test]
fn verbose_table_shows_evidence_and_fixes() {
    let mut bed = Bed::new("healthy");
    bed.set("AWS_ACCESS_KEY_ID", "AKIAI44QH8DHBEXAMPLE");
    let run = bed.run(&["-v"]);
    run.assert_code(1);
    assert!(
        run.stdout.contains("✗ fail") && run.stdout.contains("Caller identity"),
        "{run}"
    );
    assert!(
        run.stdout.contains("sts GetCallerIdentity"),
        "evidence rows with -v\n{run}"
    );
    assert!(
        run.stdout.contains("How to fix") && run.stdout.contains("[invalid-access-key]"),
        "{run}"
    );
    assert!(
        !run.stdout.contains('\u{1b}'),
        "no colour off a terminal\n{run}"
    );
}

#[test]
fn secrets_never_appear_in_any_output() {
    // The stub and moto accept only moto's keys, so plant the sentinel where the doctor must
    // still handle it: a session token, and a wrong secret with the sentinel in it.
    let sentinel_secret = format!("wJalrXUtnFEMI/{}/bPxRfiCY", support::SECRET_SENTINEL_SUFFIX);
    let sentinel_token = format!("IQoJb3JpZ2luX2Vj{}TOKEN", support::SECRET_SENTINEL_SUFFIX);
    for (secret, token) in [
        (Some(sentinel_secret.as_str()), None),
        (None, Some(sentinel_token.as_str())),
    ] {
        let mut bed = Bed::new("healthy");
        if let Some(secret) = secret {
            bed.set("AWS_SECRET_ACCESS_KEY", secret);
        }
        if let Some(token) = token {
            bed.set("AWS_SESSION_TOKEN", token);
        }
        let real_secret = bed.moto.secret_access_key.clone();
        let out = bed.home.path().join("r.json");
        let out_s = out.display().to_string();
        for format in ["table", "json", "markdown"] {
            let run = bed.run(&["-vv", "--format", format, "--output", &out_s]);
            let file = std::fs::read_to_string(&out).unwrap_or_default();
            for haystack in [&run.stdout, &run.stderr, &file] {
                assert!(
                    !haystack.contains(support::SECRET_SENTINEL_SUFFIX),
                    "sentinel leaked ({format})\n{run}"
                );
                assert!(
                    !haystack.contains(&real_secret),
                    "secret key leaked ({format})\n{run}"
                );
            }
        }
    }
}

#[test]
fn redact_masks_every_account_id() {
    let bed = Bed::new("healthy");
    let (plain_run, plain) = bed.report(&["--only", "identity"]);
    plain_run.assert_code(0);
    assert_eq!(
        plain["identity"]["account_id"],
        testbed::MOTO_ACCOUNT,
        "without --redact the account shows"
    );
    let (run, report) = bed.report(&["--redact", "-v"]);
    run.assert_code(0);
    let text = report.to_string();
    let twelve_digits = regex::Regex::new(r"(^|[^0-9])[0-9]{12}([^0-9]|$)").unwrap();
    assert!(
        !twelve_digits.is_match(&text),
        "an account id survived --redact: {report:#}"
    );
    assert!(text.contains("<account-id>"), "{report:#}");
    assert!(
        !text.contains(testbed::SEEDED_USER),
        "principal names are masked: {report:#}"
    );
}

#[test]
fn a_profile_that_does_not_exist_or_a_broken_config_is_a_usage_error() {
    let bed = Bed::new("healthy");
    write_file(&bed.home, "config", "[profile dev]\nregion = us-west-2\n");
    let run = bed.run(&["--profile", "prod"]);
    run.assert_code(2);
    assert!(
        run.stderr.contains("prod") && run.stderr.contains("dev"),
        "{run}"
    );
    assert_eq!(run.stderr.trim().lines().count(), 1, "{run}");

    let dev = bed.run(&["--profile", "dev", "--only", "region", "--format", "json"]);
    dev.assert_code(0);

    write_file(&bed.home, "config", "[profile dev\nregion = us-west-2\n");
    let broken = bed.run(&["--only", "region"]);
    broken.assert_code(2);
    assert!(broken.stderr.contains("config"), "{broken}");
}

#[test]
fn sdk_settings_that_would_panic_the_sdk_do_not_panic_the_doctor() {
    // aws-config panics on these while loading its default retry configuration (aws-config 1.13.0
    // src/default_provider/retry_config.rs, `retry_config`: `panic!` on an invalid value).
    let mut bed = Bed::new("healthy");
    bed.set("AWS_MAX_ATTEMPTS", "0")
        .set("AWS_RETRY_MODE", "bogus");
    let run = bed.run(&["--format", "json"]);
    assert_ne!(run.code, Some(101), "{run}");
    assert!(!run.stderr.contains("panicked"), "{run}");
    run.assert_code(0);
}
