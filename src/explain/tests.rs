//! Tests of `explain` as a whole: the corpus in every wrapping, arbitrary and huge input.

use super::explain;

/// A tiny xorshift generator: reproducible inputs without a dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const FRAGMENTS: &[&str] = &[
        "An error occurred (AccessDeniedException) when calling the InvokeModel operation: ",
        "User: arn:aws:sts::123456789012:assumed-role/r/s is not authorized to perform: bedrock:InvokeModel on resource: ",
        "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0",
        " with an explicit deny in a service control policy",
        " because no identity-based policy allows the ",
        "Invocation of model ID anthropic.claude-sonnet-4-6 with on-demand throughput isn\u{2019}t supported.",
        "Too many tokens, please wait before trying again.",
        "getaddrinfo ENOTFOUND bedrock-runtime.",
        ".amazonaws.com",
        "{\"__type\":\"com.amazon.coral.service#",
        "\"httpStatusCode\":",
        "Status Code: ",
        "ServiceError(ServiceError { source: ",
        "Signature expired: 20250714T201419Z is now earlier than ",
        "Model access is denied due to ",
        "aws-marketplace:Subscribe",
        "The security token included in the request is",
        "((((((((((",
        "\\xe2\\x80\\x99",
        "\u{1F600}\u{00e9}\u{0000}",
        "\n",
        "    ",
    ];

fn random_input(rng: &mut Rng) -> String {
    let mut s = String::new();
    match rng.below(4) {
        // random bytes, read as text the way `explain -` would reject or accept them
        0 => {
            let bytes: Vec<u8> = (0..rng.below(4096)).map(|_| rng.next() as u8).collect();
            s = String::from_utf8_lossy(&bytes).into_owned();
        }
        // random printable ASCII with punctuation-heavy runs
        1 => {
            for _ in 0..rng.below(4096) {
                s.push((b' ' + rng.below(95) as u8) as char);
            }
        }
        // fragments of real messages, shuffled and repeated
        _ => {
            for _ in 0..rng.below(200) {
                s.push_str(FRAGMENTS[rng.below(FRAGMENTS.len())]);
            }
        }
    }
    s
}

/// Per call: a bound that catches a runaway (catastrophic backtracking, a quadratic scan), not
/// a benchmark — the project measures speed in `benches/`, not in timed tests, and the test
/// machine is shared. Typical calls take well under a millisecond in a release build; the
/// slowest here took under 50 ms in a debug build. 10 s leaves that 200 times over for a
/// loaded machine, while a quadratic scan of a megabyte would still take far longer.
fn budget() -> std::time::Duration {
    std::time::Duration::from_secs(10)
}

#[test]
fn arbitrary_input_never_panics_and_answers_quickly() {
    // Warm up the lazily compiled patterns so the timings measure explain, not compilation.
    explain("warm up");
    let mut rng = Rng(0x5eed_cafe_f00d_d00d);
    let mut slowest = std::time::Duration::ZERO;
    let mut total = std::time::Duration::ZERO;
    let runs = 1000;
    for _ in 0..runs {
        let input = random_input(&mut rng);
        let start = std::time::Instant::now();
        let e = explain(&input);
        let took = start.elapsed();
        total += took;
        slowest = slowest.max(took);
        assert!(!e.diagnosis.is_empty() && !e.cause.is_empty());
    }
    eprintln!(
        "{runs} random inputs: slowest {slowest:?}, mean {:?}",
        total / runs
    );
    assert!(slowest < budget(), "slowest {slowest:?}");
}

#[test]
fn megabyte_lines_are_read_in_bounded_time() {
    explain("warm up");
    let mut rng = Rng(42);
    let mut inputs = vec![
        "a".repeat(1 << 20),
        "(".repeat(1 << 20),
        "arn:aws:bedrock:".repeat((1 << 20) / 16),
        "is not authorized to perform: ".repeat((1 << 20) / 30),
    ];
    let mut repeated = String::new();
    while repeated.len() < 1 << 20 {
        repeated.push_str(FRAGMENTS[rng.below(FRAGMENTS.len())]);
    }
    inputs.push(repeated);
    // A real error at the end of a megabyte of log noise is still found.
    inputs.push(format!(
            "{}\nbotocore.errorfactory.ThrottlingException: An error occurred (ThrottlingException) when calling the Converse operation (reached max retries: 4): Too many tokens per day, please wait before trying again.",
            "INFO noise line\n".repeat((1 << 20) / 16)
        ));
    for input in &inputs {
        let start = std::time::Instant::now();
        let e = explain(input);
        let took = start.elapsed();
        eprintln!("{} bytes: {took:?} -> {}", input.len(), e.diagnosis);
        assert!(took < budget(), "{took:?}");
    }
    assert_eq!(explain(inputs.last().unwrap()).diagnosis, "quota-exceeded");
}

// The training corpus, read with the same reader as tests/explain_corpus.rs.
include!("../../tests/corpus/parse.rs");

fn json_escape(s: &str, ascii: bool) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if ascii && !c.is_ascii() => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// Python's repr of a bytes object's content: non-ASCII bytes as `\xNN`, `'` escaped.
fn py_bytes(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'\'' => out.push_str("\\'"),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\t' => out.push_str("\\t"),
            0x20..=0x7e => out.push(b as char),
            b => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out
}

/// The message with its closing sentence cut a few characters in, as UIs and log collectors
/// cut long lines. Only a closing sentence is cut (at least 60 % of the text, and 40
/// characters, stay before it): cutting into the sentence that carries the error removes
/// the evidence itself, which no reader could recover. `None` when there is nothing to cut.
fn cut_tail(msg: &str) -> Option<String> {
    let trimmed = msg.trim_end();
    let last = trimmed
        .match_indices(". ")
        .map(|(i, _)| i)
        .filter(|&i| i > 0 && !trimmed[..i].ends_with('.'))
        .last()?;
    let tail = &trimmed[last + 2..];
    if tail.chars().count() < 12 || last < 40 || last * 10 < trimmed.len() * 6 {
        return None;
    }
    let keep: String = tail.chars().take(6).collect();
    Some(format!("{}{keep}\u{2026}", &trimmed[..last + 2]))
}

/// Every wrapping a message commonly reaches a user in, as (name, text).
fn wrappings(msg: &str, status: u16) -> Vec<(&'static str, String)> {
    let mut out = vec![
            (
                "claude code",
                format!("API Error ({status} {msg}) \u{b7} Retrying in 1 seconds\u{2026} (attempt 1/10)"),
            ),
            (
                "litellm bytes",
                format!(
                    "litellm.AuthenticationError: BedrockException Invalid Authentication - b'{{\"message\":\"{}\"}}'",
                    py_bytes(&json_escape(msg, false))
                ),
            ),
            (
                "javascript",
                format!("PermissionDeniedError: {status} {msg}\n    at APIError.generate (file:///app/node_modules/@anthropic-ai/sdk/error.mjs:42:20)"),
            ),
            (
                "lambda",
                format!(
                    "{{\n  \"errorType\": \"Error\",\n  \"errorMessage\": \"{}\",\n  \"trace\": []\n}}",
                    json_escape(msg, true)
                ),
            ),
            (
                "go",
                format!("{msg}\n\tstatus code: {status}, request id: 6f1c6c1e-1b8a-4c39-9d55-1f5e5e0b2b1a"),
            ),
            (
                "rust dispatch",
                format!(
                    "DisplayErrorContext(DispatchFailure(DispatchFailure {{ source: ConnectorError {{ kind: Other(None), source: ProviderError(ProviderError {{ source: \"{}\" }}), connection: Unknown }} }}))",
                    json_escape(msg, false)
                ),
            ),
            (
                "rust service",
                format!(
                    "ServiceError {{ source: Unhandled(Unhandled {{ source: ErrorMetadata {{ code: None, message: Some(\"{}\"), extras: None }} }}), raw: Response {{ status: StatusCode({status}), headers: Headers {{ headers: {{}} }} }} }}",
                    json_escape(msg, false)
                ),
            ),
            (
                "json body",
                format!("{{\"message\":\"{}\"}}", json_escape(msg, true)),
            ),
            (
                "nested json",
                format!(
                    "{{\"error\":{{\"message\":\"litellm.BadRequestError: BedrockException - {}\",\"code\":\"{status}\"}}}}",
                    json_escape(&format!("{{\"message\":\"{}\"}}", json_escape(msg, false)), false)
                ),
            ),
            ("curly quotes", msg.replace('\'', "\u{2019}")),
            (
                "terminal colours",
                format!("\u{1b}[1;31mError:\u{1b}[0m {msg}\u{1b}[0m"),
            ),
            (
                "html entities",
                msg.replace('&', "&amp;")
                    .replace('"', "&quot;")
                    .replace('\'', "&#39;"),
            ),
            ("spacing", {
                // Doubled spaces after sentences, and lines wrapped at 60 columns.
                let doubled = msg.replace(". ", ".  ");
                let mut wrapped = String::new();
                let mut column = 0;
                for word in doubled.split(' ') {
                    if column > 60 {
                        wrapped.push('\n');
                        column = 0;
                    } else if !wrapped.is_empty() {
                        wrapped.push(' ');
                    }
                    wrapped.push_str(word);
                    column += word.len() + 1;
                }
                wrapped
            }),
        ];
    if let Some(cut) = cut_tail(msg) {
        out.push(("cut-off tail", cut));
    }
    out
}

/// Every corpus message, rewrapped in every common wrapping, gets the diagnosis the bare
/// message gets, and `found` keeps what the bare message yielded (the cut-off tail may drop
/// values, so only its diagnosis is compared).
#[test]
fn every_corpus_message_survives_every_wrapping() {
    let entries = parse_corpus(include_str!("../../tests/corpus/messages.toml"));
    assert!(entries.len() > 100);
    let mut failures = Vec::new();
    let mut checked = 0;
    for entry in &entries {
        let bare = explain(&entry.message);
        let status = bare.found.http_status.unwrap_or(400);
        for (name, wrapped) in wrappings(&entry.message, status) {
            checked += 1;
            let e = explain(&wrapped);
            if e.diagnosis != bare.diagnosis {
                failures.push(format!(
                    "{name}: {} instead of {} ({})\n{wrapped}",
                    e.diagnosis, bare.diagnosis, entry.source
                ));
                continue;
            }
            if name == "cut-off tail" {
                continue;
            }
            for (field, want, got) in [
                ("error code", &bare.found.error_code, &e.found.error_code),
                ("operation", &bare.found.operation, &e.found.operation),
                ("endpoint", &bare.found.endpoint, &e.found.endpoint),
                ("policy type", &bare.found.policy_type, &e.found.policy_type),
                ("action", &bare.found.action, &e.found.action),
                ("model id", &bare.found.model_id, &e.found.model_id),
                ("feature", &bare.found.feature, &e.found.feature),
            ] {
                if want.is_some() && want != got {
                    failures.push(format!(
                        "{name}: {field} {got:?} instead of {want:?} ({})\n{wrapped}",
                        entry.source
                    ));
                }
            }
            if bare.found.http_status.is_some() && e.found.http_status != bare.found.http_status {
                failures.push(format!(
                    "{name}: HTTP status {:?} instead of {:?} ({})",
                    e.found.http_status, bare.found.http_status, entry.source
                ));
            }
        }
    }
    eprintln!("{checked} wrapped messages checked");
    assert!(
        failures.is_empty(),
        "{} of {checked} wrapped messages diverge from the bare message:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn anthropic_api_errors_are_not_bedrock_errors_but_bedrock_ones_in_their_format_are() {
    let e = explain(
        r#"{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}"#,
    );
    assert_eq!(e.diagnosis, "not-bedrock-error");
    // Bedrock answers some Claude request errors in Anthropic's error format.
    let e = explain(
        r#"API Error: 400 {"type":"error","error":{"type":"invalid_request_error","message":"invalid beta flag"}}"#,
    );
    assert_eq!(e.diagnosis, "request-feature-unsupported");
}

#[test]
fn says_unknown_rather_than_guessing() {
    let e = explain("the coffee machine is out of beans");
    assert!(!e.matched);
    assert_eq!(e.diagnosis, "unknown");
}
