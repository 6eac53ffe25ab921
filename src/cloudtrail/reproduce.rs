//! The `bedrock-doctor check` command that tests, from here, what a group of failed calls did:
//! the Region the calls were made in, the model or profile id the app used, and for a request
//! refused in another Region than its own (cross-Region inference, the error naming the
//! destination) both Regions, the source first. Never credentials: only `--profile`, when the
//! person named one.

use super::group::Group;
use crate::explain::Explanation;

/// A value as a POSIX shell reads it back unchanged: bare when it holds only characters no shell
/// treats specially, else single-quoted (a `'` inside closed, escaped and reopened).
pub fn shell_word(value: &str) -> String {
    let plain = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.:/@=,+%".contains(c));
    if plain {
        value.to_string()
    } else {
        format!("'{}'", value.replace('\'', r"'\''"))
    }
}

/// Shaped like a Region name (as `--region` accepts it): the text of an event never becomes a
/// flag of its own.
fn is_region_name(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// A system-defined inference profile's id: a geography or `global` before the model id
/// (https://docs.aws.amazon.com/bedrock/latest/userguide/inference-profiles-support.html).
fn is_profile(model: &str) -> bool {
    model.split_once('.').is_some_and(|(prefix, rest)| {
        rest.contains('.')
            && matches!(
                prefix,
                "us" | "us-gov" | "eu" | "apac" | "ap" | "jp" | "au" | "ca" | "global"
            )
    })
}

/// The command for `group`, diagnosed as `explanation`; `profile` is the `--profile` the person
/// gave, if any.
pub fn command(group: &Group, explanation: &Explanation, profile: Option<&str>) -> String {
    let mut words = vec!["bedrock-doctor".to_string(), "check".to_string()];
    // Only a request through an inference profile runs outside its own Region (cross-Region
    // inference, https://docs.aws.amazon.com/bedrock/latest/userguide/cross-region-inference.html).
    let through_profile = group
        .model_id
        .as_deref()
        .is_some_and(|m| is_profile(m) || m.contains(":inference-profile/"));
    let destination = explanation.found.region.as_ref().filter(|named| {
        through_profile
            && group.region.as_ref().is_some_and(|source| source != *named)
            && is_region_name(named)
    });
    match (&group.region, destination) {
        (Some(source), Some(destination)) => {
            words.push("--regions".into());
            words.push(shell_word(&format!("{source},{destination}")));
        }
        (Some(source), None) => {
            words.push("--region".into());
            words.push(shell_word(source));
        }
        (None, _) => {}
    }
    if let Some(model) = &group.model_id {
        words.push("--model".into());
        words.push(shell_word(model));
    }
    if let Some(profile) = profile {
        words.push("--profile".into());
        words.push(shell_word(profile));
    }
    words.join(" ")
}

#[cfg(test)]
mod tests {
    use super::shell_word;

    #[test]
    fn plain_words_stay_bare_and_the_rest_is_quoted() {
        assert_eq!(
            shell_word("us.anthropic.claude-sonnet-4-5-20250929-v1:0"),
            "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
        );
        assert_eq!(
            shell_word("arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.x"),
            "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.x"
        );
        assert_eq!(shell_word("a b"), "'a b'");
        assert_eq!(shell_word("it's"), r"'it'\''s'");
        assert_eq!(shell_word("$(rm -rf ~)"), "'$(rm -rf ~)'");
        assert_eq!(shell_word(""), "''");
    }
}
