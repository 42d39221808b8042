//! `GOSUMDB` as the go command reads it (cmd/go/internal/modfetch/sumdb.go
//! `dbDial`): `off`; a known database name (`sum.golang.org`, and its
//! alias `sum.golang.google.cn`, reached at its own URL); a full verifier
//! key `name+hash+key`; either followed by a URL to use instead of the
//! default access (GOPROXY's `sumdb/<name>/` passthrough, else
//! `https://<name>`). More than two fields is an error, as is a name that
//! is not `host[/path]`.

use super::note::Verifier;

/// The go command's built-in key for sum.golang.org
/// (cmd/go/internal/modfetch/key.go).
pub const SUM_GOLANG_ORG: &str =
    "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8";

/// A parsed `GOSUMDB`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GoSumDb {
    /// `GOSUMDB=off`.
    Off,
    /// A database.
    On {
        /// Its key (names the database).
        verifier: Verifier,
        /// The key as text.
        key: String,
        /// A URL given in GOSUMDB, used instead of GOPROXY and the
        /// database's own URL.
        url: Option<String>,
    },
}

/// Why `GOSUMDB` is refused (go's words).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GoSumDbError {
    /// Empty.
    #[error("missing GOSUMDB")]
    Missing,
    /// Three or more fields.
    #[error("invalid GOSUMDB: too many fields")]
    TooManyFields,
    /// The key does not parse (and is not a known name).
    #[error("invalid GOSUMDB: {0}")]
    BadKey(String),
    /// The name is not `host[/path]`.
    #[error("invalid sumdb name (must be host[/path]): {0}")]
    BadName(String),
}

impl Default for GoSumDb {
    /// No database configured.
    fn default() -> Self {
        GoSumDb::Off
    }
}

impl GoSumDb {
    /// Parses a `GOSUMDB` value.
    pub fn parse(value: &str) -> Result<GoSumDb, GoSumDbError> {
        let value = if value == "sum.golang.google.cn" {
            "sum.golang.org https://sum.golang.google.cn"
        } else {
            value
        };
        if value == "off" {
            return Ok(GoSumDb::Off);
        }
        let fields: Vec<&str> = value.split_whitespace().collect();
        let (key, url) = match fields[..] {
            [] => return Err(GoSumDbError::Missing),
            [k] => (k, None),
            [k, u] => (k, Some(u.to_string())),
            _ => return Err(GoSumDbError::TooManyFields),
        };
        let key = if key == "sum.golang.org" {
            SUM_GOLANG_ORG
        } else {
            key
        };
        let verifier = Verifier::parse(key).map_err(|e| GoSumDbError::BadKey(e.to_string()))?;
        check_name(verifier.name())?;
        Ok(GoSumDb::On {
            verifier,
            key: key.to_string(),
            url,
        })
    }

    /// The database name, unless off.
    pub fn name(&self) -> Option<&str> {
        match self {
            GoSumDb::Off => None,
            GoSumDb::On { verifier, .. } => Some(verifier.name()),
        }
    }
}

/// `https://<name>` must be a plain URL: a host, an optional path, nothing
/// else (no userinfo, port-only host, query, fragment, escapes, trailing
/// `/`). Also refused: `.` or `..` path elements, since the name becomes
/// part of cache paths.
fn check_name(name: &str) -> Result<(), GoSumDbError> {
    let bad = || GoSumDbError::BadName(name.to_string());
    let (host, path) = name.split_once('/').unwrap_or((name, ""));
    if host.is_empty()
        || name.ends_with('/')
        || name
            .chars()
            .any(|c| c.is_whitespace() || "?#@%\\".contains(c) || c.is_control())
        || host.starts_with(':')
        || path
            .split('/')
            .any(|e| e == "." || e == ".." || (e.is_empty() && !path.is_empty()))
    {
        return Err(bad());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gosumdb_forms() {
        let default = GoSumDb::parse("sum.golang.org").unwrap();
        assert_eq!(default.name(), Some("sum.golang.org"));
        assert!(matches!(&default, GoSumDb::On { url: None, .. }));
        let cn = GoSumDb::parse("sum.golang.google.cn").unwrap();
        assert!(
            matches!(&cn, GoSumDb::On { url: Some(u), .. } if u == "https://sum.golang.google.cn")
        );
        assert_eq!(cn.name(), Some("sum.golang.org"));
        assert_eq!(GoSumDb::parse("off").unwrap(), GoSumDb::Off);
        let with_url = GoSumDb::parse(&format!("{SUM_GOLANG_ORG} file:///srv/db")).unwrap();
        assert!(matches!(&with_url, GoSumDb::On { url: Some(u), .. } if u == "file:///srv/db"));
        assert_eq!(GoSumDb::parse("").unwrap_err(), GoSumDbError::Missing);
        assert_eq!(
            GoSumDb::parse("a b c").unwrap_err(),
            GoSumDbError::TooManyFields
        );
        assert_eq!(
            GoSumDb::parse("example.com").unwrap_err().to_string(),
            "invalid GOSUMDB: malformed verifier id"
        );
    }

    #[test]
    fn names_must_be_host_and_path() {
        for ok in ["sum.golang.org", "localhost.localdev/sumdb", "h:8080/p/q"] {
            assert!(check_name(ok).is_ok(), "{ok}");
        }
        for bad in [
            "", "/x", "x/", "a/../b", "u@h", "h?q", "h#f", "h/%41", "a//b",
        ] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
    }
}
