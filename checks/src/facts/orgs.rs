//! The Organization around the account, and the SCPs on the path from its root to the account.
//! Reading them needs the management account or a delegated administrator
//! (https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListRoots.html).

use super::{FactError, Facts};
use crate::calls::CallSite;
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

/// The AWS-managed SCP attached to every root, OU and account when SCPs are enabled. Its id and
/// content are the same in every Organization and cannot be changed
/// (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_strategies.html),
/// so it is never read with `DescribePolicy`.
const FULL_AWS_ACCESS_ID: &str = "p-FullAWSAccess";
const FULL_AWS_ACCESS_CONTENT: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;

/// One level's attached policies as listed, with the evidence of the pages.
#[derive(Debug, Default, Clone)]
pub(crate) struct LevelRead {
    target: String,
    policies: Vec<(String, String)>,
    evidence: Vec<Evidence>,
}

/// The levels from a target up to the root (the target first) and the `ListParents` calls made.
#[derive(Debug, Default)]
struct Climbed {
    levels: Vec<LevelRead>,
    parents_evidence: Vec<Evidence>,
}

impl Facts {
    /// A call to Organizations, in the region of its client (the first region's in a sweep): it is
    /// one global service, read once per run whichever region asks.
    fn organizations_site(&self, operation: &'static str) -> CallSite<'_> {
        let region = self.organizations.config().region().map(|r| r.as_ref());
        CallSite::new("organizations", operation, region)
    }

    pub async fn membership(&self) -> Result<(Membership, Evidence), FactError> {
        let ask = || async {
            self.sigv4_ready("organizations DescribeOrganization")
                .await?;
            let site = self.organizations_site("DescribeOrganization");
            let request = self.organizations.describe_organization();
            match self
                .fetch(site, |rec| request.customize().interceptor(rec).send())
                .await
            {
                Ok((o, evidence)) => {
                    let org = o.organization();
                    Ok((
                        Membership::Member {
                            organization_id: org
                                .and_then(|o| o.id())
                                .unwrap_or_default()
                                .to_string(),
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
                    Ok((Membership::NotInOrganization, e.evidence))
                }
                Err(e) => Err(FactError::Call(e)),
            }
        };
        self.shared.membership.get_or_init(ask).await.clone()
    }

    /// Walks `ListParents` from the account to the root, then reads the SCPs attached at each level.
    ///
    /// Reads the path at the floor of its round trips: each level's `ListPoliciesForTarget` starts
    /// the moment the level is known, alongside the climb to its parent; then `DescribePolicy` once
    /// per distinct policy, all at once, and none for the AWS-managed `p-FullAWSAccess`, whose
    /// content is fixed. The critical path is one `ListParents` per level, the root's list and the
    /// slowest policy read.
    pub async fn scp_path(&self, account_id: &str) -> Result<ScpPath, FactError> {
        let ask = || async {
            let climbed = self.level_and_above(account_id.to_string(), 0).await?;
            // Root first, as SCPs are evaluated.
            let mut levels_read = climbed.levels;
            levels_read.reverse();
            self.assemble_scp_path(levels_read, climbed.parents_evidence)
                .await
        };
        self.shared.scp_path.get_or_init(account_id, ask).await
    }

    /// The SCP path of an account whose parents are known (root first, down to the account's
    /// parent), as `org` knows them from its walk of the Organization: no `ListParents`, and each
    /// level's policies and each policy's content read once for every account of the run.
    pub async fn scp_path_along(
        &self,
        account_id: &str,
        parents: &[String],
    ) -> Result<ScpPath, FactError> {
        let targets = parents.iter().map(String::as_str).chain([account_id]);
        let read = futures::future::join_all(targets.map(|t| self.level_policies(t))).await;
        let levels_read = read.into_iter().collect::<Result<Vec<_>, _>>()?;
        self.assemble_scp_path(levels_read, Vec::new()).await
    }

    /// The policies of each level (root first) read, parsed and put in order.
    async fn assemble_scp_path(
        &self,
        levels_read: Vec<LevelRead>,
        mut evidence: Vec<Evidence>,
    ) -> Result<ScpPath, FactError> {
        {
            let mut distinct: Vec<&str> = Vec::new();
            for level in &levels_read {
                for (id, _) in &level.policies {
                    if id != FULL_AWS_ACCESS_ID && !distinct.contains(&id.as_str()) {
                        distinct.push(id);
                    }
                }
            }
            let contents =
                futures::future::join_all(distinct.iter().map(|id| self.policy_content(id))).await;
            let mut described: Vec<(&str, (String, Evidence))> = Vec::new();
            for (id, content) in distinct.iter().zip(contents) {
                described.push((id, content?));
            }
            let mut levels = Vec::new();
            let mut unreadable = Vec::new();
            let mut shown: Vec<&str> = Vec::new();
            for level in &levels_read {
                evidence.extend(level.evidence.iter().cloned());
                let mut policies = Vec::new();
                for (id, name) in &level.policies {
                    let content = if id == FULL_AWS_ACCESS_ID {
                        FULL_AWS_ACCESS_CONTENT.to_string()
                    } else {
                        let (content, e) = &described
                            .iter()
                            .find(|(d, _)| d == id)
                            .expect("every listed policy was described")
                            .1;
                        if !shown.contains(&id.as_str()) {
                            shown.push(id);
                            evidence.push(e.clone());
                        }
                        content.clone()
                    };
                    match Policy::parse(&content) {
                        Ok(policy) => policies.push(AttachedPolicy {
                            id: id.clone(),
                            name: name.clone(),
                            policy,
                        }),
                        Err(err) => unreadable.push((id.clone(), err.to_string())),
                    }
                }
                levels.push(Level {
                    target_id: level.target.clone(),
                    policies,
                });
            }
            Ok(ScpPath {
                levels,
                evidence,
                unreadable,
            })
        }
    }

    /// `target`'s policies, read while its parents are climbed to the root. An account has exactly
    /// one parent; OUs nest at most five deep: the depth bound stops a misbehaving endpoint from
    /// looping.
    fn level_and_above(
        &self,
        target: String,
        depth: usize,
    ) -> futures::future::BoxFuture<'_, Result<Climbed, FactError>> {
        Box::pin(async move {
            let is_root = target.starts_with("r-");
            let own = self.level_policies(&target);
            let above = async {
                if is_root || depth >= 8 {
                    return Ok::<_, FactError>(Climbed::default());
                }
                let site = self.organizations_site("ListParents");
                let request = self.organizations.list_parents().child_id(&target);
                let (output, evidence) = self
                    .fetch(site, |rec| request.customize().interceptor(rec).send())
                    .await?;
                let mut climbed = match output.parents().first() {
                    Some(parent) => {
                        let id = parent.id().unwrap_or_default().to_string();
                        self.level_and_above(id, depth + 1).await?
                    }
                    None => Climbed::default(),
                };
                climbed.parents_evidence.insert(0, evidence);
                Ok(climbed)
            };
            let (own, above) = futures::future::join(own, above).await;
            // The climb's failure first, as when the levels were read after it.
            let mut climbed = above?;
            climbed.levels.insert(0, own?);
            Ok(climbed)
        })
    }

    /// The SCPs attached to one target (every page), by id and name; read once per run.
    async fn level_policies(&self, target: &str) -> Result<LevelRead, FactError> {
        let ask = || self.read_level_policies(target);
        self.shared.scp_levels.get_or_init(target, ask).await
    }

    async fn read_level_policies(&self, target: &str) -> Result<LevelRead, FactError> {
        let site = self.organizations_site("ListPoliciesForTarget");
        let send = |token, rec| {
            let request = self
                .organizations
                .list_policies_for_target()
                .target_id(target)
                .filter(PolicyType::ServiceControlPolicy)
                .set_next_token(token);
            request.customize().interceptor(rec).send()
        };
        let listed = self
            .paginate(site, send, |output| {
                let policies = output.policies().iter().map(|summary| {
                    (
                        summary.id().unwrap_or_default().to_string(),
                        summary.name().unwrap_or_default().to_string(),
                    )
                });
                Ok((policies.collect(), output.next_token))
            })
            .await?;
        Ok(LevelRead {
            target: target.to_string(),
            policies: listed.items,
            evidence: listed.evidence,
        })
    }

    /// One policy's content; read once per run.
    async fn policy_content(&self, policy_id: &str) -> Result<(String, Evidence), FactError> {
        let ask = || self.read_policy_content(policy_id);
        self.shared.scp_contents.get_or_init(policy_id, ask).await
    }

    async fn read_policy_content(&self, policy_id: &str) -> Result<(String, Evidence), FactError> {
        let site = self.organizations_site("DescribePolicy");
        let request = self.organizations.describe_policy().policy_id(policy_id);
        let (output, evidence) = self
            .fetch(site, |rec| request.customize().interceptor(rec).send())
            .await?;
        let content = output
            .policy()
            .and_then(|p| p.content())
            .unwrap_or_default()
            .to_string();
        Ok((content, evidence))
    }
}

/// The most pages of one Organizations list of accounts or OUs: Organizations answers at most 20
/// items a page (`MaxResults` 1–20, Organizations API reference, ListAccounts), so the gateway's
/// usual cap would cut an Organization at 1,000 accounts; this one reads up to 20,000.
const MAX_ORG_PAGES: usize = 1000;

/// An account as Organizations lists it.
#[derive(Debug, Clone)]
pub struct OrgAccountInfo {
    pub id: String,
    pub name: Option<String>,
    /// `ACTIVE`, `SUSPENDED`, `PENDING_CLOSURE`.
    pub status: Option<String>,
}

/// A root or an organizational unit.
#[derive(Debug, Clone)]
pub struct OrgUnit {
    pub id: String,
    pub name: Option<String>,
}

fn account_info(account: &aws_sdk_organizations::types::Account) -> OrgAccountInfo {
    // `Status` is the field the API has always returned; `State` its newer, finer successor
    // (Organizations API reference, "Account"): the one given is shown.
    #[allow(deprecated)]
    let status = account
        .status()
        .map(|s| s.as_str().to_string())
        .or_else(|| account.state().map(|s| s.as_str().to_string()));
    OrgAccountInfo {
        id: account.id().unwrap_or_default().to_string(),
        name: account.name().map(str::to_string),
        status,
    }
}

/// The Organization as its management account or a delegated administrator lists it
/// (https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListAccounts.html): every
/// read through the gateway, every list through its one paginator.
impl Facts {
    /// Every account of the Organization, in the order Organizations lists them.
    pub async fn org_accounts(&self) -> Result<(Vec<OrgAccountInfo>, Vec<Evidence>), FactError> {
        self.sigv4_ready("organizations ListAccounts").await?;
        let site = self.organizations_site("ListAccounts");
        let send = |token, rec| {
            let request = self.organizations.list_accounts().set_next_token(token);
            request.customize().interceptor(rec).send()
        };
        let listed = self
            .paginate_up_to(MAX_ORG_PAGES, site, send, |output| {
                let accounts = output.accounts().iter().map(account_info).collect();
                Ok((accounts, output.next_token))
            })
            .await?;
        Ok((listed.items, listed.evidence))
    }

    /// The Organization's roots (one, in every Organization today).
    pub async fn org_roots(&self) -> Result<(Vec<OrgUnit>, Vec<Evidence>), FactError> {
        self.sigv4_ready("organizations ListRoots").await?;
        let site = self.organizations_site("ListRoots");
        let send = |token, rec| {
            let request = self.organizations.list_roots().set_next_token(token);
            request.customize().interceptor(rec).send()
        };
        let listed = self
            .paginate(site, send, |output| {
                let roots = output.roots().iter().map(|r| OrgUnit {
                    id: r.id().unwrap_or_default().to_string(),
                    name: r.name().map(str::to_string),
                });
                Ok((roots.collect(), output.next_token))
            })
            .await?;
        Ok((listed.items, listed.evidence))
    }

    /// The OUs directly under a root or an OU, with their names.
    pub async fn org_units_under(
        &self,
        parent: &str,
    ) -> Result<(Vec<OrgUnit>, Vec<Evidence>), FactError> {
        let site = self.organizations_site("ListOrganizationalUnitsForParent");
        let send = |token, rec| {
            let request = self
                .organizations
                .list_organizational_units_for_parent()
                .parent_id(parent)
                .set_next_token(token);
            request.customize().interceptor(rec).send()
        };
        let listed = self
            .paginate_up_to(MAX_ORG_PAGES, site, send, |output| {
                let units = output.organizational_units().iter().map(|u| OrgUnit {
                    id: u.id().unwrap_or_default().to_string(),
                    name: u.name().map(str::to_string),
                });
                Ok((units.collect(), output.next_token))
            })
            .await?;
        Ok((listed.items, listed.evidence))
    }

    /// The accounts directly under a root or an OU.
    pub async fn org_accounts_under(
        &self,
        parent: &str,
    ) -> Result<(Vec<OrgAccountInfo>, Vec<Evidence>), FactError> {
        let site = self.organizations_site("ListAccountsForParent");
        let send = |token, rec| {
            let request = self
                .organizations
                .list_accounts_for_parent()
                .parent_id(parent)
                .set_next_token(token);
            request.customize().interceptor(rec).send()
        };
        let listed = self
            .paginate_up_to(MAX_ORG_PAGES, site, send, |output| {
                let accounts = output.accounts().iter().map(account_info).collect();
                Ok((accounts, output.next_token))
            })
            .await?;
        Ok((listed.items, listed.evidence))
    }

    /// The parent of an OU (a child has exactly one parent).
    pub async fn org_parent(&self, child: &str) -> Result<(Option<String>, Evidence), FactError> {
        let site = self.organizations_site("ListParents");
        let request = self.organizations.list_parents().child_id(child);
        let (output, evidence) = self
            .fetch(site, |rec| request.customize().interceptor(rec).send())
            .await?;
        let parent = output
            .parents()
            .first()
            .and_then(|p| p.id())
            .map(str::to_string);
        Ok((parent, evidence))
    }

    /// One OU, by id: its name.
    pub async fn org_unit(&self, ou_id: &str) -> Result<(OrgUnit, Evidence), FactError> {
        let site = self.organizations_site("DescribeOrganizationalUnit");
        let request = self
            .organizations
            .describe_organizational_unit()
            .organizational_unit_id(ou_id);
        let (output, evidence) = self
            .fetch(site, |rec| request.customize().interceptor(rec).send())
            .await?;
        let name = output
            .organizational_unit()
            .and_then(|u| u.name())
            .map(str::to_string);
        Ok((
            OrgUnit {
                id: ou_id.to_string(),
                name,
            },
            evidence,
        ))
    }
}
