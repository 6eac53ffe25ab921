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

/// Access key ids (`AKIA…` long-term, `ASIA…` temporary, and the other four-letter prefixes IAM
/// documents for access keys) masked as everywhere else in the doctor's output: the first and last
/// four characters stay, enough to tell two keys apart.
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-unique-ids
fn mask_key_ids(line: &str) -> std::borrow::Cow<'_, str> {
    static KEY_ID: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let pattern = KEY_ID.get_or_init(|| {
        regex::Regex::new(r"\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b").expect("key id pattern")
    });
    pattern.replace_all(line, |caps: &regex::Captures| {
        checks::facts::mask_key_id(caps.get(0).map_or("", |m| m.as_str()))
    })
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
        // The SDK's own debug output prints `Credentials { access_key_id: "ASIA…" }` whole.
        let line = mask_key_ids(&line);
        // Logged responses carry AWS's (or a proxy's) text: shown, never obeyed by the terminal.
        let line = crate::render::untrusted::visible_uncapped(&line);
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

#[cfg(test)]
mod tests {
    use super::mask_key_ids;

    #[test]
    fn key_ids_in_sdk_debug_output_are_masked() {
        let line = r#"Credentials { provider_name: "Environment", access_key_id: "ASIAY34FZKBOKMUTVV7A", secret_access_key: "** redacted **" } AKIAIOSFODNN7EXAMPLE"#;
        let masked = mask_key_ids(line);
        assert!(!masked.contains("ASIAY34FZKBOKMUTVV7A"), "{masked}");
        assert!(!masked.contains("AKIAIOSFODNN7EXAMPLE"), "{masked}");
        assert!(masked.contains("ASIA************VV7A"), "{masked}");
        assert!(masked.contains("AKIA************MPLE"), "{masked}");
        // Not a key id: longer runs and other prefixes stay.
        assert_eq!(mask_key_ids("AROAEXAMPLEEXAMPLE12"), "AROAEXAMPLEEXAMPLE12");
    }
}
