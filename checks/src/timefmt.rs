//! How the doctor writes a moment and a length of time: one formatter each, shared by the checks,
//! the facts and the report, with the form each caller needs as an explicit parameter.

use aws_smithy_types::date_time::Format;
use aws_smithy_types::DateTime;
use std::time::{Duration, SystemTime};

/// How many sub-second digits an RFC 3339 time carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fraction {
    /// Always `.mmm`, truncated to the millisecond: a fixed width, for the report's `generated_at`,
    /// which tools compare and sort as text.
    Millis,
    /// The sub-second digits only when there are any (to the microsecond, trailing zeros dropped),
    /// as the SDK writes timestamps: an API key's expiry is a whole second, and reads as AWS wrote it.
    WhenNonZero,
}

/// The largest unit a duration is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Largest {
    /// Hours without limit: session credentials last hours (12 h at most for an assumed role,
    /// 36 h for `GetSessionToken`), so a count of hours is what a reader compares.
    Hours,
    /// Days from two days up: an API key can last days, months or longer.
    Days,
}

/// `at` in RFC 3339, UTC (`2024-02-29T23:59:59Z`), with the sub-second digits `fraction` asks for.
/// A time outside the years 1 to 9999 reads as `an unreadable time`.
pub fn rfc3339(at: SystemTime, fraction: Fraction) -> String {
    let at = DateTime::from(at);
    let written = match fraction {
        Fraction::WhenNonZero => at.fmt(Format::DateTime),
        Fraction::Millis => DateTime::from_secs(at.secs())
            .fmt(Format::DateTime)
            .map(|whole| {
                let millis = at.subsec_nanos() / 1_000_000;
                format!("{}.{millis:03}Z", whole.trim_end_matches('Z'))
            }),
    };
    written.unwrap_or_else(|_| "an unreadable time".into())
}

/// `d` in the largest whole unit that keeps it readable: seconds below 2 min, minutes below 2 h,
/// then hours, and with [`Largest::Days`] days from 2 days up.
pub fn human_duration(d: Duration, largest: Largest) -> String {
    let secs = d.as_secs();
    match secs {
        0..=119 => format!("{secs} s"),
        120..=7199 => format!("{} min", secs / 60),
        172_800.. if largest == Largest::Days => format!("{} days", secs / 86_400),
        _ => format!("{} h", secs / 3600),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn millis_are_always_written_or_only_when_there_are_any() {
        let whole = SystemTime::UNIX_EPOCH + Duration::from_secs(1_709_251_199);
        assert_eq!(
            rfc3339(whole, Fraction::WhenNonZero),
            "2024-02-29T23:59:59Z"
        );
        assert_eq!(rfc3339(whole, Fraction::Millis), "2024-02-29T23:59:59.000Z");
        let later = whole + Duration::from_micros(123_456);
        assert_eq!(
            rfc3339(later, Fraction::WhenNonZero),
            "2024-02-29T23:59:59.123456Z"
        );
        assert_eq!(rfc3339(later, Fraction::Millis), "2024-02-29T23:59:59.123Z");
        let tenth = whole + Duration::from_millis(100);
        assert_eq!(
            rfc3339(tenth, Fraction::WhenNonZero),
            "2024-02-29T23:59:59.1Z"
        );
        assert_eq!(rfc3339(tenth, Fraction::Millis), "2024-02-29T23:59:59.100Z");
    }

    #[test]
    fn days_only_when_asked_and_from_two_days() {
        let secs = |s| Duration::from_secs(s);
        assert_eq!(human_duration(secs(90), Largest::Hours), "90 s");
        assert_eq!(human_duration(secs(7199), Largest::Days), "119 min");
        assert_eq!(human_duration(secs(172_799), Largest::Days), "47 h");
        assert_eq!(human_duration(secs(172_800), Largest::Days), "2 days");
        assert_eq!(human_duration(secs(3 * 86_400), Largest::Hours), "72 h");
    }
}
