//! What the region's Bedrock catalog lists of Anthropic's models.

use super::{models, FactError, Facts};
use crate::calls::{CallError, CallSite};
use crate::catalogue::dx;
use crate::Evidence;

/// The Anthropic models ListFoundationModels shows in the region (the probe of the Bedrock control
/// plane every model check starts from).
#[derive(Debug, Clone)]
pub struct ModelList {
    pub models: Vec<models::ModelInfo>,
    pub evidence: Evidence,
}
impl Facts {
    /// `bedrock:ListFoundationModels` filtered to Anthropic: the first Bedrock call of a run.
    pub async fn anthropic_models(&self) -> Result<ModelList, FactError> {
        self.anthropic_models
            .get_or_init(|| self.load_anthropic_models())
            .await
            .clone()
    }

    async fn load_anthropic_models(&self) -> Result<ModelList, FactError> {
        self.bedrock_ready().await?;
        let site = CallSite::new("bedrock", "ListFoundationModels", self.region());
        let request = self
            .bedrock
            .list_foundation_models()
            .by_provider("Anthropic");
        let (output, evidence) = self
            .fetch(site, |rec| request.customize().interceptor(rec).send())
            .await?;
        if output.model_summaries.is_none() {
            // Bedrock always sends the list, empty or not; without it the answer is not Bedrock's
            // and "no model in this region" would be a false verdict.
            return Err(FactError::Call(CallError {
                status: crate::Status::Error,
                diagnosis: dx::UNEXPECTED_RESPONSE,
                summary: "bedrock ListFoundationModels answered without a model list (no `modelSummaries`)".into(),
                evidence,
            }));
        }
        let models = output
            .model_summaries()
            .iter()
            .map(models::ModelInfo::from_summary)
            .collect();
        Ok(ModelList { models, evidence })
    }
}
