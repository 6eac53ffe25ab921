//! Which AWS regions exist and which of them offer Bedrock.
//!
//! The Rust SDK resolves any string that looks like a region (there is no host-label validation in the
//! Bedrock endpoint rules), so a typo only surfaces later as a DNS failure. The doctor keeps its own
//! copy of the region lists to say so up front. Source: botocore 1.43.11 `data/partitions.json`
//! (regions) and `data/endpoints.json` (service key `bedrock`); a test in `tests/` compares these lists
//! with the botocore installed for the test bed, so drift shows up as a red test.

/// Every region of every partition, without the `*-global` pseudo regions.
pub const ALL_REGIONS: &[&str] = &[
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "cn-north-1",
    "cn-northwest-1",
    "eusc-de-east-1",
    "us-iso-east-1",
    "us-iso-west-1",
    "us-isob-east-1",
    "us-isob-west-1",
    "eu-isoe-west-1",
    "us-isof-east-1",
    "us-isof-south-1",
    "us-gov-east-1",
    "us-gov-west-1",
];

/// Regions with a `bedrock` endpoint in botocore's endpoints.json.
pub const BEDROCK_REGIONS: &[&str] = &[
    "af-south-1",
    "ap-east-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "us-gov-east-1",
    "us-gov-west-1",
    "us-iso-east-1",
    "us-isob-east-1",
    "us-isof-east-1",
    "us-isof-south-1",
    "eusc-de-east-1",
];

/// The Bedrock regions of the commercial (`aws`) partition: what `--regions all-bedrock` sweeps.
/// GovCloud, the ISO partitions and the European Sovereign Cloud need credentials of their own
/// partition, so a sweep with one set of credentials leaves them out.
pub const COMMERCIAL_BEDROCK_REGIONS: &[&str] = &[
    "af-south-1",
    "ap-east-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
];

/// Regions an account must enable before use (those launched after 20 March 2019), per
/// https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-regions.html
pub const OPT_IN_REGIONS: &[&str] = &[
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-south-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ca-west-1",
    "eu-central-2",
    "eu-south-1",
    "eu-south-2",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
];

/// What the doctor knows of a region name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegionVerdict {
    /// Known, and Bedrock is offered there.
    Bedrock { opt_in: bool },
    /// A real region without Bedrock.
    NoBedrock,
    /// Well formed but unknown; `suggestion` is the nearest known name, when one is close.
    Unknown { suggestion: Option<&'static str> },
    /// Not shaped like a region name at all (`US East`, `us-east-1a`, an empty string...).
    Malformed { suggestion: Option<&'static str> },
}

pub fn judge(region: &str) -> RegionVerdict {
    if BEDROCK_REGIONS.contains(&region) {
        return RegionVerdict::Bedrock {
            opt_in: OPT_IN_REGIONS.contains(&region),
        };
    }
    if ALL_REGIONS.contains(&region) {
        return RegionVerdict::NoBedrock;
    }
    let suggestion = nearest(region);
    if is_well_formed(region) {
        RegionVerdict::Unknown { suggestion }
    } else {
        RegionVerdict::Malformed { suggestion }
    }
}

/// `partition-prefix(-more)*-direction-digit`, lower case: the shape every AWS region name has.
fn is_well_formed(region: &str) -> bool {
    let parts: Vec<&str> = region.split('-').collect();
    parts.len() >= 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
        && parts
            .last()
            .is_some_and(|p| p.bytes().all(|b| b.is_ascii_digit()))
}

/// The known region closest in edit distance, if it is close enough to be a plausible typo
/// (`us-esat-1` → `us-east-1`, `eu-west1` → `eu-west-1`, `US-EAST-1` → `us-east-1`).
pub fn nearest(region: &str) -> Option<&'static str> {
    let wanted = region.trim().to_ascii_lowercase();
    let (best, distance) = ALL_REGIONS
        .iter()
        .map(|known| (*known, damerau_levenshtein(&wanted, known)))
        .min_by_key(|(_, d)| *d)?;
    (distance <= 2 || (distance <= 3 && wanted.len() >= 9)).then_some(best)
}

/// Optimal string alignment distance: a swapped pair of letters counts as one edit, which is the
/// commonest typo in region names (and in model ids).
pub(crate) fn damerau_levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_region_a_typo_meant() {
        assert_eq!(
            judge("us-esat-1"),
            RegionVerdict::Unknown {
                suggestion: Some("us-east-1")
            }
        );
        assert_eq!(nearest("eu-west1"), Some("eu-west-1"));
        assert_eq!(nearest("US-EAST-1"), Some("us-east-1"));
        assert_eq!(nearest("frankfurt"), None);
    }

    #[test]
    fn tells_bedrock_regions_from_others() {
        assert_eq!(judge("us-east-1"), RegionVerdict::Bedrock { opt_in: false });
        assert_eq!(
            judge("me-central-1"),
            RegionVerdict::Bedrock { opt_in: true }
        );
        assert_eq!(judge("ap-east-1"), RegionVerdict::NoBedrock);
        assert_eq!(judge("cn-north-1"), RegionVerdict::NoBedrock);
    }

    #[test]
    fn the_commercial_bedrock_regions_are_bedrock_regions() {
        for region in COMMERCIAL_BEDROCK_REGIONS {
            assert!(BEDROCK_REGIONS.contains(region), "{region}");
        }
        assert!(!COMMERCIAL_BEDROCK_REGIONS.contains(&"us-gov-west-1"));
    }

    #[test]
    fn rejects_names_not_shaped_like_regions() {
        assert!(matches!(
            judge("us-east-1a"),
            RegionVerdict::Malformed { .. }
        ));
        assert!(matches!(
            judge("US East (N. Virginia)"),
            RegionVerdict::Malformed { .. }
        ));
        assert!(matches!(
            judge(""),
            RegionVerdict::Malformed { suggestion: None }
        ));
        assert!(matches!(
            judge("xx-nowhere-9"),
            RegionVerdict::Unknown { suggestion: None }
        ));
    }
}
