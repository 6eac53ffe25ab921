//! Service Quotas (`ServiceQuotasV20190624.*`, JSON 1.1): the same SigV4 checks as Bedrock with
//! the signing name `servicequotas`, scenario overrides, and errors in the JSON 1.1 shape.

use super::{apply_override, auth, Outcome, Protocol, State};
use crate::http::Request;
use crate::quotas;
use crate::scenario::DEFAULT_REGION;
use crate::sigv4;
use crate::Call;

/// The Service Quotas operation of a JSON 1.1 request (`POST /` with
/// `X-Amz-Target: ServiceQuotasV20190624.<Operation>`), if this is one.
pub(super) fn operation<'a>(request: &'a Request, raw_path: &str) -> Option<&'a str> {
    if request.method != "POST" || raw_path != "/" {
        return None;
    }
    request
        .header("x-amz-target")?
        .strip_prefix(quotas::TARGET_PREFIX)
}

/// Service Quotas: the same SigV4 checks (signing name `servicequotas`), scenario overrides, and
/// errors in the JSON 1.1 shape.
pub(super) fn answer(
    state: &State,
    request: &Request,
    signed: &sigv4::SignedRequest<'_>,
    target: &str,
    scheme: (&'static str, bool),
    account: Option<&str>,
) -> (Outcome, u64) {
    let keys = state.credentials_for(auth::access_key_id(request));
    let (claimed, auth) = sigv4::verify_for(signed, &keys, state.now(), "servicequotas");
    let auth = auth::region_enabled(state, &claimed, auth);
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
                    &state.scenario.for_account(account).quotas,
                )
            };
            match state.take_override_for(account, op, region.as_deref(), None, &request.body) {
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

/// Service Quotas' JSON 1.1: `{"__type": …, "message": …}`; every error is a 400 but the
/// `ServiceException` fault.
const JSON_1_1: Protocol = Protocol {
    status_for: |code| if code == "ServiceException" { 500 } else { 400 },
    error: |status, code, message| quotas::error(status, code, message.unwrap_or_default()),
};
