//! End-to-end: inference profiles and service control policies, with a real Organization (SCP
//! objects attached to the root and an OU) built in moto by boto3.

mod support;

use support::{assert_check, check, organization, Bed};

const SONNET_45: &str = "anthropic.claude-sonnet-4-5-20250929-v1:0";

fn summary(report: &serde_json::Value, id: &str) -> String {
    check(report, id)["summary"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn a_member_sees_scp_denials_in_two_of_three_destinations() {
    let bed = Bed::member("scp_two_regions_denied");
    let (run, report) = bed.report(&["--model", SONNET_45]);
    run.assert_code(1);
    assert_check(
        &report,
        "inference-profile",
        "fail",
        Some("inference-profile-region-blocked"),
    );
    let blocked = summary(&report, "inference-profile");
    assert!(
        blocked.contains("2 of 3")
            && blocked.contains("us-east-2")
            && blocked.contains("us-west-2"),
        "{blocked}"
    );
    assert!(
        !blocked.contains("us-east-1,") && blocked.contains("intermittent"),
        "{blocked}"
    );
    assert_check(&report, "scp", "fail", Some("scp-explicit-deny"));
    let scp = summary(&report, "scp");
    assert!(scp.contains("bedrock:InvokeModel"), "{report:#}");
    // Every denied leg is named, not only the first.
    assert!(
        scp.contains("(us-east-2)") && scp.contains("(us-west-2)"),
        "{report:#}"
    );
    assert_eq!(
        report["identity"]["account_id"],
        organization().member_account.as_str()
    );
    let fix = check(&report, "inference-profile")["fix"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(!fix.is_empty(), "{report:#}");
    // The probes reached each destination region once, and cost no tokens (HTTP 400 or 403).
    let probes: Vec<_> = bed
        .stub
        .calls()
        .into_iter()
        .filter(|c| c.operation == "InvokeModel" && c.region.as_deref() != Some("us-east-1"))
        .collect();
    assert!(
        probes.iter().all(|c| c.status == 400 || c.status == 403),
        "{probes:#?}"
    );
}

#[test]
fn a_role_with_a_path_is_judged_by_its_full_arn() {
    // moto's IAM answers GetRole with the role's path; the session ARN does not show it.
    let org = organization();
    let mut bed = Bed::with_credentials(
        testbed::Moto::open(),
        "healthy",
        &org.path_role_access_key_id,
        &org.path_role_secret_access_key,
        Some(org.path_role_session_token.as_str()),
    );
    bed.set("AWS_SESSION_TOKEN", org.path_role_session_token.clone());
    let (_, report) = bed.report(&["--model", SONNET_45]);
    assert_eq!(
        org.path_role_arn,
        format!("arn:aws:iam::{}:role/ops/BedrockOps", org.member_account)
    );
    assert!(
        report["identity"]["arn"]
            .as_str()
            .is_some_and(|arn| arn.ends_with(":assumed-role/BedrockOps/doctor")),
        "{report:#}"
    );
    assert_check(&report, "scp", "skip", None);
    let scp = summary(&report, "scp");
    assert!(
        scp.contains(&format!("not verified for {}", org.path_role_arn)),
        "{report:#}"
    );
}

#[test]
fn a_member_that_cannot_read_the_scps_says_what_was_not_verified() {
    let bed = Bed::member("healthy");
    let (run, report) = bed.report(&["--model", SONNET_45]);
    run.assert_code(0);
    assert_check(&report, "scp", "skip", None);
    assert!(
        summary(&report, "scp").contains("not verified"),
        "{report:#}"
    );
}

#[test]
fn the_management_account_is_exempt_from_scps() {
    let bed = Bed::management("healthy");
    let (run, report) = bed.report(&["--only", "scp"]);
    run.assert_code(0);
    assert_check(&report, "scp", "pass", None);
    assert!(
        summary(&report, "scp").contains("management account"),
        "{report:#}"
    );
}

#[test]
fn an_scp_that_denies_only_streaming_is_named() {
    let bed = Bed::new("scp_denies_stream");
    let (run, report) = bed.report(&["--model", "anthropic.claude-3-haiku-20240307-v1:0"]);
    run.assert_code(1);
    assert_check(&report, "scp", "fail", Some("scp-explicit-deny"));
    let scp = summary(&report, "scp");
    assert!(
        scp.contains("bedrock:InvokeModelWithResponseStream") && scp.contains("us-east-2"),
        "{scp}"
    );
    assert_check(&report, "invoke", "fail", Some("scp-explicit-deny"));
}

#[test]
fn a_global_profile_is_invoked_and_probed_in_its_destinations() {
    let bed = Bed::new("healthy");
    let (run, report) = bed.report(&[
        "--model",
        "anthropic.claude-sonnet-4-6",
        "--inference-profile",
        "global.anthropic.claude-sonnet-4-6",
    ]);
    run.assert_code(0);
    assert_check(&report, "inference-profile", "pass", None);
    assert!(
        summary(&report, "inference-profile").contains("global.anthropic.claude-sonnet-4-6"),
        "{report:#}"
    );
    let calls = bed.stub.calls();
    assert!(
        calls.iter().any(|c| c.operation == "GetInferenceProfile"),
        "{calls:#?}"
    );
    for region in ["eu-west-1", "ap-northeast-1"] {
        assert!(
            calls
                .iter()
                .any(|c| c.operation == "InvokeModel" && c.region.as_deref() == Some(region)),
            "no probe in {region}: {calls:#?}"
        );
    }
}

#[test]
fn a_profile_without_the_model_or_with_a_typo_is_not_found() {
    let bed = Bed::new("healthy");
    let (run, report) = bed.report(&[
        "--model",
        "anthropic.claude-sonnet-4-6",
        "--inference-profile",
        &format!("us.{SONNET_45}"),
        "--only",
        "inference-profile",
    ]);
    run.assert_code(1);
    assert_check(
        &report,
        "inference-profile",
        "fail",
        Some("inference-profile-not-found"),
    );
    assert!(
        summary(&report, "inference-profile").contains("does not contain"),
        "{report:#}"
    );

    let (run, report) = bed.report(&[
        "--model",
        SONNET_45,
        "--inference-profile",
        "us.anthropic.claude-sonet-4-5-20250929-v1:0",
        "--only",
        "inference-profile",
    ]);
    run.assert_code(1);
    assert_check(
        &report,
        "inference-profile",
        "fail",
        Some("inference-profile-not-found"),
    );
}
