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
