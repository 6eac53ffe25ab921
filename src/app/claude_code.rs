//! `--app claude-code`: Claude Code's Bedrock configuration resolved into the models, region and
//! credentials the checks test (https://code.claude.com/docs/en/amazon-bedrock).

use super::settings::{lookup, settings_files, shown_value, truthy};
use super::{Inputs, Resolved, Unpinned};
use crate::report::{AppReport, AppValue};
use anyhow::Result;

/// Sonnet 4.5 and Haiku 4.5: what Claude Code's unpinned `sonnet` and small/fast models are on
/// Bedrock per its model-configuration page. Base ids, so the checks name the profile that works
/// from the configured region.
pub(super) const SONNET_DEFAULT: &str = "anthropic.claude-sonnet-4-5-20250929-v1:0";
pub(super) const HAIKU_DEFAULT: &str = "anthropic.claude-haiku-4-5-20251001-v1:0";
/// The variables reported, in the order a person configures them.
const REPORTED: &[&str] = &[
    "CLAUDE_CODE_USE_BEDROCK",
    "AWS_REGION",
    "AWS_PROFILE",
    "AWS_BEARER_TOKEN_BEDROCK",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "ANTHROPIC_MODEL",
    "ANTHROPIC_DEFAULT_SONNET_MODEL",
    "ANTHROPIC_DEFAULT_OPUS_MODEL",
    "ANTHROPIC_DEFAULT_HAIKU_MODEL",
    "ANTHROPIC_SMALL_FAST_MODEL",
    "ANTHROPIC_SMALL_FAST_MODEL_AWS_REGION",
    "ANTHROPIC_BEDROCK_BASE_URL",
    "CLAUDE_CODE_SKIP_BEDROCK_AUTH",
];

pub(super) fn resolve(inputs: &Inputs) -> Result<Resolved> {
    let files = settings_files(inputs)?;
    let get = |key: &str| lookup(&files, inputs, key);
    let mut out = Resolved {
        report: AppReport {
            name: "claude-code".into(),
            ..AppReport::default()
        },
        ..Resolved::default()
    };
    for key in REPORTED {
        if let Some((value, source)) = get(key) {
            out.report.values.push(AppValue {
                key: (*key).into(),
                value: shown_value(key, &value),
                source,
            });
        }
    }
    let model_setting = files
        .iter()
        .rev()
        .find_map(|f| f.model.clone().map(|m| (m, format!("{} (model)", f.shown))));
    if let Some((model, source)) = &model_setting {
        out.report.values.push(AppValue {
            key: "model".into(),
            value: model.clone(),
            source: source.clone(),
        });
    }
    let notes = &mut out.report.notes;

    if !get("CLAUDE_CODE_USE_BEDROCK").is_some_and(|(v, _)| truthy(&v)) {
        notes.push("CLAUDE_CODE_USE_BEDROCK is not set: Claude Code will not use Bedrock at all. Set it to 1 in the environment or in the `env` block of ~/.claude/settings.json.".into());
    }
    if get("AWS_REGION").is_none() {
        notes.push("AWS_REGION is not set: Claude Code's Bedrock guide requires it (older versions do not read the region from ~/.aws/config); this run uses the AWS SDK's region chain instead.".into());
    }
    if get("CLAUDE_CODE_SKIP_BEDROCK_AUTH").is_some_and(|(v, _)| truthy(&v)) {
        notes.push("CLAUDE_CODE_SKIP_BEDROCK_AUTH is set: Claude Code sends unsigned requests for a gateway to sign; the credential results below describe this machine's AWS credentials, not the gateway's.".into());
    }
    if files
        .iter()
        .any(|f| f.aws_auth_refresh || f.aws_credential_export)
    {
        notes.push("awsAuthRefresh / awsCredentialExport is configured: Claude Code runs it when credentials expire; the doctor does not run it and tests the credentials as they are now.".into());
    }

    // The models, each resolved through the alias variables.
    // Each wanted model: (id, why, the family when nothing pins it).
    type Wanted = (String, String, Option<&'static str>);
    let alias = |name: &str| -> Option<Wanted> {
        let (var, default, family) = match name {
            "sonnet" | "default" => (
                "ANTHROPIC_DEFAULT_SONNET_MODEL",
                Some(SONNET_DEFAULT),
                "sonnet",
            ),
            "opus" | "best" => ("ANTHROPIC_DEFAULT_OPUS_MODEL", None, "opus"),
            "haiku" => (
                "ANTHROPIC_DEFAULT_HAIKU_MODEL",
                Some(HAIKU_DEFAULT),
                "haiku",
            ),
            _ => return None,
        };
        Some(match get(var) {
            Some((id, _)) => (id, format!("alias `{name}` via {var}"), None),
            None => (
                default.unwrap_or_default().to_string(),
                format!("alias `{name}`: Claude Code's built-in Bedrock default"),
                Some(family),
            ),
        })
    };
    let mut wanted: Vec<Wanted> = Vec::new();
    let main = get("ANTHROPIC_MODEL")
        .map(|(m, _)| m)
        .or_else(|| model_setting.map(|(m, _)| m))
        .unwrap_or_else(|| "default".into());
    let main = main.trim().trim_end_matches("[1m]").to_string();
    match main.to_ascii_lowercase().as_str() {
        "opusplan" => {
            wanted.extend(alias("opus"));
            wanted.extend(alias("sonnet"));
        }
        lower => wanted.push(alias(lower).unwrap_or((main.clone(), "main model".into(), None))),
    }
    let small = get("ANTHROPIC_DEFAULT_HAIKU_MODEL")
        .or_else(|| get("ANTHROPIC_SMALL_FAST_MODEL"))
        .map(|(m, source)| (m, format!("small/fast model, {source}"), None))
        .unwrap_or_else(|| {
            (
                HAIKU_DEFAULT.into(),
                "small/fast model: Claude Code's built-in Bedrock default".into(),
                Some("haiku"),
            )
        });
    wanted.push(small.clone());

    for (id, why, family) in wanted {
        let id = id.trim().trim_end_matches("[1m]").to_string();
        if let Some(family) = family {
            let documented = match family {
                "sonnet" => Some(SONNET_DEFAULT),
                "haiku" => Some(HAIKU_DEFAULT),
                _ => None,
            };
            let slot = match documented {
                Some(d) => match out.models.iter().position(|m| m == d) {
                    // The same alias twice (`haiku` as the main and the small/fast model).
                    Some(_) => continue,
                    None => out.models.len(),
                },
                None => out.models.len(),
            };
            if out.unpinned.iter().any(|u| u.family == family) {
                continue;
            }
            out.unpinned.push(Unpinned {
                family,
                documented,
                slot,
                why: why.clone(),
            });
        }
        if id.is_empty() {
            notes.push(format!("{why} has no id the doctor can know (it changes between Claude Code versions); pin it (e.g. ANTHROPIC_DEFAULT_OPUS_MODEL) to have it checked."));
            continue;
        }
        // Profile ids and ARNs are tested as configured: the checks confirm the profile, test its
        // model and invoke through exactly this id. An application profile is also what the
        // `inference-profile` check tests.
        if id.contains(":application-inference-profile/") {
            if out.inference_profile.is_none() {
                out.inference_profile = Some(id.clone());
            } else {
                notes.push(format!("{id} ({why}) is a second application inference profile; run the doctor again with --inference-profile {id}"));
            }
        }
        if !out.models.contains(&id) {
            out.models.push(id);
        }
    }
    if let Some((small_region, _)) = get("ANTHROPIC_SMALL_FAST_MODEL_AWS_REGION") {
        let region = get("AWS_REGION").map(|(r, _)| r);
        if region.as_deref() != Some(small_region.as_str()) {
            notes.push(format!(
                "the small/fast model {} is called in {small_region}; this run checks every model in one region: run `bedrock-doctor --region {small_region} --model {}` too.",
                small.0, small.0
            ));
        }
    }

    // What the app puts into its own environment, the doctor puts into its own: the AWS SDK then
    // finds the same region, profile, keys and endpoints the app would.
    let mut keys: Vec<&String> = files.iter().flat_map(|f| f.env.keys()).collect();
    keys.sort();
    keys.dedup();
    for key in keys {
        if key.starts_with("AWS_") {
            if let Some((value, _)) = get(key) {
                out.env.push((key.clone(), value));
            }
        }
    }
    if let Some((url, _)) = get("ANTHROPIC_BEDROCK_BASE_URL") {
        if get("AWS_ENDPOINT_URL_BEDROCK_RUNTIME").is_none() {
            out.env
                .push(("AWS_ENDPOINT_URL_BEDROCK_RUNTIME".into(), url));
        }
    }
    Ok(out)
}

/// Resolves the unpinned aliases against the region's live catalog: the newest ACTIVE model of
/// the family each names, called by the profile id that works from the region (its base id when
/// it runs on demand and no profile is listed). `models` are the run's models, which the app's
/// are when `models_used`. The documented default stands beside it in the report when they differ.
pub async fn resolve_live(app: &mut Resolved, models: &mut Vec<String>, facts: &checks::Facts) {
    if app.unpinned.is_empty() || !app.models_used {
        return;
    }
    let region = facts.region().unwrap_or("this region").to_string();
    let list = match facts.anthropic_models().await {
        Ok(list) => list.models,
        Err(err) => {
            app.report.notes.push(format!(
                "the unpinned aliases are tested as Claude Code documents them: the region's model list could not be read ({})",
                err.to_report().summary
            ));
            return;
        }
    };
    let mut unpinned = app.unpinned.clone();
    // Inserting from the last slot keeps the earlier slots where they were.
    unpinned.sort_by_key(|u| std::cmp::Reverse(u.slot));
    for u in unpinned {
        let Some(newest) = checks::facts::models::newest_of_family(&list, u.family) else {
            app.report.notes.push(format!(
                "{}: no ACTIVE Claude {} is listed in {region}",
                u.why, u.family
            ));
            continue;
        };
        let id = match facts.profile_for(&newest.model_id).await {
            Some(profile) => profile,
            None => newest.model_id.clone(),
        };
        let documented = u.documented.map(str::to_string);
        match &documented {
            Some(d) => match models.iter().position(|m| m == d) {
                Some(i) => models[i] = id.clone(),
                None => continue,
            },
            None => {
                models.insert(u.slot.min(models.len()), id.clone());
                // The id is known now: the note saying it could not be is not true any more.
                app.report
                    .notes
                    .retain(|n| !n.starts_with(&format!("{} has no id", u.why)));
            }
        }
        let documented_text = documented
            .as_deref()
            .map(|d| format!("; Claude Code documents {d}"))
            .unwrap_or_else(|| "; Claude Code documents no fixed id".into());
        app.report.values.push(AppValue {
            key: format!("{} (unpinned)", u.family),
            value: id.clone(),
            source: format!(
                "newest ACTIVE Claude {} listed in {region}{documented_text}",
                u.family
            ),
        });
        if documented.as_deref() != Some(newest.model_id.as_str()) {
            app.report.notes.push(format!(
                "{}: tested {id}, the newest ACTIVE Claude {} in {region}{documented_text}. Pin ANTHROPIC_DEFAULT_{}_MODEL to test another.",
                u.why,
                u.family,
                u.family.to_ascii_uppercase()
            ));
        }
    }
    app.models = models.clone();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::{resolve, App};
    use std::collections::HashMap;
    use std::path::Path;

    fn write(dir: &Path, rel: &str, text: &str) {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn resolve_with(
        shell: &[(&str, &str)],
        files: &[(&str, &str)],
    ) -> (Result<Resolved>, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        for (rel, text) in files {
            write(dir.path(), rel, text);
        }
        let shell: HashMap<String, String> = shell
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let env = move |k: &str| shell.get(k).cloned();
        let inputs = Inputs {
            env: &env,
            home: Some(dir.path().join("home")),
            project: dir.path().join("project"),
            managed: vec![dir.path().join("managed/managed-settings.json")],
        };
        (resolve(App::ClaudeCode, &inputs), dir)
    }

    fn value<'a>(r: &'a Resolved, key: &str) -> Option<&'a AppValue> {
        r.report.values.iter().find(|v| v.key == key)
    }

    #[test]
    fn settings_env_beats_the_shell_and_later_files_beat_earlier_ones() {
        let (r, _dir) = resolve_with(
            &[("AWS_REGION", "us-east-1"), ("AWS_PROFILE", "shell")],
            &[
                (
                    "home/.claude/settings.json",
                    r#"{"env": {"AWS_REGION": "us-west-2", "AWS_PROFILE": "user"}}"#,
                ),
                (
                    "project/.claude/settings.local.json",
                    r#"{"env": {"AWS_REGION": "eu-west-1"}}"#,
                ),
            ],
        );
        let r = r.unwrap();
        let region = value(&r, "AWS_REGION").unwrap();
        assert_eq!(
            (region.value.as_str(), region.source.as_str()),
            ("eu-west-1", ".claude/settings.local.json (env)")
        );
        let profile = value(&r, "AWS_PROFILE").unwrap();
        assert_eq!(profile.source, "~/.claude/settings.json (env)");
        for (key, value) in [("AWS_REGION", "eu-west-1"), ("AWS_PROFILE", "user")] {
            let pair = (key.to_string(), value.to_string());
            assert!(r.env.contains(&pair), "{key}: {:?}", r.env);
        }
    }

    #[test]
    fn managed_settings_win_over_everything() {
        let (r, _dir) = resolve_with(
            &[],
            &[
                (
                    "project/.claude/settings.local.json",
                    r#"{"env": {"AWS_REGION": "eu-west-1"}}"#,
                ),
                (
                    "managed/managed-settings.json",
                    r#"{"env": {"AWS_REGION": "us-east-2"}}"#,
                ),
            ],
        );
        assert_eq!(value(&r.unwrap(), "AWS_REGION").unwrap().value, "us-east-2");
    }

    #[test]
    fn main_and_small_fast_models_in_order() {
        let (r, _dir) = resolve_with(
            &[
                ("CLAUDE_CODE_USE_BEDROCK", "1"),
                (
                    "ANTHROPIC_MODEL",
                    "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
                ),
                (
                    "ANTHROPIC_SMALL_FAST_MODEL",
                    "us.anthropic.claude-3-5-haiku-20241022-v1:0",
                ),
            ],
            &[],
        );
        let r = r.unwrap();
        assert_eq!(
            r.models,
            [
                "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
                "us.anthropic.claude-3-5-haiku-20241022-v1:0"
            ]
        );
        assert!(r
            .report
            .notes
            .iter()
            .all(|n| !n.contains("CLAUDE_CODE_USE_BEDROCK")));
    }

    #[test]
    fn aliases_resolve_through_their_variables_and_haiku_wins_over_the_deprecated_name() {
        let (r, _dir) = resolve_with(
            &[
                (
                    "ANTHROPIC_DEFAULT_OPUS_MODEL",
                    "global.anthropic.claude-opus-4-5-20251101-v1:0",
                ),
                (
                    "ANTHROPIC_DEFAULT_HAIKU_MODEL",
                    "eu.anthropic.claude-haiku-4-5-20251001-v1:0",
                ),
                ("ANTHROPIC_SMALL_FAST_MODEL", "ignored"),
            ],
            &[("home/.claude/settings.json", r#"{"model": "opus[1m]"}"#)],
        );
        let r = r.unwrap();
        assert_eq!(
            r.models,
            [
                "global.anthropic.claude-opus-4-5-20251101-v1:0",
                "eu.anthropic.claude-haiku-4-5-20251001-v1:0"
            ]
        );
        assert_eq!(value(&r, "model").unwrap().value, "opus[1m]");
    }

    #[test]
    fn unpinned_defaults_are_sonnet_and_haiku_and_an_unpinned_opus_is_a_note() {
        let (r, _dir) = resolve_with(&[], &[]);
        let r = r.unwrap();
        assert_eq!(r.models, [SONNET_DEFAULT, HAIKU_DEFAULT]);
        assert!(r
            .report
            .notes
            .iter()
            .any(|n| n.contains("CLAUDE_CODE_USE_BEDROCK is not set")));
        assert!(r
            .report
            .notes
            .iter()
            .any(|n| n.contains("AWS_REGION is not set")));

        let (r, _dir) = resolve_with(&[("ANTHROPIC_MODEL", "opus")], &[]);
        let r = r.unwrap();
        assert_eq!(r.models, [HAIKU_DEFAULT]);
        assert!(
            r.report.notes.iter().any(|n| n.contains("alias `opus`")),
            "{:?}",
            r.report.notes
        );
    }

    #[test]
    fn profile_arns_are_tested_as_configured_and_application_profiles_also_go_to_inference_profile()
    {
        let (r, _dir) = resolve_with(
            &[
                ("ANTHROPIC_MODEL", "arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/a1b2c3"),
                ("ANTHROPIC_DEFAULT_HAIKU_MODEL", "arn:aws:bedrock:us-east-1:111122223333:inference-profile/us.anthropic.claude-haiku-4-5-20251001-v1:0"),
            ],
            &[],
        );
        let r = r.unwrap();
        assert_eq!(
            r.models,
            [
                "arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/a1b2c3",
                "arn:aws:bedrock:us-east-1:111122223333:inference-profile/us.anthropic.claude-haiku-4-5-20251001-v1:0"
            ]
        );
        assert_eq!(
            r.inference_profile.as_deref(),
            Some("arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/a1b2c3")
        );
    }

    #[test]
    fn secrets_are_never_shown_and_keys_only_by_prefix() {
        let (r, _dir) = resolve_with(
            &[],
            &[(
                "home/.claude/settings.json",
                r#"{"env": {"AWS_SECRET_ACCESS_KEY": "SECRETSENTINEL", "AWS_SESSION_TOKEN": "TOKENSENTINEL",
                            "AWS_BEARER_TOKEN_BEDROCK": "ABSKSENTINELKEY", "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE"}}"#,
            )],
        );
        let r = r.unwrap();
        let shown = serde_json::to_string(&r.report).unwrap();
        for secret in [
            "SECRETSENTINEL",
            "TOKENSENTINEL",
            "SENTINELKEY",
            "IOSFODNN7",
        ] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        assert_eq!(
            value(&r, "AWS_BEARER_TOKEN_BEDROCK").unwrap().value,
            "ABSK… (not shown)"
        );
        // Applied to the process all the same: the SDK needs them.
        assert!(r
            .env
            .iter()
            .any(|(k, v)| k == "AWS_SECRET_ACCESS_KEY" && v == "SECRETSENTINEL"));
    }

    #[test]
    fn bedrock_base_url_becomes_the_runtime_endpoint() {
        let (r, _dir) = resolve_with(
            &[(
                "ANTHROPIC_BEDROCK_BASE_URL",
                "https://gateway.example.com/bedrock",
            )],
            &[],
        );
        assert!(r.unwrap().env.contains(&(
            "AWS_ENDPOINT_URL_BEDROCK_RUNTIME".to_string(),
            "https://gateway.example.com/bedrock".to_string()
        )));
    }

    #[test]
    fn malformed_settings_are_a_usage_error_naming_the_file() {
        for (text, expected) in [
            ("{not json", "not valid JSON"),
            ("[1]", "not a JSON object"),
            (r#"{"env": ["AWS_REGION"]}"#, "`env`"),
            (r#"{"env": {"AWS_REGION": {"x": 1}}}"#, "env.AWS_REGION"),
        ] {
            let (r, _dir) = resolve_with(&[], &[("project/.claude/settings.json", text)]);
            let err = format!("{:#}", r.expect_err(text));
            assert!(
                err.contains(".claude/settings.json") && err.contains(expected),
                "{err}"
            );
        }
    }

    #[test]
    fn claude_config_dir_replaces_the_user_directory() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "cfg/settings.json",
            r#"{"env": {"AWS_REGION": "ap-northeast-1"}}"#,
        );
        let cfg = dir.path().join("cfg").display().to_string();
        let env = move |k: &str| (k == "CLAUDE_CONFIG_DIR").then(|| cfg.clone());
        let inputs = Inputs {
            env: &env,
            home: Some(dir.path().join("home")),
            project: dir.path().join("project"),
            managed: vec![],
        };
        let r = resolve(App::ClaudeCode, &inputs).unwrap();
        assert_eq!(value(&r, "AWS_REGION").unwrap().value, "ap-northeast-1");
    }
}
