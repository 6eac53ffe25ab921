//! Amazon Bedrock's Service Quotas: the applied values of the account and the AWS defaults, each
//! list read once per run, and which quotas govern a model (found by the quota's name).
//!
//! Two lists, because neither is complete alone: `ListServiceQuotas` leaves out a quota whose
//! applied value is not available ("the quota is not retrieved", its API reference; aws/aws-cli#4569),
//! and `ListAWSDefaultServiceQuotas` knows nothing of the account. A quota in the defaults but not in
//! the applied list runs at its default.

use super::{needs_credentials, FactError, Facts};
use crate::calls::CallSite;
use crate::Evidence;
use aws_sdk_servicequotas::types::ServiceQuota;
use regex::Regex;
use std::collections::HashSet;
use std::sync::OnceLock;

/// Amazon Bedrock's service code in Service Quotas.
pub const SERVICE_CODE: &str = "bedrock";

/// The most quotas one page may hold (the API's `MaxResults` maximum).
const PAGE_SIZE: i32 = 100;

/// One quota as a list gave it.
#[derive(Debug, Clone, PartialEq)]
pub struct Quota {
    pub code: String,
    pub name: String,
    /// `None` when Service Quotas sent no usable value (it sends an `ErrorReason` instead).
    pub value: Option<f64>,
    pub adjustable: bool,
    /// Why the value is missing: the `ErrorReason` (`DEPENDENCY_ACCESS_DENIED_ERROR: …`).
    pub error: Option<String>,
}

impl Quota {
    fn from_sdk(q: &ServiceQuota) -> Quota {
        // A missing value is not zero: with an `ErrorReason` (the caller may not read the service
        // behind the quota) AWS answers 200 without `Value` (hashicorp/terraform-provider-aws#19719).
        let value = q.value().filter(|v| v.is_finite() && *v >= 0.0);
        let error = q
            .error_reason()
            .map(|r| {
                format!(
                    "{}: {}",
                    r.error_code().map(|c| c.as_str()).unwrap_or("ErrorReason"),
                    r.error_message().unwrap_or_default()
                )
            })
            .or_else(|| {
                value
                    .is_none()
                    .then(|| "Service Quotas sent no value".to_string())
            });
        Quota {
            code: q.quota_code().unwrap_or_default().to_string(),
            name: q.quota_name().unwrap_or_default().to_string(),
            value,
            adjustable: q.adjustable(),
            error,
        }
    }
}

/// Both lists, with the evidence of every page.
#[derive(Debug, Clone)]
pub struct QuotaLists {
    pub applied: Vec<Quota>,
    pub defaults: Vec<Quota>,
    pub evidence: Vec<Evidence>,
}

impl Facts {
    /// `servicequotas:ListServiceQuotas` and `servicequotas:ListAWSDefaultServiceQuotas` for
    /// Bedrock, every page, both lists read concurrently; once per run.
    pub async fn bedrock_quotas(&self) -> Result<QuotaLists, FactError> {
        let ask = || async {
            self.credentials().await.map_err(needs_credentials)?;
            let site = |operation| CallSite::new("servicequotas", operation, self.region());
            let applied = self.paginate(
                site("ListServiceQuotas"),
                |token, rec| {
                    let request = self.servicequotas.list_service_quotas();
                    let request = request.service_code(SERVICE_CODE).max_results(PAGE_SIZE);
                    let request = request.set_next_token(token).customize();
                    request.interceptor(rec).send()
                },
                |o| read_page(o.quotas, o.next_token),
            );
            let defaults = self.paginate(
                site("ListAWSDefaultServiceQuotas"),
                |token, rec| {
                    let request = self.servicequotas.list_aws_default_service_quotas();
                    let request = request.service_code(SERVICE_CODE).max_results(PAGE_SIZE);
                    let request = request.set_next_token(token).customize();
                    request.interceptor(rec).send()
                },
                |o| read_page(o.quotas, o.next_token),
            );
            let (applied, defaults) = tokio::join!(applied, defaults);
            let (applied, defaults) = (applied?, defaults?);
            let evidence = [applied.evidence, defaults.evidence].concat();
            Ok(QuotaLists {
                applied: applied.items,
                defaults: defaults.items,
                evidence,
            })
        };
        self.memos.quotas.get_or_init(ask).await.clone()
    }
}

/// One page of either list. AWS always sends the list, empty or not: without it, not its answer.
fn read_page(
    quotas: Option<Vec<ServiceQuota>>,
    next_token: Option<String>,
) -> Result<(Vec<Quota>, Option<String>), &'static str> {
    let quotas = quotas.ok_or("answered without a quota list (no `Quotas`)")?;
    Ok((quotas.iter().map(Quota::from_sdk).collect(), next_token))
}

// ---- which quotas govern a model ----

/// How the model is invoked, which decides the quotas that count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Route {
    /// The base model id, in this region.
    OnDemand,
    /// A geographic cross-region profile (`us.`, `eu.`, `apac.`, …).
    CrossRegion,
    /// A `global.` profile.
    Global,
}

impl Route {
    pub fn describe(self) -> &'static str {
        match self {
            Route::OnDemand => "on-demand",
            Route::CrossRegion => "cross-Region",
            Route::Global => "global cross-Region",
        }
    }
}

/// What a quota limits, by time unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Measure {
    TokensPerMinute,
    TokensPerDay,
    RequestsPerMinute,
}

impl Measure {
    pub fn describe(self) -> &'static str {
        match self {
            Measure::TokensPerMinute => "tokens per minute",
            Measure::TokensPerDay => "tokens per day",
            Measure::RequestsPerMinute => "requests per minute",
        }
    }
}

/// Which calls a quota counts.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Applies {
    Route(Route),
    /// "Model invocation max tokens per day for X (doubled for cross-region calls)": on-demand
    /// and geographic cross-region calls; `global.` profiles have their own daily quota.
    AnyButGlobal,
    /// "Cross-Model Max Tokens Per Day": every model of the account in the region.
    EveryModel,
}

/// A model as quota names spell it: its name words (sorted) and its version (`V2`; 1 when unsaid).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelKey {
    /// The provider's word, dropped from quota names (`Anthropic` in "… for Anthropic Claude 3 Haiku").
    provider: String,
    words: Vec<String>,
    version: u32,
}

/// What a quota's name says: what it counts, for which calls, for which model.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Parsed {
    applies: Applies,
    measure: Measure,
    /// `None` for the account-wide daily quota.
    model: Option<Vec<String>>,
}

/// Lower case, single spaces, without the trailing parentheticals AWS appends
/// (`(doubled for cross-region calls)`).
fn normalize(name: &str) -> String {
    let mut text = name.split_whitespace().collect::<Vec<_>>().join(" ");
    text.make_ascii_lowercase();
    while text.ends_with(')') {
        match text.rfind('(') {
            Some(open) => text = text[..open].trim_end().to_string(),
            None => break,
        }
    }
    text
}

/// The words of a model name: `Claude 3.5 Sonnet V2` → `claude`, `3.5`, `sonnet`, `v2`.
fn words(text: &str) -> Vec<String> {
    text.split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_ascii_alphanumeric() && c != '.'))
        .map(|w| w.trim_matches('.').to_ascii_lowercase())
        .filter(|w| !w.is_empty())
        .collect()
}

fn version_of(word: &str) -> Option<u32> {
    let digits = word.strip_prefix('v')?;
    (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.parse().ok())
        .flatten()
}

/// A key from name words: the provider's word dropped, a trailing `vN` taken as the version.
fn key_from_words(mut words: Vec<String>, provider: &str, unsaid_version: u32) -> ModelKey {
    if words.first().is_some_and(|w| w == provider) {
        words.remove(0);
    }
    let version = match words.last().and_then(|w| version_of(w)) {
        Some(v) => {
            words.pop();
            v
        }
        None => unsaid_version,
    };
    words.sort();
    ModelKey {
        provider: provider.to_string(),
        words,
        version,
    }
}

/// What a Bedrock quota name says, for the inference quotas of the bedrock-runtime endpoint; `None`
/// for every other quota (batch, provisioned throughput, agents, the bedrock-mantle endpoint).
///
/// Two generations of names are in use for the same codes: "On-demand model inference tokens per
/// minute for X" and "On-demand InvokeModel tokens per minute for X" (likewise "Cross-region" /
/// "Cross-Region").
fn parse_quota_name(name: &str) -> Option<Parsed> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let text = normalize(name);
    if text == "cross-model max tokens per day" {
        return Some(Parsed {
            applies: Applies::EveryModel,
            measure: Measure::TokensPerDay,
            model: None,
        });
    }
    let re = RE.get_or_init(|| {
        Regex::new(r"^(?P<scope>.*?) ?\b(?P<what>tokens|requests) per (?P<per>minute|day) for (?P<model>.+)$")
            .expect("static pattern")
    });
    let caps = re.captures(&text)?;
    let measure = match (&caps["what"], &caps["per"]) {
        ("tokens", "minute") => Measure::TokensPerMinute,
        ("tokens", "day") => Measure::TokensPerDay,
        ("requests", "minute") => Measure::RequestsPerMinute,
        _ => return None,
    };
    let scope = &caps["scope"];
    let cross = scope.contains("cross-region") || scope.contains("cross region");
    let applies = if cross && scope.contains("global") {
        Applies::Route(Route::Global)
    } else if cross {
        Applies::Route(Route::CrossRegion)
    } else if scope.contains("on-demand") || scope.contains("on demand") {
        Applies::Route(Route::OnDemand)
    } else if scope == "model invocation max" && measure == Measure::TokensPerDay {
        Applies::AnyButGlobal
    } else {
        return None;
    };
    Some(Parsed {
        applies,
        measure,
        model: Some(words(&caps["model"])),
    })
}

/// The ways quota names may spell a model: from its catalog name (`Claude Sonnet 4.5`) and from its
/// id (`anthropic.claude-sonnet-4-5-20250929-v1:0` → `claude sonnet 4.5`, version 1).
pub fn model_keys(model_id: &str, catalog_name: Option<&str>) -> Vec<ModelKey> {
    let (provider, rest) = model_id.split_once('.').unwrap_or(("", model_id));
    let rest = rest.split(':').next().unwrap_or(rest);
    let mut id_words = Vec::new();
    let mut numbers: Vec<&str> = Vec::new();
    let mut version = 1;
    let flush = |numbers: &mut Vec<&str>, id_words: &mut Vec<String>| {
        if !numbers.is_empty() {
            id_words.push(numbers.join("."));
            numbers.clear();
        }
    };
    for segment in rest.split('-') {
        let digits = !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit());
        if digits && segment.len() >= 6 {
            continue; // a release date: 20250929
        }
        if let Some(v) = version_of(segment) {
            version = v;
            continue;
        }
        if digits && segment.len() <= 3 {
            numbers.push(segment);
            continue;
        }
        flush(&mut numbers, &mut id_words);
        id_words.push(segment.to_ascii_lowercase());
    }
    flush(&mut numbers, &mut id_words);
    let mut keys = vec![key_from_words(id_words, provider, version)];
    if let Some(name) = catalog_name {
        let key = key_from_words(words(name), provider, version);
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    keys
}

/// Where a quota's applied value comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum Applied {
    Value(f64),
    /// Not in the applied list: the AWS default applies.
    Default,
    /// Listed, but without a value (its `ErrorReason`).
    Unreadable(String),
}

/// A quota that governs the model under test, applied value next to the default.
#[derive(Debug, Clone, PartialEq)]
pub struct Governing {
    pub code: String,
    pub name: String,
    pub measure: Measure,
    pub applied: Applied,
    /// `None` when the defaults list lacks the quota (or gave no value for it).
    pub default: Option<f64>,
    pub adjustable: bool,
}

impl Governing {
    /// The applied value, when it is known to be below the default.
    pub fn below_default(&self) -> Option<(f64, f64)> {
        match (&self.applied, self.default) {
            (Applied::Value(v), Some(d)) if *v < d => Some((*v, d)),
            _ => None,
        }
    }
}

/// The quotas of `lists` that count the calls of `route` to the model `keys` describe, tokens per
/// minute first, then tokens per day, then requests per minute.
pub fn governing(lists: &QuotaLists, keys: &[ModelKey], route: Route) -> Vec<Governing> {
    let is_this_model = |model: &[String]| {
        keys.iter().any(|k| {
            let named = key_from_words(model.to_vec(), &k.provider, 1);
            named.words == k.words && named.version == k.version
        })
    };
    let mut found: Vec<Governing> = Vec::new();
    let mut codes = HashSet::new();
    for quota in lists.defaults.iter().chain(&lists.applied) {
        let Some(parsed) = parse_quota_name(&quota.name) else {
            continue;
        };
        let counts = match parsed.applies {
            Applies::Route(r) => r == route,
            Applies::AnyButGlobal => route != Route::Global,
            Applies::EveryModel => true,
        };
        let for_model = parsed.model.as_deref().is_none_or(is_this_model);
        if !counts || !for_model || quota.code.is_empty() || !codes.insert(quota.code.clone()) {
            continue;
        }
        let default = lists
            .defaults
            .iter()
            .find(|d| d.code == quota.code)
            .and_then(|d| d.value);
        let applied = match lists.applied.iter().find(|a| a.code == quota.code) {
            None => Applied::Default,
            Some(a) => match (a.value, &a.error) {
                (Some(v), None) => Applied::Value(v),
                (_, Some(why)) => Applied::Unreadable(why.clone()),
                (None, None) => Applied::Unreadable("no value".into()),
            },
        };
        found.push(Governing {
            code: quota.code.clone(),
            name: quota.name.clone(),
            measure: parsed.measure,
            applied,
            default,
            adjustable: quota.adjustable,
        });
    }
    found.sort_by(|a, b| a.measure.cmp(&b.measure).then(a.name.cmp(&b.name)));
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quota(code: &str, name: &str, value: f64) -> Quota {
        Quota {
            code: code.into(),
            name: name.into(),
            value: Some(value),
            adjustable: true,
            error: None,
        }
    }

    #[test]
    fn reads_both_generations_of_names_and_the_daily_quota() {
        let p = parse_quota_name(
            "Cross-region model inference tokens per minute for Anthropic Claude Sonnet 4.5 V1",
        )
        .unwrap();
        assert_eq!(p.applies, Applies::Route(Route::CrossRegion));
        assert_eq!(p.measure, Measure::TokensPerMinute);
        let p = parse_quota_name(
            "On-demand InvokeModel requests per minute for Anthropic Claude 3 Haiku",
        )
        .unwrap();
        assert_eq!(
            (p.applies, p.measure),
            (Applies::Route(Route::OnDemand), Measure::RequestsPerMinute)
        );
        let p = parse_quota_name(
            "Cross-Region InvokeModel tokens per minute for Anthropic Claude 3.5 Sonnet V2",
        )
        .unwrap();
        assert_eq!(p.applies, Applies::Route(Route::CrossRegion));
        let p = parse_quota_name(
            "Global cross-region model inference tokens per day for Anthropic Claude Sonnet 4.5 V1",
        )
        .unwrap();
        assert_eq!(
            (p.applies, p.measure),
            (Applies::Route(Route::Global), Measure::TokensPerDay)
        );
        let p = parse_quota_name("Model invocation max tokens per day for Anthropic Claude Sonnet 4.5 V1 (doubled for cross-region calls)").unwrap();
        assert_eq!(p.applies, Applies::AnyButGlobal);
        assert_eq!(
            p.model.unwrap(),
            ["anthropic", "claude", "sonnet", "4.5", "v1"]
        );
        assert_eq!(
            parse_quota_name("Cross-Model Max Tokens Per Day")
                .unwrap()
                .applies,
            Applies::EveryModel
        );
        for other in [
            "Batch inference job size (in GB) for Claude 3.7 Sonnet",
            "Records per batch inference job for Claude 3 Haiku",
            "Model units per provisioned model for Anthropic Claude V2 100K",
            "Bedrock Mantle input tokens per minute for Anthropic Claude Sonnet 4.5",
            "(Knowledge Bases) Retrieve requests per second",
        ] {
            assert_eq!(parse_quota_name(other), None, "{other}");
        }
    }

    #[test]
    fn keys_come_from_the_id_and_the_catalog_name() {
        let keys = model_keys(
            "anthropic.claude-sonnet-4-5-20250929-v1:0",
            Some("Claude Sonnet 4.5"),
        );
        assert_eq!(
            keys,
            [ModelKey {
                provider: "anthropic".into(),
                words: vec!["4.5".into(), "claude".into(), "sonnet".into()],
                version: 1
            }]
        );
        let v2 = model_keys(
            "anthropic.claude-3-5-sonnet-20241022-v2:0",
            Some("Claude 3.5 Sonnet v2"),
        );
        assert_eq!(v2.len(), 1, "{v2:?}");
        assert_eq!(v2[0].version, 2);
        let undated = model_keys("anthropic.claude-sonnet-4-6", None);
        assert_eq!(undated[0].words, ["4.6", "claude", "sonnet"]);
        // A catalog name spelled differently from the id adds a key.
        assert_eq!(
            model_keys(
                "anthropic.claude-3-7-sonnet-20250219-v1:0",
                Some("Claude Sonnet 3.7")
            )
            .len(),
            1,
            "the same words in another order are the same key"
        );
    }

    fn lists(applied: Vec<Quota>, defaults: Vec<Quota>) -> QuotaLists {
        QuotaLists {
            applied,
            defaults,
            evidence: Vec::new(),
        }
    }

    #[test]
    fn finds_the_route_s_quotas_of_exactly_this_model_and_version() {
        let defaults = vec![
            quota("L-F4DDD3EB", "Cross-region model inference tokens per minute for Anthropic Claude Sonnet 4.5 V1", 5_000_000.0),
            quota("L-8EA73537", "Cross-region model inference tokens per minute for Anthropic Claude Sonnet 4.5 V1 1M Context Length", 1_000_000.0),
            quota("L-381AD9EE", "Model invocation max tokens per day for Anthropic Claude Sonnet 4.5 V1 (doubled for cross-region calls)", 7_200_000_000.0),
            quota("L-27C57EE8", "Global cross-region model inference tokens per minute for Anthropic Claude Sonnet 4.5 V1", 1_000_000.0),
            quota("L-59759B4A", "Cross-region model inference tokens per minute for Anthropic Claude Sonnet 4 V1", 200_000.0),
            quota("L-AD41C330", "On-demand model inference tokens per minute for Anthropic Claude 3.5 Sonnet V2", 400_000.0),
            quota("L-A50569E5", "On-demand model inference tokens per minute for Anthropic Claude 3.5 Sonnet", 400_000.0),
        ];
        let applied = vec![quota(
            "L-F4DDD3EB",
            "Cross-region model inference tokens per minute for Anthropic Claude Sonnet 4.5 V1",
            4_000.0,
        )];
        let lists = lists(applied, defaults);
        let sonnet = model_keys(
            "anthropic.claude-sonnet-4-5-20250929-v1:0",
            Some("Claude Sonnet 4.5"),
        );
        let found = governing(&lists, &sonnet, Route::CrossRegion);
        let codes: Vec<&str> = found.iter().map(|g| g.code.as_str()).collect();
        assert_eq!(codes, ["L-F4DDD3EB", "L-381AD9EE"]);
        assert_eq!(found[0].below_default(), Some((4_000.0, 5_000_000.0)));
        assert_eq!(found[1].applied, Applied::Default);
        assert_eq!(found[1].below_default(), None);
        let global: Vec<String> = governing(&lists, &sonnet, Route::Global)
            .into_iter()
            .map(|g| g.code)
            .collect();
        assert_eq!(global, ["L-27C57EE8"]);
        // V2 and the unversioned (V1) quota of Claude 3.5 Sonnet are told apart.
        let v2 = model_keys(
            "anthropic.claude-3-5-sonnet-20241022-v2:0",
            Some("Claude 3.5 Sonnet v2"),
        );
        let on_demand: Vec<String> = governing(&lists, &v2, Route::OnDemand)
            .into_iter()
            .map(|g| g.code)
            .collect();
        assert_eq!(on_demand, ["L-AD41C330"]);
    }

    #[test]
    fn a_value_sent_with_an_error_reason_is_unreadable_not_zero() {
        let name = "On-demand InvokeModel tokens per minute for Anthropic Claude 3 Haiku";
        let mut unreadable = quota("L-8CE99163", name, 0.0);
        unreadable.value = None;
        unreadable.error = Some("DEPENDENCY_ACCESS_DENIED_ERROR: denied".into());
        let lists = lists(
            vec![unreadable],
            vec![quota("L-8CE99163", name, 2_000_000.0)],
        );
        let keys = model_keys(
            "anthropic.claude-3-haiku-20240307-v1:0",
            Some("Claude 3 Haiku"),
        );
        let found = governing(&lists, &keys, Route::OnDemand);
        assert!(
            matches!(found[0].applied, Applied::Unreadable(_)),
            "{found:?}"
        );
        assert_eq!(found[0].below_default(), None);
    }

    #[test]
    fn the_account_wide_daily_quota_governs_every_model() {
        let lists = lists(
            Vec::new(),
            vec![quota("L-X", "Cross-Model Max Tokens Per Day", 1e9)],
        );
        let keys = model_keys("anthropic.claude-3-haiku-20240307-v1:0", None);
        assert_eq!(governing(&lists, &keys, Route::Global).len(), 1);
    }
}
