//! A profile that assumes a role: where its base credentials come from (`source_profile` or
//! `credential_source`), an MFA device the doctor cannot answer for, and an AssumeRole STS refused.

use super::{profile_source, scrub, Failure, Source};
use crate::access_denied;
use crate::catalogue::dx;
use aws_config::profile::{Profile, ProfileSet};
use std::time::SystemTime;

/// The names `credential_source` may take (AWS SDKs and Tools reference guide, "Assume role
/// credential provider": https://docs.aws.amazon.com/sdkref/latest/guide/feature-assume-role-credentials.html).
const CREDENTIAL_SOURCES: &[&str] = &["Environment", "Ec2InstanceMetadata", "EcsContainer"];

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

/// The role `profile` assumes, with its base resolved through the rest of the chain.
pub(super) fn resolve(
    set: &ProfileSet,
    profile: &Profile,
    role_arn: String,
    visited: &mut Vec<String>,
) -> Source {
    let get = |key: &str| profile.get(key).map(str::to_string);
    let base = role_base(set, profile, visited);
    // An MFA device set further down the chain still guards this role's credentials.
    let inherited = match &base {
        Ok(source) => match source.as_ref() {
            Source::Role(role) => role.mfa_serial.clone(),
            _ => None,
        },
        Err(_) => None,
    };
    Source::Role(Box::new(Role {
        profile: profile.name().into(),
        role_arn,
        source_profile: get("source_profile"),
        credential_source: get("credential_source"),
        mfa_serial: get("mfa_serial").or(inherited),
        base,
    }))
}

fn role_base(
    set: &ProfileSet,
    profile: &Profile,
    visited: &mut Vec<String>,
) -> Result<Box<Source>, String> {
    let name = profile.name();
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

impl Role {
    pub(super) fn offline_problem(&self, home: Option<&str>, now: SystemTime) -> Option<Failure> {
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

    /// The base source, when the chain failed before AssumeRole (the error does not name it): the
    /// failure is then the base's own.
    pub(super) fn failed_base(&self, detail: &str) -> Option<&Source> {
        let base = self.base.as_deref().ok()?;
        (!detail.contains("AssumeRole")).then_some(base)
    }

    /// STS refused the AssumeRole: who asked, for which role.
    pub(super) fn chain_failure(&self, detail: &str) -> Option<Failure> {
        if !detail.contains("AccessDenied") && !detail.contains("not authorized") {
            return None;
        }
        let who = denied_caller(detail).unwrap_or_else(|| match &self.source_profile {
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

    pub(super) fn describe(&self) -> String {
        format!(
            "role {} assumed by profile `{}` ({})",
            self.role_arn,
            self.profile,
            match (&self.source_profile, &self.credential_source) {
                (Some(p), _) => format!("source profile `{p}`"),
                (None, Some(s)) => format!("credential_source {s}"),
                (None, None) => "no source".into(),
            }
        )
    }
}

/// The caller named by an AccessDenied message (`User: arn:… is not authorized to perform: …`),
/// when it is an ARN: a masked name (`User: xxx`) says less than the profile the caller came from.
fn denied_caller(detail: &str) -> Option<String> {
    access_denied::parse(detail)
        .principal
        .filter(|p| p.starts_with("arn:"))
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let failure = Source::Role(Box::new(role))
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
