//! The healthy account's data: models, inference profiles, availability, the use-case form and
//! an agreement offer, loaded from `data/*.json` and rendered for the request's region.

use std::sync::OnceLock;

use serde_json::{json, Value};

/// Account id in the inference-profile ARNs the stub hands out.
pub const ACCOUNT_ID: &str = "123456789012";

fn parse(name: &str, text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("data/{name} is not valid JSON: {e}"))
}

pub fn models() -> &'static [Value] {
    static M: OnceLock<Value> = OnceLock::new();
    M.get_or_init(|| {
        parse(
            "foundation_models.json",
            include_str!("../data/foundation_models.json"),
        )
    })
    .as_array()
    .expect("foundation_models.json is a list")
}

fn profile_data() -> &'static Value {
    static P: OnceLock<Value> = OnceLock::new();
    P.get_or_init(|| {
        parse(
            "inference_profiles.json",
            include_str!("../data/inference_profiles.json"),
        )
    })
}

/// Amazon Bedrock's quotas in Service Quotas (`data/service_quotas.json`): code, name, AWS default,
/// adjustable, description.
pub fn service_quotas() -> &'static [Value] {
    static Q: OnceLock<Value> = OnceLock::new();
    Q.get_or_init(|| {
        parse(
            "service_quotas.json",
            include_str!("../data/service_quotas.json"),
        )
    })["quotas"]
        .as_array()
        .map(Vec::as_slice)
        .expect("service_quotas.json has a quota list")
}

pub fn availability() -> Value {
    parse(
        "availability.json",
        include_str!("../data/availability.json"),
    )
}

pub fn use_case_form() -> &'static str {
    include_str!("../data/use_case_form.json")
}

pub fn agreement_offers() -> Value {
    parse(
        "agreement_offers.json",
        include_str!("../data/agreement_offers.json"),
    )
}

pub fn foundation_model_arn(region: &str, model_id: &str) -> String {
    format!("arn:aws:bedrock:{region}::foundation-model/{model_id}")
}

/// The model summary as served in `region` (the ARN carries the region).
pub fn model_summary(region: &str, model: &Value) -> Value {
    let mut m = model.clone();
    let id = m["modelId"].as_str().unwrap_or_default().to_string();
    m["modelArn"] = json!(foundation_model_arn(region, &id));
    m
}

/// A base model by id or foundation-model ARN, if `region` offers it.
pub fn find_model(region: &str, id_or_arn: &str) -> Option<&'static Value> {
    let id = id_or_arn
        .rsplit_once(":foundation-model/")
        .map_or(id_or_arn, |(_, id)| id);
    models()
        .iter()
        .find(|m| m["modelId"] == id && offered(m, region))
}

/// Whether `region` offers the model: a model with a `regions` list only there (a new model
/// launches in a few Regions first), any other everywhere.
pub fn offered(model: &Value, region: &str) -> bool {
    model["regions"]
        .as_array()
        .is_none_or(|list| list.iter().any(|r| r == region))
}

pub fn supports(model: &Value, inference_type: &str) -> bool {
    model["inferenceTypesSupported"]
        .as_array()
        .is_some_and(|a| a.iter().any(|t| t == inference_type))
}

/// System-defined inference profiles a caller in `region` can see; geographic profiles are only
/// offered from source regions in their geography.
pub fn profiles(region: &str) -> Vec<Value> {
    let data = profile_data();
    let mut out = Vec::new();
    for geo in data["geographies"].as_array().into_iter().flatten() {
        let prefix = geo["prefix"].as_str().unwrap_or_default();
        let scope = geo["geo"].as_str().unwrap_or("*");
        if scope != "*" && !region.starts_with(scope) {
            continue;
        }
        for model in data["models"].as_array().into_iter().flatten() {
            if let Some(only) = model["only"].as_array() {
                if !only.iter().any(|p| p == prefix) {
                    continue;
                }
            }
            if let Some(sources) = model["source_regions"].as_array() {
                if !sources.iter().any(|r| r == region) {
                    continue;
                }
            }
            let model_id = model["modelId"].as_str().unwrap_or_default();
            let id = format!("{prefix}.{model_id}");
            let regions: Vec<&str> = geo["regions"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            let listed: Vec<&str> = regions.iter().copied().filter(|r| !r.is_empty()).collect();
            out.push(json!({
                "inferenceProfileName": format!("{} {}", geo["name"].as_str().unwrap_or_default(), model["name"].as_str().unwrap_or_default()),
                "description": format!("Routes requests to {} in {}.", model["name"].as_str().unwrap_or_default(), listed.join(", ")),
                "createdAt": model["createdAt"],
                "updatedAt": model["createdAt"],
                "inferenceProfileArn": format!("arn:aws:bedrock:{region}:{ACCOUNT_ID}:inference-profile/{id}"),
                "models": regions.iter().map(|r| json!({ "modelArn": foundation_model_arn(r, model_id) })).collect::<Vec<_>>(),
                "inferenceProfileId": id,
                "status": "ACTIVE",
                "type": "SYSTEM_DEFINED",
            }));
        }
    }
    out.extend(application_profiles(region, &out));
    out
}

/// The account's application inference profiles created in `region`, each with the models of the
/// system profile it was copied from (as GetInferenceProfile lists them).
fn application_profiles(region: &str, system: &[Value]) -> Vec<Value> {
    let data = profile_data();
    let mut out = Vec::new();
    for app in data["applications"].as_array().into_iter().flatten() {
        if app["region"] != region {
            continue;
        }
        let Some(source) = system
            .iter()
            .find(|p| p["inferenceProfileId"] == app["copyFrom"])
        else {
            continue;
        };
        let id = app["id"].as_str().unwrap_or_default();
        out.push(json!({
            "inferenceProfileName": app["name"],
            "description": format!("Copied from {}.", app["copyFrom"].as_str().unwrap_or_default()),
            "createdAt": source["createdAt"],
            "updatedAt": source["createdAt"],
            "inferenceProfileArn": format!("arn:aws:bedrock:{region}:{ACCOUNT_ID}:application-inference-profile/{id}"),
            "models": source["models"],
            "inferenceProfileId": id,
            "status": "ACTIVE",
            "type": "APPLICATION",
        }));
    }
    out
}

/// A profile by id or ARN, as seen from `region`. A system profile's ARN carries its id; an
/// application profile is called by its ARN (its id alone is accepted too).
pub fn find_profile(region: &str, id_or_arn: &str) -> Option<Value> {
    let id = id_or_arn
        .rsplit_once(":inference-profile/")
        .map_or(id_or_arn, |(_, id)| id);
    profiles(region)
        .into_iter()
        .find(|p| p["inferenceProfileId"] == id || p["inferenceProfileArn"] == id_or_arn)
}

/// The base model id a profile routes to.
pub fn profile_model_id(profile: &Value) -> String {
    let arn = profile["models"][0]["modelArn"]
        .as_str()
        .unwrap_or_default();
    arn.rsplit_once("foundation-model/")
        .map_or("", |(_, id)| id)
        .to_string()
}
