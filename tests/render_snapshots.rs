//! Snapshots of `show`: saved reports (tests/fixtures/reports/) rendered as the table and as
//! Markdown, byte for byte. The fixtures are reports of real runs against the local stand-ins
//! (`single_every_status.json` edited to hold every status and an `--app` block), so no test here
//! needs the network. Timings, request ids, account ids and timestamps are redacted: a report
//! saved again from a new run then snapshots the same.

use std::path::PathBuf;

const FIXTURES: [&str; 7] = [
    "sweep_app_without_arn",
    "sweep_region_variants",
    "single_every_status",
    "single_no_credentials",
    "sweep_model_not_in_region",
    "sweep_use_case_missing",
    "sweep_scp_two_regions",
];

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fixtures/reports/{name}.json"))
}

/// `bedrock-doctor show FIXTURE ARGS…` off a terminal, 100 columns wide, colour left to the args.
fn show(name: &str, args: &[&str]) -> String {
    let path = fixture(name);
    // Exit 1 for a report with failures is `show`'s contract, not the test's concern; a word on
    // stderr is.
    let run = assert_cmd::Command::cargo_bin("bedrock-doctor")
        .unwrap()
        .env_clear()
        .env("COLUMNS", "100")
        .arg("show")
        .arg(&path)
        .args(args)
        .assert()
        .stderr("");
    String::from_utf8(run.get_output().stdout.clone()).expect("UTF-8 output")
}

/// Values that differ from run to run, replaced so a fixture saved again snapshots the same.
fn volatile() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r"\b\d+ ms\b", "[duration] ms");
    settings.add_filter(r"request id [A-Za-z0-9+/=-]+", "request id [request-id]");
    settings.add_filter(r"\b\d{12}\b", "[account-id]");
    settings.add_filter(
        r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z",
        "[timestamp]",
    );
    settings.set_prepend_module_to_snapshot(false);
    settings
}

fn snapshot(name: &str, text: &str) {
    volatile().bind(|| insta::assert_snapshot!(name, text));
}

#[test]
fn table_of_each_fixture() {
    for name in FIXTURES {
        snapshot(&format!("table__{name}"), &show(name, &[]));
    }
}

#[test]
fn verbose_table_lists_the_evidence() {
    for name in [
        "single_every_status",
        "sweep_model_not_in_region",
        "sweep_region_variants",
    ] {
        snapshot(&format!("table_verbose__{name}"), &show(name, &["-v"]));
    }
}

#[test]
fn coloured_table_keeps_its_escape_codes() {
    for name in ["single_every_status", "sweep_use_case_missing"] {
        let text = show(name, &["--color", "always"]);
        snapshot(&format!("table_colour__{name}"), &text);
    }
}

#[test]
fn markdown_of_each_fixture() {
    for name in FIXTURES {
        let text = show(name, &["--format", "markdown"]);
        snapshot(&format!("markdown__{name}"), &text);
    }
}
