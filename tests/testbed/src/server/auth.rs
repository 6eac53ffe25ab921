//! How a request authenticated: a Bedrock API key (`Authorization: Bearer`), a SigV4 signature,
//! or nothing; and a signature for a region the account has not enabled.

use super::State;
use crate::http::Request;
use crate::sigv4;

/// A request signed for one of the scenario's `disabled_regions` is refused as AWS refuses keys in
/// an opt-in region the account has not enabled: with the words for a key it does not know
/// (`UnrecognizedClientException`; STS says `InvalidClientTokenId`), although the same keys work in
/// every other region (https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-regions.html).
pub(super) fn region_enabled(
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

fn header<'a>(request: &'a Request, name: &str) -> Option<&'a str> {
    request
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// The access key id of a SigV4 `Authorization` header's credential scope.
pub(super) fn access_key_id(request: &Request) -> Option<&str> {
    let value = header(request, "authorization")?.strip_prefix("AWS4-HMAC-SHA256 ")?;
    let credential = value
        .split(',')
        .find_map(|part| part.trim().strip_prefix("Credential="))?;
    credential.split('/').next().filter(|k| !k.is_empty())
}

/// The key of an `Authorization: Bearer <key>` header (RFC 6750: the scheme is case-insensitive).
pub(super) fn bearer_token(request: &Request) -> Option<&str> {
    let value = header(request, "authorization")?;
    let (scheme, rest) = value.split_at_checked(6)?;
    if !scheme.eq_ignore_ascii_case("bearer") || !(rest.is_empty() || rest.starts_with(' ')) {
        return None;
    }
    Some(rest.trim())
}

/// How a request authenticated (`bearer`, `sigv4` or `none`), and whether it carried any part of a
/// SigV4 signature, so tests can tell an API-key call from a signed one.
pub(super) fn scheme(request: &Request, raw_query: &str) -> (&'static str, bool) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;

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
}
