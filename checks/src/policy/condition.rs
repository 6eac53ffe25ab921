//! The `Condition` element: parsing it and deciding it against a request context.
//!
//! Semantics (IAM User Guide, `reference_policies_elements_condition_operators.html` and
//! `reference_policies_condition-single-vs-multi-valued-context-keys.html`): operators AND,
//! keys of one operator AND, values of one key OR; a negated operator is true only when the
//! request value matches none of the values (NOR). A key missing from the request makes the
//! condition false, except for negated operators, `...IfExists` operators and `Null`, and except
//! `ForAllValues:` (vacuously true). Keys are case-insensitive; values are compared as strings.

use std::collections::BTreeMap;

use serde_json::Value;

mod operator;

use operator::Operator;

/// The value of a condition, a statement or a part of one: decided, or not decidable here.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tri {
    True,
    False,
    Unknown(String),
}

impl Tri {
    fn from_bool(b: bool) -> Tri {
        if b {
            Tri::True
        } else {
            Tri::False
        }
    }

    /// AND: one definite false decides; otherwise the first unknown; otherwise true.
    pub(crate) fn all(items: impl IntoIterator<Item = Tri>) -> Tri {
        let mut unknown = None;
        for item in items {
            match item {
                Tri::False => return Tri::False,
                Tri::Unknown(reason) => {
                    unknown.get_or_insert(reason);
                }
                Tri::True => {}
            }
        }
        unknown.map_or(Tri::True, Tri::Unknown)
    }
}

/// A parsed `Condition` block: `{ operator: { key: [values] } }`.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Condition {
    clauses: Vec<Clause>,
}

#[derive(Debug, Clone, PartialEq)]
struct Clause {
    /// The operator as written; interpreted at evaluation so an unknown one only makes the
    /// statement Unknown instead of failing the whole policy.
    operator: String,
    keys: Vec<(String, Vec<String>)>,
}

impl Condition {
    pub(crate) fn parse(value: &Value) -> Result<Condition, String> {
        let Value::Object(operators) = value else {
            return Err("Condition must be an object".into());
        };
        let mut clauses = Vec::new();
        for (operator, keys) in operators {
            let Value::Object(keys) = keys else {
                return Err(format!(
                    "Condition operator {operator} must map keys to values"
                ));
            };
            let mut parsed = Vec::new();
            for (key, values) in keys {
                let values = condition_values(values).ok_or_else(|| {
                    format!(
                        "Condition {operator} {key}: values must be strings, booleans or numbers"
                    )
                })?;
                parsed.push((key.clone(), values));
            }
            clauses.push(Clause {
                operator: operator.clone(),
                keys: parsed,
            });
        }
        Ok(Condition { clauses })
    }

    pub(crate) fn evaluate(&self, context: &BTreeMap<String, Vec<String>>) -> Tri {
        Tri::all(self.clauses.iter().map(|clause| clause.evaluate(context)))
    }

    /// Whether any clause tests `key`.
    pub(crate) fn uses_key(&self, key: &str) -> bool {
        self.clauses
            .iter()
            .any(|c| c.keys.iter().any(|(k, _)| k.eq_ignore_ascii_case(key)))
    }
}

/// JSON scalars as IAM compares them: their string forms (`false` → "false", `30` → "30").
fn condition_values(value: &Value) -> Option<Vec<String>> {
    fn scalar(v: &Value) -> Option<String> {
        match v {
            Value::String(s) => Some(s.clone()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }
    match value {
        Value::Array(items) => items.iter().map(scalar).collect(),
        other => scalar(other).map(|s| vec![s]),
    }
}

impl Clause {
    fn evaluate(&self, context: &BTreeMap<String, Vec<String>>) -> Tri {
        let operator = match Operator::parse(&self.operator) {
            Ok(op) => op,
            Err(reason) => return Tri::Unknown(reason),
        };
        Tri::all(
            self.keys
                .iter()
                .map(|(key, values)| operator.evaluate(key, values, lookup(context, key))),
        )
    }
}

/// The request's values for a key, matched case-insensitively; an empty list counts as absent.
fn lookup<'a>(context: &'a BTreeMap<String, Vec<String>>, key: &str) -> Option<&'a [String]> {
    context
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v.as_slice())
        .filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    pub(super) fn ctx(pairs: &[(&str, &[&str])]) -> BTreeMap<String, Vec<String>> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect()))
            .collect()
    }

    pub(super) fn eval(condition: Value, context: &BTreeMap<String, Vec<String>>) -> Tri {
        Condition::parse(&condition).unwrap().evaluate(context)
    }

    pub(super) const REGION: &str = "aws:RequestedRegion";
    pub(super) const PROFILE: &str = "bedrock:InferenceProfileArn";

    #[test]
    fn missing_key_is_false_for_positive_and_true_for_negated_operators() {
        let empty = ctx(&[]);
        let positive = [
            json!({"StringEquals": {REGION: "us-east-1"}}),
            json!({"StringLike": {REGION: "*"}}),
            json!({"ArnLike": {PROFILE: "*"}}),
            json!({"Bool": {"aws:ViaAWSService": "false"}}),
            // Unevaluated operators still follow the missing-key rule.
            json!({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}),
        ];
        let negated = [
            json!({"StringNotEquals": {REGION: "us-east-1"}}),
            json!({"StringNotLike": {REGION: "us-*"}}),
            json!({"ArnNotLike": {PROFILE: "arn:aws:bedrock:*:*:inference-profile/*"}}),
            json!({"ArnNotEquals": {PROFILE: "arn:aws:bedrock:*:*:*"}}),
            json!({"StringNotEqualsIgnoreCase": {REGION: "x"}}),
            // Negated operators with a missing key never look at the values, so even an
            // unresolvable variable there decides.
            json!({"ArnNotLike": {"aws:PrincipalARN": "arn:aws:iam::${Account}:role/x"}}),
            json!({"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}),
        ];
        for condition in positive {
            assert_eq!(eval(condition.clone(), &empty), Tri::False, "{condition}");
        }
        for condition in negated {
            assert_eq!(eval(condition.clone(), &empty), Tri::True, "{condition}");
        }
    }

    #[test]
    fn operators_and_keys_are_anded() {
        let c = json!({
            "StringEquals": {REGION: "unspecified"},
            "ArnLike": {PROFILE: "arn:aws:bedrock:*:*:inference-profile/global.*"}
        });
        let global = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/global.anthropic.claude-sonnet-4-5-20250929-v1:0";
        assert_eq!(
            eval(
                c.clone(),
                &ctx(&[(REGION, &["unspecified"]), (PROFILE, &[global])])
            ),
            Tri::True
        );
        assert_eq!(
            eval(c.clone(), &ctx(&[(REGION, &["unspecified"])])),
            Tri::False
        );
        assert_eq!(
            eval(
                c.clone(),
                &ctx(&[(REGION, &["us-east-1"]), (PROFILE, &[global])])
            ),
            Tri::False
        );
        let two_keys =
            json!({"StringEquals": {REGION: "us-east-1", "aws:PrincipalAccount": "123456789012"}});
        assert_eq!(
            eval(two_keys.clone(), &ctx(&[(REGION, &["us-east-1"])])),
            Tri::False
        );
        assert_eq!(
            eval(
                two_keys,
                &ctx(&[
                    (REGION, &["us-east-1"]),
                    ("aws:PrincipalAccount", &["123456789012"])
                ])
            ),
            Tri::True
        );
    }

    #[test]
    fn keys_are_case_insensitive() {
        let c = json!({"StringEquals": {"AWS:requestedregion": "us-east-1"}});
        assert_eq!(eval(c, &ctx(&[(REGION, &["us-east-1"])])), Tri::True);
    }

    #[test]
    fn what_cannot_be_evaluated_is_unknown() {
        let region = ctx(&[
            (REGION, &["us-east-1"]),
            ("aws:SourceIp", &["10.1.2.3"]),
            ("aws:CurrentTime", &["2026-01-01T00:00:00Z"]),
        ]);
        assert!(matches!(
            eval(
                json!({"StringEquals": {REGION: "${aws:PrincipalTag/region}"}}),
                &region
            ),
            Tri::Unknown(_)
        ));
        assert!(matches!(
            eval(
                json!({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}),
                &region
            ),
            Tri::Unknown(_)
        ));
        assert!(matches!(
            eval(
                json!({"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}),
                &region
            ),
            Tri::Unknown(_)
        ));
        assert!(matches!(
            eval(json!({"StringFrobnicates": {REGION: "x"}}), &region),
            Tri::Unknown(_)
        ));
        assert!(matches!(
            eval(json!({"NullIfExists": {REGION: "true"}}), &region),
            Tri::Unknown(_)
        ));
        // A definite false elsewhere still decides.
        assert_eq!(
            eval(
                json!({"StringEquals": {REGION: "eu-west-1"}, "IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}),
                &region
            ),
            Tri::False
        );
    }

    #[test]
    fn malformed_conditions_are_parse_errors() {
        assert!(Condition::parse(&json!("x")).is_err());
        assert!(Condition::parse(&json!({"StringEquals": "x"})).is_err());
        assert!(Condition::parse(&json!({"StringEquals": {REGION: {"a": 1}}})).is_err());
        assert!(Condition::parse(&json!({"StringEquals": {REGION: null}})).is_err());
    }
}
