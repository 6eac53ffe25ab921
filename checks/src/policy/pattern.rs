//! Wildcard matching as IAM does it: `*` and `?` globs for actions and strings, and ARN
//! matching that compares the six colon-delimited parts one by one.
//!
//! Sources: IAM User Guide, `reference_policies_elements_action.html` (actions are
//! case-insensitive), `reference_policies_elements_resource.html` (wildcards within any ARN
//! segment; a `*` ending a segment can expand beyond the colons) and
//! `reference_policies_elements_condition_operators.html#Conditions_ARN` (each of the six
//! components is checked separately).

/// `text` matches `pattern`, where `*` stands for any run of characters (including none) and
/// `?` for exactly one. Case-sensitive.
pub fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    // Position of the last `*` seen in the pattern, and the text position it was tried at.
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            // Let the last `*` swallow one more character and retry.
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// [`glob`] ignoring case (Unicode lowercase of both sides).
pub fn glob_ignore_case(pattern: &str, text: &str) -> bool {
    glob(&pattern.to_lowercase(), &text.to_lowercase())
}

/// An IAM action (`bedrock:InvokeModel`) matches an Action/NotAction entry (`bedrock:Invoke*`,
/// `*`). Actions are case-insensitive.
pub fn action_matches(pattern: &str, action: &str) -> bool {
    glob_ignore_case(pattern, action)
}

/// An ARN matches an ARN pattern from a Resource/NotResource element or an `Arn*` condition.
///
/// `*` alone matches anything. Otherwise both sides are split into the six parts
/// `arn:partition:service:region:account:resource` (the resource part keeps its own colons,
/// as in `foundation-model/anthropic.claude-…-v1:0`) and each part is globbed separately,
/// case-sensitively. A pattern with fewer than six parts whose last part ends in `*` lets that
/// part run over the rest of the ARN (`arn:aws:bedrock:*` covers every Bedrock ARN).
pub fn arn_matches(pattern: &str, arn: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    let pat: Vec<&str> = pattern.splitn(6, ':').collect();
    if pat.len() == 6 {
        let parts: Vec<&str> = arn.splitn(6, ':').collect();
        return parts.len() == 6 && pat.iter().zip(&parts).all(|(p, a)| glob(p, a));
    }
    let Some(last) = pat.last().filter(|l| l.ends_with('*')) else {
        return false;
    };
    let parts: Vec<&str> = arn.splitn(pat.len(), ':').collect();
    if parts.len() != pat.len() || arn.split(':').count() < 6 {
        return false;
    }
    let n = pat.len() - 1;
    pat[..n].iter().zip(&parts[..n]).all(|(p, a)| glob(p, a)) && glob(last, parts[n])
}

#[cfg(test)]
mod tests {
    use super::*;

    const FM: &str =
        "arn:aws:bedrock:us-east-2::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0";
    const PROFILE: &str =
        "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0";
    const GLOBAL_FM: &str =
        "arn:aws:bedrock:::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0";

    #[test]
    fn glob_handles_star_and_question_mark() {
        assert!(glob("*", ""));
        assert!(glob("*", "anything"));
        assert!(glob("us-*", "us-east-1"));
        assert!(glob("us-????-1", "us-east-1"));
        assert!(!glob("us-???-1", "us-east-1"));
        assert!(glob("*east*", "us-east-1"));
        assert!(glob("a*b*c", "aXbYbZc"));
        assert!(!glob("a*b*c", "aXbYbZ"));
        assert!(glob("", ""));
        assert!(!glob("", "x"));
        assert!(glob("**", "x"));
    }

    #[test]
    fn glob_is_case_sensitive_unless_asked() {
        assert!(!glob("US-EAST-1", "us-east-1"));
        assert!(glob_ignore_case("US-EAST-1", "us-east-1"));
    }

    #[test]
    fn actions_match_ignoring_case_with_wildcards() {
        assert!(action_matches("bedrock:InvokeModel", "bedrock:invokemodel"));
        assert!(action_matches(
            "bedrock:Invoke*",
            "bedrock:InvokeModelWithResponseStream"
        ));
        assert!(action_matches("BEDROCK:*", "bedrock:ListFoundationModels"));
        assert!(action_matches("*", "bedrock:InvokeModel"));
        assert!(action_matches(
            "bedrock:InvokeModel?ithResponseStream",
            "bedrock:InvokeModelWithResponseStream"
        ));
        assert!(!action_matches(
            "bedrock:InvokeModel",
            "bedrock:InvokeModelWithResponseStream"
        ));
        assert!(!action_matches("s3:*", "bedrock:InvokeModel"));
    }

    #[test]
    fn arn_parts_are_matched_separately() {
        assert!(arn_matches("*", FM));
        assert!(arn_matches("arn:aws:bedrock:*::foundation-model/*", FM));
        assert!(arn_matches(
            "arn:aws:bedrock:*::foundation-model/*",
            GLOBAL_FM
        ));
        assert!(arn_matches(
            "arn:aws:bedrock:*::foundation-model/anthropic.*",
            FM
        ));
        assert!(!arn_matches(
            "arn:aws:bedrock:*::foundation-model/amazon.*",
            FM
        ));
        assert!(!arn_matches(
            "arn:aws:bedrock:*::foundation-model/*",
            PROFILE
        ));
        assert!(arn_matches(
            "arn:aws:bedrock:*:*:inference-profile/us.*",
            PROFILE
        ));
        assert!(!arn_matches(
            "arn:aws:bedrock:*:*:inference-profile/global.*",
            PROFILE
        ));
        assert!(arn_matches("arn:aws:bedrock:us-east-?:*:*", PROFILE));
        // A `*` inside the region part does not reach into the account part.
        assert!(!arn_matches("arn:aws:bedrock:*:foundation-model/*", FM));
    }

    #[test]
    fn arn_matching_is_case_sensitive() {
        assert!(!arn_matches(
            "arn:aws:bedrock:*::foundation-model/Anthropic.*",
            FM
        ));
        assert!(!arn_matches("ARN:AWS:bedrock:*::foundation-model/*", FM));
    }

    #[test]
    fn short_pattern_ending_in_star_covers_the_rest() {
        assert!(arn_matches("arn:aws:bedrock:*", FM));
        assert!(arn_matches("arn:aws:bedrock:us-east-1:*", PROFILE));
        assert!(!arn_matches("arn:aws:bedrock:us-west-2:*", PROFILE));
        assert!(!arn_matches("arn:aws:bedrock", FM));
    }

    #[test]
    fn non_arns_do_not_match_arn_patterns() {
        assert!(!arn_matches("arn:aws:bedrock:*:*:*", "*"));
        assert!(!arn_matches("arn:aws:bedrock:*", "us.anthropic.claude"));
        assert!(arn_matches("*", "*"));
    }
}
