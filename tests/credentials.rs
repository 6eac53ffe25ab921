//! Where the credentials came from, and why they failed: each source of the shared files (IAM
//! Identity Center, credential_process, an assumed role, a web identity token), set up with real
//! config, credentials and token cache files in a temporary HOME, diagnosed by the real binary.
//! Assumed roles go to moto's STS (IAM authentication on, trust policies enforced); the root
//! caller's STS is the stub, which moto cannot play.

mod support;

use support::{assert_check, check, closed_port, roles, write_file, Bed, SECRET_SENTINEL_SUFFIX};

/// A healthy account whose environment holds no credentials: only the shared files of its HOME,
/// written here, and `AWS_PROFILE`. No IAM Identity Center portal or OIDC call may leave the
/// machine, so both endpoints point at a closed local port.
fn bed_with_files(profile: Option<&str>, config: &str, credentials: &str) -> Bed {
    let mut bed = Bed::new("healthy");
    for var in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
    ] {
        bed.unset(var);
    }
    write_file(&bed.home, "config", config);
    write_file(&bed.home, "credentials", credentials);
    if let Some(profile) = profile {
        bed.set("AWS_PROFILE", profile);
    }
    let nowhere = format!("http://127.0.0.1:{}", closed_port());
    bed.set("AWS_ENDPOINT_URL_SSO", nowhere.clone())
        .set("AWS_ENDPOINT_URL_SSO_OIDC", nowhere);
    bed
}

/// Writes the config of a profile that names files of the bed's HOME, and selects it.
fn use_profile(bed: &mut Bed, profile: &str, config: &str) {
    write_file(&bed.home, "config", config);
    bed.set("AWS_PROFILE", profile);
}

/// The run fails (exit 1) on the `credentials` check, with this diagnosis.
fn assert_credentials_fail(run: &support::Run, report: &serde_json::Value, diagnosis: &str) {
    run.assert_code(1);
    assert_check(report, "credentials", "fail", Some(diagnosis));
}

/// Writes `~/.aws/sso/cache/<name>.json`, as `aws sso login` does.
fn write_sso_cache(bed: &Bed, name: &str, json: &serde_json::Value) {
    let dir = bed.home.path().join(".aws/sso/cache");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("{name}.json")), json.to_string()).unwrap();
}

/// An executable script in the bed's HOME.
fn write_script(bed: &Bed, name: &str, body: &str) -> String {
    use std::os::unix::fs::PermissionsExt;
    let path = write_file(&bed.home, name, &format!("#!/bin/sh\n{body}\n"));
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path.display().to_string()
}

/// RFC 3339, `hours` from now (negative: in the past), as the SSO token cache writes it.
fn rfc3339_in(hours: i64) -> String {
    (time::OffsetDateTime::now_utc() + time::Duration::hours(hours))
        .replace_nanosecond(0)
        .unwrap()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

/// Every needle is in `text`, or the assertion names the first missing one and shows the text.
#[track_caller]
fn assert_names(text: &str, needles: &[&str]) {
    for needle in needles {
        assert!(text.contains(needle), "{needle:?} not in: {text}");
    }
}

fn summary(report: &serde_json::Value, id: &str) -> String {
    check(report, id)["summary"].as_str().unwrap().to_string()
}

fn fix(report: &serde_json::Value, id: &str) -> String {
    check(report, id)["fix"].as_str().unwrap().to_string()
}

fn assert_never_printed(run: &support::Run, secrets: &[&str]) {
    for secret in secrets {
        assert!(
            !run.stdout.contains(secret) && !run.stderr.contains(secret),
            "`{secret}` reached the output\n{run}"
        );
    }
}

/// The checks that need credentials skip, naming the check to fix first.
fn assert_dependents_skip(report: &serde_json::Value) {
    for id in ["identity", "model-access", "invoke"] {
        let entry = check(report, id);
        assert_eq!(entry["status"], "skip", "{id}: {entry:#}");
        assert!(
            entry["summary"]
                .as_str()
                .unwrap()
                .starts_with("needs `credentials`"),
            "{id}: {entry:#}"
        );
    }
}

// SHA-1 (hex) of the session name or legacy start URL: the cache file names the SDKs and the CLI use.
const CORP_SESSION_CACHE: &str = "ee0bfd2552fbd840c02cc48b6e823320543c450f";
const LEGACY_URL: &str = "https://legacy-corp.awsapps.com/start";
const LEGACY_URL_CACHE: &str = "db20176fd0f7e06aa29a072403e4d51c0e3e45af";

const SSO_SESSION_CONFIG: &str = "\
[profile dev]
sso_session = corp
sso_account_id = 123456789012
sso_role_name = BedrockUsers
region = us-east-1

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access
";

fn access_token() -> String {
    format!("aoaAAAAAGdoctorAccessToken{SECRET_SENTINEL_SUFFIX}")
}

#[test]
fn legacy_sso_profile_with_an_expired_token_says_when_and_how_to_log_in() {
    let config = format!(
        "[profile legacy]\nsso_start_url = {LEGACY_URL}\nsso_region = us-east-1\n\
         sso_account_id = 123456789012\nsso_role_name = BedrockUsers\n"
    );
    let bed = bed_with_files(Some("legacy"), &config, "");
    let expired_at = rfc3339_in(-2);
    write_sso_cache(
        &bed,
        LEGACY_URL_CACHE,
        &serde_json::json!({"startUrl": LEGACY_URL, "region": "us-east-1",
            "accessToken": access_token(), "expiresAt": expired_at}),
    );
    let (run, report) = bed.report(&[]);
    assert_credentials_fail(&run, &report, "expired-credentials");
    let said = summary(&report, "credentials");
    assert_names(&said, &[LEGACY_URL, "expired 2 h ago", &expired_at]);
    assert!(
        fix(&report, "credentials").contains("aws sso login --profile legacy"),
        "{report:#}"
    );
    assert_dependents_skip(&report);
    assert_never_printed(&run, &[&access_token(), SECRET_SENTINEL_SUFFIX]);
}

#[test]
fn sso_session_profile_with_an_expired_token_names_the_session() {
    let bed = bed_with_files(Some("dev"), SSO_SESSION_CONFIG, "");
    // As `aws sso login` writes it, 90 days after the client registration expired: no refresh.
    write_sso_cache(
        &bed,
        CORP_SESSION_CACHE,
        &serde_json::json!({"startUrl": "https://corp.awsapps.com/start", "region": "us-east-1",
            "accessToken": access_token(), "expiresAt": rfc3339_in(-30),
            "clientId": "doctorClientId", "clientSecret": format!("doctorClientSecret{SECRET_SENTINEL_SUFFIX}"),
            "registrationExpiresAt": rfc3339_in(-1), "refreshToken": format!("doctorRefresh{SECRET_SENTINEL_SUFFIX}")}),
    );
    let (run, report) = bed.report(&["--only", "credentials"]);
    assert_credentials_fail(&run, &report, "expired-credentials");
    let said = summary(&report, "credentials");
    assert_names(
        &said,
        &[
            "session `corp`",
            "expired 30 h ago",
            "aws sso login --sso-session corp",
        ],
    );
    assert!(
        fix(&report, "credentials").contains("aws sso login --profile dev"),
        "{report:#}"
    );
    assert_never_printed(&run, &[SECRET_SENTINEL_SUFFIX]);
}

#[test]
fn sso_session_token_the_sdk_cannot_refresh_is_expired_too() {
    // The registration is live, so the SDK tries the refresh (SSO OIDC, here a closed port) and
    // then the portal: the chain fails, and the cache says why.
    let bed = bed_with_files(Some("dev"), SSO_SESSION_CONFIG, "");
    write_sso_cache(
        &bed,
        CORP_SESSION_CACHE,
        &serde_json::json!({"startUrl": "https://corp.awsapps.com/start", "region": "us-east-1",
            "accessToken": access_token(), "expiresAt": rfc3339_in(-3),
            "clientId": "doctorClientId", "clientSecret": format!("doctorClientSecret{SECRET_SENTINEL_SUFFIX}"),
            "registrationExpiresAt": rfc3339_in(24 * 60), "refreshToken": format!("doctorRefresh{SECRET_SENTINEL_SUFFIX}")}),
    );
    let (run, report) = bed.report(&["--only", "credentials"]);
    assert_credentials_fail(&run, &report, "expired-credentials");
    let said = summary(&report, "credentials");
    assert_names(&said, &["session `corp`", "could not refresh it"]);
    assert_never_printed(&run, &[SECRET_SENTINEL_SUFFIX]);
}

#[test]
fn sso_session_profile_never_logged_in_has_no_cached_token() {
    let bed = bed_with_files(Some("dev"), SSO_SESSION_CONFIG, "");
    let (run, report) = bed.report(&["--only", "credentials"]);
    assert_credentials_fail(&run, &report, "expired-credentials");
    let said = summary(&report, "credentials");
    assert_names(&said, &["no cached token", "session `corp`"]);
    let evidence = check(&report, "credentials")["evidence"][0]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        evidence.contains(&format!(".aws/sso/cache/{CORP_SESSION_CACHE}.json")),
        "{evidence}"
    );
    assert!(fix(&report, "credentials").contains("aws sso login --profile dev"));
}

#[test]
fn profile_naming_a_missing_sso_session_is_its_own_diagnosis() {
    let config = "[profile dev]\nsso_session = corp-typo\nsso_account_id = 123456789012\n\
                  sso_role_name = BedrockUsers\n\n[sso-session corp]\n\
                  sso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n";
    let bed = bed_with_files(Some("dev"), config, "");
    let (run, report) = bed.report(&[]);
    assert_credentials_fail(&run, &report, "sso-session-missing");
    let said = summary(&report, "credentials");
    assert_names(&said, &["[sso-session corp-typo]"]);
    assert!(
        fix(&report, "credentials").contains("aws sso login --profile dev"),
        "{report:#}"
    );
    assert_dependents_skip(&report);
}

#[test]
fn credential_process_exiting_1_shows_status_and_stderr() {
    let mut bed = bed_with_files(None, "", "");
    let script = write_script(
        &bed,
        "vault-creds.sh",
        "echo 'vault is sealed: run vault-login first' >&2\nexit 1",
    );
    use_profile(
        &mut bed,
        "tools",
        &format!("[profile tools]\ncredential_process = {script} --account dev\n"),
    );
    let (run, report) = bed.report(&[]);
    assert_credentials_fail(&run, &report, "credential-process-failed");
    let said = summary(&report, "credentials");
    assert_names(
        &said,
        &[
            "profile `tools`",
            "exited with status 1",
            "vault is sealed: run vault-login first",
        ],
    );
    assert!(
        fix(&report, "credentials")
            .contains("aws configure get credential_process --profile tools"),
        "{report:#}"
    );
    assert_dependents_skip(&report);
}

#[test]
fn credential_process_printing_invalid_json_keeps_its_stdout_out_of_the_report() {
    let mut bed = bed_with_files(None, "", "");
    // Cut off mid-object: not JSON, and it carries a secret that must stay out of every output.
    let secret = format!("wJalrXUtnFEMI/K7MDENG/bPxRfiCY{SECRET_SENTINEL_SUFFIX}");
    let script = write_script(
        &bed,
        "broken-creds.sh",
        &format!(
            "printf '{{\"Version\": 1, \"AccessKeyId\": \"AKIAIOSFODNN7EXAMPLE\", \"SecretAccessKey\": \"{secret}\"'"
        ),
    );
    use_profile(
        &mut bed,
        "tools",
        &format!("[profile tools]\ncredential_process = {script}\n"),
    );
    let (run, report) = bed.report(&["--only", "credentials"]);
    assert_credentials_fail(&run, &report, "credential-process-failed");
    let said = summary(&report, "credentials");
    assert_names(&said, &["not the credentials JSON"]);
    assert_never_printed(&run, &[&secret, SECRET_SENTINEL_SUFFIX]);
    // The text report too.
    let text = bed.run(&["--only", "credentials"]);
    assert_never_printed(&text, &[&secret, SECRET_SENTINEL_SUFFIX]);
}

#[test]
fn credential_process_printing_a_secret_on_stderr_is_scrubbed() {
    let mut bed = bed_with_files(None, "", "");
    let secret = format!("wJalrXUtnFEMI/K7MDENG/bPxRfiCY{SECRET_SENTINEL_SUFFIX}");
    let token = format!("IQoJb3JpZ2luX2VjEJr{SECRET_SENTINEL_SUFFIX}abcdefghijklmnop");
    let script = write_script(
        &bed,
        "chatty-creds.sh",
        &format!(
            "echo 'debug: aws_secret_access_key={secret} session token: {token}' >&2\n\
             echo 'error: MFA device not registered' >&2\nexit 2"
        ),
    );
    use_profile(
        &mut bed,
        "tools",
        &format!("[profile tools]\ncredential_process = {script}\n"),
    );
    let (run, report) = bed.report(&["--only", "credentials"]);
    assert_credentials_fail(&run, &report, "credential-process-failed");
    let said = summary(&report, "credentials");
    assert_names(
        &said,
        &[
            "exited with status 2",
            "error: MFA device not registered",
            "<redacted>",
        ],
    );
    assert_never_printed(&run, &[&secret, &token, SECRET_SENTINEL_SUFFIX]);
    let text = bed.run(&["--only", "credentials"]);
    assert_never_printed(&text, &[&secret, &token, SECRET_SENTINEL_SUFFIX]);
}

/// `[profile ops]` assuming moto's role with the keys of `[base]` in the credentials file.
fn role_bed(extra: &str, key: &str, secret: &str) -> Bed {
    let roles = roles();
    bed_with_files(
        Some("ops"),
        &format!(
            "[profile ops]\nrole_arn = {}\nsource_profile = base\nrole_session_name = doctor\n{extra}",
            roles.role_arn
        ),
        &format!("[base]\naws_access_key_id = {key}\naws_secret_access_key = {secret}\n"),
    )
}

#[test]
fn role_profile_assumed_through_moto_passes_and_shows_the_role() {
    let moto = testbed::Moto::shared();
    let bed = role_bed("", &moto.access_key_id, &moto.secret_access_key);
    let (run, report) = bed.report(&["--only", "credentials,identity"]);
    run.assert_code(0);
    assert_check(&report, "credentials", "pass", None);
    let said = summary(&report, "credentials");
    assert_names(
        &said,
        &[&roles().role_arn, "(temporary)", "source profile `base`"],
    );
    assert_check(&report, "identity", "pass", None);
    assert!(
        summary(&report, "identity").contains("assumed-role/bedrock-doctor-ops/doctor"),
        "{report:#}"
    );
    assert_never_printed(&run, &[&moto.secret_access_key]);
}

#[test]
fn role_profile_whose_assume_role_is_denied_names_the_role_and_the_caller() {
    // The stub's STS for this one case (see tests/scenarios/assume_role_denied.toml): moto refuses
    // too, in an error body the SDK cannot read. The stub accepts the seeded user's keys.
    let moto = testbed::Moto::shared();
    let role_arn = "arn:aws:iam::123456789012:role/bedrock-doctor-ops";
    let mut bed = Bed::new("assume_role_denied");
    for var in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"] {
        bed.unset(var);
    }
    write_file(
        &bed.home,
        "config",
        &format!("[profile ops]\nrole_arn = {role_arn}\nsource_profile = base\n"),
    );
    write_file(
        &bed.home,
        "credentials",
        &format!(
            "[base]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
            moto.access_key_id, moto.secret_access_key
        ),
    );
    let stub = bed.stub.url();
    bed.set("AWS_PROFILE", "ops")
        .set("AWS_ENDPOINT_URL_STS", stub);
    let (run, report) = bed.report(&[]);
    assert_credentials_fail(&run, &report, "assume-role-denied");
    let said = summary(&report, "credentials");
    assert_names(
        &said,
        &[role_arn, "arn:aws:iam::123456789012:user/compiler-bedrock"],
    );
    assert!(
        fix(&report, "credentials").contains("aws configure get role_arn --profile ops"),
        "{report:#}"
    );
    let evidence = &check(&report, "credentials")["evidence"][0];
    assert!(
        evidence["message"]
            .as_str()
            .unwrap()
            .contains("is not authorized to perform: sts:AssumeRole"),
        "{evidence:#}"
    );
    assert!(
        bed.stub
            .calls()
            .iter()
            .any(|c| c.service == "sts" && c.operation == "AssumeRole" && c.status == 403),
        "the role was asked of STS"
    );
    assert_dependents_skip(&report);
    assert_never_printed(&run, &[&moto.secret_access_key]);
}

#[test]
fn role_profile_with_mfa_serial_needs_a_code_the_doctor_never_asks_for() {
    let moto = testbed::Moto::shared();
    let bed = role_bed(
        "mfa_serial = arn:aws:iam::123456789012:mfa/dev-phone\n",
        &moto.access_key_id,
        &moto.secret_access_key,
    );
    let (run, report) = bed.report(&["--only", "credentials,identity"]);
    assert_credentials_fail(&run, &report, "mfa-required");
    let said = summary(&report, "credentials");
    assert_names(
        &said,
        &["arn:aws:iam::123456789012:mfa/dev-phone", &roles().role_arn],
    );
    assert!(
        fix(&report, "credentials")
            .contains("aws configure export-credentials --profile ops --format env"),
        "{report:#}"
    );
    assert_check(&report, "identity", "skip", None);
}

#[test]
fn role_profile_with_a_missing_source_profile_says_which() {
    let bed = bed_with_files(
        Some("ops"),
        "[profile ops]\nrole_arn = arn:aws:iam::123456789012:role/bedrock-doctor-ops\nsource_profile = bsae\n",
        "[base]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = x\n",
    );
    let (run, report) = bed.report(&[]);
    assert_credentials_fail(&run, &report, "source-profile-missing");
    let said = summary(&report, "credentials");
    assert_names(&said, &["`source_profile = bsae`", "does not exist"]);
    assert!(
        fix(&report, "credentials").contains("[profile ops]"),
        "{report:#}"
    );
    assert_dependents_skip(&report);
}

/// A web identity token as EKS projects it; expired in November 2023. The signature is fake.
const EXPIRED_JWT: &str = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJpc3MiOiJodHRwczovL29pZGMuZWtzLnVzLWVhc3QtMS5hbWF6b25hd3MuY29tL2lkL0VYQU1QTEVENTM5RDQ2MzNFNTNERTFCNzFFWEFNUExFIiwiYXVkIjoic3RzLmFtYXpvbmF3cy5jb20iLCJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6bWw6ZG9jdG9yIiwiZXhwIjoxNzAwMDAwMDAwfQ";

#[test]
fn web_identity_token_file_that_does_not_exist() {
    let mut bed = bed_with_files(None, "", "");
    let missing = bed
        .home
        .path()
        .join("eks.amazonaws.com/serviceaccount/token");
    bed.set("AWS_WEB_IDENTITY_TOKEN_FILE", missing.display().to_string())
        .set(
            "AWS_ROLE_ARN",
            "arn:aws:iam::123456789012:role/bedrock-doctor-ops",
        );
    let (run, report) = bed.report(&[]);
    assert_credentials_fail(&run, &report, "web-identity-token-invalid");
    let said = summary(&report, "credentials");
    assert!(
        said.contains(&missing.display().to_string())
            && said.contains("AWS_WEB_IDENTITY_TOKEN_FILE")
            && said.contains("does not exist"),
        "{said}"
    );
    assert_dependents_skip(&report);
}

#[test]
fn web_identity_token_that_expired_is_read_offline_and_never_printed() {
    let mut bed = bed_with_files(None, "", "");
    let token = format!("{EXPIRED_JWT}.c2lnbmF0dXJl{SECRET_SENTINEL_SUFFIX}");
    let file = write_file(&bed.home, "web-identity-token", &token);
    use_profile(
        &mut bed,
        "ml",
        &format!(
            "[profile ml]\nrole_arn = arn:aws:iam::123456789012:role/bedrock-doctor-ops\n\
             web_identity_token_file = {}\n",
            file.display()
        ),
    );
    let (run, report) = bed.report(&["--only", "credentials"]);
    assert_credentials_fail(&run, &report, "web-identity-token-invalid");
    let said = summary(&report, "credentials");
    assert_names(&said, &["expired", "2023-11-14T22:13:20Z", "profile `ml`"]);
    assert!(
        fix(&report, "credentials").contains("web_identity_token_file --profile ml"),
        "{report:#}"
    );
    // Neither the token nor its payload.
    assert_never_printed(&run, &[SECRET_SENTINEL_SUFFIX, &EXPIRED_JWT[40..90]]);
}

#[test]
fn root_credentials_warn_in_identity() {
    // moto's STS never names a root caller; the stub's does, for this scenario.
    let mut bed = Bed::new("root_credentials");
    let stub = bed.stub.url();
    bed.set("AWS_ENDPOINT_URL_STS", stub);
    let (run, report) = bed.report(&["--only", "credentials,identity"]);
    // A warning: exit 0 unless --fail-on warn.
    run.assert_code(0);
    assert_check(&report, "credentials", "pass", None);
    assert_check(&report, "identity", "warn", Some("root-credentials"));
    let said = summary(&report, "identity");
    assert_names(&said, &["arn:aws:iam::123456789012:root", "(root)"]);
    assert!(!fix(&report, "identity").is_empty(), "{report:#}");
}
