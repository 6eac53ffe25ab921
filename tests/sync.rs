//! Keeps the data the doctor ships in step with its sources: the README with the catalogue and the
//! registry, and the region lists with botocore's endpoint data.

use std::collections::BTreeSet;
use std::process::Command;

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap()
}

const START: &str = "<!-- diagnoses: generated from checks/catalogue.toml by tests/sync.rs; UPDATE_README=1 cargo test --test sync -->";
const END: &str = "<!-- diagnoses: end -->";

/// The README's catalogue section, from the catalogue itself.
fn diagnoses_section() -> String {
    let mut out = format!("{START}\n\n| Code | Category | What is wrong |\n|---|---|---|\n");
    let entries = checks::catalogue::catalogue().entries();
    for d in entries {
        out.push_str(&format!(
            "| `{}` | {} | {} |\n",
            d.code,
            d.category.as_str(),
            d.title
        ));
    }
    for d in entries {
        out.push_str(&format!(
            "\n#### `{}`\n\n**Cause.** {}\n\n**Fix.**\n\n",
            d.code,
            d.cause.trim()
        ));
        for line in d.fix.trim().lines() {
            out.push_str(&format!("> {line}\n"));
        }
    }
    out.push_str(&format!("\n{END}"));
    out
}

#[test]
fn readme_carries_the_catalogue_with_causes_and_fixes() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
    let readme = readme();
    let (Some(start), Some(end)) = (readme.find(START), readme.find(END)) else {
        panic!("README.md lacks the generated diagnoses section markers");
    };
    let current = &readme[start..end + END.len()];
    let wanted = diagnoses_section();
    if current != wanted && std::env::var_os("UPDATE_README").is_some() {
        std::fs::write(path, readme.replace(current, &wanted)).unwrap();
        return;
    }
    assert!(
        current == wanted,
        "README's diagnoses section is stale: run UPDATE_README=1 cargo test --test sync"
    );
}

#[test]
fn readme_lists_every_diagnosis_code_and_check() {
    let readme = readme();
    for code in checks::dx::ALL {
        assert!(
            readme.contains(&format!("| `{code}` |")),
            "README's code table lacks `{code}`"
        );
    }
    for check in checks::registry() {
        assert!(
            readme.contains(&format!("| `{}` |", check.meta().id)),
            "README's check table lacks `{}`",
            check.meta().id
        );
    }
}

#[test]
fn readme_policy_is_the_one_the_binary_prints() {
    let readme = readme();
    let marker = "Today it is:\n\n```json\n";
    let start = readme
        .find(marker)
        .expect("README.md shows the least-privilege policy")
        + marker.len();
    let end = start + readme[start..].find("```").unwrap();
    let shown: serde_json::Value =
        serde_json::from_str(&readme[start..end]).expect("the README's policy is JSON");
    let out = assert_cmd::Command::cargo_bin("bedrock-doctor")
        .unwrap()
        .arg("policy")
        .output()
        .unwrap();
    assert!(out.status.success());
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        shown, printed,
        "README's policy is stale: paste the output of `bedrock-doctor policy`"
    );
}

fn botocore_data() -> std::path::PathBuf {
    let out = Command::new("python3")
        .args([
            "-c",
            "import botocore, os; print(os.path.dirname(botocore.__file__))",
        ])
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "botocore is missing: python3 -m pip install -r tests/requirements.txt\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::path::PathBuf::from(String::from_utf8(out.stdout).unwrap().trim()).join("data")
}

#[test]
fn region_lists_match_botocore() {
    let data = botocore_data();
    let partitions: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(data.join("partitions.json")).unwrap())
            .unwrap();
    let regions: BTreeSet<String> = partitions["partitions"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["regions"].as_object().unwrap().keys().cloned())
        .filter(|r| !r.ends_with("-global"))
        .collect();
    let ours: BTreeSet<String> = checks::regions::ALL_REGIONS
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(
        ours, regions,
        "checks/src/regions.rs ALL_REGIONS drifted from botocore partitions.json"
    );

    let endpoints: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(data.join("endpoints.json")).unwrap())
            .unwrap();
    let bedrock: BTreeSet<String> = endpoints["partitions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["services"]["bedrock"]["endpoints"].as_object())
        .flat_map(|e| e.iter())
        .filter(|(name, spec)| {
            !name.starts_with("bedrock-")
                && !name.contains("fips")
                && spec.get("deprecated").is_none()
        })
        .map(|(name, _)| name.clone())
        .collect();
    let ours: BTreeSet<String> = checks::regions::BEDROCK_REGIONS
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(
        ours, bedrock,
        "checks/src/regions.rs BEDROCK_REGIONS drifted from botocore endpoints.json"
    );

    let commercial: BTreeSet<String> = endpoints["partitions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["partition"] == "aws")
        .filter_map(|p| p["services"]["bedrock"]["endpoints"].as_object())
        .flat_map(|e| e.iter())
        .filter(|(name, spec)| {
            !name.starts_with("bedrock-")
                && !name.contains("fips")
                && spec.get("deprecated").is_none()
        })
        .map(|(name, _)| name.clone())
        .collect();
    let ours: BTreeSet<String> = checks::regions::COMMERCIAL_BEDROCK_REGIONS
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(
        ours, commercial,
        "checks/src/regions.rs COMMERCIAL_BEDROCK_REGIONS drifted from botocore endpoints.json"
    );
}

#[test]
fn shipped_schema_is_the_one_the_binary_prints() {
    let out = assert_cmd::Command::cargo_bin("bedrock-doctor")
        .unwrap()
        .arg("schema")
        .output()
        .unwrap();
    assert!(out.status.success());
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let shipped: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/schema/report.schema.json"
        ))
        .unwrap(),
    )
    .unwrap();
    assert_eq!(
        printed, shipped,
        "regenerate: cargo run -- schema > schema/report.schema.json"
    );
}
