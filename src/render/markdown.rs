//! A report for pasting into a support ticket: GitHub-flavoured Markdown, evidence folded away.

use super::untrusted::{md_code, md_prose, md_text};
use super::{
    cell_text, evidence_line, group, symbol, tally, title_with_model, REGION, SUMMARY_REGION,
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

pub fn render(report: &Report) -> String {
    if report.is_sweep() {
        return render_sweep(report);
    }
    let mut out = String::from("## bedrock-doctor report\n\n");
    out.push_str(&format!("**{}**\n\n", tally(&report.summary)));
    let who = report
        .identity
        .as_ref()
        .and_then(|i| i.arn.as_deref().or(i.credential_source.as_deref()))
        .unwrap_or("unknown");
    out.push_str(&format!(
        "- Caller: {}\n- Region: {}\n- Model: {}\n\n",
        md_code(who),
        md_code(report.target.region.as_deref().unwrap_or("none")),
        md_code(report.target.model_id.as_deref().unwrap_or("none"))
    ));
    if let Some(app) = &report.target.app {
        out.push_str(&fenced(&super::app_lines(app).join("\n")));
    }
    out.push_str("| Status | Check | Diagnosis | Summary |\n|---|---|---|---|\n");
    for check in &report.checks {
        out.push_str(&format!(
            "| {} {} | {} | {} | {} |\n",
            symbol(check.status),
            check.status.as_str(),
            cell(&match &check.subject {
                Some(model) if report.target.model_ids.len() > 1 =>
                    format!("{} ({model})", check.title),
                _ => check.title.clone(),
            }),
            check.diagnosis.as_deref().map(md_code).unwrap_or_default(),
            cell(&check.summary)
        ));
    }
    let to_fix: Vec<_> = report.checks.iter().filter(|c| c.fix.is_some()).collect();
    if !to_fix.is_empty() {
        out.push_str("\n### How to fix\n\n");
        for (n, check) in to_fix.iter().enumerate() {
            out.push_str(&format!(
                "{}. **{}** ({})\n\n",
                n + 1,
                md_text(&check.title),
                md_code(check.diagnosis.as_deref().unwrap_or("unknown"))
            ));
            for line in check.fix.as_deref().unwrap_or_default().lines() {
                out.push_str(&format!("   {}\n", md_prose(line)));
            }
            out.push('\n');
        }
    }
    out.push_str("\n<details><summary>Evidence</summary>\n\n");
    for check in &report.checks {
        for evidence in &check.evidence {
            out.push_str(&format!(
                "- {}: {}\n",
                md_code(&check.id),
                cell(&evidence_line(evidence))
            ));
        }
    }
    out.push_str("\n</details>\n\n");
    out.push_str(&footer(report));
    out
}

fn status_line(check: &CheckResult) -> String {
    format!("{} {}", symbol(check.status), check.status.as_str())
}

/// A sweep: the account-wide checks as a list, the region-scoped ones as a matrix (one column per
/// region), then each fix once with the regions it applies to.
fn render_sweep(report: &Report) -> String {
    let regions = &report.target.regions;
    let mut out = String::from("## bedrock-doctor report\n\n");
    out.push_str(&format!("**{}**\n\n", tally(&report.summary)));
    let who = report
        .identity
        .as_ref()
        .and_then(|i| i.arn.as_deref())
        .unwrap_or("unknown");
    let listed: Vec<String> = regions.iter().map(|r| md_code(r)).collect();
    out.push_str(&format!(
        "- Caller: {}\n- Regions ({}): {}\n- Model: {}\n\n",
        md_code(who),
        regions.len(),
        listed.join(", "),
        md_code(report.target.model_id.as_deref().unwrap_or("none"))
    ));

    let account: Vec<&CheckResult> = report
        .checks
        .iter()
        .filter(|c| c.region.is_none())
        .collect();
    if !account.is_empty() {
        out.push_str(&format!(
            "### Account-wide (checked once, from {})\n\n",
            md_code(report.target.region.as_deref().unwrap_or("no region"))
        ));
        out.push_str("| Status | Check | Diagnosis | Summary |\n|---|---|---|---|\n");
        for check in account {
            out.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                status_line(check),
                cell(&title_with_model(check, report)),
                check.diagnosis.as_deref().map(md_code).unwrap_or_default(),
                cell(&check.summary)
            ));
        }
        out.push('\n');
    }

    let mut rows: Vec<&CheckResult> = Vec::new();
    for check in report.checks.iter().filter(|c| c.region.is_some()) {
        if !rows
            .iter()
            .any(|r| r.id == check.id && r.subject == check.subject)
        {
            rows.push(check);
        }
    }
    if !rows.is_empty() {
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
                let found = report.checks.iter().find(|c| {
                    c.id == row.id
                        && c.subject == row.subject
                        && c.region.as_deref() == Some(region.as_str())
                });
                let text = match found {
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

    let fixes = group(report, |c| c.fix.is_some());
    if !fixes.is_empty() {
        out.push_str("### How to fix\n\n");
        for (n, g) in fixes.iter().enumerate() {
            let place = match g.regions.len() {
                0 => String::new(),
                _ => {
                    let named: Vec<String> = g.regions.iter().map(|r| md_code(r)).collect();
                    format!(" in {}", named.join(", "))
                }
            };
            out.push_str(&format!(
                "{}. **{}** ({}){place}\n\n",
                n + 1,
                md_text(&title_with_model(g.first, report)),
                md_code(g.first.diagnosis.as_deref().unwrap_or("unknown"))
            ));
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
            let fix = g.fix.as_ref().map(|f| f.render(REGION)).unwrap_or_default();
            for line in fix.lines() {
                out.push_str(&format!("   {}\n", md_prose(line)));
            }
            if fix.contains(REGION) {
                let named: Vec<String> = g.regions.iter().map(|r| md_code(r)).collect();
                out.push_str(&format!(
                    "\n   (run it with `REGION` set to each of {})\n",
                    named.join(", ")
                ));
            }
            out.push('\n');
        }
    }

    out.push_str("\n<details><summary>Evidence</summary>\n\n");
    for check in &report.checks {
        let place = check
            .region
            .as_deref()
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
