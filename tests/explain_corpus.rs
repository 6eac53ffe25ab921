//! `explain` over the corpus of real error messages (tests/corpus/messages.toml): the real binary,
//! `explain --format json -`, each message on standard input, must give the code assigned to it.
//!
//! `cargo test --test explain_corpus -- --nocapture` prints the accuracy per category (the README
//! table).

use assert_cmd::Command;
use std::collections::BTreeMap;
use std::sync::OnceLock;

const CORPUS: &str = include_str!("corpus/messages.toml");

#[derive(Debug, Default)]
struct Entry {
    message: String,
    source: String,
    code: String,
    cause: String,
}

/// The corpus is TOML restricted to `[[message]]` tables of literal strings (`'...'` and
/// `'''...'''`), so it can be read here without a TOML crate; anything else is a corpus error.
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

fn corpus() -> &'static [Entry] {
    static CORPUS_ENTRIES: OnceLock<Vec<Entry>> = OnceLock::new();
    CORPUS_ENTRIES.get_or_init(|| checked(parse_corpus(CORPUS)))
}

fn checked(entries: Vec<Entry>) -> Vec<Entry> {
    for e in &entries {
        assert!(
            !e.message.trim().is_empty()
                && e.source.starts_with("https://")
                && !e.cause.trim().is_empty(),
            "corpus entry incomplete: {e:#?}"
        );
        assert!(
            checks::catalogue::catalogue().get(&e.code).is_some(),
            "corpus code {:?} is not in the catalogue ({})",
            e.code,
            e.source
        );
    }
    entries
}

struct Outcome {
    entry: &'static Entry,
    json: serde_json::Value,
    stdout: String,
    stderr: String,
    status: Option<i32>,
}

impl Outcome {
    fn diagnosis(&self) -> &str {
        self.json["diagnosis"].as_str().unwrap_or("<no diagnosis>")
    }

    fn correct(&self) -> bool {
        self.status == Some(0) && self.diagnosis() == self.entry.code
    }

    fn report(&self) -> String {
        format!(
            "expected {} got {} (exit {:?})\nsource: {}\ncause: {}\nmessage:\n{}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.entry.code,
            self.diagnosis(),
            self.status,
            self.entry.source,
            self.entry.cause,
            self.entry.message,
            self.stdout,
            self.stderr
        )
    }
}

fn explain(entry: &'static Entry) -> Outcome {
    let output = Command::cargo_bin("bedrock-doctor")
        .expect("binary built")
        .env_clear()
        .args(["explain", "--format", "json", "-"])
        .write_stdin(entry.message.clone())
        .output()
        .expect("bedrock-doctor runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    Outcome {
        entry,
        json: serde_json::from_str(&stdout).unwrap_or(serde_json::Value::Null),
        stdout,
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        status: output.status.code(),
    }
}

/// Every entry explained once per test run (both tests read the same outcomes), two at a time.
fn outcomes() -> &'static [Outcome] {
    static OUTCOMES: OnceLock<Vec<Outcome>> = OnceLock::new();
    OUTCOMES.get_or_init(|| {
        let entries = corpus();
        let half = entries.len().div_ceil(2);
        std::thread::scope(|s| {
            let workers: Vec<_> = entries
                .chunks(half.max(1))
                .map(|chunk| s.spawn(move || chunk.iter().map(explain).collect::<Vec<_>>()))
                .collect();
            workers
                .into_iter()
                .flat_map(|w| w.join().expect("worker"))
                .collect()
        })
    })
}

#[test]
fn corpus_parses_and_has_at_least_80_real_messages() {
    let entries = corpus();
    assert!(entries.len() >= 80, "{} entries", entries.len());
    let mut seen = std::collections::HashSet::new();
    for e in entries {
        assert!(
            seen.insert((&e.source, &e.message)),
            "duplicate entry: {}",
            e.source
        );
    }
}

#[test]
fn every_corpus_message_gets_its_diagnosis() {
    let entries = corpus();
    let failures: Vec<String> = outcomes()
        .iter()
        .filter(|o| !o.correct())
        .map(|o| o.report())
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} corpus messages misdiagnosed:\n\n{}",
        failures.len(),
        entries.len(),
        failures.join("\n\n==========\n\n")
    );
}

#[test]
fn accuracy_per_category() {
    // category -> (entries, correct)
    let mut table: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut wrong = Vec::new();
    for outcome in outcomes() {
        let category = checks::catalogue::catalogue()
            .get(&outcome.entry.code)
            .map(|d| d.category.as_str().to_string())
            .unwrap_or_default();
        let row = table.entry(category).or_default();
        row.0 += 1;
        if outcome.correct() {
            row.1 += 1;
        } else {
            wrong.push(format!(
                "{} -> {} ({})",
                outcome.entry.code,
                outcome.diagnosis(),
                outcome.entry.source
            ));
        }
    }
    // In the catalogue's order, as the README lists categories.
    let order: Vec<String> = checks::catalogue::catalogue()
        .entries()
        .iter()
        .map(|d| d.category.as_str().to_string())
        .fold(Vec::new(), |mut acc, c| {
            if !acc.contains(&c) {
                acc.push(c);
            }
            acc
        });
    println!("| Category | Entries | Correct |");
    println!("| --- | ---: | ---: |");
    let (mut total, mut total_ok) = (0, 0);
    for category in &order {
        if let Some((n, ok)) = table.get(category) {
            println!(
                "| {category} | {n} | {:.0}% |",
                100.0 * *ok as f64 / *n as f64
            );
            total += n;
            total_ok += ok;
        }
    }
    println!(
        "| **all** | **{total}** | **{:.0}%** |",
        100.0 * total_ok as f64 / total as f64
    );
    assert!(wrong.is_empty(), "misdiagnosed: {wrong:#?}");
}
