//! Entering one account of the Organization and running its checks there, or saying why it was
//! not entered.

use super::accounts::{Plan, Planned};
use super::report::*;
use crate::report as check_report;
use checks::catalogue::{catalogue, render_fix};
use checks::facts::assume::{entry_diagnosis, SESSION_NAME, SESSION_SECONDS};
use checks::facts::orgs::Membership;
use checks::facts::Given;
use checks::limits::Limiter;
use checks::{dx, Check, Evidence, Facts, Settings};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// What every account's task shares.
pub(super) struct Ctx {
    pub(super) caller: Arc<Facts>,
    pub(super) membership: (Membership, Evidence),
    pub(super) settings: Settings,
    pub(super) selected: Vec<&'static dyn Check>,
    pub(super) deadline: Duration,
    pub(super) role_name: String,
    pub(super) partition: String,
    pub(super) external_id: Option<String>,
    /// One limiter for the run: the caller's Organizations and STS calls share the caller's lanes;
    /// each member account's calls get lanes of that account's own (`Limiter::acquire_for`).
    pub(super) limiter: Arc<Limiter>,
    pub(super) region: Option<String>,
    pub(super) is_management: bool,
}

/// Enters one account and runs its checks, or says why it was not entered.
pub(super) async fn check_account(ctx: &Ctx, planned: Planned) -> OrgAccount {
    let row = |entry: Entry, report: Option<check_report::Report>| OrgAccount {
        id: planned.id.clone(),
        name: planned.name.clone(),
        status: planned.status.clone(),
        ou_path: planned.path.clone(),
        entry,
        report,
    };
    match planned.plan {
        Plan::Skip => row(
            refusal(
                EntryMethod::Skipped,
                dx::ORG_ACCOUNT_NOT_ACTIVE,
                &planned.id,
                None,
                "not ACTIVE: listed, never assumed into".into(),
                Vec::new(),
            ),
            None,
        ),
        Plan::NotMember => row(
            refusal(
                EntryMethod::NotEntered,
                dx::ORG_ACCOUNT_NOT_MEMBER,
                &planned.id,
                None,
                "not an account of the caller's Organization: not assumed into".into(),
                Vec::new(),
            ),
            None,
        ),
        Plan::Caller => {
            let mut settings = ctx.settings.clone();
            settings.given.membership = Some(ctx.membership.clone());
            let report =
                crate::runner::run(settings, &ctx.selected, ctx.deadline, &|_, _| {}).await;
            let summary = if ctx.is_management {
                "the management account: checked with the caller's own credentials (SCPs do not apply to it)"
            } else {
                "the caller's own account (delegated administrator): checked with the caller's own credentials"
            };
            row(
                Entry {
                    method: EntryMethod::CallerCredentials,
                    role_arn: None,
                    diagnosis: None,
                    summary: summary.into(),
                    fix: None,
                    evidence: Vec::new(),
                },
                Some(report),
            )
        }
        Plan::Assume => {
            let role_arn = format!(
                "arn:{}:iam::{}:role/{}",
                ctx.partition, planned.id, ctx.role_name
            );
            let parents: Vec<String> = planned.path.iter().map(|s| s.id.clone()).collect();
            // The account's SCPs are read with the caller's credentials while the role is assumed:
            // a member account cannot read the Organization's policies.
            let (entered, scp_path) = tokio::join!(
                ctx.caller
                    .assume_role(&role_arn, ctx.external_id.as_deref()),
                ctx.caller.scp_path_along(&planned.id, &parents)
            );
            let (credentials, evidence) = match entered {
                Ok(entered) => entered,
                Err((error, evidence)) => {
                    let code = entry_diagnosis(&error);
                    let entry = refusal(
                        EntryMethod::NotEntered,
                        code,
                        &planned.id,
                        Some(&role_arn),
                        // The gateway's summary names the call, the error and AWS's message
                        // (which names the role).
                        checks::calls::one_line(&error.summary),
                        evidence,
                    );
                    return row(entry, None);
                }
            };
            let mut settings = ctx.settings.clone();
            if settings.region.is_none() && settings.regions.is_empty() {
                settings.region = ctx.region.clone();
            }
            settings.profile = None;
            settings.given = Given {
                credentials: Some(credentials),
                limiter: Some(Arc::clone(&ctx.limiter)),
                limiter_account: Some(planned.id.clone()),
                membership: Some(ctx.membership.clone()),
                scp_path: Some((planned.id.clone(), scp_path)),
                ..settings.given
            };
            let mut report =
                crate::runner::run(settings, &ctx.selected, ctx.deadline, &|_, _| {}).await;
            // The checks ran with the role's credentials, not with any profile.
            report.target.profile = None;
            let entry = Entry {
                method: EntryMethod::AssumedRole,
                role_arn: Some(role_arn),
                diagnosis: None,
                summary: format!(
                    "entered with sts:AssumeRole (session {SESSION_NAME}, {SESSION_SECONDS} s)"
                ),
                fix: None,
                evidence,
            };
            row(entry, Some(report))
        }
    }
}

/// The row of an account whose task panicked.
pub(super) fn crashed(planned: Planned, panic: &tokio::task::JoinError) -> OrgAccount {
    OrgAccount {
        id: planned.id,
        name: planned.name,
        status: planned.status,
        ou_path: planned.path,
        entry: Entry {
            method: EntryMethod::NotEntered,
            role_arn: None,
            diagnosis: Some(dx::UNKNOWN.to_string()),
            summary: format!("the doctor failed while checking this account: {panic}"),
            fix: None,
            evidence: Vec::new(),
        },
        report: None,
    }
}

/// The entry of an account not entered or skipped: its code, and the catalogue's fix with this
/// account's values.
fn refusal(
    method: EntryMethod,
    code: &'static str,
    account_id: &str,
    role_arn: Option<&str>,
    summary: String,
    evidence: Vec<Evidence>,
) -> Entry {
    let mut vars = BTreeMap::new();
    vars.insert("account_id", account_id.to_string());
    if let Some(arn) = role_arn {
        vars.insert("resource", arn.to_string());
    }
    let fix = catalogue().get(code).map(|d| render_fix(&d.fix, &vars));
    Entry {
        method,
        role_arn: role_arn.map(str::to_string),
        diagnosis: Some(code.to_string()),
        summary,
        fix,
        evidence,
    }
}
