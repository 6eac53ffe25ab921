//! Property-based fuzzing of every parser and renderer of the binary that takes outside input:
//! `explain`'s pasted text, `show`'s saved reports of both kinds (arbitrary bytes, also after an
//! organisation stream's header, and reports that pass the schema with arbitrary text in every
//! field), the catalogue's fixes filled with arbitrary values,
//! and `--app` settings files. Properties: no panic, and no control character or unescaped HTML in
//! anything rendered.
//!
//! Each target first replays its checked-in seeds (`tests/fuzz/seeds/<target>/`), then runs
//! `FUZZ_CASES` generated cases (default 64, a short budget for CI). Run longer with, e.g.,
//! `FUZZ_CASES=20000 cargo test --bin bedrock-doctor fuzz -- --nocapture`; a failure prints the
//! shrunk input, which belongs in the seed folder once fixed.

use crate::render::untrusted::has_hazard;
use checks::fuzz_support::{one_of, runner, seeds};
use proptest::prelude::*;

/// Text that looks like what reaches the doctor: AWS-shaped fragments, control characters, bidi
/// controls, markup and arbitrary Unicode, in any order.
fn hostile_text() -> impl Strategy<Value = String> {
    let fragment = prop_oneof![
        9 => one_of(&[
            "AccessDeniedException",
            "User: arn:aws:sts::123456789012:assumed-role/r/s is not authorized to perform: bedrock:InvokeModel on resource: arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0 because ",
            "with an explicit deny in a service control policy",
            "An error occurred (ValidationException) when calling the InvokeModel operation: ",
            "Invocation of model ID anthropic.claude-sonnet-4-5-20250929-v1:0 with on-demand throughput isn’t supported.",
            "\u{1b}[2J\u{1b}]0;t\u{7}\u{9b}1m\u{202e}\u{2066}",
            "</details><img src=x onerror=alert(1)> | ``` <b>",
            "\\u001b \\x1b \\\" b'{\"message\":\"",
            "\n\tstatus code: 403, request id: 1\n",
        ]),
        1 => "[\\x00-\\x{9f}]{0,8}",
        1 => any::<String>(),
    ];
    prop::collection::vec(fragment, 0..12).prop_map(|parts| parts.concat())
}

#[test]
fn explain_never_panics_and_renders_nothing_raw() {
    let check = |text: &str| {
        let explanation = crate::explain::explain(text);
        for verbose in [0, 1] {
            let out = crate::render::untrusted::visible_uncapped(&crate::explain::render_text(
                &explanation,
                verbose,
            ))
            .into_owned();
            assert!(!has_hazard(&out), "raw control character in {out:?}");
        }
        serde_json::to_string(&explanation).expect("an explanation serialises");
    };
    for (path, bytes) in seeds("explain") {
        let text = String::from_utf8_lossy(&bytes);
        let result = std::panic::catch_unwind(|| check(&text));
        assert!(result.is_ok(), "seed {} failed", path.display());
    }
    runner()
        .run(&hostile_text(), |text| {
            check(&text);
            Ok(())
        })
        .unwrap();
}

#[test]
fn show_reads_any_bytes_without_panicking() {
    for (_, bytes) in seeds("show") {
        assert!(crate::report::Report::from_saved(&String::from_utf8_lossy(&bytes)).is_ok());
    }
    runner()
        .run(&prop::collection::vec(any::<u8>(), 0..4096), |bytes| {
            let _ = crate::report::Report::from_saved(&String::from_utf8_lossy(&bytes));
            Ok(())
        })
        .unwrap();
}

/// Every string of a seed report replaced, one by one at random, by hostile text; the
/// enumerations the schema fixes (status, category, fix kind) and the tool's name and version stay,
/// so the report is still read and rendered.
fn poisoned(seed: &serde_json::Value, texts: &[String]) -> serde_json::Value {
    const FIXED: &[&str] = &[
        "status",
        "category",
        "fix_kind",
        "name",
        "schema_version",
        // An organisation report's own enumerations.
        "kind",
        "method",
    ];
    fn walk(value: &mut serde_json::Value, key: Option<&str>, texts: &[String], n: &mut usize) {
        match value {
            serde_json::Value::String(s)
                if !key.is_some_and(|k| FIXED.contains(&k)) && !texts.is_empty() =>
            {
                *s = texts[*n % texts.len()].clone();
                *n += 1;
            }
            serde_json::Value::Array(items) => {
                for item in items {
                    walk(item, key, texts, n);
                }
            }
            serde_json::Value::Object(map) => {
                for (k, v) in map.iter_mut() {
                    walk(v, Some(k.as_str()), texts, n);
                }
            }
            _ => {}
        }
    }
    let mut value = seed.clone();
    let mut n = 0;
    walk(&mut value, None, texts, &mut n);
    value
}

fn without_own_colours(text: &str) -> String {
    regex::Regex::new(r"\x1b\[[0-9;]*m")
        .unwrap()
        .replace_all(text, "")
        .into_owned()
}

#[test]
fn reports_with_arbitrary_text_render_nothing_raw() {
    let seeds: Vec<serde_json::Value> = seeds("show")
        .iter()
        .map(|(_, b)| serde_json::from_slice(b).unwrap())
        .collect();
    let strategy = (0..seeds.len(), prop::collection::vec(hostile_text(), 1..6));
    runner()
        .run(&strategy, |(which, texts)| {
            let json = poisoned(&seeds[which], &texts).to_string();
            let saved = match crate::report::Report::from_saved(&json) {
                Ok(report) => report,
                // A poisoned field the schema types (a timestamp, say) may make it unreadable:
                // that is `show`'s one-line error, not a render.
                Err(_) => return Ok(()),
            };
            let report = crate::render::untrusted::for_display(&saved);
            for verbose in [0, 1] {
                for colour in [false, true] {
                    let out = crate::render::table::render(&report, verbose, colour);
                    let plain = without_own_colours(&out);
                    prop_assert!(!has_hazard(&plain), "table: {plain:?}");
                }
            }
            let md = crate::render::markdown::render(&report);
            prop_assert!(!has_hazard(&md), "markdown: {md:?}");
            let own_tags = md
                .replace("<details><summary>Evidence</summary>", "")
                .replace("</details>", "");
            prop_assert!(!own_tags.contains('<'), "markdown HTML: {md}");
            let junit = crate::render::junit::render(&report);
            prop_assert!(!has_hazard(&junit), "junit: {junit:?}");
            Ok(())
        })
        .unwrap();
}

#[test]
fn show_reads_any_bytes_of_either_kind_without_panicking() {
    let header = serde_json::json!({
        "schema_version": 1, "kind": "organization",
        "tool": {"name": "bedrock-doctor", "version": "0"}, "generated_at": "",
        "caller": {"account_id": null, "arn": null, "organization_id": null,
                   "management_account_id": null, "is_management_account": false},
        "target": {"role_name": "", "external_id": false, "accounts": [], "ou_id": null,
                   "exclude": [], "regions": [], "model_ids": [], "no_invoke": false, "concurrency": 1},
        "accounts": 1
    })
    .to_string();
    runner()
        .run(&prop::collection::vec(any::<u8>(), 0..4096), |bytes| {
            let text = String::from_utf8_lossy(&bytes);
            let _ = crate::org::saved::read(&text);
            // The same bytes as the lines after a valid stream header.
            let _ = crate::org::saved::read(&format!("{header}\n{text}"));
            Ok(())
        })
        .unwrap();
}

#[test]
fn organization_reports_with_arbitrary_text_render_nothing_raw() {
    let seed = serde_json::to_value(crate::render::org_snapshots::organization()).unwrap();
    runner()
        .run(&prop::collection::vec(hostile_text(), 1..6), |texts| {
            let json = poisoned(&seed, &texts).to_string();
            let saved = match crate::org::report::OrgReport::from_saved(&json) {
                Ok(report) => report,
                Err(_) => return Ok(()),
            };
            let report = crate::render::untrusted::for_display_org(&saved);
            for verbose in [0, 1] {
                for colour in [false, true] {
                    let out = crate::render::org::table(&report, verbose, colour);
                    let plain = without_own_colours(&out);
                    prop_assert!(!has_hazard(&plain), "table: {plain:?}");
                }
            }
            let md = crate::render::org::markdown(&report);
            prop_assert!(!has_hazard(&md), "markdown: {md:?}");
            let own_tags = md
                .replace("<details><summary>Evidence</summary>", "")
                .replace("</details>", "");
            prop_assert!(!own_tags.contains('<'), "markdown HTML: {md}");
            let junit = crate::render::org::junit(&report);
            prop_assert!(!has_hazard(&junit), "junit: {junit:?}");
            Ok(())
        })
        .unwrap();
}

#[test]
fn catalogue_fixes_filled_with_arbitrary_values_render_nothing_raw() {
    let catalogue = checks::catalogue::catalogue();
    let strategy = (0..catalogue.entries().len(), hostile_text());
    runner()
        .run(&strategy, |(which, value)| {
            let diagnosis = &catalogue.entries()[which];
            let vars: std::collections::BTreeMap<&str, String> = checks::catalogue::FIX_VARIABLES
                .iter()
                .map(|name| (*name, value.clone()))
                .collect();
            let fix = checks::catalogue::render_fix(&diagnosis.fix, &vars);
            let terminal = crate::render::untrusted::visible(&fix);
            prop_assert!(!has_hazard(&terminal));
            for line in fix.lines() {
                let md = crate::render::untrusted::md_prose(line);
                prop_assert!(!has_hazard(&md));
                prop_assert!(!md.contains('<'), "raw `<` in Markdown: {md}");
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn app_settings_files_of_any_content_never_panic() {
    let home = tempfile::tempdir().unwrap();
    let project = tempfile::tempdir().unwrap();
    let settings_dir = home.path().join(".claude");
    std::fs::create_dir_all(&settings_dir).unwrap();
    let path = settings_dir.join("settings.json");
    let env = |_: &str| None;
    let inputs = crate::app::Inputs {
        env: &env,
        home: Some(home.path().to_path_buf()),
        project: project.path().to_path_buf(),
        managed: vec![],
    };
    let resolve = |bytes: &[u8]| {
        std::fs::write(&path, bytes).unwrap();
        if let Ok(resolved) = crate::app::resolve(crate::app::App::ClaudeCode, &inputs) {
            for line in crate::render::app_lines(&resolved.report) {
                let shown = crate::render::untrusted::visible(&line);
                assert!(!has_hazard(&shown));
            }
        }
    };
    for (_, bytes) in seeds("app") {
        resolve(&bytes);
    }
    // Settings-shaped JSON with arbitrary values, and arbitrary bytes.
    let json_like = (hostile_text(), hostile_text(), hostile_text()).prop_map(|(a, b, c)| {
        serde_json::json!({"model": a, "env": {"AWS_REGION": b, "ANTHROPIC_MODEL": c, b.clone(): a}})
            .to_string()
            .into_bytes()
    });
    let strategy = prop_oneof![json_like, prop::collection::vec(any::<u8>(), 0..2048)];
    runner()
        .run(&strategy, |bytes| {
            resolve(&bytes);
            Ok(())
        })
        .unwrap();
}
