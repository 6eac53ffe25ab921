//! The contract between the runner and a check.

use crate::facts::{FactError, Prerequisite};
use crate::{Facts, Report};
use futures::future::BoxFuture;
use serde::Serialize;
use std::future::Future;

/// Which part of the setup a check or a diagnosis is about. The names are part of the JSON contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    Credentials,
    Identity,
    Clock,
    Region,
    Network,
    IamPermission,
    ModelAccess,
    UseCaseForm,
    Marketplace,
    ModelId,
    InferenceProfileRequired,
    InferenceProfile,
    Scp,
    PromptCaching,
    QuotaThrottling,
    ModelLifecycle,
    RequestFormat,
    /// `bedrock-doctor org`: entering the accounts of an Organization.
    Organization,
    Other,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Credentials => "credentials",
            Category::Identity => "identity",
            Category::Clock => "clock",
            Category::Region => "region",
            Category::Network => "network",
            Category::IamPermission => "iam-permission",
            Category::ModelAccess => "model-access",
            Category::UseCaseForm => "use-case-form",
            Category::Marketplace => "marketplace",
            Category::ModelId => "model-id",
            Category::InferenceProfileRequired => "inference-profile-required",
            Category::InferenceProfile => "inference-profile",
            Category::Scp => "scp",
            Category::PromptCaching => "prompt-caching",
            Category::QuotaThrottling => "quota-throttling",
            Category::ModelLifecycle => "model-lifecycle",
            Category::RequestFormat => "request-format",
            Category::Organization => "organization",
            Category::Other => "other",
        }
    }
}

/// What `list` prints and what the report repeats for every check.
#[derive(Debug)]
pub struct CheckMeta {
    /// Public contract: stable forever.
    pub id: &'static str,
    pub title: &'static str,
    pub category: Category,
    /// Runs once per model under test (`--model a,b`), rather than once per account.
    pub per_model: bool,
    /// Depends on the region: a `--regions` sweep runs it once in each region (and per model when
    /// `per_model`). Account-wide checks (`false`) run once, in the first region.
    pub per_region: bool,
    /// What the check verifies, in one sentence.
    pub description: &'static str,
    /// The IAM actions of every AWS call it may make, its shared facts' included; empty when it
    /// calls none. `bedrock-doctor policy` is generated from these.
    pub calls: &'static [&'static str],
}

pub trait Check: Send + Sync {
    fn meta(&self) -> &'static CheckMeta;

    /// Runs the check. Never panics on purpose and never prints: problems found are a `Report`.
    fn run<'a>(&'a self, facts: &'a Facts) -> BoxFuture<'a, Report>;
}

/// A check as its file writes it: its metadata beside an `async fn`. Every `Verify` is a [`Check`],
/// the object-safe form the registry and the runner hold.
pub trait Verify: Send + Sync {
    const META: &'static CheckMeta;

    /// What [`Check::run`] runs.
    fn verify(&self, facts: &Facts) -> impl Future<Output = Report> + Send;
}

impl<T: Verify> Check for T {
    fn meta(&self) -> &'static CheckMeta {
        T::META
    }

    fn run<'a>(&'a self, facts: &'a Facts) -> BoxFuture<'a, Report> {
        Box::pin(self.verify(facts))
    }
}

impl Prerequisite {
    /// The check whose subject this prerequisite is: the one a skipped check names to fix first.
    pub fn check_id(self) -> &'static str {
        match self {
            Prerequisite::Credentials => "credentials",
            Prerequisite::CallerIdentity => "identity",
        }
    }
}

impl FactError {
    /// The report of a check that needed this fact: a skip naming the check to fix first, or the
    /// call's own failure.
    pub fn to_report(&self) -> Report {
        match self {
            FactError::Needs { fact, reason } => Report::skip(format!(
                "needs `{}` to pass first ({reason})",
                fact.check_id()
            )),
            FactError::Call(err) => err.to_report(),
            FactError::Unavailable(reason) => Report::skip(reason.clone()),
        }
    }
}
