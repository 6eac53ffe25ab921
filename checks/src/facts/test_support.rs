//! Test seams: `Facts` over mocked SDK clients, and the settings and credentials unit tests share.

use super::bootstrap::region_source;
use super::*;
use aws_config::BehaviorVersion;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::Credentials;
use aws_smithy_mocks::{mock, mock_client, Rule, RuleMode};
use aws_types::region::Region;

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

pub fn settings() -> Settings {
    Settings {
        region: Some("us-east-1".into()),
        call_timeout: Duration::from_secs(5),
        given: Default::default(),
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
    bedrock_facts(Some(test_credentials()), rules)
}

/// Facts with a Bedrock API key in the environment, with or without chain credentials, over a
/// mocked Bedrock.
pub fn facts_with_api_key(key: &str, signing: bool, rules: &[&Rule]) -> Facts {
    bedrock_facts(signing.then(test_credentials), rules)
        .with_api_key(Some(api_key::ApiKey::parse(api_key::VARIABLE, key)))
}

/// Facts over a mocked Bedrock that answers `rules` in order.
fn bedrock_facts(creds: Option<Credentials>, rules: &[&Rule]) -> Facts {
    let sdk = sdk_config(creds, Some("us-east-1"));
    let bedrock = mock_client!(aws_sdk_bedrock, RuleMode::Sequential, rules.iter().copied());
    Facts::from_parts(
        settings(),
        sdk.clone(),
        aws_sdk_sts::Client::new(&sdk),
        bedrock,
    )
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
}
