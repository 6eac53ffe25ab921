//! End-to-end, offline: `show` of saved organisation reports (the JSON report and the `jsonl`
//! stream, through the real binary), `schema --org`, and `policy --org-role`'s CloudFormation
//! template.

mod support;

use serde_json::{json, Value};
use support::{run_with_env, Run};

fn offline_env() -> std::collections::BTreeMap<String, String> {
    let mut env = std::collections::BTreeMap::new();
    env.insert(
        "PATH".to_string(),
        std::env::var("PATH").unwrap_or_default(),
    );
    env
}

fn run(args: &[&str]) -> Run {
    run_with_env(&offline_env(), args, None)
}

/// What an AWS message (or a proxy on the way) may carry: a terminal title, a screen clear, a
/// bidi override, and HTML that would close a ticket's `<details>`.
const HOSTILE: &str =
    "denied \u{1b}]0;pwned\u{7}\u{1b}[2J\u{202e}gnp.exe</details><img src=x onerror=alert(1)>";

fn saved_check_report(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/reports/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn account(id: &str, name: &str, ou: &[(&str, &str)], method: &str, report: Value) -> Value {
    let ou_path: Vec<Value> = ou
        .iter()
        .map(|(id, name)| json!({"id": id, "name": name}))
        .collect();
    json!({
        "id": id,
        "name": name,
        "status": "ACTIVE",
        "ou_path": ou_path,
        "entry": {
            "method": method,
            "role_arn": (method == "assumed-role").then(|| format!("arn:aws:iam::{id}:role/BedrockDoctorReadOnly")),
            "diagnosis": null,
            "summary": "entered",
            "fix": null,
            "evidence": []
        },
        "report": report
    })
}

/// An Organization of five accounts: the management account and a member that pass, a member
/// that fails (with hostile text in an AWS message and in its name), one not entered, one
/// suspended.
fn organization() -> Value {
    let root = ("r-ab12", "Root");
    let mut failing = saved_check_report("sweep_use_case_missing");
    failing["checks"][16]["evidence"][0]["message"] = json!(HOSTILE);
    let mut not_entered = account(
        "555555555555",
        "Legacy",
        &[root],
        "not-entered",
        Value::Null,
    );
    not_entered["entry"] = json!({
        "method": "not-entered",
        "role_arn": "arn:aws:iam::555555555555:role/BedrockDoctorReadOnly",
        "diagnosis": "org-role-not-assumable",
        "summary": "AssumeRole was refused: AccessDenied",
        "fix": "Deploy the role with `bedrock-doctor policy --org-role`, then rerun.",
        "evidence": [{"service": "sts", "operation": "AssumeRole", "region": "us-east-1",
            "http_status": 403, "error_code": "AccessDenied", "request_id": "r-1",
            "message": HOSTILE, "duration_ms": 30, "attempts": 1}]
    });
    let mut skipped = account("666666666666", "Closed", &[root], "skipped", Value::Null);
    skipped["status"] = json!("SUSPENDED");
    skipped["entry"]["summary"] = json!("suspended: never assumed into");
    json!({
        "schema_version": 1,
        "kind": "organization",
        "tool": {"name": "bedrock-doctor", "version": "0.0.0-test"},
        "generated_at": "2026-01-01T00:00:00Z",
        "duration_ms": 1234,
        "caller": {
            "account_id": "111111111111",
            "arn": "arn:aws:sts::111111111111:assumed-role/Admin/ops",
            "organization_id": "o-ab12cd34ef",
            "management_account_id": "111111111111",
            "is_management_account": true
        },
        "target": {
            "role_name": "BedrockDoctorReadOnly", "external_id": false, "accounts": [],
            "ou_id": null, "exclude": [], "regions": ["us-east-1", "us-west-2", "eu-west-1"],
            "model_ids": ["anthropic.claude-sonnet-4-6"], "no_invoke": false, "concurrency": 8
        },
        "summary": {"accounts": 5, "passed": 2, "failed": 1, "not_entered": 1, "skipped": 1},
        "accounts": [
            account("111111111111", "Management", &[root], "caller-credentials", saved_check_report("sweep_scp_two_regions")),
            account("222222222222", "Sandbox", &[root, ("ou-ab12-sand0001", "Sandbox")], "assumed-role", saved_check_report("sweep_scp_two_regions")),
            account("333333333333", "Team X \u{1b}[31mProd", &[root, ("ou-ab12-work0001", "Workloads"), ("ou-ab12-prod0001", "Prod")], "assumed-role", failing),
            not_entered,
            skipped
        ]
    })
}

/// The same report as `org --format jsonl` streams it: header, one line per account, summary.
fn as_jsonl(report: &Value) -> String {
    let mut header = json!({});
    for key in [
        "schema_version",
        "kind",
        "tool",
        "generated_at",
        "caller",
        "target",
    ] {
        header[key] = report[key].clone();
    }
    header["accounts"] = json!(report["accounts"].as_array().unwrap().len());
    let mut lines = vec![header.to_string()];
    for account in report["accounts"].as_array().unwrap() {
        let mut line = account.clone();
        line["kind"] = json!("organization-account");
        lines.push(line.to_string());
    }
    lines.push(
        json!({"kind": "organization-summary", "duration_ms": report["duration_ms"], "summary": report["summary"]})
            .to_string(),
    );
    lines.join("\n") + "\n"
}

struct Files {
    dir: tempfile::TempDir,
}

impl Files {
    fn new() -> Files {
        Files {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn write(&self, name: &str, text: &str) -> String {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_string()
    }
}

/// Whether a character that acts on a terminal reached the output.
fn has_hazard(text: &str) -> bool {
    text.chars().any(|c| {
        matches!(c, '\u{0}'..='\u{8}' | '\u{b}'..='\u{1f}' | '\u{7f}'..='\u{9f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    })
}

#[test]
fn show_renders_a_saved_organization_report_and_its_stream_alike() {
    let files = Files::new();
    let report = organization();
    let json_file = files.write("org.json", &serde_json::to_string_pretty(&report).unwrap());
    let jsonl_file = files.write("org.jsonl", &as_jsonl(&report));
    for format in ["table", "markdown", "junit", "json"] {
        let from_json = run(&["show", &json_file, "--format", format, "--color", "never"]);
        // An account failed and one could not be entered: the run failed.
        from_json.assert_code(1);
        assert!(from_json.stderr.is_empty(), "{from_json}");
        let from_jsonl = run(&["show", &jsonl_file, "--format", format, "--color", "never"]);
        from_jsonl.assert_code(1);
        assert_eq!(
            from_json.stdout, from_jsonl.stdout,
            "the stream shows as the report does ({format})"
        );
        if format != "json" {
            assert!(!has_hazard(&from_json.stdout), "{from_json}");
        }
    }
    let table = run(&["show", &json_file, "--color", "never"]);
    for needle in [
        "Failing accounts (1)",
        "Passing accounts (2)",
        "Root/Workloads/Prod",
        "Management (management)",
        "use-case-not-submitted",
        "How to fix",
        "Not entered (1)",
        "org-role-not-assumable",
        "Skipped (1)",
        "SUSPENDED",
        "5 accounts: 2 passed, 1 failed, 1 not entered, 1 skipped",
        "Team X \\x1b[31mProd",
    ] {
        assert!(table.stdout.contains(needle), "{needle:?} missing\n{table}");
    }
    let verbose = run(&["show", &json_file, "-v", "--color", "never"]);
    // In the failing check's evidence and in the refused AssumeRole's: shown, not obeyed.
    assert_eq!(
        verbose.stdout.matches("\\x1b]0;pwned").count(),
        2,
        "{verbose}"
    );
    assert!(!has_hazard(&verbose.stdout), "{verbose}");
    let markdown = run(&["show", &json_file, "--format", "markdown"]);
    assert!(
        !markdown.stdout.contains("<img") && !markdown.stdout.contains("</details><"),
        "{markdown}"
    );
    // JSON is the report, exactly: every text as it was.
    let json = run(&["show", &jsonl_file, "--format", "json"]);
    assert_eq!(json.json(), report);
}

#[test]
fn show_junit_of_an_organization_is_a_suite_per_account() {
    let files = Files::new();
    let file = files.write("org.json", &organization().to_string());
    let junit = run(&["show", &file, "--format", "junit"]);
    junit.assert_code(1);
    let xml = files.write("org.xml", &junit.stdout);
    // junitparser (PyPI, installed from tests/requirements.txt) reads it as a CI system would.
    let script = r#"
import sys, junitparser
xml = junitparser.JUnitXml.fromfile(sys.argv[1])
for suite in xml:
    kinds = sorted({type(r).__name__ for case in suite for r in case.result})
    print(suite.name + '|' + str(suite.tests) + '|' + ','.join(kinds))
"#;
    let out = std::process::Command::new("python3")
        .args(["-c", script, &xml])
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "junitparser failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        junit.stdout
    );
    let suites = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = suites.lines().collect();
    assert_eq!(lines.len(), 5, "{suites}");
    assert!(lines[0].starts_with("Management (111111111111, management)|37|Skipped"));
    assert!(
        lines[2].contains("(333333333333)|37|Failure,Skipped"),
        "{suites}"
    );
    assert_eq!(lines[3], "Legacy (555555555555)|1|Failure");
    assert_eq!(lines[4], "Closed (666666666666)|1|Skipped");
}

#[test]
fn show_refuses_organization_files_it_cannot_trust_with_one_line() {
    let files = Files::new();
    let report = organization();
    let stream = as_jsonl(&report);
    let lines: Vec<&str> = stream.lines().collect();
    let mut newer = report.clone();
    newer["schema_version"] = json!(2);
    let mut miscounted = report.clone();
    miscounted["summary"]["failed"] = json!(0);
    let mut foreign_account = report.clone();
    foreign_account["accounts"][0]["report"]["schema_version"] = json!(7);
    let mut not_a_report = report.clone();
    not_a_report["accounts"] = json!("everything passed");
    let cases = [
        ("newer.json", newer.to_string(), "newer"),
        ("miscounted.json", miscounted.to_string(), "does not match"),
        (
            "foreign.json",
            foreign_account.to_string(),
            "account 111111111111",
        ),
        ("malformed.json", not_a_report.to_string(), "malformed"),
        // A stream cut short: the run did not finish.
        (
            "cut.jsonl",
            lines[..lines.len() - 1].join("\n"),
            "summary line",
        ),
        ("cut_header.jsonl", lines[0].to_string(), "summary line"),
        (
            "missing_account.jsonl",
            [&lines[..2], &lines[3..]].concat().join("\n"),
            "announced",
        ),
        (
            "stray.jsonl",
            [
                &lines[..2],
                &["{\"kind\": \"something-else\"}"],
                &lines[2..],
            ]
            .concat()
            .join("\n"),
            "line 3",
        ),
        (
            "after.jsonl",
            format!("{stream}{}\n", lines[1]),
            "after the summary",
        ),
        (
            "garbage.jsonl",
            format!("{}\n\u{1b}[2J not json\n", lines[0]),
            "line 2",
        ),
    ];
    for (name, text, needle) in cases {
        let file = files.write(name, &text);
        let shown = run(&["show", &file]);
        shown.assert_code(2);
        assert!(shown.stdout.is_empty(), "{name}: {shown}");
        assert_eq!(shown.stderr.lines().count(), 1, "{name}: {shown}");
        assert!(shown.stderr.contains(needle), "{name}: {needle:?}\n{shown}");
        assert!(!has_hazard(&shown.stderr), "{name}: {shown}");
    }
}

#[test]
fn show_still_renders_check_reports_and_now_as_json_and_junit() {
    let files = Files::new();
    let saved = saved_check_report("sweep_use_case_missing");
    let file = files.write("check.json", &saved.to_string());
    run(&["show", &file, "--format", "json"])
        .assert_code(1)
        .json()
        .eq(&saved)
        .then_some(())
        .expect("show --format json prints the saved check report");
    let junit = run(&["show", &file, "--format", "junit"]);
    junit.assert_code(1);
    assert!(
        junit.stdout.contains("<testsuites name=\"bedrock-doctor\""),
        "{junit}"
    );
}

#[test]
fn organization_schema_is_printed_and_every_property_is_required() {
    let schema = run(&["schema", "--org"]).assert_code(0).json();
    assert_eq!(
        schema["title"],
        "bedrock-doctor organization report, schema_version 1"
    );
    let validator = jsonschema::validator_for(&schema).expect("a valid JSON Schema");
    let report = organization();
    let errors: Vec<String> = validator
        .iter_errors(&report)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // Every property is required: a report missing one is not valid.
    let mut missing = report.clone();
    missing["accounts"][0]["entry"]
        .as_object_mut()
        .unwrap()
        .remove("role_arn");
    assert!(!validator.is_valid(&missing));
    // `schema` alone is still the check report's.
    let plain = run(&["schema"]).assert_code(0).json();
    assert_eq!(plain["title"], "bedrock-doctor report, schema_version 1");
}

fn template(args: &[&str]) -> Value {
    let mut all = vec!["policy", "--org-role"];
    all.extend(args);
    run(&all).assert_code(0).json()
}

/// Every 12-digit number in `text`.
fn account_ids(text: &str) -> Vec<String> {
    regex::Regex::new(r"\b\d{12}\b")
        .unwrap()
        .find_iter(text)
        .map(|m| m.as_str().to_string())
        .collect()
}

#[test]
fn org_role_template_carries_exactly_the_policy_and_trusts_one_account() {
    for no_invoke in [false, true] {
        let flag: &[&str] = if no_invoke { &["--no-invoke"] } else { &[] };
        let t = template(flag);
        let role = &t["Resources"]["BedrockDoctorRole"];
        assert_eq!(role["Type"], "AWS::IAM::Role");
        let props = &role["Properties"];
        assert_eq!(props["MaxSessionDuration"], 3600);
        assert_eq!(props["RoleName"], json!({"Ref": "RoleName"}));
        assert_eq!(
            t["Parameters"]["RoleName"]["Default"],
            "BedrockDoctorReadOnly"
        );
        // The inline policy is what `policy` prints, statement for statement.
        let mut policy_args = vec!["policy"];
        policy_args.extend(flag);
        let printed = run(&policy_args).assert_code(0).json();
        let policies = props["Policies"].as_array().unwrap();
        assert_eq!(policies.len(), 1);
        assert_eq!(policies[0]["PolicyDocument"], printed);
        // The trust policy names one principal: the trusted account's root, by parameter.
        let trust = props["AssumeRolePolicyDocument"]["Statement"]
            .as_array()
            .unwrap();
        assert_eq!(trust.len(), 1);
        assert_eq!(trust[0]["Effect"], "Allow");
        assert_eq!(trust[0]["Action"], "sts:AssumeRole");
        assert_eq!(
            trust[0]["Principal"],
            json!({"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${TrustedAccountId}:root"}})
        );
        // The external id is a condition only when one is given.
        assert_eq!(
            trust[0]["Condition"]["Fn::If"][0], "HasExternalId",
            "{trust:?}"
        );
        assert_eq!(
            trust[0]["Condition"]["Fn::If"][1],
            json!({"StringEquals": {"sts:ExternalId": {"Ref": "ExternalId"}}})
        );
        assert_eq!(
            trust[0]["Condition"]["Fn::If"][2],
            json!({"Ref": "AWS::NoValue"})
        );
        assert_eq!(t["Parameters"]["ExternalId"]["Default"], "");
        // Usable as a StackSet: nothing in it names an account.
        assert!(account_ids(&t.to_string()).is_empty(), "{t:#}");
        assert!(t["Parameters"]["TrustedAccountId"].get("Default").is_none());
    }
    let filled = template(&["--trusted-account", "123456789012"]);
    assert_eq!(
        filled["Parameters"]["TrustedAccountId"]["Default"],
        "123456789012"
    );
    assert_eq!(account_ids(&filled.to_string()), ["123456789012"]);
}

#[test]
fn org_role_flags_are_checked() {
    for args in [
        &["policy", "--org-role", "--trusted-account", "12345"][..],
        &["policy", "--org-role", "--trusted-account", "12345678901x"],
        &["policy", "--trusted-account", "123456789012"],
    ] {
        let refused = run(args);
        refused.assert_code(2);
        assert!(refused.stdout.is_empty(), "{refused}");
    }
    // `policy` alone prints what it always printed: the policy, not a template.
    let plain = run(&["policy"]).assert_code(0).json();
    assert_eq!(plain["Version"], "2012-10-17");
}

#[test]
fn org_role_template_lints_clean_with_cfn_lint() {
    let files = Files::new();
    for (name, args) in [
        ("role.json", &[][..]),
        (
            "role_no_invoke.json",
            &["--no-invoke", "--trusted-account", "123456789012"][..],
        ),
    ] {
        let mut all = vec!["policy", "--org-role"];
        all.extend(args);
        let out = run(&all);
        out.assert_code(0);
        let file = files.write(name, &out.stdout);
        // cfn-lint (PyPI, installed from tests/requirements.txt): AWS's own template linter.
        let lint = std::process::Command::new("cfn-lint")
            .arg(&file)
            .output()
            .expect("cfn-lint is missing: python3 -m pip install -r tests/requirements.txt");
        assert!(
            lint.status.success(),
            "cfn-lint found problems in {name}:\n{}{}\n{}",
            String::from_utf8_lossy(&lint.stdout),
            String::from_utf8_lossy(&lint.stderr),
            out.stdout
        );
    }
}
