//! The organisation report (`org`, and `show` of a saved one) as a terminal table, a Markdown
//! ticket and JUnit XML. One row per account, one column per check that did not pass everywhere,
//! failing accounts first; then each fix once with the accounts (and regions) it applies to; then
//! the accounts that could not be entered and the skipped ones; then a one-line tally.
//!
//! A cell stands for every result of one check in one account (each region of a `--regions`
//! sweep, each model of `--model a,b`): it shows the worst status among them (fail, then error,
//! warn, skip, pass) and that result's diagnosis code; with several results it also counts how
//! many of them have that status (`✗ 2/4 model-not-in-region`: 2 of 4 failed).

use super::untrusted::{md_code, md_prose, md_text};
use super::{coloured, evidence_line, group, new_table, symbol, title_with_model, REGION};
use crate::org::report::{EntryMethod, OrgAccount, OrgReport, OrgSummary};
use crate::report::Report;
use checks::catalogue::catalogue;
use checks::Status;
use comfy_table::{Cell, Color};

/// How many accounts a fix names before it says "and N more" (`-v` names them all).
const ACCOUNTS_NAMED: usize = 8;

/// How many evidence lines a Markdown ticket carries: a thousand accounts' calls would make it
/// megabytes long, past what an issue tracker takes (GitHub caps an issue body at 65,536
/// characters).
const EVIDENCE_LINES: usize = 200;

/// How bad a status is for an account: a definite problem before one the doctor could not judge.
fn severity(status: Status) -> u8 {
    match status {
        Status::Pass => 0,
        Status::Skip => 1,
        Status::Warn => 2,
        Status::Error => 3,
        Status::Fail => 4,
    }
}

/// Every result of one check in one account, as one cell.
struct Verdict<'a> {
    status: Status,
    /// How many results have `status`, of how many.
    worst: usize,
    results: usize,
    code: Option<&'a str>,
}

impl Verdict<'_> {
    /// `✓`, `✗ use-case-missing`, `✗ 2/4 model-not-in-region`, `- skip`.
    fn text(&self) -> String {
        let mut out = symbol(self.status).to_string();
        if self.results > 1 && self.status != Status::Pass {
            out.push_str(&format!(" {}/{}", self.worst, self.results));
        }
        match (self.status, self.code) {
            (Status::Pass, _) => {}
            (_, Some(code)) => out.push_str(&format!(" {code}")),
            (status, None) => out.push_str(&format!(" {}", status.as_str())),
        }
        out
    }
}

fn verdict<'a>(report: &'a Report, id: &str) -> Option<Verdict<'a>> {
    let results: Vec<_> = report.checks.iter().filter(|c| c.id == id).collect();
    // The first of the worst results (in the run's order of regions and models) names the code.
    let worst = results.iter().rev().max_by_key(|c| severity(c.status))?;
    Some(Verdict {
        status: worst.status,
        worst: results.iter().filter(|c| c.status == worst.status).count(),
        results: results.len(),
        code: worst.diagnosis.as_deref(),
    })
}

/// The accounts the doctor entered and checked, failing ones first (each group in report order).
fn entered(report: &OrgReport) -> (Vec<&OrgAccount>, Vec<&OrgAccount>) {
    report
        .accounts
        .iter()
        .filter(|a| is_entered(a))
        .partition(|a| a.failed())
}

fn is_entered(account: &OrgAccount) -> bool {
    matches!(
        account.entry.method,
        EntryMethod::AssumedRole | EntryMethod::CallerCredentials
    )
}

fn with_method(report: &OrgReport, method: EntryMethod) -> Vec<&OrgAccount> {
    report
        .accounts
        .iter()
        .filter(|a| a.entry.method == method)
        .collect()
}

/// The check ids of `accounts`' reports in registry order (ids this build does not know, from a
/// saved report, after them), keeping only those some account did not pass.
fn columns(accounts: &[&OrgAccount]) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    let reports = accounts.iter().filter_map(|a| a.report.as_ref());
    for check in reports.flat_map(|r| &r.checks) {
        if check.status != Status::Pass && !ids.contains(&check.id) {
            ids.push(check.id.clone());
        }
    }
    let order: Vec<&str> = checks::registry().iter().map(|c| c.meta().id).collect();
    ids.sort_by_key(|id| order.iter().position(|o| o == id).unwrap_or(order.len()));
    ids
}

/// What an account checked with the caller's own credentials is: `management` for the management
/// account (which SCPs do not restrict), `caller` for a delegated administrator's own account.
fn own_role(account: &OrgAccount, management: Option<&str>) -> Option<&'static str> {
    match account.entry.method {
        EntryMethod::CallerCredentials if management == Some(account.id.as_str()) => {
            Some("management")
        }
        EntryMethod::CallerCredentials => Some("caller"),
        _ => None,
    }
}

/// `Team A`, or a stand-in when the Organization gave no name; `master (management)`.
fn account_name(account: &OrgAccount, management: Option<&str>) -> String {
    let name = account.name.as_deref().unwrap_or("(no name)");
    match own_role(account, management) {
        Some(role) => format!("{name} ({role})"),
        None => name.to_string(),
    }
}

/// `Root/Workloads/Prod`: each OU by name, or by id when it has none.
pub fn ou_path(account: &OrgAccount) -> String {
    let steps: Vec<&str> = account
        .ou_path
        .iter()
        .map(|s| s.name.as_deref().unwrap_or(&s.id))
        .collect();
    match steps.is_empty() {
        true => "-".into(),
        false => steps.join("/"),
    }
}

/// `Team A (111111111111)`, `master (123456789012, management)`.
fn label(account: &OrgAccount, management: Option<&str>) -> String {
    let name = account.name.as_deref().unwrap_or("(no name)");
    match own_role(account, management) {
        Some(role) => format!("{name} ({}, {role})", account.id),
        None => format!("{name} ({})", account.id),
    }
}

/// `12 ✓ 2 ✗ 1 -`: the statuses of every result of an account's report.
fn counts(report: &Report) -> String {
    let s = &report.summary;
    let parts: Vec<String> = [
        (s.pass, Status::Pass),
        (s.warn, Status::Warn),
        (s.fail, Status::Fail),
        (s.error, Status::Error),
        (s.skip, Status::Skip),
    ]
    .into_iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, status)| format!("{n} {}", symbol(status)))
    .collect();
    parts.join(" ")
}

/// The last line: accounts in scope and what became of them.
pub fn tally(summary: &OrgSummary) -> String {
    format!(
        "{} accounts: {} passed, {} failed, {} not entered, {} skipped",
        summary.accounts, summary.passed, summary.failed, summary.not_entered, summary.skipped
    )
}

/// Who ran `org`, over which Organization, with which role, where and for which models.
fn header_parts(report: &OrgReport) -> Vec<String> {
    let caller = &report.caller;
    let mut parts = vec![format!("bedrock-doctor {} org", report.tool.version)];
    if let Some(org) = &caller.organization_id {
        parts.push(org.clone());
    }
    let who = caller.arn.as_deref().unwrap_or("unknown caller");
    parts.push(match caller.is_management_account {
        true => format!("{who} (management account)"),
        false => format!("{who} (delegated administrator)"),
    });
    if !report.target.role_name.is_empty() {
        parts.push(format!("role {}", report.target.role_name));
    }
    parts.push(match report.target.regions.as_slice() {
        [] => "default region".into(),
        [one] => one.clone(),
        many => format!("{} regions", many.len()),
    });
    if !report.target.model_ids.is_empty() {
        parts.push(report.target.model_ids.join(", "));
    }
    parts
}

/// A fix as printed once for the whole Organization: one diagnosis, worded alike in every check,
/// account and region it applies to.
struct OrgFix<'a> {
    code: &'a str,
    /// The fix with each account's own id read as [`ACCOUNT`] (a role ARN in an IAM fix, say).
    text: String,
    /// The first account's fix as its report words it: what is printed when it is the only one.
    own: String,
    /// The checks (and models) it was found by, each as its account's report titles it.
    checks: Vec<String>,
    /// Each account it applies to, with the regions there (none for an account-wide check, or
    /// when the account's run had one region).
    places: Vec<(&'a OrgAccount, Vec<&'a str>)>,
    /// Whether `text` stands for each region with [`REGION`].
    per_region: bool,
}

/// The fixes of every entered account, each once: grouped within an account as `check` groups
/// them (one fix for all the regions it names), then across checks and accounts by diagnosis and
/// wording. Several checks often find one cause (the use-case form blocks access, invocation and
/// the inference profiles alike): its fix is printed once, naming them.
fn fixes<'a>(accounts: &[&'a OrgAccount]) -> Vec<OrgFix<'a>> {
    let mut out: Vec<OrgFix<'a>> = Vec::new();
    for account in accounts {
        let Some(report) = &account.report else {
            continue;
        };
        for g in group(report, |c| c.fix.is_some()) {
            let own = g.fix.as_ref().map(|f| f.render(REGION)).unwrap_or_default();
            let text = match account.id.is_empty() {
                true => own.clone(),
                false => own.replace(&account.id, ACCOUNT),
            };
            let code = g.first.diagnosis.as_deref().unwrap_or("unknown");
            let check = title_with_model(g.first, report);
            let regions = match report.is_sweep() {
                true => g.regions.clone(),
                false => Vec::new(),
            };
            let fix = match out
                .iter_mut()
                .position(|f| f.code == code && f.text == text)
            {
                Some(i) => &mut out[i],
                None => {
                    out.push(OrgFix {
                        code,
                        per_region: text.contains(REGION),
                        own,
                        text,
                        checks: Vec::new(),
                        places: Vec::new(),
                    });
                    out.last_mut().expect("just pushed")
                }
            };
            if !fix.checks.contains(&check) {
                fix.checks.push(check);
            }
            match fix.places.iter_mut().find(|(a, _)| a.id == account.id) {
                Some((_, known)) => {
                    for region in regions {
                        if !known.contains(&region) {
                            known.push(region);
                        }
                    }
                }
                None => fix.places.push((*account, regions)),
            }
        }
    }
    out
}

/// `Team A (111111111111) in us-east-1, eu-west-1`, at most [`ACCOUNTS_NAMED`] of them unless
/// `all`.
fn place_lines(
    fix: &OrgFix<'_>,
    all: bool,
    name: impl Fn(&OrgAccount) -> String,
    region: impl Fn(&str) -> String,
) -> Vec<String> {
    let shown = match all {
        true => fix.places.len(),
        false => fix.places.len().min(ACCOUNTS_NAMED),
    };
    let mut lines: Vec<String> = fix.places[..shown]
        .iter()
        .map(|(account, regions)| match regions.is_empty() {
            true => name(account),
            false => {
                let regions: Vec<String> = regions.iter().map(|r| region(r)).collect();
                format!("{} in {}", name(account), regions.join(", "))
            }
        })
        .collect();
    if shown < fix.places.len() {
        lines.push(format!(
            "and {} more accounts (-v names them all)",
            fix.places.len() - shown
        ));
    }
    lines
}

impl OrgFix<'_> {
    /// The fix as printed: the account's own words when it applies to one account, else with
    /// [`ACCOUNT`] for each account's id.
    fn shown(&self) -> &str {
        match self.places.len() {
            1 => &self.own,
            _ => &self.text,
        }
    }

    fn per_account(&self) -> bool {
        self.places.len() > 1 && self.text.contains(ACCOUNT)
    }

    /// What to fill in before running the fix, each placeholder's name passed through `name`
    /// (plain on a terminal, a code span in Markdown); `None` when the fix has none.
    fn placeholders(&self, name: fn(&str) -> String) -> Option<String> {
        let mut set = Vec::new();
        if self.per_region {
            set.push(format!("{} set to each region named above", name("REGION")));
        }
        if self.per_account() {
            set.push(format!("{} set to each account's id", name("ACCOUNT_ID")));
        }
        (!set.is_empty()).then(|| set.join(", and "))
    }
}

/// `1 account` / `3 accounts`.
fn accounts_count(n: usize) -> String {
    match n {
        1 => "1 account".into(),
        n => format!("{n} accounts"),
    }
}

/// How a grouped entry fix stands for the id of each account it applies to: a shell variable, as
/// [`REGION`] is for regions.
const ACCOUNT: &str = "$ACCOUNT_ID";

/// The accounts that could not be entered for one reason: one diagnosis, and one fix once each
/// account's own id in it is read as [`ACCOUNT`]. A role missing from 300 accounts is one fix.
struct EntryGroup<'a> {
    code: &'a str,
    /// The fix with each account's id as [`ACCOUNT`].
    general: String,
    accounts: Vec<&'a OrgAccount>,
}

impl EntryGroup<'_> {
    /// The fix as printed: the account's own when it is alone, else the general one.
    fn fix(&self) -> String {
        match self.accounts.as_slice() {
            [one] => one.entry.fix.clone().unwrap_or_default(),
            _ => self.general.clone(),
        }
    }

    fn per_account(&self) -> bool {
        self.accounts.len() > 1 && self.general.contains(ACCOUNT)
    }
}

fn entry_groups(report: &OrgReport) -> Vec<EntryGroup<'_>> {
    let mut groups: Vec<EntryGroup<'_>> = Vec::new();
    for account in with_method(report, EntryMethod::NotEntered) {
        let entry = &account.entry;
        let code = entry.diagnosis.as_deref().unwrap_or("unknown");
        let fix = entry.fix.as_deref().unwrap_or_default();
        let general = match account.id.is_empty() {
            true => fix.to_string(),
            false => fix.replace(&account.id, ACCOUNT),
        };
        match groups
            .iter_mut()
            .find(|g| g.code == code && g.general == general)
        {
            Some(g) => g.accounts.push(account),
            None => groups.push(EntryGroup {
                code,
                general,
                accounts: vec![account],
            }),
        }
    }
    groups
}

// ---------------------------------------------------------------------------------------------
// Table

/// The terminal table. `verbose` adds the evidence of every result that did not pass, and names
/// every account a fix applies to.
pub fn table(report: &OrgReport, verbose: u8, colour: bool) -> String {
    let mut out = header_parts(report).join(" · ");
    out.push('\n');
    let mgmt = report.caller.management_account_id.as_deref();
    let (failing, passing) = entered(report);
    if !failing.is_empty() {
        out.push_str(&format!("\nFailing accounts ({})\n", failing.len()));
        out.push_str(&account_table(&failing, mgmt, true, colour));
    }
    if !passing.is_empty() {
        out.push_str(&format!("\nPassing accounts ({})\n", passing.len()));
        out.push_str(&account_table(&passing, mgmt, false, colour));
    }
    let entered: Vec<&OrgAccount> = failing.iter().chain(&passing).copied().collect();
    push_fixes(&mut out, &entered, mgmt, verbose > 0);
    push_not_entered(&mut out, report, verbose);
    push_skipped(&mut out, report);
    if verbose > 0 {
        push_evidence(&mut out, &entered, mgmt);
    }
    out.push_str(&format!("\n{}\n", tally(&report.summary)));
    out
}

/// One row per account: name, id, OU path, every result counted, then a column per check that did
/// not pass in some account, continued below itself (account and id repeated) when the columns do
/// not fit the width.
fn account_table(
    accounts: &[&OrgAccount],
    mgmt: Option<&str>,
    failing: bool,
    colour: bool,
) -> String {
    let ids = columns(accounts);
    let (_, width) = new_table(colour);
    let width = usize::from(width);
    let fixed = |a: &OrgAccount| {
        [
            account_name(a, mgmt),
            a.id.clone(),
            ou_path(a),
            a.report.as_ref().map_or_else(|| "no report".into(), counts),
        ]
    };
    // A column's width as comfy-table draws it: its widest text (long names wrap at 40), plus the
    // border and padding.
    let column_width = |texts: &mut dyn Iterator<Item = String>, header: &str| {
        texts
            .map(|t| t.chars().count().min(40))
            .chain([header.chars().count()])
            .max()
            .unwrap_or(0)
            + 3
    };
    let fixed_widths: Vec<usize> = ["Account", "Id", "OU", "Results"]
        .iter()
        .enumerate()
        .map(|(i, h)| column_width(&mut accounts.iter().map(|a| fixed(a)[i].clone()), h))
        .collect();
    let first_base: usize = fixed_widths.iter().sum::<usize>() + 1;
    let continued_base: usize = fixed_widths[..2].iter().sum::<usize>() + 1;
    let mut chunks: Vec<Vec<&str>> = vec![Vec::new()];
    let mut used = first_base;
    for id in &ids {
        let mut cells = accounts
            .iter()
            .filter_map(|a| a.report.as_ref().and_then(|r| verdict(r, id)))
            .map(|v| v.text());
        let column = column_width(&mut cells, id);
        // A continuation takes at least one column, however narrow the terminal; the first part
        // may hold none when the account's own columns fill the width.
        let started = chunks.len() == 1 || chunks.last().is_some_and(|c| !c.is_empty());
        if started && used + column > width {
            chunks.push(Vec::new());
            used = continued_base;
        }
        chunks.last_mut().expect("one chunk").push(id);
        used += column;
    }
    let mut out = String::new();
    for (n, chunk) in chunks.iter().enumerate() {
        let (mut table, _) = new_table(colour);
        // The first part has every fixed column; a continuation only the name and id.
        let first = n == 0;
        let mut header = vec![Cell::new("Account"), Cell::new("Id")];
        if first {
            header.extend([Cell::new("OU"), Cell::new("Results")]);
        }
        header.extend(chunk.iter().map(Cell::new));
        table.set_header(header);
        for account in accounts {
            let [name, id, ou, results] = fixed(account);
            let mut name = Cell::new(name);
            if colour && failing {
                name = name.fg(Color::Red);
            }
            let mut row = vec![name, Cell::new(id)];
            if first {
                row.extend([Cell::new(ou), Cell::new(results)]);
            }
            for check in chunk {
                let cell = account.report.as_ref().and_then(|r| verdict(r, check));
                row.push(match cell {
                    Some(v) => coloured(Cell::new(v.text()), v.status, colour),
                    None => Cell::new("·"),
                });
            }
            table.add_row(row);
        }
        out.push_str(&table.to_string());
        out.push('\n');
    }
    out
}

/// The fixes, each once, with the accounts (and regions) each applies to.
fn push_fixes(out: &mut String, accounts: &[&OrgAccount], mgmt: Option<&str>, all: bool) {
    let fixes = fixes(accounts);
    if fixes.is_empty() {
        return;
    }
    out.push_str("\nHow to fix\n");
    for (n, fix) in fixes.iter().enumerate() {
        let title = catalogue()
            .get(fix.code)
            .map(|d| d.title.as_str())
            .unwrap_or_default();
        out.push_str(&format!(
            "{:>2}. [{}] {title}\n    found by: {}\n    in {}:\n",
            n + 1,
            fix.code,
            fix.checks.join(", "),
            accounts_count(fix.places.len())
        ));
        for line in place_lines(fix, all, |a| label(a, mgmt), str::to_string) {
            out.push_str(&format!("      {line}\n"));
        }
        for line in fix.shown().lines() {
            out.push_str(&format!("    {line}\n"));
        }
        if let Some(set) = fix.placeholders(str::to_string) {
            out.push_str(&format!("    (run it with {set})\n"));
        }
    }
}

/// The accounts that could not be entered: why (the code and what happened), and the fix.
fn push_not_entered(out: &mut String, report: &OrgReport, verbose: u8) {
    let groups = entry_groups(report);
    if groups.is_empty() {
        return;
    }
    let total: usize = groups.iter().map(|g| g.accounts.len()).sum();
    out.push_str(&format!("\nNot entered ({total})\n"));
    for g in &groups {
        let title = catalogue()
            .get(g.code)
            .map(|d| format!(" {}", d.title))
            .unwrap_or_default();
        out.push_str(&format!(
            " [{}]{title}: {}\n",
            g.code,
            accounts_count(g.accounts.len())
        ));
        for account in &g.accounts {
            out.push_str(&format!(
                "   {} {} · {}: {}\n",
                symbol(Status::Fail),
                label(account, report.caller.management_account_id.as_deref()),
                ou_path(account),
                account.entry.summary
            ));
            if verbose > 0 {
                for evidence in &account.entry.evidence {
                    out.push_str(&format!("       evidence: {}\n", evidence_line(evidence)));
                }
            }
        }
        for line in g.fix().lines() {
            out.push_str(&format!("   {line}\n"));
        }
        if g.per_account() {
            out.push_str("   (run it with ACCOUNT_ID set to each account listed)\n");
        }
    }
}

/// The accounts listed but never assumed into (not `ACTIVE`).
fn push_skipped(out: &mut String, report: &OrgReport) {
    let accounts = with_method(report, EntryMethod::Skipped);
    if accounts.is_empty() {
        return;
    }
    out.push_str(&format!("\nSkipped ({})\n", accounts.len()));
    for account in accounts {
        let code = account
            .entry
            .diagnosis
            .as_deref()
            .map(|c| format!(" [{c}]"))
            .unwrap_or_default();
        out.push_str(&format!(
            " {} {} · {} · {}{code}: {}\n",
            symbol(Status::Skip),
            label(account, report.caller.management_account_id.as_deref()),
            ou_path(account),
            account.status.as_deref().unwrap_or("unknown status"),
            account.entry.summary
        ));
    }
}

/// With `-v`, what was called for each result that did not pass, account by account.
fn push_evidence(out: &mut String, accounts: &[&OrgAccount], mgmt: Option<&str>) {
    let mut lines = Vec::new();
    for account in accounts {
        let Some(report) = &account.report else {
            continue;
        };
        for check in report.checks.iter().filter(|c| c.status != Status::Pass) {
            let place = check
                .region
                .as_deref()
                .filter(|_| report.is_sweep())
                .map(|r| format!(" · {r}"))
                .unwrap_or_default();
            for evidence in &check.evidence {
                lines.push(format!(
                    "  {} · {}{place}: {}\n",
                    label(account, mgmt),
                    title_with_model(check, report),
                    evidence_line(evidence)
                ));
            }
        }
    }
    if !lines.is_empty() {
        out.push_str("\nEvidence\n");
        lines.iter().for_each(|l| out.push_str(l));
    }
}

// ---------------------------------------------------------------------------------------------
// Markdown

/// The same content for a support ticket: every text from outside through `untrusted::md_*`, the
/// evidence folded away.
pub fn markdown(report: &OrgReport) -> String {
    let mut out = String::from("## bedrock-doctor organization report\n\n");
    out.push_str(&format!("**{}**\n\n", tally(&report.summary)));
    let caller = &report.caller;
    let mgmt = caller.management_account_id.as_deref();
    let target = &report.target;
    let list = |items: &[String]| match items.is_empty() {
        true => "none".to_string(),
        false => items
            .iter()
            .map(|i| md_code(i))
            .collect::<Vec<_>>()
            .join(", "),
    };
    out.push_str(&format!(
        "- Organization: {}\n- Caller: {} ({})\n- Role: {}\n- Regions: {}\n- Models: {}\n\n",
        md_code(caller.organization_id.as_deref().unwrap_or("unknown")),
        md_code(caller.arn.as_deref().unwrap_or("unknown")),
        match caller.is_management_account {
            true => "management account",
            false => "delegated administrator",
        },
        md_code(&target.role_name),
        list(&target.regions),
        list(&target.model_ids),
    ));
    let (failing, passing) = entered(report);
    for (title, accounts) in [
        ("Failing accounts", &failing),
        ("Passing accounts", &passing),
    ] {
        if !accounts.is_empty() {
            out.push_str(&format!("### {title} ({})\n\n", accounts.len()));
            md_account_table(&mut out, accounts, mgmt);
        }
    }
    let entered: Vec<&OrgAccount> = failing.iter().chain(&passing).copied().collect();
    md_fixes(&mut out, &entered, mgmt);
    md_not_entered(&mut out, report);
    let skipped = with_method(report, EntryMethod::Skipped);
    if !skipped.is_empty() {
        out.push_str(&format!("### Skipped ({})\n\n", skipped.len()));
        for account in skipped {
            let code = account
                .entry
                .diagnosis
                .as_deref()
                .map(|c| format!(" {}", md_code(c)))
                .unwrap_or_default();
            out.push_str(&format!(
                "- {} {} ({}), {}{code}: {}\n",
                md_text(&account_name(
                    account,
                    report.caller.management_account_id.as_deref()
                )),
                md_code(&account.id),
                md_code(&ou_path(account)),
                md_code(account.status.as_deref().unwrap_or("unknown status")),
                md_text(&account.entry.summary)
            ));
        }
        out.push('\n');
    }
    md_evidence(&mut out, report);
    out.push_str(&format!(
        "_{} {} · {} · {} ms_\n",
        md_text(&report.tool.name),
        md_text(&report.tool.version),
        md_text(&report.generated_at),
        report.duration_ms
    ));
    out
}

fn md_account_table(out: &mut String, accounts: &[&OrgAccount], mgmt: Option<&str>) {
    let ids = columns(accounts);
    out.push_str("| Account | Id | OU | Results |");
    for id in &ids {
        out.push_str(&format!(" {} |", md_text(id)));
    }
    out.push_str("\n|---|---|---|---|");
    out.push_str(&"---|".repeat(ids.len()));
    out.push('\n');
    for account in accounts {
        let report = account.report.as_ref();
        out.push_str(&format!(
            "| {} | {} | {} | {} |",
            md_text(&account_name(account, mgmt)),
            md_code(&account.id),
            md_text(&ou_path(account)),
            md_text(&report.map(counts).unwrap_or_default())
        ));
        for id in &ids {
            let text = match report.and_then(|r| verdict(r, id)) {
                Some(v) => md_text(&v.text()),
                None => "·".into(),
            };
            out.push_str(&format!(" {text} |"));
        }
        out.push('\n');
    }
    out.push('\n');
}

fn md_fixes(out: &mut String, accounts: &[&OrgAccount], mgmt: Option<&str>) {
    let fixes = fixes(accounts);
    if fixes.is_empty() {
        return;
    }
    out.push_str("### How to fix\n\n");
    let name = |a: &OrgAccount| {
        let role = own_role(a, mgmt)
            .map(|r| format!(", {r}"))
            .unwrap_or_default();
        format!(
            "{} ({}{role})",
            md_text(a.name.as_deref().unwrap_or("(no name)")),
            md_code(&a.id)
        )
    };
    for (n, fix) in fixes.iter().enumerate() {
        let title = catalogue()
            .get(fix.code)
            .map(|d| d.title.as_str())
            .unwrap_or_default();
        out.push_str(&format!(
            "{}. **{}** ({}), found by {}, in {}:\n\n",
            n + 1,
            md_text(title),
            md_code(fix.code),
            md_text(&fix.checks.join(", ")),
            accounts_count(fix.places.len())
        ));
        for line in place_lines(fix, true, name, md_code) {
            out.push_str(&format!("   - {line}\n"));
        }
        out.push('\n');
        for line in fix.shown().lines() {
            out.push_str(&format!("   {}\n", md_prose(line)));
        }
        if let Some(set) = fix.placeholders(|name| format!("`{name}`")) {
            out.push_str(&format!("\n   (run it with {set})\n"));
        }
        out.push('\n');
    }
}

fn md_not_entered(out: &mut String, report: &OrgReport) {
    let groups = entry_groups(report);
    if groups.is_empty() {
        return;
    }
    let total: usize = groups.iter().map(|g| g.accounts.len()).sum();
    out.push_str(&format!("### Not entered ({total})\n\n"));
    for g in &groups {
        let title = catalogue()
            .get(g.code)
            .map(|d| format!(" **{}**", md_text(&d.title)))
            .unwrap_or_default();
        out.push_str(&format!(
            "- {}{title}, {}:\n\n",
            md_code(g.code),
            accounts_count(g.accounts.len())
        ));
        for account in &g.accounts {
            out.push_str(&format!(
                "  - {} ({}, {}): {}\n",
                md_text(&account_name(
                    account,
                    report.caller.management_account_id.as_deref()
                )),
                md_code(&account.id),
                md_text(&ou_path(account)),
                md_text(&account.entry.summary),
            ));
        }
        let fix = g.fix();
        if !fix.is_empty() {
            out.push('\n');
            for line in fix.lines() {
                out.push_str(&format!("  {}\n", md_prose(line)));
            }
        }
        if g.per_account() {
            out.push_str("\n  (run it with `ACCOUNT_ID` set to each account listed)\n");
        }
        out.push('\n');
    }
}

/// Every evidence line of what did not pass, and of each entry that failed, folded away.
fn md_evidence(out: &mut String, report: &OrgReport) {
    let mut lines = Vec::new();
    for account in &report.accounts {
        for evidence in account
            .report
            .is_none()
            .then_some(&account.entry.evidence)
            .into_iter()
            .flatten()
        {
            lines.push(format!(
                "- {} {}: {}\n",
                md_code(&account.id),
                md_code("entry"),
                md_text(&evidence_line(evidence))
            ));
        }
        let Some(r) = &account.report else { continue };
        for check in r.checks.iter().filter(|c| c.status != Status::Pass) {
            let place = check
                .region
                .as_deref()
                .filter(|_| r.is_sweep())
                .map(|region| format!(" ({})", md_text(region)))
                .unwrap_or_default();
            for evidence in &check.evidence {
                lines.push(format!(
                    "- {} {}{place}: {}\n",
                    md_code(&account.id),
                    md_code(&check.id),
                    md_text(&evidence_line(evidence))
                ));
            }
        }
    }
    out.push_str("<details><summary>Evidence</summary>\n\n");
    lines
        .iter()
        .take(EVIDENCE_LINES)
        .for_each(|l| out.push_str(l));
    if lines.len() > EVIDENCE_LINES {
        out.push_str(&format!(
            "\n{} more calls left out: the JSON report (`--format json`, `--output`) holds every one.\n",
            lines.len() - EVIDENCE_LINES
        ));
    }
    out.push_str("\n</details>\n\n");
}

// ---------------------------------------------------------------------------------------------
// JUnit

/// One `<testsuite>` per account (named by account name and id), one test case per check result as
/// `check --format junit` writes them; an account not entered is a suite with one failing case for
/// its entry, a skipped one a suite with one skipped case.
pub fn junit(report: &OrgReport) -> String {
    use super::junit::{escape, push_testcases};
    let mut suites = String::new();
    let (mut tests, mut failures, mut errors, mut skipped) = (0, 0, 0, 0);
    for account in &report.accounts {
        let name = escape(&label(
            account,
            report.caller.management_account_id.as_deref(),
        ));
        let timestamp = escape(&report.generated_at);
        match (&account.report, account.entry.method) {
            (Some(r), EntryMethod::AssumedRole | EntryMethod::CallerCredentials) => {
                let s = &r.summary;
                let n = r.checks.len();
                (tests, failures, errors, skipped) = (
                    tests + n,
                    failures + s.fail,
                    errors + s.error,
                    skipped + s.skip,
                );
                suites.push_str(&format!(
                    "  <testsuite name=\"{name}\" tests=\"{n}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{:.3}\" timestamp=\"{}\">\n",
                    s.fail,
                    s.error,
                    s.skip,
                    r.duration_ms as f64 / 1000.0,
                    escape(&r.generated_at)
                ));
                push_testcases(&mut suites, r);
            }
            (_, method) => {
                let skip = method == EntryMethod::Skipped;
                tests += 1;
                if skip {
                    skipped += 1;
                } else {
                    failures += 1;
                }
                let entry = &account.entry;
                let code = entry.diagnosis.as_deref().unwrap_or("unknown");
                suites.push_str(&format!(
                    "  <testsuite name=\"{name}\" tests=\"1\" failures=\"{}\" errors=\"0\" skipped=\"{}\" time=\"0.000\" timestamp=\"{timestamp}\">\n",
                    u8::from(!skip),
                    u8::from(skip)
                ));
                suites.push_str(
                    "    <testcase classname=\"bedrock-doctor.organization\" name=\"entry\" time=\"0.000\">\n",
                );
                if skip {
                    suites.push_str(&format!(
                        "      <skipped message=\"{}\"/>\n",
                        escape(&entry.summary)
                    ));
                } else {
                    suites.push_str(&format!(
                        "      <failure type=\"{}\" message=\"{}\">{}</failure>\n",
                        escape(code),
                        escape(&format!("{code}: {}", entry.summary)),
                        escape(entry.fix.as_deref().unwrap_or_default())
                    ));
                }
                suites.push_str("    </testcase>\n");
            }
        }
        suites.push_str("  </testsuite>\n");
    }
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"bedrock-doctor org\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\" time=\"{:.3}\">\n",
        report.duration_ms as f64 / 1000.0
    ));
    out.push_str(&suites);
    out.push_str("</testsuites>\n");
    out
}
