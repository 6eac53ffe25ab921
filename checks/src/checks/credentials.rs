//! The AWS provider chain must yield credentials before anything else can be asked of AWS.

use crate::{dx, Category, Check, CheckMeta, Facts, Report};
use futures::future::BoxFuture;
use std::time::SystemTime;

/// **Inspects:** what the standard provider chain (environment, shared config and credentials files,
/// SSO, credential_process, web identity, container, instance metadata) yields for the selected profile.
/// **Calls:** nothing on AWS, except what the chain itself needs (SSO, STS for assumed roles, IMDS).
/// **Reports:** the source, the masked access key id, long-term (`AKIA`) or temporary (`ASIA`), expiry.
/// **False positives:** credentials that load can still be rejected by AWS; `identity` proves them.
pub struct Credentials;

static META: CheckMeta = CheckMeta {
    id: "credentials",
    title: "Credentials",
    category: Category::Credentials,
    per_model: false,
    per_region: false,
    description: "The AWS provider chain yields credentials; their source, kind and expiry.",
    calls: &[],
};

impl Check for Credentials {
    fn meta(&self) -> &'static CheckMeta {
        &META
    }

    fn run<'a>(&'a self, facts: &'a Facts) -> BoxFuture<'a, Report> {
        Box::pin(async move {
            let creds = match facts.credentials().await {
                Ok(creds) => creds,
                Err(err) => return err.to_report().var("profile", facts.profile_name()),
            };
            let kind = if creds.temporary {
                "temporary"
            } else {
                "long-term"
            };
            let base = format!(
                "{} ({kind}) from {}",
                creds.access_key_id_masked, creds.source
            );
            match creds.expiry.map(|e| e.duration_since(SystemTime::now())) {
                Some(Err(expired)) => Report::fail(
                    dx::EXPIRED_CREDENTIALS,
                    format!(
                        "{base} expired {} ago",
                        human_duration(expired.duration().as_secs())
                    ),
                )
                .var("profile", facts.profile_name()),
                Some(Ok(left)) => Report::pass(format!(
                    "{base}, expires in {}",
                    human_duration(left.as_secs())
                )),
                None => Report::pass(base),
            }
        })
    }
}

fn human_duration(secs: u64) -> String {
    match secs {
        0..=119 => format!("{secs} s"),
        120..=7199 => format!("{} min", secs / 60),
        _ => format!("{} h", secs / 3600),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::test_support::facts_with_credentials;
    use crate::Status;
    use aws_credential_types::Credentials as Creds;
    use std::time::Duration;

    #[tokio::test]
    async fn passes_with_long_term_keys_and_masks_them() {
        let facts = facts_with_credentials(Some(Creds::new(
            "AKIAIOSFODNN7EXAMPLE",
            "secret-sentinel",
            None,
            None,
            "test",
        )));
        let report = Credentials.run(&facts).await;
        assert_eq!(report.status, Status::Pass);
        assert!(
            report.summary.contains("AKIA************MPLE (long-term)"),
            "{}",
            report.summary
        );
        assert!(!report.summary.contains("secret-sentinel"));
    }

    #[tokio::test]
    async fn fails_when_the_session_has_expired() {
        let expired = SystemTime::now() - Duration::from_secs(600);
        let creds = Creds::new(
            "ASIAIOSFODNN7EXAMPLE",
            "s",
            Some("token".into()),
            Some(expired),
            "test",
        );
        let report = Credentials.run(&facts_with_credentials(Some(creds))).await;
        assert_eq!(
            (report.status, report.diagnosis),
            (Status::Fail, Some(dx::EXPIRED_CREDENTIALS))
        );
        assert!(
            report.summary.contains("(temporary)") && report.summary.contains("10 min ago"),
            "{}",
            report.summary
        );
    }

    #[tokio::test]
    async fn fails_without_credentials() {
        let report = Credentials.run(&facts_with_credentials(None)).await;
        assert_eq!(
            (report.status, report.diagnosis),
            (Status::Fail, Some(dx::NO_CREDENTIALS))
        );
    }
}
