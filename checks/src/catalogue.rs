//! The one catalogue of diagnoses: codes, causes, fixes, and the rules that recognise them in AWS
//! errors. Checks, `explain`, the README and the JSON report all read it; the data is
//! `checks/catalogue.toml`, embedded at build time.

mod advice;
mod fix;
mod normalise;

pub use advice::{ExplainAdvice, PolicyAdvice};
pub use fix::{render_fix, FIX_VARIABLES};
pub use normalise::normalise;

use crate::Category;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;

const CATALOGUE_TOML: &str = include_str!("../catalogue.toml");

/// How a person applies the fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FixKind {
    Console,
    Command,
    Policy,
    Config,
    Wait,
    None,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Diagnosis {
    pub code: String,
    pub category: Category,
    pub title: String,
    pub cause: String,
    pub fix: String,
    pub fix_kind: FixKind,
    pub docs: Option<String>,
    /// Advice a check writes into a summary or a fix variable, by name (`{name}` placeholders are
    /// the check's to fill).
    #[serde(default)]
    pub phrases: BTreeMap<String, String>,
    #[serde(default, rename = "rule")]
    pub rules: Vec<Rule>,
}

/// Recognises a diagnosis in an AWS error: an error code (any of `codes`) and/or a message pattern.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    #[serde(default)]
    pub codes: Vec<String>,
    #[serde(default, with = "serde_regex_opt")]
    pub message: Option<serde_regex_opt::Pattern>,
    #[serde(default)]
    pub priority: i32,
    /// A verbatim message seen in public, and where: every rule must be backed by one.
    pub example: String,
    pub example_code: Option<String>,
    pub seen_in: String,
}

impl Rule {
    fn matches(&self, code: Option<&str>, message: &str) -> bool {
        let code_ok =
            self.codes.is_empty() || code.is_some_and(|c| self.codes.iter().any(|k| k == c));
        let message_ok = self.message.as_ref().is_none_or(|re| re.is_match(message));
        code_ok && message_ok
    }

    /// Rules that pin both the code and the message are more specific than rules that pin one.
    fn specificity(&self) -> u8 {
        u8::from(!self.codes.is_empty()) + u8::from(self.message.is_some())
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogueFile {
    diagnosis: Vec<Diagnosis>,
    explain: ExplainAdvice,
}

#[derive(Debug)]
pub struct Catalogue {
    entries: Vec<Diagnosis>,
    explain: ExplainAdvice,
}

pub mod serde_regex_opt {
    use regex_automata::meta::{Config, Regex};
    use serde::{Deserialize, Deserializer};

    /// A rule's message pattern, compiled, with its source text.
    #[derive(Debug)]
    pub struct Pattern {
        source: String,
        regex: Regex,
    }

    impl Pattern {
        pub fn as_str(&self) -> &str {
            &self.source
        }

        pub fn is_match(&self, text: &str) -> bool {
            self.regex.is_match(text)
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Pattern>, D::Error> {
        let Some(pattern) = Option::<String>::deserialize(d)? else {
            return Ok(None);
        };
        // The `regex` crate's engine (same syntax, linear-time matching, so pasted input cannot
        // cause backtracking storms), without the literal prefilters it would extract: for these
        // case-insensitive patterns they cost most of `explain`'s start-up (BENCHMARKS.md) and
        // buy nothing on inputs of a few kilobytes. The size limit bounds a pathological pattern.
        Regex::builder()
            .configure(
                Config::new()
                    .auto_prefilter(false)
                    .nfa_size_limit(Some(1 << 20)),
            )
            .build(&pattern)
            .map(|regex| {
                Some(Pattern {
                    source: pattern,
                    regex,
                })
            })
            .map_err(serde::de::Error::custom)
    }
}

/// The catalogue, parsed once. It is embedded in the binary and guarded by tests, so a parse failure
/// is a build defect, not a runtime condition.
pub fn catalogue() -> &'static Catalogue {
    static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
    CATALOGUE
        .get_or_init(|| Catalogue::parse(CATALOGUE_TOML).expect("checks/catalogue.toml is valid"))
}

/// A matching rule, its diagnosis, and its rank (priority, specificity).
type Ranked<'a> = (&'a Diagnosis, &'a Rule, (i32, u8));

/// What the classifier understood from one AWS error.
#[derive(Debug, Clone, Copy)]
pub struct Classification {
    pub diagnosis: &'static Diagnosis,
    pub rule: &'static Rule,
}

impl Catalogue {
    pub fn parse(text: &str) -> Result<Catalogue, String> {
        let file: CatalogueFile = toml::from_str(text).map_err(|e| e.to_string())?;
        Ok(Catalogue {
            entries: file.diagnosis,
            explain: file.explain,
        })
    }

    pub fn entries(&self) -> &[Diagnosis] {
        &self.entries
    }

    /// What `explain` adds to a fix when the message names more than the diagnosis needs.
    pub fn explain_advice(&self) -> &ExplainAdvice {
        &self.explain
    }

    pub fn get(&self, code: &str) -> Option<&Diagnosis> {
        self.entries.iter().find(|d| d.code == code)
    }

    /// The diagnosis for an AWS error code and message, if any rule recognises it. Highest priority
    /// wins, then the more specific rule, then the earlier one in the file.
    pub fn classify(&self, code: Option<&str>, message: &str) -> Option<(&Diagnosis, &Rule)> {
        self.ranked(code, &normalise(message))
            .map(|(d, r, _)| (d, r))
    }

    /// Classifies free text (a log excerpt, a stack trace): every error code of the catalogue that
    /// appears in it as a word is tried as the error's code, and the best match over all of them wins.
    ///
    /// The text is read in its [`normalise`]d form.
    pub fn classify_text(&self, text: &str) -> Option<(&Diagnosis, &Rule, Option<String>)> {
        let text = normalise(text);
        let text = text.as_str();
        let known: std::collections::BTreeSet<&str> = self
            .entries
            .iter()
            .flat_map(|d| &d.rules)
            .flat_map(|r| &r.codes)
            .map(String::as_str)
            .collect();
        let mut candidates: Vec<Option<&str>> = vec![None];
        for word in text.split(|c: char| !c.is_ascii_alphanumeric() && c != '_') {
            if known.contains(word) && !candidates.contains(&Some(word)) {
                candidates.push(Some(word));
            }
        }
        // Each rule's message pattern runs at most once over the text, whatever the number of
        // candidate codes: pasted logs can be long.
        let mut best: Vec<Option<Ranked<'_>>> = vec![None; candidates.len()];
        for diagnosis in &self.entries {
            for rule in &diagnosis.rules {
                let applies: Vec<bool> = candidates
                    .iter()
                    .map(|code| {
                        rule.codes.is_empty()
                            || code.is_some_and(|c| rule.codes.iter().any(|k| k == c))
                    })
                    .collect();
                if !applies.contains(&true)
                    || !rule.message.as_ref().is_none_or(|re| re.is_match(text))
                {
                    continue;
                }
                let rank = (rule.priority, rule.specificity());
                for (slot, applies) in best.iter_mut().zip(applies) {
                    if applies && slot.as_ref().is_none_or(|(_, _, r)| rank > *r) {
                        *slot = Some((diagnosis, rule, rank));
                    }
                }
            }
        }
        candidates
            .into_iter()
            .zip(best)
            .filter_map(|(code, best)| best.map(|(d, r, rank)| (d, r, rank, code)))
            .max_by(|a, b| a.2.cmp(&b.2).then(b.3.is_none().cmp(&a.3.is_none())))
            .map(|(d, r, _, code)| (d, r, code.map(str::to_string)))
    }

    fn ranked(&self, code: Option<&str>, message: &str) -> Option<(&Diagnosis, &Rule, (i32, u8))> {
        let mut best: Option<(&Diagnosis, &Rule, (i32, u8))> = None;
        for diagnosis in &self.entries {
            for rule in &diagnosis.rules {
                if !rule.matches(code, message) {
                    continue;
                }
                let rank = (rule.priority, rule.specificity());
                if best.as_ref().is_none_or(|(_, _, r)| rank > *r) {
                    best = Some((diagnosis, rule, rank));
                }
            }
        }
        best
    }
}

/// The diagnosis for an AWS error, from the embedded catalogue: the classifier the checks and
/// `explain` share.
pub fn classify(code: Option<&str>, message: &str) -> Option<Classification> {
    catalogue()
        .classify(code, message)
        .map(|(diagnosis, rule)| Classification { diagnosis, rule })
}

/// Diagnosis codes as constants, so a typo in a check is a compile error and a test can prove every
/// constant has a catalogue entry.
pub mod dx {
    macro_rules! codes {
        ($($name:ident = $code:literal,)*) => {
            $(pub const $name: &str = $code;)*
            pub const ALL: &[&str] = &[$($code),*];
        };
    }
    codes! {
        NO_CREDENTIALS = "no-credentials",
        INVALID_ACCESS_KEY = "invalid-access-key",
        SIGNATURE_MISMATCH = "signature-mismatch",
        EXPIRED_CREDENTIALS = "expired-credentials",
        CREDENTIAL_PROCESS_FAILED = "credential-process-failed",
        ASSUME_ROLE_DENIED = "assume-role-denied",
        MFA_REQUIRED = "mfa-required",
        SOURCE_PROFILE_MISSING = "source-profile-missing",
        WEB_IDENTITY_TOKEN_INVALID = "web-identity-token-invalid",
        SSO_ACCESS_DENIED = "sso-access-denied",
        SSO_SESSION_MISSING = "sso-session-missing",
        SESSION_CREDENTIALS_NOT_ALLOWED = "session-credentials-not-allowed",
        API_KEY_EMPTY = "api-key-empty",
        API_KEY_REJECTED = "api-key-rejected",
        API_KEY_EXPIRED = "api-key-expired",
        API_KEY_OTHER_REGION = "api-key-other-region",
        ROOT_CREDENTIALS = "root-credentials",
        CLOCK_SKEW = "clock-skew",
        REGION_MISSING = "region-missing",
        REGION_INVALID = "region-invalid",
        REGION_UNSUPPORTED = "region-unsupported",
        REGION_DISABLED = "region-disabled",
        ENDPOINT_UNREACHABLE = "endpoint-unreachable",
        TLS_INTERCEPTION = "tls-interception",
        IAM_ACTION_DENIED = "iam-action-denied",
        MODEL_ACCESS_DENIED = "model-access-denied",
        USE_CASE_NOT_SUBMITTED = "use-case-not-submitted",
        USE_CASE_MENTIONS_CLAUDE = "use-case-mentions-claude",
        MARKETPLACE_PERMISSION_MISSING = "marketplace-permission-missing",
        MARKETPLACE_SUBSCRIPTION_PENDING = "marketplace-subscription-pending",
        PAYMENT_INSTRUMENT_INVALID = "payment-instrument-invalid",
        MODEL_ID_INVALID = "model-id-invalid",
        MODEL_NOT_IN_REGION = "model-not-in-region",
        INFERENCE_PROFILE_REQUIRED = "inference-profile-required",
        INFERENCE_PROFILE_NOT_FOUND = "inference-profile-not-found",
        INFERENCE_PROFILE_REGION_BLOCKED = "inference-profile-region-blocked",
        SCP_EXPLICIT_DENY = "scp-explicit-deny",
        PROMPT_CACHING_UNSUPPORTED = "prompt-caching-unsupported",
        THROTTLED = "throttled",
        QUOTA_EXCEEDED = "quota-exceeded",
        QUOTA_BELOW_DEFAULT = "quota-below-default",
        MODEL_LEGACY = "model-legacy",
        MODEL_END_OF_LIFE = "model-end-of-life",
        REQUEST_INVALID = "request-invalid",
        REQUEST_FEATURE_UNSUPPORTED = "request-feature-unsupported",
        WRONG_ENDPOINT = "wrong-endpoint",
        ORG_ROLE_NOT_ASSUMABLE = "org-role-not-assumable",
        ORG_ASSUME_ROLE_SCP_DENIED = "org-assume-role-scp-denied",
        ORG_ASSUME_ROLE_RCP_DENIED = "org-assume-role-rcp-denied",
        ORG_ASSUME_ROLE_THROTTLED = "org-assume-role-throttled",
        ORG_ACCOUNT_NOT_MEMBER = "org-account-not-member",
        ORG_ACCOUNT_NOT_ACTIVE = "org-account-not-active",
        ORG_CALLER_NOT_ORGANIZATION_ADMIN = "org-caller-not-organization-admin",
        ORG_NOT_IN_ORGANIZATION = "org-not-in-organization",
        SERVICE_ERROR = "service-error",
        UNEXPECTED_RESPONSE = "unexpected-response",
        TIMEOUT = "timeout",
        NOT_BEDROCK_ERROR = "not-bedrock-error",
        UNKNOWN = "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_and_match_the_constants() {
        let codes: Vec<&str> = catalogue()
            .entries()
            .iter()
            .map(|d| d.code.as_str())
            .collect();
        let unique: HashSet<&str> = codes.iter().copied().collect();
        assert_eq!(
            unique.len(),
            codes.len(),
            "duplicate code in catalogue.toml"
        );
        assert_eq!(
            codes,
            dx::ALL,
            "catalogue.toml and dx:: disagree (order matters: it is the README's order)"
        );
    }

    #[test]
    fn every_entry_has_cause_and_fix() {
        for d in catalogue().entries() {
            assert!(
                !d.title.trim().is_empty()
                    && !d.cause.trim().is_empty()
                    && !d.fix.trim().is_empty(),
                "{}",
                d.code
            );
        }
    }

    #[test]
    fn every_rule_recognises_its_own_example() {
        for d in catalogue().entries() {
            for rule in &d.rules {
                let got = catalogue()
                    .classify(rule.example_code.as_deref(), &rule.example)
                    .map(|(d, _)| d.code.as_str());
                assert_eq!(
                    got,
                    Some(d.code.as_str()),
                    "example of a `{}` rule: {:?}",
                    d.code,
                    rule.example
                );
                assert!(
                    rule.seen_in.starts_with("https://"),
                    "rule of `{}` lacks a public source",
                    d.code
                );
            }
        }
    }

    #[test]
    fn codes_snapshot_guards_renames() {
        // Public contract: a rename or removal must show up here, in review.
        let expected = "no-credentials invalid-access-key signature-mismatch expired-credentials \
            credential-process-failed assume-role-denied mfa-required source-profile-missing \
            web-identity-token-invalid sso-access-denied sso-session-missing session-credentials-not-allowed \
            api-key-empty api-key-rejected api-key-expired api-key-other-region root-credentials \
            clock-skew region-missing region-invalid region-unsupported region-disabled endpoint-unreachable tls-interception \
            iam-action-denied model-access-denied use-case-not-submitted use-case-mentions-claude \
            marketplace-permission-missing marketplace-subscription-pending payment-instrument-invalid \
            model-id-invalid model-not-in-region inference-profile-required inference-profile-not-found \
            inference-profile-region-blocked scp-explicit-deny prompt-caching-unsupported throttled quota-exceeded \
            quota-below-default model-legacy model-end-of-life request-invalid request-feature-unsupported wrong-endpoint \
            org-role-not-assumable org-assume-role-scp-denied org-assume-role-rcp-denied org-assume-role-throttled \
            org-account-not-member org-account-not-active org-caller-not-organization-admin org-not-in-organization \
            service-error \
            unexpected-response timeout not-bedrock-error unknown";
        let expected: Vec<&str> = expected.split_whitespace().collect();
        assert_eq!(dx::ALL, expected.as_slice());
    }
}
