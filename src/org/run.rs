//! The `org` run: the caller and its Organization, the accounts in scope, then each account entered
//! and checked by the same runner as `check`, `--concurrency` at a time, under one limiter.

use super::accounts::{self, Plan, Planned, ScopeError};
use super::options::OrgRun;
use super::progress::OrgProgress;
use super::report::*;
use crate::cli::OrgFormat;
use crate::report::{self as check_report, Tool};
use anyhow::{Context, Result};
use checks::catalogue::{catalogue, render_fix};
use checks::facts::assume::{entry_diagnosis, SESSION_NAME, SESSION_SECONDS};
use checks::facts::orgs::Membership;
use checks::facts::{FactError, Given};
use checks::limits::Limiter;
use checks::timefmt::{rfc3339, Fraction};
use checks::{dx, Check, Evidence, Facts, Settings};
use futures_util::stream::{self, StreamExt};
use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

/// What every account's task shares.
struct Ctx {
    caller: Arc<Facts>,
    membership: (Membership, Evidence),
    settings: Settings,
    selected: Vec<&'static dyn Check>,
    deadline: Duration,
    role_name: String,
    partition: String,
    external_id: Option<String>,
    /// One limiter for the run: the caller's Organizations and STS calls share the caller's lanes;
    /// each member account's calls get lanes of that account's own (`Limiter::acquire_for`).
    limiter: Arc<Limiter>,
    region: Option<String>,
    is_management: bool,
}

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
            async move { (index, task.await) }
        })
        .buffer_unordered(run.concurrency);
    let mut summary = OrgSummary::default();
    let mut kept: Vec<Option<OrgAccount>> = Vec::new();
    if !streaming {
        kept.resize_with(total, || None);
    }
    while let Some((index, account)) = finished.next().await {
        let account = account.context("an account's task ended unexpectedly")?;
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

/// Enters one account and runs its checks, or says why it was not entered.
async fn check_account(ctx: &Ctx, planned: Planned) -> OrgAccount {
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

/// Where the report goes: stdout in the chosen format, and the `--output` file (the JSON report,
/// or the jsonl stream), each line flushed as it is written.
struct Sink {
    file: Option<(std::path::PathBuf, std::io::BufWriter<std::fs::File>)>,
    redact: bool,
}

impl Sink {
    fn open(streaming: bool, output: Option<&std::path::Path>, redact: bool) -> Result<Sink> {
        let file = match output {
            Some(path) if streaming => Some((
                path.to_path_buf(),
                std::io::BufWriter::new(
                    std::fs::File::create(path)
                        .with_context(|| format!("writing the report to {}", path.display()))?,
                ),
            )),
            _ => None,
        };
        Ok(Sink { file, redact })
    }

    fn value(&self, item: &impl serde::Serialize) -> Result<serde_json::Value> {
        let mut json = serde_json::to_value(item).context("serialising the report")?;
        if self.redact {
            crate::redact::redact_json(&mut json);
        }
        Ok(json)
    }

    /// One jsonl line, on stdout and in the file, flushed at once.
    fn line(&mut self, item: &impl serde::Serialize) -> Result<()> {
        let text = serde_json::to_string(&self.value(item)?)? + "\n";
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(text.as_bytes());
        let _ = out.flush();
        if let Some((path, file)) = &mut self.file {
            file.write_all(text.as_bytes())
                .and_then(|_| file.flush())
                .with_context(|| format!("writing the report to {}", path.display()))?;
        }
        Ok(())
    }

    /// The whole report, in the chosen format; the JSON to `--output`.
    fn report(
        &mut self,
        report: &OrgReport,
        format: OrgFormat,
        verbose: u8,
        colour: bool,
        output: Option<&std::path::Path>,
    ) -> Result<()> {
        let json = self.value(report)?;
        if let Some(path) = output {
            std::fs::write(path, serde_json::to_string_pretty(&json)? + "\n")
                .with_context(|| format!("writing the report to {}", path.display()))?;
        }
        let report: OrgReport =
            serde_json::from_value(json.clone()).context("re-reading the report")?;
        let shown = || crate::render::untrusted::for_display_org(&report);
        let text = match format {
            OrgFormat::Json | OrgFormat::Jsonl => serde_json::to_string_pretty(&json)? + "\n",
            OrgFormat::Table => crate::render::org::table(&shown(), verbose, colour),
            OrgFormat::Markdown => crate::render::org::markdown(&shown()),
            OrgFormat::Junit => crate::render::org::junit(&shown()),
        };
        crate::print(&text);
        Ok(())
    }
}
