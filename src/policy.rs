//! `bedrock-doctor policy`: the least-privilege IAM policy that lets every check run, generated
//! from the actions each check declares beside its code.

use serde_json::{json, Value};
use std::collections::BTreeSet;

/// The actions that cost money: the model invocations, left out by `--no-invoke`.
pub const INVOKE_ACTIONS: [&str; 2] = [
    "bedrock:InvokeModel",
    "bedrock:InvokeModelWithResponseStream",
];

/// `sts:GetCallerIdentity` needs no permission (an explicit deny cannot block it), so the policy
/// does not list it.
const NEEDS_NO_PERMISSION: [&str; 1] = ["sts:GetCallerIdentity"];

/// Every action the registry's checks declare, sorted.
pub fn declared_actions() -> BTreeSet<&'static str> {
    checks::registry()
        .iter()
        .flat_map(|c| c.meta().calls.iter().copied())
        .collect()
}

pub fn policy(no_invoke: bool) -> Value {
    let read: Vec<&str> = declared_actions()
        .into_iter()
        .filter(|a| !INVOKE_ACTIONS.contains(a) && !NEEDS_NO_PERMISSION.contains(a))
        .collect();
    let mut statements = vec![json!({
        "Sid": "BedrockDoctorReadOnly",
        "Effect": "Allow",
        "Action": read,
        "Resource": "*"
    })];
    if !no_invoke {
        statements.push(json!({
            "Sid": "BedrockDoctorMinimalInvocations",
            "Effect": "Allow",
            "Action": INVOKE_ACTIONS,
            "Resource": ["arn:aws:bedrock:*::foundation-model/*", "arn:aws:bedrock:*:*:inference-profile/*"]
        }));
    }
    json!({ "Version": "2012-10-17", "Statement": statements })
}

/// What `trail` calls: `LookupEvents` in each region read, a read of event history
/// (CloudTrail's actions: https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscloudtrail.html).
/// Only `trail` needs it, so `policy` prints it only for `--command trail`.
pub const TRAIL_ACTIONS: [&str; 1] = ["cloudtrail:LookupEvents"];

/// `bedrock-doctor policy --command trail`: the policy `trail` needs.
pub fn trail_policy() -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "BedrockDoctorTrailReadOnly",
            "Effect": "Allow",
            "Action": TRAIL_ACTIONS,
            "Resource": "*"
        }]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether an action is a write: nothing the doctor declares may be one.
    fn is_write(action: &str) -> bool {
        let name = action.split(':').nth(1).unwrap_or(action);
        [
            "Put", "Create", "Delete", "Update", "Attach", "Detach", "Tag", "Untag", "Start",
            "Stop", "Submit", "Accept",
        ]
        .iter()
        .any(|verb| name.starts_with(verb))
    }

    #[test]
    fn declares_only_reads_plus_the_two_invocations() {
        let actions = declared_actions();
        assert!(actions.iter().all(|a| !is_write(a)), "{actions:?}");
        assert!(
            actions.contains("bedrock:GetFoundationModelAvailability")
                && actions.contains("organizations:ListParents")
                // scp and iam-permissions read the caller's role for its path.
                && actions.contains("iam:GetRole")
        );
        let no_invoke = policy(true).to_string();
        assert!(!no_invoke.contains("InvokeModel"), "{no_invoke}");
        assert!(policy(false)
            .to_string()
            .contains("bedrock:InvokeModelWithResponseStream"));
        assert!(!no_invoke.contains("GetCallerIdentity"));
        assert!(!policy(false).to_string().contains("cloudtrail:"));
    }

    #[test]
    fn trail_needs_lookup_events_only() {
        assert_eq!(
            trail_policy()["Statement"][0]["Action"],
            json!(["cloudtrail:LookupEvents"])
        );
    }
}
