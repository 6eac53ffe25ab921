//! The empirical strategy: the AccessDenied errors of this run's calls whose message says a service
//! control policy denied them, with the action, resource and region each one hit.

use crate::access_denied;
use crate::calls::CallError;
use crate::facts::profiles::Destination;
use crate::facts::FactError;
use crate::{dx, Facts, Report};

/// AccessDenied errors of this run's calls that an SCP caused (a shared fact each; nothing new is
/// sent except what other checks send anyway).
pub(super) async fn denies(facts: &Facts, model_id: &str) -> Vec<CallError> {
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
                    if let Destination::Denied(e) = verdict {
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
pub(super) fn report(observed: &[CallError]) -> Report {
    let mut legs: Vec<(Option<String>, Option<String>, Option<String>)> = Vec::new();
    for deny in observed {
        let found = leg(deny.evidence.message.as_deref().unwrap_or_default());
        if !legs.contains(&found) {
            legs.push(found);
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

/// The action, resource and region an SCP's AccessDenied message names
/// (`… is not authorized to perform: ACTION on resource: ARN with an explicit deny …`); a
/// region-less resource is a global profile's request.
fn leg(message: &str) -> (Option<String>, Option<String>, Option<String>) {
    let denied = access_denied::parse(message);
    let region = denied.resource_region().map(|r| {
        if r.is_empty() {
            "no region: a global profile, evaluated as aws:RequestedRegion = unspecified"
                .to_string()
        } else {
            r.to_string()
        }
    });
    (denied.action, denied.resource, region)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_action_resource_and_region_from_a_deny() {
        // Real message: https://github.com/aws-solutions/innovation-sandbox-on-aws/issues/74.
        let m = "User: arn:aws:sts::123456789012:assumed-role/dev/alice is not authorized to perform: bedrock:InvokeModelWithResponseStream on resource: arn:aws:bedrock:us-east-2::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0 with an explicit deny in a service control policy";
        let (action, resource, region) = leg(m);
        assert_eq!(
            action.as_deref(),
            Some("bedrock:InvokeModelWithResponseStream")
        );
        assert_eq!(resource.as_deref(), Some("arn:aws:bedrock:us-east-2::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0"));
        assert_eq!(region.as_deref(), Some("us-east-2"));
        let (_, _, global) = leg("not authorized to perform: bedrock:InvokeModel on resource: arn:aws:bedrock:::foundation-model/anthropic.claude-sonnet-4-6 with an explicit deny in a service control policy");
        assert!(global.unwrap().contains("unspecified"));
    }
}
