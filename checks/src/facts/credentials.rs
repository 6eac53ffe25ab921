//! The credentials the provider chain resolves, once per run, described without the secret.

use super::{credential_source, FactError, Facts};
use crate::calls::CallError;
use crate::catalogue::dx;
use crate::Evidence;
use aws_credential_types::credential_feature::AwsCredentialFeature;
use aws_credential_types::provider::error::CredentialsError;
use std::time::{Instant, SystemTime};

/// The credentials the provider chain produced, without the secret.
#[derive(Debug, Clone)]
pub struct CredentialsFact {
    pub access_key_id_masked: String,
    pub temporary: bool,
    pub source: String,
    pub expiry: Option<SystemTime>,
}

impl Facts {
    pub async fn credentials(&self) -> Result<CredentialsFact, FactError> {
        let ask = || async {
            use aws_credential_types::provider::ProvideCredentials;
            if let Some(given) = &self.settings.given.credentials {
                return Ok(CredentialsFact {
                    access_key_id_masked: mask_key_id(&given.access_key_id),
                    temporary: given.session_token.is_some(),
                    source: given.source.clone(),
                    expiry: given.expiry,
                });
            }
            let Some(provider) = self.sdk.credentials_provider() else {
                return Err(no_credentials(
                    "no credentials provider is configured".into(),
                ));
            };
            // The chain says only that it found nothing; the profile's own settings say why.
            let source = credential_source::resolve(&self.profile_name).await;
            let home = std::env::var("HOME").ok();
            if let Some(problem) = source.offline_problem(home.as_deref(), SystemTime::now()) {
                return Err(FactError::Call(problem.into_call_error()));
            }
            let started = Instant::now();
            let creds = match tokio::time::timeout(
                self.settings.call_timeout,
                provider.provide_credentials(),
            )
            .await
            {
                Ok(Ok(creds)) => creds,
                Ok(Err(err)) => {
                    let detail = describe_credentials_error(&err);
                    return Err(
                        match source.failure(&detail, home.as_deref(), SystemTime::now()) {
                            Some(failure) => FactError::Call(failure.into_call_error()),
                            // A process's stderr can reach the chain's account through any link.
                            None => no_credentials(credential_source::scrub(&detail)),
                        },
                    );
                }
                Err(_) => {
                    return Err(FactError::Call(CallError {
                        status: crate::Status::Error,
                        diagnosis: dx::TIMEOUT,
                        summary: format!(
                            "the credential provider chain gave no answer within {} s",
                            started.elapsed().as_secs()
                        ),
                        evidence: Evidence::default(),
                    }))
                }
            };
            let features = creds
                .get_property::<Vec<AwsCredentialFeature>>()
                .cloned()
                .unwrap_or_default();
            Ok(CredentialsFact {
                access_key_id_masked: mask_key_id(creds.access_key_id()),
                temporary: creds.session_token().is_some()
                    || creds.access_key_id().starts_with("ASIA"),
                source: source
                    .describe()
                    .unwrap_or_else(|| describe_source(&features, &self.profile_name)),
                expiry: creds.expiry(),
            })
        };
        self.shared.credentials.get_or_init(ask).await.clone()
    }
}

/// The chain's full account goes to the evidence; the summary names what was tried.
fn no_credentials(detail: String) -> FactError {
    let tried: Vec<&str> = [
        "Environment",
        "Profile",
        "WebIdentityToken",
        "EcsContainer",
        "Ec2InstanceMetadata",
    ]
    .into_iter()
    .filter(|name| detail.contains(&format!("{name}:")))
    .collect();
    let summary = if tried.is_empty() {
        format!("no credentials found: {detail}")
    } else {
        format!(
            "no credentials found; the provider chain tried {}",
            tried.join(", ")
        )
    };
    FactError::Call(CallError {
        status: crate::Status::Fail,
        diagnosis: dx::NO_CREDENTIALS,
        summary,
        evidence: Evidence {
            service: "credentials".into(),
            operation: "ProvideCredentials".into(),
            message: Some(detail),
            ..Evidence::default()
        },
    })
}
/// The provider chain's own account of what it tried, on one line. It names providers and files,
/// never secret values.
fn describe_credentials_error(err: &CredentialsError) -> String {
    crate::calls::display_chain(err)
}

/// `AKIAIOSFODNN7EXAMPLE` → `AKIA************MPLE`: enough to tell two keys apart, too little to use.
pub fn mask_key_id(key_id: &str) -> String {
    let chars: Vec<char> = key_id.chars().collect();
    if chars.len() <= 8 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 8))
}

fn describe_source(features: &[AwsCredentialFeature], profile: &str) -> String {
    use AwsCredentialFeature as F;
    let has = |f: F| features.contains(&f);
    if has(F::CredentialsEnvVars) {
        "environment variables (AWS_ACCESS_KEY_ID)".into()
    } else if has(F::CredentialsSso) || has(F::CredentialsProfileSso) {
        format!("SSO via profile `{profile}`")
    } else if has(F::CredentialsProcess) || has(F::CredentialsProfileProcess) {
        format!("credential_process of profile `{profile}`")
    } else if has(F::CredentialsStsAssumeRoleWebId) || has(F::CredentialsEnvVarsStsWebIdToken) {
        "web identity token (AWS_WEB_IDENTITY_TOKEN_FILE)".into()
    } else if has(F::CredentialsStsAssumeRole) || has(F::CredentialsProfileSourceProfile) {
        format!("assumed role of profile `{profile}`")
    } else if has(F::CredentialsHttp) {
        "container credentials (ECS / EKS Pod Identity)".into()
    } else if has(F::CredentialsImds) {
        "EC2 instance metadata (instance profile)".into()
    } else if has(F::CredentialsProfile) {
        format!("shared credentials file, profile `{profile}`")
    } else if has(F::CredentialsProfileLogin) || has(F::CredentialsLogin) {
        format!("console login session of profile `{profile}`")
    } else {
        "the default provider chain".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_all_but_the_ends_of_a_key_id() {
        assert_eq!(mask_key_id("AKIAIOSFODNN7EXAMPLE"), "AKIA************MPLE");
        assert_eq!(mask_key_id("short"), "*****");
    }

    #[test]
    fn names_the_credential_source() {
        assert!(
            describe_source(&[AwsCredentialFeature::CredentialsEnvVars], "default")
                .contains("environment")
        );
        assert!(
            describe_source(&[AwsCredentialFeature::CredentialsProfile], "dev").contains("`dev`")
        );
        assert!(
            describe_source(&[AwsCredentialFeature::CredentialsImds], "default")
                .contains("instance metadata")
        );
    }
}
