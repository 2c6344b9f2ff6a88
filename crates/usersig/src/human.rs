//! Dates and time spans for messages: ISO 8601 in UTC, and spans in the
//! two largest units ("3 years 16 days", "2 hours 5 minutes").
//!
//! Used by the `Display` of [`crate::Error`] and by the `usersig` command, so
//! that every message shows times the same way. Nothing here reads the clock.

use chrono::{DateTime, SecondsFormat, Utc};

/// A unix time as an ISO 8601 UTC date (`2023-11-14T22:13:20Z`), or
/// `(beyond year 262143)` for a time chrono cannot represent.
pub fn date(unix: u64) -> String {
    i64::try_from(unix)
        .ok()
        .and_then(|s| DateTime::<Utc>::from_timestamp(s, 0))
        .map_or_else(
            || "(beyond year 262143)".to_owned(),
            |d| d.to_rfc3339_opts(SecondsFormat::Secs, true),
        )
}

/// A span of seconds in its two largest non-zero units: years of 365.25
/// days, days, hours, minutes, seconds (`3 years 16 days`, `1 hour`,
/// `0 seconds`).
pub fn span(seconds: u64) -> String {
    const UNITS: [(u64, &str); 5] = [
        (31_557_600, "year"),
        (86_400, "day"),
        (3_600, "hour"),
        (60, "minute"),
        (1, "second"),
    ];
    let unit = |n: u64, name: &str| format!("{n} {name}{}", if n == 1 { "" } else { "s" });
    let Some(first) = UNITS.iter().position(|&(size, _)| seconds >= size) else {
        return "0 seconds".to_owned();
    };
    let mut out = String::new();
    if let Some(&(size, name)) = UNITS.get(first) {
        out = unit(seconds / size, name);
        if let Some(&(next, next_name)) = UNITS.get(first + 1) {
            let n = seconds % size / next;
            if n > 0 {
                out.push(' ');
                out.push_str(&unit(n, next_name));
            }
        }
    }
    out
}

/// `at` relative to `now`: `in 1 hour 2 minutes`, `3 seconds ago`, `now`.
pub fn relative(at: u64, now: u64) -> String {
    match at.cmp(&now) {
        core::cmp::Ordering::Greater => format!("in {}", span(at - now)),
        core::cmp::Ordering::Less => format!("{} ago", span(now - at)),
        core::cmp::Ordering::Equal => "now".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_spans() {
        assert_eq!(date(1_700_000_060), "2023-11-14T22:14:20Z");
        assert_eq!(date(0), "1970-01-01T00:00:00Z");
        assert_eq!(date(u64::MAX), "(beyond year 262143)");
        // The span of the 70001 example: 1796110240 - 1700000060.
        assert_eq!(span(96_110_180), "3 years 16 days");
        assert_eq!(span(0), "0 seconds");
        assert_eq!(span(1), "1 second");
        assert_eq!(span(86_400), "1 day");
        assert_eq!(span(86_400 + 59), "1 day");
        assert_eq!(span(3_600 + 120), "1 hour 2 minutes");
        assert_eq!(span(61), "1 minute 1 second");
        assert_eq!(relative(10, 7), "in 3 seconds");
        assert_eq!(relative(7, 10), "3 seconds ago");
        assert_eq!(relative(7, 7), "now");
    }
}
