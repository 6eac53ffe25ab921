//! `-vv`: debug logs through `tracing` (the AWS SDK's own included) on standard error, with every
//! secret the process can see replaced before a line is written.

use std::io::Write;
use std::sync::Arc;
use tracing_subscriber::fmt::MakeWriter;

/// The values that must never be written: the secret key, session token and Bedrock API key from
/// the environment (and their URL-encoded forms, in case a request line is logged).
fn secrets() -> Vec<String> {
    let mut values = Vec::new();
    for var in [
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_BEARER_TOKEN_BEDROCK",
        "AWS_BEARER_TOKEN",
    ] {
        if let Ok(v) = std::env::var(var) {
            if v.len() >= 4 {
                let encoded: String = v
                    .bytes()
                    .map(|b| {
                        if b.is_ascii_alphanumeric() {
                            (b as char).to_string()
                        } else {
                            format!("%{b:02X}")
                        }
                    })
                    .collect();
                values.push(encoded);
                values.push(v);
            }
        }
    }
    values
}

#[derive(Clone)]
struct Redacting {
    secrets: Arc<Vec<String>>,
}

struct RedactingWriter {
    secrets: Arc<Vec<String>>,
    buffer: Vec<u8>,
}

impl Write for RedactingWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for RedactingWriter {
    fn drop(&mut self) {
        let mut line = String::from_utf8_lossy(&self.buffer).into_owned();
        for secret in self.secrets.iter() {
            line = line.replace(secret.as_str(), "<redacted>");
        }
        // Bedrock API keys also when only part of one is quoted (a response body cut short).
        let line = checks::facts::api_key::scrub(&line);
        let _ = std::io::stderr().write_all(line.as_bytes());
    }
}

impl<'a> MakeWriter<'a> for Redacting {
    type Writer = RedactingWriter;

    fn make_writer(&'a self) -> Self::Writer {
        RedactingWriter {
            secrets: Arc::clone(&self.secrets),
            buffer: Vec::new(),
        }
    }
}

/// Turns on debug logging for `-vv` (`RUST_LOG` refines it).
pub fn init(verbose: u8) {
    if verbose < 2 {
        return;
    }
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new("debug,hyper=info,h2=info,rustls=info")
    });
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(Redacting {
            secrets: Arc::new(secrets()),
        })
        .with_ansi(false)
        .try_init();
}
