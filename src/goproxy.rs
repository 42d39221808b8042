//! The GOPROXY file layout, in one place: which files a module proxy
//! serves, the relative path of each (`<escaped path>/@v/<escaped
//! version>.<ext>`, `<escaped path>/@v/list`, `<escaped path>/@latest`,
//! `sumdb/<name>/…`) in both directions, and the text of an `@v/list` file
//! (<https://go.dev/ref/mod#goproxy-protocol>; cmd/go `modfetch/proxy.go`,
//! `modfetch/cache.go` for the module cache's `cache/download` tree, which
//! has the same layout plus `.ziphash` files and extracted directories).
//!
//! The proxy client builds request paths here, the fetch store names its
//! cache files, snapshot names archive entries and the manifest's file
//! names, the archive reader classifies entries, vendoring reads a tree, and
//! restore writes one, and `serve` parses request paths with [`parse`].
//! Toolchain modules (`golang.org/toolchain@v0.0.1-go1.22.0.linux-amd64`)
//! are ordinary module paths here.
//!
//! Escaping is [`crate::module::escape_path`] (`!`-lowercase); URL
//! percent-encoding is the proxy client's concern. Not here: reading or
//! writing files, and what a valid `.info` holds.

use std::fmt;

use crate::module::{self, ModVersion};

/// Where the module cache keeps its GOPROXY-layout tree, relative to
/// `$GOMODCACHE` (a `file://` GOPROXY can point at it).
pub const MODCACHE_DOWNLOAD: &str = "cache/download";

/// One kind of file a GOPROXY serves for a module.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Artifact {
    /// `@v/list`: the known versions, one per line.
    List,
    /// `@v/<version>.info`: JSON `{"Version", "Time"}`.
    Info,
    /// `@v/<version>.mod`: the go.mod file.
    Mod,
    /// `@v/<version>.zip`: the module zip.
    Zip,
    /// `@latest`: the `.info` of the latest version (computed, never
    /// stored in archives).
    Latest,
}

impl Artifact {
    /// The per-version artifacts, in manifest order.
    pub const VERSIONED: [Artifact; 3] = [Artifact::Info, Artifact::Mod, Artifact::Zip];

    /// The file extension of a per-version artifact (`info`, `mod`, `zip`),
    /// also the manifest's key for it; `list` and `latest` for the others.
    pub fn ext(self) -> &'static str {
        match self {
            Artifact::List => "list",
            Artifact::Info => "info",
            Artifact::Mod => "mod",
            Artifact::Zip => "zip",
            Artifact::Latest => "latest",
        }
    }

    /// The per-version artifact with extension `ext`.
    pub fn from_ext(ext: &str) -> Option<Artifact> {
        match ext {
            "info" => Some(Artifact::Info),
            "mod" => Some(Artifact::Mod),
            "zip" => Some(Artifact::Zip),
            _ => None,
        }
    }

    /// Whether the file belongs to one version (`.info`, `.mod`, `.zip`).
    pub fn is_versioned(self) -> bool {
        matches!(self, Artifact::Info | Artifact::Mod | Artifact::Zip)
    }
}

impl fmt::Display for Artifact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Artifact::List => "@v/list",
            Artifact::Info => ".info",
            Artifact::Mod => ".mod",
            Artifact::Zip => ".zip",
            Artifact::Latest => "@latest",
        })
    }
}

/// A file of a GOPROXY tree, by what it is.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProxyFile {
    /// `<path>/@v/<version>.{info,mod,zip}`.
    Version {
        /// The module version (unescaped).
        module: ModVersion,
        /// Which file.
        artifact: Artifact,
    },
    /// `<path>/@v/list`.
    List {
        /// The module path (unescaped).
        module: String,
    },
    /// `<path>/@latest`.
    Latest {
        /// The module path (unescaped).
        module: String,
    },
    /// `sumdb/<name>/<rest>`: the checksum database proxied (`supported`,
    /// `lookup/…`, `tile/…`).
    Sumdb {
        /// The database's name (`sum.golang.org`).
        name: String,
        /// The path below it.
        rest: String,
    },
}

/// Why a path is not a GOPROXY tree file, or a module cannot be named in
/// one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LayoutError {
    /// An absolute path, a backslash or a NUL.
    #[error("absolute path or forbidden character")]
    Forbidden,
    /// Empty, `.` or `..` components.
    #[error("path is not clean (empty, `.` or `..` component)")]
    NotClean,
    /// No `@v` directory.
    #[error("not a GOPROXY tree file (no `@v` directory)")]
    NoAtV,
    /// `@v` not directly above the file.
    #[error("not a GOPROXY tree file (`@v/<file>` expected)")]
    NotInAtV,
    /// A file in `@v` that the protocol does not have.
    #[error("not a GOPROXY tree file (want list, .info, .mod or .zip)")]
    UnknownFile,
    /// The module path does not escape or unescape.
    #[error("bad module path: {0}")]
    Path(module::ModuleError),
    /// The version does not escape or unescape.
    #[error("bad version: {0}")]
    Version(module::ModuleError),
}

fn escaped_path(path: &str) -> Result<String, LayoutError> {
    module::escape_path(path).map_err(LayoutError::Path)
}

/// The tree path of a per-version file: `<escaped path>/@v/<escaped
/// version>.<ext>`. For [`Artifact::List`] and [`Artifact::Latest`] the
/// version is ignored.
pub fn file_name(m: &ModVersion, artifact: Artifact) -> Result<String, LayoutError> {
    let path = escaped_path(&m.path)?;
    match artifact {
        Artifact::List => Ok(format!("{path}/@v/list")),
        Artifact::Latest => Ok(format!("{path}/@latest")),
        _ => {
            let version = module::escape_version(&m.version).map_err(LayoutError::Version)?;
            Ok(format!("{path}/@v/{version}.{}", artifact.ext()))
        }
    }
}

/// The tree path of a module's `@v/list`.
pub fn list_name(path: &str) -> Result<String, LayoutError> {
    Ok(format!("{}/@v/list", escaped_path(path)?))
}

/// The tree path of a checksum-database file proxied by a GOPROXY:
/// `sumdb/<name>/<rest>` (`rest`: `supported`, `lookup/…`, `tile/…`).
pub fn sumdb_name(name: &str, rest: &str) -> String {
    format!("sumdb/{name}/{rest}")
}

/// A checksum-database lookup file's path below `sumdb/<name>/`:
/// `lookup/<escaped path>@<escaped version>`.
pub fn sumdb_lookup(m: &ModVersion) -> Result<String, LayoutError> {
    let version = module::escape_version(&m.version).map_err(LayoutError::Path)?;
    Ok(format!("lookup/{}@{version}", escaped_path(&m.path)?))
}

/// The module version a lookup file names ([`sumdb_lookup`] backwards);
/// `None` when `rest` is not one.
pub fn parse_sumdb_lookup(rest: &str) -> Option<ModVersion> {
    let (p, v) = rest.strip_prefix("lookup/")?.rsplit_once('@')?;
    Some(ModVersion {
        path: module::unescape_path(p).ok()?,
        version: module::unescape_version(v).ok()?,
    })
}

/// The module cache's directory for an extracted module version
/// (`<escaped path>@<escaped version>`, relative to `$GOMODCACHE`).
pub fn modcache_dir(m: &ModVersion) -> Result<String, LayoutError> {
    let version = module::escape_version(&m.version).map_err(LayoutError::Version)?;
    Ok(format!("{}@{version}", escaped_path(&m.path)?))
}

/// The module cache's `.ziphash` file beside a zip (relative to
/// `$GOMODCACHE/cache/download`).
pub fn ziphash_name(m: &ModVersion) -> Result<String, LayoutError> {
    let zip = file_name(m, Artifact::Zip)?;
    Ok(format!("{}.ziphash", zip.trim_end_matches(".zip")))
}

/// Says what the tree path `name` is, or why it is not a GOPROXY file.
/// Every component must be clean; path and version must unescape (so an
/// upper-case letter, which escaping never produces, is refused).
pub fn parse(name: &str) -> Result<ProxyFile, LayoutError> {
    if name.starts_with('/') || name.contains('\\') || name.contains('\0') {
        return Err(LayoutError::Forbidden);
    }
    let parts: Vec<&str> = name.split('/').collect();
    if parts
        .iter()
        .any(|p| p.is_empty() || *p == "." || *p == "..")
    {
        return Err(LayoutError::NotClean);
    }
    // A database name may have slashes (`localhost.localdev/sumdb`): it
    // ends before the first `supported`, `lookup` or `tile` component.
    if let ["sumdb", _, more @ ..] = parts.as_slice()
        && !more.is_empty()
    {
        let end = (2..parts.len())
            .find(|&i| matches!(parts[i], "supported" | "lookup" | "tile"))
            .unwrap_or(2);
        return Ok(ProxyFile::Sumdb {
            name: parts[1..end].join("/"),
            rest: parts[end..].join("/"),
        });
    }
    let unescape = |p: &[&str]| module::unescape_path(&p.join("/")).map_err(LayoutError::Path);
    if let [head @ .., "@latest"] = parts.as_slice()
        && !head.is_empty()
    {
        return Ok(ProxyFile::Latest {
            module: unescape(head)?,
        });
    }
    let Some(at_v) = parts.iter().rposition(|p| *p == "@v") else {
        return Err(LayoutError::NoAtV);
    };
    if at_v + 2 != parts.len() || at_v == 0 {
        return Err(LayoutError::NotInAtV);
    }
    let path = unescape(&parts[..at_v])?;
    let file = parts[at_v + 1];
    if file == "list" {
        return Ok(ProxyFile::List { module: path });
    }
    let Some((escaped_version, ext)) = file.rsplit_once('.') else {
        return Err(LayoutError::UnknownFile);
    };
    let artifact = Artifact::from_ext(ext).ok_or(LayoutError::UnknownFile)?;
    let version = module::unescape_version(escaped_version).map_err(LayoutError::Version)?;
    Ok(ProxyFile::Version {
        module: ModVersion::new(path, version),
        artifact,
    })
}

/// The text of an `@v/list` file: the versions sorted by semver (as
/// A GOPROXY file name (already case-escaped) as it goes in a URL path:
/// percent-encoded as Go's `url.PathEscape` encodes it, `/` left alone, so
/// `!` becomes `%21` while `+`, `@`, `$`, `&`, `:`, `=` stay raw.
pub fn url_path(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~$&+:=@/".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `go list -m -versions` prints them), without duplicates, one per line.
pub fn list_text<I, S>(versions: I) -> String
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    let mut vs: Vec<String> = versions.into_iter().map(Into::into).collect();
    crate::semver::sort(&mut vs);
    vs.dedup();
    let mut text = String::new();
    for v in vs {
        text.push_str(&v);
        text.push('\n');
    }
    text
}

/// The versions an `@v/list` text names (whitespace-separated fields, as
/// the go command reads them).
pub fn list_versions(text: &str) -> impl Iterator<Item = &str> {
    text.split_whitespace()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_escaping_matches_go() {
        assert_eq!(
            url_path("example.com/!upper/@v/v1.0.0-!beta.zip"),
            "example.com/%21upper/@v/v1.0.0-%21beta.zip"
        );
        assert_eq!(
            url_path("example.com/g/@v/v2.0.0+incompatible.zip"),
            "example.com/g/@v/v2.0.0+incompatible.zip"
        );
        assert_eq!(url_path("a b?#%;,"), "a%20b%3F%23%25%3B%2C");
    }

    #[test]
    fn names_round_trip_with_escaping() {
        let m = ModVersion::new("example.com/Upper", "v1.0.0-Beta");
        for a in Artifact::VERSIONED {
            let name = file_name(&m, a).unwrap();
            assert_eq!(
                parse(&name),
                Ok(ProxyFile::Version {
                    module: m.clone(),
                    artifact: a
                })
            );
        }
        assert_eq!(
            file_name(&m, Artifact::Zip).unwrap(),
            "example.com/!upper/@v/v1.0.0-!beta.zip"
        );
        assert_eq!(
            list_name("example.com/Upper").unwrap(),
            "example.com/!upper/@v/list"
        );
        assert_eq!(
            parse("example.com/!upper/@v/list"),
            Ok(ProxyFile::List {
                module: "example.com/Upper".into()
            })
        );
        assert_eq!(
            parse("example.com/m/@latest"),
            Ok(ProxyFile::Latest {
                module: "example.com/m".into()
            })
        );
        assert_eq!(
            parse("sumdb/sum.golang.org/tile/8/0/001"),
            Ok(ProxyFile::Sumdb {
                name: "sum.golang.org".into(),
                rest: "tile/8/0/001".into()
            })
        );
        assert_eq!(
            parse("sumdb/localhost.localdev/sumdb/lookup/example.com/tile@v1.0.0"),
            Ok(ProxyFile::Sumdb {
                name: "localhost.localdev/sumdb".into(),
                rest: "lookup/example.com/tile@v1.0.0".into()
            })
        );
        assert_eq!(
            sumdb_lookup(&m).unwrap(),
            "lookup/example.com/!upper@v1.0.0-!beta"
        );
        assert_eq!(
            parse_sumdb_lookup("lookup/example.com/!upper@v1.0.0-!beta"),
            Some(m.clone())
        );
        assert_eq!(parse_sumdb_lookup("tile/8/0/000"), None);
        assert_eq!(modcache_dir(&m).unwrap(), "example.com/!upper@v1.0.0-!beta");
        assert_eq!(
            parse(&sumdb_name("sum.golang.org", "supported")),
            Ok(ProxyFile::Sumdb {
                name: "sum.golang.org".into(),
                rest: "supported".into()
            })
        );
        assert_eq!(
            ziphash_name(&m).unwrap(),
            "example.com/!upper/@v/v1.0.0-!beta.ziphash"
        );
    }

    #[test]
    fn parse_refuses_what_is_not_a_proxy_file() {
        for (bad, want) in [
            ("/etc/passwd", LayoutError::Forbidden),
            ("example.com\\m/@v/list", LayoutError::Forbidden),
            ("../x/@v/list", LayoutError::NotClean),
            (
                "example.com/m/@v/../../../etc/passwd",
                LayoutError::NotClean,
            ),
            ("example.com//m/@v/list", LayoutError::NotClean),
            ("example.com/m/./@v/list", LayoutError::NotClean),
            ("README", LayoutError::NoAtV),
            ("@v/list", LayoutError::NotInAtV),
            ("example.com/m/@v/sub/v1.0.0.zip", LayoutError::NotInAtV),
            ("example.com/m/@v/v1.0.0.exe", LayoutError::UnknownFile),
            ("example.com/m/@v/latest", LayoutError::UnknownFile),
        ] {
            assert_eq!(parse(bad), Err(want), "{bad}");
        }
        assert!(matches!(
            parse("example.com/Upper/@v/v1.0.0.zip"),
            Err(LayoutError::Path(_))
        ));
        assert!(matches!(
            parse("example.com/m/@v/v1.0.0-Beta.zip"),
            Err(LayoutError::Version(_))
        ));
        assert!(file_name(&ModVersion::new("-bad/path", "v1.0.0"), Artifact::Mod).is_err());
    }

    #[test]
    fn list_text_is_sorted_by_semver_and_deduplicated() {
        assert_eq!(
            list_text(["v1.10.0", "v1.2.0", "v1.2.0", "v1.2.0-pre"]),
            "v1.2.0-pre\nv1.2.0\nv1.10.0\n"
        );
        assert_eq!(list_text(Vec::<String>::new()), "");
        assert_eq!(
            list_versions("v1.0.0\nv1.1.0\r\n\n").collect::<Vec<_>>(),
            ["v1.0.0", "v1.1.0"]
        );
    }
}
