//! What the stub remembers across requests: the scenario, the calls it saw, how often each
//! override fired and the `[rate_limit]` buckets.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use crate::scenario::{Credentials, Override, RateScope, Scenario, DEFAULT_REGION};
use crate::Call;

pub struct State {
    pub scenario: Scenario,
    pub calls: Mutex<Vec<Call>>,
    /// How often each override has fired, for `times`: per account with a scenario of its own
    /// (the key `""` for the scenario itself).
    used: Mutex<HashMap<String, Vec<u32>>>,
    /// The `[rate_limit]` buckets: tokens left and when they were counted, per account, region
    /// and operation (or service).
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
    /// Requests answered with a throttling error because a bucket was empty.
    pub throttled: AtomicU64,
    /// When the stub started serving: the origin of [`Call::at_ms`].
    started: Instant,
    /// moto_server's URL when the stub plays a test Organization beside it
    /// ([`crate::Stub::start_org`]): STS is relayed there, and accounts are told by their keys.
    pub moto: Option<String>,
    /// Keys the stub learned from the AssumeRole answers it relayed, by access key id: accepted
    /// like the scenario's own.
    pub learned: Mutex<HashMap<String, Credentials>>,
    /// The account of each access key id seen, as moto's STS told it.
    pub accounts: Mutex<HashMap<String, String>>,
    /// Every AssumeRole request the STS front received, in arrival order.
    pub assume_role_requests: Mutex<Vec<crate::AssumeRoleRequest>>,
}

impl State {
    pub fn new(scenario: Scenario) -> State {
        State {
            scenario,
            calls: Mutex::new(Vec::new()),
            used: Mutex::new(HashMap::new()),
            buckets: Mutex::new(HashMap::new()),
            throttled: AtomicU64::new(0),
            started: Instant::now(),
            moto: None,
            learned: Mutex::new(HashMap::new()),
            accounts: Mutex::new(HashMap::new()),
            assume_role_requests: Mutex::new(Vec::new()),
        }
    }

    /// The keys a request signed with `access_key_id` is checked against: the scenario's, and the
    /// key learned from a relayed AssumeRole answer if it is one.
    pub fn credentials_for(&self, access_key_id: Option<&str>) -> Vec<Credentials> {
        let mut keys = self.scenario.credentials.clone();
        if let Some(learned) = access_key_id.and_then(|k| {
            self.learned
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get(k)
                .cloned()
        }) {
            keys.push(learned);
        }
        keys
    }

    /// The account of an access key id, when moto's STS has told it.
    pub fn account_of(&self, access_key_id: Option<&str>) -> Option<String> {
        let key = access_key_id?;
        self.accounts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)
            .cloned()
    }

    /// Takes a token from the request's bucket; `false` when it is empty (the request is
    /// throttled, and counted). Always `true` without a `[rate_limit]`.
    ///
    /// Per operation, a Bedrock Runtime request naming a model (`model`, the `modelId` of its
    /// path) draws on the model's bucket instead, whatever its operation: the runtime's quotas are
    /// "per model, per Region" and "shared across every inference API you call it with, including
    /// InvokeModel, Converse" (Bedrock user guide, "Quotas for the bedrock-runtime endpoint",
    /// https://docs.aws.amazon.com/bedrock/latest/userguide/quotas-runtime.html).
    pub fn take_token(
        &self,
        account: Option<&str>,
        region: Option<&str>,
        service: &str,
        operation: &str,
        model: Option<&str>,
    ) -> bool {
        let Some(limit) = &self.scenario.rate_limit else {
            return true;
        };
        let what = match (limit.per, model) {
            (RateScope::Operation, Some(model)) if service == "bedrock-runtime" => {
                format!("model {model}")
            }
            (RateScope::Operation, _) => operation.to_string(),
            (RateScope::Service, _) => service.to_string(),
        };
        let key = format!(
            "{} {} {service} {what}",
            account.unwrap_or_default(),
            region.unwrap_or(DEFAULT_REGION)
        );
        let burst = f64::from(limit.burst);
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let (tokens, counted) = buckets.entry(key).or_insert((burst, now));
        let refilled = now.duration_since(*counted).as_secs_f64() * limit.requests_per_second;
        *tokens = (*tokens + refilled).min(burst);
        *counted = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            self.throttled.fetch_add(1, Ordering::Relaxed);
            false
        }
    }

    /// Real time shifted by the scenario's clock offset, in Unix seconds.
    /// A token of CloudTrail's `LookupEvents` bucket for this account and region, which AWS keeps
    /// whatever the scenario (its rate is published: see `crate::cloudtrail`); `false`, counted
    /// as throttled, when it is empty.
    pub fn cloudtrail_token(&self, account: Option<&str>, region: Option<&str>) -> bool {
        let key = format!(
            "{} {} cloudtrail LookupEvents",
            account.unwrap_or_default(),
            region.unwrap_or(DEFAULT_REGION)
        );
        let burst = f64::from(crate::cloudtrail::RATE_BURST);
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let (tokens, counted) = buckets.entry(key).or_insert((burst, now));
        let refilled =
            now.duration_since(*counted).as_secs_f64() * crate::cloudtrail::RATE_PER_SECOND;
        *tokens = (*tokens + refilled).min(burst);
        *counted = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            self.throttled.fetch_add(1, Ordering::Relaxed);
            false
        }
    }

    pub fn now(&self) -> i64 {
        let real = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        real + self.scenario.clock.offset_seconds
    }

    /// Keeps `call` for the tests that ask which calls the stub saw.
    pub(super) fn record(&self, mut call: Call) {
        call.at_ms = self.started.elapsed().as_secs_f64() * 1000.0;
        self.calls
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(call);
    }

    /// The first override that matches and has uses left; consumes one use.
    #[cfg(test)]
    pub fn take_override(
        &self,
        operation: &str,
        region: Option<&str>,
        model: Option<&str>,
        body: &[u8],
    ) -> Option<Override> {
        self.take_override_for(None, operation, region, model, body)
    }

    /// As [`State::take_override`], among the overrides of `account`'s own scenario when it has one.
    pub fn take_override_for(
        &self,
        account: Option<&str>,
        operation: &str,
        region: Option<&str>,
        model: Option<&str>,
        body: &[u8],
    ) -> Option<Override> {
        let scenario = self.scenario.for_account(account);
        let owner = match account {
            Some(a) if self.scenario.per_account.contains_key(a) => a,
            _ => "",
        };
        let mut all = self.used.lock().unwrap_or_else(|e| e.into_inner());
        let used = all
            .entry(owner.to_string())
            .or_insert_with(|| vec![0; scenario.overrides.len()]);
        for (i, o) in scenario.overrides.iter().enumerate() {
            let matches = o.operation == operation
                && o.region.as_deref().is_none_or(|r| Some(r) == region)
                && o.model.as_deref().is_none_or(|m| Some(m) == model)
                && o.body_contains
                    .as_deref()
                    .is_none_or(|needle| contains(body, needle.as_bytes()))
                && o.times.is_none_or(|t| used[i] < t);
            if matches {
                used[i] += 1;
                return Some(o.clone());
            }
        }
        None
    }
}

/// Whether `needle` occurs in `haystack` (an empty needle always does).
fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// The stub's state for a scenario written inline.
    fn state_of(toml: &str) -> State {
        State::new(Scenario::from_toml(toml).unwrap())
    }

    #[test]
    fn override_times_then_falls_through() {
        let state = state_of(
            r#"
            [[override]]
            operation = "InvokeModel"
            error_type = "ThrottlingException"
            message = "Too many requests, please wait before trying again."
            source = "https://github.com/minorun365/agent-book/issues/29"
            times = 2
            [[override]]
            operation = "InvokeModel"
            model = "m"
            region = "eu-west-1"
            body = '{"ok":true}'
            "#,
        );
        let take = |region, model| state.take_override("InvokeModel", region, model, b"");
        assert!(take(Some("us-east-1"), Some("m"))
            .unwrap()
            .error_type
            .is_some());
        assert!(state
            .take_override("Converse", Some("us-east-1"), Some("m"), b"")
            .is_none());
        assert!(take(None, None).unwrap().error_type.is_some());
        assert!(
            take(Some("us-east-1"), Some("m")).is_none(),
            "region filter"
        );
        assert!(take(Some("eu-west-1"), Some("x")).is_none(), "model filter");
        assert!(take(Some("eu-west-1"), Some("m")).unwrap().body.is_some());
        assert!(
            take(Some("eu-west-1"), Some("m")).is_some(),
            "no times: forever"
        );
    }

    #[test]
    fn body_contains_singles_out_requests_by_body() {
        let state = state_of(
            r#"
            [[override]]
            operation = "InvokeModel"
            body_contains = "cache_control"
            status = 400
            error_type = "ValidationException"
            message = "You invoked an unsupported model or your request did not allow prompt caching. See the documentation for more information."
            source = "https://github.com/cline/cline/issues/2064"
            "#,
        );
        let plain = br#"{"messages":[{"role":"user","content":"hi"}]}"#;
        let cached =
            br#"{"system":[{"type":"text","text":"x","cache_control":{"type":"ephemeral"}}]}"#;
        let take =
            |body: &[u8]| state.take_override("InvokeModel", Some("us-east-1"), Some("m"), body);
        assert!(take(plain).is_none());
        assert!(take(b"").is_none());
        assert!(take(cached).is_some());
        assert!(contains(b"abc", b""));
        assert!(!contains(b"ab", b"abc"));
    }

    #[test]
    fn an_empty_bucket_throttles_until_it_refills() {
        // Next to no refill: a bucket of two allows two requests, then refuses.
        let state = state_of("[rate_limit]\nrequests_per_second = 0.001\nburst = 2");
        let take = |region, op| state.take_token(Some("AKID"), Some(region), "bedrock", op, None);
        assert!(take("us-east-1", "ListFoundationModels"));
        assert!(take("us-east-1", "ListFoundationModels"));
        assert!(!take("us-east-1", "ListFoundationModels"));
        // Other operations, regions and accounts have buckets of their own.
        assert!(take("eu-west-1", "ListFoundationModels"));
        assert!(take("us-east-1", "GetFoundationModel"));
        assert!(state.take_token(
            Some("OTHER"),
            Some("us-east-1"),
            "bedrock",
            "ListFoundationModels",
            None
        ));
        assert_eq!(state.throttled.load(Ordering::Relaxed), 1);

        // A thousand tokens a second: an emptied bucket holds one again within a few ms.
        let fast = state_of("[rate_limit]\nrequests_per_second = 1000\nburst = 1");
        assert!(fast.take_token(None, None, "bedrock", "X", None));
        std::thread::sleep(Duration::from_millis(5));
        assert!(
            fast.take_token(None, None, "bedrock", "X", None),
            "refilled"
        );

        let per_service =
            state_of("[rate_limit]\nrequests_per_second = 0.001\nburst = 1\nper = 'service'");
        assert!(per_service.take_token(None, None, "bedrock", "ListFoundationModels", None));
        assert!(!per_service.take_token(None, None, "bedrock", "GetFoundationModel", None));
        assert!(per_service.take_token(None, None, "bedrock-runtime", "InvokeModel", Some("m")));
        assert_eq!(per_service.throttled.load(Ordering::Relaxed), 1);

        let unlimited = State::new(Scenario::default());
        assert!((0..100).all(|_| unlimited.take_token(None, None, "bedrock", "X", None)));
    }

    #[test]
    fn runtime_requests_draw_on_their_models_bucket() {
        let state = state_of("[rate_limit]\nrequests_per_second = 0.001\nburst = 2");
        let take = |op, model| {
            state.take_token(
                Some("AKID"),
                Some("us-east-1"),
                "bedrock-runtime",
                op,
                Some(model),
            )
        };
        let sonnet = "us.anthropic.claude-sonnet-4-6";
        let haiku = "anthropic.claude-haiku-4-5-20251001-v1:0";
        // One model's bucket, whatever the operation: two requests, then throttled.
        assert!(take("InvokeModel", sonnet));
        assert!(take("InvokeModelWithResponseStream", sonnet));
        assert!(!take("Converse", sonnet));
        // Two models do not share a bucket.
        assert!(take("InvokeModel", haiku));
        assert!(take("InvokeModel", haiku));
        assert!(!take("InvokeModel", haiku));
        assert_eq!(state.throttled.load(Ordering::Relaxed), 2);
        // The control plane keeps one bucket per operation, whatever model its path names.
        let control = |model| {
            state.take_token(
                Some("AKID"),
                Some("us-east-1"),
                "bedrock",
                "GetFoundationModel",
                Some(model),
            )
        };
        assert!(control(sonnet));
        assert!(control(haiku));
        assert!(!control("anthropic.claude-3-haiku-20240307-v1:0"));
    }

    #[test]
    fn clock_offset_shifts_now() {
        let state = state_of("[clock]\noffset_seconds = 600");
        let real = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        assert!((state.now() - real - 600).abs() <= 1);
    }
}
