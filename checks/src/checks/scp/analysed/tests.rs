use super::super::Scp;
use crate::checks::test_support::{assert_summary_names, assert_var, assert_verdict, ok};
use crate::facts::test_support::{facts_with_bedrock_settings, settings};
use crate::{dx, Check};
use crate::{Settings, Status};
use aws_smithy_mocks::{mock, mock_client, Rule, RuleMode};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;

const MEMBER: &str = "111122223333";
const OU: &str = "ou-ab12-workload1";
const ROOT: &str = "r-ab12";
/// A real published SCP (aws-samples/service-control-policy-examples, placeholders filled; see
/// tests/policies/SOURCES.md): Bedrock inference only in us-east-1/us-west-2 or through `us.`.
const REGION_DENY: &str =
    include_str!("../../../../../tests/policies/aws-samples-region-deny-bedrock-cris-us.json");
const FULL_ACCESS: &str = include_str!("../../../../../tests/policies/orgs-full-aws-access.json");

fn json(body: String) -> HttpResponse {
    let mut r = ok(body);
    r.headers_mut()
        .insert("Content-Type", "application/x-amz-json-1.1");
    r.headers_mut()
        .insert("x-amzn-RequestId", "0f1e2d3c-4444-4000-8000-000000000001");
    r
}

fn policies(attached: &[(&str, &str)]) -> String {
    let list: Vec<serde_json::Value> = attached
        .iter()
        .map(|(id, name)| serde_json::json!({"Id": id, "Arn": format!("arn:aws:organizations::999988887777:policy/o-exampleorgid/service_control_policy/{id}"), "Name": name, "Type": "SERVICE_CONTROL_POLICY", "AwsManaged": *id == "p-FullAWSAccess"}))
        .collect();
    serde_json::json!({ "Policies": list }).to_string()
}

fn described(id: &str, name: &str, content: &str) -> String {
    serde_json::json!({"Policy": {"PolicySummary": {"Id": id, "Name": name, "Type": "SERVICE_CONTROL_POLICY"}, "Content": content}}).to_string()
}

/// The Organization of the first tests: the OU holds the region deny, with or without
/// FullAWSAccess beside it (without it nothing below would be allowed at all).
fn organizations_rules(ou_keeps_full_access: bool) -> Vec<Rule> {
    let deny = (
        "p-regiondeny1",
        "BedrockRegionDeny",
        REGION_DENY.to_string(),
    );
    if ou_keeps_full_access {
        organization_with(vec![full_access(), deny])
    } else {
        organization_with(vec![deny])
    }
}

fn bedrock_rules() -> Vec<Rule> {
    let model = "anthropic.claude-sonnet-4-5-20250929-v1:0";
    let us_models: Vec<serde_json::Value> = ["us-east-1", "us-east-2", "us-west-2"]
        .iter()
        .map(|r| serde_json::json!({"modelArn": format!("arn:aws:bedrock:{r}::foundation-model/{model}")}))
        .collect();
    let profiles = serde_json::json!({"inferenceProfileSummaries": [
        {"inferenceProfileName": "US Claude Sonnet 4.5", "inferenceProfileArn": format!("arn:aws:bedrock:us-east-1:{MEMBER}:inference-profile/us.{model}"),
         "inferenceProfileId": format!("us.{model}"), "status": "ACTIVE", "type": "SYSTEM_DEFINED",
         "models": us_models},
        {"inferenceProfileName": "Global Claude Sonnet 4.5", "inferenceProfileArn": format!("arn:aws:bedrock:us-east-1:{MEMBER}:inference-profile/global.{model}"),
         "inferenceProfileId": format!("global.{model}"), "status": "ACTIVE", "type": "SYSTEM_DEFINED",
         "models": [{"modelArn": format!("arn:aws:bedrock:::foundation-model/{model}")}]}
    ]})
    .to_string();
    vec![
        mock!(aws_sdk_bedrock::Client::list_inference_profiles)
            .then_http_response(move || ok(profiles.clone())),
        mock!(aws_sdk_bedrock::Client::list_foundation_models)
            .then_http_response(|| ok(r#"{"modelSummaries":[]}"#)),
    ]
}

async fn run_scp(ou_keeps_full_access: bool) -> crate::Report {
    let sts_rule = caller_identity(&format!(
        "arn:aws:sts::{MEMBER}:assumed-role/Developers/alice"
    ));
    let org_rules = organizations_rules(ou_keeps_full_access);
    let facts = member_facts(&sts_rule, &org_rules);
    Scp.run(&facts).await
}

/// `sts:GetCallerIdentity` answering `session` (an assumed-role ARN) in the member account.
fn caller_identity(session: &str) -> Rule {
    let identity = format!(
        r#"<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>{session}</Arn><UserId>AROA:alice</UserId><Account>{MEMBER}</Account></GetCallerIdentityResult></GetCallerIdentityResponse>"#
    );
    mock!(aws_sdk_sts::Client::get_caller_identity).then_http_response(move || ok(identity.clone()))
}

/// Facts for the member-account caller over the Organization `org_rules` and the profiles of
/// [`bedrock_rules`], invocations off.
fn member_facts(sts_rule: &Rule, org_rules: &[Rule]) -> crate::Facts {
    let bedrock = bedrock_rules();
    let refs: Vec<&Rule> = bedrock.iter().collect();
    let s = Settings {
        models: vec!["anthropic.claude-sonnet-4-5-20250929-v1:0".into()],
        no_invoke: true,
        ..settings()
    };
    facts_with_bedrock_settings(s, &refs)
        .with_organizations(mock_client!(
            aws_sdk_organizations,
            RuleMode::MatchAny,
            org_rules.iter()
        ))
        .with_sts(mock_client!(aws_sdk_sts, RuleMode::MatchAny, [sts_rule]))
}

#[tokio::test]
async fn the_path_is_read_with_one_describe_per_distinct_policy_and_none_for_full_access() {
    // The same deny attached at the OU and on the account, FullAWSAccess everywhere.
    let org = [
        mock!(aws_sdk_organizations::Client::list_parents)
            .match_requests(|i| i.child_id() == Some(MEMBER))
            .then_http_response(|| {
                json(format!(
                    r#"{{"Parents":[{{"Id":"{OU}","Type":"ORGANIZATIONAL_UNIT"}}]}}"#
                ))
            }),
        mock!(aws_sdk_organizations::Client::list_parents)
            .match_requests(|i| i.child_id() == Some(OU))
            .then_http_response(|| {
                json(format!(
                    r#"{{"Parents":[{{"Id":"{ROOT}","Type":"ROOT"}}]}}"#
                ))
            }),
        mock!(aws_sdk_organizations::Client::list_policies_for_target)
            .match_requests(|i| i.target_id() != Some(ROOT))
            .then_http_response(|| {
                json(policies(&[
                    ("p-FullAWSAccess", "FullAWSAccess"),
                    ("p-regiondeny1", "BedrockRegionDeny"),
                ]))
            }),
        mock!(aws_sdk_organizations::Client::list_policies_for_target)
            .match_requests(|i| i.target_id() == Some(ROOT))
            .then_http_response(|| json(policies(&[("p-FullAWSAccess", "FullAWSAccess")]))),
        mock!(aws_sdk_organizations::Client::describe_policy)
            .match_requests(|i| i.policy_id() == Some("p-regiondeny1"))
            .then_http_response(|| {
                json(described("p-regiondeny1", "BedrockRegionDeny", REGION_DENY))
            }),
        mock!(aws_sdk_organizations::Client::describe_policy)
            .match_requests(|i| i.policy_id() == Some("p-FullAWSAccess"))
            .then_http_response(|| {
                json(described("p-FullAWSAccess", "FullAWSAccess", FULL_ACCESS))
            }),
    ];
    let organizations = mock_client!(aws_sdk_organizations, RuleMode::MatchAny, org.iter());
    let facts = facts_with_bedrock_settings(settings(), &[]).with_organizations(organizations);
    let path = facts.scp_path(MEMBER).await.expect("the path is read");
    let targets: Vec<&str> = path.levels.iter().map(|l| l.target_id.as_str()).collect();
    assert_eq!(targets, [ROOT, OU, MEMBER], "root first");
    for level in &path.levels {
        assert!(
            level.policies.iter().any(|p| p.id == "p-FullAWSAccess"),
            "FullAWSAccess on {}: {level:?}",
            level.target_id
        );
    }
    assert_eq!(org[4].num_calls(), 1, "the shared deny is described once");
    assert_eq!(org[5].num_calls(), 0, "FullAWSAccess is never described");
    let described_evidence = path
        .evidence
        .iter()
        .filter(|e| e.operation == "DescribePolicy")
        .count();
    assert_eq!(described_evidence, 1);
    let full_access = &path.levels[0].policies[0].policy;
    let anything = crate::policy::Request {
        action: "bedrock:InvokeModel".into(),
        resource: "*".into(),
        context: Default::default(),
    };
    assert!(matches!(
        full_access.evaluate(&anything),
        crate::policy::Decision::Allow(_)
    ));
}

#[tokio::test]
async fn names_the_scp_and_statement_that_block_a_global_profile() {
    // Also proves the hierarchy is read: the deny sits on the OU, between root and account.
    let report = run_scp(true).await;
    assert_verdict(&report, Status::Fail, dx::SCP_EXPLICIT_DENY);
    assert_summary_names(&report, "global.anthropic.claude-sonnet-4-5-20250929-v1:0");
    assert_summary_names(
        &report,
        "BedrockRegionDeny (p-regiondeny1, attached to ou-ab12-workload1)",
    );
    assert_summary_names(&report, "DenyBedrockInferenceOutsideApprovedRegions");
    assert_var(&report, "region", "unspecified");
    // The us. profile's destinations are exempt by the same statement: they are not named.
    assert!(
        !report.summary.contains("routed to us-east-2"),
        "{}",
        report.summary
    );
}

#[tokio::test]
async fn a_level_without_an_allow_denies_everything_below_it() {
    let report = run_scp(false).await;
    assert_verdict(&report, Status::Fail, dx::SCP_EXPLICIT_DENY);
    assert_summary_names(&report, "no SCP attached to ou-ab12-workload1 allows it");
}

/// Organizations answering for a path root → OU → account where the OU holds `ou` (id, name,
/// content) and the root and the account hold FullAWSAccess.
fn organization_with(ou: Vec<(&'static str, &'static str, String)>) -> Vec<Rule> {
    let listed: Vec<(&'static str, &'static str)> = ou.iter().map(|(i, n, _)| (*i, *n)).collect();
    let mut rules = vec![
        mock!(aws_sdk_organizations::Client::describe_organization).then_http_response(|| {
            json(r#"{"Organization":{"Id":"o-exampleorgid","FeatureSet":"ALL","MasterAccountId":"999988887777"}}"#.into())
        }),
        mock!(aws_sdk_organizations::Client::list_parents)
            .match_requests(|i| i.child_id() == Some(MEMBER))
            .then_http_response(|| json(format!(r#"{{"Parents":[{{"Id":"{OU}","Type":"ORGANIZATIONAL_UNIT"}}]}}"#))),
        mock!(aws_sdk_organizations::Client::list_parents)
            .match_requests(|i| i.child_id() == Some(OU))
            .then_http_response(|| json(format!(r#"{{"Parents":[{{"Id":"{ROOT}","Type":"ROOT"}}]}}"#))),
        mock!(aws_sdk_organizations::Client::list_policies_for_target)
            .match_requests(|i| i.target_id() == Some(OU))
            .then_http_response(move || json(policies(&listed))),
        mock!(aws_sdk_organizations::Client::list_policies_for_target)
            .match_requests(|i| i.target_id() != Some(OU))
            .then_http_response(|| json(policies(&[("p-FullAWSAccess", "FullAWSAccess")]))),
        mock!(aws_sdk_organizations::Client::describe_policy)
            .match_requests(|i| i.policy_id() == Some("p-FullAWSAccess"))
            .then_http_response(|| json(described("p-FullAWSAccess", "FullAWSAccess", FULL_ACCESS))),
    ];
    for (id, name, content) in ou {
        rules.push(
            mock!(aws_sdk_organizations::Client::describe_policy)
                .match_requests(move |i| i.policy_id() == Some(id))
                .then_http_response(move || json(described(id, name, &content))),
        );
    }
    rules
}

/// The scp check for a member-account caller `session` (an assumed-role ARN) whose
/// `iam:GetRole` answers `role` (its ARN with the path) or is denied (`None`).
async fn scp_as(
    session: &str,
    role: Option<&'static str>,
    ou: Vec<(&'static str, &'static str, String)>,
) -> crate::Report {
    let sts_rule = caller_identity(session);
    let get_role = mock!(aws_sdk_iam::Client::get_role).then_http_response(move || match role {
        Some(arn) => {
            let name = arn.rsplit('/').next().unwrap_or_default();
            ok(format!("<GetRoleResponse><GetRoleResult><Role><Path>/</Path><Arn>{arn}</Arn><RoleName>{name}</RoleName><RoleId>AROAEXAMPLE</RoleId><CreateDate>2025-01-01T00:00:00Z</CreateDate></Role></GetRoleResult></GetRoleResponse>"))
        }
        None => {
            let mut r = HttpResponse::new(
                StatusCode::try_from(403).unwrap(),
                SdkBody::from("<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not authorized to perform: iam:GetRole</Message></Error></ErrorResponse>"),
            );
            r.headers_mut().insert("Content-Type", "text/xml");
            r
        }
    });
    let org_rules = organization_with(ou);
    let facts = member_facts(&sts_rule, &org_rules).with_iam(mock_client!(
        aws_sdk_iam,
        RuleMode::MatchAny,
        [&get_role]
    ));
    Scp.run(&facts).await
}

const SSO_SESSION: &str =
    "arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_BedrockUsers_0123456789abcdef/alice";
const SSO_ROLE: &str = "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_BedrockUsers_0123456789abcdef";
const OPS_SESSION: &str = "arn:aws:sts::111122223333:assumed-role/BedrockOps/alice";
const OPS_ROLE: &str = "arn:aws:iam::111122223333:role/ops/BedrockOps";

/// Shaped like Landing Zone Accelerator's guardrails: Bedrock denied to every principal but
/// the Identity Center roles (`aws-reserved/`) and a break-glass path.
fn path_exempt_deny() -> (&'static str, &'static str, String) {
    (
        "p-platform1",
        "DenyBedrockExceptPlatformRoles",
        r#"{"Version":"2012-10-17","Statement":[{"Sid":"DenyBedrockExceptPlatformRoles","Effect":"Deny","Action":["bedrock:*","aws-marketplace:Subscribe"],"Resource":"*","Condition":{"ArnNotLike":{"aws:PrincipalARN":["arn:aws:iam::*:role/aws-reserved/*","arn:aws:iam::*:role/breakglass/*"]}}}]}"#.into(),
    )
}

/// The scp check for `session` (see [`scp_as`]) with the OU holding FullAWSAccess beside the
/// [`path_exempt_deny`].
async fn under_path_exempt_deny(session: &str, role: Option<&'static str>) -> crate::Report {
    scp_as(session, role, vec![full_access(), path_exempt_deny()]).await
}

fn full_access() -> (&'static str, &'static str, String) {
    ("p-FullAWSAccess", "FullAWSAccess", FULL_ACCESS.into())
}

#[tokio::test]
async fn an_identity_center_role_exempt_by_its_path_passes() {
    let report = under_path_exempt_deny(SSO_SESSION, Some(SSO_ROLE)).await;
    assert_eq!(report.status, Status::Pass, "{report:?}");
    assert_var(&report, "principal_arn", SSO_ROLE);
}

#[tokio::test]
async fn a_role_outside_the_exempt_paths_is_denied_on_every_leg() {
    let report = under_path_exempt_deny(OPS_SESSION, Some(OPS_ROLE)).await;
    assert_verdict(&report, Status::Fail, dx::SCP_EXPLICIT_DENY);
    // Every leg is named: the direct model, the streaming call, each profile's destinations,
    // and Marketplace's Subscribe; ViewSubscriptions is not denied.
    for leg in [
        "bedrock:InvokeModel on anthropic.claude-sonnet-4-5-20250929-v1:0 in us-east-1",
        "bedrock:InvokeModelWithResponseStream on anthropic.claude-sonnet-4-5-20250929-v1:0",
        "routed to us-east-2",
        "routed to us-west-2",
        "aws-marketplace:Subscribe in us-east-1",
    ] {
        assert!(report.summary.contains(leg), "{leg}: {}", report.summary);
    }
    assert!(
        !report.summary.contains("aws-marketplace:ViewSubscriptions"),
        "{}",
        report.summary
    );
    assert_summary_names(&report, "requests denied");
}

#[tokio::test]
async fn an_inferred_identity_center_path_is_said_to_be_inferred() {
    let report = under_path_exempt_deny(SSO_SESSION, None).await;
    assert_eq!(report.status, Status::Pass, "{report:?}");
    assert_summary_names(&report, "inferred");
    assert_summary_names(
        &report,
        "role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_BedrockUsers_0123456789abcdef",
    );
}

#[tokio::test]
async fn an_unknown_role_path_names_the_principal_conditions_not_evaluated_exactly() {
    let report = under_path_exempt_deny(OPS_SESSION, None).await;
    assert_eq!(report.status, Status::Skip, "{report:?}");
    assert_summary_names(
        &report,
        "aws:PrincipalArn condition of DenyBedrockExceptPlatformRoles (p-platform1)",
    );
    assert_summary_names(&report, "path is unknown");
}

#[tokio::test]
async fn a_level_without_an_allow_and_an_explicit_deny_are_both_named() {
    // The OU allows only the plain invocation (no FullAWSAccess), and denies Marketplace.
    let ou = vec![
        (
            "p-invokeonly",
            "AllowInvokeOnly",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["bedrock:InvokeModel","aws-marketplace:ViewSubscriptions"],"Resource":"*"}]}"#.to_string(),
        ),
        (
            "p-nomarket",
            "DenyMarketplace",
            r#"{"Version":"2012-10-17","Statement":[{"Sid":"DenySubscribe","Effect":"Deny","Action":"aws-marketplace:Subscribe","Resource":"*"}]}"#.to_string(),
        ),
    ];
    let report = scp_as(OPS_SESSION, Some(OPS_ROLE), ou).await;
    assert_eq!(report.diagnosis, Some(dx::SCP_EXPLICIT_DENY), "{report:?}");
    assert_summary_names(&report, "no SCP attached to ou-ab12-workload1 allows it");
    assert_summary_names(&report, "DenySubscribe");
    assert_summary_names(&report, "bedrock:InvokeModelWithResponseStream");
}
