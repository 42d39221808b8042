//! Go's version rules for go.mod `go` lines (cmd/go/internal/gover):
//! `1.16`, `1.21.3`, `1.22rc1`. One place for "is this go line at least
//! 1.N", used by the module graph (pruning at 1.17), the vendor rules
//! (annotations, embeds, go.mod/go.sum files) and the import loader.
//!
//! Before Go 1.21, `1.N` meant `1.N.0`, so a prerelease `1.17rc1` is older
//! than `1.17` — the go command does not prune a `go 1.17rc1` module's
//! graph, and `go mod vendor` writes no `go 1.17` annotations for it. From
//! 1.21 on `1.N` names the language version, earliest of the `1.N` line, so
//! `1.22rc1` counts as 1.22.
//!
//! Not here (yet): the full ordering of `gover.Compare` and toolchain names.

/// Whether the Go version `v` (a go.mod `go` line: `1.16`, `1.21.3`,
/// `1.22rc1`) is at least `1.<minor>`, with cmd/go's `gover.Compare`
/// ordering: before 1.21, `1.N` means `1.N.0`, so `1.17rc1 < 1.17`; from
/// 1.21 on `1.N` is the earliest `1.N` version, so `1.22rc1 > 1.22`. An
/// unparsable version is older than everything.
pub fn go_version_at_least(v: &str, minor: u64) -> bool {
    let Some(parsed) = parse_go_version(v) else {
        return false;
    };
    let (major, vminor, prerelease) = parsed;
    if major != 1 {
        return major > 1;
    }
    if vminor != minor {
        return vminor > minor;
    }
    minor >= 21 || !prerelease
}

/// `(major, minor, is_prerelease)` of a Go version, per `gover.Parse`.
pub fn parse_go_version(v: &str) -> Option<(u64, u64, bool)> {
    fn cut_int(s: &str) -> Option<(u64, &str)> {
        let n = s.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 || (s.starts_with('0') && n != 1) {
            return None;
        }
        let val = s[..n].parse::<u64>().unwrap_or(u64::MAX);
        Some((val, &s[n..]))
    }
    let (major, rest) = cut_int(v)?;
    if rest.is_empty() {
        return Some((major, 0, false));
    }
    let (minor, rest) = cut_int(rest.strip_prefix('.')?)?;
    if rest.is_empty() {
        return Some((major, minor, false));
    }
    if let Some(p) = rest.strip_prefix('.') {
        let (_, rest) = cut_int(p)?;
        return rest.is_empty().then_some((major, minor, false));
    }
    let kind = rest.bytes().take_while(u8::is_ascii_lowercase).count();
    if kind == 0 {
        return None;
    }
    let rest = &rest[kind..];
    if !rest.is_empty() {
        let (_, rest) = cut_int(rest)?;
        if !rest.is_empty() {
            return None;
        }
    }
    Some((major, minor, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The go command's answers, checked with go 1.26 (`go mod vendor`
    /// writes `## explicit; go 1.16` annotations only from `go 1.17` on, and
    /// not for `go 1.17rc1`).
    #[test]
    fn prereleases_before_1_21_are_older_than_their_release() {
        assert!(!go_version_at_least("1.17rc1", 17));
        assert!(!go_version_at_least("1.17beta1", 17));
        assert!(go_version_at_least("1.17", 17));
        assert!(go_version_at_least("1.17.0", 17));
        assert!(go_version_at_least("1.21rc1", 21));
        assert!(go_version_at_least("1.22", 17));
        assert!(go_version_at_least("1.22.0", 22));
        assert!(!go_version_at_least("1.16", 17));
    }
}
