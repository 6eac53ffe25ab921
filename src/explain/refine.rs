//! Refining the catalogue's verdict with what the message names: a name-resolution failure judged
//! by the region in the host.

use super::extract::endpoint;
use super::Found;
use checks::catalogue::{catalogue, Diagnosis, Rule};
use checks::dx;
use checks::regions::{self, RegionVerdict};

/// A region-invalid verdict drawn from a name-resolution failure is only as good as the region in
/// the host name: a real region without Bedrock is `region-unsupported`, and a region that offers
/// Bedrock means the name did not resolve on this network (`endpoint-unreachable`).
pub(super) fn refine(
    diagnosis: &'static Diagnosis,
    rule: &Rule,
    text: &str,
    found: &mut Found,
) -> &'static Diagnosis {
    // The catalogue's name-resolution rule: its pattern lists every resolver's wording
    // (ENOTFOUND, EAI_AGAIN, "Name or service not known", ...).
    let dns_rule = rule
        .message
        .as_ref()
        .is_some_and(|m| m.as_str().contains("ENOTFOUND"));
    if diagnosis.code != dx::REGION_INVALID || !dns_rule {
        return diagnosis;
    }
    let Some((host, region)) = endpoint(text) else {
        return diagnosis;
    };
    let (code, note) = match regions::judge(&region) {
        RegionVerdict::Bedrock { .. } => (
            dx::ENDPOINT_UNREACHABLE,
            format!("{host} names {region}, which offers Bedrock: the host name did not resolve on this network"),
        ),
        RegionVerdict::NoBedrock => (
            dx::REGION_UNSUPPORTED,
            format!("{host} names {region}, a real AWS Region without Bedrock"),
        ),
        RegionVerdict::Unknown { .. } | RegionVerdict::Malformed { .. } => return diagnosis,
    };
    found.note = Some(note);
    catalogue().get(code).unwrap_or(diagnosis)
}

#[cfg(test)]
mod tests {
    use crate::explain::explain;

    #[test]
    fn name_resolution_failures_are_judged_by_the_region_in_the_host() {
        let cases = [
            (
                "getaddrinfo ENOTFOUND bedrock-runtime.us-west-3.amazonaws.com",
                "region-invalid",
            ),
            (
                "getaddrinfo ENOTFOUND bedrock-runtime.ap-east-1.amazonaws.com",
                "region-unsupported",
            ),
            (
                "getaddrinfo ENOTFOUND bedrock-runtime.us-east-2.amazonaws.com",
                "endpoint-unreachable",
            ),
            (
                "getaddrinfo EAI_AGAIN bedrock-runtime.us-east-1.amazonaws.com",
                "endpoint-unreachable",
            ),
            (
                "getaddrinfo ENOTFOUND bedrock-runtime..amazonaws.com",
                "region-missing",
            ),
        ];
        for (message, code) in cases {
            let e = explain(message);
            assert_eq!(e.diagnosis, code, "{message}");
        }
        let e = explain("getaddrinfo ENOTFOUND bedrock-runtime.us-esat-1.amazonaws.com");
        assert!(e.fix.contains("us-east-1"), "{}", e.fix);
    }
}
