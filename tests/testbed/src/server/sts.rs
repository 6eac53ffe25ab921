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
    let mut throttled = false;
    let reply = match (action.as_str(), auth) {
        (_, Err(e)) => {
            let code = query_auth_code(e.code);
            sts_xml(403, &format!(
                "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type><Code>{code}</Code><Message>{}</Message></Error><RequestId>{}</RequestId></ErrorResponse>",
                xml_escape(&e.message), crate::request_id()
            ))
        }
        // STS and IAM say it this way (AWS Knowledge Center, "iam-sts-throttling-error").
        (_, Ok(()))
            if !state.take_token(
                claimed.access_key_id.as_deref(),
                claimed.region.as_deref(),
                "sts",
                &action,
                None,
            ) =>
        {
            throttled = true;
            sts_xml(400, &format!(
                "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>{}</RequestId></ErrorResponse>",
                crate::request_id()
            ))
        }
        // As AWS words it (nccgroup/aws-inventory#34, amzn/selling-partner-api-models#891).
        ("AssumeRole", Ok(())) if state.scenario.deny_assume_role => {
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
        ("GetCallerIdentity", Ok(())) => {
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
        (_, Ok(())) => sts_xml(400, "<ErrorResponse><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>Could not find operation</Message></Error></ErrorResponse>"),
    };
    state.record(Call {
        throttled,
        ..Call::answered("sts", &action, claimed, scheme, reply.status)
    });
    (Outcome::Respond(reply), 0)
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
