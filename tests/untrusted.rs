//! End-to-end: text the doctor did not write reaches no terminal and no ticket raw. An endpoint (a
//! TLS-inspecting proxy, say) answers every Bedrock call with an error whose message carries
//! terminal escape sequences, BEL, C1 controls, bidirectional overrides and HTML; the raw bytes of
//! every output are searched for them, while the JSON report keeps the exact text.

mod support;

use support::{Bed, Run};
use testbed::Scenario;

/// What a hostile message carries: clear screen, retitle the window, a red "all clear", an OSC 8
/// hyperlink, a C1 CSI, a right-to-left override and an isolate, Markdown and HTML that would close
/// the evidence block and run script, and a code fence.
const PAYLOAD: &str = "\u{1b}[2J\u{1b}]0;owned\u{7}\u{1b}[31mFAKE ALL CLEAR\u{1b}[0m \
\u{1b}]8;;https://attacker.invalid/\u{7}click\u{1b}]8;;\u{7} \u{9b}1m \u{202e}gnp.exe\u{2066} \
</details><img src=x onerror=alert(1)> | ``` <script>x</script>";

/// The characters that act on a terminal or reorder text.
fn hazards(text: &str) -> Vec<char> {
    text.chars()
        .filter(|&c| {
            matches!(c,
                '\u{0}'..='\u{8}' | '\u{b}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
                | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        })
        .collect()
}

/// The doctor's own colours: SGR sequences (`ESC [ … m`) and nothing else.
fn without_own_colours(text: &str) -> String {
    regex::Regex::new(r"\x1b\[[0-9;]*m")
        .unwrap()
        .replace_all(text, "")
        .into_owned()
}

fn assert_inert(what: &str, text: &str, run: &Run) {
    assert_no_hazard(what, text, run);
    assert!(
        text.contains("\\x1b[2J") && text.contains("\\u{202e}"),
        "{what}: the hostile sequences are not shown as escapes\n{run}"
    );
}

fn assert_no_hazard(what: &str, text: &str, run: &Run) {
    let found = hazards(text);
    assert!(
        found.is_empty(),
        "{what}: raw control characters {found:?} reached the output\n{run}"
    );
}

/// No HTML of the message's survives in Markdown: the only tags are the renderer's own.
fn assert_markdown_inert(text: &str, run: &Run) {
    assert_inert("markdown", text, run);
    let own = text
        .replace("<details><summary>Evidence</summary>", "")
        .replace("</details>", "");
    assert!(
        !own.contains('<'),
        "markdown: a `<` other than the renderer's own tags\n{run}"
    );
    assert_eq!(
        text.matches("</details>").count(),
        text.matches("<details>").count(),
        "markdown: the message closed a <details> block\n{run}"
    );
    // A pipe in a message must not add a cell: every row of a table has the header's borders.
    let mut header_cells = None;
    for line in text.lines() {
        if !line.starts_with('|') {
            header_cells = None;
            continue;
        }
        let cells = line.replace("\\|", "").matches('|').count();
        match header_cells {
            None => header_cells = Some(cells),
            Some(n) => assert_eq!(cells, n, "markdown row with extra cells: {line}\n{run}"),
        }
    }
}

fn hostile_bed() -> Bed {
    let mut toml = String::from(
        "description = \"Every Bedrock error message carries terminal control sequences and HTML.\"\n",
    );
    // AWS's text from a real log (the source below), with the payload a body-rewriting proxy
    // could append.
    let message = format!(
        "User: arn:aws:sts::123456789012:assumed-role/dev/me is not authorized to perform: \
         bedrock:InvokeModel because no identity-based policy allows the bedrock:InvokeModel action {PAYLOAD}"
    );
    for operation in [
        "GetFoundationModel",
        "ListInferenceProfiles",
        "GetUseCaseForModelAccess",
        "ListFoundationModelAgreementOffers",
        "InvokeModel",
        "InvokeModelWithResponseStream",
    ] {
        toml.push_str(&format!(
            "[[override]]\noperation = \"{operation}\"\nstatus = 403\nerror_type = \"AccessDeniedException\"\n\
             message = {}\nsource = \"https://github.com/pytorch/test-infra/issues/5721\"\n",
            toml_string(&message)
        ));
    }
    Bed::from_scenario(Scenario::from_toml(&toml).expect("scenario parses"))
}

/// A TOML basic string with every character outside printable ASCII escaped.
fn toml_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            ' '..='~' => out.push(c),
            c if (c as u32) <= 0xffff => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push_str(&format!("\\U{:08X}", c as u32)),
        }
    }
    out.push('"');
    out
}

#[test]
fn hostile_messages_reach_no_terminal_and_no_ticket_raw() {
    let bed = hostile_bed();
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("report.json");
    let saved_arg = saved.display().to_string();

    // JSON keeps the exact text: nothing is lost for machines.
    let run = bed.run(&["--format", "json", "--output", &saved_arg, "-v"]);
    let report = run.json();
    let quoted: Vec<String> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["evidence"].as_array().cloned().unwrap_or_default())
        .filter_map(|e| e["message"].as_str().map(str::to_string))
        .collect();
    assert!(
        quoted.iter().any(|m| m.contains(PAYLOAD)),
        "the JSON report lost the exact message\n{run}"
    );

    for colour in ["never", "always"] {
        let run = bed.run(&["--color", colour, "-v"]);
        assert!(matches!(run.code, Some(1)), "{run}");
        let stdout = if colour == "always" {
            assert!(run.stdout.contains("\u{1b}[3"), "colours on\n{run}");
            without_own_colours(&run.stdout)
        } else {
            run.stdout.clone()
        };
        assert_inert(&format!("table --color {colour}"), &stdout, &run);
        assert!(hazards(&run.stderr).is_empty(), "stderr\n{run}");
    }

    let run = bed.run(&["--format", "markdown"]);
    assert_markdown_inert(&run.stdout, &run);

    // A support engineer opens the saved report.
    for colour in ["never", "always"] {
        let run = bed.run(&["show", &saved_arg, "--color", colour, "-v"]);
        let stdout = without_own_colours(&run.stdout);
        assert_inert(&format!("show --color {colour}"), &stdout, &run);
    }
    let run = bed.run(&["show", &saved_arg, "--format", "markdown"]);
    assert_markdown_inert(&run.stdout, &run);

    // The same text pasted into explain.
    let message = quoted
        .iter()
        .find(|m| m.contains(PAYLOAD))
        .unwrap()
        .as_str();
    let run = bed.run_with_stdin(&["explain", "-v", "-"], message);
    assert_eq!(run.code, Some(0), "{run}");
    assert_no_hazard("explain", &run.stdout, &run);
    // A message whose quoted parts (the resource) carry the payload.
    let pasted = format!(
        "AccessDeniedException: User: arn:aws:iam::123456789012:user/dev is not authorized to perform: \
         bedrock:InvokeModel on resource: arn:aws:bedrock:us-east-1::foundation-model/x{PAYLOAD} \
         because no identity-based policy allows the bedrock:InvokeModel action"
    );
    let run = bed.run_with_stdin(&["explain", "-v", "-"], &pasted);
    assert_eq!(run.code, Some(0), "{run}");
    assert_no_hazard("explain", &run.stdout, &run);
    // explain reads past colour codes (SGR) to the message; what it quotes keeps the rest, shown.
    assert!(
        run.stdout.contains("\\x1b]0;owned\\x07"),
        "explain shows what it quotes\n{run}"
    );
    let run = bed.run_with_stdin(&["explain", "--format", "json", "-"], &pasted);
    assert!(
        run.stdout.contains("\\u001b]0;owned\\u0007"),
        "explain's JSON escapes, not drops\n{run}"
    );
}

#[test]
fn debug_logs_show_no_control_characters_and_no_whole_access_key_id() {
    let bed = hostile_bed();
    let key_id = bed.env["AWS_ACCESS_KEY_ID"].clone();
    let run = bed.run(&["-vvv", "--format", "json"]);
    assert!(run.stderr.contains("DEBUG"), "debug logs on\n{run}");
    assert!(
        !run.stderr.contains(&key_id) && !run.stdout.contains(&key_id),
        "the access key id appears whole\n{run}"
    );
    let masked = format!(
        "{}************{}",
        &key_id[..4],
        &key_id[key_id.len() - 4..]
    );
    assert!(
        run.stderr.contains(&masked),
        "the SDK's credentials line shows the masked key id\n{run}"
    );
    let found = hazards(&run.stderr);
    assert!(
        found.is_empty(),
        "raw control characters {found:?} in the logs\n{run}"
    );
}

#[test]
fn a_crafted_saved_report_cannot_drive_the_terminal() {
    let bed = Bed::new("healthy");
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("report.json");
    let saved_arg = saved.display().to_string();
    let run = bed.run(&["--format", "json", "--output", &saved_arg]);
    assert_eq!(run.code, Some(0), "{run}");
    // Every string of the report replaced by the payload, as a crafted file would have it.
    let mut report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&saved).unwrap()).unwrap();
    fn poison(value: &mut serde_json::Value, keep: &[&str], key: Option<&str>) {
        match value {
            serde_json::Value::String(s) if !key.is_some_and(|k| keep.contains(&k)) => {
                s.push_str(PAYLOAD)
            }
            serde_json::Value::Array(items) => {
                items.iter_mut().for_each(|v| poison(v, keep, key));
            }
            serde_json::Value::Object(map) => {
                for (k, v) in map.iter_mut() {
                    poison(v, keep, Some(k.as_str()));
                }
            }
            _ => {}
        }
    }
    // Enumerations and the version stay valid, so the report is read and rendered.
    poison(
        &mut report,
        &[
            "status",
            "category",
            "name",
            "version",
            "fix_kind",
            "generated_at",
        ],
        None,
    );
    std::fs::write(&saved, serde_json::to_string(&report).unwrap()).unwrap();
    for args in [
        vec!["show", saved_arg.as_str(), "--color", "never", "-v"],
        vec!["show", saved_arg.as_str(), "--color", "always", "-v"],
    ] {
        let run = bed.run(&args);
        assert!(matches!(run.code, Some(0) | Some(1)), "{run}");
        assert_inert("show", &without_own_colours(&run.stdout), &run);
    }
    let run = bed.run(&["show", &saved_arg, "--format", "markdown"]);
    assert!(matches!(run.code, Some(0) | Some(1)), "{run}");
    assert_markdown_inert(&run.stdout, &run);
}
