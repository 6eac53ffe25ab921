//! Turns one HTTP request into one answer: route, authenticate, apply scenario overrides, then
//! the default handler; records every call for the tests. Each service the stub plays has its
//! own module: `bedrock` (control plane and runtime, restJson1), `service_quotas` and
//! `cloudtrail` (JSON 1.1),
//! `sts` and `iam` (awsQuery); `auth` says how a request authenticated, `state` holds what a run remembers.

mod auth;
mod bedrock;
mod cloudtrail;
mod iam;
mod org;
mod service_quotas;
mod state;
mod sts;

pub use org::ASSUME_ROLE_PARAMS;
pub(crate) use org::{assume_role_refusal, trusts};
pub use state::State;
pub use sts::STUB_ACCOUNT;

use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use crate::faults;
use crate::http::{self, ReadError, Request};
use crate::ops::Reply;
use crate::scenario::{Fault, Override};
use crate::sigv4;
use crate::Call;

enum Outcome {
    Respond(Reply),
    Hang,
    Reset,
    /// A fault that still sends bytes: malformed, cut short, dripped or huge.
    Faulty(faults::Faulty),
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
            at_ms: 0.0,
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
        let (outcome, delay) = match org::front(&state, &request).await {
            Some(fronted) => fronted,
            None => {
                let account = org::account(&state, &request).await;
                answer(&state, &request, account.as_deref())
            }
        };
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

/// Decides the answer and records the call; returns the extra delay from an override. `account`
/// is the account of the request's credentials when the stub plays an Organization: its own
/// scenario, if it has one, answers.
fn answer(state: &State, request: &Request, account: Option<&str>) -> (Outcome, u64) {
    let (raw_path, raw_query) = request
        .target
        .split_once('?')
        .unwrap_or((&request.target, ""));
    let signed = sigv4::SignedRequest {
        method: &request.method,
        raw_path,
        raw_query,
        headers: &request.headers,
        body: &request.body,
    };
    let scheme = auth::scheme(request, raw_query);
    if let Some(operation) = cloudtrail::operation(request, raw_path) {
        return cloudtrail::answer(state, request, &signed, operation, scheme);
    }
    if let Some(operation) = service_quotas::operation(request, raw_path) {
        return service_quotas::answer(state, request, &signed, operation, scheme, account);
    }
    if let Some(action) = sts::action(request, raw_path) {
        let keys = state.credentials_for(auth::access_key_id(request));
        if iam::signed_for_iam(request) {
            // IAM is global: no region of the account can be disabled for it.
            let (claimed, auth) = sigv4::verify_for(&signed, &keys, state.now(), "iam");
            return iam::answer(state, action, &request.body, claimed, auth, scheme);
        }
        let (claimed, auth) = sigv4::verify_for(&signed, &keys, state.now(), "sts");
        let auth = auth::region_enabled(state, &claimed, auth);
        return sts::answer(state, action, &request.body, claimed, auth, scheme);
    }
    bedrock::answer(state, request, &signed, scheme, account)
}

/// The IAM answer to a query-protocol body as if it were signed with an accepted key, for the
/// drift test.
pub(crate) fn iam_unsigned(state: &State, body: &[u8]) -> Reply {
    let action = std::str::from_utf8(body)
        .map(parse_query)
        .unwrap_or_default()
        .into_iter()
        .find(|(k, _)| k == "Action")
        .map_or_else(String::new, |(_, v)| v);
    match iam::answer(
        state,
        action,
        body,
        sigv4::Claimed::default(),
        Ok(()),
        ("sigv4", true),
    )
    .0
    {
        Outcome::Respond(reply) => reply,
        _ => unreachable!("IAM always answers"),
    }
}

/// How a protocol writes an error an override asks for.
struct Protocol {
    status_for: fn(&str) -> u16,
    error: fn(u16, &str, Option<&str>) -> Reply,
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
