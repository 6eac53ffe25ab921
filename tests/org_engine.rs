//! End-to-end: `bedrock-doctor org` against the Organization built in moto by boto3
//! (`tests/support/moto_org.py`: the management account and a member account in an OU), with the
//! Bedrock stub behind both.

mod support;

use support::{assert_valid_report, organization, Bed};

const ROLE: &str = "OrganizationAccountAccessRole";

fn org_json(bed: &Bed, extra: &[&str]) -> (support::Run, serde_json::Value) {
    let mut args = vec![
        "org",
        "--role-name",
        ROLE,
        "--no-invoke",
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    let run = bed.run(&args);
    let json = run.json();
    (run, json)
}

fn account<'a>(report: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    report["accounts"]
        .as_array()
        .and_then(|all| all.iter().find(|a| a["id"] == id))
        .unwrap_or_else(|| panic!("no account {id} in\n{report:#}"))
}

/// The organisation report's shape: valid against the shipped `schema/organization.schema.json`,
/// and each entered account's report valid against the shipped report schema.
fn assert_org_shape(report: &serde_json::Value) {
    static VALIDATOR: std::sync::OnceLock<jsonschema::Validator> = std::sync::OnceLock::new();
    let validator = VALIDATOR.get_or_init(|| {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/schema/organization.schema.json"
        ))
        .expect("schema/organization.schema.json exists");
        jsonschema::validator_for(&serde_json::from_str(&text).unwrap()).expect("it compiles")
    });
    let errors: Vec<String> = validator
        .iter_errors(report)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}\n{report:#}");
    assert_eq!(report["schema_version"], 1, "{report:#}");
    assert_eq!(report["kind"], "organization");
    for key in [
        "tool",
        "generated_at",
        "duration_ms",
        "caller",
        "target",
        "summary",
    ] {
        assert!(report.get(key).is_some(), "no `{key}` in\n{report:#}");
    }
    let accounts = report["accounts"].as_array().expect("accounts");
    assert_eq!(report["summary"]["accounts"], accounts.len());
    for account in accounts {
        for key in ["id", "name", "status", "ou_path", "entry", "report"] {
            assert!(account.get(key).is_some(), "no `{key}` in {account:#}");
        }
        match account["entry"]["method"].as_str() {
            Some("assumed-role" | "caller-credentials") => assert_valid_report(&account["report"]),
            Some("not-entered" | "skipped") => {
                assert!(account["report"].is_null(), "{account:#}");
                assert!(account["entry"]["diagnosis"].is_string(), "{account:#}");
            }
            other => panic!("unknown entry method {other:?}"),
        }
    }
}

#[test]
fn every_account_is_entered_once_and_the_management_account_with_the_callers_credentials() {
    let org = organization();
    let bed = Bed::management("healthy");
    let (run, report) = org_json(&bed, &[]);
    assert_org_shape(&report);
    assert_eq!(
        report["caller"]["account_id"],
        org.management_account.as_str()
    );
    assert_eq!(report["caller"]["is_management_account"], true);
    assert_eq!(report["target"]["role_name"], ROLE);
    assert_eq!(report["target"]["concurrency"], 8);

    let management = account(&report, &org.management_account);
    assert_eq!(
        management["entry"]["method"], "caller-credentials",
        "{report:#}"
    );
    assert!(management["entry"]["role_arn"].is_null());
    let summary = management["entry"]["summary"].as_str().unwrap_or_default();
    assert!(summary.contains("management account"), "{summary}");
    assert!(
        management["ou_path"][0]["id"] == org.root.as_str(),
        "{report:#}"
    );

    let member = account(&report, &org.member_account);
    assert_eq!(member["entry"]["method"], "assumed-role", "{report:#}");
    let arn = format!("arn:aws:iam::{}:role/{ROLE}", org.member_account);
    assert_eq!(member["entry"]["role_arn"], arn.as_str());
    // One AssumeRole call for the member account, none for the management account.
    let calls = member["entry"]["evidence"].as_array().expect("evidence");
    assert_eq!(calls.len(), 1, "{member:#}");
    assert_eq!(calls[0]["operation"], "AssumeRole");
    assert_eq!(calls[0]["http_status"], 200);
    assert!(management["entry"]["evidence"]
        .as_array()
        .unwrap()
        .is_empty());
    // Its path, root first, names the OU; its checks ran as the assumed role.
    let path: Vec<&str> = member["ou_path"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["id"].as_str())
        .collect();
    assert_eq!(path, [org.root.as_str(), org.ou.as_str()], "{member:#}");
    assert_eq!(member["ou_path"][1]["name"], "Workloads");
    assert_eq!(
        member["report"]["identity"]["account_id"],
        org.member_account.as_str(),
        "{member:#}"
    );
    let arn = member["report"]["identity"]["arn"]
        .as_str()
        .unwrap_or_default();
    assert!(
        arn.contains(":assumed-role/") && arn.ends_with("/bedrock-doctor"),
        "{arn}"
    );

    let failed = report["accounts"].as_array().unwrap().iter().any(|a| {
        a["entry"]["method"] == "not-entered" || {
            let s = &a["report"]["summary"];
            s["fail"].as_u64().unwrap_or(0) + s["error"].as_u64().unwrap_or(0) > 0
        }
    });
    run.assert_code(if failed { 1 } else { 0 });
    // No secret of the caller anywhere.
    assert!(!run.stdout.contains(&bed.moto.secret_access_key));
    assert!(!run.stderr.contains(&bed.moto.secret_access_key));
}

#[test]
fn jsonl_writes_a_header_a_line_per_account_and_a_summary() {
    let bed = Bed::management("healthy");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("org.jsonl");
    let run = bed.run(&[
        "org",
        "--role-name",
        ROLE,
        "--no-invoke",
        "--format",
        "jsonl",
        "--concurrency",
        "1",
        "--output",
        file.to_str().unwrap(),
    ]);
    let lines: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let header = &lines[0];
    assert_eq!(header["kind"], "organization");
    let accounts = header["accounts"].as_u64().unwrap() as usize;
    assert_eq!(lines.len(), accounts + 2, "{}", run.stdout);
    for line in &lines[1..=accounts] {
        assert_eq!(line["kind"], "organization-account");
    }
    let summary = lines.last().unwrap();
    assert_eq!(summary["kind"], "organization-summary");
    assert_eq!(summary["summary"]["accounts"], accounts);
    let expected = i32::from(
        summary["summary"]["failed"].as_u64().unwrap()
            + summary["summary"]["not_entered"].as_u64().unwrap()
            > 0,
    );
    run.assert_code(expected);
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        run.stdout,
        "the file holds the stream"
    );
}

#[test]
fn an_account_outside_the_organization_is_a_row_not_a_crash_and_fails_the_run() {
    let org = organization();
    let bed = Bed::management("healthy");
    let stranger = "999988887777";
    let (run, report) = org_json(
        &bed,
        &["--accounts", &format!("{},{stranger}", org.member_account)],
    );
    assert_org_shape(&report);
    run.assert_code(1);
    assert_eq!(
        report["accounts"].as_array().unwrap().len(),
        2,
        "{report:#}"
    );
    let row = account(&report, stranger);
    assert_eq!(row["entry"]["method"], "not-entered");
    assert_eq!(row["entry"]["diagnosis"], "org-account-not-member");
    assert!(row["entry"]["fix"]
        .as_str()
        .unwrap_or_default()
        .contains(stranger));
    assert_eq!(report["summary"]["not_entered"], 1);
}

#[test]
fn exclude_leaves_an_account_out_entirely() {
    let org = organization();
    let bed = Bed::management("healthy");
    let (_, report) = org_json(&bed, &["--exclude", &org.member_account]);
    assert_org_shape(&report);
    let ids: Vec<&str> = report["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["id"].as_str())
        .collect();
    assert!(!ids.contains(&org.member_account.as_str()), "{ids:?}");
    assert!(ids.contains(&org.management_account.as_str()), "{ids:?}");
}

#[test]
fn the_ou_scope_holds_only_the_accounts_under_it() {
    let org = organization();
    let bed = Bed::management("healthy");
    let (_, report) = org_json(&bed, &["--ou", &org.ou]);
    assert_org_shape(&report);
    let ids: Vec<&str> = report["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["id"].as_str())
        .collect();
    assert_eq!(ids, [org.member_account.as_str()], "{report:#}");
    assert_eq!(report["target"]["ou_id"], org.ou.as_str());
}

#[test]
fn usage_errors_are_one_line_and_exit_2() {
    let bed = Bed::management("healthy");
    for args in [
        vec!["org", "--role-name", "arn:aws:iam::111111111111:role/R"],
        vec!["org", "--role-name", "R", "--accounts", "123"],
        vec!["org", "--role-name", "R", "--ou", "ou-bad"],
        vec!["org", "--role-name", "R", "--concurrency", "65"],
        vec!["org", "--role-name", "R", "--external-id", "x"],
        vec!["org", "--role-name", "R", "--timeout", "0"],
        vec![
            "org",
            "--role-name",
            "R",
            "--ou",
            "ou-ab12-cd34ef56",
            "--accounts",
            "111111111111",
        ],
    ] {
        let run = bed.run(&args);
        run.assert_code(2);
        assert_eq!(
            run.stderr.trim_end().lines().count(),
            1,
            "{args:?}: {}",
            run.stderr
        );
        assert!(run.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn a_caller_outside_any_organization_gets_a_verdict_not_a_crash() {
    // The authenticated moto holds no Organization.
    let bed = Bed::new("healthy");
    let run = bed.run(&["org", "--role-name", ROLE, "--format", "json"]);
    run.assert_code(1);
    assert!(
        run.stderr.contains("org-not-in-organization")
            || run.stderr.contains("org-caller-not-organization-admin")
            || run.stderr.contains("cannot read the caller's Organization"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.is_empty(), "{}", run.stdout);
}

/// moto's session tokens all begin so (moto `sts/utils.py`, `SESSION_TOKEN_PREFIX`).
const MOTO_SESSION_TOKEN_PREFIX: &str = "FQoGZXIvYXdzE";

#[test]
fn no_member_credentials_reach_any_output_at_any_verbosity_and_redact_masks_account_ids() {
    let org = organization();
    let bed = Bed::management("healthy");
    for format in ["json", "jsonl", "table", "markdown", "junit"] {
        for verbose in ["-v", "-vv"] {
            let run = bed.run(&[
                "org",
                "--role-name",
                ROLE,
                "--no-invoke",
                "--format",
                format,
                verbose,
            ]);
            for out in [&run.stdout, &run.stderr] {
                assert!(
                    !out.contains(MOTO_SESSION_TOKEN_PREFIX),
                    "{format} {verbose}: a session token"
                );
                assert!(
                    !out.contains(&bed.moto.secret_access_key),
                    "{format} {verbose}"
                );
                assert!(
                    !out.to_ascii_lowercase().contains("secretaccesskey"),
                    "{format} {verbose}"
                );
            }
        }
    }
    let (_, report) = org_json(&bed, &["--redact"]);
    let text = report.to_string();
    for id in [&org.management_account, &org.member_account] {
        assert!(!text.contains(id.as_str()), "--redact left {id}");
    }
}
