//! What the model-scoped checks share: the model under test, and how an invocation's verdict
//! reads for each of them.

use crate::facts::models::is_base_model_id;
use crate::facts::FactError;
use crate::{dx, Facts, Report};

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
