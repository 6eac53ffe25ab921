//! A local stand-in for Amazon Bedrock (control plane and runtime), which moto lacks.
//!
//! It speaks the real wire protocol — restJson1, SigV4, event streams — so the CLI under test
//! runs the unmodified AWS SDK against it. What the account looks like comes from a scenario
//! file (`tests/scenarios/*.toml`, format in `tests/scenarios/README.md`).
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let stub = testbed::Stub::start(testbed::Scenario::load("healthy")).await?;
//! std::env::set_var("AWS_ENDPOINT_URL_BEDROCK", stub.url());
//! # Ok(()) }
//! ```

pub mod api_key;
mod catalog;
pub mod cloudtrail;
pub mod eventstream;
mod faults;
mod http;
mod moto;
mod ops;
pub mod quotas;
#[doc(hidden)]
pub mod router;
mod scenario;
mod server;
pub mod sigv4;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use sha2::{Digest, Sha256};

pub use faults::{HUGE_BODY_BYTES, UNMODELLED_ERROR};
pub use moto::{Moto, MOTO_ACCOUNT, SEEDED_USER};
pub use scenario::{
    is_stream_operation, scenarios_dir, ApiKey, Clock, CloudTrailHistory, Credentials, Fault,
    Override, QuotaSetting, RateLimit, RateScope, Scenario, DEFAULT_REGION, FAULT_NAMES,
    IAM_DECISIONS, STREAM_FAULT_NAMES,
};
pub use server::STUB_ACCOUNT;

/// Connections the stub's listening socket queues before it accepts them. A `--regions
/// all-bedrock` run opens hundreds at once while the stub's one thread is busy answering; past the
/// queue (Rust's default is 128) the kernel drops the connection attempt, and the client's TCP
/// sends it again only after its initial retransmission timeout, one second (RFC 6298, 2.1): a
/// delay of the test bed's own, which AWS's endpoints do not add. The kernel caps it at
/// `net.core.somaxconn` (4096 by default since Linux 5.4).
pub const LISTEN_BACKLOG: u32 = 1024;

/// Throwaway credentials every scenario accepts unless it says otherwise (AWS's documented example key).
pub const TEST_ACCESS_KEY_ID: &str = "AKIAIOSFODNN7EXAMPLE";
pub const TEST_SECRET_ACCESS_KEY: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

/// One request as the stub saw it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Call {
    /// `bedrock`, `bedrock-runtime`, `servicequotas` or `sts`.
    pub service: String,
    /// e.g. `ListFoundationModels`; `UnknownOperation` when no route matched.
    pub operation: String,
    /// From the SigV4 credential scope; for a call with an API key, the Region the endpoint stands for.
    pub region: Option<String>,
    pub access_key_id: Option<String>,
    /// How the request authenticated: `bearer` (`Authorization: Bearer ...`, an API key), `sigv4`
    /// (`Authorization: AWS4-HMAC-SHA256 ...`) or `none` (no Authorization header, or another scheme).
    pub auth: String,
    /// Whether the request carried anything of a SigV4 signature: an `AWS4-HMAC-SHA256`
    /// Authorization, an `X-Amz-Date` or `X-Amz-Security-Token` header, or an `X-Amz-Signature`
    /// query parameter.
    pub sigv4_signed: bool,
    /// HTTP status sent; 0 when a fault (hang, reset) sent none.
    pub status: u16,
    /// Refused by the scenario's `[rate_limit]` (a `ThrottlingException`).
    pub throttled: bool,
    /// The path parameter as received, decoded (a `modelId`, a `modelIdentifier`, a profile id).
    pub param: Option<String>,
    /// When the stub had read the request and decided its answer, in milliseconds since it
    /// started serving (its answer follows `latency_ms` later).
    pub at_ms: f64,
}

/// One AssumeRole request as the STS front received it (beside moto, [`Stub::start_org`]).
#[derive(Clone, Debug, serde::Serialize)]
pub struct AssumeRoleRequest {
    pub role_arn: String,
    pub role_session_name: Option<String>,
    pub duration_seconds: Option<u64>,
    pub external_id: Option<String>,
}

/// A running stub. It serves on its own thread and runtime, so it keeps answering while the
/// test blocks on a child process; dropping it stops the server and frees the port.
pub struct Stub {
    addr: SocketAddr,
    state: Arc<server::State>,
    shutdown: tokio::sync::watch::Sender<bool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Stub {
    /// Binds 127.0.0.1 on a free port.
    pub async fn start(scenario: Scenario) -> std::io::Result<Stub> {
        Stub::start_on_port(scenario, 0)
    }

    /// Binds 127.0.0.1:`port` (0 picks a free one); for the `testbed` binary.
    pub fn start_on_port(scenario: Scenario, port: u16) -> std::io::Result<Stub> {
        Stub::start_with(server::State::new(scenario), port)
    }

    /// The stub beside a moto_server (`moto_url`) that holds a test Organization: its STS is a
    /// front for moto's that refuses AssumeRole as AWS does (a missing role, a trust policy that
    /// does not trust the caller, a missing or wrong external id) and relays the rest; a request
    /// to Bedrock or Service Quotas is answered with the scenario of the account its credentials
    /// belong to ([`Scenario::with_account`], `[accounts."ID"]`). Binds 127.0.0.1:`port`.
    pub fn start_org(scenario: Scenario, moto_url: &str, port: u16) -> std::io::Result<Stub> {
        let mut state = server::State::new(scenario);
        state.moto = Some(moto_url.trim_end_matches('/').to_string());
        Stub::start_with(state, port)
    }

    fn start_with(state: server::State, port: u16) -> std::io::Result<Stub> {
        let socket = tokio::net::TcpSocket::new_v4()?;
        // As `std::net::TcpListener::bind` does on Unix: a port freed moments ago binds again.
        #[cfg(unix)]
        socket.set_reuseaddr(true)?;
        socket.bind(SocketAddr::from(([127, 0, 0, 1], port)))?;
        let addr = socket.local_addr()?;
        let state = Arc::new(state);
        let (shutdown, rx) = tokio::sync::watch::channel(false);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let served = state.clone();
        let (ready, listening) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name(format!("testbed-{}", addr.port()))
            .spawn(move || {
                runtime.block_on(async move {
                    // The listener belongs to this thread's runtime, so it is made here.
                    match socket.listen(LISTEN_BACKLOG) {
                        Ok(listener) => {
                            let _ = ready.send(Ok(()));
                            server::serve(listener, served, rx).await
                        }
                        Err(e) => {
                            let _ = ready.send(Err(e));
                        }
                    }
                });
            })?;
        listening
            .recv()
            .map_err(|_| std::io::Error::other("the stub's thread ended before listening"))??;
        Ok(Stub {
            addr,
            state,
            shutdown,
            thread: Some(thread),
        })
    }

    /// `http://127.0.0.1:PORT`, for `AWS_ENDPOINT_URL_BEDROCK` and `AWS_ENDPOINT_URL_BEDROCK_RUNTIME`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request received so far, in arrival order.
    pub fn calls(&self) -> Vec<Call> {
        self.state
            .calls
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The AssumeRole requests the STS front received so far (refused ones included), by the
    /// account of the role they named.
    pub fn assume_role_calls(&self) -> std::collections::BTreeMap<String, usize> {
        let mut counts = std::collections::BTreeMap::new();
        for call in self.calls() {
            if call.service == "sts" && call.operation == "AssumeRole" {
                let role = call.param.unwrap_or_default();
                let account = role.split(':').nth(4).unwrap_or_default().to_string();
                *counts.entry(account).or_insert(0) += 1;
            }
        }
        counts
    }

    /// The keys the stub learned from the AssumeRole answers it relayed (secret and session token
    /// included): what a test must find in no output.
    pub fn learned_credentials(&self) -> Vec<Credentials> {
        self.state
            .learned
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .cloned()
            .collect()
    }

    /// Every AssumeRole request the STS front received, in arrival order.
    pub fn assume_role_requests(&self) -> Vec<AssumeRoleRequest> {
        self.state
            .assume_role_requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The account each access key id seen belongs to, as moto's STS told the stub.
    pub fn accounts_by_key(&self) -> std::collections::BTreeMap<String, String> {
        self.state
            .accounts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// Requests refused so far by the scenario's `[rate_limit]`.
    pub fn throttled(&self) -> u64 {
        self.state
            .throttled
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn scenario(&self) -> &Scenario {
        &self.state.scenario
    }
}

impl Drop for Stub {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A fresh UUID-shaped request id, like `x-amzn-RequestId`.
pub(crate) fn request_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let mut h = Sha256::new();
    h.update(nanos.to_le_bytes());
    h.update(COUNTER.fetch_add(1, Ordering::Relaxed).to_le_bytes());
    h.update(std::process::id().to_le_bytes());
    let x = hex::encode(&h.finalize()[..16]);
    format!(
        "{}-{}-4{}-a{}-{}",
        &x[..8],
        &x[8..12],
        &x[13..16],
        &x[17..20],
        &x[20..32]
    )
}

/// Exposes the operation table and default bodies to the drift test; not a stable API.
#[doc(hidden)]
pub mod introspect {
    pub use crate::ops::{anthropic_stream_events, converse_stream_events};
    use serde_json::Value;

    /// The default success body of `operation` for a path parameter, as JSON (non-stream ops).
    pub fn default_body(operation: &str, param: Option<&str>, body: &[u8]) -> (u16, Value) {
        let reply = default_answer(operation, param, body);
        (
            reply.status,
            serde_json::from_slice(&reply.body).unwrap_or(Value::Null),
        )
    }

    /// The raw default answer: status, extra headers and body bytes (event-stream frames for streams).
    pub fn default_reply(
        operation: &str,
        param: Option<&str>,
        body: &[u8],
    ) -> (u16, Vec<(String, String)>, Vec<u8>) {
        let reply = default_answer(operation, param, body);
        (reply.status, reply.headers, reply.body)
    }

    /// What the stub answers `operation` by default in us-east-1, without a query string.
    fn default_answer(operation: &str, param: Option<&str>, body: &[u8]) -> crate::ops::Reply {
        crate::ops::handle(&crate::ops::Input {
            operation,
            param,
            query: &[],
            body,
            region: "us-east-1",
        })
    }

    /// A Service Quotas answer: status and JSON body (errors included) for a JSON 1.1 request body.
    pub fn service_quotas_reply(
        operation: &str,
        body: &[u8],
        scenario: &crate::Scenario,
    ) -> (u16, Value) {
        let reply = crate::quotas::handle(operation, body, "us-east-1", &scenario.quotas);
        (
            reply.status,
            serde_json::from_slice(&reply.body).unwrap_or(Value::Null),
        )
    }

    /// CloudTrail's `LookupEvents` answer in `region` at `now` (seconds since the epoch): status and
    /// JSON body (errors included) for a JSON 1.1 request body.
    pub fn lookup_events_reply(
        body: &[u8],
        region: &str,
        now: i64,
        scenario: &crate::Scenario,
    ) -> (u16, Value) {
        let reply =
            crate::cloudtrail::lookup_events(body, region, now, scenario.cloudtrail.as_ref());
        (
            reply.status,
            serde_json::from_slice(&reply.body).unwrap_or(Value::Null),
        )
    }

    /// The stub's IAM answer (status and XML body) to an AWS query-protocol request body
    /// (`Action=SimulatePrincipalPolicy&...`), as if signed with an accepted key.
    pub fn iam_reply(body: &str, scenario: &crate::Scenario) -> (u16, String) {
        let state = crate::server::State::new(scenario.clone());
        let reply = crate::server::iam_unsigned(&state, body.as_bytes());
        (
            reply.status,
            String::from_utf8_lossy(&reply.body).into_owned(),
        )
    }

    /// The AssumeRole parameters the STS front reads, for the drift test.
    pub use crate::server::ASSUME_ROLE_PARAMS;

    /// The STS front's refusal of an AssumeRole (status and XML body), as it sends it.
    pub fn assume_role_refusal(caller: &str, role_arn: &str) -> (u16, String) {
        let reply = crate::server::assume_role_refusal(caller, role_arn);
        (
            reply.status,
            String::from_utf8_lossy(&reply.body).into_owned(),
        )
    }

    /// Whether the STS front lets `caller` assume a role with this trust policy and external id.
    pub fn trusts(policy: &Value, caller: &str, external_id: Option<&str>) -> bool {
        crate::server::trusts(policy, caller, external_id)
    }

    /// Every model id and inference-profile id the healthy account knows.
    pub fn known_ids() -> (Vec<String>, Vec<String>) {
        let models = crate::catalog::models()
            .iter()
            .filter_map(|m| m["modelId"].as_str().map(String::from))
            .collect();
        let mut profiles = Vec::new();
        for region in ["us-east-1", "eu-west-1"] {
            for p in crate::catalog::profiles(region) {
                profiles.push(
                    p["inferenceProfileId"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string(),
                );
            }
        }
        (models, profiles)
    }
}
