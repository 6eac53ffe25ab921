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

/// The role name `org --role-name` assumes when the role came from [`org_role_template`].
pub const ORG_ROLE_NAME: &str = "BedrockDoctorReadOnly";

/// `policy --org-role`: a CloudFormation template (JSON) that creates, in the account it is
/// deployed to, a role with exactly [`policy`] as its inline policy and a trust policy for one
/// account (the Organization's management account or its delegated administrator), so that `org`
/// never needs `OrganizationAccountAccessRole`, which has AdministratorAccess
/// (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_accounts_access.html).
///
/// Nothing in it names the account it is deployed to, so one template serves every account of a
/// service-managed StackSet
/// (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stacksets-orgs-manage-auto-deployment.html).
/// The external id is checked only when given: an `sts:ExternalId` condition with an empty value
/// could never match, so `Fn::If` drops the condition instead
/// (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-conditions.html).
/// `MaxSessionDuration` 3600 s is the role's lowest maximum (the range is 3600 to 43200 s,
/// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-iam-role.html);
/// `org` asks for the shortest session anyway.
pub fn org_role_template(no_invoke: bool, trusted_account: Option<&str>) -> Result<Value, String> {
    if let Some(id) = trusted_account {
        if id.len() != 12 || !id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!(
                "--trusted-account {id}: an AWS account id is 12 digits"
            ));
        }
    }
    let mut trusted = json!({
        "Type": "String",
        "Description": "The account allowed to assume the role: the Organization's management account, or its delegated administrator, where bedrock-doctor org runs.",
        "AllowedPattern": "^[0-9]{12}$",
        "ConstraintDescription": "a 12-digit AWS account id"
    });
    if let Some(id) = trusted_account {
        trusted["Default"] = json!(id);
    }
    let no_invoke_note = match no_invoke {
        true => " (without model invocations, for org --no-invoke)",
        false => "",
    };
    Ok(json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": format!("bedrock-doctor {}: a read-only role for bedrock-doctor org{no_invoke_note}. Deploy it to every member account as a service-managed StackSet.", env!("CARGO_PKG_VERSION")),
        "Parameters": {
            "RoleName": {
                "Type": "String",
                "Description": "The role's name: pass it to bedrock-doctor org --role-name.",
                "Default": ORG_ROLE_NAME,
                "AllowedPattern": "^[\\w+=,.@-]{1,64}$",
                "ConstraintDescription": "1 to 64 characters: letters, digits and + = , . @ _ -"
            },
            "TrustedAccountId": trusted,
            "ExternalId": {
                "Type": "String",
                "Description": "Optional: when set, the role can be assumed only with this external id (bedrock-doctor org --external-id).",
                "Default": "",
                "AllowedPattern": "^[\\w+=,.@:/-]{0,1224}$",
                "ConstraintDescription": "empty, or up to 1224 characters: letters, digits and + = , . @ : / _ -"
            }
        },
        "Conditions": {
            "HasExternalId": { "Fn::Not": [{ "Fn::Equals": [{ "Ref": "ExternalId" }, ""] }] }
        },
        "Resources": {
            "BedrockDoctorRole": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "RoleName": { "Ref": "RoleName" },
                    "Description": "Read-only: lets bedrock-doctor org diagnose Amazon Bedrock access in this account.",
                    "MaxSessionDuration": 3600,
                    "AssumeRolePolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [{
                            "Sid": "TrustedAccount",
                            "Effect": "Allow",
                            "Principal": { "AWS": { "Fn::Sub": "arn:${AWS::Partition}:iam::${TrustedAccountId}:root" } },
                            "Action": "sts:AssumeRole",
                            "Condition": {
                                "Fn::If": [
                                    "HasExternalId",
                                    { "StringEquals": { "sts:ExternalId": { "Ref": "ExternalId" } } },
                                    { "Ref": "AWS::NoValue" }
                                ]
                            }
                        }]
                    },
                    "Policies": [{
                        "PolicyName": "BedrockDoctorLeastPrivilege",
                        "PolicyDocument": policy(no_invoke)
                    }]
                }
            }
        },
        "Outputs": {
            "RoleArn": {
                "Description": "The role bedrock-doctor org assumes in this account.",
                "Value": { "Fn::GetAtt": ["BedrockDoctorRole", "Arn"] }
            }
        }
    }))
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

/// What the caller of `org` needs beyond what [`policy`] gives it for the management account's own
/// checks: the Organization's accounts, OUs and SCPs (each a read, Organizations' actions:
/// https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsorganizations.html),
/// and `sts:AssumeRole` into the `--role-name` role of each member account.
pub const ORG_READ_ACTIONS: [&str; 9] = [
    "organizations:DescribeOrganization",
    "organizations:DescribeOrganizationalUnit",
    "organizations:DescribePolicy",
    "organizations:ListAccounts",
    "organizations:ListAccountsForParent",
    "organizations:ListOrganizationalUnitsForParent",
    "organizations:ListParents",
    "organizations:ListPoliciesForTarget",
    "organizations:ListRoots",
];

/// `bedrock-doctor policy --command org`: the caller's policy for `org`, run in the management
/// account or a delegated administrator's. It is [`policy`] (the caller's own account is checked
/// with its own credentials), the Organization reads, and `sts:AssumeRole` limited to roles named
/// like the one `policy --org-role` creates in each member account (the role itself carries
/// [`policy`] there).
pub fn org_policy(no_invoke: bool) -> Value {
    let mut document = policy(no_invoke);
    let mut read: Vec<&str> = document["Statement"][0]["Action"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    read.extend(ORG_READ_ACTIONS);
    read.sort_unstable();
    read.dedup();
    document["Statement"][0]["Action"] = json!(read);
    if let Some(statements) = document["Statement"].as_array_mut() {
        statements.push(json!({
            "Sid": "BedrockDoctorEnterMemberAccounts",
            "Effect": "Allow",
            "Action": "sts:AssumeRole",
            "Resource": format!("arn:aws:iam::*:role/{ORG_ROLE_NAME}")
        }));
    }
    document
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
    fn the_org_callers_policy_is_checks_plus_organization_reads_and_assume_role() {
        for no_invoke in [false, true] {
            let org = org_policy(no_invoke);
            let check = policy(no_invoke);
            let read = |doc: &Value| -> Vec<String> {
                doc["Statement"][0]["Action"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| a.as_str().unwrap().to_string())
                    .collect()
            };
            let (org_read, check_read) = (read(&org), read(&check));
            assert!(check_read.iter().all(|a| org_read.contains(a)));
            assert!(ORG_READ_ACTIONS
                .iter()
                .all(|a| org_read.contains(&a.to_string())));
            assert!(org_read.iter().all(|a| !is_write(a)), "{org_read:?}");
            assert!(
                org_read.windows(2).all(|w| w[0] < w[1]),
                "sorted, once each"
            );
            let statements = org["Statement"].as_array().unwrap();
            let enter = statements.last().unwrap();
            assert_eq!(enter["Action"], "sts:AssumeRole");
            assert_eq!(
                enter["Resource"],
                "arn:aws:iam::*:role/BedrockDoctorReadOnly"
            );
            // The invocations statement comes and goes with --no-invoke, as for check.
            assert_eq!(
                statements.len(),
                check["Statement"].as_array().unwrap().len() + 1
            );
        }
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
