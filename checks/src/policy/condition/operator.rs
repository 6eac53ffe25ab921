//! Condition operators (`StringEquals`, `ArnLike`, `ForAllValues:…IfExists`, `Null`...): parsing an
//! operator's name and deciding one key's policy values against the request's values.

use super::Tri;
use crate::policy::pattern::{arn_matches, glob};

#[derive(Debug, Clone, Copy, PartialEq)]
enum SetQualifier {
    ForAnyValue,
    ForAllValues,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Base {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    ArnEquals,
    ArnLike,
    ArnNotEquals,
    ArnNotLike,
    Bool,
    Null,
    NumericEquals,
    NumericNotEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    // Recognised (so a missing key is still decided) but their values are not compared here.
    DateEquals,
    DateNotEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    IpAddress,
    NotIpAddress,
    BinaryEquals,
}

impl Base {
    fn from_name(name: &str) -> Option<Base> {
        use Base::*;
        Some(match name {
            "StringEquals" => StringEquals,
            "StringNotEquals" => StringNotEquals,
            "StringEqualsIgnoreCase" => StringEqualsIgnoreCase,
            "StringNotEqualsIgnoreCase" => StringNotEqualsIgnoreCase,
            "StringLike" => StringLike,
            "StringNotLike" => StringNotLike,
            "ArnEquals" => ArnEquals,
            "ArnLike" => ArnLike,
            "ArnNotEquals" => ArnNotEquals,
            "ArnNotLike" => ArnNotLike,
            "Bool" => Bool,
            "Null" => Null,
            "NumericEquals" => NumericEquals,
            "NumericNotEquals" => NumericNotEquals,
            "NumericLessThan" => NumericLessThan,
            "NumericLessThanEquals" => NumericLessThanEquals,
            "NumericGreaterThan" => NumericGreaterThan,
            "NumericGreaterThanEquals" => NumericGreaterThanEquals,
            "DateEquals" => DateEquals,
            "DateNotEquals" => DateNotEquals,
            "DateLessThan" => DateLessThan,
            "DateLessThanEquals" => DateLessThanEquals,
            "DateGreaterThan" => DateGreaterThan,
            "DateGreaterThanEquals" => DateGreaterThanEquals,
            "IpAddress" => IpAddress,
            "NotIpAddress" => NotIpAddress,
            "BinaryEquals" => BinaryEquals,
            _ => return None,
        })
    }

    /// Negated operators are true when the value matches none of the listed values, and true
    /// when the key is missing.
    fn negated(self) -> bool {
        use Base::*;
        matches!(
            self,
            StringNotEquals
                | StringNotEqualsIgnoreCase
                | StringNotLike
                | ArnNotEquals
                | ArnNotLike
                | NumericNotEquals
                | DateNotEquals
                | NotIpAddress
        )
    }

    /// Whether one request value matches one policy value under the positive form of the
    /// operator (the negation is applied over the whole value set by the caller).
    fn positive_match(self, policy: &str, request: &str) -> Result<bool, String> {
        use Base::*;
        match self {
            StringEquals | StringNotEquals => Ok(policy == request),
            StringEqualsIgnoreCase | StringNotEqualsIgnoreCase => {
                Ok(policy.to_lowercase() == request.to_lowercase())
            }
            StringLike | StringNotLike => Ok(glob(policy, request)),
            // ArnEquals and ArnLike behave the same: both take wildcards in each ARN part.
            ArnEquals | ArnLike | ArnNotEquals | ArnNotLike => Ok(arn_matches(policy, request)),
            Bool => Ok(policy.eq_ignore_ascii_case(request)),
            NumericEquals
            | NumericNotEquals
            | NumericLessThan
            | NumericLessThanEquals
            | NumericGreaterThan
            | NumericGreaterThanEquals => {
                let (Ok(p), Ok(r)) = (policy.trim().parse::<f64>(), request.trim().parse::<f64>())
                else {
                    return Err(format!(
                        "{self:?} compares non-numbers ({policy:?}, {request:?})"
                    ));
                };
                Ok(match self {
                    NumericEquals | NumericNotEquals => r == p,
                    NumericLessThan => r < p,
                    NumericLessThanEquals => r <= p,
                    NumericGreaterThan => r > p,
                    _ => r >= p,
                })
            }
            Null
            | DateEquals
            | DateNotEquals
            | DateLessThan
            | DateLessThanEquals
            | DateGreaterThan
            | DateGreaterThanEquals
            | IpAddress
            | NotIpAddress
            | BinaryEquals => Err(format!(
                "condition operator {self:?} is not evaluated by this evaluator"
            )),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Operator {
    set: Option<SetQualifier>,
    base: Base,
    if_exists: bool,
}

impl Operator {
    /// `Err` carries the reason the operator cannot be evaluated.
    pub(super) fn parse(name: &str) -> Result<Operator, String> {
        let (set, rest) = if let Some(rest) = strip_prefix_ignore_case(name, "ForAnyValue:") {
            (Some(SetQualifier::ForAnyValue), rest)
        } else if let Some(rest) = strip_prefix_ignore_case(name, "ForAllValues:") {
            (Some(SetQualifier::ForAllValues), rest)
        } else {
            (None, name)
        };
        let (rest, if_exists) = match rest.strip_suffix("IfExists") {
            Some(base) => (base, true),
            None => (rest, false),
        };
        let base = Base::from_name(rest)
            .ok_or_else(|| format!("unsupported condition operator {name}"))?;
        if base == Base::Null && (set.is_some() || if_exists) {
            return Err(format!("unsupported condition operator {name}"));
        }
        Ok(Operator {
            set,
            base,
            if_exists,
        })
    }

    pub(super) fn evaluate(
        &self,
        key: &str,
        policy_values: &[String],
        request: Option<&[String]>,
    ) -> Tri {
        if self.base == Base::Null {
            return null(key, policy_values, request.is_some());
        }
        let Some(request) = request else {
            return Tri::from_bool(match self.set {
                _ if self.if_exists => true,
                Some(SetQualifier::ForAllValues) => true,
                Some(SetQualifier::ForAnyValue) => false,
                None => self.base.negated(),
            });
        };
        if let Some(v) = policy_values.iter().find(|v| v.contains("${")) {
            return Tri::Unknown(format!(
                "policy variable in condition value {v:?} (key {key})"
            ));
        }
        // For each request value: does it match any of the policy's values?
        let matched: Result<Vec<bool>, String> = request
            .iter()
            .map(|r| {
                policy_values
                    .iter()
                    .map(|p| self.base.positive_match(p, r))
                    .collect::<Result<Vec<bool>, String>>()
                    .map(|m| m.into_iter().any(|b| b))
            })
            .collect();
        let matched = match matched {
            Ok(m) => m,
            Err(reason) => return Tri::Unknown(reason),
        };
        let negated = self.base.negated();
        Tri::from_bool(match (self.set, negated) {
            (None, false) | (Some(SetQualifier::ForAnyValue), false) => matched.iter().any(|&m| m),
            (None, true) => !matched.iter().any(|&m| m),
            (Some(SetQualifier::ForAnyValue), true) => matched.iter().any(|&m| !m),
            (Some(SetQualifier::ForAllValues), false) => matched.iter().all(|&m| m),
            (Some(SetQualifier::ForAllValues), true) => matched.iter().all(|&m| !m),
        })
    }
}

/// `Null: {key: "true"}` holds when the key is absent, `"false"` when it is present.
fn null(key: &str, policy_values: &[String], present: bool) -> Tri {
    let mut any = false;
    for v in policy_values {
        match v.to_ascii_lowercase().as_str() {
            "true" => any |= !present,
            "false" => any |= present,
            _ => {
                return Tri::Unknown(format!(
                    "Null condition on {key} with non-boolean value {v:?}"
                ))
            }
        }
    }
    Tri::from_bool(any)
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

#[cfg(test)]
mod tests {
    use super::super::tests::{ctx, eval, PROFILE, REGION};
    use super::super::Tri;
    use serde_json::json;

    /// Asserts that `condition` holds for a request naming each region of `holds`, and is false
    /// for each region of `fails`.
    fn assert_regions(condition: serde_json::Value, holds: &[&str], fails: &[&str]) {
        let verdicts = holds.iter().map(|r| (r, Tri::True));
        for (region, want) in verdicts.chain(fails.iter().map(|r| (r, Tri::False))) {
            let got = eval(condition.clone(), &ctx(&[(REGION, &[region])]));
            assert_eq!(got, want, "{condition} for {region}");
        }
    }

    #[test]
    fn string_equals_ors_values_and_is_case_sensitive() {
        let c = json!({"StringEquals": {REGION: ["us-east-1", "us-west-2"]}});
        assert_regions(c, &["us-west-2"], &["eu-west-1", "US-WEST-2"]);
    }

    #[test]
    fn negated_operator_is_nor_over_values() {
        let c = json!({"StringNotEquals": {REGION: ["us-east-1", "us-west-2"]}});
        assert_regions(c, &["us-east-2"], &["us-east-1", "us-west-2"]);
    }

    #[test]
    fn if_exists_is_true_when_key_missing_and_plain_otherwise() {
        let c = json!({"StringEqualsIfExists": {REGION: "us-east-1"}});
        assert_eq!(eval(c.clone(), &ctx(&[])), Tri::True);
        assert_eq!(
            eval(c.clone(), &ctx(&[(REGION, &["us-east-1"])])),
            Tri::True
        );
        assert_eq!(eval(c, &ctx(&[(REGION, &["us-east-2"])])), Tri::False);
        let c =
            json!({"ArnNotLikeIfExists": {PROFILE: "arn:aws:bedrock:*:*:inference-profile/us.*"}});
        assert_eq!(eval(c.clone(), &ctx(&[])), Tri::True);
        let us = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0";
        assert_eq!(eval(c, &ctx(&[(PROFILE, &[us])])), Tri::False);
    }

    #[test]
    fn null_tests_presence() {
        let present = ctx(&[(
            PROFILE,
            &["arn:aws:bedrock:us-east-1:1:inference-profile/x"],
        )]);
        let absent = ctx(&[]);
        assert_eq!(eval(json!({"Null": {PROFILE: "true"}}), &absent), Tri::True);
        assert_eq!(
            eval(json!({"Null": {PROFILE: "true"}}), &present),
            Tri::False
        );
        assert_eq!(eval(json!({"Null": {PROFILE: false}}), &present), Tri::True);
        assert_eq!(
            eval(json!({"Null": {PROFILE: "false"}}), &absent),
            Tri::False
        );
        assert!(matches!(
            eval(json!({"Null": {PROFILE: "maybe"}}), &absent),
            Tri::Unknown(_)
        ));
    }

    #[test]
    fn ignore_case_operators_fold_case() {
        let c = json!({"StringEqualsIgnoreCase": {REGION: "US-EAST-1"}});
        assert_eq!(eval(c, &ctx(&[(REGION, &["us-east-1"])])), Tri::True);
        let c = json!({"StringNotEqualsIgnoreCase": {REGION: "US-EAST-1"}});
        assert_eq!(eval(c, &ctx(&[(REGION, &["us-east-1"])])), Tri::False);
    }

    #[test]
    fn string_like_globs_and_arn_like_matches_by_part() {
        let c = json!({"StringLike": {REGION: "us-*"}});
        assert_eq!(
            eval(c.clone(), &ctx(&[(REGION, &["us-east-2"])])),
            Tri::True
        );
        assert_eq!(eval(c, &ctx(&[(REGION, &["eu-west-1"])])), Tri::False);
        let c = json!({"StringNotLike": {REGION: ["us-*", "eu-*"]}});
        assert_eq!(eval(c, &ctx(&[(REGION, &["ap-south-1"])])), Tri::True);
        let c = json!({"ArnLike": {PROFILE: "arn:aws:bedrock:*:*:inference-profile/us.*"}});
        let us = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0";
        let eu = "arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.anthropic.claude-sonnet-4-5-20250929-v1:0";
        assert_eq!(eval(c.clone(), &ctx(&[(PROFILE, &[us])])), Tri::True);
        assert_eq!(eval(c.clone(), &ctx(&[(PROFILE, &[eu])])), Tri::False);
        assert_eq!(eval(c, &ctx(&[(PROFILE, &["not-an-arn"])])), Tri::False);
        let c = json!({"ArnEquals": {PROFILE: "arn:aws:bedrock:*:*:inference-profile/eu.*"}});
        assert_eq!(eval(c, &ctx(&[(PROFILE, &[eu])])), Tri::True);
    }

    #[test]
    fn bool_and_number_values_compare_as_strings() {
        let c = json!({"Bool": {"aws:ViaAWSService": false}});
        assert_eq!(
            eval(c.clone(), &ctx(&[("aws:ViaAWSService", &["false"])])),
            Tri::True
        );
        assert_eq!(
            eval(c, &ctx(&[("aws:ViaAWSService", &["true"])])),
            Tri::False
        );
        let c = json!({"StringEquals": {"aws:PrincipalAccount": 123456789012u64}});
        assert_eq!(
            eval(c, &ctx(&[("aws:PrincipalAccount", &["123456789012"])])),
            Tri::True
        );
        let c = json!({"NumericGreaterThanEquals": {"iam:ServiceSpecificCredentialAgeDays": "30"}});
        assert_eq!(
            eval(
                c.clone(),
                &ctx(&[("iam:ServiceSpecificCredentialAgeDays", &["90"])])
            ),
            Tri::True
        );
        assert_eq!(
            eval(c, &ctx(&[("iam:ServiceSpecificCredentialAgeDays", &["7"])])),
            Tri::False
        );
    }

    #[test]
    fn set_qualifiers() {
        let tags = "aws:TagKeys";
        let any = json!({"ForAnyValue:StringEquals": {tags: ["a", "b"]}});
        assert_eq!(eval(any.clone(), &ctx(&[(tags, &["x", "b"])])), Tri::True);
        assert_eq!(eval(any.clone(), &ctx(&[(tags, &["x", "y"])])), Tri::False);
        assert_eq!(eval(any, &ctx(&[])), Tri::False);
        let all = json!({"ForAllValues:StringEquals": {tags: ["a", "b"]}});
        assert_eq!(eval(all.clone(), &ctx(&[(tags, &["a", "b"])])), Tri::True);
        assert_eq!(eval(all.clone(), &ctx(&[(tags, &["a", "x"])])), Tri::False);
        assert_eq!(eval(all, &ctx(&[])), Tri::True);
        let all_not = json!({"ForAllValues:StringNotEquals": {tags: ["a"]}});
        assert_eq!(
            eval(all_not.clone(), &ctx(&[(tags, &["x", "y"])])),
            Tri::True
        );
        assert_eq!(eval(all_not, &ctx(&[(tags, &["x", "a"])])), Tri::False);
        let any_not = json!({"ForAnyValue:StringNotEquals": {tags: ["a"]}});
        assert_eq!(
            eval(any_not.clone(), &ctx(&[(tags, &["a", "y"])])),
            Tri::True
        );
        assert_eq!(eval(any_not, &ctx(&[(tags, &["a"])])), Tri::False);
    }
}
