//! One CloudTrail event: the fields a diagnosis needs, read leniently. A field missing or of the
//! wrong type is absent, never an error: events come from files anyone can edit.

use serde_json::Value;

/// Who made the call, as the event's `userIdentity` names them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Principal {
    /// `userIdentity.type` (`IAMUser`, `AssumedRole`, `Root`, `IdentityCenterUser`,
    /// `AWSService`...), or `IdentityCenterRole` for an `AWSReservedSSO_` role session.
    #[serde(rename = "type")]
    pub kind: String,
    /// The user, role or service name, and for an Identity Center role session the session
    /// name (the user's name, as the permission set's role session is named after them).
    pub name: Option<String>,
    /// The ARN that identifies the principal across its sessions: the user's, the root's, or for a
    /// role session its issuer role's (`sessionContext.sessionIssuer.arn`).
    pub arn: Option<String>,
    /// What events are grouped by: the same principal across sessions of one role, each user of
    /// an Identity Center permission set apart.
    #[serde(skip)]
    pub key: String,
}

/// The fields of one event that `explain` and grouping read.
#[derive(Debug, Clone)]
pub struct Event {
    pub time: Option<String>,
    pub source: Option<String>,
    pub operation: Option<String>,
    pub region: Option<String>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub principal: Principal,
    /// `requestParameters.modelId`: a model id, an inference-profile id or an ARN.
    pub model_id: Option<String>,
    /// `additionalEventData.inferenceRegion`: where a cross-Region request ran.
    pub inference_region: Option<String>,
}

fn text<'a>(value: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut v = value;
    for key in path {
        v = v.get(key)?;
    }
    v.as_str().filter(|s| !s.is_empty())
}

fn owned(value: &Value, path: &[&str]) -> Option<String> {
    text(value, path).map(str::to_string)
}

/// Whether `value` is shaped like a CloudTrail event rather than any other JSON object: an
/// `eventName` and an AWS service's `eventSource` (`bedrock.amazonaws.com`). An S3 event
/// notification, also `{"Records": [...]}`, names its source `aws:s3` and is not one.
pub(super) fn looks_like_event(value: &Value) -> bool {
    text(value, &["eventName"]).is_some()
        && text(value, &["eventSource"]).is_some_and(|s| s.ends_with(".amazonaws.com"))
}

impl Event {
    /// The event's fields, or `None` when `value` is not a CloudTrail event.
    pub fn from_value(value: &Value) -> Option<Event> {
        if !looks_like_event(value) {
            return None;
        }
        Some(Event {
            time: owned(value, &["eventTime"]),
            source: owned(value, &["eventSource"]),
            operation: owned(value, &["eventName"]),
            region: owned(value, &["awsRegion"]),
            error_code: owned(value, &["errorCode"]),
            error_message: owned(value, &["errorMessage"]),
            principal: principal(value.get("userIdentity").unwrap_or(&Value::Null)),
            model_id: owned(value, &["requestParameters", "modelId"]),
            inference_region: owned(value, &["additionalEventData", "inferenceRegion"]),
        })
    }
}

/// The role name IAM Identity Center gives a permission set's role in each account.
const SSO_ROLE_PREFIX: &str = "AWSReservedSSO_";

fn principal(identity: &Value) -> Principal {
    let kind = text(identity, &["type"]).unwrap_or("Unknown").to_string();
    let arn = owned(identity, &["arn"]);
    match kind.as_str() {
        "AssumedRole" => {
            let issuer_arn = owned(identity, &["sessionContext", "sessionIssuer", "arn"]);
            let role =
                owned(identity, &["sessionContext", "sessionIssuer", "userName"]).or_else(|| {
                    // arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION
                    arn.as_deref()
                        .and_then(|a| a.split_once(":assumed-role/"))
                        .and_then(|(_, rest)| rest.split('/').next())
                        .map(str::to_string)
                });
            let session = arn
                .as_deref()
                .and_then(|a| a.rsplit_once('/'))
                .map(|(_, s)| s.to_string());
            let role_arn = issuer_arn.or_else(|| arn.clone());
            if role
                .as_deref()
                .is_some_and(|r| r.starts_with(SSO_ROLE_PREFIX))
            {
                // One permission set's role is shared by every Identity Center user it is
                // assigned to; the session name tells them apart.
                let key = format!(
                    "sso:{}:{}",
                    role_arn.as_deref().unwrap_or(""),
                    session.as_deref().unwrap_or("")
                );
                return Principal {
                    kind: "IdentityCenterRole".into(),
                    name: session,
                    arn: role_arn,
                    key,
                };
            }
            let key = format!("role:{}", role_arn.as_deref().unwrap_or(""));
            Principal {
                kind,
                name: role,
                arn: role_arn,
                key,
            }
        }
        "IdentityCenterUser" => {
            let user = owned(identity, &["onBehalfOf", "userId"]);
            let store = owned(identity, &["onBehalfOf", "identityStoreArn"]);
            let key = format!(
                "idc:{}:{}",
                store.as_deref().unwrap_or(""),
                user.as_deref().unwrap_or("")
            );
            Principal {
                kind,
                name: user,
                arn: store,
                key,
            }
        }
        "AWSService" => {
            let service = owned(identity, &["invokedBy"]);
            let key = format!("service:{}", service.as_deref().unwrap_or(""));
            Principal {
                kind,
                name: service,
                arn: None,
                key,
            }
        }
        _ => {
            let name = owned(identity, &["userName"]);
            let account = owned(identity, &["accountId"]);
            let key = format!(
                "{kind}:{}",
                arn.as_deref()
                    .or(name.as_deref())
                    .or(account.as_deref())
                    .unwrap_or("")
            );
            Principal {
                kind,
                name,
                arn,
                key,
            }
        }
    }
}
