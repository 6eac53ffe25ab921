//! Checks whose ids and titles are fixed but whose logic has not landed yet. Each reports `skip`, so
//! the report's shape is final today and nothing reads as a pass that was never checked.

use crate::{Category, Check, CheckMeta, Facts, Report};
use futures::future::BoxFuture;

pub struct Pending(&'static CheckMeta);

impl Check for Pending {
    fn meta(&self) -> &'static CheckMeta {
        self.0
    }

    fn run<'a>(&'a self, _facts: &'a Facts) -> BoxFuture<'a, Report> {
        Box::pin(async { Report::skip("not implemented yet") })
    }
}

macro_rules! pending {
    ($name:ident, $id:literal, $title:literal, $category:ident, $description:literal) => {
        pub static $name: Pending = Pending(&CheckMeta {
            id: $id,
            title: $title,
            category: Category::$category,
            description: $description,
            calls: &[],
        });
    };
}

pending!(
    IAM_PERMISSIONS,
    "iam-permissions",
    "IAM permissions",
    IamPermission,
    "The caller holds every action of the setup guide's Step 2 policy on the right resources."
);
pending!(
    MODEL_CATALOG,
    "model-catalog",
    "Model catalog",
    ModelId,
    "The model exists in the region; its lifecycle, inference types and streaming support."
);
pending!(
    MODEL_ACCESS,
    "model-access",
    "Model access",
    ModelAccess,
    "Bedrock reports the model as available, authorized and entitled for this account."
);
pending!(
    USE_CASE,
    "use-case",
    "Anthropic use-case form",
    UseCaseForm,
    "The Anthropic use-case form was submitted for the account."
);
pending!(
    MARKETPLACE,
    "marketplace",
    "Marketplace subscription",
    Marketplace,
    "The AWS Marketplace agreement for the model is in place, or the caller may create it."
);
pending!(
    INVOKE,
    "invoke",
    "Model invocation",
    ModelAccess,
    "One minimal InvokeModel and one minimal streaming call succeed with the base model id."
);
pending!(INFERENCE_PROFILE, "inference-profile", "Inference profiles", InferenceProfile,
    "Cross-region inference profiles containing the model are reachable in every destination region.");
pending!(
    SCP,
    "scp",
    "Service control policies",
    Scp,
    "No service control policy of the Organization denies what this setup needs."
);
pending!(
    PROMPT_CACHING,
    "prompt-caching",
    "Prompt caching",
    PromptCaching,
    "Prompt caching works for the model in this region."
);
