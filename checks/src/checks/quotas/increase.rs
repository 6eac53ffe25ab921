//! The commands that ask AWS to raise a quota below its default, one line per quota.

use crate::catalogue::catalogue;
use crate::dx;
use crate::facts::quotas::{Governing, Measure};

/// The Service Quotas advice `name` of the `quota-below-default` entry in the catalogue.
pub(super) fn phrase(name: &str) -> &'static str {
    catalogue()
        .get(dx::QUOTA_BELOW_DEFAULT)
        .and_then(|d| d.phrases.get(name))
        .map(String::as_str)
        .unwrap_or_else(|| panic!("catalogue.toml: quota-below-default has no phrase {name}"))
}

/// `1234567.0` → `1,234,567`; fractions keep two decimals.
pub(super) fn number(value: f64) -> String {
    if value.fract() != 0.0 || value.abs() >= 1e15 {
        return format!("{value:.2}");
    }
    let digits = format!("{}", value as i64);
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// One line per quota below its default, with the command that asks AWS to raise it. Service
/// Quotas refuses a desired value at or below the default ("You must provide a quota value
/// greater than the default quota value of …", seen in several public reports of zeroed Bedrock
/// quotas), so each command asks for the smallest whole number above it.
pub(super) fn increases(
    found: &[Governing],
    cross_region_tpm: Option<&Governing>,
    region: &str,
) -> String {
    let command = |g: &Governing, default: f64| {
        format!(
            "`aws service-quotas request-service-quota-increase --service-code bedrock --quota-code {} --desired-value {} --region {region}`",
            g.code,
            (default.floor() as u64).saturating_add(1)
        )
    };
    found
        .iter()
        .filter_map(|g| {
            g.below_default()
                .map(|(applied, default)| (g, applied, default))
        })
        .filter(|(g, _, _)| g.measure != Measure::RequestsPerMinute)
        .map(|(g, applied, default)| {
            let head = format!(
                "- \"{}\" ({}): applied {}, AWS default {}",
                g.name,
                g.code,
                number(applied),
                number(default)
            );
            if g.adjustable {
                return format!("{head}: {}", command(g, default));
            }
            let advice = match cross_region_tpm.filter(|t| t.code != g.code) {
                // Its own line above already carries the command.
                Some(tpm)
                    if found
                        .iter()
                        .any(|f| f.code == tpm.code && f.below_default().is_some()) =>
                {
                    phrase("not_adjustable_tpm_above").replace("{tpm_code}", &tpm.code)
                }
                Some(tpm) => phrase("not_adjustable_tpm")
                    .replace("{tpm_code}", &tpm.code)
                    .replace("{command}", &command(tpm, tpm.default.unwrap_or_default())),
                None => phrase("not_adjustable").to_string(),
            };
            format!("{head}; {advice}")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_phrase_is_in_the_catalogue() {
        for name in [
            "not_adjustable_tpm_above",
            "not_adjustable_tpm",
            "not_adjustable",
            "quotas_unreadable",
        ] {
            assert!(!phrase(name).is_empty(), "{name}");
        }
    }

    #[test]
    fn numbers_read_with_separators() {
        assert_eq!(number(7_200_000_000.0), "7,200,000,000");
        assert_eq!(number(4.0), "4");
        assert_eq!(number(0.5), "0.50");
    }
}
