//! End-to-end: the least-privilege policy `bedrock-doctor policy` prints covers every call a full
//! run makes, and none of those calls writes anything.

mod support;

use support::{run_with_env, Bed};

fn policy_actions(no_invoke: bool) -> Vec<String> {
    let mut env = std::collections::BTreeMap::new();
    env.insert(
        "PATH".to_string(),
        std::env::var("PATH").unwrap_or_default(),
    );
    let args: &[&str] = if no_invoke {
        &["policy", "--no-invoke"]
    } else {
        &["policy"]
    };
    let run = run_with_env(&env, args, None);
    run.assert_code(0);
    let policy = run.json();
    policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| {
            s["Action"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap().to_string())
        })
        .collect()
}

/// The IAM action that authorizes an operation the stub recorded.
fn action_of(service: &str, operation: &str) -> String {
    match (service, operation) {
        ("bedrock-runtime", "Converse") => "bedrock:InvokeModel".into(),
        ("bedrock-runtime", "ConverseStream") => "bedrock:InvokeModelWithResponseStream".into(),
        ("sts", op) => format!("sts:{op}"),
        ("servicequotas", op) => format!("servicequotas:{op}"),
        (_, op) => format!("bedrock:{op}"),
    }
}

fn is_read_only(operation: &str) -> bool {
    [
        "Get",
        "List",
        "Describe",
        "InvokeModel",
        "Converse",
        "CountTokens",
    ]
    .iter()
    .any(|p| operation.starts_with(p))
}

#[test]
fn the_printed_policy_covers_every_call_of_a_full_run() {
    for (scenario, args, no_invoke) in [
        (
            "healthy",
            vec!["--model", "anthropic.claude-sonnet-4-5-20250929-v1:0"],
            false,
        ),
        ("healthy", vec![], false),
        ("healthy", vec!["--no-invoke"], true),
        ("subscription_pending", vec![], false),
        ("quota_below_default", vec![], false),
    ] {
        let bed = Bed::new(scenario);
        let (_, report) = bed.report(&args);
        let allowed = policy_actions(no_invoke);
        let calls = bed.stub.calls();
        assert!(!calls.is_empty(), "{report:#}");
        assert!(
            calls.iter().any(|c| c.service == "servicequotas"),
            "the quota lists were read through the stub: {calls:#?}"
        );
        for call in &calls {
            assert!(is_read_only(&call.operation), "a write: {call:?}");
            let action = action_of(&call.service, &call.operation);
            if action == "sts:GetCallerIdentity" {
                continue; // needs no permission
            }
            assert!(
                allowed.contains(&action),
                "{scenario} {args:?}: {action} is not in the policy {allowed:?}"
            );
        }
    }
}

#[test]
fn the_printed_policy_lets_the_doctor_read_the_callers_role() {
    // `scp` and `iam-permissions` read an assumed role's path with iam:GetRole (the calls go to
    // IAM, which the stub does not record, so the loop above cannot see them).
    for no_invoke in [false, true] {
        let actions = policy_actions(no_invoke);
        assert!(actions.iter().any(|a| a == "iam:GetRole"), "{actions:?}");
    }
}
