//! The requests a Bedrock setup makes, as service control policies see them: the direct model in
//! the caller's region, each inference profile and the regions it routes to, streaming, and the
//! Marketplace actions of the first call. Pure: the caller hands in what it read (region, account,
//! profiles); the SCP evaluator beside it decides each request.

use super::Request;
use std::collections::BTreeMap;

/// One request to evaluate, with a label for the summary.
#[derive(Debug, Clone, PartialEq)]
pub struct Planned {
    pub label: String,
    pub request: Request,
}

/// An inference profile as the plan needs it: its id and ARN, whether it is a `global.` profile,
/// and the regions its model ARNs name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileRoute {
    pub id: String,
    pub arn: String,
    pub global: bool,
    pub destinations: Vec<String>,
}

/// Every request this setup makes, as SCPs see it
/// (https://docs.aws.amazon.com/bedrock/latest/userguide/geographic-cross-region-inference.html,
/// https://docs.aws.amazon.com/bedrock/latest/userguide/global-cross-region-inference.html).
/// `aws:PrincipalArn` is left out: the caller sets it per request, once for each ARN the principal
/// may have.
pub fn plan_requests(
    region: &str,
    model: &str,
    account_id: &str,
    profiles: &[ProfileRoute],
) -> Vec<Planned> {
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
    let planned = |label: String, action: &str, resource: String, context| Planned {
        label,
        request: Request {
            action: action.into(),
            resource,
            context,
        },
    };
    let actions = [
        "bedrock:InvokeModel",
        "bedrock:InvokeModelWithResponseStream",
    ];
    let mut plan = Vec::new();
    for action in actions {
        plan.push(planned(
            format!("{action} on {model} in {region}"),
            action,
            format!("arn:aws:bedrock:{region}::foundation-model/{model}"),
            context(region, None),
        ));
    }
    for profile in profiles {
        for action in actions {
            plan.push(planned(
                format!("{action} on profile {} in {region}", profile.id),
                action,
                profile.arn.clone(),
                context(region, None),
            ));
            if profile.global {
                plan.push(planned(
                    format!(
                        "{action} through {} (global: aws:RequestedRegion = unspecified)",
                        profile.id
                    ),
                    action,
                    format!("arn:aws:bedrock:::foundation-model/{model}"),
                    context("unspecified", Some(&profile.arn)),
                ));
            }
            for destination in &profile.destinations {
                plan.push(planned(
                    format!("{action} through {} routed to {destination}", profile.id),
                    action,
                    format!("arn:aws:bedrock:{destination}::foundation-model/{model}"),
                    context(destination, Some(&profile.arn)),
                ));
            }
        }
    }
    for action in [
        "aws-marketplace:ViewSubscriptions",
        "aws-marketplace:Subscribe",
    ] {
        plan.push(planned(
            format!("{action} in {region}"),
            action,
            "*".into(),
            context(region, None),
        ));
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_global_profile_adds_the_region_less_request_with_the_profile_in_context() {
        let global = ProfileRoute {
            id: "global.anthropic.m".into(),
            arn: "arn:aws:bedrock:us-east-1:111122223333:inference-profile/global.anthropic.m"
                .into(),
            global: true,
            destinations: Vec::new(),
        };
        let plan = plan_requests("us-east-1", "anthropic.m", "111122223333", &[global]);
        // Direct (2), profile (2), global region-less (2), Marketplace (2).
        assert_eq!(plan.len(), 8);
        let unspecified = plan
            .iter()
            .find(|p| p.label.contains("unspecified"))
            .expect("the global request is planned");
        assert_eq!(
            unspecified.request.resource,
            "arn:aws:bedrock:::foundation-model/anthropic.m"
        );
        assert_eq!(
            unspecified.request.context["bedrock:InferenceProfileArn"],
            ["arn:aws:bedrock:us-east-1:111122223333:inference-profile/global.anthropic.m"]
        );
    }

    #[test]
    fn each_destination_is_requested_in_its_own_region() {
        let us = ProfileRoute {
            id: "us.anthropic.m".into(),
            arn: "arn:aws:bedrock:us-east-1:111122223333:inference-profile/us.anthropic.m".into(),
            global: false,
            destinations: vec!["us-east-2".into(), "us-west-2".into()],
        };
        let plan = plan_requests("us-east-1", "anthropic.m", "111122223333", &[us]);
        let routed = plan
            .iter()
            .find(|p| p.label == "bedrock:InvokeModel through us.anthropic.m routed to us-west-2")
            .expect("the destination is planned");
        assert_eq!(routed.request.context["aws:RequestedRegion"], ["us-west-2"]);
        assert_eq!(
            plan.last().map(|p| p.label.as_str()),
            Some("aws-marketplace:Subscribe in us-east-1")
        );
    }
}
