//! A report for pasting into a support ticket: GitHub-flavoured Markdown, evidence folded away.

use super::{evidence_line, symbol, tally};
use crate::report::Report;

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

pub fn render(report: &Report) -> String {
    let mut out = String::from("## bedrock-doctor report\n\n");
    out.push_str(&format!("**{}**\n\n", tally(&report.summary)));
    let who = report
        .identity
        .as_ref()
        .and_then(|i| i.arn.as_deref().or(i.credential_source.as_deref()))
        .unwrap_or("unknown");
    out.push_str(&format!(
        "- Caller: `{who}`\n- Region: `{}`\n- Model: `{}`\n\n",
        report.target.region.as_deref().unwrap_or("none"),
        report.target.model_id.as_deref().unwrap_or("none")
    ));
    if let Some(app) = &report.target.app {
        out.push_str(&format!(
            "```text\n{}\n```\n\n",
            super::app_lines(app).join("\n")
        ));
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
            check
                .diagnosis
                .as_deref()
                .map(|d| format!("`{d}`"))
                .unwrap_or_default(),
            cell(&check.summary)
        ));
    }
    let to_fix: Vec<_> = report.checks.iter().filter(|c| c.fix.is_some()).collect();
    if !to_fix.is_empty() {
        out.push_str("\n### How to fix\n\n");
        for (n, check) in to_fix.iter().enumerate() {
            out.push_str(&format!(
                "{}. **{}** (`{}`)\n\n",
                n + 1,
                check.title,
                check.diagnosis.as_deref().unwrap_or("unknown")
            ));
            for line in check.fix.as_deref().unwrap_or_default().lines() {
                out.push_str(&format!("   {line}\n"));
            }
            out.push('\n');
        }
    }
    out.push_str("\n<details><summary>Evidence</summary>\n\n");
    for check in &report.checks {
        for evidence in &check.evidence {
            out.push_str(&format!(
                "- `{}`: {}\n",
                check.id,
                cell(&evidence_line(evidence))
            ));
        }
    }
    out.push_str("\n</details>\n\n");
    out.push_str(&format!(
        "_{} {} · {} · {} ms_\n",
        report.tool.name, report.tool.version, report.generated_at, report.duration_ms
    ));
    out
}
