//! moto_server, the AWS emulator that plays STS, IAM and Organizations in the end-to-end tests.
//!
//! One server per test process, started on first use on a free 127.0.0.1 port, with moto's IAM
//! authentication switched on after seeding: from then on it rejects unknown access keys
//! (`InvalidClientTokenId`) and bad signatures (`SignatureDoesNotMatch`) as AWS does.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

pub struct Moto {
    url: String,
    /// Keys of the seeded IAM user `compiler-bedrock` (the guide's Step 3 user), allowed everything.
    pub access_key_id: String,
    pub secret_access_key: String,
    /// Held open for the life of the process: the watchdog shell kills moto when it closes, so no
    /// server outlives the test binary, whatever way it exits.
    _lifeline: Mutex<(Child, ChildStdin)>,
}

/// Requests moto serves without authentication: exactly the seeding below.
const SEED_REQUESTS: usize = 3;
/// moto's default account: the seeded user's, and the management account of a test Organization.
pub const MOTO_ACCOUNT: &str = "123456789012";
pub const SEEDED_USER: &str = "compiler-bedrock";

impl Moto {
    /// The process-wide moto server, started on first call.
    pub fn shared() -> &'static Moto {
        static MOTO: OnceLock<Moto> = OnceLock::new();
        MOTO.get_or_init(|| Moto::start(true).unwrap_or_else(|e| panic!("{e}")))
    }

    /// A second server, with IAM authentication off, for the tests that build an Organization and
    /// act as its member account: the Organization and the member's assumed role stay out of the
    /// server the credential tests use, where the seeded account must stay alone and standalone.
    pub fn open() -> &'static Moto {
        static MOTO: OnceLock<Moto> = OnceLock::new();
        MOTO.get_or_init(|| Moto::start(false).unwrap_or_else(|e| panic!("{e}")))
    }

    /// A third server, IAM authentication off, for the multi-account Organization of the `org`
    /// tests (`tests/support/moto_orgs.py`): moto holds one Organization per server, and
    /// [`Moto::open`]'s is the single-member one.
    pub fn organization() -> &'static Moto {
        static MOTO: OnceLock<Moto> = OnceLock::new();
        MOTO.get_or_init(|| Moto::start(false).unwrap_or_else(|e| panic!("{e}")))
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    fn start(authenticate: bool) -> Result<Moto, String> {
        let port = free_port();
        let script = format!(
            "python3 -m moto.server -H 127.0.0.1 -p {port} >/dev/null 2>&1 & pid=$!; cat >/dev/null; kill $pid"
        );
        let mut command = Command::new("sh");
        command.arg("-c").arg(script);
        if authenticate {
            command.env("INITIAL_NO_AUTH_ACTION_COUNT", SEED_REQUESTS.to_string());
        }
        let mut child = command
            .stdin(Stdio::piped())
            .spawn()
            .map_err(|e| format!("could not start moto_server: {e}"))?;
        let stdin = child.stdin.take().ok_or("no stdin for the moto watchdog")?;
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(60);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline {
                return Err(format!(
                    "moto_server did not listen on {url} within 60 s; install the test bed's Python \
                     dependencies: python3 -m pip install -r tests/requirements.txt"
                ));
            }
            if let Ok(Some(status)) = child.try_wait() {
                return Err(format!("moto_server exited ({status}); run: python3 -m pip install -r tests/requirements.txt"));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
        iam(port, &[("Action", "CreateUser"), ("UserName", SEEDED_USER)])?;
        iam(
            port,
            &[
                ("Action", "PutUserPolicy"),
                ("UserName", SEEDED_USER),
                ("PolicyName", "admin"),
                ("PolicyDocument", policy),
            ],
        )?;
        let created = iam(
            port,
            &[("Action", "CreateAccessKey"), ("UserName", SEEDED_USER)],
        )?;
        let access_key_id = between(&created, "<AccessKeyId>", "</AccessKeyId>")
            .ok_or("no AccessKeyId from moto")?;
        let secret_access_key = between(&created, "<SecretAccessKey>", "</SecretAccessKey>")
            .ok_or("no SecretAccessKey from moto")?;
        Ok(Moto {
            url,
            access_key_id,
            secret_access_key,
            _lifeline: Mutex::new((child, stdin)),
        })
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free local port")
}

fn between(text: &str, open: &str, close: &str) -> Option<String> {
    let start = text.find(open)? + open.len();
    let end = text[start..].find(close)? + start;
    Some(text[start..end].to_string())
}

/// One unauthenticated IAM query call (moto routes on the credential scope's service name, and
/// checks no signature while seeding).
fn iam(port: u16, params: &[(&str, &str)]) -> Result<String, String> {
    let mut body: Vec<String> = params
        .iter()
        .map(|(k, v)| {
            format!(
                "{k}={}",
                percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC)
            )
        })
        .collect();
    body.push("Version=2010-05-08".into());
    let body = body.join("&");
    let request = format!(
        "POST / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0\r\n\
         X-Amz-Date: 20260101T000000Z\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .map_err(|e| e.to_string())?;
    stream
        .write_all(request.as_bytes())
        .map_err(|e| e.to_string())?;
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .map_err(|e| e.to_string())?;
    if !response.starts_with("HTTP/1.1 200") && !response.starts_with("HTTP/1.0 200") {
        return Err(format!(
            "moto refused {params:?}: {}",
            response.lines().next().unwrap_or_default()
        ));
    }
    Ok(response)
}
