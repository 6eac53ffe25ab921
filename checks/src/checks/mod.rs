//! One file per check: its spec (the doc comment), its logic and its tests.

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
pub mod use_case;
