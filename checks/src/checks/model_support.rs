//! What the model-scoped checks share: the model under test, and how an invocation's verdict
//! reads for each of them.

use crate::check::Verify;
use crate::facts::models::is_base_model_id;
use crate::facts::FactError;
use crate::{dx, CheckMeta, Facts, Report};
use std::future::Future;

/// The model under test, or the report of a check that cannot run without one. `model-catalog`
/// reports why there is none; the others skip and name it.
pub async fn model_or_skip(facts: &Facts) -> Result<String, Report> {
    match facts.target_model().await {
        Ok(target) => Ok(target.model_id),
        Err(err @ (FactError::Needs { .. } | FactError::Unavailable(_))) => Err(err.to_report()),
        Err(FactError::Call(e)) => Err(Report::skip(format!(
            "needs `model-catalog` to pass first ({})",
            e.diagnosis
        ))),
    }
}

/// What finding the model under test ([`model_or_skip`]) may call: the region's model list (to
/// choose or validate the model), the model's details and the region's inference profiles (to
/// route it).
const FINDS_THE_MODEL: [&str; 3] = [
    "bedrock:ListFoundationModels",
    "bedrock:GetFoundationModel",
    "bedrock:ListInferenceProfiles",
];

/// A check's `calls` in its metadata: its own calls, then [`FINDS_THE_MODEL`]; `N` is their total
/// (a wrong count stops the build).
pub const fn calls_finding_the_model<const N: usize>(own: &[&'static str]) -> [&'static str; N] {
    assert!(own.len() + FINDS_THE_MODEL.len() == N);
    let mut all = [""; N];
    let mut i = 0;
    while i < N {
        all[i] = if i < own.len() {
            own[i]
        } else {
            FINDS_THE_MODEL[i - own.len()]
        };
        i += 1;
    }
    all
}

/// A check about the model under test: the shared prologue finds the model or reports why there
/// is none ([`model_or_skip`]), and `run_on` judges the model it is given.
pub trait ModelCheck: Send + Sync {
    const META: &'static CheckMeta;
    /// The check is nothing but invocations: under `--no-invoke` it skips before looking for the
    /// model.
    const ONLY_INVOKES: bool = false;

    fn run_on(&self, facts: &Facts, model_id: String) -> impl Future<Output = Report> + Send;
}

impl<T: ModelCheck> Verify for T {
    const META: &'static CheckMeta = <T as ModelCheck>::META;

    async fn verify(&self, facts: &Facts) -> Report {
        if T::ONLY_INVOKES && facts.settings().no_invoke {
            return Report::skip("--no-invoke: no model was invoked");
        }
        match model_or_skip(facts).await {
            Ok(id) => self.run_on(facts, id).await,
            Err(report) => report,
        }
    }
}

pub use crate::calls::is_access_diagnosis;

/// Whether the model is sold through AWS Marketplace (Anthropic's are; Amazon, DeepSeek, Mistral
/// AI, Meta and Qwen models are not, per the model-access documentation).
pub fn is_marketplace_model(model_id: &str) -> bool {
    model_id.starts_with("anthropic.")
}

/// Adds to a model-id diagnosis (`inference-profile-required`, `model-id-invalid`,
/// `model-not-in-region`) the exact ids that work from this region, for its fix.
pub async fn name_usable_ids(facts: &Facts, model_id: &str, report: Report) -> Report {
    let about_the_id = matches!(
        report.diagnosis,
        Some(dx::INFERENCE_PROFILE_REQUIRED | dx::MODEL_ID_INVALID | dx::MODEL_NOT_IN_REGION)
    );
    if !about_the_id || !is_base_model_id(model_id) {
        return report;
    }
    let ids = facts.usable_ids(model_id).await;
    report.var("works_here", ids)
}

pub use crate::facts::profiles::geographies_of;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_calls_come_first_then_those_finding_the_model() {
        const CALLS: [&str; 4] = calls_finding_the_model(&["bedrock:InvokeModel"]);
        assert_eq!(
            CALLS,
            [
                "bedrock:InvokeModel",
                "bedrock:ListFoundationModels",
                "bedrock:GetFoundationModel",
                "bedrock:ListInferenceProfiles",
            ]
        );
    }
}
