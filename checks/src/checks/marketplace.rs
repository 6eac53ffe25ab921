//! Anthropic models on Bedrock are sold through AWS Marketplace: the account needs an agreement,
//! which the first invocation creates if the caller may subscribe.

use super::model_support::{calls_finding_the_model, is_marketplace_model, ModelCheck};
use crate::{dx, Category, CheckMeta, Facts, Report};

/// **Verifies:** that the account holds, or can create, the AWS Marketplace agreement behind the
/// model: the agreement (`GetFoundationModelAvailability`), the offers the account can accept
/// (`ListFoundationModelAgreementOffers`), whether the caller holds
/// `aws-marketplace:ViewSubscriptions` and `aws-marketplace:Subscribe` (IAM's simulator, when it
/// may be asked), and the shared invocation's verdict. AWS says a fix can take up to 15 minutes to
/// take effect; until then the old refusal may persist.
/// **Calls:** `bedrock:GetFoundationModelAvailability`, `bedrock:ListFoundationModelAgreementOffers`,
/// `iam:SimulatePrincipalPolicy` (all free), and the shared invocation unless `--no-invoke`.
/// **Skips when:** the model is not a Marketplace product, or nothing can be read or proven.
/// **Fails when:** the agreement is in error, the invocation was refused for a Marketplace reason,
/// or there is no agreement and the caller may not subscribe (`marketplace-permission-missing`,
/// `payment-instrument-invalid`).
/// **Warns when:** the subscription is pending (`marketplace-subscription-pending`), or the
/// invocation's refusal may still be the old state.
pub struct Marketplace;

const MARKETPLACE_ACTIONS: [&str; 2] = [
    "aws-marketplace:ViewSubscriptions",
    "aws-marketplace:Subscribe",
];

impl ModelCheck for Marketplace {
    const META: &'static CheckMeta = &CheckMeta {
        id: "marketplace",
        title: "Marketplace subscription",
        category: Category::Marketplace,
        per_model: true,
        per_region: true,
        description:
            "The AWS Marketplace agreement for the model is in place, or the caller may create it.",
        calls: &calls_finding_the_model::<8>(&[
            "bedrock:GetFoundationModelAvailability",
            "bedrock:ListFoundationModelAgreementOffers",
            "bedrock:InvokeModel",
            "iam:SimulatePrincipalPolicy",
            "sts:GetCallerIdentity",
        ]),
    };

    async fn run_on(&self, facts: &Facts, id: String) -> Report {
        if !is_marketplace_model(&id) {
            return Report::skip(format!("{id} is not sold through AWS Marketplace"));
        }
        let (availability, offers, invoke) = tokio::join!(
            facts.availability(&id),
            facts.agreement_offers(&id),
            facts.invoke_if_allowed(&id)
        );
        let mut evidence = Vec::new();
        if let Ok((_, e))
        | Err(crate::facts::FactError::Call(crate::calls::CallError { evidence: e, .. })) =
            &offers
        {
            evidence.push(e.clone());
        }
        let offer_note = match &offers {
            Ok((n, _)) => format!("{n} offer(s) available"),
            Err(_) => "offers not readable".to_string(),
        };

        // An invocation refused for a Marketplace reason is the strongest evidence there is.
        if let Some(err) = invoke.as_ref().and_then(|o| o.result.as_ref().err()) {
            if matches!(
                err.diagnosis,
                dx::MARKETPLACE_PERMISSION_MISSING
                    | dx::PAYMENT_INSTRUMENT_INVALID
                    | dx::MARKETPLACE_SUBSCRIPTION_PENDING
            ) {
                let status_report = if err.diagnosis == dx::MARKETPLACE_SUBSCRIPTION_PENDING {
                    Report::warn(
                        err.diagnosis,
                        format!("the invocation was refused: {}", err.summary),
                    )
                } else {
                    Report::fail(
                        err.diagnosis,
                        format!("the invocation was refused: {}", err.summary),
                    )
                };
                return status_report
                    .evidence([err.evidence.clone()])
                    .evidence(evidence);
            }
        }

        let agreement = match &availability {
            Ok(a) => {
                evidence.insert(0, a.evidence.clone());
                a.agreement.clone()
            }
            Err(_) => String::new(),
        };
        match agreement.as_str() {
            "AVAILABLE" => {
                Report::pass(format!("agreement in place ({offer_note})")).evidence(evidence)
            }
            "PENDING" => Report::warn(
                dx::MARKETPLACE_SUBSCRIPTION_PENDING,
                "the Marketplace subscription is pending; AWS says it can take up to 15 minutes",
            )
            .evidence(evidence),
            "ERROR" => {
                let message = availability
                    .as_ref()
                    .ok()
                    .and_then(|a| a.agreement_error.clone())
                    .unwrap_or_default();
                let payment = message.contains("INVALID_PAYMENT_INSTRUMENT");
                let code = if payment {
                    dx::PAYMENT_INSTRUMENT_INVALID
                } else {
                    dx::MARKETPLACE_PERMISSION_MISSING
                };
                Report::fail(
                    code,
                    format!("the Marketplace agreement is in error: {message}"),
                )
                .evidence(evidence)
            }
            _ => without_agreement(facts, &id, invoke.map(|o| o.result.is_ok()), &offer_note)
                .await
                .evidence(evidence),
        }
    }
}

/// No agreement yet (or none readable): fine if the caller may subscribe, since the first
/// invocation subscribes the account.
async fn without_agreement(
    facts: &Facts,
    id: &str,
    invoked_ok: Option<bool>,
    offer_note: &str,
) -> Report {
    if invoked_ok == Some(true) {
        return Report::pass(format!("the invocation succeeded, so the subscription is in place or being created ({offer_note})"));
    }
    match facts.simulation(id).await {
        Ok(sim) => {
            let denied: Vec<&str> =
                MARKETPLACE_ACTIONS.iter().copied().filter(|a| sim.decision(a).is_some_and(|d| d != "allowed")).collect();
            if denied.is_empty() {
                Report::pass(format!(
                    "no agreement yet; the caller may subscribe, so the first invocation creates it ({offer_note})"
                ))
                .evidence(sim.evidence)
            } else {
                Report::fail(
                    dx::MARKETPLACE_PERMISSION_MISSING,
                    format!("no agreement yet, and the caller lacks {}: the first invocation cannot subscribe", denied.join(", ")),
                )
                .var("action", denied[0])
                .evidence(sim.evidence)
            }
        }
        Err(_) => Report::skip(format!(
            "no agreement recorded, and neither IAM's simulator nor an invocation could tell whether the caller may subscribe ({offer_note})"
        )),
    }
}
