//! STS (awsQuery), for what moto cannot play: an expired session token, the root user's
//! identity, an AssumeRole IAM refuses.

use super::{Outcome, State};
use crate::http::Request;
use crate::ops::Reply;
use crate::sigv4;
use crate::Call;

/// The STS action of an awsQuery request (`POST /` with a form body), if this is one.
pub(super) fn action(request: &Request, raw_path: &str) -> Option<String> {
    if request.method != "POST" || raw_path != "/" {
        return None;
    }
    let body = std::str::from_utf8(&request.body).ok()?;
    super::parse_query(body)
        .into_iter()
        .find(|(k, _)| k == "Action")
        .map(|(_, v)| v)
}

/// STS, for what moto cannot play: moto never expires a session token, so a scenario that needs
/// `ExpiredToken` from STS points `AWS_ENDPOINT_URL_STS` here. Same SigV4 checks as Bedrock, with
/// the awsQuery error codes STS uses for them, in the `<ErrorResponse>` body that aws-sdk-sts
/// 1.124.0 src/rest_xml_wrapped_errors.rs reads (as quoted in
/// https://github.com/aws-azure-login/aws-azure-login/issues/251).
pub(super) fn answer(
    state: &State,
    action: String,
    body: &[u8],
    claimed: sigv4::Claimed,
    auth: Result<(), sigv4::AuthError>,
    scheme: (&'static str, bool),
) -> (Outcome, u64) {
    let refused = refusal(state, "sts", &action, &claimed, auth);
    let throttled = refused.as_ref().is_some_and(|r| r.throttled);
    let reply = match (action.as_str(), refused) {
        (_, Some(r)) => error_reply(r.status, r.code, &r.message),
        // As AWS words it (nccgroup/aws-inventory#34, amzn/selling-partner-api-models#891).
        ("AssumeRole", None) if state.scenario.deny_assume_role => {
            let role = std::str::from_utf8(body)
                .ok()
                .map(super::parse_query)
                .and_then(|q| q.into_iter().find(|(k, _)| k == "RoleArn").map(|(_, v)| v))
                .unwrap_or_default();
            let caller = state.scenario.caller_arn.clone().unwrap_or_else(|| {
                format!("arn:aws:iam::{STUB_ACCOUNT}:user/compiler-bedrock")
            });
            sts_xml(403, &format!(
                "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: {} is not authorized to perform: sts:AssumeRole on resource: {}</Message></Error><RequestId>{}</RequestId></ErrorResponse>",
                xml_escape(&caller), xml_escape(&role), crate::request_id()
            ))
        }
        ("GetCallerIdentity", None) => {
            // The root user's UserId is the account id itself (STS API reference, GetCallerIdentity).
            let (arn, user_id) = match &state.scenario.caller_arn {
                Some(arn) if arn.ends_with(":root") => (arn.clone(), STUB_ACCOUNT.to_string()),
                Some(arn) => (arn.clone(), "AIDAJQABLZS4A3QDU576Q".to_string()),
                None => (
                    format!("arn:aws:iam::{STUB_ACCOUNT}:user/compiler-bedrock"),
                    "AIDAJQABLZS4A3QDU576Q".to_string(),
                ),
            };
            sts_xml(200, &format!(
                "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><GetCallerIdentityResult><Arn>{}</Arn><UserId>{user_id}</UserId><Account>{STUB_ACCOUNT}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>{}</RequestId></ResponseMetadata></GetCallerIdentityResponse>",
                xml_escape(&arn),
                crate::request_id()
            ))
        }
        (_, None) => sts_xml(400, "<ErrorResponse><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>Could not find operation</Message></Error></ErrorResponse>"),
    };
    state.record(Call {
        throttled,
        ..Call::answered("sts", &action, claimed, scheme, reply.status)
    });
    (Outcome::Respond(reply), 0)
}

/// An STS error in the `<ErrorResponse>` body the SDKs read (a `Receiver` fault for a 5xx).
pub(super) fn error_reply(status: u16, code: &str, message: &str) -> Reply {
    let kind = if status >= 500 { "Receiver" } else { "Sender" };
    sts_xml(status, &format!(
        "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>{kind}</Type><Code>{code}</Code><Message>{}</Message></Error><RequestId>{}</RequestId></ErrorResponse>",
        xml_escape(message), crate::request_id()
    ))
}

/// The account the stub's STS reports.
pub const STUB_ACCOUNT: &str = "123456789012";

fn sts_xml(status: u16, body: &str) -> Reply {
    Reply {
        status,
        content_type: "text/xml",
        headers: Vec::new(),
        body: body.as_bytes().to_vec(),
    }
}

/// Why a query-protocol request (STS, IAM) is refused before its action is read: its signature
/// fails, or its operation's rate-limit bucket is empty.
pub(super) struct Refusal {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
    pub throttled: bool,
}

/// The refusal, if any, of a `service` request: a failed signature in the query protocol's codes, or
/// throttling as STS and IAM word it (AWS Knowledge Center, "iam-sts-throttling-error").
pub(super) fn refusal(
    state: &State,
    service: &str,
    action: &str,
    claimed: &sigv4::Claimed,
    auth: Result<(), sigv4::AuthError>,
) -> Option<Refusal> {
    if let Err(e) = auth {
        return Some(Refusal {
            status: 403,
            code: query_auth_code(e.code),
            message: e.message,
            throttled: false,
        });
    }
    let key = claimed.access_key_id.as_deref();
    if state.take_token(key, claimed.region.as_deref(), service, action, None) {
        return None;
    }
    Some(Refusal {
        status: 400,
        code: "Throttling",
        message: "Rate exceeded".to_string(),
        throttled: true,
    })
}

/// The code the query-protocol services (STS, IAM) give a failed authentication that Bedrock
/// calls `code`.
pub(super) fn query_auth_code(code: &'static str) -> &'static str {
    match code {
        "UnrecognizedClientException" => "InvalidClientTokenId",
        "InvalidSignatureException" => "SignatureDoesNotMatch",
        "ExpiredTokenException" => "ExpiredToken",
        other => other,
    }
}

pub(super) fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
