//! Keeps the text the doctor ships in step with its sources: the generated pages of `docs/` with
//! the catalogue, the check registry and the report's schema; the policy shown in `docs/checks.md`
//! with what `bedrock-doctor policy` prints; the region lists with botocore's endpoint data.
//! `UPDATE_README=1 cargo test --test sync` rewrites every generated section.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

fn repo_file(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(relative)
}

fn read(relative: &str) -> String {
    std::fs::read_to_string(repo_file(relative))
        .unwrap_or_else(|e| panic!("{relative} cannot be read: {e}"))
}

/// The markers around a generated section: the start names its source and how to regenerate it.
fn markers(name: &str, source: &str) -> (String, String) {
    (
        format!("<!-- {name}: generated from {source} by tests/sync.rs; UPDATE_README=1 cargo test --test sync -->"),
        format!("<!-- {name}: end -->"),
    )
}

/// Asserts that the section `name` of the Markdown file `relative` is `body`, or rewrites it with
/// `UPDATE_README` set. Only the text between the markers is generated; the rest of the page is
/// written by hand.
fn assert_generated(relative: &str, name: &str, source: &str, body: &str) {
    let (start_marker, end_marker) = markers(name, source);
    let page = read(relative);
    let (Some(start), Some(end)) = (page.find(&start_marker), page.find(&end_marker)) else {
        panic!("{relative} lacks the markers of its generated {name} section:\n{start_marker}\n{end_marker}");
    };
    let current = &page[start..end + end_marker.len()];
    let wanted = format!("{start_marker}\n\n{}\n{end_marker}", body.trim_end());
    if current != wanted && std::env::var_os("UPDATE_README").is_some() {
        std::fs::write(repo_file(relative), page.replace(current, &wanted)).unwrap();
        return;
    }
    assert!(
        current == wanted,
        "{relative}'s {name} section is stale: run UPDATE_README=1 cargo test --test sync"
    );
}

/// A Markdown table cell: a `|` would end the cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// Every diagnosis of the catalogue: the code table, then each cause and fix.
fn diagnoses_section() -> String {
    let mut out = String::from("| Code | Category | What is wrong |\n|---|---|---|\n");
    let entries = checks::catalogue::catalogue().entries();
    for d in entries {
        out.push_str(&format!(
            "| `{}` | {} | {} |\n",
            d.code,
            d.category.as_str(),
            cell(&d.title)
        ));
    }
    for d in entries {
        out.push_str(&format!(
            "\n### `{}`\n\n**Cause.** {}\n\n**Fix.**\n\n",
            d.code,
            d.cause.trim()
        ));
        for line in d.fix.trim().lines() {
            out.push_str(&format!("> {line}\n"));
        }
    }
    out
}

#[test]
fn diagnoses_page_carries_the_catalogue_with_causes_and_fixes() {
    assert_generated(
        "docs/diagnoses.md",
        "diagnoses",
        "checks/catalogue.toml",
        &diagnoses_section(),
    );
}

/// Where a check runs: once per run, in each region of a sweep, and per model under test.
fn scope(meta: &checks::CheckMeta) -> &'static str {
    match (meta.per_region, meta.per_model) {
        (false, false) => "once (account-wide)",
        (false, true) => "once per model",
        (true, false) => "in each region",
        (true, true) => "in each region, per model",
    }
}

/// The IAM actions a check may call; the two that invoke a model (and so may cost tokens) marked.
fn actions(meta: &checks::CheckMeta) -> String {
    if meta.calls.is_empty() {
        return "none".to_string();
    }
    meta.calls
        .iter()
        .map(|action| match *action {
            "bedrock:InvokeModel" | "bedrock:InvokeModelWithResponseStream" => {
                format!("`{action}` (**cost**)")
            }
            _ => format!("`{action}`"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every check of the registry, in registry order (the order of `bedrock-doctor list`).
fn checks_section() -> String {
    let mut out = String::from(
        "| Id | Title | Category | Runs | Verifies | IAM actions (its shared facts' included) |\n|---|---|---|---|---|---|\n",
    );
    for check in checks::registry() {
        let meta = check.meta();
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} | {} |\n",
            meta.id,
            cell(meta.title),
            meta.category.as_str(),
            scope(meta),
            cell(meta.description),
            actions(meta)
        ));
    }
    out
}

#[test]
fn checks_page_carries_the_registry() {
    assert_generated(
        "docs/checks.md",
        "checks",
        "the check registry (checks/src/checks/)",
        &checks_section(),
    );
}

fn joined(
    items: &[serde_json::Value],
    each: impl Fn(&serde_json::Value) -> String,
    separator: &str,
) -> String {
    items.iter().map(each).collect::<Vec<_>>().join(separator)
}

/// The schema's type of one property, as a reader says it.
fn schema_type(property: &serde_json::Value) -> String {
    if let Some(reference) = property["$ref"].as_str() {
        let name = reference.trim_start_matches("#/$defs/");
        return format!("[{name}](#{})", name.to_lowercase());
    }
    if let Some(any_of) = property["anyOf"].as_array() {
        return joined(any_of, schema_type, " or ");
    }
    if property["type"] == "array" {
        return format!("array of {}", schema_type(&property["items"]));
    }
    if let Some(values) = property["enum"].as_array() {
        let literal = |v: &serde_json::Value| format!("`{}`", v.as_str().unwrap_or_default());
        return joined(values, literal, ", ");
    }
    if let Some(one_of) = property["oneOf"].as_array() {
        return joined(one_of, schema_type, ", ");
    }
    if let Some(value) = property["const"].as_str() {
        return format!("`{value}`");
    }
    match &property["type"] {
        serde_json::Value::Array(types) => joined(
            types,
            |t| t.as_str().unwrap_or_default().to_string(),
            " or ",
        ),
        serde_json::Value::String(t) => t.clone(),
        _ => "any".to_string(),
    }
}

/// One object of the schema: its description, then a table of its properties in schema order.
fn schema_object(out: &mut String, heading: &str, object: &serde_json::Value) {
    out.push_str(&format!("\n### {heading}\n\n"));
    if let Some(description) = object["description"].as_str() {
        out.push_str(&format!("{}\n\n", description.replace('\n', " ")));
    }
    let Some(properties) = object["properties"].as_object() else {
        out.push_str(&format!("Type: {}.\n", schema_type(object)));
        return;
    };
    out.push_str("| Field | Type | Meaning |\n|---|---|---|\n");
    // Sorted by name: serde_json keeps the file's order only with its `preserve_order` feature,
    // which the workspace's feature unification turns on in some builds and not in others.
    let properties: std::collections::BTreeMap<_, _> = properties.iter().collect();
    for (name, property) in properties {
        out.push_str(&format!(
            "| `{name}` | {} | {} |\n",
            cell(&schema_type(property)),
            cell(property["description"].as_str().unwrap_or_default())
        ));
    }
}

/// Every object of the shipped JSON Schema `path`: the report itself (`root`), then each
/// definition.
fn schema_section(path: &str, root: &str) -> String {
    let schema: serde_json::Value = serde_json::from_str(&read(path)).unwrap();
    let mut out = format!(
        "Schema: `{}` ({}).\n",
        schema["$id"].as_str().unwrap_or_default(),
        schema["title"].as_str().unwrap_or_default()
    );
    schema_object(&mut out, root, &schema);
    let definitions: std::collections::BTreeMap<_, _> =
        schema["$defs"].as_object().unwrap().iter().collect();
    for (name, definition) in definitions {
        schema_object(&mut out, name, definition);
    }
    out
}

#[test]
fn report_page_carries_the_schema() {
    assert_generated(
        "docs/report.md",
        "report",
        "schema/report.schema.json",
        &schema_section("schema/report.schema.json", "Report"),
    );
}

#[test]
fn report_page_carries_the_organization_schema() {
    assert_generated(
        "docs/report.md",
        "organization report",
        "schema/organization.schema.json",
        &schema_section("schema/organization.schema.json", "OrgReport"),
    );
}

#[test]
fn docs_list_every_diagnosis_code_and_check() {
    let diagnoses = read("docs/diagnoses.md");
    for code in checks::dx::ALL {
        assert!(
            diagnoses.contains(&format!("| `{code}` |")),
            "docs/diagnoses.md's code table lacks `{code}`"
        );
    }
    let checks_page = read("docs/checks.md");
    for check in checks::registry() {
        assert!(
            checks_page.contains(&format!("| `{}` |", check.meta().id)),
            "docs/checks.md's check table lacks `{}`",
            check.meta().id
        );
    }
}

/// The rows of the hand-written cost table in docs/checks.md: the check ids it names.
fn costly_checks_named(page: &str) -> Vec<String> {
    let heading = "## What costs money";
    let start = page
        .find(heading)
        .expect("docs/checks.md says what costs money");
    page[start..]
        .lines()
        .skip_while(|line| !line.starts_with("| Check |"))
        .skip(2)
        .take_while(|line| line.starts_with('|'))
        .filter_map(|line| line.split('`').nth(1).map(str::to_string))
        .collect()
}

#[test]
fn cost_table_names_only_checks_that_may_invoke() {
    let named = costly_checks_named(&read("docs/checks.md"));
    assert!(!named.is_empty(), "docs/checks.md's cost table has no rows");
    for id in &named {
        let check = checks::registry()
            .iter()
            .find(|c| c.meta().id == id)
            .unwrap_or_else(|| panic!("docs/checks.md's cost table names `{id}`, no check"));
        assert!(
            check.meta().calls.contains(&"bedrock:InvokeModel"),
            "docs/checks.md says `{id}` costs money, but it declares no bedrock:InvokeModel"
        );
    }
}

/// The front page keeps what a newcomer must find there: the cost paragraph and the links on.
#[test]
fn readme_says_what_costs_money_and_links_the_references() {
    let readme = read("README.md");
    assert!(
        readme.contains("## What costs money"),
        "README.md lost its cost paragraph"
    );
    for page in ["docs/diagnoses.md", "docs/checks.md", "docs/report.md"] {
        assert!(
            readme.contains(&format!("]({page}")),
            "README.md does not link {page}"
        );
    }
}

/// What `bedrock-doctor SUBCOMMAND` prints, as JSON.
fn printed_json(subcommand: &str) -> serde_json::Value {
    printed_json_of(&[subcommand])
}

/// What `bedrock-doctor ARGS…` prints, as JSON.
fn printed_json_of(args: &[&str]) -> serde_json::Value {
    let out = assert_cmd::Command::cargo_bin("bedrock-doctor")
        .unwrap()
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "bedrock-doctor {args:?} failed");
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn policy_page_shows_the_one_the_binary_prints() {
    let page = read("docs/checks.md");
    let marker = "Today it is:\n\n```json\n";
    let start = page
        .find(marker)
        .expect("docs/checks.md shows the least-privilege policy")
        + marker.len();
    let end = start + page[start..].find("```").unwrap();
    let shown: serde_json::Value =
        serde_json::from_str(&page[start..end]).expect("docs/checks.md's policy is JSON");
    let printed = printed_json("policy");
    assert_eq!(
        shown, printed,
        "docs/checks.md's policy is stale: paste the output of `bedrock-doctor policy`"
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
    assert_eq!(
        names(checks::regions::ALL_REGIONS),
        regions,
        "checks/src/regions.rs ALL_REGIONS drifted from botocore partitions.json"
    );

    let endpoints: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(data.join("endpoints.json")).unwrap())
            .unwrap();
    assert_eq!(
        names(checks::regions::BEDROCK_REGIONS),
        bedrock_endpoints(&endpoints, |_| true),
        "checks/src/regions.rs BEDROCK_REGIONS drifted from botocore endpoints.json"
    );
    assert_eq!(
        names(checks::regions::COMMERCIAL_BEDROCK_REGIONS),
        bedrock_endpoints(&endpoints, |partition| partition == "aws"),
        "checks/src/regions.rs COMMERCIAL_BEDROCK_REGIONS drifted from botocore endpoints.json"
    );
}

fn names(regions: &[&str]) -> BTreeSet<String> {
    regions.iter().map(|s| s.to_string()).collect()
}

/// The regional Bedrock endpoints of botocore's endpoint data in the partitions `keep` accepts:
/// not the `bedrock-…` runtime/agent aliases, no FIPS endpoint, none deprecated.
fn bedrock_endpoints(
    endpoints: &serde_json::Value,
    keep: impl Fn(&str) -> bool,
) -> BTreeSet<String> {
    endpoints["partitions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| keep(p["partition"].as_str().unwrap_or_default()))
        .filter_map(|p| p["services"]["bedrock"]["endpoints"].as_object())
        .flat_map(|e| e.iter())
        .filter(|(name, spec)| {
            !name.starts_with("bedrock-")
                && !name.contains("fips")
                && spec.get("deprecated").is_none()
        })
        .map(|(name, _)| name.clone())
        .collect()
}

#[test]
fn shipped_schema_is_the_one_the_binary_prints() {
    let printed = printed_json("schema");
    let shipped: serde_json::Value =
        serde_json::from_str(&read("schema/report.schema.json")).unwrap();
    assert_eq!(
        printed, shipped,
        "regenerate: cargo run -- schema > schema/report.schema.json"
    );
}

#[test]
fn shipped_organization_schema_is_the_one_the_binary_prints() {
    let printed = printed_json_of(&["schema", "--org"]);
    let shipped: serde_json::Value =
        serde_json::from_str(&read("schema/organization.schema.json")).unwrap();
    assert_eq!(
        printed, shipped,
        "regenerate: cargo run -- schema --org > schema/organization.schema.json"
    );
}
