//! Drives the stub with the real AWS Rust SDK, so the wire format, SigV4 verification and event
//! streams are proven against the client the CLI uses, not against our own reading of the spec.

use aws_config::{BehaviorVersion, Region};
use aws_sdk_bedrock::config::Credentials;
use aws_sdk_bedrock::error::{DisplayErrorContext, ProvideErrorMetadata};
use aws_sdk_bedrockruntime::primitives::Blob;
use aws_sdk_bedrockruntime::types as rt;
use testbed::{Scenario, Stub, TEST_ACCESS_KEY_ID, TEST_SECRET_ACCESS_KEY};

const HAIKU3: &str = "anthropic.claude-3-haiku-20240307-v1:0";
const BODY: &str = r#"{"anthropic_version":"bedrock-2023-05-31","max_tokens":1,"messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}]}"#;

struct Setup {
    key: &'static str,
    secret: &'static str,
    token: Option<&'static str>,
    region: &'static str,
    skew_correction: bool,
}

const VALID: Setup = Setup {
    key: TEST_ACCESS_KEY_ID,
    secret: TEST_SECRET_ACCESS_KEY,
    token: None,
    region: "us-east-1",
    skew_correction: true,
};

async fn sdk_config(stub: &Stub, s: Setup) -> aws_config::SdkConfig {
    let creds = Credentials::new(s.key, s.secret, s.token.map(String::from), None, "testbed");
    // The SDK crates are built without their default HTTP client (the workspace Cargo.toml).
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
            aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https();
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .http_client(http)
        .region(Region::new(s.region))
        .credentials_provider(creds)
        .endpoint_url(stub.url());
    if !s.skew_correction {
        loader = loader.disable_clock_skew_correction(true);
    }
    loader.load().await
}

async fn bedrock(stub: &Stub, s: Setup) -> aws_sdk_bedrock::Client {
    aws_sdk_bedrock::Client::new(&sdk_config(stub, s).await)
}

async fn runtime(stub: &Stub, s: Setup) -> aws_sdk_bedrockruntime::Client {
    aws_sdk_bedrockruntime::Client::new(&sdk_config(stub, s).await)
}

async fn healthy() -> Stub {
    Stub::start(Scenario::load("healthy"))
        .await
        .expect("stub starts")
}

#[tokio::test]
async fn list_foundation_models_with_valid_credentials() {
    let stub = healthy().await;
    let out = bedrock(&stub, VALID)
        .await
        .list_foundation_models()
        .by_provider("Anthropic")
        .send()
        .await
        .unwrap_or_else(|e| panic!("{}", DisplayErrorContext(&e)));
    let ids: Vec<&str> = out.model_summaries().iter().map(|m| m.model_id()).collect();
    assert!(ids.contains(&HAIKU3), "{ids:?}");
    assert!(
        !ids.iter().any(|id| id.starts_with("amazon.")),
        "byProvider filters"
    );
    let sonnet = out
        .model_summaries()
        .iter()
        .find(|m| m.model_id().contains("sonnet-4-5"))
        .unwrap();
    assert_eq!(
        sonnet.model_arn(),
        "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0"
    );
    assert_eq!(
        sonnet.inference_types_supported()[0].as_str(),
        "INFERENCE_PROFILE"
    );
}

#[tokio::test]
async fn unknown_key_is_unrecognized_client() {
    let stub = healthy().await;
    let s = Setup {
        key: "AKIAI44QH8DHBEXAMPLE",
        ..VALID
    };
    let err = bedrock(&stub, s)
        .await
        .list_foundation_models()
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("UnrecognizedClientException"));
    assert_eq!(
        err.message(),
        Some("The security token included in the request is invalid.")
    );
    assert_eq!(err.raw_response().unwrap().status().as_u16(), 403);
    assert!(err
        .raw_response()
        .unwrap()
        .headers()
        .get("x-amzn-RequestId")
        .is_some());
}

#[tokio::test]
async fn wrong_secret_is_invalid_signature() {
    let stub = healthy().await;
    let s = Setup {
        secret: "not-the-secret",
        ..VALID
    };
    let err = bedrock(&stub, s)
        .await
        .list_foundation_models()
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidSignatureException"));
    assert!(err
        .message()
        .unwrap()
        .starts_with("The request signature we calculated does not match"));
}

#[tokio::test]
async fn expired_session_token() {
    let stub = Stub::start(Scenario::load("expired_token")).await.unwrap();
    let s = Setup {
        token: Some("FwoGZXIvYXdzEXAMPLE"),
        ..VALID
    };
    let err = bedrock(&stub, s)
        .await
        .list_foundation_models()
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ExpiredTokenException"));
    assert_eq!(
        err.message(),
        Some("The security token included in the request is expired")
    );
}

#[tokio::test]
async fn get_foundation_model_with_colon_in_id() {
    let stub = healthy().await;
    let client = bedrock(&stub, VALID).await;
    let out = client
        .get_foundation_model()
        .model_identifier(HAIKU3)
        .send()
        .await
        .unwrap();
    assert_eq!(out.model_details().unwrap().model_id(), HAIKU3);
    let err = client
        .get_foundation_model()
        .model_identifier("anthropic.nope-v1:0")
        .send()
        .await
        .unwrap_err();
    assert!(err
        .as_service_error()
        .unwrap()
        .is_resource_not_found_exception());
}

#[tokio::test]
async fn control_plane_operations_deserialize() {
    let stub = healthy().await;
    let client = bedrock(&stub, VALID).await;
    let sonnet = "anthropic.claude-sonnet-4-5-20250929-v1:0";
    let a = client
        .get_foundation_model_availability()
        .model_id(sonnet)
        .send()
        .await
        .unwrap();
    assert_eq!(a.authorization_status().as_str(), "AUTHORIZED");
    assert_eq!(
        a.agreement_availability().unwrap().status().as_str(),
        "AVAILABLE"
    );
    let form = client.get_use_case_for_model_access().send().await.unwrap();
    let form: serde_json::Value = serde_json::from_slice(form.form_data().as_ref()).unwrap();
    assert_eq!(form["intendedUsers"], "0");
    let offers = client
        .list_foundation_model_agreement_offers()
        .model_id(sonnet)
        .send()
        .await
        .unwrap();
    assert_eq!(offers.offers().len(), 1);
    let profiles = client.list_inference_profiles().send().await.unwrap();
    assert!(profiles
        .inference_profile_summaries()
        .iter()
        .any(|p| p.inference_profile_id().starts_with("global.")));
    let p = client
        .get_inference_profile()
        .inference_profile_identifier(format!("us.{sonnet}"))
        .send()
        .await
        .unwrap();
    let regions: Vec<&str> = p
        .models()
        .iter()
        .map(|m| m.model_arn().unwrap().split(':').nth(3).unwrap())
        .collect();
    assert_eq!(regions, ["us-east-1", "us-east-2", "us-west-2"]);
    assert_eq!(p.r#type().as_str(), "SYSTEM_DEFINED");
}

#[tokio::test]
async fn invoke_model_succeeds_and_errors_like_bedrock() {
    let stub = healthy().await;
    let client = runtime(&stub, VALID).await;
    let out = client
        .invoke_model()
        .model_id(HAIKU3)
        .content_type("application/json")
        .accept("application/json")
        .body(Blob::new(BODY))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{}", DisplayErrorContext(&e)));
    let v: serde_json::Value = serde_json::from_slice(out.body().as_ref()).unwrap();
    assert_eq!(v["stop_reason"], "max_tokens");
    assert_eq!(v["usage"]["output_tokens"], 1);

    let err = client
        .invoke_model()
        .model_id("anthropic.claude-sonnet-4-5-20250929-v1:0")
        .content_type("application/json")
        .body(Blob::new(BODY))
        .send()
        .await
        .unwrap_err();
    assert!(err.as_service_error().unwrap().is_validation_exception());
    assert!(err
        .message()
        .unwrap()
        .contains("with on-demand throughput isn\u{2019}t supported"));

    let profile = client
        .invoke_model()
        .model_id("us.anthropic.claude-sonnet-4-5-20250929-v1:0")
        .content_type("application/json")
        .body(Blob::new(BODY))
        .send()
        .await;
    assert!(profile.is_ok(), "a profile id is invocable");
}

#[tokio::test]
async fn invoke_model_with_response_stream_reads_to_the_end() {
    let stub = healthy().await;
    let client = runtime(&stub, VALID).await;
    let mut out = client
        .invoke_model_with_response_stream()
        .model_id(HAIKU3)
        .content_type("application/json")
        .accept("application/json")
        .body(Blob::new(
            BODY.replace("\"max_tokens\":1", "\"max_tokens\":100"),
        ))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{}", DisplayErrorContext(&e)));
    assert_eq!(out.content_type(), "application/json");
    let mut types = Vec::new();
    while let Some(event) = out.body.recv().await.unwrap() {
        let rt::ResponseStream::Chunk(part) = event else {
            panic!("unexpected {event:?}")
        };
        let v: serde_json::Value = serde_json::from_slice(part.bytes().unwrap().as_ref()).unwrap();
        if v["type"] == "message_stop" {
            assert!(
                v["amazon-bedrock-invocationMetrics"]["outputTokenCount"]
                    .as_u64()
                    .unwrap()
                    > 1
            );
        }
        types.push(v["type"].as_str().unwrap().to_string());
    }
    assert_eq!(types.first().map(String::as_str), Some("message_start"));
    assert_eq!(types.last().map(String::as_str), Some("message_stop"));
    assert!(types.contains(&"message_delta".to_string()));
}

#[tokio::test]
async fn converse_stream_and_count_tokens() {
    let stub = healthy().await;
    let client = runtime(&stub, VALID).await;
    let msg = rt::Message::builder()
        .role(rt::ConversationRole::User)
        .content(rt::ContentBlock::Text("hi".into()))
        .build()
        .unwrap();
    let out = client
        .converse()
        .model_id(HAIKU3)
        .messages(msg.clone())
        .inference_config(rt::InferenceConfiguration::builder().max_tokens(1).build())
        .send()
        .await
        .unwrap_or_else(|e| panic!("{}", DisplayErrorContext(&e)));
    assert_eq!(out.stop_reason().as_str(), "max_tokens");
    assert_eq!(out.usage().unwrap().output_tokens(), 1);

    let mut stream = client
        .converse_stream()
        .model_id(HAIKU3)
        .messages(msg)
        .send()
        .await
        .unwrap()
        .stream;
    let mut saw_metadata = false;
    while let Some(event) = stream.recv().await.unwrap() {
        if let rt::ConverseStreamOutput::Metadata(m) = event {
            saw_metadata = m.usage().unwrap().total_tokens() > 0;
        }
    }
    assert!(saw_metadata);

    let input = rt::CountTokensInput::InvokeModel(
        rt::InvokeModelTokensRequest::builder()
            .body(Blob::new(BODY))
            .build()
            .unwrap(),
    );
    let n = client
        .count_tokens()
        .model_id(HAIKU3)
        .input(input)
        .send()
        .await
        .unwrap();
    assert!(n.input_tokens() > 0);
}

#[tokio::test]
async fn clock_skew_surfaces_in_date_header_and_sdk_corrects_it() {
    let stub = Stub::start(Scenario::load("clock_skew")).await.unwrap();
    let s = Setup {
        skew_correction: false,
        ..VALID
    };
    let err = bedrock(&stub, s)
        .await
        .list_foundation_models()
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidSignatureException"));
    assert!(
        err.message().unwrap().starts_with("Signature expired: "),
        "{:?}",
        err.message()
    );
    let date = err.raw_response().unwrap().headers().get("date").unwrap();
    let date = httpdate::parse_http_date(date).unwrap();
    let ahead = date
        .duration_since(std::time::SystemTime::now())
        .unwrap()
        .as_secs();
    assert!((590..=610).contains(&ahead), "Date is {ahead}s ahead");

    // With correction on (the SDK default), attempt 2 is re-signed using the Date header.
    let before = stub.calls().len();
    bedrock(&stub, VALID)
        .await
        .list_foundation_models()
        .send()
        .await
        .unwrap();
    let statuses: Vec<u16> = stub.calls()[before..].iter().map(|c| c.status).collect();
    assert_eq!(statuses, [403, 200]);
}

#[tokio::test]
async fn throttled_once_then_succeeds_on_retry() {
    let stub = Stub::start(Scenario::load("throttled_once")).await.unwrap();
    // The scenario throttles the model the doctor picks by default, through its us. profile.
    let out = runtime(&stub, VALID)
        .await
        .invoke_model()
        .model_id("us.anthropic.claude-sonnet-4-6")
        .content_type("application/json")
        .body(Blob::new(BODY))
        .send()
        .await;
    assert!(out.is_ok());
    let statuses: Vec<u16> = stub.calls().iter().map(|c| c.status).collect();
    assert_eq!(statuses, [429, 200]);
}

#[tokio::test]
async fn calls_record_operation_and_region() {
    let stub = healthy().await;
    let s = Setup {
        region: "eu-west-1",
        ..VALID
    };
    bedrock(&stub, s)
        .await
        .list_inference_profiles()
        .send()
        .await
        .unwrap();
    let err = runtime(
        &stub,
        Setup {
            region: "eu-west-1",
            ..VALID
        },
    )
    .await
    .invoke_model()
    .model_id(HAIKU3)
    .content_type("application/json")
    .body(Blob::new("{}"))
    .send()
    .await
    .unwrap_err();
    assert_eq!(err.message(), Some("Malformed input request: #: required key [anthropic_version] not found, please reformat your input and try again."));
    let calls = stub.calls();
    assert_eq!(calls.len(), 2);
    assert_eq!(
        (calls[0].service.as_str(), calls[0].operation.as_str()),
        ("bedrock", "ListInferenceProfiles")
    );
    assert_eq!(
        (
            calls[1].service.as_str(),
            calls[1].operation.as_str(),
            calls[1].status
        ),
        ("bedrock-runtime", "InvokeModel", 400)
    );
    assert!(calls
        .iter()
        .all(|c| c.region.as_deref() == Some("eu-west-1")));
    assert_eq!(calls[0].access_key_id.as_deref(), Some(TEST_ACCESS_KEY_ID));
}

#[tokio::test]
async fn use_case_missing_and_access_denied_scenarios() {
    let stub = Stub::start(Scenario::load("use_case_missing"))
        .await
        .unwrap();
    let err = runtime(&stub, VALID)
        .await
        .invoke_model()
        .model_id(HAIKU3)
        .content_type("application/json")
        .body(Blob::new(BODY))
        .send()
        .await
        .unwrap_err();
    assert!(err
        .as_service_error()
        .unwrap()
        .is_resource_not_found_exception());
    assert!(err
        .message()
        .unwrap()
        .starts_with("Model use case details have not been submitted"));

    let stub = Stub::start(Scenario::load("model_access_denied"))
        .await
        .unwrap();
    let err = runtime(&stub, VALID)
        .await
        .invoke_model()
        .model_id(HAIKU3)
        .content_type("application/json")
        .body(Blob::new(BODY))
        .send()
        .await
        .unwrap_err();
    assert!(err.as_service_error().unwrap().is_access_denied_exception());
    assert_eq!(err.raw_response().unwrap().status().as_u16(), 403);
}

async fn quotas(stub: &Stub, s: Setup) -> aws_sdk_servicequotas::Client {
    aws_sdk_servicequotas::Client::new(&sdk_config(stub, s).await)
}

#[tokio::test]
async fn service_quotas_pages_sign_and_fail_like_json_1_1() {
    let stub = Stub::start(Scenario::load("quota_below_default"))
        .await
        .unwrap();
    let client = quotas(&stub, VALID).await;
    // The SDK's own paginator follows NextToken through every page.
    let applied: Vec<aws_sdk_servicequotas::types::ServiceQuota> = client
        .list_service_quotas()
        .service_code("bedrock")
        .into_paginator()
        .items()
        .send()
        .collect::<Result<_, _>>()
        .await
        .unwrap_or_else(|e| panic!("{}", DisplayErrorContext(&e)));
    let tpm = applied
        .iter()
        .find(|q| q.quota_code() == Some("L-F4DDD3EB"))
        .unwrap();
    assert_eq!(tpm.value(), Some(4000.0));
    assert_eq!(
        tpm.quota_name(),
        Some("Cross-region model inference tokens per minute for Anthropic Claude Sonnet 4.5 V1")
    );
    let default = client
        .get_aws_default_service_quota()
        .service_code("bedrock")
        .quota_code("L-F4DDD3EB")
        .send()
        .await
        .unwrap();
    assert_eq!(default.quota().and_then(|q| q.value()), Some(5_000_000.0));
    let pages = stub
        .calls()
        .iter()
        .filter(|c| c.service == "servicequotas" && c.operation == "ListServiceQuotas")
        .count();
    assert!(pages > 1, "the list spans pages");
    assert!(stub.calls().iter().all(|c| c.status == 200));
    // A bad secret meets the same front door, and the JSON 1.1 error carries its code.
    let wrong = Setup {
        secret: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzzzzzzzzz",
        ..VALID
    };
    let err = quotas(&stub, wrong)
        .await
        .list_aws_default_service_quotas()
        .service_code("bedrock")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidSignatureException"));
    let err = client
        .get_service_quota()
        .service_code("ec2")
        .quota_code("L-1216C47A")
        .send()
        .await
        .unwrap_err();
    assert!(
        err.as_service_error()
            .unwrap()
            .is_no_such_resource_exception(),
        "{err:?}"
    );
}

#[tokio::test]
async fn service_quotas_access_denied_is_the_modeled_exception() {
    let stub = Stub::start(Scenario::load("service_quotas_denied"))
        .await
        .unwrap();
    let err = quotas(&stub, VALID)
        .await
        .list_service_quotas()
        .service_code("bedrock")
        .send()
        .await
        .unwrap_err();
    let service = err.as_service_error().unwrap();
    assert!(service.is_access_denied_exception(), "{err:?}");
    assert!(service
        .message()
        .unwrap()
        .contains("servicequotas:ListServiceQuotas"));
    assert_eq!(err.raw_response().unwrap().status().as_u16(), 400);
}

/// A runtime client that sends `key` as a Bedrock API key, as `AWS_BEARER_TOKEN_BEDROCK` makes the
/// SDK do (set in code here: the environment is shared by the tests of this binary).
async fn with_api_key(stub: &Stub, key: &str) -> aws_sdk_bedrockruntime::Client {
    let sdk = sdk_config(stub, VALID).await;
    let conf = aws_sdk_bedrockruntime::config::Builder::from(&sdk)
        .bearer_token(aws_sdk_bedrockruntime::config::Token::new(key, None))
        .auth_scheme_preference([
            aws_smithy_runtime_api::client::auth::http::HTTP_BEARER_AUTH_SCHEME_ID,
        ])
        .build();
    aws_sdk_bedrockruntime::Client::from_conf(conf)
}

fn scenario_with_keys(toml: &str) -> Scenario {
    Scenario::from_toml(toml).expect("scenario parses")
}

async fn invoke(client: &aws_sdk_bedrockruntime::Client) -> Result<(), (String, String)> {
    client
        .invoke_model()
        .model_id(HAIKU3)
        .content_type("application/json")
        .accept("application/json")
        .body(Blob::new(BODY))
        .send()
        .await
        .map(|_| ())
        .map_err(|e| {
            (
                e.code().unwrap_or_default().to_string(),
                e.message().unwrap_or_default().to_string(),
            )
        })
}

#[tokio::test]
async fn api_key_calls_carry_a_bearer_token_and_no_signature() {
    let key = testbed::api_key::long_term_key("t3st", "123456789012", "c2VjcmV0LWtleQ==");
    let stub = Stub::start(scenario_with_keys(&format!("[[api_key]]\nkey = '{key}'")))
        .await
        .unwrap();
    invoke(&with_api_key(&stub, &key).await)
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    let calls = stub.calls();
    let call = calls.last().unwrap();
    assert_eq!(
        (
            call.auth.as_str(),
            call.sigv4_signed,
            call.status,
            call.region.as_deref()
        ),
        ("bearer", false, 200, Some("us-east-1")),
        "{calls:#?}"
    );
    // The same stub still takes signed requests, and says so.
    runtime(&stub, VALID)
        .await
        .invoke_model()
        .model_id(HAIKU3)
        .content_type("application/json")
        .body(Blob::new(BODY))
        .send()
        .await
        .unwrap();
    let signed = stub.calls().last().cloned().unwrap();
    assert_eq!((signed.auth.as_str(), signed.sigv4_signed), ("sigv4", true));
}

#[tokio::test]
async fn refused_api_keys_read_as_access_denied_with_bedrocks_words() {
    let key = testbed::api_key::long_term_key("t3st", "123456789012", "c2VjcmV0LWtleQ==");
    let stub = Stub::start(scenario_with_keys(&format!("[[api_key]]\nkey = '{key}'")))
        .await
        .unwrap();
    let unknown = testbed::api_key::long_term_key("zzzz", "123456789012", "b3RoZXI=");
    // The empty key is what the SDK sends for an empty AWS_BEARER_TOKEN_BEDROCK.
    for (sent, message) in [
        (unknown.as_str(), testbed::api_key::KEY_INVALID),
        (TEST_ACCESS_KEY_ID, testbed::api_key::KEY_FORMAT_INVALID),
        ("", testbed::api_key::KEY_FORMAT_INVALID),
    ] {
        let err = invoke(&with_api_key(&stub, sent).await).await.unwrap_err();
        assert_eq!(
            err,
            ("AccessDeniedException".to_string(), message.to_string()),
            "{sent:?}"
        );
        let call = stub.calls().last().cloned().unwrap();
        assert_eq!(
            (call.auth.as_str(), call.sigv4_signed, call.status),
            ("bearer", false, 403)
        );
    }
}

#[tokio::test]
async fn a_short_term_key_works_only_at_its_regions_endpoint() {
    let creds = testbed::Credentials {
        access_key_id: TEST_ACCESS_KEY_ID.into(),
        secret_access_key: TEST_SECRET_ACCESS_KEY.into(),
        session_token: None,
        session_token_expired: false,
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let key = testbed::api_key::short_term_key(&creds, "eu-west-1", now - 60, 43200);
    let listed = format!("[[api_key]]\nkey = '{key}'\nregion = 'eu-west-1'");
    let home = Stub::start(scenario_with_keys(&format!(
        "endpoint_region = 'eu-west-1'\n{listed}"
    )))
    .await
    .unwrap();
    invoke(&with_api_key(&home, &key).await)
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(
        home.calls().last().unwrap().region.as_deref(),
        Some("eu-west-1")
    );
    let elsewhere = Stub::start(scenario_with_keys(&listed)).await.unwrap();
    assert_eq!(
        invoke(&with_api_key(&elsewhere, &key).await)
            .await
            .unwrap_err()
            .1,
        testbed::api_key::KEY_INVALID
    );
}
