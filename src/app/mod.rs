//! `--app claude-code`: the region, models and credentials an application would use, read from its
//! documented environment variables and settings files, each value with the place it came from.
//!
//! Claude Code (https://code.claude.com/docs/en/amazon-bedrock, .../settings, .../model-config):
//! - Bedrock is used only when `CLAUDE_CODE_USE_BEDROCK` is set; AWS credentials come from the
//!   AWS SDK's default chain (`AWS_PROFILE`, keys, SSO) or a Bedrock API key in
//!   `AWS_BEARER_TOKEN_BEDROCK`; the region from `AWS_REGION` (the documentation long required it,
//!   saying the `.aws` config file is not read for it).
//! - Settings files, lowest precedence first: user (`~/.claude/settings.json`, or
//!   `$CLAUDE_CONFIG_DIR/settings.json`), shared project (`.claude/settings.json`), local project
//!   (`.claude/settings.local.json`), managed (`/etc/claude-code/managed-settings.json` on Linux,
//!   `/Library/Application Support/ClaudeCode/managed-settings.json` on macOS). Their `env` blocks
//!   override the shell's environment by design (maintainer's answer in
//!   https://github.com/anthropics/claude-code/issues/78567).
//! - The main model: `ANTHROPIC_MODEL`, else the settings' `model`; aliases (`sonnet`, `opus`,
//!   `haiku`, `opusplan`, `default`) resolve through `ANTHROPIC_DEFAULT_{SONNET,OPUS,HAIKU}_MODEL`,
//!   else to the provider's default (on Bedrock, `sonnet` is Sonnet 4.5). The small/fast model the
//!   app calls in the background: `ANTHROPIC_DEFAULT_HAIKU_MODEL`, else the deprecated
//!   `ANTHROPIC_SMALL_FAST_MODEL`, optionally in `ANTHROPIC_SMALL_FAST_MODEL_AWS_REGION`.
//! - `ANTHROPIC_BEDROCK_BASE_URL` replaces the Bedrock runtime endpoint (gateways, VPC endpoints);
//!   `CLAUDE_CODE_SKIP_BEDROCK_AUTH` sends requests unsigned (a gateway signs them).

mod claude_code;
mod settings;

pub use claude_code::resolve_live;

use crate::report::AppReport;
use anyhow::Result;
use clap::ValueEnum;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum App {
    /// Claude Code (Anthropic's coding assistant) configured for Amazon Bedrock.
    ClaudeCode,
}
/// An app's configuration as the doctor will test it.
#[derive(Debug, Default)]
pub struct Resolved {
    pub report: AppReport,
    /// Model ids to test, in order (main model first).
    pub models: Vec<String>,
    /// An application inference profile ARN the app calls (tested by `inference-profile`).
    pub inference_profile: Option<String>,
    /// Variables the app's settings put into its environment that the AWS SDK reads; applied to
    /// this process before anything else starts, as the app applies them to its own.
    pub env: Vec<(String, String)>,
    /// Aliases nothing pins (`sonnet` with no `ANTHROPIC_DEFAULT_SONNET_MODEL`): resolved against
    /// the region's live catalog before the checks run ([`resolve_live`]).
    pub unpinned: Vec<Unpinned>,
    /// Whether the checks test `models` (no `--model` flag replaced them).
    pub models_used: bool,
}

/// One unpinned alias: the model family it names and where its id goes in `models`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unpinned {
    /// `sonnet`, `opus` or `haiku`.
    pub family: &'static str,
    /// Claude Code's documented Bedrock default for it, where it documents one (already in `models`
    /// at `slot`); `None`: the id is inserted at `slot`.
    pub documented: Option<&'static str>,
    pub slot: usize,
    /// What the alias is for, e.g. "small/fast model".
    pub why: String,
}

/// Where the app's inputs live: the process environment and the directories to look in.
pub struct Inputs<'a> {
    pub env: &'a dyn Fn(&str) -> Option<String>,
    pub home: Option<PathBuf>,
    pub project: PathBuf,
    pub managed: Vec<PathBuf>,
}

impl Inputs<'_> {
    pub fn of_this_process() -> Inputs<'static> {
        static ENV: fn(&str) -> Option<String> = |k| std::env::var(k).ok();
        Inputs {
            env: &ENV,
            home: std::env::var_os("HOME").map(PathBuf::from),
            project: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
            managed: vec![
                PathBuf::from("/etc/claude-code/managed-settings.json"),
                PathBuf::from("/Library/Application Support/ClaudeCode/managed-settings.json"),
            ],
        }
    }
}

pub fn resolve(app: App, inputs: &Inputs) -> Result<Resolved> {
    match app {
        App::ClaudeCode => claude_code::resolve(inputs),
    }
}
