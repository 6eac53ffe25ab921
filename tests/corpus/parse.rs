// The corpus format (tests/corpus/*.toml) and its reader. Included with `include!` by
// tests/explain_corpus.rs and by the wrapping property test in src/explain/tests.rs, so both read the
// corpus the same way without a TOML dependency.

#[derive(Debug, Default)]
#[allow(dead_code)]
struct Entry {
    message: String,
    source: String,
    code: String,
    cause: String,
}

// The corpus is TOML restricted to `[[message]]` tables of literal strings (`'...'` and
// `'''...'''`), so it can be read here without a TOML crate; anything else is a corpus error.
fn parse_corpus(text: &str) -> Vec<Entry> {
    let mut entries: Vec<Entry> = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let (line, after) = rest.split_once('\n').unwrap_or((rest, ""));
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            rest = after;
            continue;
        }
        if trimmed == "[[message]]" {
            entries.push(Entry::default());
            rest = after;
            continue;
        }
        let (key, value) = line
            .split_once(" = ")
            .unwrap_or_else(|| panic!("corpus: unexpected line {line:?}"));
        let value_start = &rest[key.len() + 3..];
        let (value, after) = if let Some(body) = value_start.strip_prefix("'''") {
            // Multi-line literal: a newline right after the opening quotes is trimmed; the string
            // ends at the last quote of the first run of three or more (TOML allows up to two
            // quotes of content right before the closing delimiter).
            let body = body.strip_prefix('\n').unwrap_or(body);
            let close = body.find("'''").expect("corpus: unterminated '''");
            let mut end = close;
            while body[end + 3..].starts_with('\'') && end + 3 - close < 5 {
                end += 1;
            }
            let remainder = &body[end + 3..];
            let remainder = remainder.split_once('\n').map_or("", |(_, r)| r);
            (body[..end].to_string(), remainder)
        } else {
            let inner = value
                .strip_prefix('\'')
                .and_then(|v| v.strip_suffix('\''))
                .unwrap_or_else(|| panic!("corpus: {key} is not a literal string: {line:?}"));
            assert!(
                !inner.contains('\''),
                "corpus: quote inside '...': {line:?}"
            );
            (inner.to_string(), after)
        };
        let entry = entries.last_mut().expect("corpus: key before [[message]]");
        match key.trim() {
            "message" => entry.message = value,
            "source" => entry.source = value,
            "code" => entry.code = value,
            "cause" => entry.cause = value,
            other => panic!("corpus: unknown key {other:?}"),
        }
        rest = after;
    }
    entries
}

