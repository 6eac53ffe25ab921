//! An Organization's service control policies can deny what IAM allows, often only in some regions.
//! Two strategies, tried in this order: the denials this run's calls met ([`observed`]), else the
//! Organization's SCPs evaluated for every request this setup makes ([`analysed`]).

mod analysed;
mod observed;

use super::model_support::{calls_finding_the_model, model_or_skip};
use crate::check::Verify;
use crate::facts::FactError;
use crate::{Category, CheckMeta, Facts, Report};

/// **Verifies:** that no service control policy of the Organization denies what this setup needs:
/// the direct model in this region, each profile's destination regions (with
/// `bedrock:InferenceProfileArn`), a global profile's region-less ARN with
/// `aws:RequestedRegion = unspecified`, streaming, and the Marketplace actions, each judged with
/// the caller's `aws:PrincipalArn` (the role's ARN with its path; for a refused IAM Identity Center
/// role, its documented path, said to be inferred). SCPs never apply to the management account's
/// own principals.
/// **Calls:** nothing of its own for the denials observed: it reads the AccessDenied errors of this
/// run's calls (the invocations, the streaming call, the inference-profile probes). To analyse
/// (management account or delegated administrator): `organizations:DescribeOrganization`,
/// `ListParents` and `ListPoliciesForTarget` per level from the account to the root,
/// `DescribePolicy` once per distinct policy, `iam:GetRole`; all free.
/// **Skips when:** the caller is unknown (`identity` failed), the Organization or its SCPs cannot
/// be read, there is no model to evaluate them for, or some request cannot be decided (a
/// condition it cannot evaluate, an unreadable policy, an unknown role path): with neither path
/// seeing an SCP, it skips rather than passes.
/// **Fails when:** an SCP denied one of this run's calls, or the analysed SCPs deny a planned
/// request (an explicit Deny statement, or a level of the hierarchy without an Allow), naming the
/// policy and the statement.
/// **Warns when:** never.
pub struct Scp;

impl Verify for Scp {
    const META: &'static CheckMeta = &CheckMeta {
        id: "scp",
        title: "Service control policies",
        category: Category::Scp,
        per_model: false,
        per_region: true,
        description: "No service control policy of the Organization denies what this setup needs.",
        calls: &calls_finding_the_model::<12>(&[
            "organizations:DescribeOrganization",
            "organizations:ListParents",
            "organizations:ListPoliciesForTarget",
            "organizations:DescribePolicy",
            "sts:GetCallerIdentity",
            "iam:GetRole",
            "bedrock:GetInferenceProfile",
            "bedrock:InvokeModel",
            "bedrock:InvokeModelWithResponseStream",
        ]),
    };

    async fn verify(&self, facts: &Facts) -> Report {
        // DescribeOrganization needs only the credentials: asked alongside GetCallerIdentity, the
        // climb to the root is not one round trip later.
        let (identity, _) = tokio::join!(facts.caller_identity(), facts.membership());
        let identity = match identity {
            Ok(identity) => identity,
            Err(FactError::Call(e)) => {
                return Report::skip(format!("needs `identity` to pass first ({})", e.diagnosis))
            }
            Err(err) => return err.to_report(),
        };
        let observed = async {
            match model_or_skip(facts).await {
                Ok(id) => observed::denies(facts, &id).await,
                Err(_) => Vec::new(),
            }
        };
        // The analysis needs none of the invocations the observed denies wait for, nor the model
        // until it plans the requests: it reads the Organization from the moment the account id is
        // known, alongside them, so the SCP walk is not a chain of round trips after theirs. A deny
        // observed meanwhile still decides the verdict (the analysis is then unused: its calls are
        // free reads).
        let (observed, analysed) =
            tokio::join!(observed, analysed::report(facts, &identity.account_id));
        if !observed.is_empty() {
            return observed::report(&observed);
        }
        analysed
    }
}
