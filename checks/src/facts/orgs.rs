//! The Organization around the account, and the SCPs on the path from its root to the account.
//! Reading them needs the management account or a delegated administrator
//! (https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListRoots.html).

use super::{FactError, Facts};
use crate::calls::{request_id, CallSite};
use crate::policy::{AttachedPolicy, Level, Policy};
use crate::Evidence;
use aws_sdk_organizations::types::PolicyType;

/// What DescribeOrganization says.
#[derive(Debug, Clone)]
pub enum Membership {
    /// `AWSOrganizationsNotInUseException`: no Organization, so no SCP applies.
    NotInOrganization,
    Member {
        organization_id: String,
        management_account_id: String,
    },
}

/// The SCP path of the account, root first, with the evidence of the calls that read it.
#[derive(Debug, Clone)]
pub struct ScpPath {
    pub levels: Vec<Level>,
    pub evidence: Vec<Evidence>,
    /// Policies that could not be parsed, by id, with the reason: they make results unknown.
    pub unreadable: Vec<(String, String)>,
}

impl Facts {
    /// The region of the Organizations client (the first region's in a sweep): Organizations is
    /// one global service, read once per run whichever region asks.
    fn organizations_region(&self) -> Option<&str> {
        self.organizations.config().region().map(|r| r.as_ref())
    }

    pub async fn membership(&self) -> Result<(Membership, Evidence), FactError> {
        self.shared
            .membership
            .get_or_init(|| self.load_membership())
            .await
            .clone()
    }

    async fn load_membership(&self) -> Result<(Membership, Evidence), FactError> {
        self.sigv4_ready("organizations DescribeOrganization")
            .await?;
        let site = CallSite {
            service: "organizations",
            operation: "DescribeOrganization",
            region: self.organizations_region(),
        };
        let observed = self
            .call(
                site,
                |rec| {
                    self.organizations
                        .describe_organization()
                        .customize()
                        .interceptor(rec)
                        .send()
                },
                request_id,
            )
            .await;
        let evidence = observed.evidence;
        match observed.result {
            Ok(o) => {
                let org = o.organization();
                Ok((
                    Membership::Member {
                        organization_id: org.and_then(|o| o.id()).unwrap_or_default().to_string(),
                        management_account_id: org
                            .and_then(|o| o.master_account_id())
                            .unwrap_or_default()
                            .to_string(),
                    },
                    evidence,
                ))
            }
            Err(e)
                if e.evidence.error_code.as_deref()
                    == Some("AWSOrganizationsNotInUseException") =>
            {
                Ok((Membership::NotInOrganization, evidence))
            }
            Err(e) => Err(FactError::Call(e)),
        }
    }

    /// Walks `ListParents` from the account to the root, then reads the SCPs attached at each level.
    pub async fn scp_path(&self, account_id: &str) -> Result<ScpPath, FactError> {
        self.shared
            .scp_path
            .get_or_init(account_id, || self.load_scp_path(account_id))
            .await
    }

    async fn load_scp_path(&self, account_id: &str) -> Result<ScpPath, FactError> {
        let mut evidence = Vec::new();
        let mut chain = vec![account_id.to_string()];
        // An account has exactly one parent; OUs nest at most five deep. The bound stops a
        // misbehaving endpoint from looping.
        for _ in 0..8 {
            let child = chain.last().cloned().unwrap_or_default();
            let site = CallSite {
                service: "organizations",
                operation: "ListParents",
                region: self.organizations_region(),
            };
            let observed = self
                .call(
                    site,
                    |rec| {
                        self.organizations
                            .list_parents()
                            .child_id(&child)
                            .customize()
                            .interceptor(rec)
                            .send()
                    },
                    request_id,
                )
                .await;
            evidence.push(observed.evidence);
            let output = observed.result.map_err(FactError::Call)?;
            let Some(parent) = output.parents().first() else {
                break;
            };
            let id = parent.id().unwrap_or_default().to_string();
            let is_root = id.starts_with("r-");
            chain.push(id);
            if is_root {
                break;
            }
        }
        chain.reverse();
        let mut levels = Vec::new();
        let mut unreadable = Vec::new();
        for target in chain {
            let mut policies = Vec::new();
            let mut token: Option<String> = None;
            for _ in 0..20 {
                let site = CallSite {
                    service: "organizations",
                    operation: "ListPoliciesForTarget",
                    region: self.organizations_region(),
                };
                let request = self
                    .organizations
                    .list_policies_for_target()
                    .target_id(&target)
                    .filter(PolicyType::ServiceControlPolicy)
                    .set_next_token(token.clone());
                let observed = self
                    .call(
                        site,
                        |rec| request.customize().interceptor(rec).send(),
                        request_id,
                    )
                    .await;
                evidence.push(observed.evidence);
                let output = observed.result.map_err(FactError::Call)?;
                for summary in output.policies() {
                    let id = summary.id().unwrap_or_default().to_string();
                    let name = summary.name().unwrap_or_default().to_string();
                    let (content, e) = self.policy_content(&id).await?;
                    evidence.push(e);
                    match Policy::parse(&content) {
                        Ok(policy) => policies.push(AttachedPolicy { id, name, policy }),
                        Err(err) => unreadable.push((id, err.to_string())),
                    }
                }
                // Organizations may return an empty page with a token (its docs say so): follow it.
                token = output
                    .next_token()
                    .filter(|t| !t.is_empty())
                    .map(str::to_string);
                if token.is_none() {
                    break;
                }
            }
            levels.push(Level {
                target_id: target,
                policies,
            });
        }
        Ok(ScpPath {
            levels,
            evidence,
            unreadable,
        })
    }

    async fn policy_content(&self, policy_id: &str) -> Result<(String, Evidence), FactError> {
        let site = CallSite {
            service: "organizations",
            operation: "DescribePolicy",
            region: self.organizations_region(),
        };
        let observed = self
            .call(
                site,
                |rec| {
                    self.organizations
                        .describe_policy()
                        .policy_id(policy_id)
                        .customize()
                        .interceptor(rec)
                        .send()
                },
                request_id,
            )
            .await;
        let evidence = observed.evidence;
        let output = observed.result.map_err(FactError::Call)?;
        let content = output
            .policy()
            .and_then(|p| p.content())
            .unwrap_or_default()
            .to_string();
        Ok((content, evidence))
    }
}
