//! A `credential_process` that failed: its exit status and a scrubbed excerpt of its stderr, or
//! why its output is not the credentials JSON.

use super::{scrub, Failure};
use crate::catalogue::dx;

/// The longest stretch of a process's stderr a report quotes.
const STDERR_EXCERPT: usize = 300;

pub(super) fn failure(profile: &str, detail: &str) -> Failure {
    // aws-config `credential_process.rs`: "Error retrieving credentials: external process exited
    // with code {status}. Stderr: {stderr}" and "… could not parse response: {error}".
    if let Some(at) = detail.find("exited with code ") {
        let rest = &detail[at + "exited with code ".len()..];
        let (status, stderr) = rest.split_once(". Stderr:").unwrap_or((rest, ""));
        let status = status.trim().trim_start_matches("exit status: ");
        let stderr = excerpt(&scrub(stderr.trim()));
        let said = if stderr.is_empty() {
            "and printed nothing on stderr".to_string()
        } else {
            format!("stderr: {stderr}")
        };
        return Failure {
            code: dx::CREDENTIAL_PROCESS_FAILED,
            summary: format!(
                "the credential_process of profile `{profile}` exited with status {status}; {said}"
            ),
            detail: Some(format!("exit status {status}; stderr: {stderr}")),
        };
    }
    let why = detail
        .split_once("could not parse response:")
        .map(|(_, why)| excerpt(&scrub(why.trim())));
    Failure {
        code: dx::CREDENTIAL_PROCESS_FAILED,
        summary: match &why {
            Some(why) => format!(
                "the credential_process of profile `{profile}` exited 0, but its output is not the \
                 credentials JSON the SDKs expect ({why})"
            ),
            None => format!(
                "the credential_process of profile `{profile}` failed: {}",
                excerpt(&scrub(detail))
            ),
        },
        detail: Some(excerpt(&scrub(detail))),
    }
}

/// `text` on one line, cut at [`STDERR_EXCERPT`] characters.
fn excerpt(text: &str) -> String {
    let one_line = crate::calls::one_line(text);
    if one_line.chars().count() <= STDERR_EXCERPT {
        return one_line;
    }
    let cut: String = one_line.chars().take(STDERR_EXCERPT).collect();
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_process_names_its_status_and_stderr() {
        let failure = failure(
            "dev",
            "Error retrieving credentials: external process exited with code exit status: 3. \
             Stderr: vault sealed",
        );
        assert_eq!(failure.code, dx::CREDENTIAL_PROCESS_FAILED);
        assert!(
            failure
                .summary
                .contains("exited with status 3; stderr: vault sealed"),
            "{}",
            failure.summary
        );
    }
}
