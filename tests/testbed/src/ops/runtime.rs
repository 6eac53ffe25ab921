//! The runtime's default answers: a canned reply of a few words, usage that counts the prompt the
//! cheap way, Anthropic Messages and Converse bodies, and their event streams.

use base64::Engine as _;
use serde_json::{json, Value};

use super::{validation, Input, Reply, INVALID_MODEL_ID};
use crate::catalog;
use crate::eventstream;

/// Resolves a runtime `modelId` (base id, FM ARN, profile id or ARN) to the base model id.
fn resolve_invocable(region: &str, id: &str, need_on_demand: bool) -> Result<String, Reply> {
    if let Some(profile) = catalog::find_profile(region, id) {
        return Ok(catalog::profile_model_id(&profile));
    }
    let Some(model) = catalog::find_model(region, id) else {
        return Err(validation(INVALID_MODEL_ID));
    };
    let model_id = model["modelId"].as_str().unwrap_or_default();
    if need_on_demand && !catalog::supports(model, "ON_DEMAND") {
        // Bedrock writes "isn’t" with U+2019 (its UTF-8 bytes are quoted in
        // https://github.com/Aider-AI/aider/issues/2224).
        return Err(validation(&format!(
            "Invocation of model ID {model_id} with on-demand throughput isn\u{2019}t supported. Retry your request with the ID or ARN of an inference profile that contains this model."
        )));
    }
    Ok(model_id.to_string())
}

/// The Anthropic Messages body checks Bedrock applies before invoking (JSON-schema wording).
fn parse_messages_body(body: &[u8]) -> Result<Value, Reply> {
    let malformed = |detail: &str| {
        validation(&format!(
            "Malformed input request: {detail}, please reformat your input and try again."
        ))
    };
    let value: Value = match serde_json::from_slice(body) {
        Ok(v @ Value::Object(_)) => v,
        Ok(_) | Err(_) => return Err(malformed("#: expected type: JSONObject")),
    };
    for key in ["anthropic_version", "max_tokens", "messages"] {
        if value.get(key).is_none() {
            return Err(malformed(&format!("#: required key [{key}] not found")));
        }
    }
    if !value["max_tokens"].is_u64() {
        return Err(malformed("#/max_tokens: expected type: Integer"));
    }
    if !value["messages"].is_array() {
        return Err(malformed("#/messages: expected type: JSONArray"));
    }
    Ok(value)
}

/// The canned answer, one "token" per word.
const ANSWER: &[&str] = &[
    "Hello!",
    " I'm",
    " Claude,",
    " running",
    " on",
    " Amazon",
    " Bedrock.",
    " How",
    " can",
    " I",
    " help?",
];

struct Generation {
    text: String,
    pieces: Vec<&'static str>,
    input_tokens: u64,
    output_tokens: u64,
    cache_write: u64,
    hit_max: bool,
}

/// Counts text in a request the cheap way (about 4 characters per token), and whether it asks
/// for a cache checkpoint (`cache_control` in Anthropic JSON, `cachePoint` in Converse).
fn scan(v: &Value, chars: &mut usize, cache: &mut bool) {
    match v {
        Value::String(s) => *chars += s.len(),
        Value::Array(a) => a.iter().for_each(|x| scan(x, chars, cache)),
        Value::Object(o) => {
            for (k, x) in o {
                if k == "cache_control" || k == "cachePoint" {
                    *cache = true;
                }
                scan(x, chars, cache);
            }
        }
        _ => {}
    }
}

fn generate(request: &Value, max_tokens: u64) -> Generation {
    let (mut chars, mut cache) = (0, false);
    scan(request, &mut chars, &mut cache);
    let prompt_tokens = (chars as u64 / 4).max(1) + 7;
    let n = (max_tokens as usize).min(ANSWER.len());
    let pieces = ANSWER[..n].to_vec();
    let (input_tokens, cache_write) = if cache {
        (3, prompt_tokens)
    } else {
        (prompt_tokens, 0)
    };
    Generation {
        text: pieces.concat(),
        pieces,
        input_tokens,
        output_tokens: n as u64,
        cache_write,
        hit_max: (max_tokens as usize) < ANSWER.len(),
    }
}

/// Bedrock echoes the Anthropic model name, e.g. `claude-3-haiku-20240307`.
fn anthropic_model_name(model_id: &str) -> String {
    let name = model_id.strip_prefix("anthropic.").unwrap_or(model_id);
    let name = name.split(':').next().unwrap_or(name);
    match name.rsplit_once("-v") {
        Some((head, ver)) if ver.chars().all(|c| c.is_ascii_digit()) => head.to_string(),
        _ => name.to_string(),
    }
}

fn message_id() -> String {
    format!("msg_bdrk_{}", &crate::request_id().replace('-', "")[..24])
}

pub(super) fn runtime(input: &Input<'_>) -> Reply {
    let id = input.param.unwrap_or_default();
    let need_on_demand = input.operation != "CountTokens";
    let model_id = match resolve_invocable(input.region, id, need_on_demand) {
        Ok(m) => m,
        Err(reply) => return reply,
    };
    match input.operation {
        "InvokeModel" => invoke(input.body, &model_id),
        "InvokeModelWithResponseStream" => invoke_stream(input.body, &model_id),
        "Converse" => converse(input.body),
        "ConverseStream" => converse_stream(input.body),
        _ => count_tokens(input.body),
    }
}

fn invoke(body: &[u8], model_id: &str) -> Reply {
    let request = match parse_messages_body(body) {
        Ok(v) => v,
        Err(reply) => return reply,
    };
    let g = generate(&request, request["max_tokens"].as_u64().unwrap_or(0));
    Reply::json(
        200,
        &json!({
            "id": message_id(),
            "type": "message",
            "role": "assistant",
            "model": anthropic_model_name(model_id),
            "content": [{ "type": "text", "text": g.text }],
            "stop_reason": if g.hit_max { "max_tokens" } else { "end_turn" },
            "stop_sequence": null,
            "usage": {
                "input_tokens": g.input_tokens,
                "cache_creation_input_tokens": g.cache_write,
                "cache_read_input_tokens": 0,
                "output_tokens": g.output_tokens,
            },
        }),
    )
}

fn chunk(event: &Value) -> Vec<u8> {
    let bytes = base64::engine::general_purpose::STANDARD.encode(event.to_string());
    eventstream::event("chunk", json!({ "bytes": bytes }).to_string().as_bytes())
}

/// The Anthropic SSE events of one streamed answer, in order.
pub fn anthropic_stream_events(request: &Value, model_id: &str) -> Vec<Value> {
    let g = generate(request, request["max_tokens"].as_u64().unwrap_or(0));
    let mut events = vec![
        json!({ "type": "message_start", "message": {
            "id": message_id(), "type": "message", "role": "assistant", "model": anthropic_model_name(model_id),
            "content": [], "stop_reason": null, "stop_sequence": null,
            "usage": { "input_tokens": g.input_tokens, "cache_creation_input_tokens": g.cache_write,
                       "cache_read_input_tokens": 0, "output_tokens": 1 } } }),
        json!({ "type": "content_block_start", "index": 0, "content_block": { "type": "text", "text": "" } }),
    ];
    for piece in &g.pieces {
        events.push(json!({ "type": "content_block_delta", "index": 0, "delta": { "type": "text_delta", "text": piece } }));
    }
    events.push(json!({ "type": "content_block_stop", "index": 0 }));
    events.push(json!({ "type": "message_delta",
        "delta": { "stop_reason": if g.hit_max { "max_tokens" } else { "end_turn" }, "stop_sequence": null },
        "usage": { "output_tokens": g.output_tokens } }));
    events.push(
        json!({ "type": "message_stop", "amazon-bedrock-invocationMetrics": {
        "inputTokenCount": g.input_tokens, "outputTokenCount": g.output_tokens,
        "invocationLatency": 412, "firstByteLatency": 187 } }),
    );
    events
}

fn stream_reply(frames: Vec<u8>, bedrock_content_type: bool) -> Reply {
    let mut r = Reply {
        status: 200,
        content_type: "application/vnd.amazon.eventstream",
        headers: Vec::new(),
        body: frames,
    };
    if bedrock_content_type {
        r.headers.push((
            "X-Amzn-Bedrock-Content-Type".into(),
            "application/json".into(),
        ));
    }
    r
}

fn invoke_stream(body: &[u8], model_id: &str) -> Reply {
    let request = match parse_messages_body(body) {
        Ok(v) => v,
        Err(reply) => return reply,
    };
    let frames = anthropic_stream_events(&request, model_id)
        .iter()
        .flat_map(chunk)
        .collect();
    stream_reply(frames, true)
}

fn parse_converse(body: &[u8]) -> Result<(Value, u64), Reply> {
    let value: Value = serde_json::from_slice(body).map_err(|_| {
        validation("1 validation error detected: the request body is not valid JSON")
    })?;
    if !value["messages"].is_array() {
        return Err(validation("1 validation error detected: Value null at 'messages' failed to satisfy constraint: Member must not be null"));
    }
    let max = value["inferenceConfig"]["maxTokens"]
        .as_u64()
        .unwrap_or(4096);
    Ok((value, max))
}

fn converse_usage(g: &Generation) -> Value {
    let mut usage = json!({
        "inputTokens": g.input_tokens, "outputTokens": g.output_tokens,
        "totalTokens": g.input_tokens + g.output_tokens + g.cache_write,
    });
    if g.cache_write > 0 {
        usage["cacheWriteInputTokens"] = json!(g.cache_write);
        usage["cacheReadInputTokens"] = json!(0);
    }
    usage
}

fn converse(body: &[u8]) -> Reply {
    let (request, max) = match parse_converse(body) {
        Ok(v) => v,
        Err(reply) => return reply,
    };
    let g = generate(&request, max);
    Reply::json(
        200,
        &json!({
            "output": { "message": { "role": "assistant", "content": [{ "text": g.text }] } },
            "stopReason": if g.hit_max { "max_tokens" } else { "end_turn" },
            "usage": converse_usage(&g),
            "metrics": { "latencyMs": 412 },
        }),
    )
}

/// ConverseStream events as (event type, payload) pairs.
pub fn converse_stream_events(request: &Value, max: u64) -> Vec<(&'static str, Value)> {
    let g = generate(request, max);
    let mut events = vec![("messageStart", json!({ "role": "assistant" }))];
    for piece in &g.pieces {
        events.push((
            "contentBlockDelta",
            json!({ "delta": { "text": piece }, "contentBlockIndex": 0 }),
        ));
    }
    events.push(("contentBlockStop", json!({ "contentBlockIndex": 0 })));
    events.push((
        "messageStop",
        json!({ "stopReason": if g.hit_max { "max_tokens" } else { "end_turn" } }),
    ));
    events.push((
        "metadata",
        json!({ "usage": converse_usage(&g), "metrics": { "latencyMs": 412 } }),
    ));
    events
}

fn converse_stream(body: &[u8]) -> Reply {
    let (request, max) = match parse_converse(body) {
        Ok(v) => v,
        Err(reply) => return reply,
    };
    let frames = converse_stream_events(&request, max)
        .iter()
        .flat_map(|(t, p)| eventstream::event(t, p.to_string().as_bytes()))
        .collect();
    stream_reply(frames, false)
}

fn count_tokens(body: &[u8]) -> Reply {
    let value: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let input = &value["input"];
    let request = if let Some(b64) = input["invokeModel"]["body"].as_str() {
        let Ok(raw) = base64::engine::general_purpose::STANDARD.decode(b64) else {
            return validation("Malformed input request: body is not base64, please reformat your input and try again.");
        };
        match parse_messages_body(&raw) {
            Ok(v) => v,
            Err(reply) => return reply,
        }
    } else if input["converse"].is_object() {
        input["converse"].clone()
    } else {
        return validation("1 validation error detected: Value null at 'input' failed to satisfy constraint: Member must not be null");
    };
    let g = generate(&request, 1);
    Reply::json(
        200,
        &json!({ "inputTokens": g.input_tokens + g.cache_write }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::handle;

    fn call(operation: &str, param: &str, body: &str) -> Reply {
        handle(&Input {
            operation,
            param: Some(param),
            query: &[],
            body: body.as_bytes(),
            region: "us-east-1",
        })
    }

    fn json_of(r: &Reply) -> Value {
        serde_json::from_slice(&r.body).unwrap()
    }

    const BODY: &str = r#"{"anthropic_version":"bedrock-2023-05-31","max_tokens":1,"messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}]}"#;

    #[test]
    fn invoke_stops_at_max_tokens() {
        let r = call(
            "InvokeModel",
            "anthropic.claude-3-haiku-20240307-v1:0",
            BODY,
        );
        let v = json_of(&r);
        assert_eq!(r.status, 200);
        assert_eq!(v["stop_reason"], "max_tokens");
        assert_eq!(v["usage"]["output_tokens"], 1);
        assert_eq!(v["model"], "claude-3-haiku-20240307");
    }

    #[test]
    fn invoke_reports_cache_writes() {
        let body = BODY.replace(
            r#""text":"hi""#,
            r#""text":"hi","cache_control":{"type":"ephemeral"}"#,
        );
        let v = json_of(&call(
            "InvokeModel",
            "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
            &body,
        ));
        assert!(v["usage"]["cache_creation_input_tokens"].as_u64().unwrap() > 0);
    }

    #[test]
    fn invoke_validation_errors() {
        let r = call(
            "InvokeModel",
            "anthropic.claude-3-haiku-20240307-v1:0",
            r#"{"anthropic_version":"bedrock-2023-05-31","messages":[]}"#,
        );
        assert_eq!(r.status, 400);
        assert_eq!(json_of(&r)["message"], "Malformed input request: #: required key [max_tokens] not found, please reformat your input and try again.");
        let r = call(
            "InvokeModel",
            "anthropic.claude-sonnet-4-5-20250929-v1:0",
            BODY,
        );
        assert!(json_of(&r)["message"]
            .as_str()
            .unwrap()
            .contains("on-demand throughput isn\u{2019}t supported"));
        let r = call("InvokeModel", "anthropic.nope", BODY);
        assert_eq!(json_of(&r)["message"], INVALID_MODEL_ID);
        assert!(r.headers[0].1.starts_with("ValidationException:"));
        let r = call(
            "InvokeModel",
            "eu.anthropic.claude-sonnet-4-5-20250929-v1:0",
            BODY,
        );
        assert_eq!(r.status, 400, "an eu. profile is not offered in us-east-1");
    }

    #[test]
    fn stream_frames_decode() {
        let r = call(
            "InvokeModelWithResponseStream",
            "anthropic.claude-3-haiku-20240307-v1:0",
            BODY,
        );
        let (mut rest, mut types) = (&r.body[..], Vec::new());
        while !rest.is_empty() {
            let (frame, n) = eventstream::decode_frame(rest).unwrap();
            let payload: Value = serde_json::from_slice(&frame.payload).unwrap();
            let inner = base64::engine::general_purpose::STANDARD
                .decode(payload["bytes"].as_str().unwrap())
                .unwrap();
            types.push(
                serde_json::from_slice::<Value>(&inner).unwrap()["type"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            );
            rest = &rest[n..];
        }
        assert_eq!(
            types,
            [
                "message_start",
                "content_block_start",
                "content_block_delta",
                "content_block_stop",
                "message_delta",
                "message_stop"
            ]
        );
    }
}
