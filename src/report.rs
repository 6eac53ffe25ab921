//! The JSON report, schema_version 1: the contract support staff and other tools read. Every field
//! is always present; unknown values are `null`.

use checks::{Evidence, Status};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub const SCHEMA_VERSION: u32 = 1;
pub const TOOL_NAME: &str = "bedrock-doctor";

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Report {
    pub schema_version: u32,
    pub tool: Tool,
    pub generated_at: String,
    pub duration_ms: u64,
    pub target: Target,
    pub identity: Option<Identity>,
    pub summary: Summary,
    pub checks: Vec<CheckResult>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Target {
    /// The region of a single-region run; the first region of a `--regions` sweep (where the
    /// account-wide checks ran).
    pub region: Option<String>,
    /// Every region checked, in order: the `--regions` list, or the one region of a
    /// single-region run (empty when none was configured).
    #[serde(default)]
    pub regions: Vec<String>,
    pub profile: Option<String>,
    pub model_id: Option<String>,
    /// Every model under test, in the order given (`--model a,b`); the picked one without `--model`.
    #[serde(default)]
    pub model_ids: Vec<String>,
    pub inference_profile_id: Option<String>,
    pub endpoint_url: Option<String>,
    /// With `--app`: what the app's configuration resolved to, each value with its source.
    #[serde(default)]
    pub app: Option<AppReport>,
}

/// An application's configuration as `--app` read it (an addition to schema_version 1).
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct AppReport {
    /// The `--app` value, e.g. `claude-code`.
    pub name: String,
    /// The variables and settings the app reads, where set; secrets are never shown.
    pub values: Vec<AppValue>,
    /// What in the app's configuration matters beyond the checks (e.g. Bedrock not enabled).
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct AppValue {
    pub key: String,
    pub value: String,
    /// `environment`, or the settings file (and its key) it came from.
    pub source: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Identity {
    pub account_id: Option<String>,
    pub arn: Option<String>,
    pub principal_type: Option<String>,
    pub credential_source: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Summary {
    pub pass: u32,
    pub warn: u32,
    pub fail: u32,
    pub skip: u32,
    pub error: u32,
}

impl Summary {
    pub fn of(checks: &[CheckResult]) -> Summary {
        let mut summary = Summary::default();
        for check in checks {
            *match check.status {
                Status::Pass => &mut summary.pass,
                Status::Warn => &mut summary.warn,
                Status::Fail => &mut summary.fail,
                Status::Skip => &mut summary.skip,
                Status::Error => &mut summary.error,
            } += 1;
        }
        summary
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct CheckResult {
    pub id: String,
    /// The model a per-model check is about; `null` for account-wide checks.
    #[serde(default)]
    pub subject: Option<String>,
    /// The region a region-scoped check ran in; `null` for account-wide checks (credentials,
    /// identity, clock, IAM permissions), which run once per run.
    #[serde(default)]
    pub region: Option<String>,
    pub title: String,
    pub category: String,
    pub status: Status,
    pub diagnosis: Option<String>,
    pub summary: String,
    pub fix: Option<String>,
    pub evidence: Vec<Evidence>,
    pub duration_ms: u64,
}

/// The JSON Schema of the report, generated from these types. Every property is required: the
/// contract is that unknown values are `null`, never omitted.
pub fn schema() -> serde_json::Value {
    schema_of(
        schemars::schema_for!(Report),
        "https://github.com/bedrock-doctor/bedrock-doctor/schema/report.schema.json",
        "bedrock-doctor report, schema_version 1",
    )
}

/// A generated schema with every property required, and its `$id` and `title`.
pub fn schema_of(schema: schemars::Schema, id: &str, title: &str) -> serde_json::Value {
    let mut schema = serde_json::to_value(schema).unwrap_or_default();
    require_every_property(&mut schema);
    if let Some(root) = schema.as_object_mut() {
        root.insert("$id".into(), id.into());
        root.insert("title".into(), title.into());
    }
    schema
}

fn require_every_property(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            if let Some(serde_json::Value::Object(props)) = map.get("properties") {
                let mut keys: Vec<String> = props.keys().cloned().collect();
                // Sorted: the order of map keys depends on serde_json's features, which differ
                // between builds of the workspace.
                keys.sort();
                let keys: Vec<serde_json::Value> =
                    keys.into_iter().map(serde_json::Value::String).collect();
                map.insert("required".into(), serde_json::Value::Array(keys));
            }
            map.values_mut().for_each(require_every_property);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(require_every_property),
        _ => {}
    }
}

/// When the process fails: the contract's default is on `fail` and `error`; `--fail-on warn` adds
/// warnings, for CI pipelines that want them to break the build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    Warn,
    Fail,
}

impl Report {
    /// Whether this is a `--regions` sweep over more than one region (rendered as a matrix).
    pub fn is_sweep(&self) -> bool {
        self.target.regions.len() > 1
    }

    /// The exit code the contract gives this report: 1 when anything failed or could not be judged
    /// (or warned, with `--fail-on warn`).
    pub fn exit_code(&self, fail_on: FailOn) -> i32 {
        let warned = fail_on == FailOn::Warn && self.summary.warn > 0;
        if self.summary.fail > 0 || self.summary.error > 0 || warned {
            1
        } else {
            0
        }
    }

    /// Reads a saved report, refusing other schemas with a one-line reason.
    pub fn from_saved(text: &str) -> Result<Report, String> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| format!("not a JSON report ({e})"))?;
        let tool = value.pointer("/tool/name").and_then(|v| v.as_str());
        let version = value.get("schema_version").and_then(|v| v.as_u64());
        match (tool, version) {
            (Some(TOOL_NAME), Some(v)) if v == u64::from(SCHEMA_VERSION) => {}
            (Some(TOOL_NAME), Some(v)) if v > u64::from(SCHEMA_VERSION) => {
                return Err(format!(
                    "report schema_version {v} is newer than this bedrock-doctor understands ({SCHEMA_VERSION}); upgrade bedrock-doctor"
                ))
            }
            (Some(TOOL_NAME), Some(v)) => return Err(format!("report schema_version {v} is not supported")),
            _ => return Err("not a bedrock-doctor report (no tool.name \"bedrock-doctor\" and schema_version)".into()),
        }
        serde_json::from_value(value).map_err(|e| format!("malformed bedrock-doctor report ({e})"))
    }
}
