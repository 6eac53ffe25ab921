//! The one gateway every AWS call goes through: the recorder, the limiter, the clock samples and
//! the judging of a failure.

use super::{opt_in, ClockSample, Facts};
use crate::calls::{CallError, CallSite, Observed, Recorder};
use crate::catalogue::dx;
use std::time::{Instant, SystemTime};

impl Facts {
    /// Makes one AWS call through a fresh [`Recorder`], keeps its clock samples, and judges it.
    pub(crate) async fn call<T, E, F>(
        &self,
        site: CallSite<'_>,
        send: impl FnOnce(Recorder) -> F,
        request_id: impl FnOnce(&T) -> Option<String>,
    ) -> Observed<T>
    where
        F: std::future::Future<
            Output = Result<
                T,
                aws_smithy_runtime_api::client::result::SdkError<
                    E,
                    aws_smithy_runtime_api::client::orchestrator::HttpResponse,
                >,
            >,
        >,
        E: aws_smithy_types::error::metadata::ProvideErrorMetadata
            + std::error::Error
            + Send
            + Sync
            + 'static,
    {
        let recorder = Recorder::new();
        // The one place every AWS call goes through: here it waits its turn (see `limits`).
        let permit = self
            .shared
            .limiter
            .acquire(site.service, site.operation, site.region)
            .await;
        let started = Instant::now();
        let result = send(recorder.clone()).await;
        drop(permit);
        let mut observed = recorder.finish(site, started, result, request_id);
        self.observe(&observed, site.service);
        if let Err(err) = &mut observed.result {
            self.refine_key_rejection(err, site.service);
            if let Some(region) = site
                .region
                .filter(|_| opt_in::may_be_disabled(err, site.region))
            {
                self.judge_opt_in_rejection(err, region).await;
                observed.evidence = err.evidence.clone();
            }
        }
        observed
    }

    /// Bedrock rejects an expired key and a key of another Region with the same words as any
    /// invalid key; when the key itself shows which, the diagnosis names it.
    fn refine_key_rejection(&self, err: &mut CallError, service: &str) {
        if err.diagnosis != dx::API_KEY_REJECTED || !service.starts_with("bedrock") {
            return;
        }
        let Some(key) = self.key_in_use() else {
            return;
        };
        if let Some(problem) = key.offline_problem(self.region(), SystemTime::now()) {
            err.diagnosis = problem.code;
            err.summary = format!("{}; {}", err.summary, problem.detail);
        }
    }

    fn observe<T>(&self, observed: &Observed<T>, service: &str) {
        let samples = observed.attempts.iter().filter_map(|a| {
            Some(ClockSample {
                service: service.to_string(),
                server: a.server_date?,
                local: a.received_at,
            })
        });
        if let Ok(mut all) = self.shared.clock_samples.lock() {
            all.extend(samples);
        }
    }
}
