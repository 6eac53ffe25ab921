//! Reads an AWS authorization failure message (`User: ARN is not authorized to perform: ACTION on
//! resource: ARN because no identity-based policy allows the ACTION action`) into its parts, so that
//! every caller names the same principal, action, resource and policy type.
//!
//! The message forms are AWS's own: "Troubleshoot access denied error messages" in the IAM User Guide
//! (https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html) lists the
//! policy types a message names, and whether the deny is explicit ("with an explicit deny in a …")
//! or implicit ("because no … allows …"). Pure: no I/O, no AWS call.

use regex::Regex;
use std::sync::OnceLock;

/// What an AccessDenied message says, each part `None` when the message does not name it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccessDenied {
    /// The caller the message names (`User: arn:aws:sts::…:assumed-role/…`), verbatim, possibly masked
    /// by whoever pasted it (`…assumed-role/x`, `arn:aws:iam::***:user/****`).
    pub principal: Option<String>,
    /// The IAM action refused (`bedrock:InvokeModel`).
    pub action: Option<String>,
    /// The resource the action was refused on (an ARN, or `*`), without a closing `.`, `,` or `` ` ``.
    pub resource: Option<String>,
    /// The type of policy that denies, lower case as AWS writes it (`identity-based policy`,
    /// `resource-based policy`, `permissions boundary`, `session policy`, `service control
    /// policy`, `resource control policy`, `VPC endpoint policy`).
    pub policy_type: Option<String>,
    /// The message says the deny is explicit (a Deny statement, "with an explicit deny"); false for
    /// an implicit deny (no policy of that type allows the action) or when it does not say.
    pub explicit_deny: bool,
    /// The region of the first ARN in the message that names one (the resource's, for a regional
    /// resource; none for a global inference profile's region-less foundation-model ARN).
    pub region: Option<String>,
}

impl AccessDenied {
    /// The region field of the resource ARN: `Some("")` for a region-less ARN
    /// (`arn:aws:bedrock:::foundation-model/…`, what a global inference profile's request names),
    /// `None` when the resource is not an ARN or was not named.
    pub fn resource_region(&self) -> Option<&str> {
        self.resource.as_deref()?.split(':').nth(3)
    }
}

fn re(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).expect("static pattern"))
}

/// The policy types an AccessDenied message can name, as alternatives of a pattern.
const POLICY_TYPES: &str = "identity-based policy|resource-based policy|permissions boundary|session policy|service control policy|resource control policy|VPC endpoint policy";

/// Reads the parts of an AccessDenied message; text that is not one yields an empty `AccessDenied`.
pub fn parse(message: &str) -> AccessDenied {
    static ACTION: OnceLock<Regex> = OnceLock::new();
    static RESOURCE: OnceLock<Regex> = OnceLock::new();
    static REGION: OnceLock<Regex> = OnceLock::new();
    static POLICY: OnceLock<Regex> = OnceLock::new();
    static EXPLICIT: OnceLock<Regex> = OnceLock::new();
    let first = |re: &Regex| re.captures(message).map(|c| c[1].to_string());
    let (policy_type, explicit_by_type) = policy_type(
        re(
            &POLICY,
            &format!(
                r"(?i)because no ({POLICY_TYPES}) allows|with an explicit deny in an? ({POLICY_TYPES})"
            ),
        ),
        message,
    );
    AccessDenied {
        principal: principal(message),
        action: first(re(&ACTION, r"perform:?\s+([a-z0-9-]+:[A-Za-z0-9*]+)")),
        resource: first(re(&RESOURCE, r"on resource:?\s+(\S+?)[.,`]?(\s|$)")),
        explicit_deny: explicit_by_type
            || re(&EXPLICIT, r"(?i)with an\s+explicit\s+deny").is_match(message),
        policy_type,
        region: first(re(
            &REGION,
            r"arn:aws[a-z-]*:[a-z-]+:([a-z]{2}(-[a-z]+)+-\d+):",
        )),
    }
}

/// The policy type named, and whether the phrase naming it is the explicit-deny one.
fn policy_type(re: &Regex, message: &str) -> (Option<String>, bool) {
    let Some(caps) = re.captures(message) else {
        return (None, false);
    };
    let (m, explicit) = match (caps.get(1), caps.get(2)) {
        (Some(m), _) => (m, false),
        (None, Some(m)) => (m, true),
        _ => return (None, false),
    };
    let name = m.as_str().to_ascii_lowercase().replace("vpc", "VPC");
    (Some(name), explicit)
}

/// The caller: the word after `User:` (across a line break), else an ARN right before
/// `is not authorized`.
fn principal(message: &str) -> Option<String> {
    static AFTER_USER: OnceLock<Regex> = OnceLock::new();
    static BEFORE: OnceLock<Regex> = OnceLock::new();
    let named = re(&AFTER_USER, r"\bUser:\s+(\S+)\s+is\s+not\s+authorized")
        .captures(message)
        .or_else(|| re(&BEFORE, r"(?:^|\s)(arn:\S+)\s+is\s+not\s+authorized").captures(message))?;
    Some(named[1].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The AccessDenied forms of `tests/corpus/messages.toml`, each with what it must read as.
    #[test]
    fn reads_the_corpus_forms() {
        let cases: &[(&str, AccessDenied)] = &[
            (
                "An error occurred (AccessDeniedException) when calling the InvokeModel operation: User: arn:aws:sts::**:assumed-role/semantic-search-NBRole-EjdXfAalJlpo/SageMaker is not authorized to perform: bedrock:InvokeModel on resource: arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0 because no identity-based policy allows the bedrock:InvokeModel action",
                AccessDenied {
                    principal: Some("arn:aws:sts::**:assumed-role/semantic-search-NBRole-EjdXfAalJlpo/SageMaker".into()),
                    action: Some("bedrock:InvokeModel".into()),
                    resource: Some("arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0".into()),
                    policy_type: Some("identity-based policy".into()),
                    explicit_deny: false,
                    region: Some("us-east-1".into()),
                },
            ),
            (
                "User: arn:aws:sts::ACCOUNT_ID:assumed-role/DifyOnAwsStack-ApiServiceTaskTaskRole06F87EBE-XXXX/XXXX is not \nauthorized to perform: bedrock:ListFoundationModels because no identity-based policy allows the bedrock:ListFoundationModels action",
                AccessDenied {
                    principal: Some("arn:aws:sts::ACCOUNT_ID:assumed-role/DifyOnAwsStack-ApiServiceTaskTaskRole06F87EBE-XXXX/XXXX".into()),
                    action: Some("bedrock:ListFoundationModels".into()),
                    policy_type: Some("identity-based policy".into()),
                    ..AccessDenied::default()
                },
            ),
            (
                "`AccessDeniedException: ... is not authorized to perform: bedrock:InvokeModelWithResponseStream\non resource: arn:aws:bedrock:us-east-1:<acct>:inference-profile/global.anthropic.claude-sonnet-4-5-20250929-v1:0\nwith an explicit deny in an identity-based policy`",
                AccessDenied {
                    action: Some("bedrock:InvokeModelWithResponseStream".into()),
                    resource: Some("arn:aws:bedrock:us-east-1:<acct>:inference-profile/global.anthropic.claude-sonnet-4-5-20250929-v1:0".into()),
                    policy_type: Some("identity-based policy".into()),
                    explicit_deny: true,
                    region: Some("us-east-1".into()),
                    ..AccessDenied::default()
                },
            ),
            (
                "User: arn:aws:iam::***:user/**** is not authorized to perform: ec2:CreateRole on resource: ***\n because no permissions boundary allows the ec2:CreateRole action.",
                AccessDenied {
                    principal: Some("arn:aws:iam::***:user/****".into()),
                    action: Some("ec2:CreateRole".into()),
                    resource: Some("***".into()),
                    policy_type: Some("permissions boundary".into()),
                    ..AccessDenied::default()
                },
            ),
            (
                "User: xxx is not authorized to perform: states:ListExecutions on resource: yyy because no session policy allows the states:ListExecutions action",
                AccessDenied {
                    principal: Some("xxx".into()),
                    action: Some("states:ListExecutions".into()),
                    resource: Some("yyy".into()),
                    policy_type: Some("session policy".into()),
                    ..AccessDenied::default()
                },
            ),
            (
                "API: iam:CreateRole User: arn:aws:sts::{accountid}:assumed-role/{role}/jrykowski is not authorized to perform: iam:CreateRole on resource: arn:aws:iam::{accountid}:role/limitmonitor-limitCheckSt-LimitMonitorRole-1M8F2ZHBM59NZ with an explicit deny",
                AccessDenied {
                    principal: Some("arn:aws:sts::{accountid}:assumed-role/{role}/jrykowski".into()),
                    action: Some("iam:CreateRole".into()),
                    resource: Some("arn:aws:iam::{accountid}:role/limitmonitor-limitCheckSt-LimitMonitorRole-1M8F2ZHBM59NZ".into()),
                    explicit_deny: true,
                    ..AccessDenied::default()
                },
            ),
            (
                "Force stopped: An error occurred (AccessDeniedException) when calling the ConverseStream operation: User: arn:aws:sts::{account-id}:assumed-role/badgers-agent-ws-role-{id}/BedrockAgentCore-{id} is not authorized to perform: bedrock:InvokeModelWithResponseStream on resource: arn:aws:bedrock:::foundation-model/anthropic.claude-opus-4-6-v1 with an explicit deny in a service control policy: arn:aws:organizations::{org-id}:policy/o-{id}/service_control_policy/p-{id}",
                AccessDenied {
                    principal: Some("arn:aws:sts::{account-id}:assumed-role/badgers-agent-ws-role-{id}/BedrockAgentCore-{id}".into()),
                    action: Some("bedrock:InvokeModelWithResponseStream".into()),
                    resource: Some("arn:aws:bedrock:::foundation-model/anthropic.claude-opus-4-6-v1".into()),
                    policy_type: Some("service control policy".into()),
                    explicit_deny: true,
                    region: None,
                },
            ),
            (
                "403 Model access is denied due to User:\narn:aws:sts::602028460818:assumed-role/AWSReservedSSO_aws-coding-tools-claude_67b12196c3cce3e7/xxx is not authorized to perform: aws-marketplace:ViewSubscriptions on resource: *",
                AccessDenied {
                    principal: Some("arn:aws:sts::602028460818:assumed-role/AWSReservedSSO_aws-coding-tools-claude_67b12196c3cce3e7/xxx".into()),
                    action: Some("aws-marketplace:ViewSubscriptions".into()),
                    resource: Some("*".into()),
                    ..AccessDenied::default()
                },
            ),
        ];
        for (message, expected) in cases {
            assert_eq!(&parse(message), expected, "{message}");
        }
    }

    #[test]
    fn a_global_profile_resource_has_an_empty_region() {
        let global = parse("is not authorized to perform: bedrock:InvokeModel on resource: arn:aws:bedrock:::foundation-model/anthropic.claude-sonnet-4-6 with an explicit deny in a service control policy");
        assert_eq!(global.resource_region(), Some(""));
        assert_eq!(global.region, None);
        let regional = parse("not authorized to perform: bedrock:InvokeModel on resource: arn:aws:bedrock:us-east-2::foundation-model/x, with an explicit deny");
        assert_eq!(regional.resource_region(), Some("us-east-2"));
        assert_eq!(
            regional.resource.as_deref(),
            Some("arn:aws:bedrock:us-east-2::foundation-model/x")
        );
        assert_eq!(parse("on resource: *").resource_region(), None);
    }

    #[test]
    fn text_that_is_not_an_access_denied_reads_as_empty() {
        assert_eq!(
            parse("Your account is not authorized to invoke this API operation."),
            AccessDenied::default()
        );
        assert_eq!(parse(""), AccessDenied::default());
    }

    #[test]
    fn names_the_principal_without_the_user_prefix() {
        let denied = parse(
            "arn:aws:iam::123456789012:user/alice is not authorized to perform: sts:AssumeRole",
        );
        assert_eq!(
            denied.principal.as_deref(),
            Some("arn:aws:iam::123456789012:user/alice")
        );
        assert_eq!(
            parse("User is not authorized to perform: iam:GetRole").principal,
            None
        );
    }
}
