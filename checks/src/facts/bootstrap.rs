//! Building the SDK once per run: the region, credentials and token chains, the shared HTTP
//! client and the service clients of each region.

use super::Facts;
use super::{api_key, models, RegionSource, Settings, Shared};
use aws_config::meta::region::RegionProviderChain;
use aws_config::provider_config::ProviderConfig;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, SdkConfig};
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use aws_types::region::Region;
use std::time::{Duration, Instant, SystemTime};
use tokio::sync::OnceCell;

/// IMDS is the last link of both provider chains. Its SDK defaults (4 attempts, 1 s connect and read
/// timeouts, backoff) cost several seconds off EC2, where it never answers; one attempt with short
/// timeouts is enough to tell "no metadata service" on a laptop and still works on EC2.
const IMDS_TIMEOUT: Duration = Duration::from_secs(1);

/// The budget of the credentials chain's IMDS lookup once the region chain's lookup has already
/// waited out [`IMDS_TIMEOUT`] for nothing: a silent metadata service, asked again, answers the
/// same, and a second full wait would put a run without credentials or region at over 2 seconds.
const IMDS_RECHECK_TIMEOUT: Duration = Duration::from_millis(250);

fn imds_client(timeout: Duration, providers: &ProviderConfig) -> aws_config::imds::Client {
    aws_config::imds::Client::builder()
        .configure(providers)
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

/// One HTTP client for every service client of every region and every credential provider (IMDS,
/// SSO, STS web identity and AssumeRole, the container endpoint). Left unset, each service client
/// (five per run, two more per region of a sweep, one per destination probe) builds its own: its
/// own TLS trust store, parsed from the system's certificates, and its own connection pool. The
/// SDK crates are built without their default client (`default-https-client`, workspace
/// Cargo.toml), so a client or provider left without this one fails its first request ("no HTTP
/// client") instead of quietly bringing a second TLS stack. Built as the SDK builds its default
/// (aws-smithy-runtime `default_https_client`): hyper 1 and rustls, with the proxy settings of the
/// environment (`HTTPS_PROXY`, `NO_PROXY`…); its crypto provider is ring, the one the `endpoint`
/// check uses too (BENCHMARKS.md, "Release profile").
fn shared_http_client() -> SharedHttpClient {
    use aws_smithy_http_client::proxy::ProxyConfig;
    use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
    use aws_smithy_http_client::{Builder, ConnectorBuilder};
    Builder::new().build_with_connector_fn(|settings, components| {
        let mut connector =
            ConnectorBuilder::default().tls_provider(Provider::Rustls(CryptoMode::Ring));
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

        let http = settings
            .given
            .http_client
            .clone()
            .unwrap_or_else(shared_http_client);
        // What the credential providers and IMDS lookups are built with: the shared client.
        let providers = ProviderConfig::without_region().with_http_client(http.clone());

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
                    .imds_client(imds_client(IMDS_TIMEOUT, &providers))
                    .build(),
            );
        let region_started = Instant::now();
        let region = region_chain.region().await;
        // Only the instance-metadata link can take this long and still find no region.
        let imds_silent = region.is_none() && region_started.elapsed() >= IMDS_TIMEOUT / 2;
        let region_source = region.as_ref().map(|_| region_source(&settings));

        if let Some(given) = &settings.given.credentials {
            return Facts::with_given_credentials(
                settings.clone(),
                profile_name,
                given,
                region,
                region_source,
                http,
            )
            .await;
        }
        let credentials =
            aws_config::default_provider::credentials::DefaultCredentialsChain::builder()
                .configure(providers.clone())
                .profile_name(&profile_name)
                .imds_client(imds_client(
                    if imds_silent {
                        IMDS_RECHECK_TIMEOUT
                    } else {
                        IMDS_TIMEOUT
                    },
                    &providers,
                ))
                .region(region.clone())
                .build()
                .await;

        let configured = || configured_loader(&settings, &profile_name, &http);
        let mut loader = configured().credentials_provider(ResolveOnce::new(credentials));
        if let Some(token) = sso_token_chain(configured(), region.clone()).await {
            loader = loader.token_provider(token);
        }
        // Always set, even to None: left unset, the loader would run its own default region chain,
        // with the SDK's slow instance-metadata defaults.
        loader = loader.region(region);
        if let Some(url) = &settings.endpoint_url {
            loader = loader.endpoint_url(url);
        }
        let sdk = loader.load().await;
        let found = api_key::value_from_env();
        Facts::assemble(settings, profile_name, region_source, sdk, found)
    }

    /// The facts of one account `org` entered: its credentials given, no provider chain, no SSO
    /// token and no Bedrock API key (both would be the caller's, not this account's).
    async fn with_given_credentials(
        settings: Settings,
        profile_name: String,
        given: &super::StaticCredentials,
        region: Option<Region>,
        region_source: Option<RegionSource>,
        http: SharedHttpClient,
    ) -> Facts {
        let credentials = aws_credential_types::Credentials::new(
            given.access_key_id.clone(),
            given.secret_access_key.clone(),
            given.session_token.clone(),
            given.expiry,
            "bedrock-doctor-org",
        );
        let mut loader = configured_loader(&settings, &profile_name, &http)
            .credentials_provider(credentials)
            .region(region);
        if let Some(url) = &settings.endpoint_url {
            loader = loader.endpoint_url(url);
        }
        let sdk = loader.load().await;
        Facts::assemble(settings, profile_name, region_source, sdk, None)
    }

    fn assemble(
        settings: Settings,
        profile_name: String,
        region_source: Option<RegionSource>,
        sdk: SdkConfig,
        found: Option<(&'static str, String)>,
    ) -> Facts {
        let api_key = found
            .as_ref()
            .map(|(variable, value)| api_key::ApiKey::parse(variable, value));
        let (bedrock, runtime) = clients_for(&settings, &sdk, found);
        let shared = std::sync::Arc::new(Shared::given(&settings.given));
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
            shared,
            home: None,
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
        let (bedrock, runtime) = clients_for(&home.settings, &sdk, api_key::value_from_env());
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
}

/// The loader every `Facts` is built with. Two attempts: enough for the SDK's clock-skew
/// correction and one transient retry, few enough that a broken service answers within the
/// per-call budget. Every attempt is recorded, so retries never hide the first error. Every
/// setting is given: left to the loader, each is read from the environment, and aws-config panics
/// on an invalid AWS_MAX_ATTEMPTS or AWS_RETRY_MODE.
fn configured_loader(
    settings: &Settings,
    profile_name: &str,
    http: &SharedHttpClient,
) -> aws_config::ConfigLoader {
    let retry = RetryConfig::standard()
        .with_max_attempts(2)
        .with_initial_backoff(Duration::from_millis(200));
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(Duration::from_millis(3100))
        .operation_timeout(settings.call_timeout)
        .build();
    aws_config::defaults(BehaviorVersion::latest())
        .profile_name(profile_name)
        .http_client(http.clone())
        .retry_config(retry)
        .timeout_config(timeouts)
}

/// The SDK's SSO token chain (a profile's `sso_session`), built by a loader of its own: so that it
/// gets the shared HTTP client (the chain builder's `configure` is private to aws-config), and is
/// given a region, so that it does not look one up again through instance metadata with the SDK's
/// slow defaults. The chain does not use that region: the IAM Identity Center token is refreshed in
/// the session's `sso_region` (aws-config `profile/token.rs`).
async fn sso_token_chain(
    loader: aws_config::ConfigLoader,
    region: Option<Region>,
) -> Option<SsoTokenChain> {
    loader
        .no_credentials()
        .region(region.unwrap_or_else(|| Region::from_static("us-east-1")))
        .load()
        .await
        .token_provider()
        .map(SsoTokenChain)
}

/// The token chain, with a `Debug` that shows nothing of it: built by a loader, the chain holds that
/// loader's configuration, the parsed config and credentials files with their secrets included,
/// and the SDK traces every client's identity resolvers with `{:?}` (`RUST_LOG=trace`).
struct SsoTokenChain(aws_credential_types::provider::token::SharedTokenProvider);

impl std::fmt::Debug for SsoTokenChain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SsoTokenChain")
    }
}

impl aws_credential_types::provider::token::ProvideToken for SsoTokenChain {
    fn provide_token<'a>(&'a self) -> aws_credential_types::provider::future::ProvideToken<'a>
    where
        Self: 'a,
    {
        self.0.provide_token()
    }
}

/// The Bedrock clients of these settings: for an account `org` entered, signed with its given
/// credentials whatever the environment holds (the SDK would otherwise take a Bedrock API key
/// from `AWS_BEARER_TOKEN_BEDROCK`, the caller's, aws-sdk-bedrock `config.rs`).
fn clients_for(
    settings: &Settings,
    sdk: &SdkConfig,
    found: Option<(&'static str, String)>,
) -> (aws_sdk_bedrock::Client, aws_sdk_bedrockruntime::Client) {
    if settings.given.credentials.is_none() {
        return bedrock_clients(sdk, found);
    }
    let sigv4 = aws_runtime::auth::sigv4::SCHEME_ID;
    let bedrock =
        aws_sdk_bedrock::config::Builder::from(sdk).auth_scheme_preference([sigv4.clone()]);
    let runtime =
        aws_sdk_bedrockruntime::config::Builder::from(sdk).auth_scheme_preference([sigv4]);
    (
        aws_sdk_bedrock::Client::from_conf(bedrock.build()),
        aws_sdk_bedrockruntime::Client::from_conf(runtime.build()),
    )
}

/// The Bedrock clients, with the API key in the environment when one is set (`found`: the
/// variable and its value).
pub(super) fn bedrock_clients(
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

pub(super) fn region_source(settings: &Settings) -> RegionSource {
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
