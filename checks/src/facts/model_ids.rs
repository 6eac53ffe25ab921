//! The forms a model id takes in an app's configuration, and the real ids closest to one that is
//! not quite right (a display name, a missing `:0`, a wrong date or version suffix).
//!
//! `modelId` of InvokeModel accepts a base model id, a foundation-model ARN, a system inference
//! profile id or ARN and an application inference profile ARN (botocore `bedrock-runtime`
//! `InvokeModelIdentifier`; https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_InvokeModel.html).

use super::models::{is_base_model_id, split_profile_id, ModelInfo};
use super::profiles::ProfileInfo;

/// What a `--model` value is, by its shape alone (whether it exists is the region's to say).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdForm {
    /// `anthropic.claude-…`.
    Base,
    /// `us.anthropic.claude-…`: a system inference profile id (any geography prefix).
    ProfileId,
    /// `arn:aws:bedrock:REGION:ACCOUNT:inference-profile/ID`.
    ProfileArn,
    /// `arn:aws:bedrock:REGION:ACCOUNT:application-inference-profile/ID`.
    ApplicationProfileArn,
    /// Anything else: a display name, wrong case, a typo.
    Unknown,
}

impl IdForm {
    pub fn of(id: &str) -> IdForm {
        if id.starts_with("arn:") {
            if id.contains(":application-inference-profile/") {
                return IdForm::ApplicationProfileArn;
            }
            if id.contains(":inference-profile/") {
                return IdForm::ProfileArn;
            }
            return IdForm::Unknown;
        }
        // Profile ids also fit the base-id pattern, so they are recognised first.
        if split_profile_id(id).is_some_and(|(_, base)| is_base_model_id(base)) {
            return IdForm::ProfileId;
        }
        if is_base_model_id(id) {
            return IdForm::Base;
        }
        IdForm::Unknown
    }

    pub fn is_profile(&self) -> bool {
        matches!(
            self,
            IdForm::ProfileId | IdForm::ProfileArn | IdForm::ApplicationProfileArn
        )
    }
}

/// The part of an id or display name that names the model: lower case, without ARN, geography,
/// provider, date and version suffix, every separator a dash. `us.anthropic.claude-sonnet-4-5-20250929-v1:0`,
/// `anthropic.claude-sonnet-4-5-20250929-v2` and `Claude Sonnet 4.5` all give `claude-sonnet-4-5`.
pub fn model_key(text: &str) -> String {
    let lower = text.trim().to_ascii_lowercase();
    let mut s = lower.rsplit('/').next().unwrap_or(&lower).to_string();
    if let Some((_, base)) = split_profile_id(&s) {
        s = base.to_string();
    }
    if let Some((provider, rest)) = s.split_once('.') {
        if !provider.contains([' ', '-']) && rest.contains('-') {
            s = rest.to_string();
        }
    }
    let s = s.split(':').next().unwrap_or_default();
    let mut parts: Vec<&str> = s
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|p| !p.is_empty())
        .collect();
    // A trailing version (`v1`, `v2`) and a date (`20250929`) only pin a release of the model.
    while parts.last().is_some_and(|p| {
        (p.len() >= 2 && p.starts_with('v') && p[1..].bytes().all(|b| b.is_ascii_digit()))
            || (p.len() == 8 && p.starts_with("20") && p.bytes().all(|b| b.is_ascii_digit()))
    }) {
        parts.pop();
    }
    parts.retain(|p| {
        !(p.len() == 8 && p.starts_with("20") && p.bytes().all(|b| b.is_ascii_digit()))
    });
    parts.join("-")
}

/// One real model close to a wrong id, with the ids that work for it from this region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closest {
    pub model_id: String,
    pub name: Option<String>,
    pub on_demand: bool,
    /// System profiles listed in this region that contain the model (ids).
    pub profiles: Vec<String>,
}

impl Closest {
    /// "`id` (Claude Sonnet 4.5; only through a profile: `us.…`, `global.…`)".
    pub fn describe(&self) -> String {
        let name = self
            .name
            .as_deref()
            .map(|n| format!("{n}; "))
            .unwrap_or_default();
        let profiles = self
            .profiles
            .iter()
            .map(|p| format!("`{p}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let how = match (self.on_demand, profiles.is_empty()) {
            (true, true) => "on demand".to_string(),
            (true, false) => format!("on demand, or through {profiles}"),
            (false, false) => format!("only through a profile: {profiles}"),
            (false, true) => "no profile listed here".to_string(),
        };
        format!("`{}` ({name}{how})", self.model_id)
    }
}

/// Optimal string alignment distance, the one region names are matched with.
fn distance(a: &str, b: &str) -> usize {
    crate::regions::damerau_levenshtein(a, b)
}

/// The catalog's models closest to `given`, best first, at most `limit`: ranked by the distance
/// between model keys (id or display name, whichever is closer), then ACTIVE before LEGACY, then
/// by the distance between the whole ids. Models too far from it to be what was meant are left
/// out, so the list can be empty.
pub fn closest(
    given: &str,
    models: &[ModelInfo],
    profiles: &[ProfileInfo],
    limit: usize,
) -> Vec<Closest> {
    let wanted = model_key(given);
    let whole = given.trim().to_ascii_lowercase();
    let whole = whole.rsplit('/').next().unwrap_or(&whole).to_string();
    let whole = split_profile_id(&whole)
        .map(|(_, base)| base.to_string())
        .unwrap_or(whole);
    if wanted.is_empty() {
        return Vec::new();
    }
    let mut ranked: Vec<(usize, bool, usize, &ModelInfo)> = models
        .iter()
        .map(|m| {
            let by_id = distance(&wanted, &model_key(&m.model_id));
            let by_name = m
                .model_name
                .as_deref()
                .map(|n| distance(&wanted, &model_key(n)))
                .unwrap_or(usize::MAX);
            (
                by_id.min(by_name),
                m.lifecycle != "ACTIVE",
                distance(&whole, &m.model_id),
                m,
            )
        })
        // Close enough to be a slip: a few edits, or a third of the name.
        .filter(|(d, ..)| *d <= 3.max(wanted.len() / 3))
        .collect();
    ranked.sort_by_key(|(d, legacy, whole, m)| (*d, *legacy, *whole, m.model_id.clone()));
    ranked
        .into_iter()
        .take(limit)
        .map(|(_, _, _, m)| Closest {
            model_id: m.model_id.clone(),
            name: m.model_name.clone(),
            on_demand: m.on_demand(),
            profiles: profiles
                .iter()
                .filter(|p| p.contains_model(&m.model_id))
                .map(|p| p.id.clone())
                .collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(id: &str, name: &str, lifecycle: &str, types: &[&str]) -> ModelInfo {
        ModelInfo {
            model_id: id.into(),
            model_name: Some(name.into()),
            provider: Some("Anthropic".into()),
            lifecycle: lifecycle.into(),
            inference_types: types.iter().map(|t| t.to_string()).collect(),
            streaming: Some(true),
            legacy_time: None,
            end_of_life_time: None,
        }
    }

    fn catalog() -> Vec<ModelInfo> {
        vec![
            model(
                "anthropic.claude-3-haiku-20240307-v1:0",
                "Claude 3 Haiku",
                "ACTIVE",
                &["ON_DEMAND"],
            ),
            model(
                "anthropic.claude-3-5-sonnet-20241022-v2:0",
                "Claude 3.5 Sonnet v2",
                "LEGACY",
                &["ON_DEMAND"],
            ),
            model(
                "anthropic.claude-sonnet-4-5-20250929-v1:0",
                "Claude Sonnet 4.5",
                "ACTIVE",
                &["INFERENCE_PROFILE"],
            ),
            model(
                "anthropic.claude-haiku-4-5-20251001-v1:0",
                "Claude Haiku 4.5",
                "ACTIVE",
                &["INFERENCE_PROFILE"],
            ),
            model(
                "anthropic.claude-sonnet-4-6",
                "Claude Sonnet 4.6",
                "ACTIVE",
                &["INFERENCE_PROFILE"],
            ),
            model(
                "anthropic.claude-opus-4-6-v1",
                "Claude Opus 4.6",
                "ACTIVE",
                &["INFERENCE_PROFILE"],
            ),
        ]
    }

    fn first(given: &str) -> String {
        closest(given, &catalog(), &[], 3)
            .first()
            .map(|c| c.model_id.clone())
            .unwrap_or_default()
    }

    #[test]
    fn recognises_every_id_form() {
        assert_eq!(IdForm::of("anthropic.claude-sonnet-4-6"), IdForm::Base);
        for prefix in ["us", "eu", "apac", "jp", "au", "ca", "us-gov", "global"] {
            let id = format!("{prefix}.anthropic.claude-sonnet-4-5-20250929-v1:0");
            assert_eq!(IdForm::of(&id), IdForm::ProfileId, "{id}");
        }
        assert_eq!(
            IdForm::of("arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-6"),
            IdForm::ProfileArn
        );
        assert_eq!(
            IdForm::of(
                "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5f6"
            ),
            IdForm::ApplicationProfileArn
        );
        assert_eq!(IdForm::of("Claude Sonnet 4.5"), IdForm::Unknown);
        assert_eq!(IdForm::of("Anthropic.Claude-Sonnet-4-6"), IdForm::Unknown);
    }

    #[test]
    fn keys_drop_everything_but_the_model() {
        for text in [
            "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
            "anthropic.claude-sonnet-4-5-20250929-v2",
            "Claude Sonnet 4.5",
            "claude_sonnet_4.5",
            "arn:aws:bedrock:us-east-1:123456789012:inference-profile/eu.anthropic.claude-sonnet-4-5-20250929-v1:0",
        ] {
            assert_eq!(model_key(text), "claude-sonnet-4-5", "{text}");
        }
        assert_eq!(model_key("Claude 3.5 Sonnet v2"), "claude-3-5-sonnet");
    }

    #[test]
    fn near_misses_find_the_real_id() {
        let cases = [
            (
                "Claude Sonnet 4.5",
                "anthropic.claude-sonnet-4-5-20250929-v1:0",
            ),
            ("claude opus 4.6", "anthropic.claude-opus-4-6-v1"),
            (
                "anthropic.claude-opus-4-6-v1:0",
                "anthropic.claude-opus-4-6-v1",
            ),
            (
                "anthropic.claude-sonnet-4-5-20250929-v1",
                "anthropic.claude-sonnet-4-5-20250929-v1:0",
            ),
            (
                "anthropic.claude-sonnet-4-6:0",
                "anthropic.claude-sonnet-4-6",
            ),
            (
                "anthropic.claude-sonnet-4-5-20250101-v1:0",
                "anthropic.claude-sonnet-4-5-20250929-v1:0",
            ),
            (
                "anthropic.claude-sonnet-4-5-20250929-v2:0",
                "anthropic.claude-sonnet-4-5-20250929-v1:0",
            ),
            (
                "Anthropic.Claude-Haiku-4-5-20251001-V1:0",
                "anthropic.claude-haiku-4-5-20251001-v1:0",
            ),
            (
                "us.anthropic.claude-3-haiku-20240307-v1:0",
                "anthropic.claude-3-haiku-20240307-v1:0",
            ),
            ("claude-sonet-4-6", "anthropic.claude-sonnet-4-6"),
        ];
        for (given, want) in cases {
            assert_eq!(first(given), want, "{given}");
        }
    }

    #[test]
    fn nothing_is_suggested_for_what_no_model_resembles() {
        assert!(closest("gpt-4o", &catalog(), &[], 3).is_empty());
        assert!(closest("", &catalog(), &[], 3).is_empty());
    }

    #[test]
    fn a_suggestion_names_the_profiles_that_work_here() {
        let profile = ProfileInfo {
            id: "us.anthropic.claude-opus-4-6-v1".into(),
            arn: String::new(),
            kind: "SYSTEM_DEFINED".into(),
            model_arns: vec![
                "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-opus-4-6-v1".into(),
            ],
        };
        let found = closest("anthropic.claude-opus-4-6-v1:0", &catalog(), &[profile], 1);
        assert_eq!(
            found[0].describe(),
            "`anthropic.claude-opus-4-6-v1` (Claude Opus 4.6; only through a profile: `us.anthropic.claude-opus-4-6-v1`)"
        );
    }
}
