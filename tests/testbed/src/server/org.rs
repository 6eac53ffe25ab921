//! The stub beside moto_server, playing a test Organization (`Stub::start_org`): each request is
//! told apart by the account of its credentials, and STS is a front for moto's.
//!
//! moto's STS AssumeRole succeeds whether or not the role exists or trusts the caller (its
//! docstring: "the role does not need to exist"; getmoto/moto#6793), where AWS answers
//! `AccessDenied` (localstack/localstack#8730). The front looks the role up in moto's IAM, reads
//! its trust policy, and refuses as AWS does; what it lets through, and every other STS action, is
//! relayed to moto and its answer sent back unchanged. The keys of a relayed AssumeRole answer are
//! then accepted by the stub like the scenario's own, and known to belong to the role's account.

use std::collections::HashMap;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{auth, parse_query, sts, Outcome, State};
use crate::http::Request;
use crate::ops::Reply;
use crate::scenario::Credentials;
use crate::sigv4;
use crate::Call;

/// The parameters of an AssumeRole request the front reads (botocore's `AssumeRoleRequest`
/// member names; the drift test checks them against the model).
pub const ASSUME_ROLE_PARAMS: &[&str] = &[
    "RoleArn",
    "RoleSessionName",
    "ExternalId",
    "DurationSeconds",
];

/// The answer to an STS request when the stub plays an Organization beside moto; `None` for
/// everything else (or when no moto is set).
pub(super) async fn front(state: &State, request: &Request) -> Option<(Outcome, u64)> {
    let moto = state.moto.as_deref()?;
    let (raw_path, raw_query) = request
        .target
        .split_once('?')
        .unwrap_or((&request.target, ""));
    let action = sts::action(request, raw_path)?;
    if super::iam::signed_for_iam(request) {
        return None;
    }
    let signed = sigv4::SignedRequest {
        method: &request.method,
        raw_path,
        raw_query,
        headers: &request.headers,
        body: &request.body,
    };
    let scheme = auth::scheme(request, raw_query);
    let keys = state.credentials_for(auth::access_key_id(request));
    let (claimed, verified) = sigv4::verify_for(&signed, &keys, state.now(), "sts");
    let verified = auth::region_enabled(state, &claimed, verified);
    let refused = sts::refusal(state, "sts", &action, &claimed, verified);
    let throttled = refused.as_ref().is_some_and(|r| r.throttled);
    let params = std::str::from_utf8(&request.body)
        .map(parse_query)
        .unwrap_or_default();
    let role_arn = param(&params, "RoleArn");
    if action == "AssumeRole" {
        lock(&state.assume_role_requests).push(crate::AssumeRoleRequest {
            role_arn: role_arn.unwrap_or_default().to_string(),
            role_session_name: param(&params, "RoleSessionName").map(String::from),
            duration_seconds: param(&params, "DurationSeconds").and_then(|d| d.parse().ok()),
            external_id: param(&params, "ExternalId").map(String::from),
        });
    }
    let reply = match refused {
        Some(r) => sts::error_reply(r.status, r.code, &r.message),
        None if action == "AssumeRole" => assume_role(state, moto, request, &params).await,
        None => relay(moto, request).await,
    };
    state.record(Call {
        throttled,
        param: (action == "AssumeRole").then(|| role_arn.unwrap_or_default().to_string()),
        ..Call::answered("sts", &action, claimed, scheme, reply.status)
    });
    Some((Outcome::Respond(reply), 0))
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// AssumeRole as AWS answers it: refused unless the role exists and its trust policy lets the
/// caller in (with the external id it asks for), else relayed to moto.
async fn assume_role(
    state: &State,
    moto: &str,
    request: &Request,
    params: &[(String, String)],
) -> Reply {
    let role_arn = param(params, "RoleArn").unwrap_or_default();
    let caller = caller_arn(moto, request).await.unwrap_or_default();
    let denied = || assume_role_refusal(&caller, role_arn);
    let Some((account, name)) = role_of(role_arn) else {
        return denied();
    };
    let Some(role) = role(moto, account, name).await else {
        return denied();
    };
    if !trusts(&role.trust, &caller, param(params, "ExternalId")) {
        return denied();
    }
    let duration = param(params, "DurationSeconds").and_then(|d| d.parse::<u64>().ok());
    if duration.is_some_and(|d| d > role.max_session_seconds) {
        // As STS words it (kreuzwerker/awsu#27; prowler-cloud/prowler#923).
        return sts::error_reply(
            400,
            "ValidationError",
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
        );
    }
    let reply = relay(moto, request).await;
    if reply.status == 200 {
        learn(state, &reply.body, account);
    }
    reply
}

/// AWS's refusal of an AssumeRole, the same for a missing role, an untrusting trust policy and a
/// missing or wrong external id (as AWS words it: nccgroup/aws-inventory#34,
/// amzn/selling-partner-api-models#891).
pub(crate) fn assume_role_refusal(caller: &str, role_arn: &str) -> Reply {
    sts::error_reply(
        403,
        "AccessDenied",
        &format!(
            "User: {caller} is not authorized to perform: sts:AssumeRole on resource: {role_arn}"
        ),
    )
}

/// The account and name of `arn:aws:iam::ACCOUNT:role/[PATH/]NAME`.
fn role_of(arn: &str) -> Option<(&str, &str)> {
    let rest = arn.strip_prefix("arn:aws:iam::")?;
    let (account, resource) = rest.split_once(':')?;
    let path = resource.strip_prefix("role/")?;
    let name = path.rsplit('/').next()?;
    (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()) && !name.is_empty())
        .then_some((account, name))
}

/// What the front needs of a role.
struct Role {
    trust: Value,
    /// `MaxSessionDuration` (3600 unless the role sets another).
    max_session_seconds: u64,
}

/// The role from moto's IAM `GetRole` in `account` (moto serves the account a request names in
/// its `x-moto-account-id` header: `get_current_account` in moto's `moto/core/responses.py`);
/// `None` when the role does not exist.
async fn role(moto: &str, account: &str, name: &str) -> Option<Role> {
    let body = format!(
        "Action=GetRole&Version=2010-05-08&RoleName={}",
        percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC)
    );
    let headers = [
        (
            "Authorization".to_string(),
            unsigned_authorization("AKIAIOSFODNN7EXAMPLE", "iam"),
        ),
        ("x-moto-account-id".to_string(), account.to_string()),
    ];
    let reply = post(moto, &headers, body.as_bytes()).await.ok()?;
    if reply.status != 200 {
        return None;
    }
    let text = String::from_utf8_lossy(&reply.body);
    // IAM returns the document URL-encoded (IAM API reference, `Role.AssumeRolePolicyDocument`).
    let encoded = between(
        &text,
        "<AssumeRolePolicyDocument>",
        "</AssumeRolePolicyDocument>",
    )?;
    let decoded = percent_encoding::percent_decode_str(&xml_unescape(encoded))
        .decode_utf8_lossy()
        .into_owned();
    let max_session_seconds = between(&text, "<MaxSessionDuration>", "</MaxSessionDuration>")
        .and_then(|m| m.trim().parse().ok())
        .unwrap_or(3600);
    Some(Role {
        trust: serde_json::from_str(&decoded).ok()?,
        max_session_seconds,
    })
}

/// Whether a trust policy lets `caller` (an IAM user, role session or root ARN) assume the role
/// with `external_id`: an `Allow` statement for `sts:AssumeRole` names the caller, the caller's
/// account (`ACCOUNT`, `arn:aws:iam::ACCOUNT:root`) or `*`, and every condition it sets holds; no
/// such `Deny` statement. The only condition read is `StringEquals` on `sts:ExternalId`
/// (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-user_externalid.html); a
/// statement with any other condition is taken not to apply, so a test bed trust policy that
/// needs more fails closed.
pub(crate) fn trusts(policy: &Value, caller: &str, external_id: Option<&str>) -> bool {
    let statements = match &policy["Statement"] {
        Value::Array(list) => list.iter().collect(),
        one @ Value::Object(_) => vec![one],
        _ => Vec::new(),
    };
    let mut allowed = false;
    for statement in statements {
        let applies = strings(&statement["Action"]).iter().any(|a| {
            matches!(
                a.to_ascii_lowercase().as_str(),
                "sts:assumerole" | "sts:*" | "*"
            )
        }) && principal_matches(&statement["Principal"], caller)
            && conditions_hold(&statement["Condition"], external_id);
        match (applies, statement["Effect"].as_str()) {
            (true, Some("Deny")) => return false,
            (true, Some("Allow")) => allowed = true,
            _ => {}
        }
    }
    allowed
}

fn strings(value: &Value) -> Vec<&str> {
    match value {
        Value::String(s) => vec![s.as_str()],
        Value::Array(list) => list.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

fn principal_matches(principal: &Value, caller: &str) -> bool {
    if principal.as_str() == Some("*") {
        return true;
    }
    let account = caller.split(':').nth(4).unwrap_or_default();
    // A role session's ARN (arn:aws:sts::A:assumed-role/NAME/SESSION) stands for its role.
    let session_role = caller
        .strip_prefix(&format!("arn:aws:sts::{account}:assumed-role/"))
        .and_then(|rest| rest.split('/').next());
    strings(&principal["AWS"]).iter().any(|p| {
        *p == "*"
            || (!account.is_empty()
                && (*p == account || *p == format!("arn:aws:iam::{account}:root")))
            || *p == caller
            || session_role.is_some_and(|role| {
                p.strip_prefix(&format!("arn:aws:iam::{account}:role/"))
                    .is_some_and(|path| path.rsplit('/').next() == Some(role))
            })
    })
}

fn conditions_hold(conditions: &Value, external_id: Option<&str>) -> bool {
    let Some(operators) = conditions.as_object() else {
        return conditions.is_null();
    };
    operators.iter().all(|(operator, keys)| {
        operator == "StringEquals"
            && keys.as_object().is_some_and(|keys| {
                keys.iter().all(|(key, values)| {
                    key.eq_ignore_ascii_case("sts:ExternalId")
                        && external_id.is_some_and(|id| strings(values).contains(&id))
                })
            })
    })
}

/// The caller's ARN, from moto's GetCallerIdentity with the request's own credentials.
async fn caller_arn(moto: &str, request: &Request) -> Option<String> {
    let mut headers = Vec::new();
    for name in ["authorization", "x-amz-security-token"] {
        if let Some(value) = request.header(name) {
            headers.push((name.to_string(), value.to_string()));
        }
    }
    let reply = post(
        moto,
        &headers,
        b"Action=GetCallerIdentity&Version=2011-06-15",
    )
    .await
    .ok()?;
    between(&String::from_utf8_lossy(&reply.body), "<Arn>", "</Arn>").map(xml_unescape)
}

/// Keeps the keys of a relayed AssumeRole answer, so the stub accepts them and knows their account.
fn learn(state: &State, body: &[u8], account: &str) {
    let text = String::from_utf8_lossy(body);
    let (Some(key), Some(secret), Some(token)) = (
        between(&text, "<AccessKeyId>", "</AccessKeyId>"),
        between(&text, "<SecretAccessKey>", "</SecretAccessKey>"),
        between(&text, "<SessionToken>", "</SessionToken>"),
    ) else {
        return;
    };
    let credentials = Credentials {
        access_key_id: key.to_string(),
        secret_access_key: xml_unescape(secret),
        session_token: Some(xml_unescape(token)),
        session_token_expired: false,
    };
    lock(&state.learned).insert(key.to_string(), credentials);
    lock(&state.accounts).insert(key.to_string(), account.to_string());
}

fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The account of the credentials a request is signed with: cached, else asked of moto's STS
/// (`GetCallerIdentity` with that access key id; moto checks no signature with its IAM
/// authentication off). `None` without moto or without a SigV4 key.
pub(super) async fn account(state: &State, request: &Request) -> Option<String> {
    let moto = state.moto.as_deref()?;
    let key = auth::access_key_id(request)?;
    if let Some(known) = state.account_of(Some(key)) {
        return Some(known);
    }
    let headers = [(
        "Authorization".to_string(),
        unsigned_authorization(key, "sts"),
    )];
    let reply = post(
        moto,
        &headers,
        b"Action=GetCallerIdentity&Version=2011-06-15",
    )
    .await
    .ok()?;
    if reply.status != 200 {
        return None;
    }
    let account = between(
        &String::from_utf8_lossy(&reply.body),
        "<Account>",
        "</Account>",
    )?
    .to_string();
    lock(&state.accounts).insert(key.to_string(), account.clone());
    Some(account)
}

/// An Authorization header naming `key` for `service`; moto reads the key and checks nothing else.
fn unsigned_authorization(key: &str, service: &str) -> String {
    format!("AWS4-HMAC-SHA256 Credential={key}/20260101/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=0")
}

/// The request, sent on to moto as it came (moto checks no signature), and moto's answer.
async fn relay(moto: &str, request: &Request) -> Reply {
    const HOP: &[&str] = &[
        "host",
        "content-length",
        "transfer-encoding",
        "connection",
        "expect",
    ];
    let headers: Vec<(String, String)> = request
        .headers
        .iter()
        .filter(|(n, _)| !HOP.iter().any(|h| n.eq_ignore_ascii_case(h)))
        .cloned()
        .collect();
    post(moto, &headers, &request.body)
        .await
        .unwrap_or_else(|e| {
            sts::error_reply(
                503,
                "ServiceUnavailable",
                &format!("moto_server did not answer: {e}"),
            )
        })
}

/// One `POST /` to moto on a connection of its own, read to its end.
async fn post(moto: &str, headers: &[(String, String)], body: &[u8]) -> std::io::Result<Reply> {
    let host = moto.trim_start_matches("http://").trim_end_matches('/');
    let mut head = format!(
        "POST / HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        if !name.eq_ignore_ascii_case("content-type") {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    head.push_str("\r\n");
    let mut stream = tokio::net::TcpStream::connect(host).await?;
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body).await?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await?;
    let mut slots = [httparse::EMPTY_HEADER; 64];
    let mut response = httparse::Response::new(&mut slots);
    let invalid = |why: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, why.to_string());
    let httparse::Status::Complete(head_len) =
        response.parse(&raw).map_err(|e| invalid(&e.to_string()))?
    else {
        return Err(invalid("a response head cut short"));
    };
    let values: HashMap<String, String> = response
        .headers
        .iter()
        .map(|h| {
            (
                h.name.to_ascii_lowercase(),
                String::from_utf8_lossy(h.value).into_owned(),
            )
        })
        .collect();
    let rest = &raw[head_len..];
    let body = if values
        .get("transfer-encoding")
        .is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
    {
        crate::http::decode_chunked_body(rest).ok_or_else(|| invalid("a chunked body cut short"))?
    } else {
        let len = values
            .get("content-length")
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(rest.len());
        rest[..len.min(rest.len())].to_vec()
    };
    Ok(Reply {
        status: response.code.unwrap_or(500),
        content_type: "text/xml",
        headers: Vec::new(),
        body,
    })
}

fn between<'a>(text: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = text.find(open)? + open.len();
    let end = text[start..].find(close)? + start;
    Some(&text[start..end])
}

fn xml_unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const CALLER: &str = "arn:aws:iam::123456789012:user/compiler-bedrock";

    fn trust(statement: Value) -> Value {
        json!({"Version": "2012-10-17", "Statement": [statement]})
    }

    #[test]
    fn the_account_root_the_account_id_and_the_caller_arn_are_trusted() {
        for principal in [
            "arn:aws:iam::123456789012:root",
            "123456789012",
            CALLER,
            "*",
        ] {
            let policy = trust(
                json!({"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"}),
            );
            assert!(trusts(&policy, CALLER, None), "{principal}");
        }
        let other = trust(
            json!({"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::999999999999:root"]}, "Action": "sts:AssumeRole"}),
        );
        assert!(!trusts(&other, CALLER, None));
        let service = trust(
            json!({"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}),
        );
        assert!(!trusts(&service, CALLER, None));
    }

    #[test]
    fn a_role_session_stands_for_its_role_whatever_the_path() {
        let session = "arn:aws:sts::123456789012:assumed-role/Ops/doctor";
        let policy = trust(
            json!({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:role/team/Ops"}, "Action": "sts:AssumeRole"}),
        );
        assert!(trusts(&policy, session, None));
        assert!(!trusts(
            &policy,
            "arn:aws:sts::123456789012:assumed-role/Dev/doctor",
            None
        ));
    }

    #[test]
    fn an_external_id_condition_needs_that_id() {
        let policy = trust(json!({
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": "abc"}}
        }));
        assert!(trusts(&policy, CALLER, Some("abc")));
        assert!(!trusts(&policy, CALLER, Some("abd")));
        assert!(!trusts(&policy, CALLER, None));
        let other_condition = trust(json!({
            "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole",
            "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
        }));
        assert!(!trusts(&other_condition, CALLER, Some("abc")));
    }

    #[test]
    fn a_deny_statement_wins() {
        let policy = json!({"Statement": [
            {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"},
            {"Effect": "Deny", "Principal": {"AWS": CALLER}, "Action": ["sts:AssumeRole"]}
        ]});
        assert!(!trusts(&policy, CALLER, None));
        assert!(trusts(
            &policy,
            "arn:aws:iam::123456789012:user/other",
            None
        ));
    }

    #[test]
    fn role_arns_give_account_and_name() {
        assert_eq!(
            role_of("arn:aws:iam::123456789012:role/ops/Doctor"),
            Some(("123456789012", "Doctor"))
        );
        assert_eq!(
            role_of("arn:aws:iam::123456789012:role/Doctor"),
            Some(("123456789012", "Doctor"))
        );
        assert_eq!(role_of("arn:aws:iam::123:role/Doctor"), None);
        assert_eq!(role_of("arn:aws:iam::123456789012:user/Doctor"), None);
    }
}
