//! Facts about the model under test: which model, its availability, the account's use-case form and
//! its Marketplace offers.

pub use super::catalog::ModelInfo;
use super::model_ids::{closest, Closest, IdForm};
use super::{FactError, Facts, Memo};
use crate::calls::CallError;
use crate::{dx, Evidence, Status};
use regex::Regex;
use std::sync::OnceLock;
use tokio::sync::OnceCell;

/// How the model under test was chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelSource {
    /// `--model`.
    Flag,
    /// `--model` named an inference profile; the base id inside it is tested.
    FlagProfile { profile_id: String },
    /// Nothing given: the newest ACTIVE Claude Sonnet the region lists.
    Picked,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetModel {
    pub model_id: String,
    pub source: ModelSource,
}

/// The shape of a base model id (botocore `data/bedrock/2023-04-20/service-2.json`, shape
/// `BedrockModelId`).
pub fn is_base_model_id(id: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"^[a-z0-9-]{1,63}[.][a-z0-9-]{1,63}([a-z0-9-]{1,63}[.]){0,2}[a-z0-9-]{1,63}([:][a-z0-9-]{1,63}){0,2}(/[a-z0-9]{12}|)$")
            .expect("static pattern")
    })
    .is_match(id)
        && id.len() <= 140
}

/// `us.anthropic.claude-…` → (`us`, `anthropic.claude-…`): an inference profile id, recognised by
/// a prefix whose remainder is a base id of a known provider. The prefix list is not hard-coded
/// (new geographies appear: `jp.`, `au.`, `ca.`), only its shape.
pub fn split_profile_id(id: &str) -> Option<(&str, &str)> {
    let id = id.rsplit("inference-profile/").next().unwrap_or(id);
    let (prefix, rest) = id.split_once('.')?;
    let geographic = !prefix.is_empty()
        && prefix.len() <= 8
        && prefix.bytes().all(|b| b.is_ascii_lowercase() || b == b'-');
    let provider = rest.split('.').next().unwrap_or_default();
    let known_provider = [
        "anthropic",
        "amazon",
        "meta",
        "mistral",
        "cohere",
        "deepseek",
        "writer",
        "ai21",
        "qwen",
        "openai",
    ]
    .contains(&provider);
    (geographic && known_provider && rest.contains('.')).then_some((prefix, rest))
}

/// Version order of Claude model ids: (major, minor, date), from `claude-sonnet-4-5-20250929`,
/// `claude-3-7-sonnet-20250219` or the undated `claude-sonnet-4-6`.
fn claude_version(id: &str) -> (u32, u32, u32) {
    let name = id.split(':').next().unwrap_or(id);
    let numbers: Vec<u32> = name
        .split(['-', '.'])
        .filter(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
        .filter_map(|part| part.parse().ok())
        .collect();
    let date = numbers
        .iter()
        .copied()
        .find(|n| *n > 19_000_000)
        .unwrap_or(0);
    let small: Vec<u32> = numbers.iter().copied().filter(|n| *n < 100).collect();
    (
        small.first().copied().unwrap_or(0),
        small.get(1).copied().unwrap_or(0),
        date,
    )
}

/// The newest ACTIVE Claude Sonnet in a model list.
pub fn newest_sonnet(models: &[ModelInfo]) -> Option<&ModelInfo> {
    newest_of_family(models, "sonnet")
}

/// The newest ACTIVE Claude model of a family (`sonnet`, `opus`, `haiku`) in a model list: what
/// an alias naming the family means today. LEGACY models are never chosen.
pub fn newest_of_family<'a>(models: &'a [ModelInfo], family: &str) -> Option<&'a ModelInfo> {
    models
        .iter()
        .filter(|m| {
            let name = m.model_id.split(':').next().unwrap_or_default();
            m.lifecycle == "ACTIVE"
                && name.contains("claude")
                && name.split(['-', '.']).any(|part| part == family)
        })
        .max_by_key(|m| claude_version(&m.model_id))
}

/// Availability of a model, as GetFoundationModelAvailability reports it.
#[derive(Debug, Clone)]
pub struct Availability {
    pub agreement: String,
    pub agreement_error: Option<String>,
    pub authorization: String,
    pub entitlement: String,
    pub region: String,
    pub evidence: Evidence,
}

/// The Anthropic use-case form as stored for the account.
#[derive(Debug, Clone)]
pub struct UseCaseForm {
    pub company: Option<String>,
    pub use_cases: Option<String>,
    pub evidence: Evidence,
}

/// Per-model (and per-account) facts, each fetched once.
#[derive(Default)]
pub struct ModelMemos {
    target: Memo<Result<TargetModel, FactError>>,
    availability: Memo<Result<Availability, FactError>>,
    offers: Memo<Result<(usize, Evidence), FactError>>,
    use_case: OnceCell<Result<UseCaseForm, FactError>>,
    pub(crate) invoke: Memo<super::runtime::InvokeOutcome>,
    pub(crate) stream: Memo<super::runtime::InvokeOutcome>,
    pub(crate) profiles: OnceCell<Result<(Vec<super::profiles::ProfileInfo>, Evidence), FactError>>,
    pub(crate) profile: Memo<Result<(super::profiles::ProfileInfo, Evidence), FactError>>,
    pub(crate) reachability: Memo<Result<Vec<super::profiles::ProfileProbe>, FactError>>,
    pub(crate) simulation: Memo<Result<super::iam::Simulation, FactError>>,
    pub(crate) elsewhere: Memo<Vec<(String, bool)>>,
    pub(crate) quotas: OnceCell<Result<super::quotas::QuotaLists, FactError>>,
}

tokio::task_local! {
    /// The model a per-model check is running for (`--model a,b` runs such checks once per model);
    /// unset, the first `--model` or the newest Sonnet is the model under test.
    pub static SUBJECT: String;
}

impl Facts {
    /// The model under test: this task's [`SUBJECT`], else the first `--model` (validated), else the
    /// newest ACTIVE Claude Sonnet listed (in a sweep, listed in the first region, so that every
    /// region tests the same model).
    pub async fn target_model(&self) -> Result<TargetModel, FactError> {
        let given = SUBJECT
            .try_with(|s| s.clone())
            .ok()
            .or_else(|| self.settings().models.first().cloned());
        if let (None, Some(home)) = (&given, self.home()) {
            // The first region's pick, so every region tests the same model; when the first
            // region cannot pick (not enabled, denied, unreachable), this region picks from its own
            // catalog rather than report the first region's failure as its own.
            if let Ok(target) = Box::pin(home.target_model()).await {
                return Ok(target);
            }
        }
        let key = given.clone().unwrap_or_default();
        self.memos
            .target
            .get_or_init(&key, || self.choose_model(given.as_deref()))
            .await
    }

    /// The model under test if some check already settled it; never makes a call.
    pub fn known_target(&self) -> Option<String> {
        let given = SUBJECT
            .try_with(|s| s.clone())
            .ok()
            .or_else(|| self.settings().models.first().cloned());
        if let (None, Some(home)) = (&given, self.home()) {
            if let Some(target) = home.known_target() {
                return Some(target);
            }
        }
        self.memos
            .target
            .get(&given.unwrap_or_default())
            .and_then(|t| t.ok())
            .map(|t| t.model_id)
    }

    /// The `--model` value under test as given (this task's [`SUBJECT`], else the first), if any.
    pub fn given_model(&self) -> Option<String> {
        SUBJECT
            .try_with(|s| s.clone())
            .ok()
            .or_else(|| self.settings().models.first().cloned())
    }

    /// The profile id or ARN given as `--model` for this model, if one was: what the app calls,
    /// so the invocation goes through exactly it. Read from the settled target, never a call.
    pub fn given_profile(&self, model_id: &str) -> Option<String> {
        let given = SUBJECT
            .try_with(|s| s.clone())
            .ok()
            .or_else(|| self.settings().models.first().cloned())?;
        let target = self.memos.target.get(&given)?.ok()?;
        match target.source {
            ModelSource::FlagProfile { profile_id } if target.model_id == model_id => {
                Some(profile_id)
            }
            _ => None,
        }
    }

    async fn choose_model(&self, given: Option<&str>) -> Result<TargetModel, FactError> {
        if let Some(given) = given {
            let form = IdForm::of(given);
            if form.is_profile() {
                return self.choose_profile(given, &form).await;
            }
            if form == IdForm::Base {
                return self.choose_base(given).await;
            }
            return Err(FactError::Call(CallError {
                status: Status::Fail,
                diagnosis: dx::MODEL_ID_INVALID,
                summary: format!(
                    "`{given}` is not a Bedrock model id, inference profile id or ARN"
                ),
                evidence: Evidence::default(),
            }));
        }
        let list = self.anthropic_models().await?;
        match newest_sonnet(&list.models) {
            Some(model) => Ok(TargetModel {
                model_id: model.model_id.clone(),
                source: ModelSource::Picked,
            }),
            None => Err(FactError::Call(CallError {
                status: Status::Fail,
                diagnosis: dx::MODEL_NOT_IN_REGION,
                summary: format!(
                    "no ACTIVE Claude Sonnet model is listed in {}; pass --model",
                    self.region().unwrap_or("this region")
                ),
                evidence: list.evidence,
            })),
        }
    }

    /// A base id given as the model. One that no region checked offers is a slip (a missing or
    /// extra `:0`, a wrong date or version): no model check can run on it. One offered elsewhere,
    /// or that could not be looked up, is tested as given (`model-catalog` says the rest).
    async fn choose_base(&self, given: &str) -> Result<TargetModel, FactError> {
        let flag = Ok(TargetModel {
            model_id: given.to_string(),
            source: ModelSource::Flag,
        });
        let err = match self.model_details(given).await {
            Err(FactError::Call(err))
                if err.diagnosis != dx::MODEL_END_OF_LIFE && is_not_found(&err) =>
            {
                err
            }
            _ => return flag,
        };
        if !self.regions_offering(given).await.is_empty() {
            return flag;
        }
        Err(FactError::Call(CallError {
            status: Status::Fail,
            diagnosis: dx::MODEL_ID_INVALID,
            summary: format!(
                "`{given}` is not a model in {}, nor in the other regions checked",
                self.region().unwrap_or("this region")
            ),
            evidence: err.evidence,
        }))
    }

    /// A profile id or ARN given as the model: the region confirms it (GetInferenceProfile, or the
    /// listed system profiles when that is denied) and names its model, which the model checks
    /// test; the invocation goes through exactly the id given.
    async fn choose_profile(&self, given: &str, form: &IdForm) -> Result<TargetModel, FactError> {
        let found = match self.inference_profile(given).await {
            Ok((info, _)) => Some(info),
            Err(FactError::Call(err)) if is_not_found(&err) => {
                return Err(FactError::Call(self.profile_not_here(given, form, err)));
            }
            Err(err) => {
                // GetInferenceProfile is not in every policy; the list answers for system profiles.
                let listed = self.system_profiles().await.ok();
                let listed = match listed {
                    Some((list, evidence)) => {
                        let id = given.rsplit('/').next().unwrap_or(given);
                        match list.into_iter().find(|p| p.id == id || p.arn == given) {
                            Some(p) => Some(p),
                            None if *form != IdForm::ApplicationProfileArn => {
                                let err = CallError {
                                    status: Status::Fail,
                                    diagnosis: dx::MODEL_ID_INVALID,
                                    summary: String::new(),
                                    evidence,
                                };
                                return Err(FactError::Call(
                                    self.profile_not_here(given, form, err),
                                ));
                            }
                            None => return Err(err),
                        }
                    }
                    None => None,
                };
                listed.or_else(|| {
                    // Neither could be read: the id's own text names the model.
                    split_profile_id(given).map(|(_, base)| super::profiles::ProfileInfo {
                        id: given.to_string(),
                        arn: String::new(),
                        kind: "SYSTEM_DEFINED".into(),
                        model_arns: vec![format!("foundation-model/{base}")],
                    })
                })
            }
        };
        let Some(info) = found else {
            return Err(FactError::Call(CallError {
                status: Status::Error,
                diagnosis: dx::UNEXPECTED_RESPONSE,
                summary: format!("the inference profile `{given}` could not be read"),
                evidence: Evidence::default(),
            }));
        };
        let base = info
            .model_ids()
            .into_iter()
            .next()
            .or_else(|| split_profile_id(given).map(|(_, b)| b.to_string()));
        match base {
            Some(model_id) => Ok(TargetModel {
                model_id,
                source: ModelSource::FlagProfile {
                    profile_id: given.to_string(),
                },
            }),
            None => Err(FactError::Call(CallError {
                status: Status::Error,
                diagnosis: dx::UNEXPECTED_RESPONSE,
                summary: format!("the inference profile `{given}` names no model"),
                evidence: Evidence::default(),
            })),
        }
    }

    /// A profile id or ARN this region does not know: `model-id-invalid` for an id (what the
    /// runtime answers), `inference-profile-not-found` for an ARN.
    fn profile_not_here(&self, given: &str, form: &IdForm, err: CallError) -> CallError {
        let region = self.region().unwrap_or("this region");
        let (diagnosis, what) = match form {
            IdForm::ProfileId => (dx::MODEL_ID_INVALID, "inference profile id"),
            IdForm::ApplicationProfileArn => (
                dx::INFERENCE_PROFILE_NOT_FOUND,
                "application inference profile",
            ),
            _ => (dx::INFERENCE_PROFILE_NOT_FOUND, "inference profile"),
        };
        CallError {
            status: Status::Fail,
            diagnosis,
            summary: format!("`{given}` is not an {what} that exists from {region} (profiles are listed per source region and geography)"),
            evidence: err.evidence,
        }
    }

    /// The real models (and the profile ids that reach them from this region) closest to an id
    /// the region does not know, best first; empty when the lists cannot be read.
    pub async fn closest_ids(&self, given: &str) -> Vec<Closest> {
        let (models, profiles) = tokio::join!(self.anthropic_models(), self.system_profiles());
        let Ok(models) = models else {
            return Vec::new();
        };
        let profiles = profiles.map(|(p, _)| p).unwrap_or_default();
        closest(given, &models.models, &profiles, 3)
    }

    /// `bedrock:GetFoundationModelAvailability`.
    pub async fn availability(&self, model_id: &str) -> Result<Availability, FactError> {
        let ask = || async {
            let site = self.bedrock_site("GetFoundationModelAvailability").await?;
            let request = self
                .bedrock
                .get_foundation_model_availability()
                .model_id(model_id);
            let (o, evidence) = self
                .fetch(site, |rec| request.customize().interceptor(rec).send())
                .await?;
            Ok(Availability {
                agreement: o
                    .agreement_availability()
                    .map(|a| a.status().as_str().to_string())
                    .unwrap_or_default(),
                agreement_error: o
                    .agreement_availability()
                    .and_then(|a| a.error_message())
                    .map(str::to_string),
                authorization: o.authorization_status().as_str().to_string(),
                entitlement: o.entitlement_availability().as_str().to_string(),
                region: o.region_availability().as_str().to_string(),
                evidence,
            })
        };
        self.memos.availability.get_or_init(model_id, ask).await
    }

    /// `bedrock:ListFoundationModelAgreementOffers`: how many offers the account can accept.
    pub async fn agreement_offers(&self, model_id: &str) -> Result<(usize, Evidence), FactError> {
        let ask = || async {
            let site = self
                .bedrock_site("ListFoundationModelAgreementOffers")
                .await?;
            let request = self
                .bedrock
                .list_foundation_model_agreement_offers()
                .model_id(model_id);
            let (output, evidence) = self
                .fetch(site, |rec| request.customize().interceptor(rec).send())
                .await?;
            Ok((output.offers().len(), evidence))
        };
        self.memos.offers.get_or_init(model_id, ask).await
    }

    /// `bedrock:GetUseCaseForModelAccess`: read only; the doctor never submits the form.
    pub async fn use_case_form(&self) -> Result<UseCaseForm, FactError> {
        let ask = || async {
            let site = self.bedrock_site("GetUseCaseForModelAccess").await?;
            let request = self.bedrock.get_use_case_for_model_access();
            let (output, evidence) = self
                .fetch(site, |rec| request.customize().interceptor(rec).send())
                .await?;
            // formData is base64 on the wire; the SDK hands over the decoded JSON bytes.
            let form: serde_json::Value =
                serde_json::from_slice(output.form_data().as_ref()).unwrap_or_default();
            let text = |key: &str| form.get(key).and_then(|v| v.as_str()).map(str::to_string);
            Ok(UseCaseForm {
                company: text("companyName"),
                use_cases: text("useCases"),
                evidence,
            })
        };
        self.memos.use_case.get_or_init(ask).await.clone()
    }
}

/// A lookup that found nothing: AWS's not-found and invalid-identifier answers.
pub fn is_not_found(err: &CallError) -> bool {
    matches!(
        err.diagnosis,
        dx::MODEL_NOT_IN_REGION | dx::MODEL_ID_INVALID | dx::INFERENCE_PROFILE_NOT_FOUND
    ) || matches!(
        err.evidence.error_code.as_deref(),
        Some("ResourceNotFoundException" | "ValidationException")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(id: &str, lifecycle: &str) -> ModelInfo {
        ModelInfo {
            model_id: id.into(),
            model_name: None,
            provider: Some("Anthropic".into()),
            lifecycle: lifecycle.into(),
            inference_types: vec!["ON_DEMAND".into()],
            streaming: Some(true),
            legacy_time: None,
            end_of_life_time: None,
        }
    }

    #[test]
    fn picks_the_newest_active_sonnet() {
        let models = [
            info("anthropic.claude-3-5-sonnet-20241022-v2:0", "ACTIVE"),
            info("anthropic.claude-sonnet-4-5-20250929-v1:0", "ACTIVE"),
            info("anthropic.claude-sonnet-4-6", "ACTIVE"),
            info("anthropic.claude-sonnet-5-0-20261001-v1:0", "LEGACY"),
            info("anthropic.claude-opus-4-6-v1", "ACTIVE"),
            info("anthropic.claude-3-7-sonnet-20250219-v1:0", "ACTIVE"),
        ];
        assert_eq!(
            newest_sonnet(&models).unwrap().model_id,
            "anthropic.claude-sonnet-4-6"
        );
        assert!(newest_sonnet(&models[4..5]).is_none());
        let more = [
            info("anthropic.claude-opus-4-5-20251101-v1:0", "ACTIVE"),
            info("anthropic.claude-opus-4-6-v1", "ACTIVE"),
            info("anthropic.claude-haiku-4-5-20251001-v1:0", "ACTIVE"),
            info("anthropic.claude-haiku-5", "LEGACY"),
            info("anthropic.claude-3-haiku-20240307-v1:0", "ACTIVE"),
            info("anthropic.claude-sonnet-5", "ACTIVE"),
        ];
        let newest = |family| newest_of_family(&more, family).map(|m| m.model_id.as_str());
        assert_eq!(newest("opus"), Some("anthropic.claude-opus-4-6-v1"));
        assert_eq!(
            newest("haiku"),
            Some("anthropic.claude-haiku-4-5-20251001-v1:0")
        );
        assert_eq!(newest("sonnet"), Some("anthropic.claude-sonnet-5"));
    }

    #[test]
    fn validates_base_ids_and_recognises_profile_ids() {
        assert!(is_base_model_id(
            "anthropic.claude-sonnet-4-5-20250929-v1:0"
        ));
        assert!(is_base_model_id("anthropic.claude-sonnet-4-6"));
        assert!(!is_base_model_id("claude-3-sonnet"));
        assert!(!is_base_model_id("anthropic.Claude-3"));
        assert_eq!(
            split_profile_id("us.anthropic.claude-sonnet-4-5-20250929-v1:0"),
            Some(("us", "anthropic.claude-sonnet-4-5-20250929-v1:0"))
        );
        assert_eq!(
            split_profile_id("global.anthropic.claude-sonnet-4-6").map(|p| p.0),
            Some("global")
        );
        assert_eq!(
            split_profile_id("arn:aws:bedrock:us-east-1:123456789012:inference-profile/eu.anthropic.claude-3-haiku-20240307-v1:0")
                .map(|p| p.0),
            Some("eu")
        );
        assert_eq!(split_profile_id("anthropic.claude-sonnet-4-6"), None);
    }
}
