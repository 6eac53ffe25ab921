//! `bedrock-doctor org`: every account of an AWS Organization, checked at once.

pub mod report;
pub mod saved;
