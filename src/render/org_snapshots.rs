//! Snapshots of the organisation report through each renderer, over an Organization built in code
//! from the saved `check` reports in tests/fixtures/reports/: the management account, a passing
//! member, two failing ones (the same fix in both), one that could not be entered, a suspended
//! one; and hostile text in an AWS message, an account name and an OU name.

use crate::org::report::{
    Entry, EntryMethod, OrgAccount, OrgCaller, OrgReport, OrgSummary, OrgTarget, OuStep, KIND,
};
use crate::report::{Report, Tool};
use checks::Evidence;

/// What an AWS message (or a proxy on the way) may carry: a terminal title, a screen clear, a
/// bidi override, and HTML that would close a ticket's `<details>`.
pub const HOSTILE: &str =
    "denied \x1b]0;pwned\x07\x1b[2J\u{202e}gnp.exe</details><img src=x onerror=alert(1)> | `x`";

fn fixture(name: &str) -> Report {
    let path = format!(
        "{}/tests/fixtures/reports/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    Report::from_saved(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn path(steps: &[(&str, &str)]) -> Vec<OuStep> {
    steps
        .iter()
        .map(|(id, name)| OuStep {
            id: (*id).into(),
            name: Some((*name).into()),
        })
        .collect()
}

fn account(
    id: &str,
    name: &str,
    ou: Vec<OuStep>,
    method: EntryMethod,
    report: Option<Report>,
) -> OrgAccount {
    let entered = matches!(
        method,
        EntryMethod::AssumedRole | EntryMethod::CallerCredentials
    );
    OrgAccount {
        id: id.into(),
        name: Some(name.into()),
        status: Some("ACTIVE".into()),
        ou_path: ou,
        entry: Entry {
            method,
            role_arn: (method == EntryMethod::AssumedRole)
                .then(|| format!("arn:aws:iam::{id}:role/BedrockDoctorReadOnly")),
            diagnosis: None,
            summary: match entered {
                true => "entered".into(),
                false => String::new(),
            },
            fix: None,
            evidence: Vec::new(),
        },
        report,
    }
}

fn sts_denied(message: &str) -> Evidence {
    Evidence {
        service: "sts".into(),
        operation: "AssumeRole".into(),
        region: Some("us-east-1".into()),
        http_status: Some(403),
        error_code: Some("AccessDenied".into()),
        request_id: Some("6d4a1f0e-0000-4000-8000-000000000001".into()),
        message: Some(message.into()),
        duration_ms: Some(41),
        attempts: Some(1),
    }
}

/// The Organization of every snapshot: one account of each kind, in the Organization's order.
pub fn organization() -> OrgReport {
    let root = ("r-ab12", "Root");
    let workloads = ("ou-ab12-work0001", "Workloads");
    let mut hostile_report = fixture("sweep_use_case_missing");
    if let Some(e) = hostile_report
        .checks
        .iter_mut()
        .filter(|c| c.status == checks::Status::Fail)
        .flat_map(|c| c.evidence.iter_mut())
        .find(|e| e.message.is_some())
    {
        e.message = Some(HOSTILE.into());
    }
    let mut not_entered = account(
        "555555555555",
        "Legacy",
        path(&[root, ("ou-ab12-lega0001", "Legacy\u{202e}")]),
        EntryMethod::NotEntered,
        None,
    );
    not_entered.entry.role_arn =
        Some("arn:aws:iam::555555555555:role/BedrockDoctorReadOnly".into());
    not_entered.entry.diagnosis = Some("org-role-not-assumable".into());
    not_entered.entry.summary = "AssumeRole was refused: AccessDenied".into();
    not_entered.entry.fix = Some(
        "Deploy the role with `bedrock-doctor policy --org-role` to account 555555555555, then rerun."
            .into(),
    );
    not_entered.entry.evidence = vec![sts_denied(HOSTILE)];
    // A second account refused alike: one fix for both, the account id read as $ACCOUNT_ID.
    let mut refused_alike = not_entered.clone();
    refused_alike.id = "777777777777".into();
    refused_alike.name = Some("Legacy B".into());
    for text in [
        &mut refused_alike.entry.fix,
        &mut refused_alike.entry.role_arn,
    ] {
        *text = text
            .as_ref()
            .map(|t| t.replace("555555555555", "777777777777"));
    }
    refused_alike.entry.evidence.clear();
    let mut skipped = account(
        "666666666666",
        "Closed",
        path(&[root]),
        EntryMethod::Skipped,
        None,
    );
    skipped.status = Some("SUSPENDED".into());
    skipped.entry.diagnosis = Some("org-account-not-active".into());
    skipped.entry.summary = "suspended: never assumed into".into();
    let accounts = vec![
        account(
            "111111111111",
            "Management",
            path(&[root]),
            EntryMethod::CallerCredentials,
            Some(fixture("sweep_scp_two_regions")),
        ),
        account(
            "222222222222",
            "Sandbox",
            path(&[root, ("ou-ab12-sand0001", "Sandbox")]),
            EntryMethod::AssumedRole,
            Some(fixture("sweep_scp_two_regions")),
        ),
        account(
            "333333333333",
            "Team X \x1b[31mProd",
            path(&[root, workloads, ("ou-ab12-prod0001", "Prod")]),
            EntryMethod::AssumedRole,
            Some(fixture("sweep_use_case_missing")),
        ),
        not_entered,
        account(
            "444444444444",
            "Team Y",
            path(&[root, workloads, ("ou-ab12-dev00001", "Dev")]),
            EntryMethod::AssumedRole,
            Some(hostile_report),
        ),
        skipped,
        refused_alike,
    ];
    OrgReport {
        schema_version: 1,
        kind: KIND.into(),
        tool: Tool {
            name: "bedrock-doctor".into(),
            version: "0.0.0-test".into(),
        },
        generated_at: "2026-01-01T00:00:00Z".into(),
        duration_ms: 4_321,
        caller: OrgCaller {
            account_id: Some("111111111111".into()),
            arn: Some("arn:aws:sts::111111111111:assumed-role/Admin/ops".into()),
            organization_id: Some("o-ab12cd34ef".into()),
            management_account_id: Some("111111111111".into()),
            is_management_account: true,
        },
        target: OrgTarget {
            role_name: "BedrockDoctorReadOnly".into(),
            external_id: false,
            accounts: Vec::new(),
            ou_id: None,
            exclude: Vec::new(),
            regions: vec!["us-east-1".into(), "us-west-2".into(), "eu-west-1".into()],
            model_ids: vec!["anthropic.claude-sonnet-4-6".into()],
            no_invoke: false,
            concurrency: 8,
        },
        summary: OrgSummary::of(&accounts),
        accounts,
    }
}

fn settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    // Timings differ from run to run in the fixtures' own texts.
    settings.add_filter(r"\b\d+ ms\b", "[duration] ms");
    settings.add_filter(r#"time="[0-9.]+""#, r#"time="[seconds]""#);
    settings
}

#[test]
fn org_table() {
    let shown = super::untrusted::for_display_org(&organization());
    let text = super::org::table(&shown, 0, false);
    assert!(!super::untrusted::has_hazard(&text), "{text}");
    settings().bind(|| insta::assert_snapshot!("org__table", text));
    let verbose = super::org::table(&shown, 1, false);
    assert!(!super::untrusted::has_hazard(&verbose), "{verbose}");
    // In the failing check's evidence and in the refused AssumeRole's: shown, not obeyed.
    assert_eq!(verbose.matches("\\x1b]0;pwned").count(), 2, "{verbose}");
    settings().bind(|| insta::assert_snapshot!("org__table_verbose", verbose));
}

#[test]
fn org_markdown() {
    let md = super::org::markdown(&super::untrusted::for_display_org(&organization()));
    assert!(!super::untrusted::has_hazard(&md), "{md}");
    for raw in ["<img", "</details><", "\u{202e}"] {
        assert!(!md.contains(raw), "{raw:?} reached the ticket:\n{md}");
    }
    settings().bind(|| insta::assert_snapshot!("org__markdown", md));
}

#[test]
fn org_junit() {
    let xml = super::org::junit(&super::untrusted::for_display_org(&organization()));
    assert!(!super::untrusted::has_hazard(&xml), "{xml}");
    assert_eq!(xml.matches("<testsuite ").count(), 7, "{xml}");
    settings().bind(|| insta::assert_snapshot!("org__junit", xml));
}

#[test]
fn colour_marks_failing_accounts_only_when_asked() {
    let shown = super::untrusted::for_display_org(&organization());
    assert!(!super::org::table(&shown, 0, false).contains('\x1b'));
    assert!(super::org::table(&shown, 0, true).contains("\x1b["));
}

#[test]
fn a_large_organization_keeps_one_line_per_account_within_the_width() {
    let mut report = organization();
    let template = report.accounts.clone();
    report.accounts = (0..150)
        .map(|n| {
            let mut a = template[n % template.len()].clone();
            a.id = format!("{:012}", 100_000_000_000u64 + n as u64);
            a.name = Some(format!("Workload account number {n}"));
            a
        })
        .collect();
    report.summary = OrgSummary::of(&report.accounts);
    let text = super::org::table(&super::untrusted::for_display_org(&report), 0, false);
    for line in text.lines().filter(|l| l.starts_with(['┌', '│', '╞', '└'])) {
        assert!(
            line.chars().count() <= 100,
            "wider than 100 columns: {line}"
        );
    }
    // Every account is on one line of its table (and of each continuation), never a block.
    for account in &report.accounts {
        let lines = text.lines().filter(|l| l.contains(&account.id)).count();
        assert!(lines <= 6, "{} is on {lines} lines", account.id);
    }
    // A fix names the first accounts and counts the rest.
    assert!(text.contains("more accounts (-v names them all)"), "{text}");
}

#[test]
fn a_delegated_administrators_own_account_is_labelled_the_caller_not_the_management() {
    let mut report = organization();
    report.caller.is_management_account = false;
    report.caller.management_account_id = Some("999999999999".into());
    let text = super::org::table(&report, 0, false);
    assert!(text.contains("Management (caller)"), "{text}");
    assert!(!text.contains("(management)"), "{text}");
    assert!(text.contains("(delegated administrator)"), "{text}");
}

#[test]
fn a_fix_naming_each_accounts_own_id_is_printed_once_for_all_of_them() {
    let mut report = organization();
    for account in &mut report.accounts {
        let id = account.id.clone();
        let Some(r) = account.report.as_mut() else {
            continue;
        };
        for check in r.checks.iter_mut().filter(|c| c.fix.is_some()) {
            check.fix = Some(format!(
                "Allow bedrock:InvokeModel to arn:aws:iam::{id}:role/app."
            ));
        }
    }
    let text = super::org::table(&report, 0, false);
    assert_eq!(
        text.matches("arn:aws:iam::$ACCOUNT_ID:role/app").count(),
        1,
        "{text}"
    );
    assert!(
        text.contains("(run it with ACCOUNT_ID set to each account's id)"),
        "{text}"
    );
    // Alone, an account's fix reads as its report words it.
    report.accounts.retain(|a| a.id != "444444444444");
    let alone = super::org::table(&report, 0, false);
    assert!(
        alone.contains("arn:aws:iam::333333333333:role/app"),
        "{alone}"
    );
}
