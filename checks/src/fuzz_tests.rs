//! Property-based fuzzing of the library's parsers of outside input: the SCP/IAM policy evaluator
//! with arbitrary policy documents and request contexts, the catalogue's classifier with arbitrary
//! text, and arbitrary AWS responses (status, headers, body) through the SDK's real deserialisers
//! and the doctor's call layer and checks. Properties: no panic, and a verdict that stays inside
//! its contract (an answer AWS did not give is never a `fail`).
//!
//! Each target replays the checked-in seeds of `tests/fuzz/seeds/<target>/` (repository root)
//! first, then `FUZZ_CASES` generated cases (default 64). Run longer with
//! `FUZZ_CASES=20000 cargo test -p bedrock-doctor-checks --lib fuzz_tests`.

use crate::checks::invoke::Invoke;
use crate::facts::test_support::{facts_with_bedrock_settings, settings};
use crate::fuzz_support::{one_of, runner};
use crate::policy::{evaluate_scps, AttachedPolicy, Level, Policy, Request};
use crate::{Check, Settings, Status};
use aws_smithy_mocks::{mock, mock_client, RuleMode};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;
use proptest::prelude::*;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The seeds of one target as text (a policy document, an error message).
fn seeds(target: &str) -> Vec<(PathBuf, String)> {
    crate::fuzz_support::seeds(target)
        .into_iter()
        .map(|(path, bytes)| (path, String::from_utf8_lossy(&bytes).into_owned()))
        .collect()
}

/// Strings a policy or request really uses, and some it should not.
fn policy_string() -> impl Strategy<Value = String> {
    prop_oneof![
        10 => one_of(&[
            "*",
            "bedrock:*",
            "bedrock:InvokeModel*",
            "bedrock:InvokeModel",
            "arn:aws:bedrock:*::foundation-model/*",
            "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0",
            "arn:aws:iam::*:role/aws-reserved/*",
            "${aws:PrincipalTag/team}",
            "us-east-1",
            "unspecified",
        ]),
        1 => "[a-z:*?/${}.-]{0,24}",
        1 => any::<String>(),
    ]
}

fn string_or_list() -> impl Strategy<Value = serde_json::Value> {
    prop_oneof![
        policy_string().prop_map(serde_json::Value::String),
        prop::collection::vec(policy_string(), 0..4)
            .prop_map(|v| serde_json::Value::Array(v.into_iter().map(Into::into).collect())),
        any::<i64>().prop_map(serde_json::Value::from),
        Just(serde_json::Value::Null),
    ]
}

fn condition() -> impl Strategy<Value = serde_json::Value> {
    let operator = prop_oneof![
        13 => one_of(&[
            "StringEquals",
            "StringNotEquals",
            "StringLike",
            "StringNotLike",
            "ArnLike",
            "ArnNotLike",
            "ForAnyValue:StringEquals",
            "ForAllValues:StringLike",
            "StringEqualsIfExists",
            "Null",
            "Bool",
            "NumericLessThan",
            "DateGreaterThan",
        ]),
        1 => "[A-Za-z:]{0,20}",
    ];
    let key = prop_oneof![
        4 => one_of(&[
            "aws:RequestedRegion",
            "aws:PrincipalArn",
            "bedrock:InferenceProfileArn",
            "aws:PrincipalTag/team",
        ]),
        1 => "[a-zA-Z:/]{0,20}",
    ];
    prop::collection::btree_map(
        operator,
        prop::collection::btree_map(key, string_or_list(), 0..3),
        0..3,
    )
    .prop_map(|m| serde_json::to_value(m).unwrap())
}

fn statement() -> impl Strategy<Value = serde_json::Value> {
    (
        prop_oneof![Just("Allow"), Just("Deny"), Just("Maybe")],
        any::<bool>(),
        string_or_list(),
        any::<bool>(),
        string_or_list(),
        prop::option::of(condition()),
        prop::option::of(policy_string()),
    )
        .prop_map(
            |(effect, not_action, actions, not_resource, resources, cond, sid)| {
                let mut s = serde_json::Map::new();
                s.insert("Effect".into(), effect.into());
                s.insert(
                    if not_action { "NotAction" } else { "Action" }.into(),
                    actions,
                );
                s.insert(
                    if not_resource {
                        "NotResource"
                    } else {
                        "Resource"
                    }
                    .into(),
                    resources,
                );
                if let Some(c) = cond {
                    s.insert("Condition".into(), c);
                }
                if let Some(id) = sid {
                    s.insert("Sid".into(), id.into());
                }
                serde_json::Value::Object(s)
            },
        )
}

fn document() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::collection::vec(statement(), 0..5).prop_map(|statements| {
            serde_json::json!({"Version": "2012-10-17", "Statement": statements}).to_string()
        }),
        1 => statement().prop_map(|s| serde_json::json!({"Statement": s}).to_string()),
        1 => any::<String>(),
    ]
}

fn request() -> impl Strategy<Value = Request> {
    (
        policy_string(),
        policy_string(),
        prop::collection::btree_map(
            prop_oneof![
                3 => one_of(&[
                    "aws:RequestedRegion",
                    "aws:PrincipalArn",
                    "bedrock:InferenceProfileArn",
                ]),
                1 => "[a-zA-Z:/]{0,16}",
            ],
            prop::collection::vec(policy_string(), 0..3),
            0..4,
        ),
    )
        .prop_map(|(action, resource, context)| Request {
            action,
            resource,
            context,
        })
}

#[test]
fn policy_evaluator_takes_any_document_and_request() {
    let decide = |text: &str, request: &Request| {
        if let Ok(policy) = Policy::parse(text) {
            let _ = policy.evaluate(request);
            let levels = [Level {
                target_id: "r-root".into(),
                policies: vec![AttachedPolicy {
                    id: "p-1".into(),
                    name: "fuzzed".into(),
                    policy,
                }],
            }];
            let _ = evaluate_scps(&levels, request);
        }
    };
    let probe = Request {
        action: "bedrock:InvokeModel".into(),
        resource:
            "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0"
                .into(),
        context: BTreeMap::from([(
            "aws:RequestedRegion".to_string(),
            vec!["us-east-1".to_string()],
        )]),
    };
    for (path, text) in seeds("policy") {
        let parsed = Policy::parse(&text);
        assert!(
            parsed.is_ok(),
            "seed {} does not parse: {parsed:?}",
            path.display()
        );
        decide(&text, &probe);
    }
    runner()
        .run(&(document(), request()), |(text, request)| {
            decide(&text, &request);
            Ok(())
        })
        .unwrap();
}

#[test]
fn classifier_takes_any_code_and_text() {
    runner()
        .run(
            &(
                prop::option::of("[A-Za-z]{0,30}"),
                any::<String>(),
                prop::option::of(100u16..600),
            ),
            |(code, message, status)| {
                let _ = crate::catalogue::classify(code.as_deref(), &message);
                let _ = crate::catalogue::catalogue().classify_text(&message);
                let _ = crate::calls::judge_service_error(code.as_deref(), &message, status);
                Ok(())
            },
        )
        .unwrap();
}

/// An HTTP answer as anything on the way could send it: any status, maybe an AWS error type, any
/// content type, and a body that is AWS-like JSON, JSON of the wrong shape, or bytes.
fn response() -> impl Strategy<Value = (u16, Option<String>, Option<String>, Vec<u8>)> {
    let body = prop_oneof![
        Just(br#"{"message":"Too many requests, please wait before trying again."}"#.to_vec()),
        Just(br#"{"content":[{"type":"text","text":"h"}],"stop_reason":"max_tokens"}"#.to_vec()),
        Just(br#"<html><body>502 Bad Gateway</body></html>"#.to_vec()),
        Just(br#"{"Message":null,"message":{"nested":[1,2]}}"#.to_vec()),
        Just(Vec::new()),
        any::<String>().prop_map(|m| serde_json::json!({ "message": m }).to_string().into_bytes()),
        prop::collection::vec(any::<u8>(), 0..512),
    ];
    (
        prop_oneof![
            Just(200u16),
            Just(400),
            Just(403),
            Just(404),
            Just(429),
            Just(500),
            Just(503),
            100u16..600
        ],
        prop::option::of(prop_oneof![
            5 => one_of(&[
                "AccessDeniedException",
                "ValidationException",
                "ThrottlingException",
                "ServiceQuotaExceededException",
                "ResourceNotFoundException",
            ]),
            1 => "[A-Za-z:/.]{0,40}",
        ]),
        prop::option::of(one_of(&[
            "application/json",
            "text/html",
            "application/vnd.amazon.eventstream",
        ])),
        body,
    )
}

fn http_response(
    status: u16,
    error_type: Option<&str>,
    content_type: Option<&str>,
    body: &[u8],
) -> HttpResponse {
    let mut r = HttpResponse::new(
        StatusCode::try_from(status).unwrap_or_else(|_| StatusCode::try_from(500).unwrap()),
        SdkBody::from(body.to_vec()),
    );
    if let Some(t) = error_type {
        // A value no HTTP header can carry is not sent, as no server could send it.
        let _ = r
            .headers_mut()
            .try_insert("x-amzn-ErrorType", t.to_string());
    }
    if let Some(t) = content_type {
        r.headers_mut().insert("content-type", t.to_string());
    }
    r
}

fn catalog_entry() -> aws_smithy_mocks::Rule {
    mock!(aws_sdk_bedrock::Client::get_foundation_model).then_http_response(|| {
        HttpResponse::new(
            StatusCode::try_from(200).unwrap(),
            SdkBody::from(r#"{"modelDetails":{"modelArn":"arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0","modelId":"anthropic.claude-3-haiku-20240307-v1:0","providerName":"Anthropic","inferenceTypesSupported":["ON_DEMAND"],"responseStreamingSupported":true,"modelLifecycle":{"status":"ACTIVE"}}}"#),
        )
    })
}

#[test]
fn any_runtime_answer_gives_a_verdict_not_a_panic() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap();
    runner()
        .run(&response(), |(status, error_type, content_type, body)| {
            let answer = http_response(
                status,
                error_type.as_deref(),
                content_type.as_deref(),
                &body,
            );
            let answer_stream = http_response(
                status,
                error_type.as_deref(),
                content_type.as_deref(),
                &body,
            );
            let answer = std::sync::Mutex::new(Some(answer));
            let answer_stream = std::sync::Mutex::new(Some(answer_stream));
            let invoke =
                mock!(aws_sdk_bedrockruntime::Client::invoke_model).then_http_response(move || {
                    answer
                        .lock()
                        .unwrap()
                        .take()
                        .unwrap_or_else(|| http_response(500, None, None, b""))
                });
            let stream = mock!(aws_sdk_bedrockruntime::Client::invoke_model_with_response_stream)
                .then_http_response(move || {
                    answer_stream
                        .lock()
                        .unwrap()
                        .take()
                        .unwrap_or_else(|| http_response(500, None, None, b""))
                });
            let client = mock_client!(
                aws_sdk_bedrockruntime,
                RuleMode::MatchAny,
                [&invoke, &stream]
            );
            let settings = Settings {
                models: vec!["anthropic.claude-3-haiku-20240307-v1:0".into()],
                ..settings()
            };
            let facts =
                facts_with_bedrock_settings(settings, &[&catalog_entry()]).with_runtime(client);
            let report = runtime.block_on(Invoke.run(&facts));
            prop_assert!(
                invoke.num_calls() >= 1,
                "the answer was never asked for: {report:?}"
            );
            // A verdict of `fail` needs an answer AWS gives: a 2xx never fails for access, and a
            // body that is not an AWS error never becomes access advice.
            if (200..300).contains(&status) {
                prop_assert!(
                    report.status != Status::Fail || report.diagnosis.is_some(),
                    "{report:?}"
                );
            }
            Ok(())
        })
        .unwrap();
}
