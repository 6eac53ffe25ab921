//! `--app claude-code`: the doctor tests what Claude Code would use, from its variables and
//! settings files, and says where each value came from.

mod support;

use support::{assert_valid_report, run_with_env_in, Bed};

const SONNET: &str = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
const HAIKU: &str = "us.anthropic.claude-haiku-4-5-20251001-v1:0";

fn user_settings(bed: &Bed, json: &str) {
    let dir = bed.home.path().join(".claude");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("settings.json"), json).unwrap();
}

fn app_value<'a>(report: &'a serde_json::Value, key: &str) -> &'a serde_json::Value {
    report["target"]["app"]["values"]
        .as_array()
        .expect("target.app.values")
        .iter()
        .find(|v| v["key"] == key)
        .unwrap_or_else(|| panic!("no app value {key}: {report:#}"))
}

#[test]
fn checks_every_model_the_app_names_and_finds_the_small_fast_one_denied() {
    let bed = Bed::new("small_model_denied");
    user_settings(
        &bed,
        &format!(
            r#"{{"env": {{"CLAUDE_CODE_USE_BEDROCK": "1", "AWS_REGION": "us-east-1",
                 "ANTHROPIC_MODEL": "{SONNET}", "ANTHROPIC_DEFAULT_HAIKU_MODEL": "{HAIKU}"}}}}"#
        ),
    );
    let (run, report) = bed.report(&["--app", "claude-code"]);
    run.assert_code(1);
    assert_eq!(
        report["target"]["model_ids"],
        serde_json::json!([SONNET, HAIKU]),
        "{run}"
    );
    assert_eq!(report["target"]["app"]["name"], "claude-code");
    let model = app_value(&report, "ANTHROPIC_MODEL");
    assert_eq!(
        (model["value"].as_str(), model["source"].as_str()),
        (Some(SONNET), Some("~/.claude/settings.json (env)"))
    );
    assert_eq!(
        report["target"]["app"]["notes"],
        serde_json::json!([]),
        "Bedrock enabled and region set: nothing to note"
    );
    let invokes: Vec<(&str, &str, Option<&str>)> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["id"] == "invoke")
        .map(|c| {
            (
                c["subject"].as_str().unwrap(),
                c["status"].as_str().unwrap(),
                c["diagnosis"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        invokes,
        [
            (SONNET, "pass", None),
            (HAIKU, "fail", Some("model-access-denied"))
        ],
        "{run}"
    );
    let table = bed.run(&["--app", "claude-code", "--color", "never"]);
    assert!(
        table.stdout.contains("App: claude-code")
            && table
                .stdout
                .contains("ANTHROPIC_DEFAULT_HAIKU_MODEL = us.anthropic.claude-haiku-4-5"),
        "{table}"
    );
}

#[test]
fn settings_files_override_the_shell_and_the_local_project_file_wins() {
    let bed = Bed::new("healthy");
    // The shell says us-east-1 (the harness sets AWS_REGION); the settings say otherwise.
    user_settings(&bed, r#"{"env": {"AWS_REGION": "us-west-2"}}"#);
    let project = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(project.path().join(".claude")).unwrap();
    std::fs::write(
        project.path().join(".claude/settings.local.json"),
        r#"{"env": {"AWS_REGION": "eu-west-1"}}"#,
    )
    .unwrap();
    let run = run_with_env_in(
        &bed.env,
        Some(project.path()),
        &[
            "--app",
            "claude-code",
            "--only",
            "region",
            "--format",
            "json",
        ],
        None,
    );
    let report = run.json();
    assert_valid_report(&report);
    assert_eq!(report["target"]["region"], "eu-west-1", "{run}");
    assert_eq!(
        app_value(&report, "AWS_REGION")["source"],
        ".claude/settings.local.json (env)"
    );
    let notes = report["target"]["app"]["notes"].to_string();
    assert!(
        notes.contains("CLAUDE_CODE_USE_BEDROCK is not set"),
        "{notes}"
    );

    // An explicit flag still wins over the app.
    let run = run_with_env_in(
        &bed.env,
        Some(project.path()),
        &[
            "--app",
            "claude-code",
            "--only",
            "region",
            "--region",
            "us-east-1",
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(run.json()["target"]["region"], "us-east-1", "{run}");
}

#[test]
fn credentials_from_the_app_settings_are_used_and_never_printed() {
    let mut bed = Bed::new("healthy");
    let key = bed.env.remove("AWS_ACCESS_KEY_ID").unwrap();
    let secret = bed.env.remove("AWS_SECRET_ACCESS_KEY").unwrap();
    user_settings(
        &bed,
        &format!(
            r#"{{"env": {{"CLAUDE_CODE_USE_BEDROCK": "1", "AWS_REGION": "us-east-1",
                 "AWS_ACCESS_KEY_ID": "{key}", "AWS_SECRET_ACCESS_KEY": "{secret}"}}}}"#
        ),
    );
    let (run, report) = bed.report(&["--app", "claude-code", "--no-invoke", "-vv"]);
    assert_eq!(
        support::check(&report, "identity")["status"],
        "pass",
        "the keys from the settings file reached the SDK\n{run}"
    );
    assert_eq!(
        app_value(&report, "AWS_SECRET_ACCESS_KEY")["value"],
        "set (not shown)"
    );
    assert!(
        !run.stdout.contains(&secret) && !run.stderr.contains(&secret),
        "secret printed\n{run}"
    );
}

#[test]
fn unknown_apps_and_broken_settings_are_usage_errors() {
    let bed = Bed::new("healthy");
    let run = bed.run(&["--app", "cursor"]);
    run.assert_code(2);
    assert!(
        run.stderr.contains("claude-code"),
        "known apps listed\n{run}"
    );

    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(".claude")).unwrap();
    std::fs::write(
        dir.path().join(".claude/settings.json"),
        "{\"env\": {\"AWS_REGION\": ",
    )
    .unwrap();
    let run = run_with_env_in(&bed.env, Some(dir.path()), &["--app", "claude-code"], None);
    run.assert_code(2);
    assert_eq!(run.stderr.trim().lines().count(), 1, "{run}");
    assert!(
        run.stderr.contains(".claude/settings.json") && run.stderr.contains("not valid JSON"),
        "{run}"
    );
}
