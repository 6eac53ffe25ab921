//! The facts several checks need, fetched once per run on first demand and shared.
//!
//! A check asks `facts.caller_identity().await`; the first asker makes the call, the others wait for
//! it and get the same answer (failures included, so dependent checks report the same cause). A check
//! run alone (`--only clock`) still works: it fetches what it needs.
//!
//! One job per file: `bootstrap` builds the SDK clients, `gateway` is the one way a fact calls AWS
//! (and the one paginator), `memo` keeps per-key answers, and each other module holds one family
//! of facts. Facts sit below the checks: they never name a check or call into `checks/`; a fact
//! that stands on another says which ([`Prerequisite`]), and the checks name the check to fix.

pub mod api_key;
pub mod assume;
mod bootstrap;
pub mod catalog;
pub mod credential_source;
mod credentials;
mod gateway;
pub mod iam;
mod identity;
mod memo;
pub mod model_ids;
pub mod models;
pub mod opt_in;
pub mod orgs;
pub mod profiles;
pub mod quota_routes;
pub mod quotas;
pub mod runtime;
#[cfg(test)]
pub(crate) mod test_support;

pub use bootstrap::validate_profile;
pub use catalog::ModelList;
pub use credentials::{mask_key_id, CredentialsFact};
pub use identity::Identity;
pub use memo::Memo;
pub use orgs::{OrgAccountInfo, OrgUnit};

use crate::calls::CallError;
use crate::catalogue::dx;
use crate::Evidence;
use aws_config::SdkConfig;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};
use tokio::sync::OnceCell;

/// What the person asked for, validated by the command line before it gets here.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub region: Option<String>,
    /// The regions of a `--regions` sweep, in order (the first is where the account-wide checks
    /// run); empty for a single-region run.
    pub regions: Vec<String>,
    pub profile: Option<String>,
    pub models: Vec<String>,
    pub inference_profile: Option<String>,
    pub endpoint_url: Option<String>,
    pub no_invoke: bool,
    /// Deadline for one AWS call, all attempts included.
    pub call_timeout: Duration,
    /// What `bedrock-doctor org` hands the facts of one account of an Organization; empty for
    /// `check`.
    pub given: Given,
}

/// What `bedrock-doctor org` gives the facts of one account it checks: the credentials it entered
/// the account with, the run's one limiter, and what it read of the Organization with its own
/// credentials (a member account cannot read the Organization's SCPs).
#[derive(Debug, Clone, Default)]
pub struct Given {
    /// Used instead of the provider chain (no profile, no environment); a Bedrock API key in the
    /// environment is not used either: it belongs to the caller's account, not this one.
    pub credentials: Option<StaticCredentials>,
    /// The run's limiter, shared by every account's facts; `None`: a limiter of these facts' own.
    pub limiter: Option<std::sync::Arc<crate::limits::Limiter>>,
    /// The account whose quotas these facts' calls count against, when it is not the caller's:
    /// the limiter gives it lanes of its own (see [`crate::limits::Limiter::acquire_for`]).
    pub limiter_account: Option<String>,
    /// DescribeOrganization as the caller read it: the same Organization for every account.
    pub membership: Option<(orgs::Membership, Evidence)>,
    /// The SCP path of the account (its id, and the path or why it could not be read), read
    /// with the caller's credentials.
    pub scp_path: Option<(String, Result<orgs::ScpPath, FactError>)>,
    /// The caller's HTTP client, shared by every account: one TLS configuration and one
    /// connection pool for the run, whatever the number of accounts (each account's calls go to
    /// the same regional hosts). `None`: a client of these facts' own.
    pub http_client: Option<aws_smithy_runtime_api::client::http::SharedHttpClient>,
}

/// Credentials given in code rather than found by the provider chain: those `sts:AssumeRole`
/// returned for a member account. `Debug` shows the access key id masked and nothing of the
/// secret or the token.
#[derive(Clone)]
pub struct StaticCredentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
    pub expiry: Option<SystemTime>,
    /// Where they came from, as the `credentials` check reports it.
    pub source: String,
}

impl std::fmt::Debug for StaticCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaticCredentials")
            .field("access_key_id", &mask_key_id(&self.access_key_id))
            .field("secret_access_key", &"** redacted **")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "** redacted **"),
            )
            .field("expiry", &self.expiry)
            .field("source", &self.source)
            .finish()
    }
}

/// Where the region came from, in the order the SDK looks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegionSource {
    Flag,
    /// One region of a `--regions` sweep.
    Sweep,
    Env(&'static str),
    ProfileOrImds,
}

impl RegionSource {
    pub fn describe(&self, profile: &str) -> String {
        match self {
            RegionSource::Flag => "--region".into(),
            RegionSource::Sweep => "--regions".into(),
            RegionSource::Env(var) => (*var).into(),
            RegionSource::ProfileOrImds => format!("profile `{profile}` (or instance metadata)"),
        }
    }
}

/// A `Date` header from AWS and the local time it arrived.
#[derive(Debug, Clone)]
pub struct ClockSample {
    pub service: String,
    pub server: SystemTime,
    pub local: SystemTime,
}

/// A fact other facts stand on: without credentials no call is signed, and without the caller's
/// identity no policy can be read for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prerequisite {
    Credentials,
    CallerIdentity,
}

/// Why a fact is not available.
#[derive(Debug, Clone)]
pub enum FactError {
    /// A fact this one stands on is missing (`reason`: its diagnosis); fix that first.
    Needs { fact: Prerequisite, reason: String },
    /// The call was made and failed.
    Call(CallError),
    /// The fact does not apply to this setup (AWS credentials are needed, and only a Bedrock API
    /// key is configured): the checks that need it skip, saying why.
    Unavailable(String),
}

impl From<CallError> for FactError {
    fn from(err: CallError) -> FactError {
        FactError::Call(err)
    }
}

/// The facts of one region. A `--regions` sweep has one per region, all built from the first
/// region's (see [`Facts::for_region`]) and sharing [`Shared`]: the credentials, the caller, the
/// Organization and the request limiter are the same whatever the region.
pub struct Facts {
    settings: Settings,
    profile_name: String,
    region_source: Option<RegionSource>,
    sdk: SdkConfig,
    sts: aws_sdk_sts::Client,
    bedrock: aws_sdk_bedrock::Client,
    runtime: aws_sdk_bedrockruntime::Client,
    iam: aws_sdk_iam::Client,
    organizations: aws_sdk_organizations::Client,
    servicequotas: aws_sdk_servicequotas::Client,
    /// The Bedrock API key in the environment, if any (set but empty included).
    api_key: Option<api_key::ApiKey>,
    anthropic_models: OnceCell<Result<ModelList, FactError>>,
    memos: models::ModelMemos,
    shared: std::sync::Arc<Shared>,
    /// In a sweep, the first region's facts (`None` there and in a single-region run): without
    /// `--model`, the model under test is picked there, so every region tests the same one.
    home: Option<std::sync::Arc<Facts>>,
}

/// What the facts of every region of a run share: facts about the account, not the region, and
/// what one region may learn for another (a model's catalog entry in a region, an authorization
/// probe of a destination region), each fetched once per run.
#[derive(Default)]
pub(crate) struct Shared {
    credentials: OnceCell<Result<CredentialsFact, FactError>>,
    identity: OnceCell<Result<Identity, FactError>>,
    /// `Date` headers of every region's answers: they all sample the one local clock.
    clock_samples: Mutex<Vec<ClockSample>>,
    pub(crate) membership: OnceCell<Result<(orgs::Membership, Evidence), FactError>>,
    pub(crate) scp_path: Memo<Result<orgs::ScpPath, FactError>>,
    /// Whether the credentials work in a default region, asked only after a rejection in an
    /// opt-in region (see `opt_in`): the evidence of the call that proved it.
    pub(crate) keys_work_elsewhere: OnceCell<Option<Evidence>>,
    /// The caller as policies see it (`aws:PrincipalArn`), from `iam:GetRole` for a role.
    pub(crate) principal: OnceCell<Result<iam::Principal, FactError>>,
    /// `GetFoundationModel` per region and model, keyed `region model`.
    pub(crate) details: Memo<Result<(models::ModelInfo, Evidence), FactError>>,
    /// Authorization probes per destination region and model, keyed `region model`: the answer
    /// does not depend on the region whose profile routes there.
    pub(crate) probes: Memo<(profiles::Destination, Evidence)>,
    /// Level reads and policy contents of the SCPs, shared by every account's path (`org`).
    pub(crate) scp_levels: Memo<Result<orgs::LevelRead, FactError>>,
    pub(crate) scp_contents: Memo<Result<(String, Evidence), FactError>>,
    pub(crate) limiter: std::sync::Arc<crate::limits::Limiter>,
    /// The account the limiter counts these calls against, when not the caller's (`org`).
    pub(crate) limiter_account: Option<String>,
}

impl Shared {
    /// The shared facts of a run, with what `org` gave already in place.
    pub(crate) fn given(given: &Given) -> Shared {
        let shared = Shared {
            limiter: given.limiter.clone().unwrap_or_default(),
            limiter_account: given.limiter_account.clone(),
            membership: OnceCell::new_with(given.membership.clone().map(Ok)),
            ..Shared::default()
        };
        if let Some((account, path)) = &given.scp_path {
            shared.scp_path.preset(account, path.clone());
        }
        shared
    }
}

impl Facts {
    /// The Bedrock API key in the environment, if one is set (empty or not).
    pub fn api_key(&self) -> Option<&api_key::ApiKey> {
        self.api_key.as_ref()
    }

    /// The key bedrock and bedrock-runtime calls carry instead of a signature, when one does.
    pub fn key_in_use(&self) -> Option<&api_key::ApiKey> {
        self.api_key.as_ref().filter(|k| !k.is_empty())
    }

    /// Whether Bedrock calls can be made: with an API key, or with the chain's credentials.
    pub(crate) async fn bedrock_ready(&self) -> Result<(), FactError> {
        if self.key_in_use().is_some() {
            return Ok(());
        }
        self.credentials()
            .await
            .map(|_| ())
            .map_err(needs_credentials)
    }

    /// Whether STS, IAM and Organizations can be called: they take only signed requests, whatever
    /// key Bedrock calls carry.
    pub(crate) async fn sigv4_ready(&self, service: &str) -> Result<(), FactError> {
        match self.credentials().await {
            Ok(_) => Ok(()),
            Err(FactError::Call(e)) if e.diagnosis == dx::NO_CREDENTIALS => {
                match self.key_in_use() {
                    Some(key) => Err(FactError::Unavailable(format!(
                        "the Bedrock API key ({}) authenticates only bedrock and bedrock-runtime calls; \
                         {service} needs AWS credentials, and the provider chain found none",
                        key.variable
                    ))),
                    None => Err(needs_credentials(FactError::Call(e))),
                }
            }
            Err(err) => Err(needs_credentials(err)),
        }
    }
    /// The first region's facts in a sweep, for a region built by [`Facts::for_region`].
    pub fn home(&self) -> Option<&Facts> {
        self.home.as_deref()
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    pub fn sdk_config(&self) -> &SdkConfig {
        &self.sdk
    }

    /// The HTTP client every client of these facts uses (see [`Given::http_client`]).
    pub fn http_client(&self) -> Option<aws_smithy_runtime_api::client::http::SharedHttpClient> {
        self.sdk.http_client()
    }

    pub fn profile_name(&self) -> &str {
        &self.profile_name
    }

    pub fn region(&self) -> Option<&str> {
        self.sdk.region().map(|r| r.as_ref())
    }

    pub fn region_source(&self) -> Option<&RegionSource> {
        self.region_source.as_ref()
    }

    /// The endpoint URL the SDK will use for a service, following its precedence: `--endpoint-url`,
    /// then `AWS_ENDPOINT_URL_<SERVICE>`, `AWS_ENDPOINT_URL`, the profile's `[services]` and
    /// `endpoint_url` (aws-sdk-bedrock `config.rs`, `From<&SdkConfig>`); `None` means the default
    /// AWS endpoint.
    pub fn configured_endpoint(&self, service_id: &str) -> Option<String> {
        if let Some(url) = &self.settings.endpoint_url {
            return Some(url.clone());
        }
        let key = aws_types::service_config::ServiceConfigKey::builder()
            .service_id(service_id)
            .env("AWS_ENDPOINT_URL")
            .profile("endpoint_url")
            .build()
            .ok()?;
        self.sdk
            .service_config()
            .and_then(|conf| conf.load_config(key))
            .or_else(|| self.sdk.endpoint_url().map(str::to_string))
    }

    pub fn clock_samples(&self) -> Vec<ClockSample> {
        self.shared
            .clock_samples
            .lock()
            .map(|s| s.clone())
            .unwrap_or_default()
    }

    /// The caller's identity if some check already asked for it; never makes a call.
    pub fn known_identity(&self) -> Option<&Identity> {
        self.shared.identity.get().and_then(|r| r.as_ref().ok())
    }

    /// The credentials if some check already resolved them; never resolves them.
    pub fn known_credentials(&self) -> Option<&CredentialsFact> {
        self.shared.credentials.get().and_then(|r| r.as_ref().ok())
    }
}

fn needs_credentials(err: FactError) -> FactError {
    let reason = match err {
        FactError::Call(e) => e.diagnosis.to_string(),
        FactError::Needs { reason, .. } | FactError::Unavailable(reason) => reason,
    };
    FactError::Needs {
        fact: Prerequisite::Credentials,
        reason,
    }
}
