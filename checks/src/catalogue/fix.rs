//! Filling a fix's `{name}` placeholders with what a check or `explain` observed.

use std::collections::BTreeMap;

/// The names a fix text may use as `{name}`; anything else in braces (policy JSON) is left alone.
pub const FIX_VARIABLES: &[&str] = &[
    "action",
    "resource",
    "region",
    "model_id",
    "profile",
    "account_id",
    "suggestion",
    "endpoint",
    "quota_increases",
    "key_region",
];

/// The fix with its `{name}` placeholders filled from what the check or `explain` observed. A
/// value nobody observed reads as what a person would type there (`$AWS_REGION`, the `default`
/// profile) or as a description, so no template placeholder ever reaches the output.
pub fn render_fix(fix: &str, vars: &BTreeMap<&str, String>) -> String {
    let mut out = fix.to_string();
    for name in FIX_VARIABLES {
        let placeholder = format!("{{{name}}}");
        if out.contains(&placeholder) {
            let value = vars
                .get(name)
                .cloned()
                .unwrap_or_else(|| unobserved(name).to_string());
            out = out.replace(&placeholder, &value);
        }
    }
    out
}

/// What a fix says where a value was not observed.
fn unobserved(name: &str) -> &'static str {
    match name {
        "action" => "the denied action",
        "resource" => "the resource the message names",
        "region" => "$AWS_REGION",
        "model_id" => "$MODEL_ID",
        // The AWS CLI's and SDKs' profile when AWS_PROFILE is unset.
        "profile" => "default",
        "account_id" => "your account",
        "suggestion" => "us-east-1",
        "endpoint" => "the Bedrock endpoints",
        "quota_increases" => "the quotas `bedrock-doctor --only quotas` lists.",
        "key_region" => "$KEY_REGION",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_known_placeholders_and_leaves_json_alone() {
        let mut vars = BTreeMap::new();
        vars.insert("region", "us-east-1".to_string());
        let fix = render_fix(
            "Use {region} for {model_id}: {\"Effect\": \"Allow\"}",
            &vars,
        );
        assert_eq!(fix, "Use us-east-1 for $MODEL_ID: {\"Effect\": \"Allow\"}");
    }
}
