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
//!
//! This module reads the profile and dispatches; each kind of source judges its own failures:
//! `sso` (token caches), `process` (`credential_process`), `role` (assume-role, MFA,
//! `source_profile`), `web_identity` (token file); `scrub` masks what they quote.

mod process;
mod role;
mod scrub;
mod sso;
mod web_identity;

pub use role::Role;
pub use scrub::scrub;
pub use sso::{sso_cache_path, Sso};
pub use web_identity::{jwt_expiry, WebIdentity};

use crate::calls::CallError;
use crate::{Evidence, Status};
use aws_config::profile::ProfileSet;
use aws_smithy_types::date_time::{DateTime, Format};
use std::time::{Duration, SystemTime};

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
/// `visited` holds the profiles already on the way here, so a `source_profile` loop is caught.
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
        return Some(role::resolve(set, profile, role_arn, visited));
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
        return Some(sso::resolve(set, profile, session));
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
            Source::SsoSessionMissing { profile, session } => {
                Some(sso::session_missing(profile, session))
            }
            Source::Sso(sso) => sso.token_problem(home, now),
            Source::Role(role) => role.offline_problem(home, now),
            Source::WebIdentity(web) => web.token_problem(now),
            _ => None,
        }
    }

    /// The diagnosis of a chain that failed, from the source and the chain's own account (`detail`,
    /// which may quote a process's stderr: it is scrubbed here).
    pub fn failure(&self, detail: &str, home: Option<&str>, now: SystemTime) -> Option<Failure> {
        match self {
            Source::Process { profile } => Some(process::failure(profile, detail)),
            // A role's chain fails in its base source or at AssumeRole.
            Source::Role(role) => role
                .failed_base(detail)
                .and_then(|base| base.failure(detail, home, now))
                .or_else(|| role.chain_failure(detail)),
            Source::Sso(sso) => sso.chain_failure(detail, home, now),
            Source::WebIdentity(web) => web.chain_failure(detail),
            _ => None,
        }
    }

    /// How the source reads in a passing report, when it says more than the chain's own label.
    pub fn describe(&self) -> Option<String> {
        match self {
            Source::Role(role) => Some(role.describe()),
            _ => None,
        }
    }
}

/// A duration as a report reads it: seconds, minutes, hours or days, whichever stays short.
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

    /// A HOME of its own under the system's temporary directory.
    pub(super) fn home(test: &str) -> String {
        let dir = std::env::temp_dir().join(format!("doctor-creds-{}-{test}", std::process::id()));
        std::fs::create_dir_all(dir.join(".aws/sso/cache")).unwrap();
        dir.display().to_string()
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
}
