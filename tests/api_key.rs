//! End-to-end: Bedrock API keys (`AWS_BEARER_TOKEN_BEDROCK`), valid, empty, rejected, expired and
//! of another Region, with and without AWS credentials beside them (issue #10).

mod support;

use serde_json::Value;
use std::time::{SystemTime, UNIX_EPOCH};
use support::{assert_check, check, Bed, Run};
use testbed::{api_key, ApiKey, Credentials, Scenario};

const VAR: &str = "AWS_BEARER_TOKEN_BEDROCK";
const HAIKU: &str = "anthropic.claude-3-haiku-20240307-v1:0";

/// The long-term key `tests/scenarios/api_key.toml` accepts.
fn long_term_key() -> String {
    Scenario::load("api_key").api_keys[0].key.clone()
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A short-term key made from moto's keys for `region`, signed `ago` seconds ago for 12 hours.
fn short_term_key(region: &str, ago: i64) -> String {
    let moto = testbed::Moto::shared();
    let creds = Credentials {
        access_key_id: moto.access_key_id.clone(),
        secret_access_key: moto.secret_access_key.clone(),
        session_token: None,
        session_token_expired: false,
    };
    api_key::short_term_key(&creds, region, now() - ago, 43200)
}

/// The `api_key` scenario, also accepting `key` (in `region` only, when given).
fn bed_accepting(key: &str, region: Option<&str>) -> Bed {
    let mut scenario = Scenario::load("api_key");
    scenario.api_keys.push(ApiKey {
        key: key.to_string(),
        region: region.map(str::to_string),
    });
    Bed::from_scenario(scenario)
}

/// No AWS credentials at all: the key is the only way in.
fn key_only(bed: &mut Bed, key: &str) {
    bed.set(VAR, key)
        .unset("AWS_ACCESS_KEY_ID")
        .unset("AWS_SECRET_ACCESS_KEY");
}

/// The key is never shown: not whole, not in part beyond its first characters, in no output.
fn assert_key_hidden(key: &str, run: &Run, file: Option<&str>) {
    let inner = &key[key.len().min(24)..key.len().min(56)];
    assert!(!inner.is_empty(), "keys are longer than that");
    for (what, text) in [
        ("stdout", run.stdout.as_str()),
        ("stderr", run.stderr.as_str()),
        ("the report file", file.unwrap_or_default()),
    ] {
        assert!(
            !text.contains(inner),
            "the API key leaked into {what}\n{run}"
        );
    }
}

/// Runs the doctor with the JSON report on stdout and in a file, and the debug logs on stderr.
fn doctor(bed: &Bed, args: &[&str]) -> (Run, Value, String) {
    let out = bed.home.path().join("report.json");
    let out_s = out.display().to_string();
    let mut all = vec!["-vv", "--model", HAIKU, "--output", &out_s];
    all.extend_from_slice(args);
    let (run, json) = bed.report(&all);
    let file =
        std::fs::read_to_string(&out).unwrap_or_else(|e| panic!("no report file ({e})\n{run}"));
    (run, json, file)
}

fn summary<'a>(report: &'a Value, id: &str) -> &'a str {
    check(report, id)["summary"].as_str().unwrap_or_default()
}

fn fix<'a>(report: &'a Value, id: &str) -> &'a str {
    check(report, id)["fix"].as_str().unwrap_or_default()
}

/// Every Bedrock call of the run carried the key, and none any part of a signature. (Service
/// Quotas, served by the same stub, takes no API key: the `quotas` check signs its calls.)
fn assert_bedrock_calls_used_the_key(bed: &Bed) {
    let all = bed.stub.calls();
    let calls: Vec<_> = all
        .iter()
        .filter(|c| c.service == "bedrock" || c.service == "bedrock-runtime")
        .cloned()
        .collect();
    assert!(!calls.is_empty());
    for call in &calls {
        assert_eq!(
            (
                call.auth.as_str(),
                call.sigv4_signed,
                call.access_key_id.as_deref()
            ),
            ("bearer", false, None),
            "{calls:#?}"
        );
    }
    assert!(
        calls
            .iter()
            .any(|c| c.service == "bedrock-runtime" && c.operation == "InvokeModel"),
        "the runtime was called: {calls:#?}"
    );
}

#[test]
fn a_long_term_key_alone_is_enough_for_bedrock_and_is_never_shown() {
    let key = long_term_key();
    let mut bed = Bed::new("api_key");
    key_only(&mut bed, &key);
    let (run, report, file) = doctor(&bed, &[]);
    run.assert_code(0);
    assert_check(&report, "credentials", "pass", None);
    let creds = summary(&report, "credentials");
    for part in [
        "Bedrock API key ABSKQmVk… (long-term, IAM user BedrockAPIKey-t3st of account 123456789012)",
        "from AWS_BEARER_TOKEN_BEDROCK",
        "accepted by bedrock ListFoundationModels",
        "STS, IAM and Organizations need AWS credentials, and none were found",
    ] {
        assert!(creds.contains(part), "{part:?} in {creds}\n{run}");
    }
    let consequences = check(&report, "credentials")["evidence"][0]["message"]
        .as_str()
        .unwrap();
    for part in [
        "every Region",
        "bedrock:CallWithBearerToken",
        "STS, IAM and Organizations",
    ] {
        assert!(consequences.contains(part), "{part:?} in {consequences}");
    }
    // STS cannot take the key: identity skips and says why, rather than waiting on `credentials`.
    assert_check(&report, "identity", "skip", None);
    assert!(
        summary(&report, "identity").contains("authenticates only bedrock and bedrock-runtime"),
        "{report:#}"
    );
    assert_check(&report, "scp", "skip", None);
    for id in [
        "clock",
        "model-catalog",
        "model-access",
        "use-case",
        "invoke",
    ] {
        assert_check(&report, id, "pass", None);
    }
    assert_eq!(check(&report, "invoke")["subject"], HAIKU);
    assert_eq!(check(&report, "credentials")["subject"], Value::Null);
    assert!(
        summary(&report, "iam-permissions").contains("API key"),
        "the simulator is not asked about the signing caller: {report:#}"
    );
    assert_eq!(
        report["identity"]["credential_source"],
        "Bedrock API key (AWS_BEARER_TOKEN_BEDROCK) for bedrock and bedrock-runtime"
    );
    assert_bedrock_calls_used_the_key(&bed);
    assert_key_hidden(&key, &run, Some(&file));
    assert!(
        run.stderr.contains("DEBUG"),
        "debug logs were searched too\n{run}"
    );
}

#[test]
fn with_credentials_beside_it_the_key_serves_bedrock_and_the_credentials_sts() {
    let key = short_term_key("us-east-1", 60);
    let mut bed = bed_accepting(&key, Some("us-east-1"));
    bed.set(VAR, &key);
    let (run, report, file) = doctor(&bed, &[]);
    run.assert_code(0);
    assert_check(&report, "credentials", "pass", None);
    let creds = summary(&report, "credentials");
    assert!(
        creds.contains("bedrock-api-key-YmVk… (short-term, us-east-1, expires in 11 h)")
            && creds.contains("STS, IAM and Organizations sign with AKIA"),
        "{creds}\n{run}"
    );
    assert_check(&report, "identity", "pass", None);
    assert!(
        summary(&report, "identity")
            .contains("use the API key from AWS_BEARER_TOKEN_BEDROCK instead"),
        "{report:#}"
    );
    assert_eq!(report["identity"]["account_id"], testbed::MOTO_ACCOUNT);
    assert!(report["identity"]["credential_source"]
        .as_str()
        .unwrap()
        .starts_with("Bedrock API key (AWS_BEARER_TOKEN_BEDROCK) for bedrock and bedrock-runtime; environment variables"));
    assert_check(&report, "invoke", "pass", None);
    assert_bedrock_calls_used_the_key(&bed);
    assert_key_hidden(&key, &run, Some(&file));
}

#[test]
fn an_empty_key_fails_credentials_and_the_run_signs_instead() {
    let mut bed = Bed::new("api_key");
    bed.set(VAR, "");
    let (run, report, _) = doctor(&bed, &[]);
    run.assert_code(1);
    assert_check(&report, "credentials", "fail", Some("api-key-empty"));
    assert!(
        summary(&report, "credentials").contains("AWS_BEARER_TOKEN_BEDROCK is set but empty")
            && summary(&report, "credentials").contains("this run signed Bedrock calls with AKIA"),
        "{report:#}"
    );
    assert!(fix(&report, "credentials").contains("unset AWS_BEARER_TOKEN_BEDROCK"));
    for id in ["identity", "model-catalog", "invoke"] {
        assert_check(&report, id, "pass", None);
    }
    let calls = bed.stub.calls();
    assert!(
        calls.iter().all(|c| c.auth == "sigv4" && c.sigv4_signed),
        "{calls:#?}"
    );
    // Only credentials fails: the rest of the report is what works once the variable is gone.
    assert_eq!(report["summary"]["fail"], 1, "{report:#}");
}

#[test]
fn a_key_bedrock_rejects_fails_credentials_and_the_checks_that_saw_it() {
    let unknown = api_key::long_term_key("zzzz", "123456789012", "dW5rbm93bi1rZXktc2VudGluZWw=");
    let mut bed = Bed::new("api_key");
    key_only(&mut bed, &unknown);
    let (run, report, file) = doctor(&bed, &[]);
    run.assert_code(1);
    assert_check(&report, "credentials", "fail", Some("api-key-rejected"));
    assert!(
        summary(&report, "credentials")
            .contains("Authentication failed: Please make sure your API Key is valid."),
        "{report:#}"
    );
    let evidence = &check(&report, "credentials")["evidence"][1];
    assert_eq!(
        (&evidence["http_status"], &evidence["error_code"]),
        (&Value::from(403), &Value::from("AccessDeniedException")),
        "{report:#}"
    );
    assert_check(&report, "model-catalog", "fail", Some("api-key-rejected"));
    assert_eq!(check(&report, "model-catalog")["subject"], HAIKU);
    assert!(fix(&report, "credentials").contains("bedrock:CallWithBearerToken"));
    assert!(bed
        .stub
        .calls()
        .iter()
        .all(|c| c.auth == "bearer" && c.status == 403));
    assert_key_hidden(&unknown, &run, Some(&file));

    // Not a Bedrock key at all (an access key pasted in): Bedrock's format refusal.
    let pasted = format!(
        "{}/NOTAKEY/{}",
        testbed::TEST_SECRET_ACCESS_KEY,
        "x".repeat(16)
    );
    key_only(&mut bed, &pasted);
    let (run, report, file) = doctor(&bed, &[]);
    run.assert_code(1);
    assert_check(&report, "credentials", "fail", Some("api-key-rejected"));
    let creds = summary(&report, "credentials");
    assert!(
        creds.contains("Invalid API Key format") && creds.contains("does not start with"),
        "{creds}"
    );
    assert!(
        creds.contains("wJal…") && !creds.contains("wJalr"),
        "{creds}"
    );
    assert_key_hidden(&pasted, &run, Some(&file));
}

#[test]
fn a_short_term_key_of_another_region_is_named_as_such() {
    let key = short_term_key("eu-west-1", 60);
    let mut bed = bed_accepting(&key, Some("eu-west-1"));
    key_only(&mut bed, &key);
    let (run, report, file) = doctor(&bed, &[]);
    run.assert_code(1);
    assert_check(&report, "credentials", "fail", Some("api-key-other-region"));
    assert!(
        summary(&report, "credentials").contains("generated for eu-west-1")
            && summary(&report, "credentials").contains("this run calls us-east-1"),
        "{report:#}"
    );
    assert!(
        fix(&report, "credentials").contains("export AWS_REGION=eu-west-1")
            && fix(&report, "credentials").contains("generate a key for us-east-1"),
        "{report:#}"
    );
    // The stub refused the key at its us-east-1 endpoint; the check that saw it names the cause.
    assert_check(
        &report,
        "model-catalog",
        "fail",
        Some("api-key-other-region"),
    );
    assert!(bed.stub.calls().iter().all(|c| c.status == 403));
    assert_key_hidden(&key, &run, Some(&file));
}

#[test]
fn an_expired_short_term_key_is_named_as_such() {
    let key = short_term_key("us-east-1", 13 * 3600);
    let mut bed = bed_accepting(&key, Some("us-east-1"));
    key_only(&mut bed, &key);
    let (run, report, file) = doctor(&bed, &[]);
    run.assert_code(1);
    assert_check(&report, "credentials", "fail", Some("api-key-expired"));
    assert!(
        summary(&report, "credentials").contains("expired 60 min ago"),
        "{report:#}"
    );
    assert_check(&report, "model-catalog", "fail", Some("api-key-expired"));
    assert_key_hidden(&key, &run, Some(&file));
}

#[test]
fn trace_logs_and_every_format_keep_the_key_out() {
    let key = short_term_key("us-east-1", 60);
    let mut bed = bed_accepting(&key, Some("us-east-1"));
    key_only(&mut bed, &key);
    // RUST_LOG=trace makes the SDK log its configuration, the variable's value included.
    bed.set("RUST_LOG", "trace");
    for format in ["table", "markdown", "junit"] {
        let run = bed.run(&["-vv", "--format", format, "--no-invoke"]);
        assert!(matches!(run.code, Some(0) | Some(1)), "{format}\n{run}");
        assert_key_hidden(&key, &run, None);
        assert!(
            run.stderr.contains("<redacted>"),
            "the trace logs met the key and masked it\n{run}"
        );
    }
}
