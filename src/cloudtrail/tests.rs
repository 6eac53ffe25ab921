//! CloudTrail input: the shapes told apart, grouping, diagnosis from the structured fields,
//! masking, and arbitrary JSON read without a panic or a raw control character on the terminal.

use super::group::normalise_message;
use super::input::Shape;
use super::{read, render_json, render_text, Options};
use crate::render::untrusted::has_hazard;
use checks::fuzz_support::{one_of, runner, seeds};
use proptest::prelude::*;
use serde_json::{json, Value};

const NIGHT: &str = include_str!("../../tests/fixtures/cloudtrail/night.json");
const LOOKUP: &str = include_str!("../../tests/fixtures/cloudtrail/lookup-events.json");
const EVENT: &str = include_str!("../../tests/fixtures/cloudtrail/event.json");
const HOSTILE: &str = include_str!("../../tests/fixtures/cloudtrail/hostile.json");

fn document(text: &str, options: Options) -> Value {
    let digest = read(text.as_bytes()).expect("a CloudTrail shape");
    serde_json::from_str(&render_json(digest, options).unwrap()).unwrap()
}

/// The group of `doc` whose error code and operation are these.
fn group<'a>(doc: &'a Value, code: &str, operation: &str) -> &'a Value {
    doc["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["error_code"] == code && g["operation"] == operation)
        .unwrap_or_else(|| panic!("no {code} on {operation} in {doc:#}"))
}

#[test]
fn tells_the_three_shapes_from_other_json_and_text() {
    assert_eq!(read(NIGHT.as_bytes()).unwrap().shape, Shape::LogFile);
    assert_eq!(read(LOOKUP.as_bytes()).unwrap().shape, Shape::LookupEvents);
    assert_eq!(read(EVENT.as_bytes()).unwrap().shape, Shape::Event);
    for not_ours in [
        "An error occurred (AccessDeniedException) when calling the InvokeModel operation",
        r#"{"message": "User: arn:aws:iam::123456789012:user/a is not authorized"}"#,
        r#"{"errorMessage": "An error occurred (ThrottlingException)", "errorType": "ClientError"}"#,
        r#"{"__type": "com.amazon.coral.service#AccessDeniedException"}"#,
        // An S3 event notification is also `{"Records": [...]}`.
        r#"{"Records": [{"eventVersion": "2.1", "eventSource": "aws:s3", "eventName": "ObjectCreated:Put"}]}"#,
        r#"{"Events": [{"EventId": "1", "Message": "x"}]}"#,
        r#"{"Records": 5}"#,
        // Truncated: not read as events, so it is explained as text.
        &NIGHT[..NIGHT.len() / 2],
        "",
        "[]",
    ] {
        assert!(read(not_ours.as_bytes()).is_none(), "{not_ours}");
    }
    // Empty lists are empty histories, not messages.
    assert_eq!(read(br#"{"Events": []}"#).unwrap().groups.events, 0);
    assert_eq!(read(br#"{"Records": []}"#).unwrap().groups.events, 0);
}

#[test]
fn groups_failures_with_counts_and_first_and_last_seen() {
    let doc = document(NIGHT, Options::default());
    assert_eq!(
        (&doc["events"], &doc["failed"], &doc["succeeded"]),
        (&json!(14), &json!(12), &json!(2))
    );
    assert_eq!(doc["groups"].as_array().unwrap().len(), 5, "{doc:#}");
    // Three sessions of one role are one principal: one group.
    let denied = group(&doc, "AccessDeniedException", "InvokeModel");
    assert_eq!(denied["count"], 3);
    assert_eq!(denied["first_seen"], "2026-01-15T01:10:00Z");
    assert_eq!(denied["last_seen"], "2026-01-15T03:30:00Z");
    assert_eq!(denied["principal"]["type"], "AssumedRole");
    assert_eq!(
        denied["principal"]["arn"],
        "arn:aws:iam::123456789012:role/app-role"
    );
    assert_eq!(denied["explanation"]["diagnosis"], "iam-action-denied");

    let throttled = group(&doc, "ThrottlingException", "ConverseStream");
    assert_eq!(throttled["count"], 4);
    assert_eq!(throttled["principal"]["type"], "IdentityCenterRole");
    assert_eq!(throttled["principal"]["name"], "alice@example.com");
    assert_eq!(
        throttled["inference_regions"],
        json!(["us-east-1", "us-west-2"])
    );
    assert_eq!(throttled["explanation"]["diagnosis"], "throttled");

    let scp = group(
        &doc,
        "AccessDeniedException",
        "InvokeModelWithResponseStream",
    );
    assert_eq!(scp["count"], 2);
    assert_eq!(
        scp["model_id"],
        "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
    );
    assert_eq!(scp["explanation"]["diagnosis"], "scp-explicit-deny");
    assert_eq!(scp["explanation"]["found"]["region"], "us-east-2");

    let wrong_id = group(&doc, "ValidationException", "InvokeModel");
    assert_eq!(
        (&wrong_id["count"], &wrong_id["principal"]["name"]),
        (&json!(2), &json!("Alice"))
    );
    assert_eq!(wrong_id["explanation"]["diagnosis"], "model-id-invalid");

    let root = group(&doc, "ValidationException", "Converse");
    assert_eq!(root["principal"]["type"], "Root");
    assert_eq!(
        root["explanation"]["diagnosis"],
        "inference-profile-required"
    );

    // lookup-events output holds the same events, each as a JSON string, and says more follow.
    let lookup = document(LOOKUP, Options::default());
    assert_eq!(lookup["groups"], doc["groups"]);
    assert_eq!(lookup["more_history"], true);
    assert_eq!(doc["more_history"], false);
}

#[test]
fn each_identity_center_user_is_a_principal_of_their_own() {
    let mut night: Value = serde_json::from_str(NIGHT).unwrap();
    for record in night["Records"].as_array_mut().unwrap() {
        if record["eventName"] == "ConverseStream" && record["eventTime"] == "2026-01-15T04:00:04Z"
        {
            let arn = record["userIdentity"]["arn"]
                .as_str()
                .unwrap()
                .replace("alice@", "bob@");
            record["userIdentity"]["arn"] = json!(arn);
        }
    }
    let doc = document(&night.to_string(), Options::default());
    assert_eq!(doc["groups"].as_array().unwrap().len(), 6);
    assert_eq!(
        group(&doc, "ThrottlingException", "ConverseStream")["count"],
        3
    );
}

#[test]
fn a_message_less_event_is_diagnosed_from_its_code_and_operation() {
    let doc = document(EVENT, Options::default());
    let g = &doc["groups"][0];
    assert_eq!(g["error_message"], Value::Null);
    let e = &g["explanation"];
    assert_eq!(
        (&e["diagnosis"], &e["matched"]),
        (&json!("iam-action-denied"), &json!(true))
    );
    assert_eq!(e["found"]["action"], "bedrock:InvokeModel");
    assert_eq!(e["found"]["region"], "eu-west-1");
    let fix = e["fix"].as_str().unwrap();
    assert!(
        fix.contains(
            "arn:aws:bedrock:eu-west-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0"
        ),
        "{fix}"
    );
    // Another code keeps its own rule: throttling needs no message either.
    let throttled = EVENT.replace("AccessDeniedException", "ThrottlingException");
    let doc = document(&throttled, Options::default());
    assert_eq!(doc["groups"][0]["explanation"]["diagnosis"], "throttled");
}

#[test]
fn identity_center_users_and_services_are_principals_too() {
    use super::event::Event;
    let event = |identity: Value| {
        Event::from_value(&json!({
            "eventSource": "bedrock.amazonaws.com",
            "eventName": "InvokeModel",
            "userIdentity": identity,
        }))
        .unwrap()
        .principal
    };
    // Shaped after the userIdentity page's example of a request made on behalf of an IAM
    // Identity Center user (`onBehalfOf.userId`, `onBehalfOf.identityStoreArn`).
    let user = event(json!({
        "type": "IdentityCenterUser",
        "accountId": "123456789012",
        "onBehalfOf": {
            "userId": "544894e8-80c1-707f-60e3-3ba6510dfac1",
            "identityStoreArn": "arn:aws:identitystore::123456789012:identitystore/d-9067642ac7"
        },
        "credentialId": "EXAMPLEVHULjJdTUdPJfofVa1sufHDoj7aYcOYcxFVllWR_Whr1fEXAMPLE"
    }));
    assert_eq!(user.kind, "IdentityCenterUser");
    assert_eq!(
        user.name.as_deref(),
        Some("544894e8-80c1-707f-60e3-3ba6510dfac1")
    );
    let service = event(json!({"type": "AWSService", "invokedBy": "bedrock.amazonaws.com"}));
    assert_eq!(
        (service.kind.as_str(), service.name.as_deref()),
        ("AWSService", Some("bedrock.amazonaws.com"))
    );
    assert_ne!(user.key, service.key);
}

#[test]
fn ids_and_numbers_are_made_alike_and_regions_kept() {
    let a = normalise_message("Request 1b2c3d4e-1111-2222-3333-444455556666 of arn:aws:sts::123456789012:assumed-role/r/i-0abc1: 40 per minute in us-east-2");
    let b = normalise_message("Request 9f8e7d6c-1111-2222-3333-444455556666 of arn:aws:sts::210987654321:assumed-role/r/i-0def2: 70 per minute in us-east-2");
    assert_eq!(a, b);
    assert!(a.contains("us-east-2"), "{a}");
    assert_ne!(a, normalise_message(&a.replace("us-east-2", "us-west-2")));
}

#[test]
fn access_key_ids_are_always_masked_and_redact_masks_accounts_and_names() {
    for text in [
        render_text(read(HOSTILE.as_bytes()).unwrap(), Options::default()),
        render_json(read(HOSTILE.as_bytes()).unwrap(), Options::default()).unwrap(),
    ] {
        assert!(!text.contains("AKIAIOSFODNN7EXAMPLE"), "{text}");
        assert!(text.contains("AKIA************MPLE"), "{text}");
    }
    let options = Options {
        redact: true,
        ..Options::default()
    };
    for text in [
        render_text(read(NIGHT.as_bytes()).unwrap(), options),
        render_json(read(NIGHT.as_bytes()).unwrap(), options).unwrap(),
    ] {
        for secret in ["123456789012", "Alice", "alice@example.com", "app-role"] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        assert!(
            text.contains("anthropic.claude-3-haiku-20240307-v1:0"),
            "{text}"
        );
    }
}

#[test]
fn hostile_events_are_counted_and_shown_escaped() {
    let digest = read(HOSTILE.as_bytes()).unwrap();
    assert_eq!(
        (digest.groups.events, digest.groups.unreadable),
        (3, 3),
        "three events, three items that are not"
    );
    let text = render_text(
        digest,
        Options {
            verbose: 1,
            redact: false,
        },
    );
    assert!(!has_hazard(&text), "{text}");
    assert!(text.contains("\\x1b[2J"), "{text}");
    let json = render_json(read(HOSTILE.as_bytes()).unwrap(), Options::default()).unwrap();
    let doc: Value = serde_json::from_str(&json).unwrap();
    // JSON keeps the events' text exact.
    assert!(doc.to_string().contains("InvokeModel\\u001b[2J"), "{json}");
}

/// Arbitrary JSON, biased toward CloudTrail's keys and values.
fn hostile_json() -> impl Strategy<Value = Value> {
    let text = prop_oneof![
        4 => one_of(&[
            "bedrock.amazonaws.com", "InvokeModel", "AccessDeniedException", "ThrottlingException",
            "2026-01-15T01:10:00Z", "us-east-1", "AWSReservedSSO_x", "AssumedRole", "IAMUser", "Root",
            "arn:aws:sts::123456789012:assumed-role/r/s", "AKIAIOSFODNN7EXAMPLE",
            "\u{1b}[2J\u{202e}\u{7}", "</details><b>", "{\"eventName\":\"X\"}",
        ]),
        1 => any::<String>(),
    ];
    let key = prop_oneof![
        6 => one_of(&[
            "eventSource", "eventName", "eventTime", "awsRegion", "errorCode", "errorMessage",
            "userIdentity", "type", "arn", "userName", "sessionContext", "sessionIssuer",
            "requestParameters", "modelId", "additionalEventData", "inferenceRegion", "onBehalfOf",
            "userId", "Records", "Events", "CloudTrailEvent", "NextToken",
        ]),
        1 => any::<String>(),
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        text.prop_map(Value::from),
    ];
    leaf.prop_recursive(5, 64, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::btree_map(key.clone(), inner, 0..8)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn check(bytes: &[u8]) {
    let Some(digest) = read(bytes) else { return };
    let text = render_text(
        digest,
        Options {
            verbose: 1,
            redact: false,
        },
    );
    assert!(!has_hazard(&text), "raw control character in {text:?}");
    let digest = read(bytes).unwrap();
    let json = render_json(
        digest,
        Options {
            verbose: 0,
            redact: true,
        },
    )
    .unwrap();
    serde_json::from_str::<Value>(&json).expect("the document is JSON");
}

#[test]
fn arbitrary_json_never_panics_and_reaches_no_terminal_raw() {
    for (path, bytes) in seeds("cloudtrail") {
        let result = std::panic::catch_unwind(|| check(&bytes));
        assert!(result.is_ok(), "seed {} failed", path.display());
    }
    runner()
        .run(&hostile_json(), |value| {
            // An event with arbitrary fields: the value's own, or the value in its identity and
            // message.
            let mut event = json!({
                "eventSource": "bedrock.amazonaws.com",
                "eventName": "InvokeModel",
                "errorCode": "AccessDeniedException",
            });
            match &value {
                Value::Object(fields) => {
                    for (k, v) in fields {
                        if k != "eventSource" && k != "eventName" {
                            event[k] = v.clone();
                        }
                    }
                }
                other => {
                    event["userIdentity"] = other.clone();
                    event["errorMessage"] = other.clone();
                    event["requestParameters"] = json!({"modelId": other});
                }
            }
            // Each alone, as a log file's records, and as lookup-events output.
            let lookup =
                json!({"Events": [{"CloudTrailEvent": event.to_string()}], "NextToken": "t"});
            let records = json!({"Records": [value.clone(), event.clone(), event.clone()]});
            for doc in [value.clone(), event.clone(), records, lookup] {
                check(doc.to_string().as_bytes());
            }
            Ok(())
        })
        .unwrap();
}
