//! How hard the doctor may press one AWS service: a bound on the requests in flight and a token
//! bucket on the requests sent, so a `--regions` sweep (dozens of regions, several models) cannot
//! throttle itself.
//!
//! Every AWS call goes through [`crate::Facts`]'s one call path, which takes a [`Permit`] here
//! before sending. Regional services (Bedrock, Bedrock Runtime) get one lane per region, as AWS
//! counts their quotas per account and region; global services (IAM, Organizations, STS, whose
//! quotas are per account) get one lane for all regions.
//!
//! The numbers. AWS publishes no request-rate quota for the Bedrock control-plane reads, IAM, STS
//! or Organizations (IAM and STS: an account-wide rate that cannot be raised, value unpublished —
//! AWS Knowledge Center "iam-sts-throttling-error"); Bedrock Runtime is governed by per-model token
//! quotas (Bedrock user guide, "Quotas for the bedrock-runtime endpoint"). Where AWS does publish
//! control-plane API rates, they are per account, Region and operation, in token buckets: Service
//! Quotas' reads are 5 to 10 requests per second plus as many again in one burst (Service Quotas
//! user guide, "Service quotas for Service Quotas"); EC2's non-mutating describes refill at 20 per
//! second (EC2 developer guide, "Request throttling for the Amazon EC2 API"). The doctor keeps to
//! the lowest of those for every operation: a bucket of [`BURST`] refilled at [`PER_SECOND`] per
//! second, per service, region and operation, its refill counted from [`ARRIVAL_LAG`] after it was
//! first drawn on (when AWS may first count the request). A single-region run never waits on it
//! (no bucket of it takes more than a few requests); a sweep waits only where it would otherwise
//! exceed it.
//!
//! Bedrock Runtime is counted per model instead: its quotas are "per model, per Region", and "a
//! model's quotas on this endpoint are shared across every inference API you call it with,
//! including InvokeModel, Converse" (Bedrock user guide, "Quotas for the bedrock-runtime endpoint",
//! https://docs.aws.amazon.com/bedrock/latest/userguide/quotas-runtime.html). So a runtime call's
//! bucket is its region's and its `modelId`'s (a model id, or an inference profile's id, whose
//! cross-Region quota is separate from the model's on-demand one), whatever the operation: three
//! models checked in one region are three buckets, not one `InvokeModel` bucket for all three.
//!
//! Organizations has a lane of its own ([`ORGANIZATIONS_IN_FLIGHT`]). AWS answers a caller that
//! sends "too many requests in too short a period of time" with `TooManyRequestsException`, an
//! error of every read the doctor makes (Organizations API reference, for example
//! https://docs.aws.amazon.com/organizations/latest/APIReference/API_DescribePolicy.html), whose
//! limits it sends to the "Quotas for AWS Organizations" page, section "Throttling limits"
//! (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html). The SDK
//! classifies that code as throttling (`aws-runtime`, `retries::classifiers::THROTTLING_ERRORS`)
//! and retries it after a jittered exponential backoff, but the doctor allows two attempts in all
//! (`facts/bootstrap.rs`): a read throttled twice leaves the `scp` check unable to read the SCPs.
//! So the lane does not rely on the retry; it lets out at once what the per-operation bucket lets
//! out (its burst), and no more: the bucket, at the same rate as every other operation, is what
//! bounds the requests. The SCP walk reads one `ListParents` and one `ListPoliciesForTarget` per
//! level, then one `DescribePolicy` per distinct SCP; at five OU levels with one SCP of its own on
//! each level (the root, five OUs, the account) that is seven policy reads, which then leave
//! together instead of four, then three a round trip later.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// Requests one operation may send at once, per region (the bucket's size).
pub const BURST: u32 = 10;
/// Requests per second one operation's bucket refills, per region.
pub const PER_SECOND: f64 = 5.0;
/// Requests in flight to one regional service in one region.
pub const REGIONAL_IN_FLIGHT: usize = 16;
/// Requests in flight to one global service, all regions together.
pub const GLOBAL_IN_FLIGHT: usize = 4;
/// How much later than the doctor takes its token AWS may count a request: the SDK serialises and
/// signs it, the connection pool hands it a connection, and on a busy machine (a sweep sends
/// hundreds of requests from two cores) the task waits its turn. A server's bucket starts refilling
/// when the first request of a burst arrives; counting the refill from the moment the token was
/// taken would let a later request out before the server has its token back, and it would be
/// throttled. So a bucket drained from full counts its refill from this long after.
pub const ARRIVAL_LAG: Duration = Duration::from_millis(100);
/// Requests in flight to Organizations, all regions together: as many as one operation's bucket
/// lets out at once.
pub const ORGANIZATIONS_IN_FLIGHT: usize = BURST as usize;

/// The bounds of one lane.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limit {
    /// Requests in flight to the service (per region for a regional one).
    pub in_flight: usize,
    /// Bucket size of each operation: requests it may send at once.
    pub burst: u32,
    /// Tokens each operation's bucket regains per second.
    pub per_second: f64,
}

impl Limit {
    pub const REGIONAL: Limit = Limit {
        in_flight: REGIONAL_IN_FLIGHT,
        burst: BURST,
        per_second: PER_SECOND,
    };
    pub const GLOBAL: Limit = Limit {
        in_flight: GLOBAL_IN_FLIGHT,
        burst: BURST,
        per_second: PER_SECOND,
    };
    pub const ORGANIZATIONS: Limit = Limit {
        in_flight: ORGANIZATIONS_IN_FLIGHT,
        burst: BURST,
        per_second: PER_SECOND,
    };
}

/// Services with one endpoint and one quota for all regions (STS's regional endpoints still
/// count against the account's one rate).
pub fn is_global(service: &str) -> bool {
    matches!(service, "iam" | "organizations" | "sts")
}

/// The lanes of one run, shared by the `Facts` of every region.
#[derive(Debug)]
pub struct Limiter {
    regional: Limit,
    global: Limit,
    organizations: Limit,
    lanes: Mutex<HashMap<String, Arc<Semaphore>>>,
    buckets: Mutex<HashMap<String, Bucket>>,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

/// Held while a request is in flight; dropping it frees its place in the lane.
#[derive(Debug)]
pub struct Permit {
    _in_flight: Option<OwnedSemaphorePermit>,
}

impl Default for Limiter {
    fn default() -> Self {
        Limiter::new(Limit::REGIONAL, Limit::GLOBAL).with_organizations(Limit::ORGANIZATIONS)
    }
}

impl Limiter {
    /// Bounds for the regional and the global services (Organizations' lane among them).
    pub fn new(regional: Limit, global: Limit) -> Limiter {
        Limiter {
            regional,
            global,
            organizations: global,
            lanes: Mutex::new(HashMap::new()),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Organizations' own bounds (still one lane for all regions).
    pub fn with_organizations(self, organizations: Limit) -> Limiter {
        Limiter {
            organizations,
            ..self
        }
    }

    /// The bounds that apply to a service.
    pub fn limit(&self, service: &str) -> Limit {
        match service {
            "organizations" => self.organizations,
            _ if is_global(service) => self.global,
            _ => self.regional,
        }
    }

    /// Waits for a place in the service's lane, then for a token of the operation's bucket (for
    /// Bedrock Runtime, of the `model`'s bucket: see [`bucket_key`]).
    ///
    /// The place is taken first: a token taken while waiting for a place would be spent later
    /// than granted, and several such late requests arriving together can exceed the very bucket
    /// the tokens came from.
    pub async fn acquire(
        &self,
        service: &str,
        operation: &str,
        region: Option<&str>,
        model: Option<&str>,
    ) -> Permit {
        self.acquire_for(None, service, operation, region, model)
            .await
    }

    /// [`Limiter::acquire`] for a call made with another account's credentials (`account`; `None`:
    /// the caller's). One limiter serves a whole `org` run, and AWS counts a request against the
    /// account whose credentials sign it: "anything you do with the Role you assumed will be
    /// counted against the Account of the Role you assumed", while the `sts:AssumeRole` call itself
    /// counts in the caller's account (AWS re:Post, "Which account's API quota is used when a role
    /// is assumed?",
    /// https://repost.aws/questions/QUtQIXKqDSSguiOiPzPNepIw/which-account-s-api-quota-is-used-when-a-role-is-assumed;
    /// IAM and STS rates are per account, AWS Knowledge Center "iam-sts-throttling-error"; Bedrock's
    /// per account and Region, Bedrock user guide "Quotas"). So a member account's calls get lanes
    /// and buckets of that account's own, and the caller's Organizations and STS calls share the
    /// caller's one lane whatever the number of accounts.
    pub async fn acquire_for(
        &self,
        account: Option<&str>,
        service: &str,
        operation: &str,
        region: Option<&str>,
        model: Option<&str>,
    ) -> Permit {
        let limit = self.limit(service);
        let lane_key = if is_global(service) {
            service.to_string()
        } else {
            format!("{service} {}", region.unwrap_or_default())
        };
        let lane_key = match account {
            Some(account) => format!("account {account} {lane_key}"),
            None => lane_key,
        };
        let lane = {
            let mut lanes = self.lanes.lock().unwrap_or_else(|e| e.into_inner());
            lanes
                .entry(lane_key.clone())
                .or_insert_with(|| Arc::new(Semaphore::new(limit.in_flight.max(1))))
                .clone()
        };
        // The semaphore is never closed; were it, the request would go out unbounded rather than
        // not at all.
        let in_flight = lane.acquire_owned().await.ok();
        let bucket_key = bucket_key(&lane_key, service, operation, model);
        loop {
            let wait = {
                let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
                let now = Instant::now();
                let full = f64::from(limit.burst.max(1));
                let bucket = buckets.entry(bucket_key.clone()).or_insert(Bucket {
                    tokens: full,
                    updated: now,
                });
                let refilled =
                    now.saturating_duration_since(bucket.updated).as_secs_f64() * limit.per_second;
                bucket.tokens = (bucket.tokens + refilled).min(full);
                bucket.updated = bucket.updated.max(now);
                if bucket.tokens >= 1.0 {
                    bucket.tokens -= 1.0;
                    if bucket.tokens + 1.0 >= full {
                        // The first token out of a full bucket: AWS's bucket starts refilling
                        // when this request arrives, which may be up to `ARRIVAL_LAG` after now.
                        bucket.updated = now + ARRIVAL_LAG;
                    }
                    None
                } else {
                    let missing = 1.0 - bucket.tokens;
                    let refill =
                        Duration::from_secs_f64(missing / limit.per_second.max(f64::MIN_POSITIVE));
                    Some(bucket.updated.saturating_duration_since(now) + refill)
                }
            };
            match wait {
                None => break,
                Some(pause) => tokio::time::sleep(pause).await,
            }
        }
        Permit {
            _in_flight: in_flight,
        }
    }
}

/// The bucket a request draws on, within its lane: the operation's, except for a Bedrock Runtime
/// call naming a model, whose bucket is the model's whatever the operation (the runtime's quotas
/// are per model and shared by every inference API).
fn bucket_key(lane_key: &str, service: &str, operation: &str, model: Option<&str>) -> String {
    match model {
        Some(model) if service == "bedrock-runtime" => format!("{lane_key} model {model}"),
        _ => format!("{lane_key} {operation}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn limit(in_flight: usize, burst: u32, per_second: f64) -> Limit {
        Limit {
            in_flight,
            burst,
            per_second,
        }
    }

    #[tokio::test(start_paused = true)]
    async fn each_member_account_has_lanes_of_its_own_and_the_caller_one_lane() {
        let limiter = Limiter::new(limit(1, 1, 1.0), limit(1, 1, 1.0));
        let soon = Duration::from_millis(10);
        let held = limiter
            .acquire_for(
                Some("111111111111"),
                "bedrock",
                "ListFoundationModels",
                Some("us-east-1"),
                None,
            )
            .await;
        // Another account's Bedrock in the same region: its own lane and bucket.
        let other = limiter.acquire_for(
            Some("222222222222"),
            "bedrock",
            "ListFoundationModels",
            Some("us-east-1"),
            None,
        );
        assert!(tokio::time::timeout(soon, other).await.is_ok());
        // The same account waits for its lane.
        let same = limiter.acquire_for(
            Some("111111111111"),
            "bedrock",
            "ListFoundationModels",
            Some("us-east-1"),
            None,
        );
        assert!(tokio::time::timeout(soon, same).await.is_err());
        drop(held);
        // The caller's STS calls share one lane, whatever account they are about.
        let caller = limiter
            .acquire_for(None, "sts", "AssumeRole", Some("us-east-1"), None)
            .await;
        let again = limiter.acquire_for(None, "sts", "AssumeRole", Some("eu-west-1"), None);
        assert!(tokio::time::timeout(soon, again).await.is_err());
        drop(caller);
    }

    #[tokio::test(start_paused = true)]
    async fn never_more_than_the_bound_in_flight() {
        let limiter = Arc::new(Limiter::new(limit(3, 100, 100.0), Limit::GLOBAL));
        // Different operations: only the lane bounds them, not a bucket.
        let operations = (0..20).map(|n| format!("Op{n}")).collect();
        assert_eq!(peak_in_flight_of(limiter, "bedrock", operations).await, 3);
    }

    #[tokio::test(start_paused = true)]
    async fn an_operation_sends_its_burst_then_at_its_rate() {
        let limiter = Limiter::new(limit(100, 3, 2.0), Limit::GLOBAL);
        let started = Instant::now();
        let mut at = Vec::new();
        for _ in 0..6 {
            let _permit = limiter
                .acquire("bedrock-runtime", "InvokeModel", Some("us-east-1"), None)
                .await;
            at.push(started.elapsed().as_millis());
        }
        // The refill is counted from `ARRIVAL_LAG` after the first token left the full bucket.
        let lag = ARRIVAL_LAG.as_millis();
        assert_eq!(at, [0, 0, 0, 500 + lag, 1000 + lag, 1500 + lag]);
        // Another operation, or the same one in another region, has a bucket of its own.
        let other = Instant::now();
        limiter
            .acquire("bedrock-runtime", "InvokeModel", Some("eu-west-1"), None)
            .await;
        limiter
            .acquire(
                "bedrock-runtime",
                "InvokeModelWithResponseStream",
                Some("us-east-1"),
                None,
            )
            .await;
        assert_eq!(other.elapsed(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn runtime_calls_share_their_models_bucket_whatever_the_operation() {
        let limiter = Limiter::new(limit(100, 2, 1.0), limit(100, 2, 1.0));
        let waited = |service: &'static str, operation: &'static str, model| {
            let limiter = &limiter;
            async move {
                let started = Instant::now();
                let _permit = limiter
                    .acquire(service, operation, Some("us-east-1"), model)
                    .await;
                started.elapsed()
            }
        };
        let sonnet = Some("us.anthropic.claude-sonnet-4-6");
        let haiku = Some("anthropic.claude-haiku-4-5-20251001-v1:0");
        // One model: InvokeModel and the stream draw on one bucket of two.
        assert_eq!(
            waited("bedrock-runtime", "InvokeModel", sonnet).await,
            Duration::ZERO
        );
        assert_eq!(
            waited("bedrock-runtime", "InvokeModelWithResponseStream", sonnet).await,
            Duration::ZERO
        );
        assert!(waited("bedrock-runtime", "InvokeModel", sonnet).await > Duration::ZERO);
        // Another model has a bucket of its own, as many times as the burst allows.
        for _ in 0..2 {
            assert_eq!(
                waited("bedrock-runtime", "InvokeModel", haiku).await,
                Duration::ZERO
            );
        }
        // Elsewhere the model names nothing: control-plane calls keep one bucket per operation.
        for _ in 0..2 {
            assert_eq!(
                waited("bedrock", "GetFoundationModel", haiku).await,
                Duration::ZERO
            );
        }
        assert!(waited("bedrock", "GetFoundationModel", sonnet).await > Duration::ZERO);
        assert_eq!(
            bucket_key(
                "bedrock-runtime us-east-1",
                "bedrock-runtime",
                "Converse",
                sonnet
            ),
            "bedrock-runtime us-east-1 model us.anthropic.claude-sonnet-4-6"
        );
        assert_eq!(
            bucket_key(
                "bedrock-runtime us-east-1",
                "bedrock-runtime",
                "Converse",
                None
            ),
            "bedrock-runtime us-east-1 Converse"
        );
    }

    /// How many of `count` requests of one operation are in flight at once at their peak.
    async fn peak_in_flight(
        limiter: Arc<Limiter>,
        service: &'static str,
        operation: &'static str,
        count: usize,
    ) -> usize {
        peak_in_flight_of(limiter, service, vec![operation.to_string(); count]).await
    }

    /// How many requests, one per operation named, are in flight at once at their peak; each
    /// holds its place for 100 ms.
    async fn peak_in_flight_of(
        limiter: Arc<Limiter>,
        service: &'static str,
        operations: Vec<String>,
    ) -> usize {
        let now = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for operation in operations {
            let (limiter, now, peak) = (limiter.clone(), now.clone(), peak.clone());
            tasks.push(tokio::spawn(async move {
                let _permit = limiter
                    .acquire(service, &operation, Some("us-east-1"), None)
                    .await;
                let inside = now.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(inside, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(100)).await;
                now.fetch_sub(1, Ordering::SeqCst);
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        peak.load(Ordering::SeqCst)
    }

    #[tokio::test(start_paused = true)]
    async fn the_policy_reads_of_a_five_level_path_leave_together() {
        // Root, five OUs and the account, one SCP of its own on each: seven DescribePolicy.
        let limiter = Arc::new(Limiter::default());
        assert_eq!(
            peak_in_flight(limiter.clone(), "organizations", "DescribePolicy", 7).await,
            7
        );
        // The bucket still bounds one operation: its burst at once, no more.
        assert_eq!(
            peak_in_flight(limiter, "organizations", "ListPoliciesForTarget", 30).await,
            BURST as usize
        );
        // IAM and STS keep the narrower global lane.
        let limiter = Arc::new(Limiter::default());
        assert_eq!(
            peak_in_flight(limiter, "iam", "GetRole", 7).await,
            GLOBAL_IN_FLIGHT
        );
    }

    #[tokio::test(start_paused = true)]
    async fn global_services_share_one_lane_across_regions() {
        let limiter = Limiter::new(limit(1, 100, 100.0), limit(1, 100, 100.0));
        let held = limiter
            .acquire("iam", "SimulatePrincipalPolicy", Some("us-east-1"), None)
            .await;
        let blocked = tokio::time::timeout(
            Duration::from_secs(5),
            limiter.acquire("iam", "SimulatePrincipalPolicy", Some("eu-west-1"), None),
        )
        .await;
        assert!(blocked.is_err(), "IAM is one lane whatever the region");
        let regional = tokio::time::timeout(
            Duration::from_secs(5),
            limiter.acquire("bedrock", "ListFoundationModels", Some("eu-west-1"), None),
        )
        .await;
        assert!(regional.is_ok(), "Bedrock in eu-west-1 is not IAM's lane");
        drop(held);
        let freed = tokio::time::timeout(
            Duration::from_secs(5),
            limiter.acquire("iam", "SimulatePrincipalPolicy", Some("eu-west-1"), None),
        )
        .await;
        assert!(freed.is_ok(), "a dropped permit frees its place");
    }
}
