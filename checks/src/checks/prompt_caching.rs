//! Prompt caching must work for the model in the region, or the app must turn it off (the setup
//! guide's troubleshooting entry).

use super::model_support::{calls_finding_the_model, ModelCheck};
use crate::{dx, Category, CheckMeta, Facts, Report};

/// **Verifies:** that prompt caching works for the model: one `InvokeModel` whose system prompt
/// carries a cache checkpoint (`cache_control: ephemeral`) on a prompt just above the model's
/// minimum cacheable length, and the usage fields that prove a cache write or read. The minimums
/// drift (AWS prompt-caching table, dated in `min_cache_tokens`); below the minimum no cache is
/// written, which reads as "no cache write", not as an error.
/// **Calls:** one `bedrock:InvokeModel` of about the minimum length (1,024 to 4,096 input tokens,
/// written to the cache) and one output token.
/// **Skips when:** `--no-invoke`, there is no model under test, or `invoke` did not pass.
/// **Fails when:** the caching call fails for another reason than caching (its error's diagnosis).
/// **Warns when:** no cache write or read is reported, or Bedrock refuses the cache checkpoint
/// (`prompt-caching-unsupported`).
pub struct PromptCaching;

/// Minimum tokens per cache checkpoint, from the AWS prompt-caching table as read in November 2026
/// (https://docs.aws.amazon.com/bedrock/latest/userguide/prompt-caching.html). Unknown models get
/// the largest minimum, so the probe still writes.
pub fn min_cache_tokens(model_id: &str) -> u32 {
    const TABLE: &[(&str, u32)] = &[
        ("claude-opus-4-5", 4096),
        ("claude-opus-4-6", 4096),
        ("claude-sonnet-4-5", 4096),
        ("claude-sonnet-4-6", 1024),
        ("claude-haiku-4-5", 4096),
        ("claude-opus-4-1", 1024),
        ("claude-opus-4-2", 1024),
        ("claude-sonnet-4-2", 1024),
        ("claude-3-7-sonnet", 1024),
        ("claude-3-5-sonnet-20241022", 1024),
        ("claude-3-5-haiku", 2048),
    ];
    TABLE
        .iter()
        .find(|(needle, _)| model_id.contains(needle))
        .map(|(_, n)| *n)
        .unwrap_or(4096)
}

/// A request whose system prompt is `words` one-token words long, with a cache checkpoint on it.
pub fn caching_body(words: u32) -> String {
    let text = "cache ".repeat(words as usize);
    serde_json::json!({
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 1,
        "system": [{"type": "text", "text": text.trim_end(), "cache_control": {"type": "ephemeral"}}],
        "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]
    })
    .to_string()
}

impl ModelCheck for PromptCaching {
    const META: &'static CheckMeta = &CheckMeta {
        id: "prompt-caching",
        title: "Prompt caching",
        category: Category::PromptCaching,
        per_model: true,
        per_region: true,
        description: "Prompt caching works for the model in this region.",
        calls: &calls_finding_the_model::<4>(&["bedrock:InvokeModel"]),
    };

    const ONLY_INVOKES: bool = true;

    async fn run_on(&self, facts: &Facts, id: String) -> Report {
        let plain = facts.invoke(&id).await;
        if plain.result.is_err() {
            return Report::skip("needs `invoke` to pass first");
        }
        let minimum = min_cache_tokens(&id);
        // A 10% margin over the minimum: the tokenizer may merge a few of the repeated words.
        let words = minimum + minimum / 10;
        let outcome = facts
            .invoke_body(&plain.invoked_id, &caching_body(words))
            .await;
        let report = match &outcome.result {
            Ok(used) => {
                let prompt = used.input_tokens.unwrap_or(0)
                    + used.cache_write_tokens.unwrap_or(0)
                    + used.cache_read_tokens.unwrap_or(0);
                match (used.cache_write_tokens.unwrap_or(0), used.cache_read_tokens.unwrap_or(0)) {
                    (0, 0) => Report::warn(
                        dx::PROMPT_CACHING_UNSUPPORTED,
                        format!("no cache write or read reported for a prompt of {prompt} tokens (minimum {minimum})"),
                    ),
                    (write, 0) => Report::pass(format!("cache write of {write} tokens (prompt of {prompt} tokens; minimum {minimum})")),
                    (_, read) => Report::pass(format!("cache read of {read} tokens (prompt of {prompt} tokens; minimum {minimum})")),
                }
            }
            Err(e) if e.diagnosis == dx::PROMPT_CACHING_UNSUPPORTED => Report::warn(
                dx::PROMPT_CACHING_UNSUPPORTED,
                format!("{} (prompt of about {words} tokens)", e.summary),
            ),
            Err(e) => {
                let mut report = e.to_report();
                report.evidence.clear();
                report
            }
        };
        report.var("model_id", id).evidence(outcome.evidence)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimums_follow_the_table() {
        assert_eq!(min_cache_tokens("anthropic.claude-sonnet-4-6"), 1024);
        assert_eq!(
            min_cache_tokens("anthropic.claude-sonnet-4-5-20250929-v1:0"),
            4096
        );
        assert_eq!(
            min_cache_tokens("anthropic.claude-3-7-sonnet-20250219-v1:0"),
            1024
        );
        assert_eq!(min_cache_tokens("anthropic.claude-unknown-9"), 4096);
    }

    #[test]
    fn body_carries_one_checkpoint_of_the_asked_length() {
        let body: serde_json::Value = serde_json::from_str(&caching_body(1100)).unwrap();
        assert_eq!(body["system"][0]["cache_control"]["type"], "ephemeral");
        assert_eq!(
            body["system"][0]["text"]
                .as_str()
                .unwrap()
                .split(' ')
                .count(),
            1100
        );
        assert_eq!(body["max_tokens"], 1);
    }
}
