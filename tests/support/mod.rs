//! The end-to-end harness: runs the real binary against moto (STS, IAM, Organizations) and the
//! Bedrock stub (Bedrock, Bedrock Runtime, Service Quotas), with a clean environment, and dumps
//! everything when an assertion fails.

#![allow(dead_code)]

pub mod relay;

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use testbed::{Credentials, Moto, Scenario, Stub};

/// A secret that must never appear in any output: the doctor is handed it and must keep it.
pub const SECRET_SENTINEL_SUFFIX: &str = "SECRETSENTINEL";

pub struct Bed {
    pub stub: Stub,
    pub moto: &'static Moto,
    pub env: BTreeMap<String, String>,
    pub home: tempfile::TempDir,
}

/// A port nothing listens on (bound, then released).
pub fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

impl Bed {
    /// The scenario's Bedrock, moto's STS/IAM/Organizations, and the seeded user's keys in the
    /// environment. The stub accepts exactly moto's keys, so one key pair works everywhere.
    pub fn new(scenario: &str) -> Bed {
        let moto = Moto::shared();
        Bed::with_credentials(
            moto,
            scenario,
            &moto.access_key_id,
            &moto.secret_access_key,
            None,
        )
    }

    /// The management account of the Organization built in [`organization`].
    pub fn management(scenario: &str) -> Bed {
        organization();
        let moto = Moto::open();
        Bed::with_credentials(
            moto,
            scenario,
            &moto.access_key_id,
            &moto.secret_access_key,
            None,
        )
    }

    /// The member account of the Organization built in moto ([`organization`]): its temporary
    /// credentials in the environment, accepted by the stub too.
    pub fn member(scenario: &str) -> Bed {
        let org = organization();
        let mut bed = Bed::with_credentials(
            Moto::open(),
            scenario,
            &org.access_key_id,
            &org.secret_access_key,
            Some(org.session_token.as_str()),
        );
        bed.set("AWS_SESSION_TOKEN", org.session_token.clone());
        bed
    }

    pub fn with_credentials(
        moto: &'static Moto,
        scenario: &str,
        key: &str,
        secret: &str,
        token: Option<&str>,
    ) -> Bed {
        Bed::with_scenario(moto, Scenario::load(scenario), key, secret, token)
    }

    /// As [`Bed::new`], for a scenario built or changed in the test (keys made at run time).
    pub fn from_scenario(scenario: Scenario) -> Bed {
        let moto = Moto::shared();
        Bed::with_scenario(
            moto,
            scenario,
            &moto.access_key_id,
            &moto.secret_access_key,
            None,
        )
    }

    pub fn with_scenario(
        moto: &'static Moto,
        scenario: Scenario,
        key: &str,
        secret: &str,
        token: Option<&str>,
    ) -> Bed {
        let scenario = accepting(scenario, key, secret, token);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let stub = runtime
            .block_on(Stub::start(scenario))
            .expect("stub starts");
        // The stub's thread owns its own runtime; this one only started it.
        drop(runtime);
        Bed::around(moto, stub, key, secret)
    }

    /// The management account of the multi-account Organization ([`org`]), its seeded user's keys
    /// in the environment: Organizations and IAM are moto's, STS is the stub's front for moto's,
    /// and each member account gets the scenario `moto_orgs.py` names for it, or the one
    /// `scenarios` gives (account name → scenario).
    pub fn org(scenarios: &[(&str, Scenario)]) -> Bed {
        let org = org();
        let moto = Moto::organization();
        let mut scenario = Scenario::load("healthy");
        for account in &org.accounts {
            let own = scenarios
                .iter()
                .find(|(name, _)| *name == account.name)
                .map_or_else(|| Scenario::load(&account.scenario), |(_, s)| s.clone());
            scenario = scenario.with_account(&account.id, own);
        }
        let scenario = accepting(scenario, &moto.access_key_id, &moto.secret_access_key, None);
        let stub = Stub::start_org(scenario, moto.url(), 0).expect("stub starts");
        let mut bed = Bed::around(moto, stub, &moto.access_key_id, &moto.secret_access_key);
        let url = bed.stub.url();
        bed.set("AWS_ENDPOINT_URL_STS", url);
        bed
    }

    /// The environment of a run against `stub` and `moto`, with these keys.
    fn around(moto: &'static Moto, stub: Stub, key: &str, secret: &str) -> Bed {
        let home = tempfile::tempdir().unwrap();
        let mut env = BTreeMap::new();
        let mut set = |k: &str, v: String| {
            env.insert(k.to_string(), v);
        };
        set("PATH", std::env::var("PATH").unwrap_or_default());
        set("HOME", home.path().display().to_string());
        set(
            "AWS_CONFIG_FILE",
            home.path().join("config").display().to_string(),
        );
        set(
            "AWS_SHARED_CREDENTIALS_FILE",
            home.path().join("credentials").display().to_string(),
        );
        set(
            "AWS_EC2_METADATA_SERVICE_ENDPOINT",
            format!("http://127.0.0.1:{}", closed_port()),
        );
        set("NO_PROXY", "127.0.0.1,localhost".into());
        set("AWS_REGION", "us-east-1".into());
        set("AWS_ACCESS_KEY_ID", key.to_string());
        set("AWS_SECRET_ACCESS_KEY", secret.to_string());
        set("AWS_ENDPOINT_URL_STS", moto.url().to_string());
        set("AWS_ENDPOINT_URL_IAM", moto.url().to_string());
        set("AWS_ENDPOINT_URL_ORGANIZATIONS", moto.url().to_string());
        set("AWS_ENDPOINT_URL_BEDROCK", stub.url());
        set("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", stub.url());
        set("AWS_ENDPOINT_URL_SERVICE_QUOTAS", stub.url());
        Bed {
            stub,
            moto,
            env,
            home,
        }
    }

    pub fn set(&mut self, key: &str, value: impl Into<String>) -> &mut Bed {
        self.env.insert(key.to_string(), value.into());
        self
    }

    pub fn unset(&mut self, key: &str) -> &mut Bed {
        self.env.remove(key);
        self
    }

    pub fn run(&self, args: &[&str]) -> Run {
        run_with_env(&self.env, args, None)
    }

    pub fn run_with_stdin(&self, args: &[&str], stdin: &str) -> Run {
        run_with_env(&self.env, args, Some(stdin))
    }

    /// Runs a check and returns the parsed JSON report, validated against the shipped schema.
    pub fn report(&self, args: &[&str]) -> (Run, serde_json::Value) {
        let mut all = vec!["--format", "json"];
        all.extend_from_slice(args);
        let run = self.run(&all);
        let json = run.json();
        assert_valid_report(&json);
        (run, json)
    }
}

/// The scenario, accepting exactly this key (an expired-token scenario keeps its token expired).
fn accepting(mut scenario: Scenario, key: &str, secret: &str, token: Option<&str>) -> Scenario {
    let expired = scenario.credentials.iter().any(|c| c.session_token_expired);
    scenario.credentials = vec![Credentials {
        access_key_id: key.to_string(),
        secret_access_key: secret.to_string(),
        session_token: token.map(str::to_string),
        session_token_expired: expired,
    }];
    scenario
}

pub fn run_with_env(env: &BTreeMap<String, String>, args: &[&str], stdin: Option<&str>) -> Run {
    run_with_env_in(env, None, args, stdin)
}

/// As [`run_with_env`], in this working directory (for files read from the current directory).
pub fn run_with_env_in(
    env: &BTreeMap<String, String>,
    cwd: Option<&std::path::Path>,
    args: &[&str],
    stdin: Option<&str>,
) -> Run {
    let mut cmd = assert_cmd::Command::cargo_bin("bedrock-doctor").unwrap();
    cmd.env_clear()
        .envs(env)
        .args(args)
        .timeout(Duration::from_secs(60));
    if let Some(dir) = cwd {
        cmd.current_dir(dir);
    }
    if let Some(input) = stdin {
        cmd.write_stdin(input.to_string());
    }
    let started = Instant::now();
    let output = cmd.output().expect("the binary runs");
    Run {
        args: args.iter().map(|s| s.to_string()).collect(),
        env: env.clone(),
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        elapsed: started.elapsed(),
    }
}

pub struct Run {
    pub args: Vec<String>,
    pub env: BTreeMap<String, String>,
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl std::fmt::Display for Run {
    /// Everything a red test needs to explain itself (secrets masked: the harness's own hygiene).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "command: bedrock-doctor {}", self.args.join(" "))?;
        for (k, v) in &self.env {
            let shown = if k.contains("SECRET") || k.contains("TOKEN") {
                "<set>"
            } else {
                v.as_str()
            };
            writeln!(f, "  {k}={shown}")?;
        }
        writeln!(f, "exit: {:?} after {:?}", self.code, self.elapsed)?;
        writeln!(
            f,
            "--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        )
    }
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e})\n{self}"))
    }

    pub fn assert_code(&self, code: i32) -> &Run {
        assert_eq!(self.code, Some(code), "unexpected exit code\n{self}");
        self
    }
}

/// The entry of one check in a report.
pub fn check<'a>(report: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    report["checks"]
        .as_array()
        .and_then(|checks| checks.iter().find(|c| c["id"] == id))
        .unwrap_or_else(|| panic!("no check `{id}` in {report:#}"))
}

/// A check's evidence (empty when it has none).
pub fn evidence<'a>(report: &'a serde_json::Value, id: &str) -> &'a [serde_json::Value] {
    check(report, id)["evidence"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
}

/// Runs a scenario whose first `InvokeModel` fails once with `status` and `code`: the doctor
/// retries it, `invoke` passes, and its evidence shows the failed attempt before the successful one.
pub fn assert_invoke_retried_after(scenario: &str, status: u16, code: &str) {
    let bed = Bed::new(scenario);
    let (run, report) = bed.report(&[]);
    run.assert_code(0);
    assert_check(&report, "invoke", "pass", None);
    let entries = evidence(&report, "invoke");
    let is_invoke = |e: &serde_json::Value| e["operation"] == "InvokeModel";
    let failed = entries
        .iter()
        .position(|e| is_invoke(e) && e["http_status"] == status && e["error_code"] == code);
    let succeeded = entries
        .iter()
        .rposition(|e| is_invoke(e) && e["http_status"] == 200);
    assert!(
        matches!((failed, succeeded), (Some(f), Some(s)) if f < s),
        "expected a failed InvokeModel ({status} {code}) before a successful one\n{report:#}"
    );
}

/// Asserts a check's status and diagnosis, showing the whole report when they differ.
pub fn assert_check(report: &serde_json::Value, id: &str, status: &str, diagnosis: Option<&str>) {
    let entry = check(report, id);
    let want_diagnosis = diagnosis.map_or(serde_json::Value::Null, |d| {
        serde_json::Value::String(d.into())
    });
    assert!(
        entry["status"] == status && entry["diagnosis"] == want_diagnosis,
        "check `{id}`: expected {status} / {diagnosis:?}, got {} / {}\n{report:#}",
        entry["status"],
        entry["diagnosis"]
    );
}

pub fn write_file(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// An Organization in moto with a member account in an OU and a region-deny SCP on the OU.
#[derive(Debug, serde::Deserialize)]
pub struct Organization {
    pub management_account: String,
    pub member_account: String,
    pub ou: String,
    pub root: String,
    pub scp: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
    /// A role of the member account with the path `/ops/`, and a session of it.
    pub path_role_arn: String,
    pub path_role_access_key_id: String,
    pub path_role_secret_access_key: String,
    pub path_role_session_token: String,
}

/// Built once per test binary by `tests/support/moto_org.py` (boto3 against moto).
pub fn organization() -> &'static Organization {
    static ORG: std::sync::OnceLock<Organization> = std::sync::OnceLock::new();
    ORG.get_or_init(|| seed_with(Moto::open(), "moto_org.py"))
}

/// Runs a boto3 seeding script of `tests/support` against `moto` and reads the JSON it prints.
fn seed_with<T: serde::de::DeserializeOwned>(moto: &Moto, script: &str) -> T {
    let path = format!("{}/tests/support/{script}", env!("CARGO_MANIFEST_DIR"));
    let out = std::process::Command::new("python3")
        .args([
            path.as_str(),
            moto.url(),
            &moto.access_key_id,
            &moto.secret_access_key,
        ])
        .env("NO_PROXY", "127.0.0.1")
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{script} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{script} prints JSON: {e}"))
}

/// Validates a report against `schema/report.schema.json`, the schema the project ships.
pub fn assert_valid_report(report: &serde_json::Value) {
    static VALIDATOR: std::sync::OnceLock<jsonschema::Validator> = std::sync::OnceLock::new();
    let validator = VALIDATOR.get_or_init(|| {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/schema/report.schema.json"
        ))
        .expect("schema/report.schema.json exists");
        let schema: serde_json::Value = serde_json::from_str(&text).expect("the schema is JSON");
        jsonschema::validator_for(&schema).expect("the schema compiles")
    });
    let errors: Vec<String> = validator
        .iter_errors(report)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "report does not match its schema: {errors:#?}\n{report:#}"
    );
}

/// A role the seeded user may assume in the authenticated moto ([`Moto::shared`]).
#[derive(Debug, serde::Deserialize)]
pub struct Roles {
    pub role_arn: String,
}

/// Built once per test binary by `tests/support/moto_roles.py` (boto3 against moto).
pub fn roles() -> &'static Roles {
    static ROLES: std::sync::OnceLock<Roles> = std::sync::OnceLock::new();
    ROLES.get_or_init(|| seed_with(Moto::shared(), "moto_roles.py"))
}

/// The multi-account Organization `tests/support/moto_orgs.py` builds in moto.
#[derive(Debug, serde::Deserialize)]
pub struct Org {
    pub organization_id: String,
    pub management_account: String,
    pub root: String,
    /// OU name → id.
    pub ous: BTreeMap<String, String>,
    /// SCP name → id.
    pub scps: BTreeMap<String, String>,
    pub role_name: String,
    /// What the trust policy of `shared-services`' role requires.
    pub external_id: String,
    /// The management account first, then the members in creation order.
    pub accounts: Vec<OrgMember>,
}

#[derive(Debug, serde::Deserialize)]
pub struct OrgMember {
    pub id: String,
    pub name: String,
    /// From the root down to the account's parent.
    pub ou_path: Vec<OrgStep>,
    /// `management`, `healthy`, `suspended`, `no-role`, `use-case-form-missing`, `scp-denies-region`.
    pub state: String,
    /// The scenario the stub serves the account by default.
    pub scenario: String,
    pub role_arn: Option<String>,
    pub external_id: Option<String>,
}

#[derive(Debug, serde::Deserialize)]
pub struct OrgStep {
    pub id: String,
    pub name: String,
}

impl Org {
    /// The account named `name`.
    pub fn account(&self, name: &str) -> &OrgMember {
        self.accounts
            .iter()
            .find(|a| a.name == name)
            .unwrap_or_else(|| panic!("no account {name} in {self:#?}"))
    }
}

/// Built once per test binary by `tests/support/moto_orgs.py` in [`Moto::organization`].
pub fn org() -> &'static Org {
    static ORG: std::sync::OnceLock<Org> = std::sync::OnceLock::new();
    ORG.get_or_init(|| seed_with(Moto::organization(), "moto_orgs.py"))
}
