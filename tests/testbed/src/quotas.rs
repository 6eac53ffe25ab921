//! Service Quotas for Amazon Bedrock, as the JSON 1.1 protocol serves it: `POST /` with
//! `X-Amz-Target: ServiceQuotasV20190624.<Operation>`, `application/x-amz-json-1.1` bodies, errors
//! as `{"__type": …, "message": …}`. The quotas are `data/service_quotas.json`; a scenario's
//! `[[quota]]` entries change the account's applied values.

use base64::Engine as _;
use serde_json::{json, Value};

use crate::catalog;
use crate::ops::Reply;
use crate::scenario::QuotaSetting;

/// The `X-Amz-Target` prefix of every Service Quotas operation (botocore `targetPrefix`).
pub const TARGET_PREFIX: &str = "ServiceQuotasV20190624.";

/// The operations the stub answers: the reads the doctor may make.
pub const OPERATIONS: &[&str] = &[
    "ListServiceQuotas",
    "ListAWSDefaultServiceQuotas",
    "GetServiceQuota",
    "GetAWSDefaultServiceQuota",
];

/// The ErrorReason codes of the model (`ErrorCode` enum).
pub const ERROR_CODES: &[&str] = &[
    "DEPENDENCY_ACCESS_DENIED_ERROR",
    "DEPENDENCY_THROTTLING_ERROR",
    "DEPENDENCY_SERVICE_ERROR",
    "SERVICE_QUOTA_NOT_AVAILABLE_ERROR",
];

/// The most quotas a page holds, whatever `MaxResults` asks: AWS may return fewer than asked
/// ("An API operation can return fewer results than the maximum even when there are more results
/// available"), and a small page makes every client follow `NextToken`.
pub const PAGE_SIZE: usize = 10;

const SERVICE_NAME: &str = "Amazon Bedrock";

/// A JSON 1.1 error: the code in `__type` (with a namespace, as AWS sends it) and no header.
pub fn error(status: u16, code: &str, message: &str) -> Reply {
    Reply {
        status,
        content_type: "application/x-amz-json-1.1",
        headers: Vec::new(),
        body:
            json!({ "__type": format!("com.amazonaws.servicequotas#{code}"), "message": message })
                .to_string()
                .into_bytes(),
    }
}

fn ok(value: &Value) -> Reply {
    Reply {
        status: 200,
        content_type: "application/x-amz-json-1.1",
        headers: Vec::new(),
        body: value.to_string().into_bytes(),
    }
}

/// One quota as a list shows it: the account's applied value (`applied`) or the AWS default.
fn render(quota: &Value, region: &str, applied: Option<&QuotaSetting>, defaults: bool) -> Value {
    let code = quota["code"].as_str().unwrap_or_default();
    let mut out = json!({
        "ServiceCode": "bedrock",
        "ServiceName": SERVICE_NAME,
        "QuotaArn": if defaults {
            format!("arn:aws:servicequotas:{region}::bedrock/{code}")
        } else {
            format!("arn:aws:servicequotas:{region}:{}:bedrock/{code}", catalog::ACCOUNT_ID)
        },
        "QuotaCode": code,
        "QuotaName": quota["name"],
        "Value": quota["default"],
        "Unit": "None",
        "Adjustable": quota["adjustable"],
        "GlobalQuota": false,
        "Description": quota["description"],
    });
    if defaults {
        return out;
    }
    out["QuotaAppliedAtLevel"] = json!("ACCOUNT");
    if let Some(setting) = applied {
        if let Some(value) = setting.applied {
            out["Value"] = json!(value);
        }
        if let Some(reason) = &setting.error_reason {
            // AWS sends the reason instead of a value (hashicorp/terraform-provider-aws#19719).
            out.as_object_mut().map(|o| o.remove("Value"));
            out["ErrorReason"] = json!({
                "ErrorCode": reason,
                "ErrorMessage": "The caller does not have the required permissions to read the quota's value from Amazon Bedrock.",
            });
        }
    }
    out
}

fn setting<'a>(settings: &'a [QuotaSetting], code: &str) -> Option<&'a QuotaSetting> {
    settings.iter().find(|s| s.code == code)
}

/// The quotas a list operation shows, in order.
fn listed(settings: &[QuotaSetting], region: &str, defaults: bool) -> Vec<Value> {
    catalog::service_quotas()
        .iter()
        .filter_map(|q| {
            let code = q["code"].as_str().unwrap_or_default();
            let s = setting(settings, code);
            // A quota without an applied value "is not retrieved" by ListServiceQuotas.
            if !defaults && s.is_some_and(|s| !s.listed) {
                return None;
            }
            Some(render(q, region, s, defaults))
        })
        .collect()
}

fn page_token(offset: usize) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("offset:{offset}"))
}

fn offset_of(token: &str) -> Option<usize> {
    let raw = base64::engine::general_purpose::STANDARD
        .decode(token)
        .ok()?;
    String::from_utf8(raw)
        .ok()?
        .strip_prefix("offset:")?
        .parse()
        .ok()
}

/// The answer to one Service Quotas request.
pub fn handle(operation: &str, body: &[u8], region: &str, settings: &[QuotaSetting]) -> Reply {
    let Ok(input) = serde_json::from_slice::<Value>(body) else {
        return error(
            400,
            "IllegalArgumentException",
            "Invalid input was provided.",
        );
    };
    let service = input["ServiceCode"].as_str();
    match service {
        None => return error(400, "IllegalArgumentException", "ServiceCode is required."),
        Some("bedrock") => {}
        Some(_) => {
            return error(
                400,
                "NoSuchResourceException",
                "The request failed because the specified service does not exist.",
            )
        }
    }
    match operation {
        "ListServiceQuotas" | "ListAWSDefaultServiceQuotas" => {
            let all = listed(settings, region, operation == "ListAWSDefaultServiceQuotas");
            let start = match input["NextToken"].as_str() {
                None => 0,
                Some(token) => match offset_of(token).filter(|o| *o <= all.len()) {
                    Some(offset) => offset,
                    None => {
                        return error(
                            400,
                            "InvalidPaginationTokenException",
                            "Invalid pagination token.",
                        )
                    }
                },
            };
            let max = input["MaxResults"]
                .as_u64()
                .map_or(100, |m| m.clamp(1, 100) as usize)
                .min(PAGE_SIZE);
            let page: Vec<Value> = all.iter().skip(start).take(max).cloned().collect();
            let mut out = json!({ "Quotas": page });
            if start + max < all.len() {
                out["NextToken"] = json!(page_token(start + max));
            }
            ok(&out)
        }
        "GetServiceQuota" | "GetAWSDefaultServiceQuota" => {
            let code = input["QuotaCode"].as_str().unwrap_or_default();
            let defaults = operation == "GetAWSDefaultServiceQuota";
            match listed(settings, region, defaults)
                .into_iter()
                .find(|q| q["QuotaCode"] == code)
            {
                Some(quota) => ok(&json!({ "Quota": quota })),
                None => error(
                    400,
                    "NoSuchResourceException",
                    "The request failed because the specified quota and service do not exist.",
                ),
            }
        }
        other => error(
            400,
            "UnknownOperationException",
            &format!("no handler for {other}"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(operation: &str, token: Option<&str>, settings: &[QuotaSetting]) -> Value {
        let mut body = json!({ "ServiceCode": "bedrock", "MaxResults": 100 });
        if let Some(t) = token {
            body["NextToken"] = json!(t);
        }
        let reply = handle(
            operation,
            body.to_string().as_bytes(),
            "us-east-1",
            settings,
        );
        assert_eq!(reply.status, 200);
        serde_json::from_slice(&reply.body).unwrap()
    }

    #[test]
    fn pages_through_every_quota_once() {
        let mut token: Option<String> = None;
        let mut codes = Vec::new();
        loop {
            let out = page("ListAWSDefaultServiceQuotas", token.as_deref(), &[]);
            let quotas = out["Quotas"].as_array().unwrap();
            assert!(quotas.len() <= PAGE_SIZE);
            codes.extend(
                quotas
                    .iter()
                    .map(|q| q["QuotaCode"].as_str().unwrap().to_string()),
            );
            match out["NextToken"].as_str() {
                Some(t) => token = Some(t.to_string()),
                None => break,
            }
        }
        assert_eq!(codes.len(), catalog::service_quotas().len());
        assert!(codes.len() > PAGE_SIZE, "the list spans pages");
    }

    #[test]
    fn a_scenario_lowers_hides_or_blanks_an_applied_value() {
        let settings = vec![
            QuotaSetting {
                code: "L-F4DDD3EB".into(),
                applied: Some(4000.0),
                listed: true,
                error_reason: None,
            },
            QuotaSetting {
                code: "L-381AD9EE".into(),
                applied: None,
                listed: false,
                error_reason: None,
            },
            QuotaSetting {
                code: "L-8CE99163".into(),
                applied: None,
                listed: true,
                error_reason: Some("DEPENDENCY_ACCESS_DENIED_ERROR".into()),
            },
        ];
        let all = listed(&settings, "us-east-1", false);
        let find = |code: &str| all.iter().find(|q| q["QuotaCode"] == code).cloned();
        assert_eq!(find("L-F4DDD3EB").unwrap()["Value"], 4000.0);
        assert!(find("L-381AD9EE").is_none());
        let blank = find("L-8CE99163").unwrap();
        assert!(blank.get("Value").is_none() && blank["ErrorReason"].is_object());
        let defaults = listed(&settings, "us-east-1", true);
        assert_eq!(
            defaults
                .iter()
                .find(|q| q["QuotaCode"] == "L-F4DDD3EB")
                .unwrap()["Value"],
            5_000_000
        );
    }

    #[test]
    fn refuses_bad_tokens_and_other_services() {
        let body = json!({"ServiceCode": "bedrock", "NextToken": "bm9wZQ=="}).to_string();
        let reply = handle("ListServiceQuotas", body.as_bytes(), "us-east-1", &[]);
        assert_eq!(reply.status, 400);
        assert!(String::from_utf8_lossy(&reply.body).contains("InvalidPaginationTokenException"));
        let ec2 = json!({"ServiceCode": "ec2"}).to_string();
        let reply = handle("ListServiceQuotas", ec2.as_bytes(), "us-east-1", &[]);
        assert!(String::from_utf8_lossy(&reply.body).contains("NoSuchResourceException"));
    }
}
