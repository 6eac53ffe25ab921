//! Scenario files: what the stub should pretend about one AWS account.
//!
//! The format is documented in `tests/scenarios/README.md`. Everything is optional; an empty
//! file is the healthy account signed with [`crate::TEST_ACCESS_KEY_ID`].

use serde::Deserialize;

use crate::{TEST_ACCESS_KEY_ID, TEST_SECRET_ACCESS_KEY};

mod validate;

/// One account as the stub presents it.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Scenario {
    pub description: String,
    /// Keys the stub accepts; a single `[credentials]` table or a `[[credentials]]` list.
    #[serde(deserialize_with = "one_or_many")]
    pub credentials: Vec<Credentials>,
    pub clock: Clock,
    /// Added before every response, so benchmarks can model network round trips.
    pub latency_ms: u64,
    /// A request-rate limit like AWS's: a token bucket per account and region (and operation or
    /// service); requests beyond it get `ThrottlingException`.
    pub rate_limit: Option<RateLimit>,
    #[serde(rename = "override")]
    pub overrides: Vec<Override>,
    /// The account's applied Service Quotas values, where they differ from the AWS defaults.
    #[serde(rename = "quota")]
    pub quotas: Vec<QuotaSetting>,
    /// Bedrock API keys the stub accepts as `Authorization: Bearer <key>` (`[[api_key]]`).
    #[serde(rename = "api_key")]
    pub api_keys: Vec<ApiKey>,
    /// The Region the endpoint stands for when a request names none: a call with an API key
    /// carries no credential scope. Default: [`DEFAULT_REGION`].
    pub endpoint_region: Option<String>,
    /// Opt-in regions the account has not enabled: every SigV4 request signed for one is refused
    /// with the error AWS gives an unknown key there (`UnrecognizedClientException`, STS
    /// `InvalidClientTokenId`), while the same keys work in the other regions.
    pub disabled_regions: Vec<String>,
    /// The ARN the stub's STS GetCallerIdentity answers with (default: the IAM user
    /// `compiler-bedrock` of [`crate::STUB_ACCOUNT`]); e.g. `arn:aws:iam::123456789012:root` for a
    /// caller signing with the account root user's keys, which moto cannot play.
    pub caller_arn: Option<String>,
    /// The stub's STS refuses every AssumeRole as IAM does when neither the caller's policies nor
    /// the role's trust policy allow it: 403 `AccessDenied`, "User: CALLER is not authorized to
    /// perform: sts:AssumeRole on resource: ROLE". moto refuses too, but in an error body STS
    /// never sends (`<ErrorResponse><Errors><Error>`), which SDKs cannot read.
    pub deny_assume_role: bool,
    /// What the stub's IAM `SimulatePrincipalPolicy` decides for an action (`[iam_decisions]`,
    /// e.g. `"bedrock:InvokeModel" = "explicitDeny"`); an action not listed is `allowed`.
    pub iam_decisions: std::collections::BTreeMap<String, String>,
    /// CloudTrail's event history (`[cloudtrail]`), served by `LookupEvents`; none: empty.
    pub cloudtrail: Option<CloudTrailHistory>,
    /// Accounts of a test Organization that look different from this one (`[accounts."ID"]
    /// scenario = "use_case_missing"`): when the stub runs beside moto ([`crate::Stub::start_org`]),
    /// a request signed with credentials of account ID gets that scenario's overrides and quotas.
    pub accounts: std::collections::BTreeMap<String, AccountScenario>,
    /// The scenarios of `accounts`, loaded ([`Scenario::with_account`] adds one built in code).
    #[serde(skip)]
    pub per_account: std::collections::BTreeMap<String, Scenario>,
}

/// The Bedrock events CloudTrail's event history holds (`[cloudtrail]`).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CloudTrailHistory {
    /// Fixture files under `tests/fixtures/cloudtrail/`, in any of the three shapes.
    pub files: Vec<String>,
    /// Each event served this many times (a longer history, more pages), each copy
    /// `copy_spacing_seconds` earlier than the one before.
    pub copies: u32,
    pub copy_spacing_seconds: i64,
    /// The events are moved in time so that the newest happened this long ago.
    pub latest_ago_seconds: i64,
    /// Regions whose history holds the same events too (`awsRegion` renamed to them).
    pub also_in_regions: Vec<String>,
}

impl Default for CloudTrailHistory {
    fn default() -> Self {
        CloudTrailHistory {
            files: Vec::new(),
            copies: 1,
            copy_spacing_seconds: 1,
            latest_ago_seconds: 600,
            also_in_regions: Vec::new(),
        }
    }
}

/// One account's own scenario (`[accounts."ID"]`).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountScenario {
    /// A scenario name of `tests/scenarios/` or a path, as for [`Scenario::load`].
    pub scenario: String,
}

/// The values of IAM's `PolicyEvaluationDecisionType` (botocore's IAM model).
pub const IAM_DECISIONS: &[&str] = &["allowed", "explicitDeny", "implicitDeny"];

/// One Bedrock quota as the account has it in Service Quotas (`[[quota]]`).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuotaSetting {
    /// A quota code of `data/service_quotas.json`, e.g. `L-F4DDD3EB`.
    pub code: String,
    /// The applied value ListServiceQuotas and GetServiceQuota report; unset, the default.
    #[serde(default)]
    pub applied: Option<f64>,
    /// `false`: ListServiceQuotas leaves the quota out, as AWS does when no applied value is
    /// available (the default then applies).
    #[serde(default = "listed_by_default")]
    pub listed: bool,
    /// An `ErrorReason` code sent instead of a value (`DEPENDENCY_ACCESS_DENIED_ERROR`, …).
    #[serde(default)]
    pub error_reason: Option<String>,
}

fn listed_by_default() -> bool {
    true
}

/// The Region of a request that names none, unless the scenario says otherwise.
pub const DEFAULT_REGION: &str = "us-east-1";

/// A Bedrock API key the stub accepts.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiKey {
    /// The whole key, `bedrock-api-key-...` (short-term) or `ABSK...` (long-term).
    pub key: String,
    /// The only Region it works in (a short-term key's); none: every Region.
    #[serde(default)]
    pub region: Option<String>,
}

/// AWS throttles API requests per account and Region with token buckets: each request takes a
/// token, a bucket holds at most `burst` and regains `requests_per_second` every second (EC2
/// developer guide, "Request throttling for the Amazon EC2 API"; Service Quotas publishes its own
/// rates the same way, as requests per second plus a burst).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    /// Tokens each bucket regains per second.
    pub requests_per_second: f64,
    /// Tokens a bucket holds when full: requests it allows at once.
    pub burst: u32,
    /// What one bucket counts, within one account (access key) and region.
    #[serde(default)]
    pub per: RateScope,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RateScope {
    /// One bucket per operation, as EC2 and Service Quotas count.
    #[default]
    Operation,
    /// One bucket for all the operations of a service.
    Service,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    /// When set, requests signed with this key must carry exactly this `X-Amz-Security-Token`.
    #[serde(default)]
    pub session_token: Option<String>,
    /// The token is recognised but past its expiry: every request gets `ExpiredTokenException`.
    #[serde(default)]
    pub session_token_expired: bool,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Clock {
    /// The stub's clock runs this far ahead of (positive) or behind real time; it drives the
    /// `Date` header and the SigV4 five-minute window.
    #[serde(default)]
    pub offset_seconds: i64,
}

/// Replaces the answer to matching requests (after authentication succeeded).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Override {
    /// Operation name as in the API reference, e.g. `InvokeModel`.
    pub operation: String,
    /// Only requests whose SigV4 credential scope names this region.
    #[serde(default)]
    pub region: Option<String>,
    /// Only requests whose model path parameter (id, ARN or profile id) equals this.
    #[serde(default)]
    pub model: Option<String>,
    /// Only requests whose body contains this text, byte for byte (e.g. `cache_control`, to
    /// single out the prompt-caching probe among several InvokeModel calls).
    #[serde(default)]
    pub body_contains: Option<String>,
    #[serde(default)]
    pub status: Option<u16>,
    /// Error code sent in `x-amzn-ErrorType`; makes this an error override.
    #[serde(default)]
    pub error_type: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    /// Public URL where AWS was seen sending this error; required for error overrides so the
    /// texts we test against stay traceable to reality.
    #[serde(default)]
    pub source: Option<String>,
    /// JSON text of a success body that replaces the default one.
    #[serde(default)]
    pub body: Option<String>,
    /// Apply to the first N matching requests only, then fall through.
    #[serde(default)]
    pub times: Option<u32>,
    #[serde(default)]
    pub delay_ms: u64,
    #[serde(default)]
    pub fault: Option<Fault>,
}

/// What a broken network or a broken endpoint does instead of answering properly. Every fault
/// is per override, so one operation can break while the others answer normally.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fault {
    /// Read the request, then never answer.
    Hang,
    /// Read the request, then drop the connection with a TCP reset.
    Reset,
    /// Send the head of the default answer at once, then its body one byte every 200 ms.
    Drip,
    /// 200, `application/json`, and a body that is not JSON.
    Garbage,
    /// The default answer with a `Content-Length` larger than the body sent, then close.
    Truncated,
    /// The default body under a content type it is not (`text/plain`; a stream operation gets
    /// `application/json` instead of `application/vnd.amazon.eventstream`).
    WrongContentType,
    /// 200 with an empty body.
    EmptyBody,
    /// 200 with a 50 MiB body (a JSON object with one huge string; frames of small chunk events
    /// for a stream operation), generated while it is written, never held in memory.
    HugeBody,
    /// An error code no AWS model lists (`status`, default 400).
    UnmodelledError,
    /// A proxy's HTML error page: 502 Bad Gateway, `text/html`.
    Html,
    /// A 5xx (`status`, default 503) without an error code, as a load balancer sends it.
    #[serde(rename = "status_5xx")]
    Status5xx,
    /// Event streams only: the second frame's CRC does not match its bytes.
    BadCrc,
    /// Event streams only: the first frame, then half of the second, then the end of the body.
    TruncatedFrame,
    /// Event streams only: two chunk events, then an exception event (`error_type` as its
    /// lower-camel member name, default `internalServerException`).
    ExceptionMidStream,
}

/// Every fault's name in a scenario file, the event-stream-only ones apart
/// ([`STREAM_FAULT_NAMES`]).
pub const FAULT_NAMES: &[&str] = &[
    "hang",
    "reset",
    "drip",
    "garbage",
    "truncated",
    "wrong_content_type",
    "empty_body",
    "huge_body",
    "unmodelled_error",
    "html",
    "status_5xx",
];

/// The names of the faults that only an event-stream answer can carry.
pub const STREAM_FAULT_NAMES: &[&str] = &["bad_crc", "truncated_frame", "exception_mid_stream"];

impl Fault {
    /// Faults that only make sense on an event-stream answer.
    pub fn stream_only(self) -> bool {
        matches!(
            self,
            Fault::BadCrc | Fault::TruncatedFrame | Fault::ExceptionMidStream
        )
    }
}

/// Operations whose answer is an event stream.
pub fn is_stream_operation(operation: &str) -> bool {
    matches!(
        operation,
        "InvokeModelWithResponseStream" | "ConverseStream"
    )
}

fn default_credentials() -> Vec<Credentials> {
    vec![Credentials {
        access_key_id: TEST_ACCESS_KEY_ID.into(),
        secret_access_key: TEST_SECRET_ACCESS_KEY.into(),
        session_token: None,
        session_token_expired: false,
    }]
}

fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Credentials>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(Credentials),
        Many(Vec<Credentials>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(c) => vec![c],
        OneOrMany::Many(v) => v,
    })
}

/// The healthy account an empty file describes: nothing overridden, one key accepted.
impl Default for Scenario {
    fn default() -> Self {
        Scenario {
            description: String::new(),
            credentials: default_credentials(),
            clock: Clock::default(),
            latency_ms: 0,
            rate_limit: None,
            overrides: Vec::new(),
            quotas: Vec::new(),
            api_keys: Vec::new(),
            endpoint_region: None,
            disabled_regions: Vec::new(),
            caller_arn: None,
            deny_assume_role: false,
            iam_decisions: Default::default(),
            cloudtrail: None,
            accounts: Default::default(),
            per_account: Default::default(),
        }
    }
}

impl Scenario {
    /// Loads `tests/scenarios/<name>.toml`; a name containing `/` or ending in `.toml` is a path.
    /// Panics with the file name and the reason, because a broken scenario is a broken test.
    pub fn load(name: &str) -> Scenario {
        let path = scenario_path(name);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read scenario {}: {e}", path.display()));
        Scenario::from_toml(&text)
            .unwrap_or_else(|e| panic!("invalid scenario {}: {e}", path.display()))
    }

    pub fn from_toml(text: &str) -> Result<Scenario, String> {
        let mut scenario: Scenario = toml::from_str(text).map_err(|e| e.to_string())?;
        scenario.validate()?;
        for (account, named) in scenario.accounts.clone() {
            let path = scenario_path(&named.scenario);
            let text = std::fs::read_to_string(&path)
                .map_err(|e| format!("[accounts.\"{account}\"]: {}: {e}", path.display()))?;
            let inner = Scenario::from_toml(&text)
                .map_err(|e| format!("[accounts.\"{account}\"]: {}: {e}", path.display()))?;
            scenario.per_account.insert(account, inner);
        }
        Ok(scenario)
    }

    /// This scenario, with `scenario` served to the credentials of `account`.
    pub fn with_account(mut self, account: &str, scenario: Scenario) -> Scenario {
        self.per_account.insert(account.to_string(), scenario);
        self
    }

    /// The scenario served to `account` (this one when it names none of its own).
    pub fn for_account(&self, account: Option<&str>) -> &Scenario {
        account
            .and_then(|a| self.per_account.get(a))
            .unwrap_or(self)
    }
}

/// The file of a scenario name: `tests/scenarios/<name>.toml`, or `name` itself when it holds a
/// `/` or ends in `.toml`.
fn scenario_path(name: &str) -> std::path::PathBuf {
    if name.contains('/') || name.ends_with(".toml") {
        std::path::PathBuf::from(name)
    } else {
        scenarios_dir().join(format!("{name}.toml"))
    }
}

/// `tests/scenarios/`, next to this crate.
pub fn scenarios_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_file_is_the_healthy_default() {
        let s = Scenario::from_toml("").unwrap();
        assert_eq!(s.credentials[0].access_key_id, TEST_ACCESS_KEY_ID);
        assert_eq!(s.clock.offset_seconds, 0);
        assert!(s.overrides.is_empty());
    }

    #[test]
    fn parses_table_and_list_credentials_and_overrides() {
        let s = Scenario::from_toml(
            r#"
            description = "x"
            latency_ms = 5
            [[credentials]]
            access_key_id = "A"
            secret_access_key = "B"
            session_token = "T"
            session_token_expired = true
            [[credentials]]
            access_key_id = "C"
            secret_access_key = "D"
            [clock]
            offset_seconds = -600
            [[override]]
            operation = "InvokeModel"
            region = "us-east-1"
            status = 429
            error_type = "ThrottlingException"
            message = "m"
            source = "https://example.com/x"
            times = 1
            fault = "reset"
            "#,
        )
        .unwrap();
        assert_eq!(s.credentials.len(), 2);
        assert!(s.credentials[0].session_token_expired);
        assert_eq!(s.clock.offset_seconds, -600);
        assert_eq!(s.overrides[0].fault, Some(Fault::Reset));
        let one =
            Scenario::from_toml("[credentials]\naccess_key_id='A'\nsecret_access_key='B'").unwrap();
        assert_eq!(one.credentials[0].access_key_id, "A");
    }

    #[test]
    fn parses_api_keys_and_refuses_keys_bedrock_never_issues() {
        let s = Scenario::from_toml(
            "endpoint_region = 'eu-west-1'\n[[api_key]]\nkey = 'ABSKQmVk'\n[[api_key]]\nkey = 'bedrock-api-key-YmVk'\nregion = 'eu-west-1'",
        )
        .unwrap();
        assert_eq!(s.api_keys.len(), 2);
        assert_eq!(s.api_keys[1].region.as_deref(), Some("eu-west-1"));
        assert_eq!(s.endpoint_region.as_deref(), Some("eu-west-1"));
        assert!(Scenario::default().api_keys.is_empty());
        for bad in ["", "ABSK", "AKIAIOSFODNN7EXAMPLE"] {
            let text = format!("[[api_key]]\nkey = '{bad}'");
            assert!(
                Scenario::from_toml(&text)
                    .unwrap_err()
                    .contains("api_key #1"),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn accounts_name_their_own_scenarios() {
        let s = Scenario::from_toml("[accounts.\"111111111111\"]\nscenario = \"use_case_missing\"")
            .unwrap();
        let own = s.for_account(Some("111111111111"));
        assert!(own.overrides.iter().any(|o| o.operation == "InvokeModel"));
        assert!(s.for_account(Some("222222222222")).overrides.is_empty());
        assert!(s.for_account(None).overrides.is_empty());
        let missing =
            Scenario::from_toml("[accounts.\"111111111111\"]\nscenario = \"no_such_scenario\"");
        assert!(missing.unwrap_err().contains("[accounts.\"111111111111\"]"));
        let short = Scenario::from_toml("[accounts.\"1\"]\nscenario = \"healthy\"");
        assert!(short.unwrap_err().contains("12 digits"));
    }

    #[test]
    fn every_scenario_file_parses() {
        let mut n = 0;
        for entry in std::fs::read_dir(scenarios_dir()).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "toml") {
                let text = std::fs::read_to_string(&path).unwrap();
                Scenario::from_toml(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                n += 1;
            }
        }
        assert!(n >= 6, "expected the scenario files, found {n}");
    }
}
