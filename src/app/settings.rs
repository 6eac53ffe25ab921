//! Claude Code's settings files: where they are, their precedence, and a variable as the app sees it
//! (https://code.claude.com/docs/en/settings).

use super::Inputs;
use anyhow::{bail, Context, Result};
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// One settings file's `env` block and `model`.
pub(super) struct SettingsFile {
    /// The file as the report names it (`~/.claude/settings.json`).
    pub shown: String,
    pub env: Map<String, Value>,
    pub model: Option<String>,
    pub aws_auth_refresh: bool,
    pub aws_credential_export: bool,
}

fn read_settings(path: &Path, shown: String) -> Result<Option<SettingsFile>> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => bail!("--app: cannot read {shown}: {e}"),
    };
    let json: Value =
        serde_json::from_str(&text).with_context(|| format!("--app: {shown} is not valid JSON"))?;
    let Value::Object(top) = json else {
        bail!("--app: {shown} is not a JSON object");
    };
    let env = match top.get("env") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(env)) => env.clone(),
        Some(_) => bail!("--app: `env` in {shown} is not an object"),
    };
    for (key, value) in &env {
        if !matches!(value, Value::String(_) | Value::Number(_) | Value::Bool(_)) {
            bail!("--app: `env.{key}` in {shown} is not a string");
        }
    }
    Ok(Some(SettingsFile {
        shown,
        env,
        model: top.get("model").and_then(Value::as_str).map(str::to_string),
        aws_auth_refresh: top.get("awsAuthRefresh").is_some_and(|v| !v.is_null()),
        aws_credential_export: top.get("awsCredentialExport").is_some_and(|v| !v.is_null()),
    }))
}

fn scalar(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The settings files in precedence order, lowest first; the later a file, the more it wins.
pub(super) fn settings_files(inputs: &Inputs) -> Result<Vec<SettingsFile>> {
    let user_dir = match (inputs.env)("CLAUDE_CONFIG_DIR").filter(|d| !d.is_empty()) {
        Some(dir) => Some((PathBuf::from(&dir), format!("{dir}/settings.json"))),
        None => inputs
            .home
            .as_ref()
            .map(|h| (h.join(".claude"), "~/.claude/settings.json".to_string())),
    };
    let mut candidates: Vec<(PathBuf, String)> = Vec::new();
    if let Some((dir, shown)) = user_dir {
        candidates.push((dir.join("settings.json"), shown));
    }
    candidates.push((
        inputs.project.join(".claude/settings.json"),
        ".claude/settings.json".into(),
    ));
    candidates.push((
        inputs.project.join(".claude/settings.local.json"),
        ".claude/settings.local.json".into(),
    ));
    for managed in &inputs.managed {
        candidates.push((managed.clone(), managed.display().to_string()));
    }
    let mut files = Vec::new();
    for (path, shown) in candidates {
        files.extend(read_settings(&path, shown)?);
    }
    Ok(files)
}

/// A variable as the app sees it: the most precedent settings file that sets it, else the shell.
pub(super) fn lookup(
    files: &[SettingsFile],
    inputs: &Inputs,
    key: &str,
) -> Option<(String, String)> {
    files
        .iter()
        .rev()
        .find_map(|f| {
            f.env
                .get(key)
                .map(|v| (scalar(v), format!("{} (env)", f.shown)))
        })
        .or_else(|| (inputs.env)(key).map(|v| (v, "environment".to_string())))
        .filter(|(v, _)| !v.is_empty() || key == "AWS_BEARER_TOKEN_BEDROCK")
}

pub(super) fn truthy(value: &str) -> bool {
    matches!(
        value.trim().to_ascii_lowercase().as_str(),
        "1" | "true" | "yes" | "on"
    )
}

/// What the report may show of a value: secrets never, keys by a short prefix.
pub(super) fn shown_value(key: &str, value: &str) -> String {
    match key {
        "AWS_SECRET_ACCESS_KEY" | "AWS_SESSION_TOKEN" => "set (not shown)".into(),
        "AWS_BEARER_TOKEN_BEDROCK" if value.is_empty() => "set but empty".into(),
        "AWS_BEARER_TOKEN_BEDROCK" | "AWS_ACCESS_KEY_ID" => {
            format!("{}… (not shown)", value.chars().take(4).collect::<String>())
        }
        _ => value.to_string(),
    }
}
