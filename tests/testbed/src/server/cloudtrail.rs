//! CloudTrail (`com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.*`, JSON 1.1): the same
//! SigV4 checks as the other services with the signing name `cloudtrail`, `LookupEvents`' published
//! rate per account and Region answered with `ThrottlingException` when exceeded, scenario
//! overrides, and errors in the JSON 1.1 shape.

use super::{apply_override, auth, Outcome, Protocol, State};
use crate::cloudtrail;
use crate::http::Request;
use crate::scenario::DEFAULT_REGION;
use crate::sigv4;
use crate::Call;

/// The CloudTrail operation of a JSON 1.1 request (`POST /` with `X-Amz-Target:
/// com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.<Operation>`), if this is one.
pub(super) fn operation<'a>(request: &'a Request, raw_path: &str) -> Option<&'a str> {
    if request.method != "POST" || raw_path != "/" {
        return None;
    }
    let target = request.header("x-amz-target")?;
    target
        .strip_prefix(cloudtrail::TARGET_PREFIX)
        .or_else(|| target.strip_prefix(cloudtrail::SMITHY_TARGET_PREFIX))
}

pub(super) fn answer(
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
        "cloudtrail",
    );
    let auth = auth::region_enabled(state, &claimed, auth);
    let region = claimed.region.clone();
    let operation = cloudtrail::OPERATIONS
        .iter()
        .copied()
        .find(|o| *o == target);
    let mut delay = 0;
    let mut throttled = false;
    let outcome = match (operation, auth) {
        (None, _) => Outcome::Respond(cloudtrail::error(
            400,
            "UnknownOperationException",
            &format!("no handler for {target}"),
        )),
        (Some(_), Err(e)) => Outcome::Respond(cloudtrail::error(
            (JSON_1_1.status_for)(e.code),
            e.code,
            &e.message,
        )),
        (Some(op), Ok(()))
            if !state.cloudtrail_token(claimed.access_key_id.as_deref(), region.as_deref()) =>
        {
            let _ = op;
            throttled = true;
            Outcome::Respond(cloudtrail::error(
                400,
                "ThrottlingException",
                "Rate exceeded",
            ))
        }
        (Some(op), Ok(())) => {
            let region = region.as_deref().unwrap_or(DEFAULT_REGION);
            let default = || {
                cloudtrail::lookup_events(
                    &request.body,
                    region,
                    state.now(),
                    state.scenario.cloudtrail.as_ref(),
                )
            };
            match state.take_override_for(None, op, Some(region), None, &request.body) {
                Some(o) => {
                    delay = o.delay_ms;
                    apply_override(&o, op, &JSON_1_1, default)
                }
                None => Outcome::Respond(default()),
            }
        }
    };
    let mut call = Call::answered(
        "cloudtrail",
        operation.unwrap_or("UnknownOperation"),
        claimed,
        scheme,
        outcome.status(),
    );
    call.throttled = throttled;
    state.record(call);
    (outcome, delay)
}

/// CloudTrail's JSON 1.1: `{"__type": …, "message": …}`; every error is a 400 but a server fault.
const JSON_1_1: Protocol = Protocol {
    status_for: |code| {
        if code.ends_with("ServiceException") || code == "InternalFailure" {
            500
        } else {
            400
        }
    },
    error: |status, code, message| cloudtrail::error(status, code, message.unwrap_or_default()),
};
