//! The organisation report, schema_version 1 (`kind: "organization"`): what `org` writes with
//! `--format json`, what `show` reads back, and what `schema --org` prints. Each account carries
//! its full report exactly as `check` produces it. Every field is always present; unknown values
//! are `null`.
//!
//! `--format jsonl` streams the same content one line at a time, so that a thousand accounts never
//! sit in memory: an [`OrgHeader`] line first, then one [`OrgAccountLine`] per account in the order
//! the accounts finish, then one [`OrgSummaryLine`].

use crate::report::{Report, Tool};
use checks::Evidence;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The value of `kind` in an organisation report and in the first line of its `jsonl` stream.
pub const KIND: &str = "organization";
/// The value of `kind` of each account line of a `jsonl` stream.
pub const ACCOUNT_LINE_KIND: &str = "organization-account";
/// The value of `kind` of the last line of a `jsonl` stream.
pub const SUMMARY_LINE_KIND: &str = "organization-summary";

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct OrgReport {
    pub schema_version: u32,
    /// Always `organization`: tells this report from a `check` report.
    pub kind: String,
    pub tool: Tool,
    pub generated_at: String,
    pub duration_ms: u64,
    pub caller: OrgCaller,
    pub target: OrgTarget,
    pub summary: OrgSummary,
    /// Every account in scope, in the Organization's order (`ListAccounts`, or the OU walk),
    /// the management account included; skipped and unreachable accounts included.
    pub accounts: Vec<OrgAccount>,
}

/// Who ran `org`, and the Organization as that caller sees it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct OrgCaller {
    pub account_id: Option<String>,
    pub arn: Option<String>,
    /// `o-…`.
    pub organization_id: Option<String>,
    pub management_account_id: Option<String>,
    /// Whether the caller's account is the management account (else a delegated administrator).
    pub is_management_account: bool,
}

/// What was asked: the scope of accounts and what each account was checked for.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct OrgTarget {
    /// The role assumed in each member account (`--role-name`).
    pub role_name: String,
    /// Whether `--external-id` was given (its value is never written).
    pub external_id: bool,
    /// `--accounts` as given (empty without it).
    pub accounts: Vec<String>,
    /// `--ou` as given.
    pub ou_id: Option<String>,
    /// `--exclude` as given.
    pub exclude: Vec<String>,
    pub regions: Vec<String>,
    pub model_ids: Vec<String>,
    pub no_invoke: bool,
    pub concurrency: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct OrgSummary {
    /// Accounts in scope (every row of `accounts`).
    pub accounts: u32,
    /// Entered and checked, nothing failed or errored.
    pub passed: u32,
    /// Entered and checked, at least one check failed or errored.
    pub failed: u32,
    /// Could not be entered (the role could not be assumed, or the account is not in the
    /// Organization): a diagnosis in `entry`, no report.
    pub not_entered: u32,
    /// Not `ACTIVE` (suspended, pending closure): listed, never assumed into.
    pub skipped: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct OrgAccount {
    /// The 12-digit account id.
    pub id: String,
    /// The account's name in the Organization (`null` for an id given with `--accounts` that the
    /// Organization does not hold).
    pub name: Option<String>,
    /// `ACTIVE`, `SUSPENDED`, `PENDING_CLOSURE` as Organizations reports it (`null` when unknown).
    pub status: Option<String>,
    /// From the root down to the account's parent: `[{"id": "r-…", "name": "Root"}, {"id": "ou-…", …}]`.
    pub ou_path: Vec<OuStep>,
    pub entry: Entry,
    /// The account's full report as `check` produces it; `null` when the account was not entered.
    pub report: Option<Report>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct OuStep {
    pub id: String,
    pub name: Option<String>,
}

/// How the doctor entered an account, or why it did not.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Entry {
    pub method: EntryMethod,
    /// The role assumed (`arn:aws:iam::ACCOUNT:role/NAME`); `null` for the management account and
    /// skipped accounts.
    pub role_arn: Option<String>,
    /// A code of the `organization` category when the account was not entered or skipped.
    pub diagnosis: Option<String>,
    /// One line saying what happened.
    pub summary: String,
    /// The catalogue's fix for `diagnosis`, with this account's values.
    pub fix: Option<String>,
    /// The `AssumeRole` calls made (all attempts), or the Organizations call that decided.
    pub evidence: Vec<Evidence>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum EntryMethod {
    /// `sts:AssumeRole` into the `--role-name` role.
    AssumedRole,
    /// The management account (or the delegated administrator's own account): checked with the
    /// caller's own credentials. SCPs do not apply to the management account.
    CallerCredentials,
    /// The role could not be assumed, or the account is not in the Organization.
    NotEntered,
    /// Not `ACTIVE`: never assumed into.
    Skipped,
}

/// The first line of a `jsonl` stream.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct OrgHeader {
    pub schema_version: u32,
    /// Always `organization`.
    pub kind: String,
    pub tool: Tool,
    pub generated_at: String,
    pub caller: OrgCaller,
    pub target: OrgTarget,
    /// Accounts in scope: how many account lines follow.
    pub accounts: u32,
}

/// One account of a `jsonl` stream, written when the account is done.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct OrgAccountLine {
    /// Always `organization-account`.
    pub kind: String,
    #[serde(flatten)]
    pub account: OrgAccount,
}

/// The last line of a `jsonl` stream.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct OrgSummaryLine {
    /// Always `organization-summary`.
    pub kind: String,
    pub duration_ms: u64,
    pub summary: OrgSummary,
}

impl OrgAccount {
    /// Whether this account makes the run fail (exit code 1): a check failed or errored, or the
    /// account could not be entered. Skipped accounts do not.
    pub fn failed(&self) -> bool {
        match self.entry.method {
            EntryMethod::NotEntered => true,
            EntryMethod::Skipped => false,
            EntryMethod::AssumedRole | EntryMethod::CallerCredentials => self
                .report
                .as_ref()
                .is_none_or(|r| r.summary.fail > 0 || r.summary.error > 0),
        }
    }
}

impl OrgSummary {
    pub fn of<'a>(accounts: impl IntoIterator<Item = &'a OrgAccount>) -> OrgSummary {
        let mut summary = OrgSummary::default();
        for account in accounts {
            summary.accounts += 1;
            match account.entry.method {
                EntryMethod::NotEntered => summary.not_entered += 1,
                EntryMethod::Skipped => summary.skipped += 1,
                _ if account.failed() => summary.failed += 1,
                _ => summary.passed += 1,
            }
        }
        summary
    }

    /// 1 when any account failed or could not be entered, else 0.
    pub fn exit_code(&self) -> i32 {
        i32::from(self.failed > 0 || self.not_entered > 0)
    }
}
