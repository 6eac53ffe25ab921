//! `bedrock-doctor models`: the Anthropic models of a region, with the exact ids usable from it, so
//! a person can copy the right one into their configuration.

use checks::facts::models::ModelInfo;
use checks::facts::profiles::ProfileInfo;
use checks::Facts;
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct ModelRow {
    pub model_id: String,
    pub name: Option<String>,
    pub lifecycle: String,
    /// `on-demand` (the base id works), `inference-profile-only`, or what AWS lists.
    pub invocation: String,
    /// System-defined profiles listed in this region that contain the model.
    pub profiles: Vec<ProfileRow>,
    /// The account's access as GetFoundationModelAvailability reports it; `null` when unreadable.
    pub access: Option<Access>,
}

#[derive(Debug, Serialize)]
pub struct ProfileRow {
    pub id: String,
    pub destinations: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct Access {
    pub agreement: String,
    pub authorization: String,
    pub entitlement: String,
    pub region: String,
}

fn invocation(info: &ModelInfo) -> String {
    if info.on_demand() {
        "on-demand".into()
    } else if info.profile_only() {
        "inference-profile-only".into()
    } else {
        info.inference_types.join(",")
    }
}

/// Lists the models, or says in one line why it could not.
pub async fn rows(facts: &Facts) -> Result<Vec<ModelRow>, String> {
    let list = facts
        .anthropic_models()
        .await
        .map_err(|e| e.to_report().summary)?;
    let profiles: Vec<ProfileInfo> = facts
        .system_profiles()
        .await
        .map(|(p, _)| p)
        .unwrap_or_default();
    let lookups = list.models.iter().map(|info| async {
        let access = facts
            .availability(&info.model_id)
            .await
            .ok()
            .map(|a| Access {
                agreement: a.agreement,
                authorization: a.authorization,
                entitlement: a.entitlement,
                region: a.region,
            });
        let profiles = profiles
            .iter()
            .filter(|p| p.contains_model(&info.model_id))
            .map(|p| ProfileRow {
                id: p.id.clone(),
                destinations: if p.is_global() && p.destinations().is_empty() {
                    vec!["all commercial regions".into()]
                } else {
                    p.destinations()
                },
            })
            .collect();
        ModelRow {
            model_id: info.model_id.clone(),
            name: info.model_name.clone(),
            lifecycle: info.lifecycle.clone(),
            invocation: invocation(info),
            profiles,
            access,
        }
    });
    let mut rows = futures_util::future::join_all(lookups).await;
    rows.sort_by(|a, b| a.model_id.cmp(&b.model_id));
    Ok(rows)
}

pub fn render_table(rows: &[ModelRow], region: &str) -> String {
    let mut table = comfy_table::Table::new();
    table
        .load_preset(comfy_table::presets::UTF8_FULL_CONDENSED)
        .force_no_tty()
        .set_width(120);
    table.set_header([
        "Model id",
        "Lifecycle",
        "Invocation",
        "Inference profiles usable from here",
        "Access",
    ]);
    for row in rows {
        let profiles: Vec<String> = row
            .profiles
            .iter()
            .map(|p| format!("{} → {}", p.id, p.destinations.join(", ")))
            .collect();
        let access = match &row.access {
            Some(a) if a.agreement == "AVAILABLE" && a.authorization == "AUTHORIZED" => {
                "available".to_string()
            }
            Some(a) => format!("agreement {}, {}", a.agreement, a.authorization),
            None => "unknown".to_string(),
        };
        table.add_row([
            row.model_id.clone(),
            row.lifecycle.clone(),
            row.invocation.clone(),
            profiles.join("\n"),
            access,
        ]);
    }
    format!("Anthropic models in {region}\n{table}\n")
}
