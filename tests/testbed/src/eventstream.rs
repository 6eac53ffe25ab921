//! `application/vnd.amazon.eventstream` framing, as Bedrock streams responses.
//!
//! Frame: `u32 total_len | u32 headers_len | u32 crc32(prelude) | headers | payload | u32 crc32(all before)`,
//! big-endian, IEEE CRC32; each header `u8 name_len | name | u8 type (7 = string) | u16 len | value`.

/// Encodes one frame with string headers.
pub fn encode_frame(headers: &[(&str, &str)], payload: &[u8]) -> Vec<u8> {
    let mut hdr = Vec::new();
    for (name, value) in headers {
        hdr.push(name.len() as u8);
        hdr.extend_from_slice(name.as_bytes());
        hdr.push(7);
        hdr.extend_from_slice(&(value.len() as u16).to_be_bytes());
        hdr.extend_from_slice(value.as_bytes());
    }
    let total = 12 + hdr.len() + payload.len() + 4;
    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(&(total as u32).to_be_bytes());
    out.extend_from_slice(&(hdr.len() as u32).to_be_bytes());
    let prelude_crc = crc32fast::hash(&out);
    out.extend_from_slice(&prelude_crc.to_be_bytes());
    out.extend_from_slice(&hdr);
    out.extend_from_slice(payload);
    let message_crc = crc32fast::hash(&out);
    out.extend_from_slice(&message_crc.to_be_bytes());
    out
}

/// An event frame as Bedrock sends them.
pub fn event(event_type: &str, payload: &[u8]) -> Vec<u8> {
    encode_frame(
        &[
            (":event-type", event_type),
            (":content-type", "application/json"),
            (":message-type", "event"),
        ],
        payload,
    )
}

/// An in-stream exception; `exception_type` is the lower-camel member name, e.g. `throttlingException`.
pub fn exception(exception_type: &str, message: &str) -> Vec<u8> {
    let payload = serde_json::json!({ "message": message }).to_string();
    encode_frame(
        &[
            (":exception-type", exception_type),
            (":content-type", "application/json"),
            (":message-type", "exception"),
        ],
        payload.as_bytes(),
    )
}

/// A decoded frame; used by tests to read our own output back.
#[derive(Debug, PartialEq)]
pub struct Frame {
    pub headers: Vec<(String, String)>,
    pub payload: Vec<u8>,
}

/// Decodes the first frame of `buf`, checking both CRCs; returns the frame and its length.
pub fn decode_frame(buf: &[u8]) -> Result<(Frame, usize), String> {
    let u32_at = |i: usize| -> Result<u32, String> {
        buf.get(i..i + 4)
            .map(|b| u32::from_be_bytes(b.try_into().unwrap()))
            .ok_or_else(|| "truncated".to_string())
    };
    let total = u32_at(0)? as usize;
    let headers_len = u32_at(4)? as usize;
    if crc32fast::hash(&buf[..8]) != u32_at(8)? {
        return Err("prelude checksum mismatch".into());
    }
    if total < 16 + headers_len || buf.len() < total {
        return Err("truncated".into());
    }
    if crc32fast::hash(&buf[..total - 4]) != u32_at(total - 4)? {
        return Err("message checksum mismatch".into());
    }
    let mut headers = Vec::new();
    let mut i = 12;
    while i < 12 + headers_len {
        let name_len = buf[i] as usize;
        let name = String::from_utf8_lossy(&buf[i + 1..i + 1 + name_len]).into_owned();
        i += 1 + name_len;
        if buf[i] != 7 {
            return Err(format!("unsupported header type {}", buf[i]));
        }
        let len = u16::from_be_bytes([buf[i + 1], buf[i + 2]]) as usize;
        headers.push((
            name,
            String::from_utf8_lossy(&buf[i + 3..i + 3 + len]).into_owned(),
        ));
        i += 3 + len;
    }
    Ok((
        Frame {
            headers,
            payload: buf[12 + headers_len..total - 4].to_vec(),
        },
        total,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_with_both_crcs() {
        let bytes = event("chunk", br#"{"bytes":"e30="}"#);
        let (frame, len) = decode_frame(&bytes).unwrap();
        assert_eq!(len, bytes.len());
        assert_eq!(frame.payload, br#"{"bytes":"e30="}"#);
        assert!(frame
            .headers
            .contains(&(":event-type".into(), "chunk".into())));
        assert!(frame
            .headers
            .contains(&(":message-type".into(), "event".into())));
        // Independent CRC check of the prelude, so a symmetric encode/decode bug cannot hide.
        let prelude_crc = u32::from_be_bytes(bytes[8..12].try_into().unwrap());
        assert_eq!(prelude_crc, crc32fast::hash(&bytes[..8]));
    }

    #[test]
    fn detects_corruption() {
        let mut bytes = exception("throttlingException", "slow down");
        let n = bytes.len();
        bytes[n - 6] ^= 1;
        assert_eq!(
            decode_frame(&bytes).unwrap_err(),
            "message checksum mismatch"
        );
        bytes[1] ^= 1;
        assert_eq!(
            decode_frame(&bytes).unwrap_err(),
            "prelude checksum mismatch"
        );
    }

    #[test]
    fn matches_the_spec_example_without_headers() {
        // The AWS event-stream spec's empty message: 16 bytes, prelude CRC 0x05c248eb, message CRC 0x7d98c8ff.
        let bytes = encode_frame(&[], b"");
        assert_eq!(hex::encode(&bytes), "000000100000000005c248eb7d98c8ff");
    }
}
