//! Which accounts `org` checks and how it enters each: the Organization as the caller lists it
//! (`ListAccounts`, or the accounts under `--ou` at any depth), each account's OU path from a walk
//! of the tree that reads each root and OU once, minus `--exclude`.

use super::report::OuStep;
use checks::calls::CallError;
use checks::facts::{FactError, OrgAccountInfo};
use checks::Facts;
use futures_util::future::join_all;
use std::collections::HashMap;

/// OUs nest at most five levels under the root (Organizations user guide, "Quotas for AWS
/// Organizations"); the walk stops a little deeper, so a misbehaving endpoint cannot loop it.
const MAX_DEPTH: usize = 8;

/// How an account in scope is entered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    /// `sts:AssumeRole` into the role.
    Assume,
    /// The caller's own account (the management account, or the delegated administrator's).
    Caller,
    /// Not `ACTIVE`: listed, never assumed into.
    Skip,
    /// Named by `--accounts`, not in the Organization.
    NotMember,
}

/// One account in scope.
#[derive(Debug, Clone)]
pub struct Planned {
    pub id: String,
    pub name: Option<String>,
    pub status: Option<String>,
    /// Root first, down to the account's parent.
    pub path: Vec<OuStep>,
    pub plan: Plan,
}

/// Why the scope could not be read.
pub enum ScopeError {
    /// Organizations refused to list (AccessDenied): not the management account nor a delegated
    /// administrator.
    NotAdmin(CallError),
    /// Any other failure (the network, throttling past the retries, an unexpected answer).
    Failed(FactError),
}

impl From<FactError> for ScopeError {
    fn from(err: FactError) -> ScopeError {
        match err {
            FactError::Call(e)
                if matches!(
                    e.evidence.error_code.as_deref(),
                    Some("AccessDeniedException" | "AccessDenied")
                ) =>
            {
                ScopeError::NotAdmin(e)
            }
            other => ScopeError::Failed(other),
        }
    }
}

/// What to check: the accounts in order, each with its path and plan.
pub struct Scope<'a> {
    pub accounts: &'a [String],
    pub ou: Option<&'a str>,
    pub exclude: &'a [String],
    pub caller_account: &'a str,
}

pub async fn plan(facts: &Facts, scope: Scope<'_>) -> Result<Vec<Planned>, ScopeError> {
    let (roots, _) = facts.org_roots().await?;
    let found: Vec<(OrgAccountInfo, Vec<OuStep>)> = match scope.ou {
        Some(ou) => {
            let start = path_to(facts, ou, &roots).await?;
            walk(facts, start).await?
        }
        None => {
            // The Organization's own order and every account's status from `ListAccounts`; the
            // paths from the walk, read alongside.
            let starts = roots.iter().map(|r| vec![step(&r.id, r.name.as_deref())]);
            let (listed, walked) = tokio::join!(
                facts.org_accounts(),
                join_all(starts.map(|start| walk(facts, start)))
            );
            let (listed, _) = listed?;
            let mut paths: HashMap<String, Vec<OuStep>> = HashMap::new();
            for walked in walked {
                for (account, path) in walked? {
                    paths.insert(account.id, path);
                }
            }
            listed
                .into_iter()
                .map(|a| {
                    let path = paths.remove(&a.id).unwrap_or_default();
                    (a, path)
                })
                .collect()
        }
    };
    let mut planned: Vec<Planned> = found
        .into_iter()
        .filter(|(a, _)| !scope.exclude.contains(&a.id))
        .filter(|(a, _)| scope.accounts.is_empty() || scope.accounts.contains(&a.id))
        .map(|(account, path)| {
            let plan = if account.status.as_deref() != Some("ACTIVE") {
                Plan::Skip
            } else if account.id == scope.caller_account {
                Plan::Caller
            } else {
                Plan::Assume
            };
            Planned {
                id: account.id,
                name: account.name,
                status: account.status,
                path,
                plan,
            }
        })
        .collect();
    for id in scope.accounts {
        if !scope.exclude.contains(id) && !planned.iter().any(|p| &p.id == id) {
            planned.push(Planned {
                id: id.clone(),
                name: None,
                status: None,
                path: Vec::new(),
                plan: Plan::NotMember,
            });
        }
    }
    Ok(planned)
}

fn step(id: &str, name: Option<&str>) -> OuStep {
    OuStep {
        id: id.to_string(),
        name: name.map(str::to_string),
    }
}

/// The path from the root down to `ou` itself: `ListParents` up to the root, then each OU's name
/// (`DescribeOrganizationalUnit`), all at once.
async fn path_to(
    facts: &Facts,
    ou: &str,
    roots: &[checks::facts::OrgUnit],
) -> Result<Vec<OuStep>, ScopeError> {
    let mut ids = vec![ou.to_string()];
    for _ in 0..MAX_DEPTH {
        let last = ids.last().cloned().unwrap_or_default();
        if last.starts_with("r-") {
            break;
        }
        match facts.org_parent(&last).await?.0 {
            Some(parent) => ids.push(parent),
            None => break,
        }
    }
    ids.reverse();
    let named = join_all(ids.iter().map(|id| async move {
        match roots.iter().find(|r| &r.id == id) {
            Some(root) => Ok(step(&root.id, root.name.as_deref())),
            None => facts
                .org_unit(id)
                .await
                .map(|(unit, _)| step(&unit.id, unit.name.as_deref())),
        }
    }))
    .await;
    Ok(named.into_iter().collect::<Result<Vec<_>, FactError>>()?)
}

/// Every account under the last step of `start`, at any depth, each with its path: one
/// `ListOrganizationalUnitsForParent` and one `ListAccountsForParent` per root or OU, a level at a
/// time, the OUs of a level all at once.
async fn walk(
    facts: &Facts,
    start: Vec<OuStep>,
) -> Result<Vec<(OrgAccountInfo, Vec<OuStep>)>, FactError> {
    let mut found = Vec::new();
    let mut frontier = vec![start];
    for _ in 0..MAX_DEPTH {
        if frontier.is_empty() {
            break;
        }
        let reads = join_all(frontier.iter().map(|path| async move {
            let parent = path.last().map(|s| s.id.as_str()).unwrap_or_default();
            tokio::join!(
                facts.org_units_under(parent),
                facts.org_accounts_under(parent)
            )
        }))
        .await;
        let mut next = Vec::new();
        for (path, (units, accounts)) in frontier.into_iter().zip(reads) {
            let (units, _) = units?;
            let (accounts, _) = accounts?;
            found.extend(accounts.into_iter().map(|a| (a, path.clone())));
            for unit in units {
                let mut deeper = path.clone();
                deeper.push(step(&unit.id, unit.name.as_deref()));
                next.push(deeper);
            }
        }
        frontier = next;
    }
    Ok(found)
}
