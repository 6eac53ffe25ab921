//! The caller needs every action of the setup guide's Step 2 policy, on the right resources.

use super::model_support::{calls_finding_the_model, model_or_skip};
use crate::check::Verify;
use crate::facts::iam::guide_actions;
use crate::facts::FactError;
use crate::{dx, Category, CheckMeta, Evidence, Facts, Report};

/// **Verifies:** that the caller's IAM policies allow `bedrock:InvokeModel` and
/// `bedrock:InvokeModelWithResponseStream` on the model's ARN, `bedrock:ListFoundationModels`,
/// `bedrock:ListInferenceProfiles`, `aws-marketplace:ViewSubscriptions` and
/// `aws-marketplace:Subscribe`. The simulator does not see session policies; resource policies and
/// permission boundaries of other accounts are out of its view too.
/// **Calls:** `iam:SimulatePrincipalPolicy` for the caller's user or role (an assumed-role session
/// is mapped to its role's ARN with its path, read with `iam:GetRole`, or for an IAM Identity
/// Center role inferred from its path convention), with `aws:RequestedRegion` set. Free. When the
/// simulator may not be asked, the answer comes from what the other checks' calls showed.
/// **Skips when:** the simulator may not be asked and the other checks' calls leave some actions
/// unproven (the summary says which actions were proven and which are unknown).
/// **Fails when:** the simulator, or a call of this run, denies one of the actions
/// (`iam-action-denied`).
/// **Warns when:** never.
pub struct IamPermissions;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Proof {
    Allowed,
    Denied,
    Unknown,
}

impl Verify for IamPermissions {
    const META: &'static CheckMeta = &CheckMeta {
        id: "iam-permissions",
        title: "IAM permissions",
        category: Category::IamPermission,
        per_model: false,
        per_region: false,
        description:
            "The caller holds every action of the setup guide's Step 2 policy on the right resources.",
        calls: &calls_finding_the_model::<8>(&[
            "iam:SimulatePrincipalPolicy",
            "iam:GetRole",
            "sts:GetCallerIdentity",
            "bedrock:InvokeModel",
            "bedrock:InvokeModelWithResponseStream",
        ]),
    };

    async fn verify(&self, facts: &Facts) -> Report {
        // The signing caller says nothing of the principal behind a Bedrock API key.
        let signing_caller = match facts.key_in_use() {
            Some(_) => None,
            None => facts.caller_identity().await.ok(),
        };
        if let Some(identity) = signing_caller {
            if identity.arn.ends_with(":root") {
                return Report::pass(
                    "the account root is not restricted by IAM policies (SCPs still apply)",
                );
            }
        }
        let id = match model_or_skip(facts).await {
            Ok(id) => id,
            Err(report) => return report,
        };
        let region = facts.region().unwrap_or("us-east-1").to_string();
        let actions = guide_actions(&region, &id);
        let why_empirical = match facts.simulation(&id).await {
            Ok(sim) => {
                // Kept with its resource: the first denied pair names both in the fix.
                let denied: Vec<&(&str, String)> = actions
                    .iter()
                    .filter(|(a, _)| sim.decision(a).is_none_or(|d| d != "allowed"))
                    .collect();
                let source = sim.policy_source_arn.clone();
                let Some((action, resource)) = denied.first() else {
                    return Report::pass(format!(
                        "IAM's simulator allows all {} actions for {source}",
                        actions.len()
                    ))
                    .evidence(sim.evidence);
                };
                let names: Vec<&str> = denied.iter().map(|(a, _)| *a).collect();
                return Report::fail(
                    dx::IAM_ACTION_DENIED,
                    format!("IAM's simulator denies {} for {source}", names.join(", ")),
                )
                .var("action", *action)
                .var("resource", resource.clone())
                .evidence(sim.evidence);
            }
            Err(FactError::Call(e)) => e
                .evidence
                .error_code
                .clone()
                .unwrap_or_else(|| e.diagnosis.to_string()),
            Err(FactError::Needs { fact, .. }) => format!("needs `{}`", fact.check_id()),
            Err(FactError::Unavailable(reason)) => reason,
        };
        empirical(facts, &id, &actions, &why_empirical).await
    }
}

/// What the run's own calls prove, action by action.
async fn empirical(
    facts: &Facts,
    id: &str,
    actions: &[(&'static str, String)],
    why: &str,
) -> Report {
    let mut evidence: Vec<Evidence> = Vec::new();
    let mut proofs: Vec<(&str, Proof)> =
        actions.iter().map(|(a, _)| (*a, Proof::Unknown)).collect();
    let mut set = |action: &str, proof: Proof| {
        if let Some(entry) = proofs.iter_mut().find(|(a, _)| *a == action) {
            if entry.1 != Proof::Denied {
                entry.1 = proof;
            }
        }
    };
    let judge = |diagnosis: Option<&str>| match diagnosis {
        None => Proof::Allowed,
        Some(dx::IAM_ACTION_DENIED | dx::SCP_EXPLICIT_DENY) => Proof::Denied,
        // Refused for a reason IAM evaluates after the action is allowed (form, Marketplace...).
        Some(d) if super::model_support::is_access_diagnosis(d) => Proof::Allowed,
        Some(_) => Proof::Unknown,
    };
    match facts.anthropic_models().await {
        Ok(list) => {
            set("bedrock:ListFoundationModels", Proof::Allowed);
            evidence.push(list.evidence);
        }
        Err(FactError::Call(e)) => {
            set("bedrock:ListFoundationModels", judge(Some(e.diagnosis)));
            evidence.push(e.evidence);
        }
        Err(_) => {}
    }
    match facts.system_profiles().await {
        Ok((_, e)) => {
            set("bedrock:ListInferenceProfiles", Proof::Allowed);
            evidence.push(e);
        }
        Err(FactError::Call(e)) => {
            set("bedrock:ListInferenceProfiles", judge(Some(e.diagnosis)));
            evidence.push(e.evidence);
        }
        Err(_) => {}
    }
    if let Some(invoke) = facts.invoke_if_allowed(id).await {
        set("bedrock:InvokeModel", judge(invoke.diagnosis()));
        if invoke.diagnosis() == Some(dx::MARKETPLACE_PERMISSION_MISSING) {
            set("aws-marketplace:ViewSubscriptions", Proof::Denied);
            set("aws-marketplace:Subscribe", Proof::Denied);
        }
        evidence.extend(invoke.evidence.iter().cloned());
        let stream = facts.invoke_stream(id).await;
        set(
            "bedrock:InvokeModelWithResponseStream",
            judge(stream.diagnosis()),
        );
        evidence.extend(stream.evidence.iter().cloned());
    }
    let list = |p: Proof| {
        proofs
            .iter()
            .filter(|(_, q)| *q == p)
            .map(|(a, _)| *a)
            .collect::<Vec<_>>()
    };
    let (allowed, denied, unknown) = (
        list(Proof::Allowed),
        list(Proof::Denied),
        list(Proof::Unknown),
    );
    let method = format!("IAM's simulator unavailable ({why}); judged from this run's calls");
    if let Some(first) = denied.first() {
        return Report::fail(
            dx::IAM_ACTION_DENIED,
            format!("denied: {}; {method}", denied.join(", ")),
        )
        .var("action", *first)
        .evidence(evidence);
    }
    if unknown.is_empty() {
        return Report::pass(format!(
            "all {} actions proven by this run's calls ({why} for the simulator)",
            allowed.len()
        ))
        .evidence(evidence);
    }
    Report::skip(format!(
        "proven: {}; unknown: {}; {method}",
        if allowed.is_empty() {
            "none".to_string()
        } else {
            allowed.join(", ")
        },
        unknown.join(", ")
    ))
    .evidence(evidence)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::{assert_summary_names, assert_var, assert_verdict, ok};
    use crate::facts::test_support::{facts_with_sts, settings};
    use crate::{Settings, Status};
    use aws_smithy_mocks::{mock, mock_client, RuleMode};
    use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
    use aws_smithy_runtime_api::http::StatusCode;
    use aws_smithy_types::body::SdkBody;

    const IDENTITY: &str = r#"<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:sts::123456789012:assumed-role/BedrockUsers/alice</Arn><UserId>AROA:alice</UserId><Account>123456789012</Account></GetCallerIdentityResult></GetCallerIdentityResponse>"#;

    fn simulation(decisions: &[(&str, &str)]) -> String {
        let members: String = decisions
            .iter()
            .map(|(action, decision)| {
                format!("<member><EvalActionName>{action}</EvalActionName><EvalResourceName>*</EvalResourceName><EvalDecision>{decision}</EvalDecision><MatchedStatements/><MissingContextValues/></member>")
            })
            .collect();
        format!(
            r#"<SimulatePrincipalPolicyResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><SimulatePrincipalPolicyResult><IsTruncated>false</IsTruncated><EvaluationResults>{members}</EvaluationResults></SimulatePrincipalPolicyResult><ResponseMetadata><RequestId>9d1c0b2a-3333-4000-8000-000000000001</RequestId></ResponseMetadata></SimulatePrincipalPolicyResponse>"#
        )
    }

    fn facts(
        decisions: &'static [(&'static str, &'static str)],
    ) -> (Facts, aws_smithy_mocks::Rule) {
        facts_as(
            IDENTITY.to_string(),
            None,
            decisions,
            "arn:aws:iam::123456789012:role/BedrockUsers",
        )
    }

    /// IAM's answer to GetRole: the role's ARN (`Some`), or AccessDenied (`None`).
    fn get_role(role_arn: Option<&'static str>) -> HttpResponse {
        let Some(arn) = role_arn else {
            let mut r = HttpResponse::new(
                StatusCode::try_from(403).unwrap(),
                SdkBody::from("<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User is not authorized to perform: iam:GetRole</Message></Error></ErrorResponse>"),
            );
            r.headers_mut().insert("Content-Type", "text/xml");
            return r;
        };
        let (path, name) = arn.split_once(":role").unwrap().1.rsplit_once('/').unwrap();
        ok(format!("<GetRoleResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><GetRoleResult><Role><Path>{path}/</Path><Arn>{arn}</Arn><RoleName>{name}</RoleName><RoleId>AROAEXAMPLE</RoleId><CreateDate>2025-01-01T00:00:00Z</CreateDate><AssumeRolePolicyDocument>%7B%7D</AssumeRolePolicyDocument></Role></GetRoleResult></GetRoleResponse>"))
    }

    /// Facts whose caller is `identity`, whose GetRole answers `role_arn` (or is denied), and whose
    /// simulator answers only when asked about `expected_source`.
    fn facts_as(
        identity: String,
        role_arn: Option<&'static str>,
        decisions: &'static [(&'static str, &'static str)],
        expected_source: &'static str,
    ) -> (Facts, aws_smithy_mocks::Rule) {
        let sts = mock!(aws_sdk_sts::Client::get_caller_identity)
            .then_http_response(move || ok(identity.clone()));
        let simulate = mock!(aws_sdk_iam::Client::simulate_principal_policy)
            .match_requests(move |i| i.policy_source_arn() == Some(expected_source))
            .then_http_response(move || ok(simulation(decisions)));
        let read =
            mock!(aws_sdk_iam::Client::get_role).then_http_response(move || get_role(role_arn));
        let iam = mock_client!(aws_sdk_iam, RuleMode::MatchAny, [&simulate, &read]);
        let s = Settings {
            models: vec!["anthropic.claude-3-haiku-20240307-v1:0".into()],
            ..settings()
        };
        let mut facts = facts_with_sts(&[&sts]).with_iam(iam);
        facts.replace_settings(s);
        (facts, simulate)
    }

    const ALL_ALLOWED: &[(&str, &str)] = &[
        ("bedrock:InvokeModel", "allowed"),
        ("bedrock:InvokeModelWithResponseStream", "allowed"),
        ("bedrock:ListFoundationModels", "allowed"),
        ("bedrock:ListInferenceProfiles", "allowed"),
        ("aws-marketplace:ViewSubscriptions", "allowed"),
        ("aws-marketplace:Subscribe", "allowed"),
    ];

    #[tokio::test]
    async fn passes_when_the_simulator_allows_everything_for_the_sessions_role() {
        let (facts, simulate) = facts(ALL_ALLOWED);
        let report = IamPermissions.verify(&facts).await;
        assert_eq!(report.status, Status::Pass, "{report:?}");
        assert_summary_names(&report, "arn:aws:iam::123456789012:role/BedrockUsers");
        assert_eq!(
            simulate.num_calls(),
            2,
            "one simulation per resource (model ARN, *)"
        );
    }

    #[tokio::test]
    async fn fails_naming_the_denied_actions() {
        let (facts, _) = facts(&[
            ("bedrock:InvokeModel", "allowed"),
            ("bedrock:InvokeModelWithResponseStream", "implicitDeny"),
            ("bedrock:ListFoundationModels", "allowed"),
            ("bedrock:ListInferenceProfiles", "allowed"),
            ("aws-marketplace:ViewSubscriptions", "explicitDeny"),
            ("aws-marketplace:Subscribe", "allowed"),
        ]);
        let report = IamPermissions.verify(&facts).await;
        assert_verdict(&report, Status::Fail, dx::IAM_ACTION_DENIED);
        assert_summary_names(&report, "bedrock:InvokeModelWithResponseStream");
        assert_summary_names(&report, "aws-marketplace:ViewSubscriptions");
        assert!(
            !report.summary.contains("bedrock:InvokeModel,"),
            "{}",
            report.summary
        );
        assert_var(&report, "action", "bedrock:InvokeModelWithResponseStream");
        // The denied action's own resource, not the next action's.
        let resource = &report.vars["resource"];
        assert!(resource.contains(":foundation-model/"), "{resource}");
    }

    fn sso_identity() -> String {
        IDENTITY.replace(
            "assumed-role/BedrockUsers/alice",
            "assumed-role/AWSReservedSSO_BedrockUsers_0123456789abcdef/alice",
        )
    }

    #[tokio::test]
    async fn simulates_the_role_with_its_path_as_get_role_reads_it() {
        // An IAM Identity Center role of an instance outside us-east-1: its path carries the
        // instance's Region
        // (https://docs.aws.amazon.com/singlesignon/latest/userguide/referencingpermissionsets.html),
        // which the session ARN does not show.
        const ROLE: &str = "arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_BedrockUsers_0123456789abcdef";
        let (facts, simulate) = facts_as(sso_identity(), Some(ROLE), ALL_ALLOWED, ROLE);
        let report = IamPermissions.verify(&facts).await;
        assert_eq!(report.status, Status::Pass, "{report:?}");
        assert_summary_names(&report, ROLE);
        assert_eq!(simulate.num_calls(), 2);
    }

    #[tokio::test]
    async fn infers_the_identity_center_path_when_get_role_is_denied() {
        const INFERRED: &str = "arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_BedrockUsers_0123456789abcdef";
        let (facts, simulate) = facts_as(sso_identity(), None, ALL_ALLOWED, INFERRED);
        let report = IamPermissions.verify(&facts).await;
        assert_eq!(report.status, Status::Pass, "{report:?}");
        assert_eq!(simulate.num_calls(), 2, "asked about the inferred ARN");
    }
}
