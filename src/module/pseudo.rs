//! Pseudo-versions (`golang.org/x/mod/module/pseudo.go`; see
//! <https://go.dev/ref/mod#pseudo-versions>).
//!
//! A pseudo-version names an untagged revision and has one of three shapes,
//! each optionally followed by `+incompatible` or other build metadata:
//!
//! 1. `vX.0.0-yyyymmddhhmmss-rev`: no earlier tag (no base version);
//! 2. `vX.Y.(Z+1)-0.yyyymmddhhmmss-rev`: after release `vX.Y.Z`;
//! 3. `vX.Y.Z-pre.0.yyyymmddhhmmss-rev`: after prerelease `vX.Y.Z-pre`.
//!
//! Times are represented by [`PseudoTime`], a plain UTC calendar value (no
//! date-time crate): the 14-digit `yyyymmddhhmmss` field is exactly what a
//! pseudo-version records, with no time zone and whole seconds only.
//!
//! Not provided: Go's unexported helpers beyond what the public functions
//! need; patch numbers are incremented and decremented as decimal strings so
//! that arbitrarily large numbers work, as in Go.

use std::fmt;

use super::ModuleError;
use crate::semver;

/// Go's `PseudoVersionTimestampFormat` layout, `20060102150405`: the
/// timestamp field is `yyyymmddhhmmss` in UTC.
pub const PSEUDO_VERSION_TIMESTAMP_FORMAT: &str = "20060102150405";

/// A UTC time with one-second resolution, as recorded in a pseudo-version.
///
/// Constructed only with valid field values (month 1–12, a day that exists
/// in that month, hour < 24, minute < 60, second < 60, year 0–9999).
/// Ordering is chronological.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PseudoTime {
    year: u16,
    month: u8,
    day: u8,
    hour: u8,
    minute: u8,
    second: u8,
}

fn days_in_month(year: u16, month: u8) -> u8 {
    let leap = year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400));
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl PseudoTime {
    /// Go's zero `time.Time`, 0001-01-01 00:00:00 UTC, used by
    /// [`zero_pseudo_version`].
    pub const ZERO: PseudoTime = PseudoTime {
        year: 1,
        month: 1,
        day: 1,
        hour: 0,
        minute: 0,
        second: 0,
    };

    /// The given UTC calendar time, or `None` if any field is out of range.
    pub fn new(year: u16, month: u8, day: u8, hour: u8, minute: u8, second: u8) -> Option<Self> {
        let ok = year <= 9999
            && (1..=12).contains(&month)
            && day >= 1
            && day <= days_in_month(year, month)
            && hour < 24
            && minute < 60
            && second < 60;
        ok.then_some(PseudoTime {
            year,
            month,
            day,
            hour,
            minute,
            second,
        })
    }

    /// Parses a 14-digit `yyyymmddhhmmss` timestamp, rejecting impossible
    /// dates and times as Go's `time.Parse` does.
    pub fn parse(timestamp: &str) -> Option<Self> {
        let b = timestamp.as_bytes();
        if b.len() != 14 || !b.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let num =
            |r: std::ops::Range<usize>| b[r].iter().fold(0u16, |n, d| n * 10 + u16::from(d - b'0'));
        let small = |r| u8::try_from(num(r)).ok();
        PseudoTime::new(
            num(0..4),
            small(4..6)?,
            small(6..8)?,
            small(8..10)?,
            small(10..12)?,
            small(12..14)?,
        )
    }

    /// The calendar fields `(year, month, day, hour, minute, second)`.
    pub fn fields(self) -> (u16, u8, u8, u8, u8, u8) {
        (
            self.year,
            self.month,
            self.day,
            self.hour,
            self.minute,
            self.second,
        )
    }
}

impl fmt::Display for PseudoTime {
    /// The 14-digit `yyyymmddhhmmss` form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}{:02}{:02}{:02}{:02}{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }
}

/// Adds one to a decimal digit string (`"99"` → `"100"`).
fn inc_decimal(decimal: &str) -> String {
    let mut digits = decimal.as_bytes().to_vec();
    let mut i = digits.len();
    while i > 0 && digits[i - 1] == b'9' {
        digits[i - 1] = b'0';
        i -= 1;
    }
    if i > 0 {
        digits[i - 1] += 1;
    } else {
        digits.insert(0, b'1');
    }
    String::from_utf8(digits).unwrap_or_default()
}

/// Subtracts one from a decimal digit string (`"100"` → `"99"`); `""` when
/// the value is zero.
fn dec_decimal(decimal: &str) -> String {
    let mut digits = decimal.as_bytes().to_vec();
    let mut i = digits.len();
    while i > 0 && digits[i - 1] == b'0' {
        digits[i - 1] = b'9';
        i -= 1;
    }
    if i == 0 {
        return String::new();
    }
    if i == 1 && digits[0] == b'1' && digits.len() > 1 {
        digits.remove(0);
    } else {
        digits[i - 1] -= 1;
    }
    String::from_utf8(digits).unwrap_or_default()
}

/// Builds the pseudo-version for revision `rev` committed at `time` (Go's
/// `PseudoVersion`).
///
/// `older` is the closest earlier tag (`""` if none); build metadata on it
/// (such as `+incompatible`) is carried over. Without `older` the result is
/// `<major>.0.0-<time>-<rev>` with `major` defaulting to `v0`.
pub fn pseudo_version(major: &str, older: &str, time: PseudoTime, rev: &str) -> String {
    let major = if major.is_empty() { "v0" } else { major };
    let segment = format!("{time}-{rev}");
    let build = semver::build(older);
    let older = semver::canonical(older);
    if older.is_empty() {
        return format!("{major}.0.0-{segment}");
    }
    if !semver::prerelease(&older).is_empty() {
        return format!("{older}.0.{segment}{build}");
    }
    let (base, patch) = older.split_at(older.rfind('.').map_or(0, |i| i + 1));
    format!("{base}{}-0.{segment}{build}", inc_decimal(patch))
}

/// The pseudo-version Go uses for a revision with no known time or hash:
/// `<major>.0.0-00010101000000-000000000000` (Go's `ZeroPseudoVersion`).
pub fn zero_pseudo_version(major: &str) -> String {
    pseudo_version(major, "", PseudoTime::ZERO, "000000000000")
}

/// Whether `v` is the zero pseudo-version of its major version (Go's
/// `IsZeroPseudoVersion`).
pub fn is_zero_pseudo_version(v: &str) -> bool {
    v == zero_pseudo_version(&semver::major(v))
}

/// Whether the build suffix after `+` is `[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*`.
fn valid_build_ids(s: &str) -> bool {
    s.split('.')
        .all(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
}

/// Splits a leading run of one or more ASCII digits off `s`.
fn digits(s: &str) -> Option<&str> {
    let n = s.bytes().take_while(u8::is_ascii_digit).count();
    (n > 0).then(|| &s[n..])
}

/// Whether `prefix` (everything before the timestamp) has the shape
/// `vN.0.0-` or `vN.N.N-` followed by an optional `anything.` and `0.`.
fn valid_pseudo_prefix(prefix: &str) -> bool {
    let Some(rest) = prefix.strip_prefix('v').and_then(digits) else {
        return false;
    };
    let Some(rest) = rest.strip_prefix('.') else {
        return false;
    };
    if rest == "0.0-" {
        return true;
    }
    let tail = digits(rest)
        .and_then(|r| r.strip_prefix('.'))
        .and_then(digits)
        .and_then(|r| r.strip_prefix('-'))
        .and_then(|r| r.strip_suffix("0."));
    matches!(tail, Some(t) if t.is_empty() || t.ends_with('.'))
}

/// The pseudo-version syntax, Go's `pseudoVersionRE`.
fn matches_pseudo_syntax(v: &str) -> bool {
    let (main, build) = match v.split_once('+') {
        Some((m, b)) => (m, Some(b)),
        None => (v, None),
    };
    if build.is_some_and(|b| !valid_build_ids(b)) {
        return false;
    }
    let Some((head, rev)) = main.rsplit_once('-') else {
        return false;
    };
    if rev.is_empty() || !rev.bytes().all(|b| b.is_ascii_alphanumeric()) || head.len() < 14 {
        return false;
    }
    let Some((prefix, stamp)) = head.split_at_checked(head.len() - 14) else {
        return false;
    };
    stamp.bytes().all(|b| b.is_ascii_digit()) && valid_pseudo_prefix(prefix)
}

/// Whether `v` has pseudo-version syntax (Go's `IsPseudoVersion`).
pub fn is_pseudo_version(v: &str) -> bool {
    v.matches('-').count() >= 2 && semver::is_valid(v) && matches_pseudo_syntax(v)
}

/// The parts of a pseudo-version.
struct PseudoParts<'a> {
    /// `vX.0.0`, `vX.Y.(Z+1)-0` or `vX.Y.Z-pre.0`.
    base: &'a str,
    timestamp: &'a str,
    rev: &'a str,
    build: String,
}

fn pseudo_error(v: &str, reason: String) -> ModuleError {
    ModuleError::InvalidVersion {
        version: v.to_string(),
        pseudo: true,
        reason,
    }
}

fn parse_pseudo(v: &str) -> Result<PseudoParts<'_>, ModuleError> {
    if !is_pseudo_version(v) {
        return Err(pseudo_error(v, "syntax error".into()));
    }
    let build = semver::build(v);
    let main = &v[..v.len() - build.len()];
    let syntax = || pseudo_error(v, "syntax error".into());
    let (rest, rev) = main.rsplit_once('-').ok_or_else(syntax)?;
    let dash = rest.rfind('-').ok_or_else(syntax)?;
    let (base, timestamp) = match rest.rfind('.') {
        Some(dot) if dot > dash => (&rest[..dot], &rest[dot + 1..]),
        _ => (&rest[..dash], &rest[dash + 1..]),
    };
    Ok(PseudoParts {
        base,
        timestamp,
        rev,
        build,
    })
}

/// The commit time recorded in pseudo-version `v` (Go's
/// `PseudoVersionTime`).
pub fn pseudo_version_time(v: &str) -> Result<PseudoTime, ModuleError> {
    let parts = parse_pseudo(v)?;
    PseudoTime::parse(parts.timestamp).ok_or_else(|| {
        pseudo_error(
            v,
            format!("malformed time {}", super::quote(parts.timestamp)),
        )
    })
}

/// The revision identifier recorded in pseudo-version `v`, usually a
/// 12-character commit hash prefix (Go's `PseudoVersionRev`).
pub fn pseudo_version_rev(v: &str) -> Result<String, ModuleError> {
    parse_pseudo(v).map(|p| p.rev.to_string())
}

/// The tag that pseudo-version `v` was derived from (Go's
/// `PseudoVersionBase`), with `v`'s build metadata; `""` for a form-1
/// pseudo-version with no base.
///
/// Fails when `v` is not a pseudo-version, when a form-1 pseudo-version has
/// build metadata (`lacks base version, but has build metadata "+…"`), or
/// when a form-2 patch number would be negative (`vX.Y.0-0.…`).
pub fn pseudo_version_base(v: &str) -> Result<String, ModuleError> {
    let parts = parse_pseudo(v)?;
    let base = parts.base;
    let build = parts.build.as_str();
    match semver::prerelease(base).as_str() {
        "" if !build.is_empty() => Err(pseudo_error(
            v,
            format!(
                "lacks base version, but has build metadata {}",
                super::quote(build)
            ),
        )),
        "" => Ok(String::new()),
        "-0" => {
            let release = &base[..base.len() - 2];
            let (head, patch) = release.split_at(release.rfind('.').map_or(0, |i| i + 1));
            let prev = dec_decimal(patch);
            if prev.is_empty() {
                return Err(pseudo_error(
                    v,
                    format!("version before {release} would have negative patch number"),
                ));
            }
            Ok(format!("{head}{prev}{build}"))
        }
        _ => Ok(format!(
            "{}{build}",
            base.strip_suffix(".0").unwrap_or(base)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_helpers() {
        assert_eq!(inc_decimal("0"), "1");
        assert_eq!(inc_decimal("99"), "100");
        assert_eq!(inc_decimal("109"), "110");
        assert_eq!(dec_decimal(""), "");
        assert_eq!(dec_decimal("0"), "");
        assert_eq!(dec_decimal("00"), "");
        assert_eq!(dec_decimal("100"), "99");
        assert_eq!(dec_decimal("110"), "109");
        assert_eq!(dec_decimal("1"), "0");
    }

    #[test]
    fn times() {
        assert_eq!(
            PseudoTime::parse("20240229235959")
                .map(|t| t.to_string())
                .as_deref(),
            Some("20240229235959")
        );
        assert_eq!(PseudoTime::parse("20230229000000"), None);
        assert_eq!(PseudoTime::parse("20231301000000"), None);
        assert_eq!(PseudoTime::parse("20231201240000"), None);
        assert_eq!(PseudoTime::parse("2023120100000"), None);
        assert_eq!(PseudoTime::ZERO.to_string(), "00010101000000");
        assert_eq!(
            zero_pseudo_version("v2"),
            "v2.0.0-00010101000000-000000000000"
        );
        assert!(is_zero_pseudo_version("v0.0.0-00010101000000-000000000000"));
    }

    #[test]
    fn bad_time_is_reported() {
        let e = pseudo_version_time("v0.0.0-20061302150405-hash").unwrap_err();
        assert_eq!(
            e.to_string(),
            r#"pseudo-version "v0.0.0-20061302150405-hash" invalid: malformed time "20061302150405""#
        );
        let e = pseudo_version_base("v1.0.0-0.20060102150405-hash").unwrap_err();
        assert_eq!(
            e.to_string(),
            r#"pseudo-version "v1.0.0-0.20060102150405-hash" invalid: version before v1.0.0 would have negative patch number"#
        );
    }
}
