//! The proof: one minimal call of each kind the app will make, with the model id the app would use.

use super::model_support::model_or_skip;
use crate::facts::models::ModelSource;
use crate::{dx, Category, Check, CheckMeta, Facts, Report};
use futures::future::BoxFuture;

/// **Inspects:** one `InvokeModel` (Anthropic Messages body, `max_tokens` 1) and one
/// `InvokeModelWithResponseStream` read to its end, with the base model id, or with the region's
/// system inference profile when the catalog says the model runs only through one.
/// **Costs:** a few input tokens and one output token per call; the first invocation of an Anthropic
/// model also starts the account's Marketplace subscription. `--no-invoke` makes no call at all.
/// **Retries:** a throttled call is retried twice, after 0.5 s and 1 s, before it is reported.
/// **Reports:** latency to the first byte (the first event, for the stream) and tokens.
pub struct Invoke;

static META: CheckMeta = CheckMeta {
    id: "invoke",
    title: "Model invocation",
    category: Category::ModelAccess,
    description:
        "One minimal InvokeModel and one minimal streaming call succeed with the base model id.",
    calls: &[
        "bedrock:InvokeModel",
        "bedrock:InvokeModelWithResponseStream",
    ],
};

impl Check for Invoke {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn run<'a>(&'a self, facts: &'a Facts) -> BoxFuture<'a, Report> {
        Box::pin(async move {
            if facts.settings().no_invoke {
                return Report::skip("--no-invoke: no model was invoked");
            }
            let id = match model_or_skip(facts).await {
                Ok(id) => id,
                Err(report) => return report,
            };
            let (plain, stream) = tokio::join!(facts.invoke(&id), facts.invoke_stream(&id));
            let evidence: Vec<_> = plain
                .evidence
                .iter()
                .chain(&stream.evidence)
                .cloned()
                .collect();
            let report = match (&plain.result, &stream.result) {
                (Err(e), _) | (Ok(_), Err(e)) => {
                    let mut report = e.to_report();
                    report.evidence.clear();
                    report
                }
                (Ok(p), Ok(s)) => {
                    let via = if plain.invoked_id == id {
                        String::new()
                    } else {
                        format!(" through {}", plain.invoked_id)
                    };
                    let summary = format!(
                        "InvokeModel answered in {} ms, the stream's first event after {} ms ({} events){via}",
                        p.first_byte_ms, s.first_byte_ms, s.events
                    );
                    let user_gave_base_id = matches!(
                        facts.target_model().await.map(|t| t.source),
                        Ok(ModelSource::Flag)
                    );
                    if plain.invoked_id != id && user_gave_base_id {
                        // It works, but not the way the user's app calls it: the base id is refused on demand.
                        Report::warn(
                            dx::INFERENCE_PROFILE_REQUIRED,
                            format!("{id} cannot be invoked on demand here; {summary}: use that profile id"),
                        )
                        .var("profile", plain.invoked_id.clone())
                    } else {
                        Report::pass(summary)
                    }
                }
            };
            report.var("model_id", id).evidence(evidence)
        })
    }
}
