//! `--format junit`: one test case per check (and per model), for CI systems that read JUnit XML.
//! `fail` is a `<failure>`, `error` an `<error>`, `skip` `<skipped>`; a `warn` passes, with its
//! diagnosis in `<system-out>` (use `--fail-on warn` to fail the process on it).

use crate::report::Report;
use checks::Status;

pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 cannot carry most control characters, not even escaped.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

pub fn render(report: &Report) -> String {
    let s = &report.summary;
    let tests = report.checks.len();
    let time = report.duration_ms as f64 / 1000.0;
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"bedrock-doctor\" tests=\"{tests}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{time:.3}\">\n",
        s.fail, s.error, s.skip
    ));
    out.push_str(&format!(
        "  <testsuite name=\"bedrock-doctor {}\" tests=\"{tests}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{time:.3}\" timestamp=\"{}\">\n",
        escape(&if report.is_sweep() {
            report.target.regions.join(", ")
        } else {
            report.target.region.clone().unwrap_or_else(|| "no region".into())
        }),
        s.fail,
        s.error,
        s.skip,
        escape(&report.generated_at)
    ));
    push_testcases(&mut out, report);
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

/// One `<testcase>` per check result of `report` (per model, and per region in a sweep), each
/// indented for a `<testsuite>`: what one report is in any suite, `check`'s or an organisation's.
pub fn push_testcases(out: &mut String, report: &Report) {
    for check in &report.checks {
        let mut name = match &check.subject {
            Some(model) => format!("{} ({model})", check.id),
            None => check.id.clone(),
        };
        // In a sweep the same check runs in every region: the region tells the cases apart.
        if let Some(region) = check.region.as_deref().filter(|_| report.is_sweep()) {
            name.push_str(&format!(" [{region}]"));
        }
        let head = format!(
            "    <testcase classname=\"bedrock-doctor.{}\" name=\"{}\" time=\"{:.3}\"",
            escape(&check.category),
            escape(&name),
            check.duration_ms as f64 / 1000.0
        );
        let code = check.diagnosis.as_deref().unwrap_or("unknown");
        let message = escape(&format!("{code}: {}", check.summary));
        let fix = escape(check.fix.as_deref().unwrap_or_default());
        let body = match check.status {
            Status::Pass => None,
            Status::Fail => Some(format!(
                "      <failure type=\"{}\" message=\"{message}\">{fix}</failure>\n",
                escape(code)
            )),
            Status::Error => Some(format!(
                "      <error type=\"{}\" message=\"{message}\">{fix}</error>\n",
                escape(code)
            )),
            Status::Skip => Some(format!(
                "      <skipped message=\"{}\"/>\n",
                escape(&check.summary)
            )),
            Status::Warn => Some(format!(
                "      <system-out>warn {message}\n{fix}</system-out>\n"
            )),
        };
        match body {
            None => out.push_str(&format!("{head}/>\n")),
            Some(body) => out.push_str(&format!("{head}>\n{body}    </testcase>\n")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_markup_and_drops_control_characters() {
        assert_eq!(
            escape("a<b & \"c\"\u{1}"),
            "a&lt;b &amp; &quot;c&quot;\u{fffd}"
        );
    }
}
