//! What `explain` adds to a diagnosis's fix when a message names more than the diagnosis needs:
//! the policy type that denied, the endpoint an operation belongs to, the feature Bedrock refused.
//! The prose is data in `checks/catalogue.toml` (`[explain]`), beside the fixes it extends.

use serde::Deserialize;

/// The catalogue's `[explain]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExplainAdvice {
    /// Stands for `{action}` when the message names no action.
    unnamed_action: String,
    /// Stands for `{region}` in an endpoint host when the message names no region.
    unnamed_region: String,
    implicit_deny: String,
    explicit_deny: String,
    other_policy: String,
    feature_named: String,
    runtime_operation: String,
    control_plane_operation: String,
    #[serde(rename = "policy")]
    policies: Vec<PolicyAdvice>,
}

/// Advice for one policy type an access-denied message names.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyAdvice {
    pub policy_type: String,
    /// `explicit` or `implicit`: the entry applies only to that kind of deny; any deny when absent.
    pub deny: Option<String>,
    pub advice: String,
}

impl ExplainAdvice {
    /// The advice for a denial by `policy_type` (`deny` is `explicit` or `implicit`, as the message
    /// says): the first entry for that type and kind of deny, else `other_policy`.
    pub fn for_policy(
        &self,
        policy_type: &str,
        deny: Option<&str>,
        action: Option<&str>,
    ) -> String {
        let action = action.unwrap_or(&self.unnamed_action);
        let denies = if deny == Some("explicit") {
            &self.explicit_deny
        } else {
            &self.implicit_deny
        };
        let template = self
            .policies
            .iter()
            .find(|p| {
                p.policy_type == policy_type && p.deny.as_deref().is_none_or(|d| Some(d) == deny)
            })
            .map_or(self.other_policy.as_str(), |p| p.advice.as_str());
        // The values come from a fixed list (policy type) or a pattern without braces (action), so
        // filling one placeholder never creates another.
        template
            .replace("{denies}", denies)
            .replace("{policy}", policy_type)
            .replace("{action}", action)
    }

    /// The note naming the feature a `request-feature-unsupported` message names.
    pub fn feature_named(&self, feature: &str) -> String {
        self.feature_named.replace("{feature}", feature)
    }

    /// Which endpoint serves `operation`: the runtime's when `runtime`, else the control plane's.
    pub fn endpoint_for(&self, operation: &str, runtime: bool, region: Option<&str>) -> String {
        let template = if runtime {
            &self.runtime_operation
        } else {
            &self.control_plane_operation
        };
        template
            .replace("{operation}", operation)
            .replace("{region}", region.unwrap_or(&self.unnamed_region))
    }
}

#[cfg(test)]
mod tests {
    use crate::catalogue::catalogue;

    #[test]
    fn policy_advice_tells_the_kind_of_deny_apart() {
        let advice = catalogue().explain_advice();
        let invoke = Some("bedrock:InvokeModel");
        for (policy, deny, action, says) in [
            (
                "identity-based policy",
                "explicit",
                invoke,
                "names an explicit deny in an identity-based",
            ),
            (
                "identity-based policy",
                "implicit",
                None,
                "allows the action. Attach",
            ),
            (
                "permissions boundary",
                "explicit",
                Some("bedrock:Converse"),
                "has an explicit Deny for bedrock:Converse.",
            ),
            (
                "VPC endpoint policy",
                "implicit",
                invoke,
                "a VPC endpoint policy that does not allow bedrock:InvokeModel.",
            ),
        ] {
            let text = advice.for_policy(policy, Some(deny), action);
            assert!(text.contains(says), "{policy} ({deny}): {text}");
        }
    }

    #[test]
    fn no_placeholder_survives_in_advice() {
        let advice = catalogue().explain_advice();
        let mut texts = vec![
            advice.feature_named("thinking"),
            advice.endpoint_for("Converse", true, None),
            advice.endpoint_for("ListFoundationModels", false, Some("us-east-1")),
        ];
        for policy in &advice.policies {
            texts.push(advice.for_policy(&policy.policy_type, policy.deny.as_deref(), None));
        }
        for text in texts {
            assert!(!text.contains('{') && !text.contains('}'), "{text}");
        }
    }
}
