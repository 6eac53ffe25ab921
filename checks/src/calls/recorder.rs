//! The recorder: an interceptor attached to one call, which sees each HTTP attempt (status, request
//! id, error type, `Date`) and bounds what the SDK may read of each response body.

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeDeserializationInterceptorContextMut;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::config_bag::ConfigBag;
use std::error::Error as StdError;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::SystemTime;

/// One HTTP attempt as the recorder saw it.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub status: u16,
    pub request_id: Option<String>,
    /// `x-amzn-ErrorType`, sanitised as the SDK does (cut at `:`, keep what follows `#`).
    pub error_type: Option<String>,
    /// The server's `Date` header and the local time the response arrived: a clock sample.
    pub server_date: Option<SystemTime>,
    pub received_at: SystemTime,
}

#[derive(Debug, Clone, Default)]
pub struct Recorder {
    attempts: Arc<Mutex<Vec<Attempt>>>,
}

impl Recorder {
    pub fn new() -> Recorder {
        Recorder::default()
    }

    pub fn attempts(&self) -> Vec<Attempt> {
        self.attempts.lock().map(|a| a.clone()).unwrap_or_default()
    }
}

impl Intercept for Recorder {
    fn name(&self) -> &'static str {
        "bedrock-doctor-recorder"
    }

    /// Records the attempt, then bounds what the SDK may read of its body (see
    /// [`MAX_RESPONSE_BYTES`]): every call goes through a recorder, so every response is bounded.
    fn modify_before_deserialization(
        &self,
        context: &mut BeforeDeserializationInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let response = context.response_mut();
        let header = |name: &str| response.headers().get(name).map(str::to_string);
        let attempt = Attempt {
            status: response.status().as_u16(),
            request_id: header("x-amzn-requestid").or_else(|| header("x-amz-request-id")),
            error_type: header("x-amzn-errortype").map(|t| sanitize_error_type(&t)),
            server_date: header("date").and_then(|d| httpdate::parse_http_date(&d).ok()),
            received_at: SystemTime::now(),
        };
        if let Ok(mut attempts) = self.attempts.lock() {
            attempts.push(attempt);
        }
        let announced = response
            .headers()
            .get("content-length")
            .and_then(|v| v.trim().parse::<u64>().ok());
        if let Some(length) = announced.filter(|n| *n > MAX_RESPONSE_BYTES) {
            return Err(Box::new(Refused::TooLarge(Some(length))));
        }
        if announced == Some(0) && response.status().is_success() {
            // Every operation the doctor calls answers success with a document; an empty one
            // would deserialize as "nothing there" (no models, no profiles) and mislead.
            return Err(Box::new(Refused::Empty(response.status().as_u16())));
        }
        let body = std::mem::replace(response.body_mut(), SdkBody::taken());
        *response.body_mut() = SdkBody::from_body_1_x(LimitedBody {
            inner: body,
            seen: 0,
        });
        Ok(())
    }
}

/// The most the doctor reads of one response body. Its largest legitimate answers (the model and
/// inference-profile lists of a busy region) are a few hundred kilobytes; without a bound the SDK
/// would hold whatever a proxy or a broken endpoint sends, all of it, in memory.
pub const MAX_RESPONSE_BYTES: u64 = 8 * 1024 * 1024;

/// A response the recorder refuses to hand to the SDK: the call fails as an unexpected response.
#[derive(Debug)]
pub enum Refused {
    /// The body is over [`MAX_RESPONSE_BYTES`]; the `Content-Length` it announced, if it did.
    TooLarge(Option<u64>),
    /// A success status with an empty body.
    Empty(u16),
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refused::TooLarge(Some(n)) => write!(
                f,
                "the response body is {n} bytes, more than the {MAX_RESPONSE_BYTES} bytes the doctor reads"
            ),
            Refused::TooLarge(None) => write!(
                f,
                "the response body is longer than the {MAX_RESPONSE_BYTES} bytes the doctor reads"
            ),
            Refused::Empty(status) => write!(
                f,
                "HTTP {status} with an empty body, where the operation always answers with a document"
            ),
        }
    }
}

impl StdError for Refused {}

/// The recorder's own reason for failing a call, if it is in this error's chain: said alone, it
/// reads better than the SDK's wrapping of it.
pub fn refusal(err: &(dyn StdError + 'static)) -> Option<String> {
    let mut current: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(e) = current {
        if let Some(refused) = e.downcast_ref::<Refused>() {
            return Some(refused.to_string());
        }
        current = e.source();
    }
    None
}

/// A response body that fails once more than [`MAX_RESPONSE_BYTES`] have come through, so a
/// body without a `Content-Length` (chunked, or an event stream) is bounded too.
struct LimitedBody {
    inner: SdkBody,
    seen: u64,
}

impl http_body::Body for LimitedBody {
    type Data = <SdkBody as http_body::Body>::Data;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                this.seen += frame.data_ref().map_or(0, |d| d.len() as u64);
                if this.seen > MAX_RESPONSE_BYTES {
                    return Poll::Ready(Some(Err(Box::new(Refused::TooLarge(None)))));
                }
                Poll::Ready(Some(Ok(frame)))
            }
            other => other,
        }
    }

    fn is_end_stream(&self) -> bool {
        http_body::Body::is_end_stream(&self.inner)
    }

    fn size_hint(&self) -> http_body::SizeHint {
        http_body::Body::size_hint(&self.inner)
    }
}

pub(super) fn sanitize_error_type(raw: &str) -> String {
    let cut = raw.split(':').next().unwrap_or(raw);
    cut.rsplit('#').next().unwrap_or(cut).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitizes_error_type_headers_like_the_sdk() {
        assert_eq!(
            sanitize_error_type(
                "ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/"
            ),
            "ThrottlingException"
        );
        assert_eq!(
            sanitize_error_type("aws.protocoltests#FooError:http://x"),
            "FooError"
        );
    }

    #[tokio::test]
    async fn response_bodies_are_cut_at_the_bound() {
        use http_body::Body as _;
        let chunk = vec![b'a'; 1024 * 1024];
        let chunks = (0..MAX_RESPONSE_BYTES / chunk.len() as u64 + 1).map(move |_| {
            Ok::<_, std::convert::Infallible>(http_body::Frame::data(bytes_of(&chunk)))
        });
        let stream = futures::stream::iter(chunks);
        let body = SdkBody::from_body_1_x(StreamBody(Box::pin(stream)));
        let mut limited = LimitedBody {
            inner: body,
            seen: 0,
        };
        let mut read = 0u64;
        let err = loop {
            match std::future::poll_fn(|cx| Pin::new(&mut limited).poll_frame(cx)).await {
                Some(Ok(frame)) => read += frame.data_ref().map_or(0, |d| d.len() as u64),
                Some(Err(e)) => break e,
                None => panic!("the body ended within the bound"),
            }
        };
        assert_eq!(read, MAX_RESPONSE_BYTES);
        assert!(
            refusal(err.as_ref()).unwrap().contains("longer than"),
            "{err}"
        );
    }

    fn bytes_of(data: &[u8]) -> <SdkBody as http_body::Body>::Data {
        <SdkBody as http_body::Body>::Data::copy_from_slice(data)
    }

    /// A body made of a stream of frames, as a chunked response arrives.
    type Frames = Pin<
        Box<
            dyn futures::Stream<
                    Item = Result<
                        http_body::Frame<<SdkBody as http_body::Body>::Data>,
                        std::convert::Infallible,
                    >,
                > + Send
                + Sync,
        >,
    >;

    struct StreamBody(Frames);

    impl http_body::Body for StreamBody {
        type Data = <SdkBody as http_body::Body>::Data;
        type Error = std::convert::Infallible;

        fn poll_frame(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
        ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
            self.0.as_mut().poll_next(cx)
        }
    }
}
