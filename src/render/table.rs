//! The terminal table: a row per check, then a numbered "How to fix" list for everything not passing.

use super::{evidence_line, symbol, tally};
use crate::report::Report;
use checks::catalogue::catalogue;
use checks::Status;
use comfy_table::{presets, Cell, Color, ContentArrangement, Table};

pub fn render(report: &Report, verbose: u8, colour: bool) -> String {
    let mut table = Table::new();
    table
        .load_preset(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic);
    if colour {
        table.enforce_styling();
    } else {
        table.force_no_tty();
    }
    // Off a terminal, or on one that reports no usable size (a bare pseudo-terminal reports 0
    // columns), wrap as a terminal of COLUMNS (or 100) columns would.
    let measured = std::io::IsTerminal::is_terminal(&std::io::stdout())
        .then(|| table.width())
        .flatten();
    if measured.is_none_or(|w| w < 40) {
        let width = std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.parse().ok())
            .filter(|w| *w >= 40)
            .unwrap_or(100);
        table.set_width(width);
    }
    table.set_header(["Status", "Check", "Summary"]);
    let waiting = waiting_on(report);
    let mut grouped_shown = false;
    for check in &report.checks {
        // Many checks skipped for one missing precondition read as one line, not a wall of skips:
        // the fix for that precondition is what matters (a first run with no credentials, say).
        if let Some((needed, titles)) = waiting
            .as_ref()
            .filter(|(_, titles)| titles.contains(&check.title.as_str()))
        {
            if !grouped_shown {
                grouped_shown = true;
                let status = status_cell(Status::Skip, colour);
                let summary = format!("need `{needed}` to pass first: {}", titles.join(", "));
                table.add_row(vec![
                    status,
                    Cell::new(format!("{} checks", titles.len())),
                    Cell::new(summary),
                ]);
            }
            continue;
        }
        table.add_row(vec![
            status_cell(check.status, colour),
            Cell::new(title_of(check, report)),
            Cell::new(&check.summary),
        ]);
        if verbose > 0 {
            for evidence in &check.evidence {
                table.add_row(vec![
                    Cell::new(""),
                    Cell::new("  evidence"),
                    Cell::new(evidence_line(evidence)),
                ]);
            }
        }
    }

    let mut out = String::new();
    if let Some(identity) = &report.identity {
        let who = identity
            .arn
            .as_deref()
            .or(identity.credential_source.as_deref())
            .unwrap_or("unknown caller");
        let region = report.target.region.as_deref().unwrap_or("no region");
        out.push_str(&format!(
            "bedrock-doctor {} · {who} · {region}\n",
            report.tool.version
        ));
    }
    if let Some(app) = &report.target.app {
        for line in super::app_lines(app) {
            out.push_str(&line);
            out.push('\n');
        }
        out.push('\n');
    }
    out.push_str(&table.to_string());
    out.push('\n');

    let to_fix: Vec<_> = report.checks.iter().filter(|c| c.fix.is_some()).collect();
    if !to_fix.is_empty() {
        out.push_str("\nHow to fix\n");
        for (n, check) in to_fix.iter().enumerate() {
            let code = check.diagnosis.as_deref().unwrap_or("unknown");
            let title = catalogue()
                .get(code)
                .map(|d| d.title.as_str())
                .unwrap_or_default();
            out.push_str(&format!(
                "{:>2}. {} [{code}]: {title}\n",
                n + 1,
                check.title
            ));
            for line in check.fix.as_deref().unwrap_or_default().lines() {
                out.push_str(&format!("    {line}\n"));
            }
        }
    }
    out.push_str(&format!("\n{}\n", tally(&report.summary)));
    out
}

fn status_cell(status: Status, colour: bool) -> Cell {
    let cell = Cell::new(format!("{} {}", symbol(status), status.as_str()));
    if !colour {
        return cell;
    }
    cell.fg(match status {
        Status::Pass => Color::Green,
        Status::Warn => Color::Yellow,
        Status::Fail => Color::Red,
        Status::Error => Color::Magenta,
        Status::Skip => Color::DarkGrey,
    })
}

/// The check most skips wait on, with the titles of those skips, when there are at least three.
fn waiting_on(report: &Report) -> Option<(String, Vec<&str>)> {
    let mut by_need: Vec<(String, Vec<&str>)> = Vec::new();
    for check in report.checks.iter().filter(|c| c.status == Status::Skip) {
        let Some(rest) = check.summary.strip_prefix("needs `") else {
            continue;
        };
        let needed = rest.split('`').next().unwrap_or_default().to_string();
        match by_need.iter_mut().find(|(n, _)| *n == needed) {
            Some((_, titles)) => titles.push(check.title.as_str()),
            None => by_need.push((needed, vec![check.title.as_str()])),
        }
    }
    by_need
        .into_iter()
        .max_by_key(|(_, titles)| titles.len())
        .filter(|(_, titles)| titles.len() >= 3)
}

/// A check's title, with the model it is about when the run tests several.
fn title_of(check: &crate::report::CheckResult, report: &Report) -> String {
    match &check.subject {
        Some(model) if report.target.model_ids.len() > 1 => format!("{}\n  {model}", check.title),
        _ => check.title.clone(),
    }
}
