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
