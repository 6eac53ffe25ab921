//! The `org` run: the caller and its Organization, the accounts in scope, then each account entered
//! and checked by the same runner as `check`, `--concurrency` at a time, under one limiter.

use super::accounts::{self, ScopeError};
use super::enter::{check_account, crashed, Ctx};
use super::options::OrgRun;
use super::output::Sink;
use super::progress::OrgProgress;
use super::report::*;
use crate::cli::OrgFormat;
use crate::report::{self as check_report, Tool};
use anyhow::Result;
use checks::catalogue::{catalogue, render_fix};
use checks::facts::orgs::Membership;
use checks::facts::{FactError, Given};
use checks::limits::Limiter;
use checks::timefmt::{rfc3339, Fraction};
use checks::{dx, Facts};
use futures_util::stream::{self, StreamExt};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Instant, SystemTime};

pub fn command(run: OrgRun) -> Result<i32> {
    let runtime = crate::runtime_for(run.check.settings.profile.as_deref())?;
    crate::logging::init(run.check.verbose);
    let code = runtime.block_on(org(run));
    runtime.shutdown_background();
    code
}

/// A verdict about the caller that ends the run before any account: on stderr, exit 1.
fn caller_verdict(code: &'static str, account_id: Option<&str>, detail: &str) -> i32 {
    let entry = catalogue().get(code);
    let mut vars = BTreeMap::new();
    if let Some(account) = account_id {
        vars.insert("account_id", account.to_string());
    }
    let (title, cause, fix) = entry
        .map(|d| {
            (
                d.title.clone(),
                render_fix(&d.cause, &vars),
                render_fix(&d.fix, &vars),
            )
        })
        .unwrap_or_default();
    let text = format!(
        "bedrock-doctor org: {title} ({code})\n{cause}\n{}Fix: {fix}\n",
        if detail.is_empty() {
            String::new()
        } else {
            format!("AWS answered: {}\n", checks::calls::one_line(detail))
        }
    );
    eprint!("{}", crate::render::untrusted::visible_uncapped(&text));
    1
}

/// Any other failure before the first account (no credentials, no network): its diagnosis.
fn caller_failure(what: &str, err: &FactError) -> i32 {
    let (code, summary) = match err {
        FactError::Call(e) => (e.diagnosis, e.summary.clone()),
        FactError::Needs { reason, .. } => ("", reason.clone()),
        FactError::Unavailable(reason) => ("", reason.clone()),
    };
    let text = format!(
        "bedrock-doctor org: {what}: {}{}\n",
        checks::calls::one_line(&summary),
        if code.is_empty() {
            String::new()
        } else {
            format!(" ({code}; `bedrock-doctor check` diagnoses the caller's own setup)")
        }
    );
    eprint!("{}", crate::render::untrusted::visible_uncapped(&text));
    1
}

async fn org(run: OrgRun) -> Result<i32> {
    let started = Instant::now();
    let generated_at = SystemTime::now();
    let limiter = Arc::new(Limiter::default());
    let mut settings = run.check.settings.clone();
    settings.given = Given {
        limiter: Some(Arc::clone(&limiter)),
        ..Given::default()
    };
    let deadline = run.check.deadline;
    let Ok(caller) = tokio::time::timeout(deadline, Facts::load(settings.clone())).await else {
        eprintln!("bedrock-doctor org: loading the AWS configuration took longer than --timeout");
        return Ok(1);
    };
    let caller = Arc::new(caller);
    settings.given.http_client = caller.http_client();
    let (identity, membership) = tokio::join!(caller.caller_identity(), caller.membership());
    let identity = match identity {
        Ok(identity) => identity,
        Err(err) => return Ok(caller_failure("cannot tell who the caller is", &err)),
    };
    let membership = match membership {
        Ok((Membership::NotInOrganization, _)) => {
            return Ok(caller_verdict(
                dx::ORG_NOT_IN_ORGANIZATION,
                Some(&identity.account_id),
                "",
            ))
        }
        Ok(found) => found,
        Err(err) => {
            return Ok(caller_failure(
                "cannot read the caller's Organization",
                &err,
            ))
        }
    };
    let (organization_id, management_account_id) = match &membership.0 {
        Membership::Member {
            organization_id,
            management_account_id,
        } => (organization_id.clone(), management_account_id.clone()),
        Membership::NotInOrganization => unreachable!("returned above"),
    };
    let is_management = management_account_id == identity.account_id;
    let scope = accounts::Scope {
        accounts: &run.accounts,
        ou: run.ou.as_deref(),
        exclude: &run.exclude,
        caller_account: &identity.account_id,
    };
    // The Organization's reads are bounded by the same deadline as one account's checks.
    let Ok(planned) = tokio::time::timeout(deadline, accounts::plan(&caller, scope)).await else {
        eprintln!(
            "bedrock-doctor org: listing the Organization's accounts took longer than --timeout"
        );
        return Ok(1);
    };
    let planned = match planned {
        Ok(planned) => planned,
        Err(ScopeError::NotAdmin(e)) => {
            let detail = e.evidence.message.clone().unwrap_or(e.summary);
            return Ok(caller_verdict(
                dx::ORG_CALLER_NOT_ORGANIZATION_ADMIN,
                Some(&identity.account_id),
                &detail,
            ));
        }
        Err(ScopeError::Failed(err)) => {
            return Ok(caller_failure(
                "cannot list the Organization's accounts",
                &err,
            ))
        }
    };

    let caller_info = OrgCaller {
        account_id: Some(identity.account_id.clone()),
        arn: Some(identity.arn.clone()),
        organization_id: Some(organization_id),
        management_account_id: Some(management_account_id),
        is_management_account: is_management,
    };
    let target = OrgTarget {
        role_name: run.role_name.clone(),
        external_id: run.external_id.is_some(),
        accounts: run.accounts.clone(),
        ou_id: run.ou.clone(),
        exclude: run.exclude.clone(),
        regions: if settings.regions.is_empty() {
            caller.region().map(str::to_string).into_iter().collect()
        } else {
            settings.regions.clone()
        },
        model_ids: settings.models.clone(),
        no_invoke: settings.no_invoke,
        concurrency: run.concurrency as u32,
    };
    let partition = identity
        .arn
        .split(':')
        .nth(1)
        .filter(|p| !p.is_empty())
        .unwrap_or("aws")
        .to_string();
    let ctx = Arc::new(Ctx {
        region: caller.region().map(str::to_string),
        caller,
        membership,
        settings,
        selected: run.check.selected.clone(),
        deadline,
        role_name: run.role_name.clone(),
        partition,
        external_id: run.external_id.clone(),
        limiter,
        is_management,
    });
    let tool = Tool {
        name: check_report::TOOL_NAME.into(),
        version: env!("CARGO_PKG_VERSION").into(),
    };
    let generated = rfc3339(generated_at, Fraction::Millis);
    let total = planned.len();
    let streaming = run.format == OrgFormat::Jsonl;
    let live = !matches!(run.format, OrgFormat::Json | OrgFormat::Jsonl)
        && !run.check.quiet
        && std::io::IsTerminal::is_terminal(&std::io::stderr());
    let progress = live.then(|| OrgProgress::start(total));
    let mut sink = Sink::open(streaming, run.output.as_deref(), run.check.redact)?;
    if streaming {
        sink.line(&OrgHeader {
            schema_version: check_report::SCHEMA_VERSION,
            kind: KIND.into(),
            tool: tool.clone(),
            generated_at: generated.clone(),
            caller: caller_info.clone(),
            target: target.clone(),
            accounts: total as u32,
        })?;
    }

    // Each account a task of its own, at most `--concurrency` at once; results come back as the
    // accounts finish.
    let mut finished = stream::iter(planned.into_iter().enumerate())
        .map(|(index, planned)| {
            let (ctx, progress) = (Arc::clone(&ctx), progress.clone());
            let fallback = planned.clone();
            let task = tokio::spawn(async move {
                if let Some(p) = &progress {
                    p.started(&planned.id);
                }
                let account = check_account(&ctx, planned).await;
                if let Some(p) = &progress {
                    p.finished(&account.id, account.failed());
                }
                account
            });
            async move {
                // A panic while checking one account is that account's row, never the run's end
                // (the runner already turns a check's panic into that check's `error`).
                let account = task.await.unwrap_or_else(|panic| crashed(fallback, &panic));
                (index, account)
            }
        })
        .buffer_unordered(run.concurrency);
    let mut summary = OrgSummary::default();
    let mut kept: Vec<Option<OrgAccount>> = Vec::new();
    if !streaming {
        kept.resize_with(total, || None);
    }
    while let Some((index, account)) = finished.next().await {
        let one = OrgSummary::of([&account]);
        summary.accounts += one.accounts;
        summary.passed += one.passed;
        summary.failed += one.failed;
        summary.not_entered += one.not_entered;
        summary.skipped += one.skipped;
        if streaming {
            sink.line(&OrgAccountLine {
                kind: ACCOUNT_LINE_KIND.into(),
                account,
            })?;
        } else {
            kept[index] = Some(account);
        }
    }
    if let Some(p) = &progress {
        p.clear();
    }
    let duration_ms = started.elapsed().as_millis() as u64;
    if streaming {
        sink.line(&OrgSummaryLine {
            kind: SUMMARY_LINE_KIND.into(),
            duration_ms,
            summary: summary.clone(),
        })?;
        return Ok(summary.exit_code());
    }
    let report = OrgReport {
        schema_version: check_report::SCHEMA_VERSION,
        kind: KIND.into(),
        tool,
        generated_at: generated,
        duration_ms,
        caller: caller_info,
        target,
        summary: summary.clone(),
        accounts: kept.into_iter().flatten().collect(),
    };
    sink.report(
        &report,
        run.format,
        run.check.verbose,
        run.check.colour.enabled(),
        run.output.as_deref(),
    )?;
    Ok(summary.exit_code())
}
