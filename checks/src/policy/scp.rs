//! SCP hierarchies: the SCPs attached at each level from the organization root down to the
//! account, decided together.
//!
//! Organizations guide, `orgs_manage_policies_scps_evaluation.html`: an explicit Deny in any SCP
//! on the path denies; otherwise "there must be an explicit Allow statement at every level from
//! the root through each OU in the direct path to the account (including the target account
//! itself)". Removing `FullAWSAccess` from a level without a replacement denies everything below.

use super::{Decision, Policy, Request, StatementRef};

/// An SCP attached at one level.
#[derive(Debug, Clone, PartialEq)]
pub struct AttachedPolicy {
    pub id: String,
    pub name: String,
    pub policy: Policy,
}

/// One level of the path: the root (`r-…`), an OU (`ou-…`) or the account (its id).
#[derive(Debug, Clone, PartialEq)]
pub struct Level {
    pub target_id: String,
    pub policies: Vec<AttachedPolicy>,
}

/// The decision of the whole SCP path on one request.
#[derive(Debug, Clone, PartialEq)]
pub enum ScpDecision {
    Allowed,
    ExplicitDeny {
        target_id: String,
        policy_id: String,
        policy_name: String,
        statement: StatementRef,
    },
    /// No SCP attached at this level allows the action (e.g. FullAWSAccess removed).
    NotAllowedAt {
        target_id: String,
    },
    Unknown {
        target_id: String,
        policy_id: String,
        reason: String,
    },
}

/// Decides the request against the SCPs of every level, root first.
///
/// Order of precedence: a definite explicit Deny anywhere (the one nearest the root); then a Deny
/// that cannot be decided here (it may be the explicit deny); then, level by level from the
/// root, the first level where nothing allows (or where the only possible Allow is undecidable).
pub fn evaluate_scps(levels: &[Level], request: &Request) -> ScpDecision {
    let decisions: Vec<Vec<(&AttachedPolicy, Decision)>> = levels
        .iter()
        .map(|level| {
            level
                .policies
                .iter()
                .map(|p| (p, p.policy.evaluate(request)))
                .collect()
        })
        .collect();

    for (level, decided) in levels.iter().zip(&decisions) {
        for (attached, decision) in decided {
            if let Decision::ExplicitDeny(statement) = decision {
                return ScpDecision::ExplicitDeny {
                    target_id: level.target_id.clone(),
                    policy_id: attached.id.clone(),
                    policy_name: attached.name.clone(),
                    statement: statement.clone(),
                };
            }
        }
    }
    for (level, decided) in levels.iter().zip(&decisions) {
        for (attached, decision) in decided {
            if let Decision::Unknown { statement, reason } = decision {
                if attached.policy.is_deny(statement.index) {
                    return unknown(level, attached, reason);
                }
            }
        }
    }
    for (level, decided) in levels.iter().zip(&decisions) {
        if decided.iter().any(|(_, d)| matches!(d, Decision::Allow(_))) {
            continue;
        }
        if let Some((attached, Decision::Unknown { reason, .. })) = decided
            .iter()
            .find(|(_, d)| matches!(d, Decision::Unknown { .. }))
        {
            return unknown(level, attached, reason);
        }
        return ScpDecision::NotAllowedAt {
            target_id: level.target_id.clone(),
        };
    }
    ScpDecision::Allowed
}

fn unknown(level: &Level, attached: &AttachedPolicy, reason: &str) -> ScpDecision {
    ScpDecision::Unknown {
        target_id: level.target_id.clone(),
        policy_id: attached.id.clone(),
        reason: reason.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    const FULL_AWS_ACCESS: &str =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
    const REGION_DENY: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"GRREGIONDENY","Effect":"Deny","NotAction":["iam:*","sts:*"],"Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":["us-east-1","us-west-2"]}}}]}"#;
    const TAG_DENY: &str = r#"{"Statement":{"Effect":"Deny","Action":"bedrock:*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"${aws:PrincipalTag/blocked}"}}}}"#;
    const TAG_ALLOW: &str = r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}}}"#;
    const ALLOW_EC2_ONLY: &str =
        r#"{"Statement":{"Effect":"Allow","Action":"ec2:*","Resource":"*"}}"#;

    fn attached(id: &str, json: &str) -> AttachedPolicy {
        AttachedPolicy {
            id: id.into(),
            name: format!("{id}-name"),
            policy: Policy::parse(json).unwrap(),
        }
    }

    fn level(target: &str, policies: Vec<AttachedPolicy>) -> Level {
        Level {
            target_id: target.into(),
            policies,
        }
    }

    fn invoke(region: &str, extra: &[(&str, &str)]) -> Request {
        let mut context =
            BTreeMap::from([("aws:RequestedRegion".to_string(), vec![region.to_string()])]);
        for (k, v) in extra {
            context.insert(k.to_string(), vec![v.to_string()]);
        }
        Request {
            action: "bedrock:InvokeModel".into(),
            resource: format!("arn:aws:bedrock:{region}::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0"),
            context,
        }
    }

    fn standard_path(ou_extra: Vec<AttachedPolicy>) -> Vec<Level> {
        let mut ou = vec![attached("p-full2", FULL_AWS_ACCESS)];
        ou.extend(ou_extra);
        vec![
            level("r-root", vec![attached("p-FullAWSAccess", FULL_AWS_ACCESS)]),
            level("ou-abcd-1234", ou),
            level("123456789012", vec![attached("p-full3", FULL_AWS_ACCESS)]),
        ]
    }

    #[test]
    fn allowed_when_every_level_allows_and_nothing_denies() {
        let levels = standard_path(vec![attached("p-region", REGION_DENY)]);
        assert_eq!(
            evaluate_scps(&levels, &invoke("us-east-1", &[])),
            ScpDecision::Allowed
        );
    }

    #[test]
    fn explicit_deny_names_level_policy_and_statement() {
        let levels = standard_path(vec![attached("p-region", REGION_DENY)]);
        let ScpDecision::ExplicitDeny {
            target_id,
            policy_id,
            policy_name,
            statement,
        } = evaluate_scps(&levels, &invoke("us-east-2", &[]))
        else {
            panic!("expected an explicit deny");
        };
        assert_eq!(target_id, "ou-abcd-1234");
        assert_eq!(policy_id, "p-region");
        assert_eq!(policy_name, "p-region-name");
        assert_eq!(statement.sid.as_deref(), Some("GRREGIONDENY"));
        assert_eq!(statement.index, 0);
    }

    /// An InvokeModel in us-east-1 finds no Allow at the first level without one (and no Deny
    /// anywhere), including a level with no policies at all.
    #[test]
    fn not_allowed_at_the_first_level_without_an_allow() {
        let root = || level("r-root", vec![attached("p-FullAWSAccess", FULL_AWS_ACCESS)]);
        let cases = [
            (
                vec![
                    root(),
                    level("ou-abcd-1234", vec![attached("p-ec2", ALLOW_EC2_ONLY)]),
                    level("123456789012", vec![]),
                ],
                "ou-abcd-1234",
            ),
            (vec![root(), level("123456789012", vec![])], "123456789012"),
        ];
        for (levels, target) in cases {
            assert_eq!(
                evaluate_scps(&levels, &invoke("us-east-1", &[])),
                ScpDecision::NotAllowedAt {
                    target_id: target.into()
                },
                "{target}"
            );
        }
    }

    #[test]
    fn explicit_deny_deeper_wins_over_missing_allow_above() {
        let levels = vec![
            level("r-root", vec![attached("p-ec2", ALLOW_EC2_ONLY)]),
            level(
                "123456789012",
                vec![
                    attached("p-full", FULL_AWS_ACCESS),
                    attached("p-region", REGION_DENY),
                ],
            ),
        ];
        assert!(matches!(
            evaluate_scps(&levels, &invoke("eu-west-1", &[])),
            ScpDecision::ExplicitDeny { ref target_id, .. } if target_id == "123456789012"
        ));
    }

    #[test]
    fn undecidable_deny_is_unknown_unless_a_definite_deny_exists() {
        let tagged = [("aws:PrincipalTag/team", "ml")];
        let levels = standard_path(vec![attached("p-tags", TAG_DENY)]);
        assert!(matches!(
            evaluate_scps(&levels, &invoke("us-east-1", &tagged)),
            ScpDecision::Unknown { ref policy_id, .. } if policy_id == "p-tags"
        ));
        let levels = standard_path(vec![
            attached("p-tags", TAG_DENY),
            attached("p-region", REGION_DENY),
        ]);
        assert!(matches!(
            evaluate_scps(&levels, &invoke("us-east-2", &tagged)),
            ScpDecision::ExplicitDeny { ref policy_id, .. } if policy_id == "p-region"
        ));
    }

    #[test]
    fn undecidable_allow_matters_only_where_nothing_else_allows() {
        let now = [("aws:CurrentTime", "2026-05-01T00:00:00Z")];
        let levels = standard_path(vec![attached("p-dated", TAG_ALLOW)]);
        assert_eq!(
            evaluate_scps(&levels, &invoke("us-east-1", &now)),
            ScpDecision::Allowed
        );
        let levels = vec![
            level("r-root", vec![attached("p-FullAWSAccess", FULL_AWS_ACCESS)]),
            level("123456789012", vec![attached("p-dated", TAG_ALLOW)]),
        ];
        assert!(matches!(
            evaluate_scps(&levels, &invoke("us-east-1", &now)),
            ScpDecision::Unknown { ref target_id, .. } if target_id == "123456789012"
        ));
    }

    #[test]
    fn cris_destination_region_is_denied_by_region_deny() {
        // A us. profile called in us-east-1 routed to us-east-2: the SCP sees the destination.
        let levels = standard_path(vec![attached("p-region", REGION_DENY)]);
        let profile = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0";
        let decision = evaluate_scps(
            &levels,
            &invoke("us-east-2", &[("bedrock:InferenceProfileArn", profile)]),
        );
        assert!(matches!(decision, ScpDecision::ExplicitDeny { .. }));
    }

    // `aws:PrincipalArn` of an assumed-role session is the role's ARN with its path (IAM User
    // Guide, condition key `aws:PrincipalArn`); the session ARN shows neither path nor region.
    const SSO_ROLE: &str = "arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_BedrockUsers_0123456789abcdef";
    const SSO_ROLE_WITHOUT_PATH: &str =
        "arn:aws:iam::123456789012:role/AWSReservedSSO_BedrockUsers_0123456789abcdef";
    const OPS_ROLE: &str = "arn:aws:iam::123456789012:role/ops/BedrockOps";
    const PLAIN_ROLE: &str = "arn:aws:iam::123456789012:role/Developers";

    /// Shaped like Landing Zone Accelerator's guardrail SCPs: a deny on Bedrock that exempts
    /// principals by role path (IAM Identity Center's reserved path, a break-glass `ops/` path).
    const PATH_EXEMPT_DENY: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"DenyBedrockExceptPlatformRoles","Effect":"Deny","Action":"bedrock:*","Resource":"*","Condition":{"ArnNotLike":{"aws:PrincipalARN":["arn:aws:iam::*:role/aws-reserved/*","arn:aws:iam::*:role/ops/*"]}}}]}"#;
    /// A deny aimed at Identity Center users alone (their permission-set roles' path).
    const SSO_ONLY_DENY: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"DenyBedrockForSsoUsers","Effect":"Deny","Action":"bedrock:InvokeModel*","Resource":"*","Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/*"}}}]}"#;
    /// Control Tower's GRREGIONDENY as published (tests/policies/SOURCES.md).
    const CONTROL_TOWER: &str =
        include_str!("../../../tests/policies/control-tower-grregiondeny.json");

    fn as_principal(region: &str, arn: &str) -> Request {
        invoke(region, &[("aws:PrincipalArn", arn)])
    }

    #[test]
    fn a_path_exempt_deny_spares_identity_center_and_ops_roles_only() {
        let levels = standard_path(vec![attached("p-lza", PATH_EXEMPT_DENY)]);
        for exempt in [SSO_ROLE, OPS_ROLE] {
            assert_eq!(
                evaluate_scps(&levels, &as_principal("us-east-1", exempt)),
                ScpDecision::Allowed,
                "{exempt}"
            );
        }
        // Judged by the session's role name without its path, the SSO user would look denied.
        for denied in [SSO_ROLE_WITHOUT_PATH, PLAIN_ROLE] {
            assert!(
                matches!(
                    evaluate_scps(&levels, &as_principal("us-east-1", denied)),
                    ScpDecision::ExplicitDeny { ref policy_id, .. } if policy_id == "p-lza"
                ),
                "{denied}"
            );
        }
    }

    #[test]
    fn a_deny_aimed_at_identity_center_roles_applies_to_them_with_their_path() {
        let levels = standard_path(vec![attached("p-sso", SSO_ONLY_DENY)]);
        assert!(matches!(
            evaluate_scps(&levels, &as_principal("us-east-1", SSO_ROLE)),
            ScpDecision::ExplicitDeny { ref statement, .. }
                if statement.sid.as_deref() == Some("DenyBedrockForSsoUsers")
        ));
        // Without the path the deny would be missed.
        assert_eq!(
            evaluate_scps(&levels, &as_principal("us-east-1", SSO_ROLE_WITHOUT_PATH)),
            ScpDecision::Allowed
        );
        assert_eq!(
            evaluate_scps(&levels, &as_principal("us-east-1", OPS_ROLE)),
            ScpDecision::Allowed
        );
    }

    #[test]
    fn control_towers_region_deny_exempts_only_its_execution_role() {
        let levels = standard_path(vec![attached("p-ct", CONTROL_TOWER)]);
        let execution = "arn:aws:iam::123456789012:role/AWSControlTowerExecution";
        assert_eq!(
            evaluate_scps(&levels, &as_principal("eu-west-1", execution)),
            ScpDecision::Allowed
        );
        for caller in [SSO_ROLE, OPS_ROLE] {
            assert!(matches!(
                evaluate_scps(&levels, &as_principal("eu-west-1", caller)),
                ScpDecision::ExplicitDeny { .. }
            ));
            assert_eq!(
                evaluate_scps(&levels, &as_principal("us-west-2", caller)),
                ScpDecision::Allowed
            );
        }
    }
}
