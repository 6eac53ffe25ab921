//! The only calls that cost money: minimal model invocations, made once per run and shared by the
//! checks that judge them (`invoke`, `model-access`, `use-case`, `marketplace`, `iam-permissions`).
//!
//! The first invocation of an Anthropic model also starts the account's Marketplace subscription
//! (the setup guide's Step 1): a side effect AWS attaches to any first use, which `--no-invoke` avoids.

use super::Facts;
use crate::calls::{one_line, CallError, CallSite, Observed, Recorder};
use crate::{dx, Evidence, Status};
use aws_sdk_bedrockruntime::client::customize::CustomizableOperation;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use aws_smithy_types::Blob;
use aws_types::request_id::RequestId;
use std::time::{Duration, Instant};

/// The smallest valid Anthropic Messages request: one word in, at most one token out.
pub const MINIMAL_BODY: &str = r#"{"anthropic_version":"bedrock-2023-05-31","max_tokens":1,"messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}]}"#;

/// The content type of every invocation's request and answer.
const JSON: &str = "application/json";

/// A throttled or transiently failed invocation is tried this many times in all, with doubling
/// backoff from `THROTTLE_BACKOFF`: enough to ride out a burst or one failed host, short enough to
/// report a quota problem or an outage promptly.
const THROTTLE_ATTEMPTS: u32 = 3;

const THROTTLE_BACKOFF: Duration = Duration::from_millis(500);

#[derive(Debug, Clone)]
pub struct Invoked {
    /// Time to the first byte of the answer (for streams: the first event).
    pub first_byte_ms: u64,
    pub input_tokens: Option<u64>,
    pub output_tokens: Option<u64>,
    pub cache_write_tokens: Option<u64>,
    pub cache_read_tokens: Option<u64>,
    /// Stream only: events read to the end of the stream.
    pub events: usize,
}

/// One invocation, after any throttling retries: the model id actually invoked, the verdict, and the
/// evidence of every attempt.
#[derive(Debug, Clone)]
pub struct InvokeOutcome {
    pub invoked_id: String,
    pub result: Result<Invoked, CallError>,
    pub evidence: Vec<Evidence>,
}

impl InvokeOutcome {
    /// No invocation was sent because what it needed failed: that failure is the outcome.
    fn not_sent(model_id: &str, err: CallError) -> InvokeOutcome {
        InvokeOutcome {
            invoked_id: model_id.to_string(),
            evidence: vec![err.evidence.clone()],
            result: Err(err),
        }
    }

    pub fn diagnosis(&self) -> Option<&'static str> {
        self.result.as_ref().err().map(|e| e.diagnosis)
    }
}

/// The invocation request, recorded by `rec` and sent once: retries are ours (see
/// THROTTLE_ATTEMPTS), so each one is visible in the evidence.
fn attempt_once<T, E, B>(
    request: CustomizableOperation<T, E, B>,
    rec: Recorder,
) -> CustomizableOperation<T, E, B> {
    let single = aws_smithy_types::retry::RetryConfig::standard().with_max_attempts(1);
    request
        .interceptor(rec)
        .config_override(aws_sdk_bedrockruntime::config::Builder::default().retry_config(single))
}

/// One invocation per model and per profile given for it (`--model us.X,eu.X` invokes both).
fn invoke_key(facts: &Facts, model_id: &str) -> String {
    match facts.given_profile(model_id) {
        Some(profile) => format!("{model_id} {profile}"),
        None => model_id.to_string(),
    }
}

fn usage(body: &serde_json::Value, key: &str) -> Option<u64> {
    body.pointer(&format!("/usage/{key}"))
        .and_then(|v| v.as_u64())
}

impl Facts {
    /// The id to invoke for a model: the base id, or, when the catalog says the model runs only
    /// through an inference profile, the system profile for this region's geography.
    pub async fn invocation_id(&self, model_id: &str) -> String {
        self.invocation_target(model_id)
            .await
            .unwrap_or_else(|_| model_id.to_string())
    }

    /// As [`Facts::invocation_id`], but a model that runs only through a profile, when the profile
    /// list could not be read, is that failure: invoking the base id instead would only earn an
    /// on-demand refusal and a false verdict.
    async fn invocation_target(&self, model_id: &str) -> Result<String, CallError> {
        // A profile id or ARN given as the model is what the app calls: invoke exactly it.
        if let Some(given) = self.given_profile(model_id) {
            return Ok(given);
        }
        // When GetFoundationModel fails, the shared model list says the same about inference
        // types: a broken lookup must not change which id gets invoked.
        let info = match self.model_details(model_id).await {
            Ok((info, _)) => info,
            Err(_) => {
                let listed = self
                    .anthropic_models()
                    .await
                    .ok()
                    .and_then(|list| list.models.into_iter().find(|m| m.model_id == model_id));
                let Some(info) = listed else {
                    return Ok(model_id.to_string());
                };
                info
            }
        };
        if !info.profile_only() {
            return Ok(model_id.to_string());
        }
        if let Err(super::FactError::Call(err)) = self.system_profiles().await {
            return Err(err);
        }
        Ok(self
            .profile_for(model_id)
            .await
            .unwrap_or_else(|| model_id.to_string()))
    }

    /// The system-defined profile containing the model that a caller in this region would use.
    pub async fn profile_for(&self, model_id: &str) -> Option<String> {
        let (profiles, _) = self.system_profiles().await.ok()?;
        let ids: Vec<&str> = profiles.iter().map(|p| p.id.as_str()).collect();
        let region = self.region().unwrap_or_default();
        super::profiles::geographies_of(region)
            .iter()
            .chain(&["global"])
            .map(|geo| format!("{geo}.{model_id}"))
            .find(|candidate| ids.contains(&candidate.as_str()))
    }

    /// One minimal `InvokeModel` for the model (through its profile when it needs one).
    pub async fn invoke(&self, model_id: &str) -> InvokeOutcome {
        self.memos
            .invoke
            .get_or_init(&invoke_key(self, model_id), || async {
                match self.invocation_target(model_id).await {
                    Ok(id) => self.invoke_body(&id, MINIMAL_BODY).await,
                    Err(err) => InvokeOutcome::not_sent(model_id, err),
                }
            })
            .await
    }

    /// An `InvokeModel` with this body, retried on throttling; also what `prompt-caching` sends.
    pub async fn invoke_body(&self, invoked_id: &str, body: &str) -> InvokeOutcome {
        let mut evidence = Vec::new();
        if let Err(err) = self.bedrock_ready().await {
            let result = Err(CallError {
                status: Status::Skip,
                diagnosis: dx::NO_CREDENTIALS,
                summary: err.to_report().summary,
                evidence: Evidence::default(),
            });
            return InvokeOutcome {
                invoked_id: invoked_id.to_string(),
                result,
                evidence,
            };
        }
        let body = Blob::new(body.as_bytes().to_vec());
        let (_, observed) = self
            .call_retrying("InvokeModel", invoked_id, &mut evidence, |rec| {
                let request = self
                    .runtime
                    .invoke_model()
                    .model_id(invoked_id)
                    .body(body.clone());
                attempt_once(request.content_type(JSON).accept(JSON).customize(), rec).send()
            })
            .await;
        evidence.push(observed.evidence.clone());
        let output = match observed.result {
            Ok(output) => output,
            Err(err) => {
                return InvokeOutcome {
                    invoked_id: invoked_id.to_string(),
                    result: Err(err),
                    evidence,
                }
            }
        };
        // The SDK hands the model's answer over unread; one that is not a JSON object is not a
        // model's answer (a proxy's page, a cut or garbled body).
        let result = match serde_json::from_slice(output.body().as_ref()) {
            Ok(json @ serde_json::Value::Object(_)) => Ok(Invoked {
                first_byte_ms: observed.evidence.duration_ms.unwrap_or_default(),
                input_tokens: usage(&json, "input_tokens"),
                output_tokens: usage(&json, "output_tokens"),
                cache_write_tokens: usage(&json, "cache_creation_input_tokens"),
                cache_read_tokens: usage(&json, "cache_read_input_tokens"),
                events: 0,
            }),
            _ => {
                let message = format!(
                    "HTTP 200 with a body that is not a model's JSON answer ({} bytes)",
                    output.body().as_ref().len()
                );
                let mut record = observed.evidence.clone();
                record.message = Some(message.clone());
                if let Some(last) = evidence.last_mut() {
                    *last = record.clone();
                }
                Err(CallError {
                    status: Status::Error,
                    diagnosis: dx::UNEXPECTED_RESPONSE,
                    summary: format!("bedrock-runtime InvokeModel failed: {message}"),
                    evidence: record,
                })
            }
        };
        InvokeOutcome {
            invoked_id: invoked_id.to_string(),
            result,
            evidence,
        }
    }

    /// One minimal `InvokeModelWithResponseStream`, read to its end.
    pub async fn invoke_stream(&self, model_id: &str) -> InvokeOutcome {
        self.memos
            .stream
            .get_or_init(&invoke_key(self, model_id), || self.load_stream(model_id))
            .await
    }

    async fn load_stream(&self, model_id: &str) -> InvokeOutcome {
        let invoked_id = match self.invocation_target(model_id).await {
            Ok(id) => id,
            Err(err) => return InvokeOutcome::not_sent(model_id, err),
        };
        let mut evidence = Vec::new();
        let (started, observed) = self
            .call_retrying(
                "InvokeModelWithResponseStream",
                &invoked_id,
                &mut evidence,
                |rec| {
                    let request = self.runtime.invoke_model_with_response_stream();
                    let request = request.model_id(&invoked_id).body(Blob::new(MINIMAL_BODY));
                    attempt_once(request.content_type(JSON).accept(JSON).customize(), rec).send()
                },
            )
            .await;
        let mut record = observed.evidence.clone();
        let result = match observed.result {
            Err(err) => Err(err),
            Ok(mut output) => {
                let read = tokio::time::timeout(
                    self.settings().call_timeout,
                    read_stream(&mut output.body, started),
                )
                .await;
                record.duration_ms = Some(started.elapsed().as_millis() as u64);
                match read {
                    Ok(Ok(invoked)) => Ok(invoked),
                    Ok(Err((code, message, status, diagnosis))) => {
                        record.error_code = code.clone();
                        record.message = Some(message.clone());
                        Err(CallError {
                            status,
                            diagnosis,
                            summary: format!(
                                "bedrock-runtime InvokeModelWithResponseStream failed mid-stream: {}",
                                one_line(&format!("{}: {message}", code.as_deref().unwrap_or("error")))
                            ),
                            evidence: record.clone(),
                        })
                    }
                    Err(_) => Err(CallError {
                        status: Status::Error,
                        diagnosis: dx::TIMEOUT,
                        summary: format!(
                            "bedrock-runtime InvokeModelWithResponseStream failed: the response stream stalled before its end (not finished within {:.1} s)",
                            self.settings().call_timeout.as_secs_f64()
                        ),
                        evidence: record.clone(),
                    }),
                }
            }
        };
        evidence.push(record);
        InvokeOutcome {
            invoked_id,
            result,
            evidence,
        }
    }
}

type StreamFailure = (Option<String>, String, Status, &'static str);

async fn read_stream(
    body: &mut aws_sdk_bedrockruntime::primitives::event_stream::EventReceiver<
        aws_sdk_bedrockruntime::types::ResponseStream,
        aws_sdk_bedrockruntime::types::error::ResponseStreamError,
    >,
    started: Instant,
) -> Result<Invoked, StreamFailure> {
    use aws_smithy_types::error::metadata::ProvideErrorMetadata;
    let mut invoked = Invoked {
        first_byte_ms: 0,
        input_tokens: None,
        output_tokens: None,
        cache_write_tokens: None,
        cache_read_tokens: None,
        events: 0,
    };
    loop {
        match body.recv().await {
            Ok(Some(event)) => {
                if invoked.events == 0 {
                    invoked.first_byte_ms = started.elapsed().as_millis() as u64;
                }
                invoked.events += 1;
                if let aws_sdk_bedrockruntime::types::ResponseStream::Chunk(part) = event {
                    let json: serde_json::Value = part
                        .bytes()
                        .and_then(|b| serde_json::from_slice(b.as_ref()).ok())
                        .unwrap_or_default();
                    if let Some(n) = json
                        .pointer("/message/usage/input_tokens")
                        .and_then(|v| v.as_u64())
                    {
                        invoked.input_tokens = Some(n);
                    }
                    if let Some(n) = json
                        .pointer("/usage/output_tokens")
                        .and_then(|v| v.as_u64())
                    {
                        invoked.output_tokens = Some(n);
                    }
                }
            }
            Ok(None) if invoked.events == 0 => {
                // A model's stream carries at least its start and stop events.
                return Err((
                    None,
                    "the stream ended before its first event".into(),
                    Status::Error,
                    dx::UNEXPECTED_RESPONSE,
                ));
            }
            Ok(None) => return Ok(invoked),
            Err(err) => {
                // Mid-stream exceptions carry no code (aws-sdk-bedrockruntime 1.153.0
                // src/event_stream_serde.rs builds their metadata from the `{"message"}` payload
                // alone): take it from the variant's name.
                let service = err.as_service_error();
                let code = service
                    .and_then(|e| e.code().map(str::to_string))
                    .or_else(|| {
                        service.map(|e| {
                            format!("{e:?}")
                                .split('(')
                                .next()
                                .unwrap_or_default()
                                .to_string()
                        })
                    })
                    .filter(|c| !c.is_empty() && c.chars().all(|ch| ch.is_ascii_alphanumeric()));
                let message = service
                    .and_then(|e| e.message().map(str::to_string))
                    .or_else(|| crate::calls::refusal(&err))
                    .unwrap_or_else(|| crate::calls::display_chain(&err));
                let (status, diagnosis) = if service.is_some() {
                    crate::calls::judge_service_error(code.as_deref(), &message, None)
                } else {
                    (Status::Error, dx::UNEXPECTED_RESPONSE)
                };
                return Err((code, message, status, diagnosis));
            }
        }
    }
}

impl Facts {
    /// Makes a bedrock-runtime call again while it is throttled or fails transiently
    /// ([`crate::calls::is_transient`]), at most [`THROTTLE_ATTEMPTS`] times in all with doubling backoff from
    /// [`THROTTLE_BACKOFF`]. Returns when the last attempt started and its outcome; the evidence of
    /// the failed attempts before it goes to `evidence`, so the first failure stays in the report
    /// even when a retry succeeds.
    async fn call_retrying<T, E, F, Fut>(
        &self,
        operation: &'static str,
        model_id: &str,
        evidence: &mut Vec<Evidence>,
        mut send: F,
    ) -> (Instant, Observed<T>)
    where
        F: FnMut(Recorder) -> Fut,
        Fut: std::future::Future<Output = Result<T, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        T: RequestId,
    {
        let mut tries = 1;
        loop {
            let site =
                CallSite::new("bedrock-runtime", operation, self.region()).for_model(model_id);
            let started = Instant::now();
            let observed = self.call(site, &mut send).await;
            let again = matches!(&observed.result, Err(e) if crate::calls::is_transient(e));
            if !again || tries >= THROTTLE_ATTEMPTS {
                return (started, observed);
            }
            evidence.push(observed.evidence.clone());
            tokio::time::sleep(THROTTLE_BACKOFF * 2u32.pow(tries - 1)).await;
            tries += 1;
        }
    }

    /// The shared invocation, unless `--no-invoke` forbids it: then `None`, and nothing is sent.
    pub async fn invoke_if_allowed(&self, model_id: &str) -> Option<InvokeOutcome> {
        if self.settings().no_invoke {
            return None;
        }
        Some(self.invoke(model_id).await)
    }

    /// The invocation if some check already made it; never makes one.
    pub fn known_invoke(&self, model_id: &str) -> Option<InvokeOutcome> {
        self.memos.invoke.get(&invoke_key(self, model_id))
    }
}
