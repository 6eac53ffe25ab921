//! Renderers: a report in, text out. No renderer calls AWS or decides a verdict.

pub mod junit;
#[cfg(test)]
mod junit_snapshots;
pub mod markdown;
pub mod org;
#[cfg(test)]
pub(crate) mod org_snapshots;
pub mod table;
pub mod untrusted;

use checks::{Evidence, Status};
use comfy_table::{presets, Cell, Color, ContentArrangement, Table};
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

/// When to colour the table. The CLI's `--color` maps into it; `auto` is decided by
/// [`ColourChoice::enabled`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColourChoice {
    Auto,
    Always,
    Never,
}

impl ColourChoice {
    /// Whether to colour: `always` and `never` decide; `auto` colours a terminal unless `NO_COLOR`
    /// is set to anything non-empty (https://no-color.org), and `CLICOLOR_FORCE` (non-empty, not
    /// `0`) colours even off a terminal.
    pub fn enabled(self) -> bool {
        let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty() && v != "0");
        match self {
            ColourChoice::Always => true,
            ColourChoice::Never => false,
            ColourChoice::Auto if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) => {
                false
            }
            ColourChoice::Auto => set("CLICOLOR_FORCE") || std::io::stdout().is_terminal(),
        }
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

/// A check's title, with the model it is about when the run tests several.
pub fn title_with_model(
    check: &crate::report::CheckResult,
    report: &crate::report::Report,
) -> String {
    match &check.subject {
        Some(model) if report.target.model_ids.len() > 1 => format!("{} ({model})", check.title),
        _ => check.title.clone(),
    }
}

/// What several cells of a sweep have in common: one check (and model), one status and
/// diagnosis, and one fix up to the region it names. A fix that reads the same in 16 regions is
/// then printed once, naming them.
#[derive(Debug)]
pub struct Group<'a> {
    pub first: &'a crate::report::CheckResult,
    /// The regions of the cells, in the run's order; empty for an account-wide check.
    pub regions: Vec<&'a str>,
    pub fix: Option<Variant<'a>>,
    /// The distinct summaries of the cells, each with the regions it is from.
    pub summaries: Vec<Variant<'a>>,
}

/// How a grouped fix stands for the region of each of its cells: a shell variable, so a command
/// in it runs as is once `REGION` is set; the renderers say so and name the regions.
pub const REGION: &str = "$REGION";

/// How a grouped summary stands for the region of each of its cells: the regions are named
/// right before it ("us-east-1, ap-south-1: not offered in that region").
pub const SUMMARY_REGION: &str = "that region";

/// One text as several cells read it: the same words, or the same words but for the name of
/// each cell's own region.
#[derive(Debug)]
pub struct Variant<'a> {
    text: &'a str,
    region: Option<&'a str>,
    /// A cell whose text differs from `text` only by its region's name, if any did.
    other: Option<(&'a str, &'a str)>,
    pub regions: Vec<&'a str>,
}

impl<'a> Variant<'a> {
    fn new(text: &'a str, region: Option<&'a str>) -> Variant<'a> {
        Variant {
            text,
            region,
            other: None,
            regions: region.into_iter().collect(),
        }
    }

    /// Whether `text`, read in `region`, says what this variant says in its own region. A
    /// region named in the catalogue's own words (`e.g. us-east-1`) is not the cell's region: a
    /// text is the same either verbatim, or once its region's name is replaced by ours.
    fn matches(&self, text: &str, region: Option<&str>) -> bool {
        text == self.text
            || matches!((region, self.region), (Some(theirs), Some(ours))
                if !theirs.is_empty() && text.replace(theirs, ours) == self.text)
    }

    fn add(&mut self, text: &'a str, region: Option<&'a str>) {
        if text != self.text {
            if let Some(r) = region {
                self.other = Some((text, r));
            }
        }
        self.regions.extend(region);
    }

    /// The text for display: verbatim when every cell says it alike; otherwise with
    /// `stand_in` ([`REGION`] in fixes, [`SUMMARY_REGION`] in summaries) where each cell names its
    /// own region. In a cell whose text differed from the
    /// first, every mention of its region is one (the first's own text may also mention its
    /// region in the catalogue's words), so that cell's text is the one generalised.
    pub fn render(&self, stand_in: &str) -> String {
        match self.other {
            Some((text, region)) => text.replace(region, stand_in),
            None => self.text.to_string(),
        }
    }
}

impl Group<'_> {
    /// `us-east-1, eu-west-1 (2 regions)`, or the one region.
    pub fn region_list(&self) -> String {
        match self.regions.len() {
            0 => String::new(),
            1 => self.regions[0].to_string(),
            n => format!("{} ({n} regions)", self.regions.join(", ")),
        }
    }
}

/// The checks of a report that `keep` selects, grouped as [`Group`] in report order.
pub fn group<'a>(
    report: &'a crate::report::Report,
    keep: impl Fn(&crate::report::CheckResult) -> bool,
) -> Vec<Group<'a>> {
    let mut groups: Vec<Group<'a>> = Vec::new();
    for check in report.checks.iter().filter(|c| keep(c)) {
        let region = check.region.as_deref();
        let fix = check.fix.as_deref();
        let found = groups.iter_mut().find(|g| {
            g.first.id == check.id
                && g.first.subject == check.subject
                && g.first.status == check.status
                && g.first.diagnosis == check.diagnosis
                // Account-wide checks are never merged with each other.
                && region.is_some()
                && !g.regions.is_empty()
                && match (&g.fix, fix) {
                    (Some(v), Some(f)) => v.matches(f, region),
                    (None, None) => true,
                    _ => false,
                }
        });
        let group = match found {
            Some(g) => {
                if let (Some(v), Some(f)) = (g.fix.as_mut(), fix) {
                    v.add(f, region);
                }
                g
            }
            None => {
                groups.push(Group {
                    first: check,
                    regions: Vec::new(),
                    fix: fix.map(|f| Variant::new(f, region)),
                    summaries: Vec::new(),
                });
                let last = groups.len() - 1;
                &mut groups[last]
            }
        };
        group.regions.extend(region);
        let summary = check.summary.as_str();
        match group
            .summaries
            .iter_mut()
            .find(|v| v.matches(summary, region))
        {
            Some(v) => v.add(summary, region),
            None => group.summaries.push(Variant::new(summary, region)),
        }
    }
    groups
}

/// The checks of a sweep that ran once for the account (no region), in report order.
pub fn account_wide(report: &crate::report::Report) -> Vec<&crate::report::CheckResult> {
    report
        .checks
        .iter()
        .filter(|c| c.region.is_none())
        .collect()
}

/// The rows of a sweep's matrix: the first cell of each region-scoped check (and model), in
/// report order.
pub fn matrix_rows(report: &crate::report::Report) -> Vec<&crate::report::CheckResult> {
    let mut rows: Vec<&crate::report::CheckResult> = Vec::new();
    for check in report.checks.iter().filter(|c| c.region.is_some()) {
        if !rows
            .iter()
            .any(|r| r.id == check.id && r.subject == check.subject)
        {
            rows.push(check);
        }
    }
    rows
}

/// The cell of a matrix row in one region, if the check ran there.
pub fn cell_in<'a>(
    report: &'a crate::report::Report,
    row: &crate::report::CheckResult,
    region: &str,
) -> Option<&'a crate::report::CheckResult> {
    report
        .checks
        .iter()
        .find(|c| c.id == row.id && c.subject == row.subject && c.region.as_deref() == Some(region))
}

/// A matrix cell: the status, and the diagnosis code when it is not a pass.
pub fn cell_text(check: &crate::report::CheckResult) -> String {
    let status = format!("{} {}", symbol(check.status), check.status.as_str());
    match check
        .diagnosis
        .as_deref()
        .filter(|_| check.status != Status::Pass)
    {
        Some(code) => format!("{status}\n{code}"),
        None => status,
    }
}

/// A table in the house style, as wide as the terminal (or `COLUMNS`, or 100 columns).
pub fn new_table(colour: bool) -> (Table, u16) {
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
    let width = match measured.filter(|w| *w >= 40) {
        Some(w) => w,
        None => {
            let width = std::env::var("COLUMNS")
                .ok()
                .and_then(|c| c.parse().ok())
                .filter(|w| *w >= 40)
                .unwrap_or(100);
            table.set_width(width);
            width
        }
    };
    (table, width)
}

pub fn coloured(cell: Cell, status: Status, colour: bool) -> Cell {
    if !colour {
        return cell;
    }
    cell.fg(status_colour(status))
}

pub fn status_colour(status: Status) -> Color {
    match status {
        Status::Pass => Color::Green,
        Status::Warn => Color::Yellow,
        Status::Fail => Color::Red,
        Status::Error => Color::Magenta,
        Status::Skip => Color::DarkGrey,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{CheckResult, Report, Summary, Target, Tool};

    fn cell(id: &str, region: Option<&str>, status: Status, fix: Option<&str>) -> CheckResult {
        CheckResult {
            id: id.into(),
            subject: None,
            region: region.map(str::to_string),
            title: id.into(),
            category: "other".into(),
            status,
            diagnosis: fix.map(|_| "model-not-in-region".to_string()),
            summary: format!("not offered in {}", region.unwrap_or("any")),
            fix: fix.map(str::to_string),
            evidence: Vec::new(),
            duration_ms: 0,
        }
    }

    fn report(checks: Vec<CheckResult>) -> Report {
        Report {
            schema_version: 1,
            tool: Tool {
                name: "bedrock-doctor".into(),
                version: "0".into(),
            },
            generated_at: String::new(),
            duration_ms: 0,
            target: Target {
                region: Some("us-east-1".into()),
                regions: vec!["us-east-1".into(), "eu-west-1".into(), "ap-south-1".into()],
                profile: None,
                model_id: None,
                model_ids: Vec::new(),
                inference_profile_id: None,
                endpoint_url: None,
                app: None,
            },
            identity: None,
            summary: Summary::default(),
            checks,
        }
    }

    #[test]
    fn a_fix_that_differs_only_by_region_is_one_group_naming_the_regions() {
        let fix = |r: &str| {
            format!("Open the console in {r} (e.g. us-east-1 or us-west-2) and run aws bedrock list-foundation-models --region {r}")
        };
        let r = report(vec![
            cell("credentials", None, Status::Pass, None),
            cell(
                "model-catalog",
                Some("us-east-1"),
                Status::Fail,
                Some(&fix("us-east-1")),
            ),
            cell("model-catalog", Some("eu-west-1"), Status::Pass, None),
            cell(
                "model-catalog",
                Some("ap-south-1"),
                Status::Fail,
                Some(&fix("ap-south-1")),
            ),
        ]);
        let groups = group(&r, |c| c.fix.is_some());
        assert_eq!(groups.len(), 1, "{groups:#?}");
        let g = &groups[0];
        assert_eq!(g.regions, ["us-east-1", "ap-south-1"]);
        // The catalogue's own example (us-east-1) stays; the cells' regions become $REGION.
        assert_eq!(
            g.fix.as_ref().unwrap().render(REGION),
            "Open the console in $REGION (e.g. us-east-1 or us-west-2) and run aws bedrock list-foundation-models --region $REGION"
        );
        assert_eq!(g.summaries.len(), 1);
        assert_eq!(
            g.summaries[0].render(SUMMARY_REGION),
            "not offered in that region"
        );
        assert_eq!(g.summaries[0].regions, ["us-east-1", "ap-south-1"]);
        // One region alone reads as it was.
        let alone = group(&r, |c| {
            c.region.as_deref() == Some("ap-south-1") && c.fix.is_some()
        });
        assert_eq!(
            alone[0].fix.as_ref().unwrap().render(REGION),
            fix("ap-south-1")
        );
    }

    #[test]
    fn a_fix_that_names_no_region_groups_verbatim_even_if_it_mentions_one() {
        let same = "Select your region (e.g. `us-east-1`, `us-west-2`) in the console.";
        let r = report(vec![
            cell("use-case", Some("us-east-1"), Status::Fail, Some(same)),
            cell("use-case", Some("us-west-2"), Status::Fail, Some(same)),
            cell("use-case", Some("eu-west-1"), Status::Fail, Some(same)),
        ]);
        let groups = group(&r, |c| c.fix.is_some());
        assert_eq!(groups.len(), 1, "{groups:#?}");
        assert_eq!(groups[0].fix.as_ref().unwrap().render(REGION), same);
        assert_eq!(groups[0].regions.len(), 3);
    }

    #[test]
    fn different_fixes_and_account_wide_checks_stay_apart() {
        let r = report(vec![
            cell(
                "model-catalog",
                Some("us-east-1"),
                Status::Fail,
                Some("fix A"),
            ),
            cell(
                "model-catalog",
                Some("eu-west-1"),
                Status::Fail,
                Some("fix B"),
            ),
            cell("credentials", None, Status::Fail, Some("fix C")),
        ]);
        let groups = group(&r, |c| c.fix.is_some());
        assert_eq!(groups.len(), 3);
        assert!(groups[2].regions.is_empty());
        assert_eq!(cell_text(&r.checks[0]), "✗ fail\nmodel-not-in-region");
    }
}
