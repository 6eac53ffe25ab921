//! What the doctor sends to moto and the stub, told apart into read-only calls and the rest: the
//! classification the security test holds every scenario to, and the relay that sees moto's share.

use regex::Regex;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::Bed;

/// Read-only control-plane operations, plus the bounded invocations when `invoke` is true.
pub fn allowed(operation: &str, invoke: bool) -> bool {
    let read_only = ["Get", "List", "Describe"]
        .iter()
        .any(|p| operation.starts_with(p))
        || operation == "SimulatePrincipalPolicy"
        // CloudTrail's LookupEvents reads event history (`trail`): a read whatever its verb.
        || operation == "LookupEvents";
    let invocation = matches!(
        operation,
        "InvokeModel"
            | "InvokeModelWithResponseStream"
            | "Converse"
            | "ConverseStream"
            | "CountTokens"
    );
    read_only || (invoke && invocation)
}

/// A relay in front of moto that notes the operation of every request passing through.
///
/// moto has a request recorder (`/moto-api/recorder/…`), but it is one per server (shared by every
/// test thread of this binary) and writes each request, headers and session tokens included, to
/// a file in moto's working directory, the repository. A relay sees only the doctor's traffic
/// of one bed and keeps it in memory. It copies bytes unchanged both ways, so moto checks the
/// same SigV4 signatures (over the same Host header) as without it, and it reads the operation
/// from the request as the AWS protocols place it: `Action=` in a query-protocol body (STS,
/// IAM), `X-Amz-Target` for JSON protocols (Organizations).
pub struct Relay {
    pub url: String,
    /// Every byte each client connection sent, by connection.
    sent: Arc<Mutex<Vec<Connection>>>,
}

/// The bytes one client connection has sent so far.
type Connection = Arc<Mutex<Vec<u8>>>;

impl Relay {
    pub fn start(upstream: &str) -> Relay {
        let upstream = upstream.trim_start_matches("http://").to_string();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let sent: Arc<Mutex<Vec<Connection>>> = Arc::default();
        let all = sent.clone();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(mut client) = client else { return };
                let Ok(mut server) = TcpStream::connect(&upstream) else {
                    continue;
                };
                let buffer = Arc::new(Mutex::new(Vec::new()));
                all.lock().unwrap().push(buffer.clone());
                let (mut client_back, mut server_back) =
                    (client.try_clone().unwrap(), server.try_clone().unwrap());
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut server_back, &mut client_back);
                    let _ = client_back.shutdown(std::net::Shutdown::Write);
                });
                std::thread::spawn(move || {
                    let mut chunk = [0u8; 16 * 1024];
                    loop {
                        match client.read(&mut chunk) {
                            Ok(0) | Err(_) => break,
                            Ok(n) => {
                                buffer.lock().unwrap().extend_from_slice(&chunk[..n]);
                                if server.write_all(&chunk[..n]).is_err() {
                                    break;
                                }
                            }
                        }
                    }
                    let _ = server.shutdown(std::net::Shutdown::Write);
                });
            }
        });
        Relay { url, sent }
    }

    /// The operations of every request seen so far.
    pub fn operations(&self) -> Vec<String> {
        // The doctor has exited; give the relay threads a moment to take in its last bytes.
        std::thread::sleep(Duration::from_millis(100));
        let query = Regex::new(r"(?:\r\n\r\n|&)Action=([A-Za-z0-9]+)").unwrap();
        let target = Regex::new(r"(?i)\r\nx-amz-target:\s*[A-Za-z0-9_]+\.([A-Za-z0-9]+)").unwrap();
        let requests = Regex::new(r"(?m)^(GET|POST|PUT|DELETE|PATCH|HEAD) /").unwrap();
        let mut ops = Vec::new();
        for buffer in self.sent.lock().unwrap().iter() {
            let text = String::from_utf8_lossy(&buffer.lock().unwrap()).into_owned();
            let found: Vec<String> = query
                .captures_iter(&text)
                .chain(target.captures_iter(&text))
                .map(|c| c[1].to_string())
                .collect();
            assert_eq!(
                found.len(),
                requests.find_iter(&text).count(),
                "every request through the relay has one operation: {text}"
            );
            ops.extend(found);
        }
        ops
    }
}

/// Routes STS, IAM and Organizations through a relay in front of the bed's moto.
pub fn relayed(mut bed: Bed) -> (Bed, Relay) {
    let relay = Relay::start(bed.moto.url());
    for var in [
        "AWS_ENDPOINT_URL_STS",
        "AWS_ENDPOINT_URL_IAM",
        "AWS_ENDPOINT_URL_ORGANIZATIONS",
    ] {
        // Only where the bed points at moto (a scenario may play STS on the stub).
        if bed.env.get(var).map(String::as_str) == Some(bed.moto.url()) {
            bed.set(var, relay.url.clone());
        }
    }
    (bed, relay)
}
