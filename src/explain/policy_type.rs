//! The policy type an access-denied message names. The one place `explain` reads it, so the reading
//! can move to a shared access-denied parser without touching the rest.

use super::extract::re;
use regex::Regex;
use std::sync::OnceLock;

/// The policy type an IAM access-denied message names, and whether it is an explicit deny.
pub(super) fn policy_type(text: &str) -> Option<(String, &'static str)> {
    static POLICY: OnceLock<Regex> = OnceLock::new();
    const TYPES: &str = "identity-based policy|resource-based policy|permissions boundary|session policy|service control policy|resource control policy|VPC endpoint policy";
    let re = re(
        &POLICY,
        &format!(r"(?i)because no ({TYPES}) allows|with an explicit deny in an? ({TYPES})"),
    );
    let caps = re.captures(text)?;
    let (m, deny) = match (caps.get(1), caps.get(2)) {
        (Some(m), _) => (m, "implicit"),
        (None, Some(m)) => (m, "explicit"),
        _ => return None,
    };
    let name = m.as_str().to_ascii_lowercase().replace("vpc", "VPC");
    Some((name, deny))
}
