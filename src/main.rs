//! bedrock-doctor: can these AWS credentials, in this region, call Claude through Amazon Bedrock?

mod cli;
mod explain;
mod redact;
mod render;
mod report;
mod runner;

use anyhow::{bail, Context, Result};
use clap::Parser;
use cli::{Cli, Command, Format, ListFormat, ShowFormat};
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
            eprintln!(
                "bedrock-doctor: {}",
                checks::calls::one_line(&format!("{err:#}"))
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
            message,
        }) => explain(format, verbose, &message),
        Some(Command::Show {
            report,
            format,
            verbose,
        }) => show(&report, format, verbose),
    }
}

fn check(args: cli::CheckArgs) -> Result<i32> {
    let run = args.validate()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    runtime
        .block_on(checks::facts::validate_profile(
            run.settings.profile.as_deref(),
        ))
        .map_err(anyhow::Error::msg)?;
    let report = runtime.block_on(runner::run(run.settings, &run.selected, run.deadline));
    let exit = report.exit_code();

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
        Format::Json => serde_json::to_string_pretty(&json)? + "\n",
        Format::Table => render::table::render(&report, run.verbose, render::use_colour()),
        Format::Markdown => render::markdown::render(&report),
    };
    print(&text);
    runtime.shutdown_background();
    Ok(exit)
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

fn explain(format: ListFormat, verbose: u8, message: &str) -> Result<i32> {
    let text = if message == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .context("reading standard input")?;
        String::from_utf8(bytes).context("standard input is not UTF-8 text")?
    } else {
        message.to_string()
    };
    if text.trim().is_empty() {
        bail!("nothing to explain: the message is empty");
    }
    let explanation = explain::explain(&text);
    let out = match format {
        ListFormat::Json => serde_json::to_string_pretty(&explanation)? + "\n",
        ListFormat::Table => explain::render_text(&explanation, verbose),
    };
    print(&out);
    Ok(0)
}

fn show(path: &std::path::Path, format: ShowFormat, verbose: u8) -> Result<i32> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let report = report::Report::from_saved(&text)
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let out = match format {
        ShowFormat::Table => render::table::render(&report, verbose, render::use_colour()),
        ShowFormat::Markdown => render::markdown::render(&report),
    };
    print(&out);
    Ok(report.exit_code())
}

/// Writes to stdout, ignoring a closed pipe (`bedrock-doctor | head`).
fn print(text: &str) {
    let _ = std::io::stdout().write_all(text.as_bytes());
}
