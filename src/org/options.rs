//! `org`'s flags, validated: each rule is the service model's own, so a value AWS would refuse is a
//! usage error here (exit 2), never a row of the report.

use crate::cli::{OrgArgs, OrgFormat, Run};
use anyhow::{bail, Context, Result};
use std::path::PathBuf;

/// The most accounts checked at once.
pub const MAX_CONCURRENCY: usize = 64;

/// The `org` run, validated.
pub struct OrgRun {
    /// The checks' part, exactly as `check` validates it.
    pub check: Run,
    pub role_name: String,
    pub accounts: Vec<String>,
    pub ou: Option<String>,
    pub exclude: Vec<String>,
    pub external_id: Option<String>,
    pub concurrency: usize,
    pub format: OrgFormat,
    pub output: Option<PathBuf>,
}

impl OrgRun {
    pub fn validate(args: OrgArgs) -> Result<OrgRun> {
        check_role_name(&args.role_name)?;
        if !args.accounts.is_empty() && args.ou.is_some() {
            bail!("--accounts and --ou cannot be used together: name the accounts, or the OU whose accounts to check");
        }
        for id in &args.accounts {
            check_account_id(id).context("--accounts")?;
        }
        for id in &args.exclude {
            check_account_id(id).context("--exclude")?;
        }
        if let Some(ou) = &args.ou {
            check_ou_id(ou)?;
        }
        if let Some(external_id) = &args.external_id {
            check_external_id(external_id)?;
        }
        let concurrency = parse_concurrency(&args.concurrency)?;
        let check = args.check_run()?;
        Ok(OrgRun {
            check,
            role_name: args.role_name,
            accounts: dedup(args.accounts),
            ou: args.ou,
            exclude: dedup(args.exclude),
            external_id: args.external_id,
            concurrency,
            format: args.format,
            output: args.output,
        })
    }
}

/// IAM `roleNameType`: 1 to 64 characters of `[\w+=,.@-]` (botocore `iam` model; `\w` is ASCII
/// letters, digits and `_`).
fn check_role_name(name: &str) -> Result<()> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c);
    if name.is_empty() || name.len() > 64 || !name.chars().all(allowed) {
        bail!("--role-name {name:?} is not an IAM role name (1 to 64 letters, digits and _+=,.@-; the name, not the ARN)");
    }
    Ok(())
}

/// Organizations `AccountId`: `^\d{12}$` (botocore `organizations` model).
fn check_account_id(id: &str) -> Result<()> {
    if id.len() != 12 || !id.bytes().all(|b| b.is_ascii_digit()) {
        bail!("{id:?} is not an AWS account id (12 digits)");
    }
    Ok(())
}

/// Organizations `OrganizationalUnitId`: `^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$` (botocore
/// `organizations` model).
fn check_ou_id(ou: &str) -> Result<()> {
    let part = |s: &str, min: usize| {
        (min..=32).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
    };
    let ok = ou
        .strip_prefix("ou-")
        .and_then(|rest| rest.split_once('-'))
        .is_some_and(|(root, unit)| part(root, 4) && part(unit, 8));
    if !ok {
        bail!("--ou {ou:?} is not an OU id (ou- then 4 to 32 and 8 to 32 lower-case letters or digits, e.g. ou-ab12-cd34ef56)");
    }
    Ok(())
}

/// STS `externalIdType`: 2 to 1224 characters of `[\w+=,.@:\/-]` (botocore `sts` model).
fn check_external_id(id: &str) -> Result<()> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "_+=,.@:/-".contains(c);
    if !(2..=1224).contains(&id.len()) || !id.chars().all(allowed) {
        // The value may be a secret of sorts: not repeated.
        bail!("--external-id is not an external id STS accepts (2 to 1224 letters, digits and _+=,.@:/-)");
    }
    Ok(())
}

fn parse_concurrency(raw: &str) -> Result<usize> {
    match raw.trim().parse::<usize>() {
        Ok(n) if (1..=MAX_CONCURRENCY).contains(&n) => Ok(n),
        _ => bail!("--concurrency {raw:?} must be a whole number from 1 to {MAX_CONCURRENCY}"),
    }
}

fn dedup(ids: Vec<String>) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    for id in ids {
        if !seen.contains(&id) {
            seen.push(id);
        }
    }
    seen
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{Cli, Command};
    use clap::Parser;

    fn org(extra: &[&str]) -> Result<OrgRun> {
        let mut argv = vec!["bedrock-doctor", "org"];
        argv.extend_from_slice(extra);
        match Cli::try_parse_from(argv)?.command {
            Some(Command::Org(args)) => OrgRun::validate(args),
            _ => panic!("not the org command"),
        }
    }

    fn rejected(extra: &[&str], flag: &str) {
        let Err(err) = org(extra) else {
            panic!("accepted {extra:?}")
        };
        let text = format!("{err:#}");
        assert!(text.contains(flag), "{text}");
        assert!(!text.contains('\n'), "one line: {text}");
    }

    #[test]
    fn accepts_a_full_command_line() {
        let run = org(&[
            "--role-name",
            "Bedrock.Doctor+RO@x=y,z_-",
            "--accounts",
            "111111111111,222222222222,111111111111",
            "--exclude",
            "333333333333",
            "--external-id",
            "a:b/c=d",
            "--concurrency",
            "64",
            "--regions",
            "us-east-1,eu-west-1",
            "--model",
            "anthropic.claude-sonnet-4-5-20250929-v1:0",
            "--no-invoke",
            "--format",
            "jsonl",
            "--timeout",
            "30",
        ])
        .unwrap();
        assert_eq!(run.accounts, ["111111111111", "222222222222"]);
        assert_eq!(run.concurrency, 64);
        assert_eq!(run.check.settings.regions, ["us-east-1", "eu-west-1"]);
        assert!(run.check.settings.no_invoke);
        assert_eq!(org(&["--role-name", "R"]).unwrap().concurrency, 8);
    }

    #[test]
    fn rejects_role_names_iam_would_refuse() {
        rejected(&["--role-name", ""], "--role-name");
        rejected(
            &["--role-name", "arn:aws:iam::111111111111:role/R"],
            "--role-name",
        );
        rejected(&["--role-name", "has space"], "--role-name");
        rejected(&["--role-name", &"r".repeat(65)], "--role-name");
        assert!(org(&["--role-name", &"r".repeat(64)]).is_ok());
    }

    #[test]
    fn rejects_malformed_account_and_ou_ids_and_both_at_once() {
        rejected(
            &["--role-name", "R", "--accounts", "12345678901"],
            "--accounts",
        );
        rejected(
            &["--role-name", "R", "--accounts", "1234567890123"],
            "--accounts",
        );
        rejected(
            &["--role-name", "R", "--exclude", "12345678901a"],
            "--exclude",
        );
        for bad in [
            "ou-abc-12345678",
            "ou-abcd-1234567",
            "OU-abcd-12345678",
            "r-abcd",
            "ou-ABCD-12345678",
        ] {
            rejected(&["--role-name", "R", "--ou", bad], "--ou");
        }
        assert!(org(&["--role-name", "R", "--ou", "ou-ab12-cd34ef56"]).is_ok());
        rejected(
            &[
                "--role-name",
                "R",
                "--ou",
                "ou-ab12-cd34ef56",
                "--accounts",
                "111111111111",
            ],
            "--accounts and --ou",
        );
    }

    #[test]
    fn rejects_external_ids_sts_would_refuse_without_repeating_them() {
        rejected(&["--role-name", "R", "--external-id", "x"], "--external-id");
        rejected(
            &["--role-name", "R", "--external-id", "secret value"],
            "--external-id",
        );
        rejected(
            &["--role-name", "R", "--external-id", &"x".repeat(1225)],
            "--external-id",
        );
        let Err(err) = org(&["--role-name", "R", "--external-id", "secret value"]) else {
            panic!()
        };
        assert!(!err.to_string().contains("secret value"));
    }

    #[test]
    fn rejects_concurrency_outside_one_to_sixty_four_and_check_s_own_errors() {
        for bad in ["0", "65", "-1", "x", "1.5"] {
            let flag = format!("--concurrency={bad}");
            rejected(&["--role-name", "R", &flag], "--concurrency");
        }
        rejected(&["--role-name", "R", "--timeout", "0"], "--timeout");
        rejected(&["--role-name", "R", "--regions", "US-East-1"], "--regions");
        rejected(&["--role-name", "R", "--region", "us east"], "--region");
        rejected(
            &[
                "--role-name",
                "R",
                "--regions",
                "us-east-1",
                "--region",
                "eu-west-1",
            ],
            "--region",
        );
    }
}
