//! End-to-end: the output options people use every day (issue: "the doctor people like to use").

mod support;

use support::{run_with_env, Bed};

fn offline_env() -> std::collections::BTreeMap<String, String> {
    let mut env = std::collections::BTreeMap::new();
    env.insert(
        "PATH".to_string(),
        std::env::var("PATH").unwrap_or_default(),
    );
    env
}

#[test]
fn fail_on_warn_turns_warnings_into_exit_1() {
    let bed = Bed::new("subscription_pending");
    let (run, report) = bed.report(&["--no-invoke"]);
    assert!(
        report["summary"]["warn"].as_u64().unwrap_or(0) > 0,
        "{report:#}"
    );
    run.assert_code(0);
    let (run, _) = bed.report(&["--no-invoke", "--fail-on", "warn"]);
    run.assert_code(1);
}

#[test]
fn colour_follows_the_flag_and_no_color() {
    let bed = Bed::new("healthy");
    let args = ["--only", "region,credentials"];
    let plain = bed.run(&args);
    assert!(
        !plain.stdout.contains('\u{1b}'),
        "no colour off a terminal\n{plain}"
    );
    let always = bed.run(&[&args[..], &["--color", "always"]].concat());
    assert!(
        always.stdout.contains("\u{1b}["),
        "--color always colours\n{always}"
    );
    let mut forced = Bed::new("healthy");
    forced.set("CLICOLOR_FORCE", "1");
    assert!(
        forced.run(&args).stdout.contains("\u{1b}["),
        "CLICOLOR_FORCE colours off a terminal"
    );
    forced.set("NO_COLOR", "1");
    assert!(
        !forced.run(&args).stdout.contains('\u{1b}'),
        "NO_COLOR wins over CLICOLOR_FORCE"
    );
    // Symbols come with their words, so a pasted table still reads.
    assert!(plain.stdout.contains("✓ pass"), "{plain}");
}

#[test]
fn a_first_run_without_credentials_is_one_fix_not_a_wall_of_skips() {
    let mut bed = Bed::new("healthy");
    bed.unset("AWS_ACCESS_KEY_ID")
        .unset("AWS_SECRET_ACCESS_KEY");
    let run = bed.run(&[]);
    run.assert_code(1);
    let skip_rows = run.stdout.lines().filter(|l| l.contains("- skip")).count();
    assert!(skip_rows <= 2, "skips are grouped\n{run}");
    assert!(
        run.stdout.contains("need `credentials` to pass first"),
        "{run}"
    );
    assert!(
        run.stdout.contains("Step 3") && run.stdout.contains("Step 4"),
        "the guide's steps, in order\n{run}"
    );
}

#[test]
fn completions_and_man_page_come_from_the_command_line_definition() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let run = run_with_env(&offline_env(), &["completions", shell], None);
        run.assert_code(0);
        assert!(run.stdout.contains("inference-profile"), "{shell}\n{run}");
    }
    let man = run_with_env(&offline_env(), &["man"], None);
    man.assert_code(0);
    assert!(
        man.stdout.contains(".TH bedrock-doctor") && man.stdout.contains("no\\-invoke"),
        "{man}"
    );
    run_with_env(&offline_env(), &["completions", "tcsh"], None).assert_code(2);
}

/// Runs the doctor under a pseudo-terminal (`script`), as a person's shell would, and returns
/// everything the terminal received.
fn on_a_terminal(bed: &Bed, args: &str, extra_env: &[(&str, &str)]) -> String {
    let binary = assert_cmd::cargo::cargo_bin("bedrock-doctor");
    let out = std::process::Command::new("script")
        .args(["-qec", &format!("{} {args}", binary.display()), "/dev/null"])
        .env_clear()
        .envs(&bed.env)
        .env("TERM", "xterm")
        .envs(extra_env.iter().copied())
        .output()
        .expect("script runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn live_progress_on_a_terminal_is_drawn_then_cleared_for_the_table() {
    let bed = Bed::new("healthy");
    let screen = on_a_terminal(&bed, "--only region,identity,clock", &[]);
    let table = screen.find("Status").expect("the table is printed");
    let spinner = screen
        .find("Caller identity")
        .expect("a progress line names the check");
    assert!(
        spinner < table,
        "progress comes before the table:\n{screen}"
    );
    assert!(
        screen[..table].contains("\u{1b}[2K"),
        "progress lines are cleared:\n{screen}"
    );
    assert!(
        screen[table..].contains("\u{1b}[38;5;"),
        "the table is coloured on a terminal:\n{screen}"
    );

    let no_color = on_a_terminal(&bed, "--only region,identity,clock", &[("NO_COLOR", "1")]);
    assert!(
        !no_color.contains("\u{1b}[38;5;") && !no_color.contains("\u{1b}[31m"),
        "NO_COLOR: no colours:\n{no_color}"
    );
    assert!(no_color.contains("✓ pass"), "{no_color}");

    let quiet = on_a_terminal(
        &bed,
        "--only region,identity,clock --quiet --color never",
        &[],
    );
    assert!(
        !quiet.contains('\u{1b}'),
        "--quiet draws no progress:\n{quiet}"
    );
}

#[test]
fn junit_output_reads_in_an_existing_junit_parser() {
    let bed = Bed::new("small_model_denied");
    let models =
        "anthropic.claude-3-5-sonnet-20241022-v2:0,anthropic.claude-haiku-4-5-20251001-v1:0";
    let run = bed.run(&["--format", "junit", "--model", models]);
    run.assert_code(1);
    let file = bed.home.path().join("report.xml");
    std::fs::write(&file, &run.stdout).unwrap();
    // junitparser (PyPI, installed from tests/requirements.txt) reads it as a CI system would.
    let script = r#"
import sys, junitparser
xml = junitparser.JUnitXml.fromfile(sys.argv[1])
for suite in xml:
    for case in suite:
        kinds = [type(r).__name__ + ':' + (r.type or '') for r in case.result]
        print(case.name + '|' + ','.join(kinds))
"#;
    let out = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(&file)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "junitparser failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        run.stdout
    );
    let cases = String::from_utf8_lossy(&out.stdout).into_owned();
    let line = |name: &str| {
        cases
            .lines()
            .find(|l| l.starts_with(&format!("{name}|")))
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(line("credentials"), "credentials|", "{cases}");
    assert_eq!(
        line("invoke (anthropic.claude-3-5-sonnet-20241022-v2:0)"),
        "invoke (anthropic.claude-3-5-sonnet-20241022-v2:0)|"
    );
    assert_eq!(
        line("invoke (anthropic.claude-haiku-4-5-20251001-v1:0)"),
        "invoke (anthropic.claude-haiku-4-5-20251001-v1:0)|Failure:model-access-denied",
        "{cases}"
    );
    assert!(line("iam-permissions").contains("Skipped"), "{cases}");
    assert_eq!(
        cases.lines().count(),
        22,
        "15 checks, 7 of them per model twice:\n{cases}"
    );
}
