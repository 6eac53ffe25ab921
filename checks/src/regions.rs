//! Which AWS regions exist and which of them offer Bedrock.
//!
//! The Rust SDK resolves any string that looks like a region (there is no host-label validation in the
//! Bedrock endpoint rules), so a typo only surfaces later as a DNS failure. The doctor keeps its own
//! copy of the region lists to say so up front. Source: botocore 1.43.11 `data/partitions.json`
//! (regions) and `data/endpoints.json` (service key `bedrock`); a test in `tests/` compares these lists
//! with the botocore installed for the test bed, so drift shows up as a red test.

/// The partition a region belongs to: credentials work in their own partition only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Partition {
    /// `aws`, the commercial partition.
    Aws,
    China,
    /// The AWS European Sovereign Cloud.
    Eusc,
    Iso,
    IsoB,
    IsoE,
    IsoF,
    UsGov,
}

use Partition::*;

/// What the doctor knows of one region.
struct KnownRegion {
    name: &'static str,
    partition: Partition,
    /// Has a `bedrock` endpoint in botocore's endpoints.json.
    bedrock: bool,
    /// An account must enable it before use (regions launched after 20 March 2019), per
    /// https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-regions.html
    opt_in: bool,
}

const BEDROCK: bool = true;
const NO_BEDROCK: bool = false;
const OPT_IN: bool = true;
const BY_DEFAULT: bool = false;

const fn region(
    name: &'static str,
    partition: Partition,
    bedrock: bool,
    opt_in: bool,
) -> KnownRegion {
    KnownRegion {
        name,
        partition,
        bedrock,
        opt_in,
    }
}

/// Every region of every partition, without the `*-global` pseudo regions: the one list the
/// public lists below are drawn from, in their order.
const REGIONS: &[KnownRegion] = &[
    region("af-south-1", Aws, BEDROCK, OPT_IN),
    region("ap-east-1", Aws, NO_BEDROCK, OPT_IN),
    region("ap-east-2", Aws, BEDROCK, OPT_IN),
    region("ap-northeast-1", Aws, BEDROCK, BY_DEFAULT),
    region("ap-northeast-2", Aws, BEDROCK, BY_DEFAULT),
    region("ap-northeast-3", Aws, BEDROCK, BY_DEFAULT),
    region("ap-south-1", Aws, BEDROCK, BY_DEFAULT),
    region("ap-south-2", Aws, BEDROCK, OPT_IN),
    region("ap-southeast-1", Aws, BEDROCK, BY_DEFAULT),
    region("ap-southeast-2", Aws, BEDROCK, BY_DEFAULT),
    region("ap-southeast-3", Aws, BEDROCK, OPT_IN),
    region("ap-southeast-4", Aws, BEDROCK, OPT_IN),
    region("ap-southeast-5", Aws, BEDROCK, OPT_IN),
    region("ap-southeast-6", Aws, BEDROCK, OPT_IN),
    region("ap-southeast-7", Aws, BEDROCK, OPT_IN),
    region("ca-central-1", Aws, BEDROCK, BY_DEFAULT),
    region("ca-west-1", Aws, BEDROCK, OPT_IN),
    region("eu-central-1", Aws, BEDROCK, BY_DEFAULT),
    region("eu-central-2", Aws, BEDROCK, OPT_IN),
    region("eu-north-1", Aws, BEDROCK, BY_DEFAULT),
    region("eu-south-1", Aws, BEDROCK, OPT_IN),
    region("eu-south-2", Aws, BEDROCK, OPT_IN),
    region("eu-west-1", Aws, BEDROCK, BY_DEFAULT),
    region("eu-west-2", Aws, BEDROCK, BY_DEFAULT),
    region("eu-west-3", Aws, BEDROCK, BY_DEFAULT),
    region("il-central-1", Aws, BEDROCK, OPT_IN),
    region("me-central-1", Aws, BEDROCK, OPT_IN),
    region("me-south-1", Aws, BEDROCK, OPT_IN),
    region("mx-central-1", Aws, BEDROCK, OPT_IN),
    region("sa-east-1", Aws, BEDROCK, BY_DEFAULT),
    region("us-east-1", Aws, BEDROCK, BY_DEFAULT),
    region("us-east-2", Aws, BEDROCK, BY_DEFAULT),
    region("us-west-1", Aws, BEDROCK, BY_DEFAULT),
    region("us-west-2", Aws, BEDROCK, BY_DEFAULT),
    region("cn-north-1", China, NO_BEDROCK, BY_DEFAULT),
    region("cn-northwest-1", China, NO_BEDROCK, BY_DEFAULT),
    region("eusc-de-east-1", Eusc, BEDROCK, BY_DEFAULT),
    region("us-iso-east-1", Iso, BEDROCK, BY_DEFAULT),
    region("us-iso-west-1", Iso, NO_BEDROCK, BY_DEFAULT),
    region("us-isob-east-1", IsoB, BEDROCK, BY_DEFAULT),
    region("us-isob-west-1", IsoB, NO_BEDROCK, BY_DEFAULT),
    region("eu-isoe-west-1", IsoE, NO_BEDROCK, BY_DEFAULT),
    region("us-isof-east-1", IsoF, BEDROCK, BY_DEFAULT),
    region("us-isof-south-1", IsoF, BEDROCK, BY_DEFAULT),
    region("us-gov-east-1", UsGov, BEDROCK, BY_DEFAULT),
    region("us-gov-west-1", UsGov, BEDROCK, BY_DEFAULT),
];

/// A public list of region names: the regions of [`REGIONS`] a predicate keeps.
#[derive(Clone, Copy)]
enum Subset {
    All,
    Bedrock,
    CommercialBedrock,
    OptIn,
}

impl Subset {
    const fn keeps(self, region: &KnownRegion) -> bool {
        match self {
            Subset::All => true,
            Subset::Bedrock => region.bedrock,
            Subset::CommercialBedrock => region.bedrock && matches!(region.partition, Aws),
            Subset::OptIn => region.opt_in,
        }
    }

    const fn len(self) -> usize {
        let mut n = 0;
        let mut i = 0;
        while i < REGIONS.len() {
            if self.keeps(&REGIONS[i]) {
                n += 1;
            }
            i += 1;
        }
        n
    }

    /// The names kept, in table order; `N` is [`Subset::len`] (a wrong `N` fails the build).
    const fn names<const N: usize>(self) -> [&'static str; N] {
        let mut out = [""; N];
        let mut n = 0;
        let mut i = 0;
        while i < REGIONS.len() {
            if self.keeps(&REGIONS[i]) {
                out[n] = REGIONS[i].name;
                n += 1;
            }
            i += 1;
        }
        assert!(n == N);
        out
    }
}

/// Every region of every partition, without the `*-global` pseudo regions.
pub const ALL_REGIONS: &[&str] = &Subset::All.names::<{ Subset::All.len() }>();

/// Regions with a `bedrock` endpoint in botocore's endpoints.json.
pub const BEDROCK_REGIONS: &[&str] = &Subset::Bedrock.names::<{ Subset::Bedrock.len() }>();

/// The Bedrock regions of the commercial (`aws`) partition: what `--regions all-bedrock` sweeps.
/// GovCloud, the ISO partitions and the European Sovereign Cloud need credentials of their own
/// partition, so a sweep with one set of credentials leaves them out.
pub const COMMERCIAL_BEDROCK_REGIONS: &[&str] =
    &Subset::CommercialBedrock.names::<{ Subset::CommercialBedrock.len() }>();

/// Regions an account must enable before use (those launched after 20 March 2019), per
/// https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-regions.html
pub const OPT_IN_REGIONS: &[&str] = &Subset::OptIn.names::<{ Subset::OptIn.len() }>();

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
