//! Where `org` writes: stdout in the chosen format, and the `--output` file (the JSON report, or the
//! jsonl stream), with `--redact` applied to everything and each jsonl line flushed as written.

use super::report::OrgReport;
use crate::cli::OrgFormat;
use anyhow::{Context, Result};
use std::io::Write;

/// Where the report goes: stdout in the chosen format, and the `--output` file (the JSON report,
/// or the jsonl stream), each line flushed as it is written.
pub struct Sink {
    file: Option<(std::path::PathBuf, std::io::BufWriter<std::fs::File>)>,
    redact: bool,
}

impl Sink {
    pub fn open(streaming: bool, output: Option<&std::path::Path>, redact: bool) -> Result<Sink> {
        let file = match output {
            Some(path) if streaming => Some((
                path.to_path_buf(),
                std::io::BufWriter::new(
                    std::fs::File::create(path)
                        .with_context(|| format!("writing the report to {}", path.display()))?,
                ),
            )),
            _ => None,
        };
        Ok(Sink { file, redact })
    }

    fn value(&self, item: &impl serde::Serialize) -> Result<serde_json::Value> {
        let mut json = serde_json::to_value(item).context("serialising the report")?;
        if self.redact {
            crate::redact::redact_json(&mut json);
        }
        Ok(json)
    }

    /// One jsonl line, on stdout and in the file, flushed at once.
    pub fn line(&mut self, item: &impl serde::Serialize) -> Result<()> {
        let text = serde_json::to_string(&self.value(item)?)? + "\n";
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(text.as_bytes());
        let _ = out.flush();
        if let Some((path, file)) = &mut self.file {
            file.write_all(text.as_bytes())
                .and_then(|_| file.flush())
                .with_context(|| format!("writing the report to {}", path.display()))?;
        }
        Ok(())
    }

    /// The whole report, in the chosen format; the JSON to `--output`.
    pub fn report(
        &mut self,
        report: &OrgReport,
        format: OrgFormat,
        verbose: u8,
        colour: bool,
        output: Option<&std::path::Path>,
    ) -> Result<()> {
        let json = self.value(report)?;
        if let Some(path) = output {
            std::fs::write(path, serde_json::to_string_pretty(&json)? + "\n")
                .with_context(|| format!("writing the report to {}", path.display()))?;
        }
        let report: OrgReport =
            serde_json::from_value(json.clone()).context("re-reading the report")?;
        let shown = || crate::render::untrusted::for_display_org(&report);
        let text = match format {
            OrgFormat::Json | OrgFormat::Jsonl => serde_json::to_string_pretty(&json)? + "\n",
            OrgFormat::Table => crate::render::org::table(&shown(), verbose, colour),
            OrgFormat::Markdown => crate::render::org::markdown(&shown()),
            OrgFormat::Junit => crate::render::org::junit(&shown()),
        };
        crate::print(&text);
        Ok(())
    }
}
