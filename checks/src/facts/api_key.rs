//! Bedrock API keys (`AWS_BEARER_TOKEN_BEDROCK`): which one the SDK will send instead of signing,
//! and what can be read from it offline, without ever keeping or showing the key itself.
//!
//! Formats, from AWS's token generators (aws-bedrock-token-generator-python and -js): a short-term
//! key is `bedrock-api-key-` followed by the base64 of a SigV4-presigned URL,
//! `bedrock.amazonaws.com/?Action=CallWithBearerToken&X-Amz-Algorithm=...&X-Amz-Credential=<key id>/<date>/<region>/bedrock/aws4_request&X-Amz-Date=...&X-Amz-Expires=...&X-Amz-Signature=...&Version=1`,
//! so its Region and expiry are readable. A long-term key is an IAM service-specific credential,
//! `ABSK` followed by the base64 of `BedrockAPIKey-<id>-at-<account>:<secret>`; what precedes the
//! colon names the IAM user the console created for it. AWS does not document either layout, so
//! every field read here is optional and a key that does not parse is still reported by its kind.

use crate::timefmt::{human_duration, rfc3339, Fraction, Largest};
use aws_smithy_types::date_time::Format;
use aws_smithy_types::DateTime;
use std::time::{Duration, SystemTime};

/// The variable AWS documents; the SDKs read it for services whose signing name is `bedrock`.
pub const VARIABLE: &str = "AWS_BEARER_TOKEN_BEDROCK";
/// The Rust SDK also reads the service-less form when the Bedrock one is unset (aws-runtime
/// `env_config`: the service-specific variable first, then the global one).
pub const GLOBAL_VARIABLE: &str = "AWS_BEARER_TOKEN";

pub const SHORT_TERM_PREFIX: &str = "bedrock-api-key-";
pub const LONG_TERM_PREFIX: &str = "ABSK";

/// The variable that holds the key and its value, found as the SDK finds it: for the one place that
/// hands the value to the SDK, and for [`ApiKey::from_env`]. Nothing else keeps the value.
pub fn value_from_env() -> Option<(&'static str, String)> {
    [VARIABLE, GLOBAL_VARIABLE].into_iter().find_map(|var| {
        let value = std::env::var_os(var)?;
        Some((var, value.to_string_lossy().into_owned()))
    })
}

/// `text` with every Bedrock API key in it masked, whole or cut short (an endpoint that does not
/// take API keys may quote the `Authorization` header back, as SigV4 errors do), and with the value
/// of the key variable itself masked whatever its format. Reports and logs go through this.
pub fn scrub(text: &str) -> String {
    static KEYS: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let keys = KEYS.get_or_init(|| {
        regex::Regex::new(r"(bedrock-api-key-|ABSK)([A-Za-z0-9+/=%_-]{4})[A-Za-z0-9+/=%_-]+")
            .expect("a valid pattern")
    });
    let mut out = keys.replace_all(text, "${1}${2}…").into_owned();
    if let Some((_, value)) = value_from_env() {
        let value = value.trim();
        if value.len() >= 8 {
            out = out.replace(value, "<redacted>");
        }
    }
    out
}

/// What a key is, as far as it can be read without asking AWS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyKind {
    /// Set, but empty or only whitespace.
    Empty,
    /// `bedrock-api-key-…`; `None` when the presigned URL inside could not be read.
    ShortTerm(Option<ShortTerm>),
    /// `ABSK…`; `None` when the IAM user could not be read.
    LongTerm(Option<LongTerm>),
    /// Neither prefix: not a format Bedrock issues.
    Unrecognised,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShortTerm {
    /// The Region of the credential scope: the only Region the key works in.
    pub region: String,
    pub signed_at: SystemTime,
    /// `X-Amz-Date` + `X-Amz-Expires`: the latest the key can work (a key made from temporary
    /// credentials dies with their session, possibly earlier).
    pub expires_at: SystemTime,
    /// Whether the key was made from temporary credentials (`X-Amz-Security-Token` present).
    pub from_session: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LongTerm {
    /// The IAM user the key belongs to, e.g. `BedrockAPIKey-g28r`.
    pub user: String,
    pub account: String,
}

/// A Bedrock API key found in the environment: never the key itself, only what may be shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    /// The variable it came from.
    pub variable: &'static str,
    /// The key's first characters and `…`: enough to recognise it, far too little to use it.
    pub shown: String,
    pub kind: KeyKind,
    /// Characters an HTTP header cannot carry (a pasted line break): the SDK refuses to send it.
    pub unsendable: bool,
    /// Leading or trailing spaces, which the SDK sends as part of the key.
    pub padded: bool,
}

/// What the key itself says is wrong with it for this run: a diagnosis code and the detail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfflineProblem {
    pub code: &'static str,
    pub detail: String,
}

impl ApiKey {
    /// The key the SDK will use, looked up as the SDK does: `AWS_BEARER_TOKEN_BEDROCK`, else
    /// `AWS_BEARER_TOKEN`. A variable that is set but empty counts: the SDK uses it too.
    pub fn from_env() -> Option<ApiKey> {
        let (variable, value) = value_from_env()?;
        Some(ApiKey::parse(variable, &value))
    }

    /// Reads what can be read of `value`; only the masked prefix and the decoded facts are kept.
    pub fn parse(variable: &'static str, value: &str) -> ApiKey {
        let trimmed = value.trim();
        let kind = if trimmed.is_empty() {
            KeyKind::Empty
        } else if let Some(rest) = trimmed.strip_prefix(SHORT_TERM_PREFIX) {
            KeyKind::ShortTerm(decode_short_term(rest))
        } else if let Some(rest) = trimmed.strip_prefix(LONG_TERM_PREFIX) {
            KeyKind::LongTerm(decode_long_term(rest))
        } else {
            KeyKind::Unrecognised
        };
        ApiKey {
            variable,
            shown: shown(trimmed),
            kind,
            unsendable: value.chars().any(|c| c.is_control()),
            padded: !trimmed.is_empty() && trimmed.len() != value.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.kind == KeyKind::Empty
    }

    /// The short-term key's Region, if it could be read.
    pub fn region(&self) -> Option<&str> {
        match &self.kind {
            KeyKind::ShortTerm(Some(st)) => Some(&st.region),
            _ => None,
        }
    }

    /// `bedrock-api-key-YmVk… (short-term, us-east-1, expires in 11 h)`, for summaries.
    pub fn describe(&self, now: SystemTime) -> String {
        let detail = match &self.kind {
            KeyKind::Empty => return "empty".into(),
            KeyKind::ShortTerm(Some(st)) => format!(
                "short-term, {}, {}",
                st.region,
                match st.expires_at.duration_since(now) {
                    Ok(left) => format!("expires in {}", human_duration(left, Largest::Days)),
                    Err(_) => "expired".into(),
                }
            ),
            KeyKind::ShortTerm(None) => "short-term, its Region and expiry unreadable".into(),
            KeyKind::LongTerm(Some(lt)) => {
                format!("long-term, IAM user {} of account {}", lt.user, lt.account)
            }
            KeyKind::LongTerm(None) => "long-term".into(),
            KeyKind::Unrecognised => "not a Bedrock API key format".into(),
        };
        format!("{} ({detail})", self.shown)
    }

    /// What the key shows to be wrong before anything is sent: expired, or for another Region.
    pub fn offline_problem(&self, region: Option<&str>, now: SystemTime) -> Option<OfflineProblem> {
        let KeyKind::ShortTerm(Some(st)) = &self.kind else {
            return None;
        };
        if let Err(past) = st.expires_at.duration_since(now) {
            return Some(OfflineProblem {
                code: crate::dx::API_KEY_EXPIRED,
                detail: format!(
                    "the short-term key expired {} ago, at {}",
                    human_duration(past.duration(), Largest::Days),
                    rfc3339(st.expires_at, Fraction::WhenNonZero)
                ),
            });
        }
        let region = region?;
        (st.region != region).then(|| OfflineProblem {
            code: crate::dx::API_KEY_OTHER_REGION,
            detail: format!(
                "the short-term key was generated for {}, and short-term keys work only in their Region; this run calls {region}",
                st.region
            ),
        })
    }

    /// What the AWS documentation says follows from using this kind of key, for the evidence.
    pub fn consequences(&self) -> String {
        const SCOPE: &str = "Bedrock and Bedrock Runtime operations accept it (not \
            InvokeModelWithBidirectionalStream, Agents or Data Automation); STS, IAM and Organizations \
            need AWS credentials from the provider chain; every call needs \
            bedrock:CallWithBearerToken on the principal behind the key";
        match &self.kind {
            KeyKind::Empty => format!(
                "{} is set but empty: the AWS SDKs send an empty API key instead of signing with AWS \
                 credentials",
                self.variable
            ),
            KeyKind::ShortTerm(st) => {
                let validity = match st {
                    Some(st) => format!(
                        "works only in {} and until {} at the latest{}",
                        st.region,
                        rfc3339(st.expires_at, Fraction::WhenNonZero),
                        if st.from_session {
                            " (made from temporary credentials: it ends with their session if that is sooner)"
                        } else {
                            ""
                        }
                    ),
                    None => "works only in the Region it was generated for, for 12 hours at most".into(),
                };
                format!(
                    "short-term key: a presigned URL made from the credentials of the principal that \
                     generated it, with that principal's permissions; it {validity}; {SCOPE}"
                )
            }
            KeyKind::LongTerm(lt) => {
                let owner = match lt {
                    Some(lt) => format!("IAM user {} of account {}", lt.user, lt.account),
                    None => "an IAM user".into(),
                };
                format!(
                    "long-term key: an IAM service-specific credential of {owner}, with that user's \
                     permissions (AmazonBedrockLimitedAccess when created in the console); it works in \
                     every Region until the expiry set when it was created (not readable from the key); \
                     AWS recommends long-term keys only for exploration; {SCOPE}"
                )
            }
            KeyKind::Unrecognised => format!(
                "not a Bedrock API key: short-term keys start with `{SHORT_TERM_PREFIX}` and long-term \
                 keys with `{LONG_TERM_PREFIX}`; Bedrock refuses other values (\"Invalid API Key format\")"
            ),
        }
    }
}

/// The known prefix (if any) and at most four more characters: a short-term key's next characters
/// encode the constant `bedrock.amazonaws.com`, a long-term key's the constant `BedrockAPIKey-`, so
/// nothing secret is shown; of any other value at most a quarter is, up to four characters.
fn shown(value: &str) -> String {
    let prefix = [SHORT_TERM_PREFIX, LONG_TERM_PREFIX]
        .into_iter()
        .find(|p| value.starts_with(p))
        .unwrap_or("");
    let rest = &value[prefix.len()..];
    let count = rest.chars().count();
    let visible = if prefix.is_empty() {
        (count / 4).min(4)
    } else {
        count.min(4)
    };
    let head: String = rest.chars().take(visible).collect();
    format!("{prefix}{head}…")
}

fn decode_base64(text: &str) -> Option<String> {
    let bytes = aws_smithy_types::base64::decode(text).ok()?;
    String::from_utf8(bytes).ok()
}

fn decode_short_term(rest: &str) -> Option<ShortTerm> {
    let url = decode_base64(rest)?;
    let (_, query) = url.split_once('?')?;
    let param = |name: &str| {
        query.split('&').find_map(|pair| {
            let (k, v) = pair.split_once('=')?;
            (k == name).then(|| percent_decode(v))
        })
    };
    let credential = param("X-Amz-Credential")?;
    let scope: Vec<&str> = credential.split('/').collect();
    let [_, _, region, "bedrock", "aws4_request"] = scope[..] else {
        return None;
    };
    let signed_at = parse_amz_date(&param("X-Amz-Date")?)?;
    let expires: u64 = param("X-Amz-Expires")?.parse().ok()?;
    Some(ShortTerm {
        region: region.to_string(),
        signed_at,
        expires_at: signed_at.checked_add(Duration::from_secs(expires))?,
        from_session: param("X-Amz-Security-Token").is_some(),
    })
}

fn decode_long_term(rest: &str) -> Option<LongTerm> {
    let decoded = decode_base64(rest)?;
    let (name, _secret) = decoded.split_once(':')?;
    let (user, account) = name.rsplit_once("-at-")?;
    let plausible = user.starts_with("BedrockAPIKey-")
        && account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit());
    plausible.then(|| LongTerm {
        user: user.to_string(),
        account: account.to_string(),
    })
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `20260101T120000Z` (SigV4's basic ISO 8601) to a time.
fn parse_amz_date(text: &str) -> Option<SystemTime> {
    let b = text.as_bytes();
    let digits = |r: std::ops::Range<usize>| {
        b.get(r.clone())
            .filter(|d| d.iter().all(u8::is_ascii_digit))
            .map(|_| &text[r])
    };
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let iso = format!(
        "{}-{}-{}T{}:{}:{}Z",
        digits(0..4)?,
        digits(4..6)?,
        digits(6..8)?,
        digits(9..11)?,
        digits(11..13)?,
        digits(13..15)?
    );
    SystemTime::try_from(DateTime::from_str(&iso, Format::DateTime).ok()?).ok()
}

/// Keys shaped like AWS's, for unit tests.
#[cfg(test)]
pub(crate) mod test_keys {
    use super::*;
    use base64::Engine as _;

    pub fn b64(text: &str) -> String {
        base64::engine::general_purpose::STANDARD.encode(text)
    }

    /// A short-term key shaped like the ones aws-bedrock-token-generator-js makes, signed at
    /// `date` (SigV4 basic format) for `expires` seconds.
    pub fn short_term(region: &str, date: &str, expires: u64, token: bool) -> String {
        let token = if token {
            "&X-Amz-Security-Token=IQoJb3JpZ2luX2VjEXAMPLE%2Btoken%3D"
        } else {
            ""
        };
        let url = format!(
            "bedrock.amazonaws.com/?Action=CallWithBearerToken&X-Amz-Algorithm=AWS4-HMAC-SHA256\
             &X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F{}%2F{region}%2Fbedrock%2Faws4_request\
             &X-Amz-Date={date}&X-Amz-Expires={expires}{token}&X-Amz-SignedHeaders=host\
             &X-Amz-Signature=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef&Version=1",
            &date[..8]
        );
        format!("{SHORT_TERM_PREFIX}{}", b64(&url))
    }

    /// A short-term key signed `ago` before now for `expires` seconds.
    pub fn short_term_signed_ago(region: &str, ago: Duration, expires: u64) -> String {
        let secs = (SystemTime::now() - ago)
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let signed = DateTime::from_secs(secs as i64);
        let text = signed.fmt(Format::DateTime).unwrap();
        let date: String = text.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
        short_term(region, &date, expires, false)
    }

    /// A long-term key: `ABSK` and the base64 of `BedrockAPIKey-<id>-at-<account>:<secret>`.
    pub fn long_term(secret: &str) -> String {
        format!(
            "{LONG_TERM_PREFIX}{}",
            b64(&format!("BedrockAPIKey-g28r-at-123456789012:{secret}"))
        )
    }
}

#[cfg(test)]
mod tests {
    use super::test_keys::{b64, short_term};
    use super::*;

    fn at(text: &str) -> SystemTime {
        parse_amz_date(text).unwrap()
    }

    #[test]
    fn reads_region_and_expiry_of_a_short_term_key() {
        let key = ApiKey::parse(
            VARIABLE,
            &short_term("eu-west-1", "20260105T080000Z", 43200, true),
        );
        let KeyKind::ShortTerm(Some(st)) = &key.kind else {
            panic!("{key:?}")
        };
        assert_eq!(st.region, "eu-west-1");
        assert_eq!(st.signed_at, at("20260105T080000Z"));
        assert_eq!(st.expires_at, at("20260105T200000Z"));
        assert!(st.from_session);
        assert_eq!(key.shown, "bedrock-api-key-YmVk…");
        assert_eq!(
            key.describe(at("20260105T090000Z")),
            "bedrock-api-key-YmVk… (short-term, eu-west-1, expires in 11 h)"
        );
    }

    #[test]
    fn a_short_term_key_is_judged_by_its_own_region_and_expiry() {
        let key = ApiKey::parse(
            VARIABLE,
            &short_term("us-east-1", "20260105T080000Z", 3600, false),
        );
        let during = at("20260105T083000Z");
        assert_eq!(key.offline_problem(Some("us-east-1"), during), None);
        let other = key.offline_problem(Some("us-west-2"), during).unwrap();
        assert_eq!(other.code, crate::dx::API_KEY_OTHER_REGION);
        assert!(
            other.detail.contains("us-east-1") && other.detail.contains("us-west-2"),
            "{other:?}"
        );
        let expired = key
            .offline_problem(Some("us-east-1"), at("20260105T110000Z"))
            .unwrap();
        assert_eq!(expired.code, crate::dx::API_KEY_EXPIRED);
        assert!(
            expired.detail.contains("2 h ago") && expired.detail.contains("2026-01-05T09:00:00Z"),
            "{expired:?}"
        );
        // Expiry first: a key past its time fails wherever it is sent.
        assert_eq!(
            key.offline_problem(Some("us-west-2"), at("20260105T110000Z"))
                .unwrap()
                .code,
            crate::dx::API_KEY_EXPIRED
        );
        assert_eq!(key.offline_problem(None, during), None);
    }

    #[test]
    fn reads_the_iam_user_of_a_long_term_key() {
        let key = ApiKey::parse(
            VARIABLE,
            &format!(
                "ABSK{}",
                b64("BedrockAPIKey-g28r-at-123456789012:c2VjcmV0LXNlbnRpbmVs")
            ),
        );
        assert_eq!(
            key.kind,
            KeyKind::LongTerm(Some(LongTerm {
                user: "BedrockAPIKey-g28r".into(),
                account: "123456789012".into()
            }))
        );
        assert_eq!(key.shown, "ABSKQmVk…");
        assert!(!format!("{key:?}").contains("c2VjcmV0"), "{key:?}");
        assert_eq!(
            key.offline_problem(Some("us-east-1"), SystemTime::now()),
            None
        );
        assert!(key.consequences().contains("every Region"));
    }

    #[test]
    fn never_shows_much_of_an_unknown_value() {
        let key = ApiKey::parse(VARIABLE, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
        assert_eq!(key.kind, KeyKind::Unrecognised);
        assert_eq!(key.shown, "wJal…");
        assert_eq!(ApiKey::parse(VARIABLE, "abcdefg").shown, "a…");
        assert_eq!(ApiKey::parse(VARIABLE, "abc").shown, "…");
        assert!(key.consequences().contains("Invalid API Key format"));
    }

    #[test]
    fn empty_padded_and_unsendable_values() {
        for value in ["", "   ", "\n"] {
            let key = ApiKey::parse(VARIABLE, value);
            assert!(key.is_empty(), "{value:?}");
            assert_eq!(key.describe(SystemTime::now()), "empty");
        }
        let padded = ApiKey::parse(VARIABLE, " ABSKQmVkcm9jaw== ");
        assert!(padded.padded && !padded.unsendable);
        let broken = ApiKey::parse(VARIABLE, "ABSKQmVkcm9jaw==\n");
        assert!(broken.unsendable);
    }

    #[test]
    fn malformed_keys_keep_their_kind_and_never_panic() {
        let inputs = [
            SHORT_TERM_PREFIX.to_string(),
            format!("{SHORT_TERM_PREFIX}%%%not-base64"),
            format!("{SHORT_TERM_PREFIX}{}", b64("no query here")),
            format!("{SHORT_TERM_PREFIX}{}", b64("h/?X-Amz-Credential=a%2Fb&X-Amz-Date=x")),
            format!(
                "{SHORT_TERM_PREFIX}{}",
                b64("h/?X-Amz-Credential=A%2F20260101%2Fus-east-1%2Fbedrock%2Faws4_request&X-Amz-Date=20261399T000000Z&X-Amz-Expires=1")
            ),
            format!(
                "{SHORT_TERM_PREFIX}{}",
                b64("h/?X-Amz-Credential=A%2F20260101%2Fus-east-1%2Fbedrock%2Faws4_request&X-Amz-Date=20260101T000000Z&X-Amz-Expires=99999999999999999999")
            ),
            format!("{SHORT_TERM_PREFIX}{}", b64("h/?X-Amz-Credential=%E2%82%AC%ZZ%")),
            format!("{LONG_TERM_PREFIX}{}", b64("no colon")),
            format!("{LONG_TERM_PREFIX}{}", b64("BedrockAPIKey-x-at-12:s")),
            "ABSK".to_string(),
            "bedrock-api-key-\u{1F600}".to_string(),
        ];
        for input in &inputs {
            let key = ApiKey::parse(VARIABLE, input);
            assert!(
                matches!(key.kind, KeyKind::ShortTerm(None) | KeyKind::LongTerm(None)),
                "{input:?}: {key:?}"
            );
            let _ = key.describe(SystemTime::now());
            let _ = key.consequences();
            assert_eq!(
                key.offline_problem(Some("us-east-1"), SystemTime::now()),
                None
            );
        }
    }

    #[test]
    fn scrubs_keys_whole_or_cut_short() {
        let key = short_term("us-east-1", "20260105T080000Z", 43200, false);
        let echoed = format!("Authorization=Bearer {key}");
        assert_eq!(scrub(&echoed), "Authorization=Bearer bedrock-api-key-YmVk…");
        let cut = format!("body: \"{}…\" (300 bytes)", &key[..40]);
        assert_eq!(scrub(&cut), "body: \"bedrock-api-key-YmVk……\" (300 bytes)");
        let long = test_keys::long_term("c2VjcmV0");
        assert_eq!(scrub(&format!("{long}.")), "ABSKQmVk….");
        for plain in [
            "User: arn:aws:iam::123456789012:user/x is not authorized",
            "Bedrock API key ABSKQmVk… (long-term)",
            "bedrock-api-key-YmVk… (short-term, us-east-1)",
        ] {
            assert_eq!(scrub(plain), plain);
        }
    }

    #[test]
    fn amz_dates_and_durations() {
        assert_eq!(
            rfc3339(at("20240229T235959Z"), Fraction::WhenNonZero),
            "2024-02-29T23:59:59Z"
        );
        for bad in [
            "",
            "20240229",
            "2024-02-29T23:59:59Z",
            "20240229T2359590",
            "2024022xT235959Z",
        ] {
            assert_eq!(parse_amz_date(bad), None, "{bad}");
        }
        assert_eq!(percent_decode("a%2Fb%2"), "a/b%2");
        assert_eq!(
            human_duration(Duration::from_secs(90), Largest::Days),
            "90 s"
        );
        assert_eq!(
            human_duration(Duration::from_secs(3 * 86_400), Largest::Days),
            "3 days"
        );
    }
}
