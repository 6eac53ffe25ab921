//! `--model` as apps are configured: base ids, inference profile ids of every geography the stub
//! serves, system and application profile ARNs, near misses of each kind, and Claude Code's
//! unpinned aliases resolved against the region's live catalog.

mod support;

use support::{assert_check, check, Bed};

const SONNET_45: &str = "anthropic.claude-sonnet-4-5-20250929-v1:0";
const HAIKU_45: &str = "anthropic.claude-haiku-4-5-20251001-v1:0";

/// The `modelId`s the stub's runtime received, per operation.
fn invoked(bed: &Bed, operation: &str) -> Vec<String> {
    bed.stub
        .calls()
        .into_iter()
        .filter(|c| c.operation == operation)
        .filter_map(|c| c.param)
        .collect()
}

fn fix(report: &serde_json::Value, id: &str) -> String {
    check(report, id)["fix"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Runs model-catalog and invoke for one `--model` and asserts both pass, the invocation going
/// through exactly the id given.
fn assert_passes_as_given(region: &str, model: &str) {
    let bed = Bed::new("healthy");
    let (run, report) = bed.report(&[
        "--region",
        region,
        "--model",
        model,
        "--only",
        "model-catalog,invoke",
    ]);
    run.assert_code(0);
    assert_check(&report, "model-catalog", "pass", None);
    assert_check(&report, "invoke", "pass", None);
    assert_eq!(report["target"]["model_id"], model, "{run}");
    for operation in ["InvokeModel", "InvokeModelWithResponseStream"] {
        assert_eq!(invoked(&bed, operation), [model], "{operation}\n{run}");
    }
    let catalog = check(&report, "model-catalog")["summary"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        catalog.starts_with(&format!("`{model}` (")) && catalog.contains("its model anthropic."),
        "{catalog}"
    );
    let calls: Vec<String> = bed
        .stub
        .calls()
        .iter()
        .map(|c| c.operation.clone())
        .collect();
    assert!(
        calls.iter().any(|op| op == "GetInferenceProfile"),
        "the profile is confirmed with the region: {calls:?}"
    );
}

#[test]
fn profile_ids_of_every_geography_the_stub_serves_pass_and_are_invoked_as_given() {
    for (region, model) in [
        ("us-east-1", format!("us.{SONNET_45}")),
        ("eu-west-1", format!("eu.{SONNET_45}")),
        ("eu-central-1", format!("eu.{HAIKU_45}")),
        (
            "us-east-1",
            "global.anthropic.claude-sonnet-4-6".to_string(),
        ),
        ("ap-northeast-2", format!("global.{HAIKU_45}")),
    ] {
        assert_passes_as_given(region, &model);
    }
}

#[test]
fn a_system_profile_arn_passes_and_is_invoked_as_given() {
    assert_passes_as_given(
        "us-east-1",
        &format!("arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.{HAIKU_45}"),
    );
}

#[test]
fn an_application_profile_arn_passes_and_is_invoked_as_given() {
    let arn = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5f6";
    assert_passes_as_given("us-east-1", arn);
    let bed = Bed::new("healthy");
    let (_, report) = bed.report(&["--model", arn, "--only", "model-catalog"]);
    let summary = check(&report, "model-catalog")["summary"].as_str().unwrap();
    assert!(
        summary.contains(
            "application inference profile in us-east-1, routes to us-east-1, us-east-2, us-west-2"
        ) && summary.contains(&format!("its model {SONNET_45}")),
        "{summary}"
    );
}

#[test]
fn an_application_profile_arn_of_another_region_is_not_found() {
    let bed = Bed::new("healthy");
    let arn = "arn:aws:bedrock:us-west-2:123456789012:application-inference-profile/a1b2c3d4e5f6";
    let (run, report) = bed.report(&[
        "--region",
        "us-west-2",
        "--model",
        arn,
        "--only",
        "model-catalog,invoke",
    ]);
    run.assert_code(1);
    assert_check(
        &report,
        "model-catalog",
        "fail",
        Some("inference-profile-not-found"),
    );
    assert_check(&report, "invoke", "skip", None);
    assert!(invoked(&bed, "InvokeModel").is_empty());
}

#[test]
fn a_base_id_where_only_profiles_work_names_the_profiles_that_do() {
    let bed = Bed::new("healthy");
    let (run, report) = bed.report(&["--model", SONNET_45, "--only", "model-catalog,invoke"]);
    run.assert_code(0);
    assert_check(&report, "model-catalog", "pass", None);
    assert_check(
        &report,
        "invoke",
        "warn",
        Some("inference-profile-required"),
    );
    let fix = fix(&report, "invoke");
    for works in [format!("`us.{SONNET_45}`"), format!("`global.{SONNET_45}`")] {
        assert!(fix.contains(&works), "{works} in\n{fix}");
    }
    // Proved through the profile of the region's geography, named in the summary.
    assert_eq!(invoked(&bed, "InvokeModel"), [format!("us.{SONNET_45}")]);
}

#[test]
fn without_invocations_the_catalog_says_a_base_id_needs_a_profile() {
    let bed = Bed::new("healthy");
    let (run, report) = bed.report(&[
        "--model",
        SONNET_45,
        "--no-invoke",
        "--only",
        "model-catalog,invoke",
    ]);
    run.assert_code(0);
    assert_check(
        &report,
        "model-catalog",
        "warn",
        Some("inference-profile-required"),
    );
    let fix = fix(&report, "model-catalog");
    for works in [format!("`us.{SONNET_45}`"), format!("`global.{SONNET_45}`")] {
        assert!(fix.contains(&works), "{works} in\n{fix}");
    }
    assert_check(&report, "invoke", "skip", None);
    assert!(invoked(&bed, "InvokeModel").is_empty());
}

#[test]
fn a_profile_of_another_geography_fails_naming_the_ids_that_work_here() {
    let bed = Bed::new("model_id_invalid");
    let given = format!("us.{SONNET_45}");
    let (run, report) = bed.report(&[
        "--region",
        "ap-northeast-2",
        "--model",
        &given,
        "--only",
        "model-catalog,invoke,model-access",
    ]);
    run.assert_code(1);
    assert_check(&report, "model-catalog", "fail", Some("model-id-invalid"));
    let summary = check(&report, "model-catalog")["summary"].as_str().unwrap();
    assert!(summary.contains("ap-northeast-2"), "{summary}");
    let fix = fix(&report, "model-catalog");
    assert!(
        fix.contains(&format!("`global.{SONNET_45}`")) && !fix.contains(&format!("`{given}`")),
        "{fix}"
    );
    assert_check(&report, "invoke", "skip", None);
    assert_check(&report, "model-access", "skip", None);
    assert!(invoked(&bed, "InvokeModel").is_empty());
}

#[test]
fn near_misses_fail_model_id_invalid_naming_the_closest_real_ids() {
    let cases = [
        // A display name.
        ("Claude Sonnet 4.5", SONNET_45),
        // An extra `:0`.
        (
            "anthropic.claude-sonnet-4-6:0",
            "anthropic.claude-sonnet-4-6",
        ),
        (
            "anthropic.claude-opus-4-6-v1:0",
            "anthropic.claude-opus-4-6-v1",
        ),
        // A missing `:0`.
        ("anthropic.claude-sonnet-4-5-20250929-v1", SONNET_45),
        // A wrong date.
        ("anthropic.claude-haiku-4-5-20250101-v1:0", HAIKU_45),
        // A wrong version suffix.
        ("anthropic.claude-haiku-4-5-20251001-v2:0", HAIKU_45),
        // Wrong case.
        ("Anthropic.Claude-Sonnet-4-6", "anthropic.claude-sonnet-4-6"),
        // A profile prefix on a model that has no profile.
        (
            "us.anthropic.claude-3-haiku-20240307-v1:0",
            "anthropic.claude-3-haiku-20240307-v1:0",
        ),
    ];
    for (given, closest) in cases {
        let bed = Bed::new("model_id_invalid");
        let (run, report) = bed.report(&[
            "--model",
            given,
            "--only",
            "model-catalog,invoke,use-case,quotas",
        ]);
        run.assert_code(1);
        assert_check(&report, "model-catalog", "fail", Some("model-id-invalid"));
        let fix = fix(&report, "model-catalog");
        // A profile prefix on a real model names that model's own working ids; any other slip
        // names the closest models first.
        let named = if given.starts_with("us.") {
            format!("The base id `{closest}` also works on demand in us-east-1")
        } else {
            format!("Closest ids in us-east-1: `{closest}`")
        };
        assert!(fix.contains(&named), "{given} → {closest}\n{fix}");
        for dependent in ["invoke", "quotas"] {
            assert_check(&report, dependent, "skip", None);
        }
        assert!(invoked(&bed, "InvokeModel").is_empty(), "{given}");
    }
}

#[test]
fn a_near_miss_still_produces_the_full_report_with_profile_ids_named() {
    let bed = Bed::new("model_id_invalid");
    let (run, report) = bed.report(&["--model", "anthropic.claude-opus-4-6-v1:0"]);
    run.assert_code(1);
    assert_check(&report, "model-catalog", "fail", Some("model-id-invalid"));
    let checks = report["checks"].as_array().unwrap();
    assert_eq!(checks.len(), 15, "every check reports");
    for id in ["identity", "region", "credentials"] {
        assert_check(&report, id, "pass", None);
    }
    let fix = fix(&report, "model-catalog");
    assert!(
        fix.contains("`anthropic.claude-opus-4-6-v1` (Claude Opus 4.6; only through a profile: `us.anthropic.claude-opus-4-6-v1`, `global.anthropic.claude-opus-4-6-v1`)"),
        "{fix}"
    );
    // Nothing else fails on the slip; the checks that need the model skip and say why.
    for c in checks.iter().filter(|c| c["id"] != "model-catalog") {
        assert!(c["status"] == "pass" || c["status"] == "skip", "{c:#}");
    }
    for id in [
        "invoke",
        "model-access",
        "marketplace",
        "quotas",
        "prompt-caching",
        "inference-profile",
    ] {
        let c = check(&report, id);
        assert!(
            c["status"] == "skip" && c["summary"].as_str().unwrap().contains("model-id-invalid"),
            "{id} skips naming the cause: {c:#}"
        );
    }
}

#[test]
fn values_no_id_could_be_are_usage_errors() {
    let bed = Bed::new("healthy");
    let long = "a".repeat(2049);
    for bad in [
        "",
        "   ",
        "anthropic.claude\u{7}-sonnet",
        "us.anthropic\nclaude",
        long.as_str(),
    ] {
        let run = bed.run(&["--model", bad]);
        run.assert_code(2);
        assert_eq!(run.stderr.trim().lines().count(), 1, "{run}");
        assert!(run.stderr.contains("--model"), "{run}");
    }
    // A display name is not one of them: it gets the full report.
    bed.run(&["--model", "Claude Sonnet 4.5", "--only", "model-catalog"])
        .assert_code(1);
}

fn claude_code_settings(bed: &Bed, region: &str) {
    let dir = bed.home.path().join(".claude");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("settings.json"),
        format!(r#"{{"env": {{"CLAUDE_CODE_USE_BEDROCK": "1", "AWS_REGION": "{region}"}}}}"#),
    )
    .unwrap();
}

#[test]
fn claude_code_unpinned_resolves_to_the_newest_active_model_of_each_family() {
    // ca-central-1 lists a Claude Sonnet newer than every other, and a LEGACY Haiku newer by name.
    let bed = Bed::new("healthy");
    claude_code_settings(&bed, "ca-central-1");
    let (run, report) = bed.report(&["--app", "claude-code", "--only", "model-catalog,invoke"]);
    run.assert_code(0);
    let sonnet = "global.anthropic.claude-sonnet-5";
    let haiku = format!("global.{HAIKU_45}");
    assert_eq!(
        report["target"]["model_ids"],
        serde_json::json!([sonnet, haiku]),
        "{run}"
    );
    let values = report["target"]["app"]["values"].as_array().unwrap();
    let value = |key: &str| {
        values
            .iter()
            .find(|v| v["key"] == key)
            .unwrap_or_else(|| panic!("no {key}: {values:#?}"))
            .clone()
    };
    assert_eq!(value("sonnet (unpinned)")["value"], sonnet);
    assert!(
        value("sonnet (unpinned)")["source"]
            .as_str()
            .unwrap()
            .contains(&format!("Claude Code documents {SONNET_45}")),
        "{values:#?}"
    );
    assert_eq!(value("haiku (unpinned)")["value"], haiku.as_str());
    let notes = report["target"]["app"]["notes"].to_string();
    assert!(
        notes.contains(SONNET_45) && notes.contains(sonnet),
        "{notes}"
    );
    assert!(
        !report.to_string().contains("claude-haiku-5"),
        "LEGACY is never chosen"
    );
    let invokes: Vec<String> = invoked(&bed, "InvokeModel");
    assert!(
        invokes.contains(&sonnet.to_string()) && invokes.contains(&haiku),
        "{invokes:?}"
    );
    for c in report["checks"].as_array().unwrap() {
        assert_eq!(c["status"], "pass", "{c:#}");
    }
}

#[test]
fn claude_code_unpinned_in_us_east_1_is_the_newest_listed_there() {
    let bed = Bed::new("healthy");
    claude_code_settings(&bed, "us-east-1");
    let (_, report) = bed.report(&["--app", "claude-code", "--only", "model-catalog"]);
    assert_eq!(
        report["target"]["model_ids"],
        serde_json::json!(["us.anthropic.claude-sonnet-4-6", format!("us.{HAIKU_45}")]),
        "{report:#}"
    );
    // The documented Haiku is the newest: nothing to note about it.
    let notes = report["target"]["app"]["notes"].to_string();
    assert!(!notes.contains("Claude haiku"), "{notes}");
}
