//! An Organization's service control policies can deny what IAM allows, often only in some regions.

use super::model_support::model_or_skip;
use crate::calls::CallError;
use crate::facts::iam::{Principal, PrincipalSource};
use crate::facts::orgs::Membership;
use crate::facts::FactError;
use crate::policy::{evaluate_scps, Request, ScpDecision};
use crate::{dx, Category, Check, CheckMeta, Facts, Report};
use futures::future::BoxFuture;
use std::collections::BTreeMap;

/// **Inspects, empirically:** every AccessDenied of this run's calls whose message says the deny
/// comes from a service control policy (the invocations, the streaming call, the inference-profile
/// probes), with the action, resource and region it hit.
/// **Inspects, analytically** (management account or delegated administrator): the SCPs attached
/// from the root to the account (`organizations:ListParents`, `ListPoliciesForTarget`,
/// `DescribePolicy`), evaluated for every request this setup makes: the direct model in this
/// region, each profile's destination regions (with `bedrock:InferenceProfileArn`), a global
/// profile's region-less ARN with `aws:RequestedRegion = unspecified`, streaming, and the
/// Marketplace actions, each judged with the caller's `aws:PrincipalArn`: the role's ARN with
/// its path (`iam:GetRole`; for a refused IAM Identity Center role, its documented path, said to
/// be inferred). Reports every denied request, with the policy and the statement that denies.
/// **Says what it could not verify:** with neither path seeing an SCP, it skips rather than passes.
/// SCPs never apply to the management account's own principals.
pub struct Scp;

static META: CheckMeta = CheckMeta {
    id: "scp",
    title: "Service control policies",
    category: Category::Scp,
    per_model: false,
    per_region: true,
    description: "No service control policy of the Organization denies what this setup needs.",
    calls: &[
        "organizations:DescribeOrganization",
        "organizations:ListParents",
        "organizations:ListPoliciesForTarget",
        "organizations:DescribePolicy",
        "sts:GetCallerIdentity",
        "iam:GetRole",
        "bedrock:GetInferenceProfile",
        "bedrock:InvokeModel",
        "bedrock:InvokeModelWithResponseStream",
        "bedrock:ListFoundationModels",
        "bedrock:GetFoundationModel",
        "bedrock:ListInferenceProfiles",
    ],
};

/// One request to evaluate, with a label for the summary.
struct Planned {
    label: String,
    request: Request,
}

impl Check for Scp {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn run<'a>(&'a self, facts: &'a Facts) -> BoxFuture<'a, Report> {
        Box::pin(async move {
            let identity = match facts.caller_identity().await {
                Ok(identity) => identity,
                Err(FactError::Call(e)) => {
                    return Report::skip(format!(
                        "needs `identity` to pass first ({})",
                        e.diagnosis
                    ))
                }
                Err(err) => return err.to_report(),
            };
            let model = model_or_skip(facts).await.ok();
            let observed = async {
                match &model {
                    Some(id) => observed_denies(facts, id).await,
                    None => Vec::new(),
                }
            };
            // The Organization's membership needs none of the invocations the observed denies wait
            // for: asked meanwhile, it is not one more round trip after them (and goes unused when
            // a deny is observed).
            let (observed, _) = tokio::join!(observed, facts.membership());
            if !observed.is_empty() {
                return observed_report(&observed);
            }
            analytical(facts, &identity.account_id, model.as_deref()).await
        })
    }
}

/// AccessDenied errors of this run's calls that an SCP caused (a shared fact each; nothing new is
/// sent except what other checks send anyway).
async fn observed_denies(facts: &Facts, model_id: &str) -> Vec<CallError> {
    // The model list needs none of the invocations: read while they are in flight, it is not one
    // more round trip after them (in a sweep, where the model is picked in the first region, it is
    // the other regions' only ListFoundationModels).
    let (mut errors, listed) =
        tokio::join!(invocation_errors(facts, model_id), facts.anthropic_models());
    if let Err(FactError::Call(e)) = listed {
        errors.push(e);
    }
    errors.retain(|e| e.diagnosis == dx::SCP_EXPLICIT_DENY);
    errors
}

/// The errors of this run's invocations of the model: the plain and streaming calls, the
/// invocations through its profiles and the destination probes.
async fn invocation_errors(facts: &Facts, model_id: &str) -> Vec<CallError> {
    let mut errors: Vec<CallError> = Vec::new();
    if let Some(invoke) = facts.invoke_if_allowed(model_id).await {
        errors.extend(invoke.result.err());
        errors.extend(facts.invoke_stream(model_id).await.result.err());
        if let Ok(probes) = facts.profile_reachability(model_id).await {
            for probe in probes {
                errors.extend(probe.invoke.and_then(|o| o.result.err()));
                for (_, verdict, _) in probe.destinations {
                    if let crate::facts::profiles::Destination::Denied(e) = verdict {
                        errors.push(e);
                    }
                }
            }
        }
    }
    errors
}

/// Every distinct leg an SCP was seen denying (each destination region, streaming, the
/// Marketplace), named in the summary; the first leg's action, resource and region fill the fix.
fn observed_report(observed: &[CallError]) -> Report {
    let mut legs: Vec<(Option<String>, Option<String>, Option<String>)> = Vec::new();
    for deny in observed {
        let leg = parse_deny(deny.evidence.message.as_deref().unwrap_or_default());
        if !legs.contains(&leg) {
            legs.push(leg);
        }
    }
    let named: Vec<String> = legs
        .iter()
        .map(|(action, resource, region)| {
            format!(
                "{} on {} ({})",
                action.as_deref().unwrap_or("the call"),
                resource.as_deref().unwrap_or("the resource"),
                region.as_deref().unwrap_or("region unknown"),
            )
        })
        .collect();
    let summary = match named.as_slice() {
        [one] => format!("an SCP denied {one}"),
        many => format!("an SCP denied {} requests: {}", many.len(), many.join("; ")),
    };
    let mut report = Report::fail(dx::SCP_EXPLICIT_DENY, summary)
        .evidence(observed.iter().map(|e| e.evidence.clone()));
    let (action, resource, region) = legs.swap_remove(0);
    for (name, value) in [
        ("action", action),
        ("resource", resource),
        ("region", region),
    ] {
        if let Some(v) = value {
            report = report.var(name, v);
        }
    }
    report
}

/// The action, resource and region an AccessDenied message names
/// (`… is not authorized to perform: ACTION on resource: ARN with an explicit deny …`).
fn parse_deny(message: &str) -> (Option<String>, Option<String>, Option<String>) {
    let after = |marker: &str| {
        message.find(marker).map(|i| {
            message[i + marker.len()..]
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .trim_end_matches([',', '.'])
                .to_string()
        })
    };
    let action = after("perform: ");
    let resource = after("on resource: ");
    let region = resource
        .as_deref()
        .and_then(|arn| arn.split(':').nth(3))
        .map(|r| {
            if r.is_empty() {
                "no region: a global profile, evaluated as aws:RequestedRegion = unspecified"
                    .to_string()
            } else {
                r.to_string()
            }
        });
    (action, resource, region)
}

async fn analytical(facts: &Facts, account_id: &str, model: Option<&str>) -> Report {
    let no_deny_seen = "no SCP deny was observed in this run's calls";
    let (membership, membership_evidence) = match facts.membership().await {
        Ok(found) => found,
        Err(FactError::Call(e)) => {
            return Report::skip(format!(
                "{no_deny_seen}; the Organization could not be read (DescribeOrganization: {}), so its SCPs are not verified",
                e.evidence.error_code.clone().unwrap_or_else(|| e.diagnosis.to_string())
            ))
            .evidence([e.evidence])
        }
        Err(err) => return err.to_report(),
    };
    let management = match membership {
        Membership::NotInOrganization => {
            return Report::pass("the account is not in an AWS Organization: no SCP applies")
                .evidence([membership_evidence])
        }
        Membership::Member {
            management_account_id,
            ..
        } => management_account_id,
    };
    if management == account_id {
        return Report::pass(
            "this is the Organization's management account: SCPs do not apply to its principals",
        )
        .evidence([membership_evidence]);
    }
    let principal = match facts.principal().await {
        Ok(p) => p,
        Err(err) => return err.to_report(),
    };
    let path = match facts.scp_path(account_id).await {
        Ok(path) => path,
        Err(FactError::Call(e)) => {
            return Report::skip(format!(
                "{no_deny_seen}; this account cannot read the Organization's SCPs ({}: needs the management account or a delegated administrator), so they are not verified for {}",
                e.evidence.error_code.clone().unwrap_or_else(|| e.diagnosis.to_string()),
                principal.arn
            ))
            .var("principal_arn", principal.arn.clone())
            .evidence([membership_evidence, e.evidence])
        }
        Err(err) => return err.to_report(),
    };
    let Some(model) = model else {
        return Report::skip(
            "read the SCPs, but there is no model under test to evaluate them for",
        );
    };
    let plan = plan_requests(facts, model, account_id).await;
    let mut evidence = vec![membership_evidence];
    evidence.extend(principal.evidence.iter().cloned());
    evidence.extend(path.evidence.iter().cloned());
    let mut unknown_legs: Vec<(String, Vec<&str>)> = Vec::new();
    // Denied legs grouped by what denies them (a statement, or a level without an Allow), in
    // plan order: (cause, its legs).
    let mut denied: Vec<(String, Vec<&str>)> = Vec::new();
    let mut first_denied: Option<&Planned> = None;
    for planned in &plan {
        let cause = match decide(&path.levels, &planned.request, &principal) {
            ScpDecision::Allowed => continue,
            ScpDecision::ExplicitDeny {
                target_id,
                policy_id,
                policy_name,
                statement,
            } => {
                let which = statement
                    .sid
                    .clone()
                    .unwrap_or_else(|| format!("statement {}", statement.index));
                format!(
                    "denied by SCP {policy_name} ({policy_id}, attached to {target_id}), {which}: {}",
                    statement.text
                )
            }
            ScpDecision::NotAllowedAt { target_id } => format!(
                "no SCP attached to {target_id} allows it (FullAWSAccess removed without a replacement?)"
            ),
            ScpDecision::Unknown {
                policy_id, reason, ..
            } => {
                let why = format!("{policy_id}: {reason}");
                match unknown_legs.iter_mut().find(|(w, _)| *w == why) {
                    Some((_, legs)) => legs.push(&planned.label),
                    None => unknown_legs.push((why, vec![&planned.label])),
                }
                continue;
            }
        };
        first_denied.get_or_insert(planned);
        match denied.iter_mut().find(|(c, _)| *c == cause) {
            Some((_, legs)) => legs.push(&planned.label),
            None => denied.push((cause, vec![&planned.label])),
        }
    }
    let caveat = principal.caveat();
    let caveat = if caveat.is_empty() {
        String::new()
    } else {
        format!("; {caveat}")
    };
    if let Some(first) = first_denied {
        let count: usize = denied.iter().map(|(_, legs)| legs.len()).sum();
        let summary = match denied.as_slice() {
            [(cause, legs)] if legs.len() == 1 => format!("{}: {cause}", legs[0]),
            groups => format!(
                "{count} of {} requests denied. {}",
                plan.len(),
                groups
                    .iter()
                    .map(|(cause, legs)| format!("{}: {cause}", legs.join(", ")))
                    .collect::<Vec<_>>()
                    .join(". ")
            ),
        };
        let region = first
            .request
            .context
            .get("aws:RequestedRegion")
            .and_then(|v| v.first())
            .cloned()
            .unwrap_or_default();
        return Report::fail(dx::SCP_EXPLICIT_DENY, format!("{summary}{caveat}"))
            .var("action", first.request.action.clone())
            .var("resource", first.request.resource.clone())
            .var("region", region)
            .var("principal_arn", principal.arn.clone())
            .evidence(evidence);
    }
    let mut unknown: Vec<String> = unknown_legs
        .iter()
        .map(|(why, legs)| format!("{} ({why})", legs.join(", ")))
        .collect();
    let policies: usize = path.levels.iter().map(|l| l.policies.len()).sum();
    let scope = format!(
        "{} requests against {policies} SCPs on {} levels",
        plan.len(),
        path.levels.len()
    );
    if principal.source == PrincipalSource::PathUnknown {
        // The path-less ARN is a guess: a condition on aws:PrincipalArn may match the real one
        // differently, in either direction.
        for level in &path.levels {
            for attached in &level.policies {
                for statement in attached.policy.statements_using("aws:PrincipalArn") {
                    let which = statement
                        .sid
                        .unwrap_or_else(|| format!("statement {}", statement.index));
                    unknown.push(format!(
                        "the aws:PrincipalArn condition of {} ({}), {which}, could not be evaluated exactly",
                        attached.name, attached.id
                    ));
                }
            }
        }
    }
    if !unknown.is_empty() || !path.unreadable.is_empty() {
        let unreadable: Vec<String> = path
            .unreadable
            .iter()
            .map(|(id, why)| format!("{id}: {why}"))
            .collect();
        return Report::skip(format!(
            "no deny found in {scope}, but not all could be evaluated: {}{caveat}",
            unknown
                .into_iter()
                .chain(unreadable)
                .collect::<Vec<_>>()
                .join("; ")
        ))
        .var("principal_arn", principal.arn.clone())
        .evidence(evidence);
    }
    Report::pass(format!(
        "the SCPs allow all {scope} for {}{caveat}",
        principal.arn
    ))
    .var("principal_arn", principal.arn.clone())
    .evidence(evidence)
}

/// The SCPs' decision for the request made by the principal: with every ARN it may have (the two
/// forms of an inferred Identity Center path), a decision only where they all agree.
fn decide(
    levels: &[crate::policy::Level],
    request: &Request,
    principal: &Principal,
) -> ScpDecision {
    let mut decisions = principal.candidates.iter().map(|arn| {
        let mut request = request.clone();
        request
            .context
            .insert("aws:PrincipalArn".to_string(), vec![arn.clone()]);
        evaluate_scps(levels, &request)
    });
    let first = decisions.next().unwrap_or(ScpDecision::Allowed);
    if principal.source == PrincipalSource::PathUnknown {
        if let ScpDecision::ExplicitDeny {
            target_id,
            policy_id,
            statement,
            ..
        } = &first
        {
            let on_principal = levels
                .iter()
                .filter(|l| l.target_id == *target_id)
                .flat_map(|l| &l.policies)
                .filter(|p| p.id == *policy_id)
                .any(|p| {
                    p.policy
                        .statements_using("aws:PrincipalArn")
                        .iter()
                        .any(|s| s.index == statement.index)
                });
            if on_principal {
                // Decided by a condition on the role's ARN, whose path is not known.
                return ScpDecision::Unknown {
                    target_id: target_id.clone(),
                    policy_id: policy_id.clone(),
                    reason: format!(
                        "its aws:PrincipalArn condition decides, and the role's path is unknown ({} assumed)",
                        principal.arn
                    ),
                };
            }
        }
        return first;
    }
    if decisions.all(|d| d == first) {
        return first;
    }
    let target_id = levels
        .first()
        .map(|l| l.target_id.clone())
        .unwrap_or_default();
    ScpDecision::Unknown {
        target_id,
        policy_id: "aws:PrincipalArn".into(),
        reason: format!(
            "the decision depends on the role's Identity Center path ({})",
            principal.candidates.join(" or ")
        ),
    }
}

/// Every request this setup makes, as SCPs see it
/// (https://docs.aws.amazon.com/bedrock/latest/userguide/geographic-cross-region-inference.html,
/// https://docs.aws.amazon.com/bedrock/latest/userguide/global-cross-region-inference.html).
/// `aws:PrincipalArn` is set per request by [`decide`].
async fn plan_requests(facts: &Facts, model: &str, account_id: &str) -> Vec<Planned> {
    let region = facts.region().unwrap_or("us-east-1").to_string();
    let context = |requested: &str, profile: Option<&str>| {
        let mut c = BTreeMap::new();
        c.insert(
            "aws:RequestedRegion".to_string(),
            vec![requested.to_string()],
        );
        c.insert(
            "aws:PrincipalAccount".to_string(),
            vec![account_id.to_string()],
        );
        if let Some(p) = profile {
            c.insert(
                "bedrock:InferenceProfileArn".to_string(),
                vec![p.to_string()],
            );
        }
        c
    };
    let actions = [
        "bedrock:InvokeModel",
        "bedrock:InvokeModelWithResponseStream",
    ];
    let mut plan = Vec::new();
    for action in actions {
        plan.push(Planned {
            label: format!("{action} on {model} in {region}"),
            request: Request {
                action: action.into(),
                resource: format!("arn:aws:bedrock:{region}::foundation-model/{model}"),
                context: context(&region, None),
            },
        });
    }
    if let Ok((profiles, _)) = facts.profiles_for(model).await {
        for profile in profiles {
            for action in actions {
                plan.push(Planned {
                    label: format!("{action} on profile {} in {region}", profile.id),
                    request: Request {
                        action: action.into(),
                        resource: profile.arn.clone(),
                        context: context(&region, None),
                    },
                });
                if profile.is_global() {
                    plan.push(Planned {
                        label: format!(
                            "{action} through {} (global: aws:RequestedRegion = unspecified)",
                            profile.id
                        ),
                        request: Request {
                            action: action.into(),
                            resource: format!("arn:aws:bedrock:::foundation-model/{model}"),
                            context: context("unspecified", Some(&profile.arn)),
                        },
                    });
                }
                for destination in profile.destinations() {
                    plan.push(Planned {
                        label: format!("{action} through {} routed to {destination}", profile.id),
                        request: Request {
                            action: action.into(),
                            resource: format!(
                                "arn:aws:bedrock:{destination}::foundation-model/{model}"
                            ),
                            context: context(&destination, Some(&profile.arn)),
                        },
                    });
                }
            }
        }
    }
    for action in [
        "aws-marketplace:ViewSubscriptions",
        "aws-marketplace:Subscribe",
    ] {
        plan.push(Planned {
            label: format!("{action} in {region}"),
            request: Request {
                action: action.into(),
                resource: "*".into(),
                context: context(&region, None),
            },
        });
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_action_resource_and_region_from_a_deny() {
        // Real message: https://github.com/aws-solutions/innovation-sandbox-on-aws/issues/74.
        let m = "User: arn:aws:sts::123456789012:assumed-role/dev/alice is not authorized to perform: bedrock:InvokeModelWithResponseStream on resource: arn:aws:bedrock:us-east-2::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0 with an explicit deny in a service control policy";
        let (action, resource, region) = parse_deny(m);
        assert_eq!(
            action.as_deref(),
            Some("bedrock:InvokeModelWithResponseStream")
        );
        assert_eq!(resource.as_deref(), Some("arn:aws:bedrock:us-east-2::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0"));
        assert_eq!(region.as_deref(), Some("us-east-2"));
        let (_, _, global) = parse_deny("not authorized to perform: bedrock:InvokeModel on resource: arn:aws:bedrock:::foundation-model/anthropic.claude-sonnet-4-6 with an explicit deny in a service control policy");
        assert!(global.unwrap().contains("unspecified"));
    }
}

#[cfg(test)]
mod analytical_tests {
    use super::*;
    use crate::facts::test_support::{facts_with_bedrock_settings, settings};
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
        include_str!("../../../tests/policies/aws-samples-region-deny-bedrock-cris-us.json");
    const FULL_ACCESS: &str = include_str!("../../../tests/policies/orgs-full-aws-access.json");

    fn json(body: String) -> HttpResponse {
        let mut r = HttpResponse::new(StatusCode::try_from(200).unwrap(), SdkBody::from(body));
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

    fn organizations_rules(ou_keeps_full_access: bool) -> Vec<Rule> {
        vec![
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
                // Every level keeps FullAWSAccess: without it nothing below would be allowed at all.
                .then_http_response(move || {
                    let deny = ("p-regiondeny1", "BedrockRegionDeny");
                    if ou_keeps_full_access {
                        json(policies(&[("p-FullAWSAccess", "FullAWSAccess"), deny]))
                    } else {
                        json(policies(&[deny]))
                    }
                }),
            mock!(aws_sdk_organizations::Client::list_policies_for_target)
                .match_requests(|i| i.target_id() != Some(OU))
                .then_http_response(|| json(policies(&[("p-FullAWSAccess", "FullAWSAccess")]))),
            mock!(aws_sdk_organizations::Client::describe_policy)
                .match_requests(|i| i.policy_id() == Some("p-regiondeny1"))
                .then_http_response(|| json(described("p-regiondeny1", "BedrockRegionDeny", REGION_DENY))),
            mock!(aws_sdk_organizations::Client::describe_policy)
                .match_requests(|i| i.policy_id() == Some("p-FullAWSAccess"))
                .then_http_response(|| json(described("p-FullAWSAccess", "FullAWSAccess", FULL_ACCESS))),
        ]
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
            mock!(aws_sdk_bedrock::Client::list_inference_profiles).then_http_response(move || {
                HttpResponse::new(
                    StatusCode::try_from(200).unwrap(),
                    SdkBody::from(profiles.clone()),
                )
            }),
            mock!(aws_sdk_bedrock::Client::list_foundation_models).then_http_response(|| {
                HttpResponse::new(
                    StatusCode::try_from(200).unwrap(),
                    SdkBody::from(r#"{"modelSummaries":[]}"#),
                )
            }),
        ]
    }

    async fn run_scp(ou_keeps_full_access: bool) -> crate::Report {
        let identity = format!(
            r#"<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:sts::{MEMBER}:assumed-role/Developers/alice</Arn><UserId>AROA:alice</UserId><Account>{MEMBER}</Account></GetCallerIdentityResult></GetCallerIdentityResponse>"#
        );
        let sts_rule =
            mock!(aws_sdk_sts::Client::get_caller_identity).then_http_response(move || {
                HttpResponse::new(
                    StatusCode::try_from(200).unwrap(),
                    SdkBody::from(identity.clone()),
                )
            });
        let sts = mock_client!(aws_sdk_sts, RuleMode::MatchAny, [&sts_rule]);
        let org_rules = organizations_rules(ou_keeps_full_access);
        let organizations =
            mock_client!(aws_sdk_organizations, RuleMode::MatchAny, org_rules.iter());
        let bedrock = bedrock_rules();
        let refs: Vec<&Rule> = bedrock.iter().collect();
        let s = Settings {
            models: vec!["anthropic.claude-sonnet-4-5-20250929-v1:0".into()],
            no_invoke: true,
            ..settings()
        };
        let facts = facts_with_bedrock_settings(s, &refs)
            .with_organizations(organizations)
            .with_sts(sts);
        Scp.run(&facts).await
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
        assert_eq!(
            (report.status, report.diagnosis),
            (Status::Fail, Some(dx::SCP_EXPLICIT_DENY)),
            "{report:?}"
        );
        assert!(
            report
                .summary
                .contains("global.anthropic.claude-sonnet-4-5-20250929-v1:0"),
            "{}",
            report.summary
        );
        assert!(
            report
                .summary
                .contains("BedrockRegionDeny (p-regiondeny1, attached to ou-ab12-workload1)"),
            "{}",
            report.summary
        );
        assert!(
            report
                .summary
                .contains("DenyBedrockInferenceOutsideApprovedRegions"),
            "{}",
            report.summary
        );
        assert_eq!(
            report.vars.get("region").map(String::as_str),
            Some("unspecified")
        );
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
        assert_eq!(
            (report.status, report.diagnosis),
            (Status::Fail, Some(dx::SCP_EXPLICIT_DENY)),
            "{report:?}"
        );
        assert!(
            report
                .summary
                .contains("no SCP attached to ou-ab12-workload1 allows it"),
            "{}",
            report.summary
        );
    }

    /// Organizations answering for a path root → OU → account where the OU holds `ou` (id, name,
    /// content) and the root and the account hold FullAWSAccess.
    fn organization_with(ou: Vec<(&'static str, &'static str, String)>) -> Vec<Rule> {
        let listed: Vec<(&'static str, &'static str)> =
            ou.iter().map(|(i, n, _)| (*i, *n)).collect();
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
        let identity = format!(
            r#"<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>{session}</Arn><UserId>AROA:alice</UserId><Account>{MEMBER}</Account></GetCallerIdentityResult></GetCallerIdentityResponse>"#
        );
        let sts_rule =
            mock!(aws_sdk_sts::Client::get_caller_identity).then_http_response(move || {
                HttpResponse::new(
                    StatusCode::try_from(200).unwrap(),
                    SdkBody::from(identity.clone()),
                )
            });
        let get_role = mock!(aws_sdk_iam::Client::get_role).then_http_response(move || match role {
            Some(arn) => {
                let name = arn.rsplit('/').next().unwrap_or_default();
                HttpResponse::new(
                    StatusCode::try_from(200).unwrap(),
                    SdkBody::from(format!("<GetRoleResponse><GetRoleResult><Role><Path>/</Path><Arn>{arn}</Arn><RoleName>{name}</RoleName><RoleId>AROAEXAMPLE</RoleId><CreateDate>2025-01-01T00:00:00Z</CreateDate></Role></GetRoleResult></GetRoleResponse>")),
                )
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
        let bedrock = bedrock_rules();
        let refs: Vec<&Rule> = bedrock.iter().collect();
        let s = Settings {
            models: vec!["anthropic.claude-sonnet-4-5-20250929-v1:0".into()],
            no_invoke: true,
            ..settings()
        };
        let facts = facts_with_bedrock_settings(s, &refs)
            .with_organizations(mock_client!(
                aws_sdk_organizations,
                RuleMode::MatchAny,
                org_rules.iter()
            ))
            .with_sts(mock_client!(aws_sdk_sts, RuleMode::MatchAny, [&sts_rule]))
            .with_iam(mock_client!(aws_sdk_iam, RuleMode::MatchAny, [&get_role]));
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

    fn full_access() -> (&'static str, &'static str, String) {
        ("p-FullAWSAccess", "FullAWSAccess", FULL_ACCESS.into())
    }

    #[tokio::test]
    async fn an_identity_center_role_exempt_by_its_path_passes() {
        let report = scp_as(
            SSO_SESSION,
            Some(SSO_ROLE),
            vec![full_access(), path_exempt_deny()],
        )
        .await;
        assert_eq!(report.status, Status::Pass, "{report:?}");
        assert_eq!(
            report.vars.get("principal_arn").map(String::as_str),
            Some(SSO_ROLE)
        );
    }

    #[tokio::test]
    async fn a_role_outside_the_exempt_paths_is_denied_on_every_leg() {
        let report = scp_as(
            OPS_SESSION,
            Some(OPS_ROLE),
            vec![full_access(), path_exempt_deny()],
        )
        .await;
        assert_eq!(
            (report.status, report.diagnosis),
            (Status::Fail, Some(dx::SCP_EXPLICIT_DENY)),
            "{report:?}"
        );
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
        assert!(
            report.summary.contains("requests denied"),
            "{}",
            report.summary
        );
    }

    #[tokio::test]
    async fn an_inferred_identity_center_path_is_said_to_be_inferred() {
        let report = scp_as(SSO_SESSION, None, vec![full_access(), path_exempt_deny()]).await;
        assert_eq!(report.status, Status::Pass, "{report:?}");
        assert!(report.summary.contains("inferred"), "{}", report.summary);
        assert!(
            report.summary.contains(
                "role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_BedrockUsers_0123456789abcdef"
            ),
            "{}",
            report.summary
        );
    }

    #[tokio::test]
    async fn an_unknown_role_path_names_the_principal_conditions_not_evaluated_exactly() {
        let report = scp_as(OPS_SESSION, None, vec![full_access(), path_exempt_deny()]).await;
        assert_eq!(report.status, Status::Skip, "{report:?}");
        assert!(
            report.summary.contains(
                "aws:PrincipalArn condition of DenyBedrockExceptPlatformRoles (p-platform1)"
            ),
            "{}",
            report.summary
        );
        assert!(
            report.summary.contains("path is unknown"),
            "{}",
            report.summary
        );
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
        assert!(
            report
                .summary
                .contains("no SCP attached to ou-ab12-workload1 allows it"),
            "{}",
            report.summary
        );
        assert!(
            report.summary.contains("DenySubscribe"),
            "{}",
            report.summary
        );
        assert!(
            report
                .summary
                .contains("bedrock:InvokeModelWithResponseStream"),
            "{}",
            report.summary
        );
    }
}
