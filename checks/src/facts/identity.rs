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
    /// `sts:GetCallerIdentity`, made once per run by whichever region asks first, always with the
    /// first region's STS client: the evidence names the region the call went to.
    pub async fn caller_identity(&self) -> Result<Identity, FactError> {
        let ask = || async {
            self.sigv4_ready("sts GetCallerIdentity").await?;
            let region = self.sts.config().region().map(|r| r.as_ref());
            let site = CallSite::new("sts", "GetCallerIdentity", region);
            let request = self.sts.get_caller_identity();
            let (output, evidence) = self
                .fetch(site, |rec| request.customize().interceptor(rec).send())
                .await?;
            Ok(Identity {
                account_id: output.account().unwrap_or_default().to_string(),
                arn: output.arn().unwrap_or_default().to_string(),
                user_id: output.user_id().unwrap_or_default().to_string(),
                evidence,
            })
        };
        self.shared.identity.get_or_init(ask).await.clone()
    }
}
