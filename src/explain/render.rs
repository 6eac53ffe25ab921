//! The text form of an explanation (`explain` without `--format json`).

use super::Explanation;
use checks::catalogue::catalogue;

pub fn render_text(e: &Explanation, verbose: u8) -> String {
    let mut out = String::new();
    let title = catalogue()
        .get(&e.diagnosis)
        .map(|d| d.title.as_str())
        .unwrap_or_default();
    if e.matched {
        out.push_str(&format!("{} [{}] {title}\n\n", e.diagnosis, e.category));
    } else {
        out.push_str("No known diagnosis matches this message (unknown).\n\n");
    }
    out.push_str(&format!("Cause: {}\n\nFix:\n", e.cause));
    for line in e.fix.lines() {
        out.push_str(&format!("  {line}\n"));
    }
    if verbose > 0 {
        out.push_str("\nWhat led there:\n");
        let f = &e.found;
        let status = f.http_status.map(|s| s.to_string());
        let policy = f
            .policy_type
            .as_ref()
            .map(|p| format!("{p} ({})", f.deny.as_deref().unwrap_or("deny")));
        for (label, value) in [
            ("error code", &f.error_code),
            ("operation", &f.operation),
            ("HTTP status", &status),
            ("action", &f.action),
            ("resource", &f.resource),
            ("region", &f.region),
            ("model id", &f.model_id),
            ("endpoint", &f.endpoint),
            ("policy named", &policy),
            ("feature", &f.feature),
            ("refined", &f.note),
            ("matched rule example", &f.rule_example),
            ("seen in", &f.rule_seen_in),
        ] {
            if let Some(v) = value {
                out.push_str(&format!("  {label}: {v}\n"));
            }
        }
    }
    out
}
