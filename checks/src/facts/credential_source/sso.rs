//! An IAM Identity Center profile (legacy `sso_start_url`, or `sso_session` naming an
//! `[sso-session]` section) and its cached token, judged as the SDK would judge it: missing,
//! unreadable, expired beyond refresh, or refused by the portal.

use super::{format_time, human, scrub, Failure, Source};
use crate::catalogue::dx;
use aws_config::profile::{Profile, ProfileSet};
use aws_smithy_types::date_time::{DateTime, Format};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// An IAM Identity Center profile: legacy (`sso_start_url` in the profile) or `sso_session`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sso {
    pub profile: String,
    pub session: Option<String>,
    pub start_url: Option<String>,
}

/// The source of a profile with IAM Identity Center settings; its start URL comes from the
/// `[sso-session]` section when it names one.
pub(super) fn resolve(set: &ProfileSet, profile: &Profile, session: Option<String>) -> Source {
    let name = profile.name();
    if let Some(session) = &session {
        if set.sso_session(session).is_none() {
            return Source::SsoSessionMissing {
                profile: name.into(),
                session: session.clone(),
            };
        }
    }
    let start_url = match &session {
        Some(s) => set
            .sso_session(s)
            .and_then(|s| s.get("sso_start_url"))
            .map(str::to_string),
        None => profile.get("sso_start_url").map(str::to_string),
    };
    Source::Sso(Sso {
        profile: name.into(),
        session,
        start_url,
    })
}

pub(super) fn session_missing(profile: &str, session: &str) -> Failure {
    Failure {
        code: dx::SSO_SESSION_MISSING,
        summary: format!(
            "profile `{profile}` names `sso_session = {session}`, and the config file has no \
             [sso-session {session}] section"
        ),
        detail: None,
    }
}

/// The token cache file of an IAM Identity Center session, as the SDK names it: the SHA-1 of the
/// session name (or, for a legacy profile, of the start URL), hex, `.json` (aws-config
/// `sso/cache.rs`, `cached_token_path`).
pub fn sso_cache_path(home: &str, key: &str) -> PathBuf {
    use sha1::{Digest, Sha1};
    Path::new(home)
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

impl Sso {
    fn token_state(&self, home: &str, now: SystemTime) -> Option<(TokenState, PathBuf)> {
        let key = self.session.as_ref().or(self.start_url.as_ref())?;
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
        // An sso-session token with a live client registration and a refresh token is refreshed by
        // the SDK (aws-config `sso/token.rs`); a legacy profile's token never is.
        let refreshable = self.session.is_some()
            && cached["refreshToken"].is_string()
            && cached["clientId"].is_string()
            && cached["clientSecret"].is_string()
            && time("registrationExpiresAt").is_some_and(|r| r > now);
        Some((TokenState::Expired { at, refreshable }, path))
    }

    /// The cached token is missing, unreadable or expired beyond the SDK's refresh.
    pub(super) fn token_problem(&self, home: Option<&str>, now: SystemTime) -> Option<Failure> {
        let (state, path) = self.token_state(home?, now)?;
        let summary = match state {
            TokenState::Missing => format!(
                "profile `{}` signs in through IAM Identity Center ({}), and no cached token exists \
                 for it: never logged in on this machine, or logged out; {} creates one",
                self.profile,
                self.what(),
                self.login()
            ),
            TokenState::NoExpiry => format!(
                "profile `{}` signs in through IAM Identity Center ({}), and its cached token has no \
                 readable expiry; {} replaces it",
                self.profile,
                self.what(),
                self.login()
            ),
            TokenState::Expired {
                at,
                refreshable: false,
            } => self.expired_at(at, now, ""),
            // The SDK refreshes it first; the chain's answer decides.
            TokenState::Expired { .. } | TokenState::Valid => return None,
        };
        Some(self.expired(summary, &path, None))
    }

    /// The chain failed for an IAM Identity Center profile: an expired token the SDK could not
    /// refresh, or a portal that no longer accepts the cached one (`UnauthorizedException`,
    /// "Session token not found or invalid").
    pub(super) fn chain_failure(
        &self,
        detail: &str,
        home: Option<&str>,
        now: SystemTime,
    ) -> Option<Failure> {
        let (state, path) = self.token_state(home?, now)?;
        let summary = match state {
            TokenState::Expired { at, .. } => {
                self.expired_at(at, now, ", and the SDK could not refresh it")
            }
            TokenState::Valid if detail.contains("UnauthorizedException") => format!(
                "IAM Identity Center no longer accepts the cached sign-in of {} (profile `{}`); {} \
                 replaces it",
                self.what(),
                self.profile,
                self.login()
            ),
            _ => return None,
        };
        Some(self.expired(summary, &path, Some(detail)))
    }

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

    fn expired(&self, summary: String, path: &Path, detail: Option<&str>) -> Failure {
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

#[cfg(test)]
mod tests {
    use super::super::tests::home;
    use super::*;
    use std::time::Duration;

    fn cache(home: &str, key: &str, json: serde_json::Value) {
        std::fs::write(sso_cache_path(home, key), json.to_string()).unwrap();
    }

    fn at(t: SystemTime) -> String {
        format_time(t)
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
        let missing = session.token_problem(Some(&home), now).unwrap();
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
        let expired = legacy.token_problem(Some(&home), now).unwrap();
        assert_eq!(expired.code, dx::EXPIRED_CREDENTIALS);
        assert!(
            expired.summary.contains("expired 60 min ago"),
            "{}",
            expired.summary
        );
        // An sso-session token with a live registration is the SDK's to refresh...
        cache(&home, "corp", refresh_fields(now - hour, now + hour));
        assert_eq!(session.token_problem(Some(&home), now), None);
        // ...and when the chain then fails, the expiry is the diagnosis.
        let failed = session
            .chain_failure("dispatch failure", Some(&home), now)
            .unwrap();
        assert!(
            failed.summary.contains("could not refresh it"),
            "{}",
            failed.summary
        );
        // A dead registration cannot refresh.
        cache(&home, "corp", refresh_fields(now - hour, now - hour));
        assert!(session.token_problem(Some(&home), now).is_some());
        // A live token is no problem, and the chain's failure is not the token's unless the
        // portal says so.
        cache(&home, "corp", refresh_fields(now + hour, now + hour));
        assert_eq!(session.token_problem(Some(&home), now), None);
        assert_eq!(
            session.chain_failure("dispatch failure", Some(&home), now),
            None
        );
        assert!(session
            .chain_failure(
                "UnauthorizedException: Session token not found or invalid",
                Some(&home),
                now
            )
            .is_some());
        std::fs::remove_dir_all(home).ok();
    }
}
