//! `testbed --scenario NAME_OR_PATH [--port P] [--calls PATH] [--moto URL [--account ID=SCENARIO]…]`:
//! serves the Bedrock stub until Ctrl-C, for manual runs and benchmarks; `--calls` writes every
//! request it saw to PATH (JSON) as it stops. `--moto` plays a test Organization held by the
//! moto_server at URL (an STS front for it, each account's own scenario: `Stub::start_org`).

use testbed::{Scenario, Stub, TEST_ACCESS_KEY_ID, TEST_SECRET_ACCESS_KEY};

const USAGE: &str = "usage: testbed --scenario NAME_OR_PATH [--port P] [--calls PATH] [--moto URL [--account ID=SCENARIO]...]";

fn main() {
    let mut args = std::env::args().skip(1);
    let (mut scenario, mut port, mut calls_out) = (None, 0u16, None);
    let (mut moto, mut accounts) = (None, Vec::new());
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--scenario" => scenario = args.next(),
            "--port" => {
                port = args
                    .next()
                    .and_then(|p| p.parse().ok())
                    .unwrap_or_else(|| exit_usage("--port needs a number"))
            }
            "--calls" => {
                calls_out = Some(
                    args.next()
                        .unwrap_or_else(|| exit_usage("--calls needs a path")),
                )
            }
            "--moto" => {
                moto = Some(
                    args.next()
                        .unwrap_or_else(|| exit_usage("--moto needs a URL")),
                )
            }
            "--account" => {
                let value = args.next().unwrap_or_default();
                let Some((id, name)) = value.split_once('=') else {
                    exit_usage("--account needs ID=SCENARIO")
                };
                accounts.push((id.to_string(), name.to_string()));
            }
            "-h" | "--help" => {
                println!(
                    "{USAGE}\nscenarios live in {}",
                    testbed::scenarios_dir().display()
                );
                return;
            }
            other => exit_usage(&format!("unexpected argument {other}")),
        }
    }
    let Some(name) = scenario else {
        exit_usage("--scenario is required")
    };
    let mut scenario = Scenario::load(&name);
    for (id, account_scenario) in &accounts {
        scenario = scenario.with_account(id, Scenario::load(account_scenario));
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(async {
        let started = match &moto {
            Some(url) => Stub::start_org(scenario, url, port),
            None => Stub::start_on_port(scenario, port),
        };
        let stub = match started {
            Ok(s) => s,
            Err(e) => {
                eprintln!("testbed: cannot listen on 127.0.0.1:{port}: {e}");
                std::process::exit(1);
            }
        };
        let url = stub.url();
        println!("export AWS_ENDPOINT_URL_BEDROCK={url} AWS_ENDPOINT_URL_BEDROCK_RUNTIME={url} AWS_ENDPOINT_URL_SERVICE_QUOTAS={url}");
        if moto.is_some() {
            println!("export AWS_ENDPOINT_URL_STS={url}");
        }
        println!("export AWS_ACCESS_KEY_ID={TEST_ACCESS_KEY_ID} AWS_SECRET_ACCESS_KEY={TEST_SECRET_ACCESS_KEY} AWS_REGION=us-east-1 NO_PROXY=127.0.0.1");
        eprintln!("testbed: serving scenario {name:?}; Ctrl-C to stop");
        let _ = tokio::signal::ctrl_c().await;
        if let Some(path) = &calls_out {
            let json = serde_json::to_string(&stub.calls()).unwrap_or_default();
            if let Err(e) = std::fs::write(path, json) {
                eprintln!("testbed: cannot write {path}: {e}");
            }
        }
        eprintln!(
            "testbed: {} requests served, {} throttled",
            stub.calls().len(),
            stub.throttled()
        );
    });
}

fn exit_usage(why: &str) -> ! {
    eprintln!("testbed: {why}\n{USAGE}");
    std::process::exit(2);
}
