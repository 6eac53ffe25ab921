//! Bedrock's own account of whether this account may use the model, checked against the proof of
//! an actual invocation.

use super::model_support::{calls_finding_the_model, is_access_diagnosis, ModelCheck};
use crate::facts::models::Availability;
use crate::facts::FactError;
use crate::{dx, Category, CheckMeta, Facts, Report};

/// **Verifies:** that Bedrock grants this account the model: `bedrock:GetFoundationModelAvailability`
/// (agreement AVAILABLE, PENDING, NOT_AVAILABLE, ERROR with its message; authorization,
/// entitlement and region availability), settled by the shared invocation. Control-plane state is
/// not proof: all four fields have read AVAILABLE while invocations were refused
/// (anthropics/claude-code#51183); when the caller may not call the availability API, the
/// invocation is the only evidence, and the summary says so. An agreement accepted seconds ago can
/// still read PENDING.
/// **Calls:** `bedrock:GetFoundationModelAvailability` (free), plus the shared minimal invocation
/// unless `--no-invoke`.
/// **Skips when:** the availability cannot be read and there is no conclusive invocation (none with
/// `--no-invoke`, or an inconclusive one).
/// **Fails when:** the model is not available in the region (`region-unsupported`), the agreement is
/// in error, Bedrock does not grant the account the model (`model-access-denied`), or the control
/// plane reports access but the invocation was refused.
/// **Warns when:** the Marketplace subscription is being set up (`marketplace-subscription-pending`),
/// or there is no agreement yet and the first invocation would create one (`model-access-denied`).
pub struct ModelAccess;

impl ModelCheck for ModelAccess {
    const META: &'static CheckMeta = &CheckMeta {
        id: "model-access",
        title: "Model access",
        category: Category::ModelAccess,
        per_model: true,
        per_region: true,
        description:
            "Bedrock reports the model as available, authorized and entitled for this account.",
        calls: &calls_finding_the_model::<5>(&[
            "bedrock:GetFoundationModelAvailability",
            "bedrock:InvokeModel",
        ]),
    };

    async fn run_on(&self, facts: &Facts, id: String) -> Report {
        let (availability, invoke) =
            tokio::join!(facts.availability(&id), facts.invoke_if_allowed(&id));
        let invoke_failure = invoke
            .as_ref()
            .and_then(|o| o.result.as_ref().err())
            .filter(|e| is_access_diagnosis(e.diagnosis));
        let invoked_ok = invoke.as_ref().is_some_and(|o| o.result.is_ok());
        let report = match availability {
            Ok(a) => {
                let verdict = judge(&a);
                match invoke_failure {
                    // The invocation is the proof; it wins over a control plane that said yes.
                    Some(e) if verdict.status != crate::Status::Fail => Report::fail(
                        e.diagnosis,
                        format!("the control plane reports access, but the invocation was refused: {}", e.summary),
                    )
                    .evidence([a.evidence.clone(), e.evidence.clone()]),
                    _ if a.agreement == "NOT_AVAILABLE" && invoked_ok => Report::pass(
                        "no Marketplace agreement recorded yet, and the invocation succeeded: the first invocation creates it",
                    )
                    .evidence([a.evidence.clone()]),
                    _ => verdict,
                }
            }
            Err(FactError::Call(err))
                if matches!(err.diagnosis, dx::IAM_ACTION_DENIED | dx::SCP_EXPLICIT_DENY) =>
            {
                let denied = format!("GetFoundationModelAvailability denied ({})", err.diagnosis);
                match (&invoke, invoke_failure) {
                    (None, _) => Report::skip(format!(
                        "{denied}; without an invocation (--no-invoke) access is unproven"
                    )),
                    (Some(_), Some(e)) => Report::fail(
                        e.diagnosis,
                        format!("{denied}; the invocation was refused: {}", e.summary),
                    )
                    .evidence([err.evidence.clone(), e.evidence.clone()]),
                    (Some(o), None) if o.result.is_ok() => Report::pass(format!(
                        "{denied}; the invocation succeeded, which proves access"
                    ))
                    .evidence([err.evidence.clone()]),
                    (Some(_), None) => Report::skip(format!(
                        "{denied}; the invocation was inconclusive (see `invoke`)"
                    )),
                }
            }
            Err(err) => err.to_report(),
        };
        report.var("model_id", id)
    }
}

/// The verdict of the availability fields alone, worst first.
pub fn judge(a: &Availability) -> Report {
    let fields = format!(
        "agreement {}, authorization {}, entitlement {}, region {}",
        a.agreement, a.authorization, a.entitlement, a.region
    );
    let report = if a.region == "NOT_AVAILABLE" {
        Report::fail(
            dx::REGION_UNSUPPORTED,
            format!("the model is not available in this region ({fields})"),
        )
    } else if a.agreement == "ERROR" {
        let message = a.agreement_error.clone().unwrap_or_default();
        let code = crate::catalogue::classify(None, &message)
            .map(|c| c.diagnosis.code.as_str())
            .and_then(|c| dx::ALL.iter().copied().find(|k| *k == c))
            .unwrap_or(dx::MODEL_ACCESS_DENIED);
        Report::fail(
            code,
            format!("the Marketplace agreement is in error: {message} ({fields})"),
        )
    } else if a.authorization == "NOT_AUTHORIZED" || a.entitlement == "NOT_AVAILABLE" {
        Report::fail(
            dx::MODEL_ACCESS_DENIED,
            format!("Bedrock does not grant this account the model ({fields})"),
        )
    } else if a.agreement == "PENDING" {
        Report::warn(
            dx::MARKETPLACE_SUBSCRIPTION_PENDING,
            format!("the Marketplace subscription is being set up ({fields})"),
        )
    } else if a.agreement == "NOT_AVAILABLE" {
        Report::warn(
            dx::MODEL_ACCESS_DENIED,
            format!("no Marketplace agreement yet; the first invocation creates one if the caller may subscribe ({fields})"),
        )
    } else {
        Report::pass(format!(
            "{fields}; the invocation is the proof (see `invoke`)"
        ))
    };
    report.evidence([a.evidence.clone()])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::assert_verdict;
    use crate::{Evidence, Status};

    fn availability(
        agreement: &str,
        error: Option<&str>,
        auth: &str,
        ent: &str,
        region: &str,
    ) -> Availability {
        Availability {
            agreement: agreement.into(),
            agreement_error: error.map(str::to_string),
            authorization: auth.into(),
            entitlement: ent.into(),
            region: region.into(),
            evidence: Evidence::default(),
        }
    }

    #[test]
    fn maps_each_field_to_a_verdict() {
        let ok = judge(&availability(
            "AVAILABLE",
            None,
            "AUTHORIZED",
            "AVAILABLE",
            "AVAILABLE",
        ));
        assert_eq!(ok.status, Status::Pass);
        let pending = judge(&availability(
            "PENDING",
            None,
            "AUTHORIZED",
            "AVAILABLE",
            "AVAILABLE",
        ));
        assert_eq!(
            pending.diagnosis,
            Some(dx::MARKETPLACE_SUBSCRIPTION_PENDING)
        );
        let region = judge(&availability(
            "AVAILABLE",
            None,
            "AUTHORIZED",
            "AVAILABLE",
            "NOT_AVAILABLE",
        ));
        assert_verdict(&region, Status::Fail, dx::REGION_UNSUPPORTED);
        let denied = judge(&availability(
            "AVAILABLE",
            None,
            "NOT_AUTHORIZED",
            "AVAILABLE",
            "AVAILABLE",
        ));
        assert_verdict(&denied, Status::Fail, dx::MODEL_ACCESS_DENIED);
    }

    #[test]
    fn reads_the_agreement_error_message() {
        // Real text: a captured payload quoted in a third-party project's tests (single source;
        // no public thread quoting it was found).
        let payment = judge(&availability(
            "ERROR",
            Some("Model access is denied due to INVALID_PAYMENT_INSTRUMENT:A valid payment instrument must be provided.. Your AWS Marketplace subscription for this model cannot be completed at this time."),
            "AUTHORIZED",
            "AVAILABLE",
            "AVAILABLE",
        ));
        assert_verdict(&payment, Status::Fail, dx::PAYMENT_INSTRUMENT_INVALID);
    }
}
