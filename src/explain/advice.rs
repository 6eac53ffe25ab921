//! Advice on the policy type an access-denied message names, appended to the catalogue's fix.

use super::Found;

/// What the named policy type means for the fix, appended to the catalogue's fix text.
pub(super) fn policy_advice(found: &Found) -> Option<String> {
    let policy = found.policy_type.as_deref()?;
    let explicit = found.deny.as_deref() == Some("explicit");
    let action = found.action.as_deref().unwrap_or("the action");
    let verb = if explicit {
        format!("has an explicit Deny for {action}")
    } else {
        format!("does not allow {action}")
    };
    let text = match policy {
        "identity-based policy" if explicit => format!(
            "This message names an explicit deny in an identity-based policy: a Deny statement in a policy attached to the user, role or one of its groups blocks {action}. Attaching more Allow statements will not help; remove or narrow the Deny (look for region or resource conditions)."
        ),
        "identity-based policy" => format!(
            "This message names the identity-based policy: no policy attached to the user or role allows {action}. Attach the policy above (or add {action} to it)."
        ),
        "permissions boundary" => format!(
            "This message names a permissions boundary: the boundary set on the user or role {verb}. A boundary caps what attached policies can grant, so adding Allow statements to the role will not help; whoever manages the boundary must allow {action} in it."
        ),
        "session policy" => format!(
            "This message names a session policy: the policy passed when the session was created (the Policy/PolicyArns of AssumeRole or AssumeRoleWithWebIdentity, often set by SSO, OIDC or CI tooling) {verb}. Changing the role's own policies will not help; widen the session policy."
        ),
        "service control policy" => format!(
            "This message names a service control policy: an AWS Organizations SCP {verb} in this account. No IAM policy in the account can override it; the organization's administrators must change the SCP or exempt {action}."
        ),
        "resource control policy" => format!(
            "This message names a resource control policy: an AWS Organizations RCP {verb}. Only the organization's administrators can change it."
        ),
        other => format!("This message names a {other} that {verb}."),
    };
    Some(text)
}

#[cfg(test)]
mod tests {
    use crate::explain::explain;

    #[test]
    fn tells_policy_types_apart() {
        let base = "User: arn:aws:sts::111122223333:assumed-role/r/s is not authorized to perform: bedrock:InvokeModel on resource: arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0";
        for (tail, code, policy, deny) in [
            (
                " because no identity-based policy allows the bedrock:InvokeModel action",
                "iam-action-denied",
                "identity-based policy",
                "implicit",
            ),
            (
                " with an explicit deny in an identity-based policy",
                "iam-action-denied",
                "identity-based policy",
                "explicit",
            ),
            (
                " because no permissions boundary allows the bedrock:InvokeModel action",
                "iam-action-denied",
                "permissions boundary",
                "implicit",
            ),
            (
                " because no session policy allows the bedrock:InvokeModel action",
                "iam-action-denied",
                "session policy",
                "implicit",
            ),
            (
                " with an explicit deny in a session policy",
                "iam-action-denied",
                "session policy",
                "explicit",
            ),
            (
                " with an explicit deny in a service control policy",
                "scp-explicit-deny",
                "service control policy",
                "explicit",
            ),
        ] {
            let e = explain(&format!("AccessDeniedException: {base}{tail}"));
            assert_eq!(e.diagnosis, code, "{tail}");
            assert_eq!(e.found.policy_type.as_deref(), Some(policy), "{tail}");
            assert_eq!(e.found.deny.as_deref(), Some(deny), "{tail}");
            assert!(
                e.fix.contains(&format!(
                    "names {}",
                    if deny == "explicit" && policy.starts_with('i') {
                        "an explicit deny in an identity-based policy".to_string()
                    } else if policy.starts_with('i') {
                        "the identity-based policy".to_string()
                    } else {
                        format!("a {policy}")
                    }
                )),
                "{tail}: {}",
                e.fix
            );
        }
    }
}
