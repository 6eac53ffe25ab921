//! The terminal table: a row per check, then a numbered "How to fix" list for everything not passing.
//! A `--regions` sweep reads as the account-wide checks, then a matrix (check × region), then the
//! fixes, each printed once for all the regions it applies to.

use super::{
    account_wide, cell_in, cell_text, coloured, evidence_line, group, matrix_rows, new_table,
    symbol, tally, title_with_model, Group, REGION, SUMMARY_REGION,
};
use crate::report::{CheckResult, Report};
use checks::catalogue::catalogue;
use checks::Status;
use comfy_table::Cell;

/// One walk for both shapes of report: a single region reads as a sweep of one region with the
/// region column hidden (every check in one table, no region named in the fixes).
pub fn render(report: &Report, verbose: u8, colour: bool) -> String {
    let sweep = report.is_sweep();
    let mut out = header(report, sweep);
    if sweep {
        let account = account_wide(report);
        if !account.is_empty() {
            out.push_str(&format!(
                "\nAccount-wide, checked once (from {})\n",
                report.target.region.as_deref().unwrap_or("no region")
            ));
            out.push_str(&status_table(report, &account, None, verbose, colour));
        }
        push_matrix(&mut out, report, colour);
        if verbose > 0 {
            push_region_evidence(&mut out, report);
        }
    } else {
        let all: Vec<&CheckResult> = report.checks.iter().collect();
        let waiting = waiting_on(report);
        out.push_str(&status_table(report, &all, waiting, verbose, colour));
    }
    push_fixes(&mut out, report, sweep);
    if sweep {
        push_skipped(&mut out, report);
    }
    out.push_str(&format!("\n{}\n", tally(&report.summary)));
    out
}

/// Who ran where: the caller (or, without an ARN, where the credentials came from) and the region,
/// or the number of regions swept; then the `--app` block.
fn header(report: &Report, sweep: bool) -> String {
    let mut out = String::new();
    if let Some(identity) = &report.identity {
        let who = identity
            .arn
            .as_deref()
            .or(identity.credential_source.as_deref())
            .unwrap_or("unknown caller");
        let place = match sweep {
            true => format!("{} regions", report.target.regions.len()),
            false => report
                .target
                .region
                .as_deref()
                .unwrap_or("no region")
                .to_string(),
        };
        out.push_str(&format!(
            "bedrock-doctor {} · {who} · {place}\n",
            report.tool.version
        ));
    }
    if let Some(app) = &report.target.app {
        for line in super::app_lines(app) {
            out.push_str(&line);
            out.push('\n');
        }
        // A sweep's sections open with their own blank line.
        if !sweep {
            out.push('\n');
        }
    }
    out
}

/// A row per check (status, title, summary), its evidence below it with `-v`. The skips that all
/// wait on one check (`waiting`) read as one row.
fn status_table(
    report: &Report,
    checks: &[&CheckResult],
    waiting: Option<(String, Vec<&str>)>,
    verbose: u8,
    colour: bool,
) -> String {
    let (mut table, _) = new_table(colour);
    table.set_header(["Status", "Check", "Summary"]);
    let mut grouped_shown = false;
    for check in checks {
        // Many checks skipped for one missing precondition read as one line, not a wall of skips:
        // the fix for that precondition is what matters (a first run with no credentials, say).
        if let Some((needed, titles)) = waiting
            .as_ref()
            .filter(|(_, titles)| titles.contains(&check.title.as_str()))
        {
            if !grouped_shown {
                grouped_shown = true;
                let summary = format!("need `{needed}` to pass first: {}", titles.join(", "));
                table.add_row(vec![
                    status_cell(Status::Skip, colour),
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
    table.to_string() + "\n"
}

fn status_cell(status: Status, colour: bool) -> Cell {
    coloured(
        Cell::new(format!("{} {}", symbol(status), status.as_str())),
        status,
        colour,
    )
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

/// A check's title, with the model it is about (on its own line) when the run tests several.
fn title_of(check: &CheckResult, report: &Report) -> String {
    match &check.subject {
        Some(model) if report.target.model_ids.len() > 1 => format!("{}\n  {model}", check.title),
        _ => check.title.clone(),
    }
}

/// One row per region-scoped check (and model), one column per region, continued below itself
/// when the regions do not fit the width.
fn push_matrix(out: &mut String, report: &Report, colour: bool) {
    let rows = matrix_rows(report);
    if rows.is_empty() {
        return;
    }
    let labels: Vec<String> = rows.iter().map(|row| title_of(row, report)).collect();
    out.push_str("\nIn each region\n");
    let (_, width) = new_table(colour);
    for chunk in columns_that_fit(report, &labels, usize::from(width)) {
        let (mut table, _) = new_table(colour);
        let mut header = vec![Cell::new("Check")];
        header.extend(chunk.iter().map(Cell::new));
        table.set_header(header);
        for (row, label) in rows.iter().zip(&labels) {
            let mut line = vec![Cell::new(label)];
            for region in &chunk {
                line.push(match cell_in(report, row, region) {
                    Some(check) => coloured(Cell::new(cell_text(check)), check.status, colour),
                    None => Cell::new("·"),
                });
            }
            table.add_row(line);
        }
        out.push_str(&table.to_string());
        out.push('\n');
    }
}

/// With `-v`, the evidence of the region-scoped checks (the matrix has no room for it).
fn push_region_evidence(out: &mut String, report: &Report) {
    out.push_str("\nEvidence\n");
    for check in report.checks.iter().filter(|c| c.region.is_some()) {
        for evidence in &check.evidence {
            out.push_str(&format!(
                "  {} · {}: {}\n",
                title_with_model(check, report),
                check.region.as_deref().unwrap_or_default(),
                evidence_line(evidence)
            ));
        }
    }
}

/// The numbered fixes, each once. In a sweep a fix names its regions and what each cell said; in
/// a single region the one region goes unsaid.
fn push_fixes(out: &mut String, report: &Report, sweep: bool) {
    let fixes = group(report, |c| c.fix.is_some());
    if fixes.is_empty() {
        return;
    }
    out.push_str("\nHow to fix\n");
    for (n, g) in fixes.iter().enumerate() {
        let code = g.first.diagnosis.as_deref().unwrap_or("unknown");
        let title = catalogue()
            .get(code)
            .map(|d| d.title.as_str())
            .unwrap_or_default();
        let place = match sweep && !g.regions.is_empty() {
            true => format!(" in {}", g.region_list()),
            false => String::new(),
        };
        out.push_str(&format!(
            "{:>2}. {} [{code}]{place}: {title}\n",
            n + 1,
            title_with_model(g.first, report)
        ));
        if sweep {
            push_summaries(out, g);
        }
        let fix = g.fix.as_ref().map(|f| f.render(REGION)).unwrap_or_default();
        for line in fix.lines() {
            out.push_str(&format!("    {line}\n"));
        }
        if sweep && fix.contains(REGION) {
            out.push_str(&format!(
                "    (run it with REGION set to each of {})\n",
                g.regions.join(", ")
            ));
        }
    }
}

/// The region-scoped skips of a sweep, grouped as the fixes are (the matrix shows only `skip`).
fn push_skipped(out: &mut String, report: &Report) {
    let skipped = group(report, |c| c.status == Status::Skip && c.region.is_some());
    if skipped.is_empty() {
        return;
    }
    out.push_str("\nSkipped\n");
    for g in &skipped {
        out.push_str(&format!(
            " - {} in {}\n",
            title_with_model(g.first, report),
            g.region_list()
        ));
        push_summaries(out, g);
    }
}

/// What each cell of a group said, once per distinct wording, naming its regions when the
/// group has several.
fn push_summaries(out: &mut String, g: &Group<'_>) {
    for summary in &g.summaries {
        let text = summary.render(SUMMARY_REGION);
        if g.regions.len() > 1 {
            out.push_str(&format!("    {}: {text}\n", summary.regions.join(", ")));
        } else {
            out.push_str(&format!("    {text}\n"));
        }
    }
}

/// The regions, in the run's order, cut into runs of columns that fit the width beside the
/// check column: 16 regions do not fit one terminal, so the matrix continues below itself.
fn columns_that_fit<'a>(report: &'a Report, labels: &[String], width: usize) -> Vec<Vec<&'a str>> {
    let widest = |text: &str| text.lines().map(|l| l.chars().count()).max().unwrap_or(0);
    let label = labels.iter().map(|l| widest(l)).max().unwrap_or(5).min(40) + 3;
    let mut chunks: Vec<Vec<&str>> = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    let mut used = label + 1;
    for region in &report.target.regions {
        let cells = report
            .checks
            .iter()
            .filter(|c| c.region.as_deref() == Some(region.as_str()))
            .map(|c| widest(&cell_text(c)))
            .max()
            .unwrap_or(0);
        let column = widest(region).max(cells) + 3;
        if !current.is_empty() && used + column > width {
            chunks.push(std::mem::take(&mut current));
            used = label + 1;
        }
        current.push(region.as_str());
        used += column;
    }
    if !current.is_empty() {
        chunks.push(current);
    }
    chunks
}
