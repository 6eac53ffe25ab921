//! What bedrock-doctor knows: the checks, the facts they share, and the diagnosis catalogue.
//!
//! No terminal, no argument parsing, no process exit here; the binary in `src/` owns those.

pub mod access_denied;
pub mod calls;
pub mod catalogue;
mod check;
pub mod checks;
pub mod facts;
#[cfg(any(test, feature = "fuzz-support"))]
#[doc(hidden)]
pub mod fuzz_support;
#[cfg(test)]
mod fuzz_tests;
pub mod limits;
pub mod policy;
pub mod regions;
mod report;
pub mod timefmt;

pub use catalogue::dx;
pub use check::{Category, Check, CheckMeta};
pub use facts::{Facts, Settings};
pub use report::{Evidence, Report, Status};

/// Every check, in display order (the order of `list` and of the report). Public contract: ids are
/// stable forever.
pub fn registry() -> &'static [&'static dyn Check] {
    REGISTRY
}

static REGISTRY: &[&dyn Check] = {
    use checks::*;
    &[
        &credentials::Credentials,
        &identity::Identity,
        &clock::Clock,
        &region::Region,
        &endpoint::Endpoint,
        &iam_permissions::IamPermissions,
        &model_catalog::ModelCatalog,
        &model_access::ModelAccess,
        &use_case::UseCase,
        &marketplace::Marketplace,
        &invoke::Invoke,
        &inference_profile::InferenceProfile,
        &scp::Scp,
        &prompt_caching::PromptCaching,
        &quotas::Quotas,
    ]
};

/// The check with this id, if any.
pub fn find(id: &str) -> Option<&'static dyn Check> {
    registry().iter().copied().find(|c| c.meta().id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_order_is_the_contract() {
        let ids: Vec<&str> = registry().iter().map(|c| c.meta().id).collect();
        assert_eq!(
            ids,
            [
                "credentials",
                "identity",
                "clock",
                "region",
                "endpoint",
                "iam-permissions",
                "model-catalog",
                "model-access",
                "use-case",
                "marketplace",
                "invoke",
                "inference-profile",
                "scp",
                "prompt-caching",
                "quotas"
            ]
        );
    }

    #[test]
    fn only_the_account_wide_checks_run_once_in_a_sweep() {
        let once: Vec<&str> = registry()
            .iter()
            .map(|c| c.meta())
            .filter(|m| !m.per_region)
            .map(|m| m.id)
            .collect();
        assert_eq!(
            once,
            ["credentials", "identity", "clock", "iam-permissions"]
        );
        // Every per-model check depends on the region: models are offered per region.
        assert!(registry()
            .iter()
            .map(|c| c.meta())
            .all(|m| m.per_region || !m.per_model));
    }
}
