//! IAM (AWS query protocol, XML), for what moto cannot play: `SimulatePrincipalPolicy`, which moto
//! answers with a 500. The shapes are botocore's `iam/2010-05-08/service-2.json` (the drift test
//! in `tests/botocore_models.rs` checks this answer against it); the decisions come from the
//! scenario's `[iam_decisions]`, every other action `allowed`.

use super::{sts, Outcome, State};
use crate::http::Request;
use crate::ops::Reply;
use crate::sigv4;
use crate::Call;

/// IAM's XML namespace (the model's `metadata.xmlNamespace`).
const NAMESPACE: &str = "https://iam.amazonaws.com/doc/2010-05-08/";

/// Whether this query-protocol request is signed for IAM (its SigV4 credential scope names `iam`).
pub(super) fn signed_for_iam(request: &Request) -> bool {
    request.headers.iter().any(|(name, value)| {
        name.eq_ignore_ascii_case("authorization") && value.contains("/iam/aws4_request")
    })
}

/// The answer to an IAM request whose `Action` is `action`.
pub(super) fn answer(
    state: &State,
    action: String,
    body: &[u8],
    claimed: sigv4::Claimed,
    auth: Result<(), sigv4::AuthError>,
    scheme: (&'static str, bool),
) -> (Outcome, u64) {
    let refused = sts::refusal(state, "iam", &action, &claimed, auth);
    let throttled = refused.as_ref().is_some_and(|r| r.throttled);
    let reply = match (action.as_str(), refused) {
        (_, Some(r)) => error(r.status, r.code, &r.message),
        ("SimulatePrincipalPolicy", None) => {
            let params = std::str::from_utf8(body)
                .map(super::parse_query)
                .unwrap_or_default();
            simulate(state, &params)
        }
        (_, None) => error(
            400,
            "InvalidAction",
            &format!("Could not find operation {action} for version 2010-05-08"),
        ),
    };
    state.record(Call {
        throttled,
        ..Call::answered("iam", &action, claimed, scheme, reply.status)
    });
    (Outcome::Respond(reply), 0)
}

/// One `EvaluationResult` per action and resource (`*` when the request names none), a page of at
/// most `MaxItems` (1 to 1000, default 100) from `Marker` on.
fn simulate(state: &State, params: &[(String, String)]) -> Reply {
    let one = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let list = |name: &str| {
        let prefix = format!("{name}.member.");
        let mut items: Vec<(u32, &str)> = params
            .iter()
            .filter_map(|(k, v)| Some((k.strip_prefix(&prefix)?.parse().ok()?, v.as_str())))
            .collect();
        items.sort_by_key(|(n, _)| *n);
        items.into_iter().map(|(_, v)| v).collect::<Vec<_>>()
    };
    if !one("PolicySourceArn").is_some_and(|arn| arn.starts_with("arn:")) {
        return error(
            400,
            "InvalidInput",
            "PolicySourceArn is required and must be an ARN.",
        );
    }
    let actions = list("ActionNames");
    if actions.is_empty() {
        return error(400, "InvalidInput", "ActionNames is required.");
    }
    let max_items = match one("MaxItems").map(str::parse::<usize>) {
        None => 100,
        Some(Ok(n @ 1..=1000)) => n,
        Some(_) => return error(400, "InvalidInput", "MaxItems must be between 1 and 1000."),
    };
    let start = match one("Marker").map(str::parse::<usize>) {
        None => 0,
        Some(Ok(n)) => n,
        Some(Err(_)) => return error(400, "InvalidInput", "Invalid Marker."),
    };
    let mut resources = list("ResourceArns");
    if resources.is_empty() {
        resources.push("*");
    }
    let results: Vec<(&str, &str)> = actions
        .iter()
        .flat_map(|a| resources.iter().map(move |r| (*a, *r)))
        .collect();
    let page = results.iter().skip(start).take(max_items);
    let mut members = String::new();
    for (action, resource) in page {
        let decision = state
            .scenario
            .iam_decisions
            .get(*action)
            .map_or("allowed", String::as_str);
        members.push_str(&format!(
            "<member><EvalActionName>{}</EvalActionName><EvalResourceName>{}</EvalResourceName><EvalDecision>{decision}</EvalDecision><MatchedStatements/><MissingContextValues/></member>",
            sts::xml_escape(action),
            sts::xml_escape(resource),
        ));
    }
    let next = start + max_items;
    let marker = if next < results.len() {
        format!("<IsTruncated>true</IsTruncated><Marker>{next}</Marker>")
    } else {
        "<IsTruncated>false</IsTruncated>".to_string()
    };
    xml(
        200,
        &format!(
            "<SimulatePrincipalPolicyResponse xmlns=\"{NAMESPACE}\"><SimulatePrincipalPolicyResult><EvaluationResults>{members}</EvaluationResults>{marker}</SimulatePrincipalPolicyResult><ResponseMetadata><RequestId>{}</RequestId></ResponseMetadata></SimulatePrincipalPolicyResponse>",
            crate::request_id()
        ),
    )
}

/// An IAM error in the query protocol's `<ErrorResponse>` body.
fn error(status: u16, code: &str, message: &str) -> Reply {
    let kind = if status >= 500 { "Receiver" } else { "Sender" };
    xml(
        status,
        &format!(
            "<ErrorResponse xmlns=\"{NAMESPACE}\"><Error><Type>{kind}</Type><Code>{code}</Code><Message>{}</Message></Error><RequestId>{}</RequestId></ErrorResponse>",
            sts::xml_escape(message),
            crate::request_id()
        ),
    )
}

fn xml(status: u16, body: &str) -> Reply {
    Reply {
        status,
        content_type: "text/xml",
        headers: Vec::new(),
        body: body.as_bytes().to_vec(),
    }
}
