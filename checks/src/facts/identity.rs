//! Who the caller is: `sts:GetCallerIdentity`, once per run.

use super::{FactError, Facts};
use crate::calls::CallSite;
use crate::Evidence;

/// Who the caller is, per `sts:GetCallerIdentity`.
#[derive(Debug, Clone)]
pub struct Identity {
    pub account_id: String,
    pub arn: String,
    pub user_id: String,
    pub evidence: Evidence,
}
impl Facts {
    pub async fn caller_identity(&self) -> Result<Identity, FactError> {
        self.shared
            .identity
            .get_or_init(|| self.load_identity())
            .await
            .clone()
    }

    async fn load_identity(&self) -> Result<Identity, FactError> {
        self.sigv4_ready("sts GetCallerIdentity").await?;
        // Made once per run, by whichever region asks first, always with the first region's
        // STS client: the evidence names the region the call went to.
        let site = CallSite {
            service: "sts",
            operation: "GetCallerIdentity",
            region: self.sts.config().region().map(|r| r.as_ref()),
        };
        let observed = self
            .call(
                site,
                |rec| {
                    self.sts
                        .get_caller_identity()
                        .customize()
                        .interceptor(rec)
                        .send()
                },
                |o| {
                    use aws_sdk_sts::operation::RequestId;
                    o.request_id().map(str::to_string)
                },
            )
            .await;
        let evidence = observed.evidence;
        let output = observed.result.map_err(FactError::Call)?;
        Ok(Identity {
            account_id: output.account().unwrap_or_default().to_string(),
            arn: output.arn().unwrap_or_default().to_string(),
            user_id: output.user_id().unwrap_or_default().to_string(),
            evidence,
        })
    }
}
