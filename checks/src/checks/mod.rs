//! One file per check (a folder where one strategy or helper family outgrows it): its spec, its
//! logic and its tests. The spec is the doc comment on the check's struct, with the same five
//! headings in every check, in this order: **Verifies:**, **Calls:** (and what they cost),
//! **Skips when:**, **Fails when:**, **Warns when:** ("never" where none applies).

pub mod clock;
pub mod credentials;
pub mod endpoint;
pub mod iam_permissions;
pub mod identity;
pub mod inference_profile;
pub mod invoke;
pub mod marketplace;
pub mod model_access;
pub mod model_catalog;
mod model_support;
pub mod prompt_caching;
pub mod quotas;
pub mod region;
pub mod scp;
#[cfg(test)]
mod test_support;
pub mod use_case;
