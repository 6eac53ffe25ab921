//! A deliberately small HTTP/1.1 server: keep-alive, Content-Length and chunked request bodies,
//! hard limits on head and body size. Hand-rolled so fault modes control every byte on the wire.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Larger heads are refused: nothing the SDK sends comes close.
const MAX_HEAD: usize = 64 * 1024;
/// Bedrock's own limit on the InvokeModel body is 25,000,000 bytes; leave room above it.
pub const MAX_BODY: usize = 30 * 1024 * 1024;

pub struct Request {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The client asked to close after this exchange (HTTP/1.0 or `Connection: close`).
    pub close: bool,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Why no request could be read; `Reject` carries the status to answer before closing.
pub enum ReadError {
    Closed,
    Reject(u16, &'static str),
}

async fn fill(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Result<(), ReadError> {
    let mut chunk = [0u8; 16 * 1024];
    match stream.read(&mut chunk).await {
        Ok(0) | Err(_) => Err(ReadError::Closed),
        Ok(n) => {
            buf.extend_from_slice(&chunk[..n]);
            Ok(())
        }
    }
}

/// Reads one request; bytes after it stay in `buf` for the next one (pipelining).
pub async fn read_request(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Result<Request, ReadError> {
    let (head_len, method, target, headers, http10) = loop {
        let mut slots = [httparse::EMPTY_HEADER; 100];
        let mut req = httparse::Request::new(&mut slots);
        match req.parse(buf) {
            Ok(httparse::Status::Complete(n)) if n > MAX_HEAD => {
                return Err(ReadError::Reject(431, "request head too large"))
            }
            Ok(httparse::Status::Complete(n)) => {
                let headers = req
                    .headers
                    .iter()
                    .map(|h| {
                        (
                            h.name.to_string(),
                            String::from_utf8_lossy(h.value).into_owned(),
                        )
                    })
                    .collect::<Vec<_>>();
                break (
                    n,
                    req.method.unwrap_or_default().to_string(),
                    req.path.unwrap_or_default().to_string(),
                    headers,
                    req.version == Some(0),
                );
            }
            Ok(httparse::Status::Partial) if buf.len() > MAX_HEAD => {
                return Err(ReadError::Reject(431, "request head too large"))
            }
            Ok(httparse::Status::Partial) => fill(stream, buf).await?,
            Err(httparse::Error::TooManyHeaders) => {
                return Err(ReadError::Reject(431, "too many headers"))
            }
            Err(_) => return Err(ReadError::Reject(400, "malformed request")),
        }
    };
    buf.drain(..head_len);
    let mut request = Request {
        method,
        target,
        headers,
        body: Vec::new(),
        close: http10,
    };
    if let Some(c) = request.header("connection") {
        request.close =
            c.eq_ignore_ascii_case("close") || (http10 && !c.eq_ignore_ascii_case("keep-alive"));
    }
    if request
        .header("expect")
        .is_some_and(|e| e.eq_ignore_ascii_case("100-continue"))
    {
        let _ = stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").await;
    }
    let chunked = request
        .header("transfer-encoding")
        .is_some_and(|t| t.to_ascii_lowercase().contains("chunked"));
    if chunked {
        request.body = loop {
            match decode_chunked(buf)? {
                Some((body, used)) => {
                    buf.drain(..used);
                    break body;
                }
                None => fill(stream, buf).await?,
            }
        };
    } else if let Some(len) = request.header("content-length") {
        let len: usize = len
            .trim()
            .parse()
            .map_err(|_| ReadError::Reject(400, "bad Content-Length"))?;
        if len > MAX_BODY {
            return Err(ReadError::Reject(413, "request body too large"));
        }
        while buf.len() < len {
            fill(stream, buf).await?;
        }
        request.body = buf.drain(..len).collect();
    }
    Ok(request)
}

/// A whole chunked body (a response read to its end); `None` when it is cut short or malformed.
pub(crate) fn decode_chunked_body(buf: &[u8]) -> Option<Vec<u8>> {
    match decode_chunked(buf) {
        Ok(Some((body, _))) => Some(body),
        _ => None,
    }
}

/// Decodes a complete chunked body at the start of `buf`: `Ok(None)` means more bytes are needed.
fn decode_chunked(buf: &[u8]) -> Result<Option<(Vec<u8>, usize)>, ReadError> {
    let mut body = Vec::new();
    let mut pos = 0;
    loop {
        let (start, size) = match httparse::parse_chunk_size(&buf[pos..]) {
            Ok(httparse::Status::Complete(v)) => v,
            Ok(httparse::Status::Partial) => return Ok(None),
            Err(_) => return Err(ReadError::Reject(400, "bad chunk size")),
        };
        let size =
            usize::try_from(size).map_err(|_| ReadError::Reject(413, "request body too large"))?;
        if body.len().saturating_add(size) > MAX_BODY {
            return Err(ReadError::Reject(413, "request body too large"));
        }
        pos += start;
        if size == 0 {
            // Trailers (ignored) end with an empty line.
            let rest = &buf[pos..];
            let Some(end) = rest.windows(2).position(|w| w == b"\r\n") else {
                return Ok(None);
            };
            if end == 0 {
                return Ok(Some((body, pos + 2)));
            }
            let Some(t) = rest.windows(4).position(|w| w == b"\r\n\r\n") else {
                return Ok(None);
            };
            return Ok(Some((body, pos + t + 4)));
        }
        if buf.len() < pos + size + 2 {
            return Ok(None);
        }
        body.extend_from_slice(&buf[pos..pos + size]);
        if &buf[pos + size..pos + size + 2] != b"\r\n" {
            return Err(ReadError::Reject(400, "bad chunk terminator"));
        }
        pos += size + 2;
    }
}

pub fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        408 => "Request Timeout",
        413 => "Payload Too Large",
        424 => "Failed Dependency",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Unknown",
    }
}

/// Serialises a response; `headers` must not include Content-Length, which is computed here.
pub fn encode_response(
    status: u16,
    headers: &[(String, String)],
    body: &[u8],
    close: bool,
) -> Vec<u8> {
    let mut out = encode_head(status, headers, body.len(), close);
    out.extend_from_slice(body);
    out
}

/// The status line and headers of a response whose body is `content_length` bytes (or claims to
/// be: fault modes send fewer, or generate them while writing).
pub fn encode_head(
    status: u16,
    headers: &[(String, String)],
    content_length: usize,
    close: bool,
) -> Vec<u8> {
    let mut head = format!("HTTP/1.1 {status} {}\r\n", reason(status));
    for (n, v) in headers {
        head.push_str(&format!("{n}: {v}\r\n"));
    }
    head.push_str(&format!("Content-Length: {content_length}\r\n"));
    if close {
        head.push_str("Connection: close\r\n");
    }
    head.push_str("\r\n");
    head.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_chunked_bodies_incrementally() {
        let wire = b"4\r\nWiki\r\n5;ext=1\r\npedia\r\n0\r\n\r\nNEXT";
        let Ok(Some((body, used))) = decode_chunked(wire) else {
            panic!("should decode")
        };
        assert_eq!(body, b"Wikipedia");
        assert_eq!(&wire[used..], b"NEXT");
        assert!(matches!(decode_chunked(&wire[..10]), Ok(None)));
        assert!(matches!(
            decode_chunked(b"zz\r\n"),
            Err(ReadError::Reject(400, _))
        ));
        assert!(matches!(
            decode_chunked(b"ffffffff\r\n"),
            Err(ReadError::Reject(413, _))
        ));
    }

    #[test]
    fn response_has_exact_length() {
        let r = encode_response(429, &[("x-a".into(), "b".into())], b"{}", true);
        let text = String::from_utf8(r).unwrap();
        assert!(text.starts_with("HTTP/1.1 429 Too Many Requests\r\nx-a: b\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"));
    }
}
