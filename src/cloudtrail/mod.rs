//! CloudTrail events, read offline: the three shapes they are saved in, one event's fields, and the
//! failed calls among them grouped by who failed, on what, where and how. `explain` diagnoses each
//! group with the same catalogue as a pasted message.
//!
//! Sources for the record fields: the CloudTrail record contents
//! (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html),
//! the `userIdentity` element
//! (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-user-identity.html),
//! Bedrock's CloudTrail page
//! (https://docs.aws.amazon.com/bedrock/latest/userguide/logging-using-cloudtrail.html) and, for
//! `additionalEventData.inferenceRegion`, cross-Region inference
//! (https://docs.aws.amazon.com/bedrock/latest/userguide/cross-region-inference.html).

mod event;
mod filter;
mod group;
mod input;
mod render;
mod reproduce;
#[cfg(test)]
mod tests;

pub use filter::Filter;
pub use group::Groups;
pub use input::{read, MAX_INPUT_BYTES};
pub use render::{
    diagnose_groups, finish_json, finish_text, groups_text, render_json, render_text, Diagnosed,
    Options,
};
