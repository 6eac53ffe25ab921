//! `trail`'s time window: `--since` (`30m`, `1h`, `2d`) back from now, or `--start` and `--end` in
//! RFC 3339; the end after the start, and the start within the 90 days CloudTrail's event history
//! keeps ("You can look up events that occurred in a Region within the last 90 days", LookupEvents,
//! https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_LookupEvents.html).

use anyhow::{bail, Context, Result};
use std::time::{Duration, SystemTime};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// How far back event history goes.
pub const HISTORY: Duration = Duration::from_secs(checks::facts::cloudtrail::HISTORY_DAYS * 86400);

/// The window read, validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: SystemTime,
    pub end: SystemTime,
}

/// `30m`, `1h`, `2d` (minutes, hours, days) as a duration.
pub fn parse_relative(text: &str) -> Option<Duration> {
    let text = text.trim();
    let (number, unit) = text.split_at(text.len().checked_sub(1)?);
    let n: u64 = number.parse().ok().filter(|n| *n > 0)?;
    let seconds = match unit {
        "m" => 60,
        "h" => 3600,
        "d" => 86400,
        _ => return None,
    };
    n.checked_mul(seconds).map(Duration::from_secs)
}

fn parse_instant(flag: &str, text: &str, now: SystemTime) -> Result<SystemTime> {
    if let Some(ago) = parse_relative(text) {
        return now
            .checked_sub(ago)
            .with_context(|| format!("{flag} {text:?} is too far back"));
    }
    let at = OffsetDateTime::parse(text.trim(), &Rfc3339).with_context(|| {
        format!("{flag} {text:?} is neither an RFC 3339 time (2026-01-15T04:00:00Z) nor a relative one (30m, 1h, 2d)")
    })?;
    Ok(SystemTime::from(at))
}

/// The window the flags ask for at `now`: `--since`, or `--start` (and `--end`, default now);
/// nothing given: the last hour.
pub fn window(
    since: Option<&str>,
    start: Option<&str>,
    end: Option<&str>,
    now: SystemTime,
) -> Result<Window> {
    let (start, end) = match (since, start) {
        (Some(since), _) => {
            let ago = parse_relative(since).with_context(|| {
                format!("--since {since:?} is not a duration such as 30m, 1h or 2d")
            })?;
            (now.checked_sub(ago).unwrap_or(SystemTime::UNIX_EPOCH), now)
        }
        (None, Some(start)) => {
            let start = parse_instant("--start", start, now)?;
            let end = match end {
                Some(end) => parse_instant("--end", end, now)?,
                None => now,
            };
            (start, end)
        }
        (None, None) => (now - Duration::from_secs(3600), now),
    };
    if end <= start {
        bail!("the end of the window must come after its start");
    }
    if start > now {
        bail!("the window starts in the future: event history holds only what has happened");
    }
    // A minute of slack: `--since 90d` asked at the second it is read still fits.
    if now.duration_since(start).unwrap_or_default() > HISTORY + Duration::from_secs(60) {
        bail!(
            "the window starts more than 90 days ago: CloudTrail's event history keeps 90 days (a trail or CloudTrail Lake keeps more)"
        );
    }
    Ok(Window {
        start,
        end: end.min(now),
    })
}

/// RFC 3339, to the second, in UTC.
pub fn format(at: SystemTime) -> String {
    let at = OffsetDateTime::from(at)
        .replace_nanosecond(0)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    at.format(&Rfc3339).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> SystemTime {
        SystemTime::from(OffsetDateTime::parse(text, &Rfc3339).unwrap())
    }

    #[test]
    fn relative_durations() {
        assert_eq!(parse_relative("30m"), Some(Duration::from_secs(1800)));
        assert_eq!(parse_relative("1h"), Some(Duration::from_secs(3600)));
        assert_eq!(parse_relative("2d"), Some(Duration::from_secs(172_800)));
        for bad in ["", "h", "0h", "1x", "-1h", "1.5h", "1 h"] {
            assert_eq!(parse_relative(bad), None, "{bad}");
        }
    }

    #[test]
    fn windows_are_validated() {
        let now = at("2026-12-06T12:00:00Z");
        let w = window(Some("2d"), None, None, now).unwrap();
        assert_eq!(w.start, at("2026-12-04T12:00:00Z"));
        assert_eq!(w.end, now);
        let w = window(
            None,
            Some("2026-12-05T00:00:00Z"),
            Some("2026-12-05T06:00:00+01:00"),
            now,
        )
        .unwrap();
        assert_eq!(w.end, at("2026-12-05T05:00:00Z"));
        assert_eq!(
            window(None, None, None, now).unwrap().start,
            at("2026-12-06T11:00:00Z")
        );
        let w = window(None, Some("3h"), Some("1h"), now).unwrap();
        assert_eq!(w.start, at("2026-12-06T09:00:00Z"));
        for (since, start, end) in [
            (Some("1w"), None, None),
            (Some("91d"), None, None),
            (
                None,
                Some("2026-12-05T06:00:00Z"),
                Some("2026-12-05T00:00:00Z"),
            ),
            (None, Some("2026-12-07T00:00:00Z"), None),
            (None, Some("2026-01-01T00:00:00Z"), None),
            (None, Some("yesterday"), None),
        ] {
            assert!(
                window(since, start, end, now).is_err(),
                "{since:?} {start:?} {end:?}"
            );
        }
        assert!(window(Some("90d"), None, None, now).is_ok());
    }
}
