//! Fault modes: what a broken network, a proxy or a buggy endpoint sends instead of the answer.
//!
//! A fault turns the operation's default answer into a [`Faulty`] one: a reply plus the way its
//! bytes go out on the wire (all at once, dripped, cut short, or generated while written).

use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::sync::watch;

use crate::eventstream;
use crate::http;
use crate::ops::Reply;
use crate::scenario::Fault;

/// Size of the body `huge_body` sends: far above anything Bedrock answers to these calls.
pub const HUGE_BODY_BYTES: usize = 50 * 1024 * 1024;
/// `drip` sends one body byte this often.
pub const DRIP_INTERVAL: Duration = Duration::from_millis(200);
/// The error code `unmodelled_error` sends: listed by no AWS service model.
pub const UNMODELLED_ERROR: &str = "TestbedUnmodelledFaultException";

/// How the bytes of a reply go out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Head and body at once, with the exact length.
    Whole,
    /// The head at once, then the body one byte every [`DRIP_INTERVAL`].
    Drip,
    /// The head claims the whole body; half of it is sent, then the connection closes.
    Truncate,
    /// The head claims [`HUGE_BODY_BYTES`]; the body is generated while written.
    Huge { stream: bool },
}

/// A reply and how it is delivered.
pub struct Faulty {
    pub reply: Reply,
    pub delivery: Delivery,
}

const PROXY_PAGE: &str = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

/// The faulty answer to a request whose healthy answer would be `default`; `Hang` and `Reset`
/// send nothing and are handled by the caller.
pub fn apply(
    fault: Fault,
    operation: &str,
    status: Option<u16>,
    error_type: Option<&str>,
    default: impl FnOnce() -> Reply,
) -> Faulty {
    let whole = |reply| Faulty {
        reply,
        delivery: Delivery::Whole,
    };
    let stream = crate::scenario::is_stream_operation(operation);
    match fault {
        Fault::Hang | Fault::Reset => whole(Reply::json(200, &serde_json::Value::Null)),
        Fault::Drip => Faulty {
            reply: default(),
            delivery: Delivery::Drip,
        },
        Fault::Truncated => Faulty {
            reply: default(),
            delivery: Delivery::Truncate,
        },
        Fault::HugeBody => Faulty {
            reply: Reply {
                status: 200,
                content_type: if stream {
                    "application/vnd.amazon.eventstream"
                } else {
                    "application/json"
                },
                headers: Vec::new(),
                body: Vec::new(),
            },
            delivery: Delivery::Huge { stream },
        },
        Fault::Garbage => whole(Reply {
            status: 200,
            content_type: "application/json",
            headers: Vec::new(),
            body: b"{\"modelSummaries\": [{\"modelId\": \"anthropic.claude\x00\xff\xfe<<not json>>"
                .to_vec(),
        }),
        Fault::WrongContentType => {
            let mut reply = default();
            reply.content_type = if stream {
                "application/json"
            } else {
                "text/plain; charset=utf-8"
            };
            reply
                .headers
                .retain(|(n, _)| !n.eq_ignore_ascii_case("X-Amzn-Bedrock-Content-Type"));
            whole(reply)
        }
        Fault::EmptyBody => whole(Reply {
            status: 200,
            content_type: "application/json",
            headers: Vec::new(),
            body: Vec::new(),
        }),
        Fault::UnmodelledError => whole(Reply::error(
            status.unwrap_or(400),
            UNMODELLED_ERROR,
            Some("An error code that no AWS service model lists (sent by the test bed)."),
        )),
        Fault::Html => whole(Reply {
            status: 502,
            content_type: "text/html",
            headers: Vec::new(),
            body: PROXY_PAGE.as_bytes().to_vec(),
        }),
        Fault::Status5xx => whole(Reply {
            status: status.unwrap_or(503),
            content_type: "application/json",
            headers: Vec::new(),
            body: br#"{"message":"Service Unavailable"}"#.to_vec(),
        }),
        Fault::BadCrc | Fault::TruncatedFrame | Fault::ExceptionMidStream => {
            let mut reply = default();
            if reply.status == 200 {
                reply.body = break_stream(fault, &reply.body, error_type);
            }
            whole(reply)
        }
    }
}

/// The lengths of the event-stream frames in `body`.
fn frame_lengths(body: &[u8]) -> Vec<usize> {
    let mut lengths = Vec::new();
    let mut at = 0;
    while let Some(prelude) = body.get(at..at + 4) {
        let len = u32::from_be_bytes([prelude[0], prelude[1], prelude[2], prelude[3]]) as usize;
        if len == 0 || at + len > body.len() {
            break;
        }
        lengths.push(len);
        at += len;
    }
    lengths
}

fn break_stream(fault: Fault, frames: &[u8], error_type: Option<&str>) -> Vec<u8> {
    let lengths = frame_lengths(frames);
    let first = lengths.first().copied().unwrap_or(0);
    let second = lengths.get(1).copied().unwrap_or(0);
    match fault {
        Fault::BadCrc => {
            // Flip one payload byte of the second frame: its message CRC no longer matches.
            let mut out = frames.to_vec();
            let at = first + second / 2;
            if let Some(b) = out.get_mut(at) {
                *b ^= 0x20;
            }
            out
        }
        Fault::TruncatedFrame => frames[..first + second / 2].to_vec(),
        _ => {
            let mut out = frames[..first + second].to_vec();
            out.extend(eventstream::exception(
                error_type.unwrap_or("internalServerException"),
                "The system encountered an unexpected error during processing. Try your request again.",
            ));
            out
        }
    }
}

/// One chunk event of about 64 KiB, repeated to make a huge stream.
fn huge_frame() -> Vec<u8> {
    use base64::Engine as _;
    let event = serde_json::json!({
        "type": "content_block_delta", "index": 0,
        "delta": { "type": "text_delta", "text": "a".repeat(48 * 1024) },
    });
    let bytes = base64::engine::general_purpose::STANDARD.encode(event.to_string());
    eventstream::event(
        "chunk",
        serde_json::json!({ "bytes": bytes }).to_string().as_bytes(),
    )
}

/// Writes `faulty` with `headers` (Content-Type, request id and date already in). Returns whether
/// the connection may serve another request.
pub async fn write(
    stream: &mut TcpStream,
    faulty: Faulty,
    headers: &[(String, String)],
    close: bool,
    shutdown: &mut watch::Receiver<bool>,
) -> bool {
    let reply = faulty.reply;
    match faulty.delivery {
        Delivery::Whole => {
            let bytes = http::encode_response(reply.status, headers, &reply.body, close);
            stream.write_all(&bytes).await.is_ok() && !close
        }
        Delivery::Truncate => {
            let mut bytes = http::encode_head(reply.status, headers, reply.body.len(), true);
            bytes.extend_from_slice(&reply.body[..reply.body.len() / 2]);
            let _ = stream.write_all(&bytes).await;
            let _ = stream.shutdown().await;
            false
        }
        Delivery::Drip => {
            let head = http::encode_head(reply.status, headers, reply.body.len(), close);
            if stream.write_all(&head).await.is_err() {
                return false;
            }
            for byte in &reply.body {
                tokio::select! {
                    _ = shutdown.changed() => return false,
                    _ = tokio::time::sleep(DRIP_INTERVAL) => {}
                }
                if stream.write_all(&[*byte]).await.is_err() {
                    return false;
                }
            }
            !close
        }
        Delivery::Huge { stream: frames } => {
            // Written piece by piece from one buffer: the stub never holds the whole body.
            let (piece, total, prefix, suffix) = if frames {
                let frame = huge_frame();
                let n = HUGE_BODY_BYTES.div_ceil(frame.len());
                let total = n * frame.len();
                (frame, total, Vec::new(), Vec::new())
            } else {
                let prefix = br#"{"message":""#.to_vec();
                let suffix = br#""}"#.to_vec();
                (vec![b'a'; 64 * 1024], HUGE_BODY_BYTES, prefix, suffix)
            };
            let head = http::encode_head(reply.status, headers, total, close);
            if stream.write_all(&head).await.is_err() || stream.write_all(&prefix).await.is_err() {
                return false;
            }
            let mut left = total - prefix.len() - suffix.len();
            while left > 0 {
                let n = left.min(piece.len());
                let write = tokio::select! {
                    _ = shutdown.changed() => return false,
                    w = stream.write_all(&piece[..n]) => w,
                };
                if write.is_err() {
                    return false;
                }
                left -= n;
            }
            stream.write_all(&suffix).await.is_ok() && !close
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames() -> Vec<u8> {
        let mut out = eventstream::event("chunk", br#"{"bytes":"e30="}"#);
        out.extend(eventstream::event("chunk", br#"{"bytes":"e30="}"#));
        out.extend(eventstream::event("chunk", br#"{"bytes":"e30="}"#));
        out
    }

    #[test]
    fn stream_faults_break_the_second_frame() {
        let good = frames();
        let one = frame_lengths(&good)[0];
        let bad = break_stream(Fault::BadCrc, &good, None);
        assert!(eventstream::decode_frame(&bad).is_ok());
        assert_eq!(
            eventstream::decode_frame(&bad[one..]).unwrap_err(),
            "message checksum mismatch"
        );
        let cut = break_stream(Fault::TruncatedFrame, &good, None);
        assert_eq!(
            eventstream::decode_frame(&cut[one..]).unwrap_err(),
            "truncated"
        );
        let exc = break_stream(Fault::ExceptionMidStream, &good, None);
        let lengths = frame_lengths(&exc);
        assert_eq!(lengths.len(), 3);
        let (last, _) = eventstream::decode_frame(&exc[lengths[0] + lengths[1]..]).unwrap();
        assert!(last
            .headers
            .contains(&(":exception-type".into(), "internalServerException".into())));
    }

    #[test]
    fn huge_frames_decode() {
        let frame = huge_frame();
        let (decoded, len) = eventstream::decode_frame(&frame).unwrap();
        assert_eq!(len, frame.len());
        assert!(decoded.payload.len() > 48 * 1024);
    }
}
