//! Keeps the stub from drifting away from AWS: every route, default body and scenario override
//! is checked against the service models botocore ships (the same models the SDKs are built from).

use std::collections::BTreeSet;
use std::io::Read;
use std::path::PathBuf;

use serde_json::Value;
use testbed::router::ROUTES;
use testbed::Scenario;

const INSTALL_HINT: &str =
    "botocore's service models are needed: run `python3 -m pip install -r tests/requirements.txt`";

/// Errors raised by the AWS front door before any operation runs, so no operation models them.
const FRONT_DOOR_ERRORS: &[&str] = &[
    "UnrecognizedClientException",
    "InvalidSignatureException",
    "ExpiredTokenException",
    "MissingAuthenticationTokenException",
    "UnknownOperationException",
];

fn botocore_dir() -> PathBuf {
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import botocore,os;print(os.path.dirname(botocore.__file__))",
        ])
        .output()
        .unwrap_or_else(|e| panic!("cannot run python3 ({e}); {INSTALL_HINT}"));
    assert!(
        out.status.success(),
        "botocore is not importable ({}); {INSTALL_HINT}",
        String::from_utf8_lossy(&out.stderr).trim()
    );
    PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
}

fn load_model(rel: &str) -> Value {
    let path = botocore_dir().join("data").join(rel);
    let file = std::fs::File::open(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; {INSTALL_HINT}", path.display()));
    let mut text = String::new();
    flate2::read::GzDecoder::new(file)
        .read_to_string(&mut text)
        .unwrap();
    serde_json::from_str(&text).unwrap()
}

struct Models {
    bedrock: Value,
    runtime: Value,
    quotas: Value,
}

impl Models {
    fn load() -> Models {
        Models {
            bedrock: load_model("bedrock/2023-04-20/service-2.json.gz"),
            runtime: load_model("bedrock-runtime/2023-09-30/service-2.json.gz"),
            quotas: load_model("service-quotas/2019-06-24/service-2.json.gz"),
        }
    }

    fn for_op(&self, operation: &str) -> &Value {
        if testbed::quotas::OPERATIONS.contains(&operation) {
            return &self.quotas;
        }
        let route = ROUTES.iter().find(|r| r.operation == operation).unwrap();
        if route.service == "bedrock" {
            &self.bedrock
        } else {
            &self.runtime
        }
    }
}

/// Validates `value` against `shape`, collecting every mismatch with its JSON path.
fn validate(model: &Value, shape_name: &str, value: &Value, path: &str, errors: &mut Vec<String>) {
    let shape = &model["shapes"][shape_name];
    let mut problems = Vec::new();
    let mut fail = |why: String| problems.push(format!("{path}: {why} (shape {shape_name})"));
    match shape["type"].as_str().unwrap_or_default() {
        "structure" => {
            let Some(obj) = value.as_object() else {
                return errors.push(format!(
                    "{path}: expected object, got {value} (shape {shape_name})"
                ));
            };
            for req in shape["required"].as_array().into_iter().flatten() {
                let req = req.as_str().unwrap();
                if obj.get(req).is_none_or(Value::is_null) {
                    fail(format!("required member `{req}` missing"));
                }
            }
            let mut nested = Vec::new();
            for (k, v) in obj {
                let member = &shape["members"][k];
                if member.is_null() {
                    fail(format!("member `{k}` is not in the model"));
                } else if !v.is_null() && member.get("location").is_none() {
                    nested.push((member["shape"].as_str().unwrap(), v, format!("{path}.{k}")));
                }
            }
            errors.append(&mut problems);
            for (shape, v, at) in nested {
                validate(model, shape, v, &at, errors);
            }
        }
        "list" => {
            let Some(items) = value.as_array() else {
                return errors.push(format!(
                    "{path}: expected array, got {value} (shape {shape_name})"
                ));
            };
            let member = shape["member"]["shape"].as_str().unwrap();
            for (i, item) in items.iter().enumerate() {
                validate(model, member, item, &format!("{path}[{i}]"), errors);
            }
        }
        "map" => {
            let Some(obj) = value.as_object() else {
                return errors.push(format!(
                    "{path}: expected object, got {value} (shape {shape_name})"
                ));
            };
            let v_shape = shape["value"]["shape"].as_str().unwrap();
            for (k, v) in obj {
                validate(model, v_shape, v, &format!("{path}.{k}"), errors);
            }
        }
        "string" => {
            let Some(s) = value.as_str() else {
                return fail(format!("expected string, got {value}"));
            };
            if let Some(allowed) = shape["enum"].as_array() {
                // AWS returns INFERENCE_PROFILE in inferenceTypesSupported although the model's
                // InferenceType enum lists only ON_DEMAND|PROVISIONED (aws-sdk-bedrock 1.166.0
                // src/types/_inference_type.rs yields InferenceType::Unknown("INFERENCE_PROFILE")).
                // The one allowed exception.
                let documented_exception =
                    shape_name == "InferenceType" && s == "INFERENCE_PROFILE";
                if !allowed.iter().any(|a| a == s) && !documented_exception {
                    fail(format!("`{s}` is not one of {allowed:?}"));
                }
            }
        }
        "boolean" if !value.is_boolean() => fail(format!("expected boolean, got {value}")),
        "integer" | "long" if !(value.is_i64() || value.is_u64()) => {
            fail(format!("expected integer, got {value}"))
        }
        "float" | "double" if !value.is_number() => fail(format!("expected number, got {value}")),
        // restJson1 sends timestamps as ISO 8601 strings (or epoch seconds).
        "timestamp" if !(value.is_number() || value.as_str().is_some_and(|s| s.contains('T'))) => {
            fail(format!("expected timestamp, got {value}"))
        }
        "blob" => {
            use base64::Engine as _;
            let ok = value
                .as_str()
                .is_some_and(|s| base64::engine::general_purpose::STANDARD.decode(s).is_ok());
            if !ok {
                fail(format!("expected base64 blob, got {value}"));
            }
        }
        _ => {}
    }
    errors.extend(problems);
}

fn output_shape<'a>(model: &'a Value, operation: &str) -> &'a str {
    model["operations"][operation]["output"]["shape"]
        .as_str()
        .unwrap()
}

/// The shape a JSON response body must match: the output shape, or its `payload` member.
fn body_shape<'a>(model: &'a Value, operation: &str) -> &'a str {
    let out = output_shape(model, operation);
    match model["shapes"][out]["payload"].as_str() {
        Some(member) => model["shapes"][out]["members"][member]["shape"]
            .as_str()
            .unwrap(),
        None => out,
    }
}

fn modeled_errors(model: &Value, operation: &str) -> BTreeSet<String> {
    model["operations"][operation]["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| e["shape"].as_str().unwrap().to_string())
        .collect()
}

const STREAM_OPS: &[&str] = &["InvokeModelWithResponseStream", "ConverseStream"];
const ANTHROPIC_BODY: &str = r#"{"anthropic_version":"bedrock-2023-05-31","max_tokens":5,"messages":[{"role":"user","content":[{"type":"text","text":"hi","cache_control":{"type":"ephemeral"}}]}]}"#;
const CONVERSE_BODY: &str = r#"{"messages":[{"role":"user","content":[{"text":"hi"},{"cachePoint":{"type":"default"}}]}],"inferenceConfig":{"maxTokens":3}}"#;

fn request_body(operation: &str) -> String {
    use base64::Engine as _;
    match operation {
        "Converse" | "ConverseStream" => CONVERSE_BODY.into(),
        "CountTokens" => format!(
            r#"{{"input":{{"invokeModel":{{"body":"{}"}}}}}}"#,
            base64::engine::general_purpose::STANDARD.encode(ANTHROPIC_BODY)
        ),
        _ => ANTHROPIC_BODY.into(),
    }
}

#[test]
fn routes_match_the_models_http_bindings() {
    let models = Models::load();
    for route in ROUTES {
        let model = models.for_op(route.operation);
        let http = &model["operations"][route.operation]["http"];
        assert!(
            !http.is_null(),
            "{} is not an operation of {}",
            route.operation,
            route.service
        );
        assert_eq!(http["method"], route.method, "{} method", route.operation);
        assert_eq!(
            http["requestUri"], route.uri,
            "{} requestUri",
            route.operation
        );
        let code = http["responseCode"].as_u64().unwrap_or(200);
        assert_eq!(
            code, 200,
            "{}: the stub answers 200 on success",
            route.operation
        );
    }
}

#[test]
fn default_bodies_match_output_shapes() {
    let models = Models::load();
    let (model_ids, profile_ids) = testbed::introspect::known_ids();
    let mut errors = Vec::new();
    let mut checked = 0;
    for route in ROUTES {
        let model = models.for_op(route.operation);
        let params: Vec<Option<String>> = if !route.uri.contains('{') {
            vec![None]
        } else if route.operation == "GetInferenceProfile" {
            profile_ids.iter().cloned().map(Some).collect()
        } else {
            model_ids
                .iter()
                .chain(&profile_ids)
                .cloned()
                .map(Some)
                .collect()
        };
        for param in params {
            let body = request_body(route.operation);
            let (status, _, bytes) = testbed::introspect::default_reply(
                route.operation,
                param.as_deref(),
                body.as_bytes(),
            );
            if status != 200 {
                // Refusals (on-demand unsupported, a profile outside us-east-1) are checked below.
                continue;
            }
            let at = format!("{}({})", route.operation, param.as_deref().unwrap_or(""));
            if STREAM_OPS.contains(&route.operation) {
                check_stream(model, route.operation, &bytes, &at, &mut errors);
            } else if route.operation == "InvokeModel" {
                // The output payload is an opaque blob (the model's own JSON); nothing to check.
            } else {
                let v: Value = serde_json::from_slice(&bytes).unwrap();
                validate(
                    model,
                    body_shape(model, route.operation),
                    &v,
                    &at,
                    &mut errors,
                );
            }
            checked += 1;
        }
    }
    assert!(
        errors.is_empty(),
        "default bodies drift from the AWS models:\n{}",
        errors.join("\n")
    );
    assert!(checked > 20, "only {checked} bodies checked");
}

/// Each event-stream frame must be a member of the operation's stream union.
fn check_stream(
    model: &Value,
    operation: &str,
    mut bytes: &[u8],
    at: &str,
    errors: &mut Vec<String>,
) {
    let union = body_shape(model, operation);
    assert_eq!(
        model["shapes"][union]["eventstream"], true,
        "{operation}: payload is an event stream"
    );
    while !bytes.is_empty() {
        let (frame, n) = testbed::eventstream::decode_frame(bytes).unwrap();
        bytes = &bytes[n..];
        let header = |name: &str| {
            frame
                .headers
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        };
        assert_eq!(header(":message-type").as_deref(), Some("event"));
        let event_type = header(":event-type").unwrap();
        let member = &model["shapes"][union]["members"][&event_type];
        let Some(shape) = member["shape"].as_str() else {
            errors.push(format!("{at}: event type `{event_type}` is not in {union}"));
            continue;
        };
        let payload: Value = serde_json::from_slice(&frame.payload).unwrap();
        validate(
            model,
            shape,
            &payload,
            &format!("{at}:{event_type}"),
            errors,
        );
    }
}

#[test]
fn default_errors_are_modeled_for_their_operations() {
    let models = Models::load();
    let mut errors = Vec::new();
    for route in ROUTES {
        let model = models.for_op(route.operation);
        let modeled = modeled_errors(model, route.operation);
        // Trigger each refusal the stub makes on its own: unknown ids, on-demand-only checks, bad bodies.
        for (param, body) in [
            (Some("anthropic.nope-v1:0"), request_body(route.operation)),
            (
                Some("anthropic.claude-sonnet-4-5-20250929-v1:0"),
                request_body(route.operation),
            ),
            (
                Some("anthropic.claude-3-haiku-20240307-v1:0"),
                "not json".to_string(),
            ),
        ] {
            let param = if route.uri.contains('{') { param } else { None };
            let (status, headers, _) =
                testbed::introspect::default_reply(route.operation, param, body.as_bytes());
            if status == 200 {
                continue;
            }
            let code = headers
                .iter()
                .find(|(k, _)| k == "x-amzn-ErrorType")
                .map(|(_, v)| v.split(':').next().unwrap().to_string())
                .unwrap();
            if !modeled.contains(&code) {
                errors.push(format!(
                    "{} answers {code}, which the model does not list ({modeled:?})",
                    route.operation
                ));
            }
        }
    }
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

#[test]
fn scenario_overrides_match_the_models() {
    let models = Models::load();
    let mut errors = Vec::new();
    let mut files = 0;
    for entry in std::fs::read_dir(testbed::scenarios_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        files += 1;
        let scenario = Scenario::from_toml(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        for (i, o) in scenario.overrides.iter().enumerate() {
            let model = models.for_op(&o.operation);
            let at = format!("{file} override #{} ({})", i + 1, o.operation);
            if let Some(code) = &o.error_type {
                let modeled = modeled_errors(model, &o.operation);
                if !modeled.contains(code) && !FRONT_DOOR_ERRORS.contains(&code.as_str()) {
                    errors.push(format!(
                        "{at}: {code} is neither modeled ({modeled:?}) nor a front-door error"
                    ));
                }
                let status = model["shapes"][code]["error"]["httpStatusCode"].as_u64();
                if let (Some(want), Some(got)) = (status, o.status) {
                    if want != u64::from(got) {
                        errors.push(format!(
                            "{at}: {code} is HTTP {want} in the model, the override says {got}"
                        ));
                    }
                }
            }
            if let Some(body) = &o.body {
                let v: Value = serde_json::from_str(body).unwrap();
                validate(model, body_shape(model, &o.operation), &v, &at, &mut errors);
            }
        }
    }
    assert!(files >= 6, "found only {files} scenario files");
    assert!(
        errors.is_empty(),
        "scenario overrides drift from the AWS models:\n{}",
        errors.join("\n")
    );
}

#[test]
fn validator_catches_drift() {
    let models = Models::load();
    let model = &models.bedrock;
    let mut errors = Vec::new();
    let bad = serde_json::json!({ "modelSummaries": [{ "modelId": "x", "inferenceTypesSupported": ["NOPE"], "responseStreamingSupported": "yes", "bogus": 1 }] });
    validate(
        model,
        body_shape(model, "ListFoundationModels"),
        &bad,
        "t",
        &mut errors,
    );
    let joined = errors.join("\n");
    for needle in [
        "`modelArn` missing",
        "`NOPE` is not one of",
        "expected boolean",
        "`bogus` is not in the model",
    ] {
        assert!(joined.contains(needle), "missing {needle:?} in:\n{joined}");
    }
}

// ---- Service Quotas (JSON 1.1) ----

/// A JSON 1.1 error body's code: `__type`, namespace and URI cut as the SDKs do.
fn json_error_code(body: &Value) -> String {
    let raw = body["__type"].as_str().unwrap_or_default();
    let raw = raw.split(':').next().unwrap_or(raw);
    raw.rsplit('#').next().unwrap_or(raw).to_string()
}

#[test]
fn service_quotas_protocol_matches_the_model() {
    let model = &Models::load().quotas;
    let meta = &model["metadata"];
    assert_eq!(meta["protocol"], "json");
    assert_eq!(meta["jsonVersion"], "1.1");
    assert_eq!(meta["targetPrefix"], "ServiceQuotasV20190624");
    assert_eq!(
        testbed::quotas::TARGET_PREFIX,
        format!("{}.", meta["targetPrefix"].as_str().unwrap())
    );
    // The stub verifies SigV4 for this signing name (botocore: `endpointPrefix`, no override).
    assert_eq!(meta["endpointPrefix"], "servicequotas");
    assert!(meta.get("signingName").is_none_or(|n| n == "servicequotas"));
    for op in testbed::quotas::OPERATIONS {
        let http = &model["operations"][op]["http"];
        assert_eq!(http["method"], "POST", "{op}");
        assert_eq!(http["requestUri"], "/", "{op}");
    }
}

#[test]
fn service_quotas_answers_match_output_shapes_on_every_page() {
    let model = &Models::load().quotas;
    let mut errors = Vec::new();
    let mut checked = 0;
    for scenario in ["healthy", "quota_below_default"] {
        let scenario = Scenario::load(scenario);
        for op in ["ListServiceQuotas", "ListAWSDefaultServiceQuotas"] {
            let mut token: Option<String> = None;
            for page in 0.. {
                assert!(page < 100, "{op} pages forever");
                let mut body = serde_json::json!({"ServiceCode": "bedrock", "MaxResults": 100});
                if let Some(t) = &token {
                    body["NextToken"] = t.clone().into();
                }
                let (status, out) = testbed::introspect::service_quotas_reply(
                    op,
                    body.to_string().as_bytes(),
                    &scenario,
                );
                assert_eq!(status, 200, "{op}: {out}");
                let at = format!("{op}[page {page}]");
                validate(model, output_shape(model, op), &out, &at, &mut errors);
                checked += 1;
                for q in out["Quotas"].as_array().unwrap() {
                    let code = q["QuotaCode"].as_str().unwrap_or_default();
                    let pattern = regex_lite_match(code);
                    if !pattern {
                        errors.push(format!(
                            "{at}: QuotaCode {code} does not match [a-zA-Z][a-zA-Z0-9-]{{1,128}}"
                        ));
                    }
                    if q["Description"]
                        .as_str()
                        .is_some_and(|d| d.chars().count() > 350)
                    {
                        errors.push(format!("{at}: {code}'s description is over 350 characters"));
                    }
                    if q["Value"]
                        .as_f64()
                        .is_some_and(|v| !(0.0..=1e10).contains(&v))
                    {
                        errors.push(format!(
                            "{at}: {code}'s value is outside QuotaValue's range"
                        ));
                    }
                }
                match out["NextToken"].as_str() {
                    Some(t) => {
                        let shaped = t.bytes().all(|b| {
                            b.is_ascii_alphanumeric() || b == b'/' || b == b'+' || b == b'='
                        });
                        if !shaped {
                            errors.push(format!(
                                "{at}: NextToken {t:?} breaks the NextToken pattern"
                            ));
                        }
                        token = Some(t.to_string());
                    }
                    None => break,
                }
            }
        }
        for (op, code) in [
            ("GetServiceQuota", "L-F4DDD3EB"),
            ("GetAWSDefaultServiceQuota", "L-381AD9EE"),
        ] {
            let body = serde_json::json!({"ServiceCode": "bedrock", "QuotaCode": code}).to_string();
            let (status, out) =
                testbed::introspect::service_quotas_reply(op, body.as_bytes(), &scenario);
            assert_eq!(status, 200, "{op}: {out}");
            validate(model, output_shape(model, op), &out, op, &mut errors);
            checked += 1;
        }
    }
    assert!(
        errors.is_empty(),
        "Service Quotas answers drift from the AWS model:\n{}",
        errors.join("\n")
    );
    assert!(checked > 8, "only {checked} answers checked");
}

/// `[a-zA-Z][a-zA-Z0-9-]{1,128}`, the model's QuotaCode pattern.
fn regex_lite_match(code: &str) -> bool {
    let mut chars = code.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && (2..=129).contains(&code.len())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-')
}

#[test]
fn service_quotas_errors_are_modeled_for_their_operations() {
    let model = &Models::load().quotas;
    let healthy = Scenario::load("healthy");
    let mut errors = Vec::new();
    for op in testbed::quotas::OPERATIONS {
        let modeled = modeled_errors(model, op);
        for body in [
            r#"{"ServiceCode":"ec2"}"#.to_string(),
            r#"{"ServiceCode":"bedrock","NextToken":"bm9wZQ==","QuotaCode":"L-00000000"}"#
                .to_string(),
            "not json".to_string(),
            "{}".to_string(),
        ] {
            let (status, out) =
                testbed::introspect::service_quotas_reply(op, body.as_bytes(), &healthy);
            if status == 200 {
                continue;
            }
            let code = json_error_code(&out);
            if !modeled.contains(&code) {
                errors.push(format!(
                    "{op} answers {code} to {body}, which the model does not list ({modeled:?})"
                ));
            }
            if out["message"].as_str().is_none_or(str::is_empty) {
                errors.push(format!("{op}: an error without a message: {out}"));
            }
        }
    }
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

// ---- IAM (AWS query protocol, XML) ----

/// One XML element of a stub answer: its name, child elements and text.
#[derive(Debug)]
struct Element {
    name: String,
    children: Vec<Element>,
    text: String,
}

impl Element {
    fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }
}

/// Parses the XML the stub writes (elements, attributes on the root only, text, no comments).
fn parse_xml(text: &str) -> Element {
    let mut stack = vec![Element {
        name: String::new(),
        children: Vec::new(),
        text: String::new(),
    }];
    let mut rest = text.trim_start_matches("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
    while let Some(open) = rest.find('<') {
        let text_before = &rest[..open];
        stack.last_mut().unwrap().text.push_str(text_before);
        let close = rest[open..].find('>').expect("a tag ends") + open;
        let tag = &rest[open + 1..close];
        rest = &rest[close + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            let done = stack.pop().unwrap();
            assert_eq!(done.name, name, "mismatched tag in {text}");
            stack.last_mut().unwrap().children.push(done);
        } else {
            let self_closing = tag.ends_with('/');
            let name = tag
                .trim_end_matches('/')
                .split_whitespace()
                .next()
                .unwrap()
                .to_string();
            let element = Element {
                name,
                children: Vec::new(),
                text: String::new(),
            };
            if self_closing {
                stack.last_mut().unwrap().children.push(element);
            } else {
                stack.push(element);
            }
        }
    }
    assert_eq!(stack.len(), 1, "unclosed elements in {text}");
    stack.pop().unwrap().children.pop().expect("a root element")
}

/// Validates an XML element against a shape of a query-protocol model.
fn validate_xml(
    model: &Value,
    shape_name: &str,
    el: &Element,
    path: &str,
    errors: &mut Vec<String>,
) {
    let shape = &model["shapes"][shape_name];
    match shape["type"].as_str().unwrap() {
        "structure" => {
            let members = shape["members"].as_object().unwrap();
            for required in shape["required"].as_array().into_iter().flatten() {
                let name = required.as_str().unwrap();
                if el.child(name).is_none() {
                    errors.push(format!("{path}: `{name}` missing"));
                }
            }
            for child in &el.children {
                match members.get(&child.name) {
                    Some(m) => validate_xml(
                        model,
                        m["shape"].as_str().unwrap(),
                        child,
                        &format!("{path}/{}", child.name),
                        errors,
                    ),
                    None => errors.push(format!("{path}: `{}` is not in the model", child.name)),
                }
            }
        }
        "list" => {
            let member = &shape["member"];
            let name = member["locationName"].as_str().unwrap_or("member");
            for (i, child) in el.children.iter().enumerate() {
                if child.name != name {
                    errors.push(format!("{path}[{i}]: `{}` where `{name}` is", child.name));
                }
                validate_xml(
                    model,
                    member["shape"].as_str().unwrap(),
                    child,
                    &format!("{path}[{i}]"),
                    errors,
                );
            }
        }
        "string" => {
            if let Some(allowed) = shape["enum"].as_array() {
                if !allowed.iter().any(|a| a == el.text.as_str()) {
                    errors.push(format!("{path}: `{}` is not one of {allowed:?}", el.text));
                }
            }
        }
        "boolean" => {
            if !matches!(el.text.as_str(), "true" | "false") {
                errors.push(format!("{path}: `{}` expected boolean", el.text));
            }
        }
        "integer" | "long" => {
            if el.text.parse::<i64>().is_err() {
                errors.push(format!("{path}: `{}` expected integer", el.text));
            }
        }
        // Query-protocol timestamps are ISO 8601 (botocore's `timestampFormat` default for query).
        "timestamp" => {
            if !(el.text.len() >= 20 && el.text.as_bytes()[10] == b'T') {
                errors.push(format!(
                    "{path}: `{}` expected an ISO 8601 timestamp",
                    el.text
                ));
            }
        }
        other => errors.push(format!("{path}: shape type {other} not handled")),
    }
}

/// A SimulatePrincipalPolicy request body as the SDKs serialise it (query protocol, flattened
/// lists `Name.member.N`).
fn simulate_body(actions: &[&str], extra: &str) -> String {
    let mut body = "Action=SimulatePrincipalPolicy&Version=2010-05-08\
        &PolicySourceArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Auser%2Fcompiler-bedrock\
        &ResourceArns.member.1=%2A"
        .to_string();
    for (i, action) in actions.iter().enumerate() {
        body.push_str(&format!(
            "&ActionNames.member.{}={}",
            i + 1,
            action.replace(':', "%3A")
        ));
    }
    body.push_str(extra);
    body
}

/// The result members of a valid SimulatePrincipalPolicy answer, after checking it against the
/// model: (action, decision) pairs, and the marker of a truncated page.
fn simulated(model: &Value, status: u16, xml: &str) -> (Vec<(String, String)>, Option<String>) {
    assert_eq!(status, 200, "{xml}");
    let op = &model["operations"]["SimulatePrincipalPolicy"];
    let root = parse_xml(xml);
    assert_eq!(root.name, "SimulatePrincipalPolicyResponse");
    let wrapper = op["output"]["resultWrapper"].as_str().unwrap();
    let result = root
        .child(wrapper)
        .unwrap_or_else(|| panic!("no {wrapper} in {xml}"));
    assert!(
        root.child("ResponseMetadata")
            .and_then(|m| m.child("RequestId"))
            .is_some(),
        "{xml}"
    );
    let mut errors = Vec::new();
    validate_xml(
        model,
        op["output"]["shape"].as_str().unwrap(),
        result,
        wrapper,
        &mut errors,
    );
    assert!(errors.is_empty(), "{}\n{xml}", errors.join("\n"));
    let pairs = result
        .child("EvaluationResults")
        .map(|list| {
            list.children
                .iter()
                .map(|m| {
                    (
                        m.child("EvalActionName").unwrap().text.clone(),
                        m.child("EvalDecision").unwrap().text.clone(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let truncated = result.child("IsTruncated").map(|t| t.text.as_str());
    let marker = result.child("Marker").map(|m| m.text.clone());
    assert_eq!(truncated == Some("true"), marker.is_some(), "{xml}");
    (pairs, marker)
}

#[test]
fn iam_simulate_principal_policy_matches_the_model() {
    let model = load_model("iam/2010-05-08/service-2.json.gz");
    let meta = &model["metadata"];
    assert_eq!(meta["protocol"], "query");
    // The stub tells IAM from STS by the SigV4 scope's service, the model's signing name.
    assert_eq!(meta["endpointPrefix"], "iam");
    assert!(meta.get("signingName").is_none_or(|n| n == "iam"));
    let http = &model["operations"]["SimulatePrincipalPolicy"]["http"];
    assert_eq!(
        (http["method"].as_str(), http["requestUri"].as_str()),
        (Some("POST"), Some("/"))
    );
    let actions = [
        "bedrock:InvokeModel",
        "bedrock:ListFoundationModels",
        "aws-marketplace:Subscribe",
    ];

    // Default: every action allowed, one page.
    let healthy = Scenario::default();
    let (status, xml) = testbed::introspect::iam_reply(&simulate_body(&actions, ""), &healthy);
    assert!(
        xml.contains(meta["xmlNamespace"].as_str().unwrap()),
        "{xml}"
    );
    let (pairs, marker) = simulated(&model, status, &xml);
    assert_eq!(pairs.len(), 3);
    assert!(pairs.iter().all(|(_, d)| d == "allowed"), "{pairs:?}");
    assert_eq!(marker, None);

    // A scenario's decisions, and pages of MaxItems followed by Marker.
    let denying =
        Scenario::from_toml("[iam_decisions]\n\"bedrock:InvokeModel\" = \"explicitDeny\"").unwrap();
    let mut seen = Vec::new();
    let mut extra = "&MaxItems=2".to_string();
    loop {
        let (status, xml) =
            testbed::introspect::iam_reply(&simulate_body(&actions, &extra), &denying);
        let (pairs, marker) = simulated(&model, status, &xml);
        seen.extend(pairs);
        let Some(marker) = marker else { break };
        extra = format!("&MaxItems=2&Marker={marker}");
    }
    let expected: Vec<(String, String)> = [
        ("bedrock:InvokeModel", "explicitDeny"),
        ("bedrock:ListFoundationModels", "allowed"),
        ("aws-marketplace:Subscribe", "allowed"),
    ]
    .iter()
    .map(|(a, d)| (a.to_string(), d.to_string()))
    .collect();
    assert_eq!(seen, expected);

    // The validator itself catches drift.
    let mut errors = Vec::new();
    let drifted = parse_xml("<member><EvalDecision>maybe</EvalDecision><Bogus/></member>");
    validate_xml(&model, "EvaluationResult", &drifted, "member", &mut errors);
    let joined = errors.join("\n");
    for needle in [
        "`EvalActionName` missing",
        "`maybe` is not one of",
        "`Bogus` is not in the model",
    ] {
        assert!(joined.contains(needle), "missing {needle:?} in:\n{joined}");
    }

    // A request without actions gets an error the operation models, in IAM's error body.
    let (status, xml) = testbed::introspect::iam_reply(
        "Action=SimulatePrincipalPolicy&Version=2010-05-08&PolicySourceArn=arn%3Aaws%3Aiam%3A%3A1%3Auser%2Fx",
        &healthy,
    );
    let error = parse_xml(&xml);
    assert_eq!(error.name, "ErrorResponse", "{xml}");
    let code = error
        .child("Error")
        .and_then(|e| e.child("Code"))
        .unwrap()
        .text
        .clone();
    let modeled: Vec<(String, u64)> = model["operations"]["SimulatePrincipalPolicy"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let shape = &model["shapes"][e["shape"].as_str().unwrap()]["error"];
            (
                shape["code"].as_str().unwrap().to_string(),
                shape["httpStatusCode"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(
        modeled.contains(&(code.clone(), u64::from(status))),
        "{code} {status} not in {modeled:?}"
    );
}

// ---- CloudTrail LookupEvents (JSON 1.1) ----

fn cloudtrail_model() -> Value {
    load_model("cloudtrail/2013-11-01/service-2.json.gz")
}

#[test]
fn cloudtrail_protocol_matches_the_model() {
    let model = cloudtrail_model();
    let meta = &model["metadata"];
    assert_eq!(meta["protocol"], "json");
    assert_eq!(meta["jsonVersion"], "1.1");
    assert_eq!(
        testbed::cloudtrail::TARGET_PREFIX,
        format!("{}.", meta["targetPrefix"].as_str().unwrap())
    );
    // The Rust SDK sends the Smithy service shape's name alone, the last part of botocore's prefix.
    assert!(meta["targetPrefix"].as_str().unwrap().ends_with(&format!(
        ".{}",
        testbed::cloudtrail::SMITHY_TARGET_PREFIX.trim_end_matches('.')
    )));
    assert_eq!(meta["endpointPrefix"], "cloudtrail");
    assert!(meta.get("signingName").is_none_or(|n| n == "cloudtrail"));
    for op in testbed::cloudtrail::OPERATIONS {
        let http = &model["operations"][op]["http"];
        assert_eq!(http["method"], "POST", "{op}");
        assert_eq!(http["requestUri"], "/", "{op}");
    }
    assert_eq!(
        model["shapes"]["MaxResults"]["max"].as_u64(),
        Some(testbed::cloudtrail::MAX_RESULTS)
    );
    let keys: Vec<&str> = model["shapes"]["LookupAttributeKey"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap())
        .collect();
    assert_eq!(keys, testbed::cloudtrail::ATTRIBUTE_KEYS);
    // The throttling error the stub answers over the published rate is a shape of the model.
    assert_eq!(model["shapes"]["ThrottlingException"]["exception"], true);
}

#[test]
fn lookup_events_answers_match_the_output_shape_on_every_page() {
    let model = cloudtrail_model();
    let scenario = Scenario::load("trail_night");
    let now = 1_800_000_000;
    let mut errors = Vec::new();
    let mut token: Option<String> = None;
    let mut identities = BTreeSet::new();
    let (mut events, mut pages, mut cross_region) = (0, 0, 0);
    loop {
        let mut body = serde_json::json!({
            "LookupAttributes": [{"AttributeKey": "EventSource", "AttributeValue": "bedrock.amazonaws.com"}],
            "StartTime": now - 86400, "EndTime": now, "MaxResults": 50
        });
        if let Some(t) = &token {
            body["NextToken"] = t.clone().into();
        }
        let (status, out) = testbed::introspect::lookup_events_reply(
            body.to_string().as_bytes(),
            "us-east-1",
            now,
            &scenario,
        );
        assert_eq!(status, 200, "{out}");
        validate(
            &model,
            output_shape(&model, "LookupEvents"),
            &out,
            &format!("page {pages}"),
            &mut errors,
        );
        pages += 1;
        for event in out["Events"].as_array().unwrap() {
            events += 1;
            let record: Value = serde_json::from_str(event["CloudTrailEvent"].as_str().unwrap())
                .expect("CloudTrailEvent is the record as a JSON string");
            assert_eq!(record["eventSource"], event["EventSource"]);
            assert_eq!(record["eventName"], event["EventName"]);
            identities.insert(record["userIdentity"]["type"].as_str().unwrap().to_string());
            if record["additionalEventData"]["inferenceRegion"].is_string() {
                cross_region += 1;
            }
        }
        match out["NextToken"].as_str() {
            Some(t) => token = Some(t.into()),
            None => break,
        }
    }
    assert!(
        errors.is_empty(),
        "LookupEvents drifts from the model:\n{}",
        errors.join("\n")
    );
    assert_eq!((events, pages), (140, 3));
    assert!(cross_region > 0);
    for kind in ["IAMUser", "AssumedRole", "Root"] {
        assert!(identities.contains(kind), "{identities:?}");
    }
}

#[test]
fn lookup_events_errors_are_modeled() {
    let model = cloudtrail_model();
    let modeled = modeled_errors(&model, "LookupEvents");
    let scenario = Scenario::load("trail_night");
    for body in [
        r#"{"MaxResults": 51}"#,
        r#"{"MaxResults": 0}"#,
        r#"{"StartTime": 20, "EndTime": 10}"#,
        r#"{"NextToken": "not a token"}"#,
        r#"{"LookupAttributes": [{"AttributeKey": "Nope", "AttributeValue": "x"}]}"#,
        r#"{"LookupAttributes": [{"AttributeKey": "EventName", "AttributeValue": "a"}, {"AttributeKey": "EventName", "AttributeValue": "b"}]}"#,
    ] {
        let (status, out) =
            testbed::introspect::lookup_events_reply(body.as_bytes(), "us-east-1", 100, &scenario);
        assert_eq!(status, 400, "{body}: {out}");
        let code = json_error_code(&out);
        assert!(
            modeled.contains(&code),
            "{body}: {code} is not among {modeled:?}"
        );
    }
}

// ---- STS AssumeRole (the front the stub puts before moto for a test Organization) ----

/// An AssumeRole answer as moto_server 5.2.5 sends it, which the front relays unchanged.
const MOTO_ASSUME_ROLE: &str = "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><AssumeRoleResult><Credentials><AccessKeyId>ASIATVF44H73FJOMS57C</AccessKeyId><SecretAccessKey>O+mtqQR6UVPsuzIUGEzdEO8dOeViLA9NvEBmFkNE</SecretAccessKey><SessionToken>FQoGZXIvYXdzEBYaDAw2V5twMcXD7+maCYAQw2EYuHCW</SessionToken><Expiration>2026-12-06T11:53:13.082875Z</Expiration></Credentials><AssumedRoleUser><AssumedRoleId>AROATVF44H73H7LQSTXQW:x</AssumedRoleId><Arn>arn:aws:sts::251651702774:assumed-role/BedrockDoctorReadOnly/x</Arn></AssumedRoleUser><PackedPolicySize>6</PackedPolicySize></AssumeRoleResult><ResponseMetadata><RequestId>p2EXo0G0656PvmbCL0JXL5FzEbowkKKuDYC9vdNKnm4p0dcNDLSO</RequestId></ResponseMetadata></AssumeRoleResponse>";

#[test]
fn sts_assume_role_front_matches_the_model() {
    let model = load_model("sts/2011-06-15/service-2.json.gz");
    let meta = &model["metadata"];
    assert_eq!(meta["protocol"], "query");
    // The front tells STS from IAM by the SigV4 scope's service, the model's signing name.
    assert_eq!(meta["endpointPrefix"], "sts");
    let op = &model["operations"]["AssumeRole"];
    assert_eq!(
        (
            op["http"]["method"].as_str(),
            op["http"]["requestUri"].as_str()
        ),
        (Some("POST"), Some("/"))
    );
    // The request parameters the front reads are the model's.
    let input = &model["shapes"][op["input"]["shape"].as_str().unwrap()]["members"];
    for name in testbed::introspect::ASSUME_ROLE_PARAMS {
        assert!(
            input.get(*name).is_some(),
            "AssumeRoleRequest has no `{name}`"
        );
    }
    // The shortest session AWS allows, which `org` asks for.
    let duration = &model["shapes"][input["DurationSeconds"]["shape"].as_str().unwrap()];
    assert_eq!(duration["min"], 900);

    // A relayed answer fits the output shape.
    let root = parse_xml(MOTO_ASSUME_ROLE);
    assert_eq!(root.name, "AssumeRoleResponse");
    let wrapper = op["output"]["resultWrapper"].as_str().unwrap();
    let result = root.child(wrapper).unwrap();
    let mut errors = Vec::new();
    validate_xml(
        &model,
        op["output"]["shape"].as_str().unwrap(),
        result,
        wrapper,
        &mut errors,
    );
    assert!(errors.is_empty(), "{}", errors.join("\n"));

    // The refusal: AWS's words, in the query protocol's error body. AccessDenied is not among the
    // operation's modeled errors (an authorization failure comes before the operation runs), so
    // the SDKs surface it as an unhandled error with this code.
    let role = "arn:aws:iam::210987654321:role/BedrockDoctorReadOnly";
    let caller = "arn:aws:iam::123456789012:user/compiler-bedrock";
    let (status, xml) = testbed::introspect::assume_role_refusal(caller, role);
    assert_eq!(status, 403);
    let error = parse_xml(&xml);
    assert_eq!(error.name, "ErrorResponse", "{xml}");
    assert!(error.child("RequestId").is_some(), "{xml}");
    let detail = error.child("Error").unwrap();
    let text = |name: &str| {
        detail
            .child(name)
            .map(|e| e.text.clone())
            .unwrap_or_default()
    };
    assert_eq!(text("Type"), "Sender");
    assert_eq!(text("Code"), "AccessDenied");
    assert_eq!(
        text("Message"),
        format!("User: {caller} is not authorized to perform: sts:AssumeRole on resource: {role}")
    );
    let modeled: Vec<String> = op["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["shape"].as_str().unwrap().to_string())
        .collect();
    assert!(
        !modeled.iter().any(|e| e.starts_with("AccessDenied")),
        "{modeled:?}"
    );
}
