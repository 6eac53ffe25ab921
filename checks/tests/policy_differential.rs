//! Differential test of `checks::policy` against an independent IAM evaluator,
//! `@cloud-copilot/iam-simulate` (Node, pinned in `tests/policy_diff/package.json`).
//!
//! Every policy in `tests/policies/` is decided for a grid of Bedrock requests (actions ×
//! resources × requested regions × inference-profile context) by both evaluators, once on its own
//! (`Policy::evaluate`) and once as an SCP attached to an OU between two levels holding
//! `FullAWSAccess` (`evaluate_scps`), with and without `FullAWSAccess` beside it; any case where
//! they disagree fails the test and is printed, unless it is listed in `DOCUMENTED_EXCEPTIONS`
//! with the AWS documentation that shows the reference wrong. Cases our evaluator reports as
//! Unknown are not compared, but they are bounded: more than [`MAX_UNKNOWN`] fails the test (an
//! evaluator answering Unknown every time would otherwise agree with everything), and so does a
//! comparison in which fewer cases agree than were compared (an empty grid proves nothing).
//!
//! The Node side is installed by this test (`npm ci`) when `node_modules` is missing; without
//! `node`/`npm` the test fails, it never skips.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;

use bedrock_doctor_checks::policy::{
    evaluate_scps, AttachedPolicy, Decision, Level, Policy, Request, ScpDecision,
};
use serde_json::{json, Value};

const MODEL: &str = "anthropic.claude-sonnet-4-5-20250929-v1:0";
const ACCOUNT: &str = "123456789012";
const ACTIONS: [&str; 3] = [
    "bedrock:InvokeModel",
    "bedrock:InvokeModelWithResponseStream",
    "bedrock:ListFoundationModels",
];
/// `unspecified` is what a global profile's routed request carries in `aws:RequestedRegion`.
const REGIONS: [&str; 5] = [
    "us-east-1",
    "us-east-2",
    "us-west-2",
    "eu-west-1",
    "unspecified",
];

/// A disagreement where AWS documentation shows the reference evaluator wrong.
struct DocumentedException {
    file: &'static str,
    action: &'static str,
    resource: &'static str,
    requested_region: &'static str,
    profile: Option<&'static str>,
    /// The AWS documentation page that decides the case.
    doc: &'static str,
}

/// Empty: every compared case agrees with the reference.
const DOCUMENTED_EXCEPTIONS: &[DocumentedException] = &[];

/// The most cases per shape our evaluator may answer Unknown. Every condition key and operator
/// the corpus uses is decided today, so none is; raise this only with the cases it lets through
/// named in the commit, and never to hide a regression.
const MAX_UNKNOWN: usize = 0;

/// How the policy under test is placed.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Shape {
    /// On its own: `Policy::evaluate`.
    Alone,
    /// As an SCP on an OU, root and account holding `FullAWSAccess`: `evaluate_scps`.
    /// `with_full_access`: `FullAWSAccess` is attached to the OU as well (the deny-list setup).
    OnOu { with_full_access: bool },
}

const FULL_AWS_ACCESS: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;

struct Case {
    file: String,
    shape: Shape,
    policy: Value,
    request: Request,
}

impl Case {
    /// The SCP levels, root first, for `OnOu` cases.
    fn levels(&self) -> Vec<Vec<Value>> {
        let full: Value = serde_json::from_str(FULL_AWS_ACCESS).unwrap();
        let ou = match self.shape {
            Shape::OnOu {
                with_full_access: true,
            } => vec![full.clone(), self.policy.clone()],
            _ => vec![self.policy.clone()],
        };
        vec![vec![full.clone()], ou, vec![full]]
    }

    fn reference_input(&self) -> Value {
        let mut input = json!({
            "action": self.request.action,
            "resource": self.request.resource,
            "context": self.request.context,
        });
        match self.shape {
            Shape::Alone => input["policy"] = self.policy.clone(),
            Shape::OnOu { .. } => input["scpLevels"] = json!(self.levels()),
        }
        input
    }

    fn ours(&self) -> (&'static str, String) {
        let parse = |v: &Value| {
            Policy::parse(&v.to_string()).unwrap_or_else(|e| panic!("{}: {e}", self.file))
        };
        match self.shape {
            Shape::Alone => {
                let decision = parse(&self.policy).evaluate(&self.request);
                let name = match decision {
                    Decision::Allow(_) => "allow",
                    Decision::ExplicitDeny(_) => "explicitDeny",
                    Decision::ImplicitDeny => "implicitDeny",
                    Decision::Unknown { .. } => "unknown",
                };
                (name, format!("{decision:?}"))
            }
            Shape::OnOu { .. } => {
                let targets = ["r-root", "ou-test-1", ACCOUNT];
                let levels: Vec<Level> = self
                    .levels()
                    .iter()
                    .zip(targets)
                    .map(|(policies, target)| Level {
                        target_id: target.into(),
                        policies: policies
                            .iter()
                            .enumerate()
                            .map(|(i, p)| AttachedPolicy {
                                id: format!("p-{i}"),
                                name: format!("scp-{i}"),
                                policy: parse(p),
                            })
                            .collect(),
                    })
                    .collect();
                let decision = evaluate_scps(&levels, &self.request);
                let name = match decision {
                    ScpDecision::Allowed => "allow",
                    ScpDecision::ExplicitDeny { .. } => "explicitDeny",
                    ScpDecision::NotAllowedAt { .. } => "implicitDeny",
                    ScpDecision::Unknown { .. } => "unknown",
                };
                (name, format!("{decision:?}"))
            }
        }
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("checks/ has a parent")
        .to_path_buf()
}

/// The policies of the corpus, by file name.
fn corpus(root: &Path) -> Vec<(String, String)> {
    let dir = root.join("tests/policies");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 12,
        "expected at least 12 policies in {}, found {}",
        dir.display(),
        files.len()
    );
    files
        .into_iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&p)
                .unwrap_or_else(|e| panic!("reading {}: {e}", p.display()));
            (name, text)
        })
        .collect()
}

/// The resources a request in `region` can name: the regional foundation model, the source
/// region's system inference profile and the Region-less FM ARN of global routing.
fn resources(region: &str) -> Vec<String> {
    let (fm_region, profile_region) = if region == "unspecified" {
        ("", "us-east-1")
    } else {
        (region, region)
    };
    let mut out = vec![
        format!("arn:aws:bedrock:{fm_region}::foundation-model/{MODEL}"),
        format!("arn:aws:bedrock:{profile_region}:{ACCOUNT}:inference-profile/us.{MODEL}"),
        format!("arn:aws:bedrock:::foundation-model/{MODEL}"),
    ];
    out.dedup();
    out
}

/// Profile ARNs a routed request may carry: none (a direct call), the geography's profile,
/// and a global profile.
fn profiles(region: &str) -> Vec<Option<String>> {
    let geo = match region {
        r if r.starts_with("eu-") => "eu",
        "unspecified" => "global",
        _ => "us",
    };
    let profile = |prefix: &str| {
        Some(format!(
            "arn:aws:bedrock:us-east-1:{ACCOUNT}:inference-profile/{prefix}.{MODEL}"
        ))
    };
    let mut out = vec![None, profile(geo)];
    if geo != "global" {
        out.push(profile("global"));
    }
    out
}

fn cases(root: &Path, shape: Shape) -> Vec<Case> {
    let mut out = Vec::new();
    for (file, text) in corpus(root) {
        let policy: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
        for action in ACTIONS {
            for region in REGIONS {
                for resource in resources(region) {
                    for profile in profiles(region) {
                        let mut context = BTreeMap::from([(
                            "aws:RequestedRegion".to_string(),
                            vec![region.to_string()],
                        )]);
                        if let Some(p) = &profile {
                            context
                                .insert("bedrock:InferenceProfileArn".to_string(), vec![p.clone()]);
                        }
                        let request = Request {
                            action: action.into(),
                            resource: resource.clone(),
                            context,
                        };
                        out.push(Case {
                            file: file.clone(),
                            shape,
                            policy: policy.clone(),
                            request,
                        });
                    }
                }
            }
        }
    }
    out
}

fn run(cmd: &mut Command, what: &str) -> std::process::Output {
    match cmd.output() {
        Ok(out) => out,
        Err(e) => panic!(
            "could not run {what}: {e}. The policy differential test needs Node.js and npm on PATH \
             (it installs tests/policy_diff with `npm ci`)."
        ),
    }
}

/// Installs the reference evaluator if needed and returns the directory holding it.
fn reference_dir(root: &Path) -> PathBuf {
    // The tests of this file run in parallel; one `npm ci` at a time.
    static INSTALL: Mutex<()> = Mutex::new(());
    let _guard = INSTALL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = root.join("tests/policy_diff");
    if !dir
        .join("node_modules/@cloud-copilot/iam-simulate")
        .is_dir()
    {
        let out = run(
            Command::new("npm")
                .arg("ci")
                .arg("--no-audit")
                .arg("--no-fund")
                .arg("--prefix")
                .arg(&dir),
            "npm ci",
        );
        assert!(
            out.status.success(),
            "`npm ci --prefix {}` failed:\n{}\n{}",
            dir.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    dir
}

/// The reference decision per case: `allow`, `explicitDeny`, `implicitDeny` or `unknown`.
fn reference_decisions(dir: &Path, cases: &[Case]) -> Vec<String> {
    let input: Vec<Value> = cases.iter().map(Case::reference_input).collect();
    let mut child = Command::new("node")
        .arg(dir.join("evaluate.mjs"))
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("could not run node: {e}. The policy differential test needs Node.js on PATH.")
        });
    let payload = serde_json::to_vec(&input).unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(&payload));
    let out = child.wait_with_output().expect("node ran");
    writer.join().unwrap().expect("cases written to node");
    assert!(
        out.status.success(),
        "node tests/policy_diff/evaluate.mjs failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let decisions: Vec<String> = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "node printed no JSON list ({e}):\n{}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    assert_eq!(decisions.len(), cases.len(), "one decision per case");
    decisions
}

fn documented_exception(case: &Case) -> Option<&'static DocumentedException> {
    let region = case.request.context["aws:RequestedRegion"][0].as_str();
    let profile = case
        .request
        .context
        .get("bedrock:InferenceProfileArn")
        .map(|v| v[0].as_str());
    DOCUMENTED_EXCEPTIONS.iter().find(|e| {
        e.file == case.file
            && e.action == case.request.action
            && e.resource == case.request.resource
            && e.requested_region == region
            && e.profile == profile
    })
}

/// Decides every case both ways and fails on any undocumented disagreement.
fn compare(shape: Shape) {
    let root = workspace_root();
    let cases = cases(&root, shape);
    let dir = reference_dir(&root);
    let reference = reference_decisions(&dir, &cases);

    let (mut agreements, mut excepted) = (0, 0);
    let mut unknown = Vec::new();
    let mut by_decision: BTreeMap<&str, usize> = BTreeMap::new();
    let mut disagreements = Vec::new();
    for (case, theirs) in cases.iter().zip(&reference) {
        let (mine, detail) = case.ours();
        if mine == "unknown" {
            unknown.push(format!(
                "{} {} on {} context {:?}: ours {detail}, iam-simulate {theirs}",
                case.file, case.request.action, case.request.resource, case.request.context
            ));
        } else if mine == theirs {
            agreements += 1;
            *by_decision.entry(mine).or_default() += 1;
        } else if let Some(exception) = documented_exception(case) {
            excepted += 1;
            println!(
                "documented exception: {} {} on {}: ours {mine}, iam-simulate {theirs} (see {})",
                case.file, case.request.action, case.request.resource, exception.doc
            );
        } else {
            disagreements.push(format!(
                "{} {} on {} context {:?}: ours {mine} ({detail}), iam-simulate {theirs}",
                case.file, case.request.action, case.request.resource, case.request.context
            ));
        }
    }
    println!(
        "policy differential ({shape:?}): {} cases; {agreements} agree, {} Unknown on our side (not compared), \
         {excepted} documented exceptions, {} disagreements; agreed decisions {by_decision:?}",
        cases.len(),
        unknown.len(),
        disagreements.len()
    );
    let beyond_the_bound = unknown.len().saturating_sub(MAX_UNKNOWN);
    assert!(
        beyond_the_bound == 0,
        "{} cases answered Unknown by our evaluator ({shape:?}), at most {MAX_UNKNOWN} allowed:\n{}",
        unknown.len(),
        unknown.join("\n")
    );
    assert!(
        disagreements.is_empty(),
        "{} disagreements with iam-simulate ({shape:?}):\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
    let compared = cases.len() - unknown.len();
    assert!(
        compared > 0 && agreements + excepted >= compared,
        "{agreements} agreeing and {excepted} excepted of {compared} compared cases ({shape:?}): \
         a comparison proves something only when every compared case is decided alike"
    );
}

#[test]
fn policy_alone_agrees_with_iam_simulate() {
    compare(Shape::Alone);
}

#[test]
fn policy_as_scp_on_an_ou_agrees_with_iam_simulate() {
    compare(Shape::OnOu {
        with_full_access: false,
    });
}

#[test]
fn policy_as_scp_beside_full_aws_access_agrees_with_iam_simulate() {
    compare(Shape::OnOu {
        with_full_access: true,
    });
}
