//! Version control for modules fetched `direct`: which version control
//! system a module path may use (GOVCS), and where its repository is
//! (cmd/go `internal/vcs`: `vcs.go` `parseGOVCS`, `checkGOVCS`,
//! `vcsPaths`, `matchGoImport`; `discovery.go` `parseMetaGoImports`).
//!
//! - [`Govcs`]: the GOVCS setting parsed with go's errors, the default rules
//!   (`private:all,public:git|hg`) appended, and [`Govcs::check`] giving go's
//!   refusal (`GOVCS disallows using svn for public example.com/x; see 'go
//!   help vcs'`).
//! - [`static_repo_root`]: the repository of a path on a known hosting site
//!   (github.com, bitbucket.org, hub.jazz.net, git.apache.org,
//!   git.openstack.org, chiselapp.com), or named by a version-control
//!   qualifier (`git.corp.example/team/repo.git/sub`). Go's patterns match
//!   ASCII word characters only, and so do these.
//! - [`parse_meta_go_imports`] and [`match_go_import`]: the
//!   `<meta name="go-import" content="prefix vcs repo [subdir]">` tags of a
//!   `?go-get=1` page, `mod` entries first, and the one that applies to a
//!   path. The page is scanned for `<meta>` tags up to `<body>` or
//!   `</head>` with a small tag reader, not a full HTML parser: go's own
//!   reader is a lenient XML tokenizer, and the pages hosting sites serve
//!   are simple.
//!
//! Not here: running git, fetching pages, credentials (the VCS fetcher's);
//! Launchpad's dynamic bzr check, and every system but git, which modsnap
//! does not fetch (it names them in its refusal).

use std::fmt;
use std::sync::LazyLock;

use regex::Regex;

/// One GOVCS rule: a path pattern (or `public`/`private`) and the systems
/// allowed for it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Rule {
    pattern: String,
    allowed: Vec<String>,
}

/// The GOVCS policy: the user's rules, then go's defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Govcs {
    rules: Vec<Rule>,
}

/// A malformed GOVCS setting (go's words).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct GovcsError(String);

/// A version-control system the policy refuses for a repository.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("GOVCS disallows using {vcs} for {} {root}; see 'go help vcs'", if *.private { "private" } else { "public" })]
pub struct Disallowed {
    /// The system (`git`, `svn`, …).
    pub vcs: String,
    /// The repository root path.
    pub root: String,
    /// Whether GOPRIVATE matched it.
    pub private: bool,
}

fn quote(s: &str) -> String {
    crate::module::quote(s)
}

impl Govcs {
    /// Parses a GOVCS value and appends go's defaults (empty: the
    /// defaults only).
    pub fn parse(value: &str) -> Result<Govcs, GovcsError> {
        let mut rules = parse_rules(value)?;
        rules.push(Rule {
            pattern: "private".into(),
            allowed: vec!["all".into()],
        });
        rules.push(Rule {
            pattern: "public".into(),
            allowed: vec!["git".into(), "hg".into()],
        });
        Ok(Govcs { rules })
    }

    /// Whether `vcs` may be used for `path` (the first matching rule
    /// decides; nothing matches: refused).
    pub fn allows(&self, path: &str, private: bool, vcs: &str) -> bool {
        for rule in &self.rules {
            let matched = match rule.pattern.as_str() {
                "private" => private,
                "public" => !private,
                p => crate::module::match_prefix_patterns(p, path),
            };
            if matched {
                return rule.allowed.iter().any(|a| a == vcs || a == "all");
            }
        }
        false
    }

    /// go's check before running `vcs` for repository root `root`: private
    /// when GOPRIVATE (`goprivate`) matches the root.
    pub fn check(&self, vcs: &str, root: &str, goprivate: &str) -> Result<(), Disallowed> {
        let private = crate::module::match_prefix_patterns(goprivate, root);
        if self.allows(root, private, vcs) {
            Ok(())
        } else {
            Err(Disallowed {
                vcs: vcs.to_string(),
                root: root.to_string(),
                private,
            })
        }
    }
}

/// The user's GOVCS rules alone (cmd/go `parseGOVCS`).
fn parse_rules(value: &str) -> Result<Vec<Rule>, GovcsError> {
    let err = |s: String| Err(GovcsError(s));
    let mut rules: Vec<Rule> = Vec::new();
    let value = value.trim();
    if !value.is_empty() {
        let mut seen: Vec<(String, String)> = Vec::new();
        for item in value.split(',') {
            let item = item.trim();
            if item.is_empty() {
                return err("empty entry in GOVCS".into());
            }
            let Some((pattern, list)) = item.split_once(':') else {
                return err(format!(
                    "malformed entry in GOVCS (missing colon): {}",
                    quote(item)
                ));
            };
            let (pattern, list) = (pattern.trim(), list.trim());
            if pattern.is_empty() {
                return err(format!("empty pattern in GOVCS: {}", quote(item)));
            }
            if list.is_empty() {
                return err(format!("empty VCS list in GOVCS: {}", quote(item)));
            }
            if is_relative_path(pattern) {
                return err(format!(
                    "relative pattern not allowed in GOVCS: {}",
                    quote(pattern)
                ));
            }
            if let Some((_, old)) = seen.iter().find(|(p, _)| p == pattern) {
                return err(format!(
                    "unreachable pattern in GOVCS: {} after {}",
                    quote(item),
                    quote(old)
                ));
            }
            seen.push((pattern.to_string(), item.to_string()));
            let mut allowed = Vec::new();
            for a in list.split('|') {
                let a = a.trim();
                if a.is_empty() {
                    return err(format!("empty VCS name in GOVCS: {}", quote(item)));
                }
                allowed.push(a.to_string());
            }
            rules.push(Rule {
                pattern: pattern.to_string(),
                allowed,
            });
        }
    }
    Ok(rules)
}

/// cmd/go `search.IsRelativePath`: `.`, `..`, `./…`, `../…`.
fn is_relative_path(p: &str) -> bool {
    p == "." || p == ".." || p.starts_with("./") || p.starts_with("../")
}

/// Where a module path's repository is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoRoot {
    /// The version-control system (`git`).
    pub vcs: String,
    /// The path prefix the repository holds (`github.com/user/repo`).
    pub root: String,
    /// The repository URL; `None` when the path names no scheme (a
    /// `.git` qualifier): the fetcher tries the system's schemes in go's
    /// order ([`schemes`]).
    pub repo: Option<String>,
    /// Repository without scheme, for a qualifier path.
    pub schemeless: Option<String>,
    /// The module tree's directory inside the repository (a go-import
    /// tag's fourth field; empty otherwise).
    pub subdir: String,
}

impl RepoRoot {
    /// The repository a matched go-import tag names (cmd/go
    /// `repoRootForImportDynamic`): its URL must have a scheme, and not
    /// `file` (go refuses local repository roots from the network).
    pub fn from_meta(mi: &MetaImport) -> Result<RepoRoot, String> {
        match mi.repo_root.split_once("://") {
            None => {
                return Err(format!(
                    "invalid repo root {}: no scheme",
                    quote(&mi.repo_root)
                ));
            }
            Some((scheme, _)) if scheme.eq_ignore_ascii_case("file") => {
                return Err(format!(
                    "invalid repo root {}: file scheme disallowed",
                    quote(&mi.repo_root)
                ));
            }
            Some(_) => {}
        }
        Ok(RepoRoot {
            vcs: mi.vcs.clone(),
            root: mi.prefix.clone(),
            repo: Some(mi.repo_root.clone()),
            schemeless: None,
            subdir: mi.subdir.clone(),
        })
    }
}

/// Why a path matches a hosting site's pattern but is not valid there.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RepoRootError {
    /// A known host whose path does not fit its layout.
    #[error("invalid {host} import path {}", quote(.path))]
    BadHostPath {
        /// The host prefix (`github.com`).
        host: String,
        /// The path.
        path: String,
    },
    /// `github.com/user/repo.git`: go refuses the suffix on these hosts.
    #[error("invalid version control suffix in {host}/ path")]
    VcsSuffix {
        /// The host prefix.
        host: String,
    },
}

struct HostPattern {
    prefix: &'static str,
    re: &'static LazyLock<Regex>,
    vcs: &'static str,
    no_vcs_suffix: bool,
}

// Go's `\w` is ASCII: `[0-9A-Za-z_]`.
static GITHUB: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?P<root>github\.com/[0-9A-Za-z_.\-]+/[0-9A-Za-z_.\-]+)(/[0-9A-Za-z_.\-]+)*$")
        .expect("pattern")
});
static BITBUCKET: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?P<root>bitbucket\.org/(?P<bitname>[0-9A-Za-z_.\-]+/[0-9A-Za-z_.\-]+))(/[0-9A-Za-z_.\-]+)*$",
    )
    .expect("pattern")
});
static JAZZ: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?P<root>hub\.jazz\.net/git/[a-z0-9]+/[0-9A-Za-z_.\-]+)(/[0-9A-Za-z_.\-]+)*$")
        .expect("pattern")
});
static APACHE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?P<root>git\.apache\.org/[a-z0-9_.\-]+\.git)(/[0-9A-Za-z_.\-]+)*$")
        .expect("pattern")
});
static OPENSTACK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?P<root>git\.openstack\.org/[0-9A-Za-z_.\-]+/[0-9A-Za-z_.\-]+)(\.git)?(/[0-9A-Za-z_.\-]+)*$",
    )
    .expect("pattern")
});
static CHISEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?P<root>chiselapp\.com/user/[A-Za-z0-9]+/repository/[0-9A-Za-z_.\-]+)$")
        .expect("pattern")
});
/// Any server, with the system named in the path. Unanchored at the start,
/// as go's pattern is.
static QUALIFIED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?P<root>(?P<repo>([a-z0-9.\-]+\.)+[a-z0-9.\-]+(:[0-9]+)?(/~?[0-9A-Za-z_.\-]+)+?)\.(?P<vcs>bzr|fossil|git|hg|svn))(/~?[0-9A-Za-z_.\-]+)*$",
    )
    .expect("pattern")
});

static HOSTS: [HostPattern; 6] = [
    HostPattern {
        prefix: "github.com",
        re: &GITHUB,
        vcs: "git",
        no_vcs_suffix: true,
    },
    HostPattern {
        prefix: "bitbucket.org",
        re: &BITBUCKET,
        vcs: "git",
        no_vcs_suffix: true,
    },
    HostPattern {
        prefix: "hub.jazz.net/git",
        re: &JAZZ,
        vcs: "git",
        no_vcs_suffix: true,
    },
    HostPattern {
        prefix: "git.apache.org",
        re: &APACHE,
        vcs: "git",
        no_vcs_suffix: false,
    },
    HostPattern {
        prefix: "git.openstack.org",
        re: &OPENSTACK,
        vcs: "git",
        no_vcs_suffix: false,
    },
    HostPattern {
        prefix: "chiselapp.com",
        re: &CHISEL,
        vcs: "fossil",
        no_vcs_suffix: false,
    },
];

const VCS_NAMES: [&str; 5] = ["hg", "git", "svn", "bzr", "fossil"];

/// The repository of `path` without asking the network: a known hosting
/// site's layout, or a version-control qualifier. `Ok(None)`: neither, so
/// the go command asks `https://<path>?go-get=1`.
pub fn static_repo_root(path: &str) -> Result<Option<RepoRoot>, RepoRootError> {
    for host in &HOSTS {
        if !has_path_prefix(path, host.prefix) {
            continue;
        }
        let Some(c) = host.re.captures(path) else {
            return Err(RepoRootError::BadHostPath {
                host: host.prefix.to_string(),
                path: path.to_string(),
            });
        };
        let root = c["root"].to_string();
        if host.no_vcs_suffix && VCS_NAMES.iter().any(|v| root.ends_with(&format!(".{v}"))) {
            return Err(RepoRootError::VcsSuffix {
                host: host.prefix.to_string(),
            });
        }
        return Ok(Some(RepoRoot {
            vcs: host.vcs.to_string(),
            repo: Some(format!("https://{root}")),
            root,
            schemeless: None,
            subdir: String::new(),
        }));
    }
    let Some(c) = QUALIFIED.captures(path) else {
        return Ok(None);
    };
    Ok(Some(RepoRoot {
        vcs: c["vcs"].to_string(),
        root: c["root"].to_string(),
        repo: None,
        schemeless: Some(c["repo"].to_string()),
        subdir: String::new(),
    }))
}

/// The URL schemes go tries for a qualifier path, in order, for `vcs`;
/// only the secure ones unless GOINSECURE matches (`insecure`).
pub fn schemes(vcs: &str, insecure: bool) -> Vec<&'static str> {
    let (all, secure): (&[&'static str], &[&'static str]) = match vcs {
        "git" => (
            &["git", "https", "http", "git+ssh", "ssh"],
            &["https", "git+ssh", "ssh"],
        ),
        "hg" => (&["https", "http", "ssh"], &["https", "ssh"]),
        _ => (&[], &[]),
    };
    all.iter()
        .copied()
        .filter(|s| insecure || secure.contains(s))
        .collect()
}

/// cmd/go `str.HasPathPrefix`.
fn has_path_prefix(s: &str, prefix: &str) -> bool {
    if prefix.is_empty() {
        return true;
    }
    if s.len() == prefix.len() {
        return s == prefix;
    }
    if prefix.ends_with('/') {
        return s.starts_with(prefix);
    }
    s.len() > prefix.len() && s.starts_with(prefix) && s.as_bytes()[prefix.len()] == b'/'
}

/// One `<meta name="go-import">` tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetaImport {
    /// The import-path prefix it covers.
    pub prefix: String,
    /// `git`, `hg`, …, or `mod` (a GOPROXY for the prefix).
    pub vcs: String,
    /// The repository (or proxy) URL.
    pub repo_root: String,
    /// The optional fourth field: the module's subdirectory.
    pub subdir: String,
}

/// The go-import tags of a `?go-get=1` page (cmd/go `parseMetaGoImports`,
/// in module mode: `mod` entries first, and other entries with the same
/// prefix as a `mod` entry dropped).
pub fn parse_meta_go_imports(html: &str) -> Vec<MetaImport> {
    let mut imports = Vec::new();
    let lower = html.to_ascii_lowercase();
    let mut at = 0;
    while let Some(lt) = lower[at..].find('<') {
        let start = at + lt;
        let Some(gt) = lower[start..].find('>') else {
            break;
        };
        let end = start + gt;
        let tag = &html[start + 1..end];
        let tag_lower = &lower[start + 1..end];
        at = end + 1;
        let name: String = tag_lower
            .trim_start()
            .chars()
            .take_while(|c| !c.is_whitespace() && *c != '/')
            .collect();
        match name.as_str() {
            "body" | "/head" => break,
            "meta" => {}
            _ => continue,
        }
        let attrs = attributes(tag.trim_start()[4..].trim_start());
        let get = |k: &str| {
            attrs
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(k))
                .map(|(_, v)| v.as_str())
        };
        if get("name") != Some("go-import") {
            continue;
        }
        let fields: Vec<&str> = get("content").unwrap_or("").split_whitespace().collect();
        if fields.len() == 3 || fields.len() == 4 {
            imports.push(MetaImport {
                prefix: fields[0].to_string(),
                vcs: fields[1].to_string(),
                repo_root: fields[2].to_string(),
                subdir: fields.get(3).unwrap_or(&"").to_string(),
            });
        }
    }
    let mods: Vec<String> = imports
        .iter()
        .filter(|m| m.vcs == "mod")
        .map(|m| m.prefix.clone())
        .collect();
    let mut list: Vec<MetaImport> = imports.iter().filter(|m| m.vcs == "mod").cloned().collect();
    list.extend(
        imports
            .into_iter()
            .filter(|m| m.vcs != "mod" && !mods.contains(&m.prefix)),
    );
    list
}

/// `name="value"`, `name='value'` and `name=value` attributes (HTML
/// entities `&amp;`, `&lt;`, `&gt;`, `&quot;`, `&#39;` decoded).
fn attributes(s: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
            i += 1;
        }
        let n0 = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'=' && b[i] != b'/' {
            i += 1;
        }
        let name = &s[n0..i];
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        let mut value = String::new();
        if i < b.len() && b[i] == b'=' {
            i += 1;
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            if i < b.len() && (b[i] == b'"' || b[i] == b'\'') {
                let q = b[i];
                let v0 = i + 1;
                i = v0;
                while i < b.len() && b[i] != q {
                    i += 1;
                }
                value = s[v0..i.min(b.len())].to_string();
                i += 1;
            } else {
                let v0 = i;
                while i < b.len() && !b[i].is_ascii_whitespace() {
                    i += 1;
                }
                value = s[v0..i].to_string();
            }
        }
        if !name.is_empty() {
            let value = value
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&#39;", "'")
                .replace("&amp;", "&");
            out.push((name.to_string(), value));
        }
    }
    out
}

/// Why no go-import tag applies.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MatchError {
    /// Two non-`mod` tags cover the path.
    #[error("multiple meta tags match import path {}", quote(.0))]
    Multiple(String),
    /// None covers it.
    #[error("{0}")]
    Mismatch(ImportMismatch),
}

/// No tag's prefix covers the path (go's `ImportMismatchError`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportMismatch {
    /// The path looked up.
    pub path: String,
    /// The prefixes the page offered.
    pub mismatches: Vec<String>,
}

impl fmt::Display for ImportMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "meta tags do not match import path {}; found {}",
            quote(&self.path),
            self.mismatches.join(", ")
        )
    }
}

/// The tag that applies to `path` (cmd/go `matchGoImport`): the one whose
/// prefix covers it; a `mod` tag wins over the non-`mod` ones after it.
pub fn match_go_import<'a>(
    imports: &'a [MetaImport],
    path: &str,
) -> Result<&'a MetaImport, MatchError> {
    let mut found: Option<&MetaImport> = None;
    let mut mismatches = Vec::new();
    for im in imports {
        if !has_path_prefix(path, &im.prefix) {
            mismatches.push(im.prefix.clone());
            continue;
        }
        if let Some(m) = found {
            if m.vcs == "mod" && im.vcs != "mod" {
                break;
            }
            return Err(MatchError::Multiple(path.to_string()));
        }
        found = Some(im);
    }
    found.ok_or_else(|| {
        MatchError::Mismatch(ImportMismatch {
            path: path.to_string(),
            mismatches,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn govcs_rules_and_errors_as_go() {
        // go's TestGOVCS table: the user's rules alone (a path starting
        // "is-private" is private).
        let cases: &[(&str, &str, &str, bool)] = &[
            ("private:all", "is-public.com/foo", "zzz", false),
            ("private:all", "is-private.com/foo", "zzz", true),
            ("public:all", "is-public.com/foo", "zzz", true),
            ("public:all", "is-private.com/foo", "zzz", false),
            ("public:all,private:none", "is-public.com/foo", "zzz", true),
            (
                "public:all,private:none",
                "is-private.com/foo",
                "zzz",
                false,
            ),
            ("*:all", "is-public.com/foo", "zzz", true),
            ("golang.org:git", "golang.org/x/text", "zzz", false),
            ("golang.org:git", "golang.org/x/text", "git", true),
            ("golang.org:zzz", "golang.org/x/text", "zzz", true),
            ("golang.org:zzz", "golang.org/x/text", "git", false),
            ("golang.org:git|hg", "golang.org/x/text", "hg", true),
            ("golang.org:git|hg", "golang.org/x/text", "zzz", false),
            ("golang.org:all", "golang.org/x/text", "zzz", true),
            (
                "other.xyz/p:none,golang.org/x:git",
                "other.xyz/p/x",
                "git",
                false,
            ),
            (
                "other.xyz/p:none,golang.org/x:git",
                "unexpected.com",
                "git",
                false,
            ),
            (
                "other.xyz/p:none,golang.org/x:git",
                "golang.org/x/text",
                "git",
                true,
            ),
            (
                "other.xyz/p:none,golang.org/x:zzz",
                "golang.org/x/text",
                "git",
                false,
            ),
            (
                "other.xyz/p:none,golang.org/x:git|hg",
                "golang.org/x/text",
                "hg",
                true,
            ),
            (
                "other.xyz/p:none,golang.org/x:all",
                "golang.org/x/text",
                "zzz",
                true,
            ),
            (
                "other.xyz/p:none,golang.org/x:git",
                "golang.org/y/text",
                "git",
                false,
            ),
        ];
        for &(govcs, path, vcs, ok) in cases {
            let g = Govcs {
                rules: parse_rules(govcs).unwrap(),
            };
            let private = path.starts_with("is-private");
            assert_eq!(g.allows(path, private, vcs), ok, "{govcs} {path} {vcs}");
        }
        // With go's defaults appended (what the go command checks).
        let g = Govcs::parse("").unwrap();
        assert!(g.allows("is-private.com/foo", true, "zzz"));
        assert!(!g.allows("is-public.com/foo", false, "svn"));
        assert!(g.allows("is-public.com/foo", false, "hg"));
        let g = Govcs::parse("public:all").unwrap();
        assert!(
            g.allows("is-private.com/foo", true, "zzz"),
            "private:all from the defaults"
        );
        for (s, want) in [
            (",", "empty entry in GOVCS"),
            (",x", "empty entry in GOVCS"),
            ("x,", "malformed entry in GOVCS (missing colon): \"x\""),
            ("x:y,", "empty entry in GOVCS"),
            ("x:", "empty VCS list in GOVCS: \"x:\""),
            ("x:|", "empty VCS name in GOVCS: \"x:|\""),
            ("x:y,z:w||v", "empty VCS name in GOVCS: \"z:w||v\""),
            (
                "x:y,x:z",
                "unreachable pattern in GOVCS: \"x:z\" after \"x:y\"",
            ),
            ("./x:git", "relative pattern not allowed in GOVCS: \"./x\""),
        ] {
            assert_eq!(Govcs::parse(s).unwrap_err().to_string(), want, "{s}");
        }
        let g = Govcs::parse("").unwrap();
        assert_eq!(
            g.check("svn", "example.com/x", "").unwrap_err().to_string(),
            "GOVCS disallows using svn for public example.com/x; see 'go help vcs'"
        );
        assert!(g.check("svn", "corp.example/x", "corp.example").is_ok());
    }

    #[test]
    fn static_repo_roots_as_go() {
        let git = |root: &str| {
            Some(RepoRoot {
                vcs: "git".into(),
                root: root.into(),
                repo: Some(format!("https://{root}")),
                schemeless: None,
                subdir: String::new(),
            })
        };
        for (path, want) in [
            (
                "github.com/golang/groupcache",
                git("github.com/golang/groupcache"),
            ),
            (
                "github.com/golang/groupcache/lru/x",
                git("github.com/golang/groupcache"),
            ),
            (
                "hub.jazz.net/git/user1/pkgname/sub/sub",
                git("hub.jazz.net/git/user1/pkgname"),
            ),
            (
                "hub.jazz.net/git/user/pkg.name",
                git("hub.jazz.net/git/user/pkg.name"),
            ),
            (
                "git.openstack.org/openstack/swift",
                git("git.openstack.org/openstack/swift"),
            ),
            (
                "git.openstack.org/openstack/swift.git",
                git("git.openstack.org/openstack/swift.git"),
            ),
            (
                "git.apache.org/package-name.git",
                git("git.apache.org/package-name.git"),
            ),
            (
                "bitbucket.org/user/repo/sub",
                git("bitbucket.org/user/repo"),
            ),
            (
                "git.openstack.org/openstack/swift/go/hummingbird",
                git("git.openstack.org/openstack/swift"),
            ),
            (
                "git.apache.org/package-name_2.x.git/path/to/lib",
                git("git.apache.org/package-name_2.x.git"),
            ),
            ("example.com/plain/path", None),
        ] {
            assert_eq!(static_repo_root(path), Ok(want), "{path}");
        }
        for bad in [
            "github.com/user/unicode/испытание",
            "hub.jazz.net/git/User 1/pkgname",
            "hub.jazz.net/git/user.1/pkgname",
            "hub.jazz.net/git/USER/pkgname",
            "git.apache.org/package-name/path/to/lib",
            "git.apache.org/package name/path/to/lib",
            "git.openstack.org",
            "git.openstack.org/openstack",
            "github.com/user",
        ] {
            assert!(static_repo_root(bad).is_err(), "{bad}");
        }
        // No known host's prefix: the go command asks the server (and fails
        // for these, which is the nil of go's table).
        for dynamic in [
            "hub.jazz.net",
            "hub.jazz.net/someotherprefix/user1/pkgname",
            "hubajazz.net",
        ] {
            assert_eq!(static_repo_root(dynamic), Ok(None), "{dynamic}");
        }
        assert_eq!(
            static_repo_root("github.com/user/repo.git")
                .unwrap_err()
                .to_string(),
            "invalid version control suffix in github.com/ path"
        );
        // A version-control qualifier names the repository on any server.
        let r = static_repo_root("git.corp.example/team/repo.git/sub/pkg")
            .unwrap()
            .unwrap();
        assert_eq!(
            (
                r.vcs.as_str(),
                r.root.as_str(),
                r.schemeless.as_deref(),
                r.repo
            ),
            (
                "git",
                "git.corp.example/team/repo.git",
                Some("git.corp.example/team/repo"),
                None
            )
        );
        let r = static_repo_root("corp.example:8443/~me/x.hg")
            .unwrap()
            .unwrap();
        assert_eq!(r.vcs, "hg");
        assert_eq!(schemes("git", false), ["https", "git+ssh", "ssh"]);
        assert_eq!(
            schemes("git", true),
            ["git", "https", "http", "git+ssh", "ssh"]
        );
    }

    #[test]
    fn go_import_tags_as_go() {
        let page = r#"<!DOCTYPE html><html><head>
<meta name="go-import" content="example.com/team/lib git https://git.example.com/team/lib">
<META NAME='go-import' CONTENT='example.com/team/mod mod https://proxy.example.com'>
<meta name="go-import" content="example.com/team/mod git https://git.example.com/mod">
<meta name=go-import content="example.com/sub git https://git.example.com/sub subdir/x">
<meta name="description" content="not this">
</head><body>
<meta name="go-import" content="example.com/late git https://late">
</body></html>"#;
        let got = parse_meta_go_imports(page);
        let short: Vec<(&str, &str, &str, &str)> = got
            .iter()
            .map(|m| {
                (
                    m.prefix.as_str(),
                    m.vcs.as_str(),
                    m.repo_root.as_str(),
                    m.subdir.as_str(),
                )
            })
            .collect();
        assert_eq!(
            short,
            [
                (
                    "example.com/team/mod",
                    "mod",
                    "https://proxy.example.com",
                    ""
                ),
                (
                    "example.com/team/lib",
                    "git",
                    "https://git.example.com/team/lib",
                    ""
                ),
                (
                    "example.com/sub",
                    "git",
                    "https://git.example.com/sub",
                    "subdir/x"
                ),
            ]
        );
        assert_eq!(
            match_go_import(&got, "example.com/team/lib/pkg")
                .unwrap()
                .repo_root,
            "https://git.example.com/team/lib"
        );
        assert_eq!(
            match_go_import(&got, "example.com/team/mod").unwrap().vcs,
            "mod"
        );
        let err = match_go_import(&got, "example.com/other").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("meta tags do not match import path \"example.com/other\""),
            "{err}"
        );
        let two = vec![
            MetaImport {
                prefix: "example.com/a".into(),
                vcs: "git".into(),
                repo_root: "https://x".into(),
                subdir: String::new(),
            },
            MetaImport {
                prefix: "example.com/a/b".into(),
                vcs: "git".into(),
                repo_root: "https://y".into(),
                subdir: String::new(),
            },
        ];
        assert_eq!(
            match_go_import(&two, "example.com/a/b/c")
                .unwrap_err()
                .to_string(),
            "multiple meta tags match import path \"example.com/a/b/c\""
        );
        let file = MetaImport {
            prefix: "example.com/f".into(),
            vcs: "git".into(),
            repo_root: "file:///srv/git/f".into(),
            subdir: String::new(),
        };
        assert_eq!(
            RepoRoot::from_meta(&file).unwrap_err(),
            "invalid repo root \"file:///srv/git/f\": file scheme disallowed"
        );
        // A prefix covers whole path elements only.
        let one = &two[..1];
        assert!(match_go_import(one, "example.com/ab").is_err());
    }
}
