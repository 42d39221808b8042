//! When and how long to wait before retrying a download (style.md B3 rule
//! 10; crates.md §2.5).
//!
//! The go command itself does not retry proxy requests. modsnap does,
//! because a snapshot run makes thousands of requests and one dropped
//! connection should not fail it. Only transient failures are retried
//! (the caller classifies them); a 404/410 is an answer, never retried.
//!
//! Delays are exponential with full jitter: attempt *n* (from 0) waits a
//! uniformly random time in `[0, min(max, base · 2ⁿ)]`. A `Retry-After`
//! header on a 429/503 (seconds or an HTTP date) replaces the computed
//! delay, capped at `max`.

use std::time::Duration;

/// Backoff settings.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Backoff {
    pub base: Duration,
    pub max: Duration,
}

impl Backoff {
    /// The delay before retry number `retry` (0 for the first retry),
    /// honouring a server-sent `Retry-After` when there is one.
    pub fn delay(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(after) = retry_after {
            return after.min(self.max);
        }
        let ceiling = self
            .base
            .checked_mul(2u32.saturating_pow(retry.min(31)))
            .unwrap_or(self.max)
            .min(self.max);
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(fastrand::u64(0..=nanos))
    }
}

/// Parses a `Retry-After` value (RFC 9110 §10.2.3): delay seconds, or an
/// HTTP date (a date in the past means now). Anything else yields `None`
/// (the normal backoff then applies).
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    parse_retry_after_at(value, std::time::SystemTime::now())
}

fn parse_retry_after_at(value: &str, now: std::time::SystemTime) -> Option<Duration> {
    let v = value.trim();
    if v.is_empty() {
        return None;
    }
    if !v.bytes().all(|b| b.is_ascii_digit()) {
        let at = httpdate::parse_http_date(v).ok()?;
        return Some(at.duration_since(now).unwrap_or(Duration::ZERO));
    }
    // Absurdly long values saturate; the caller caps the delay anyway.
    Some(Duration::from_secs(v.parse().unwrap_or(u64::MAX)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_seconds() {
        assert_eq!(parse_retry_after("3"), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after(" 0 "), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after("99999999999999999999999"),
            Some(Duration::from_secs(u64::MAX))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        let now = httpdate::parse_http_date("Wed, 21 Oct 2015 07:28:00 GMT").unwrap();
        assert_eq!(
            parse_retry_after_at("Wed, 21 Oct 2015 07:28:05 GMT", now),
            Some(Duration::from_secs(5))
        );
        assert_eq!(parse_retry_after("tomorrow"), None);
        assert_eq!(parse_retry_after("-1"), None);
        assert_eq!(parse_retry_after("1.5"), None);
        assert_eq!(parse_retry_after(""), None);
    }

    #[test]
    fn delays_are_bounded() {
        let b = Backoff {
            base: Duration::from_millis(100),
            max: Duration::from_secs(2),
        };
        for retry in 0..100 {
            let d = b.delay(retry, None);
            let ceiling = Duration::from_millis(100 * 2u64.saturating_pow(retry.min(40)));
            assert!(d <= ceiling.min(Duration::from_secs(2)), "{retry}: {d:?}");
        }
        assert_eq!(
            b.delay(0, Some(Duration::from_secs(1))),
            Duration::from_secs(1)
        );
        assert_eq!(
            b.delay(0, Some(Duration::from_secs(3600))),
            Duration::from_secs(2),
            "Retry-After is capped"
        );
    }

    #[test]
    fn zero_base_never_waits() {
        let b = Backoff {
            base: Duration::ZERO,
            max: Duration::ZERO,
        };
        assert_eq!(b.delay(5, None), Duration::ZERO);
    }
}
