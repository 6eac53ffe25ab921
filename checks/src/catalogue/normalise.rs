//! The text rules are matched against: an AWS error as it reached a log, with the escaping,
//! markup and typography the log put on it taken off.

use std::sync::OnceLock;

/// Undoes one level of the escaping that logs and wrappers put on an error text: `\"`, `\n`,
/// `\t`, `\uXXXX` (with surrogate pairs), Rust's `\u{XXXX}`, and runs of `\xNN` bytes (Python's
/// bytes repr of UTF-8, as in LiteLLM's `b'{"message":"isn\xe2\x80\x99t"}'`). Anything else
/// is kept as it is.
fn unescape_once(text: &str) -> Option<String> {
    if !text.contains('\\') {
        return None;
    }
    let bytes = text.as_bytes();
    let hex = |s: &[u8]| -> Option<u32> {
        std::str::from_utf8(s)
            .ok()
            .and_then(|s| u32::from_str_radix(s, 16).ok())
    };
    let mut out: Vec<u8> = Vec::with_capacity(text.len());
    let mut i = 0;
    let mut changed = false;
    while i < bytes.len() {
        if bytes[i] != b'\\' || i + 1 >= bytes.len() {
            out.push(bytes[i]);
            i += 1;
            continue;
        }
        let next = bytes[i + 1];
        let push_char = |c: char, out: &mut Vec<u8>| {
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        };
        match next {
            b'"' | b'\'' | b'/' | b'\\' => {
                out.push(next);
                i += 2;
            }
            b'n' | b'r' | b't' => {
                out.push(b' ');
                i += 2;
            }
            b'u' if bytes.get(i + 2) == Some(&b'{') => {
                let close = bytes[i + 3..]
                    .iter()
                    .take(7)
                    .position(|b| *b == b'}')
                    .map(|p| i + 3 + p);
                match close.and_then(|c| hex(&bytes[i + 3..c]).map(|v| (c, v))) {
                    Some((c, v)) if char::from_u32(v).is_some() => {
                        push_char(char::from_u32(v).unwrap_or(' '), &mut out);
                        i = c + 1;
                    }
                    _ => {
                        out.push(b'\\');
                        i += 1;
                        continue;
                    }
                }
            }
            b'u' if i + 6 <= bytes.len() && hex(&bytes[i + 2..i + 6]).is_some() => {
                let high = hex(&bytes[i + 2..i + 6]).unwrap_or(0);
                let low = (bytes.get(i + 6) == Some(&b'\\') && bytes.get(i + 7) == Some(&b'u'))
                    .then(|| bytes.get(i + 8..i + 12).and_then(hex))
                    .flatten();
                match (high, low) {
                    (0xD800..=0xDBFF, Some(low @ 0xDC00..=0xDFFF)) => {
                        let v = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
                        push_char(char::from_u32(v).unwrap_or(' '), &mut out);
                        i += 12;
                    }
                    _ => {
                        push_char(char::from_u32(high).unwrap_or(' '), &mut out);
                        i += 6;
                    }
                }
            }
            b'x' if i + 4 <= bytes.len() && hex(&bytes[i + 2..i + 4]).is_some() => {
                // A run of \xNN: the bytes of one UTF-8 text, decoded together.
                let mut raw = Vec::new();
                while i + 4 <= bytes.len()
                    && bytes[i] == b'\\'
                    && bytes[i + 1] == b'x'
                    && hex(&bytes[i + 2..i + 4]).is_some()
                {
                    raw.push(hex(&bytes[i + 2..i + 4]).unwrap_or(0x20) as u8);
                    i += 4;
                }
                out.extend_from_slice(String::from_utf8_lossy(&raw).as_bytes());
            }
            _ => {
                out.push(b'\\');
                i += 1;
                continue;
            }
        }
        changed = true;
    }
    changed.then(|| String::from_utf8_lossy(&out).into_owned())
}

/// Terminal colour codes (`ESC[41m`, also written `\x1b[41m` or `\u001b[41m` in logs) and the HTML
/// entities a web page or issue tracker puts on quotes (`&quot;`, `&#39;`): neither is part of the
/// error, and both split the words rules look for.
fn strip_markup(text: &str) -> std::borrow::Cow<'_, str> {
    static MARKUP: OnceLock<regex::Regex> = OnceLock::new();
    let re = MARKUP.get_or_init(|| {
        regex::Regex::new(
            r"(?:\x1b|\\x1b|\\u001b|\\033|\\e)\[[0-9;]{0,12}[A-Za-z]|&(?:quot|apos|amp|lt|gt|#39|#x27|#34);",
        )
        .expect("static pattern")
    });
    if !re.is_match(text) {
        return text.into();
    }
    re.replace_all(text, |c: &regex::Captures<'_>| {
        match &c[0] {
            "&quot;" | "&#34;" => "\"",
            "&apos;" | "&#39;" | "&#x27;" => "'",
            "&amp;" => "&",
            "&lt;" => "<",
            "&gt;" => ">",
            _ => "",
        }
        .to_string()
    })
}

/// The text rules are matched against: the error as AWS wrote it, whatever printed it. Escapes are
/// undone (up to three nested levels: a JSON body inside a Python bytes repr inside a JSON log
/// line), typographic quotes and their mojibake become ASCII quotes, `…` becomes `...`, and every
/// run of whitespace (line breaks and doubled spaces included) becomes one space. Rules are written
/// against this form, so `isn’t`, `isn\u2019t`, `isn\xe2\x80\x99t` and a message wrapped over two
/// lines all read `isn't`. Linear in the input.
pub fn normalise(text: &str) -> String {
    let text = strip_markup(text);
    let mut current = std::borrow::Cow::Borrowed(text.as_ref());
    for _ in 0..3 {
        match unescape_once(&current) {
            Some(next) => current = next.into(),
            None => break,
        }
    }
    let mut out = String::with_capacity(current.len());
    let mut space = false;
    let mut chars = current.chars().peekable();
    while let Some(c) = chars.next() {
        let folded = match c {
            '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' => "'",
            '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{2033}' => "\"",
            '\u{2026}' => "...",
            // UTF-8 quotes read as Windows-1252: `â€™` and friends.
            '\u{e2}' if chars.peek() == Some(&'\u{20ac}') => {
                chars.next();
                match chars.next() {
                    Some('\u{2122}' | '\u{2DC}') => "'",
                    Some('\u{153}' | '\u{9d}') => "\"",
                    Some('\u{a6}') => "...",
                    _ => " ",
                }
            }
            c if c.is_whitespace() || c == '\u{feff}' => {
                if !space && !out.is_empty() {
                    out.push(' ');
                }
                space = true;
                continue;
            }
            c => {
                out.push(c);
                space = false;
                continue;
            }
        };
        out.push_str(folded);
        space = false;
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::normalise;

    #[test]
    fn normalisation_reads_escaped_and_typographic_text() {
        for text in [
            "on-demand throughput isn\u{2019}t supported",
            "on-demand throughput isn\\u2019t supported",
            "on-demand throughput isn\\xe2\\x80\\x99t supported",
            "on-demand throughput isn\u{e2}\u{20ac}\u{2122}t supported",
            "on-demand  throughput\n isn't\tsupported",
            "on-demand throughput isn\\\\u2019t supported",
        ] {
            assert_eq!(
                normalise(text),
                "on-demand throughput isn't supported",
                "{text:?}"
            );
        }
        assert_eq!(
            normalise("{\\\"message\\\":\\\"x\\\"}"),
            "{\"message\":\"x\"}"
        );
        assert_eq!(normalise("\\ud83d\\ude00 ok"), "\u{1F600} ok");
        assert_eq!(
            normalise("\u{1b}[41mYou don&#39;t have access\\x1b[0m to &quot;it&quot;"),
            "You don't have access to \"it\""
        );
    }
}
