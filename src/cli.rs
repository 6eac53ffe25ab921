//! The command line: what clap parses, and its validation into the frozen `Settings` the checks see.

use anyhow::{bail, Context, Result};
use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Parser)]
#[command(
    name = "bedrock-doctor",
    version,
    about = "Tells whether your AWS credentials, region and account can call Claude through Amazon Bedrock, and if not, why.",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// `check` is the default subcommand: its flags work without naming it.
    #[command(flatten)]
    pub check: CheckArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the checks (the default).
    Check(CheckArgs),
    /// List the checks in registry order.
    List {
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
    /// Diagnose an AWS error message pasted from a log, or the failed calls among CloudTrail
    /// events, offline.
    Explain {
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
        /// Print which parts of the input led to the diagnosis.
        #[arg(short, long, action = ArgAction::Count)]
        verbose: u8,
        /// Read the input from this file: a message, one CloudTrail event, a CloudTrail log file
        /// (`{"Records": [...]}`) or `aws cloudtrail lookup-events` output.
        #[arg(long, value_name = "PATH", conflicts_with = "message")]
        file: Option<PathBuf>,
        /// Mask account ids, ARNs and principal names in the output.
        #[arg(long)]
        redact: bool,
        /// The message, or `-` to read it (or CloudTrail events) from standard input.
        #[arg(required_unless_present = "file")]
        message: Option<String>,
    },
    /// Diagnose the Bedrock calls that already failed, from CloudTrail's event history (read-only:
    /// `cloudtrail:LookupEvents`).
    Trail(TrailArgs),
    /// Render a saved JSON report: a `check` report, or an `org` report (`--format json`, or the
    /// `--format jsonl` stream).
    Show {
        report: PathBuf,
        #[arg(long, value_enum, default_value_t = ShowFormat::Table)]
        format: ShowFormat,
        #[arg(short, long, action = ArgAction::Count)]
        verbose: u8,
        #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
        color: ColorChoice,
    },
    /// List the region's Anthropic models with the exact ids usable from it.
    Models {
        #[arg(long)]
        region: Option<String>,
        #[arg(long)]
        profile: Option<String>,
        #[arg(long)]
        endpoint_url: Option<String>,
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
    /// Check every account of the AWS Organization at once: assume a role in each member account
    /// and run the checks there (run with the management account's or a delegated
    /// administrator's credentials).
    Org(OrgArgs),
    /// Print the least-privilege IAM policy that lets every check run (or, with `--command trail`,
    /// what `trail` needs).
    Policy {
        /// Leave out the invoke actions (for `check --no-invoke`).
        #[arg(long)]
        no_invoke: bool,
        /// Print a CloudFormation template (usable as a StackSet) that creates a read-only role
        /// with this policy in each account, for `org --role-name`.
        #[arg(long)]
        org_role: bool,
        /// The account the role trusts (the management or delegated administrator account): the
        /// default of the template's `TrustedAccountId` parameter.
        #[arg(long, value_name = "ACCOUNT_ID", requires = "org_role")]
        trusted_account: Option<String>,
        /// The command whose needs to print: `check` (the default), `trail`, or `org` (its caller's).
        #[arg(long, value_enum, default_value_t = PolicyCommand::Check)]
        command: PolicyCommand,
    },
    /// Print the JSON Schema of the report.
    Schema {
        /// The schema of the organisation report (`org --format json`) instead.
        #[arg(long)]
        org: bool,
    },
    /// Print a shell completion script.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff).
    Man,
}

/// When to colour the table: `auto` means on a terminal, unless `NO_COLOR` is set; `CLICOLOR_FORCE`
/// forces colour off a terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

impl From<ColorChoice> for crate::render::ColourChoice {
    fn from(choice: ColorChoice) -> Self {
        match choice {
            ColorChoice::Auto => crate::render::ColourChoice::Auto,
            ColorChoice::Always => crate::render::ColourChoice::Always,
            ColorChoice::Never => crate::render::ColourChoice::Never,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
    Markdown,
    Junit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Table,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PolicyCommand {
    Check,
    Trail,
    /// The caller of `org` (the management account or a delegated administrator).
    Org,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TrailFormat {
    Table,
    Json,
    Markdown,
}

/// `trail`'s flags.
#[derive(Debug, Clone, Args)]
pub struct TrailArgs {
    /// How far back to read from now: 30m, 1h, 2d (default: 1h). Event history keeps 90 days.
    #[arg(long, conflicts_with_all = ["start", "end"])]
    pub since: Option<String>,
    /// Start of the window: RFC 3339 (2026-01-15T00:00:00Z) or relative (12h).
    #[arg(long)]
    pub start: Option<String>,
    /// End of the window (default: now): RFC 3339 or relative.
    #[arg(long, requires = "start")]
    pub end: Option<String>,
    /// Region whose history to read (default: the SDK's chain, as for `check`).
    #[arg(long)]
    pub region: Option<String>,
    /// Read these regions at once (comma-separated; `all-bedrock`: every commercial Bedrock region).
    #[arg(long, value_delimiter = ',', conflicts_with = "region")]
    pub regions: Vec<String>,
    /// Named profile from the shared config/credentials files.
    #[arg(long)]
    pub profile: Option<String>,
    /// Only the calls of this principal: an ARN (user, role, role session) or a name (user, role,
    /// session, Identity Center user).
    #[arg(long)]
    pub principal: Option<String>,
    /// Only the calls on this model: a model id, an inference-profile id or an ARN.
    #[arg(long)]
    pub model: Option<String>,
    /// Read at most this many events, all regions together; the answer says when it cut the
    /// history short.
    #[arg(long, default_value_t = 2000, value_parser = clap::value_parser!(u64).range(1..))]
    pub limit: u64,
    /// Mask account ids, ARNs and principal names in the output.
    #[arg(long)]
    pub redact: bool,
    #[arg(long, value_enum, default_value_t = TrailFormat::Table)]
    pub format: TrailFormat,
    /// Endpoint URL for every service; overrides AWS_ENDPOINT_URL*.
    #[arg(long)]
    pub endpoint_url: Option<String>,
    /// Deadline for reading each region's history, in seconds.
    #[arg(long, default_value = "120")]
    pub timeout: String,
    /// -v adds which parts of each event led to its diagnosis.
    #[arg(short, long, action = ArgAction::Count)]
    pub verbose: u8,
}

/// `--principal` and `--model` values no event could ever match are usage errors.
pub fn check_filter_value(flag: &str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        bail!("{flag} is empty");
    }
    if value.chars().any(char::is_control) {
        bail!("{flag} {value:?} contains control characters");
    }
    if value.chars().count() > MODEL_ID_MAX {
        bail!("{flag} is longer than {MODEL_ID_MAX} characters");
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShowFormat {
    Table,
    Markdown,
    Junit,
    Json,
}

#[derive(Debug, Clone, Args)]
pub struct CheckArgs {
    /// AWS region (default: the SDK's chain: AWS_REGION, AWS_DEFAULT_REGION, profile, instance metadata).
    #[arg(long)]
    pub region: Option<String>,
    /// Check every listed region at once (comma-separated; `all-bedrock`: every commercial Bedrock
    /// region) and print a matrix, check × region. Account-wide checks run once, in the first.
    #[arg(long, value_delimiter = ',', conflicts_with = "region")]
    pub regions: Vec<String>,
    /// Named profile from the shared config/credentials files (default: AWS_PROFILE, else `default`).
    #[arg(long)]
    pub profile: Option<String>,
    /// Model id(s) to test, as the app is configured: a base model id
    /// (anthropic.claude-sonnet-4-5-20250929-v1:0), an inference profile id
    /// (us.anthropic.claude-sonnet-4-5-20250929-v1:0) or ARN (system or application); repeat the flag
    /// or separate with commas for an app that calls several models.
    #[arg(long, value_delimiter = ',')]
    pub model: Vec<String>,
    /// Test what this app would use: its region, models and credentials, read from its documented
    /// environment variables and settings files (explicit flags still win).
    #[arg(long, value_enum)]
    pub app: Option<crate::app::App>,
    /// Inference profile id or ARN to test, e.g. us.anthropic.claude-sonnet-4-5-20250929-v1:0.
    #[arg(long)]
    pub inference_profile: Option<String>,
    /// Endpoint URL for every service (as for a VPC endpoint); overrides AWS_ENDPOINT_URL*.
    #[arg(long)]
    pub endpoint_url: Option<String>,
    /// Run only these checks (comma-separated ids).
    #[arg(long, value_delimiter = ',')]
    pub only: Vec<String>,
    /// Skip these checks (comma-separated ids).
    #[arg(long, value_delimiter = ',')]
    pub skip: Vec<String>,
    /// Make no model invocation (the only calls that cost money).
    #[arg(long)]
    pub no_invoke: bool,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Also write the JSON report to this file.
    #[arg(long)]
    pub output: Option<PathBuf>,
    /// Deadline for the whole run, in seconds.
    #[arg(long, default_value = "60")]
    pub timeout: String,
    /// -v adds evidence (calls, regions, HTTP status, request ids, durations).
    #[arg(short, long, action = ArgAction::Count)]
    pub verbose: u8,
    /// Mask account ids and ARNs everywhere in the output.
    #[arg(long)]
    pub redact: bool,
    /// Exit 1 on warnings too (default: on failures and errors only).
    #[arg(long, value_enum, default_value_t = crate::report::FailOn::Fail)]
    pub fail_on: crate::report::FailOn,
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// No live progress.
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OrgFormat {
    Table,
    Json,
    /// One JSON line per account as it finishes, between a header line and a summary line.
    Jsonl,
    Markdown,
    Junit,
}

/// `bedrock-doctor org`: validated by `crate::org::options`.
#[derive(Debug, Clone, Args)]
pub struct OrgArgs {
    /// The role to assume in each member account (its name, not its ARN), e.g. the doctor's
    /// read-only role.
    #[arg(long, value_name = "NAME")]
    pub role_name: String,
    /// Only these accounts (comma-separated 12-digit ids); default: every account.
    #[arg(long, value_delimiter = ',', value_name = "ID,...")]
    pub accounts: Vec<String>,
    /// Only the accounts under this OU, at any depth (`ou-...`).
    #[arg(long, value_name = "OU_ID")]
    pub ou: Option<String>,
    /// Leave out these accounts (comma-separated ids).
    #[arg(long, value_delimiter = ',', value_name = "ID,...")]
    pub exclude: Vec<String>,
    /// The external id the role's trust policy requires (`sts:ExternalId`).
    #[arg(long, value_name = "ID")]
    pub external_id: Option<String>,
    /// Accounts checked at once (1 to 64).
    #[arg(long, default_value = "8", value_name = "N")]
    pub concurrency: String,
    /// Check each account in every listed region (comma-separated, or `all-bedrock`).
    #[arg(long, value_delimiter = ',')]
    pub regions: Vec<String>,
    /// The region (default: the SDK's chain, as for `check`).
    #[arg(long)]
    pub region: Option<String>,
    /// Named profile whose credentials run `org` (the management account or a delegated administrator).
    #[arg(long)]
    pub profile: Option<String>,
    /// Model id(s) to test in each account, as for `check`.
    #[arg(long, value_delimiter = ',')]
    pub model: Vec<String>,
    /// Make no model invocation in any account.
    #[arg(long)]
    pub no_invoke: bool,
    /// Deadline for each account's checks, in seconds.
    #[arg(long, default_value = "60")]
    pub timeout: String,
    #[arg(long, value_enum, default_value_t = OrgFormat::Table)]
    pub format: OrgFormat,
    /// Also write the JSON report (the jsonl stream with `--format jsonl`) to this file.
    #[arg(long)]
    pub output: Option<PathBuf>,
    /// Mask account ids and ARNs everywhere in the output.
    #[arg(long)]
    pub redact: bool,
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// No live progress.
    #[arg(short, long)]
    pub quiet: bool,
    /// -v adds evidence.
    #[arg(short, long, action = ArgAction::Count)]
    pub verbose: u8,
}

impl OrgArgs {
    /// The checks' part of the run, validated by the same rules as `check` (regions, models,
    /// timeout, profile): one set of rules, not a copy.
    pub fn check_run(&self) -> Result<Run> {
        let mut args = Cli::try_parse_from(["bedrock-doctor"])?.check;
        args.region = self.region.clone();
        args.regions = self.regions.clone();
        args.profile = self.profile.clone();
        args.model = self.model.clone();
        args.no_invoke = self.no_invoke;
        args.timeout = self.timeout.clone();
        args.verbose = self.verbose;
        args.redact = self.redact;
        args.quiet = self.quiet;
        args.color = self.color;
        if !args.regions.is_empty() && args.region.is_some() {
            bail!("--regions and --region cannot be used together");
        }
        args.validate()
    }
}

/// The run, validated: everything a usage error could be about has been rejected by now.
pub struct Run {
    pub settings: checks::Settings,
    /// With `--app`: the app's configuration, and the variables to put into this process's
    /// environment before the AWS SDK reads it.
    pub app: Option<crate::app::Resolved>,
    pub selected: Vec<&'static dyn checks::Check>,
    pub deadline: Duration,
    pub format: Format,
    pub output: Option<PathBuf>,
    pub verbose: u8,
    pub redact: bool,
    pub fail_on: crate::report::FailOn,
    pub colour: crate::render::ColourChoice,
    pub quiet: bool,
}

impl CheckArgs {
    pub fn validate(self) -> Result<Run> {
        self.validate_with(&crate::app::Inputs::of_this_process())
    }

    pub fn validate_with(mut self, app_inputs: &crate::app::Inputs) -> Result<Run> {
        let deadline = parse_timeout(&self.timeout)?;
        let app = match self.app {
            Some(app) => Some(crate::app::resolve(app, app_inputs)?),
            None => None,
        };
        let mut app = app;
        if let Some(app) = &mut app {
            // Flags say what the person wants checked; the app's values fill in the rest.
            if self.model.is_empty() {
                self.model = app.models.clone();
                app.models_used = true;
            }
            if self.inference_profile.is_none() {
                self.inference_profile = app.inference_profile.clone();
            }
            for (key, value) in &app.env {
                if key.starts_with("AWS_ENDPOINT_URL") {
                    validate_url(value).with_context(|| format!("--app: {key}={value:?}"))?;
                }
                if key == "AWS_REGION" && self.region.is_none() {
                    check_region_shape(value).with_context(|| format!("--app: {key}"))?;
                }
            }
        }
        if let Some(region) = &self.region {
            check_region_shape(region).context("--region")?;
        }
        let regions = expand_regions(&self.regions)?;
        if let Some(url) = &self.endpoint_url {
            validate_url(url).with_context(|| format!("--endpoint-url {url:?}"))?;
        }
        for model in &self.model {
            check_model_shape(model)?;
        }
        let known: Vec<&str> = checks::registry().iter().map(|c| c.meta().id).collect();
        for id in self.only.iter().chain(&self.skip) {
            if checks::find(id).is_none() {
                bail!("unknown check id `{id}` (known: {})", known.join(", "));
            }
        }
        let selected = checks::registry()
            .iter()
            .copied()
            .filter(|c| self.only.is_empty() || self.only.iter().any(|id| id == c.meta().id))
            .filter(|c| !self.skip.iter().any(|id| id == c.meta().id))
            .collect();
        let settings = checks::Settings {
            region: self.region,
            regions,
            profile: self.profile,
            models: dedup(self.model),
            inference_profile: self.inference_profile,
            endpoint_url: self.endpoint_url,
            no_invoke: self.no_invoke,
            // One call may take a third of the run, at most 20 s: a hanging service then costs a
            // bounded share of the deadline and dependent calls still get their turn.
            call_timeout: (deadline / 3).clamp(Duration::from_millis(500), Duration::from_secs(20)),
            given: checks::facts::Given::default(),
        };
        Ok(Run {
            settings,
            app,
            selected,
            deadline,
            format: self.format,
            output: self.output,
            verbose: self.verbose,
            redact: self.redact,
            fail_on: self.fail_on,
            colour: self.color.into(),
            quiet: self.quiet,
        })
    }
}

/// The longest `modelId` InvokeModel accepts (botocore `InvokeModelIdentifier`, length 1–2048).
const MODEL_ID_MAX: usize = 2048;

/// Only what no id could ever be is a usage error: anything else, a display name or a near miss
/// included, is the `model-catalog` check's to diagnose with the region's real ids.
fn check_model_shape(model: &str) -> Result<()> {
    if model.trim().is_empty() {
        bail!("--model is empty (e.g. anthropic.claude-sonnet-4-5-20250929-v1:0 or us.anthropic.claude-sonnet-4-5-20250929-v1:0)");
    }
    if model.chars().any(char::is_control) {
        bail!("--model {model:?} contains control characters; no model id does");
    }
    if model.chars().count() > MODEL_ID_MAX {
        bail!(
            "--model is {} characters long; a model id or ARN has at most {MODEL_ID_MAX}",
            model.chars().count()
        );
    }
    Ok(())
}

fn check_region_shape(region: &str) -> Result<()> {
    if !is_region_name(region) {
        bail!("{region:?} is not a region name (lower-case letters, digits and dashes, e.g. us-east-1)");
    }
    Ok(())
}

/// Shaped like a region name: the typo of a real one is the `region` check's to explain.
fn is_region_name(region: &str) -> bool {
    !region.is_empty()
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// The `--regions` list, each region once in the order given, `all-bedrock` expanded to the
/// commercial Bedrock regions: us-east-1 first, then the others alphabetically. The account-wide
/// checks run in the first region, and us-east-1 is enabled in every account, whereas the
/// alphabetically first (af-south-1) is an opt-in region an account may not have enabled.
fn expand_regions(given: &[String]) -> Result<Vec<String>> {
    let mut regions: Vec<String> = Vec::new();
    for item in given {
        let expanded: Vec<String> = if item == "all-bedrock" {
            let mut all: Vec<String> = checks::regions::COMMERCIAL_BEDROCK_REGIONS
                .iter()
                .map(|r| r.to_string())
                .collect();
            all.sort_by_key(|r| r != "us-east-1");
            all
        } else if is_region_name(item) {
            vec![item.clone()]
        } else {
            bail!("--regions {item:?} is not a region name (lower-case letters, digits and dashes, e.g. us-east-1,eu-west-1, or all-bedrock)");
        };
        for region in expanded {
            if !regions.contains(&region) {
                regions.push(region);
            }
        }
    }
    Ok(regions)
}

/// The models in the order given, each once.
fn dedup(models: Vec<String>) -> Vec<String> {
    let mut seen = Vec::new();
    for m in models {
        if !seen.contains(&m) {
            seen.push(m);
        }
    }
    seen
}

fn parse_timeout(raw: &str) -> Result<Duration> {
    let secs: f64 = raw
        .trim()
        .parse()
        .with_context(|| format!("--timeout {raw:?} is not a number of seconds"))?;
    if !(secs.is_finite() && secs > 0.0 && secs <= 3600.0) {
        bail!("--timeout {raw:?} must be between 0 and 3600 seconds");
    }
    Ok(Duration::from_secs_f64(secs))
}

fn validate_url(url: &str) -> Result<()> {
    let (scheme, rest) = url
        .split_once("://")
        .context("missing scheme (http:// or https://)")?;
    if scheme != "http" && scheme != "https" {
        bail!("scheme must be http or https");
    }
    if rest.is_empty() || rest.starts_with('/') || rest.chars().any(char::is_whitespace) {
        bail!("missing or malformed host");
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let (host, port) = match authority.strip_prefix('[') {
        Some(v6) => {
            let (host, after) = v6.split_once(']').context("unclosed `[` in the host")?;
            host.parse::<std::net::Ipv6Addr>()
                .ok()
                .context("not an IPv6 address between `[` and `]`")?;
            match after {
                "" => (host, None),
                _ => (
                    host,
                    Some(after.strip_prefix(':').context("malformed port")?),
                ),
            }
        }
        None => match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        },
    };
    let host_ok = !host.is_empty()
        && (authority.starts_with('[')
            || host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')));
    if !host_ok {
        bail!("malformed host {host:?}");
    }
    if let Some(port) = port {
        port.parse::<u16>()
            .ok()
            .filter(|p| *p > 0)
            .with_context(|| format!("port {port:?} is not a port number"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(extra: &[&str]) -> Result<Run> {
        let mut argv = vec!["bedrock-doctor"];
        argv.extend_from_slice(extra);
        Cli::try_parse_from(argv)?.check.validate()
    }

    #[test]
    fn rejects_unknown_check_ids_naming_the_known_ones() {
        let Err(err) = args(&["--only", "clock,nope"]) else {
            panic!("accepted an unknown id")
        };
        let err = err.to_string();
        assert!(
            err.contains("`nope`") && err.contains("credentials"),
            "{err}"
        );
    }

    #[test]
    fn only_and_skip_select_in_registry_order() {
        let run = args(&["--only", "region,clock,identity", "--skip", "identity"]).unwrap();
        let ids: Vec<&str> = run.selected.iter().map(|c| c.meta().id).collect();
        assert_eq!(ids, ["clock", "region"]);
    }

    #[test]
    fn rejects_bad_timeouts_regions_and_urls() {
        assert!(args(&["--timeout", "0"]).is_err());
        assert!(args(&["--timeout", "abc"]).is_err());
        assert!(args(&["--region", "US East"]).is_err());
        assert!(args(&["--endpoint-url", "bedrock.local"]).is_err());
        for bad in [
            "http://[::1",
            "http://[nope]:80",
            "https://host:99999",
            "https://host:x",
            "http://ho$t",
            "http://:443",
        ] {
            assert!(args(&["--endpoint-url", bad]).is_err(), "{bad}");
        }
        for good in [
            "http://127.0.0.1:4566",
            "https://bedrock-runtime.us-east-1.amazonaws.com",
            "http://[::1]:8080/",
            "https://vpce-0a1b.bedrock-runtime.us-east-1.vpce.amazonaws.com/path?x=1",
        ] {
            assert!(args(&["--endpoint-url", good]).is_ok(), "{good}");
        }
        assert!(
            args(&["--region", "us-esat-1"]).is_ok(),
            "a well-formed typo is the region check's to explain"
        );
    }

    #[test]
    fn regions_are_listed_once_each_and_all_bedrock_expands() {
        let run = args(&["--regions", "eu-west-1,us-east-1,eu-west-1"]).unwrap();
        assert_eq!(run.settings.regions, ["eu-west-1", "us-east-1"]);
        assert_eq!(run.settings.region, None);
        let all = args(&["--regions", "all-bedrock"]).unwrap();
        let mut sorted = all.settings.regions.clone();
        sorted.sort();
        assert_eq!(sorted, checks::regions::COMMERCIAL_BEDROCK_REGIONS);
        assert_eq!(
            all.settings.regions[0], "us-east-1",
            "enabled in every account"
        );
        assert_eq!(all.settings.regions[1], "af-south-1");
        let more = args(&["--regions", "eu-west-1,all-bedrock"]).unwrap();
        assert_eq!(more.settings.regions.len(), all.settings.regions.len());
        assert_eq!(more.settings.regions[..2], ["eu-west-1", "us-east-1"]);
    }

    #[test]
    fn rejects_malformed_regions_and_regions_with_region() {
        for bad in [
            "US-East-1",
            "us-east-1,,eu-west-1",
            "",
            "us east 1",
            "all-bedrock!",
        ] {
            let Err(err) = args(&["--regions", bad]) else {
                panic!("accepted --regions {bad:?}")
            };
            assert!(err.to_string().contains("--regions"), "{err}");
        }
        assert!(args(&["--regions", "us-east-1", "--region", "eu-west-1"]).is_err());
    }
}
