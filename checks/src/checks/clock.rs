//! SigV4 signatures carry a timestamp; AWS rejects requests more than 5 minutes off its clock.

use crate::check::Verify;
use crate::facts::ClockSample;
use crate::{dx, Category, CheckMeta, Evidence, Facts, Report};

/// **Verifies:** that the local clock agrees with AWS: the `Date` header of AWS responses
/// (Bedrock's first, STS's otherwise) against the local clock at the moment each response arrived.
/// It reads the header itself because the Rust SDK silently corrects skew above 4 minutes by
/// re-signing (aws-runtime `service_clock_skew.rs`); the app being debugged may not, so the doctor
/// must not let the SDK hide it. `Date` has one-second resolution and includes the network latency,
/// so skews under a few seconds are noise.
/// **Calls:** none of its own; it reads the responses of `bedrock:ListFoundationModels` (shared
/// with the model checks) and `sts:GetCallerIdentity`. Error responses carry a `Date` too, so a
/// rejected key does not stop it. Free.
/// **Skips when:** no AWS response arrived to read the time from, or it had no `Date` header.
/// **Fails when:** the skew is beyond the 5 minutes SigV4 tolerates (`clock-skew`).
/// **Warns when:** the skew is large enough to matter but still within those 5 minutes
/// (`clock-skew`).
pub struct Clock;

/// Beyond this, SigV4 requests are rejected ("Signature expired" / "Signature not yet current").
const FAIL_AFTER_SECS: i64 = 300;
/// Beyond this, the clock is wrong enough to be fixed before it drifts into failure.
const WARN_AFTER_SECS: i64 = 60;

impl Verify for Clock {
    const META: &'static CheckMeta = &CheckMeta {
        id: "clock",
        title: "System clock",
        category: Category::Clock,
        per_model: false,
        per_region: false,
        description: "The local clock agrees with AWS within SigV4's 5-minute window.",
        calls: &["bedrock:ListFoundationModels", "sts:GetCallerIdentity"],
    };

    async fn verify(&self, facts: &Facts) -> Report {
        // Both calls are shared facts: made once per run, whoever asks first. STS is asked only
        // when Bedrock gave no answer to read.
        let models = facts.anthropic_models().await;
        if let Some(sample) = pick(&facts.clock_samples()) {
            return judge(sample);
        }
        let identity = facts.caller_identity().await;
        let samples = facts.clock_samples();
        let Some(sample) = pick(&samples) else {
            let cause = match (models, identity) {
                (Err(err), _) | (_, Err(err)) => err.to_report(),
                _ => return Report::skip("AWS answered without a Date header"),
            };
            if cause.status == crate::Status::Skip {
                return cause;
            }
            return Report::skip(format!(
                "no AWS response to read the time from ({})",
                cause.summary
            ));
        };
        judge(sample)
    }
}

/// Bedrock is the service the user cares about; any AWS answer will do otherwise.
fn pick(samples: &[ClockSample]) -> Option<&ClockSample> {
    samples
        .iter()
        .find(|s| s.service == "bedrock")
        .or_else(|| samples.first())
}

fn skew_secs(sample: &ClockSample) -> i64 {
    match sample.server.duration_since(sample.local) {
        Ok(ahead) => ahead.as_secs() as i64,
        Err(behind) => -(behind.duration().as_secs() as i64),
    }
}

fn judge(sample: &ClockSample) -> Report {
    let skew = skew_secs(sample);
    let direction = if skew > 0 { "behind" } else { "ahead of" };
    let evidence = Evidence {
        service: sample.service.clone(),
        operation: "Date header".into(),
        message: Some(format!(
            "server time {} ; local clock off by {skew:+} s",
            httpdate::fmt_http_date(sample.server)
        )),
        ..Evidence::default()
    };
    let summary = format!(
        "local clock is {} s {direction} AWS ({})",
        skew.abs(),
        sample.service
    );
    let report = if skew.abs() > FAIL_AFTER_SECS {
        Report::fail(
            dx::CLOCK_SKEW,
            format!("{summary}: SigV4 requests are rejected beyond 5 minutes"),
        )
    } else if skew.abs() > WARN_AFTER_SECS {
        Report::warn(dx::CLOCK_SKEW, summary)
    } else {
        Report::pass(format!(
            "local clock agrees with AWS ({} within {} s)",
            sample.service,
            skew.abs().max(1)
        ))
    };
    report.evidence([evidence])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::test_support::assert_verdict;
    use crate::facts::test_support::facts_with_bedrock;
    use crate::Status;
    use aws_smithy_mocks::mock;
    use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
    use aws_smithy_runtime_api::http::StatusCode;
    use aws_smithy_types::body::SdkBody;
    use std::time::{Duration, SystemTime};

    fn sample(offset: i64) -> ClockSample {
        let local = SystemTime::now();
        let server = if offset >= 0 {
            local + Duration::from_secs(offset as u64)
        } else {
            local - Duration::from_secs((-offset) as u64)
        };
        ClockSample {
            service: "bedrock".into(),
            server,
            local,
        }
    }

    #[test]
    fn grades_skew_by_the_sigv4_window() {
        assert_eq!(judge(&sample(2)).status, Status::Pass);
        assert_eq!(judge(&sample(-90)).status, Status::Warn);
        let fail = judge(&sample(600));
        assert_verdict(&fail, Status::Fail, dx::CLOCK_SKEW);
        assert!(fail.summary.contains("600 s behind"), "{}", fail.summary);
        assert!(judge(&sample(-400)).summary.contains("ahead of"));
    }

    #[tokio::test]
    async fn reads_the_date_of_an_error_response_too() {
        let date = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(900));
        let rule = mock!(aws_sdk_bedrock::Client::list_foundation_models).then_http_response(move || {
            let mut r = HttpResponse::new(
                StatusCode::try_from(403).unwrap(),
                SdkBody::from(r#"{"message":"User: arn:aws:iam::123456789012:user/x is not authorized to perform: bedrock:ListFoundationModels"}"#),
            );
            r.headers_mut().insert("x-amzn-ErrorType", "AccessDeniedException:http://internal.amazon.com/coral/com.amazon.bedrock/");
            r.headers_mut().insert("Date", date.clone());
            r
        });
        let report = Clock.verify(&facts_with_bedrock(&[&rule])).await;
        assert_verdict(&report, Status::Fail, dx::CLOCK_SKEW);
    }
}
