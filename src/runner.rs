//! Runs the selected checks concurrently over one shared `Facts`, under one deadline.

use crate::report::{self, CheckResult, Report, Summary, Target, Tool};
use checks::catalogue::{catalogue, render_fix};
use checks::timefmt::{rfc3339, Fraction};
use checks::{dx, Check, Facts, Settings, Status};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};
use tokio::task::JoinSet;

/// One check to run: for a model (per-model checks, several models) and in a region (per-region
/// checks: an index into the run's regions; `None` for account-wide checks, which run once, with
/// the first region's facts).
#[derive(Clone)]
pub struct Job {
    pub check: &'static dyn Check,
    pub subject: Option<String>,
    pub region: Option<usize>,
}

/// Runs the checks; `on_done` hears of each check as it finishes (the live progress).
pub async fn run(
    settings: Settings,
    selected: &[&'static dyn Check],
    deadline: Duration,
    on_done: &(dyn Fn(usize, &CheckResult) + Sync),
) -> Report {
    let started = Instant::now();
    let generated_at = SystemTime::now();
    let stop_at = tokio::time::Instant::now() + deadline;
    let sweep = settings.regions.clone();
    let target = Target {
        region: sweep.first().cloned().or_else(|| settings.region.clone()),
        regions: sweep.clone(),
        profile: settings.profile.clone(),
        model_id: settings.models.first().cloned(),
        model_ids: settings.models.clone(),
        inference_profile_id: settings.inference_profile.clone(),
        endpoint_url: settings.endpoint_url.clone(),
        app: None,
    };
    let jobs = jobs(selected, &settings.models, sweep.len().max(1));
    // The region a job's report names, known before any fact is loaded.
    let job_region = |job: &Job| -> Option<String> {
        job.region
            .and_then(|i| sweep.get(i).cloned().or_else(|| settings.region.clone()))
    };

    // The first AWS error a run judges parses the diagnosis catalogue and compiles its patterns
    // (tens of milliseconds of CPU, BENCHMARKS.md). Left to that moment, it runs on a runtime
    // thread just as answers arrive together, and every other thread that judges an error waits
    // on it, holding back the answers behind them. Built on a blocking thread now, it is ready
    // before the first answer arrives.
    tokio::task::spawn_blocking(|| {
        catalogue();
    });
    // Loading the configuration may consult instance metadata for the region: it is bounded by
    // the same deadline as the checks. The other regions of a sweep are built from the first.
    let home = match tokio::time::timeout_at(stop_at, Facts::load(settings.clone())).await {
        Ok(facts) => Arc::new(facts),
        Err(_) => {
            let checks = jobs
                .iter()
                .map(|job| timed_out(job, job_region(job), deadline))
                .collect();
            return finish(target, None, checks, started, generated_at);
        }
    };
    // The other regions' facts are built by their first check, in its task: the first region's
    // checks need not wait for fifteen regions' clients to be built before their first call.
    let regional: Arc<Vec<tokio::sync::OnceCell<Arc<Facts>>>> = Arc::new(
        (0..sweep.len().max(1))
            .map(|_| tokio::sync::OnceCell::new())
            .collect(),
    );
    let names = Arc::new(sweep.clone());

    let mut tasks = JoinSet::new();
    let mut task_index = HashMap::new();
    for (index, job) in jobs.iter().cloned().enumerate() {
        let (home, regional, names) =
            (Arc::clone(&home), Arc::clone(&regional), Arc::clone(&names));
        let handle = tasks.spawn(async move {
            let facts = match (job.region, job.region.and_then(|i| names.get(i))) {
                (Some(i), Some(region)) if i > 0 => Arc::clone(
                    regional[i]
                        .get_or_init(|| async { Arc::new(Facts::for_region(&home, region)) })
                        .await,
                ),
                _ => home,
            };
            let check_started = Instant::now();
            let report = match job.subject.clone() {
                Some(model) => {
                    checks::facts::models::SUBJECT
                        .scope(model, job.check.run(&facts))
                        .await
                }
                None => job.check.run(&facts).await,
            };
            // The subject of a per-model check is the model it tested, picked or given.
            let subject = if job.check.meta().per_model {
                job.subject.or_else(|| facts.known_target())
            } else {
                None
            };
            let region = job.region.and(facts.region().map(str::to_string));
            let report = report.with_default_var("region", facts.region());
            (index, report, check_started.elapsed(), subject, region)
        });
        task_index.insert(handle.id(), index);
    }

    let mut results: Vec<Option<CheckResult>> = vec![None; jobs.len()];
    loop {
        match tokio::time::timeout_at(stop_at, tasks.join_next_with_id()).await {
            Ok(Some(Ok((_, (index, report, elapsed, subject, region))))) => {
                let result = to_result(jobs[index].check, subject, region, report, elapsed);
                on_done(index, &result);
                results[index] = Some(result);
            }
            Ok(Some(Err(join_error))) => {
                // A panic inside a check is a bug, reported as that check's error; the run goes on.
                if let Some(&index) = task_index.get(&join_error.id()) {
                    let job = &jobs[index];
                    results[index] = Some(crashed(job, job_region(job), &panic_text(join_error)));
                }
            }
            Ok(None) => break,
            Err(_) => {
                tasks.abort_all();
                break;
            }
        }
    }
    let checks: Vec<CheckResult> = results
        .into_iter()
        .enumerate()
        .map(|(index, result)| {
            result.unwrap_or_else(|| timed_out(&jobs[index], job_region(&jobs[index]), deadline))
        })
        .collect();

    let identity = known_identity(&home);
    let mut report = finish(target, identity, checks, started, generated_at);
    report.target.region = home.region().map(str::to_string).or(report.target.region);
    if report.target.regions.is_empty() {
        report.target.regions.extend(report.target.region.clone());
    }
    report.target.profile = Some(home.profile_name().to_string());
    if report.target.model_ids.is_empty() {
        // No --model: the model the doctor picked is the target.
        report.target.model_ids.extend(home.known_target());
        report.target.model_id = report.target.model_ids.first().cloned();
    }
    report
}

/// What to run, in report order: each check in registry order; a per-model check once per model
/// when several are given; a per-region check once in each of `regions` regions (in their order,
/// within each model).
pub fn jobs(selected: &[&'static dyn Check], models: &[String], regions: usize) -> Vec<Job> {
    let mut jobs = Vec::new();
    for check in selected {
        let meta = check.meta();
        let subjects: Vec<Option<String>> = if meta.per_model && models.len() > 1 {
            models.iter().cloned().map(Some).collect()
        } else {
            vec![None]
        };
        for subject in subjects {
            if meta.per_region {
                jobs.extend((0..regions.max(1)).map(|i| Job {
                    check: *check,
                    subject: subject.clone(),
                    region: Some(i),
                }));
            } else {
                jobs.push(Job {
                    check: *check,
                    subject,
                    region: None,
                });
            }
        }
    }
    jobs
}

fn finish(
    target: Target,
    identity: Option<report::Identity>,
    checks: Vec<CheckResult>,
    started: Instant,
    generated_at: SystemTime,
) -> Report {
    Report {
        schema_version: report::SCHEMA_VERSION,
        tool: Tool {
            name: report::TOOL_NAME.into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        generated_at: rfc3339(generated_at, Fraction::Millis),
        duration_ms: started.elapsed().as_millis() as u64,
        target,
        identity,
        summary: Summary::of(&checks),
        checks,
    }
}

/// The caller as far as this run learned it; no call is made just for the report.
fn known_identity(facts: &Facts) -> Option<report::Identity> {
    let identity = facts.known_identity();
    let credentials = facts.known_credentials();
    let key = facts.key_in_use();
    if identity.is_none() && credentials.is_none() && key.is_none() {
        return None;
    }
    // Never the key: only the variable it came from.
    let source = match (key, credentials) {
        (Some(key), Some(c)) => Some(format!(
            "Bedrock API key ({}) for bedrock and bedrock-runtime; {} for other services",
            key.variable, c.source
        )),
        (Some(key), None) => Some(format!(
            "Bedrock API key ({}) for bedrock and bedrock-runtime",
            key.variable
        )),
        (None, c) => c.map(|c| c.source.clone()),
    };
    Some(report::Identity {
        account_id: identity.map(|i| i.account_id.clone()),
        arn: identity.map(|i| i.arn.clone()),
        principal_type: identity
            .map(|i| checks::checks::identity::principal_type(&i.arn).to_string()),
        credential_source: source,
    })
}

fn to_result(
    check: &dyn Check,
    subject: Option<String>,
    region: Option<String>,
    report: checks::Report,
    elapsed: Duration,
) -> CheckResult {
    let meta = check.meta();
    // A message AWS (or anything posing as it) sent back may quote the request's Authorization
    // header: no Bedrock API key leaves the process, whole or in part.
    let scrub = checks::facts::api_key::scrub;
    let mut report = report;
    report.summary = scrub(&report.summary);
    for evidence in &mut report.evidence {
        evidence.message = evidence.message.as_deref().map(scrub);
    }
    for value in report.vars.values_mut() {
        *value = scrub(value);
    }
    let fix = report
        .diagnosis
        .filter(|_| report.status != Status::Pass)
        .and_then(|code| catalogue().get(code))
        .map(|d| {
            let fix = render_fix(d.fix.trim(), &report.vars);
            // The ids that work here, when a check worked them out (model-id problems).
            match report.vars.get("works_here") {
                Some(ids) => format!("{fix}\n{ids}"),
                None => fix,
            }
        });
    CheckResult {
        id: meta.id.into(),
        subject,
        region,
        title: meta.title.into(),
        category: meta.category.as_str().into(),
        status: report.status,
        diagnosis: report.diagnosis.map(str::to_string),
        summary: report.summary,
        fix,
        evidence: report.evidence,
        duration_ms: elapsed.as_millis() as u64,
    }
}

fn timed_out(job: &Job, region: Option<String>, deadline: Duration) -> CheckResult {
    let report = checks::Report::error(
        dx::TIMEOUT,
        format!(
            "did not finish within the run's deadline ({} s, --timeout)",
            deadline.as_secs_f64()
        ),
    );
    to_result(job.check, job.subject.clone(), region, report, deadline)
}

fn crashed(job: &Job, region: Option<String>, detail: &str) -> CheckResult {
    let report = checks::Report::error(
        dx::UNKNOWN,
        format!("internal error in this check: {detail}"),
    );
    to_result(
        job.check,
        job.subject.clone(),
        region,
        report,
        Duration::ZERO,
    )
}

fn panic_text(err: tokio::task::JoinError) -> String {
    if !err.is_panic() {
        return "cancelled".into();
    }
    let payload = err.into_panic();
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use checks::{Category, CheckMeta, Report as CheckReport};
    use futures_util::future::BoxFuture;

    struct Hangs;
    struct Panics;
    struct Passes;

    static META: CheckMeta = CheckMeta {
        id: "test",
        title: "Test",
        category: Category::Other,
        per_model: false,
        per_region: false,
        description: "test",
        calls: &[],
    };

    impl Check for Hangs {
        fn meta(&self) -> &'static CheckMeta {
            &META
        }
        fn run<'a>(&'a self, _facts: &'a Facts) -> BoxFuture<'a, CheckReport> {
            Box::pin(std::future::pending())
        }
    }

    impl Check for Panics {
        fn meta(&self) -> &'static CheckMeta {
            &META
        }
        fn run<'a>(&'a self, _facts: &'a Facts) -> BoxFuture<'a, CheckReport> {
            Box::pin(async { panic!("boom") })
        }
    }

    impl Check for Passes {
        fn meta(&self) -> &'static CheckMeta {
            &META
        }
        fn run<'a>(&'a self, _facts: &'a Facts) -> BoxFuture<'a, CheckReport> {
            Box::pin(async { CheckReport::pass("fine") })
        }
    }

    fn settings() -> Settings {
        Settings {
            region: Some("us-east-1".into()),
            call_timeout: Duration::from_secs(1),
            given: Default::default(),
            ..Settings::default()
        }
    }

    // Paused time: the runtime's clock stands still while anything can run and then jumps to the
    // next timer, so the deadline is observed exactly, however loaded the machine is.
    #[tokio::test(start_paused = true)]
    async fn a_hanging_check_is_reported_at_the_deadline_and_others_still_count() {
        let deadline = Duration::from_millis(400);
        let started = tokio::time::Instant::now();
        let report = run(settings(), &[&Hangs, &Passes], deadline, &|_, _| {}).await;
        // Exactly at the deadline: not before it, and not at the 1 s per-call timeout either.
        assert_eq!(started.elapsed(), deadline);
        assert_eq!(report.checks[0].status, Status::Error);
        assert_eq!(report.checks[0].diagnosis.as_deref(), Some(dx::TIMEOUT));
        assert_eq!(report.checks[1].status, Status::Pass);
        assert_eq!(report.exit_code(crate::report::FailOn::Fail), 1);
    }

    #[test]
    fn no_bedrock_api_key_leaves_through_a_report() {
        // What an endpoint that takes no API keys answers: SigV4's error quotes the header.
        let key =
            "bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29tLz9BY3Rpb249Q2FsbFdpdGhCZWFyZXJUb2tlbg==";
        let quoted = format!("Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters. Authorization=Bearer {key}");
        let report = CheckReport::error(
            dx::UNKNOWN,
            format!("bedrock ListFoundationModels failed: {quoted}"),
        )
        .evidence([checks::Evidence {
            message: Some(quoted.clone()),
            ..checks::Evidence::default()
        }]);
        let result = to_result(&Passes, None, None, report, Duration::ZERO);
        let all = serde_json::to_string(&result).unwrap();
        assert!(!all.contains("YmVkcm9jay5hbWF6"), "{all}");
        assert!(
            all.contains("Authorization=Bearer bedrock-api-key-YmVk…"),
            "{all}"
        );
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_panicking_check_becomes_an_error_not_a_crash() {
        let report = run(
            settings(),
            &[&Panics, &Passes],
            Duration::from_secs(5),
            &|_, _| {},
        )
        .await;
        assert_eq!(report.checks[0].status, Status::Error);
        assert!(
            report.checks[0].summary.contains("boom"),
            "{}",
            report.checks[0].summary
        );
        assert_eq!(report.checks[1].status, Status::Pass);
    }
}
