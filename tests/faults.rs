//! End-to-end: the doctor against a broken network and broken endpoints (issue #6).
//!
//! Every fault hits one operation (or one endpoint) while everything else answers as in the
//! healthy account. For each, the affected check reports `error` naming the operation, the checks
//! that do not depend on it keep their healthy verdicts, the run ends within `--timeout` plus one
//! second, the process exits 0 or 1 (never 101, never a panic) and the report keeps its schema.
//! Only 127.0.0.1 is contacted, except by the DNS test (see there).

mod support;

use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::OnceLock;
use std::time::Duration;
use support::{check, closed_port, Bed, Run};

/// `--timeout` of every run here: one AWS call then gets a third of it (1.33 s).
const TIMEOUT_S: u64 = 4;

/// A bed whose stub serves the healthy account plus `overrides` (scenario TOML).
fn bed_with(overrides: &str) -> Bed {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fault.toml");
    std::fs::write(&path, overrides).unwrap();
    // The scenario is read once, here; the file may go with `dir`.
    Bed::new(path.to_str().unwrap())
}

fn fault_on(operation: &str, fault: &str) -> Bed {
    bed_with(&format!(
        "[[override]]\noperation = \"{operation}\"\nfault = \"{fault}\"\n"
    ))
}

/// Runs the doctor with JSON output and the test deadline, and asserts what must hold whatever
/// the fault: exit 0 or 1, no panic, the deadline plus one second, a report valid against its schema.
fn doctor(bed: &Bed, args: &[&str], timeout_s: u64) -> (Run, Value) {
    let timeout = timeout_s.to_string();
    let mut all = vec!["--timeout", timeout.as_str()];
    all.extend_from_slice(args);
    let (run, report) = bed.report(&all);
    assert_survived(&run, timeout_s);
    assert_contract(&report);
    (run, report)
}

/// Exit 0 or 1, never 101 (a panic) nor a signal; nothing on stderr that a panic or a backtrace
/// prints; finished within the deadline plus one second. That second is the contract of docs/security.md,
/// not a benchmark: the measured overshoot is about 20 ms, so process start and exit on a loaded
/// machine have fifty times that.
fn assert_survived(run: &Run, timeout_s: u64) {
    assert!(
        matches!(run.code, Some(0) | Some(1)),
        "exit code must be 0 or 1\n{run}"
    );
    for text in ["panicked", "RUST_BACKTRACE", "stack backtrace"] {
        assert!(
            !run.stderr.contains(text) && !run.stdout.contains(text),
            "panic text `{text}`\n{run}"
        );
    }
    assert!(
        run.elapsed < Duration::from_secs(timeout_s + 1),
        "the run overshot --timeout {timeout_s} by more than a second: {:?}\n{run}",
        run.elapsed
    );
}

/// Every field of the JSON report contract (docs/report.md), with its type.
fn assert_contract(report: &Value) {
    let has = |v: &Value, keys: &[&str], what: &str| {
        for key in keys {
            assert!(v.get(key).is_some(), "{what}.{key} missing\n{report:#}");
        }
    };
    has(
        report,
        &[
            "schema_version",
            "tool",
            "generated_at",
            "duration_ms",
            "target",
            "identity",
            "summary",
            "checks",
        ],
        "report",
    );
    assert_eq!(report["schema_version"], 1);
    has(&report["tool"], &["name", "version"], "tool");
    has(
        &report["target"],
        &[
            "region",
            "profile",
            "model_id",
            "inference_profile_id",
            "endpoint_url",
        ],
        "target",
    );
    if !report["identity"].is_null() {
        has(
            &report["identity"],
            &["account_id", "arn", "principal_type", "credential_source"],
            "identity",
        );
    }
    has(
        &report["summary"],
        &["pass", "warn", "fail", "skip", "error"],
        "summary",
    );
    let checks = report["checks"].as_array().expect("checks is a list");
    let total: u64 = ["pass", "warn", "fail", "skip", "error"]
        .iter()
        .map(|k| report["summary"][k].as_u64().unwrap())
        .sum();
    assert_eq!(total as usize, checks.len(), "summary adds up\n{report:#}");
    for entry in checks {
        has(
            entry,
            &[
                "id",
                "title",
                "category",
                "status",
                "diagnosis",
                "summary",
                "fix",
                "evidence",
                "duration_ms",
            ],
            "check",
        );
        let status = entry["status"].as_str().unwrap();
        assert!(
            ["pass", "warn", "fail", "skip", "error"].contains(&status),
            "{entry:#}"
        );
        if matches!(status, "warn" | "fail" | "error") {
            assert!(entry["diagnosis"].is_string(), "{entry:#}");
        }
        for e in entry["evidence"].as_array().expect("evidence is a list") {
            has(
                e,
                &[
                    "service",
                    "operation",
                    "region",
                    "http_status",
                    "error_code",
                    "request_id",
                    "message",
                    "duration_ms",
                ],
                "evidence",
            );
        }
    }
}

/// Each check's status in the healthy account, as this harness sees it.
fn healthy() -> &'static BTreeMap<String, String> {
    static HEALTHY: OnceLock<BTreeMap<String, String>> = OnceLock::new();
    HEALTHY.get_or_init(|| {
        let (_, report) = doctor(&Bed::new("healthy"), &[], TIMEOUT_S);
        statuses(&report)
    })
}

fn statuses(report: &Value) -> BTreeMap<String, String> {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap().to_string(),
                c["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The checks outside `affected` report what they report in the healthy account; the ones inside
/// report `error` or `skip` (a broken network is never a `fail`, nor a `pass` it did not prove).
fn assert_others_unchanged(report: &Value, affected: &[&str]) {
    assert_others_unchanged_but(report, affected, &[]);
}

/// As [`assert_others_unchanged`], with `judged` checks left out: the caller asserted them.
fn assert_others_unchanged_but(report: &Value, affected: &[&str], judged: &[&str]) {
    for (id, status) in statuses(report) {
        if judged.contains(&id.as_str()) {
            continue;
        }
        if affected.contains(&id.as_str()) {
            assert!(
                status == "error" || status == "skip" || status == healthy()[&id],
                "affected check `{id}` is {status}\n{report:#}"
            );
        } else {
            assert_eq!(
                &status,
                &healthy()[&id],
                "check `{id}` does not depend on the fault but changed\n{report:#}"
            );
        }
    }
}

/// `id` is `error` with one of `diagnoses`, and names `operation` in its summary or evidence.
fn assert_error_names(report: &Value, id: &str, diagnoses: &[&str], operation: &str) {
    let entry = check(report, id);
    assert_eq!(entry["status"], "error", "`{id}`\n{report:#}");
    let diagnosis = entry["diagnosis"].as_str().unwrap_or_default();
    assert!(
        diagnoses.contains(&diagnosis),
        "`{id}`: diagnosis {diagnosis}, expected one of {diagnoses:?}\n{report:#}"
    );
    let named = entry["summary"].as_str().unwrap().contains(operation)
        || entry["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["operation"] == operation);
    assert!(named, "`{id}` does not name {operation}\n{report:#}");
}

/// The checks that stand on the shared model list.
const ON_THE_MODEL_LIST: &[&str] = &[
    "model-catalog",
    "iam-permissions",
    "model-access",
    "use-case",
    "marketplace",
    "invoke",
    "inference-profile",
    "prompt-caching",
    "quotas",
];
/// The checks that stand on the invocations.
const ON_THE_INVOCATIONS: &[&str] = &[
    "invoke",
    "inference-profile",
    "prompt-caching",
    "iam-permissions",
];

const TIMEOUT: &[&str] = &["timeout"];
const UNREACHABLE: &[&str] = &["endpoint-unreachable"];
const UNEXPECTED: &[&str] = &["unexpected-response"];

/// One operation broken one way: `check` errs with one of `diagnoses`, naming `operation`;
/// only `affected` may change.
fn assert_fault(
    operation: &str,
    fault: &str,
    check_id: &str,
    diagnoses: &[&str],
    affected: &[&str],
) -> Value {
    let bed = fault_on(operation, fault);
    let (_, report) = doctor(&bed, &[], TIMEOUT_S);
    assert_error_names(&report, check_id, diagnoses, operation);
    assert_others_unchanged(&report, affected);
    report
}

// ---- the network ----

#[test]
fn a_hanging_model_list_times_out_and_names_it() {
    assert_fault(
        "ListFoundationModels",
        "hang",
        "model-catalog",
        TIMEOUT,
        ON_THE_MODEL_LIST,
    );
}

#[test]
fn a_hanging_quota_list_times_out_and_touches_nothing_else() {
    assert_fault("ListServiceQuotas", "hang", "quotas", TIMEOUT, &["quotas"]);
}

#[test]
fn a_quota_list_behind_a_proxy_error_is_inconclusive() {
    // A proxy's 502 page on the second list: an error naming it, never a quota verdict.
    assert_fault(
        "ListAWSDefaultServiceQuotas",
        "html",
        "quotas",
        UNEXPECTED,
        &["quotas"],
    );
}

#[test]
fn a_dripping_availability_answer_times_out() {
    assert_fault(
        "GetFoundationModelAvailability",
        "drip",
        "model-access",
        TIMEOUT,
        &["model-access", "marketplace"],
    );
}

#[test]
fn a_dripping_stream_times_out_and_names_the_stream() {
    assert_fault(
        "InvokeModelWithResponseStream",
        "drip",
        "invoke",
        TIMEOUT,
        &["invoke"],
    );
}

#[test]
fn a_reset_invocation_is_unreachable() {
    assert_fault(
        "InvokeModel",
        "reset",
        "invoke",
        UNREACHABLE,
        ON_THE_INVOCATIONS,
    );
}

#[test]
fn a_refused_runtime_port_is_unreachable() {
    let mut bed = Bed::new("healthy");
    bed.set(
        "AWS_ENDPOINT_URL_BEDROCK_RUNTIME",
        format!("http://127.0.0.1:{}", closed_port()),
    );
    let (_, report) = doctor(&bed, &[], TIMEOUT_S);
    assert_error_names(&report, "invoke", UNREACHABLE, "InvokeModel");
    // Reachability is the endpoint check's own subject: there it is a `fail`.
    assert_eq!(check(&report, "endpoint")["status"], "fail", "{report:#}");
    assert_eq!(
        check(&report, "endpoint")["diagnosis"],
        "endpoint-unreachable"
    );
    assert_others_unchanged_but(&report, ON_THE_INVOCATIONS, &["endpoint"]);
}

#[test]
fn tls_to_a_plain_http_port_is_unreachable() {
    let mut bed = Bed::new("healthy");
    let plain = bed.stub.url().replace("http://", "https://");
    bed.set("AWS_ENDPOINT_URL_BEDROCK", plain);
    let (_, report) = doctor(&bed, &[], TIMEOUT_S);
    assert_error_names(
        &report,
        "model-catalog",
        UNREACHABLE,
        "ListFoundationModels",
    );
    assert_eq!(check(&report, "endpoint")["status"], "fail", "{report:#}");
    assert_others_unchanged_but(&report, ON_THE_MODEL_LIST, &["endpoint"]);
    // Nothing the stub could route: the TLS hello is not HTTP.
    assert!(
        bed.stub
            .calls()
            .iter()
            .all(|c| c.service != "bedrock" || c.operation == "UnknownOperation"),
        "{:#?}",
        bed.stub.calls()
    );
}

/// A port where the kernel completes the TCP handshake and nobody ever reads: every request to
/// it hangs. Kept for the life of the returned listener.
fn black_hole() -> (std::net::TcpListener, String) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    (listener, url)
}

#[test]
fn every_service_hanging_still_ends_by_the_deadline() {
    let (_hole, url) = black_hole();
    let mut bed = Bed::new("healthy");
    for var in [
        "AWS_ENDPOINT_URL_STS",
        "AWS_ENDPOINT_URL_IAM",
        "AWS_ENDPOINT_URL_ORGANIZATIONS",
        "AWS_ENDPOINT_URL_BEDROCK_RUNTIME",
        "AWS_ENDPOINT_URL_SERVICE_QUOTAS",
    ] {
        bed.set(var, url.clone());
    }
    // Over TLS, the handshake is what never completes.
    bed.set(
        "AWS_ENDPOINT_URL_BEDROCK",
        url.replace("http://", "https://"),
    );
    let (run, report) = doctor(&bed, &[], TIMEOUT_S);
    eprintln!(
        "every service hanging: finished after {:?} with --timeout {TIMEOUT_S}",
        run.elapsed
    );
    run.assert_code(1);
    for id in ["credentials", "region"] {
        assert_eq!(check(&report, id)["status"], "pass", "{report:#}");
    }
    assert_error_names(&report, "identity", TIMEOUT, "GetCallerIdentity");
    assert_error_names(&report, "model-catalog", TIMEOUT, "ListFoundationModels");
    // Reachability is the endpoint check's own subject: a handshake that never completes fails it.
    let endpoint = check(&report, "endpoint");
    assert_eq!(endpoint["diagnosis"], "endpoint-unreachable", "{report:#}");
    assert!(
        endpoint["summary"].as_str().unwrap().contains("timed out"),
        "{report:#}"
    );
    for entry in report["checks"].as_array().unwrap() {
        if entry["id"] == "endpoint" {
            continue;
        }
        let status = entry["status"].as_str().unwrap();
        assert!(
            matches!(status, "pass" | "error" | "skip"),
            "nothing is judged wrong when nothing answers: {entry:#}"
        );
        if status == "error" {
            assert_eq!(entry["diagnosis"], "timeout", "{entry:#}");
        }
    }
}

#[test]
fn a_handshake_longer_than_a_short_deadline_is_cut_at_it() {
    // The endpoint check gives a TLS handshake 3 s; with --timeout 2 the run's deadline comes first.
    let (_hole, url) = black_hole();
    let mut bed = Bed::new("healthy");
    bed.set(
        "AWS_ENDPOINT_URL_BEDROCK",
        url.replace("http://", "https://"),
    );
    let (run, report) = doctor(&bed, &[], 2);
    eprintln!(
        "handshake cut: finished after {:?} with --timeout 2",
        run.elapsed
    );
    let endpoint = check(&report, "endpoint");
    assert_eq!(endpoint["status"], "error", "{report:#}");
    assert_eq!(endpoint["diagnosis"], "timeout", "{report:#}");
}

#[test]
fn a_check_that_outlasts_the_deadline_is_cut_at_it() {
    // `invoke` makes three throttled attempts with 0.5 s and 1 s of backoff between them, each
    // answered after THROTTLED_AFTER_MS: 3 × 0.95 s + 1.5 s = 4.35 s of work at the least (a
    // sleep never ends early), past the 4 s deadline. The delay is chosen so that both margins
    // are as wide as this arithmetic allows, 0.35 s or more each: every answer comes 0.38 s inside
    // the per-call timeout (4 s / 3 = 1.33 s; an answer later than that would end the check early,
    // with a per-call timeout), and the third would come 0.35 s after the deadline (a deadline
    // timer that fires later than that would let the throttled verdict through).
    const THROTTLED_AFTER_MS: u64 = 950;
    let bed = bed_with(&format!(
        r#"
        [[override]]
        operation = "InvokeModel"
        status = 429
        error_type = "ThrottlingException"
        message = "Too many tokens, please wait before trying again."
        source = "https://github.com/aws-samples/amazon-bedrock-client-for-mac/issues/99"
        delay_ms = {THROTTLED_AFTER_MS}
        "#
    ));
    let (run, report) = doctor(&bed, &[], TIMEOUT_S);
    eprintln!(
        "deadline cut: finished after {:?} with --timeout {TIMEOUT_S}",
        run.elapsed
    );
    assert!(run.elapsed >= Duration::from_secs(TIMEOUT_S), "{run}");
    let invoke = check(&report, "invoke");
    assert_eq!(invoke["diagnosis"], "timeout", "{report:#}");
    assert!(
        invoke["summary"].as_str().unwrap().contains("deadline"),
        "{report:#}"
    );
    // Everything that waits for the shared invocation (the proof of access, the calls the SCP
    // check reads) is cut too; what does not wait keeps its verdict.
    assert_others_unchanged(
        &report,
        &[
            ON_THE_INVOCATIONS,
            &["model-access", "use-case", "marketplace", "scp"],
        ]
        .concat(),
    );
}

// ---- wrong answers ----

#[test]
fn malformed_json_is_an_unexpected_response() {
    assert_fault(
        "GetFoundationModel",
        "garbage",
        "model-catalog",
        UNEXPECTED,
        &["model-catalog"],
    );
}

#[test]
fn a_body_cut_short_is_an_unexpected_response() {
    let report = assert_fault(
        "ListInferenceProfiles",
        "truncated",
        "inference-profile",
        UNEXPECTED,
        ON_THE_INVOCATIONS,
    );
    // The model runs only through a profile: without the profile list the invocation is not
    // sent to the base id (which AWS would refuse on demand, a false `fail`), it is the same error.
    assert_error_names(&report, "invoke", UNEXPECTED, "ListInferenceProfiles");
}

#[test]
fn an_empty_model_list_body_is_not_an_empty_region() {
    // Read as "no models here", an empty body used to fail `model-not-in-region`.
    assert_fault(
        "ListFoundationModels",
        "empty_body",
        "model-catalog",
        UNEXPECTED,
        ON_THE_MODEL_LIST,
    );
}

#[test]
fn an_invocation_answer_that_is_not_json_is_not_a_pass() {
    // The SDK hands InvokeModel's body over unread; garbage used to pass `invoke` and warn
    // `prompt-caching-unsupported` about a prompt of 0 tokens.
    let report = assert_fault(
        "InvokeModel",
        "garbage",
        "invoke",
        UNEXPECTED,
        ON_THE_INVOCATIONS,
    );
    assert_error_names(&report, "inference-profile", UNEXPECTED, "InvokeModel");
}

#[test]
fn a_proxy_html_page_is_an_unexpected_response_that_says_so() {
    let report = assert_fault(
        "ListFoundationModels",
        "html",
        "model-catalog",
        UNEXPECTED,
        ON_THE_MODEL_LIST,
    );
    let summary = check(&report, "model-catalog")["summary"].as_str().unwrap();
    assert!(
        summary.contains("502") && summary.contains("Bad Gateway"),
        "{report:#}"
    );
}

#[test]
fn a_bare_5xx_is_a_service_error() {
    assert_fault(
        "GetUseCaseForModelAccess",
        "status_5xx",
        "use-case",
        &["service-error"],
        &["use-case"],
    );
}

#[test]
fn an_unmodelled_error_code_is_reported_with_its_code() {
    let report = assert_fault(
        "GetUseCaseForModelAccess",
        "unmodelled_error",
        "use-case",
        &["unknown"],
        &["use-case"],
    );
    assert!(
        check(&report, "use-case")["summary"]
            .as_str()
            .unwrap()
            .contains(testbed::UNMODELLED_ERROR),
        "{report:#}"
    );
}

#[test]
fn a_wrong_content_type_over_a_good_body_is_tolerated() {
    // The SDK reads restJson1 bodies whatever the Content-Type says, and so does the doctor:
    // a proxy relabelling a correct answer does not change any verdict.
    for operation in ["ListFoundationModels", "InvokeModelWithResponseStream"] {
        let bed = fault_on(operation, "wrong_content_type");
        let (_, report) = doctor(&bed, &[], TIMEOUT_S);
        assert_others_unchanged(&report, &[]);
    }
}

#[test]
fn broken_event_streams_are_errors_naming_the_stream() {
    for (fault, diagnoses) in [
        ("bad_crc", UNEXPECTED),
        ("truncated_frame", UNEXPECTED),
        ("truncated", UNEXPECTED),
        ("garbage", UNEXPECTED),
        ("empty_body", UNEXPECTED),
        ("exception_mid_stream", &["service-error"][..]),
    ] {
        let report = assert_fault(
            "InvokeModelWithResponseStream",
            fault,
            "invoke",
            diagnoses,
            &["invoke"],
        );
        assert!(
            check(&report, "invoke")["summary"]
                .as_str()
                .unwrap()
                .contains("InvokeModelWithResponseStream"),
            "{fault}: {report:#}"
        );
    }
}

// ---- a 50 MiB body ----

/// Runs the doctor under `python3`, which reports the child's peak resident set size
/// (`getrusage(RUSAGE_CHILDREN).ru_maxrss`, in KiB on Linux) exactly, with no polling.
fn peak_rss_kib(bed: &Bed, args: &[&str]) -> (Run, u64) {
    const SCRIPT: &str = "import json, resource, subprocess, sys\n\
        p = subprocess.run(sys.argv[1:], capture_output=True)\n\
        print(json.dumps({'code': p.returncode, 'stdout': p.stdout.decode('utf-8', 'replace'),\n\
        'stderr': p.stderr.decode('utf-8', 'replace'),\n\
        'kib': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))";
    let started = std::time::Instant::now();
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(SCRIPT)
        .arg(env!("CARGO_BIN_EXE_bedrock-doctor"))
        .args(args)
        .env_clear()
        .envs(&bed.env)
        .output()
        .expect("python3 runs");
    let elapsed = started.elapsed();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "measuring script failed ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let run = Run {
        args: args.iter().map(|s| s.to_string()).collect(),
        env: bed.env.clone(),
        code: v["code"].as_i64().map(|c| c as i32),
        stdout: v["stdout"].as_str().unwrap().to_string(),
        stderr: v["stderr"].as_str().unwrap().to_string(),
        elapsed,
    };
    (run, v["kib"].as_u64().unwrap())
}

#[test]
fn a_50_mib_body_is_refused_in_bounded_memory() {
    let args = ["--format", "json", "--timeout", "4"];
    let (base_run, base_kib) = peak_rss_kib(&Bed::new("healthy"), &args);
    assert_survived(&base_run, TIMEOUT_S);
    for operation in [
        "ListFoundationModels",
        "InvokeModel",
        "InvokeModelWithResponseStream",
    ] {
        let bed = fault_on(operation, "huge_body");
        let (run, kib) = peak_rss_kib(&bed, &args);
        assert_survived(&run, TIMEOUT_S);
        let report = run.json();
        assert_contract(&report);
        let id = if operation == "ListFoundationModels" {
            "model-catalog"
        } else {
            "invoke"
        };
        assert_error_names(&report, id, UNEXPECTED, operation);
        assert!(
            check(&report, id)["summary"]
                .as_str()
                .unwrap()
                .contains("bytes the doctor reads"),
            "{report:#}"
        );
        eprintln!(
            "peak RSS: healthy {} KiB, 50 MiB body on {operation}: {kib} KiB",
            base_kib
        );
        // The body is 51,200 KiB; reading it whole would cost at least that, twice when copied.
        assert!(
            kib < base_kib + 24 * 1024,
            "peak RSS {kib} KiB with a 50 MiB body on {operation} (healthy: {base_kib} KiB)"
        );
    }
}

// ---- randomized ----

/// SplitMix64: a small, seedable generator, so a failing run can be replayed with its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// The operations the doctor calls on the stub.
const OPERATIONS: &[&str] = &[
    "ListFoundationModels",
    "GetFoundationModel",
    "GetFoundationModelAvailability",
    "GetUseCaseForModelAccess",
    "ListFoundationModelAgreementOffers",
    "ListInferenceProfiles",
    "GetInferenceProfile",
    "InvokeModel",
    "InvokeModelWithResponseStream",
    "ListServiceQuotas",
    "ListAWSDefaultServiceQuotas",
];

/// One to three random faults, some limited to the first few requests, some after a delay.
fn random_scenario(rng: &mut Rng) -> String {
    let mut toml = String::new();
    for _ in 0..1 + rng.below(3) {
        let operation = *rng.pick(OPERATIONS);
        let fault = if operation == "InvokeModelWithResponseStream" && rng.below(2) == 0 {
            *rng.pick(testbed::STREAM_FAULT_NAMES)
        } else {
            *rng.pick(testbed::FAULT_NAMES)
        };
        toml.push_str(&format!(
            "[[override]]\noperation = \"{operation}\"\nfault = \"{fault}\"\n"
        ));
        match fault {
            "status_5xx" => {
                toml.push_str(&format!("status = {}\n", rng.pick(&[500, 502, 503, 504])))
            }
            "unmodelled_error" => {
                toml.push_str(&format!("status = {}\n", rng.pick(&[400, 403, 409, 500])))
            }
            _ => {}
        }
        if rng.below(3) == 0 {
            toml.push_str(&format!("times = {}\n", 1 + rng.below(2)));
        }
        if rng.below(4) == 0 {
            toml.push_str(&format!("delay_ms = {}\n", rng.below(1500)));
        }
    }
    toml
}

#[test]
fn randomized_faults_keep_the_invariants() {
    // Replay one run with FAULTS_SEED=<seed printed on failure>; FAULTS_RUNS sets how many.
    let seed: u64 = std::env::var("FAULTS_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x00D0_C70F);
    let runs: u64 = std::env::var("FAULTS_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(30);
    for i in 0..runs {
        let run_seed = seed.wrapping_add(i);
        let mut rng = Rng(run_seed);
        let toml = random_scenario(&mut rng);
        let mut bed = bed_with(&toml);
        // Now and then the network is broken too, not only the answers.
        let mut network = "";
        if rng.below(6) == 0 {
            network = "refused bedrock-runtime port";
            bed.set(
                "AWS_ENDPOINT_URL_BEDROCK_RUNTIME",
                format!("http://127.0.0.1:{}", closed_port()),
            );
        }
        let timeout_s = 2 + rng.below(2) as u64;
        let timeout = timeout_s.to_string();
        let run = bed.run(&["--format", "json", "--timeout", &timeout]);
        let context = format!("seed {run_seed} ({network})\n{toml}");
        assert!(
            matches!(run.code, Some(0) | Some(1)),
            "exit code, {context}\n{run}"
        );
        assert!(
            run.elapsed < Duration::from_secs(timeout_s + 1),
            "deadline, {context}\n{run}"
        );
        assert!(!run.stderr.contains("panicked"), "panic, {context}\n{run}");
        let report: Value = serde_json::from_str(&run.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}), {context}\n{run}"));
        support::assert_valid_report(&report);
        assert_contract(&report);
        // A broken answer is never a verdict on the account: nothing fails, except the
        // endpoint check when the network itself is broken.
        for entry in report["checks"].as_array().unwrap() {
            let failed_ok = entry["id"] == "endpoint" && !network.is_empty();
            assert!(
                entry["status"] != "fail" || failed_ok,
                "a fault became a `fail`, {context}\n{entry:#}"
            );
        }
    }
}
