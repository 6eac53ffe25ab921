//! No template placeholder ever reaches output: every catalogue entry's cause and fix, rendered as
//! the doctor and `explain` render them, and every check's summary and fix in every end-to-end
//! scenario, run on the test bed.

mod support;

use checks::catalogue::{catalogue, render_fix, FIX_VARIABLES};
use regex::Regex;
use std::collections::BTreeMap;
use support::Bed;

/// `{name}` (a variable left unfilled) or `<name>` (the shape of a value nobody filled in).
fn placeholders(text: &str) -> Vec<String> {
    let re = Regex::new(r"\{[a-z][a-z_]*\}|<[a-z][a-z_ -]*>").unwrap();
    re.find_iter(text).map(|m| m.as_str().to_string()).collect()
}

#[test]
fn the_detector_sees_both_shapes() {
    assert_eq!(
        placeholders("Did you mean <suggestion>? in {region}; {\"Effect\": \"Allow\"}"),
        ["<suggestion>", "{region}"]
    );
    assert!(placeholders("`aws sso login --profile default` in $AWS_REGION").is_empty());
}

#[test]
fn every_catalogue_entry_renders_without_placeholders() {
    // As `explain` renders a message naming nothing, and as the doctor renders a check that set
    // only the region (`runner` adds it to every report).
    let none = BTreeMap::new();
    let mut region = BTreeMap::new();
    region.insert("region", "us-east-1".to_string());
    let mut all = BTreeMap::new();
    for name in FIX_VARIABLES {
        all.insert(*name, format!("value-of-{name}"));
    }
    for entry in catalogue().entries() {
        for vars in [&none, &region, &all] {
            for (what, text) in [
                ("fix", render_fix(entry.fix.trim(), vars)),
                ("cause", render_fix(entry.cause.trim(), vars)),
            ] {
                let found = placeholders(&text);
                assert!(
                    found.is_empty(),
                    "{} {what} with {:?} shows {found:?}:\n{text}",
                    entry.code,
                    vars.keys().collect::<Vec<_>>()
                );
            }
        }
    }
}

#[test]
fn no_scenario_report_shows_a_placeholder() {
    let mut names: Vec<String> = std::fs::read_dir("tests/scenarios")
        .unwrap()
        .filter_map(|e| {
            let path = e.ok()?.path();
            let stem = path.file_stem()?.to_string_lossy().into_owned();
            (path.extension()? == "toml").then_some(stem)
        })
        .collect();
    names.sort();
    assert!(names.len() >= 20, "{names:?}");
    // Two at a time: each run starts its own stub, and the machine is shared.
    let failures: Vec<String> = names
        .chunks(2)
        .flat_map(|pair| {
            std::thread::scope(|s| {
                let runs: Vec<_> = pair
                    .iter()
                    .map(|name| s.spawn(move || scenario_placeholders(name)))
                    .collect();
                runs.into_iter()
                    .flat_map(|r| r.join().unwrap())
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Runs the doctor on one scenario and lists every placeholder in a check's summary or fix.
fn scenario_placeholders(name: &str) -> Vec<String> {
    let bed = Bed::new(name);
    let run = bed.run(&["--format", "json"]);
    let report = run.json();
    let checks = report["checks"].as_array().expect("checks");
    assert!(!checks.is_empty(), "{name}: {run}");
    let mut found = Vec::new();
    for c in checks {
        for field in ["summary", "fix"] {
            let text = c[field].as_str().unwrap_or_default();
            for p in placeholders(text) {
                found.push(format!("{name}: {} {field} shows {p}: {text}", c["id"]));
            }
        }
    }
    found
}

/// A sweep prints a fix once for the regions whose fixes differ only by their region's name: the
/// stand-in for that name is a shell variable the output explains, never a `<region>`.
#[test]
fn a_sweep_names_its_stand_in_for_each_region_in_table_and_markdown() {
    let mut stood_in = 0;
    // Two opt-in regions the account has not enabled: the enable-region fix names each region.
    let mut disabled = testbed::Scenario::load("region_disabled");
    disabled.disabled_regions = vec!["me-central-1".into(), "af-south-1".into()];
    let beds = [
        (
            "use_case_missing",
            Bed::new("use_case_missing"),
            "us-east-1,us-west-2,eu-west-1",
        ),
        (
            "model_not_in_region",
            Bed::new("model_not_in_region"),
            "us-east-1,us-west-2,eu-west-1",
        ),
        (
            "iam_denies_invoke",
            Bed::new("iam_denies_invoke"),
            "us-east-1,us-west-2,eu-west-1",
        ),
        (
            "throttled_always",
            Bed::new("throttled_always"),
            "us-east-1,us-west-2,eu-west-1",
        ),
        (
            "region_disabled",
            Bed::from_scenario(disabled),
            "me-central-1,af-south-1,us-east-1",
        ),
    ];
    for (scenario, bed, regions) in &beds {
        for format in ["table", "markdown"] {
            let run = bed.run(&["--regions", regions, "--format", format, "--color", "never"]);
            let own_tags = run
                .stdout
                .replace("<details>", "")
                .replace("</details>", "")
                .replace("<summary>", "")
                .replace("</summary>", "");
            let found = placeholders(&own_tags);
            assert!(found.is_empty(), "{scenario} {format}: {found:?}\n{run}");
            if run.stdout.contains("$REGION") {
                stood_in += 1;
                assert!(
                    run.stdout.contains("set to each of"),
                    "{scenario} {format}: $REGION is not explained\n{run}"
                );
            }
        }
    }
    assert!(
        stood_in > 0,
        "no sweep grouped a fix by region: the test proves nothing"
    );
}
