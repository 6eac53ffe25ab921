//! Verifies AWS Signature Version 4 the way the Bedrock front door does, so credential
//! mistakes in the CLI meet the same errors as against AWS.
//!
//! Canonicalisation follows aws-sigv4 1.6 (`http_request/canonical_request.rs`): the path is the
//! raw (already percent-encoded) path encoded once more, because non-S3 services sign with
//! `PercentEncodingMode::Double`; the query is decoded, re-encoded and sorted.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::scenario::Credentials;

/// The parts of a request the signature covers.
pub struct SignedRequest<'a> {
    pub method: &'a str,
    pub raw_path: &'a str,
    pub raw_query: &'a str,
    /// Header names as received; names compare case-insensitively.
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

/// What the request claims, known even when verification fails (for `Stub::calls`).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Claimed {
    pub access_key_id: Option<String>,
    pub region: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AuthError {
    pub code: &'static str,
    pub message: String,
}

fn err(code: &'static str, message: impl Into<String>) -> AuthError {
    AuthError {
        code,
        message: message.into(),
    }
}

pub const INVALID_TOKEN: &str = "The security token included in the request is invalid.";
const BAD_SIGNATURE: &str = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";
/// AWS allows this much difference between the signing time and its own clock.
const MAX_SKEW_SECONDS: i64 = 5 * 60;

struct Authorization<'a> {
    access_key_id: &'a str,
    date: &'a str,
    region: &'a str,
    service: &'a str,
    signed_headers: Vec<&'a str>,
    signature: &'a str,
}

fn parse_authorization(value: &str) -> Option<Authorization<'_>> {
    let rest = value.strip_prefix("AWS4-HMAC-SHA256 ")?;
    let (mut credential, mut signed, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let (k, v) = part.trim().split_once('=')?;
        match k {
            "Credential" => credential = Some(v),
            "SignedHeaders" => signed = Some(v),
            "Signature" => signature = Some(v),
            _ => {}
        }
    }
    let scope: Vec<&str> = credential?.split('/').collect();
    let [access_key_id, date, region, service, "aws4_request"] = scope[..] else {
        return None;
    };
    Some(Authorization {
        access_key_id,
        date,
        region,
        service,
        signed_headers: signed?.split(';').collect(),
        signature: signature?,
    })
}

fn header<'a>(req: &'a SignedRequest<'_>, name: &str) -> Option<&'a str> {
    req.headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Checks the request against the accepted keys and the scenario clock (`now`, Unix seconds).
pub fn verify(
    req: &SignedRequest<'_>,
    accepted: &[Credentials],
    now: i64,
) -> (Claimed, Result<(), AuthError>) {
    verify_for(req, accepted, now, "bedrock")
}

/// As [`verify`], for a service other than Bedrock (the stub's STS signs as `sts`).
pub fn verify_for(
    req: &SignedRequest<'_>,
    accepted: &[Credentials],
    now: i64,
    service: &str,
) -> (Claimed, Result<(), AuthError>) {
    let Some(auth_value) = header(req, "authorization") else {
        return (
            Claimed::default(),
            Err(err(
                "MissingAuthenticationTokenException",
                "Missing Authentication Token",
            )),
        );
    };
    let Some(auth) = parse_authorization(auth_value) else {
        return (
            Claimed::default(),
            Err(err("IncompleteSignatureException", format!("Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters. Authorization={auth_value}"))),
        );
    };
    let claimed = Claimed {
        access_key_id: Some(auth.access_key_id.into()),
        region: Some(auth.region.into()),
    };
    let result = check(req, &auth, accepted, now, service);
    (claimed, result)
}

fn check(
    req: &SignedRequest<'_>,
    auth: &Authorization<'_>,
    accepted: &[Credentials],
    now: i64,
    service: &str,
) -> Result<(), AuthError> {
    let Some(key) = accepted
        .iter()
        .find(|c| c.access_key_id == auth.access_key_id)
    else {
        return Err(err("UnrecognizedClientException", INVALID_TOKEN));
    };
    let token = header(req, "x-amz-security-token");
    // An expired key without a pinned token treats any token as that expired one, so tests
    // need not copy the token text from the scenario.
    let any_token_expired =
        key.session_token_expired && key.session_token.is_none() && token.is_some();
    // A temporary key used without its token is unknown to AWS, hence "invalid", not "expired".
    let missing_token = key.session_token_expired && token.is_none();
    if (token != key.session_token.as_deref() && !any_token_expired) || missing_token {
        return Err(err("UnrecognizedClientException", INVALID_TOKEN));
    }
    if token.is_some() && key.session_token_expired {
        return Err(err(
            "ExpiredTokenException",
            "The security token included in the request is expired",
        ));
    }
    if auth.service != service {
        return Err(err(
            "InvalidSignatureException",
            format!("Credential should be scoped to correct service: '{service}'. "),
        ));
    }
    let Some(amz_date) = header(req, "x-amz-date") else {
        return Err(err(
            "IncompleteSignatureException",
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
        ));
    };
    let Some(signed_at) = parse_amz_date(amz_date) else {
        return Err(err(
            "IncompleteSignatureException",
            format!("Date must be in ISO-8601 'basic format'. Got '{amz_date}'."),
        ));
    };
    skew_check(amz_date, signed_at, now)?;
    if !amz_date.starts_with(auth.date) {
        return Err(err("InvalidSignatureException", format!("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{}' != '{}', from '{amz_date}'.", auth.date, &amz_date[..8.min(amz_date.len())])));
    }
    for name in &auth.signed_headers {
        if header(req, name).is_none() && *name != "host" {
            return Err(err("InvalidSignatureException", BAD_SIGNATURE));
        }
    }
    let payload_hash = match header(req, "x-amz-content-sha256") {
        Some(h) => h.to_string(),
        None => hex::encode(Sha256::digest(req.body)),
    };
    let canonical = canonical_request(req, &auth.signed_headers, &payload_hash);
    let scope = format!(
        "{}/{}/{}/aws4_request",
        auth.date, auth.region, auth.service
    );
    let to_sign = string_to_sign(amz_date, &scope, &canonical);
    let key_bytes = signing_key(&key.secret_access_key, auth.date, auth.region, auth.service);
    let expected = hex::encode(hmac(&key_bytes, to_sign.as_bytes()));
    if expected != auth.signature {
        return Err(err("InvalidSignatureException", BAD_SIGNATURE));
    }
    Ok(())
}

fn skew_check(amz_date: &str, signed_at: i64, now: i64) -> Result<(), AuthError> {
    if signed_at < now - MAX_SKEW_SECONDS {
        return Err(err(
            "InvalidSignatureException",
            format!(
                "Signature expired: {amz_date} is now earlier than {} ({} - 5 min.)",
                format_amz_date(now - MAX_SKEW_SECONDS),
                format_amz_date(now)
            ),
        ));
    }
    if signed_at > now + MAX_SKEW_SECONDS {
        return Err(err(
            "InvalidSignatureException",
            format!(
                "Signature not yet current: {amz_date} is still later than {} ({} + 5 min.)",
                format_amz_date(now + MAX_SKEW_SECONDS),
                format_amz_date(now)
            ),
        ));
    }
    Ok(())
}

/// Characters SigV4 never encodes (RFC 3986 unreserved).
fn unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

fn encode(s: &[u8], keep_slash: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s {
        if unreserved(b) || (keep_slash && b == b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decodes `application/x-www-form-urlencoded` text the way `form_urlencoded::parse` does.
fn form_decode(s: &str) -> Vec<u8> {
    let plus = s.replace('+', " ");
    percent_encoding::percent_decode_str(&plus).collect()
}

fn canonical_query(raw_query: &str) -> String {
    let mut pairs: Vec<(String, String)> = raw_query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (
                encode(&form_decode(k), false),
                encode(&form_decode(v), false),
            )
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// Collapses runs of spaces and trims, as SigV4 requires of header values.
fn trim_all(v: &str) -> String {
    v.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub fn canonical_request(
    req: &SignedRequest<'_>,
    signed_headers: &[&str],
    payload_hash: &str,
) -> String {
    let path = if req.raw_path.is_empty() {
        "/"
    } else {
        req.raw_path
    };
    let mut out = format!(
        "{}\n{}\n{}\n",
        req.method,
        encode(path.as_bytes(), true),
        canonical_query(req.raw_query)
    );
    for name in signed_headers {
        let values: Vec<String> = req
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| trim_all(v))
            .collect();
        out.push_str(&format!("{name}:{}\n", values.join(",")));
    }
    out.push_str(&format!("\n{}\n{payload_hash}", signed_headers.join(";")));
    out
}

pub fn string_to_sign(amz_date: &str, scope: &str, canonical_request: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        hex::encode(Sha256::digest(canonical_request.as_bytes()))
    )
}

pub fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

pub fn signing_key(secret: &str, date: &str, region: &str, service: &str) -> Vec<u8> {
    let k = hmac(format!("AWS4{secret}").as_bytes(), date.as_bytes());
    let k = hmac(&k, region.as_bytes());
    let k = hmac(&k, service.as_bytes());
    hmac(&k, b"aws4_request")
}

// Civil-date conversions (Howard Hinnant's algorithms) keep the crate free of a date library;
// CloudTrail's event times use them too.
pub(crate) fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

pub(crate) fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// `20180920T174101Z` → Unix seconds.
pub fn parse_amz_date(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, mo, d) = (num(0..4)?, num(4..6)?, num(6..8)?);
    let (h, mi, se) = (num(9..11)?, num(11..13)?, num(13..15)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    Some(days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se)
}

pub fn format_amz_date(t: i64) -> String {
    let (y, m, d) = civil_from_days(t.div_euclid(86400));
    let s = t.rem_euclid(86400);
    format!(
        "{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds() -> Vec<Credentials> {
        vec![Credentials {
            access_key_id: crate::TEST_ACCESS_KEY_ID.into(),
            secret_access_key: crate::TEST_SECRET_ACCESS_KEY.into(),
            session_token: None,
            session_token_expired: false,
        }]
    }

    /// Headers of a request as the Rust SDK sends it, signed at 2024-01-02T03:04:05Z.
    /// The signature was derived independently with Python's hmac/hashlib from the same inputs
    /// (path double-encoded, query sorted).
    const SIGNATURE: &str = "527199a59b107f84649bb39782273a694bab0c7ce0296c784c4adb36bd87891c";

    fn fixture(signature: &str) -> Vec<(String, String)> {
        vec![
            ("Host".into(), "127.0.0.1:8080".into()),
            ("X-Amz-Date".into(), "20240102T030405Z".into()),
            ("Content-Type".into(), "application/json".into()),
            ("Authorization".into(), format!("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240102/us-west-2/bedrock/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature={signature}")),
        ]
    }

    fn request<'a>(headers: &'a [(String, String)]) -> SignedRequest<'a> {
        SignedRequest {
            method: "POST",
            raw_path: "/model/anthropic.claude-3-haiku-20240307-v1%3A0/invoke",
            raw_query: "b=2&a=x%20y",
            headers,
            body: b"{\"max_tokens\":1}",
        }
    }

    #[test]
    fn canonical_request_double_encodes_path_and_sorts_query() {
        let headers = fixture("x");
        let c = canonical_request(
            &request(&headers),
            &["content-type", "host", "x-amz-date"],
            "h",
        );
        assert_eq!(
            c,
            "POST\n/model/anthropic.claude-3-haiku-20240307-v1%253A0/invoke\na=x%20y&b=2\ncontent-type:application/json\nhost:127.0.0.1:8080\nx-amz-date:20240102T030405Z\n\ncontent-type;host;x-amz-date\nh"
        );
    }

    #[test]
    fn accepts_the_independently_computed_signature() {
        let now = parse_amz_date("20240102T030405Z").unwrap();
        let headers = fixture(SIGNATURE);
        let (claimed, result) = verify(&request(&headers), &creds(), now);
        assert_eq!(result, Ok(()));
        assert_eq!(claimed.region.as_deref(), Some("us-west-2"));
        let tampered = fixture(&SIGNATURE.replace(&SIGNATURE[..1], "0"));
        assert_eq!(
            verify(&request(&tampered), &creds(), now)
                .1
                .unwrap_err()
                .code,
            "InvalidSignatureException"
        );
    }

    #[test]
    fn reports_skew_with_real_timestamps() {
        let headers = fixture(SIGNATURE);
        let signed = parse_amz_date("20240102T030405Z").unwrap();
        let e = verify(&request(&headers), &creds(), signed + 600)
            .1
            .unwrap_err();
        assert_eq!(e.message, "Signature expired: 20240102T030405Z is now earlier than 20240102T030905Z (20240102T031405Z - 5 min.)");
        let e = verify(&request(&headers), &creds(), signed - 600)
            .1
            .unwrap_err();
        assert_eq!(e.message, "Signature not yet current: 20240102T030405Z is still later than 20240102T025905Z (20240102T025405Z + 5 min.)");
    }

    #[test]
    fn unknown_key_and_missing_header() {
        let mut headers = fixture(SIGNATURE);
        headers[3].1 = headers[3].1.replace("AKIAIOSFODNN7EXAMPLE", "AKIAOTHER");
        let e = verify(&request(&headers), &creds(), 0).1.unwrap_err();
        assert_eq!(
            (e.code, e.message.as_str()),
            ("UnrecognizedClientException", INVALID_TOKEN)
        );
        headers.pop();
        assert_eq!(
            verify(&request(&headers), &creds(), 0).1.unwrap_err().code,
            "MissingAuthenticationTokenException"
        );
    }

    #[test]
    fn amz_dates_round_trip() {
        for s in [
            "19700101T000000Z",
            "20180920T174101Z",
            "20240229T235959Z",
            "21000301T120000Z",
        ] {
            assert_eq!(format_amz_date(parse_amz_date(s).unwrap()), s);
        }
        assert_eq!(parse_amz_date("20180920T174101Z"), Some(1537465261));
    }
}
