//! Web identity (`web_identity_token_file` in a profile, or `AWS_WEB_IDENTITY_TOKEN_FILE`): a token
//! file that is missing, empty or past its `exp`, and a token STS refused.

use super::{format_time, human, scrub, Failure};
use crate::catalogue::dx;
use std::time::{Duration, SystemTime};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebIdentity {
    /// `None` when it comes from `AWS_WEB_IDENTITY_TOKEN_FILE`.
    pub profile: Option<String>,
    pub token_file: String,
    pub role_arn: Option<String>,
}

impl WebIdentity {
    pub(super) fn token_problem(&self, now: SystemTime) -> Option<Failure> {
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

    /// The chain failed in `AssumeRoleWithWebIdentity`: STS refused the token.
    pub(super) fn chain_failure(&self, detail: &str) -> Option<Failure> {
        if !detail.contains("AssumeRoleWithWebIdentity") {
            return None;
        }
        Some(Failure {
            code: dx::WEB_IDENTITY_TOKEN_INVALID,
            summary: format!(
                "STS refused the web identity token in {}{}",
                self.token_file,
                self.role_arn
                    .as_deref()
                    .map(|r| format!(" for role {r}"))
                    .unwrap_or_default()
            ),
            detail: Some(scrub(detail)),
        })
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

#[cfg(test)]
mod tests {
    use super::super::tests::home;
    use super::*;

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
}
