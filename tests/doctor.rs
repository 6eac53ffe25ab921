//! End-to-end: the real binary against moto and the Bedrock stub, one scenario per test.

mod support;

use std::time::Duration;
use support::{assert_check, check, closed_port, Bed};

const CHECK_IDS: [&str; 15] = [
    "credentials",
    "identity",
    "clock",
    "region",
    "endpoint",
    "iam-permissions",
    "model-catalog",
    "model-access",
    "use-case",
    "marketplace",
    "invoke",
    "inference-profile",
    "scp",
    "prompt-caching",
    "quotas",
];

/// A ceiling on runs that must end long before the default 60 s deadline: it catches a run that
/// waits for the deadline or for retries of a silent address, not a slow one (the runs here take
/// 0.2 to 1.3 s; speed is measured in `benches/`), so a shared, loaded machine has ten times the
/// measured time and more.
const RUNAWAY: Duration = Duration::from_secs(15);

/// Connections to a metadata address that never answers: one per lookup (the region, then the
/// credentials), each given up after its single attempt; a retry would open another.
const MAX_IMDS_CONNECTIONS: usize = 2;

#[test]
fn healthy_account_passes_and_the_report_has_every_field() {
    let bed = Bed::new("healthy");
    let (run, report) = bed.report(&[]);
    run.assert_code(0);
    for id in ["credentials", "identity", "clock", "region", "endpoint"] {
        assert_check(&report, id, "pass", None);
    }
    assert_eq!(report["schema_version"], 1);
    assert_eq!(report["tool"]["name"], "bedrock-doctor");
    assert!(report["generated_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(report["target"]["region"], "us-east-1");
    for key in [
        "region",
        "profile",
        "model_id",
        "inference_profile_id",
        "endpoint_url",
    ] {
        assert!(
            report["target"].get(key).is_some(),
            "target.{key} missing: {report:#}"
        );
    }
    assert_eq!(report["identity"]["account_id"], testbed::MOTO_ACCOUNT);
    assert_eq!(
        report["identity"]["arn"],
        format!(
            "arn:aws:iam::{}:user/{}",
            testbed::MOTO_ACCOUNT,
            testbed::SEEDED_USER
        )
    );
    assert_eq!(report["identity"]["principal_type"], "iam-user");
    assert!(report["identity"]["credential_source"]
        .as_str()
        .unwrap()
        .contains("environment"));
    let ids: Vec<&str> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, CHECK_IDS);
    let summary = &report["summary"];
    assert_eq!(
        (summary["pass"].as_u64(), summary["skip"].as_u64()),
        (Some(14), Some(1)),
        "{report:#}"
    );
    for entry in report["checks"].as_array().unwrap() {
        for key in [
            "id",
            "title",
            "category",
            "status",
            "diagnosis",
            "summary",
            "fix",
            "evidence",
            "duration_ms",
        ] {
            assert!(
                entry.get(key).is_some(),
                "checks[].{key} missing in {entry:#}"
            );
        }
    }
    let identity = check(&report, "identity");
    let evidence = &identity["evidence"][0];
    for key in [
        "service",
        "operation",
        "region",
        "http_status",
        "error_code",
        "request_id",
        "message",
        "duration_ms",
    ] {
        assert!(
            evidence.get(key).is_some(),
            "evidence.{key} missing in {evidence:#}"
        );
    }
    assert_eq!(evidence["operation"], "GetCallerIdentity");
    assert_eq!(evidence["http_status"], 200);
    assert!(evidence["request_id"].is_string(), "{evidence:#}");
    // Facts are shared: however many checks need them, each call is made once.
    let calls = bed.stub.calls();
    let count = |op: &str| calls.iter().filter(|c| c.operation == op).count();
    assert_eq!(count("ListFoundationModels"), 1, "{calls:#?}");
    // No API key in the environment: every Bedrock call is signed (tests/api_key.rs has the other path).
    assert!(
        calls.iter().all(|c| c.auth == "sigv4" && c.sigv4_signed),
        "{calls:#?}"
    );
    assert_eq!(count("GetFoundationModel"), 1, "{calls:#?}");
    assert_eq!(count("GetFoundationModelAvailability"), 1, "{calls:#?}");
    assert_eq!(count("ListInferenceProfiles"), 1, "{calls:#?}");
    assert_eq!(count("InvokeModelWithResponseStream"), 1, "{calls:#?}");
    // Only the inference-profile probes leave the configured region, to the profiles' destinations.
    let elsewhere: Vec<_> = calls
        .iter()
        .filter(|c| c.region.as_deref() != Some("us-east-1"))
        .collect();
    assert!(
        elsewhere
            .iter()
            .all(|c| c.operation == "InvokeModel" && c.status == 400),
        "{elsewhere:#?}"
    );
}

#[test]
fn no_credentials_and_no_imds_fails_fast() {
    let mut bed = Bed::new("healthy");
    bed.unset("AWS_ACCESS_KEY_ID")
        .unset("AWS_SECRET_ACCESS_KEY");
    let (run, report) = bed.report(&[]);
    run.assert_code(1);
    assert_check(&report, "credentials", "fail", Some("no-credentials"));
    assert_check(&report, "identity", "skip", None);
    assert!(check(&report, "identity")["summary"]
        .as_str()
        .unwrap()
        .contains("`credentials`"));
    // A ceiling against waiting for the run's deadline (60 s by default), not a benchmark: the
    // run takes about 0.2 s (README), and the test machine is shared, so it has ample room.
    assert!(run.elapsed < RUNAWAY, "took {:?}\n{run}", run.elapsed);
    assert!(
        bed.stub.calls().is_empty(),
        "nothing is sent without credentials"
    );
}

#[test]
fn no_credentials_with_a_silent_imds_still_finishes_in_seconds() {
    // An instance metadata stand-in that accepts connections and never answers: the worst case
    // off EC2 behind some firewalls.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let mut bed = Bed::new("healthy");
    bed.unset("AWS_ACCESS_KEY_ID")
        .unset("AWS_SECRET_ACCESS_KEY")
        .unset("AWS_REGION");
    bed.set(
        "AWS_EC2_METADATA_SERVICE_ENDPOINT",
        format!("http://127.0.0.1:{port}"),
    );
    let (run, report) = bed.report(&[]);
    run.assert_code(1);
    assert_check(&report, "credentials", "fail", Some("no-credentials"));
    assert_check(&report, "region", "fail", Some("region-missing"));
    // Each metadata lookup (the region, then the credentials) makes one attempt, within budgets
    // that are the doctor's own constants (IMDS_TIMEOUT, IMDS_RECHECK_TIMEOUT): the attempts are
    // counted, not timed. The listener never accepted, so every connection the doctor opened is
    // still in its queue.
    silent.set_nonblocking(true).unwrap();
    let connections = std::iter::from_fn(|| silent.accept().ok()).count();
    assert!(
        (1..=MAX_IMDS_CONNECTIONS).contains(&connections),
        "{connections} connections to the silent metadata address, expected 1 to \
         {MAX_IMDS_CONNECTIONS}\n{run}"
    );
    assert!(run.elapsed < RUNAWAY, "took {:?}\n{run}", run.elapsed);
}

#[test]
fn unknown_access_key_is_invalid() {
    let mut bed = Bed::new("healthy");
    bed.set("AWS_ACCESS_KEY_ID", "AKIAI44QH8DHBEXAMPLE");
    let (run, report) = bed.report(&[]);
    run.assert_code(1);
    assert_check(&report, "credentials", "pass", None);
    assert_check(&report, "identity", "fail", Some("invalid-access-key"));
    let evidence = &check(&report, "identity")["evidence"][0];
    assert_eq!(evidence["error_code"], "InvalidClientTokenId", "{report:#}");
    assert_eq!(evidence["http_status"], 403);
    assert!(check(&report, "identity")["fix"]
        .as_str()
        .unwrap()
        .contains("aws configure"));
}

#[test]
fn wrong_secret_is_a_signature_mismatch() {
    let mut bed = Bed::new("healthy");
    bed.set(
        "AWS_SECRET_ACCESS_KEY",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzzzzzzzzz",
    );
    let (run, report) = bed.report(&[]);
    run.assert_code(1);
    assert_check(&report, "identity", "fail", Some("signature-mismatch"));
    assert_eq!(
        check(&report, "identity")["evidence"][0]["error_code"],
        "SignatureDoesNotMatch"
    );
}

#[test]
fn expired_session_token_is_reported_as_expired() {
    // moto never expires a session, so this scenario's STS is the stub, which does.
    let mut bed = Bed::new("expired_token");
    let stub = bed.stub.url();
    bed.set("AWS_ENDPOINT_URL_STS", stub)
        .set("AWS_SESSION_TOKEN", "IQoJb3JpZ2luX2VjEXPIREDSESSIONTOKEN");
    let (run, report) = bed.report(&[]);
    run.assert_code(1);
    assert_check(&report, "identity", "fail", Some("expired-credentials"));
    assert_eq!(
        check(&report, "identity")["evidence"][0]["error_code"],
        "ExpiredToken"
    );
    assert!(check(&report, "credentials")["summary"]
        .as_str()
        .unwrap()
        .contains("(temporary)"));
}

#[test]
fn clock_skew_is_caught_although_the_sdk_corrects_it() {
    let bed = Bed::new("clock_skew");
    let (run, report) = bed.report(&[]);
    run.assert_code(1);
    assert_check(&report, "clock", "fail", Some("clock-skew"));
    assert!(
        check(&report, "clock")["summary"]
            .as_str()
            .unwrap()
            .contains("behind"),
        "{report:#}"
    );
    assert_check(&report, "identity", "pass", None);
}

#[test]
fn typo_in_the_region_names_the_region_meant() {
    let mut bed = Bed::new("healthy");
    bed.set("AWS_REGION", "us-esat-1");
    let (run, report) = bed.report(&["--only", "region"]);
    run.assert_code(1);
    assert_check(&report, "region", "fail", Some("region-invalid"));
    let entry = check(&report, "region");
    assert!(
        entry["summary"]
            .as_str()
            .unwrap()
            .contains("did you mean us-east-1?"),
        "{entry:#}"
    );
    assert!(
        entry["fix"].as_str().unwrap().contains("us-east-1"),
        "{entry:#}"
    );
    assert_eq!(report["checks"].as_array().unwrap().len(), 1);
}

#[test]
fn unreachable_endpoint_fails_the_endpoint_check() {
    let mut bed = Bed::new("healthy");
    bed.set(
        "AWS_ENDPOINT_URL_BEDROCK",
        format!("http://127.0.0.1:{}", closed_port()),
    );
    let (run, report) = bed.report(&[]);
    run.assert_code(1);
    assert_check(&report, "endpoint", "fail", Some("endpoint-unreachable"));
    assert!(
        check(&report, "endpoint")["summary"]
            .as_str()
            .unwrap()
            .contains("refused"),
        "{report:#}"
    );
    // The clock falls back to STS's Date header when Bedrock cannot be reached.
    assert_check(&report, "clock", "pass", None);
}

#[test]
fn endpoint_url_flag_overrides_every_service() {
    let mut bed = Bed::new("healthy");
    let stub = bed.stub.url();
    bed.set(
        "AWS_ENDPOINT_URL_BEDROCK",
        format!("http://127.0.0.1:{}", closed_port()),
    );
    let (run, report) = bed.report(&["--endpoint-url", &stub, "--only", "endpoint"]);
    run.assert_code(0);
    assert_check(&report, "endpoint", "pass", None);
    assert_eq!(report["target"]["endpoint_url"], stub);
}
