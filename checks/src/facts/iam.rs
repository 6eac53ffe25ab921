//! What IAM's policy simulator says of the actions the setup guide's Step 2 policy grants.

use super::{FactError, Facts};
use crate::calls::{CallError, CallSite};
use crate::{dx, Evidence, Status};

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

/// How the ARN that policies see as `aws:PrincipalArn` was learned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrincipalSource {
    /// GetCallerIdentity names it in full: an IAM user (path included) or the root.
    Caller,
    /// `iam:GetRole` read the role's ARN, path included.
    GetRole,
    /// `iam:GetRole` was refused; the role is an IAM Identity Center role (`AWSReservedSSO_*`),
    /// whose path follows a documented convention (see [`sso_role_arns`]).
    SsoConvention,
    /// `iam:GetRole` was refused and the role's path is unknown: the ARN has no path.
    PathUnknown,
}

/// The caller as policies see it: `aws:PrincipalArn` of an assumed-role session is the role's
/// ARN with its path (`role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_…`, `role/ops/…`), which
/// the session ARN (`assumed-role/NAME/SESSION`) does not show
/// (https://github.com/hashicorp/terraform-provider-aws/issues/19957; IAM User Guide,
/// `reference_policies_condition-keys.html#condition-keys-principalarn`).
#[derive(Debug, Clone)]
pub struct Principal {
    /// The most likely ARN, and the one `iam:SimulatePrincipalPolicy` is asked about.
    pub arn: String,
    /// Every ARN the principal may have: one when it is known exactly; both forms of the
    /// Identity Center path when it was inferred.
    pub candidates: Vec<String>,
    pub source: PrincipalSource,
    /// The `iam:GetRole` call, when one was made.
    pub evidence: Option<Evidence>,
    /// Why `iam:GetRole` did not answer (its error code), when it did not.
    pub refusal: Option<String>,
}

impl Principal {
    /// Whether `arn` is the principal's ARN as AWS evaluates it (read, not inferred).
    pub fn exact(&self) -> bool {
        matches!(
            self.source,
            PrincipalSource::Caller | PrincipalSource::GetRole
        )
    }

    /// How the ARN was learned, for a summary: empty when it was read.
    pub fn caveat(&self) -> String {
        let refusal = self.refusal.as_deref().unwrap_or("refused");
        match self.source {
            PrincipalSource::Caller | PrincipalSource::GetRole => String::new(),
            PrincipalSource::SsoConvention => format!(
                "the role's path was inferred (iam:GetRole: {refusal}) from IAM Identity Center's convention: {}",
                self.candidates.join(" or ")
            ),
            PrincipalSource::PathUnknown => format!(
                "the role's path is unknown (iam:GetRole: {refusal}); {} was assumed",
                self.arn
            ),
        }
    }
}

/// The role name of an assumed-role session ARN (`arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION`),
/// with the ARN's partition and account.
fn assumed_role(caller_arn: &str) -> Option<(&str, &str, &str)> {
    let mut fields = caller_arn.splitn(6, ':');
    let (partition, account, resource) = (fields.nth(1)?, fields.nth(2)?, fields.next()?);
    let name = resource.strip_prefix("assumed-role/")?.split('/').next()?;
    Some((partition, account, name))
}

/// The two ARNs an IAM Identity Center role may have: permission-set roles live under
/// `/aws-reserved/sso.amazonaws.com/`, with the Identity Center instance's Region added after
/// `sso.amazonaws.com/` when that Region is not us-east-1
/// (https://aws.amazon.com/blogs/containers/a-quick-path-to-amazon-eks-single-sign-on-using-aws-sso/).
/// The instance's Region is not visible to the caller; `region` stands in for it.
pub fn sso_role_arns(partition: &str, account: &str, name: &str, region: &str) -> Vec<String> {
    let base = format!("arn:{partition}:iam::{account}:role/aws-reserved/sso.amazonaws.com");
    let mut arns = vec![format!("{base}/{name}")];
    if region != "us-east-1" {
        arns.push(format!("{base}/{region}/{name}"));
    }
    arns
}

/// The IAM principal whose policies apply, when no better ARN is known: an assumed-role session's
/// ARN names the role without its path
/// (https://github.com/hashicorp/terraform-provider-aws/issues/19957), so it is rebuilt as
/// `arn:aws:iam::ACCOUNT:role/ROLE`. [`Facts::principal`] reads the path.
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
    /// The caller as policies see it (see [`Principal`]): `iam:GetRole` once per run for an
    /// assumed role, shared by `scp` and `iam-permissions`.
    pub async fn principal(&self) -> Result<Principal, FactError> {
        let ask = || async {
            let identity = self.caller_identity().await?;
            let Some((partition, account, name)) = assumed_role(&identity.arn) else {
                return Ok(Principal {
                    arn: identity.arn.clone(),
                    candidates: vec![identity.arn.clone()],
                    source: PrincipalSource::Caller,
                    evidence: None,
                    refusal: None,
                });
            };
            let region = self.iam.config().region().map(|r| r.as_ref());
            let request = self.iam.get_role().role_name(name);
            let fetched = self
                .fetch(CallSite::new("iam", "GetRole", region), |rec| {
                    request.customize().interceptor(rec).send()
                })
                .await;
            let (evidence, refusal) = match fetched {
                Ok((output, evidence)) => {
                    if let Some(arn) = output.role().map(|r| r.arn().to_string()) {
                        return Ok(Principal {
                            candidates: vec![arn.clone()],
                            arn,
                            source: PrincipalSource::GetRole,
                            evidence: Some(evidence),
                            refusal: None,
                        });
                    }
                    (evidence, "answered without a role".to_string())
                }
                Err(e) => {
                    let code = e.evidence.error_code.clone();
                    (e.evidence, code.unwrap_or_else(|| e.diagnosis.to_string()))
                }
            };
            let evidence = Some(evidence);
            let (candidates, source) = if name.starts_with("AWSReservedSSO_") {
                let region = self.region().unwrap_or("us-east-1");
                (
                    sso_role_arns(partition, account, name, region),
                    PrincipalSource::SsoConvention,
                )
            } else {
                (
                    vec![format!("arn:{partition}:iam::{account}:role/{name}")],
                    PrincipalSource::PathUnknown,
                )
            };
            Ok(Principal {
                arn: candidates[0].clone(),
                candidates,
                source,
                evidence,
                refusal: Some(refusal),
            })
        };
        self.shared.principal.get_or_init(ask).await.clone()
    }

    /// `iam:SimulatePrincipalPolicy` for the guide's actions, with `aws:RequestedRegion` set so
    /// region conditions evaluate as they would for real calls.
    pub async fn simulation(&self, model_id: &str) -> Result<Simulation, FactError> {
        let ask = || async {
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
                    fact: super::Prerequisite::CallerIdentity,
                    reason: err.diagnosis.to_string(),
                },
            })?;
            let region = self.region().unwrap_or("us-east-1").to_string();
            // The simulator finds a role only by its ARN with the path (a path-less ARN is
            // NoSuchEntity): the role as GetRole read it, or as Identity Center names it.
            let role = self.principal().await.ok().filter(|p| {
                matches!(
                    p.source,
                    PrincipalSource::GetRole | PrincipalSource::SsoConvention
                )
            });
            let Some(source) = role
                .map(|p| p.arn)
                .or_else(|| policy_source_arn(&identity.arn))
            else {
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
                let site = CallSite::new("iam", "SimulatePrincipalPolicy", Some(&region));
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
                let (output, page_evidence) = self
                    .fetch(site, |rec| request.customize().interceptor(rec).send())
                    .await?;
                evidence.push(page_evidence);
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
        };
        self.memos.simulation.get_or_init(model_id, ask).await
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
