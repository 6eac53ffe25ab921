//! Renderers: a report in, text out. No renderer calls AWS or decides a verdict.

pub mod junit;
pub mod markdown;
pub mod table;

use checks::{Evidence, Status};
use std::io::IsTerminal;

/// Symbols that survive copy-paste, always printed beside the status word.
pub fn symbol(status: Status) -> &'static str {
    match status {
        Status::Pass => "✓",
        Status::Warn => "!",
        Status::Fail => "✗",
        Status::Skip => "-",
        Status::Error => "?",
    }
}

/// Whether to colour: `--color always|never` decide; `auto` colours a terminal unless `NO_COLOR` is
/// set to anything non-empty (https://no-color.org), and `CLICOLOR_FORCE` (non-empty, not `0`)
/// colours even off a terminal.
pub fn use_colour(choice: crate::cli::ColorChoice) -> bool {
    let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty() && v != "0");
    match choice {
        crate::cli::ColorChoice::Always => true,
        crate::cli::ColorChoice::Never => false,
        crate::cli::ColorChoice::Auto
            if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) =>
        {
            false
        }
        crate::cli::ColorChoice::Auto => set("CLICOLOR_FORCE") || std::io::stdout().is_terminal(),
    }
}

/// The `--app` block: each value the app's configuration set and where, then its notes.
pub fn app_lines(app: &crate::report::AppReport) -> Vec<String> {
    let mut lines = vec![format!("App: {}", app.name)];
    for v in &app.values {
        lines.push(format!("  {} = {}  ({})", v.key, v.value, v.source));
    }
    for note in &app.notes {
        lines.push(format!("  ! {note}"));
    }
    lines
}

/// One line of evidence: what was called where, and what came back.
pub fn evidence_line(e: &Evidence) -> String {
    let mut parts = vec![format!("{} {}", e.service, e.operation)];
    if let Some(region) = &e.region {
        parts.push(region.clone());
    }
    if let Some(status) = e.http_status {
        parts.push(format!("HTTP {status}"));
    }
    if let Some(code) = &e.error_code {
        parts.push(code.clone());
    }
    if let Some(id) = &e.request_id {
        parts.push(format!("request id {id}"));
    }
    if let Some(ms) = e.duration_ms {
        parts.push(format!("{ms} ms"));
    }
    if let Some(n) = e.attempts.filter(|n| *n > 1) {
        parts.push(format!("{n} attempts"));
    }
    let mut line = parts.join(" · ");
    if let Some(message) = &e.message {
        line.push_str(&format!(" — {message}"));
    }
    line
}

pub fn tally(summary: &crate::report::Summary) -> String {
    let total = summary.pass + summary.warn + summary.fail + summary.skip + summary.error;
    format!(
        "{total} checks: {} pass, {} warn, {} fail, {} error, {} skip",
        summary.pass, summary.warn, summary.fail, summary.error, summary.skip
    )
}
