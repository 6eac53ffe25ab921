//! Cross-region inference profiles route each request to one of several regions; a destination the
//! account may not use makes some requests fail and others pass.

use super::model_support::{calls_finding_the_model, ModelCheck};
use crate::access_denied;
use crate::facts::profiles::{Destination, ProfileProbe};
use crate::facts::FactError;
use crate::{dx, Category, CheckMeta, Evidence, Facts, Report};

/// **Verifies:** that the inference profiles to test (`--inference-profile`, else the
/// system-defined profiles listed here that contain the model under test) are reachable in every
/// destination region (the regions of their model ARNs). The probe calls each destination
/// directly, without the profile in the request context: an SCP that exempts profile-routed
/// requests (`bedrock:InferenceProfileArn`) denies the probe but not the routed request. The `scp`
/// check, when it can read the Organization, evaluates the routed request itself.
/// **Calls:** `bedrock:ListInferenceProfiles` or `bedrock:GetInferenceProfile`; one minimal
/// `InvokeModel` through each profile (cost: as `invoke`); per destination region, one
/// `InvokeModel` of the base model with a deliberately invalid body, which costs nothing: allowed
/// requests are refused by validation, denied ones by authorization (see `PROBE_BODY`).
/// **Skips when:** there is no model under test, or `--no-invoke` (the profiles are named, not
/// invoked or probed).
/// **Fails when:** the given profile does not exist here or does not contain the model
/// (`inference-profile-not-found`), a destination is blocked (`inference-profile-region-blocked`),
/// or a profile's invocation is refused (its error's diagnosis).
/// **Warns when:** never.
pub struct InferenceProfile;

impl ModelCheck for InferenceProfile {
    const META: &'static CheckMeta = &CheckMeta {
        id: "inference-profile",
        title: "Inference profiles",
        category: Category::InferenceProfile,
        per_model: true,
        per_region: true,
        description: "Cross-region inference profiles containing the model are reachable in every destination region.",
        calls: &calls_finding_the_model::<5>(&[
            "bedrock:GetInferenceProfile",
            "bedrock:InvokeModel",
        ]),
    };

    async fn run_on(&self, facts: &Facts, id: String) -> Report {
        let (profiles, listing) = match facts.profiles_for(&id).await {
            Ok(found) => found,
            Err(FactError::Call(e))
                if facts.settings().inference_profile.is_some() && is_not_found(&e) =>
            {
                let given = facts
                    .settings()
                    .inference_profile
                    .clone()
                    .unwrap_or_default();
                let region = facts.region().unwrap_or("this region").to_string();
                let prefix =
                    crate::facts::models::split_profile_id(&given).map(|(p, _)| p.to_string());
                let why = match prefix {
                    // Profiles are listed per source region: a us. profile does not exist in eu-west-1.
                    Some(p)
                        if p != "global"
                            && !super::model_support::geographies_of(&region)
                                .contains(&p.as_str()) =>
                    {
                        format!("`{given}` is a `{p}.` profile, which callers in {region} cannot use: each region lists only its own geography's profiles (and `global.`)")
                    }
                    _ => format!("no inference profile `{given}` in {region} ({})", e.summary),
                };
                let ids = facts.usable_ids(&id).await;
                return Report::fail(dx::INFERENCE_PROFILE_NOT_FOUND, why)
                    .var("profile", given)
                    .var("works_here", ids)
                    .evidence([e.evidence]);
            }
            Err(err) => return err.to_report(),
        };
        if let Some(given) = facts.settings().inference_profile.as_deref() {
            if let Some(p) = profiles.first().filter(|p| !p.contains_model(&id)) {
                return Report::fail(
                    dx::INFERENCE_PROFILE_NOT_FOUND,
                    format!(
                        "`{given}` does not contain {id}; it routes {}",
                        p.model_ids().join(", ")
                    ),
                )
                .var("profile", given)
                .var("model_id", id)
                .evidence(listing);
            }
        }
        if profiles.is_empty() {
            return Report::pass(format!(
                "no system inference profile contains {id} here; it is used on demand"
            ))
            .evidence(listing);
        }
        if facts.settings().no_invoke {
            let ids: Vec<&str> = profiles.iter().map(|p| p.id.as_str()).collect();
            return Report::skip(format!(
                "--no-invoke: profiles {} not invoked or probed",
                ids.join(", ")
            ));
        }
        let probes = match facts.profile_reachability(&id).await {
            Ok(p) => p,
            Err(err) => return err.to_report(),
        };
        judge(&probes).var("model_id", id)
    }
}

fn is_not_found(e: &crate::calls::CallError) -> bool {
    matches!(
        e.evidence.error_code.as_deref(),
        Some("ResourceNotFoundException" | "ValidationException")
    )
}

/// Blocked destinations across all profiles, with the profile invocations' own verdicts.
fn judge(probes: &[ProfileProbe]) -> Report {
    let mut evidence: Vec<Evidence> = Vec::new();
    let mut blocked: Vec<String> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    let mut first_failure: Option<&crate::calls::CallError> = None;
    for probe in probes {
        if let Some(invoke) = &probe.invoke {
            evidence.extend(invoke.evidence.iter().cloned());
            if let Err(e) = &invoke.result {
                first_failure.get_or_insert(e);
                // The deny of a routed request names the destination region's model ARN
                // (https://github.com/aws-solutions/innovation-sandbox-on-aws/issues/74).
                if e.diagnosis == dx::SCP_EXPLICIT_DENY {
                    let message = e.evidence.message.as_deref().unwrap_or_default();
                    if let Some(region) = access_denied::parse(message).region {
                        blocked.push(format!("{region} (via {})", probe.profile.id));
                    }
                }
            }
        }
        let total = probe.destinations.len();
        let mut denied_here = Vec::new();
        for (region, verdict, e) in &probe.destinations {
            evidence.push(e.clone());
            if let Destination::Denied(err) = verdict {
                denied_here.push(region.clone());
                first_failure.get_or_insert(err);
            }
        }
        // A deny in every destination is not a region problem unless an SCP says so: it is the
        // caller's IAM policy, which the `invoke` and `iam-permissions` checks report.
        let scp = probe.destinations.iter().any(
            |(_, v, _)| matches!(v, Destination::Denied(e) if e.diagnosis == dx::SCP_EXPLICIT_DENY),
        );
        if !denied_here.is_empty() && (scp || denied_here.len() < total) {
            blocked.push(format!(
                "{} of {total} destinations of {}: {}",
                denied_here.len(),
                probe.profile.id,
                denied_here.join(", ")
            ));
        }
        let invoked = match probe.invoke.as_ref().map(|o| o.result.is_ok()) {
            Some(true) => "invocation ok",
            Some(false) => "invocation refused",
            None => "not invoked",
        };
        let scope = if probe.profile.is_global() {
            "all commercial regions".to_string()
        } else {
            probe.profile.destinations().join(", ")
        };
        notes.push(format!(
            "{} ({invoked}; routes to {scope})",
            probe.profile.id
        ));
    }
    if !blocked.is_empty() {
        blocked.dedup();
        let why = "AWS routes each request to one of the destinations, so requests fail only when routed to a blocked one: the failures look intermittent";
        let report = Report::fail(
            dx::INFERENCE_PROFILE_REGION_BLOCKED,
            format!("blocked: {}. {why}", blocked.join("; ")),
        );
        let report = match first_failure.and_then(|e| e.evidence.region.clone()) {
            Some(r) => report.var("region", r),
            None => report,
        };
        return report.evidence(evidence);
    }
    if let Some(e) = first_failure {
        let mut report = e.to_report();
        report.evidence = evidence;
        return report;
    }
    Report::pass(notes.join("; ")).evidence(evidence)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_destination_region_a_deny_names() {
        let message = "User: arn:aws:sts::123456789012:assumed-role/dev/alice is not authorized to perform: bedrock:InvokeModelWithResponseStream on resource: arn:aws:bedrock:us-east-2::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0 with an explicit deny in a service control policy";
        assert_eq!(
            access_denied::parse(message).region.as_deref(),
            Some("us-east-2")
        );
        assert_eq!(
            access_denied::parse("arn:aws:bedrock:::foundation-model/x").region,
            None
        );
    }
}
