//! Cross-region inference profiles: which exist, where they route, and whether a request routed to
//! each destination region would be authorized.

use super::runtime::{InvokeOutcome, MINIMAL_BODY};
use super::{FactError, Facts};
use crate::calls::{CallError, CallSite};
use crate::{dx, Evidence};
use aws_smithy_types::Blob;

/// One inference profile and its destinations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileInfo {
    pub id: String,
    pub arn: String,
    /// `SYSTEM_DEFINED` or `APPLICATION`.
    pub kind: String,
    pub model_arns: Vec<String>,
}

impl ProfileInfo {
    fn from_parts(
        id: &str,
        arn: &str,
        kind: &str,
        models: &[aws_sdk_bedrock::types::InferenceProfileModel],
    ) -> ProfileInfo {
        ProfileInfo {
            id: id.to_string(),
            arn: arn.to_string(),
            kind: kind.to_string(),
            model_arns: models
                .iter()
                .filter_map(|m| m.model_arn())
                .map(str::to_string)
                .collect(),
        }
    }

    /// The regions the profile routes to: the region field of each model ARN. A region-less ARN
    /// (`arn:aws:bedrock:::foundation-model/…`, global profiles) yields no region.
    pub fn destinations(&self) -> Vec<String> {
        let mut regions: Vec<String> = self
            .model_arns
            .iter()
            .filter_map(|arn| arn.split(':').nth(3))
            .filter(|r| !r.is_empty())
            .map(str::to_string)
            .collect();
        regions.sort();
        regions.dedup();
        regions
    }

    /// The base model ids the profile contains.
    pub fn model_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .model_arns
            .iter()
            .filter_map(|arn| arn.rsplit("foundation-model/").next())
            .map(str::to_string)
            .collect();
        ids.sort();
        ids.dedup();
        ids
    }

    pub fn contains_model(&self, model_id: &str) -> bool {
        self.model_arns
            .iter()
            .any(|arn| arn.ends_with(&format!("foundation-model/{model_id}")))
            || self.id.ends_with(&format!(".{model_id}"))
    }

    pub fn is_global(&self) -> bool {
        self.id.starts_with("global.")
    }
}

/// The inference-profile geographies whose profiles a caller in this region can use (`global` works
/// everywhere). Profiles are listed per source region: a `us.` profile is not callable from eu-west-1.
pub fn geographies_of(region: &str) -> &'static [&'static str] {
    match region.split('-').next().unwrap_or_default() {
        "us" if region.starts_with("us-gov") => &["us-gov"],
        "us" => &["us"],
        "eu" => &["eu"],
        "ap" => &["apac", "jp", "au"],
        "ca" => &["ca", "us"],
        _ => &[],
    }
}

/// What a request routed to one destination region would meet.
#[derive(Debug, Clone)]
pub enum Destination {
    /// The probe got past authorization (AWS rejected the deliberately invalid body).
    Allowed,
    Denied(CallError),
    Unknown(String),
}

/// One profile with the proof for it: one real invocation through it, and a probe per destination.
#[derive(Debug, Clone)]
pub struct ProfileProbe {
    pub profile: ProfileInfo,
    pub invoke: Option<InvokeOutcome>,
    pub destinations: Vec<(String, Destination, Evidence)>,
}

/// The body of an authorization probe: valid JSON but not a valid Anthropic request (no
/// `max_tokens`, no `messages`), so it can cost no tokens. AWS evaluates a request's authorization
/// before the service processes it (IAM policy evaluation logic:
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html), so an
/// allowed probe is refused by the model's validation (`ValidationException`, "Malformed input
/// request") and a denied one by `AccessDeniedException`. That Bedrock keeps this order for
/// InvokeModel is not documented on its own pages; any other answer is reported as unknown.
pub const PROBE_BODY: &str = r#"{"anthropic_version":"bedrock-2023-05-31"}"#;

impl Facts {
    /// `bedrock:ListInferenceProfiles` (system-defined), all pages.
    pub async fn system_profiles(&self) -> Result<(Vec<ProfileInfo>, Evidence), FactError> {
        let ask = || async {
            self.bedrock_ready().await?;
            let site = CallSite::new("bedrock", "ListInferenceProfiles", self.region());
            let send = |token, rec| {
                let request = self
                    .bedrock
                    .list_inference_profiles()
                    .type_equals(aws_sdk_bedrock::types::InferenceProfileType::SystemDefined)
                    .max_results(1000)
                    .set_next_token(token);
                request.customize().interceptor(rec).send()
            };
            let mut listed = self
                .paginate(site, send, |output| {
                    let profiles = output.inference_profile_summaries().iter().map(|p| {
                        ProfileInfo::from_parts(
                            p.inference_profile_id(),
                            p.inference_profile_arn(),
                            p.r#type().as_str(),
                            p.models(),
                        )
                    });
                    Ok((profiles.collect(), output.next_token))
                })
                .await?;
            // The last page's evidence stands for the list (it says so when the list is truncated).
            let evidence = listed.evidence.pop().unwrap_or_default();
            Ok((listed.items, evidence))
        };
        self.memos.profiles.get_or_init(ask).await.clone()
    }

    /// The exact ids that work from this region for a model, for the fixes of
    /// `inference-profile-required`, `model-id-invalid` and `model-not-in-region`: the system
    /// profiles listed here that contain it (with their destinations), and the regions where its
    /// base id runs on demand.
    pub async fn usable_ids(&self, model_id: &str) -> String {
        let region = self.region().unwrap_or("this region").to_string();
        let (profiles, here) = tokio::join!(self.system_profiles(), self.model_details(model_id));
        let mut lines = Vec::new();
        let profiles: Vec<String> = profiles
            .map(|(p, _)| p)
            .unwrap_or_default()
            .into_iter()
            .filter(|p| p.contains_model(model_id))
            .map(|p| {
                let to = if p.destinations().is_empty() {
                    "all commercial regions".to_string()
                } else {
                    p.destinations().join(", ")
                };
                format!("`{}` (routes to {to})", p.id)
            })
            .collect();
        if !profiles.is_empty() {
            lines.push(format!(
                "From {region}, these inference profile ids work: {}.",
                profiles.join(", ")
            ));
        }
        if here.as_ref().is_ok_and(|(info, _)| info.on_demand()) {
            lines.push(format!(
                "The base id `{model_id}` also works on demand in {region}."
            ));
        } else {
            let on_demand: Vec<String> = self
                .elsewhere(model_id)
                .await
                .into_iter()
                .filter(|(_, od)| *od)
                .map(|(r, _)| r)
                .collect();
            if !on_demand.is_empty() {
                lines.push(format!(
                    "The base id `{model_id}` works on demand in: {}.",
                    on_demand.join(", ")
                ));
            }
        }
        if lines.is_empty() {
            lines.push(format!("No inference profile listed in {region} contains `{model_id}`; `bedrock-doctor models` lists what works here."));
        }
        lines.join(" ")
    }

    /// `bedrock:GetInferenceProfile` for an id or ARN.
    pub async fn inference_profile(
        &self,
        id_or_arn: &str,
    ) -> Result<(ProfileInfo, Evidence), FactError> {
        self.memos
            .profile
            .get_or_init(id_or_arn, || self.load_profile(id_or_arn))
            .await
    }

    async fn load_profile(&self, id_or_arn: &str) -> Result<(ProfileInfo, Evidence), FactError> {
        let site = self.bedrock_site("GetInferenceProfile").await?;
        let request = self
            .bedrock
            .get_inference_profile()
            .inference_profile_identifier(id_or_arn);
        let (o, evidence) = self
            .fetch(site, |rec| request.customize().interceptor(rec).send())
            .await?;
        let info = ProfileInfo::from_parts(
            o.inference_profile_id(),
            o.inference_profile_arn(),
            o.r#type().as_str(),
            o.models(),
        );
        Ok((info, evidence))
    }

    /// The profiles to test for a model: `--inference-profile` when given, else every system profile
    /// listed here that contains the model.
    pub async fn profiles_for(
        &self,
        model_id: &str,
    ) -> Result<(Vec<ProfileInfo>, Vec<Evidence>), FactError> {
        if let Some(given) = self.settings().inference_profile.clone() {
            let (info, evidence) = self.inference_profile(&given).await?;
            return Ok((vec![info], vec![evidence]));
        }
        let (all, evidence) = self.system_profiles().await?;
        let matching = all
            .into_iter()
            .filter(|p| p.contains_model(model_id))
            .collect();
        Ok((matching, vec![evidence]))
    }

    /// For each profile: one minimal invocation through it, and an authorization probe per
    /// destination region. Nothing is sent under `--no-invoke`.
    pub async fn profile_reachability(
        &self,
        model_id: &str,
    ) -> Result<Vec<ProfileProbe>, FactError> {
        self.memos
            .reachability
            .get_or_init(model_id, || self.load_reachability(model_id))
            .await
    }

    async fn load_reachability(&self, model_id: &str) -> Result<Vec<ProfileProbe>, FactError> {
        let (profiles, _) = self.profiles_for(model_id).await?;
        let probes = profiles.into_iter().map(|profile| async move {
            if self.settings().no_invoke {
                return ProfileProbe {
                    profile,
                    invoke: None,
                    destinations: Vec::new(),
                };
            }
            // The model's own invocation already went through this profile when the model runs
            // only through one: reuse it rather than pay for the same call twice.
            let invoke = async {
                if self.invocation_id(model_id).await == profile.id {
                    self.invoke(model_id).await
                } else {
                    self.invoke_body(&profile.id, MINIMAL_BODY).await
                }
            };
            let regions = profile.destinations();
            let base = profile
                .model_ids()
                .into_iter()
                .next()
                .unwrap_or_else(|| model_id.to_string());
            let destinations =
                futures::future::join_all(regions.iter().map(|r| self.probe_destination(r, &base)));
            let (invoke, destinations) = tokio::join!(invoke, destinations);
            let destinations = regions
                .into_iter()
                .zip(destinations)
                .map(|(r, (d, e))| (r, d, e))
                .collect();
            ProfileProbe {
                profile,
                invoke: Some(invoke),
                destinations,
            }
        });
        Ok(futures::future::join_all(probes).await)
    }

    /// An InvokeModel of the base model in one destination region with [`PROBE_BODY`], once per
    /// run for each destination and model: in a sweep, several regions' profiles route to the same
    /// destinations, and the answer does not depend on which asked.
    async fn probe_destination(&self, region: &str, model_id: &str) -> (Destination, Evidence) {
        self.shared
            .probes
            .get_or_init(&format!("{region} {model_id}"), || {
                self.send_probe(region, model_id)
            })
            .await
    }

    async fn send_probe(&self, region: &str, model_id: &str) -> (Destination, Evidence) {
        let config = aws_sdk_bedrockruntime::config::Builder::from(self.sdk_config())
            .region(aws_types::region::Region::new(region.to_string()))
            .retry_config(aws_smithy_types::retry::RetryConfig::standard().with_max_attempts(1))
            .build();
        let client = aws_sdk_bedrockruntime::Client::from_conf(config);
        let site =
            CallSite::new("bedrock-runtime", "InvokeModel", Some(region)).for_model(model_id);
        let request = client
            .invoke_model()
            .model_id(model_id)
            .content_type("application/json")
            .accept("application/json")
            .body(Blob::new(PROBE_BODY.as_bytes().to_vec()));
        let observed = self
            .call(site, |rec| request.customize().interceptor(rec).send())
            .await;
        let mut evidence = observed.evidence.clone();
        evidence.message = Some(format!(
            "authorization probe (invalid body, no tokens): {}",
            evidence.message.clone().unwrap_or_default()
        ));
        let verdict = match observed.result {
            // A probe that succeeded would have cost tokens; it cannot, but say what it means.
            Ok(_) => Destination::Allowed,
            Err(e)
                if e.evidence.error_code.as_deref() == Some("ValidationException")
                    && e.diagnosis != dx::MODEL_ID_INVALID =>
            {
                Destination::Allowed
            }
            Err(e) if matches!(e.diagnosis, dx::SCP_EXPLICIT_DENY | dx::IAM_ACTION_DENIED) => {
                Destination::Denied(e)
            }
            // Refused for the account's access to the model (Marketplace, use-case form): the
            // request got past IAM and SCPs, which is all the probe asks.
            Err(e) if crate::calls::is_access_diagnosis(e.diagnosis) => Destination::Allowed,
            Err(e) => Destination::Unknown(e.summary),
        };
        (verdict, evidence)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(id: &str, arns: &[&str]) -> ProfileInfo {
        ProfileInfo {
            id: id.into(),
            arn: format!("arn:aws:bedrock:us-east-1:123456789012:inference-profile/{id}"),
            kind: "SYSTEM_DEFINED".into(),
            model_arns: arns.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn destinations_are_the_regions_of_the_model_arns() {
        let p = profile(
            "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
            &[
                "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0",
                "arn:aws:bedrock:us-west-2::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0",
                "arn:aws:bedrock:us-east-2::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0",
            ],
        );
        assert_eq!(p.destinations(), ["us-east-1", "us-east-2", "us-west-2"]);
        assert!(p.contains_model("anthropic.claude-sonnet-4-5-20250929-v1:0"));
        assert!(!p.contains_model("anthropic.claude-3-haiku-20240307-v1:0"));
        assert_eq!(p.model_ids(), ["anthropic.claude-sonnet-4-5-20250929-v1:0"]);
    }

    #[test]
    fn a_region_less_arn_has_no_destination() {
        let p = profile(
            "global.anthropic.claude-sonnet-4-6",
            &["arn:aws:bedrock:::foundation-model/anthropic.claude-sonnet-4-6"],
        );
        assert!(p.destinations().is_empty() && p.is_global());
    }
}
