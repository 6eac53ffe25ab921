//! Text the doctor did not write (AWS messages and response fields, whatever a proxy on the way put
//! there, pasted logs, app settings files, saved reports) passes through here before it reaches a
//! terminal or a Markdown ticket. JSON output does not: serde escapes every control character, so
//! machines get the exact text.
//!
//! On a terminal, raw control characters are commands: ESC starts CSI/OSC sequences that clear the
//! screen, set the window title or plant hyperlinks (ECMA-48; xterm's ctlseqs), BEL rings, C1 bytes
//! act as ESC on some terminals, and the bidirectional overrides and isolates reorder what is shown
//! (the "Trojan Source" class, CVE-2021-42574). Each is shown as an escape (`\x1b`, `\u{202e}`)
//! instead, so the reader sees that it was there and nothing is executed.

use crate::org::report::{OrgAccount, OrgReport};
use std::borrow::Cow;

/// The longest text one untrusted field may show; the rest is cut with a visible marker. AWS error
/// messages are a few hundred characters; a field this long is a dump, not a message.
pub const MAX_FIELD_CHARS: usize = 2_000;

/// Whether `c` would act on a terminal (or reorder text) instead of being printed as itself.
/// Newline and tab are layout, not commands, and stay.
fn is_hazard(c: char) -> bool {
    match c {
        '\n' | '\t' => false,
        // C0 controls, DEL and the C1 controls.
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' => true,
        // Bidirectional embeddings/overrides (U+202A–U+202E) and isolates (U+2066–U+2069).
        '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => true,
        _ => false,
    }
}

fn escape_char(c: char, out: &mut String) {
    let n = c as u32;
    if n <= 0xff {
        out.push_str(&format!("\\x{n:02x}"));
    } else {
        out.push_str(&format!("\\u{{{n:x}}}"));
    }
}

/// `text` with every control character, escape sequence introducer and bidi control made visible
/// (`\x1b[2J` is shown as the six characters `\x1b[2J`), and cut to [`MAX_FIELD_CHARS`].
pub fn visible(text: &str) -> Cow<'_, str> {
    visible_capped(text, MAX_FIELD_CHARS)
}

/// [`visible`] without the length cap, for whole outputs made of many fields (an `explain` text,
/// a log line).
pub fn visible_uncapped(text: &str) -> Cow<'_, str> {
    visible_capped(text, usize::MAX)
}

fn visible_capped(text: &str, max_chars: usize) -> Cow<'_, str> {
    let over = text.chars().nth(max_chars).is_some();
    if !over && !text.chars().any(is_hazard) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars().take(max_chars) {
        if is_hazard(c) {
            escape_char(c, &mut out);
        } else {
            out.push(c);
        }
    }
    if over {
        let rest = text.chars().count() - max_chars;
        out.push_str(&format!(" … [{rest} more characters cut]"));
    }
    Cow::Owned(out)
}

/// Every string of `value` made [`visible`], through its JSON form (what a saved report is).
fn every_string_visible<T>(value: &T) -> T
where
    T: serde::Serialize + serde::de::DeserializeOwned + Clone,
{
    fn walk(value: &mut serde_json::Value) {
        match value {
            serde_json::Value::String(s) => {
                if let Cow::Owned(clean) = visible(s) {
                    *s = clean;
                }
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(walk),
            serde_json::Value::Object(map) => map.values_mut().for_each(walk),
            _ => {}
        }
    }
    let Ok(mut json) = serde_json::to_value(value) else {
        return value.clone();
    };
    walk(&mut json);
    serde_json::from_value(json).unwrap_or_else(|_| value.clone())
}

/// Every string of a report made [`visible`]: what the terminal and Markdown renderers draw from.
/// Done once on the whole report, so no renderer (or a new field) can forget a string.
pub fn for_display(report: &crate::report::Report) -> crate::report::Report {
    every_string_visible(report)
}

/// [`for_display`] for an organisation report: its own strings (the caller, account and OU names,
/// how each account was entered) made visible here, and each account's report by [`for_display`].
pub fn for_display_org(report: &OrgReport) -> OrgReport {
    let shell = OrgReport {
        schema_version: report.schema_version,
        kind: report.kind.clone(),
        tool: report.tool.clone(),
        generated_at: report.generated_at.clone(),
        duration_ms: report.duration_ms,
        caller: report.caller.clone(),
        target: report.target.clone(),
        summary: report.summary.clone(),
        accounts: Vec::new(),
    };
    let mut shown = every_string_visible(&shell);
    shown.accounts = report
        .accounts
        .iter()
        .map(|account| {
            let mut visible_account = every_string_visible(&OrgAccount {
                id: account.id.clone(),
                name: account.name.clone(),
                status: account.status.clone(),
                ou_path: account.ou_path.clone(),
                entry: account.entry.clone(),
                report: None,
            });
            visible_account.report = account.report.as_ref().map(for_display);
            visible_account
        })
        .collect();
    shown
}

/// Markdown text where nothing may act as markup: HTML (`<`, `>`, `&`), table cell borders (`|`)
/// and code spans (backticks) are written as entities, and line breaks fold to spaces, so a message
/// can neither close a table row, a `<details>` block or a code span nor inject HTML. GitHub
/// decodes the entities back to the characters for the reader.
pub fn md_text(text: &str) -> String {
    let clean = visible(text);
    let mut out = String::with_capacity(clean.len() + 8);
    for c in clean.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '|' => out.push_str("&#124;"),
            '`' => out.push_str("&#96;"),
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// Markdown prose the doctor wrote around untrusted values (a fix naming an id from AWS): its code
/// spans stay code, and outside them no HTML can pass. Code spans are found as CommonMark finds them
/// (a run of N backticks closes at the next run of exactly N; an unmatched run is literal text), so
/// a backtick smuggled into a value cannot make the escaping and the renderer disagree about where
/// code ends; inside a code span nothing is HTML.
pub fn md_prose(text: &str) -> String {
    let clean = visible(text);
    let chars: Vec<char> = clean.chars().collect();
    let run_at = |i: usize| chars[i..].iter().take_while(|c| **c == '`').count();
    let mut out = String::with_capacity(clean.len() + 8);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '`' {
            let n = run_at(i);
            // The closing run: the next run of exactly n backticks.
            let mut j = i + n;
            let mut close = None;
            while j < chars.len() {
                if chars[j] == '`' {
                    let m = run_at(j);
                    if m == n {
                        close = Some(j);
                        break;
                    }
                    j += m;
                } else {
                    j += 1;
                }
            }
            match close {
                // A code span of plain text stays code. One with markup characters in it (a value
                // from outside, or a placeholder) is written as escaped text instead: entities are
                // not decoded inside code spans, and raw `<` in the output would then be the only
                // thing keeping a renderer that disagrees about span boundaries from reading HTML.
                Some(end)
                    if !chars[i + n..end]
                        .iter()
                        .any(|c| matches!(c, '<' | '>' | '&')) =>
                {
                    out.extend(&chars[i..end + n]);
                    i = end + n;
                }
                Some(end) => {
                    let inner: String = chars[i + n..end].iter().collect();
                    out.push_str(&md_text(&inner));
                    i = end + n;
                }
                None => {
                    out.extend(std::iter::repeat_n("&#96;", n));
                    i += n;
                }
            }
            continue;
        }
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            _ => out.push(c),
        }
        i += 1;
    }
    out
}

/// `text` as a Markdown code span when it is a plain value (an id, a region, an ARN), else as
/// [`md_text`]: inside a code span entities are not decoded, so a value with markup characters in
/// it is written as escaped text instead, where nothing of it can act.
pub fn md_code(text: &str) -> String {
    let clean = visible(text);
    if clean.contains(['`', '<', '>', '&', '|', '\n', '\r']) {
        md_text(&clean)
    } else {
        format!("`{clean}`")
    }
}

/// Whether `text` holds a character that acts on a terminal: what the tests and fuzz properties
/// assert never reaches output (ESC of the doctor's own colours aside, which they strip first).
#[cfg(test)]
pub fn has_hazard(text: &str) -> bool {
    text.chars().any(is_hazard)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_and_bidi_are_shown_not_sent() {
        let hostile = "ok\x1b]0;pwned\x07\x1b[2J\u{9b}31m\u{202e}gnp.exe\u{2066}\x7f";
        let shown = visible(hostile);
        assert!(!has_hazard(&shown), "{shown:?}");
        assert_eq!(
            shown,
            "ok\\x1b]0;pwned\\x07\\x1b[2J\\x9b31m\\u{202e}gnp.exe\\u{2066}\\x7f"
        );
    }

    #[test]
    fn newlines_tabs_and_ordinary_unicode_pass_unchanged() {
        let text = "line one\n\tline two: isn’t — ✓ 日本語";
        assert!(matches!(visible(text), Cow::Borrowed(_)));
    }

    #[test]
    fn long_fields_are_cut_with_a_marker() {
        let long = "a".repeat(MAX_FIELD_CHARS + 10);
        let shown = visible(&long);
        assert!(shown.starts_with(&"a".repeat(MAX_FIELD_CHARS)));
        assert!(shown.ends_with("[10 more characters cut]"), "{shown}");
        assert_eq!(visible_uncapped(&long), long);
    }

    #[test]
    fn markdown_text_cannot_close_blocks_or_inject_html() {
        let hostile = "</details><img src=x onerror=alert(1)> | `code` & more\nnext";
        let md = md_text(hostile);
        for raw in ['<', '>', '|', '`', '\n'] {
            assert!(!md.contains(raw), "{raw:?} in {md}");
        }
        assert_eq!(
            md,
            "&lt;/details&gt;&lt;img src=x onerror=alert(1)&gt; &#124; &#96;code&#96; &amp; more next"
        );
    }

    #[test]
    fn markdown_prose_keeps_code_spans_but_not_html() {
        assert_eq!(
            md_prose("Run `aws sso login` <b>now</b>"),
            "Run `aws sso login` &lt;b&gt;now&lt;/b&gt;"
        );
        // Markup inside a code span: the span becomes escaped text.
        assert_eq!(
            md_prose("Run `x </details>` and ``` a <img> ```"),
            "Run x &lt;/details&gt; and  a &lt;img&gt; "
        );
        // An unmatched backtick is text: what follows it is still escaped.
        assert_eq!(
            md_prose("id `x <img src=y> and ``z``"),
            "id &#96;x &lt;img src=y&gt; and ``z``"
        );
    }

    #[test]
    fn plain_values_are_code_spans_and_others_escaped_text() {
        assert_eq!(md_code("us-east-1"), "`us-east-1`");
        assert_eq!(md_code("a`b"), "a&#96;b");
        assert_eq!(md_code("x|y<z>"), "x&#124;y&lt;z&gt;");
    }
}
