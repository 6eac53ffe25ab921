//! `explain` over the corpus of real error messages (tests/corpus/messages.toml): the real binary,
//! `explain --format json -`, each message on standard input, must give the code assigned to it.
//!
//! `cargo test --test explain_corpus -- --nocapture` prints the accuracy per category (the tables
//! of docs/explain.md).
//!
//! messages.toml is the training corpus: rules are written from it, and a message explain got
//! wrong may be fixed by a rule. A second file with the same format, tests/corpus/heldout.toml, is
//! the held-out corpus: messages from threads that no rule and no training entry cites, collected
//! apart and never used to write rules. It must exist, hold at least a third of all messages, its
//! accuracy is printed separately and must
//! reach `HELDOUT_FLOOR`, and its threads must be disjoint from the training corpus and from every
//! catalogue `seen_in`.

use assert_cmd::Command;
use std::collections::BTreeMap;
use std::sync::OnceLock;

const CORPUS: &str = include_str!("corpus/messages.toml");

/// The held-out corpus (it must exist).
const HELDOUT_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus/heldout.toml");

/// The lowest held-out accuracy (0.0 to 1.0) the suite accepts: a regression guard, set a little
/// below the measured figure (72 of 114, 63.2%, when the held-out corpus was first measured), so
/// that a rule change that costs three held-out messages fails. It is raised only by rules written
/// from other threads, never by editing the held-out corpus.
const HELDOUT_FLOOR: f64 = 0.61;

// The corpus format and its reader, shared with the wrapping property test in src/explain/tests.rs.
include!("corpus/parse.rs");

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

struct Outcome<'a> {
    entry: &'a Entry,
    json: serde_json::Value,
    stdout: String,
    stderr: String,
    status: Option<i32>,
}

impl Outcome<'_> {
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

fn explain(entry: &Entry) -> Outcome<'_> {
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

/// Every entry explained, two at a time.
fn explain_all(entries: &[Entry]) -> Vec<Outcome<'_>> {
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
}

/// Every training entry explained once per test run (the tests read the same outcomes).
fn outcomes() -> &'static [Outcome<'static>] {
    static OUTCOMES: OnceLock<Vec<Outcome<'static>>> = OnceLock::new();
    OUTCOMES.get_or_init(|| explain_all(corpus()))
}

/// A GitHub thread, as a comparable key: scheme, `www.`, case, a trailing slash, a query and a
/// fragment (`#issuecomment-...`) do not make another thread.
fn thread(url: &str) -> String {
    let url = url.trim().to_ascii_lowercase();
    let url = url.split(['#', '?']).next().unwrap_or_default();
    let url = url
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_start_matches("www.");
    url.trim_end_matches('/').to_string()
}

/// The accuracy table per category, in the catalogue's order, and the overall share correct.
fn accuracy_table(outcomes: &[Outcome<'_>]) -> (String, f64, Vec<String>) {
    // category -> (entries, correct)
    let mut table: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut wrong = Vec::new();
    for outcome in outcomes {
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
    let mut out = String::from("| Category | Entries | Correct |\n| --- | ---: | ---: |\n");
    let (mut total, mut total_ok) = (0, 0);
    for category in &order {
        if let Some((n, ok)) = table.get(category) {
            out.push_str(&format!(
                "| {category} | {n} | {:.0}% |\n",
                100.0 * *ok as f64 / *n as f64
            ));
            total += n;
            total_ok += ok;
        }
    }
    let share = if total == 0 {
        0.0
    } else {
        total_ok as f64 / total as f64
    };
    out.push_str(&format!(
        "| **all** | **{total}** | **{:.0}%** |",
        100.0 * share
    ));
    (out, share, wrong)
}

#[test]
fn corpus_parses_and_has_at_least_180_real_messages() {
    let entries = corpus();
    assert!(entries.len() >= 180, "{} entries", entries.len());
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
    let (table, _, wrong) = accuracy_table(outcomes());
    println!("Training corpus (tests/corpus/messages.toml):\n{table}");
    assert!(wrong.is_empty(), "misdiagnosed: {wrong:#?}");
}

#[test]
fn threads_compare_by_url_not_by_spelling() {
    let a = thread("https://github.com/BerriAI/litellm/issues/13609#issuecomment-123");
    assert_eq!(
        a,
        thread("http://www.github.com/berriai/litellm/issues/13609/")
    );
    assert_ne!(a, thread("https://github.com/BerriAI/litellm/issues/1360"));
    // Every training entry's thread is seen as cited by the training corpus.
    let training: std::collections::HashSet<String> =
        corpus().iter().map(|e| thread(&e.source)).collect();
    assert!(corpus()
        .iter()
        .all(|e| training.contains(&thread(&e.source))));
}

/// The held-out corpus, when tests/corpus/heldout.toml exists: disjoint by thread from the
/// training corpus and the catalogue's `seen_in`, its accuracy printed per category and overall,
/// and at least `HELDOUT_FLOOR`.
#[test]
fn heldout_accuracy_is_reported_and_meets_the_floor() {
    let text = std::fs::read_to_string(HELDOUT_PATH)
        .unwrap_or_else(|e| panic!("the held-out corpus {HELDOUT_PATH}: {e}"));
    let heldout = checked(parse_corpus(&text));
    // A third of all real messages stay out of rule writing (issue 13's method).
    assert!(
        heldout.len() * 3 >= heldout.len() + corpus().len(),
        "the held-out corpus ({}) is less than a third of all {} messages",
        heldout.len(),
        heldout.len() + corpus().len()
    );
    let mut cited: std::collections::HashMap<String, String> = corpus()
        .iter()
        .map(|e| (thread(&e.source), "tests/corpus/messages.toml".to_string()))
        .collect();
    for d in checks::catalogue::catalogue().entries() {
        for rule in &d.rules {
            cited.insert(
                thread(&rule.seen_in),
                format!("a `{}` rule's seen_in", d.code),
            );
        }
    }
    let overlap: Vec<String> = heldout
        .iter()
        .filter_map(|e| {
            cited
                .get(&thread(&e.source))
                .map(|by| format!("{} (cited by {by})", e.source))
        })
        .collect();
    assert!(
        overlap.is_empty(),
        "held-out threads must not be training threads: {overlap:#?}"
    );
    let outcomes = explain_all(&heldout);
    let (table, share, wrong) = accuracy_table(&outcomes);
    println!("Held-out corpus (tests/corpus/heldout.toml):\n{table}");
    println!("Held-out misdiagnoses: {wrong:#?}");
    assert!(
        share >= HELDOUT_FLOOR,
        "held-out accuracy {:.1}% is below the floor {:.1}%",
        100.0 * share,
        100.0 * HELDOUT_FLOOR
    );
}
