//! End-to-end: `bedrock-doctor org` over a multi-account Organization built in moto by boto3
//! (`tests/support/moto_orgs.py`: nested OUs, SCPs at several levels, a role per member), with the
//! stub serving each account's own Bedrock state by the credentials of the request and refusing
//! AssumeRole as AWS does.

mod support;

use std::collections::BTreeMap;

use serde_json::Value;
use support::relay::{allowed, relayed};
use support::{org, Bed, Run};

const SONNET_45: &str = "anthropic.claude-sonnet-4-5-20250929-v1:0";

/// `org` with the Organization's role and external id, for the Sonnet 4.5 model, plus `extra`.
fn org_args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let org = org();
    let mut args = vec![
        "org",
        "--role-name",
        org.role_name.as_str(),
        "--external-id",
        org.external_id.as_str(),
        "--model",
        SONNET_45,
    ];
    args.extend_from_slice(extra);
    args
}

/// The JSON organisation report of a run.
fn org_report(bed: &Bed, extra: &[&str]) -> (Run, Value) {
    let mut args = org_args(&["--format", "json"]);
    args.extend_from_slice(extra);
    let run = bed.run(&args);
    let json = run.json();
    assert_eq!(json["kind"], "organization", "{run}");
    assert_eq!(json["schema_version"], 1, "{run}");
    assert_valid_org_report(&json);
    (run, json)
}

/// Valid against the shipped `schema/organization.schema.json`, each account's own report against
/// the shipped report schema.
fn assert_valid_org_report(report: &Value) {
    static VALIDATOR: std::sync::OnceLock<jsonschema::Validator> = std::sync::OnceLock::new();
    let validator = VALIDATOR.get_or_init(|| {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/schema/organization.schema.json"
        );
        let text = std::fs::read_to_string(path).expect("the organisation schema exists");
        jsonschema::validator_for(&serde_json::from_str(&text).unwrap()).expect("it compiles")
    });
    let errors: Vec<String> = validator
        .iter_errors(report)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}\n{report:#}");
    for account in report["accounts"].as_array().into_iter().flatten() {
        if !account["report"].is_null() {
            support::assert_valid_report(&account["report"]);
        }
    }
}

/// The account row of `name` (by the id the Organization gave it).
fn row<'a>(report: &'a Value, name: &str) -> &'a Value {
    let id = &org().account(name).id;
    report["accounts"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["id"] == id.as_str()))
        .unwrap_or_else(|| panic!("no row for {name} ({id}) in {report:#}"))
}

/// The ids of the rows of a report.
fn row_ids(report: &Value) -> Vec<String> {
    report["accounts"]
        .as_array()
        .map(|rows| {
            rows.iter()
                .map(|r| r["id"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn ids(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| org().account(n).id.clone()).collect()
}

/// The diagnoses of the failed checks in an account's report.
fn failed_codes(row: &Value) -> Vec<String> {
    row["report"]["checks"]
        .as_array()
        .map(|checks| {
            checks
                .iter()
                .filter(|c| c["status"] == "fail")
                .filter_map(|c| c["diagnosis"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// An account that was entered and whose every check passed, warned or skipped.
fn assert_healthy(report: &Value, name: &str, method: &str) {
    let row = row(report, name);
    assert_eq!(row["entry"]["method"], method, "{name}: {row:#}");
    let summary = &row["report"]["summary"];
    assert!(
        summary["fail"] == 0 && summary["error"] == 0,
        "{name} should pass: {row:#}"
    );
}

/// The AssumeRole requests the stub's STS front received, by account name.
fn assumed(bed: &Bed) -> BTreeMap<String, usize> {
    let org = org();
    bed.stub
        .assume_role_calls()
        .into_iter()
        .map(|(id, n)| {
            let name = org
                .accounts
                .iter()
                .find(|a| a.id == id)
                .map_or(id, |a| a.name.clone());
            (name, n)
        })
        .collect()
}

fn counts(pairs: &[(&str, usize)]) -> BTreeMap<String, usize> {
    pairs.iter().map(|(n, c)| (n.to_string(), *c)).collect()
}

#[test]
fn every_account_gets_its_own_verdict_and_every_call_is_read_only() {
    let (bed, relay) = relayed(Bed::org(&[]));
    let (run, report) = org_report(&bed, &[]);
    run.assert_code(1);
    let org = org();
    assert_eq!(
        row_ids(&report).len(),
        org.accounts.len(),
        "every account of the Organization, the management account and the closed one included\n{run}"
    );
    assert_eq!(
        report["caller"]["organization_id"],
        org.organization_id.as_str()
    );
    assert_eq!(report["caller"]["is_management_account"], true);

    // The management account, with the caller's own credentials; the healthy members through the role.
    assert_healthy(&report, &org.accounts[0].name, "caller-credentials");
    assert_eq!(
        row(&report, &org.accounts[0].name)["entry"]["role_arn"],
        Value::Null
    );
    for name in ["sandbox", "shared-services"] {
        assert_healthy(&report, name, "assumed-role");
        let role = org.account(name).role_arn.clone().unwrap();
        assert_eq!(row(&report, name)["entry"]["role_arn"], role.as_str());
        // The report is the account's own: its identity is the assumed role's session.
        let arn = row(&report, name)["report"]["identity"]["arn"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(
            arn.starts_with(&format!(
                "arn:aws:sts::{}:assumed-role/{}/",
                org.account(name).id,
                org.role_name
            )),
            "{name}: {arn}\n{report:#}"
        );
    }

    // The account without the use-case form: its own Bedrock state, found through its role.
    let platform = row(&report, "prod-platform");
    assert_eq!(platform["entry"]["method"], "assumed-role");
    assert!(
        failed_codes(platform)
            .iter()
            .any(|c| c == "use-case-not-submitted"),
        "{platform:#}"
    );
    // The account whose SCP (on Team-A, two OUs down) denies us-west-2, a destination of the
    // us. profile: blocked there, and no other account is.
    let team = row(&report, "team-a-app");
    let team_codes = failed_codes(team);
    assert!(
        team_codes
            .iter()
            .any(|c| c == "inference-profile-region-blocked" || c == "scp-explicit-deny"),
        "{team:#}"
    );
    for name in ["sandbox", "shared-services", "prod-platform"] {
        assert!(
            !failed_codes(row(&report, name))
                .iter()
                .any(|c| c == "inference-profile-region-blocked" || c == "scp-explicit-deny"),
            "{name} has no region deny\n{report:#}"
        );
    }
    let team_path: Vec<&str> = team["ou_path"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert_eq!(
        team_path,
        ["Root", "Workloads", "Prod", "Team-A"],
        "{team:#}"
    );

    // The account without the role: a row with the organization code, not a crash.
    let roleless = row(&report, "dev-analytics");
    assert_eq!(roleless["entry"]["method"], "not-entered", "{roleless:#}");
    assert_eq!(
        roleless["entry"]["diagnosis"], "org-role-not-assumable",
        "{roleless:#}"
    );
    assert_eq!(roleless["report"], Value::Null);
    // The closed account: listed as skipped, never assumed into.
    let retired = row(&report, "retired");
    assert_eq!(retired["entry"]["method"], "skipped", "{retired:#}");
    assert_eq!(retired["status"], "SUSPENDED", "{retired:#}");
    assert_eq!(retired["report"], Value::Null);

    let summary = &report["summary"];
    assert_eq!(summary["accounts"], org.accounts.len());
    assert_eq!(summary["skipped"], 1, "{summary:#}");
    assert_eq!(summary["not_entered"], 1, "{summary:#}");
    assert_eq!(summary["failed"], 2, "{summary:#}");
    assert_eq!(summary["passed"], 3, "{summary:#}");

    // One AssumeRole per member account entered or tried; none for the management account or
    // the closed one.
    assert_eq!(
        assumed(&bed),
        counts(&[
            ("sandbox", 1),
            ("shared-services", 1),
            ("dev-analytics", 1),
            ("prod-platform", 1),
            ("team-a-app", 1),
        ]),
        "{run}"
    );

    // As the command line promises: session name `bedrock-doctor`, the shortest duration STS
    // allows (900 s), and the external id given.
    for request in bed.stub.assume_role_requests() {
        assert_eq!(
            request.role_session_name.as_deref(),
            Some("bedrock-doctor"),
            "{request:?}"
        );
        assert_eq!(request.duration_seconds, Some(900), "{request:?}");
        assert_eq!(
            request.external_id.as_deref(),
            Some(org.external_id.as_str()),
            "{request:?}"
        );
    }

    // Read-only everywhere: the stub (Bedrock, Service Quotas, STS) and moto (IAM, Organizations).
    for call in bed.stub.calls() {
        assert!(
            allowed(&call.operation, true) || call.operation == "AssumeRole",
            "the stub received {} {}\n{run}",
            call.service,
            call.operation
        );
    }
    let moto_ops = relay.operations();
    assert!(
        moto_ops.iter().any(|op| op.starts_with("List")),
        "the Organization was read through moto: {moto_ops:?}"
    );
    for op in &moto_ops {
        assert!(allowed(op, true), "moto received {op}\n{run}");
    }

    // And `policy --command org` names every one of those calls: the caller's Organization reads
    // and AssumeRole, and what each account's checks ask (the role's policy is `policy`'s).
    let printed = bed.run(&["policy", "--command", "org"]);
    printed.assert_code(0);
    let actions: Vec<String> = printed.json()["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| match &s["Action"] {
            Value::Array(a) => a
                .iter()
                .filter_map(|a| a.as_str())
                .map(String::from)
                .collect(),
            Value::String(a) => vec![a.clone()],
            _ => Vec::new(),
        })
        .collect();
    let named = |action: String| actions.contains(&action);
    for call in bed.stub.calls() {
        let action = match (call.service.as_str(), call.operation.as_str()) {
            ("sts", "GetCallerIdentity") => continue, // needs no permission
            ("bedrock-runtime", "Converse") => "bedrock:InvokeModel".to_string(),
            ("bedrock-runtime", "ConverseStream") => {
                "bedrock:InvokeModelWithResponseStream".to_string()
            }
            ("bedrock-runtime", op) => format!("bedrock:{op}"),
            (service, op) => format!("{service}:{op}"),
        };
        assert!(named(action.clone()), "{action} is not in {actions:?}");
    }
    for op in moto_ops
        .iter()
        .filter(|op| op.as_str() != "GetCallerIdentity")
    {
        assert!(
            ["organizations", "iam", "sts"]
                .iter()
                .any(|service| named(format!("{service}:{op}"))),
            "moto's {op} is not in {actions:?}"
        );
    }
}

#[test]
fn an_all_healthy_scope_exits_0() {
    let bed = Bed::org(&[]);
    let accounts = ids(&["sandbox", "shared-services"]).join(",");
    let (run, report) = org_report(&bed, &["--accounts", &accounts]);
    run.assert_code(0);
    assert_eq!(
        row_ids(&report),
        ids(&["sandbox", "shared-services"]),
        "{report:#}"
    );
    assert_eq!(
        assumed(&bed),
        counts(&[("sandbox", 1), ("shared-services", 1)])
    );
}

#[test]
fn a_trust_policy_asking_for_an_external_id_refuses_a_run_without_it() {
    let bed = Bed::org(&[]);
    let org = org();
    let accounts = ids(&["sandbox", "shared-services"]).join(",");
    let run = bed.run(&[
        "org",
        "--role-name",
        org.role_name.as_str(),
        "--model",
        SONNET_45,
        "--accounts",
        &accounts,
        "--format",
        "json",
    ]);
    run.assert_code(1);
    let report = run.json();
    assert_healthy(&report, "sandbox", "assumed-role");
    let shared = row(&report, "shared-services");
    assert_eq!(shared["entry"]["method"], "not-entered", "{shared:#}");
    assert_eq!(
        shared["entry"]["diagnosis"], "org-role-not-assumable",
        "{shared:#}"
    );
}

#[test]
fn an_ou_scope_takes_every_account_below_it_and_exclude_leaves_accounts_out() {
    let bed = Bed::org(&[]);
    let org = org();
    let workloads = org.ous["Workloads"].as_str();
    let (_, report) = org_report(&bed, &["--ou", workloads, "--no-invoke"]);
    let mut got = row_ids(&report);
    got.sort();
    let mut want = ids(&[
        "shared-services",
        "dev-analytics",
        "prod-platform",
        "team-a-app",
    ]);
    want.sort();
    assert_eq!(
        got, want,
        "Workloads, Dev, Prod and Team-A, at every depth\n{report:#}"
    );
    assert_eq!(report["target"]["ou_id"], workloads);

    let bed = Bed::org(&[]);
    let exclude = ids(&["team-a-app", "dev-analytics"]).join(",");
    let prod = org.ous["Prod"].as_str();
    let (run, report) = org_report(&bed, &["--ou", prod, "--exclude", &exclude, "--no-invoke"]);
    assert_eq!(row_ids(&report), ids(&["prod-platform"]), "{run}");
    assert_eq!(assumed(&bed), counts(&[("prod-platform", 1)]));
}

#[test]
fn jsonl_streams_a_header_one_line_per_account_and_a_summary() {
    let bed = Bed::org(&[]);
    let run = bed.run(&org_args(&["--format", "jsonl", "--no-invoke"]));
    run.assert_code(1);
    let lines: Vec<Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}\n{run}")))
        .collect();
    let org = org();
    let n = org.accounts.len();
    assert_eq!(lines.len(), n + 2, "{run}");
    assert_eq!(lines[0]["kind"], "organization", "{run}");
    assert_eq!(lines[0]["accounts"], n, "{run}");
    let mut seen: Vec<String> = lines[1..=n]
        .iter()
        .map(|l| {
            assert_eq!(l["kind"], "organization-account", "{l:#}");
            l["id"].as_str().unwrap_or_default().to_string()
        })
        .collect();
    seen.sort();
    let mut want: Vec<String> = org.accounts.iter().map(|a| a.id.clone()).collect();
    want.sort();
    assert_eq!(seen, want);
    let last = &lines[n + 1];
    assert_eq!(last["kind"], "organization-summary", "{run}");
    assert_eq!(last["summary"]["accounts"], n);
    assert_eq!(last["summary"]["skipped"], 1);
    assert_eq!(last["summary"]["not_entered"], 1);
}

#[test]
fn no_account_credentials_appear_in_any_output() {
    let formats = ["table", "json", "jsonl", "markdown", "junit"];
    let mut cases: Vec<(&str, Option<&str>, bool)> = Vec::new();
    for format in formats {
        for verbosity in [None, Some("-v"), Some("-vv")] {
            cases.push((format, verbosity, false));
        }
    }
    // RUST_LOG=trace is the most the logs can say, the SDK's own included: the AssumeRole answers
    // that carry each account's keys pass through it.
    cases.push(("jsonl", Some("-vv"), true));
    for (format, verbosity, trace) in cases {
        {
            let mut bed = Bed::org(&[]);
            if trace {
                bed.set("RUST_LOG", "trace");
            }
            let dir = tempfile::tempdir().unwrap();
            let out = dir.path().join("report.out");
            let out_arg = out.display().to_string();
            let mut args = org_args(&["--no-invoke", "--format", format, "--output", &out_arg]);
            args.extend(verbosity);
            let run = bed.run(&args);
            assert!(matches!(run.code, Some(0) | Some(1)), "{run}");
            assert!(
                !trace || run.stderr.contains("TRACE"),
                "trace logs on\n{run}"
            );
            let file = std::fs::read_to_string(&out).unwrap_or_default();
            let mut secrets = vec![
                bed.moto.access_key_id.clone(),
                bed.moto.secret_access_key.clone(),
            ];
            let learned = bed.stub.learned_credentials();
            assert!(!learned.is_empty(), "roles were assumed\n{run}");
            for c in learned {
                secrets.push(c.access_key_id);
                secrets.push(c.secret_access_key);
                secrets.extend(c.session_token);
            }
            for secret in &secrets {
                for (what, text) in [
                    ("stdout", &run.stdout),
                    ("stderr", &run.stderr),
                    ("--output", &file),
                ] {
                    assert!(
                        !text.contains(secret.as_str()),
                        "{format} {verbosity:?} (trace: {trace}): a credential ({}…) in {what}\n{run}",
                        &secret[..4]
                    );
                }
            }
        }
    }
}

/// A profile per member account, assuming its role from the management account's keys (the
/// source profile `management`), as a person checks one account with `check --profile`.
fn role_profiles(bed: &mut Bed, external_id: Option<&str>) {
    let org = org();
    let mut config = String::from("[profile management]\nregion = us-east-1\n");
    for account in &org.accounts[1..] {
        config.push_str(&format!(
            "[profile {}]\nrole_arn = arn:aws:iam::{}:role/{}\nsource_profile = management\nrole_session_name = bedrock-doctor\nregion = us-east-1\n",
            account.name, account.id, org.role_name
        ));
        if let Some(id) = external_id {
            config.push_str(&format!("external_id = {id}\n"));
        }
    }
    let credentials = format!(
        "[management]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
        bed.moto.access_key_id, bed.moto.secret_access_key
    );
    support::write_file(&bed.home, "config", &config);
    support::write_file(&bed.home, "credentials", &credentials);
    bed.unset("AWS_ACCESS_KEY_ID")
        .unset("AWS_SECRET_ACCESS_KEY");
}

/// The test bed without `org`: `check --profile` into each member through its role meets that
/// account's own Bedrock state, and the STS front refuses a role that is missing or whose trust
/// policy asks for an external id the profile does not give.
#[test]
fn check_through_each_members_role_meets_that_accounts_own_state() {
    let org = org();
    let mut bed = Bed::org(&[]);
    role_profiles(&mut bed, Some(&org.external_id));
    let verdicts = |profile: &str| {
        let (run, report) = bed.report(&["--profile", profile, "--model", SONNET_45]);
        let account = org.account(profile);
        let codes: Vec<String> = report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["status"] == "fail")
            .filter_map(|c| c["diagnosis"].as_str().map(String::from))
            .collect();
        if account.state != "no-role" {
            assert_eq!(
                report["identity"]["account_id"],
                account.id.as_str(),
                "{run}"
            );
        }
        (run, codes)
    };
    let (run, codes) = verdicts("sandbox");
    run.assert_code(0);
    assert!(codes.is_empty(), "{codes:?}");
    let (run, codes) = verdicts("shared-services");
    run.assert_code(0);
    assert!(codes.is_empty(), "{codes:?}");
    let (_, codes) = verdicts("prod-platform");
    assert!(
        codes.iter().any(|c| c == "use-case-not-submitted"),
        "{codes:?}"
    );
    assert!(!codes.iter().any(|c| c.starts_with("scp-")), "{codes:?}");
    let (_, codes) = verdicts("team-a-app");
    assert!(
        codes
            .iter()
            .any(|c| c == "inference-profile-region-blocked"),
        "{codes:?}"
    );
    assert!(codes.iter().any(|c| c == "scp-explicit-deny"), "{codes:?}");
    assert!(
        !codes.iter().any(|c| c.starts_with("use-case")),
        "{codes:?}"
    );
    let (run, codes) = verdicts("dev-analytics");
    run.assert_code(1);
    assert_eq!(codes, ["assume-role-denied"], "{run}");

    // The front saw each profile's AssumeRole as the SDK sent it.
    let requests = bed.stub.assume_role_requests();
    assert!(
        requests
            .iter()
            .all(|r| r.role_session_name.as_deref() == Some("bedrock-doctor")
                && r.external_id.as_deref() == Some(org.external_id.as_str())),
        "{requests:#?}"
    );

    // Without the external id, only the role whose trust policy asks for one refuses.
    let mut bed = Bed::org(&[]);
    role_profiles(&mut bed, None);
    let (run, report) = bed.report(&["--profile", "shared-services", "--model", SONNET_45]);
    run.assert_code(1);
    support::assert_check(&report, "credentials", "fail", Some("assume-role-denied"));
    let (run, _) = bed.report(&["--profile", "sandbox", "--model", SONNET_45]);
    run.assert_code(0);

    // AWS's refusal, word for word, to the caller the front asked moto about.
    let shared = org.account("shared-services");
    let refused: Vec<_> = bed
        .stub
        .calls()
        .into_iter()
        .filter(|c| c.operation == "AssumeRole" && c.status == 403)
        .collect();
    assert!(
        !refused.is_empty() && refused.iter().all(|c| c.param == shared.role_arn),
        "{refused:#?}"
    );
    let summary = support::check(&report, "credentials")["summary"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        summary.contains(shared.role_arn.as_deref().unwrap()),
        "{summary}"
    );
}
