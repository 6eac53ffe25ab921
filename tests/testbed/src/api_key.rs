//! Bedrock API keys (`Authorization: Bearer <key>`): making them as AWS's token generators do, and
//! refusing them as Bedrock's front door does.
//!
//! A short-term key is `bedrock-api-key-` and the base64 of a SigV4-presigned URL for
//! `POST https://bedrock.amazonaws.com/?Action=CallWithBearerToken`, followed by `&Version=1`
//! (aws-bedrock-token-generator-python and -js). A long-term key is `ABSK` and the base64 of
//! `BedrockAPIKey-<id>-at-<account>:<secret>`.
//!
//! Refusals are what AWS was seen sending: HTTP 403, `x-amzn-ErrorType: AccessDeniedException` from
//! the `com.amazon.coral.service` front door, and a `{"Message": ...}` body (karthink/gptel#1397,
//! awslabs/aws-sdk-swift#1991). A value without a Bedrock prefix gets "Invalid API Key format"
//! (farion1231/cc-switch#1679); a well-formed key that is unknown, expired or of another Region
//! gets "Authentication failed" (ai4s-research/open-science#53 for a key of another Region,
//! anomalyco/opencode#47073 for an expired one). What AWS answers to an empty bearer token was not
//! seen; the stub treats it as a value without a prefix.

use base64::Engine as _;

use crate::scenario::{ApiKey, Credentials};
use crate::sigv4::{self, AuthError, SignedRequest};

pub const SHORT_TERM_PREFIX: &str = "bedrock-api-key-";
pub const LONG_TERM_PREFIX: &str = "ABSK";

pub const KEY_FORMAT_INVALID: &str = "Invalid API Key format: Must start with pre-defined prefix";
pub const KEY_INVALID: &str = "Authentication failed: Please make sure your API Key is valid.";

const HOST: &str = "bedrock.amazonaws.com";

/// A short-term key made from `creds` for `region`, signed at `signed_at` (Unix seconds) and valid
/// for `expires` seconds, with a real SigV4 query signature.
pub fn short_term_key(creds: &Credentials, region: &str, signed_at: i64, expires: u64) -> String {
    let amz_date = sigv4::format_amz_date(signed_at);
    let date = &amz_date[..8];
    let scope = format!("{date}/{region}/bedrock/aws4_request");
    let mut query = format!(
        "Action=CallWithBearerToken&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential={}&X-Amz-Date={amz_date}&X-Amz-Expires={expires}",
        encode(&format!("{}/{scope}", creds.access_key_id))
    );
    if let Some(token) = &creds.session_token {
        query.push_str(&format!("&X-Amz-Security-Token={}", encode(token)));
    }
    query.push_str("&X-Amz-SignedHeaders=host");
    let headers = [("host".to_string(), HOST.to_string())];
    let canonical = sigv4::canonical_request(
        &SignedRequest {
            method: "POST",
            raw_path: "/",
            raw_query: &query,
            headers: &headers,
            body: b"",
        },
        &["host"],
        "UNSIGNED-PAYLOAD",
    );
    let to_sign = sigv4::string_to_sign(&amz_date, &scope, &canonical);
    let key = sigv4::signing_key(&creds.secret_access_key, date, region, "bedrock");
    let signature = hex::encode(sigv4::hmac(&key, to_sign.as_bytes()));
    let url = format!("{HOST}/?{query}&X-Amz-Signature={signature}&Version=1");
    format!(
        "{SHORT_TERM_PREFIX}{}",
        base64::engine::general_purpose::STANDARD.encode(url)
    )
}

/// A long-term key of IAM user `BedrockAPIKey-<id>` in `account`.
pub fn long_term_key(id: &str, account: &str, secret: &str) -> String {
    format!(
        "{LONG_TERM_PREFIX}{}",
        base64::engine::general_purpose::STANDARD
            .encode(format!("BedrockAPIKey-{id}-at-{account}:{secret}"))
    )
}

/// SigV4 query encoding: everything but RFC 3986's unreserved characters.
fn encode(text: &str) -> String {
    const RESERVED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(text, RESERVED).to_string()
}

/// Whether `token` may call the endpoint of `region` at `now` (Unix seconds).
pub fn verify(token: &str, accepted: &[ApiKey], region: &str, now: i64) -> Result<(), AuthError> {
    let refused = |message: &str| AuthError {
        code: "AccessDeniedException",
        message: message.to_string(),
    };
    if !token.starts_with(SHORT_TERM_PREFIX) && !token.starts_with(LONG_TERM_PREFIX) {
        return Err(refused(KEY_FORMAT_INVALID));
    }
    let Some(key) = accepted.iter().find(|k| k.key == token) else {
        return Err(refused(KEY_INVALID));
    };
    if key.region.as_deref().is_some_and(|r| r != region) {
        return Err(refused(KEY_INVALID));
    }
    if short_term_expiry(token).is_some_and(|expiry| now >= expiry) {
        return Err(refused(KEY_INVALID));
    }
    Ok(())
}

/// When a short-term key stops working: `X-Amz-Date` + `X-Amz-Expires` of its presigned URL.
fn short_term_expiry(token: &str) -> Option<i64> {
    let encoded = token.strip_prefix(SHORT_TERM_PREFIX)?;
    let url = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok()?;
    let url = String::from_utf8(url).ok()?;
    let (_, query) = url.split_once('?')?;
    let param = |name: &str| {
        query
            .split('&')
            .find_map(|p| p.strip_prefix(name)?.strip_prefix('='))
    };
    let signed = sigv4::parse_amz_date(param("X-Amz-Date")?)?;
    let expires: i64 = param("X-Amz-Expires")?.parse().ok()?;
    signed.checked_add(expires)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds() -> Credentials {
        Credentials {
            access_key_id: crate::TEST_ACCESS_KEY_ID.into(),
            secret_access_key: crate::TEST_SECRET_ACCESS_KEY.into(),
            session_token: None,
            session_token_expired: false,
        }
    }

    fn accepted(key: &str, region: Option<&str>) -> Vec<ApiKey> {
        vec![ApiKey {
            key: key.into(),
            region: region.map(str::to_string),
        }]
    }

    const NOW: i64 = 1_767_600_000; // 2026-01-05T08:00:00Z

    #[test]
    fn short_term_keys_carry_a_presigned_url() {
        let key = short_term_key(&creds(), "eu-west-1", NOW, 43200);
        let url = base64::engine::general_purpose::STANDARD
            .decode(key.strip_prefix(SHORT_TERM_PREFIX).unwrap())
            .unwrap();
        let url = String::from_utf8(url).unwrap();
        assert!(
            url.starts_with("bedrock.amazonaws.com/?Action=CallWithBearerToken&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20260105%2Feu-west-1%2Fbedrock%2Faws4_request&X-Amz-Date=20260105T080000Z&X-Amz-Expires=43200"),
            "{url}"
        );
        assert!(url.ends_with("&Version=1"), "{url}");
        assert_eq!(short_term_expiry(&key), Some(NOW + 43200));
    }

    #[test]
    fn accepts_listed_keys_in_their_region_until_they_expire() {
        let key = short_term_key(&creds(), "us-east-1", NOW, 3600);
        let list = accepted(&key, Some("us-east-1"));
        assert_eq!(verify(&key, &list, "us-east-1", NOW + 10), Ok(()));
        for (region, now) in [("eu-west-1", NOW + 10), ("us-east-1", NOW + 3600)] {
            assert_eq!(
                verify(&key, &list, region, now).unwrap_err().message,
                KEY_INVALID,
                "{region} at {now}"
            );
        }
        let long = long_term_key("g28r", "123456789012", "c2VjcmV0");
        assert_eq!(
            verify(&long, &accepted(&long, None), "ap-south-1", NOW),
            Ok(())
        );
        let unknown = long_term_key("zzzz", "123456789012", "b3RoZXI=");
        assert_eq!(
            verify(&unknown, &accepted(&long, None), "us-east-1", NOW)
                .unwrap_err()
                .message,
            KEY_INVALID
        );
    }

    #[test]
    fn refuses_values_without_a_bedrock_prefix() {
        for token in ["", "AKIAIOSFODNN7EXAMPLE", "eyJhbGciOiJIUzI1NiJ9"] {
            let e = verify(token, &[], "us-east-1", NOW).unwrap_err();
            assert_eq!(
                (e.code, e.message.as_str()),
                ("AccessDeniedException", KEY_FORMAT_INVALID)
            );
        }
    }
}
