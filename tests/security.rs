//! End-to-end: secrets never leak, `--redact` leaves no account id, credentials are never taken
//! from the command line, and every call the doctor makes is read-only (issue #6).

mod support;

use regex::Regex;
use serde_json::Value;
use support::relay::{allowed, relayed};
use support::{Bed, Run};
use testbed::Moto;

/// Every scenario file, by name.
fn scenarios() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(testbed::scenarios_dir())
        .unwrap()
        .filter_map(|e| {
            let path = e.unwrap().path();
            (path.extension()? == "toml")
                .then(|| path.file_stem().unwrap().to_string_lossy().into_owned())
        })
        .collect();
    names.sort();
    assert!(names.len() >= 15, "scenario files: {names:?}");
    names
}

/// Scenarios of an account in an Organization: they need the member's credentials from moto.
fn is_member_scenario(name: &str) -> bool {
    name.starts_with("scp_")
}

// ---- secrets ----

/// The sentinels: alphanumeric markers inside realistic values, so they are found whatever
/// encoding a leak would use (raw, URL-encoded, JSON-escaped).
const SECRET_MARK: &str = support::SECRET_SENTINEL_SUFFIX;
const TOKEN_MARK: &str = "TOKENSENTINEL";

fn sentinel_secret() -> String {
    format!("wJalrXUtnFEMI/K7MDENG/{SECRET_MARK}/bPxRfiCY+x")
}

fn sentinel_token() -> String {
    format!("IQoJb3JpZ2luX2VjEJr//////////{TOKEN_MARK}+wEaCXVzLWVhc3QtMSJHMEUCIQ==")
}

fn assert_no_sentinel(what: &str, text: &str, run: &Run) {
    for mark in [SECRET_MARK, TOKEN_MARK] {
        assert!(!text.contains(mark), "{mark} leaked into {what}\n{run}");
    }
}

/// A bed whose stub accepts exactly the sentinel credentials (secret and session token), with
/// both in the environment. moto does not know them and refuses them, which is fine: this is a
/// test of leaks, not of verdicts.
fn sentinel_bed(scenario: &str) -> Bed {
    let moto = Moto::shared();
    let (secret, token) = (sentinel_secret(), sentinel_token());
    let mut bed = Bed::with_credentials(
        moto,
        scenario,
        &moto.access_key_id,
        &secret,
        Some(token.as_str()),
    );
    bed.set("AWS_SESSION_TOKEN", token);
    bed
}

#[test]
fn secrets_never_leak_in_any_scenario_format_or_verbosity() {
    for scenario in scenarios() {
        let bed = sentinel_bed(&scenario);
        let out = bed.home.path().join("report.json");
        let out_s = out.display().to_string();
        for format in ["table", "json", "markdown"] {
            let _ = std::fs::remove_file(&out);
            let run = bed.run(&["-vv", "--format", format, "--output", &out_s]);
            assert!(
                matches!(run.code, Some(0) | Some(1)),
                "{scenario}/{format}\n{run}"
            );
            let file = std::fs::read_to_string(&out)
                .unwrap_or_else(|e| panic!("{scenario}/{format}: no report file ({e})\n{run}"));
            assert_no_sentinel("stdout", &run.stdout, &run);
            assert_no_sentinel("stderr", &run.stderr, &run);
            assert_no_sentinel("the report file", &file, &run);
            assert!(
                run.stderr.contains("DEBUG"),
                "-vv writes debug logs, so they were searched too\n{run}"
            );
        }
        // The sentinels were used, not ignored: the stub accepted requests signed with them (or,
        // where the scenario expires the session, recognised the token as the expired one).
        let expired = bed
            .stub
            .scenario()
            .credentials
            .iter()
            .any(|c| c.session_token_expired);
        assert!(
            bed.stub
                .calls()
                .iter()
                .any(|c| c.status == 200 || expired && c.status == 403),
            "{scenario}: no request signed with the sentinel credentials was accepted: {:#?}",
            bed.stub.calls()
        );
    }
}

#[test]
fn secrets_never_leak_into_trace_logs_wherever_they_come_from() {
    // RUST_LOG=trace is the most the logs can say; the credentials come once from the
    // environment and once from the shared credentials file (which the log filter cannot read
    // from the environment).
    let env_bed = sentinel_bed("healthy");
    let mut file_bed = sentinel_bed("healthy");
    file_bed
        .unset("AWS_ACCESS_KEY_ID")
        .unset("AWS_SECRET_ACCESS_KEY")
        .unset("AWS_SESSION_TOKEN");
    support::write_file(
        &file_bed.home,
        "credentials",
        &format!(
            "[default]\naws_access_key_id = {}\naws_secret_access_key = {}\naws_session_token = {}\n",
            file_bed.moto.access_key_id,
            sentinel_secret(),
            sentinel_token()
        ),
    );
    for bed in [&env_bed, &file_bed] {
        let mut bed_env = bed.env.clone();
        bed_env.insert("RUST_LOG".into(), "trace".into());
        let run = support::run_with_env(&bed_env, &["-vv", "--format", "json"], None);
        assert!(matches!(run.code, Some(0) | Some(1)), "{run}");
        assert!(run.stderr.contains("TRACE"), "trace logs on\n{run}");
        assert_no_sentinel("stdout", &run.stdout, &run);
        assert_no_sentinel("stderr", &run.stderr, &run);
        let report: Value = serde_json::from_str(&run.stdout).unwrap();
        assert_eq!(
            support::check(&report, "model-catalog")["status"],
            "pass",
            "the sentinel credentials were accepted by the stub\n{run}"
        );
    }
}

#[test]
fn credentials_are_never_accepted_on_the_command_line() {
    let env: std::collections::BTreeMap<String, String> = [(
        "PATH".to_string(),
        std::env::var("PATH").unwrap_or_default(),
    )]
    .into_iter()
    .collect();
    let flag = Regex::new(r"--[a-z][a-z0-9-]*").unwrap();
    let forbidden = [
        "secret",
        "token",
        "access-key",
        "key-id",
        "password",
        "credential",
    ];
    for args in [
        &["--help"][..],
        &["check", "--help"],
        &["explain", "--help"],
        &["show", "--help"],
    ] {
        let run = support::run_with_env(&env, args, None);
        run.assert_code(0);
        for m in flag.find_iter(&run.stdout) {
            assert!(
                !forbidden.iter().any(|f| m.as_str().contains(f)),
                "`{}` looks like a credentials flag\n{run}",
                m.as_str()
            );
        }
    }
    let value = format!("wJalrXUtnFEMI/{SECRET_MARK}");
    for name in [
        "--secret-access-key",
        "--aws-secret-access-key",
        "--access-key-id",
        "--aws-access-key-id",
        "--session-token",
        "--aws-session-token",
    ] {
        for args in [
            vec![name, value.as_str()],
            vec![&format!("{name}={value}")[..]],
        ] {
            let run = support::run_with_env(&env, &args, None);
            run.assert_code(2);
            assert!(run.stderr.contains("unexpected argument"), "{run}");
            assert!(
                !run.stdout.contains(SECRET_MARK) && run.stderr.lines().count() <= 6,
                "{run}"
            );
        }
    }
}

// ---- --redact ----

/// A 12-digit run standing alone: an AWS account id.
fn account_ids(text: &str) -> Vec<String> {
    let re = Regex::new(r"(^|[^0-9])([0-9]{12})([^0-9]|$)").unwrap();
    re.captures_iter(text).map(|c| c[2].to_string()).collect()
}

/// The report without its request ids: a UUID's last group is 12 hex digits, all decimal now
/// and then, and it is not an account id.
fn without_request_ids(report: &Value) -> Value {
    let mut report = report.clone();
    if let Some(checks) = report["checks"].as_array_mut() {
        for check in checks {
            if let Some(evidence) = check["evidence"].as_array_mut() {
                for e in evidence {
                    e["request_id"] = Value::Null;
                }
            }
        }
    }
    report
}

#[test]
fn redact_leaves_no_account_id_in_any_scenario() {
    let known = [testbed::MOTO_ACCOUNT, testbed::STUB_ACCOUNT];
    for scenario in scenarios() {
        let bed = if is_member_scenario(&scenario) {
            Bed::member(&scenario)
        } else {
            Bed::new(&scenario)
        };
        let out = bed.home.path().join("report.json");
        let out_s = out.display().to_string();
        let (run, report) = bed.report(&["--redact", "-vv", "--output", &out_s]);
        let found = account_ids(&without_request_ids(&report).to_string());
        assert!(
            found.is_empty(),
            "{scenario}: account ids survived --redact: {found:?}\n{report:#}"
        );
        let file = std::fs::read_to_string(&out).unwrap();
        let table = bed.run(&["--redact", "-v", "--format", "table"]);
        let markdown = bed.run(&["--redact", "-v", "--format", "markdown"]);
        for (what, text) in [
            ("json stdout", &run.stdout),
            ("the report file", &file),
            ("json stderr", &run.stderr),
            ("table", &table.stdout),
            ("markdown", &markdown.stdout),
        ] {
            for id in known {
                assert!(
                    !text.contains(id),
                    "{scenario}: account {id} survived --redact in {what}\n{run}"
                );
            }
        }
        if is_member_scenario(&scenario) {
            let org = support::organization();
            for id in [&org.management_account, &org.member_account] {
                for text in [&run.stdout, &file, &table.stdout, &markdown.stdout] {
                    assert!(!text.contains(id.as_str()), "{scenario}: {id}\n{run}");
                }
            }
        }
    }
}

// ---- side effects ----

/// How a scenario's bed is made: [`Bed::new`], [`Bed::member`] or [`Bed::management`].
type MakeBed = fn(&str) -> Bed;

#[test]
fn every_call_in_every_scenario_is_read_only_and_no_invoke_sends_no_invocation() {
    let mut beds: Vec<(String, MakeBed)> = scenarios()
        .into_iter()
        .map(|s| {
            let make: MakeBed = if is_member_scenario(&s) {
                Bed::member
            } else {
                Bed::new
            };
            (s, make)
        })
        .collect();
    // The management account reads the Organization's SCPs: the Organizations calls.
    beds.push(("healthy".into(), Bed::management));
    let mut seen_moto = std::collections::BTreeSet::new();
    let mut most_invocations = (0, String::new());
    for (scenario, make) in beds {
        for invoke in [true, false] {
            let (bed, relay) = relayed(make(&scenario));
            let args: &[&str] = if invoke { &[] } else { &["--no-invoke"] };
            let (run, _) = bed.report(args);
            assert!(matches!(run.code, Some(0) | Some(1)), "{scenario}\n{run}");
            let stub_calls = bed.stub.calls();
            for call in &stub_calls {
                assert!(
                    allowed(&call.operation, invoke),
                    "{scenario} (invoke: {invoke}): the stub received {} {}\n{run}",
                    call.service,
                    call.operation
                );
            }
            let moto_ops = relay.operations();
            for op in &moto_ops {
                assert!(
                    allowed(op, invoke),
                    "{scenario} (invoke: {invoke}): moto received {op}\n{run}"
                );
            }
            let runtime_calls = stub_calls
                .iter()
                .filter(|c| c.service == "bedrock-runtime")
                .count();
            if invoke {
                assert!(
                    moto_ops.iter().any(|op| op == "GetCallerIdentity"),
                    "the relay saw the doctor's STS call: {moto_ops:?}"
                );
                if runtime_calls > most_invocations.0 {
                    most_invocations = (runtime_calls, scenario.clone());
                }
            } else {
                assert_eq!(
                    runtime_calls, 0,
                    "{scenario}: --no-invoke sent {stub_calls:#?}"
                );
            }
            seen_moto.extend(moto_ops);
        }
    }
    eprintln!(
        "moto operations seen: {seen_moto:?}; most bedrock-runtime calls in one run: {} ({})",
        most_invocations.0, most_invocations.1
    );
    for op in [
        "GetCallerIdentity",
        "SimulatePrincipalPolicy",
        "DescribeOrganization",
    ] {
        assert!(seen_moto.contains(op), "{op} never seen: {seen_moto:?}");
    }
}
