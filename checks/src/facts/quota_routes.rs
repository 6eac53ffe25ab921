//! Which Service Quotas route a model's calls count against: on demand, a geographic cross-Region
//! profile, or a `global.` profile. The quotas of each route are separate
//! (https://docs.aws.amazon.com/bedrock/latest/userguide/quotas.html), so the route decides which
//! applied values matter.

use super::models::{split_profile_id, ModelInfo, ModelSource};
use super::quotas::Route;
use super::Facts;

/// The route a model's calls take, and how that was decided (for a summary: `through us.…`,
/// `called by its base id`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotaRoute {
    pub route: Route,
    pub via: String,
}

/// What the catalog says of the model: GetFoundationModel, else the shared model list.
pub async fn catalog_info(facts: &Facts, id: &str) -> Option<ModelInfo> {
    match facts.model_details(id).await {
        Ok((info, _)) => Some(info),
        Err(_) => facts
            .anthropic_models()
            .await
            .ok()?
            .models
            .into_iter()
            .find(|m| m.model_id == id),
    }
}

/// The route of a profile id's prefix: `global.` has its own quotas, every geographic prefix the
/// cross-Region ones.
fn route_of_prefix(prefix: &str) -> Route {
    if prefix == "global" {
        Route::Global
    } else {
        Route::CrossRegion
    }
}

/// The route of `id`'s calls. A profile given with `--model` or `--inference-profile` decides it;
/// otherwise a model the catalog lists as invocable only through an inference profile counts
/// against the quotas of the profile `invoke` uses (the geographic one when listed, else
/// `global.`), and any other model against the on-demand ones. `None` when that depends on the
/// catalog entry and there is none (`info`).
pub async fn route_of(facts: &Facts, id: &str, info: Option<&ModelInfo>) -> Option<QuotaRoute> {
    let through = |profile: &str| {
        let prefix = split_profile_id(profile).map(|(p, _)| p).unwrap_or("");
        QuotaRoute {
            route: route_of_prefix(prefix),
            via: format!("through {profile}"),
        }
    };
    if let Ok(target) = facts.target_model().await {
        if let ModelSource::FlagProfile { profile_id } = target.source {
            return Some(through(&profile_id));
        }
    }
    let named = facts.settings().inference_profile.as_deref();
    if let Some(profile) = named.filter(|p| split_profile_id(p).is_some_and(|(_, m)| m == id)) {
        return Some(through(profile));
    }
    if !info?.profile_only() {
        return Some(QuotaRoute {
            route: Route::OnDemand,
            via: "called by its base id".into(),
        });
    }
    Some(match facts.profile_for(id).await {
        Some(profile) => through(&profile),
        // The profile list could not be read, or lists none here: the geographic profile is what
        // the setup guide and `invoke` use first.
        None => QuotaRoute {
            route: Route::CrossRegion,
            via: "through a cross-Region inference profile (none listed here could be read)".into(),
        },
    })
}
