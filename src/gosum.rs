//! go.sum files: the hashes a module trusts (<https://go.dev/ref/mod#go-sum-files>).
//!
//! A go.sum line is `<module path> <version>[/go.mod] <hash>`, with the path
//! and version unescaped. Reading follows the go command (cmd/go
//! `modfetch.readGoSum`):
//! - the file is split on `\n` and each line into whitespace-separated
//!   fields, so tabs, runs of spaces and `\r` are tolerated; blank lines are
//!   skipped;
//! - a line without exactly three fields is an error naming file and line
//!   (the go command stops with "malformed go.sum");
//! - lines carrying the hash of an empty go.mod
//!   (`h1:G7mAYYxgmS0lVkHyy2hEOLQCFB0DlQFTMLWggykrydY=`, an old bug) are
//!   dropped silently;
//! - path and version syntax is not validated, and one key may carry several
//!   hashes.
//!
//! Checking follows `modfetch.haveModSumLocked`: only `h1:` hashes are
//! verifiable; going through a key's hashes in file order, an equal hash
//! passes, and an `h1:` that differs before an equal one is found is a
//! mismatch — a security error, never a warning.
//!
//! Not here: computing hashes ([`crate::dirhash`]), writing or tidying
//! go.sum (modsnap never edits a user's go.sum), and the checksum database.

use std::collections::BTreeMap;

/// The hash of an empty go.mod file, which the go command ignores in go.sum.
pub const EMPTY_GO_MOD_HASH: &str = "h1:G7mAYYxgmS0lVkHyy2hEOLQCFB0DlQFTMLWggykrydY=";

/// A go.sum line the go command would refuse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "malformed go.sum: {file}:{line}: wrong number of fields {fields} (want `<module> <version>[/go.mod] <hash>`); hint: regenerate it with `go mod tidy`"
)]
pub struct GoSumError {
    /// The go.sum file name as given to [`GoSum::parse`].
    pub file: String,
    /// 1-based line number.
    pub line: usize,
    /// How many fields the line had.
    pub fields: usize,
}

/// What go.sum says about one hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SumCheck {
    /// go.sum lists this hash for the key.
    Match,
    /// go.sum lists a different `h1:` hash for the key: a security error.
    Mismatch {
        /// The hash go.sum records.
        expected: String,
        /// The go.sum file that records it.
        file: String,
    },
    /// go.sum has no verifiable (`h1:`) hash for the key.
    Missing,
}

/// The hashes of one or more go.sum files, keyed by module path and version
/// (`v1.2.3` for the zip, `v1.2.3/go.mod` for the go.mod file).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GoSum {
    entries: BTreeMap<(String, String), Vec<(String, String)>>,
}

/// Two go.sum files record different hashes for one module version: one
/// of them is wrong, and nothing can be verified until that is settled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "go.sum files disagree about {key}: {a} in {a_file}, {b} in {b_file} (SECURITY ERROR); hint: one of them is wrong; run `go mod verify` in each project"
)]
pub struct SumConflict {
    /// The go.sum key (`path version[/go.mod]`).
    pub key: String,
    /// One hash.
    pub a: String,
    /// The file that records it.
    pub a_file: String,
    /// The other hash.
    pub b: String,
    /// The file that records it.
    pub b_file: String,
}

impl GoSum {
    /// An empty set of sums.
    pub fn new() -> Self {
        Self::default()
    }

    /// Parses go.sum bytes; `file` names the file in errors.
    pub fn parse(file: &str, data: &[u8]) -> Result<GoSum, GoSumError> {
        let mut sum = GoSum::new();
        sum.add_file(file, data)?;
        Ok(sum)
    }

    /// Adds the lines of another go.sum file (go.work.sum plus each
    /// workspace module's go.sum are read together, in that order).
    pub fn add_file(&mut self, file: &str, data: &[u8]) -> Result<(), GoSumError> {
        for (i, line) in data.split(|&b| b == b'\n').enumerate() {
            let line = String::from_utf8_lossy(line);
            let fields: Vec<&str> = line.split_whitespace().collect();
            match fields.as_slice() {
                [] => continue,
                [_, _, hash] if *hash == EMPTY_GO_MOD_HASH => continue,
                [path, version, hash] => self
                    .entries
                    .entry((path.to_string(), version.to_string()))
                    .or_default()
                    .push((hash.to_string(), file.to_string())),
                other => {
                    return Err(GoSumError {
                        file: file.to_string(),
                        line: i + 1,
                        fields: other.len(),
                    });
                }
            }
        }
        Ok(())
    }

    /// Checks the zip hash `h1` of `path@version`.
    pub fn check_zip(&self, path: &str, version: &str, h1: &str) -> SumCheck {
        self.check(path, version, h1)
    }

    /// Checks the go.mod hash `h1` of `path@version`.
    pub fn check_go_mod(&self, path: &str, version: &str, h1: &str) -> SumCheck {
        self.check(path, &format!("{version}/go.mod"), h1)
    }

    fn check(&self, path: &str, key_version: &str, h1: &str) -> SumCheck {
        let Some(hashes) = self
            .entries
            .get(&(path.to_string(), key_version.to_string()))
        else {
            return SumCheck::Missing;
        };
        for (hash, file) in hashes {
            if hash == h1 {
                return SumCheck::Match;
            }
            if hash.starts_with("h1:") {
                return SumCheck::Mismatch {
                    expected: hash.clone(),
                    file: file.clone(),
                };
            }
        }
        SumCheck::Missing
    }

    /// The verifiable (`h1:`) zip hash recorded for `path@version`, if any.
    pub fn zip_hash(&self, path: &str, version: &str) -> Option<&str> {
        self.h1(path, version)
    }

    /// The verifiable (`h1:`) go.mod hash recorded for `path@version`, if any.
    pub fn go_mod_hash(&self, path: &str, version: &str) -> Option<&str> {
        self.h1(path, &format!("{version}/go.mod"))
    }

    fn h1(&self, path: &str, key_version: &str) -> Option<&str> {
        self.entries
            .get(&(path.to_string(), key_version.to_string()))?
            .iter()
            .map(|(h, _)| h.as_str())
            .find(|h| h.starts_with("h1:"))
    }

    /// The go.sum file that records the verifiable zip hash of `path@version`.
    pub fn zip_hash_file(&self, path: &str, version: &str) -> Option<&str> {
        self.h1_file(path, version)
    }

    /// The go.sum file that records the verifiable go.mod hash of
    /// `path@version`.
    pub fn go_mod_hash_file(&self, path: &str, version: &str) -> Option<&str> {
        self.h1_file(path, &format!("{version}/go.mod"))
    }

    fn h1_file(&self, path: &str, key_version: &str) -> Option<&str> {
        self.entries
            .get(&(path.to_string(), key_version.to_string()))?
            .iter()
            .find(|(h, _)| h.starts_with("h1:"))
            .map(|(_, f)| f.as_str())
    }

    /// Adds `other`'s lines. When both record a verifiable hash for the same
    /// key and their first `h1:` hashes differ, that is a [`SumConflict`]
    /// and nothing more is merged.
    pub fn merge_checked(&mut self, other: &GoSum) -> Result<(), SumConflict> {
        for (key, hashes) in &other.entries {
            let mine = self.entries.entry(key.clone()).or_default();
            let first =
                |v: &Vec<(String, String)>| v.iter().find(|(h, _)| h.starts_with("h1:")).cloned();
            if let (Some((a, af)), Some((b, bf))) = (first(mine), first(hashes))
                && a != b
            {
                return Err(SumConflict {
                    key: format!("{} {}", key.0, key.1),
                    a,
                    a_file: af,
                    b,
                    b_file: bf,
                });
            }
            for h in hashes {
                if !mine.contains(h) {
                    mine.push(h.clone());
                }
            }
        }
        Ok(())
    }

    /// Every key with at least one hash, as (path, version-or-version/go.mod),
    /// in byte order.
    pub fn keys(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.keys().map(|(p, v)| (p.as_str(), v.as_str()))
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when no line was read.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Formats one go.sum line as the go command writes it: `path version hash\n`.
pub fn format_line(path: &str, version: &str, hash: &str) -> String {
    format!("{path} {version} {hash}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    const B: &str = "h1:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB=";

    #[test]
    fn reads_lines_with_odd_whitespace() {
        let data = format!("x.com/a v1.0.0 {A}\r\n\n  x.com/a\tv1.0.0/go.mod   {B}\n");
        let s = GoSum::parse("go.sum", data.as_bytes()).unwrap();
        assert_eq!(s.zip_hash("x.com/a", "v1.0.0"), Some(A));
        assert_eq!(s.go_mod_hash("x.com/a", "v1.0.0"), Some(B));
        assert_eq!(s.len(), 2);
    }

    #[test]
    fn wrong_field_count_names_line() {
        let data = format!("x.com/a v1.0.0 {A}\nx.com/b v1.0.0\n");
        let e = GoSum::parse("dir/go.sum", data.as_bytes()).unwrap_err();
        assert_eq!((e.line, e.fields), (2, 2));
        assert!(
            e.to_string()
                .contains("dir/go.sum:2: wrong number of fields 2"),
            "{e}"
        );
    }

    #[test]
    fn empty_go_mod_hash_is_dropped() {
        let data = format!("x.com/a v1.0.0/go.mod {EMPTY_GO_MOD_HASH}\n");
        let s = GoSum::parse("go.sum", data.as_bytes()).unwrap();
        assert!(s.is_empty());
    }

    #[test]
    fn check_follows_go_order() {
        let data = format!("x.com/a v1.0.0 h2:whatever\nx.com/a v1.0.0 {A}\nx.com/a v1.0.0 {B}\n");
        let s = GoSum::parse("go.sum", data.as_bytes()).unwrap();
        assert_eq!(s.check_zip("x.com/a", "v1.0.0", A), SumCheck::Match);
        // B comes after a different h1: the go command stops at A.
        assert!(
            matches!(s.check_zip("x.com/a", "v1.0.0", B), SumCheck::Mismatch { expected, .. } if expected == A)
        );
        assert_eq!(s.check_go_mod("x.com/a", "v1.0.0", A), SumCheck::Missing);
        let only_h2 = GoSum::parse("go.sum", b"x.com/a v1.0.0 h2:zz\n").unwrap();
        assert_eq!(only_h2.check_zip("x.com/a", "v1.0.0", A), SumCheck::Missing);
        assert_eq!(only_h2.zip_hash("x.com/a", "v1.0.0"), None);
    }

    proptest::proptest! {
        #[test]
        fn parse_never_panics(data in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
            let _ = GoSum::parse("go.sum", &data);
        }

        #[test]
        fn well_formed_lines_round_trip(path in "[a-z]{1,8}\\.com/[a-zA-Z0-9/]{0,12}", v in "v[0-9]\\.[0-9]\\.[0-9]") {
            let line = format_line(&path, &v, "h1:x");
            let s = GoSum::parse("go.sum", line.as_bytes()).unwrap();
            proptest::prop_assert_eq!(s.zip_hash(&path, &v), Some("h1:x"));
        }
    }
}
