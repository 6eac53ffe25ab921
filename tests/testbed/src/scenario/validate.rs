//! The rules a scenario file must follow beyond its shape: quota codes that exist, keys Bedrock
//! could issue, a rate limit that allows something, and overrides that make sense (a known
//! operation, a public source for an error, a fault that fits the operation).

use super::{is_stream_operation, Fault, Scenario};

impl Scenario {
    pub(super) fn validate(&self) -> Result<(), String> {
        if self.credentials.is_empty() {
            return Err("[credentials] must list at least one key".into());
        }
        for (i, q) in self.quotas.iter().enumerate() {
            let at = format!("quota #{} ({})", i + 1, q.code);
            if !crate::catalog::service_quotas()
                .iter()
                .any(|known| known["code"] == q.code.as_str())
            {
                return Err(format!(
                    "{at}: not a quota code of data/service_quotas.json"
                ));
            }
            if q.applied.is_some_and(|v| !(0.0..=1e10).contains(&v)) {
                return Err(format!(
                    "{at}: `applied` must be between 0 and 10,000,000,000 (QuotaValue)"
                ));
            }
            if let Some(reason) = &q.error_reason {
                if !crate::quotas::ERROR_CODES.contains(&reason.as_str()) {
                    return Err(format!(
                        "{at}: `error_reason` must be one of {:?}",
                        crate::quotas::ERROR_CODES
                    ));
                }
            }
            if !q.listed && (q.applied.is_some() || q.error_reason.is_some()) {
                return Err(format!(
                    "{at}: an unlisted quota has no applied value nor error"
                ));
            }
        }
        for (i, k) in self.api_keys.iter().enumerate() {
            let prefixed = [
                crate::api_key::SHORT_TERM_PREFIX,
                crate::api_key::LONG_TERM_PREFIX,
            ]
            .iter()
            .any(|p| k.key.len() > p.len() && k.key.starts_with(p));
            if !prefixed {
                return Err(format!(
                    "api_key #{}: a key starts with `bedrock-api-key-` or `ABSK` (others are never accepted)",
                    i + 1
                ));
            }
        }
        for account in self.accounts.keys() {
            if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!(
                    "[accounts.\"{account}\"]: an account id is 12 digits"
                ));
            }
        }
        for (action, decision) in &self.iam_decisions {
            if !super::IAM_DECISIONS.contains(&decision.as_str()) {
                return Err(format!(
                    "[iam_decisions] {action}: a decision is one of {:?}",
                    super::IAM_DECISIONS
                ));
            }
        }
        if let Some(limit) = &self.rate_limit {
            if !(limit.requests_per_second.is_finite() && limit.requests_per_second > 0.0) {
                return Err("[rate_limit] requests_per_second must be a positive number".into());
            }
            if limit.burst == 0 {
                return Err("[rate_limit] burst must be at least 1".into());
            }
        }
        for (i, o) in self.overrides.iter().enumerate() {
            let at = format!("override #{} ({})", i + 1, o.operation);
            // The JSON 1.1 services: Service Quotas and CloudTrail (every operation has a body).
            let quotas = crate::quotas::OPERATIONS.contains(&o.operation.as_str())
                || crate::cloudtrail::OPERATIONS.contains(&o.operation.as_str());
            if !quotas
                && !crate::router::ROUTES
                    .iter()
                    .any(|r| r.operation == o.operation)
            {
                return Err(format!("{at}: unknown operation"));
            }
            // `hang` and `reset` send nothing, so the other keys are moot and checked as usual.
            if let Some(fault) = o.fault.filter(|f| !matches!(f, Fault::Hang | Fault::Reset)) {
                if fault.stream_only() && !is_stream_operation(&o.operation) {
                    return Err(format!("{at}: fault {fault:?} needs a stream operation"));
                }
                if o.body.is_some() {
                    return Err(format!("{at}: a fault sends its own body"));
                }
                let status_ok = match fault {
                    Fault::UnmodelledError => o.status.is_none_or(|s| s >= 400),
                    Fault::Status5xx => o.status.is_none_or(|s| s >= 500),
                    _ => o.status.is_none(),
                };
                if !status_ok {
                    return Err(format!(
                        "{at}: status {:?} does not fit fault {fault:?}",
                        o.status
                    ));
                }
                if o.error_type.is_some() && fault != Fault::ExceptionMidStream {
                    return Err(format!(
                        "{at}: `error_type` with fault {fault:?} is ignored"
                    ));
                }
            } else if o.error_type.is_some() {
                if o.source
                    .as_deref()
                    .is_none_or(|s| !s.starts_with("https://"))
                {
                    return Err(format!("{at}: an error override needs `source`, an https:// URL where AWS was seen sending it"));
                }
                if o.body.is_some() {
                    return Err(format!(
                        "{at}: `body` is for success overrides; errors take `message`"
                    ));
                }
                if o.status.is_some_and(|s| s < 400) {
                    return Err(format!("{at}: error status must be >= 400"));
                }
            } else if o.status.is_some_and(|s| s >= 400) {
                return Err(format!("{at}: status >= 400 needs `error_type`"));
            }
            if let Some(body) = &o.body {
                serde_json::from_str::<serde_json::Value>(body)
                    .map_err(|e| format!("{at}: body is not JSON: {e}"))?;
            }
            if let Some(needle) = &o.body_contains {
                if needle.is_empty() {
                    return Err(format!("{at}: `body_contains` must not be empty"));
                }
                let has_body = quotas
                    || crate::router::ROUTES
                        .iter()
                        .any(|r| r.operation == o.operation && r.method == "POST");
                if !has_body {
                    return Err(format!(
                        "{at}: `body_contains` needs an operation with a request body"
                    ));
                }
            }
            if o.times == Some(0) {
                return Err(format!("{at}: `times = 0` would never apply"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::scenario::*;

    /// Why `text` is refused (the test fails if it parses).
    fn refused(text: &str) -> String {
        Scenario::from_toml(text).unwrap_err()
    }

    #[test]
    fn rejects_error_override_without_source_or_unknown_operation() {
        let no_source =
            "[[override]]\noperation='InvokeModel'\nstatus=429\nerror_type='ThrottlingException'";
        assert!(refused(no_source).contains("source"));
        let unknown = "[[override]]\noperation='Nope'\nbody='{}'";
        assert!(refused(unknown).contains("unknown operation"));
        assert!(Scenario::from_toml("bogus = 1").is_err());
    }

    #[test]
    fn rate_limits_parse_and_must_allow_something() {
        let s = Scenario::from_toml("[rate_limit]\nrequests_per_second = 5\nburst = 10").unwrap();
        let limit = s.rate_limit.unwrap();
        assert_eq!((limit.requests_per_second, limit.burst), (5.0, 10));
        assert_eq!(limit.per, RateScope::Operation);
        let per_service = Scenario::from_toml(
            "[rate_limit]\nrequests_per_second = 0.5\nburst = 1\nper = 'service'",
        )
        .unwrap();
        assert_eq!(per_service.rate_limit.unwrap().per, RateScope::Service);
        assert!(Scenario::from_toml("[rate_limit]\nrequests_per_second = 0\nburst = 1").is_err());
        assert!(Scenario::from_toml("[rate_limit]\nrequests_per_second = 1\nburst = 0").is_err());
        assert!(Scenario::from_toml("[rate_limit]\nrequests_per_second = 1").is_err());
    }

    #[test]
    fn body_contains_needs_text_and_a_request_body() {
        let ok = Scenario::from_toml(
            "[[override]]\noperation='InvokeModel'\nbody_contains='cache_control'\nbody='{}'",
        )
        .unwrap();
        assert_eq!(
            ok.overrides[0].body_contains.as_deref(),
            Some("cache_control")
        );
        let empty = "[[override]]\noperation='InvokeModel'\nbody_contains=''\nbody='{}'";
        assert!(refused(empty).contains("must not be empty"));
        let get = "[[override]]\noperation='GetFoundationModel'\nbody_contains='x'\nbody='{}'";
        assert!(refused(get).contains("request body"));
    }

    #[test]
    fn fault_modes_parse_and_stream_faults_need_a_stream() {
        for fault in FAULT_NAMES {
            let s = Scenario::from_toml(&format!(
                "[[override]]\noperation='ListFoundationModels'\nfault='{fault}'"
            ))
            .unwrap_or_else(|e| panic!("{fault}: {e}"));
            assert!(s.overrides[0].fault.is_some());
        }
        for fault in STREAM_FAULT_NAMES {
            let on = |op: &str| {
                Scenario::from_toml(&format!("[[override]]\noperation='{op}'\nfault='{fault}'"))
            };
            assert!(on("InvokeModelWithResponseStream").is_ok(), "{fault}");
            assert!(on("InvokeModel").unwrap_err().contains("stream"), "{fault}");
        }
        let with_body = "[[override]]\noperation='InvokeModel'\nfault='garbage'\nbody='{}'";
        assert!(Scenario::from_toml(with_body).is_err());
        let low_5xx = "[[override]]\noperation='InvokeModel'\nfault='status_5xx'\nstatus=404";
        assert!(Scenario::from_toml(low_5xx).is_err());
        let custom = "[[override]]\noperation='InvokeModel'\nfault='unmodelled_error'\nstatus=409";
        assert_eq!(
            Scenario::from_toml(custom).unwrap().overrides[0].status,
            Some(409)
        );
    }

    #[test]
    fn quota_settings_name_real_codes_and_sane_values() {
        let s = Scenario::from_toml(
            "[[quota]]\ncode='L-F4DDD3EB'\napplied=4000\n[[quota]]\ncode='L-381AD9EE'\nlisted=false",
        )
        .unwrap();
        assert_eq!(s.quotas[0].applied, Some(4000.0));
        assert!(!s.quotas[1].listed);
        for bad in [
            "[[quota]]\ncode='L-NOPE'",
            "[[quota]]\ncode='L-F4DDD3EB'\napplied=-1",
            "[[quota]]\ncode='L-F4DDD3EB'\nerror_reason='NOPE'",
            "[[quota]]\ncode='L-F4DDD3EB'\nlisted=false\napplied=1",
        ] {
            assert!(Scenario::from_toml(bad).is_err(), "{bad}");
        }
        let denied = Scenario::from_toml(
            "[[override]]\noperation='ListServiceQuotas'\nerror_type='AccessDeniedException'\nsource='https://example.com/x'",
        );
        assert!(denied.is_ok(), "Service Quotas operations take overrides");
    }
}
