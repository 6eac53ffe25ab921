//! `bedrock-doctor org`: every account of an AWS Organization, checked at once.

mod accounts;
mod enter;
mod options;
mod output;
mod progress;
pub mod report;
mod run;
pub mod saved;

/// Runs `org`: a usage error is an `Err` (exit 2); otherwise the exit code of the run.
pub fn command(args: crate::cli::OrgArgs) -> anyhow::Result<i32> {
    run::command(options::OrgRun::validate(args)?)
}
