//! Where the selected profile's credentials come from, read from the shared config and credentials
//! files exactly as the SDK reads them (`aws_config::profile::load`: `AWS_CONFIG_FILE`,
//! `AWS_SHARED_CREDENTIALS_FILE`, the profile of `--profile` / `AWS_PROFILE`), and why that source
//! failed. A provider chain that yields nothing says only that it found nothing; the source says
//! what to do about it: log in again, fix a `credential_process`, let a role be assumed.
//!
//! The resolution follows aws-config's `profile/credentials/repr.rs` (`resolve_chain`): a profile
//! with `role_arn` (and no `web_identity_token_file`) is a role assumed from its `source_profile` or
//! `credential_source`; otherwise its base is, in order, `credential_source`, web identity, IAM
//! Identity Center, `credential_process`, static keys. A source profile with static keys uses them.

use crate::calls::CallError;
use crate::catalogue::dx;
use crate::{Evidence, Status};
use aws_config::profile::ProfileSet;
use aws_smithy_types::date_time::{DateTime, Format};
use std::time::{Duration, SystemTime};

/// The names `credential_source` may take (AWS SDKs and Tools reference guide, "Assume role
/// credential provider": https://docs.aws.amazon.com/sdkref/latest/guide/feature-assume-role-credentials.html).
const CREDENTIAL_SOURCES: &[&str] = &["Environment", "Ec2InstanceMetadata", "EcsContainer"];

/// Where the provider chain's credentials come from for the selected profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// `AWS_ACCESS_KEY_ID` is set: the chain's first link, whatever the profile says.
    Environment,
    Sso(Sso),
    /// The profile names an `sso_session` that has no `[sso-session NAME]` section.
    SsoSessionMissing {
        profile: String,
        session: String,
    },
    Process {
        profile: String,
    },
    Role(Box<Role>),
    WebIdentity(WebIdentity),
    StaticKeys {
        profile: String,
    },
    /// No profile credentials: later links of the chain (container, instance metadata) or nothing.
    Other,
}

/// An IAM Identity Center profile: legacy (`sso_start_url` in the profile) or `sso_session`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sso {
    pub profile: String,
    pub session: Option<String>,
    pub start_url: Option<String>,
}

/// A profile that assumes `role_arn` with the credentials of its source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    pub profile: String,
    pub role_arn: String,
    pub source_profile: Option<String>,
    pub credential_source: Option<String>,
    /// Set somewhere on the way to the base credentials (the SDK never prompts for the code).
    pub mfa_serial: Option<String>,
    /// The source's own source, or why there is none.
    pub base: Result<Box<Source>, String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebIdentity {
    /// `None` when it comes from `AWS_WEB_IDENTITY_TOKEN_FILE`.
    pub profile: Option<String>,
    pub token_file: String,
    pub role_arn: Option<String>,
}

/// The environment the resolution reads (the process environment in a run, a map in tests).
pub trait Env {
    fn var(&self, name: &str) -> Option<String>;
}

pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok().filter(|v| !v.is_empty())
    }
}

/// Reads the shared files as the SDK does and resolves the profile's source. Unreadable or
/// unparsable files resolve to [`Source::Other`]: the chain reports those itself.
pub async fn resolve(profile: &str) -> Source {
    let set = aws_config::profile::load(
        &aws_types::os_shim_internal::Fs::real(),
        &aws_types::os_shim_internal::Env::real(),
        &aws_runtime::env_config::file::EnvConfigFiles::default(),
        Some(profile.to_string().into()),
    )
    .await;
    match set {
        Ok(set) => resolve_in(&set, profile, &ProcessEnv),
        Err(_) => Source::Other,
    }
}

pub fn resolve_in(set: &ProfileSet, profile: &str, env: &dyn Env) -> Source {
    if env.var("AWS_ACCESS_KEY_ID").is_some() {
        return Source::Environment;
    }
    if let Some(source) = profile_source(set, profile, &mut Vec::new()) {
        return source;
    }
    // The chain's web-identity link reads these two variables after the profile link found nothing.
    match env.var("AWS_WEB_IDENTITY_TOKEN_FILE") {
        Some(token_file) => Source::WebIdentity(WebIdentity {
            profile: None,
            token_file,
            role_arn: env.var("AWS_ROLE_ARN"),
        }),
        None => Source::Other,
    }
}

/// The source of one profile of the chain, `None` when it has no credential settings at all.
fn profile_source(set: &ProfileSet, name: &str, visited: &mut Vec<String>) -> Option<Source> {
    let profile = set.get_profile(name)?;
    let get = |key: &str| profile.get(key).map(str::to_string);
    // After the first profile of a chain, static keys win over everything else (repr.rs).
    if !visited.is_empty() && get("aws_access_key_id").is_some() {
        return Some(Source::StaticKeys {
            profile: name.into(),
        });
    }
    visited.push(name.to_string());
    if let (Some(role_arn), None) = (get("role_arn"), get("web_identity_token_file")) {
        let base = role_base(set, name, visited);
        let inherited = match &base {
            Ok(source) => match source.as_ref() {
                Source::Role(role) => role.mfa_serial.clone(),
                _ => None,
            },
            Err(_) => None,
        };
        return Some(Source::Role(Box::new(Role {
            profile: name.into(),
            role_arn,
            source_profile: get("source_profile"),
            credential_source: get("credential_source"),
            mfa_serial: get("mfa_serial").or(inherited),
            base,
        })));
    }
    if get("credential_source").is_some() {
        return Some(Source::Other);
    }
    if let Some(token_file) = get("web_identity_token_file") {
        return Some(Source::WebIdentity(WebIdentity {
            profile: Some(name.into()),
            token_file,
            role_arn: get("role_arn"),
        }));
    }
    let session = get("sso_session");
    if session.is_some() || get("sso_start_url").is_some() || get("sso_account_id").is_some() {
        if let Some(session) = &session {
            if set.sso_session(session).is_none() {
                return Some(Source::SsoSessionMissing {
                    profile: name.into(),
                    session: session.clone(),
                });
            }
        }
        let start_url = match &session {
            Some(s) => set
                .sso_session(s)
                .and_then(|s| s.get("sso_start_url"))
                .map(str::to_string),
            None => get("sso_start_url"),
        };
        return Some(Source::Sso(Sso {
            profile: name.into(),
            session,
            start_url,
        }));
    }
    if get("credential_process").is_some() {
        return Some(Source::Process {
            profile: name.into(),
        });
    }
    get("aws_access_key_id").map(|_| Source::StaticKeys {
        profile: name.into(),
    })
}

fn role_base(
    set: &ProfileSet,
    name: &str,
    visited: &mut Vec<String>,
) -> Result<Box<Source>, String> {
    let profile = set.get_profile(name).ok_or("profile vanished")?;
    match (
        profile.get("source_profile"),
        profile.get("credential_source"),
    ) {
        (Some(_), Some(_)) => {
            Err("it sets both `source_profile` and `credential_source`; only one may be set".into())
        }
        (None, None) => Err("it sets neither `source_profile` nor `credential_source`".into()),
        (None, Some(source)) if CREDENTIAL_SOURCES.contains(&source) => Ok(Box::new(Source::Other)),
        (None, Some(source)) => Err(format!(
            "its `credential_source = {source}` is not one of {}",
            CREDENTIAL_SOURCES.join(", ")
        )),
        (Some(source), None) if source == name => Ok(Box::new(Source::StaticKeys {
            profile: name.into(),
        })),
        (Some(source), None) if visited.iter().any(|v| v == source) => Err(format!(
            "its `source_profile = {source}` leads back to a profile already in the chain ({})",
            visited.join(" → ")
        )),
        (Some(source), None) => match profile_source(set, source, visited) {
            Some(found) => Ok(Box::new(found)),
            None if set.get_profile(source).is_none() => Err(format!(
                "its `source_profile = {source}` names a profile that does not exist"
            )),
            None => Err(format!(
                "its `source_profile = {source}` names a profile with no credentials"
            )),
        },
    }
}

/// A failure of the chain, described: code, summary and the evidence's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub code: &'static str,
    pub summary: String,
    pub detail: Option<String>,
}

impl Failure {
    pub fn into_call_error(self) -> CallError {
        CallError {
            status: Status::Fail,
            diagnosis: self.code,
            summary: self.summary,
            evidence: Evidence {
                service: "credentials".into(),
                operation: "ProvideCredentials".into(),
                message: self.detail,
                ..Evidence::default()
            },
        }
    }
}

impl Source {
    /// What can be told broken without running the chain: the chain would fail (or, for MFA and
    /// an expired web-identity token, must not be trusted to say so) and the files say why.
    pub fn offline_problem(&self, home: Option<&str>, now: SystemTime) -> Option<Failure> {
        match self {
            Source::SsoSessionMissing { profile, session } => Some(Failure {
                code: dx::SSO_SESSION_MISSING,
                summary: format!(
                    "profile `{profile}` names `sso_session = {session}`, and the config file has no \
                     [sso-session {session}] section"
                ),
                detail: None,
            }),
            Source::Sso(sso) => sso_token_problem(sso, home, now),
            Source::Role(role) => role.offline_problem(home, now),
            Source::WebIdentity(web) => web.token_problem(now),
            _ => None,
        }
    }

    /// The diagnosis of a chain that failed, from the source and the chain's own account (`detail`,
    /// which may quote a process's stderr: it is scrubbed here).
    pub fn failure(&self, detail: &str, home: Option<&str>, now: SystemTime) -> Option<Failure> {
        match self {
            Source::Process { profile } => Some(process_failure(profile, detail)),
            Source::Role(role) => role.failure(detail, home, now),
            Source::Sso(sso) => sso_chain_failure(sso, detail, home, now),
            Source::WebIdentity(web) if detail.contains("AssumeRoleWithWebIdentity") => {
                Some(Failure {
                    code: dx::WEB_IDENTITY_TOKEN_INVALID,
                    summary: format!(
                        "STS refused the web identity token in {}{}",
                        web.token_file,
                        web.role_arn
                            .as_deref()
                            .map(|r| format!(" for role {r}"))
                            .unwrap_or_default()
                    ),
                    detail: Some(scrub(detail)),
                })
            }
            _ => None,
        }
    }

    /// How the source reads in a passing report, when it says more than the chain's own label.
    pub fn describe(&self) -> Option<String> {
        match self {
            Source::Role(role) => Some(format!(
                "role {} assumed by profile `{}` ({})",
                role.role_arn,
                role.profile,
                match (&role.source_profile, &role.credential_source) {
                    (Some(p), _) => format!("source profile `{p}`"),
                    (None, Some(s)) => format!("credential_source {s}"),
                    (None, None) => "no source".into(),
                }
            )),
            _ => None,
        }
    }
}

impl Role {
    fn offline_problem(&self, home: Option<&str>, now: SystemTime) -> Option<Failure> {
        let base = match &self.base {
            Ok(base) => base,
            Err(why) => {
                return Some(Failure {
                    code: dx::SOURCE_PROFILE_MISSING,
                    summary: format!(
                        "profile `{}` assumes {}, but {why}",
                        self.profile, self.role_arn
                    ),
                    detail: None,
                })
            }
        };
        if let Some(serial) = &self.mfa_serial {
            // The Rust SDK ignores mfa_serial and botocore prompts for the code; the doctor never
            // prompts, so it would call AssumeRole without the code the trust policy asks for.
            return Some(Failure {
                code: dx::MFA_REQUIRED,
                summary: format!(
                    "profile `{}` assumes {} with MFA device {serial}: the doctor does not prompt for \
                     a code",
                    self.profile, self.role_arn
                ),
                detail: None,
            });
        }
        base.offline_problem(home, now)
    }

    fn failure(&self, detail: &str, home: Option<&str>, now: SystemTime) -> Option<Failure> {
        if let Ok(base) = &self.base {
            if !detail.contains("AssumeRole") {
                if let Some(failure) = base.failure(detail, home, now) {
                    return Some(failure);
                }
            }
        }
        if !detail.contains("AccessDenied") && !detail.contains("not authorized") {
            return None;
        }
        let who = source_identity(detail).unwrap_or_else(|| match &self.source_profile {
            Some(p) => format!("the credentials of profile `{p}`"),
            None => format!(
                "the credentials of {}",
                self.credential_source.as_deref().unwrap_or("its source")
            ),
        });
        Some(Failure {
            code: dx::ASSUME_ROLE_DENIED,
            summary: format!(
                "STS refused AssumeRole of {} (profile `{}`) to {who}",
                self.role_arn, self.profile
            ),
            detail: Some(scrub(detail)),
        })
    }
}

/// The caller named by an AccessDenied message (`User: arn:… is not authorized to perform: …`).
fn source_identity(detail: &str) -> Option<String> {
    let start = detail.find("User: arn:")? + "User: ".len();
    let arn: String = detail[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    Some(arn)
}

/// The token cache file of an IAM Identity Center session, as the SDK names it: the SHA-1 of the
/// session name (or, for a legacy profile, of the start URL), hex, `.json` (aws-config
/// `sso/cache.rs`, `cached_token_path`).
pub fn sso_cache_path(home: &str, key: &str) -> std::path::PathBuf {
    use sha1::{Digest, Sha1};
    std::path::Path::new(home)
        .join(".aws")
        .join("sso")
        .join("cache")
        .join(format!(
            "{}.json",
            hex::encode(Sha1::digest(key.as_bytes()))
        ))
}

/// What the cache holds for an IAM Identity Center profile. The token itself is never kept.
enum TokenState {
    Missing,
    NoExpiry,
    Expired { at: SystemTime, refreshable: bool },
    Valid,
}

fn token_state(sso: &Sso, home: &str, now: SystemTime) -> Option<(TokenState, std::path::PathBuf)> {
    let key = sso.session.as_ref().or(sso.start_url.as_ref())?;
    let path = sso_cache_path(home, key);
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Some((TokenState::Missing, path));
    };
    let cached: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    let time = |field: &str| {
        cached[field]
            .as_str()
            .and_then(|s| DateTime::from_str(s, Format::DateTime).ok())
            .and_then(|d| SystemTime::try_from(d).ok())
    };
    let Some(at) = time("expiresAt") else {
        return Some((TokenState::NoExpiry, path));
    };
    if at > now {
        return Some((TokenState::Valid, path));
    }
    // An sso-session token with a live client registration and a refresh token is refreshed by the
    // SDK (aws-config `sso/token.rs`); a legacy profile's token never is.
    let refreshable = sso.session.is_some()
        && cached["refreshToken"].is_string()
        && cached["clientId"].is_string()
        && cached["clientSecret"].is_string()
        && time("registrationExpiresAt").is_some_and(|r| r > now);
    Some((TokenState::Expired { at, refreshable }, path))
}

impl Sso {
    fn what(&self) -> String {
        match (&self.session, &self.start_url) {
            (Some(session), _) => format!("session `{session}`"),
            (None, Some(url)) => format!("start URL {url}"),
            (None, None) => "no start URL".into(),
        }
    }

    fn login(&self) -> String {
        match &self.session {
            Some(session) => format!(
                "`aws sso login --profile {}` (or `aws sso login --sso-session {session}`)",
                self.profile
            ),
            None => format!("`aws sso login --profile {}`", self.profile),
        }
    }

    fn expired(&self, summary: String, path: &std::path::Path, detail: Option<&str>) -> Failure {
        let mut evidence = format!("token cache file: {}", path.display());
        if let Some(detail) = detail {
            evidence.push_str(&format!("; {}", scrub(detail)));
        }
        Failure {
            code: dx::EXPIRED_CREDENTIALS,
            summary,
            detail: Some(evidence),
        }
    }

    fn expired_at(&self, at: SystemTime, now: SystemTime, tail: &str) -> String {
        format!(
            "the IAM Identity Center token of {} (profile `{}`) expired {} ago, at {}{tail}; {} renews it",
            self.what(),
            self.profile,
            human(now.duration_since(at).unwrap_or_default()),
            format_time(at),
            self.login()
        )
    }
}

fn sso_token_problem(sso: &Sso, home: Option<&str>, now: SystemTime) -> Option<Failure> {
    let (state, path) = token_state(sso, home?, now)?;
    let summary = match state {
        TokenState::Missing => format!(
            "profile `{}` signs in through IAM Identity Center ({}), and no cached token exists for \
             it: never logged in on this machine, or logged out; {} creates one",
            sso.profile,
            sso.what(),
            sso.login()
        ),
        TokenState::NoExpiry => format!(
            "profile `{}` signs in through IAM Identity Center ({}), and its cached token has no \
             readable expiry; {} replaces it",
            sso.profile,
            sso.what(),
            sso.login()
        ),
        TokenState::Expired {
            at,
            refreshable: false,
        } => sso.expired_at(at, now, ""),
        // The SDK refreshes it first; the chain's answer decides.
        TokenState::Expired { .. } | TokenState::Valid => return None,
    };
    Some(sso.expired(summary, &path, None))
}

/// The chain failed for an IAM Identity Center profile: an expired token the SDK could not
/// refresh, or a portal that no longer accepts the cached one (`UnauthorizedException`, "Session
/// token not found or invalid").
fn sso_chain_failure(
    sso: &Sso,
    detail: &str,
    home: Option<&str>,
    now: SystemTime,
) -> Option<Failure> {
    let (state, path) = token_state(sso, home?, now)?;
    let summary = match state {
        TokenState::Expired { at, .. } => {
            sso.expired_at(at, now, ", and the SDK could not refresh it")
        }
        TokenState::Valid if detail.contains("UnauthorizedException") => format!(
            "IAM Identity Center no longer accepts the cached sign-in of {} (profile `{}`); {} \
             replaces it",
            sso.what(),
            sso.profile,
            sso.login()
        ),
        _ => return None,
    };
    Some(sso.expired(summary, &path, Some(detail)))
}

impl WebIdentity {
    fn token_problem(&self, now: SystemTime) -> Option<Failure> {
        let origin = match &self.profile {
            Some(p) => format!("`web_identity_token_file` of profile `{p}`"),
            None => "AWS_WEB_IDENTITY_TOKEN_FILE".into(),
        };
        let invalid = |summary: String| {
            Some(Failure {
                code: dx::WEB_IDENTITY_TOKEN_INVALID,
                summary,
                detail: None,
            })
        };
        let text = match std::fs::read_to_string(&self.token_file) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return invalid(format!(
                    "the web identity token file {} ({origin}) does not exist",
                    self.token_file
                ))
            }
            Err(e) => {
                return invalid(format!(
                    "the web identity token file {} ({origin}) cannot be read: {e}",
                    self.token_file
                ))
            }
        };
        if text.trim().is_empty() {
            return invalid(format!(
                "the web identity token file {} ({origin}) is empty",
                self.token_file
            ));
        }
        // Read offline and unverified, for its `exp` only; STS verifies the signature.
        let expiry = jwt_expiry(text.trim())?;
        let ago = now.duration_since(expiry).ok()?;
        invalid(format!(
            "the web identity token in {} ({origin}) expired {} ago, at {}",
            self.token_file,
            human(ago),
            format_time(expiry)
        ))
    }
}

/// The `exp` claim of a JWT (seconds since the epoch), decoded without verifying anything.
pub fn jwt_expiry(token: &str) -> Option<SystemTime> {
    use base64::Engine;
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let exp = claims["exp"].as_f64()?;
    (exp >= 0.0).then(|| SystemTime::UNIX_EPOCH + Duration::from_secs(exp as u64))
}

/// The longest stretch of a process's stderr a report quotes.
const STDERR_EXCERPT: usize = 300;

fn process_failure(profile: &str, detail: &str) -> Failure {
    // aws-config `credential_process.rs`: "Error retrieving credentials: external process exited
    // with code {status}. Stderr: {stderr}" and "… could not parse response: {error}".
    if let Some(at) = detail.find("exited with code ") {
        let rest = &detail[at + "exited with code ".len()..];
        let (status, stderr) = rest.split_once(". Stderr:").unwrap_or((rest, ""));
        let status = status.trim().trim_start_matches("exit status: ");
        let stderr = excerpt(&scrub(stderr.trim()));
        let said = if stderr.is_empty() {
            "and printed nothing on stderr".to_string()
        } else {
            format!("stderr: {stderr}")
        };
        return Failure {
            code: dx::CREDENTIAL_PROCESS_FAILED,
            summary: format!(
                "the credential_process of profile `{profile}` exited with status {status}; {said}"
            ),
            detail: Some(format!("exit status {status}; stderr: {stderr}")),
        };
    }
    let why = detail
        .split_once("could not parse response:")
        .map(|(_, why)| excerpt(&scrub(why.trim())));
    Failure {
        code: dx::CREDENTIAL_PROCESS_FAILED,
        summary: match &why {
            Some(why) => format!(
                "the credential_process of profile `{profile}` exited 0, but its output is not the \
                 credentials JSON the SDKs expect ({why})"
            ),
            None => format!(
                "the credential_process of profile `{profile}` failed: {}",
                excerpt(&scrub(detail))
            ),
        },
        detail: Some(excerpt(&scrub(detail))),
    }
}

/// `text` with what looks like a secret masked: access key ids (kept recognisable), `name=value`
/// pairs whose name says key, secret, token or password, and long base64-like runs (tokens, JWTs).
pub fn scrub(text: &str) -> String {
    use regex::Regex;
    use std::sync::OnceLock;
    static PATTERNS: OnceLock<[Regex; 3]> = OnceLock::new();
    let [pairs, key_ids, blobs] = PATTERNS.get_or_init(|| {
        [
            Regex::new(
                r#"(?i)((?:secret|token|password|passwd|credential|session|key)[\w-]*"?\s*[:=]\s*"?)([^\s"',;}]+)"#,
            )
            .expect("a valid pattern"),
            Regex::new(r"\b(AKIA|ASIA|AIDA|AROA)[A-Z0-9]{12,}\b").expect("a valid pattern"),
            Regex::new(r"[A-Za-z0-9+/=_.-]{32,}").expect("a valid pattern"),
        ]
    });
    // A value, not prose: `credentials: service error` must read as it was written.
    let text = pairs.replace_all(text, |c: &regex::Captures| {
        let value = &c[2];
        let secret_like = value.len() >= 8
            && (value.len() >= 16
                || value
                    .chars()
                    .any(|ch| ch.is_ascii_digit() || "/+=".contains(ch)));
        if secret_like {
            format!("{}<redacted>", &c[1])
        } else {
            c[0].to_string()
        }
    });
    let text = key_ids.replace_all(&text, |c: &regex::Captures| {
        crate::facts::mask_key_id(&c[0])
    });
    blobs.replace_all(&text, "<redacted>").into_owned()
}

fn excerpt(text: &str) -> String {
    let one_line = crate::calls::one_line(text);
    if one_line.chars().count() <= STDERR_EXCERPT {
        return one_line;
    }
    let cut: String = one_line.chars().take(STDERR_EXCERPT).collect();
    format!("{cut}…")
}

fn human(d: Duration) -> String {
    match d.as_secs() {
        s @ 0..=119 => format!("{s} s"),
        s @ 120..=7199 => format!("{} min", s / 60),
        s @ 7200..=172_799 => format!("{} h", s / 3600),
        s => format!("{} days", s / 86_400),
    }
}

fn format_time(t: SystemTime) -> String {
    DateTime::from(t)
        .fmt(Format::DateTime)
        .unwrap_or_else(|_| "an unreadable time".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    struct MapEnv(HashMap<&'static str, &'static str>);
    impl Env for MapEnv {
        fn var(&self, name: &str) -> Option<String> {
            self.0.get(name).map(|v| v.to_string())
        }
    }

    fn resolve_text(config: &str, profile: &str) -> Source {
        let fs = aws_types::os_shim_internal::Fs::from_slice(&[("/home/u/.aws/config", config)]);
        let env = aws_types::os_shim_internal::Env::from_slice(&[("HOME", "/home/u")]);
        let set = futures::executor::block_on(aws_config::profile::load(
            &fs,
            &env,
            &aws_runtime::env_config::file::EnvConfigFiles::default(),
            Some(profile.to_string().into()),
        ))
        .unwrap();
        resolve_in(&set, profile, &MapEnv(HashMap::new()))
    }

    #[test]
    fn resolves_each_kind_of_profile() {
        let config = "\
[profile legacy]\nsso_start_url = https://x.awsapps.com/start\nsso_region = us-east-1\nsso_account_id = 1\nsso_role_name = R\n\
[profile modern]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = R\n\
[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n\
[profile orphan]\nsso_session = gone\nsso_account_id = 1\nsso_role_name = R\n\
[profile proc]\ncredential_process = /bin/false\n\
[profile role]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = keys\nmfa_serial = arn:aws:iam::1:mfa/u\n\
[profile keys]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = s\n\
[profile lost]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = nowhere\n\
[profile both]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = keys\ncredential_source = Environment\n\
[profile odd]\nrole_arn = arn:aws:iam::1:role/r\ncredential_source = Laptop\n\
[profile web]\nrole_arn = arn:aws:iam::1:role/r\nweb_identity_token_file = /t\n";
        assert!(
            matches!(resolve_text(config, "legacy"), Source::Sso(s) if s.session.is_none() && s.start_url.as_deref() == Some("https://x.awsapps.com/start"))
        );
        assert!(
            matches!(resolve_text(config, "modern"), Source::Sso(s) if s.session.as_deref() == Some("corp") && s.start_url.as_deref() == Some("https://corp.awsapps.com/start"))
        );
        assert_eq!(
            resolve_text(config, "orphan"),
            Source::SsoSessionMissing {
                profile: "orphan".into(),
                session: "gone".into()
            }
        );
        assert_eq!(
            resolve_text(config, "proc"),
            Source::Process {
                profile: "proc".into()
            }
        );
        let Source::Role(role) = resolve_text(config, "role") else {
            panic!("a role profile")
        };
        assert_eq!(role.mfa_serial.as_deref(), Some("arn:aws:iam::1:mfa/u"));
        assert_eq!(
            role.base,
            Ok(Box::new(Source::StaticKeys {
                profile: "keys".into()
            }))
        );
        for (name, why) in [
            ("lost", "does not exist"),
            ("both", "both"),
            ("odd", "Laptop"),
        ] {
            let Source::Role(role) = resolve_text(config, name) else {
                panic!("{name} is a role profile")
            };
            assert!(
                role.base.as_ref().is_err_and(|e| e.contains(why)),
                "{name}: {:?}",
                role.base
            );
        }
        assert!(
            matches!(resolve_text(config, "web"), Source::WebIdentity(w) if w.token_file == "/t")
        );
        assert_eq!(resolve_text(config, "undefined"), Source::Other);
    }

    #[test]
    fn environment_keys_win_over_the_profile() {
        let set = futures::executor::block_on(aws_config::profile::load(
            &aws_types::os_shim_internal::Fs::from_slice(&[]),
            &aws_types::os_shim_internal::Env::from_slice(&[]),
            &aws_runtime::env_config::file::EnvConfigFiles::default(),
            None,
        ))
        .unwrap();
        let env = MapEnv(HashMap::from([("AWS_ACCESS_KEY_ID", "AKIA")]));
        assert_eq!(resolve_in(&set, "default", &env), Source::Environment);
    }

    #[test]
    fn names_the_cache_file_as_the_sdk_does() {
        // SHA-1 of `admin`, hex.
        let path = sso_cache_path("/home/u", "admin");
        assert_eq!(
            path.file_name().unwrap().to_str().unwrap(),
            "d033e22ae348aeb5660fc2140aec35850c4da997.json"
        );
    }

    /// A HOME of its own under the system's temporary directory.
    fn home(test: &str) -> String {
        let dir = std::env::temp_dir().join(format!("doctor-creds-{}-{test}", std::process::id()));
        std::fs::create_dir_all(dir.join(".aws/sso/cache")).unwrap();
        dir.display().to_string()
    }

    fn cache(home: &str, key: &str, json: serde_json::Value) {
        std::fs::write(sso_cache_path(home, key), json.to_string()).unwrap();
    }

    fn at(t: SystemTime) -> String {
        format_time(t)
    }

    #[test]
    fn judges_the_cached_sso_token_as_the_sdk_would() {
        let home = home("sso");
        let now = SystemTime::now();
        let hour = Duration::from_secs(3600);
        let legacy = Sso {
            profile: "legacy".into(),
            session: None,
            start_url: Some("https://x.awsapps.com/start".into()),
        };
        let session = Sso {
            profile: "dev".into(),
            session: Some("corp".into()),
            start_url: Some("https://corp.awsapps.com/start".into()),
        };
        // No cache file at all: never logged in.
        let missing = sso_token_problem(&session, Some(&home), now).unwrap();
        assert!(
            missing.summary.contains("no cached token"),
            "{}",
            missing.summary
        );
        // Expired legacy token: never refreshed, whatever the file holds.
        let refresh_fields = |expires: SystemTime, registration: SystemTime| {
            serde_json::json!({"accessToken": "t", "expiresAt": at(expires), "refreshToken": "r",
                "clientId": "c", "clientSecret": "s", "registrationExpiresAt": at(registration)})
        };
        cache(
            &home,
            "https://x.awsapps.com/start",
            refresh_fields(now - hour, now + hour),
        );
        let expired = sso_token_problem(&legacy, Some(&home), now).unwrap();
        assert_eq!(expired.code, dx::EXPIRED_CREDENTIALS);
        assert!(
            expired.summary.contains("expired 60 min ago"),
            "{}",
            expired.summary
        );
        // An sso-session token with a live registration is the SDK's to refresh...
        cache(&home, "corp", refresh_fields(now - hour, now + hour));
        assert_eq!(sso_token_problem(&session, Some(&home), now), None);
        // ...and when the chain then fails, the expiry is the diagnosis.
        let failed = sso_chain_failure(&session, "dispatch failure", Some(&home), now).unwrap();
        assert!(
            failed.summary.contains("could not refresh it"),
            "{}",
            failed.summary
        );
        // A dead registration cannot refresh.
        cache(&home, "corp", refresh_fields(now - hour, now - hour));
        assert!(sso_token_problem(&session, Some(&home), now).is_some());
        // A live token is no problem, and the chain's failure is not the token's unless the
        // portal says so.
        cache(&home, "corp", refresh_fields(now + hour, now + hour));
        assert_eq!(sso_token_problem(&session, Some(&home), now), None);
        assert_eq!(
            sso_chain_failure(&session, "dispatch failure", Some(&home), now),
            None
        );
        assert!(sso_chain_failure(
            &session,
            "UnauthorizedException: Session token not found or invalid",
            Some(&home),
            now
        )
        .is_some());
        std::fs::remove_dir_all(home).ok();
    }

    #[test]
    fn judges_the_web_identity_token_file() {
        use base64::Engine;
        let home = home("web");
        let now = SystemTime::now();
        let jwt = |exp: SystemTime| {
            let secs = exp
                .duration_since(SystemTime::UNIX_EPOCH)
                .unwrap()
                .as_secs();
            let claims = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(format!(r#"{{"exp":{secs}}}"#));
            format!("eyJhbGciOiJSUzI1NiJ9.{claims}.sig")
        };
        let web = |file: &str| WebIdentity {
            profile: None,
            token_file: format!("{home}/{file}"),
            role_arn: None,
        };
        let missing = web("absent").token_problem(now).unwrap();
        assert!(
            missing.summary.contains("does not exist"),
            "{}",
            missing.summary
        );
        std::fs::write(format!("{home}/empty"), "\n").unwrap();
        assert!(web("empty")
            .token_problem(now)
            .unwrap()
            .summary
            .contains("is empty"));
        std::fs::write(format!("{home}/old"), jwt(now - Duration::from_secs(7200))).unwrap();
        let old = web("old").token_problem(now).unwrap();
        assert!(old.summary.contains("expired 2 h ago"), "{}", old.summary);
        std::fs::write(format!("{home}/fresh"), jwt(now + Duration::from_secs(600))).unwrap();
        assert_eq!(web("fresh").token_problem(now), None);
        std::fs::remove_dir_all(home).ok();
    }

    #[test]
    fn reads_a_jwt_expiry_offline() {
        use base64::Engine;
        let claims = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(r#"{"exp":1000}"#);
        let expiry = jwt_expiry(&format!("eyJhbGciOiJSUzI1NiJ9.{claims}.sig")).unwrap();
        assert_eq!(expiry, SystemTime::UNIX_EPOCH + Duration::from_secs(1000));
        assert_eq!(jwt_expiry("not-a-jwt"), None);
    }

    #[test]
    fn scrubs_secrets_from_process_output() {
        let text = "login failed: aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY \
                    token: IQoJb3JpZ2luX2VjEXAMPLETOKENabcdefghijklmnop key AKIAIOSFODNN7EXAMPLE";
        let out = scrub(text);
        assert!(!out.contains("wJalrXUtnFEMI"), "{out}");
        assert!(!out.contains("IQoJb3JpZ2lu"), "{out}");
        assert!(out.contains("AKIA************MPLE"), "{out}");
        assert!(out.starts_with("login failed:"), "{out}");
        let prose = "an error occurred while loading credentials: service error";
        assert_eq!(scrub(prose), prose);
    }

    #[test]
    fn a_failed_process_names_its_status_and_stderr() {
        let failure = process_failure(
            "dev",
            "Error retrieving credentials: external process exited with code exit status: 3. \
             Stderr: vault sealed",
        );
        assert_eq!(failure.code, dx::CREDENTIAL_PROCESS_FAILED);
        assert!(
            failure
                .summary
                .contains("exited with status 3; stderr: vault sealed"),
            "{}",
            failure.summary
        );
    }

    #[test]
    fn a_denial_names_the_role_and_the_caller() {
        let role = Role {
            profile: "ops".into(),
            role_arn: "arn:aws:iam::1:role/r".into(),
            source_profile: Some("keys".into()),
            credential_source: None,
            mfa_serial: None,
            base: Ok(Box::new(Source::StaticKeys {
                profile: "keys".into(),
            })),
        };
        let failure = role
            .failure(
                "service error: AccessDenied: User: arn:aws:iam::1:user/u is not authorized to perform: sts:AssumeRole",
                None,
                SystemTime::now(),
            )
            .unwrap();
        assert_eq!(failure.code, dx::ASSUME_ROLE_DENIED);
        assert!(
            failure.summary.contains("arn:aws:iam::1:role/r")
                && failure.summary.contains("arn:aws:iam::1:user/u"),
            "{}",
            failure.summary
        );
    }
}
