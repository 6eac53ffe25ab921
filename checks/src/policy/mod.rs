//! An offline evaluator for IAM policy documents and SCP hierarchies: given a policy and one
//! request (action, resource, context keys), decide explicit deny, allow or implicit deny, and
//! say which statement decided. No AWS calls; what it cannot decide it reports as Unknown.
//!
//! Used to explain an SCP denial (which level, which policy, which statement) from the SCPs an
//! administrator can read. Evaluation follows the IAM User Guide
//! (`reference_policies_evaluation-logic.html`): an explicit Deny wins over any Allow, and
//! without an Allow the request is implicitly denied. SCP hierarchies follow the Organizations
//! guide (`orgs_manage_policies_scps_evaluation.html`): a Deny at any level wins, and every
//! level from the root to the account must have an SCP that allows.

mod condition;
mod pattern;
pub mod plan;
mod scp;

use std::collections::BTreeMap;

use serde_json::Value;

use condition::{Condition, Tri};
pub use scp::{evaluate_scps, AttachedPolicy, Level, ScpDecision};

/// A parsed policy document (identity policy or SCP). `Principal` is ignored.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    statements: Vec<Statement>,
}

/// Why a policy document could not be read.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("policy is not valid JSON")]
    Json(#[source] serde_json::Error),
    #[error("policy has no Statement")]
    NoStatement,
    #[error("statement {index}: {reason}")]
    Statement { index: usize, reason: String },
}

/// One request to decide. Context keys are spelled as AWS spells them and looked up
/// case-insensitively; a key absent from the map is absent from the request.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub action: String,
    pub resource: String,
    pub context: BTreeMap<String, Vec<String>>,
}

/// Whether one statement applies to a request.
#[derive(Debug, Clone, PartialEq)]
pub enum StatementMatch {
    Matches,
    NoMatch,
    /// The statement uses an operator, key or variable this evaluator cannot decide.
    Unknown(String),
}

/// The statement behind a decision: its position in the policy, its Sid, its JSON (compact).
#[derive(Debug, Clone, PartialEq)]
pub struct StatementRef {
    pub index: usize,
    pub sid: Option<String>,
    pub text: String,
}

/// The decision of one policy on one request.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    ExplicitDeny(StatementRef),
    Allow(StatementRef),
    ImplicitDeny,
    /// Only when the undecidable statement could change the outcome: a Deny whose action and
    /// resource match, or an Allow when nothing else allows. Never a disguised Allow.
    Unknown {
        statement: StatementRef,
        reason: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Effect {
    Allow,
    Deny,
}

#[derive(Debug, Clone, PartialEq)]
enum Actions {
    Action(Vec<String>),
    NotAction(Vec<String>),
}

#[derive(Debug, Clone, PartialEq)]
enum Resources {
    Resource(Vec<String>),
    NotResource(Vec<String>),
}

#[derive(Debug, Clone, PartialEq)]
struct Statement {
    sid: Option<String>,
    effect: Effect,
    actions: Actions,
    resources: Resources,
    condition: Condition,
    text: String,
}

impl Policy {
    /// Reads a policy document. `Statement` may be one object or an array; `Action`/`NotAction`
    /// and `Resource`/`NotResource` a string or an array. A statement with neither `Resource`
    /// nor `NotResource` (older SCPs) applies to every resource.
    pub fn parse(json: &str) -> Result<Policy, PolicyError> {
        let doc: Value = serde_json::from_str(json).map_err(PolicyError::Json)?;
        let statements = match doc.get("Statement") {
            Some(Value::Array(items)) => items.iter().collect(),
            Some(item @ Value::Object(_)) => vec![item],
            Some(_) => {
                return Err(PolicyError::Statement {
                    index: 0,
                    reason: "Statement must be an object or an array".into(),
                })
            }
            None => return Err(PolicyError::NoStatement),
        };
        let statements = statements
            .into_iter()
            .enumerate()
            .map(|(index, value)| {
                Statement::parse(value).map_err(|reason| PolicyError::Statement { index, reason })
            })
            .collect::<Result<_, _>>()?;
        Ok(Policy { statements })
    }

    /// Number of statements, so callers can index [`Policy::statement_match`].
    pub fn statement_count(&self) -> usize {
        self.statements.len()
    }

    /// Whether statement `index` applies to the request (its effect aside).
    pub fn statement_match(&self, index: usize, request: &Request) -> Option<StatementMatch> {
        self.statements
            .get(index)
            .map(|s| match s.applies(request) {
                Tri::True => StatementMatch::Matches,
                Tri::False => StatementMatch::NoMatch,
                Tri::Unknown(reason) => StatementMatch::Unknown(reason),
            })
    }

    /// Decides the request: explicit deny wins over allow; an undecidable Deny that could apply
    /// comes next; then allow; then an undecidable Allow; otherwise implicit deny.
    pub fn evaluate(&self, request: &Request) -> Decision {
        let mut deny_unknown = None;
        let mut allow = None;
        let mut allow_unknown = None;
        for (index, statement) in self.statements.iter().enumerate() {
            match (statement.effect, statement.applies(request)) {
                (_, Tri::False) => {}
                (Effect::Deny, Tri::True) => {
                    return Decision::ExplicitDeny(statement.reference(index))
                }
                (Effect::Deny, Tri::Unknown(reason)) => {
                    deny_unknown.get_or_insert((index, reason));
                }
                (Effect::Allow, Tri::True) => {
                    allow.get_or_insert(index);
                }
                (Effect::Allow, Tri::Unknown(reason)) => {
                    allow_unknown.get_or_insert((index, reason));
                }
            }
        }
        if let Some((index, reason)) = deny_unknown {
            return Decision::Unknown {
                statement: self.statements[index].reference(index),
                reason,
            };
        }
        if let Some(index) = allow {
            return Decision::Allow(self.statements[index].reference(index));
        }
        if let Some((index, reason)) = allow_unknown {
            return Decision::Unknown {
                statement: self.statements[index].reference(index),
                reason,
            };
        }
        Decision::ImplicitDeny
    }

    /// The statements whose Condition tests `key` (case-insensitively, as IAM reads keys).
    pub fn statements_using(&self, key: &str) -> Vec<StatementRef> {
        self.statements
            .iter()
            .enumerate()
            .filter(|(_, s)| s.condition.uses_key(key))
            .map(|(index, s)| s.reference(index))
            .collect()
    }

    /// Whether statement `index` is a Deny (for callers holding a [`StatementRef`]).
    pub(crate) fn is_deny(&self, index: usize) -> bool {
        self.statements
            .get(index)
            .is_some_and(|s| s.effect == Effect::Deny)
    }
}

impl Statement {
    fn parse(value: &Value) -> Result<Statement, String> {
        let Value::Object(map) = value else {
            return Err("statement must be an object".into());
        };
        let sid = match map.get("Sid") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => return Err("Sid must be a string".into()),
        };
        let effect = match map.get("Effect").and_then(Value::as_str) {
            Some("Allow") => Effect::Allow,
            Some("Deny") => Effect::Deny,
            Some(other) => return Err(format!("Effect must be Allow or Deny, not {other:?}")),
            None => return Err("Effect is missing".into()),
        };
        let actions = match (map.get("Action"), map.get("NotAction")) {
            (Some(v), None) => Actions::Action(strings(v, "Action")?),
            (None, Some(v)) => Actions::NotAction(strings(v, "NotAction")?),
            (Some(_), Some(_)) => return Err("has both Action and NotAction".into()),
            (None, None) => return Err("has neither Action nor NotAction".into()),
        };
        let resources = match (map.get("Resource"), map.get("NotResource")) {
            (Some(v), None) => Resources::Resource(strings(v, "Resource")?),
            (None, Some(v)) => Resources::NotResource(strings(v, "NotResource")?),
            (Some(_), Some(_)) => return Err("has both Resource and NotResource".into()),
            (None, None) => Resources::Resource(vec!["*".into()]),
        };
        let condition = match map.get("Condition") {
            None => Condition::default(),
            Some(c) => Condition::parse(c)?,
        };
        let text = serde_json::to_string(value).map_err(|e| e.to_string())?;
        Ok(Statement {
            sid,
            effect,
            actions,
            resources,
            condition,
            text,
        })
    }

    fn reference(&self, index: usize) -> StatementRef {
        StatementRef {
            index,
            sid: self.sid.clone(),
            text: self.text.clone(),
        }
    }

    /// Action, then resource, then condition; the first definite "no" wins.
    fn applies(&self, request: &Request) -> Tri {
        let action = match &self.actions {
            Actions::Action(patterns) => patterns
                .iter()
                .any(|p| pattern::action_matches(p, &request.action)),
            Actions::NotAction(patterns) => !patterns
                .iter()
                .any(|p| pattern::action_matches(p, &request.action)),
        };
        if !action {
            return Tri::False;
        }
        let resource = match &self.resources {
            Resources::Resource(patterns) => any_resource(patterns, &request.resource),
            Resources::NotResource(patterns) => match any_resource(patterns, &request.resource) {
                Tri::True => Tri::False,
                Tri::False => Tri::True,
                unknown => unknown,
            },
        };
        Tri::all([resource, self.condition.evaluate(&request.context)])
    }
}

/// Whether any pattern matches the resource; a pattern with a policy variable that could
/// matter makes the answer Unknown.
fn any_resource(patterns: &[String], resource: &str) -> Tri {
    let mut unknown = None;
    for p in patterns {
        if p.contains("${") {
            unknown.get_or_insert_with(|| format!("policy variable in resource {p:?}"));
        } else if pattern::arn_matches(p, resource) {
            return Tri::True;
        }
    }
    unknown.map_or(Tri::False, Tri::Unknown)
}

/// A string or an array of strings.
fn strings(value: &Value, element: &str) -> Result<Vec<String>, String> {
    let one = |v: &Value| {
        v.as_str()
            .map(str::to_owned)
            .ok_or_else(|| format!("{element} must hold strings"))
    };
    match value {
        Value::Array(items) if !items.is_empty() => items.iter().map(one).collect(),
        Value::Array(_) => Err(format!("{element} is empty")),
        other => Ok(vec![one(other)?]),
    }
}

#[cfg(test)]
mod tests;
