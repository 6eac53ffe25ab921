//! Snapshots of `--format junit` over the saved reports in tests/fixtures/reports/ (the same
//! fixtures tests/render_snapshots.rs shows as table and Markdown). JUnit is written only by a
//! live `check`, so these render the fixtures directly, as `check` would after the run.

use crate::report::Report;

fn fixture(name: &str) -> Report {
    let path = format!(
        "{}/tests/fixtures/reports/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    Report::from_saved(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn junit_of_each_fixture() {
    // What differs from run to run: timings (the attributes and the summaries' "N ms") and the
    // report's timestamp.
    let volatile = [
        (r#"time="[0-9.]+""#, r#"time="[seconds]""#),
        (r"\b\d+ ms\b", "[duration] ms"),
        (
            r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z",
            "[timestamp]",
        ),
    ];
    let mut settings = insta::Settings::clone_current();
    for (pattern, replacement) in volatile {
        settings.add_filter(pattern, replacement);
    }
    settings.set_prepend_module_to_snapshot(false);
    for name in [
        "single_every_status",
        "single_no_credentials",
        "sweep_model_not_in_region",
        "sweep_use_case_missing",
    ] {
        let report = super::untrusted::for_display(&fixture(name));
        let xml = super::junit::render(&report);
        settings.bind(|| insta::assert_snapshot!(format!("junit__{name}"), xml));
    }
}
