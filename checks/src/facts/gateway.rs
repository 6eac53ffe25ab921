//! The one gateway every AWS call goes through: the recorder, the limiter, the request id, the
//! clock samples and the judging of a failure; and the one paginator every list is read with.

use super::{opt_in, ClockSample, FactError, Facts};
use crate::calls::{request_id, CallError, CallSite, Observed, Recorder};
use crate::catalogue::dx;
use crate::{Evidence, Status};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use aws_types::request_id::RequestId;
use std::collections::HashSet;
use std::future::Future;
use std::time::{Instant, SystemTime};

/// The most pages one list is read to. The longest lists the doctor reads take a few pages
/// (Bedrock's several hundred quotas at 100 a page; a region's inference profiles, an
/// Organizations target's SCPs at most a handful): 50 leaves room for them to grow many times over,
/// while a service that keeps sending tokens cannot keep the doctor paging forever.
pub(crate) const MAX_PAGES: usize = 50;

/// Every item of a paged list, with the evidence of each page read.
pub(crate) struct Listed<I> {
    pub items: Vec<I>,
    pub evidence: Vec<Evidence>,
}

impl Facts {
    /// Makes one AWS call through a fresh [`Recorder`], keeps its clock samples, and judges it.
    /// `send` attaches the recorder to the request (`.customize().interceptor(rec)`) and sends it.
    pub(crate) async fn call<T, E, F>(
        &self,
        site: CallSite<'_>,
        send: impl FnOnce(Recorder) -> F,
    ) -> Observed<T>
    where
        F: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        T: RequestId,
    {
        let recorder = Recorder::new();
        // The one place every AWS call goes through: here it waits its turn (see `limits`).
        let permit = self
            .shared
            .limiter
            .acquire_for(
                self.shared.limiter_account.as_deref(),
                site.service,
                site.operation,
                site.region,
                site.model,
            )
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

    /// One call through [`Facts::call`]: its output and evidence, or its judged failure.
    pub(crate) async fn fetch<T, E, F>(
        &self,
        site: CallSite<'_>,
        send: impl FnOnce(Recorder) -> F,
    ) -> Result<(T, Evidence), CallError>
    where
        F: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        T: RequestId,
    {
        let observed = self.call(site, send).await;
        Ok((observed.result?, observed.evidence))
    }

    /// Where a Bedrock control-plane call goes (the facts' region), once the caller has what Bedrock
    /// authenticates (credentials, or a Bedrock API key).
    pub(crate) async fn bedrock_site<'a>(
        &'a self,
        operation: &'a str,
    ) -> Result<CallSite<'a>, FactError> {
        self.bedrock_ready().await?;
        Ok(CallSite::new("bedrock", operation, self.region()))
    }

    /// Every page of one list operation, following its next token: `send` makes the request for a
    /// token (`None` for the first page), `read` takes a page's items and next token out of its
    /// output, or says why the output is not a page. One rule for every list: an empty page with a
    /// token is followed (AWS list operations "can return fewer results than the maximum"); a
    /// token seen before is an unexpected response (the service would loop); after [`MAX_PAGES`]
    /// the list read so far is returned, and the last page's evidence says it is truncated.
    pub(crate) async fn paginate<T, E, F, Fut, I>(
        &self,
        site: CallSite<'_>,
        send: F,
        read: impl FnMut(T) -> Result<(Vec<I>, Option<String>), &'static str>,
    ) -> Result<Listed<I>, FactError>
    where
        F: FnMut(Option<String>, Recorder) -> Fut,
        Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        T: RequestId,
    {
        self.paginate_up_to(MAX_PAGES, site, send, read).await
    }

    /// [`Facts::paginate`] with a page cap of its own, for a list that may be long by design (an
    /// Organization's accounts, at most 20 a page).
    pub(crate) async fn paginate_up_to<T, E, F, Fut, I>(
        &self,
        max_pages: usize,
        site: CallSite<'_>,
        mut send: F,
        mut read: impl FnMut(T) -> Result<(Vec<I>, Option<String>), &'static str>,
    ) -> Result<Listed<I>, FactError>
    where
        F: FnMut(Option<String>, Recorder) -> Fut,
        Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        T: RequestId,
    {
        let mut listed = Listed {
            items: Vec::new(),
            evidence: Vec::new(),
        };
        let mut token: Option<String> = None;
        let mut seen = HashSet::new();
        for _ in 0..max_pages {
            let this_token = token.take();
            let (output, evidence) = self.fetch(site, |rec| send(this_token, rec)).await?;
            listed.evidence.push(evidence.clone());
            let (items, next) = read(output).map_err(|what| unexpected(site, what, &evidence))?;
            listed.items.extend(items);
            token = match next.filter(|t| !t.is_empty()) {
                None => return Ok(listed),
                Some(t) if !seen.insert(t.clone()) => {
                    return Err(unexpected(site, "sent the same NextToken twice", &evidence))
                }
                Some(t) => Some(t),
            };
        }
        if let Some(last) = listed.evidence.last_mut() {
            let note = format!("stopped after {max_pages} pages: the list is truncated");
            last.message = Some(match last.message.take() {
                Some(message) => format!("{message} ({note})"),
                None => note,
            });
        }
        Ok(listed)
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

/// An answer that is not what the operation sends: `what` says how.
fn unexpected(site: CallSite<'_>, what: &str, evidence: &Evidence) -> FactError {
    FactError::Call(CallError {
        status: Status::Error,
        diagnosis: dx::UNEXPECTED_RESPONSE,
        summary: format!("{} {} {what}", site.service, site.operation),
        evidence: evidence.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::test_support::facts_with_bedrock;
    use aws_smithy_mocks::mock;
    use aws_smithy_types::body::SdkBody;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A page of `ListInferenceProfiles` with no profile and this next token.
    fn page(token: &str) -> HttpResponse {
        let body = format!(r#"{{"inferenceProfileSummaries":[],"nextToken":"{token}"}}"#);
        let mut response = HttpResponse::new(
            aws_smithy_runtime_api::http::StatusCode::try_from(200).unwrap(),
            SdkBody::from(body),
        );
        response
            .headers_mut()
            .insert("Content-Type", "application/json");
        response
    }

    #[tokio::test]
    async fn a_list_cut_at_the_page_cap_says_it_is_truncated() {
        static PAGES: AtomicUsize = AtomicUsize::new(0);
        let endless = mock!(aws_sdk_bedrock::Client::list_inference_profiles)
            .sequence()
            .http_response(|| page(&format!("page-{}", PAGES.fetch_add(1, Ordering::SeqCst))))
            .repeatedly()
            .build();
        let facts = facts_with_bedrock(&[&endless]);
        let (_, evidence) = facts.system_profiles().await.expect("a truncated list");
        assert_eq!(PAGES.load(Ordering::SeqCst), MAX_PAGES);
        let message = evidence.message.unwrap_or_default();
        assert!(
            message.contains("stopped after 50 pages: the list is truncated"),
            "{message}"
        );
    }

    #[tokio::test]
    async fn a_repeated_token_stops_the_list_as_an_unexpected_response() {
        static PAGES: AtomicUsize = AtomicUsize::new(0);
        let looping = mock!(aws_sdk_bedrock::Client::list_inference_profiles)
            .sequence()
            .http_response(|| {
                PAGES.fetch_add(1, Ordering::SeqCst);
                page("same")
            })
            .repeatedly()
            .build();
        let facts = facts_with_bedrock(&[&looping]);
        let Err(FactError::Call(err)) = facts.system_profiles().await else {
            panic!("a repeated token must stop the list");
        };
        assert_eq!(PAGES.load(Ordering::SeqCst), 2);
        assert_eq!(err.diagnosis, dx::UNEXPECTED_RESPONSE);
        assert!(
            err.summary.contains("same NextToken twice"),
            "{}",
            err.summary
        );
    }
}
