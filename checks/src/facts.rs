//! The facts several checks need, fetched once per run on first demand and shared.
//!
//! A check asks `facts.caller_identity().await`; the first asker makes the call, the others wait for
//! it and get the same answer (failures included, so dependent checks report the same cause). A check
//! run alone (`--only clock`) still works: it fetches what it needs.

use crate::calls::{CallError, CallSite, Observed, Recorder};

pub mod api_key;
pub mod credential_source;
pub mod iam;
pub mod model_ids;
pub mod models;
pub mod opt_in;
pub mod orgs;
pub mod profiles;
pub mod quota_routes;
pub mod quotas;
pub mod runtime;
use crate::catalogue::dx;
use crate::{Evidence, Report};
use aws_config::meta::region::RegionProviderChain;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, SdkConfig};
use aws_credential_types::credential_feature::AwsCredentialFeature;
use aws_credential_types::provider::error::CredentialsError;
use aws_types::region::Region;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};
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

/// The credentials the provider chain produced, without the secret.
#[derive(Debug, Clone)]
pub struct CredentialsFact {
    pub access_key_id_masked: String,
    pub temporary: bool,
    pub source: String,
    pub expiry: Option<SystemTime>,
}

/// Who the caller is, per `sts:GetCallerIdentity`.
#[derive(Debug, Clone)]
pub struct Identity {
    pub account_id: String,
    pub arn: String,
    pub user_id: String,
    pub evidence: Evidence,
}

/// The Anthropic models ListFoundationModels shows in the region (the probe of the Bedrock control
/// plane every model check starts from).
#[derive(Debug, Clone)]
pub struct ModelList {
    pub models: Vec<models::ModelInfo>,
    pub evidence: Evidence,
}

/// A `Date` header from AWS and the local time it arrived.
#[derive(Debug, Clone)]
pub struct ClockSample {
    pub service: String,
    pub server: SystemTime,
    pub local: SystemTime,
}

/// Why a fact is not available.
#[derive(Debug, Clone)]
pub enum FactError {
    /// Another check's subject is broken; fix that first.
    Needs { check: &'static str, reason: String },
    /// The call was made and failed.
    Call(CallError),
    /// The fact does not apply to this setup (AWS credentials are needed, and only a Bedrock API
    /// key is configured): the checks that need it skip, saying why.
    Unavailable(String),
}

impl FactError {
    /// The report of a check that needed this fact: a skip naming the check to fix first, or the
    /// call's own failure.
    pub fn to_report(&self) -> Report {
        match self {
            FactError::Needs { check, reason } => {
                Report::skip(format!("needs `{check}` to pass first ({reason})"))
            }
            FactError::Call(err) => err.to_report(),
            FactError::Unavailable(reason) => Report::skip(reason.clone()),
        }
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
    limiter: crate::limits::Limiter,
}

/// One lazily computed value per key (a model id): the per-model facts.
pub struct Memo<V> {
    cells: Mutex<std::collections::HashMap<String, std::sync::Arc<OnceCell<V>>>>,
}

impl<V> Default for Memo<V> {
    fn default() -> Self {
        Memo {
            cells: Mutex::new(std::collections::HashMap::new()),
        }
    }
}

impl<V: Clone> Memo<V> {
    pub async fn get_or_init<F: std::future::Future<Output = V>>(
        &self,
        key: &str,
        init: impl FnOnce() -> F,
    ) -> V {
        let cell = {
            let mut cells = self.cells.lock().unwrap_or_else(|e| e.into_inner());
            cells.entry(key.to_string()).or_default().clone()
        };
        cell.get_or_init(init).await.clone()
    }

    /// The value if some check already computed it.
    pub fn get(&self, key: &str) -> Option<V> {
        let cells = self.cells.lock().unwrap_or_else(|e| e.into_inner());
        cells.get(key).and_then(|c| c.get().cloned())
    }
}

/// IMDS is the last link of both provider chains. Its SDK defaults (4 attempts, 1 s connect and read
/// timeouts, backoff) cost several seconds off EC2, where it never answers; one attempt with short
/// timeouts is enough to tell "no metadata service" on a laptop and still works on EC2.
const IMDS_TIMEOUT: Duration = Duration::from_secs(1);

/// The budget of the credentials chain's IMDS lookup once the region chain's lookup has already
/// waited out [`IMDS_TIMEOUT`] for nothing: a silent metadata service, asked again, answers the
/// same, and a second full wait would put a run without credentials or region at over 2 seconds.
const IMDS_RECHECK_TIMEOUT: Duration = Duration::from_millis(250);

fn imds_client(timeout: Duration) -> aws_config::imds::Client {
    aws_config::imds::Client::builder()
        .max_attempts(1)
        .connect_timeout(Duration::from_millis(500).min(timeout))
        .read_timeout(timeout)
        .operation_timeout(timeout)
        .build()
}

/// The provider chain, resolved once per run: the `credentials` check and every client of every
/// region share one resolution (a `credential_process`, an SSO token exchange or an assumed role
/// runs once, not once per client), until the credentials come within [`REFRESH_BEFORE`] of
/// their expiry. Failures are not kept: the next caller tries again.
#[derive(Debug)]
struct ResolveOnce {
    chain: aws_credential_types::provider::SharedCredentialsProvider,
    resolved: tokio::sync::Mutex<Option<aws_credential_types::Credentials>>,
}

/// Credentials this close to their expiry are resolved again (the SDK's identity cache uses the
/// same margin).
const REFRESH_BEFORE: Duration = Duration::from_secs(10);

impl ResolveOnce {
    fn new(chain: impl aws_credential_types::provider::ProvideCredentials + 'static) -> Self {
        ResolveOnce {
            chain: aws_credential_types::provider::SharedCredentialsProvider::new(chain),
            resolved: tokio::sync::Mutex::new(None),
        }
    }
}

impl aws_credential_types::provider::ProvideCredentials for ResolveOnce {
    fn provide_credentials<'a>(
        &'a self,
    ) -> aws_credential_types::provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        aws_credential_types::provider::future::ProvideCredentials::new(async move {
            // Held across the resolution: concurrent first callers wait for the one in progress.
            let mut resolved = self.resolved.lock().await;
            let fresh_enough = |c: &aws_credential_types::Credentials| {
                c.expiry()
                    .is_none_or(|at| at > SystemTime::now() + REFRESH_BEFORE)
            };
            if let Some(creds) = resolved.as_ref().filter(|c| fresh_enough(c)) {
                return Ok(creds.clone());
            }
            let creds = self.chain.provide_credentials().await?;
            *resolved = Some(creds.clone());
            Ok(creds)
        })
    }
}

/// One HTTP client for every service client of every region. Left unset, each service client
/// (five per run, two more per region of a sweep, one per destination probe) builds its own: its
/// own TLS trust store, parsed from the system's certificates, and its own connection pool. Built
/// as the SDK builds its default (aws-smithy-runtime `default_https_client`): rustls with aws-lc,
/// and the proxy settings of the environment (`HTTPS_PROXY`, `NO_PROXY`…).
fn shared_http_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    use aws_smithy_http_client::proxy::ProxyConfig;
    use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
    use aws_smithy_http_client::{Builder, ConnectorBuilder};
    Builder::new().build_with_connector_fn(|settings, components| {
        let mut connector =
            ConnectorBuilder::default().tls_provider(Provider::Rustls(CryptoMode::AwsLc));
        connector.set_connector_settings(settings.cloned());
        if let Some(components) = components {
            connector.set_sleep_impl(components.sleep_impl());
        }
        connector.set_proxy_config(Some(ProxyConfig::from_env()));
        connector.build()
    })
}

impl Facts {
    pub async fn load(settings: Settings) -> Facts {
        let profile_name = settings
            .profile
            .clone()
            .or_else(|| std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty()))
            .unwrap_or_else(|| "default".to_string());

        // A sweep loads its first region; the others are built from it (`for_region`).
        let wanted = settings
            .regions
            .first()
            .cloned()
            .or_else(|| settings.region.clone());
        let region_chain = RegionProviderChain::first_try(wanted.map(Region::new))
            .or_else(aws_config::environment::region::EnvironmentVariableRegionProvider::new())
            .or_else(
                aws_config::profile::region::ProfileFileRegionProvider::builder()
                    .profile_name(&profile_name)
                    .build(),
            )
            .or_else(
                aws_config::imds::region::ImdsRegionProvider::builder()
                    .imds_client(imds_client(IMDS_TIMEOUT))
                    .build(),
            );
        let region_started = Instant::now();
        let region = region_chain.region().await;
        // Only the instance-metadata link can take this long and still find no region.
        let imds_silent = region.is_none() && region_started.elapsed() >= IMDS_TIMEOUT / 2;
        let region_source = region.as_ref().map(|_| region_source(&settings));

        let credentials =
            aws_config::default_provider::credentials::DefaultCredentialsChain::builder()
                .profile_name(&profile_name)
                .imds_client(imds_client(if imds_silent {
                    IMDS_RECHECK_TIMEOUT
                } else {
                    IMDS_TIMEOUT
                }))
                .region(region.clone())
                .build()
                .await;

        // Two attempts: enough for the SDK's clock-skew correction and one transient retry, few
        // enough that a broken service answers within the per-call budget. Every attempt is
        // recorded, so retries never hide the first error.
        let retry = RetryConfig::standard()
            .with_max_attempts(2)
            .with_initial_backoff(Duration::from_millis(200));
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(Duration::from_millis(3100))
            .operation_timeout(settings.call_timeout)
            .build();
        // Built here for the same reason as the credentials chain: left to the loader, the SSO token
        // chain resolves the region again, through instance metadata with the SDK's defaults.
        let token = aws_config::default_provider::token::DefaultTokenChain::builder()
            .profile_name(&profile_name)
            .region(region.clone())
            .build()
            .await;
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .profile_name(&profile_name)
            .http_client(shared_http_client())
            .credentials_provider(ResolveOnce::new(credentials))
            .token_provider(token)
            .retry_config(retry)
            .timeout_config(timeouts);
        // Always set, even to None: left unset, the loader would run its own default region chain,
        // with the SDK's slow instance-metadata defaults.
        loader = loader.region(region);
        if let Some(url) = &settings.endpoint_url {
            loader = loader.endpoint_url(url);
        }
        let sdk = loader.load().await;
        let found = api_key::value_from_env();
        let api_key = found
            .as_ref()
            .map(|(variable, value)| api_key::ApiKey::parse(variable, value));
        let (bedrock, runtime) = bedrock_clients(&sdk, found);
        Facts {
            sts: aws_sdk_sts::Client::new(&sdk),
            bedrock,
            runtime,
            api_key,
            iam: aws_sdk_iam::Client::new(&sdk),
            organizations: aws_sdk_organizations::Client::new(&sdk),
            servicequotas: aws_sdk_servicequotas::Client::new(&sdk),
            memos: models::ModelMemos::default(),
            sdk,
            settings,
            profile_name,
            region_source,
            anthropic_models: OnceCell::new(),
            shared: std::sync::Arc::new(Shared::default()),
            home: None,
        }
    }

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

    /// The facts of another region of a sweep, built from these (the first region's): the same
    /// configuration, credentials provider and identity cache (so the credentials are resolved
    /// once for every client of every region), the same STS, IAM and Organizations clients, and
    /// the same [`Shared`] account facts and limiter. Only the Bedrock clients and the regional
    /// facts are new.
    pub fn for_region(home: &std::sync::Arc<Facts>, region: &str) -> Facts {
        let sdk = home
            .sdk
            .to_builder()
            .region(Region::new(region.to_string()))
            .build();
        let (bedrock, runtime) = bedrock_clients(&sdk, api_key::value_from_env());
        Facts {
            settings: home.settings.clone(),
            profile_name: home.profile_name.clone(),
            region_source: Some(RegionSource::Sweep),
            bedrock,
            runtime,
            servicequotas: aws_sdk_servicequotas::Client::new(&sdk),
            api_key: home.api_key.clone(),
            sts: home.sts.clone(),
            iam: home.iam.clone(),
            organizations: home.organizations.clone(),
            sdk,
            anthropic_models: OnceCell::new(),
            memos: models::ModelMemos::default(),
            shared: std::sync::Arc::clone(&home.shared),
            home: Some(std::sync::Arc::clone(home)),
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

    /// Makes one AWS call through a fresh [`Recorder`], keeps its clock samples, and judges it.
    pub(crate) async fn call<T, E, F>(
        &self,
        site: CallSite<'_>,
        send: impl FnOnce(Recorder) -> F,
        request_id: impl FnOnce(&T) -> Option<String>,
    ) -> Observed<T>
    where
        F: std::future::Future<
            Output = Result<
                T,
                aws_smithy_runtime_api::client::result::SdkError<
                    E,
                    aws_smithy_runtime_api::client::orchestrator::HttpResponse,
                >,
            >,
        >,
        E: aws_smithy_types::error::metadata::ProvideErrorMetadata
            + std::error::Error
            + Send
            + Sync
            + 'static,
    {
        let recorder = Recorder::new();
        // The one place every AWS call goes through: here it waits its turn (see `limits`).
        let permit = self
            .shared
            .limiter
            .acquire(site.service, site.operation, site.region)
            .await;
        let started = Instant::now();
        let result = send(recorder.clone()).await;
        drop(permit);
        let mut observed = recorder.finish(site, started, result, request_id);
        self.observe(&observed, site.service);
        if let Err(err) = &mut observed.result {
            self.refine_key_rejection(err, site.service);
            if let Some(region) = site
                .region
                .filter(|_| opt_in::may_be_disabled(err, site.region))
            {
                self.judge_opt_in_rejection(err, region).await;
                observed.evidence = err.evidence.clone();
            }
        }
        observed
    }

    /// Bedrock rejects an expired key and a key of another Region with the same words as any
    /// invalid key; when the key itself shows which, the diagnosis names it.
    fn refine_key_rejection(&self, err: &mut CallError, service: &str) {
        if err.diagnosis != dx::API_KEY_REJECTED || !service.starts_with("bedrock") {
            return;
        }
        let Some(key) = self.key_in_use() else {
            return;
        };
        if let Some(problem) = key.offline_problem(self.region(), SystemTime::now()) {
            err.diagnosis = problem.code;
            err.summary = format!("{}; {}", err.summary, problem.detail);
        }
    }

    fn observe<T>(&self, observed: &Observed<T>, service: &str) {
        let samples = observed.attempts.iter().filter_map(|a| {
            Some(ClockSample {
                service: service.to_string(),
                server: a.server_date?,
                local: a.received_at,
            })
        });
        if let Ok(mut all) = self.shared.clock_samples.lock() {
            all.extend(samples);
        }
    }

    pub async fn credentials(&self) -> Result<CredentialsFact, FactError> {
        self.shared
            .credentials
            .get_or_init(|| self.load_credentials())
            .await
            .clone()
    }

    async fn load_credentials(&self) -> Result<CredentialsFact, FactError> {
        use aws_credential_types::provider::ProvideCredentials;
        let Some(provider) = self.sdk.credentials_provider() else {
            return Err(no_credentials(
                "no credentials provider is configured".into(),
            ));
        };
        // The chain says only that it found nothing; the profile's own settings say why.
        let source = credential_source::resolve(&self.profile_name).await;
        let home = std::env::var("HOME").ok();
        if let Some(problem) = source.offline_problem(home.as_deref(), SystemTime::now()) {
            return Err(FactError::Call(problem.into_call_error()));
        }
        let started = Instant::now();
        let creds =
            match tokio::time::timeout(self.settings.call_timeout, provider.provide_credentials())
                .await
            {
                Ok(Ok(creds)) => creds,
                Ok(Err(err)) => {
                    let detail = describe_credentials_error(&err);
                    return Err(
                        match source.failure(&detail, home.as_deref(), SystemTime::now()) {
                            Some(failure) => FactError::Call(failure.into_call_error()),
                            // A process's stderr can reach the chain's account through any link.
                            None => no_credentials(credential_source::scrub(&detail)),
                        },
                    );
                }
                Err(_) => {
                    return Err(FactError::Call(CallError {
                        status: crate::Status::Error,
                        diagnosis: dx::TIMEOUT,
                        summary: format!(
                            "the credential provider chain gave no answer within {} s",
                            started.elapsed().as_secs()
                        ),
                        evidence: Evidence::default(),
                    }))
                }
            };
        let features = creds
            .get_property::<Vec<AwsCredentialFeature>>()
            .cloned()
            .unwrap_or_default();
        Ok(CredentialsFact {
            access_key_id_masked: mask_key_id(creds.access_key_id()),
            temporary: creds.session_token().is_some() || creds.access_key_id().starts_with("ASIA"),
            source: source
                .describe()
                .unwrap_or_else(|| describe_source(&features, &self.profile_name)),
            expiry: creds.expiry(),
        })
    }

    pub async fn caller_identity(&self) -> Result<Identity, FactError> {
        self.shared
            .identity
            .get_or_init(|| self.load_identity())
            .await
            .clone()
    }

    async fn load_identity(&self) -> Result<Identity, FactError> {
        self.sigv4_ready("sts GetCallerIdentity").await?;
        // Made once per run, by whichever region asks first, always with the first region's
        // STS client: the evidence names the region the call went to.
        let site = CallSite {
            service: "sts",
            operation: "GetCallerIdentity",
            region: self.sts.config().region().map(|r| r.as_ref()),
        };
        let observed = self
            .call(
                site,
                |rec| {
                    self.sts
                        .get_caller_identity()
                        .customize()
                        .interceptor(rec)
                        .send()
                },
                |o| {
                    use aws_sdk_sts::operation::RequestId;
                    o.request_id().map(str::to_string)
                },
            )
            .await;
        let evidence = observed.evidence;
        let output = observed.result.map_err(FactError::Call)?;
        Ok(Identity {
            account_id: output.account().unwrap_or_default().to_string(),
            arn: output.arn().unwrap_or_default().to_string(),
            user_id: output.user_id().unwrap_or_default().to_string(),
            evidence,
        })
    }

    /// `bedrock:ListFoundationModels` filtered to Anthropic: the first Bedrock call of a run.
    pub async fn anthropic_models(&self) -> Result<ModelList, FactError> {
        self.anthropic_models
            .get_or_init(|| self.load_anthropic_models())
            .await
            .clone()
    }

    async fn load_anthropic_models(&self) -> Result<ModelList, FactError> {
        self.bedrock_ready().await?;
        let site = CallSite {
            service: "bedrock",
            operation: "ListFoundationModels",
            region: self.region(),
        };
        let observed = self
            .call(
                site,
                |rec| {
                    self.bedrock
                        .list_foundation_models()
                        .by_provider("Anthropic")
                        .customize()
                        .interceptor(rec)
                        .send()
                },
                |o| {
                    use aws_sdk_bedrock::operation::RequestId;
                    o.request_id().map(str::to_string)
                },
            )
            .await;
        let evidence = observed.evidence;
        let output = observed.result.map_err(FactError::Call)?;
        if output.model_summaries.is_none() {
            // Bedrock always sends the list, empty or not; without it the answer is not Bedrock's
            // and "no model in this region" would be a false verdict.
            return Err(FactError::Call(CallError {
                status: crate::Status::Error,
                diagnosis: dx::UNEXPECTED_RESPONSE,
                summary: "bedrock ListFoundationModels answered without a model list (no `modelSummaries`)".into(),
                evidence,
            }));
        }
        let models = output
            .model_summaries()
            .iter()
            .map(models::ModelInfo::from_summary)
            .collect();
        Ok(ModelList { models, evidence })
    }
}

/// The Bedrock clients, with the API key in the environment when one is set (`found`: the
/// variable and its value).
fn bedrock_clients(
    sdk: &SdkConfig,
    found: Option<(&'static str, String)>,
) -> (aws_sdk_bedrock::Client, aws_sdk_bedrockruntime::Client) {
    let mut bedrock_config = aws_sdk_bedrock::config::Builder::from(sdk);
    let mut runtime_config = aws_sdk_bedrockruntime::config::Builder::from(sdk);
    match found {
        // The SDK takes a set-but-empty AWS_BEARER_TOKEN_BEDROCK as a key and would send it
        // empty instead of signing (aws-sdk-bedrock `config.rs`; botocore does the same).
        // `credentials` reports that; the other checks sign with the provider chain's
        // credentials, so the rest of the report says what works once the variable is gone.
        Some((_, value)) if value.trim().is_empty() => {
            let sigv4 = aws_runtime::auth::sigv4::SCHEME_ID;
            bedrock_config = bedrock_config.auth_scheme_preference([sigv4.clone()]);
            runtime_config = runtime_config.auth_scheme_preference([sigv4]);
        }
        // What the SDK does with the variable, done here in so many words: the token provider
        // set on the loader in `Facts::load` counts as set in code, and the SDK then leaves the bearer
        // identity to it (the SSO token chain) even with the variable set.
        Some((_, value)) => {
            let bearer = aws_smithy_runtime_api::client::auth::http::HTTP_BEARER_AUTH_SCHEME_ID;
            bedrock_config = bedrock_config
                .bearer_token(aws_sdk_bedrock::config::Token::new(value.clone(), None))
                .auth_scheme_preference([bearer.clone()]);
            runtime_config = runtime_config
                .bearer_token(aws_sdk_bedrockruntime::config::Token::new(value, None))
                .auth_scheme_preference([bearer]);
        }
        None => {}
    }
    (
        aws_sdk_bedrock::Client::from_conf(bedrock_config.build()),
        aws_sdk_bedrockruntime::Client::from_conf(runtime_config.build()),
    )
}

fn region_source(settings: &Settings) -> RegionSource {
    if !settings.regions.is_empty() {
        return RegionSource::Sweep;
    }
    if settings.region.is_some() {
        return RegionSource::Flag;
    }
    for var in ["AWS_REGION", "AWS_DEFAULT_REGION"] {
        if std::env::var(var).is_ok_and(|v| !v.trim().is_empty()) {
            return RegionSource::Env(var);
        }
    }
    RegionSource::ProfileOrImds
}

/// The chain's full account goes to the evidence; the summary names what was tried.
fn no_credentials(detail: String) -> FactError {
    let tried: Vec<&str> = [
        "Environment",
        "Profile",
        "WebIdentityToken",
        "EcsContainer",
        "Ec2InstanceMetadata",
    ]
    .into_iter()
    .filter(|name| detail.contains(&format!("{name}:")))
    .collect();
    let summary = if tried.is_empty() {
        format!("no credentials found: {detail}")
    } else {
        format!(
            "no credentials found; the provider chain tried {}",
            tried.join(", ")
        )
    };
    FactError::Call(CallError {
        status: crate::Status::Fail,
        diagnosis: dx::NO_CREDENTIALS,
        summary,
        evidence: Evidence {
            service: "credentials".into(),
            operation: "ProvideCredentials".into(),
            message: Some(detail),
            ..Evidence::default()
        },
    })
}

fn needs_credentials(err: FactError) -> FactError {
    let reason = match err {
        FactError::Call(e) => e.diagnosis.to_string(),
        FactError::Needs { reason, .. } | FactError::Unavailable(reason) => reason,
    };
    FactError::Needs {
        check: "credentials",
        reason,
    }
}

/// The provider chain's own account of what it tried, on one line. It names providers and files,
/// never secret values.
fn describe_credentials_error(err: &CredentialsError) -> String {
    crate::calls::display_chain(err)
}

/// `AKIAIOSFODNN7EXAMPLE` → `AKIA************MPLE`: enough to tell two keys apart, too little to use.
pub fn mask_key_id(key_id: &str) -> String {
    let chars: Vec<char> = key_id.chars().collect();
    if chars.len() <= 8 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 8))
}

fn describe_source(features: &[AwsCredentialFeature], profile: &str) -> String {
    use AwsCredentialFeature as F;
    let has = |f: F| features.contains(&f);
    if has(F::CredentialsEnvVars) {
        "environment variables (AWS_ACCESS_KEY_ID)".into()
    } else if has(F::CredentialsSso) || has(F::CredentialsProfileSso) {
        format!("SSO via profile `{profile}`")
    } else if has(F::CredentialsProcess) || has(F::CredentialsProfileProcess) {
        format!("credential_process of profile `{profile}`")
    } else if has(F::CredentialsStsAssumeRoleWebId) || has(F::CredentialsEnvVarsStsWebIdToken) {
        "web identity token (AWS_WEB_IDENTITY_TOKEN_FILE)".into()
    } else if has(F::CredentialsStsAssumeRole) || has(F::CredentialsProfileSourceProfile) {
        format!("assumed role of profile `{profile}`")
    } else if has(F::CredentialsHttp) {
        "container credentials (ECS / EKS Pod Identity)".into()
    } else if has(F::CredentialsImds) {
        "EC2 instance metadata (instance profile)".into()
    } else if has(F::CredentialsProfile) {
        format!("shared credentials file, profile `{profile}`")
    } else if has(F::CredentialsProfileLogin) || has(F::CredentialsLogin) {
        format!("console login session of profile `{profile}`")
    } else {
        "the default provider chain".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_all_but_the_ends_of_a_key_id() {
        assert_eq!(mask_key_id("AKIAIOSFODNN7EXAMPLE"), "AKIA************MPLE");
        assert_eq!(mask_key_id("short"), "*****");
    }

    #[test]
    fn names_the_credential_source() {
        assert!(
            describe_source(&[AwsCredentialFeature::CredentialsEnvVars], "default")
                .contains("environment")
        );
        assert!(
            describe_source(&[AwsCredentialFeature::CredentialsProfile], "dev").contains("`dev`")
        );
        assert!(
            describe_source(&[AwsCredentialFeature::CredentialsImds], "default")
                .contains("instance metadata")
        );
    }
}

impl Facts {
    /// Facts over clients built elsewhere: how unit tests put mocked SDK clients under a check.
    pub fn from_parts(
        settings: Settings,
        sdk: SdkConfig,
        sts: aws_sdk_sts::Client,
        bedrock: aws_sdk_bedrock::Client,
    ) -> Facts {
        Facts {
            runtime: aws_sdk_bedrockruntime::Client::new(&sdk),
            iam: aws_sdk_iam::Client::new(&sdk),
            organizations: aws_sdk_organizations::Client::new(&sdk),
            servicequotas: aws_sdk_servicequotas::Client::new(&sdk),
            memos: models::ModelMemos::default(),
            api_key: None,
            region_source: sdk.region().map(|_| region_source(&settings)),
            settings,
            profile_name: "default".to_string(),
            sdk,
            sts,
            bedrock,
            anthropic_models: OnceCell::new(),
            shared: std::sync::Arc::new(Shared::default()),
            home: None,
        }
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    use super::*;
    use aws_credential_types::provider::SharedCredentialsProvider;
    use aws_credential_types::Credentials;
    use aws_smithy_mocks::{mock, mock_client, Rule, RuleMode};

    pub fn settings() -> Settings {
        Settings {
            region: Some("us-east-1".into()),
            call_timeout: Duration::from_secs(5),
            ..Settings::default()
        }
    }

    pub fn sdk_config(creds: Option<Credentials>, region: Option<&str>) -> SdkConfig {
        // Clients a test does not mock point at a closed local port, so no test can reach AWS.
        let mut builder = SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .endpoint_url("http://127.0.0.1:9");
        if let Some(region) = region {
            builder = builder.region(Region::new(region.to_string()));
        }
        if let Some(creds) = creds {
            builder = builder.credentials_provider(SharedCredentialsProvider::new(creds));
        }
        builder.build()
    }

    pub fn test_credentials() -> Credentials {
        Credentials::new(
            "AKIAIOSFODNN7EXAMPLE",
            "secret-sentinel",
            None,
            None,
            "test",
        )
    }

    pub fn facts_with_credentials(creds: Option<Credentials>) -> Facts {
        let sdk = sdk_config(creds, Some("us-east-1"));
        Facts::from_parts(
            settings(),
            sdk.clone(),
            aws_sdk_sts::Client::new(&sdk),
            aws_sdk_bedrock::Client::new(&sdk),
        )
    }

    pub fn facts_with_sts(rules: &[&Rule]) -> Facts {
        let sdk = sdk_config(Some(test_credentials()), Some("us-east-1"));
        let sts = mock_client!(aws_sdk_sts, RuleMode::Sequential, rules.iter().copied());
        Facts::from_parts(
            settings(),
            sdk.clone(),
            sts,
            aws_sdk_bedrock::Client::new(&sdk),
        )
    }

    /// A 403 for the lookups that confirm a `--model` (GetFoundationModel, GetInferenceProfile,
    /// ListInferenceProfiles) where a test gives no rule for them: a check under test then runs as
    /// it does when the policy does not allow them, and the test's own rules still come first.
    fn model_lookup_fallbacks() -> [Rule; 3] {
        fn denied() -> aws_smithy_runtime_api::client::orchestrator::HttpResponse {
            let mut r = aws_smithy_runtime_api::client::orchestrator::HttpResponse::new(
                aws_smithy_runtime_api::http::StatusCode::try_from(403).unwrap(),
                aws_smithy_types::body::SdkBody::from(r#"{"message":"not allowed in this test"}"#),
            );
            r.headers_mut()
                .insert("x-amzn-ErrorType", "AccessDeniedException");
            r
        }
        [
            mock!(aws_sdk_bedrock::Client::get_foundation_model)
                .sequence()
                .http_response(denied)
                .repeatedly()
                .build(),
            mock!(aws_sdk_bedrock::Client::get_inference_profile)
                .sequence()
                .http_response(denied)
                .repeatedly()
                .build(),
            mock!(aws_sdk_bedrock::Client::list_inference_profiles)
                .sequence()
                .http_response(denied)
                .repeatedly()
                .build(),
        ]
    }

    pub fn facts_with_bedrock_settings(settings: Settings, rules: &[&Rule]) -> Facts {
        let sdk = sdk_config(Some(test_credentials()), Some("us-east-1"));
        let fallbacks = model_lookup_fallbacks();
        let bedrock = mock_client!(
            aws_sdk_bedrock,
            RuleMode::MatchAny,
            rules.iter().copied().chain(fallbacks.iter())
        );
        Facts::from_parts(
            settings,
            sdk.clone(),
            aws_sdk_sts::Client::new(&sdk),
            bedrock,
        )
    }

    pub fn facts_with_bedrock(rules: &[&Rule]) -> Facts {
        let sdk = sdk_config(Some(test_credentials()), Some("us-east-1"));
        let bedrock = mock_client!(aws_sdk_bedrock, RuleMode::Sequential, rules.iter().copied());
        Facts::from_parts(
            settings(),
            sdk.clone(),
            aws_sdk_sts::Client::new(&sdk),
            bedrock,
        )
    }
}

impl Facts {
    /// Replaces the Bedrock Runtime client (unit tests put a mocked one here).
    pub fn with_runtime(mut self, runtime: aws_sdk_bedrockruntime::Client) -> Facts {
        self.runtime = runtime;
        self
    }

    /// Replaces the STS client (unit tests put a mocked one here).
    pub fn with_sts(mut self, sts: aws_sdk_sts::Client) -> Facts {
        self.sts = sts;
        self
    }

    /// Replaces the Organizations client (unit tests put a mocked one here).
    pub fn with_organizations(mut self, organizations: aws_sdk_organizations::Client) -> Facts {
        self.organizations = organizations;
        self
    }

    /// Replaces the Service Quotas client (unit tests put a mocked one here).
    pub fn with_servicequotas(mut self, servicequotas: aws_sdk_servicequotas::Client) -> Facts {
        self.servicequotas = servicequotas;
        self
    }

    /// Replaces the settings (unit tests adjust the defaults of a helper-built `Facts`).
    pub fn replace_settings(&mut self, settings: Settings) {
        self.settings = settings;
    }

    /// Sets the Bedrock API key as if read from the environment (unit tests).
    pub fn with_api_key(mut self, key: Option<api_key::ApiKey>) -> Facts {
        self.api_key = key;
        self
    }

    /// Replaces the IAM client (unit tests put a mocked one here).
    pub fn with_iam(mut self, iam: aws_sdk_iam::Client) -> Facts {
        self.iam = iam;
        self
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

/// Reads the shared config and credentials files the way the SDK will, so a malformed file or a
/// `--profile` that names no profile is a one-line usage error up front rather than a confusing
/// verdict later.
pub async fn validate_profile(explicit: Option<&str>) -> Result<(), String> {
    use aws_runtime::env_config::file::EnvConfigFiles as ProfileFiles;
    use aws_types::os_shim_internal::{Env, Fs};
    let profiles =
        aws_config::profile::load(&Fs::real(), &Env::real(), &ProfileFiles::default(), None)
            .await
            .map_err(|e| {
                format!(
                    "cannot read the AWS config files: {}",
                    crate::calls::display_chain(&e)
                )
            })?;
    let Some(name) = explicit else { return Ok(()) };
    if profiles.get_profile(name).is_some() {
        return Ok(());
    }
    let mut known: Vec<&str> = profiles.profiles().collect();
    known.sort_unstable();
    let known = if known.is_empty() {
        "none".to_string()
    } else {
        known.join(", ")
    };
    Err(format!(
        "--profile {name}: no such profile in the AWS config or credentials file (defined: {known})"
    ))
}
