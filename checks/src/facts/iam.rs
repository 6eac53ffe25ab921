//! What IAM's policy simulator says of the actions the setup guide's Step 2 policy grants.

use super::{FactError, Facts};
use crate::calls::{CallError, CallSite};
use crate::{dx, Evidence, Status};
use aws_sdk_iam::operation::RequestId;

/// The actions of the guide's Step 2 policy; each with the resource it must be allowed on.
pub fn guide_actions(region: &str, model_id: &str) -> Vec<(&'static str, String)> {
    let model_arn = format!("arn:aws:bedrock:{region}::foundation-model/{model_id}");
    vec![
        ("bedrock:InvokeModel", model_arn.clone()),
        ("bedrock:InvokeModelWithResponseStream", model_arn),
        ("bedrock:ListFoundationModels", "*".into()),
        ("bedrock:ListInferenceProfiles", "*".into()),
        ("aws-marketplace:ViewSubscriptions", "*".into()),
        ("aws-marketplace:Subscribe", "*".into()),
    ]
}

/// One decision per action: `allowed`, `implicitDeny` or `explicitDeny`.
#[derive(Debug, Clone)]
pub struct Simulation {
    pub policy_source_arn: String,
    pub decisions: Vec<(String, String)>,
    pub evidence: Vec<Evidence>,
}

impl Simulation {
    pub fn decision(&self, action: &str) -> Option<&str> {
        self.decisions
            .iter()
            .find(|(a, _)| a == action)
            .map(|(_, d)| d.as_str())
    }
}

/// The IAM principal whose policies apply: an assumed-role session's ARN names the role without its
/// path (facts §2.1), so it is rebuilt as `arn:aws:iam::ACCOUNT:role/ROLE`.
pub fn policy_source_arn(caller_arn: &str) -> Option<String> {
    let mut fields = caller_arn.splitn(6, ':');
    let (partition, account, resource) = (fields.nth(1)?, fields.nth(2)?, fields.next()?);
    let mut parts = resource.split('/');
    match parts.next()? {
        "user" => Some(caller_arn.to_string()),
        "assumed-role" => Some(format!(
            "arn:{partition}:iam::{account}:role/{}",
            parts.next()?
        )),
        _ => None,
    }
}

impl Facts {
    /// `iam:SimulatePrincipalPolicy` for the guide's actions, with `aws:RequestedRegion` set so
    /// region conditions evaluate as they would for real calls.
    pub async fn simulation(&self, model_id: &str) -> Result<Simulation, FactError> {
        self.memos
            .simulation
            .get_or_init(model_id, || self.load_simulation(model_id))
            .await
    }

    async fn load_simulation(&self, model_id: &str) -> Result<Simulation, FactError> {
        if let Some(key) = self.key_in_use() {
            // The simulator would evaluate the signing caller, while Bedrock authorizes the
            // principal behind the key (a long-term key's own IAM user, say).
            return Err(FactError::Unavailable(format!(
                "Bedrock calls use the API key from {}, whose principal the simulator is not asked about",
                key.variable
            )));
        }
        let identity = self.caller_identity().await.map_err(|e| match e {
            FactError::Needs { .. } | FactError::Unavailable(_) => e,
            FactError::Call(err) => FactError::Needs {
                check: "identity",
                reason: err.diagnosis.to_string(),
            },
        })?;
        let region = self.region().unwrap_or("us-east-1").to_string();
        let Some(source) = policy_source_arn(&identity.arn) else {
            return Err(FactError::Call(CallError {
                status: Status::Skip,
                diagnosis: dx::UNKNOWN,
                summary: format!("IAM cannot simulate the policies of {}", identity.arn),
                evidence: Evidence::default(),
            }));
        };
        let actions = guide_actions(&region, model_id);
        let mut decisions = Vec::new();
        let mut evidence = Vec::new();
        // One call per resource: a statement scoped to model ARNs does not match a `*` resource.
        let mut by_resource: Vec<(String, Vec<&str>)> = Vec::new();
        for (action, resource) in &actions {
            match by_resource.iter_mut().find(|(r, _)| r == resource) {
                Some((_, list)) => list.push(action),
                None => by_resource.push((resource.clone(), vec![action])),
            }
        }
        for (resource, names) in by_resource {
            let site = CallSite {
                service: "iam",
                operation: "SimulatePrincipalPolicy",
                region: Some(&region),
            };
            let mut request = self
                .iam
                .simulate_principal_policy()
                .policy_source_arn(&source)
                .resource_arns(&resource)
                .context_entries(
                    aws_sdk_iam::types::ContextEntry::builder()
                        .context_key_name("aws:RequestedRegion")
                        .context_key_type(aws_sdk_iam::types::ContextKeyTypeEnum::String)
                        .context_key_values(&region)
                        .build(),
                );
            for name in &names {
                request = request.action_names(*name);
            }
            let observed = self
                .call(
                    site,
                    |rec| request.customize().interceptor(rec).send(),
                    |o| o.request_id().map(str::to_string),
                )
                .await;
            evidence.push(observed.evidence.clone());
            let output = observed.result.map_err(FactError::Call)?;
            for result in output.evaluation_results() {
                decisions.push((
                    result.eval_action_name().to_string(),
                    result.eval_decision().as_str().to_string(),
                ));
            }
        }
        Ok(Simulation {
            policy_source_arn: source,
            decisions,
            evidence,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rebuilds_the_role_arn_of_a_session() {
        assert_eq!(
            policy_source_arn("arn:aws:sts::123456789012:assumed-role/BedrockUsers/alice")
                .as_deref(),
            Some("arn:aws:iam::123456789012:role/BedrockUsers")
        );
        assert_eq!(
            policy_source_arn("arn:aws:iam::123456789012:user/compiler-bedrock").as_deref(),
            Some("arn:aws:iam::123456789012:user/compiler-bedrock")
        );
        assert_eq!(policy_source_arn("arn:aws:iam::123456789012:root"), None);
    }
}
