//! The analytical strategy (management account or delegated administrator): the SCPs attached from
//! the root to the account, evaluated for every request this setup makes, each with the caller's
//! `aws:PrincipalArn`.

use super::super::model_support::model_or_skip;
use crate::facts::iam::{Principal, PrincipalSource};
use crate::facts::orgs::Membership;
use crate::facts::FactError;
use crate::policy::plan::{plan_requests, Planned, ProfileRoute};
use crate::policy::{evaluate_scps, Request, ScpDecision};
use crate::{dx, Facts, Report};

/// The SCPs' verdict on this setup's requests, or why they could not be read or judged.
/// The analysis of the Organization's SCPs for this account. It reads the Organization before it
/// asks for the model under test, so the climb from the account to the root starts as soon as the
/// account id is known.
pub(super) async fn report(facts: &Facts, account_id: &str) -> Report {
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
    // The caller's principal (iam:GetRole for an assumed role) and the climb to the root need
    // nothing of each other: read alongside, the role lookup is not a round trip before the climb.
    let (principal, path) = tokio::join!(facts.principal(), facts.scp_path(account_id));
    let principal = match principal {
        Ok(p) => p,
        Err(err) => return err.to_report(),
    };
    let path = match path {
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
    let model = model_or_skip(facts).await.ok();
    let Some(model) = model.as_deref() else {
        return Report::skip(
            "read the SCPs, but there is no model under test to evaluate them for",
        );
    };
    let plan = plan_for(facts, model, account_id).await;
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

/// The plan for the model in this region, with the profiles that contain it (none when they could
/// not be listed: the direct requests and the Marketplace are still judged).
async fn plan_for(facts: &Facts, model: &str, account_id: &str) -> Vec<Planned> {
    let region = facts.region().unwrap_or("us-east-1");
    let profiles: Vec<ProfileRoute> = match facts.profiles_for(model).await {
        Ok((profiles, _)) => profiles
            .iter()
            .map(|p| ProfileRoute {
                id: p.id.clone(),
                arn: p.arn.clone(),
                global: p.is_global(),
                destinations: p.destinations(),
            })
            .collect(),
        Err(_) => Vec::new(),
    };
    plan_requests(region, model, account_id, &profiles)
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

#[cfg(test)]
mod tests;
