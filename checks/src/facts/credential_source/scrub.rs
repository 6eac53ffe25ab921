//! What a report may quote of the chain's own account: secrets masked, access key ids kept
//! recognisable. A `credential_process` can print anything on stderr, and the chain repeats it.

/// `text` with what looks like a secret masked: access key ids (kept recognisable), `name=value`
/// pairs whose name says key, secret, token or password, and long base64-like runs (tokens, JWTs).
pub fn scrub(text: &str) -> String {
    use regex::Regex;
    use std::sync::OnceLock;
    static PATTERNS: OnceLock<[Regex; 3]> = OnceLock::new();
    let [pairs, key_ids, blobs] = PATTERNS.get_or_init(|| {
        [
            Regex::new(
                r#"(?i)((?:secret|token|password|passwd|credential|session|key)[\w-]*"?\s*[:=]\s*"?)([^\s"',;}]+)"#,
            )
            .expect("a valid pattern"),
            Regex::new(r"\b(AKIA|ASIA|AIDA|AROA)[A-Z0-9]{12,}\b").expect("a valid pattern"),
            Regex::new(r"[A-Za-z0-9+/=_.-]{32,}").expect("a valid pattern"),
        ]
    });
    // A value, not prose: `credentials: service error` must read as it was written.
    let text = pairs.replace_all(text, |c: &regex::Captures| {
        let value = &c[2];
        let secret_like = value.len() >= 8
            && (value.len() >= 16
                || value
                    .chars()
                    .any(|ch| ch.is_ascii_digit() || "/+=".contains(ch)));
        if secret_like {
            format!("{}<redacted>", &c[1])
        } else {
            c[0].to_string()
        }
    });
    let text = key_ids.replace_all(&text, |c: &regex::Captures| {
        crate::facts::mask_key_id(&c[0])
    });
    blobs.replace_all(&text, "<redacted>").into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrubs_secrets_from_process_output() {
        let text = "login failed: aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY \
                    token: IQoJb3JpZ2luX2VjEXAMPLETOKENabcdefghijklmnop key AKIAIOSFODNN7EXAMPLE";
        let out = scrub(text);
        assert!(!out.contains("wJalrXUtnFEMI"), "{out}");
        assert!(!out.contains("IQoJb3JpZ2lu"), "{out}");
        assert!(out.contains("AKIA************MPLE"), "{out}");
        assert!(out.starts_with("login failed:"), "{out}");
        let prose = "an error occurred while loading credentials: service error";
        assert_eq!(scrub(prose), prose);
    }
}
