use super::*;

const MODEL: &str = "anthropic.claude-sonnet-4-5-20250929-v1:0";

fn fm(region: &str) -> String {
    format!("arn:aws:bedrock:{region}::foundation-model/{MODEL}")
}

fn profile(prefix: &str) -> String {
    format!("arn:aws:bedrock:us-east-1:123456789012:inference-profile/{prefix}.{MODEL}")
}

fn request(action: &str, resource: &str, context: &[(&str, &str)]) -> Request {
    Request {
        action: action.into(),
        resource: resource.into(),
        context: context
            .iter()
            .map(|(k, v)| (k.to_string(), vec![v.to_string()]))
            .collect(),
    }
}

fn invoke_in(region: &str) -> Request {
    request(
        "bedrock:InvokeModel",
        &fm(region),
        &[("aws:RequestedRegion", region)],
    )
}

/// An InvokeModel of the foundation model in `model_region` (empty for a global profile's
/// region-less ARN), sent through the `prefix` inference profile with `aws:RequestedRegion` set
/// to `requested`.
fn routed(prefix: &str, model_region: &str, requested: &str) -> Request {
    request(
        "bedrock:InvokeModel",
        &fm(model_region),
        &[
            ("aws:RequestedRegion", requested),
            ("bedrock:InferenceProfileArn", &profile(prefix)),
        ],
    )
}

fn policy(json: &str) -> Policy {
    Policy::parse(json).unwrap()
}

#[test]
fn parses_statement_as_object_or_array_and_strings_or_arrays() {
    let one =
        policy(r#"{"Statement":{"Effect":"Allow","Action":"bedrock:InvokeModel","Resource":"*"}}"#);
    let many = policy(
        r#"{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Action":["bedrock:InvokeModel"],"Resource":["*"]},
            {"Effect":"Deny","NotAction":"iam:*","NotResource":["arn:aws:s3:::x"]}]}"#,
    );
    assert_eq!(one.statement_count(), 1);
    assert_eq!(many.statement_count(), 2);
    assert!(matches!(
        one.evaluate(&invoke_in("us-east-1")),
        Decision::Allow(_)
    ));
}

#[test]
fn principal_is_ignored() {
    let p =
        policy(r#"{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}}"#);
    assert!(matches!(
        p.evaluate(&invoke_in("us-east-1")),
        Decision::Allow(_)
    ));
}

#[test]
fn rejects_malformed_documents() {
    let bad = [
        "not json",
        r#"{"Version":"2012-10-17"}"#,
        r#"{"Statement":"x"}"#,
        r#"{"Statement":{"Action":"*","Resource":"*"}}"#,
        r#"{"Statement":{"Effect":"allow","Action":"*","Resource":"*"}}"#,
        r#"{"Statement":{"Effect":"Allow","Resource":"*"}}"#,
        r#"{"Statement":{"Effect":"Allow","Action":"*","NotAction":"s3:*","Resource":"*"}}"#,
        r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","NotResource":"*"}}"#,
        r#"{"Statement":{"Effect":"Allow","Action":[],"Resource":"*"}}"#,
        r#"{"Statement":{"Effect":"Allow","Action":[1],"Resource":"*"}}"#,
        r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":[]}}"#,
    ];
    for json in bad {
        assert!(Policy::parse(json).is_err(), "accepted {json}");
    }
    assert!(matches!(
        Policy::parse(
            r#"{"Statement":[{"Effect":"Allow","Action":"*"},{"Effect":"Nope","Action":"*"}]}"#
        ),
        Err(PolicyError::Statement { index: 1, .. })
    ));
}

#[test]
fn action_matching_ignores_case_and_takes_wildcards() {
    let p = policy(r#"{"Statement":{"Effect":"Allow","Action":"BEDROCK:invoke*","Resource":"*"}}"#);
    assert!(matches!(
        p.evaluate(&invoke_in("us-east-1")),
        Decision::Allow(_)
    ));
    let stream = request(
        "bedrock:InvokeModelWithResponseStream",
        &fm("us-east-1"),
        &[],
    );
    assert!(matches!(p.evaluate(&stream), Decision::Allow(_)));
    let list = request("bedrock:ListFoundationModels", "*", &[]);
    assert_eq!(p.evaluate(&list), Decision::ImplicitDeny);
}

#[test]
fn not_action_matches_actions_outside_the_list() {
    let p = policy(
        r#"{"Statement":{"Effect":"Deny","NotAction":["iam:*","bedrock:InvokeModel"],"Resource":"*"}}"#,
    );
    assert_eq!(p.evaluate(&invoke_in("us-east-1")), Decision::ImplicitDeny);
    let stream = request(
        "bedrock:InvokeModelWithResponseStream",
        &fm("us-east-1"),
        &[],
    );
    assert!(matches!(p.evaluate(&stream), Decision::ExplicitDeny(_)));
}

#[test]
fn resource_and_not_resource() {
    let p = policy(
        r#"{"Statement":{"Effect":"Allow","Action":"bedrock:*","Resource":"arn:aws:bedrock:us-*::foundation-model/anthropic.*"}}"#,
    );
    assert!(matches!(
        p.evaluate(&invoke_in("us-east-2")),
        Decision::Allow(_)
    ));
    assert_eq!(p.evaluate(&invoke_in("eu-west-1")), Decision::ImplicitDeny);
    // Case-sensitive.
    let upper = request(
        "bedrock:InvokeModel",
        &fm("us-east-1").replace("anthropic", "Anthropic"),
        &[],
    );
    assert_eq!(p.evaluate(&upper), Decision::ImplicitDeny);

    let only_anthropic = policy(
        r#"{"Statement":{"Effect":"Deny","Action":"bedrock:InvokeModel","NotResource":"arn:aws:bedrock:*::foundation-model/anthropic.*"}}"#,
    );
    assert_eq!(
        only_anthropic.evaluate(&invoke_in("us-east-1")),
        Decision::ImplicitDeny
    );
    let other = request(
        "bedrock:InvokeModel",
        "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0",
        &[],
    );
    assert!(matches!(
        only_anthropic.evaluate(&other),
        Decision::ExplicitDeny(_)
    ));
    let via_profile = request("bedrock:InvokeModel", &profile("us"), &[]);
    assert!(matches!(
        only_anthropic.evaluate(&via_profile),
        Decision::ExplicitDeny(_)
    ));
}

#[test]
fn missing_resource_element_covers_every_resource() {
    let p = policy(r#"{"Statement":{"Effect":"Allow","Action":"*"}}"#);
    assert!(matches!(
        p.evaluate(&invoke_in("us-east-1")),
        Decision::Allow(_)
    ));
}

#[test]
fn explicit_deny_wins_over_allow_in_any_order() {
    let p = policy(
        r#"{"Statement":[
            {"Sid":"Everything","Effect":"Allow","Action":"*","Resource":"*"},
            {"Sid":"NoStreaming","Effect":"Deny","Action":"bedrock:InvokeModelWithResponseStream","Resource":"*"}]}"#,
    );
    let stream = request(
        "bedrock:InvokeModelWithResponseStream",
        &fm("us-east-1"),
        &[],
    );
    let Decision::ExplicitDeny(statement) = p.evaluate(&stream) else {
        panic!("expected deny")
    };
    assert_eq!(statement.index, 1);
    assert_eq!(statement.sid.as_deref(), Some("NoStreaming"));
    assert_eq!(
        statement.text,
        r#"{"Sid":"NoStreaming","Effect":"Deny","Action":"bedrock:InvokeModelWithResponseStream","Resource":"*"}"#
    );
    let Decision::Allow(statement) = p.evaluate(&invoke_in("us-east-1")) else {
        panic!("expected allow")
    };
    assert_eq!(statement.sid.as_deref(), Some("Everything"));
}

#[test]
fn no_allow_is_implicit_deny() {
    let p = policy(
        r#"{"Statement":{"Effect":"Deny","Action":"organizations:LeaveOrganization","Resource":"*"}}"#,
    );
    assert_eq!(p.evaluate(&invoke_in("us-east-1")), Decision::ImplicitDeny);
}

#[test]
fn region_deny_with_cris_exemption() {
    // The aws-samples pattern: invoke actions are exempt from the broad region deny, and denied
    // outside the approved regions only when no us. profile is involved.
    let p = policy(
        r#"{"Statement":[
          {"Effect":"Allow","Action":"*","Resource":"*"},
          {"Effect":"Deny","NotAction":["bedrock:InvokeModel","iam:*"],"Resource":"*",
           "Condition":{"StringNotEquals":{"aws:RequestedRegion":["us-east-1","us-west-2"]}}},
          {"Sid":"Cris","Effect":"Deny","Action":"bedrock:InvokeModel","Resource":"*",
           "Condition":{"StringNotEquals":{"aws:RequestedRegion":["us-east-1","us-west-2"]},
                        "ArnNotLike":{"bedrock:InferenceProfileArn":"arn:aws:bedrock:*:*:inference-profile/us.*"}}}]}"#,
    );
    assert!(matches!(
        p.evaluate(&invoke_in("us-east-1")),
        Decision::Allow(_)
    ));
    // Direct call outside the approved regions: the profile key is absent, ArnNotLike is true.
    assert!(
        matches!(p.evaluate(&invoke_in("us-east-2")), Decision::ExplicitDeny(ref s) if s.sid.as_deref() == Some("Cris"))
    );
    let us_profile = routed("us", "us-east-2", "us-east-2");
    assert!(matches!(p.evaluate(&us_profile), Decision::Allow(_)));
    let eu_profile = routed("eu", "eu-west-1", "eu-west-1");
    assert!(matches!(p.evaluate(&eu_profile), Decision::ExplicitDeny(_)));
    let list = request(
        "bedrock:ListFoundationModels",
        "*",
        &[("aws:RequestedRegion", "eu-west-1")],
    );
    assert!(matches!(p.evaluate(&list), Decision::ExplicitDeny(ref s) if s.index == 1));
}

#[test]
fn global_cris_disable() {
    let p = policy(
        r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},
          {"Effect":"Deny","Action":"bedrock:*","Resource":"*","Condition":{
            "StringEquals":{"aws:RequestedRegion":"unspecified"},
            "ArnLike":{"bedrock:InferenceProfileArn":"arn:aws:bedrock:*:*:inference-profile/global.*"}}}]}"#,
    );
    let global = routed("global", "", "unspecified");
    assert!(matches!(p.evaluate(&global), Decision::ExplicitDeny(_)));
    let us = routed("us", "us-east-2", "us-east-2");
    assert!(matches!(p.evaluate(&us), Decision::Allow(_)));
}

#[test]
fn undecidable_deny_that_could_apply_is_unknown() {
    let p = policy(
        r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},
          {"Sid":"Tagged","Effect":"Deny","Action":"bedrock:*","Resource":"*",
           "Condition":{"StringEquals":{"aws:RequestedRegion":"${aws:PrincipalTag/home}"}}}]}"#,
    );
    let Decision::Unknown { statement, reason } = p.evaluate(&invoke_in("us-east-1")) else {
        panic!("expected unknown")
    };
    assert_eq!(statement.sid.as_deref(), Some("Tagged"));
    assert!(reason.contains("policy variable"), "{reason}");
    // Its action does not match: it cannot apply, so the Allow decides.
    let sts = request(
        "sts:GetCallerIdentity",
        "*",
        &[("aws:RequestedRegion", "us-east-1")],
    );
    assert!(matches!(p.evaluate(&sts), Decision::Allow(_)));
}

#[test]
fn definite_deny_beats_undecidable_statements() {
    let p = policy(
        r#"{"Statement":[
          {"Effect":"Deny","Action":"*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}},
          {"Sid":"Hard","Effect":"Deny","Action":"bedrock:*","Resource":"*"}]}"#,
    );
    let r = request(
        "bedrock:InvokeModel",
        &fm("us-east-1"),
        &[("aws:SourceIp", "10.0.0.1")],
    );
    assert!(
        matches!(p.evaluate(&r), Decision::ExplicitDeny(ref s) if s.sid.as_deref() == Some("Hard"))
    );
}

#[test]
fn undecidable_allow_counts_only_when_nothing_else_allows() {
    let p = policy(
        r#"{"Statement":[
          {"Sid":"Dated","Effect":"Allow","Action":"*","Resource":"*","Condition":{"DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}},
          {"Sid":"Plain","Effect":"Allow","Action":"bedrock:InvokeModel","Resource":"*"}]}"#,
    );
    let now = [("aws:CurrentTime", "2026-05-01T00:00:00Z")];
    let invoke = request("bedrock:InvokeModel", &fm("us-east-1"), &now);
    assert!(
        matches!(p.evaluate(&invoke), Decision::Allow(ref s) if s.sid.as_deref() == Some("Plain"))
    );
    let list = request("bedrock:ListFoundationModels", "*", &now);
    assert!(
        matches!(p.evaluate(&list), Decision::Unknown { ref statement, .. } if statement.sid.as_deref() == Some("Dated"))
    );
    // Without the key the Date condition is simply false: no Unknown.
    let list = request("bedrock:ListFoundationModels", "*", &[]);
    assert_eq!(p.evaluate(&list), Decision::ImplicitDeny);
}

#[test]
fn policy_variable_in_resource_is_unknown_only_when_it_could_matter() {
    let p = policy(
        r#"{"Statement":{"Effect":"Allow","Action":"bedrock:InvokeModel","Resource":["arn:aws:bedrock:*:${aws:PrincipalAccount}:inference-profile/*","arn:aws:bedrock:*::foundation-model/*"]}}"#,
    );
    assert!(matches!(
        p.evaluate(&invoke_in("us-east-1")),
        Decision::Allow(_)
    ));
    let via_profile = request("bedrock:InvokeModel", &profile("us"), &[]);
    assert!(matches!(p.evaluate(&via_profile), Decision::Unknown { .. }));
}

#[test]
fn statement_match_reports_each_statement() {
    let p = policy(
        r#"{"Statement":[{"Effect":"Allow","Action":"bedrock:*","Resource":"*"},
            {"Effect":"Deny","Action":"s3:*","Resource":"*"},
            {"Effect":"Deny","Action":"*","Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}}]}"#,
    );
    let r = request(
        "bedrock:InvokeModel",
        &fm("us-east-1"),
        &[("aws:CurrentTime", "2026-01-01T00:00:00Z")],
    );
    assert_eq!(p.statement_match(0, &r), Some(StatementMatch::Matches));
    assert_eq!(p.statement_match(1, &r), Some(StatementMatch::NoMatch));
    assert!(matches!(
        p.statement_match(2, &r),
        Some(StatementMatch::Unknown(_))
    ));
    assert_eq!(p.statement_match(3, &r), None);
}
