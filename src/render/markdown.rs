//! A report for pasting into a support ticket: GitHub-flavoured Markdown, evidence folded away.

use super::untrusted::{md_code, md_prose, md_text};
use super::{
    account_wide, cell_in, cell_text, evidence_line, group, matrix_rows, symbol, tally,
    title_with_model, REGION, SUMMARY_REGION,
};
use crate::report::{CheckResult, Report};

/// A table cell or list item: any text in a report may come from outside (AWS, a saved report), so
/// none of it may act as Markdown or HTML.
fn cell(text: &str) -> String {
    md_text(text)
}

/// A fenced block around `text` whose fence is longer than any backtick run inside it.
fn fenced(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat((longest + 1).max(3));
    format!("{fence}text\n{text}\n{fence}\n\n")
}

fn footer(report: &Report) -> String {
    format!(
        "_{} {} · {} · {} ms_\n",
        md_text(&report.tool.name),
        md_text(&report.tool.version),
        md_text(&report.generated_at),
        report.duration_ms
    )
}

/// One walk for both shapes of report: a single region reads as a sweep of one region with the
/// region column hidden (every check in one table, no region named in the fixes or evidence).
pub fn render(report: &Report) -> String {
    let sweep = report.is_sweep();
    let mut out = String::from("## bedrock-doctor report\n\n");
    out.push_str(&format!("**{}**\n\n", tally(&report.summary)));
    push_target(&mut out, report, sweep);
    if sweep {
        let account = account_wide(report);
        if !account.is_empty() {
            out.push_str(&format!(
                "### Account-wide (checked once, from {})\n\n",
                md_code(report.target.region.as_deref().unwrap_or("no region"))
            ));
            push_status_table(&mut out, report, &account);
            out.push('\n');
        }
        push_matrix(&mut out, report);
    } else {
        let all: Vec<&CheckResult> = report.checks.iter().collect();
        push_status_table(&mut out, report, &all);
    }
    push_fixes(&mut out, report, sweep);
    out.push_str("\n<details><summary>Evidence</summary>\n\n");
    for check in &report.checks {
        let place = check
            .region
            .as_deref()
            .filter(|_| sweep)
            .map(|r| format!(" ({})", md_text(r)))
            .unwrap_or_default();
        for evidence in &check.evidence {
            out.push_str(&format!(
                "- {}{place}: {}\n",
                md_code(&check.id),
                cell(&evidence_line(evidence))
            ));
        }
    }
    out.push_str("\n</details>\n\n");
    out.push_str(&footer(report));
    out
}

/// Caller, region (or the regions swept) and model; then the `--app` block.
fn push_target(out: &mut String, report: &Report, sweep: bool) {
    let identity = report.identity.as_ref();
    let who = identity
        .and_then(|i| i.arn.as_deref().or(i.credential_source.as_deref()))
        .unwrap_or("unknown");
    let model = md_code(report.target.model_id.as_deref().unwrap_or("none"));
    if sweep {
        let regions = &report.target.regions;
        let listed: Vec<String> = regions.iter().map(|r| md_code(r)).collect();
        out.push_str(&format!(
            "- Caller: {}\n- Regions ({}): {}\n- Model: {model}\n\n",
            md_code(who),
            regions.len(),
            listed.join(", "),
        ));
    } else {
        out.push_str(&format!(
            "- Caller: {}\n- Region: {}\n- Model: {model}\n\n",
            md_code(who),
            md_code(report.target.region.as_deref().unwrap_or("none")),
        ));
    }
    if let Some(app) = &report.target.app {
        out.push_str(&fenced(&super::app_lines(app).join("\n")));
    }
}

fn push_status_table(out: &mut String, report: &Report, checks: &[&CheckResult]) {
    out.push_str("| Status | Check | Diagnosis | Summary |\n|---|---|---|---|\n");
    for check in checks {
        out.push_str(&format!(
            "| {} {} | {} | {} | {} |\n",
            symbol(check.status),
            check.status.as_str(),
            cell(&title_with_model(check, report)),
            check.diagnosis.as_deref().map(md_code).unwrap_or_default(),
            cell(&check.summary)
        ));
    }
}

/// One row per region-scoped check (and model), one column per region.
fn push_matrix(out: &mut String, report: &Report) {
    let regions = &report.target.regions;
    let rows = matrix_rows(report);
    if rows.is_empty() {
        return;
    }
    out.push_str("### In each region\n\n| Check |");
    for region in regions {
        out.push_str(&format!(" {} |", md_text(region)));
    }
    out.push_str("\n|---|");
    out.push_str(&"---|".repeat(regions.len()));
    out.push('\n');
    for row in rows {
        out.push_str(&format!("| {} |", cell(&title_with_model(row, report))));
        for region in regions {
            let text = match cell_in(report, row, region) {
                Some(check) => cell_text(check)
                    .lines()
                    .enumerate()
                    .map(|(n, line)| if n == 1 { md_code(line) } else { cell(line) })
                    .collect::<Vec<_>>()
                    .join(" "),
                None => "·".into(),
            };
            out.push_str(&format!(" {text} |"));
        }
        out.push('\n');
    }
    out.push('\n');
}

/// The numbered fixes, each once. In a sweep a fix names its regions and what each cell said; in
/// a single region the one region goes unsaid.
fn push_fixes(out: &mut String, report: &Report, sweep: bool) {
    let fixes = group(report, |c| c.fix.is_some());
    if fixes.is_empty() {
        return;
    }
    out.push_str(if sweep {
        "### How to fix\n\n"
    } else {
        "\n### How to fix\n\n"
    });
    for (n, g) in fixes.iter().enumerate() {
        let named: Vec<String> = g.regions.iter().map(|r| md_code(r)).collect();
        let place = match sweep && !named.is_empty() {
            true => format!(" in {}", named.join(", ")),
            false => String::new(),
        };
        out.push_str(&format!(
            "{}. **{}** ({}){place}\n\n",
            n + 1,
            md_text(&title_with_model(g.first, report)),
            md_code(g.first.diagnosis.as_deref().unwrap_or("unknown"))
        ));
        if sweep {
            for summary in &g.summaries {
                let text = cell(&summary.render(SUMMARY_REGION));
                if g.regions.len() > 1 {
                    out.push_str(&format!(
                        "   - {}: {text}\n",
                        md_text(&summary.regions.join(", "))
                    ));
                } else {
                    out.push_str(&format!("   - {text}\n"));
                }
            }
            out.push('\n');
        }
        let fix = g.fix.as_ref().map(|f| f.render(REGION)).unwrap_or_default();
        for line in fix.lines() {
            out.push_str(&format!("   {}\n", md_prose(line)));
        }
        if sweep && fix.contains(REGION) {
            out.push_str(&format!(
                "\n   (run it with `REGION` set to each of {})\n",
                named.join(", ")
            ));
        }
        out.push('\n');
    }
}
