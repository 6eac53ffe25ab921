//! What Bedrock's catalog says of models: the Anthropic models a region lists, one model's entry in
//! a region, and the other regions that offer it.

use super::{FactError, Facts};
use crate::calls::{CallError, CallSite};
use crate::catalogue::dx;
use crate::{Evidence, Status};

/// The Anthropic models ListFoundationModels shows in the region (the probe of the Bedrock control
/// plane every model check starts from).
#[derive(Debug, Clone)]
pub struct ModelList {
    pub models: Vec<ModelInfo>,
    pub evidence: Evidence,
}
/// What the catalog says of one model (from ListFoundationModels or GetFoundationModel).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelInfo {
    pub model_id: String,
    pub model_name: Option<String>,
    pub provider: Option<String>,
    /// `ACTIVE` or `LEGACY` (or whatever AWS adds next).
    pub lifecycle: String,
    /// As AWS sends them: `ON_DEMAND`, `PROVISIONED`, and in practice `INFERENCE_PROFILE`, which the
    /// service model does not declare (botocore `data/bedrock/2023-04-20/service-2.json`, shape
    /// `InferenceType`: `ON_DEMAND|PROVISIONED`).
    pub inference_types: Vec<String>,
    pub streaming: Option<bool>,
    pub legacy_time: Option<String>,
    pub end_of_life_time: Option<String>,
}

impl ModelInfo {
    pub fn from_summary(m: &aws_sdk_bedrock::types::FoundationModelSummary) -> ModelInfo {
        ModelInfo::new(
            m.model_id(),
            m.model_name(),
            m.provider_name(),
            m.model_lifecycle(),
            m.inference_types_supported(),
            m.response_streaming_supported(),
        )
    }

    pub fn from_details(m: &aws_sdk_bedrock::types::FoundationModelDetails) -> ModelInfo {
        ModelInfo::new(
            m.model_id(),
            m.model_name(),
            m.provider_name(),
            m.model_lifecycle(),
            m.inference_types_supported(),
            m.response_streaming_supported(),
        )
    }

    fn new(
        id: &str,
        name: Option<&str>,
        provider: Option<&str>,
        lifecycle: Option<&aws_sdk_bedrock::types::FoundationModelLifecycle>,
        types: &[aws_sdk_bedrock::types::InferenceType],
        streaming: Option<bool>,
    ) -> ModelInfo {
        let time = |t: Option<&aws_smithy_types::DateTime>| {
            t.and_then(|t| t.fmt(aws_smithy_types::date_time::Format::DateTime).ok())
        };
        ModelInfo {
            model_id: id.to_string(),
            model_name: name.map(str::to_string),
            provider: provider.map(str::to_string),
            lifecycle: lifecycle
                .map(|l| l.status().as_str().to_string())
                .unwrap_or_else(|| "ACTIVE".into()),
            inference_types: types.iter().map(|t| t.as_str().to_string()).collect(),
            streaming,
            legacy_time: time(lifecycle.and_then(|l| l.legacy_time())),
            end_of_life_time: time(lifecycle.and_then(|l| l.end_of_life_time())),
        }
    }

    pub fn on_demand(&self) -> bool {
        self.inference_types.iter().any(|t| t == "ON_DEMAND")
    }

    /// Invocable only through an inference profile (no ON_DEMAND): the base id is refused.
    pub fn profile_only(&self) -> bool {
        !self.on_demand()
            && self
                .inference_types
                .iter()
                .any(|t| t == "INFERENCE_PROFILE")
    }
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
        let site = self.bedrock_site("ListFoundationModels").await?;
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
                status: Status::Error,
                diagnosis: dx::UNEXPECTED_RESPONSE,
                summary: "bedrock ListFoundationModels answered without a model list (no `modelSummaries`)".into(),
                evidence,
            }));
        }
        let models = output
            .model_summaries()
            .iter()
            .map(ModelInfo::from_summary)
            .collect();
        Ok(ModelList { models, evidence })
    }

    /// `bedrock:GetFoundationModel` for the model in the configured region.
    pub async fn model_details(&self, model_id: &str) -> Result<(ModelInfo, Evidence), FactError> {
        self.details_in(None, model_id).await
    }

    /// `bedrock:GetFoundationModel` for the model in a region (`None`: this one), once per run
    /// for each region and model: in a sweep, the region's own lookup and another region's
    /// search for where the model is offered are the same call.
    async fn details_in(
        &self,
        region: Option<&str>,
        model_id: &str,
    ) -> Result<(ModelInfo, Evidence), FactError> {
        let region = region.filter(|r| Some(*r) != self.region());
        let key = format!(
            "{} {model_id}",
            region.or(self.region()).unwrap_or_default()
        );
        self.shared
            .details
            .get_or_init(&key, || self.load_details(model_id, region))
            .await
    }

    async fn load_details(
        &self,
        model_id: &str,
        region: Option<&str>,
    ) -> Result<(ModelInfo, Evidence), FactError> {
        self.bedrock_ready().await?;
        let client = match region {
            Some(r) => self.bedrock_in(r),
            None => self.bedrock.clone(),
        };
        let site = CallSite::new("bedrock", "GetFoundationModel", region.or(self.region()));
        let request = client.get_foundation_model().model_identifier(model_id);
        let (output, evidence) = self
            .fetch(site, |rec| request.customize().interceptor(rec).send())
            .await?;
        match output.model_details() {
            Some(details) => Ok((ModelInfo::from_details(details), evidence)),
            None => Err(FactError::Call(CallError {
                status: Status::Error,
                diagnosis: dx::UNEXPECTED_RESPONSE,
                summary: "GetFoundationModel answered without modelDetails".into(),
                evidence,
            })),
        }
    }

    /// A Bedrock control-plane client for another region (same credentials and endpoint settings).
    pub(crate) fn bedrock_in(&self, region: &str) -> aws_sdk_bedrock::Client {
        let config = aws_sdk_bedrock::config::Builder::from(self.sdk_config())
            .region(aws_types::region::Region::new(region.to_string()))
            .build();
        aws_sdk_bedrock::Client::from_conf(config)
    }

    /// Other regions where the model is offered, from a bounded set of large Bedrock regions
    /// queried concurrently. Empty when none answered yes.
    pub async fn regions_offering(&self, model_id: &str) -> Vec<String> {
        self.elsewhere(model_id)
            .await
            .into_iter()
            .map(|(region, _)| region)
            .collect()
    }

    /// The other regions offering the model, each with whether its base id runs on demand there;
    /// looked up once per model.
    pub async fn elsewhere(&self, model_id: &str) -> Vec<(String, bool)> {
        const CANDIDATES: &[&str] = &[
            "us-east-1",
            "us-east-2",
            "us-west-2",
            "ca-central-1",
            "eu-central-1",
            "eu-west-1",
            "eu-west-3",
            "ap-northeast-1",
            "ap-south-1",
            "ap-southeast-2",
            "sa-east-1",
        ];
        self.memos
            .elsewhere
            .get_or_init(model_id, || async {
                let here = self.region().unwrap_or_default();
                let lookups = CANDIDATES
                    .iter()
                    .filter(|r| **r != here)
                    .map(|region| async move {
                        let found = self.details_in(Some(region), model_id).await.ok();
                        found.map(|(info, _)| (region.to_string(), info.on_demand()))
                    });
                futures::future::join_all(lookups)
                    .await
                    .into_iter()
                    .flatten()
                    .collect()
            })
            .await
    }
}
