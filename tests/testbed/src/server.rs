//! Turns one HTTP request into one answer: route, authenticate, apply scenario overrides, then
//! the default handler; records every call for the tests.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use crate::api_key;
use crate::faults;
use crate::http::{self, ReadError, Request};
use crate::ops::{self, Reply};
use crate::quotas;
use crate::router;
use crate::scenario::{Fault, Override, RateScope, Scenario, DEFAULT_REGION};
use crate::sigv4;
use crate::Call;

pub struct State {
    pub scenario: Scenario,
    pub calls: Mutex<Vec<Call>>,
    /// How often each override has fired, for `times`.
    used: Mutex<Vec<u32>>,
    /// The `[rate_limit]` buckets: tokens left and when they were counted, per account, region
    /// and operation (or service).
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
    /// Requests answered with a throttling error because a bucket was empty.
    pub throttled: AtomicU64,
}

/// What Bedrock says when a request exceeds a rate (https://github.com/kirodotdev/Kiro/issues/8113;
/// the daily-token form in https://github.com/minorun365/agent-book/issues/29).
pub const THROTTLED_MESSAGE: &str = "Too many requests, please wait before trying again.";

impl State {
    pub fn new(scenario: Scenario) -> State {
        let used = vec![0; scenario.overrides.len()];
        State {
            scenario,
            calls: Mutex::new(Vec::new()),
            used: Mutex::new(used),
            buckets: Mutex::new(HashMap::new()),
            throttled: AtomicU64::new(0),
        }
    }

    /// Takes a token from the request's bucket; `false` when it is empty (the request is
    /// throttled, and counted). Always `true` without a `[rate_limit]`.
    pub fn take_token(
        &self,
        account: Option<&str>,
        region: Option<&str>,
        service: &str,
        operation: &str,
    ) -> bool {
        let Some(limit) = &self.scenario.rate_limit else {
            return true;
        };
        let what = match limit.per {
            RateScope::Operation => operation,
            RateScope::Service => service,
        };
        let key = format!(
            "{} {} {service} {what}",
            account.unwrap_or_default(),
            region.unwrap_or(DEFAULT_REGION)
        );
        let burst = f64::from(limit.burst);
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let (tokens, counted) = buckets.entry(key).or_insert((burst, now));
        let refilled = now.duration_since(*counted).as_secs_f64() * limit.requests_per_second;
        *tokens = (*tokens + refilled).min(burst);
        *counted = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            self.throttled.fetch_add(1, Ordering::Relaxed);
            false
        }
    }

    /// Real time shifted by the scenario's clock offset, in Unix seconds.
    pub fn now(&self) -> i64 {
        let real = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        real + self.scenario.clock.offset_seconds
    }

    /// Keeps `call` for the tests that ask which calls the stub saw.
    fn record(&self, call: Call) {
        self.calls
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(call);
    }

    /// The first override that matches and has uses left; consumes one use.
    pub fn take_override(
        &self,
        operation: &str,
        region: Option<&str>,
        model: Option<&str>,
        body: &[u8],
    ) -> Option<Override> {
        let mut used = self.used.lock().unwrap_or_else(|e| e.into_inner());
        for (i, o) in self.scenario.overrides.iter().enumerate() {
            let matches = o.operation == operation
                && o.region.as_deref().is_none_or(|r| Some(r) == region)
                && o.model.as_deref().is_none_or(|m| Some(m) == model)
                && o.body_contains
                    .as_deref()
                    .is_none_or(|needle| contains(body, needle.as_bytes()))
                && o.times.is_none_or(|t| used[i] < t);
            if matches {
                used[i] += 1;
                return Some(o.clone());
            }
        }
        None
    }
}

/// Whether `needle` occurs in `haystack` (an empty needle always does).
fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || haystack.windows(needle.len()).any(|w| w == needle)
}

enum Outcome {
    Respond(Reply),
    Hang,
    Reset,
    /// A fault that still sends bytes: malformed, cut short, dripped or huge.
    Faulty(faults::Faulty),
}

impl Call {
    /// The call as recorded once answered with `status`: not throttled, no path parameter.
    fn answered(
        service: &str,
        operation: &str,
        claimed: sigv4::Claimed,
        (auth, sigv4_signed): (&str, bool),
        status: u16,
    ) -> Call {
        Call {
            service: service.into(),
            operation: operation.into(),
            region: claimed.region,
            access_key_id: claimed.access_key_id,
            auth: auth.into(),
            sigv4_signed,
            status,
            throttled: false,
            param: None,
        }
    }
}

impl Outcome {
    /// The status the call is recorded with: 0 when nothing was answered.
    fn status(&self) -> u16 {
        match self {
            Outcome::Respond(r) => r.status,
            Outcome::Faulty(f) => f.reply.status,
            Outcome::Hang | Outcome::Reset => 0,
        }
    }
}

pub async fn serve(listener: TcpListener, state: Arc<State>, mut shutdown: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = shutdown.changed() => return,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let _ = stream.set_nodelay(true);
                tokio::spawn(connection(stream, state.clone(), shutdown.clone()));
            }
        }
    }
}

async fn connection(mut stream: TcpStream, state: Arc<State>, mut shutdown: watch::Receiver<bool>) {
    let mut buf = Vec::new();
    loop {
        let request = tokio::select! {
            _ = shutdown.changed() => return,
            r = http::read_request(&mut stream, &mut buf) => r,
        };
        let request = match request {
            Ok(r) => r,
            Err(ReadError::Closed) => return,
            Err(ReadError::Reject(status, why)) => {
                let body = serde_json::json!({ "message": why }).to_string();
                let headers = base_headers(&state, "application/json");
                let _ = stream
                    .write_all(&http::encode_response(
                        status,
                        &headers,
                        body.as_bytes(),
                        true,
                    ))
                    .await;
                return;
            }
        };
        let (outcome, delay) = answer(&state, &request);
        let delay = Duration::from_millis(state.scenario.latency_ms + delay);
        tokio::select! {
            _ = shutdown.changed() => return,
            _ = tokio::time::sleep(delay) => {}
        }
        match outcome {
            Outcome::Hang => {
                let _ = shutdown.changed().await;
                return;
            }
            Outcome::Reset => {
                // Zero linger turns the close into a TCP RST, which is what "connection reset" means.
                let _ = stream.set_zero_linger();
                return;
            }
            Outcome::Respond(reply) => {
                let mut headers = base_headers(&state, reply.content_type);
                headers.extend(reply.headers);
                let bytes =
                    http::encode_response(reply.status, &headers, &reply.body, request.close);
                if stream.write_all(&bytes).await.is_err() || request.close {
                    return;
                }
            }
            Outcome::Faulty(mut faulty) => {
                let mut headers = base_headers(&state, faulty.reply.content_type);
                headers.append(&mut faulty.reply.headers);
                if !faults::write(&mut stream, faulty, &headers, request.close, &mut shutdown).await
                {
                    return;
                }
            }
        }
    }
}

fn base_headers(state: &State, content_type: &str) -> Vec<(String, String)> {
    let date = UNIX_EPOCH + Duration::from_secs(state.now().max(0) as u64);
    vec![
        ("x-amzn-RequestId".into(), crate::request_id()),
        ("Date".into(), httpdate::fmt_http_date(date)),
        ("Content-Type".into(), content_type.into()),
    ]
}

fn parse_query(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            let dec = |s: &str| {
                percent_encoding::percent_decode_str(&s.replace('+', " "))
                    .decode_utf8_lossy()
                    .into_owned()
            };
            (dec(k), dec(v))
        })
        .collect()
}

/// Decides the answer and records the call; returns the extra delay from an override.
fn answer(state: &State, request: &Request) -> (Outcome, u64) {
    let (raw_path, raw_query) = request
        .target
        .split_once('?')
        .unwrap_or((&request.target, ""));
    let routed = router::route_request(&request.method, raw_path);
    let signed = sigv4::SignedRequest {
        method: &request.method,
        raw_path,
        raw_query,
        headers: &request.headers,
        body: &request.body,
    };
    let scheme = auth_scheme(request, raw_query);
    if let Some(operation) = quotas_operation(request, raw_path) {
        return quotas_answer(state, request, &signed, operation, scheme);
    }
    if let Some(action) = sts_action(request, raw_path) {
        let (claimed, auth) =
            sigv4::verify_for(&signed, &state.scenario.credentials, state.now(), "sts");
        let auth = region_enabled(state, &claimed, auth);
        return sts_answer(state, action, &request.body, claimed, auth, scheme);
    }
    let endpoint_region = state
        .scenario
        .endpoint_region
        .as_deref()
        .unwrap_or(DEFAULT_REGION);
    let (claimed, auth) = match bearer_token(request) {
        // An API key names no Region: the call is about the Region of the endpoint it reached.
        Some(token) => (
            sigv4::Claimed {
                access_key_id: None,
                region: Some(endpoint_region.to_string()),
            },
            api_key::verify(
                token,
                &state.scenario.api_keys,
                endpoint_region,
                state.now(),
            ),
        ),
        None => {
            let (claimed, auth) = sigv4::verify(&signed, &state.scenario.credentials, state.now());
            let auth = region_enabled(state, &claimed, auth);
            (claimed, auth)
        }
    };
    let region = claimed.region.as_deref();
    let mut delay = 0;
    let mut throttled = false;
    let outcome = match (routed.operation, auth) {
        // AWS rejects unknown operations at the front door, before looking at the signature.
        (None, _) => Outcome::Respond(Reply::error(404, "UnknownOperationException", None)),
        (Some(_), Err(e)) if scheme.0 == "bearer" => {
            Outcome::Respond(Reply::front_door_error(403, e.code, &e.message))
        }
        (Some(_), Err(e)) => Outcome::Respond(Reply::error(
            ops::status_for(e.code),
            e.code,
            Some(&e.message),
        )),
        (Some(operation), Ok(()))
            if !state.take_token(
                claimed.access_key_id.as_deref(),
                region,
                routed.service,
                operation,
            ) =>
        {
            throttled = true;
            Outcome::Respond(Reply::error(
                429,
                "ThrottlingException",
                Some(THROTTLED_MESSAGE),
            ))
        }
        (Some(operation), Ok(())) => {
            match state.take_override(operation, region, routed.param.as_deref(), &request.body) {
                Some(o) => {
                    delay = o.delay_ms;
                    apply_override(&o, operation, &REST_JSON, || {
                        default_reply(operation, &routed, raw_query, request, region)
                    })
                }
                None => Outcome::Respond(default_reply(
                    operation, &routed, raw_query, request, region,
                )),
            }
        }
    };
    state.record(Call {
        throttled,
        param: routed.param.clone(),
        ..Call::answered(
            routed.service,
            routed.operation.unwrap_or("UnknownOperation"),
            claimed,
            scheme,
            outcome.status(),
        )
    });
    (outcome, delay)
}

/// A request signed for one of the scenario's `disabled_regions` is refused as AWS refuses keys in
/// an opt-in region the account has not enabled: with the words for a key it does not know
/// (`UnrecognizedClientException`; STS says `InvalidClientTokenId`), although the same keys work in
/// every other region (https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-regions.html).
fn region_enabled(
    state: &State,
    claimed: &sigv4::Claimed,
    auth: Result<(), sigv4::AuthError>,
) -> Result<(), sigv4::AuthError> {
    auth?;
    match claimed.region.as_deref() {
        Some(region) if state.scenario.disabled_regions.iter().any(|r| r == region) => {
            Err(sigv4::AuthError {
                code: "UnrecognizedClientException",
                message: sigv4::INVALID_TOKEN.to_string(),
            })
        }
        _ => Ok(()),
    }
}

/// The Service Quotas operation of a JSON 1.1 request (`POST /` with
/// `X-Amz-Target: ServiceQuotasV20190624.<Operation>`), if this is one.
fn quotas_operation<'a>(request: &'a Request, raw_path: &str) -> Option<&'a str> {
    if request.method != "POST" || raw_path != "/" {
        return None;
    }
    request
        .header("x-amz-target")?
        .strip_prefix(quotas::TARGET_PREFIX)
}

/// Service Quotas: the same SigV4 checks (signing name `servicequotas`), scenario overrides, and
/// errors in the JSON 1.1 shape.
fn quotas_answer(
    state: &State,
    request: &Request,
    signed: &sigv4::SignedRequest<'_>,
    target: &str,
    scheme: (&'static str, bool),
) -> (Outcome, u64) {
    let (claimed, auth) = sigv4::verify_for(
        signed,
        &state.scenario.credentials,
        state.now(),
        "servicequotas",
    );
    let auth = region_enabled(state, &claimed, auth);
    let region = claimed.region.clone();
    let operation = quotas::OPERATIONS.iter().copied().find(|o| *o == target);
    let mut delay = 0;
    let outcome = match (operation, auth) {
        (None, _) => Outcome::Respond(quotas::error(
            400,
            "UnknownOperationException",
            &format!("no handler for {target}"),
        )),
        (Some(_), Err(e)) => Outcome::Respond(quotas::error(
            (JSON_1_1.status_for)(e.code),
            e.code,
            &e.message,
        )),
        (Some(op), Ok(())) => {
            let default = || {
                quotas::handle(
                    op,
                    &request.body,
                    region.as_deref().unwrap_or(DEFAULT_REGION),
                    &state.scenario.quotas,
                )
            };
            match state.take_override(op, region.as_deref(), None, &request.body) {
                Some(o) => {
                    delay = o.delay_ms;
                    apply_override(&o, op, &JSON_1_1, default)
                }
                None => Outcome::Respond(default()),
            }
        }
    };
    state.record(Call::answered(
        "servicequotas",
        operation.unwrap_or("UnknownOperation"),
        claimed,
        scheme,
        outcome.status(),
    ));
    (outcome, delay)
}

/// How a protocol writes an error an override asks for.
struct Protocol {
    status_for: fn(&str) -> u16,
    error: fn(u16, &str, Option<&str>) -> Reply,
}

/// Bedrock's restJson1: `x-amzn-ErrorType` and `{"message": …}`.
const REST_JSON: Protocol = Protocol {
    status_for: ops::status_for,
    error: Reply::error,
};

/// Service Quotas' JSON 1.1: `{"__type": …, "message": …}`; every error is a 400 but the
/// `ServiceException` fault.
const JSON_1_1: Protocol = Protocol {
    status_for: |code| if code == "ServiceException" { 500 } else { 400 },
    error: |status, code, message| quotas::error(status, code, message.unwrap_or_default()),
};

fn header<'a>(request: &'a Request, name: &str) -> Option<&'a str> {
    request
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// The key of an `Authorization: Bearer <key>` header (RFC 6750: the scheme is case-insensitive).
fn bearer_token(request: &Request) -> Option<&str> {
    let value = header(request, "authorization")?;
    let (scheme, rest) = value.split_at_checked(6)?;
    if !scheme.eq_ignore_ascii_case("bearer") || !(rest.is_empty() || rest.starts_with(' ')) {
        return None;
    }
    Some(rest.trim())
}

/// How a request authenticated (`bearer`, `sigv4` or `none`), and whether it carried any part of a
/// SigV4 signature, so tests can tell an API-key call from a signed one.
fn auth_scheme(request: &Request, raw_query: &str) -> (&'static str, bool) {
    let authorization = header(request, "authorization").unwrap_or_default();
    let sigv4_header = authorization.starts_with("AWS4-HMAC-SHA256");
    let signed = sigv4_header
        || header(request, "x-amz-date").is_some()
        || header(request, "x-amz-security-token").is_some()
        || raw_query
            .split('&')
            .any(|p| p.starts_with("X-Amz-Signature="));
    let kind = if bearer_token(request).is_some() {
        "bearer"
    } else if sigv4_header {
        "sigv4"
    } else {
        "none"
    };
    (kind, signed)
}

/// The STS action of an awsQuery request (`POST /` with a form body), if this is one.
fn sts_action(request: &Request, raw_path: &str) -> Option<String> {
    if request.method != "POST" || raw_path != "/" {
        return None;
    }
    let body = std::str::from_utf8(&request.body).ok()?;
    parse_query(body)
        .into_iter()
        .find(|(k, _)| k == "Action")
        .map(|(_, v)| v)
}

/// STS, for what moto cannot play: moto never expires a session token, so a scenario that needs
/// `ExpiredToken` from STS points `AWS_ENDPOINT_URL_STS` here. Same SigV4 checks as Bedrock, with
/// the awsQuery error codes STS uses for them, in the `<ErrorResponse>` body that aws-sdk-sts
/// 1.124.0 src/rest_xml_wrapped_errors.rs reads (as quoted in
/// https://github.com/aws-azure-login/aws-azure-login/issues/251).
fn sts_answer(
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
            let code = match e.code {
                "UnrecognizedClientException" => "InvalidClientTokenId",
                "InvalidSignatureException" => "SignatureDoesNotMatch",
                "ExpiredTokenException" => "ExpiredToken",
                other => other,
            };
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
                .map(parse_query)
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

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn default_reply(
    operation: &str,
    routed: &router::Routed,
    raw_query: &str,
    request: &Request,
    region: Option<&str>,
) -> Reply {
    let query = parse_query(raw_query);
    ops::handle(&ops::Input {
        operation,
        param: routed.param.as_deref(),
        query: &query,
        body: &request.body,
        region: region.unwrap_or(DEFAULT_REGION),
    })
}

fn apply_override(
    o: &Override,
    operation: &str,
    protocol: &Protocol,
    default: impl FnOnce() -> Reply,
) -> Outcome {
    match o.fault {
        Some(Fault::Hang) => return Outcome::Hang,
        Some(Fault::Reset) => return Outcome::Reset,
        Some(fault) => {
            return Outcome::Faulty(faults::apply(
                fault,
                operation,
                o.status,
                o.error_type.as_deref(),
                default,
            ))
        }
        None => {}
    }
    if let Some(code) = &o.error_type {
        let status = o.status.unwrap_or_else(|| (protocol.status_for)(code));
        return Outcome::Respond((protocol.error)(status, code, o.message.as_deref()));
    }
    if let Some(body) = &o.body {
        let mut reply = Reply::json(o.status.unwrap_or(200), &serde_json::Value::Null);
        reply.body = body.clone().into_bytes();
        return Outcome::Respond(reply);
    }
    // Only a delay (or a status for the default body) was asked for.
    let mut reply = default();
    if let Some(status) = o.status {
        reply.status = status;
    }
    Outcome::Respond(reply)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_disabled_region_refuses_keys_that_work_elsewhere() {
        let state = State::new(Scenario::from_toml("disabled_regions = ['me-central-1']").unwrap());
        let claimed = |region: &str| sigv4::Claimed {
            access_key_id: Some(crate::TEST_ACCESS_KEY_ID.into()),
            region: Some(region.into()),
        };
        let refused = region_enabled(&state, &claimed("me-central-1"), Ok(())).unwrap_err();
        assert_eq!(refused.code, "UnrecognizedClientException");
        assert_eq!(refused.message, sigv4::INVALID_TOKEN);
        assert!(region_enabled(&state, &claimed("us-east-1"), Ok(())).is_ok());
    }

    #[test]
    fn override_times_then_falls_through() {
        let s = Scenario::from_toml(
            r#"
            [[override]]
            operation = "InvokeModel"
            error_type = "ThrottlingException"
            message = "Too many requests, please wait before trying again."
            source = "https://github.com/minorun365/agent-book/issues/29"
            times = 2
            [[override]]
            operation = "InvokeModel"
            model = "m"
            region = "eu-west-1"
            body = '{"ok":true}'
            "#,
        )
        .unwrap();
        let state = State::new(s);
        let take = |region, model| state.take_override("InvokeModel", region, model, b"");
        assert!(take(Some("us-east-1"), Some("m"))
            .unwrap()
            .error_type
            .is_some());
        assert!(state
            .take_override("Converse", Some("us-east-1"), Some("m"), b"")
            .is_none());
        assert!(take(None, None).unwrap().error_type.is_some());
        assert!(
            take(Some("us-east-1"), Some("m")).is_none(),
            "region filter"
        );
        assert!(take(Some("eu-west-1"), Some("x")).is_none(), "model filter");
        assert!(take(Some("eu-west-1"), Some("m")).unwrap().body.is_some());
        assert!(
            take(Some("eu-west-1"), Some("m")).is_some(),
            "no times: forever"
        );
    }

    #[test]
    fn body_contains_singles_out_requests_by_body() {
        let s = Scenario::from_toml(
            r#"
            [[override]]
            operation = "InvokeModel"
            body_contains = "cache_control"
            status = 400
            error_type = "ValidationException"
            message = "You invoked an unsupported model or your request did not allow prompt caching. See the documentation for more information."
            source = "https://github.com/cline/cline/issues/2064"
            "#,
        )
        .unwrap();
        let state = State::new(s);
        let plain = br#"{"messages":[{"role":"user","content":"hi"}]}"#;
        let cached =
            br#"{"system":[{"type":"text","text":"x","cache_control":{"type":"ephemeral"}}]}"#;
        let take =
            |body: &[u8]| state.take_override("InvokeModel", Some("us-east-1"), Some("m"), body);
        assert!(take(plain).is_none());
        assert!(take(b"").is_none());
        assert!(take(cached).is_some());
        assert!(contains(b"abc", b""));
        assert!(!contains(b"ab", b"abc"));
    }

    #[test]
    fn an_empty_bucket_throttles_until_it_refills() {
        // Next to no refill: a bucket of two allows two requests, then refuses.
        let state = State::new(
            Scenario::from_toml("[rate_limit]\nrequests_per_second = 0.001\nburst = 2").unwrap(),
        );
        let take = |region, op| state.take_token(Some("AKID"), Some(region), "bedrock", op);
        assert!(take("us-east-1", "ListFoundationModels"));
        assert!(take("us-east-1", "ListFoundationModels"));
        assert!(!take("us-east-1", "ListFoundationModels"));
        // Other operations, regions and accounts have buckets of their own.
        assert!(take("eu-west-1", "ListFoundationModels"));
        assert!(take("us-east-1", "GetFoundationModel"));
        assert!(state.take_token(
            Some("OTHER"),
            Some("us-east-1"),
            "bedrock",
            "ListFoundationModels"
        ));
        assert_eq!(state.throttled.load(Ordering::Relaxed), 1);

        // A thousand tokens a second: an emptied bucket holds one again within a few ms.
        let fast = State::new(
            Scenario::from_toml("[rate_limit]\nrequests_per_second = 1000\nburst = 1").unwrap(),
        );
        assert!(fast.take_token(None, None, "bedrock", "X"));
        std::thread::sleep(Duration::from_millis(5));
        assert!(fast.take_token(None, None, "bedrock", "X"), "refilled");

        let per_service = State::new(
            Scenario::from_toml(
                "[rate_limit]\nrequests_per_second = 0.001\nburst = 1\nper = 'service'",
            )
            .unwrap(),
        );
        assert!(per_service.take_token(None, None, "bedrock", "ListFoundationModels"));
        assert!(!per_service.take_token(None, None, "bedrock", "GetFoundationModel"));
        assert!(per_service.take_token(None, None, "bedrock-runtime", "InvokeModel"));
        assert_eq!(per_service.throttled.load(Ordering::Relaxed), 1);

        let unlimited = State::new(Scenario::default());
        assert!((0..100).all(|_| unlimited.take_token(None, None, "bedrock", "X")));
    }

    #[test]
    fn clock_offset_shifts_now() {
        let state = State::new(Scenario::from_toml("[clock]\noffset_seconds = 600").unwrap());
        let real = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        assert!((state.now() - real - 600).abs() <= 1);
    }
}
