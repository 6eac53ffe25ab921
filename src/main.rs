//! bedrock-doctor: can these AWS credentials, in this region, call Claude through Amazon Bedrock?

mod app;
mod cli;
mod cloudtrail;
mod explain;
#[cfg(test)]
mod fuzz;
mod logging;
mod models;
mod org;
mod policy;
mod progress;
mod redact;
mod render;
mod report;
mod runner;
mod trail;

use anyhow::{bail, Context, Result};
use clap::CommandFactory;
use clap::Parser;
use cli::{Cli, ColorChoice, Command, Format, ListFormat, PolicyCommand, ShowFormat};
use std::io::{Read, Write};

/// Exit codes, the contract: 0 nothing failed, 1 a check failed or errored, 2 usage error.
const EXIT_USAGE: i32 = 2;

fn main() {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // clap prints help and version to stdout with exit 0, usage errors to stderr with 2.
            let _ = err.print();
            std::process::exit(if err.use_stderr() { EXIT_USAGE } else { 0 });
        }
    };
    let code = match dispatch(cli) {
        Ok(code) => code,
        Err(err) => {
            // The error may quote a file or a value from outside (a settings file, a saved
            // report's field): shown, never obeyed.
            eprintln!(
                "bedrock-doctor: {}",
                render::untrusted::visible(&checks::calls::one_line(&format!("{err:#}")))
            );
            EXIT_USAGE
        }
    };
    let _ = std::io::stdout().flush();
    // Exit without waiting for blocking work a deadline abandoned (a DNS lookup, say).
    std::process::exit(code);
}

fn dispatch(cli: Cli) -> Result<i32> {
    match cli.command {
        None => check(cli.check),
        Some(Command::Check(args)) => check(args),
        Some(Command::List { format }) => Ok(list(format)),
        Some(Command::Explain {
            format,
            verbose,
            file,
            redact,
            message,
        }) => explain(format, verbose, redact, file.as_deref(), message.as_deref()),
        Some(Command::Show {
            report,
            format,
            verbose,
            color,
        }) => show(&report, format, verbose, color),
        Some(Command::Models {
            region,
            profile,
            endpoint_url,
            format,
        }) => models_command(region, profile, endpoint_url, format),
        Some(Command::Org(args)) => org::command(args),
        Some(Command::Policy {
            no_invoke,
            org_role: false,
            command,
            ..
        }) => {
            let policy = match command {
                PolicyCommand::Check => policy::policy(no_invoke),
                PolicyCommand::Trail => policy::trail_policy(),
                PolicyCommand::Org => policy::org_policy(no_invoke),
            };
            print(&(serde_json::to_string_pretty(&policy)? + "\n"));
            Ok(0)
        }
        Some(Command::Policy {
            no_invoke,
            org_role: true,
            trusted_account,
            command,
        }) => {
            if command != PolicyCommand::Check {
                bail!("--org-role prints the role for `org`, which runs the checks: it takes no --command");
            }
            let template = policy::org_role_template(no_invoke, trusted_account.as_deref())
                .map_err(anyhow::Error::msg)?;
            print(&(serde_json::to_string_pretty(&template)? + "\n"));
            Ok(0)
        }
        Some(Command::Trail(args)) => trail_command(args),
        Some(Command::Schema { org }) => {
            let schema = match org {
                true => org::saved::schema(),
                false => report::schema(),
            };
            print(&(serde_json::to_string_pretty(&schema)? + "\n"));
            Ok(0)
        }
        Some(Command::Completions { shell }) => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "bedrock-doctor", &mut out);
            print(&String::from_utf8_lossy(&out));
            Ok(0)
        }
        Some(Command::Man) => {
            let mut out = Vec::new();
            clap_mangen::Man::new(Cli::command())
                .render(&mut out)
                .context("rendering the man page")?;
            print(&String::from_utf8_lossy(&out));
            Ok(0)
        }
    }
}

fn check(args: cli::CheckArgs) -> Result<i32> {
    let mut run = args.validate()?;
    let app = run.app.take();
    if let Some(app) = &app {
        // Still one thread: nothing else reads the environment yet.
        for (key, value) in &app.env {
            std::env::set_var(key, value);
        }
    }
    let runtime = runtime_for(run.settings.profile.as_deref())?;
    let mut app = app;
    if let Some(app) = app
        .as_mut()
        .filter(|a| a.models_used && !a.unpinned.is_empty())
    {
        // Unpinned aliases mean the newest model of their family today: ask the region, within a
        // third of the run's deadline (the checks need the rest).
        let settings = run.settings.clone();
        let models = &mut run.settings.models;
        let resolve = async {
            let facts = checks::Facts::load(settings).await;
            app::resolve_live(app, models, &facts).await;
        };
        let limit = run.deadline / 3;
        let bounded = runtime.block_on(async { tokio::time::timeout(limit, resolve).await });
        if bounded.is_err() {
            app.report.notes.push(
                "the region's model list did not answer in time: unpinned aliases are tested as Claude Code documents them".into(),
            );
        }
    }
    logging::init(run.verbose);
    let live = !matches!(run.format, Format::Json | Format::Junit)
        && !run.quiet
        && std::io::IsTerminal::is_terminal(&std::io::stderr());
    let sweep = &run.settings.regions;
    let titles: Vec<String> = runner::jobs(&run.selected, &run.settings.models, sweep.len())
        .iter()
        .map(|job| {
            let mut title = job.check.meta().title.to_string();
            if let Some(model) = &job.subject {
                title.push_str(&format!(" · {model}"));
            }
            if let Some(region) = job
                .region
                .and_then(|i| sweep.get(i))
                .filter(|_| sweep.len() > 1)
            {
                title.push_str(&format!(" · {region}"));
            }
            title
        })
        .collect();
    let progress = live.then(|| progress::Progress::start(&titles));
    let on_done = |index: usize, result: &report::CheckResult| {
        if let (Some(p), Some(title)) = (&progress, titles.get(index)) {
            p.done(index, title, result.status);
        }
    };
    let mut report = runtime.block_on(runner::run(
        run.settings,
        &run.selected,
        run.deadline,
        &on_done,
    ));
    report.target.app = app.map(|a| a.report);
    if let Some(p) = progress {
        p.clear();
    }
    let exit = report.exit_code(run.fail_on);

    let mut json = serde_json::to_value(&report).context("serialising the report")?;
    if run.redact {
        redact::redact_json(&mut json);
    }
    let report: report::Report =
        serde_json::from_value(json.clone()).context("re-reading the report")?;
    if let Some(path) = &run.output {
        let text = serde_json::to_string_pretty(&json)? + "\n";
        std::fs::write(path, text)
            .with_context(|| format!("writing the report to {}", path.display()))?;
    }
    let text = match run.format {
        // JSON keeps every text exactly (serde escapes control characters); the renderers draw
        // from the report with untrusted text made visible.
        Format::Json => serde_json::to_string_pretty(&json)? + "\n",
        Format::Table => render::table::render(
            &render::untrusted::for_display(&report),
            run.verbose,
            run.colour.enabled(),
        ),
        Format::Markdown => render::markdown::render(&render::untrusted::for_display(&report)),
        Format::Junit => render::junit::render(&render::untrusted::for_display(&report)),
    };
    print(&text);
    runtime.shutdown_background();
    Ok(exit)
}

/// The one runtime a command that calls AWS runs on, once the named profile is known to exist (a
/// missing profile is a usage error, not a report).
fn runtime_for(profile: Option<&str>) -> Result<tokio::runtime::Runtime> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    runtime
        .block_on(checks::facts::validate_profile(profile))
        .map_err(anyhow::Error::msg)?;
    Ok(runtime)
}

fn models_command(
    region: Option<String>,
    profile: Option<String>,
    endpoint_url: Option<String>,
    format: ListFormat,
) -> Result<i32> {
    // The same validation as `check`: one set of rules for region, profile and endpoint.
    let mut args = vec!["bedrock-doctor".to_string()];
    for (flag, value) in [
        ("--region", &region),
        ("--profile", &profile),
        ("--endpoint-url", &endpoint_url),
    ] {
        if let Some(v) = value {
            args.push(flag.into());
            args.push(v.clone());
        }
    }
    let run = Cli::try_parse_from(args)?.check.validate()?;
    let runtime = runtime_for(run.settings.profile.as_deref())?;
    let deadline = run.deadline;
    let (rows, region) = runtime.block_on(async {
        let facts = checks::Facts::load(run.settings).await;
        let region = facts.region().unwrap_or("no region").to_string();
        (
            tokio::time::timeout(deadline, models::rows(&facts)).await,
            region,
        )
    });
    runtime.shutdown_background();
    let rows = match rows {
        Ok(Ok(rows)) => rows,
        Ok(Err(why)) => {
            eprintln!(
                "bedrock-doctor: cannot list the models of {region}: {}",
                render::untrusted::visible(&why.to_string())
            );
            return Ok(1);
        }
        Err(_) => {
            eprintln!(
                "bedrock-doctor: listing the models of {region} took longer than the deadline"
            );
            return Ok(1);
        }
    };
    let text = match format {
        ListFormat::Json => serde_json::to_string_pretty(&rows)? + "\n",
        ListFormat::Table => {
            render::untrusted::visible_uncapped(&models::render_table(&rows, &region)).into_owned()
        }
    };
    print(&text);
    Ok(0)
}

fn trail_command(args: cli::TrailArgs) -> Result<i32> {
    let window = trail::window::window(
        args.since.as_deref(),
        args.start.as_deref(),
        args.end.as_deref(),
        std::time::SystemTime::now(),
    )?;
    if let Some(principal) = &args.principal {
        cli::check_filter_value("--principal", principal)?;
    }
    if let Some(model) = &args.model {
        cli::check_filter_value("--model", model)?;
    }
    // The same validation as `check`: one set of rules for regions, profile, endpoint, timeout.
    let mut argv = vec![
        "bedrock-doctor".to_string(),
        "--timeout".into(),
        args.timeout.clone(),
    ];
    for (flag, value) in [
        ("--region", &args.region),
        ("--profile", &args.profile),
        ("--endpoint-url", &args.endpoint_url),
    ] {
        if let Some(v) = value {
            argv.push(flag.into());
            argv.push(v.clone());
        }
    }
    if !args.regions.is_empty() {
        argv.push("--regions".into());
        argv.push(args.regions.join(","));
    }
    let run = Cli::try_parse_from(argv)?.check.validate()?;
    logging::init(args.verbose);
    let runtime = runtime_for(run.settings.profile.as_deref())?;
    let filter = cloudtrail::Filter {
        principal: args.principal.clone(),
        model: args.model.clone(),
    };
    let (limit, deadline) = (args.limit, run.deadline);
    let done = runtime.block_on(async {
        let home = std::sync::Arc::new(checks::Facts::load(run.settings.clone()).await);
        let regions = if run.settings.regions.is_empty() {
            home.region()
                .map(|r| vec![r.to_string()])
                .unwrap_or_default()
        } else {
            run.settings.regions.clone()
        };
        if regions.is_empty() {
            return None;
        }
        let request = trail::Request {
            window,
            regions,
            filter,
            limit,
            deadline,
        };
        let outcome = trail::run(home, &request).await;
        Some((request, outcome))
    });
    runtime.shutdown_background();
    let Some((request, mut outcome)) = done else {
        bail!("no region: give --region or --regions, or set AWS_REGION");
    };
    let options = cloudtrail::Options {
        verbose: args.verbose,
        redact: args.redact,
    };
    let groups = trail::diagnose(
        std::mem::take(&mut outcome.groups),
        options,
        run.settings.profile.as_deref(),
    );
    let text = match args.format {
        cli::TrailFormat::Json => trail::render_json(&request, &outcome, &groups, options)?,
        cli::TrailFormat::Table => trail::render_text(&request, &outcome, &groups, options),
        cli::TrailFormat::Markdown => trail::render_markdown(&request, &outcome, &groups, options),
    };
    print(&text);
    Ok(trail::exit_code(&outcome))
}

fn list(format: ListFormat) -> i32 {
    let checks = checks::registry();
    let text = match format {
        ListFormat::Json => {
            let items: Vec<serde_json::Value> = checks
                .iter()
                .map(|c| {
                    let m = c.meta();
                    serde_json::json!({"id": m.id, "title": m.title, "category": m.category.as_str(), "description": m.description})
                })
                .collect();
            serde_json::to_string_pretty(&items).unwrap_or_default() + "\n"
        }
        ListFormat::Table => {
            let mut table = comfy_table::Table::new();
            table
                .load_preset(comfy_table::presets::UTF8_FULL_CONDENSED)
                .force_no_tty();
            table.set_header(["Id", "Title", "Category", "Verifies"]);
            for c in checks {
                let m = c.meta();
                table.add_row([m.id, m.title, m.category.as_str(), m.description]);
            }
            table.to_string() + "\n"
        }
    };
    print(&text);
    0
}

/// Reads at most `limit` bytes from `reader`, refusing more: `what` names the input in the error.
fn read_bounded(reader: impl Read, limit: u64, what: &str) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    reader
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("reading {what}"))?;
    if bytes.len() as u64 > limit {
        bail!(
            "{what} is over {} MiB: explain reads at most that much (split the file, or filter the events first)",
            limit / (1024 * 1024)
        );
    }
    Ok(bytes)
}

fn explain(
    format: ListFormat,
    verbose: u8,
    redact: bool,
    file: Option<&std::path::Path>,
    message: Option<&str>,
) -> Result<i32> {
    let limit = cloudtrail::MAX_INPUT_BYTES;
    let (bytes, what) = match (file, message) {
        (Some(path), _) if path != std::path::Path::new("-") => {
            let what = path.display().to_string();
            let file = std::fs::File::open(path).with_context(|| format!("reading {what}"))?;
            (read_bounded(file, limit, &what)?, what)
        }
        (Some(_), _) | (None, Some("-")) | (None, None) => (
            read_bounded(std::io::stdin().lock(), limit, "standard input")?,
            "standard input".to_string(),
        ),
        (None, Some(message)) => (message.as_bytes().to_vec(), String::new()),
    };
    if let Some(digest) = cloudtrail::read(&bytes) {
        let options = cloudtrail::Options { verbose, redact };
        let out = match format {
            ListFormat::Json => cloudtrail::render_json(digest, options)?,
            ListFormat::Table => cloudtrail::render_text(digest, options),
        };
        print(&out);
        return Ok(0);
    }
    let text = String::from_utf8(bytes).with_context(|| {
        if what.is_empty() {
            "the message is not UTF-8 text".to_string()
        } else {
            format!("{what} is not UTF-8 text")
        }
    })?;
    if text.trim().is_empty() {
        bail!("nothing to explain: the message is empty");
    }
    let explanation = explain::explain(&text);
    let out = match format {
        ListFormat::Json if redact => {
            let mut value = serde_json::to_value(&explanation)?;
            redact::redact_json(&mut value);
            serde_json::to_string_pretty(&value)? + "\n"
        }
        ListFormat::Json => serde_json::to_string_pretty(&explanation)? + "\n",
        // The pasted text is quoted back: every control character in it made visible.
        ListFormat::Table => {
            let text =
                render::untrusted::visible_uncapped(&explain::render_text(&explanation, verbose))
                    .into_owned();
            if redact {
                redact::redact(&text)
            } else {
                text
            }
        }
    };
    print(&out);
    Ok(0)
}

fn show(
    path: &std::path::Path,
    format: ShowFormat,
    verbose: u8,
    color: ColorChoice,
) -> Result<i32> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let saved = org::saved::read(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let colour = render::ColourChoice::from(color).enabled();
    // A saved report is somebody else's text: shown, never obeyed. JSON keeps it exact.
    let (out, exit) = match saved {
        org::saved::Saved::Check(saved) => {
            let report = render::untrusted::for_display(&saved);
            let out = match format {
                ShowFormat::Table => render::table::render(&report, verbose, colour),
                ShowFormat::Markdown => render::markdown::render(&report),
                ShowFormat::Junit => render::junit::render(&report),
                ShowFormat::Json => serde_json::to_string_pretty(&saved)? + "\n",
            };
            (out, saved.exit_code(report::FailOn::Fail))
        }
        org::saved::Saved::Organization(saved) => {
            let out = match format {
                ShowFormat::Json => serde_json::to_string_pretty(&saved)? + "\n",
                format => {
                    let report = render::untrusted::for_display_org(&saved);
                    match format {
                        ShowFormat::Markdown => render::org::markdown(&report),
                        ShowFormat::Junit => render::org::junit(&report),
                        _ => render::org::table(&report, verbose, colour),
                    }
                }
            };
            (out, saved.summary.exit_code())
        }
    };
    print(&out);
    Ok(exit)
}

/// Writes to stdout, ignoring a closed pipe (`bedrock-doctor | head`).
fn print(text: &str) {
    let _ = std::io::stdout().write_all(text.as_bytes());
}
