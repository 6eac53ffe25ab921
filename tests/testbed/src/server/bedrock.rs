//! Bedrock, control plane and runtime (restJson1): the path parameter routes the request, an API
//! key or a SigV4 signature authenticates it, the rate limit and the scenario's overrides come
//! before the default answer of `ops`.

use super::{apply_override, auth, Outcome, Protocol, State};
use crate::api_key;
use crate::http::Request;
use crate::ops::{self, Reply};
use crate::router;
use crate::scenario::DEFAULT_REGION;
use crate::sigv4;
use crate::Call;

/// What Bedrock says when a request exceeds a rate (https://github.com/kirodotdev/Kiro/issues/8113;
/// the daily-token form in https://github.com/minorun365/agent-book/issues/29).
pub const THROTTLED_MESSAGE: &str = "Too many requests, please wait before trying again.";

/// The answer to a Bedrock request: `signed` is the request as SigV4 reads it, `scheme` how it
/// authenticated.
pub(super) fn answer(
    state: &State,
    request: &Request,
    signed: &sigv4::SignedRequest<'_>,
    scheme: (&'static str, bool),
    account: Option<&str>,
) -> (Outcome, u64) {
    let routed = router::route_request(&request.method, signed.raw_path);
    let endpoint_region = state
        .scenario
        .endpoint_region
        .as_deref()
        .unwrap_or(DEFAULT_REGION);
    let (claimed, auth) = match auth::bearer_token(request) {
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
            let keys = state.credentials_for(auth::access_key_id(request));
            let (claimed, auth) = sigv4::verify(signed, &keys, state.now());
            let auth = auth::region_enabled(state, &claimed, auth);
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
                account.or(claimed.access_key_id.as_deref()),
                region,
                routed.service,
                operation,
                routed.param.as_deref(),
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
            match state.take_override_for(
                account,
                operation,
                region,
                routed.param.as_deref(),
                &request.body,
            ) {
                Some(o) => {
                    delay = o.delay_ms;
                    apply_override(&o, operation, &REST_JSON, || {
                        default_reply(operation, &routed, signed.raw_query, request, region)
                    })
                }
                None => Outcome::Respond(default_reply(
                    operation,
                    &routed,
                    signed.raw_query,
                    request,
                    region,
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

/// Bedrock's restJson1: `x-amzn-ErrorType` and `{"message": …}`.
const REST_JSON: Protocol = Protocol {
    status_for: ops::status_for,
    error: Reply::error,
};

fn default_reply(
    operation: &str,
    routed: &router::Routed,
    raw_query: &str,
    request: &Request,
    region: Option<&str>,
) -> Reply {
    let query = super::parse_query(raw_query);
    ops::handle(&ops::Input {
        operation,
        param: routed.param.as_deref(),
        query: &query,
        body: &request.body,
        region: region.unwrap_or(DEFAULT_REGION),
    })
}
